#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: switch_configs
short_description: Work out and render the configuration of every Ethernet switch of a play in one pass
version_added: "0.1.0"
description:
  - For every host of O(hosts) that is a leaf, spine or core switch of an Ethernet fabric of the plan,
    works out its platform-neutral configuration (as M(refarch.ai_cluster.switch_config) does) and
    fills the templates of the C(refarch.ai_cluster.fabric_switch) role, compiled once, in a loop on
    the controller. Run it with C(run_once) - one task for the whole fabric instead of several per
    switch.
  - Writes O(dest)/SWITCH/ with the platform's files (C(frr.conf), C(links.conf), C(lldpd.conf) on
    the lab; C(config_db.json) on SONiC; C(nvue.yaml) on Cumulus; C(eos.cfg) on EOS) and
    C(switch_config.json), the neutral configuration the role's apply tasks read. The files are
    byte for byte what Ansible's template module writes from the same templates. Unchanged files
    are not touched.
  - Reads each switch's C(refarch_device), C(refarch_fabric) and the model's entry of
    C(refarch_catalog) from the inventory of the C(refarch.ai_cluster.design) plugin; a switch's own
    C(fabric_switch_unnumbered) and C(fabric_switch_host_vlan) host or group variables win over
    O(unnumbered) and O(host_vlan). The design file is never read.
  - Fails, naming the switch, before anything reaches any switch when one cannot be configured
    (a platform without a renderer, a QoS profile the design does not define).
  - Runs on the controller (action plugin) and connects to nothing.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  hosts:
    description:
      - Inventory hostnames to render; hosts that are not Ethernet fabric switches are skipped.
        Usually C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  dest:
    description:
      - Directory on the controller of the rendered files, one folder per switch.
    type: path
    required: true
  unnumbered:
    description:
      - Run BGP unnumbered (IPv6 link-local) on fabric links instead of the plan's /31 addresses,
        for switches that do not set C(fabric_switch_unnumbered) themselves.
    type: bool
    default: false
  host_vlan:
    description:
      - VLAN of the host subnet, for switches that do not set C(fabric_switch_host_vlan) themselves.
    type: int
    default: 1000
  platforms:
    description:
      - Platforms that have a renderer; default, those of the role's templates.
    type: list
    elements: str
  render_only:
    description:
      - The files are the task's whole result. In check mode they are then only compared, not
        written. Otherwise (the role's apply path) they are written in check mode too, since the
        check-mode comparison with each switch's running configuration is made from them; they are
        build output on the controller, not state of any switch.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: With O(render_only), reports the files that would change and writes none.
  diff_mode:
    support: none
    description: The role's apply tasks show each switch's difference with its running configuration.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Render every switch of the play in one pass
  refarch.ai_cluster.switch_configs:
    hosts: "{{ ansible_play_hosts_all }}"
    dest: build/switches
  run_once: true
"""

RETURN = r"""
switches:
  description: Number of switches rendered.
  returned: success
  type: int
files:
  description: Paths under O(dest) that changed (or, in check mode with O(render_only), would change).
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
