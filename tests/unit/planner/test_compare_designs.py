# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Designs side by side (planner/compare.py): variants, the metrics counted from each plan, the files.

Every metric is checked against a count made here independently from the plan's devices and links,
never against a number written into the test by hand where the plan can give it.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections import Counter

import pytest

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import compare
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.compare import CompareError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TRAINING = os.path.join(ROOT, "inventories", "training-pod", "design.yml")
EDGE = os.path.join(ROOT, "inventories", "inference-edge", "design.yml")
IB = {"kind": "infiniband", "switch": "qm9700"}
ROCE = {"kind": "roce", "switch": "sn5600"}
IB_VS_ROCE = {"fabrics.compute": [IB, ROCE]}


def _metrics(plan):
    return {m.key: m for m in compare.metrics(plan)}


@pytest.fixture(scope="module")
def ib_vs_roce():
    return compare.compare_design(TRAINING, IB_VS_ROCE, shown_as="inventories/training-pod/design.yml")


@pytest.fixture(scope="module")
def training_plans():
    return {name: plan_design({"name": "t", "reference": "training-pod", "fabrics": {"compute": fabric}})
            for name, fabric in (("ib", IB), ("roce", ROCE))}


# --- variants --------------------------------------------------------------------------------


def test_variants_are_the_product_of_the_axes_first_axis_slowest():
    design = {"name": "x", "fabrics": {"compute": {"kind": "infiniband", "switch": "qm9700"}}}
    out = compare.variants(design, {"fabrics.compute.oversubscription": [1, 2], "nodes.count": [8, 16, 32]})
    assert [label for label, _d in out] == [
        "oversubscription=%d, count=%d" % (o, n) for o in (1, 2) for n in (8, 16, 32)]
    assert [(d["fabrics"]["compute"]["oversubscription"], d["nodes"]["count"]) for _l, d in out] == [
        (o, n) for o in (1, 2) for n in (8, 16, 32)]
    # The base design is never changed, and every variant is its own copy.
    assert design == {"name": "x", "fabrics": {"compute": {"kind": "infiniband", "switch": "qm9700"}}}
    assert out[0][1]["fabrics"] is not out[1][1]["fabrics"]


def test_no_axes_is_the_base_design():
    assert compare.variants({"name": "x"}, {}) == [("base", {"name": "x"})]


def test_a_mapping_value_is_merged_and_keeps_null():
    design = {"fabrics": {"compute": {"kind": "infiniband", "switch": "qm9700", "nodes_per_su": 32,
                                      "rail_optimized": True}}}
    [(label, out)] = compare.variants(design, {"fabrics.compute": [
        {"kind": "roce", "switch": "sn5600", "appliances": None}]})
    assert label == "roce/sn5600/null"
    # Coupled keys change together, the others stay, and null stays null (the design file removes
    # the inherited key with it).
    assert out["fabrics"]["compute"] == {"kind": "roce", "switch": "sn5600", "nodes_per_su": 32,
                                         "rail_optimized": True, "appliances": None}


def test_a_plain_value_replaces_and_missing_mappings_are_made():
    [(_l, out)] = compare.variants({"name": "x"}, {"fabrics.compute.kind": ["roce"]})
    assert out == {"name": "x", "fabrics": {"compute": {"kind": "roce"}}}
    [(_l, out)] = compare.variants({"tenants": [{"name": "a", "nodes": 1}]}, {"tenants.0.nodes": [4]})
    assert out["tenants"] == [{"name": "a", "nodes": 4}]


@pytest.mark.parametrize("axes,match", [
    ({"nodes.count": []}, r"variants\.nodes\.count: a non-empty list"),
    ({"nodes.count": 8}, r"variants\.nodes\.count: a non-empty list"),
    ({"nodes..count": [8]}, r"not a dotted path"),
    ({"name.first": ["a"]}, r"variants\.name\.first: name is 'x', not a mapping"),
    ({"tenants.5.nodes": [1]}, r"variants\.tenants\.5\.nodes: tenants is a list of 1 items"),
])
def test_axes_that_cannot_make_variants_name_the_axis(axes, match):
    with pytest.raises(CompareError, match=match):
        compare.variants({"name": "x", "tenants": [{"name": "a"}]}, axes)


def test_equal_labels_are_told_apart():
    labels = [label for label, _d in compare.variants({}, {"a.kind": ["x"], "b.kind": ["x", "y"]})]
    assert labels == ["kind=x, kind=x", "kind=x, kind=y"]
    labels = [label for label, _d in compare.variants({}, {"a": [{"k": 1}, {"j": 1}]})]
    assert labels == ["1", "1 #2"]


# --- metrics against the plan ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["ib", "roce"])
def test_switches_by_fabric_tier_and_model_are_the_plans_devices(training_plans, name):
    plan = training_plans[name]
    m = _metrics(plan)
    counted = Counter((d.fabric, d.role) for d in plan.devices.values() if d.role in ("leaf", "spine", "core"))
    for (fabric, tier), n in counted.items():
        assert m["%s.%s.switches" % (fabric, tier)].value == n
        models = {d.model for d in plan.devices.values() if (d.fabric, d.role) == (fabric, tier)}
        assert m["%s.%s.model" % (fabric, tier)].value == "+".join(sorted(models))
    assert m["switches"].value == sum(counted.values())
    assert not [k for k in m if k.endswith(".switches") and tuple(k.split(".")[:2]) not in counted]
    nodes = [d for d in plan.devices.values() if d.role == "gpu_node"]
    assert m["nodes"].value == len(nodes) == plan.summary["nodes"]
    assert m["gpus"].value == plan.summary["gpus"]
    racks = {d.rack for d in nodes}
    assert m["gpu_racks"].value == len(racks)
    assert m["gpus_per_rack"].value == round(plan.summary["gpus"] / len(racks), 2)
    assert m["power_kw"].value == plan.summary["power_kw"]


@pytest.mark.parametrize("name", ["ib", "roce"])
def test_cables_and_transceivers_are_the_bom(training_plans, name):
    plan = training_plans[name]
    m = _metrics(plan)
    # Counted again from the links: a cable per share (two links on a splitter are one cable, a
    # link over two fibers two), a transceiver per cage in use.
    shares = Counter()
    for link in plan.links:
        shares[(link.cable, link.fabric, link.length_m)] += link.cable_share
    cables = Counter()
    for (item, fabric, _length), share in shares.items():
        cables[(item, fabric)] += math.ceil(share - 1e-9)
    assert m["cables"].value == sum(cables.values())
    assert m["compute.cables"].value == sum(n for (_item, fabric), n in cables.items() if fabric == "compute")
    # Counted by the part a buyer orders (part number, else the catalog item).
    catalog = load_catalog()
    by_part = Counter()
    for (item, _fabric), n in cables.items():
        by_part[catalog.cables[item].raw.get("part_number") or item] += n
    for part, n in by_part.items():
        assert m["cables." + part].value == n
    optics = {}
    for link in plan.links:
        for dev, cage, module in ((link.a_device, link.a_cage, link.a_module), (link.b_device, link.b_cage, link.b_module)):
            if module:
                optics[(dev, cage)] = module
    assert m["transceivers"].value == len(optics)
    # Counted by the part a buyer orders: catalog items of one part number are one count.
    part = {item: catalog.cables[item].raw.get("part_number") or item for item in set(optics.values())}
    for number, n in Counter(part[item] for item in optics.values()).items():
        assert m["transceivers." + number].value == n


def test_hops_two_tiers_three_switches_three_tiers_five(training_plans):
    assert training_plans["ib"].fabrics["compute"]["tiers"] == 2
    m = _metrics(training_plans["ib"])
    assert (m["compute.hops"].value, m["compute.hops_any_port"].value) == (3, 3)
    big = plan_design({"name": "t", "reference": "training-pod", "nodes": {"count": 1000}})
    assert big.fabrics["compute"]["tiers"] == 3
    m = _metrics(big)
    assert (m["compute.hops"].value, m["compute.hops_any_port"].value) == (5, 5)
    assert m["compute.core.switches"].value == big.fabrics["compute"]["switches"]["core"]


def test_hops_one_tier_one_switch_between_nodes():
    plan = plan_design(EDGE)
    assert plan.fabrics["compute"]["tiers"] == 1
    m = _metrics(plan)
    # Every node has a port on both leaves of the pair: one switch between any two nodes; between
    # ports on different leaves of the pair, the peer link makes it two.
    assert m["compute.hops"].value == 1
    assert m["compute.hops_any_port"].value == 2
    # No spine: the bisection is the node's own share per GPU.
    assert m["compute.bisection_gbps_per_gpu"].value == m["compute.node_gbps_per_gpu"].value
    assert "compute.spine_failure.uplink_share_lost" not in m


def test_hops_within_one_rail_optimized_su_are_one_switch_node_to_node():
    plan = plan_design({"name": "t", "reference": "training-pod", "nodes": {"count": 16}})
    m = _metrics(plan)
    assert plan.fabrics["compute"]["sus"] == 1 and plan.fabrics["compute"]["rails"] == 8
    assert m["compute.hops"].value == 1           # rail-matched: the rail's leaf
    assert m["compute.hops_any_port"].value == 3  # another rail: leaf, spine, leaf


def test_bisection_per_gpu_follows_the_oversubscription():
    plans = [plan_design({"name": "p", "reference": "inference-pool",
                          "fabrics": {"compute": {"oversubscription": o}}}) for o in (1, 2)]
    full, half = (_metrics(p) for p in plans)
    gpus_per_node = plans[0].summary["gpus"] // plans[0].summary["nodes"]
    node = next(d for d in plans[0].devices.values() if d.role == "gpu_node")
    rate = sum(i.speed_gbps for i in node.interfaces if i.fabric == "compute") / gpus_per_node
    assert full["compute.node_gbps_per_gpu"].value == rate
    assert full["compute.bisection_gbps_per_gpu"].value == rate
    assert half["compute.bisection_gbps_per_gpu"].value == rate / 2
    assert half["compute.leaf.oversubscription"].value == 2


def test_a_leaf_failure_loses_exactly_that_leafs_node_links(training_plans):
    plan = training_plans["ib"]
    worst = compare.leaf_failure(plan, "compute")
    nodes = {n for n, d in plan.devices.items() if d.role == "gpu_node"}
    links = [link for link in plan.links if link.fabric == "compute" and link.tier == "node_leaf"
             and link.a_device in nodes]
    on_leaf = Counter(link.b_device for link in links)
    assert worst["node_ports"] == on_leaf[worst["leaf"]] == max(on_leaf.values())
    assert worst["nodes"] == len({link.a_device for link in links if link.b_device == worst["leaf"]})
    ports_per_node = Counter(link.a_device for link in links)
    assert worst["node_share_lost"] == 1 / max(ports_per_node.values())
    assert worst["nodes_cut_off"] == 0
    assert _metrics(plan)["compute.leaf_failure.node_ports"].value == worst["node_ports"]


@pytest.mark.parametrize("name", ["ib", "roce"])
def test_a_spine_failure_takes_its_share_of_the_uplinks(training_plans, name):
    plan = training_plans[name]
    f = plan.fabrics["compute"]
    m = _metrics(plan)
    share = f["links_per_leaf_spine"] / f["leaf_uplinks"]
    assert m["compute.spine_failure.uplink_share_lost"].value == round(share, 4)
    assert m["compute.spine_failure.bisection_gbps_per_gpu"].value == round(
        m["compute.bisection_gbps_per_gpu"].value * (1 - share), 2)
    assert m["compute.spine_failure.switches_affected"].value == f["switches"]["leaf"]


def test_operations_ib_has_a_subnet_manager_roce_has_pfc_and_ecn(ib_vs_roce):
    ib, roce = ib_vs_roce.columns
    ops = {c.label: {m.key: m.value for m in c.metrics}["compute.operations"] for c in (ib, roce)}
    assert "subnet manager" in ops[ib.label] and "partitions" in ops[ib.label]
    assert "PFC" not in ops[ib.label] and "ECN" not in ops[ib.label]
    assert "PFC on priority 3 with PFC watchdog" in ops[roce.label] and "ECN" in ops[roce.label]
    assert "DSCP" in ops[roce.label] and "subnet manager" not in ops[roce.label]
    # The in-band fabric bonds each node over an MLAG leaf pair in both.
    for col in (ib, roce):
        assert "MLAG pairs: 4" in {m.key: m.value for m in col.metrics}["inband.operations"]


def test_roce_without_a_qos_profile_says_so():
    plan = plan_design({"name": "t", "reference": "training-pod",
                        "fabrics": {"compute": {"kind": "roce", "switch": "sn5600", "qos_profile": None}}})
    ops = compare.operations(plan, "compute")
    assert "no QoS profile: RoCE without PFC/ECN (set qos_profile)" in ops
    assert not [p for p in ops if p.startswith("PFC")]


def test_ports_used_show_the_sn5600_breakout(training_plans):
    # Counted in the switch's own ports (an SN5600 cage is one 800G port, broken out or not): the
    # RoCE leaf runs 32 x 400G down on 16 ports split 2 x 400G and 16 x 800G up on 16 more, so a
    # count of logical ports would add 400G ports to 800G ones.
    ib, roce = (_metrics(training_plans[n]) for n in ("ib", "roce"))
    assert ib["compute.leaf.ports_used"].text == "64 of 64 × 400G"
    assert roce["compute.leaf.ports_used"].text == "32 of 64 × 800G: 32 × 400G (2-way breakout), 16 × 800G"
    assert roce["compute.leaf.ports_total"].value == 64
    assert roce["compute.spine.ports_used"].text == "64 of 64 × 800G"
    assert roce["compute.spine.ports_used"].value == roce["compute.spine.ports_total"].value == 64


# --- cost --------------------------------------------------------------------------------------


def _without_prices(plan):
    plan.summary.pop("cost", None)
    for row in plan.bom:
        for key in ("unit_price", "extended_price", "currency"):
            row.pop(key, None)
    return plan


def test_no_cost_columns_without_prices():
    plan = _without_prices(plan_design(EDGE))
    assert not [k for k in _metrics(plan) if k.startswith("cost")]
    result = compare.Comparison("d", "n", {}, [compare.Column("base", [], compare.metrics(plan))])
    assert "cost" not in compare.csv_text(result).splitlines()[0]
    assert "| cost" not in compare.markdown(result)


def test_cost_from_the_summary_when_the_plan_has_it():
    plan = _without_prices(plan_design(EDGE))
    plan.summary["cost"] = {"total": 1234567.0, "currency": "USD", "per_gpu": 38580.2}
    m = _metrics(plan)
    assert (m["cost_total"].value, m["cost_currency"].value, m["cost_per_gpu"].value) == (1234567.0, "USD", 38580.2)
    assert m["cost_total"].text == "1,234,567 USD"


def test_cost_from_priced_bom_rows_counts_the_unpriced_ones():
    plan = _without_prices(plan_design(EDGE))
    plan.bom[0]["extended_price"] = 1000.0
    plan.bom[1]["unit_price"] = 10.0
    plan.bom[1]["currency"] = plan.bom[0]["currency"] = "EUR"
    m = _metrics(plan)
    assert m["cost_total"].value == 1000.0 + 10.0 * plan.bom[1]["quantity"]
    assert m["cost_unpriced_items"].value == len(plan.bom) - 2
    assert m["cost_per_gpu"].value == round(m["cost_total"].value / plan.summary["gpus"], 2)


# --- refused variants and the files ----------------------------------------------------------


def test_a_refused_variant_is_a_column_naming_the_field():
    result = compare.compare_design(TRAINING, {"fabrics.compute.kind": ["roce", "infiniband"]})
    roce, ib = result.columns
    assert roce.refused and not ib.refused
    status = roce.metrics[0].value
    assert status.startswith("refused: fabrics.compute.switch: qm9700 is an infiniband switch")
    assert [m.key for m in roce.metrics] == ["status"]
    row = compare.rows(result)[0]
    assert row["status"] == status and row["gpus"] == ""
    assert "| status | %s | planned |" % status in compare.markdown(result)


def test_an_axis_through_a_plain_value_refuses_that_variant_only():
    result = compare.compare_dict({"name": "x", "reference": "inference-edge"},
                                  {"name.first": ["a"]})
    assert result.columns[0].metrics[0].value.startswith("refused: variants.name.first")


def test_markdown_and_csv_have_every_variant_and_row(ib_vs_roce):
    md = compare.markdown(ib_vs_roce)
    head = "| | infiniband/qm9700 | roce/sn5600 |\n|---|---|---|\n"
    assert head in md
    body = md.split(head)[1].split("\n\n")[0].splitlines()
    # A row per metric, a cell per variant, every row shown in the CSV too.
    assert len(body) > 30 and all(line.count(" | ") == 2 for line in body), body
    rows = list(csv.DictReader(io.StringIO(compare.csv_text(ib_vs_roce))))
    assert [r["variant"] for r in rows] == ["infiniband/qm9700", "roce/sn5600"]
    assert rows[0]["compute.spine.switches"] == "16" and rows[1]["compute.spine.switches"] == "8"
    assert rows[0]["compute.leaf.model"] == "qm9700" and rows[1]["compute.leaf.model"] == "sn5600"


def test_files_are_byte_identical_on_a_second_run_and_check_mode_writes_nothing(tmp_path, ib_vs_roce):
    dest = str(tmp_path / "cmp")
    assert compare.write_comparison(ib_vs_roce, dest, check_mode=True) == ["compare.md", "compare.csv"]
    assert not os.path.exists(dest)
    assert compare.write_comparison(ib_vs_roce, dest) == ["compare.md", "compare.csv"]
    first = {n: open(os.path.join(dest, n), "rb").read() for n in compare.FILES}
    again = compare.compare_design(TRAINING, IB_VS_ROCE, shown_as="inventories/training-pod/design.yml")
    assert compare.write_comparison(again, dest) == []
    assert compare.write_comparison(again, dest, check_mode=True) == []
    assert {n: open(os.path.join(dest, n), "rb").read() for n in compare.FILES} == first


def test_union_keeps_rows_beside_their_neighbours():
    assert compare.union([["a", "b", "d"], ["a", "c", "d"], ["x", "a"]]) == ["x", "a", "c", "b", "d"]


def test_the_worked_example_in_the_docs_is_what_the_tool_writes(tmp_path, ib_vs_roce):
    """docs/compare.md explains a pasted table: it must be today's output, not last release's."""
    dest = str(tmp_path / "doc")
    compare.write_comparison(ib_vs_roce, dest)
    written = open(os.path.join(dest, "compare.md"), encoding="utf-8").read()
    docs = os.path.join(os.path.dirname(compare.__file__), "..", "..", "..", "docs", "compare.md")
    with open(docs, encoding="utf-8") as handle:
        doc = handle.read()
    start = written.index("| | infiniband/qm9700 | roce/sn5600 |")
    table = written[start:written.index("\n\n", start)]
    assert table in doc, "regenerate the worked example of docs/compare.md with make compare"


def test_cost_rows_from_a_priced_catalog(tmp_path):
    """The planner's own cost (a catalog file of quotes) reaches the table: its list of unpriced
    items is counted, not shown as a list."""
    quotes = tmp_path / "quotes.yml"
    quotes.write_text("switches:\n  sn5600:\n    source: quote\n    kind: ethernet\n    rack_units: 2\n"
                      "    power_kw: 1.8\n    price: 40000\n    currency: USD\n    platforms: [cumulus, sonic]\n"
                      "    ports: {count: 64, speed_gbps: 800, form_factor: osfp, top: finned}\n"
                      "    breakouts: [{split: 2, speed_gbps: 400}, {split: 4, speed_gbps: 200}]\n")
    plan = plan_design({"name": "t", "reference": "inference-pool", "catalog": [str(quotes)]},
                       base_dir=str(tmp_path))
    cost = plan.summary["cost"]
    m = _metrics(plan)
    assert m["cost_total"].value == cost["total"] == 40000 * sum(
        1 for d in plan.devices.values() if d.model == "sn5600")
    assert m["cost_unpriced_items"].value == len(cost["unpriced"]) > 0
