# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: size a workload file on the controller and write the recommendation.

The sizing reads the collection's data files (catalog, built-in models, schemas) and plans every
candidate design, which exist only on the controller, so this runs as an action plugin rather
than a module shipped to a host. The work is ``plugin_utils/planner/sizing.py`` and
``sizing_report.py`` (no Ansible import); this only reads the arguments.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import sizing, sizing_report


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("workloads", "dest"))

    def act(self, args, task_vars):
        for required in ("workloads", "dest"):
            if args.get(required) in (None, ""):
                raise AnsibleActionFail("%s is required" % required)
        workloads = str(args["workloads"])
        dest = os.path.abspath(os.path.expanduser(str(args["dest"])))
        result = sizing.size_workloads(os.path.expanduser(workloads), shown_as=workloads)
        md_path = os.path.join(dest, "sizing.md")
        before = None
        if os.path.exists(md_path):
            with open(md_path, "r", encoding="utf-8") as handle:
                before = handle.read()
        changed = sizing_report.write_sizing(result, dest, check_mode=self._task.check_mode)
        data = sizing_report.as_dict(result)
        designs = [os.path.join(dest, c.design_file) for c in result.recommended]
        top = result.recommended[0]
        out = dict(
            changed=bool(changed), files=changed, dest=dest, designs=designs, sizing=data,
            msg="%s: %d candidates, ranked by %s; first: %d x %s (%s) -> %s" % (
                result.workloads.name, len(result.recommended), result.rank_by, top.nodes, top.server.id,
                top.reference, dest))
        if "sizing.md" in changed and self._task.diff:
            out["diff"] = [{"before_header": md_path, "after_header": md_path,
                            "before": before or "", "after": sizing_report.markdown(result)}]
        return out
