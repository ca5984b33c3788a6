# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compare action plugin: arguments in, compare.md and compare.csv out, changed only on change."""

from __future__ import annotations

import json
import os

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.refarch.ai_cluster.plugins.action.compare import ActionModule

from action_harness import make_action  # tests/unit/plugins/action/action_harness.py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
EDGE = os.path.join(ROOT, "inventories", "inference-edge", "design.yml")
AXES = {"nodes.count": [2, 8]}


def _action(args, check_mode=False, diff=False):
    return make_action(ActionModule, args, check_mode=check_mode, diff=diff)


def test_writes_once_then_reports_no_change(tmp_path):
    dest = tmp_path / "cmp"
    args = {"design": EDGE, "variants": AXES, "dest": str(dest)}
    check = _action(args, check_mode=True).run(task_vars={})
    assert check["changed"] and check["files"] == ["compare.md", "compare.csv"] and not dest.exists()
    first = _action(args, diff=True).run(task_vars={})
    assert first["changed"] and first["diff"][0]["after"] == (dest / "compare.md").read_text(encoding="utf-8")
    assert [row["variant"] for row in first["table"]] == ["count=2", "count=8"]
    assert [row["nodes"] for row in first["table"]] == [2, 8]
    second = _action(dict(args, variants=json.dumps(AXES))).run(task_vars={})
    assert not second["changed"] and second["files"] == []


def test_a_refused_variant_does_not_fail_the_task(tmp_path):
    result = _action({"design": EDGE, "variants": {"fabrics.compute.switch": ["qm9700", "sn5600"]},
                      "dest": str(tmp_path)}).run(task_vars={})
    assert "(refused: switch=qm9700)" in result["msg"]
    assert result["table"][0]["status"].startswith("refused: fabrics.compute.")
    assert result["table"][1]["status"] == "planned"


@pytest.mark.parametrize("args,match", [
    ({"design": EDGE, "dest": "x"}, "variants is required"),
    ({"design": EDGE, "variants": "{not: [json", "dest": "x"}, "variants: .* is not a mapping"),
    ({"design": EDGE, "variants": {"nodes.count": 8}, "dest": "x"}, r"variants\.nodes\.count: a non-empty list"),
])
def test_bad_arguments_fail_with_the_argument_named(args, match):
    with pytest.raises(AnsibleActionFail, match=match):
        _action(args).run(task_vars={})
