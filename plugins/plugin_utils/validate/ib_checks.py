# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""InfiniBand, step 3 of the checks: the fabric found against the fabric planned, as findings.

Once the discovered GUIDs are plan names (``ib_match``), every difference can be told in the
plan's words, with the fix: missing, miswired and extra cables with both ends named, link width
and speed against the plan (per-lane rates as ``ib_fabric.SPEEDS``), the routing engine OpenSM
really used (its log, ``ib_parsers.parse_opensm_log``) and whether the subnet is up. Findings have
the one shape of ``finding.py``, so IB and Ethernet results read, sort and count alike.
``ib_fabric_check`` and the twin's tests call :func:`check_fabric`.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SEVERITIES, SEVERITY_ORDER
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import SPEED_RANK, natural_key
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.finding import finding
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_match import match_fabric
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_parsers import parse_opensm_log


def load_plan(plan_file):
    """The deployed plan: the dict of ``plan_file`` (``plan.json``). The design is never planned
    again here, so the subnet manager gets the fabric that was deployed. Raises InfinibandError."""
    if not plan_file:
        raise InfinibandError("give the plan: the path of the deployed plan.json")
    path = os.path.abspath(os.path.expanduser(str(plan_file)))
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise InfinibandError("cannot read the plan %s: %s" % (path, exc)) from None


def finding_lines(findings, limit=30):
    """Findings as one line each: ``device port: message (fix: ...)``."""
    lines = []
    for f in findings[:limit]:
        where = (f.get("device") or "fabric") + (" " + f["port"] if f.get("port") else "")
        lines.append("%s: %s (fix: %s)" % (where, f["message"], f["fix"]))
    if len(findings) > limit:
        lines.append("... and %d more" % (len(findings) - limit))
    return lines


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
        findings.append(finding(severity, "cabling", a[0], message, port=a[1], fix=fix))
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
        findings.append(finding("error", "cabling", a[0], "missing cable %s (%s): %s" % (
            _cable_text(a, b), link.get("id"), "; ".join(reasons) or "no link"), port=a[1],
            fix="connect %s to %s (%s, %s m)" % (_end_text(a), _end_text(b), link.get("cable"), link.get("length_m"))))
    for device, links in sorted(by_device.items(), key=lambda kv: natural_key(kv[0])):
        names = ", ".join(_cable_text(a, b) for a, b, _l in sorted(links, key=lambda x: natural_key(_end_text(x[0])))[:4])
        more = " and %d more" % (len(links) - 4) if len(links) > 4 else ""
        findings.append(finding("error", "cabling", device, "switch %s was not found in the fabric: %d planned "
                                "cable(s) missing (%s%s)" % (device, len(links), names, more),
                                fix="power %s and check its cables, or give its GUID" % device))
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
            findings.append(finding("warning", "link", ends[0][0], "link %s runs at %dx%s: %s (%g Gb/s planned)" % (
                _cable_text(ends[0], ends[1]), port["width"], port["speed"], ", ".join(problems), gbps),
                port=ends[0][1], fix="reseat or replace the cable (%s) and check both ports' configured width and "
                "speed" % (link.get("cable") or "as planned")))
    return findings


def check_subnet(view, match, log=None, expected_engine=None, role="primary"):
    """Findings about the SM: subnet up, routing engine really used, LIDs given, log errors."""
    findings = []
    if log is not None:
        info = parse_opensm_log(log) if isinstance(log, str) else log
        if role == "standby":
            if info["state"] != "STANDBY":
                findings.append(finding("error", "subnet", None, "the standby SM is in state %s, not STANDBY" % (
                    info["state"] or "unknown"), fix="give the standby SM a lower sm_priority than the primary "
                    "and check that the primary is MASTER"))
        else:
            if info["state"] != "MASTER":
                findings.append(finding("error", "subnet", None, "the SM is in state %s, not MASTER" % (
                    info["state"] or "unknown"), fix="check the SM priorities (the primary needs the highest) "
                    "and that OpenSM runs"))
            if not info["subnet_up"]:
                findings.append(finding("error", "subnet", None, "OpenSM has not logged SUBNET UP since it last "
                                        "started discovering", fix="read the OpenSM log for the sweep errors"))
            if expected_engine:
                if info["engine"] is None:
                    findings.append(finding("error", "routing", None, "OpenSM has not routed the subnet yet (no "
                                            "'tables configured' line in its log)",
                                            fix="wait for the first sweep to end and check again"))
                elif info["engine"] != expected_engine:
                    failed = ", ".join(sorted(set(info["failed_engines"]))) or "none logged"
                    findings.append(finding("error", "routing", None, "OpenSM routes with %s, not %s (failed engines: "
                                            "%s)" % (info["engine"], expected_engine, failed),
                                            fix="fix the cabling findings and the root GUID file so that %s can "
                                            "route, then restart OpenSM" % expected_engine))
        for line in info["errors"][:10]:
            findings.append(finding("warning", "subnet", None, "OpenSM logged: %s" % line,
                                    fix="see the OpenSM log around this line"))
    if role != "standby":
        unset = []
        for guid, node in sorted(match.topo.items()):
            lids = [node["lid"]] if node["type"] == "switch" else [p["lid"] for p in node["ports"].values()]
            if any(lid in (None, 0) for lid in lids):
                unset.append(match.label(guid))
        if unset:
            findings.append(finding("error", "subnet", None, "%d node(s) have no LID, so the SM has not configured "
                                    "them: %s%s" % (len(unset), ", ".join(unset[:5]),
                                                    " ..." if len(unset) > 5 else ""),
                                    fix="check that the SM runs and is MASTER"))
    return findings


def check_fabric(view, topo, guids=None, log=None, expected_engine=None, speed_cap=None, role="primary"):
    """All checks: identity problems, cabling, link rates and the SM. Returns (findings, match)."""
    match = match_fabric(view, topo, guids)
    findings = list(match.problems) + list(match.notes)
    findings.extend(check_cabling(view, match, speed_cap=speed_cap))
    findings.extend(check_subnet(view, match, log=log, expected_engine=expected_engine, role=role))
    # Stable, by severity only: within one severity the findings keep the order of the checks.
    findings.sort(key=lambda f: SEVERITY_ORDER.get(f["severity"], len(SEVERITIES)))
    return findings, match
