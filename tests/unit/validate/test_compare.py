# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The comparison logic of validation (plugin_utils/validate/) over outputs recorded in the twin.

Fixtures (tests/unit/fixtures/validate/): ``design.yml`` is the lab design renamed ``val``, and
each ``twin-SCENARIO.json`` is what ``validate_gather`` returned on the 8 hosts of that design's
lab twin (4 nodes, 2 rail leaves, 2 spines, FRR and lldpd), clean and with one fault injected:
two cables swapped on a leaf, a leaf-spine link shut, a leaf port at MTU 1500, bgpd stopped on a
spine, a node's rail address changed. They were recorded with ``tests/validate/test_twin_validate.py``
(``REFARCH_VALIDATE_RECORD=1``); JSON outputs of the commands were re-serialized compactly, nothing
else was changed. Variants of them (a lost host, a wrong ASN, a narrower ECMP group, a GPU node)
are made here by editing a copy, each edit said where it is made.
"""

from __future__ import annotations

import copy
import json
import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils import nvidia_smi
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.compare import compare
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import (
    command_json as _json, parse_all_reduce, parse_bgp_summary, parse_ib_write_bw, parse_ip_links, parse_lldp, parse_ping,
    parse_routes)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.probes import probes_for, rdma_pairs
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.report import models_from_plan, render_markdown, summary_lines
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # tests/unit
FIXTURES = os.path.join(HERE, "fixtures", "validate")
SMI = os.path.join(HERE, "fixtures", "nvidia_smi")
SCENARIOS = ("clean", "swapped-cables", "link-down", "port-mtu", "bgpd-stopped", "rail-address", "rule-deleted",
             "unplanned-route", "rp-filter", "duplicate-address", "gateway-mtu", "nccl-conf")


@pytest.fixture(scope="module")
def lab():
    plan = plan_design(os.path.join(FIXTURES, "design.yml"))
    return plan.to_dict(), models_from_plan(plan.to_dict())


def recorded(name):
    with open(os.path.join(FIXTURES, "twin-%s.json" % name), encoding="utf-8") as handle:
        return json.load(handle)


def problems(report):
    """Findings other than the info-level ones (checks skipped, with their reason)."""
    return [f for f in report["findings"] if f["severity"] != "info"]


def run(lab, gathered, **options):
    plan, models = lab
    return compare(plan, gathered, models=models, options=options)


# ------------------------------------------------------------------------------------ the twin

def test_clean_twin_has_no_findings_but_the_skipped_checks(lab):
    report = run(lab, recorded("clean"))
    assert report["passed"]
    assert problems(report) == []
    assert report["counts"]["error"] == report["counts"]["warning"] == 0
    skipped = {f["check"]: f for f in report["findings"]}
    assert all(f["status"] == "skipped" for f in report["findings"])
    # No GPU, no RDMA and virtual NICs in the lab: said once each, with the reason.
    assert "lab stand-in model lab-node has no GPU" in skipped["gpu"]["message"]
    assert "no RDMA device" in skipped["rdma_bw"]["message"]
    assert "veth" in skipped["nic"]["message"]
    assert report["checked"]["cables_lldp"] == report["checked"]["cables_link"] == 12
    assert report["checked"]["bgp_sessions"] == 4
    assert report["checked"]["pings"] == 40
    assert report["checked"]["ecmp_routes"] == 4


def test_two_cables_swapped_on_a_leaf(lab):
    (finding,) = problems(run(lab, recorded("swapped-cables")))
    assert (finding["severity"], finding["check"], finding["device"], finding["port"]) == (
        "error", "cabling", "val-leaf-1", "swp1")
    assert finding["peer_device"] == "val-leaf-1" and finding["peer_port"] == "swp2"
    assert "swp1 has val-node-2 rail0, swp2 has val-node-1 rail0" in finding["message"]
    assert "plan: swp1 has val-node-1 rail0, swp2 has val-node-2 rail0" in finding["message"]
    assert finding["fix"] == "swap the cables in val-leaf-1 ports swp1 and swp2"


def test_a_link_taken_down(lab):
    (finding,) = problems(run(lab, recorded("link-down")))
    assert (finding["check"], finding["device"], finding["port"]) == ("link", "val-leaf-1", "swp5")
    assert (finding["peer_device"], finding["peer_port"]) == ("val-spine-1", "swp1")
    assert "administratively down" in finding["message"]
    explained = " / ".join(finding["explains"])
    # Everything the link breaks is listed under it, not reported again.
    assert "BGP val-leaf-1 swp5 <-> val-spine-1 swp1" in explained
    assert "ECMP val-leaf-1 -> val-leaf-2" in explained and "ECMP val-leaf-2 -> val-leaf-1" in explained
    assert "LLDP: no neighbour on val-leaf-1 swp5 <-> val-spine-1 swp1" in explained
    assert "ping val-leaf-1 swp5 -> val-spine-1 swp1" in explained


def test_a_wrong_mtu_on_one_switch_port(lab):
    (finding,) = problems(run(lab, recorded("port-mtu")))
    assert (finding["check"], finding["device"], finding["port"]) == ("mtu", "val-leaf-1", "swp2")
    assert (finding["expected"], finding["observed"]) == (9216, 1500)
    # The leaf's bridge follows its smallest port MTU: the gateway's MTU is the port's doing.
    gateway = [t for t in finding["explains"] if t.startswith("gateway ")]
    assert gateway == ["gateway 198.18.64.1/29 on br-rail: MTU 1500, plan 9216"]
    assert all("don't-fragment" in text for text in finding["explains"] if text not in gateway)
    assert any(text.startswith("ping val-node-2 rail0 -> ") for text in finding["explains"])
    assert any(text.endswith("9000-byte don't-fragment packets lost") and "-> val-node-2 rail0" in text
               for text in finding["explains"])


def test_bgpd_stopped_on_one_spine(lab):
    (finding,) = problems(run(lab, recorded("bgpd-stopped")))
    assert (finding["check"], finding["device"], finding["port"]) == ("bgp", "val-spine-1", None)
    assert "bgpd is not running" in finding["message"]
    explained = " / ".join(finding["explains"])
    assert "BGP val-leaf-1 swp5 <-> val-spine-1 swp1" in explained
    assert "BGP val-leaf-2 swp5 <-> val-spine-1 swp2" in explained
    assert "1 of 2 paths" in explained


def test_one_nodes_rail_address_changed(lab):
    (finding,) = problems(run(lab, recorded("rail-address")))
    assert (finding["check"], finding["device"], finding["port"]) == ("address", "val-node-3", "rail1")
    assert finding["expected"] == "198.18.64.12/29"
    assert finding["observed"] == ["198.18.64.14/29"]
    # The kernel drops the NIC's routes with the address they were for: the address is their cause.
    assert sorted(finding["explains"]) == [
        "ping val-node-%d rail1 -> val-node-3 rail1 (rail 1): no reply" % n for n in (1, 2, 4)] + [
        "val-node-3: route 198.18.64.8/29 dev rail1 table 102 is missing",
        "val-node-3: route default via 198.18.64.9 dev rail1 table 102 is missing"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_renders_one_line_per_finding(lab, scenario):
    report = run(lab, recorded(scenario))
    text = render_markdown(report)
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| Severity")]
    assert len(rows) == len(report["findings"])
    lines = summary_lines(report)
    passes = scenario in ("clean", "unplanned-route")   # a route the plan lacks is a warning
    assert lines[0].startswith("validation of val: %s" % ("PASSED" if passes else "FAILED"))
    assert len(lines) == 2 + len(report["findings"])
    json.dumps(report)


# ----------------------------------------------------------------------------- variants (edited)

def _host(gathered, name):
    return gathered[name]


def _set_stdout(record, data):
    record["stdout"] = json.dumps(data)


def test_unreachable_host_is_one_finding_that_explains_what_it_breaks(lab):
    gathered = recorded("clean")
    gathered["val-node-4"] = {"unreachable": True, "msg": "podman exec failed: no such container"}
    # The other nodes' pings to it fail as they would.
    for name in ("val-node-1", "val-node-2", "val-node-3"):
        for probe in gathered[name]["pings"]:
            if probe["dst_device"] == "val-node-4":
                probe["result"]["rc"] = 1
                probe["result"]["stdout"] = "2 packets transmitted, 0 received, 100% packet loss, time 1001ms\n"
                probe["small"] = dict(probe["result"])
    (finding,) = problems(run(lab, gathered))
    assert (finding["check"], finding["device"]) == ("gather", "val-node-4")
    assert "unreachable: podman exec failed" in finding["message"]
    assert len([t for t in finding["explains"] if t.startswith("ping ")]) == 6


def test_host_outside_the_play_is_skipped_not_an_error(lab):
    gathered = recorded("clean")
    del gathered["val-spine-2"]
    report = run(lab, gathered)
    assert problems(report) == []
    assert any(f["check"] == "gather" and "not in the play" in f["message"] for f in report["findings"])


def test_host_whose_gathering_was_skipped_is_info(lab):
    gathered = recorded("clean")
    gathered["val-spine-2"] = {"skipped": True, "reason": "not gathered: platform eos is not one the gatherer runs on"}
    report = run(lab, gathered)
    assert problems(report) == []
    assert any(f["check"] == "gather" and "platform eos" in f["message"] for f in report["findings"])


def test_wrong_remote_as_is_named(lab):
    gathered = recorded("clean")
    record = _host(gathered, "val-leaf-2")["commands"]["bgp"]
    data = json.loads(record["stdout"])
    data["ipv4Unicast"]["peers"]["198.18.1.7"]["remoteAs"] = 64999   # edited: plan says 64513
    _set_stdout(record, data)
    (finding,) = problems(run(lab, gathered))
    assert (finding["check"], finding["device"], finding["expected"], finding["observed"]) == (
        "bgp", "val-leaf-2", 64513, 64999)
    assert finding["fix"] == "set 'neighbor 198.18.1.7 remote-as 64513' on val-leaf-2"


def test_unplanned_bgp_neighbour_is_a_warning(lab):
    gathered = recorded("clean")
    record = _host(gathered, "val-spine-2")["commands"]["bgp"]
    data = json.loads(record["stdout"])
    extra = dict(data["ipv4Unicast"]["peers"]["198.18.1.2"], remoteAs=65000, state="Active")
    data["ipv4Unicast"]["peers"]["198.18.1.99"] = extra     # edited: a session nobody planned
    _set_stdout(record, data)
    (finding,) = problems(run(lab, gathered))
    assert (finding["severity"], finding["check"], finding["device"]) == ("warning", "bgp", "val-spine-2")
    assert "198.18.1.99" in finding["message"]


def test_ecmp_narrower_than_the_plan_with_every_session_up(lab):
    gathered = recorded("clean")
    record = _host(gathered, "val-leaf-1")["commands"]["routes"]
    data = json.loads(record["stdout"])
    for prefix in ("198.18.0.2/32", "198.18.64.8/29"):
        data[prefix][0]["nexthops"] = data[prefix][0]["nexthops"][:1]   # edited: maximum-paths 1
    _set_stdout(record, data)
    found = problems(run(lab, gathered))
    assert [(f["check"], f["device"], f["expected"], f["observed"]) for f in found] == [
        ("ecmp", "val-leaf-1", 2, 1), ("ecmp", "val-leaf-1", 2, 1)]
    assert "maximum-paths 2" in found[0]["fix"]


def test_cable_to_an_unplanned_port(lab):
    gathered = recorded("clean")
    record = _host(gathered, "val-leaf-2")["commands"]["lldp"]
    data = json.loads(record["stdout"])
    entry = copy.deepcopy(data["lldp"]["interface"][0])
    (port, info), = entry.items()
    data["lldp"]["interface"].append({"swp9": info})      # edited: a second cable from that node
    _set_stdout(record, data)
    report = run(lab, gathered)
    (finding,) = problems(report)
    assert finding["check"] == "cabling" and finding["device"] == "val-leaf-2" and finding["port"] == "swp9"
    assert "nothing (not in the plan)" in finding["expected"]


def test_missing_cable_with_both_ends_up(lab):
    gathered = recorded("clean")
    for name, port in (("val-leaf-2", "swp3"), ("val-node-3", "rail1")):
        record = _host(gathered, name)["commands"]["lldp"]
        data = json.loads(record["stdout"])
        data["lldp"]["interface"] = [e for e in data["lldp"]["interface"] if port not in e]   # edited
        _set_stdout(record, data)
    (finding,) = problems(run(lab, gathered))
    assert (finding["check"], finding["device"], finding["port"], finding["peer_device"], finding["peer_port"]) == (
        "cabling", "val-leaf-2", "swp3", "val-node-3", "rail1")
    assert finding["message"].startswith("missing cable val-leaf-2 swp3 <-> val-node-3 rail1")


def test_lldpd_not_running_is_one_finding(lab):
    gathered = recorded("clean")
    gathered["val-node-2"]["commands"]["lldp"] = {
        "argv": ["lldpcli", "-f", "json", "show", "neighbors"], "rc": 1, "stdout": "",
        "stderr": "[lldpctl] cannot connect to lldpd: Connection refused"}
    for name, port in (("val-leaf-1", "swp2"), ("val-leaf-2", "swp2")):
        record = _host(gathered, name)["commands"]["lldp"]
        data = json.loads(record["stdout"])
        data["lldp"]["interface"] = [e for e in data["lldp"]["interface"] if port not in e]
        _set_stdout(record, data)
    (finding,) = problems(run(lab, gathered))
    assert (finding["check"], finding["device"]) == ("lldp", "val-node-2")
    assert len(finding["explains"]) == 2


# ----------------------------------------------------------------------------------- parsers

def test_lldp_single_neighbour_is_a_dict_not_a_list():
    gathered = recorded("clean")
    data = json.loads(gathered["val-node-1"]["commands"]["lldp"]["stdout"])
    one = {"lldp": {"interface": data["lldp"]["interface"][0]}}     # lldpd's shape for one neighbour
    (nbr,) = parse_lldp(json.dumps(one))
    assert (nbr["local_port"], nbr["system"], nbr["port_id_type"], nbr["port_id"]) == (
        "rail0", "val-leaf-1", "ifname", "swp1")
    assert parse_lldp(json.dumps({"lldp": {}})) == []


def test_lldp_mac_port_ids_resolve_through_the_neighbours_links():
    gathered = recorded("clean")
    nbrs = parse_lldp(gathered["val-leaf-1"]["commands"]["lldp"]["stdout"])
    node = {n["local_port"]: n for n in nbrs}["swp1"]
    links = parse_ip_links(gathered["val-node-1"]["commands"]["ip"]["stdout"])
    assert node["port_id_type"] == "mac" and node["port_id"] == links["rail0"]["mac"]
    assert node["age_s"] is not None


def test_bgp_summary_and_routes():
    gathered = recorded("clean")
    peers = parse_bgp_summary(gathered["val-leaf-1"]["commands"]["bgp"]["stdout"])
    assert {k: p["state"] for k, p in peers.items()} == {"198.18.1.1": "Established", "198.18.1.3": "Established"}
    routes = parse_routes(gathered["val-leaf-1"]["commands"]["routes"]["stdout"])
    assert len(routes["198.18.64.8/29"]["nexthops"]) == 2
    assert routes["198.18.0.1/32"]["protocol"] == "connected"
    down = recorded("bgpd-stopped")["val-spine-1"]["commands"]["bgp"]
    data, problem = _json(down)
    assert data is None and problem.endswith("bgpd is not running")


def test_ping_outputs():
    ok = {"rc": 0, "stdout": "2 packets transmitted, 2 received, 0% packet loss, time 222ms\n"}
    assert parse_ping(ok) == (2, 2, None)
    bind = {"rc": 2, "stdout": "", "stderr": "ping: bind: Cannot assign requested address\n"}
    assert parse_ping(bind) == (0, 0, "ping: bind: Cannot assign requested address")
    unreachable = {"rc": 1, "stdout": "PING 198.18.64.12 (198.18.64.12) from 198.18.64.10 rail1: 8972(9000) bytes of data.\n"
                                      "From 198.18.64.10 icmp_seq=1 Destination Host Unreachable\n\n"
                                      "--- 198.18.64.12 ping statistics ---\n"
                                      "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1012ms\n"}
    assert parse_ping(unreachable) == (0, 2, "From 198.18.64.10 icmp_seq=1 Destination Host Unreachable")
    too_long = {"rc": 1, "stdout": "ping: local error: message too long, mtu=1500\n"
                                   "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1012ms\n"}
    assert parse_ping(too_long)[2] == "ping: local error: message too long, mtu=1500"
    lost = recorded("rail-address")["val-node-1"]["pings"]
    probe = [p for p in lost if p["dst_device"] == "val-node-3" and p["port"] == "rail1"][0]
    got, sent, problem = parse_ping(probe["result"])
    assert got == 0 and sent == 2 and problem


IB_WRITE_BW = """
---------------------------------------------------------------------------------------
                    RDMA_Write BW Test
 Dual-port       : OFF          Device         : mlx5_0
 Number of qps   : 1            Transport type : IB
 Connection type : RC           Using SRQ      : OFF
 TX depth        : 128
 CQ Moderation   : 100
 Mtu             : 4096[B]
 Link type       : Ethernet
 GID index       : 3
 Max inline data : 0[B]
 rdma_cm QPs     : OFF
 Data ex. method : Ethernet
---------------------------------------------------------------------------------------
 #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]
 65536      3714000          0.00               %s                0.742798
---------------------------------------------------------------------------------------
"""

ALL_REDUCE = """
# nThread 1 nGpus 1 minBytes 536870912 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
   536870912     134217728     float     sum      -1   2801.5  191.64  359.32      0   2796.3  191.99  359.98      0
  8589934592    2147483648     float     sum      -1    43980  195.31  %s      0    43961  195.40  366.37      0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 362.5
"""


def test_perftest_and_nccl_outputs():
    assert parse_ib_write_bw(IB_WRITE_BW % "389.61") == pytest.approx(389.61)
    assert parse_ib_write_bw("Couldn't connect to 198.18.64.3:18515") is None
    parsed = parse_all_reduce(ALL_REDUCE % "366.21")
    assert parsed == {"avg_busbw": 362.5, "max_busbw": 366.21}
    assert parse_all_reduce("mpirun was unable to launch") is None


# ------------------------------------------------------------------------------ GPU hardware

@pytest.fixture(scope="module")
def dgx():
    plan = plan_design({"name": "pod", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 2},
                        "hosts": {"driver_branch": "570"}})
    return plan.to_dict(), models_from_plan(plan.to_dict())


def _gpu_summary(name="h100-sxm-80gb-x8"):
    with open(os.path.join(SMI, name + ".xml"), encoding="utf-8") as handle:
        parsed = nvidia_smi.parse_xml(handle.read())
    with open(os.path.join(SMI, name + ".nvlink.txt"), encoding="utf-8") as handle:
        facts = nvidia_smi.summarize(parsed, nvidia_smi.parse_nvlink_status(handle.read()))
    facts.pop("gpus")
    return facts


def _node_only(plan, name, gpu, perf=None):
    """What one DGX gathered: its GPUs (recorded nvidia-smi) and nothing on the network (no ports read)."""
    return {name: {"commands": {"ip": {"argv": ["ip"], "rc": 0, "stdout": "[]"}}, "gpu": gpu, "pings": [],
                   "perf": perf or {}}}


def _gpu_problems(report):
    return [f for f in problems(report) if f["check"] in ("gpu", "driver", "rdma_bw", "nccl")]


def test_dgx_h100_matches_its_catalog_entry(dgx):
    plan, models = dgx
    node = sorted(n for n, d in plan["devices"].items() if d["role"] == "gpu_node")[0]
    report = compare(plan, _node_only(plan, node, _gpu_summary()), models=models)
    assert _gpu_problems(report) == []
    assert report["checked"]["gpus"] == 8


def test_dgx_with_a_gpu_missing_and_another_driver(dgx):
    plan, models = dgx
    node = sorted(n for n, d in plan["devices"].items() if d["role"] == "gpu_node")[0]
    gpu = _gpu_summary()
    gpu.update(count=7, memory_total_mib=gpu["memory_total_mib"] * 7 // 8, driver_version="550.54.15",
               driver_branch="550")
    found = _gpu_problems(compare(plan, _node_only(plan, node, gpu), models=models))
    assert sorted((f["check"], f["expected"], f["observed"]) for f in found) == [
        ("driver", "570", "550.54.15"), ("gpu", 8, 7)]


def test_dgx_without_a_driver_is_an_error_not_a_skip(dgx):
    plan, models = dgx
    node = sorted(n for n, d in plan["devices"].items() if d["role"] == "gpu_node")[0]
    gpu = {"available": False, "reason": "nvidia-smi not found: the NVIDIA driver utilities are not installed"}
    (finding,) = _gpu_problems(compare(plan, _node_only(plan, node, gpu), models=models))
    assert finding["severity"] == "error" and "expected 8 x H100-SXM5-80GB" in finding["message"]


def test_rdma_and_nccl_thresholds_come_from_the_design(dgx):
    plan, models = dgx
    node = sorted(n for n, d in plan["devices"].items() if d["role"] == "gpu_node")[0]
    runs = [{"role": "client", "rail": r, "ifname": "ibp%d" % r, "peer": "x", "speed_gbps": 400.0,
             "result": {"rc": 0, "stdout": IB_WRITE_BW % ("389.61" if r else "301.20")}} for r in range(2)]
    perf = {"rdma": {"runs": runs}, "nccl": {"result": {"rc": 0, "stdout": ALL_REDUCE % "366.21"}}}
    found = _gpu_problems(compare(plan, _node_only(plan, node, _gpu_summary(), perf), models=models))
    # 90 % of 400 Gb/s = 360: rail 0 at 301.2 fails, rail 1 at 389.6 passes. NCCL: 80 % of
    # 8 x 400 Gb/s / 8 = 320 GB/s, 366.2 passes.
    assert [(f["check"], f["port"], f["observed"]) for f in found] == [("rdma_bw", "ibp0", 301.2)]
    stricter = compare(plan, _node_only(plan, node, _gpu_summary(), perf), models=models,
                       options={"thresholds": {"nccl_busbw_min_percent": 95}})
    assert [f["check"] for f in _gpu_problems(stricter)] == ["nccl", "rdma_bw"]


def test_performance_off_is_reported_as_skipped(lab):
    report = run(lab, recorded("clean"), performance=False)
    assert problems(report) == []
    assert any(f["check"] == "rdma_bw" and "disabled" in f["message"] for f in report["findings"])
    assert any(f["check"] == "nccl" and "disabled" in f["message"] for f in report["findings"])


# ------------------------------------------------------------------------------------ probes

def test_ping_matrix_of_the_lab(lab):
    plan, _models = lab
    nodes = [d for d in plan["devices"].values() if d["role"] == "gpu_node"]
    probes = probes_for(plan["devices"]["val-node-1"], nodes)
    # Per rail: the gateway and the 3 other nodes, at 9000 - 28 bytes, bound to the rail NIC.
    assert len(probes) == 8
    assert {p["bind"] for p in probes} == {"rail0", "rail1"}
    assert {p["size"] for p in probes} == {8972}
    assert sorted(p["dst"] for p in probes if p["port"] == "rail1") == [
        "198.18.64.11", "198.18.64.12", "198.18.64.13", "198.18.64.9"]
    leaf = probes_for(plan["devices"]["val-leaf-1"], [])
    assert [(p["dst"], p["bind"], p["size"]) for p in leaf] == [("198.18.1.1", "swp5", 9188), ("198.18.1.3", "swp6", 9188)]
    unnumbered = probes_for(plan["devices"]["val-leaf-1"], [], unnumbered=True)
    assert [(p["dst"], p["family"], p["size"]) for p in unnumbered] == [("ff02::1", 6, 9168), ("ff02::1", 6, 9168)]


def test_ping_matrix_across_scalable_units_binds_the_source_address():
    plan = plan_design(os.path.join(HERE, "..", "..", "inventories", "lab-large", "design.yml")).to_dict()
    nodes = [d for d in plan["devices"].values() if d["role"] == "gpu_node"]
    probes = probes_for(plan["devices"]["labx-node-1"], nodes)
    assert len(probes) == 2 * (1 + 7)
    far = [p for p in probes if p["dst_device"] == "labx-node-5" and p["port"] == "rail0"][0]
    near = [p for p in probes if p["dst_device"] == "labx-node-2" and p["port"] == "rail0"][0]
    assert far["bind"] == "198.18.64.2" and near["bind"] == "rail0"


def test_rdma_ring():
    nodes = [{"name": "n%d" % i, "interfaces": [
        {"name": "r%d" % r, "role": "compute", "rail": r, "address": "10.%d.0.%d/24" % (r, i), "speed_gbps": 400}
        for r in range(2)]} for i in (1, 2, 3)]
    pairs = rdma_pairs(nodes)
    assert [(p["role"], p["peer"], p["rail"], p["port"]) for p in pairs["n1"]] == [
        ("client", "n2", 0, 18515), ("client", "n2", 1, 18516), ("server", "n3", 0, 18515), ("server", "n3", 1, 18516)]
    client = [p for p in pairs["n3"] if p["role"] == "client"][0]
    assert (client["peer"], client["peer_address"]) == ("n1", "10.0.0.1")
    assert rdma_pairs(nodes[:1]) == {"n1": []}


def test_unnumbered_sessions_are_keyed_by_interface(lab):
    plan, _models = lab
    gathered = recorded("clean")
    for name in ("val-leaf-1", "val-leaf-2", "val-spine-1", "val-spine-2"):
        record = gathered[name]["commands"]["bgp"]
        data = json.loads(record["stdout"])
        by_address = {n["address"]: n["interface"] for n in plan["devices"][name]["bgp"]["neighbors"]}
        # edited: FRR's shape for 'neighbor swp5 interface remote-as external' sessions
        data["ipv4Unicast"]["peers"] = {by_address[k]: dict(p, idType="interface")
                                        for k, p in data["ipv4Unicast"]["peers"].items()}
        _set_stdout(record, data)
    # edited: no /31 on the fabric port, as with unnumbered sessions
    record = gathered["val-leaf-1"]["commands"]["ip"]
    links = json.loads(record["stdout"])
    for link in links:
        if link["ifname"] == "swp5":
            link["addr_info"] = [a for a in link["addr_info"] if a["family"] != "inet"]
    _set_stdout(record, links)
    assert problems(run(lab, gathered, unnumbered=True)) == []
    # Read as numbered, the sessions are found by interface too, but the planned /31 is missing.
    (finding,) = problems(run(lab, gathered))
    assert (finding["check"], finding["device"], finding["port"]) == ("address", "val-leaf-1", "swp5")


# ------------------------------------------------------------------------- the gather module

class FakeModule(object):
    def __init__(self, params):
        self.params = params

    def get_bin_path(self, name, opt_dirs=None):
        return None if name in ("nvidia-smi", "ib_write_bw") else "/usr/bin/" + name


def test_gather_pings_twice_only_what_failed(monkeypatch):
    from ansible_collections.refarch.ai_cluster.plugins.modules import validate_gather

    calls = []

    def fake_run(self, argv, data=None):
        calls.append(argv)
        if argv[0] == "ping":
            lost = argv[-1] == "198.18.64.3" and "8972" in argv
            return {"argv": argv, "rc": 1 if lost else 0,
                    "stdout": "2 packets transmitted, %d received\n" % (0 if lost else 2), "stderr": ""}
        return {"argv": argv, "rc": 0, "stdout": "[]", "stderr": ""}

    monkeypatch.setattr(validate_gather.Gatherer, "run", fake_run)
    params = {"device": "n1", "interfaces": [], "lldp": True, "lldp_wait": 0, "bgp": True, "gpu": True,
              "pings": [{"id": "a", "dst": "198.18.64.3", "bind": "rail0", "size": 8972, "family": 4, "kind": "rail"},
                        {"id": "b", "dst": "ff02::1", "bind": "swp5", "size": 9168, "family": 6}],
              "ping_count": 2, "ping_timeout": 2, "ping_parallel": 4, "rdma": [{"role": "client", "port": 1}],
              "rdma_duration": 5, "rdma_gid_index": None, "nccl": ["mpirun", "all_reduce_perf"], "nccl_timeout": 60,
              "host_state": False, "sysctls": [], "files": {}, "services": [], "scheduler": False}
    out = validate_gather.Gatherer(FakeModule(params)).gather()
    pings = {p["id"]: p for p in out["pings"]}
    assert pings["a"]["result"]["argv"] == ["ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-M", "do",
                                            "-s", "8972", "-I", "rail0", "198.18.64.3"]
    assert pings["a"]["small"]["argv"][11] == "56" and pings["b"]["small"] is None
    assert pings["b"]["result"]["argv"][:2] == ["ping", "-6"]
    assert pings["a"]["kind"] == "rail"
    assert [c[1:] for c in calls if c[0] == "vtysh"] == [["-c", "show bgp summary json"], ["-c", "show ip route json"]]
    # lldpd is read last; GPUs, RDMA and NCCL say why they did not run.
    assert calls[-1] == ["lldpcli", "-f", "json", "show", "neighbors"]
    assert out["gpu"] == {"available": False,
                          "reason": "nvidia-smi not found: the NVIDIA driver utilities are not installed"}
    assert "RDMA" in out["perf"]["rdma"]["skipped"] or "ib_write_bw" in out["perf"]["rdma"]["skipped"]
    assert out["perf"]["nccl"] == {"skipped": "no GPU: nvidia-smi not found"}
    # scheduler off (the default): Slurm is not asked.
    assert not [c for c in calls if c[0] in ("scontrol", "sacctmgr")]
    assert not [k for k in out["commands"] if k.startswith("slurm_")]


def test_gather_reads_back_host_state(monkeypatch, tmp_path):
    from ansible_collections.refarch.ai_cluster.plugins.modules import validate_gather

    calls = []

    def fake_run(self, argv, data=None):
        calls.append(argv)
        if argv[0] == "systemctl":
            return {"argv": argv, "rc": 0, "stdout": "active\n" if argv[1] == "is-active" else "enabled\n", "stderr": ""}
        return {"argv": argv, "rc": 0, "stdout": "[]", "stderr": ""}

    monkeypatch.setattr(validate_gather.Gatherer, "run", fake_run)
    conf = tmp_path / "nccl.conf"
    conf.write_text("NCCL_IB_GID_INDEX=3\n")
    params = {"device": "n1", "interfaces": ["no-such-nic"], "lldp": False, "lldp_wait": 0, "bgp": False, "gpu": False,
              "pings": [], "ping_count": 2, "ping_timeout": 2, "ping_parallel": 4, "rdma": [], "rdma_duration": 5,
              "rdma_gid_index": None, "nccl": [], "nccl_timeout": 60, "host_state": True,
              "sysctls": ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.no/such.rp_filter"],
              "files": {"nccl_conf": str(conf), "memlock": str(tmp_path / "absent.conf")},
              "services": ["frr.service"], "scheduler": True}
    out = validate_gather.Gatherer(FakeModule(params)).gather()
    assert ["ip", "-j", "rule", "show"] in calls and ["ip", "-j", "-4", "route", "show", "table", "all"] in calls
    # sysctl names as sysctl(8) writes them: a slash stands for a dot in an interface name.
    assert validate_gather.sysctl_path("net.ipv4.conf.eth0/100.rp_filter") == "/proc/sys/net/ipv4/conf/eth0.100/rp_filter"
    with open("/proc/sys/net/ipv4/conf/all/rp_filter") as handle:
        assert out["sysctl"]["net.ipv4.conf.all.rp_filter"] == handle.read().strip()
    assert out["sysctl"]["net.ipv4.conf.no/such.rp_filter"] is None
    assert out["files"]["nccl_conf"]["content"] == "NCCL_IB_GID_INDEX=3\n"
    assert out["files"]["memlock"]["content"] is None and out["files"]["memlock"]["error"]
    assert out["services"] == {"frr.service": {"active": "active", "enabled": "enabled"}}
    assert out["host"]["rdma"] == {} and out["host"]["cmdline"]
    assert "commands" in out and "rules" in out["commands"]
    # scheduler on (the primary controller): Slurm's view of nodes, partitions, topology and accounts.
    assert ["scontrol", "--oneliner", "show", "node"] in calls and ["scontrol", "show", "topology"] in calls
    assert {"slurm_nodes", "slurm_partitions", "slurm_topology", "slurm_accounts"} <= set(out["commands"])
    assert out["commands"]["slurm_accounts"]["argv"][:2] == ["sacctmgr", "--noheader"]


@pytest.mark.parametrize("design", ["training-pod", "inference-pool", "inference-edge", "lab-large", "lab-ib"])
def test_every_shipped_design_compares_without_data(design):
    path = os.path.join(HERE, "..", "..", "inventories", design, "design.yml")
    if not os.path.exists(path):
        pytest.skip("no inventories/%s/design.yml" % design)
    plan = plan_design(path)
    report = compare(plan.to_dict(), {}, models=models_from_plan(plan.to_dict()))
    # Nothing gathered: nothing to find, every device said to be outside the play.
    assert report["passed"] and problems(report) == []
    assert {f["check"] for f in report["findings"]} <= {"gather", "cabling"}


def _physical(gathered, node, port, speed, firmware, version="24.10-1.1.4"):
    """edited: make one recorded veth look like a ConnectX port (no veth linkinfo, mlx5_core, a speed)."""
    record = gathered[node]["commands"]["ip"]
    links = json.loads(record["stdout"])
    for link in links:
        if link["ifname"] == port:
            link.pop("linkinfo", None)
    _set_stdout(record, links)
    gathered[node]["sysfs"][port] = {"speed": str(speed), "operstate": "up"}
    gathered[node]["commands"]["ethtool"][port] = {
        "argv": ["ethtool", "-i", port], "rc": 0, "stderr": "",
        "stdout": "driver: mlx5_core\nversion: %s\nfirmware-version: %s (MT_0000000838)\nbus-info: 0000:18:00.0\n"
                  % (version, firmware)}


def test_nic_speed_firmware_and_driver_pins(lab):
    gathered = recorded("clean")
    _physical(gathered, "val-node-1", "rail0", 100000, "28.43.1014")
    _physical(gathered, "val-node-2", "rail0", 25000, "28.43.1014")
    _physical(gathered, "val-node-3", "rail0", 100000, "28.39.1002")
    found = problems(run(lab, gathered))
    assert [(f["severity"], f["check"], f["device"], f["port"]) for f in found] == [
        ("error", "nic", "val-node-2", "rail0"), ("warning", "firmware", None, None)]
    assert found[0]["message"] == "runs at 25.0 Gb/s, plan 100.0 Gb/s"
    assert "most run 28.43.1014 (MT_0000000838)" in found[1]["message"] and "val-node-3 rail0" in found[1]["message"]
    pinned = problems(run(lab, gathered, pins={"nic_firmware": {"mlx5_core": "28.43"},
                                               "nic_driver": {"mlx5_core": "24.10"}}))
    assert [(f["check"], f["device"]) for f in pinned] == [("firmware", "val-node-3"), ("nic", "val-node-2")]
