# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One look for every drawing: colours by role and rail, the shared stylesheet, number formats.

Every SVG carries the same stylesheet (classes rather than per-element attributes): the files
stay small, a colour is changed in one place, and the report page can inline several drawings
without their styles disagreeing. Colours are Tableau 10, chosen to stay apart for the common
forms of colour blindness; a rail's colour is the same in every drawing and on the install sheets.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

try:
    import drawsvg
    HAS_DRAWSVG = True
except ImportError:  # pragma: no cover - a requirement of the collection
    drawsvg = None
    HAS_DRAWSVG = False

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError

ROLE_COLOURS = {"gpu_node": "#a0cbe8", "leaf": "#59a14f", "spine": "#b6992d", "core": "#79706e",
                "appliance": "#d4a6c8", "pdu": "#9d7660"}
OTHER_COLOUR = "#bab0ac"
# Rails: hues kept apart from the roles' (a rail's leaf is filled with its rail's colour).
RAIL_COLOURS = ("#e15759", "#f28e2b", "#edc948", "#76b7b2", "#4e79a7", "#b07aa1", "#ff9da7", "#9c755f",
                "#499894", "#d37295")
RACK_KIND_COLOURS = {"compute": "#dbe7f3", "network": "#fde7d0"}
ROLE_NAMES = {"gpu_node": "GPU node", "leaf": "leaf", "spine": "spine", "core": "core", "appliance": "appliance",
              "pdu": "PDU"}
ROLE_PLURALS = {"gpu_node": "GPU nodes", "leaf": "leaves", "spine": "spines", "core": "cores",
                "appliance": "appliances", "pdu": "PDUs"}

# Classes: r-<role> fills by role, rail-<n> strokes and fills by rail, fail/warn mark what
# validation found (on a box, a tile or a bundle).
CSS = "\n".join(
    ["svg{background:#fff}",
     "text{font-family:DejaVu Sans,Verdana,Arial,sans-serif;font-size:9px;fill:#222}",
     "text.h1{font-size:15px;font-weight:bold}", "text.h2{font-size:11px;font-weight:bold}",
     "text.small,text.s7{font-size:7px}", "text.s8{font-size:8px}", "text.s10{font-size:10px}",
     "text.s13{font-size:13px}", "text.b{font-weight:bold}",
     "text.mid{text-anchor:middle}", "text.end{text-anchor:end}",
     "text.halo{paint-order:stroke;stroke:#fff;stroke-width:3px}",
     "text.on{fill:#fff}",
     ".box{stroke:#333;stroke-width:1;fill-opacity:0.35}", ".dev{stroke:#333;stroke-width:0.6;fill-opacity:0.6}",
     ".grp{fill:#f4f4f4;stroke:#555;stroke-width:1;stroke-dasharray:4 2}",
     ".tile{stroke:none}", "rect.mark{fill:#fff}", ".frame{fill:#fafafa;stroke:#333;stroke-width:1.5}",
     ".slot{fill:#fff;stroke:#ddd;stroke-width:0.5}",
     ".bnd{stroke:#888;fill:none;stroke-opacity:0.85}", ".run{stroke:#555;fill:none;stroke-width:1.5}",
     ".bar{fill:#eee;stroke:#999;stroke-width:0.5}", ".ok{fill:#59a14f}", ".high{fill:#edc948}",
     ".over{fill:#e15759}", ".legend{stroke:#333;stroke-width:0.5}"]
    + [".r-%s{fill:%s}" % (role, colour) for role, colour in sorted(ROLE_COLOURS.items())]
    + [".r-other{fill:%s}" % OTHER_COLOUR]
    + [".k-%s{fill:%s;stroke:#777}" % (kind, colour) for kind, colour in sorted(RACK_KIND_COLOURS.items())]
    + [".cell{stroke-width:1.5}", ".cell.ok{fill:#b9dcb4}", ".cell.high{fill:#f5e3a0}", ".cell.over{fill:#f2a6a7}",
       ".o-compute{stroke:#4e79a7}", ".o-network{stroke:#c0692a}"]
    + ["line.rail-%d,path.rail-%d{stroke:%s}" % (i, i, c, ) for i, c in enumerate(RAIL_COLOURS)]
    + ["rect.rail-%d,text.rail-%d,path.tile.rail-%d{fill:%s}" % (i, i, i, c) for i, c in enumerate(RAIL_COLOURS)]
    + ["text.key{font-weight:bold}"]
    + [".fail{stroke:#d62728 !important;stroke-width:4px !important;stroke-dasharray:none !important;"
       "stroke-opacity:1 !important}",
       ".warn{stroke:#ff7f0e !important;stroke-width:3px !important;stroke-dasharray:none !important;"
       "stroke-opacity:1 !important}"])

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_DIGITS = re.compile(r"(\d+)")


def require_drawsvg() -> Any:
    """The drawsvg module, or an error that names the missing requirement."""
    if not HAS_DRAWSVG:
        raise RefarchError("the Python package drawsvg is required to draw the plan (pip install -r requirements.txt "
                           "of the collection)")
    return drawsvg


def drawing(width: float, height: float, prefix: str) -> Any:
    """A drawsvg Drawing with the shared stylesheet; ``prefix`` keeps generated ids apart when
    several drawings are inlined in one page."""
    dw = require_drawsvg()
    d = dw.Drawing(round(width), round(height), id_prefix=prefix)
    d.append_css(CSS)
    return d


def svg_text(d: Any, header: bool = True) -> str:
    """The SVG text of a drawing: a standalone file (with the XML declaration) or an inline fragment."""
    if header:
        return str(d.as_svg())
    return str(d.as_svg(header=""))


def attr(text: str) -> str:
    """``text`` for an attribute value: drawsvg writes attribute values as they are given (names
    are ``[a-z0-9-]`` by the schema, but a catalog's model or port name need not be)."""
    return html.escape(str(text), quote=True)


def safe_id(text: str) -> str:
    """``text`` as a stable XML id part: names are kept, any other character becomes ``_``."""
    return _UNSAFE.sub("_", str(text))


def role_class(role: str) -> str:
    return "r-" + role if role in ROLE_COLOURS else "r-other"


def rail_class(rail: int | None) -> str:
    return "" if rail is None else "rail-%d" % (int(rail) % len(RAIL_COLOURS))


def speed(gbps: float) -> str:
    """400 -> ``400G``, 1600 -> ``1.6T``, 0.1 -> ``100M``."""
    if gbps >= 1000:
        return "%gT" % round(gbps / 1000.0, 3)
    if gbps < 1:
        return "%gM" % round(gbps * 1000.0, 3)
    return "%gG" % gbps


def count(n: float) -> str:
    """Thousands separated: 49152 -> ``49,152``."""
    return "{:,}".format(int(n)) if float(n).is_integer() else "{:,.1f}".format(n)


def metres(values: Any) -> str:
    """A length range in metres: ``5 m`` or ``5-30 m`` (orderable lengths of the plan's cables)."""
    vals = sorted({float(v) for v in values if v is not None})
    if not vals:
        return "? m"
    if len(vals) == 1:
        return "%g m" % vals[0]
    return "%g-%g m" % (vals[0], vals[-1])


def fit(text: str, width: float, font_px: float) -> str:
    """``text`` cut to about ``width`` pixels at ``font_px`` (an average glyph is 0.55 em), ending
    in an ellipsis when cut: SVG text does not wrap or clip by itself."""
    room = int(width / (0.55 * font_px))
    return text if len(text) <= room else text[:max(1, room - 1)].rstrip(" ,\u00b7") + "\u2026"


def how_many(n: int, role: str) -> str:
    """``32 leaves``, ``1 GPU node``."""
    if n == 1:
        return "1 " + ROLE_NAMES.get(role, role)
    return "%s %s" % (count(n), ROLE_PLURALS.get(role, role + "s"))


@functools.lru_cache(maxsize=1 << 16)
def natural(text: str) -> tuple[Any, ...]:
    """Sort key that orders ``leaf-2`` before ``leaf-10`` (memoised: every drawing sorts the same names)."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(str(text)))
