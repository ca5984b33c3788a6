# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The size action plugin: arguments in, sizing.md, sizing.json and designs out, changed only on change."""

from __future__ import annotations

import os

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.refarch.ai_cluster.plugins.action.size import ActionModule

from action_harness import make_action  # tests/unit/plugins/action/action_harness.py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TRAINING = os.path.join(ROOT, "workloads", "examples", "training-70b.yml")


def _action(args, check_mode=False, diff=False):
    return make_action(ActionModule, args, check_mode=check_mode, diff=diff)


def test_writes_once_then_reports_no_change(tmp_path):
    dest = tmp_path / "size"
    args = {"workloads": TRAINING, "dest": str(dest)}
    check = _action(args, check_mode=True).run(task_vars={})
    assert check["changed"] and check["files"][:2] == ["sizing.md", "sizing.json"] and not dest.exists()
    first = _action(args, diff=True).run(task_vars={})
    assert first["changed"] and first["diff"][0]["after"] == (dest / "sizing.md").read_text(encoding="utf-8")
    ranked = first["sizing"]["candidates"]
    assert ranked[0]["rank"] == 1 and ranked[0]["reference"] == "training-pod"
    assert first["designs"][0] == str(dest / ranked[0]["design_file"]) and os.path.exists(first["designs"][0])
    assert "ranked by power" in first["msg"]
    second = _action(args).run(task_vars={})
    assert not second["changed"] and second["files"] == []


def test_workloads_that_cannot_be_sized_fail_with_the_field_named(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: w\ninference:\n  - {name: chat, model: gpt-9, context_tokens: 10, sessions: 1,"
                   " tokens_per_second: 1}\n")
    with pytest.raises(AnsibleActionFail, match=r"inference\[0\]\.model: unknown model 'gpt-9'"):
        _action({"workloads": str(bad), "dest": str(tmp_path / "out")}).run(task_vars={})


@pytest.mark.parametrize("args,match", [
    ({"dest": "x"}, "workloads is required"),
    ({"workloads": TRAINING}, "dest is required"),
])
def test_missing_arguments_are_named(args, match):
    with pytest.raises(AnsibleActionFail, match=match):
        _action(args).run(task_vars={})
