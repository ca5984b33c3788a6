# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Derivations of the gpu_host and host_network roles (module_utils and filters)."""

from __future__ import annotations

import os

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.refarch.ai_cluster.plugins.filter import hosts as filters
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import gpu_host
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import host_network
from ansible_collections.refarch.ai_cluster.plugins.module_utils import nvidia_smi
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UBUNTU = {"os_family": "Debian", "distribution": "Ubuntu", "distribution_version": "22.04",
          "distribution_major_version": "22", "architecture": "x86_64"}
DEBIAN = {"os_family": "Debian", "distribution": "Debian", "distribution_version": "12",
          "distribution_major_version": "12", "architecture": "x86_64"}
RHEL = {"os_family": "RedHat", "distribution": "RedHat", "distribution_version": "9.4",
        "distribution_major_version": "9", "architecture": "x86_64"}
HOPPER = {"model": "dgx-h100", "gpu_model": "H100-SXM5-80GB", "gpu_count": 8, "nvswitch": True,
          "generation": "hopper", "open_kernel_modules_required": False}
BLACKWELL = dict(HOPPER, model="dgx-b200", generation="blackwell", open_kernel_modules_required=True)
L40S = dict(HOPPER, model="l40s-8", nvswitch=False, generation="ada")


# --- gpu_host -----------------------------------------------------------------------------------

def test_ubuntu_cuda_repo_hopper():
    s = filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="570", cuda_version="12.8")
    assert s["package_manager"] == "apt"
    # Hopper: the open kernel modules by default, as NVIDIA recommends them
    assert s["driver_flavor"] == "open"
    assert s["packages"] == {
        "driver": ["nvidia-open-570"], "fabricmanager": ["nvidia-fabricmanager-570"],
        "cuda": ["cuda-toolkit-12-8"], "dcgm": ["datacenter-gpu-manager-4-cuda12"],
        "container_toolkit": ["nvidia-container-toolkit"]}
    assert s["services"] == ["nvidia-persistenced", "nvidia-fabricmanager", "nvidia-dcgm"]
    assert s["pin_version"] == "570.*"
    cuda, toolkit = s["repositories"]
    assert cuda["uris"] == "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64/"
    assert cuda["key_url"].endswith("/ubuntu2204/x86_64/3bf863cc.pub")
    assert toolkit["uris"].endswith("/stable/deb/amd64/")


def test_open_modules_where_required_and_refused_otherwise():
    s = filters.gpu_host_settings(DEBIAN, server=BLACKWELL, driver_branch="575", cuda_version="12.9")
    assert s["driver_flavor"] == "open"
    assert s["packages"]["driver"] == ["nvidia-open-575"]
    assert s["repositories"][0]["uris"].endswith("/debian12/x86_64/")
    with pytest.raises(AnsibleFilterError, match="need the open kernel modules"):
        filters.gpu_host_settings(DEBIAN, server=BLACKWELL, driver_branch="575", cuda_version="12.9",
                                  driver_flavor="proprietary")
    assert filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="570", cuda_version="12.8",
                                     driver_flavor="open")["packages"]["driver"] == ["nvidia-open-570"]


def test_branch_590_uses_the_renamed_packages_and_exact_version_pins():
    s = filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="590", driver_version="590.44.01",
                                  cuda_version="13.0", driver_flavor="proprietary")
    assert s["packages"]["driver"] == ["cuda-drivers=590.44.01*"]
    assert s["packages"]["fabricmanager"] == ["nvidia-fabricmanager=590.44.01*"]
    assert s["packages"]["dcgm"] == ["datacenter-gpu-manager-4-cuda13"]
    assert s["pin_version"] == "590.44.01*"
    with pytest.raises(AnsibleFilterError, match="not in branch"):
        filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="570", driver_version="575.1",
                                  cuda_version="12.8")


def test_rhel_module_streams_and_versionlock_patterns():
    s = filters.gpu_host_settings(RHEL, server=HOPPER, driver_branch="570", cuda_version="12.8",
                                  driver_flavor="proprietary")
    assert s["package_manager"] == "dnf"
    assert s["packages"]["driver"] == ["@nvidia-driver:570-dkms"]
    assert s["packages"]["fabricmanager"] == ["nvidia-fabric-manager-570*"]
    assert s["version_package"] == "nvidia-driver"
    assert s["repositories"][0]["baseurl"].endswith("/rhel9/x86_64")
    assert s["repositories"][0]["key_url"].endswith("/D42D0685.pub")
    s = filters.gpu_host_settings(RHEL, server=BLACKWELL, driver_branch="580", cuda_version="13.0")
    assert s["packages"]["driver"] == ["nvidia-open"]


def test_design_values_fill_empty_variables_and_defaults_come_last():
    design = {"driver_branch": "550", "cuda_version": "12.4", "mig_profile": None}
    s = filters.gpu_host_settings(UBUNTU, server=L40S, design_hosts=design,
                                  defaults={"driver_branch": "570", "cuda_version": "12.8"})
    assert s["driver_branch"] == "550" and s["cuda_version"] == "12.4"
    assert s["packages"]["fabricmanager"] == [] and "nvidia-fabricmanager" not in s["services"]
    assert s["mig_profile"] is None
    s = filters.gpu_host_settings(UBUNTU, server=L40S, defaults={"driver_branch": "570", "cuda_version": "12.8"},
                                  mig_profile="1g.10gb")
    assert s["driver_branch"] == "570" and s["mig_profile"] == "1g.10gb"
    with pytest.raises(AnsibleFilterError, match="driver branch"):
        filters.gpu_host_settings(UBUNTU, server=L40S, cuda_version="12.8")


def test_sources_and_repository_checks():
    with pytest.raises(AnsibleFilterError, match="needs the mirror"):
        filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="570", cuda_version="12.8", source="mirror")
    with pytest.raises(AnsibleFilterError, match="no signing key"):
        filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="570", cuda_version="12.8", source="mirror",
                                  repositories=[{"name": "m", "uris": "http://m/", "suites": "/"}])
    s = filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="570", cuda_version="12.8",
                                  source="distribution", driver_flavor="open")
    assert s["packages"]["driver"] == ["nvidia-driver-570-server-open"] and s["repositories"] == []
    with pytest.raises(AnsibleFilterError, match="Ubuntu only"):
        filters.gpu_host_settings(DEBIAN, server=HOPPER, driver_branch="570", cuda_version="12.8",
                                  source="distribution")
    with pytest.raises(AnsibleFilterError, match="OS families"):
        filters.gpu_host_settings({"os_family": "Suse"}, server=HOPPER, driver_branch="570", cuda_version="12.8")
    s = filters.gpu_host_settings(UBUNTU, server=HOPPER, driver_branch="570", cuda_version="12.8",
                                  install_dcgm=False, install_container_toolkit=False, driver_flavor="proprietary",
                                  packages={"cuda": ["cuda-toolkit-12-8", "cuda-compat-12-8"]})
    assert s["install"] == ["cuda-drivers-570", "nvidia-fabricmanager-570", "cuda-toolkit-12-8", "cuda-compat-12-8"]
    assert [r["name"] for r in s["repositories"]] == ["nvidia-cuda"]


def test_lock_list_only_takes_packages_of_the_branch():
    installed = {"cuda-drivers-570": "570.133.20-1", "nvidia-driver-cuda": "570.133.20-1",
                 "nvidia-container-toolkit": "1.17.8-1", "libnvidia-container1": "1.17.8-1",
                 "datacenter-gpu-manager-4-cuda12": "1:4.2.3-1", "nvidia-open": "3:570.133.20-1.el9",
                 "bash": "5.2.15-2"}
    assert filters.gpu_host_lock_list(installed, gpu_host.APT_LOCK_PATTERNS, "570") == [
        "cuda-drivers-570", "nvidia-driver-cuda", "nvidia-open"]
    assert filters.gpu_driver_version("3:570.133.20-1.el9") == "570.133.20"
    assert filters.gpu_driver_version("") is None


# --- host_context -----------------------------------------------------------------------------

def test_host_context_reads_the_plan_not_the_design():
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml"))
    ctx = filters.host_context(plan.catalog, "lab-node", hosts=plan.design.hosts, fabrics=plan.fabrics)
    assert ctx["server"]["nvswitch"] is False and ctx["server"]["gpu_count"] == 2
    assert ctx["server"]["gpu_model"] == plan.design.catalog.servers["lab-node"].gpu_model
    assert ctx["fabrics"]["compute"]["kind"] == "roce"
    assert ctx["fabrics"]["compute"]["qos"]["roce_dscp"] == 26
    assert ctx["hosts"] == plan.design.hosts
    # Only the plan's slice is read: a catalog without the model is an error naming what it has.
    assert filters.host_context({}) == {"hosts": {}, "server": {}, "fabrics": {}}
    with pytest.raises(AnsibleFilterError, match=r"'no-such-model' is not in the plan's catalog .*has: lab-node"):
        filters.host_context(plan.catalog, "no-such-model")


# --- host_network -----------------------------------------------------------------------------

def _lab_node():
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml"))
    return plan, plan.devices["lab-node-1"].as_dict()


def test_lab_node_tables_rules_sysctls_and_nccl():
    plan, device = _lab_node()
    net = filters.host_network_plan(device, fabrics=plan.fabrics)
    rail0, rail1 = net["nics"]
    assert (rail0["name"], rail0["address"], rail0["gateway"], rail0["network"]) == (
        "rail0", "198.18.64.2/29", "198.18.64.1", "198.18.64.0/29")
    assert (rail0["table"], rail0["priority"], rail1["table"], rail1["priority"]) == (101, 1001, 102, 1002)
    assert rail0["mtu"] == 9000 and rail0["kind"] == "roce"
    # the lab NICs have no RDMA device: no QoS, no NCCL_IB_HCA, and the reason says why
    assert rail0["qos"] is None and "no RDMA device" in rail0["qos_reason"]
    assert net["sysctls"]["net.ipv4.conf.all.arp_ignore"] == "1"
    assert net["sysctls"]["net.ipv4.conf.rail1.arp_announce"] == "2"
    assert net["sysctls"]["net.ipv4.conf.default.rp_filter"] == "2"
    assert net["nccl"] == {"NCCL_IB_GID_INDEX": "3", "NCCL_SOCKET_IFNAME": "=rail0,rail1"}
    # RDMA devices found on the host complete the plan
    net = filters.host_network_plan(device, fabrics=plan.fabrics, rdma_devices={"rail0": "mlx5_0", "rail1": "mlx5_1"})
    assert net["nics"][0]["qos"] == {
        "trust": "dscp", "pfc": "0,0,0,1,0,0,0,0", "roce_dscp": 26, "roce_priority": 3, "tos": 106,
        "roce_mode": "RoCE v2", "ecn": True, "ecn_priority": 3, "cnp_dscp": 48}
    assert net["nccl"] == {"NCCL_IB_GID_INDEX": "3", "NCCL_IB_HCA": "=mlx5_0:1,mlx5_1:1", "NCCL_IB_TC": "106",
                           "NCCL_SOCKET_IFNAME": "=rail0,rail1"}


def test_dgx_on_infiniband_with_inband_nics():
    plan = plan_design({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}})
    device = plan.devices["t-node-1"].as_dict()
    net = filters.host_network_plan(device, fabrics=plan.fabrics, nccl={"NCCL_IB_QPS_PER_CONNECTION": 4},
                                    rdma_devices={"ibp24s0": "mlx5_7"}, server=plan.catalog["servers"]["dgx-h100"])
    # The 8 compute rails, then the 2 InfiniBand storage ports (training-pod: storage fabric).
    assert [n["rail"] for n in net["nics"]] == list(range(8)) + [None, None]
    assert [n["name"] for n in net["nics"][8:]] == ["ibp170s0f0", "ibp41s0f0"]
    assert {n["kind"] for n in net["nics"]} == {"infiniband"}
    assert net["nics"][0]["gateway"] is None
    assert net["nics"][0]["qos"] is None
    assert any("bmc0" in s for s in net["skipped"]) and any("enp170s0f1np1" in s for s in net["skipped"])
    assert net["warnings"] == ["ibp24s0: the plan says RDMA device mlx5_0, the host has mlx5_7 (using mlx5_7)"]
    assert net["nccl"] == {
        "NCCL_IB_HCA": "=mlx5_7:1,mlx5_3:1,mlx5_4:1,mlx5_5:1,mlx5_6:1,mlx5_9:1,mlx5_10:1,mlx5_11:1",
        "NCCL_IB_QPS_PER_CONNECTION": "4",
        # in-band not managed here: bootstrap over the compute NICs (IPoIB), never unconfigured in-band names
        "NCCL_SOCKET_IFNAME": "=ibp24s0,ibp64s0,ibp79s0,ibp94s0,ibp154s0,ibp192s0,ibp206s0,ibp220s0"}
    # storage/in-band roles can be managed too, and derived keys removed
    net = filters.host_network_plan(device, fabrics=plan.fabrics, roles=["compute", "inband"],
                                    nccl={"NCCL_SOCKET_IFNAME": None}, server=plan.catalog["servers"]["dgx-h100"])
    # DGX H100/H200 User Guide, Table 5: in-band Ethernet on port 2 of slot 1 and slot 2, which the
    # plan bonds over the in-band MLAG pair (training-pod: host_addressing mlag_bond)
    assert net["nics"][-1]["members"] == ["enp170s0f1np1", "enp41s0f1np1"]
    assert net["nics"][-1]["address"] == device["bonds"][0]["address"]
    assert net["nics"][-1]["table"] == 109 and "NCCL_SOCKET_IFNAME" not in net["nccl"]


def test_congestion_control_none_keeps_pfc_and_drops_ecn():
    fabric = {"kind": "roce", "congestion_control": "none",
              "qos": {"roce_dscp": 26, "roce_priority": 3, "cnp_dscp": 48, "ecn": True, "pfc": True}}
    qos = host_network.nic_qos(fabric)
    assert qos["tos"] == 104 and qos["ecn"] is False and qos["cnp_dscp"] is None
    assert host_network.pfc_vector(0) == "1,0,0,0,0,0,0,0"
    with pytest.raises(host_network.HostNetworkError):
        host_network.pfc_vector(8)


def test_bad_plan_slices_are_refused():
    with pytest.raises(AnsibleFilterError, match="outside"):
        filters.host_network_plan({"interfaces": [{"name": "r0", "role": "compute", "address": "10.0.0.2/30",
                                                   "gateway": "10.0.1.1"}]})
    with pytest.raises(AnsibleFilterError, match="IPv4"):
        filters.host_network_plan({"interfaces": [{"name": "r0", "role": "compute", "address": "fd00::2/64"}]})
    with pytest.raises(AnsibleFilterError, match="plan device"):
        filters.host_network_plan("lab-node-1")
    net = filters.host_network_plan({"interfaces": [{"name": "v.100", "role": "compute", "address": "10.0.0.2/30"}]})
    assert "net.ipv4.conf.v/100.rp_filter" in net["sysctls"]


def test_mig_instances_filter():
    assert filters.nvidia_smi_mig_instances("|   0  MIG 1g.10gb         19        9          2:1     |\n") == {
        0: ["1g.10gb"]}


# --- package state, locks, MIG, sysctls -------------------------------------------------------

def test_installed_packages_from_dpkg_and_rpm():
    dpkg = ("hi \tcuda-drivers-570\t570.133.20-1\nii \tnvidia-container-toolkit\t1.17.8-1\n"
            "rc \tnvidia-driver-cuda\t565.57.01-1\nhi \tnvidia-persistenced\t570.133.20-1\n")
    assert filters.gpu_host_installed(dpkg) == {"cuda-drivers-570": "570.133.20-1",
                                                "nvidia-container-toolkit": "1.17.8-1",
                                                "nvidia-persistenced": "570.133.20-1"}
    assert filters.gpu_host_installed(dpkg, held=True) == {"cuda-drivers-570": "570.133.20-1",
                                                           "nvidia-persistenced": "570.133.20-1"}
    rpm = "nvidia-driver\t3:570.133.20-1.el9\nnvidia-container-toolkit\t(none):1.17.8-1\n"
    assert filters.gpu_host_installed(rpm) == {"nvidia-driver": "3:570.133.20-1.el9",
                                               "nvidia-container-toolkit": "1.17.8-1"}


def test_stale_locks_are_the_driver_packages_of_another_branch_or_version():
    held = {"cuda-drivers-570": "570.133.20-1", "nvidia-driver-cuda": "570.133.20-1",
            "nvidia-container-toolkit": "1.17.8-1", "nvidia-open": "3:575.51.03-1.el9"}
    patterns = gpu_host.APT_LOCK_PATTERNS
    assert filters.gpu_host_stale_locks(held, patterns, "575") == ["cuda-drivers-570", "nvidia-driver-cuda"]
    assert filters.gpu_host_stale_locks(held, patterns, "570") == ["nvidia-open"]
    assert filters.gpu_host_stale_locks(held, patterns, "570.133.20") == ["nvidia-open"]
    assert filters.gpu_host_stale_locks(held, patterns, "570.140.01") == [
        "cuda-drivers-570", "nvidia-driver-cuda", "nvidia-open"]
    assert filters.gpu_host_lock_list(held, patterns, "570.133.20") == ["cuda-drivers-570", "nvidia-driver-cuda"]
    locks = filters.gpu_host_versionlocks("Last metadata expiration check: 0:01:02 ago\n"
                                          "cuda-drivers-0:570.133.20-1.*\nnvidia-open-3:570.133.20-1.el9.*\n")
    assert locks == {"cuda-drivers": "0:570.133.20-1", "nvidia-open": "3:570.133.20-1.el9"}


def test_mig_changes():
    facts = nvidia_smi.summarize(nvidia_smi.parse_xml(_fixture("a100-sxm4-80gb-x4-mig.xml")))
    lgi = ("|   0  MIG 3g.40gb          9        2          4:4     |\n"
           "|   0  MIG 3g.40gb          9        1          0:4     |\n")
    # GPU 0 has the layout; 1 has other instances; 2 and 3 have MIG off (3 only pending)
    assert filters.gpu_host_mig_changes(facts, lgi, "3g.40gb, 3g.40gb") == {
        "wanted": ["3g.40gb", "3g.40gb"], "apply": [1, 2, 3], "unsupported": [], "missing": []}
    assert filters.gpu_host_mig_changes(facts, lgi, "3g.40gb,3g.40gb", [0])["apply"] == []
    assert filters.gpu_host_mig_changes(facts, lgi, "7g.80gb", [0, 9])["missing"] == [9]
    l40s = nvidia_smi.summarize(nvidia_smi.parse_xml(_fixture("l40s-x8.xml")))
    assert filters.gpu_host_mig_changes(l40s, "", "1g.10gb")["unsupported"] == list(range(8))


def test_sysctl_changes_and_rdma_devices():
    out = "net.ipv4.conf.all.arp_ignore = 0\nnet.ipv4.conf.all.rp_filter = 2\n"
    wanted = {"net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.all.rp_filter": "2",
              "net.ipv4.conf.rail9.rp_filter": "2"}
    assert filters.host_network_sysctl_changes(out, wanted) == [{"key": "net.ipv4.conf.all.arp_ignore", "value": "1"}]
    paths = ["/sys/class/net/ibp24s0/device/infiniband/mlx5_0", "/sys/class/net/rail1/device/infiniband/mlx5_1",
             "/sys/class/net/eth0/device/infiniband/bogus/extra", "junk"]
    assert host_network.rdma_devices_from_sysfs(paths) == {"ibp24s0": "mlx5_0", "rail1": "mlx5_1", "eth0": "bogus"}
    net = filters.host_network_plan({"interfaces": [{"name": "rail1", "role": "compute", "address": "10.0.0.2/30"}]},
                                    rdma_devices=paths)
    assert net["nics"][0]["rdma_device"] == "mlx5_1"


def _fixture(name):
    with open(os.path.join(ROOT, "tests", "unit", "fixtures", "nvidia_smi", name), encoding="utf-8") as handle:
        return handle.read()
