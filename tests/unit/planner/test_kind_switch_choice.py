# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changing only the kind and switch of a reference's compute fabric plans ("InfiniBand or RoCE?").

Keys a reference sets for its own kind or switch (UFM appliances, a platform, a QoS profile, MTUs)
used to be inherited by a design that chose another kind or switch, which was then refused over
keys the user never wrote. They now follow the choice; a value the design writes itself is kept and
still refused when it conflicts.
"""

from __future__ import annotations

import pytest

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import reference_names
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

CATALOG = load_catalog()
CHOICES = [(ref, switch, kind) for ref in reference_names() for switch, model in sorted(CATALOG.switches.items())
           for kind in (("infiniband",) if model.kind == "infiniband" else ("roce", "ethernet"))]


def _plan(ref, fabric):
    return plan_design({"name": "x", "reference": ref, "fabrics": {"compute": fabric}})


@pytest.mark.parametrize("ref,switch,kind", CHOICES)
def test_every_kind_and_switch_plans_or_names_the_field(ref, switch, kind):
    try:
        plan = _plan(ref, {"kind": kind, "switch": switch})
    except DesignError as exc:
        # Only what cannot be built is refused: by the fabric's field, or, where no cable or
        # transceiver in the catalog fits both the server's cages and the switch's (a 400G OSFP NIC
        # on a 100G QSFP28 or 1G RJ45 switch), by the catalog fields to fill.
        assert all(p.startswith("fabrics.compute.") or (p.startswith("catalog: no ") and " fits the " in p)
                   for p in exc.problems), exc.problems
        assert CATALOG.switches[switch].speed_gbps < 400 or exc.problems[0].startswith("fabrics."), exc.problems
        return
    compute = plan.fabrics["compute"]
    assert (compute["kind"], compute["switch_model"]) == (kind, switch)
    assert compute["platform"] in CATALOG.switches[switch].platforms


@pytest.mark.parametrize("ref,fabric,platform", [
    ("training-pod", {"kind": "roce", "switch": "sn5600"}, "cumulus"),          # UFM appliances dropped
    ("inference-pool", {"kind": "infiniband", "switch": "qm9700"}, "mlnx-os"),  # sonic and QoS dropped
    ("inference-pool", {"switch": "arista-7060x5"}, "eos"),                      # sonic dropped
])
def test_the_buyers_questions_plan(ref, fabric, platform):
    plan = _plan(ref, fabric)
    assert plan.fabrics["compute"]["platform"] == platform
    if fabric.get("kind") == "roce":
        assert not [d for d in plan.devices.values() if d.role == "appliance" and d.fabric == "compute"]
        assert plan.fabrics["compute"]["qos_profile"] == "lossless"          # PFC and ECN follow RoCE
        assert plan.fabrics["compute"]["qos"]["pfc"] is True
    if fabric.get("kind") == "infiniband":
        assert plan.fabrics["compute"]["qos_profile"] is None and plan.fabrics["compute"]["mtu"] == 4096


def test_a_conflicting_value_the_design_writes_is_still_refused():
    with pytest.raises(DesignError, match=r"fabrics\.compute\.appliances: UFM appliances manage InfiniBand"):
        _plan("training-pod", {"kind": "roce", "switch": "sn5600", "appliances": {"model": "ufm-3.0", "count": 2}})
    with pytest.raises(DesignError, match=r"fabrics\.compute\.platform: 'sonic' does not run on switch arista-7060x5"):
        _plan("inference-pool", {"switch": "arista-7060x5", "platform": "sonic"})
