# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the drawings, the install sheets and ``index.html`` into a plan folder.

``write_report`` runs after the plan's other artifacts (``planner.artifacts.write_artifacts``)
and writes, relative to the plan folder::

    index.html                               the report page
    drawings/hall.svg                        the hall layout with cable runs
    drawings/racks-row-NN.svg                rack elevations, one per row
    drawings/fabric-<fabric>.svg             each fabric's overview
    drawings/fabric-<fabric>-suNN.svg        each fabric's scalable units
    install/row-NN.html                      install sheets and cable labels, one per row

Every file goes through ``write_if_changed``: unchanged files keep their time and are not
reported, so a second run reports nothing. A file of these kinds that the plan no longer makes (an
SU or a row that went away) is removed, so the folder never shows a pod that is not planned.
Numbers in file names are zero-padded to the width of the largest, so they sort as they read.

``refresh_index`` is what validation calls after ``site.yml``: it rebuilds ``index.html`` from
the deployed ``plan.json`` and the new validation report, marking the findings on the fabric
drawings; the drawings' files stay as the plan wrote them.
"""

from __future__ import annotations

import functools
import json
import operator
import os
import re
from collections import Counter
from typing import IO, Any, Callable, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import install, page, racks, topology
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.records import (
    LinkLike, PlanLike, plan_from_json)

INDEX = "index.html"
VALIDATION = "validation.json"
# What write_report owns in its folders: only files of these names are ever removed as stale.
OWNED = {"drawings": re.compile(r"^(hall\.svg|racks-row-\d+\.svg|fabric-[A-Za-z0-9_-]+\.svg)$"),
         "install": re.compile(r"^row-\d+\.html$")}

Producer = Callable[[IO[str]], object]


def _pad(numbers: Sequence[int]) -> int:
    return max(2, len(str(max(numbers)))) if numbers else 2


class Report(object):
    """Everything the report's files are made from, computed once and shared by the files."""

    def __init__(self, plan: PlanLike, validation: Mapping[str, Any] | None = None,
                 validation_note: str | None = None) -> None:
        self.plan = plan
        self.validation = validation
        self.validation_note = validation_note
        self.status = topology.Status(validation.get("findings") or ()) if validation else None
        self.rows = racks.rows(plan)
        self.by_fabric: dict[str, list[LinkLike]] = {}
        self.by_su: dict[tuple[str, int], list[LinkLike]] = {}
        self.cabling: Counter[tuple[Any, ...]] = Counter()
        self._pairs: dict[tuple[str, str], list[Any]] = {}
        self._split: tuple[dict[str, list[LinkLike]], dict[str, int]] = ({}, {})
        self._split_links()
        self.files = page.Files()
        width = _pad(list(self.rows))
        self.files.rows = [(row, "drawings/racks-row-%0*d.svg" % (width, row)) for row in self.rows]
        self.files.sheets = [(row, "install/row-%0*d.html" % (width, row)) for row in self.rows]
        for fabric in plan.fabrics:
            if fabric not in self.by_fabric:
                continue
            self.files.overviews[fabric] = "drawings/fabric-%s.svg" % fabric
            sus = sorted(su for (f, su) in self.by_su if f == fabric)
            su_width = _pad(sus)
            self.files.sus[fabric] = [(su, "drawings/fabric-%s-su%0*d.svg" % (fabric, su_width, su)) for su in sus]
        self._overview: dict[str, str] = {}
        self._runs: dict[tuple[str, str], racks.Run] | None = None

    def _split_links(self) -> None:
        """One pass over every cable of the plan (300,000 at 100,000 GPUs) for everything the files
        need of them: by fabric and by the SU of their leaf end (fabric drawings), by the racks of
        their ends (the hall's runs) and by the rack they start in (install sheets)."""
        devices = self.plan.devices
        leaf_of = {name: (d.fabric or "", int(d.su)) for name, d in devices.items()
                   if d.role == "leaf" and d.su is not None}
        rack_of = {name: d.rack or "" for name, d in devices.items()}
        by_fabric, by_su = self.by_fabric, self.by_su
        pairs: dict[tuple[str, str], list[Any]] = {}
        starting: dict[str, list[LinkLike]] = {}
        arriving: dict[str, int] = {}
        links = self.plan.links
        # Counted in C where it can be (map, attrgetter, Counter): this reads every cable.
        self.cabling.update(map(operator.attrgetter("fabric", "tier", "media", "cable", "length_m", "speed_gbps"),
                                links))
        ends_a = list(map(operator.attrgetter("a_device"), links))
        ends_b = list(map(operator.attrgetter("b_device"), links))
        racks_a = list(map(rack_of.__getitem__, ends_a))
        rack_get = rack_of.__getitem__
        for (ra, rb, length), n in Counter(zip(racks_a, map(rack_get, ends_b),
                                               map(operator.attrgetter("length_m"), links))).items():
            entry = pairs.get((ra, rb))
            if entry is None:
                entry = pairs[(ra, rb)] = [0, set(), 0.0]
            entry[0] += n
            if length is not None:
                entry[1].add(length)
                entry[2] += length * n
            if ra != rb:
                arriving[rb] = arriving.get(rb, 0) + n
        fabrics = set(map(operator.attrgetter("fabric"), links))
        one_fabric = len(fabrics) == 1
        if one_fabric:
            by_fabric[fabrics.pop()] = list(links)
        for link, a, b, ra in zip(links, ends_a, ends_b, racks_a):
            fabric = link.fabric
            if not one_fabric:
                bucket = by_fabric.get(fabric)
                if bucket is None:
                    bucket = by_fabric[fabric] = []
                bucket.append(link)
            if link.tier != "spine_core":
                key = leaf_of.get(b)
                if key is None or key[0] != fabric:
                    key = leaf_of.get(a)
                if key is not None and key[0] == fabric:
                    sub = by_su.get(key)
                    if sub is None:
                        sub = by_su[key] = []
                    sub.append(link)
            bucket = starting.get(ra)
            if bucket is None:
                bucket = starting[ra] = []
            bucket.append(link)
        self._pairs = pairs
        self._split = (starting, arriving)

    def runs(self) -> dict[tuple[str, str], racks.Run]:
        if self._runs is None:
            self._runs = racks.runs_from(self.plan, self._pairs)
        return self._runs

    def split(self) -> tuple[dict[str, list[LinkLike]], dict[str, int]]:
        return self._split

    def overview(self, fabric: str) -> str:
        """A fabric's overview drawing as a standalone SVG file (rendered once)."""
        text = self._overview.get(fabric)
        if text is None:
            text = self._overview[fabric] = topology.fabric_svg(self.plan, fabric, self.by_fabric[fabric])
        return text

    def inline_overview(self, fabric: str) -> str:
        """The overview for the page: the file's drawing without its XML declaration, or drawn
        again with validation's findings marked."""
        if self.status:
            return topology.fabric_svg(self.plan, fabric, self.by_fabric[fabric], status=self.status, header=False)
        text = self.overview(fabric)
        return text[text.index("<svg"):]

    def index(self) -> str:
        p = self.plan
        svgs = {fabric: self.inline_overview(fabric) for fabric in self.files.overviews}
        return page.index_html(p, self.files, svgs, racks.row_runs(p, self.runs()), self.cabling, self.validation,
                               self.validation_note)

    def outputs(self) -> list[tuple[str, Producer]]:
        """(relative path, producer) of every file, drawings first and the page last."""
        out: list[tuple[str, Producer]] = [(self.files.hall, self._hall)]
        for (row, path), (_row, sheet) in zip(self.files.rows, self.files.sheets):
            out.append((path, functools.partial(self._elevation, row)))
            out.append((sheet, functools.partial(self._sheet, row)))
        for fabric, path in self.files.overviews.items():
            out.append((path, functools.partial(self._overview_file, fabric)))
            for su, su_path in self.files.sus[fabric]:
                out.append((su_path, functools.partial(self._su, fabric, su)))
        out.append((INDEX, self._index))
        return out

    # Producers: each writes one file to the handle write_if_changed gives it.
    def _hall(self, handle: IO[str]) -> None:
        handle.write(racks.hall_svg(self.plan, self.runs()))

    def _elevation(self, row: int, handle: IO[str]) -> None:
        handle.write(racks.elevation_svg(self.plan, row, self.rows[row]))

    def _sheet(self, row: int, handle: IO[str]) -> None:
        starting, arriving = self.split()
        handle.write(install.sheet_html(self.plan, row, self.rows[row], starting, arriving, self.files.sheets))

    def _overview_file(self, fabric: str, handle: IO[str]) -> None:
        handle.write(self.overview(fabric))

    def _su(self, fabric: str, su: int, handle: IO[str]) -> None:
        handle.write(topology.fabric_svg(self.plan, fabric, self.by_su[(fabric, su)], su=su))

    def _index(self, handle: IO[str]) -> None:
        handle.write(self.index())


def read_validation(dest: str) -> tuple[dict[str, Any] | None, str | None]:
    """The validation report in ``dest`` when there is a readable one, else (None, why not)."""
    path = os.path.join(dest, VALIDATION)
    if not os.path.exists(path):
        return None, None
    try:
        with open(path, "r", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        return None, "%s could not be read (%s)." % (VALIDATION, exc)
    if not isinstance(data, dict) or "findings" not in data:
        return None, "%s is not a validation report." % VALIDATION
    return data, None


def report_names(plan: PlanLike) -> list[str]:
    """The relative paths write_report writes for ``plan``."""
    return [name for name, _producer in Report(plan).outputs()]


def write_report(plan: PlanLike, dest: str, check_mode: bool = False) -> list[str]:
    """Write the report's files into the plan folder ``dest`` (which exists, except in check
    mode); return the relative paths that changed, or would, including stale files removed."""
    validation, note = read_validation(dest) if os.path.isdir(dest) else (None, None)
    report = Report(plan, validation, note)
    outputs = report.outputs()
    changed: list[str] = []
    for sub in OWNED:
        folder = os.path.join(dest, sub)
        if not os.path.isdir(folder) and not check_mode:
            os.makedirs(folder)
    for name, producer in outputs:
        path = os.path.join(dest, name)
        if check_mode and not os.path.isdir(os.path.dirname(path)):
            changed.append(name)
            continue
        if write_if_changed(path, producer, check_mode=check_mode):
            changed.append(name)
    wanted = {name for name, _p in outputs}
    for sub, pattern in OWNED.items():
        folder = os.path.join(dest, sub)
        if not os.path.isdir(folder):
            continue
        for entry in sorted(os.listdir(folder)):
            rel = sub + "/" + entry
            if pattern.match(entry) and rel not in wanted:
                if not check_mode:
                    os.unlink(os.path.join(folder, entry))
                changed.append(rel)
    return changed


def refresh_index(plan_dir: str, plan_data: Mapping[str, Any], validation: Mapping[str, Any],
                  check_mode: bool = False) -> bool:
    """Rewrite ``index.html`` of a plan folder with a validation report; True when it changed.

    Only where the plan wrote a report page: the page links drawings that only ``write_report``
    makes, so a plan folder from before them is left as it is.
    """
    path = os.path.join(plan_dir, INDEX)
    if not os.path.exists(path):
        return False
    report = Report(plan_from_json(plan_data), validation)
    return write_if_changed(path, report.index(), check_mode=check_mode)
