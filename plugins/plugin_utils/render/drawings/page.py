# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report page, ``index.html`` in the plan folder: one page that links everything.

Summary, warnings, the validation result (after ``site.yml``), each fabric's overview drawing
inline (so validation's failures can be marked on it), the hall and the rack elevations, the
rack table with links to the install sheets, the bill of materials with its cost, the cabling by
media and length and the runs between rows, the addressing and every file of the plan. Static:
inline CSS and SVG and relative links only, nothing fetched, no script, no server; a browser
opens it from the folder (``file://``) or any static web server serves it.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import style
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.racks import Run, power_class
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.records import PlanLike, RackLike

PAGE_CSS = """
body{font-family:DejaVu Sans,Verdana,Arial,sans-serif;font-size:13px;color:#222;margin:0;background:#fff}
header{background:#2d3e50;color:#fff;padding:14px 20px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#dfe6ee}
nav{position:sticky;top:0;background:#f3f5f7;border-bottom:1px solid #ccd;padding:6px 20px;z-index:1}
nav a{margin-right:14px;color:#1f4e79;text-decoration:none}
main{padding:6px 20px 40px}h2{font-size:18px;border-bottom:2px solid #2d3e50;padding-bottom:3px;margin-top:26px}
h3{font-size:15px;margin:16px 0 6px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ccd;border-radius:6px;padding:8px 14px;
min-width:110px;background:#fafbfc}.card b{display:block;font-size:20px}.card span{color:#555}
table{border-collapse:collapse;margin:6px 0 10px}td,th{border:1px solid #ccd;padding:3px 7px;text-align:left;
vertical-align:top}th{background:#eef1f4}td.num,th.num{text-align:right}
.drawing{overflow:auto;border:1px solid #ccd;max-height:85vh;background:#fff;margin:6px 0}
.drawing svg{display:block}
img.elev{border:1px solid #ccd;display:block;margin:6px 0;max-width:100%;height:auto}
.passed{color:#2e7d32;font-weight:bold}.failed{color:#c62828;font-weight:bold}
tr.error td{background:#fdecea}tr.warning td{background:#fff4e5}
.warnbox{border-left:4px solid #edc948;background:#fffbe6;padding:4px 10px;margin:4px 0}
.bar{display:inline-block;width:90px;height:9px;background:#eee;border:1px solid #aaa;vertical-align:middle}
.bar i{display:block;height:100%}.bar i.ok{background:#59a14f}.bar i.high{background:#edc948}
.bar i.over{background:#e15759}
.muted{color:#666}details{margin:6px 0}code{background:#f3f3f3;padding:0 3px}
@media print{nav{display:none}.drawing{max-height:none;overflow:visible}}
"""

# The plan's own files, listed with what they hold (README's table).
PLAN_FILES = (("summary.json", "the counts at a glance"), ("bom.csv", "the bill of materials"),
              ("cabling.csv", "one row per cable, both ends"), ("addressing.csv", "every address"),
              ("racks.md", "rack elevations as text"), ("racks.csv", "space and power per rack"),
              ("plan.json", "the whole plan"))
MAX_FINDINGS = 200
MAX_INLINE_ADDRESSES = 64
MAX_INLINE_ELEVATIONS = 3


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], num: Sequence[int] = (),
           row_classes: Sequence[str] | None = None) -> str:
    out = ["<table><tr>" + "".join('<th%s>%s</th>' % (' class="num"' if i in num else "", _e(h))
                                   for i, h in enumerate(head)) + "</tr>"]
    for j, row in enumerate(rows):
        cls = ' class="%s"' % row_classes[j] if row_classes and row_classes[j] else ""
        out.append("<tr%s>" % cls + "".join('<td%s>%s</td>' % (' class="num"' if i in num else "", cell)
                                            for i, cell in enumerate(row)) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


class Files(object):
    """The report's files, by kind, as relative paths from the plan folder."""

    def __init__(self) -> None:
        self.hall = "drawings/hall.svg"
        self.rows: list[tuple[int, str]] = []               # (row, elevation svg)
        self.sheets: list[tuple[int, str]] = []             # (row, install sheet)
        self.overviews: dict[str, str] = {}                 # fabric -> svg
        self.sus: dict[str, list[tuple[int, str]]] = {}     # fabric -> [(su, svg)]


def index_html(plan: PlanLike, files: Files, overview_svgs: Mapping[str, str], runs_by_row: Mapping[tuple[int, int], Run],
               cabling: Counter[tuple[Any, ...]], validation: Mapping[str, Any] | None,
               validation_note: str | None = None) -> str:
    """The whole page. ``overview_svgs``: each fabric's overview as an inline SVG fragment (marked
    with validation's findings when there are some); ``cabling``: links counted by (fabric,
    tier, media, cable, length, speed)."""
    s = plan.summary
    sections = [("summary", "Summary"), ("validation", "Validation"), ("fabrics", "Fabrics"), ("racks", "Racks"),
                ("bom", "Bill of materials"), ("cabling", "Cabling"), ("addressing", "Addressing"),
                ("files", "Files")]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>%s \u00b7 cluster plan</title>" % _e(plan.name), "<style>%s</style></head><body>" % PAGE_CSS,
           "<header><h1>%s \u00b7 cluster plan</h1><p>%s reference architecture, %s workload \u00b7 %s</p></header>" % (
               _e(plan.name), _e(s.get("reference", "")), _e(s.get("workload", "")), _e(s.get("node_model", ""))),
           "<nav>" + "".join('<a href="#%s">%s</a>' % (k, _e(v)) for k, v in sections) + "</nav><main>"]
    out.append(_summary(plan))
    out.append(_validation(validation, validation_note))
    out.append(_fabrics(plan, files, overview_svgs, validation))
    out.append(_racks(plan, files))
    out.append(_bom(plan))
    out.append(_cabling(plan, files, runs_by_row, cabling))
    out.append(_addressing(plan))
    out.append(_files(files))
    out.append("</main></body></html>\n")
    return "\n".join(out)


def _summary(plan: PlanLike) -> str:
    s = plan.summary
    cards = [("nodes", s.get("nodes")), ("GPUs", s.get("gpus")), ("racks", s.get("racks")),
             ("kW", s.get("power_kw")), ("switches", s.get("switches")), ("cables", s.get("cables"))]
    cost = s.get("cost")
    if cost:
        cards.append((_e(cost.get("currency", "")) + " total", cost.get("total")))
    out = ['<h2 id="summary">Summary</h2><div class="cards">']
    out += ['<div class="card"><b>%s</b><span>%s</span></div>' % (
        style.count(v) if isinstance(v, (int, float)) else _e(v), k) for k, v in cards]
    out.append("</div>")
    if cost:
        out.append("<p>Cost: %s %s total, %s per GPU, %s per Gb/s of bisection bandwidth.%s</p>" % (
            _e(cost.get("currency")), _money(cost.get("total")), _money(cost.get("per_gpu")),
            _money(cost.get("per_bisection_gbps")),
            (" Not priced in the catalog (not counted): %s." % _e(", ".join(cost.get("unpriced") or ())))
            if cost.get("unpriced") else ""))
    warnings = s.get("warnings") or ()
    if warnings:
        out.append("<h3>What the planner decided for you</h3>")
        for w in warnings:
            out.append('<div class="warnbox"><code>%s</code>: %s<br><span class="muted">fix: %s</span></div>' % (
                _e(w.get("field")), _e(w.get("message")), _e(w.get("fix"))))
    return "\n".join(out)


def _money(value: Any) -> str:
    return "-" if value is None else "{:,.2f}".format(float(value))


def _validation(report: Mapping[str, Any] | None, note: str | None) -> str:
    out = ['<h2 id="validation">Validation</h2>']
    if report is None:
        out.append('<p class="muted">Not validated yet. After <code>site.yml</code> (or '
                   '<code>playbooks/validate.yml</code>) the validation play writes <code>validation.json</code> '
                   'into this folder and refreshes this page: failures are then listed here and marked on the '
                   'fabric drawings.%s</p>' % (" " + _e(note) if note else ""))
        return "\n".join(out)
    counts = report.get("counts") or {}
    passed = bool(report.get("passed"))
    out.append('<p><span class="%s">%s</span>: %s error(s), %s warning(s), %s info (plan %s). Errors are outlined '
               'red and warnings orange on the fabric drawings below. Full report: <a href="validation.md">'
               'validation.md</a>, <a href="validation.json">validation.json</a>.</p>' % (
                   "passed" if passed else "failed", "PASSED" if passed else "FAILED", counts.get("error", 0),
                   counts.get("warning", 0), counts.get("info", 0), _e(report.get("plan"))))
    checked = report.get("checked") or {}
    if checked:
        what = ", ".join("%s %s" % (v, str(k).replace("_", " ")) for k, v in sorted(checked.items()))
        out.append("<p>Checked: %s.</p>" % _e(what))
    findings = [f for f in report.get("findings") or () if f.get("severity") in ("error", "warning")]
    infos = [f for f in report.get("findings") or () if f.get("severity") not in ("error", "warning")]
    if findings:
        rows = []
        for f in findings[:MAX_FINDINGS]:
            where = _e(f.get("device")) + (" " + _e(f.get("port")) if f.get("port") else "")
            if f.get("peer_device"):
                where += " \u2194 " + _e(f.get("peer_device")) + (" " + _e(f.get("peer_port")) if f.get("peer_port") else "")
            rows.append([_e(f.get("severity")), _e(f.get("check")), where, _e(f.get("message")), _e(f.get("fix"))])
        out.append(_table(["severity", "check", "where", "finding", "fix"], rows,
                          row_classes=[str(f.get("severity")) for f in findings[:MAX_FINDINGS]]))
        if len(findings) > MAX_FINDINGS:
            out.append("<p>%d more in validation.md.</p>" % (len(findings) - MAX_FINDINGS))
    if infos:
        out.append("<details><summary>%d informational finding(s) (checks skipped and why)</summary>" % len(infos))
        out.append(_table(["check", "where", "finding"], [[_e(f.get("check")), _e(f.get("device")),
                                                           _e(f.get("message"))] for f in infos[:MAX_FINDINGS]]))
        out.append("</details>")
    return "\n".join(out)


def _fabrics(plan: PlanLike, files: Files, overview_svgs: Mapping[str, str],
             validation: Mapping[str, Any] | None) -> str:
    out = ['<h2 id="fabrics">Fabrics</h2>']
    head = ["fabric", "kind", "tiers", "SUs", "rails", "leaves", "spines", "cores", "node-leaf", "leaf-spine",
            "spine-core", "bisection"]
    rows = []
    for name, f in plan.fabrics.items():
        sw, ln = f.get("switches") or {}, f.get("links") or {}
        rows.append([_e(name), _e(f.get("kind")), _e(f.get("tiers")), _e(f.get("sus")), _e(f.get("rails") or "-"),
                     style.count(sw.get("leaf", 0)), style.count(sw.get("spine", 0)), style.count(sw.get("core", 0)),
                     style.count(ln.get("node_leaf", 0)), style.count(ln.get("leaf_spine", 0)),
                     style.count(ln.get("spine_core", 0)), _e(style.speed(float(f.get("bisection_gbps") or 0)))])
    out.append(_table(head, rows, num=range(5, 12)))
    out.append('<p class="muted">Each drawing shows tiers top to bottom; a line is a bundle of links with its count '
               'and speed; a dashed box is a group of devices (its tiles are the devices). Rails are coloured.%s</p>' % (
                   " Marked: what validation found." if validation else ""))
    for name in plan.fabrics:
        if name not in overview_svgs:
            continue
        out.append('<h3 id="fabric-%s">%s fabric</h3>' % (_e(name), _e(name)))
        out.append('<div class="drawing">%s</div>' % overview_svgs[name])
        sus = files.sus.get(name) or []
        links = ['<a href="%s">overview</a>' % _e(files.overviews[name])] + [
            '<a href="%s">SU %d</a>' % (_e(path), su) for su, path in sus]
        out.append("<p>Drawings: %s</p>" % " \u00b7 ".join(links))
    return "\n".join(out)


def _racks(plan: PlanLike, files: Files) -> str:
    out = ['<h2 id="racks">Racks</h2>', "<h3>Hall</h3>",
           '<img class="elev" src="%s" alt="hall layout of %s">' % (_e(files.hall), _e(plan.name))]
    out.append("<h3>Elevations by row</h3><p>%s</p>" % " \u00b7 ".join(
        '<a href="%s">row %d</a>' % (_e(path), row) for row, path in files.rows))
    for row, path in files.rows[:MAX_INLINE_ELEVATIONS]:
        out.append('<img class="elev" src="%s" alt="rack elevations of row %d">' % (_e(path), row))
    if len(files.rows) > MAX_INLINE_ELEVATIONS:
        out.append('<p class="muted">%d more rows: see the links above.</p>' % (len(files.rows) - MAX_INLINE_ELEVATIONS))
    sheet_of = dict(files.sheets)
    rows = []
    for rack in plan.racks:
        rows.append(_rack_row(rack, sheet_of.get(int(rack.row), "")))
    out.append("<h3>Every rack</h3>")
    out.append(_table(["rack", "kind", "row", "position", "units used", "power kW", "", "install sheet"], rows,
                      num=(2, 3, 4, 5)))
    return "\n".join(out)


def _rack_row(rack: RackLike, sheet: str) -> list[str]:
    share = min(1.0, rack.used_power_kw / rack.power_kw) if rack.power_kw else 1.0
    gauge = '<span class="bar"><i class="%s" style="width:%d%%"></i></span>' % (
        power_class(rack.used_power_kw, rack.power_kw), round(share * 100))
    return [_e(rack.name), _e(rack.kind), str(rack.row), str(rack.column), "%d / %d" % (rack.used_units, rack.units),
            "%.1f / %g" % (rack.used_power_kw, rack.power_kw), gauge,
            '<a href="%s#rack-%s">sheet</a>' % (_e(sheet), _e(style.safe_id(rack.name))) if sheet else ""]


def _bom(plan: PlanLike) -> str:
    out = ['<h2 id="bom">Bill of materials</h2>']
    priced = any("unit_price" in r for r in plan.bom)
    head = ["category", "item", "part number", "fabric", "detail", "quantity"]
    if priced:
        head += ["unit price", "extended", "currency"]
    rows = []
    for r in plan.bom:
        row = [_e(r.get(k)) for k in ("category", "item", "part_number", "fabric", "detail")]
        row.append(style.count(r.get("quantity", 0)))
        if priced:
            row += [_money(r.get("unit_price")) if "unit_price" in r else "-",
                    _money(r.get("extended_price")) if "extended_price" in r else "-", _e(r.get("currency", ""))]
        rows.append(row)
    cost = plan.summary.get("cost")
    if priced and cost:
        rows.append(["<b>total</b>", "", "", "", "", "", "", "<b>%s</b>" % _money(cost.get("total")),
                     _e(cost.get("currency"))])
    out.append(_table(head, rows, num=(5, 6, 7) if priced else (5,)))
    out.append('<p class="muted">As <a href="bom.csv">bom.csv</a>.%s</p>' % (
        "" if priced else " The catalog has no prices for these items: no cost is given (none is ever guessed)."))
    return "\n".join(out)


def _cabling(plan: PlanLike, files: Files, runs_by_row: Mapping[tuple[int, int], Run],
             cabling: Counter[tuple[Any, ...]]) -> str:
    out = ['<h2 id="cabling">Cabling</h2>',
           '<p>%s cables: every one with both ends in <a href="cabling.csv">cabling.csv</a>; per rack, with labels, '
           'on the install sheets: %s.</p>' % (style.count(len(plan.links)), " \u00b7 ".join(
               '<a href="%s">row %d</a>' % (_e(path), row) for row, path in files.sheets))]
    rows = []
    for (fabric, tier, media, cable, length, speed), n in sorted(cabling.items(), key=lambda i: _sortable(i[0])):
        rows.append([_e(fabric), _e(tier), _e(media), _e(cable), "?" if length is None else "%g m" % length,
                     _e(style.speed(speed)), style.count(n)])
    out.append("<h3>By fabric, tier, media and length</h3>")
    out.append(_table(["fabric", "tier", "media", "cable", "length", "speed", "cables"], rows, num=(4, 6)))
    out.append("<h3>Runs between rows</h3>")
    rrows = []
    for (ra, rb), run in runs_by_row.items():
        rrows.append(["row %d" % ra if ra == rb else "row %d \u2194 row %d" % (ra, rb), style.count(run.count),
                      _e(style.metres(run.lengths)), style.count(round(run.metres))])
    out.append('<details%s><summary>%d row pairs (cables within a row, and between rows; lengths as ordered)</summary>'
               % (" open" if len(rrows) <= 20 else "", len(rrows)))
    out.append(_table(["rows", "cables", "lengths", "total metres"], rrows, num=(1, 3)))
    out.append("</details>")
    return "\n".join(out)


def _sortable(key: Sequence[Any]) -> tuple[str, ...]:
    """A tally key that sorts: None first, numbers by value (zero-padded), text as it is."""
    return tuple("" if v is None else "%012.3f" % v if isinstance(v, float) else str(v) for v in key)


def _addressing(plan: PlanLike) -> str:
    out = ['<h2 id="addressing">Addressing</h2>',
           '<p>Every management, loopback, point-to-point and host address: <a href="addressing.csv">addressing.csv'
           '</a>.</p>']
    if len(plan.devices) <= MAX_INLINE_ADDRESSES:
        rows = []
        for name in sorted(plan.devices, key=style.natural):
            dev = plan.devices[name]
            rows.append([_e(name), _e(dev.role), _e(getattr(dev, "mgmt_address", None) or "-"),
                         _e(getattr(dev, "loopback", None) or "-"), _e(getattr(dev, "asn", None) or "-")])
        out.append(_table(["device", "role", "management", "loopback", "ASN"], rows))
    else:
        roles = Counter(d.role for d in plan.devices.values())
        out.append("<p>%s devices (%s): too many to list here.</p>" % (
            style.count(len(plan.devices)), _e(", ".join(style.how_many(n, r) for r, n in sorted(roles.items())))))
    return "\n".join(out)


def _files(files: Files) -> str:
    rows = [['<a href="%s">%s</a>' % (name, name), _e(what)] for name, what in PLAN_FILES]
    rows.append(['<a href="%s">%s</a>' % (_e(files.hall), _e(files.hall)), "hall layout"])
    rows.append(["drawings/racks-row-*.svg", "%d rack elevation drawings, one per row" % len(files.rows)])
    rows.append(["drawings/fabric-*.svg", "%d fabric drawings (an overview and one per SU for each fabric)" % (
        len(files.overviews) + sum(len(v) for v in files.sus.values()))])
    rows.append(["install/row-*.html", "%d install sheets with cable labels, one per row" % len(files.sheets)])
    return '<h2 id="files">Files</h2>' + _table(["file", "what it holds"], rows)
