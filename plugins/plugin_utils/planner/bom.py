# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bill of materials: what to buy, per fabric and in total, counted from the plan itself.

Cables are counted by the share of a cable each link takes (two links on one splitter DAC are
one cable; a link over two fibers is two), transceivers once per cage in use, not per link: a
twin-port module serves two ports. Prices come only from the catalog (``price`` and
``currency`` on an entry, normally from a user's catalog file of quotes): a row whose item has
no price has no price columns, and the total says how many rows it leaves out.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import NVLINK_SWITCH_ROLE, PDU_ROLE
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Link, Rack

CATEGORY_SECTION = {"system": "systems", "server": "servers", "switch": "switches", "appliance": "appliances", "pdu": "appliances",
                    "nic": "nics", "cable": "cables", "transceiver": "cables"}


def bill(design: Design, devices: Sequence[Device], links: Sequence[Link],
         racks: Sequence[Rack]) -> list[dict[str, Any]]:
    """Rows of (category, item, part_number, fabric, detail, quantity[, unit_price, extended_price, currency])."""
    rows: Counter[tuple[Any, ...]] = Counter()
    server = design.catalog.servers[design.node_model]
    rack_scale = design.system is not None
    if rack_scale:
        # A rack-scale system is bought whole: its compute trays, their NICs and its NVLink switch
        # trays come in it, so it is one row, counted by NVLink domain (one per system).
        rows[("system", str(design.system), "", "")] += len({d.nvlink_domain for d in devices if d.nvlink_domain})
    for dev in devices:
        if dev.role == "gpu_node" and rack_scale or dev.role == NVLINK_SWITCH_ROLE:
            continue
        if dev.role == "gpu_node":
            rows[("server", dev.model, "", "")] += 1
        elif dev.role == "appliance":
            rows[("appliance", dev.model, dev.fabric, "")] += 1
        elif dev.role == PDU_ROLE:
            rows[("pdu", dev.model, "", "")] += 1
        else:
            rows[("switch", dev.model, dev.fabric, dev.role)] += 1
    nodes = sum(1 for d in devices if d.role == "gpu_node")
    for role, group in sorted(server.nics.items()):
        if group.model and group.ports and not rack_scale:
            per_card = (design.catalog.nics.get(group.model) or {}).get("ports", 1) or 1
            cards = -(-group.ports // per_card)
            rows[("nic", group.model, "", role)] += cards * nodes
    # Counted on the raw values first: formatting the length once per kind, not once per cable.
    shares: dict[tuple[Any, ...], float] = {}
    modules: dict[tuple[str, str, str], str] = {}
    for link in links:
        key = (link.cable, link.fabric, link.length_m)
        shares[key] = shares.get(key, 0.0) + link.cable_share
        if link.a_module:
            modules[(link.a_device, link.a_cage, link.fabric)] = link.a_module  # type: ignore[index]
        if link.b_module:
            modules[(link.b_device, link.b_cage, link.fabric)] = link.b_module  # type: ignore[index]
    for (cable, fabric, length), share in shares.items():
        rows[("cable", cable, fabric, "%g m" % length)] += int(math.ceil(share - 1e-9))
    for (_dev, _cage, fabric), module in modules.items():
        rows[("transceiver", module, fabric, "")] += 1
    rows[("rack", "rack %dU %g kW" % (design.facility["rack"]["units"], design.facility["rack"]["power_kw"]),
          "", "")] += len(racks)
    return _by_part_number(design, rows)


def _by_part_number(design: Design, rows: Mapping[tuple[Any, ...], int]) -> list[dict[str, Any]]:
    """One row per part a buyer orders. Two catalog items can be the same part run two ways (the
    twin-port 980-9I510-00NS00 is ``xcvr-2x400g-sr4`` broken out toward nodes and
    ``xcvr-800g-2xsr4`` as one 800G uplink): their counts are summed into one row naming both
    items, so an order never splits one part number over two lines. Items without a part number
    stay a row each."""
    merged: dict[tuple[Any, ...], tuple[list[str], int]] = {}
    for (c, i, f, d), q in rows.items():
        part = _entry(design, c, i).get("part_number", "")
        key = (c, part or (None, i), f, d)
        items, total = merged.get(key, ([], 0))
        merged[key] = (items + [i], total + q)
    out = []
    for (c, part, f, d), (items, q) in merged.items():
        items = sorted(items)
        row: dict[str, Any] = {"category": c, "item": " + ".join(items), "part_number": part if isinstance(part, str) else "",
                               "fabric": f, "detail": d, "quantity": q}
        row.update(_part_price(design, c, items, q))
        out.append(row)
    return sorted(out, key=lambda r: (r["category"], r["item"], str(r["fabric"]), str(r["detail"])))


def _part_price(design: Design, category: str, items: Sequence[str], quantity: int) -> dict[str, Any]:
    """The price of one part, from whichever of its catalog items is priced; two items of one part
    number priced differently are a catalog error, not something to average."""
    prices = {item: _price(design, category, item, quantity) for item in items}
    priced = {item: p for item, p in prices.items() if p}
    if len({(p["unit_price"], p["currency"]) for p in priced.values()}) > 1:
        section = CATEGORY_SECTION[category]
        raise DesignError(field("catalog.%s.%s.price" % (section, sorted(priced)[0]),
                                "%s are the same part (%s) with different prices; give them one price"
                                % (" and ".join(sorted(priced)), _entry(design, category, items[0]).get("part_number"))))
    return next(iter(priced.values()), {})


def _entry(design: Design, category: str, item: str) -> Mapping[str, Any]:
    section = CATEGORY_SECTION.get(category)
    if section is None:
        return {}
    found = getattr(design.catalog, section).get(item)
    if found is None:
        return {}
    return found if isinstance(found, dict) else found.raw if hasattr(found, "raw") else {}


def _price(design: Design, category: str, item: str, quantity: int) -> dict[str, Any]:
    entry = _entry(design, category, item)
    if entry.get("price") is None:
        return {}
    unit = float(entry["price"])
    return {"unit_price": unit, "extended_price": round(unit * quantity, 2), "currency": entry.get("currency", "")}


def cost(design: Design, bom: Sequence[Mapping[str, Any]], gpus: int, bisection_gbps: float) -> dict[str, Any] | None:
    """The BOM's total where the catalog has prices, per GPU and per Gb/s of bisection bandwidth;
    None when no item has a price. Items without one are listed, never guessed."""
    priced = [r for r in bom if "extended_price" in r]
    if not priced:
        return None
    currencies = sorted({r["currency"] for r in priced})
    if len(currencies) > 1:
        raise DesignError(field("catalog", "prices in more than one currency (%s); give every price in one "
                                "(price, currency)" % ", ".join(c or "(none)" for c in currencies)))
    total = round(sum(r["extended_price"] for r in priced), 2)
    return {"currency": currencies[0], "total": total,
            "per_gpu": round(total / gpus, 2) if gpus else None,
            "per_bisection_gbps": round(total / bisection_gbps, 2) if bisection_gbps else None,
            "unpriced": sorted({"%s %s" % (r["category"], r["item"]) for r in bom if "extended_price" not in r})}
