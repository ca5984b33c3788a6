# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: the lifecycle inventory and drift report, once, on the controller.

Reads the deployed plan (``plan_dir/plan.json``) and what every host of the play gathered
(gpu_facts, version_facts, community.general.redfish_info), and writes ``inventory.json``,
``drift.md`` and ``drift.csv`` into ``dest``. A thin adapter over plugin_utils.lifecycle (observed,
drift, report); nothing is sent to any host.
"""

from __future__ import annotations

import datetime
import json
import os

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction, load_deployed_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.drift import counts, drift_rows
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.observed import observed_versions
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.report import (
    drift_csv, drift_markdown, lifecycle_dir)


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("plan_dir", "dest", "hosts", "redfish", "versions", "write"))

    def act(self, args, task_vars):
        if not args.get("plan_dir"):
            raise ValidateError("plan_dir is required: the directory of the deployed plan.json")
        plan_dir = os.path.abspath(os.path.expanduser(to_text(args["plan_dir"])))
        plan = load_deployed_plan(plan_dir)
        dest = lifecycle_dir(plan_dir, to_text(args["dest"]) if args.get("dest") else None)
        hostvars = task_vars.get("hostvars") or {}
        hosts = args.get("hosts") or task_vars.get("ansible_play_hosts_all") or []
        redfish_var = str(args.get("redfish") or "lifecycle_redfish")
        versions_var = str(args.get("versions") or "lifecycle_versions")
        observed = {}
        for host in hosts:
            hv = hostvars.get(host) or {}
            device = self.plain(hv.get("refarch_device") or {})
            name = device.get("name") or host
            facts = self.plain(hv.get("ansible_facts") or {})
            got = observed_versions(facts.get("refarch_gpu"), facts.get("refarch_versions"),
                                    self.plain(hv[redfish_var]) if redfish_var in hv else None)
            result = self.plain(hv.get(versions_var) or {})
            if result.get("unreachable") or result.get("failed"):
                got["errors"].insert(0, "%s: %s" % ("unreachable" if result.get("unreachable") else "failed",
                                                    str(result.get("msg") or "")[:300]))
            got.update(model=device.get("model"), role=device.get("role"), platform=device.get("platform"))
            observed[name] = got
        generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = drift_rows(plan, observed)
        tally = counts(rows)
        inventory = {"plan": plan["name"], "generated": generated, "devices": observed}
        files = {"inventory": os.path.join(dest, "inventory.json"), "markdown": os.path.join(dest, "drift.md"),
                 "csv": os.path.join(dest, "drift.csv")}
        changed = False
        if as_bool(args.get("write", True), "write") and not self._task.check_mode:
            os.makedirs(dest, exist_ok=True)
            changed = write_if_changed(files["inventory"], json.dumps(inventory, indent=2, sort_keys=True) + "\n")
            changed = write_if_changed(files["csv"], drift_csv(rows)) or changed
            changed = write_if_changed(files["markdown"], drift_markdown(plan["name"], rows, tally, generated)) or changed
        drifting = sorted({r["device"] for r in rows if r["status"] == "drift"})
        msg = "%d device(s) drift from the baseline, %d not fully read, %d at the baseline" % (
            tally["devices"]["drift"], tally["devices"]["unknown"], tally["devices"]["ok"])
        return dict(changed=changed, counts=tally, drifting=drifting, rows=rows, files=files, msg=msg)
