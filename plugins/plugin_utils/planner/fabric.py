# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fabric sizing and wiring: a folded Clos (fat tree) from the switch radix and oversubscription.

The rules, for every fabric alike (compute, storage, in-band, OOB):

* Nodes are grouped in scalable units (SUs); each SU has ``width`` leaf columns: one per rail when
  the fabric is rail-optimized (NIC r of every node goes to rail r's leaves), else a leaf pair
  over which a node's ports alternate. The fabric is built for whole SUs, so a partly filled last
  SU still gets all its leaves and uplinks.
* A leaf's ports split into downlinks and uplinks by the oversubscription ratio.
* Every leaf connects to every spine of its group with the same number of links, so the spine
  count divides a leaf's uplinks; the fewest spines that have enough ports win.
* When one spine layer cannot reach every leaf, leaves and spines form pods of whole SUs and a
  core layer joins them: spine s of every pod connects to core group s, again balanced. Uplinks
  over breakout downlinks run at the native speed, unless the breakout speed keeps two tiers
  where the native one would need the core layer (``size``).

Published check: DGX SuperPOD H100 (RA-11333-001) compute fabric on QM9700 (64 ports): 1 SU =
8 leaves + 4 spines, 4 SU = 32 leaves + 16 spines. The planner derives both from these rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Sequence, cast

from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import naming, placement
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_NIC_ROLE, MGMT_ROLE
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Interface, Link

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import SwitchModel
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design, FabricSpec
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.placement import ApplianceSlot


@dataclass(frozen=True)
class Sizing:
    """Every number of one fabric; the wiring below follows from these alone."""

    fabric: str
    tiers: int
    link_speed: float
    split: int              # breakout of switch cages (1 = none)
    uplink_split: int
    ports_per_node: int     # NIC ports of one node on this fabric
    width: int              # leaf columns per SU (rails, or 2 for a leaf pair)
    per_column: int         # node ports of one node per column
    nodes_per_su: int
    sus: int
    leaves_per_column: int
    leaves_per_su: int
    leaves: int
    downlinks: int          # planned downlinks per leaf
    down_max: int           # downlinks a leaf has room for at this oversubscription
    uplinks: int            # uplinks per leaf
    uplink_speed: float     # Gb/s of a leaf uplink (the switch's separate uplink ports, if it has them)
    uplink_base: int        # port number before the first uplink
    spines_per_group: int
    links_per_leaf_spine: int
    sus_per_pod: int
    pods: int
    spine_uplinks: int
    cores_per_group: int
    links_per_spine_core: int
    peer_links: int
    planes: int = 1         # independent planes; every count above is one plane's

    @property
    def spines(self) -> int:
        return self.spines_per_group * self.pods if self.tiers > 1 else 0

    @property
    def cores(self) -> int:
        return self.cores_per_group * self.spines_per_group if self.tiers == 3 else 0


def _fewest_dividing(total: int, minimum: int, need_ports: float, ports: int) -> int | None:
    """Fewest n >= minimum that divides ``total`` with n * ports >= need_ports, or None."""
    for n in range(max(1, minimum), total + 1):
        if total % n == 0 and n * ports >= need_ports:
            return n
    return None


def size(design: Design, spec: FabricSpec, reserved_slots: int = 0, end_slots: int = 0) -> Sizing:
    """Size fabric ``spec`` of ``design`` for its nodes, the ``reserved_slots`` of SU 1 and the
    ``end_slots`` after the last node (appliances, management ports); raise DesignError with the
    field to change when it cannot.

    Uplinks over breakout downlinks default to the switch's native speed, which halves the
    uplinks. But a spine reaches twice as many leaves at the breakout speed (a twin-port module in
    a leaf cage feeds two spines), so where native uplinks would need a core tier and
    breakout-speed ones keep two tiers, two tiers win: no core switches, two hops fewer. That is
    how the DGX SuperPOD B300 Spectrum-4 RA's 16-SU row has 128 leaves and 64 SN5600 spines per
    plane (Table 3: 256 and 128 in two planes, 8,192 leaf-spine cables, one per leaf uplink cage).
    ``uplink_speed_gbps`` in the design always decides (sizing_notices says which was taken).
    """
    sizing = _size(design, spec, reserved_slots, end_slots)
    if (sizing.tiers == 3 and spec.tiers == "auto" and spec.uplink_speed_gbps is None
            and sizing.uplink_speed > sizing.link_speed):
        try:
            flat = _size(design, replace(spec, uplink_speed_gbps=sizing.link_speed), reserved_slots, end_slots)
        except DesignError:
            return sizing
        if flat.tiers == 2:
            return flat
    return sizing


def _size(design: Design, spec: FabricSpec, reserved_slots: int, end_slots: int) -> Sizing:
    """``size`` at the uplink speed ``spec`` gives, else the native one (Ethernet)."""
    catalog = design.catalog
    where = "fabrics.%s" % spec.name
    server = catalog.servers[design.node_model]
    nic = server.nics[FABRIC_NIC_ROLE[spec.name]]
    leaf = catalog.switches[spec.switch]
    spine = catalog.switches[spec.spine_switch]
    # Link speed: the NIC's (its share in each plane), on a breakout of the switch where it has
    # one; a NIC faster than the switch runs at the switch's speed.
    planes = spec.planes
    if planes > 1 and nic.speed_gbps % planes:
        raise DesignError(field(where + ".planes", "the %s NICs of %s run at %g Gb/s, which does not split "
                                "evenly into %d planes; choose planes that divide it" % (
                                    FABRIC_NIC_ROLE[spec.name], server.id, nic.speed_gbps, planes)))
    speed = min(nic.speed_gbps / planes, leaf.speed_gbps)
    radix, split = leaf.radix_at(speed)
    if not radix:
        raise DesignError(field(where + ".switch", "%s has no %g Gb/s ports or breakouts for the %s NICs of %s "
                                "(ports: %g Gb/s%s); choose another switch" % (
                                    leaf.id, speed, FABRIC_NIC_ROLE[spec.name], server.id, leaf.speed_gbps,
                                    "".join(", %d x %g" % b for b in leaf.breakouts))))
    separate_uplinks = leaf.raw.get("uplink_ports")
    p = nic.ports
    width = p if spec.rail_optimized else min(p, 2)
    per_column = int(math.ceil(p / float(width)))
    over = spec.oversubscription
    tiers_wanted = spec.tiers
    # MLAG (host_addressing mlag_bond): two peer-link ports per leaf, after the downlinks, as the
    # DGX BasePOD Deployment Guide's SN4600C pair bonds swp63,swp64 as its peerlink.
    peer_links = 2 if spec.host_addressing == "mlag_bond" else 0
    up_speed, up_radix, up_split = 0.0, 0, 0
    if tiers_wanted != 1 and not separate_uplinks:
        # Uplinks at the speed the design gives, else, on Ethernet, at the leaf's native port
        # speed: 800G above 400G breakout downlinks on an SN5600, as the published DGX SuperPOD
        # B300 tables count them. InfiniBand keeps the downlink speed (NDR200 leaves uplink at
        # NDR200: its port names do not mix the two speeds).
        up_speed = spec.uplink_speed_gbps or (leaf.speed_gbps if leaf.kind == "ethernet" else speed)
        up_radix, up_split = leaf.radix_at(up_speed)
        if not up_radix:
            raise DesignError(field(where + ".uplink_speed_gbps", "%s has no %g Gb/s ports or breakouts for the "
                                    "leaf uplinks (ports: %g Gb/s%s)" % (
                                        leaf.id, up_speed, leaf.speed_gbps,
                                        "".join(", %d x %g" % b for b in leaf.breakouts))))
        if leaf.kind == "infiniband" and up_speed != speed:
            # The plan names InfiniBand ports IB1/<n>, n the port number ibnetdiscover prints. A
            # leaf with split and unsplit cages has two numberings (MLNX-OS: 1/<cage>/<port> and
            # 1/<cage>/<port>/<split> on Quantum-2), and which numbers the SM gives split ports
            # was not found in a vendor document: refuse rather than invent them.
            raise DesignError(field(where + ".uplink_speed_gbps", "InfiniBand leaves run one port speed in "
                                    "this plan: %g Gb/s uplinks beside %g Gb/s downlinks would mix split and "
                                    "unsplit ports, whose port numbers the plan does not know; leave "
                                    "uplink_speed_gbps out (uplinks at %g Gb/s)" % (up_speed, speed, speed)))
    if tiers_wanted == 1:
        peer_links = 2 if width > 1 else 0
        down_max = radix - peer_links
    elif separate_uplinks:
        down_max = radix - peer_links
    elif up_speed == speed:
        down_max = radix - peer_links - int(math.ceil((radix - peer_links) / (over + 1.0)))
    else:
        # Two speeds: the downlinks' cages (split `split`) and the uplinks' (split `up_split`) share
        # the switch. The most downlinks whose cages leave room for the uplinks they need.
        down_max = radix - peer_links
        while down_max > 0 and (int(math.ceil((down_max + peer_links) / float(split))) * up_split
                                + int(math.ceil(down_max * speed / (over * up_speed))) > up_radix):
            down_max -= 1
    if tiers_wanted == 1 and width > 2:
        raise DesignError(field(where + ".tiers", "tiers: 1 is one switch pair, but %s has %d rails; use "
                                "tiers: auto or rail_optimized: false" % (server.id, width)))
    nodes_per_su = spec.nodes_per_su or max(1, down_max // per_column)
    slots = design.node_count + reserved_slots + end_slots
    if tiers_wanted == 1 and slots > nodes_per_su:
        raise DesignError(field(where + ".nodes_per_su", "tiers: 1 serves one scalable unit, but %d nodes "
                                "exceed nodes_per_su %d; raise it or use tiers: auto" % (
                                    design.node_count, nodes_per_su)))
    leaves_per_column = int(math.ceil(nodes_per_su * per_column / float(down_max)))
    downlinks = int(math.ceil(nodes_per_su * per_column / float(leaves_per_column)))
    sus = int(math.ceil(slots / float(nodes_per_su)))
    leaves_per_su = leaves_per_column * width
    leaves = leaves_per_su * sus
    if spec.host_addressing == "mlag_bond" and (width != 2 or leaves_per_su % 2):
        raise DesignError(field(where + ".host_addressing", "mlag_bond pairs the leaves of a scalable unit, "
                                "but %s gives %d leaves per SU; choose subnet_per_leaf" % (server.id, leaves_per_su)))
    values: dict[str, Any] = dict(
        planes=planes, fabric=spec.name, link_speed=speed, split=split, ports_per_node=p, width=width,
        per_column=per_column, nodes_per_su=nodes_per_su, sus=sus,
        leaves_per_column=leaves_per_column, leaves_per_su=leaves_per_su, leaves=leaves,
        downlinks=downlinks, down_max=down_max, peer_links=peer_links)
    if tiers_wanted == 1:
        if leaves_per_column > 1:
            raise DesignError(field(where + ".tiers", "one switch per column cannot serve %d nodes on %s "
                                    "(%d ports); use tiers: auto" % (design.node_count, leaf.id, radix)))
        return Sizing(tiers=1, uplink_split=1, uplinks=0, uplink_speed=speed, uplink_base=downlinks,
                      spines_per_group=0,
                      links_per_leaf_spine=0, sus_per_pod=sus, pods=1, spine_uplinks=0, cores_per_group=0,
                      links_per_spine_core=0, **values)
    if separate_uplinks:
        up_speed = float(separate_uplinks["speed_gbps"])
        up_ports = int(separate_uplinks["count"])
        uplink_base = radix
    else:
        if up_speed == speed:
            up_ports, uplink_base = radix - downlinks - peer_links, downlinks + peer_links
        else:
            # Uplink ports are numbered at their own split, after the cages the downlinks and peer
            # links take (a cage is never shared by the two speeds).
            cages_used = int(math.ceil((downlinks + peer_links) / float(split)))
            uplink_base = cages_used * up_split
            up_ports = up_radix - uplink_base
    uplinks = int(math.ceil(downlinks * speed / (over * up_speed)))
    uplinks = max(uplinks, spec.min_spines)
    if uplinks > up_ports:
        raise DesignError(field(where + ".oversubscription", "a leaf of %s with %d downlinks needs %d uplinks "
                                "but has %d ports left%s; raise the oversubscription or lower nodes_per_su" % (
                                    leaf.id, downlinks, uplinks, up_ports,
                                    " (%d go to the MLAG peer link)" % peer_links if peer_links else "")))
    spine_radix, uplink_split = spine.radix_at(up_speed)
    if not spine_radix:
        raise DesignError(field(where + ".spine_switch", "%s%s has no %g Gb/s ports for the leaf uplinks; set "
                                "spine_switch to a switch that has them%s" % (
                                    spine.id, "" if spec.spine_switch != spec.switch else
                                    " (the leaf switch: spine_switch is not set)", up_speed,
                                    "" if separate_uplinks else ", or uplink_speed_gbps to a speed both run")))
    values.update(link_speed=speed, uplink_split=uplink_split, uplinks=uplinks, uplink_speed=up_speed,
                  uplink_base=uplink_base)
    # Two tiers: one spine group reaches every leaf.
    if tiers_wanted in ("auto", 2):
        n = _fewest_dividing(uplinks, spec.min_spines, leaves * uplinks, spine_radix)
        if n is not None:
            return Sizing(tiers=2, spines_per_group=n, links_per_leaf_spine=uplinks // n, sus_per_pod=sus,
                          pods=1, spine_uplinks=0, cores_per_group=0, links_per_spine_core=0, **values)
        if tiers_wanted == 2:
            raise DesignError(field(where + ".tiers", "one spine layer of %s (%d ports) cannot reach %d leaves "
                                    "of %d uplinks; use tiers: auto or 3" % (
                                        spine.id, spine_radix, leaves, uplinks)))
    # Three tiers: pods of whole SUs, spine ports half down, half up (non-blocking at the spine).
    half = spine_radix // 2
    sus_per_pod = max(1, half // leaves_per_su)
    if leaves_per_su > half:
        raise DesignError(field(where + ".nodes_per_su", "a scalable unit of %d leaves does not fit under "
                                "spines of %d ports; lower nodes_per_su" % (leaves_per_su, spine_radix)))
    pod_leaves = sus_per_pod * leaves_per_su
    # Never None: the leaves of a pod fit under half the spine ports (checked just above).
    per_pod = cast(int, _fewest_dividing(uplinks, spec.min_spines, pod_leaves * uplinks, half))
    pods = int(math.ceil(sus / float(sus_per_pod)))
    k = uplinks // per_pod
    spine_uplinks = pod_leaves * k
    cores = _fewest_dividing(spine_uplinks, 1, pods * spine_uplinks, spine_radix)
    if cores is None:
        most = spine_radix * sus_per_pod
        raise DesignError(field(where + ".switch", "%d scalable units exceed what three tiers of %s reach "
                                "(at most %d SUs); choose a switch of higher radix" % (sus, spine.id, most)))
    return Sizing(tiers=3, spines_per_group=per_pod, links_per_leaf_spine=k, sus_per_pod=sus_per_pod, pods=pods,
                  spine_uplinks=spine_uplinks, cores_per_group=cores,
                  links_per_spine_core=spine_uplinks // cores, **values)


class FabricBuild(object):
    """The switches, appliances and links of one fabric, with every port named."""

    def __init__(self, sizing: Sizing, spec: FabricSpec) -> None:
        self.sizing: Sizing = sizing
        self.spec: FabricSpec = spec
        self.leaves: list[Device] = []
        self.spines: list[Device] = []
        self.cores: list[Device] = []
        self.appliances: list[Device] = []
        self.links: list[Link] = []


def build(design: Design, spec: FabricSpec, sizing: Sizing, nodes: Sequence[Device],
          appliance_slots: Sequence[ApplianceSlot] = (), management: Sequence[ApplianceSlot] = (),
          shift: int = 0) -> FabricBuild:
    """Create switches and links of one fabric, then record the port structure of its switches.
    ``shift``: positions a fabric other than compute reserves at the end of its SU 1."""
    out = _wire(design, spec, sizing, nodes, appliance_slots, management, shift)
    catalog = design.catalog
    if catalog.switches[spec.switch].kind == "ethernet":
        shared: dict[Any, Any] = {}
        for dev in out.leaves + out.spines + out.cores:
            dev.breakouts = port_structure(dev, catalog.switches[dev.model], shared)
    return out


def port_structure(dev: Device, model: SwitchModel, shared: dict[Any, Any] | None = None) -> list[dict[str, Any]]:
    """One record per broken-out cage of switch ``dev``: the cage, the port a breakout is set on,
    the ways and the platform's mode name, and every member with its index and lanes.

    Derived once here from the catalog's port layout (vendor platform data); the renderers and the
    invariants read these records instead of working the cage out of port numbers again. Switches
    of one model and platform broken out alike share the same records (``shared``, read only
    after planning): a large fabric has thousands of identical leaves.
    """
    shared = {} if shared is None else shared
    cages: dict[int, tuple[int, float]] = {}
    for iface in dev.interfaces:
        split = iface.split
        if split > 1 and iface.port_number:
            cages.setdefault((iface.port_number - 1) // split + 1, (split, iface.speed_gbps))
    key = (model.id, dev.platform, tuple(sorted(cages.items())))
    records = shared.get(key)
    if records is None:
        records = shared[key] = [_cage_record(dev.platform, model, cage, split, speed, shared)
                                 for cage, (split, speed) in sorted(cages.items())]
    return cast("list[dict[str, Any]]", records)


def _cage_record(platform: str, model: SwitchModel, cage: int, split: int, speed: float,
                 shared: dict[Any, Any]) -> dict[str, Any]:
    key = (model.id, platform, cage, split, speed)
    record = shared.get(key)
    if record is None:
        layout = model.port_layout
        record = shared[key] = {
            "cage": cage, "port": platforms.cage_port_name(platform, cage, model.lanes_per_port),
            "ways": split, "speed_gbps": speed, "mode": layout.mode(split), "lanes": list(layout.lanes(cage)),
            "members": [{"name": naming.port_name(platform, (cage - 1) * split + k + 1, split, model.lanes_per_port),
                         "member": k, "lanes": list(layout.lanes(cage, split, k))} for k in range(split)]}
    return cast("dict[str, Any]", record)


def _wire(design: Design, spec: FabricSpec, sizing: Sizing, nodes: Sequence[Device],
          appliance_slots: Sequence[ApplianceSlot] = (), management: Sequence[ApplianceSlot] = (),
          shift: int = 0) -> FabricBuild:
    """Create switches and links of one fabric, plane by plane.

    ``nodes`` are gpu_node Devices with ``su``/``slot``; ``appliance_slots`` lists
    (appliance Device, port name, su, slot, port index) for appliances wired like nodes, and
    ``management`` the same for the management ports of other devices (the out-of-band fabric).
    Planes are independent copies of the same leaves and spines: plane p takes a share of every
    node port (its own host interface), and the appliances and management ports go to plane 1.
    """
    out = FabricBuild(sizing, spec)
    for plane in range(1, sizing.planes + 1):
        _wire_plane(design, spec, sizing, nodes, out, plane, appliance_slots if plane == 1 else (),
                    management if plane == 1 else (), shift)
    return out


def plane_index(in_plane: int, plane: int, planes: int) -> int:
    """Index of switch ``in_plane`` (0-based, within its plane) of plane ``plane``: the planes
    interleave, so that an index never moves as scalable units are added (docs/plan-format.md)."""
    return in_plane * planes + plane


def in_plane(index: int, planes: int) -> int:
    """The 0-based number within its plane of the switch of index ``index`` (plane_index's inverse)."""
    return (index - 1) // planes


def plane_suffix(plane: int | None) -> str:
    """What a plane adds to the name of a host port: nothing in a fabric of one plane."""
    return "-p%d" % plane if plane else ""


def _wire_plane(design: Design, spec: FabricSpec, sizing: Sizing, nodes: Sequence[Device], out: FabricBuild,
                plane: int, appliance_slots: Sequence[ApplianceSlot] = (),
                management: Sequence[ApplianceSlot] = (), shift: int = 0) -> None:
    """Wire plane ``plane`` of a fabric into ``out``: names restart in each plane and carry it;
    device indices interleave the planes (leaf i of plane p has index (i - 1) x planes + p), so
    that what is numbered by index (management and loopback addresses, host subnets, leaf ASNs,
    /31s) stays where it is when the design grows by scalable units."""
    s = sizing
    catalog = design.catalog
    leaf_model = catalog.switches[spec.switch]
    spine_model = catalog.switches[spec.spine_switch]
    nic = catalog.servers[design.node_model].nics[FABRIC_NIC_ROLE[spec.name]]
    fab = spec.name
    tag = plane if s.planes > 1 else None       # the plane, on devices and links, where there are planes
    leaves: list[Device] = []
    spines: list[Device] = []
    cores: list[Device] = []

    def name(role: str, number: int) -> str:
        return naming.switch_name(design.name, fab, role, number, tag)
    plat = spec.platform
    sw_mtu = spec.mtu
    lanes = leaf_model.lanes_per_port
    spine_lanes = spine_model.lanes_per_port

    # Leaves: index = su-major, then column, then leaf in column; stable as SUs are added.
    for su in range(1, s.sus + 1):
        for column in range(s.width):
            for k in range(s.leaves_per_column):
                index = (su - 1) * s.leaves_per_su + column * s.leaves_per_column + k
                dev = Device(name("leaf", index + 1), "leaf", leaf_model.id, plat,
                             fabric=fab, su=su, rail=column if spec.rail_optimized else None, index=plane_index(index, plane, s.planes),
                             pod=(su - 1) // s.sus_per_pod + 1, height=leaf_model.rack_units,
                             power_kw=leaf_model.power_kw)
                dev.plane = tag
                leaves.append(dev)

    def attach(host: Device, host_port: str, su: int, slot: int, port_index: int, tier: str,
               rdma: str | None = None, role: str = FABRIC_NIC_ROLE[fab]) -> None:
        column = port_index % s.width
        lane = port_index // s.width
        offset = (slot - 1) * s.per_column + lane
        k, port0 = divmod(offset, s.downlinks)
        leaf = leaves[(su - 1) * s.leaves_per_su + column * s.leaves_per_column + k]
        pname, split = naming.port_name(plat, port0 + 1, s.split, lanes), s.split
        host_end = Interface(host_port, fab, role, s.link_speed, spec.host_mtu, leaf.name, pname,
                             rail=column if spec.rail_optimized else None, rdma_device=rdma)
        leaf_end = Interface(pname, fab, "downlink", s.link_speed, sw_mtu, host.name, host_port,
                             rail=leaf.rail, port_number=port0 + 1, split=split)
        host_end.peer, leaf_end.peer = leaf_end, host_end
        host.interfaces.append(host_end)
        leaf.interfaces.append(leaf_end)
        link = Link(fab, tier, host.name, host_port, leaf.name, pname, s.link_speed, a_end=host_end)
        link.plane = host_end.plane = leaf_end.plane = tag
        out.links.append(link)

    # Host port names: the catalog's documented OS names; ports that an Ethernet fabric (RoCE)
    # runs in Ethernet mode take names_ethernet (DGX H100/H200 User Guide, Table 5 "Optional"
    # column). Without documented names the planner keeps its stable placeholders (rail0..,
    # storage0.., inband0..), which host_network refuses to render.
    group_raw = ((catalog.servers[design.node_model].raw.get("nics") or {}).get(FABRIC_NIC_ROLE[spec.name]) or {})
    eth_names = group_raw.get("names_ethernet") or ()
    use_eth = spec.kind != "infiniband" and group_raw.get("link_type") == "infiniband" and bool(eth_names)

    def host_port_name(index: int) -> str:
        if use_eth and index < len(eth_names):
            return str(eth_names[index]) + plane_suffix(tag)
        return nic.port_name(index, tag)

    for node in nodes:
        group_slot = node.slot
        su = node.su
        if spec.name != "compute":
            # Fabrics other than compute group nodes by their own SU size, by global position.
            su, group_slot = divmod(placement.fabric_position(node.global_slot, s.nodes_per_su, shift),
                                    s.nodes_per_su)
            su, group_slot = su + 1, group_slot + 1
        for p in range(s.ports_per_node):
            attach(node, host_port_name(p), su, group_slot, p, "node_leaf", nic.rdma_device(p))
    for appliance, port, su, slot, column in appliance_slots:
        attach(appliance, port, su, slot, column, "appliance_leaf")
    out.appliances = list({id(a[0]): a[0] for a in appliance_slots}.values())
    for device, port, su, slot, column in management:
        attach(device, port, su, slot, column, "mgmt_leaf", role=MGMT_ROLE)

    if s.tiers > 1 and s.peer_links:
        # MLAG peer links (host_addressing mlag_bond): the two ports after the downlinks of each pair.
        for a, b in mlag_pairs(s, leaves):
            for j in range(s.peer_links):
                number = s.downlinks + j + 1
                pa = naming.port_name(plat, number, s.split, lanes)
                _connect(out, a, pa, number, b, pa, number, s.link_speed, sw_mtu, "leaf_leaf", s.split, s.split)
    if s.tiers == 1:
        # A leaf pair with peer links between neighbouring columns, so every NIC reaches every other.
        for a, b in zip(leaves, leaves[1:]):
            for j in range(s.peer_links):
                number = s.downlinks + j + 1
                pa = naming.port_name(plat, number, s.split, lanes)
                _connect(out, a, pa, number, b, pa, number, s.link_speed, sw_mtu, "leaf_leaf", s.split, s.split)
        out.leaves.extend(leaves)
        return

    # Spines, per pod; spine index = pod-major.
    for pod in range(1, s.pods + 1):
        for j in range(s.spines_per_group):
            index = (pod - 1) * s.spines_per_group + j
            spine_dev = Device(name("spine", index + 1), "spine", spine_model.id, plat, fabric=fab,
                               index=plane_index(index, plane, s.planes), pod=pod, height=spine_model.rack_units,
                               power_kw=spine_model.power_kw)
            spine_dev.plane = tag
            spines.append(spine_dev)
    separate = leaf_model.raw.get("uplink_ports")
    up_speed = s.uplink_speed
    up_lanes = int(separate.get("lanes_per_port", lanes)) if separate else lanes

    def uplink_name(number: int) -> str:
        if separate and plat == "sonic":
            # SONiC names a port by its first lane: the uplink cages follow the downlinks' lanes.
            return "Ethernet%d" % (s.uplink_base * lanes + (number - s.uplink_base - 1) * up_lanes)
        return naming.port_name(plat, number, s.uplink_split, lanes)

    pod_leaves = s.sus_per_pod * s.leaves_per_su
    # Uplinks run on breakouts (NDR200, 4 x 200G): one fiber connector carries `uplink_split` ports,
    # and a straight fiber joins two connectors, so the ports of a connector go to the same spine
    # (and the same core) whenever the links per spine allow: in blocks of `group`, round robin.
    group = s.uplink_split if s.uplink_split > 1 and s.links_per_leaf_spine % s.uplink_split == 0 else 1
    core_group = s.uplink_split if s.uplink_split > 1 and s.links_per_spine_core % s.uplink_split == 0 else 1
    for li, leaf in enumerate(leaves):
        pod, in_pod = divmod(li, pod_leaves)
        for j in range(s.uplinks):
            block, within = divmod(j, group)
            spine_i, m = block % s.spines_per_group, block // s.spines_per_group * group + within
            spine = spines[pod * s.spines_per_group + spine_i]
            lnum = s.uplink_base + j + 1
            snum = in_pod * s.links_per_leaf_spine + m + 1
            _connect(out, leaf, uplink_name(lnum), lnum,
                     spine, naming.port_name(plat, snum, s.uplink_split, spine_lanes), snum,
                     up_speed, sw_mtu, "leaf_spine", s.uplink_split, s.uplink_split)
    out.leaves.extend(leaves)
    out.spines.extend(spines)
    if s.tiers == 2:
        return
    for g in range(s.spines_per_group):
        for c in range(s.cores_per_group):
            index = g * s.cores_per_group + c
            core_dev = Device(name("core", index + 1), "core", spine_model.id, plat, fabric=fab,
                              index=plane_index(index, plane, s.planes), height=spine_model.rack_units, power_kw=spine_model.power_kw)
            core_dev.plane = tag
            cores.append(core_dev)
    half = pod_leaves * s.links_per_leaf_spine
    for si, spine in enumerate(spines):
        pod, g = divmod(si, s.spines_per_group)
        for j in range(s.spine_uplinks):
            block, within = divmod(j, core_group)
            c, m = block % s.cores_per_group, block // s.cores_per_group * core_group + within
            core = cores[g * s.cores_per_group + c]
            snum = half + j + 1
            cnum = pod * s.links_per_spine_core + m + 1
            _connect(out, spine, naming.port_name(plat, snum, s.uplink_split, spine_lanes), snum,
                     core, naming.port_name(plat, cnum, s.uplink_split, spine_lanes), cnum,
                     up_speed, sw_mtu, "spine_core", s.uplink_split, s.uplink_split)
    out.cores.extend(cores)


def mlag_pairs(s: Sizing, leaves: Sequence[Device]) -> list[tuple[Device, Device]]:
    """The MLAG leaf pairs of a fabric of two columns: leaf k of column 0 with leaf k of column 1 of
    the same SU, which take port 0 and port 1 of the same nodes (leaves 2k-1 and 2k with one leaf per
    column). Pair i (0-based) is ``pairs[i]``; stable as SUs are added."""
    pairs = []
    for su in range(s.sus):
        base = su * s.leaves_per_su
        for k in range(s.leaves_per_column):
            pairs.append((leaves[base + k], leaves[base + s.leaves_per_column + k]))
    return pairs


def _connect(out: FabricBuild, a: Device, pa: str, na: int, b: Device, pb: str, nb: int, speed: float, mtu: int,
             tier: str, split_a: int, split_b: int) -> None:
    role_a, role_b = ("peer", "peer") if tier == "leaf_leaf" else ("uplink", "downlink")
    end_a = Interface(pa, out.spec.name, role_a, speed, mtu, b.name, pb, port_number=na, split=split_a)
    end_b = Interface(pb, out.spec.name, role_b, speed, mtu, a.name, pa, port_number=nb, split=split_b)
    end_a.peer, end_b.peer = end_b, end_a
    a.interfaces.append(end_a)
    b.interfaces.append(end_b)
    link = Link(out.spec.name, tier, a.name, pa, b.name, pb, speed, a_end=end_a)
    link.plane = end_a.plane = end_b.plane = a.plane if a.role != "gpu_node" else None
    out.links.append(link)
