# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch the GPU pool of a Slurm cluster between its modes (day/night): the logic of ``refarch-pool-mode``.

The pool's nodes serve two partitions, ``inference`` (higher PriorityTier, PreemptMode=OFF) and
``training`` (PreemptMode=REQUEUE, GraceTime=grace.training_s), under
PreemptType=preempt/partition_prio. Each mode of the plan names the nodes of each partition; a switch
rewrites the two partitions' node lists with ``scontrol update PartitionName=... Nodes=...`` and then
moves the jobs left on nodes that left a partition.

This file runs on the Slurm controller: the role installs it as /usr/local/lib/refarch/slurm_pool.py
beside the script /usr/local/sbin/refarch-pool-mode, which only imports it and calls :func:`main`.
Python standard library only, no Ansible, Python 3.6 syntax (no ``from __future__ import
annotations``, no dataclasses). Every Slurm command goes through a ``run(argv) -> (rc, out, err)``
callable, which the tests replace.

Sequence of a switch to MODE (every step is skipped when it has nothing to do, so a switch to the
mode in force issues no command that changes anything, and a switch that stopped half way is
finished by running it again):

1. Grow. Add to each partition the nodes MODE gives it that it lacks
   (``scontrol update PartitionName=training Nodes=<current + new> State=UP``, then the same for
   inference without State). A node that changes partition is thus in its new partition *before* it
   leaves its old one: it is never in neither partition, where it would sit idle while the jobs of
   both queues wait for it. A node joining inference while training jobs still run on it is
   preemptible at once: inference has the higher PriorityTier, and with partition_prio a pending
   inference job preempts (requeues, after GraceTime) the training jobs in its way.
2. Shrink inference: ``scontrol update PartitionName=inference Nodes=<MODE's>``. From now on no new
   inference job starts on the leaving nodes; the ones running there keep running ("Changing the
   Nodes in a partition has no effect upon jobs that have already begun execution", scontrol(1)).
3. Shrink training: ``scontrol update PartitionName=training Nodes=<MODE's> State=UP``, or
   ``Nodes= State=DOWN`` when MODE has no training nodes. Slurm 22.05 accepts an empty value:
   scontrol(1) "Specify a blank data value to remove all nodes from a partition: Nodes=", and
   slurmctld stores it as no nodes (partition_mgr.c update_part: ``if (part_desc->nodes[0] == '\\0')
   part_ptr->nodes = NULL``); ``scontrol show partition`` then prints ``Nodes=(null)``. DOWN keeps
   training jobs queued (they are accepted, not started) until a mode gives training nodes again.
   Shrinking *before* requeueing matters: a job requeued while its node is still in the partition
   could be started again on that same node.
4. Move the jobs. Training jobs running on a node that is not a training node of MODE
   (``squeue -h -p training -t RUNNING,SUSPENDED -o "%i %N"``, node lists expanded with
   ``scontrol show hostnames``) are signalled at once with ``scancel --signal=TERM --full JOBID``
   and requeued with ``scontrol requeue JOBID`` as soon as they end (having checkpointed), or
   grace.training_s later if still running. Inference jobs on a node that left inference are left to finish for up to
   grace.inference_s; the ones still running then get the same SIGTERM and are requeued
   grace.inference_term_s (default 30 s, Slurm's default KillWait) later. Both waits run side by
   side: squeue is polled every 10 s and a switch takes at most max(training_s, inference_s +
   inference_term_s) plus the polling. ``--no-wait`` requeues right after the signal.
5. Write the mode to the state file (/var/lib/refarch/pool-mode).

A failed command stops the switch there, with the command, its error, the commands done so far and
the command to run again (exit status 1). A signal or requeue that fails because the job ended in
the meantime is not a failure: the job is looked up again (``squeue -h -j JOBID -t
RUNNING,SUSPENDED``) and only a job still running stops the switch.

Why signal with scancel and then requeue, and not only Slurm's preemption (sources: Slurm 22.05.8
man pages scancel(1), scontrol(1), slurm.conf(5); src/slurmctld/job_mgr.c):

* Removing a node from a partition does not preempt anything, so preemption with GraceTime never
  fires for jobs on nodes a switch takes away; GraceTime covers only inference jobs claiming a node
  that is in both partitions.
* ``scontrol requeue`` alone ends the job with SIGTERM and SIGKILL KillWait seconds later (30 s by
  default): too short for a training job to checkpoint. Signalling first and requeueing after
  grace.training_s gives the job the plan's whole grace.
* ``--full``: by default scancel sends signals other than SIGKILL to the job steps only, not to the
  batch script; ``--batch`` reaches the batch shell only, not its children nor the steps. ``--full``
  "also signals the batch script and its children processes. NOTE: srun steps are also children of
  the batch step, so steps are also signaled" (scancel(1)). A training script that traps TERM to
  write a checkpoint gets it, and so do programs run without srun. Slurm's own GraceTime path sends
  the first SIGTERM to the tasks only ("This second set of signals is sent to both the tasks and the
  containing batch script", slurm.conf(5) GraceTime), one more reason not to rely on it here.
* Every job that was signalled is requeued, also one that ended within its grace: it left because
  it was told to (its checkpoint written), not because its work was done, so it goes back to the
  queue to resume when its partition has nodes again (scontrol(1): requeue takes "a running,
  suspended or finished Slurm batch job"). A job that ends before it is signalled (inference that
  finished while its node drained) is not requeued.
* Requeue works only on batch jobs that allow it (job_mgr.c: ESLURM_DISABLED when the job's requeue
  flag is off, ESLURM_BATCH_ONLY for salloc/srun allocations). JobRequeue=1 is Slurm's default
  (slurm.conf(5)) and the role keeps it, so batch jobs are requeueable unless submitted with
  ``--no-requeue``; inference services must be submitted as batch jobs (sbatch, ``--requeue`` if a
  site sets JobRequeue=0). A job that cannot be requeued stops the switch with a message naming it:
  it is never killed without its owner or the operator deciding.

Partition node lists set with scontrol live in slurmctld's memory only: ``scontrol reconfigure``
resets them to slurm.conf unless ReconfigFlags=KeepPartInfo, and a restart of slurmctld without -R
reads them from slurm.conf (read_config.c). Running ``refarch-pool-mode scheduled`` after either puts
the mode back.
"""

import argparse
import datetime
import json
import os
import re
import shlex
import subprocess
import sys
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]
Say = Callable[[str], None]
Sleep = Callable[[float], None]
Clock = Callable[[], float]

DEFAULT_CONFIG = "/etc/slurm/refarch-pool.json"
DEFAULT_STATE_FILE = "/var/lib/refarch/pool-mode"
SCRIPT = "/usr/local/sbin/refarch-pool-mode"
SERVICE = "refarch-pool-mode.service"
POLL_S = 10
DEFAULT_GRACE = {"inference_s": 300, "training_s": 600, "inference_term_s": 30}
# squeue's states of a job that holds nodes and can still be signalled or requeued.
ACTIVE_STATES = "RUNNING,SUSPENDED"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_START = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_FIELD = re.compile(r"(\S+?)=(\S*)")


class PoolError(Exception):
    """A configuration that cannot be used or a Slurm command that failed."""


class ConfigError(PoolError):
    """The pool configuration (JSON) is not usable."""


class CommandError(PoolError):
    """A Slurm command failed; the switch stopped there."""


class Mode(object):
    """One mode of the pool: its name, start time (minutes after midnight) and partition nodes."""

    def __init__(self, name, start, inference, training):
        # type: (str, int, Sequence[str], Sequence[str]) -> None
        self.name = name
        self.start = start
        self.inference = list(inference)
        self.training = list(training)

    @property
    def start_text(self):
        # type: () -> str
        return "%02d:%02d" % divmod(self.start, 60)

    def __repr__(self):
        # type: () -> str
        return "Mode(%r, %s)" % (self.name, self.start_text)


class Config(object):
    """The pool configuration: modes (sorted by start), grace times and partition names."""

    def __init__(self, modes, grace=None, partitions=None):
        # type: (Sequence[Mode], Optional[Mapping[str, int]], Optional[Mapping[str, str]]) -> None
        self.modes = sorted(modes, key=lambda mode: mode.start)
        self.grace = dict(DEFAULT_GRACE)
        self.grace.update(grace or {})
        names = {"inference": "inference", "training": "training"}
        names.update(partitions or {})
        self.inference = names["inference"]
        self.training = names["training"]

    def mode(self, name):
        # type: (str) -> Mode
        for mode in self.modes:
            if mode.name == name:
                return mode
        raise ConfigError("no mode %r; the modes are: %s" % (name, ", ".join(m.name for m in self.modes)))

    def nodes(self):
        # type: () -> List[str]
        """Every node of every mode, in the order of first appearance."""
        seen = []  # type: List[str]
        for mode in self.modes:
            for node in mode.inference + mode.training:
                if node not in seen:
                    seen.append(node)
        return seen


def parse_start(text):
    # type: (Any) -> int
    """``"07:30"`` -> 450 (minutes after midnight)."""
    match = _START.match(text) if isinstance(text, str) else None
    if not match:
        raise ConfigError("start %r is not a time HH:MM (00:00 to 23:59)" % (text,))
    return int(match.group(1)) * 60 + int(match.group(2))


def _node_list(value, where):
    # type: (Any, str) -> List[str]
    if not isinstance(value, list) or not all(isinstance(n, str) and _NAME.match(n) for n in value):
        raise ConfigError("%s must be a list of node names, not %r" % (where, value))
    if len(set(value)) != len(value):
        raise ConfigError("%s names a node twice: %r" % (where, value))
    return list(value)


def load_config(data):
    # type: (Any) -> Config
    """Check and read the configuration: the parsed JSON object (or its text)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ConfigError("the configuration is not JSON: %s" % exc)
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a JSON object")
    raw_modes = data.get("modes")
    if not isinstance(raw_modes, list) or not raw_modes:
        raise ConfigError("modes must be a non-empty list")
    modes = []  # type: List[Mode]
    for index, raw in enumerate(raw_modes):
        if not isinstance(raw, dict):
            raise ConfigError("modes[%d] must be an object" % index)
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError("modes[%d].name %r must be letters, digits, '_', '.' or '-'" % (index, name))
        modes.append(Mode(name, parse_start(raw.get("start")),
                          _node_list(raw.get("inference", []), "modes[%d].inference" % index),
                          _node_list(raw.get("training", []), "modes[%d].training" % index)))
    names = [m.name for m in modes]
    if len(set(names)) != len(names):
        raise ConfigError("two modes have the same name: %s" % ", ".join(names))
    starts = [m.start for m in modes]
    if len(set(starts)) != len(starts):
        raise ConfigError("two modes start at the same time: %s" % ", ".join(m.start_text for m in modes))
    grace = data.get("grace") or {}
    if not isinstance(grace, dict):
        raise ConfigError("grace must be an object")
    for key, value in grace.items():
        if key not in DEFAULT_GRACE:
            raise ConfigError("grace.%s is unknown; the keys are %s" % (key, ", ".join(sorted(DEFAULT_GRACE))))
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError("grace.%s must be a number of seconds >= 0, not %r" % (key, value))
    partitions = data.get("partitions") or {}
    if not isinstance(partitions, dict) or set(partitions) - {"inference", "training"} or not all(
            isinstance(v, str) and _NAME.match(v) for v in partitions.values()):
        raise ConfigError("partitions must map inference and training to partition names, not %r" % (partitions,))
    config = Config(modes, grace, partitions)
    if config.inference == config.training:
        raise ConfigError("the inference and training partitions must differ")
    return config


def scheduled_mode(modes, minute):
    # type: (Sequence[Mode], int) -> Mode
    """The mode in force at ``minute`` after midnight: the latest start at or before it, else
    (before the first start of the day) the last mode of the previous day."""
    ordered = sorted(modes, key=lambda mode: mode.start)
    current = ordered[-1]
    for mode in ordered:
        if mode.start <= minute % 1440:
            current = mode
    return current


def format_argv(argv):
    # type: (Sequence[str]) -> str
    """The command as a shell would read it (``shlex.join`` is Python 3.8+)."""
    return " ".join(shlex.quote(arg) for arg in argv)


def parse_partitions(text):
    # type: (str) -> Dict[str, Dict[str, str]]
    """``scontrol show partition -o``: one line per partition of ``Key=Value`` fields, by name."""
    partitions = {}  # type: Dict[str, Dict[str, str]]
    for line in text.splitlines():
        fields = dict(_FIELD.findall(line))
        if "PartitionName" in fields:
            partitions[fields["PartitionName"]] = fields
    return partitions


def parse_jobs(text):
    # type: (str) -> List[Tuple[str, str]]
    """``squeue -h -o "%i %N"``: (job id, node list) per line; jobs without nodes are skipped."""
    jobs = []  # type: List[Tuple[str, str]]
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            jobs.append((parts[0], parts[1]))
    return jobs


def _job_key(job_id):
    # type: (str) -> Tuple[int, str]
    head = re.match(r"\d+", job_id)
    return (int(head.group(0)) if head else 0, job_id)


class _Job(object):
    """A job being moved off nodes that left its partition."""

    def __init__(self, job_id, kind, nodes):
        # type: (str, str, Set[str]) -> None
        self.job_id = job_id
        self.kind = kind
        self.nodes = nodes
        self.signal_at = 0.0
        self.signalled = False
        self.requeue_at = 0.0


def _subprocess_run(argv):
    # type: (Sequence[str]) -> Tuple[int, str, str]
    try:
        proc = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120, check=False)
    except FileNotFoundError as exc:
        return 127, "", str(exc)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after 120 s"
    return proc.returncode, proc.stdout, proc.stderr


class Pool(object):
    """The pool of one cluster, seen through ``run``; ``switch`` and ``status`` are the commands."""

    def __init__(self, config, run=None, say=None, dry_run=False, wait=True, sleep=None, clock=None,
                 state_file=DEFAULT_STATE_FILE, verbose=False, poll_s=POLL_S):
        # type: (Config, Optional[Runner], Optional[Say], bool, bool, Optional[Sleep], Optional[Clock], str, bool, float) -> None
        self.config = config
        self.run = run or _subprocess_run
        self.say = say or _print
        self.dry_run = dry_run
        self.wait = wait
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.state_file = state_file
        self.verbose = verbose
        self.poll_s = poll_s
        self.done = []  # type: List[str]
        self.changes = 0
        self._hostnames = {}  # type: Dict[str, List[str]]

    # --- commands ---------------------------------------------------------------------------------

    def read(self, argv):
        # type: (Sequence[str]) -> str
        """Run a command that changes nothing (also in dry-run); fail on a non-zero exit."""
        if self.verbose:
            self.say("  reading: %s" % format_argv(argv))
        rc, out, err = self.run(argv)
        if rc != 0:
            raise CommandError(self._failure(argv, rc, out, err))
        return out

    def change(self, argv, job_id=None):
        # type: (Sequence[str], Optional[str]) -> bool
        """Run a command that changes Slurm (printed; only printed in dry-run). With ``job_id``, a
        failure is forgiven when the job is no longer running. False when the job had ended."""
        text = format_argv(argv)
        self.changes += 1
        if self.dry_run:
            self.say("dry-run: %s" % text)
            return True
        self.say("+ %s" % text)
        rc, out, err = self.run(argv)
        if rc != 0:
            if job_id is not None and not self.running(job_id):
                self.say("  job %s ended meanwhile (%s)" % (job_id, (err or out).strip() or "exit %d" % rc))
                return False
            raise CommandError(self._failure(argv, rc, out, err))
        self.done.append(text)
        return True

    def _failure(self, argv, rc, out, err):
        # type: (Sequence[str], int, str, str) -> str
        message = (err or out).strip() or "no message"
        return "%s exited %d: %s" % (format_argv(argv), rc, message)

    def running(self, job_id):
        # type: (str) -> bool
        """Whether the job still runs (or is suspended) according to squeue."""
        rc, out, _err = self.run(["squeue", "-h", "-j", job_id, "-t", ACTIVE_STATES, "-o", "%i"])
        return rc == 0 and bool(out.strip())

    # --- reading Slurm ----------------------------------------------------------------------------

    def hostnames(self, hostlist):
        # type: (str) -> List[str]
        """Expand a Slurm host list (``lab-node-[1-3]``) with ``scontrol show hostnames``."""
        if hostlist in ("", "(null)"):
            return []
        if hostlist == "ALL":  # Nodes=ALL in slurm.conf: every node; the pool's are what matters here
            return self.config.nodes()
        if hostlist not in self._hostnames:
            out = self.read(["scontrol", "show", "hostnames", hostlist])
            self._hostnames[hostlist] = [line.strip() for line in out.splitlines() if line.strip()]
        return self._hostnames[hostlist]

    def partitions(self):
        # type: () -> Dict[str, Dict[str, Any]]
        """The two partitions as ``{"name", "nodes" (set), "state"}``, keyed inference/training."""
        found = parse_partitions(self.read(["scontrol", "show", "partition", "-o"]))
        result = {}  # type: Dict[str, Dict[str, Any]]
        for role, name in (("inference", self.config.inference), ("training", self.config.training)):
            if name not in found:
                raise CommandError("partition %s (the %s partition) is not in scontrol show partition; "
                                   "slurm.conf must define it" % (name, role))
            fields = found[name]
            result[role] = {"name": name, "nodes": set(self.hostnames(fields.get("Nodes", ""))),
                            "state": fields.get("State", "UNKNOWN")}
        return result

    def jobs_outside(self, partition, allowed):
        # type: (str, Set[str]) -> Dict[str, Set[str]]
        """Running or suspended jobs of ``partition`` using at least one node not in ``allowed``."""
        out = self.read(["squeue", "-h", "-p", partition, "-t", ACTIVE_STATES, "-o", "%i %N"])
        jobs = {}  # type: Dict[str, Set[str]]
        for job_id, hostlist in parse_jobs(out):
            nodes = set(self.hostnames(hostlist))
            if nodes - allowed:
                jobs[job_id] = nodes
        return jobs

    # --- the switch -------------------------------------------------------------------------------

    def order(self, nodes):
        # type: (Iterable[str]) -> List[str]
        """Nodes in the configuration's order, unknown ones after them by name."""
        known = self.config.nodes()
        nodes = set(nodes)
        return [n for n in known if n in nodes] + sorted(nodes - set(known))

    def set_partition(self, partition, nodes, state=None):
        # type: (str, Iterable[str], Optional[str]) -> None
        argv = ["scontrol", "update", "PartitionName=%s" % partition, "Nodes=%s" % ",".join(self.order(nodes))]
        if state:
            argv.append("State=%s" % state)
        self.change(argv)

    def switch(self, name):
        # type: (str) -> None
        """Switch the pool to mode ``name`` (see the module's docstring for the steps)."""
        mode = self.config.mode(name)
        inference, training = self.config.inference, self.config.training
        want_inf, want_tr = set(mode.inference), set(mode.training)
        want_tr_state = "UP" if want_tr else "DOWN"
        current = self.partitions()
        cur_inf, cur_tr = current["inference"]["nodes"], current["training"]["nodes"]
        tr_state = current["training"]["state"]
        if cur_inf != want_inf or cur_tr != want_tr or tr_state != want_tr_state:
            self.say("switching to %s: %s %s; %s %s" % (
                mode.name, inference, ",".join(self.order(want_inf)) or "(no nodes)",
                training, ",".join(self.order(want_tr)) or "(no nodes, DOWN)"))

        # 1. Grow: every node joins its new partition before it leaves its old one, so that no node
        #    is ever in neither partition while the jobs of both queues wait for it.
        if want_tr and (not want_tr <= cur_tr or tr_state != "UP"):
            cur_tr = cur_tr | want_tr
            tr_state = "UP"
            self.set_partition(training, cur_tr, "UP")
        if not want_inf <= cur_inf:
            cur_inf = cur_inf | want_inf
            self.set_partition(inference, cur_inf)
        # 2. Shrink inference first: no new inference job may start on a node that leaves it.
        if cur_inf != want_inf:
            self.set_partition(inference, want_inf)
        # 3. Shrink training before any requeue, or a requeued job could start again on a node that
        #    is leaving; an empty training partition is DOWN (jobs stay queued, none starts).
        if cur_tr != want_tr or tr_state != want_tr_state:
            self.set_partition(training, want_tr, want_tr_state)
        # 4. Move the jobs still running on nodes that left their partition (also when the
        #    partitions were already right: a switch stopped during its waits is finished here).
        self.evacuate(want_inf, want_tr)
        if not self.changes:
            self.say("already in %s" % mode.name)
        # 5. Record the mode.
        self.write_state(mode.name)
        if self.changes and not self.dry_run:
            self.say("pool in mode %s" % mode.name)

    def evacuate(self, want_inf, want_tr):
        # type: (Set[str], Set[str]) -> int
        """Signal and requeue the jobs on nodes that left their partition; the number of jobs."""
        grace = self.config.grace
        start = self.clock()
        tracked = {}  # type: Dict[str, _Job]
        seen = set()  # type: Set[str]

        def refresh(now):
            # type: (float) -> Set[str]
            """Look the jobs up again; track new ones. The ids of those running."""
            found = set()  # type: Set[str]
            for kind, partition, allowed in (("training", self.config.training, want_tr),
                                             ("inference", self.config.inference, want_inf)):
                for job_id, nodes in self.jobs_outside(partition, allowed).items():
                    found.add(job_id)
                    if job_id in seen:
                        continue
                    seen.add(job_id)
                    job = tracked[job_id] = _Job(job_id, kind, nodes)
                    if not self.wait:
                        job.signal_at = job.requeue_at = now
                    elif kind == "training":  # signalled at once, requeued after the grace
                        job.signal_at = now
                        job.requeue_at = max(start + grace["training_s"], now + grace["inference_term_s"])
                    else:  # left to finish for the drain time, then signalled, then requeued
                        job.signal_at = max(start + grace["inference_s"], now)
            return found

        refresh(start)
        if self.dry_run:
            for job in sorted(tracked.values(), key=lambda j: _job_key(j.job_id)):
                nodes = ",".join(self.order(job.nodes))
                if job.kind == "training":
                    self.say("dry-run: training job %s on %s: SIGTERM now, requeue if still running %d s later"
                             % (job.job_id, nodes, job.requeue_at - start))
                else:
                    self.say("dry-run: inference job %s on %s: wait up to %d s for it to end, then SIGTERM and "
                             "requeue %d s later" % (job.job_id, nodes, job.signal_at - start,
                                                     grace["inference_term_s"] if self.wait else 0))
                self.change(self.signal_argv(job.job_id))
                self.change(self.requeue_argv(job.job_id))
            return len(seen)

        while tracked:
            now = self.clock()
            for job in sorted(tracked.values(), key=lambda j: _job_key(j.job_id)):
                if not job.signalled and now >= job.signal_at:
                    if job.kind == "inference" and self.wait:
                        self.say("inference job %s still running on %s after %d s" % (
                            job.job_id, ",".join(self.order(job.nodes)), now - start))
                        job.requeue_at = now + grace["inference_term_s"]
                    job.signalled = True
                    if not self.change(self.signal_argv(job.job_id), job_id=job.job_id):
                        del tracked[job.job_id]
                        continue
                if job.signalled and now >= job.requeue_at:
                    self.change(self.requeue_argv(job.job_id), job_id=job.job_id)
                    del tracked[job.job_id]
            if not tracked:
                break
            deadline = min(j.requeue_at if j.signalled else j.signal_at for j in tracked.values())
            self.say("waiting for %d job(s) to end (at most %d s): %s" % (
                len(tracked), max(0, deadline - now), " ".join(sorted(tracked, key=_job_key))))
            self.sleep(max(1.0, min(self.poll_s, deadline - now)))
            running = refresh(self.clock())
            for job_id in sorted(set(tracked) - running, key=_job_key):
                job = tracked.pop(job_id)
                if job.signalled:
                    # It left when told to (checkpointed and exited): back in the queue, to resume
                    # when its partition has nodes again; a job that was not told never is.
                    self.say("job %s ended after the signal: requeued" % job_id)
                    self.change(self.requeue_argv(job_id), job_id=job_id)
                else:
                    self.say("job %s ended" % job_id)
        return len(seen)

    @staticmethod
    def signal_argv(job_id):
        # type: (str) -> List[str]
        """SIGTERM to the batch script, its children and every step (scancel(1) --full)."""
        return ["scancel", "--signal=TERM", "--full", job_id]

    @staticmethod
    def requeue_argv(job_id):
        # type: (str) -> List[str]
        """Back to pending, also once it ended after the signal (scontrol(1): requeue takes a running,
        suspended or finished batch job); a job still running gets SIGTERM, KillWait, SIGKILL first."""
        return ["scontrol", "requeue", job_id]

    # --- state ------------------------------------------------------------------------------------

    def read_state(self):
        # type: () -> Optional[str]
        try:
            with open(self.state_file, encoding="utf-8") as handle:
                return handle.read().strip() or None
        except (IOError, OSError):
            return None

    def write_state(self, name):
        # type: (str) -> None
        if self.read_state() == name:
            return
        if self.dry_run:
            self.say("dry-run: would write %s to %s" % (name, self.state_file))
            return
        directory = os.path.dirname(self.state_file)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, mode=0o755)
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
        os.replace(tmp, self.state_file)

    def status(self, now_minute):
        # type: (int) -> Dict[str, Any]
        """The recorded mode, the mode the partitions are in (None when none matches) and the
        mode the time says."""
        current = self.partitions()
        actual = None
        for mode in self.config.modes:
            if (set(mode.inference) == current["inference"]["nodes"]
                    and set(mode.training) == current["training"]["nodes"]
                    and current["training"]["state"] == ("UP" if mode.training else "DOWN")):
                actual = mode.name
        recorded = self.read_state()
        return {
            "mode": recorded,
            "actual": actual,
            "scheduled": scheduled_mode(self.config.modes, now_minute).name,
            "consistent": recorded is not None and recorded == actual,
            "partitions": {role: {"name": part["name"], "nodes": self.order(part["nodes"]), "state": part["state"]}
                           for role, part in current.items()},
        }


# --- systemd units ----------------------------------------------------------------------------------

def timer_units(modes, grace=None, script=SCRIPT):
    # type: (Sequence[Mode], Optional[Mapping[str, int]], str) -> Dict[str, str]
    """The systemd units that run the scheduled switch: one oneshot service and one timer per mode
    (``OnCalendar=*-*-* HH:MM:00``, local time like the script; Persistent so that a start missed
    while the host was down runs at boot). File name -> text."""
    times = dict(DEFAULT_GRACE)
    times.update(grace or {})
    # Longest switch: the two waits run side by side, plus polling and the commands themselves.
    timeout = max(times["training_s"], times["inference_s"] + times["inference_term_s"]) + 600
    units = {
        SERVICE: "\n".join([
            "# Written by refarch.ai_cluster (roles/slurm): switch the GPU pool to the mode of the hour.",
            "[Unit]",
            "Description=Switch the GPU pool to its scheduled mode (Slurm inference/training partitions)",
            "After=slurmctld.service",
            "ConditionPathExists=/etc/slurm/refarch-pool.json",
            "",
            "[Service]",
            "Type=oneshot",
            "ExecStart=%s scheduled" % script,
            "TimeoutStartSec=%d" % timeout,
            "",
        ]),
    }
    for mode in sorted(modes, key=lambda m: m.start):
        units["refarch-pool-mode-%s.timer" % mode.name] = "\n".join([
            "# Written by refarch.ai_cluster (roles/slurm): the pool enters mode %s at %s."
            % (mode.name, mode.start_text),
            "[Unit]",
            "Description=GPU pool mode %s from %s" % (mode.name, mode.start_text),
            "",
            "[Timer]",
            "OnCalendar=*-*-* %s:00" % mode.start_text,
            "Persistent=true",
            "AccuracySec=1s",
            "Unit=%s" % SERVICE,
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ])
    return units


# --- command line -----------------------------------------------------------------------------------

def _print(text):
    # type: (str) -> None
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _parser():
    # type: () -> argparse.ArgumentParser
    parser = argparse.ArgumentParser(
        prog="refarch-pool-mode",
        description="Switch the GPU pool between its modes: the node lists of the Slurm inference and "
                    "training partitions, moving the jobs left on nodes that change partition.")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="pool configuration (default %(default)s)")
    parser.add_argument("--state-file", default=DEFAULT_STATE_FILE, help="default %(default)s")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the commands that only read too")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    switch = commands.add_parser("switch", help="switch to MODE")
    switch.add_argument("mode", metavar="MODE")
    switch.add_argument("--dry-run", action="store_true", help="print the commands, change nothing")
    switch.add_argument("--no-wait", action="store_true", help="requeue right after the signal, no grace")
    scheduled = commands.add_parser("scheduled", help="switch to the mode of the current time (systemd timers)")
    scheduled.add_argument("--dry-run", action="store_true", help="print the commands, change nothing")
    commands.add_parser("status", help="print the current mode as JSON")
    return parser


def _lock(path):
    # type: (str) -> Any
    """Hold an exclusive lock for the life of the process: one switch at a time."""
    import fcntl  # POSIX only; imported here so that the tests import the module anywhere

    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, mode=0o755)
    handle = open(path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (IOError, OSError):
        handle.close()
        raise PoolError("another refarch-pool-mode switch is running (lock %s)" % path)
    return handle


def main(argv=None, run=None, now=None, say=None, sleep=None, clock=None):
    # type: (Optional[Sequence[str]], Optional[Runner], Optional[datetime.datetime], Optional[Say], Optional[Sleep], Optional[Clock]) -> int
    """The ``refarch-pool-mode`` command; returns the exit status (0 done, 1 failed, 2 bad usage
    or configuration)."""
    args = _parser().parse_args(argv)
    say = say or _print
    try:
        with open(args.config, encoding="utf-8") as handle:
            config = load_config(handle.read())
    except (IOError, OSError) as exc:
        sys.stderr.write("refarch-pool-mode: cannot read %s: %s\n" % (args.config, exc))
        return 2
    except ConfigError as exc:
        sys.stderr.write("refarch-pool-mode: %s: %s\n" % (args.config, exc))
        return 2
    when = now or datetime.datetime.now()
    minute = when.hour * 60 + when.minute
    dry_run = getattr(args, "dry_run", False)
    pool = Pool(config, run=run, say=say, dry_run=dry_run, wait=not getattr(args, "no_wait", False),
                sleep=sleep, clock=clock, state_file=args.state_file, verbose=args.verbose)
    if args.command == "status":
        try:
            say(json.dumps(pool.status(minute), indent=2, sort_keys=True))
        except PoolError as exc:
            sys.stderr.write("refarch-pool-mode: %s\n" % exc)
            return 1
        return 0
    if args.command == "scheduled":
        name = scheduled_mode(config.modes, minute).name
        say("scheduled mode at %02d:%02d: %s" % (when.hour, when.minute, name))
        rerun = "refarch-pool-mode scheduled"
    else:
        name = args.mode
        rerun = "refarch-pool-mode switch %s" % shlex.quote(name)
        try:
            config.mode(name)
        except ConfigError as exc:
            sys.stderr.write("refarch-pool-mode: %s\n" % exc)
            return 2
    lock = None
    try:
        if not dry_run:
            lock = _lock(args.state_file + ".lock")
        pool.switch(name)
    except PoolError as exc:
        lines = ["refarch-pool-mode: FAILED switching to %s: %s" % (name, exc)]
        if pool.done:
            lines.append("done before the failure:")
            lines.extend("  %s" % text for text in pool.done)
            lines.append("the pool may be between two modes; fix the cause and run again: %s" % rerun)
        else:
            lines.append("nothing was changed; fix the cause and run again: %s" % rerun)
        sys.stderr.write("\n".join(lines) + "\n")
        return 1
    finally:
        if lock is not None:
            lock.close()
    return 0
