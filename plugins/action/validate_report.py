# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: compare what every host gathered with the plan, once, on the controller.

Plans the design named by ``refarch_design_file`` (the same planner the inventory used), reads
each host's registered ``validate_gather`` result from ``hostvars``, runs
``module_utils.validate.compare`` and writes ``validation.json`` and ``validation.md`` into the
plan directory. Nothing is sent to any host.
"""

from __future__ import annotations

import datetime
import json
import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool as _bool, plain as _plain
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ethernet import (
    compare, models_from_catalog, render_markdown, summary_lines)

VALID = ("hosts", "gathered", "design_file", "plan_dir", "unnumbered", "performance", "pins", "thresholds", "write",
         "save_gathered")


def _write(path, text):
    """Write ``text`` to ``path`` when it differs; return whether it did."""
    try:
        with open(path) as f:
            if f.read() == text:
                return False
    except (IOError, OSError):
        pass
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return True


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


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(VALID)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        hostvars = task_vars.get("hostvars") or {}
        hosts = args.get("hosts")
        if hosts is None:
            hosts = task_vars.get("ansible_play_hosts_all") or []
        if not isinstance(hosts, (list, tuple)):
            raise AnsibleActionFail("hosts must be a list of inventory host names")
        hosts = [str(h) for h in hosts]
        var = str(args.get("gathered") or "validate_gathered")
        design_file = args.get("design_file")
        if not design_file:
            for host in hosts:
                design_file = (hostvars.get(host) or {}).get("refarch_design_file")
                if design_file:
                    break
        if not design_file:
            raise AnsibleActionFail("no design: give design_file, or use an inventory of the refarch.ai_cluster.design "
                                    "plugin (refarch_design_file)")
        try:
            plan = plan_design(to_text(design_file))
        except DesignError as exc:
            raise AnsibleActionFail("cannot plan %s: %s" % (design_file, exc))
        plan_dict = plan.to_dict()
        models = models_from_catalog(plan.design.catalog)

        gathered = {}
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
                gathered[name] = _plain(res)
        options = {
            "unnumbered": _bool(args.get("unnumbered", False), "unnumbered"),
            "performance": _bool(args.get("performance", True), "performance"),
            "pins": _plain(args.get("pins") or {}),
            "thresholds": _plain(args.get("thresholds") or {}),
        }
        report = compare(plan_dict, gathered, models=models, options=options)
        report["generated"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        report["design_file"] = to_text(design_file)

        plan_dir = args.get("plan_dir") or os.path.join("build", "plan", plan.name)
        plan_dir = os.path.abspath(os.path.expanduser(to_text(plan_dir)))
        files = {"json": os.path.join(plan_dir, "validation.json"), "markdown": os.path.join(plan_dir, "validation.md")}
        save_gathered = _bool(args.get("save_gathered", False), "save_gathered")
        if save_gathered:
            files["gathered"] = os.path.join(plan_dir, "validation-gathered.json")
        changed = False
        if _bool(args.get("write", True), "write") and not self._task.check_mode:
            os.makedirs(plan_dir, exist_ok=True)
            changed = _differs(files["json"], report)
            _write(files["json"], json.dumps(report, indent=2, sort_keys=True) + "\n")
            changed = _write(files["markdown"], render_markdown(report)) or changed
            if save_gathered:
                _write(files["gathered"], json.dumps(gathered, sort_keys=True) + "\n")
        lines = summary_lines(report)
        result.update(changed=changed, report=report, passed=report["passed"], counts=report["counts"],
                      files=files, summary=lines, msg=lines[0])
        return result
