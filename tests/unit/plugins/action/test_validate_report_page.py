# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""After validation the plan folder's report page shows the result (docs/drawings.md).

The plan play of site.yml writes index.html with the other artifacts; the validate play's
validate_report then refreshes it from the deployed plan.json: the verdict, the findings, and the
failing cable marked on the fabric drawing. Recorded gatherings of the lab twin stand in for the
hosts (tests/unit/fixtures/validate), as in test_validate_report.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil

from ansible_collections.refarch.ai_cluster.plugins.action.validate_report import ActionModule
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.artifacts import write_artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

from action_harness import make_action  # tests/unit/plugins/action/action_harness.py

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(HERE, "fixtures", "validate")


def _run(plan_dir, gathered_file, check_mode=False):
    with open(os.path.join(FIXTURES, gathered_file), encoding="utf-8") as handle:
        gathered = json.load(handle)
    hostvars = {h: {"refarch_device": {"name": h, "platform": "lab"}, "validate_gathered": r}
                for h, r in gathered.items()}
    action = make_action(ActionModule, {"hosts": sorted(gathered), "plan_dir": str(plan_dir)}, check_mode=check_mode)
    return action.run(task_vars={"hostvars": hostvars})


def test_validation_refreshes_the_report_page(tmp_path):
    design = tmp_path / "design.yml"
    shutil.copy(os.path.join(FIXTURES, "design.yml"), design)
    plan_dir = tmp_path / "plan"
    write_artifacts(plan_design(str(design)), str(plan_dir))
    index = plan_dir / "index.html"
    planned = index.read_text(encoding="utf-8")
    assert "Not validated yet" in planned

    result = _run(plan_dir, "twin-link-down.json", check_mode=True)
    assert not result["passed"] and index.read_text(encoding="utf-8") == planned

    result = _run(plan_dir, "twin-link-down.json")
    assert not result["passed"] and result["changed"]
    page = index.read_text(encoding="utf-8")
    assert "FAILED" in page
    failure = next(f for f in result["report"]["findings"] if f["severity"] == "error")
    assert failure["message"].replace("<->", "&lt;-&gt;") in page
    marked = re.findall(r'<(?:rect|path)[^>]*class="[^"]*\bfail\b[^"]*"[^>]*>', page)
    assert any('data-device="%s"' % failure["device"] in m for m in marked), marked
    assert any(re.search(r'id="bnd\.[^"]*%s' % re.escape(failure["device"]), m) for m in marked), marked

    result = _run(plan_dir, "twin-clean.json")
    assert result["passed"]
    page = index.read_text(encoding="utf-8")
    assert "PASSED" in page and not re.search(r'class="[^"]*\bfail\b', page)
