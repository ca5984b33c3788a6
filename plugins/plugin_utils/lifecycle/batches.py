# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The batches of a rolling update: as few as the failure domains allow, never more than they allow.

A batch of GPU nodes is drained, updated and validated together, so it takes its nodes' capacity
away at once. The plan knows every node's domains; the design's ``lifecycle.roll`` says how much of
each a batch may hold, rounded down but never below one device (planner.lifecycle.allowed):

* a **scalable unit**: at most ``su_share`` of its nodes, so the SU's rail leaves and its jobs
  placed under one switch (Slurm's topology) keep the rest;
* a **tenant**: at most ``tenant_share`` of its reserved nodes;
* ``batch_nodes``: at most that many nodes in all.

Nodes are taken first fit in plan order (SU, then slot), so each batch spreads over the SUs and
the number of batches is the fewest the shares permit. Nodes a stopped roll left drained come
first: they are out of service already, and the operator's rerun must finish them before it
takes anything else away.

Switches go one per redundancy group (a SU's leaves: the other rails carry the SU's traffic; a
pod's spines or a fabric's cores: ECMP over the others) and at most ``rail_share`` of one rail's
leaves at once.

The work is linear in the devices times the batches: a 4,000-node roll at 25% is four passes
over the nodes (benchmarks/run.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import NODE_ROLE, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.lifecycle import allowed, share


def node_domains(dev: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The domains of a GPU node a batch is limited in."""
    out: list[tuple[Any, ...]] = [("su", dev.get("su"))]
    if dev.get("tenant"):
        out.append(("tenant", dev["tenant"]))
    return out


def switch_domains(dev: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The redundancy group of a switch (one per batch), and its rail for a rail's leaf."""
    role, fabric = dev.get("role"), dev.get("fabric")
    if role == "leaf":
        out: list[tuple[Any, ...]] = [("group", fabric, "leaf", "su", dev.get("su"))]
        if dev.get("rail") is not None:
            out.append(("rail", fabric, dev["rail"]))
        return out
    if role == "spine":
        return [("group", fabric, "spine", "pod", dev.get("pod"))]
    return [("group", fabric, role)]


def limits(plan: dict[str, Any]) -> dict[tuple[Any, ...], int]:
    """{domain: most of its devices in one batch} for every domain of the plan."""
    roll = plan["lifecycle"]["roll"]
    devices = plan["devices"].values()
    sizes: Counter[tuple[Any, ...]] = Counter()
    for dev in devices:
        if dev.get("role") == NODE_ROLE:
            sizes.update(node_domains(dev))
        elif dev.get("role") in SWITCH_ROLES:
            sizes.update(switch_domains(dev))
    fractions = {"su": share(roll["su_share"]), "tenant": share(roll["tenant_share"]),
                 "rail": share(roll["rail_share"])}
    return {domain: (1 if domain[0] == "group" else allowed(size, fractions[domain[0]]))
            for domain, size in sizes.items()}


def batches(plan: dict[str, Any], names: list[str], held: list[str] | None = None) -> list[list[str]]:
    """``names`` (GPU nodes or switches of the plan) in batches within the plan's limits; ``held``
    (a stopped roll's drained devices) go first."""
    devices = plan["devices"]
    cap = limits(plan)
    per_batch = (plan["lifecycle"]["roll"].get("batch_nodes") or 0)
    held_set = set(held or ())
    order = {name: i for i, name in enumerate(devices)}
    todo = sorted(set(names) | held_set, key=lambda n: (n not in held_set, devices[n].get("su") or 0, order[n]))
    out: list[list[str]] = []
    used: list[Counter[tuple[Any, ...]]] = []
    for name in todo:
        dev = devices[name]
        doms = node_domains(dev) if dev.get("role") == NODE_ROLE else switch_domains(dev)
        for i, batch in enumerate(out):
            if (not per_batch or dev.get("role") != NODE_ROLE or len(batch) < per_batch) and \
                    all(used[i][d] < cap[d] for d in doms):
                break
        else:
            out.append([])
            used.append(Counter())
            i = len(out) - 1
        out[i].append(name)
        used[i].update(doms)
    return out
