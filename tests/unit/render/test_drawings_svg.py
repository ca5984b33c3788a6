# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drawings, checked as structures: every device and every cable of the plan is in them.

Each SVG is parsed with xml.etree. A small plan (the lab) is drawn device by device: every device
has its box, every pair of cabled devices its bundle, with the number of cables between them. A
large plan is drawn in groups: the bundles still account for every cable, and the number of lines
stays small. Rack elevations put each device at its units.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import racks, topology
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.records import PlanRecords
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.writer import Report

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def lab():
    return plan_design(os.path.join(REPO, "inventories/lab/design.yml"))


@pytest.fixture(scope="module")
def pod():
    return plan_design(os.path.join(REPO, "inventories/training-pod/design.yml"))


def _parse(text):
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == SVG + "svg"
    assert float(root.get("width")) >= 300 and float(root.get("height")) >= 100
    return root


def _by_id(root):
    return {el.get("id"): el for el in root.iter() if el.get("id")}


def _bundles(root):
    return [el for el in root.iter() if "bnd" in (el.get("class") or "").split()]


def test_lab_overview_shows_every_device_and_every_cable_pair(lab):
    root = _parse(topology.fabric_svg(lab, "compute", lab.links))
    ids = _by_id(root)
    for name, dev in lab.devices.items():
        box = ids.get("dev.compute." + name)
        assert box is not None, name
        assert box.get("data-device") == name and box.get("data-role") == dev.role
    pairs = Counter()
    for link in lab.links:
        pairs[tuple(sorted((link.a_device, link.b_device)))] += 1
    bundles = _bundles(root)
    drawn = {}
    for b in bundles:
        ends = tuple(sorted(ids[b.get(k)].get("data-device") for k in ("data-from", "data-to")))
        assert ends not in drawn, "bundle drawn twice: %s" % (ends,)
        drawn[ends] = int(b.get("data-count"))
        assert b.get("data-speed") == "100"
    assert drawn == dict(pairs)
    # Rails coloured: each node-leaf bundle carries its leaf's rail.
    for b in bundles:
        leaf = lab.devices[ids[b.get("data-to")].get("data-device")]
        if b.get("data-tier") == "node_leaf":
            assert "rail-%d" % leaf.rail in b.get("class").split()


def test_lab_su_drawing_shows_the_same(lab):
    links = list(lab.links)
    root = _parse(topology.fabric_svg(lab, "compute", links, su=1))
    ids = _by_id(root)
    assert all("dev.compute-su1." + name in ids for name in lab.devices)
    assert sum(int(b.get("data-count")) for b in _bundles(root)) == len(links)


def _view_links(plan, fabric, su):
    leaves = {n for n, d in plan.devices.items() if d.role == "leaf" and d.fabric == fabric and d.su == su}
    return [k for k in plan.links if k.fabric == fabric and (k.a_device in leaves or k.b_device in leaves)]


def test_a_pod_is_drawn_in_groups_that_account_for_every_cable(pod):
    report = Report(pod)
    for fabric, links in report.by_fabric.items():
        root = _parse(report.overview(fabric))
        bundles = _bundles(root)
        assert sum(int(b.get("data-count")) for b in bundles) == len(links)
        assert len(bundles) <= 120, "%s overview: %d lines" % (fabric, len(bundles))
        ids = _by_id(root)
        # Every device of the fabric is in a box: its own, or a group's members.
        in_view = {k.a_device for k in links} | {k.b_device for k in links}
        own = {i.split(".", 2)[2] for i in ids if i.startswith("dev.")}
        grouped = sum(int(el.get("data-members")) for i, el in ids.items() if i.startswith("grp."))
        assert len(own) + grouped == len(in_view)
        for su, _path in report.files.sus[fabric]:
            su_links = _view_links(pod, fabric, su)
            assert report.by_su[(fabric, su)] == su_links
            sroot = _parse(topology.fabric_svg(pod, fabric, su_links, su=su))
            sb = _bundles(sroot)
            assert sum(int(b.get("data-count")) for b in sb) == len(su_links)
            assert len(sb) <= 80


def test_the_64_su_pod_overview_stays_readable():
    plan = plan_design(os.path.join(REPO, "benchmarks/designs/pod-64su.yml"))
    report = Report(plan)
    root = _parse(report.overview("compute"))
    bundles = _bundles(root)
    assert sum(int(b.get("data-count")) for b in bundles) == len(plan.links) == 49152
    # 16 columns (pods) of nodes, leaves and spines, one group of cores; the rails split node-leaf.
    groups = [el for el in root.iter() if (el.get("id") or "").startswith("grp.")]
    assert len(groups) == 16 * 3 + 1
    assert len(bundles) == 16 * 8 + 16 + 16
    assert float(root.get("width")) < 3000
    assert len(report.files.sus["compute"]) == 64


def test_rack_elevations_show_each_device_at_its_units(lab, pod):
    for plan in (lab, pod):
        seen = set()
        for row, in_row in racks.rows(plan).items():
            root = _parse(racks.elevation_svg(plan, row, in_row))
            ids = _by_id(root)
            for rack in in_row:
                frame = ids["rack." + rack.name]
                assert int(frame.get("data-units")) == rack.units
                top, unit_h = float(frame.get("data-top")), float(frame.get("data-unit-height"))
                for entry in rack.devices:
                    dev = plan.devices[entry["device"]]
                    el = ids["ru." + dev.name]
                    seen.add(dev.name)
                    if dev.rack_unit is None:
                        # A zero-U PDU: a strip the height of the rack, in its side.
                        assert dev.height == 0 and el.get("data-unit") == el.get("data-height") == "0"
                        assert float(el.get("y")) == top and float(el.get("height")) == rack.units * unit_h
                        continue
                    assert (int(el.get("data-unit")), int(el.get("data-height"))) == (dev.rack_unit, dev.height)
                    assert float(el.get("y")) == pytest.approx(top + (rack.units - (dev.rack_unit + dev.height - 1))
                                                               * unit_h)
                    assert float(el.get("height")) == pytest.approx(dev.height * unit_h)
                    assert "r-" + dev.role in el.get("class").split()
            # Power against the budget, per rack, in words.
            text = " ".join(t.text or "" for t in root.iter(SVG + "text"))
            for rack in in_row:
                assert "%.1f / %g kW" % (rack.used_power_kw, rack.power_kw) in text
        assert seen == set(plan.devices)


def test_hall_layout_has_every_rack_and_the_runs_between_them(lab, pod):
    runs = racks.cable_runs(lab)
    root = _parse(racks.hall_svg(lab, runs))
    ids = _by_id(root)
    assert {r.name for r in lab.racks} == {i[5:] for i in ids if i.startswith("hall.")}
    drawn = [el for el in root.iter() if (el.get("id") or "").startswith("run.")]
    between = [k for k in lab.links if lab.devices[k.a_device].rack != lab.devices[k.b_device].rack]
    assert sum(int(el.get("data-count")) for el in drawn) == len(between)
    assert {float(v) for el in drawn for v in el.get("data-lengths").split(",")} == {k.length_m for k in between}
    # A larger hall: one line of runs per row instead of a line per rack pair.
    root = _parse(racks.hall_svg(pod, racks.cable_runs(pod)))
    rows_text = [el.text for el in root.iter(SVG + "text") if el.get("data-row")]
    assert len(rows_text) == len(racks.rows(pod)) and all("in row" in t for t in rows_text)


def test_planes_are_drawn_side_by_side(lab):
    devices = {}
    for name, dev in lab.devices.items():
        copy = Device(name, dev.role, dev.model, dev.platform, fabric=dev.fabric, su=dev.su, rail=dev.rail)
        copy.plane = None if dev.role == "gpu_node" else (1 if dev.index % 2 else 2)
        devices[name] = copy
    plan = PlanRecords(lab.name, devices, lab.links, lab.racks, lab.fabrics, lab.bom, lab.summary)
    root = _parse(topology.fabric_svg(plan, "compute", lab.links))
    ids = _by_id(root)
    x1 = [float(el.get("x")) for i, el in ids.items() if i.startswith("dev.compute-p1.")]
    x2 = [float(el.get("x")) for i, el in ids.items() if i.startswith("dev.compute-p2.")]
    assert x1 and x2 and max(x1) < min(x2)
    assert sum(int(b.get("data-count")) for b in _bundles(root)) == len(lab.links)


def test_validation_findings_are_marked_on_boxes_and_bundles(lab):
    link = next(k for k in lab.links if k.tier == "leaf_spine")
    status = topology.Status([
        {"severity": "error", "status": "fail", "device": link.a_device, "port": link.a_port,
         "peer_device": link.b_device, "peer_port": link.b_port},
        {"severity": "warning", "status": "fail", "device": "lab-node-3", "port": None},
        {"severity": "info", "status": "skipped", "device": "lab-node-4", "port": None},
    ])
    root = _parse(topology.fabric_svg(lab, "compute", lab.links, status=status))
    ids = _by_id(root)
    assert "fail" in ids["dev.compute." + link.a_device].get("class").split()
    assert "warn" in ids["dev.compute.lab-node-3"].get("class").split()
    assert not {"fail", "warn"} & set(ids["dev.compute.lab-node-4"].get("class").split())
    marked = [b for b in _bundles(root) if "fail" in b.get("class").split()]
    assert [(ids[b.get("data-from")].get("data-device"), ids[b.get("data-to")].get("data-device")) for b in marked] \
        == [(link.a_device, link.b_device)]


def test_drawings_are_deterministic(pod):
    first = Report(pod)
    second = Report(pod)
    for (name, make_a), (_n, make_b) in zip(first.outputs(), second.outputs()):
        import io
        a, b = io.StringIO(), io.StringIO()
        make_a(a)
        make_b(b)
        assert a.getvalue() == b.getvalue(), name
        assert not re.search(r"20\d\d-\d\d-\d\d", a.getvalue()), "a date in %s" % name
