#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_network_configs
short_description: Render the host_network files of every GPU node of a play in one pass
version_added: "0.1.0"
description:
  - For every host of O(hosts) that is a GPU node, works out what the host's fabric NICs need from
    its plan slice (as P(refarch.ai_cluster.host_network_plan#filter) does) and fills the templates
    of the C(refarch.ai_cluster.host_network) role, compiled once, in a loop on the controller. Run
    it with C(run_once) - one task for all the hosts of the play.
  - Writes O(dest)/HOST/ with C(rt_tables.conf), C(sysctl.conf), C(nccl.conf), the RoCE QoS script
    C(refarch-roce-qos) and C(refarch-roce-qos.service) (where the plan gives a NIC RoCE QoS), the
    network stack's files in C(netplan/), C(networkd/) and C(networkmanager/), and
    C(host_network_plan.json), the inputs the files were rendered from, which the role compares with
    its host's. The files are byte for byte what Ansible's template module writes from the same
    templates. Unchanged files are not touched.
  - The RDMA devices are the plan's (the catalog's), and the QoS script covers every NIC the plan
    gives RoCE QoS; a host whose sysfs shows other devices, or that lacks a device or the QoS
    tools, gets its own files again from the role, with O(plan).
  - Reads each host's C(refarch_device), C(refarch_fabrics) and the model's entry of
    C(refarch_catalog) from the inventory of the C(refarch.ai_cluster.design) plugin; a host's own
    C(host_network_*) host or group variables win over the task's options. The design file is never
    read.
  - Fails, naming the host, before anything reaches any host when one cannot be configured (an
    interface name the catalog does not document, a gateway outside its subnet).
  - Runs on the controller (action plugin) and connects to nothing. The files are build output on
    the controller, so they are written in check mode too - the role's check-mode diffs are made
    from them.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  hosts:
    description:
      - Inventory hostnames to render; hosts whose plan device is not a GPU node are skipped.
        Usually C(ansible_play_batch).
    type: list
    elements: str
    required: true
  dest:
    description:
      - Directory on the controller of the rendered files, one folder per host.
    type: path
    required: true
  backend:
    description:
      - Network stack whose files are rendered, for hosts that do not set C(host_network_backend)
        themselves. V(auto) renders all three (the host's OS decides which it uses).
      - With O(plan), the one stack the host runs (not V(auto)).
    type: str
    choices: [auto, netplan, networkd, networkmanager]
    default: auto
  roles:
    description: Plan interface roles whose NICs are configured (C(host_network_roles)).
    type: list
    elements: str
    default: [compute, storage]
  table_base:
    description: The N-th NIC gets routing table base + N (C(host_network_table_base)).
    type: int
    default: 100
  rule_priority_base:
    description: The N-th NIC's rule gets priority base + N (C(host_network_rule_priority_base)).
    type: int
    default: 1000
  sysctls:
    description: C(arp_ignore), C(arp_announce) and C(rp_filter) (C(host_network_sysctls)).
    type: dict
    default: {arp_ignore: 1, arp_announce: 2, rp_filter: 2}
  nccl:
    description: NCCL settings to add or override; null removes a derived one (C(host_network_nccl)).
    type: dict
    default: {}
  socket_ifname:
    description: C(NCCL_SOCKET_IFNAME) instead of the derived one (C(host_network_nccl_socket_ifname)).
    type: str
  gid_index:
    description: C(NCCL_IB_GID_INDEX) on RoCE fabrics (C(host_network_nccl_gid_index)).
    type: int
    default: 3
  server:
    description:
      - The catalog entry of the server model (C(host_network_server)); by default each host's model's
        entry of C(refarch_catalog).
    type: dict
  inband_bond:
    description: Bond of the in-band ports (C(host_network_inband_bond)); V({}) keeps them apart.
    type: dict
    default: {name: bond0, mode: 802.3ad, lacp_rate: fast, transmit_hash_policy: layer3+4, mii_monitor_interval: 100}
  default_route:
    description:
      - A NIC name or interface role whose planned gateway is also the main table's default route
        (C(host_network_default_route)); V(null) adds none.
    type: str
  plan:
    description:
      - One host's plan as P(refarch.ai_cluster.host_network_plan#filter) gave it on that host
        (with the RDMA devices of its sysfs). Renders that host only (O(hosts) names it), for
        O(backend), with the QoS script for O(qos_nics).
    type: dict
  qos_nics:
    description: With O(plan), the NICs whose RoCE QoS the host can set (RDMA device and tools present).
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description: The files are build output on the controller and are written in check mode too.
  diff_mode:
    support: none
    description: The role's tasks show each file's difference with the host's.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Render every GPU node of the play in one pass
  refarch.ai_cluster.host_network_configs:
    hosts: "{{ ansible_play_batch }}"
    dest: build/hosts
  run_once: true
"""

RETURN = r"""
hosts:
  description: Number of hosts rendered.
  returned: success
  type: int
files:
  description: Paths under O(dest) that changed.
  returned: success
  type: list
  elements: str
dest:
  description: The directory of the rendered files.
  returned: success
  type: str
msg:
  description: One line about what was rendered.
  returned: success
  type: str
"""
