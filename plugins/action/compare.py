# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin: plan variants of a design on the controller and write them side by side.

The planner needs the collection's data files (catalog, references, schema), which exist only on
the controller, so this runs as an action plugin rather than a module shipped to a host. The work
is ``plugin_utils/planner/compare.py`` (no Ansible import); this only reads the arguments.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.action import RefarchAction
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import compare
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.datafiles import load_yaml_text


class ActionModule(RefarchAction):
    _VALID_ARGS = frozenset(("design", "variants", "dest"))

    def act(self, args, task_vars):
        for required in ("design", "variants", "dest"):
            if args.get(required) in (None, "", {}):
                raise AnsibleActionFail("%s is required" % required)
        axes = args["variants"]
        if isinstance(axes, str):
            # Variants given as text (JSON is YAML); -e variants=... is split at spaces, hence the hint.
            try:
                axes = load_yaml_text(axes, "variants")
            except RefarchError as exc:
                raise AnsibleActionFail("variants: %r is not a mapping of design paths to lists (%s); give it "
                                        "as -e '{\"variants\": {...}}'" % (axes, exc)) from None
        design = str(args["design"])
        dest = os.path.abspath(os.path.expanduser(str(args["dest"])))
        comparison = compare.compare_design(design, axes, shown_as=design)
        md_path = os.path.join(dest, "compare.md")
        before = None
        if os.path.exists(md_path):
            with open(md_path, "r", encoding="utf-8") as handle:
                before = handle.read()
        changed = compare.write_comparison(comparison, dest, check_mode=self._task.check_mode)
        refused = [c.label for c in comparison.columns if c.refused]
        result = dict(
            changed=bool(changed), files=changed, dest=dest, table=compare.rows(comparison),
            msg="%s: %d variants compared%s -> %s" % (
                comparison.name, len(comparison.columns),
                " (refused: %s)" % ", ".join(refused) if refused else "", dest))
        if "compare.md" in changed and self._task.diff:
            result["diff"] = [{"before_header": md_path, "after_header": md_path,
                               "before": before or "", "after": compare.markdown(comparison)}]
        return result
