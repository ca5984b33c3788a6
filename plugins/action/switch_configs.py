# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: every switch of the play worked out and rendered in one pass on the controller.

Run once per play (``run_once: true``), it reads each switch's plan slices from the inventory
(``refarch_device``, ``refarch_fabric``, the model's entry of ``refarch_catalog``) through
``hostvars``, and hands them to ``plugin_utils.render.configs``, which compiles the role's
templates once and fills them switch after switch. What used to be about ten Ansible tasks per
switch is one task for the fabric; the per-host tasks of ``fabric_switch`` only read the files.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import SwitchConfigError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import configs


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("hosts", "dest", "unnumbered", "host_vlan", "platforms", "render_only"))

    def act(self, args, task_vars):
        dest = args.get("dest")
        if not dest:
            raise SwitchConfigError("dest is required: the directory of the rendered files (fabric_switch_render_dir)")
        hostvars = task_vars.get("hostvars") or {}
        defaults = {"unnumbered": as_bool(args.get("unnumbered", False), "unnumbered"),
                    "host_vlan": self._vlan(args.get("host_vlan", 1000))}
        plan = {"name": task_vars.get("refarch_plan_name"), "devices": {}, "fabrics": {},
                "catalog": self.plain(task_vars.get("refarch_catalog") or {})}
        options = {}
        platforms = [str(p) for p in args.get("platforms") or configs.renderers()]
        for host in args.get("hosts") or []:
            host_vars = hostvars[host]
            device = self.plain(host_vars.get("refarch_device") or {})
            if device.get("role") not in SWITCH_ROLES:
                continue                   # GPU nodes or appliances in the play: not switches
            fabric = self.plain(host_vars.get("refarch_fabric") or {})
            if not fabric:
                raise SwitchConfigError("%s has no refarch_fabric: use the refarch.ai_cluster.design inventory" % host)
            if fabric.get("kind") == "infiniband":
                continue
            plan["devices"][host] = dict(device, name=host)
            plan["fabrics"][device["fabric"]] = fabric
            # Per-switch settings from the inventory (host or group variables) win over the task's.
            options[host] = {"unnumbered": as_bool(host_vars.get("fabric_switch_unnumbered", defaults["unnumbered"]),
                                                   "fabric_switch_unnumbered"),
                             "host_vlan": self._vlan(host_vars.get("fabric_switch_host_vlan", defaults["host_vlan"])),
                             "platforms": platforms}
        rendered = configs.render_plan(plan, names=sorted(plan["devices"]), per_switch=options)
        check = bool(self._task.check_mode) and as_bool(args.get("render_only", False), "render_only")
        changed = configs.write(rendered, dest, check_mode=check)
        return dict(changed=bool(changed), switches=len(rendered), files=changed, dest=dest,
                    msg="%d switches rendered into %s; %d files %schanged" % (
                        len(rendered), dest, len(changed), "would be " if check else ""))

    @staticmethod
    def _vlan(value):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SwitchConfigError("host_vlan must be an integer, not %r" % (value,)) from None
