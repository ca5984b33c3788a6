# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Blackwell tables of the reference documents hold what the planner plans (issue #17, item 5).

docs/reference-architectures/training-pod.md, "Blackwell: DGX B300", and
docs/reference-architectures/inference-pool.md, "Blackwell: HGX B300", each write out their
designs as YAML blocks and give a table of what to buy. This test reads the designs from the
documents, plans them at the table's sizes and checks every cell of "ours" against the plan, so
neither the designs nor the tables can drift from the planner.

The training-pod tables sit beside the published rows, "Table 3", of:

* XDR InfiniBand: NVIDIA DGX SuperPOD B300 XDR RA (RA-11339-001), DGX SuperPOD Architecture,
  https://docs.nvidia.com/dgx-superpod/reference-architecture/scalable-infrastructure-b300-xdr/latest/dgx-superpod-architecture.html
* Spectrum-4 Ethernet: NVIDIA DGX SuperPOD B300 Spectrum-4 RA, DGX SuperPOD Architecture,
  https://docs.nvidia.com/dgx-superpod/reference-architecture/scalable-infrastructure-b300/latest/dgx-superpod-architecture.html

(the same pages and rows as tests/unit/planner/test_planner_b300.py). A figure of ours that
differs from the published one must carry a note in the table's last column, and one that agrees
must not.
"""

from __future__ import annotations

import copy
import os
import re

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "reference-architectures")

# Table 3 of each RA, as published: SU -> (nodes, GPUs, leaf, spine, node-leaf cables, leaf-spine cables).
XDR_TABLE_3 = {1: (72, 576, 8, 4, 576, 576), 2: (144, 1152, 16, 8, 1152, 1152), 4: (288, 2304, 32, 18, 2304, 2304)}
SPECTRUM_TABLE_3 = {1: (64, 512, 16, 8, 512, 512), 2: (128, 1024, 32, 16, 1024, 1024),
                    4: (256, 2048, 64, 32, 2048, 2048)}
SWITCH_ROLES = ("leaf", "spine", "core")


def _count(plan, category, item, detail=None):
    return sum(r["quantity"] for r in plan.bom if r["category"] == category and r["fabric"] == "compute"
               and item in (r["item"], r["part_number"]) and (detail is None or r["detail"] == detail))


def _count_servers(plan):
    return sum(r["quantity"] for r in plan.bom if r["category"] == "server")


def _switch_kw(plan):
    kw = sum(d.power_kw for d in plan.devices.values() if d.role in SWITCH_ROLES and d.fabric == "compute")
    return "%.1f" % kw


def _links(tier):
    return lambda p: p.fabrics["compute"]["links"][tier]


# Each table's rows: (label, catalog cell, how to count it in a plan). The first six rows of a
# training-pod table are Table 3's columns, in its order.
XDR_ROWS = [
    ("DGX B300 nodes", "`dgx-b300`", _count_servers),
    ("GPUs", "", lambda p: p.summary["gpus"]),
    ("Leaves", "`q3400`", lambda p: _count(p, "switch", "q3400", "leaf")),
    ("Spines", "`q3400`", lambda p: _count(p, "switch", "q3400", "spine")),
    ("Node-leaf links, 800G", "", _links("node_leaf")),
    ("Leaf-spine links, 800G", "", _links("leaf_spine")),
    ("Fibers, single-mode", "`fiber-800g-sm` (MFP7E30)", lambda p: _count(p, "cable", "fiber-800g-sm")),
    ("Switch transceivers, twin-port 2 x 800G", "`xcvr-2x800g-dr4` (980-9IAH1-00XM00)",
     lambda p: _count(p, "transceiver", "980-9IAH1-00XM00")),
    ("Node transceivers, 800G, flat top", "`xcvr-800g-dr4` (980-9IAT0-00XM00)",
     lambda p: _count(p, "transceiver", "980-9IAT0-00XM00")),
    ("Switch power, kW (catalog estimate)", "`q3400`", _switch_kw),
]
SPECTRUM_ROWS = [
    ("DGX B300 nodes", "`dgx-b300`", _count_servers),
    ("GPUs", "", lambda p: p.summary["gpus"]),
    ("Leaves, both planes", "`sn5600`", lambda p: _count(p, "switch", "sn5600", "leaf")),
    ("Spines, both planes", "`sn5600`", lambda p: _count(p, "switch", "sn5600", "spine")),
    ("Node-leaf links, 400G", "", _links("node_leaf")),
    ("Leaf-spine links, 800G", "", _links("leaf_spine")),
    ("Fibers, multimode", "`fiber-400g-mm` (MFP7E10)", lambda p: _count(p, "cable", "fiber-400g-mm")),
    # One part run two ways (2 x 400G toward the nodes, one 800G port toward the spines): one BOM row.
    ("Switch transceivers, twin-port 980-9I510-00NS00", "`xcvr-2x400g-sr4` + `xcvr-800g-2xsr4`",
     lambda p: _count(p, "transceiver", "980-9I510-00NS00")),
    ("Node transceivers, twin-port flat top", "`xcvr-2x400g-sr4-flat` (980-9I51A-00NS00)",
     lambda p: _count(p, "transceiver", "980-9I51A-00NS00")),
    ("Switch power, kW (catalog estimate)", "`sn5600`", _switch_kw),
]
# The inference pool's table: the Spectrum-X rows, with HGX B300 nodes.
POOL_ROWS = [("HGX B300 nodes", "`hgx-b300`", SPECTRUM_ROWS[0][2])] + SPECTRUM_ROWS[1:]


def _leaf_cages(plan):
    """How many cages each compute leaf uses (the set of the counts)."""
    cages = {}
    for link in plan.links:
        if link.fabric != "compute":
            continue
        for dev, cage in ((link.a_device, link.a_cage), (link.b_device, link.b_cage)):
            if plan.devices[dev].role == "leaf":
                cages.setdefault(dev, set()).add(cage)
    return {len(used) for used in cages.values()}


def _section(doc, heading):
    """The text under a heading, up to the next heading of the same or a higher level."""
    with open(os.path.join(DOCS, doc), encoding="utf-8") as handle:
        text = handle.read()
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(heading + "\n")
    following = re.compile(r"^#{1,%d} " % level, re.M)
    end = following.search(text, start + len(heading) + 1)
    return text[start:end.start() if end else len(text)]


def _designs(section):
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)]


def _table(section, columns):
    rows = {}
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == columns and cells[0] != "Item" and not cells[0].startswith("---"):
            rows[cells[0]] = cells[1:]
    return rows


def _plan(design, nodes):
    design = copy.deepcopy(design)
    design["nodes"]["count"] = nodes
    return plan_design(design)


def _check_training_table(section, rows, published):
    table = _table(section, 9)
    assert list(table) == [row[0] for row in rows]
    (design,) = _designs(section)
    plans = {sus: _plan(design, published[sus][0]) for sus in published}
    for i, (label, catalog, count) in enumerate(rows):
        item, ours1, ra1, ours2, ra2, ours4, ra4, why = table[label]
        assert item == catalog, label
        for sus, ours in ((1, ours1), (2, ours2), (4, ours4)):
            assert ours == str(count(plans[sus])), (label, sus, ours, count(plans[sus]))
        # The RA columns are the published Table 3, and "-" where it publishes nothing.
        for sus, ra in ((1, ra1), (2, ra2), (4, ra4)):
            assert ra == (str(published[sus][i]) if i < 6 else "-"), (label, sus)
        # A figure that differs from the RA's carries a note; one that agrees carries none.
        differs = any(ra != "-" and ra != ours for ours, ra in ((ours1, ra1), (ours2, ra2), (ours4, ra4)))
        assert bool(why) == differs, (label, table[label])
    return plans


@pytest.fixture(scope="module")
def b300_section():
    return _section("training-pod.md", "## Blackwell: DGX B300")


def test_the_training_pod_doc_has_two_b300_designs(b300_section):
    headings = ("### DGX B300 on XDR InfiniBand (Q3400)", "### DGX B300 on Spectrum-X Ethernet (SN5600, two planes)")
    xdr, ethernet = (_section("training-pod.md", heading) for heading in headings)
    assert xdr in b300_section and ethernet in b300_section
    assert [d["fabrics"]["compute"]["switch"] for d in _designs(b300_section)] == ["q3400", "sn5600"]
    assert _designs(ethernet)[0]["fabrics"]["compute"]["planes"] == 2


def test_b300_xdr_table_holds_the_plan():
    section = _section("training-pod.md", "### DGX B300 on XDR InfiniBand (Q3400)")
    plans = _check_training_table(section, XDR_ROWS, XDR_TABLE_3)
    for plan in plans.values():
        assert plan.summary["fabrics"]["compute"]["tiers"] == 2


def test_b300_spectrum_table_holds_the_plan():
    section = _section("training-pod.md", "### DGX B300 on Spectrum-X Ethernet (SN5600, two planes)")
    plans = _check_training_table(section, SPECTRUM_ROWS, SPECTRUM_TABLE_3)
    # The note's claim: every leaf's 64 cages are in use, 32 down (2 x 400G each) and 32 up (800G).
    assert _leaf_cages(plans[1]) == {64}


def test_inference_pool_b300_table_holds_the_plan():
    section = _section("inference-pool.md", "## Blackwell: HGX B300")
    (design,) = _designs(section)
    assert design["nodes"]["model"] == "hgx-b300" and design["reference"] == "inference-pool"
    table = _table(section, 5)
    assert list(table) == [row[0] for row in POOL_ROWS]
    plans = [_plan(design, nodes) for nodes in (64, 128, 256)]
    for plan in plans:
        assert plan.fabrics["compute"]["kind"] == "roce"
        assert {d.plane for d in plan.devices.values() if d.role == "leaf" and d.fabric == "compute"} == {1, 2}
    for label, catalog, count in POOL_ROWS:
        assert table[label] == [catalog] + [str(count(p)) for p in plans], label
    # The text's claim: a leaf uses 48 of its 64 cages (32 down, 16 up).
    assert _leaf_cages(plans[0]) == {48}
