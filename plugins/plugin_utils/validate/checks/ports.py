# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ports: presence, state and MTU of every port of the plan.

These are causes: a planned port that is missing, administratively down or without carrier breaks
everything through it (BGP, ECMP, pings, LLDP), and a port MTU other than the plan's breaks the
don't-fragment pings that cross it. A cable is judged once, from both its ends, so a cable down is
one finding and not two; the finding takes the keys ``("port", device, port)`` of both ends and
``("mtu", device, port)``, which the later checks' symptoms name.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run, cable_text, end_text


def check_links(run: Run) -> None:
    """Every planned port exists and is up with a carrier, both ends of a cable judged together."""
    done = set()
    for (dev, port), itf in sorted(run.ports.items()):
        if run.links.get(dev) is None:
            continue
        if (dev, port) in done:
            continue
        peer, link = run.cables.get((dev, port), (None, None))
        ends = [(dev, port)] + ([peer] if peer else [])
        states = {}
        for end in ends:
            links = run.links.get(end[0])
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
        run.count("cables_link" if peer else "ports_link")
        bad = {e: s for e, s in states.items() if s != "up"}
        if not bad:
            continue
        keys = [("port",) + e for e in ends]
        other = (lambda e: peer if e == (dev, port) else (dev, port)) if peer else (lambda e: None)
        where = cable_text(*ends) if peer else end_text(dev, port)
        missing = [e for e, s in bad.items() if s == "missing"]
        admin = [e for e, s in bad.items() if s == "admin_down"]
        if missing:
            at = missing[0]
            run.findings.add("error", "link", at[0], "%s: port %s does not exist (cable %s)" % (at[0], at[1], where),
                             port=at[1], peer_device=(other(at) or (None, None))[0], peer_port=(other(at) or (None, None))[1],
                             expected="port %s present" % at[1], observed="no such interface",
                             fix="check the NIC or line card of %s and the port name (plan: %s)" % (at[0], at[1]),
                             keys=keys)
        elif admin:
            at = admin[0]
            o = other(at)
            run.findings.add("error", "link", at[0], "cable %s is down: %s is administratively down" % (where, end_text(*at)),
                             port=at[1], peer_device=o[0] if o else None, peer_port=o[1] if o else None,
                             expected="up",
                             observed="admin down" + (", %s has no carrier" % end_text(*o)
                                                      if o and bad.get(o) == "no_carrier" else ""),
                             fix="bring %s up (ip link set dev %s up, or the platform's 'no shutdown') and find "
                                 "out who shut it" % (end_text(*at), at[1]), keys=keys)
        else:
            at = sorted(bad)[0]
            o = other(at)
            run.findings.add("error", "link", at[0], "cable %s has no link (%s)" % (
                where, ", ".join("%s: no carrier" % end_text(*e) for e in sorted(bad))),
                port=at[1], peer_device=o[0] if o else None, peer_port=o[1] if o else None,
                expected="carrier at both ends", observed="no carrier",
                fix="check the cable and optics between %s (reseat or replace)" % where, keys=keys)


def check_mtu(run: Run) -> None:
    """Every planned port that exists has the plan's MTU."""
    for dev, port, itf, lk in run.read_ports():
        want = itf.get("mtu")
        if want and lk["mtu"] != int(want):
            peer = run.cables.get((dev, port), ((None, None), None))[0]
            run.findings.add("error", "mtu", dev, "MTU %s, plan %s" % (lk["mtu"], want),
                             port=port, peer_device=peer[0], peer_port=peer[1], expected=int(want), observed=lk["mtu"],
                             fix="set the MTU of %s to %s (ip link set dev %s mtu %s, or the platform's 'mtu %s')"
                                 % (end_text(dev, port), want, port, want, want),
                             keys=[("mtu", dev, port)])
        run.count("port_mtus")
