#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: size
short_description: Size AI cluster workloads and recommend a reference architecture and a design
version_added: "0.1.0"
description:
  - Reads a workload file (inference services and training or fine-tuning jobs, checked against
    C(schemas/workloads.schema.json)) and sizes it on every catalog server whose GPU has figures
    in the catalog's C(gpus) section.
  - Per server it works out the GPUs per model replica (weights, KV cache), the replicas for the
    sessions and tokens per second, the GPUs each training job needs for its deadline and its memory,
    the nodes of the pool by day and at night, the reference architecture and the network the
    traffic needs, and plans a design file for it with the planner.
  - Writes C(sizing.md) (the recommendation, ranked by cost when the catalog has prices, else by
    power), C(sizing.json) and one design file per planned candidate into O(dest).
  - Each file is replaced only when its content changes, so a second run reports no change.
  - A workload file that cannot be sized fails the task with every problem, each naming its field.
  - Runs on the controller (action plugin); the sizing needs the collection's data files.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  workloads:
    description:
      - Path of the workload file, relative to the current directory when not absolute.
    type: path
    required: true
  dest:
    description:
      - Directory to write C(sizing.md), C(sizing.json) and the design files into; created when missing.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: Reports which files would change and writes nothing.
  diff_mode:
    support: partial
    description: Shows the change of C(sizing.md).
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Size an inference pool with nightly LoRA fine-tuning
  refarch.ai_cluster.size:
    workloads: workloads/examples/enterprise-inference.yml
    dest: build/size/enterprise-inference
"""

RETURN = r"""
files:
  description: Names of the files that changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: ["sizing.md", "sizing.json", "ent1-dgx-h200.yml"]
dest:
  description: Absolute path of the output directory.
  returned: always
  type: str
designs:
  description: Absolute paths of the design files, best candidate first.
  returned: always
  type: list
  elements: str
sizing:
  description: Everything of C(sizing.json) - the candidates in rank order with their node counts, reference,
    pool split, plan figures and per-service and per-job sizing, the servers that do not fit and why, and the
    assumptions.
  returned: always
  type: dict
"""
