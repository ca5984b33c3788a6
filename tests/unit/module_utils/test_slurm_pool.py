# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""refarch-pool-mode (module_utils/slurm_pool.py and roles/slurm/files/refarch-pool-mode) against a
stand-in Slurm 22.05.

The stand-in answers what the script asks the way 22.05.8 does: ``scontrol show partition -o`` one
line per partition with the node list compressed the way slurmctld prints it (``Nodes=(null)`` when
empty), ``scontrol show hostnames`` one name per line, ``squeue -h -o "%i %N"``, errors of
``scontrol update`` on unknown nodes and of ``scontrol requeue`` on jobs that cannot be requeued.
It records every command with the (fake) time it ran, so that the tests check the order, the
grace times and that nothing changes in dry-run or when the mode is already in force.

Hypothesis profiles follow REFARCH_HYPOTHESIS_PROFILE (``ci`` by default, ``long`` for more).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.refarch.ai_cluster.plugins.module_utils import slurm_pool

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(REPO, "roles", "slurm", "files", "refarch-pool-mode")
MODULE_UTILS = os.path.join(REPO, "plugins", "module_utils")

PROFILE = os.environ.get("REFARCH_HYPOTHESIS_PROFILE", "ci")
EXAMPLES = 300 if PROFILE == "long" else 60


def _settings(examples=EXAMPLES):
    return settings(max_examples=examples, deadline=None, derandomize=PROFILE != "long", database=None,
                    suppress_health_check=[HealthCheck.too_slow])


NODES = ["lab-node-1", "lab-node-2", "lab-node-3", "lab-node-4"]
CONFIG = {
    "modes": [
        {"name": "day", "start": "07:00", "inference": NODES, "training": []},
        {"name": "night", "start": "19:00", "inference": NODES[:2], "training": NODES[2:]},
    ],
    "grace": {"inference_s": 300, "training_s": 600},
    "partitions": {"inference": "inference", "training": "training"},
}


# --- a stand-in Slurm 22.05 -------------------------------------------------------------------------

def expand(hostlist):
    """``lab-node-[1-2,4],head`` -> names (what ``scontrol show hostnames`` prints)."""
    names = []
    for part in re.findall(r"[^,\[]+(?:\[[^\]]*\])?", hostlist):
        match = re.match(r"^(.*)\[([^\]]*)\]$", part)
        if not match:
            names.append(part)
            continue
        for span in match.group(2).split(","):
            low, _dash, high = span.partition("-")
            for number in range(int(low), int(high or low) + 1):
                names.append("%s%0*d" % (match.group(1), len(low), number))
    return names


def compress(names, order):
    """Names as slurmctld prints a partition's nodes (bitmap2node_name: node table order, ranged)."""
    if not names:
        return "(null)"
    groups = {}
    for name in sorted(names, key=order.index):
        prefix, number = re.match(r"^(.*?)(\d+)$", name).groups()
        groups.setdefault(prefix, []).append(int(number))
    parts = []
    for prefix, numbers in groups.items():
        spans, first, last = [], numbers[0], numbers[0]
        for number in numbers[1:] + [None]:
            if number == last + 1:
                last = number
                continue
            spans.append(str(first) if first == last else "%d-%d" % (first, last))
            if number is not None:
                first = last = number
        parts.append(prefix + (spans[0] if len(numbers) == 1 else "[%s]" % ",".join(spans)))
    return ",".join(parts)


class FakeSlurm:
    """slurmctld's partitions and jobs, answering scontrol, squeue and scancel; a fake clock."""

    PARTITION = ("PartitionName={name} AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL AllocNodes=ALL "
                 "Default={default} QoS=N/A DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO "
                 "GraceTime={grace} Hidden=NO MaxNodes=UNLIMITED MaxTime=UNLIMITED MinNodes=0 LLN=NO "
                 "MaxCPUsPerNode=UNLIMITED Nodes={nodes} PriorityJobFactor=1 PriorityTier={tier} "
                 "RootOnly=NO ReqResv=NO OverSubscribe=NO OverTimeLimit=NONE PreemptMode={preempt} "
                 "State={state} TotalCPUs={cpus} TotalNodes={count} SelectTypeParameters=NONE "
                 "JobDefaults=(null) DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED "
                 "TRES=cpu={cpus},mem={mem}M,node={count},billing={cpus},gres/gpu={gpus}")

    def __init__(self, inference, training, training_state="UP", jobs=None, fail=None):
        self.all_nodes = list(NODES)
        self.partitions = {"debug": {"nodes": ["lab-node-1"], "state": "UP"},
                           "inference": {"nodes": list(inference), "state": "UP"},
                           "training": {"nodes": list(training), "state": training_state}}
        # job id -> {partition, nodes, ends_after (seconds after SIGTERM, None: never), ends_at,
        #            requeue (bool), state}
        self.jobs = {}
        for job_id, job in (jobs or {}).items():
            entry = {"requeue": True, "ends_after": None, "ends_at": None, "batch": True}
            entry.update(job)
            entry["state"] = "RUNNING"
            self.jobs[job_id] = entry
        self.fail = fail or (lambda argv: None)
        self.now = 0.0
        self.calls = []  # (time, argv)

    # the clock the pool waits with
    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.now += seconds
        for job in self.jobs.values():
            if job["state"] == "RUNNING" and job["ends_at"] is not None and job["ends_at"] <= self.now:
                job["state"] = "COMPLETED"

    def changes(self):
        """The commands that change something, in order."""
        return [" ".join(argv) for _t, argv in self.calls if not _reads(argv)]

    def timed(self):
        return [(t, " ".join(argv)) for t, argv in self.calls if not _reads(argv)]

    def line(self, name):
        part = self.partitions[name]
        count = len(part["nodes"])
        return self.PARTITION.format(
            name=name, default="YES" if name == "inference" else "NO",
            grace=600 if name == "training" else 0, tier=1 if name == "training" else 2,
            preempt="REQUEUE" if name == "training" else "OFF", state=part["state"],
            nodes=compress(part["nodes"], self.all_nodes), count=count, cpus=64 * count,
            mem=512000 * count, gpus=2 * count)

    def __call__(self, argv):
        argv = list(argv)
        self.calls.append((self.now, argv))
        failure = self.fail(argv)
        if failure:
            return failure
        if argv[:4] == ["scontrol", "show", "partition", "-o"]:
            return 0, "".join(self.line(name) + "\n" for name in self.partitions), ""
        if argv[:3] == ["scontrol", "show", "hostnames"]:
            return 0, "".join(name + "\n" for name in expand(argv[3])), ""
        if argv[:2] == ["scontrol", "update"]:
            fields = dict(arg.split("=", 1) for arg in argv[2:])
            part = self.partitions[fields["PartitionName"]]
            if "Nodes" in fields:
                nodes = expand(fields["Nodes"]) if fields["Nodes"] else []
                unknown = [n for n in nodes if n not in self.all_nodes]
                if unknown:
                    return 1, "", "slurm_update error: Invalid node name specified\n"
                part["nodes"] = nodes
            if "State" in fields:
                part["state"] = fields["State"]
            return 0, "", ""
        if argv[:2] == ["scontrol", "requeue"]:
            # scontrol(1): requeue takes a running, suspended or finished batch job.
            job = self.jobs.get(argv[2])
            if job is None:
                return 1, "", "Requeue of job %s failed: Invalid job id specified\n" % argv[2]
            if not job["batch"]:
                return 1, "", "Requeue of job %s failed: Only batch jobs are accepted or processed\n" % argv[2]
            if not job["requeue"]:
                return 1, "", "Requeue of job %s failed: Requested operation is presently disabled\n" % argv[2]
            job["state"] = "PENDING"
            return 0, "", ""
        if argv[0] == "scancel":
            job = self.jobs.get(argv[-1])
            if job is None or job["state"] != "RUNNING":
                return 1, "", "scancel: error: Kill job error on job id %s: Invalid job id specified\n" % argv[-1]
            assert argv[1:3] == ["--signal=TERM", "--full"], argv
            if job["ends_after"] is not None and job["ends_at"] is None:
                job["ends_at"] = self.now + job["ends_after"]
            return 0, "", ""
        if argv[0] == "squeue":
            options = dict(zip(argv[1::2], argv[2::2])) if argv[1] != "-h" else dict(zip(argv[2::2], argv[3::2]))
            assert options["-t"] == "RUNNING,SUSPENDED"
            lines = []
            for job_id in sorted(self.jobs, key=int):
                job = self.jobs[job_id]
                if job["state"] != "RUNNING":
                    continue
                if "-j" in options and options["-j"] != job_id:
                    continue
                if "-p" in options and options["-p"] != job["partition"]:
                    continue
                if options["-o"] == "%i":
                    lines.append(job_id)
                else:
                    lines.append("%s %s" % (job_id, compress(job["nodes"], self.all_nodes)))
            if "-j" in options and options["-j"] not in self.jobs:
                return 1, "", "slurm_load_jobs error: Invalid job id specified\n"
            return 0, "".join(line + "\n" for line in lines), ""
        raise AssertionError("unexpected command %r" % argv)


def _reads(argv):
    return argv[0] == "squeue" or argv[:2] == ["scontrol", "show"]


def _pool(fake, tmp_path, **kwargs):
    said = []
    pool = slurm_pool.Pool(slurm_pool.load_config(CONFIG), run=fake, say=said.append, sleep=fake.sleep,
                           clock=fake.clock, state_file=str(tmp_path / "state" / "pool-mode"), **kwargs)
    return pool, said


def _state(tmp_path):
    path = tmp_path / "state" / "pool-mode"
    return path.read_text().strip() if path.exists() else None


# --- switches -----------------------------------------------------------------------------------------

def test_day_to_night_grows_training_first_then_drains_inference(tmp_path):
    fake = FakeSlurm(NODES, [], "DOWN", jobs={
        "101": {"partition": "inference", "nodes": ["lab-node-3"]},                    # ends by itself
        "102": {"partition": "inference", "nodes": ["lab-node-4"]},                    # still there after 300 s
        "103": {"partition": "inference", "nodes": ["lab-node-1"]},                    # stays on inference
        "104": {"partition": "training", "nodes": ["lab-node-3"]}})                    # cannot run in DOWN; ignored
    fake.jobs["104"]["state"] = "PENDING"
    fake.jobs["101"]["ends_at"] = 120
    pool, said = _pool(fake, tmp_path)
    pool.switch("night")
    assert fake.timed() == [
        (0, "scontrol update PartitionName=training Nodes=lab-node-3,lab-node-4 State=UP"),
        (0, "scontrol update PartitionName=inference Nodes=lab-node-1,lab-node-2"),
        (300, "scancel --signal=TERM --full 102"),
        (330, "scontrol requeue 102"),
    ]
    assert fake.partitions["inference"]["nodes"] == NODES[:2]
    assert fake.partitions["training"] == {"nodes": NODES[2:], "state": "UP"}
    assert fake.jobs["101"]["state"] == "COMPLETED" and fake.jobs["102"]["state"] == "PENDING"
    assert fake.jobs["103"]["state"] == "RUNNING"
    assert "job 101 ended" in said and said[-1] == "pool in mode night"
    assert _state(tmp_path) == "night"


def test_night_to_day_signals_training_jobs_then_requeues_after_the_grace(tmp_path):
    fake = FakeSlurm(NODES[:2], NODES[2:], "UP", jobs={
        "201": {"partition": "training", "nodes": NODES[2:]},                          # ignores SIGTERM
        "202": {"partition": "training", "nodes": ["lab-node-3"], "ends_after": 90},   # checkpoints, exits
        "203": {"partition": "inference", "nodes": ["lab-node-2"]}})
    pool, _said = _pool(fake, tmp_path)
    pool.switch("day")
    assert fake.timed() == [
        (0, "scontrol update PartitionName=inference Nodes=lab-node-1,lab-node-2,lab-node-3,lab-node-4"),
        (0, "scontrol update PartitionName=training Nodes= State=DOWN"),
        (0, "scancel --signal=TERM --full 201"),
        (0, "scancel --signal=TERM --full 202"),
        (90, "scontrol requeue 202"),     # it checkpointed and left when told: back to the queue
        (600, "scontrol requeue 201"),
    ]
    assert fake.partitions["training"] == {"nodes": [], "state": "DOWN"}
    assert fake.jobs["201"]["state"] == "PENDING" and fake.jobs["202"]["state"] == "PENDING"
    assert fake.jobs["203"]["state"] == "RUNNING"
    assert _state(tmp_path) == "day"


def test_training_partition_shown_empty_is_read_as_no_nodes(tmp_path):
    fake = FakeSlurm(NODES, [], "DOWN")
    assert "Nodes=(null)" in fake.line("training")
    pool, _said = _pool(fake, tmp_path)
    parts = pool.partitions()
    assert parts["training"] == {"name": "training", "nodes": set(), "state": "DOWN"}
    assert parts["inference"]["nodes"] == set(NODES)


@pytest.mark.parametrize("mode, inference, training, state", [
    ("night", NODES[:2], NODES[2:], "UP"),
    ("day", NODES, [], "DOWN"),
])
def test_same_mode_changes_nothing(tmp_path, mode, inference, training, state):
    fake = FakeSlurm(inference, training, state, jobs={
        "301": {"partition": "inference", "nodes": ["lab-node-1"]}})
    pool, said = _pool(fake, tmp_path)
    pool.switch(mode)
    assert fake.changes() == []
    assert "already in %s" % mode in said
    assert _state(tmp_path) == mode
    # A second run does not even rewrite the state file.
    before = os.stat(tmp_path / "state" / "pool-mode").st_mtime_ns
    pool.switch(mode)
    assert os.stat(tmp_path / "state" / "pool-mode").st_mtime_ns == before


def test_rerun_finishes_a_switch_that_stopped_during_its_waits(tmp_path):
    # The partitions are already those of day, but a training job still runs on a leaving node.
    fake = FakeSlurm(NODES, [], "DOWN", jobs={"401": {"partition": "training", "nodes": ["lab-node-4"]}})
    pool, said = _pool(fake, tmp_path)
    pool.switch("day")
    assert fake.changes() == ["scancel --signal=TERM --full 401", "scontrol requeue 401"]
    assert "already in day" not in said


def test_dry_run_prints_the_commands_and_changes_nothing(tmp_path):
    fake = FakeSlurm(NODES[:2], NODES[2:], "UP", jobs={"201": {"partition": "training", "nodes": NODES[2:]}})
    pool, said = _pool(fake, tmp_path, dry_run=True)
    pool.switch("day")
    assert fake.changes() == []
    assert fake.now == 0
    assert [line for line in said if line.startswith("dry-run: scontrol") or line.startswith("dry-run: scancel")] == [
        "dry-run: scontrol update PartitionName=inference Nodes=lab-node-1,lab-node-2,lab-node-3,lab-node-4",
        "dry-run: scontrol update PartitionName=training Nodes= State=DOWN",
        "dry-run: scancel --signal=TERM --full 201",
        "dry-run: scontrol requeue 201",
    ]
    assert any("requeue if still running 600 s later" in line for line in said)
    assert _state(tmp_path) is None
    assert fake.partitions["training"]["nodes"] == NODES[2:]


def test_no_wait_requeues_right_after_the_signal(tmp_path):
    fake = FakeSlurm(NODES, [], "DOWN", jobs={"102": {"partition": "inference", "nodes": ["lab-node-4"]}})
    pool, _said = _pool(fake, tmp_path, wait=False)
    pool.switch("night")
    assert fake.timed()[-2:] == [(0, "scancel --signal=TERM --full 102"), (0, "scontrol requeue 102")]
    assert fake.now == 0


def test_a_job_that_ends_before_its_signal_is_not_a_failure(tmp_path):
    fake = FakeSlurm(NODES[:2], NODES[2:], "UP", jobs={"201": {"partition": "training", "nodes": NODES[2:]}})

    def ends_first(argv):
        if argv[0] == "scancel":
            fake.jobs["201"]["state"] = "COMPLETED"
        return None

    fake.fail = ends_first
    pool, said = _pool(fake, tmp_path)
    pool.switch("day")
    assert fake.changes()[-1] == "scancel --signal=TERM --full 201"
    assert any(line.startswith("  job 201 ended meanwhile") for line in said)
    assert _state(tmp_path) == "day"


def test_a_job_that_cannot_be_requeued_stops_the_switch(tmp_path, capsys):
    fake = FakeSlurm(NODES[:2], NODES[2:], "UP", jobs={
        "201": {"partition": "training", "nodes": NODES[2:], "requeue": False}})
    config = tmp_path / "pool.json"
    config.write_text(json.dumps(CONFIG))
    rc = slurm_pool.main(["--config", str(config), "--state-file", str(tmp_path / "pool-mode"), "switch", "day"],
                         run=fake, say=lambda text: None, sleep=fake.sleep, clock=fake.clock)
    assert rc == 1
    err = capsys.readouterr().err
    assert "scontrol requeue 201 exited 1: Requeue of job 201 failed: Requested operation" in err
    assert "done before the failure:\n  scontrol update PartitionName=inference" in err
    assert "run again: refarch-pool-mode switch day" in err
    assert not (tmp_path / "pool-mode").exists()


def test_a_failing_command_stops_the_switch(tmp_path, capsys):
    fake = FakeSlurm(NODES, [], "DOWN", jobs={"102": {"partition": "inference", "nodes": ["lab-node-4"]}})
    fake.fail = lambda argv: ((1, "", "slurm_update error: Access/permission denied\n")
                              if argv[:3] == ["scontrol", "update", "PartitionName=inference"] else None)
    config = tmp_path / "pool.json"
    config.write_text(json.dumps(CONFIG))
    rc = slurm_pool.main(["--config", str(config), "--state-file", str(tmp_path / "pool-mode"), "switch", "night"],
                         run=fake, say=lambda text: None, sleep=fake.sleep, clock=fake.clock)
    assert rc == 1
    # Training grew, inference failed, nothing after it ran.
    assert [" ".join(argv) for _t, argv in fake.calls[-2:]] == [
        "scontrol update PartitionName=training Nodes=lab-node-3,lab-node-4 State=UP",
        "scontrol update PartitionName=inference Nodes=lab-node-1,lab-node-2"]
    err = capsys.readouterr().err
    assert ("FAILED switching to night: scontrol update PartitionName=inference Nodes=lab-node-1,lab-node-2 "
            "exited 1: slurm_update error: Access/permission denied") in err
    assert "  scontrol update PartitionName=training Nodes=lab-node-3,lab-node-4 State=UP" in err
    assert not (tmp_path / "pool-mode").exists()
    assert fake.jobs["102"]["state"] == "RUNNING"


def test_a_failing_read_changes_nothing(tmp_path, capsys):
    fake = FakeSlurm(NODES, [], "DOWN")
    fake.fail = lambda argv: ((1, "", "slurm_load_partitions: Unable to contact slurm controller (connect failure)\n")
                              if argv[:3] == ["scontrol", "show", "partition"] else None)
    config = tmp_path / "pool.json"
    config.write_text(json.dumps(CONFIG))
    rc = slurm_pool.main(["--config", str(config), "--state-file", str(tmp_path / "pool-mode"), "switch", "night"],
                         run=fake, say=lambda text: None)
    assert rc == 1
    err = capsys.readouterr().err
    assert "Unable to contact slurm controller" in err and "nothing was changed" in err


def test_unknown_mode_and_bad_config_are_usage_errors(tmp_path, capsys):
    config = tmp_path / "pool.json"
    config.write_text(json.dumps(CONFIG))
    assert slurm_pool.main(["--config", str(config), "switch", "evening"], run=FakeSlurm(NODES, [])) == 2
    assert "no mode 'evening'; the modes are: day, night" in capsys.readouterr().err
    assert slurm_pool.main(["--config", str(tmp_path / "missing.json"), "status"]) == 2
    config.write_text("{")
    assert slurm_pool.main(["--config", str(config), "status"]) == 2
    assert "not JSON" in capsys.readouterr().err


@pytest.mark.parametrize("change, message", [
    ({"modes": []}, "modes must be a non-empty list"),
    ({"modes": [{"name": "day", "start": "7:00"}]}, "start '7:00' is not a time"),
    ({"modes": [{"name": "day", "start": "24:00"}]}, "is not a time"),
    ({"modes": [{"name": "a b", "start": "07:00"}]}, "modes[0].name"),
    ({"modes": [{"name": "a", "start": "07:00"}, {"name": "a", "start": "08:00"}]}, "same name"),
    ({"modes": [{"name": "a", "start": "07:00"}, {"name": "b", "start": "07:00"}]}, "same time"),
    ({"modes": [{"name": "a", "start": "07:00", "training": "lab-node-1"}]}, "modes[0].training must be a list"),
    ({"grace": {"training_s": -1}}, "grace.training_s must be a number"),
    ({"grace": {"drain_s": 1}}, "grace.drain_s is unknown"),
    ({"partitions": {"inference": "p", "training": "p"}}, "must differ"),
])
def test_config_errors_name_the_field(change, message):
    data = dict(CONFIG)
    data.update(change)
    with pytest.raises(slurm_pool.ConfigError) as err:
        slurm_pool.load_config(data)
    assert message in str(err.value)


def test_status_reports_recorded_actual_and_scheduled_modes(tmp_path, capsys):
    fake = FakeSlurm(NODES[:2], NODES[2:], "UP")
    config = tmp_path / "pool.json"
    config.write_text(json.dumps(CONFIG))
    (tmp_path / "pool-mode").write_text("night\n")
    rc = slurm_pool.main(["--config", str(config), "--state-file", str(tmp_path / "pool-mode"), "status"],
                         run=fake, now=datetime.datetime(2026, 3, 1, 6, 59))
    assert rc == 0
    status = json.loads(capsys.readouterr().out)
    assert status == {
        "mode": "night", "actual": "night", "scheduled": "night", "consistent": True,
        "partitions": {"inference": {"name": "inference", "nodes": NODES[:2], "state": "UP"},
                       "training": {"name": "training", "nodes": NODES[2:], "state": "UP"}}}
    assert fake.changes() == []


def test_scheduled_switches_to_the_mode_of_the_hour(tmp_path):
    fake = FakeSlurm(NODES[:2], NODES[2:], "UP")
    config = tmp_path / "pool.json"
    config.write_text(json.dumps(CONFIG))
    said = []
    rc = slurm_pool.main(["--config", str(config), "--state-file", str(tmp_path / "pool-mode"), "scheduled"],
                         run=fake, now=datetime.datetime(2026, 3, 1, 7, 0), say=said.append,
                         sleep=fake.sleep, clock=fake.clock)
    assert rc == 0
    assert said[0] == "scheduled mode at 07:00: day"
    assert (tmp_path / "pool-mode").read_text() == "day\n"
    assert fake.partitions["training"] == {"nodes": [], "state": "DOWN"}


# --- scheduled mode selection -------------------------------------------------------------------------

def _modes(starts):
    return [slurm_pool.Mode("m%d" % i, start, [], []) for i, start in enumerate(starts)]


@pytest.mark.parametrize("hhmm, expected", [
    ("00:00", "night"), ("06:59", "night"), ("07:00", "day"), ("12:00", "day"),
    ("18:59", "day"), ("19:00", "night"), ("23:59", "night"),
])
def test_scheduled_mode_of_day_and_night(hhmm, expected):
    modes = slurm_pool.load_config(CONFIG).modes
    assert slurm_pool.scheduled_mode(modes, slurm_pool.parse_start(hhmm)).name == expected


@_settings()
@given(starts=st.sets(st.integers(0, 1439), min_size=1, max_size=6), minute=st.integers(0, 1439))
def test_scheduled_mode_is_the_latest_start_at_or_before_now_wrapping_midnight(starts, minute):
    modes = _modes(sorted(starts, reverse=True))  # any order in, the choice does not depend on it
    chosen = slurm_pool.scheduled_mode(modes, minute)
    # The chosen mode started most recently, counting back over midnight.
    elapsed = (minute - chosen.start) % 1440
    assert all(elapsed <= (minute - mode.start) % 1440 for mode in modes)
    # At its own start time each mode is the one in force.
    assert slurm_pool.scheduled_mode(modes, chosen.start) is chosen


# --- any mode from any state: the switch ends in the mode and never strands a node --------------------

node_sets = st.lists(st.sampled_from(NODES), unique=True)


@_settings()
@given(start_inf=node_sets, start_tr=node_sets, start_up=st.booleans(), target_inf=node_sets, target_tr=node_sets,
       busy=st.lists(st.tuples(st.sampled_from(["inference", "training"]), node_sets.filter(bool)), max_size=4))
def test_any_switch_reaches_the_mode_and_keeps_staying_nodes_in_a_partition(
        tmp_path_factory, start_inf, start_tr, start_up, target_inf, target_tr, busy):
    tmp_path = tmp_path_factory.mktemp("pool")
    config = {"modes": [{"name": "target", "start": "00:00", "inference": target_inf, "training": target_tr}]}
    jobs = {str(500 + i): {"partition": part, "nodes": nodes} for i, (part, nodes) in enumerate(busy)}
    fake = FakeSlurm(start_inf, start_tr, "UP" if start_up else "DOWN", jobs=jobs)
    pool = slurm_pool.Pool(slurm_pool.load_config(config), run=fake, say=lambda text: None, sleep=fake.sleep,
                           clock=fake.clock, state_file=str(tmp_path / "pool-mode"))
    # A node in some partition before and after must be in some partition after every command.
    keep = (set(start_inf) | set(start_tr)) & (set(target_inf) | set(target_tr))
    checked = []

    def check(argv):
        if argv[:2] == ["scontrol", "update"]:
            checked.append(argv)
        return None

    fake.fail = check
    original = fake.__call__

    def run(argv):
        result = original(argv)
        placed = set(fake.partitions["inference"]["nodes"]) | set(fake.partitions["training"]["nodes"])
        assert keep <= placed, (argv, fake.partitions)
        return result

    pool.run = run
    pool.switch("target")
    assert set(fake.partitions["inference"]["nodes"]) == set(target_inf)
    assert set(fake.partitions["training"]["nodes"]) == set(target_tr)
    assert fake.partitions["training"]["state"] == ("UP" if target_tr else "DOWN")
    # No job is left running on a node outside its partition, and every job that was moved got
    # SIGTERM before its requeue.
    for job_id, job in fake.jobs.items():
        outside = set(job["nodes"]) - set(fake.partitions[job["partition"]]["nodes"])
        assert job["state"] == "RUNNING" or outside
        if outside:
            assert job["state"] == "PENDING"
            sent = [" ".join(argv) for _t, argv in fake.calls if argv[-1] == job_id and argv[0] != "squeue"]
            assert sent == ["scancel --signal=TERM --full %s" % job_id, "scontrol requeue %s" % job_id]
    # Switching again changes nothing.
    before = len(fake.changes())
    pool.switch("target")
    assert len(fake.changes()) == before
    assert len(checked) <= 4


# --- systemd units ------------------------------------------------------------------------------------

def test_timer_units_one_service_and_a_timer_per_mode():
    config = slurm_pool.load_config(CONFIG)
    units = slurm_pool.timer_units(config.modes, config.grace)
    assert sorted(units) == ["refarch-pool-mode-day.timer", "refarch-pool-mode-night.timer", "refarch-pool-mode.service"]
    service = units["refarch-pool-mode.service"]
    assert "Type=oneshot\n" in service
    assert "ExecStart=/usr/local/sbin/refarch-pool-mode scheduled\n" in service
    assert "TimeoutStartSec=1200\n" in service
    day = units["refarch-pool-mode-day.timer"]
    assert "OnCalendar=*-*-* 07:00:00\n" in day
    assert "Persistent=true\n" in day and "Unit=refarch-pool-mode.service\n" in day
    assert "OnCalendar=*-*-* 19:00:00\n" in units["refarch-pool-mode-night.timer"]


def _systemd_analyze():
    return shutil.which("systemd-analyze")


@pytest.mark.skipif(not _systemd_analyze(), reason="systemd-analyze is not installed")
@pytest.mark.parametrize("start", ["00:00", "07:00", "19:30", "23:59"])
def test_on_calendar_is_valid_for_systemd(start):
    mode = slurm_pool.Mode("m", slurm_pool.parse_start(start), [], [])
    timer = slurm_pool.timer_units([mode])["refarch-pool-mode-m.timer"]
    expression = re.search(r"^OnCalendar=(.*)$", timer, re.M).group(1)
    out = subprocess.run([_systemd_analyze(), "calendar", expression], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert out.returncode == 0, out.stdout
    assert "Normalized form: *-*-* %s:00" % start in out.stdout


@pytest.mark.skipif(not _systemd_analyze(), reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    script = tmp_path / "refarch-pool-mode"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    config = slurm_pool.load_config(CONFIG)
    for name, text in slurm_pool.timer_units(config.modes, config.grace, script=str(script)).items():
        (tmp_path / name).write_text(text)
    names = sorted(str(p) for p in tmp_path.iterdir() if p.suffix in (".service", ".timer"))
    out = subprocess.run([_systemd_analyze(), "verify", "--man=no"] + names, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, check=False, cwd=str(tmp_path))
    if out.returncode != 0 and re.search(r"Failed to (initialize|setup|create) manager|System has not been booted",
                                         out.stdout):
        pytest.skip("systemd-analyze verify cannot run here: %s" % out.stdout.strip().splitlines()[-1])
    # slurmctld.service (After=) need not exist on the machine running the tests.
    problems = [line for line in out.stdout.splitlines() if line.strip() and "slurmctld" not in line]
    assert out.returncode == 0 and not problems, out.stdout


# --- the installed script: a copy-free import of slurm_pool -------------------------------------------

FAKE_BIN = r'''#!{python}
import sys
argv = [sys.argv[0].rsplit("/", 1)[-1]] + sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(" ".join(argv) + "\n")
if argv[:4] == ["scontrol", "show", "partition", "-o"]:
    print("PartitionName=inference AllowGroups=ALL Default=YES Nodes=lab-node-[1-4] State=UP TotalNodes=4")
    print("PartitionName=training AllowGroups=ALL Default=NO Nodes=(null) State=DOWN TotalNodes=0")
elif argv[:3] == ["scontrol", "show", "hostnames"]:
    print("\n".join("lab-node-%d" % i for i in range(1, 5)))
elif argv[0] == "squeue":
    pass
else:
    sys.exit("unexpected " + " ".join(argv))
'''


@pytest.mark.skipif(os.path.exists("/usr/local/lib/refarch/slurm_pool.py"),
                    reason="an installed slurm_pool.py would shadow the checkout's")
def test_script_imports_slurm_pool_and_runs(tmp_path):
    assert os.access(SCRIPT, os.X_OK)
    with open(SCRIPT, encoding="utf-8") as handle:
        text = handle.read()
    assert 'sys.path.insert(0, "/usr/local/lib/refarch")' in text and "import slurm_pool" in text
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for name in ("scontrol", "squeue", "scancel"):
        path = bin_dir / name
        path.write_text(FAKE_BIN.format(python=sys.executable, log=str(log)))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    config = tmp_path / "pool.json"
    config.write_text(json.dumps(CONFIG))
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ.get("PATH", "")), PYTHONPATH=MODULE_UTILS)
    base = [sys.executable, SCRIPT, "--config", str(config), "--state-file", str(tmp_path / "pool-mode")]
    status = subprocess.run(base + ["status"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, env=env, check=False)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["actual"] == "day"
    dry = subprocess.run(base + ["switch", "night", "--dry-run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=env, check=False)
    assert dry.returncode == 0, dry.stderr
    assert "dry-run: scontrol update PartitionName=training Nodes=lab-node-3,lab-node-4 State=UP" in dry.stdout
    assert "dry-run: scontrol update PartitionName=inference Nodes=lab-node-1,lab-node-2" in dry.stdout
    assert not any(line.startswith("scontrol update") for line in log.read_text().splitlines())
    assert not (tmp_path / "pool-mode").exists()
