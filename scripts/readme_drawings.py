# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the drawings the README shows (docs/images/): `make readme-drawings`.

The lab and the training pod, each as a rack elevation and its compute fabric's overview, drawn by
the same code as `make plan` (plugins/plugin_utils/render/drawings). Run it after a change to the
planner or the drawings that the README's pictures should show, and commit the SVG files.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed  # noqa: E402
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design  # noqa: E402
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import racks, topology  # noqa: E402

# (image name, design, row of racks to show)
IMAGES = (("lab", "inventories/lab/design.yml", 1),
          ("training-pod", "inventories/training-pod/design.yml", 2))


def main() -> int:
    out = os.path.join(ROOT, "docs", "images")
    os.makedirs(out, exist_ok=True)
    for name, design, row in IMAGES:
        plan = plan_design(os.path.join(ROOT, design))
        rows = racks.rows(plan)
        files = {
            "%s-rack-elevation.svg" % name: racks.elevation_svg(plan, row, rows[row]),
            "%s-fabric.svg" % name: topology.fabric_svg(plan, "compute",
                                                        [k for k in plan.links if k.fabric == "compute"]),
        }
        for filename, text in files.items():
            changed = write_if_changed(os.path.join(out, filename), text)
            print("%s docs/images/%s" % ("wrote" if changed else "unchanged", filename))
    return 0


if __name__ == "__main__":
    sys.exit(main())
