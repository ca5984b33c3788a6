# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: compare what every host gathered with the plan that was deployed, once, on the controller.

Reads ``plan.json`` from the plan directory (written by the plan play of ``site.yml`` before any
host was configured), each host's registered ``validate_gather`` result from ``hostvars``, runs
the comparison and writes ``validation.json`` and ``validation.md`` into the plan directory (and
refreshes its ``index.html``, where the plan wrote one, with the result). It
never plans the design again: a design edited after the deployment must not change what the
cluster is checked against. Nothing is sent to any host.
"""

from __future__ import annotations

import datetime
import json
import os

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction, load_deployed_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool as _bool
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.compare import compare
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.host_state import ROLE_VARIABLES
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.report import models_from_plan, render_markdown, summary_lines
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.writer import refresh_index

VALID = ("hosts", "gathered", "plan_dir", "dest", "unnumbered", "performance", "pins", "thresholds", "write", "save_gathered")


def _differs(path, report):
    """Whether ``report`` differs from the one in ``path``, its timestamp aside."""
    try:
        with open(path) as f:
            old = json.load(f)
    except (IOError, OSError, ValueError):
        return True
    if not isinstance(old, dict):
        return True
    old.pop("generated", None)
    new = json.loads(json.dumps(report))
    new.pop("generated", None)
    return old != new


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(VALID)

    def act(self, args, task_vars):
        hostvars = task_vars.get("hostvars") or {}
        hosts = args.get("hosts")
        if hosts is None:
            hosts = task_vars.get("ansible_play_hosts_all") or []
        if not isinstance(hosts, (list, tuple)):
            raise ValidateError("hosts must be a list of inventory host names")
        hosts = [str(h) for h in hosts]
        var = str(args.get("gathered") or "validate_gathered")
        plan_dir = args.get("plan_dir")
        if not plan_dir:
            raise ValidateError("plan_dir is required: the directory of the deployed plan.json")
        plan_dir = os.path.abspath(os.path.expanduser(to_text(plan_dir)))
        plan = load_deployed_plan(plan_dir)

        gathered = {}
        host_vars = {}   # the inventory's values of the role variables validation derives host state from
        for host in hosts:
            hv = hostvars.get(host) or {}
            res = hv.get(var)
            name = ((hv.get("refarch_device") or {}).get("name")) or host
            if res is None:
                gathered[name] = {"failed": True, "msg": "no %s result (the gathering task did not run)" % var}
            elif isinstance(res, dict) and res.get("skipped"):
                platform = (hv.get("refarch_device") or {}).get("platform")
                why = "not gathered: platform %s is not one the gatherer runs on (validate_gather_platforms)" % platform
                gathered[name] = {"skipped": True, "reason": why}
            else:
                gathered[name] = self.plain(res)
            set_here = {k: self.plain(hv[k]) for k in ROLE_VARIABLES if k in hv}
            if set_here:
                host_vars[name] = set_here
        options = {
            "unnumbered": _bool(args.get("unnumbered", False), "unnumbered"),
            "performance": _bool(args.get("performance", True), "performance"),
            "pins": args.get("pins") or {},
            "thresholds": args.get("thresholds") or {},
            "host_vars": host_vars,
        }
        report = compare(plan, gathered, models=models_from_plan(plan), options=options)
        report["generated"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        report["plan_file"] = os.path.join(plan_dir, "plan.json")

        dest = os.path.abspath(os.path.expanduser(to_text(args["dest"]))) if args.get("dest") else plan_dir
        files = {"json": os.path.join(dest, "validation.json"), "markdown": os.path.join(dest, "validation.md")}
        save_gathered = _bool(args.get("save_gathered", False), "save_gathered")
        if save_gathered:
            files["gathered"] = os.path.join(dest, "validation-gathered.json")
        changed = False
        if _bool(args.get("write", True), "write") and not self._task.check_mode:
            os.makedirs(dest, exist_ok=True)
            changed = _differs(files["json"], report)
            write_if_changed(files["json"], json.dumps(report, indent=2, sort_keys=True) + "\n")
            changed = write_if_changed(files["markdown"], render_markdown(report)) or changed
            if save_gathered:
                write_if_changed(files["gathered"], json.dumps(gathered, sort_keys=True) + "\n")
            # The plan folder's report page shows the result, failures marked on its fabric drawings
            # (a report written elsewhere, of a part of the cluster, leaves the page alone).
            if dest == plan_dir:
                changed = refresh_index(plan_dir, plan, report) or changed
        lines = summary_lines(report)
        return dict(changed=changed, report=report, passed=report["passed"], counts=report["counts"],
                    files=files, summary=lines, msg=lines[0])
