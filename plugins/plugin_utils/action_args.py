# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument helpers shared by the collection's action plugins.

The planner's functions take plain Python data; ansible-core 2.19 hands action plugins tagged and
lazy containers. Every action plugin that passes task arguments or host variables to the planner
converts them here, in one way.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def plain(value):
    """Tagged/lazy Ansible containers to plain dicts, lists and scalars."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def as_bool(value, name):
    """A boolean task argument, in any spelling Ansible accepts; else a failure naming it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    raise AnsibleActionFail("%s must be a boolean, not %r" % (name, value))


def choice(args, name, allowed, default):
    """The task argument ``name`` (``default`` when unset), which must be one of ``allowed``."""
    value = args.get(name) or default
    if value not in allowed:
        raise AnsibleActionFail("%s must be one of %s, not %r" % (name, ", ".join(allowed), value))
    return value
