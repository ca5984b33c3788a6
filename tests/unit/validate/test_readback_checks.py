# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-back checks (checks/host.py, unplanned addresses) over what the twin recorded.

The ``twin-*.json`` fixtures of the read-back faults were recorded like the others by
tests/validate/test_twin_validate.py (``REFARCH_VALIDATE_RECORD=1``): a policy rule deleted, a
route added to a NIC's table, ``rp_filter`` reset, an address configured twice, a leaf's gateway
MTU lowered, ``nccl.conf`` edited. The kernel command line of the machine that ran the twin is
replaced by a placeholder when recorded (the containers share the host's kernel). Variants that
the twin cannot produce (a GPU node's ``gpu_host`` settings, RoCE QoS of an RDMA NIC, a disabled
service, a switch's forwarding switched off, inventory values of the roles) are made here by
editing a copy of the clean recording, each edit said where it is made.
"""

from __future__ import annotations

import copy
import json
import os

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils import nvidia_smi
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.compare import compare
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.host_state import MEMLOCK_FILE
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.report import models_from_plan

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # tests/unit
FIXTURES = os.path.join(HERE, "fixtures", "validate")
SMI = os.path.join(HERE, "fixtures", "nvidia_smi")


@pytest.fixture(scope="module")
def lab():
    plan = plan_design(os.path.join(FIXTURES, "design.yml")).to_dict()
    return plan, models_from_plan(plan)


def recorded(name):
    with open(os.path.join(FIXTURES, "twin-%s.json" % name), encoding="utf-8") as handle:
        return json.load(handle)


def problems(report):
    return [f for f in report["findings"] if f["severity"] != "info"]


def run(lab, gathered, **options):
    plan, models = lab
    return compare(plan, gathered, models=models, options=options)


def test_the_clean_twin_reads_back_every_kind_of_state(lab):
    report = run(lab, recorded("clean"))
    assert problems(report) == []
    checked = report["checked"]
    # 4 nodes x 2 rail NICs: a rule and two routes each; 12 sysctls a node, 3 a switch; nccl.conf
    # on each node; frr and lldpd on each switch; the gateway of each leaf.
    assert (checked["host_rules"], checked["host_routes"], checked["sysctls"]) == (8, 16, 60)
    assert (checked["files"], checked["services"], checked["gateway_mtus"]) == (4, 8, 2)
    skipped = {f["check"]: f["message"] for f in report["findings"]}
    assert "no GPU answered (lab stand-in model)" in skipped["gpu_host"]


def test_a_policy_rule_deleted(lab):
    (finding,) = problems(run(lab, recorded("rule-deleted")))
    assert (finding["severity"], finding["check"], finding["device"], finding["port"]) == (
        "error", "host_routing", "val-node-2", "rail1")
    assert finding["expected"] == "from 198.18.64.11/32 lookup 102 priority 1002"
    assert "leaves by the main table's NIC instead of rail1" in finding["fix"]


def test_a_route_the_plan_does_not_have_is_a_warning(lab):
    report = run(lab, recorded("unplanned-route"))
    (finding,) = problems(report)
    assert report["passed"]
    assert (finding["severity"], finding["check"], finding["device"], finding["port"]) == (
        "warning", "host_routing", "val-node-2", "rail0")
    assert finding["observed"] == "198.18.96.0/24 dev rail0"


def test_reverse_path_filtering_reset(lab):
    (finding,) = problems(run(lab, recorded("rp-filter")))
    assert (finding["check"], finding["device"]) == ("sysctl", "val-node-3")
    assert finding["expected"] == {"net.ipv4.conf.rail0.rp_filter": "2"}
    assert finding["observed"] == {"net.ipv4.conf.rail0.rp_filter": "1"}


def test_a_duplicate_address_names_both_holders(lab):
    (finding,) = problems(run(lab, recorded("duplicate-address")))
    assert (finding["severity"], finding["check"], finding["device"], finding["port"]) == (
        "error", "address", "val-node-4", "rail0")
    assert (finding["peer_device"], finding["peer_port"]) == ("val-node-1", "rail0")
    assert finding["fix"].startswith("remove 198.18.64.2/29 from val-node-4 rail0")


def test_an_unplanned_address_that_is_nobody_elses_is_a_warning(lab):
    gathered = recorded("clean")
    # Edit: val-node-1's rail0 has a second address from its rail's subnet, planned for no one.
    links = json.loads(gathered["val-node-1"]["commands"]["ip"]["stdout"])
    rail0 = [i for i in links if i["ifname"] == "rail0"][0]
    rail0["addr_info"].append({"family": "inet", "local": "198.18.64.6", "prefixlen": 29})
    gathered["val-node-1"]["commands"]["ip"]["stdout"] = json.dumps(links)
    report = run(lab, gathered)
    (finding,) = problems(report)
    assert report["passed"]
    assert (finding["severity"], finding["check"], finding["device"], finding["port"], finding["observed"]) == (
        "warning", "address", "val-node-1", "rail0", "198.18.64.6/29")


def test_the_gateway_mtu_of_a_leaf(lab):
    (finding,) = problems(run(lab, recorded("gateway-mtu")))
    assert (finding["check"], finding["device"], finding["port"], finding["expected"], finding["observed"]) == (
        "mtu", "val-leaf-2", "br-rail", 9216, 1500)


def test_nccl_conf_edited_and_missing(lab):
    (finding,) = problems(run(lab, recorded("nccl-conf")))
    assert (finding["check"], finding["device"]) == ("nccl_conf", "val-node-1")
    assert finding["observed"]["NCCL_IB_HCA"] == "mlx5_9" and "NCCL_IB_HCA" not in finding["expected"]
    gathered = recorded("clean")
    # Edit: val-node-2's nccl.conf is gone.
    gathered["val-node-2"]["files"]["nccl_conf"] = {"path": "/etc/nccl.conf", "content": None,
                                                    "error": "No such file or directory"}
    (finding,) = problems(run(lab, gathered))
    assert (finding["check"], finding["device"]) == ("nccl_conf", "val-node-2")
    assert "cannot be read: No such file or directory" in finding["message"]


def test_inventory_values_of_the_role_are_what_is_expected(lab):
    # The clean twin was configured with the role's defaults; an inventory that sets rp_filter 1
    # for val-node-1 expects 1 there, so the twin's 2 is now the difference.
    report = run(lab, recorded("clean"), host_vars={"val-node-1": {"host_network_sysctls": {"rp_filter": 1}}})
    (finding,) = problems(report)
    assert (finding["check"], finding["device"]) == ("sysctl", "val-node-1")
    assert set(finding["expected"].values()) == {"1"} and len(finding["expected"]) == 4


def test_a_switch_that_stopped_forwarding_and_a_disabled_service(lab):
    gathered = recorded("clean")
    # Edits: val-spine-1 forwards no IPv4; lldpd of val-leaf-2 is disabled (runs now, not after a reboot).
    gathered["val-spine-1"]["sysctl"]["net.ipv4.ip_forward"] = "0"
    gathered["val-leaf-2"]["services"]["lldpd.service"]["enabled"] = "disabled"
    found = sorted((f["severity"], f["check"], f["device"]) for f in problems(run(lab, gathered)))
    assert found == [("error", "sysctl", "val-spine-1"), ("warning", "service", "val-leaf-2")]


def test_roce_qos_of_an_rdma_nic(lab):
    gathered = recorded("clean")
    # Edit: val-node-1's rail0 is an RDMA NIC (mlx5_0) whose QoS reads back as MLNX_OFED's tools
    # print it: trust pcp instead of dscp, PFC right, traffic class right, ECN off on the RP side.
    node = gathered["val-node-1"]
    node["host"]["rdma"] = {"rail0": "mlx5_0"}
    fabric = lab[0]["fabrics"]["compute"]
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.host_network import nic_qos
    qos = nic_qos(fabric)
    pfc = " ".join(qos["pfc"].split(","))
    node["host"]["qos"] = {"rail0": {
        "traffic_class": "Global tc: %d" % qos["tos"],
        "ecn": {"roce_np": {str(qos["ecn_priority"]): "1"}, "roce_rp": {str(qos["ecn_priority"]): "0"}},
        "mlnx_qos": {"rc": 0, "stdout": "DCBX mode: OS controlled\nPriority trust state: pcp\nPFC configuration:\n"
                                        "        priority    0   1   2   3   4   5   6   7\n"
                                        "        enabled     %s\n" % pfc}}}
    found = [f for f in problems(run(lab, gathered)) if f["check"] == "roce_qos"]
    (finding,) = found
    assert (finding["device"], finding["port"]) == ("val-node-1", "rail0")
    assert finding["observed"] == {"trust": "pcp", "ecn roce_rp priority %d" % qos["ecn_priority"]: "0"}


@pytest.fixture(scope="module")
def dgx():
    plan = plan_design({"name": "pod", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 2},
                        "hosts": {"driver_branch": "570"}}).to_dict()
    node = sorted(n for n, d in plan["devices"].items() if d["role"] == "gpu_node")[0]
    return plan, models_from_plan(plan), node


def _dgx_gathered(node, **host):
    """A DGX's GPUs (recorded nvidia-smi) and gpu_host's state as a configured node has it; no ports read."""
    with open(os.path.join(SMI, "h100-sxm-80gb-x8.xml"), encoding="utf-8") as handle:
        gpu = nvidia_smi.summarize(nvidia_smi.parse_xml(handle.read()))
    gpu.pop("gpus")
    state = {"cmdline": "BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro iommu=pt", "rdma": {}, "qos": {},
             "modules": ["mlx5_core", "mlx5_ib", "nvidia", "nvidia_peermem", "nvidia_uvm"]}
    state.update(host)
    return {node: {"commands": {"ip": {"argv": ["ip"], "rc": 0, "stdout": "[]"}}, "gpu": gpu, "pings": [],
                   "perf": {}, "host": state, "services": {},
                   "files": {"memlock": {"path": MEMLOCK_FILE,
                                         "content": "*\tsoft\tmemlock\tunlimited\n*\thard\tmemlock\tunlimited\n"}}}}


def _gpu_host(report):
    return sorted((f["severity"], f["message"]) for f in report["findings"] if f["check"] == "gpu_host")


def test_gpu_host_settings_of_a_configured_dgx(dgx):
    plan, models, node = dgx
    assert _gpu_host(compare(plan, _dgx_gathered(node), models=models)) == []


def test_gpu_host_settings_that_differ(dgx):
    plan, models, node = dgx
    gathered = _dgx_gathered(node, cmdline="BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro",
                             modules=["nouveau", "nvidia"])
    gathered[node]["files"]["memlock"] = {"path": MEMLOCK_FILE, "content": None, "error": "No such file or directory"}
    found = _gpu_host(compare(plan, gathered, models=models))
    assert found == [
        ("error", "no unlimited hard memlock limit in %s" % MEMLOCK_FILE),
        ("error", "no unlimited soft memlock limit in %s" % MEMLOCK_FILE),
        ("error", "nouveau is loaded: the NVIDIA driver cannot own the GPUs"),
        ("warning", "kernel parameters iommu=pt not on the running kernel's command line"),
        ("warning", "nvidia_peermem is not loaded: no GPUDirect RDMA"),
    ]
    # The inventory's gpu_host values decide what is expected: no peermem wanted, other parameters.
    found = _gpu_host(compare(plan, gathered, models=models, options={"host_vars": {node: {
        "gpu_host_peermem": False, "gpu_host_kernel_params": [], "gpu_host_memlock_unlimited": False,
        "gpu_host_blacklist_nouveau": False}}}))
    assert found == []


def test_recorded_fixtures_do_not_carry_the_recording_machines_command_line():
    for name in os.listdir(FIXTURES):
        if name.startswith("twin-"):
            data = copy.deepcopy(recorded(name[5:-5]))
            for res in data.values():
                cmdline = (res.get("host") or {}).get("cmdline")
                assert cmdline in (None, "BOOT_IMAGE=/boot/vmlinuz (the twin host's command line, not recorded)")


@pytest.fixture(scope="module")
def nvl72():
    root = os.path.dirname(os.path.dirname(HERE))
    plan = plan_design(os.path.join(root, "inventories", "training-pod-nvl72", "design.yml")).to_dict()
    return plan, models_from_plan(plan)


def _tray(plan, content):
    """What one compute tray gathered: its IMEX node list and the unit's state; no ports read."""
    tray = sorted(n for n, d in plan["devices"].items() if d.get("nvlink_domain") and d["role"] == "gpu_node")[0]
    return tray, {tray: {"commands": {"ip": {"argv": ["ip"], "rc": 0, "stdout": "[]"}}, "pings": [], "perf": {},
                         "files": {"imex_nodes": {"path": "/etc/nvidia-imex/nodes_config.cfg", "content": content}},
                         "services": {"nvidia-imex.service": {"active": "active", "enabled": "enabled"}}}}


def _imex(report):
    return [f for f in report["findings"] if f["check"] == "imex"]


def test_imex_node_list_of_an_nvlink_domain(nvl72):
    plan, models = nvl72
    tray = _tray(plan, "")[0]
    domain = plan["devices"][tray]["nvlink_domain"]
    members = [d for d in plan["devices"].values() if d.get("nvlink_domain") == domain and d["role"] == "gpu_node"]
    assert len(members) == 18
    # The list the plan gives: each tray's in-band address, in plan order (what gpu_host writes).
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.gpu_host import nvlink_domains
    listed = [m["address"] for m in nvlink_domains(plan["devices"].values())[domain]["members"]]
    assert len(set(listed)) == 18 and all(listed)
    tray, gathered = _tray(plan, "\n".join(listed) + "\n")
    assert _imex(compare(plan, gathered, models=models)) == []
    # One tray missing from the list: every IMEX node must hold the same list.
    tray, gathered = _tray(plan, "\n".join(listed[:-1]) + "\n")
    (finding,) = _imex(compare(plan, gathered, models=models))
    assert finding["severity"] == "error" and finding["device"] == tray
    assert finding["expected"] == listed and finding["observed"] == listed[:-1]
    # Not written at all.
    tray, gathered = _tray(plan, None)
    (finding,) = _imex(compare(plan, gathered, models=models))
    assert "cannot be read" in finding["message"]
    # IMEX turned off in the inventory: nothing to read back.
    assert _imex(compare(plan, gathered, models=models,
                         options={"host_vars": {tray: {"gpu_host_imex": False}}})) == []
