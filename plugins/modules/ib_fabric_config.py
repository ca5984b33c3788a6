#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ib_fabric_config
short_description: Work out the subnet manager configuration of an InfiniBand fabric from the plan
version_added: "0.1.0"
description:
  - Matches what C(ibnetdiscover) found on the subnet manager host, and the GUIDs the operator gave,
    to the switches and HCA ports of one InfiniBand fabric of the plan, and returns the decisions the
    C(refarch.ai_cluster.ib_fabric) role renders into OpenSM's files.
  - HCAs are identified by their node description (C(<host> <device>), as rdma-ndd sets it on Linux);
    switches by walking the cables from identified HCAs, each identified neighbour voting for the
    device the plan puts at the far end of its cable.
  - "Decisions returned in RV(config): the routing engine (C(ftree) for a pure fat tree, C(updn)
    otherwise, C(ar_updn) on NVIDIA's SM with adaptive routing), the GUIDs of the top-tier (root)
    switches, the node-name map (every identified GUID with its plan name) and the partitions (the
    default one and one per tenant of the design, with its C(pkey))."
  - Fails, naming each problem, when a given GUID is not in the fabric or contradicts the cabling,
    when nothing can be matched, when a root switch is not found, or when a tenant has no valid pkey.
  - Runs on the controller (action plugin), on the deployed plan; the design is not planned again.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
  - refarch.ai_cluster.ib_plan
options:
  ibnetdiscover:
    description:
      - Output of C(ibnetdiscover) run on the subnet manager host (best with
        C(--node-name-map /dev/null), so that node descriptions are the devices' own).
      - May be empty when O(guids) names every switch and HCA port.
    type: str
    default: ""
  guids:
    description:
      - GUIDs the operator knows, by plan name. A switch name maps to its node GUID; an HCA port,
        written C(<host> <port>) or C(<host> <rdma device>), to its node or port GUID.
      - Given GUIDs win over what the cabling suggests; a given switch GUID whose cables say it is
        another switch fails the task.
    type: dict
    default: {}
  sm_flavor:
    description:
      - V(opensm) for the upstream OpenSM of Debian and RHEL (no adaptive routing), V(mlnx) for
        NVIDIA's OpenSM (MLNX_OFED/DOCA, UFM) which has the C(ar_*) routing engines.
    type: str
    choices: [opensm, mlnx]
    default: opensm
  adaptive_routing:
    description:
      - Use adaptive routing where the SM supports it (O(sm_flavor=mlnx)).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reads and computes only; the same in check mode.
  diff_mode:
    support: none
    description: Returns data; the role's file tasks show the differences.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Discover the fabric from the SM host
  ansible.builtin.command:
    argv: [ibnetdiscover, --node-name-map, /dev/null]
  register: discovered
  changed_when: false
  check_mode: false

- name: Work out the SM configuration
  refarch.ai_cluster.ib_fabric_config:
    plan: build/plan/lab-ib/plan.json
    ibnetdiscover: "{{ discovered.stdout }}"
    guids:
      labib-spine-1: "0xfc6a1ce39200bf00"
  register: sm
"""

RETURN = r"""
config:
  description: The decisions the role's templates format.
  returned: success
  type: dict
  contains:
    plan:
      description: Plan name.
      type: str
    fabric:
      description: Fabric name.
      type: str
    routing:
      description: C(engine), C(engines) (in the order OpenSM tries them), C(fat_tree), C(reason),
        C(adaptive_routing), C(flavor).
      type: dict
    root_guids:
      description: Top-tier switches as C({guid, name}).
      type: list
      elements: dict
    node_name_map:
      description: Every identified node as C({guid, name}); HCAs are named C(<host> <port>).
      type: list
      elements: dict
    partitions:
      description: C({name, pkey, ipoib, keywords, members}); members are C({guid, name, membership}).
      type: list
      elements: dict
    identified:
      description: Counts of identified and planned switches and HCA ports, and discovered nodes.
      type: dict
findings:
  description: Problems and warnings found while matching, each C({severity, device, port, message, fix, check}).
  returned: always
  type: list
  elements: dict
"""
