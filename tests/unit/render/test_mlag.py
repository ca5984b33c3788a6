# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_addressing mlag_bond: the design's refusals, the planned pairs, peer links and bonds, the
invariants, the neutral switch data and each platform's rendering, and the host bond from the plan.

Vendor facts checked (carried as facts):

* Cumulus Linux 5.x, NVUE Command Reference "MLAG": ``interface <bond> bond mlag id`` is unique per
  dual-connected bond, 1 to 65535, the same on both peers; ``mlag mac-address``, ``peer-ip
  linklocal``, ``backup <ip> vrf``; user guide "Multi-Chassis Link Aggregation - MLAG" (peer link: a
  bond of type ``peerlink``) and "Bonding - Link Aggregation" (``bond member``).
* SONiC MCLAG (sonic-net/SONiC doc/mclag, sonic-yang-models): MCLAG_DOMAIN ``<id>`` with source_ip,
  peer_ip, peer_link; MCLAG_INTERFACE ``<id>|PortChannel<N>`` if_type PortChannel; PORTCHANNEL and
  PORTCHANNEL_MEMBER ``PortChannel<N>|<port>``.
* Arista EOS User Manual "MLAG": ``mlag configuration`` with domain-id, local-interface, peer-address,
  peer-link; host ``interface Port-Channel<N>`` with ``mlag <N>``; members ``channel-group <N> mode active``.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

import switch_golden
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import host_network as hn
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import (
    SwitchConfigError, switch_config, switch_config_from)

TRAIN = {"name": "t", "reference": "training-pod"}


@pytest.fixture(scope="module")
def plan():
    return plan_design(TRAIN)


def _errors(design):
    with pytest.raises(DesignError) as info:
        plan_design(design)
    return str(info.value)


@pytest.mark.parametrize("change,words", [
    ({"rail_optimized": True}, "rail-optimized"),
    ({"platform": "lab", "switch": "lab-switch"}, "platform lab"),
])
def test_mlag_bond_is_refused_where_it_cannot_work(change, words):
    design = {"name": "t", "reference": "training-pod", "fabrics": {"inband": dict({"host_addressing": "mlag_bond"}, **change)}}
    text = _errors(design)
    assert "fabrics.inband.host_addressing" in text and words in text


def test_mlag_bond_is_refused_on_infiniband():
    text = _errors({"name": "t", "reference": "training-pod",
                    "fabrics": {"compute": {"host_addressing": "mlag_bond", "rail_optimized": False}}})
    assert "fabrics.compute.host_addressing" in text and "InfiniBand" in text


def test_mlag_bond_is_refused_with_one_port_per_node():
    # The OOB fabric: one BMC port per node, so one leaf per SU column: nothing to pair.
    text = _errors({"name": "t", "reference": "training-pod", "fabrics": {"oob": {"host_addressing": "mlag_bond"}}})
    assert "fabrics.oob.host_addressing" in text and "1 ports" in text


def test_leaves_are_paired_with_peer_links_cabled_and_bought(plan):
    leaves = sorted((d for d in plan.devices.values() if d.fabric == "inband" and d.role == "leaf"), key=lambda d: d.index)
    assert len(leaves) == 8
    for k in range(0, 8, 2):
        a, b = leaves[k], leaves[k + 1]
        assert a.mlag["peer_device"] == b.name and b.mlag["peer_device"] == a.name
        assert a.mlag["peer_links"] == b.mlag["peer_links"] == ["swp37", "swp38"]
        assert a.host_subnets == b.host_subnets and a.mlag["virtual_gateway"] == b.mlag["virtual_gateway"]
        assert a.gateway_address != b.gateway_address and a.mlag["system_mac"] == b.mlag["system_mac"]
        assert [x["id"] for x in a.mlag["bonds"]] == [x["id"] for x in b.mlag["bonds"]]
    assert len({l.mlag["system_mac"] for l in leaves}) == 4
    peer_links = [l for l in plan.links if l.fabric == "inband" and l.tier == "leaf_leaf"]
    assert len(peer_links) == 8 and plan.fabrics["inband"]["links"]["leaf_leaf"] == 8
    cabling = artifacts.cabling_text(plan)
    assert sum(1 for line in cabling.splitlines() if ",inband,leaf_leaf," in line) == 8
    # Peer links are layer 2: no /31 and no BGP session on them.
    assert all(i.address is None for l in leaves for i in l.interfaces if i.role == "peer")
    assert all(n["interface"] not in ("swp37", "swp38") for l in leaves for n in l.bgp["neighbors"])


def test_each_node_has_one_bond_over_one_pair(plan):
    node = plan.devices["t-node-1"]
    bond, = node.bonds
    assert bond["members"] == ["enp170s0f1np1", "enp41s0f1np1"] and bond["mode"] == "802.3ad"
    assert bond["peer_devices"] == ["t-inb-leaf-1", "t-inb-leaf-2"]
    assert bond["gateway"] == plan.devices["t-inb-leaf-1"].mlag["virtual_gateway"].split("/")[0]
    assert all(i.address is None for i in node.interfaces if i.fabric == "inband")
    assert "bonds" in node.as_dict() and "bonds" not in plan.devices["t-inb-leaf-1"].as_dict()
    rows = [r for r in artifacts.addressing_text(plan).splitlines() if r.startswith("t-node-1,") and ",bond0," in r]
    assert len(rows) == 1 and bond["address"] in rows[0]


def test_plans_without_mlag_have_no_new_keys():
    lab = plan_design(switch_golden.LAB_DESIGN)
    assert all("bonds" not in d.as_dict() and "mlag" not in d.as_dict() for d in lab.devices.values())


def test_the_invariants_catch_a_broken_pair(plan):
    broken = copy.deepcopy(plan)
    leaf = broken.devices["t-inb-leaf-1"]
    leaf.mlag["virtual_gateway"] = "10.0.0.1/26"
    leaf.mlag["bonds"][0]["peer_device"] = "t-node-9"
    problems = check_plan(broken)
    assert any("virtual gateway" in p for p in problems)
    assert any("MLAG id 1" in p for p in problems)
    broken = copy.deepcopy(plan)
    broken.devices["t-node-1"].bonds[0]["members"] = ["enp170s0f1np1"]
    assert any("do not reach the two leaves" in p for p in check_plan(broken))


def test_neutral_data_names_pairs_peer_link_and_bonds(plan):
    c = switch_config(plan, "t-inb-leaf-1")
    m = c["mlag"]
    assert m["peer_device"] == "t-inb-leaf-2" and m["peer_link"]["members"] == ["swp37", "swp38"]
    assert m["peer_link"]["name"] == "peerlink" and m["bonds"][0] == dict(m["bonds"][0], name="bond1", id=1, members=["swp1"])
    assert len({b["id"] for b in m["bonds"]}) == len(m["bonds"])
    assert c["host_gateway"]["members"] == [b["name"] for b in m["bonds"]]
    assert c["host_gateway"]["virtual_address"] == m["virtual_gateway"]
    ports = {i["name"]: i for i in c["interfaces"]}
    assert ports["swp1"]["bond"] == "bond1" and ports["swp1"]["vlan"] is None
    assert ports["swp37"]["kind"] == "peer" and ports["swp37"]["bond"] == "peerlink"


def test_lab_platform_cannot_render_a_pair(plan):
    device = plan.devices["t-inb-leaf-1"].as_dict()
    device["platform"] = "lab"
    with pytest.raises(SwitchConfigError, match="MLAG"):
        switch_config_from(device, dict(plan.fabrics["inband"], platform="lab"), options={"platforms": ("lab", "cumulus")})


def _rendered(case, template):
    (name, config), = switch_golden.switches(case)
    return config, switch_golden.render(config, template)


def test_cumulus_renders_bonds_peerlink_and_mlag():
    config, text = _rendered("lab-mlag-cumulus", "cumulus/nvue.yaml.j2")
    doc = yaml.safe_load(text)[0]["set"]
    bond = doc["interface"]["bond1"]
    assert bond["type"] == "bond" and bond["bond"]["mlag"] == {"enable": "on", "id": 1}
    assert list(bond["bond"]["member"]) == ["swp1"] and bond["bridge"]["domain"]["br_default"]["access"] == 1000
    assert doc["interface"]["peerlink"]["type"] == "peerlink"
    assert list(doc["interface"]["peerlink"]["bond"]["member"]) == config["mlag"]["peer_link"]["members"]
    assert doc["interface"]["peerlink.4094"] == {"type": "sub", "base-interface": "peerlink", "vlan": 4094}
    assert doc["mlag"]["peer-ip"] == "linklocal" and doc["mlag"]["mac-address"].startswith("44:38:39:ff:")
    assert list(doc["mlag"]["backup"].values()) == [{"vrf": "mgmt"}]
    vrr = doc["interface"]["vlan1000"]["ip"]["vrr"]
    assert list(vrr["address"]) == [config["mlag"]["virtual_gateway"]] and vrr["state"] == {"up": {}}
    assert "bridge" not in doc["interface"]["swp1"]


def test_sonic_renders_mclag_tables():
    config, text = _rendered("lab-mlag-sonic", "sonic/config_db.json.j2")
    db = json.loads(text)
    m = config["mlag"]
    peer = m["peer_link"]["name"]
    assert peer == "PortChannel1000"
    domain = {"source_ip": m["local_ip"], "peer_ip": m["peer_address"], "peer_link": peer}
    assert db["MCLAG_DOMAIN"] == {str(m["domain_id"]): domain}
    assert db["MCLAG_INTERFACE"]["%d|PortChannel1" % m["domain_id"]] == {"if_type": "PortChannel"}
    assert "PortChannel1|Ethernet0" in db["PORTCHANNEL_MEMBER"] and set(db["PORTCHANNEL"]) >= {"PortChannel1", peer}
    assert db["VLAN_MEMBER"]["Vlan1000|PortChannel1"] == {"tagging_mode": "untagged"}
    assert db["VLAN_MEMBER"]["Vlan4094|%s" % peer] == {"tagging_mode": "tagged"}
    assert "Vlan1000|%s" % m["virtual_gateway"] in db["VLAN_INTERFACE"]
    assert "Vlan1000|Ethernet0" not in db["VLAN_MEMBER"]
    assert set(config["sonic"]["apply"]["replace"]) >= {"PORTCHANNEL", "PORTCHANNEL_MEMBER", "MCLAG_DOMAIN", "MCLAG_INTERFACE"}


def test_eos_renders_mlag_configuration():
    config, text = _rendered("lab-mlag-eos", "eos/eos.cfg.j2")
    m = config["mlag"]
    assert "mlag configuration\n   domain-id %d\n   local-interface Vlan4094\n   peer-address %s\n   peer-link Port-Channel1000\n" % (
        m["domain_id"], m["peer_address"]) in text
    assert "interface Port-Channel1\n" in text and "   mlag 1\n" in text
    assert "   channel-group 1 mode active\n" in text and "   channel-group 1000 mode active\n" in text
    assert "   ip virtual-router address %s\n" % m["virtual_gateway"].split("/")[0] in text


def test_host_bond_comes_from_the_plan(plan):
    device = plan.devices["t-node-1"].as_dict()
    server = plan.catalog["servers"]["dgx-h100"]
    net = hn.network_plan(device, plan.fabrics, server=server, roles=("inband",))
    bond, = net["nics"]
    assert bond["name"] == "bond0" and bond["address"] == device["bonds"][0]["address"]
    assert bond["members"] == device["bonds"][0]["members"] and bond["bond"]["mode"] == "802.3ad"
