# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse what ``nvidia-smi`` prints: ``-q -x`` (XML), ``nvlink --status`` and ``mig -lgi``.

Standard library only (``xml.etree``), so that modules can ship it to GPU hosts. Every value that
nvidia-smi reports as ``N/A``, ``[N/A]``, ``Not Supported`` or ``None`` becomes ``None``; sizes in
MiB become integers; ``Enabled``/``Disabled`` become booleans where the field is a switch.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # nosec B405 - nvidia-smi output from the local host, DTD refused below

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError

_MISSING = frozenset(("", "n/a", "[n/a]", "not supported", "[not supported]", "none", "unknown error",
                      "insufficient permissions", "[insufficient permissions]"))
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z/%]*)\s*$")


class NvidiaSmiParseError(RefarchError, ValueError):
    """The text is not the output of the nvidia-smi command it should come from."""


def _text(node, path):
    """Stripped text of the element at ``path`` under ``node``, or None when absent or N/A."""
    if node is None:
        return None
    found = node.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return None if value.lower() in _MISSING else value


def _number(value, integer=True):
    """``"81559 MiB"`` -> 81559, ``"700.00 W"`` -> 700.0; None for N/A or text that is no number."""
    if value is None:
        return None
    match = _NUMBER.match(value)
    if not match:
        return None
    number = float(match.group(1))
    return int(number) if integer and number.is_integer() else number


def _switch(value):
    """``Enabled`` -> True, ``Disabled`` -> False, anything else (N/A) -> None."""
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("enabled", "enable", "on", "yes", "active"):
        return True
    if lowered in ("disabled", "disable", "off", "no", "not active"):
        return False
    return None


def _memory(node):
    """A ``*_memory_usage`` element as ``{total_mib, reserved_mib, used_mib, free_mib}``."""
    return {
        "total_mib": _number(_text(node, "total")),
        "reserved_mib": _number(_text(node, "reserved")),
        "used_mib": _number(_text(node, "used")),
        "free_mib": _number(_text(node, "free")),
    }


def _mig_devices(gpu):
    devices = []
    for dev in gpu.findall("mig_devices/mig_device"):
        shared = dev.find("device_attributes/shared")
        devices.append({
            "index": _number(_text(dev, "index")),
            "gpu_instance_id": _number(_text(dev, "gpu_instance_id")),
            "compute_instance_id": _number(_text(dev, "compute_instance_id")),
            "multiprocessor_count": _number(_text(shared, "multiprocessor_count")),
            "memory": _memory(dev.find("fb_memory_usage")),
        })
    return devices


def _fabric(gpu):
    """NVSwitch fabric registration (Hopper and later): None where the GPU has no fabric."""
    node = gpu.find("fabric")
    state = _text(node, "state")
    if state is None:
        return None
    return {
        "state": state,                       # Not Started | In Progress | Completed
        "status": _text(node, "status"),      # Success | an error
        "clique_id": _text(node, "cliqueId"),
        "cluster_uuid": _text(node, "clusterUuid"),
        "bandwidth": _text(node, "health/bandwidth"),
        "registered": state.lower() == "completed" and (_text(node, "status") or "").lower() == "success",
    }


def _gpu(index, gpu):
    mig_current = _text(gpu, "mig_mode/current_mig")
    mig_pending = _text(gpu, "mig_mode/pending_mig")
    processes = [{
        "pid": _number(_text(p, "pid")),
        "type": _text(p, "type"),
        "name": _text(p, "process_name"),
        "used_memory_mib": _number(_text(p, "used_memory")),
    } for p in gpu.findall("processes/process_info")]
    return {
        "index": index,
        "pci_bus_id": gpu.get("id") or _text(gpu, "pci/pci_bus_id"),
        "name": _text(gpu, "product_name"),
        "brand": _text(gpu, "product_brand"),
        "architecture": _text(gpu, "product_architecture"),
        "uuid": _text(gpu, "uuid"),
        "serial": _text(gpu, "serial"),
        "minor_number": _number(_text(gpu, "minor_number")),
        "module_id": _number(_text(gpu, "gpu_module_id")),
        "board_part_number": _text(gpu, "board_part_number"),
        "vbios_version": _text(gpu, "vbios_version"),
        "inforom_image_version": _text(gpu, "inforom_version/img_version"),
        "gsp_firmware_version": _text(gpu, "gsp_firmware_version"),
        "persistence_mode": _switch(_text(gpu, "persistence_mode")),
        "mig": {
            # None: the GPU does not support MIG (N/A)
            "supported": mig_current is not None,
            "current": _switch(mig_current),
            "pending": _switch(mig_pending),
            "devices": _mig_devices(gpu),
        },
        "ecc": {
            "current": _switch(_text(gpu, "ecc_mode/current_ecc")),
            "pending": _switch(_text(gpu, "ecc_mode/pending_ecc")),
        },
        "memory": _memory(gpu.find("fb_memory_usage")),
        "bar1_memory": _memory(gpu.find("bar1_memory_usage")),
        "pcie": {
            "generation": _number(_text(gpu, "pci/pci_gpu_link_info/pcie_gen/current_link_gen")),
            "max_generation": _number(_text(gpu, "pci/pci_gpu_link_info/pcie_gen/max_link_gen")),
            "width": _number((_text(gpu, "pci/pci_gpu_link_info/link_widths/current_link_width") or "").rstrip("x")
                             or None),
        },
        "compute_mode": _text(gpu, "compute_mode"),
        "performance_state": _text(gpu, "performance_state"),
        "temperature_c": _number(_text(gpu, "temperature/gpu_temp")),
        "power_draw_w": _number(_text(gpu, "gpu_power_readings/instant_power_draw")
                                or _text(gpu, "gpu_power_readings/power_draw")
                                or _text(gpu, "power_readings/power_draw"), integer=False),
        "power_limit_w": _number(_text(gpu, "gpu_power_readings/current_power_limit")
                                 or _text(gpu, "power_readings/power_limit"), integer=False),
        "utilization_percent": _number(_text(gpu, "utilization/gpu_util")),
        "reset_required": _switch(_text(gpu, "gpu_reset_status/reset_required")),
        "remapped_rows_pending": _switch(_text(gpu, "remapped_rows/remapped_row_pending")),
        "remapped_rows_failure": _switch(_text(gpu, "remapped_rows/remapped_row_failure")),
        "fabric": _fabric(gpu),
        "processes": processes,
        "nvlink": None,
    }


def parse_xml(text):
    """Parse ``nvidia-smi -q -x`` output into ``{driver_version, cuda_version, timestamp, gpus}``.

    ``gpus`` is in nvidia-smi's order, which is its GPU index (``nvidia-smi -i N``).
    Raises NvidiaSmiParseError on anything that is not an ``nvidia_smi_log`` document.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    # nvidia-smi names an external DTD (nvsmi_device_vN.dtd) that is never fetched; an internal
    # subset could declare entities, which this parser has no business expanding.
    if re.search(r"<!DOCTYPE[^>]*\[", text or ""):
        raise NvidiaSmiParseError("refusing an nvidia-smi document with an internal DTD subset")
    try:
        root = ET.fromstring(text)  # nosec B314 - see above
    except ET.ParseError as exc:
        raise NvidiaSmiParseError("nvidia-smi -q -x output is not XML: %s" % exc) from None
    if root.tag != "nvidia_smi_log":
        raise NvidiaSmiParseError("expected <nvidia_smi_log>, got <%s>" % root.tag)
    gpus = [_gpu(i, g) for i, g in enumerate(root.findall("gpu"))]
    attached = _number(_text(root, "attached_gpus"))
    return {
        "timestamp": _text(root, "timestamp"),
        "driver_version": _text(root, "driver_version"),
        "cuda_version": _text(root, "cuda_version"),
        "attached_gpus": attached if attached is not None else len(gpus),
        "gpus": gpus,
    }


_NVLINK_GPU = re.compile(r"^GPU (\d+): (.*?)(?: \(UUID: ([^)]*)\))?\s*$")
_NVLINK_LINK = re.compile(r"^\s*Link (\d+): (.*?)\s*$")


def parse_nvlink_status(text):
    """Parse ``nvidia-smi nvlink --status``: ``{gpu_index: [{link, active, speed_gbs}]}``.

    GPUs without NVLink print nothing, so they are absent from the result. ``speed_gbs`` is the
    per-link speed in GB/s as printed; an inactive link has ``active: false`` and no speed.
    """
    links = {}
    current = None
    for line in (text or "").splitlines():
        gpu = _NVLINK_GPU.match(line)
        if gpu:
            current = int(gpu.group(1))
            links[current] = []
            continue
        link = _NVLINK_LINK.match(line)
        if link and current is not None:
            state = link.group(2)
            inactive = "inactive" in state.lower() or state.lower() in _MISSING
            speed = None if inactive else _number(state.split(" GB/s")[0] if "GB/s" in state else None,
                                                  integer=False)
            links[current].append({"link": int(link.group(1)), "active": not inactive, "speed_gbs": speed})
    return links


_MIG_GI = re.compile(r"^\|\s*(\d+)\s+MIG\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+):(\d+)\s*\|\s*$")


def parse_mig_gpu_instances(text):
    """Parse ``nvidia-smi mig -lgi``: ``{gpu_index: [profile name, ...]}`` sorted by placement.

    ``No GPU instances found`` (or nothing) gives ``{}``.
    """
    found = {}
    for line in (text or "").splitlines():
        match = _MIG_GI.match(line)
        if match:
            gpu, name, _profile, _gi, start, _size = match.groups()
            found.setdefault(int(gpu), []).append((int(start), name))
    return {gpu: [name for _start, name in sorted(items)] for gpu, items in found.items()}


def summarize(parsed, nvlink=None):
    """The facts a role checks at a glance, from parse_xml (and parse_nvlink_status) results."""
    gpus = parsed["gpus"]
    if nvlink is not None:
        for gpu in gpus:
            links = nvlink.get(gpu["index"])
            gpu["nvlink"] = None if not links else {
                "links": links,
                "active": sum(1 for link in links if link["active"]),
                "inactive": sum(1 for link in links if not link["active"]),
            }
    models = {}
    for gpu in gpus:
        models[gpu["name"]] = models.get(gpu["name"], 0) + 1
    return {
        "available": True,
        "driver_version": parsed["driver_version"],
        "driver_branch": (parsed["driver_version"] or "").split(".", 1)[0] or None,
        "cuda_version": parsed["cuda_version"],
        "timestamp": parsed["timestamp"],
        "count": len(gpus),
        "models": models,
        "memory_total_mib": sum(g["memory"]["total_mib"] or 0 for g in gpus),
        "vbios_versions": sorted(set(g["vbios_version"] for g in gpus if g["vbios_version"])),
        "persistence_mode": bool(gpus) and all(g["persistence_mode"] for g in gpus),
        "mig_enabled": [g["index"] for g in gpus if g["mig"]["current"]],
        "mig_pending_change": [g["index"] for g in gpus
                               if g["mig"]["pending"] is not None and g["mig"]["pending"] != g["mig"]["current"]],
        "fabric_registered": (None if not any(g["fabric"] for g in gpus)
                              else all(g["fabric"] and g["fabric"]["registered"] for g in gpus)),
        # GPUs with NVLink links down: [{gpu, inactive}]; None when NVLink was not queried
        "nvlink_inactive": (None if nvlink is None else
                            [{"gpu": g["index"], "inactive": g["nvlink"]["inactive"]} for g in gpus
                             if g["nvlink"] and g["nvlink"]["inactive"]]),
        "gpus": gpus,
    }
