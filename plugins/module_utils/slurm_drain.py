# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain and resume nodes through Slurm for a rolling update (module slurm_drain).

Slurm's own mechanism: ``scontrol update NodeName=... State=DRAIN Reason=...`` stops new jobs from
landing while running ones finish, and ``State=RESUME`` gives the node back (scontrol(1), "update"
of nodes). A node is ours to resume only when its drain reason begins with our marker: a node an
operator drained for a hardware case must stay drained whatever the roll does.

Readers, for the module and the unit tests:

* ``sinfo --noheader --Node --nodes=LIST --format=%N|%T|%E``: one line per node and partition,
  long state (``idle``, ``drained``, ``draining``, ``mixed``, ``allocated``, ``down``, ...) and
  reason (sinfo(1), ``%T``, ``%E``);
* ``squeue --noheader --nodelist=LIST --states=RUNNING,COMPLETING,SUSPENDED --format=%A``: the
  jobs still on the nodes.
"""

from __future__ import annotations

ACTIVE_JOB_STATES = "RUNNING,COMPLETING,SUSPENDED"


def sinfo_argv(nodes: list[str]) -> list[str]:
    return ["sinfo", "--noheader", "--Node", "--nodes=%s" % ",".join(nodes), "--format=%N|%T|%E"]


def squeue_argv(nodes: list[str]) -> list[str]:
    return ["squeue", "--noheader", "--nodelist=%s" % ",".join(nodes), "--states=%s" % ACTIVE_JOB_STATES,
            "--format=%A"]


def update_argv(nodes: list[str], state: str, reason: str | None = None) -> list[str]:
    argv = ["scontrol", "update", "NodeName=%s" % ",".join(nodes), "State=%s" % state]
    if reason:
        argv.append("Reason=%s" % reason)
    return argv


def parse_sinfo(text: str) -> dict[str, dict[str, str]]:
    """{node: {"state": long state, "reason": reason or ""}} (duplicate lines of other partitions merged)."""
    out: dict[str, dict[str, str]] = {}
    for line in (text or "").splitlines():
        parts = line.strip().split("|", 2)
        if len(parts) < 2 or not parts[0]:
            continue
        reason = parts[2].strip() if len(parts) > 2 else ""
        out[parts[0]] = {"state": parts[1].strip().lower(), "reason": "" if reason == "none" else reason}
    return out


def is_drained(state: str) -> bool:
    """Whether a long state says the node takes no new job (drain requested, done or in progress)."""
    return "drain" in state


def classify(states: dict[str, dict[str, str]], nodes: list[str], marker: str) -> dict[str, list[str]]:
    """``nodes`` by what the roll may do with them: ``up`` (taking jobs: to drain), ``ours`` (drained
    or down with a reason beginning with ``marker``: ours to resume), ``foreign`` (drained or down
    for another reason: left alone), ``unknown`` (not a Slurm node)."""
    out: dict[str, list[str]] = {"up": [], "ours": [], "foreign": [], "unknown": []}
    for node in nodes:
        info = states.get(node)
        if info is None:
            out["unknown"].append(node)
        elif is_drained(info["state"]) or info["state"].startswith("down"):
            out["ours" if info["reason"].startswith(marker) else "foreign"].append(node)
        else:
            out["up"].append(node)
    return out
