# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cabling, read from LLDP: every planned cable is where the plan puts it, and no other.

Each end's lldpd names the neighbour on each port; a neighbour given by MAC is resolved through the
addresses every host reported. Cables are compared as unordered pairs of ends, so a cable seen from
both ends counts once. Two wrong cables that exchange their ends on one device are reported as one
swap; otherwise a wrong cable is miswired (an end of it is planned elsewhere) or unexpected. A
planned cable that LLDP does not see is a symptom: it folds into a port or cabling fault at either
end, or lldpd not answering, and is reported on its own only when nothing explains it.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import ETHERNET_KINDS
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run, cable_text, end_text
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import command_json, parse_lldp
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.probes import fabric_kind


def check_cabling(run: Run) -> None:
    """LLDP neighbours against the plan's cables: swapped, miswired, unexpected and missing cables."""
    macs: dict = {}
    for dev, links in run.links.items():
        for port, lk in (links or {}).items():
            if lk.get("mac"):
                macs.setdefault(lk["mac"], []).append((dev, port))
    names = set(run.devices)
    observed = {}   # (dev, port) -> (peer dev, peer port)
    ages: dict = {}
    for dev in sorted(run.ok):
        res = run.ok[dev]
        record = res["commands"].get("lldp")
        if record is None:
            continue
        data, problem = command_json(record)
        if problem:
            run.findings.add("error", "lldp", dev, "LLDP neighbours unreadable: %s" % problem,
                             fix="install and start lldpd on %s (systemctl enable --now lldpd)" % dev,
                             keys=[("lldpd", dev)])
            run.lldp_ok[dev] = False
            continue
        run.lldp_ok[dev] = True
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
    run.observed_lldp = observed

    # Cables seen (from either end) as unordered pairs of ends.
    seen: dict = {}
    for local, remote in observed.items():
        seen.setdefault(frozenset((local, remote)), set()).add(local)
    planned = {}
    for link in run.plan.get("links") or []:
        if fabric_kind(run.plan, link.get("fabric")) not in ETHERNET_KINDS:
            run.skip("cabling", "InfiniBand fabric %s: no LLDP (check it with ibnetdiscover)" % link.get("fabric"),
                     link["a_device"])
            continue
        a, b = (link["a_device"], link["a_port"]), (link["b_device"], link["b_port"])
        if a[0] in run.checked or b[0] in run.checked:
            planned[frozenset((a, b))] = (a, b)
    wrong = [pair for pair in seen if pair not in planned and len(pair) == 2
             and any(end in run.ports for end in pair)]
    # Swaps: two wrong cables that exchange their ends on one device.
    reported = set()
    for pair in sorted(wrong, key=sorted):
        if pair in reported:
            continue
        ends = sorted(pair, key=lambda e: (run.rank(e[0]), e))
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
        exp_x = run.cables.get(x, (None, None))[0]
        exp_y = run.cables.get(y, (None, None))[0]
        expected = "%s: %s; %s: %s" % (end_text(*x), end_text(*exp_x) if exp_x else "nothing (not in the plan)",
                                       end_text(*y), end_text(*exp_y) if exp_y else "nothing (not in the plan)")
        keys = [("cabling",) + x, ("cabling",) + y]
        if exp_x:
            keys.append(("cabling",) + exp_x)
        if exp_y:
            keys.append(("cabling",) + exp_y)
        if swap:
            other, u, v = swap
            reported.add(other)
            keys += [("cabling",) + u, ("cabling",) + v]
            run.findings.add("error", "cabling", x[0], "cables swapped on %s: %s has %s, %s has %s (plan: %s has %s, %s has %s)" % (
                x[0], x[1], end_text(*y), u[1], end_text(*v), x[1], end_text(*v), u[1], end_text(*y)),
                port=x[1], peer_device=u[0], peer_port=u[1],
                expected="%s <-> %s; %s <-> %s" % (end_text(*x), end_text(*v), end_text(*u), end_text(*y)),
                observed="%s <-> %s; %s <-> %s" % (end_text(*x), end_text(*y), end_text(*u), end_text(*v)),
                fix="swap the cables in %s ports %s and %s" % (x[0], x[1], u[1]), keys=keys)
        elif exp_x or exp_y:
            run.findings.add("error", "cabling", x[0], "miswired cable %s (plan: %s)" % (cable_text(x, y), expected),
                             port=x[1], peer_device=y[0], peer_port=y[1], expected=expected,
                             observed=cable_text(x, y),
                             fix="move the cable so that %s" % "; ".join(
                                 "%s goes to %s" % (end_text(*e), end_text(*p)) for e, p in ((x, exp_x), (y, exp_y)) if p),
                             keys=keys)
        else:
            run.findings.add("warning", "cabling", x[0], "unexpected cable %s (not in the plan)" % cable_text(x, y),
                             port=x[1], peer_device=y[0], peer_port=y[1], expected="no cable", observed=cable_text(x, y),
                             fix="remove the cable between %s, or add it to the design" % cable_text(x, y), keys=keys)
        reported.add(pair)
    for pair, (a, b) in sorted(planned.items(), key=lambda kv: kv[1]):
        run.count("cables_lldp")
        if pair in seen:
            continue
        # Not seen from either end: explained by a port cause, a wrong cable at one end, lldpd down,
        # or ends that were not read.
        readers = [e for e in (a, b) if run.lldp_ok.get(e[0])]
        keys = [("port",) + a, ("port",) + b, ("cabling",) + a, ("cabling",) + b,
                ("lldpd", a[0]), ("lldpd", b[0]), ("gather", a[0]), ("gather", b[0])]
        if not readers:
            if run.findings.cause(keys) is None and not any(run.lldp_ok.get(e[0]) is False for e in (a, b)):
                run.skip("cabling", "LLDP not read at either end", a[0])
            continue
        x, y = sorted((a, b), key=lambda e: (run.rank(e[0]), e))
        run.findings.symptom(keys, "LLDP: no neighbour on %s" % cable_text(x, y),
                             severity="error", check="cabling", device=x[0], port=x[1], peer_device=y[0], peer_port=y[1],
                             message="missing cable %s: LLDP sees no neighbour on %s" % (
                                 cable_text(x, y), " nor ".join(end_text(*e) for e in readers)),
                             expected=cable_text(x, y), observed="no LLDP neighbour",
                             fix="connect %s to %s (check that lldpd runs on %s)" % (end_text(*x), end_text(*y), y[0]),
                             own_keys=[("cabling",) + a, ("cabling",) + b])
