# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every switch's configuration files in one pass on the controller.

The ``fabric_switch`` role used to work each switch's configuration out and fill its templates in
tasks of its own host: about ten Ansible tasks per switch, 1.6 s each on two cores, half an hour
for a 64-SU Ethernet fabric before any switch was touched. The templates do not need the switch:
they need its slice of the plan. Here they are compiled once and filled in a Python loop over the
switches, with the settings of Ansible's template module (``trim_blocks``, no ``lstrip_blocks``,
``\\n`` newlines, the trailing newline kept) and the two Ansible filters they use, so the files
are byte for byte those of the per-host path (``tests/unit/render/test_configs.py`` compares them
with Ansible's own templar). The role's per-host tasks then only read these files to back up,
apply and verify.

Plain Python and Jinja2, no Ansible import: ``make configs`` runs it without an inventory.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import SwitchConfigError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import switch_config_from

ROLE_DIR = os.path.join(datafiles.COLLECTION_ROOT, "roles", "fabric_switch")
# The neutral configuration beside the rendered files: the role's apply tasks read it.
CONFIG_FILE = "switch_config.json"


def renderers() -> dict[str, list[str]]:
    """Platform -> the files its templates make, as the role declares them (vars/main.yml)."""
    table = datafiles.load_yaml(os.path.join(ROLE_DIR, "vars", "main.yml"))["fabric_switch_renderers"]
    return {str(k): [str(f) for f in v] for k, v in table.items()}


def _to_json(value: Any, **kwargs: Any) -> str:
    """Ansible's ``to_json``: ``json.dumps`` with its defaults."""
    return json.dumps(value, **kwargs)


def _to_nice_json(value: Any, indent: int = 4, sort_keys: bool = True, **kwargs: Any) -> str:
    """Ansible's ``to_nice_json``: sorted keys, four spaces, no trailing spaces."""
    return json.dumps(value, indent=indent, sort_keys=sort_keys, separators=(",", ": "), **kwargs)


def environment(role_dir: str = ROLE_DIR) -> Environment:
    """A role's templates (``fabric_switch``'s by default), compiled once, with the template
    module's settings."""
    env = Environment(loader=FileSystemLoader(os.path.join(role_dir, "templates")), trim_blocks=True,
                      lstrip_blocks=False, keep_trailing_newline=True, newline_sequence="\n",
                      undefined=StrictUndefined, autoescape=False)
    env.filters["to_json"] = _to_json
    env.filters["to_nice_json"] = _to_nice_json
    return env


def _to_bool(value: Any) -> bool:
    """Ansible's ``bool`` filter."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("yes", "on", "1", "true", "y", "t", "1.0")


class RoleTemplates(object):
    """A role's templates, parsed once, filled as Ansible's template module fills them: no
    template keeps its trailing newline, not even an included one, and the result gets back the
    newlines its source ended with (the templar's ``_post_render_mutation``); ``ansible_managed``
    is ``managed``, one text for all or one per template."""

    def __init__(self, role_dir: str, templates: Iterable[str], managed: str | Mapping[str, str]) -> None:
        self.env = environment(role_dir)
        self.env.keep_trailing_newline = False
        self.env.filters["bool"] = _to_bool
        self.trailing: dict[str, int] = {}
        self.managed: dict[str, str] = {}
        loader = self.env.loader
        if loader is None:            # environment() always gives one
            raise SwitchConfigError("no template loader for %s" % role_dir)
        for template in templates:
            source = loader.get_source(self.env, template)[0]
            self.trailing[template] = len(source) - len(source.rstrip("\n"))
            self.managed[template] = managed if isinstance(managed, str) else managed[template]

    def fill(self, template: str, **variables: Any) -> str:
        """The text of ``template`` with ``variables``."""
        text = self.env.get_template(template).render(ansible_managed=self.managed[template], **variables)
        missing = self.trailing[template] - (len(text) - len(text.rstrip("\n")))
        return text + "\n" * missing if missing > 0 else text


class SwitchRenderer(object):
    """Fills the role's templates for one switch after another; the templates are parsed once."""

    def __init__(self) -> None:
        self.env = environment()
        self.files = renderers()

    def render(self, config: Mapping[str, Any]) -> dict[str, str]:
        """{file name: text} of one switch's neutral configuration (``switch_config_from``)."""
        platform = config["platform"]
        if platform not in self.files:
            raise SwitchConfigError("%s: platform %s has no renderer; rendered: %s" % (
                config.get("name"), platform, ", ".join(sorted(self.files))))
        out = {}
        for name in self.files[platform]:
            template = self.env.get_template("%s/%s.j2" % (platform, name))
            out[name] = template.render(fabric_switch_config=config)
        return out


def ethernet_switches(plan: Mapping[str, Any]) -> list[str]:
    """Names of the switches of the plan's Ethernet fabrics (``plan.json`` form), in name order."""
    fabrics = plan.get("fabrics") or {}
    return sorted(name for name, dev in (plan.get("devices") or {}).items()
                  if dev.get("role") in SWITCH_ROLES and (fabrics.get(dev.get("fabric")) or {}).get("kind") != "infiniband")


def render_plan(plan: Mapping[str, Any], options: Mapping[str, Any] | None = None,
                names: Iterable[str] | None = None,
                per_switch: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """{switch: {"config": neutral configuration, "files": {name: text}}} for ``names`` (every
    Ethernet switch of the plan by default). ``plan`` is the plan in its ``plan.json`` form;
    ``options`` those of ``switch_config_from`` (unnumbered, host_vlan, platforms), and
    ``per_switch`` the same by switch where they differ (the inventory's host variables)."""
    renderer = SwitchRenderer()
    base = dict(options or {})
    base.setdefault("plan_name", plan.get("name"))
    base.setdefault("platforms", tuple(renderer.files))
    switches = (plan.get("catalog") or {}).get("switches") or {}
    out: dict[str, dict[str, Any]] = {}
    for name in (ethernet_switches(plan) if names is None else names):
        device = plan["devices"][name]
        opts = dict(base, **((per_switch or {}).get(name) or {}))
        config = switch_config_from(device, plan["fabrics"][device["fabric"]], model=switches.get(device["model"]),
                                    options=opts)
        out[name] = {"config": config, "files": renderer.render(config)}
    return out


def write(rendered: Mapping[str, Mapping[str, Any]], dest: str, check_mode: bool = False) -> list[str]:
    """Write ``dest/<switch>/<file>`` and the neutral configuration beside them; return the paths
    (relative to ``dest``) that changed or would change. Unchanged files are not touched."""
    changed: list[str] = []
    for name, entry in sorted(rendered.items()):
        texts = dict(entry["files"])
        texts[CONFIG_FILE] = json.dumps(entry["config"], indent=2, sort_keys=True) + "\n"
        folder = os.path.join(dest, name)
        if not os.path.isdir(folder):
            if check_mode:
                changed.extend(os.path.join(name, f) for f in sorted(texts))
                continue
            os.makedirs(folder)
        for filename, text in sorted(texts.items()):
            if write_if_changed(os.path.join(folder, filename), text, check_mode=check_mode):
                changed.append(os.path.join(name, filename))
    return changed
