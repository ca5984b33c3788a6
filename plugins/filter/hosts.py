# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the GPU host roles (gpu_host, host_network): derivations kept out of Jinja.

Documentation of each filter is in the YAML file of the same name next to this one.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import gpu_host as _gpu_host
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import host_network as _host_network
from ansible_collections.refarch.ai_cluster.plugins.module_utils import nvidia_smi as _nvidia_smi

# The fabric summary keys a GPU host's roles read (the plan's fabric summaries hold more).
HOST_FABRIC_KEYS = ("name", "kind", "mtu", "host_mtu", "qos_profile", "qos", "congestion_control", "rail_optimized")


def host_context(catalog, model=None, hosts=None, fabrics=None):
    """The design's ``hosts`` section, the catalog entry of ``model`` and the fabrics' QoS, from the plan.

    ``catalog`` is the plan's catalog slice (``refarch_catalog`` of the inventory), ``hosts`` the
    design's hosts section (``refarch_hosts``) and ``fabrics`` the plan's fabric summaries
    (``refarch_fabrics``): the plan that was deployed, never the design file, which may have been
    edited since.
    """
    if not catalog:
        return {"hosts": dict(hosts or {}), "server": {}, "fabrics": _host_fabrics(fabrics)}
    if not isinstance(catalog, dict):
        raise AnsibleFilterError("host_context expects the plan's catalog (refarch_catalog), got %s"
                                 % type(catalog).__name__)
    servers = catalog.get("servers") or {}
    if model is None and len(servers) == 1:
        model = next(iter(servers))
    entry = servers.get(model)
    if entry is None:
        raise AnsibleFilterError("host_context: server model %r is not in the plan's catalog (refarch_catalog.servers "
                                 "has: %s)" % (model, ", ".join(sorted(servers)) or "none"))
    gpus = dict(entry.get("gpus") or {})
    server = {
        "model": model,
        "gpu_model": str(gpus.get("model", "")),
        "gpu_count": int(gpus.get("count", 0)),
        "gpu_memory_gib": float(gpus.get("memory_gib", 0)),
        "nvswitch": bool(gpus.get("nvswitch", False)),
        "generation": gpus.get("generation"),
        "open_kernel_modules_required": bool(gpus.get("open_kernel_modules_required", False)),
    }
    return {"hosts": dict(hosts or {}), "server": server, "fabrics": _host_fabrics(fabrics)}


def _host_fabrics(fabrics):
    out = {}
    for name, summary in (fabrics or {}).items():
        entry = {k: summary.get(k) for k in HOST_FABRIC_KEYS}
        entry["name"] = entry["name"] or name
        entry["qos"] = dict(entry["qos"]) if entry["qos"] else None
        out[name] = entry
    return out


def gpu_host_imex(domain, enabled="auto", nodes=None):
    """gpu_host's IMEX settings for a compute tray of an NVLink domain (see plugin_utils/render/gpu_host)."""
    try:
        return _gpu_host.imex_settings(domain, enabled=enabled, nodes=nodes)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None


def gpu_host_settings(facts, **options):
    """gpu_host's packages, repositories, locks and services for a host (see module_utils/gpu_host)."""
    facts = facts or {}
    try:
        return _gpu_host.gpu_host_settings(
            os_family=facts.get("os_family"), distribution=facts.get("distribution"),
            distribution_version=facts.get("distribution_version") or facts.get("distribution_major_version"),
            architecture=facts.get("architecture", "x86_64"), **options)
    except (_gpu_host.GpuHostError, TypeError) as exc:
        raise AnsibleFilterError("gpu_host: %s" % exc)


def gpu_host_lock_list(installed, patterns, prefix):
    """Installed package names to hold or versionlock: matching ``patterns``, version in branch or version ``prefix``."""
    return _gpu_host.installed_to_lock(dict(installed or {}), list(patterns or []), str(prefix))


def gpu_host_stale_locks(locked, patterns, prefix):
    """Held or locked driver packages outside the target branch or version ``prefix``: release them to move."""
    return _gpu_host.stale_locks(dict(locked or {}), list(patterns or []), str(prefix))


def gpu_host_versionlocks(text):
    """``dnf versionlock list`` output -> {name: EPOCH:VERSION-RELEASE}."""
    return _gpu_host.parse_versionlocks(text)


def gpu_host_installed(text, held=False):
    """dpkg-query or rpm -qa output (see module_utils/gpu_host.parse_installed) -> {name: version}."""
    return _gpu_host.parse_installed(text, held=held)


def gpu_host_mig_changes(gpu_facts, lgi_output, profile, gpus=None):
    """GPUs that need the MIG layout (module_utils/gpu_host.mig_changes), from nvidia-smi mig -lgi output."""
    return _gpu_host.mig_changes(gpu_facts or {}, _nvidia_smi.parse_mig_gpu_instances(lgi_output), profile, gpus)


def gpu_driver_version(package_version):
    """The driver version in a package version: ``3:570.133.20-1.el9`` -> ``570.133.20``."""
    return _gpu_host.driver_version_of(package_version)


def host_network_plan(device, fabrics=None, **options):
    """NICs, routing tables, rules, sysctls, RoCE QoS and NCCL settings of a host (module_utils/host_network)."""
    if not isinstance(device, dict):
        raise AnsibleFilterError("host_network_plan expects the host's plan device (refarch_device), got %s"
                                 % type(device).__name__)
    if "roles" in options:
        options["roles"] = tuple(options["roles"] or ())
    if isinstance(options.get("rdma_devices"), (list, tuple)):
        options["rdma_devices"] = _host_network.rdma_devices_from_sysfs(options["rdma_devices"])
    try:
        return _host_network.network_plan(device, fabrics or {}, **options)
    except (_host_network.HostNetworkError, TypeError) as exc:
        raise AnsibleFilterError("host_network: %s" % exc)


def host_network_sysctl_changes(output, wanted):
    """``sysctl -e NAME...`` output and {name: value} -> [{key, value}] to set."""
    return _host_network.sysctl_changes(output, dict(wanted or {}))


def nvidia_smi_mig_instances(text):
    """``nvidia-smi mig -lgi`` output -> {gpu index: [profile names in placement order]}."""
    return _nvidia_smi.parse_mig_gpu_instances(text)


class FilterModule(object):
    """refarch.ai_cluster GPU host filters."""

    def filters(self):
        return {
            "gpu_host_imex": gpu_host_imex,
            "host_context": host_context,
            "gpu_host_settings": gpu_host_settings,
            "gpu_host_lock_list": gpu_host_lock_list,
            "gpu_host_stale_locks": gpu_host_stale_locks,
            "gpu_host_versionlocks": gpu_host_versionlocks,
            "gpu_driver_version": gpu_driver_version,
            "gpu_host_installed": gpu_host_installed,
            "gpu_host_mig_changes": gpu_host_mig_changes,
            "host_network_plan": host_network_plan,
            "host_network_sysctl_changes": host_network_sysctl_changes,
            "nvidia_smi_mig_instances": nvidia_smi_mig_instances,
        }
