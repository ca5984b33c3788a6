# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner: a validated design in, one complete plan out.

Order of work: node slots (placement) -> fabric sizing and wiring (fabric) -> racks (placement)
-> cables (cabling) -> addresses and BGP (addressing) -> bill of materials (bom) -> invariants.
Every later step of the collection reads this plan; none recomputes it.
"""

from __future__ import annotations

import gc
from typing import Any, Iterable, Sequence

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import addressing
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import bom
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import cabling
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import fabric
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import notices
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import placement
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import (
    FABRIC_ORDER, FABRIC_PREFIX, MGMT_ROLE, SWITCH_ROLES)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design, load_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Link, Notice, Rack
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.lifecycle import lifecycle_record
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.scheduler import scheduler_record
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field

SCHEMA_VERSION = 2
# Passes over the out-of-band fabric and the racks before their PDUs must agree (see _build_plan).
OOB_PASSES = 6


class Plan(object):
    """Devices (by name), links, racks, fabric sizings, BOM and summary of one design."""

    def __init__(self, design: Design) -> None:
        self.design: Design = design
        self.name: str = design.name
        self.devices: dict[str, Device] = {}
        self.links: list[Link] = []
        self.racks: list[Rack] = []
        self.fabrics: dict[str, dict[str, Any]] = {}
        self.catalog: dict[str, Any] = {}
        self.bom: list[dict[str, Any]] = []
        self.summary: dict[str, Any] = {}
        self.notices: list[Notice] = []
        # The scheduler record (planner.scheduler), None when the design has no scheduler.
        self.scheduler: dict[str, Any] | None = None
        # The lifecycle record (planner.lifecycle), None when the design has no lifecycle section.
        self.lifecycle: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "schema_version": SCHEMA_VERSION, "design": self.design.raw,
            "fabrics": self.fabrics, "catalog": self.catalog,
            "devices": {n: d.as_dict() for n, d in self.devices.items()},
            "links": [link.as_dict() for link in self.links],
            "racks": [r.as_dict() for r in self.racks], "bom": self.bom, "summary": self.summary,
            **({"scheduler": self.scheduler} if self.scheduler is not None else {}),
            **({"lifecycle": self.lifecycle} if self.lifecycle is not None else {}),
        }


def plan_design(source: Any, base_dir: str | None = None, check: bool = True) -> Plan:
    """Load ``source`` (path, YAML text or mapping) and plan it."""
    design = source if hasattr(source, "fabrics") else load_design(source, base_dir)
    return build_plan(design, check=check)


def build_plan(design: Design, check: bool = True) -> Plan:
    # The plan is hundreds of thousands of small acyclic records; the cyclic garbage collector
    # would rescan them all again and again as they are created, for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_plan(design, check)
    finally:
        if enabled:
            gc.enable()


def _build_plan(design: Design, check: bool) -> Plan:
    plan = Plan(design)
    reserved = placement.reserved_slots(design)
    compute = fabric.size(design, design.fabrics["compute"], reserved_slots=reserved)
    nodes = placement.place_nodes(design, compute.nodes_per_su)
    nvlink_switches = placement.nvlink_switches(design, nodes)
    # Every fabric groups the nodes by the same positions (the compute fabric's SUs, the slots its
    # appliances take in SU 1 left empty). The other fabrics put their appliances at the end of
    # their own SU 1 (the nodes after them move up in that fabric only), and the out-of-band fabric
    # every management port in the positions after the last node.
    sizings: dict[str, fabric.Sizing] = {"compute": compute}
    others: dict[str, int] = {"compute": reserved}
    shifts: dict[str, int] = {}
    appliances: list[Device] = []
    builds: dict[str, fabric.FabricBuild] = {}
    for name in FABRIC_ORDER:
        spec = design.fabrics.get(name)
        if spec is None or name == "oob":
            continue
        first = compute.nodes_per_su - reserved
        if name != "compute":
            first = _other_fabric(design, name, nodes, sizings, others, shifts)
        devices, slots = placement.place_appliances(design, name, sizings[name].nodes_per_su, first)
        appliances.extend(devices)
        builds[name] = fabric.build(design, spec, sizings[name], nodes, slots, shift=shifts.get(name, 0))
    managed = [d for b in builds.values() for d in b.leaves + b.spines + b.cores] + appliances
    place = _place(design, nodes, builds, appliances, compute, nvlink_switches=nvlink_switches)
    pdus = placement.pdus(design, place.racks)
    if "oob" in design.fabrics:
        # The out-of-band fabric cables every PDU, and PDUs come per rack, and its own switches may
        # need racks of their own: plan it for the PDUs of the racks found, until they are the same
        # (twice, unless its switches open racks; each pass can only add racks).
        for _attempt in range(OOB_PASSES):
            # Management ports row by row from the last row back, so that each out-of-band leaf
            # serves the devices near it and the leaves after the nodes' (whose last are in the last
            # row) go on where those end: a spine pod of consecutive leaves stays in a few rows.
            rows, _groups = _rows(builds, compute, appliances, pdus, place.racks)
            endpoints = sorted(managed + pdus, key=lambda d: -rows[d.name])
            oob_appliances = _out_of_band(design, sizings, others, shifts, builds, nodes, endpoints)
            place = _place(design, nodes, builds, appliances + oob_appliances, compute, pdus, place.racks,
                           nvlink_switches)
            again = placement.pdus(design, place.racks)
            if [d.name for d in again] == [d.name for d in pdus]:
                break
            pdus = again
            for dev in nodes + managed:
                dev.interfaces = [i for i in dev.interfaces if i.fabric != "oob"]
        else:
            raise DesignError(field("facility.pdus", "the out-of-band switches keep opening racks whose PDUs "
                                    "need more out-of-band ports (%d passes); give fewer PDUs per rack or "
                                    "a larger oob switch" % OOB_PASSES))
        appliances.extend(oob_appliances)
    placement.mount_pdus(place.racks, pdus)
    plan.racks = place.racks
    for dev in nodes + appliances + pdus + nvlink_switches:
        plan.devices[dev.name] = dev
    for build in builds.values():
        for dev in build.leaves + build.spines + build.cores:
            plan.devices[dev.name] = dev
        plan.links.extend(build.links)
    racks_by_name = {r.name: r for r in plan.racks}
    racks_by_device = {d.name: racks_by_name[d.rack] for d in plan.devices.values()}  # type: ignore[index]  # all placed
    cabling.assign(design, plan.links, racks_by_device, plan.devices)
    for i, link in enumerate(plan.links, start=1):
        link.id = "%s-%06d" % (link.fabric, i)
    switches_by_fabric = {n: {"leaf": b.leaves, "spine": b.spines, "core": b.cores} for n, b in builds.items()}
    plan.notices = (notices.sizing_notices(design, sizings, others) + notices.rack_notices(design)
                    + (notices.management_notices(managed) if "oob" in design.fabrics else [])
                    + addressing.assign(design, builds, nodes, appliances + pdus, switches_by_fabric))
    _tenants(design, nodes)
    for name, build in builds.items():
        plan.fabrics[name] = _fabric_summary(design, build)
    plan.scheduler = scheduler_record(plan)
    plan.lifecycle = lifecycle_record(plan)
    plan.catalog = catalog_used(design, plan.devices.values())
    plan.bom = bom.bill(design, list(plan.devices.values()), plan.links, plan.racks)
    plan.summary = summary(plan)
    if check:
        from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
        problems = check_plan(plan)
        if problems:
            raise DesignError(["plan invariant broken: " + p for p in problems[:50]])
    return plan


def _other_fabric(design: Design, name: str, nodes: list[Device], sizings: dict[str, fabric.Sizing],
                  others: dict[str, int], shifts: dict[str, int], endpoints: int = 0) -> int:
    """Size fabric ``name`` (not compute) for the nodes' positions, its appliances' positions at the
    end of its SU 1 and ``endpoints`` single ports after the last node (the out-of-band fabric's
    management ports); return the position of its first appliance."""
    spec = design.fabrics[name]
    per_su = fabric.size(design, spec).nodes_per_su          # the fabric's own SU size
    shift = shifts[name] = placement.fabric_reserved(design, name)
    if shift >= per_su:
        raise DesignError(field("fabrics.%s.appliances" % name, "the appliances take %d positions of SU 1, "
                                "but an SU of this fabric has %d; raise nodes_per_su or attach fewer" % (
                                    shift, per_su)))
    last = max((placement.fabric_position(n.global_slot, per_su, shift) for n in nodes), default=-1)
    needed = max(last + 1, per_su if shift else 0)
    if endpoints:
        # Management ports start on an SU of their own: a leaf that served both the last nodes and
        # the first row's switches would stand far from one of them.
        needed = -(-needed // per_su) * per_su + endpoints
    others[name] = needed - design.node_count
    sizings[name] = fabric.size(design, spec, reserved_slots=others[name])
    return per_su - shift


def _out_of_band(design: Design, sizings: dict[str, fabric.Sizing], others: dict[str, int],
                 shifts: dict[str, int], builds: dict[str, fabric.FabricBuild], nodes: list[Device],
                 managed: list[Device]) -> list[Device]:
    """Size and wire the out-of-band fabric: the nodes' BMCs, its own appliances, and one port for
    each management port of ``managed`` (the other fabrics' switches, their appliances, the PDUs)
    in the positions after the last node, in the order of ``managed``. Returns its appliances."""
    spec = design.fabrics["oob"]
    ports = placement.management_ports(design, managed)
    first = _other_fabric(design, "oob", nodes, sizings, others, shifts, len(ports))
    s = sizings["oob"]
    devices, slots = placement.place_appliances(design, "oob", s.nodes_per_su, first)
    start = design.node_count + others["oob"] - len(ports)
    builds["oob"] = fabric.build(design, spec, s, nodes, slots,
                                 placement.management_slots(ports, start, s.nodes_per_su), shift=shifts["oob"])
    return devices


def _rows(builds: dict[str, fabric.FabricBuild], compute: fabric.Sizing, appliances: list[Device],
          pdus: list[Device], racks: Sequence[Rack] = ()) -> tuple[dict[str, int], list[tuple[str, list[Device], int]]]:
    """The row (compute SU) each switch, appliance and PDU stands in, and the spine groups with
    theirs. A leaf stands with the compute SU whose nodes it serves, an out-of-band leaf whose
    first port serves a management port with that device (so its cables stay near), and a
    group of spines or cores in the middle row of the leaves below it."""
    sus, nodes_per_su = compute.sus, compute.nodes_per_su
    rows: dict[str, int] = {d.name: 1 for d in appliances}
    row_of = {r.name: r.row for r in racks}
    rows.update((d.name, row_of[str(d.rack)]) for d in pdus)
    spine_groups: list[tuple[str, list[Device], int]] = []
    for name, build in builds.items():
        for leaf in build.leaves:
            first = next((i for i in leaf.interfaces if i.role == "downlink"), None)
            served = first.peer_device if first is not None and first.peer.role == MGMT_ROLE else None
            rows[leaf.name] = rows[served] if served in rows else \
                min(sus, (leaf.su - 1) * build.sizing.nodes_per_su // nodes_per_su + 1)
        prefix = FABRIC_PREFIX[name]
        groups: list[tuple[str, list[Device], list[Device]]] = []
        if build.sizing.tiers == 3:
            for pod in range(1, build.sizing.pods + 1):
                groups.append(("%sspine-p%d" % (prefix, pod), [d for d in build.spines if d.pod == pod],
                               [d for d in build.leaves if d.pod == pod]))
            groups.append((prefix + "core", build.cores, build.leaves))
        elif build.spines:
            groups.append((prefix + "spine", build.spines, build.leaves))
        for label, devices, below in groups:
            under = sorted(rows[d.name] for d in below)
            row = under[(len(under) - 1) // 2] if under else 1
            spine_groups.append((label, devices, row))
            rows.update((d.name, row) for d in devices)
    return rows, spine_groups


def _place(design: Design, nodes: list[Device], builds: dict[str, fabric.FabricBuild],
           appliances: list[Device], compute: fabric.Sizing, pdus: Sequence[Device] = (),
           racks: Sequence[Rack] = (), nvlink_switches: Sequence[Device] = ()) -> placement.Placement:
    """Mount every device: leaves and appliances in the row of their compute SU (``_rows``; the
    ``pdus`` of ``racks`` placed before tell the rows of out-of-band leaves that serve them),
    spines and cores in racks of their own rows."""
    rows, spine_groups = _rows(builds, compute, appliances, list(pdus), racks)
    su_devices: dict[int, list[Device]] = {}
    for build in builds.values():
        for leaf in build.leaves:
            su_devices.setdefault(rows[leaf.name], []).append(leaf)
    if appliances:
        su_devices.setdefault(1, []).extend(appliances)
    return placement.place_racks(design, nodes, compute.nodes_per_su, compute.sus, su_devices, spine_groups,
                                 nvlink_switches)


def catalog_used(design: Design, devices: Iterable[Device]) -> dict[str, Any]:
    """The catalog entries of the server and switch models the plan uses, as in the catalog files.

    Everything after planning reads the plan, never the design or the catalog files: the GPU host
    role needs the server's GPUs and NIC names, the switch renderer the switch's lanes, validation
    the GPU count to expect. Carrying the entries here also records which catalog a plan was made
    with.
    """
    models = sorted({d.model for d in devices})
    catalog = design.catalog
    out = {"servers": {m: catalog.servers[m].raw for m in models if m in catalog.servers},
           "switches": {m: catalog.switches[m].raw for m in models if m in catalog.switches}}
    if design.system is not None:       # only then: the plans of server designs stay as they were
        out["systems"] = {design.system: catalog.systems[design.system].raw}
    return out


def _tenants(design: Design, nodes: list[Device]) -> None:
    """Tenants take whole nodes in order, so a tenant's nodes stay its own as the design grows."""
    i = 0
    for tenant in design.tenants:
        for node in nodes[i:i + int(tenant.get("nodes", 0))]:
            node.tenant = tenant["name"]
        i += int(tenant.get("nodes", 0))


def _fabric_summary(design: Design, build: fabric.FabricBuild) -> dict[str, Any]:
    s, spec = build.sizing, build.spec
    counts = {"node_leaf": 0, "leaf_spine": 0, "spine_core": 0, "leaf_leaf": 0}
    for link in build.links:
        tier = "node_leaf" if link.tier == "appliance_leaf" else link.tier
        counts[tier] = counts.get(tier, 0) + 1      # mgmt_leaf: only where management ports are cabled
    return {
        "name": spec.name, "kind": spec.kind, "platform": spec.platform, "switch_model": spec.switch,
        "spine_model": spec.spine_switch, "rail_optimized": spec.rail_optimized,
        "rails": s.width if spec.rail_optimized else 0, "tiers": s.tiers, "sus": s.sus,
        "nodes_per_su": s.nodes_per_su, "mtu": spec.mtu, "host_mtu": spec.host_mtu,
        "link_speed_gbps": s.link_speed, "oversubscription": spec.oversubscription,
        "switches": {"leaf": len(build.leaves), "spine": len(build.spines), "core": len(build.cores)},
        "links": counts, "leaf_downlinks": s.downlinks, "leaf_uplinks": s.uplinks,
        "links_per_leaf_spine": s.links_per_leaf_spine, "pods": s.pods if s.tiers == 3 else 0,
        "links_per_spine_core": s.links_per_spine_core,
        "root_switches": [d.name for d in (build.cores or build.spines or build.leaves)],
        "qos_profile": spec.qos_profile, "qos": spec.qos, "congestion_control": spec.congestion_control,
        "host_addressing": spec.host_addressing, "bisection_gbps": bisection_gbps(build),
    }


def bisection_gbps(build: fabric.FabricBuild) -> float:
    """Bisection bandwidth of a fabric: half of the narrowest tier's total capacity (node to leaf,
    leaf to spine, spine to core), the traffic one half of the nodes can send the other half
    at once. A one-tier fabric is its node links: traffic of a rail stays on its switch."""
    totals: dict[str, float] = {}
    for link in build.links:
        tier = "node_leaf" if link.tier in ("appliance_leaf", "mgmt_leaf") else link.tier
        totals[tier] = totals.get(tier, 0.0) + link.speed_gbps
    tiers = [totals.get(t, 0.0) for t in ("node_leaf", "leaf_spine", "spine_core")[:build.sizing.tiers]]
    return round(min(tiers) / 2.0, 1) if tiers else 0.0


def summary(plan: Plan) -> dict[str, Any]:
    design = plan.design
    server = design.catalog.servers[design.node_model]
    nodes = sum(1 for d in plan.devices.values() if d.role == "gpu_node")
    price = bom.cost(design, plan.bom, nodes * server.gpu_count, plan.fabrics["compute"]["bisection_gbps"])
    return {
        "name": plan.name, "reference": design.reference, "workload": design.workload,
        "node_model": server.id, "nodes": nodes, "gpus": nodes * server.gpu_count, "racks": len(plan.racks),
        "power_kw": round(sum(d.power_kw for d in plan.devices.values()), 1),
        "switches": sum(1 for d in plan.devices.values() if d.role in SWITCH_ROLES),
        "cables": len(plan.links),
        "fabrics": {n: {"kind": f["kind"], "tiers": f["tiers"], "switches": f["switches"],
                        "links": {k: f["links"][k] for k in ("node_leaf", "leaf_spine", "spine_core")},
                        "bisection_gbps": f["bisection_gbps"]}
                    for n, f in plan.fabrics.items()},
        "warnings": [n.as_dict() for n in plan.notices],
        **({"cost": price} if price else {}),
        **(_system_summary(plan) if design.system is not None else {}),
    }


def nvlink_domains(devices: Iterable[Device]) -> dict[str, list[str]]:
    """The compute trays of each NVLink domain, by domain, in plan order (rack-scale systems)."""
    out: dict[str, list[str]] = {}
    for dev in devices:
        if dev.role == "gpu_node" and dev.nvlink_domain:
            out.setdefault(dev.nvlink_domain, []).append(dev.name)
    return out


def _system_summary(plan: Plan) -> dict[str, Any]:
    """What a rack-scale plan adds to the summary: the system, how many (one NVLink domain each),
    and the GPUs of one domain."""
    design = plan.design
    system = design.catalog.systems[str(design.system)]
    server = design.catalog.servers[design.node_model]
    domains = nvlink_domains(plan.devices.values())
    return {"system": system.id, "systems": len(domains), "nvlink_domains": len(domains),
            "gpus_per_nvlink_domain": system.compute_trays * server.gpu_count,
            "cooling": system.cooling, "system_power_kw": system.power_kw}
