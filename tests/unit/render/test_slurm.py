# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm's files from the plan's scheduler record (plugin_utils/render/slurm.py).

Outside truth: the parameter names Slurm 22.05's man pages document (tests/unit/fixtures/slurm/,
made from Debian 12's slurm-client), the minor numbers of the recorded nvidia-smi outputs read
straight from their XML, an independent expander of Slurm's hostlist syntax (the width of a range
is the length of its low bound, src/common/hostlist.c) and, where a slurmd binary is at hand,
slurmd's own parser (``slurmd -G``).
"""

from __future__ import annotations

import copy
import glob
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET  # nosec B405 - the repository's own fixtures

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible.errors import AnsibleActionFail
from ansible_collections.refarch.ai_cluster.plugins.action.slurm_configs import ActionModule
from ansible_collections.refarch.ai_cluster.plugins.module_utils import nvidia_smi, slurm_pool
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import slurm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures")
XMLS = sorted(glob.glob(os.path.join(FIXTURES, "nvidia_smi", "*.xml")))


def record():
    """A scheduler record as docs/scheduler.md describes it: 4 nodes in 2 SUs, one tenant partition."""
    nodes = ["lab-node-%d" % i for i in range(1, 5)]
    addresses = {"lab-head-1": "198.18.64.5", "lab-head-2": "198.18.64.6"}
    addresses.update((n, "198.18.64.%d" % (10 + i)) for i, n in enumerate(nodes))
    return {
        "kind": "slurm", "cluster": "lab", "controllers": ["lab-head-1", "lab-head-2"], "accounting": "lab-head-1",
        "addresses": addresses,
        "nodes": [{"name": n, "model": "lab-node", "gpus": 2, "gpu_model": "lab-gpu", "su": 1 + i // 2,
                   "rack": "lab-su%d-r1" % (1 + i // 2), "tenant": "research" if n == "lab-node-4" else None,
                   "features": ["lab-node", "su%d" % (1 + i // 2), "rack_lab_su%d_r1" % (1 + i // 2), "lab-gpu"]}
                  for i, n in enumerate(nodes)],
        "topology": [{"name": "su1", "nodes": nodes[:2], "switches": []},
                     {"name": "su2", "nodes": nodes[2:], "switches": []},
                     {"name": "compute", "nodes": [], "switches": ["su1", "su2"]}],
        "partitions": [
            {"name": "inference", "priority_tier": 2, "preempt_mode": "off", "default": True,
             "allow_accounts": None, "grace_time_s": 0, "nodes": nodes[:3]},
            {"name": "training", "priority_tier": 1, "preempt_mode": "requeue", "default": False,
             "allow_accounts": None, "grace_time_s": 600, "nodes": nodes[1:3]},
            {"name": "tenant-research", "priority_tier": 2, "preempt_mode": "off", "default": False,
             "allow_accounts": ["research"], "grace_time_s": 0, "nodes": nodes[3:]},
        ],
        "accounts": [{"name": "research", "gpu_limit": 2, "fairshare": 1, "nodes": ["lab-node-4"],
                      "partitions": ["inference", "training", "tenant-research"]}],
        "modes": [{"name": "day", "start": "07:00", "inference": nodes[:3], "training": []},
                  {"name": "night", "start": "19:00", "inference": nodes[:1], "training": nodes[1:3]}],
        "grace": {"inference_s": 300, "training_s": 600},
    }


def gpu_facts(xml_path):
    """What refarch.ai_cluster.gpu_facts returns on a host with that nvidia-smi output."""
    with open(xml_path, encoding="utf-8") as handle:
        return nvidia_smi.summarize(nvidia_smi.parse_xml(handle.read()))


def xml_gpus(xml_path):
    """[(product_name, minor_number)] read straight from the XML, not through the parser."""
    root = ET.parse(xml_path).getroot()  # nosec B314 - the repository's own fixtures
    return [(g.findtext("product_name").strip(), int(g.findtext("minor_number"))) for g in root.findall("gpu")]


def expand(text):
    """Slurm's expansion of a hostlist: ``a[1-3,07],b`` -> a1 a2 a3 a07 b (the width of a range
    is the length of its low bound, every number zero-padded to it: src/common/hostlist.c)."""
    out, depth, piece = [], 0, ""
    for char in text + ",":
        if char == "," and depth == 0:
            if "[" in piece:
                prefix, ranges = piece[:-1].split("[", 1)
                for part in ranges.split(","):
                    lo, hi = (part.split("-", 1) + [part])[:2]
                    out += [prefix + str(v).zfill(len(lo)) for v in range(int(lo), int(hi) + 1)]
            elif piece:
                out.append(piece)
            piece = ""
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        piece += char
    return out


def words(line):
    """``{key: value}`` of one ``Key=value Key=value`` line."""
    return dict(w.split("=", 1) for w in line.split())


def lines_of(text, key):
    return [words(line) for line in text.splitlines() if line.startswith(key + "=")]


def params(conf):
    with open(os.path.join(FIXTURES, "slurm", conf + ".params"), encoding="utf-8") as handle:
        return set(handle.read().split())


# --- hostlist ------------------------------------------------------------------------------------

name_strategy = st.one_of(
    st.text(alphabet="ab-_.0123456789", min_size=1, max_size=8),
    st.builds(lambda prefix, number, width: prefix + str(number).zfill(width),
              st.sampled_from(["lab-node-", "n", "rack1-n", "gpu", ""]), st.integers(0, 1200), st.integers(1, 4)),
)


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(st.lists(name_strategy, max_size=40))
def test_hostlist_round_trips(names):
    text = slurm.hostlist(names)
    expanded = expand(text)
    assert sorted(expanded) == sorted(set(names)), text
    assert len(expanded) == len(set(names)), text


@pytest.mark.parametrize("names, text", [
    (["lab-node-%d" % i for i in range(1, 5)], "lab-node-[1-4]"),
    (["lab-node-4", "lab-node-1", "lab-node-2"], "lab-node-[1-2,4]"),
    (["n9", "n10", "n11"], "n[9-11]"),
    (["n08", "n09", "n10"], "n[08-10]"),
    (["n1", "n01"], "n[1,01]"),
    (["n9", "n010"], "n[9,010]"),
    (["su1", "su2", "compute"], "compute,su[1-2]"),
    (["lab-node-3"], "lab-node-3"),
    (["/dev/nvidia%d" % i for i in (0, 1, 2, 3, 5, 7)], "/dev/nvidia[0-3,5,7]"),
    ([], ""),
])
def test_hostlist_compresses_runs(names, text):
    assert slurm.hostlist(names) == text


def test_hostlist_splits_ranges_slurm_would_refuse():
    names = ["n%d" % i for i in range(slurm.MAX_RANGE + 10)]
    text = slurm.hostlist(names)
    assert text == "n[0-%d,%d-%d]" % (slurm.MAX_RANGE - 1, slurm.MAX_RANGE, slurm.MAX_RANGE + 9)
    assert len(expand(text)) == len(names)


@pytest.mark.parametrize("bad", ["a b", "a,b", "n[1]", "", "x=y"])
def test_hostlist_refuses_names_it_cannot_write(bad):
    with pytest.raises(ValueError, match="host list"):
        slurm.hostlist([bad])


# --- GPU types -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [
    ("NVIDIA H100 80GB HBM3", "nvidia_h100_80gb_hbm3"),
    ("NVIDIA A100-SXM4-80GB", "nvidia_a100-sxm4-80gb"),
    ("NVIDIA L40S", "nvidia_l40s"),
    ("Tesla V100-SXM2-16GB", "tesla_v100-sxm2-16gb"),
    ("lab-gpu", "lab-gpu"),
    ("H100-SXM5-80GB", "h100-sxm5-80gb"),
])
def test_gres_type_is_what_nvml_autodetect_names(name, kind):
    assert slurm.gres_type(name) == kind


@pytest.mark.parametrize("bad", ["", "  ", "gpu:x", "a,b", None])
def test_gres_type_refuses_names_slurm_cannot_carry(bad):
    with pytest.raises(ValueError):
        slurm.gres_type(bad)


# --- slurm.conf ----------------------------------------------------------------------------------

def test_every_file_says_it_is_generated():
    files = slurm.render_all(record())
    assert sorted(files) == sorted(slurm.FILES)
    for name, text in files.items():
        first = text.splitlines()[0]
        assert first.startswith("# %s: " % name) and "generated from the plan by refarch.ai_cluster" in first
        assert "Do not edit by hand" in first
        assert text.endswith("\n")


def test_controllers_accounting_and_debian_paths():
    text = slurm.slurm_conf(record(), {}, {})
    assert [line for line in text.splitlines() if line.startswith("SlurmctldHost=")] == [
        "SlurmctldHost=lab-head-1(198.18.64.5)", "SlurmctldHost=lab-head-2(198.18.64.6)"]
    settings_ = dict(line.split("=", 1) for line in text.splitlines()
                     if line and not line.startswith("#") and " " not in line)
    assert settings_["ClusterName"] == "lab"
    assert settings_["AccountingStorageType"] == "accounting_storage/slurmdbd"
    assert settings_["AccountingStorageHost"] == "198.18.64.5"
    assert settings_["AccountingStorageEnforce"] == "associations,limits,qos"
    assert settings_["AccountingStorageTRES"] == "gres/gpu"
    assert settings_["PreemptType"] == "preempt/partition_prio" and settings_["PreemptMode"] == "REQUEUE"
    assert settings_["JobRequeue"] == "1" and settings_["ReturnToService"] == "2"
    assert settings_["SelectType"] == "select/cons_tres" and settings_["SelectTypeParameters"] == "CR_Core_Memory"
    assert settings_["TopologyPlugin"] == "topology/tree" and settings_["GresTypes"] == "gpu"
    assert settings_["ProctrackType"] == "proctrack/cgroup"
    assert settings_["TaskPlugin"] == "task/cgroup,task/affinity"
    # The PID files are the ones Debian's systemd units wait for (PIDFile= of slurmctld.service and
    # slurmd.service in slurmctld/slurmd 22.05.8-4+deb12u3); the directories are the packages'.
    assert settings_["SlurmctldPidFile"] == "/run/slurmctld.pid" and settings_["SlurmdPidFile"] == "/run/slurmd.pid"
    assert settings_["StateSaveLocation"] == "/var/lib/slurm/slurmctld"
    assert settings_["SlurmdSpoolDir"] == "/var/lib/slurm/slurmd"
    assert settings_["SlurmctldLogFile"] == "/var/log/slurm/slurmctld.log"
    assert settings_["SlurmdLogFile"] == "/var/log/slurm/slurmd.log"


def test_node_lines():
    rec = record()
    facts = {"lab-node-1": {"cpus": 16, "memory_mb": "64000"}, "lab-node-2": {"gpu": {"available": False}}}
    nodes = lines_of(slurm.slurm_conf(rec, facts, {}), "NodeName")
    assert [n["NodeName"] for n in nodes] == [n["name"] for n in rec["nodes"]]
    for line, node in zip(nodes, rec["nodes"]):
        assert line["NodeAddr"] == rec["addresses"][node["name"]]
        assert line["Gres"] == "gpu:lab-gpu:2"
        assert line["Feature"].split(",") == node["features"]
        assert line["State"] == "UNKNOWN"
    assert nodes[0]["CPUs"] == "16" and nodes[0]["RealMemory"] == "64000"
    assert "CPUs" not in nodes[1] and "RealMemory" not in nodes[1]


def test_a_node_without_gpus_has_no_gres():
    rec = record()
    rec["nodes"][0]["gpus"] = 0
    nodes = lines_of(slurm.slurm_conf(rec), "NodeName")
    assert "Gres" not in nodes[0] and nodes[1]["Gres"] == "gpu:lab-gpu:2"
    assert not [line for line in lines_of(slurm.gres_conf(rec), "NodeName") if line["NodeName"] == "lab-node-1"]


def test_partition_lines():
    rec = record()
    parts = lines_of(slurm.slurm_conf(rec, {}, {}), "PartitionName")
    assert [p["PartitionName"] for p in parts] == ["inference", "training", "tenant-research"]
    for line, part in zip(parts, rec["partitions"]):
        assert expand(line["Nodes"]) == part["nodes"]
        assert line["Default"] == ("YES" if part["default"] else "NO")
        assert line["PriorityTier"] == str(part["priority_tier"])
        assert line["PreemptMode"] == part["preempt_mode"].upper()
        assert line["GraceTime"] == str(part["grace_time_s"])
        assert line["State"] == "UP" and line["MaxTime"] == "INFINITE" and line["OverSubscribe"] == "NO"
    assert "AllowAccounts" not in parts[0] and parts[2]["AllowAccounts"] == "research"
    assert parts[0]["Nodes"] == "lab-node-[1-3]"


def test_a_partition_without_nodes_has_no_nodes_word():
    rec = record()
    rec["partitions"][1]["nodes"] = []
    assert "Nodes" not in lines_of(slurm.slurm_conf(rec), "PartitionName")[1]


# --- gres.conf -----------------------------------------------------------------------------------

@pytest.mark.parametrize("xml_path", XMLS, ids=os.path.basename)
def test_gres_lines_from_gpu_facts(xml_path):
    gpus = xml_gpus(xml_path)
    rec = record()
    rec["nodes"][0].update(gpus=len(gpus), gpu_model="H100-SXM5-80GB")
    facts = {"lab-node-1": {"gpu": gpu_facts(xml_path)}}
    gres = [g for g in lines_of(slurm.gres_conf(rec, facts), "NodeName") if g["NodeName"] == "lab-node-1"]
    kind = slurm.gres_type(gpus[0][0])
    assert len(gres) == 1 and gres[0]["Name"] == "gpu" and gres[0]["Type"] == kind and "Count" not in gres[0]
    assert expand(gres[0]["File"]) == ["/dev/nvidia%d" % m for m in sorted(m for _n, m in gpus)]
    node = lines_of(slurm.slurm_conf(rec, facts), "NodeName")[0]
    assert node["Gres"] == "gpu:%s:%d" % (kind, len(gpus))


def test_a_real_h200_gives_the_type_nvml_autodetect_would():
    """nvidia-smi -q -x of an H200 (driver 580.159.04, captured on a lent GPU machine): one GPU,
    minor 0, named "NVIDIA H200", which Slurm's NVML plugin lower-cases and underscores."""
    rec = record()
    rec["nodes"][0].update(gpus=1, gpu_model="H200")
    facts = {"lab-node-1": {"gpu": gpu_facts(os.path.join(FIXTURES, "nvidia_smi", "h200-x1.xml"))}}
    assert facts["lab-node-1"]["gpu"]["driver_version"] == "580.159.04"
    gres = lines_of(slurm.gres_conf(rec, facts), "NodeName")[0]
    assert (gres["Type"], gres["File"]) == ("nvidia_h200", "/dev/nvidia0")
    assert lines_of(slurm.slurm_conf(rec, facts), "NodeName")[0]["Gres"] == "gpu:nvidia_h200:1"


def test_gres_files_follow_minor_numbers_not_indexes():
    facts = gpu_facts(os.path.join(FIXTURES, "nvidia_smi", "h100-sxm-80gb-x8.xml"))
    for gpu, minor in zip(facts["gpus"], (7, 0, 2, 3, 5, 9, 10, 11)):
        gpu["minor_number"] = minor
    rec = record()
    rec["nodes"][0]["gpus"] = 8
    gres = lines_of(slurm.gres_conf(rec, {"lab-node-1": {"gpu": facts}}), "NodeName")[0]
    assert gres["File"] == "/dev/nvidia[0,2-3,5,7,9-11]"


def test_a_node_that_lost_a_gpu_keeps_the_planned_count():
    # slurm.conf says what the node should have, gres.conf what it has: slurmctld drains the node
    # ("gres/gpu count reported lower than configured"), which is how a lost GPU should show.
    facts = gpu_facts(os.path.join(FIXTURES, "nvidia_smi", "l40s-x8.xml"))
    facts["gpus"] = facts["gpus"][:7]
    rec = record()
    rec["nodes"][0].update(gpus=8, gpu_model="L40S")
    files = slurm.render_all(rec, {"lab-node-1": {"gpu": facts}})
    assert lines_of(files["slurm.conf"], "NodeName")[0]["Gres"] == "gpu:nvidia_l40s:8"
    assert expand(lines_of(files["gres.conf"], "NodeName")[0]["File"]) == ["/dev/nvidia%d" % i for i in range(7)]


def test_mixed_gpu_types_get_one_line_each():
    facts = gpu_facts(os.path.join(FIXTURES, "nvidia_smi", "a100-sxm4-80gb-x4-mig.xml"))
    facts["gpus"][3]["name"] = "NVIDIA A100-SXM4-40GB"
    rec = record()
    rec["nodes"][0].update(gpus=4, gpu_model="A100")
    files = slurm.render_all(rec, {"lab-node-1": {"gpu": facts}})
    gres = [g for g in lines_of(files["gres.conf"], "NodeName") if g["NodeName"] == "lab-node-1"]
    assert [(g["Type"], g["File"]) for g in gres] == [("nvidia_a100-sxm4-80gb", "/dev/nvidia[0-2]"),
                                                      ("nvidia_a100-sxm4-40gb", "/dev/nvidia3")]
    assert lines_of(files["slurm.conf"], "NodeName")[0]["Gres"] == "gpu:nvidia_a100-sxm4-80gb:3,gpu:nvidia_a100-sxm4-40gb:1"


def test_nodes_without_gpu_facts_get_the_plans_count():
    rec = record()
    facts = {"lab-node-2": {"gpu": {"available": False, "reason": "nvidia-smi not found"}}, "lab-node-3": None}
    gres = lines_of(slurm.gres_conf(rec, facts), "NodeName")
    assert gres == [{"NodeName": n["name"], "Name": "gpu", "Type": "lab-gpu", "Count": "2"} for n in rec["nodes"]]
    with_files = lines_of(slurm.gres_conf(rec, facts, {"gpu_files_without_facts": True}), "NodeName")
    assert [g["File"] for g in with_files] == ["/dev/nvidia[0-1]"] * 4 and "Count" not in with_files[0]


def test_a_node_whose_driver_shows_no_gpu_gets_no_device_files():
    # File= of absent devices stops slurmd; a count keeps it up and lets slurmctld drain the node.
    facts = {"lab-node-1": {"gpu": {"available": True, "gpus": []}}}
    gres = lines_of(slurm.gres_conf(record(), facts, {"gpu_files_without_facts": True}), "NodeName")[0]
    assert gres["Count"] == "2" and "File" not in gres


def test_gpu_facts_without_minor_numbers_are_refused():
    facts = gpu_facts(os.path.join(FIXTURES, "nvidia_smi", "l40s-x8.xml"))
    facts["gpus"][2]["minor_number"] = None
    with pytest.raises(ValueError, match=r"lab-node-1\.gpu\.gpus\[2\]: no minor number"):
        slurm.gres_conf(record(), {"lab-node-1": {"gpu": facts}})


# --- topology.conf, cgroup.conf ------------------------------------------------------------------

def test_topology_lines():
    rec = record()
    lines = lines_of(slurm.topology_conf(rec), "SwitchName")
    assert lines == [{"SwitchName": "su1", "Nodes": "lab-node-[1-2]"}, {"SwitchName": "su2", "Nodes": "lab-node-[3-4]"},
                     {"SwitchName": "compute", "Switches": "su[1-2]"}]
    for line, switch in zip(lines, rec["topology"]):
        assert expand(line.get("Nodes", "")) == switch["nodes"]
        assert expand(line.get("Switches", "")) == switch["switches"]


def test_cgroup_conf():
    assert slurm.cgroup_conf().splitlines()[1:] == [
        "CgroupPlugin=autodetect", "ConstrainCores=yes", "ConstrainDevices=yes", "ConstrainRAMSpace=yes"]
    assert "CgroupPlugin=cgroup/v2" in slurm.cgroup_conf({"cgroup_plugin": "cgroup/v2"})


# --- options and errors --------------------------------------------------------------------------

def test_lab_options():
    text = slurm.slurm_conf(record(), {}, {"proctrack_type": "proctrack/linuxproc", "task_plugin": "task/none",
                                           "kill_wait": 5})
    assert "ProctrackType=proctrack/linuxproc\n" in text and "TaskPlugin=task/none\n" in text
    assert "KillWait=5\n" in text


def test_unknown_options_are_named():
    with pytest.raises(ValueError) as info:
        slurm.render_all(record(), {}, {"task_plugins": "task/none", "killwait": 3, "kill_wait": 4})
    assert "unknown Slurm options killwait, task_plugins" in str(info.value)


@pytest.mark.parametrize("options, field", [
    ({"proctrack_type": "proctrack/none"}, "options.proctrack_type"),
    ({"task_plugin": "task/none,task/cgroup"}, "options.task_plugin"),
    ({"task_plugin": "task/cgroups"}, "options.task_plugin"),
    ({"cgroup_plugin": "v2"}, "options.cgroup_plugin"),
    ({"kill_wait": -1}, "options.kill_wait"),
    ({"priority_weight_fairshare": "many"}, "options.priority_weight_fairshare"),
    ({"gpu_files_without_facts": "yes"}, "options.gpu_files_without_facts"),
])
def test_bad_option_values_are_named(options, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        slurm.render_all(record(), {}, options)


@pytest.mark.parametrize("change, problem", [
    (lambda r: r["addresses"].pop("lab-node-2"), "no address for node lab-node-2"),
    (lambda r: r["addresses"].pop("lab-head-2"), "no address for controller lab-head-2"),
    (lambda r: r["partitions"][1]["nodes"].append("lab-node-9"), "partitions[1] (training).nodes: not nodes of the record: lab-node-9"),
    (lambda r: r["topology"][2]["switches"].append("su3"), "topology[2] (compute).switches: not switches of the record: su3"),
    (lambda r: r.update(controllers=[]), "scheduler.controllers: at least one head node is needed"),
    (lambda r: r["nodes"][1].pop("gpu_model"), "nodes[1] (lab-node-2).gpu_model"),
    (lambda r: r["nodes"][0]["features"].append("a b"), "nodes[0] (lab-node-1).features"),
    (lambda r: r["partitions"][0].update(preempt_mode="sometimes"), "partitions[0] (inference).preempt_mode"),
    (lambda r: r.pop("partitions"), "scheduler.partitions: a list of partitions is needed"),
])
def test_bad_records_are_refused_naming_the_field(change, problem):
    rec = record()
    change(rec)
    with pytest.raises(ValueError) as info:
        slurm.render_all(rec)
    assert problem in str(info.value)


# --- every parameter is one Slurm 22.05 documents -------------------------------------------------

def test_every_parameter_is_documented_by_slurm_22_05():
    rec = record()
    facts = {"lab-node-1": {"cpus": 8, "memory_mb": 16000,
                            "gpu": gpu_facts(os.path.join(FIXTURES, "nvidia_smi", "h100-sxm-80gb-x8.xml"))}}
    renders = [slurm.render_all(rec, facts), slurm.render_all(rec, {}, {"gpu_files_without_facts": True}),
               slurm.render_all(rec, {}, {"proctrack_type": "proctrack/linuxproc", "task_plugin": "task/none"})]
    seen = set()
    for files in renders:
        for name, text in files.items():
            documented = params(name)
            for line in text.splitlines():
                if not line or line.startswith("#"):
                    continue
                for word in line.split():
                    key = word.split("=", 1)[0]
                    assert "=" in word and key in documented, "%s: %s is not in %s(5) of Slurm 22.05" % (
                        name, key, name)
                    seen.add((name, key))
    assert ("slurm.conf", "PriorityTier") in seen and ("gres.conf", "File") in seen and ("gres.conf", "Count") in seen


# --- the shipped designs' records ----------------------------------------------------------------

def shipped_records():
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
    out = []
    for design in sorted(glob.glob(os.path.join(ROOT, "inventories", "*", "design.yml"))):
        scheduler = plan_design(design).to_dict().get("scheduler")
        if scheduler:
            out.append((os.path.basename(os.path.dirname(design)), scheduler))
    return out


def test_the_shipped_designs_records_render():
    records = shipped_records()
    if not records:
        pytest.skip("no shipped design has a scheduler section")
    for name, rec in records:
        files = slurm.render_all(rec)
        nodes = lines_of(files["slurm.conf"], "NodeName")
        assert [n["NodeName"] for n in nodes] == [n["name"] for n in rec["nodes"]], name
        for line, part in zip(lines_of(files["slurm.conf"], "PartitionName"), rec["partitions"]):
            assert sorted(expand(line.get("Nodes", ""))) == sorted(part["nodes"]), (name, part["name"])


# --- the action plugin ---------------------------------------------------------------------------

def _action(args):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plugins", "action"))
    from action_harness import make_action  # pylint: disable=import-error,import-outside-toplevel
    return make_action(ActionModule, args)


def test_action_returns_the_files_and_changes_nothing():
    result = _action({"scheduler": record(), "options": {"task_plugin": "task/none"}}).run(task_vars={})
    assert result["changed"] is False and not result.get("failed")
    assert result["files"] == slurm.render_all(record(), {}, {"task_plugin": "task/none"})
    assert result["pool"] == slurm.pool_files(record())


def test_pool_files_are_what_the_switch_loads_and_one_timer_per_mode():
    files = slurm.pool_files(record())
    config = slurm_pool.load_config(files["refarch-pool.json"])
    assert [(m.name, m.start_text, m.inference, m.training) for m in config.modes] == [
        (m["name"], m["start"], m["inference"], m["training"]) for m in sorted(record()["modes"], key=lambda m: m["start"])]
    timers = sorted(name for name in files if name.endswith(".timer"))
    assert timers == sorted("refarch-pool-mode-%s.timer" % m["name"] for m in record()["modes"])
    for mode in record()["modes"]:
        assert "OnCalendar=*-*-* %s:00" % mode["start"] in files["refarch-pool-mode-%s.timer" % mode["name"]]
    assert "ExecStart=/usr/local/sbin/refarch-pool-mode scheduled" in files["refarch-pool-mode.service"]


def test_pool_files_refuse_modes_the_switch_would_refuse():
    bad = dict(record(), modes=[dict(m, start="07:00") for m in record()["modes"]])
    with pytest.raises(slurm.SlurmConfigError, match="scheduler.modes: two modes start at the same time"):
        slurm.pool_files(bad)


@pytest.mark.parametrize("args, message", [
    ({"scheduler": record(), "options": {"bogus": 1}}, "unknown Slurm option bogus"),
    ({"scheduler": None}, "scheduler is required"),
    ({"scheduler": record(), "nodes": ["lab-node-1"]}, "nodes must be a dict"),
    ({"scheduler": dict(record(), addresses={})}, "no address for controller lab-head-1"),
    ({"scheduler": record(), "nodes": {"lab-node-1": {"cpus": "many"}}}, "nodes.lab-node-1.cpus"),
])
def test_action_fails_with_a_message(args, message):
    with pytest.raises(AnsibleActionFail, match=re.escape(message)):
        _action(copy.deepcopy(args)).run(task_vars={})


# --- slurmd's own parser, where a slurmd is at hand ----------------------------------------------

def _slurmd():
    """A slurmd binary named ``slurmd`` (REFARCH_SLURMD, else the PATH, else /usr/sbin/slurmd) and
    the library and plugin directory of an unpacked package (REFARCH_SLURM_LIBDIR), if any."""
    path = os.environ.get("REFARCH_SLURMD") or shutil.which("slurmd") or "/usr/sbin/slurmd"
    return (path if os.access(path, os.X_OK) else None), os.environ.get("REFARCH_SLURM_LIBDIR")


def _run_slurmd(tmp_path, files, node):
    """``slurmd -G -N node`` over the files in tmp_path (SlurmUser, log and spool made local)."""
    binary, libdir = _slurmd()
    if binary is None:
        pytest.skip("no slurmd on this host (set REFARCH_SLURMD to use an unpacked one)")
    text = files["slurm.conf"].replace("SlurmUser=slurm\n", "SlurmUser=%s\n" % pwd.getpwuid(os.getuid()).pw_name)
    text = re.sub(r"(?m)^SlurmdLogFile=.*$", "SlurmdLogFile=%s" % (tmp_path / "slurmd.log"), text)
    text = re.sub(r"(?m)^SlurmdSpoolDir=.*$", "SlurmdSpoolDir=%s" % (tmp_path / "spool"), text)
    env = dict(os.environ)
    if libdir:
        text += "PluginDir=%s\n" % libdir.split(":")[0]
        env["LD_LIBRARY_PATH"] = libdir
    for name, content in dict(files, **{"slurm.conf": text}).items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "spool").mkdir(exist_ok=True)
    out = subprocess.run([binary, "-G", "-N", node, "-f", str(tmp_path / "slurm.conf")], env=env,
                         capture_output=True, text=True, timeout=90, check=False)
    return out.returncode, out.stdout + out.stderr


LAB_OPTIONS = {"proctrack_type": "proctrack/linuxproc", "task_plugin": "task/none"}


def test_slurmd_parses_the_files(tmp_path):
    """``slurmd -G`` reads slurm.conf, gres.conf and cgroup.conf with Slurm's own parser (an
    unknown key is fatal) and prints the node's GPUs. Run it with a slurmd of Debian 12 at hand,
    e.g. unpacked from slurmd, slurm-wlm-basic-plugins, libhwloc15 and libmunge2 with
    REFARCH_SLURMD=<dir>/slurmd (a link to usr/sbin/slurmd-wlm named slurmd: Slurm reads its
    node's Gres only in a program named slurmd) and
    REFARCH_SLURM_LIBDIR=<dir>/usr/lib/x86_64-linux-gnu/slurm-wlm:<dir>/usr/lib/x86_64-linux-gnu.
    """
    rc, output = _run_slurmd(tmp_path, slurm.render_all(record(), {}, LAB_OPTIONS), "lab-node-1")
    assert rc == 0 and "error:" not in output and "fatal:" not in output, output
    # Slurm 22.05 drops a gpu GRES without File (gres.conf(5): "File is required for all gpu typed
    # GRES"): a node of Count= lines has no GPU. Why gpu_files_without_facts exists.
    assert "Gres Name=gpu" not in output, output


def test_slurmd_counts_the_gpus_of_gres_files(tmp_path):
    """With device files (character devices made here, where mknod is allowed), slurmd counts each
    node's GPUs under the type slurm.conf gives them: no 'more configured than expected'."""
    devices = tmp_path / "dev"
    devices.mkdir()
    try:
        for minor in range(8):
            os.mknod(str(devices / ("nvidia%d" % minor)), 0o600 | stat.S_IFCHR, os.makedev(195, minor))
    except PermissionError:
        pytest.skip("mknod is not allowed here")
    rec = record()
    rec["nodes"][0].update(gpus=8, gpu_model="H100-SXM5-80GB")
    facts = {"lab-node-1": {"gpu": gpu_facts(os.path.join(FIXTURES, "nvidia_smi", "h100-sxm-80gb-x8.xml"))}}
    files = slurm.render_all(rec, facts, dict(LAB_OPTIONS, gpu_files_without_facts=True))
    files["gres.conf"] = files["gres.conf"].replace("/dev/nvidia", str(devices / "nvidia"))
    for node, expected in (("lab-node-1", "Type=nvidia_h100_80gb_hbm3 Count=8"), ("lab-node-2", "Type=lab-gpu Count=2")):
        rc, output = _run_slurmd(tmp_path, files, node)
        assert rc == 0 and "error:" not in output and "WARNING" not in output, output
        assert "Gres Name=gpu %s " % expected in output, output
