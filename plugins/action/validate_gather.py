# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: what one host gathers for validation, worked out from the plan, then gathered.

Reads the host's plan slice (``refarch_device``) and, for GPU nodes, the slices of the other GPU
nodes (``hostvars[*].refarch_device`` of the ``gpu_nodes`` group), turns them into the module's
options (ports to read, LLDP, BGP, GPU, the per-rail ping matrix, the ib_write_bw ring and the
NCCL command) with ``plugin_utils.validate.probes``, and runs the ``validate_gather`` module once on the
host. Any option given in the task wins over the derived one.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import FRR_PLATFORMS
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool as _bool, plain as _plain
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.gpu_host import IMEX_NODES_FILE, IMEX_SERVICE
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.host_state import (
    MEMLOCK_FILE, ROLE_VARIABLES, host_sysctl_names, variables)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.probes import probes_for, rdma_pairs
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.readback import switch_readback


def default_nccl_command(nodes, gpus_per_node):
    """mpirun of all_reduce_perf over ``nodes`` (one rank per GPU), as NVIDIA's nccl-tests README runs it."""
    return ["mpirun", "--allow-run-as-root", "-np", str(len(nodes) * gpus_per_node),
            "-H", ",".join("%s:%d" % (n, gpus_per_node) for n in nodes),
            "-x", "NCCL_DEBUG=WARN", "all_reduce_perf", "-b", "512M", "-e", "8G", "-f", "2", "-g", "1"]


def scheduler_services(scheduler, name):
    """The units the slurm role enables on host ``name`` (check_services reads them back)."""
    if not scheduler:
        return []
    units = []
    if name in [n["name"] for n in scheduler.get("nodes") or []]:
        units += ["munge.service", "slurmd.service"]
    if name in (scheduler.get("controllers") or []):
        units += ["munge.service", "slurmctld.service"]
    if name == scheduler.get("accounting"):
        units += ["mariadb.service", "slurmdbd.service"]
    if name in (scheduler.get("controllers") or [])[:1]:
        units += ["refarch-pool-mode-%s.timer" % m["name"] for m in scheduler.get("modes") or []]
    return list(dict.fromkeys(units))


class ActionModule(RefarchAction):
    # Unlike the collection's other action plugins this one runs a module on the host.
    _requires_connection = True

    def act(self, args, task_vars):
        device = task_vars.get("refarch_device")
        if not isinstance(device, dict) or not device.get("name"):
            raise AnsibleActionFail("%s has no refarch_device: use an inventory of the refarch.ai_cluster.design "
                                    "plugin" % task_vars.get("inventory_hostname"))
        device = _plain(device)
        performance = _bool(args.pop("performance", True), "performance")
        unnumbered = _bool(args.pop("unnumbered", False), "unnumbered")
        nccl_command = args.pop("nccl_command", None) or []
        try:
            gpus_per_node = int(args.pop("nccl_gpus_per_node", 8))
        except (TypeError, ValueError):
            raise AnsibleActionFail("nccl_gpus_per_node must be an integer")
        hostvars = task_vars.get("hostvars") or {}
        node_names = args.pop("gpu_nodes", None)
        if node_names is None:
            node_names = (task_vars.get("groups") or {}).get("gpu_nodes") or []
        role = device.get("role")
        derived = {
            "device": device["name"],
            "interfaces": [i["name"] for i in device.get("interfaces") or [] if i.get("name")],
            "lldp": True,
            "bgp": bool(device.get("bgp")) and device.get("platform") in FRR_PLATFORMS,
            "gpu": role == "gpu_node",
        }
        if role == "gpu_node":
            # What host_network and gpu_host set, read back (see validate.readback).
            overrides = {k: _plain(self._templar.template(task_vars[k])) for k in ROLE_VARIABLES if k in task_vars}
            derived.update({
                "host_state": True,
                "sysctls": host_sysctl_names(device, _plain(task_vars.get("refarch_fabrics") or {}), overrides),
                "files": {"nccl_conf": variables(overrides)["host_network_nccl_conf"], "memlock": MEMLOCK_FILE},
                "services": ["refarch-roce-qos.service"],
            })
            if device.get("nvlink_domain"):
                # A compute tray of a rack-scale system: gpu_host writes its IMEX node list.
                derived["files"]["imex_nodes"] = IMEX_NODES_FILE
                derived["services"].append("%s.service" % IMEX_SERVICE)
            nodes = []
            for name in node_names:
                other = (hostvars.get(name) or {}).get("refarch_device")
                if isinstance(other, dict):
                    nodes.append(_plain(other))
            if not any(n.get("name") == device["name"] for n in nodes):
                nodes.append(device)
            derived["pings"] = probes_for(device, nodes, unnumbered=unnumbered)
            if performance:
                play = set(task_vars.get("ansible_play_hosts_all") or [])
                ring = [n for n in nodes if not play or n["name"] in play]
                derived["rdma"] = rdma_pairs(ring).get(device["name"], [])
                names = sorted(n["name"] for n in ring)
                if names and names[0] == device["name"]:
                    derived["nccl"] = [str(a) for a in nccl_command] or default_nccl_command(names, gpus_per_node)
        elif role == "appliance":
            derived["pings"] = probes_for(device, [], unnumbered=unnumbered)
        else:
            derived["pings"] = probes_for(device, [], unnumbered=unnumbered)
            derived.update(switch_readback(device.get("platform")))
        scheduler = _plain(task_vars.get("refarch_scheduler") or {})
        # The primary controller reads Slurm's view of the pool (checks.scheduler).
        derived["scheduler"] = device["name"] in (scheduler.get("controllers") or [])[:1]
        slurm_units = scheduler_services(scheduler, device["name"])
        if slurm_units:
            derived["services"] = list(derived.get("services") or []) + slurm_units
        for key, value in derived.items():
            args.setdefault(key, value)
        return self._execute_module(module_name="refarch.ai_cluster.validate_gather", module_args=args,
                                    task_vars=task_vars)
