# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Designs side by side: one design, a few variants of it, the numbers a buyer decides on.

A comparison takes a design file and *axes*: each axis is a dotted path into the design
(``fabrics.compute.oversubscription``) with the values to try. Every combination of one value per
axis is a variant; each is planned like any design, and the plan (never the design, never a figure
written by hand) gives the rows: switches by fabric, tier and model, ports used, cables and optics,
power, racks, GPUs per rack, cost where the catalog has prices, the compute fabric's bisection
bandwidth per GPU and worst-case hops, what one leaf, spine or core failure takes away, and the
operational parts each fabric needs (a subnet manager, or PFC/ECN tuning, MLAG pairs, BGP).

A value that is a mapping is merged into the mapping at its path, so coupled keys change together:
``fabrics.compute: [{kind: infiniband, switch: qm9700}, {kind: roce, switch: sn5600}]``. Any other
value replaces what is at its path. A ``null`` is kept, so it removes a key the design inherits
from its reference (as in a design file). A variant the planner refuses is a column that says why
(the planner's first problem, which names the field) instead of ending the comparison.

``compare.md`` (variants as columns) and ``compare.csv`` (one row per variant) are written like
the plan's artifacts: atomically, and only when their content changes. See docs/compare.md.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import (
    APPLIANCE_ROLE, FABRIC_ORDER, INFINIBAND, MGMT_ROLE, NODE_ROLE, SWITCH_ROLES)
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Interface
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import Plan, plan_design

FILES = ("compare.md", "compare.csv")
COMPUTE = "compute"
# Switch tiers from the bottom up; a tier's uplinks go to the next one.
TIERS = SWITCH_ROLES
REFUSED = "refused: "
PLURAL = {"leaf": "leaves", "spine": "spines", "core": "cores"}


class CompareError(RefarchError):
    """Axes that cannot make variants (not a list of values, a path through a plain value)."""


@dataclass(frozen=True)
class Metric:
    """One number (or text) of one variant: a CSV column ``key`` and a Markdown row ``label``.

    ``value`` goes to the CSV as is; ``text`` is the Markdown cell (the value formatted when None).
    A metric with ``markdown=False`` is a CSV column only (the Markdown row shows it with another).
    """

    key: str
    label: str
    value: Any
    text: str | None = None
    markdown: bool = True

    def cell(self) -> str:
        return self.text if self.text is not None else fmt(self.value)


@dataclass
class Column:
    """One variant: its label, the changes that make it from the base design, and its metrics."""

    label: str
    changes: list[tuple[str, Any]]
    metrics: list[Metric] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.metrics) and str(self.metrics[0].value).startswith(REFUSED)


@dataclass
class Comparison:
    design: str                 # the design file as given (shown in compare.md)
    name: str                   # the base design's name
    axes: dict[str, list[Any]]
    columns: list[Column]

    def keys(self) -> list[tuple[str, str]]:
        """(key, label) of every metric of any variant, each variant's order kept."""
        return union([[(m.key, m.label) for m in c.metrics] for c in self.columns])


# ---------------------------------------------------------------------------------------------
# Variants


def variants(design: Mapping[str, Any], axes: Mapping[str, Sequence[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every combination of one value per axis, applied to a copy of ``design``: (label, design).

    The first axis varies slowest. No axes: the design itself, labelled ``base``.
    """
    return [(label, changed(design, changes)) for label, changes in combinations(axes)]


def combinations(axes: Mapping[str, Sequence[Any]]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """(label, changes) of every variant: one (path, value) per axis, the first axis slowest."""
    checked = check_axes(axes)
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    seen: dict[str, int] = {}
    for combo in itertools.product(*[[(path, v) for v in values] for path, values in checked.items()]):
        changes = list(combo)
        label = ", ".join(label_part(path, value) for path, value in changes) or "base"
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = "%s #%d" % (label, seen[label])
        out.append((label, changes))
    return out


def changed(design: Mapping[str, Any], changes: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A copy of ``design`` with every (path, value) of ``changes`` applied in turn."""
    result: dict[str, Any] = copy.deepcopy(dict(design))
    for path, value in changes:
        result = apply(result, path, value)
    return result


def check_axes(axes: Any) -> dict[str, list[Any]]:
    """The axes as a dict of non-empty lists, or a CompareError that names the axis."""
    if axes is None:
        return {}
    if not isinstance(axes, Mapping):
        raise CompareError("variants: a mapping of design paths to lists of values, not %s" % type(axes).__name__)
    out: dict[str, list[Any]] = {}
    for path, values in axes.items():
        if not isinstance(path, str) or not path or any(not part for part in path.split(".")):
            raise CompareError("variants: %r is not a dotted path into the design (like fabrics.compute.kind)" % (
                path,))
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise CompareError("variants.%s: a non-empty list of values to try, not %r" % (path, values))
        out[path] = list(values)
    return out


def apply(design: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``design`` with ``value`` at dotted ``path``: merged into a mapping already there
    when both are mappings, else set (missing mappings on the way are created; a number selects a
    list item)."""
    out: dict[str, Any] = copy.deepcopy(dict(design))
    parts = path.split(".")
    node: Any = out
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[:i + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise CompareError("variants.%s: %s is a list of %d items; give an index below %d" % (
                    path, ".".join(parts[:i]) or "(top level)", len(node), len(node)))
            key: Any = int(part)
        elif isinstance(node, dict):
            key = part
        else:
            raise CompareError("variants.%s: %s is %r, not a mapping" % (path, ".".join(parts[:i]), node))
        if last:
            current = node[key] if isinstance(node, list) or key in node else None
            node[key] = merge_keep_null(current, value)
        else:
            if isinstance(node, dict) and node.get(key) is None:
                node[key] = {}
            node = node[key]
            if not isinstance(node, (dict, list)):
                raise CompareError("variants.%s: %s is %r, not a mapping" % (path, where, node))
    return out


def merge_keep_null(base: Any, override: Any) -> Any:
    """``override`` merged into ``base`` key by key when both are mappings, else ``override``.

    Unlike the design layering (which reads ``null`` as "remove"), a ``null`` is kept here: the
    variant is a design file, in which ``null`` removes a key inherited from the reference.
    """
    if not isinstance(base, dict) or not isinstance(override, Mapping):
        return copy.deepcopy(override)
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = merge_keep_null(out.get(key), value)
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def label_part(path: str, value: Any) -> str:
    """``kind=roce`` for a plain value (the last key of the path), ``roce/sn5600`` for a mapping."""
    if isinstance(value, Mapping) and value:
        return "/".join(_scalar(v) for v in value.values())
    return "%s=%s" % (path.rsplit(".", 1)[-1], _scalar(value))


def change_text(path: str, value: Any) -> str:
    return "%s: %s" % (path, json.dumps(value, separators=(", ", ": ")))


# ---------------------------------------------------------------------------------------------
# Comparing


def compare_design(design_file: str, axes: Mapping[str, Sequence[Any]], shown_as: str | None = None) -> Comparison:
    """Plan every variant of the design file ``design_file``; a refused one says why."""
    path = os.path.abspath(os.path.expanduser(design_file))
    base = datafiles.load_yaml(path)
    if not isinstance(base, dict):
        raise CompareError("%s: a design must be a mapping of keys, not %s" % (design_file, type(base).__name__))
    return compare_dict(base, axes, base_dir=os.path.dirname(path), shown_as=shown_as or design_file)


def compare_dict(base: Mapping[str, Any], axes: Mapping[str, Sequence[Any]], base_dir: str | None = None,
                 shown_as: str = "<design>") -> Comparison:
    columns = []
    for label, changes in combinations(axes):
        column = Column(label, changes)
        try:
            plan = plan_design(changed(base, changes), base_dir=base_dir)
        except RefarchError as exc:
            problem = exc.problems[0] if exc.problems else str(exc)
            column.metrics = [Metric("status", "status", REFUSED + problem)]
        else:
            column.metrics = metrics(plan)
        columns.append(column)
    return Comparison(design=shown_as, name=str(base.get("name", "")), axes=check_axes(axes), columns=columns)


def metrics(plan: Plan) -> list[Metric]:
    """Every row of one planned variant, in the order compare.md shows them."""
    out = [Metric("status", "status", "planned")]
    out.extend(_size(plan))
    out.extend(_cost(plan))
    out.extend(_switches(plan))
    out.extend(_cables(plan))
    if COMPUTE in plan.fabrics:
        out.extend(_compute(plan, COMPUTE))
        out.extend(_failures(plan, COMPUTE))
    out.extend(_operations(plan))
    return out


def _gpus_per_node(plan: Plan) -> int:
    return int(plan.design.catalog.servers[plan.design.node_model].gpu_count)


def _size(plan: Plan) -> list[Metric]:
    s = plan.summary
    nodes = [d for d in plan.devices.values() if d.role == NODE_ROLE]
    gpu_racks = len({d.rack for d in nodes})
    gpus = len(nodes) * _gpus_per_node(plan)
    network_kw = sum(d.power_kw for d in plan.devices.values() if d.role in SWITCH_ROLES)
    return [
        Metric("node_model", "node model", s["node_model"]),
        Metric("nodes", "nodes", len(nodes)),
        Metric("gpus", "GPUs", gpus),
        Metric("racks", "racks", len(plan.racks)),
        Metric("gpu_racks", "racks with GPU nodes", gpu_racks),
        Metric("gpus_per_rack", "GPUs per rack (racks with GPU nodes)", round(gpus / gpu_racks, 2) if gpu_racks else 0),
        Metric("power_kw", "power, kW (all devices)", s["power_kw"]),
        Metric("switch_power_kw", "of which switches, kW", round(network_kw, 1)),
    ]


def _cost(plan: Plan) -> list[Metric]:
    """Cost rows only when the plan carries prices: the summary's ``cost``, else priced BOM rows."""
    cost = plan.summary.get("cost")
    gpus = plan.summary.get("gpus") or 0
    if isinstance(cost, Mapping) and cost.get("total") is not None:
        currency = str(cost.get("currency") or "")
        total = float(cost["total"])
        per_gpu = cost.get("per_gpu")
        per_gpu = float(per_gpu) if per_gpu is not None else (total / gpus if gpus else None)
        unpriced = cost.get("unpriced")
        if isinstance(unpriced, (list, tuple)):
            unpriced = len(unpriced)               # the planner lists the unpriced items by name
    else:
        priced = [r for r in plan.bom if r.get("extended_price") is not None or r.get("unit_price") is not None]
        if not priced:
            return []
        total = 0.0
        for row in priced:
            if row.get("extended_price") is not None:
                total += float(row["extended_price"])
            else:
                total += float(row["unit_price"]) * float(row["quantity"])
        currencies = sorted({str(r["currency"]) for r in priced if r.get("currency")})
        currency = "/".join(currencies)
        per_gpu = total / gpus if gpus else None
        unpriced = len(plan.bom) - len(priced)
    unit = (" " + currency) if currency else ""
    out = [Metric("cost_total", "cost, total", round(total, 2), "%s%s" % (money(total), unit)),
           Metric("cost_currency", "cost currency", currency, markdown=False)]
    if per_gpu is not None:
        out.append(Metric("cost_per_gpu", "cost per GPU", round(per_gpu, 2), "%s%s" % (money(per_gpu), unit)))
    if unpriced is not None:
        out.append(Metric("cost_unpriced_items", "BOM lines without a price", unpriced))
    return out


def _switches(plan: Plan) -> list[Metric]:
    """Switches by fabric and tier (count and model), counted from the plan's devices."""
    by_tier: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for dev in plan.devices.values():
        if dev.role in SWITCH_ROLES:
            by_tier[(str(dev.fabric), dev.role)][dev.model] += 1
    out = []
    total = 0
    for fabric in _fabric_names(plan):
        for tier in TIERS:
            models = by_tier.get((fabric, tier))
            if not models:
                continue
            count = sum(models.values())
            total += count
            text = ", ".join("%d × %s" % (n, m) for m, n in sorted(models.items()))
            key = "%s.%s" % (fabric, tier)
            out.append(Metric(key + ".switches", "%s %s switches" % (fabric, tier), count, text))
            out.append(Metric(key + ".model", "%s %s model" % (fabric, tier), "+".join(sorted(models)),
                              markdown=False))
    out.append(Metric("switches", "switches, all fabrics", total))
    if COMPUTE in plan.fabrics:
        out.extend(_ports(plan, COMPUTE))
    return out


def _capacity(plan: Plan, dev: Device) -> tuple[int, float, int, float]:
    """The ports of switch ``dev``'s model at their native speed (the catalog's count: a cage
    broken out 2 x 400G is one 800G port), and its separate uplink ports, as (count, Gb/s) each."""
    raw = plan.catalog["switches"][dev.model]
    separate = raw.get("uplink_ports") or {}
    return (int(raw["ports"]["count"]), float(raw["ports"]["speed_gbps"]),
            int(separate.get("count", 0)), float(separate.get("speed_gbps", 0)))


def _native_ports(ifaces: list[Interface]) -> int:
    """Native ports the interfaces take: the ports of a breakout share one (port numbers count
    the ports at their split, as fabric.port_structure reads them)."""
    return len({(i.port_number - 1) // i.split + 1 for i in ifaces if i.port_number})


def _fill(plan: Plan, dev: Device, ifaces: list[Interface]) -> tuple[float, int, int]:
    """How full switch ``dev`` is: its share of native ports in use, then its interfaces, then
    its index (the later switch of two as full)."""
    capacity = _capacity(plan, dev)
    return _native_ports(ifaces) / float(capacity[0] + capacity[2]), len(ifaces), dev.index or 0


def _ports(plan: Plan, fabric: str) -> list[Metric]:
    """The fullest switch of each tier: its native ports used, of those it has, and what runs on
    them. Counted in native ports because a leaf can run two speeds (400G breakout downlinks,
    800G uplinks): a count of logical ports would add 400G ports to 800G ones."""
    out = []
    for tier in TIERS:
        switches = [d for d in plan.devices.values() if d.fabric == fabric and d.role == tier]
        if not switches:
            continue
        data = {d.name: [i for i in d.interfaces if i.role != MGMT_ROLE] for d in switches}
        fullest = max(switches, key=lambda d: _fill(plan, d, data[d.name]))
        ifaces = data[fullest.name]
        used = _native_ports(ifaces)
        count, speed, extra, extra_speed = _capacity(plan, fullest)
        text = "%d of %d × %gG" % (used, count, speed) + (" + %d × %gG" % (extra, extra_speed) if extra else "")
        # What runs on them, by speed and breakout, when it is not one port per native port.
        runs = []
        for split, link in sorted({(i.split, i.speed_gbps) for i in ifaces}, key=lambda k: (k[1], k[0])):
            n = sum(1 for i in ifaces if (i.split, i.speed_gbps) == (split, link))
            runs.append("%d × %gG%s" % (n, link, " (%d-way breakout)" % split if split > 1 else ""))
        if len(runs) > 1 or any(i.split > 1 for i in ifaces):
            text += ": " + ", ".join(runs)
        key = "%s.%s" % (fabric, tier)
        out.append(Metric(key + ".ports_used", "%s %s ports used (fullest switch)" % (fabric, tier), used, text))
        out.append(Metric(key + ".ports_total", "%s %s ports" % (fabric, tier), count + extra, markdown=False))
    return out


def _cables(plan: Plan) -> list[Metric]:
    """Cables and transceivers by what is ordered, summed over fabrics and lengths (the plan's BOM):
    by part number where the catalog has one (two catalog items of one part, as the BOM merges
    them, are one count), else by catalog item. The row names only the part, so that variants
    that run one part two ways share the row; bom.csv says which items each part is."""
    out = []
    for category, plural in (("cable", "cables"), ("transceiver", "transceivers")):
        parts: dict[str, int] = defaultdict(int)
        for row in plan.bom:
            if row["category"] == category:
                parts[str(row["part_number"] or row["item"])] += int(row["quantity"])
        out.append(Metric(plural, "%s, total" % plural, sum(parts.values())))
        for part, count in sorted(parts.items()):
            out.append(Metric("%s.%s" % (plural, part), "%s %s" % (plural, part), count))
    compute = sum(int(row["quantity"]) for row in plan.bom if row["category"] == "cable" and row["fabric"] == COMPUTE)
    if COMPUTE in plan.fabrics:
        out.append(Metric("compute.cables", "compute cables", compute))
    return out


# ---------------------------------------------------------------------------------------------
# The compute fabric: bandwidth and hops


def _fabric_names(plan: Plan) -> list[str]:
    return [n for n in FABRIC_ORDER if n in plan.fabrics] + sorted(set(plan.fabrics) - set(FABRIC_ORDER))


def _nodes(plan: Plan) -> list[Device]:
    return [d for d in plan.devices.values() if d.role == NODE_ROLE]


def node_rate(plan: Plan, fabric: str) -> float:
    """Gb/s of one GPU's share of its node's ports on ``fabric`` (the slowest node's)."""
    per_node = _gpus_per_node(plan)
    rates = [sum(i.speed_gbps for i in d.interfaces if i.fabric == fabric) for d in _nodes(plan)]
    rates = [r for r in rates if r]
    return min(rates) / per_node if rates and per_node else 0.0


@dataclass
class _Capacity:
    """Uplink and downlink Gb/s of every switch of a fabric, and its uplinks by upper switch."""

    up: dict[str, float]
    down: dict[str, float]
    up_to: dict[str, dict[str, float]]
    role: dict[str, str]


def _capacities(plan: Plan, fabric: str) -> _Capacity:
    up: dict[str, float] = {}
    down: dict[str, float] = {}
    up_to: dict[str, dict[str, float]] = {}
    role: dict[str, str] = {}
    for dev in plan.devices.values():
        if dev.fabric != fabric or dev.role not in SWITCH_ROLES:
            continue
        role[dev.name] = dev.role
        up[dev.name] = down[dev.name] = 0.0
        to: dict[str, float] = defaultdict(float)
        for iface in dev.interfaces:
            if iface.role == "uplink":
                up[dev.name] += iface.speed_gbps
                to[iface.peer_device] += iface.speed_gbps
            elif iface.role == "downlink":
                down[dev.name] += iface.speed_gbps
        up_to[dev.name] = dict(to)
    return _Capacity(up, down, up_to, role)


def tier_ratios(cap: _Capacity) -> dict[str, float]:
    """Per switch tier that has uplinks: the worst switch's uplink / downlink capacity."""
    out: dict[str, float] = {}
    for tier in TIERS:
        ratios = [cap.up[n] / cap.down[n] for n, r in cap.role.items() if r == tier and cap.down[n] and cap.up[n]]
        if ratios:
            out[tier] = min(ratios)
    return out


def bisection_per_gpu(rate: float, ratios: Mapping[str, float]) -> float:
    """What one GPU sends across the fabric when all send at once: its port share, times the worst
    uplink/downlink ratio of each tier (capped at 1: a tier with more up than down adds nothing)."""
    out = rate
    for ratio in ratios.values():
        out *= min(1.0, ratio)
    return out


def _switch_graph(plan: Plan, fabric: str) -> dict[str, set[str]]:
    switches = {n for n, d in plan.devices.items() if d.fabric == fabric and d.role in SWITCH_ROLES}
    adj: dict[str, set[str]] = {n: set() for n in switches}
    for link in plan.links:
        if link.fabric == fabric and link.a_device in switches and link.b_device in switches:
            adj[link.a_device].add(link.b_device)
            adj[link.b_device].add(link.a_device)
    return adj


def _bfs(adj: Mapping[str, Iterable[str]], sources: Iterable[str]) -> dict[str, int]:
    dist = {s: 0 for s in sources}
    frontier = list(dist)
    while frontier:
        nxt = []
        for here in frontier:
            for there in adj.get(here, ()):
                if there not in dist:
                    dist[there] = dist[here] + 1
                    nxt.append(there)
        frontier = nxt
    return dist


def hops(plan: Plan, fabric: str) -> tuple[int | None, int | None]:
    """(node to node, port to port): the most switches a packet crosses on ``fabric``.

    Node to node: between the two GPU nodes farthest apart, each pair by its shortest path through
    any of its ports (on a rail-optimized fabric, rail-matched traffic). Port to port: between the
    two node ports farthest apart (a GPU to a GPU of another rail, or behind another leaf of a
    pair). None where no pair exists; -1 where some pair cannot reach each other.
    """
    adj = _switch_graph(plan, fabric)
    groups: dict[frozenset[str], int] = defaultdict(int)
    for node in _nodes(plan):
        leaves = frozenset(i.peer_device for i in node.interfaces if i.fabric == fabric)
        if leaves:
            groups[leaves] += 1
    node_worst: int | None = None
    ordered = sorted(groups, key=sorted)
    for a in ordered:
        if groups[a] > 1:
            node_worst = max(node_worst or 0, 1)
        dist = _bfs(adj, a)
        for b in ordered:
            if b is a:
                continue
            reach = [dist[x] for x in b if x in dist]
            if not reach:
                return -1, -1
            node_worst = max(node_worst or 0, min(reach) + 1)
    gpu_leaves = sorted(set().union(*groups)) if groups else []
    port_worst: int | None = 1 if gpu_leaves else None
    classes: dict[frozenset[str], list[str]] = defaultdict(list)
    for leaf in gpu_leaves:
        classes[frozenset(adj.get(leaf, ()))].append(leaf)
    for neighbours, members in sorted(classes.items(), key=lambda kv: kv[1]):
        # Every leaf of the class has the same neighbours, so one search serves them all: from a
        # member, another leaf is as far as from the nearest shared neighbour, plus the first hop.
        dist = _bfs(adj, neighbours)
        own = set(members)
        others = [leaf for leaf in gpu_leaves if leaf not in own or len(members) > 1]
        if any(leaf not in dist for leaf in others):
            return node_worst, -1
        if others:
            port_worst = max(port_worst or 0, max(dist[leaf] for leaf in others) + 2)
    return node_worst, port_worst


def _compute(plan: Plan, fabric: str) -> list[Metric]:
    f = plan.fabrics[fabric]
    cap = _capacities(plan, fabric)
    ratios = tier_ratios(cap)
    rate = node_rate(plan, fabric)
    bisection = bisection_per_gpu(rate, ratios)
    node_hops, port_hops = hops(plan, fabric)
    rails = int(f.get("rails") or 0)
    out = [
        Metric("compute.kind", "compute fabric", f["kind"],
               "%s (%s)" % (f["kind"], f.get("platform") or "")),
        Metric("compute.tiers", "compute tiers", f["tiers"]),
        Metric("compute.rails", "compute rails (0: not rail-optimized)", rails),
        Metric("compute.link_speed_gbps", "compute node link, Gb/s", f["link_speed_gbps"]),
    ]
    for tier, ratio in ratios.items():
        out.append(Metric("compute.%s.oversubscription" % tier, "compute %s down:up (worst switch)" % tier,
                          round(1.0 / ratio, 3), "%s:1" % fmt(round(1.0 / ratio, 3))))
    out.extend([
        Metric("compute.node_gbps_per_gpu", "compute Gb/s per GPU at the node", round(rate, 2)),
        Metric("compute.bisection_gbps_per_gpu", "compute bisection Gb/s per GPU", round(bisection, 2)),
        Metric("compute.hops", "compute worst-case switch hops, node to node", _hop_value(node_hops),
               _hop_text(node_hops)),
        Metric("compute.hops_any_port", "compute worst-case switch hops, port to port (cross-rail)",
               _hop_value(port_hops), _hop_text(port_hops)),
    ])
    return out


def _hop_value(value: int | None) -> Any:
    return "unreachable" if value == -1 else ("" if value is None else value)


def _hop_text(value: int | None) -> str:
    return "unreachable" if value == -1 else ("n/a" if value is None else str(value))


# ---------------------------------------------------------------------------------------------
# Failures


def leaf_failure(plan: Plan, fabric: str) -> dict[str, Any] | None:
    """What the worst single leaf of ``fabric`` takes away: its node ports, the nodes behind them,
    how much of each such node's bandwidth on the fabric, and the nodes left with no port at all."""
    ports_of: dict[str, int] = {d.name: sum(1 for i in d.interfaces if i.fabric == fabric) for d in _nodes(plan)}
    worst: dict[str, Any] | None = None
    for dev in plan.devices.values():
        if dev.fabric != fabric or dev.role != "leaf":
            continue
        on_leaf: dict[str, int] = defaultdict(int)
        appliance_ports = 0
        for iface in dev.interfaces:
            if iface.role != "downlink":
                continue
            peer = plan.devices[iface.peer_device]
            if peer.role == NODE_ROLE:
                on_leaf[peer.name] += 1
            elif peer.role == APPLIANCE_ROLE:
                appliance_ports += 1
        if not on_leaf:
            continue
        share = max(n / float(ports_of[node]) for node, n in on_leaf.items())
        lost_per_node = max(on_leaf.values())
        record = {"leaf": dev.name, "node_ports": sum(on_leaf.values()), "nodes": len(on_leaf),
                  "nodes_cut_off": sum(1 for node, n in on_leaf.items() if n == ports_of[node]),
                  "ports_per_node_lost": lost_per_node, "node_ports_each": max(ports_of[n] for n in on_leaf),
                  "node_share_lost": share, "appliance_ports": appliance_ports}
        rank = (record["nodes_cut_off"], record["node_ports"], share)
        if worst is None or rank > (worst["nodes_cut_off"], worst["node_ports"], worst["node_share_lost"]):
            worst = record
    return worst


def upper_failure(plan: Plan, fabric: str, tier: str) -> dict[str, Any] | None:
    """What the worst single switch of ``tier`` (spine or core) takes away: the share of a lower
    switch's uplink capacity lost, how many lower switches lose some, and the bisection per GPU left."""
    cap = _capacities(plan, fabric)
    ratios = tier_ratios(cap)
    rate = node_rate(plan, fabric)
    uppers = sorted(n for n, r in cap.role.items() if r == tier)
    if not uppers:
        return None
    lower_tier = TIERS[TIERS.index(tier) - 1]
    lowers = [n for n, r in cap.role.items() if r == lower_tier and cap.up[n]]
    worst: dict[str, Any] | None = None
    for upper in uppers:
        affected = [n for n in lowers if cap.up_to[n].get(upper)]
        if not affected:
            continue
        share = max(cap.up_to[n][upper] / cap.up[n] for n in affected)
        left = [(cap.up[n] - cap.up_to[n].get(upper, 0.0)) / cap.down[n] for n in lowers if cap.down[n]]
        after = dict(ratios)
        if left:
            after[lower_tier] = min(left)
        record = {"switch": upper, "lower_switches": len(affected), "uplink_share_lost": share,
                  "links_lost": max(sum(1 for i in plan.devices[n].interfaces
                                        if i.role == "uplink" and i.peer_device == upper) for n in affected),
                  "uplinks_each": max(sum(1 for i in plan.devices[n].interfaces if i.role == "uplink")
                                      for n in affected),
                  "bisection_after": bisection_per_gpu(rate, after)}
        if worst is None or record["bisection_after"] < worst["bisection_after"] or (
                record["bisection_after"] == worst["bisection_after"]
                and record["uplink_share_lost"] > worst["uplink_share_lost"]):
            worst = record
    return worst


def _failures(plan: Plan, fabric: str) -> list[Metric]:
    out = []
    leaf = leaf_failure(plan, fabric)
    if leaf is not None:
        text = "%d node ports: %s lose %d of %d ports (%s %% of their bandwidth); %s cut off" % (
            leaf["node_ports"], count(leaf["nodes"], "node"), leaf["ports_per_node_lost"], leaf["node_ports_each"],
            fmt(round(100 * leaf["node_share_lost"], 1)), count(leaf["nodes_cut_off"], "node"))
        if leaf["appliance_ports"]:
            text += "; %d appliance ports" % leaf["appliance_ports"]
        out.extend([
            Metric("compute.leaf_failure.node_ports", "one compute leaf fails", leaf["node_ports"], text),
            Metric("compute.leaf_failure.nodes", "nodes behind that leaf", leaf["nodes"], markdown=False),
            Metric("compute.leaf_failure.node_share_lost", "their bandwidth lost",
                   round(leaf["node_share_lost"], 4), markdown=False),
            Metric("compute.leaf_failure.nodes_cut_off", "nodes cut off", leaf["nodes_cut_off"], markdown=False),
        ])
    for tier in TIERS[1:]:
        upper = upper_failure(plan, fabric, tier)
        if upper is None:
            continue
        lower = TIERS[TIERS.index(tier) - 1]
        text = "%d %s lose %d of %d uplinks (%s %%); bisection %s Gb/s per GPU left" % (
            upper["lower_switches"], PLURAL[lower], upper["links_lost"], upper["uplinks_each"],
            fmt(round(100 * upper["uplink_share_lost"], 2)), fmt(round(upper["bisection_after"], 2)))
        key = "compute.%s_failure" % tier
        out.extend([
            Metric(key + ".uplink_share_lost", "one compute %s fails" % tier, round(upper["uplink_share_lost"], 4), text),
            Metric(key + ".switches_affected", "%s that lose uplinks" % PLURAL[lower], upper["lower_switches"],
                   markdown=False),
            Metric(key + ".bisection_gbps_per_gpu", "bisection per GPU left", round(upper["bisection_after"], 2),
                   markdown=False),
        ])
    return out


# ---------------------------------------------------------------------------------------------
# Operations


def operations(plan: Plan, fabric: str) -> list[str]:
    """The operational parts ``fabric`` needs, read from its plan summary and devices."""
    f = plan.fabrics[fabric]
    devices = [d for d in plan.devices.values() if d.fabric == fabric]
    switches = [d for d in devices if d.role in SWITCH_ROLES]
    parts: list[str] = []
    if f["kind"] == INFINIBAND:
        appliances: dict[str, int] = defaultdict(int)
        for dev in devices:
            if dev.role == APPLIANCE_ROLE:
                appliances[dev.model] += 1
        if appliances:
            parts.append("subnet manager on %s (UFM/OpenSM, primary and standby)" % ", ".join(
                "%d × %s" % (n, m) for m, n in sorted(appliances.items())))
        else:
            managed = sorted({d.model for d in switches if plan.catalog["switches"][d.model].get("managed")})
            parts.append("subnet manager: OpenSM on two hosts%s" % (
                " or embedded in a managed %s" % "/".join(managed) if managed else ""))
        ends = sum(1 for d in devices if d.role in SWITCH_ROLES) + sum(
            1 for d in plan.devices.values() if d.role in (NODE_ROLE, APPLIANCE_ROLE)
            for i in d.interfaces if i.fabric == fabric)
        parts.append("%d InfiniBand nodes to sweep (HCA ports and switches)" % ends)
        pkeys = [t for t in plan.design.tenants if t.get("pkey") is not None]
        parts.append("partitions: %d tenant P_Keys" % len(pkeys) if pkeys else "partitions: the default P_Key")
        return parts
    asns = sum(1 for d in switches if d.asn is not None)
    if asns:
        parts.append("BGP underlay (%d switch ASNs)" % asns)
    parts.append("switch OS %s" % f.get("platform"))
    qos = f.get("qos")
    if qos:
        if qos.get("pfc"):
            parts.append("PFC on priority %s%s" % (qos.get("roce_priority"),
                                                   " with PFC watchdog" if qos.get("pfc_watchdog") else ""))
        if qos.get("ecn"):
            parts.append("ECN marking %s-%s B" % (qos.get("ecn_min_bytes"), qos.get("ecn_max_bytes")))
        parts.append("DSCP marking: RoCE %s -> priority %s, CNP %s -> priority %s" % (
            qos.get("roce_dscp"), qos.get("roce_priority"), qos.get("cnp_dscp"), qos.get("cnp_priority")))
        if f.get("congestion_control") and f["congestion_control"] != "none":
            parts.append("%s on the NICs" % str(f["congestion_control"]).upper())
    elif f["kind"] == "roce":
        parts.append("no QoS profile: RoCE without PFC/ECN (set qos_profile)")
    pairs = sum(1 for d in devices if d.mlag and d.mlag.get("role") == "primary")
    if pairs:
        parts.append("MLAG pairs: %d (peer links, host bonds)" % pairs)
    return parts


def _operations(plan: Plan) -> list[Metric]:
    return [Metric("%s.operations" % name, "%s operations" % name, "; ".join(operations(plan, name)))
            for name in _fabric_names(plan)]


# ---------------------------------------------------------------------------------------------
# Writing


def fmt(value: Any) -> str:
    """A value as a table cell: integers plain, other numbers to two decimals without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return ("%.2f" % value).rstrip("0").rstrip(".")
    return str(value)


def csv_value(value: Any) -> str:
    """A value as a CSV field: numbers to six decimals at most (a spreadsheet computes with them)."""
    if isinstance(value, float) and not value.is_integer():
        return ("%.6f" % value).rstrip("0").rstrip(".")
    return fmt(value)


def count(n: int, noun: str) -> str:
    return "%d %s%s" % (n, noun, "" if n == 1 else "s")


def money(value: float) -> str:
    return "{:,.0f}".format(value)


def union(sequences: Iterable[Sequence[Any]]) -> list[Any]:
    """Every item of the sequences once; a new one goes right after the item before it in its own
    sequence, so rows that only some variants have stay beside their neighbours."""
    out: list[Any] = []
    for seq in sequences:
        previous = None
        for item in seq:
            if item not in out:
                out.insert(out.index(previous) + 1 if previous is not None else 0, item)
            previous = item
    return out


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(comparison: Comparison) -> str:
    """compare.md: the variants, then one table (a column per variant, a row per metric), a legend."""
    cols = comparison.columns
    lines = ["# Design comparison: %s" % (comparison.name or comparison.design), "",
             "Base design `%s`; %d variant%s, each planned from the design with these changes:" % (
                 comparison.design, len(cols), "" if len(cols) == 1 else "s"), "",
             "| variant | change |", "|---|---|"]
    for col in cols:
        lines.append("| %s | %s |" % (_escape(col.label), _escape(
            "; ".join("`%s`" % change_text(p, v) for p, v in col.changes) or "(none)")))
    lines.extend(["", "| | %s |" % " | ".join(_escape(c.label) for c in cols),
                  "|---|" + "---|" * len(cols)])
    index = [{m.key: m for m in c.metrics} for c in cols]
    for key, label in comparison.keys():
        if not any(key in i and i[key].markdown for i in index):
            continue
        cells = [_escape(i[key].cell()) if key in i else "" for i in index]
        lines.append("| %s | %s |" % (_escape(label), " | ".join(cells)))
    lines.extend(["", "How to read it (every row is counted from the variant's plan; docs/compare.md says how):",
                  ""] + ["- %s" % line for line in LEGEND] + [""])
    return "\n".join(lines)


LEGEND = (
    "*switches*: per fabric and tier, count × model; *ports used*: on the fullest switch of the tier, of the "
    "ports it has at its native speed (a port broken out counts once), then what runs on them.",
    "*cables*, *transceivers*: the bill of materials, all fabrics, by part number where the catalog has one "
    "(two items of one part are one row), else by catalog item.",
    "*bisection Gb/s per GPU*: a GPU's share of its node's compute ports, times the worst uplink:downlink "
    "capacity ratio of each switch tier (capped at 1), what every GPU can send across the fabric at once.",
    "*hops, node to node*: most switches between two GPU nodes on their best ports (rail-matched traffic); "
    "*port to port*: between any two node ports (another rail, the other leaf of a pair).",
    "*one leaf fails*: the worst leaf's node ports and what its nodes lose; *one spine (core) fails*: the "
    "worst share of a lower switch's uplinks lost and the bisection per GPU left.",
    "*operations*: what each fabric needs run or tuned: a subnet manager and partitions on InfiniBand; "
    "BGP, PFC, ECN and DSCP marking on RoCE; MLAG pairs where nodes bond over a leaf pair.",
    "*refused*: the planner's first problem with that variant, naming the field to change.",
)


def header(comparison: Comparison) -> list[str]:
    return ["variant", "changes"] + [key for key, _label in comparison.keys()]


def rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One dict per variant: the CSV's columns and values (the action plugin returns these)."""
    keys = [key for key, _label in comparison.keys()]
    out = []
    for col in comparison.columns:
        values = {m.key: m.value for m in col.metrics}
        row: dict[str, Any] = {"variant": col.label,
                               "changes": "; ".join(change_text(p, v) for p, v in col.changes)}
        row.update((k, values.get(k, "")) for k in keys)
        out.append(row)
    return out


def csv_text(comparison: Comparison) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    head = header(comparison)
    writer.writerow(head)
    for row in rows(comparison):
        writer.writerow([csv_value(row[k]) for k in head])
    return buf.getvalue()


def write_comparison(comparison: Comparison, dest: str, check_mode: bool = False) -> list[str]:
    """Write compare.md and compare.csv into ``dest``; return the names that changed (or would)."""
    if not os.path.isdir(dest):
        if check_mode:
            return list(FILES)
        os.makedirs(dest)
    texts = {"compare.md": markdown(comparison), "compare.csv": csv_text(comparison)}
    return [name for name in FILES if write_if_changed(os.path.join(dest, name), texts[name], check_mode=check_mode)]
