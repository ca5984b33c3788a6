# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: the platform-neutral configuration of one fabric switch, on the controller.

Reads the host's plan slices (``refarch_device``, ``refarch_fabric``) and the catalog entry of its
model as the plan used it (``refarch_catalog``, for lane counts), and returns what
``plugin_utils.render.switch_config`` makes of them, so that templates format a finished dict and
never derive anything. The design file is never read. Nothing is sent to the switch.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import SwitchConfigError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import (
    RENDERED_PLATFORMS, switch_config_from)


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("device", "fabric", "plan_name", "model", "unnumbered", "host_vlan", "platforms"))

    def act(self, args, task_vars):
        device = args.get("device")
        fabric = args.get("fabric")
        if not isinstance(device, dict) or not device:
            raise SwitchConfigError("device is required: the host's plan record (refarch_device from the "
                                    "refarch.ai_cluster.design inventory)")
        if not isinstance(fabric, dict) or not fabric:
            raise SwitchConfigError("fabric is required: the host's fabric summary (refarch_fabric from the "
                                    "refarch.ai_cluster.design inventory); %s has none" % device.get("name"))
        host_vlan = args.get("host_vlan", 1000)
        try:
            host_vlan = int(host_vlan)
        except (TypeError, ValueError):
            raise SwitchConfigError("host_vlan must be an integer, not %r" % (host_vlan,)) from None
        options = {
            "unnumbered": as_bool(args.get("unnumbered", False), "unnumbered"),
            "host_vlan": host_vlan,
            "plan_name": args.get("plan_name") or None,
            "platforms": [str(p) for p in args.get("platforms") or RENDERED_PLATFORMS],
        }
        config = switch_config_from(device, fabric, model=args.get("model") or None, options=options)
        return dict(changed=False, config=config,
                    msg="%s: %s %s of fabric %s, %d ports, %d BGP sessions, QoS %s" % (
                        config["hostname"], config["platform"], config["role"], config["fabric"],
                        len(config["interfaces"]), len(config["bgp"]["neighbors"]),
                        (config["qos"] or {}).get("profile") or "none"))
