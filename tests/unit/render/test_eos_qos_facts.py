# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arista EOS: the rendered configuration against rules from Arista's EOS User Manual.

FACTS is the table the rendered lines are checked against; each row names its source:

* "priority-flow-control pause watchdog default polling-interval" (Quality of Service, PFC
  watchdog): the polling interval is at most half of the timeout and of the recovery time.
* "Ethernet Ports" (MTU): the layer-3 ``mtu`` of a routed port is at most 9214; a switchport's
  frame size is set with ``l2 mtu``.
* "random-detect ecn" (Quality of Service, ECN): between the thresholds EOS also drops packets that
  are not ECN-capable, so ECN is written only on the RoCE queue, whose traffic is ECN-capable, and
  never on tx-queue 0, which carries TCP and storage (the neutral configuration says
  ``ecn.lossy_ecn: mark`` for class 0: mark, never drop early).
"""

from __future__ import annotations

import re

import pytest

import switch_golden
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import switch_config

FACTS = {
    "watchdog_poll_at_most_half_of": ("timeout", "recovery-time"),   # EOS manual, PFC watchdog
    "max_l3_mtu": 9214,                                              # EOS manual, Ethernet Ports
    "switchport_mtu_command": "l2 mtu",                              # EOS manual, Ethernet Ports
    "ecn_queues": "lossless only",                                   # random-detect ecn drops non-ECT
}


def _eos(**compute):
    """{switch: (neutral config, rendered lines)} of the lab design on EOS."""
    plan = plan_design(switch_golden._lab(platform="eos", **compute))
    out = {}
    for name in ("lab-leaf-1", "lab-spine-1"):
        config = switch_config(plan, name)
        out[name] = (config, switch_golden.render(config, "eos/eos.cfg.j2").splitlines())
    return out


def _blocks(lines):
    """{interface name: its indented lines}."""
    blocks, current = {}, None
    for line in lines:
        match = re.match(r"^interface (\S+)$", line)
        if match:
            current = blocks.setdefault(match.group(1), [])
        elif not line.startswith(" "):
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _queues(block):
    """{tx-queue id: its lines} of one interface block."""
    queues, current = {}, None
    for line in block:
        match = re.match(r"^   tx-queue (\d+)$", line)
        if match:
            current = queues.setdefault(int(match.group(1)), [])
        elif line.startswith("      ") and current is not None:
            current.append(line.strip())
        else:
            current = None
    return queues


PROFILES = {"lossless": {}, "lossy-ecn": {"qos_profile": "lossy-ecn"}}


@pytest.fixture(scope="module", params=sorted(PROFILES))
def rendered(request):
    return _eos(**PROFILES[request.param])


def test_watchdog_polls_at_least_twice_per_timeout_and_recovery():
    for config, lines in _eos().values():
        values = {}
        for line in lines:
            match = re.match(r"^priority-flow-control pause watchdog default (\S+) (\S+)$", line)
            if match:
                values[match.group(1)] = float(match.group(2))
        assert set(values) == {"timeout", "recovery-time", "polling-interval"}, config["hostname"]
        for other in FACTS["watchdog_poll_at_most_half_of"]:
            assert values["polling-interval"] <= values[other] / 2, (config["hostname"], values)


def test_mtu_lines(rendered):
    for config, lines in rendered.values():
        for name, block in _blocks(lines).items():
            if name.startswith("Loopback"):
                continue
            switchport = any(line.strip().startswith("switchport access vlan") for line in block)
            mtus = [int(line.split()[-1]) for line in block if line.strip().startswith(("mtu ", "l2 mtu "))]
            assert len(mtus) == 1 and mtus[0] <= FACTS["max_l3_mtu"], (name, block)
            if switchport:
                assert "   %s %d" % (FACTS["switchport_mtu_command"], mtus[0]) in block, name
                assert not any(line.startswith("   mtu ") for line in block), name
            elif name.startswith("Ethernet"):
                assert "   no switchport" in block and "   mtu %d" % mtus[0] in block, name


def test_ecn_only_on_the_roce_queue(rendered):
    for config, lines in rendered.values():
        qos = config["qos"]
        assert qos["ecn"]["lossy_ecn"] == "mark" and qos["ecn"]["mark_only_traffic_classes"] == [0]
        roce = qos["roce"]["traffic_class"]
        if qos["pfc"]["enabled"]:
            assert qos["pfc"]["priorities"] == [roce]     # the lossless queue is the RoCE queue
        checked = 0
        for name, block in _blocks(lines).items():
            queues = _queues(block)
            if not queues:
                continue
            checked += 1
            marked = sorted(q for q, body in queues.items() if any(b.startswith("random-detect ecn") for b in body))
            assert marked == [roce], (name, marked)
            assert not any(b.startswith("random-detect") for b in queues.get(0, [])), name
        assert checked, config["hostname"]


def test_ecn_thresholds_are_the_profile_values():
    for config, lines in _eos().values():
        ecn = config["qos"]["ecn"]
        want = ("      random-detect ecn minimum-threshold %d bytes maximum-threshold %d bytes max-mark-probability %d"
                % (ecn["min_bytes"], ecn["max_bytes"], ecn["probability_percent"]))
        assert want in lines
