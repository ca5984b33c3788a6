# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sizing (planner/workloads.py, sizing.py, sizing_report.py): the worked examples of docs/sizing.md
against hand calculations written out here, the errors that name fields, the files, the catalog's
GPU figures and the docs.

The hand calculations use the figures as the sources print them (datasheets, the Llama 3 paper)
and the formulas as docs/sizing.md states them, step by step with the numbers in the open; they
never call the module's own formula functions.
"""

from __future__ import annotations

import json
import math
import os
import re

import pytest

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import compare, sizing, sizing_report
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.workloads import (
    SizingError, load_workloads, workloads_schema)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ENTERPRISE = os.path.join(ROOT, "workloads", "examples", "enterprise-inference.yml")
TRAINING = os.path.join(ROOT, "workloads", "examples", "training-70b.yml")
DOC = os.path.join(ROOT, "docs", "sizing.md")
ENTERPRISE_DOC = "workloads/examples/enterprise-inference.yml"
TRAINING_DOC = "workloads/examples/training-70b.yml"

GIB = 2 ** 30
USABLE = 0.9                      # gpu_memory_usable default (vLLM gpu_memory_utilization)
H100 = {"memory": 80 * GIB, "bandwidth": 3.35e12, "fp8": 3958e12 / 2, "bf16": 1979e12 / 2}   # datasheet / 2
B200 = {"memory": 180 * GIB, "bandwidth": 7.7e12, "fp8": 9000e12 / 2, "bf16": 4500e12 / 2}
MBU, MFU_INFERENCE, MFU_TRAINING = 0.6, 0.4, 0.4
# Llama 3.1 70B and 8B (Llama 3 paper, Table 3; head_dim 128)
L70 = {"n": 70e9, "layers": 80, "hidden": 8192, "heads": 64, "kv_heads": 8, "head_dim": 128}
L8 = {"n": 8e9, "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8, "head_dim": 128}


@pytest.fixture(scope="module")
def enterprise():
    return sizing.size_workloads(ENTERPRISE, shown_as="workloads/examples/enterprise-inference.yml")


@pytest.fixture(scope="module")
def training():
    return sizing.size_workloads(TRAINING, shown_as="workloads/examples/training-70b.yml")


def _candidate(result, server):
    [found] = [c for c in result.candidates if c.server.id == server]
    return found


def _service(sizes, name):
    [found] = [s for s in sizes if s.service.name == name]
    return found


# --- worked example 2: a training pod for a 70B model -------------------------------------------


def test_training_pod_for_70b_on_dgx_h100_by_hand(training):
    c = _candidate(training, "dgx-h100")
    [job] = c.jobs
    flops = 6 * 70e9 * 1.4e12                                   # 6 N D
    assert flops == pytest.approx(5.88e23)
    gpu_hours = flops / (H100["bf16"] * MFU_TRAINING) / 3600    # 989.5 TFLOPS x 0.4
    assert gpu_hours == pytest.approx(412_666.0, rel=1e-6)
    assert job.flops == pytest.approx(flops) and job.gpu_hours == pytest.approx(gpu_hours)
    # 720 hours to run: 573.1 GPUs, 574; more than a server's 8: whole servers, 72 x 8 = 576.
    assert gpu_hours / 720 == pytest.approx(573.15, abs=0.01)
    assert (job.gpus_for_time, job.gpus, job.nodes) == (574, 576, 72)
    # Memory: 16 bytes per parameter of mixed-precision Adam, sharded; per GPU the layer inputs
    # (2 s h bytes x 80 layers) and one layer rebuilt (34 s h bytes), s = 8192, h = 8192.
    states = 16 * 70e9
    activations = (2 * 80 + 34) * 8192 * 8192
    assert activations == 13_019_119_616
    assert job.state_bytes == states and job.activation_bytes == activations
    assert job.gpus_for_memory == math.ceil(states / (80 * GIB * USABLE - activations)) == 18
    assert job.memory_per_gpu_bytes == pytest.approx(states / 576 + activations)
    assert (c.nodes, c.gpus, c.reference, c.workload) == (72, 576, "training-pod", "training")
    assert c.design["nodes"] == {"model": "dgx-h100", "count": 72} and c.design["reference"] == "training-pod"
    assert c.non_blocking and "all-reduces" in c.network


def test_training_pod_for_70b_on_dgx_b200_by_hand(training):
    [job] = _candidate(training, "dgx-b200").jobs
    gpu_hours = 6 * 70e9 * 1.4e12 / (B200["bf16"] * MFU_TRAINING) / 3600   # 2,250 TFLOPS dense BF16
    assert job.gpu_hours == pytest.approx(gpu_hours) == pytest.approx(181_481.48, rel=1e-6)
    assert math.ceil(gpu_hours / 720) == job.gpus_for_time == 253
    assert (job.gpus, job.nodes) == (256, 32)


# --- worked example 1: an inference pool with nightly LoRA --------------------------------------


def _kv_per_session(arch, context, kv_bytes=2):
    return 2 * arch["layers"] * arch["kv_heads"] * arch["head_dim"] * kv_bytes * context


def _sessions(arch, weights, context, t_max, flops, gpus, gpu, precision):
    """Sessions one replica of ``gpus`` GPUs carries: the smallest of memory, compute, bandwidth."""
    tp, pp = min(gpus, 8), max(1, gpus // 8)
    kv = _kv_per_session(arch, context)
    memory = (gpus * gpu["memory"] * USABLE - weights) / kv
    compute = t_max * gpus * gpu[precision] * MFU_INFERENCE / flops
    read = weights / (tp * gpu["bandwidth"] * MBU)
    bandwidth = (t_max - read) * pp * tp * gpu["bandwidth"] * MBU / kv
    return min(memory, compute, bandwidth)


def test_assistant_by_day_on_dgx_h100_by_hand(enterprise):
    s = _service(_candidate(enterprise, "dgx-h100").services_day, "assistant")
    weights = 70e9 * 1                                              # FP8: a byte per parameter
    kv = _kv_per_session(L70, 8192)                                 # 2 x 80 x 8 x 128 x 2 bytes x 8,192
    assert kv == 327_680 * 8192 == 2_684_354_560
    flops = 2 * 70e9 + 2 * 80 * 8192 * (64 * 128)                   # 2N + 2 L C d_attn
    assert flops == 150_737_418_240
    t_max = min(0.040, 2048 / 40960)                                # interactive 40 ms; 20 tokens/s each
    assert t_max == 0.040
    assert (s.weights_bytes, s.kv_bytes_per_session, s.flops_per_token, s.seconds_per_token_max) == (
        weights, kv, flops, t_max)
    # The replica sizes that come closest: 4 GPUs (memory: 89 sessions, 24 replicas, 96 GPUs),
    # 8 (memory: 204, 11 replicas, 88 GPUs), 2 servers of 8 as pipeline stages (bandwidth: 427,
    # 5 replicas, 80 GPUs), 3 servers (bandwidth: 640, 4 replicas, 96 GPUs).
    per = {g: math.floor(_sessions(L70, weights, 8192, t_max, flops, g, H100, "fp8")) for g in (4, 8, 16, 24)}
    assert per == {4: 89, 8: 204, 16: 427, 24: 640}
    gpus = {g: g * math.ceil(2048 / n) for g, n in per.items()}
    assert gpus == {4: 96, 8: 88, 16: 80, 24: 96}
    assert (s.gpus_per_replica, s.pipeline_stages, s.max_sessions_per_replica, s.limit) == (16, 2, 427, "bandwidth")
    assert (s.replicas, s.gpus) == (5, 80)


def test_search_by_day_on_dgx_h100_by_hand(enterprise):
    s = _service(_candidate(enterprise, "dgx-h100").services_day, "search")
    weights = 8e9 * 2                                               # BF16
    flops = 2 * 8e9 + 2 * 32 * 16384 * 4096 + 2 * 8e9 * 6000 / 400   # plus the 6,000-token prompt per 400 tokens
    assert flops == 260_294_967_296
    t_max = min(0.200, 1024 / 30720)                                # 30 tokens/s each: 33.3 ms
    per = {g: math.floor(_sessions(L8, weights, 16384, t_max, flops, g, H100, "bf16")) for g in (1, 2, 4, 8)}
    assert per == {1: 23, 2: 54, 4: 117, 8: 242}
    gpus = {g: g * math.ceil(1024 / n) for g, n in per.items()}
    assert gpus == {1: 45, 2: 38, 4: 36, 8: 40}
    assert (s.gpus_per_replica, s.max_sessions_per_replica, s.replicas, s.gpus) == (4, 117, 9, 36)


def test_nightly_lora_on_dgx_h100_by_hand(enterprise):
    c = _candidate(enterprise, "dgx-h100")
    [job] = c.jobs
    trainable = 80 * 8 * ((8192 + 64 * 128) + (8192 + 8 * 128))     # r (d + k) on q and v, every layer
    assert job.trainable_parameters == trainable == 16_384_000
    flops = 4 * 70e9 * 1e9                                          # frozen weights: no weight gradients
    gpu_hours = flops / (H100["bf16"] * MFU_TRAINING) / 3600
    assert job.gpu_hours == pytest.approx(gpu_hours) == pytest.approx(196.51, abs=0.01)
    assert job.run_hours == 24 * 8 / 24 == 8
    assert job.gpus_for_time == math.ceil(gpu_hours / 8) == 25
    states = 2 * 70e9 + 16 * trainable                              # BF16 frozen weights, Adam on the adapters
    assert job.gpus_for_memory == math.ceil(states / (80 * GIB * USABLE - (2 * 80 + 34) * 8192 * 8192)) == 3
    assert (job.gpus, job.nodes, job.windowed) == (32, 4, True)


def test_the_pool_by_day_and_night_on_dgx_h100_by_hand(enterprise):
    c = _candidate(enterprise, "dgx-h100")
    day = {s.service.name: s.gpus for s in c.services_day}
    night = {s.service.name: s.gpus for s in c.services_night}
    # By day 80 + 36 GPUs: 15 servers. At night 512 and 256 sessions: the assistant on 4-GPU
    # replicas (89 each: 6 replicas, 24 GPUs), the search on 2-GPU replicas (54 each: 5, 10 GPUs),
    # 34 GPUs: 5 servers; the LoRA job takes 4. The pool is the larger: 15 (5 + 4 = 9 at night).
    assert day == {"assistant": 80, "search": 36} and night == {"assistant": 24, "search": 10}
    assert (c.inference_nodes_day, c.inference_nodes_night, c.training_nodes_night) == (15, 5, 4)
    assert (c.pool_nodes, c.nodes, c.training_nodes_dedicated) == (15, 15, 0)
    assert sizing_report.split_text(c) == "by day 15 nodes serve inference; at night 4 go to training, 11 keep serving"
    # The LoRA job spans servers: a non-blocking pool, rail-optimized RoCE (inference-pool at 1:1).
    assert (c.reference, c.workload, c.non_blocking) == ("inference-pool", "mixed", True)
    assert c.design["fabrics"] == {"compute": {"oversubscription": 1}} and c.design["tenants"] == []


def test_every_candidate_of_the_worked_examples_is_ranked_and_its_design_plans(tmp_path, enterprise, training):
    for result in (enterprise, training):
        assert result.recommended, "no candidate planned"
        ranked = result.recommended
        assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
        key = [(c.power_kw, c.gpus, c.server.id) for c in ranked]
        assert key == sorted(key) and result.rank_by == "power"
        dest = tmp_path / result.workloads.name
        sizing_report.write_sizing(result, str(dest))
        for c in ranked:
            plan = plan_design(str(dest / c.design_file))
            assert plan.summary["nodes"] == c.nodes and plan.summary["gpus"] == c.gpus
            assert plan.summary["power_kw"] == c.power_kw


def test_make_compare_puts_the_candidates_side_by_side(tmp_path, enterprise):
    command = sizing_report.compare_command(enterprise)
    top = enterprise.recommended[0]
    assert command.startswith("make compare DESIGN=<this folder>/%s VARIANTS='" % top.design_file)
    variants = json.loads(command.split("VARIANTS='")[1].rstrip("'"))
    sizing_report.write_sizing(enterprise, str(tmp_path))
    result = compare.compare_design(str(tmp_path / top.design_file), variants)
    rows = compare.rows(result)
    assert [r["status"] for r in rows] == ["planned"] * len(enterprise.recommended)
    assert [(r["node_model"], r["nodes"]) for r in rows] == [(c.server.id, c.nodes) for c in enterprise.recommended]


def test_servers_without_gpu_figures_are_named_not_sized(enterprise):
    assert ("lab-node", "no figures for its GPU lab-gpu in the catalog (gpus section)") in enterprise.not_sized


# --- ranking by cost -----------------------------------------------------------------------------


def test_a_catalog_with_prices_ranks_by_cost(tmp_path):
    prices = tmp_path / "prices.yml"
    catalog = load_catalog()
    lines = ["servers:"]
    for server, price in (("dgx-h100", 300000), ("dgx-h200", 900000)):
        raw = dict(catalog.servers[server].raw, price=price, currency="USD")
        lines.append("  %s: %s" % (server, json.dumps(raw)))
    prices.write_text("\n".join(lines) + "\n")
    workloads = tmp_path / "w.yml"
    workloads.write_text("name: priced\nservers: [dgx-h100, dgx-h200]\ncatalog: [prices.yml]\n"
                         "inference:\n  - {name: chat, model: llama-3.1-70b, precision: fp8, context_tokens: 8192,\n"
                         "     sessions: 512, tokens_per_second: 10240, latency: interactive}\n")
    result = sizing.size_workloads(str(workloads))
    assert result.rank_by == "cost"
    costs = [c.cost_total for c in result.recommended]
    assert costs == sorted(costs) and all(c.cost_currency == "USD" for c in result.recommended)
    h100 = _candidate(result, "dgx-h100")
    assert h100.cost_total >= 300000 * h100.nodes
    assert "Ranked by cost" in sizing_report.markdown(result)
    # The design names the price file relative to itself.
    dest = tmp_path / "out"
    sizing_report.write_sizing(result, str(dest))
    assert "catalog:\n- ../prices.yml\n" in (dest / h100.design_file).read_text()
    assert plan_design(str(dest / h100.design_file)).summary["cost"]["total"] == h100.cost_total


# --- errors that name the field ------------------------------------------------------------------

SERVICE = {"name": "chat", "model": "llama-3.1-8b", "context_tokens": 4096, "sessions": 8, "tokens_per_second": 160}
JOB = {"name": "tune", "model": "llama-3.1-8b", "tokens": 1e8, "deadline_hours": 24}


def _bad(**changes):
    data = {"name": "w", "inference": [dict(SERVICE)], "training": [dict(JOB)]}
    data.update(changes)
    return data


@pytest.mark.parametrize("data,expected", [
    ({"inference": [SERVICE]}, "(top level): missing required field 'name'"),
    (_bad(name="Bad Name"), "name: 'Bad Name' does not match"),
    (_bad(inference=[dict(SERVICE, sessions=0)]), "inference[0].sessions: 0 is below the minimum 1"),
    (_bad(inference=[dict(SERVICE, sessions=True)]), "inference[0].sessions: True is not of type integer"),
    (_bad(inference=[dict(SERVICE, tokens_per_second=float("nan"))]), "inference[0].tokens_per_second:"),
    (_bad(inference=[dict(SERVICE, latency="fast")]), "inference[0].latency: 'fast' is not allowed"),
    (_bad(inference=[dict(SERVICE, gpus=8)]), "inference[0]: unknown field 'gpus'"),
    (_bad(training=[dict(JOB, tokens="1.4e12")]), "training[0].tokens: '1.4e12' is not of type number"),
    (_bad(training=[dict(JOB, hours_per_day=25)]), "training[0].hours_per_day: 25 is above the maximum 24"),
    (_bad(inference=[dict(SERVICE, model="gpt-9")]), "inference[0].model: unknown model 'gpt-9'"),
    (_bad(inference=[dict(SERVICE, context_tokens=200000)]),
     "inference[0].context_tokens: 200000 tokens are more than llama-3.1-8b takes"),
    (_bad(inference=[dict(SERVICE, prompt_tokens=100)]), "inference[0].output_tokens: give prompt_tokens and"),
    (_bad(inference=[dict(SERVICE, prompt_tokens=4000, output_tokens=500)]),
     "inference[0].prompt_tokens: prompt_tokens + output_tokens (4500)"),
    (_bad(training=[dict(JOB), dict(JOB)]), "training[1].name: 'tune' is used twice"),
    (_bad(models={"mine": {"parameters_b": 1, "layers": 2, "hidden_size": 64, "attention_heads": 4, "kv_heads": 8}}),
     "models.mine.kv_heads: 8 key/value heads are more than the 4 attention heads"),
    (_bad(models={"mine": {"parameters_b": 1, "layers": 2, "hidden_size": 65, "attention_heads": 4}}),
     "models.mine.head_dim: hidden_size 65 is not a multiple of attention_heads 4"),
    ({"name": "w"}, "inference: a workload file needs at least one inference service or training job"),
    (_bad(servers=["dgx-h900"]), "servers[0]: unknown server 'dgx-h900'"),
    (_bad(servers=["lab-node"]), "servers: no server of the catalog has GPU figures"),
    (_bad(catalog=["nowhere.yml"]), "catalog[0]: file "),
    (_bad(assumptions={"training_mfu": 0}), "assumptions.training_mfu: 0 is"),
    ("- a list\n- of things\n", "(top level): a workload file must be a mapping"),
    ("name: [unclosed\n", "is not valid YAML"),
])
def test_bad_workloads_name_the_field(data, expected):
    with pytest.raises(SizingError) as info:
        sizing.size_workloads(data, plan=False)
    assert any(p.startswith(expected) or expected in p for p in info.value.problems), info.value.problems


def test_a_model_too_large_for_every_server_names_the_model_per_server():
    data = {"name": "w", "models": {"huge": {"parameters_b": 90000, "layers": 200, "hidden_size": 65536,
                                             "attention_heads": 512}},
            "inference": [dict(SERVICE, model="huge")]}
    with pytest.raises(SizingError) as info:
        sizing.size_workloads(data, plan=False)
    problems = info.value.problems
    assert all(p.startswith("inference[0].model: on ") for p in problems), problems
    assert {p.split()[2].rstrip(":") for p in problems} >= {"dgx-h100", "dgx-b200", "l40s-8"}
    assert "do not fit 128 GPUs of H100-SXM5-80GB" in " ".join(problems)


def test_a_latency_class_no_server_meets_names_the_latency():
    # A 1,000 B model in BF16: every token reads 2,000 GB of weights at one server's bandwidth,
    # 54 ms on 8 B200 (8 x 7.7 TB/s x 0.6), more than the interactive class's 40 ms.
    data = {"name": "w", "models": {"big": {"parameters_b": 1000, "layers": 200, "hidden_size": 25600,
                                            "attention_heads": 200, "kv_heads": 8}},
            "inference": [dict(SERVICE, model="big", latency="interactive", sessions=8, tokens_per_second=8)]}
    with pytest.raises(SizingError) as info:
        sizing.size_workloads(data, plan=False)
    assert any(p.startswith("inference[0].latency: on dgx-b200: every token reads the weights (2,000 GB) at one "
                            "server's bandwidth (8 x 7.7 TB/s x decode_mbu 0.6): 54.1 ms") for p in info.value.problems), \
        info.value.problems


def test_a_speed_no_server_gives_names_the_tokens_per_second():
    # One session of 405 B at 100 tokens/s: 10 ms per token; reading 405 GB (FP8) takes 21.9 ms on
    # 8 B200.
    data = {"name": "w", "inference": [dict(SERVICE, model="llama-3.1-405b", precision="fp8", sessions=1,
                                            tokens_per_second=100)]}
    with pytest.raises(SizingError) as info:
        sizing.size_workloads(data, plan=False)
    assert all(p.startswith("inference[0].tokens_per_second: on ") for p in info.value.problems), info.value.problems


def test_activations_larger_than_a_gpu_name_the_sequence_length():
    # 405B at its longest context: its activations outgrow even a 288 GB B300.
    data = {"name": "w", "training": [dict(JOB, model="llama-3.1-405b", sequence_tokens=131072)]}
    with pytest.raises(SizingError) as info:
        sizing.size_workloads(data, plan=False)
    assert all(p.startswith("training[0].sequence_tokens: on ") for p in info.value.problems)


def test_too_many_nodes_names_the_field_behind_them():
    data = {"name": "w", "training": [dict(JOB, model="llama-3.1-405b", tokens=1e16, deadline_hours=1)]}
    with pytest.raises(SizingError) as info:
        sizing.size_workloads(data, plan=False)
    assert all(p.startswith("training[0].deadline_hours: on ") for p in info.value.problems), info.value.problems


# --- defaults, the edge and the files -------------------------------------------------------------


def test_defaults_come_from_the_schema():
    w = load_workloads({"name": "w", "inference": [SERVICE], "training": [JOB]})
    [service], [job] = w.services, w.jobs
    assert (service.precision, service.kv_cache_precision, service.latency, service.night_sessions) == (
        "bf16", "bf16", "standard", 8)
    assert (job.method, job.precision, job.sequence_tokens, job.hours_per_day, job.lora_rank) == (
        "full", "bf16", 8192, 24, 8)
    a = w.assumptions
    assert (a.gpu_memory_usable, a.training_mfu, a.inference_mfu, a.decode_mbu, a.max_replica_nodes) == (
        0.9, 0.4, 0.4, 0.6, 16)


def test_a_small_inference_site_is_an_edge_and_plans():
    result = sizing.size_workloads({"name": "small", "inference": [SERVICE]})
    for c in result.recommended:
        assert (c.reference, c.workload, c.nodes) == ("inference-edge", "inference", 1)
        assert "tenants" not in c.design and "fabrics" not in c.design


def test_inference_alone_beyond_the_edge_is_an_oversubscribed_pool():
    data = {"name": "big", "servers": ["dgx-h100"], "inference": [dict(SERVICE, sessions=20000, tokens_per_second=400000)]}
    [c] = sizing.size_workloads(data).recommended
    assert c.nodes > 8 and (c.reference, c.non_blocking) == ("inference-pool", False)
    assert c.design["tenants"] == [] and "fabrics" not in c.design
    assert "2:1 oversubscribed" in c.network


def test_files_are_written_once_and_stale_designs_removed(tmp_path, enterprise):
    dest = tmp_path / "size"
    names = ["sizing.md", "sizing.json"] + [c.design_file for c in enterprise.recommended]
    assert sizing_report.write_sizing(enterprise, str(dest), check_mode=True) == names
    assert not dest.exists()
    assert sizing_report.write_sizing(enterprise, str(dest)) == names
    assert sizing_report.write_sizing(enterprise, str(dest)) == []
    stale = dest / "ent1-dgx-h100.yml"
    only_one = sizing.size_workloads(ENTERPRISE, shown_as="workloads/examples/enterprise-inference.yml")
    only_one.candidates = [c for c in only_one.candidates if c.server.id != "dgx-h100"]
    assert "ent1-dgx-h100.yml" in sizing_report.write_sizing(only_one, str(dest))
    assert not stale.exists()
    data = json.loads((dest / "sizing.json").read_text())
    assert [c["server"] for c in data["candidates"]] == [c.server.id for c in only_one.candidates]


def test_a_design_file_says_where_it_comes_from_and_the_split(tmp_path, enterprise):
    c = _candidate(enterprise, "dgx-h100")
    text = sizing_report.design_yaml(enterprise, c)
    assert text.startswith("---\n# Design for the workloads ent1")
    assert "# Pool: by day 15 nodes serve inference; at night 4 go to training, 11 keep serving." in text
    assert "nodes:\n  model: dgx-h100\n  count: 15\n" in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_sizing_json_has_the_split_and_the_per_service_figures(enterprise):
    data = json.loads(sizing_report.json_text(enterprise))
    h100 = [c for c in data["candidates"] if c["server"] == "dgx-h100"][0]
    assert h100["pool"] == {"shared": True, "nodes": 15, "inference_nodes_day": 15, "inference_nodes_night": 5,
                            "training_nodes_night": 4, "serving_nodes_night": 11, "training_nodes_dedicated": 0,
                            "text": "by day 15 nodes serve inference; at night 4 go to training, 11 keep serving"}
    assert [s["gpus"] for s in h100["inference_day"]] == [80, 36]
    assert h100["training"][0]["multi_node"] is True


# --- the catalog's GPU figures ---------------------------------------------------------------------


def test_every_real_server_has_gpu_figures_that_agree_with_it():
    catalog = load_catalog()
    for server in catalog.servers.values():
        if server.id == "lab-node":
            continue
        if catalog.system_of_tray(server.id):
            # No cited GB200/GB300 figures yet (issue #17): rack-scale systems are planned, not sized.
            assert server.gpu_model not in catalog.gpus
            continue
        gpu = catalog.gpus[server.gpu_model]
        assert gpu["memory_gib"] == server.gpu_memory_gib, server.id
        assert gpu["source"]


def test_dense_figures_are_half_the_published_sparse_ones():
    """The datasheets print Tensor Core rates with 2:4 sparsity; dense is half (H100 datasheet).
    The L40S datasheet prints its dense figures too, rounded differently (FP16 362.05 | 733*)."""
    for model, gpu in load_catalog().gpus.items():
        for precision, sparse in (gpu.get("sparse_tflops") or {}).items():
            assert gpu["dense_tflops"][precision] == pytest.approx(sparse / 2, rel=0.015), (model, precision)
            assert gpu["dense_tflops"][precision] <= sparse / 2, (model, precision)


# --- the docs ---------------------------------------------------------------------------------------


def _doc():
    with open(DOC, encoding="utf-8") as handle:
        return handle.read()


def test_the_worked_examples_in_the_docs_are_what_the_tool_writes(enterprise, training):
    """docs/sizing.md explains pasted tables: they must be today's output (make size-doc refreshes them)."""
    doc = _doc()
    results = {"workloads/examples/enterprise-inference.yml": enterprise, "workloads/examples/training-70b.yml": training}
    blocks = re.findall(r"<!-- make size: (\S+) ([^>]+?) -->\n(.*?)<!-- end -->", doc, re.S)
    assert {(w, section) for w, section, _t in blocks} >= {
        (ENTERPRISE_DOC, "recommendation"), (ENTERPRISE_DOC, "inference dgx-h100"), (ENTERPRISE_DOC, "training dgx-h100"),
        (TRAINING_DOC, "recommendation"), (TRAINING_DOC, "training dgx-h100")}
    for workloads, section, table in blocks:
        assert table == "\n" + sizing_report.section_table(results[workloads], section) + "\n\n", (
            "%s %s: run make size-doc to refresh docs/sizing.md" % (workloads, section))


def test_every_workloads_field_is_documented():
    schema = workloads_schema()
    doc = _doc()
    for key in schema["properties"]:
        assert "`%s`" % key in doc, key
    for definition, prefix in (("service", "inference[]."), ("job", "training[]."), ("model", "models.<name>."),
                               ("assumptions", "assumptions.")):
        for key in schema["$defs"][definition]["properties"]:
            assert "`%s%s`" % (prefix, key) in doc, prefix + key
