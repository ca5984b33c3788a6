# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Invariants every plan must hold; checked on every plan and by the property tests.

A broken invariant is a planner bug (or a catalog entry that cannot work), never something to
deploy: the plan is refused with the list of what is wrong.
"""

from __future__ import annotations

import socket
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Interface
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import Plan


def _net(cidr: str) -> tuple[int, int]:
    """(first, last) address of ``cidr`` as integers."""
    addr, plen_text = cidr.split("/")
    plen = int(plen_text)
    start = int.from_bytes(socket.inet_aton(addr), "big") & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF)
    return start, start + (1 << (32 - plen)) - 1


def check_plan(plan: Plan) -> list[str]:
    """Return every broken invariant of ``plan`` as a sentence (an empty list when sound)."""
    problems: list[str] = []
    devices = plan.devices
    seen: set[str] = set()            # addresses (without prefix length) assigned so far
    nets: dict[tuple[int, int], str] = {}
    leaf_asns: defaultdict[str | None, set[int]] = defaultdict(set)
    ports: dict[str, dict[str, Interface]] = {}   # device -> {port name: Interface}

    for dev in devices.values():
        names: dict[str, Interface] = {}
        ports[dev.name] = names
        addresses = [a for a in (dev.mgmt_address, dev.loopback, dev.gateway_address) if a]
        addresses += [b["address"] for b in dev.bonds or ()]
        if dev.mlag:
            addresses.append(dev.mlag["local_address"])
            nets.setdefault(_net(dev.mlag["local_address"]), "%s MLAG peer link" % dev.name)
        for iface in dev.interfaces:
            if iface.name in names:
                problems.append("%s port %s is used more than once" % (dev.name, iface.name))
            names[iface.name] = iface
            if iface.address:
                addresses.append(iface.address)
                if iface.role in ("uplink", "peer"):
                    nets.setdefault(_net(iface.address), "%s %s" % (dev.name, iface.name))
        for address in addresses:
            bare = address.partition("/")[0]
            if bare in seen:
                problems.append("address %s is assigned twice (again on %s)" % (bare, dev.name))
            seen.add(bare)
        if dev.loopback:
            nets.setdefault(_net(dev.loopback), dev.name + " loopback")
        for sub in dev.host_subnets:
            if not sub.endswith("/31"):
                # A rail's IPoIB subnet is shared by the rail's leaves: setdefault keeps one.
                nets.setdefault(_net(sub), "%s %s" % (dev.name, sub))
        if dev.role == "leaf" and dev.asn is not None:
            if dev.asn in leaf_asns[dev.fabric]:
                problems.append("fabric %s: ASN %d is used by more than one leaf" % (dev.fabric, dev.asn))
            leaf_asns[dev.fabric].add(dev.asn)
    for link in plan.links:
        try:
            ends = (ports[link.a_device][link.a_port], ports[link.b_device][link.b_port])
        except KeyError:
            problems.append("link %s: an end (%s %s, %s %s) does not exist" % (
                link.id, link.a_device, link.a_port, link.b_device, link.b_port))
            continue
        if ends[0].speed_gbps != ends[1].speed_gbps:
            problems.append("link %s: speeds differ (%s vs %s)" % (link.id, ends[0].speed_gbps, ends[1].speed_gbps))
        if ends[0].peer_device != link.b_device or ends[1].peer_device != link.a_device:
            problems.append("link %s: interface peers do not match the link" % link.id)
    ordered = sorted(nets.items())
    for ((s1, e1), l1), ((s2, e2), l2) in zip(ordered, ordered[1:]):
        if s2 <= e1:
            problems.append("subnets overlap: %s and %s" % (l1, l2))
    problems.extend(_port_structure(plan))
    problems.extend(_rails(plan))
    problems.extend(_balance(plan))
    problems.extend(_mlag(plan))
    problems.extend(_cages(plan))
    for rack in plan.racks:
        if rack.used_units > rack.units or rack.used_power_kw > rack.power_kw + 1e-6:
            problems.append("rack %s over budget: %d/%d U, %.1f/%.1f kW" % (
                rack.name, rack.used_units, rack.units, rack.used_power_kw, rack.power_kw))
    return problems


def _cages(plan: Plan) -> list[str]:
    """Every cage in use holds exactly one plug: one transceiver serving no more ports than it has,
    or one end of one fixed cable, and a fixed cable joins the same cages for all its links. The
    bill of materials counts from these, so a broken one means an order that cannot be built."""
    problems: list[str] = []
    cables = plan.design.catalog.cables
    plugs: dict[tuple[str, str | None], list[tuple[str, Any]]] = defaultdict(list)
    for link in plan.links:
        for dev, cage, module, far in ((link.a_device, link.a_cage, link.a_module, (link.b_device, link.b_cage)),
                                       (link.b_device, link.b_cage, link.b_module, (link.a_device, link.a_cage))):
            plugs[(dev, cage)].append((module or "cable:%s" % link.cable, far))
    for (dev, cage), used in plugs.items():
        kinds = {plug for plug, _far in used}
        if cage is None or len(kinds) != 1:
            problems.append("cage %s of %s holds %s; one plug per cage" % (cage, dev, sorted(kinds)))
            continue
        plug = kinds.pop()
        if plug.startswith("cable:"):
            item = cables.get(plug[6:])
            fars = {far for _plug, far in used}
            ends = item.ends if item is not None else (1, 1)
            if len(used) > max(ends) or (len(used) > 1 and len(fars) > 1 and max(ends) != len(ends) - 1):
                problems.append("cage %s of %s: %d links on one %s whose ends %s cannot reach %d cages" % (
                    cage, dev, len(used), plug[6:], list(ends), len(fars)))
        elif len(used) > cables[plug].ports:
            problems.append("cage %s of %s: %d links through one %s of %d ports" % (
                cage, dev, len(used), plug, cables[plug].ports))
    return problems


def _rails(plan: Plan) -> list[str]:
    """Every node reaches every rail of every rail-optimized fabric, each NIC its own rail's leaf."""
    problems: list[str] = []
    devices = plan.devices
    rails = {n: set(range(f["rails"])) for n, f in plan.fabrics.items() if f["rail_optimized"]}
    for dev in devices.values():
        if dev.role != "gpu_node":
            continue
        reached: defaultdict[str, set[Any]] = defaultdict(set)
        for iface in dev.interfaces:
            if iface.fabric in rails:
                peer_rail = devices[iface.peer_device].rail
                if peer_rail != iface.rail:
                    problems.append("%s %s (rail %s) is cabled to %s of rail %s" % (
                        dev.name, iface.name, iface.rail, iface.peer_device, peer_rail))
                reached[iface.fabric].add(peer_rail)
        for fabric, expected in rails.items():
            if reached[fabric] != expected:
                problems.append("%s does not reach every rail of %s: %s" % (
                    dev.name, fabric, sorted(reached[fabric])))
    return problems


def _inside(address: str, cidr: str) -> bool:
    first, last = _net(cidr)
    value = _net(address.partition("/")[0] + "/32")[0]
    return first <= value <= last


def _mlag(plan: Plan) -> list[str]:
    """MLAG pairs are mutual and cabled by their peer links; both leaves serve one subnet with the
    virtual gateway inside it; every host bond has its members on the two leaves of one pair, with
    the same MLAG id on both, its address in the pair's subnet and the virtual gateway as gateway."""
    problems: list[str] = []
    devices = plan.devices
    for dev in devices.values():
        m = dev.mlag
        if not m:
            continue
        peer = devices.get(m["peer_device"])
        if peer is None or not peer.mlag or peer.mlag["peer_device"] != dev.name:
            problems.append("%s: MLAG peer %s does not name it back" % (dev.name, m["peer_device"]))
            continue
        ports = {i.name: i for i in dev.interfaces}
        cabled = [p for p in m["peer_links"] if p in ports and ports[p].role == "peer"
                  and ports[p].peer_device == peer.name]
        if not m["peer_links"] or len(cabled) != len(m["peer_links"]):
            problems.append("%s: MLAG peer link %s is not cabled to %s" % (dev.name, m["peer_links"], peer.name))
        subnet = (dev.host_subnets or [""])[0]
        if not subnet or peer.host_subnets[:1] != [subnet] or peer.mlag["virtual_gateway"] != m["virtual_gateway"]:
            problems.append("%s and %s do not share one host subnet and virtual gateway" % (dev.name, peer.name))
        elif not _inside(m["virtual_gateway"], subnet):
            problems.append("%s: virtual gateway %s is outside %s" % (dev.name, m["virtual_gateway"], subnet))
        ids = [b["id"] for b in m["bonds"]]
        if len(ids) != len(set(ids)):
            problems.append("%s: MLAG ids are used more than once: %s" % (dev.name, ids))
        theirs = {b["id"]: b["peer_device"] for b in peer.mlag["bonds"]}
        for b in m["bonds"]:
            if theirs.get(b["id"]) != b["peer_device"]:
                problems.append("%s: MLAG id %d is %s here but %s on %s" % (
                    dev.name, b["id"], b["peer_device"], theirs.get(b["id"]), peer.name))
    for dev in devices.values():
        for b in dev.bonds or ():
            ports = {i.name: i for i in dev.interfaces}
            leaves = sorted({ports[n].peer_device for n in b["members"] if n in ports})
            pair = [devices[n].mlag for n in leaves if n in devices]
            if (len(b["members"]) != 2 or len(leaves) != 2 or not all(pair)
                    or pair[0]["peer_device"] != leaves[1]):    # type: ignore[index]
                problems.append("%s %s: members %s do not reach the two leaves of one MLAG pair (%s)" % (
                    dev.name, b["name"], b["members"], ", ".join(leaves)))
                continue
            leaf = devices[leaves[0]]
            if not _inside(b["address"], leaf.host_subnets[0]) or b["gateway"] != pair[0]["virtual_gateway"].split("/")[0]:  # type: ignore[index]
                problems.append("%s %s: address %s or gateway %s is not the pair's subnet %s and gateway" % (
                    dev.name, b["name"], b["address"], b["gateway"], leaf.host_subnets[0]))
    return problems


def _balance(plan: Plan) -> list[str]:
    """Every leaf has the same number of links to every spine of its pod; spines to their cores."""
    problems: list[str] = []
    spines_by_pod: defaultdict[tuple[str | None, int | None, int | None], set[str]] = defaultdict(set)
    for dev in plan.devices.values():
        if dev.role == "spine":
            spines_by_pod[(dev.fabric, dev.plane, dev.pod)].add(dev.name)
    for dev in plan.devices.values():
        if dev.role not in ("leaf", "spine") or plan.fabrics[dev.fabric]["tiers"] < 2:  # type: ignore[index]
            continue
        counts = Counter(i.peer_device for i in dev.interfaces if i.role == "uplink")
        if dev.role == "leaf" and (set(counts) != spines_by_pod[(dev.fabric, dev.plane, dev.pod)]
                                   or len(set(counts.values())) != 1):
            problems.append("%s is not linked evenly to every spine of %spod %s: %s" % (
                dev.name, "plane %d, " % dev.plane if dev.plane else "", dev.pod, dict(counts)))
        elif dev.role == "spine" and counts and len(set(counts.values())) != 1:
            problems.append("%s is not linked evenly to its cores: %s" % (dev.name, dict(counts)))
    return problems


def _port_structure(plan: Plan) -> list[str]:
    """Every broken-out port sits in a cage broken out with a mode the platform lists, under the
    platform's name for the cage; no two ports of a switch share a SerDes lane.

    Lanes are checked on the records: each cage record once (switches share them), then per switch
    that no cage is both broken out and used whole, and no member is used twice. Cages of a layout
    never share lanes (checked once per model), so that covers every pair of ports.
    """
    problems: list[str] = []
    switches = plan.design.catalog.switches
    seen_records: dict[int, list[str]] = {}
    seen_layouts: dict[str, list[str]] = {}
    seen_lists: dict[int, tuple[dict[str, tuple[int, int, int]], set[int]]] = {}
    for dev in plan.devices.values():
        if dev.breakouts is None or dev.model not in switches:
            continue
        model = switches[dev.model]
        layout = model.port_layout
        if model.id not in seen_layouts:
            seen_layouts[model.id] = _layout_problems(model.id, layout)
            problems.extend(seen_layouts[model.id])
        for b in dev.breakouts:
            if id(b) not in seen_records:
                seen_records[id(b)] = _record_problems(b, model, layout, dev.platform)
            problems.extend("%s cage %d%s" % (dev.name, b["cage"], p) for p in seen_records[id(b)])
        index = seen_lists.get(id(dev.breakouts))
        if index is None:
            index = seen_lists[id(dev.breakouts)] = (
                {m["name"]: (b["cage"], b["ways"], m["member"]) for b in dev.breakouts for m in b["members"]},
                {b["cage"] for b in dev.breakouts})
        members, broken_cages = index
        whole: dict[int, str] = {}
        used: dict[tuple[int, int], str] = {}
        for iface in dev.interfaces:
            number = iface.port_number
            if not number:
                continue
            split = iface.split
            cage, member = divmod(number - 1, split)
            cage += 1
            if split > 1:
                if members.get(iface.name) != (cage, split, member):
                    problems.append("%s %s: member %d of cage %d, which is not broken out %d ways with that member" % (
                        dev.name, iface.name, member, cage, split))
                    continue
                other = used.setdefault((cage, member), iface.name)
            elif cage <= layout.cages:
                other = whole.setdefault(cage, iface.name)
            else:
                continue        # a separate uplink port (catalog uplink_ports), outside the cage layout
            if other != iface.name:
                problems.append("%s: lane %d is used by both %s and %s" % (dev.name, layout.lanes(cage)[0], other, iface.name))
        for cage in broken_cages.intersection(whole):
            problems.append("%s: lane %d is used by both %s and the breakout of cage %d" % (
                dev.name, layout.lanes(cage)[0], whole[cage], cage))
    return problems


def _layout_problems(model_id: str, layout: Any) -> list[str]:
    """Lanes two cages of a layout share (a catalog error)."""
    owner: dict[int, int] = {}
    problems = []
    for cage in range(1, layout.cages + 1):
        for lane in layout.lanes(cage):
            first = owner.setdefault(lane, cage)
            if first != cage:
                problems.append("%s: lane %d is used by both cage %d and cage %d" % (model_id, lane, first, cage))
    return problems


def _record_problems(b: dict[str, Any], model: Any, layout: Any, platform: str) -> list[str]:
    """What is wrong with one cage record (each message follows ``<switch> cage <n>``)."""
    problems = []
    if b["ways"] not in {split for split, _speed in model.breakouts}:
        problems.append(" is broken out %d ways, which %s does not list" % (b["ways"], model.id))
    if layout.modes and b["mode"] not in {m for n, _s, m in layout.modes if n == b["ways"]}:
        problems.append(": breakout mode %r is not one the platform lists for %d ways (%s)" % (
            b["mode"], b["ways"], ", ".join(m for _n, _s, m in layout.modes)))
    if b["port"] != platforms.cage_port_name(platform, b["cage"], model.lanes_per_port):
        problems.append(": breakout set on %s, not on the cage's port" % b["port"])
    if not 1 <= b["cage"] <= layout.cages:
        problems.append(": %s has %d cages" % (model.id, layout.cages))
        return problems
    cage_lanes = set(layout.lanes(b["cage"]))
    if set(b["lanes"]) != cage_lanes:
        problems.append(": lanes %s are not the cage's %s" % (b["lanes"], sorted(cage_lanes)))
    owner: dict[int, str] = {}
    for m in b["members"]:
        for lane in m["lanes"]:
            if lane not in cage_lanes:
                problems.append(": %s takes lane %d, outside the cage" % (m["name"], lane))
            first = owner.setdefault(lane, m["name"])
            if first != m["name"]:
                problems.append(": lane %d is used by both %s and %s" % (lane, first, m["name"]))
    return problems
