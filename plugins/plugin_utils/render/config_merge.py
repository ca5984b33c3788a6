# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put the parts of a switch configuration that the plan owns into the switch's running one.

SONiC ``config_db.json`` and an NVUE configuration are whole-device documents: management
interfaces, users, AAA and platform tables live beside the fabric configuration. A safe replace
therefore starts from the running document and swaps in only what the plan owns:

* ``replace`` paths: the subtree becomes the rendered one; absent from the rendering, it is removed
  (the plan owns it and has none);
* ``merge`` paths: the rendered keys of a mapping are set, other keys of the running mapping stay
  (for example a SONiC ``PORT`` entry keeps its ``lanes`` and ``alias``).

A path is a list of keys, or a string with ``/`` between keys. A ``*`` step stands for every key
that the rendering has at that level, so ``interface/*`` owns the rendered interfaces and leaves
the others (the management port) alone.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import SwitchConfigError

MISSING = object()


def _steps(path):
    if isinstance(path, str):
        return [p for p in path.split("/") if p != ""]
    return [str(p) for p in path]


def _expand(steps, rendered, running):
    """Concrete paths for ``steps``: ``*`` matches the rendered keys at that level."""
    paths: list[list[Any]] = [[]]
    for step in steps:
        nxt = []
        for prefix in paths:
            if step != "*":
                nxt.append(prefix + [step])
                continue
            node = _get(rendered, prefix)
            if isinstance(node, dict):
                nxt.extend(prefix + [k] for k in node)
        paths = nxt
    return paths


def _get(doc, path):
    node = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = copy.deepcopy(value)


def _delete(doc, path):
    parent = _get(doc, path[:-1]) if len(path) > 1 else doc
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def merge_config(running: Any, rendered: Any, replace: Any = (), merge: Any = ()) -> Any:
    """The running document with the owned parts taken from ``rendered`` (both mappings)."""
    if not isinstance(running, dict) or not isinstance(rendered, dict):
        raise SwitchConfigError("running and rendered configurations must both be mappings")
    target = copy.deepcopy(running)
    for path in replace:
        for concrete in _expand(_steps(path), rendered, running):
            value = _get(rendered, concrete)
            if value is MISSING:
                _delete(target, concrete)
            else:
                _set(target, concrete, value)
    for path in merge:
        for concrete in _expand(_steps(path), rendered, running):
            value = _get(rendered, concrete)
            if value is MISSING:
                continue
            current = _get(target, concrete)
            if isinstance(value, dict) and isinstance(current, dict):
                joined = copy.deepcopy(current)
                joined.update(copy.deepcopy(value))
                _set(target, concrete, joined)
            else:
                _set(target, concrete, value)
    return target


def dump(doc: Any) -> Any:
    """Stable text of a document for comparing and diffing."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
