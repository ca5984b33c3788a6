# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the checks of one validation run share, and how they name what they find.

Each check is a function ``check_xxx(run)`` of its own module; ``compare()`` calls them in a fixed
order on one :class:`Run`. Later checks read what earlier ones left there: ``gather`` fills
``ok``, ``checked`` and ``links``; ``cabling`` fills ``lldp_ok``; ``bgp`` fills ``bgp``,
``bgp_problem`` and ``sessions_down``, which ``ecmp`` reads. The order also decides which finding
is the cause of a symptom (see ``finding.Findings``): a cause must be reported before the symptoms
it explains, so that a fault is named once, where it is.
"""

from __future__ import annotations

from typing import Any, Iterator

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.finding import Findings
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.probes import plan_indexes


class Run(object):
    """One validation run: the plan and its indexes, what was gathered, the findings and the counters."""

    def __init__(self, plan: dict, gathered: dict, models: dict | None = None, options: dict | None = None):
        self.plan = plan
        self.devices = plan["devices"]
        self.gathered = gathered
        self.models = models or {}
        self.options = dict(options or {})
        self.findings = Findings()
        self.ports, self.cables = plan_indexes(plan)
        self.links: dict[str, Any] = {}           # device -> parsed ip links, None when unreadable
        self.stats: dict[str, int] = {}           # what was checked: {name: how many}
        self.ok: dict[str, dict] = {}              # device -> gathered result usable
        self.checked: set[str] = set()      # devices whose data was read
        self.lldp_ok: dict[str, bool] = {}         # device -> whether its LLDP neighbours could be read
        self.observed_lldp: dict[tuple, tuple] = {}   # (device, port) -> (peer device, peer port) that LLDP sees
        self.bgp: dict[str, dict] = {}             # device -> BGP peers
        self.bgp_problem: dict[str, str] = {}     # device -> why its bgpd did not answer
        self.sessions_down: dict[frozenset, dict] = {}   # frozenset(ends) -> finding
        self.skipped: dict[tuple, list] = {}         # (check, reason) -> [devices]
        self.host_expected: dict[str, Any] = {}      # GPU node -> what host_network sets on it (checks.host)

    def count(self, name: str, n: int = 1) -> None:
        """Count ``n`` more things checked under ``name`` (the report's ``checked``)."""
        self.stats[name] = self.stats.get(name, 0) + n

    def skip(self, check: str, reason: str, device: str) -> None:
        """Note that ``check`` could not run on ``device``; one info finding per (check, reason) says so."""
        self.skipped.setdefault((check, reason), []).append(device)

    def read_ports(self) -> Iterator[tuple[str, str, dict, dict]]:
        """(device, port, planned interface, what was read of it) of each planned port that was read."""
        for (dev, port), itf in sorted(self.ports.items()):
            links = self.links.get(dev)
            if links is not None and port in links:
                yield dev, port, itf, links[port]

    def rank(self, dev: str) -> int:
        """Switch ends first when naming a cable (leaf before spine before core before nodes)."""
        role = (self.devices.get(dev) or {}).get("role")
        return {"leaf": 0, "spine": 1, "core": 2}.get(str(role), 3)


def end_text(dev: Any, port: Any) -> str:
    """One end of a cable as text: ``device port``, or the device alone."""
    return "%s %s" % (dev, port) if port else dev


def cable_text(a: tuple, b: tuple) -> str:
    """A cable as text: ``device port <-> device port``."""
    return "%s <-> %s" % (end_text(*a), end_text(*b))


def port_keys(dev: str, port: Any) -> list:
    """Keys of every cause on one port that can break traffic through it."""
    return [("gather", dev), ("port", dev, port), ("cabling", dev, port), ("address", dev, port)]
