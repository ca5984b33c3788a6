# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests over the whole design space (#16 item 5).

Every reference (or none) x every catalog server x every catalog switch of each kind x fabrics on,
off or inherited x 1 to 2,048 nodes x the options: each design plans (its invariants hold, its
node, GPU and link counts agree) or is refused with a DesignError whose every problem names a
design field. A "plan invariant broken" problem, a problem that names no field or any other
exception fails, with the design printed. Bad input (one mutation of a valid design: wrong types,
negatives, zero, huge numbers, NaN, unknown keys, long and non-ASCII strings) is judged the same.

Hypothesis profiles (REFARCH_HYPOTHESIS_PROFILE): ``ci`` (the default, part of `make units`: a
few hundred designs, the same ones every run) and ``long`` (`make design-space`: 10,000 designs
and 3,000 mutations, new ones every run). Each test prints (and with REFARCH_DESIGN_SPACE_REPORT
set, appends as a JSON line to that file) what it tried, planned and refused, by field.
"""

from __future__ import annotations

import collections
import json
import os

import pytest
from hypothesis import given, settings

import design_space as ds

PROFILE = settings.get_profile(ds.PROFILE)
REPORT_ENV = "REFARCH_DESIGN_SPACE_REPORT"


def _report(judge, coverage=None):
    line = judge.line()
    print(line)
    path = os.environ.get(REPORT_ENV)
    if path:
        record = {"test": judge.name, "profile": ds.PROFILE, "tried": judge.tried, "planned": judge.planned,
                  "refused": sum(judge.refused.values()), "unexpected": judge.unexpected,
                  "refused_by_field": dict(judge.refused.most_common()),
                  "planned_by": {k: dict(v) for k, v in (coverage or {}).items()}}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")


def test_every_design_plans_or_names_a_field():
    judge = ds.Judge("design space")
    planned_by = collections.defaultdict(collections.Counter)

    @settings(PROFILE)
    @given(spec=ds.designs())
    def check(spec):
        plan = judge.judge(spec)
        if plan is not None:
            design = plan.design
            compute = plan.fabrics["compute"]
            planned_by["reference"][design.reference or "none"] += 1
            planned_by["server"][design.node_model] += 1
            planned_by["compute"]["%s/%s" % (compute["kind"], compute["switch_model"])] += 1
            planned_by["tiers"][str(compute["tiers"])] += 1
            planned_by["fabrics"][len(plan.fabrics)] += 1

    try:
        check()
    finally:
        _report(judge, planned_by)
    assert judge.unexpected == 0
    # The strategy must make designs that plan, or it tests only the validation (the share moves
    # with the catalog: about half plan).
    assert judge.planned * 10 >= judge.tried, judge.line()


def test_bad_input_is_refused_by_field():
    judge = ds.Judge("mutations")

    @settings(PROFILE, max_examples=ds.MUTATION_EXAMPLES.get(ds.PROFILE, PROFILE.max_examples))
    @given(mutation=ds.mutations())
    def check(mutation):
        what, spec = mutation
        judge.judge(spec, what)

    try:
        check()
    finally:
        _report(judge)
    assert judge.unexpected == 0
    assert sum(judge.refused.values()) * 2 >= judge.tried, judge.line()


@pytest.mark.parametrize("how", sorted(ds.BAD_VALUES))
@pytest.mark.parametrize("base", range(len(ds.BASES)), ids=[b["reference"] for b in ds.BASES])
def test_each_bad_value_at_each_path_is_refused_by_field(base, how):
    """Deterministic sweep: one bad value at every path of a valid design written out in full."""
    judge = ds.Judge("sweep")
    failures = []
    for what, spec in ds.sweep(ds.BASES[base], how):
        try:
            judge.judge(spec, what)
        except AssertionError as exc:
            failures.append("%s: %s" % (what, str(exc).splitlines()[0]))
    assert not failures, "\n".join(failures)


def test_the_bases_of_the_mutations_plan():
    for base in ds.BASES:
        assert ds.Judge("bases").judge(base) is not None, base


def test_the_strategy_spans_the_catalog_and_the_references():
    assert set(ds.REFERENCES) == {"training-pod", "inference-pool", "inference-edge"}
    assert {"dgx-h100", "hgx-h100", "l40s-8", "lab-node"} <= set(ds.SERVERS)
    assert set(ds.SWITCHES_OF["infiniband"]) >= {"qm9700", "qm9790"}
    assert set(ds.SWITCHES_OF["ethernet"]) >= {"sn5600", "sn4600c", "sn2201"}
    assert sorted(ds.SWITCHES_OF["infiniband"] + ds.SWITCHES_OF["ethernet"]) == ds.SWITCHES
    assert ds.BOUNDARY_COUNTS[0] == 1 and ds.BOUNDARY_COUNTS[-1] == ds.MAX_NODES == 2048
    assert settings.get_profile("long").max_examples >= 10000


@pytest.mark.parametrize("problem", [
    "fabrics.compute.oversubscription: a leaf of qm9700 with 32 downlinks needs 40 uplinks",
    "nodes.count: 0 is below the minimum 1",
    "addressing.fabric_links: pool 10.253.0.0/16 is too small",
    "catalog: no cable reaches 155.4 m at 200 Gb/s",
    "(top level): a design must be a mapping of keys, not list",
    "tenants[1].pkey: tenant t1 needs a partition key",
    "fabrics.compute.appliances.count: 2 appliances leave no node slot",
    "facility: unknown field 'bogus'; allowed: in_rack_m, rack",
])
def test_names_a_field(problem):
    assert ds.names_a_field(problem)


@pytest.mark.parametrize("problem", [
    "plan invariant broken: address 10.0.0.1 is assigned twice",
    "fabrics.compute: plan invariant broken",
    "cannot convert float NaN to integer",
    "design file x.yml does not exist",
    "bogus.path: not a key of the design",
    "the Python package netaddr is required to plan addresses",
    "",
    None,
])
def test_names_no_field(problem):
    assert not ds.names_a_field(problem)
