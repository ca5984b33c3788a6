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
# mlxconfig LINK_TYPE_P<n> values (MLNX_OFED / DOCA-OFED user manual, "Port Type Management / VPI
# Cards Configuration": 1 = InfiniBand, 2 = Ethernet; the DGX BasePOD Deployment Guide shows
# "LINK_TYPE_P1 IB(1)" on the DGX H100 compute ports).
MLX_LINK_TYPE = {"infiniband": 1, "ethernet": 2}
# In-band bond defaults: LACP (802.3ad) to an MLAG switch pair, as the DGX BasePOD Deployment
# Guide dual-homes every DGX to the SN4600C pair ("MLAG between the two SN4600C switches",
# "dual homed ... via bond interface"). The bond is a virtual device this role creates, not a
# hardware name, so it is the one interface name that does not come from the catalog.
BOND_DEFAULTS = {"name": "bond0", "mode": "802.3ad", "lacp_rate": "fast", "transmit_hash_policy": "layer3+4",
                 "mii_monitor_interval": 100, "address": None, "gateway": None}
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


def documented_names(server: Any, role: Any, kind: Any) -> Any:
    """(names, link_type, port_link_type) the catalog entry ``server`` documents for ``role`` ports on a ``kind`` fabric.

    ``kind`` is the plan fabric's kind (infiniband, roce, ethernet). A port shipped as InfiniBand
    (``link_type: infiniband``) on an Ethernet fabric runs in Ethernet mode and carries the
    ``names_ethernet`` names. ``names`` is None when the catalog documents none for that mode.
    """
    group = ((server or {}).get("nics") or {}).get(role) or {}
    wanted = "infiniband" if kind == "infiniband" else "ethernet"
    shipped = group.get("link_type") or wanted
    if shipped == wanted:
        names = group.get("names")
    elif wanted == "ethernet":
        names = group.get("names_ethernet")
    else:
        names = group.get("names_infiniband")
    return (list(names) if names else None), wanted, shipped


def _names_field(model, role, wanted, shipped):
    key = "names" if wanted == shipped else "names_%s" % wanted
    return "catalog servers.%s.nics.%s.%s" % (model or "<model>", role, key)


def _check_name(name, itf, kind, server, model):
    """The link-type change a documented port needs, or raise when ``name`` is not documented."""
    role = itf.get("role")
    names, wanted, shipped = documented_names(server, role, kind)
    where = _names_field(model, role, wanted, shipped)
    if not names:
        raise HostNetworkError(
            "server model %s: the catalog documents no OS interface names for its %s ports in %s mode, so %s "
            "(a placeholder of the plan) cannot be configured; fill %s from the vendor's document"
            % (model, role, wanted, name, where))
    plane_fmt = (((server or {}).get("nics") or {}).get(role) or {}).get("plane_names")
    in_planes = {plane_fmt.format(name=n, plane=p) for n in names for p in range(1, 9)} if plane_fmt else set()
    # The planner's placeholder for a port's share in a plane, where the catalog documents no names for it.
    if name not in in_planes and name in {"%s-p%d" % (n, p) for n in names for p in range(1, 9)}:
        raise HostNetworkError(
            "server model %s: interface %s (%s) is a port's share in one plane, and the catalog documents no OS "
            "names for its %s ports in planes; fill catalog servers.%s.nics.%s.plane_names from the vendor's "
            "document" % (model, name, role, role, model or "<model>", role))
    if name not in names and name not in in_planes:
        raise HostNetworkError(
            "server model %s: interface %s (%s) is not an OS name the catalog documents for its %s ports in %s mode "
            "(%s); fix %s or the plan" % (model, name, role, role, wanted, ", ".join(names), where))
    if wanted != shipped:
        return {"name": name, "rdma_device": itf.get("rdma_device"), "from": shipped, "to": wanted,
                "setting": "LINK_TYPE_P1=%d" % MLX_LINK_TYPE[wanted],
                "command": "mlxconfig -d <PCI address of %s> set LINK_TYPE_P1=%d (then a reboot or firmware reset)"
                           % (name, MLX_LINK_TYPE[wanted])}
    return None


def _sort_key(itf):
    role = itf.get("role")
    rank = ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)
    rail = itf.get("rail")
    return (rank, rail if rail is not None else 1 << 30, itf.get("name") or "")


def network_plan(device: Any, fabrics: Any = None, roles: Any = DEFAULT_ROLES, table_base: Any = 100, rule_priority_base: Any = 1000,
                 rdma_devices: Any = None, sysctls: Any = None, nccl: Any = None, socket_ifname: Any = None, gid_index: Any = None,
                 server: Any = None, model: Any = None, inband_bond: Any = None, default_route: Any = None) -> Any:
    """Turn a plan device (``refarch_device``) into the NIC, sysctl, QoS and NCCL settings.

    ``fabrics``: plan fabric summaries by name (kind, qos, congestion_control); a missing fabric
    is treated as plain Ethernet without QoS. ``rdma_devices``: {ifname: rdma device} found on
    the host, which wins over the plan's ``rdma_device``. ``sysctls``: {name: value} for
    arp_ignore/arp_announce/rp_filter. ``nccl``: extra or overriding NCCL settings (a value of
    None removes a derived key). ``socket_ifname``: NCCL_SOCKET_IFNAME instead of the derived one.
    ``gid_index``: NCCL_IB_GID_INDEX instead of 3 for RoCE. ``server``: the catalog entry of the
    host's model (``refarch_catalog.servers[model]``); every managed interface name must be one
    it documents for the role and link type, else HostNetworkError names the catalog field to
    fill. Without it names are not checked (a warning says so). ``inband_bond``: {name, mode,
    address, gateway, ...} to bond the in-band ports (None or {} keeps them apart). Where the plan
    bonds them (the device's ``bonds``, host_addressing mlag_bond) the bond takes the plan's address
    and gateway; ``inband_bond`` then gives the LACP settings, and its ``address``/``gateway``
    override the plan's. ``default_route``: a NIC name, or an interface role (the first NIC of that
    role), whose planned gateway also becomes the main table's default route, for traffic that
    binds no source address (the scheduler's daemons where the host has no other network, as in
    the lab); None adds none. The NIC's own table and rule stay as they are.
    """
    fabrics = fabrics or {}
    model = model or device.get("model")
    bond_opts = dict(BOND_DEFAULTS, **inband_bond) if inband_bond else None
    # A bond the plan made is rendered unless inband_bond is given empty ({}): not given, it takes the defaults.
    planned_opts = dict(BOND_DEFAULTS) if inband_bond is None else bond_opts
    found = rdma_devices or {}
    values = {"arp_ignore": 1, "arp_announce": 2, "rp_filter": 2}
    values.update(sysctls or {})
    interfaces = sorted(device.get("interfaces") or [], key=_sort_key)
    # Bonds the plan made (host_addressing mlag_bond): their members carry no address of their own.
    planned = {m: b for b in device.get("bonds") or [] for m in b.get("members") or []}
    planned_members: list[Any] = []

    nics: list[Any] = []
    skipped: list[Any] = []
    warnings: list[Any] = []
    link_types: list[Any] = []
    if not server:
        warnings.append("no catalog entry of the server model given: interface names are not checked against the catalog")
    for itf in interfaces:
        name = itf.get("name")
        if itf.get("role") == "bmc":
            skipped.append("%s: the BMC port belongs to the BMC, not to the host OS" % name)
            continue
        if itf.get("role") not in roles:
            skipped.append("%s: role %s is not managed here (host_network roles: %s)"
                           % (name, itf.get("role"), ", ".join(roles)))
            continue
        if name in planned and not itf.get("address"):
            if not planned_opts:
                skipped.append("%s: the plan bonds it into %s, which host_network_inband_bond: {} leaves out"
                               % (name, planned[name].get("name")))
                continue
            fabric = fabrics.get(itf.get("fabric")) or {}
            if server:
                _check_name(name, itf, fabric.get("kind") or "ethernet", server, model)
            planned_members.append({"name": name, "role": itf.get("role"), "fabric": itf.get("fabric"),
                                    "mtu": itf.get("mtu"), "rail": itf.get("rail"),
                                    "peer": ("%s %s" % (itf.get("peer_device"), itf.get("peer_port")))
                                    if itf.get("peer_device") else None})
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
        if server:
            change = _check_name(name, itf, kind, server, model)
            if change:
                link_types.append(change)
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
            "link_type": "infiniband" if kind == "infiniband" else "ethernet",
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

    if planned_members:
        nics, members = _planned_bond(nics, planned_members, planned, planned_opts, table_base, rule_priority_base)
    else:
        nics, members = _bond_inband(nics, bond_opts, table_base, rule_priority_base)
    _mark_default_route(nics, default_route)
    names = ["all", "default"] + [_sysctl_name(n["name"]) for n in nics]
    sysctl = {}
    for ifname in names:
        for key in ("arp_ignore", "arp_announce", "rp_filter"):
            sysctl["net.ipv4.conf.%s.%s" % (ifname, key)] = str(values[key])

    return {
        "nics": nics,
        "bond_members": members,
        "link_types": link_types,
        "sysctls": sysctl,
        "nccl": nccl_settings(device, nics, nccl=nccl, socket_ifname=socket_ifname, gid_index=gid_index),
        "skipped": skipped,
        "warnings": warnings,
    }


def _mark_default_route(nics: list[Any], default_route: Any) -> None:
    """Set ``main_default`` on every NIC: True on the one ``default_route`` names (name or role)."""
    chosen = None
    if default_route:
        chosen = next((n for n in nics if n["name"] == default_route), None) or next(
            (n for n in nics if n["role"] == default_route), None)
        if chosen is None:
            raise HostNetworkError("default_route %r names no NIC or interface role this host configures (%s)" % (
                default_route, ", ".join(n["name"] for n in nics) or "none"))
        if not chosen.get("gateway"):
            raise HostNetworkError("default_route %r: the plan gives %s no gateway" % (default_route, chosen["name"]))
    for nic in nics:
        nic["main_default"] = nic is chosen


def _planned_bond(nics, members, planned, opts, table_base, rule_priority_base):
    """The bond the plan made of ``members`` (its address, gateway and MTU), after the other NICs;
    ``opts`` (host_network_inband_bond) give the bond settings and may override name and address."""
    record = planned[members[0]["name"]]
    address = opts.get("address") or record.get("address")
    try:
        iface = ipaddress.ip_interface(address)
    except ValueError as exc:
        raise HostNetworkError("%s: bad bond address %r: %s" % (record.get("name"), address, exc)) from None
    gateway = opts.get("gateway") if opts.get("address") else record.get("gateway")
    if gateway and ipaddress.ip_address(gateway) not in iface.network:
        raise HostNetworkError("%s: gateway %s is outside %s" % (record.get("name"), gateway, iface.network))
    name = str(opts.get("name") or record.get("name"))
    position = len(nics) + 1
    bond = {"name": name, "role": record.get("role") or members[0]["role"], "fabric": record.get("fabric"),
            "kind": "bond", "rail": None, "link_type": "ethernet", "address": str(iface.with_prefixlen),
            "ip": str(iface.ip), "prefixlen": iface.network.prefixlen, "network": str(iface.network),
            "gateway": gateway, "mtu": record.get("mtu") or members[0]["mtu"], "table": table_base + position,
            "table_name": "refarch_%s" % name.replace("-", "_").replace(".", "_"),
            "priority": rule_priority_base + position, "rdma_device": None,
            "peer": ", ".join(m["peer"] for m in members if m["peer"]) or None, "qos": None,
            "qos_reason": "bond of the in-band ports (no RoCE QoS)", "members": [m["name"] for m in members],
            "bond": {k: opts[k] for k in ("mode", "lacp_rate", "transmit_hash_policy", "mii_monitor_interval")}}
    return nics + [bond], [dict(m, bond=name) for m in members]


def _bond_inband(nics, opts, table_base, rule_priority_base):
    """Replace the in-band NICs by one bond of them (LACP to an MLAG pair); (nics, bond members).

    The bond takes the in-band ports' shared subnet; ports the plan puts in different subnets
    (one routed leaf each) cannot share a bond unless ``opts`` gives its address, since the
    switch side must then be an MLAG pair with one VLAN (docs/gpu-hosts.md).
    """
    inband = [n for n in nics if n["role"] == "inband"]
    if not opts or len(inband) < 2:
        return nics, []
    first = inband[0]
    if opts.get("address"):
        try:
            iface = ipaddress.ip_interface(opts["address"])
        except ValueError as exc:
            raise HostNetworkError("in-band bond: bad address %r: %s" % (opts["address"], exc)) from None
        gateway = opts.get("gateway")
    else:
        networks = sorted(set(n["network"] for n in inband))
        if len(networks) > 1:
            raise HostNetworkError(
                "in-band ports %s are planned in different subnets (%s), one routed leaf each; a bond needs one "
                "subnet over an MLAG switch pair: give the bond its address (host_network_inband_bond.address) "
                "and set up MLAG on the in-band leaves, or set host_network_inband_bond: {} to keep the ports apart"
                % (", ".join(n["name"] for n in inband), ", ".join(networks)))
        iface = ipaddress.ip_interface(first["address"])
        gateway = first["gateway"]
    if gateway and ipaddress.ip_address(gateway) not in iface.network:
        raise HostNetworkError("in-band bond: gateway %s is outside %s" % (gateway, iface.network))
    name = str(opts["name"])
    rest = [n for n in nics if n["role"] != "inband"]
    position = len(rest) + 1
    bond = dict(first, name=name, kind="bond", rail=None, rdma_device=None, qos=None,
                qos_reason="bond of the in-band ports (no RoCE QoS)",
                address=str(iface.with_prefixlen), ip=str(iface.ip), prefixlen=iface.network.prefixlen,
                network=str(iface.network), gateway=gateway, table=table_base + position,
                table_name="refarch_%s" % name.replace("-", "_").replace(".", "_"),
                priority=rule_priority_base + position,
                peer=", ".join(n["peer"] for n in inband if n["peer"]) or None,
                members=[n["name"] for n in inband],
                bond={k: opts[k] for k in ("mode", "lacp_rate", "transmit_hash_policy", "mii_monitor_interval")})
    members = [{"name": n["name"], "bond": name, "mtu": n["mtu"], "role": n["role"], "fabric": n["fabric"],
                "peer": n["peer"]} for n in inband]
    return rest + [bond], members


def nccl_settings(device: Any, nics: Any, nccl: Any = None, socket_ifname: Any = None, gid_index: Any = None) -> Any:
    """NCCL variables for /etc/nccl.conf from the managed NICs (output of network_plan).

    NCCL_IB_HCA: the compute NICs' RDMA devices in rail order, exact names (``=``), port 1.
    NCCL_IB_GID_INDEX and NCCL_IB_TC: RoCE compute fabrics only (GID 3 = RoCEv2 over IPv4;
    TC = the RDMA-CM ToS of the fabric's QoS). NCCL_SOCKET_IFNAME: the in-band NICs (or their
    bond) this role configures (bootstrap traffic), else the compute NICs: never an in-band name
    this role did not configure, which may be a placeholder or a bond member without an address.
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
        inband = [n["name"] for n in nics if n["role"] == "inband"]
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
