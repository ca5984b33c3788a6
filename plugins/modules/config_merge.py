#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name on the controller; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: config_merge
short_description: Merge the planned parts of a switch configuration into its running configuration
version_added: "0.1.0"
description:
  - Starts from the running configuration document of a switch (SONiC C(config_db.json), an NVUE
    configuration) and swaps in the parts the plan owns, giving the target document to apply with
    the platform's replace command.
  - Under a O(replace) path the target holds the rendered subtree, or nothing when the rendering
    has none. Under a O(merge) path the rendered keys are set and the running keys stay.
  - Reports C(changed) when the target differs from the running document, and shows the difference
    in diff mode. Runs on the controller and changes nothing anywhere, so it also tells the truth in
    check mode.
extends_documentation_fragment:
  - refarch.ai_cluster.controller
options:
  running:
    description:
      - The running configuration, as a mapping or as JSON or YAML text.
    type: raw
    required: true
  rendered:
    description:
      - The rendered (planned) configuration, as a mapping or as JSON or YAML text.
    type: raw
    required: true
  replace:
    description:
      - Paths owned whole by the plan, as C(TABLE) or C(a/b/c); a C(*) step matches every key the
        rendering has at that level.
    type: list
    elements: str
    default: []
  merge:
    description:
      - Paths whose rendered keys are set while the other running keys stay (C(PORT/*) keeps each
        port's lanes and alias).
    type: list
    elements: str
    default: []
  label:
    description:
      - Name of the document in the diff headers.
    type: str
    default: configuration
attributes:
  check_mode:
    support: full
    description: Changes nothing in any mode; C(changed) says whether the switch would change.
  diff_mode:
    support: full
    description: Shows the running and the target document.
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Work out the target config_db of a SONiC switch
  refarch.ai_cluster.config_merge:
    running: "{{ running_config_db.stdout }}"
    rendered: "{{ lookup('ansible.builtin.template', 'sonic/config_db.json.j2') }}"
    replace: [INTERFACE, LOOPBACK_INTERFACE, BGP_NEIGHBOR]
    merge: ["PORT/*", DEVICE_METADATA/localhost]
    label: config_db.json
  register: target
"""

RETURN = r"""
target:
  description: The target configuration document.
  returned: success
  type: dict
target_text:
  description: The target document as indented JSON with sorted keys.
  returned: success
  type: str
"""
