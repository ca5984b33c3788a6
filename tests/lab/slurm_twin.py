# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Slurm twin, shared: the lab design renamed ``slm``, up and configured by site.yml once per run.

The fixture ``pool`` (session scope, given to the tests by conftest.py) and the helpers the tests
of the twin use.

``make scheduler-twin`` runs test_slurm_twin.py (the pool) and then test_lifecycle_twin.py (the
rolling update) on the same twin: bringing one up and through site.yml takes most of the ten
minutes either needs, so they share it. Needs root, podman and runc; skipped otherwise.
"""

from __future__ import annotations

import datetime
import shutil
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validate"))
from twin import ROOT, ValidateTwin, run, why_not_usable  # noqa: E402,F401  pylint: disable=import-error,wrong-import-position

NAME = "slm"
HEAD = NAME + "-mgmt-1"
NODES = ["%s-node-%d" % (NAME, i) for i in range(1, 5)]


@pytest.fixture(scope="session")
def pool(tmp_path_factory):
    reason = why_not_usable()
    if reason:
        pytest.skip(reason)
    t = ValidateTwin(tmp_path_factory.mktemp("slurm-twin"), name=NAME)
    # The lab's modes start at 07:00 and 19:00 UTC; the tests need day now and no timer firing while
    # they run, whatever the hour: day began an hour ago, night begins in eleven hours.
    now = datetime.datetime.now(datetime.timezone.utc)   # the containers keep UTC
    t.starts = {"day": (now - datetime.timedelta(hours=1)).strftime("%H:%M"),
                "night": (now + datetime.timedelta(hours=11)).strftime("%H:%M")}
    raw = yaml.safe_load(t.design.read_text())
    for mode in raw["scheduler"]["modes"]:
        mode["start"] = t.starts[mode["name"]]
    t.design.write_text(yaml.safe_dump(raw, sort_keys=False))
    for path in (ROOT / "inventories" / "lab" / "group_vars").glob("*.yml"):
        shutil.copy(path, t.dir / "group_vars" / path.name)
    try:
        t.up()
        t.site = t.must("site", "-i", t.inventory, "playbooks/site.yml", "-e", "plan_dir=%s" % t.plan_dir,
                        timeout=1800)
        yield t
    finally:
        slurm(t, "scancel --user=root || true", check=False)
        t.down()
        print("\nslurm twin timings (s): %s" % ", ".join("%s %.1f" % kv for kv in t.times.items()))


def slurm(twin, script, check=True, host=HEAD):
    out = run(["podman", "exec", host, "bash", "-ec", script], timeout=300)
    if check and out.returncode != 0:
        raise AssertionError("%s: %r failed: %s%s" % (host, script, out.stdout, out.stderr))
    return out.stdout


def idle(twin):
    slurm(twin, "scancel --user=root; for i in $(seq 60); do [ -z \"$(squeue -h)\" ] && exit 0; sleep 1; done; exit 1")
