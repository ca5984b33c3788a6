# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SONiC: the config_db tables the plan owns, built as a dict from the neutral switch configuration.

``config_db(config)`` returns the tables; ``APPLY`` says how the role puts them into the running
config_db (tables replaced whole, entries merged field by field) so that the Generic Config Updater
(``config replace``) accepts the difference. The template only formats the dict (to_nice_json).

Sources (SONiC facts, carried over as facts, not code):

* Table formats: sonic-swss ``doc/Configuration.md`` (DEVICE_METADATA, PORT, BREAKOUT_CFG, INTERFACE,
  LOOPBACK_INTERFACE, VLAN, VLAN_MEMBER, VLAN_INTERFACE, BGP_NEIGHBOR, the QoS maps, PORT_QOS_MAP,
  WRED_PROFILE, SCHEDULER, QUEUE, BUFFER_PG, BUFFER_QUEUE, CABLE_LENGTH) and the "PFC Watchdog"
  design (PFC_WD). Object references are plain names (SONiC 202205 and later).
* What ``config replace``/``apply-patch`` may change: sonic-utilities
  ``generic_config_updater/gcu_field_operation_validators.conf.json`` (commit
  06a57973ac0296ca37c3f93fbb23344fb6dbfdf1): in WRED_PROFILE only ``AZURE_LOSSLESS``'s
  green_min_threshold, green_max_threshold and green_drop_probability may be replaced; nothing
  may be added or removed there. So the plan tunes SONiC's own lossless profile in place and
  never owns WRED_PROFILE whole (tests/unit/render/test_sonic.py encodes the rule).
* ECN only on the RoCE queue, none on traffic class 0: with ``ecn_all`` and WRED enabled a
  queue marks ECN-capable packets and *drops* the others between the thresholds (sonic-swss
  Configuration.md, WRED_PROFILE: ``wred_<color>_enable`` turns WRED drop on, ``ecn`` selects
  marking per color); ordinary TCP on TC0 would be dropped at random from 150 KB. A queue without
  ``wred_profile`` tail-drops only.
* ``fec: rs`` where a port runs 50 Gb/s or more per lane: sonic-buildimage
  ``src/sonic-config-engine/portconfig.py`` (BreakoutCfg.get_config sets fec rs when
  speed / lanes >= 50000 Mb/s); 400G and 800G ports are 100G per lane on Spectrum-4.
* DEVICE_METADATA.type: ``ToRRouter`` for a leaf that serves hosts, ``LeafRouter`` for a leaf
  without hosts, ``SpineRouter`` above (sonic-buildimage ``src/sonic-config-engine`` minigraph
  device types; the buffer and QoS templates of the Mellanox SKUs pick t0/t1 values by them).
* MLAG (the neutral ``mlag``, host_addressing mlag_bond): SONiC MCLAG design (sonic-net/SONiC
  ``doc/mclag``) and the config_db tables of sonic-yang-models (sonic-portchannel, sonic-mclag):
  PORTCHANNEL ``PortChannel<N>`` (admin_status, mtu) with PORTCHANNEL_MEMBER ``PortChannel<N>|<port>``;
  MCLAG_DOMAIN ``<domain id>`` with ``source_ip`` (this switch), ``peer_ip`` (the peer) and
  ``peer_link`` (the peer-link port-channel), as ``config mclag add <domain> <source> <peer>`` writes
  it; MCLAG_INTERFACE ``<domain id>|PortChannel<N>`` with ``if_type: PortChannel`` per host bond. The
  peer session runs over VLAN 4094 on the peer link (the plan's /31); the peer link is a tagged member
  of the host VLAN. SONiC's config_db has no virtual-router MAC, so both peers carry the pair's
  virtual gateway address on the host VLAN interface (layer 3 on an MCLAG VLAN, the design's
  ARP/MAC synchronisation between the peers).
* Lossless buffers: BUFFER_PG and BUFFER_QUEUE for the lossless priority, with the headroom left
  to SONiC's dynamic buffer calculation (profile ``NULL``) from port speed and CABLE_LENGTH
  (SONiC "Dynamic headroom calculation" design; CABLE_LENGTH table ``AZURE``).
"""

from __future__ import annotations

import math
from typing import Any

MAP = "REFARCH"
#: SONiC's lossless WRED profile, tuned in place (the only WRED_PROFILE the GCU lets a patch change).
LOSSLESS_WRED = "AZURE_LOSSLESS"
#: The fields of LOSSLESS_WRED a patch may replace (gcu_field_operation_validators.conf.json).
WRED_TUNABLE = ("green_min_threshold", "green_max_threshold", "green_drop_probability")
LOSSLESS_QUEUE_PROFILE = "q_lossless_profile"
CABLE_LENGTH_KEY = "AZURE"
DEVICE_TYPES = {"spine": "SpineRouter", "core": "SpineRouter"}

#: How the role applies the tables: owned whole (replaced) and merged entries (planned fields set,
#: the switch's other fields kept). WRED_PROFILE is merged, never replaced (see above).
APPLY: dict[str, list[str]] = {
    "replace": ["INTERFACE", "LOOPBACK_INTERFACE", "VLAN", "VLAN_MEMBER", "VLAN_INTERFACE", "BGP_NEIGHBOR"],
    "qos_replace": ["DSCP_TO_TC_MAP", "TC_TO_QUEUE_MAP", "TC_TO_PRIORITY_GROUP_MAP", "MAP_PFC_PRIORITY_TO_QUEUE",
                    "PORT_QOS_MAP", "SCHEDULER", "QUEUE", "PFC_WD"],
    "merge": ["PORT/*", "BREAKOUT_CFG/*", "DEVICE_METADATA/localhost", "WRED_PROFILE/" + LOSSLESS_WRED,
              "BUFFER_PG/*", "BUFFER_QUEUE/*", "CABLE_LENGTH/" + CABLE_LENGTH_KEY],
}


#: Tables owned whole on a switch of an MLAG pair (added to APPLY["replace"] there only).
MLAG_TABLES = ["PORTCHANNEL", "PORTCHANNEL_MEMBER", "MCLAG_DOMAIN", "MCLAG_INTERFACE"]


def fec(interface: dict[str, Any]) -> str | None:
    """``rs`` where the port runs 50 Gb/s or more per lane (400G+ on 100G lanes), else None."""
    lanes = interface.get("lanes")
    speed = int(interface.get("speed_mbps") or 0)
    if lanes:
        return "rs" if speed // int(lanes) >= 50000 else None
    return "rs" if speed >= 400000 else None


def device_type(config: dict[str, Any]) -> str:
    if config["role"] in DEVICE_TYPES:
        return DEVICE_TYPES[config["role"]]
    serves_hosts = any(i.get("kind") == "host" for i in config["interfaces"])
    return "ToRRouter" if serves_hosts else "LeafRouter"


def config_db(config: dict[str, Any]) -> dict[str, Any]:
    """The config_db tables of one SONiC switch from its neutral configuration."""
    db: dict[str, Any] = {}
    if config.get("breakouts"):
        db["BREAKOUT_CFG"] = {b["port"]: {"brkout_mode": b["mode"]} for b in config["breakouts"]}
    ports: dict[str, Any] = {}
    for i in config["interfaces"]:
        entry = {"admin_status": "up", "description": i["description"], "mtu": str(i["mtu"]),
                 "speed": str(i["speed_mbps"])}
        if fec(i):
            entry["fec"] = fec(i)
        ports[i["name"]] = entry
    db["PORT"] = ports
    loopback = config["loopback"]
    db["LOOPBACK_INTERFACE"] = {loopback["name"]: {}, "%s|%s" % (loopback["name"], loopback["address"]): {}}
    routed = [i for i in config["interfaces"] if i.get("address")]
    if routed:
        db["INTERFACE"] = {}
        for i in routed:
            db["INTERFACE"][i["name"]] = {}
            db["INTERFACE"]["%s|%s" % (i["name"], i["address"])] = {}
    gateway = config.get("host_gateway")
    if gateway:
        address = gateway.get("virtual_address") or gateway["address"]
        db["VLAN"] = {gateway["name"]: {"vlanid": str(gateway["vlan"]), "mtu": str(gateway["mtu"]), "admin_status": "up"}}
        db["VLAN_MEMBER"] = {"%s|%s" % (gateway["name"], m): {"tagging_mode": "untagged"} for m in gateway["members"]}
        db["VLAN_INTERFACE"] = {gateway["name"]: {}, "%s|%s" % (gateway["name"], address): {}}
    if config.get("mlag"):
        _mlag(db, config["mlag"], gateway)
    bgp = config["bgp"]
    if bgp["neighbors"]:
        db["BGP_NEIGHBOR"] = {
            n["address"]: {"admin_status": "up", "asn": str(n["peer_asn"]), "holdtime": str(bgp["timers"]["hold"]),
                           "keepalive": str(bgp["timers"]["keepalive"]), "local_addr": n["local_address"],
                           "name": n["description"], "nhopself": "0", "rrclient": "0"}
            for n in bgp["neighbors"]}
    if config.get("qos"):
        db.update(_qos(config))
    db["DEVICE_METADATA"] = {"localhost": {"bgp_asn": str(bgp["asn"]), "hostname": config["hostname"],
                                           "type": device_type(config)}}
    return db


def _mlag(db: dict[str, Any], m: dict[str, Any], gateway: dict[str, Any] | None) -> None:
    """PORTCHANNEL(_MEMBER), MCLAG_DOMAIN, MCLAG_INTERFACE and the peer VLAN of one MCLAG peer."""
    peer = m["peer_link"]
    channels = [(b["name"], b["members"], b["mtu"]) for b in m["bonds"]] + [(peer["name"], peer["members"], peer["mtu"])]
    db["PORTCHANNEL"] = {name: {"admin_status": "up", "mtu": str(mtu)} for name, _members, mtu in channels}
    db["PORTCHANNEL_MEMBER"] = {"%s|%s" % (name, port): {} for name, members, _mtu in channels for port in members}
    domain = str(m["domain_id"])
    db["MCLAG_DOMAIN"] = {domain: {"source_ip": m["local_ip"], "peer_ip": m["peer_address"], "peer_link": peer["name"]}}
    db["MCLAG_INTERFACE"] = {"%s|%s" % (domain, b["name"]): {"if_type": "PortChannel"} for b in m["bonds"]}
    vlan = "Vlan%d" % m["peer_vlan"]
    db.setdefault("VLAN", {})[vlan] = {"vlanid": str(m["peer_vlan"]), "admin_status": "up"}
    members = db.setdefault("VLAN_MEMBER", {})
    members["%s|%s" % (vlan, peer["name"])] = {"tagging_mode": "tagged"}
    if gateway:
        members["%s|%s" % (gateway["name"], peer["name"])] = {"tagging_mode": "tagged"}
    interfaces = db.setdefault("VLAN_INTERFACE", {})
    interfaces[vlan] = {}
    interfaces["%s|%s" % (vlan, m["local_address"])] = {}


def _qos(config: dict[str, Any]) -> dict[str, Any]:
    q = config["qos"]
    db: dict[str, Any] = {
        "DSCP_TO_TC_MAP": {MAP: {str(m["dscp"]): str(m["tc"]) for m in q["dscp_to_tc"]}},
        "TC_TO_QUEUE_MAP": {MAP: {str(m["tc"]): str(m["queue"]) for m in q["tc_to_queue"]}},
        "TC_TO_PRIORITY_GROUP_MAP": {MAP: {str(m["tc"]): str(m["pg"]) for m in q["tc_to_priority_group"]}},
        "MAP_PFC_PRIORITY_TO_QUEUE": {MAP: {str(m["priority"]): str(m["queue"]) for m in q["pfc_priority_to_queue"]}},
    }
    pfc = q["pfc"]
    lossless = ",".join(str(p) for p in pfc["priorities"])
    port_qos = {}
    for port in q["interfaces"]:
        entry = {"dscp_to_tc_map": MAP, "tc_to_queue_map": MAP, "tc_to_pg_map": MAP}
        if pfc["enabled"]:
            entry["pfc_enable"] = lossless
        if pfc["watchdog"]:
            entry["pfcwd_sw_enable"] = lossless
        entry["pfc_to_queue_map"] = MAP
        port_qos[port] = entry
    db["PORT_QOS_MAP"] = port_qos
    ecn = q["ecn"]
    roce_tc = q["roce"]["traffic_class"]
    if ecn["enabled"]:
        # Tune SONiC's lossless profile in place; only these fields (see WRED_TUNABLE).
        db["WRED_PROFILE"] = {LOSSLESS_WRED: {
            "green_min_threshold": str(ecn["min_bytes"]), "green_max_threshold": str(ecn["max_bytes"]),
            "green_drop_probability": str(ecn["probability_percent"])}}
    db["SCHEDULER"] = {}
    for s in q["schedulers"]:
        name = "%s_%s" % (MAP, s["name"].upper())
        db["SCHEDULER"][name] = {"type": "STRICT"} if s["type"] == "strict" else {"type": "DWRR", "weight": str(s["weight"])}
    queues = {}
    for port in q["interfaces"]:
        for s in q["schedulers"]:
            entry = {"scheduler": "%s_%s" % (MAP, s["name"].upper())}
            # ECN marking on the RoCE queue only: never WRED on traffic class 0 (module docstring).
            if ecn["enabled"] and s["traffic_class"] == roce_tc and roce_tc in ecn["traffic_classes"]:
                entry["wred_profile"] = LOSSLESS_WRED
            queues["%s|%s" % (port, s["traffic_class"])] = entry
    db["QUEUE"] = queues
    if pfc["enabled"] and pfc["priorities"]:
        by_name = {i["name"]: i for i in config["interfaces"]}
        db["BUFFER_PG"] = {"%s|%s" % (p, t): {"profile": "NULL"} for p in q["interfaces"] for t in pfc["priorities"]}
        db["BUFFER_QUEUE"] = {"%s|%s" % (p, t): {"profile": LOSSLESS_QUEUE_PROFILE}
                              for p in q["interfaces"] for t in pfc["priorities"]}
        lengths = {p: by_name[p].get("cable_length_m") for p in q["interfaces"] if p in by_name}
        known = {p: "%dm" % int(math.ceil(float(m))) for p, m in lengths.items() if m}
        if known:
            db["CABLE_LENGTH"] = {CABLE_LENGTH_KEY: known}
    if pfc["watchdog"]:
        wd: dict[str, Any] = {"GLOBAL": {"POLL_INTERVAL": str(pfc["watchdog_poll_ms"])}}
        for port in q["interfaces"]:
            wd[port] = {"action": pfc["watchdog_action"], "detection_time": str(pfc["watchdog_detection_ms"]),
                        "restoration_time": str(pfc["watchdog_restoration_ms"])}
        db["PFC_WD"] = wd
    return db
