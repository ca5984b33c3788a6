# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""InfiniBand: the plan's fabric against what ``ibnetdiscover`` finds, and the subnet manager's data.

Everything here is plain Python on plan dicts (``Plan.to_dict()`` or ``plan.json``), so the
action plugins, the fabric twin and the tests share it:

* parsers: ``ibnetdiscover``, ``ibswitches`` and the OpenSM log;
* :func:`match_fabric`: which discovered GUID is which plan device. HCAs name themselves in their
  node description (``<host> <device>``, as Linux's rdma-ndd sets it); switches are found by
  walking the cables from identified HCAs (and then from identified switches), each discovered
  neighbour voting for the device the plan puts at the far end of that cable. GUIDs the operator
  gives are taken as they are; a given GUID that the fabric does not hold, or whose cabling says
  it is another switch, is an error;
* :func:`sm_config`: the decisions the subnet manager's files are rendered from (routing engine,
  root GUIDs, node-name map, partitions), as data; the role's templates only format them;
* :func:`check_fabric`: findings (``severity``, ``device``, ``port``, ``message``, ``fix``) for
  missing, miswired and extra cables, link width and speed against the plan, the routing engine
  OpenSM really used and whether the subnet is up.

Numbers: per-lane rates of the InfiniBand generations (SDR 2.5, DDR 5, QDR 10, FDR 14, EDR 25,
HDR 50, NDR 100, XDR 200 Gb/s) as ibnetdiscover names them. Routing: ``ftree`` for a pure fat
tree, ``updn`` otherwise; NVIDIA's SM (MLNX OpenSM, UFM) routes with ``ar_updn`` when adaptive
routing is on (NVIDIA "InfiniBand Cluster Bring-up Procedure", Adaptive Routing).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SEVERITIES, SWITCH_ROLES  # noqa: F401

from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import (  # noqa: F401 (the fabric view's names, used here and re-read by callers)
    SPEEDS, SPEED_RANK, FabricView, guid_text, natural_key, plan_dict)
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError  # noqa: F401 (raised here, caught by callers)

SM_FLAVORS = ("opensm", "mlnx")
DEFAULT_PKEY = 0x7FFF



def finding(severity, device, port, message, fix, check):
    """One finding, the form every check of the collection reports."""
    return {"severity": severity, "device": device, "port": port, "message": message, "fix": fix,
            "check": check}


def load_plan(plan_file=None, design=None):
    """The plan dict from ``plan_file`` (``plan.json``) or by planning ``design`` (controller only:
    the planner reads the collection's catalog). Raises InfinibandError."""
    if plan_file:
        path = os.path.abspath(os.path.expanduser(str(plan_file)))
        try:
            with open(path, "r", encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError) as exc:
            raise InfinibandError("cannot read the plan %s: %s" % (path, exc))
    if design:
        from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
        from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
        try:
            return plan_design(os.path.abspath(os.path.expanduser(str(design)))).to_dict()
        except DesignError as exc:
            raise InfinibandError(str(exc))
    raise InfinibandError("give the plan (path of plan.json) or the design file")


def finding_lines(findings, limit=30):
    """Findings as one line each: ``device port: message (fix: ...)``."""
    lines = []
    for f in findings[:limit]:
        where = (f.get("device") or "fabric") + (" " + f["port"] if f.get("port") else "")
        lines.append("%s: %s (fix: %s)" % (where, f["message"], f["fix"]))
    if len(findings) > limit:
        lines.append("... and %d more" % (len(findings) - limit))
    return lines


# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Matching discovered GUIDs to plan devices
# --------------------------------------------------------------------------------------------


class Match(object):
    """Identities found: ``names`` maps GUID -> entity, ``guids`` entity -> GUID."""

    def __init__(self, view, topo):
        self.view = view
        self.topo = topo
        self.names = {}
        self.guids = {}
        self.source = {}
        self.problems = []      # findings of severity error: the identities cannot be trusted
        self.notes = []         # findings of severity warning

    def assign(self, guid, entity, source):
        self.names[guid] = entity
        self.guids[entity] = guid
        self.source[guid] = source

    def label(self, guid):
        """Plan name of a discovered node, else its GUID and description."""
        entity = self.names.get(guid)
        if entity is not None:
            return self.view.label(entity)
        node = self.topo.get(guid)
        desc = node["desc"] if node else ""
        return '%s "%s"' % (guid, desc) if desc else guid

    def endpoint(self, guid, number):
        """(device, port) of a discovered port in plan names (GUID and port number when unknown)."""
        entity = self.names.get(guid)
        if entity is not None:
            return self.view.endpoint(entity, number)
        return (self.label(guid), "port %d" % number)

    def port_guid(self, entity):
        """Port GUID of an HCA entity (what partitions name), from the topology or as given."""
        guid = self.guids.get(entity)
        if guid is None:
            return None
        node = self.topo.get(guid)
        if node is not None and 1 in node["ports"] and node["ports"][1]["port_guid"]:
            return node["ports"][1]["port_guid"]
        return guid


def _compatible(node, entity):
    is_switch = entity[1] is None
    return (node["type"] == "switch") == is_switch


def _parse_guid_key(view, key):
    """``leaf-1`` -> ("leaf-1", None); ``node-1 rail0`` / ``node-1:rail0`` -> ("node-1", "rail0")."""
    key = str(key).strip()
    if key in view.switches:
        return (key, None)
    for sep in (" ", ":", "/"):
        if sep in key:
            device, port = key.split(sep, 1)
            device, port = device.strip(), port.strip()
            if (device, port) in view.hcas:
                return (device, port)
            for hca in view.hosts_by_name.get(device, ()):
                if hca["rdma_device"] == port:
                    return (device, hca["port"])
    return None


def _hca_from_description(view, desc):
    """The HCA entity a node description names (``host device``, host possibly with a domain)."""
    parts = (desc or "").split()
    if len(parts) < 2:
        return None
    host = parts[0].split(".")[0] if parts[0] not in view.hosts_by_name else parts[0]
    device = parts[1]
    for hca in view.hosts_by_name.get(host, ()):
        if device in (hca["port"], hca["rdma_device"]):
            return (host, hca["port"])
    return None


def _switch_from_description(view, desc):
    """A plan switch named in a switch's node description (MLNX-OS: ``MF0;<hostname>:<model>/U1``)."""
    for token in re.split(r"[\s;:/,]+", desc or ""):
        if token in view.switches:
            return (token, None)
    return None


def match_fabric(view, topo, guids=None):
    """Identify the discovered nodes of ``topo`` (see :func:`parse_ibnetdiscover`) as plan entities.

    ``guids`` maps plan names to GUIDs the operator knows: a switch name to its node GUID, an HCA
    port (``"node-1 rail0"`` or ``"node-1 mlx5_0"``) to its node or port GUID. Returns a Match;
    its ``problems`` list the errors that make the identities unusable.
    """
    match = Match(view, topo)
    port_owner = {}
    for node in topo.values():
        for port in node["ports"].values():
            if port["port_guid"]:
                port_owner[port["port_guid"]] = node["guid"]
    # 1. GUIDs from the operator.
    for key, value in sorted((guids or {}).items(), key=lambda kv: natural_key(kv[0])):
        entity = _parse_guid_key(view, key)
        if entity is None:
            match.problems.append(finding("error", str(key), None, "GUID given for %r, which fabric %s of the plan "
                                          "has no switch or HCA port of that name" % (key, view.name),
                                          "name a switch (e.g. %s) or an HCA port as '<host> <port>'" % (
                                              sorted(view.switches, key=natural_key) or ["leaf-1"])[0], "identity"))
            continue
        try:
            guid = guid_text(value)
        except InfinibandError as exc:
            match.problems.append(finding("error", view.label(entity), None, str(exc), "correct the GUID",
                                          "identity"))
            continue
        guid = port_owner.get(guid, guid)
        if topo and guid not in topo:
            match.problems.append(finding("error", view.label(entity), None, "GUID %s given for %s was not found "
                                          "in the fabric" % (guid, view.label(entity)),
                                          "check the GUID (ibstat / ibswitches on the SM host) and that the "
                                          "device is cabled and powered", "identity"))
            continue
        if guid in match.names or entity in match.guids:
            match.problems.append(finding("error", view.label(entity), None, "GUID %s is given twice (for %s and %s)" % (
                guid, view.label(match.names.get(guid, entity)), view.label(entity)),
                "give each device its own GUID", "identity"))
            continue
        if topo and not _compatible(topo[guid], entity):
            match.problems.append(finding("error", view.label(entity), None, "GUID %s given for %s is a %s in the "
                                          "fabric" % (guid, view.label(entity), topo[guid]["type"]),
                                          "give switch node GUIDs for switches and HCA GUIDs for HCA ports",
                                          "identity"))
            continue
        match.assign(guid, entity, "operator")
    # 2. HCAs that name themselves.
    claims = defaultdict(list)
    for guid, node in sorted(topo.items()):
        if guid in match.names or node["type"] != "ca":
            continue
        entity = _hca_from_description(view, node["desc"])
        if entity is not None:
            claims[entity].append(guid)
    for entity, found in sorted(claims.items(), key=lambda kv: natural_key(view.label(kv[0]))):
        if entity in match.guids:
            if found != [match.guids[entity]]:
                match.notes.append(finding(
                    "warning", entity[0], entity[1], "HCA %s describes itself as %s, which was given GUID %s" % (
                        ", ".join(found), view.label(entity), match.guids[entity]),
                    "check the GUID given for %s or the node description of %s" % (view.label(entity), found[0]),
                    "identity"))
            continue
        if len(found) > 1:
            match.notes.append(finding("warning", entity[0], entity[1], "%d HCAs (%s) describe themselves as %s" % (
                len(found), ", ".join(found), view.label(entity)),
                "set each host's name (rdma-ndd writes '<hostname> <device>')", "identity"))
            continue
        match.assign(found[0], entity, "description")
    if not match.names and topo:
        match.problems.append(finding("error", None, None, "no discovered node could be matched to fabric %s of the "
                                      "plan: no HCA node description names a planned host port ('<host> <device>') "
                                      "and no GUIDs were given" % view.name,
                                      "start rdma-ndd on the hosts (or set their node descriptions), or give the "
                                      "GUIDs of the switches", "identity"))
        return match
    # 3. Walk the cables: each identified neighbour votes for what the plan puts at its far end.
    while True:
        votes = defaultdict(Counter)
        for guid, entity in match.names.items():
            node = topo.get(guid)
            if node is None:
                continue
            for number, port in node["ports"].items():
                far = port["peer"]
                if far in match.names or far not in topo:
                    continue
                expected = view.expected_neighbour(entity, number)
                if expected is None:
                    continue
                far_entity, far_number = expected
                if far_entity in match.guids or not _compatible(topo[far], far_entity):
                    continue
                votes[far][far_entity] += 1.0 + (0.001 if port["peer_port"] == far_number else 0.0)
        for far in votes:
            hint = _switch_from_description(view, topo[far]["desc"]) if topo[far]["type"] == "switch" else None
            if hint is not None and hint in votes[far]:
                votes[far][hint] += 0.5
        ranked = sorted(((score, far, entity) for far, counter in votes.items() for entity, score in counter.items()),
                        key=lambda item: (-item[0], natural_key(view.label(item[2])), item[1]))
        added = 0
        for _score, far, entity in ranked:
            if far in match.names or entity in match.guids:
                continue
            match.assign(far, entity, "cabling")
            added += 1
        if not added:
            break
    # 4. GUIDs given for switches against what their cabling says.
    for guid, entity in sorted(match.names.items()):
        if entity[1] is not None:
            continue
        tally = Counter()
        for number, port in topo.get(guid, {"ports": {}})["ports"].items():
            far = match.names.get(port["peer"])
            if far is None:
                continue
            expected = view.expected_neighbour(far, port["peer_port"])
            if expected is not None and expected[0][1] is None:
                tally[expected[0]] += 1
        if not tally:
            continue
        best, count = tally.most_common(1)[0]
        total = sum(tally.values())
        if best != entity and count * 2 > total:
            message = "%s is %s by %s, but %d of its %d identified cables say it is %s" % (
                guid, view.label(entity), "the GUIDs given" if match.source[guid] == "operator" else
                match.source[guid], count, total, view.label(best))
            if match.source[guid] == "operator":
                match.problems.append(finding("error", view.label(entity), None, message,
                                              "correct the GUID given for %s (or for %s)" % (
                                                  view.label(entity), view.label(best)), "identity"))
            else:
                match.notes.append(finding("warning", view.label(entity), None, message,
                                           "check the cabling of %s" % view.label(entity), "identity"))
        desc_name = _switch_from_description(view, topo[guid]["desc"]) if guid in topo else None
        if desc_name is not None and desc_name != entity:
            match.notes.append(finding("warning", view.label(entity), None,
                                       "switch %s describes itself as %s, but is %s by %s" % (
                                           guid, view.label(desc_name), view.label(entity), match.source[guid]),
                                       "rename the switch or check its cabling", "identity"))
    return match


# --------------------------------------------------------------------------------------------
# Subnet manager configuration, as data
# --------------------------------------------------------------------------------------------


def fat_tree(view):
    """(True, why) when the fabric is a pure fat tree that ``ftree`` can route, else (False, why).

    Pure: two or three tiers, every HCA on a leaf, no links between switches of one tier, and
    every leaf joined to every spine of its pod (every spine to every core of its group) by the
    same number of cables.
    """
    tiers = view.tiers()
    if tiers < 2:
        return False, "a single switch tier is not a fat tree"
    level = {"leaf": 0, "spine": 1, "core": 2}
    ups = defaultdict(Counter)
    for a, b, link in view.links:
        da, db = a[0], b[0]
        sa, sb = da in view.switches, db in view.switches
        if not sa and not sb:
            return False, "link %s - %s joins two hosts" % (view.label(a), view.label(b))
        if sa != sb:
            switch = da if sa else db
            if view.switches[switch]["role"] != "leaf":
                return False, "%s attaches to %s, not to a leaf" % (db if sa else da, switch)
            continue
        la, lb = level[view.switches[da]["role"]], level[view.switches[db]["role"]]
        if abs(la - lb) != 1:
            return False, "%s and %s are cabled within one tier" % (da, db)
        low, high = (da, db) if la < lb else (db, da)
        ups[low][high] += 1
    for role, above in (("leaf", "spine"), ("spine", "core")):
        if role == "spine" and tiers < 3:
            break
        groups = defaultdict(list)
        for name, sw in view.switches.items():
            if sw["role"] == above:
                groups[sw["pod"] if role == "leaf" else None].append(name)
        counts = set()
        for name, sw in view.switches.items():
            if sw["role"] != role:
                continue
            reach = ups.get(name, Counter())
            if role == "leaf":
                targets = groups.get(sw["pod"], []) or [n for n in view.switches if view.switches[n]["role"] == above]
            else:
                targets = list(reach)
            if not reach or set(reach) != set(targets) and role == "leaf":
                return False, "%s does not reach every %s of its pod" % (name, above)
            counts.update(reach.values())
        if len(counts) > 1:
            return False, "%s-%s cable counts differ (%s)" % (role, above, sorted(counts))
    return True, "a %d-tier fat tree, every leaf on every spine of its pod by %s cable(s)" % (
        tiers, view.summary.get("links_per_leaf_spine") or 1)


def routing_choice(view, flavor="opensm", adaptive_routing=True):
    """The routing engine(s) for the SM.

    ``flavor`` is ``opensm`` (upstream OpenSM, as Debian and RHEL ship it: no adaptive routing)
    or ``mlnx`` (NVIDIA's OpenSM in MLNX_OFED/DOCA and UFM, which has the ``ar_*`` engines).
    Pure fat tree: ``ftree`` (``updn`` as its fallback); otherwise ``updn``; with ``mlnx`` and
    adaptive routing, ``ar_updn`` (NVIDIA's default, "relevant for a fat tree topology").
    """
    if flavor not in SM_FLAVORS:
        raise InfinibandError("unknown SM flavor %r; known: %s" % (flavor, ", ".join(SM_FLAVORS)))
    pure, why = fat_tree(view)
    if flavor == "mlnx" and adaptive_routing:
        engines = ["ar_updn"]
        reason = "adaptive routing on NVIDIA's SM (ar_updn); " + why
    elif pure:
        engines = ["ftree", "updn"]
        reason = "pure fat tree (ftree, updn as fallback): " + why
    else:
        engines = ["updn"]
        reason = "not a pure fat tree (updn): " + why
    return {"engine": engines[0], "engines": engines, "fat_tree": pure, "reason": reason,
            "adaptive_routing": engines[0].startswith("ar_"), "flavor": flavor}


def _pkey(value, tenant):
    try:
        number = int(str(value), 0) if not isinstance(value, int) else value
    except ValueError:
        raise InfinibandError("tenant %s: pkey %r is not a number" % (tenant, value))
    number &= 0x7FFF
    if number in (0, DEFAULT_PKEY):
        raise InfinibandError("tenant %s: pkey 0x%04x is reserved (0x0000 invalid, 0x7fff the default "
                              "partition); choose 0x0001-0x7ffe" % (tenant, number))
    return number


def partitions(view, match):
    """Partitions: the default one, then one per tenant of the design with an HCA of its nodes.

    Without tenants every port is a full member of the default partition (``ALL=full``). With
    tenants, a tenant's HCA ports are full members of the tenant's partition and limited members
    of the default one (enough to reach the SM and SA, not each other), while switches, the SM
    and the HCA ports of the other hosts stay full members of the default partition.
    """
    problems = []
    tenants = []
    seen = {}
    for tenant in view.tenants:
        name = tenant["name"]
        if tenant.get("pkey") is None:
            problems.append(finding("error", None, None, "tenant %s has no pkey" % name,
                                    "give tenants[].pkey in the design: InfiniBand keeps tenants apart by "
                                    "partition key", "partitions"))
            continue
        try:
            pkey = _pkey(tenant["pkey"], name)
        except InfinibandError as exc:
            problems.append(finding("error", None, None, str(exc), "change tenants[].pkey", "partitions"))
            continue
        if pkey in seen:
            problems.append(finding("error", None, None, "tenants %s and %s share pkey 0x%04x" % (
                seen[pkey], name, pkey), "give each tenant its own pkey", "partitions"))
            continue
        seen[pkey] = name
        tenants.append((name, pkey))
    tenant_of = {}
    for entity, hca in view.hcas.items():
        if hca["tenant"]:
            tenant_of[entity] = hca["tenant"]
    members = defaultdict(list)
    rest = []
    for entity in sorted(view.hcas, key=lambda e: natural_key(view.label(e))):
        guid = match.port_guid(entity)
        if guid is None:
            if entity in tenant_of:
                problems.append(finding("warning", entity[0], entity[1], "%s of tenant %s was not found in the "
                                        "fabric, so it is in no partition" % (view.label(entity), tenant_of[entity]),
                                        "cable and power it, then run the role again", "partitions"))
            continue
        if entity in tenant_of:
            members[tenant_of[entity]].append({"guid": guid, "name": view.label(entity), "membership": "full"})
        else:
            rest.append({"guid": guid, "name": view.label(entity), "membership": "full"})
    out = []
    if not tenants:
        out.append(_partition("Default", DEFAULT_PKEY, [("ALL", "full")], []))
        return out, problems
    out.append(_partition("Default", DEFAULT_PKEY, [("ALL", "limited"), ("ALL_SWITCHES", "full"), ("SELF", "full")],
                          rest))
    for name, pkey in tenants:
        out.append(_partition(name, pkey, [], members.get(name, [])))
    return out, problems


def _partition(name, pkey, keywords, members):
    """One partition: ``entries`` (keywords, then HCA ports) is what partitions.conf lists."""
    entries = [{"id": keyword, "membership": membership, "name": ""} for keyword, membership in keywords]
    entries += [{"id": m["guid"], "membership": m["membership"], "name": m["name"]} for m in members]
    return {"name": name, "pkey": "0x%04x" % pkey, "ipoib": True, "entries": entries, "members": members}


def node_name_map(view, match):
    """``[{"guid", "name"}]`` for every identified node: switches by plan name, HCAs as ``host port``."""
    rows = [{"guid": guid, "name": view.label(entity)} for guid, entity in match.names.items()]
    return sorted(rows, key=lambda r: natural_key(r["name"]))


def root_switches(view, match):
    """(rows, problems): the top-tier switches with their GUIDs, for ``root_guid_file``."""
    rows, problems = [], []
    names = list(view.summary.get("root_switches") or [])
    if not names:
        top = max((s["role"] for s in view.switches.values()), key=SWITCH_ROLES.index, default=None)
        names = [n for n, s in view.switches.items() if s["role"] == top]
    for name in sorted(names, key=natural_key):
        guid = match.guids.get((name, None))
        if guid is None:
            problems.append(finding("error", name, None, "root switch %s was not identified in the fabric" % name,
                                    "cable and power %s, or give its GUID (ib_fabric_guids)" % name, "identity"))
            continue
        rows.append({"guid": guid, "name": name})
    return rows, problems


def sm_config(view, match, flavor="opensm", adaptive_routing=True):
    """Everything the SM's files are rendered from, and the problems that stop the rendering."""
    routing = routing_choice(view, flavor, adaptive_routing)
    roots, root_problems = root_switches(view, match)
    parts, part_problems = partitions(view, match)
    problems = list(match.problems) + root_problems + [p for p in part_problems if p["severity"] == "error"]
    warnings = list(match.notes) + [p for p in part_problems if p["severity"] != "error"]
    return {
        "plan": view.plan_name, "fabric": view.name, "routing": routing, "root_guids": roots,
        "node_name_map": node_name_map(view, match), "partitions": parts,
        "identified": {"switches": sum(1 for e in match.guids if e[1] is None), "hcas": sum(
            1 for e in match.guids if e[1] is not None), "planned_switches": len(view.switches),
            "planned_hcas": len(view.hcas), "discovered_nodes": len(match.topo)},
    }, problems, warnings


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _end_text(end):
    return "%s %s" % end


def _cable_text(a, b):
    return "%s - %s" % (_end_text(a), _end_text(b))


def discovered_cables(match):
    """{frozenset of two endpoints: (guid, port, guid, port)} of every discovered cable, in plan names."""
    cables = {}
    for guid, node in match.topo.items():
        for number, port in node["ports"].items():
            a = match.endpoint(guid, number)
            b = match.endpoint(port["peer"], port["peer_port"])
            key = frozenset((a, b))
            if key not in cables:
                cables[key] = (guid, number, port["peer"], port["peer_port"])
    return cables


def check_cabling(view, match, speed_cap=None):
    """Findings for missing, miswired and extra cables and for links below the plan's rate."""
    findings = []
    planned = {}
    for a, b, link in view.links:
        planned[frozenset((a, b))] = (a, b, link)
    found = discovered_cables(match)
    seen_ends = set()
    for key in found:
        seen_ends.update(key)
    explained = set()
    extra = [k for k in found if k not in planned]

    def switch_first(end):
        return (0 if end[0] in view.switches else 1, natural_key(_end_text(end)))

    for key in sorted(extra, key=lambda k: sorted(natural_key(_end_text(e)) for e in k)):
        ends = sorted(key, key=switch_first)
        a, b = ends[0], ends[-1]
        expected = []
        for end in (a, b):
            if end in view.peer:
                far, link = view.peer[end]
                expected.append("%s to %s" % (_end_text(end), _end_text(far)))
                explained.add(frozenset((end, far)))
            else:
                expected.append("nothing at %s" % _end_text(end))
        if all(end not in view.peer for end in (a, b)):
            message = "cable %s is not in the plan" % _cable_text(a, b)
            fix = "remove the cable, or add the device to the design and plan again"
            severity = "warning"
        else:
            message = "%s is cabled to %s; the plan cables %s" % (_end_text(a), _end_text(b), " and ".join(expected))
            fix = "re-cable as planned: %s" % "; ".join(
                _cable_text(end, view.peer[end][0]) for end in (a, b) if end in view.peer)
            severity = "error"
        findings.append(finding(severity, a[0], a[1], message, fix, "cabling"))
    missing = [k for k in planned if k not in found and k not in explained]
    missing_devices = set()
    for name in view.switches:
        if (name, None) not in match.guids:
            missing_devices.add(name)
    by_device = defaultdict(list)
    for key in missing:
        a, b, link = planned[key]
        a, b = sorted((a, b), key=switch_first)
        gone = [end[0] for end in (a, b) if end[0] in missing_devices]
        if gone:
            by_device[gone[0]].append((a, b, link))
            continue
        reasons = []
        for end in (a, b):
            entity = view.entity_of(end)
            if entity not in match.guids:
                reasons.append("%s was not found in the fabric" % view.label(entity))
            elif end not in seen_ends:
                reasons.append("%s has no link" % _end_text(end))
        findings.append(finding("error", a[0], a[1], "missing cable %s (%s): %s" % (
            _cable_text(a, b), link.get("id"), "; ".join(reasons) or "no link"),
            "connect %s to %s (%s, %s m)" % (_end_text(a), _end_text(b), link.get("cable"), link.get("length_m")),
            "cabling"))
    for device, links in sorted(by_device.items(), key=lambda kv: natural_key(kv[0])):
        names = ", ".join(_cable_text(a, b) for a, b, _l in sorted(links, key=lambda x: natural_key(_end_text(x[0])))[:4])
        more = " and %d more" % (len(links) - 4) if len(links) > 4 else ""
        findings.append(finding("error", device, None, "switch %s was not found in the fabric: %d planned "
                                "cable(s) missing (%s%s)" % (device, len(links), names, more),
                                "power %s and check its cables, or give its GUID" % device, "cabling"))
    # Rates of the cables that are where the plan wants them.
    cap = SPEED_RANK.get(speed_cap) if speed_cap else None
    for key, (guid, number, _far, _far_number) in sorted(found.items(), key=lambda kv: sorted(
            natural_key(_end_text(e)) for e in kv[0])):
        if key not in planned:
            continue
        a, b, link = planned[key]
        width, speed, gbps = view.expected_rate(link)
        if cap is not None and SPEED_RANK[speed] > cap:
            speed = speed_cap
        port = match.topo[guid]["ports"][number]
        if port["width"] is None or port["speed"] is None:
            continue
        problems = []
        if port["width"] < width:
            problems.append("width %dX, planned %dX" % (port["width"], width))
        if SPEED_RANK.get(port["speed"], -1) < SPEED_RANK[speed]:
            problems.append("speed %s, planned %s" % (port["speed"], speed))
        if problems:
            ends = sorted((a, b), key=switch_first)
            findings.append(finding("warning", ends[0][0], ends[0][1], "link %s runs at %dx%s: %s (%g Gb/s planned)" % (
                _cable_text(ends[0], ends[1]), port["width"], port["speed"], ", ".join(problems), gbps),
                "reseat or replace the cable (%s) and check both ports' configured width and speed" % (
                    link.get("cable") or "as planned"), "link"))
    return findings


def check_subnet(view, match, log=None, expected_engine=None, role="primary"):
    """Findings about the SM: subnet up, routing engine really used, LIDs given, log errors."""
    findings = []
    if log is not None:
        info = parse_opensm_log(log) if isinstance(log, str) else log
        if role == "standby":
            if info["state"] != "STANDBY":
                findings.append(finding("error", None, None, "the standby SM is in state %s, not STANDBY" % (
                    info["state"] or "unknown"), "give the standby SM a lower sm_priority than the primary "
                    "and check that the primary is MASTER", "subnet"))
        else:
            if info["state"] != "MASTER":
                findings.append(finding("error", None, None, "the SM is in state %s, not MASTER" % (
                    info["state"] or "unknown"), "check the SM priorities (the primary needs the highest) "
                    "and that OpenSM runs", "subnet"))
            if not info["subnet_up"]:
                findings.append(finding("error", None, None, "OpenSM has not logged SUBNET UP since it last "
                                        "started discovering", "read the OpenSM log for the sweep errors",
                                        "subnet"))
            if expected_engine:
                if info["engine"] is None:
                    findings.append(finding("error", None, None, "OpenSM has not routed the subnet yet (no "
                                            "'tables configured' line in its log)",
                                            "wait for the first sweep to end and check again", "routing"))
                elif info["engine"] != expected_engine:
                    failed = ", ".join(sorted(set(info["failed_engines"]))) or "none logged"
                    findings.append(finding("error", None, None, "OpenSM routes with %s, not %s (failed engines: "
                                            "%s)" % (info["engine"], expected_engine, failed),
                                            "fix the cabling findings and the root GUID file so that %s can "
                                            "route, then restart OpenSM" % expected_engine, "routing"))
        for line in info["errors"][:10]:
            findings.append(finding("warning", None, None, "OpenSM logged: %s" % line,
                                    "see the OpenSM log around this line", "subnet"))
    if role != "standby":
        unset = []
        for guid, node in sorted(match.topo.items()):
            lids = [node["lid"]] if node["type"] == "switch" else [p["lid"] for p in node["ports"].values()]
            if any(lid in (None, 0) for lid in lids):
                unset.append(match.label(guid))
        if unset:
            findings.append(finding("error", None, None, "%d node(s) have no LID, so the SM has not configured "
                                    "them: %s%s" % (len(unset), ", ".join(unset[:5]),
                                                    " ..." if len(unset) > 5 else ""),
                                    "check that the SM runs and is MASTER", "subnet"))
    return findings


def check_fabric(view, topo, guids=None, log=None, expected_engine=None, speed_cap=None, role="primary"):
    """All checks: identity problems, cabling, link rates and the SM. Returns (findings, match)."""
    match = match_fabric(view, topo, guids)
    findings = list(match.problems) + list(match.notes)
    findings.extend(check_cabling(view, match, speed_cap=speed_cap))
    findings.extend(check_subnet(view, match, log=log, expected_engine=expected_engine, role=role))
    order = dict((s, i) for i, s in enumerate(SEVERITIES))
    findings.sort(key=lambda f: order.get(f["severity"], 9))
    return findings, match


def summarize(findings):
    counts = Counter(f["severity"] for f in findings)
    return dict((s, counts.get(s, 0)) for s in SEVERITIES)
