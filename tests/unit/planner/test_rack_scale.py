# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rack-scale systems (GB200/GB300 NVL72): whole racks, NVLink domains, named refusals."""

from __future__ import annotations

import copy
import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import nvlink_domains, plan_design

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EXAMPLE = os.path.join(ROOT, "inventories", "training-pod-nvl72", "design.yml")

DESIGN = {
    "name": "nvl", "reference": "training-pod", "workload": "training",
    "nodes": {"model": "dgx-gb200-nvl72", "count": 36},
    "fabrics": {"compute": {"kind": "infiniband", "switch": "qm9700", "rail_optimized": True}},
    "facility": {"rack": {"units": 48, "power_kw": 140, "cooling": "liquid"}},
}


def design(**changes):
    out = copy.deepcopy(DESIGN)
    for path, value in changes.items():
        where = out
        keys = path.split("__")
        for key in keys[:-1]:
            where = where.setdefault(key, {})
        if value is None:
            where.pop(keys[-1], None)
        else:
            where[keys[-1]] = value
    return out


def refusal(data):
    with pytest.raises(DesignError) as info:
        plan_design(data)
    return info.value.problems


@pytest.fixture(scope="module")
def plan():
    return plan_design(design())


def test_catalog_systems():
    catalog = load_catalog()
    for sid in ("dgx-gb200-nvl72", "dgx-gb300-nvl72"):
        system = catalog.systems[sid]
        tray = catalog.servers[system.tray]
        assert system.compute_trays == 18 and system.nvlink_switch_trays == 9 and system.cooling == "liquid"
        assert tray.gpu_count == 4 and system.compute_trays * tray.gpu_count == 72
        assert 120 <= system.power_kw <= 142
        assert catalog.system_of_tray(tray.id) is system
        assert tray.nics["compute"].ports == 4
    assert catalog.system_of_tray("dgx-h100") is None


def test_whole_racks_one_domain_each(plan):
    trays = [d for d in plan.devices.values() if d.role == "gpu_node"]
    domains = nvlink_domains(plan.devices.values())
    assert sorted(domains) == ["nvl-nvl1", "nvl-nvl2"]
    for domain, names in domains.items():
        assert len(names) == 18
        racks = {plan.devices[n].rack for n in names}
        assert len(racks) == 1                                   # one system, one rack
        switches = [d for d in plan.devices.values() if d.role == "nvlink_switch" and d.nvlink_domain == domain]
        assert len(switches) == 9 and {d.rack for d in switches} == racks
        assert all(d.height == 1 for d in switches)
    rack = next(r for r in plan.racks if r.name == plan.devices["nvl-node-1"].rack)
    assert rack.used_power_kw <= rack.power_kw
    assert len(trays) == 36
    assert plan.summary["nvlink_domains"] == 2 and plan.summary["systems"] == 2
    assert plan.summary["gpus"] == 144 and plan.summary["gpus_per_nvlink_domain"] == 72
    assert plan.summary["system"] == "dgx-gb200-nvl72" and plan.summary["cooling"] == "liquid"


def test_tray_nics_wired_rail_by_index(plan):
    for name in ("nvl-node-1", "nvl-node-20"):
        tray = plan.devices[name]
        compute = [i for i in tray.interfaces if i.fabric == "compute"]
        assert [i.rail for i in compute] == [0, 1, 2, 3]
        for iface in compute:
            leaf = plan.devices[iface.peer_device]
            assert leaf.rail == iface.rail


def test_device_records(plan):
    tray = plan.devices["nvl-node-19"].as_dict()
    assert tray["nvlink_domain"] == "nvl-nvl2" and tray["model"] == "dgx-gb200-tray"
    switch = plan.devices["nvl-nvl2-nvsw-1"].as_dict()
    assert switch["role"] == "nvlink_switch" and switch["interfaces"] == [] and switch["nvlink_domain"] == "nvl-nvl2"
    assert "systems" in plan.catalog and "dgx-gb200-nvl72" in plan.catalog["systems"]


def test_bom_counts_systems(plan):
    rows = {(r["category"], r["item"]): r["quantity"] for r in plan.bom}
    assert rows[("system", "dgx-gb200-nvl72")] == 2
    assert not any(c in ("server", "nic") for c, _i in rows)


def test_server_plans_carry_no_rack_scale_keys():
    lab = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml"))
    assert "nvlink_domains" not in lab.summary and "systems" not in lab.catalog
    assert all("nvlink_domain" not in d.as_dict() for d in lab.devices.values())
    assert not any(r["category"] == "system" for r in lab.bom)


def test_power_refused_by_name():
    problems = refusal(design(facility__rack__power_kw=100))
    assert len(problems) == 1 and problems[0].startswith("facility.rack.power_kw: ")
    assert "132" in problems[0]


def test_cooling_refused_by_name():
    problems = refusal(design(facility__rack__cooling=None))     # absent: air
    assert problems == ["facility.rack.cooling: air racks cannot cool a dgx-gb200-nvl72, which needs liquid "
                        "cooling; set facility.rack.cooling: liquid where the hall has it"]
    assert refusal(design(facility__rack__cooling="air"))[0].startswith("facility.rack.cooling: ")


def test_units_count_tray_and_per_rack_refused():
    assert refusal(design(facility__rack__units=20))[0].startswith("facility.rack.units: ")
    problems = refusal(design(nodes__count=20))
    assert problems[0].startswith("nodes.count: ") and "(18 or 36)" in problems[0]
    assert refusal(design(nodes__per_rack=4))[0].startswith("nodes.per_rack: ")
    assert "name the system" in refusal(design(nodes__model="dgx-gb200-tray"))[0]
    problems = refusal(design(fabrics__compute__nodes_per_su=32))
    assert problems[0].startswith("fabrics.compute.nodes_per_su: ")


def test_scalable_units_hold_whole_systems():
    plan = plan_design(design(nodes__count=54))
    su = plan.fabrics["compute"]["nodes_per_su"]
    assert su % 18 == 0
    for names in nvlink_domains(plan.devices.values()).values():
        assert len({plan.devices[n].su for n in names}) == 1


def test_gb300_plans():
    plan = plan_design(design(nodes__model="dgx-gb300-nvl72", facility__rack__power_kw=150,
                              fabrics__compute={"kind": "infiniband", "switch": "q3400", "rail_optimized": True}))
    assert plan.summary["gpus"] == 144 and plan.summary["nvlink_domains"] == 2
    assert "storage" not in plan.fabrics          # the GB300 tray's storage ports are not in the catalog


def test_example_design_plans():
    plan = plan_design(EXAMPLE)
    assert plan.summary["nvlink_domains"] == 8 and plan.summary["gpus"] == 576
    assert plan.fabrics["compute"]["nodes_per_su"] == 162
