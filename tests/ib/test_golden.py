# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Golden files of the ib_fabric role, and its check mode, diff mode, backups and second run.

The role runs for real (ansible-playbook tests/ib/render.yml) on three designs: the lab
(inventories/lab-ib), one SU of the training pod and the lab with tenants. Discovery reads the
twin's topology file (ibnetdiscover's format, stable GUIDs), so no simulator is needed here. The
files are compared with tests/ib/golden/<plan>/ after the case directory is replaced by @DIR@.

To accept a change of the rendered files: ``REFARCH_UPDATE_GOLDEN=1 make -f Makefile -f mk/ib.mk ib``
(or the same variable with ``pytest tests/ib/test_golden.py``), then review ``git diff tests/ib/golden``.
"""

from __future__ import annotations

import difflib
import glob
import json
import os

import pytest
from conftest import REPO, run_playbook

from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin import ib as ib_twin
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

GOLDEN = os.path.join(REPO, "tests", "ib", "golden")
PLAYBOOK = os.path.join(REPO, "tests", "ib", "render.yml")
DESIGNS = {
    "labib": os.path.join(REPO, "inventories", "lab-ib", "design.yml"),
    "su1": os.path.join(REPO, "tests", "ib", "designs", "su1.yml"),
    "labibt": os.path.join(REPO, "tests", "ib", "designs", "labib-tenants.yml"),
}
FILES = ("opensm.conf", "root_guids.conf", "partitions.conf", "ib-node-name-map")
UPDATE = os.environ.get("REFARCH_UPDATE_GOLDEN") == "1"


def _cases(base, names):
    cases = []
    for name in names:
        directory = os.path.join(base, name)
        os.makedirs(directory, exist_ok=True)
        text, _meta = ib_twin.netfile(plan_design(DESIGNS[name]))
        netfile = os.path.join(base, name + ".ibnetdiscover")
        with open(netfile, "w", encoding="utf-8") as handle:
            handle.write(text)
        cases.append({"design": DESIGNS[name], "netfile": netfile, "dir": directory})
    path = os.path.join(base, "cases-%s.json" % "-".join(names))
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"ib_render_cases": cases}, handle)
    return "@" + path


def _read(path, directory):
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read().replace(directory, "@DIR@")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("ib-golden"))
    first = run_playbook(PLAYBOOK, "-e", _cases(base, sorted(DESIGNS)))
    assert first.rc == 0, first
    return base, first


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_rendered_files_match_the_golden_files(rendered, name):
    base, _first = rendered
    directory = os.path.join(base, name)
    problems = []
    for filename in FILES:
        got = _read(os.path.join(directory, filename), directory)
        golden = os.path.join(GOLDEN, name, filename)
        if UPDATE:
            os.makedirs(os.path.dirname(golden), exist_ok=True)
            with open(golden, "w", encoding="utf-8") as handle:
                handle.write(got)
            continue
        if not os.path.exists(golden):
            problems.append("%s: no golden file (REFARCH_UPDATE_GOLDEN=1 writes it)" % golden)
            continue
        with open(golden, "r", encoding="utf-8") as handle:
            want = handle.read()
        if got != want:
            problems.append("".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), golden,
                                                         "rendered " + filename)))
    assert not problems, "\n".join(problems)


def test_the_golden_files_say_what_the_plan_wants():
    lab = open(os.path.join(GOLDEN, "labib", "opensm.conf"), encoding="utf-8").read()
    assert "\nrouting_engine ftree,updn\n" in lab and "\nsm_priority 15\n" in lab
    assert "\nroot_guid_file @DIR@/root_guids.conf\n" in lab
    roots = open(os.path.join(GOLDEN, "su1", "root_guids.conf"), encoding="utf-8").read()
    assert [line.split()[1] for line in roots.splitlines() if line.startswith("0x")] == [
        "su1-spine-1", "su1-spine-2", "su1-spine-3", "su1-spine-4"]
    names = open(os.path.join(GOLDEN, "su1", "ib-node-name-map"), encoding="utf-8").read()
    assert names.count("\n0x") == 12 + 31 * 8 + 4 and '"su1-node-31 ibp220s0"' in names
    parts = open(os.path.join(GOLDEN, "labibt", "partitions.conf"), encoding="utf-8").read()
    # IPoIB broadcast groups at the fabric's 4096-byte MTU (mtu=5) and its 100 Gb/s links (rate=16)
    assert "\nblue=0x0010, ipoib, mtu=5, rate=16 :" in parts and "\ngreen=0x0011, ipoib, mtu=5, rate=16 :" in parts
    assert "\nDefault=0x7fff, ipoib, mtu=5, rate=16 :" in parts
    su1 = open(os.path.join(GOLDEN, "su1", "partitions.conf"), encoding="utf-8").read()
    assert "\nDefault=0x7fff, ipoib, mtu=5, rate=21 :  # MTU 4096, 400 Gb/s\n" in su1
    assert "    ALL=limited,\n    ALL_SWITCHES=full,\n    SELF=full,\n" in parts


def test_a_second_run_changes_nothing(rendered):
    base, _first = rendered
    again = run_playbook(PLAYBOOK, "-e", _cases(base, sorted(DESIGNS)))
    assert again.rc == 0 and again.changed == 0, again


def test_check_and_diff_show_a_drift_and_change_nothing(rendered):
    base, _first = rendered
    directory = os.path.join(base, "labib")
    path = os.path.join(directory, "partitions.conf")
    with open(path, "r", encoding="utf-8") as handle:
        good = handle.read()
    drifted = good.replace("ALL=full ;", "ALL=limited ;")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(drifted)
    cases = _cases(base, ["labib"])
    check = run_playbook(PLAYBOOK, "--check", "--diff", "-e", cases)
    assert check.rc == 0 and check.changed == 1, check
    assert "-    ALL=limited ;" in check.out and "+    ALL=full ;" in check.out
    with open(path, "r", encoding="utf-8") as handle:
        assert handle.read() == drifted
    fixed = run_playbook(PLAYBOOK, "-e", cases)
    assert fixed.rc == 0 and fixed.changed == 1, fixed
    with open(path, "r", encoding="utf-8") as handle:
        assert handle.read() == good
    backups = glob.glob(path + ".*~")
    assert len(backups) == 1
    with open(backups[0], "r", encoding="utf-8") as handle:
        assert handle.read() == drifted


def test_check_mode_writes_nothing(tmp_path):
    cases = _cases(str(tmp_path), ["labib"])
    check = run_playbook(PLAYBOOK, "--check", "-e", cases)
    assert check.rc == 0 and check.changed == 1, check
    assert [f for f in FILES if os.path.exists(os.path.join(str(tmp_path), "labib", f))] == []
