#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ib_fabric_check
short_description: Check an InfiniBand fabric against the plan
version_added: "0.1.0"
description:
  - Compares the output of C(ibnetdiscover) on the subnet manager host with the cabling of one
    InfiniBand fabric of the plan, and the OpenSM log with what the plan wants of the subnet manager.
  - "Findings: each missing cable (both ends named, with the planned cable), each miswired cable (where
    it goes and where both of its ends should go), cables and devices the plan does not have, links
    whose width or speed is below the plan's rate (the catalog speed of the link: 4 lanes, 2 on split
    ports), the routing engine OpenSM really routed with (a fall-back from the expected one is an
    error), the SM's state (MASTER for the primary, STANDBY for the standby), SUBNET UP, and nodes
    left without a LID."
  - Runs on the controller (action plugin), on the deployed plan; the design is not planned again.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
  - refarch.ai_cluster.ib_plan
options:
  ibnetdiscover:
    description:
      - Output of C(ibnetdiscover) on the subnet manager host.
    type: str
    required: true
  opensm_log:
    description:
      - Content of the OpenSM log (from its last start). Without it the routing engine, the SM state
        and SUBNET UP are not checked.
    type: str
  guids:
    description:
      - GUIDs by plan name, as for M(refarch.ai_cluster.ib_fabric_config).
    type: dict
    default: {}
  expected_engine:
    description:
      - Routing engine OpenSM must use. Empty means the engine the plan calls for
        (see M(refarch.ai_cluster.ib_fabric_config)).
    type: str
  sm_flavor:
    description:
      - SM flavor, to work out the expected engine.
    type: str
    choices: [opensm, mlnx]
    default: opensm
  adaptive_routing:
    description:
      - Whether adaptive routing is wanted, to work out the expected engine.
    type: bool
    default: true
  speed_cap:
    description:
      - Highest per-lane speed the fabric can show (for example V(HDR) in the ibsim twin, which knows no
        NDR); planned speeds above it are expected at this speed. Empty means no cap.
    type: str
    choices: [SDR, DDR, QDR, FDR10, FDR, EDR, HDR, NDR, XDR]
  sm_role:
    description:
      - Role of the SM whose log is given; a V(standby) SM must be in STANDBY state.
    type: str
    choices: [primary, standby]
    default: primary
  fail_on:
    description:
      - Fail when a finding of this severity (or worse) is found; V(never) only reports.
    type: str
    choices: [error, warning, never]
    default: error
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: Returns findings only.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Check the fabric against the plan
  refarch.ai_cluster.ib_fabric_check:
    plan: build/plan/labib/plan.json
    ibnetdiscover: "{{ discovered.stdout }}"
    opensm_log: "{{ opensm_log.content | b64decode }}"
    fail_on: never
  register: ib_check
"""

RETURN = r"""
findings:
  description: Findings, errors first, each C({severity, device, port, message, fix, check}); C(check) is
    one of C(identity), C(cabling), C(link), C(routing), C(subnet), C(partitions).
  returned: always
  type: list
  elements: dict
  sample:
    - severity: error
      device: labib-leaf-1
      port: IB1/1
      message: >-
        labib-leaf-1 IB1/1 is cabled to labib-node-2 rail1; the plan cables labib-leaf-1 IB1/1 to
        labib-node-1 rail0 and labib-node-2 rail1 to labib-leaf-2 IB1/2
      fix: "re-cable as planned: labib-leaf-1 IB1/1 - labib-node-1 rail0; labib-node-2 rail1 - labib-leaf-2 IB1/2"
      check: cabling
summary:
  description: Number of findings per severity.
  returned: always
  type: dict
expected_engine:
  description: The routing engine that was expected.
  returned: always
  type: str
identified:
  description: Counts of identified switches and HCA ports and of discovered nodes.
  returned: always
  type: dict
"""
