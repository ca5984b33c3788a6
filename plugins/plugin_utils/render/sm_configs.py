# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The subnet manager's files of an InfiniBand fabric, rendered from the plan on the controller.

The ``ib_fabric`` role fills its templates on each SM host from what the SM host discovered
(``ibnetdiscover``): most of its files are lists of GUIDs, which the plan does not have. What each
file needs (``FILES``):

- ``opensm.conf``: the plan (routing engine and its reason, the root switches' names), the SM's
  role (its priority), the configuration directory and the role's variables. No GUID.
- ``root_guids.conf``, ``partitions.conf``, ``ib-node-name-map``: the GUIDs of the switches and HCA
  ports, as discovered from the SM host or given (``ib_fabric_guids``).
- ``opensm.default`` (Debian): the GUID of the SM host's own port.

``make configs`` renders ``opensm.conf`` for the primary and the standby SM of every InfiniBand
fabric of a design, and the GUID files when GUIDs are given; the same templates, filled as the
template module fills them (``configs.RoleTemplates``; ``tests/unit/render/test_sm_configs.py``
compares them with Ansible's templar). The role itself keeps rendering per SM host: it runs one SM
at a time, and all but ``opensm.conf`` wait for the discovery.

Plain Python and Jinja2, no Ansible import.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import FabricView, natural_key
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.configs import RoleTemplates
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.subnet_manager import routing_choice, sm_config
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_match import match_fabric

ROLE_DIR = os.path.join(datafiles.COLLECTION_ROOT, "roles", "ib_fabric")
DEFAULT_MANAGED = "Ansible managed"
# File -> (template, what it needs beyond the plan and the role's variables).
FILES = {
    "opensm.conf": ("opensm.conf.j2", "the SM's role; the OS family when ib_fabric_config_dir is empty"),
    "root_guids.conf": ("root_guids.conf.j2", "the root switches' GUIDs"),
    "partitions.conf": ("partitions.conf.j2", "the HCA ports' GUIDs"),
    "ib-node-name-map": ("node-name-map.j2", "every node's GUID"),
    "opensm.default": ("opensm.default.j2", "the SM port's GUID"),
}
GUID_FILES = ("root_guids.conf", "partitions.conf", "ib-node-name-map")
# The role's defaults (defaults/main.yml) for make configs, with Debian's directory (vars/main.yml).
DEFAULT_VARS: dict[str, Any] = {
    "ib_fabric_dir": "/etc/opensm", "ib_fabric_node_name_map_file": "/etc/rdma/ib-node-name-map",
    "ib_fabric_sweep_interval": 10, "ib_fabric_log_file": "/var/log/opensm.log", "ib_fabric_log_flags": "0x03",
    "ib_fabric_log_max_size_mb": 100, "ib_fabric_log_flush": False, "ib_fabric_dump_dir": "/var/log",
    "ib_fabric_opensm_options": {}, "ib_fabric_sm_port_guids": [],
    "ib_fabric_sm_priority_primary": 15, "ib_fabric_sm_priority_standby": 14,
}


def infiniband_fabrics(plan: Mapping[str, Any]) -> list[str]:
    """Names of the plan's InfiniBand fabrics."""
    return sorted(n for n, f in (plan.get("fabrics") or {}).items() if f.get("kind") == "infiniband")


class SMRenderer(object):
    """Fills the ib_fabric role's templates; parsed once."""

    def __init__(self, managed: str | Mapping[str, str] = DEFAULT_MANAGED) -> None:
        self.templates = RoleTemplates(ROLE_DIR, [t for t, _needs in FILES.values()], managed)

    def render(self, config: Mapping[str, Any], role: str, variables: Mapping[str, Any] | None = None,
               files: Any = tuple(FILES), local_port_guid: str | None = None) -> dict[str, str]:
        """{file: text} for an SM of ``role`` (primary, standby) from ``config`` (what
        ``ib_fabric_config`` returns as ``config``) and the role's ``variables`` (``DEFAULT_VARS``
        where missing)."""
        if role not in ("primary", "standby"):
            raise InfinibandError("the SM's role is primary or standby, not %r" % (role,))
        values = dict(DEFAULT_VARS, **(variables or {}))
        values.update(ib_fabric_sm=config, ib_fabric_role=role,
                      ib_fabric_priority=values["ib_fabric_sm_priority_%s" % role],
                      ib_fabric_decided={"local_port_guid": local_port_guid})
        return {name: self.templates.fill(FILES[name][0], **values) for name in files}


def plan_config(plan: Mapping[str, Any], fabric: str, guids: Mapping[str, Any] | None = None,
                flavor: str = "opensm", adaptive_routing: bool = True) -> tuple[dict[str, Any], list[str]]:
    """(config, problems) of ``fabric``: with ``guids`` (plan name -> GUID, as ``ib_fabric_guids``)
    what ``ib_fabric_config`` decides from them; without, what the plan alone gives, enough for
    ``opensm.conf`` (routing and the root switches' names, no GUID)."""
    view = FabricView(dict(plan), fabric)
    # GUIDs of one file may cover several fabrics: this fabric's switches and HCA ports only
    # ("<host> <port>" or "<host> <RDMA device>", as ib_fabric_guids names them).
    ports = set("%s %s" % entity for entity in view.hcas)
    ports.update("%s %s" % (entity[0], hca["rdma_device"]) for entity, hca in view.hcas.items() if hca.get("rdma_device"))
    guids = {k: v for k, v in (guids or {}).items() if k in view.switches or k in ports}
    if guids:
        config, problems, _warnings = sm_config(view, match_fabric(view, {}, guids), flavor=flavor,
                                                adaptive_routing=adaptive_routing)
        return config, [p["message"] for p in problems]
    names = list(view.summary.get("root_switches") or [])
    if not names:
        top = max((s["role"] for s in view.switches.values()), key=SWITCH_ROLES.index, default=None)
        names = [n for n, s in view.switches.items() if s["role"] == top]
    config = {"plan": view.plan_name, "fabric": view.name, "routing": routing_choice(view, flavor, adaptive_routing),
              "root_guids": [{"guid": None, "name": n} for n in sorted(names, key=natural_key)],
              "node_name_map": [], "partitions": []}
    return config, []
