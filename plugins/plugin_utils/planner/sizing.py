# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From workloads to a design: how many GPUs, which server, which reference architecture.

For every catalog server whose GPU has figures in the catalog (``catalog/gpus.yml``) the sizing
works out, with the formulas below and nothing else:

* **Inference, per service**: the bytes of one replica (weights, and a KV cache per session), the
  time one decode step takes on a replica of *g* GPUs (a roofline: the larger of its compute time
  and its memory-read time, each at a stated utilisation), hence the most sessions one replica
  carries within the service's time per token (its latency class, and the speed each session must
  see), hence the replicas. Of the replica sizes a server allows (1, 2, 4 ... GPUs inside it, then
  whole servers as pipeline stages) the one that needs the fewest GPUs in total is taken.
* **Training, per job**: FLOPs from the standard per-token estimate, GPU-hours at a stated model
  FLOPs utilisation, the GPUs that finish within the hours the job may run before its deadline,
  and at least the GPUs whose memory holds the optimizer states and the activations.
* **The pool**: nodes for the services by day; nodes for the services at night plus the nodes the
  nightly jobs take; jobs that may run all day get nodes of their own. Then the reference
  architecture and the network the traffic needs (inference: oversubscribed RoCE is enough;
  training across servers: non-blocking and rail-optimized), and a design file for it, which is
  planned with the planner like any design: a candidate the planner refuses is not recommended.

Every formula and constant below names its source; the assumptions (utilisations, the usable share
of GPU memory) are the workload file's ``assumptions`` with documented defaults. docs/sizing.md
explains each, with two worked examples checked by tests/unit/planner/test_sizing.py.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field as dc_field
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import ServerModel
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import design_schema
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import Plan, plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.workloads import (
    BYTES_PER_VALUE, Assumptions, GpuFigures, Job, Service, SizingError, Workloads, gpu_figures, load_workloads)

# ---------------------------------------------------------------------------------------------
# Constants, each with its source

# Forward pass FLOPs per token: C_forward = 2N + 2 n_layer n_ctx d_attn (Kaplan et al. 2020,
# "Scaling Laws for Neural Language Models", section 2.1 and Table 1): 2 per parameter (a multiply
# and an add) plus attention over the context.
FORWARD_FLOPS_PER_PARAMETER = 2.0
ATTENTION_FLOPS_PER_CONTEXT_TOKEN = 2.0
# Training FLOPs per token: C = 6N (Kaplan et al. 2020, section 2.1: the backward pass is about
# twice the forward; Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models": C = 6ND).
TRAINING_FLOPS_PER_PARAMETER = 6.0
# LoRA: the same forward (2N) and the backward pass through the activations (2N), but no weight
# gradients for the frozen weights (the other 2N of Kaplan's 6N); the adapters' own FLOPs are
# below 1 % at the ranks used and left out. Derived from the 6N split above, not measured.
LORA_FLOPS_PER_PARAMETER = 4.0
# Mixed-precision Adam: 2 bytes of FP16/BF16 weights, 2 of gradients and 12 of FP32 master
# weights, momentum and variance per parameter = 16 (Rajbhandari et al. 2020, "ZeRO: Memory
# Optimizations Toward Training Trillion Parameter Models", section 3.1, K = 12). Sharded over the
# job's GPUs (ZeRO stage 3 / PyTorch FSDP), so a job's GPUs hold 16N bytes together.
ADAM_BYTES_PER_PARAMETER = 16.0
# KV cache per token: a key and a value vector in every layer (Kwon et al. 2023, "Efficient Memory
# Management for Large Language Model Serving with PagedAttention", section 3: 2 x hidden size x
# layers x bytes); with grouped-query attention the vectors are kv_heads x head_dim wide
# (Ainslie et al. 2023, "GQA").
KV_VECTORS_PER_LAYER = 2.0
# Training activations per GPU (Korthikanti et al. 2022, "Reducing Activation Recomputation in
# Large Transformer Models"): with full activation recomputation only each layer's input is kept,
# 2 s b h bytes per layer (Table 2), and one layer's activations are rebuilt at a time,
# s b h (34 + 5 a s / h) bytes (equation 1), of which FlashAttention (Dao et al. 2022) never stores
# the 5 a s / h attention scores: 34 s b h. Bytes for 16-bit activations; micro-batch b = 1.
LAYER_INPUT_BYTES = 2.0
LAYER_ACTIVATION_BYTES = 34.0
MICRO_BATCH = 1
# LoRA adapters (Hu et al. 2021, "LoRA"): a rank-r pair B (d x r), A (r x k) beside a frozen d x k
# weight, r (d + k) trainable parameters; on the query and value projections of every layer,
# Hugging Face PEFT's default target modules for Llama ("q_proj", "v_proj").
LORA_TARGETS = ("q_proj", "v_proj")
# Longest time per output token of each latency class: MLPerf Inference's LLM constraints
# (mlcommons/inference loadgen/mlperf.conf: llama2-70b-interactive tpot_latency 40 ms,
# llama2-70b Server tpot_latency 200 ms; the Offline scenario has no latency bound).
LATENCY_SECONDS: dict[str, float | None] = {"interactive": 0.040, "standard": 0.200, "batch": None}
# Hours in a day: a job's hours_per_day are its share of each day until the deadline.
HOURS_PER_DAY = 24.0
# Floating point of the formulas is kept from turning 3.0000000001 GPUs into 4 (or 2.9999999999
# sessions into 2): counts are rounded after this relative slack.
SLACK = 1e-9

REFERENCES = ("inference-edge", "inference-pool", "training-pod")


def _ceil(x: float) -> int:
    return int(math.ceil(x - SLACK * max(1.0, abs(x))))


def _floor(x: float) -> int:
    return int(math.floor(x + SLACK * max(1.0, abs(x))))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ServiceSize:
    """One service sized on one server, for ``sessions`` concurrent sessions."""

    service: Service
    sessions: int
    gpus_per_replica: int
    tensor_parallel: int          # GPUs of one server that split every layer
    pipeline_stages: int          # servers that hold a share of the layers each
    max_sessions_per_replica: int
    limit: str                    # what caps a replica: memory, compute, bandwidth or sessions
    replicas: int
    weights_bytes: float
    kv_bytes_per_session: float
    flops_per_token: float
    seconds_per_token_max: float  # the service's bound on the time per output token
    seconds_per_token: float      # at the load each replica carries
    memory_per_gpu_bytes: float   # at that load
    nvswitch: bool

    @property
    def gpus(self) -> int:
        return self.replicas * self.gpus_per_replica

    @property
    def sessions_per_replica(self) -> int:
        return _ceil_div(self.sessions, self.replicas) if self.replicas else 0

    @property
    def tokens_per_second_per_replica(self) -> float:
        return self.sessions_per_replica / self.seconds_per_token if self.seconds_per_token else 0.0

    @property
    def span(self) -> str:
        """Where one replica lives: one GPU, an NVLink domain (one server), or several servers."""
        g = self.gpus_per_replica
        if self.pipeline_stages > 1:
            return "%d servers (%d pipeline stages of %d GPUs) over the compute fabric" % (
                self.pipeline_stages, self.pipeline_stages, self.tensor_parallel)
        if g == 1:
            return "1 GPU"
        return "%d GPUs of one server (%s)" % (g, "NVLink/NVSwitch" if self.nvswitch else "PCIe, no NVLink")


@dataclass(frozen=True)
class JobSize:
    """One training job sized on one server."""

    job: Job
    flops: float
    gpu_hours: float
    run_hours: float              # hours the job may run before its deadline
    gpus_for_time: int
    gpus_for_memory: int
    gpus: int                     # the larger, as a replica shape (1, 2, 4 ... or whole servers)
    nodes: int
    trainable_parameters: float
    state_bytes: float            # weights, gradients and optimizer states, all GPUs together
    activation_bytes: float       # per GPU
    windowed: bool                # runs at night on nodes the services give up

    @property
    def memory_per_gpu_bytes(self) -> float:
        return self.state_bytes / self.gpus + self.activation_bytes

    @property
    def hours(self) -> float:
        """Running hours at ``gpus`` GPUs."""
        return self.gpu_hours / self.gpus

    def multi_node(self, gpus_per_node: int) -> bool:
        return self.gpus > gpus_per_node


@dataclass
class Candidate:
    """One catalog server that fits every service and job: its node counts, reference, design and
    (once planned) the plan's figures."""

    server: ServerModel
    gpu: GpuFigures
    services_day: list[ServiceSize]
    services_night: list[ServiceSize]
    jobs: list[JobSize]
    inference_nodes_day: int
    inference_nodes_night: int
    training_nodes_night: int
    training_nodes_dedicated: int
    pool_nodes: int
    nodes: int
    reference: str
    workload: str
    non_blocking: bool
    network: str
    design: dict[str, Any]
    design_file: str
    status: str = "not planned"
    power_kw: float | None = None
    racks: int | None = None
    switches: int | None = None
    cost_total: float | None = None
    cost_currency: str = ""
    cost_unpriced: int | None = None
    rank: int | None = None

    @property
    def gpus_per_node(self) -> int:
        return self.server.gpu_count

    @property
    def gpus(self) -> int:
        return self.nodes * self.server.gpu_count

    @property
    def server_power_kw(self) -> float:
        return round(self.nodes * self.server.power_kw, 1)

    @property
    def planned(self) -> bool:
        return self.status == "planned"

    @property
    def shared(self) -> bool:
        """Services and nightly jobs share the pool (a day/night split)."""
        return bool(self.services_day) and any(j.windowed for j in self.jobs)


@dataclass(frozen=True)
class Unfit:
    """A server the workloads do not fit, and why (each problem names a workload field)."""

    server: str
    problems: tuple[str, ...]


@dataclass
class Sizing:
    workloads: Workloads
    shown_as: str
    candidates: list[Candidate]            # the planned ones ranked first, then the refused
    unfit: list[Unfit] = dc_field(default_factory=list)
    not_sized: list[tuple[str, str]] = dc_field(default_factory=list)   # (server, why)
    rank_by: str = "power"

    @property
    def recommended(self) -> list[Candidate]:
        return [c for c in self.candidates if c.planned]


# ---------------------------------------------------------------------------------------------
# The formulas


def weights_bytes(service: Service) -> float:
    """N x bytes per value of the service's precision."""
    return service.model.parameters * BYTES_PER_VALUE[service.precision]


def kv_bytes_per_token(service: Service) -> float:
    """2 (key and value) x layers x kv_heads x head_dim x bytes of the KV cache precision."""
    arch = service.model
    return KV_VECTORS_PER_LAYER * arch.layers * arch.kv_dim * BYTES_PER_VALUE[service.kv_cache_precision]


def decode_flops_per_token(service: Service) -> float:
    """Compute behind one generated token: the forward pass over the whole context (2N + 2 L C
    d_attn, Kaplan et al.), plus, when the service gives its request shape, the prompt's forward
    pass shared over the answer's tokens (2N x prompt / output)."""
    arch = service.model
    flops = (FORWARD_FLOPS_PER_PARAMETER * arch.parameters
             + ATTENTION_FLOPS_PER_CONTEXT_TOKEN * arch.layers * service.context_tokens * arch.attention_dim)
    if service.prompt_tokens is not None and service.output_tokens:
        flops += FORWARD_FLOPS_PER_PARAMETER * arch.parameters * service.prompt_tokens / service.output_tokens
    return flops


def seconds_per_token_max(service: Service) -> float:
    """The longest a decode step may take: the latency class's bound, and the speed each session
    must see (sessions / tokens_per_second), whichever is shorter."""
    rate = service.sessions / service.tokens_per_second if service.tokens_per_second else math.inf
    bound = LATENCY_SECONDS[service.latency]
    return rate if bound is None else min(rate, bound)


def step_seconds(sessions: float, flops_per_token: float, weights: float, kv_per_session: float, gpus: int,
                 tensor_parallel: int, pipeline: int, gpu: GpuFigures, precision: str, a: Assumptions) -> float:
    """Time per output token of a replica carrying ``sessions`` sessions (a roofline).

    Compute: every session's token costs ``flops_per_token``, done by all the replica's GPUs at
    ``inference_mfu`` of their dense rate. Memory: every step reads the weights and each session's
    KV cache at ``decode_mbu`` of the memory bandwidth (the MBU of Databricks/MosaicML, "LLM
    Inference Performance Engineering: Best Practices", 2023). Pipeline stages on other servers
    hold other layers: a token passes them one after the other, so the weights are read at one
    server's bandwidth, and the KV caches of the sessions in flight at each stage, 1/stages of them.
    """
    peak = gpu.flops(precision) or 0.0
    compute = sessions * flops_per_token / (gpus * peak * a.inference_mfu)
    memory = (weights + sessions * kv_per_session / pipeline) / (
        tensor_parallel * gpu.bandwidth_bytes_per_s * a.decode_mbu)
    return max(compute, memory)


def replica_sizes(gpus_per_node: int, max_nodes: int) -> list[int]:
    """GPUs one replica may take: the powers of two that divide a server's GPU count and the
    whole server (a chain in which each size divides the next, so replicas of mixed sizes fill
    servers without gaps), then whole servers up to ``max_nodes``."""
    sizes = {gpus_per_node}
    size = 1
    while size < gpus_per_node and gpus_per_node % size == 0:
        sizes.add(size)
        size *= 2
    return sorted(sizes) + [gpus_per_node * k for k in range(2, max_nodes + 1)]


def shape(gpus: int, gpus_per_node: int) -> int:
    """``gpus`` rounded up to a replica size: the next size of the chain inside a server, whole
    servers beyond it."""
    if gpus > gpus_per_node:
        return _ceil_div(gpus, gpus_per_node) * gpus_per_node
    return min(s for s in replica_sizes(gpus_per_node, 1) if s >= gpus)


def size_service(service: Service, sessions: int, gpu: GpuFigures, server: ServerModel,
                 a: Assumptions) -> ServiceSize | list[str]:
    """The replica shape that serves ``sessions`` sessions of ``service`` with the fewest GPUs, or
    the reasons (naming workload fields) no shape does."""
    where = service.where
    peak = gpu.flops(service.precision)
    if peak is None:
        return [field(where + ".precision", "GPU %s has no dense %s figure in the catalog (gpus.%s.dense_tflops)" % (
            gpu.model, service.precision, gpu.model))]
    gpn = server.gpu_count
    weights = weights_bytes(service)
    kv_session = kv_bytes_per_token(service) * service.context_tokens
    flops = decode_flops_per_token(service)
    t_max = seconds_per_token_max(service)
    bandwidth = gpu.bandwidth_bytes_per_s * a.decode_mbu
    best: ServiceSize | None = None
    reason: list[str] = []
    for g in replica_sizes(gpn, a.max_replica_nodes):
        tp, pp = min(g, gpn), max(1, g // gpn)
        usable = g * gpu.memory_bytes * a.gpu_memory_usable
        if weights >= usable:
            reason = [field(where + ".model", "the weights of %s in %s (%s GB) do not fit %d GPUs of %s (%s GiB "
                            "usable of %g GiB each; assumptions.max_replica_nodes allows %d servers per replica)" % (
                                service.model.name, service.precision, _gb(weights), g, gpu.model,
                                _num(gpu.memory_gib * a.gpu_memory_usable), gpu.memory_gib, a.max_replica_nodes))]
            continue
        weight_read = weights / (tp * bandwidth)
        if weight_read >= t_max:
            reason = [_too_slow(service, weights, tp, gpu, a, t_max, weight_read)]
            continue
        bounds = {"memory": (usable - weights) / kv_session,
                  "compute": t_max * g * peak * a.inference_mfu / flops,
                  "bandwidth": (t_max - weight_read) * pp * tp * bandwidth / kv_session,
                  "sessions": float(max(1, sessions))}
        limit = min(bounds, key=lambda k: bounds[k])
        per_replica = _floor(bounds[limit])
        if per_replica < 1:
            reason = [_one_session(service, limit, g, kv_session, usable - weights, t_max)]
            continue
        replicas = _ceil_div(sessions, per_replica)
        load = _ceil_div(sessions, replicas) if replicas else 0
        size = ServiceSize(
            service=service, sessions=sessions, gpus_per_replica=g, tensor_parallel=tp, pipeline_stages=pp,
            max_sessions_per_replica=per_replica, limit=limit, replicas=replicas, weights_bytes=weights,
            kv_bytes_per_session=kv_session, flops_per_token=flops, seconds_per_token_max=t_max,
            seconds_per_token=step_seconds(load, flops, weights, kv_session, g, tp, pp, gpu, service.precision, a),
            memory_per_gpu_bytes=(weights + load * kv_session) / g, nvswitch=server.nvswitch)
        if best is None or size.gpus < best.gpus:
            best = size
        if replicas <= 1:
            break       # a larger replica only adds GPUs
    return best if best is not None else reason


def _too_slow(service: Service, weights: float, tp: int, gpu: GpuFigures, a: Assumptions, t_max: float,
              weight_read: float) -> str:
    bound = LATENCY_SECONDS[service.latency]
    by_class = bound is not None and bound <= service.sessions / service.tokens_per_second
    why = ("the %s latency class allows %s ms per token" % (service.latency, _num(bound * 1000)) if by_class and bound
           else "%s sessions at %s tokens/s in all allow %s ms per token" % (
               service.sessions, _num(service.tokens_per_second), _num(round(t_max * 1000, 1))))
    return field(service.where + (".latency" if by_class else ".tokens_per_second"),
                 "every token reads the weights (%s GB) at one server's bandwidth (%d x %g TB/s x decode_mbu %g): "
                 "%s ms, but %s" % (_gb(weights), tp, gpu.memory_bandwidth_tbs, a.decode_mbu,
                                    _num(round(weight_read * 1000, 1)), why))


def _one_session(service: Service, limit: str, gpus: int, kv_session: float, free: float, t_max: float) -> str:
    if limit == "memory":
        return field(service.where + ".context_tokens", "one session's KV cache (%s GB for %d tokens) does not fit "
                     "beside the weights (%s GB free on %d GPUs)" % (
                         _gb(kv_session), service.context_tokens, _gb(free), gpus))
    return field(service.where + ".tokens_per_second", "one session cannot get a token every %s ms on %d GPUs "
                 "(%s bound)" % (_num(round(t_max * 1000, 1)), gpus, limit))


def lora_parameters(job: Job) -> float:
    """Trainable parameters of LoRA on the query and value projections of every layer:
    r (d + k) per projection (Hu et al. 2021), q: hidden -> attention_dim, v: hidden -> kv_dim."""
    arch = job.model
    return float(arch.layers * job.lora_rank * ((arch.hidden_size + arch.attention_dim)
                                                + (arch.hidden_size + arch.kv_dim)))


def size_job(job: Job, gpu: GpuFigures, server: ServerModel, a: Assumptions, windowed: bool,
             max_gpus: int) -> JobSize | list[str]:
    """The GPUs that finish ``job`` in time and hold its memory, or the reasons (naming workload
    fields) this server cannot."""
    where = job.where
    peak = gpu.flops(job.precision)
    if peak is None:
        return [field(where + ".precision", "GPU %s has no dense %s figure in the catalog (gpus.%s.dense_tflops)" % (
            gpu.model, job.precision, gpu.model))]
    arch = job.model
    n = arch.parameters
    if job.method == "lora":
        trainable = lora_parameters(job)
        flops = LORA_FLOPS_PER_PARAMETER * n * job.tokens
        states = BYTES_PER_VALUE[job.precision] * n + ADAM_BYTES_PER_PARAMETER * trainable
    else:
        trainable = n
        flops = TRAINING_FLOPS_PER_PARAMETER * n * job.tokens
        states = ADAM_BYTES_PER_PARAMETER * n
    # FP32 (tf32) activations take twice the 16-bit bytes of Korthikanti's formula.
    scale = BYTES_PER_VALUE[job.precision] / 2.0 if job.precision == "tf32" else 1.0
    activations = (LAYER_INPUT_BYTES * arch.layers + LAYER_ACTIVATION_BYTES) * job.sequence_tokens * \
        arch.hidden_size * MICRO_BATCH * scale
    usable = gpu.memory_bytes * a.gpu_memory_usable
    if activations >= usable:
        return [field(where + ".sequence_tokens", "the activations of one %d-token sequence (%s GB, kept per GPU with "
                      "full recomputation) do not fit one %s (%s GB usable)" % (
                          job.sequence_tokens, _gb(activations), gpu.model, _gb(usable)))]
    gpu_hours = flops / (peak * a.training_mfu) / 3600.0
    run_hours = job.deadline_hours * job.hours_per_day / HOURS_PER_DAY
    for_time = gpu_hours / run_hours
    for_memory = states / (usable - activations)
    if for_time > max_gpus:
        return [field(where + ".deadline_hours", "%s GPU-hours in %s running hours need %s GPUs, more than %d %s "
                      "servers hold" % (_num(gpu_hours), _num(run_hours), _num(for_time), max_gpus // server.gpu_count,
                                        server.id))]
    if for_memory > max_gpus:
        return [field(where + ".model", "the weights and optimizer states (%s GB) need %s GPUs, more than %d %s "
                      "servers hold" % (_gb(states), _num(for_memory), max_gpus // server.gpu_count, server.id))]
    time_gpus, memory_gpus = max(1, _ceil(for_time)), max(1, _ceil(for_memory))
    gpus = shape(max(time_gpus, memory_gpus), server.gpu_count)
    return JobSize(job=job, flops=flops, gpu_hours=gpu_hours, run_hours=run_hours, gpus_for_time=time_gpus,
                   gpus_for_memory=memory_gpus, gpus=gpus, nodes=_ceil_div(gpus, server.gpu_count),
                   trainable_parameters=trainable, state_bytes=states, activation_bytes=activations,
                   windowed=windowed)


# ---------------------------------------------------------------------------------------------
# A server: the pool, the reference, the design


def max_nodes() -> int:
    """The most nodes a design may have (the design schema's nodes.count maximum)."""
    return int(design_schema()["properties"]["nodes"]["properties"]["count"]["maximum"])


def edge_nodes() -> int:
    """The most servers of the inference-edge reference: its one scalable unit on a leaf pair."""
    raw = datafiles.load_yaml(os.path.join(datafiles.REFERENCES_DIR, "inference-edge.yml")) or {}
    return int(raw["fabrics"]["compute"]["nodes_per_su"])


def size_server(w: Workloads, server: ServerModel, gpu: GpuFigures) -> Candidate | Unfit:
    """Every service and job on ``server``: the pool's nodes, the reference and the design."""
    a = w.assumptions
    gpn = server.gpu_count
    limit_nodes = max_nodes()
    problems: list[str] = []
    shared = bool(w.services) and any(j.hours_per_day < HOURS_PER_DAY for j in w.jobs)
    day: list[ServiceSize] = []
    night: list[ServiceSize] = []
    for service in w.services:
        for sessions, out in ((service.sessions, day), (service.night_sessions, night)):
            if out is night and not shared:
                continue
            sized = size_service(service, sessions, gpu, server, a)
            if isinstance(sized, list):
                problems.extend(p for p in sized if p not in problems)
            else:
                out.append(sized)
    jobs: list[JobSize] = []
    for job in w.jobs:
        sized_job = size_job(job, gpu, server, a, shared and job.hours_per_day < HOURS_PER_DAY, limit_nodes * gpn)
        if isinstance(sized_job, list):
            problems.extend(sized_job)
        else:
            jobs.append(sized_job)
    if problems:
        return Unfit(server.id, tuple(problems))
    if not shared:
        night = day
    i_day = _ceil_div(sum(s.gpus for s in day), gpn)
    i_night = _ceil_div(sum(s.gpus for s in night), gpn)
    t_night = _ceil_div(sum(j.gpus for j in jobs if j.windowed), gpn)
    t_dedicated = _ceil_div(sum(j.gpus for j in jobs if not j.windowed), gpn)
    pool = max(i_day, i_night + t_night) if w.services else 0
    nodes = pool + t_dedicated
    if nodes > limit_nodes:
        return Unfit(server.id, (_too_many(w, day, jobs, nodes, limit_nodes, server),))
    multi_node_training = any(j.multi_node(gpn) for j in jobs)
    reference, non_blocking = _reference(w, nodes, multi_node_training)
    workload = "training" if not w.services else ("mixed" if w.jobs else "inference")
    candidate = Candidate(
        server=server, gpu=gpu, services_day=day, services_night=night, jobs=jobs, inference_nodes_day=i_day,
        inference_nodes_night=i_night, training_nodes_night=t_night, training_nodes_dedicated=t_dedicated,
        pool_nodes=pool, nodes=nodes, reference=reference, workload=workload, non_blocking=non_blocking,
        network=_network(reference, non_blocking, multi_node_training, day, gpn),
        design={}, design_file="%s-%s.yml" % (w.name, server.id))
    candidate.design = design(w, candidate)
    return candidate


def _too_many(w: Workloads, day: list[ServiceSize], jobs: list[JobSize], nodes: int, limit: int,
              server: ServerModel) -> str:
    """Name the workload field behind most of the nodes."""
    gpn = server.gpu_count
    parts = [(s.gpus, s.service.where + ".sessions") for s in day] + [
        (j.gpus, j.job.where + (".tokens" if j.gpus_for_time >= j.gpus_for_memory else ".model")) for j in jobs]
    _gpus, where = max(parts) if parts else (0, "inference")
    return field(where, "%s needs %d %s servers (%d GPUs each), more than a design holds (nodes.count up to %d)" % (
        w.name, nodes, server.id, gpn, limit))


def _reference(w: Workloads, nodes: int, multi_node_training: bool) -> tuple[str, bool]:
    """(reference, non-blocking) for the traffic: services alone on a leaf pair up to the edge's
    size, else the pool (non-blocking when a training job spans servers); training alone, the pod."""
    if not w.services:
        return "training-pod", True
    if not multi_node_training and nodes <= edge_nodes():
        return "inference-edge", False
    return "inference-pool", multi_node_training


def _network(reference: str, non_blocking: bool, multi_node_training: bool, day: list[ServiceSize],
             gpn: int) -> str:
    """Why the compute fabric is what it is, in a sentence."""
    spanning = [s.service.name for s in day if s.pipeline_stages > 1]
    tail = ""
    if spanning:
        tail = "; %s spans servers (pipeline stages): keep each replica's servers on one leaf" % ", ".join(spanning)
    if reference == "training-pod":
        why = ("a job spans servers and all-reduces its gradients every step" if multi_node_training
               else "every job fits one server; the pod's fabric leaves room to grow")
        return "InfiniBand fat tree, non-blocking, rail-optimized (training-pod): %s%s" % (why, tail)
    if non_blocking:
        return ("RoCEv2 leaf/spine, non-blocking (1:1), rail-optimized: a training job spans servers and "
                "all-reduces its gradients every step%s" % tail)
    if reference == "inference-edge":
        return ("one top-of-rack pair, RoCEv2, no spine (inference-edge): inference traffic stays in a "
                "server%s" % tail)
    return ("RoCEv2 leaf/spine, 2:1 oversubscribed (inference-pool): inference traffic (model loading, "
            "users, KV transfers) needs no non-blocking fabric%s" % tail)


def design(w: Workloads, c: Candidate) -> dict[str, Any]:
    """The design file of a candidate (catalog paths absolute; the writer makes them relative)."""
    out: dict[str, Any] = {
        "name": w.name, "reference": c.reference,
        "description": "Sized by make size from the workloads %s (sizing.md)" % w.name,
        "workload": c.workload, "nodes": {"model": c.server.id, "count": c.nodes}}
    if c.reference == "inference-pool":
        out["tenants"] = []         # the reference's example tenants are not this buyer's
        if c.non_blocking:
            out["fabrics"] = {"compute": {"oversubscription": 1}}
    if w.catalog_files:
        out["catalog"] = list(w.catalog_files)
    return out


# ---------------------------------------------------------------------------------------------
# Every server, planned and ranked


def size_workloads(source: Any, base_dir: str | None = None, shown_as: str | None = None,
                   plan: bool = True) -> Sizing:
    """Size a workload file (path, YAML text or mapping) on every catalog server that has GPU
    figures, plan each candidate's design and rank the planned ones: by cost when every one has a
    price in one currency, else by power. Raise SizingError, naming fields, when no server fits."""
    w = load_workloads(source, base_dir)
    shown = shown_as or (source if isinstance(source, str) and "\n" not in source else "<workloads>")
    sizing = Sizing(workloads=w, shown_as=str(shown), candidates=[])
    names = list(w.servers) if w.servers else sorted(w.catalog.servers)
    for server_id in names:
        server = w.catalog.servers[server_id]
        gpu = gpu_figures(w.catalog, server.gpu_model)
        if server.gpu_count < 1:
            sizing.not_sized.append((server_id, "it has no GPUs"))
            continue
        if gpu is None:
            sizing.not_sized.append((server_id, "no figures for its GPU %s in the catalog (gpus section)" % (
                server.gpu_model or "(none)")))
            continue
        sized = size_server(w, server, gpu)
        if isinstance(sized, Unfit):
            sizing.unfit.append(sized)
        else:
            sizing.candidates.append(sized)
    if not sizing.candidates:
        raise SizingError(_nothing_fits(sizing), source=w.path)
    if plan:
        for candidate in sizing.candidates:
            plan_candidate(candidate, w.base_dir)
        if not sizing.recommended:
            raise SizingError(["servers: %s: the planner refused its design: %s" % (c.server.id, c.status)
                               for c in sizing.candidates], source=w.path)
    rank(sizing)
    return sizing


def _nothing_fits(sizing: Sizing) -> list[str]:
    problems: list[str] = []
    for unfit in sizing.unfit:
        for problem in unfit.problems:
            where, _sep, why = problem.partition(": ")
            problems.append("%s: on %s: %s" % (where, unfit.server, why))
    if not problems:
        problems.append(field("servers", "no server of the catalog has GPU figures (gpus section): %s" % "; ".join(
            "%s: %s" % s for s in sizing.not_sized)))
    return problems


def plan_candidate(candidate: Candidate, base_dir: str | None = None) -> Plan | None:
    """Plan the candidate's design; record the plan's figures, or the planner's first problem."""
    try:
        plan = plan_design(candidate.design, base_dir=base_dir)
    except RefarchError as exc:
        candidate.status = "refused: " + (exc.problems[0] if exc.problems else str(exc))
        return None
    summary = plan.summary
    candidate.status = "planned"
    candidate.power_kw = float(summary["power_kw"])
    candidate.racks = int(summary["racks"])
    candidate.switches = int(summary["switches"])
    cost = summary.get("cost")
    if isinstance(cost, dict) and cost.get("total") is not None:
        candidate.cost_total = float(cost["total"])
        candidate.cost_currency = str(cost.get("currency") or "")
        unpriced = cost.get("unpriced")
        candidate.cost_unpriced = len(unpriced) if isinstance(unpriced, (list, tuple)) else None
    return plan


def rank(sizing: Sizing) -> None:
    """Order the candidates: the planned ones by cost (every one priced, one currency) or by the
    plan's power, then GPUs and server id; the refused after them."""
    planned = sizing.recommended
    currencies = {c.cost_currency for c in planned}
    by_cost = bool(planned) and all(c.cost_total is not None for c in planned) and len(currencies) == 1
    sizing.rank_by = "cost" if by_cost else "power"

    def key(c: Candidate) -> tuple[float, float, int, str]:
        primary = c.cost_total if by_cost and c.cost_total is not None else (c.power_kw or 0.0)
        return (primary, c.power_kw or 0.0, c.gpus, c.server.id)

    planned.sort(key=key)
    for i, candidate in enumerate(planned, start=1):
        candidate.rank = i
    sizing.candidates = planned + [c for c in sizing.candidates if not c.planned]


# ---------------------------------------------------------------------------------------------
# Numbers as text


def _gb(value: float) -> str:
    """Bytes as GB (10^9), one decimal."""
    return _num(round(value / 1e9, 1))


def _num(value: float | int) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return "{:,}".format(int(value))
    if abs(value) >= 100:
        return "{:,.0f}".format(value)
    return ("%.2f" % value).rstrip("0").rstrip(".")
