# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Strategies and the judge of the design-space property tests (test_design_space.py, `make design-space`).

The design space: every reference (or none) x every catalog server x every catalog switch of each
kind x fabrics on, off or left to the reference x node counts from 1 to 2,048 x the options
(oversubscription, SU size, rail optimization, tiers, spines, addressing, MTUs, QoS, UFM, tenants,
racks). A design either plans, its invariants hold and its counts agree, or the planner refuses it
with a DesignError whose every problem names a design field (``path: message``). Anything else, a
"plan invariant broken" problem, a problem naming no field, or any other exception, is a planner bug.

``mutations`` turns a valid design (``BASES``: each reference written out in full) into bad input
at one random path (wrong types, None, negatives, zero, huge numbers, NaN and infinity, unknown and
very long keys, a removed key, very long and non-ASCII strings); ``sweep`` puts one bad value at
every path in turn. The same judge applies.
"""

from __future__ import annotations

import collections
import copy
import os
import re
import traceback
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_NIC_ROLE
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.batches import batches, limits, node_domains
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import (
    design_schema, layered, reference_names)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

# --------------------------------------------------------------------------- profiles

PROFILE_ENV = "REFARCH_HYPOTHESIS_PROFILE"
# ci: part of `make units` (both tests well under 90 s on 2 cores), the same examples every run.
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# long: `make design-space` (nightly): at least 10,000 designs, new ones every run (a failure prints
# the blob that replays it: @reproduce_failure).
settings.register_profile("long", max_examples=10000, deadline=None, derandomize=False, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = os.environ.get(PROFILE_ENV, "ci")
# The mutation test runs fewer examples than the design-space test (each plans a small design).
MUTATION_EXAMPLES = {"ci": 400, "long": 5000}

# --------------------------------------------------------------------------- the design space

CATALOG = load_catalog()
REFERENCES = reference_names()
SERVERS = sorted(CATALOG.servers)
SWITCHES = sorted(CATALOG.switches)
SWITCHES_OF = {kind: sorted(s for s, m in CATALOG.switches.items() if m.kind == kind)
               for kind in ("ethernet", "infiniband")}
SWITCH_KIND = {"infiniband": "infiniband", "roce": "ethernet", "ethernet": "ethernet"}
APPLIANCES = sorted(CATALOG.appliances)
FABRICS = ("compute", "storage", "inband", "oob")
TOP_LEVEL = frozenset(design_schema()["properties"])

BOUNDARY_COUNTS = (1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 1023, 1024,
                   2047, 2048)
MAX_NODES = 2048


def node_counts(max_nodes: int = MAX_NODES) -> st.SearchStrategy[int]:
    """1..max_nodes, weighted to small counts and to the SU and pod boundaries."""
    return st.one_of(
        st.sampled_from([c for c in BOUNDARY_COUNTS if c <= max_nodes]),
        st.integers(1, min(64, max_nodes)),
        st.integers(1, max_nodes))


# What each reference sets, after the defaults (a design that leaves a key out inherits it).
INHERITED = {ref: layered({"reference": ref}) for ref in REFERENCES}


def _serves(switch_id: str, speed: float) -> bool:
    model = CATALOG.switches[switch_id]
    return bool(model.radix_at(min(speed, model.speed_gbps))[0])


def _tame_switches(kind: str, speed: float) -> list[str]:
    """Switches of the kind that have ports (or breakouts) for NICs of ``speed``."""
    return [s for s in SWITCHES_OF[SWITCH_KIND[kind]] if _serves(s, speed)] or SWITCHES_OF[SWITCH_KIND[kind]]


def _often(draw: Any, wild: bool, tame: int, wild_odds: int) -> bool:
    """True one time in ``tame`` draws (one in ``wild_odds`` in a wild design)."""
    return draw(st.integers(1, wild_odds if wild else tame)) == 1


@st.composite
def fabric_options(draw: Any, name: str, server: str, inherited: dict[str, Any] | None,
                   wild: bool, count: int = 1) -> dict[str, Any]:
    """One fabric mapping over ``inherited`` (the reference's, or None): kind and switch (always
    when nothing is inherited), and options.

    A tame fabric only combines options that can agree (a switch with ports of the NIC's speed, a
    platform it runs, MTUs of its kind, UFM on InfiniBand, MLAG on two ports); a wild one combines
    anything the schema takes."""
    inherited = inherited or {}
    nic = CATALOG.servers[server].nics.get(FABRIC_NIC_ROLE[name])
    speed = nic.speed_gbps if nic else 100.0
    ports = nic.ports if nic else 0
    out: dict[str, Any] = {}
    kinds = ["infiniband", "roce", "ethernet"] if name in ("compute", "storage") else ["ethernet", "roce"]
    choose = "both" if not inherited else draw(st.sampled_from(["both", "switch", "neither", "neither"]))
    if choose == "neither" and not wild and not _serves(inherited["switch"], speed):
        choose = "switch"           # the reference's switch has no ports of this server's speed
    if choose == "both":
        out["kind"] = draw(st.sampled_from(kinds))
    kind = out.get("kind") or inherited.get("kind") or "ethernet"
    if choose != "neither":
        if wild and draw(st.integers(0, 4)) == 0:
            out["switch"] = draw(st.sampled_from(SWITCHES))
        else:
            out["switch"] = draw(st.sampled_from(_tame_switches(kind, speed)))
    switch = out.get("switch") or inherited.get("switch")
    if draw(st.booleans()):
        out["rail_optimized"] = draw(st.booleans())
    rail = out.get("rail_optimized", inherited.get("rail_optimized", False))
    if draw(st.booleans()):
        out["oversubscription"] = draw(st.sampled_from([1, 1.5, 2, 3, 4]))
    if draw(st.booleans()):
        # null drops an inherited value; on a fabric of the design's own it is refused by field
        sizes = [1, 4, 8, 16, 32, 64] + ([None] if wild or "nodes_per_su" in inherited else [])
        out["nodes_per_su"] = draw(st.sampled_from(sizes))
    if draw(st.booleans()):
        tiers = ["auto", 1, 2, 3] if wild or not rail or ports <= 2 else ["auto", 2, 3]
        out["tiers"] = draw(st.sampled_from(tiers))
    su = out.get("nodes_per_su", inherited.get("nodes_per_su")) or 8
    if not wild and out.get("tiers", inherited.get("tiers")) == 1 and (count > su or rail and ports > 2):
        out["tiers"] = draw(st.sampled_from(["auto", 2, 3]))       # one leaf pair cannot serve them
    if _often(draw, wild, 10, 4):
        out["min_spines"] = draw(st.sampled_from([1, 2, 4, 8]))
    spine_uplinks = (CATALOG.switches[switch].raw.get("uplink_ports") or {}) if switch in CATALOG.switches else {}
    if switch in CATALOG.switches and (spine_uplinks or _often(draw, wild, 10, 4)):
        up_speed = float(spine_uplinks.get("speed_gbps") or min(speed, CATALOG.switches[switch].speed_gbps))
        own = out.get("platform") or (inherited.get("platform") if "switch" not in out else None)
        own = own or CATALOG.switches[switch].platforms[0]
        tame = [s for s in SWITCHES_OF[SWITCH_KIND[kind]]
                if _serves(s, up_speed) and not CATALOG.switches[s].raw.get("uplink_ports")
                and own in CATALOG.switches[s].platforms]
        out["spine_switch"] = draw(st.sampled_from(SWITCHES if wild else tame or SWITCHES))
    platform = None
    if switch in CATALOG.switches and _often(draw, wild, 8, 4):
        platforms = list(CATALOG.switches[switch].platforms)
        spine = CATALOG.switches.get(out.get("spine_switch", ""))
        if spine:
            platforms = [p for p in platforms if p in spine.platforms]
        if wild or not platforms:
            platforms += ["sonic", "cumulus", "eos", "mlnx-os", "lab", "ufm"]
        platform = out["platform"] = draw(st.sampled_from(platforms))
    if _often(draw, wild, 5, 3):
        choices = ["subnet_per_leaf", "p2p"]
        if wild or (kind != "infiniband" and not rail and ports == 2 and platform != "lab"):
            choices.append("mlag_bond")
        out["host_addressing"] = draw(st.sampled_from(choices))
    if _often(draw, wild, 8, 4):
        mtus = [2048, 4096] if kind == "infiniband" else [1500, 9000, 9214]
        mtu = out["mtu"] = draw(st.sampled_from(mtus + [1280, 2048, 4096, 9000, 9216] if wild else mtus))
        if draw(st.booleans()) or (not wild and kind != "infiniband" and mtu < 9000):
            top = mtu - 4 if kind == "infiniband" else mtu
            out["host_mtu"] = draw(st.sampled_from([1280, 4092, 9000, 9216] if wild else [1280, top]))
    elif wild and draw(st.integers(0, 5)) == 0:
        out["host_mtu"] = draw(st.sampled_from([1500, 4092, 9000]))
    if (wild or kind != "infiniband") and _often(draw, wild, 5, 3):
        out["qos_profile"] = draw(st.sampled_from([None, "lossless", "lossy-ecn"] + (["mine"] if wild else [])))
    if (wild or kind != "infiniband") and _often(draw, wild, 10, 4):
        out["congestion_control"] = draw(st.sampled_from(["dcqcn", "none"]))
    if (name == "compute" or wild) and (wild or kind == "infiniband") and _often(draw, wild, 3, 3):
        # null drops the reference's UFM; on a fabric of the design's own it is refused by field
        ufm = st.fixed_dictionaries({"model": st.sampled_from(APPLIANCES), "count": st.integers(1, 8 if wild else 2)})
        out["appliances"] = draw(st.one_of(st.none(), ufm) if wild or "appliances" in inherited else ufm)
    return out


@st.composite
def tenants(draw: Any, count: int, wild: bool) -> list[dict[str, Any]]:
    out = []
    many = draw(st.integers(1, 4))
    for i in range(many):
        tenant: dict[str, Any] = {"name": "t%d" % i}
        most = count if wild else count // many
        if most and draw(st.booleans()):
            tenant["nodes"] = draw(st.integers(1, most))
        if not wild or draw(st.integers(0, 3)):
            tenant["pkey"] = 16 + (draw(st.integers(0, 1)) if wild else i)
        out.append(tenant)
    return out


@st.composite
def scheduler(draw: Any, count: int, wild: bool) -> dict[str, Any]:
    """A scheduler section: modes with training nodes as counts or shares, graces."""
    out: dict[str, Any] = {"kind": "slurm"}
    if draw(st.booleans()):
        modes = []
        for i in range(draw(st.integers(1, 4))):
            mode: dict[str, Any] = {"name": "m%d" % (0 if wild and draw(st.booleans()) else i),
                                    "start": "%02d:%02d" % (draw(st.integers(0, 23)), draw(st.sampled_from([0, 30])))}
            if draw(st.booleans()):
                mode["training_nodes"] = draw(st.one_of(
                    st.integers(0, count * 2 if wild else count // 2),
                    st.integers(0, 120 if wild else 100).map(lambda p: "%d%%" % p)))
            modes.append(mode)
        out["modes"] = modes
    if draw(st.booleans()):
        out["grace"] = {"inference_s": draw(st.integers(0, 3600)), "training_s": draw(st.integers(0, 3600))}
    return out


@st.composite
def lifecycle(draw: Any, server: str, wild: bool) -> dict[str, Any]:
    """A lifecycle section: a baseline of the node model (or, wild, of a model or field it does not
    take), and roll shares of every size."""
    versions = st.fixed_dictionaries({}, optional={
        "driver_version": st.sampled_from(["570.133.20", "575.51.03", "580.126.20"]),
        "bmc": st.sampled_from(["1.0", "25.06.27"]), "bios": st.just("2.0"),
        "firmware": st.dictionaries(st.sampled_from(["GPU0", "HGX_0"]), st.just("1.0"), max_size=2)})
    baseline = {server: draw(versions)}
    if not baseline[server]:
        baseline[server]["bios"] = "1.0"
    if wild and draw(st.booleans()):
        baseline[draw(st.sampled_from(SERVERS + sorted(CATALOG.switches)))] = draw(st.sampled_from([
            {"nos_version": "1"}, {"bmc": "1"}, {"known_good": draw(st.sampled_from(sorted(CATALOG.baselines) + ["x"]))}]))
    share = st.integers(1, 100).map(lambda p: "%d%%" % p)
    roll = draw(st.fixed_dictionaries({}, optional={"su_share": share, "tenant_share": share, "rail_share": share,
                                                    "batch_nodes": st.one_of(st.none(), st.integers(1, 64))}))
    return {"baseline": baseline, "roll": roll}


@st.composite
def designs(draw: Any, max_nodes: int = MAX_NODES) -> dict[str, Any]:
    """A design dict of the whole design space (valid or refused by field, never a crash).

    One design in four is wild: it combines options that may not agree (a switch of another kind,
    a platform the switch does not run, UFM on Ethernet, a fabric the server has no ports for,
    tenants that do not fit), which the planner must refuse by field; the others are tame, so that
    most designs plan."""
    wild = draw(st.integers(0, 3)) == 0
    ref = draw(st.sampled_from([None] + REFERENCES))
    base = INHERITED.get(ref) or {}
    spec: dict[str, Any] = {"name": "ds"}
    if ref:
        spec["reference"] = ref
    if ref is None or draw(st.integers(0, 3)) == 0:
        spec["workload"] = draw(st.sampled_from(["training", "inference", "mixed"]))
    count = draw(node_counts(max_nodes))
    nodes: dict[str, Any] = {"count": count}
    if ref is None or draw(st.booleans()):
        nodes["model"] = draw(st.sampled_from(SERVERS))
    server = nodes.get("model") or base["nodes"]["model"]
    if _often(draw, wild, 6, 3):
        nodes["per_rack"] = draw(st.sampled_from([1, 2, 4] + ([8, 16] if wild else [])))
    spec["nodes"] = nodes
    fabrics: dict[str, Any] = {}
    inherited = base.get("fabrics") or {}
    compute = draw(fabric_options("compute", server, inherited.get("compute"), wild, count))
    if compute or ref is None:
        fabrics["compute"] = compute
    nics = CATALOG.servers[server].nics
    for name in FABRICS[1:]:
        has_ports = bool(getattr(nics.get(FABRIC_NIC_ROLE[name]), "ports", 0))
        if wild or has_ports:
            # absent (the reference's, if any), null (dropped), or given
            choice = draw(st.sampled_from(["absent", "null", "given"]))
        else:
            choice = "null"
        if choice == "null" and (wild or name in inherited):
            fabrics[name] = None
        elif choice == "given":
            fabrics[name] = draw(fabric_options(name, server, None, wild, count))
    if fabrics or ref is None:
        spec["fabrics"] = fabrics
    if _often(draw, wild, 4, 3):
        spec["tenants"] = draw(tenants(count, wild))
    elif not wild and sum(t.get("nodes", 0) for t in base.get("tenants") or ()) > count:
        spec["tenants"] = []        # the reference's tenants reserve more nodes than there are
    if _often(draw, wild, 4, 3):
        spec["scheduler"] = draw(scheduler(count, wild))
        kind = (compute or {}).get("kind") or (inherited.get("compute") or {}).get("kind")
        if not wild and kind in ("roce", "ethernet") and "appliances" not in (compute or {}) \
                and "inband" not in inherited:
            # A head node for the controller on the compute fabric (else refused as scheduler).
            fabrics.setdefault("compute", compute)["appliances"] = {"model": "lab-head" if (
                compute or {}).get("switch", "").startswith("lab") else "mgmt-x86", "count": draw(st.integers(1, 2))}
            spec["fabrics"] = fabrics
    if _often(draw, wild, 4, 3):
        spec["lifecycle"] = draw(lifecycle(server, wild))
    if _often(draw, wild, 4, 2):
        rack: dict[str, Any] = {}
        if draw(st.booleans()):
            rack["units"] = draw(st.sampled_from([1, 4, 10] if wild else [42, 48, 52]))
        if draw(st.booleans()):
            rack["power_kw"] = draw(st.sampled_from([0.5, 5, 10.2] if wild else [20, 41, 80, 130]))
        spec["facility"] = {"rack": rack}
    if wild and draw(st.integers(0, 3)) == 0:
        # A QoS profile of the design's own (fabrics name it as "mine"), or a broken one.
        spec["qos_profiles"] = {"mine": draw(st.fixed_dictionaries({}, optional={
            "pfc": st.booleans(), "roce_dscp": st.integers(0, 63), "roce_priority": st.integers(0, 7),
            "roce_bandwidth_percent": st.integers(1, 100), "ecn": st.booleans(),
            "ecn_min_bytes": st.integers(1, 10 ** 7), "ecn_max_bytes": st.integers(1, 10 ** 7)}))}
    if _often(draw, wild, 6, 3):
        # Pools of other sizes: a pool too small for the design is refused as addressing.<pool>.
        addressing: dict[str, Any] = {}
        for pool, prefixes in POOLS.items():
            if draw(st.integers(0, 2)) == 0:
                addressing[pool] = draw(st.sampled_from(prefixes if wild else prefixes[:2]))
        if draw(st.booleans()):
            addressing["asn_format"] = draw(st.sampled_from(["auto", "2byte", "4byte"]))
        spec["addressing"] = addressing
    if _often(draw, wild, 10, 4):
        spec["facility"] = dict(spec.get("facility") or {}, **draw(st.fixed_dictionaries({}, optional={
            "rack_width_m": st.sampled_from([0.6, 0.8, 1.2]), "row_pitch_m": st.sampled_from([1.8, 2.4, 3.6]),
            "slack_m": st.sampled_from([0, 3.0, 10.0]), "in_rack_m": st.sampled_from([1, 1.5, 3])})))
    return spec


# Address pools by size, largest first (the defaults, disjoint from each other).
POOLS = {
    "loopbacks": ["10.254.0.0/16", "10.254.0.0/18", "10.254.0.0/22", "10.254.0.0/26"],
    "fabric_links": ["10.253.0.0/16", "10.252.0.0/15", "10.253.0.0/20", "10.253.0.0/24"],
    "host_subnets": ["10.128.0.0/12", "10.128.0.0/14", "10.128.0.0/18", "10.128.0.0/24"],
    "oob": ["10.255.0.0/16", "10.255.0.0/17", "10.255.0.0/21", "10.255.0.0/25"],
}


# --------------------------------------------------------------------------- bad input

def valid_bases() -> list[dict[str, Any]]:
    """Valid designs written out in full (every inherited key explicit), so that a mutation can hit
    any key of a design: one per reference, at small node counts."""
    out = []
    for ref, count in (("training-pod", 40), ("inference-pool", 64), ("inference-edge", 4)):
        full = layered({"reference": ref})
        full.pop("qos_profiles", None)      # the built-in profiles; a design names them
        full["name"] = "mut"
        full["nodes"]["count"] = count
        full["addressing"] = {"loopbacks": "10.254.0.0/16", "fabric_links": "10.253.0.0/16",
                              "host_subnets": "10.128.0.0/12", "oob": "10.255.0.0/16", "asn_format": "auto"}
        full["facility"].update(rack_width_m=0.6, row_pitch_m=2.4, slack_m=3.0, in_rack_m=1.5)
        full["validation"] = {"rdma_bw_min_percent": 90, "nccl_busbw_min_percent": 80}
        full["hosts"] = {"driver_branch": "550", "cuda_version": "12.4", "mig_profile": None}
        out.append(full)
    return out


BASES = valid_bases()
LONG = "x" * 10000
BAD_VALUES = {
    "str": "seven", "list": [1, 2], "mapping": {"a": 1}, "none": None, "bool": True, "negative": -1,
    "negative_float": -2.5, "zero": 0, "huge": 10 ** 12, "huge_float": 1e300, "inf": float("inf"),
    "nan": float("nan"), "long": LONG, "non_ascii": "ñödé-ü\u00e9\u4e2d\U0001f600", "empty": "",
    "int_for_str": 42, "float": 0.5,
}


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``data`` (mapping keys, list indexes), containers included."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key in sorted(data, key=str):
            out.extend(paths(data[key], prefix + (key,)))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            out.extend(paths(item, prefix + (i,)))
    return out


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def mutations(draw: Any) -> tuple[str, dict[str, Any]]:
    """(what was done, the mutated design): one bad value, unknown key or removal at a random path."""
    base = copy.deepcopy(draw(st.sampled_from(BASES)))
    path = draw(st.sampled_from(paths(base)))
    parent, key = _at(base, path[:-1]), path[-1]
    how = draw(st.sampled_from(sorted(BAD_VALUES) + ["unknown_key", "remove", "long_key", "scale"]))
    if how == "unknown_key":
        target = parent[key] if isinstance(parent[key], dict) else parent
        # Keys YAML can give: strings, and integers, null and booleans (``5: x``, ``~: x``, ``yes: x``).
        target[draw(st.sampled_from(["bogus", "Nodes", "\u00fcber", "x" * 300, 5, None, True]))] = 1
    elif how == "remove":
        if isinstance(parent, list):
            parent.pop(key)
        else:
            del parent[key]
    elif how == "long_key":
        if isinstance(parent, dict):
            parent[LONG] = parent.pop(key)
        else:
            parent[key] = {LONG: parent[key]}
    elif how == "scale":
        value = parent[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parent[key] = value * draw(st.sampled_from([-1, 0, 1.0, 3, 1000, 10 ** 9]))  # 1.0: 8 -> 8.0
        else:
            parent[key] = draw(st.sampled_from([value] * 2 if isinstance(value, list) else [[value], None]))
    else:
        parent[key] = BAD_VALUES[how]
    return "%s at %s" % (how, ".".join(str(p) for p in path)), base


def sweep(base: dict[str, Any], how: str) -> list[tuple[str, dict[str, Any]]]:
    """``base`` with bad value ``how`` (a key of BAD_VALUES) at each of its paths in turn: every
    (what was done, mutated design), a deterministic sweep of all single bad values."""
    out = []
    for path in paths(base):
        spec = copy.deepcopy(base)
        _at(spec, path[:-1])[path[-1]] = copy.deepcopy(BAD_VALUES[how])
        out.append(("%s at %s" % (how, ".".join(str(p) for p in path)), spec))
    return out


# --------------------------------------------------------------------------- the judge

_SEGMENT = r"[^\s.:\[\]]+(?:\[\d+\])*"
_FIELD = re.compile(r"^(?:\(top level\)|(?P<top>%s)(?:\.%s)*): " % (_SEGMENT, _SEGMENT))


def names_a_field(problem: Any) -> bool:
    """True when ``problem`` is ``dotted.design.path: message`` whose first part is a design key
    (or ``(top level)``), and not a broken plan invariant (a planner bug, never the user's)."""
    if not isinstance(problem, str) or "plan invariant broken" in problem:
        return False
    match = _FIELD.match(problem)
    if not match:
        return False
    top = match.group("top")
    return top is None or top.split("[")[0] in TOP_LEVEL


class Judge(object):
    """Plans designs and counts what happened: planned, refused by field (by the first problem's
    field), and unexpected (a bug: raised at once, with the design, by ``judge``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tried = 0
        self.planned = 0
        self.refused: collections.Counter[str] = collections.Counter()
        self.unexpected = 0

    def judge(self, spec: Any, what: str = "") -> Any:
        """Plan ``spec``; return the plan (cross-checked) or None when refused by field; raise
        AssertionError naming the design for anything else."""
        self.tried += 1
        shown = _show(spec, what)
        try:
            plan = plan_design(spec, check=False)
        except DesignError as exc:
            bad = [p for p in exc.problems if not names_a_field(p)]
            if bad or not exc.problems:
                self.unexpected += 1
                raise AssertionError("DesignError problems that name no design field %r\n%s" % (
                    bad or exc.problems, shown))
            self.refused[_field_of(exc.problems[0])] += 1
            return None
        except Exception as exc:  # noqa: BLE001 - any other exception is the bug this test hunts
            self.unexpected += 1
            raise AssertionError("%s: %s\n%s\n%s" % (
                type(exc).__name__, exc, shown, "".join(traceback.format_exc(limit=-6)))) from exc
        problems = check_plan(plan)
        if problems:
            self.unexpected += 1
            raise AssertionError("plan invariants broken %r\n%s" % (problems[:10], shown))
        cross = cross_check(spec, plan)
        if cross:
            self.unexpected += 1
            raise AssertionError("cross-checks failed %r\n%s" % (cross, shown))
        self.planned += 1
        return plan

    def line(self) -> str:
        return "%s: profile %s: tried %d, planned %d, refused %d, unexpected %d; refused by field: %s" % (
            self.name, PROFILE, self.tried, self.planned, sum(self.refused.values()), self.unexpected,
            ", ".join("%s %d" % kv for kv in self.refused.most_common()))


def _field_of(problem: str) -> str:
    """The field of a problem, list indexes dropped: ``tenants[1].pkey: ...`` -> ``tenants.pkey``."""
    return re.sub(r"\[\d+\]", "", problem.split(": ", 1)[0])


def _show(spec: Any, what: str) -> str:
    text = repr(spec)
    if len(text) > 3000:
        text = text[:3000] + "... (%d characters)" % len(text)
    return ("mutation: %s\n" % what if what else "") + "design: " + text


def cross_check(spec: dict[str, Any], plan: Any) -> list[str]:
    """Counts a plan must agree with: nodes, GPUs, fabrics, link ends, racks, tenants."""
    out = []
    design = plan.design
    server = design.catalog.servers[design.node_model]
    nodes = [d for d in plan.devices.values() if d.role == "gpu_node"]
    want = (spec.get("nodes") or {}).get("count", design.node_count)
    if len(nodes) != want or design.node_count != want:
        out.append("%d GPU nodes planned, the design asks for %d" % (len(nodes), want))
    if plan.summary["gpus"] != len(nodes) * server.gpu_count:
        out.append("%d GPUs, not %d nodes x %d" % (plan.summary["gpus"], len(nodes), server.gpu_count))
    if "model" in (spec.get("nodes") or {}) and design.node_model != spec["nodes"]["model"]:
        out.append("node model %s, the design asks for %s" % (design.node_model, spec["nodes"]["model"]))
    if "compute" not in plan.fabrics:
        out.append("no compute fabric")
    for name, value in (spec.get("fabrics") or {}).items():
        if value is None and name in plan.fabrics:
            out.append("fabric %s set to null but planned" % name)
        if value and name not in plan.fabrics:
            out.append("fabric %s given but not planned" % name)
    expected = {n for n, f in (design.raw.get("fabrics") or {}).items() if f is not None}
    if set(plan.fabrics) != expected:
        out.append("fabrics %s planned, the design has %s" % (sorted(plan.fabrics), sorted(expected)))
    for link in plan.links:
        for end in (link.a_device, link.b_device):
            if end not in plan.devices:
                out.append("link %s ends at %s, which is not a device" % (link.id, end))
    racks = {r.name for r in plan.racks}
    for dev in plan.devices.values():
        if dev.rack not in racks:
            out.append("%s is in rack %r, which is not planned" % (dev.name, dev.rack))
    reserved = sum(int(t.get("nodes", 0)) for t in design.tenants)
    tenanted = sum(1 for d in nodes if d.tenant)
    if tenanted != reserved:
        out.append("%d nodes carry a tenant, tenants reserve %d" % (tenanted, reserved))
    out += _scheduler_check(plan, nodes)
    out += _lifecycle_check(plan, nodes)
    return out[:10]


def _lifecycle_check(plan: Any, nodes: list[Any]) -> list[str]:
    """The roll of every node and switch: each in one batch, no batch over a share of its SU."""
    if (plan.lifecycle is None) != (not plan.design.raw.get("lifecycle")):
        return ["lifecycle record and design section disagree"]
    if plan.lifecycle is None:
        return []
    keys = ("role", "su", "tenant", "fabric", "rail", "pod")
    small = {"lifecycle": plan.lifecycle,
             "devices": {d.name: {k: getattr(d, k) for k in keys} for d in plan.devices.values()}}
    names = [d.name for d in nodes]
    out = batches(small, names)
    if sorted(n for b in out for n in b) != sorted(names):
        return ["the roll's batches do not hold every GPU node once"]
    cap = limits(small)
    for batch in out:
        for domain, count in collections.Counter(dom for n in batch for dom in node_domains(small["devices"][n])).items():
            if count > cap[domain]:
                return ["a batch holds %d nodes of %s, its share allows %d" % (count, domain, cap[domain])]
    return []


def _scheduler_check(plan: Any, nodes: list[Any]) -> list[str]:
    """The scheduler record against the plan: every node once, modes splitting the pool, one root."""
    record = plan.scheduler
    if (record is None) != (not plan.design.raw.get("scheduler")):
        return ["scheduler record %s, the design %s one" % (
            "missing" if record is None else "present", "has" if record is None else "has no")]
    if record is None:
        return []
    out = []
    names = [d.name for d in nodes]
    if [n["name"] for n in record["nodes"]] != names:
        out.append("the scheduler's nodes are not the plan's GPU nodes")
    pool = [d.name for d in nodes if d.tenant is None]
    for mode in record["modes"]:
        if mode["inference"] + mode["training"] != pool:
            out.append("mode %s does not split the shared pool" % mode["name"])
    grouped = [n for s in record["topology"] for n in s["nodes"]]
    if len(grouped) != len(set(grouped)) or not set(grouped) <= set(names):
        out.append("a node is in two topology leaf switches, or an unknown node is in one")
    children = {c for s in record["topology"] for c in s["switches"]}
    if len(record["topology"]) > 1 and len([s for s in record["topology"] if s["name"] not in children]) != 1:
        out.append("the topology has no single root")
    for host in record["controllers"] + names:
        if host not in record["addresses"]:
            out.append("no scheduler address for %s" % host)
    return out
