# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle's files for people: drift.md and drift.csv, the batch plan, where a roll stopped.

Format only: the rows, batches and state come from drift, batches and the roll action.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.drift import DRIFT, OK, UNKNOWN


def lifecycle_dir(plan_dir: str, dest: str | None = None) -> str:
    """Where the lifecycle files of a plan go: ``dest``, else ``lifecycle`` under the plan's folder."""
    return os.path.abspath(os.path.expanduser(dest)) if dest else os.path.join(plan_dir, "lifecycle")


CSV_FIELDS = ("device", "role", "model", "component", "item", "expected", "observed", "status", "reason")


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|")


def drift_csv(rows: list[dict[str, Any]]) -> str:
    """Every row, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k) for k in CSV_FIELDS})
    return out.getvalue()


def drift_markdown(plan_name: str, rows: list[dict[str, Any]], tally: dict[str, Any], generated: str) -> str:
    """The drift report: what differs, what could not be read; matching rows only counted."""
    lines = ["# Drift of %s from its baseline" % plan_name, "",
             "Gathered %s. Devices: %d drift, %d unknown, %d at the baseline (rows: %d drift, %d unknown, %d ok)."
             % (generated, tally["devices"][DRIFT], tally["devices"][UNKNOWN], tally["devices"][OK],
                tally["rows"][DRIFT], tally["rows"][UNKNOWN], tally["rows"][OK]), ""]
    for status, title in ((DRIFT, "Drift"), (UNKNOWN, "Not read")):
        chosen = [r for r in rows if r["status"] == status]
        lines += ["## %s" % title, ""]
        if not chosen:
            lines += ["None.", ""]
            continue
        lines += ["| device | model | component | expected | observed%s |" % (" | why" if status == UNKNOWN else ""),
                  "|---|---|---|---|---%s|" % ("|---" if status == UNKNOWN else "")]
        for r in chosen:
            comp = r["component"] + ("[%s]" % r["item"] if r["item"] else "")
            cells = [r["device"], r["model"], comp, r["expected"], r["observed"]]
            if status == UNKNOWN:
                cells.append(r["reason"])
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plan_lines(roll: dict[str, Any]) -> list[str]:
    """The batch plan as printed before anything is touched."""
    nodes = [b for b in roll["batches"] if b["kind"] == "nodes"]
    switches = [b for b in roll["batches"] if b["kind"] == "switches"]
    lines = ["Rolling update of %s: %d GPU node(s) in %d batch(es), %d switch(es) in %d batch(es); limits: %s of an "
             "SU, %s of a tenant, %s nodes per batch, switches one per redundancy group and %s of a rail's leaves" % (
                 roll["plan"], sum(len(b["devices"]) for b in nodes), len(nodes),
                 sum(len(b["devices"]) for b in switches), len(switches), roll["limits"]["su_share"],
                 roll["limits"]["tenant_share"], roll["limits"]["batch_nodes"] or "no cap on",
                 roll["limits"]["rail_share"])]
    for batch in roll["batches"]:
        lines.append("batch %d%s: %s" % (batch["index"], " (switches)" if batch["kind"] == "switches" else "", ", ".join(
            "%s (%s)" % (n, batch["changes"][n]) for n in batch["devices"])))
    if roll["held"]:
        lines.append("left drained by the roll that stopped before, done first: %s" % ", ".join(roll["held"]))
    for item in roll["not_rolled"]:
        lines.append("not rolled: %s: %s" % (item["device"], item["reason"]))
    if not roll["batches"]:
        lines.append("nothing to roll: no GPU node drifts in its driver, no switch in its NOS")
    return lines


def stop_markdown(state: dict[str, Any]) -> str:
    """Where a roll stopped and how to go on."""
    batch = state["stopped"]
    lines = ["# Rolling update of %s stopped at batch %d of %d" % (state["plan"], batch["index"], state["total"]), "",
             "Stopped %s. Batch %d failed: %s." % (state["time"], batch["index"], batch["reason"]), "",
             "Left %s: %s." % ("drained in the scheduler (no job lands there)" if batch.get("kind") != "switches"
                               else "out of traffic", ", ".join(batch["devices"])), ""]
    if state.get("done"):
        lines += ["Done before it: %s." % ", ".join(state["done"]), ""]
    if state.get("pending"):
        lines += ["Not touched: %s." % ", ".join(state["pending"]), ""]
    lines += ["## To resume", "",
              "1. Find and fix the cause on the drained nodes: the batch's validation report is %s." % batch["report"],
              "2. Run the same playbook again: it takes the drained nodes first, validates them, resumes them, and "
              "goes on with the batches left.", "",
              "    ansible-playbook -i INVENTORY refarch.ai_cluster.lifecycle_roll", "",
              ("To give the nodes back without the update instead: scontrol update NodeName=%s State=RESUME"
               % ",".join(batch["devices"])) if batch.get("kind") != "switches" else
              "To put the switches back in traffic without the update instead: run the platform's undrain "
              "(docs/lifecycle.md) on each.", ""]
    return "\n".join(lines)
