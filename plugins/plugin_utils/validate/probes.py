# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan, read for validation: per-port indexes, and what each host's gatherer is told to run.

``validate_gather`` runs on every host but knows nothing of the design; the controller derives,
from the plan, the pings each host sends (``probes_for``: the per-rail matrix of the GPU nodes,
their gateways, the switches' BGP neighbours, each at the largest don't-fragment size the path's
MTU allows, so that one ping proves reachability and MTU at once) and the ``ib_write_bw`` pairs
(``rdma_pairs``). The checks read the same plan through ``plan_indexes``.
"""

from __future__ import annotations

import ipaddress

# A don't-fragment ping of the MTU less these headers fills the MTU exactly.
IPV4_HEADERS = 28          # IPv4 header (20) + ICMP header (8)
IPV6_HEADERS = 48          # IPv6 header (40) + ICMPv6 header (8)
PING_COUNT = 2
RDMA_BASE_PORT = 18515     # ib_write_bw's TCP port of rail 0; rail N uses the base + N


def _network(address):
    try:
        return ipaddress.ip_interface(address).network
    except ValueError:
        return None


def _ip(address):
    return str(address).split("/", maxsplit=1)[0] if address else None


def plan_indexes(plan: dict) -> tuple:
    """Per-port view of the plan: (ports, cables).

    ``ports``: {(device, port): interface dict}; ``cables``: {(device, port): ((peer, peer_port), link dict)},
    both ends of every link of the plan.
    """
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


def fabric_kind(plan: dict, fabric: str | None) -> str:
    """The kind of a fabric of the plan (``ethernet`` when the plan does not say)."""
    return ((plan.get("fabrics") or {}).get(fabric) or {}).get("kind") or "ethernet"


def probes_for(device: dict, nodes: list, unnumbered: bool = False) -> list:
    """Pings the host ``device`` (a plan device dict) runs; ``nodes``: plan dicts of the GPU nodes.

    GPU nodes: for each addressed interface, every other node's interface on the same fabric and
    rail (the per-rail matrix, within its plane) and the interface's gateway, at the largest don't-fragment size
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
                    if other.get("plane") != itf.get("plane"):
                        continue   # planes share no link
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


def rdma_pairs(nodes: list, base_port: int = RDMA_BASE_PORT) -> dict:
    """ib_write_bw pairs on a ring: node i runs a client to node i+1 and a server for node i-1, per rail.

    Returns {node: [{role, rail, port, peer, peer_address, rdma_device, ifname}]}; each rail uses
    its own TCP port so that all rails of a node run at once.
    """
    names = sorted(n["name"] for n in nodes)
    by_name = {n["name"]: n for n in nodes}
    out: dict[str, list] = {n: [] for n in names}
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
