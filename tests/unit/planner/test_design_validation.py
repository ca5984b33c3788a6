# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Design loading and validation: good designs load, bad ones fail with the operator's message.

Every bad design must raise DesignError (never KeyError/TypeError/...), name the field as
``path: message`` exactly, carry no Python traceback text, and report every problem at once.
"""

from __future__ import annotations

import collections
import copy
import os
import textwrap

import pytest

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import design as design_mod
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import load_catalog
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.datafiles import load_yaml
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import load_design
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB_DESIGNS = ("inventories/lab/design.yml", "inventories/lab-large/design.yml", "inventories/lab-planes/design.yml")
REFERENCES = ("training-pod", "inference-pool", "inference-edge")


def deep_merge(base, override):
    """A copy of ``base`` with ``override`` merged in (mappings key by key, None deletes)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def lab(**override):
    """The lab design (inventories/lab/design.yml) with ``override`` merged in."""
    return deep_merge(load_yaml(os.path.join(REPO, "inventories/lab/design.yml")), override)


def known(section):
    return ", ".join(sorted(getattr(load_catalog(), section)))


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


TINY_SWITCH = """\
    switches:
      tiny-4:
        source: unit test stand-in
        kind: ethernet
        rack_units: 1
        power_kw: 0.1
        ports: {count: 4, speed_gbps: 400}
        platforms: [sonic]
    """

HEAVY_DGX = """\
    servers:
      dgx-h100:
        source: unit test override (a site that budgets 20 kW per node)
        rack_units: 8
        power_kw: 20
        gpus: {model: H100-SXM5-80GB, count: 8}
        nics:
          compute: {ports: 8, speed_gbps: 400}
          storage: {ports: 2, speed_gbps: 200}
          inband: {ports: 2, speed_gbps: 200}
          bmc: {ports: 1, speed_gbps: 1}
    """

BAD_CATALOG = """\
    switches:
      bad-switch:
        source: unit test
        kind: token-ring
        rack_units: 1
        power_kw: 0.1
        ports: {count: 4, speed_gbps: 400}
        platforms: [sonic]
    """


# --------------------------------------------------------------------------- good designs

@pytest.mark.parametrize("reference", REFERENCES)
def test_builtin_reference_validates(reference):
    design = load_design({"name": "x", "reference": reference})
    assert design.name == "x"
    assert design.reference == reference
    assert "compute" in design.fabrics
    assert design.node_count >= 1


def test_every_reference_file_is_tested():
    """A reference architecture added under references/ must be added to REFERENCES above."""
    assert set(design_mod.reference_names()) == set(REFERENCES)


@pytest.mark.parametrize("path", LAB_DESIGNS)
def test_lab_design_validates(path):
    design = load_design(os.path.join(REPO, path))
    assert design.node_model == "lab-node"
    assert set(design.fabrics) == {"compute"}       # inband/oob set to null remove the inherited ones
    assert design.fabrics["compute"].kind == "roce"
    if path == "inventories/lab/design.yml":
        # The lab's head node (scheduler controller and accounting) is the compute fabric's one appliance.
        assert design.fabrics["compute"].appliances == (("lab-head", 1),)
        assert design.catalog.appliances["lab-head"].raw["role"] == "management"
        assert design.raw["scheduler"]["kind"] == "slurm"
        assert [t["name"] for t in design.tenants] == ["research", "product"]
    else:
        assert design.fabrics["compute"].appliances == ()


def test_design_as_yaml_text_validates():
    with open(os.path.join(REPO, "inventories/lab/design.yml"), encoding="utf-8") as handle:
        text = handle.read()
    assert load_design(text).name == "lab"


# --------------------------------------------------------------------------- bad designs
# Each case: (id, design or factory(tmp_path) -> (source, base_dir), expected problems).
# An expected problem is the full ``path: message`` string, or a factory(tmp_path) -> string.

def _no_count(_tmp):
    return {"name": "x", "workload": "training", "nodes": {"model": "lab-node"},
            "fabrics": {"compute": {"kind": "roce", "switch": "lab-switch"}}}, None


def _tiny_switch(tmp):
    cat = write(tmp / "tiny.yml", TINY_SWITCH)
    return {"name": "x", "workload": "training", "nodes": {"model": "dgx-h100", "count": 4},
            "catalog": [cat], "fabrics": {"compute": {"kind": "roce", "switch": "tiny-4",
                                                      "rail_optimized": True}}}, None


def _missing_catalog(tmp):
    return lab(catalog=["nope.yml"]), str(tmp)


def _bad_catalog(tmp):
    write(tmp / "badcat.yml", BAD_CATALOG)
    return lab(catalog=["badcat.yml"]), str(tmp)


def _list_file(tmp):
    return write(tmp / "list.yml", "- a\n- b\n"), None


def _empty_file(tmp):
    return write(tmp / "empty.yml", ""), None


def _missing_design(tmp):
    return str(tmp / "no-such-design.yml"), None


BAD = [
    ("unknown-switch", lab(fabrics={"compute": {"switch": "qm97000"}}),
     [lambda t: "fabrics.compute.switch: unknown switch 'qm97000'; known: %s" % known("switches")]),
    ("unknown-spine-switch", lab(fabrics={"compute": {"spine_switch": "qm97000"}}),
     [lambda t: "fabrics.compute.spine_switch: unknown switch 'qm97000'; known: %s" % known("switches")]),
    ("bad-kind-enum", lab(fabrics={"compute": {"kind": "rocev2"}}),
     ["fabrics.compute.kind: 'rocev2' is not allowed; allowed: infiniband, roce, ethernet"]),
    ("missing-nodes-count", _no_count,
     ["nodes: missing required field 'count'"]),
    ("negative-count", lab(nodes={"count": -1}),
     ["nodes.count: -1 is below the minimum 1"]),
    ("count-not-integer", lab(nodes={"count": "many"}),
     ["nodes.count: 'many' is not of type integer"]),
    ("unknown-fabric-name", lab(fabrics={"bogus": {"kind": "roce", "switch": "lab-switch"}}),
     ["fabrics: 'bogus' is not allowed; allowed: compute, storage, inband, oob"]),
    # The list is the schema's top-level properties (scheduler added with the Slurm pool).
    ("unknown-top-level-key", lab(colour="blue"),
     ["(top level): unknown field 'colour'; allowed: addressing, catalog, description, fabrics, "
      "facility, hosts, lifecycle, name, nodes, qos_profiles, reference, scheduler, tenants, validation, workload"]),
    ("bad-name", lab(name="Lab_1"),
     ["name: 'Lab_1' does not match ^[a-z][a-z0-9-]{0,23}$ (Cluster name, the prefix of every device "
      "name (lower case letters, digits and '-', at most 24 characters, starting with a letter).)"]),
    ("bad-tiers", lab(fabrics={"compute": {"tiers": 4}}),
     ["fabrics.compute.tiers: 4 is not allowed; allowed: auto, 1, 2, 3"]),
    ("oversubscription-below-1", lab(fabrics={"compute": {"oversubscription": 0.5}}),
     ["fabrics.compute.oversubscription: 0.5 is below the minimum 1"]),
    ("unknown-server", lab(nodes={"model": "dgx-h900"}),
     [lambda t: "nodes.model: unknown server 'dgx-h900'; known: %s" % ", ".join(
         sorted(set(known("servers").split(", ")) | set(known("systems").split(", "))))]),
    ("platform-not-on-switch", lab(fabrics={"compute": {"switch": "sn5600", "platform": "eos"}}),
     ["fabrics.compute.platform: 'eos' does not run on switch sn5600; allowed: cumulus, sonic"]),
    ("switch-kind-mismatch", lab(fabrics={"compute": {"kind": "infiniband", "qos_profile": None}}),
     ["fabrics.compute.switch: lab-switch is an ethernet switch, but the fabric kind is infiniband"]),
    ("rack-power-below-one-node", {"name": "x", "reference": "training-pod",
                                   "facility": {"rack": {"power_kw": 5}}},
     ["facility.rack.power_kw: 5 kW is below the power of one dgx-h100 node (10.2 kW); "
      "raise the rack budget or choose another server"]),
    ("rack-units-too-small", {"name": "x", "reference": "training-pod", "facility": {"rack": {"units": 4}}},
     ["facility.rack.units: 4 units cannot hold one dgx-h100 node (8 U)"]),
    ("per-rack-too-many", lab(nodes={"per_rack": 100}),
     ["nodes.per_rack: 100 nodes need 50.0 kW and 100 U, more than a rack gives (41 kW, 48 U); at most 48 fit"]),
    ("rails-exceed-switch-ports", _tiny_switch,
     ["fabrics.compute.switch: server dgx-h100 has 8 rails but switch tiny-4 has only 4 ports"]),
    ("fabric-without-server-ports", lab(fabrics={"storage": {"kind": "roce", "switch": "lab-switch"}}),
     ["fabrics.storage: server lab-node has no storage ports for a storage fabric; remove the fabric "
      "(set it to null) or choose a server that has them"]),
    ("qos-profile-undefined", lab(fabrics={"compute": {"qos_profile": "gold"}}),
     ["fabrics.compute.qos_profile: unknown QoS profile 'gold'; defined: lossless, lossy-ecn"]),
    ("ib-mtu-not-a-link-mtu", {"name": "x", "reference": "training-pod", "fabrics": {"compute": {"mtu": 9216}}},
     ["fabrics.compute.mtu: 9216 is not an InfiniBand link MTU; allowed: 2048, 4096"]),
    ("ipoib-host-mtu-too-big", {"name": "x", "reference": "training-pod",
                                "fabrics": {"compute": {"mtu": 2048, "host_mtu": 4092}}},
     ["fabrics.compute.host_mtu: 4092 is more than IPoIB carries over a 2048-byte InfiniBand MTU "
      "(datagram mode); allowed: 1280 to 2044"]),
    ("qos-on-infiniband", {"name": "x", "reference": "training-pod",
                           "fabrics": {"compute": {"qos_profile": "lossless"}}},
     ["fabrics.compute.qos_profile: QoS profiles apply to Ethernet fabrics, not to infiniband; "
      "remove it or set it to null"]),
    ("appliances-on-roce", lab(fabrics={"compute": {"appliances": {"model": "ufm-3.0", "count": 1}}}),
     ["fabrics.compute.appliances: UFM appliances manage InfiniBand fabrics; this fabric is roce "
      "(set appliances to null)"]),
    ("unknown-appliance", {"name": "x", "reference": "training-pod",
                           "fabrics": {"compute": {"appliances": {"model": "ufm-9", "count": 2}}}},
     [lambda t: "fabrics.compute.appliances.model: unknown appliance 'ufm-9'; known: %s" % known("appliances")]),
    ("ib-tenant-without-pkey", {"name": "x", "reference": "training-pod",
                                "tenants": [{"name": "a", "pkey": 2, "nodes": 4}, {"name": "b", "nodes": 4}]},
     ["tenants[1].pkey: tenant b needs a partition key on InfiniBand fabric compute, storage; allowed: 1 to 32766 "
      "(0x0001-0x7ffe), unique per tenant"]),
    ("default-pkey-reserved", lab(tenants=[{"name": "a", "pkey": 32767}]),
     ["tenants[0].pkey: 32767 is above the maximum 32766"]),
    ("duplicate-pkey", lab(tenants=[{"name": "a", "pkey": 5}, {"name": "b", "pkey": 5}]),
     ["tenants: partition keys must be unique; got [5, 5]"]),
    ("duplicate-tenant-name", lab(tenants=[{"name": "a"}, {"name": "a"}]),
     ["tenants: tenant names must be unique; got ['a', 'a']"]),
    ("tenants-reserve-too-many", lab(tenants=[{"name": "a", "nodes": 10}]),
     ["tenants: tenants reserve 10 nodes but the design has 4"]),
    ("bad-cidr", lab(addressing={"loopbacks": "10.0.0.300/24"}),
     ["addressing.loopbacks: '10.0.0.300/24' is not an IPv4 network"]),
    ("cidr-not-a-network", lab(addressing={"oob": "banana"}),
     ["addressing.oob: 'banana' is not an IPv4 network"]),
    # The lab has 4 leaves (2 SUs x 2 rails), each a /29 (3 downlinks + network, gateway, broadcast
    # = 6 -> 8): 32 addresses in the compute fabric's block; host_subnets has 4 blocks (one per
    # fabric), so it needs 4 x 32 = 128 -> a /25, and a /28 has blocks of 4.
    ("pool-too-small", lab(addressing={"host_subnets": "198.18.64.0/28"}),
     ["addressing.host_subnets: pool 198.18.64.0/28 is too small: 4 leaves x 8 host addresses (compute) "
      "needs 32 addresses per block of 4; use a /25 or larger"]),
    ("bad-asn-format", lab(addressing={"asn_format": "3byte"}),
     ["addressing.asn_format: '3byte' is not allowed; allowed: auto, 2byte, 4byte"]),
    ("tiers-1-too-many-nodes", {"name": "x", "reference": "inference-edge", "nodes": {"count": 100}},
     ["fabrics.compute.nodes_per_su: tiers: 1 serves one scalable unit, but 100 nodes exceed "
      "nodes_per_su 8; raise it or use tiers: auto"]),
    ("tiers-1-too-many-for-a-pair",
     {"name": "x", "reference": "inference-edge", "nodes": {"count": 100},
      "fabrics": {"compute": {"nodes_per_su": 100}}},
     ["fabrics.compute.tiers: one switch per column cannot serve 100 nodes on sn5600 (128 ports); "
      "use tiers: auto"]),
    ("design-not-a-mapping-text", "- a\n- b\n",
     ["(top level): a design must be a mapping of keys, not list"]),
    ("design-file-not-a-mapping", _list_file,
     ["(top level): a design must be a mapping of keys, not list"]),
    ("design-file-empty", _empty_file,
     ["(top level): a design must be a mapping of keys, not NoneType"]),
    ("design-file-missing", _missing_design,
     [lambda t: "design file %s does not exist" % (t / "no-such-design.yml")]),
    ("invalid-yaml-text", "name: x\nnodes: [1,\n",
     ["<design> is not valid YAML: while parsing a flow node did not find expected node content"]),
    ("extra-catalog-missing", _missing_catalog,
     [lambda t: "catalog: file %s does not exist" % (t / "nope.yml")]),
    ("extra-catalog-invalid", _bad_catalog,
     ["badcat.yml: switches.bad-switch.kind: 'token-ring' is not allowed; allowed: infiniband, ethernet"]),
]


def _source(case, tmp_path):
    if callable(case):
        return case(tmp_path)
    return copy.deepcopy(case), None


def _expected(items, tmp_path):
    return [e(tmp_path) if callable(e) else e for e in items]


def _assert_operator_error(exc):
    """The error an operator sees: DesignError text, no traceback, no Python exception names."""
    assert exc.__class__ is DesignError
    text = str(exc)
    assert exc.problems, "a DesignError must list its problems"
    for marker in ("Traceback", 'File "', "KeyError", "TypeError", "AttributeError", "ValueError"):
        assert marker not in text, text


@pytest.mark.parametrize("source, expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_design_is_reported(source, expected, tmp_path):
    design, base_dir = _source(source, tmp_path)
    with pytest.raises(DesignError) as info:
        plan_design(design, base_dir=base_dir)
    exc = info.value
    _assert_operator_error(exc)
    for want in _expected(expected, tmp_path):
        if want.startswith("<design> is not valid YAML"):
            # The parser's own detail follows; the field and the reason are what must be there.
            assert any(p.startswith(want) for p in exc.problems), exc.problems
        else:
            assert want in exc.problems, exc.problems
        assert want in str(exc)


def test_bad_case_table_is_large_enough():
    assert len(BAD) >= 15


def test_unknown_switch_lists_the_known_ones():
    with pytest.raises(DesignError) as info:
        load_design(lab(fabrics={"compute": {"switch": "qm97000"}}))
    (problem,) = info.value.problems
    prefix = "fabrics.compute.switch: unknown switch 'qm97000'; known: "
    assert problem.startswith(prefix)
    names = problem[len(prefix):].split(", ")
    assert "qm9700" in names and "sn5600" in names
    assert names == sorted(names)


def test_invalid_yaml_file_names_the_file(tmp_path):
    path = write(tmp_path / "broken.yml", "name: [x\n")
    with pytest.raises(DesignError) as info:
        load_design(path)
    _assert_operator_error(info.value)
    (problem,) = info.value.problems
    assert problem.startswith("%s is not valid YAML: " % path)
    assert "line 2" in problem


def test_error_from_a_file_names_the_file(tmp_path):
    path = write(tmp_path / "design.yml", "name: x\nreference: training-pod\nnodes: {count: -1}\n")
    with pytest.raises(DesignError) as info:
        load_design(path)
    assert info.value.source == path
    assert str(info.value) == "invalid design %s: nodes.count: -1 is below the minimum 1" % path


def test_design_object_that_is_a_list_is_not_a_mapping():
    with pytest.raises(DesignError) as info:
        load_design(["a", "b"])
    assert "(top level): a design must be a mapping of keys, not list" in info.value.problems


@pytest.mark.parametrize("pool", ["loopbacks", "oob", "host_subnets", "fabric_links"])
def test_ipv6_pool_is_not_an_ipv4_network(pool):
    with pytest.raises(DesignError) as info:
        plan_design(lab(addressing={pool: "fd00::/64"}))
    assert "addressing.%s: 'fd00::/64' is not an IPv4 network" % pool in info.value.problems


def test_overlapping_pools_are_a_design_error():
    with pytest.raises(DesignError) as info:
        plan_design(lab(addressing={"oob": "198.18.0.0/15"}))
    problems = info.value.problems
    assert not any("plan invariant broken" in p for p in problems), problems
    assert any(p.startswith("addressing.") and "overlap" in p for p in problems), problems


@pytest.mark.parametrize("reference, spine", [("inference-pool", "qm9700"), ("training-pod", "sn5600")])
def test_spine_switch_kind_must_match_fabric(reference, spine):
    with pytest.raises(DesignError) as info:
        plan_design({"name": "x", "reference": reference, "fabrics": {"compute": {"spine_switch": spine}}})
    assert any(p.startswith("fabrics.compute.spine_switch: ") for p in info.value.problems), \
        info.value.problems


def test_spine_switch_must_run_the_fabric_platform():
    with pytest.raises(DesignError) as info:
        plan_design({"name": "x", "reference": "inference-pool",
                     "fabrics": {"compute": {"spine_switch": "arista-7060x5"}}})
    assert any(p.startswith("fabrics.compute.") and "arista-7060x5" in p for p in info.value.problems), \
        info.value.problems


# --------------------------------------------------------------------------- several problems at once

def test_several_catalog_problems_are_reported_together():
    with pytest.raises(DesignError) as info:
        load_design(lab(nodes={"model": "dgx-h900"}, fabrics={"compute": {"switch": "qm97000"}}))
    problems = info.value.problems
    assert len(problems) == 2
    assert any(p.startswith("nodes.model: unknown server 'dgx-h900'") for p in problems)
    assert any(p.startswith("fabrics.compute.switch: unknown switch 'qm97000'") for p in problems)
    assert str(info.value).startswith("invalid design (2 problems):\n  - ")


def test_several_schema_problems_are_reported_together():
    with pytest.raises(DesignError) as info:
        load_design(lab(nodes={"count": 0}, fabrics={"compute": {"kind": "x"}}, colour="blue"))
    problems = info.value.problems
    assert "nodes.count: 0 is below the minimum 1" in problems
    assert "fabrics.compute.kind: 'x' is not allowed; allowed: infiniband, roce, ethernet" in problems
    assert any(p.startswith("(top level): unknown field 'colour'") for p in problems)
    assert len(problems) == 3


def test_several_arithmetic_problems_are_reported_together():
    with pytest.raises(DesignError) as info:
        load_design({"name": "x", "reference": "training-pod",
                     "facility": {"rack": {"power_kw": 5, "units": 4}},
                     "tenants": [{"name": "a", "pkey": 1}, {"name": "b", "pkey": 1}]})
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == ["facility.rack.power_kw", "facility.rack.units", "tenants"]


# --------------------------------------------------------------------------- user catalog files

def test_user_catalog_entry_replaces_builtin(tmp_path):
    write(tmp_path / "site.yml", HEAVY_DGX)
    site = plan_design({"name": "x", "reference": "training-pod", "nodes": {"count": 8},
                        "catalog": ["site.yml"]}, base_dir=str(tmp_path))
    assert site.design.catalog.servers["dgx-h100"].power_kw == 20
    per_rack = collections.Counter(d.rack for d in site.devices.values() if d.role == "gpu_node")
    # 41 kW // 20 kW = 2 nodes per rack (8U each also fits 48U six times: power decides).
    assert sorted(per_rack.values()) == [2, 2, 2, 2]
    # The override is the design's own: a design without the file keeps the built-in 10.2 kW (4 per rack).
    stock = plan_design({"name": "x", "reference": "training-pod", "nodes": {"count": 8}})
    assert stock.design.catalog.servers["dgx-h100"].power_kw == 10.2
    per_rack = collections.Counter(d.rack for d in stock.devices.values() if d.role == "gpu_node")
    assert sorted(per_rack.values()) == [4, 4]


def test_user_catalog_adds_a_switch(tmp_path):
    cat = write(tmp_path / "tiny.yml", TINY_SWITCH)
    design = load_design({"name": "x", "workload": "inference", "nodes": {"model": "lab-node", "count": 2},
                          "catalog": [cat], "fabrics": {"compute": {"kind": "roce", "switch": "tiny-4"}}})
    assert design.fabrics["compute"].switch == "tiny-4"
    assert design.fabrics["compute"].platform == "sonic"     # the switch's first platform
    assert "tiny-4" not in load_catalog().switches           # built-in catalog untouched


def test_catalog_path_is_relative_to_the_design_file(tmp_path):
    write(tmp_path / "site.yml", HEAVY_DGX)
    path = write(tmp_path / "design.yml", """\
        name: x
        reference: training-pod
        nodes: {count: 4}
        catalog: [site.yml]
        """)
    assert load_design(path).catalog.servers["dgx-h100"].power_kw == 20


def test_mtu_defaults_follow_the_fabric_kind():
    """Ethernet: jumbo frames; InfiniBand: the 4096 link MTU and IPoIB's datagram-mode 4092."""
    design = load_design({"name": "x", "reference": "training-pod"})
    assert (design.fabrics["compute"].mtu, design.fabrics["compute"].host_mtu) == (4096, 4092)
    assert (design.fabrics["inband"].mtu, design.fabrics["inband"].host_mtu) == (9216, 9000)
    roce = load_design({"name": "x", "reference": "training-pod",
                        "fabrics": {"compute": {"kind": "roce", "switch": "sn5600", "platform": "sonic",
                                                "appliances": None}}})
    assert (roce.fabrics["compute"].mtu, roce.fabrics["compute"].host_mtu) == (9216, 9000)
    plan = plan_design({"name": "x", "reference": "training-pod"})
    node = next(d for d in plan.devices.values() if d.role == "gpu_node")
    assert {i.mtu for i in node.interfaces if i.fabric == "compute"} == {4092}


# --- found by the design-space properties (tests/unit/planner/test_design_space.py) --------------

def test_a_null_fabric_is_left_out_even_without_a_reference():
    plan = plan_design({"name": "x", "workload": "training", "nodes": {"model": "lab-node", "count": 4},
                        "fabrics": {"compute": {"kind": "roce", "switch": "lab-switch"}, "inband": None}})
    assert set(plan.fabrics) == {"compute"}


@pytest.mark.parametrize("fabrics, message", [
    ({"compute": {"kind": "roce", "switch": "sn5600", "appliances": {"model": "ufm-3.0", "count": 2}}},
     r"fabrics\.compute\.appliances: UFM appliances manage InfiniBand fabrics; this fabric is roce"),
    ({"storage": {"appliances": [{"model": "ufm-3.0", "count": 1}, {"model": "px3-5747v", "count": 1}]}},
     r"fabrics\.storage\.appliances\[1\]\.model: px3-5747v is a rack PDU: PDUs go in facility\.pdus"),
    ({"storage": {"appliances": {"model": "mgmt-x86", "count": 1}}},
     r"fabrics\.storage\.appliances\.model: mgmt-x86 has ethernet ports; this fabric is infiniband"),
    ({"storage": {"nodes_per_su": 4, "appliances": {"model": "ufm-3.0", "count": 4}}},
     r"fabrics\.storage\.appliances: the appliances take 4 positions of SU 1, but an SU of this fabric has 4"),
])
def test_appliances_that_cannot_attach_to_a_fabric_are_refused_by_field(fabrics, message):
    with pytest.raises(DesignError, match=message):
        plan_design({"name": "x", "reference": "training-pod", "fabrics": fabrics})


def test_the_host_mtu_follows_a_lower_fabric_mtu():
    plan = plan_design({"name": "x", "reference": "inference-pool", "fabrics": {"compute": {"mtu": 1500}}})
    assert (plan.fabrics["compute"]["mtu"], plan.fabrics["compute"]["host_mtu"]) == (1500, 1500)
    with pytest.raises(DesignError, match=r"fabrics\.compute\.host_mtu: 9000 is more than the fabric's MTU 1500"):
        plan_design({"name": "x", "reference": "inference-pool", "fabrics": {"compute": {"mtu": 1500, "host_mtu": 9000}}})


def test_a_spine_switch_the_user_did_not_set_is_named_as_the_leaf_switch():
    with pytest.raises(DesignError, match=r"spine_switch: sn2201 \(the leaf switch: spine_switch is not set\)"):
        plan_design({"name": "x", "workload": "training", "nodes": {"model": "lab-node", "count": 40},
                     "fabrics": {"compute": {"kind": "roce", "switch": "sn2201"}}})
