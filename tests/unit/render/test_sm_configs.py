# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The subnet manager's files rendered on the controller are what the ib_fabric role's template
tasks write, for every InfiniBand fabric we ship (#22).

Outside truth is Ansible's own templar with the template module's settings and the role's own
defaults (roles/ib_fabric/defaults/main.yml, Debian's directory from vars/main.yml). The GUIDs are
the twin's (``module_utils.twin.ib.netfile``), given as an operator gives ``ib_fabric_guids``.
"""

from __future__ import annotations

import glob
import os

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin.ib import netfile
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import sm_configs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "ib_fabric")
SHIPPED = sorted(glob.glob(os.path.join(ROOT, "inventories", "*", "design.yml")))
CASES = [(d, f) for d in SHIPPED for f in sm_configs.infiniband_fabrics(plan_design(d).to_dict())]


def role_vars():
    """The role's defaults the templates read, and Debian's configuration directory."""
    with open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    with open(os.path.join(ROLE, "vars", "main.yml"), encoding="utf-8") as handle:
        dirs = yaml.safe_load(handle)["ib_fabric_os_config_dirs"]
    out = {k: v for k, v in defaults.items() if k in sm_configs.DEFAULT_VARS}
    out["ib_fabric_dir"] = dirs["Debian"]
    return out


def templar_render(template, variables):
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, generate_ansible_template_vars, trust_as_template

    path = os.path.join(ROLE, "templates", template)
    with open(path, "r", encoding="utf-8") as handle:
        source = handle.read()
    variables = dict(variables, **generate_ansible_template_vars(template, fullpath=path))
    templar = Templar(loader=DataLoader(), variables=variables).copy_with_new_env(searchpath=[os.path.dirname(path)])
    return templar.template(trust_as_template(source), escape_backslashes=False,
                            overrides=dict(trim_blocks=True, lstrip_blocks=False, newline_sequence="\n")) or ""


def test_the_defaults_are_the_roles():
    assert {k: v for k, v in sm_configs.DEFAULT_VARS.items() if k in role_vars()} == role_vars()
    assert set(role_vars()) == set(sm_configs.DEFAULT_VARS)


@pytest.mark.parametrize("design,fabric", CASES, ids=["%s-%s" % (os.path.basename(os.path.dirname(d)), f) for d, f in CASES])
def test_every_sm_file_of_every_shipped_fabric_is_what_the_template_module_writes(design, fabric):
    plan = plan_design(design).to_dict()
    _text, meta = netfile(plan, fabric)
    guids = dict(meta["guids"])
    config, problems = sm_configs.plan_config(plan, fabric, guids)
    assert not problems
    alone, none = sm_configs.plan_config(plan, fabric)
    assert not none
    renderer = sm_configs.SMRenderer()
    port = guids[meta["sm_ports"][0]]
    for role in ("primary", "standby"):
        files = renderer.render(config, role, local_port_guid=port)
        variables = dict(role_vars(), ib_fabric_sm=config, ib_fabric_role=role,
                         ib_fabric_priority=role_vars()["ib_fabric_sm_priority_%s" % role],
                         ib_fabric_decided={"local_port_guid": port})
        for name, (template, _needs) in sm_configs.FILES.items():
            assert files[name] == templar_render(template, variables), (role, name)
        # opensm.conf needs no GUID: the plan alone gives the same file.
        assert renderer.render(alone, role, files=["opensm.conf"])["opensm.conf"] == files["opensm.conf"]
    assert "sm_priority 15" in renderer.render(alone, "primary", files=["opensm.conf"])["opensm.conf"]
    assert any(part["entries"] for part in config["partitions"])


def test_make_configs_writes_the_sm_files_of_every_fabric(tmp_path):
    import subprocess
    import sys

    design = os.path.join(ROOT, "inventories", "training-pod", "design.yml")
    plan = plan_design(design).to_dict()
    guids = {}
    for fabric in sm_configs.infiniband_fabrics(plan):
        guids.update(netfile(plan, fabric)[1]["guids"])
    (tmp_path / "guids.yml").write_text(yaml.safe_dump(guids), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
    base = [sys.executable, os.path.join(ROOT, "scripts", "configs.py"), "--design", design]
    alone = subprocess.run(base + ["--dest", str(tmp_path / "alone")], capture_output=True, text=True, check=False, env=env)
    assert alone.returncode == 0, alone.stderr
    assert "need the fabric's GUIDs" in alone.stdout
    run = subprocess.run(base + ["--dest", str(tmp_path / "out"), "--ib-guids", str(tmp_path / "guids.yml")],
                         capture_output=True, text=True, check=False, env=env)
    assert run.returncode == 0, run.stderr
    for fabric in sm_configs.infiniband_fabrics(plan):
        folder = tmp_path / "out" / ("%s-sm" % fabric)
        assert sorted(os.listdir(folder)) == sorted(list(sm_configs.GUID_FILES) + ["primary", "standby"])
        assert (folder / "primary" / "opensm.conf").read_text() == (tmp_path / "alone" / ("%s-sm" % fabric) / "primary" / "opensm.conf").read_text()
        assert "sm_priority 14" in (folder / "standby" / "opensm.conf").read_text()
