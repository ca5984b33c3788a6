#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: validate_report
short_description: Compare what every host gathered with the plan and write the validation report
version_added: "0.1.0"
description:
  - Runs on the controller, once (C(run_once), C(delegate_to=localhost)), after
    C(refarch.ai_cluster.validate_gather) registered its result on every host of the play.
  - Reads the deployed plan (C(plan.json) in O(plan_dir), written by the plan play of C(site.yml)
    before any host was configured; the design is never planned again, so a design edited after the
    deployment does not change what is checked), reads each host's result from C(hostvars),
    and compares them with C(plugin_utils/validate/compare.py), which reports one finding per problem, each
    with its severity (C(error), C(warning), C(info)), check, device, port, what was expected, what
    was found and the fix to make.
  - A fault is reported once, where it is (a port missing, down or without carrier, a port MTU or
    address other than planned, a cable in the wrong port, bgpd or lldpd not answering, a host that
    could not be read); what it breaks elsewhere (BGP sessions, ECMP width, pings, LLDP
    neighbours) is listed in that finding's C(explains) instead of being reported again.
  - Checks that the hardware cannot run (no GPU or RDMA device in the lab twin, virtual NICs) are
    C(info) findings with C(status=skipped) and the reason.
  - Writes C(validation.json) and C(validation.md) into O(plan_dir), except in check mode.
  - Does not fail on findings; the C(validate) role fails the play after printing the summary
    when RV(passed) is false.
options:
  hosts:
    description: Hosts whose results to read. Default the hosts of the play (C(ansible_play_hosts_all)).
    type: list
    elements: str
  gathered:
    description: Name of the variable each host registered the C(validate_gather) result in.
    type: str
    default: validate_gathered
  plan_dir:
    description:
      - Directory of the deployed plan (its C(plan.json)) and of the report files, on the controller.
    type: path
    required: true
  dest:
    description:
      - Directory of the report files when not O(plan_dir) (the report of a part of the cluster,
        such as a batch of a rolling update; the plan's C(index.html) is then left as it is).
    type: path
  unnumbered:
    description: The fabric's BGP sessions are unnumbered (no /31 on fabric ports, sessions keyed by interface).
    type: bool
    default: false
  performance:
    description: Whether C(ib_write_bw) and C(all_reduce_perf) were meant to run; V(false) reports them as skipped.
    type: bool
    default: true
  pins:
    description: C(gpu_driver_branch) (default the design's C(hosts.driver_branch)), C(nic_firmware) and
      C(nic_driver) (mappings of the C(ethtool -i) driver name to a version prefix).
    type: dict
    default: {}
  thresholds:
    description: C(rdma_bw_min_percent) and C(nccl_busbw_min_percent) over the design's C(validation) section.
    type: dict
    default: {}
  write:
    description: Write the report files.
    type: bool
    default: true
  save_gathered:
    description: Also write the raw results of every host to C(validation-gathered.json).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Compares and reports the same; does not write the report files.
  diff_mode:
    support: none
    description: No diff.
  action:
    support: full
    description: Runs on the controller as an action plugin.
author:
  - refarch.ai_cluster contributors (@refarch)
seealso:
  - module: refarch.ai_cluster.validate_gather
"""

EXAMPLES = r"""
- name: Gather on every host
  refarch.ai_cluster.validate_gather:
  register: validate_gathered
  failed_when: false

- name: Compare once and write the report
  refarch.ai_cluster.validate_report:
    plan_dir: build/plan/lab
  register: validate_report
  run_once: true
  delegate_to: localhost

- name: Show it
  ansible.builtin.debug:
    msg: "{{ validate_report.summary }}"
  run_once: true
"""

RETURN = r"""
passed:
  description: Whether no error-level finding exists.
  returned: always
  type: bool
counts:
  description: Findings by severity.
  returned: always
  type: dict
  sample: {"error": 1, "warning": 0, "info": 3}
report:
  description:
    - The report as written to C(validation.json), that is C(plan), C(passed), C(counts), C(checked)
      (how many cables, sessions, pings... were checked), C(devices), C(generated), C(design_file) and
      C(findings), each finding with C(severity), C(check), C(status), C(device), C(port), C(peer_device),
      C(peer_port), C(message), C(expected), C(observed), C(fix) and C(explains).
  returned: always
  type: dict
summary:
  description: The summary, one line per finding after a headline and the counts of what was checked.
  returned: always
  type: list
  elements: str
files:
  description: Paths of C(json) and C(markdown) (and C(gathered)) report files.
  returned: always
  type: dict
msg:
  description: The headline of the summary.
  returned: always
  type: str
"""
