# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the planner decided for the user: choices a buyer pays for but did not ask for.

The sizing rules (fabric.py, placement.py) are right for what they build, but some of their
consequences cost money or space silently: a whole extra scalable unit because the UFM
appliances took node slots, more spines than ports need so the uplinks split evenly, switch
ports nobody uses, racks whose power budget strands space. Each is reported as a Notice naming
the design field it concerns and the change that avoids it; the plan action and the inventory
plugin print them as warnings, and ``summary.json`` keeps them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_NIC_ROLE, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import placement
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Notice

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.fabric import Sizing


def sizing_notices(design: Design, sizings: Mapping[str, Sizing], others: Mapping[str, int]) -> list[Notice]:
    """Notices about scalable units, spines and switch ports, fabric by fabric; ``others``: the
    node-sized slots each fabric gives to what is not a node (appliances, management ports)."""
    out: list[Notice] = []
    for name in design.fabrics_left_out:
        out.append(Notice(
            "fabrics.%s" % name, "the reference's %s fabric is left out: %s has no %s ports" % (
                name, design.node_model, FABRIC_NIC_ROLE.get(name, name)),
            "set fabrics.%s: null to say so, or choose a server with %s ports" % (name, FABRIC_NIC_ROLE.get(name, name))))
    compute = sizings["compute"]
    count = design.node_count
    npsu = compute.nodes_per_su
    reserved = others["compute"]
    if reserved and compute.sus > math.ceil(count / float(npsu)):
        fits = (compute.sus - 1) * npsu - reserved
        out.append(Notice(
            "fabrics.compute.appliances",
            "the %d appliances take %d node slot(s) of SU 1, so %d nodes need %d scalable units instead of %d "
            "(one more SU of leaves, and the spines and cores that serve it)" % (
                sum(n for _m, n in design.fabrics["compute"].appliances), reserved, count, compute.sus, compute.sus - 1),
            "plan %d nodes (or up to %d to use the extra SU), or attach the appliances elsewhere "
            "(appliances: null)" % (fits, compute.sus * npsu - reserved)))
    for name, s in sizings.items():
        spec = design.fabrics[name]
        where = "fabrics.%s" % name
        if s.tiers >= 2:
            out.extend(_spine_notice(design, name, s, others[name]))
        leaf = design.catalog.switches[spec.switch]
        split = leaf.radix_at(s.link_speed)[1] or 1
        separate = bool(leaf.raw.get("uplink_ports"))
        if s.tiers == 2 and spec.uplink_speed_gbps is None and leaf.kind == "ethernet" and s.uplink_speed < leaf.speed_gbps:
            # fabric.size took breakout-speed uplinks to stay at two tiers: say so, and how to undo it.
            out.append(Notice(
                where + ".uplink_speed_gbps",
                "the leaf uplinks run at %g Gb/s, not %s's native %g: at %g Gb/s one spine layer cannot reach "
                "the %d leaves%s, and a core tier would be needed" % (
                    s.uplink_speed, leaf.id, leaf.speed_gbps, leaf.speed_gbps, s.leaves,
                    " of a plane" if s.planes > 1 else ""),
                "set uplink_speed_gbps: %g to take the core tier instead" % leaf.speed_gbps))
        # Counted in the switch's own ports (cages), which hold downlinks split at the downlink speed
        # and uplinks at theirs (the native speed over breakout downlinks).
        cages = int(leaf.raw["ports"]["count"])
        up_split = leaf.radix_at(s.uplink_speed)[1] or 1
        used = int(math.ceil((s.downlinks + s.peer_links) / float(split)))
        used += 0 if separate else int(math.ceil(s.uplinks / float(up_split)))
        if cages > used:
            # What fabric.size picks when nodes_per_su is not given: as many nodes as the leaf's
            # downlinks take at this oversubscription.
            fill = s.down_max // s.per_column * s.leaves_per_column
            out.append(Notice(
                where + ".nodes_per_su",
                "each of the %d leaves (%s) uses %d of its %d ports; %d stay unused" % (
                    s.leaves * s.planes, leaf.id, used, cages, cages - used),
                ("nodes_per_su: %d (now %d) uses them at this oversubscription" % (fill, s.nodes_per_su)
                 if fill > s.nodes_per_su else "choose a switch of lower radix or another oversubscription")))
        # Every fabric is sized for the same node positions, the appliances' slots included.
        free_slots = s.sus * s.nodes_per_su - count - others[name]
        if free_slots > 0:
            ports = design.catalog.servers[design.node_model].nics[FABRIC_NIC_ROLE[name]].ports
            out.append(Notice(
                where + ".nodes_per_su",
                "the last scalable unit is built whole but holds %d node slot(s) fewer than it could: %d leaf "
                "ports stay unused" % (free_slots, free_slots * ports),
                "plan %d more node(s) to fill it" % free_slots))
    return out


def _spine_notice(design: Design, name: str, s: Sizing, reserved: int) -> list[Notice]:
    """More spines than ports need: a leaf's uplinks must divide evenly over the spines, so the
    planner takes the next divisor up. Say which sizes use the spines fully."""
    spec = design.fabrics[name]
    ports = design.catalog.switches[spec.spine_switch].radix_at(s.uplink_speed)[0]
    if s.tiers == 3:
        ports //= 2                                # half of a spine's ports go up to the cores
    group_leaves = s.leaves if s.tiers == 2 else s.sus_per_pod * s.leaves_per_su
    enough = max(spec.min_spines, int(math.ceil(group_leaves * s.uplinks / float(ports or 1))))
    if s.spines_per_group <= enough or s.tiers == 3:
        # At three tiers the spine groups are sized for whole pods: their rounding is the pod's.
        return []
    full_sus = s.spines_per_group * ports // s.uplinks // s.leaves_per_su
    smaller = max((d for d in range(spec.min_spines, s.spines_per_group) if s.uplinks % d == 0), default=0)
    fix = "grow to %d nodes (%d SUs) to use them fully" % (full_sus * s.nodes_per_su - reserved, full_sus)
    if smaller:
        most = smaller * ports // s.uplinks // s.leaves_per_su
        if most:
            fix = "plan at most %d nodes (%d SUs) for %d spines, or %s" % (
                most * s.nodes_per_su - reserved, most, smaller, fix)
    return [Notice("fabrics.%s.nodes_per_su" % name,
                   "%d spines instead of the %d whose ports suffice, so that each leaf's %d uplinks split "
                   "evenly over them" % (s.spines_per_group, enough, s.uplinks), fix)]


def rack_notices(design: Design) -> list[Notice]:
    """A compute rack whose power budget (or space) stops it short of the other limit."""
    server = design.catalog.servers[design.node_model]
    rack = design.facility["rack"]
    per_rack = placement.nodes_per_rack(design)
    by_power = int(rack["power_kw"] // server.power_kw)
    by_units = rack["units"] // server.rack_units
    if design.nodes_per_rack or by_power >= by_units or design.system is not None:
        return []       # a rack-scale system is its own rack: nothing was decided for the user
    return [Notice(
        "facility.rack.power_kw",
        "one more %s (%s kW) would exceed the %s kW rack budget, so racks hold %d nodes (%.1f kW) in %d of "
        "their %d units" % (server.id, server.power_kw, rack["power_kw"], per_rack, per_rack * server.power_kw,
                            per_rack * server.rack_units, rack["units"]),
        "a budget of %.1f kW would hold %d" % ((per_rack + 1) * server.power_kw, per_rack + 1))]


def management_notices(devices: Sequence[Device]) -> list[Notice]:
    """Switches whose management port the out-of-band fabric does not cable: their platform's
    registry entry names none (the lab's switches run without one)."""
    missing: dict[tuple[str, str], int] = {}
    for dev in devices:
        if dev.role in SWITCH_ROLES and not platforms.platform(dev.platform).management:
            key = (str(dev.fabric), dev.platform)
            missing[key] = missing.get(key, 0) + 1
    return [Notice("fabrics.%s.platform" % fab, "the management ports of %d %s switches (platform %s) are not "
                   "cabled to the out-of-band fabric: the platform has no management port of record" % (
                       count, fab, platform),
                   "cable them by hand, or choose a platform with a management port")
            for (fab, platform), count in sorted(missing.items())]
