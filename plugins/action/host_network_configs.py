# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: the host_network files of every GPU node of a play, rendered in one pass.

Run once per play (``run_once: true``), it reads each host's plan slice (``refarch_device``, the
fabric summaries, the catalog entry of its model) and the role's variables a host sets for itself
through ``hostvars``, and hands them to ``plugin_utils.render.host_configs``, which compiles the
role's templates once and fills them host after host. With ``plan`` (one host) it renders that
host's files from the plan its own facts gave (its RDMA devices, ``qos_nics``): the role does
that only for a host whose facts differ from what the plan expects.
"""

from __future__ import annotations

import os

from ansible.template import Templar, generate_ansible_template_vars

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import NODE_ROLE
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import HostNetworkError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import host_configs

# Task argument -> the role variable a host may set for itself (host or group variables).
OPTION_VARS = {"roles": "host_network_roles", "table_base": "host_network_table_base",
               "rule_priority_base": "host_network_rule_priority_base", "sysctls": "host_network_sysctls",
               "nccl": "host_network_nccl", "socket_ifname": "host_network_nccl_socket_ifname",
               "gid_index": "host_network_nccl_gid_index", "server": "host_network_server",
               "inband_bond": "host_network_inband_bond", "default_route": "host_network_default_route",
               "backend": "host_network_backend"}


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("hosts", "dest", "plan", "qos_nics", "backend") + host_configs.PLAN_OPTIONS)

    def act(self, args, task_vars):
        dest = args.get("dest")
        if not dest:
            raise HostNetworkError("dest is required: the directory of the rendered files (host_network_render_dir)")
        hosts = [str(h) for h in args.get("hosts") or []]
        renderer = host_configs.HostRenderer(self._managed(task_vars))
        if args.get("plan") is not None:
            rendered = self._one(renderer, hosts, args)
        else:
            rendered = self._all(renderer, hosts, args, task_vars)
        changed = host_configs.write(rendered, dest)
        return dict(changed=bool(changed), hosts=len(rendered), files=changed, dest=dest,
                    msg="%d hosts rendered into %s; %d files changed" % (len(rendered), dest, len(changed)))

    def _one(self, renderer, hosts, args):
        """One host's files from the plan its facts gave."""
        if len(hosts) != 1:
            raise HostNetworkError("plan is one host's: give exactly one host, not %d" % len(hosts))
        backend = args.get("backend")
        if backend not in host_configs.BACKENDS:
            raise HostNetworkError("%s: give the host's backend (%s), not %r" % (
                hosts[0], ", ".join(host_configs.BACKENDS), backend))
        plan = self.plain(args["plan"])
        qos = [str(n) for n in args.get("qos_nics") or []]
        return {hosts[0]: host_configs.render_host(renderer, hosts[0], plan, [backend], qos)}

    def _all(self, renderer, hosts, args, task_vars):
        """Every GPU node of ``hosts`` from its plan slice, with the plan's RDMA devices."""
        hostvars = task_vars.get("hostvars") or {}
        defaults = dict(host_configs.DEFAULT_OPTIONS)
        defaults.update((k, self.plain(args[k])) for k in host_configs.PLAN_OPTIONS if args.get(k) is not None)
        defaults["backend"] = args.get("backend") or "auto"
        rendered = {}
        for host in hosts:
            host_vars = hostvars[host]
            device = self.plain(host_vars.get("host_network_device", host_vars.get("refarch_device")) or {})
            if device.get("role", NODE_ROLE) != NODE_ROLE:
                continue
            fabrics = self.plain(host_vars.get("host_network_fabrics", host_vars.get("refarch_fabrics")) or {})
            options = dict(defaults)
            for option, name in OPTION_VARS.items():
                if name in host_vars:
                    options[option] = self.plain(host_vars[name])
            if "server" not in options:
                servers = (self.plain(host_vars.get("refarch_catalog") or {}).get("servers") or {})
                options["server"] = servers.get(device.get("model") or "")
            backend = options.pop("backend")
            backends = list(host_configs.BACKENDS) if backend == "auto" else [backend]
            try:
                plan = host_configs.host_plan(device, fabrics, options)
            except HostNetworkError as exc:
                raise HostNetworkError("%s: %s" % (host, exc)) from None
            rendered[host] = host_configs.render_host(renderer, host, plan, backends)
        return rendered

    def _managed(self, task_vars):
        """{template: what {{ ansible_managed }} is in it}, as the template module works it out."""
        if "ansible_managed" in task_vars:
            text = str(self._templar.template(task_vars["ansible_managed"]))
            return {t: text for t in host_configs.TEMPLATES}
        out = {}
        for template in host_configs.TEMPLATES:
            path = os.path.join(host_configs.ROLE_DIR, "templates", template)
            variables = generate_ansible_template_vars(template, fullpath=path)
            out[template] = str(Templar(loader=self._loader, variables=variables).template(variables["ansible_managed"]))
        return out
