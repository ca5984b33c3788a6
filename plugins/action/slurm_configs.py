# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: Slurm's configuration files from the plan's scheduler record, on the controller.

A thin wrapper: the files are made by ``plugin_utils.render.slurm`` (plain Python, tested there);
here the task's arguments become plain data and any input the renderer cannot use becomes a
failed task with the renderer's message, never a traceback. Nothing is written: the files come
back as text, for the role to write with its own tasks (copy, with diff and check mode).
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import slurm


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("scheduler", "nodes", "options"))

    def act(self, args, task_vars):
        scheduler = args.get("scheduler")
        if scheduler is None:
            raise AnsibleActionFail("scheduler is required: the plan's scheduler record (refarch_scheduler); "
                                    "it is null when the design has no scheduler section")
        for name in ("scheduler", "nodes", "options"):
            value = args.get(name)
            if value is not None and not isinstance(value, dict):
                raise AnsibleActionFail("%s must be a dict, not %s" % (name, type(value).__name__))
        try:
            files = slurm.render_all(scheduler, args.get("nodes") or {}, args.get("options") or {})
            pool = slurm.pool_files(scheduler)
        except (ValueError, TypeError, KeyError) as exc:
            # SlurmConfigError (a RefarchError) names the field; anything else is still the input's.
            raise AnsibleActionFail("cannot render the Slurm files of cluster %s: %s"
                                    % (scheduler.get("cluster"), exc)) from None
        return dict(changed=False, files=files, pool=pool,
                    msg="%s for cluster %s, %d nodes" % (", ".join(sorted(files)), scheduler.get("cluster"),
                                                         len(scheduler.get("nodes") or [])))
