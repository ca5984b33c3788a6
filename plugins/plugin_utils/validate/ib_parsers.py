# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""InfiniBand, step 1 of the checks: what the SM host's tools print, as data.

``ibnetdiscover``, ``ibswitches`` and the OpenSM log are text meant for people; everything after
them (matching discovered GUIDs to the plan, the SM's files, the checks) needs nodes, ports, rates,
LIDs and the routing engine as plain dicts. Keeping the parsers apart from what is decided with
their output lets each be tested on captured text alone (tests/unit/fixtures/ib) and reused by
the twin's tests.
"""

from __future__ import annotations

import re

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import guid_text

_NODE = re.compile(r'^(Switch|Ca|Rt)\s+(\d+)\s+"([SHR])-([0-9a-fA-F]+)"\s*(?:#\s*"(.*)"(.*))?$')
_PORT = re.compile(r'^\[(\d+)\](?:\[ext (\d+)\])?(?:\(([0-9a-fA-F]+)\))?\s+"([SHR])-([0-9a-fA-F]+)"\[(\d+)\]'
                   r'(?:\[ext (\d+)\])?(?:\(([0-9a-fA-F]+)\))?\s*(?:#(.*))?$')
_RATE = re.compile(r'(\d+)x([A-Z0-9]+)\s*$')
_LID = re.compile(r'\blid (\d+)')
_SW_LID = re.compile(r'(?:base|enhanced) port 0 lid (\d+) lmc (\d+)')
_NODE_TYPES = {"Switch": "switch", "Ca": "ca", "Rt": "router"}


def parse_ibnetdiscover(text):
    """Parse ``ibnetdiscover`` output into ``{guid: node}``.

    A node is ``{"guid", "type" (switch|ca|router), "nports", "desc", "lid", "ports"}``; ports are
    ``{number: {"peer", "peer_port", "port_guid", "peer_port_guid", "width", "speed", "lid",
    "peer_desc"}}``. GUIDs are ``0x`` + 16 hex digits. Every cable appears at both of its ends.
    Raises InfinibandError when a line that should be a node or port cannot be read.
    """
    nodes = {}
    current = None
    problems = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or "=" in line.split(" ")[0] and not line.startswith("["):
            continue
        m = _NODE.match(line)
        if m:
            kind, nports, _prefix, guid, desc, rest = m.groups()
            guid = guid_text(guid)
            lid = None
            lm = _SW_LID.search(rest or "")
            if lm:
                lid = int(lm.group(1))
            current = nodes.setdefault(guid, {"guid": guid, "type": _NODE_TYPES[kind], "nports": int(nports),
                                              "desc": desc or "", "lid": lid, "ports": {}})
            continue
        m = _PORT.match(line)
        if m:
            if current is None:
                problems.append("line %d: port line before any node: %s" % (number, line))
                continue
            port, _ext, own_guid, _prefix, peer, peer_port, _pext, peer_guid, comment = m.groups()
            comment = comment or ""
            rate = _RATE.search(comment)
            lids = _LID.findall(comment)
            desc = re.search(r'"(.*)"', comment)
            entry = {"peer": guid_text(peer), "peer_port": int(peer_port),
                     "port_guid": guid_text(own_guid) if own_guid else (
                         current["guid"] if current["type"] == "switch" else None),
                     "peer_port_guid": guid_text(peer_guid) if peer_guid else None,
                     "width": int(rate.group(1)) if rate else None, "speed": rate.group(2) if rate else None,
                     "lid": None, "peer_lid": int(lids[-1]) if lids else None,
                     "peer_desc": desc.group(1) if desc else ""}
            if current["type"] != "switch":
                lm = re.match(r'\s*lid (\d+) lmc (\d+)', comment)
                if lm:
                    entry["lid"] = int(lm.group(1))
                    if current["lid"] is None:
                        current["lid"] = entry["lid"]
            current["ports"][int(port)] = entry
            continue
        if line.startswith(("[", "Switch", "Ca", "Rt")):
            problems.append("line %d: cannot read: %s" % (number, line))
    if problems:
        raise InfinibandError(["ibnetdiscover output: " + p for p in problems[:20]])
    # Port GUIDs of HCA ports, seen from the switch side when the HCA line lacks them.
    for node in nodes.values():
        for port in node["ports"].values():
            far = nodes.get(port["peer"])
            if far is None or port["peer_port_guid"] is None:
                continue
            far_port = far["ports"].get(port["peer_port"])
            if far_port is not None and far_port["port_guid"] is None:
                far_port["port_guid"] = port["peer_port_guid"]
    return nodes


_INITIATOR = re.compile(r'^#\s*Initiated from node ([0-9a-fA-F]+) port ([0-9a-fA-F]+)', re.M)


def initiator(text):
    """(node GUID, port GUID) ibnetdiscover ran from (its header), or (None, None)."""
    m = _INITIATOR.search(text or "")
    if not m:
        return None, None
    return guid_text(m.group(1)), guid_text(m.group(2))


_IBSWITCHES = re.compile(r'^Switch\s*:\s*(0x[0-9a-fA-F]+)\s+ports\s+(\d+)\s+"(.*)"\s+(?:base|enhanced) port 0 lid (\d+)')


def parse_ibswitches(text):
    """Parse ``ibswitches`` output into ``[{"guid", "ports", "desc", "lid"}]``."""
    out = []
    for line in (text or "").splitlines():
        m = _IBSWITCHES.match(line.strip())
        if m:
            out.append({"guid": guid_text(m.group(1)), "ports": int(m.group(2)), "desc": m.group(3),
                        "lid": int(m.group(4))})
    return out


_ENGINE_OK = re.compile(r'(\S+) tables configured on all switches')
_ENGINE_FAIL = re.compile(r'(?:ucast_mgr_route: )?(\S+): cannot build (?:lid matrices|fwd tables)')
_STATE = re.compile(r'Entering (DISCOVERING|MASTER|STANDBY|NOT-ACTIVE|INACTIVE) state')


def parse_opensm_log(text):
    """What an OpenSM log says about the last start of the SM.

    Returns ``{"state", "subnet_up", "engine", "failed_engines", "errors"}``: ``state``
    is the last state entered (MASTER, STANDBY, ...), ``subnet_up`` whether ``SUBNET UP`` was
    logged after the SM last entered DISCOVERING, ``engine`` the routing engine whose tables were
    configured last, ``failed_engines`` the engines that could not route before it (OpenSM then
    falls back to the next one, finally to minhop) and ``errors`` the ERR lines of that run.
    """
    state = None
    subnet_up = False
    engine = None
    failed = []
    errors = []
    for line in (text or "").splitlines():
        if " -> OpenSM " in line:
            state, subnet_up, engine, failed, errors = None, False, None, [], []
        m = _STATE.search(line)
        if m:
            state = m.group(1)
            if state == "DISCOVERING":
                subnet_up = False
            continue
        if "SUBNET UP" in line:
            subnet_up = True
            continue
        m = _ENGINE_FAIL.search(line)
        if m:
            failed.append(m.group(1))
        m = _ENGINE_OK.search(line)
        if m:
            engine = m.group(1)
            continue
        if " ERR " in line:
            errors.append(line.strip())
    return {"state": state, "subnet_up": subnet_up, "engine": engine, "failed_engines": failed,
            "errors": errors}
