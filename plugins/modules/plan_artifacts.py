#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: plan_artifacts
short_description: Plan an AI cluster design and write its artifacts
version_added: "0.1.0"
description:
  - Loads and validates a design file, plans it (racks, fabrics, ports, cables, addresses, bill of
    materials) and writes C(summary.json), C(bom.csv), C(cabling.csv), C(addressing.csv),
    C(racks.md), C(racks.csv) and C(plan.json) into O(dest).
  - Then the pictures of the plan (docs/drawings.md) - rack elevations, the hall layout and fabric
    drawings as SVG under C(drawings/), install sheets with cable labels under C(install/) and the
    report page C(index.html) that links everything.
  - Each file is replaced only when its content changes, so a second run reports no change.
  - Runs on the controller (action plugin); the planner needs the collection's data files.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  design:
    description:
      - Path of the design file, relative to the current directory when not absolute.
    type: path
    required: true
  dest:
    description:
      - Directory to write the artifacts into; created when missing.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: Reports which artifacts would change and writes nothing.
  diff_mode:
    support: partial
    description: Shows the change of C(summary.json).
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Plan the design and write its artifacts
  refarch.ai_cluster.plan_artifacts:
    design: inventories/lab/design.yml
    dest: build/plan/lab
"""

RETURN = r"""
artifacts:
  description: Names of the artifacts that changed (or would change in check mode), relative to O(dest).
  returned: always
  type: list
  elements: str
  sample: ["summary.json", "plan.json", "drawings/fabric-compute.svg", "index.html"]
dest:
  description: Absolute path of the artifact directory.
  returned: always
  type: str
summary:
  description: The plan summary (nodes, GPUs, racks, power, per-fabric switch and link counts).
  returned: always
  type: dict
"""
