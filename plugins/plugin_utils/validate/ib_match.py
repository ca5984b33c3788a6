# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""InfiniBand, step 2 of the checks: which discovered GUID is which plan device.

The fabric knows its nodes by GUID, the plan by name, and neither the SM's files nor a useful
finding can be written until one is mapped to the other. HCAs name themselves in their node
description (``<host> <device>``, as Linux's rdma-ndd sets it); switches are found by walking the
cables from identified HCAs (and then from identified switches), each discovered neighbour voting
for the device the plan puts at the far end of that cable. GUIDs the operator gives are taken as
they are; a given GUID that the fabric does not hold, or whose cabling says it is another switch,
is an error. The subnet manager's configuration (``render.subnet_manager``) and the checks
(``ib_checks``) both start from the :class:`Match` made here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import guid_text, natural_key
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.finding import finding


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
    """Identify the discovered nodes of ``topo`` (see ``ib_parsers.parse_ibnetdiscover``) as plan entities.

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
            match.problems.append(finding(
                "error", "identity", str(key),
                "GUID given for %r, which fabric %s of the plan has no switch or HCA port of that name" % (key, view.name),
                fix="name a switch (e.g. %s) or an HCA port as '<host> <port>'" % (
                    sorted(view.switches, key=natural_key) or ["leaf-1"])[0]))
            continue
        try:
            guid = guid_text(value)
        except InfinibandError as exc:
            match.problems.append(finding("error", "identity", view.label(entity), str(exc), fix="correct the GUID"))
            continue
        guid = port_owner.get(guid, guid)
        if topo and guid not in topo:
            match.problems.append(finding(
                "error", "identity", view.label(entity),
                "GUID %s given for %s was not found in the fabric" % (guid, view.label(entity)),
                fix="check the GUID (ibstat / ibswitches on the SM host) and that the device is cabled and powered"))
            continue
        if guid in match.names or entity in match.guids:
            match.problems.append(finding(
                "error", "identity", view.label(entity), "GUID %s is given twice (for %s and %s)" % (
                    guid, view.label(match.names.get(guid, entity)), view.label(entity)),
                fix="give each device its own GUID"))
            continue
        if topo and not _compatible(topo[guid], entity):
            match.problems.append(finding(
                "error", "identity", view.label(entity),
                "GUID %s given for %s is a %s in the fabric" % (guid, view.label(entity), topo[guid]["type"]),
                fix="give switch node GUIDs for switches and HCA GUIDs for HCA ports"))
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
                    "warning", "identity", entity[0], "HCA %s describes itself as %s, which was given GUID %s" % (
                        ", ".join(found), view.label(entity), match.guids[entity]),
                    port=entity[1],
                    fix="check the GUID given for %s or the node description of %s" % (view.label(entity), found[0])))
            continue
        if len(found) > 1:
            match.notes.append(finding(
                "warning", "identity", entity[0], "%d HCAs (%s) describe themselves as %s" % (
                    len(found), ", ".join(found), view.label(entity)),
                port=entity[1], fix="set each host's name (rdma-ndd writes '<hostname> <device>')"))
            continue
        match.assign(found[0], entity, "description")
    if not match.names and topo:
        match.problems.append(finding(
            "error", "identity", None,
            "no discovered node could be matched to fabric %s of the plan: no HCA node description names a planned "
            "host port ('<host> <device>') and no GUIDs were given" % view.name,
            fix="start rdma-ndd on the hosts (or set their node descriptions), or give the GUIDs of the switches"))
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
                match.problems.append(finding("error", "identity", view.label(entity), message,
                                              fix="correct the GUID given for %s (or for %s)" % (
                                                  view.label(entity), view.label(best))))
            else:
                match.notes.append(finding("warning", "identity", view.label(entity), message,
                                           fix="check the cabling of %s" % view.label(entity)))
        desc_name = _switch_from_description(view, topo[guid]["desc"]) if guid in topo else None
        if desc_name is not None and desc_name != entity:
            match.notes.append(finding("warning", "identity", view.label(entity),
                                       "switch %s describes itself as %s, but is %s by %s" % (
                                           guid, view.label(desc_name), view.label(entity), match.source[guid]),
                                       fix="rename the switch or check its cabling"))
    return match
