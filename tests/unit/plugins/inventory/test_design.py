# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The refarch.ai_cluster.design inventory plugin, run on a real InventoryData and DataLoader."""

from __future__ import annotations

import os
import re
import textwrap

import pytest

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

from ansible_collections.refarch.ai_cluster.plugins.inventory import design as design_plugin
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

NAME = "refarch.ai_cluster.design"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
LAB_SOURCE = os.path.join(ROOT, "inventories", "lab", "cluster.yml")
LAB_DESIGN = os.path.join(ROOT, "inventories", "lab", "design.yml")
REFERENCE_INVENTORIES = ("training-pod", "inference-pool", "inference-edge")
VALID_GROUP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def new_plugin():
    """The plugin as the plugin loader would hand it out (options known to the config manager).

    The module is imported the normal way (build/collections on sys.path, see conftest.py), so its
    documentation is registered here instead of through the collection loader.
    """
    inventory_loader._load_config_defs(NAME, design_plugin, design_plugin.__file__)
    plugin = design_plugin.InventoryModule()
    inventory_loader._update_object(obj=plugin, name=NAME, path=design_plugin.__file__,
                                    redirected_names=[NAME], resolved=NAME)
    return plugin


def run(source, cache=True, plugin=None):
    plugin = plugin or new_plugin()
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(source), cache=cache)
    inventory.reconcile_inventory()
    return inventory, plugin


def source_file(tmp_path, text, name="cluster.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def members(inventory, group):
    return sorted(h.name for h in inventory.groups[group].get_hosts())


def group_names(inventory, host):
    """Every group of a host (its own and their parents), as group_names has them."""
    return sorted(g.name for g in inventory.get_host(host).get_groups() if g.name != "all")


@pytest.fixture(scope="module")
def lab():
    inventory, _plugin = run(LAB_SOURCE)
    return inventory


@pytest.fixture(scope="module")
def lab_plan():
    return plan_design(LAB_DESIGN)


def test_verify_file(tmp_path):
    plugin = new_plugin()
    assert plugin.verify_file(LAB_SOURCE)
    assert plugin.verify_file(str(source_file(tmp_path, "plugin: x\n", "inv.yaml")))
    assert not plugin.verify_file(str(source_file(tmp_path, "[all]\n", "hosts.ini")))
    assert not plugin.verify_file(str(tmp_path / "missing.yml"))


def test_lab_hosts_and_groups(lab, lab_plan):
    assert sorted(lab.hosts) == sorted(lab_plan.devices)
    # 4 GPU nodes, the head node, 4 rail leaves (2 SUs x 2 rails), 2 spines.
    assert len(lab.hosts) == 11
    groups = set(lab.groups) - {"all", "ungrouped"}
    assert groups == {
        "gpu_nodes", "switches", "leaf", "spine", "core", "appliances", "pdus", "ethernet_switches",
        "infiniband_switches", "scheduler_controllers", "fabric_compute", "su_1", "su_2", "rail_0", "rail_1",
        "rack_lab_su1_r1", "rack_lab_su2_r1", "rack_lab_spine_r1", "lab", "linux"}
    assert members(lab, "gpu_nodes") == ["lab-node-%d" % i for i in range(1, 5)]
    assert members(lab, "switches") == ["lab-leaf-%d" % i for i in range(1, 5)] + ["lab-spine-1", "lab-spine-2"]
    assert members(lab, "ethernet_switches") == members(lab, "switches")
    assert members(lab, "infiniband_switches") == members(lab, "core") == members(lab, "pdus") == []
    # The head node: an appliance that runs Linux (like the nodes) and the scheduler's controller.
    assert members(lab, "appliances") == members(lab, "scheduler_controllers") == ["lab-mgmt-1"]
    assert group_names(lab, "lab-mgmt-1") == [
        "appliances", "fabric_compute", "linux", "rack_lab_su1_r1", "scheduler_controllers", "su_1"]
    assert members(lab, "rail_0") == ["lab-leaf-1", "lab-leaf-3"]
    assert members(lab, "rail_1") == ["lab-leaf-2", "lab-leaf-4"]
    assert members(lab, "su_1") == members(lab, "rack_lab_su1_r1") == [
        "lab-leaf-1", "lab-leaf-2", "lab-mgmt-1", "lab-node-1", "lab-node-2"]
    assert members(lab, "su_2") == members(lab, "rack_lab_su2_r1") == [
        "lab-leaf-3", "lab-leaf-4", "lab-node-3", "lab-node-4"]
    assert members(lab, "linux") == sorted(members(lab, "gpu_nodes") + members(lab, "appliances"))
    assert sorted(g.name for g in lab.groups["switches"].child_groups) == ["core", "leaf", "spine"]
    assert all(VALID_GROUP.match(g) for g in lab.groups)
    # The plan's scheduler record, as every host sees it: controller and accounting on the head node.
    scheduler = lab.groups["all"].get_vars()["refarch_scheduler"]
    assert scheduler == lab_plan.scheduler
    assert (scheduler["kind"], scheduler["controllers"], scheduler["accounting"]) == ("slurm", ["lab-mgmt-1"], "lab-mgmt-1")
    assert [a["name"] for a in scheduler["accounts"]] == ["research", "product"]
    # The head node is reached at its first compute port's address, like the nodes.
    head = lab.get_host("lab-mgmt-1").get_vars()["refarch_device"]
    assert scheduler["addresses"]["lab-mgmt-1"] == head["interfaces"][0]["address"].split("/")[0]


def test_lab_leaf_1(lab, lab_plan):
    assert group_names(lab, "lab-leaf-1") == [
        "ethernet_switches", "fabric_compute", "lab", "leaf", "rack_lab_su1_r1", "rail_0", "su_1", "switches"]
    hostvars = lab.get_host("lab-leaf-1").get_vars()
    device = hostvars["refarch_device"]
    assert device == lab_plan.devices["lab-leaf-1"].as_dict()
    assert (device["role"], device["fabric"], device["su"], device["rail"], device["platform"]) == (
        "leaf", "compute", 1, 0, "lab")
    assert hostvars["refarch_fabric"] == lab_plan.fabrics["compute"]
    shared = lab.groups["all"].get_vars()
    assert shared["refarch_plan_name"] == "lab"
    assert shared["refarch_design_file"] == LAB_DESIGN
    assert shared["refarch_fabrics"] == lab_plan.fabrics
    # The catalog entries the roles need, as the catalog files hold them, for the models planned.
    assert shared["refarch_catalog"]["servers"] == {"lab-node": lab_plan.design.catalog.servers["lab-node"].raw}
    assert set(shared["refarch_catalog"]["switches"]) == {d.model for d in lab_plan.devices.values()
                                                          if d.role in ("leaf", "spine", "core")}
    assert shared["refarch_hosts"] == lab_plan.design.hosts
    assert shared["refarch_validation"] == lab_plan.design.validation
    assert "refarch_design_file" not in hostvars and "refarch_catalog" not in hostvars
    # cluster.yml of the lab composes ansible_host: the podman connection needs the container name.
    assert hostvars["ansible_host"] == "lab-leaf-1"

    bgp = device["bgp"]
    assert bgp["asn"] == device["asn"]
    assert bgp["router_id"] == device["loopback"].split("/")[0]
    neighbors = bgp["neighbors"]
    assert [n["peer_device"] for n in neighbors] == ["lab-spine-1", "lab-spine-2"]
    uplinks = {i["name"]: i for i in device["interfaces"] if i["role"] == "uplink"}
    assert sorted(n["interface"] for n in neighbors) == sorted(uplinks)
    for n in neighbors:
        spine = lab.get_host(n["peer_device"]).get_vars()["refarch_device"]
        assert n["peer_asn"] == spine["asn"]
        far = [i for i in spine["interfaces"] if i["name"] == n["peer_port"]][0]
        assert far["peer_device"] == "lab-leaf-1" and far["peer_port"] == n["interface"]
        assert far["address"].split("/")[0] == n["address"]
        # and the spine has the session back
        assert {"interface": n["peer_port"], "peer_device": "lab-leaf-1"}.items() <= [
            m for m in spine["bgp"]["neighbors"] if m["peer_device"] == "lab-leaf-1"][0].items()


def test_lab_gpu_node(lab, lab_plan):
    hostvars = lab.get_host("lab-node-1").get_vars()
    assert group_names(lab, "lab-node-1") == ["gpu_nodes", "linux", "rack_lab_su1_r1", "su_1"]
    assert "refarch_fabric" not in hostvars
    device = hostvars["refarch_device"]
    assert device == lab_plan.devices["lab-node-1"].as_dict()
    rails = sorted((i["rail"], i["peer_device"]) for i in device["interfaces"] if i["role"] == "compute")
    assert rails == [(0, "lab-leaf-1"), (1, "lab-leaf-2")]


def test_ansible_host_is_the_management_address(tmp_path):
    src = source_file(tmp_path, """\
        plugin: refarch.ai_cluster.design
        design: %s
        """ % LAB_DESIGN)
    inventory, _plugin = run(src)
    plan = plan_design(LAB_DESIGN)
    for name, device in plan.devices.items():
        assert inventory.get_host(name).vars["ansible_host"] == device.mgmt_address.split("/")[0]


def test_design_path_is_relative_to_the_source(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "my-design.yml").write_text(
        open(LAB_DESIGN, encoding="utf-8").read().replace("name: lab", "name: rel"), encoding="utf-8")
    src = source_file(tmp_path / "site", "plugin: refarch.ai_cluster.design\ndesign: my-design.yml\n")
    inventory, _plugin = run(src)
    assert "rel-leaf-1" in inventory.hosts
    assert inventory.groups["all"].get_vars()["refarch_design_file"] == str(tmp_path / "site" / "my-design.yml")


@pytest.mark.parametrize("reference", REFERENCE_INVENTORIES)
def test_reference_inventories(reference):
    source = os.path.join(ROOT, "inventories", reference, "cluster.yml")
    inventory, _plugin = run(source)
    plan = plan_design(os.path.join(ROOT, "inventories", reference, "design.yml"))
    devices = plan.devices
    assert sorted(inventory.hosts) == sorted(devices)
    by_role = {}
    for device in devices.values():
        by_role.setdefault(device.role, []).append(device.name)
    assert members(inventory, "gpu_nodes") == sorted(by_role["gpu_node"]) and len(by_role["gpu_node"]) == plan.summary["nodes"]
    assert len(members(inventory, "switches")) == plan.summary["switches"]
    assert members(inventory, "appliances") == sorted(by_role.get("appliance", []))
    ib = sorted(d.name for d in devices.values() if d.role in ("leaf", "spine", "core")
                and plan.fabrics[d.fabric]["kind"] == "infiniband")
    assert members(inventory, "infiniband_switches") == ib
    assert len(members(inventory, "ethernet_switches")) == plan.summary["switches"] - len(ib)
    for fabric, summary in plan.fabrics.items():
        switches = [h for h in members(inventory, "fabric_" + fabric) if devices[h].role != "appliance"]
        assert len(switches) == sum(summary["switches"].values())
    sus = {d.su for d in devices.values() if d.su is not None}
    assert {g for g in inventory.groups if g.startswith("su_")} == {"su_%d" % s for s in sus}
    racks = {"rack_" + r.name.replace("-", "_") for r in plan.racks if r.devices}
    assert {g for g in inventory.groups if g.startswith("rack_")} == racks
    platforms = {d.platform.replace("-", "_") for d in devices.values()}
    assert platforms <= set(inventory.groups)
    assert all(VALID_GROUP.match(g) for g in inventory.groups)
    assert inventory.groups["all"].get_vars()["refarch_plan_name"] == plan.name
    for name, device in devices.items():
        hostvars = inventory.get_host(name).vars
        assert hostvars["ansible_host"] == device.mgmt_address.split("/")[0]
        assert hostvars["refarch_device"]["name"] == name
        if device.fabric:
            assert hostvars["refarch_fabric"] == plan.fabrics[device.fabric]


def test_training_pod_groups():
    inventory, _plugin = run(os.path.join(ROOT, "inventories", "training-pod", "cluster.yml"))
    assert len(members(inventory, "gpu_nodes")) == 127
    # UFM for compute and for storage, and the management servers on the in-band fabric.
    assert len(members(inventory, "appliances")) == 2 + 2 + 4
    assert len(members(inventory, "pdus")) == 112 and "pdu" in inventory.groups
    assert {g for g in inventory.groups if g.startswith("rail_")} == {"rail_%d" % r for r in range(8)}
    fabric_groups = {g for g in inventory.groups if g.startswith("fabric_")}
    assert fabric_groups == {"fabric_compute", "fabric_storage", "fabric_inband", "fabric_oob"}
    assert "mlnx_os" in inventory.groups and "cumulus" in inventory.groups
    # UFM appliances belong to the compute fabric and get its summary
    ufm = [h for h in members(inventory, "appliances") if h.startswith("trn1-ufm-")][0]
    assert "fabric_compute" in group_names(inventory, ufm)
    assert inventory.get_host(ufm).vars["refarch_fabric"]["kind"] == "infiniband"


def test_compose_groups_and_keyed_groups(tmp_path):
    design = os.path.join(ROOT, "inventories", "inference-pool", "design.yml")
    src = source_file(tmp_path, """\
        plugin: refarch.ai_cluster.design
        design: %s
        strict: true
        compose:
          ansible_host: inventory_hostname ~ '.oob.example.com'
          rack_position: refarch_device.rack ~ '/U' ~ refarch_device.rack_unit
        groups:
          first_su_leaves: refarch_device.role == 'leaf' and refarch_device.su == 1
        keyed_groups:
          # strict: a host without a tenant must give an empty list, not null
          - key: "[refarch_device.tenant] | select | list"
            prefix: tenant
          - key: refarch_device.model
            prefix: model
            parent_group: models
        """ % design)
    inventory, _plugin = run(src)
    plan = plan_design(design)
    node = plan.devices["inf1-node-1"]
    hostvars = inventory.get_host("inf1-node-1").vars
    assert hostvars["ansible_host"] == "inf1-node-1.oob.example.com"
    assert hostvars["rack_position"] == "%s/U%d" % (node.rack, node.rack_unit)
    assert members(inventory, "first_su_leaves") == sorted(
        d.name for d in plan.devices.values() if d.role == "leaf" and d.su == 1)
    assert len(members(inventory, "tenant_search")) == 16
    assert len(members(inventory, "tenant_chat")) == 32
    assert len(members(inventory, "tenant_batch")) == 8
    assert members(inventory, "model_hgx_h100") == members(inventory, "gpu_nodes")
    assert "model_hgx_h100" in [g.name for g in inventory.groups["models"].child_groups]


def test_strict_compose(tmp_path):
    text = """\
        plugin: refarch.ai_cluster.design
        design: %s
        strict: %s
        compose:
          broken: refarch_device.no_such_key.deeper
        """
    with pytest.raises(AnsibleError, match="broken"):
        run(source_file(tmp_path, text % (LAB_DESIGN, "true")))
    inventory, _plugin = run(source_file(tmp_path, text % (LAB_DESIGN, "false")))
    assert "broken" not in inventory.get_host("lab-leaf-1").vars
    assert sorted(inventory.hosts) == sorted(plan_design(LAB_DESIGN).devices) and len(inventory.hosts) == 11


def test_bad_design_names_the_field(tmp_path):
    (tmp_path / "design.yml").write_text(textwrap.dedent("""\
        name: bad
        reference: training-pod
        nodes: {model: no-such-server, count: 4}
        fabrics:
          compute: {switch: no-such-switch}
        """), encoding="utf-8")
    src = source_file(tmp_path, "plugin: refarch.ai_cluster.design\n")
    with pytest.raises(AnsibleParserError) as info:
        run(src)
    message = str(info.value)
    assert "nodes.model" in message and "no-such-server" in message
    assert "fabrics.compute.switch" in message
    assert "Traceback" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_design_file(tmp_path):
    src = source_file(tmp_path, "plugin: refarch.ai_cluster.design\ndesign: nowhere.yml\n")
    with pytest.raises(AnsibleParserError, match="nowhere.yml"):
        run(src)


def test_not_my_source(tmp_path):
    src = source_file(tmp_path, "plugin: ansible.builtin.constructed\n")
    with pytest.raises(AnsibleParserError, match="Incorrect plugin name"):
        run(src)


def _snapshot(inventory):
    return ({n: dict(h.vars) for n, h in inventory.hosts.items()},
            {n: sorted(h.name for h in g.get_hosts()) for n, g in inventory.groups.items()})


def test_cache_hit_does_not_plan(tmp_path, monkeypatch):
    (tmp_path / "design.yml").write_text(open(LAB_DESIGN, encoding="utf-8").read(), encoding="utf-8")
    src = source_file(tmp_path, """\
        plugin: refarch.ai_cluster.design
        cache: true
        cache_plugin: jsonfile
        cache_connection: %s
        """ % (tmp_path / "cache"))
    calls = []
    real = design_plugin.plan_inventory

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(design_plugin, "plan_inventory", counting)
    first, plugin = run(src)
    plugin.update_cache_if_changed()       # what InventoryManager does after parse
    assert len(calls) == 1
    assert os.listdir(str(tmp_path / "cache"))

    second, plugin = run(src)
    assert len(calls) == 1, "a cache hit must not plan"
    assert _snapshot(second) == _snapshot(first)

    # --flush-cache (cache=False) plans again and refreshes the cache
    run(src, cache=False)[1].update_cache_if_changed()
    assert len(calls) == 2

    # any change of the design plans again
    design = tmp_path / "design.yml"
    design.write_text(design.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    run(src)[1].update_cache_if_changed()
    assert len(calls) == 3
    run(src)
    assert len(calls) == 3


def test_no_cache_by_default(monkeypatch):
    calls = []
    real = design_plugin.plan_inventory
    monkeypatch.setattr(design_plugin, "plan_inventory", lambda path: calls.append(path) or real(path))
    run(LAB_SOURCE)
    run(LAB_SOURCE)
    assert len(calls) == 2


def test_fingerprint(tmp_path):
    design = tmp_path / "design.yml"
    design.write_text("name: a\n", encoding="utf-8")
    first = design_plugin.design_fingerprint(str(design))
    assert design_plugin.design_fingerprint(str(design)) == first
    design.write_text("name: b\n", encoding="utf-8")
    assert design_plugin.design_fingerprint(str(design)) != first
    # a catalog file of the design's own counts too
    design.write_text("name: b\ncatalog: [extra.yml]\n", encoding="utf-8")
    before = design_plugin.design_fingerprint(str(design))
    (tmp_path / "extra.yml").write_text("servers: {}\n", encoding="utf-8")
    assert design_plugin.design_fingerprint(str(design)) != before


@pytest.mark.parametrize("parts, expected", [
    (("rack", "lab-r01"), "rack_lab_r01"),
    (("mlnx-os",), "mlnx_os"),
    (("su", 3), "su_3"),
    (("fabric", "compute"), "fabric_compute"),
    (("rack", "a.b c"), "rack_a_b_c"),
])
def test_group_name(parts, expected):
    assert design_plugin.group_name(*parts) == expected


def test_host_groups_of_a_spine_without_su():
    device = {"name": "x-spine-1", "role": "spine", "fabric": "storage", "su": None, "rail": None,
              "rack": "x-spine-r1", "platform": "sonic"}
    assert design_plugin.host_groups(device, {"kind": "roce"}) == [
        "spine", "ethernet_switches", "fabric_storage", "rack_x_spine_r1", "sonic"]


def test_nvl72_groups_by_nvlink_domain():
    """A rack-scale design: a group per NVLink domain with its trays and switch trays, and the
    domain's members (name, IMEX address) as the group's refarch_nvlink_domain."""
    inventory, _plugin = run(os.path.join(ROOT, "inventories", "training-pod-nvl72", "cluster.yml"))
    domains = sorted(g for g in inventory.groups if g.startswith("nvlink_"))
    assert domains == ["nvlink_nvl_nvl%d" % n for n in range(1, 9)]
    for group in domains:
        hosts = members(inventory, group)
        trays = [h for h in hosts if "-node-" in h]
        assert len(trays) == 18 and len(hosts) == 18 + 9
        domain = inventory.groups[group].get_vars()["refarch_nvlink_domain"]
        assert sorted(m["name"] for m in domain["members"]) == trays
        assert all(m["address"] for m in domain["members"])
        assert set(trays) <= set(members(inventory, "gpu_nodes"))
    assert not set(members(inventory, "nvlink")) & set(members(inventory, "gpu_nodes"))
    assert all(VALID_GROUP.match(g) for g in inventory.groups)
