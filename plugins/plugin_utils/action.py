# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the collection's action plugins.

Every action plugin does the same around its own work: accept only its documented arguments,
hand the stage plain data, and turn the stage's :class:`RefarchError` (any stage: planner,
renderer, validation, InfiniBand) into Ansible's ``AnsibleActionFail`` with the stage's message,
which names the field or variable to change. Written once here, each plugin only says what it does
(:meth:`RefarchAction.act`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError, ValidateError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import plain


class RefarchAction(ActionBase):
    """Runs :meth:`act` on the controller with the task's arguments as plain data."""

    TRANSFERS_FILES = False
    # Most of them run on the controller only; one that runs a module on the host sets this True.
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict | None = None) -> dict:
        result = super().run(tmp, task_vars)
        try:
            result.update(self.act(plain(dict(self._task.args)), task_vars or {}))
        except RefarchError as exc:
            raise AnsibleActionFail(str(exc)) from None
        return result

    @staticmethod
    def plain(value: Any) -> Any:
        """Host variables (tagged, lazy containers) as plain data for the stages."""
        return plain(value)

    def act(self, args: dict, task_vars: dict) -> dict:
        """The plugin's work: the task's arguments and variables in, the result's keys out."""
        raise NotImplementedError


def load_deployed_plan(plan_dir: str) -> dict[str, Any]:
    """The plan of ``plan_dir/plan.json``: the plan that was deployed, which validation and the
    lifecycle read instead of planning the design again (a design edited since must not change
    what the cluster is checked against)."""
    path = os.path.join(plan_dir, "plan.json")
    try:
        with open(path, "r", encoding="utf-8") as handle:
            plan = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ValidateError("cannot read the deployed plan %s (%s): run the plan play of site.yml "
                            "(refarch.ai_cluster.plan) first, or give plan_dir" % (path, exc)) from None
    if not isinstance(plan, dict) or "devices" not in plan:
        raise ValidateError("%s is not a plan.json of this collection" % path)
    return plan
