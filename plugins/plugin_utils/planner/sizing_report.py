# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sizing's files: ``sizing.md`` for the buyer, ``sizing.json`` for tools, a design per server.

Kept apart from the arithmetic (``sizing.py``) so that the numbers are computed once and only
formatted here. Every file is written like the plan's artifacts: atomically, and only when its
content changes, so a second run reports nothing changed. A design file is written for every
candidate the planner planned; design files of an earlier run for servers that no longer fit are
removed (only files named like this writer names them).
"""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.sizing import (
    LATENCY_SECONDS, Candidate, JobSize, ServiceSize, Sizing)

FILES = ("sizing.md", "sizing.json")


# ---------------------------------------------------------------------------------------------
# Numbers as cells


def num(value: float | int | None, digits: int = 2) -> str:
    """A number as a cell: integers with thousands separators, others to ``digits`` decimals
    without trailing zeros (at least 3 significant digits for small ones)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or float(value).is_integer():
        return "{:,}".format(int(value))
    if abs(value) >= 1000:
        return "{:,.0f}".format(value)
    if abs(value) < 1:
        return ("%.3g" % value)
    return ("%.*f" % (digits, value)).rstrip("0").rstrip(".")


def gb(value: float) -> str:
    """Bytes as GB (10^9 bytes), one decimal."""
    return num(round(value / 1e9, 1), 1)


def ms(seconds: float) -> str:
    return num(round(seconds * 1000, 1), 1)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| %s |" % " | ".join(head), "|" + "---|" * len(head)]
    out.extend("| %s |" % " | ".join(_escape(c) for c in row) for row in rows)
    return out


# ---------------------------------------------------------------------------------------------
# Texts shared by the files


def split_text(c: Candidate) -> str:
    """The pool's day/night split in words."""
    parts = []
    if c.shared:
        night_training = c.training_nodes_night
        parts.append("by day %d nodes serve inference%s" % (
            c.inference_nodes_day, "" if c.pool_nodes == c.inference_nodes_day
            else " (%d idle)" % (c.pool_nodes - c.inference_nodes_day)))
        parts.append("at night %d go to training, %d keep serving" % (night_training, c.pool_nodes - night_training))
    elif c.services_day:
        parts.append("%d nodes serve inference" % c.pool_nodes)
    if c.training_nodes_dedicated:
        parts.append("%d train all day" % c.training_nodes_dedicated)
    return "; ".join(parts)


def _cost(c: Candidate) -> str:
    if c.cost_total is None:
        return ""
    return "{:,.0f} {}".format(c.cost_total, c.cost_currency).strip()


def recommendation_rows(sizing: Sizing) -> tuple[list[str], list[list[str]]]:
    """The recommendation table: one row per candidate (planned first, in rank order)."""
    priced = any(c.cost_total is not None for c in sizing.candidates)
    head = ["rank", "server", "nodes", "GPUs", "reference", "workload", "pool by day and night", "power, kW",
            "of which servers, kW", "racks"] + (["cost"] if priced else []) + ["design"]
    rows = []
    for c in sizing.candidates:
        row = [str(c.rank) if c.rank else "-", c.server.id, num(c.nodes), num(c.gpus), c.reference, c.workload,
               split_text(c), num(c.power_kw, 1), num(c.server_power_kw, 1), num(c.racks)]
        if priced:
            row.append(_cost(c))
        row.append("`%s`" % c.design_file if c.planned else c.status)
        rows.append(row)
    return head, rows


def service_rows(c: Candidate) -> tuple[list[str], list[list[str]]]:
    """A row per service, two (by day, at night) where nightly jobs share the pool."""
    head = ["service", "when", "model, precision (KV)", "context", "sessions", "ms per token at most", "replica",
            "sessions per replica (limit)", "replicas", "GPUs", "GB per GPU", "ms per token", "tokens/s per replica"]
    sized = [("day", s) for s in c.services_day]
    if c.shared:
        night = {s.service.name: s for s in c.services_night}
        sized = [x for s in c.services_day for x in (("day", s), ("night", night[s.service.name]))]
    rows = []
    for when, s in sized:
        svc = s.service
        rows.append([
            svc.name, "by day" if when == "day" and c.shared else ("at night" if c.shared else "all day"),
            "%s, %s (%s)" % (svc.model.name, svc.precision, svc.kv_cache_precision), num(svc.context_tokens),
            num(s.sessions), ms(s.seconds_per_token_max), s.span, "%s (%s)" % (num(s.max_sessions_per_replica), s.limit),
            num(s.replicas), num(s.gpus), gb(s.memory_per_gpu_bytes) if s.replicas else "",
            ms(s.seconds_per_token) if s.replicas else "",
            num(round(s.tokens_per_second_per_replica, 1), 1) if s.replicas else ""])
    return head, rows


def big(value: float) -> str:
    """A large count in words a buyer reads: 300 M, 1.4 T (10^6, 10^12); FLOPs as 5.88e23."""
    for factor, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return "%s %s" % (("%.3g" % (value / factor)), unit)
    return "%.3g" % value


def sci(value: float) -> str:
    return ("%.3g" % value).replace("e+", "e")


def job_rows(c: Candidate) -> tuple[list[str], list[list[str]]]:
    head = ["job", "model, method, precision", "tokens", "FLOPs", "GPU-hours", "may run, hours",
            "GPUs for time / memory", "GPUs", "nodes", "runs, hours", "GB per GPU", "when"]
    rows = []
    for j in c.jobs:
        job = j.job
        rows.append([
            job.name, "%s, %s, %s" % (job.model.name, job.method, job.precision), big(job.tokens),
            sci(j.flops), num(round(j.gpu_hours, 1), 1), num(round(j.run_hours, 1), 1),
            "%d / %d" % (j.gpus_for_time, j.gpus_for_memory), num(j.gpus), num(j.nodes), num(round(j.hours, 1), 1),
            gb(j.memory_per_gpu_bytes),
            "at night (%s h a day)" % num(job.hours_per_day) if j.windowed else (
                "all day" if job.hours_per_day >= 24 else "%s h a day" % num(job.hours_per_day))])
    return head, rows


# ---------------------------------------------------------------------------------------------
# sizing.md


def markdown(sizing: Sizing) -> str:
    w = sizing.workloads
    lines = ["# Sizing: %s" % w.name, ""]
    intro = "Workloads `%s`%s: %d inference service%s, %d training job%s." % (
        sizing.shown_as, " (%s)" % w.description if w.description else "", len(w.services),
        "" if len(w.services) == 1 else "s", len(w.jobs), "" if len(w.jobs) == 1 else "s")
    lines.extend([intro, ""])
    lines.extend(["## Recommendation", ""])
    if sizing.rank_by == "cost":
        currency = sizing.recommended[0].cost_currency if sizing.recommended else ""
        lines.append("Ranked by cost (the plan's bill of materials at catalog prices, %s), then power." % currency)
    else:
        lines.append("Ranked by power (every device of the plan, catalog figures): not every candidate has "
                     "catalog prices (one currency) for its bill of materials.")
    lines.append("")
    head, rows = recommendation_rows(sizing)
    lines.extend(_table(head, rows))
    lines.append("")
    if sizing.unfit or sizing.not_sized:
        lines.extend(["Servers left out:", ""])
        for unfit in sizing.unfit:
            lines.append("- %s: %s" % (unfit.server, "; ".join(unfit.problems)))
        for server, why in sizing.not_sized:
            lines.append("- %s: not sized, %s" % (server, why))
        lines.append("")
    for c in sizing.candidates:
        lines.extend(_candidate(c))
    lines.extend(_assumptions(sizing))
    lines.extend(["## Next", "",
                  "- Plan a design: `make plan DESIGN=<this folder>/<design file>`."])
    command = compare_command(sizing)
    if command:
        lines.append("- Put the candidates of the first one's reference side by side (docs/compare.md): `%s`." % command)
    lines.extend(["- docs/sizing.md explains every formula and assumption.", ""])
    return "\n".join(lines)


def compare_command(sizing: Sizing) -> str | None:
    """``make compare`` of the planned candidates whose designs differ from the first one's only in
    their nodes: the first one's design with each one's nodes as a variant."""
    planned = sizing.recommended
    if not planned:
        return None
    top = planned[0]
    same = [c for c in planned
            if {k: v for k, v in c.design.items() if k != "nodes"} == {k: v for k, v in top.design.items() if k != "nodes"}]
    if len(same) < 2:
        return None
    variants = {"nodes": [{"model": c.server.id, "count": c.nodes} for c in same]}
    return "make compare DESIGN=<this folder>/%s VARIANTS='%s'" % (
        top.design_file, json.dumps(variants, separators=(", ", ": ")))


def _candidate(c: Candidate) -> list[str]:
    gpu = c.gpu
    rates = ", ".join("%s %s" % (p.upper(), num(gpu.dense_tflops[p])) for p in ("fp8", "bf16", "tf32")
                      if p in gpu.dense_tflops)
    title = "## %s: %d nodes, %d GPUs%s" % (c.server.id, c.nodes, c.gpus, " (rank %d)" % c.rank if c.rank else "")
    lines = [title, "",
             "%d x %s per server: %s GiB, %s TB/s, dense TFLOPS %s (catalog, gpus section)%s." % (
                 c.gpus_per_node, gpu.model, num(gpu.memory_gib), num(gpu.memory_bandwidth_tbs), rates,
                 "; estimates: " + ", ".join(gpu.estimates) if gpu.estimates else ""),
             "",
             "- Reference `%s`, workload %s. Network: %s." % (c.reference, c.workload, c.network),
             "- Pool: %s." % split_text(c),
             "- Design `%s`: %s." % (c.design_file, "planned: %s racks, %s switches, %s kW (servers %s kW)%s" % (
                 num(c.racks), num(c.switches), num(c.power_kw, 1), num(c.server_power_kw, 1),
                 ", cost %s" % _cost(c) if c.cost_total is not None else "") if c.planned else c.status),
             ""]
    if c.services_day:
        lines.append("Inference:")
        lines.append("")
        head, rows = service_rows(c)
        lines.extend(_table(head, rows))
        lines.append("")
    if c.jobs:
        lines.append("Training:")
        lines.append("")
        head, rows = job_rows(c)
        lines.extend(_table(head, rows))
        lines.append("")
    return lines


def _assumptions(sizing: Sizing) -> list[str]:
    a = sizing.workloads.assumptions
    rows = [
        ["gpu_memory_usable", num(a.gpu_memory_usable), "share of GPU memory for weights, KV cache, states and "
         "activations (vLLM's default gpu_memory_utilization)"],
        ["training_mfu", num(a.training_mfu), "model FLOPs / dense peak in training (Llama 3: 38-43 % BF16 on H100)"],
        ["inference_mfu", num(a.inference_mfu), "compute utilisation of inference (an assumption: measure it)"],
        ["decode_mbu", num(a.decode_mbu), "memory bandwidth utilisation of decode (an assumption: measure it)"],
        ["max_replica_nodes", num(a.max_replica_nodes), "most servers one inference replica may span"],
        ["latency classes", ", ".join("%s %s" % (k, "%s ms" % num(v * 1000) if v else "none")
                                      for k, v in LATENCY_SECONDS.items()),
         "longest time per output token (MLPerf Inference LLM constraints)"],
    ]
    return ["## Assumptions", ""] + _table(["assumption", "value", "what and where from"], rows) + [""]


def section_table(sizing: Sizing, section: str) -> str:
    """One table of sizing.md as text: ``recommendation``, ``inference <server>`` or ``training
    <server>`` (docs/sizing.md pastes these; scripts/size.py --update-doc refreshes them)."""
    kind, _sep, server = section.partition(" ")
    if kind == "recommendation":
        head, rows = recommendation_rows(sizing)
    else:
        found = [c for c in sizing.candidates if c.server.id == server]
        if not found or kind not in ("inference", "training"):
            raise ValueError("no table %r in the sizing of %s" % (section, sizing.workloads.name))
        head, rows = (service_rows if kind == "inference" else job_rows)(found[0])
    return "\n".join(_table(head, rows))


# ---------------------------------------------------------------------------------------------
# sizing.json


def _service_json(s: ServiceSize) -> dict[str, Any]:
    return {"service": s.service.name, "sessions": s.sessions, "gpus_per_replica": s.gpus_per_replica,
            "tensor_parallel": s.tensor_parallel, "pipeline_stages": s.pipeline_stages, "span": s.span,
            "max_sessions_per_replica": s.max_sessions_per_replica, "limit": s.limit, "replicas": s.replicas,
            "sessions_per_replica": s.sessions_per_replica, "gpus": s.gpus,
            "weights_bytes": s.weights_bytes, "kv_bytes_per_session": s.kv_bytes_per_session,
            "flops_per_token": s.flops_per_token, "seconds_per_token_max": _round(s.seconds_per_token_max),
            "seconds_per_token": _round(s.seconds_per_token), "memory_per_gpu_bytes": _round(s.memory_per_gpu_bytes),
            "tokens_per_second_per_replica": _round(s.tokens_per_second_per_replica)}


def _job_json(j: JobSize, gpn: int) -> dict[str, Any]:
    return {"job": j.job.name, "method": j.job.method, "flops": j.flops, "gpu_hours": _round(j.gpu_hours),
            "run_hours": _round(j.run_hours), "gpus_for_time": j.gpus_for_time, "gpus_for_memory": j.gpus_for_memory,
            "gpus": j.gpus, "nodes": j.nodes, "multi_node": j.multi_node(gpn), "hours": _round(j.hours),
            "trainable_parameters": j.trainable_parameters, "state_bytes": j.state_bytes,
            "activation_bytes_per_gpu": j.activation_bytes, "memory_per_gpu_bytes": _round(j.memory_per_gpu_bytes),
            "windowed": j.windowed}


def _round(value: float) -> float:
    return round(value, 6)


def candidate_json(c: Candidate) -> dict[str, Any]:
    return {
        "rank": c.rank, "server": c.server.id, "gpu": c.gpu.model, "gpus_per_node": c.gpus_per_node,
        "nodes": c.nodes, "gpus": c.gpus, "reference": c.reference, "workload": c.workload,
        "non_blocking": c.non_blocking, "network": c.network,
        "pool": {"shared": c.shared, "nodes": c.pool_nodes, "inference_nodes_day": c.inference_nodes_day,
                 "inference_nodes_night": c.inference_nodes_night, "training_nodes_night": c.training_nodes_night,
                 "serving_nodes_night": c.pool_nodes - c.training_nodes_night if c.shared else c.pool_nodes,
                 "training_nodes_dedicated": c.training_nodes_dedicated, "text": split_text(c)},
        "status": c.status, "design_file": c.design_file if c.planned else None, "design": c.design,
        "power_kw": c.power_kw, "server_power_kw": c.server_power_kw, "racks": c.racks, "switches": c.switches,
        "cost": ({"total": c.cost_total, "currency": c.cost_currency, "unpriced_items": c.cost_unpriced}
                 if c.cost_total is not None else None),
        "inference_day": [_service_json(s) for s in c.services_day],
        "inference_night": [_service_json(s) for s in c.services_night] if c.shared else None,
        "training": [_job_json(j, c.gpus_per_node) for j in c.jobs],
    }


def as_dict(sizing: Sizing) -> dict[str, Any]:
    """Everything of the sizing as plain data (sizing.json; the action plugin returns it)."""
    a = sizing.workloads.assumptions
    return {
        "name": sizing.workloads.name, "workloads": sizing.shown_as, "rank_by": sizing.rank_by,
        "assumptions": {"gpu_memory_usable": a.gpu_memory_usable, "training_mfu": a.training_mfu,
                        "inference_mfu": a.inference_mfu, "decode_mbu": a.decode_mbu,
                        "max_replica_nodes": a.max_replica_nodes,
                        "latency_seconds": dict(LATENCY_SECONDS)},
        "candidates": [candidate_json(c) for c in sizing.candidates],
        "unfit": [{"server": u.server, "problems": list(u.problems)} for u in sizing.unfit],
        "not_sized": [{"server": s, "why": why} for s, why in sizing.not_sized],
    }


def json_text(sizing: Sizing, dest: str | None = None) -> str:
    data = as_dict(sizing)
    for entry in data["candidates"]:
        entry["design"] = design_data(entry["design"], dest)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------------------------
# Design files


def design_data(design: dict[str, Any], dest: str | None) -> dict[str, Any]:
    """The design with its catalog files relative to ``dest`` (where the design file lies)."""
    out = dict(design)
    if out.get("catalog") and dest:
        out["catalog"] = [os.path.relpath(f, os.path.abspath(dest)) for f in out["catalog"]]
    return out


def design_yaml(sizing: Sizing, c: Candidate, dest: str | None = None) -> str:
    """A candidate's design file: a comment that says where it comes from, with the pool's
    day/night split (the design schema has no field for it), then the design."""
    names = ", ".join(s.service.name for s in c.services_day) or "none"
    lines = [
        "---",
        "# Design for the workloads %s (%s) on %s, written by `make size` (docs/sizing.md):" % (
            sizing.workloads.name, sizing.shown_as, c.server.id),
        "# %d nodes, %d GPUs. Plan it: make plan DESIGN=<this file>" % (c.nodes, c.gpus),
        "# Inference services: %s. Training jobs: %s." % (names, ", ".join(j.job.name for j in c.jobs) or "none"),
        "# Pool: %s." % split_text(c),
        "# Network: %s." % c.network,
    ]
    if c.shared:
        lines.append("# The day/night split is not a design field yet: give the night's training nodes to the "
                     "scheduler's training partition.")
    body = yaml.safe_dump(design_data(c.design, dest), sort_keys=False, default_flow_style=False, width=100)
    return "\n".join(_wrap(lines)) + "\n" + body


def _wrap(lines: list[str], width: int = 100) -> list[str]:
    """Comment lines wrapped at ``width`` (yamllint's line length is well above)."""
    out = []
    for line in lines:
        while len(line) > width and line.startswith("# "):
            cut = line.rfind(" ", 0, width)
            if cut <= 2:
                break
            out.append(line[:cut])
            line = "#   " + line[cut + 1:]
        out.append(line)
    return out


def write_sizing(sizing: Sizing, dest: str, check_mode: bool = False) -> list[str]:
    """Write sizing.md, sizing.json and a design per planned candidate into ``dest``; remove design
    files this writer wrote earlier for servers no longer recommended. Return the names that changed
    (or would)."""
    dest = os.path.abspath(dest)
    texts = {"sizing.md": markdown(sizing), "sizing.json": json_text(sizing, dest)}
    for c in sizing.recommended:
        texts[c.design_file] = design_yaml(sizing, c, dest)
    current = set(texts)
    stale = [] if not os.path.isdir(dest) else sorted(
        f for f in os.listdir(dest)
        if f not in current and f in {"%s-%s.yml" % (sizing.workloads.name, s) for s in sizing.workloads.catalog.servers})
    if not os.path.isdir(dest):
        if check_mode:
            return list(texts)
        os.makedirs(dest)
    changed = [name for name, text in texts.items()
               if write_if_changed(os.path.join(dest, name), text, check_mode=check_mode)]
    for name in stale:
        if not check_mode:
            os.unlink(os.path.join(dest, name))
        changed.append(name)
    return changed
