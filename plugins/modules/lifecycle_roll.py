#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lifecycle_roll
short_description: Plan the batches of a rolling update, and record where a roll stopped or that it finished
version_added: "0.2.0"
description:
  - Runs on the controller.
  - With O(step=plan), reads the deployed plan (C(plan.json) of O(plan_dir)), the last lifecycle
    inventory (C(inventory.json) of O(dest), from M(refarch.ai_cluster.lifecycle_report)) and the
    state of the last roll, and returns the GPU nodes whose driver drifts in batches that respect
    the plan's failure domains (C(lifecycle.roll), a share of a scalable unit and of a tenant, a
    number of nodes), then the switches whose NOS drifts, one per redundancy group; the devices a
    stopped roll left drained come first. Writes C(roll-plan.md).
  - With O(step=stopped), records that the roll stopped at batch O(batch) and why
    (C(roll-state.json), C(roll-stopped.md) with how to resume); with O(step=done), that it finished.
options:
  step:
    description: What to do.
    type: str
    choices: [plan, stopped, done]
    default: plan
  plan_dir:
    description: Directory of the deployed plan (its C(plan.json)), on the controller.
    type: path
    required: true
  dest:
    description: Directory of the lifecycle files; default C(lifecycle) under O(plan_dir).
    type: path
  roll:
    description: With O(step=stopped) or O(step=done), the C(roll) that O(step=plan) returned.
    type: dict
  batch:
    description: With O(step=stopped), the batch (1-based) that failed.
    type: int
  reason:
    description: With O(step=stopped), why the batch failed.
    type: str
  report:
    description: With O(step=stopped), the batch's validation report.
    type: str
attributes:
  check_mode:
    support: full
    description: Plans and prints the same; writes nothing.
  diff_mode:
    support: none
    description: No diff.
  action:
    support: full
    description: Runs on the controller as an action plugin.
author:
  - refarch.ai_cluster contributors (@refarch)
seealso:
  - module: refarch.ai_cluster.lifecycle_report
  - module: refarch.ai_cluster.slurm_drain
"""

EXAMPLES = r"""
- name: The batches of the roll
  refarch.ai_cluster.lifecycle_roll:
    plan_dir: build/plan/lab
  register: roll

- name: Print them
  ansible.builtin.debug:
    msg: "{{ roll.lines }}"
"""

RETURN = r"""
roll:
  description:
    - With O(step=plan), the roll, that is C(plan), C(limits), C(held), C(batches) (each C(index),
      C(devices) and per device its C(changes)), C(order) and C(serial) (the nodes in batch order and
      the batch sizes, for a play's C(hosts) and C(serial)), C(batch_of) (node to batch), C(targets) (per node the
      C(driver_version) and C(driver_branch) to install, and C(install_driver), false for a node a
      stopped roll left drained that no longer drifts; per switch its platform's C(drain),
      C(install), C(undrain), C(package), C(reboot) and the C(nos_version)), C(switch_batches) and C(not_rolled).
  returned: with O(step=plan)
  type: dict
lines:
  description: The batch plan as printed.
  returned: with O(step=plan)
  type: list
  elements: str
state:
  description: With O(step=stopped) or O(step=done), the state written to C(roll-state.json).
  returned: with O(step=stopped) or O(step=done)
  type: dict
files:
  description: Paths of the files written.
  returned: with O(step=stopped) or O(step=done)
  type: dict
msg:
  description: One line.
  returned: always
  type: str
"""
