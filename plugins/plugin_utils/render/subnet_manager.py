# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The subnet manager's decisions for one InfiniBand fabric, rendered from the plan as data.

An InfiniBand fabric does nothing until its SM has routed it, and what OpenSM (or UFM) is told
follows from the plan: the routing engine from the topology, the root GUIDs from the top tier,
partitions from the design's tenants and the node-name map from the plan's names. These are
decisions, not formatting, so they live here as plain data that can be tested without a template:
``ib_fabric_config`` returns them and the ib_fabric role's templates only format them. They need
the plan (a ``FabricView``) and the GUIDs discovered for its devices (a ``validate.ib_match.Match``).

Routing: ``ftree`` for a pure fat tree, ``updn`` otherwise; NVIDIA's SM (MLNX OpenSM, UFM) routes
with ``ar_updn`` when adaptive routing is on (NVIDIA "InfiniBand Cluster Bring-up Procedure",
Adaptive Routing).

IPoIB: OpenSM creates each ``ipoib`` partition's broadcast group with the partition's ``mtu=`` and
``rate=`` (opensm(8), PARTITION CONFIGURATION: defaults ``mtu=4`` (2048) and ``rate=3`` (10 Gb/s)),
and IPoIB takes its MTU from that group, so every partition carries the fabric's link MTU and a rate
every port of the fabric can join at (``ipoib_group``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import FabricView, natural_key
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.finding import finding

SM_FLAVORS = ("opensm", "mlnx")
DEFAULT_PKEY = 0x7FFF

# IBTA MTU codes of partitions.conf's ``mtu=`` (opensm(8), PARTITION CONFIGURATION: "mtu=4 for 2048";
# IB_MTU_LEN_256 = 1 ... IB_MTU_LEN_4096 = 5 in OpenSM's include/iba/ib_types.h, linux-rdma/opensm).
IB_MTU_CODES = {256: 1, 512: 2, 1024: 3, 2048: 4, 4096: 5}
# IBTA rate codes of ``rate=`` by Gb/s (IB_PATH_RECORD_RATE_2_5_GBS = 2 ... IB_PATH_RECORD_RATE_600_GBS = 22
# in OpenSM's include/iba/ib_types.h). 600 Gb/s (22) is IB_MAX_RATE of OpenSM 3.3.21-3.3.23 (Debian 12 ships
# 3.3.23): 800 (23) and 1200 (24) came with 3.3.24, and an older SM refuses to create a group above its
# IB_MAX_RATE, so a faster fabric gets 22, which every port at 800 Gb/s can still join.
IB_RATE_CODES = ((2.5, 2), (5.0, 5), (10.0, 3), (14.0, 11), (20.0, 6), (25.0, 15), (28.0, 19), (30.0, 4),
                 (40.0, 7), (50.0, 20), (56.0, 12), (60.0, 8), (80.0, 9), (100.0, 16), (112.0, 13), (120.0, 10),
                 (168.0, 14), (200.0, 17), (300.0, 18), (400.0, 21), (600.0, 22))


def fat_tree(view: FabricView) -> tuple[bool, str]:
    """(True, why) when the fabric is a pure fat tree that ``ftree`` can route, else (False, why).

    Pure: two or three tiers, every HCA on a leaf, no links between switches of one tier, and
    every leaf joined to every spine of its pod (every spine to every core of its group) by the
    same number of cables.
    """
    tiers = view.tiers()
    if tiers < 2:
        return False, "a single switch tier is not a fat tree"
    level = {"leaf": 0, "spine": 1, "core": 2}
    ups: dict[str, Counter[str]] = defaultdict(Counter)
    for a, b, link in view.links:
        da, db = a[0], b[0]
        sa, sb = da in view.switches, db in view.switches
        if not sa and not sb:
            return False, "link %s - %s joins two hosts" % (view.label(a), view.label(b))
        if sa != sb:
            switch = da if sa else db
            if view.switches[switch]["role"] != "leaf":
                return False, "%s attaches to %s, not to a leaf" % (db if sa else da, switch)
            continue
        la, lb = level[view.switches[da]["role"]], level[view.switches[db]["role"]]
        if abs(la - lb) != 1:
            return False, "%s and %s are cabled within one tier" % (da, db)
        low, high = (da, db) if la < lb else (db, da)
        ups[low][high] += 1
    for role, above in (("leaf", "spine"), ("spine", "core")):
        if role == "spine" and tiers < 3:
            break
        groups: dict[Any, list[str]] = defaultdict(list)
        for name, sw in view.switches.items():
            if sw["role"] == above:
                groups[sw["pod"] if role == "leaf" else None].append(name)
        counts: set[int] = set()
        for name, sw in view.switches.items():
            if sw["role"] != role:
                continue
            reach = ups.get(name, Counter())
            if role == "leaf":
                targets = groups.get(sw["pod"], []) or [n for n in view.switches if view.switches[n]["role"] == above]
            else:
                targets = list(reach)
            if not reach or set(reach) != set(targets) and role == "leaf":
                return False, "%s does not reach every %s of its pod" % (name, above)
            counts.update(reach.values())
        if len(counts) > 1:
            return False, "%s-%s cable counts differ (%s)" % (role, above, sorted(counts))
    return True, "a %d-tier fat tree, every leaf on every spine of its pod by %s cable(s)" % (
        tiers, view.summary.get("links_per_leaf_spine") or 1)


def routing_choice(view: FabricView, flavor: str = "opensm", adaptive_routing: bool = True) -> dict[str, Any]:
    """The routing engine(s) for the SM.

    ``flavor`` is ``opensm`` (upstream OpenSM, as Debian and RHEL ship it: no adaptive routing)
    or ``mlnx`` (NVIDIA's OpenSM in MLNX_OFED/DOCA and UFM, which has the ``ar_*`` engines).
    Pure fat tree: ``ftree`` (``updn`` as its fallback); otherwise ``updn``; with ``mlnx`` and
    adaptive routing, ``ar_updn`` (NVIDIA's default, "relevant for a fat tree topology").
    """
    if flavor not in SM_FLAVORS:
        raise InfinibandError("unknown SM flavor %r; known: %s" % (flavor, ", ".join(SM_FLAVORS)))
    pure, why = fat_tree(view)
    if flavor == "mlnx" and adaptive_routing:
        engines = ["ar_updn"]
        reason = "adaptive routing on NVIDIA's SM (ar_updn); " + why
    elif pure:
        engines = ["ftree", "updn"]
        reason = "pure fat tree (ftree, updn as fallback): " + why
    else:
        engines = ["updn"]
        reason = "not a pure fat tree (updn): " + why
    return {"engine": engines[0], "engines": engines, "fat_tree": pure, "reason": reason,
            "adaptive_routing": engines[0].startswith("ar_"), "flavor": flavor}


def _pkey(value: Any, tenant: str) -> int:
    try:
        number = int(str(value), 0) if not isinstance(value, int) else value
    except ValueError:
        raise InfinibandError("tenant %s: pkey %r is not a number" % (tenant, value))
    number &= 0x7FFF
    if number in (0, DEFAULT_PKEY):
        raise InfinibandError("tenant %s: pkey 0x%04x is reserved (0x0000 invalid, 0x7fff the default "
                              "partition); choose 0x0001-0x7ffe" % (tenant, number))
    return number


def ipoib_group(view: FabricView) -> dict[str, Any]:
    """MTU and rate of the IPoIB broadcast group of every partition, as IBTA codes and as numbers.

    MTU: the fabric's link MTU (``fabrics[name].mtu``, 2048 or 4096), so that IPoIB runs at the
    host MTU the plan gives (link MTU less 4 bytes) instead of clamping to 2044 under OpenSM's
    default ``mtu=4``. Rate: the slowest planned link of the fabric (HCA and switch-to-switch
    cables; ``link_speed_gbps`` when the plan has none), rounded down to an IBTA rate: a port
    joins a group only when its link is at least as fast as the group, and multicast crosses
    every tier, so a group no faster than the slowest link lets every port join.
    """
    mtu_bytes = int(view.summary.get("mtu") or max(IB_MTU_CODES))
    fitting = [size for size in IB_MTU_CODES if size <= mtu_bytes]
    if not fitting:
        raise InfinibandError("fabric %s: MTU %d is below the smallest InfiniBand MTU (256)" % (view.name, mtu_bytes))
    mtu_bytes = max(fitting)
    speeds = [float(link["speed_gbps"]) for _a, _b, link in view.links if link.get("speed_gbps")]
    if not speeds and view.summary.get("link_speed_gbps"):
        speeds = [float(view.summary["link_speed_gbps"])]
    slowest = min(speeds) if speeds else 10.0     # OpenSM's own default, rate=3
    gbps, rate = max(((g, c) for g, c in IB_RATE_CODES if g <= slowest), default=IB_RATE_CODES[0])
    return {"mtu": IB_MTU_CODES[mtu_bytes], "mtu_bytes": mtu_bytes, "rate": rate, "rate_gbps": gbps}


def partitions(view: FabricView, match: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Partitions: the default one, then one per tenant of the design with an HCA of its nodes.

    Without tenants every port is a full member of the default partition (``ALL=full``). With
    tenants, a tenant's HCA ports are full members of the tenant's partition and limited members
    of the default one (enough to reach the SM and SA, not each other), while switches, the SM
    and the HCA ports of the other hosts stay full members of the default partition.
    """
    problems: list[dict[str, Any]] = []
    tenants: list[tuple[str, int]] = []
    seen: dict[int, str] = {}
    for tenant in view.tenants:
        name = tenant["name"]
        if tenant.get("pkey") is None:
            problems.append(finding("error", "partitions", None, "tenant %s has no pkey" % name,
                                    fix="give tenants[].pkey in the design: InfiniBand keeps tenants apart by "
                                    "partition key"))
            continue
        try:
            pkey = _pkey(tenant["pkey"], name)
        except InfinibandError as exc:
            problems.append(finding("error", "partitions", None, str(exc), fix="change tenants[].pkey"))
            continue
        if pkey in seen:
            problems.append(finding("error", "partitions", None, "tenants %s and %s share pkey 0x%04x" % (
                seen[pkey], name, pkey), fix="give each tenant its own pkey"))
            continue
        seen[pkey] = name
        tenants.append((name, pkey))
    tenant_of: dict[tuple[str, str], str] = {}
    for entity, hca in view.hcas.items():
        if hca["tenant"]:
            tenant_of[entity] = hca["tenant"]
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    rest: list[dict[str, str]] = []
    for entity in sorted(view.hcas, key=lambda e: natural_key(view.label(e))):
        guid = match.port_guid(entity)
        if guid is None:
            if entity in tenant_of:
                problems.append(finding("warning", "partitions", entity[0], "%s of tenant %s was not found in the "
                                        "fabric, so it is in no partition" % (view.label(entity), tenant_of[entity]),
                                        port=entity[1], fix="cable and power it, then run the role again"))
            continue
        if entity in tenant_of:
            members[tenant_of[entity]].append({"guid": guid, "name": view.label(entity), "membership": "full"})
        else:
            rest.append({"guid": guid, "name": view.label(entity), "membership": "full"})
    out: list[dict[str, Any]] = []
    group = ipoib_group(view)
    if not tenants:
        out.append(_partition("Default", DEFAULT_PKEY, [("ALL", "full")], [], group))
        return out, problems
    out.append(_partition("Default", DEFAULT_PKEY, [("ALL", "limited"), ("ALL_SWITCHES", "full"), ("SELF", "full")],
                          rest, group))
    for name, pkey in tenants:
        out.append(_partition(name, pkey, [], members.get(name, []), group))
    return out, problems


def _partition(name: str, pkey: int, keywords: list[tuple[str, str]], members: list[dict[str, str]],
               group: dict[str, Any]) -> dict[str, Any]:
    """One partition: ``entries`` (keywords, then HCA ports) is what partitions.conf lists; ``mtu`` and
    ``rate`` (IBTA codes, ``ipoib_group``) are its IPoIB broadcast group's."""
    entries: list[dict[str, str]] = [{"id": keyword, "membership": membership, "name": ""} for keyword, membership in keywords]
    entries += [{"id": m["guid"], "membership": m["membership"], "name": m["name"]} for m in members]
    return {"name": name, "pkey": "0x%04x" % pkey, "ipoib": True, "mtu": group["mtu"], "rate": group["rate"],
            "mtu_bytes": group["mtu_bytes"], "rate_gbps": group["rate_gbps"], "entries": entries, "members": members}


def node_name_map(view: FabricView, match: Any) -> list[dict[str, str]]:
    """``[{"guid", "name"}]`` for every identified node: switches by plan name, HCAs as ``host port``."""
    rows = [{"guid": guid, "name": view.label(entity)} for guid, entity in match.names.items()]
    return sorted(rows, key=lambda r: natural_key(r["name"]))


def root_switches(view: FabricView, match: Any) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """(rows, problems): the top-tier switches with their GUIDs, for ``root_guid_file``."""
    rows: list[dict[str, str]] = []
    problems: list[dict[str, Any]] = []
    names = list(view.summary.get("root_switches") or [])
    if not names:
        top = max((s["role"] for s in view.switches.values()), key=SWITCH_ROLES.index, default=None)
        names = [n for n, s in view.switches.items() if s["role"] == top]
    for name in sorted(names, key=natural_key):
        guid = match.guids.get((name, None))
        if guid is None:
            problems.append(finding("error", "identity", name, "root switch %s was not identified in the fabric" % name,
                                    fix="cable and power %s, or give its GUID (ib_fabric_guids)" % name))
            continue
        rows.append({"guid": guid, "name": name})
    return rows, problems


def sm_config(view: FabricView, match: Any, flavor: str = "opensm",
              adaptive_routing: bool = True) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(config, problems, warnings): everything the SM's files are rendered from, the findings that
    stop the rendering (errors) and those that do not (warnings). ``match`` is a
    ``validate.ib_match.Match`` of ``view``."""
    routing = routing_choice(view, flavor, adaptive_routing)
    roots, root_problems = root_switches(view, match)
    parts, part_problems = partitions(view, match)
    problems = list(match.problems) + root_problems + [p for p in part_problems if p["severity"] == "error"]
    warnings = list(match.notes) + [p for p in part_problems if p["severity"] != "error"]
    return {
        "plan": view.plan_name, "fabric": view.name, "routing": routing, "root_guids": roots,
        "node_name_map": node_name_map(view, match), "partitions": parts,
        "identified": {"switches": sum(1 for e in match.guids if e[1] is None), "hcas": sum(
            1 for e in match.guids if e[1] is not None), "planned_switches": len(view.switches),
            "planned_hcas": len(view.hcas), "discovered_nodes": len(match.topo)},
    }, problems, warnings
