# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one-pass renderer writes what the template module writes, for every switch we ship (#22).

Outside truth here is Ansible's own templar with the template module's settings, as the role used
to run it per host (tests/unit/switch_golden.py ``render``), not our golden files: every Ethernet
switch of every shipped design is rendered both ways and compared byte for byte.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

import switch_golden

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import configs

ROOT = switch_golden.ROOT
SHIPPED = sorted(glob.glob(os.path.join(ROOT, "inventories", "*", "design.yml")))


@pytest.mark.parametrize("design", SHIPPED, ids=lambda p: os.path.basename(os.path.dirname(p)))
def test_every_switch_of_every_shipped_design_is_what_the_template_module_writes(design):
    plan = plan_design(design).to_dict()
    rendered = configs.render_plan(plan)
    assert sorted(rendered) == configs.ethernet_switches(plan)
    for name, entry in rendered.items():
        assert entry["config"]["hostname"] == name
        for filename, text in entry["files"].items():
            template = "%s/%s.j2" % (entry["config"]["platform"], filename)
            assert text == switch_golden.render(entry["config"], template), "%s %s" % (name, filename)


def test_files_are_written_once_and_check_mode_writes_nothing(tmp_path):
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml")).to_dict()
    rendered = configs.render_plan(plan)
    dest = str(tmp_path / "out")
    expected = sorted(os.path.join(n, f) for n, e in rendered.items() for f in list(e["files"]) + [configs.CONFIG_FILE])
    assert sorted(configs.write(rendered, dest, check_mode=True)) == expected
    assert not os.path.exists(dest)
    assert sorted(configs.write(rendered, dest)) == expected
    assert configs.write(rendered, dest) == []
    with open(os.path.join(dest, "lab-leaf-1", configs.CONFIG_FILE), encoding="utf-8") as handle:
        assert json.load(handle) == rendered["lab-leaf-1"]["config"]


def test_make_configs_renders_a_design_without_an_inventory(tmp_path):
    dest = tmp_path / "configs"
    env = dict(os.environ, PYTHONPATH=switch_golden.COLLECTIONS)
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "configs.py"), "--design",
                          os.path.join(ROOT, "inventories", "inference-pool", "design.yml"), "--dest", str(dest)],
                         capture_output=True, text=True, check=False, env=env)
    assert run.returncode == 0, run.stderr
    plan = plan_design(os.path.join(ROOT, "inventories", "inference-pool", "design.yml")).to_dict()
    assert set(configs.ethernet_switches(plan)) <= set(os.listdir(dest))
    assert "%d switches" % len(configs.ethernet_switches(plan)) in run.stdout
    again = subprocess.run(run.args, capture_output=True, text=True, check=False, env=env)
    assert "0 files changed" in again.stdout
