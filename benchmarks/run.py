"""Benchmarks of refarch.ai_cluster (`make bench`); figures are reported in docs/performance.md.

Each case runs in a fresh Python process so peak memory (max RSS) is that case's own. Times are
wall clock and CPU; on a shared 2-core machine, CPU time is the steadier figure.

Targets (issues): a 64-SU training pod (2,048 DGX H100, three tiers) planned with its artifacts in
under 2 s; a 100,000-GPU design in under 15 s and 2 GiB; cost linear in the number of links.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, "build", "collections")

CASE = r"""
import json, resource, sys, time
sys.path.insert(0, %(collections)r)
from ansible_collections.refarch.ai_cluster.plugins.module_utils.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.module_utils.artifacts import write_artifacts
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
    ("100,000 GPUs", "benchmarks/designs/gpu-100k.yml", 15.0, 2048),
]


def run_case(design):
    with tempfile.TemporaryDirectory() as dest:
        code = CASE % {"collections": COLLECTIONS, "design": os.path.join(ROOT, design), "dest": dest}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if out.returncode:
            raise SystemExit("benchmark of %s failed:\n%s" % (design, out.stderr))
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
    # Linear growth: CPU seconds per 1,000 links should stay flat from 4 SU to 100k GPUs.
    per_k = [(r["case"], 1000.0 * r["cpu_s"] / r["links"]) for r in results if r["links"] > 1000]
    print("cpu ms per link: " + ", ".join("%s %.3f" % (c, v) for c, v in per_k))
    extra = os.path.join(HERE, "inventory_bench.py")
    if os.path.exists(extra):
        subprocess.run([sys.executable, extra], check=False)
    print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
