# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a GPU host's fabric NICs need, derived from its slice of the plan.

``network_plan(device, fabrics, **options)`` returns plain data that the ``host_network`` role
renders into the OS's network configuration (netplan, NetworkManager keyfiles, systemd-networkd),
sysctls, the RoCE QoS script and ``/etc/nccl.conf``. Nothing here touches a host.

Host-side facts used (docs/REFERENCE-FACTS, "Host side (GPUDirect RDMA over RoCEv2)"): one routing
table and one ``from <nic-ip>`` rule per NIC, ``arp_ignore=1``, ``arp_announce=2``,
``rp_filter=2``; NIC QoS ``trust dscp`` and PFC on the RoCE priority; RDMA-CM ToS = DSCP x 4 plus
ECT(0) (106 for DSCP 26); ECN enable files per priority; NCCL_IB_HCA, NCCL_IB_GID_INDEX,
NCCL_IB_TC and NCCL_SOCKET_IFNAME.
"""

from __future__ import annotations

from typing import Any

import ipaddress
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import HostNetworkError  # noqa: F401 (raised here, caught by callers)

# Plan interface roles, in the order their NICs get tables and rule priorities.
ROLE_ORDER = ("compute", "storage", "inband", "bmc")
DEFAULT_ROLES = ("compute", "storage")
# RoCEv2 over IPv4: GID index 3 when the IPv6 link-local GIDs (0, 1) and the IPv4 RoCEv1 GID (2)
# come first, which is the mlx5 layout as long as IPv6 link-local addressing stays on.
ROCE_V2_IPV4_GID_INDEX = 3
ECT0 = 2  # ECN field 0b10


def _sysctl_name(ifname):
    """sysctl writes a dot in an interface name (a VLAN) as a slash."""
    return ifname.replace(".", "/")


def tos_for(qos: Any, congestion_control: Any) -> Any:
    """RDMA-CM ToS byte: DSCP shifted over the 2 ECN bits, ECT(0) when ECN/DCQCN is on."""
    dscp = int(qos["roce_dscp"])
    ecn = bool(qos.get("ecn")) and congestion_control == "dcqcn"
    return dscp * 4 + (ECT0 if ecn else 0)


def pfc_vector(priority: Any) -> Any:
    """mlnx_qos --pfc argument: PFC on ``priority`` only, e.g. 3 -> '0,0,0,1,0,0,0,0'."""
    priority = int(priority)
    if not 0 <= priority <= 7:
        raise HostNetworkError("PFC priority must be 0..7, got %d" % priority)
    return ",".join("1" if p == priority else "0" for p in range(8))


def nic_qos(fabric: Any) -> Any:
    """RoCE QoS of one NIC of ``fabric`` (a plan fabric summary), or None when there is none."""
    if not fabric or fabric.get("kind") != "roce" or not fabric.get("qos"):
        return None
    qos = fabric["qos"]
    congestion = fabric.get("congestion_control", "dcqcn")
    ecn = bool(qos.get("ecn")) and congestion == "dcqcn"
    priority = int(qos.get("roce_priority", 3))
    return {
        "trust": "dscp",
        "pfc": pfc_vector(priority) if qos.get("pfc", True) else "0,0,0,0,0,0,0,0",
        "roce_dscp": int(qos["roce_dscp"]),
        "roce_priority": priority,
        "tos": tos_for(qos, congestion),
        "roce_mode": "RoCE v2",
        "ecn": ecn,
        "ecn_priority": priority,
        "cnp_dscp": int(qos["cnp_dscp"]) if ecn and qos.get("cnp_dscp") is not None else None,
    }


def _sort_key(itf):
    role = itf.get("role")
    rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)
    rail = itf.get("rail")
    return (rank, rail if rail is not None else 1 << 30, itf.get("name") or "")


def network_plan(device: Any, fabrics: Any = None, roles: Any = DEFAULT_ROLES, table_base: Any = 100, rule_priority_base: Any = 1000,
                 rdma_devices: Any = None, sysctls: Any = None, nccl: Any = None, socket_ifname: Any = None, gid_index: Any = None) -> Any:
    """Turn a plan device (``refarch_device``) into the NIC, sysctl, QoS and NCCL settings.

    ``fabrics``: plan fabric summaries by name (kind, qos, congestion_control); a missing fabric
    is treated as plain Ethernet without QoS. ``rdma_devices``: {ifname: rdma device} found on
    the host, which wins over the plan's ``rdma_device``. ``sysctls``: {name: value} for
    arp_ignore/arp_announce/rp_filter. ``nccl``: extra or overriding NCCL settings (a value of
    None removes a derived key). ``socket_ifname``: NCCL_SOCKET_IFNAME instead of the derived one.
    ``gid_index``: NCCL_IB_GID_INDEX instead of 3 for RoCE.
    """
    fabrics = fabrics or {}
    found = rdma_devices or {}
    values = {"arp_ignore": 1, "arp_announce": 2, "rp_filter": 2}
    values.update(sysctls or {})
    interfaces = sorted(device.get("interfaces") or [], key=_sort_key)

    nics: list[Any] = []
    skipped: list[Any] = []
    warnings: list[Any] = []
    for itf in interfaces:
        name = itf.get("name")
        if itf.get("role") not in roles:
            skipped.append("%s: role %s is not managed here (host_network roles: %s)"
                           % (name, itf.get("role"), ", ".join(roles)))
            continue
        if not itf.get("address"):
            skipped.append("%s: the plan gives it no address" % name)
            continue
        try:
            iface = ipaddress.ip_interface(itf["address"])
        except ValueError as exc:
            raise HostNetworkError("%s: bad address %r: %s" % (name, itf["address"], exc)) from None
        if iface.version != 4:
            raise HostNetworkError("%s: only IPv4 fabric addresses are supported, got %s" % (name, iface))
        position = len(nics) + 1
        fabric = fabrics.get(itf.get("fabric")) or {}
        kind = fabric.get("kind") or "ethernet"
        planned_rdma = itf.get("rdma_device")
        rdma = found.get(name) or planned_rdma
        if found.get(name) and planned_rdma and found[name] != planned_rdma:
            warnings.append("%s: the plan says RDMA device %s, the host has %s (using %s)"
                            % (name, planned_rdma, found[name], found[name]))
        gateway = itf.get("gateway")
        if gateway and ipaddress.ip_address(gateway) not in iface.network:
            raise HostNetworkError("%s: gateway %s is outside %s" % (name, gateway, iface.network))
        nics.append({
            "name": name,
            "role": itf.get("role"),
            "fabric": itf.get("fabric"),
            "kind": kind,
            "rail": itf.get("rail"),
            "address": str(iface.with_prefixlen),
            "ip": str(iface.ip),
            "prefixlen": iface.network.prefixlen,
            "network": str(iface.network),
            "gateway": gateway,
            "mtu": itf.get("mtu"),
            "table": table_base + position,
            "table_name": "refarch_%s" % name.replace("-", "_").replace(".", "_"),
            "priority": rule_priority_base + position,
            "rdma_device": rdma,
            "peer": ("%s %s" % (itf.get("peer_device"), itf.get("peer_port"))) if itf.get("peer_device") else None,
            "qos": nic_qos(fabric) if rdma else None,
            "qos_reason": (None if rdma and nic_qos(fabric) else
                           "no RDMA device known for this NIC" if not rdma else
                           "fabric %s has no RoCE QoS (kind %s)" % (itf.get("fabric"), kind)),
        })

    names = ["all", "default"] + [_sysctl_name(n["name"]) for n in nics]
    sysctl = {}
    for ifname in names:
        for key in ("arp_ignore", "arp_announce", "rp_filter"):
            sysctl["net.ipv4.conf.%s.%s" % (ifname, key)] = str(values[key])

    return {
        "nics": nics,
        "sysctls": sysctl,
        "nccl": nccl_settings(device, nics, nccl=nccl, socket_ifname=socket_ifname, gid_index=gid_index),
        "skipped": skipped,
        "warnings": warnings,
    }


def nccl_settings(device: Any, nics: Any, nccl: Any = None, socket_ifname: Any = None, gid_index: Any = None) -> Any:
    """NCCL variables for /etc/nccl.conf from the managed NICs (output of network_plan).

    NCCL_IB_HCA: the compute NICs' RDMA devices in rail order, exact names (``=``), port 1.
    NCCL_IB_GID_INDEX and NCCL_IB_TC: RoCE compute fabrics only (GID 3 = RoCEv2 over IPv4;
    TC = the RDMA-CM ToS of the fabric's QoS). NCCL_SOCKET_IFNAME: the host's in-band NICs
    (bootstrap traffic), else its compute NICs.
    """
    compute = [n for n in nics if n["role"] == "compute"]
    out = {}
    hcas = [n["rdma_device"] for n in compute if n["rdma_device"]]
    if hcas and len(hcas) == len(compute):
        out["NCCL_IB_HCA"] = "=" + ",".join("%s:1" % h for h in hcas)
    roce = [n for n in compute if n["kind"] == "roce"]
    if roce:
        out["NCCL_IB_GID_INDEX"] = str(ROCE_V2_IPV4_GID_INDEX if gid_index is None else gid_index)
        tos = sorted(set(n["qos"]["tos"] for n in roce if n["qos"]))
        if len(tos) == 1:
            out["NCCL_IB_TC"] = str(tos[0])
    if socket_ifname:
        out["NCCL_SOCKET_IFNAME"] = socket_ifname
    else:
        inband = [i["name"] for i in sorted(device.get("interfaces") or [], key=_sort_key)
                  if i.get("role") == "inband"]
        names = inband or [n["name"] for n in compute]
        if names:
            out["NCCL_SOCKET_IFNAME"] = "=" + ",".join(names)
    for key, value in (nccl or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return dict(sorted(out.items()))


def sysctl_changes(output: Any, wanted: Any) -> Any:
    """Settings of ``wanted`` ({name: value}) whose current value in ``output`` differs.

    ``output``: what ``sysctl -e NAME...`` prints (``name = value`` lines); names it does not
    print (a NIC that does not exist) are left out, since udev applies sysctl.d when it appears.
    """
    current = {}
    for line in (output or "").splitlines():
        name, sep, value = line.partition(" = ")
        if sep:
            current[name.strip()] = value.strip()
    return [{"key": k, "value": str(v)} for k, v in wanted.items() if k in current and current[k] != str(v)]


def rdma_devices_from_sysfs(paths: Any) -> Any:
    """``/sys/class/net/IF/device/infiniband/DEV`` paths -> {IF: DEV} (the first device of each NIC)."""
    found: dict[str, Any] = {}
    for path in paths or []:
        parts = str(path).strip().split("/")
        if len(parts) >= 8 and parts[1:4] == ["sys", "class", "net"] and parts[5:7] == ["device", "infiniband"]:
            found.setdefault(parts[4], parts[7])
    return found
