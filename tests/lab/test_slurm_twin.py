# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared pool in the twin: `make lab`'s path (site.yml) on a twin of its own, then Slurm at work.

The lab design renamed ``slm`` (so that it never meets `make lab`'s twin) is brought up and
configured by ``playbooks/site.yml`` with the lab inventory's group variables, which plans,
configures the switches and hosts, brings Slurm up on the head node and the GPU nodes, and
validates (the scheduler included). Then, with real slurmctld, slurmd, slurmdbd and MariaDB:

* the slurm role run again changes nothing, in check mode too, and never prints a secret;
* every node is registered with its GPUs (the twin's stand-in device files) and a job runs on all;
* a 2-node job lands under one topology leaf switch (one SU) when one is free, although the
  lowest-numbered free nodes are in two;
* a tenant over its GPU quota waits (AssocGrpGRES);
* the manual switch to night (playbooks/pool_mode.yml) changes nothing with --check; at the switch
  to day a night training job gets SIGTERM, is requeued, and an inference job then starts on its
  node within INFERENCE_START_S;
* validation names the pool when its partitions match no mode.

Needs what the lab twin needs (root, podman, runc); skipped otherwise. About 10 minutes on 2 cores.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from slurm_twin import HEAD, NAME, NODES, ROOT, idle, slurm  # noqa: F401  pylint: disable=import-error

pytestmark = pytest.mark.lab

# An inference job asked for a node that just left training starts within this many seconds of the
# end of the switch (the switch itself takes at most the training grace, 20 s in the lab design,
# plus one poll of squeue, 10 s).
INFERENCE_START_S = 30
RECAP = re.compile(r"^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
TRAIN = """#!/bin/bash
trap 'echo TERM $(date +%s) >> /tmp/train-$SLURM_JOB_ID.log; sleep 2; exit 0' TERM
echo START $(date +%s) ${SLURM_RESTART_COUNT:-0} >> /tmp/train-$SLURM_JOB_ID.log
sleep 600 & wait
"""


def recap(output):
    return {m.group(1): (int(m.group(2)), int(m.group(3)), int(m.group(4))) for m in RECAP.finditer(output)}


def test_site_brought_slurm_up_and_validation_checked_it(pool):
    report = json.loads((pool.plan_dir / "validation.json").read_text())
    assert report["counts"]["error"] == 0
    assert report["checked"]["scheduler_nodes"] == 4 and report["checked"]["scheduler_switches"] == 3
    assert report["checked"]["scheduler_partitions"] == 2


def test_the_role_again_changes_nothing_in_check_mode_either_and_prints_no_secret(pool):
    book = ["-i", pool.inventory, "playbooks/scheduler.yml", "--diff", "-v"]
    secrets = [p.read_text().strip() for p in (ROOT / "build" / "secrets" / NAME).iterdir()]
    assert len(secrets) == 2
    for label, extra in (("scheduler again", []), ("scheduler check", ["--check"])):
        out = pool.must(label, *(book + extra))
        text = out.stdout + out.stderr
        hosts = recap(text)
        assert set(hosts) == {HEAD, *NODES}, text[-3000:]
        assert all(changed == 0 for changed, _u, _f in hosts.values()), (label, hosts, text[-6000:])
        for secret in secrets:
            assert secret not in text, "a secret was printed by the %s run" % label


def test_every_node_is_registered_with_its_gpus_and_a_job_runs_on_all(pool):
    lines = slurm(pool, "sinfo --noheader --Node --format='%N %G %T'").split()
    table = dict((lines[i], (lines[i + 1], lines[i + 2])) for i in range(0, len(lines), 3))
    assert sorted(table) == NODES
    assert all(gres == "gpu:lab-gpu:2" and state == "idle" for gres, state in table.values()), table
    out = slurm(pool, "timeout 120 srun --account=product --nodes=4 hostname")
    assert sorted(out.split()) == NODES


def test_a_two_node_job_stays_under_one_leaf_switch_when_it_can(pool):
    idle(pool)
    # node-1 busy: the lowest free nodes are node-2 (SU 1) and node-3 (SU 2); SU 2 has two free.
    slurm(pool, "sbatch --account=product --nodelist=%s --wrap='sleep 300' && "
                "for i in $(seq 30); do squeue -h -t R | grep -q . && exit 0; sleep 1; done; exit 1" % NODES[0])
    out = slurm(pool, "timeout 120 srun --account=product --nodes=2 hostname")
    assert sorted(out.split()) == NODES[2:], out
    assert "SwitchName=su2 Level=0 LinkSpeed=1 Nodes=%s-node-[3-4]" % NAME in slurm(pool, "scontrol show topology")
    idle(pool)


def test_a_tenant_over_its_gpu_quota_waits(pool):
    idle(pool)
    job = "sbatch --parsable --account=research --gres=gpu:2 --nodes=1 --wrap='sleep 300'"
    first = slurm(pool, job).strip()
    second = slurm(pool, job).strip()
    deadline = time.monotonic() + 60
    states = {}
    while time.monotonic() < deadline:
        states = dict(line.split(None, 1) for line in slurm(pool, "squeue -h -o '%i %T %r'").splitlines())
        # The second job's reason reads None until the scheduler has considered it.
        if states.get(first, "").startswith("RUNNING") and states.get(second, "PENDING None") != "PENDING None":
            break
        time.sleep(1)
    assert states[first].startswith("RUNNING"), states
    assert states[second] == "PENDING AssocGrpGRES", states
    idle(pool)


def test_at_dawn_a_night_job_is_signalled_requeued_and_inference_takes_its_nodes(pool):
    idle(pool)
    # The manual switch (playbooks/pool_mode.yml): --check prints the plan of the switch, changes nothing.
    book = ["-i", pool.inventory, "playbooks/pool_mode.yml", "-e", "pool_mode=night"]
    dry = pool.must("pool mode night --check", *(book + ["--check"]))
    assert "dry-run: scontrol update PartitionName=training Nodes=%s-node-3,%s-node-4 State=UP" % (NAME, NAME) \
        in dry.stdout, dry.stdout[-3000:]
    assert "State=DOWN" in slurm(pool, "scontrol show partition training")
    pool.must("pool mode night", *book)
    assert "State=UP" in slurm(pool, "scontrol show partition training")
    slurm(pool, "cat > /tmp/train.sh <<'EOF'\n%sEOF\nchmod +x /tmp/train.sh" % TRAIN)
    job = slurm(pool, "sbatch --parsable --partition=training --account=product --nodes=2 --chdir=/tmp "
                      "/tmp/train.sh").strip()
    slurm(pool, "for i in $(seq 60); do squeue -h -j %s -t R | grep -q . && exit 0; sleep 1; done; exit 1" % job)
    time.sleep(2)     # the trap is set
    start = time.monotonic()
    switch = slurm(pool, "refarch-pool-mode switch day")
    switched = time.monotonic()
    assert "scancel --signal=TERM --full %s" % job in switch and "scontrol requeue %s" % job in switch, switch
    shown = slurm(pool, "scontrol show job %s" % job)
    assert "JobState=PENDING" in shown and "Restarts=1" in shown, shown
    log = slurm(pool, "cat /tmp/train-%s.log" % job, host=NODES[2])
    assert re.search(r"^START \d+ 0\nTERM \d+$", log, re.M), log
    out = slurm(pool, "timeout %d srun --partition=inference --account=product --nodelist=%s hostname" % (
        INFERENCE_START_S, NODES[3]))
    assert out.split() == [NODES[3]]
    assert time.monotonic() - switched < INFERENCE_START_S
    assert switched - start < 20 + 10 + 15, "the switch took %.0f s" % (switched - start)
    slurm(pool, "scancel %s" % job)


def test_the_timers_switch_at_the_planned_hours(pool):
    units = slurm(pool, "ls /etc/systemd/system/ | grep '^refarch-pool-mode-.*timer$'").split()
    assert units == ["refarch-pool-mode-day.timer", "refarch-pool-mode-night.timer"]
    for mode, start in sorted(pool.starts.items()):
        unit = "refarch-pool-mode-%s.timer" % mode
        shown = slurm(pool, "systemctl show %s --property=TimersCalendar,ActiveState,UnitFileState" % unit)
        assert "OnCalendar=*-*-* %s:00" % start in shown and "ActiveState=active" in shown, shown
        assert "UnitFileState=enabled" in shown, shown


def test_validation_names_the_pool_out_of_every_mode(pool):
    slurm(pool, "scontrol update PartitionName=inference Nodes=%s" % ",".join(NODES[:3]))
    try:
        rc, report, output = pool.validate("pool out of mode")
        found = [f for f in report["findings"] if f["severity"] != "info"]
        assert rc != 0 and len(found) == 1, output[-3000:]
        assert found[0]["check"] == "scheduler" and found[0]["device"] == HEAD
        assert "none of the plan's modes" in found[0]["message"]
    finally:
        slurm(pool, "refarch-pool-mode scheduled")
