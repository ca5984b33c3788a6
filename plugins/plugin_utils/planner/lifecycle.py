# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle of the plan: what each model should run, and how much a rolling update may take at once.

The design's ``lifecycle`` section names target versions per catalog model (optionally starting
from a known-good set of the catalog, cited to the vendor's release notes) and the roll's limits.
The planner resolves both into ``plan.lifecycle`` so that the inventory's drift report and the
rolling update read the plan that was deployed, never the design. A share is of each domain's
devices, rounded down but never below one device (lifecycle.batches): the last SU of a design may
hold a single node, and it must still be updated.
"""

from __future__ import annotations

import math
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import (
    NODE_ROLE, NODE_VERSION_FIELDS, NVLINK_SWITCH_ROLE, PDU_ROLE, SWITCH_BASELINE_FIELDS, SWITCH_ROLES)
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field

# The roll's limits when the design gives none (design.schema.json lifecycle.roll).
ROLL_DEFAULTS = {"su_share": "25%", "tenant_share": "25%", "rail_share": "50%", "batch_nodes": None}


def share(text: str) -> float:
    """``"25%"`` as 0.25 (the schema allows 1% to 100%)."""
    return int(str(text).rstrip("%")) / 100.0


def allowed(count: int, fraction: float) -> int:
    """Devices of a domain of ``count`` one batch may hold at ``fraction``: rounded down, but at
    least one, or a small domain (the last, partial SU of a design) could never be updated."""
    return max(1, int(math.floor(count * fraction + 1e-9)))


def lifecycle_record(plan: Any) -> dict[str, Any] | None:
    """The plan's lifecycle record (docs/lifecycle.md), or None when the design has no lifecycle section.

    Raises DesignError naming the design field when a baseline names a model the plan does not use,
    a field of the wrong kind of device, an unknown known-good set, or a driver of another branch
    than the design's hosts.driver_branch.
    """
    spec = plan.design.raw.get("lifecycle")
    if not spec:
        return None
    devices = list(plan.devices.values())
    # Models of the devices that run software of their own (not PDUs, not NVLink switch trays,
    # which NVIDIA's own software manages).
    kinds = {d.model: ("node" if d.role == NODE_ROLE else "switch" if d.role in SWITCH_ROLES else "server")
             for d in devices if d.model and d.role not in (PDU_ROLE, NVLINK_SWITCH_ROLE)}
    problems: list[str] = []
    baselines = {}
    for model, entry in sorted((spec.get("baseline") or {}).items()):
        resolved = _baseline(plan.design.catalog, model, entry or {}, kinds, problems)
        if resolved is not None:
            baselines[host_model(plan.design.catalog, model, kinds)] = resolved
    branch = str((plan.design.raw.get("hosts") or {}).get("driver_branch") or "")
    for model, base in sorted(baselines.items()):
        driver = str(base["versions"].get("driver_version") or "")
        if branch and driver and driver.split(".", 1)[0] != branch:
            problems.append(field("lifecycle.baseline.%s.driver_version" % model, "%s is not of branch %s that "
                                  "hosts.driver_branch pins (the gpu_host role and validation hold the nodes to "
                                  "it): change both together" % (driver, branch)))
    roll = dict(ROLL_DEFAULTS, **(spec.get("roll") or {}))
    if problems:
        raise DesignError(problems)
    return {"baselines": baselines, "roll": roll}


def host_model(catalog: Any, model: str, kinds: dict[str, str]) -> str:
    """The model of the hosts a baseline key means: a rack-scale system's hosts are its compute
    trays (a design names the system, the plan's devices the tray)."""
    return model if model in kinds else str(catalog.host_model(model))


def _baseline(catalog: Any, model: str, entry: dict[str, Any], kinds: dict[str, str],
              problems: list[str]) -> dict[str, Any] | None:
    path = "lifecycle.baseline.%s" % model
    model = host_model(catalog, model, kinds)
    kind = kinds.get(model)
    if kind is None:
        problems.append(field(path, "model %s is not used in this design (its devices' models: %s)" % (
            model, ", ".join(sorted(kinds)))))
        return None
    versions: dict[str, Any] = {}
    source = "design"
    name = entry.get("known_good")
    if name:
        known = catalog.baselines.get(name)
        if known is None:
            problems.append(field(path + ".known_good", "no catalog baseline %r (catalog baselines: %s)" % (
                name, ", ".join(sorted(k for k, v in catalog.baselines.items() if v.get("model") == model)) or "none for "
                + model)))
            return None
        if known.get("model") != model:
            problems.append(field(path + ".known_good", "catalog baseline %s is for model %s, not %s" % (
                name, known.get("model"), model)))
            return None
        versions.update({k: v for k, v in known.items() if k not in ("model", "source", "notes")})
        source = "catalog baselines.%s (%s)" % (name, known["source"])
    versions.update({k: v for k, v in entry.items() if k != "known_good"})
    wanted = SWITCH_BASELINE_FIELDS if kind == "switch" else NODE_VERSION_FIELDS
    for key in sorted(versions):
        if key not in wanted:
            problems.append(field("%s.%s" % (path, key), "a %s model has no %s; it takes %s" % (
                kind if kind != "node" else "GPU server", key, ", ".join(wanted))))
    if not versions:
        problems.append(field(path, "no version to compare: give known_good or at least one of %s" % ", ".join(wanted)))
    image = versions.pop("nos_image", None)
    return {"kind": kind, "source": source, "versions": versions, **({"nos_image": image} if image else {})}
