# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The design file: loading, reference merging, validation, and the typed design the planner reads.

A design is layered: ``references/defaults.yml``, then the named reference architecture, then the
operator's file, merged key by key (``null`` removes an inherited key, lists replace), then the
defaults of ``schemas/design.schema.json``. Validation happens in two passes and reports every
problem at once: the schema (shape, types, allowed values) and then the catalog and arithmetic
(known models, rails that fit a switch, a rack that can hold one node).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any, Iterable

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import Catalog, ServerModel, load_catalog
from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_NIC_ROLE, FABRIC_ORDER
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.schema import validate_against

SWITCH_KIND = {"infiniband": "infiniband", "roce": "ethernet", "ethernet": "ethernet"}


@dataclass(frozen=True)
class FabricSpec:
    """One fabric of the design, every default filled in."""

    name: str
    kind: str
    switch: str
    spine_switch: str
    platform: str
    rail_optimized: bool
    nodes_per_su: int
    oversubscription: float
    tiers: int | str
    min_spines: int
    mtu: int
    host_mtu: int
    qos_profile: str | None
    qos: dict[str, Any] | None
    congestion_control: str
    host_addressing: str
    # (catalog appliance id, count) per kind of appliance wired to this fabric's leaves.
    appliances: tuple[tuple[str, int], ...] = ()
    # Independent planes (1: none); each NIC port's lanes split evenly across them.
    planes: int = 1
    # Leaf-spine link speed the design gives (None: the leaf's native speed, fabric.size).
    uplink_speed_gbps: float | None = None

    @property
    def routed(self) -> bool:
        """Ethernet fabrics are routed (BGP underlay); InfiniBand is routed by its subnet manager."""
        return self.kind != "infiniband"


@dataclass(frozen=True)
class Design:
    name: str
    reference: str | None
    workload: str
    node_model: str
    node_count: int
    nodes_per_rack: int | None
    fabrics: dict[str, FabricSpec]
    facility: dict[str, Any]
    addressing: dict[str, Any]
    tenants: list[dict[str, Any]]
    hosts: dict[str, Any]
    validation: dict[str, Any]
    raw: dict[str, Any]
    catalog: Catalog
    path: str | None
    # Address pools the design (or its reference) wrote; the others are the schema's defaults,
    # which the planner may move or grow to fit the plan (addressing.resolve_pools).
    pools_given: frozenset[str] = frozenset()
    # Fabrics of the reference left out because the server has no ports for them.
    fabrics_left_out: tuple[str, ...] = ()
    # The rack-scale system (catalog ``systems``) the design's nodes are compute trays of; None for
    # servers. ``node_model`` is then the tray's server id.
    system: str | None = None


def merge(base: Any, override: Any) -> Any:
    """Merge ``override`` into a copy of ``base``: mappings key by key, ``None`` deletes (also
    where ``base`` has nothing to delete: a null never reaches the schema as a value)."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return _without_nulls(override)
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = _without_nulls(value)
    return out


def _without_nulls(value: Any) -> Any:
    """A deep copy of ``value`` without the mapping keys set to null."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return copy.deepcopy(value)


def apply_defaults(schema: dict[str, Any], data: Any, root: dict[str, Any] | None = None) -> Any:
    """Fill ``default`` values of the schema into ``data`` (in place), following $ref."""
    root = root or schema
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        schema = root["$defs"][ref]
    if not isinstance(data, dict) or schema.get("type") not in (None, "object"):
        return data
    for key, sub in (schema.get("properties") or {}).items():
        if key not in data and "default" in sub:
            data[key] = copy.deepcopy(sub["default"])
        if key in data:
            apply_defaults(sub, data[key], root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in data.items():
            if key not in (schema.get("properties") or {}):
                apply_defaults(extra, value, root)
    return data


_SCHEMA: dict[str, Any] | None = None


def design_schema() -> dict[str, Any]:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = datafiles.load_json(os.path.join(datafiles.SCHEMAS_DIR, "design.schema.json"))
    return _SCHEMA


def reference_names() -> list[str]:
    return sorted(f[:-4] for f in os.listdir(datafiles.REFERENCES_DIR)
                  if f.endswith(".yml") and f != "defaults.yml")


def layered(user: Any) -> Any:
    """The design after reference and default layers, before schema defaults."""
    base = datafiles.load_yaml(os.path.join(datafiles.REFERENCES_DIR, "defaults.yml")) or {}
    ref = user.get("reference") if isinstance(user, dict) else None
    if isinstance(ref, str) and ref in reference_names():
        base = merge(base, datafiles.load_yaml(os.path.join(datafiles.REFERENCES_DIR, ref + ".yml")))
    if isinstance(user, dict) and isinstance(user.get("fabrics"), dict) and isinstance(base.get("fabrics"), dict):
        base = dict(base, fabrics={name: _follow_choice(spec, user["fabrics"].get(name))
                                   for name, spec in base["fabrics"].items()})
    return merge(base, user)


# Keys of an inherited fabric that belong to its kind or its switch. When a design changes a
# fabric's kind or switch and does not set these itself, the inherited ones are dropped so that
# they follow the choice (the kind's MTUs, a platform the new switch runs, UFM appliances on
# InfiniBand only, QoS profiles and MLAG bonds on Ethernet only); a value the design writes itself
# is kept, and an error names it if it conflicts. Appliances (UFM on InfiniBand, management servers
# on Ethernet) are dropped when the kind moves between InfiniBand and Ethernet.
KIND_KEYS = ("mtu", "host_mtu", "platform", "spine_switch")
MEDIUM_KEYS = ("appliances",)
ETHERNET_ONLY_KEYS = ("qos_profile", "host_addressing", "congestion_control")
SWITCH_KEYS = ("platform",)
# A fabric taken to RoCE gets the lossless profile (PFC and ECN, references/defaults.yml) unless the
# design names one (or null): every RoCE reference and lab design runs it, and RoCE without it
# drops packets under congestion.
ROCE_QOS_PROFILE = "lossless"


def _follow_choice(inherited: Any, own: Any) -> Any:
    """The inherited fabric ``inherited`` without the keys that ``own`` (the design's own fabric
    mapping) makes wrong by choosing another kind or switch."""
    if not isinstance(inherited, dict) or not isinstance(own, dict):
        return inherited
    drop: set[str] = set()
    kind = own.get("kind", inherited.get("kind"))
    if kind != inherited.get("kind"):
        drop.update(KIND_KEYS)
        if kind == "infiniband":
            drop.update(ETHERNET_ONLY_KEYS)
        if (kind == "infiniband") != (inherited.get("kind") == "infiniband"):
            drop.update(MEDIUM_KEYS)
    if own.get("switch", inherited.get("switch")) != inherited.get("switch"):
        drop.update(SWITCH_KEYS)
    out = {k: v for k, v in inherited.items() if k not in drop or k in own}
    if kind == "roce" and inherited.get("kind") != "roce" and "qos_profile" not in own:
        out["qos_profile"] = ROCE_QOS_PROFILE
    return out


def load_design(source: Any, base_dir: str | None = None) -> Design:
    """Load and validate a design from a path, a YAML string or a mapping; return a Design.

    Raises DesignError listing every problem found.
    """
    path = None
    if isinstance(source, dict):
        user = copy.deepcopy(source)
    elif not isinstance(source, str):
        raise DesignError("(top level): a design must be a mapping of keys, not %s" % type(source).__name__)
    elif isinstance(source, str) and "\n" not in source and os.path.exists(source):
        path = os.path.abspath(source)
        user = datafiles.load_yaml(path)
        base_dir = base_dir or os.path.dirname(path)
    elif isinstance(source, str) and "\n" in source:
        user = datafiles.load_yaml_text(source)
    else:
        raise DesignError("design file %s does not exist" % source)
    if not isinstance(user, dict):
        raise DesignError("(top level): a design must be a mapping of keys, not %s" % type(user).__name__,
                          source=path)
    merged = layered(user)
    schema = design_schema()
    problems = validate_against(schema, merged)
    if problems:
        raise DesignError(problems, source=path)
    pools_given = frozenset(merged.get("addressing") or {})
    apply_defaults(schema, merged)
    extra = [os.path.join(base_dir or os.getcwd(), f) for f in merged.get("catalog") or []]
    missing = [f for f in extra if not os.path.exists(f)]
    if missing:
        raise DesignError([field("catalog", "file %s does not exist" % f) for f in missing], source=path)
    catalog = load_catalog(extra)
    left_out = _drop_fabrics_without_ports(merged, user, catalog)
    _drop_inherited_su(merged, user, catalog)
    design = _build(merged, catalog, path, pools_given, left_out)
    design = _system_scalable_unit(design)
    problems = check_design(design)
    if problems:
        raise DesignError(problems, source=path)
    return design


def _drop_fabrics_without_ports(merged: dict[str, Any], user: dict[str, Any], catalog: Catalog) -> tuple[str, ...]:
    """Leave out the fabrics a design inherits from its reference for NIC ports its server does
    not have (the training pod's storage fabric under a lab node): the reference's choice does not
    apply to that server. A fabric the design writes itself stays, and is refused by name."""
    model = str((merged.get("nodes") or {}).get("model"))
    server = catalog.servers.get(catalog.host_model(model))
    raw_own = user.get("fabrics")
    own: dict[str, Any] = raw_own if isinstance(raw_own, dict) else {}
    if server is None:
        return ()
    left_out = []
    for name in list(merged.get("fabrics") or {}):
        nic = server.nics.get(FABRIC_NIC_ROLE.get(name, name))
        if name != "compute" and name not in own and (nic is None or nic.ports == 0):
            del merged["fabrics"][name]
            left_out.append(name)
    return tuple(left_out)


def _drop_inherited_su(merged: dict[str, Any], user: dict[str, Any], catalog: Catalog) -> None:
    """A rack-scale design does not inherit its reference's compute nodes_per_su (the reference's
    is counted in servers, e.g. 32, which would split a system): unless the design writes one, the
    planner gives it scalable units of whole systems (_system_scalable_unit)."""
    if str((merged.get("nodes") or {}).get("model")) not in catalog.systems:
        return
    own = (user.get("fabrics") or {}).get("compute") if isinstance(user.get("fabrics"), dict) else None
    compute = (merged.get("fabrics") or {}).get("compute")
    if isinstance(compute, dict) and not (isinstance(own, dict) and "nodes_per_su" in own):
        compute.pop("nodes_per_su", None)


def _system_scalable_unit(design: Design) -> Design:
    """A rack-scale design whose compute fabric leaves nodes_per_su to the planner gets scalable
    units of whole systems: as many as fit in what one leaf per port serves, at least one."""
    compute = design.fabrics.get("compute")
    if design.system is None or compute is None or compute.nodes_per_su:
        return design
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import fabric
    trays = design.catalog.systems[design.system].compute_trays
    per_su = max(1, fabric.size(design, compute).nodes_per_su // trays) * trays
    # The compute fabric's appliances (UFM) take a whole system's positions of SU 1: leave room for
    # one system beside them.
    nic = design.catalog.servers[design.node_model].nics.get("compute")
    ports = sum(design.catalog.appliances[m].ports * n for m, n in compute.appliances)
    reserved = _whole_systems(design, -(-ports // nic.ports)) if nic is not None and nic.ports else 0
    fabrics = dict(design.fabrics, compute=dataclasses.replace(compute, nodes_per_su=max(per_su, reserved + trays)))
    return dataclasses.replace(design, fabrics=fabrics)


def _default_planes(server: ServerModel | None, fabric: str, kind: str) -> int:
    """Planes of a fabric the design does not give: on Ethernet, as many as the vendor's reference
    architecture runs the server's NICs in (catalog ``ethernet_planes``: a DGX B300's ConnectX-8 as
    2 x 400GbE in two planes, whose cages take the flat-top 2 x 400G module the catalog has), else
    one. InfiniBand runs the NIC whole."""
    if server is None or kind == "infiniband":
        return 1
    nic = server.nics.get(FABRIC_NIC_ROLE.get(fabric, fabric))
    return nic.ethernet_planes if nic is not None else 1


def _known(kind: str, table: Iterable[str]) -> str:
    return ", ".join(sorted(table))


def _build(raw: dict[str, Any], catalog: Catalog, path: str | None,
           pools_given: frozenset[str] = frozenset(), left_out: tuple[str, ...] = ()) -> Design:
    problems: list[str] = []
    fabrics: dict[str, FabricSpec] = {}
    node_server = catalog.servers.get(catalog.host_model(str((raw.get("nodes") or {}).get("model"))))
    for name in FABRIC_ORDER:
        spec = (raw.get("fabrics") or {}).get(name)
        if spec is None:
            continue
        where = "fabrics.%s" % name
        switch = catalog.switches.get(spec["switch"])
        if switch is None:
            problems.append(field(where + ".switch", "unknown switch %r; known: %s" % (
                spec["switch"], _known("switch", catalog.switches))))
            continue
        spine_id = spec.get("spine_switch", spec["switch"])
        spine = catalog.switches.get(spine_id)
        if spine is None:
            problems.append(field(where + ".spine_switch", "unknown switch %r; known: %s" % (
                spine_id, _known("switch", catalog.switches))))
            continue
        platform = spec.get("platform") or (switch.platforms[0] if switch.platforms else "")
        for key, model in (("switch", switch), ("spine_switch", spine)):
            if key == "spine_switch" and "spine_switch" not in spec:
                continue
            if model.platforms and platform not in model.platforms:
                problems.append(field(where + (".platform" if key == "switch" else ".spine_switch"),
                                      "%r does not run on switch %s; allowed: %s" % (
                                          platform, model.id, ", ".join(model.platforms))))
            if SWITCH_KIND[spec["kind"]] != model.kind:
                problems.append(field(where + "." + key, "%s is an %s switch, but the fabric kind is %s" % (
                    model.id, model.kind, spec["kind"])))
        qos_name = spec.get("qos_profile")
        qos: dict[str, Any] | None = None
        if qos_name is not None:
            qos = (raw.get("qos_profiles") or {}).get(qos_name)
            if qos is None:
                problems.append(field(where + ".qos_profile", "unknown QoS profile %r; defined: %s" % (
                    qos_name, ", ".join(sorted(raw.get("qos_profiles") or {})))))
            elif spec["kind"] == "infiniband":
                problems.append(field(where + ".qos_profile", "QoS profiles apply to Ethernet fabrics, "
                                      "not to infiniband; remove it or set it to null"))
        mtu, host_mtu, mtu_problems = _mtus(spec, where, platform)
        problems.extend(mtu_problems)
        given = spec.get("appliances") or []
        listed = isinstance(given, list)
        appliances = []
        for i, entry in enumerate(given if listed else [given]):
            at = "%s.appliances%s" % (where, "[%d]" % i if listed else "")
            appliance = catalog.appliances.get(entry["model"])
            if appliance is None:
                problems.append(field(at + ".model", "unknown appliance %r; known: %s" % (
                    entry["model"], _known("appliance", catalog.appliances))))
            elif appliance.role == "pdu":
                problems.append(field(at + ".model", "%s is a rack PDU: PDUs go in facility.pdus, not on a "
                                      "fabric" % appliance.id))
            elif appliance.ports == 0:
                problems.append(field(at + ".model", "appliance %s has no fabric ports (catalog field "
                                      "ports)" % appliance.id))
            elif appliance.role == "subnet_manager" and spec["kind"] != "infiniband":
                problems.append(field(where + ".appliances", "UFM appliances manage InfiniBand fabrics; this "
                                      "fabric is %s (set appliances to null)" % spec["kind"]))
            elif appliance.raw.get("kind") and (appliance.raw["kind"] == "infiniband") != (spec["kind"] == "infiniband"):
                problems.append(field(at + ".model", "%s has %s ports; this fabric is %s" % (
                    appliance.id, appliance.raw["kind"], spec["kind"])))
            else:
                appliances.append((appliance.id, int(entry["count"])))
        fabrics[name] = FabricSpec(
            name=name, kind=spec["kind"], switch=switch.id, spine_switch=spine_id, platform=platform,
            rail_optimized=bool(spec.get("rail_optimized", False)),
            nodes_per_su=int(spec.get("nodes_per_su") or 0),
            oversubscription=float(spec.get("oversubscription", 1)), tiers=spec.get("tiers", "auto"),
            min_spines=int(spec.get("min_spines", 2)), mtu=mtu, host_mtu=host_mtu, qos_profile=qos_name, qos=qos,
            congestion_control=spec.get("congestion_control", "dcqcn"),
            host_addressing=spec.get("host_addressing", "subnet_per_leaf"), appliances=tuple(appliances),
            planes=int(spec.get("planes", _default_planes(node_server, name, spec["kind"]))),
            uplink_speed_gbps=float(spec["uplink_speed_gbps"]) if spec.get("uplink_speed_gbps") else None)
    nodes = raw["nodes"]
    system = catalog.systems.get(nodes["model"])
    node_model = catalog.host_model(nodes["model"])
    whole = catalog.system_of_tray(nodes["model"])
    if whole is not None:
        problems.append(field("nodes.model", "%s is a compute tray of the rack-scale system %s, which is bought "
                              "and placed whole; name the system (nodes.model: %s)" % (
                                  nodes["model"], whole.id, whole.id)))
    elif node_model not in catalog.servers:
        problems.append(field("nodes.model", "unknown server %r; known: %s" % (
            nodes["model"], _known("server", list(catalog.servers) + list(catalog.systems)))))
    for kind, pdu in sorted((raw["facility"].get("pdus") or {}).items()):
        pdu_model = catalog.appliances.get(pdu["model"])
        if pdu_model is None or pdu_model.role != "pdu":
            problems.append(field("facility.pdus.%s.model" % kind, "%r is not a PDU of the catalog; known: %s" % (
                pdu["model"], _known("pdu", [k for k, v in catalog.appliances.items() if v.role == "pdu"]))))
    if problems:
        raise DesignError(problems, source=path)
    return Design(
        name=raw["name"], reference=raw.get("reference"), workload=raw["workload"],
        node_model=node_model, node_count=int(nodes["count"]), nodes_per_rack=nodes.get("per_rack"),
        fabrics=fabrics, facility=raw["facility"], addressing=raw["addressing"],
        tenants=list(raw.get("tenants") or []), hosts=dict(raw.get("hosts") or {}),
        validation=dict(raw.get("validation") or {}), raw=raw, catalog=catalog, path=path,
        pools_given=pools_given, fabrics_left_out=left_out, system=system.id if system is not None else None)


# InfiniBand link MTUs (IBTA) the schema's 1280 minimum leaves, and the 4-byte IPoIB header:
# ConnectX-4 and later run IPoIB in datagram mode only, whose MTU is the link MTU less 4 bytes
# (Red Hat, "Configuring InfiniBand and RDMA networks", RHEL 9, ch. 3 "Configuring IPoIB").
IB_LINK_MTUS = (2048, 4096)
# Jumbo MTU of Ethernet fabric ports (shared/REFERENCE-FACTS.md: 9216 on fabric ports).
ETHERNET_MTU = 9216
# Host MTU of Ethernet fabrics by default (jumbo frames), or the fabric's MTU when that is lower.
HOST_MTU = 9000
IPOIB_HEADER = 4


def _mtus(spec: dict[str, Any], where: str, platform: str) -> tuple[int, int, list[str]]:
    """(switch MTU, host MTU, problems) of a fabric: defaults and limits depend on its kind and on
    what its platform's routed ports take (the registry's ``max_mtu``), decided here once so that
    the plan, the rendered configuration and validation agree."""
    if spec["kind"] != "infiniband":
        limit = platforms.max_mtu(platform, ETHERNET_MTU)
        mtu = int(spec.get("mtu", limit))
        problems: list[str] = []
        if mtu > limit:
            problems.append(field(where + ".mtu", "%d is more than a %s switch takes on a routed port; allowed: "
                                  "up to %d" % (mtu, platform, limit)))
        host_mtu = int(spec.get("host_mtu", min(HOST_MTU, mtu)))
        if host_mtu > mtu:
            problems.append(field(where + ".host_mtu", "%d is more than the fabric's MTU %d; allowed: up to %d" % (
                host_mtu, mtu, mtu)))
        return mtu, host_mtu, problems
    problems = []
    mtu = int(spec.get("mtu", IB_LINK_MTUS[-1]))
    if mtu not in IB_LINK_MTUS:
        problems.append(field(where + ".mtu", "%d is not an InfiniBand link MTU; allowed: %s" % (
            mtu, ", ".join(str(m) for m in IB_LINK_MTUS))))
        mtu = IB_LINK_MTUS[-1]
    host_mtu = int(spec.get("host_mtu", mtu - IPOIB_HEADER))
    if host_mtu > mtu - IPOIB_HEADER:
        problems.append(field(where + ".host_mtu", "%d is more than IPoIB carries over a %d-byte InfiniBand MTU "
                              "(datagram mode); allowed: 1280 to %d" % (host_mtu, mtu, mtu - IPOIB_HEADER)))
    return mtu, host_mtu, problems


def _mlag_problems(where: str, fabric: FabricSpec, ports: int, server: str) -> list[str]:
    """Why ``host_addressing: mlag_bond`` cannot work on ``fabric``: an LACP bond of a node's two ports
    across a leaf pair (Cumulus Linux user guide, "Multi-Chassis Link Aggregation - MLAG")."""
    what = field(where + ".host_addressing", "mlag_bond bonds a node's two ports across a leaf pair, ")
    out = []
    if fabric.kind == "infiniband":
        out.append(what + "which InfiniBand has no LACP for; use the default (subnet_per_leaf)")
    if fabric.rail_optimized:
        out.append(what + "but a rail-optimized fabric sends each port to its own rail's leaf; set "
                   "rail_optimized: false or choose subnet_per_leaf")
    if fabric.platform == "lab":
        out.append(what + "which platform lab cannot render (its kernel has no bonding driver); choose "
                   "cumulus, sonic or eos, or subnet_per_leaf")
    if ports != 2:
        out.append(what + "but %s has %d ports on this fabric (an MLAG pair takes one port per leaf, two "
                   "per node; an odd leaf count per SU cannot pair); choose subnet_per_leaf" % (server, ports))
    return out


def check_design(design: Design) -> list[str]:
    """Arithmetic checks that need the catalog: return sentences that say why a design cannot work."""
    problems: list[str] = []
    server = design.catalog.servers[design.node_model]
    rack = design.facility["rack"]
    if design.system is not None:
        return problems + _system_problems(design) + _fabric_problems(design) + _tenant_problems(design)
    if server.power_kw > rack["power_kw"]:
        problems.append(field("facility.rack.power_kw", "%s kW is below the power of one %s node (%s kW); "
                              "raise the rack budget or choose another server" % (
                                  rack["power_kw"], server.id, server.power_kw)))
    if server.rack_units > rack["units"]:
        problems.append(field("facility.rack.units", "%s units cannot hold one %s node (%s U)" % (
            rack["units"], server.id, server.rack_units)))
    if design.nodes_per_rack:
        fit = min(int(rack["power_kw"] // server.power_kw), rack["units"] // server.rack_units)
        if design.nodes_per_rack > fit:
            problems.append(field("nodes.per_rack", "%d nodes need %.1f kW and %d U, more than a rack gives "
                                  "(%s kW, %s U); at most %d fit" % (
                                      design.nodes_per_rack, design.nodes_per_rack * server.power_kw,
                                      design.nodes_per_rack * server.rack_units, rack["power_kw"],
                                      rack["units"], fit)))
    return problems + _fabric_problems(design) + _tenant_problems(design)


def _fabric_problems(design: Design) -> list[str]:
    problems: list[str] = []
    server = design.catalog.servers[design.node_model]
    for name, fabric in design.fabrics.items():
        where = "fabrics.%s" % name
        nic = server.nics.get(FABRIC_NIC_ROLE[name])
        if nic is None or nic.ports == 0:
            problems.append(field(where, "server %s has no %s ports for a %s fabric; remove the fabric "
                                  "(set it to null) or choose a server that has them" % (
                                      server.id, FABRIC_NIC_ROLE[name], name)))
            continue
        switch = design.catalog.switches[fabric.switch]
        radix, _split = switch.radix_at(min(nic.speed_gbps, switch.speed_gbps))
        radix = radix or switch.ports
        if fabric.rail_optimized and nic.ports > radix:
            problems.append(field(where + ".switch", "server %s has %d rails but switch %s has only %d ports" % (
                server.id, nic.ports, switch.id, radix)))
        if fabric.host_addressing == "mlag_bond":
            problems.extend(_mlag_problems(where, fabric, nic.ports, server.id))
        if name == "compute" and fabric.nodes_per_su and fabric.appliances:
            ports = sum(design.catalog.appliances[m].ports * n for m, n in fabric.appliances)
            if _whole_systems(design, math.ceil(ports / max(1, nic.ports))) >= fabric.nodes_per_su:
                problems.append(field(where + ".appliances.count", "%d appliances leave no node slot in "
                                      "the first scalable unit" % sum(n for _m, n in fabric.appliances)))
    return problems


def _whole_systems(design: Design, slots: int) -> int:
    """``slots`` node positions, rounded up to whole systems' trays for a rack-scale design."""
    if design.system is None or not slots:
        return slots
    trays = design.catalog.systems[design.system].compute_trays
    return -(-slots // trays) * trays


def _system_problems(design: Design) -> list[str]:
    """Why a rack-scale design cannot work: each system needs one rack that powers, cools and holds
    it, whole systems of trays, and scalable units of whole systems."""
    system = design.catalog.systems[str(design.system)]
    server = design.catalog.servers[design.node_model]
    rack = design.facility["rack"]
    trays = system.compute_trays
    problems: list[str] = []
    if system.power_kw > rack["power_kw"]:
        problems.append(field("facility.rack.power_kw", "%s kW cannot power one %s (%s kW, a whole rack); raise "
                              "the rack budget to at least %s kW or choose servers" % (
                                  rack["power_kw"], system.id, system.power_kw, system.power_kw)))
    cooling = rack.get("cooling", "air")
    if system.cooling != "air" and cooling != system.cooling:
        problems.append(field("facility.rack.cooling", "%s racks cannot cool a %s, which needs %s cooling; set "
                              "facility.rack.cooling: %s where the hall has it" % (
                                  cooling, system.id, system.cooling, system.cooling)))
    units = trays * server.rack_units + system.nvlink_switch_trays * system.switch_tray_units
    if units > rack["units"]:
        problems.append(field("facility.rack.units", "%s units cannot hold one %s (%d U of compute and NVLink "
                              "switch trays)" % (rack["units"], system.id, units)))
    if design.node_count % trays:
        low = design.node_count // trays * trays
        problems.append(field("nodes.count", "%d compute trays are not whole %s systems of %d trays; allowed: a "
                              "multiple of %d (%s%d)" % (
                                  design.node_count, system.id, trays, trays,
                                  "%d or " % low if low else "", low + trays)))
    if design.nodes_per_rack and design.nodes_per_rack != trays:
        problems.append(field("nodes.per_rack", "a %s is one rack of %d trays; remove per_rack or set it to %d" % (
            system.id, trays, trays)))
    compute = design.fabrics.get("compute")
    if compute is not None and compute.nodes_per_su % trays:
        problems.append(field("fabrics.compute.nodes_per_su", "%d trays split a %s of %d trays across scalable "
                              "units; allowed: a multiple of %d (e.g. %d, 8 systems as the DGX SuperPOD GB200 "
                              "SU)" % (compute.nodes_per_su, system.id, trays, trays, 8 * trays)))
    return problems


def _tenant_problems(design: Design) -> list[str]:
    problems: list[str] = []
    ib = sorted(n for n, f in design.fabrics.items() if f.kind == "infiniband")
    for i, tenant in enumerate(design.tenants):
        if ib and tenant.get("pkey") is None:
            # The subnet manager's partitions are built from these: catch it here, not at deploy.
            problems.append(field("tenants[%d].pkey" % i, "tenant %s needs a partition key on InfiniBand "
                                  "fabric %s; allowed: 1 to 32766 (0x0001-0x7ffe), unique per tenant" % (
                                      tenant["name"], ", ".join(ib))))
    pkeys = [t.get("pkey") for t in design.tenants if t.get("pkey") is not None]
    if len(pkeys) != len(set(pkeys)):
        problems.append(field("tenants", "partition keys must be unique; got %s" % pkeys))
    names = [t["name"] for t in design.tenants]
    if len(names) != len(set(names)):
        problems.append(field("tenants", "tenant names must be unique; got %s" % names))
    reserved = sum(int(t.get("nodes", 0)) for t in design.tenants)
    if reserved > design.node_count:
        problems.append(field("tenants", "tenants reserve %d nodes but the design has %d" % (
            reserved, design.node_count)))
    return problems
