# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner against published numbers and hand-checked small designs.

SuperPOD rows: NVIDIA DGX SuperPOD with DGX H100, RA-11333-001 V11 (2023), compute fabric table,
as quoted in REFERENCE-FACTS.md. Other expectations are derived by hand from the sizing rules in
plugins/plugin_utils/planner/fabric.py and the naming rules in docs/plan-format.md; the arithmetic is in
the comments.
"""

from __future__ import annotations

import collections
import functools
import ipaddress
import json
import math
import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import naming
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB = os.path.join(REPO, "inventories/lab/design.yml")
LAB_LARGE = os.path.join(REPO, "inventories/lab-large/design.yml")
REFERENCES = ("training-pod", "inference-pool", "inference-edge")


@functools.lru_cache(maxsize=None)
def superpod(nodes, appliances=True, host_subnets=None):
    """training-pod, compute fabric only (storage/inband/oob null), as in the RA's compute-fabric table."""
    design = {"name": "spod", "reference": "training-pod", "nodes": {"count": nodes},
              "fabrics": {"storage": None, "inband": None, "oob": None}}
    if not appliances:
        design["fabrics"]["compute"] = {"appliances": None}
    if host_subnets:
        design["addressing"] = {"host_subnets": host_subnets}
    return plan_design(design)


@functools.lru_cache(maxsize=None)
def planned(source):
    if source in REFERENCES:
        return plan_design({"name": source.split("-")[-1], "reference": source})
    return plan_design(source)


def devices(plan, role, fabric="compute"):
    return [d for d in plan.devices.values() if d.role == role and (role == "gpu_node" or d.fabric == fabric)]


def links(plan, tier):
    return [link for link in plan.links if link.tier == tier]


def iface(plan, device, port):
    (found,) = [i for i in plan.devices[device].interfaces if i.name == port]
    return found


# --------------------------------------------------------------------------- SuperPOD (RA-11333-001)

@pytest.mark.parametrize("nodes, gpus, leaves, spines, node_leaf, leaf_spine", [
    (31, 248, 8, 4, 252, 256),        # 1 SU
    (127, 1016, 32, 16, 1020, 1024),  # 4 SU
])
def test_superpod_published_rows(nodes, gpus, leaves, spines, node_leaf, leaf_spine):
    plan = superpod(nodes)
    fab = plan.summary["fabrics"]["compute"]
    assert plan.summary["nodes"] == nodes
    assert plan.summary["gpus"] == gpus
    assert fab["kind"] == "infiniband"
    assert fab["tiers"] == 2
    assert fab["switches"] == {"leaf": leaves, "spine": spines, "core": 0}
    # node+UFM -> leaf: 8 rails per node plus the 4 UFM ports (2 appliances x 2 ports).
    assert fab["links"] == {"node_leaf": node_leaf, "leaf_spine": leaf_spine, "spine_core": 0}
    assert len(links(plan, "appliance_leaf")) == 4
    assert len(devices(plan, "appliance")) == 2
    assert check_plan(plan) == []


def test_superpod_one_su_gives_a_node_slot_to_ufm():
    plan = superpod(31)
    nodes = devices(plan, "gpu_node")
    assert {n.su for n in nodes} == {1}
    assert sorted(n.slot for n in nodes) == list(range(1, 32))  # slot 32 belongs to UFM
    ufm_ports = [i for a in devices(plan, "appliance") for i in a.interfaces]
    assert len(ufm_ports) == 4
    # The 4 UFM ports take slot 32 on rails 0..3: port 32 of leaves 1..4.
    assert sorted((i.peer_device, i.peer_port) for i in ufm_ports) == [
        ("spod-leaf-%d" % r, "IB1/32") for r in range(1, 5)]


def test_superpod_rail_optimized_to_the_top_layer():
    plan = superpod(127)
    for node in devices(plan, "gpu_node"):
        rails = [(i.rail, plan.devices[i.peer_device].rail) for i in node.interfaces]
        assert rails == [(r, r) for r in range(8)]
    # Non-blocking: every leaf has as many uplinks as downlinks (32 + 32 = 64 ports), 2 to each spine.
    for leaf in devices(plan, "leaf"):
        up = collections.Counter(i.peer_device for i in leaf.interfaces if i.role == "uplink")
        assert len(up) == 16 and set(up.values()) == {2}
        assert len(leaf.interfaces) <= 64


def test_superpod_64_su_is_three_tier_and_balanced():
    # 64 SU x 32 nodes = 2048 nodes, no UFM slot (appliances null), QM9700: 64 x 400G ports.
    # Leaves: 8 rails x 64 SU = 512; each 32 down + 32 up (non-blocking, 64 - ceil(64/2)).
    # Two tiers would need n spines with n | 32 and 64 n >= 512 x 32 = 16384, n >= 256: none -> 3 tiers.
    # Pods: spine ports half down (32); SUs per pod = 32 // 8 leaves = 4; pod leaves = 32; pods = 64 / 4 = 16.
    # Spines per pod: fewest n >= 2, n | 32, 32 n >= 32 x 32 = 1024 -> n = 32; links per leaf-spine = 1.
    # Spines: 32 x 16 pods = 512, each 32 down (1 per pod leaf) + 32 up.
    # Cores per spine group: fewest c | 32 with 64 c >= 16 pods x 32 = 512 -> c = 8; 32 groups -> 256 cores;
    #   links per spine-core = 32 / 8 = 4; each core: 16 pods x 4 = 64 ports (full).
    # Links: node-leaf 2048 x 8 = 16384; leaf-spine 512 x 32 = 16384; spine-core 512 x 32 = 16384.
    plan = superpod(2048, appliances=False, host_subnets="10.0.0.0/9")
    fab = plan.fabrics["compute"]
    assert fab["tiers"] == 3
    assert fab["sus"] == 64 and fab["pods"] == 16
    assert fab["switches"] == {"leaf": 512, "spine": 512, "core": 256}
    assert fab["links"]["node_leaf"] == fab["links"]["leaf_spine"] == fab["links"]["spine_core"] == 16384
    assert fab["leaf_downlinks"] == fab["leaf_uplinks"] == 32
    assert fab["links_per_leaf_spine"] == 1 and fab["links_per_spine_core"] == 4
    assert len(devices(plan, "appliance")) == 0
    # Balanced, checked from the devices themselves.
    spines_by_pod = collections.defaultdict(set)
    for spine in devices(plan, "spine"):
        spines_by_pod[spine.pod].add(spine.name)
    assert {len(v) for v in spines_by_pod.values()} == {32}
    for leaf in devices(plan, "leaf"):
        up = collections.Counter(i.peer_device for i in leaf.interfaces if i.role == "uplink")
        assert set(up) == spines_by_pod[leaf.pod] and set(up.values()) == {1}
    for spine in devices(plan, "spine"):
        roles = collections.Counter(i.role for i in spine.interfaces)
        assert roles == {"downlink": 32, "uplink": 32}
        up = collections.Counter(i.peer_device for i in spine.interfaces if i.role == "uplink")
        assert len(up) == 8 and set(up.values()) == {4}
    for core in devices(plan, "core"):
        down = collections.Counter(plan.devices[i.peer_device].pod for i in core.interfaces)
        assert down == {pod: 4 for pod in range(1, 17)}
    assert check_plan(plan) == []


# --------------------------------------------------------------------------- built-in designs

@pytest.mark.parametrize("source", REFERENCES + (LAB, LAB_LARGE),
                         ids=list(REFERENCES) + ["lab", "lab-large"])
def test_builtin_designs_plan_without_invariant_problems(source):
    plan = planned(source)
    assert check_plan(plan) == []
    assert plan.devices and plan.links


def test_training_pod_fabrics():
    plan = planned("training-pod")
    fabs = plan.summary["fabrics"]
    assert fabs["compute"]["switches"] == {"leaf": 32, "spine": 16, "core": 0}
    assert fabs["compute"]["links"]["node_leaf"] == 1020
    # In-band: 2 ports per node and per management server; OOB: 1 BMC port per node, and one for
    # every switch, appliance and PDU (tests/unit/planner/test_bom.py compares them with the RA).
    assert fabs["inband"]["links"]["node_leaf"] == 127 * 2 + 4 * 2
    assert fabs["oob"]["links"]["node_leaf"] == 127
    managed = [d for d in plan.devices.values() if d.fabric != "oob" and d.role != "gpu_node"]
    assert plan.fabrics["oob"]["links"]["mgmt_leaf"] == len(managed) > 0
    assert fabs["inband"]["kind"] == fabs["oob"]["kind"] == "ethernet"


# --------------------------------------------------------------------------- lab design by hand

# The lab: 4 lab-node GPU nodes and 1 lab-head head node (an appliance of catalog role management,
# 2 ports, cabled like a node) are 5 slots; at nodes_per_su 3 that is 2 SUs, the head node taking
# the slot after the nodes of SU 1 (SU 1: node 1, node 2, head; SU 2: node 3, node 4). Rail
# optimised with 2 rails: one leaf per SU and rail, numbered SU by SU, rail by rail.
LAB_SLOTS = {"lab-node-1": (1, 1), "lab-node-2": (1, 2), "lab-mgmt-1": (1, 3),
             "lab-node-3": (2, 1), "lab-node-4": (2, 2)}          # device: (su, slot in the SU)
LAB_RAILS = 2


def lab_leaf(su, rail):
    return "lab-leaf-%d" % ((su - 1) * LAB_RAILS + rail + 1)


def test_lab_device_names():
    plan = planned(LAB)
    assert sorted(plan.devices) == sorted(
        ["lab-node-%d" % i for i in range(1, 5)] + ["lab-mgmt-1"]
        + ["lab-leaf-%d" % i for i in range(1, 5)] + ["lab-spine-1", "lab-spine-2"])
    roles = collections.Counter(d.role for d in plan.devices.values())
    assert roles == {"gpu_node": 4, "appliance": 1, "leaf": 4, "spine": 2}
    head = plan.devices["lab-mgmt-1"]
    assert (head.model, head.fabric) == ("lab-head", "compute")
    assert head.name == naming.appliance_name("lab", "compute", 1, role="management")
    assert plan.fabrics["compute"]["sus"] == 2 and plan.fabrics["compute"]["nodes_per_su"] == 3


def test_lab_rails_go_to_their_leaf():
    plan = planned(LAB)
    for name, (su, slot) in LAB_SLOTS.items():
        dev = plan.devices[name]
        port = "rail" if dev.role == "gpu_node" else "compute"      # the head node's ports are compute0/1
        assert dev.su == su, name
        assert [(i.name, i.rail, i.peer_device, i.peer_port) for i in dev.interfaces] == [
            ("%s%d" % (port, rail), rail, lab_leaf(su, rail), "swp%d" % slot) for rail in range(LAB_RAILS)], name
    for su in (1, 2):
        for rail in range(LAB_RAILS):
            leaf = plan.devices[lab_leaf(su, rail)]
            assert (leaf.su, leaf.rail) == (su, rail)
            # A leaf's downlinks are exactly its SU's slots on its rail: nothing of the other SU.
            assert sorted(i.peer_device for i in leaf.interfaces if i.role == "downlink") == sorted(
                name for name, (s, _slot) in LAB_SLOTS.items() if s == su)


def test_lab_leaf_spine_wiring():
    # 3 slots per SU -> 3 downlinks per leaf (swp1-3); at 2:1 -> ceil(3 / 2) = 2 uplinks = min_spines
    # -> 2 spines, 1 link each, on the ports after the downlinks (swp4, swp5) of every leaf, also
    # those of SU 2, which fills only 2 of its 3 slots.
    plan = planned(LAB)
    leaves = ["lab-leaf-%d" % i for i in range(1, 5)]
    for leaf in leaves:
        ups = [(i.name, i.peer_device) for i in plan.devices[leaf].interfaces if i.role == "uplink"]
        assert ups == [("swp4", "lab-spine-1"), ("swp5", "lab-spine-2")], leaf
    for spine in ("lab-spine-1", "lab-spine-2"):
        down = collections.Counter(i.peer_device for i in plan.devices[spine].interfaces)
        assert down == {leaf: 1 for leaf in leaves}
    assert len(links(plan, "leaf_spine")) == 4 * 2
    assert len(links(plan, "node_leaf")) == 4 * LAB_RAILS                 # nodes
    assert len(links(plan, "appliance_leaf")) == 1 * LAB_RAILS            # the head node


def test_lab_asns():
    plan = planned(LAB)
    leaves = [plan.devices["lab-leaf-%d" % i] for i in (1, 2, 3, 4)]
    spines = [plan.devices["lab-spine-%d" % i] for i in (1, 2)]
    assert len({leaf.asn for leaf in leaves}) == 4
    assert len({spine.asn for spine in spines}) == 1
    assert {leaf.asn for leaf in leaves}.isdisjoint({spines[0].asn})
    for dev in leaves + spines:
        assert 64512 <= dev.asn <= 65534                 # RFC 6996 private 2-byte (few switches)
        assert dev.bgp["asn"] == dev.asn
        assert dev.bgp["router_id"] == dev.loopback.split("/")[0]
        for neighbor in dev.bgp["neighbors"]:
            peer = plan.devices[neighbor["peer_device"]]
            assert neighbor["peer_asn"] == peer.asn
            assert iface(plan, peer.name, neighbor["peer_port"]).address.split("/")[0] == neighbor["address"]
    assert {n["peer_device"] for n in leaves[0].bgp["neighbors"]} == {"lab-spine-1", "lab-spine-2"}


def _all_addresses(plan):
    """Every (what, address-or-network) of the plan."""
    out = []
    for dev in plan.devices.values():
        for what, value in (("mgmt", dev.mgmt_address), ("loopback", dev.loopback),
                            ("gateway_address", dev.gateway_address)):
            if value:
                out.append(("%s %s" % (dev.name, what), value))
        for sub in dev.host_subnets:
            out.append(("%s host_subnet" % dev.name, sub))
        for i in dev.interfaces:
            if i.address:
                out.append(("%s %s" % (dev.name, i.name), i.address))
            if i.gateway:
                out.append(("%s %s gateway" % (dev.name, i.name), i.gateway))
        for neighbor in (dev.bgp or {}).get("neighbors", []):
            out.append(("%s bgp %s" % (dev.name, neighbor["interface"]), neighbor["address"]))
    return out


def test_lab_every_address_is_in_the_benchmark_range():
    plan = planned(LAB)
    lab_range = ipaddress.ip_network("198.18.0.0/15")
    found = _all_addresses(plan)
    kinds = {item[0].split(" ", 1)[1].split(" ")[0] for item in found}
    assert {"mgmt", "loopback", "gateway_address", "host_subnet", "rail0", "rail1", "swp5"} <= kinds
    for what, value in found:
        net = ipaddress.ip_interface(value).network if "/" in value else ipaddress.ip_network(value)
        assert net.subnet_of(lab_range), (what, value)


def test_lab_host_addressing():
    # subnet_per_leaf: 3 downlinks + network, gateway, broadcast = 6 -> a /29 per leaf, leaf is .1,
    # the host on swpN is .(N+1). The compute fabric's host block is the start of host_subnets; leaf k
    # takes the k-th /29 of it (also in SU 2, where slot 3 of the /29 stays free).
    plan = planned(LAB)
    pool = ipaddress.ip_network("198.18.64.0/18")                      # addressing.host_subnets
    hosts_seen = set()
    for k in range(1, 5):
        dev = plan.devices["lab-leaf-%d" % k]
        (subnet,) = dev.host_subnets
        net = ipaddress.ip_network(subnet)
        assert net == ipaddress.ip_network((int(pool.network_address) + 8 * (k - 1), 29))
        assert ipaddress.ip_interface(dev.gateway_address).ip == net.network_address + 1
        hosts = [i for i in dev.interfaces if i.role == "downlink"]
        assert len(hosts) == (3 if k <= 2 else 2)                    # SU 1: 2 nodes + head; SU 2: 2 nodes
        for port in hosts:
            host_if = iface(plan, port.peer_device, port.peer_port)
            assert ipaddress.ip_interface(host_if.address) == ipaddress.ip_interface(
                (int(net.network_address) + 1 + port.port_number, 29))
            assert host_if.gateway == str(net.network_address + 1)
            hosts_seen.add(port.peer_device)
    assert hosts_seen == set(LAB_SLOTS)                          # the head node is addressed like a node
    # The head node: slot 3 of SU 1 -> swp3 of leaf 1 (rail 0) -> 198.18.64.0/29 + 1 + 3.
    assert iface(plan, "lab-mgmt-1", "compute0").address == "198.18.64.4/29"
    # p2p: one /31 per leaf-spine link, the two ends in the same /31.
    for link in links(plan, "leaf_spine"):
        a = ipaddress.ip_interface(iface(plan, link.a_device, link.a_port).address)
        b = ipaddress.ip_interface(iface(plan, link.b_device, link.b_port).address)
        assert a.network.prefixlen == 31 and a.network == b.network and a.ip != b.ip


# --------------------------------------------------------------------------- inference-edge (one tier)

def test_inference_edge_is_one_leaf_pair():
    plan = planned("inference-edge")
    fab = plan.fabrics["compute"]
    assert fab["tiers"] == 1
    assert fab["switches"] == {"leaf": 2, "spine": 0, "core": 0}
    assert sorted(plan.devices) == sorted(
        ["edge-leaf-1", "edge-leaf-2"] + ["edge-node-%d" % i for i in range(1, 5)])
    peer = links(plan, "leaf_leaf")
    assert len(peer) == 2
    assert {(link.a_device, link.b_device) for link in peer} == {("edge-leaf-1", "edge-leaf-2")}
    for link in peer:
        a = ipaddress.ip_interface(iface(plan, link.a_device, link.a_port).address)
        b = ipaddress.ip_interface(iface(plan, link.b_device, link.b_port).address)
        assert a.network.prefixlen == 31 and a.network == b.network
    leaf1 = plan.devices["edge-leaf-1"]
    assert {n["peer_device"] for n in leaf1.bgp["neighbors"]} == {"edge-leaf-2"}
    # Not rail-optimized: the 4 NIC ports of an l40s-8 alternate over the pair.
    for node in devices(plan, "gpu_node"):
        assert [i.peer_device for i in node.interfaces] == ["edge-leaf-1", "edge-leaf-2"] * 2
    assert check_plan(plan) == []


def test_inference_edge_rail_optimized_with_four_rails_is_refused():
    # tiers: 1 is one switch pair: 4 rails cannot each have their own leaf without a spine.
    with pytest.raises(DesignError) as err:
        plan_design({"name": "e", "reference": "inference-edge", "fabrics": {"compute": {"rail_optimized": True}}})
    assert err.value.problems == ["fabrics.compute.tiers: tiers: 1 is one switch pair, but l40s-8 has 4 rails; "
                                  "use tiers: auto or rail_optimized: false"]


def _stable_view(plan, names):
    out = {}
    for name in names:
        dev = plan.devices[name]
        out[name] = (dev.mgmt_address, dev.loopback, dev.asn,
                     sorted((i.name, i.peer_device, i.peer_port, i.address) for i in dev.interfaces))
    return out


def test_inference_edge_growth_within_its_su_keeps_ports_and_addresses():
    small = plan_design({"name": "e", "reference": "inference-edge", "nodes": {"count": 4}})
    large = plan_design({"name": "e", "reference": "inference-edge", "nodes": {"count": 8}})
    before = _stable_view(small, small.devices)
    after = _stable_view(large, small.devices)
    for name, (mgmt, loopback, asn, ports) in before.items():
        # Existing ports keep their peers and addresses; leaves only gain ports for the new nodes.
        assert after[name][:3] == (mgmt, loopback, asn)
        assert set(ports) <= set(after[name][3]), name


# --------------------------------------------------------------------------- port naming

@pytest.mark.parametrize("platform, number, split, lanes, expected", [
    # SONiC: Ethernet<first lane>.
    ("sonic", 1, 1, 4, "Ethernet0"), ("sonic", 2, 1, 4, "Ethernet4"), ("sonic", 64, 1, 4, "Ethernet252"),
    ("sonic", 1, 2, 8, "Ethernet0"), ("sonic", 2, 2, 8, "Ethernet4"), ("sonic", 3, 2, 8, "Ethernet8"),
    ("sonic", 1, 4, 8, "Ethernet0"), ("sonic", 2, 4, 8, "Ethernet2"), ("sonic", 5, 4, 8, "Ethernet8"),
    ("sonic", 7, 1, 1, "Ethernet6"),
    # EOS: Ethernet<cage>/<first lane of the breakout>.
    ("eos", 1, 1, 8, "Ethernet1/1"), ("eos", 3, 1, 8, "Ethernet3/1"),
    ("eos", 1, 2, 8, "Ethernet1/1"), ("eos", 2, 2, 8, "Ethernet1/5"), ("eos", 3, 2, 8, "Ethernet2/1"),
    ("eos", 2, 4, 8, "Ethernet1/3"),
    # Cumulus and lab: swpN, breakout swpNsK (K from 0).
    ("cumulus", 1, 1, 4, "swp1"), ("cumulus", 32, 1, 4, "swp32"), ("lab", 5, 1, 4, "swp5"),
    ("cumulus", 1, 2, 8, "swp1s0"), ("cumulus", 2, 2, 8, "swp1s1"), ("cumulus", 3, 2, 8, "swp2s0"),
    ("cumulus", 8, 4, 8, "swp2s3"),
    # InfiniBand: IB1/<port number>.
    ("mlnx-os", 1, 1, 4, "IB1/1"), ("mlnx-os", 64, 1, 4, "IB1/64"), ("ufm", 7, 2, 4, "IB1/7"),
])
def test_port_name(platform, number, split, lanes, expected):
    assert naming.port_name(platform, number, split, lanes) == expected


def test_device_names():
    assert naming.node_name("lab", 3) == "lab-node-3"
    assert naming.switch_name("lab", "compute", "leaf", 2) == "lab-leaf-2"
    assert naming.switch_name("lab", "storage", "spine", 1) == "lab-stor-spine-1"
    assert naming.switch_name("lab", "inband", "core", 1) == "lab-inb-core-1"
    assert naming.switch_name("lab", "oob", "leaf", 4) == "lab-oob-leaf-4"
    assert naming.appliance_name("lab", "compute", 1) == "lab-ufm-1"


def _switch_ports(plan, platform):
    for dev in plan.devices.values():
        if dev.role in ("leaf", "spine", "core") and dev.platform == platform:
            yield dev, [i for i in dev.interfaces if i.role != "mgmt"]     # data ports


def test_sonic_port_names_in_a_plan():
    # inference-pool: SN5600 (64 x 800G, 8 lanes) at 400G = split 2 -> Ethernet0, Ethernet4, Ethernet8, ...
    plan = planned("inference-pool")
    leaf = plan.devices["pool-leaf-1"]
    assert leaf.platform == "sonic"
    assert [i.name for i in leaf.interfaces[:3]] == ["Ethernet0", "Ethernet4", "Ethernet8"]
    checked = 0
    for dev, interfaces in _switch_ports(plan, "sonic"):
        if dev.fabric != "compute":
            continue
        for i in interfaces:
            cage, sub = divmod(i.port_number - 1, i.split)
            assert i.name == "Ethernet%d" % (cage * 8 + sub * 8 // i.split)
            checked += 1
    assert checked > 0


def test_cumulus_breakout_port_names_in_a_plan():
    plan = plan_design({"name": "pool", "reference": "inference-pool", "fabrics": {"compute": {"platform": "cumulus"}}})
    leaf = plan.devices["pool-leaf-1"]
    assert [i.name for i in leaf.interfaces[:3]] == ["swp1s0", "swp1s1", "swp2s0"]
    # Host ports break out 2 x 400G (swpNsM); leaf-spine links run at the native 800G, one port
    # per cage (swpN), on cages no breakout port uses.
    for dev, interfaces in _switch_ports(plan, "cumulus"):
        if dev.fabric == "compute":
            split_cages, whole = set(), set()
            for i in interfaces:
                if i.split == 2:
                    cage, sub = divmod(i.port_number - 1, 2)
                    assert i.name == "swp%ds%d" % (cage + 1, sub) and i.speed_gbps == 400
                    split_cages.add(cage + 1)
                else:
                    assert i.split == 1 and i.speed_gbps == 800 and i.name == "swp%d" % i.port_number
                    whole.add(i.port_number)
            assert not split_cages & whole
    assert [i.name for i in leaf.interfaces if i.role == "uplink"][:2] == ["swp17", "swp18"]
    # OOB on SN2201 (1G, no breakout): swpN, uplinks on the QSFP28 cages swp49..52.
    oob = plan.devices["pool-oob-leaf-1"]
    assert oob.interfaces[0].name == "swp1"
    assert [i.name for i in oob.interfaces if i.role == "uplink"] == ["swp49", "swp50"]


def test_eos_port_names_in_a_plan():
    plan = plan_design({"name": "a", "workload": "training", "nodes": {"model": "hgx-h100", "count": 16},
                        "fabrics": {"compute": {"kind": "roce", "switch": "arista-7060x5", "rail_optimized": True}}})
    for dev, interfaces in _switch_ports(plan, "eos"):
        for i in interfaces:
            assert i.name == "Ethernet%d/1" % i.port_number       # 400G on 400G ports: no breakout
    assert plan.devices["a-leaf-1"].interfaces[0].name == "Ethernet1/1"


def test_infiniband_port_names_in_a_plan():
    plan = superpod(31)
    for dev in plan.devices.values():
        if dev.role in ("leaf", "spine"):
            for i in dev.interfaces:
                assert i.name == "IB1/%d" % i.port_number
    node = plan.devices["spod-node-1"]
    # Host ports use the catalog's interface names and RDMA devices (DGX H100 user guide).
    assert node.interfaces[0].name == "ibp24s0" and node.interfaces[0].rdma_device == "mlx5_0"


def test_sonic_names_of_separate_uplink_ports():
    plan = plan_design({"name": "pool", "reference": "inference-pool", "fabrics": {"oob": {"platform": "sonic"}}})
    oob = plan.devices["pool-oob-leaf-1"]
    assert oob.interfaces[0].name == "Ethernet0"
    assert [i.name for i in oob.interfaces if i.role == "uplink"] == ["Ethernet48", "Ethernet52"]


# --------------------------------------------------------------------------- cabling

def _distance(facility, ra, rb):
    """The distance model of cabling.py's docstring, recomputed."""
    if ra is rb:
        return facility["in_rack_m"]
    return (abs(ra.column - rb.column) * facility["rack_width_m"] + abs(ra.row - rb.row) * facility["row_pitch_m"]
            + facility["slack_m"])


def _check_cables(plan):
    racks = {r.name: r for r in plan.racks}
    cables = plan.design.catalog.cables
    facility = plan.design.facility
    for link in plan.links:
        ra, rb = racks[plan.devices[link.a_device].rack], racks[plan.devices[link.b_device].rack]
        cable = cables[link.cable]
        assert link.length_m + 1e-9 >= _distance(facility, ra, rb), link.as_dict()
        assert link.length_m in cable.lengths_m
        if link.media == "fiber":
            # A fiber joins two transceivers of its optics family that run the link's speed.
            for module in (link.a_module, link.b_module):
                assert cables[module].media == "transceiver", link.as_dict()
                assert (cables[module].optic, cables[module].speed_gbps) == (cable.optic, link.speed_gbps)
        else:
            assert cable.speed_gbps == link.speed_gbps
            assert link.a_module is None and link.b_module is None, link.as_dict()
        if ra is rb and link.media != "fiber":
            assert link.length_m == min(x for x in cable.lengths_m if x >= facility["in_rack_m"])


def test_lab_cables():
    plan = planned(LAB)
    _check_cables(plan)
    host_links = links(plan, "node_leaf") + links(plan, "appliance_leaf")
    assert {link.a_device for link in host_links} == set(LAB_SLOTS)
    for link in host_links:                                   # hosts and leaves share the SU's rack
        assert plan.devices[link.a_device].rack == plan.devices[link.b_device].rack
        assert (link.media, link.cable, link.length_m, link.a_module) == ("dac", "dac-100g", 1.5, None)
    # Each SU is a row (SU 1 row 1, SU 2 row 2), its rack in column 1; the spines' rack stands in
    # row 1 after SU 1's rack (column 2). Lengths: rack_width 0.6 m, row_pitch 2.4 m, slack 3.0 m.
    racks = {rack.name: rack for rack in plan.racks}
    assert [(racks[n].row, racks[n].column) for n in ("lab-su1-r1", "lab-su2-r1", "lab-spine-r1")] == [
        (1, 1), (2, 1), (1, 2)]
    for link in links(plan, "leaf_spine"):
        su = plan.devices[link.a_device].su
        if su == 1:       # next rack in the row: 0.6 + 3.0 slack = 3.6 -> 4 m DAC
            assert (link.media, link.cable, link.length_m) == ("dac", "dac-100g", 4.0), link.as_dict()
        else:             # a row and a rack away: 2.4 + 0.6 + 3.0 = 6.0 > 5 m DAC reach -> 10 m AOC
            assert su == 2
            assert (link.media, link.cable, link.length_m) == ("aoc", "aoc-100g", 10.0), link.as_dict()


def test_training_pod_long_links_are_fiber_with_transceivers():
    plan = planned("training-pod")
    _check_cables(plan)
    dac_reach = plan.design.catalog.cables["dac-400g"].max_reach_m
    long_links = [link for link in plan.links if link.speed_gbps == 400 and link.length_m > dac_reach]
    assert long_links, "a 4-SU pod has runs longer than a 400G DAC"
    for link in long_links:
        assert link.media == "fiber" and link.a_module is not None and link.b_module is not None
    assert any(link.media == "fiber" for link in links(plan, "leaf_spine"))
    # A DGX H100 cage carries two rails that go to two leaves: no one DAC can plug into it, so even
    # a compute link inside one rack is optics (RA-11333-001 Table 8: every compute link is fiber).
    same_rack = [link for link in links(plan, "node_leaf") if link.fabric == "compute"
                 and plan.devices[link.a_device].rack == plan.devices[link.b_device].rack]
    assert same_rack and all(link.media == "fiber" for link in same_rack)
    inband = [link for link in plan.links if link.fabric == "inband"
              and plan.devices[link.a_device].rack == plan.devices[link.b_device].rack]
    assert inband and all(link.media == "dac" for link in inband)     # single-port QSFP cages: DACs


# --------------------------------------------------------------------------- BOM and summary

@pytest.mark.parametrize("source", REFERENCES + (LAB,), ids=list(REFERENCES) + ["lab"])
def test_bom_counts_match_the_plan(source):
    plan = planned(source)
    rows = collections.defaultdict(int)
    for row in plan.bom:
        rows[(row["category"], row["item"], row["fabric"], row["detail"])] += row["quantity"]

    def total(category, **match):
        return sum(q for (c, i, f, d), q in rows.items() if c == category
                   and all({"item": i, "fabric": f, "detail": d}[k] == v for k, v in match.items()))

    devs = list(plan.devices.values())
    assert total("server") == sum(1 for d in devs if d.role == "gpu_node") == plan.summary["nodes"]
    by_kind = collections.Counter((d.model, d.fabric, d.role) for d in devs if d.role in ("leaf", "spine", "core"))
    for (model, fabric, role), count in by_kind.items():
        assert total("switch", item=model, fabric=fabric, detail=role) == count
    assert total("switch") == sum(by_kind.values()) == plan.summary["switches"]
    assert total("appliance") == sum(1 for d in devs if d.role == "appliance")
    assert len(plan.links) == plan.summary["cables"]
    for fabric in plan.fabrics:
        # Links that share a cable (twin-port DAC, splitter) count it once; a link over two fibers twice.
        shares = collections.Counter()
        for link in plan.links:
            if link.fabric == fabric:
                shares[(link.cable, link.length_m)] += link.cable_share
        assert total("cable", fabric=fabric) == sum(math.ceil(v - 1e-9) for v in shares.values())
    cages = {(link.a_device, link.a_cage) for link in plan.links if link.a_module} | {
        (link.b_device, link.b_cage) for link in plan.links if link.b_module}
    assert total("transceiver") == len(cages)             # one module per cage in use
    assert total("rack") == len(plan.racks) == plan.summary["racks"]
    server = plan.design.catalog.servers[plan.design.node_model]
    compute = server.nics["compute"]
    if compute.model:
        per_card = plan.design.catalog.nics[compute.model]["ports"]
        cards = -(-compute.ports // per_card)
        assert total("nic", item=compute.model, detail="compute") == cards * plan.summary["nodes"]


def test_superpod_bom():
    plan = superpod(127)
    rows = {(r["category"], r["item"], r["detail"]): r["quantity"] for r in plan.bom if r["category"] != "cable"}
    assert rows[("server", "dgx-h100", "")] == 127
    assert rows[("switch", "qm9700", "leaf")] == 32
    assert rows[("switch", "qm9700", "spine")] == 16
    assert rows[("appliance", "ufm-3.0", "")] == 2
    assert rows[("nic", "cx7-400g", "compute")] == 127 * 8


@pytest.mark.parametrize("source", REFERENCES + (LAB,), ids=list(REFERENCES) + ["lab"])
def test_summary_json_shape(source):
    plan = planned(source)
    summary = json.loads(artifacts.summary_text(plan))
    assert {"name", "nodes", "gpus", "racks", "power_kw", "fabrics"} <= set(summary)
    assert summary["name"] == plan.name
    server = plan.design.catalog.servers[plan.design.node_model]
    assert summary["nodes"] == plan.design.node_count
    assert summary["gpus"] == plan.design.node_count * server.gpu_count
    assert summary["racks"] == len(plan.racks)
    assert summary["power_kw"] == round(sum(d.power_kw for d in plan.devices.values()), 1)
    assert set(summary["fabrics"]) == set(plan.design.fabrics)
    for name, fab in summary["fabrics"].items():
        assert set(fab) == {"kind", "tiers", "switches", "links", "bisection_gbps"}
        assert fab["kind"] == plan.design.fabrics[name].kind
        assert fab["tiers"] in (1, 2, 3)
        assert set(fab["switches"]) == {"leaf", "spine", "core"}
        assert set(fab["links"]) == {"node_leaf", "leaf_spine", "spine_core"}
        roles = collections.Counter(d.role for d in plan.devices.values() if d.fabric == name)
        assert fab["switches"] == {"leaf": roles["leaf"], "spine": roles["spine"], "core": roles["core"]}
        tiers = collections.Counter(link.tier for link in plan.links if link.fabric == name)
        assert fab["links"] == {"node_leaf": tiers["node_leaf"] + tiers["appliance_leaf"],
                                "leaf_spine": tiers["leaf_spine"], "spine_core": tiers["spine_core"]}


def test_plan_is_json_serialisable():
    plan = planned(LAB)
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["schema_version"] == 2
    assert set(data["devices"]) == set(plan.devices)
    assert len(data["links"]) == len(plan.links)
    assert len({link["id"] for link in data["links"]}) == len(plan.links)
