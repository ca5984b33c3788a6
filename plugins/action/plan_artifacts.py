# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: plan a design on the controller and write the plan's artifacts.

The planner needs the collection's data files (catalog, references, schema), which exist only on
the controller, so this runs as an action plugin rather than a module shipped to a host.
"""

from __future__ import annotations

import json
import os

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.artifacts import summary_text, write_artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("design", "dest"))

    def act(self, args, task_vars):
        for required in ("design", "dest"):
            if not args.get(required):
                raise AnsibleActionFail("%s is required" % required)
        design = os.path.abspath(os.path.expanduser(str(args["design"])))
        dest = os.path.abspath(os.path.expanduser(str(args["dest"])))
        plan = plan_design(design)
        before = None
        summary_path = os.path.join(dest, "summary.json")
        if os.path.exists(summary_path):
            with open(summary_path, "r", encoding="utf-8") as handle:
                before = handle.read()
        changed = write_artifacts(plan, dest, check_mode=self._task.check_mode)
        result = dict(changed=bool(changed), artifacts=changed, dest=dest, summary=plan.summary)
        if changed and self._task.diff:
            result["diff"] = [{"before_header": summary_path, "after_header": summary_path,
                               "before": before or "", "after": summary_text(plan)}]
        if plan.notices:
            # What the planner decided for the user (plan.notices): Ansible prints each as a warning.
            result["warnings"] = [str(n) for n in plan.notices]
        result["msg"] = "%s: %d nodes, %d GPUs, %d racks, %.1f kW; %s" % (
            plan.name, plan.summary["nodes"], plan.summary["gpus"], plan.summary["racks"],
            plan.summary["power_kw"], json.dumps({k: v["switches"] for k, v in plan.summary["fabrics"].items()}))
        return result
