# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation: the cluster that was built against the cluster that was designed.

Every host gathers raw outputs once (``plugins/modules/validate_gather.py``: ``ip -j -d addr``,
``lldpcli -f json show neighbors``, ``vtysh -c 'show bgp summary json'``, ``vtysh -c 'show ip
route json'``, ``ethtool -i``, the ``gpu_facts`` summary of ``nvidia-smi -q -x``, don't-fragment
pings, ``ib_write_bw`` and ``all_reduce_perf``); ``compare()`` here reads those outputs next to
the plan, once, on the controller, and returns one finding per problem with the fix to make.

Findings come in two layers so that one fault is named once, exactly:

* causes, read straight from a device's state: a planned port missing, down or without carrier,
  a port MTU or address other than the plan's, a cable in the wrong port (LLDP), a daemon that
  does not answer (bgpd, lldpd), a host that could not be gathered;
* symptoms, seen from elsewhere: a BGP session not established, an ECMP group narrower than the
  plan's, a ping that gets no answer, a neighbour that LLDP does not see.

A symptom that a cause explains is folded into that cause (its ``explains`` list) instead of being
reported again; a symptom that nothing explains is a finding of its own. Nothing in this file
imports Ansible: the unit tests feed it recorded outputs.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import ETHERNET_KINDS, SEVERITIES, SEVERITY_ORDER, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import GATHERED_PLATFORMS
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError  # noqa: F401 (raised here, caught by callers)

# Platforms whose switches the gatherer can read (Linux with FRR and lldpd).
IPV4_HEADERS = 28          # IPv4 header (20) + ICMP header (8)
IPV6_HEADERS = 48          # IPv6 header (40) + ICMPv6 header (8)
PING_COUNT = 2
RDMA_BASE_PORT = 18515
DEFAULT_THRESHOLDS = {"rdma_bw_min_percent": 90, "nccl_busbw_min_percent": 80}




# ----------------------------------------------------------------------------------------- parsing

def _json(record):
    """(data, problem) of a gathered command record whose stdout is JSON."""
    if not isinstance(record, dict):
        return None, "not gathered"
    if record.get("missing"):
        return None, record.get("stderr") or "command not found"
    out = record.get("stdout") or ""
    if record.get("rc") not in (0, None) or not out.strip():
        text = (record.get("stderr") or out or "").strip().splitlines()
        command = " ".join(a if " " not in a else "'%s'" % a for a in (record.get("argv") or ["command"]))[:70]
        return None, "%s exited %s%s" % (command, record.get("rc"), ": " + text[0] if text else "")
    try:
        return json.loads(out), None
    except ValueError as exc:
        return None, "output is not JSON (%s)" % exc


def parse_ip_links(text):
    """``ip -j -d addr show`` -> {ifname: {mtu, admin_up, carrier, operstate, mac, kind, master, ipv4}}."""
    data = json.loads(text) if isinstance(text, str) else text
    links = {}
    for entry in data or []:
        name = entry.get("ifname")
        if not name:
            continue
        flags = entry.get("flags") or []
        linkinfo = entry.get("linkinfo") or {}
        addrs = []
        for addr in entry.get("addr_info") or []:
            if addr.get("family") == "inet" and addr.get("local"):
                addrs.append("%s/%s" % (addr["local"], addr.get("prefixlen", 32)))
        links[name] = {
            "mtu": entry.get("mtu"),
            "admin_up": "UP" in flags,
            "carrier": "LOWER_UP" in flags,
            "operstate": entry.get("operstate"),
            "mac": (entry.get("address") or "").lower(),
            "kind": linkinfo.get("info_kind"),
            "master": entry.get("master"),
            "ipv4": addrs,
        }
    return links


def _items(value):
    """lldpd's JSON gives a dict for one entry and a list of dicts for several."""
    if value is None:
        return []
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(_items(item))
        return out
    if isinstance(value, dict):
        return list(value.items())
    return []


_AGE = re.compile(r"(?:(\d+) days?, )?(\d+):(\d+):(\d+)")


def _age(text):
    """lldpd's "0 day, 00:01:38" (time since the neighbour was first seen) in seconds, or None."""
    match = _AGE.search(str(text or ""))
    if not match:
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def parse_lldp(text):
    """``lldpcli -f json show neighbors`` -> [{local_port, system, chassis_id, port_id, port_id_type, port_descr}]."""
    data = json.loads(text) if isinstance(text, str) else text
    lldp = (data or {}).get("lldp") or {}
    if isinstance(lldp, list):  # very old lldpd
        lldp = lldp[0] if lldp else {}
    neighbors = []
    for local, info in _items(lldp.get("interface")):
        if not isinstance(info, dict):
            continue
        system, chassis_id = None, None
        chassis = info.get("chassis") or {}
        if "id" in chassis and isinstance(chassis.get("id"), dict):
            chassis_id = chassis["id"].get("value")
            system = (chassis.get("name") or {}).get("value") if isinstance(chassis.get("name"), dict) else chassis.get("name")
        else:
            for cname, cinfo in _items(chassis):
                system = cname
                if isinstance(cinfo, dict) and isinstance(cinfo.get("id"), dict):
                    chassis_id = cinfo["id"].get("value")
                break
        port = info.get("port") or {}
        pid = port.get("id") or {}
        descr = port.get("descr")
        neighbors.append({
            "local_port": local,
            "age_s": _age(info.get("age")),
            "system": system,
            "chassis_id": (chassis_id or "").lower() or None,
            "port_id": pid.get("value") if isinstance(pid, dict) else pid,
            "port_id_type": pid.get("type") if isinstance(pid, dict) else None,
            "port_descr": descr,
        })
    return neighbors


def parse_bgp_summary(text):
    """``show bgp summary json`` -> {peer key (address or interface): {state, remote_as, hostname, desc}}."""
    data = json.loads(text) if isinstance(text, str) else text
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    af = data.get("ipv4Unicast")
    if af is None:
        # No BGP instance, or an FRR that nests by VRF: {"default": {"ipv4Unicast": ...}}.
        for value in data.values():
            if isinstance(value, dict) and "ipv4Unicast" in value:
                af = value["ipv4Unicast"]
                break
    if af is None:
        return {}
    peers = {}
    for key, peer in (af.get("peers") or {}).items():
        peers[key] = {
            "state": peer.get("state"),
            "remote_as": peer.get("remoteAs"),
            "hostname": peer.get("hostname"),
            "desc": peer.get("desc"),
            "interface": peer.get("interface") or peer.get("nbrInterface"),
        }
        # BGP unnumbered: FRR keys the peer by interface and may give the link-local as well.
        if peer.get("idType") == "interface":
            peers[key]["interface"] = key
    return peers


def parse_routes(text):
    """``show ip route json`` -> {prefix: {protocol, nexthops: [(ip, interface)]}} of selected routes."""
    data = json.loads(text) if isinstance(text, str) else text
    routes = {}
    for prefix, entries in (data or {}).items():
        for entry in entries or []:
            if not entry.get("selected"):
                continue
            hops = []
            for hop in entry.get("nexthops") or []:
                if hop.get("active") is False:
                    continue
                if hop.get("fib") is False and entry.get("installed"):
                    continue
                hops.append((hop.get("ip"), hop.get("interfaceName")))
            routes[prefix] = {"protocol": entry.get("protocol"), "nexthops": hops}
            break
    return routes


_PING_STATS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")


def parse_ping(record):
    """(received, transmitted, problem) of one gathered ping record."""
    if not isinstance(record, dict):
        return 0, 0, "not run"
    text = record.get("stdout") or ""
    match = _PING_STATS.search(text)
    if match:
        sent, got = int(match.group(1)), int(match.group(2))
        problem = None
        if got == 0:
            lines = [ln for ln in (text + "\n" + (record.get("stderr") or "")).splitlines()
                     if ln.strip() and not _PING_STATS.search(ln)
                     and ("rror" in ln or "nreachable" in ln or "too long" in ln
                          or "rag needed" in ln or "mtu" in ln.lower())]
            problem = lines[0].strip() if lines else "no reply"
        return got, sent, problem
    err = (record.get("stderr") or text or "").strip().splitlines()
    return 0, 0, (err[0].strip() if err else "ping exited %s" % record.get("rc"))


_IB_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", re.M)


def parse_ib_write_bw(text):
    """Average bandwidth in Gb/s from ``ib_write_bw --report_gbits`` output, or None."""
    rows = _IB_ROW.findall(text or "")
    if not rows:
        return None
    return float(rows[-1][3])


_NCCL_AVG = re.compile(r"#\s*Avg bus bandwidth\s*:\s*([\d.]+)")
_NCCL_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+\w+\s+\w+\s+-?\d+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.M)


def parse_all_reduce(text):
    """{avg_busbw, max_busbw} in GB/s from ``all_reduce_perf`` output (out-of-place columns)."""
    text = text or ""
    avg = _NCCL_AVG.search(text)
    rows = _NCCL_ROW.findall(text)
    peak = max((float(r[4]) for r in rows), default=None)
    if avg is None and peak is None:
        return None
    return {"avg_busbw": float(avg.group(1)) if avg else None, "max_busbw": peak}


def _ethtool_info(record):
    """``ethtool -i`` text -> {driver, version, firmware-version, bus-info}."""
    out = {}
    if not isinstance(record, dict) or record.get("rc") not in (0,):
        return out
    for line in (record.get("stdout") or "").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


# ------------------------------------------------------------------------------------ plan helpers

def _network(address):
    try:
        return ipaddress.ip_interface(address).network
    except ValueError:
        return None


def _ip(address):
    return str(address).split("/", maxsplit=1)[0] if address else None


def plan_indexes(plan):
    """Per-port view of the plan: {(device, port): (interface dict, link dict, (peer, peer_port))}."""
    devices = plan["devices"]
    ports = {}
    for dev in devices.values():
        for itf in dev.get("interfaces") or []:
            ports[(dev["name"], itf["name"])] = itf
    cables = {}
    for link in plan.get("links") or []:
        a, b = (link["a_device"], link["a_port"]), (link["b_device"], link["b_port"])
        cables[a] = (b, link)
        cables[b] = (a, link)
    return ports, cables


def fabric_kind(plan, fabric):
    return ((plan.get("fabrics") or {}).get(fabric) or {}).get("kind") or "ethernet"


def probes_for(device, nodes, unnumbered=False):
    """Pings the host ``device`` (a plan device dict) runs; ``nodes``: plan dicts of the GPU nodes.

    GPU nodes: for each addressed interface, every other node's interface on the same fabric and
    rail (the per-rail matrix) and the interface's gateway, at the largest don't-fragment size
    the smaller MTU of the two ends allows. A target in the interface's own subnet is pinged
    bound to the interface (``-I rail0``); a target behind the gateway from the interface's
    address (``-I 198.18.64.2``), which the per-NIC routing table sends out of that NIC.
    Switches: every BGP neighbour of the plan at the MTU of the link (``ff02::1`` over IPv6
    when the session is unnumbered).
    """
    probes = []
    name = device["name"]
    mine = [i for i in device.get("interfaces") or [] if i.get("address")]
    if device.get("role") == "gpu_node":
        for itf in mine:
            net = _network(itf["address"])
            src_ip = _ip(itf["address"])
            mtu = int(itf.get("mtu") or 1500)
            if itf.get("gateway"):
                probes.append({
                    "id": "%s:%s>gateway" % (name, itf["name"]), "kind": "gateway",
                    "port": itf["name"], "dst_device": itf.get("peer_device"), "dst_port": None,
                    "dst": itf["gateway"], "bind": itf["name"], "size": mtu - IPV4_HEADERS, "family": 4,
                    "rail": itf.get("rail"), "fabric": itf.get("fabric")})
            for node in nodes:
                if node["name"] == name:
                    continue
                for other in node.get("interfaces") or []:
                    if not other.get("address") or other.get("fabric") != itf.get("fabric"):
                        continue
                    if other.get("rail") != itf.get("rail") or other.get("role") != itf.get("role"):
                        continue
                    dst = _ip(other["address"])
                    local = net is not None and ipaddress.ip_address(dst) in net
                    probes.append({
                        "id": "%s:%s>%s:%s" % (name, itf["name"], node["name"], other["name"]),
                        "kind": "rail", "port": itf["name"], "dst_device": node["name"],
                        "dst_port": other["name"], "dst": dst, "bind": itf["name"] if local else src_ip,
                        "size": min(mtu, int(other.get("mtu") or 1500)) - IPV4_HEADERS, "family": 4,
                        "rail": itf.get("rail"), "fabric": itf.get("fabric")})
    elif device.get("bgp"):
        by_port = {i["name"]: i for i in device.get("interfaces") or []}
        for nbr in device["bgp"].get("neighbors") or []:
            itf = by_port.get(nbr.get("interface")) or {}
            mtu = int(itf.get("mtu") or 1500)
            if nbr.get("address") and not unnumbered:
                probe = {"dst": nbr["address"], "family": 4, "size": mtu - IPV4_HEADERS}
            else:
                probe = {"dst": "ff02::1", "family": 6, "size": mtu - IPV6_HEADERS}
            probe.update({"id": "%s:%s>%s:%s" % (name, nbr["interface"], nbr["peer_device"], nbr.get("peer_port")),
                          "kind": "fabric", "port": nbr["interface"], "dst_device": nbr["peer_device"],
                          "dst_port": nbr.get("peer_port"), "bind": nbr["interface"],
                          "rail": None, "fabric": device.get("fabric")})
            probes.append(probe)
    return probes


def rdma_pairs(nodes, base_port=RDMA_BASE_PORT):
    """ib_write_bw pairs on a ring: node i runs a client to node i+1 and a server for node i-1, per rail.

    Returns {node: [{role, rail, port, peer, peer_address, rdma_device, ifname}]}; each rail uses
    its own TCP port so that all rails of a node run at once.
    """
    names = sorted(n["name"] for n in nodes)
    by_name = {n["name"]: n for n in nodes}
    out = {n: [] for n in names}
    if len(names) < 2:
        return out
    for i, name in enumerate(names):
        nxt = by_name[names[(i + 1) % len(names)]]
        for itf in by_name[name].get("interfaces") or []:
            if itf.get("role") != "compute" or itf.get("rail") is None or not itf.get("address"):
                continue
            peer_itf = next((o for o in nxt.get("interfaces") or [] if o.get("role") == "compute"
                             and o.get("rail") == itf["rail"] and o.get("address")), None)
            if peer_itf is None:
                continue
            port = base_port + int(itf["rail"])
            out[name].append({"role": "client", "rail": itf["rail"], "port": port, "peer": nxt["name"],
                              "peer_address": _ip(peer_itf["address"]), "ifname": itf["name"],
                              "rdma_device": itf.get("rdma_device"), "speed_gbps": itf.get("speed_gbps")})
            out[nxt["name"]].append({"role": "server", "rail": itf["rail"], "port": port, "peer": name,
                                     "peer_address": _ip(itf["address"]), "ifname": peer_itf["name"],
                                     "rdma_device": peer_itf.get("rdma_device"),
                                     "speed_gbps": peer_itf.get("speed_gbps")})
    return out


# ----------------------------------------------------------------------------------------- findings

class Findings(object):
    """Causes (by key), symptoms folded into them, and the ordered list of findings."""

    def __init__(self):
        self.items = []
        self.by_key = {}

    def add(self, severity, check, device, message, port=None, fix=None, expected=None, observed=None,
            peer_device=None, peer_port=None, keys=(), status="fail"):
        if severity not in SEVERITIES:
            raise ValidateError("unknown severity %r" % severity)
        item = {"severity": severity, "check": check, "status": status, "device": device, "port": port,
                "peer_device": peer_device, "peer_port": peer_port, "message": message,
                "expected": expected, "observed": observed, "fix": fix, "explains": []}
        self.items.append(item)
        for key in keys:
            self.by_key.setdefault(key, item)
        return item

    def cause(self, keys):
        """The first existing finding among ``keys``, or None."""
        for key in keys:
            item = self.by_key.get(key)
            if item is not None:
                return item
        return None

    def symptom(self, keys, text, **finding):
        """Fold ``text`` into the finding that explains it, or report it; returns the finding."""
        cause = self.cause(keys)
        if cause is not None:
            if text not in cause["explains"]:
                cause["explains"].append(text)
            return cause
        own_keys = finding.pop("own_keys", ())
        return self.add(keys=own_keys, **finding)


def _end(dev, port):
    return "%s %s" % (dev, port) if port else dev


def _cable_text(a, b):
    return "%s <-> %s" % (_end(*a), _end(*b))


def _port_keys(dev, port):
    """Keys of every cause on one port that can break traffic through it."""
    return [("gather", dev), ("port", dev, port), ("cabling", dev, port), ("address", dev, port)]


# ------------------------------------------------------------------------------------------ compare

class _Run(object):

    def __init__(self, plan, gathered, models, options):
        self.plan = plan
        self.devices = plan["devices"]
        self.gathered = gathered
        self.models = models or {}
        self.options = dict(options or {})
        self.f = Findings()
        self.ports, self.cables = plan_indexes(plan)
        self.links = {}        # device -> parsed ip links
        self.stats = {}
        self.ok = {}           # device -> gathered result usable
        self.checked = set()   # devices whose data was read
        self.lldp_ok = {}
        self.bgp = {}          # device -> peers
        self.bgp_problem = {}
        self.sessions_down = {}   # frozenset(ends) -> finding or None
        self.skipped = {}      # (check, reason) -> [devices]

    def count(self, name, n=1):
        self.stats[name] = self.stats.get(name, 0) + n

    def skip(self, check, reason, device):
        self.skipped.setdefault((check, reason), []).append(device)

    # -- 0. what was gathered
    def load(self):
        for name in sorted(self.devices):
            if name not in self.gathered:
                continue
            res = self.gathered[name]
            if isinstance(res, dict) and res.get("skipped"):
                self.skip("gather", res.get("reason") or "the gathering task was skipped", name)
                continue
            if not isinstance(res, dict) or res.get("unreachable") or res.get("failed") or "commands" not in res:
                why = "unreachable" if isinstance(res, dict) and res.get("unreachable") else "gathering failed"
                msg = (res or {}).get("msg") if isinstance(res, dict) else None
                self.f.add("error", "gather", name, "%s%s" % (why, ": %s" % msg if msg else ""),
                           fix="make %s reachable from the controller (connection, credentials, Python) and run "
                               "the validation again" % name, keys=[("gather", name)])
                continue
            self.ok[name] = res
            self.checked.add(name)
            data, problem = _json(res["commands"].get("ip"))
            if problem:
                self.f.add("error", "gather", name, "cannot read the interfaces (ip -j -d addr show): %s"
                           % problem, fix="install iproute2 on %s" % name, keys=[("gather", name)])
                self.links[name] = None
            else:
                self.links[name] = parse_ip_links(data)
        for name in sorted(set(self.devices) - set(self.gathered)):
            dev = self.devices[name]
            if dev.get("role") in SWITCH_ROLES and dev.get("platform") not in GATHERED_PLATFORMS:
                self.skip("gather", "platform %s has no gatherer (Linux with FRR and lldpd only)"
                          % dev.get("platform"), name)
            else:
                self.skip("gather", "not in the play (--limit or inventory)", name)

    # -- 1. ports: presence, state, MTU, speed, addresses
    def ports_state(self):
        done = set()
        for (dev, port), itf in sorted(self.ports.items()):
            if self.links.get(dev) is None:
                continue
            if (dev, port) in done:
                continue
            peer, link = self.cables.get((dev, port), (None, None))
            ends = [(dev, port)] + ([peer] if peer else [])
            states = {}
            for end in ends:
                links = self.links.get(end[0])
                if links is None:
                    continue
                lk = links.get(end[1])
                if lk is None:
                    states[end] = "missing"
                elif not lk["admin_up"]:
                    states[end] = "admin_down"
                elif not lk["carrier"]:
                    states[end] = "no_carrier"
                else:
                    states[end] = "up"
            done.update(ends)
            self.count("cables_link" if peer else "ports_link")
            bad = {e: s for e, s in states.items() if s != "up"}
            if not bad:
                continue
            keys = [("port",) + e for e in ends]
            other = (lambda e: peer if e == (dev, port) else (dev, port)) if peer else (lambda e: None)
            where = _cable_text(*ends) if peer else _end(dev, port)
            missing = [e for e, s in bad.items() if s == "missing"]
            admin = [e for e, s in bad.items() if s == "admin_down"]
            if missing:
                at = missing[0]
                self.f.add("error", "link", at[0], "%s: port %s does not exist (cable %s)" % (at[0], at[1], where),
                           port=at[1], peer_device=(other(at) or (None, None))[0], peer_port=(other(at) or (None, None))[1],
                           expected="port %s present" % at[1], observed="no such interface",
                           fix="check the NIC or line card of %s and the port name (plan: %s)" % (at[0], at[1]),
                           keys=keys)
            elif admin:
                at = admin[0]
                o = other(at)
                self.f.add("error", "link", at[0], "cable %s is down: %s is administratively down" % (where, _end(*at)),
                           port=at[1], peer_device=o[0] if o else None, peer_port=o[1] if o else None,
                           expected="up",
                           observed="admin down" + (", %s has no carrier" % _end(*o)
                                                    if o and bad.get(o) == "no_carrier" else ""),
                           fix="bring %s up (ip link set dev %s up, or the platform's 'no shutdown') and find "
                               "out who shut it" % (_end(*at), at[1]), keys=keys)
            else:
                at = sorted(bad)[0]
                o = other(at)
                self.f.add("error", "link", at[0], "cable %s has no link (%s)" % (
                    where, ", ".join("%s: no carrier" % _end(*e) for e in sorted(bad))),
                    port=at[1], peer_device=o[0] if o else None, peer_port=o[1] if o else None,
                    expected="carrier at both ends", observed="no carrier",
                    fix="check the cable and optics between %s (reseat or replace)" % where, keys=keys)
        # MTU and addresses, port by port.
        for (dev, port), itf in sorted(self.ports.items()):
            links = self.links.get(dev)
            if links is None or port not in links:
                continue
            lk = links[port]
            want = itf.get("mtu")
            if want and lk["mtu"] != int(want):
                peer = self.cables.get((dev, port), ((None, None), None))[0]
                self.f.add("error", "mtu", dev, "MTU %s, plan %s" % (lk["mtu"], want),
                           port=port, peer_device=peer[0], peer_port=peer[1], expected=int(want), observed=lk["mtu"],
                           fix="set the MTU of %s to %s (ip link set dev %s mtu %s, or the platform's 'mtu %s')"
                               % (_end(dev, port), want, port, want, want),
                           keys=[("mtu", dev, port)])
            self.count("port_mtus")
            address = itf.get("address")
            role = self.devices[dev].get("role")
            if address and not (role in SWITCH_ROLES and self.options.get("unnumbered")):
                self.count("addresses")
                if address not in lk["ipv4"]:
                    others = ", ".join(lk["ipv4"]) or "none"
                    self.f.add("error", "address", dev, "address %s, plan %s" % (others, address),
                               port=port, expected=address, observed=lk["ipv4"],
                               fix="give %s the address %s%s: apply its network configuration again (%s)" % (
                                   _end(dev, port), address,
                                   " and remove %s" % others if lk["ipv4"] else "",
                                   "refarch.ai_cluster.host_network; where systemd-networkd runs it: networkctl "
                                   "reconfigure %s" % port if role == "gpu_node" else "refarch.ai_cluster.fabric_switch"),
                               keys=[("address", dev, port)])
        for dev in sorted(self.links):
            links = self.links[dev]
            d = self.devices[dev]
            if links is None or d.get("role") not in SWITCH_ROLES:
                continue
            everywhere = set(a for lk in links.values() for a in lk["ipv4"])
            for what, address in (("loopback", d.get("loopback")), ("gateway", d.get("gateway_address"))):
                if not address:
                    continue
                self.count("addresses")
                if address not in everywhere:
                    self.f.add("error", "address", dev, "%s address %s is on no interface" % (what, address),
                               port=what, expected=address, observed=None,
                               fix="configure the %s address %s on %s (refarch.ai_cluster.fabric_switch)"
                                   % (what, address, dev),
                               keys=[("address", dev, what)])

    # -- 2. hardware pre-flight
    def hardware(self):
        pins = self.options.get("pins") or {}
        design_hosts = (self.plan.get("design") or {}).get("hosts") or {}
        branch_pin = pins.get("gpu_driver_branch") or design_hosts.get("driver_branch")
        fw_pins = pins.get("nic_firmware") or {}
        drv_pins = pins.get("nic_driver") or {}
        firmware_seen = {}
        for dev in sorted(self.ok):
            d = self.devices[dev]
            res = self.ok[dev]
            links = self.links.get(dev) or {}
            if d.get("role") == "gpu_node":
                self._gpu(dev, d, res, branch_pin)
            for itf in d.get("interfaces") or []:
                port = itf["name"]
                lk = links.get(port)
                if lk is None:
                    continue
                sysfs = (res.get("sysfs") or {}).get(port) or {}
                info = _ethtool_info((res["commands"].get("ethtool") or {}).get(port))
                virtual = lk.get("kind") in ("veth", "dummy", "bridge", "macvlan", "vxlan") or info.get("driver") == "veth"
                if virtual:
                    self.skip("nic", "virtual interfaces (%s): no speed, driver or firmware to check"
                              % (lk.get("kind") or info.get("driver")), dev)
                    continue
                self.count("nics")
                want = itf.get("speed_gbps")
                try:
                    speed = int(sysfs.get("speed"))
                except (TypeError, ValueError):
                    speed = None
                if want and lk["carrier"] and speed is not None and speed > 0 and speed < int(float(want) * 1000):
                    self.f.add("error", "nic", dev, "runs at %s Gb/s, plan %s Gb/s" % (speed / 1000.0, want),
                               port=port, expected=want, observed=speed / 1000.0,
                               fix="check the cable and optics of %s, and the port speed/breakout on its switch" % port,
                               keys=[("speed", dev, port)])
                driver = info.get("driver")
                fw = info.get("firmware-version")
                if driver and fw:
                    firmware_seen.setdefault(driver, {}).setdefault(fw, []).append(_end(dev, port))
                if driver in fw_pins and fw and not str(fw).startswith(str(fw_pins[driver])):
                    self.f.add("error", "firmware", dev, "%s firmware %s, pinned %s" % (driver, fw, fw_pins[driver]),
                               port=port, expected=fw_pins[driver], observed=fw,
                               fix="flash %s firmware %s on %s (mlxfwmanager / mstflint)" % (driver, fw_pins[driver], dev))
                version = info.get("version")
                if driver in drv_pins and version and not str(version).startswith(str(drv_pins[driver])):
                    self.f.add("error", "driver", dev, "%s driver %s, pinned %s" % (driver, version, drv_pins[driver]),
                               port=port, expected=drv_pins[driver], observed=version,
                               fix="install the pinned %s driver %s on %s (DOCA-OFED / MLNX_OFED)"
                                   % (driver, drv_pins[driver], dev))
        for driver, versions in sorted(firmware_seen.items()):
            if len(versions) > 1 and driver not in fw_pins:
                common = max(versions, key=lambda v: len(versions[v]))
                odd = ["%s (%s)" % (", ".join(ports[:4]), v) for v, ports in sorted(versions.items()) if v != common]
                self.f.add("warning", "firmware", None, "%s firmware differs between NICs: most run %s, %s" % (
                    driver, common, "; ".join(odd)), expected=common, observed=sorted(versions),
                    fix="bring every %s NIC to one firmware (pin it with validate_pins.nic_firmware)" % driver)

    def _gpu(self, dev, d, res, branch_pin):
        model = self.models.get(d.get("model")) or {}
        gpu = res.get("gpu") or {}
        want = int(model.get("gpu_count") or 0)
        if not want:
            return
        lab = model.get("vendor") == "lab"
        if not gpu.get("available"):
            reason = gpu.get("reason") or "gpu facts not gathered"
            if lab:
                self.skip("gpu", "lab stand-in model %s has no GPU to query (%s)" % (d.get("model"), reason), dev)
            else:
                self.f.add("error", "gpu", dev, "expected %d x %s, but nvidia-smi did not answer: %s" % (
                    want, model.get("gpu_model"), reason), expected=want, observed=None,
                    fix="install and load the NVIDIA driver on %s (refarch.ai_cluster.gpu_host), then reboot "
                        "if the driver was updated" % dev, keys=[("gpu", dev)])
            return
        self.count("gpus", int(gpu.get("count") or 0))
        count = int(gpu.get("count") or 0)
        if count != want:
            self.f.add("error", "gpu", dev, "%d GPUs, catalog model %s has %d" % (count, d.get("model"), want),
                       expected=want, observed=count,
                       fix="reseat or replace the missing GPU(s) of %s (nvidia-smi -L; dmesg for Xid/fallen off the bus)" % dev)
        family = re.split(r"[-_ ]", str(model.get("gpu_model") or ""))[0].lower()
        names = list((gpu.get("models") or {}).keys())
        if family and names and not all(family in n.lower() for n in names):
            self.f.add("error", "gpu", dev, "GPU model %s, catalog %s" % (", ".join(names), model.get("gpu_model")),
                       expected=model.get("gpu_model"), observed=names,
                       fix="check the node model of %s in the design, or the GPUs installed" % dev)
        mem_want = float(model.get("gpu_memory_gib") or 0)
        total = gpu.get("memory_total_mib")
        if mem_want and count and total:
            per = float(total) / count / 1024.0
            if per < mem_want * 0.9 or per > mem_want * 1.15:
                self.f.add("error", "gpu", dev, "%.1f GiB per GPU, catalog %s GiB" % (per, mem_want),
                           expected=mem_want, observed=round(per, 1),
                           fix="check the GPU SKU of %s against catalog model %s" % (dev, d.get("model")))
        if branch_pin and str(gpu.get("driver_branch")) != str(branch_pin):
            self.f.add("error", "driver", dev, "NVIDIA driver %s, pinned branch %s" % (
                gpu.get("driver_version"), branch_pin), expected=str(branch_pin), observed=gpu.get("driver_version"),
                fix="install driver branch %s on %s (refarch.ai_cluster.gpu_host) and reboot" % (branch_pin, dev))
        if gpu.get("fabric_registered") is False:
            self.f.add("error", "gpu", dev, "GPUs not registered with the NVSwitch fabric",
                       expected="fabric registered", observed="not registered",
                       fix="start nvidia-fabricmanager on %s (same version as the driver)" % dev)
        for item in gpu.get("nvlink_inactive") or []:
            self.f.add("error", "gpu", dev, "GPU %s has %s NVLink link(s) down" % (item.get("gpu"), item.get("inactive")),
                       expected="all NVLinks up", observed=item,
                       fix="reset the GPUs of %s (nvidia-smi -r) or open a hardware case" % dev)

    # -- 3. cabling (LLDP)
    def cabling(self):
        macs = {}
        for dev, links in self.links.items():
            for port, lk in (links or {}).items():
                if lk.get("mac"):
                    macs.setdefault(lk["mac"], []).append((dev, port))
        names = set(self.devices)
        observed = {}   # (dev, port) -> (peer dev, peer port)
        ages = {}
        for dev in sorted(self.ok):
            res = self.ok[dev]
            record = res["commands"].get("lldp")
            if record is None:
                continue
            data, problem = _json(record)
            if problem:
                self.f.add("error", "lldp", dev, "LLDP neighbours unreadable: %s" % problem,
                           fix="install and start lldpd on %s (systemctl enable --now lldpd)" % dev,
                           keys=[("lldpd", dev)])
                self.lldp_ok[dev] = False
                continue
            self.lldp_ok[dev] = True
            for nbr in parse_lldp(data):
                system = nbr["system"]
                if system and system not in names and system.split(".")[0] in names:
                    system = system.split(".")[0]
                port = None
                if nbr["port_id_type"] == "ifname":
                    port = nbr["port_id"]
                elif nbr["port_id_type"] == "mac":
                    for cand in macs.get((nbr["port_id"] or "").lower(), []):
                        if system is None or cand[0] == system:
                            system, port = cand
                            break
                if port is None:
                    port = nbr["port_descr"] or nbr["port_id"]
                if system is None:
                    for cand in macs.get(nbr["chassis_id"] or "", []):
                        system = cand[0]
                if system not in names:
                    continue
                # Two neighbours on one port: a cable was moved and the old one has not aged out
                # yet. The one seen most recently first is the cable there now.
                key = (dev, nbr["local_port"])
                age = nbr["age_s"] if nbr["age_s"] is not None else 1 << 30
                if key not in observed or age < ages[key]:
                    observed[key] = (system, port)
                    ages[key] = age
        self.observed_lldp = observed

        # Cables seen (from either end) as unordered pairs of ends.
        seen = {}
        for local, remote in observed.items():
            seen.setdefault(frozenset((local, remote)), set()).add(local)
        planned = {}
        for link in self.plan.get("links") or []:
            if fabric_kind(self.plan, link.get("fabric")) not in ETHERNET_KINDS:
                self.skip("cabling", "InfiniBand fabric %s: no LLDP (check it with ibnetdiscover)" % link.get("fabric"),
                          link["a_device"])
                continue
            a, b = (link["a_device"], link["a_port"]), (link["b_device"], link["b_port"])
            if a[0] in self.checked or b[0] in self.checked:
                planned[frozenset((a, b))] = (a, b)
        wrong = [pair for pair in seen if pair not in planned and len(pair) == 2
                 and any(end in self.ports for end in pair)]
        # Swaps: two wrong cables that exchange their ends on one device.
        reported = set()
        for pair in sorted(wrong, key=sorted):
            if pair in reported:
                continue
            ends = sorted(pair, key=lambda e: (self._rank(e[0]), e))
            x, y = ends
            swap = None
            for other in wrong:
                if other is pair or other in reported:
                    continue
                for u in other:
                    if u[0] != x[0]:
                        continue
                    v = next(e for e in other if e != u) if len(other) == 2 else None
                    if v and frozenset((x, v)) in planned and frozenset((u, y)) in planned:
                        swap = (other, u, v)
            exp_x = self.cables.get(x, (None, None))[0]
            exp_y = self.cables.get(y, (None, None))[0]
            expected = "%s: %s; %s: %s" % (_end(*x), _end(*exp_x) if exp_x else "nothing (not in the plan)",
                                           _end(*y), _end(*exp_y) if exp_y else "nothing (not in the plan)")
            keys = [("cabling",) + x, ("cabling",) + y]
            if exp_x:
                keys.append(("cabling",) + exp_x)
            if exp_y:
                keys.append(("cabling",) + exp_y)
            if swap:
                other, u, v = swap
                reported.add(other)
                keys += [("cabling",) + u, ("cabling",) + v]
                self.f.add("error", "cabling", x[0], "cables swapped on %s: %s has %s, %s has %s (plan: %s has %s, %s has %s)" % (
                    x[0], x[1], _end(*y), u[1], _end(*v), x[1], _end(*v), u[1], _end(*y)),
                    port=x[1], peer_device=u[0], peer_port=u[1],
                    expected="%s <-> %s; %s <-> %s" % (_end(*x), _end(*v), _end(*u), _end(*y)),
                    observed="%s <-> %s; %s <-> %s" % (_end(*x), _end(*y), _end(*u), _end(*v)),
                    fix="swap the cables in %s ports %s and %s" % (x[0], x[1], u[1]), keys=keys)
            elif exp_x or exp_y:
                self.f.add("error", "cabling", x[0], "miswired cable %s (plan: %s)" % (_cable_text(x, y), expected),
                           port=x[1], peer_device=y[0], peer_port=y[1], expected=expected,
                           observed=_cable_text(x, y),
                           fix="move the cable so that %s" % "; ".join(
                               "%s goes to %s" % (_end(*e), _end(*p)) for e, p in ((x, exp_x), (y, exp_y)) if p),
                           keys=keys)
            else:
                self.f.add("warning", "cabling", x[0], "unexpected cable %s (not in the plan)" % _cable_text(x, y),
                           port=x[1], peer_device=y[0], peer_port=y[1], expected="no cable", observed=_cable_text(x, y),
                           fix="remove the cable between %s, or add it to the design" % _cable_text(x, y), keys=keys)
            reported.add(pair)
        for pair, (a, b) in sorted(planned.items(), key=lambda kv: kv[1]):
            self.count("cables_lldp")
            if pair in seen:
                continue
            # Not seen from either end: explained by a port cause, a wrong cable at one end, lldpd down,
            # or ends that were not read.
            readers = [e for e in (a, b) if self.lldp_ok.get(e[0])]
            keys = [("port",) + a, ("port",) + b, ("cabling",) + a, ("cabling",) + b,
                    ("lldpd", a[0]), ("lldpd", b[0]), ("gather", a[0]), ("gather", b[0])]
            if not readers:
                if self.f.cause(keys) is None and not any(self.lldp_ok.get(e[0]) is False for e in (a, b)):
                    self.skip("cabling", "LLDP not read at either end", a[0])
                continue
            x, y = sorted((a, b), key=lambda e: (self._rank(e[0]), e))
            self.f.symptom(keys, "LLDP: no neighbour on %s" % _cable_text(x, y),
                           severity="error", check="cabling", device=x[0], port=x[1], peer_device=y[0], peer_port=y[1],
                           message="missing cable %s: LLDP sees no neighbour on %s" % (
                               _cable_text(x, y), " nor ".join(_end(*e) for e in readers)),
                           expected=_cable_text(x, y), observed="no LLDP neighbour",
                           fix="connect %s to %s (check that lldpd runs on %s)" % (_end(*x), _end(*y), y[0]),
                           own_keys=[("cabling",) + a, ("cabling",) + b])

    def _rank(self, dev):
        """Switch ends first when naming a cable (leaf before spine before core before nodes)."""
        role = (self.devices.get(dev) or {}).get("role")
        return {"leaf": 0, "spine": 1, "core": 2}.get(role, 3)

    # -- 4. BGP sessions and ECMP
    def bgp_sessions(self):
        unnumbered = self.options.get("unnumbered")
        for dev in sorted(self.ok):
            d = self.devices[dev]
            if not d.get("bgp"):
                continue
            data, problem = _json(self.ok[dev]["commands"].get("bgp"))
            if problem is None:
                try:
                    self.bgp[dev] = parse_bgp_summary(data)
                except ValueError as exc:
                    problem = str(exc)
            if problem is None and not self.bgp[dev] and d["bgp"].get("neighbors"):
                problem = "no BGP instance (router bgp %s) configured" % d["bgp"].get("asn")
            if problem:
                self.bgp.pop(dev, None)
                self.bgp_problem[dev] = problem
                self.f.add("error", "bgp", dev, "bgpd does not answer: %s" % problem,
                           expected="bgpd running with router bgp %s" % d["bgp"].get("asn"), observed=problem,
                           fix="start FRR's bgpd on %s (bgpd=yes in /etc/frr/daemons; systemctl restart frr) "
                               "and check 'vtysh -c \"show bgp summary\"'" % dev,
                           keys=[("bgpd", dev)])
        # Configured neighbours against the plan.
        sessions = {}
        for dev in sorted(self.bgp):
            d = self.devices[dev]
            peers = self.bgp[dev]
            planned_keys = set()
            for nbr in d["bgp"].get("neighbors") or []:
                key_addr, key_if = nbr.get("address"), nbr.get("interface")
                entry = None
                for key in ((key_if, key_addr) if unnumbered else (key_addr, key_if)):
                    if key and key in peers:
                        entry, found = peers[key], key
                        planned_keys.add(key)
                        break
                ends = frozenset(((dev, key_if), (nbr["peer_device"], nbr.get("peer_port"))))
                if entry is None:
                    self.f.add("error", "bgp", dev, "no BGP neighbour %s (%s, AS%s) configured" % (
                        key_if if unnumbered else key_addr, _end(nbr["peer_device"], nbr.get("peer_port")),
                        nbr.get("peer_asn")), port=key_if, peer_device=nbr["peer_device"], peer_port=nbr.get("peer_port"),
                        expected="neighbor %s remote-as %s" % (key_if if unnumbered else key_addr, nbr.get("peer_asn")),
                        observed="not configured",
                        fix="configure the session on %s (refarch.ai_cluster.fabric_switch)" % dev,
                        keys=[("bgpcfg", dev, key_if)])
                    sessions.setdefault(ends, []).append((dev, nbr, "not configured"))
                    continue
                if nbr.get("peer_asn") is not None and entry.get("remote_as") not in (None, nbr["peer_asn"]):
                    self.f.add("error", "bgp", dev, "neighbour %s has remote-as %s, plan AS%s" % (
                        found, entry["remote_as"], nbr["peer_asn"]), port=key_if,
                        peer_device=nbr["peer_device"], peer_port=nbr.get("peer_port"),
                        expected=nbr["peer_asn"], observed=entry["remote_as"],
                        fix="set 'neighbor %s remote-as %s' on %s" % (found, nbr["peer_asn"], dev),
                        keys=[("bgpcfg", dev, key_if)])
                sessions.setdefault(ends, []).append((dev, nbr, entry.get("state")))
            for key, entry in sorted(peers.items()):
                if key not in planned_keys:
                    self.f.add("warning", "bgp", dev, "BGP neighbour %s (AS%s) is not in the plan" % (
                        key, entry.get("remote_as")), port=entry.get("interface"), expected=None,
                        observed="%s %s" % (key, entry.get("state")),
                        fix="remove 'neighbor %s' from %s, or add the link to the design" % (key, dev))
        # Sessions of the plan, each once (seen from one or both ends).
        for dev in sorted(self.devices):
            d = self.devices[dev]
            for nbr in (d.get("bgp") or {}).get("neighbors") or []:
                ends = frozenset(((dev, nbr.get("interface")), (nbr["peer_device"], nbr.get("peer_port"))))
                sessions.setdefault(ends, [])
        for ends, views in sorted(sessions.items(), key=lambda kv: sorted(kv[0])):
            a, b = sorted(ends, key=lambda e: (self._rank(e[0]), e))
            if not (a[0] in self.checked or b[0] in self.checked):
                continue
            self.count("bgp_sessions")
            states = {dev: state for dev, _n, state in views}
            down = {dev: s for dev, s in states.items() if s != "Established"}
            unknown = [e[0] for e in (a, b) if e[0] not in states]
            if not down and (not unknown or states):
                if not unknown:
                    continue
                # One end answered Established; the other end's bgpd is a cause of its own.
                if all(u in self.bgp_problem or u not in self.checked for u in unknown):
                    continue
            keys = ([("bgpd", a[0]), ("bgpd", b[0]), ("bgpcfg", a[0], a[1]), ("bgpcfg", b[0], b[1])]
                    + _port_keys(*a) + _port_keys(*b))
            text = "BGP %s: %s" % (_cable_text(a, b), ", ".join("%s %s" % (k, v) for k, v in sorted(down.items()))
                                   or "not seen")
            item = self.f.symptom(keys, text, severity="error", check="bgp", device=a[0], port=a[1],
                                  peer_device=b[0], peer_port=b[1],
                                  message="BGP session %s is not established (%s)" % (
                                      _cable_text(a, b), ", ".join("%s: %s" % (k, v) for k, v in sorted(down.items()))),
                                  expected="Established", observed=down,
                                  fix="check 'show bgp neighbor' on %s and %s: addresses, ASNs and the link between them"
                                      % (a[0], b[0]),
                                  own_keys=[("session",) + a, ("session",) + b])
            self.sessions_down[ends] = item

    def ecmp(self):
        leaves = {n: d for n, d in self.devices.items() if d.get("role") == "leaf" and d.get("bgp")}
        for dev in sorted(leaves):
            if dev not in self.ok or dev not in self.bgp:
                continue
            d = leaves[dev]
            data, problem = _json(self.ok[dev]["commands"].get("routes"))
            if problem:
                self.f.add("error", "ecmp", dev, "routing table unreadable: %s" % problem,
                           fix="check that zebra runs on %s" % dev, keys=[("zebra", dev)])
                continue
            routes = parse_routes(data)
            want = int(d["bgp"].get("ecmp") or 1)
            uplinks = list(d["bgp"].get("neighbors") or [])
            for remote in sorted(leaves):
                r = leaves[remote]
                if remote == dev or r.get("fabric") != d.get("fabric"):
                    continue
                # Paths that should be usable now: uplink sessions of this leaf that are up, through
                # spines whose session to the remote leaf is up too (two tiers).
                available, broken = 0, []
                for nbr in uplinks:
                    mine = frozenset(((dev, nbr["interface"]), (nbr["peer_device"], nbr.get("peer_port"))))
                    spine = nbr["peer_device"]
                    theirs = [frozenset(((remote, n["interface"]), (n["peer_device"], n.get("peer_port"))))
                              for n in r["bgp"].get("neighbors") or [] if n["peer_device"] == spine]
                    bad = [s for s in [mine] + theirs if s in self.sessions_down]
                    if ("bgpd", spine) in self.f.by_key:
                        bad.append(("bgpd", spine))
                    if bad:
                        broken.extend(bad)
                    else:
                        available += 1
                for prefix in r["bgp"].get("advertise") or []:
                    self.count("ecmp_routes")
                    route = routes.get(prefix)
                    width = len(route["nexthops"]) if route else 0
                    if width >= want:
                        continue
                    text = "ECMP %s -> %s %s: %d of %d paths" % (dev, remote, prefix, width, want)
                    keys = []
                    for b in broken:
                        if isinstance(b, frozenset):
                            item = self.sessions_down.get(b)
                            if item is not None:
                                keys.extend(k for k, v in self.f.by_key.items() if v is item)
                        else:
                            keys.append(b)
                    if width < available or not keys:
                        keys = []
                    self.f.symptom(keys, text, severity="error", check="ecmp", device=dev,
                                   message="%d path(s) to %s of %s, plan %d" % (width, prefix, remote, want),
                                   expected=want, observed=width,
                                   fix="check 'maximum-paths %d' and 'bgp bestpath as-path multipath-relax' on %s, and "
                                       "its sessions to every spine" % (want, dev),
                                   own_keys=[("ecmp", dev, remote)])

    # -- 5. pings: per-rail reachability matrix and MTU end to end
    def pings(self):
        for dev in sorted(self.ok):
            d = self.devices[dev]
            results = self.ok[dev].get("pings") or []
            for probe in results:
                self.count("pings")
                got, _sent, problem = parse_ping(probe.get("result"))
                if got > 0:
                    continue
                small = probe.get("small")
                small_got = parse_ping(small)[0] if small else 0
                src = (dev, probe.get("port"))
                dst = (probe.get("dst_device"), probe.get("dst_port"))
                keys = self._path_keys(d, src, dst, probe)
                size = probe.get("size")
                argv = " ".join((probe.get("result") or {}).get("argv") or [])
                if small_got > 0:
                    mtu_keys = self._path_mtu_keys(src, dst, probe)
                    text = "ping %s -> %s: %d-byte don't-fragment packets lost" % (
                        _end(*src), _end(*dst) if dst[1] else probe.get("dst"), size + IPV4_HEADERS)
                    self.f.symptom(mtu_keys + keys, text, severity="error", check="mtu", device=dev, port=src[1],
                                   peer_device=dst[0], peer_port=dst[1],
                                   message="path MTU %s -> %s (%s) is below %d: small pings pass, "
                                           "don't-fragment pings of %d bytes do not" % (
                                               _end(*src), _end(*dst) if dst[1] else dst[0], probe.get("dst"),
                                               size + IPV4_HEADERS, size),
                                   expected=size + IPV4_HEADERS, observed="smaller", fix="find the port on the path "
                                   "with a smaller MTU (ip link on both ends and the switches between); reproduce: %s"
                                   % argv, own_keys=[("pathmtu", dev, src[1], probe.get("dst"))])
                else:
                    what = {"rail": "rail %s" % probe.get("rail"), "gateway": "gateway",
                            "fabric": "fabric link"}.get(probe.get("kind"), probe.get("kind"))
                    target = _end(*dst) if dst[1] else probe.get("dst")
                    text = "ping %s -> %s (%s): %s" % (_end(*src), target, what, problem or "no reply")
                    self.f.symptom(keys, text, severity="error", check="reachability", device=dev, port=src[1],
                                   peer_device=dst[0], peer_port=dst[1],
                                   message="%s cannot reach %s (%s, %s): %s" % (
                                       _end(*src), _end(*dst) if dst[1] else dst[0], probe.get("dst"), what,
                                       problem or "no reply"),
                                   expected="reply", observed=problem or "no reply",
                                   fix="check addresses, routes (per-NIC tables) and ARP on %s and %s; reproduce: %s"
                                       % (dev, dst[0], argv), own_keys=[("reach", dev, src[1], probe.get("dst"))])

    def _leaf_of(self, end):
        peer = self.cables.get(end, (None, None))[0]
        return peer

    def _path_keys(self, d, src, dst, probe):
        keys = [("gather", src[0]), ("gather", dst[0])]
        ends = [src]
        if dst[1]:
            ends.append(dst)
        elif dst[0]:
            keys.append(("address", dst[0], "gateway"))
        leaves = []
        for end in ends:
            keys.extend(_port_keys(*end))
            peer = self._leaf_of(end)
            if peer:
                keys.extend(_port_keys(*peer))
                keys.append(("session",) + end)
                leaves.append(peer[0])
        if probe.get("kind") == "fabric":
            keys += [("bgpd", src[0]), ("bgpd", dst[0])]
        # Across leaves: the fabric between them (sessions, spines, ECMP).
        leaf_set = set(leaves + ([dst[0]] if not dst[1] and dst[0] else []))
        if len(leaf_set) > 1:
            for leaf in sorted(leaf_set):
                keys.append(("address", leaf, "gateway"))
                keys.append(("ecmp",) + (leaf,) + tuple(sorted(leaf_set - {leaf}))[:1])
                for nbr in (self.devices.get(leaf, {}).get("bgp") or {}).get("neighbors") or []:
                    keys += _port_keys(leaf, nbr["interface"])
                    keys += [("bgpd", nbr["peer_device"]), ("session", leaf, nbr["interface"])]
        return keys

    def _path_mtu_keys(self, src, dst, probe):
        keys = []
        ends = [src] + ([dst] if dst[1] else [])
        leaves = set()
        for end in ends:
            keys.append(("mtu",) + end)
            peer = self._leaf_of(end)
            if peer:
                keys.append(("mtu",) + peer)
                leaves.add(peer[0])
        if probe.get("kind") == "gateway" and dst[0]:
            leaves.add(dst[0])
            # The gateway sits on a bridge of the leaf's node ports; on platforms where a bridge
            # follows the smallest MTU of its ports, any of them can make the gateway's MTU smaller.
            for itf in (self.devices.get(dst[0]) or {}).get("interfaces") or []:
                keys.append(("mtu", dst[0], itf["name"]))
        if len(leaves) > 1 or probe.get("kind") == "fabric":
            for leaf in sorted(leaves | {src[0]}):
                for itf in (self.devices.get(leaf) or {}).get("interfaces") or []:
                    if itf.get("role") in ("uplink", "peer") or (itf.get("peer_device") and
                                                                 self.devices.get(itf["peer_device"], {}).get("role")
                                                                 in SWITCH_ROLES):
                        keys.append(("mtu", leaf, itf["name"]))
                        keys.append(("mtu", itf.get("peer_device"), itf.get("peer_port")))
        return keys

    # -- 6. performance
    def performance(self):
        design = self.plan.get("design") or {}
        thresholds = dict(DEFAULT_THRESHOLDS)
        thresholds.update({k: v for k, v in (design.get("validation") or {}).items() if v is not None})
        thresholds.update({k: v for k, v in (self.options.get("thresholds") or {}).items() if v is not None})
        nodes = [n for n in sorted(self.ok) if self.devices[n].get("role") == "gpu_node"]
        if not nodes:
            return
        if not self.options.get("performance", True):
            for n in nodes:
                self.skip("rdma_bw", "performance tests disabled (validate_performance: false)", n)
                self.skip("nccl", "performance tests disabled (validate_performance: false)", n)
            return
        for n in nodes:
            perf = self.ok[n].get("perf") or {}
            rdma = perf.get("rdma") or {}
            if rdma.get("skipped"):
                self.skip("rdma_bw", rdma["skipped"], n)
            for run in rdma.get("runs") or []:
                if run.get("role") != "client":
                    continue
                self.count("rdma_bw")
                bw = parse_ib_write_bw((run.get("result") or {}).get("stdout"))
                line = float(run.get("speed_gbps") or 0)
                need = line * float(thresholds["rdma_bw_min_percent"]) / 100.0
                where = "%s rail %s -> %s" % (n, run.get("rail"), run.get("peer"))
                if bw is None:
                    err = ((run.get("result") or {}).get("stderr") or "").strip().splitlines()
                    self.f.symptom([("port", n, run.get("ifname")), ("gather", run.get("peer"))],
                                   "ib_write_bw %s: no result" % where, severity="error", check="rdma_bw", device=n,
                                   port=run.get("ifname"), peer_device=run.get("peer"),
                                   message="ib_write_bw %s gave no result: %s" % (where, err[-1] if err else "no output"),
                                   expected=">= %.0f Gb/s" % need, observed=None,
                                   fix="run ib_write_bw by hand between %s and %s (RDMA device, GID, firewall)"
                                       % (n, run.get("peer")))
                elif bw < need:
                    self.f.add("error", "rdma_bw", n, "ib_write_bw %s: %.1f Gb/s, below %s%% of %s Gb/s (%.0f)" % (
                        where, bw, thresholds["rdma_bw_min_percent"], line, need), port=run.get("ifname"),
                        peer_device=run.get("peer"), expected=need, observed=bw,
                        fix="check PFC/ECN on the rail %s switches, the NIC's PCIe link (lspci -vv) and its firmware"
                            % run.get("rail"))
            nccl = perf.get("nccl") or {}
            if nccl.get("skipped"):
                self.skip("nccl", nccl["skipped"], n)
            if nccl.get("result"):
                self.count("nccl")
                parsed = parse_all_reduce(nccl["result"].get("stdout"))
                d = self.devices[n]
                line = sum(float(i.get("speed_gbps") or 0) for i in d.get("interfaces") or [] if i.get("role") == "compute")
                need = line / 8.0 * float(thresholds["nccl_busbw_min_percent"]) / 100.0
                got = (parsed or {}).get("max_busbw")
                if got is None:
                    self.f.add("error", "nccl", n, "all_reduce_perf from %s gave no result" % n, expected=need,
                               fix="run all_reduce_perf by hand (mpirun, NCCL_DEBUG=INFO) from %s" % n)
                elif got < need:
                    self.f.add("error", "nccl", n, "all_reduce_perf bus bandwidth %.1f GB/s, below %s%% of the "
                               "node's %s Gb/s of compute rails (%.1f GB/s)" % (
                                   got, thresholds["nccl_busbw_min_percent"], line, need),
                               expected=need, observed=got,
                               fix="check NCCL_IB_HCA/NCCL_IB_GID_INDEX in /etc/nccl.conf, GPUDirect RDMA "
                                   "(nvidia-peermem) and the rails' ib_write_bw results")

    def run(self):
        self.load()
        self.ports_state()
        self.hardware()
        self.cabling()
        self.bgp_sessions()
        self.ecmp()
        self.pings()
        self.performance()
        for (check, reason), devs in sorted(self.skipped.items()):
            devs = sorted(set(devs))
            self.f.add("info", check, ", ".join(devs) if len(devs) <= 3 else "%d devices" % len(devs),
                       "%s skipped on %s: %s" % (check, _names(devs), reason), status="skipped",
                       observed=devs, fix=None)
        return self.f.items


def _names(devs):
    if len(devs) <= 4:
        return ", ".join(devs)
    return "%s ... %s (%d)" % (", ".join(devs[:2]), devs[-1], len(devs))




def compare(plan, gathered, models=None, options=None):
    """Findings of one validation run (see the module docstring) and a summary.

    ``plan``: the plan as a dict (``Plan.to_dict()`` or ``plan.json``); ``gathered``: {host: what
    ``validate_gather`` returned, or a failed/unreachable result}; ``models``: {server model:
    {vendor, gpu_model, gpu_count, gpu_memory_gib}} from the catalog; ``options``: unnumbered,
    performance, pins {gpu_driver_branch, nic_firmware, nic_driver}, thresholds.
    """
    run = _Run(plan, gathered or {}, models, options)
    items = run.run()
    items.sort(key=lambda i: (SEVERITY_ORDER[i["severity"]], i["check"], i["device"] or "", i["port"] or "", i["message"]))
    counts = {s: sum(1 for i in items if i["severity"] == s) for s in SEVERITIES}
    return {
        "plan": plan.get("name"),
        "passed": counts["error"] == 0,
        "counts": counts,
        "checked": dict(sorted(run.stats.items())),
        "devices": {"gathered": sorted(run.checked), "planned": len(plan["devices"])},
        "findings": items,
    }


def models_from_catalog(catalog):
    """{server model: {vendor, gpu_model, gpu_count, gpu_memory_gib}} from a loaded Catalog."""
    out = {}
    for mid, server in (getattr(catalog, "servers", None) or {}).items():
        out[mid] = {"vendor": (server.raw or {}).get("vendor"), "gpu_model": server.gpu_model,
                    "gpu_count": server.gpu_count, "gpu_memory_gib": server.gpu_memory_gib}
    return out


# ------------------------------------------------------------------------------------------ report

def _cell(value):
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def summary_lines(report):
    c = report["counts"]
    head = "validation of %s: %s - %d error(s), %d warning(s), %d info" % (
        report.get("plan"), "PASSED" if report["passed"] else "FAILED", c["error"], c["warning"], c["info"])
    checked = report.get("checked") or {}
    lines = [head, "checked: " + ", ".join("%s %s" % (v, k) for k, v in checked.items())]
    for item in report["findings"]:
        lines.append(finding_line(item))
    return lines


def finding_line(item):
    where = item["device"] or "-"
    if item.get("port"):
        where += " " + item["port"]
    line = "%-7s %-12s %s: %s" % (item["severity"].upper(), item["check"], where, item["message"])
    if item.get("fix"):
        line += " -> fix: " + item["fix"]
    if item.get("explains"):
        more = "; ".join(item["explains"][:3]) + ("; ..." if len(item["explains"]) > 3 else "")
        line += " (explains %d more: %s)" % (len(item["explains"]), more)
    return line


def render_markdown(report, generated=None):
    c = report["counts"]
    out = ["# Validation of %s" % report.get("plan"), ""]
    out.append("**%s**: %d error(s), %d warning(s), %d info." % (
        "PASSED" if report["passed"] else "FAILED", c["error"], c["warning"], c["info"]))
    if generated:
        out.append("Generated %s." % generated)
    out += ["", "Checked: " + ", ".join("%s %s" % (v, k.replace("_", " ")) for k, v in (report.get("checked") or {}).items())
            + ".", ""]
    out += ["| Severity | Check | Device | Port | Finding | Fix |", "|---|---|---|---|---|---|"]
    for item in report["findings"]:
        msg = item["message"]
        if item.get("explains"):
            msg += " (explains: %s)" % "; ".join(item["explains"])
        out.append("| %s | %s | %s | %s | %s | %s |" % tuple(_cell(v) for v in (
            item["severity"], item["check"], item["device"], item.get("port"), msg, item.get("fix"))))
    if not report["findings"]:
        out.append("| - | - | - | - | no findings | - |")
    out.append("")
    return "\n".join(out)
