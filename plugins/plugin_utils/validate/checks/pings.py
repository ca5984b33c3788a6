# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pings: the per-rail reachability matrix, the gateways and the fabric links, at full MTU.

Each probe is a don't-fragment ping of the largest size the path allows, with a small ping next
to it: when the small one passes and the large one does not, the path MTU is the fault, else
reachability is. Both are symptoms: they fold into any cause on the path (ports, cables, addresses,
MTUs, BGP sessions and ECMP between leaves), which ``_path_keys`` and ``_path_mtu_keys`` list, and
are reported on their own only when nothing on the path explains them.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run, end_text, port_keys
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import parse_ping
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.probes import IPV4_HEADERS


def check_pings(run: Run) -> None:
    """The probes each host ran (see ``probes.probes_for``): reachability and path MTU."""
    for dev in sorted(run.ok):
        d = run.devices[dev]
        results = run.ok[dev].get("pings") or []
        for probe in results:
            run.count("pings")
            got, _sent, problem = parse_ping(probe.get("result"))
            if got > 0:
                continue
            small = probe.get("small")
            small_got = parse_ping(small)[0] if small else 0
            src = (dev, probe.get("port"))
            dst = (probe.get("dst_device"), probe.get("dst_port"))
            keys = _path_keys(run, d, src, dst, probe)
            size = probe.get("size")
            argv = " ".join((probe.get("result") or {}).get("argv") or [])
            if small_got > 0:
                mtu_keys = _path_mtu_keys(run, src, dst, probe)
                text = "ping %s -> %s: %d-byte don't-fragment packets lost" % (
                    end_text(*src), end_text(*dst) if dst[1] else probe.get("dst"), size + IPV4_HEADERS)
                run.findings.symptom(mtu_keys + keys, text, severity="error", check="mtu", device=dev, port=src[1],
                                     peer_device=dst[0], peer_port=dst[1],
                                     message="path MTU %s -> %s (%s) is below %d: small pings pass, "
                                             "don't-fragment pings of %d bytes do not" % (
                                                 end_text(*src), end_text(*dst) if dst[1] else dst[0], probe.get("dst"),
                                                 size + IPV4_HEADERS, size),
                                     expected=size + IPV4_HEADERS, observed="smaller", fix="find the port on the path "
                                     "with a smaller MTU (ip link on both ends and the switches between); reproduce: %s"
                                     % argv, own_keys=[("pathmtu", dev, src[1], probe.get("dst"))])
            else:
                what = {"rail": "rail %s" % probe.get("rail"), "gateway": "gateway",
                        "fabric": "fabric link"}.get(probe.get("kind"), probe.get("kind"))
                target = end_text(*dst) if dst[1] else probe.get("dst")
                text = "ping %s -> %s (%s): %s" % (end_text(*src), target, what, problem or "no reply")
                run.findings.symptom(keys, text, severity="error", check="reachability", device=dev, port=src[1],
                                     peer_device=dst[0], peer_port=dst[1],
                                     message="%s cannot reach %s (%s, %s): %s" % (
                                         end_text(*src), end_text(*dst) if dst[1] else dst[0], probe.get("dst"), what,
                                         problem or "no reply"),
                                     expected="reply", observed=problem or "no reply",
                                     fix="check addresses, routes (per-NIC tables) and ARP on %s and %s; reproduce: %s"
                                         % (dev, dst[0], argv), own_keys=[("reach", dev, src[1], probe.get("dst"))])


def _leaf_of(run, end):
    """The far end of the cable on ``end`` (for a node port: its leaf), or None."""
    peer = run.cables.get(end, (None, None))[0]
    return peer


def _path_keys(run, d, src, dst, probe):
    """Keys of every cause that can break a probe's path: ends, their leaves and the fabric between."""
    keys = [("gather", src[0]), ("gather", dst[0]), ("sysctl", src[0]), ("sysctl", dst[0]),
            ("hostroute", src[0], src[1])]
    if dst[1]:
        keys.append(("hostroute", dst[0], dst[1]))
    ends = [src]
    if dst[1]:
        ends.append(dst)
    elif dst[0]:
        keys.append(("address", dst[0], "gateway"))
    leaves = []
    for end in ends:
        keys.extend(port_keys(*end))
        peer = _leaf_of(run, end)
        if peer:
            keys.extend(port_keys(*peer))
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
            for nbr in (run.devices.get(leaf, {}).get("bgp") or {}).get("neighbors") or []:
                keys += port_keys(leaf, nbr["interface"])
                keys += [("bgpd", nbr["peer_device"]), ("session", leaf, nbr["interface"])]
    return keys


def _path_mtu_keys(run, src, dst, probe):
    """Keys of the port MTUs on a probe's path."""
    keys = []
    ends = [src] + ([dst] if dst[1] else [])
    leaves = set()
    for end in ends:
        keys.append(("mtu",) + end)
        peer = _leaf_of(run, end)
        if peer:
            keys.append(("mtu",) + peer)
            leaves.add(peer[0])
    if probe.get("kind") == "gateway" and dst[0]:
        leaves.add(dst[0])
        keys.append(("mtu", dst[0], "gateway"))
        # The gateway sits on a bridge of the leaf's node ports; on platforms where a bridge
        # follows the smallest MTU of its ports, any of them can make the gateway's MTU smaller.
        for itf in (run.devices.get(dst[0]) or {}).get("interfaces") or []:
            keys.append(("mtu", dst[0], itf["name"]))
    if len(leaves) > 1 or probe.get("kind") == "fabric":
        keys += [("mtu", leaf, "gateway") for leaf in sorted(leaves)]
        for leaf in sorted(leaves | {src[0]}):
            for itf in (run.devices.get(leaf) or {}).get("interfaces") or []:
                if itf.get("role") in ("uplink", "peer") or (itf.get("peer_device") and
                                                             run.devices.get(itf["peer_device"], {}).get("role")
                                                             in SWITCH_ROLES):
                    keys.append(("mtu", leaf, itf["name"]))
                    keys.append(("mtu", itf.get("peer_device"), itf.get("peer_port")))
    return keys
