# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host_network role's files, rendered from real plan slices and read back as the OS would.

systemd-networkd runs in the Molecule scenario and the lab twin; netplan (Ubuntu) and
NetworkManager (RHEL) are not available there, so their files are checked here: the netplan
YAML parses and carries each NIC's address, MTU, table routes and rule; the NetworkManager
keyfiles parse as INI with the routes and rule in NetworkManager's keyfile syntax.
"""

from __future__ import annotations

import configparser
import os

import jinja2
import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.ai_cluster.plugins.filter import hosts as filters
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(ROOT, "roles", "host_network", "templates")
# What ansible.builtin.template does by default.
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, keep_trailing_newline=True,
                         undefined=jinja2.StrictUndefined)


def _render(name, **variables):
    variables.setdefault("ansible_managed", "Ansible managed")
    variables.setdefault("inventory_hostname", "node")
    return ENV.get_template(name).render(**variables)


def _lab_plan():
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml"))
    device = plan.devices["lab-node-1"].as_dict()
    return filters.host_network_plan(device, fabrics=plan.fabrics, rdma_devices={"rail0": "mlx5_0", "rail1": "mlx5_1"})


def test_netplan_file():
    net = _lab_plan()
    doc = yaml.safe_load(_render("netplan.yaml.j2", host_network__plan=net))
    rail0 = doc["network"]["ethernets"]["rail0"]
    assert doc["network"]["version"] == 2
    assert rail0["addresses"] == ["198.18.64.2/29"] and rail0["mtu"] == 9000
    assert rail0["link-local"] == ["ipv6"] and rail0["dhcp4"] is False
    # no router advertisements: a global IPv6 address would shift the GID table (NCCL_IB_GID_INDEX)
    assert rail0["accept-ra"] is False
    assert rail0["routes"] == [
        {"to": "198.18.64.0/29", "scope": "link", "from": "198.18.64.2", "table": 101},
        {"to": "default", "via": "198.18.64.1", "table": 101}]
    assert rail0["routing-policy"] == [{"from": "198.18.64.2", "table": 101, "priority": 1001}]
    assert doc["network"]["ethernets"]["rail1"]["routing-policy"][0]["table"] == 102


def test_networkmanager_keyfiles():
    net = _lab_plan()
    for nic in net["nics"]:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(_render("nmconnection.j2", item=nic))
        assert parser["connection"]["interface-name"] == nic["name"]
        assert parser["connection"]["type"] == "ethernet"
        assert parser["ethernet"]["mtu"] == "9000"
        ipv4 = parser["ipv4"]
        assert ipv4["method"] == "manual" and ipv4["address1"] == nic["address"]
        assert ipv4["route1"] == nic["network"]
        assert ipv4["route1_options"] == "table=%d,src=%s" % (nic["table"], nic["ip"])
        assert ipv4["route2"] == "0.0.0.0/0,%s" % nic["gateway"]
        assert ipv4["routing-rule1"] == "priority %d from %s table %d" % (nic["priority"], nic["ip"], nic["table"])
        assert parser["ipv6"]["method"] == "link-local"


def test_a_default_route_in_the_main_table_on_request():
    """Only the chosen NIC gets a main-table default route, in all three stacks; its own table stays."""
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml"))
    device = plan.devices["lab-node-3"].as_dict()
    for chosen in ("compute", "rail0"):
        net = filters.host_network_plan(device, fabrics=plan.fabrics, default_route=chosen)
        assert [n["main_default"] for n in net["nics"]] == [True, False]
        rail0 = yaml.safe_load(_render("netplan.yaml.j2", host_network__plan=net))["network"]["ethernets"]["rail0"]
        assert {"to": "default", "via": "198.18.64.17", "from": "198.18.64.18"} in rail0["routes"]
        assert {"to": "default", "via": "198.18.64.17", "table": 101} in rail0["routes"]
        network = configparser.ConfigParser(interpolation=None, strict=False)
        text = _render("networkd.network.j2", item=net["nics"][0])
        assert "[Route]\nGateway=198.18.64.17\nPreferredSource=198.18.64.18\n" in text
        assert "Gateway=" not in _render("networkd.network.j2", item=net["nics"][1]).split("Table=102")[-1]
        network.read_string(_render("nmconnection.j2", item=net["nics"][0]))
        assert network["ipv4"]["address1"] == "198.18.64.18/29,198.18.64.17"
        assert network["ipv4"]["never-default"] == "false"
    plain = filters.host_network_plan(device, fabrics=plan.fabrics)
    assert not any(n["main_default"] for n in plain["nics"])
    assert "PreferredSource=198.18.64.18\n\n[RoutingPolicyRule]" not in _render("networkd.network.j2", item=plain["nics"][0])
    for bad in ("storage", "rail7"):
        with pytest.raises(AnsibleFilterError, match="default_route %r names no NIC" % bad):
            filters.host_network_plan(device, fabrics=plan.fabrics, default_route=bad)


def test_infiniband_nics_without_gateway():
    plan = plan_design({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}})
    net = filters.host_network_plan(plan.devices["t-node-1"].as_dict(), fabrics=plan.fabrics)
    nic = net["nics"][0]
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(_render("nmconnection.j2", item=nic))
    assert parser["connection"]["type"] == "infiniband"
    assert parser["infiniband"]["transport-mode"] == "datagram"
    assert "route2" not in parser["ipv4"]
    doc = yaml.safe_load(_render("netplan.yaml.j2", host_network__plan=net))
    assert doc["network"]["ethernets"]["ibp24s0"]["infiniband-mode"] == "datagram"
    assert len(doc["network"]["ethernets"]["ibp24s0"]["routes"]) == 1
    network = _render("networkd.network.j2", item=nic)
    assert "Gateway=" not in network and "Table=101" in network and "Priority=1001" in network


def test_roce_qos_script_and_nccl_conf():
    net = _lab_plan()
    script = _render("refarch-roce-qos.j2", host_network__qos_nics=net["nics"])
    assert "mlnx_qos -i rail0 --trust dscp" in script
    assert "mlnx_qos -i rail1 --pfc 0,0,0,1,0,0,0,0" in script
    assert "cma_roce_tos -d mlx5_0 -t 106" in script
    # ECN files exist only with NVIDIA's driver stack: written only where present
    assert "write 1 /sys/class/net/rail0/ecn/roce_np/enable/3" in script
    assert "write 1 /sys/class/net/rail1/ecn/roce_rp/enable/3" in script
    assert "write 48 /sys/class/net/rail0/ecn/roce_np/cnp_dscp" in script
    # verbs QPs without RDMA-CM leave at the RoCE class too
    assert "write 106 /sys/class/infiniband/mlx5_0/tc/1/traffic_class" in script
    unit = _render("refarch-roce-qos.service.j2", host_network__qos_nics=net["nics"])
    assert "After=sys-subsystem-net-devices-rail1.device" in unit
    conf = _render("nccl.conf.j2", host_network__plan=net)
    lines = [line for line in conf.splitlines() if not line.startswith("#")]
    assert lines == ["NCCL_IB_GID_INDEX=3", "NCCL_IB_HCA==mlx5_0:1,mlx5_1:1", "NCCL_IB_TC=106",
                     "NCCL_SOCKET_IFNAME==rail0,rail1"]
    tables = _render("rt_tables.conf.j2", host_network__plan=net)
    assert "101\trefarch_rail0" in tables and "102\trefarch_rail1" in tables
