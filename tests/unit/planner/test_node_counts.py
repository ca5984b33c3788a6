# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The training pod with its in-band and out-of-band fabrics plans at any node count.

The UFM takes node slots at the end of SU 1 of the compute fabric, which shifts every node after
it by one position; the in-band and out-of-band fabrics group nodes by that position. They used to
be sized for the node count alone, so the last node landed in an SU they never built (IndexError
at 96, 128, 160, 192, 256 nodes: every count but the reference's own 127).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design


def _pod(count):
    return plan_design({"name": "x", "reference": "training-pod", "nodes": {"count": count}})


def _every_node_on_every_fabric(plan):
    nodes = [d for d in plan.devices.values() if d.role == "gpu_node"]
    for node in nodes:
        fabrics = {i.fabric for i in node.interfaces}
        assert fabrics == set(plan.fabrics), (node.name, fabrics)
        for itf in node.interfaces:
            assert itf.peer_device in plan.devices, (node.name, itf.name, itf.peer_device)
    return nodes


@pytest.mark.parametrize("count", [96, 128, 160, 192, 256])
def test_the_counts_that_crashed_plan(count):
    plan = _pod(count)        # invariants are checked while planning
    assert len(_every_node_on_every_fabric(plan)) == count


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=320))
def test_any_count_plans_or_names_the_field(count):
    try:
        plan = _pod(count)
    except DesignError as exc:
        assert all(":" in p for p in exc.problems), exc.problems
        return
    assert len(_every_node_on_every_fabric(plan)) == count
