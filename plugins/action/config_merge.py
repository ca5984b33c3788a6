# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: the target configuration of a switch from its running one and the rendering.

Runs on the controller only and changes nothing anywhere: it reports ``changed`` when the target
differs from the running configuration, and the difference in diff mode, so that a play can show
and decide before a single command reaches the switch.
"""

from __future__ import annotations

import json

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import plain as _plain
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.config_merge import dump, merge_config

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    HAS_YAML = False


def _load(value, what):
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return {}
        try:
            return json.loads(text)
        except ValueError:
            if not HAS_YAML:
                raise AnsibleActionFail("%s is not JSON and PyYAML is missing to read it as YAML" % what)
            try:
                return yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise AnsibleActionFail("%s is neither JSON nor YAML: %s" % (what, exc))
    return _plain(value)


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("running", "rendered", "replace", "merge", "label"))

    def act(self, args, task_vars):
        if "running" not in args or "rendered" not in args:
            raise AnsibleActionFail("running and rendered are required")
        running = _load(args["running"], "running")
        rendered = _load(args["rendered"], "rendered")
        if not isinstance(running, dict) or not isinstance(rendered, dict):
            raise AnsibleActionFail("running and rendered must be mappings (JSON objects), got %s and %s" % (
                type(running).__name__, type(rendered).__name__))
        replace = list(args.get("replace") or [])
        merge = list(args.get("merge") or [])
        target = merge_config(running, rendered, replace=replace, merge=merge)
        before, after = dump(running), dump(target)
        label = args.get("label") or "configuration"
        result = dict(changed=before != after, target=target, target_text=after)
        if self._task.diff and before != after:
            result["diff"] = [{"before_header": "%s (running)" % label, "after_header": "%s (planned)" % label,
                               "before": before, "after": after}]
        return result
