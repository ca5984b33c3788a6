# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IMEX of the compute trays of an NVLink domain: from the plan through the inventory to the file."""

from __future__ import annotations

import os

import jinja2
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.ai_cluster.plugins.filter import hosts as host_filters
from ansible_collections.refarch.ai_cluster.plugins.inventory import design as design_plugin
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.gpu_host import imex_settings, nvlink_domains

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATE = os.path.join(ROOT, "roles", "gpu_host", "templates", "imex-nodes_config.cfg.j2")
DOMAIN = {"name": "pod-nvl1", "members": [{"name": "pod-node-1", "address": "10.136.0.4"},
                                          {"name": "pod-node-2", "address": "10.136.0.5"}]}


def render(settings):
    with open(TEMPLATE, encoding="utf-8") as handle:
        # As ansible.builtin.template renders: trim_blocks on, the trailing newline kept.
        env = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True)
        return env.from_string(handle.read()).render(gpu_host__imex=settings)


def test_domain_members_one_address_per_line():
    settings = imex_settings(DOMAIN)
    assert settings == {"enabled": True, "domain": "pod-nvl1", "nodes": ["10.136.0.4", "10.136.0.5"],
                        "path": "/etc/nvidia-imex/nodes_config.cfg", "service": "nvidia-imex"}
    assert render(settings) == "10.136.0.4\n10.136.0.5\n"


def test_servers_get_no_imex():
    assert imex_settings({})["enabled"] is False
    assert imex_settings(None)["nodes"] == []
    assert imex_settings(DOMAIN, enabled=False)["enabled"] is False


def test_nodes_override_and_refusals():
    assert imex_settings(DOMAIN, nodes=["192.0.2.1", "192.0.2.2"])["nodes"] == ["192.0.2.1", "192.0.2.2"]
    with pytest.raises(ValueError, match="no NVLink domain"):
        imex_settings({}, enabled=True)
    with pytest.raises(ValueError, match="pod-node-2"):
        imex_settings({"name": "d", "members": [{"name": "pod-node-1", "address": "10.0.0.1"}, {"name": "pod-node-2"}]})
    with pytest.raises(ValueError, match="unique"):
        imex_settings(DOMAIN, nodes=["10.0.0.1", "10.0.0.1"])
    with pytest.raises(AnsibleFilterError, match="auto, true or false"):
        host_filters.gpu_host_imex(DOMAIN, enabled="sometimes")
    assert "gpu_host_imex" in host_filters.FilterModule().filters()


def test_per_domain_from_the_plan():
    """Each NVLink domain of an NVL72 plan gets its own node list: its 18 trays' in-band addresses,
    the same on every tray of the domain, and no address of another domain."""
    plan = plan_design(os.path.join(ROOT, "inventories", "training-pod-nvl72", "design.yml"))
    devices = [d.as_dict() for d in plan.devices.values()]
    domains = nvlink_domains(devices)
    assert len(domains) == 8
    seen = set()
    for name, domain in domains.items():
        settings = imex_settings(domain)
        assert settings["domain"] == name and len(settings["nodes"]) == 18
        assert not seen & set(settings["nodes"])
        seen.update(settings["nodes"])
        first = plan.devices[domain["members"][0]["name"]]
        bond = next(b for b in first.bonds if b["fabric"] == "inband")
        assert settings["nodes"][0] == bond["address"].split("/")[0]
        assert render(settings).count("\n") == 18
    tray = next(d for d in devices if d["role"] == "gpu_node")
    assert "nvlink_nvl_nvl1" in design_plugin.host_groups(tray, None)
    switch = next(d for d in devices if d["role"] == "nvlink_switch")
    assert design_plugin.host_groups(switch, None) == ["su_1", "rack_" + switch["rack"].replace("-", "_"), "nvlink",
                                                       "nvlink_" + switch["nvlink_domain"].replace("-", "_")]
