# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What was gathered: which devices can be checked at all.

A host that could not be read (unreachable, the gathering task failed, ``ip`` unreadable) is the
cause of every symptom on it (key ``("gather", device)``), so it is checked first. Devices not in
the play, or switches of a platform without a gatherer, are noted as skipped rather than failed.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import PDU_ROLE, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import GATHERED_PLATFORMS
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import command_json, parse_ip_links


def check_gathered(run: Run) -> None:
    """Sort the gathered results into usable (``run.ok``, ``run.links``), failed and skipped."""
    for name in sorted(run.devices):
        if name not in run.gathered:
            continue
        res = run.gathered[name]
        if isinstance(res, dict) and res.get("skipped"):
            run.skip("gather", res.get("reason") or "the gathering task was skipped", name)
            continue
        if not isinstance(res, dict) or res.get("unreachable") or res.get("failed") or "commands" not in res:
            why = "unreachable" if isinstance(res, dict) and res.get("unreachable") else "gathering failed"
            msg = (res or {}).get("msg") if isinstance(res, dict) else None
            run.findings.add("error", "gather", name, "%s%s" % (why, ": %s" % msg if msg else ""),
                             fix="make %s reachable from the controller (connection, credentials, Python) and run "
                                 "the validation again" % name, keys=[("gather", name)])
            continue
        run.ok[name] = res
        run.checked.add(name)
        data, problem = command_json(res["commands"].get("ip"))
        if problem:
            run.findings.add("error", "gather", name, "cannot read the interfaces (ip -j -d addr show): %s"
                             % problem, fix="install iproute2 on %s" % name, keys=[("gather", name)])
            run.links[name] = None
        else:
            run.links[name] = parse_ip_links(data)
    for name in sorted(set(run.devices) - set(run.gathered)):
        dev = run.devices[name]
        if dev.get("role") == PDU_ROLE:
            run.skip("gather", "a rack PDU: cabled and addressed, not read back", name)
        elif dev.get("role") in SWITCH_ROLES and dev.get("platform") not in GATHERED_PLATFORMS:
            run.skip("gather", "platform %s has no gatherer (Linux with FRR and lldpd only)"
                     % dev.get("platform"), name)
        else:
            run.skip("gather", "not in the play (--limit or inventory)", name)
