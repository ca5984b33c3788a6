# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses and BGP identities, keyed on stable positions.

Each pool of the design is cut into fixed blocks (per fabric, then per role) and an address is
``block start + f(stable index)``: a leaf's loopback depends on the leaf's number, a /31 on the
leaf's number and uplink port, a node's rail address on its leaf and port. Growing a design
therefore never moves an existing address. A pool too small for its blocks is an error naming
the pool and the size it needs.

Pools are parsed with netaddr; per-address arithmetic is on integers, which keeps a plan of
hundreds of thousands of links fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence, cast

try:
    import netaddr
    HAS_NETADDR = True
except ImportError:  # pragma: no cover - a requirement of the collection
    HAS_NETADDR = False

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_NIC_ROLE, FABRIC_ORDER, PDU_ROLE
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.fabric import in_plane, mlag_pairs
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Notice

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.fabric import FabricBuild, Sizing
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Interface

# BGP numbering (RFC 6996 private ranges). Cores share one ASN, the spines of a pod share one,
# each leaf has its own.
ASN2 = {"core": 64512, "spine": 64513, "leaf": 64612, "last": 65534}
ASN4 = {"core": 4200000000, "spine": 4200000001, "leaf": 4200100000, "last": 4294967294}


def ntoa(value: int) -> str:
    return "%d.%d.%d.%d" % (value >> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255)


class Pool(object):
    """An IPv4 pool split into ``parts`` equal blocks; ``block(i)`` is (first address, size)."""

    def __init__(self, name: str, cidr: Any, parts: int) -> None:
        if not HAS_NETADDR:
            raise DesignError("the Python package netaddr is required to plan addresses")
        try:
            net = netaddr.IPNetwork(cidr)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            net = None
        if net is None or net.version != 4:
            raise DesignError(field("addressing." + name, "%r is not an IPv4 network" % (cidr,)))
        self.name: str = name
        self.cidr: str = str(net.cidr)
        self.first: int = int(net.network)
        self.size: int = net.size
        self.parts: int = parts
        self.block_size: int = self.size // parts

    def overlaps(self, other: Pool) -> bool:
        return self.first < other.first + other.size and other.first < self.first + self.size

    def block(self, i: int) -> tuple[int, int]:
        return self.first + i * self.block_size, self.block_size

    def need(self, used: int, per_block_what: str) -> None:
        """Raise when ``used`` addresses do not fit one block."""
        if used > self.block_size:
            bits = max(0, (used * self.parts - 1).bit_length())
            raise DesignError(field("addressing." + self.name, "pool %s is too small: %s needs %d addresses "
                                    "per block of %d; use a /%d or larger" % (
                                        self.cidr, per_block_what, used, self.block_size, 32 - bits)))


def _prefix_for(count: int) -> int:
    """Smallest prefix holding ``count`` addresses."""
    return 32 - max(0, (count - 1).bit_length())


# Blocks per pool: fabric x (leaf, spine, core, spare) loopbacks; fabric x (leaf-spine x2,
# spine-core, leaf-leaf) /31s; one host block per fabric; the out-of-band pool is split below.
POOL_PARTS = {"loopbacks": 4 * 4, "fabric_links": 4 * 4, "host_subnets": 4, "oob": 1}
# Where a pool the design does not give may move when its default is too small: RFC 1918's 10/8.
AUTO_SPACE = (10 << 24, 1 << 24)
# Out-of-band pool: the first half for nodes (gateway and spares first), the second half in one
# block per fabric and role (leaf, spine, core, appliance).
OOB_NODE_FIRST = 16
OOB_SWITCH_BLOCKS = 4 * 4

Demand = dict[str, list[tuple[int, str]]]


def _block_devices(fabric: str, role: str, appliances: Sequence[Device],
                   switches_by_fabric: Mapping[str, Mapping[str, Sequence[Device]]]) -> list[Device]:
    """The devices of one out-of-band address block: a fabric's switches of one tier, or its
    appliances (the out-of-band fabric's block also holds the PDUs, after its own appliances)."""
    if role != "appliance":
        return list(switches_by_fabric.get(fabric, {}).get(role, []))
    own = [a for a in appliances if a.fabric == fabric and a.role != PDU_ROLE]
    return own + (_pdus(appliances, spine_racks=True) if fabric == "oob" else [])


def _pdus(devices: Sequence[Device], spine_racks: bool) -> list[Device]:
    """The PDUs of the spine groups' racks, or of the SU rows' racks in SU order: each list only
    grows at its end as the pod grows (a new SU's racks come after the others)."""
    found = [d for d in devices if d.role == PDU_ROLE and (d.su is None) == spine_racks]
    return found if spine_racks else sorted(found, key=lambda d: d.su)


def demands(builds: Mapping[str, FabricBuild], nodes: Sequence[Device], appliances: Sequence[Device],
            switches_by_fabric: Mapping[str, Mapping[str, Sequence[Device]]]) -> Demand:
    """Addresses each pool must hold in each of its blocks, with what needs them.

    One table that both sizes the pools a design leaves to the planner and checks the pools it
    gives, so the two can never disagree about what fits."""
    out: Demand = {name: [] for name in POOL_PARTS}
    last_slot = max((n.global_slot for n in nodes), default=0)
    row_pdus = len(_pdus(appliances, spine_racks=False))
    out["oob"].append((2 * (OOB_NODE_FIRST + last_slot + 1 + row_pdus), "%d GPU nodes%s" % (
        len(nodes), " and %d PDUs" % row_pdus if row_pdus else "")))
    for fname in FABRIC_ORDER:
        for role in ("leaf", "spine", "core", "appliance"):
            devs = _block_devices(fname, role, appliances, switches_by_fabric)
            if devs:
                out["oob"].append((2 * OOB_SWITCH_BLOCKS * (len(devs) + 1), "%d %s %s devices" % (
                    len(devs), fname, role)))
    for build in builds.values():
        s, fab = build.sizing, build.spec.name
        if build.spec.kind == "infiniband":
            column_nodes = s.sus * s.nodes_per_su
            out["host_subnets"].append(((column_nodes * s.per_column + 2) * s.width, "IPoIB for %d rails of %d "
                                        "nodes (%s)" % (s.width, column_nodes, fab)))
            continue
        if build.spec.host_addressing == "mlag_bond":
            pairs = len(build.leaves) // 2
            out["host_subnets"].append((_mlag_block(s) * pairs, "%d MLAG pairs x %d host addresses (%s)" % (
                pairs, _mlag_block(s), fab)))
            out["fabric_links"].append((2 * pairs, "%d MLAG peer links of fabric %s" % (pairs, fab)))
        else:
            per_leaf = _leaf_block(build)
            out["host_subnets"].append((per_leaf * len(build.leaves), "%d leaves x %d host addresses (%s)" % (
                len(build.leaves), per_leaf, fab)))
            if s.peer_links:
                out["fabric_links"].append((2 * len(build.leaves) * s.peer_links, "%d leaf-leaf links of "
                                            "fabric %s" % (len(build.leaves) * s.peer_links, fab)))
        for role, devs in (("leaf", build.leaves), ("spine", build.spines), ("core", build.cores)):
            if devs:
                out["loopbacks"].append((len(devs) + 1, "%d %s switches of fabric %s" % (len(devs), role, fab)))
        # Leaf-spine /31s take two blocks: a block holds half of them.
        out["fabric_links"].append((len(build.leaves) * s.uplinks, "%d leaf-spine links of fabric %s" % (
            len(build.leaves) * s.uplinks, fab)))
        out["fabric_links"].append((2 * len(build.spines) * s.spine_uplinks, "%d spine-core links of fabric %s" % (
            len(build.spines) * s.spine_uplinks, fab)))
    return out


def resolve_pools(design: Design, demand: Demand, notices: list[Notice]) -> dict[str, Pool]:
    """The four pools of the plan: those the design gives, checked against ``demand``; the others at
    their schema default when it fits, else grown (and, if need be, moved within 10.0.0.0/8) to the
    smallest size that does, with a notice that says so. A given pool too small is an error naming
    it: the planner never overrides what the user wrote."""
    given = design.pools_given
    pools = {name: Pool(name, design.addressing[name], parts)
             for name, parts in POOL_PARTS.items() if name in given}
    chosen = list(pools.values())
    overlaps = ["addressing.%s: %s overlaps addressing.%s (%s); pools must be disjoint" % (
        x.name, x.cidr, y.name, y.cidr) for i, x in enumerate(chosen) for y in chosen[i + 1:] if x.overlaps(y)]
    if overlaps:
        raise DesignError(overlaps)
    for pool in chosen:
        for used, what in demand[pool.name]:
            pool.need(used, what)
    for name, parts in POOL_PARTS.items():
        if name in given:
            continue
        default = Pool(name, design.addressing[name], parts)
        most = max((used for used, _what in demand[name]), default=0)
        size = max(default.block_size, 1 << max(0, (most - 1).bit_length())) * parts
        first = _free_block(size, default.first, list(pools.values()))
        if first is None:
            raise DesignError(field("addressing." + name, "this plan needs a /%d for it and 10.0.0.0/8 has none "
                                    "left beside the other pools; give the pools in the design" % (
                                        33 - size.bit_length())))
        pool = Pool(name, "%s/%d" % (ntoa(first), 33 - size.bit_length()), parts)
        if pool.cidr != default.cidr:
            why = ("is too small for this plan (%s)" % max(demand[name])[1] if size > default.size
                   else "overlaps a pool the design gives")
            notices.append(Notice("addressing." + name, "the default pool %s %s; planned with %s" % (
                default.cidr, why, pool.cidr), "write addressing.%s: %s (or larger) into the design so that "
                "addresses stay where they are as it grows" % (name, pool.cidr)))
        pools[name] = pool
    return pools


def _free_block(size: int, preferred: int, taken: Sequence[Pool]) -> int | None:
    """First address of a ``size``-aligned block that overlaps no pool in ``taken``: the one holding
    ``preferred`` if free, else the lowest free one in 10.0.0.0/8."""
    start, span = AUTO_SPACE
    candidates = [preferred - preferred % size] + list(range(start, start + span, size))
    for first in candidates:
        if not any(first < p.first + p.size and p.first < first + size for p in taken):
            return first
    return None


def assign(design: Design, builds: Mapping[str, FabricBuild], nodes: Sequence[Device], appliances: Sequence[Device],
           switches_by_fabric: Mapping[str, Mapping[str, Sequence[Device]]]) -> list[Notice]:
    """Write addresses, loopbacks, ASNs and BGP neighbours into the devices of the plan; return
    the notices about pools the planner had to size itself."""
    notices: list[Notice] = []
    pools = resolve_pools(design, demands(builds, nodes, appliances, switches_by_fabric), notices)
    loop, p2p, hosts, oob = (pools[name] for name in ("loopbacks", "fabric_links", "host_subnets", "oob"))
    # Management: gateway first; nodes, then switches in blocks per fabric and role, appliances last.
    base = oob.first
    node_block = oob.size // 2
    plen = _prefix_for(oob.size)
    for node in nodes:
        node.mgmt_address = "%s/%d" % (ntoa(base + OOB_NODE_FIRST + node.global_slot), plen)
    # The PDUs of the SU rows count down from the top of the nodes' half, so neither moves the other.
    for k, pdu in enumerate(_pdus(appliances, spine_racks=False)):
        pdu.mgmt_address = "%s/%d" % (ntoa(base + node_block - 1 - k), plen)
    sw_block = node_block // OOB_SWITCH_BLOCKS
    for fi, fname in enumerate(FABRIC_ORDER):
        for ri, role in enumerate(("leaf", "spine", "core", "appliance")):
            devs = _block_devices(fname, role, appliances, switches_by_fabric)
            start = base + node_block + (fi * 4 + ri) * sw_block
            for j, d in enumerate(devs, start=1):
                d.mgmt_address = "%s/%d" % (ntoa(start + (j if role == "appliance" else d.index)), plen)
    for fi, fname in enumerate(FABRIC_ORDER):
        build = builds.get(fname)
        if build is None:
            continue
        spec = build.spec
        hblock, hsize = hosts.block(fi)
        if spec.kind == "infiniband":
            _ipoib(build, hblock, hsize)
            continue
        if spec.host_addressing == "mlag_bond":
            _mlag(build, hblock, p2p, fi, nodes)
        else:
            _host_links(build, hblock)
        _loopbacks(build, loop, fi)
        _p2p(build, p2p, fi)
        _bgp(design, build)
    return notices


def _ipoib(build: FabricBuild, hblock: int, hsize: int) -> None:
    """IPoIB: one subnet per rail (column) across the fabric; a node's address follows its slot."""
    s = build.sizing
    per = hsize // max(1, s.width * s.planes)
    plen = _prefix_for(per)
    for leaf in build.leaves:
        # One subnet per rail and plane (plane-major): planes are separate InfiniBand subnets.
        position = in_plane(int(leaf.index), s.planes)
        column = position % s.leaves_per_su // s.leaves_per_column + ((leaf.plane or 1) - 1) * s.width
        start = hblock + column * per
        leaf.host_subnets = ["%s/%d" % (ntoa(start), plen)]
        k = position % s.leaves_per_column
        su = leaf.su
        for iface in leaf.interfaces:
            if iface.role != "downlink":
                continue
            # Position of the port across the fabric for this column.
            pos = ((su - 1) * s.leaves_per_column + k) * s.downlinks + iface.port_number
            _host_side(iface, "%s/%d" % (ntoa(start + pos), plen), None)


def _host_side(leaf_iface: Interface, address: str, gateway: str | None) -> None:
    iface = leaf_iface.peer
    iface.address = address
    iface.gateway = gateway


def _leaf_block(build: FabricBuild) -> int:
    """Host addresses per leaf: a /31 per downlink, or one subnet for the downlinks, network,
    gateway and broadcast."""
    downlinks = build.sizing.downlinks
    if build.spec.host_addressing == "p2p":
        return 2 * downlinks
    return 1 << (32 - _prefix_for(downlinks + 3))


def _host_links(build: FabricBuild, hblock: int) -> None:
    """Ethernet host addressing: a subnet per leaf (leaf is gateway) or a /31 per NIC."""
    per_leaf = _leaf_block(build)
    plen = 31 if build.spec.host_addressing == "p2p" else _prefix_for(per_leaf)
    for leaf in build.leaves:
        start = hblock + (leaf.index - 1) * per_leaf
        if build.spec.host_addressing != "p2p":
            leaf.host_subnets = ["%s/%d" % (ntoa(start), plen)]
            leaf.gateway_address = "%s/%d" % (ntoa(start + 1), plen)
        for iface in leaf.interfaces:
            if iface.role != "downlink":
                continue
            if build.spec.host_addressing == "p2p":
                net = start + 2 * (iface.port_number - 1)
                iface.address = "%s/31" % ntoa(net)
                leaf.host_subnets.append("%s/31" % ntoa(net))
                _host_side(iface, "%s/31" % ntoa(net + 1), ntoa(net))
            else:
                _host_side(iface, "%s/%d" % (ntoa(start + 1 + iface.port_number), plen),
                           ntoa(start + 1))


# MLAG identities (host_addressing mlag_bond). The system MAC a pair shares is taken from the range
# the Cumulus Linux user guide ("Multi-Chassis Link Aggregation - MLAG") reserves for it,
# 44:38:39:ff:00:00 to 44:38:39:ff:ff:ff, unique per pair; the virtual gateway's MAC is the VRRP MAC
# 00:00:5e:00:01:01 the DGX BasePOD Deployment Guide sets on the SN4600C pair's VRR gateway.
MLAG_MAC_BASE = 0x443839ff0000
MLAG_PAIRS_PER_FABRIC = 4096
VIRTUAL_GATEWAY_MAC = "00:00:5e:00:01:01"
HOST_BOND_MODE = "802.3ad"


def _mac(value: int) -> str:
    return ":".join("%02x" % ((value >> (8 * i)) & 255) for i in range(5, -1, -1))


def _mlag_block(s: Sizing) -> int:
    """Host addresses per MLAG pair: network, virtual gateway, the two leaves, hosts, broadcast."""
    return 1 << (32 - _prefix_for(s.downlinks + 5))


def _mlag(build: FabricBuild, hblock: int, p2p: Pool, fi: int, nodes: Sequence[Device]) -> None:
    """MLAG leaf pairs: one host subnet per pair behind a virtual gateway both leaves answer (own
    addresses .2 and .3 beside it), a /31 on the peer link for the pair's control session, and each
    node's two ports one LACP bond (same MLAG id on both leaves: the node's downlink port number)."""
    s = build.sizing
    fab = build.spec.name
    pairs = mlag_pairs(s, build.leaves)
    per_pair = _mlag_block(s)
    plen = _prefix_for(per_pair)
    ll_first, _size = p2p.block(fi * 4 + 3)
    if len(pairs) > MLAG_PAIRS_PER_FABRIC - 1:
        raise DesignError(field("fabrics.%s.host_addressing" % fab, "%d MLAG pairs exceed the %d system MACs "
                                "a fabric has; choose subnet_per_leaf" % (len(pairs), MLAG_PAIRS_PER_FABRIC - 1)))
    by_name = {n.name: n for n in nodes}
    by_name.update((d.name, d) for d in build.appliances)
    for pi, (a, b) in enumerate(pairs):
        start = hblock + pi * per_pair
        vip = "%s/%d" % (ntoa(start + 1), plen)
        link = ll_first + 2 * pi
        bonds: dict[str, dict[str, Any]] = {}
        for leaf in (a, b):
            leaf.host_subnets = ["%s/%d" % (ntoa(start), plen)]
            leaf.gateway_address = "%s/%d" % (ntoa(start + (2 if leaf is a else 3)), plen)
            for iface in leaf.interfaces:
                if iface.role == "downlink":
                    entry = bonds.setdefault(iface.peer_device, {"id": iface.port_number, "ports": {}})
                    entry["ports"][leaf.name] = iface
        for node_name, entry in sorted(bonds.items(), key=lambda kv: kv[1]["id"]):
            node = by_name[node_name]
            ends = entry["ports"]
            members = [ends[leaf.name].peer.name for leaf in (a, b) if leaf.name in ends]
            record = {"name": "bond%d" % len(node.bonds or []), "fabric": fab, "role": FABRIC_NIC_ROLE[fab],
                      "mode": HOST_BOND_MODE, "members": members,
                      "address": "%s/%d" % (ntoa(start + 3 + entry["id"]), plen), "gateway": ntoa(start + 1),
                      "mtu": build.spec.host_mtu, "peer_devices": [leaf.name for leaf in (a, b) if leaf.name in ends],
                      "mlag_id": entry["id"]}
            node.bonds = (node.bonds or []) + [record]
            entry["bond"] = record["name"]
        for leaf, other, local, remote in ((a, b, link, link + 1), (b, a, link + 1, link)):
            leaf.mlag = {
                "pair": pi + 1, "role": "primary" if leaf is a else "secondary", "peer_device": other.name,
                "peer_links": [i.name for i in leaf.interfaces if i.role == "peer" and i.peer_device == other.name],
                "system_mac": _mac(MLAG_MAC_BASE + fi * MLAG_PAIRS_PER_FABRIC + pi + 1),
                "local_address": "%s/31" % ntoa(local), "peer_address": ntoa(remote),
                "peer_mgmt_address": _bare(other.mgmt_address),
                "virtual_gateway": vip, "virtual_mac": VIRTUAL_GATEWAY_MAC,
                "bonds": [{"id": e["id"], "members": [e["ports"][leaf.name].name], "peer_device": n,
                           "peer_port": e["ports"][leaf.name].peer_port, "host_bond": e["bond"]}
                          for n, e in sorted(bonds.items(), key=lambda kv: kv[1]["id"]) if leaf.name in e["ports"]]}


def _loopbacks(build: FabricBuild, loop: Pool, fi: int) -> None:
    for ri, devs in enumerate((build.leaves, build.spines, build.cores)):
        first, size = loop.block(fi * 4 + ri)
        for d in devs:
            d.loopback = "%s/32" % ntoa(first + d.index)


def _p2p(build: FabricBuild, p2p: Pool, fi: int) -> None:
    """A /31 per switch-to-switch link, keyed on the lower-tier end's number and port."""
    s = build.sizing
    ls_first, ls_size = p2p.block(fi * 4)
    ls_size *= 2                                   # leaf-spine uses two blocks
    sc_first, sc_size = p2p.block(fi * 4 + 2)
    ll_first, ll_size = p2p.block(fi * 4 + 3)
    for leaf in build.leaves:
        for iface in leaf.interfaces:
            if iface.role == "uplink":
                j = iface.port_number - s.uplink_base - 1
                net = ls_first + 2 * ((leaf.index - 1) * s.uplinks + j)
            elif iface.role == "peer" and build.spec.host_addressing != "mlag_bond":
                j = iface.port_number - s.downlinks - 1
                net = ll_first + 2 * ((leaf.index - 1) * max(1, s.peer_links) + j)
                if in_plane(int(leaf.index), s.planes) % 2:
                    continue                       # the lower-numbered leaf of a pair allocates
            else:
                continue
            _pair(iface, net)
    for spine in build.spines:
        half = s.sus_per_pod * s.leaves_per_su * s.links_per_leaf_spine
        for iface in spine.interfaces:
            if iface.role == "uplink":
                j = iface.port_number - half - 1
                _pair(iface, sc_first + 2 * ((spine.index - 1) * s.spine_uplinks + j))


def _pair(iface: Interface, net: int) -> None:
    """Address both ends of a switch-to-switch link: this end even, the peer odd."""
    iface.address = "%s/31" % ntoa(net)
    iface.peer.address = "%s/31" % ntoa(net + 1)


def _bgp(design: Design, build: FabricBuild) -> None:
    """ASNs and BGP sessions of a routed fabric: one per switch-to-switch link."""
    s = build.sizing
    fmt = design.addressing.get("asn_format", "auto")
    if fmt == "auto":
        fmt = "2byte" if len(build.leaves) <= ASN2["last"] - ASN2["leaf"] + 1 and s.pods * s.planes < 99 else "4byte"
    asn = ASN2 if fmt == "2byte" else ASN4
    if fmt == "2byte" and len(build.leaves) > ASN2["last"] - ASN2["leaf"] + 1:
        raise DesignError(field("addressing.asn_format", "%d leaves do not fit private 2-byte ASNs; use auto "
                                "or 4byte" % len(build.leaves)))
    for leaf in build.leaves:
        leaf.asn = asn["leaf"] + leaf.index - 1
    for spine in build.spines:
        # Spines of a pod share an ASN; each plane's pods have their own, interleaved as the
        # devices' indices are so that a pod added later moves no ASN.
        spine.asn = asn["spine"] + (spine.pod - 1) * s.planes + (spine.plane or 1) - 1
    for core in build.cores:
        core.asn = asn["core"]
    devices = {d.name: d for d in build.leaves + build.spines + build.cores}
    for d in devices.values():
        neighbors: list[dict[str, Any]] = []
        for iface in d.interfaces:
            if iface.role not in ("uplink", "downlink", "peer") or iface.peer_device not in devices:
                continue
            if iface.role == "peer" and not iface.peer.address:
                continue                           # an MLAG peer link: layer 2, no BGP session
            peer = devices[iface.peer_device]
            neighbors.append({"interface": iface.name, "address": _bare(iface.peer.address),
                              "peer_device": peer.name, "peer_port": iface.peer_port, "peer_asn": peer.asn})
        advertise = [d.loopback] + (list(d.host_subnets) if d.role == "leaf" else [])
        if d.role == "leaf":
            ecmp = s.uplinks or s.peer_links
        elif d.role == "spine":
            ecmp = max(s.links_per_leaf_spine, s.spine_uplinks)
        else:
            ecmp = s.links_per_spine_core
        d.bgp = {"asn": d.asn, "router_id": cast(str, d.loopback).split("/")[0], "ecmp": max(1, ecmp),
                 "neighbors": neighbors, "advertise": advertise}


def _bare(cidr: str | None) -> str | None:
    return cidr.split("/", 1)[0] if cidr else None
