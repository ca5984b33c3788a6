#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lifecycle_report
short_description: Write the lifecycle inventory and the drift report of every device against the plan's baseline
version_added: "0.2.0"
description:
  - Runs on the controller, once (C(run_once), C(delegate_to=localhost)), after every host of the
    play gathered its versions with M(refarch.ai_cluster.gpu_facts),
    M(refarch.ai_cluster.version_facts) and M(community.general.redfish_info).
  - Compares them with the baselines of the deployed plan (C(plan.json) of O(plan_dir), its
    C(lifecycle) record) and writes C(inventory.json), C(drift.md) and C(drift.csv) into O(dest).
  - A version the device did not report is C(unknown), never a match; see docs/lifecycle.md.
options:
  plan_dir:
    description: Directory of the deployed plan (its C(plan.json)), on the controller.
    type: path
    required: true
  dest:
    description: Where the files go; default C(lifecycle) under O(plan_dir).
    type: path
  hosts:
    description: Inventory hosts to report; default every host of the play.
    type: list
    elements: str
  redfish:
    description: Name of the variable each host registered the result of M(community.general.redfish_info) in.
    type: str
    default: lifecycle_redfish
  versions:
    description:
      - Name of the variable each host registered the result of M(refarch.ai_cluster.version_facts)
        in; a host it could not reach or read is reported with the reason.
    type: str
    default: lifecycle_versions
  write:
    description: Write the files (in check mode they never are).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Compares and reports the same; writes nothing.
  diff_mode:
    support: none
    description: No diff.
  action:
    support: full
    description: Runs on the controller as an action plugin.
author:
  - refarch.ai_cluster contributors (@refarch)
seealso:
  - module: refarch.ai_cluster.version_facts
  - module: refarch.ai_cluster.lifecycle_roll
"""

EXAMPLES = r"""
- name: Drift of every device from the baseline
  refarch.ai_cluster.lifecycle_report:
    plan_dir: build/plan/lab
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
counts:
  description: Drift, unknown and ok, per row and per device (a device under its worst row).
  returned: always
  type: dict
  sample: {"rows": {"drift": 4, "unknown": 0, "ok": 8}, "devices": {"drift": 4, "unknown": 0, "ok": 0}}
drifting:
  description: Devices with at least one drifting version.
  returned: always
  type: list
  elements: str
rows:
  description: One per device, component and item, with C(expected), C(observed), C(status) and C(reason).
  returned: always
  type: list
  elements: dict
files:
  description: Paths of C(inventory), C(markdown) and C(csv).
  returned: always
  type: dict
msg:
  description: One line of counts.
  returned: always
  type: str
"""
