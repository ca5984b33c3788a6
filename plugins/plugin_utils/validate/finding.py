# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shape of a validation finding, for Ethernet and InfiniBand checks alike.

A finding is a plain dict (it goes into ``validation.json`` and module results as it is):
``severity`` (error, warning, info), ``check`` (which check found it), ``status``, ``device`` and
``port`` (where), ``peer_device``/``peer_port`` (the far end, for cables), ``message`` (what is
wrong), ``expected``/``observed`` (the plan's value and what was read), ``fix`` (what to do) and
``explains`` (symptoms folded into this cause) and ``plane`` (the fabric plane it is in, in a fabric
of several planes; None otherwise). One shape means one report format, one sort order
and one summary for every fabric.

:class:`Findings` collects them for one run in two layers: causes, registered under keys such as
``("port", device, port)``, and symptoms, which are folded into the first cause whose key they
name (its ``explains`` list) instead of being reported again. The order findings are added in
matters: a key belongs to the first finding that claims it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SEVERITIES, SEVERITY_ORDER
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError


def finding(severity, check, device, message, port=None, fix=None, expected=None, observed=None,
            peer_device=None, peer_port=None, status="fail"):
    """One finding (see the module docstring); an unknown severity is a ValidateError."""
    if severity not in SEVERITY_ORDER:
        raise ValidateError("unknown severity %r; known: %s" % (severity, ", ".join(SEVERITIES)))
    return {"severity": severity, "check": check, "status": status, "device": device, "port": port,
            "peer_device": peer_device, "peer_port": peer_port, "message": message,
            "expected": expected, "observed": observed, "fix": fix, "explains": [], "plane": None}


def sort_key(item):
    """Most severe first, then by check, device, port and message."""
    return (SEVERITY_ORDER.get(item["severity"], len(SEVERITIES)), item.get("check") or "", item.get("device") or "",
            item.get("port") or "", item.get("message") or "")


def counts(findings):
    """{severity: number of findings}, every severity present."""
    tally = Counter(f["severity"] for f in findings)
    return {s: tally.get(s, 0) for s in SEVERITIES}


class Findings(object):
    """Causes (by key), symptoms folded into them, and the ordered list of findings."""

    def __init__(self):
        self.items = []
        self.by_key = {}

    def add(self, severity: str, check: str, device: Any, message: str, port: Any = None, fix: Any = None,
            expected: Any = None, observed: Any = None, peer_device: Any = None, peer_port: Any = None,
            keys: Iterable = (), status: str = "fail") -> dict:
        """Report a finding (see :func:`finding`) and make it the cause of every key of ``keys`` not taken yet."""
        item = finding(severity, check, device, message, port=port, fix=fix, expected=expected, observed=observed,
                       peer_device=peer_device, peer_port=peer_port, status=status)
        self.items.append(item)
        for key in keys:
            self.by_key.setdefault(key, item)
        return item

    def cause(self, keys: Iterable) -> dict | None:
        """The first existing finding among ``keys``, or None."""
        for key in keys:
            item = self.by_key.get(key)
            if item is not None:
                return item
        return None

    def symptom(self, keys: Iterable, text: str, **fields: Any) -> dict:
        """Fold ``text`` into the finding that explains it, or report it; returns the finding.

        ``fields`` are :meth:`add`'s arguments; ``own_keys`` among them are the keys the finding
        takes when it is reported on its own.
        """
        cause = self.cause(keys)
        if cause is not None:
            if text not in cause["explains"]:
                cause["explains"].append(text)
            return cause
        own_keys = fields.pop("own_keys", ())
        return self.add(keys=own_keys, **fields)
