# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors the planner raises for bad input.

Every problem found in a design is collected and reported at once, each naming the field path,
the bad value and what is allowed, so that an operator fixes a design file in one pass instead of
one error per run. Plugins turn :class:`DesignError` into their own error type; nothing here
depends on Ansible.
"""

from __future__ import annotations


class DesignError(Exception):
    """A design (or catalog file) that cannot be planned; ``problems`` lists every reason."""

    def __init__(self, problems, source=None):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        super().__init__(self.render())

    def render(self):
        head = "invalid design" + (" %s" % self.source if self.source else "")
        if len(self.problems) == 1:
            return "%s: %s" % (head, self.problems[0])
        return "%s (%d problems):\n%s" % (
            head, len(self.problems), "\n".join("  - " + p for p in self.problems))


def field(path, message):
    """Format one problem as ``path: message`` (the path in dotted form, list items as [N])."""
    return "%s: %s" % (path or "(top level)", message)
