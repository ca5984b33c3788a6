# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report page as a person sees it: opened from the plan folder in headless Chromium.

The page must load from ``file://`` with no console error and no failed load (nothing fetched
from anywhere, every image there), show its drawings at a size one can read, and its screenshot
must be a page, not a blank: text and the drawings' colours. The lab's page is opened with a
validation report that failed, so the failing cable is marked on the inline drawing. Skipped,
saying why, only where Debian's ``chromium`` is not installed (scripts/setup.sh installs it).
"""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

from chromium_page import Browser, chromium_binary, decode_png, png_size  # tests/unit/render/chromium_page.py

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

pytestmark = pytest.mark.skipif(chromium_binary() is None,
                                reason="chromium is not installed (Debian package chromium; scripts/setup.sh "
                                       "installs it)")

WIDTH, HEIGHT = 1280, 1600

# What the page shows, measured in the browser: inline drawings, images and their sizes.
MEASURE = """(() => {
  const box = e => { const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  return {
    title: document.title,
    sections: [...document.querySelectorAll('h2')].map(h => h.textContent),
    svgs: [...document.querySelectorAll('.drawing svg')].map(box),
    imgs: [...document.querySelectorAll('img')].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth,
                                                         i.naturalHeight]),
    marked: [...document.querySelectorAll('.drawing .fail')].map(e => e.id),
    markedStroke: [...document.querySelectorAll('.drawing .fail')].map(e => getComputedStyle(e).stroke),
    height: document.documentElement.scrollHeight,
  };
})()"""


@pytest.fixture(scope="module")
def browser():
    b = Browser(WIDTH, HEIGHT)
    yield b
    b.close()


def _write(tmp_path, design, validation=None):
    plan = plan_design(os.path.join(REPO, design))
    dest = tmp_path / plan.name
    dest.mkdir()
    if validation:
        (dest / "validation.json").write_text(json.dumps(validation(plan)), encoding="utf-8")
    artifacts.write_artifacts(plan, str(dest))
    return plan, dest


def _failed(plan):
    link = next(k for k in plan.links if k.tier == "leaf_spine")
    return {"plan": plan.name, "passed": False, "counts": {"error": 1, "warning": 0, "info": 0}, "checked": {},
            "findings": [{"severity": "error", "check": "link", "status": "fail", "device": link.a_device,
                          "port": link.a_port, "peer_device": link.b_device, "peer_port": link.b_port,
                          "message": "cable %s %s <-> %s %s is down" % (link.a_device, link.a_port, link.b_device,
                                                                        link.b_port),
                          "fix": "bring it up", "explains": []}]}


def _looks_like_a_page(png):
    """The screenshot, shrunk: mostly white paper, but with text and coloured drawings on it."""
    width, height, rows = decode_png(png)
    pixels = [p for row in rows for p in row]
    white = sum(1 for p in pixels if min(p) > 245)
    coloured = sum(1 for p in pixels if max(p) - min(p) > 40)
    colours = len({(p[0] // 32, p[1] // 32, p[2] // 32) for p in pixels})
    return width, height, white / float(len(pixels)), coloured / float(len(pixels)), colours


def test_the_lab_report_loads_without_errors_and_shows_its_drawings(browser, tmp_path):
    plan, dest = _write(tmp_path, "inventories/lab/design.yml", validation=_failed)
    errors = browser.open((dest / "index.html").as_uri())
    assert errors == []
    seen = browser.evaluate(MEASURE)
    assert seen["title"] == "lab \u00b7 cluster plan"
    assert seen["sections"] == ["Summary", "Validation", "Fabrics", "Racks", "Bill of materials", "Cabling",
                                "Addressing", "Files"]
    assert len(seen["svgs"]) == len(plan.fabrics)
    for width, height in seen["svgs"]:
        assert 600 <= width <= 4000 and 250 <= height <= 2000, seen["svgs"]
    assert seen["imgs"], "no rack elevation or hall drawing on the page"
    for src, complete, width, height in seen["imgs"]:
        assert complete and width >= 300 and height >= 100, (src, width, height)
    link = next(k for k in plan.links if k.tier == "leaf_spine")
    assert "bnd.compute.%s.%s" % (link.a_device, link.b_device) in seen["marked"]
    assert "dev.compute." + link.a_device in seen["marked"]
    assert set(seen["markedStroke"]) == {"rgb(214, 39, 40)"}          # drawn red
    full = browser.screenshot()
    assert png_size(full) == (WIDTH, HEIGHT)
    width, height, white, coloured, colours = _looks_like_a_page(browser.screenshot(scale=0.25))
    assert (width, height) == (WIDTH // 4, HEIGHT // 4)
    assert 0.3 < white < 0.98, "blank or solid page: %.2f white" % white
    assert coloured > 0.01 and colours >= 8, (coloured, colours)


def test_the_training_pod_report_and_an_install_sheet_load_without_errors(browser, tmp_path):
    plan, dest = _write(tmp_path, "inventories/training-pod/design.yml")
    assert browser.open((dest / "index.html").as_uri()) == []
    seen = browser.evaluate(MEASURE)
    assert len(seen["svgs"]) == len(plan.fabrics) and seen["marked"] == []
    for width, height in seen["svgs"]:
        assert width >= 600 and height >= 250
    assert all(complete and width >= 300 for _src, complete, width, _h in seen["imgs"])
    assert seen["height"] > 3 * HEIGHT          # a long page: every rack, the BOM, the cabling
    assert browser.open((dest / "install" / "row-01.html").as_uri()) == []
    labels = browser.evaluate("document.querySelectorAll('td.label').length")
    first_row = {r.name for r in plan.racks if r.row == 1}
    assert labels == sum(1 for k in plan.links if plan.devices[k.a_device].rack in first_row)
    width, _h, white, _c, _n = _looks_like_a_page(browser.screenshot(scale=0.25))
    assert width == WIDTH // 4 and white < 0.98


def test_a_broken_page_is_caught(browser, tmp_path):
    """The checks above would see a missing drawing or a script error: shown on a page that has both."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><body><img src="drawings/missing.svg">'
                    '<script>console.error("boom")</script></body></html>', encoding="utf-8")
    errors = browser.open(page.as_uri())
    assert any("boom" in e for e in errors) and any("missing.svg" in e for e in errors), errors
