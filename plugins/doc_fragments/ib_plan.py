# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """Where an InfiniBand action finds its plan: the options ib_fabric_config and ib_fabric_check share."""

    DOCUMENTATION = r"""
options:
  plan:
    description:
      - Path of the deployed plan (C(plan.json)) on the controller, as the plan play of C(site.yml)
        wrote it. The design is never planned again.
    type: path
    required: true
  fabric:
    description:
      - Name of the InfiniBand fabric of the plan.
    type: str
    default: compute
"""
