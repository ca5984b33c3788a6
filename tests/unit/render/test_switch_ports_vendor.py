# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch ports, breakouts and the SONiC apply path against the vendors' own data (outside truth).

The tables below are facts read from the vendors' files, kept here independently of the catalog:

* SN5600: sonic-net/sonic-buildimage device/mellanox/x86_64-nvidia_sn5600-r0/platform.json
  (commit f1bfa774386a0d8af8ed59c1e89f23397e4f08c8): cage c (c = 1..64, "index") is Ethernet<8(c-1)>,
  lanes 8(c-1)..8(c-1)+7, modes below; Mellanox-SN5600-O128/hwsku.json (commit
  a4b61c8ac5dc47c4aa0b96d76d28f9bf788065f0): 2x400G members Ethernet<8(c-1)> (subport 1) and
  Ethernet<8(c-1)+4> (subport 2).
* SN4600C: device/mellanox/x86_64-mlnx_msn4600c-r0/platform.json (commit
  3f24c04e2f52ff6e17a755d03375cbe3ee326251): cage c is Ethernet<4(c-1)>, lanes 8(c-1)..8(c-1)+3.
* Member naming: sonic-buildimage src/sonic-config-engine/portconfig.py, BreakoutCfg.get_config:
  member k is "Ethernet" + (cage's number + k * lanes per member), lanes the k-th slice.
* Generic Config Updater: sonic-net/sonic-utilities
  generic_config_updater/gcu_field_operation_validators.conf.json (commit
  06a57973ac0296ca37c3f93fbb23344fb6dbfdf1), table WRED_PROFILE: only "replace" of
  azure_lossless/green_min_threshold, green_max_threshold, green_drop_probability.
* Cumulus NVUE: `link breakout` on swpN (N the cage), members swpNs0..; Cumulus Linux user guide,
  "Switch Port Attributes", Breakout Ports.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

import switch_golden
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.invariants import check_plan
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.config_merge import merge_config
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.switch_config import switch_config

VENDOR = {
    "sn5600": {
        "cages": 64,
        "cage_name": lambda c: "Ethernet%d" % (8 * (c - 1)),
        "lanes": lambda c: list(range(8 * (c - 1), 8 * (c - 1) + 8)),
        "modes": {1: "1x800G[400G,200G,100G,50G,40G,25G,10G]", 2: "2x400G[200G,100G,50G,40G,25G,10G]",
                  4: "4x200G[100G,50G,25G,10G]"},
    },
    "sn4600c": {
        "cages": 64,
        "cage_name": lambda c: "Ethernet%d" % (4 * (c - 1)),
        "lanes": lambda c: list(range(8 * (c - 1), 8 * (c - 1) + 4)),
        "modes": {1: "1x100G[50G,40G,25G,10G,1G]", 2: "2x50G[25G,10G,1G]"},
    },
}
# hwsku.json of Mellanox-SN5600-O128, first cages: (member name, subport)
SN5600_O128 = [("Ethernet0", 1), ("Ethernet4", 2), ("Ethernet8", 1), ("Ethernet12", 2), ("Ethernet16", 1)]

# gcu_field_operation_validators.conf.json: table -> (fields a patch may touch, operations)
GCU_RULES = {
    "WRED_PROFILE": ({"azure_lossless/green_min_threshold", "azure_lossless/green_max_threshold",
                      "azure_lossless/green_drop_probability"}, {"replace"}),
    "BUFFER_PROFILE": ({"dynamic_th", "xoff"}, {"replace"}),
    "BUFFER_POOL": ({"ingress_lossless_pool/xoff", "ingress_lossless_pool/size", "egress_lossy_pool/size"}, {"replace"}),
    "PFC_WD": ({"restoration_time", "detection_time", "action", "global/poll_interval", ""}, {"remove", "add", "replace"}),
}
# What a SONiC switch runs before the role (sonic-buildimage Mellanox qos.json.j2 defaults, abridged).
RUNNING = {
    "WRED_PROFILE": {"AZURE_LOSSLESS": {
        "wred_green_enable": "true", "wred_yellow_enable": "true", "wred_red_enable": "true", "ecn": "ecn_all",
        "green_max_threshold": "2097152", "green_min_threshold": "1048576", "yellow_max_threshold": "2097152",
        "yellow_min_threshold": "1048576", "red_max_threshold": "2097152", "red_min_threshold": "1048576",
        "green_drop_probability": "5", "yellow_drop_probability": "5", "red_drop_probability": "5"}},
    "PORT": {}, "DEVICE_METADATA": {"localhost": {"hwsku": "Mellanox-SN5600-O128", "type": "LeafRouter"}},
}


def _sonic_switches():
    """(model, neutral config) of every SONiC switch of the shipped SONiC designs and the lab on SONiC."""
    out = []
    for source in (switch_golden.CASES["inference-pool"][0], switch_golden.CASES["lab-sonic"][0]):
        plan = plan_design(copy.deepcopy(source))
        for name, dev in sorted(plan.devices.items()):
            if dev.platform == "sonic" and dev.role in ("leaf", "spine", "core"):
                out.append((dev.model, switch_config(plan, name)))
    return out


@pytest.fixture(scope="module")
def sonic_switches():
    return _sonic_switches()


def _member_names(vendor, cage, ways):
    base = int(vendor["cage_name"](cage)[len("Ethernet"):])
    width = len(vendor["lanes"](cage)) // ways
    return ["Ethernet%d" % (base + k * width) for k in range(ways)]


def _vendor_ports(vendor):
    """SONiC port name -> (cage, ways) for every name the platform can have."""
    names = {}
    for cage in range(1, vendor["cages"] + 1):
        for ways in vendor["modes"]:
            for name in _member_names(vendor, cage, ways):
                names.setdefault(name, set()).add((cage, ways))
    return names


@pytest.mark.parametrize("model", sorted(VENDOR))
def test_catalog_port_layout_is_the_vendors(model):
    vendor = VENDOR[model]
    switch = load_catalog().switches[model]
    layout = switch.port_layout
    assert layout.cages == vendor["cages"]
    for cage in range(1, vendor["cages"] + 1):
        assert list(layout.lanes(cage)) == vendor["lanes"](cage), cage
    assert {n: m for n, _s, m in layout.modes} == vendor["modes"]
    # every breakout the planner may choose is a mode the platform lists
    assert {split for split, _speed in switch.breakouts} <= set(vendor["modes"])


def test_sn5600_o128_members_follow_the_sonic_rule():
    for name, subport in SN5600_O128:
        number = int(name[len("Ethernet"):])
        cage = number // 8 + 1
        assert _member_names(VENDOR["sn5600"], cage, 2)[subport - 1] == name


def test_rendered_sonic_ports_and_breakouts_are_the_vendors(sonic_switches):
    checked = 0
    for model, config in sonic_switches:
        if model not in VENDOR:
            continue
        vendor = VENDOR[model]
        db = config["sonic"]["config_db"]
        names = _vendor_ports(vendor)
        cfg = db.get("BREAKOUT_CFG", {})
        cage_names = {vendor["cage_name"](c): c for c in range(1, vendor["cages"] + 1)}
        for port, entry in cfg.items():
            assert port in cage_names, "%s: BREAKOUT_CFG key %s is not a cage's first port" % (config["hostname"], port)
            ways = int(entry["brkout_mode"].split("x")[0])
            assert entry["brkout_mode"] == vendor["modes"][ways], entry
        for port, entry in db["PORT"].items():
            assert port in names, "%s: %s is no port of %s" % (config["hostname"], port, model)
            speed = int(entry["speed"]) // 1000
            full = int(vendor["modes"][1].split("x")[1].split("G")[0])
            if speed < full:
                ways = full // speed
                cage = [c for c, w in names[port] if w == ways][0]
                key = vendor["cage_name"](cage)
                assert cfg.get(key, {}).get("brkout_mode") == vendor["modes"][ways], (config["hostname"], port, key)
                assert port in _member_names(vendor, cage, ways)
            checked += 1
    assert checked


def test_nvue_breakouts_are_set_on_the_cage():
    files = switch_golden.rendered_files("inference-edge")
    checked = 0
    for text in files.values():
        interfaces = yaml.safe_load(text)[0]["set"]["interface"]
        broken = {name: int(next(iter(v["link"]["breakout"]))[:-1]) for name, v in interfaces.items()
                  if v.get("link", {}).get("breakout")}
        for name in interfaces:
            m = re.match(r"^swp(\d+)s(\d+)$", name)
            if m:
                parent = "swp%s" % m.group(1)
                assert parent in broken, "%s is configured but %s is not broken out" % (name, parent)
                assert int(m.group(2)) < broken[parent]
                checked += 1
    assert checked


def _patch(running, target):
    """A field-level JSON patch (op, path) from running to target, as the GCU would apply it."""
    ops = []
    for table in sorted(set(running) | set(target)):
        a, b = running.get(table), target.get(table)
        if a is None:
            a = {}          # a new table: the GCU adds it entry by entry
        if b is None:
            ops.append(("remove", "/%s" % table, None))
            continue
        for key in sorted(set(a) | set(b)):
            if key not in a:
                ops.append(("add", "/%s/%s" % (table, key), b[key]))
            elif key not in b:
                ops.append(("remove", "/%s/%s" % (table, key), None))
            elif isinstance(a[key], dict) and isinstance(b[key], dict):
                for f in sorted(set(a[key]) | set(b[key])):
                    if f not in a[key]:
                        ops.append(("add", "/%s/%s/%s" % (table, key, f), b[key][f]))
                    elif f not in b[key]:
                        ops.append(("remove", "/%s/%s/%s" % (table, key, f), None))
                    elif a[key][f] != b[key][f]:
                        ops.append(("replace", "/%s/%s/%s" % (table, key, f), b[key][f]))
    return ops


def gcu_refuses(op, path, value):
    """True when the GCU's field operation validators refuse this patch element."""
    parts = path.strip("/").split("/")
    table = parts[0]
    if table not in GCU_RULES:
        return False
    fields, operations = GCU_RULES[table]
    # the validators drop path elements that hold digits (port names) and compare lower case
    cleaned = "/".join(p for p in parts[1:] if not any(ch.isdigit() for ch in p)).lower()
    touched = [cleaned] if not isinstance(value, dict) else [(cleaned + "/" + f.lower()).strip("/") for f in value]
    if op not in operations:
        return True
    return any(t not in fields for t in touched)


def test_gcu_rule_refuses_the_old_wred_replacement():
    assert gcu_refuses("add", "/WRED_PROFILE/REFARCH_ECN", {"ecn": "ecn_all"})
    assert gcu_refuses("remove", "/WRED_PROFILE/AZURE_LOSSLESS", None)
    assert not gcu_refuses("replace", "/WRED_PROFILE/AZURE_LOSSLESS/green_min_threshold", "150000")


def test_every_sonic_patch_is_one_the_gcu_accepts(sonic_switches):
    for _model, config in sonic_switches:
        apply = config["sonic"]["apply"]
        replace = apply["replace"] + (apply["qos_replace"] if config["qos"] else [])
        target = merge_config(copy.deepcopy(RUNNING), config["sonic"]["config_db"], replace, apply["merge"])
        refused = [(op, path) for op, path, value in _patch(RUNNING, target) if gcu_refuses(op, path, value)]
        assert not refused, "%s: the GCU refuses %s" % (config["hostname"], refused[:5])
        assert "WRED_PROFILE" not in replace


def test_no_ecn_drop_on_the_default_class(sonic_switches):
    for _model, config in sonic_switches:
        db = config["sonic"]["config_db"]
        for key, entry in db.get("QUEUE", {}).items():
            if key.endswith("|0"):
                assert "wred_profile" not in entry, (config["hostname"], key)
        for name in db.get("WRED_PROFILE", {}):
            assert name == "AZURE_LOSSLESS"


def test_lossless_buffers_fec_and_device_type(sonic_switches):
    for model, config in sonic_switches:
        db = config["sonic"]["config_db"]
        q = config["qos"]
        if q and q["pfc"]["enabled"]:
            for port in q["interfaces"]:
                assert "%s|3" % port in db["BUFFER_PG"] and "%s|3" % port in db["BUFFER_QUEUE"]
            assert db["CABLE_LENGTH"]["AZURE"]
        for port, entry in db["PORT"].items():
            assert (entry.get("fec") == "rs") == (int(entry["speed"]) >= 400000 and model == "sn5600"), (port, entry)
        hosts = any(i["kind"] == "host" for i in config["interfaces"])
        expected = {"spine": "SpineRouter", "core": "SpineRouter"}.get(config["role"], "ToRRouter" if hosts else "LeafRouter")
        assert db["DEVICE_METADATA"]["localhost"]["type"] == expected


# --- the plan's port structure and its invariants ------------------------------------------------

@pytest.fixture(scope="module")
def pool_plan():
    return plan_design({"name": "x", "reference": "inference-pool"})


def test_plan_records_the_cage_of_every_breakout(pool_plan):
    leaf = pool_plan.devices["x-leaf-1"]
    assert leaf.breakouts and json.loads(json.dumps(leaf.as_dict()))["breakouts"] == leaf.breakouts
    for b in leaf.breakouts:
        assert b["port"] == VENDOR["sn5600"]["cage_name"](b["cage"])
        assert [m["name"] for m in b["members"]] == _member_names(VENDOR["sn5600"], b["cage"], b["ways"])
        assert b["lanes"] == VENDOR["sn5600"]["lanes"](b["cage"])


def test_invariant_refuses_a_mode_the_platform_does_not_list(pool_plan):
    plan = copy.deepcopy(pool_plan)
    plan.devices["x-leaf-1"].breakouts[0]["mode"] = "2x400G"
    assert any("breakout mode '2x400G'" in p for p in check_plan(plan))


def test_invariant_refuses_a_shared_lane(pool_plan):
    plan = copy.deepcopy(pool_plan)
    member = plan.devices["x-leaf-1"].breakouts[0]["members"][1]
    member["lanes"] = [0, 1, 2, 3]
    assert any("lane 0 is used by both" in p for p in check_plan(plan))


def test_invariant_refuses_a_member_of_a_cage_not_broken_out(pool_plan):
    plan = copy.deepcopy(pool_plan)
    del plan.devices["x-leaf-1"].breakouts[0]
    assert any("not broken out" in p for p in check_plan(plan))


def test_shipped_plans_hold_every_port_invariant():
    for ref in ("inference-pool", "inference-edge", "training-pod"):
        assert check_plan(plan_design({"name": "x", "reference": ref})) == []
