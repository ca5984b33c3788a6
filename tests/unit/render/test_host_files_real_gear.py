# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host files for real gear: interface names from the catalog, the in-band bond, RoCE QoS, GPU host.

The outside truth is the catalog entry of each server model (catalog/servers.yml, taken from the
vendor's documents): every interface name a rendered host file uses must appear there. The bond
is the one exception: a virtual device the rendered file itself declares.
"""

from __future__ import annotations

import configparser
import os
import re

import jinja2
import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import gpu_host
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import host_network as hn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATES = os.path.join(ROOT, "roles", "host_network", "templates")
GPU_TEMPLATES = os.path.join(ROOT, "roles", "gpu_host", "templates")
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader([TEMPLATES, GPU_TEMPLATES]), trim_blocks=True,
                         keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
with open(os.path.join(ROOT, "catalog", "servers.yml"), encoding="utf-8") as _f:
    SERVERS = yaml.safe_load(_f)["servers"]
BOND = {"name": "bond0", "mode": "802.3ad", "lacp_rate": "fast", "transmit_hash_policy": "layer3+4",
        "mii_monitor_interval": 100}


def _render(name, **variables):
    variables.setdefault("ansible_managed", "Ansible managed")
    variables.setdefault("inventory_hostname", "node")
    return ENV.get_template(name).render(**variables)


def _node(design):
    plan = plan_design(design)
    device = next(d for d in plan.devices.values() if d.role == "gpu_node").as_dict()
    return plan, device


def _catalog_names(model):
    out = set()
    for group in SERVERS[model]["nics"].values():
        for key in ("names", "names_ethernet", "names_infiniband"):
            out.update(group.get(key) or ())
    return out


def _rendered_files(net):
    """Every host file the role writes for ``net`` (netplan, networkd, NM, QoS script and unit, nccl, sysctl)."""
    files = {"netplan": _render("netplan.yaml.j2", host_network__plan=net),
             "nccl": _render("nccl.conf.j2", host_network__plan=net),
             "sysctl": _render("sysctl.conf.j2", host_network__plan=net)}
    qos = [n for n in net["nics"] if n["qos"]]
    files["qos"] = _render("refarch-roce-qos.j2", host_network__qos_nics=qos)
    files["qos-unit"] = _render("refarch-roce-qos.service.j2", host_network__qos_nics=qos)
    for nic in net["nics"]:
        files["networkd-" + nic["name"]] = _render("networkd.network.j2", item=nic)
        files["nm-" + nic["name"]] = _render("nmconnection.j2", item=nic)
        if nic["kind"] == "bond":
            files["netdev-" + nic["name"]] = _render("networkd.netdev.j2", item=nic)
    for member in net["bond_members"]:
        files["networkd-" + member["name"]] = _render("networkd.member.network.j2", item=member)
        files["nm-" + member["name"]] = _render("nmconnection.member.j2", item=member)
    return files


def _names_used(files):
    """Interface names the files configure or address, as the OS and the tools read them."""
    used = set()
    doc = yaml.safe_load(files["netplan"])["network"]
    used.update(doc.get("ethernets") or {})
    for bond in (doc.get("bonds") or {}).values():
        used.update(bond["interfaces"])
    for text in files.values():
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        used.update(re.findall(r"^Name=(\S+)$", text, re.M))
        used.update(re.findall(r"^interface-name=(\S+)$", text, re.M))
        used.update(re.findall(r"mlnx_qos -i (\S+)", text))
        used.update(re.findall(r"/sys/class/net/([^/\s]+)/", text))
        used.update(re.findall(r"sys-subsystem-net-devices-(\S+)\.device", text))
        used.update(n.replace("/", ".") for n in re.findall(r"^net\.ipv4\.conf\.([^ ]+)\.\w+ =", text, re.M)
                    if n not in ("all", "default"))
    for line in files["nccl"].splitlines():
        if line.startswith("NCCL_SOCKET_IFNAME="):
            used.update(line.split("=", 1)[1].lstrip("=^").split(","))
    return used


def _bonds(files):
    return set((yaml.safe_load(files["netplan"])["network"].get("bonds") or {}))


CASES = [
    ("dgx-h100 on InfiniBand, in-band bonded", {"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}},
     {"roles": ("compute", "storage", "inband"), "inband_bond": dict(BOND, address="10.136.0.2/25", gateway="10.136.0.1")}),
    ("dgx-h200 on RoCE", {"name": "r", "reference": "inference-pool", "nodes": {"model": "dgx-h200", "count": 48}}, {}),
    ("lab-node", os.path.join(ROOT, "inventories", "lab", "design.yml"), {}),
]


@pytest.mark.parametrize("title,design,options", CASES, ids=[c[0] for c in CASES])
def test_every_interface_name_of_a_host_file_is_in_the_catalog_entry(title, design, options):
    plan, device = _node(design)
    server = plan.catalog["servers"][device["model"]]
    found = {n["name"]: "mlx5_%d" % i for i, n in enumerate(device["interfaces"])}
    net = hn.network_plan(device, plan.fabrics, server=server, rdma_devices=found, **options)
    files = _rendered_files(net)
    used = _names_used(files)
    assert used, title
    assert used - _bonds(files) <= _catalog_names(device["model"]), (title, sorted(used - _catalog_names(device["model"])))


def test_placeholder_names_are_refused_with_the_catalog_field_to_fill():
    # HGX H100 (an OEM server): the plan keeps its stable placeholders rail0..rail7; the renderer refuses them.
    plan, device = _node({"name": "x", "reference": "inference-pool"})
    assert device["model"] == "hgx-h100" and device["interfaces"][0]["name"] == "rail0"
    with pytest.raises(hn.HostNetworkError, match=r"catalog servers\.hgx-h100\.nics\.compute\.names"):
        hn.network_plan(device, plan.fabrics, server=plan.catalog["servers"]["hgx-h100"])
    # A name the catalog does not document is refused too, naming the documented ones.
    plan, device = _node({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}})
    device["interfaces"][0]["name"] = "inband0"
    with pytest.raises(hn.HostNetworkError, match=r"inband0 .*\(ibp24s0, "):
        hn.network_plan(device, plan.fabrics, server=plan.catalog["servers"]["dgx-h100"])
    # Without a catalog entry names are not checked, and the plan says so.
    assert any("not checked" in w for w in hn.network_plan(device, plan.fabrics)["warnings"])


def test_dgx_ports_carry_the_user_guide_names_in_each_link_type():
    plan, device = _node({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}})
    names = [i["name"] for i in device["interfaces"]]
    # DGX H100/H200 User Guide, Table 5: in-band/storage Ethernet on port 2 of slot 1 and slot 2,
    # InfiniBand storage on port 1 of the same cards.
    by_fabric = {f: [i["name"] for i in device["interfaces"] if i["fabric"] == f] for f in ("storage", "inband")}
    assert by_fabric == {"storage": ["ibp170s0f0", "ibp41s0f0"], "inband": ["enp170s0f1np1", "enp41s0f1np1"]}
    assert "inband0" not in names
    net = hn.network_plan(device, plan.fabrics, server=plan.catalog["servers"]["dgx-h100"])
    # NCCL bootstraps over NICs this role configured, never over unconfigured in-band names.
    assert net["nccl"]["NCCL_SOCKET_IFNAME"] == "=" + ",".join(names[:8])
    assert net["link_types"] == []
    # On RoCE the same compute ports run Ethernet: the Ethernet names, LINK_TYPE noted, RoCE QoS and NCCL kept.
    plan, device = _node({"name": "r", "reference": "inference-pool", "nodes": {"model": "dgx-h100", "count": 48}})
    net = hn.network_plan(device, plan.fabrics, server=plan.catalog["servers"]["dgx-h100"])
    assert [n["name"] for n in net["nics"]][:2] == ["enp24s0np0", "enp64s0np0"]
    assert net["link_types"][0]["setting"] == "LINK_TYPE_P1=2" and "mlxconfig" in net["link_types"][0]["command"]
    assert net["nics"][0]["qos"]["tos"] == 106
    assert net["nccl"]["NCCL_IB_HCA"].startswith("=mlx5_0:1,mlx5_3:1") and net["nccl"]["NCCL_IB_TC"] == "106"
    netplan = _render("netplan.yaml.j2", host_network__plan=net)
    assert "LINK_TYPE_P1=2" in netplan


def test_inband_ports_are_one_lacp_bond_in_every_backend():
    plan, device = _node({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}})
    server = plan.catalog["servers"]["dgx-h100"]
    # The plan bonds the in-band ports over an MLAG leaf pair (training-pod: host_addressing mlag_bond):
    # the bond takes the plan's address and gateway, no hand-given address needed.
    planned = device["bonds"][0]
    net = hn.network_plan(device, plan.fabrics, server=server, roles=("inband",), inband_bond=BOND)
    assert net["nics"][0]["address"] == planned["address"] and net["nics"][0]["gateway"] == planned["gateway"]
    # host_network_inband_bond.address still overrides it.
    net = hn.network_plan(device, plan.fabrics, server=server, roles=("compute", "inband"),
                          inband_bond=dict(BOND, address="10.136.0.2/25", gateway="10.136.0.1"))
    bond = net["nics"][-1]
    assert bond["name"] == "bond0" and bond["members"] == ["enp170s0f1np1", "enp41s0f1np1"]
    assert [m["name"] for m in net["bond_members"]] == bond["members"]
    assert net["nccl"]["NCCL_SOCKET_IFNAME"] == "=bond0"
    doc = yaml.safe_load(_render("netplan.yaml.j2", host_network__plan=net))["network"]
    assert doc["bonds"]["bond0"]["interfaces"] == ["enp170s0f1np1", "enp41s0f1np1"]
    assert doc["bonds"]["bond0"]["parameters"]["mode"] == "802.3ad"
    assert doc["bonds"]["bond0"]["addresses"] == ["10.136.0.2/25"]
    assert "addresses" not in doc["ethernets"]["enp170s0f1np1"]
    netdev = configparser.ConfigParser(interpolation=None)
    netdev.read_string(_render("networkd.netdev.j2", item=bond))
    assert netdev["NetDev"]["Kind"] == "bond" and netdev["Bond"]["Mode"] == "802.3ad"
    member = _render("networkd.member.network.j2", item=net["bond_members"][0])
    assert "Bond=bond0" in member and "Address=" not in member
    nm = configparser.ConfigParser(interpolation=None)
    nm.read_string(_render("nmconnection.j2", item=bond))
    assert nm["connection"]["type"] == "bond" and nm["bond"]["mode"] == "802.3ad"
    nm_member = configparser.ConfigParser(interpolation=None)
    nm_member.read_string(_render("nmconnection.member.j2", item=net["bond_members"][1]))
    assert nm_member["connection"]["master"] == "bond0" and nm_member["connection"]["slave-type"] == "bond"
    # Unbonded ({}), the plan's bond members are left out (they have no address of their own).
    net = hn.network_plan(device, plan.fabrics, server=server, roles=("inband",), inband_bond={})
    assert net["nics"] == [] and net["bond_members"] == []
    assert all("leaves out" in s for s in net["skipped"] if s.startswith("enp"))
    # A plan of separate subnets (subnet_per_leaf) needs a hand-given address: no silent bond over two subnets.
    plan, device = _node({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4},
                          "fabrics": {"inband": {"host_addressing": "subnet_per_leaf", "oversubscription": 1}}})
    assert "bonds" not in device
    with pytest.raises(hn.HostNetworkError, match="MLAG"):
        hn.network_plan(device, plan.fabrics, server=server, roles=("inband",), inband_bond=BOND)
    net = hn.network_plan(device, plan.fabrics, server=server, roles=("inband",), inband_bond={})
    assert [n["name"] for n in net["nics"]] == ["enp170s0f1np1", "enp41s0f1np1"] and net["bond_members"] == []


def test_roce_script_guards_ecn_files_and_sets_the_verbs_traffic_class():
    plan, device = _node({"name": "r", "reference": "inference-pool", "nodes": {"model": "dgx-h100", "count": 48}})
    net = hn.network_plan(device, plan.fabrics, server=plan.catalog["servers"]["dgx-h100"])
    script = _render("refarch-roce-qos.j2", host_network__qos_nics=net["nics"])
    assert "set -e" not in script.replace("set -eu", "set -e")  # one failure must not stop the other NICs
    assert "write 106 /sys/class/infiniband/mlx5_0/tc/1/traffic_class" in script
    assert "write 1 /sys/class/net/enp24s0np0/ecn/roce_np/enable/3" in script
    assert "echo 1 > /sys/class/net/" not in script  # no unguarded ECN write
    assert script.rstrip().endswith("exit $failed")


def test_roce_script_runs_on_for_every_nic_when_files_are_missing(tmp_path):
    """Run the rendered script with stand-in tools: missing ECN files and a failing tool skip, not stop."""
    nics = [{"name": "eth9", "rdma_device": "mlx5_9", "qos": hn.nic_qos(
        {"kind": "roce", "qos": {"roce_dscp": 26, "cnp_dscp": 48, "ecn": True}})},
        {"name": "eth8", "rdma_device": "mlx5_8", "qos": hn.nic_qos(
            {"kind": "roce", "qos": {"roce_dscp": 26, "cnp_dscp": 48, "ecn": True}})}]
    script = tmp_path / "qos.sh"
    script.write_text(_render("refarch-roce-qos.j2", host_network__qos_nics=nics))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "log"
    for tool, rc in (("mlnx_qos", 1), ("cma_roce_tos", 0)):
        (bindir / tool).write_text("#!/bin/sh\necho %s \"$@\" >> %s\nexit %d\n" % (tool, log, rc))
        (bindir / tool).chmod(0o755)
    import subprocess
    result = subprocess.run(["sh", str(script)], env={"PATH": "%s:/usr/bin:/bin" % bindir}, capture_output=True,
                            text=True, check=False)
    calls = log.read_text()
    assert "cma_roce_tos -d mlx5_9 -t 106" in calls and "cma_roce_tos -d mlx5_8 -t 106" in calls
    assert result.returncode == 1 and "ecn/roce_np/enable/3 is missing" in result.stderr


def test_no_router_advertisements_on_fabric_nics():
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml"))
    net = hn.network_plan(plan.devices["lab-node-1"].as_dict(), plan.fabrics)
    doc = yaml.safe_load(_render("netplan.yaml.j2", host_network__plan=net))
    assert all(e["accept-ra"] is False for e in doc["network"]["ethernets"].values())
    assert "IPv6AcceptRA=no" in _render("networkd.network.j2", item=net["nics"][0])
    nm = configparser.ConfigParser(interpolation=None)
    nm.read_string(_render("nmconnection.j2", item=net["nics"][0]))
    assert nm["ipv6"]["method"] == "link-local"


# --- gpu_host ----------------------------------------------------------------------------------

UBUNTU = dict(os_family="Debian", distribution="Ubuntu", distribution_version="22.04")


def _server(model):
    gpus = SERVERS[model]["gpus"]
    return {"model": model, "nvswitch": gpus.get("nvswitch"), "generation": gpus.get("generation"),
            "open_kernel_modules_required": gpus.get("open_kernel_modules_required")}


def test_fourth_generation_nvswitch_gets_the_nvlink_subnet_manager():
    b200 = gpu_host.gpu_host_settings(server=_server("dgx-b200"), driver_branch="575", cuda_version="12.9", **UBUNTU)
    assert b200["packages"]["fabricmanager"] == ["nvidia-fabricmanager-575", "nvlsm"] and b200["nvlsm"]
    assert b200["driver_flavor"] == "open"
    with pytest.raises(gpu_host.GpuHostError, match="open kernel modules"):
        gpu_host.gpu_host_settings(server=_server("dgx-b200"), driver_branch="575", cuda_version="12.9",
                                   driver_flavor="proprietary", **UBUNTU)
    h100 = gpu_host.gpu_host_settings(server=_server("dgx-h100"), driver_branch="570", cuda_version="12.8", **UBUNTU)
    assert h100["packages"]["fabricmanager"] == ["nvidia-fabricmanager-570"] and not h100["nvlsm"]
    # Hopper: open modules by default, as NVIDIA recommends; proprietary still allowed.
    assert h100["driver_flavor"] == "open" and h100["packages"]["driver"] == ["nvidia-open-570"]
    assert gpu_host.gpu_host_settings(server=_server("dgx-h100"), driver_branch="570", cuda_version="12.8",
                                      driver_flavor="proprietary", **UBUNTU)["packages"]["driver"] == ["cuda-drivers-570"]
    assert gpu_host.gpu_host_settings(server={}, driver_branch="570", cuda_version="12.8",
                                      **UBUNTU)["driver_flavor"] == "proprietary"


def test_memlock_unlimited_and_dgx_os_keeps_its_repositories():
    s = gpu_host.gpu_host_settings(server=_server("dgx-h100"), driver_branch="570", cuda_version="12.8", **UBUNTU)
    assert len(s["repositories"]) == 2 and not s["dgx_os"]
    limits = _render("limits-memlock.conf.j2", gpu_host__settings=s)
    rows = [line.split() for line in limits.splitlines() if line and not line.startswith("#")]
    assert rows == [["*", "soft", "memlock", "unlimited"], ["*", "hard", "memlock", "unlimited"]]
    dgx = gpu_host.gpu_host_settings(server=_server("dgx-h100"), driver_branch="570", cuda_version="12.8",
                                     dgx_os=True, **UBUNTU)
    assert dgx["repositories"] == [] and dgx["dgx_os"]
    assert gpu_host.gpu_host_settings(server=_server("dgx-h100"), driver_branch="570", cuda_version="12.8",
                                      memlock_unlimited=False, **UBUNTU)["limits"] == []
