# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one-pass renderer writes what the template module writes, for every GPU node we ship (#22).

Outside truth is Ansible's own templar with the template module's settings and template variables
(``ansible_managed`` from Ansible's configuration), filled as the host_network role's tasks used to
fill each template per host: the plan from the ``host_network_plan`` filter with the role's
defaults, one file per NIC, bond and bond member. Every GPU node of every shipped design, and real
gear with RoCE QoS and an in-band bond, is rendered both ways and compared byte for byte.
"""

from __future__ import annotations

import copy
import glob
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.refarch.ai_cluster.plugins.filter import hosts as filters
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import host_configs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATES = os.path.join(ROOT, "roles", "host_network", "templates")
SHIPPED = sorted(glob.glob(os.path.join(ROOT, "inventories", "*", "design.yml")))
BOND = {"name": "bond0", "mode": "802.3ad", "lacp_rate": "fast", "transmit_hash_policy": "layer3+4",
        "mii_monitor_interval": 100}
# Real gear (catalog names, RDMA devices, RoCE QoS, in-band bonds), with the role variables a site sets.
GEAR = {
    "dgx-h200-roce": ({"name": "r", "reference": "inference-pool", "nodes": {"model": "dgx-h200", "count": 48}}, {}),
    "dgx-h100-ib-bonded": ({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}},
                           {"roles": ["compute", "storage", "inband"],
                            "inband_bond": dict(BOND, address="10.136.0.2/25", gateway="10.136.0.1")}),
    "dgx-h100-ib-apart": ({"name": "t", "reference": "training-pod", "nodes": {"model": "dgx-h100", "count": 4}},
                          {"roles": ["compute", "storage", "inband"], "inband_bond": {}, "nccl": {"NCCL_DEBUG": "WARN"},
                           "socket_ifname": "", "gid_index": 3}),
}


def templar_render(template, variables):
    """One template of the role, filled as ansible.builtin.template fills it."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, generate_ansible_template_vars, trust_as_template

    path = os.path.join(TEMPLATES, template)
    with open(path, "r", encoding="utf-8") as handle:
        source = handle.read()
    variables = dict(variables, **generate_ansible_template_vars(template, fullpath=path))
    templar = Templar(loader=DataLoader(), variables=variables).copy_with_new_env(searchpath=[TEMPLATES])
    text = templar.template(trust_as_template(source), escape_backslashes=False,
                            overrides=dict(trim_blocks=True, lstrip_blocks=False, newline_sequence="\n"))
    return text or ""


def role_plan(plan, host, options):
    """host_network__plan as tasks/main.yml sets it: the filter, the role's defaults, no RDMA device on the host."""
    device = plan["devices"][host]
    opts = dict(host_configs.DEFAULT_OPTIONS, **options)
    server = ((plan.get("catalog") or {}).get("servers") or {}).get(device.get("model") or "", {})
    return filters.host_network_plan(
        copy.deepcopy(device), fabrics=plan["fabrics"], roles=opts["roles"], table_base=opts["table_base"],
        rule_priority_base=opts["rule_priority_base"], rdma_devices=[], sysctls=opts["sysctls"], nccl=opts["nccl"],
        socket_ifname=opts["socket_ifname"] or None, gid_index=opts["gid_index"], server=server or None,
        inband_bond=opts["inband_bond"])


def per_host_files(host, net):
    """{path: text} the role's template tasks wrote for ``net`` on a host with every RDMA device and QoS tool."""
    qos = [nic for nic in net["nics"] if nic["qos"]]
    common = {"inventory_hostname": host, "host_network__plan": net, "host_network__qos_nics": qos}
    out = {"sysctl.conf": templar_render("sysctl.conf.j2", common), "nccl.conf": templar_render("nccl.conf.j2", common)}
    if qos:
        out["refarch-roce-qos"] = templar_render("refarch-roce-qos.j2", common)
        out["refarch-roce-qos.service"] = templar_render("refarch-roce-qos.service.j2", common)
    if not net["nics"]:
        return out
    out["rt_tables.conf"] = templar_render("rt_tables.conf.j2", common)
    out["netplan/60-refarch-fabric.yaml"] = templar_render("netplan.yaml.j2", common)
    for nic in net["nics"]:
        item = dict(common, item=nic)
        out["networkd/60-refarch-%s.network" % nic["name"]] = templar_render("networkd.network.j2", item)
        if nic["kind"] == "bond":
            out["networkd/60-refarch-%s.netdev" % nic["name"]] = templar_render("networkd.netdev.j2", item)
        out["networkmanager/refarch-%s.nmconnection" % nic["name"]] = templar_render("nmconnection.j2", item)
    for member in net["bond_members"]:
        item = dict(common, item=member)
        out["networkd/60-refarch-%s.network" % member["name"]] = templar_render("networkd.member.network.j2", item)
        out["networkmanager/refarch-%s.nmconnection" % member["name"]] = templar_render("nmconnection.member.j2", item)
    return out


def _compare(plan, options):
    errors = {}
    rendered = host_configs.render_plan(plan, options=options, errors=errors)
    assert sorted(list(rendered) + list(errors)) == host_configs.gpu_nodes(plan)
    for host, entry in rendered.items():
        net = role_plan(plan, host, options)
        assert json.loads(json.dumps(net)) == entry["plan"], host          # what the role compares
        assert entry["files"] == per_host_files(host, net), host
    for host, reason in errors.items():
        with pytest.raises(Exception, match="host_network: "):
            role_plan(plan, host, options)
        assert reason
    return rendered, errors


@pytest.mark.parametrize("design", SHIPPED, ids=lambda p: os.path.basename(os.path.dirname(p)))
def test_every_gpu_node_of_every_shipped_design_is_what_the_template_module_writes(design):
    plan = plan_design(design).to_dict()
    rendered, errors = _compare(plan, {})
    # A host the role cannot configure (a placeholder interface name) fails the per-host path too.
    assert rendered or errors


@pytest.mark.parametrize("case", sorted(GEAR))
def test_real_gear_with_roce_qos_and_bonds_is_what_the_template_module_writes(case):
    design, options = GEAR[case]
    plan = plan_design(copy.deepcopy(design)).to_dict()
    rendered, errors = _compare(plan, options)
    assert rendered and not errors
    files = set(f for entry in rendered.values() for f in entry["files"])
    if case == "dgx-h200-roce":
        assert {"refarch-roce-qos", "refarch-roce-qos.service"} <= files
    if case == "dgx-h100-ib-bonded":
        assert "networkd/60-refarch-bond0.netdev" in files


def test_a_host_with_other_rdma_devices_gets_its_own_files():
    design, options = GEAR["dgx-h200-roce"]
    plan = plan_design(copy.deepcopy(design)).to_dict()
    host = host_configs.gpu_nodes(plan)[0]
    planned = host_configs.render_plan(plan, options=options, names=[host])[host]
    found = {n["name"]: "mlx5_%d" % (i + 20) for i, n in enumerate(plan["devices"][host]["interfaces"]) if n.get("rdma_device")}
    net = host_configs.host_plan(plan["devices"][host], plan["fabrics"], dict(host_configs.DEFAULT_OPTIONS, **options,
                                 server=plan["catalog"]["servers"][plan["devices"][host]["model"]]), rdma_devices=found)
    assert net != planned["plan"]                  # the role re-renders this host from its facts
    some = planned["qos_nics"][:1]
    own = host_configs.render_host(host_configs.HostRenderer(), host, net, ["netplan"], some)
    qos = [nic for nic in net["nics"] if nic["name"] in some]
    common = {"inventory_hostname": host, "host_network__plan": net, "host_network__qos_nics": qos}
    assert own["files"]["nccl.conf"] == templar_render("nccl.conf.j2", common) != planned["files"]["nccl.conf"]
    assert own["files"]["refarch-roce-qos"] == templar_render("refarch-roce-qos.j2", common)
    assert own["files"]["netplan/60-refarch-fabric.yaml"] == planned["files"]["netplan/60-refarch-fabric.yaml"]
    assert not any(f.startswith(("networkd/", "networkmanager/")) for f in own["files"])


def test_files_are_written_once_stale_ones_removed_and_check_mode_writes_nothing(tmp_path):
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml")).to_dict()
    rendered = host_configs.render_plan(plan)
    dest = str(tmp_path / "out")
    expected = sorted(os.path.join(n, f) for n, e in rendered.items() for f in list(e["files"]) + [host_configs.PLAN_FILE])
    assert sorted(host_configs.write(rendered, dest, check_mode=True)) == expected
    assert not os.path.exists(dest)
    assert sorted(host_configs.write(rendered, dest)) == expected
    assert host_configs.write(rendered, dest) == []
    with open(os.path.join(dest, "lab-node-1", host_configs.PLAN_FILE), encoding="utf-8") as handle:
        record = json.load(handle)
    assert record == {"plan": rendered["lab-node-1"]["plan"], "backends": list(host_configs.BACKENDS), "qos_nics": []}
    one = host_configs.render_plan(plan, names=["lab-node-1"], per_host={"lab-node-1": {"backends": ["netplan"]}})
    gone = host_configs.write(one, dest)
    assert "lab-node-1/networkd/60-refarch-rail0.network" in gone
    assert not os.listdir(os.path.join(dest, "lab-node-1", "networkd"))


def test_make_configs_writes_hosts_and_says_which_it_cannot(tmp_path):
    dest = tmp_path / "configs"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "collections"))
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "configs.py"), "--design",
                          os.path.join(ROOT, "inventories", "lab", "design.yml"), "--dest", str(dest)],
                         capture_output=True, text=True, check=False, env=env)
    assert run.returncode == 0, run.stderr
    plan = plan_design(os.path.join(ROOT, "inventories", "lab", "design.yml")).to_dict()
    for host in host_configs.gpu_nodes(plan):
        assert (dest / host / "nccl.conf").is_file() and (dest / host / "netplan" / "60-refarch-fabric.yaml").is_file()
    assert "%d GPU nodes" % len(host_configs.gpu_nodes(plan)) in run.stdout
