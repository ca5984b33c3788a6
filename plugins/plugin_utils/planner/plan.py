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
from typing import Any, Iterable

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import addressing
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import bom
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import cabling
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import fabric
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import notices
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import placement
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_ORDER, FABRIC_PREFIX, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design, load_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Link, Notice, Rack
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError

SCHEMA_VERSION = 2


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "schema_version": SCHEMA_VERSION, "design": self.design.raw,
            "fabrics": self.fabrics, "catalog": self.catalog,
            "devices": {n: d.as_dict() for n, d in self.devices.items()},
            "links": [link.as_dict() for link in self.links],
            "racks": [r.as_dict() for r in self.racks], "bom": self.bom, "summary": self.summary,
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
    sizings: dict[str, fabric.Sizing] = {}
    # Every fabric is sized for the same node positions: the slots the compute fabric's appliances
    # take in SU 1 shift the nodes after them, and the other fabrics group nodes by that position.
    for name in FABRIC_ORDER:
        if name in design.fabrics:
            sizings[name] = fabric.size(design, design.fabrics[name], reserved_slots=reserved)
    nodes_per_su = sizings["compute"].nodes_per_su
    nodes = placement.place_nodes(design, nodes_per_su)
    appliances, appliance_slots = placement.place_appliances(design, nodes_per_su)
    builds: dict[str, fabric.FabricBuild] = {}
    for name, sizing in sizings.items():
        builds[name] = fabric.build(design, design.fabrics[name], sizing, nodes,
                                    appliance_slots if name == "compute" else ())
    sus = sizings["compute"].sus
    su_devices: dict[int, list[Device]] = {}
    spine_groups: list[tuple[str, list[Device], int]] = []
    for name, build in builds.items():
        for leaf in build.leaves:
            # Leaves of other fabrics sit with the compute SU whose nodes they serve.
            first_slot = (leaf.su - 1) * build.sizing.nodes_per_su
            su = min(sus, first_slot // nodes_per_su + 1)
            su_devices.setdefault(su, []).append(leaf)
        prefix = FABRIC_PREFIX[name]
        s = build.sizing
        middle = (sus + 1) // 2
        if s.tiers == 3:
            for pod in range(1, s.pods + 1):
                first = (pod - 1) * s.sus_per_pod + 1
                row = min(sus, first + s.sus_per_pod // 2)
                spine_groups.append(("%sspine-p%d" % (prefix, pod),
                                     [d for d in build.spines if d.pod == pod], row))
            spine_groups.append((prefix + "core", build.cores, middle))
        elif build.spines:
            spine_groups.append((prefix + "spine", build.spines, middle))
    if appliances:
        su_devices.setdefault(1, []).extend(appliances)
    place = placement.place_racks(design, nodes, nodes_per_su, sus, su_devices, spine_groups)
    plan.racks = place.racks
    for dev in nodes + appliances:
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
    plan.notices = (notices.sizing_notices(design, sizings, reserved) + notices.rack_notices(design)
                    + addressing.assign(design, builds, nodes, appliances, switches_by_fabric))
    _tenants(design, nodes)
    for name, build in builds.items():
        plan.fabrics[name] = _fabric_summary(design, build)
    plan.catalog = catalog_used(design, plan.devices.values())
    plan.bom = bom.bill(design, list(plan.devices.values()), plan.links, plan.racks)
    plan.summary = summary(plan)
    if check:
        from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
        problems = check_plan(plan)
        if problems:
            raise DesignError(["plan invariant broken: " + p for p in problems[:50]])
    return plan


def catalog_used(design: Design, devices: Iterable[Device]) -> dict[str, Any]:
    """The catalog entries of the server and switch models the plan uses, as in the catalog files.

    Everything after planning reads the plan, never the design or the catalog files: the GPU host
    role needs the server's GPUs and NIC names, the switch renderer the switch's lanes, validation
    the GPU count to expect. Carrying the entries here also records which catalog a plan was made
    with.
    """
    models = sorted({d.model for d in devices})
    catalog = design.catalog
    return {"servers": {m: catalog.servers[m].raw for m in models if m in catalog.servers},
            "switches": {m: catalog.switches[m].raw for m in models if m in catalog.switches}}


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
        counts[tier] += 1
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
        tier = "node_leaf" if link.tier == "appliance_leaf" else link.tier
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
    }
