# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fabric drawings: tiers top to bottom (core, spine, leaf, nodes), link bundles with count and speed.

A network engineer wants a fabric on one page, and a 64-SU pod has 49,152 cables: drawn one line
each, the page is a grey smear and takes seconds to render. So the drawing is of *boxes* and
*bundles*. A box is one device, or a group of devices of one tier (the nodes of an SU, the leaves
of a pod, the spines of a pod, the cores); a bundle is every link between two boxes, drawn as one
line with its count and speed. Each tier of a view is drawn device by device while that stays
readable (a few dozen boxes, up to :data:`MAX_LINES` bundles to the next tier) and grouped
otherwise, so the lab shows every device and cable while the pod's overview shows SUs and pods.
A group box of the overview shows its devices as small tiles (up to :data:`MAX_TILES`), so a
device that validation found failing still lights up there.

Rails are coloured (the same colour in every drawing): node-to-leaf bundles of a rail-optimized
fabric are split by rail, and a rail's leaves are filled with its colour. Planes, when the plan
has them (a ``plane`` attribute on links or devices; none today), are drawn side by side.

Ids are stable and derived from names: ``dev.<view>.<device>`` for a device's box or tile,
``grp.<view>.<group>`` for a group, ``bnd.<view>.<from>.<to>[.r<rail>]`` for a bundle, where
``<view>`` is the fabric (and ``-su<N>`` for an SU's drawing); a tile has an id only when
validation marked it. Bundles carry ``data-count``,
``data-speed``, ``data-tier``, ``data-from`` and ``data-to`` for tools and tests.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import style
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.records import (
    DeviceLike, LinkLike, PlanLike)

TIER_OF_ROLE = {"core": 0, "spine": 1, "leaf": 2}
ENDPOINTS = 3
TIER_NAMES = ("core", "spine", "leaf", "nodes")
_A_DEVICE = operator.attrgetter("a_device")
_B_DEVICE = operator.attrgetter("b_device")
_SPEED = operator.attrgetter("speed_gbps")
# A tier is drawn device by device up to this many devices (an SU's own leaves in its drawing;
# every other tier, and every tier of the overview) ...
MAX_DETAIL_SU = 32
MAX_DETAIL_OVERVIEW = 16
# ... and while it has at most this many bundles to the next tier; beyond, one side is grouped.
MAX_LINES = 64
# A group box shows each member as a tile up to this many members.
MAX_TILES = 256
# Bundles between two tiers are labelled on the line up to this many; beyond, in the tier caption.
MAX_LABELS = 24
# The overview keeps at most this many columns (SUs, else pods, else runs of them).
MAX_COLUMNS = 16

BOX_W, BOX_H = 112, 30
GROUP_W = 150
TILE = 8
TIER_GAP = 100
LEFT, TOP, RIGHT = 190, 58, 30

_SEVERITY_STATE = {"error": "fail", "warning": "warn"}


def worst(a: str | None, b: str | None) -> str | None:
    """The more severe of two states (``fail`` over ``warn`` over None)."""
    if a == "fail" or b == "fail":
        return "fail"
    return a or b


class Status(object):
    """What validation found, by device and by port: ``fail`` (errors) or ``warn`` (warnings).

    Read from the findings of ``validation.json``: a finding names a device and, for a port or a
    cable, the port and the far end; informational findings (checks skipped) mark nothing.
    """

    def __init__(self, findings: Iterable[Mapping[str, Any]] = ()) -> None:
        self.devices: dict[str, str] = {}
        self.ports: dict[tuple[str, str], str] = {}
        for item in findings:
            state = _SEVERITY_STATE.get(str(item.get("severity")))
            if state is None or item.get("status") == "skipped":
                continue
            for dev_key, port_key in (("device", "port"), ("peer_device", "peer_port")):
                dev = item.get(dev_key)
                if not dev:
                    continue
                self.devices[dev] = worst(self.devices.get(dev), state) or state
                port = item.get(port_key)
                if port:
                    self.ports[(dev, port)] = worst(self.ports.get((dev, port)), state) or state

    def __bool__(self) -> bool:
        return bool(self.devices or self.ports)

    def link(self, link: LinkLike) -> str | None:
        return worst(self.ports.get((link.a_device, link.a_port)), self.ports.get((link.b_device, link.b_port)))


class Box(object):
    """One device, or a group of devices of one tier, as drawn."""

    __slots__ = ("key", "tier", "id", "label", "sub", "members", "role", "rail", "x", "y", "w", "h", "state",
                 "detail", "order")

    def __init__(self, key: str, tier: int, detail: bool, order: tuple[Any, ...]) -> None:
        self.key = key                   # device name, or the group's id
        self.tier = tier
        self.detail = detail
        self.order = order
        self.id = ""
        self.label = ""
        self.sub = ""
        self.members: list[DeviceLike] = []
        self.role = "other"
        self.rail: int | None = None
        self.x = self.y = self.w = self.h = 0.0
        self.state: str | None = None


class Bundle(object):
    """Every link between two boxes (of one rail, where rails are split)."""

    __slots__ = ("lo", "hi", "rail", "tier", "count", "speeds", "state", "id")

    def __init__(self, lo: Box, hi: Box, rail: int | None, tier: str) -> None:
        self.lo = lo                     # the lower box (the higher tier number)
        self.hi = hi
        self.rail = rail
        self.tier = tier
        self.count = 0
        self.speeds: set[float] = set()
        self.state: str | None = None
        self.id = ""

    def label(self) -> str:
        speeds = sorted(self.speeds)
        if len(speeds) == 1:
            return "%s \u00d7 %s" % (style.count(self.count), style.speed(speeds[0]))
        return "%s \u00d7 %s-%s" % (style.count(self.count), style.speed(speeds[0]), style.speed(speeds[-1]))


class Columns(object):
    """How the overview groups SUs into columns: one per SU, else per pod, else runs of them."""

    def __init__(self, fabric: Mapping[str, Any], leaves: Iterable[DeviceLike], per_su: bool) -> None:
        su_pod: dict[int, int] = {}
        for leaf in leaves:
            if leaf.su is not None:
                su_pod.setdefault(int(leaf.su), int(leaf.pod) if leaf.pod is not None else 1)
        sus = sorted(su_pod)
        pods = sorted(set(su_pod.values()))
        self.by_su: dict[int, tuple[str, str]] = {}
        self.by_pod: dict[int, tuple[str, str]] = {}
        if per_su or len(sus) <= MAX_COLUMNS:
            for su in sus:
                self.by_su[su] = ("su%d" % su, "SU %d" % su)
            for pod in pods:
                self.by_pod[pod] = ("pod%d" % pod, "pod %d" % pod)
            return
        if 1 < len(pods):
            step = int(math.ceil(len(pods) / float(MAX_COLUMNS)))
            for i in range(0, len(pods), step):
                run = pods[i:i + step]
                in_run = [s for s in sus if su_pod[s] in run]
                key = ("pod%d" % run[0]) if len(run) == 1 else ("pod%d-%d" % (run[0], run[-1]))
                name = ("pod %d" % run[0]) if len(run) == 1 else ("pods %d-%d" % (run[0], run[-1]))
                col = (key, "%s (SU %d-%d)" % (name, in_run[0], in_run[-1]))
                for pod in run:
                    self.by_pod[pod] = (key, name)
                for su in in_run:
                    self.by_su[su] = col
            return
        step = int(math.ceil(len(sus) / float(MAX_COLUMNS)))
        for i in range(0, len(sus), step):
            run = sus[i:i + step]
            col = ("su%d-%d" % (run[0], run[-1]), "SU %d-%d" % (run[0], run[-1]))
            for su in run:
                self.by_su[su] = col
        for pod in pods:
            self.by_pod[pod] = ("pod%d" % pod, "pod %d" % pod)

    def su(self, su: Any) -> tuple[str, str] | None:
        return None if su is None else self.by_su.get(int(su))

    def pod(self, pod: Any) -> tuple[str, str] | None:
        return None if pod is None else self.by_pod.get(int(pod))


def device_tier(dev: DeviceLike, fabric: str) -> int:
    """A device's tier in ``fabric``: its switch tier, or the endpoints for nodes, appliances and
    the devices of other fabrics (a switch's management port on the out-of-band fabric)."""
    if dev.fabric == fabric:
        return TIER_OF_ROLE.get(dev.role, ENDPOINTS)
    return ENDPOINTS


def _pair_tier(lo: int, hi: int) -> str:
    """The link tier between two box tiers, named as the plan names link tiers."""
    names = {ENDPOINTS: "node", 2: "leaf", 1: "spine", 0: "core"}
    return "%s_%s" % (names[lo], names[hi])


def plane_of(link: LinkLike, devices: Mapping[str, DeviceLike]) -> Any:
    """The link's plane: its own ``plane``, else its switch ends'; None while plans have no planes."""
    plane = getattr(link, "plane", None)
    if plane is None:
        plane = getattr(devices[link.b_device], "plane", None)
    if plane is None:
        plane = getattr(devices[link.a_device], "plane", None)
    return plane


def has_planes(plan: PlanLike, links: Sequence[LinkLike]) -> bool:
    """Whether the plan's records know planes at all: a slot or attribute ``plane`` on a link or a
    device (checked on one of each, so a plan without planes costs nothing per link)."""
    if links and hasattr(links[0], "plane"):
        return True
    first = next(iter(plan.devices.values()), None)
    return first is not None and hasattr(first, "plane")


class View(object):
    """One panel of a fabric drawing: its boxes by tier and its bundles."""

    def __init__(self, plan: PlanLike, fabric: str, links: Sequence[LinkLike], su: int | None,
                 status: Status | None, view_id: str) -> None:
        self.plan = plan
        self.fabric = fabric
        self.info: Mapping[str, Any] = plan.fabrics.get(fabric) or {}
        self.su = su
        self.view_id = view_id
        self.status = status
        self.links = links
        self.tiers: dict[int, list[Box]] = {}
        self.bundles: list[Bundle] = []
        self.devices_by_tier: dict[int, list[DeviceLike]] = {}
        self._build()

    # -- model ---------------------------------------------------------------------------------
    def _build(self) -> None:
        devices = self.plan.devices
        fabric = self.fabric
        links = self.links
        # Pass 1: the devices in view and their tiers. The per-cable loops of this class run in C
        # (map, attrgetter, set, Counter): an overview of 100,000 GPUs reads 300,000 cables.
        ends_a = list(map(_A_DEVICE, links))
        ends_b = list(map(_B_DEVICE, links))
        names = set(ends_a)
        names.update(ends_b)
        tier_of = {name: device_tier(devices[name], fabric) for name in names}
        by_tier: dict[int, list[DeviceLike]] = {}
        for name, tier in tier_of.items():
            by_tier.setdefault(tier, []).append(devices[name])
        for tier in by_tier:
            by_tier[tier].sort(key=lambda d: style.natural(d.name))
        self.devices_by_tier = by_tier
        # An SU's drawing shows its own leaves one by one up to MAX_DETAIL_SU; its nodes and the
        # spines and cores it shares with others only up to the overview's limit: a pod has one
        # such drawing per SU and fabric (309 in the 64-SU whole pod), and 32 node boxes with their
        # lines in each of them would repeat what the rack elevations show.
        limit_leaf = MAX_DETAIL_SU if self.su is not None else MAX_DETAIL_OVERVIEW
        detail = {t: len(devs) <= (limit_leaf if t == 2 else MAX_DETAIL_OVERVIEW) for t, devs in by_tier.items()}
        pairs: Counter[tuple[int, int]] | None = None
        for lo, hi in ((3, 2), (2, 1), (1, 0)):
            if detail.get(lo) and detail.get(hi) and len(by_tier[lo]) * len(by_tier[hi]) > MAX_LINES:
                if pairs is None:
                    pairs = Counter()
                    for a, b in set(zip(ends_a, ends_b)):
                        ta, tb = tier_of[a], tier_of[b]
                        pairs[(ta, tb) if ta >= tb else (tb, ta)] += 1
                if pairs[(lo, hi)] > MAX_LINES:
                    detail[lo if lo == ENDPOINTS else hi] = False
        self.columns = Columns(self.info, by_tier.get(2, ()), per_su=self.su is not None)
        boxes: dict[tuple[int, str], Box] = {}
        box_of: dict[str, Box] = {}
        for tier, devs in by_tier.items():
            for dev in devs:
                if detail[tier]:
                    key, order, label = dev.name, (0,) + style.natural(dev.name), dev.name
                else:
                    key, order, label = self._group(tier, dev)
                box = boxes.get((tier, key))
                if box is None:
                    box = boxes[(tier, key)] = Box(key, tier, detail[tier], order)
                    box.label = label
                    box.id = ("dev." if detail[tier] else "grp.") + self.view_id + "." + style.safe_id(key)
                box.members.append(dev)
                box_of[dev.name] = box
        for (tier, _key), box in boxes.items():
            self._describe(box)
            self.tiers.setdefault(tier, []).append(box)
        for tier in self.tiers:
            self.tiers[tier].sort(key=lambda b: b.order)
        # Pass 2: links into bundles. Counted by (box, box, rail of either end, speed), then the
        # rail is kept only on bundles from endpoints to leaves (split by rail), dropped elsewhere.
        rails: dict[str, int] = {}
        if self.info.get("rail_optimized"):
            rails = {d.name: d.rail for d in by_tier.get(2, ()) if d.rail is not None}
        rail_get = rails.get
        box_get = box_of.__getitem__
        tally = Counter(zip(map(box_get, ends_a), map(box_get, ends_b), map(rail_get, ends_a), map(rail_get, ends_b),
                            map(_SPEED, links)))
        states: dict[tuple[int, int, int | None], str | None] = {}
        bundles: dict[tuple[int, int, int | None], Bundle] = {}
        for (ba, bb, rail_a, rail_b, speed), n in tally.items():
            if (ba.tier, ba.order) < (bb.tier, bb.order):
                ba, bb = bb, ba          # lo first: the lower tier (larger number), then by order
            rail = (rail_a if rail_a is not None else rail_b) if ba.tier == ENDPOINTS and bb.tier == 2 else None
            bkey = (id(ba), id(bb), rail)
            bundle = bundles.get(bkey)
            if bundle is None:
                bundle = bundles[bkey] = Bundle(ba, bb, rail, _pair_tier(ba.tier, bb.tier))
                bundle.id = "bnd.%s.%s.%s%s" % (self.view_id, style.safe_id(ba.key), style.safe_id(bb.key),
                                                "" if rail is None else ".r%d" % rail)
            bundle.count += n
            bundle.speeds.add(float(speed))
        if self.status:
            status = self.status
            for link in links:
                state = status.link(link)
                if state:
                    ba, bb = box_of[link.a_device], box_of[link.b_device]
                    if (ba.tier, ba.order) < (bb.tier, bb.order):
                        ba, bb = bb, ba
                    rail = None
                    if ba.tier == ENDPOINTS and bb.tier == 2:
                        rail_a, rail_b = rail_get(link.a_device), rail_get(link.b_device)
                        rail = rail_a if rail_a is not None else rail_b
                    skey = (id(ba), id(bb), rail)
                    states[skey] = worst(states.get(skey), state)
            for skey, sstate in states.items():
                bundles[skey].state = worst(bundles[skey].state, sstate)
        self.bundles = sorted(bundles.values(), key=lambda b: (
            -b.lo.tier, b.lo.order, -b.hi.tier, b.hi.order, -1 if b.rail is None else b.rail))

    def _group(self, tier: int, dev: DeviceLike) -> tuple[str, tuple[Any, ...], str]:
        """(group id, sort order, label) of the group ``dev`` falls in."""
        if tier == ENDPOINTS:
            col = self.columns.su(dev.su) if dev.fabric in (None, self.fabric) else None
            if col is not None:
                return "nodes." + col[0], (1, self._col_order(col[0])), col[1]
            # Devices of other fabrics (their management ports on the out-of-band fabric).
            owner = dev.fabric or ""
            return ("role.%s.%s" % (owner, dev.role) if owner else "role." + dev.role, (2, owner, dev.role),
                    ("%s %s" % (owner, style.ROLE_PLURALS.get(dev.role, dev.role))).strip())
        if tier == 2:
            col = self.columns.su(dev.su)
            if col is not None:
                return "leaves." + col[0], (1, self._col_order(col[0])), col[1]
            return "leaves", (2,), "leaves"
        if tier == 1:
            col = self.columns.pod(dev.pod) if self.info.get("tiers") == 3 else None
            if col is not None:
                return "spines." + col[0], (1, self._col_order(col[0])), col[1] + " spines"
            return "spines", (2,), "spines"
        return "cores", (2,), "cores"

    @staticmethod
    def _col_order(key: str) -> tuple[Any, ...]:
        return style.natural(key)

    def _describe(self, box: Box) -> None:
        """Label, role, rail and validation state of a box from its members."""
        members = box.members
        roles = Counter(d.role for d in members)
        box.role = roles.most_common(1)[0][0]
        rails = {d.rail for d in members}
        if box.tier == 2 and len(rails) == 1 and self.info.get("rail_optimized"):
            box.rail = next(iter(rails))
        models = Counter(d.model for d in members)
        if box.detail:
            dev = members[0]
            box.sub = dev.model + ("" if dev.rail is None or box.tier != 2 else " \u00b7 rail %d" % dev.rail)
        else:
            what = ", ".join(style.how_many(n, r) for r, n in sorted(roles.items(), key=lambda i: (-i[1], i[0])))
            box.sub = what + " \u00b7 " + ", ".join(m for m, _n in models.most_common(2))
        if self.status:
            state = None
            for dev in members:
                state = worst(state, self.status.devices.get(dev.name))
            box.state = state


def tier_caption(view: View, tier: int) -> list[str]:
    """The lines of text beside a tier: its name and what is in it."""
    devs = view.devices_by_tier.get(tier, [])
    models = Counter(d.model for d in devs)
    name = TIER_NAMES[tier] if tier != ENDPOINTS else "nodes and endpoints"
    return [name, ", ".join("%s \u00d7 %s" % (style.count(n), m)
                            for m, n in sorted(models.items(), key=lambda i: (-i[1], i[0]))[:3])]


def pair_caption(bundles: Sequence[Bundle]) -> list[str]:
    """The lines of text between two tiers: the links and the bundle sizes that join them."""
    links = sum(b.count for b in bundles)
    speeds = sorted({s for b in bundles for s in b.speeds})
    sizes = sorted({b.count for b in bundles})
    tiers = sorted({b.tier for b in bundles})
    head = "%s: %s links \u00b7 %s" % (
        ", ".join(t.replace("_", "-") for t in tiers), style.count(links), "/".join(style.speed(s) for s in speeds))
    labels = {b.label() for b in bundles}
    if len(labels) == 1:
        return [head, "each line: " + labels.pop()]
    return [head, "%s lines of %s-%s links" % (style.count(len(bundles)), style.count(sizes[0]),
                                               style.count(sizes[-1]))]


def tiled(view: View, box: Box) -> bool:
    """Whether a group box shows its members as tiles: in the overview, where the report page
    marks what validation found on them, up to MAX_TILES members. An SU's drawing leaves them out:
    a 64-SU pod has 64 of them, and tiles there would repeat the rack elevations' devices without
    their names."""
    if box.detail or len(box.members) > MAX_TILES:
        return False
    return view.su is None


def _layout(view: View, x0: float) -> tuple[float, float]:
    """Place the boxes of ``view`` from ``x0``; return its width and height."""
    present = sorted(view.tiers)
    for tier in present:
        for box in view.tiers[tier]:
            if box.detail:
                box.w, box.h = BOX_W, BOX_H
            else:
                tiles = len(box.members) if tiled(view, box) else 0
                per_row = max(16, int(math.ceil(math.sqrt(tiles * 3)))) if tiles else 0
                if len(view.tiers[tier]) > 1:
                    per_row = min(per_row, (GROUP_W - 10) // TILE) if tiles else 0
                rows = int(math.ceil(tiles / float(per_row))) if tiles else 0
                box.w = max(GROUP_W, per_row * TILE + 10)
                box.h = 34 + rows * TILE + (4 if rows else 0)
    width = 0.0
    for tier in present:
        boxes = view.tiers[tier]
        width = max(width, len(boxes) * (max(b.w for b in boxes) + 14))
    y = float(TOP)
    for tier in present:
        boxes = view.tiers[tier]
        n = len(boxes)
        row_h = max(b.h for b in boxes)
        for i, box in enumerate(boxes):
            cx = x0 + width * (i + 0.5) / n
            box.x, box.y = cx - box.w / 2.0, y + (row_h - box.h) / 2.0
        y += row_h + TIER_GAP
    return width, y - TIER_GAP


def _attach(view: View) -> dict[tuple[int, bool], float]:
    """x of each bundle's end on its box: spread along the box's edge, ordered by the far end."""
    ends: dict[tuple[int, bool], float] = {}
    by_edge: dict[tuple[int, bool], list[tuple[float, int, int]]] = {}
    for i, b in enumerate(view.bundles):
        if b.lo is b.hi:
            continue
        far_hi = b.hi.x + b.hi.w / 2.0
        far_lo = b.lo.x + b.lo.w / 2.0
        by_edge.setdefault((id(b.lo), True), []).append((far_hi, b.rail if b.rail is not None else -1, i))
        by_edge.setdefault((id(b.hi), False), []).append((far_lo, b.rail if b.rail is not None else -1, i))
    boxes = {id(box): box for tier in view.tiers.values() for box in tier}
    for (box_id, top), items in by_edge.items():
        box = boxes[box_id]
        items.sort()
        k = len(items)
        for j, (_far, _rail, i) in enumerate(items):
            ends[(i, top)] = box.x + box.w * (j + 1) / (k + 1.0)
    return ends


def _draw_view(d: Any, dw: Any, view: View, x0: float, width: float, bottom: float, title: str | None) -> None:
    if title:
        d.append(dw.Text(title, None, x0 + width / 2.0, TOP - 22, class_="h2 mid"))
    ends = _attach(view)
    by_pair: dict[tuple[int, int], list[Bundle]] = {}
    for b in view.bundles:
        by_pair.setdefault((b.lo.tier, b.hi.tier), []).append(b)
    for (lo_t, hi_t), bundles in sorted(by_pair.items()):
        # Per-line labels only where they say something: when every bundle between two tiers is
        # alike, the caption beside the tiers says it once.
        labelled = len(bundles) <= MAX_LABELS and len({b.label() for b in bundles}) > 1
        # Hover titles on the overview (the page shows it); an SU's drawing has its captions, and
        # a 64-SU pod's 64 drawings would pay for a thousand titles.
        titled = view.su is None
        for b in bundles:
            idx = _index(view, b)
            cls = "bnd t-%s%s%s" % (b.tier, " " + style.rail_class(b.rail) if b.rail is not None else "",
                                    " " + b.state if b.state else "")
            stroke = min(6.0, 1.0 + math.log(b.count, 2) / 2.0)
            attrs = dict(id=b.id, class_=cls, stroke_width="%.2f" % stroke, data_count=b.count,
                         data_speed="%g" % max(b.speeds), data_tier=b.tier, data_from=b.lo.id, data_to=b.hi.id)
            if b.lo is b.hi:
                # Links inside one group (leaf-to-leaf peer links of grouped leaves): a loop on its side.
                bx, by = b.lo.x + b.lo.w, b.lo.y + b.lo.h / 2.0
                path = dw.Path(**attrs)
                path.M(bx, by - 6).C(bx + 26, by - 18, bx + 26, by + 18, bx, by + 6)
                path.append_title("%s (%s)" % (b.label(), b.tier))
                d.append(path)
                d.append(dw.Text(b.label(), None, bx + 22, by + 3, class_="s8 halo"))
                continue
            if lo_t == hi_t:
                # Between two boxes of one tier (MLAG peer links): an arc under them.
                xa, xb = b.lo.x + b.lo.w / 2.0, b.hi.x + b.hi.w / 2.0
                ya = max(b.lo.y + b.lo.h, b.hi.y + b.hi.h)
                path = dw.Path(**attrs)
                path.M(xa, ya).Q((xa + xb) / 2.0, ya + 30, xb, ya)
                path.append_title("%s: %s (%s)" % (b.lo.key + " - " + b.hi.key, b.label(), b.tier))
                d.append(path)
                if labelled:
                    d.append(dw.Text(b.label(), None, (xa + xb) / 2.0, ya + 24, class_="s8 halo mid"))
                continue
            x1, y1 = ends[(idx, True)], b.lo.y
            x2, y2 = ends[(idx, False)], b.hi.y + b.hi.h
            line = dw.Line(x1, y1, x2, y2, **attrs)
            if titled:
                line.append_title("%s - %s: %s (%s)" % (b.lo.label, b.hi.label, b.label(), b.tier))
            d.append(line)
            if labelled:
                t = (0.25, 0.5, 0.75)[idx % 3]
                d.append(dw.Text(b.label(), None, x1 + (x2 - x1) * t, y1 + (y2 - y1) * t + 3, class_="s8 halo mid"))
    for tier in sorted(view.tiers):
        for box in view.tiers[tier]:
            _draw_box(d, dw, view, box)


def _index(view: View, bundle: Bundle) -> int:
    """The bundle's position in the view (memoised on the view)."""
    table: dict[int, int] | None = getattr(view, "_bundle_index", None)
    if table is None:
        table = {id(b): i for i, b in enumerate(view.bundles)}
        setattr(view, "_bundle_index", table)
    return table[id(bundle)]


def _draw_box(d: Any, dw: Any, view: View, box: Box) -> None:
    state = " " + box.state if box.state else ""
    if box.detail:
        fill = style.rail_class(box.rail) if box.rail is not None else style.role_class(box.role)
        dev = box.members[0]
        d.append(dw.Rectangle(box.x, box.y, box.w, box.h, rx=3, id=box.id, class_="box " + fill + state,
                              data_device=style.attr(dev.name), data_role=style.attr(dev.role)))
        d.append(dw.Text(box.label, None, box.x + box.w / 2.0, box.y + 12, class_="mid"))
        d.append(dw.Text(style.fit(box.sub, box.w - 6, 7), None, box.x + box.w / 2.0, box.y + 23, class_="small mid"))
        return
    d.append(dw.Rectangle(box.x, box.y, box.w, box.h, rx=4, id=box.id, class_="grp" + state,
                          data_members=len(box.members), data_role=box.role))
    d.append(dw.Text(box.label, None, box.x + box.w / 2.0, box.y + 12, class_="mid"))
    d.append(dw.Text(style.fit(box.sub, box.w - 6, 7), None, box.x + box.w / 2.0, box.y + 24, class_="small mid"))
    if not tiled(view, box):
        return
    per_row = max(1, int((box.w - 10) // TILE))
    status = view.status
    # One path per colour draws the tiles (a pod's overview has thousands: one element each would
    # cost more than the rest of the drawing); a device validation marked is drawn again on top,
    # as an element of its own with its id and what was found.
    paths: dict[str, Any] = {}
    marked = []
    rails = box.tier == 2 and view.info.get("rail_optimized")
    for j, dev in enumerate(box.members):
        tx = box.x + 5 + (j % per_row) * TILE
        ty = box.y + 32 + (j // per_row) * TILE
        fill = style.rail_class(dev.rail) if rails and dev.rail is not None else style.role_class(dev.role)
        path = paths.get(fill)
        if path is None:
            path = paths[fill] = dw.Path(class_="tile " + fill)
        path.M(tx, ty).append("h%dv%dh%dZ" % (TILE - 1, TILE - 1, 1 - TILE))
        dstate = status.devices.get(dev.name) if status else None
        if dstate:
            marked.append((tx, ty, dev, dstate))
    for fill in sorted(paths):
        d.append(paths[fill])
    for tx, ty, dev, dstate in marked:
        rect = dw.Rectangle(tx, ty, TILE - 1, TILE - 1, id="dev.%s.%s" % (view.view_id, style.safe_id(dev.name)),
                            class_="tile mark " + dstate, data_device=style.attr(dev.name))
        rect.append_title("%s: %s" % (dev.name, "error" if dstate == "fail" else "warning"))
        d.append(rect)


def _legend(d: Any, dw: Any, views: Sequence[View], y: float) -> float:
    """Roles and rails, a square in the colour then the name, and how to read a line."""
    roles = sorted({d_.role for v in views for t in v.tiers.values() for b in t for d_ in b.members})
    rails = sorted({b.rail for v in views for b in v.bundles if b.rail is not None}
                   | {b.rail for v in views for t in v.tiers.values() for b in t if b.rail is not None})
    # The overview's; an SU's drawing names its tiers beside them and its leaves' rails in their
    # boxes, and 64 SUs would pay for a thousand legend elements.
    keys = [] if views[0].su is not None else [(style.role_class(role), style.ROLE_NAMES.get(role, role))
                                               for role in roles] + [(style.rail_class(rail), "rail %d" % rail)
                                                                     for rail in rails]
    x = 20.0
    if keys:
        d.append(dw.Text("legend:", None, x, y + 9, class_="h2"))
        x += 52
    for cls, name in keys:
        d.append(dw.Text("\u25a0", None, x, y + 10, class_="s13 key " + cls))
        d.append(dw.Text(name, None, x + 12, y + 9))
        x += 22 + 5.5 * len(name)
    d.append(dw.Text("n \u00d7 S: a bundle of n links at S drawn as one line; dashed box: a group of devices "
                     "(in the overview its tiles are its devices)", None, 20, y + (28 if keys else 9)))
    return y + 40


def fabric_svg(plan: PlanLike, fabric: str, links: Sequence[LinkLike], su: int | None = None,
               status: Status | None = None, header: bool = True) -> str:
    """The drawing of ``fabric``: its whole overview, or the scalable unit ``su``."""
    dw = style.require_drawsvg()
    base = fabric if su is None else "%s-su%d" % (fabric, su)
    planes: dict[Any, Sequence[LinkLike]] = {None: links}
    if has_planes(plan, links):
        split: dict[Any, list[LinkLike]] = {}
        for link in links:
            split.setdefault(plane_of(link, plan.devices), []).append(link)
        planes = dict(split)
    views: list[View] = []
    for plane in sorted(planes, key=lambda p: (p is not None, str(p))):
        vid = base if plane is None else "%s-p%s" % (base, style.safe_id(str(plane)))
        views.append(View(plan, fabric, planes[plane], su, status, vid))
    x = float(LEFT)
    placed: list[tuple[View, float, float, float]] = []
    height = float(TOP)
    for view in views:
        w, h = _layout(view, x)
        placed.append((view, x, w, h))
        x += w + 40
        height = max(height, h)
    width = max(x - 40 + RIGHT, 700.0)
    total_h = height + 90
    d = style.drawing(width, total_h, "f%s" % style.safe_id(base).replace("-", "_") + "_")
    info = plan.fabrics.get(fabric) or {}
    scope = "SU %d" % su if su is not None else "overview"
    tiers = info.get("tiers", "?")
    head = "%s \u00b7 %s fabric (%s, %s tier%s) \u00b7 %s" % (
        plan.name, fabric, info.get("kind", "?"), tiers, "" if tiers == 1 else "s", scope)
    d.append(dw.Text(head, None, 20, 22, class_="h1"))
    nums: Counter[int] = Counter()
    for view in views:
        for tier, devs in view.devices_by_tier.items():
            nums[tier] += len(devs)
    sub = " \u00b7 ".join("%s %s" % (style.count(nums[t]), TIER_NAMES[t] if t != ENDPOINTS else "endpoints")
                          for t in sorted(nums, reverse=True)) + " \u00b7 %s links" % style.count(len(links))
    d.append(dw.Text(sub, None, 20, 38))
    first = placed[0][0]
    for view, vx, vw, vh in placed:
        _draw_view(d, dw, view, vx, vw, vh, None if len(placed) == 1 else "plane %s" % view.view_id.rsplit("-p", 1)[-1])
    # Captions for the first panel's tiers, at its tier rows, in the left margin.
    for tier in sorted(first.tiers):
        boxes = first.tiers[tier]
        ty = min(b.y for b in boxes)
        for j, line in enumerate(tier_caption(first, tier)):
            d.append(dw.Text(style.fit(line, LEFT - 24, 8), None, 16, ty + 10 + 11 * j,
                             class_="s10 b" if j == 0 else "s8"))
    by_pair: dict[tuple[int, int], list[Bundle]] = {}
    for b in first.bundles:
        by_pair.setdefault((b.lo.tier, b.hi.tier), []).append(b)
    for (lo_t, hi_t), bundles in sorted(by_pair.items()):
        lo_y = min(b.y for b in first.tiers[lo_t])
        hi_y = max(b.y + b.h for b in first.tiers[hi_t])
        # Between the two tiers; links within one tier (MLAG peer links) under that tier's caption.
        mid = (lo_y + hi_y) / 2.0 if lo_t != hi_t else lo_y + 38
        for j, line in enumerate(pair_caption(bundles)):
            d.append(dw.Text(style.fit(line, LEFT - 24, 8 if j == 0 else 7), None, 16, mid - 8 + 10 * j,
                             class_="small" if j else "s8"))
    _legend(d, dw, views, height + 30)
    return style.svg_text(d, header)
