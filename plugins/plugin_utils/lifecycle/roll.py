# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rolling update, planned from the deployed plan and the last lifecycle inventory, and its state.

``roll_plan`` says which GPU nodes (a drifting driver) and switches (a drifting NOS) the roll
takes, in which batches (lifecycle.batches), and what each changes; the roll playbook runs the
node batches, then the switch batches, with Ansible's ``serial`` set to the batch sizes. ``stopped_state`` and ``done_state`` are what the playbook records in
``roll-state.json``, so that a rerun after a stop knows which nodes it left drained.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import NODE_ROLE, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import nos_upgrade
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.batches import batches
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.drift import DRIFT, ROLLED, drift_rows

STOPPED = "stopped"
DONE = "done"


def _change(row: dict[str, Any]) -> str:
    item = "[%s]" % row["item"] if row.get("item") else ""
    return "%s%s %s -> %s" % (row["component"], item, row["observed"], row["expected"])


def node_targets(plan: dict[str, Any], node: str) -> dict[str, Any]:
    """What the gpu_host role is given for ``node``: its model's target driver (version and branch)."""
    model = plan["devices"][node].get("model")
    versions = ((plan["lifecycle"]["baselines"].get(model) or {}).get("versions") or {})
    driver = versions.get("driver_version")
    return {"driver_version": driver, "driver_branch": str(driver).split(".", 1)[0] if driver else None}


def switch_targets(plan: dict[str, Any], switch: str) -> dict[str, Any] | None:
    """What a switch's upgrade is given (its NOS release and image, the platform's steps), or None
    with no way to upgrade it (its platform has none, or the baseline names no image it needs)."""
    dev = plan["devices"][switch]
    base = plan["lifecycle"]["baselines"].get(dev.get("model")) or {}
    steps = nos_upgrade(dev.get("platform") or "", asn=(dev.get("bgp") or {}).get("asn"), image=base.get("nos_image"))
    if steps is None or (steps["package"] is None and not base.get("nos_image")):
        return None
    return {"nos_version": base["versions"].get("nos_version"), "platform": dev.get("platform"), **steps}


def _switch_refusal(plan: dict[str, Any], switch: str) -> str:
    dev = plan["devices"][switch]
    if nos_upgrade(dev.get("platform") or "") is None:
        return "platform %s: its NOS upgrade is not automated; upgrade it by hand, one per redundancy group" % (
            dev.get("platform"))
    return "give lifecycle.baseline.%s.nos_image, the image of the release to install" % dev.get("model")


def roll_plan(plan: dict[str, Any], inventory: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    """The batches of the roll and why each device is in it (see the module docstring).

    GPU node batches come first, then switch batches; ``batches`` holds both in that order, each
    with its ``kind``, so that a stop anywhere is one index.
    """
    if not plan.get("lifecycle"):
        raise ValidateError("the deployed plan has no lifecycle section: add lifecycle.baseline to the design, "
                            "plan again (site.yml's plan play), then run refarch.ai_cluster.lifecycle_inventory")
    if inventory.get("plan") != plan.get("name"):
        raise ValidateError("the lifecycle inventory is of plan %r, not %r: run refarch.ai_cluster.lifecycle_inventory "
                            "against this cluster first" % (inventory.get("plan"), plan.get("name")))
    rows = drift_rows(plan, inventory.get("devices") or {})
    devices = plan["devices"]
    held = [n for n in ((state or {}).get("stopped") or {}).get("devices", []) if n in devices] \
        if (state or {}).get("status") == STOPPED else []
    changes: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}
    for row in rows:
        if row["status"] != DRIFT:
            continue
        role = row["role"]
        if (role == NODE_ROLE and row["component"] in ROLLED) or (role in SWITCH_ROLES and row["component"] == "nos_version"):
            changes.setdefault(row["device"], []).append(_change(row))
        else:
            other.setdefault(row["device"], []).append(_change(row))
    refused = {n: _switch_refusal(plan, n) for n in set(changes) | set(held)
               if devices[n]["role"] in SWITCH_ROLES and switch_targets(plan, n) is None}
    kinds = (("nodes", lambda n: devices[n]["role"] == NODE_ROLE),
             ("switches", lambda n: devices[n]["role"] in SWITCH_ROLES and n not in refused))
    out: list[dict[str, Any]] = []
    for kind, wanted in kinds:
        names = sorted(n for n in changes if wanted(n))
        for group in batches(plan, names, [n for n in held if wanted(n)]):
            out.append({"index": len(out) + 1, "kind": kind, "devices": group,
                        "changes": {n: "; ".join(changes.get(n) or ["left drained by the stopped roll: validate, resume"])
                                    for n in group}})
    roll = plan["lifecycle"]["roll"]
    nodes = [b for b in out if b["kind"] == "nodes"]
    switches = [b for b in out if b["kind"] == "switches"]
    # A node a stopped roll left drained that no longer drifts was updated: validate and resume it.
    targets: dict[str, Any] = {n: dict(node_targets(plan, n), install_driver=n in changes) for b in nodes for n in b["devices"]}
    targets.update({n: switch_targets(plan, n) for b in switches for n in b["devices"]})
    not_rolled = [{"device": n, "reason": "; ".join(c) + ": firmware is flashed with the vendor's tool "
                   "(nvfwupd, Redfish SimpleUpdate), then run the lifecycle inventory again"}
                  for n, c in sorted(other.items())]
    not_rolled += [{"device": n, "reason": "; ".join(changes.get(n) or []) + ": " + why}
                   for n, why in sorted(refused.items())]
    return {
        "plan": plan["name"],
        "limits": {k: roll.get(k) for k in ("su_share", "tenant_share", "rail_share", "batch_nodes")},
        "held": held,
        "batches": out,
        "order": [n for b in nodes for n in b["devices"]],
        "serial": [len(b["devices"]) for b in nodes],
        "switch_order": [n for b in switches for n in b["devices"]],
        "switch_serial": [len(b["devices"]) for b in switches],
        "batch_of": {n: b["index"] for b in out for n in b["devices"]},
        "targets": targets,
        "not_rolled": not_rolled,
    }


def stopped_state(roll: dict[str, Any], index: int, reason: str, report: str, time: str) -> dict[str, Any]:
    """The state of a roll that stopped at batch ``index`` (1-based), its nodes left drained."""
    done = [n for b in roll["batches"][:index - 1] for n in b["devices"]]
    pending = [n for b in roll["batches"][index:] for n in b["devices"]]
    return {"status": STOPPED, "plan": roll["plan"], "time": time, "total": len(roll["batches"]),
            "stopped": {"index": index, "kind": roll["batches"][index - 1]["kind"],
                        "devices": roll["batches"][index - 1]["devices"], "reason": reason, "report": report},
            "done": done, "pending": pending}


def done_state(roll: dict[str, Any], time: str) -> dict[str, Any]:
    """The state of a roll that finished every batch."""
    return {"status": DONE, "plan": roll["plan"], "time": time, "total": len(roll["batches"]),
            "done": [n for b in roll["batches"] for n in b["devices"]], "pending": []}
