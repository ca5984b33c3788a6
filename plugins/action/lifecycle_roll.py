# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: plan a rolling update, and record where it stopped or that it finished.

``step: plan`` reads the deployed plan, the last lifecycle inventory and the last roll's state,
and returns the batches (plugin_utils.lifecycle.roll) with the printable plan, writing
``roll-plan.md`` (not in check mode). ``step: stopped`` and ``step: done`` write
``roll-state.json`` (and ``roll-stopped.md`` with the way to resume) for the next run.
"""

from __future__ import annotations

import datetime
import json
import os

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction, load_deployed_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.report import (
    lifecycle_dir, plan_lines, stop_markdown)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.roll import done_state, roll_plan, stopped_state

STEPS = ("plan", "stopped", "done")


def _read_json(path, what):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValidateError("cannot read %s %s: %s" % (what, path, exc)) from None


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("step", "plan_dir", "dest", "roll", "batch", "reason", "report"))

    def act(self, args, task_vars):
        step = args.get("step") or "plan"
        if step not in STEPS:
            raise ValidateError("step must be one of %s, not %r" % (", ".join(STEPS), step))
        if not args.get("plan_dir"):
            raise ValidateError("plan_dir is required: the directory of the deployed plan.json")
        plan_dir = os.path.abspath(os.path.expanduser(to_text(args["plan_dir"])))
        dest = lifecycle_dir(plan_dir, to_text(args["dest"]) if args.get("dest") else None)
        state_file = os.path.join(dest, "roll-state.json")
        stop_file = os.path.join(dest, "roll-stopped.md")
        write = not self._task.check_mode
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if step == "plan":
            inventory_file = os.path.join(dest, "inventory.json")
            inventory = _read_json(inventory_file, "the lifecycle inventory")
            if inventory is None:
                raise ValidateError("no lifecycle inventory at %s: run refarch.ai_cluster.lifecycle_inventory first"
                                    % inventory_file)
            roll = roll_plan(load_deployed_plan(plan_dir), inventory, _read_json(state_file, "the roll state"))
            lines = plan_lines(roll)
            roll["inventory_generated"] = inventory.get("generated")
            changed = False
            if write:
                os.makedirs(dest, exist_ok=True)
                changed = write_if_changed(os.path.join(dest, "roll-plan.md"),
                                           "# Batch plan\n\nFrom the inventory of %s.\n\n%s\n" % (
                                               inventory.get("generated"), "\n".join("- " + x for x in lines)))
            return dict(changed=changed, roll=roll, lines=lines, msg=lines[0])
        roll = args.get("roll")
        if not isinstance(roll, dict) or "batches" not in roll:
            raise ValidateError("roll is required with step %s: the result of step plan" % step)
        if step == "stopped":
            index = int(args.get("batch") or 0)
            if not 1 <= index <= len(roll["batches"]):
                raise ValidateError("batch must be between 1 and %d" % len(roll["batches"]))
            state = stopped_state(roll, index, str(args.get("reason") or "failed"), str(args.get("report") or ""), now)
            text = stop_markdown(state)
            if write:
                os.makedirs(dest, exist_ok=True)
                write_if_changed(state_file, json.dumps(state, indent=2, sort_keys=True) + "\n")
                write_if_changed(stop_file, text)
            return dict(changed=write, state=state, files={"state": state_file, "report": stop_file},
                        msg=text.splitlines()[0][2:])
        state = done_state(roll, now)
        if write:
            os.makedirs(dest, exist_ok=True)
            write_if_changed(state_file, json.dumps(state, indent=2, sort_keys=True) + "\n")
            if os.path.exists(stop_file):
                os.remove(stop_file)
        return dict(changed=write, state=state, files={"state": state_file},
                    msg="rolling update of %s done: %d node(s) in %d batch(es)" % (
                        roll["plan"], len(roll["order"]), len(roll["batches"])))
