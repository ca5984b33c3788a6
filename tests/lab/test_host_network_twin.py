# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_network on the lab twin: every node reaches every other node on every rail through the
switches, and replies leave by the NIC the request came in on.

A twin of its own (the lab design renamed ``hn``, containers ``hn-node-1`` ...) is planned,
brought up with ``playbooks/lab.yml``, its switches configured with ``playbooks/switches.yml``
(FRR, BGP, rail bridges), then the ``host_network`` role runs on the GPU nodes (twice: the
second run must change nothing). Uses tests/validate/twin.py to drive the playbooks.

Needs root, podman (with runc), iproute2 and ansible-playbook; skipped otherwise. Run with
``make -f Makefile -f mk/hosts.mk hosts-twin`` (a few minutes). The containers have no network
but their cables, so nothing here talks to any address outside the twin.
"""

from __future__ import annotations

import json
import os
import sys
import re
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validate"))
from twin import ValidateTwin, why_not_usable  # noqa: E402  pylint: disable=import-error,wrong-import-position

pytestmark = pytest.mark.lab

RECAP = re.compile(r"^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
PINGS = 3


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    why = why_not_usable()
    if why:
        pytest.skip(why)
    t = ValidateTwin(tmp_path_factory.mktemp("host-network-twin"), name="hn")
    try:
        t.up()
        t.configure_switches()
        t.wait_converged(timeout=180)
        yield t
    finally:
        if not os.environ.get("REFARCH_KEEP_TWIN"):
            t.down()


def _rails(twin, node):
    return [(i["name"], i["address"].split("/")[0]) for i in twin.plan["devices"][node]["interfaces"]
            if i.get("role") == "compute" and i.get("address")]


def _counters(twin, node):
    out = twin.exec(node, "ip -j -s link show")
    return {i["ifname"]: (i["stats64"]["rx"]["packets"], i["stats64"]["tx"]["packets"]) for i in json.loads(out.stdout)}


def test_host_network_converges_and_is_idempotent(twin):
    book = twin.dir / "hosts.yml"
    book.write_text("- name: GPU hosts' fabric network\n  hosts: gpu_nodes\n  gather_facts: true\n"
                    "  roles:\n    - role: refarch.ai_cluster.host_network\n")
    first = twin.must("host_network", "-i", twin.inventory, book)
    assert "failed=0" in first.stdout
    second = twin.must("host_network again", "-i", twin.inventory, book)
    changed = {host: int(c) for host, c, _u, _f in RECAP.findall(second.stdout) if host.startswith("hn-")}
    assert changed and not any(changed.values()), "second run changed something: %s" % changed
    assert twin.addresses_in_place(twin.devices("gpu_node"))


def test_every_node_reaches_every_node_on_every_rail(twin):
    nodes = twin.devices("gpu_node")
    failures = []
    for node in nodes:
        targets = [(src, dst) for _n, src in _rails(twin, node)
                   for other in nodes if other != node for _m, dst in _rails(twin, other)]
        script = "\n".join("ping -c 1 -W 2 -I %s %s >/dev/null 2>&1 || echo 'FAIL %s -> %s'" % (s, d, s, d)
                           for s, d in targets)
        out = twin.exec(node, script, check=False)
        failures += ["%s: %s" % (node, line) for line in out.stdout.splitlines() if line.startswith("FAIL")]
    assert not failures, "unreachable through the fabric:\n" + "\n".join(failures)


def test_replies_leave_by_the_nic_the_request_came_in_on(twin):
    """A request from another node's rail 0 to this node's rail 1 address comes in on rail 1 (the
    rail 1 leaf owns that subnet); without the per-NIC table the reply would take the connected
    route of rail 0. Count the packets each rail of the answering node sends."""
    nodes = twin.devices("gpu_node")
    wrong = []
    for node in nodes:
        rails = dict(_rails(twin, node))
        asker = next(n for n in nodes if n != node)
        src = dict(_rails(twin, asker))["rail0"]
        before = _counters(twin, node)
        twin.exec(asker, "ping -c %d -i 0.2 -W 2 -I %s %s >/dev/null" % (PINGS, src, rails["rail1"]))
        after = _counters(twin, node)
        sent = {nic: after[nic][1] - before[nic][1] for nic in rails}
        if sent["rail1"] < PINGS or sent["rail0"] >= PINGS:
            wrong.append("%s answered %s from %s: sent %s" % (node, src, rails["rail1"], sent))
    assert not wrong, "\n".join(wrong)
