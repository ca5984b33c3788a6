# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Golden switch configurations: which switches, and how they are rendered.

The switches are every switch of the lab design, one switch per tier of each Ethernet fabric of the
built-in reference architectures, and one leaf and one spine of the lab design on each real
platform (``fabrics.compute.platform`` overridden). They are rendered exactly as the
``fabric_switch`` role renders them: the neutral configuration from ``module_utils.switch_config``,
formatted by the role's templates with Ansible's own templar and the template module's defaults
(``trim_blocks``, no ``lstrip_blocks``).

Regenerate after an intended change (then review ``git diff tests/golden/switches``)::

    python tests/unit/switch_golden.py --update        # or: make -f Makefile -f mk/switches.mk switch-golden
"""

from __future__ import annotations

import argparse
import copy
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
GOLDEN = os.path.join(ROOT, "tests", "golden", "switches")
ROLE = os.path.join(ROOT, "roles", "fabric_switch")
LAB_DESIGN = os.path.join(ROOT, "inventories", "lab", "design.yml")


def _import_path():
    link = os.path.join(COLLECTIONS, "ansible_collections", "refarch", "ai_cluster")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.join("..", "..", "..", ".."), link)
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)


_import_path()

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles  # noqa: E402
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design  # noqa: E402
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import switch_config  # noqa: E402


def _lab(**compute):
    design = datafiles.load_yaml(LAB_DESIGN)
    design["fabrics"]["compute"].update(compute)
    return design


# name: (design, switches, switch_config options)
CASES = {
    "lab": (LAB_DESIGN, None, {}),
    "lab-sonic": (_lab(platform="sonic"), ["lab-leaf-1", "lab-spine-1"], {}),
    "lab-cumulus": (_lab(platform="cumulus"), ["lab-leaf-1", "lab-spine-1"], {}),
    "lab-eos": (_lab(platform="eos"), ["lab-leaf-1", "lab-spine-1"], {}),
    # Design options beyond the defaults: PFC without ECN (congestion_control none) and BGP
    # unnumbered, which the Cumulus renderer writes out explicitly instead of `qos roce`.
    "lab-cumulus-unnumbered-pfc-only": (_lab(platform="cumulus", congestion_control="none"),
                                        ["lab-leaf-1"], {"unnumbered": True}),
    "lab-unnumbered": (_lab(), ["lab-leaf-1", "lab-spine-1"],
                       {"unnumbered": True}),
    "training-pod": ({"name": "x", "reference": "training-pod"},
                     ["x-inb-leaf-1", "x-inb-spine-1", "x-oob-leaf-1", "x-oob-spine-1"], {}),
    "inference-pool": ({"name": "x", "reference": "inference-pool"}, ["x-leaf-1", "x-spine-1"], {}),
    # MLAG leaf pairs (host_addressing mlag_bond) on each real platform: the lab design's two-port
    # nodes bonded across leaf 1 and 2 (training-pod renders the Cumulus in-band pair above).
    "lab-mlag-cumulus": (_lab(platform="cumulus", rail_optimized=False, host_addressing="mlag_bond"), ["lab-leaf-1"], {}),
    "lab-mlag-sonic": (_lab(platform="sonic", rail_optimized=False, host_addressing="mlag_bond"), ["lab-leaf-1"], {}),
    "lab-mlag-eos": (_lab(platform="eos", rail_optimized=False, host_addressing="mlag_bond"), ["lab-leaf-1"], {}),
    "inference-edge": ({"name": "x", "reference": "inference-edge"}, ["x-leaf-1"], {}),
}


def renderers():
    """Platform -> files, read from the role (vars/main.yml), so the test follows the role."""
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.configs import renderers as role_renderers
    return role_renderers()


def switches(case):
    """(switch name, neutral configuration) of one case, in name order."""
    source, names, options = CASES[case]
    plan = plan_design(copy.deepcopy(source) if isinstance(source, dict) else source)
    if names is None:
        names = sorted(n for n, d in plan.devices.items()
                       if d.role in ("leaf", "spine", "core") and plan.fabrics[d.fabric]["kind"] != "infiniband")
    return [(name, switch_config(plan, name, options)) for name in names]


def render(config, template):
    """One template of the role, filled with ``config`` as the role fills it."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    path = os.path.join(ROLE, "templates", template)
    with open(path, "r", encoding="utf-8") as handle:
        source = handle.read()
    templar = Templar(loader=DataLoader(), variables={"fabric_switch_config": config})
    templar = templar.copy_with_new_env(searchpath=[os.path.dirname(path)])
    text = templar.template(trust_as_template(source), escape_backslashes=False,
                            overrides=dict(trim_blocks=True, lstrip_blocks=False, newline_sequence="\n"))
    return text or ""


def rendered_files(case):
    """{relative path under tests/golden/switches: text} of one case."""
    files = {}
    table = renderers()
    for name, config in switches(case):
        for filename in table[config["platform"]]:
            files[os.path.join(case, name, filename)] = render(config, "%s/%s.j2" % (config["platform"], filename))
    return files


def all_rendered():
    out = {}
    for case in CASES:
        out.update(rendered_files(case))
    return out


def on_disk():
    out = {}
    for base, _dirs, files in os.walk(GOLDEN):
        for filename in files:
            path = os.path.join(base, filename)
            rel = os.path.relpath(path, GOLDEN)
            if rel == "README.md":
                continue
            with open(path, "r", encoding="utf-8") as handle:
                out[rel] = handle.read()
    return out


def update():
    """Write every golden file anew and remove those no case renders any more."""
    rendered = all_rendered()
    for rel in set(on_disk()) - set(rendered):
        os.remove(os.path.join(GOLDEN, rel))
    for rel, text in sorted(rendered.items()):
        path = os.path.join(GOLDEN, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    for base, dirs, files in os.walk(GOLDEN, topdown=False):
        if not dirs and not files:
            os.rmdir(base)
    return rendered


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--update", action="store_true", help="rewrite tests/golden/switches")
    args = parser.parse_args(argv)
    if args.update:
        rendered = update()
        print("wrote %d golden files under %s" % (len(rendered), os.path.relpath(GOLDEN, ROOT)))
        return 0
    rendered, disk = all_rendered(), on_disk()
    differ = sorted(k for k in set(rendered) | set(disk) if rendered.get(k) != disk.get(k))
    for rel in differ:
        print("differs: %s" % rel)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
