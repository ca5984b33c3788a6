# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan filters (plugins/filter/plan.py) on devices of real plans."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.ai_cluster.plugins.filter import plan as plan_filters
from ansible_collections.refarch.ai_cluster.plugins.filter.plan import (
    FilterModule, bgp_neighbors, interface_range, interfaces_by_role, peer)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FILTER_DIR = os.path.dirname(plan_filters.__file__)


@pytest.fixture(scope="module")
def lab():
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml"))
    return {name: device.as_dict() for name, device in plan.devices.items()}


def test_filters_are_registered_and_documented():
    filters = FilterModule().filters()
    assert sorted(filters) == ["bgp_neighbors", "interface_range", "interfaces_by_role", "peer"]
    for name in filters:
        with open(os.path.join(FILTER_DIR, name + ".yml"), encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
        assert doc["DOCUMENTATION"]["name"] == name
        assert "_input" in doc["DOCUMENTATION"]["options"]
        assert "_value" in doc["RETURN"] and doc["EXAMPLES"].strip()


def test_peer_is_the_cable_of_the_plan(lab):
    leaf = lab["lab-leaf-1"]
    for interface in leaf["interfaces"]:
        far = peer(leaf, interface["name"])
        assert far == {"device": interface["peer_device"], "port": interface["peer_port"]}
        # and back again from the other end
        assert peer(lab[far["device"]], far["port"]) == {"device": "lab-leaf-1", "port": interface["name"]}


def test_peer_of_a_node_rail(lab):
    assert peer(lab["lab-node-2"], "rail1")["device"] == "lab-leaf-2"


def test_peer_unknown_port(lab):
    # 3 downlinks (swp1-3: 2 nodes and the head node) and 2 uplinks (swp4-5).
    with pytest.raises(AnsibleFilterError, match=r"lab-leaf-1 has no port 'swp99'; its ports: swp1-5$"):
        peer(lab["lab-leaf-1"], "swp99")
    # SU 2 fills 2 of its 3 slots: swp3 of its leaves is not cabled, the uplinks stay at swp4-5.
    with pytest.raises(AnsibleFilterError, match=r"lab-leaf-3 has no port 'swp3'; its ports: swp1-2,swp4-5$"):
        peer(lab["lab-leaf-3"], "swp3")


def test_peer_needs_a_device():
    with pytest.raises(AnsibleFilterError, match="expects a device"):
        peer({"name": "x"}, "swp1")
    with pytest.raises(AnsibleFilterError, match="expects a device"):
        peer("lab-leaf-1", "swp1")


def test_interfaces_by_role(lab):
    leaf = lab["lab-leaf-1"]
    downlinks = interfaces_by_role(leaf, "downlink")
    uplinks = interfaces_by_role(leaf, "uplink")
    # SU 1 of the lab: nodes 1 and 2, then the head node in the SU's last slot.
    assert [i["peer_device"] for i in downlinks] == ["lab-node-1", "lab-node-2", "lab-mgmt-1"]
    assert [i["peer_device"] for i in uplinks] == ["lab-spine-1", "lab-spine-2"]
    assert interfaces_by_role(leaf, ["uplink", "downlink"]) == leaf["interfaces"]
    assert interfaces_by_role(leaf, "bmc") == []
    assert [i["peer_device"] for i in interfaces_by_role(lab["lab-leaf-3"], "downlink")] == ["lab-node-3", "lab-node-4"]
    assert [i["rail"] for i in interfaces_by_role(lab["lab-node-1"], "compute")] == [0, 1]
    assert [(i["name"], i["rail"]) for i in interfaces_by_role(lab["lab-mgmt-1"], "compute")] == [
        ("compute0", 0), ("compute1", 1)]


@pytest.mark.parametrize("names, expected", [
    (["swp1", "swp2", "swp3", "swp4"], "swp1-4"),
    (["swp7", "swp2", "swp1", "swp3", "swp4", "swp2"], "swp1-4,swp7"),
    (["swp10", "swp9", "swp11", "swp1"], "swp1,swp9-11"),
    (["Ethernet1/1", "Ethernet2/1", "Ethernet3/1", "Ethernet5/1"], "Ethernet1/1-3/1,Ethernet5/1"),
    (["Ethernet1/1", "Ethernet1/3", "Ethernet1/5"], "Ethernet1/1,Ethernet1/3,Ethernet1/5"),
    (["swp1s0", "swp1s1", "swp1s2", "swp1s3", "swp2s0"], "swp1s0-3,swp2s0"),
    (["Ethernet0", "Ethernet4", "Ethernet8"], "Ethernet0,Ethernet4,Ethernet8"),
    (["IB1/1", "IB1/2", "IB1/3", "IB1/33"], "IB1/1-3,IB1/33"),
    (["rail0", "rail1", "storage0", "bmc"], "bmc,rail0-1,storage0"),
    ([], ""),
])
def test_interface_range(names, expected):
    assert interface_range(names) == expected


def test_interface_range_separator():
    assert interface_range(["swp1", "swp2", "swp5"], ", ") == "swp1-2, swp5"


def test_interface_range_of_plan_ports(lab):
    names = [i["name"] for i in interfaces_by_role(lab["lab-leaf-1"], "downlink")]
    assert interface_range(names) == "swp1-3"
    names = [i["name"] for i in interfaces_by_role(lab["lab-leaf-3"], "downlink")]
    assert interface_range(names) == "swp1-2"
    assert interface_range([i["name"] for i in lab["lab-leaf-3"]["interfaces"]]) == "swp1-2,swp4-5"


def test_interface_range_needs_a_list():
    with pytest.raises(AnsibleFilterError, match="list of port names"):
        interface_range("swp1")


def test_bgp_neighbors(lab):
    leaf = lab["lab-leaf-1"]
    assert bgp_neighbors(leaf) == leaf["bgp"]["neighbors"]
    assert [n["peer_device"] for n in bgp_neighbors(leaf)] == ["lab-spine-1", "lab-spine-2"]
    assert bgp_neighbors(lab["lab-node-1"]) == []
    # a copy: changing the result leaves the plan alone
    bgp_neighbors(leaf).clear()
    assert len(leaf["bgp"]["neighbors"]) == 2


def test_bgp_neighbors_of_an_infiniband_switch():
    plan = plan_design({"name": "ib", "reference": "training-pod", "nodes": {"count": 8},
                        "fabrics": {"inband": None, "oob": None}})
    leaf = plan.devices["ib-leaf-1"].as_dict()
    assert leaf["bgp"] is None
    assert bgp_neighbors(leaf) == []
