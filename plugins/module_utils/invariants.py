# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Invariants every plan must hold; checked on every plan and by the property tests.

A broken invariant is a planner bug (or a catalog entry that cannot work), never something to
deploy: the plan is refused with the list of what is wrong.
"""

from __future__ import annotations

from collections import Counter, defaultdict


def _ip(text):
    a, b, c, d = text.split(".")
    return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)


def _net(cidr):
    addr, plen = cidr.split("/")
    plen = int(plen)
    start = _ip(addr) & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF)
    return start, start + (1 << (32 - plen)) - 1


def check_plan(plan):
    problems = []
    devices = plan.devices
    ports = {}
    for dev in devices.values():
        names = Counter(i.name for i in dev.interfaces)
        for name, count in names.items():
            if count > 1:
                problems.append("%s port %s is used %d times" % (dev.name, name, count))
        ports[dev.name] = {i.name: i for i in dev.interfaces}
    for link in plan.links:
        ends = []
        for dev, port in ((link.a_device, link.a_port), (link.b_device, link.b_port)):
            iface = ports.get(dev, {}).get(port)
            if iface is None:
                problems.append("link %s: end %s %s does not exist" % (link.id, dev, port))
            ends.append(iface)
        if None not in ends and ends[0].speed_gbps != ends[1].speed_gbps:
            problems.append("link %s: speeds differ (%s vs %s)" % (link.id, ends[0].speed_gbps, ends[1].speed_gbps))
        if None not in ends and (ends[0].peer_device != link.b_device or ends[1].peer_device != link.a_device):
            problems.append("link %s: interface peers do not match the link" % link.id)
    # Addresses: unique; subnets: no overlap.
    seen = Counter()
    nets = []
    for dev in devices.values():
        if dev.mgmt_address:
            seen[dev.mgmt_address.split("/")[0]] += 1
        if dev.loopback:
            seen[dev.loopback.split("/")[0]] += 1
            nets.append((_net(dev.loopback), dev.name + " loopback"))
        if dev.gateway_address:
            seen[dev.gateway_address.split("/")[0]] += 1
        for sub in dev.host_subnets:
            if not sub.endswith("/31") or dev.role != "leaf":
                nets.append((_net(sub), dev.name + " " + sub))
        for iface in dev.interfaces:
            if iface.address:
                seen[iface.address.split("/")[0]] += 1
                if iface.address.endswith("/31") and iface.role in ("uplink", "peer"):
                    nets.append((_net(iface.address), "%s %s" % (dev.name, iface.name)))
    for addr, count in seen.items():
        if count > 1:
            problems.append("address %s is assigned %d times" % (addr, count))
    # Each leaf subnet appears once per fabric; IPoIB rail subnets are shared by the rail's leaves.
    unique_nets = {}
    for (start, end), label in nets:
        unique_nets.setdefault((start, end), label)
    ordered = sorted(unique_nets.items())
    for ((s1, e1), l1), ((s2, e2), l2) in zip(ordered, ordered[1:]):
        if s2 <= e1:
            problems.append("subnets overlap: %s and %s" % (l1, l2))
    # ASNs: each leaf's own within its fabric.
    leaf_asns = defaultdict(Counter)
    for dev in devices.values():
        if dev.role == "leaf" and dev.asn is not None:
            leaf_asns[dev.fabric][dev.asn] += 1
    for fab, counts in leaf_asns.items():
        for asn, count in counts.items():
            if count > 1:
                problems.append("fabric %s: ASN %d is used by %d leaves" % (fab, asn, count))
    # Every node reaches every rail of every rail-optimized fabric.
    for fab_name, fab in plan.fabrics.items():
        if not fab["rail_optimized"]:
            continue
        for dev in devices.values():
            if dev.role != "gpu_node":
                continue
            rails = set()
            for iface in dev.interfaces:
                if iface.fabric == fab_name:
                    peer = devices[iface.peer_device]
                    if peer.rail != iface.rail:
                        problems.append("%s %s (rail %s) is cabled to %s of rail %s" % (
                            dev.name, iface.name, iface.rail, peer.name, peer.rail))
                    rails.add(peer.rail)
            if rails != set(range(fab["rails"])):
                problems.append("%s does not reach every rail of %s: %s" % (dev.name, fab_name, sorted(rails)))
    # Balance: every leaf has the same number of links to every spine of its pod.
    for fab_name, fab in plan.fabrics.items():
        if fab["tiers"] < 2:
            continue
        spines_by_pod = defaultdict(set)
        for dev in devices.values():
            if dev.fabric == fab_name and dev.role == "spine":
                spines_by_pod[dev.pod].add(dev.name)
        for dev in devices.values():
            if dev.fabric != fab_name or dev.role not in ("leaf", "spine"):
                continue
            upper = spines_by_pod[dev.pod] if dev.role == "leaf" else None
            counts = Counter(i.peer_device for i in dev.interfaces if i.role == "uplink")
            if upper is not None and (set(counts) != upper or len(set(counts.values())) != 1):
                problems.append("%s is not linked evenly to every spine of pod %s: %s" % (
                    dev.name, dev.pod, dict(counts)))
            elif upper is None and counts and len(set(counts.values())) != 1:
                problems.append("%s is not linked evenly to its cores: %s" % (dev.name, dict(counts)))
    for rack in plan.racks:
        if rack.used_units > rack.units or rack.used_power_kw > rack.power_kw + 1e-6:
            problems.append("rack %s over budget: %d/%d U, %.1f/%.1f kW" % (
                rack.name, rack.used_units, rack.units, rack.used_power_kw, rack.power_kw))
    return problems
