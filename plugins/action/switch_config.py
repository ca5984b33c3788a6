# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: the platform-neutral configuration of one fabric switch, on the controller.

Reads the host's plan slices (``refarch_device``, ``refarch_fabric``) and returns what
``module_utils.switch_config`` makes of them, so that templates format a finished dict and
never derive anything. The catalog (for lane counts) is read from the design's own catalog files
plus the built-in ones. Nothing is sent to the switch.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import plain as _plain
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import (
    RENDERED_PLATFORMS, SwitchConfigError, switch_config_from)


def _catalog_model(design_file, model_id):
    """The catalog entry of ``model_id``, with the design's own catalog files; None when unknown."""
    extra = []
    if design_file and os.path.isfile(design_file):
        raw = datafiles.load_yaml(design_file) or {}
        base = os.path.dirname(os.path.abspath(design_file))
        extra = [os.path.join(base, f) for f in (raw.get("catalog") or []) if isinstance(f, str)]
    return load_catalog(extra).switches.get(model_id)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("device", "fabric", "plan_name", "design_file", "unnumbered", "host_vlan",
                             "platforms"))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        device = args.get("device")
        fabric = args.get("fabric")
        if not isinstance(device, dict) or not device:
            raise AnsibleActionFail("device is required: the host's plan record (refarch_device from the "
                                    "refarch.ai_cluster.design inventory)")
        if not isinstance(fabric, dict) or not fabric:
            raise AnsibleActionFail("fabric is required: the host's fabric summary (refarch_fabric from the "
                                    "refarch.ai_cluster.design inventory); %s has none" % device.get("name"))
        device, fabric = _plain(device), _plain(fabric)
        host_vlan = args.get("host_vlan", 1000)
        try:
            host_vlan = int(host_vlan)
        except (TypeError, ValueError):
            raise AnsibleActionFail("host_vlan must be an integer, not %r" % (host_vlan,))
        platforms = args.get("platforms") or list(RENDERED_PLATFORMS)
        options = {
            "unnumbered": self._bool(args.get("unnumbered", False), "unnumbered"),
            "host_vlan": host_vlan,
            "plan_name": args.get("plan_name") or None,
            "platforms": [str(p) for p in platforms],
        }
        try:
            model = _catalog_model(args.get("design_file"), device.get("model"))
            config = switch_config_from(device, fabric, model=model, options=options)
        except (SwitchConfigError, DesignError) as exc:
            raise AnsibleActionFail(str(exc))
        result.update(changed=False, config=config,
                      msg="%s: %s %s of fabric %s, %d ports, %d BGP sessions, QoS %s" % (
                          config["hostname"], config["platform"], config["role"], config["fabric"],
                          len(config["interfaces"]), len(config["bgp"]["neighbors"]),
                          (config["qos"] or {}).get("profile") or "none"))
        return result

    @staticmethod
    def _bool(value, name):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return value.lower() in ("true", "yes", "on", "1")
        raise AnsibleActionFail("%s must be a boolean, not %r" % (name, value))
