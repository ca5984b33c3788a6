# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bill of materials: what to buy, per fabric and in total, counted from the plan itself."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Link, Rack


def bill(design: Design, devices: Sequence[Device], links: Sequence[Link],
         racks: Sequence[Rack]) -> list[dict[str, Any]]:
    """Rows of (category, item, fabric, quantity, detail), sorted, plus totals."""
    rows: Counter[tuple[Any, ...]] = Counter()
    server = design.catalog.servers[design.node_model]
    for dev in devices:
        if dev.role == "gpu_node":
            rows[("server", dev.model, "", "")] += 1
        elif dev.role == "appliance":
            rows[("appliance", dev.model, dev.fabric, "")] += 1
        else:
            rows[("switch", dev.model, dev.fabric, dev.role)] += 1
    nodes = sum(1 for d in devices if d.role == "gpu_node")
    for role, group in sorted(server.nics.items()):
        if group.model and group.ports:
            per_card = (design.catalog.nics.get(group.model) or {}).get("ports", 1) or 1
            cards = -(-group.ports // per_card)
            rows[("nic", group.model, "", role)] += cards * nodes
    # Counted on the raw values first: formatting the length once per kind, not once per cable.
    cables: Counter[tuple[Any, ...]] = Counter((link.cable, link.fabric, link.length_m, link.transceiver) for link in links)
    for (cable, fabric, length, transceiver), count in cables.items():
        rows[("cable", cable, fabric, "%g m" % length)] += count
        if transceiver:
            rows[("transceiver", transceiver, fabric, "")] += 2 * count
    rows[("rack", "rack %dU %g kW" % (design.facility["rack"]["units"], design.facility["rack"]["power_kw"]),
          "", "")] += len(racks)
    out = [{"category": c, "item": i, "fabric": f, "detail": d, "quantity": q}
           for (c, i, f, d), q in sorted(rows.items(), key=lambda kv: tuple(str(x) for x in kv[0]))]
    return out
