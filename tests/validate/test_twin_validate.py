# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/validate.yml against a lab twin of its own: clean, then one injected fault at a time.

The twin is the lab design renamed ``val`` (4 nodes, 2 rail leaves, 2 spines), brought up with
playbooks/lab.yml, its switches configured with playbooks/switches.yml and its nodes with the
host_network role (see tests/validate/twin.py). The clean twin must pass with no finding but the
skipped checks (no GPU, no RDMA, virtual NICs); each fault must fail the play with exactly one
finding that names it, everything it breaks being folded under that finding. Each fault is undone
and the fabric converged again before the next.

Needs root, podman, runc and the lab twin images (built on first use); skipped otherwise.
``REFARCH_VALIDATE_RECORD=1`` also stores what each run gathered as the unit-test fixtures
(tests/unit/fixtures/validate/twin-SCENARIO.json).
"""

from __future__ import annotations

import os
import warnings

import pytest

from twin import ValidateTwin, why_not_usable  # pylint: disable=import-error

pytestmark = pytest.mark.lab

RECORD = os.environ.get("REFARCH_VALIDATE_RECORD") == "1"
WORKDIR_NAME = "validate-twin"


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    reason = why_not_usable()
    if reason:
        pytest.skip(reason)
    t = ValidateTwin(tmp_path_factory.mktemp(WORKDIR_NAME), name="val")
    try:
        t.up()
        by = t.configure()
        if by != "host_network":
            warnings.warn("GPU nodes configured from the plan by the test (roles/host_network %s)" % (
                "failed or did not set the addresses" if hasattr(t, "host_network_error") else "does not exist yet"))
        t.wait_converged()
        yield t
    finally:
        t.down()
        print("\nvalidate twin timings (s): %s; nodes configured by %s" % (
            ", ".join("%s %.1f" % kv for kv in t.times.items()), t.hosts_configured_by))


def problems(report):
    return [f for f in report["findings"] if f["severity"] != "info"]


def check(twin, scenario):
    rc, report, output = twin.validate(scenario, record=RECORD)
    assert report is not None, "no validation.json written:\n%s" % output[-6000:]
    if RECORD:
        twin.record(scenario)
    return rc, report, output


def only(report, output):
    found = problems(report)
    assert len(found) == 1, "expected exactly one finding, got:\n%s\n%s" % (
        "\n".join("%(severity)s %(check)s %(device)s %(port)s: %(message)s" % f for f in found), output[-3000:])
    return found[0]


def test_clean_twin_passes_with_no_findings(twin):
    rc, report, output = check(twin, "clean")
    assert rc == 0, output[-6000:]
    assert report["passed"] and problems(report) == [], output[-6000:]
    assert all(f["status"] == "skipped" for f in report["findings"])
    assert {f["check"] for f in report["findings"]} >= {"gpu", "rdma_bw", "nic"}
    assert report["checked"]["cables_lldp"] == len(twin.plan["links"])
    assert "validation of val: PASSED" in output
    md = (twin.plan_dir / "validation.md").read_text()
    assert md.startswith("# Validation of val") and "**PASSED**" in md


def test_two_cables_swapped_between_leaf_ports(twin):
    swap = ("ip link set swp1 down; ip link set swp2 down; ip link set swp1 name swpx; "
            "ip link set swp2 name swp1; ip link set swpx name swp2; ip link set swp1 up; ip link set swp2 up")
    twin.exec("val-leaf-1", swap)
    # Re-plugging a cable flushes what LLDP knew about it: restart lldpd at every moved end.
    for name in ("val-leaf-1", "val-node-1", "val-node-2"):
        twin.exec(name, "systemctl restart lldpd")
    try:
        rc, report, output = check(twin, "swapped-cables")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["peer_port"]) == (
            "cabling", "val-leaf-1", "swp1", "swp2")
        assert "swp1 has val-node-2 rail0, swp2 has val-node-1 rail0" in finding["message"]
        assert finding["fix"] == "swap the cables in val-leaf-1 ports swp1 and swp2"
    finally:
        twin.exec("val-leaf-1", swap)
        for name in ("val-leaf-1", "val-node-1", "val-node-2"):
            twin.exec(name, "systemctl restart lldpd")
        twin.wait_converged()


def test_a_link_taken_down(twin):
    twin.exec("val-leaf-1", "ip link set swp5 down")
    try:
        rc, report, output = check(twin, "link-down")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["peer_device"], finding["peer_port"]) == (
            "link", "val-leaf-1", "swp5", "val-spine-1", "swp1")
        assert "administratively down" in finding["message"]
        explained = " / ".join(finding["explains"])
        assert "BGP val-leaf-1 swp5 <-> val-spine-1 swp1" in explained
        assert "ECMP val-leaf-1 -> val-leaf-2" in explained
    finally:
        twin.exec("val-leaf-1", "ip link set swp5 up")
        twin.wait_converged()


def test_a_wrong_mtu_on_one_switch_port(twin):
    twin.exec("val-leaf-1", "ip link set swp2 mtu 1500")
    try:
        rc, report, output = check(twin, "port-mtu")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["expected"], finding["observed"]) == (
            "mtu", "val-leaf-1", "swp2", 9216, 1500)
        assert finding["explains"] and all("don't-fragment" in t for t in finding["explains"])
    finally:
        twin.exec("val-leaf-1", "ip link set swp2 mtu 9216")
        twin.wait_converged()


def test_bgpd_stopped_on_one_spine(twin):
    twin.exec("val-spine-1", "sed -i 's/^bgpd=yes/bgpd=no/' /etc/frr/daemons && systemctl restart frr")
    try:
        rc, report, output = check(twin, "bgpd-stopped")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"]) == ("bgp", "val-spine-1")
        assert "bgpd is not running" in finding["message"]
        explained = " / ".join(finding["explains"])
        assert "BGP val-leaf-1 swp5 <-> val-spine-1 swp1" in explained
        assert "BGP val-leaf-2 swp5 <-> val-spine-1 swp2" in explained
    finally:
        twin.exec("val-spine-1", "sed -i 's/^bgpd=no/bgpd=yes/' /etc/frr/daemons && systemctl restart frr")
        twin.wait_converged()


def test_one_nodes_rail_address_changed(twin):
    planned = [i for i in twin.plan["devices"]["val-node-3"]["interfaces"] if i["name"] == "rail1"][0]["address"]
    assert planned == "198.18.64.12/29"
    twin.exec("val-node-3", "ip addr del 198.18.64.12/29 dev rail1 && ip addr add 198.18.64.14/29 dev rail1")
    try:
        rc, report, output = check(twin, "rail-address")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["expected"], finding["observed"]) == (
            "address", "val-node-3", "rail1", "198.18.64.12/29", ["198.18.64.14/29"])
        assert len(finding["explains"]) == 3
    finally:
        twin.exec("val-node-3", "ip addr del 198.18.64.14/29 dev rail1 || true")
        if twin.hosts_configured_by == "host_network":
            # The role's files did not change, so running it again would not touch the NIC: have
            # systemd-networkd apply them again (address, routing table, rule).
            twin.exec("val-node-3", "networkctl reconfigure rail1")
        else:
            twin.exec("val-node-3", twin.host_script("val-node-3"))
        twin.wait_converged()
        assert twin.addresses_in_place(["val-node-3"])
