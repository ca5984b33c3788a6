# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-inventory on the lab inventory, as an operator runs it, against committed outputs.

Runs the venv's ansible-inventory from the repo root with the repo's ansible.cfg (which finds this
checkout as refarch.ai_cluster). The repo path in the output is replaced by ``@ROOT@``.

    python -m pytest tests/integration
    REFARCH_UPDATE_EXPECTED=1 python -m pytest tests/integration    # after a planner change:
                                                                    # rewrite, then review the diff
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPECTED = os.path.join(ROOT, "tests", "integration", "expected")
SOURCE = "inventories/lab/cluster.yml"
UPDATE = os.environ.get("REFARCH_UPDATE_EXPECTED") == "1"


def _bin(name):
    for candidate in (os.path.join(ROOT, ".venv", "bin", name), os.path.join(os.path.dirname(sys.executable), name)):
        if os.path.exists(candidate):
            return candidate
    pytest.skip("%s not found (run make setup)" % name)
    return None


def _run(*args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_INVENTORY_CACHE="false")
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    result = subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return result.stdout.replace(ROOT, "@ROOT@")


def _compare(name, actual):
    path = os.path.join(EXPECTED, name)
    if UPDATE:
        os.makedirs(EXPECTED, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(actual)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_list():
    out = _run(_bin("ansible-inventory"), "-i", SOURCE, "--list")
    actual = json.dumps(json.loads(out), indent=2, sort_keys=True) + "\n"
    expected = _compare("lab-list.json", actual)
    assert json.loads(actual) == json.loads(expected)


def test_graph():
    actual = _run(_bin("ansible-inventory"), "-i", SOURCE, "--graph")
    assert actual == _compare("lab-graph.txt", actual)


def test_host():
    hostvars = json.loads(_run(_bin("ansible-inventory"), "-i", SOURCE, "--host", "lab-leaf-1"))
    assert hostvars["ansible_connection"] == "containers.podman.podman"   # group_vars/lab.yml
    assert hostvars["ansible_host"] == "lab-leaf-1"                       # compose in cluster.yml
    assert hostvars["refarch_design_file"] == "@ROOT@/inventories/lab/design.yml"
    assert [n["peer_device"] for n in hostvars["refarch_device"]["bgp"]["neighbors"]] == ["lab-spine-1", "lab-spine-2"]


def test_filters_in_a_template():
    expression = ("{{ hostvars['lab-leaf-1'].refarch_device"
                  " | refarch.ai_cluster.interfaces_by_role('downlink') | map(attribute='name')"
                  " | refarch.ai_cluster.interface_range }} "
                  "{{ (hostvars['lab-leaf-1'].refarch_device | refarch.ai_cluster.peer('swp4')).device }} "
                  "{{ hostvars['lab-leaf-1'].refarch_device | refarch.ai_cluster.bgp_neighbors | length }}")
    out = _run(_bin("ansible"), "localhost", "-i", SOURCE, "-m", "ansible.builtin.debug",
               "-a", json.dumps({"msg": expression}))
    assert '"msg": "swp1-3 lab-spine-1 2"' in out, out
