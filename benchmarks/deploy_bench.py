#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time the configuration plays on a twin of the larger lab design under Ansible's scale settings.

Issue #22 item 5 ("Deploying at scale"); figures in docs/performance.md, "Deploying at scale".
Brings up a twin of inventories/lab-large under its own name (``dpx``: 8 nodes in 2 scalable units,
4 rail leaves, 2 spines; 14 containers; see tests/validate/twin.py), then times, one
``ansible-playbook`` each:

- playbooks/switches.yml on the 6 switches: the first run (it configures them) with Ansible's
  defaults (forks 5, strategy linear, no pipelining), then second, idempotent runs with forks 5,
  forks 16 (more than the twin's 14 hosts), forks 16 with strategy ``free``, forks 16 with
  pipelining on, forks 16 with ``fabric_switch_serial=2`` (three batches of two switches), and
  forks 16 again;
- the fact gathering of playbooks/gpu_hosts.yml (its play gathers all facts, ``gather_facts:
  true``) on the 8 nodes, as a play of its own: all facts into a jsonfile fact cache
  (``gathering = smart``), the same again served from the cache, and the ``!all`` (minimal) subset
  without a cache;
- with ``--hosts``, also the host_network role on the 8 nodes (the play ValidateTwin.configure
  runs), first and idempotent run (several minutes on 2 busy cores: not in ``make bench``).

It also asks whether pipelining applies to the twin's connection, containers.podman.podman: with
ANSIBLE_PIPELINING on, one ``ping`` at -vvv still copies its module into the container (``PUT``).
Tears the twin down, also on failure. Prints one JSON line: the runs (wall clock, and the CPU time
of ansible-playbook and everything it waited for: the controller's side), and per setting which
side won by each measure (``same`` when the two lie closer than 10 % or than the baseline's own
repeat, run again last). Exits 1 when a run fails or an idempotent run changes something; skips
with a JSON line (exit 0) where there is no root, podman or runc.

    .venv/bin/python benchmarks/deploy_bench.py [--hosts] [--keep] [--name dpx]

Needs root, podman and runc (like make lab).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "validate"))

from twin import LARGE_DESIGN, ValidateTwin, run, why_not_usable  # noqa: E402  pylint: disable=import-error

# Ansible's own defaults (ansible-config list: DEFAULT_FORKS 5, DEFAULT_STRATEGY linear,
# ANSIBLE_PIPELINING false, DEFAULT_GATHERING implicit, CACHE_PLUGIN memory).
DEFAULTS = {"forks": 5, "strategy": "linear", "pipelining": False, "cache": False}
WIDE_FORKS = 16
SAME = 0.10     # two runs within 10 % of each other: no winner on this noisy machine

FACTS_PLAY = """\
# The implicit fact gathering of playbooks/gpu_hosts.yml (gather_facts: true), on its hosts.
- name: Facts of the GPU nodes
  hosts: gpu_nodes
  gather_facts: true
  %s
  tasks:
    - name: The facts the roles read are there
      ansible.builtin.assert:
        that: ansible_facts.distribution is defined and ansible_facts.os_family is defined
        quiet: true
"""


def recap(output):
    """{'ok': n, 'changed': n, 'failed': n, 'unreachable': n} summed over the PLAY RECAP."""
    sums = {"ok": 0, "changed": 0, "failed": 0, "unreachable": 0, "hosts": 0}
    part = output[output.rfind("PLAY RECAP"):] if "PLAY RECAP" in output else ""
    for line in part.splitlines()[1:]:
        found = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", line))
        if "ok" in found:
            sums["hosts"] += 1
            for key in ("ok", "changed", "failed", "unreachable"):
                sums[key] += found.get(key, 0)
    return sums


class Bench(object):

    def __init__(self, twin):
        self.twin = twin
        self.base_env = dict(twin.env)
        self.cache_dir = twin.dir / "facts-cache"
        self.runs = []

    def env(self, forks, strategy="linear", pipelining=False, cache=False):
        env = dict(self.base_env)
        env.update(ANSIBLE_FORKS=str(forks), ANSIBLE_STRATEGY=strategy,
                   ANSIBLE_PIPELINING="True" if pipelining else "False")
        if cache:
            env.update(ANSIBLE_GATHERING="smart", ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile",
                       ANSIBLE_CACHE_PLUGIN_CONNECTION=str(self.cache_dir), ANSIBLE_CACHE_PLUGIN_TIMEOUT="3600")
        else:
            env.update(ANSIBLE_GATHERING="implicit", ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory")
        return env

    def time(self, label, play, args=(), idempotent=False, forks=DEFAULTS["forks"], **settings):
        self.twin.env = self.env(forks, **settings)
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = self.twin.playbook(label, "-i", self.twin.inventory, play, *args)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.twin.env = dict(self.base_env)
        sums = recap(out.stdout)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        entry = dict(run=label, play=os.path.basename(str(play)), hosts=sums["hosts"], seconds=self.twin.times[label],
                     cpu_s=round(cpu, 1),
                     forks=forks, strategy=settings.get("strategy", "linear"),
                     pipelining=settings.get("pipelining", False), fact_cache=settings.get("cache", False),
                     extra=" ".join(args), changed=sums["changed"], failed=sums["failed"] + sums["unreachable"],
                     rc=out.returncode, load_1m=round(load, 1))
        entry["ok"] = out.returncode == 0 and entry["failed"] == 0 and not (idempotent and sums["changed"])
        if not entry["ok"]:
            entry["output_tail"] = (out.stdout + out.stderr)[-1500:]
        self.runs.append(entry)
        print("deploy_bench: %(run)s: %(seconds)s s, CPU %(cpu_s)s s, changed %(changed)d, rc %(rc)d (load %(load_1m)s)"
              % entry,
              file=sys.stderr, flush=True)
        return entry

    def pipelining_applies(self, host):
        """Whether containers.podman.podman pipelines: a ping at -vvv with pipelining on copies no module file."""
        ansible = str(Path(sys.executable).with_name("ansible"))
        env = self.env(1, pipelining=True)
        out = run([ansible, "-i", str(self.twin.inventory), host, "-m", "ansible.builtin.ping", "-vvv"],
                  env=env, cwd=ROOT, timeout=300)
        puts = len(re.findall(r"^PUT |\bPUT \S+ TO ", out.stdout, re.M))
        return {"host": host, "rc": out.returncode, "module_files_put": puts, "applies": out.returncode == 0 and puts == 0}


def _winner(a, b, names, noise):
    fast, slow = sorted((a, b))
    if slow and (slow - fast) / slow < noise:
        return "same (within %d %%)" % round(noise * 100)
    return names[0] if a < b else names[1]


def compare(runs, baseline, other, setting, names, noise=None):
    """Which side of one setting was faster, by wall clock and by the controller's CPU time.

    Differences below ``noise`` (per measure; at least SAME) are called the same."""
    a = next((r for r in runs if r["run"] == baseline), None)
    b = next((r for r in runs if r["run"] == other), None)
    if not a or not b or not (a["ok"] and b["ok"]):
        return {"setting": setting, "winner": "not measured"}
    noise = noise or {}
    return {"setting": setting, names[0]: {"seconds": a["seconds"], "cpu_s": a["cpu_s"]},
            names[1]: {"seconds": b["seconds"], "cpu_s": b["cpu_s"]},
            "winner": _winner(a["seconds"], b["seconds"], names, max(SAME, noise.get("seconds", 0))),
            "winner_by_cpu": _winner(a["cpu_s"], b["cpu_s"], names, max(SAME, noise.get("cpu_s", 0)))}


def spread(runs, first, again):
    """How far two runs of the same settings lay apart, per measure (a share of the slower one)."""
    a = next((r for r in runs if r["run"] == first and r["ok"]), None)
    b = next((r for r in runs if r["run"] == again and r["ok"]), None)
    if not a or not b:
        return {}
    return dict((key, round(abs(a[key] - b[key]) / max(a[key], b[key], 1e-9), 2)) for key in ("seconds", "cpu_s"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="dpx", help="the twin's name (not val, vbx, hn or lab: other tests use them)")
    parser.add_argument("--hosts", action="store_true", help="also time the host_network play (first and second run)")
    parser.add_argument("--keep", action="store_true", help="leave the twin up (tear it down with lab.yml)")
    args = parser.parse_args(argv)
    reason = why_not_usable()
    if reason:
        print(json.dumps({"benchmark": "deploy", "skipped": reason}))
        return 0
    workdir = tempfile.mkdtemp(prefix="refarch-deploy-bench-")
    twin = ValidateTwin(workdir, design=LARGE_DESIGN, name=args.name)
    result = {"benchmark": "deploy", "design": "inventories/lab-large/design.yml", "twin": twin.name,
              "cpus": os.cpu_count()}
    bench = Bench(twin)
    start = time.monotonic()
    try:
        twin.up()
        result["twin_up_s"] = twin.times["twin up"]
        result["hosts"] = len(twin.devices())
        switches = "playbooks/switches.yml"
        bench.time("switches first", switches)
        bench.time("switches forks 5", switches, idempotent=True)
        bench.time("switches forks %d" % WIDE_FORKS, switches, idempotent=True, forks=WIDE_FORKS)
        bench.time("switches free", switches, idempotent=True, forks=WIDE_FORKS, strategy="free")
        bench.time("switches pipelining", switches, idempotent=True, forks=WIDE_FORKS, pipelining=True)
        bench.time("switches serial 2", switches, ("-e", "fabric_switch_serial=2"), idempotent=True,
                   forks=WIDE_FORKS)
        # The baseline of the comparisons again: how far the machine drifts between two equal runs.
        bench.time("switches forks %d again" % WIDE_FORKS, switches, idempotent=True, forks=WIDE_FORKS)
        result["pipelining"] = bench.pipelining_applies(twin.devices("leaf")[0])

        facts = twin.dir / "facts.yml"
        facts.write_text(FACTS_PLAY % "")
        subset = twin.dir / "facts-min.yml"
        subset.write_text(FACTS_PLAY % "gather_subset: ['!all']")
        bench.time("facts, all, into the cache", facts, forks=WIDE_FORKS, cache=True)
        bench.time("facts from the cache", facts, forks=WIDE_FORKS, cache=True)
        bench.time("facts, subset !all", subset, forks=WIDE_FORKS)

        if args.hosts:
            book = twin.dir / "hosts.yml"
            book.write_text("- name: GPU hosts' fabric network\n  hosts: gpu_nodes\n  gather_facts: false\n"
                            "  roles:\n    - role: refarch.ai_cluster.host_network\n")
            bench.time("host_network first", book, forks=WIDE_FORKS)
            bench.time("host_network second", book, idempotent=True, forks=WIDE_FORKS)
    finally:
        if not args.keep:
            down = twin.down()
            result["twin_down_rc"] = down.returncode
        result["total_s"] = round(time.monotonic() - start, 1)
    runs = bench.runs
    result["runs"] = runs
    wide = "switches forks %d" % WIDE_FORKS
    noise = result["repeat_spread"] = spread(runs, wide, wide + " again")
    result["won"] = [
        compare(runs, "switches forks 5", wide, "forks", ("forks 5", "forks %d" % WIDE_FORKS), noise),
        compare(runs, wide, "switches free", "strategy", ("linear", "free"), noise),
        compare(runs, wide, "switches pipelining", "pipelining", ("off", "on"), noise),
        compare(runs, wide, "switches serial 2", "fabric_switch_serial", ("100%", "2"), noise),
        compare(runs, "facts, all, into the cache", "facts from the cache", "fact cache (second run)",
                ("gathering", "cache")),
        compare(runs, "facts, all, into the cache", "facts, subset !all", "gather_subset",
                ("all", "!all")),
    ]
    result["load_1m"] = round(os.getloadavg()[0], 1)
    result["ok"] = bool(runs) and all(r["ok"] for r in runs) and len(runs) >= 10
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
