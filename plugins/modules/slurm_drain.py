#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: slurm_drain
short_description: Drain Slurm nodes and wait for their jobs to leave, or resume the nodes drained so
version_added: "0.2.0"
description:
  - Runs on a host with Slurm's client commands and a working C(slurm.conf) (the scheduler
    controller). With O(state=drained), drains the O(nodes) that take jobs (C(scontrol update
    State=DRAIN Reason=...)) and waits until no job runs on any of them.
  - With O(state=resumed), resumes the O(nodes) whose drain reason begins with O(marker), that is
    the ones a rolling update drained; a node drained for another reason stays drained and is
    reported under C(foreign).
  - Idempotent; in check mode nothing is changed and nothing is waited for.
options:
  nodes:
    description: Slurm node names.
    type: list
    elements: str
    required: true
  state:
    description: Drained (no job lands there and none runs) or resumed.
    type: str
    choices: [drained, resumed]
    required: true
  reason:
    description: The drain reason (it must begin with O(marker)).
    type: str
    default: refarch lifecycle
  marker:
    description: The beginning of the drain reasons this module owns.
    type: str
    default: refarch lifecycle
  wait_s:
    description: With O(state=drained), the longest wait for the jobs to leave; 0 does not wait.
    type: int
    default: 3600
  poll_s:
    description: Seconds between two looks at the jobs still running.
    type: int
    default: 5
attributes:
  check_mode:
    support: full
    description: Reports what it would drain or resume.
  diff_mode:
    support: none
    description: The nodes' states are in the result.
  platform:
    support: full
    platforms: posix
    description: Runs where C(scontrol), C(sinfo) and C(squeue) reach slurmctld.
notes:
  - scontrol(1) node update, sinfo(1) C(%T) and C(%E), squeue(1) C(--nodelist) and C(--states).
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Drain a batch and wait for its jobs
  refarch.ai_cluster.slurm_drain:
    nodes: [node-1, node-3]
    state: drained
    reason: "refarch lifecycle: batch 1 of 2"
  delegate_to: "{{ groups.scheduler_controllers | first }}"

- name: Give the batch back
  refarch.ai_cluster.slurm_drain:
    nodes: [node-1, node-3]
    state: resumed
  delegate_to: "{{ groups.scheduler_controllers | first }}"
"""

RETURN = r"""
drained:
  description: Nodes this run drained.
  returned: always
  type: list
  elements: str
resumed:
  description: Nodes this run resumed.
  returned: always
  type: list
  elements: str
foreign:
  description: Nodes drained or down for another reason, left as they are.
  returned: always
  type: list
  elements: str
unknown:
  description: Nodes Slurm does not know.
  returned: always
  type: list
  elements: str
waited_s:
  description: Seconds waited for jobs to leave.
  returned: always
  type: float
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.refarch.ai_cluster.plugins.module_utils.slurm_drain import (
    classify, parse_sinfo, sinfo_argv, squeue_argv, update_argv)


def _run(module, argv):
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg="%s failed (rc %d): %s" % (" ".join(argv[:2]), rc, (err or out).strip()))
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            nodes=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["drained", "resumed"], required=True),
            reason=dict(type="str", default="refarch lifecycle"),
            marker=dict(type="str", default="refarch lifecycle"),
            wait_s=dict(type="int", default=3600),
            poll_s=dict(type="int", default=5),
        ),
        supports_check_mode=True,
    )
    p = module.params
    nodes = [n for n in p["nodes"] if n]
    if not p["reason"].startswith(p["marker"]):
        module.fail_json(msg="reason %r must begin with marker %r (so that state=resumed knows the node)" % (
            p["reason"], p["marker"]))
    result = dict(changed=False, drained=[], resumed=[], foreign=[], unknown=[], waited_s=0.0)
    if not nodes:
        module.exit_json(**result)
    todo = classify(parse_sinfo(_run(module, sinfo_argv(nodes))), nodes, p["marker"])
    result.update(foreign=todo["foreign"], unknown=todo["unknown"])
    if p["state"] == "drained":
        if todo["unknown"]:
            module.fail_json(msg="Slurm does not know node(s) %s" % ", ".join(todo["unknown"]), **result)
        if todo["up"]:
            result.update(changed=True, drained=todo["up"])
            if not module.check_mode:
                _run(module, update_argv(todo["up"], "DRAIN", p["reason"]))
        if module.check_mode or p["wait_s"] <= 0:
            module.exit_json(**result)
        start = time.monotonic()
        while True:
            jobs = _run(module, squeue_argv(nodes)).split()
            result["waited_s"] = round(time.monotonic() - start, 1)
            if not jobs:
                break
            if result["waited_s"] >= p["wait_s"]:
                module.fail_json(msg="job(s) %s still run on %s after %d s: the nodes stay drained; cancel or wait "
                                     "for them and run again" % (", ".join(jobs), ",".join(nodes), p["wait_s"]),
                                 jobs=jobs, **result)
            time.sleep(max(1, p["poll_s"]))
        module.exit_json(**result)
    if todo["ours"]:
        result.update(changed=True, resumed=todo["ours"])
        if not module.check_mode:
            _run(module, update_argv(todo["ours"], "RESUME"))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
