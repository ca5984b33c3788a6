# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bill of materials against NVIDIA's published SuperPOD figures, counted by cage (#15).

Outside truth: NVIDIA DGX SuperPOD RA-11333-001 (V11, DGX H100), Table 4 "Compute fabric component
count" and Table 8 "Estimate of cables required for a 4 SU, 127-node DGX SuperPOD" (Compute
InfiniBand Cabling). Where our count differs, the row names the deliberate difference; it is
documented in docs/reference-architectures/training-pod.md.
"""

from __future__ import annotations

import collections
import os

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.artifacts import bom_text
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# RA-11333-001 V11, Table 4: SU -> (nodes, leaves, spines, "compute and UFM" cables, "spine-leaf" cables).
RA_TABLE_4 = {1: (31, 8, 4, 252, 256), 2: (63, 16, 8, 508, 512), 4: (127, 32, 16, 1020, 1024)}
# RA-11333-001 V11, 4 SU / 127 nodes, beyond the compute fabric: Table 7 "Major components"
# (switches, UFM, management servers, PDUs, racks) and Table 8 (storage cabling, out-of-band cables:
# 127 DGX + 64 InfiniBand switches + 8 in-band switches + 8 management and UFM nodes + 2 UFM
# back-to-back + 108 PDUs). Row labels of the reference document's table.
RA_FOUR_SU = {
    "UFM appliances": 4, "Management servers": 4, "Storage QM9700": 16, "In-band SN4600C": 8,
    "Out-of-band SN2201": 8, "Out-of-band spines SN4600C": 0, "Out-of-band 1G cables": 317,
    "Rack PDUs": 108, "Racks": 38, "Storage fibers, 400G": 494,
    "Storage switch transceivers (980-9I510-00NS00)": 369, "DGX storage QSFP112 transceivers (980-9I693-00NS00)": 254,
}
# RA-11333-001 V11, Table 8, Compute InfiniBand Cabling, 4 SU / 127 nodes (part number: count).
RA_TABLE_8_COMPUTE = {
    "980-9I570-00N030": 2040,     # NDR cables 400 Gb/s: DGX to leaf, leaf to spine
    "980-9I557-00N030": 2,        # NDR cables 200 Gb/s: UFM to leaf ports
    "980-9I510-00NS00": 1536,     # switch OSFP transceivers, leaf and spine
    "980-9I51A-00NS00": 508,      # system OSFP transceivers in the DGX H100 systems
    "980-9I51S-00NS00": 4,        # UFM system transceivers
}


def _pod(count, model="dgx-h100", **fabrics):
    design = {"name": "spod", "reference": "training-pod", "nodes": {"model": model, "count": count},
              "fabrics": dict({"storage": None, "inband": None, "oob": None}, **fabrics)}
    return plan_design(design)


def _bom(plan, fabric="compute"):
    out = collections.Counter()
    for row in plan.bom:
        if row["fabric"] == fabric:
            out[(row["category"], row["part_number"] or row["item"])] += row["quantity"]
    return out


@pytest.mark.parametrize("sus", sorted(RA_TABLE_4))
def test_compute_fabric_matches_ra_table_4(sus):
    nodes, leaves, spines, node_cables, spine_cables = RA_TABLE_4[sus]
    plan = _pod(nodes)
    compute = plan.fabrics["compute"]
    assert (compute["switches"]["leaf"], compute["switches"]["spine"]) == (leaves, spines)
    assert (compute["links"]["node_leaf"], compute["links"]["leaf_spine"]) == (node_cables, spine_cables)
    bom = _bom(plan)
    # Every compute link is multimode fiber, one straight fiber per 400G link.
    assert bom[("cable", "MFP7E10-Nxxx")] == node_cables + spine_cables
    # Every cage of every compute switch holds one twin-port module (all ports are in use at 1:1).
    assert bom[("transceiver", "980-9I510-00NS00")] == (leaves + spines) * 32
    # Four twin-port flat-top cages per DGX, one module each, whichever leaves the two rails reach.
    assert bom[("transceiver", "980-9I51A-00NS00")] == nodes * 4


def test_four_su_compute_bom_matches_ra_table_8():
    bom = _bom(_pod(127))
    ours = {"980-9I570-00N030": bom[("cable", "MFP7E10-Nxxx")],
            "980-9I510-00NS00": bom[("transceiver", "980-9I510-00NS00")],
            "980-9I51A-00NS00": bom[("transceiver", "980-9I51A-00NS00")],
            "980-9I51S-00NS00": bom[("transceiver", "980-9I51S-00NS00")]}
    assert ours["980-9I510-00NS00"] == RA_TABLE_8_COMPUTE["980-9I510-00NS00"]
    assert ours["980-9I51A-00NS00"] == RA_TABLE_8_COMPUTE["980-9I51A-00NS00"]
    assert ours["980-9I51S-00NS00"] == RA_TABLE_8_COMPUTE["980-9I51S-00NS00"]
    # Deliberate difference: the RA runs its 4 UFM ports at NDR200 over 2 cables (980-9I557);
    # the catalog's UFM appliance ports run at 400G, one straight fiber each: 2040 + 4 fibers.
    assert ours["980-9I570-00N030"] == RA_TABLE_8_COMPUTE["980-9I570-00N030"] + 4


def test_the_old_per_link_count_is_gone():
    """The BOM once added two single-port optics per fiber link: about 4,090 for this pod."""
    bom = _bom(_pod(127))
    modules = sum(q for (category, _part), q in bom.items() if category == "transceiver")
    assert modules == 1536 + 508 + 4
    assert modules < 2 * bom[("cable", "MFP7E10-Nxxx")] / 1.9


def test_hgx_pod_twin_port_switch_cages_and_single_port_adapters():
    """An HGX server has single-port OSFP adapters: next to its leaf a splitter DAC (MCP7Y00) takes
    one switch cage to two servers; farther away, one twin-port module per switch cage and one
    single-port module per adapter. Counted independently from the links here."""
    plan = _pod(127, model="hgx-h100")
    compute = [link for link in plan.links if link.fabric == "compute"]
    switch_cages = {(link.b_device, link.b_cage) for link in compute} | {
        (link.a_device, link.a_cage) for link in compute if plan.devices[link.a_device].role != "gpu_node"
        and plan.devices[link.a_device].role != "appliance"}
    on_dac = [link for link in compute if link.cable == "dac-400g"]
    assert on_dac, "leaves share racks with some nodes: splitter DACs"
    dac_heads = {(link.b_device, link.b_cage) for link in on_dac}
    assert len(on_dac) == 2 * len(dac_heads)                      # one splitter, two servers
    bom = _bom(plan)
    assert bom[("cable", "MCP7Y00-Nxxx")] == len(dac_heads)
    assert bom[("transceiver", "980-9I510-00NS00")] == len(switch_cages) - len(dac_heads) == 48 * 32 - len(dac_heads)
    node_links = [link for link in compute if link.tier in ("node_leaf", "appliance_leaf")]
    assert bom[("transceiver", "980-9I51S-00NS00")] == len(node_links) - len(on_dac)
    assert bom[("transceiver", "980-9I51A-00NS00")] == 0           # no DGX cages on an HGX server


def test_ndr200_connectors_take_splitter_fibers():
    """Storage ports at 200G on QM9700 cages run as 4 x 200G: each connector of a switch's
    twin-port module carries two ports, which a 1:2 splitter fiber (MFP7E20) takes to two adapters;
    switch to switch, the two ports of a connector go to one spine over one straight fiber."""
    fabric = {"kind": "infiniband", "switch": "qm9700", "nodes_per_su": 32, "oversubscription": 1, "appliances": None}
    plan = _pod(62, model="hgx-h100", storage=fabric)
    bom = _bom(plan, "storage")
    storage = [link for link in plan.links if link.fabric == "storage"]
    down = [link for link in storage if link.tier == "node_leaf"]
    up = [link for link in storage if link.tier == "leaf_spine"]
    assert bom[("cable", "MFP7E20-Nxxx")] == len(down) / 2
    assert bom[("cable", "MFP7E10-Nxxx")] == len(up) / 2
    assert bom[("transceiver", "980-9I693-00NS00")] == len(down)            # QSFP112 at 200G on each adapter
    switch_cages = {(link.b_device, link.b_cage) for link in storage} | {(link.a_device, link.a_cage) for link in up}
    assert bom[("transceiver", "980-9I510-00NS00")] == len(switch_cages)
    facing = collections.defaultdict(set)  # the two ports of a leaf connector reach one spine cage
    for link in up:
        connector = (link.a_end.port_number - 1) % 4 // 2
        facing[(link.a_device, link.a_cage, connector)].add((link.b_device, link.b_cage))
    assert len(facing) == len(up) / 2 and all(len(far) == 1 for far in facing.values())


def test_prices_only_from_the_catalog(tmp_path):
    plain = _pod(31)
    assert "cost" not in plain.summary and not any("unit_price" in r for r in plain.bom)
    assert bom_text(plain).splitlines()[0] == "category,item,part_number,fabric,detail,quantity"
    quotes = tmp_path / "quotes.yml"
    quotes.write_text(
        "servers:\n  dgx-h100:\n    source: quote 2026-11\n    rack_units: 8\n    power_kw: 10.2\n"
        "    price: 300000\n    currency: USD\n    gpus: {model: H100-SXM5-80GB, count: 8}\n"
        "    nics:\n      compute:\n        model: cx7-400g\n        ports: 8\n        speed_gbps: 400\n"
        "        cages: {OSFP1: [7, 4], OSFP2: [6, 5], OSFP3: [2, 1], OSFP4: [3, 0]}\n        cage_top: flat\n"
        "      bmc: {model: bmc-1g, ports: 1, speed_gbps: 1, form_factor: rj45}\n"
        "switches:\n  qm9700:\n    source: quote 2026-11\n    kind: infiniband\n    rack_units: 1\n"
        "    power_kw: 1.72\n    price: 25000\n    currency: USD\n    platforms: [mlnx-os, ufm]\n"
        "    ports: {count: 64, speed_gbps: 400, form_factor: osfp, cages: 32, top: finned}\n"
        "    breakouts: [{split: 2, speed_gbps: 200}]\n")
    design = {"name": "spod", "reference": "training-pod", "nodes": {"count": 31}, "catalog": [str(quotes)],
              "fabrics": {"inband": None, "oob": None}}
    plan = plan_design(design, base_dir=os.fspath(tmp_path))
    rows = {(r["category"], r["item"], r["detail"]): r for r in plan.bom}
    assert rows[("server", "dgx-h100", "")]["extended_price"] == 31 * 300000
    assert rows[("switch", "qm9700", "leaf")]["extended_price"] == 8 * 25000
    assert "unit_price" not in rows[("appliance", "ufm-3.0", "")]       # never an invented price
    cost = plan.summary["cost"]
    assert cost["total"] == 31 * 300000 + 12 * 25000 and cost["currency"] == "USD"
    assert cost["per_gpu"] == round(cost["total"] / (31 * 8), 2)
    assert cost["per_bisection_gbps"] == round(cost["total"] / plan.fabrics["compute"]["bisection_gbps"], 2)
    assert "appliance ufm-3.0" in cost["unpriced"]
    text = bom_text(plan).splitlines()
    assert text[0].endswith(",unit_price,extended_price,currency")
    assert text[-1].startswith("total,") and "%.2f" % cost["total"] in text[-1]


def test_bisection_is_half_the_narrowest_tier():
    plan = _pod(127)
    compute = plan.fabrics["compute"]
    # 1:1 fat tree: node links (1016 DGX + 4 UFM) x 400G against 1024 leaf-spine links x 400G.
    assert compute["bisection_gbps"] == min(1020, 1024) * 400 / 2
    over = _pod(127, compute={"oversubscription": 2})
    assert over.fabrics["compute"]["bisection_gbps"] == over.fabrics["compute"]["links"]["leaf_spine"] * 400 / 2


# --- the reference document's BOM table: ours for 1, 2 and 4 SU beside the RA's -------------------

def _count(plan, category, fabric=None, item=None, detail=None):
    return sum(r["quantity"] for r in plan.bom if r["category"] == category
               and (fabric is None or r["fabric"] == fabric)
               and (item is None or item in (r["item"], r["part_number"]))
               and (detail is None or r["detail"] == detail))


# Row label of docs/reference-architectures/training-pod.md -> how to count it in a plan.
DOC_ROWS = {
    "DGX H100 nodes": lambda p: _count(p, "server"),
    "Compute leaf QM9700": lambda p: _count(p, "switch", "compute", "qm9700", "leaf"),
    "Compute spine QM9700": lambda p: _count(p, "switch", "compute", "qm9700", "spine"),
    "Compute node and UFM links": lambda p: p.fabrics["compute"]["links"]["node_leaf"],
    "Compute leaf-spine links": lambda p: p.fabrics["compute"]["links"]["leaf_spine"],
    "Compute fibers, 400G (980-9I570-00N030 / MFP7E10)": lambda p: _count(p, "cable", "compute", "MFP7E10-Nxxx"),
    "UFM cables, 200G (980-9I557-00N030)": lambda p: _count(p, "cable", "compute", "980-9I557-00N030"),
    "Switch OSFP transceivers, compute (980-9I510-00NS00)": lambda p: _count(p, "transceiver", "compute",
                                                                             "980-9I510-00NS00"),
    "DGX system OSFP transceivers (980-9I51A-00NS00)": lambda p: _count(p, "transceiver", "compute", "980-9I51A-00NS00"),
    "UFM transceivers, compute (980-9I51S-00NS00)": lambda p: _count(p, "transceiver", "compute", "980-9I51S-00NS00"),
    "UFM appliances": lambda p: _count(p, "appliance", item="ufm-3.0"),
    "Storage QM9700": lambda p: _count(p, "switch", "storage", "qm9700"),
    "Storage fibers, 400G": lambda p: _count(p, "cable", "storage", "MFP7E10-Nxxx"),
    "Storage switch transceivers (980-9I510-00NS00)": lambda p: _count(p, "transceiver", "storage", "980-9I510-00NS00"),
    "DGX storage QSFP112 transceivers (980-9I693-00NS00)": lambda p: _count(p, "transceiver", "storage",
                                                                            "980-9I693-00NS00"),
    "In-band SN4600C": lambda p: _count(p, "switch", "inband", "sn4600c"),
    "Out-of-band SN2201": lambda p: _count(p, "switch", "oob", "sn2201"),
    "Out-of-band spines SN4600C": lambda p: _count(p, "switch", "oob", "sn4600c"),
    "Out-of-band 1G cables": lambda p: _count(p, "cable", "oob", "rj45-cat6"),
    "Management servers": lambda p: _count(p, "appliance", item="mgmt-x86"),
    "Rack PDUs": lambda p: _count(p, "pdu"),
    "Racks": lambda p: len(p.racks),
}


def _doc_table():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "reference-architectures",
                        "training-pod.md")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index("### Ours beside NVIDIA's"):]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] not in ("Item",) and not cells[0].startswith("---"):
            rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def reference_plans():
    return {sus: plan_design({"name": "pod", "reference": "training-pod", "nodes": {"count": nodes}})
            for sus, nodes in ((1, 31), (2, 63), (4, 127))}


def test_the_reference_doc_shows_the_bom_we_plan_beside_the_ra(reference_plans):
    rows = _doc_table()
    assert set(rows) == set(DOC_ROWS)
    for label, count in DOC_ROWS.items():
        ours1, ra1, ours2, ra2, ours4, ra4, why = rows[label]
        for sus, ours in ((1, ours1), (2, ours2), (4, ours4)):
            assert int(ours) == count(reference_plans[sus]), (label, sus)
        # A figure that differs from the RA's is a documented choice; one that agrees has no note.
        differs = any(ra != "-" and ra != ours for ours, ra in ((ours1, ra1), (ours2, ra2), (ours4, ra4)))
        assert bool(why) == differs, (label, rows[label])
    for sus, (nodes, leaves, spines, node_cables, spine_cables) in RA_TABLE_4.items():
        i = {1: 1, 2: 3, 4: 5}[sus]
        assert [rows[k][i] for k in ("DGX H100 nodes", "Compute leaf QM9700", "Compute spine QM9700",
                                     "Compute node and UFM links", "Compute leaf-spine links")] == [
            str(nodes), str(leaves), str(spines), str(node_cables), str(spine_cables)]
    assert [rows[k][5] for k in ("Switch OSFP transceivers, compute (980-9I510-00NS00)",
                                 "DGX system OSFP transceivers (980-9I51A-00NS00)",
                                 "UFM transceivers, compute (980-9I51S-00NS00)")] == ["1536", "508", "4"]
    # The RA column of the whole pod is the RA's, not ours written twice.
    assert {k: int(rows[k][5]) for k in RA_FOUR_SU} == RA_FOUR_SU


def test_every_management_port_is_cabled_to_the_out_of_band_fabric(reference_plans):
    """The RA's out-of-band fabric "connects the management ports of all devices": every switch of
    the other fabrics (by its platform's port name), every appliance and PDU, one RJ45 cable each."""
    plan = reference_plans[4]
    mgmt = [link for link in plan.links if link.tier == "mgmt_leaf"]
    served = collections.Counter(link.a_device for link in mgmt)
    expected = [d for d in plan.devices.values() if d.fabric != "oob" and d.role != "gpu_node"]
    assert sorted(served) == sorted(d.name for d in expected) and set(served.values()) == {1}
    ports = {plan.devices[link.a_device].platform: link.a_port for link in mgmt}
    assert ports == {"mlnx-os": "mgmt0", "cumulus": "eth0", "linux": "mgmt", "pdu": "mgmt"}
    assert {link.cable for link in mgmt} == {"rj45-cat6"}
    assert all(plan.devices[link.b_device].fabric == "oob" for link in mgmt)
    # ... and never configured as a data port of the switch.
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import switch_config
    config = switch_config(plan, "pod-inb-leaf-1")
    assert "eth0" not in [i["name"] for i in config["interfaces"]]
    # The BOM buys what the RA calls the pod: PDUs by part number, three per DGX rack, two elsewhere.
    pdus = {r["part_number"]: r["quantity"] for r in plan.bom if r["category"] == "pdu"}
    kinds = collections.Counter(r.kind for r in plan.racks)
    assert pdus == {"PX3-5878I2R-P1Q2R1A15D5": 3 * kinds["compute"], "PX3-5747V-V2": 2 * kinds["network"]}


def test_appliances_of_every_fabric_keep_their_ports_as_the_pod_grows():
    """UFM on storage and management servers on in-band sit at the end of their fabric's SU 1: the
    nodes after them move up in that fabric alone, so growing the pod moves neither."""
    small, big = (plan_design({"name": "pod", "reference": "training-pod", "nodes": {"count": n}}) for n in (63, 127))
    for name in ("pod-stor-ufm-1", "pod-stor-ufm-2", "pod-inb-mgmt-1", "pod-inb-mgmt-4", "pod-node-63"):
        ports = [(i.name, i.peer_device, i.peer_port, i.address) for i in small.devices[name].interfaces
                 if i.fabric != "oob"]
        assert ports == [(i.name, i.peer_device, i.peer_port, i.address) for i in big.devices[name].interfaces
                         if i.fabric != "oob"], name
    ufm = small.devices["pod-stor-ufm-1"]
    assert [(i.peer_device, i.peer_port) for i in ufm.interfaces if i.fabric == "storage"] == [
        ("pod-stor-leaf-1", "IB1/33"), ("pod-stor-leaf-2", "IB1/33")]


STORAGE_TARGET = """\
appliances:
  nas-x:
    source: unit test (a storage target the buyer chose)
    part_number: NAS-X-1
    kind: infiniband
    role: storage
    management_ports: 2
    management_port: ipmi
    rack_units: 2
    power_kw: 1.5
    ports: 4
    speed_gbps: 400
    form_factor: qsfp112
"""


def test_storage_targets_are_appliances_of_the_storage_fabric(tmp_path):
    """The RA leaves the storage to the buyer: a catalog entry of role storage, attached to the
    storage fabric, is placed, cabled, counted and put on the out-of-band fabric like the rest."""
    (tmp_path / "storage.yml").write_text(STORAGE_TARGET)
    design = {"name": "pod", "reference": "training-pod", "nodes": {"count": 63}, "catalog": ["storage.yml"],
              "fabrics": {"storage": {"appliances": [{"model": "ufm-3.0", "count": 2}, {"model": "nas-x", "count": 3}]}}}
    plan = plan_design(design, base_dir=os.fspath(tmp_path))
    targets = [d for d in plan.devices.values() if d.model == "nas-x"]
    assert [d.name for d in targets] == ["pod-stor-target-1", "pod-stor-target-2", "pod-stor-target-3"]
    for dev in targets:
        data = [i for i in dev.interfaces if i.fabric == "storage"]
        # Four ports spread over the storage leaf pair, as a node's two ports are.
        assert len(data) == 4 and len({i.peer_device for i in data}) == 2
        mgmt = [i for i in dev.interfaces if i.fabric == "oob"]
        assert [i.name for i in mgmt] == ["ipmi1", "ipmi2"] and {i.role for i in mgmt} == {"mgmt"}
        assert dev.rack and dev.mgmt_address
    rows = {(r["category"], r["item"]): r for r in plan.bom}
    assert rows[("appliance", "nas-x")]["quantity"] == 3 and rows[("appliance", "nas-x")]["part_number"] == "NAS-X-1"
    # 2 UFM x 2 ports + 3 targets x 4 ports = 16 ports = 8 positions at the end of storage SU 1.
    storage = plan.fabrics["storage"]
    assert storage["links"]["node_leaf"] == 63 * 2 + 16


def _eth_pod_with_quotes(tmp_path, price_2x400, price_800):
    """127 DGX H100 on SN5600 (400G breakouts down, 800G up): both ways of running 980-9I510-00NS00
    in one fabric, with the two catalog items quoted at the given prices."""
    with open(os.path.join(ROOT, "catalog", "cables.yml"), encoding="utf-8") as handle:
        builtin = yaml.safe_load(handle)["cables"]
    quotes = tmp_path / "quotes.yml"
    quotes.write_text(yaml.safe_dump({"cables": {
        "xcvr-2x400g-sr4": dict(builtin["xcvr-2x400g-sr4"], price=price_2x400, currency="USD"),
        "xcvr-800g-2xsr4": dict(builtin["xcvr-800g-2xsr4"], price=price_800, currency="USD")}}))
    design = {"name": "eth", "reference": "training-pod", "catalog": [str(quotes)],
              "fabrics": {"storage": None, "inband": None, "oob": None,
                          "compute": {"kind": "roce", "switch": "sn5600", "platform": "cumulus"}}}
    return plan_design(design, base_dir=os.fspath(tmp_path))


def test_one_part_number_is_one_row_with_one_price(tmp_path):
    plan = _eth_pod_with_quotes(tmp_path, 900, 900)
    cages = {}
    for link in plan.links:
        for dev, cage, module in ((link.a_device, link.a_cage, link.a_module), (link.b_device, link.b_cage, link.b_module)):
            if module:
                cages[(dev, cage)] = module
    modules = collections.Counter(cages.values())
    assert modules["xcvr-2x400g-sr4"] and modules["xcvr-800g-2xsr4"]        # both ways are in the plan
    rows = [r for r in plan.bom if r["part_number"] == "980-9I510-00NS00"]
    assert len(rows) == 1
    assert rows[0]["item"] == "xcvr-2x400g-sr4 + xcvr-800g-2xsr4"
    assert rows[0]["quantity"] == modules["xcvr-2x400g-sr4"] + modules["xcvr-800g-2xsr4"]
    assert rows[0]["extended_price"] == 900 * rows[0]["quantity"]
    assert sum(1 for line in bom_text(plan).splitlines() if ",980-9I510-00NS00," in line) == 1


def test_one_part_number_with_two_prices_is_refused_by_field(tmp_path):
    with pytest.raises(DesignError) as err:
        _eth_pod_with_quotes(tmp_path, 900, 1000)
    assert "catalog.cables.xcvr-2x400g-sr4.price" in str(err.value)
    assert "980-9I510-00NS00" in str(err.value)
