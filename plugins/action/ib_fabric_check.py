# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: check an InfiniBand fabric against the plan, on the controller.

Takes what the SM host saw (``ibnetdiscover`` output, the OpenSM log) and returns findings
(``severity``, ``device``, ``port``, ``message``, ``fix``, ``check``) from
``module_utils.infiniband.check_fabric``: missing, miswired and extra cables with both ends named,
link width and speed against the plan, the routing engine OpenSM really used, subnet up.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool, choice
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SEVERITIES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import SPEED_RANK, FabricView
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.subnet_manager import SM_FLAVORS, routing_choice
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.finding import counts as summarize
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_checks import check_fabric, finding_lines, load_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_parsers import parse_ibnetdiscover

FAIL_ON = ("error", "warning", "never")


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("plan", "fabric", "ibnetdiscover", "opensm_log", "guids", "expected_engine",
                             "sm_flavor", "adaptive_routing", "speed_cap", "sm_role", "fail_on"))

    def act(self, args, task_vars):
        result = {}
        plan = load_plan(args.get("plan"))
        text = args.get("ibnetdiscover") or ""
        if not text.strip():
            raise AnsibleActionFail("ibnetdiscover is required: the output of ibnetdiscover on the SM host")
        flavor = choice(args, "sm_flavor", SM_FLAVORS, "opensm")
        speed_cap = choice(args, "speed_cap", SPEED_RANK, None) if args.get("speed_cap") else None
        role = choice(args, "sm_role", ("primary", "standby"), "primary")
        fail_on = choice(args, "fail_on", FAIL_ON, "error")
        log = args.get("opensm_log")
        view = FabricView(plan, args.get("fabric") or "compute")
        expected = args.get("expected_engine") or routing_choice(
            view, flavor, as_bool(args.get("adaptive_routing", True), "adaptive_routing"))["engine"]
        findings, match = check_fabric(view, parse_ibnetdiscover(text), guids=args.get("guids") or {},
                                       log=log if log is not None and str(log).strip() else None,
                                       expected_engine=expected, speed_cap=speed_cap, role=role)
        counts = summarize(findings)
        result.update(changed=False, findings=findings, summary=counts, expected_engine=expected,
                      identified={"switches": sum(1 for e in match.guids if e[1] is None),
                                  "hcas": sum(1 for e in match.guids if e[1] is not None),
                                  "discovered_nodes": len(match.topo)})
        result["msg"] = "%s/%s: %d error(s), %d warning(s), %d note(s)" % (
            view.plan_name, view.name, counts["error"], counts["warning"], counts["info"])
        if fail_on != "never":
            worst = SEVERITIES[:SEVERITIES.index(fail_on) + 1]
            bad = [f for f in findings if f["severity"] in worst]
            if bad:
                result["failed"] = True
                result["msg"] += ":\n" + "\n".join(finding_lines(bad))
        return result
