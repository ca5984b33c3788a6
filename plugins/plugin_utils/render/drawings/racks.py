# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rack elevations (one drawing per row of racks) and the hall layout with its cable runs.

A facility team checks space and power rack by rack and row by row, so each row of the hall is
one drawing: every rack's front view with each device at its units, coloured by role, and under
each rack its power against its budget. The hall layout puts every rack at its row and position
(the positions the planner measured cable lengths from) and shows the cable runs between racks
with their count and the lengths the plan ordered; a large hall gets one line of runs per row
instead of a line per rack pair.

Ids: ``rack.<rack>`` (the frame, with ``data-units``, ``data-top`` and ``data-unit-height``: unit
U spans ``y = data-top + (units - U) * data-unit-height``), ``ru.<device>`` (a device, with
``data-unit`` and ``data-height``; 0 and 0 for a zero-U PDU, drawn as a strip in the rack's side),
``hall.<rack>`` and ``run.<rack>.<rack>`` in the hall.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import style
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.records import (
    DeviceLike, PlanLike, RackLike)

UNIT_H = 10            # px per rack unit
RACK_W = 210
RACK_GAP = 18
HEAD = 52              # row title and rack figures above the racks
FOOT = 30
# The hall draws one line per rack pair up to this many pairs, else one line of runs per row.
MAX_RUN_LINES = 40
# Rack names are written in the hall's cells up to this many racks.
MAX_HALL_NAMES = 120


class Run(object):
    """The cables between two racks (or within one): how many, and the lengths ordered."""

    __slots__ = ("a", "b", "count", "lengths", "metres")

    def __init__(self, a: str, b: str) -> None:
        self.a = a
        self.b = b
        self.count = 0
        self.lengths: set[float] = set()
        self.metres = 0.0


def rows(plan: PlanLike) -> dict[int, list[RackLike]]:
    """{row: its racks by position}."""
    out: dict[int, list[RackLike]] = {}
    for rack in plan.racks:
        out.setdefault(int(rack.row), []).append(rack)
    for racks in out.values():
        racks.sort(key=lambda r: (r.column, style.natural(r.name)))
    return dict(sorted(out.items()))


def cable_runs(plan: PlanLike) -> dict[tuple[str, str], Run]:
    """{(rack, rack): Run} over every cable of the plan, the two racks ordered by row, position, name."""
    rack_of = {name: dev.rack or "" for name, dev in plan.devices.items()}
    acc: dict[tuple[str, str], list[Any]] = {}
    for link in plan.links:
        key = (rack_of[link.a_device], rack_of[link.b_device])
        entry = acc.get(key)
        if entry is None:
            entry = acc[key] = [0, set(), 0.0]
        entry[0] += 1
        length = link.length_m
        if length is not None:
            entry[1].add(length)
            entry[2] += length
    return runs_from(plan, acc)


def runs_from(plan: PlanLike, acc: Mapping[tuple[str, str], Sequence[Any]]) -> dict[tuple[str, str], Run]:
    """Runs from cables tallied by (rack of the a end, rack of the b end): [count, {lengths}, metres]."""
    racks = {r.name: (r.row, r.column, style.natural(r.name)) for r in plan.racks}
    runs: dict[tuple[str, str], Run] = {}
    for (ra, rb), (n, lengths, metres) in acc.items():
        if ra in racks and rb in racks and racks[rb] < racks[ra]:
            ra, rb = rb, ra
        run = runs.get((ra, rb))
        if run is None:
            run = runs[(ra, rb)] = Run(ra, rb)
        run.count += n
        run.lengths.update(float(v) for v in lengths)
        run.metres += metres
    return dict(sorted(runs.items(), key=lambda i: (racks.get(i[0][0], ()), racks.get(i[0][1], ()))))


def row_runs(plan: PlanLike, runs: Mapping[tuple[str, str], Run]) -> dict[tuple[int, int], Run]:
    """The runs added up by the rows of their racks: {(row, row): Run}."""
    row_of = {r.name: int(r.row) for r in plan.racks}
    out: dict[tuple[int, int], Run] = {}
    for (ra, rb), run in runs.items():
        key = tuple(sorted((row_of.get(ra, 0), row_of.get(rb, 0))))
        agg = out.get(key)  # type: ignore[arg-type]
        if agg is None:
            agg = out[key] = Run(str(key[0]), str(key[1]))  # type: ignore[index]
        agg.count += run.count
        agg.lengths.update(run.lengths)
        agg.metres += run.metres
    return dict(sorted(out.items()))


def power_class(used: float, budget: float) -> str:
    """``ok`` up to 90 % of the budget, ``high`` up to it, ``over`` beyond (the planner never goes
    over; a catalog edited after planning can)."""
    if used > budget + 1e-9:
        return "over"
    return "high" if budget and used > 0.9 * budget else "ok"


def elevation_svg(plan: PlanLike, row: int, racks: Sequence[RackLike], header: bool = True) -> str:
    """Front views of the racks of one row, each device at its units, power at the foot of each rack."""
    dw = style.require_drawsvg()
    devices = plan.devices
    tallest = max(r.units for r in racks)
    width = 40 + len(racks) * (RACK_W + RACK_GAP)
    height = HEAD + tallest * UNIT_H + 8 + FOOT
    d = style.drawing(max(width, 420), height, "e%d_" % row)
    used = sum(r.used_power_kw for r in racks)
    budget = sum(r.power_kw for r in racks)
    d.append(dw.Text("%s \u00b7 row %d \u00b7 %d rack%s \u00b7 %s of %s kW" % (
        plan.name, row, len(racks), "s" if len(racks) != 1 else "", "%.1f" % used, "%g" % budget), None, 20, 22,
        class_="h1"))
    for i, rack in enumerate(racks):
        x = 30 + i * (RACK_W + RACK_GAP)
        top = HEAD + (tallest - rack.units) * UNIT_H
        body_y = top + 4
        # Three elements per rack besides its devices (a 100,000-GPU hall has 3,453 racks): the
        # frame, whose bottom strip is the power budget, the power used as a bar in that strip,
        # and one line of text above. The frame carries the geometry a reader (or a test) needs:
        # unit U of this rack spans y = data-top + (units - U) * data-unit-height.
        d.append(dw.Rectangle(x, top, RACK_W, rack.units * UNIT_H + 16, id="rack." + style.safe_id(rack.name),
                              class_="frame k-" + (rack.kind if rack.kind in style.RACK_KIND_COLOURS else "compute"),
                              data_rack=style.attr(rack.name), data_units=rack.units, data_top=body_y, data_unit_height=UNIT_H,
                              data_position=rack.column))
        share = min(1.0, rack.used_power_kw / rack.power_kw) if rack.power_kw else 1.0
        d.append(dw.Rectangle(x + 4, body_y + rack.units * UNIT_H + 3, (RACK_W - 8) * share, 6,
                              class_=power_class(rack.used_power_kw, rack.power_kw)))
        d.append(dw.Text("%s \u00b7 %.1f / %g kW \u00b7 %d / %d U" % (
            rack.name, rack.used_power_kw, rack.power_kw, rack.used_units, rack.units), None, x + RACK_W / 2.0,
            top - 6, class_="s8 b mid"))
        if i == 0:
            for u in sorted({1, rack.units} | set(range(6, rack.units + 1, 6))):
                d.append(dw.Text(str(u), None, x - 3, body_y + (rack.units - u) * UNIT_H + 8, class_="small end"))
        side = 0
        for entry in rack.devices:
            dev = devices[entry["device"]]
            if entry["rack_unit"] is None:
                # Zero-U (a PDU in the rack's side): a strip in the side gutters, left and right in
                # turn, the whole height of the rack (named in its id and on the install sheet).
                sx = x + 3 + (side // 2) * 5 if side % 2 == 0 else x + RACK_W - 7 - (side // 2) * 5
                d.append(dw.Rectangle(sx, body_y, 4, rack.units * UNIT_H, id="ru." + style.safe_id(dev.name),
                                      class_="dev " + style.role_class(dev.role), data_unit=0, data_height=0))
                side += 1
                continue
            unit, h = int(entry["rack_unit"]), int(entry["height"])
            y = body_y + (rack.units - (unit + h - 1)) * UNIT_H
            d.append(dw.Rectangle(x + 14, y, RACK_W - 28, h * UNIT_H, id="ru." + style.safe_id(dev.name),
                                  class_="dev " + style.role_class(dev.role), data_unit=unit, data_height=h))
            d.append(dw.Text(_device_label(dev, h), None, x + RACK_W / 2.0, y + h * UNIT_H / 2.0 + 3,
                             class_="s8 mid" if h > 1 else "small mid"))
    return style.svg_text(d, header)


def _device_label(dev: DeviceLike, height: int) -> str:
    if height >= 3:
        return "%s \u00b7 %s \u00b7 %g kW" % (dev.name, dev.model, dev.power_kw)
    return dev.name


def hall_svg(plan: PlanLike, runs: Mapping[tuple[str, str], Run], header: bool = True) -> str:
    """Every rack at its row and position, power used as a bar in each, and the cable runs."""
    dw = style.require_drawsvg()
    by_row = rows(plan)
    racks = list(plan.racks)
    small = len(racks) <= MAX_HALL_NAMES
    cw, ch, gap_x, gap_y = (56, 26, 6, 30) if small else (16, 12, 3, 8)
    max_col = max(r.column for r in racks)
    inter = [run for (a, b), run in runs.items() if a != b]
    lines = len(inter) <= MAX_RUN_LINES
    text_w = 0 if lines else 620
    x0, y0 = 70, 64
    width = x0 + max_col * (cw + gap_x) + 40 + text_w
    height = y0 + len(by_row) * (ch + gap_y) + 40
    d = style.drawing(max(width, 760), height, "h_")
    d.append(dw.Text("%s \u00b7 hall layout \u00b7 %d rack%s in %d row%s" % (
        plan.name, len(racks), "s" if len(racks) != 1 else "", len(by_row), "s" if len(by_row) != 1 else ""),
        None, 20, 22, class_="h1"))
    d.append(dw.Text("rows top to bottom, positions left to right; colour or bar: power used of the rack's budget; "
                     "lines: cables between racks (count \u00d7 ordered lengths)", None, 20, 40))
    centre: dict[str, tuple[float, float]] = {}
    row_y: dict[int, float] = {}
    for i, (row, in_row) in enumerate(by_row.items()):
        y = y0 + i * (ch + gap_y)
        row_y[row] = y
        d.append(dw.Text("row %d" % row, None, x0 - 8, y + ch / 2.0 + 3, class_="end"))
        for rack in in_row:
            x = x0 + (rack.column - 1) * (cw + gap_x)
            centre[rack.name] = (x + cw / 2.0, y + ch / 2.0)
            kind = rack.kind if rack.kind in style.RACK_KIND_COLOURS else "compute"
            power = power_class(rack.used_power_kw, rack.power_kw)
            if not small:
                # A large hall: one element per rack, filled by its power against its budget and
                # outlined by its kind.
                d.append(dw.Rectangle(x, y, cw, ch, id="hall." + style.safe_id(rack.name),
                                      class_="cell %s o-%s" % (power, kind), data_rack=style.attr(rack.name)))
                continue
            cell = dw.Rectangle(x, y, cw, ch, id="hall." + style.safe_id(rack.name), class_="k-" + kind,
                                data_rack=style.attr(rack.name))
            inside = runs.get((rack.name, rack.name))
            cell.append_title("%s: %s, %.1f / %g kW, %d / %d U%s" % (
                rack.name, rack.kind, rack.used_power_kw, rack.power_kw, rack.used_units, rack.units,
                "; %d cables within the rack (%s)" % (inside.count, style.metres(inside.lengths)) if inside else ""))
            d.append(cell)
            share = min(1.0, rack.used_power_kw / rack.power_kw) if rack.power_kw else 1.0
            d.append(dw.Rectangle(x + 1, y + ch - 4, (cw - 2) * share, 3, class_=power))
            d.append(dw.Text(_short(plan.name, rack.name), None, x + cw / 2.0, y + ch / 2.0, class_="small mid"))
    if lines:
        for run in inter:
            if run.a not in centre or run.b not in centre:
                continue
            (xa, ya), (xb, yb) = centre[run.a], centre[run.b]
            bend = -(ch / 2.0 + 12) if abs(ya - yb) < 1 else 0
            mx, my = (xa + xb) / 2.0 + (18 if bend == 0 else 0), (ya + yb) / 2.0 + bend
            path = dw.Path(id="run.%s.%s" % (style.safe_id(run.a), style.safe_id(run.b)), class_="run",
                           stroke_width="%.2f" % min(5.0, 1.0 + run.count ** 0.5 / 4.0), data_count=run.count,
                           data_lengths=",".join("%g" % v for v in sorted(run.lengths)))
            path.M(xa, ya - (ch / 2.0 if bend else 0)).Q(mx, my, xb, yb - (ch / 2.0 if bend else 0))
            path.append_title("%s - %s: %d cables, %s" % (run.a, run.b, run.count, style.metres(run.lengths)))
            d.append(path)
            d.append(dw.Text("%s \u00d7 %s" % (style.count(run.count), style.metres(run.lengths)), None,
                             (xa + xb) / 2.0, (ya + yb) / 2.0 + bend / 2.0 + (6 if bend else 0), class_="s8 halo mid"))
    else:
        per_row = _row_lines(row_runs(plan, runs))
        tx = x0 + max_col * (cw + gap_x) + 20
        for row, ry in row_y.items():
            text = per_row.get(row)
            if text:
                d.append(dw.Text(text, None, tx, ry + ch / 2.0 + 3, data_row=row, class_="s8"))
    _hall_legend(d, dw, height - 24, small)
    return style.svg_text(d, header)


def _short(plan_name: str, rack: str) -> str:
    prefix = plan_name + "-"
    return rack[len(prefix):] if rack.startswith(prefix) else rack


def _row_lines(by_rows: Mapping[tuple[int, int], Run]) -> dict[int, str]:
    """Per row, its runs as one line of text: within the row first, then to other rows by count."""
    per: dict[int, list[tuple[int, int, Run]]] = {}
    for (ra, rb), run in by_rows.items():
        per.setdefault(ra, []).append((rb, ra, run))
        if ra != rb:
            per.setdefault(rb, []).append((ra, rb, run))
    out: dict[int, str] = {}
    for row, items in per.items():
        items.sort(key=lambda i: (i[0] != row, -i[2].count, i[0]))
        parts = []
        for other, _me, run in items[:4]:
            where = "in row" if other == row else "to row %d" % other
            parts.append("%s: %s \u00d7 %s" % (where, style.count(run.count), style.metres(run.lengths)))
        if len(items) > 4:
            parts.append("+%d more rows" % (len(items) - 4))
        out[row] = " \u00b7 ".join(parts)
    return out


def _hall_legend(d: Any, dw: Any, y: float, small: bool) -> None:
    x = 20.0
    for kind, _colour in sorted(style.RACK_KIND_COLOURS.items()):
        d.append(dw.Rectangle(x, y, 14, 10, class_=("k-" if small else "cell ok o-") + kind))
        d.append(dw.Text("%s rack" % kind, None, x + 18, y + 9))
        x += 110
    for cls, text in (("ok", "power < 90 % of budget"), ("high", "90-100 %"), ("over", "over budget")):
        d.append(dw.Rectangle(x, y + (3 if small else 0), 14, 4 if small else 10, class_=cls))
        d.append(dw.Text(text, None, x + 18, y + 9))
        x += 40 + 6 * len(text)


def racks_of_rows(plan: PlanLike) -> Iterable[tuple[int, list[RackLike]]]:
    """The rows in order with their racks (for the writer and the page)."""
    return rows(plan).items()
