#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: switch_config
short_description: Work out the platform-neutral configuration of one Ethernet fabric switch
version_added: "0.1.0"
description:
  - Turns a switch's slice of the plan (O(device) and O(fabric), as the C(refarch.ai_cluster.design)
    inventory plugin gives them in C(refarch_device) and C(refarch_fabric)) into one finished,
    JSON-serialisable mapping, returned in RV(config).
  - The mapping holds the ports (speed, lanes, breakout, MTU, a description naming the peer), the
    routed fabric links (the plan's /31 or unnumbered), the loopback, BGP (ASN, router-id, one
    session per fabric link, ECMP width, advertised prefixes), LLDP, the gateway of the host subnet
    on the node-facing ports, and the fabric's QoS profile expanded into DSCP, PFC, ECN, scheduler and
    PFC watchdog tables.
  - The templates of the C(refarch.ai_cluster.fabric_switch) role only format this mapping, so no
    platform derives anything on its own.
  - Fails, before anything reaches a switch, when the switch's platform has no renderer, when the
    fabric names a QoS profile that the design does not define, or when the profile cannot work
    (no PFC and no ECN).
  - Runs on the controller (action plugin) and connects to nothing.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  device:
    description:
      - The switch's device record of the plan (C(refarch_device)).
    type: dict
    required: true
  fabric:
    description:
      - The summary of the switch's fabric (C(refarch_fabric)), with its QoS profile.
    type: dict
    required: true
  plan_name:
    description:
      - Name of the plan, written into the headers of rendered files.
    type: str
  model:
    description:
      - The catalog entry of the switch's model as the plan used it (C(refarch_catalog.switches[model])
        of the inventory); it gives the lanes of each port. Without it, lane counts are left out.
      - The design file is never read.
    type: dict
  unnumbered:
    description:
      - Run BGP unnumbered (IPv6 link-local) on fabric links instead of the plan's /31 addresses.
      - Rendered for the C(lab) and C(cumulus) platforms only; other platforms fail.
    type: bool
    default: false
  host_vlan:
    description:
      - VLAN of the host subnet on platforms that bridge the node-facing ports through a VLAN
        interface (SONiC, Cumulus, EOS). The lab platform uses the Linux bridge C(br-rail).
    type: int
    default: 1000
  platforms:
    description:
      - Platforms that have a renderer; a switch of another platform fails with a message naming
        them.
    type: list
    elements: str
    default: [lab, sonic, cumulus, eos]
attributes:
  check_mode:
    support: full
    description: Changes nothing in any mode.
  diff_mode:
    support: none
    description: Returns data only.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Work out the switch configuration from the plan
  refarch.ai_cluster.switch_config:
    device: "{{ refarch_device }}"
    fabric: "{{ refarch_fabric }}"
    plan_name: "{{ refarch_plan_name }}"
    model: "{{ refarch_catalog.switches[refarch_device.model] }}"
  register: switch

- name: Show its BGP sessions
  ansible.builtin.debug:
    msg: "{{ switch.config.bgp.neighbors | map(attribute='description') | list }}"
"""

RETURN = r"""
config:
  description:
    - The platform-neutral configuration of the switch. Keys C(hostname), C(platform), C(role),
      C(asn), C(router_id), C(mtu), C(loopback), C(interfaces), C(breakouts), C(host_gateway),
      C(bgp), C(lldp) and C(qos) (null when the fabric has no QoS profile).
  returned: success
  type: dict
msg:
  description: One line about the switch (platform, role, ports, BGP sessions, QoS profile).
  returned: success
  type: str
"""
