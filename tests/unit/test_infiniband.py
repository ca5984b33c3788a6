# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""InfiniBand: parsers, matching discovered GUIDs to the plan, SM decisions and the fabric checks.

No simulator needed: the topologies are either fixtures captured from the ibsim twin
(tests/unit/fixtures/ib, see tests/ib/test_twin.py) or the twin's own topology file, which is in
ibnetdiscover's format (``ib_twin.netfile``), parsed directly.
"""

from __future__ import annotations

import copy
import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin import ib as ib_twin
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import FabricView, guid_text
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.subnet_manager import ipoib_group, routing_choice, sm_config
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.finding import counts, finding
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_checks import (
    check_cabling, check_fabric, check_subnet, finding_lines)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_match import match_fabric
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_parsers import (
    initiator, parse_ibnetdiscover, parse_ibswitches, parse_opensm_log)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures", "ib")
LAB_IB = os.path.join(ROOT, "inventories", "lab-ib", "design.yml")
SU1 = os.path.join(ROOT, "tests", "ib", "designs", "su1.yml")
TENANTS = os.path.join(ROOT, "tests", "ib", "designs", "labib-tenants.yml")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "r", encoding="utf-8") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def labib():
    return plan_design(LAB_IB).to_dict()


@pytest.fixture(scope="module")
def su1():
    return plan_design(SU1).to_dict()


@pytest.fixture(scope="module")
def tenants():
    return plan_design(TENANTS).to_dict()


def link_id(plan, device, port):
    for link in plan["links"]:
        if (link["a_device"], link["a_port"]) == (device, port) or (link["b_device"], link["b_port"]) == (device, port):
            return link["id"]
    raise AssertionError("no link at %s %s" % (device, port))


def twin_topology(plan, faults=None):
    """The twin's topology parsed as ibnetdiscover output, and the twin's GUIDs by plan name."""
    view = FabricView(plan)
    text, meta = ib_twin.netfile(view, faults=faults)
    topo = parse_ibnetdiscover(text)
    return view, topo, meta


def cabling(plan, faults=None, guids=None):
    view, topo, _meta = twin_topology(plan, faults)
    match = match_fabric(view, topo, guids)
    return match, check_cabling(view, match, speed_cap="HDR")


# --- parsers ------------------------------------------------------------------------------------

SAMPLE = """#
# Topology file: generated on Thu Nov 26 10:23:29 2026
#
# Initiated from node 0000000000100000 port 0000000000100001

vendid=0x2c9
devid=0xd2f0
sysimgguid=0xb83fd203001a2b3c
switchguid=0xb83fd203001a2b3c(b83fd203001a2b3c)
Switch\t64 "S-b83fd203001a2b3c"\t\t# "MF0;leaf-a:MQM9700/U1" enhanced port 0 lid 12 lmc 0
[1]\t"H-0000000000100000"[1](100001) \t\t# "dgx-01 mlx5_0" lid 3 4xNDR
[33][ext 33]\t"S-b83fd203001a2b40"[1][ext 1]\t\t# "MF0;spine-a:MQM9700/U1" lid 14 2xNDR

vendid=0x2c9
devid=0x1021
sysimgguid=0x100000
caguid=0x100000
Ca\t1 "H-0000000000100000"\t\t# "dgx-01 mlx5_0"
[1](100001) \t"S-b83fd203001a2b3c"[1]\t\t# lid 3 lmc 0 "MF0;leaf-a:MQM9700/U1" lid 12 4xNDR
"""


def test_parse_ibnetdiscover_reads_nodes_ports_rates_and_lids():
    topo = parse_ibnetdiscover(SAMPLE)
    leaf = topo["0xb83fd203001a2b3c"]
    assert leaf["type"] == "switch" and leaf["nports"] == 64 and leaf["lid"] == 12
    assert leaf["desc"] == "MF0;leaf-a:MQM9700/U1"
    assert leaf["ports"][1] == {"peer": "0x0000000000100000", "peer_port": 1, "port_guid": "0xb83fd203001a2b3c",
                                "peer_port_guid": "0x0000000000100001", "width": 4, "speed": "NDR", "lid": None,
                                "peer_lid": 3, "peer_desc": "dgx-01 mlx5_0"}
    assert leaf["ports"][33]["peer"] == "0xb83fd203001a2b40" and leaf["ports"][33]["width"] == 2
    hca = topo["0x0000000000100000"]
    assert hca["type"] == "ca" and hca["desc"] == "dgx-01 mlx5_0" and hca["lid"] == 3
    assert hca["ports"][1]["port_guid"] == "0x0000000000100001" and hca["ports"][1]["peer_port"] == 1
    assert initiator(SAMPLE) == ("0x0000000000100000", "0x0000000000100001")


def test_parse_ibnetdiscover_of_the_twin_fixture():
    topo = parse_ibnetdiscover(fixture("labib.ibnetdiscover"))
    kinds = sorted(n["type"] for n in topo.values())
    assert kinds.count("switch") == 4 and kinds.count("ca") == 8
    assert all(p["speed"] == "EDR" and p["width"] == 4 for n in topo.values() for p in n["ports"].values())
    assert all(n["lid"] for n in topo.values())


def test_parse_ibnetdiscover_names_an_unreadable_line():
    with pytest.raises(InfinibandError, match="line 3: cannot read"):
        parse_ibnetdiscover('Switch 8 "S-0000000000000001" # "a" base port 0 lid 1 lmc 0\n[1] "H-1"[1]\n[2] junk\n')


def test_parse_ibswitches():
    text = ('Switch\t: 0xfc6a1cc63f646720 ports 6 "MF0;sw-646720:LAB-IB-SWITCH/U1" base port 0 lid 4 lmc 0\n'
            'Switch\t: 0x2 ports 64 "spine 1" enhanced port 0 lid 9 lmc 0\n')
    assert parse_ibswitches(text) == [
        {"guid": "0xfc6a1cc63f646720", "ports": 6, "desc": "MF0;sw-646720:LAB-IB-SWITCH/U1", "lid": 4},
        {"guid": "0x0000000000000002", "ports": 64, "desc": "spine 1", "lid": 9}]


def test_parse_opensm_log_ftree_fallback_and_standby():
    ok = parse_opensm_log(fixture("opensm-ftree.log"))
    assert ok["state"] == "MASTER" and ok["subnet_up"] and ok["engine"] == "ftree"
    assert ok["failed_engines"] == [] and ok["errors"] == []
    fallback = parse_opensm_log(fixture("opensm-fallback.log"))
    assert fallback["engine"] == "updn" and fallback["failed_engines"] == ["ftree"]
    assert any("ERR AB26" in line for line in fallback["errors"])
    standby = parse_opensm_log(fixture("opensm-standby.log"))
    assert standby["state"] == "STANDBY" and not standby["subnet_up"] and standby["engine"] is None
    # A restart forgets the previous run.
    again = parse_opensm_log(fixture("opensm-fallback.log") + fixture("opensm-standby.log"))
    assert again["engine"] is None and again["errors"] == []


def test_guid_text():
    assert guid_text("0xFC6A1C3ED409EA41") == "0xfc6a1c3ed409ea41"
    assert guid_text("S-0002c903000e0b72") == "0x0002c903000e0b72"
    assert guid_text(1) == "0x0000000000000001"
    with pytest.raises(InfinibandError):
        guid_text("zz")


# --- plan view and decisions --------------------------------------------------------------------

def test_expected_rates(su1, labib):
    view = FabricView(su1)
    link = su1["links"][0]
    assert view.expected_rate(link) == (4, "NDR", 400.0)
    split = dict(link, speed_gbps=200.0)
    leaf = link["b_device"]
    view.switches[leaf]["split"][link["b_port"]] = 2
    assert view.expected_rate(split) == (2, "NDR", 200.0)
    lab = FabricView(labib)
    assert lab.expected_rate(labib["links"][0]) == (4, "EDR", 100.0)


def test_routing_engines(labib, su1):
    view = FabricView(labib)
    choice = routing_choice(view)
    assert choice["engine"] == "ftree" and choice["engines"] == ["ftree", "updn"] and choice["fat_tree"]
    assert routing_choice(view, "mlnx")["engines"] == ["ar_updn"]
    assert routing_choice(view, "mlnx", adaptive_routing=False)["engine"] == "ftree"
    assert routing_choice(FabricView(su1))["engine"] == "ftree"
    with pytest.raises(InfinibandError):
        routing_choice(view, "ufm")


def test_a_leaf_pair_is_not_a_fat_tree():
    design = plan_design(LAB_IB).design.raw
    raw = copy.deepcopy({k: design[k] for k in ("name", "workload", "nodes", "facility", "addressing")})
    raw["fabrics"] = {"compute": dict(kind="infiniband", switch="lab-ib-switch", platform="mlnx-os",
                                      rail_optimized=True, nodes_per_su=4, tiers=1)}
    view = FabricView(plan_design(raw).to_dict())
    choice = routing_choice(view)
    assert choice["engine"] == "updn" and not choice["fat_tree"]


def test_a_wrong_fabric_is_refused(labib):
    with pytest.raises(InfinibandError, match="no fabric 'storage'"):
        FabricView(labib, "storage")
    lab = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml")).to_dict()
    with pytest.raises(InfinibandError, match="not infiniband"):
        FabricView(lab)


def test_sm_config_of_the_lab(labib):
    view = FabricView(labib)
    match = match_fabric(view, parse_ibnetdiscover(fixture("labib.ibnetdiscover")))
    config, problems, warnings = sm_config(view, match)
    assert problems == [] and warnings == []
    assert [r["name"] for r in config["root_guids"]] == ["labib-spine-1", "labib-spine-2"]
    names = [r["name"] for r in config["node_name_map"]]
    assert names[:3] == ["labib-leaf-1", "labib-leaf-2", "labib-node-1 rail0"] and len(names) == 12
    assert config["partitions"] == [{"name": "Default", "pkey": "0x7fff", "ipoib": True, "members": [],
                                     "mtu": 5, "rate": 16, "mtu_bytes": 4096, "rate_gbps": 100.0,
                                     "entries": [{"id": "ALL", "membership": "full", "name": ""}]}]
    assert config["identified"] == {"switches": 4, "hcas": 8, "planned_switches": 4, "planned_hcas": 8,
                                    "discovered_nodes": 12}


def test_partitions_per_tenant(tenants):
    view, topo, meta = twin_topology(tenants)
    config, problems, _warnings = sm_config(view, match_fabric(view, topo))
    assert problems == []
    default, blue, green = config["partitions"]
    assert [e["id"] for e in default["entries"][:3]] == ["ALL", "ALL_SWITCHES", "SELF"]
    assert default["entries"][0]["membership"] == "limited"
    assert [e["name"] for e in default["entries"][3:]] == ["labibt-node-4 rail0", "labibt-node-4 rail1"]
    assert (blue["name"], blue["pkey"]) == ("blue", "0x0010") and (green["pkey"]) == "0x0011"
    assert [m["name"] for m in blue["members"]] == ["labibt-node-1 rail0", "labibt-node-1 rail1",
                                                    "labibt-node-2 rail0", "labibt-node-2 rail1"]
    assert blue["members"][0]["guid"] == meta["port_guids"]["labibt-node-1 rail0"]
    assert all(m["membership"] == "full" for m in blue["members"] + green["members"])


@pytest.mark.parametrize("pkey, message", [(None, "has no pkey"), (0x7FFF, "reserved"), ("x", "not a number")])
def test_bad_tenant_pkeys(tenants, pkey, message):
    plan = copy.deepcopy(tenants)
    plan["design"]["tenants"][1]["pkey"] = pkey
    view, topo, _meta = twin_topology(plan)
    _config, problems, _warnings = sm_config(view, match_fabric(view, topo))
    assert len(problems) == 1 and message in problems[0]["message"]


# IBTA codes: MTU 2048 is 4, 4096 is 5; rate 100 Gb/s is 16, 200 is 17, 400 is 21, 600 is 22
# (opensm(8) PARTITION CONFIGURATION; IB_MTU_LEN_* and IB_PATH_RECORD_RATE_* in OpenSM's ib_types.h).
@pytest.mark.parametrize("mtu, code", [(2048, 4), (4096, 5)])
def test_every_partition_carries_the_fabric_mtu_and_rate(tenants, mtu, code):
    plan = copy.deepcopy(tenants)
    plan["fabrics"]["compute"]["mtu"] = mtu
    view, topo, _meta = twin_topology(plan)
    config, problems, _warnings = sm_config(view, match_fabric(view, topo))
    assert problems == [] and len(config["partitions"]) == 3
    for part in config["partitions"]:
        assert (part["mtu"], part["mtu_bytes"]) == (code, mtu), part["name"]
        assert (part["rate"], part["rate_gbps"]) == (16, 100.0), part["name"]


def test_the_ipoib_rate_is_the_slowest_link_of_the_fabric(su1):
    view = FabricView(su1)
    assert ipoib_group(view) == {"mtu": 5, "mtu_bytes": 4096, "rate": 21, "rate_gbps": 400.0}
    plan = copy.deepcopy(su1)
    uplink = next(link for link in plan["links"] if link.get("fabric") == "compute"
                  and link["a_device"] in view.switches and link["b_device"] in view.switches)
    uplink["speed_gbps"] = 200    # one split (NDR200) leaf-spine cable
    assert ipoib_group(FabricView(plan))["rate"] == 17
    for link in plan["links"]:
        link["speed_gbps"] = 800     # faster than OpenSM 3.3.23 knows: its IB_MAX_RATE, 600
    assert ipoib_group(FabricView(plan))["rate"] == 22
    for link in plan["links"]:
        link["speed_gbps"] = 56.25   # 4xFDR
    assert ipoib_group(FabricView(plan))["rate"] == 12


# --- matching and cabling -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["labib", "su1"])
def test_the_twin_matches_its_plan(request, name):
    plan = request.getfixturevalue(name)
    match, findings = cabling(plan)
    assert findings == []
    assert len(match.guids) == len(match.view.switches) + len(match.view.hcas)
    assert sorted(set(match.source.values())) == ["cabling", "description"]


def test_real_ibnetdiscover_of_the_faulty_twin(labib):
    view = FabricView(labib)
    findings, _match = check_fabric(view, parse_ibnetdiscover(fixture("labib-faults.ibnetdiscover")))
    assert [(f["device"], f["port"]) for f in findings] == [
        ("labib-leaf-1", "IB1/1"), ("labib-leaf-2", "IB1/2"), ("labib-leaf-2", "IB1/6")]


def test_swapped_and_missing_cables_of_the_lab(labib):
    faults = {"swap": [[link_id(labib, "labib-node-1", "rail0"), link_id(labib, "labib-node-2", "rail1")]],
              "remove": [link_id(labib, "labib-leaf-2", "IB1/6")]}
    _match, findings = cabling(labib, faults)
    assert [f["severity"] for f in findings] == ["error"] * 3
    assert [f["message"] for f in findings] == [
        "labib-leaf-1 IB1/1 is cabled to labib-node-2 rail1; the plan cables labib-leaf-1 IB1/1 to "
        "labib-node-1 rail0 and labib-node-2 rail1 to labib-leaf-2 IB1/2",
        "labib-leaf-2 IB1/2 is cabled to labib-node-1 rail0; the plan cables labib-leaf-2 IB1/2 to "
        "labib-node-2 rail1 and labib-node-1 rail0 to labib-leaf-1 IB1/1",
        "missing cable labib-leaf-2 IB1/6 - labib-spine-2 IB1/2 (compute-000012): labib-leaf-2 IB1/6 has no "
        "link; labib-spine-2 IB1/2 has no link"]
    assert findings[0]["fix"] == ("re-cable as planned: labib-leaf-1 IB1/1 - labib-node-1 rail0; "
                                  "labib-node-2 rail1 - labib-leaf-2 IB1/2")
    assert set(findings[0]) == {"severity", "device", "port", "message", "fix", "check", "status", "peer_device",
                                "peer_port", "expected", "observed", "explains", "plane"}


def test_swapped_uplinks_and_a_missing_node_cable_of_a_pod(su1):
    faults = {"swap": [[link_id(su1, "su1-leaf-1", "IB1/33"), link_id(su1, "su1-leaf-3", "IB1/40")]],
              "remove": [link_id(su1, "su1-node-5", "ibp24s0")]}
    _match, findings = cabling(su1, faults)
    assert [(f["device"], f["port"], f["check"]) for f in findings] == [
        ("su1-leaf-1", "IB1/33", "cabling"), ("su1-leaf-3", "IB1/40", "cabling"), ("su1-leaf-1", "IB1/5", "cabling")]
    assert "su1-leaf-1 IB1/33 is cabled to su1-spine-4 IB1/18" in findings[0]["message"]
    assert findings[2]["message"].startswith("missing cable su1-leaf-1 IB1/5 - su1-node-5 ibp24s0")
    # ibnetdiscover cannot see an HCA without its cable; the topology file still lists it.
    assert findings[2]["message"].endswith("su1-leaf-1 IB1/5 has no link; su1-node-5 ibp24s0 has no link")


def test_a_degraded_link_is_a_warning(labib):
    _match, findings = cabling(labib, {"degrade": {link_id(labib, "labib-node-3", "rail1"): "1x"}})
    assert len(findings) == 1 and findings[0]["severity"] == "warning" and findings[0]["check"] == "link"
    assert findings[0]["message"] == ("link labib-leaf-2 IB1/3 - labib-node-3 rail1 runs at 1xEDR: width 1X, "
                                      "planned 4X (100 Gb/s planned)")


def test_ndr_is_checked_against_ndr_without_a_cap(su1):
    view, topo, _meta = twin_topology(su1)
    findings = check_cabling(view, match_fabric(view, topo))
    assert len(findings) == len(su1["links"]) and {f["check"] for f in findings} == {"link"}


def test_a_switch_that_is_gone(labib):
    faults = {"remove": [link_id(labib, "labib-leaf-1", "IB1/6"), link_id(labib, "labib-leaf-2", "IB1/6")]}
    _match, findings = cabling(labib, faults)
    assert len(findings) == 1
    assert findings[0]["message"].startswith("switch labib-spine-2 was not found in the fabric: 2 planned cable(s)")


def test_an_extra_cable_and_device(labib):
    view, topo, meta = twin_topology(labib)
    leaf = meta["guids"]["labib-leaf-1"]
    stranger = "0x00000000000000aa"
    topo[stranger] = {"guid": stranger, "type": "ca", "nports": 1, "desc": "visitor mlx5_0", "lid": 0,
                      "ports": {1: {"peer": leaf, "peer_port": 20, "port_guid": "0x00000000000000ab",
                                    "peer_port_guid": None, "width": 4, "speed": "EDR", "lid": 0, "peer_lid": 0,
                                    "peer_desc": ""}}}
    topo[leaf]["ports"][20] = {"peer": stranger, "peer_port": 1, "port_guid": leaf, "peer_port_guid": None,
                               "width": 4, "speed": "EDR", "lid": None, "peer_lid": 0, "peer_desc": ""}
    findings = check_cabling(view, match_fabric(view, topo), speed_cap="HDR")
    assert len(findings) == 1 and findings[0]["severity"] == "warning"
    assert findings[0]["message"] == ('cable labib-leaf-1 IB1/20 - 0x00000000000000aa "visitor mlx5_0" port 1 '
                                      "is not in the plan")


# --- GUIDs given by the operator ----------------------------------------------------------------

def test_given_guids_are_used_and_checked(labib):
    view, topo, meta = twin_topology(labib)
    g = meta["guids"]
    match = match_fabric(view, topo, {"labib-spine-1": g["labib-spine-1"], "labib-node-1 rail0": g["labib-node-1 rail0"]})
    assert match.problems == [] and match.source[g["labib-spine-1"]] == "operator"
    swapped = match_fabric(view, topo, {"labib-spine-1": g["labib-spine-2"], "labib-spine-2": g["labib-spine-1"]})
    assert len(swapped.problems) == 2
    assert "say it is labib-spine-1" in swapped.problems[0]["message"] + swapped.problems[1]["message"]
    unknown = match_fabric(view, topo, {"labib-leaf-9": g["labib-leaf-1"], "labib-leaf-1": "0x1234"})
    assert sorted(p["message"] for p in unknown.problems) == [
        "GUID 0x0000000000001234 given for labib-leaf-1 was not found in the fabric",
        "GUID given for 'labib-leaf-9', which fabric compute of the plan has no switch or HCA port of that name"]
    wrong_kind = match_fabric(view, topo, {"labib-leaf-1": g["labib-node-1 rail0"]})
    assert "is a ca in the fabric" in wrong_kind.problems[0]["message"]


def test_without_descriptions_the_switch_guids_are_needed(labib):
    view, topo, meta = twin_topology(labib)
    for node in topo.values():
        if node["type"] == "ca":
            node["desc"] = "MT4129 ConnectX7 Mellanox Technologies"
    nothing = match_fabric(view, topo)
    assert len(nothing.problems) == 1 and "no discovered node could be matched" in nothing.problems[0]["message"]
    given = dict((name, meta["guids"][name]) for name in ("labib-leaf-1", "labib-leaf-2"))
    match = match_fabric(view, topo, given)
    assert match.problems == [] and len(match.guids) == 12
    assert check_cabling(view, match, speed_cap="HDR") == []
    config, problems, _warnings = sm_config(view, match)
    assert problems == [] and len(config["root_guids"]) == 2


def test_guids_alone_without_discovery(labib):
    view = FabricView(labib)
    _view, _topo, meta = twin_topology(labib)
    match = match_fabric(view, {}, {"labib-spine-1": meta["guids"]["labib-spine-1"],
                                    "labib-spine-2": meta["guids"]["labib-spine-2"]})
    config, problems, _warnings = sm_config(view, match)
    assert problems == [] and [r["guid"] for r in config["root_guids"]] == [
        meta["guids"]["labib-spine-1"], meta["guids"]["labib-spine-2"]]


def test_a_missing_root_switch_stops_the_configuration(labib):
    view, topo, meta = twin_topology(labib)
    gone = meta["guids"]["labib-spine-2"]
    del topo[gone]
    for node in topo.values():
        node["ports"] = dict((n, p) for n, p in node["ports"].items() if p["peer"] != gone)
    _config, problems, _warnings = sm_config(view, match_fabric(view, topo))
    assert [p["message"] for p in problems] == ["root switch labib-spine-2 was not identified in the fabric"]


# --- the SM -------------------------------------------------------------------------------------

def test_check_subnet(labib):
    view = FabricView(labib)
    topo = parse_ibnetdiscover(fixture("labib.ibnetdiscover"))
    findings, _match = check_fabric(view, topo, log=fixture("opensm-ftree.log"), expected_engine="ftree",
                                    speed_cap="HDR")
    assert findings == []
    findings, _match = check_fabric(view, topo, log=fixture("opensm-fallback.log"), expected_engine="ftree")
    routing = [f for f in findings if f["check"] == "routing"]
    assert [f["message"] for f in routing] == ["OpenSM routes with updn, not ftree (failed engines: ftree)"]
    standby, _match = check_fabric(view, topo, log=fixture("opensm-standby.log"), role="standby")
    assert standby == []
    not_master, _match = check_fabric(view, topo, log=fixture("opensm-standby.log"), expected_engine="ftree")
    assert {f["message"] for f in not_master} >= {"the SM is in state STANDBY, not MASTER"}
    _view, bare, _meta = twin_topology(labib)
    unset = check_subnet(view, match_fabric(view, bare))
    assert len(unset) == 1 and unset[0]["message"].startswith("12 node(s) have no LID")


def test_summary_and_lines():
    findings = [finding("error", "cabling", "a", "m", port="p1", fix="f"), finding("warning", "link", None, "w", fix="g")]
    assert counts(findings) == {"error": 1, "warning": 1, "info": 0}
    assert finding_lines(findings) == ["a p1: m (fix: f)", "fabric: w (fix: g)"]


# --- the twin's topology ------------------------------------------------------------------------

def test_netfile_shape(labib):
    view = FabricView(labib)
    text, meta = ib_twin.netfile(view)
    assert meta["sm_ports"] == ["labib-node-1 rail0", "labib-node-2 rail0"]
    assert text.splitlines()[3].startswith("caguid=") and '# "labib-node-1 rail0"' in text.splitlines()[4]
    assert text.count("\nSwitch\t6 ") == 4 and text.count("\nCa\t1 ") == 8
    assert "4xEDR" in text
    assert all("MF0;sw-" in line and "labib" not in line for line in text.splitlines() if line.startswith("Switch"))
    again, _meta = ib_twin.netfile(view)
    assert again == text


def test_netfile_of_a_pod_puts_the_ufm_first_and_caps_ndr(su1):
    text, meta = ib_twin.netfile(su1)
    assert meta["sm_ports"] == ["su1-ufm-1 ib0", "su1-ufm-2 ib0"]
    assert "4xNDR" not in text and "4xHDR" in text
    assert meta["counts"] == {"switches": 12, "hcas": 252, "cables": 508, "ports": 12 * 65 + 252}


def test_faults_must_name_planned_cables(labib):
    with pytest.raises(InfinibandError, match="remove compute-999999"):
        ib_twin.netfile(labib, faults={"remove": ["compute-999999"]})


def test_an_hca_on_a_spine_breaks_ftree_and_both_are_reported(labib):
    # Captured from the twin with labib-node-1 rail0 swapped with leaf-1's first uplink: the HCA
    # sits on a spine, OpenSM's ftree refuses the tree (ERR AB26) and updn routes instead.
    view = FabricView(labib)
    findings, _match = check_fabric(view, parse_ibnetdiscover(fixture("labib-hca-on-spine.ibnetdiscover")),
                                    log=fixture("opensm-fallback.log"), expected_engine="ftree", speed_cap="HDR")
    assert [(f["severity"], f["check"]) for f in findings] == [
        ("error", "cabling"), ("error", "cabling"), ("error", "routing"), ("warning", "subnet")]
    assert findings[0]["message"] == ("labib-leaf-1 IB1/1 is cabled to labib-leaf-1 IB1/5; the plan cables "
                                      "labib-leaf-1 IB1/1 to labib-node-1 rail0 and labib-leaf-1 IB1/5 to "
                                      "labib-spine-1 IB1/1")
    assert findings[1]["message"].startswith("labib-spine-1 IB1/1 is cabled to labib-node-1 rail0")
    assert "ERR AB26" in findings[3]["message"]
