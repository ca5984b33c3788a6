# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of what ``validate_gather`` read on a host, into plain data the checks compare with the plan.

Each parser takes one command's output as gathered (a record ``{argv, rc, stdout, stderr, missing}``,
or its stdout, text or already-decoded JSON) and returns the few fields validation reads, with the
quirks of the tools absorbed here: lldpd gives a dict for one entry and a list for several, FRR
keys an unnumbered BGP peer by its interface and may nest address families by VRF, ping's summary
line differs between iputils versions. A parser never decides whether a value is right; the checks do.
"""

from __future__ import annotations

import json
import re
from typing import Any


def command_json(record: Any) -> tuple:
    """(data, problem) of a gathered command record whose stdout is JSON; ``problem`` is None when it could be read."""
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


def parse_ip_links(text: Any) -> dict:
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


def parse_lldp(text: Any) -> list:
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


def parse_bgp_summary(text: Any) -> dict:
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


def parse_routes(text: Any) -> dict:
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


def parse_ping(record: Any) -> tuple:
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


def parse_ib_write_bw(text: str | None) -> float | None:
    """Average bandwidth in Gb/s from ``ib_write_bw --report_gbits`` output, or None."""
    rows = _IB_ROW.findall(text or "")
    if not rows:
        return None
    return float(rows[-1][3])


_NCCL_AVG = re.compile(r"#\s*Avg bus bandwidth\s*:\s*([\d.]+)")
_NCCL_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+\w+\s+\w+\s+-?\d+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.M)


def parse_all_reduce(text: str | None) -> dict | None:
    """{avg_busbw, max_busbw} in GB/s from ``all_reduce_perf`` output (out-of-place columns)."""
    text = text or ""
    avg = _NCCL_AVG.search(text)
    rows = _NCCL_ROW.findall(text)
    peak = max((float(r[4]) for r in rows), default=None)
    if avg is None and peak is None:
        return None
    return {"avg_busbw": float(avg.group(1)) if avg else None, "max_busbw": peak}


def ethtool_info(record: Any) -> dict:
    """``ethtool -i`` text -> {driver, version, firmware-version, bus-info}."""
    out: dict = {}
    if not isinstance(record, dict) or record.get("rc") not in (0,):
        return out
    for line in (record.get("stdout") or "").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


# Slurm's one-line records (``scontrol -o show node|partition``, ``scontrol show topology``):
# ``Key=value`` words, where a value may itself hold blanks (OS=Linux 6.1.0 #1 SMP ..., Reason=...),
# so a record is cut before each word that starts a new ``Key=``.
_SLURM_KEY = re.compile(r"(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=")
_HOSTLIST_PART = re.compile(r"([^,\[]*)(?:\[([^\]]*)\])?([^,\[]*)")


def parse_slurm_records(text: Any) -> list:
    """Each non-empty line of ``text`` as a dict of its ``Key=value`` words (values as text)."""
    out = []
    for line in str(text or "").splitlines():
        keys = list(_SLURM_KEY.finditer(line))
        if not keys:
            continue
        record = {}
        for i, match in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(line)
            record[match.group(1)] = line[match.end():end].strip()
        out.append(record)
    return out


def expand_hostlist(text: Any) -> list:
    """Slurm's hostlist expression (``a-[1-3,5],b-7``; ``(null)`` or empty: none) as names, in order."""
    text = str(text or "").strip()
    if not text or text == "(null)":
        return []
    out = []
    depth, start = 0, 0
    pieces = []
    for i, char in enumerate(text):
        depth += char == "["
        depth -= char == "]"
        if char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    for piece in pieces:
        match = _HOSTLIST_PART.fullmatch(piece)
        if not match or match.group(2) is None:
            out.append(piece)
            continue
        prefix, ranges, suffix = match.groups()
        for part in ranges.split(","):
            low, high = part.partition("-")[::2]
            width = len(low)
            for n in range(int(low), int(high or low) + 1):
                out.append("%s%0*d%s" % (prefix, width, n, suffix))
    return out
