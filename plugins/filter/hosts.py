# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the GPU host roles (gpu_host, host_network): derivations kept out of Jinja.

Documentation of each filter is in the YAML file of the same name next to this one.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import gpu_host as _gpu_host
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import host_network as _host_network
from ansible_collections.refarch.ai_cluster.plugins.module_utils import nvidia_smi as _nvidia_smi

try:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import load_design
    from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
    HAS_PLANNER = True
except ImportError:  # pragma: no cover - PyYAML or jsonschema missing on the controller
    HAS_PLANNER = False

# One design load per file version and process (the inventory gives every host the same file).
_DESIGNS = {}


def _design(path):
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
    if key not in _DESIGNS:
        _DESIGNS.clear()
        _DESIGNS[key] = load_design(path)
    return _DESIGNS[key]


def host_context(design_file, model=None):
    """The design's ``hosts`` section, the catalog entry of ``model`` and the fabrics' QoS."""
    if not design_file:
        return {"hosts": {}, "server": {}, "fabrics": {}}
    if not HAS_PLANNER:
        raise AnsibleFilterError("host_context needs the planner's Python requirements (PyYAML, jsonschema)")
    try:
        design = _design(str(design_file))
    except (OSError, DesignError) as exc:
        raise AnsibleFilterError("host_context: cannot load design %s: %s" % (design_file, exc))
    model = model or design.node_model
    entry = design.catalog.servers.get(model)
    if entry is None:
        raise AnsibleFilterError("host_context: server model %r is not in the design's catalog" % model)
    gpus = dict(entry.raw.get("gpus") or {})
    server = {
        "model": entry.id,
        "gpu_model": entry.gpu_model,
        "gpu_count": entry.gpu_count,
        "gpu_memory_gib": entry.gpu_memory_gib,
        "nvswitch": entry.nvswitch,
        "generation": gpus.get("generation"),
        "open_kernel_modules_required": bool(gpus.get("open_kernel_modules_required", False)),
    }
    fabrics = {}
    for name, spec in design.fabrics.items():
        fabrics[name] = {
            "name": name, "kind": spec.kind, "mtu": spec.mtu, "host_mtu": spec.host_mtu,
            "qos_profile": spec.qos_profile, "qos": dict(spec.qos) if spec.qos else None,
            "congestion_control": spec.congestion_control, "rail_optimized": spec.rail_optimized,
        }
    return {"hosts": dict(design.hosts or {}), "server": server, "fabrics": fabrics}


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
