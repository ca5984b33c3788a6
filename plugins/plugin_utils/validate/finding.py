# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shape of a validation finding, for Ethernet and InfiniBand checks alike.

A finding is a plain dict (it goes into ``validation.json`` and module results as it is):
``severity`` (error, warning, info), ``check`` (which check found it), ``status``, ``device`` and
``port`` (where), ``peer_device``/``peer_port`` (the far end, for cables), ``message`` (what is
wrong), ``expected``/``observed`` (the plan's value and what was read), ``fix`` (what to do) and
``explains`` (symptoms folded into this cause). One shape means one report format, one sort order
and one summary for every fabric.
"""

from __future__ import annotations

from collections import Counter

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SEVERITIES, SEVERITY_ORDER
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import ValidateError


def finding(severity, check, device, message, port=None, fix=None, expected=None, observed=None,
            peer_device=None, peer_port=None, status="fail"):
    """One finding (see the module docstring); an unknown severity is a ValidateError."""
    if severity not in SEVERITY_ORDER:
        raise ValidateError("unknown severity %r; known: %s" % (severity, ", ".join(SEVERITIES)))
    return {"severity": severity, "check": check, "status": status, "device": device, "port": port,
            "peer_device": peer_device, "peer_port": peer_port, "message": message,
            "expected": expected, "observed": observed, "fix": fix, "explains": []}


def sort_key(item):
    """Most severe first, then by check, device, port and message."""
    return (SEVERITY_ORDER.get(item["severity"], len(SEVERITIES)), item.get("check") or "", item.get("device") or "",
            item.get("port") or "", item.get("message") or "")


def counts(findings):
    """{severity: number of findings}, every severity present."""
    tally = Counter(f["severity"] for f in findings)
    return {s: tally.get(s, 0) for s in SEVERITIES}
