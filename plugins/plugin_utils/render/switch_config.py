# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration of one Ethernet fabric switch, platform-neutral, from the plan.

``switch_config(plan, name)`` (or ``switch_config_from(device, fabric)`` on the slices the
inventory plugin gives each host) returns plain, JSON-serialisable data: ports with speed,
breakout, MTU and a description naming the peer; routed fabric links (/31 from the plan, or
unnumbered); the loopback; BGP (ASN, router-id, one session per fabric link, ECMP width, the
prefixes to advertise); LLDP; the gateway of the host subnet on the node-facing ports; and the
QoS profile of the fabric expanded into the tables a switch needs (DSCP to traffic class, PFC,
ECN, schedulers, PFC watchdog).

The renderers of the ``fabric_switch`` role only format this data in each platform's syntax; every
decision is taken here, once, so that the four platforms cannot drift apart. Nothing in this file
imports Ansible.

Sources of the values that are not in the plan:

* RoCE QoS: NVIDIA Cumulus Linux documentation, "RDMA over Converged Ethernet (RoCE)" (lossless:
  DSCP 26 -> switch priority 3 -> traffic class 3 with PFC, DWRR 50 %; CNP DSCP 48 -> priority 6 ->
  traffic class 6, strict; ECN on traffic classes 0 and 3, min 150,000 B, max 1,500,000 B,
  probability 100 %). The numbers come from the design's QoS profile; the traffic classes that
  carry ECN and the identity priority -> traffic class -> queue mapping come from that page.
* PFC watchdog timers: SONiC ``pfcwd`` defaults (detection 200 ms, restoration 200 ms, polling
  200 ms, action drop), "SONiC PFC Watchdog" design document.
* BGP timers 3 s / 9 s: FRR ``frr defaults datacenter`` (FRR user guide, "BGP", "Defaults").
* EOS layer-3 MTU limit 9214: Arista EOS User Manual, "Ethernet Ports" (MTU).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import MGMT_ROLE, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import PLATFORMS, RENDERED_PLATFORMS, UNNUMBERED_PLATFORMS
from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import sonic
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import SwitchConfigError  # noqa: F401 (raised here, caught by callers)

SCHEMA_VERSION = 1

DEFAULT_OPTIONS: dict[str, Any] = {
    "unnumbered": False,      # BGP unnumbered instead of the plan's /31 on fabric links
    "host_vlan": 1000,        # VLAN of the host subnet on platforms that bridge through a VLAN
    "plan_name": None,        # written into the headers of rendered files
    "platforms": RENDERED_PLATFORMS,   # renderers available to the caller
}

BGP_TIMERS = {"keepalive": 3, "hold": 9}
PFC_WATCHDOG: dict[str, Any] = {"action": "drop", "detection_ms": 200, "restoration_ms": 200, "poll_ms": 200}
# Platforms that sample the queue at least twice per detection and restoration period (Arista EOS:
# the polling interval must be at most half of the timeout and of the recovery time, EOS User
# Manual, "priority-flow-control pause watchdog default polling-interval") poll at this rate instead.
PFC_WATCHDOG_HALF_POLL_MS = min(PFC_WATCHDOG["poll_ms"], PFC_WATCHDOG["detection_ms"] // 2, PFC_WATCHDOG["restoration_ms"] // 2)
DEFAULT_TRAFFIC_CLASS = 0
# ECN on the lossy default class only marks: ECN-capable packets are marked between the thresholds,
# the others are never dropped early (no WRED), only when the queue is full. Cumulus `qos roce` does
# exactly that (`ecn: enable`, `red: disable` on traffic class 0, Cumulus Linux user guide, "RDMA
# over Converged Ethernet (RoCE)"); a platform whose ECN command also drops packets that are not
# ECN-capable (EOS `random-detect ecn`) leaves ECN off that class.
LOSSY_ECN = "mark"

# The first release of a NOS whose ports take the PFC watchdog's state (Cumulus NVUE: interface
# qos pfc-watchdog state, from 5.6 on: Cumulus Linux user guide, "Quality of Service", PFC watchdog;
# the nvueschema models have the key from v5_6). Platforms not listed take it in every release.
PFC_WATCHDOG_PORT_STATE_SINCE: dict[str, tuple[int, ...]] = {"cumulus": (5, 6)}


def pfc_watchdog_port_state(platform: str | None, version: str | None) -> bool:
    """Whether ``platform`` at release ``version`` sets the PFC watchdog's state per port."""
    since = PFC_WATCHDOG_PORT_STATE_SINCE.get(platform or "")
    if since is None:
        return True
    try:
        return tuple(int(part) for part in str(version).split(".")) >= since
    except ValueError:
        return False


# MLAG (host_addressing mlag_bond), platform names of the host bonds and the peer link:
# Cumulus ("Multi-Chassis Link Aggregation - MLAG": host bonds are bond interfaces, the peer link a
# bond of type peerlink named peerlink with a peerlink.4094 sub-interface, as in the DGX BasePOD
# Deployment Guide's SN4600C reference configuration); SONiC (config_db PORTCHANNEL keys
# PortChannel<N>, sonic-yang-models); EOS ("MLAG": Port-Channel<N> with `mlag <N>`, the peer link a
# trunk port-channel, the peer session over an SVI on VLAN 4094). Host bond N is MLAG id N; the peer
# link takes a channel number above every host bond's.
MLAG_BOND_NAMES = {"cumulus": "bond%d", "sonic": "PortChannel%d", "eos": "Port-Channel%d"}
MLAG_PEER_LINK_NAMES = {"cumulus": "peerlink", "sonic": "PortChannel%d", "eos": "Port-Channel%d"}
MLAG_PEER_LINK_ID = 1000
MLAG_PEER_VLAN = 4094

# The NVIDIA RoCE defaults (Cumulus `nv set qos roce`): a profile with exactly these values can use
# the platform's one-line RoCE setting; any other profile is written out explicitly.
NVIDIA_ROCE_DEFAULTS = {"roce_dscp": 26, "roce_priority": 3, "roce_bandwidth_percent": 50,
                        "cnp_dscp": 48, "cnp_priority": 6, "ecn_min_bytes": 150000,
                        "ecn_max_bytes": 1500000, "ecn_probability_percent": 100}


def switch_config(plan: Any, device_name: Any, options: Any = None) -> Any:
    """The neutral configuration of switch ``device_name`` of ``plan`` (a plan.Plan)."""
    if device_name not in plan.devices:
        raise SwitchConfigError("%s is not a device of plan %s" % (device_name, plan.name))
    device = plan.devices[device_name]
    if device.role not in SWITCH_ROLES:
        raise SwitchConfigError("%s is a %s, not a leaf, spine or core switch" % (device_name, device.role))
    if device.fabric not in plan.fabrics:
        raise SwitchConfigError("%s is not a switch of any fabric of plan %s" % (device_name, plan.name))
    model = plan.design.catalog.switches.get(device.model)
    opts = dict(options or {})
    opts.setdefault("plan_name", plan.name)
    return switch_config_from(device.as_dict(), plan.fabrics[device.fabric], model=model, options=opts)


def switch_config_from(device: Any, fabric: Any, model: Any = None, options: Any = None) -> Any:
    """The neutral configuration of one switch from its plan slices.

    ``device`` is the device record (``refarch_device``), ``fabric`` the fabric summary
    (``refarch_fabric``), ``model`` the catalog switch (a catalog.SwitchModel or its raw mapping;
    optional, it only gives lane counts). Raises SwitchConfigError naming the device and the fix.
    """
    opts = dict(DEFAULT_OPTIONS)
    opts.update({k: v for k, v in (options or {}).items() if v is not None})
    name = device.get("name", "?")
    _check(device, fabric, opts)
    platform = device["platform"]
    names = PLATFORMS[platform]
    unnumbered = bool(opts["unnumbered"])
    lanes_per_port, uplink_lanes, model_ports = _lanes(model)
    mtu = int(fabric["mtu"])       # the planner capped it at what the platform takes
    bgp = device.get("bgp") or {}
    sessions = {n["interface"]: n for n in bgp.get("neighbors") or []}
    gateway = device.get("gateway_address")
    host_vlan = int(opts["host_vlan"])

    mlag = _mlag(device, platform, host_vlan, mtu)
    bond_of = {m: b for b in (mlag or {}).get("bonds", []) for m in b["members"]}
    if mlag:
        bond_of.update({m: mlag["peer_link"] for m in mlag["peer_link"]["members"]})
    interfaces = []
    breakouts: dict[Any, Any] = {}
    host_members = [b["name"] for b in mlag["bonds"]] if mlag else []
    for iface in device.get("interfaces") or []:
        if iface.get("role") == MGMT_ROLE:
            continue               # the out-of-band management port: the NOS's own, not a data port
        fabric_link = iface["name"] in sessions
        host_port = not fabric_link and iface.get("role") == "downlink" and iface["name"] not in bond_of
        separate_uplink = bool(uplink_lanes and model_ports and (iface.get("port_number") or 0) > model_ports)
        split = int(iface.get("split") or 1)
        lanes = None
        if lanes_per_port:
            lanes = max(1, (uplink_lanes if separate_uplink else lanes_per_port) // split)
        routed_address = iface.get("address") if (fabric_link and not unnumbered) or host_port else None
        in_bridge = host_port and not iface.get("address") and bool(gateway)
        speed = _number(iface.get("speed_gbps"))
        entry = {
            "name": iface["name"], "role": iface.get("role"),
            "kind": "fabric" if fabric_link else "peer" if iface.get("role") == "peer" else "host",
            "bond": bond_of[iface["name"]]["name"] if iface["name"] in bond_of else None,
            "channel_group": bond_of[iface["name"]]["id"] if iface["name"] in bond_of else None,
            "description": iface.get("description") or "to %s %s" % (iface.get("peer_device"), iface.get("peer_port")),
            "peer_device": iface.get("peer_device"), "peer_port": iface.get("peer_port"),
            "speed_gbps": speed, "speed_mbps": int(round(float(iface.get("speed_gbps") or 0) * 1000)),
            "lanes": lanes, "split": split, "mtu": min(int(iface.get("mtu") or mtu), mtu),
            "address": routed_address, "unnumbered": bool(fabric_link and unnumbered),
            "routed": bool(fabric_link or routed_address),
            "bridge": names.bridge if in_bridge and names.bridge else None,
            "vlan": host_vlan if in_bridge and platform != "lab" else None,
            "cable_length_m": iface.get("length_m"),
        }
        interfaces.append(entry)
        if in_bridge:
            host_members.append(iface["name"])
        if split > 1 and iface.get("port_number") and device.get("breakouts") is None:
            # A plan without port structure (older planner): the cage from the port number; the
            # breakout is set on the cage's port, not on a port numbered like a member.
            cage = (int(iface["port_number"]) - 1) // split + 1
            parent = platforms.cage_port_name(platform, cage, lanes_per_port or 4)
            group = breakouts.setdefault(parent, {"port": parent, "cage": cage, "ways": split, "speed_gbps": speed,
                                                  "mode": "%dx%sG" % (split, speed), "members": []})
            group["members"].append(iface["name"])
    for b in device.get("breakouts") or []:
        # The plan's port structure (planner/fabric.port_structure, from the catalog's vendor data).
        breakouts[b["port"]] = {
            "port": b["port"], "cage": b["cage"], "ways": b["ways"], "speed_gbps": _number(b["speed_gbps"]),
            "mode": b.get("mode") or "%dx%sG" % (b["ways"], _number(b["speed_gbps"])),
            "members": [m["name"] for m in b["members"]]}

    host_gateway = None
    if gateway and host_members:
        host_gateway = {
            "name": names.gateway % host_vlan if "%d" in names.gateway else names.gateway,
            "vlan": host_vlan if platform != "lab" else None,
            "address": gateway, "subnet": (device.get("host_subnets") or [None])[0],
            "members": host_members, "mtu": mtu, "bridge": names.bridge,
            "virtual_address": mlag["virtual_gateway"] if mlag else None,
            "virtual_mac": mlag["virtual_mac"] if mlag else None,
            "virtual_ip": mlag["virtual_gateway"].split("/")[0] if mlag else None,
        }

    loopback = device.get("loopback")
    config = {
        "schema": SCHEMA_VERSION,
        "hostname": name,
        "plan": opts["plan_name"],
        "platform": platform,
        "role": device["role"],
        "fabric": device.get("fabric"),
        "model": device.get("model"),
        "asn": bgp.get("asn", device.get("asn")),
        "router_id": bgp.get("router_id") or (loopback.split("/")[0] if loopback else None),
        "mtu": mtu,
        "loopback": {"name": names.loopback, "address": loopback} if loopback else None,
        "sysctls": [{"name": k, "value": v} for k, v in names.sysctls or ()],
        "interfaces": interfaces,
        "breakouts": [breakouts[k] for k in sorted(breakouts, key=lambda p: breakouts[p]["cage"])],
        "host_gateway": host_gateway,
        "mlag": mlag,
        "bgp": _bgp(bgp, sessions, unnumbered, device),
        "lldp": {"enabled": True, "hostname": name, "interfaces": [i["name"] for i in interfaces]},
        "qos": _qos(fabric, [i["name"] for i in interfaces], name),
    }
    if platform == "sonic":
        # SONiC's config_db built in Python (render/sonic.py); the template only formats it.
        config["sonic"] = {"config_db": sonic.config_db(config), "apply": {k: list(v) for k, v in sonic.APPLY.items()}}
        if mlag:
            config["sonic"]["apply"]["replace"] += sonic.MLAG_TABLES
    return config


def _check(device, fabric, opts):
    name = device.get("name", "?")
    if device.get("role") not in SWITCH_ROLES:
        raise SwitchConfigError("%s is a %s, not a leaf, spine or core switch" % (name, device.get("role")))
    if not fabric or fabric.get("kind") == "infiniband":
        raise SwitchConfigError("%s is not an Ethernet fabric switch (fabric kind %s); InfiniBand switches "
                                "are configured by the subnet manager" % (name, (fabric or {}).get("kind")))
    platform = device.get("platform")
    available = tuple(opts.get("platforms") or RENDERED_PLATFORMS)
    if platform not in available or platform not in RENDERED_PLATFORMS:
        raise SwitchConfigError(
            "%s runs platform %r, which has no renderer; renderers exist for %s. Set fabrics.%s.platform in "
            "the design to one of them (the switch model must support it)" % (
                name, platform, ", ".join(p for p in available if p in RENDERED_PLATFORMS), device.get("fabric")))
    if opts.get("unnumbered") and platform not in UNNUMBERED_PLATFORMS:
        raise SwitchConfigError("%s: BGP unnumbered is rendered for %s only, not for %s; keep the plan's /31 "
                                "fabric links (unnumbered: false)" % (name, ", ".join(UNNUMBERED_PLATFORMS), platform))
    if not device.get("bgp") or not device.get("loopback"):
        raise SwitchConfigError("%s has no BGP identity or loopback in the plan; plan the design again with "
                                "this collection's planner" % name)
    vlan = opts.get("host_vlan")
    if not isinstance(vlan, int) or isinstance(vlan, bool) or not 2 <= vlan <= 4094:
        raise SwitchConfigError("host_vlan must be a VLAN id from 2 to 4094, not %r" % (vlan,))


def _mlag(device, platform, host_vlan, mtu):
    """The MLAG pair of a leaf (the plan's ``mlag`` record) in the platform's names, or None.

    Neutral data: the peer, the peer link (a bond of the plan's peer-link ports), the pair's domain
    id and system MAC, the peer-link /31 and the peer's address on it, the peer's management address
    (Cumulus' backup path), the virtual gateway, and one bond per host with its MLAG id.
    """
    record = device.get("mlag")
    if not record:
        return None
    name = device.get("name", "?")
    if platform not in MLAG_BOND_NAMES:
        raise SwitchConfigError("%s: MLAG (host_addressing mlag_bond) is rendered for %s, not for %s; choose one of "
                                "them or host_addressing subnet_per_leaf" % (name, ", ".join(MLAG_BOND_NAMES), platform))
    ids = [int(b["id"]) for b in record.get("bonds") or []]
    if any(not 1 <= i < MLAG_PEER_LINK_ID for i in ids):
        raise SwitchConfigError("%s: MLAG ids must be 1 to %d (the peer link takes %d), got %s" % (
            name, MLAG_PEER_LINK_ID - 1, MLAG_PEER_LINK_ID, ids))
    peer_link = MLAG_PEER_LINK_NAMES[platform]
    if "%d" in peer_link:
        peer_link = peer_link % MLAG_PEER_LINK_ID
    return {
        "peer_device": record["peer_device"], "role": record.get("role"), "domain_id": int(record["pair"]),
        "system_mac": record["system_mac"], "local_address": record["local_address"],
        "local_ip": record["local_address"].split("/")[0], "peer_address": record["peer_address"],
        "peer_mgmt_address": record.get("peer_mgmt_address"), "peer_vlan": MLAG_PEER_VLAN,
        "peer_link": {"name": peer_link, "id": MLAG_PEER_LINK_ID, "members": list(record["peer_links"]), "mtu": mtu,
                      "description": "MLAG peer link to %s" % record["peer_device"]},
        "virtual_gateway": record["virtual_gateway"], "virtual_mac": record["virtual_mac"],
        "bonds": [{"name": MLAG_BOND_NAMES[platform] % int(b["id"]), "id": int(b["id"]), "members": list(b["members"]),
                   "description": "to %s %s" % (b["peer_device"], b.get("host_bond")), "peer_device": b["peer_device"],
                   "mtu": mtu, "vlan": host_vlan} for b in record.get("bonds") or []],
    }


def _number(value):
    """100.0 -> 100, 12.5 stays 12.5 (speeds are written without a needless fraction)."""
    value = float(value or 0)
    return int(value) if value.is_integer() else value


def _lanes(model):
    """(lanes per port, lanes per separate uplink port, ports before the uplinks) of a catalog switch."""
    if model is None:
        return None, None, None
    raw = getattr(model, "raw", model) or {}
    lanes = getattr(model, "lanes_per_port", None) or raw.get("lanes_per_port") or 4
    ports = getattr(model, "ports", None)
    if not isinstance(ports, int):
        ports = (raw.get("ports") or {}).get("count")
    uplinks = raw.get("uplink_ports") or {}
    return int(lanes), (int(uplinks.get("lanes_per_port", lanes)) if uplinks else None), ports


def _bgp(bgp, sessions, unnumbered, device):
    neighbors = []
    for iface in device.get("interfaces") or []:
        session = sessions.get(iface["name"])
        if session is None:
            continue
        local = iface.get("address")
        neighbors.append({
            "interface": session["interface"],
            "address": None if unnumbered else session.get("address"),
            "local_address": None if unnumbered or not local else local.split("/")[0],
            "peer_asn": session.get("peer_asn"), "peer_device": session.get("peer_device"),
            "peer_port": session.get("peer_port"),
            "description": "%s %s" % (session.get("peer_device"), session.get("peer_port")),
        })
    return {
        "asn": bgp.get("asn"), "router_id": bgp.get("router_id"), "ecmp": int(bgp.get("ecmp") or 1),
        "unnumbered": unnumbered, "neighbors": neighbors, "networks": list(bgp.get("advertise") or []),
        "timers": dict(BGP_TIMERS),
    }


def _qos(fabric, port_names, name):
    profile_name = fabric.get("qos_profile")
    profile = fabric.get("qos")
    if profile_name is None and profile is None:
        return None
    if not isinstance(profile, dict):
        raise SwitchConfigError("%s: fabric %s names QoS profile %r, which the design does not define; define it "
                                "under qos_profiles or choose a defined one (lossless, lossy-ecn)" % (
                                    name, fabric.get("name"), profile_name))
    missing = [k for k in ("roce_dscp", "roce_priority", "cnp_dscp", "cnp_priority") if profile.get(k) is None]
    if missing:
        raise SwitchConfigError("%s: QoS profile %r lacks %s" % (name, profile_name, ", ".join(missing)))
    congestion = fabric.get("congestion_control") or "dcqcn"
    pfc = bool(profile.get("pfc"))
    ecn = bool(profile.get("ecn")) and congestion != "none"
    if not pfc and not ecn:
        raise SwitchConfigError(
            "%s: QoS profile %r has no PFC and fabric %s turns ECN off (congestion_control: none): RoCE would run "
            "lossy with no congestion control. Use a lossless profile or congestion_control: dcqcn" % (
                name, profile_name, fabric.get("name")))
    roce_tc, cnp_tc = int(profile["roce_priority"]), int(profile["cnp_priority"])
    if roce_tc == cnp_tc or DEFAULT_TRAFFIC_CLASS in (roce_tc, cnp_tc):
        raise SwitchConfigError(
            "%s: QoS profile %r must put RoCE (%d) and CNP (%d) in different traffic classes, neither %d "
            "(default traffic)" % (name, profile_name, roce_tc, cnp_tc, DEFAULT_TRAFFIC_CLASS))
    share = int(profile.get("roce_bandwidth_percent") or 50)
    dscp_map = {int(profile["roce_dscp"]): roce_tc, int(profile["cnp_dscp"]): cnp_tc}
    lossless = [roce_tc] if pfc else []
    ecn_classes = sorted({DEFAULT_TRAFFIC_CLASS, roce_tc}) if ecn else []
    schedulers = []
    for tc in sorted({DEFAULT_TRAFFIC_CLASS, roce_tc, cnp_tc}):
        if tc == cnp_tc:
            schedulers.append({"name": "tc%d" % tc, "traffic_class": tc, "type": "strict", "weight": None})
        else:
            schedulers.append({"name": "tc%d" % tc, "traffic_class": tc, "type": "dwrr",
                               "weight": share if tc == roce_tc else 100 - share})
    defaults = all(profile.get(k) == v for k, v in NVIDIA_ROCE_DEFAULTS.items())
    return {
        "profile": profile_name,
        "mode": "lossless" if pfc else "lossy",
        "congestion_control": congestion,
        "trust": "dscp",
        "roce": {"dscp": int(profile["roce_dscp"]), "priority": roce_tc, "traffic_class": roce_tc,
                 "bandwidth_percent": share},
        "cnp": {"dscp": int(profile["cnp_dscp"]), "priority": cnp_tc, "traffic_class": cnp_tc, "strict": True},
        "default_traffic_class": DEFAULT_TRAFFIC_CLASS,
        "pfc": {"enabled": pfc, "priorities": lossless,
                "watchdog": bool(pfc and profile.get("pfc_watchdog", True)),
                "watchdog_port_state": bool(pfc and profile.get("pfc_watchdog", True)) and pfc_watchdog_port_state(
                    fabric.get("platform"), getattr(PLATFORMS.get(fabric.get("platform") or ""), "version", None)),
                "watchdog_action": PFC_WATCHDOG["action"], "watchdog_detection_ms": PFC_WATCHDOG["detection_ms"],
                "watchdog_restoration_ms": PFC_WATCHDOG["restoration_ms"],
                "watchdog_poll_ms": PFC_WATCHDOG["poll_ms"], "watchdog_half_poll_ms": PFC_WATCHDOG_HALF_POLL_MS,
                "watchdog_seconds": dict({k: PFC_WATCHDOG[k + "_ms"] / 1000.0 for k in ("detection", "restoration", "poll")},
                                         half_poll=PFC_WATCHDOG_HALF_POLL_MS / 1000.0)},
        "ecn": {"enabled": ecn, "traffic_classes": ecn_classes,
                # lossy_ecn: "mark" (mark ECN-capable packets, never drop the others early) on the
                # mark_only_traffic_classes, the ECN classes that carry traffic other than RoCE.
                "lossy_ecn": LOSSY_ECN, "mark_only_traffic_classes": [tc for tc in ecn_classes if tc != roce_tc],
                "min_bytes": int(profile.get("ecn_min_bytes") or 0), "max_bytes": int(profile.get("ecn_max_bytes") or 0),
                "probability_percent": int(profile.get("ecn_probability_percent") or 0)},
        "dscp_to_tc": [{"dscp": d, "tc": dscp_map.get(d, DEFAULT_TRAFFIC_CLASS)} for d in range(64)],
        "dscp_marked": [{"dscp": d, "tc": tc} for d, tc in sorted(dscp_map.items())],
        "tc_to_queue": [{"tc": t, "queue": t} for t in range(8)],
        "tc_to_priority_group": [{"tc": t, "pg": t if t in lossless else 0} for t in range(8)],
        "pfc_priority_to_queue": [{"priority": t, "queue": t} for t in range(8)],
        "schedulers": schedulers,
        "interfaces": list(port_names),
        "nvidia_roce_defaults": bool(defaults and ecn),
        # The NOS release the platform's template is written for (platform registry), where the
        # syntax of the QoS settings differs by release (Cumulus: interface qos pfc-watchdog from 5.6).
        "nos_version": getattr(PLATFORMS.get(fabric.get("platform") or ""), "version", None),
    }
