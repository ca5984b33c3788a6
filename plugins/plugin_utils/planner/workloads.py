# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The workload file: what a buyer wants to run, loaded, validated and typed for the sizing.

A buyer who does not know which reference architecture to choose still knows the models to serve
(size, precision, context, concurrent sessions, tokens per second, latency class) and the models to
train or fine-tune (size, method, tokens, deadline, hours a day). This module reads that file the
way ``design.py`` reads a design: ``schemas/workloads.schema.json`` first (every problem at once,
each naming its field), then what needs more than the schema (a model that exists, a context the
model takes, servers the catalog knows). Model architectures come from the file's own ``models``
section or from the built-in ``workloads/models.yml``; GPU figures come from the catalog's ``gpus``
section (``catalog/gpus.yml``). Nothing here sizes anything: that is ``sizing.py``.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from typing import Any, Mapping

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, RefarchError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import Catalog, load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.schema import validate_against

WORKLOADS_DIR = os.path.join(datafiles.COLLECTION_ROOT, "workloads")
MODELS_FILE = os.path.join(WORKLOADS_DIR, "models.yml")
SCHEMA_FILE = os.path.join(datafiles.SCHEMAS_DIR, "workloads.schema.json")

# Bytes of one number in each precision: FP8 is one byte, BF16 and FP16 two, TF32 is stored as
# FP32 (four bytes; TF32 is a Tensor Core input format, NVIDIA A100 whitepaper).
BYTES_PER_VALUE = {"fp8": 1, "bf16": 2, "fp16": 2, "tf32": 4}


class SizingError(RefarchError):
    """A workload file (or a sizing request) that cannot be sized; every problem names its field."""

    def render(self) -> str:
        head = "invalid workloads" + (" %s" % self.source if self.source else "")
        if len(self.problems) == 1:
            return "%s: %s" % (head, self.problems[0])
        return "%s (%d problems):\n%s" % (head, len(self.problems), "\n".join("  - " + p for p in self.problems))


@dataclass(frozen=True)
class Architecture:
    """A dense decoder-only transformer, as far as memory and FLOPs need it."""

    name: str
    parameters_b: float
    layers: int
    hidden_size: int
    attention_heads: int
    kv_heads: int
    head_dim: int
    max_context_tokens: int | None
    source: str
    builtin: bool

    @property
    def parameters(self) -> float:
        """N, the parameter count."""
        return self.parameters_b * 1e9

    @property
    def attention_dim(self) -> int:
        """d_attn of Kaplan et al. (2020): query heads x head dimension."""
        return self.attention_heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        """Width of the key (and of the value) projection: KV heads x head dimension."""
        return self.kv_heads * self.head_dim


@dataclass(frozen=True)
class Service:
    """One inference service of the workload file, every default filled in."""

    index: int
    name: str
    model: Architecture
    precision: str
    kv_cache_precision: str
    context_tokens: int
    sessions: int
    night_sessions: int
    tokens_per_second: float
    latency: str
    prompt_tokens: int | None
    output_tokens: int | None

    @property
    def where(self) -> str:
        return "inference[%d]" % self.index


@dataclass(frozen=True)
class Job:
    """One training or fine-tuning job of the workload file, every default filled in."""

    index: int
    name: str
    model: Architecture
    method: str
    tokens: float
    sequence_tokens: int
    precision: str
    deadline_hours: float
    hours_per_day: float
    lora_rank: int

    @property
    def where(self) -> str:
        return "training[%d]" % self.index


@dataclass(frozen=True)
class Assumptions:
    """The stated, overridable assumptions (defaults and their sources: the workload schema and
    docs/sizing.md)."""

    gpu_memory_usable: float
    training_mfu: float
    inference_mfu: float
    decode_mbu: float
    max_replica_nodes: int


@dataclass(frozen=True)
class GpuFigures:
    """One GPU model of the catalog's ``gpus`` section."""

    model: str
    memory_gib: float
    memory_bandwidth_tbs: float
    dense_tflops: dict[str, float]
    source: str
    notes: str = ""
    estimates: tuple[str, ...] = ()

    @property
    def memory_bytes(self) -> float:
        return self.memory_gib * 2.0 ** 30

    @property
    def bandwidth_bytes_per_s(self) -> float:
        return self.memory_bandwidth_tbs * 1e12

    def flops(self, precision: str) -> float | None:
        """Dense FLOP/s at ``precision``, or None when the catalog gives no figure for it."""
        tflops = self.dense_tflops.get(precision)
        return None if tflops is None else float(tflops) * 1e12


@dataclass(frozen=True)
class Workloads:
    name: str
    description: str
    services: tuple[Service, ...]
    jobs: tuple[Job, ...]
    servers: tuple[str, ...] | None
    catalog_files: tuple[str, ...]          # absolute paths
    assumptions: Assumptions
    catalog: Catalog
    path: str | None
    base_dir: str
    raw: dict[str, Any]


_SCHEMA: dict[str, Any] | None = None


def workloads_schema() -> dict[str, Any]:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = datafiles.load_json(SCHEMA_FILE)
    return _SCHEMA


def _default(definition: str, key: str) -> Any:
    """The schema's default of ``key`` in ``$defs.<definition>`` (the one place defaults are written)."""
    return copy.deepcopy(workloads_schema()["$defs"][definition]["properties"][key]["default"])


def gpu_figures(catalog: Catalog, model: str) -> GpuFigures | None:
    """The catalog's figures of GPU ``model``, or None when its ``gpus`` section has none."""
    raw = catalog.gpus.get(model)
    if raw is None:
        return None
    return GpuFigures(
        model=model, memory_gib=float(raw["memory_gib"]), memory_bandwidth_tbs=float(raw["memory_bandwidth_tbs"]),
        dense_tflops={str(k): float(v) for k, v in raw["dense_tflops"].items()}, source=str(raw.get("source", "")),
        notes=str(raw.get("notes", "")), estimates=tuple(str(e) for e in raw.get("estimates") or ()))


def builtin_models() -> dict[str, dict[str, Any]]:
    """``workloads/models.yml`` checked against the schema's model entry."""
    data = datafiles.load_yaml(MODELS_FILE) or {}
    schema = workloads_schema()
    check = {"$defs": schema["$defs"], "type": "object", "additionalProperties": False,
             "properties": {"models": schema["properties"]["models"]}}
    problems = validate_against(check, data)
    if problems:
        raise SizingError(["%s: %s" % (os.path.basename(MODELS_FILE), p) for p in problems])
    return dict(data.get("models") or {})


def _architecture(name: str, raw: Mapping[str, Any], where: str, builtin: bool,
                  problems: list[str]) -> Architecture | None:
    heads = int(raw["attention_heads"])
    kv_heads = int(raw.get("kv_heads", heads))
    if kv_heads > heads:
        problems.append(field(where + ".kv_heads", "%d key/value heads are more than the %d attention heads; "
                              "allowed: 1 to %d" % (kv_heads, heads, heads)))
        return None
    head_dim = raw.get("head_dim")
    if head_dim is None:
        if int(raw["hidden_size"]) % heads:
            problems.append(field(where + ".head_dim", "hidden_size %d is not a multiple of attention_heads %d; "
                                  "give head_dim" % (int(raw["hidden_size"]), heads)))
            return None
        head_dim = int(raw["hidden_size"]) // heads
    return Architecture(
        name=name, parameters_b=float(raw["parameters_b"]), layers=int(raw["layers"]),
        hidden_size=int(raw["hidden_size"]), attention_heads=heads, kv_heads=kv_heads, head_dim=int(head_dim),
        max_context_tokens=int(raw["max_context_tokens"]) if raw.get("max_context_tokens") is not None else None,
        source=str(raw.get("source", "")), builtin=builtin)


def _read(source: Any, base_dir: str | None) -> tuple[Any, str | None, str | None]:
    """(data, path, base_dir) of a path, YAML text or mapping."""
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source)), None, base_dir
    if not isinstance(source, str):
        raise SizingError("(top level): a workload file must be a mapping of keys, not %s" % type(source).__name__)
    if "\n" not in source and os.path.exists(source):
        path = os.path.abspath(source)
        return _load(lambda: datafiles.load_yaml(path)), path, base_dir or os.path.dirname(path)
    if "\n" in source:
        return _load(lambda: datafiles.load_yaml_text(source, "<workloads>")), None, base_dir
    raise SizingError("workload file %s does not exist" % source)


def _load(read: Any) -> Any:
    try:
        return read()
    except DesignError as exc:   # datafiles reports unreadable YAML as a DesignError
        raise SizingError(exc.problems) from None


def load_workloads(source: Any, base_dir: str | None = None) -> Workloads:
    """Load and validate a workload file (path, YAML text or mapping); raise SizingError with
    every problem, each naming its field."""
    data, path, base_dir = _read(source, base_dir)
    if not isinstance(data, dict):
        raise SizingError("(top level): a workload file must be a mapping of keys, not %s" % type(data).__name__,
                          source=path)
    problems = validate_against(workloads_schema(), data)
    if problems:
        raise SizingError(problems, source=path)
    base_dir = base_dir or os.getcwd()
    files = tuple(os.path.abspath(os.path.join(base_dir, f)) for f in data.get("catalog") or [])
    missing = [field("catalog[%d]" % i, "file %s does not exist" % f) for i, f in enumerate(files)
               if not os.path.exists(f)]
    if missing:
        raise SizingError(missing, source=path)
    try:
        catalog = load_catalog(files)
    except DesignError as exc:
        raise SizingError([field("catalog", p) for p in exc.problems], source=path) from None
    models: dict[str, Architecture] = {}
    for name, raw in builtin_models().items():
        arch = _architecture(name, raw, "workloads/models.yml: models.%s" % name, True, problems)
        if arch is not None:
            models[name] = arch
    for name, raw in (data.get("models") or {}).items():
        arch = _architecture(name, raw, "models.%s" % name, False, problems)
        if arch is not None:
            models[name] = arch
    services = _services(data, models, problems)
    jobs = _jobs(data, models, problems)
    if not (data.get("inference") or data.get("training")):
        problems.append(field("inference", "a workload file needs at least one inference service or training job "
                              "(inference: [...] or training: [...])"))
    servers = data.get("servers")
    for i, server in enumerate(servers or []):
        if server not in catalog.servers:
            problems.append(field("servers[%d]" % i, "unknown server %r; known: %s" % (
                server, ", ".join(sorted(catalog.servers)))))
    if problems:
        raise SizingError(problems, source=path)
    raw_assumptions = data.get("assumptions") or {}
    assumptions = Assumptions(**{key: raw_assumptions.get(key, _default("assumptions", key))
                                 for key in workloads_schema()["$defs"]["assumptions"]["properties"]})
    return Workloads(
        name=str(data["name"]), description=str(data.get("description", "")), services=tuple(services),
        jobs=tuple(jobs), servers=tuple(servers) if servers else None, catalog_files=files,
        assumptions=assumptions, catalog=catalog, path=path, base_dir=base_dir, raw=data)


def _model(where: str, name: str, models: Mapping[str, Architecture], problems: list[str]) -> Architecture | None:
    arch = models.get(name)
    if arch is None:
        problems.append(field(where + ".model", "unknown model %r; known: %s (or describe it under models)" % (
            name, ", ".join(sorted(models)))))
    return arch


def _unique(kind: str, items: list[Any], problems: list[str]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item["name"] in seen:
            problems.append(field("%s[%d].name" % (kind, i), "%r is used twice; give every %s its own name" % (
                item["name"], "service" if kind == "inference" else "job")))
        seen.add(item["name"])


def _services(data: Mapping[str, Any], models: Mapping[str, Architecture], problems: list[str]) -> list[Service]:
    raw_list = list(data.get("inference") or [])
    _unique("inference", raw_list, problems)
    out = []
    for i, raw in enumerate(raw_list):
        where = "inference[%d]" % i
        arch = _model(where, raw["model"], models, problems)
        if arch is None:
            continue
        context = int(raw["context_tokens"])
        if arch.max_context_tokens is not None and context > arch.max_context_tokens:
            problems.append(field(where + ".context_tokens", "%d tokens are more than %s takes; allowed: up to %d" % (
                context, arch.name, arch.max_context_tokens)))
            continue
        prompt, output = raw.get("prompt_tokens"), raw.get("output_tokens")
        if (prompt is None) != (output is None):
            missing = "output_tokens" if output is None else "prompt_tokens"
            problems.append(field(where + "." + missing, "give prompt_tokens and output_tokens together (the "
                                  "prompt's compute is spread over the answer's tokens)"))
            continue
        if prompt is not None and output is not None and int(prompt) + int(output) > context:
            problems.append(field(where + ".prompt_tokens", "prompt_tokens + output_tokens (%d) is more than "
                                  "context_tokens (%d); raise context_tokens" % (int(prompt) + int(output), context)))
            continue
        sessions = int(raw["sessions"])
        out.append(Service(
            index=i, name=str(raw["name"]), model=arch, precision=str(raw.get("precision", _default("service", "precision"))),
            kv_cache_precision=str(raw.get("kv_cache_precision", _default("service", "kv_cache_precision"))),
            context_tokens=context, sessions=sessions, night_sessions=int(raw.get("night_sessions", sessions)),
            tokens_per_second=float(raw["tokens_per_second"]), latency=str(raw.get("latency", _default("service", "latency"))),
            prompt_tokens=int(prompt) if prompt is not None else None,
            output_tokens=int(output) if output is not None else None))
    return out


def _jobs(data: Mapping[str, Any], models: Mapping[str, Architecture], problems: list[str]) -> list[Job]:
    raw_list = list(data.get("training") or [])
    _unique("training", raw_list, problems)
    out = []
    for i, raw in enumerate(raw_list):
        where = "training[%d]" % i
        arch = _model(where, raw["model"], models, problems)
        if arch is None:
            continue
        sequence = int(raw.get("sequence_tokens", _default("job", "sequence_tokens")))
        if arch.max_context_tokens is not None and sequence > arch.max_context_tokens:
            problems.append(field(where + ".sequence_tokens", "%d tokens are more than %s takes; allowed: up to %d" % (
                sequence, arch.name, arch.max_context_tokens)))
            continue
        out.append(Job(
            index=i, name=str(raw["name"]), model=arch, method=str(raw.get("method", _default("job", "method"))),
            tokens=float(raw["tokens"]), sequence_tokens=sequence,
            precision=str(raw.get("precision", _default("job", "precision"))),
            deadline_hours=float(raw["deadline_hours"]),
            hours_per_day=float(raw.get("hours_per_day", _default("job", "hours_per_day"))),
            lora_rank=int(raw.get("lora_rank", _default("job", "lora_rank")))))
    return out
