# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The invariant checker finds each kind of broken plan, and names it.

Planned designs are sound (the property tests check that), so each case here breaks one thing in
a freshly planned lab-large (2 SUs, 2 rails, 4 leaves, 2 spines) and expects exactly the sentence
for it: a checker that said nothing would pass every property test.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Interface, Link, Rack
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_LARGE = os.path.join(REPO, "inventories/lab-large/design.yml")


@pytest.fixture
def plan():
    planned = plan_design(LAB_LARGE)
    assert check_plan(planned) == []
    return planned


def _iface(plan, device, port):
    return next(i for i in plan.devices[device].interfaces if i.name == port)


def _link(plan, device, port):
    return next(lk for lk in plan.links if (lk.a_device, lk.a_port) == (device, port))


def test_a_port_used_twice(plan):
    leaf = plan.devices["labx-leaf-1"]
    leaf.interfaces[1].name = leaf.interfaces[0].name
    problems = check_plan(plan)
    assert "labx-leaf-1 port swp1 is used more than once" in problems


def test_an_address_assigned_twice(plan):
    _iface(plan, "labx-node-2", "rail0").address = "198.18.64.2/29"
    assert check_plan(plan) == ["address 198.18.64.2 is assigned twice (again on labx-node-2)"]


def test_overlapping_subnets(plan):
    # Widen leaf 1's host subnet over leaf 2's.
    plan.devices["labx-leaf-1"].host_subnets = ["198.18.64.0/28"]
    assert check_plan(plan) == ["subnets overlap: labx-leaf-1 198.18.64.0/28 and labx-leaf-2 198.18.64.8/29"]


def test_a_leaf_asn_used_twice(plan):
    plan.devices["labx-leaf-2"].asn = plan.devices["labx-leaf-1"].asn
    assert check_plan(plan) == ["fabric compute: ASN 64612 is used by more than one leaf"]


def test_a_link_end_that_does_not_exist(plan):
    link = _link(plan, "labx-node-1", "rail0")
    link.b_port = "swp99"
    assert check_plan(plan) == ["link %s: an end (labx-node-1 rail0, labx-leaf-1 swp99) does not exist" % link.id]


def test_link_ends_with_different_speeds(plan):
    link = _link(plan, "labx-node-1", "rail0")
    _iface(plan, "labx-node-1", "rail0").speed_gbps = 200.0
    assert check_plan(plan) == ["link %s: speeds differ (200.0 vs 100.0)" % link.id]


def test_interface_peers_that_disagree_with_the_link(plan):
    link = _link(plan, "labx-leaf-1", "swp5")
    _iface(plan, "labx-leaf-1", "swp5").peer_device = "labx-spine-2"
    assert "link %s: interface peers do not match the link" % link.id in check_plan(plan)


def test_a_nic_cabled_to_another_rails_leaf(plan):
    _iface(plan, "labx-node-1", "rail0").peer_device = "labx-leaf-2"
    problems = check_plan(plan)
    assert "labx-node-1 rail0 (rail 0) is cabled to labx-leaf-2 of rail 1" in problems
    assert "labx-node-1 does not reach every rail of compute: [1]" in problems


def test_a_leaf_not_linked_evenly_to_its_spines(plan):
    leaf = plan.devices["labx-leaf-1"]
    leaf.interfaces = [i for i in leaf.interfaces if not (i.role == "uplink" and i.peer_device == "labx-spine-2")]
    problems = check_plan(plan)
    assert any(p.startswith("labx-leaf-1 is not linked evenly to every spine of pod 1") for p in problems), problems


def test_a_rack_over_budget(plan):
    rack = plan.racks[0]
    rack.used_power_kw = rack.power_kw + 1
    assert check_plan(plan) == ["rack %s over budget: %d/%d U, %.1f/%.1f kW" % (
        rack.name, rack.used_units, rack.units, rack.used_power_kw, rack.power_kw)]


@pytest.mark.parametrize("record", [
    Interface("swp1", "compute", "downlink", 400.0, 9216, "n1", "eth0"),
    Link("compute", "node_leaf", "n1", "eth0", "l1", "swp1", 400.0),
    Device("l1", "leaf", "sn5600", "sonic"),
    Rack("r1", "compute", 1, 1, 1, 42, 40.0),
])
def test_json_form_has_exactly_the_record_fields(record):
    """Interface and Link spell their dicts out for speed; they must still hold every field."""
    assert list(record.as_dict()) == list(type(record).FIELDS)
