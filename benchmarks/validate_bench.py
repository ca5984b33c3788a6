#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time playbooks/validate.yml on a lab twin of the larger lab design (inventories/lab-large).

Brings up a twin of that design under its own name (``vbx``: 8 nodes in 2 scalable units, 4 rail
leaves, 2 spines; 14 containers), configures its switches (playbooks/switches.yml) and nodes (see
tests/validate/twin.py), waits for BGP, then times RUNS runs of playbooks/validate.yml (gathering
on all 14 hosts, pinging 16 x 7 + 16 rail and gateway probes and 16 fabric links, comparing on the
controller, writing the report) and tears the twin down. Prints one JSON line; exits 1 when the
median run is over the limit or a run does not pass clean.

    .venv/bin/python benchmarks/validate_bench.py [--runs 3] [--keep] [--limit 60]

Requirement (issue #8): validation of the larger lab design finishes in under 60 s.
Needs root, podman and runc (like make lab).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "validate"))

from twin import LARGE_DESIGN, ValidateTwin, why_not_usable  # noqa: E402  pylint: disable=import-error


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true", help="leave the twin up (tear it down with lab.yml)")
    args = parser.parse_args(argv)
    reason = why_not_usable()
    if reason:
        print(json.dumps({"benchmark": "validate", "skipped": reason}))
        return 0
    workdir = tempfile.mkdtemp(prefix="refarch-validate-bench-")
    twin = ValidateTwin(workdir, design=LARGE_DESIGN, name="vbx")
    result = {"benchmark": "validate", "design": "inventories/lab-large/design.yml", "twin": twin.name}
    try:
        start = time.monotonic()
        twin.up()
        twin.configure()
        twin.wait_converged()
        result["setup_s"] = round(time.monotonic() - start, 1)
        result["hosts"] = len(twin.devices())
        result["nodes_configured_by"] = twin.hosts_configured_by
        times, passed, counts = [], [], None
        for i in range(args.runs):
            rc, report, _output = twin.validate("run %d" % (i + 1))
            times.append(twin.times["validate run %d" % (i + 1)])
            passed.append(rc == 0 and bool(report) and report["passed"])
            counts = report["counts"] if report else None
            checked = report["checked"] if report else None
        result.update(runs_s=times, median_s=round(statistics.median(times), 1), limit_s=args.limit,
                      passed=all(passed), counts=counts, checked=checked,
                      load_1m=round(os.getloadavg()[0], 1), cpus=os.cpu_count())
    finally:
        if not args.keep:
            twin.down()
    ok = result.get("passed") and result.get("median_s", 1e9) < args.limit
    result["ok"] = bool(ok)
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
