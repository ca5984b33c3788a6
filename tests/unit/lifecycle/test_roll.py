# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roll's plan and state (lifecycle/roll.py), and Slurm drain decisions (module_utils/slurm_drain.py).

The plan comes from the lab design's plan and an inventory shaped as lifecycle_report writes it;
the expectations are counted from the plan's SUs, not written out as golden batches.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.slurm_drain import (
    classify, parse_sinfo, squeue_argv, update_argv)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.report import plan_lines, stop_markdown
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.roll import (
    done_state, roll_plan, stopped_state)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NODES = ["lab-node-%d" % i for i in range(1, 5)]


@pytest.fixture(scope="module")
def plan():
    raw = yaml.safe_load(open(os.path.join(ROOT, "inventories", "lab", "design.yml")))
    return json.loads(json.dumps(plan_design(raw).to_dict()))


def inventory(driver, bmc="1.4.0", nodes=NODES):
    return {"plan": "lab", "devices": {n: {"versions": {"driver_version": driver, "bmc": bmc}, "errors": []}
                                       for n in nodes}}


def test_every_drifting_node_in_batches_of_one_node_per_su(plan):
    roll = roll_plan(plan, inventory("570.133.20"), None)
    assert [b["devices"] for b in roll["batches"]] == [["lab-node-1", "lab-node-3"], ["lab-node-2", "lab-node-4"]]
    assert all(plan["devices"][b["devices"][0]]["su"] != plan["devices"][b["devices"][1]]["su"] for b in roll["batches"])
    assert roll["order"] == ["lab-node-1", "lab-node-3", "lab-node-2", "lab-node-4"] and roll["serial"] == [2, 2]
    assert roll["targets"]["lab-node-2"] == {
        "driver_version": "575.51.03", "driver_branch": "575", "install_driver": True}
    assert roll["batch_of"] == {"lab-node-1": 1, "lab-node-3": 1, "lab-node-2": 2, "lab-node-4": 2}
    lines = plan_lines(roll)
    assert lines[1] == ("batch 1: lab-node-1 (driver_version 570.133.20 -> 575.51.03), "
                        "lab-node-3 (driver_version 570.133.20 -> 575.51.03)")


def test_firmware_drift_is_reported_not_rolled_and_nodes_at_the_baseline_are_left(plan):
    inv = inventory("575.51.03")
    inv["devices"]["lab-node-4"]["versions"]["bmc"] = "1.3.0"
    roll = roll_plan(plan, inv, None)
    assert roll["batches"] == [] and roll["order"] == []
    assert [x["device"] for x in roll["not_rolled"]] == ["lab-node-4"]
    assert "bmc 1.3.0 -> 1.4.0" in roll["not_rolled"][0]["reason"]
    assert plan_lines(roll)[-1] == "nothing to roll: no GPU node drifts in its driver, no switch in its NOS"


def test_a_stopped_roll_s_drained_nodes_come_first_in_the_rerun(plan):
    first = roll_plan(plan, inventory("570.133.20"), None)
    state = stopped_state(first, 1, "validation: 1 error", "batch-1/validation.md", "2026-11-30T00:00:00Z")
    assert state["stopped"]["devices"] == ["lab-node-1", "lab-node-3"]
    assert state["done"] == [] and state["pending"] == ["lab-node-2", "lab-node-4"]
    text = stop_markdown(state)
    assert "stopped at batch 1 of 2" in text and "Not touched: lab-node-2, lab-node-4." in text
    assert "State=RESUME" in text
    # Batch 1 was updated before it failed: only 2 and 4 drift now, but 1 and 3 wait drained.
    inv = inventory("575.51.03")
    inv["devices"]["lab-node-2"]["versions"]["driver_version"] = "570.133.20"
    inv["devices"]["lab-node-4"]["versions"]["driver_version"] = "570.133.20"
    again = roll_plan(plan, inv, json.loads(json.dumps(state)))
    assert again["held"] == ["lab-node-1", "lab-node-3"]
    assert [b["devices"] for b in again["batches"]] == [["lab-node-1", "lab-node-3"], ["lab-node-2", "lab-node-4"]]
    assert again["batches"][0]["changes"]["lab-node-1"].startswith("left drained by the stopped roll")
    assert not again["targets"]["lab-node-1"]["install_driver"] and again["targets"]["lab-node-2"]["install_driver"]
    done = done_state(again, "2026-11-30T01:00:00Z")
    assert done["status"] == "done" and done["pending"] == [] and len(done["done"]) == 4
    # A roll that finished leaves nothing held.
    assert roll_plan(plan, inv, done)["held"] == []


def test_an_inventory_of_another_plan_or_a_plan_without_lifecycle_is_refused(plan):
    with pytest.raises(ValidateError, match="inventory is of plan 'other'"):
        roll_plan(plan, dict(inventory("1"), plan="other"), None)
    bare = dict(plan)
    del bare["lifecycle"]
    with pytest.raises(ValidateError, match="no lifecycle section"):
        roll_plan(bare, inventory("1"), None)


# sinfo --noheader --Node --format='%N|%T|%E' prints a node once per partition it is in.
SINFO = ("slm-node-1|drained|refarch lifecycle: batch 1 of 2\nslm-node-1|drained|refarch lifecycle: batch 1 of 2\n"
         "slm-node-2|idle|none\nslm-node-3|draining|refarch lifecycle: batch 1 of 2\n"
         "slm-node-4|drained|bad DIMM, case 1234\n")


def test_drain_and_resume_touch_only_what_the_roll_owns():
    states = parse_sinfo(SINFO)
    assert states["slm-node-2"] == {"state": "idle", "reason": ""}
    nodes = ["slm-node-%d" % i for i in range(1, 6)]
    # Drain what takes jobs; resume only what the roll drained; never touch an operator's drain.
    assert classify(states, nodes, "refarch lifecycle") == {
        "up": ["slm-node-2"], "ours": ["slm-node-1", "slm-node-3"], "foreign": ["slm-node-4"],
        "unknown": ["slm-node-5"]}
    assert update_argv(["a", "b"], "DRAIN", "refarch lifecycle: x") == [
        "scontrol", "update", "NodeName=a,b", "State=DRAIN", "Reason=refarch lifecycle: x"]
    assert squeue_argv(["a"])[-2:] == ["--states=RUNNING,COMPLETING,SUSPENDED", "--format=%A"]


def test_drifting_switches_roll_after_the_nodes_one_per_redundancy_group(plan):
    raw = yaml.safe_load(open(os.path.join(ROOT, "inventories", "lab", "design.yml")))
    raw["lifecycle"]["baseline"]["lab-switch"] = {"nos_version": "8.4.4-1.1~deb12u2+lab1"}
    lab = json.loads(json.dumps(plan_design(raw).to_dict()))
    inv = inventory("570.133.20")
    switches = sorted(n for n, d in lab["devices"].items() if d["role"] in ("leaf", "spine"))
    inv["devices"].update({s: {"versions": {"nos_version": "8.4.4-1.1~deb12u2"}, "errors": []} for s in switches})
    roll = roll_plan(lab, inv, None)
    assert [b["kind"] for b in roll["batches"]] == ["nodes", "nodes", "switches", "switches"]
    assert [b["devices"] for b in roll["batches"][2:]] == [
        ["lab-spine-1", "lab-leaf-1", "lab-leaf-4"], ["lab-spine-2", "lab-leaf-2", "lab-leaf-3"]]
    assert roll["switch_serial"] == [3, 3] and roll["batch_of"]["lab-leaf-3"] == 4
    steps = roll["targets"]["lab-leaf-1"]
    assert steps["package"] == "frr" and steps["nos_version"] == "8.4.4-1.1~deb12u2+lab1" and not steps["reboot"]
    asn = lab["devices"]["lab-leaf-1"]["bgp"]["asn"]
    assert steps["drain"] == [["vtysh", "-c", "configure terminal", "-c", "router bgp %d" % asn, "-c",
                               "bgp graceful-shutdown"]]
    assert plan_lines(roll)[3] == "batch 3 (switches): lab-spine-1 (nos_version 8.4.4-1.1~deb12u2 -> " \
                                  "8.4.4-1.1~deb12u2+lab1), lab-leaf-1 (nos_version 8.4.4-1.1~deb12u2 -> " \
                                  "8.4.4-1.1~deb12u2+lab1), lab-leaf-4 (nos_version 8.4.4-1.1~deb12u2 -> " \
                                  "8.4.4-1.1~deb12u2+lab1)"
    # A stop in a switch batch: the rerun takes its switches first among the switches.
    state = stopped_state(roll, 3, "validation: 1 error", "batch-3/validation.md", "t")
    assert state["stopped"]["kind"] == "switches" and state["done"] == roll["order"]
    assert "out of traffic" in stop_markdown(state)
    inv2 = inventory("575.51.03")
    inv2["devices"].update({s: {"versions": {"nos_version": "8.4.4-1.1~deb12u2+lab1"}, "errors": []}
                            for s in switches})
    again = roll_plan(lab, inv2, state)
    assert [b["devices"] for b in again["batches"]] == [["lab-spine-1", "lab-leaf-1", "lab-leaf-4"]]


def test_a_switch_the_roll_cannot_upgrade_is_listed_with_the_reason():
    from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import nos_upgrade
    sonic = nos_upgrade("sonic", asn=65001, image="http://mirror.example.invalid/sonic-mellanox.bin")
    assert sonic["install"] == [["sonic-installer", "install", "-y", "http://mirror.example.invalid/sonic-mellanox.bin"]]
    assert sonic["drain"][0] == ["TSA"] and sonic["undrain"][0] == ["TSB"] and sonic["reboot"]
    cumulus = nos_upgrade("cumulus", image="http://mirror.example.invalid/cumulus-linux-5.14.0-mlx-amd64.bin")
    assert cumulus["install"][1] == ["nv", "action", "install", "system", "image", "files",
                                     "cumulus-linux-5.14.0-mlx-amd64.bin"]
    assert nos_upgrade("eos") is None
    raw = {"name": "s", "reference": "training-pod", "nodes": {"count": 32},
           "fabrics": {"compute": {"kind": "roce", "switch": "sn5600", "platform": "sonic"}},
           "lifecycle": {"baseline": {"sn5600": {"nos_version": "SONiC.202411.1"}}}}
    plan = json.loads(json.dumps(plan_design(raw).to_dict()))
    switches = [n for n, d in plan["devices"].items() if d["role"] in ("leaf", "spine") and d["model"] == "sn5600"]
    inv = {"plan": "s", "devices": {s: {"versions": {"nos_version": "SONiC.202311.5"}, "errors": []} for s in switches}}
    roll = roll_plan(plan, inv, None)
    assert roll["batches"] == []
    assert {x["device"] for x in roll["not_rolled"]} == set(switches)
    assert roll["not_rolled"][0]["reason"].endswith("give lifecycle.baseline.sn5600.nos_image, the image of the release "
                                                    "to install")
