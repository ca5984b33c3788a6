# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's files in a plan folder: written with the plan, idempotent, linked, labelled.

``write_artifacts`` writes the drawings, the install sheets and ``index.html`` beside the plan's
other files; a second run changes nothing; files of SUs or rows that went away are removed. The
page links only files that exist and fetches nothing from anywhere. Every cable is on exactly one
install sheet, with its label in the documented form. Validation's report, when the folder has
one, is on the page with the failing devices and cables marked, and validation's refresh of the
page from plan.json gives the very page the planner would write.
"""

from __future__ import annotations

import html.parser
import json
import os
import re

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import install, writer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB = os.path.join(REPO, "inventories/lab/design.yml")


@pytest.fixture(scope="module")
def lab():
    return plan_design(LAB)


def _files(dest):
    out = []
    for folder, _dirs, names in os.walk(dest):
        out += [os.path.relpath(os.path.join(folder, n), dest) for n in names]
    return sorted(out)


def test_the_plan_folder_gets_the_report_and_a_second_run_changes_nothing(lab, tmp_path):
    dest = str(tmp_path / "plan")
    expected = list(artifacts.ARTIFACTS) + writer.report_names(lab)
    assert artifacts.write_artifacts(lab, dest, check_mode=True) == expected
    assert not os.path.exists(dest)
    assert artifacts.write_artifacts(lab, dest) == expected
    assert _files(dest) == sorted(expected)
    assert {"index.html", "drawings/hall.svg", "drawings/racks-row-01.svg", "drawings/fabric-compute.svg",
            "drawings/fabric-compute-su01.svg", "install/row-01.html"} <= set(expected)
    before = {name: os.stat(os.path.join(dest, name)).st_mtime_ns for name in expected}
    assert artifacts.write_artifacts(lab, dest) == []
    assert artifacts.write_artifacts(lab, dest, check_mode=True) == []
    assert {name: os.stat(os.path.join(dest, name)).st_mtime_ns for name in expected} == before


def test_files_of_scalable_units_that_went_away_are_removed(tmp_path):
    dest = str(tmp_path / "plan")
    with open(LAB, encoding="utf-8") as handle:
        design = yaml.safe_load(handle)
    design["nodes"]["count"] = 8              # 2 SUs of 4 nodes
    two = plan_design(design)
    artifacts.write_artifacts(two, dest)
    assert os.path.exists(os.path.join(dest, "drawings/fabric-compute-su02.svg"))
    design["nodes"]["count"] = 4
    one = plan_design(design)
    gone = {"drawings/fabric-compute-su02.svg"} | {n for n in writer.report_names(two) if n not in
                                                   writer.report_names(one)}
    changed = artifacts.write_artifacts(one, dest, check_mode=True)
    assert gone <= set(changed) and os.path.exists(os.path.join(dest, "drawings/fabric-compute-su02.svg"))
    changed = artifacts.write_artifacts(one, dest)
    assert gone <= set(changed)
    assert _files(dest) == sorted(list(artifacts.ARTIFACTS) + writer.report_names(one))
    # Only files the report owns are ever removed.
    with open(os.path.join(dest, "drawings", "notes.txt"), "w", encoding="utf-8") as handle:
        handle.write("mine\n")
    assert artifacts.write_artifacts(one, dest) == []
    assert os.path.exists(os.path.join(dest, "drawings", "notes.txt"))


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and tag not in ("svg",):
                self.refs.append(value)


def _refs(path):
    parser = _Links()
    with open(path, encoding="utf-8") as handle:
        parser.feed(handle.read())
    return parser.refs


@pytest.mark.parametrize("design", ["inventories/lab/design.yml", "inventories/training-pod/design.yml"])
def test_every_link_of_the_pages_leads_to_a_file_of_the_folder(tmp_path, design):
    plan = plan_design(os.path.join(REPO, design))
    dest = str(tmp_path / "plan")
    artifacts.write_artifacts(plan, dest)
    pages = ["index.html"] + [n for n in _files(dest) if n.startswith("install/")]
    for page in pages:
        for ref in _refs(os.path.join(dest, page)):
            assert not re.match(r"^[a-z]+:", ref), "%s links outside the folder: %s" % (page, ref)
            target = ref.split("#", 1)[0]
            if target:
                path = os.path.normpath(os.path.join(dest, os.path.dirname(page), target))
                assert os.path.isfile(path), "%s links %s, which is not there" % (page, ref)
    index = open(os.path.join(dest, "index.html"), encoding="utf-8").read()
    for name in writer.report_names(plan):
        if name.startswith(("drawings/fabric-", "install/", "drawings/racks-row-", "drawings/hall")):
            assert name in index, name
    for name in artifacts.ARTIFACTS:
        assert 'href="%s"' % name in index
    assert "<script" not in index and "@import" not in index


def test_every_cable_is_on_one_install_sheet_with_its_label(tmp_path):
    plan = plan_design(os.path.join(REPO, "inventories/training-pod/design.yml"))
    dest = str(tmp_path / "plan")
    artifacts.write_artifacts(plan, dest)
    labels = {}
    for name in _files(dest):
        if not name.startswith("install/"):
            continue
        text = open(os.path.join(dest, name), encoding="utf-8").read()
        assert "@media print" in text and "break-after:page" in text
        for cid, label in re.findall(r'<tr><td>([^<]+)</td><td class="label">([^<]+)</td>', text):
            assert cid not in labels, "%s on two sheets" % cid
            labels[cid] = (name, label)
    assert sorted(labels) == sorted(k.id for k in plan.links)
    for link in plan.links:
        sheet, label = labels[link.id]
        assert label == install.cable_label(plan, link)
        dev = plan.devices[link.a_device]
        unit = "0U" if dev.rack_unit is None else "U%02d" % dev.rack_unit      # 0U: a PDU in the rack's side
        assert label.startswith("%s-%s-%s:%s / " % (dev.rack, unit, link.a_device, link.a_port))
        row = next(r.row for r in plan.racks if r.name == dev.rack)
        assert sheet == "install/row-%02d.html" % row


def _validation(plan):
    link = next(k for k in plan.links if k.tier == "leaf_spine")
    return link, {"plan": plan.name, "passed": False, "counts": {"error": 1, "warning": 0, "info": 1},
                  "checked": {"cables_link": len(plan.links)},
                  "findings": [{"severity": "error", "check": "link", "status": "fail", "device": link.a_device,
                                "port": link.a_port, "peer_device": link.b_device, "peer_port": link.b_port,
                                "message": "cable is down", "fix": "bring it up", "explains": []},
                               {"severity": "info", "check": "gpu", "status": "skipped", "device": "4 devices",
                                "port": None, "message": "no GPU", "fix": None, "explains": []}],
                  "generated": "2026-11-30T00:00:00Z"}


def test_the_validation_report_is_on_the_page_with_failures_marked(lab, tmp_path):
    dest = str(tmp_path / "plan")
    artifacts.write_artifacts(lab, dest)
    index = os.path.join(dest, "index.html")
    assert "Not validated yet" in open(index, encoding="utf-8").read()
    link, report = _validation(lab)
    with open(os.path.join(dest, "validation.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    assert artifacts.write_artifacts(lab, dest) == ["index.html"]       # the drawings' files stay as planned
    text = open(index, encoding="utf-8").read()
    assert "FAILED" in text and "cable is down" in text and "2026-11-30" not in text
    box = re.search(r'<rect[^>]*id="dev\.compute\.%s"[^>]*>' % re.escape(link.a_device), text).group(0)
    assert "fail" in box
    bundle = re.search(r'<path[^>]*id="bnd\.compute\.%s\.%s"[^>]*>' % (
        re.escape(link.a_device), re.escape(link.b_device)), text).group(0)
    assert "fail" in bundle
    # Validation refreshes the page from the deployed plan.json: the same page as the planner's.
    with open(os.path.join(dest, "plan.json"), encoding="utf-8") as handle:
        deployed = json.load(handle)
    os.unlink(os.path.join(dest, "validation.json"))
    artifacts.write_artifacts(lab, dest)
    assert "Not validated yet" in open(index, encoding="utf-8").read()
    assert writer.refresh_index(dest, deployed, report, check_mode=True)
    assert writer.refresh_index(dest, deployed, report)
    assert open(index, encoding="utf-8").read() == text
    assert not writer.refresh_index(dest, deployed, report)


def test_refresh_leaves_a_folder_without_a_report_page_alone(lab, tmp_path):
    _link, report = _validation(lab)
    assert not writer.refresh_index(str(tmp_path), {"name": "x"}, report)
    assert not os.listdir(str(tmp_path))


def test_an_unreadable_validation_report_is_named_not_fatal(lab, tmp_path):
    dest = str(tmp_path / "plan")
    os.makedirs(dest)
    with open(os.path.join(dest, "validation.json"), "w", encoding="utf-8") as handle:
        handle.write("{not json")
    artifacts.write_artifacts(lab, dest)
    text = open(os.path.join(dest, "index.html"), encoding="utf-8").read()
    assert "validation.json could not be read" in text


def test_prices_give_the_page_a_cost(tmp_path):
    """The page shows what the plan says about cost (how prices are planned: tests/unit/planner/test_bom.py)."""
    plan = plan_design(LAB)
    plan.summary["cost"] = {"currency": "USD", "total": 4000.0, "per_gpu": 500.0, "per_bisection_gbps": 20.0,
                            "unpriced": ["switch lab-switch"]}
    for row in plan.bom:
        if row["category"] == "server":
            row.update(unit_price=1000.0, extended_price=4000.0, currency="USD")
    dest = str(tmp_path / "plan")
    artifacts.write_artifacts(plan, dest)
    text = open(os.path.join(dest, "index.html"), encoding="utf-8").read()
    assert "USD total" in text and "4,000.00" in text and "unit price" in text and "switch lab-switch" in text
