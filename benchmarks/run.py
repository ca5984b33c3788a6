"""Benchmarks of refarch.ai_cluster (`make bench`); figures are reported in docs/performance.md.

Each case runs in a fresh Python process so peak memory (max RSS) is that case's own. Times are
wall clock and CPU; on a shared 2-core machine, CPU time is the steadier figure.

Targets (issues): a 64-SU training pod (2,048 DGX H100, three tiers) planned with its artifacts in
under 2 s; a 100,000-GPU design in under 15 s and 2 GiB; cost linear in the number of links. The
last line times `make plan` of the 64-SU pod end to end (ansible-playbook start-up included).

The inventory plugin's comparison with a static inventory takes over half an hour (the static side
is slow): it is `make bench-inventory` (benchmarks/inventory_bench.py).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, "build", "collections")

CASE = r"""
import json, resource, sys, time
sys.path.insert(0, %(collections)r)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.artifacts import write_artifacts
w0, c0 = time.perf_counter(), time.process_time()
plan = plan_design(%(design)r)
w1, c1 = time.perf_counter(), time.process_time()
write_artifacts(plan, %(dest)r)
w2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"gpus": plan.summary["gpus"], "links": len(plan.links),
                  "switches": plan.summary["switches"],
                  "plan_s": round(w1 - w0, 3), "artifacts_s": round(w2 - w1, 3), "total_s": round(w2 - w0, 3),
                  "cpu_s": round(c2 - c0, 3),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

CASES = [
    ("lab", "inventories/lab/design.yml", None, None),
    ("training-pod 4 SU", "references/training-pod.yml", None, None),
    ("training-pod 64 SU", "benchmarks/designs/pod-64su.yml", 2.0, None),
    ("64 SU, whole pod", "benchmarks/designs/pod-64su-whole.yml", None, None),
    ("B300 Spectrum-4 16 SU", "benchmarks/designs/b300-eth-16su.yml", None, None),
    ("100,000 GPUs", "benchmarks/designs/gpu-100k.yml", 15.0, 2048),
]


# Linearity: the 100,000-GPU design (RoCE, three tiers) at 1/8, 1/4, 1/2 and all of its nodes. Designs
# of different kinds cost differently per link (a routed fabric addresses every link), so the
# per-link cost is compared within one design as it grows.
SCALING_NODES = (1563, 3125, 6250, 12500)


def scaled(design, nodes):
    with open(os.path.join(ROOT, design), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["nodes"]["count"] = nodes
    return data


def run_case(design):
    """Plan ``design`` (a path under the repository, or a design mapping) in a fresh process."""
    with tempfile.TemporaryDirectory() as dest:
        where = os.path.join(ROOT, design) if isinstance(design, str) else design
        code = CASE % {"collections": COLLECTIONS, "design": where, "dest": dest}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if out.returncode:
            raise SystemExit("benchmark of %s failed:\n%s" % (design, out.stderr))
        return json.loads(out.stdout.strip().splitlines()[-1])


def run_playbook(design):
    """Wall time of the operator's command, `make plan`: ansible-playbook playbooks/plan.yml."""
    with tempfile.TemporaryDirectory() as dest:
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "playbooks/plan.yml",
               "-e", "design=" + os.path.join(ROOT, design), "-e", "plan_dir=" + dest]
        w0 = time.perf_counter()
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - w0
        if out.returncode:
            raise SystemExit("ansible-playbook plan.yml on %s failed:\n%s%s" % (design, out.stdout, out.stderr))
        return round(wall, 3)


ROLL = r"""
import json, sys, time
sys.path.insert(0, %(collections)r)
import yaml
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.batches import batches
raw = yaml.safe_load(open(%(design)r))
raw["lifecycle"] = {"baseline": {}, "roll": {"su_share": "25%%"}}
plan = json.loads(json.dumps(plan_design(raw).to_dict()))
nodes = [n for n, d in plan["devices"].items() if d["role"] == "gpu_node"]
switches = [n for n, d in plan["devices"].items() if d["role"] in ("leaf", "spine", "core")]
w0 = time.perf_counter()
out = batches(plan, nodes)
w1 = time.perf_counter()
sw = batches(plan, switches)
w2 = time.perf_counter()
print(json.dumps({"nodes": len(nodes), "batches": len(out), "nodes_s": round(w1 - w0, 3),
                  "switches": len(switches), "switch_batches": len(sw), "switches_s": round(w2 - w1, 3)}))
"""


def run_roll(design):
    """Batches of a rolling update of every node and every switch of ``design`` (lifecycle.batches)."""
    code = ROLL % {"collections": COLLECTIONS, "design": os.path.join(ROOT, design)}
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    results = []
    failed = False
    print("%-22s %9s %9s %9s %9s %9s %9s %9s  %s" % (
        "case", "GPUs", "links", "plan s", "files s", "total s", "cpu s", "peak MiB", "target"))
    for label, design, limit_s, limit_mib in CASES:
        best = min((run_case(design) for dummy in range(3)), key=lambda r: r["total_s"])
        ok = (limit_s is None or best["total_s"] < limit_s) and (limit_mib is None or best["peak_mib"] < limit_mib)
        failed |= not ok
        target = "" if limit_s is None else "< %gs%s: %s" % (
            limit_s, "" if limit_mib is None else ", < %d MiB" % limit_mib, "ok" if ok else "MISSED")
        print("%-22s %9d %9d %9.2f %9.2f %9.2f %9.2f %9d  %s" % (
            label, best["gpus"], best["links"], best["plan_s"], best["artifacts_s"], best["total_s"],
            best["cpu_s"], best["peak_mib"], target))
        results.append(dict(best, case=label))
    # Linear growth: CPU time per link stays flat as one design grows.
    # Sizes are run in turn, three rounds, so a slow spell of a shared machine hits all of them.
    rounds = [[run_case(scaled(CASES[-1][1], n)) for n in SCALING_NODES] for dummy in range(3)]
    series = [min(runs, key=lambda r: r["cpu_s"]) for runs in zip(*rounds)]
    print("linearity (%s grown): cpu ms per link: " % CASES[-1][1] + ", ".join(
        "%d links %.4f" % (r["links"], 1000.0 * r["cpu_s"] / r["links"]) for r in series))
    results.extend(dict(r, case="scaling %d links" % r["links"]) for r in series)
    # The batches of a rolling update of the whole 64-SU pod, nodes at 25% of an SU, and its switches.
    roll = run_roll("benchmarks/designs/pod-64su.yml")
    print("rolling update, 64 SU: %d nodes in %d batches %.3f s; %d switches in %d batches %.3f s" % (
        roll["nodes"], roll["batches"], roll["nodes_s"], roll["switches"], roll["switch_batches"], roll["switches_s"]))
    results.append(dict(roll, case="rolling update batches, 64 SU"))
    # End to end as an operator runs it: Python and Ansible start-up, the playbook, every file.
    label, design = "make plan, 64 SU", "benchmarks/designs/pod-64su.yml"
    wall = min(run_playbook(design) for dummy in range(3))
    print("%-22s %9s %9s %9s %9s %9.2f" % (label, "", "", "", "", wall))
    results.append({"case": label, "total_s": wall})
    print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
