"""The design-space property tests under a Hypothesis profile, with counts (`make design-space`).

Runs the two property tests of tests/unit/planner/test_design_space.py (the whole design space,
and bad-input mutations) under REFARCH_HYPOTHESIS_PROFILE (default: long, at least 10,000 designs),
side by side on pytest-xdist workers when there are two or more, then prints what each tried,
planned and refused (by field) and a total line; "unexpected" (a crash, a broken invariant, a
refusal that names no field) must be 0. The exit status is pytest's.

    python benchmarks/design_space.py [--profile long|ci] [--workers N] [-- extra pytest args]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, "build", "collections")
TESTS = "tests/unit/planner/test_design_space.py"
SELECT = "test_every_design_plans_or_names_a_field or test_bad_input_is_refused_by_field"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("REFARCH_HYPOTHESIS_PROFILE", "long"))
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (1: none)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args(argv)

    fd, report = tempfile.mkstemp(prefix="design-space-", suffix=".jsonl")
    os.close(fd)
    env = dict(os.environ, REFARCH_HYPOTHESIS_PROFILE=args.profile, REFARCH_DESIGN_SPACE_REPORT=report)
    env["PYTHONPATH"] = COLLECTIONS + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rf", TESTS, "-k", SELECT]
    if args.workers > 1:
        cmd += ["-n", str(args.workers), "--dist", "load"]
    cmd += args.pytest_args
    print("design-space: profile %s: %s" % (args.profile, " ".join(cmd[1:])), flush=True)
    start = time.perf_counter()
    try:
        rc = subprocess.call(cmd, cwd=ROOT, env=env)
        wall = time.perf_counter() - start
        with open(report, encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    finally:
        os.unlink(report)

    total = {"tried": 0, "planned": 0, "refused": 0, "unexpected": 0}
    for rec in records:
        for key in total:
            total[key] += rec[key]
        print("%-13s tried %6d  planned %6d  refused %6d  unexpected %d" % (
            rec["test"] + ":", rec["tried"], rec["planned"], rec["refused"], rec["unexpected"]))
        print("  refused by field: " + ", ".join("%s %d" % kv for kv in sorted(
            rec["refused_by_field"].items(), key=lambda kv: (-kv[1], kv[0]))))
        for what, counts in sorted(rec.get("planned_by", {}).items()):
            print("  planned by %s: %s" % (what, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    if not records:
        print("design-space: no test reported its counts (see pytest's output above)")
        rc = rc or 1
    print(json.dumps(dict(total, profile=args.profile, tests=len(records), wall_s=round(wall, 1), rc=rc)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
