#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compare
short_description: Plan variants of an AI cluster design and compare them side by side
version_added: "0.1.0"
description:
  - Plans every variant of a design (one value per axis of O(variants), every combination) and
    writes C(compare.md) (a column per variant) and C(compare.csv) (a row per variant) into O(dest).
  - The rows are counted from each variant's plan - switches by fabric, tier and model, ports used,
    cables and optics, power, racks, GPUs per rack, cost when the catalog has prices, bisection
    bandwidth per GPU, worst-case switch hops, what one leaf, spine or core failure takes away and
    the operational parts each fabric needs (subnet manager, PFC and ECN, MLAG, BGP).
  - A variant the planner refuses is a column that gives the planner's first problem; the others
    are still compared.
  - Each file is replaced only when its content changes, so a second run reports no change.
  - Runs on the controller (action plugin); the planner needs the collection's data files.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  design:
    description:
      - Path of the base design file, relative to the current directory when not absolute.
    type: path
    required: true
  variants:
    description:
      - The axes to vary, a mapping of a dotted path into the design (C(fabrics.compute.kind)) to
        the list of values to try.
      - A value that is a mapping is merged into the mapping at its path, so keys that must change
        together change together (see the example, InfiniBand against RoCE). Any other value replaces
        what is at its path; C(null) removes a key the design inherits.
      - JSON text is accepted as well.
    type: raw
    required: true
  dest:
    description:
      - Directory to write C(compare.md) and C(compare.csv) into; created when missing.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: Reports which files would change and writes nothing.
  diff_mode:
    support: partial
    description: Shows the change of C(compare.md).
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Compare the training pod on InfiniBand and on RoCE
  refarch.ai_cluster.compare:
    design: inventories/training-pod/design.yml
    variants:
      fabrics.compute:
        - {kind: infiniband, switch: qm9700}
        - {kind: roce, switch: sn5600, qos_profile: lossless}
    dest: build/compare/training-pod
"""

RETURN = r"""
files:
  description: Names of the files that changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: ["compare.md", "compare.csv"]
dest:
  description: Absolute path of the output directory.
  returned: always
  type: str
table:
  description: One dictionary per variant, the columns of C(compare.csv) (variant, changes, status, then
    every metric).
  returned: always
  type: list
  elements: dict
"""
