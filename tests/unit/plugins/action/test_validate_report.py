# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_report compares against the plan that was deployed, never a fresh plan of the design.

The deployment is simulated as site.yml does it: the plan play writes plan.json, the hosts are
configured (here: what the clean lab twin gathered, recorded in tests/unit/fixtures/validate),
then the design file is edited, then validation runs. The report must be that of the deployed plan.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.refarch.ai_cluster.plugins.action.validate_report import ActionModule
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.artifacts import write_artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.compare import compare

from action_harness import make_action  # tests/unit/plugins/action/action_harness.py

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(HERE, "fixtures", "validate")


def _action(args, check_mode=False):
    return make_action(ActionModule, args, check_mode=check_mode)


def _hostvars(gathered):
    return {host: {"refarch_device": {"name": host, "platform": "lab"}, "validate_gathered": result}
            for host, result in gathered.items()}


@pytest.fixture()
def deployed(tmp_path):
    """A design planned and 'deployed': its plan.json written, then the design edited."""
    design = tmp_path / "design.yml"
    shutil.copy(os.path.join(FIXTURES, "design.yml"), design)
    plan_dir = tmp_path / "plan"
    write_artifacts(plan_design(str(design)), str(plan_dir))
    with open(os.path.join(FIXTURES, "twin-clean.json"), encoding="utf-8") as handle:
        gathered = json.load(handle)
    # After the deployment someone edits the design: jumbo frames off and two more nodes.
    text = design.read_text(encoding="utf-8")
    design.write_text(text.replace("  count: 4\n", "  count: 6\n").replace(
        "    qos_profile: lossless\n", "    qos_profile: lossless\n    mtu: 1500\n    host_mtu: 1500\n"), encoding="utf-8")
    return design, plan_dir, gathered


def test_validation_reads_the_deployed_plan_after_the_design_was_edited(deployed):
    design, plan_dir, gathered = deployed
    hosts = sorted(gathered)
    result = _action({"hosts": hosts, "plan_dir": str(plan_dir)}).run(task_vars={"hostvars": _hostvars(gathered)})
    assert result["passed"], result["summary"]
    assert result["report"]["devices"]["planned"] == 8
    assert result["report"]["plan_file"] == str(plan_dir / "plan.json")
    assert os.path.isfile(plan_dir / "validation.json") and os.path.isfile(plan_dir / "validation.md")
    # A fresh plan of the edited design would have failed the same cluster: validation did not use it.
    edited = plan_design(str(design)).to_dict()
    assert sum(1 for d in edited["devices"].values() if d["role"] == "gpu_node") == 6
    fresh = compare(edited, gathered, options={})
    assert not fresh["passed"]


def test_check_mode_writes_nothing(deployed):
    _design, plan_dir, gathered = deployed
    result = _action({"hosts": sorted(gathered), "plan_dir": str(plan_dir)}, check_mode=True).run(
        task_vars={"hostvars": _hostvars(gathered)})
    assert result["changed"] is False
    assert not os.path.exists(plan_dir / "validation.json")


def test_without_a_deployed_plan_it_says_what_to_run(tmp_path):
    with pytest.raises(AnsibleActionFail, match=r"cannot read the deployed plan .*plan\.json .*run the plan play"):
        _action({"hosts": [], "plan_dir": str(tmp_path)}).run(task_vars={"hostvars": {}})
