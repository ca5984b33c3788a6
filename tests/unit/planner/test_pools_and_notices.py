# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address pools sized from the plan (#16 item 3) and what the planner says it decided (item 4).

A notice is only worth printing when its advice works, so each notice test applies the change the
notice names and plans again: the notice must be gone (or the promised number must hold).
"""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design


def _pod(count, **extra):
    design = {"name": "pod", "reference": "training-pod", "nodes": {"count": count}}
    design.update(extra)
    return plan_design(design)


# In-band leaves of 32 nodes each (the reference has 36): at 2048 nodes their leaf-spine /31s
# outgrow the default /16 of fabric_links.
SMALL_INBAND = {"inband": {"nodes_per_su": 32, "oversubscription": 2}}


def _fields(plan):
    return [n.field for n in plan.notices]


def _notice(plan, field, text=""):
    found = [n for n in plan.notices if n.field == field and text in n.message]
    assert found, "no notice on %s (%s) in %s" % (field, text, [str(n) for n in plan.notices])
    return found[0]


def _addresses(plan):
    """Every interface address of the plan, by the pool it must come from."""
    out = {"fabric_links": [], "host_subnets": [], "loopbacks": [], "oob": []}
    for dev in plan.devices.values():
        if dev.loopback:
            out["loopbacks"].append(dev.loopback)
        if dev.mgmt_address:
            out["oob"].append(dev.mgmt_address)
        for iface in dev.interfaces:
            if not iface.address:
                continue
            switch_to_switch = dev.role != "gpu_node" and iface.role in ("uplink", "peer")
            if switch_to_switch or (dev.role in ("spine", "core") and iface.role == "downlink"):
                out["fabric_links"].append(iface.address)
            else:
                out["host_subnets"].append(iface.address)
    return out


def _pools(plan):
    """The pools the plan used: the design's defaults, unless a notice moved one."""
    pools = dict(plan.design.addressing)
    for n in plan.notices:
        if n.field.startswith("addressing."):
            pools[n.field.split(".")[1]] = n.message.rsplit("planned with ", 1)[1]
    return {k: ipaddress.ip_network(v) for k, v in pools.items() if k != "asn_format"}


def test_a_training_pod_of_2048_nodes_plans_with_pools_grown_to_fit():
    plan = _pod(2048, fabrics=SMALL_INBAND)    # 65 SUs: the UFM slot pushes the last node into one more
    assert plan.fabrics["compute"]["sus"] == 65
    notice = _notice(plan, "addressing.fabric_links", "too small")
    assert "10.253.0.0/16" in notice.message and "write addressing.fabric_links" in notice.fix
    pools = _pools(plan)
    assert pools["fabric_links"].num_addresses > 2 ** 16
    nets = list(pools.values())
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
    for name, addresses in _addresses(plan).items():
        assert addresses, name
        outside = [a for a in addresses if ipaddress.ip_interface(a).ip not in pools[name]]
        assert not outside, (name, outside[:3])
        assert len(set(addresses)) == len(addresses), name


def test_a_pool_the_design_gives_is_never_grown():
    with pytest.raises(DesignError) as err:
        _pod(2048, fabrics=SMALL_INBAND, addressing={"fabric_links": "10.253.0.0/16"})
    assert err.value.problems[0].startswith("addressing.fabric_links: pool 10.253.0.0/16 is too small")
    assert "use a /15 or larger" in err.value.problems[0]
    plan = _pod(2048, fabrics=SMALL_INBAND, addressing={"fabric_links": "10.252.0.0/15"})  # as the notice said
    assert "addressing.fabric_links" not in _fields(plan)


def test_a_default_pool_moves_off_a_pool_the_design_gives():
    plan = _pod(127, addressing={"host_subnets": "10.253.0.0/16"})
    notice = _notice(plan, "addressing.fabric_links", "overlaps")
    moved = ipaddress.ip_network(notice.message.rsplit("planned with ", 1)[1])
    assert not moved.overlaps(ipaddress.ip_network("10.253.0.0/16"))


def test_designs_that_fit_keep_the_default_pools():
    plan = plan_design("inventories/lab/design.yml")
    assert not [f for f in _fields(plan) if f.startswith("addressing.")]
    for name, addresses in _addresses(plan).items():
        pool = ipaddress.ip_network(plan.design.addressing[name])
        assert all(ipaddress.ip_interface(a).ip in pool for a in addresses), name


def test_an_extra_su_for_appliances_is_reported_and_its_fix_works():
    plan = _pod(2048)
    assert plan.fabrics["compute"]["sus"] == 65
    notice = _notice(plan, "fabrics.compute.appliances")
    assert "65 scalable units instead of 64" in notice.message
    assert notice.fix.startswith("plan 2047 nodes")
    fixed = _pod(2047)
    assert fixed.fabrics["compute"]["sus"] == 64
    assert "fabrics.compute.appliances" not in _fields(fixed)
    assert "fabrics.compute.appliances" not in _fields(_pod(2048, fabrics={"compute": {"appliances": None}}))


def test_spines_rounded_up_are_reported_with_sizes_that_fill_them():
    plan = _pod(130)
    notice = _notice(plan, "fabrics.compute.nodes_per_su", "spines instead of")
    assert plan.fabrics["compute"]["switches"]["spine"] == 32
    assert "instead of the 20" in notice.message
    assert notice.fix == "plan at most 127 nodes (4 SUs) for 16 spines, or grow to 255 nodes (8 SUs) to use them fully"
    for count, spines in ((127, 16), (255, 32)):
        fixed = _pod(count)
        assert fixed.fabrics["compute"]["switches"]["spine"] == spines
        assert not [n for n in fixed.notices if n.field == "fabrics.compute.nodes_per_su" and "spines" in n.message]


def test_unused_leaf_ports_are_reported_and_the_suggested_su_size_uses_them():
    plan = _pod(127, fabrics=SMALL_INBAND)
    notice = _notice(plan, "fabrics.inband.nodes_per_su", "of its 64 ports")
    assert "uses 50 of its 64 ports" in notice.message        # 32 down, 16 up (2:1), 2 peer links
    assert notice.fix.startswith("nodes_per_su: 41 ")
    fixed = _pod(127, fabrics={"inband": {"nodes_per_su": 41, "oversubscription": 2}})
    assert not [n for n in fixed.notices if n.field == "fabrics.inband.nodes_per_su" and "ports;" in n.message]
    assert "fabrics.compute.nodes_per_su" not in _fields(plan)     # the RA's leaves are full: 32 + 32


def test_a_partly_filled_last_su_is_reported_and_filling_it_clears_it():
    plan = _pod(100)
    notice = _notice(plan, "fabrics.compute.nodes_per_su", "last scalable unit")
    assert "27 node slot(s)" in notice.message and "216 leaf ports" in notice.message   # 4 x 32 - 1 - 100; x 8
    assert notice.fix == "plan 27 more node(s) to fill it"
    assert not [n for n in _pod(127).notices
                if n.field == "fabrics.compute.nodes_per_su" and "last scalable unit" in n.message]


def test_a_power_bound_rack_is_reported_with_the_budget_for_one_more_node():
    plan = _pod(127)
    notice = _notice(plan, "facility.rack.power_kw")
    assert "racks hold 4 nodes (40.8 kW)" in notice.message and notice.fix == "a budget of 51.0 kW would hold 5"
    bigger = _pod(127, facility={"rack": {"power_kw": 51}})
    per_rack = max(sum(1 for d in r.devices if d["device"].startswith("pod-node")) for r in bigger.racks)
    assert per_rack == 5


def test_notices_are_in_the_summary():
    plan = _pod(130)
    assert plan.summary["warnings"] == [n.as_dict() for n in plan.notices]
    assert all(set(w) == {"field", "message", "fix"} for w in plan.summary["warnings"])


def test_an_inherited_fabric_the_server_has_no_ports_for_is_left_out_with_a_notice():
    plan = plan_design("inventories/lab/design.yml")          # lab-node under the training pod
    assert "storage" not in plan.fabrics
    notice = _notice(plan, "fabrics.storage", "left out")
    assert "lab-node has no storage ports" in notice.message
    with pytest.raises(DesignError, match=r"fabrics\.storage: server lab-node has no storage ports"):
        plan_design({"name": "x", "reference": "training-pod", "nodes": {"model": "lab-node", "count": 4},
                     "fabrics": {"storage": {"kind": "infiniband", "switch": "qm9700"}, "inband": None, "oob": None}})


def test_switches_without_a_management_port_of_record_are_named_not_cabled():
    """The lab's switches run without a management port (--network none): with an out-of-band
    fabric, a warning names them instead of an invented port on the cabling sheet."""
    plan = plan_design({"name": "lab", "reference": "training-pod", "nodes": {"model": "lab-node", "count": 4},
                        "fabrics": {"compute": {"kind": "roce", "switch": "lab-switch", "platform": "lab",
                                                "rail_optimized": True, "nodes_per_su": 4, "oversubscription": 2,
                                                "appliances": None},
                                    "inband": None, "storage": None},
                        "facility": {"pdus": None}})
    notice = _notice(plan, "fabrics.compute.platform", "not cabled")
    switches = [d for d in plan.devices.values() if d.fabric == "compute" and d.role in ("leaf", "spine")]
    assert "the management ports of %d compute switches (platform lab)" % len(switches) in notice.message
    assert not [i for d in switches for i in d.interfaces if i.role == "mgmt"]
