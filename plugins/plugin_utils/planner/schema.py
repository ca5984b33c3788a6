# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON Schema validation that speaks to operators.

One schema (``schemas/design.schema.json``) drives both validation and the reference page in
``docs/``. jsonschema's own messages are written for programmers; here each error becomes
``field.path: what is wrong; allowed: ...`` and every error is returned, not just the first.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Iterator

try:
    import jsonschema
    HAS_JSONSCHEMA = True
except ImportError:  # pragma: no cover - a requirement of the collection
    HAS_JSONSCHEMA = False

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError


def dotted(path: Iterable[Any]) -> str:
    """``['fabrics', 'compute', 'kind']`` -> ``fabrics.compute.kind``; list items as ``[N]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += "[%d]" % part
        else:
            out += ("." if out else "") + str(part)
    return out


def _describe(error: Any) -> str:
    validator = error.validator
    value = error.instance
    if validator == "enum":
        return "%r is not allowed; allowed: %s" % (value, ", ".join(str(v) for v in error.validator_value))
    if validator == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            expected = " or ".join(expected)
        return "%r is not of type %s" % (value, expected)
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return "missing required field '%s'" % missing
    if validator == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        return "unknown field%s %s; allowed: %s" % (
            "s" if len(extra) > 1 else "", ", ".join(repr(e) for e in extra), ", ".join(allowed))
    if validator in ("minimum", "exclusiveMinimum"):
        return "%r is below the minimum %s" % (value, error.validator_value)
    if validator in ("maximum", "exclusiveMaximum"):
        return "%r is above the maximum %s" % (value, error.validator_value)
    if validator == "pattern":
        hint = error.schema.get("description", "")
        return "%r does not match %s%s" % (value, error.validator_value, (" (%s)" % hint) if hint else "")
    if validator == "minItems":
        return "needs at least %s item(s)" % error.validator_value
    if validator == "format":
        return "%r is not a valid %s" % (value, error.validator_value)
    return str(error.message)


def validate_against(schema: dict[str, Any], data: Any) -> list[str]:
    """Return every problem of ``data`` against ``schema`` as ``path: message`` strings."""
    if not HAS_JSONSCHEMA:
        raise DesignError("the Python package jsonschema is required to validate designs")
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    problems: list[str] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        # oneOf/anyOf errors are reported through their most specific sub-error.
        if error.context:
            best = jsonschema.exceptions.best_match(error.context)
            error = best if best is not None else error
        path = dotted(error.absolute_path)
        problems.append("%s: %s" % (path or "(top level)", _describe(error)))
    problems.extend("%s: %r is not a finite number" % (dotted(path) or "(top level)", value)
                    for path, value in _non_finite(data, []))
    return problems


def _non_finite(data: Any, path: list[Any]) -> Iterator[tuple[list[Any], float]]:
    """YAML's .inf and .nan pass JSON Schema's number checks (NaN compares false with every bound)
    but no count, length or power can be one."""
    if isinstance(data, float) and not math.isfinite(data):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _non_finite(value, path + [key])
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _non_finite(value, path + [i])
