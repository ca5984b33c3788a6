# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device and port names, in each platform's own spelling.

A cabling sheet is only useful when its port names are the ones printed on the switch and typed
at its CLI, so the plan names ports per platform:

* lab, cumulus: ``swpN``, breakout ``swpNsK`` (Cumulus Linux "Switch Port Attributes");
* sonic: ``EthernetN`` where N is the first lane of the port (SONiC ``port_config.ini``);
* eos: ``EthernetN/L`` with L the first lane of the breakout (Arista EOS "Ethernet Ports");
* mlnx-os / ufm (InfiniBand): ``IB1/N``, N the port number ibnetdiscover prints.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_PREFIX


def node_name(design_name: str, number: int) -> str:
    return "%s-node-%d" % (design_name, number)


def switch_name(design_name: str, fabric: str, role: str, number: int, plane: int | None = None) -> str:
    """``<cluster>-<fabric prefix><role>-<n>``; in a fabric of several planes
    ``<cluster>-<fabric prefix>p<plane>-<role>-<n>``, n counted within the plane."""
    if plane:
        return "%s-%sp%d-%s-%d" % (design_name, FABRIC_PREFIX[fabric], plane, role, number)
    return "%s-%s%s-%d" % (design_name, FABRIC_PREFIX[fabric], role, number)


# The word for an appliance in its name, by the catalog's role.
APPLIANCE_WORD = {"subnet_manager": "ufm", "management": "mgmt", "storage": "target"}


def appliance_name(design_name: str, fabric: str, number: int, role: str = "subnet_manager") -> str:
    return "%s-%s%s-%d" % (design_name, FABRIC_PREFIX[fabric], APPLIANCE_WORD.get(role, "appliance"), number)


def nvlink_domain_name(design_name: str, number: int) -> str:
    """The NVLink domain of rack-scale system ``number`` (one system, one rack, one domain)."""
    return "%s-nvl%d" % (design_name, number)


def nvlink_switch_name(domain: str, number: int) -> str:
    return "%s-nvsw-%d" % (domain, number)


def pdu_name(rack_name: str, number: int) -> str:
    return "%s-pdu-%d" % (rack_name, number)


# Cached: a large fabric asks for the same few thousand names hundreds of thousands of times.
port_name: Callable[[str, int, int, int], str] = lru_cache(maxsize=None)(platforms.port_name)


_INVALID_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_]")


def group_name(*parts: Any) -> str:
    """A valid Ansible group name: ``rack`` + ``lab-r01`` -> ``rack_lab_r01``. The inventory names
    its groups so, and the scheduler its node features after the same groups (su_1, rack_...)."""
    return _INVALID_GROUP_CHARS.sub("_", "_".join(str(p) for p in parts if p is not None and p != ""))
