# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement: nodes into scalable-unit slots, and every device into a rack.

Positions are keyed on stable identities: a node's (SU, slot), a rack's (SU, number). Racks of
an SU are sized for the full SU, so adding nodes or SUs never moves a device already placed.

* Nodes per rack: the design's value, else as many as the rack's power and units allow
  (DGX H100 at 10.2 kW in a 41 kW rack: 4, as in the SuperPOD RA's "four DGX H100 per rack").
* Each SU is one row: its compute racks, then its network racks for the SU's leaves (of every
  fabric) and appliances; a leaf goes into the SU's compute racks when room is left there.
* Spines and cores go into network racks of their own, in the row of the SUs they serve.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import (
    FABRIC_NIC_ROLE, NVLINK_SWITCH_ROLE, PDU_ROLE, SWITCH_ROLES)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import naming
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Rack

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    # (appliance, port name, su, slot, port index) and (label, devices, row).
    ApplianceSlot = tuple[Device, str, int, int, int]
    SpineGroup = tuple[str, list[Device], int]


def nodes_per_rack(design: Design) -> int:
    if design.system is not None:
        return design.catalog.systems[design.system].compute_trays     # one system, one rack
    server = design.catalog.servers[design.node_model]
    rack = design.facility["rack"]
    fit = min(int(rack["power_kw"] // server.power_kw), rack["units"] // server.rack_units)
    return int(design.nodes_per_rack or fit)


def _node_ports(design: Design, fabric: str) -> int:
    return design.catalog.servers[design.node_model].nics[FABRIC_NIC_ROLE[fabric]].ports


def appliance_ports(design: Design, fabric: str) -> int:
    """Leaf ports the appliances of ``fabric`` take."""
    return sum(design.catalog.appliances[m].ports * n for m, n in design.fabrics[fabric].appliances)


def reserved_slots(design: Design) -> int:
    """Node slots at the end of SU 1 given to the compute fabric's appliances (UFM), as the SuperPOD
    RA gives UFM one node slot: every fabric leaves these positions empty."""
    ports = appliance_ports(design, "compute")
    slots = int(math.ceil(ports / float(_node_ports(design, "compute")))) if ports else 0
    if slots and design.system is not None:
        # A rack-scale system is never split: the appliances take a whole system's positions.
        trays = design.catalog.systems[design.system].compute_trays
        slots = -(-slots // trays) * trays
    return slots


def fabric_reserved(design: Design, fabric: str) -> int:
    """Node-sized positions at the end of SU 1 that a fabric other than compute gives its own
    appliances (the compute fabric's are ``reserved_slots``): the nodes after them move up by as
    many positions in that fabric alone, so no port of a node or appliance moves as the pod grows."""
    if fabric == "compute":
        return 0
    ports = appliance_ports(design, fabric)
    return int(math.ceil(ports / float(_node_ports(design, fabric)))) if ports else 0


def fabric_position(global_slot: int, nodes_per_su: int, reserved: int) -> int:
    """The position of a node in a fabric other than compute that reserves ``reserved`` positions
    at the end of its SU 1 (``fabric_reserved``)."""
    return global_slot + reserved if reserved and global_slot >= nodes_per_su - reserved else global_slot


def place_nodes(design: Design, nodes_per_su: int) -> list[Device]:
    """GPU node Devices with (su, slot, global_slot) in SU order, skipping reserved slots."""
    server = design.catalog.servers[design.node_model]
    reserved = reserved_slots(design)
    first_reserved = nodes_per_su - reserved + 1
    nodes: list[Device] = []
    position = 0
    number = 0
    while number < design.node_count:
        su, slot0 = divmod(position, nodes_per_su)
        position += 1
        if su == 0 and slot0 + 1 >= first_reserved and reserved:
            continue
        number += 1
        dev = Device(naming.node_name(design.name, number), "gpu_node", server.id, "linux", su=su + 1,
                     slot=slot0 + 1, index=number, height=server.rack_units, power_kw=server.power_kw)
        dev.global_slot = position - 1
        nodes.append(dev)
    if design.system is not None:
        # Trays fill systems in order (SUs hold whole systems): tray k of the plan is in system
        # k // trays, that system's NVLink domain and rack.
        trays = design.catalog.systems[design.system].compute_trays
        for k, dev in enumerate(nodes):
            dev.nvlink_domain = naming.nvlink_domain_name(design.name, k // trays + 1)
    return nodes


def nvlink_switches(design: Design, nodes: Sequence[Device]) -> list[Device]:
    """The NVLink switch trays of every rack-scale system, named after its NVLink domain (none for
    servers). They stand in the system's rack, carry no network port of the plan and no play
    configures them (NVIDIA's NVLink switch software manages them)."""
    if design.system is None:
        return []
    system = design.catalog.systems[design.system]
    out: list[Device] = []
    first: dict[str, Device] = {}
    for node in nodes:
        first.setdefault(str(node.nvlink_domain), node)
    for domain, node in first.items():
        for j in range(system.nvlink_switch_trays):
            dev = Device(naming.nvlink_switch_name(domain, j + 1), NVLINK_SWITCH_ROLE, system.id, "nvlink",
                         su=node.su, index=len(out) + 1, height=system.switch_tray_units, power_kw=0.0)
            dev.nvlink_domain = domain
            out.append(dev)
    return out


def place_appliances(design: Design, fabric: str, nodes_per_su: int, first_position: int
                     ) -> tuple[list[Device], list[ApplianceSlot]]:
    """Appliance Devices of ``fabric`` and the (device, port, su, slot, port index) each of their
    ports takes: port k of all the fabric's appliance ports goes where port ``k % node ports`` of a
    node at position ``first_position + k // node ports`` would go, so an appliance's ports spread
    over the rails or the leaf pair as a node's do."""
    spec = design.fabrics[fabric]
    per_node = _node_ports(design, fabric)
    devices: list[Device] = []
    slots: list[ApplianceSlot] = []
    k = 0
    numbers: dict[str, int] = {}
    for model_id, count in spec.appliances:
        model = design.catalog.appliances[model_id]
        for _a in range(count):
            number = numbers[model.role] = numbers.get(model.role, 0) + 1
            dev = Device(naming.appliance_name(design.name, fabric, number, model.role), "appliance", model.id,
                         "linux", fabric=fabric, su=1, index=len(devices) + 1, height=model.rack_units,
                         power_kw=model.power_kw)
            devices.append(dev)
            prefix = "ib" if spec.kind == "infiniband" else FABRIC_NIC_ROLE[fabric]
            for q in range(model.ports):
                su, slot = divmod(first_position + k // per_node, nodes_per_su)
                slots.append((dev, "%s%d" % (prefix, q), su + 1, slot + 1, k % per_node))
                k += 1
    return devices, slots


def management_slots(ports: Sequence[tuple[Device, str]], first_position: int,
                     nodes_per_su: int) -> list[ApplianceSlot]:
    """The out-of-band leaf port of each management port in ``ports``, one per slot from
    ``first_position``, as a node's BMC takes one."""
    out: list[ApplianceSlot] = []
    for k, (dev, port) in enumerate(ports):
        su, slot = divmod(first_position + k, nodes_per_su)
        out.append((dev, port, su + 1, slot + 1, 0))
    return out


def management_ports(design: Design, devices: Sequence[Device]) -> list[tuple[Device, str]]:
    """(device, port name) of every management port the out-of-band fabric cables, in the order of
    ``devices``: a switch's by its platform's name for it (none known: not cabled), an appliance's
    or PDU's by the catalog's ``management_ports`` and ``management_port``."""
    out: list[tuple[Device, str]] = []
    for dev in devices:
        if dev.role in SWITCH_ROLES:
            name = platforms.platform(dev.platform).management
            if name:
                out.append((dev, name))
            continue
        model = design.catalog.appliances[dev.model]
        for j in range(model.management_ports):
            out.append((dev, model.management_port if model.management_ports == 1
                        else "%s%d" % (model.management_port, j + 1)))
    return out


def pdus(design: Design, racks: Sequence[Rack]) -> list[Device]:
    """The PDUs of every rack (``facility.pdus`` by rack kind), each named after its rack."""
    spec = design.facility.get("pdus") or {}
    out: list[Device] = []
    for rack in racks:
        kind = spec.get(rack.kind)
        if not kind:
            continue
        model = design.catalog.appliances[kind["model"]]
        for j in range(int(kind["per_rack"])):
            dev = Device(naming.pdu_name(rack.name, j + 1), PDU_ROLE, model.id, "pdu", su=rack.su,
                         index=len(out) + 1, height=model.rack_units, power_kw=model.power_kw)
            dev.rack = rack.name
            out.append(dev)
    return out


def mount_pdus(racks: Sequence[Rack], devices: Sequence[Device]) -> None:
    """Mount each PDU in the rack it is named for (zero-U PDUs take no units)."""
    by_name = {r.name: r for r in racks}
    for dev in devices:
        by_name[str(dev.rack)].mount(dev)


class Placement(object):
    def __init__(self) -> None:
        self.racks: list[Rack] = []


def place_racks(design: Design, nodes: Sequence[Device], nodes_per_su: int, sus: int,
                su_devices: dict[int, list[Device]], spine_groups: Sequence[SpineGroup],
                nvlink_switches: Sequence[Device] = ()) -> Placement:
    """Mount every device.

    ``su_devices[su]`` are the leaves and appliances of an SU; ``spine_groups`` is a list of
    (label, devices) for spines and cores, each label in racks of its own row so that growing one
    fabric never moves another's switches.
    """
    rack_spec = design.facility["rack"]
    npr = nodes_per_rack(design)
    if npr < 1:
        raise DesignError(field("facility.rack", "a rack cannot hold one %s node" % design.node_model))
    racks_per_su = int(math.ceil(nodes_per_su / float(npr)))
    place = Placement()
    by_su: dict[int, list[Rack]] = {}
    for su in range(1, sus + 1):
        by_su[su] = []
        for k in range(racks_per_su):
            rack = Rack("%s-su%d-r%d" % (design.name, su, k + 1), "compute", su, su, k + 1,
                        rack_spec["units"], rack_spec["power_kw"])
            by_su[su].append(rack)
            place.racks.append(rack)
    for node in nodes:
        by_su[node.su][(node.slot - 1) // npr].mount(node)
    # NVLink switch trays go into their system's rack (the rack of its trays), above the trays.
    rack_of = {str(n.nvlink_domain): n.rack for n in nodes}
    by_name = {r.name: r for r in place.racks}
    for dev in nvlink_switches:
        by_name[str(rack_of[str(dev.nvlink_domain)])].mount(dev)
    for su in range(1, sus + 1):
        net: list[Rack] = []
        for dev in su_devices.get(su, []):
            target = next((r for r in by_su[su] + net if r.fits(dev)), None)
            if target is None:
                target = Rack("%s-su%d-net%d" % (design.name, su, len(net) + 1), "network", su, su,
                              racks_per_su + len(net) + 1, rack_spec["units"], rack_spec["power_kw"])
                if not target.fits(dev):
                    raise DesignError(field("facility.rack", "a rack cannot hold one %s" % dev.model))
                net.append(target)
                place.racks.append(target)
            target.mount(dev, from_top=True)
    # Spine-layer racks stand in the row they serve (a pod's middle SU, or the middle of the
    # hall), after the SU racks of that row, so leaf-spine runs stay short as the hall grows.
    next_column: dict[int, int] = {}
    for rack in place.racks:
        next_column[rack.row] = max(next_column.get(rack.row, 0), rack.column + 1)
    for label, devices, row in spine_groups:
        racks: list[Rack] = []
        for dev in devices:
            target = racks[-1] if racks and racks[-1].fits(dev) else None
            if target is None:
                column = next_column.get(row, 1)
                next_column[row] = column + 1
                target = Rack("%s-%s-r%d" % (design.name, label, len(racks) + 1), "network", None, row,
                              column, rack_spec["units"], rack_spec["power_kw"])
                if not target.fits(dev):
                    raise DesignError(field("facility.rack", "a rack cannot hold one %s" % dev.model))
                racks.append(target)
                place.racks.append(target)
            target.mount(dev, from_top=True)
    return place
