# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BGP: bgpd answers, the plan's neighbours are configured with the right ASN, and every session is up.

A bgpd that does not answer (key ``("bgpd", device)``) and a neighbour missing or with the wrong
remote AS (``("bgpcfg", device, port)``) are causes. A session not Established is a symptom,
folded into those causes or a port fault at either end; each session is judged once from both
ends. Sessions down are kept in ``run.sessions_down`` for the ECMP check.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run, cable_text, end_text, port_keys
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import command_json, parse_bgp_summary


def check_bgp_sessions(run: Run) -> None:
    """bgpd per switch, configured neighbours against the plan, then each planned session."""
    unnumbered = run.options.get("unnumbered")
    for dev in sorted(run.ok):
        d = run.devices[dev]
        if not d.get("bgp"):
            continue
        data, problem = command_json(run.ok[dev]["commands"].get("bgp"))
        if problem is None:
            try:
                run.bgp[dev] = parse_bgp_summary(data)
            except ValueError as exc:
                problem = str(exc)
        if problem is None and not run.bgp[dev] and d["bgp"].get("neighbors"):
            problem = "no BGP instance (router bgp %s) configured" % d["bgp"].get("asn")
        if problem:
            run.bgp.pop(dev, None)
            run.bgp_problem[dev] = problem
            run.findings.add("error", "bgp", dev, "bgpd does not answer: %s" % problem,
                             expected="bgpd running with router bgp %s" % d["bgp"].get("asn"), observed=problem,
                             fix="start FRR's bgpd on %s (bgpd=yes in /etc/frr/daemons; systemctl restart frr) "
                                 "and check 'vtysh -c \"show bgp summary\"'" % dev,
                             keys=[("bgpd", dev)])
    # Configured neighbours against the plan.
    sessions: dict = {}
    for dev in sorted(run.bgp):
        d = run.devices[dev]
        peers = run.bgp[dev]
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
                run.findings.add("error", "bgp", dev, "no BGP neighbour %s (%s, AS%s) configured" % (
                    key_if if unnumbered else key_addr, end_text(nbr["peer_device"], nbr.get("peer_port")),
                    nbr.get("peer_asn")), port=key_if, peer_device=nbr["peer_device"], peer_port=nbr.get("peer_port"),
                    expected="neighbor %s remote-as %s" % (key_if if unnumbered else key_addr, nbr.get("peer_asn")),
                    observed="not configured",
                    fix="configure the session on %s (refarch.ai_cluster.fabric_switch)" % dev,
                    keys=[("bgpcfg", dev, key_if)])
                sessions.setdefault(ends, []).append((dev, nbr, "not configured"))
                continue
            if nbr.get("peer_asn") is not None and entry.get("remote_as") not in (None, nbr["peer_asn"]):
                run.findings.add("error", "bgp", dev, "neighbour %s has remote-as %s, plan AS%s" % (
                    found, entry["remote_as"], nbr["peer_asn"]), port=key_if,
                    peer_device=nbr["peer_device"], peer_port=nbr.get("peer_port"),
                    expected=nbr["peer_asn"], observed=entry["remote_as"],
                    fix="set 'neighbor %s remote-as %s' on %s" % (found, nbr["peer_asn"], dev),
                    keys=[("bgpcfg", dev, key_if)])
            sessions.setdefault(ends, []).append((dev, nbr, entry.get("state")))
        for key, entry in sorted(peers.items()):
            if key not in planned_keys:
                run.findings.add("warning", "bgp", dev, "BGP neighbour %s (AS%s) is not in the plan" % (
                    key, entry.get("remote_as")), port=entry.get("interface"), expected=None,
                    observed="%s %s" % (key, entry.get("state")),
                    fix="remove 'neighbor %s' from %s, or add the link to the design" % (key, dev))
    # Sessions of the plan, each once (seen from one or both ends).
    for dev in sorted(run.devices):
        d = run.devices[dev]
        for nbr in (d.get("bgp") or {}).get("neighbors") or []:
            ends = frozenset(((dev, nbr.get("interface")), (nbr["peer_device"], nbr.get("peer_port"))))
            sessions.setdefault(ends, [])
    for ends, views in sorted(sessions.items(), key=lambda kv: sorted(kv[0])):
        a, b = sorted(ends, key=lambda e: (run.rank(e[0]), e))
        if not (a[0] in run.checked or b[0] in run.checked):
            continue
        run.count("bgp_sessions")
        states = {dev: state for dev, _n, state in views}
        down = {dev: s for dev, s in states.items() if s != "Established"}
        unknown = [e[0] for e in (a, b) if e[0] not in states]
        if not down and (not unknown or states):
            if not unknown:
                continue
            # One end answered Established; the other end's bgpd is a cause of its own.
            if all(u in run.bgp_problem or u not in run.checked for u in unknown):
                continue
        keys = ([("bgpd", a[0]), ("bgpd", b[0]), ("bgpcfg", a[0], a[1]), ("bgpcfg", b[0], b[1])]
                + port_keys(*a) + port_keys(*b))
        text = "BGP %s: %s" % (cable_text(a, b), ", ".join("%s %s" % (k, v) for k, v in sorted(down.items()))
                               or "not seen")
        item = run.findings.symptom(keys, text, severity="error", check="bgp", device=a[0], port=a[1],
                                    peer_device=b[0], peer_port=b[1],
                                    message="BGP session %s is not established (%s)" % (
                                        cable_text(a, b), ", ".join("%s: %s" % (k, v) for k, v in sorted(down.items()))),
                                    expected="Established", observed=down,
                                    fix="check 'show bgp neighbor' on %s and %s: addresses, ASNs and the link between them"
                                        % (a[0], b[0]),
                                    own_keys=[("session",) + a, ("session",) + b])
        run.sessions_down[ends] = item
