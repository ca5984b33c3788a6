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
from typing import TYPE_CHECKING, Sequence, cast

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import naming
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Rack

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    # (appliance, port name, su, slot, column) and (label, devices, row).
    ApplianceSlot = tuple[Device, str, int, int, int]
    SpineGroup = tuple[str, list[Device], int]


def nodes_per_rack(design: Design) -> int:
    server = design.catalog.servers[design.node_model]
    rack = design.facility["rack"]
    fit = min(int(rack["power_kw"] // server.power_kw), rack["units"] // server.rack_units)
    return int(design.nodes_per_rack or fit)


def reserved_slots(design: Design) -> int:
    """Node slots at the end of SU 1 given to the compute fabric's appliances (UFM)."""
    spec = design.fabrics["compute"]
    if not spec.appliance_count:
        return 0
    appliance = design.catalog.appliances[cast(str, spec.appliance_model)]
    rails = design.catalog.servers[design.node_model].nics["compute"].ports
    return int(math.ceil(spec.appliance_count * appliance.ports / float(rails)))


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
    return nodes


def place_appliances(design: Design, nodes_per_su: int) -> tuple[list[Device], list[ApplianceSlot]]:
    """Appliance Devices and the (device, port, su, slot, column) each of their ports takes."""
    spec = design.fabrics["compute"]
    if not spec.appliance_count:
        return [], []
    model = design.catalog.appliances[cast(str, spec.appliance_model)]
    rails = design.catalog.servers[design.node_model].nics["compute"].ports
    first = nodes_per_su - reserved_slots(design) + 1
    devices: list[Device] = []
    slots: list[ApplianceSlot] = []
    for a in range(spec.appliance_count):
        dev = Device(naming.appliance_name(design.name, "compute", a + 1), "appliance", model.id, "linux",
                     fabric="compute", su=1, index=a + 1, height=model.rack_units, power_kw=model.power_kw)
        devices.append(dev)
        for q in range(model.ports):
            k = a * model.ports + q
            slots.append((dev, "ib%d" % q, 1, first + k // rails, k % rails))
    return devices, slots


class Placement(object):
    def __init__(self) -> None:
        self.racks: list[Rack] = []


def place_racks(design: Design, nodes: Sequence[Device], nodes_per_su: int, sus: int,
                su_devices: dict[int, list[Device]], spine_groups: Sequence[SpineGroup]) -> Placement:
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
