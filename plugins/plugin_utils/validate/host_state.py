# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles set on a device beyond its ports, derived the way the roles derive it.

Validation reads back everything a role writes (see ``readback.py``). For a GPU node the host
state - policy rules, per-NIC routing tables, ARP and reverse-path sysctls, ``nccl.conf``, RoCE
QoS - is the output of ``render.host_network.network_plan`` for the node's plan slice and the
``host_network`` role's variables; the GPU host settings come from the ``gpu_host`` role's
variables. Both are computed here with the same function and the same defaults the roles use
(read from the roles' ``defaults/main.yml``, so there is one copy of each default), overridden by
the inventory's values for that host. Nothing here re-plans the design: the plan slice is the
deployed plan's.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.host_network import network_plan

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

#: Role variables that decide what the roles set and that validation therefore needs from the
#: inventory (the play's ``hostvars``); anything not set there takes the role's default.
ROLE_VARIABLES = (
    "host_network_roles", "host_network_table_base", "host_network_rule_priority_base",
    "host_network_sysctls", "host_network_nccl", "host_network_nccl_socket_ifname",
    "host_network_nccl_gid_index", "host_network_inband_bond", "host_network_default_route", "host_network_nccl_conf",
    "host_network_roce_qos", "gpu_host_kernel_params", "gpu_host_blacklist_nouveau",
    "gpu_host_peermem", "gpu_host_memlock_unlimited", "gpu_host_mig_profile", "gpu_host_imex",
    "gpu_host_imex_nodes",
)

#: Where ``gpu_host`` writes the RDMA memlock limits (roles/gpu_host/tasks/main.yml; a unit test
#: keeps the two the same).
MEMLOCK_FILE = "/etc/security/limits.d/90-refarch-rdma-memlock.conf"


@lru_cache(maxsize=None)
def role_defaults(role: str) -> dict:
    """The plain (untemplated) defaults of ``roles/ROLE/defaults/main.yml``."""
    path = os.path.join(ROOT, "roles", role, "defaults", "main.yml")
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {k: v for k, v in data.items() if not (isinstance(v, str) and "{{" in v)}


def variables(overrides: dict | None) -> dict:
    """The roles' defaults with the host's inventory values of :data:`ROLE_VARIABLES` on top."""
    out = dict(role_defaults("host_network"))
    out.update(role_defaults("gpu_host"))
    out.update({k: v for k, v in (overrides or {}).items() if k in ROLE_VARIABLES and v is not None})
    return out


def expected_network(device: dict, fabrics: dict, overrides: dict | None = None, rdma: dict | None = None) -> dict:
    """What ``host_network`` sets on ``device`` (``network_plan``'s output) and the path of its nccl.conf.

    ``rdma``: {port: RDMA device} as found on the host, which NCCL_IB_HCA names (as the role reads
    them from sysfs). Raises :class:`RefarchError` when the role could not derive it either.
    """
    v = variables(overrides)
    try:
        plan = network_plan(device, fabrics or {}, roles=v["host_network_roles"],
                            table_base=int(v["host_network_table_base"]),
                            rule_priority_base=int(v["host_network_rule_priority_base"]),
                            rdma_devices=rdma or {}, sysctls=v["host_network_sysctls"], nccl=v["host_network_nccl"],
                            socket_ifname=v["host_network_nccl_socket_ifname"] or None,
                            gid_index=v["host_network_nccl_gid_index"], inband_bond=v["host_network_inband_bond"],
                            default_route=v["host_network_default_route"])
    except (RefarchError, KeyError, TypeError, ValueError) as exc:
        raise RefarchError("cannot derive what host_network sets on %s: %s" % (device.get("name"), exc)) from None
    plan["nccl_conf"] = v["host_network_nccl_conf"]
    plan["roce_qos"] = bool(v["host_network_roce_qos"])
    return plan


def expected_gpu_host(overrides: dict | None = None) -> dict:
    """What ``gpu_host`` sets that validation reads back: kernel parameters, modules, memlock, MIG."""
    v = variables(overrides)
    return {
        "kernel_params": [str(p) for p in v.get("gpu_host_kernel_params") or []],
        "blacklist_nouveau": bool(v.get("gpu_host_blacklist_nouveau")),
        "peermem": bool(v.get("gpu_host_peermem")),
        "memlock_unlimited": bool(v.get("gpu_host_memlock_unlimited")),
        "mig_profile": v.get("gpu_host_mig_profile") or "",
    }


def host_sysctl_names(device: dict, fabrics: dict, overrides: dict | None = None) -> list:
    """The sysctl names host_network sets on ``device`` (what the gatherer reads), [] when none can be derived."""
    try:
        return sorted(expected_network(device, fabrics, overrides)["sysctls"])
    except RefarchError:
        return []


def parse_key_values(text: Any) -> dict:
    """``KEY=VALUE`` lines (nccl.conf), comments and blank lines left out."""
    out = {}
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def parse_limits(text: Any) -> list:
    """pam_limits lines (``domain type item value``) as tuples, comments left out."""
    out = []
    for line in str(text or "").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 4:
            out.append(tuple(fields))
    return out


def parse_mlnx_qos(text: Any) -> dict:
    """``mlnx_qos -i PORT``: {trust, pfc} (the priorities with PFC enabled, as a 0/1 vector string).

    The format, per the mlnx_qos description of MLNX_OFED (NVIDIA/Mellanox community, "mlnx_qos"):
    a ``Priority trust state: dscp`` line, and under ``PFC configuration:`` the lines
    ``priority 0 1 2 3 4 5 6 7`` and ``enabled 0 0 0 1 0 0 0 0``.
    """
    out: dict = {"trust": None, "pfc": None}
    lines = [ln.strip() for ln in str(text or "").splitlines()]
    for i, line in enumerate(lines):
        low = line.lower()
        if low.startswith("priority trust state:"):
            out["trust"] = line.split(":", 1)[1].strip().lower()
        if low.startswith("pfc configuration"):
            for follow in lines[i + 1:i + 4]:
                if follow.lower().startswith("enabled"):
                    out["pfc"] = ",".join(follow.split()[1:])
                    break
    return out
