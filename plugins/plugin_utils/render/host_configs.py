# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every GPU node's host-side network files in one pass on the controller (#22).

The ``host_network`` role used to fill its templates in tasks of each host. Most of its files
need only the host's slice of the plan and the role's variables: they are compiled once here and
filled in a Python loop over the hosts as the template module fills them
(``configs.RoleTemplates``), so the files are byte for byte those of the per-host path
(``tests/unit/render/test_host_configs.py`` compares them with Ansible's own templar).

What each file needs (``FILES``):

- ``rt_tables.conf``, ``sysctl.conf`` and the network stack's files (``netplan/``, ``networkd/``,
  ``networkmanager/``): the plan and the role's variables only. Which stack a host runs is an OS
  fact; with ``host_network_backend: auto`` all three are rendered and each host takes its own.
- ``nccl.conf``: the plan's RDMA devices (``NCCL_IB_HCA``, and ``NCCL_IB_TC`` through the NICs'
  QoS); the role reads the devices from the host's sysfs, and they win over the plan's.
- ``refarch-roce-qos`` and its unit: the NICs whose RDMA device and QoS tools the host has.

The second and third are rendered here as the plan expects the host (the catalog's RDMA devices,
every RoCE NIC with its QoS); ``PLAN_FILE`` beside them records those inputs, and the role uses the
files only where its host gives the same, else renders that host's files again from the host's
own facts (``render_host``).

Plain Python and Jinja2, no Ansible import: ``make configs`` runs it without an inventory.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping

import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import NODE_ROLE
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import HostNetworkError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.configs import RoleTemplates
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.host_network import network_plan

ROLE_DIR = os.path.join(datafiles.COLLECTION_ROOT, "roles", "host_network")
# The inputs the files were rendered from, beside them: the role compares its host's with these.
PLAN_FILE = "host_network_plan.json"
BACKENDS = ("netplan", "networkd", "networkmanager")
# What ansible.builtin.template writes into {{ ansible_managed }} with Ansible's default settings.
DEFAULT_MANAGED = "Ansible managed"
# The options of network_plan the role passes from its variables (host_network_<option>).
PLAN_OPTIONS = ("roles", "table_base", "rule_priority_base", "sysctls", "nccl", "socket_ifname", "gid_index",
                "server", "inband_bond", "default_route")
# The role variable of each option (host_network_<option>, NCCL ones under nccl_).
OPTION_VARIABLES = {"roles": "host_network_roles", "table_base": "host_network_table_base",
                    "rule_priority_base": "host_network_rule_priority_base", "sysctls": "host_network_sysctls",
                    "nccl": "host_network_nccl", "socket_ifname": "host_network_nccl_socket_ifname",
                    "gid_index": "host_network_nccl_gid_index", "inband_bond": "host_network_inband_bond",
                    "default_route": "host_network_default_route"}


def _role_defaults() -> dict[str, Any]:
    """The role's defaults (defaults/main.yml) as options, for make configs: one copy of each default."""
    with open(os.path.join(ROLE_DIR, "defaults", "main.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    out = {option: data[var] for option, var in OPTION_VARIABLES.items()}
    out["roles"] = tuple(out["roles"])
    out["socket_ifname"] = out["socket_ifname"] or None
    return out


DEFAULT_OPTIONS: dict[str, Any] = _role_defaults()
# File (relative to the host's folder) -> (template, what it needs): "plan" files are a function of
# the plan and the role's variables; "rdma" files also of the RDMA devices and QoS tools the host has.
FILES = {
    "rt_tables.conf": ("rt_tables.conf.j2", "plan"),
    "sysctl.conf": ("sysctl.conf.j2", "plan"),
    "nccl.conf": ("nccl.conf.j2", "rdma"),
    "refarch-roce-qos": ("refarch-roce-qos.j2", "rdma"),
    "refarch-roce-qos.service": ("refarch-roce-qos.service.j2", "rdma"),
    "netplan/60-refarch-fabric.yaml": ("netplan.yaml.j2", "plan"),
    "networkd/60-refarch-NIC.network": ("networkd.network.j2", "plan"),
    "networkd/60-refarch-BOND.netdev": ("networkd.netdev.j2", "plan"),
    "networkd/60-refarch-MEMBER.network": ("networkd.member.network.j2", "plan"),
    "networkmanager/refarch-NIC.nmconnection": ("nmconnection.j2", "plan"),
    "networkmanager/refarch-MEMBER.nmconnection": ("nmconnection.member.j2", "plan"),
}
TEMPLATES = tuple(sorted(set(template for template, _needs in FILES.values())))


def gpu_nodes(plan: Mapping[str, Any]) -> list[str]:
    """Names of the plan's GPU nodes (``plan.json`` form), in name order."""
    return sorted(name for name, dev in (plan.get("devices") or {}).items() if dev.get("role") == NODE_ROLE)


def host_plan(device: Mapping[str, Any], fabrics: Mapping[str, Any], options: Mapping[str, Any],
              rdma_devices: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What ``host_network_plan`` gives the role for ``device`` with ``options`` (``PLAN_OPTIONS``),
    the role's variables; the RDMA devices are the plan's unless ``rdma_devices`` are given."""
    opts = {k: options[k] for k in PLAN_OPTIONS if k in options}
    if "roles" in opts:
        opts["roles"] = tuple(opts["roles"] or ())
    opts["socket_ifname"] = opts.get("socket_ifname") or None
    opts["server"] = opts.get("server") or None
    return network_plan(dict(device), dict(fabrics or {}), rdma_devices=dict(rdma_devices or {}), **opts)


def planned_qos_nics(plan: Mapping[str, Any]) -> list[str]:
    """The NICs the QoS script sets when the host has every RDMA device and both QoS tools."""
    return [nic["name"] for nic in plan["nics"] if nic.get("qos")]


class HostRenderer(object):
    """Fills the host_network role's templates for one host after another; parsed once."""

    def __init__(self, managed: str | Mapping[str, str] = DEFAULT_MANAGED) -> None:
        # {{ ansible_managed }} by template: Ansible's may name the template or its time.
        self.templates = RoleTemplates(ROLE_DIR, TEMPLATES, managed)
        self._fill = self.templates.fill

    def render(self, host: str, plan: Mapping[str, Any], backends: Iterable[str] = BACKENDS,
               qos_nics: Iterable[str] | None = None) -> dict[str, str]:
        """{path relative to the host's folder: text} of what the role writes for ``plan`` (the
        output of ``network_plan``): the files of each backend in ``backends`` and the QoS script
        for the NICs named in ``qos_nics`` (every NIC with QoS by default)."""
        wanted = planned_qos_nics(plan) if qos_nics is None else list(qos_nics)
        qos = [nic for nic in plan["nics"] if nic["name"] in wanted]
        common = {"inventory_hostname": host, "host_network__plan": plan, "host_network__qos_nics": qos}
        out = {"sysctl.conf": self._fill("sysctl.conf.j2", **common),
               "nccl.conf": self._fill("nccl.conf.j2", **common)}
        if qos:
            out["refarch-roce-qos"] = self._fill("refarch-roce-qos.j2", **common)
            out["refarch-roce-qos.service"] = self._fill("refarch-roce-qos.service.j2", **common)
        if not plan["nics"]:
            return out                     # the role writes no routing tables and no NIC file then
        out["rt_tables.conf"] = self._fill("rt_tables.conf.j2", **common)
        for backend in backends:
            if backend not in BACKENDS:
                raise HostNetworkError("%s: unknown network backend %r; known: %s" % (host, backend, ", ".join(BACKENDS)))
            out.update(self._backend(backend, plan, common))
        return out

    def _backend(self, backend: str, plan: Mapping[str, Any], common: Mapping[str, Any]) -> dict[str, str]:
        """The files of one network stack, named as the role's tasks name them on the host."""
        out = {}
        members = plan.get("bond_members") or []
        if backend == "netplan":
            out["netplan/60-refarch-fabric.yaml"] = self._fill("netplan.yaml.j2", **common)
        elif backend == "networkd":
            for nic in plan["nics"]:
                out["networkd/60-refarch-%s.network" % nic["name"]] = self._fill("networkd.network.j2", item=nic, **common)
                if nic["kind"] == "bond":
                    out["networkd/60-refarch-%s.netdev" % nic["name"]] = self._fill("networkd.netdev.j2", item=nic, **common)
            for member in members:
                out["networkd/60-refarch-%s.network" % member["name"]] = self._fill(
                    "networkd.member.network.j2", item=member, **common)
        else:
            for nic in plan["nics"]:
                out["networkmanager/refarch-%s.nmconnection" % nic["name"]] = self._fill("nmconnection.j2", item=nic, **common)
            for member in members:
                out["networkmanager/refarch-%s.nmconnection" % member["name"]] = self._fill(
                    "nmconnection.member.j2", item=member, **common)
        return out


def render_host(renderer: HostRenderer, host: str, plan: Mapping[str, Any], backends: Iterable[str],
                qos_nics: Iterable[str] | None = None) -> dict[str, Any]:
    """One host's entry of ``render_plan``'s result from a plan already worked out."""
    backends = list(backends)
    wanted = planned_qos_nics(plan) if qos_nics is None else list(qos_nics)
    return {"plan": plan, "backends": backends, "qos_nics": wanted,
            "files": renderer.render(host, plan, backends, wanted)}


def render_plan(plan: Mapping[str, Any], options: Mapping[str, Any] | None = None,
                names: Iterable[str] | None = None, per_host: Mapping[str, Mapping[str, Any]] | None = None,
                backends: Iterable[str] = BACKENDS, managed: str | Mapping[str, str] = DEFAULT_MANAGED,
                errors: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """{host: {"plan", "backends", "qos_nics", "files": {path: text}}} for ``names`` (every GPU
    node of the plan by default). ``plan`` is the plan in its ``plan.json`` form; ``options`` the
    role's variables as ``PLAN_OPTIONS`` (the role's defaults where missing, the server model's
    catalog entry by default), ``per_host`` the same by host where they differ, with ``backends``
    too. The RDMA devices are the plan's. A host that cannot be configured raises
    ``HostNetworkError``, or with ``errors`` is left out and its reason put there."""
    renderer = HostRenderer(managed)
    base = dict(DEFAULT_OPTIONS, **(options or {}))
    servers = (plan.get("catalog") or {}).get("servers") or {}
    out: dict[str, dict[str, Any]] = {}
    for name in (gpu_nodes(plan) if names is None else names):
        device = plan["devices"][name]
        opts = dict(base, **((per_host or {}).get(name) or {}))
        if "server" not in opts:
            opts["server"] = servers.get(device.get("model") or "")
        try:
            worked = host_plan(device, plan.get("fabrics") or {}, opts)
        except HostNetworkError as exc:
            if errors is None:
                raise HostNetworkError("%s: %s" % (name, exc)) from None
            errors[name] = str(exc)
            continue
        out[name] = render_host(renderer, name, worked, opts.get("backends", backends))
    return out


def inputs(entry: Mapping[str, Any]) -> str:
    """The text of ``PLAN_FILE``: the inputs of one host's files."""
    record = {"plan": entry["plan"], "backends": list(entry["backends"]), "qos_nics": list(entry["qos_nics"])}
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def write(rendered: Mapping[str, Mapping[str, Any]], dest: str, check_mode: bool = False) -> list[str]:
    """Write ``dest/<host>/<file>`` and ``PLAN_FILE`` beside them; return the paths (relative to
    ``dest``) that changed or would change. Unchanged files are not touched; files of NICs or
    backends a host no longer has are removed from its backend folders."""
    changed: list[str] = []
    for name, entry in sorted(rendered.items()):
        texts = dict(entry["files"])
        texts[PLAN_FILE] = inputs(entry)
        folder = os.path.join(dest, name)
        for filename, text in sorted(texts.items()):
            path = os.path.join(folder, filename)
            if not os.path.isdir(os.path.dirname(path)):
                if check_mode:
                    changed.append(os.path.join(name, filename))
                    continue
                os.makedirs(os.path.dirname(path))
            if write_if_changed(path, text, check_mode=check_mode):
                changed.append(os.path.join(name, filename))
        for stale in _stale(folder, texts):
            changed.append(os.path.join(name, stale))
            if not check_mode:
                os.remove(os.path.join(folder, stale))
    return changed


def _stale(folder: str, texts: Mapping[str, str]) -> list[str]:
    """Files of ``folder`` this module writes that ``texts`` no longer has."""
    found: list[str] = []
    for sub in BACKENDS:
        path = os.path.join(folder, sub)
        if os.path.isdir(path):
            found.extend(os.path.join(sub, f) for f in sorted(os.listdir(path)))
    found.extend(f for f in ("refarch-roce-qos", "refarch-roce-qos.service", "rt_tables.conf")
                 if os.path.exists(os.path.join(folder, f)))
    return [f for f in found if f not in texts]
