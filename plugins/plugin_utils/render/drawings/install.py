# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install sheets and cable labels: what an installer carries to each rack, printable.

An installer works rack by rack: which devices go at which units, which cables start here, where
their other end goes, which optic each end takes, how long the cable is, and a label for each. One
HTML page per row of racks (``install/row-NN.html``), one rack per printed page (print CSS), so a
64-SU pod is 64 files rather than 620. A cable is listed once, on the sheet of the rack of its
*a* end (for a node-to-leaf cable the node's rack, for leaf-to-spine the leaf's), with its label;
the sheet says how many cables arrive from other racks.

Labels follow the TIA-606 idea of naming both ends by location: each end is
``<rack>-U<unit>-<device>:<port>`` (unit: the lowest unit the device occupies, two digits;
``<rack>-0U-<device>:<port>`` for a zero-U PDU in the rack's side), and a cable's label is
``<a end> / <b end>``, with its cable id; print it twice, one for each end.
"""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import style
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.records import (
    DeviceLike, LinkLike, PlanLike, RackLike)

SHEET_CSS = """
body{font-family:DejaVu Sans,Verdana,Arial,sans-serif;font-size:12px;color:#222;margin:16px}
h1{font-size:18px;margin:0 0 6px}h2{font-size:15px;margin:18px 0 4px}h3{font-size:13px;margin:10px 0 4px}
nav a{margin-right:6px}.note{color:#555}
table{border-collapse:collapse;margin:4px 0 8px}td,th{border:1px solid #bbb;padding:2px 5px;text-align:left;
vertical-align:top}th{background:#eee}
td.label{font-family:DejaVu Sans Mono,monospace;font-size:11px}
tr{break-inside:avoid}
@media print{nav,.note{display:none}body{margin:0}section.rack{break-after:page}
table,td,th{font-size:9px}}
"""


def location(rack: str | None, unit: int | None, device: str) -> str:
    """Where a device is: ``<rack>-U<unit>-<device>``, ``<rack>-0U-<device>`` for a zero-U device
    (a PDU in the rack's side; ``0U`` as on cabling.csv)."""
    return "%s-%s-%s" % (rack or "?", "0U" if unit is None else "U%02d" % unit, device)


def end_label(rack: str | None, unit: int | None, device: str, port: str) -> str:
    """One end of a cable in the label form: ``<rack>-U<unit>-<device>:<port>``."""
    return "%s:%s" % (location(rack, unit, device), port)


def cable_label(plan: PlanLike, link: LinkLike) -> str:
    """A cable's label: both ends, the *a* end first."""
    da, db = plan.devices[link.a_device], plan.devices[link.b_device]
    return "%s / %s" % (end_label(da.rack, da.rack_unit, link.a_device, link.a_port),
                        end_label(db.rack, db.rack_unit, link.b_device, link.b_port))


class _Escaper(dict[str, str]):
    """html.escape, memoised: port and device names repeat thousands of times."""

    def __missing__(self, key: str) -> str:
        value = self[key] = html.escape(key)
        return value


def sheet_html(plan: PlanLike, row: int, racks: Sequence[RackLike], starting: Mapping[str, Sequence[LinkLike]],
               arriving: Mapping[str, int], row_files: Sequence[tuple[int, str]]) -> str:
    """The install sheet of one row: per rack its devices and the cables that start there, with labels."""
    esc = _Escaper()
    devices = plan.devices

    def locate(name: str) -> str:
        dev = devices[name]
        return html.escape(location(dev.rack, dev.rack_unit, name))

    ends = _Memo(locate)
    # The cells after the label, memoised as one: a pod's cables share a few optics, speeds,
    # media and lengths (one lookup per cable instead of four; 300,000 cables at 100,000 GPUs).
    tails = _Memo(_tail)

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>%s \u00b7 install sheet \u00b7 row %d</title>" % (esc[plan.name], row),
           "<style>%s</style></head><body>" % SHEET_CSS,
           '<nav><a href="../index.html">report</a> rows: %s</nav>' % " ".join(
               ('<b>%d</b>' % r) if r == row else '<a href="%s">%d</a>' % (esc[f.split("/")[-1]], r)
               for r, f in row_files),
           "<h1>%s \u00b7 install sheet \u00b7 row %d</h1>" % (esc[plan.name], row),
           '<p class="note">One rack per printed page. Each cable is listed on the sheet of the rack its '
           '<i>a</i> end is in. Label form (TIA-606 style): <code>&lt;rack&gt;-U&lt;unit&gt;-&lt;device&gt;:'
           '&lt;port&gt; / &lt;other end&gt;</code>, with the cable id; print each label twice, one per end. '
           'Racks: %s</p>' % " ".join('<a href="#rack-%s">%s</a>' % (esc[style.safe_id(r.name)], esc[r.name])
                                      for r in racks)]
    for rack in racks:
        links = starting.get(rack.name, ())
        out.append('<section class="rack" id="rack-%s">' % esc[style.safe_id(rack.name)])
        out.append("<h2>Rack %s</h2>" % esc[rack.name])
        out.append("<p>row %d, position %d, %s rack \u00b7 %d of %d U \u00b7 %.1f of %g kW \u00b7 %d cable%s start "
                   "here, %d arrive from other racks</p>" % (
                       rack.row, rack.column, esc[rack.kind], rack.used_units, rack.units, rack.used_power_kw,
                       rack.power_kw, len(links), "" if len(links) == 1 else "s", arriving.get(rack.name, 0)))
        out.append("<h3>Devices, top to bottom</h3><table><tr><th>U</th><th>device</th><th>model</th><th>role</th>"
                   "<th>height</th><th>kW</th></tr>")
        # Top to bottom, then the zero-U devices (PDUs) in the rack's sides.
        for entry in sorted(rack.devices, key=lambda e: -1 if e["rack_unit"] is None else -int(e["rack_unit"])):
            dev: DeviceLike = devices[entry["device"]]
            height = int(entry["height"])
            if entry["rack_unit"] is None:
                span = "0U (side)"
            else:
                unit = int(entry["rack_unit"])
                span = "%d" % unit if height == 1 else "%d-%d" % (unit, unit + height - 1)
            out.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%dU</td><td>%g</td></tr>" % (
                span, esc[dev.name], esc[dev.model], esc[dev.role], height, dev.power_kw))
        out.append("</table>")
        if links:
            # One row per cable; its label column is the label to print (both ends in the label
            # form), the optics beside it, so the sheet is the cable list and the label list at once.
            out.append("<h3>Cables that start here</h3><table><tr><th>cable</th><th>label: from / to "
                       "(rack-unit-device:port)</th><th>optics (from / to)</th><th>speed</th>"
                       "<th>media, cable</th><th>length</th></tr>")
            for link in links:
                cid = link.id or ""
                if "&" in cid or "<" in cid or ">" in cid:     # the planner's ids never have them
                    cid = html.escape(cid)
                out.append(_ROW % (cid, ends[link.a_device], esc[link.a_port], ends[link.b_device], esc[link.b_port],
                                   tails[(link.a_module, link.b_module, link.speed_gbps, link.media, link.cable,
                                          link.length_m)]))
            out.append("</table>")
        out.append("</section>")
    out.append("</body></html>\n")
    return "\n".join(out)


_ROW = '<tr><td>%s</td><td class="label">%s:%s / %s:%s</td>%s</tr>'


def _tail(key: tuple[Any, ...]) -> str:
    """The optics, speed, media and cable, and length cells of a cable."""
    a_module, b_module, speed, media, cable, length = key
    optics = "%s / %s" % (html.escape(a_module or "-"), html.escape(b_module or "-")) if (a_module or b_module) else ""
    return "<td>%s</td><td>%s</td><td>%s, %s</td><td>%s</td>" % (
        optics, style.speed(speed), html.escape(media or "?"), html.escape(cable or "?"),
        "?" if length is None else "%g m" % length)


class _Memo(dict[Any, str]):
    """A function of one argument, memoised."""

    def __init__(self, func: Callable[[Any], str]) -> None:
        super().__init__()
        self.func = func

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.func(key)
        return value


def split_by_rack(plan: PlanLike) -> tuple[dict[str, list[LinkLike]], dict[str, int]]:
    """The cables that start in each rack (by its *a* end), and how many arrive in each from another rack."""
    devices = plan.devices
    rack_of = {name: dev.rack or "" for name, dev in devices.items()}
    starting: dict[str, list[LinkLike]] = {}
    arriving: dict[str, int] = {}
    for link in plan.links:
        ra, rb = rack_of[link.a_device], rack_of[link.b_device]
        bucket = starting.get(ra)
        if bucket is None:
            bucket = starting[ra] = []
        bucket.append(link)
        if ra != rb:
            arriving[rb] = arriving.get(rb, 0) + 1
    return starting, arriving
