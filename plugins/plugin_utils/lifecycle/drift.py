# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift: what each device runs against what the deployed plan's baseline says it should run.

Input is the plan (its ``lifecycle`` record and devices) and what the lifecycle inventory gathered
per device (``observed``: {device: {"versions": {...}, "errors": [...]}}); output is one row per
device, component and item with a status:

* ``ok``: the device reports the target (equal, or the target followed by a package revision or
  a note: ``575.51.03-1``, ``28.43.1014 (MT_0000000838)``);
* ``drift``: it reports something else: what the rolling update or the operator must change;
* ``unknown``: nothing was read (no BMC answered, no such firmware item): never taken for a match,
  never rolled blindly.

Plain Python, no Ansible: the action plugin is a thin adapter, and the unit tests feed it real
module output (tests/unit/fixtures/redfish, nvidia_smi).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import NODE_ROLE

OK = "ok"
DRIFT = "drift"
UNKNOWN = "unknown"
STATUSES = (DRIFT, UNKNOWN, OK)
# What may follow a version in a device's report without making it another version.
_SUFFIX_STARTS = ("-", "+", "~", " ", "(")
# Components the rolling update changes itself (the gpu_host role installs the target driver, and
# the fabric manager of the same version with it; the CUDA version nvidia-smi reports follows the
# driver). Drift elsewhere (firmware) is reported for the vendor's tools.
ROLLED = ("driver_version", "fabric_manager_version")


def matches(expected: str, observed: str | None) -> bool:
    """Whether a device that reports ``observed`` runs ``expected``."""
    if observed is None:
        return False
    expected, observed = str(expected).strip(), str(observed).strip()
    return observed == expected or (observed.startswith(expected) and observed[len(expected)] in _SUFFIX_STARTS)


def drift_rows(plan: dict[str, Any], observed: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per device of a baselined model, per component and item (see the module docstring).

    Devices of a model without a baseline give no row; a device that was not gathered gives one
    ``unknown`` row per component that says why.
    """
    baselines = (plan.get("lifecycle") or {}).get("baselines") or {}
    rows: list[dict[str, Any]] = []
    for name, dev in sorted(plan["devices"].items()):
        base = baselines.get(dev.get("model"))
        if not base:
            continue
        got = observed.get(name) or {}
        versions = got.get("versions") or {}
        why = "; ".join(got.get("errors") or []) or ("not gathered" if not got else "not reported")
        for component, expected in sorted(base["versions"].items()):
            seen = versions.get(component)
            if isinstance(expected, dict) or component == "nic_firmware":
                items = expected if isinstance(expected, dict) else {nic: expected for nic in sorted(seen or {})}
                if not items:
                    rows.append(_row(name, dev, component, None, expected, None, why))
                for item, want in sorted(items.items()):
                    rows.append(_row(name, dev, component, item, want, (seen or {}).get(item), why))
            else:
                rows.append(_row(name, dev, component, None, expected, seen, why))
    return rows


def _row(name: str, dev: dict[str, Any], component: str, item: str | None, expected: Any, seen: Any,
         why: str) -> dict[str, Any]:
    if seen is None or seen == "":
        status = UNKNOWN
    else:
        status = OK if matches(str(expected), str(seen)) else DRIFT
    return {"device": name, "role": dev.get("role"), "model": dev.get("model"), "component": component,
            "item": item, "expected": expected, "observed": seen, "status": status,
            "reason": why if status == UNKNOWN else None}


def drifting_nodes(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """{GPU node: its drift rows} of the nodes that drift in a component the roll changes."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["status"] == DRIFT and row["role"] == NODE_ROLE and row["component"] in ROLLED:
            out.setdefault(row["device"], []).append(row)
    return out


def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows and devices per status (a device counts under its worst row)."""
    worst: dict[str, str] = {}
    for row in rows:
        cur = worst.get(row["device"])
        if cur is None or STATUSES.index(row["status"]) < STATUSES.index(cur):
            worst[row["device"]] = row["status"]
    return {"rows": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES},
            "devices": {s: sum(1 for v in worst.values() if v == s) for s in STATUSES}}
