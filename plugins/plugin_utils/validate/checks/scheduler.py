# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scheduler against the plan: every GPU node registered with its GPUs, partitions, topology.

Read on the primary controller from slurmctld itself (``scontrol``), so what is checked is what
Slurm schedules with, not the files the role wrote. The pool's two partitions change with the mode
(refarch-pool-mode), so their node lists must equal the lists of one of the plan's modes, and the
report says which; the tenants' partitions and the topology tree never change.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import (
    expand_hostlist, parse_slurm_records)

CHECK = "scheduler"
# Node states (scontrol's State=, a base state and +flags) in which a node takes no new job.
_UNUSABLE = ("DOWN", "FAIL", "NOT_RESPONDING", "DRAIN", "UNKNOWN", "FUTURE", "INVAL")
_GPU_GRES = re.compile(r"gpu(?::([^:(,]+))?:(\d+)")
POOL_PARTITIONS = ("inference", "training")


def check_scheduler(run: Run) -> None:
    """Slurm on the primary controller: nodes and their GPUs, partitions and mode, topology."""
    record = run.plan.get("scheduler")
    if not record:
        return
    controller = record["controllers"][0]
    res = run.ok.get(controller)
    if res is None:
        run.skip(CHECK, "the primary controller was not gathered", controller)
        return
    cmds = res.get("commands") or {}
    texts = {}
    for key in ("slurm_nodes", "slurm_partitions", "slurm_topology", "slurm_accounts"):
        cmd = cmds.get(key) or {}
        if cmd.get("rc") != 0:
            run.findings.add("error", CHECK, controller, "slurmctld does not answer: %s" % (
                (cmd.get("stderr") or cmd.get("stdout") or "not gathered").strip()[:300]),
                expected="slurmctld answering scontrol", observed=cmd.get("rc"),
                fix="systemctl status slurmctld munge on %s; /var/log/slurm/slurmctld.log" % controller,
                keys=[(CHECK, controller)])
            return
        texts[key] = cmd.get("stdout") or ""
    _nodes(run, record, controller, parse_slurm_records(texts["slurm_nodes"]))
    _partitions(run, record, controller, parse_slurm_records(texts["slurm_partitions"]))
    _topology(run, record, controller, parse_slurm_records(texts["slurm_topology"]))
    _accounts(run, record, controller, texts["slurm_accounts"])


def _nodes(run: Run, record: dict, controller: str, seen: list) -> None:
    by_name = {r.get("NodeName"): r for r in seen}
    for node in record["nodes"]:
        name = node["name"]
        run.count("scheduler_nodes")
        got = by_name.get(name)
        if got is None:
            run.findings.add("error", CHECK, name, "not a node of Slurm", expected="registered", observed=None,
                             fix="slurm.conf on %s lacks %s: run the slurm role (playbooks/scheduler.yml)" % (
                                 controller, name))
            continue
        state = got.get("State", "")
        if any(flag in state.split("+") or state.startswith(flag) for flag in _UNUSABLE):
            run.findings.add("error", CHECK, name, "Slurm holds it %s%s" % (
                state, " (%s)" % got["Reason"] if got.get("Reason") else ""), expected="IDLE, MIXED or ALLOCATED",
                observed=state, fix="systemctl status slurmd munge on %s; scontrol update nodename=%s state=resume "
                                    "once fixed" % (name, name))
        count = sum(int(m.group(2)) for m in _GPU_GRES.finditer(got.get("Gres", "")))
        if count != int(node["gpus"]):
            run.findings.add("error", CHECK, name, "Slurm offers %d GPUs (Gres=%s), the plan %d x %s" % (
                count, got.get("Gres") or "(null)", node["gpus"], node["gpu_model"]), expected=node["gpus"],
                observed=count, fix="gres.conf and the GPU device files of %s: slurmd -G on it shows what it finds"
                % name)
        addr = record["addresses"].get(name)
        if addr and got.get("NodeAddr") not in (None, addr):
            run.findings.add("error", CHECK, name, "Slurm reaches it at %s, the plan at %s" % (got.get("NodeAddr"), addr),
                             expected=addr, observed=got.get("NodeAddr"), fix="run the slurm role again")
    planned = {n["name"] for n in record["nodes"]}
    for name in sorted(set(by_name) - planned - {None}):
        run.findings.add("warning", CHECK, name, "a Slurm node the plan does not have", expected=None, observed=name,
                         fix="remove it from slurm.conf on %s (the slurm role writes the plan's nodes only)" % controller)


def _partitions(run: Run, record: dict, controller: str, seen: list) -> None:
    by_name = {r.get("PartitionName"): r for r in seen}
    for part in record["partitions"]:
        name = part["name"]
        run.count("scheduler_partitions")
        got = by_name.get(name)
        if got is None:
            run.findings.add("error", CHECK, controller, "partition %s is missing" % name, expected=name, observed=None,
                             fix="run the slurm role again (slurm.conf)")
            continue
        for key, want in (("PriorityTier", str(part["priority_tier"])), ("PreemptMode", part["preempt_mode"].upper())):
            if got.get(key) != want:
                run.findings.add("error", CHECK, controller, "partition %s has %s=%s, the plan %s" % (
                    name, key, got.get(key), want), expected=want, observed=got.get(key),
                    fix="run the slurm role again (slurm.conf), then scontrol reconfigure")
        if name not in POOL_PARTITIONS and expand_hostlist(got.get("Nodes")) != part["nodes"]:
            run.findings.add("error", CHECK, controller, "partition %s has nodes %s, the plan %s" % (
                name, got.get("Nodes"), ", ".join(part["nodes"])), expected=part["nodes"],
                observed=expand_hostlist(got.get("Nodes")), fix="run the slurm role again (slurm.conf)")
    pool = {name: by_name.get(name) or {} for name in POOL_PARTITIONS}
    now = {"inference": expand_hostlist(pool["inference"].get("Nodes")),
           "training": expand_hostlist(pool["training"].get("Nodes")) if pool["training"].get("State") == "UP" else []}
    for mode in record["modes"]:
        if now["inference"] == mode["inference"] and now["training"] == mode["training"]:
            run.count("scheduler_mode_%s" % mode["name"])
            return
    modes = ", ".join(m["name"] for m in record["modes"])
    inference = pool["inference"].get("Nodes") or "(none)"
    training = pool["training"].get("Nodes") if now["training"] else "(down)"
    run.findings.add("error", CHECK, controller, "the pool's partitions match none of the plan's modes (%s): "
                     "inference %s, training %s" % (modes, inference, training),
                     expected={m["name"]: {"inference": m["inference"], "training": m["training"]}
                               for m in record["modes"]},
                     observed=now, fix="refarch-pool-mode scheduled on %s (or switch MODE)" % controller)


def _topology(run: Run, record: dict, controller: str, seen: list) -> None:
    by_name = {r.get("SwitchName"): r for r in seen}
    for switch in record["topology"]:
        name = switch["name"]
        run.count("scheduler_switches")
        got = by_name.get(name)
        if got is None:
            run.findings.add("error", CHECK, controller, "topology switch %s is missing" % name, expected=name,
                             observed=None, fix="run the slurm role again (topology.conf), then restart slurmctld")
            continue
        want: Any = switch["nodes"] if switch["nodes"] else switch["switches"]
        have = expand_hostlist(got.get("Nodes") if switch["nodes"] else got.get("Switches"))
        if sorted(have) != sorted(want):
            run.findings.add("error", CHECK, controller, "topology switch %s holds %s, the plan %s" % (
                name, ", ".join(have) or "nothing", ", ".join(want)), expected=want, observed=have,
                fix="run the slurm role again (topology.conf), then restart slurmctld")


def _accounts(run: Run, record: dict, controller: str, text: str) -> None:
    """Each tenant's account in the cluster, with its GPU limit (GrpTRES gres/gpu) and fair share."""
    found = {}
    for line in text.splitlines():
        fields = line.split("|")
        if len(fields) >= 5 and fields[0] == record["cluster"] and not fields[2]:
            found[fields[1]] = {"fairshare": fields[3], "grptres": fields[4]}
    for account in record["accounts"]:
        name = account["name"]
        run.count("scheduler_accounts")
        got = found.get(name)
        if got is None:
            run.findings.add("error", CHECK, controller, "the account of tenant %s is missing" % name, expected=name,
                             observed=None, fix="run the slurm role again (sacctmgr)")
            continue
        limits = dict(t.partition("=")[::2] for t in got["grptres"].split(",") if t)
        limit = limits.get("gres/gpu")
        want = None if account["gpu_limit"] is None else str(account["gpu_limit"])
        if limit != want or got["fairshare"] != str(account["fairshare"]):
            run.findings.add("error", CHECK, controller, "account %s has GPU limit %s and fair share %s, the plan %s "
                             "and %s" % (name, limit or "none", got["fairshare"], want or "none", account["fairshare"]),
                             expected={"gpu_limit": want, "fairshare": str(account["fairshare"])},
                             observed={"gpu_limit": limit, "fairshare": got["fairshare"]},
                             fix="run the slurm role again (refarch.ai_cluster.slurm_accounts)")
