# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: the subnet manager's configuration of one InfiniBand fabric, on the controller.

Reads the deployed plan (``plan.json``), matches the ``ibnetdiscover`` output of the SM host and
the GUIDs the operator gave to the plan's switches and HCA ports (``module_utils.infiniband``),
and returns the decisions the role's templates format: routing engine, root GUIDs, node-name map
and partitions. Nothing is sent to any host.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action_args import as_bool, choice
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import FabricView
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.subnet_manager import SM_FLAVORS, sm_config
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_checks import finding_lines, load_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_match import match_fabric
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_parsers import initiator, parse_ibnetdiscover


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("plan", "fabric", "ibnetdiscover", "guids", "sm_flavor",
                             "adaptive_routing"))

    def act(self, args, task_vars):
        result = {}
        plan = load_plan(args.get("plan"))
        flavor = choice(args, "sm_flavor", SM_FLAVORS, "opensm")
        guids = args.get("guids") or {}
        if not isinstance(guids, dict):
            raise AnsibleActionFail("guids must be a mapping of plan names to GUIDs")
        text = args.get("ibnetdiscover") or ""
        if not text.strip() and not guids:
            raise AnsibleActionFail("give ibnetdiscover (the output of ibnetdiscover on the SM host) or guids")
        view = FabricView(plan, args.get("fabric") or "compute")
        topo = parse_ibnetdiscover(text)
        match = match_fabric(view, topo, guids)
        config, problems, warnings = sm_config(view, match, flavor=flavor, adaptive_routing=as_bool(
            args.get("adaptive_routing", True), "adaptive_routing"))
        result["changed"] = False
        result["config"] = config
        result["local_port_guid"] = initiator(text)[1]
        result["findings"] = problems + warnings
        if problems:
            result["failed"] = True
            result["msg"] = "the fabric cannot be matched to fabric %s of plan %s:\n%s" % (
                view.name, view.plan_name, "\n".join(finding_lines(problems)))
            return result
        if warnings:
            result["warnings"] = finding_lines(warnings, 10)
        ident = config["identified"]
        result["msg"] = "%s/%s: routing %s (%s); %d of %d switches and %d of %d HCA ports identified; %d partition(s)" % (
            view.plan_name, view.name, ",".join(config["routing"]["engines"]), config["routing"]["reason"],
            ident["switches"], ident["planned_switches"], ident["hcas"], ident["planned_hcas"],
            len(config["partitions"]))
        return result
