#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ib_twin
short_description: Run an InfiniBand fabric of the plan in the ibsim simulator, with OpenSM
version_added: "0.1.0"
description:
  - Writes the switches, HCAs and cables of one InfiniBand fabric of the plan as an ibsim topology
    (C(Switch N "id") and C(Ca 1 "id") records with C([port] "peer"[port]) lines, ibnetdiscover's
    format), starts C(ibsim -s) on it and, when O(sms) is given, OpenSM under C(ibsim-run) with the
    configuration files given (those the C(refarch.ai_cluster.ib_fabric) role rendered).
  - Every HCA port of the plan is a single-port HCA whose node description is C(<host> <rdma device
    or port>), as rdma-ndd sets it; switch descriptions do not name the plan's switches, so the
    matching has to walk the cables. GUIDs are made up from the plan names and stable.
  - ibsim 0.10 models link speeds up to HDR; faster planned links run at HDR with the planned width.
  - Everything lives in O(dir); its C(twin.json) records the process ids, so that
    O(state=absent) ends exactly the processes this module started and removes the directory.
  - A second run with the same plan, faults and SM configurations changes nothing.
  - Needs the Debian packages ibsim-utils, opensm and infiniband-diags on the host it runs on.
options:
  state:
    description:
      - V(present) starts (or keeps) the simulated fabric and the SMs, V(absent) stops them and removes O(dir).
    type: str
    choices: [present, absent]
    default: present
  dir:
    description:
      - Directory of the twin (topology, logs, OpenSM cache, process ids).
    type: path
    required: true
  plan_file:
    description:
      - Path of the plan (C(plan.json)) on the host. Required with O(state=present).
    type: path
  fabric:
    description:
      - InfiniBand fabric of the plan to simulate.
    type: str
    default: compute
  faults:
    description:
      - Cabling faults to put in the simulated fabric, by plan link id (C(compute-000001)).
      - C(swap) lists pairs of cables whose second ends (C(b_device)/C(b_port)) are exchanged,
        C(remove) cables left out, C(degrade) maps a cable to the rate it runs at (C(1x), C(4xSDR)).
    type: dict
    default: {}
  sm_ports:
    description:
      - HCA ports (C(<host> <port>)) the SMs attach to, first the primary's. Default, the fabric's
        appliances (UFM), else the first HCA of the first two hosts.
    type: list
    elements: str
    default: []
  speed_cap:
    description:
      - Fastest per-lane speed written to the topology (ibsim knows no NDR).
    type: str
    default: HDR
  sms:
    description:
      - OpenSM instances to run, each C({name, config, port, log_file}) with optional C(wait_for)
        (log markers to wait for, default C(SUBNET UP)) and C(timeout) (seconds, default 60).
      - C(port) is one of the twin's HCA ports (C(<host> <port>)); C(log_file) must be the
        C(log_file) of C(config), with C(force_log_flush TRUE) so that markers appear at once.
      - An SM already running with the same configuration file content is left alone.
    type: list
    elements: dict
    default: []
notes:
  - Tools reach the twin with C(ibsim-run TOOL) and the environment returned in RV(env).
attributes:
  check_mode:
    support: full
    description: Reports what would be started or stopped and does nothing.
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: posix
    description: Linux with ibsim-utils.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Simulate the compute fabric of the plan
  refarch.ai_cluster.ib_twin:
    dir: /tmp/ib-twin
    plan_file: build/plan/labib/plan.json
  register: twin

- name: See the simulated fabric
  ansible.builtin.command:
    argv: [ibsim-run, ibnetdiscover]
  environment: "{{ twin.env }}"
  changed_when: false

- name: Remove the twin
  refarch.ai_cluster.ib_twin:
    dir: /tmp/ib-twin
    state: absent
"""

RETURN = r"""
env:
  description: Environment for C(ibsim-run) tools against this twin (C(IBSIM_SOCKNAME), C(OSM_CACHE_DIR), C(OSM_TMP_DIR)).
  returned: state=present
  type: dict
netfile:
  description: Path of the ibsim topology.
  returned: state=present
  type: str
guids:
  description: Node GUID of every switch and HCA port of the twin, by plan name.
  returned: state=present
  type: dict
node_ids:
  description: ibsim node id of every switch and HCA port, by plan name (the value of SIM_HOST).
  returned: state=present
  type: dict
sm_ports:
  description: HCA ports the SMs attach to, the primary's first.
  returned: state=present
  type: list
  elements: str
port_guids:
  description: Port GUID of every switch (its node GUID) and HCA port of the twin, by plan name.
  returned: state=present
  type: dict
speed_cap:
  description: Fastest speed in the topology.
  returned: state=present
  type: str
started_sms:
  description: Names of the SMs that were (or, in check mode, would be) started or restarted.
  returned: state=present
  type: list
  elements: str
fabric_restarted:
  description: Whether ibsim was (or would be) started or restarted on a new topology.
  returned: state=present
  type: bool
dir:
  description: Absolute path of the twin's directory.
  returned: always
  type: str
"""

import hashlib
import json
import os
import shutil

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin.ib import Twin, netfile
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError


def _sm_changes(twin, sms):
    running = twin.running_sms()
    out = []
    for sm in sms:
        try:
            with open(sm["config"], "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            digest = None
        current = running.get(sm["name"])
        if not current or current.get("config_sha256") != digest:
            out.append(sm["name"])
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            dir=dict(type="path", required=True),
            plan_file=dict(type="path"),
            fabric=dict(type="str", default="compute"),
            faults=dict(type="dict", default={}),
            sm_ports=dict(type="list", elements="str", default=[]),
            speed_cap=dict(type="str", default="HDR"),
            sms=dict(type="list", elements="dict", default=[]),
        ),
        required_if=[("state", "present", ["plan_file"])],
        supports_check_mode=True,
    )
    params = module.params
    twin = Twin(params["dir"])
    if params["state"] == "absent":
        changed = os.path.isdir(twin.dir) or twin.ibsim_running()
        if changed and not module.check_mode:
            twin.down()
        module.exit_json(changed=changed, dir=twin.dir)
    for binary in ("ibsim", "ibsim-run", "opensm"):
        if not shutil.which(binary):
            module.fail_json(msg="%s is not installed (Debian packages ibsim-utils, opensm, infiniband-diags)" % binary)
    try:
        with open(params["plan_file"], "r", encoding="utf-8") as handle:
            plan = json.load(handle)
        text, meta = netfile(plan, params["fabric"], faults=params["faults"], sm_ports=params["sm_ports"] or None,
                             speed_cap=params["speed_cap"])
    except (OSError, ValueError, InfinibandError) as exc:
        module.fail_json(msg="cannot write the twin's topology: %s" % exc)
    sms = []
    for i, sm in enumerate(params["sms"]):
        missing = [k for k in ("config", "log_file") if not sm.get(k)]
        if missing:
            module.fail_json(msg="sms[%d] lacks %s" % (i, ", ".join(missing)))
        entry = {"name": str(sm.get("name") or "sm%d" % i), "config": os.path.abspath(sm["config"]),
                 "port": sm.get("port") or meta["sm_ports"][min(i, len(meta["sm_ports"]) - 1)],
                 "log_file": os.path.abspath(sm["log_file"]), "wait_for": sm.get("wait_for") or ["SUBNET UP"],
                 "timeout": float(sm.get("timeout") or 60)}
        if entry["port"] not in meta["node_ids"]:
            module.fail_json(msg="sms[%d]: %r is not an HCA port of the twin" % (i, entry["port"]))
        sms.append(entry)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    fabric_changes = not (twin.ibsim_running() and twin.state.get("netfile_sha256") == digest)
    sm_changes = [sm["name"] for sm in sms] if fabric_changes else _sm_changes(twin, sms)
    changed = fabric_changes or bool(sm_changes)
    if not module.check_mode:
        try:
            twin.up(text, meta)
            for sm in sms:
                twin.start_sm(sm["name"], sm["config"], sm["port"], sm["log_file"], wait_for=tuple(sm["wait_for"]),
                              timeout=sm["timeout"])
        except InfinibandError as exc:
            module.fail_json(msg=str(exc), dir=twin.dir)
    env = twin.env()
    module.exit_json(changed=changed, dir=twin.dir, netfile=os.path.join(twin.dir, "ibsim.net"),
                     env=dict((k, env[k]) for k in ("IBSIM_SOCKNAME", "OSM_CACHE_DIR", "OSM_TMP_DIR")),
                     guids=meta["guids"], port_guids=meta["port_guids"], node_ids=meta["node_ids"],
                     sm_ports=meta["sm_ports"], speed_cap=meta["speed_cap"], started_sms=sm_changes,
                     fabric_restarted=fabric_changes)


if __name__ == "__main__":
    main()
