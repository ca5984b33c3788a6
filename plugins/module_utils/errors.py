# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's errors: one base, one subclass per stage.

Every stage reports input it cannot use as a :class:`RefarchError` carrying every problem found
(``problems``), so that an operator fixes a file in one pass instead of one error per run, and so
that one adapter (``plugin_utils.action.RefarchAction``, the filters, the inventory plugin) turns
any of them into Ansible's own error without knowing which stage raised it. Nothing here depends
on Ansible; modules on managed hosts import it too.

The subclasses keep ``ValueError`` where callers (and tests) always caught them as one.
"""

from __future__ import annotations

from typing import Iterable


class RefarchError(Exception):
    """Input one stage of the collection cannot use; ``problems`` lists every reason."""

    def __init__(self, problems: str | Iterable[str], source: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems: list[str] = list(problems)
        self.source: str | None = source
        super().__init__(self.render())

    def render(self) -> str:
        return "; ".join(self.problems)


class DesignError(RefarchError):
    """A design (or catalog file) that cannot be planned."""

    def render(self) -> str:
        head = "invalid design" + (" %s" % self.source if self.source else "")
        if len(self.problems) == 1:
            return "%s: %s" % (head, self.problems[0])
        return "%s (%d problems):\n%s" % (
            head, len(self.problems), "\n".join("  - " + p for p in self.problems))


class SwitchConfigError(RefarchError):
    """A switch that cannot be configured as planned; the message says what to change."""


class HostNetworkError(RefarchError, ValueError):
    """The plan slice cannot be turned into a host network configuration."""


class GpuHostError(RefarchError, ValueError):
    """The variables, facts and plan do not give a consistent GPU host setup."""


class InfinibandError(RefarchError):
    """InfiniBand input that cannot be used (a plan without that fabric, unparsable output, bad GUIDs)."""


class ValidateError(RefarchError, ValueError):
    """The inputs of a validation run cannot be used (not a problem of the cluster)."""


class TwinError(RefarchError):
    """A twin that cannot be built or torn down as asked."""


def field(path: str | None, message: str) -> str:
    """Format one problem as ``path: message`` (the path in dotted form, list items as [N])."""
    return "%s: %s" % (path or "(top level)", message)
