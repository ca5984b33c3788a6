# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fabric of two planes in the twin: each plane its own BGP fabric, validated, a fault named with its plane.

inventories/lab-planes (4 lab nodes whose 100G compute ports split 2 x 50G, one link per plane;
each plane 2 rail leaves and 2 spines, no link between the planes) renamed ``pln``, brought up
with playbooks/lab.yml, switches by playbooks/switches.yml, nodes by host_network, as the
validation twin does (tests/validate/twin.py). The clean twin must pass; each plane's BGP sessions
are checked to stay inside the plane; a leaf-spine link shut in plane 2 must fail validation
with exactly one finding, on plane 2's switches, that says the plane.

Needs root, podman, runc and the lab twin images (built on first use); skipped otherwise.
"""

from __future__ import annotations

import json

import pytest

from twin import ROOT, ValidateTwin, why_not_usable  # pylint: disable=import-error

pytestmark = pytest.mark.lab

DESIGN = ROOT / "inventories" / "lab-planes" / "design.yml"


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    reason = why_not_usable()
    if reason:
        pytest.skip(reason)
    t = ValidateTwin(tmp_path_factory.mktemp("planes-twin"), design=DESIGN, name="pln")
    try:
        t.up()
        t.configure()
        t.wait_converged()
        yield t
    finally:
        t.down()
        print("\nplanes twin timings (s): %s; nodes configured by %s" % (
            ", ".join("%s %.1f" % kv for kv in t.times.items()), t.hosts_configured_by))


def problems(report):
    return [f for f in report["findings"] if f["severity"] != "info"]


def test_each_plane_is_its_own_bgp_fabric(twin):
    planes = {}
    for name, dev in twin.plan["devices"].items():
        if dev["role"] in ("leaf", "spine"):
            planes.setdefault(dev["plane"], []).append(name)
    assert sorted(planes) == [1, 2] and all(len(v) == 4 for v in planes.values())
    for plane, switches in planes.items():
        for sw in switches:
            out = twin.exec(sw, "vtysh -c 'show bgp summary json'")
            peers = json.loads(out.stdout)["ipv4Unicast"]["peers"]
            assert peers and all(p["state"] == "Established" for p in peers.values()), (sw, peers)
            # Every session of the switch goes to a switch of its own plane.
            neighbours = {n["peer_device"] for n in twin.plan["devices"][sw]["bgp"]["neighbors"]}
            assert neighbours <= set(switches), (sw, neighbours)
            assert len(peers) == len(neighbours)


def test_clean_two_plane_twin_validates(twin):
    assert twin.hosts_configured_by == "host_network", getattr(twin, "host_network_error", "")
    rc, report, output = twin.validate("clean")
    assert report is not None, output[-6000:]
    assert rc == 0 and problems(report) == [], output[-6000:]
    # 4 nodes x 2 rails x 2 planes: a rule and two routes per NIC; 8 switches' sessions.
    assert report["checked"]["host_rules"] == 16 and report["checked"]["bgp_sessions"] == 8


def test_a_link_down_in_one_plane_is_named_with_its_plane(twin):
    leaf = "pln-p2-leaf-1"
    uplink = [i for i in twin.plan["devices"][leaf]["interfaces"] if i.get("peer_device", "").startswith("pln-p2-spine")][0]
    twin.exec(leaf, "ip link set %s down" % uplink["name"])
    try:
        rc, report, output = twin.validate("plane-2-link-down")
        found = problems(report)
        assert len(found) == 1, "\n".join("%(check)s %(device)s %(port)s: %(message)s" % f for f in found)
        finding = found[0]
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["peer_device"]) == (
            "link", leaf, uplink["name"], uplink["peer_device"])
        assert finding["plane"] == 2 and finding["message"].startswith("plane 2: ")
        # What it breaks stays in plane 2: plane 1's sessions are not among the symptoms.
        assert not any("pln-p1-" in text for text in finding["explains"])
    finally:
        twin.exec(leaf, "ip link set %s up" % uplink["name"])
