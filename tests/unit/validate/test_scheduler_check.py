# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scheduler check (validate/checks/scheduler.py) on what a real slurmctld printed.

The fixtures are scontrol's output on the lab twin (Slurm 22.05.8, tests/unit/fixtures/slurm);
the plan is the lab design's, planned here. Each fault is made by editing what Slurm printed the
way the fault would change it, and must come out as one error naming it.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.scheduler import check_scheduler
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import (
    expand_hostlist, parse_slurm_records)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures", "slurm")
PLAN = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml")).to_dict()


def _text(name):
    path = "sacctmgr-show-association.txt" if name == "association" else "scontrol-show-%s.txt" % name
    with open(os.path.join(FIXTURES, path), encoding="utf-8") as handle:
        return handle.read()


def _run(node=None, partition=None, topology=None, accounts=None, rc=0):
    texts = {"slurm_nodes": node or _text("node"), "slurm_partitions": partition or _text("partition"),
             "slurm_topology": topology or _text("topology"), "slurm_accounts": accounts or _text("association")}
    run = Run(PLAN, {})
    run.ok["lab-mgmt-1"] = {"commands": {k: {"rc": rc, "stdout": v, "stderr": "slurm_load_partitions: Unable to "
                                             "contact slurm controller" if rc else ""} for k, v in texts.items()}}
    check_scheduler(run)
    return run


def _errors(run):
    return [f for f in run.findings.items if f["severity"] != "info"]


def test_the_lab_as_slurm_printed_it_matches_its_plan():
    run = _run()
    assert _errors(run) == []
    assert run.stats == {"scheduler_nodes": 4, "scheduler_partitions": 2, "scheduler_switches": 3,
                         "scheduler_mode_day": 1, "scheduler_accounts": 2}


def test_parsers_read_values_with_blanks_and_hostlists():
    nodes = parse_slurm_records(_text("node"))
    assert [n["NodeName"] for n in nodes] == ["lab-node-1", "lab-node-2", "lab-node-3", "lab-node-4"]
    assert nodes[0]["OS"].startswith("Linux ") and nodes[0]["Gres"] == "gpu:lab-gpu:2"
    assert expand_hostlist("lab-node-[1-2,4],x-[08-10]") == ["lab-node-1", "lab-node-2", "lab-node-4",
                                                             "x-08", "x-09", "x-10"]
    assert expand_hostlist("(null)") == [] and expand_hostlist("su[1-2]") == ["su1", "su2"]


def test_a_node_down_is_named():
    run = _run(node=_text("node").replace("State=IDLE", "State=DOWN+NOT_RESPONDING Reason=Not responding", 1))
    (err,) = _errors(run)
    assert err["device"] == "lab-node-1" and "DOWN+NOT_RESPONDING" in err["message"]


def test_a_node_offering_fewer_gpus_is_named():
    text = _text("node").replace("Gres=gpu:lab-gpu:2 NodeAddr=198.18.64.19", "Gres=gpu:lab-gpu:1 NodeAddr=198.18.64.19")
    (err,) = _errors(_run(node=text))
    assert err["device"] == "lab-node-4" and err["expected"] == 2 and err["observed"] == 1


def test_partitions_out_of_every_mode_are_named_with_the_modes():
    text = _text("partition").replace("Nodes=lab-node-[1-4]", "Nodes=lab-node-[1-3]")
    (err,) = _errors(_run(partition=text))
    assert err["device"] == "lab-mgmt-1" and "none of the plan's modes (day, night)" in err["message"]


def test_the_night_mode_is_recognised():
    text = _text("partition").replace("Nodes=lab-node-[1-4]", "Nodes=lab-node-[1-2]").replace(
        "Nodes=(null)", "Nodes=lab-node-[3-4]").replace("State=DOWN", "State=UP")
    run = _run(partition=text)
    assert _errors(run) == [] and run.stats["scheduler_mode_night"] == 1


def test_a_topology_switch_holding_other_nodes_is_named():
    text = _text("topology").replace("SwitchName=su2 Level=0 LinkSpeed=1 Nodes=lab-node-[3-4]",
                                     "SwitchName=su2 Level=0 LinkSpeed=1 Nodes=lab-node-3")
    (err,) = _errors(_run(topology=text))
    assert "su2" in err["message"] and err["observed"] == ["lab-node-3"]


@pytest.mark.parametrize("rc", [1])
def test_a_controller_that_does_not_answer_is_one_error(rc):
    (err,) = _errors(_run(rc=rc))
    assert "slurmctld does not answer" in err["message"]


def test_an_account_whose_gpu_limit_was_lifted_is_named():
    text = _text("association").replace("lab|research||1|gres/gpu=2", "lab|research||1|")
    (err,) = _errors(_run(accounts=text))
    assert "account research has GPU limit none" in err["message"] and err["expected"]["gpu_limit"] == "2"
