# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scheduler record of the plan (planner/scheduler.py) against the plan's own cabling.

The topology is checked against the cables, not against itself: two nodes in one Slurm leaf
switch must meet on one leaf on every rail they use, and nodes of different groups must not.
"""

from __future__ import annotations

import itertools
import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
LAB = os.path.join(ROOT, "inventories", "lab", "design.yml")
MODES = [{"name": "day", "start": "07:00"}, {"name": "night", "start": "19:30", "training_nodes": "25%"}]


def _leaves(plan, node):
    """{rail: leaf} of a node's compute NICs, from the cables."""
    return {i.rail: i.peer_device for i in plan.devices[node].interfaces
            if i.fabric == "compute" and plan.devices[i.peer_device].role == "leaf"}


def _training_pod(count, **extra):
    spec = {"name": "tp", "reference": "training-pod", "nodes": {"count": count},
            "scheduler": {"kind": "slurm", "modes": MODES}}
    spec.update(extra)
    return plan_design(spec)


@pytest.mark.parametrize("count", [31, 64, 200])
def test_a_leaf_group_is_the_nodes_one_leaf_apart_on_every_rail(count):
    plan = _training_pod(count)
    groups = [g for g in plan.scheduler["topology"] if g["nodes"]]
    member = {n: g["name"] for g in groups for n in g["nodes"]}
    assert sorted(member) == sorted(d.name for d in plan.devices.values() if d.role == "gpu_node")
    for g in groups:
        for a, b in itertools.combinations(g["nodes"][:6], 2):
            assert _leaves(plan, a) == _leaves(plan, b), (a, b)
    for a, b in itertools.combinations([g["nodes"][0] for g in groups], 2):
        assert not set(_leaves(plan, a).values()) & set(_leaves(plan, b).values()), (a, b)


def test_the_tree_has_one_root_over_every_group():
    plan = _training_pod(200)
    topology = plan.scheduler["topology"]
    names = [s["name"] for s in topology]
    assert len(names) == len(set(names))
    children = {c for s in topology for c in s["switches"]}
    roots = [n for n in names if n not in children]
    assert roots == ["compute"]
    assert set(children) <= set(names)


def test_a_three_tier_fabric_groups_sus_by_the_pod_of_their_leaves():
    plan = _training_pod(2000)
    topology = {s["name"]: s for s in plan.scheduler["topology"]}
    pods = [s for s in topology.values() if s["name"].startswith("pod")]
    assert len(pods) == plan.fabrics["compute"]["pods"]
    for pod in pods:
        for su in pod["switches"]:
            node = topology[su]["nodes"][0]
            assert {plan.devices[leaf].pod for leaf in _leaves(plan, node).values()} == {int(pod["name"][3:])}


def test_controllers_are_the_head_nodes_reached_on_the_in_band_fabric():
    plan = _training_pod(64)
    heads = [d for d in plan.devices.values() if d.role == "appliance" and d.model == "mgmt-x86"]
    record = plan.scheduler
    assert record["controllers"] == [d.name for d in heads[:2]]
    assert record["accounting"] == heads[0].name
    for dev in heads[:2] + [d for d in plan.devices.values() if d.role == "gpu_node"]:
        bond = next(b for b in dev.bonds if b["fabric"] == "inband")
        assert record["addresses"][dev.name] == bond["address"].split("/")[0]


def test_modes_split_the_pool_and_training_takes_the_last_nodes():
    plan = _training_pod(64)
    nodes = [d.name for d in plan.devices.values() if d.role == "gpu_node"]
    modes = {m["name"]: m for m in plan.scheduler["modes"]}
    assert modes["day"]["inference"] == nodes and modes["day"]["training"] == []
    assert modes["night"]["training"] == nodes[-16:] and modes["night"]["inference"] == nodes[:-16]
    partitions = {p["name"]: p for p in plan.scheduler["partitions"]}
    assert partitions["inference"]["nodes"] == nodes and partitions["inference"]["default"]
    assert partitions["training"]["nodes"] == nodes[-16:]
    assert partitions["training"]["preempt_mode"] == "requeue"
    assert partitions["training"]["grace_time_s"] == 600
    assert partitions["inference"]["priority_tier"] > partitions["training"]["priority_tier"]


def test_tenants_become_accounts_and_reserved_nodes_their_own_partition():
    plan = _training_pod(64, tenants=[{"name": "search", "pkey": 16, "nodes": 8},
                                      {"name": "chat", "pkey": 17, "nodes": 4, "gpu_limit": 8, "fairshare": 3},
                                      {"name": "lab", "pkey": 18}])
    tenants = plan.design.tenants
    accounts = {a["name"]: a for a in plan.scheduler["accounts"]}
    assert sorted(accounts) == sorted(t["name"] for t in tenants)
    gpus = plan.design.catalog.servers[plan.design.node_model].gpu_count
    partitions = {p["name"]: p for p in plan.scheduler["partitions"]}
    for tenant in tenants:
        mine = [d.name for d in plan.devices.values() if d.role == "gpu_node" and d.tenant == tenant["name"]]
        account = accounts[tenant["name"]]
        assert account["nodes"] == mine
        assert account["fairshare"] == tenant.get("fairshare", 1)
        if mine:
            assert account["gpu_limit"] == tenant.get("gpu_limit", len(mine) * gpus)
            own = partitions["tenant-" + tenant["name"]]
            assert own["nodes"] == mine and own["allow_accounts"] == [tenant["name"]]
            assert not set(mine) & set(partitions["inference"]["nodes"])
        else:
            assert account["gpu_limit"] is None and "tenant-" + tenant["name"] not in partitions


def test_the_lab_design_puts_its_head_node_in_su1_and_splits_the_nodes_in_two_groups():
    plan = plan_design(LAB)
    record = plan.scheduler
    assert record["controllers"] == ["lab-mgmt-1"]
    assert plan.devices["lab-mgmt-1"].su == 1
    assert [g["nodes"] for g in record["topology"] if g["nodes"]] == [["lab-node-1", "lab-node-2"],
                                                                      ["lab-node-3", "lab-node-4"]]
    accounts = {a["name"]: a for a in record["accounts"]}
    assert accounts["research"]["gpu_limit"] == 2 and accounts["product"]["gpu_limit"] is None
    assert accounts["product"]["fairshare"] == 2


@pytest.mark.parametrize("scheduler, where", [
    ({"kind": "slurm", "modes": [{"name": "a", "start": "07:00"}, {"name": "a", "start": "08:00"}]},
     "scheduler.modes"),
    ({"kind": "slurm", "modes": [{"name": "a", "start": "07:00"}, {"name": "b", "start": "07:00"}]},
     "scheduler.modes"),
    ({"kind": "slurm", "modes": [{"name": "a", "start": "07:00", "training_nodes": 65}]},
     "scheduler.modes[0].training_nodes"),
    ({"kind": "slurm", "modes": [{"name": "a", "start": "25:00"}]}, "scheduler.modes[0].start"),
    ({"kind": "slurm", "modes": [{"name": "a", "start": "07:00", "training_nodes": "120%"}]},
     "scheduler.modes[0].training_nodes"),
    ({"kind": "kubernetes"}, "scheduler.kind"),
])
def test_a_bad_scheduler_is_refused_by_field(scheduler, where):
    with pytest.raises(DesignError) as err:
        _training_pod(64, scheduler=scheduler)
    assert any(p.startswith(where + ":") for p in err.value.problems), err.value.problems


def test_a_scheduler_without_a_head_node_is_refused_by_field():
    with pytest.raises(DesignError) as err:
        plan_design({"name": "ie", "reference": "inference-edge", "scheduler": {"kind": "slurm"}})
    assert any(p.startswith("scheduler:") and "mgmt-x86" in p for p in err.value.problems)


def test_a_design_without_a_scheduler_plans_as_before():
    plan = _training_pod(31, scheduler=None)
    assert plan.scheduler is None and "scheduler" not in plan.to_dict()
