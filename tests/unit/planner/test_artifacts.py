# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's files: what they hold, that they parse, and that writing them is idempotent."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import artifacts
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Interface, Link
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.writer import report_names

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DESIGNS = {
    "lab": os.path.join(REPO, "inventories/lab/design.yml"),
    "lab-ib": os.path.join(REPO, "inventories/lab-ib/design.yml"),
    "training-pod": {"name": "pod", "reference": "training-pod"},
    "inference-edge": {"name": "edge", "reference": "inference-edge"},
}


@pytest.fixture(scope="module", params=sorted(DESIGNS))
def plan(request):
    return plan_design(DESIGNS[request.param])


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_plan_json_parses_to_the_whole_plan(plan):
    out = io.StringIO()
    artifacts.write_plan_json(plan, out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(plan.to_dict()))


@pytest.mark.parametrize("record", [
    Interface("swp1", "compute", "downlink", 400.0, 9216, "node-1", "eth0", rail=3, port_number=1, split=2),
    Interface("mlx5_0", "compute", "compute", 400, 4092, "leaf \"one\"", "IB1/1", rdma_device="mlx5_0"),
    Interface("eth0", "inband", "inband", 100.0, 1500, "n\u00e9-1\\", "Ethernet0/1"),
])
def test_interface_template_is_the_json_encoding(record):
    record.address, record.gateway = "10.0.0.2/31", "10.0.0.1"
    assert artifacts.interface_json(record) == json.dumps(record.as_dict())
    record.address = record.gateway = None
    assert artifacts.interface_json(record) == json.dumps(record.as_dict())


def test_link_template_is_the_json_encoding():
    link = Link("compute", "leaf_spine", "leaf-1", "swp33", "sp\u00efne-1", "swp1", 800.0)
    link.id = "compute-000001"
    assert artifacts.link_json(link) == json.dumps(link.as_dict())
    link.media, link.cable, link.length_m, link.cable_share = "fiber", "mmf", 30, 0.5
    link.a_cage, link.a_module, link.b_cage, link.b_module = "osfp17", "xcvr-a", "OSFP1", "xcvr-\u00e9"
    assert artifacts.link_json(link) == json.dumps(link.as_dict())
    link.length_m = 2.5
    assert artifacts.link_json(link) == json.dumps(link.as_dict())


def test_cabling_sheet_has_one_row_per_cable_with_both_ends_located(plan):
    rows = _rows(artifacts.cabling_text(plan))
    assert [r["cable_id"] for r in rows] == [link.id for link in plan.links]
    for row, link in zip(rows, plan.links):
        for end in "ab":
            dev = plan.devices[row[end + "_device"]]
            # A zero-U PDU hangs in the rack's side: "0U" on the sheet.
            unit = None if row[end + "_unit"] == "0U" else int(row[end + "_unit"])
            assert (row[end + "_rack"], unit) == (dev.rack, dev.rack_unit)
            assert (unit is None) == (dev.height == 0)
        assert (row["a_port"], row["b_port"]) == (link.a_port, link.b_port)
        assert float(row["length_m"]) == link.length_m and float(row["speed_gbps"]) == link.speed_gbps
        assert row["cable"] == link.cable and row["media"] == link.media


def test_addressing_sheet_lists_every_address_once(plan):
    rows = _rows(artifacts.addressing_text(plan))
    expected = [a for d in plan.devices.values() for a in (d.mgmt_address, d.loopback, d.gateway_address) if a]
    expected += [i.address for d in plan.devices.values() for i in d.interfaces if i.address]
    # MLAG (host_addressing mlag_bond): host bonds, peer-link addresses, the pair's virtual gateway once.
    expected += [b["address"] for d in plan.devices.values() for b in d.bonds or ()]
    expected += [d.mlag["local_address"] for d in plan.devices.values() if d.mlag]
    expected += [d.mlag["virtual_gateway"] for d in plan.devices.values() if d.mlag and d.mlag["role"] == "primary"]
    assert sorted(r["address"] for r in rows) == sorted(expected)


def test_bom_sheet_matches_the_plan(plan):
    rows = _rows(artifacts.bom_text(plan))
    assert [(r["category"], r["item"], int(r["quantity"])) for r in rows] == [
        (r["category"], r["item"], r["quantity"]) for r in plan.bom]


def test_rack_elevations_show_every_device_in_its_units(plan):
    text = artifacts.racks_text(plan)
    for rack in plan.racks:
        assert "## %s " % rack.name in text
    units = [line.split(" | ", 1)[1] for line in text.splitlines() if line.startswith("U") and " | " in line]
    used = [u for u in units if u]
    # Every device with a height is drawn in its units; zero-U PDUs are listed in the table only.
    assert sorted(set(used)) == sorted(n for n, d in plan.devices.items() if d.height)
    for name in plan.devices:
        assert used.count(name) == plan.devices[name].height


def test_writing_twice_changes_nothing_and_check_mode_writes_nothing(tmp_path):
    plan = plan_design(DESIGNS["lab"])
    dest = tmp_path / "plan"
    expected = list(artifacts.ARTIFACTS) + report_names(plan)      # the pictures: tests/unit/render
    assert artifacts.write_artifacts(plan, str(dest), check_mode=True) == expected
    assert not dest.exists()
    assert artifacts.write_artifacts(plan, str(dest)) == expected
    before = {name: (dest / name).read_bytes() for name in artifacts.ARTIFACTS}
    assert artifacts.write_artifacts(plan, str(dest)) == []
    with open(DESIGNS["lab"], encoding="utf-8") as handle:
        design = yaml.safe_load(handle)
    design["nodes"]["count"] += 2
    grown = plan_design(design)
    changed = artifacts.write_artifacts(grown, str(dest), check_mode=True)
    assert "plan.json" in changed and "cabling.csv" in changed
    assert {name: (dest / name).read_bytes() for name in artifacts.ARTIFACTS} == before
    assert sorted(os.listdir(dest)) == sorted(artifacts.ARTIFACTS + ("drawings", "index.html", "install"))  # no temporary file left


def test_csv_text_is_what_the_csv_module_writes():
    rows = [["a", "b", "c"], ["with, comma", "x", "y"], ["quote \"q\"", "", "z"], ["line\nbreak", "cr\r", ""],
            ["", "", ""], ["caf\u00e9", "1.5", "-"]]
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["h1", "h2", "h3"])
    writer.writerows(rows)
    text = artifacts._csv(iter(rows), ["h1", "h2", "h3"])  # pylint: disable=protected-access
    assert text == expected.getvalue()
    assert list(csv.reader(io.StringIO(text)))[1:] == rows


def test_racks_sheet_gives_each_rack_its_space_and_power_against_the_budget(plan):
    rows = _rows(artifacts.racks_csv_text(plan))
    assert [r["rack"] for r in rows] == [r.name for r in plan.racks]
    for row, rack in zip(rows, plan.racks):
        devices = [plan.devices[e["device"]] for e in rack.devices]
        assert int(row["used_units"]) == sum(d.height for d in devices) <= int(row["units"])
        assert float(row["used_power_kw"]) == pytest.approx(sum(d.power_kw for d in devices))
        assert float(row["headroom_kw"]) == pytest.approx(rack.power_kw - sum(d.power_kw for d in devices))
        assert row["over_budget"] == "no"
        assert [item.split(":")[0] for item in row["devices"].split()] == [d.name for d in devices]
    text = artifacts.racks_text(plan)
    assert "every rack within its budget" in text
    for dev in plan.devices.values():
        assert "| %s | %s | %s |" % (dev.name, dev.model, dev.rack_unit if dev.height else "0U") in text
