# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the README and docs/drawings.md show of the drawings is what the code draws.

The README's pictures are files of docs/images (`make readme-drawings` redraws them) and each is
the drawing it says it is; the label example of docs/drawings.md is the label the install sheets
print for the lab's first cable.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings import install

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _read(path):
    with open(os.path.join(REPO, path), encoding="utf-8") as handle:
        return handle.read()


def test_the_readme_pictures_are_there_and_are_what_they_say():
    images = re.findall(r"!\[([^\]]*)\]\((docs/images/[^)]+\.svg)\)", _read("README.md"))
    assert len(images) == 4
    for alt, path in images:
        root = ET.fromstring(_read(path).encode("utf-8"))
        ids = [el.get("id") or "" for el in root.iter()]
        if "rack elevation" in alt:
            assert any(i.startswith("rack.") for i in ids) and any(i.startswith("ru.") for i in ids), path
        else:
            assert "fabric" in alt and any(i.startswith("bnd.") for i in ids), path
    assert {p for _a, p in images} == {"docs/images/%s" % n for n in os.listdir(os.path.join(REPO, "docs/images"))}


def test_the_documented_label_is_the_printed_one():
    plan = plan_design(os.path.join(REPO, "inventories/lab/design.yml"))
    first = plan.links[0]
    example = re.search(r"```\n(compute-\d+) +(.+)\n```", _read("docs/drawings.md"))
    assert example.group(1) == first.id
    assert example.group(2) == install.cable_label(plan, first)
