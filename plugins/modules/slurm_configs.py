#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: slurm_configs
short_description: Render Slurm's configuration files from the plan's scheduler record
version_added: "0.1.0"
description:
  - Renders C(slurm.conf), C(gres.conf), C(topology.conf) and C(cgroup.conf) for Slurm 22.05 as
    Debian 12 packages it (paths of Debian's packages), from the plan's scheduler record
    (C(refarch_scheduler), see docs/scheduler.md) and, where given, each node's facts.
  - C(slurm.conf) names the controllers and every node by the address of the record, the
    accounting host (slurmdbd), partitions with priority tiers and preemption by requeue, and one
    C(NodeName) line per node with its GPUs (C(Gres=gpu:TYPE:COUNT)) and features.
  - A GPU type is named as Slurm's NVML AutoDetect names it (the GPU's name lower-cased, spaces
    to underscores), from the node's C(gpu) facts where given, else from the plan's GPU model.
  - C(gres.conf) lists each node's device files (C(/dev/nvidiaN) of the minor numbers in the node's
    C(gpu) facts); a node without facts gets the plan's count (C(Count=N)), or device files
    C(/dev/nvidia[0-N-1]) with the option C(gpu_files_without_facts). Slurm 22.05 counts a GPU only
    where gres.conf gives its File.
  - Returns the files as text and writes nothing; the caller writes them (to C(/etc/slurm) on
    every host of the cluster).
  - Fails, naming the field, when the record, the facts or the options cannot give the files.
  - Runs on the controller (action plugin) and connects to nothing.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  scheduler:
    description:
      - The plan's scheduler record, usually C(refarch_scheduler) from the inventory of the
        C(refarch.ai_cluster.design) plugin.
    type: dict
    required: true
  nodes:
    description:
      - Facts of the nodes, by node name, each a dict of C(cpus) (CPUs), C(memory_mb) (RealMemory)
        and C(gpu) (the C(ansible_facts.refarch_gpu) of M(refarch.ai_cluster.gpu_facts)). Every key
        is optional; CPUs and RealMemory are left out of C(slurm.conf) where not given.
    type: dict
    default: {}
  options:
    description:
      - Settings, each optional; an unknown name fails the task.
      - C(proctrack_type) (default C(proctrack/cgroup); C(proctrack/linuxproc) or C(proctrack/pgid)
        where nodes have no cgroup hierarchy of their own, as the lab twin's containers).
      - C(task_plugin) (default C(task/cgroup,task/affinity); C(task/none) in the lab twin).
      - C(cgroup_plugin) (C(cgroup.conf) CgroupPlugin, default C(autodetect); C(cgroup/v1), C(cgroup/v2)).
      - C(kill_wait) (KillWait, seconds, default 30).
      - C(priority_weight_fairshare) (PriorityWeightFairshare, default 10000).
      - C(gpu_files_without_facts) (default false) writes C(File=/dev/nvidia[0-N-1]) instead of
        C(Count=N) for a node without C(gpu) facts.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Nothing is written; the files are returned in check mode too.
  diff_mode:
    support: none
    description: The tasks that write the files show their differences.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Render the Slurm files of the lab twin (its containers have no GPU and no cgroup of their own)
  refarch.ai_cluster.slurm_configs:
    scheduler: "{{ refarch_scheduler }}"
    options:
      proctrack_type: proctrack/linuxproc
      task_plugin: task/none
  run_once: true
  register: slurm_files

- name: Write them
  ansible.builtin.copy:
    content: "{{ item.value }}"
    dest: "/etc/slurm/{{ item.key }}"
    mode: "0644"
  loop: "{{ slurm_files.files | dict2items }}"
"""

RETURN = r"""
files:
  description: The text of each file, by its name in C(/etc/slurm).
  returned: success
  type: dict
  sample: {"slurm.conf": "# slurm.conf: generated from the plan by refarch.ai_cluster ...\nClusterName=lab\n"}
pool:
  description:
    - The pool's mode switch, by file name - C(refarch-pool.json) (for C(/etc/slurm)), the
      systemd units C(refarch-pool-mode.service) and C(refarch-pool-mode-MODE.timer), one per mode
      at its start time (for C(/etc/systemd/system)).
  returned: success
  type: dict
msg:
  description: One line about what was rendered.
  returned: success
  type: str
"""
