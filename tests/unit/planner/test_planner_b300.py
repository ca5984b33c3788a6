# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner against the published DGX SuperPOD B300 compute fabrics (issue #17, items 3 and 4).

The designs are written here; the counts come from the planner's rules (fabric.size), never from
a table in the code. Published rows, "Table 3 Larger DGX SuperPOD component counts":

* XDR InfiniBand, NVIDIA DGX SuperPOD B300 XDR RA (RA-11339-001), DGX SuperPOD Architecture,
  https://docs.nvidia.com/dgx-superpod/reference-architecture/scalable-infrastructure-b300-xdr/latest/dgx-superpod-architecture.html
  SU of 72 DGX B300, 8 x 800G ConnectX-8 per node, Quantum-X800 Q3400 (144 x 800G).
* Spectrum-4 Ethernet, NVIDIA DGX SuperPOD B300 Spectrum-4 RA, DGX SuperPOD Architecture,
  https://docs.nvidia.com/dgx-superpod/reference-architecture/scalable-infrastructure-b300/latest/dgx-superpod-architecture.html
  SU of 64 DGX B300; Network Fabrics (same base URL, network-fabrics.html): "twin-planar design
  ... Each GPU has 2x 400GbE connectivity through two different planes". SN5600: 64 x 800G.
"""

from __future__ import annotations

import collections
import functools
import math

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design


@functools.lru_cache(maxsize=None)
def xdr(nodes):
    """DGX B300 on Q3400, SU of 72, compute fabric only (as the RA's compute-fabric table)."""
    return plan_design({"name": "xdr", "reference": "training-pod", "nodes": {"model": "dgx-b300", "count": nodes},
                        "fabrics": {"storage": None, "inband": None, "oob": None,
                                    "compute": {"switch": "q3400", "nodes_per_su": 72, "appliances": None}}})


@functools.lru_cache(maxsize=None)
def spectrum(nodes, planes=2):
    """DGX B300 on SN5600, SU of 64, each ConnectX-8 as 2 x 400GbE in two planes. Uplinks at the
    switch's native 800G without uplink_speed_gbps: the default on Ethernet."""
    return plan_design({"name": "eth", "reference": "training-pod",
                        "nodes": {"model": "dgx-b300", "count": nodes},
                        "fabrics": {"storage": None, "inband": None, "oob": None,
                                    "compute": {"kind": "roce", "switch": "sn5600", "platform": "cumulus",
                                                "nodes_per_su": 64, "planes": planes, "appliances": None}}})


# (SU, nodes, GPUs, leaf, spine, node-leaf cables, leaf-spine cables) as published.
XDR_ROWS = [
    (1, 72, 576, 8, 4, 576, 576),
    (2, 144, 1152, 16, 8, 1152, 1152),
    (4, 288, 2304, 32, 18, 2304, 2304),
    (8, 576, 4608, 64, 36, 4608, 4608),
]


@pytest.mark.parametrize("sus, nodes, gpus, leaves, spines, node_leaf, leaf_spine", XDR_ROWS,
                         ids=["%d-su" % r[0] for r in XDR_ROWS])
def test_b300_xdr_published_rows(sus, nodes, gpus, leaves, spines, node_leaf, leaf_spine):
    # Q3400: 144 x 800G; a leaf 72 down + 72 up (non-blocking); 8 rails -> 8 leaves per SU.
    # Spines: fewest n dividing the 72 uplinks with 144 n >= leaves x 72: 4, 8, 18 (16 does not
    # divide 72), 36 (32 does not).
    plan = xdr(nodes)
    fab = plan.summary["fabrics"]["compute"]
    assert plan.summary["gpus"] == gpus
    assert plan.fabrics["compute"]["sus"] == sus
    assert fab["tiers"] == 2
    assert fab["switches"] == {"leaf": leaves, "spine": spines, "core": 0}
    assert fab["links"] == {"node_leaf": node_leaf, "leaf_spine": leaf_spine, "spine_core": 0}
    assert {link.speed_gbps for link in plan.links} == {800}


def test_b300_xdr_18_su_row():
    # 18 SU: 1,296 nodes, 144 leaves, 72 spines, 10,368 node-leaf and leaf-spine cables: one link
    # from every leaf to every spine, still two tiers.
    plan = xdr(1296)
    fab = plan.summary["fabrics"]["compute"]
    assert fab["switches"] == {"leaf": 144, "spine": 72, "core": 0}
    assert fab["links"] == {"node_leaf": 10368, "leaf_spine": 10368, "spine_core": 0}


# (SU, nodes, GPUs, leaf, spine, node-leaf cables, leaf-spine cables) as published.
SPECTRUM_ROWS = [
    (1, 64, 512, 16, 8, 512, 512),
    (2, 128, 1024, 32, 16, 1024, 1024),
    (4, 256, 2048, 64, 32, 2048, 2048),
    (8, 512, 4096, 128, 64, 4096, 4096),
    (16, 1024, 8192, 256, 128, 8192, 8192),
]


@pytest.mark.parametrize("sus, nodes, gpus, leaves, spines, node_leaf, leaf_spine", SPECTRUM_ROWS,
                         ids=["%d-su" % r[0] for r in SPECTRUM_ROWS])
def test_b300_spectrum4_published_rows(sus, nodes, gpus, leaves, spines, node_leaf, leaf_spine):
    # Per plane: 8 rails x 1 leaf per SU; a leaf takes 64 x 400G (32 cages broken out 2 x 400G)
    # and runs its 32 uplinks at the switch's native 800G (the default on Ethernet); spines per plane:
    # fewest n dividing 32 with 64 n >= leaves x 32. Two planes double both.
    # At 16 SU a plane has 128 leaves, more than an SN5600 spine has 800G ports: the uplinks run at
    # 400G instead, each leaf uplink cage's twin-port module feeding two spines, so that one spine
    # layer of 64 per plane (128 x 400G ports each) still reaches every leaf (fabric.size).
    plan = spectrum(nodes)
    fab = plan.summary["fabrics"]["compute"]
    assert plan.summary["gpus"] == gpus
    assert plan.fabrics["compute"]["sus"] == sus
    assert fab["switches"] == {"leaf": leaves, "spine": spines, "core": 0}
    # The RA counts one cable per 800G cage: per ConnectX-8 port toward the leaves, per leaf
    # uplink cage toward the spines. The plan has one 400G link per port and plane, and the two
    # share the port's cage (one module, cable_share below).
    assert fab["links"]["node_leaf"] == node_leaf * 2
    cages = {(link.a_device, link.a_cage) for link in plan.links if link.tier == "node_leaf"}
    assert len(cages) == node_leaf
    up_cages = {(link.a_device, link.a_cage) for link in plan.links if link.tier == "leaf_spine"}
    assert len(up_cages) == leaf_spine
    up_speed = 800 if sus <= 8 else 400
    assert fab["links"]["leaf_spine"] == leaf_spine * 800 // up_speed
    speeds = {(link.tier, link.speed_gbps) for link in plan.links}
    assert speeds == {("node_leaf", 400), ("leaf_spine", up_speed)}
    # Two tiers: within a plane every leaf reaches every spine, and links stay in their plane.
    spines_of = collections.defaultdict(set)
    for link in plan.links:
        if link.tier == "leaf_spine":
            assert plan.devices[link.a_device].plane == plan.devices[link.b_device].plane == link.plane
            spines_of[link.a_device].add(link.b_device)
    assert {len(s) for s in spines_of.values()} == {spines // 2}
    notes = [n for n in plan.notices if n.field == "fabrics.compute.uplink_speed_gbps"]
    assert len(notes) == (0 if up_speed == 800 else 1)


def test_b300_spectrum4_planes_are_independent():
    plan = spectrum(128)
    assert check_plan(plan) == []
    by_plane = collections.defaultdict(set)
    for dev in plan.devices.values():
        if dev.role in ("leaf", "spine"):
            assert dev.plane in (1, 2) and dev.name.startswith("eth-p%d-" % dev.plane)
            by_plane[dev.plane].add(dev.name)
    assert len(by_plane[1]) == len(by_plane[2]) == 24
    for link in plan.links:
        if link.tier == "leaf_spine":
            # No link joins two planes.
            assert (link.a_device in by_plane[link.plane]) and (link.b_device in by_plane[link.plane])
    # Every ConnectX-8 port has one 400G interface in each plane, to the leaf of its rail there.
    node = plan.devices["eth-node-1"]
    ports = [(i.name, i.peer_device, i.speed_gbps) for i in node.interfaces if i.fabric == "compute"]
    assert ports[0] == ("rail0-p1", "eth-p1-leaf-1", 400) and ports[8] == ("rail0-p2", "eth-p2-leaf-1", 400)
    # Addresses and ASNs: one per switch, nothing shared between planes.
    loopbacks = [d.loopback for d in plan.devices.values() if d.role in ("leaf", "spine")]
    assert len(set(loopbacks)) == len(loopbacks)
    leaf_asns = [d.asn for d in plan.devices.values() if d.role == "leaf"]
    assert len(set(leaf_asns)) == len(leaf_asns)
    spine_asn = {d.plane: d.asn for d in plan.devices.values() if d.role == "spine"}
    assert spine_asn[1] != spine_asn[2]


def test_plane_is_in_plan_json_only_where_there_are_planes():
    one = xdr(72)
    assert all(link.plane is None for link in one.links)
    assert "plane" not in artifacts.link_json(one.links[0])
    two = spectrum(64)
    assert '"plane": 1' in artifacts.link_json(two.links[0])


def test_uplinks_at_the_native_speed_unless_the_design_says():
    # Two planes of 400G on 800G SN5600: 800G uplinks by default (the published rows above); the
    # design gives the downlink speed to run them as 400G breakouts, twice as many links.
    def plan(**compute):
        return plan_design({"name": "eth", "reference": "training-pod", "nodes": {"model": "dgx-b300", "count": 64},
                            "fabrics": {"storage": None, "inband": None, "oob": None,
                                        "compute": dict({"kind": "roce", "switch": "sn5600", "platform": "cumulus",
                                                         "nodes_per_su": 64, "planes": 2, "appliances": None},
                                                        **compute)}})
    native, broken_out = plan(), plan(uplink_speed_gbps=400)
    assert native.fabrics["compute"]["leaf_uplinks"] == 32 and native.fabrics["compute"]["links"]["leaf_spine"] == 16 * 32
    assert {link.speed_gbps for link in native.links if link.tier == "leaf_spine"} == {800}
    fab = broken_out.fabrics["compute"]
    assert fab["leaf_uplinks"] == 64 and fab["links"]["leaf_spine"] == 16 * 64
    assert {link.speed_gbps for link in broken_out.links if link.tier == "leaf_spine"} == {400}
    assert check_plan(broken_out) == []


def _roce(oversubscription, **compute):
    """127 DGX H100 (8 x 400G) on SN5600 leaves (64 x 800G, broken out 2 x 400G to the nodes), SUs
    as large as the leaf allows: the compute fabric only."""
    return plan_design({"name": "eth", "reference": "training-pod",
                        "fabrics": {"storage": None, "inband": None, "oob": None,
                                    "compute": dict({"kind": "roce", "switch": "sn5600", "platform": "cumulus",
                                                     "nodes_per_su": None, "appliances": None,
                                                     "oversubscription": oversubscription}, **compute)}})


@pytest.mark.parametrize("oversubscription", [1, 1.5, 2, 3])
def test_breakout_ethernet_uplinks_run_at_the_native_speed_and_the_bom_follows(oversubscription):
    plan = _roce(oversubscription)
    assert check_plan(plan) == []
    fab = plan.fabrics["compute"]
    downlinks = fab["leaf_downlinks"]
    assert fab["link_speed_gbps"] == 400
    # One 800G uplink carries two 400G downlinks' worth at 1:1.
    uplinks = fab["leaf_uplinks"]
    assert uplinks == math.ceil(downlinks * 400 / (oversubscription * 800.0))
    # The downlinks' cages (two 400G ports each) and the uplinks' (one 800G port each) fit the 64.
    assert math.ceil(downlinks / 2.0) + uplinks <= 64
    leaf_spine = [link for link in plan.links if link.tier == "leaf_spine"]
    assert len(leaf_spine) == fab["links"]["leaf_spine"] == fab["switches"]["leaf"] * uplinks
    assert {link.speed_gbps for link in leaf_spine} == {800}
    # Every leaf-spine link: an 800G module (one port per cage) at each end, two MPO fibers (2xSR4).
    modules = collections.Counter(m for link in leaf_spine for m in (link.a_module, link.b_module))
    assert modules == {"xcvr-800g-2xsr4": 2 * len(leaf_spine)}
    assert {(link.cable, link.cable_share) for link in leaf_spine} == {("fiber-400g-mm", 2)}
    # The bill of materials follows, by the part ordered: the leaf-spine ends (980-9I510-00NS00 run
    # as one 800G port) and the leaves' node-side 2 x 400G modules are one part, so one row holds
    # both; its fibers are the node-leaf links' plus two per leaf-spine link.
    cages = {}
    for link in plan.links:
        if link.fabric == "compute":
            for end in ((link.a_device, link.a_cage, link.a_module), (link.b_device, link.b_cage, link.b_module)):
                if end[2]:
                    cages[end[:2]] = end[2]
    by_item = collections.Counter(cages.values())
    assert by_item["xcvr-800g-2xsr4"] == 2 * len(leaf_spine)
    optics = {row["item"]: row for row in plan.bom if row["fabric"] == "compute" and row["category"] == "transceiver"}
    merged = optics["xcvr-2x400g-sr4 + xcvr-800g-2xsr4"]
    assert merged["part_number"] == "980-9I510-00NS00"
    assert merged["quantity"] == by_item["xcvr-2x400g-sr4"] + by_item["xcvr-800g-2xsr4"]
    assert not [row for row in plan.bom if row["part_number"] == "980-9I510-00NS00" and row is not merged
                and row["fabric"] == "compute"]
    bom = collections.Counter()
    for row in plan.bom:
        if row.get("fabric") == "compute":
            bom[row["item"]] += row["quantity"]
    node_leaf_fibers = sum(link.cable_share for link in plan.links
                           if link.tier == "node_leaf" and link.cable == "fiber-400g-mm")
    assert bom["fiber-400g-mm"] == node_leaf_fibers + 2 * len(leaf_spine)
    # The downlink speed given as uplink_speed_gbps is the old plan: 400G uplinks, twice as many
    # links at 1:1, the same fibers, 2 x 400G modules.
    old = _roce(oversubscription, uplink_speed_gbps=400)
    old_fab = old.fabrics["compute"]
    assert {link.speed_gbps for link in old.links if link.tier == "leaf_spine"} == {400}
    assert old_fab["leaf_uplinks"] == math.ceil(old_fab["leaf_downlinks"] / float(oversubscription))
    assert "xcvr-800g-2xsr4" not in {item for row in old.bom for item in row["item"].split(" + ")}


def test_infiniband_breakout_uplinks_stay_at_the_downlink_speed():
    # HGX H100 storage NICs (200G) on QM9700 NDR200 breakouts: InfiniBand keeps its uplinks at
    # NDR200 (another speed is refused, below).
    plan = plan_design({"name": "t", "reference": "training-pod", "nodes": {"model": "hgx-h100", "count": 62},
                        "fabrics": {"storage": {"kind": "infiniband", "switch": "qm9700", "nodes_per_su": 32,
                                                "oversubscription": 1, "appliances": None}}})
    storage = plan.fabrics["storage"]
    assert storage["link_speed_gbps"] == 200 and storage["leaf_uplinks"] == storage["leaf_downlinks"]
    assert {link.speed_gbps for link in plan.links if link.fabric == "storage" and link.tier == "leaf_spine"} == {200}


def test_infiniband_uplinks_at_another_speed_are_refused_by_field():
    # NDR uplinks beside NDR200 split downlinks would need split-port numbers the plan does not
    # know (it used to plan them and break its own invariant: two ports named IB1/17).
    with pytest.raises(DesignError) as err:
        plan_design({"name": "t", "reference": "training-pod", "nodes": {"model": "hgx-h100", "count": 62},
                     "fabrics": {"storage": {"kind": "infiniband", "switch": "qm9700", "nodes_per_su": 32,
                                             "uplink_speed_gbps": 400, "appliances": None}}})
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith("fabrics.storage.uplink_speed_gbps: ")


def test_planes_that_do_not_split_the_nic_are_refused():
    with pytest.raises(DesignError) as err:
        plan_design({"name": "eth", "reference": "training-pod", "nodes": {"model": "dgx-b300", "count": 8},
                     "fabrics": {"storage": None, "inband": None, "oob": None,
                                 "compute": {"kind": "roce", "switch": "sn5600", "platform": "cumulus",
                                             "planes": 3, "appliances": None}}})
    assert "fabrics.compute.planes" in str(err.value)


def test_a_second_plane_keeps_its_addresses_as_the_pod_grows():
    """Plane 2's switches are numbered among plane 1's (interleaved), so adding an SU moves no
    management or loopback address, ASN, host subnet or node link of either plane. (The spines
    double from 1 to 2 SU, so the leaf-spine links are cabled again, as in one plane.)"""
    small, big = spectrum(64), spectrum(128)

    def kept(plan):
        out = {}
        for dev in plan.devices.values():
            if dev.role == "pdu":
                continue                   # PDUs are numbered again with their racks
            ports = {i.name: (i.peer_device, i.peer_port, i.address, i.gateway) for i in dev.interfaces
                     if dev.role == "gpu_node"}
            out[dev.name] = (dev.mgmt_address, dev.loopback, dev.asn, list(dev.host_subnets), ports)
        return out

    before, after = kept(small), kept(big)
    assert any(name.startswith("eth-p2-") for name in before)
    for name, value in before.items():
        assert after[name][:4] == value[:4], name
        for port, ends in value[4].items():
            assert after[name][4][port] == ends, (name, port)
