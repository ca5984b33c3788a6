# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the planner: random valid designs plan cleanly, and growing a design moves nothing.

Designs are drawn from the built-in catalog: a server with compute NICs, a switch of the fabric's
kind that can serve the server's NIC speed (natively or on a breakout) and is its own spine (a
switch with separate uplink ports, like the SN2201 management switch, is a leaf only). Designs
that legitimately cannot work (a pool too small, no cable long enough, more SUs than three tiers
reach) are discarded with ``assume(False)`` and counted; a "plan invariant broken" error is never
discarded, it is a planner bug.
"""

from __future__ import annotations

import collections

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import fabric
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import placement
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import load_design
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_REJECTED = 0.30
SWITCH_KIND = {"roce": "ethernet", "infiniband": "infiniband"}


def _refusal(server, kind, switch):
    """The catalog's refusal of a small design of this combination, or None when it plans."""
    try:
        plan_design({"name": "probe", "workload": "training", "nodes": {"model": server, "count": 4},
                     "fabrics": {"compute": {"kind": kind, "switch": switch}}})
    except DesignError as exc:
        return exc.problems[0]
    return None


def _combos():
    """(server, fabric kind, switch) triples that can be planned at all: the NIC's speed runs on the
    switch, and the catalog has cables or transceivers for both their cages (refusals are tested
    below)."""
    catalog = load_catalog()
    out = []
    for server in sorted(catalog.servers.values(), key=lambda s: s.id):
        nic = server.nics.get("compute")
        if nic is None or not nic.ports or catalog.system_of_tray(server.id):
            continue            # a rack-scale system's tray is planned as its system (test_rack_scale.py)
        for kind, switch_kind in sorted(SWITCH_KIND.items()):
            for switch in sorted(catalog.switches.values(), key=lambda s: s.id):
                if switch.kind != switch_kind or switch.raw.get("uplink_ports"):
                    continue
                radix, _split = switch.radix_at(min(nic.speed_gbps, switch.speed_gbps))
                if radix >= nic.ports:
                    out.append((server.id, kind, switch.id))
    return out


ALL_COMBOS = _combos()
REFUSED = {combo: _refusal(*combo) for combo in ALL_COMBOS}
COMBOS = [combo for combo in ALL_COMBOS if REFUSED[combo] is None]


def test_combinations_left_out_are_the_ones_no_catalog_cable_fits():
    """A 400G OSFP NIC on a 100G switch (or a 400G cage broken out 4 ways) needs a plug the catalog
    does not have: such designs are refused naming the catalog fields to add, never planned with
    a cable that cannot be built."""
    left_out = {combo: why for combo, why in REFUSED.items() if why is not None}
    assert left_out and len(left_out) < len(ALL_COMBOS) / 2
    for (server, kind, switch), why in left_out.items():
        assert why.startswith("catalog: no ") and "form_factor: " in why, why


def test_strategy_covers_the_catalog():
    servers = {c[0] for c in COMBOS}
    assert {"dgx-h100", "lab-node", "l40s-8"} <= servers
    assert {c[1] for c in COMBOS} == {"roce", "infiniband"}
    assert ("dgx-h100", "infiniband", "qm9700") in COMBOS
    assert ("hgx-h100", "roce", "sn5600") in COMBOS


@st.composite
def designs(draw, max_nodes=300):
    server, kind, switch = draw(st.sampled_from(COMBOS))
    compute = {
        "kind": kind,
        "switch": switch,
        "rail_optimized": draw(st.booleans()),
        "oversubscription": draw(st.sampled_from([1, 1.5, 2, 3])),
        "host_addressing": draw(st.sampled_from(["subnet_per_leaf", "p2p"])),
    }
    nodes_per_su = draw(st.sampled_from([None, 4, 8, 16, 32]))
    if nodes_per_su:
        compute["nodes_per_su"] = nodes_per_su
    return {"name": "prop", "workload": "training",
            "nodes": {"model": server, "count": draw(st.integers(1, max_nodes))},
            "fabrics": {"compute": compute}}


class Rejections(object):
    """Counts designs discarded as legitimately impossible, by reason."""

    def __init__(self):
        self.tried = 0
        self.rejected = collections.Counter()

    def plan(self, spec):
        self.tried += 1
        try:
            return plan_design(spec)
        except DesignError as exc:
            broken = [p for p in exc.problems if "invariant" in p]
            assert not broken, "planner bug for %r: %s" % (spec, broken)
            self.rejected[exc.problems[0].split(":")[0]] += 1
            assume(False)

    def check_rate(self):
        total = sum(self.rejected.values())
        assert self.tried > 0
        assert total <= MAX_REJECTED * self.tried, (
            "%d of %d generated designs rejected (%s): narrow the strategy" % (
                total, self.tried, dict(self.rejected)))


def test_random_designs_hold_every_invariant():
    stats = Rejections()

    @SETTINGS
    @given(spec=designs())
    def check(spec):
        plan = stats.plan(spec)
        assert check_plan(plan) == []
        compute = plan.fabrics["compute"]
        nodes = [d for d in plan.devices.values() if d.role == "gpu_node"]
        assert len(nodes) == spec["nodes"]["count"]
        nic = plan.design.catalog.servers[spec["nodes"]["model"]].nics["compute"]
        # A server whose vendor runs its NICs in planes on Ethernet (catalog ethernet_planes) gets
        # them by default: one link per port and plane.
        planes = plan.design.fabrics["compute"].planes
        assert planes == (nic.ethernet_planes if spec["fabrics"]["compute"]["kind"] != "infiniband" else 1)
        assert compute["links"]["node_leaf"] == len(nodes) * nic.ports * planes
        for node in nodes:
            assert len(node.interfaces) == nic.ports * planes
        width = nic.ports if spec["fabrics"]["compute"]["rail_optimized"] else min(nic.ports, 2)
        assert compute["switches"]["leaf"] % (compute["sus"] * width * planes) == 0    # whole SUs, whole columns
        assert compute["sus"] * compute["nodes_per_su"] >= len(nodes)
        if compute["tiers"] >= 2:
            # Every leaf reaches every spine of its pod with the same number of links.
            assert compute["links"]["leaf_spine"] == compute["switches"]["leaf"] * compute["leaf_uplinks"]

    check()
    print("invariants: tried:", stats.tried, "rejected:", dict(stats.rejected))
    stats.check_rate()


def _one_tier_capacity(server_id, switch_id):
    """Nodes one leaf pair serves (fabric.py, tiers 1): (radix - 2 peer ports) // ports per leaf column."""
    catalog = load_catalog()
    nic = catalog.servers[server_id].nics["compute"]
    switch = catalog.switches[switch_id]
    radix = switch.radix_at(min(nic.speed_gbps, switch.speed_gbps))[0]
    return (radix - 2) // -(-nic.ports // min(nic.ports, 2))


@st.composite
def one_tier_designs(draw):
    server, switch = draw(st.sampled_from(sorted({(c[0], c[2]) for c in COMBOS if c[1] == "roce"})))
    count = draw(st.integers(1, min(24, _one_tier_capacity(server, switch))))
    return {"name": "edge", "workload": "inference", "nodes": {"model": server, "count": count},
            "fabrics": {"compute": {"kind": "roce", "switch": switch, "tiers": 1,
                                    "host_addressing": draw(st.sampled_from(["subnet_per_leaf", "p2p"]))}}}


def test_random_one_tier_designs_hold_every_invariant():
    """tiers: 1 (a leaf pair with peer links), not rail-optimized."""
    stats = Rejections()

    @settings(max_examples=20, deadline=None)
    @given(spec=one_tier_designs())
    def check(spec):
        plan = stats.plan(spec)
        assert check_plan(plan) == []
        planes = plan.design.fabrics["compute"].planes
        assert plan.fabrics["compute"]["switches"] == {"leaf": 2 * planes, "spine": 0, "core": 0}
        assert len([link for link in plan.links if link.tier == "leaf_leaf"]) == 2 * planes

    check()
    stats.check_rate()


# --------------------------------------------------------------------------- growth

def _sizing(spec):
    design = load_design(spec)
    return fabric.size(design, design.fabrics["compute"], reserved_slots=placement.reserved_slots(design))


def _snapshot(plan):
    """What must never move for a device that exists: names, ports and their peers, addresses, ASN.
    (The out-of-band ports of switches, appliances and PDUs are planned after the nodes' BMCs and
    may move as the design grows: docs/plan-format.md says so.)"""
    out = {}
    for dev in plan.devices.values():
        ports = {}
        for i in dev.interfaces:
            if "mgmt" in (i.role, i.peer.role):
                continue
            ports[i.name] = (i.peer_device, i.peer_port, i.address, i.gateway, i.rail)
        out[dev.name] = {"role": dev.role, "mgmt": dev.mgmt_address, "loopback": dev.loopback, "asn": dev.asn,
                         "host_subnets": list(dev.host_subnets), "gateway": dev.gateway_address, "ports": ports}
    return out


def _assert_kept(before, after, what):
    for name, old in before.items():
        assert name in after, "%s: %s disappeared" % (what, name)
        new = after[name]
        for key in ("role", "mgmt", "loopback", "asn", "gateway"):
            assert new[key] == old[key], "%s: %s %s %r -> %r" % (what, name, key, old[key], new[key])
        if old["role"] == "leaf":
            # subnet_per_leaf: the same subnet; p2p: every old /31 still there (new nodes add more).
            assert new["host_subnets"][:len(old["host_subnets"])] == old["host_subnets"], (what, name)
        for port, value in old["ports"].items():
            assert port in new["ports"], "%s: %s lost port %s" % (what, name, port)
            assert new["ports"][port] == value, "%s: %s %s %r -> %r" % (what, name, port, value, new["ports"][port])


def test_growing_a_design_moves_nothing():
    stats = Rejections()
    grown = collections.Counter()

    @SETTINGS
    @given(spec=designs(max_nodes=200), data=st.data())
    def check(spec, data):
        small = stats.plan(spec)
        sizing = _sizing(spec)
        compute = small.fabrics["compute"]
        assert (sizing.sus, sizing.nodes_per_su, sizing.tiers) == (
            compute["sus"], compute["nodes_per_su"], compute["tiers"])
        before = _snapshot(small)
        count = spec["nodes"]["count"]
        capacity = sizing.sus * sizing.nodes_per_su          # no appliances: no reserved slots

        # More nodes in the SUs the design already has: the fabric is built for whole SUs, so the
        # switches stay the same and only new nodes (and their leaf ports) appear.
        if capacity > count:
            more = data.draw(st.integers(count + 1, capacity), label="nodes in the same SUs")
            spec2 = _with_count(spec, more)
            big = plan_design(spec2)
            assert big.fabrics["compute"]["switches"] == compute["switches"]
            _assert_kept(before, _snapshot(big), "same SUs, %d -> %d nodes" % (count, more))
            grown["same_sus"] += 1

        # One more SU: existing devices keep everything when the spine layer does not change.
        more = data.draw(st.integers(capacity + 1, capacity + sizing.nodes_per_su), label="nodes with one more SU")
        spec3 = _with_count(spec, more)
        try:
            sizing3 = _sizing(spec3)
        except DesignError:
            grown["one_more_su_impossible"] += 1
            return
        if (sizing3.tiers, sizing3.spines, sizing3.cores) != (sizing.tiers, sizing.spines, sizing.cores):
            grown["one_more_su_changes_spines"] += 1
            return
        try:
            big = plan_design(spec3)
        except DesignError as exc:
            assert not [p for p in exc.problems if "invariant" in p], exc.problems
            grown["one_more_su_impossible"] += 1
            return
        assert big.fabrics["compute"]["sus"] == sizing.sus + 1
        _assert_kept(before, _snapshot(big), "one more SU, %d -> %d nodes" % (count, more))
        grown["one_more_su"] += 1

    check()
    print("growth:", dict(grown), "tried:", stats.tried, "rejected:", dict(stats.rejected))
    stats.check_rate()
    # The property must have exercised both kinds of growth, not skipped them all.
    assert grown["same_sus"] > 0 and grown["one_more_su"] > 0, dict(grown)


def _with_count(spec, count):
    out = dict(spec)
    out["nodes"] = dict(spec["nodes"], count=count)
    return out


# Hand-sized with fabric.py's rules (QM9700, 32 uplinks per leaf, spines n | 32 with 64 n >= leaves x 32):
# 3 SU (95 nodes + the UFM slot) = 24 leaves -> n >= 12 -> 16 spines; 4 SU = 32 leaves -> 16 spines (same);
# 100 -> 127 nodes stays in 4 SU; 5 SU = 40 leaves -> n >= 20 -> 32 spines; 1 SU -> 2 SU: 4 -> 8 spines.
@pytest.mark.parametrize("before, after, same_spines", [
    (95, 127, True), (100, 127, True), (127, 159, False), (31, 63, False)])
def test_superpod_growth_keeps_every_device(before, after, same_spines):
    """training-pod with UFM (a reserved slot in SU 1): existing devices keep names, ports, addresses."""
    def spec(n):
        return {"name": "spod", "reference": "training-pod", "nodes": {"count": n},
                "fabrics": {"inband": None, "oob": None}}
    small = plan_design(spec(before))
    big = plan_design(spec(after))
    spines = (small.fabrics["compute"]["switches"]["spine"], big.fabrics["compute"]["switches"]["spine"])
    assert (spines[0] == spines[1]) is same_spines, spines
    old, new = _snapshot(small), _snapshot(big)
    if same_spines:
        _assert_kept(old, new, "%d -> %d" % (before, after))
    else:
        # The spine layer is re-cabled, but nodes and UFM keep their ports, peers and addresses, and
        # every switch its name, management address and (IPoIB) host subnets. (The PDUs of the
        # spines' racks are numbered again with those racks.)
        for name, dev in old.items():
            if dev["role"] in ("gpu_node", "appliance"):
                assert new[name] == dev, name
            elif dev["role"] == "pdu" and small.devices[name].su is None:
                continue
            else:
                assert (new[name]["mgmt"], new[name]["host_subnets"]) == (dev["mgmt"], dev["host_subnets"]), name


def _plane_refusal(server, kind, switch):
    try:
        plan_design({"name": "probe", "workload": "training", "nodes": {"model": server, "count": 4},
                     "fabrics": {"compute": {"kind": kind, "switch": switch, "planes": 2}}})
    except DesignError as exc:
        return exc.problems[0]
    return None


# Combinations whose NIC splits into two planes on the switch (a breakout at half the NIC speed)
# and whose catalog has the plugs: dgx-b300 on sn5600 (2 x 400G) among them. Drawn from every
# combination, not only those one plane can plan: the catalog has a flat-top 2 x 400G module for
# a ConnectX-8 cage but no 800GbE one, so dgx-b300 on sn5600 plans in two planes only.
PLANE_COMBOS = [combo for combo in ALL_COMBOS if _plane_refusal(*combo) is None]


def test_plane_strategy_covers_the_b300_ethernet_fabric():
    assert ("dgx-b300", "roce", "sn5600") in PLANE_COMBOS


@st.composite
def plane_designs(draw, max_nodes=200):
    server, kind, switch = draw(st.sampled_from(PLANE_COMBOS))
    compute = {"kind": kind, "switch": switch, "planes": draw(st.sampled_from([1, 2])),
               "rail_optimized": draw(st.booleans()),
               "oversubscription": draw(st.sampled_from([1, 2])),
               "host_addressing": draw(st.sampled_from(["subnet_per_leaf", "p2p"]))}
    nodes_per_su = draw(st.sampled_from([None, 8, 16, 32]))
    if nodes_per_su:
        compute["nodes_per_su"] = nodes_per_su
    return {"name": "prop", "workload": "training",
            "nodes": {"model": server, "count": draw(st.integers(1, max_nodes))},
            "fabrics": {"compute": compute}}


def test_random_plane_designs_are_independent_copies():
    """Planes are copies of one plane: the same switches and links in each, none between them,
    every node port once in every plane; and the plan holds every invariant."""
    rejections = Rejections()

    @given(spec=plane_designs())
    @SETTINGS
    def run(spec):
        plan = rejections.plan(spec)
        assert check_plan(plan) == []
        planes = spec["fabrics"]["compute"]["planes"]
        switches = [d for d in plan.devices.values() if d.fabric == "compute" and d.role != "appliance"]
        by_plane = collections.Counter((d.plane, d.role) for d in switches)
        if planes == 1:
            assert {d.plane for d in switches} == {None}
            assert all(link.plane is None for link in plan.links)
            return
        assert {p for p, _role in by_plane} == set(range(1, planes + 1))
        for role in ("leaf", "spine", "core"):
            assert len({by_plane[(p, role)] for p in range(1, planes + 1)}) == 1
        plane_of = {d.name: d.plane for d in switches}
        for link in plan.links:
            if link.fabric != "compute":
                continue
            for end in (link.a_device, link.b_device):
                if end in plane_of:
                    assert plane_of[end] == link.plane
        for node in (d for d in plan.devices.values() if d.role == "gpu_node"):
            ports = collections.Counter(plane_of[i.peer_device] for i in node.interfaces if i.fabric == "compute")
            assert len(set(ports.values())) == 1 and set(ports) == set(range(1, planes + 1))

    run()
    rejections.check_rate()
