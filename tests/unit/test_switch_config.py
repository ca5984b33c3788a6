# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch configuration: the neutral data, the golden renderings, and the errors before a push."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

import switch_golden
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.config_merge import merge_config
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import (
    SwitchConfigError, switch_config, switch_config_from)

REGENERATE = "python tests/unit/switch_golden.py --update (then review git diff tests/golden/switches)"


@pytest.fixture(scope="module")
def lab_plan():
    return plan_design(switch_golden.LAB_DESIGN)


def _lab_design(**compute):
    return switch_golden._lab(**compute)


# --- golden files -------------------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(switch_golden.CASES))
def test_golden_files_match_the_templates(case):
    rendered = switch_golden.rendered_files(case)
    on_disk = {k: v for k, v in switch_golden.on_disk().items() if k.split(os.sep)[0] == case}
    missing = sorted(set(rendered) - set(on_disk))
    stray = sorted(set(on_disk) - set(rendered))
    differ = sorted(k for k in set(rendered) & set(on_disk) if rendered[k] != on_disk[k])
    assert not (missing or stray or differ), (
        "golden switch configurations out of date: missing %s, not rendered any more %s, different %s; "
        "if the change is intended, regenerate: %s" % (missing, stray, differ, REGENERATE))


def test_no_golden_file_without_a_case():
    cases = {k.split(os.sep)[0] for k in switch_golden.on_disk()}
    assert cases <= set(switch_golden.CASES), "golden directories without a case: %s" % (cases - set(switch_golden.CASES))


def test_golden_files_parse_in_their_format():
    for rel, text in switch_golden.on_disk().items():
        if rel.endswith(".json"):
            assert isinstance(json.loads(text), dict), rel
        elif rel.endswith(".yaml"):
            doc = yaml.safe_load(text)
            assert isinstance(doc, list) and "set" in doc[0], rel
            assert doc[0]["set"]["router"]["bgp"]["enable"] == "on", rel


@pytest.mark.skipif(not shutil.which("vtysh"), reason="FRR's vtysh is not installed")
def test_golden_frr_files_pass_frr_dry_run():
    for rel in switch_golden.on_disk():
        if rel.endswith("frr.conf"):
            path = os.path.join(switch_golden.GOLDEN, rel)
            run = subprocess.run(["vtysh", "--dryrun", "--inputfile", path], capture_output=True, text=True, check=False)
            assert run.returncode == 0, "%s: %s%s" % (rel, run.stdout, run.stderr)


# --- the neutral configuration ---------------------------------------------------------------

def test_configuration_is_plain_json(lab_plan):
    for name in ("lab-leaf-1", "lab-spine-1"):
        config = switch_config(lab_plan, name)
        assert json.loads(json.dumps(config)) == config


def test_bgp_follows_the_plan(lab_plan):
    for name, device in lab_plan.devices.items():
        if device.role not in ("leaf", "spine"):
            continue
        config = switch_config(lab_plan, name)
        planned = device.bgp
        assert config["bgp"]["asn"] == planned["asn"] and config["router_id"] == planned["router_id"]
        assert config["bgp"]["ecmp"] == planned["ecmp"]
        assert config["bgp"]["networks"] == planned["advertise"]
        assert [(n["interface"], n["address"], n["peer_asn"]) for n in config["bgp"]["neighbors"]] == [
            (n["interface"], n["address"], n["peer_asn"]) for n in planned["neighbors"]]
        for n in config["bgp"]["neighbors"]:
            port = next(i for i in config["interfaces"] if i["name"] == n["interface"])
            assert port["kind"] == "fabric" and port["address"].split("/")[0] == n["local_address"]


def test_leaf_gateway_on_the_node_ports(lab_plan):
    # The ports to hosts of the rail subnet: the GPU nodes and the head node (an appliance of the
    # compute fabric, addressed like a node) on leaf 1, the SU 2 nodes only on leaf 3.
    expected = {"lab-leaf-1": ["swp1", "swp2", "swp3"], "lab-leaf-3": ["swp1", "swp2"]}
    for leaf, ports in expected.items():
        config = switch_config(lab_plan, leaf)
        gateway = config["host_gateway"]
        assert gateway["name"] == "br-rail" and gateway["address"] == lab_plan.devices[leaf].gateway_address
        node_ports = [i["name"] for i in config["interfaces"]
                      if lab_plan.devices[i["peer_device"]].role in ("gpu_node", "appliance")]
        assert node_ports == ports
        assert gateway["members"] == node_ports
        assert all(i["bridge"] == "br-rail" and i["address"] is None for i in config["interfaces"] if i["name"] in node_ports)
        assert all(i["bridge"] is None and i["address"] for i in config["interfaces"] if i["name"] not in node_ports)
    assert "lab-mgmt-1" in [i["peer_device"] for i in switch_config(lab_plan, "lab-leaf-1")["interfaces"]]
    assert switch_config(lab_plan, "lab-spine-1")["host_gateway"] is None


def test_ports_name_their_peer(lab_plan):
    for i in switch_config(lab_plan, "lab-spine-1")["interfaces"]:
        assert i["description"] == "to %s %s" % (i["peer_device"], i["peer_port"])


def test_lossless_profile(lab_plan):
    qos = switch_config(lab_plan, "lab-leaf-1")["qos"]
    assert qos["mode"] == "lossless" and qos["pfc"]["enabled"] and qos["pfc"]["priorities"] == [3]
    assert qos["pfc"]["watchdog"]
    assert {"dscp": 26, "tc": 3} in qos["dscp_to_tc"] and {"dscp": 48, "tc": 6} in qos["dscp_to_tc"]
    assert len(qos["dscp_to_tc"]) == 64
    strict = [s["traffic_class"] for s in qos["schedulers"] if s["type"] == "strict"]
    assert strict == [6]
    assert qos["ecn"] == {"enabled": True, "traffic_classes": [0, 3], "lossy_ecn": "mark", "mark_only_traffic_classes": [0], "min_bytes": 150000,
                          "max_bytes": 1500000, "probability_percent": 100}
    assert qos["nvidia_roce_defaults"]


def test_lossy_ecn_profile_has_no_pfc():
    plan = plan_design(_lab_design(qos_profile="lossy-ecn"))
    qos = switch_config(plan, "lab-leaf-1")["qos"]
    assert qos["mode"] == "lossy" and not qos["pfc"]["enabled"] and not qos["pfc"]["watchdog"]
    assert qos["ecn"]["enabled"]
    assert all(m["pg"] == 0 for m in qos["tc_to_priority_group"])


def test_congestion_control_none_turns_ecn_off():
    plan = plan_design(_lab_design(congestion_control="none"))
    qos = switch_config(plan, "lab-leaf-1")["qos"]
    assert qos["pfc"]["enabled"] and not qos["ecn"]["enabled"] and qos["ecn"]["traffic_classes"] == []
    assert not qos["nvidia_roce_defaults"]


def test_fabric_without_qos_profile():
    plan = plan_design({"name": "x", "reference": "training-pod"})
    assert switch_config(plan, "x-oob-leaf-1")["qos"] is None


def test_eos_mtu_is_capped():
    plan = plan_design(_lab_design(platform="eos"))
    config = switch_config(plan, "lab-leaf-1")
    assert config["mtu"] == 9214 and {i["mtu"] for i in config["interfaces"]} == {9214}


def test_breakouts_group_the_split_ports():
    plan = plan_design({"name": "x", "reference": "inference-pool"})
    config = switch_config(plan, "x-leaf-1")
    first = config["breakouts"][0]
    assert first["port"] == "Ethernet0" and first["ways"] == 2 and first["mode"] == "2x400G[200G,100G,50G,40G,25G,10G]"
    assert first["members"] == ["Ethernet0", "Ethernet4"]
    # The 32 host ports break out 16 cages 2 x 400G (4 lanes each); the 8 uplinks run at the
    # SN5600's native 800G on the cages after them (all 8 lanes, no breakout: the default on
    # Ethernet), so no breakout names an uplink.
    assert len(config["breakouts"]) == 16
    members = {m for b in config["breakouts"] for m in b["members"]}
    lanes = {(i["role"], i["speed_gbps"], i["lanes"]) for i in config["interfaces"]}
    assert lanes == {("downlink", 400, 4), ("uplink", 800, 8)}
    uplinks = [i["name"] for i in config["interfaces"] if i["role"] == "uplink"]
    assert uplinks[0] == "Ethernet128" and len(uplinks) == 8 and not members & set(uplinks)


def test_unnumbered_fabric_links(lab_plan):
    config = switch_config(lab_plan, "lab-leaf-1", {"unnumbered": True})
    fabric = [i for i in config["interfaces"] if i["kind"] == "fabric"]
    assert fabric and all(i["unnumbered"] and i["address"] is None for i in fabric)
    assert all(n["address"] is None for n in config["bgp"]["neighbors"])


# --- errors before anything is pushed ------------------------------------------------------------

def test_platform_without_renderer_fails(lab_plan):
    device = lab_plan.devices["lab-leaf-1"].as_dict()
    device["platform"] = "mlnx-os"
    message = "platform 'mlnx-os', which has no renderer; renderers exist for lab, sonic, cumulus, eos"
    with pytest.raises(SwitchConfigError, match=message):
        switch_config_from(device, lab_plan.fabrics["compute"])


def test_platform_the_caller_cannot_render_fails(lab_plan):
    with pytest.raises(SwitchConfigError, match="has no renderer; renderers exist for sonic"):
        switch_config(lab_plan, "lab-leaf-1", {"platforms": ["sonic"]})


def test_qos_profile_the_design_does_not_define_fails_at_planning():
    with pytest.raises(DesignError, match="unknown QoS profile 'gold'"):
        plan_design(_lab_design(qos_profile="gold"))


def test_qos_profile_missing_from_the_fabric_fails(lab_plan):
    fabric = copy.deepcopy(lab_plan.fabrics["compute"])
    fabric.update(qos_profile="gold", qos=None)
    with pytest.raises(SwitchConfigError, match="QoS profile 'gold', which the design does not define"):
        switch_config_from(lab_plan.devices["lab-leaf-1"].as_dict(), fabric)


def test_lossy_profile_without_congestion_control_fails():
    plan = plan_design(_lab_design(qos_profile="lossy-ecn", congestion_control="none"))
    with pytest.raises(SwitchConfigError, match=r"no PFC .*\(congestion_control: none\)"):
        switch_config(plan, "lab-leaf-1")


def test_unnumbered_where_not_rendered_fails():
    plan = plan_design(_lab_design(platform="sonic"))
    with pytest.raises(SwitchConfigError, match="unnumbered is rendered for lab, cumulus only, not for sonic"):
        switch_config(plan, "lab-leaf-1", {"unnumbered": True})


def test_non_switches_fail(lab_plan):
    with pytest.raises(SwitchConfigError, match="not a leaf, spine or core"):
        switch_config(lab_plan, "lab-node-1")


# --- merging the planned parts into a running configuration -------------------------------------

def test_merge_replaces_owned_tables_and_keeps_the_rest():
    running = {"PORT": {"Ethernet0": {"lanes": "0,1,2,3", "mtu": "1500"}, "Ethernet4": {"lanes": "4,5,6,7"}},
               "INTERFACE": {"Ethernet8|10.0.0.0/31": {}}, "MGMT_INTERFACE": {"eth0|10.1.1.1/24": {}},
               "VLAN": {"Vlan5": {}}}
    rendered = {"PORT": {"Ethernet0": {"mtu": "9216", "description": "to x"}},
                "INTERFACE": {"Ethernet0|198.18.1.0/31": {}}}
    target = merge_config(running, rendered, replace=["INTERFACE", "VLAN"], merge=["PORT/*"])
    assert target["PORT"]["Ethernet0"] == {"lanes": "0,1,2,3", "mtu": "9216", "description": "to x"}
    assert target["PORT"]["Ethernet4"] == {"lanes": "4,5,6,7"}
    assert target["INTERFACE"] == {"Ethernet0|198.18.1.0/31": {}}
    assert "VLAN" not in target and target["MGMT_INTERFACE"] == running["MGMT_INTERFACE"]
    assert running["PORT"]["Ethernet0"]["mtu"] == "1500"


def test_merge_wildcard_owns_only_rendered_keys():
    running = {"interface": {"eth0": {"type": "eth"}, "swp1": {"link": {"mtu": 1500}}}, "system": {"timezone": "UTC"}}
    rendered = {"interface": {"swp1": {"link": {"mtu": 9216}}}, "system": {"hostname": "leaf"}}
    target = merge_config(running, rendered, replace=["interface/*"], merge=["system"])
    assert target == {"interface": {"eth0": {"type": "eth"}, "swp1": {"link": {"mtu": 9216}}},
                      "system": {"timezone": "UTC", "hostname": "leaf"}}
    assert merge_config(target, rendered, replace=["interface/*"], merge=["system"]) == target


# --- the role, end to end on the controller ------------------------------------------------------

def _ansible_playbook():
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return beside if os.path.exists(beside) else shutil.which("ansible-playbook")


def _run_playbook(args, tmp_path):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(switch_golden.ROOT, "ansible.cfg"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1")
    return subprocess.run([_ansible_playbook(), os.path.join(switch_golden.ROOT, "playbooks", "switches.yml")] + args,
                          capture_output=True, text=True, check=False, cwd=switch_golden.ROOT, env=env)


@pytest.mark.skipif(not _ansible_playbook(), reason="ansible-playbook is not installed")
def test_role_renders_the_golden_files(tmp_path):
    out = tmp_path / "rendered"
    run = _run_playbook(["-i", os.path.join(switch_golden.ROOT, "inventories", "lab", "cluster.yml"),
                         "-e", "fabric_switch_render_only=true", "-e", "fabric_switch_render_dir=%s" % out], tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    golden = os.path.join(switch_golden.GOLDEN, "lab")
    for switch in sorted(os.listdir(golden)):
        for filename in sorted(os.listdir(os.path.join(golden, switch))):
            with open(os.path.join(golden, switch, filename), encoding="utf-8") as handle:
                want = handle.read()
            with open(out / switch / filename, encoding="utf-8") as handle:
                assert handle.read() == want, "%s/%s differs from the golden file" % (switch, filename)


@pytest.mark.skipif(not _ansible_playbook(), reason="ansible-playbook is not installed")
def test_play_stops_before_any_switch_when_one_has_no_renderer(tmp_path, lab_plan):
    hosts = {}
    for name in ("lab-leaf-1", "lab-spine-1"):
        device = lab_plan.devices[name].as_dict()
        if name == "lab-spine-1":
            device["platform"] = "mlnx-os"
        hosts[name] = {"ansible_connection": "local", "refarch_device": device,
                       "refarch_fabric": lab_plan.fabrics["compute"], "refarch_plan_name": "lab"}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({"ethernet_switches": {"hosts": hosts}}))
    out = tmp_path / "rendered"
    run = _run_playbook(["-i", str(inventory), "-e", "fabric_switch_render_only=true",
                         "-e", "fabric_switch_render_dir=%s" % out], tmp_path)
    assert run.returncode != 0
    assert "lab-spine-1 runs platform 'mlnx-os', which has no renderer" in run.stdout
    assert not out.exists(), "files were rendered although the play should have stopped first"
