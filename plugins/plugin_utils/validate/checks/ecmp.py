# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECMP: each leaf reaches every other leaf's prefixes over as many paths as the plan says.

Read from the leaf's routing table (``show ip route json``). A group narrower than the plan is a
symptom: when sessions on its paths are down (see ``bgp``), it folds into their causes; when it is
narrower than the paths still up, it is reported on its own (``maximum-paths``, multipath-relax).
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import command_json, parse_routes


def check_ecmp(run: Run) -> None:
    """ECMP width of every leaf's routes to the other leaves of its fabric (and plane)."""
    leaves = {n: d for n, d in run.devices.items() if d.get("role") == "leaf" and d.get("bgp")}
    for dev in sorted(leaves):
        if dev not in run.ok or dev not in run.bgp:
            continue
        d = leaves[dev]
        data, problem = command_json(run.ok[dev]["commands"].get("routes"))
        if problem:
            run.findings.add("error", "ecmp", dev, "routing table unreadable: %s" % problem,
                             fix="check that zebra runs on %s" % dev, keys=[("zebra", dev)])
            continue
        routes = parse_routes(data)
        want = int(d["bgp"].get("ecmp") or 1)
        uplinks = list(d["bgp"].get("neighbors") or [])
        for remote in sorted(leaves):
            r = leaves[remote]
            # Planes of one fabric share no link: a leaf reaches the leaves of its own plane only.
            if remote == dev or r.get("fabric") != d.get("fabric") or r.get("plane") != d.get("plane"):
                continue
            # Paths that should be usable now: uplink sessions of this leaf that are up, through
            # spines whose session to the remote leaf is up too (two tiers).
            available, broken = 0, []
            for nbr in uplinks:
                mine = frozenset(((dev, nbr["interface"]), (nbr["peer_device"], nbr.get("peer_port"))))
                spine = nbr["peer_device"]
                theirs = [frozenset(((remote, n["interface"]), (n["peer_device"], n.get("peer_port"))))
                          for n in r["bgp"].get("neighbors") or [] if n["peer_device"] == spine]
                bad: list = [s for s in [mine] + theirs if s in run.sessions_down]
                if ("bgpd", spine) in run.findings.by_key:
                    bad.append(("bgpd", spine))
                if bad:
                    broken.extend(bad)
                else:
                    available += 1
            for prefix in r["bgp"].get("advertise") or []:
                run.count("ecmp_routes")
                route = routes.get(prefix)
                width = len(route["nexthops"]) if route else 0
                if width >= want:
                    continue
                text = "ECMP %s -> %s %s: %d of %d paths" % (dev, remote, prefix, width, want)
                keys: list = []
                for b in broken:
                    if isinstance(b, frozenset):
                        item = run.sessions_down.get(b)
                        if item is not None:
                            keys.extend(k for k, v in run.findings.by_key.items() if v is item)
                    else:
                        keys.append(b)
                if width < available or not keys:
                    keys = []
                run.findings.symptom(keys, text, severity="error", check="ecmp", device=dev,
                                     message="%d path(s) to %s of %s, plan %d" % (width, prefix, remote, want),
                                     expected=want, observed=width,
                                     fix="check 'maximum-paths %d' and 'bgp bestpath as-path multipath-relax' on %s, and "
                                         "its sessions to every spine" % (want, dev),
                                     own_keys=[("ecmp", dev, remote)])
