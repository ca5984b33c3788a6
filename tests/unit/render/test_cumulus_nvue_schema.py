# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cumulus Linux: the rendered NVUE documents against NVUE's own schema.

Outside truth: the Pydantic models of the NVUE OpenAPI schema of each Cumulus Linux 5.x release,
package ``nvueschema`` 0.1.0 (``nvueschema.models.v5_N.NvueConfig``, no network needed). The models
reject wrong types and ranges but accept unknown keys, so every key the template writes is also
looked up in the models' fields (by alias): a key NVUE does not know fails here.

PFC watchdog: Cumulus Linux user guide (5.6 and later), "Quality of Service", PFC watchdog: off on
an interface unless ``nv set interface <id> qos pfc-watchdog state enable``; the NVUE schema has no
``interface <id> qos pfc-watchdog`` before 5.6 (models v5_0 to v5_5) and ``state: enable|disable``
from 5.6 on.
"""

from __future__ import annotations

import copy
import importlib
import typing

import pytest
import yaml

import switch_golden
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import PLATFORMS
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import switch_config

pydantic = pytest.importorskip("pydantic")
pytest.importorskip("nvueschema.models")

DECLARED = PLATFORMS["cumulus"].version


def _model(version):
    return importlib.import_module("nvueschema.models.v" + version.replace(".", "_")).NvueConfig


def _unwrap(tp):
    """The model class or Dict[...] inside Optional / Annotated / Union annotations."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, pydantic.BaseModel)]
            maps = [a for a in args if typing.get_origin(a) is dict]
            tp = (models or maps or args)[0]
            continue
        return tp


def unknown_keys(model, data, path=""):
    """Paths of the keys in ``data`` that ``model`` (a pydantic model class) has no field for."""
    out = []
    fields = {(f.alias or n): f for n, f in model.model_fields.items()}
    for key, value in (data or {}).items():
        field = fields.get(key)
        if field is None:
            out.append("%s/%s" % (path, key))
        else:
            out += _unknown_in_value(field.annotation, value, "%s/%s" % (path, key))
    return out


def _unknown_in_value(tp, value, path):
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return unknown_keys(tp, value, path) if isinstance(value, dict) else []
    if typing.get_origin(tp) is dict and isinstance(value, dict):
        entry = typing.get_args(tp)[1]
        out = []
        for key, sub in value.items():
            out += _unknown_in_value(entry, sub, "%s/%s" % (path, key))
        return out
    return []


def _cumulus_documents():
    """(case/switch, the `set` document) of every Cumulus switch of the golden cases, rendered now."""
    docs = []
    for case in sorted(switch_golden.CASES):
        for name, config in switch_golden.switches(case):
            if config["platform"] == "cumulus":
                text = switch_golden.render(config, "cumulus/nvue.yaml.j2")
                docs.append(("%s/%s" % (case, name), config, yaml.safe_load(text)[0]["set"]))
    return docs


DOCUMENTS = _cumulus_documents()


def test_a_cumulus_version_is_declared_and_has_models():
    assert DECLARED and _model(DECLARED)


def test_there_are_cumulus_documents_to_check():
    assert len(DOCUMENTS) >= 5 and any(entry[1]["qos"] for entry in DOCUMENTS)


@pytest.mark.parametrize("label,config,doc", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_rendered_nvue_validates_against_the_declared_release(label, config, doc):
    model = _model(DECLARED)
    model.model_validate(doc)   # types, ranges, enumerations of NVUE DECLARED
    assert unknown_keys(model, doc) == [], "%s: keys NVUE %s does not know" % (label, DECLARED)


@pytest.mark.parametrize("label,config,doc", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_pfc_watchdog_is_enabled_on_every_lossless_port(label, config, doc):
    qos = config["qos"]
    for iface in config["interfaces"]:
        entry = doc["interface"][iface["name"]]
        if qos and qos["pfc"]["watchdog"]:
            assert entry["qos"]["pfc-watchdog"] == {"state": "enable"}, label
        else:
            assert "qos" not in entry, label


def test_unknown_keys_are_found():
    doc = {"interface": {"swp1": {"qos": {"pfc-watchdog": {"state": "enable", "bogus": 1}}}}, "bogus-top": {}}
    assert unknown_keys(_model(DECLARED), doc) == ["/interface/swp1/qos/pfc-watchdog/bogus", "/bogus-top"]


def test_the_old_empty_watchdog_is_not_enabled():
    # The earlier rendering, `pfc-watchdog: {}`, is valid NVUE but leaves the watchdog off.
    old = {"interface": {"swp1": {"qos": {"pfc-watchdog": {}}}}}
    _model(DECLARED).model_validate(old)
    assert old["interface"]["swp1"]["qos"]["pfc-watchdog"].get("state") != "enable"


def test_releases_before_5_6_get_no_interface_watchdog_key():
    _label, config, _doc = next(d for d in DOCUMENTS if d[1]["qos"] and d[1]["qos"]["pfc"]["watchdog"])
    config = copy.deepcopy(config)
    config["qos"]["nos_version"] = "5.5"
    config["qos"]["pfc"]["watchdog_port_state"] = switch_config.pfc_watchdog_port_state("cumulus", "5.5")
    doc = yaml.safe_load(switch_golden.render(config, "cumulus/nvue.yaml.j2"))[0]["set"]
    assert all("qos" not in entry for entry in doc["interface"].values())
    assert not [k for k in unknown_keys(_model("5.5"), doc) if "/qos" in k]
    with_key = {"interface": {"swp1": {"qos": {"pfc-watchdog": {"state": "enable"}}}}}
    assert unknown_keys(_model("5.5"), with_key) == ["/interface/swp1/qos/pfc-watchdog"]


def test_the_per_port_watchdog_state_follows_the_declared_release():
    assert switch_config.pfc_watchdog_port_state("cumulus", "5.6") is True
    assert switch_config.pfc_watchdog_port_state("cumulus", "5.14") is True
    assert switch_config.pfc_watchdog_port_state("cumulus", "5.5") is False
    assert switch_config.pfc_watchdog_port_state("cumulus", None) is False
    assert switch_config.pfc_watchdog_port_state("sonic", None) is True
