# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the sizing (#21): any workload file gives a recommendation or an error that
names a field, never a traceback; more demand never recommends fewer GPUs on a server; every
recommended design plans.

Hypothesis profiles follow REFARCH_HYPOTHESIS_PROFILE as the design-space tests do: ``ci`` (the
default, part of `make units`: a modest count, the same examples every run) and ``long`` (more,
new ones each run).
"""

from __future__ import annotations

import copy
import math
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import sizing, sizing_report
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.workloads import SizingError

PROFILE = os.environ.get("REFARCH_HYPOTHESIS_PROFILE", "ci")
EXAMPLES = {"ci": {"fuzz": 150, "monotone": 120, "plans": 25},
            "long": {"fuzz": 3000, "monotone": 2000, "plans": 300}}[PROFILE if PROFILE == "long" else "ci"]


def _settings(kind):
    return settings(max_examples=EXAMPLES[kind], deadline=None, derandomize=PROFILE != "long", database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# Every problem starts with the path of a field of the workload file ("inference[0].sessions: ...",
# "(top level): ..."; an unknown key is named too).
FIELD = re.compile(r"^(\(top level\)|[A-Za-z_][\w-]*(\[\d+\])*(\.[\w.-]+?(\[\d+\])*)*): ")

MODELS = ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "mine"]
SERVERS = ["dgx-h100", "dgx-h200", "dgx-b200", "hgx-h100", "l40s-8", "lab-node"]

# Values a buyer might mistype: wrong types, zero, negatives, huge, NaN, infinity, empty.
junk = st.one_of(st.none(), st.booleans(), st.integers(-10, 0), st.integers(10 ** 12, 10 ** 20),
                 st.just(float("nan")), st.just(float("inf")), st.just(-1.5), st.text(max_size=5),
                 st.lists(st.integers(), max_size=2), st.just({}))


@st.composite
def own_model(draw):
    heads = draw(st.sampled_from([8, 16, 32, 64]))
    return {"parameters_b": draw(st.floats(0.1, 2000)), "layers": draw(st.integers(1, 200)),
            "hidden_size": heads * draw(st.sampled_from([64, 128])), "attention_heads": heads,
            "kv_heads": draw(st.sampled_from([1, 2, 4, 8, heads]))}


@st.composite
def service(draw, i):
    out = {"name": "svc%d" % i, "model": draw(st.sampled_from(MODELS[:3])),
           "context_tokens": draw(st.integers(1, 131072)), "sessions": draw(st.integers(1, 5000)),
           "tokens_per_second": draw(st.floats(0.01, 200000))}
    for key, strategy in (("precision", st.sampled_from(["fp8", "bf16", "fp16"])),
                          ("kv_cache_precision", st.sampled_from(["fp8", "bf16", "fp16"])),
                          ("latency", st.sampled_from(["interactive", "standard", "batch"])),
                          ("night_sessions", st.integers(0, 5000))):
        if draw(st.booleans()):
            out[key] = draw(strategy)
    return out


@st.composite
def job(draw, i):
    out = {"name": "job%d" % i, "model": draw(st.sampled_from(MODELS[:3])), "tokens": draw(st.floats(1e3, 1e13)),
           "deadline_hours": draw(st.floats(0.5, 5000))}
    for key, strategy in (("method", st.sampled_from(["full", "lora"])), ("sequence_tokens", st.integers(1, 131072)),
                          ("precision", st.sampled_from(["bf16", "fp16", "fp8", "tf32"])),
                          ("hours_per_day", st.floats(0.5, 24)), ("lora_rank", st.integers(1, 256))):
        if draw(st.booleans()):
            out[key] = draw(strategy)
    return out


@st.composite
def valid_workloads(draw, small=False):
    """Valid workload files; ``small`` keeps them to a few servers (for planning)."""
    sessions = st.integers(1, 400 if small else 3000)
    data = {"name": "buyer", "inference": [], "training": []}
    for i in range(draw(st.integers(0, 2))):
        svc = draw(service(i))
        svc["model"] = draw(st.sampled_from(MODELS[:2] if small else MODELS[:3]))
        svc["sessions"] = draw(sessions)
        svc["context_tokens"] = draw(st.integers(256, 32768 if small else 131072))
        svc["tokens_per_second"] = svc["sessions"] * draw(st.floats(0.5, 40))
        if "night_sessions" in svc:
            svc["night_sessions"] = draw(st.integers(0, svc["sessions"]))
        if draw(st.booleans()):
            svc["output_tokens"] = draw(st.integers(1, min(1000, svc["context_tokens"])))
            svc["prompt_tokens"] = draw(st.integers(0, svc["context_tokens"] - svc["output_tokens"]))
        data["inference"].append(svc)
    for i in range(draw(st.integers(0 if data["inference"] else 1, 2))):
        j = draw(job(i))
        j["model"] = draw(st.sampled_from(MODELS[:2] if small else MODELS[:3]))
        j["sequence_tokens"] = draw(st.integers(512, 16384))
        j["tokens"] = draw(st.floats(1e6, 3e10 if small else 1e12))
        j["deadline_hours"] = draw(st.floats(24 if small else 1, 2000))
        data["training"].append(j)
    return data


@st.composite
def workload_files(draw):
    """Workload files as a buyer might write them: two in three as the schema allows (some too big
    for any server), one in three with a mistake (a mistyped value, a missing or unknown key)."""
    data = draw(valid_workloads())
    if draw(st.booleans()):
        data["models"] = {"mine": draw(own_model())}
        for item in data["inference"] + data["training"]:
            if draw(st.booleans()):
                item["model"] = "mine"
    if draw(st.booleans()):
        data["servers"] = draw(st.lists(st.sampled_from(SERVERS), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        data["assumptions"] = {
            "gpu_memory_usable": draw(st.floats(0.3, 1)), "training_mfu": draw(st.floats(0.05, 0.7)),
            "inference_mfu": draw(st.floats(0.05, 0.9)), "decode_mbu": draw(st.floats(0.1, 0.95)),
            "max_replica_nodes": draw(st.integers(1, 64))}
    if draw(st.sampled_from([False, False, True])):
        _mistake(data, draw)
    return data


def _mistake(data, draw):
    """One mistake: a value mistyped, a key missing, a key unknown, a list that is not one."""
    places = [data] + data["inference"] + data["training"] + list((data.get("models") or {}).values()) + (
        [data["assumptions"]] if data.get("assumptions") else [])
    place = draw(st.sampled_from(places))
    what = draw(st.sampled_from(["junk", "junk", "drop", "unknown", "servers"]))
    if what == "junk" and place:
        place[draw(st.sampled_from(sorted(place)))] = draw(junk)
    elif what == "drop" and place:
        del place[draw(st.sampled_from(sorted(place)))]
    elif what == "unknown":
        place["gpus"] = draw(st.integers(1, 8))
    else:
        data["servers"] = [draw(st.sampled_from(SERVERS + ["nope", ""]))]


@given(data=workload_files())
@_settings("fuzz")
def test_every_workload_file_gives_a_recommendation_or_names_a_field(data):
    try:
        result = sizing.size_workloads(data, plan=False)
    except SizingError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert FIELD.match(problem), problem
        return
    assert result.candidates
    for c in result.candidates:
        assert c.nodes >= 1 and c.gpus == c.nodes * c.server.gpu_count
        assert c.pool_nodes + c.training_nodes_dedicated == c.nodes
        if c.shared:
            assert c.inference_nodes_day <= c.pool_nodes
            assert c.inference_nodes_night + c.training_nodes_night <= c.pool_nodes
        for s in c.services_day:
            assert s.replicas * s.max_sessions_per_replica >= s.sessions
            assert s.seconds_per_token <= s.seconds_per_token_max * (1 + 1e-6)
            assert s.memory_per_gpu_bytes <= c.gpu.memory_bytes * result.workloads.assumptions.gpu_memory_usable * (
                1 + 1e-6)
        for j in c.jobs:
            assert j.gpus >= max(j.gpus_for_time, j.gpus_for_memory)
            assert j.hours <= j.run_hours * (1 + 1e-6)
        sizing_report.markdown(result)
        sizing_report.json_text(result)


# --- more demand never recommends fewer GPUs -----------------------------------------------------


def _grow(data, draw):
    """The same workloads with more demand: one or more of more sessions (at the same speed each),
    more tokens/s, longer contexts, more sessions at night, more training tokens, a nearer
    deadline, fewer hours a night, full training instead of LoRA, longer sequences, a stricter
    latency class, one more service or job."""
    more = copy.deepcopy(data)
    stricter = {"batch": "standard", "standard": "interactive", "interactive": "interactive"}
    for _step in range(draw(st.integers(1, 3))):
        what = draw(st.sampled_from(["sessions", "speed", "context", "night", "tokens", "deadline", "hours",
                                     "method", "sequence", "latency", "add_service", "add_job"]))
        services, jobs = more["inference"], more["training"]
        if what == "add_service":
            services.append(dict(draw(service(len(services) + 10)), model="llama-3.1-8b",
                                 context_tokens=4096, prompt_tokens=None, output_tokens=None))
            services[-1] = {k: v for k, v in services[-1].items() if v is not None}
        elif what == "add_job":
            jobs.append(dict(draw(job(len(jobs) + 10)), model="llama-3.1-8b", sequence_tokens=4096))
        elif services and what in ("sessions", "speed", "context", "night", "latency"):
            svc = services[draw(st.integers(0, len(services) - 1))]
            factor = draw(st.floats(1, 4))
            if what == "sessions":
                rate = svc["tokens_per_second"] / svc["sessions"]
                svc["sessions"] = min(10 ** 7, math.ceil(svc["sessions"] * factor))
                svc["tokens_per_second"] = rate * svc["sessions"]
                svc["night_sessions"] = svc.get("night_sessions", svc["sessions"])
            elif what == "speed":
                svc["tokens_per_second"] *= factor
            elif what == "context":
                svc["context_tokens"] = min(131072, math.ceil(svc["context_tokens"] * factor))
            elif what == "night":
                svc["night_sessions"] = min(svc["sessions"], svc.get("night_sessions", svc["sessions"]) + 1)
            else:
                svc["latency"] = stricter[svc.get("latency", "standard")]
        elif jobs and what in ("tokens", "deadline", "hours", "method", "sequence"):
            j = jobs[draw(st.integers(0, len(jobs) - 1))]
            factor = draw(st.floats(1, 4))
            if what == "tokens":
                j["tokens"] = min(1e16, j["tokens"] * factor)
            elif what == "deadline":
                j["deadline_hours"] /= factor
            elif what == "hours" and j.get("hours_per_day", 24) < 24:
                j["hours_per_day"] = j["hours_per_day"] / factor
            elif what == "method":
                j["method"] = "full"
            elif what == "sequence":
                j["sequence_tokens"] = min(131072, math.ceil(j.get("sequence_tokens", 8192) * factor))
    return more


def _gpus(data):
    try:
        result = sizing.size_workloads(data, plan=False)
    except SizingError:
        return None
    return {c.server.id: c.gpus for c in result.candidates}


@given(st.data())
@_settings("monotone")
def test_more_demand_never_recommends_fewer_gpus(data):
    base = data.draw(valid_workloads())
    more = _grow(base, data.draw)
    before, after = _gpus(base), _gpus(more)
    if before is None:
        assert after is None, "less demand fitted nowhere, more fits"
        return
    for server, gpus in (after or {}).items():
        assert server in before, "%s fits more demand but not less" % server
        assert gpus >= before[server], (server, before[server], gpus)


# --- every recommended design plans ----------------------------------------------------------------


@given(data=valid_workloads(small=True))
@_settings("plans")
def test_every_recommended_design_plans(tmp_path_factory, data):
    try:
        result = sizing.size_workloads(data)
    except SizingError as exc:
        for problem in exc.problems:
            assert FIELD.match(problem), problem
        return
    assert result.recommended
    dest = tmp_path_factory.mktemp("size")
    sizing_report.write_sizing(result, str(dest))
    for c in result.recommended:
        plan = plan_design(str(dest / c.design_file))
        assert plan.summary["nodes"] == c.nodes and plan.summary["gpus"] == c.gpus
