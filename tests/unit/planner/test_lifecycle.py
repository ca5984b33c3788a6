# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle record of the plan (planner/lifecycle.py) and the roll's batches over real plans.

The batches are checked against the plan's own failure domains, counted from its devices, over
the design space (hypothesis): every drifting node in exactly one batch, no batch over any share,
and, where only the scalable units limit, no more batches than the largest SU needs.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.batches import batches
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
LAB = os.path.join(ROOT, "inventories", "lab", "design.yml")


def _lab(lifecycle):
    raw = yaml.safe_load(open(LAB))
    raw["lifecycle"] = lifecycle
    return raw


def _plan_dict(raw):
    return json.loads(json.dumps(plan_design(raw).to_dict()))


def test_the_lab_baseline_is_in_the_plan_with_the_roll_defaults_filled():
    plan = plan_design(yaml.safe_load(open(LAB)))
    assert plan.lifecycle["baselines"]["lab-node"] == {
        "kind": "node", "source": "design",
        "versions": {"driver_version": "575.51.03", "bmc": "1.4.0", "bios": "2.1.0",
                     "firmware": {"GPU0": "96.00.B1", "GPU1": "96.00.B1"}}}
    assert plan.lifecycle["baselines"]["lab-switch"]["kind"] == "switch"
    assert plan.lifecycle["roll"] == {"su_share": "50%", "tenant_share": "25%", "rail_share": "50%", "batch_nodes": None}
    assert "lifecycle" in plan.to_dict()


def test_a_known_good_set_of_the_catalog_is_taken_and_the_design_overrides_it():
    raw = {"name": "h", "reference": "training-pod", "nodes": {"count": 32},
           "lifecycle": {"baseline": {"dgx-h100": {"known_good": "dgx-h100-25.06.4", "bios": "1.06.08"}}}}
    base = plan_design(raw).lifecycle["baselines"]["dgx-h100"]
    assert base["versions"] == {"bmc": "25.06.27", "bios": "1.06.08"}
    assert base["source"].startswith("catalog baselines.dgx-h100-25.06.4 (NVIDIA Infra Controller")


def test_a_design_without_lifecycle_has_no_record():
    raw = yaml.safe_load(open(LAB))
    del raw["lifecycle"]
    plan = plan_design(raw)
    assert plan.lifecycle is None and "lifecycle" not in plan.to_dict()


@pytest.mark.parametrize("lifecycle, field, words", [
    ({"baseline": {"dgx-h100": {"bmc": "1"}}, "roll": {"su_share": "50%"}},
     "lifecycle.baseline.dgx-h100", "not used in this design"),
    ({"baseline": {"lab-node": {"nos_version": "1"}}, "roll": {"su_share": "50%"}},
     "lifecycle.baseline.lab-node.nos_version", "a GPU server model has no nos_version"),
    ({"baseline": {"lab-switch": {"bios": "1"}}, "roll": {"su_share": "50%"}},
     "lifecycle.baseline.lab-switch.bios", "a switch model has no bios"),
    ({"baseline": {"lab-node": {"known_good": "nope"}}, "roll": {"su_share": "50%"}},
     "lifecycle.baseline.lab-node.known_good", "no catalog baseline 'nope'"),
    ({"baseline": {"lab-node": {"known_good": "dgx-h100-25.06.4"}}, "roll": {"su_share": "50%"}},
     "lifecycle.baseline.lab-node.known_good", "is for model dgx-h100, not lab-node"),
    ({"baseline": {"lab-node": {}}, "roll": {"su_share": "50%"}}, "lifecycle.baseline.lab-node", "no version to compare"),
])
def test_a_baseline_that_cannot_work_is_an_error_naming_the_field(lifecycle, field, words):
    with pytest.raises(DesignError) as info:
        plan_design(_lab(lifecycle))
    text = str(info.value)
    assert field + ":" in text and words in text, text


def test_a_baseline_driver_of_another_branch_than_the_hosts_pin_is_an_error():
    raw = _lab({"baseline": {"lab-node": {"driver_version": "575.51.03"}}, "roll": {"su_share": "50%"}})
    raw["hosts"] = {"driver_branch": "570"}
    with pytest.raises(DesignError, match=r"lifecycle.baseline.lab-node.driver_version: 575.51.03 is not of branch 570"):
        plan_design(raw)


def test_the_schema_refuses_a_share_that_is_not_a_percentage():
    with pytest.raises(DesignError, match="lifecycle"):
        plan_design(_lab({"roll": {"su_share": "0.5"}}))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(min_value=4, max_value=96), per_su=st.sampled_from([4, 8, 16, 32]),
       su=st.integers(min_value=1, max_value=100), tenant=st.integers(min_value=1, max_value=100),
       tenant_nodes=st.integers(min_value=0, max_value=12), cap=st.one_of(st.none(), st.integers(1, 9)),
       drifting=st.floats(min_value=0.1, max_value=1.0), data=st.data())
def test_batches_hold_every_drifting_node_once_and_never_more_than_a_share(
        count, per_su, su, tenant, tenant_nodes, cap, drifting, data):
    raw = {"name": "roll", "reference": "training-pod", "nodes": {"count": count},
           "fabrics": {"compute": {"nodes_per_su": per_su}},
           "lifecycle": {"baseline": {}, "roll": {"su_share": "%d%%" % su, "tenant_share": "%d%%" % tenant,
                                                  "batch_nodes": cap}}}
    if tenant_nodes and tenant_nodes < count:
        raw["tenants"] = [{"name": "t1", "nodes": tenant_nodes}]
    try:
        plan = _plan_dict(raw)
    except DesignError as exc:
        # A design the planner refuses for reasons of its own (named fields); never the lifecycle's.
        assert all(": " in p and not p.startswith("lifecycle.") for p in exc.problems), exc.problems
        return
    nodes = [n for n, d in plan["devices"].items() if d["role"] == "gpu_node"]
    chosen = sorted(data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=int(len(nodes) * drifting) + 1,
                                       unique=True)))
    held = data.draw(st.lists(st.sampled_from(chosen), max_size=2, unique=True))
    out = batches(plan, chosen, held)
    flat = [n for b in out for n in b]
    assert sorted(flat) == chosen and len(flat) == len(set(flat))
    dev = plan["devices"]
    su_size = Counter(dev[n]["su"] for n in nodes)
    tenant_size = Counter(dev[n]["tenant"] for n in nodes if dev[n]["tenant"])

    def most(size, share):
        # The share of the domain, rounded down, never below one device.
        return max(1, math.floor(size * share / 100.0 + 1e-9))

    def within_limits(group):
        return (all(k <= most(su_size[s], su) for s, k in Counter(dev[n]["su"] for n in group).items())
                and all(k <= most(tenant_size[t], tenant)
                        for t, k in Counter(dev[n]["tenant"] for n in group if dev[n]["tenant"]).items())
                and (not cap or len(group) <= cap))

    # Held nodes (a stopped batch, still drained) go first: all in batch 1 when they fit there
    # together, as a real stopped batch does, else batch 1 starts with one of them.
    if held:
        assert set(held) <= set(out[0]) if within_limits(held) else out[0][0] in held

    for batch in out:
        assert batch
        for s, k in Counter(dev[n]["su"] for n in batch).items():
            assert k <= most(su_size[s], su)
        for t, k in Counter(dev[n]["tenant"] for n in batch if dev[n]["tenant"]).items():
            assert k <= most(tenant_size[t], tenant)
        if cap:
            assert len(batch) <= cap
    if not held and not cap and not tenant_size:
        need = max(math.ceil(k / most(su_size[s], su)) for s, k in Counter(dev[n]["su"] for n in chosen).items())
        assert len(out) == need


def test_switches_go_one_per_redundancy_group_and_half_a_rail_at_most():
    plan = _plan_dict(yaml.safe_load(open(LAB)))
    switches = sorted(n for n, d in plan["devices"].items() if d["role"] in ("leaf", "spine"))
    out = batches(plan, switches)
    dev = plan["devices"]
    for batch in out:
        spines = [n for n in batch if dev[n]["role"] == "spine"]
        assert len(spines) <= 1
        assert len({dev[n]["su"] for n in batch if dev[n]["role"] == "leaf"}) == \
            len([n for n in batch if dev[n]["role"] == "leaf"])
        assert max(Counter(dev[n]["rail"] for n in batch if dev[n]["role"] == "leaf").values() or [0]) <= 1
    assert sorted(n for b in out for n in b) == switches and len(out) == 2


def test_a_rack_scale_system_s_baseline_is_its_compute_trays():
    raw = yaml.safe_load(open(os.path.join(ROOT, "inventories", "training-pod-nvl72", "design.yml")))
    raw["lifecycle"] = {"baseline": {"dgx-gb200-nvl72": {"known_good": "dgx-gb200-tray-sw-1.3"}}}
    base = plan_design(raw).lifecycle["baselines"]
    assert list(base) == ["dgx-gb200-tray"]
    assert base["dgx-gb200-tray"]["versions"] == {"bmc": "25.06-A", "bios": "2.04.12", "nic_firmware": "28.46.3048"}
