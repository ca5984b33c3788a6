# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a device runs, in the baseline's terms, from what the lifecycle inventory gathered.

Three sources per device, each read by the tool made for it:

* ``gpu``: ``ansible_facts.refarch_gpu`` of module gpu_facts (nvidia-smi): driver and CUDA;
* ``versions``: ``ansible_facts.refarch_versions`` of module version_facts: per NIC ethtool's and
  mstflint's firmware, installed packages (the fabric manager's), a switch's NOS release;
* ``redfish``: the results of ``community.general.redfish_info``, one task per command (the module
  takes one category's commands per call), by command: GetSystemInventory (``BiosVersion``,
  DSP0268 ComputerSystem), GetManagerInventory (``FirmwareVersion``, Manager) and
  GetFirmwareInventory (every SoftwareInventory item's ``Id`` and ``Version``).

Every source may be missing or failed; what could not be read becomes an error line, never a
version, so that drift reports it as unknown.
"""

from __future__ import annotations

from typing import Any

# The fabric manager's package (NVIDIA's: nvidia-fabricmanager-<branch> on Ubuntu/Debian,
# nvidia-fabric-manager on RHEL; CUDA installation guide, "Fabric Manager").
FABRIC_MANAGER_PACKAGES = ("nvidia-fabricmanager", "nvidia-fabric-manager")


def observed_versions(gpu: dict[str, Any] | None, versions: dict[str, Any] | None,
                      redfish: dict[str, Any] | None) -> dict[str, Any]:
    """{"versions": {baseline field: value}, "errors": [...], "nics": {...}} of one device."""
    out: dict[str, Any] = {}
    errors: list[str] = []
    if gpu is not None:
        if gpu.get("available"):
            out["driver_version"] = gpu.get("driver_version")
            out["cuda_version"] = gpu.get("cuda_version")
        else:
            errors.append("nvidia-smi: %s" % (gpu.get("reason") or "did not answer"))
    nics: dict[str, Any] = {}
    if versions is not None:
        errors.extend(versions.get("errors") or [])
        nics = versions.get("nics") or {}
        firmware = {}
        for name, nic in sorted(nics.items()):
            value = (nic.get("flash") or {}).get("firmware_version") or nic.get("firmware_version")
            if value:
                firmware[name] = value
        if firmware:
            out["nic_firmware"] = firmware
        packages = versions.get("packages") or {}
        fm = sorted(v for k, v in packages.items() if k.startswith(FABRIC_MANAGER_PACKAGES))
        if fm:
            out["fabric_manager_version"] = fm[-1]
        if versions.get("nos_version"):
            out["nos_version"] = versions["nos_version"]
    if redfish is not None:
        out.update(redfish_versions(redfish, errors))
    return {"versions": {k: v for k, v in out.items() if v not in (None, "", {})}, "errors": errors, "nics": nics}


# redfish_info command -> (its key under redfish_facts, the property read, the baseline field).
REDFISH_READS = (("GetSystemInventory", "system", "BiosVersion", "bios"),
                 ("GetManagerInventory", "manager", "FirmwareVersion", "bmc"))


def redfish_versions(results: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """bmc, bios and firmware {Id: Version} from redfish_info results by command (failures as errors)."""
    out: dict[str, Any] = {}
    for command, key, prop, name in REDFISH_READS + (("GetFirmwareInventory", "firmware", None, "firmware"),):
        result = results.get(command)
        if result is None:
            continue
        if result.get("skipped"):
            errors.append("redfish: %s" % (result.get("skip_reason") or result.get("msg") or "skipped"))
            return {}
        section = (result.get("redfish_facts") or {}).get(key) or {}
        if result.get("failed") or result.get("unreachable") or not section.get("ret"):
            errors.append("redfish %s: %s" % (command, result.get("msg") or section.get("msg") or "failed"))
            continue
        entries = section.get("entries") or []
        if prop is None:
            out[name] = {str(e["Id"]): str(e["Version"]) for e in entries
                         if isinstance(e, dict) and e.get("Id") and e.get("Version")}
            continue
        value = next((e[-1][prop] for e in entries if isinstance(e, list) and e and isinstance(e[-1], dict)
                      and e[-1].get(prop)), None)
        if value is None:
            errors.append("redfish %s: no %s" % (command, prop))
        else:
            out[name] = str(value)
    return out
