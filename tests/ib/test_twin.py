# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The InfiniBand twin: the plan's fabric in ibsim, configured by the ib_fabric role, under OpenSM.

For the lab design (inventories/lab-ib) and one SU of the training pod (tests/ib/designs/su1.yml):

* playbooks/ib_twin.yml brings the twin up: ibsim on the plan's topology, the role rendering the
  primary's and the standby's files from what ibnetdiscover finds, both OpenSMs started with them,
  and the fabric checked against the plan with ``fail_on: warning``, so a clean run means zero
  findings. OpenSM must route with ftree (its log says which engine configured the tables; a
  fall-back is a failure), the primary must be MASTER with priority 15, the standby in STANDBY;
* two swapped cables and one missing cable in the simulated fabric are found and named, and
  nothing else is reported, with OpenSM running the role's configuration on the faulty fabric;
* a second run changes nothing, and the absent state ends every process and removes the twin.

The lab with tenants checks the partitions in the HCAs' P_Key tables. Every partition's IPoIB
broadcast group, as the SA lists it (``saquery -g``), has the fabric's 4096-byte MTU and the rate of
its slowest planned link, not OpenSM's defaults (2048, 10 Gb/s) under which IPoIB clamps to 2044.
Needs ibsim-utils, opensm and infiniband-diags (Debian); skipped without them. No root, no RDMA device.
"""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from conftest import REPO, run_playbook

from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin import ib as ib_twin
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import FabricView
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_checks import check_fabric
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.ib_parsers import parse_ibnetdiscover

TOOLS = ("ibsim", "ibsim-run", "opensm", "ibnetdiscover", "sminfo", "smpquery")
MISSING = [t for t in TOOLS if not shutil.which(t)]
pytestmark = pytest.mark.skipif(bool(MISSING), reason="needs %s (Debian: apt-get install ibsim-utils opensm "
                                "infiniband-diags)" % ", ".join(MISSING))

PLAYBOOK = os.path.join(REPO, "playbooks", "ib_twin.yml")
DESIGNS = {"labib": os.path.join(REPO, "inventories", "lab-ib", "design.yml"),
           "su1": os.path.join(REPO, "tests", "ib", "designs", "su1.yml"),
           "labibt": os.path.join(REPO, "tests", "ib", "designs", "labib-tenants.yml")}


def up(directory, design, *extra):
    return run_playbook(PLAYBOOK, "-e", "ib_twin_dir=%s" % directory, "-e", "ib_twin_design=%s" % design,
                        "-e", "ib_twin_fail_on=warning", *extra)


def read(path):
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read()


def load_plan(directory):
    with open(os.path.join(directory, "plan", "plan.json"), "r", encoding="utf-8") as handle:
        return json.load(handle)


def link_id(plan, device, port):
    for link in plan["links"]:
        if (device, port) in ((link["a_device"], link["a_port"]), (link["b_device"], link["b_port"])):
            return link["id"]
    raise AssertionError("no link at %s %s" % (device, port))


def faulty_run(clean_dir, faulty_dir, faults):
    """The clean twin's plan and role-rendered primary configuration, on a copy of the fabric with
    ``faults``: ibnetdiscover and the OpenSM log, checked against the plan."""
    plan = load_plan(clean_dir)
    view = FabricView(plan)
    text, meta = ib_twin.netfile(view, faults=faults)
    twin = ib_twin.Twin(faulty_dir)
    try:
        twin.up(text, meta)
        config = read(os.path.join(clean_dir, "etc", "primary", "opensm.conf"))
        log = os.path.join(faulty_dir, "primary.log")
        config = re.sub(r"(?m)^log_file .*$", "log_file " + log, config)
        config = re.sub(r"(?m)^dump_files_dir .*$", "dump_files_dir " + faulty_dir, config)
        path = os.path.join(faulty_dir, "opensm.conf")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(config)
        twin.start_sm("primary", path, meta["sm_ports"][0], log)
        discovered = twin.run(["ibnetdiscover", "--node-name-map", "/dev/null"]).stdout
        findings, _match = check_fabric(view, parse_ibnetdiscover(discovered), log=read(log),
                                        expected_engine="ftree", speed_cap=meta["speed_cap"])
        return findings
    finally:
        twin.down()


# IBTA codes of the planned IPoIB broadcast groups: MTU 4096 is 5; rate 100 Gb/s (the lab's EDR) is 16,
# 400 Gb/s (SU1's NDR; the twin's cables run at HDR, but the SM creates the group as configured) is 21.
IPOIB = {"labib": (5, 16), "su1": (5, 21), "labibt": (5, 16)}


def broadcast_groups(twin, sim_host=None):
    """``saquery -g`` as the port ``sim_host`` sees it (the SA lists the groups of its partitions):
    ``{mgid: {"mtu": code, "rate": code, "selectors": (mtu, rate)}}``."""
    out = twin.run(["saquery", "-g"], sim_host=sim_host).stdout
    groups = {}
    for block in out.split("MCMemberRecord group dump:")[1:]:
        fields = dict(re.findall(r"(\w+)\.{2,}(\S+)", block))
        mtu, rate = int(fields["Mtu"], 16), int(fields["Rate"], 16)
        groups[fields["MGID"]] = {"mtu": mtu & 0x3F, "rate": rate & 0x3F, "selectors": (mtu >> 6, rate >> 6)}
    return groups


def ipoib_mgid(pkey):
    """MGID of the IPv4 IPoIB broadcast group of a partition (RFC 4391, 4.1), full-member P_Key bit set."""
    return "ff12:401b:%04x::ffff:ffff" % (pkey | 0x8000)


def twin_pids(directory):
    state = json.loads(read(os.path.join(directory, "twin.json")))
    return [state["ibsim_pid"]] + [sm["pid"] for sm in state["sms"].values()]


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid, "r", encoding="utf-8") as handle:
            return handle.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.fixture(scope="module", params=["labib", "su1"])
def twin(request, tmp_path_factory):
    name = request.param
    directory = str(tmp_path_factory.mktemp("ib-twin-" + name))
    run = up(directory, DESIGNS[name])
    try:
        assert run.rc == 0, run
        yield name, directory, run
    finally:
        ib_twin.Twin(directory).down()


def test_opensm_brings_the_subnet_up_with_ftree_and_no_findings(twin):
    name, directory, run = twin
    assert "%s/compute: 0 error(s), 0 warning(s), 0 note(s)" % name in run.out
    primary = read(os.path.join(directory, "primary.log"))
    assert "ftree tables configured on all switches" in primary and "SUBNET UP" in primary
    assert "cannot build" not in primary and " ERR " not in primary
    assert "Entering STANDBY state" in read(os.path.join(directory, "standby.log"))
    sminfo = ib_twin.Twin(directory).run(["sminfo"]).stdout
    assert "priority 15" in sminfo and "SMINFO_MASTER" in sminfo


def test_the_ipoib_broadcast_group_has_the_planned_mtu_and_rate(twin):
    name, directory, _run = twin
    assert ", ipoib, mtu=5, rate=%d :" % IPOIB[name][1] in read(os.path.join(directory, "etc", "primary", "partitions.conf"))
    groups = broadcast_groups(ib_twin.Twin(directory))
    assert groups[ipoib_mgid(0x7FFF)] == {"mtu": IPOIB[name][0], "rate": IPOIB[name][1], "selectors": (2, 2)}, groups


def test_the_rendered_names_are_the_plan_names(twin):
    name, directory, _run = twin
    names = os.path.join(directory, "etc", "primary", "ib-node-name-map")
    out = ib_twin.Twin(directory).run(["ibnetdiscover", "--node-name-map", names]).stdout
    topo = parse_ibnetdiscover(out)
    view = FabricView(load_plan(directory))
    switch_descs = sorted(n["desc"] for n in topo.values() if n["type"] == "switch")
    assert switch_descs == sorted(view.switches)


def test_swapped_and_missing_cables_are_found_and_named(twin, tmp_path):
    name, directory, _run = twin
    plan = load_plan(directory)
    if name == "labib":
        faults = {"swap": [[link_id(plan, "labib-node-1", "rail0"), link_id(plan, "labib-node-2", "rail1")]],
                  "remove": [link_id(plan, "labib-leaf-2", "IB1/6")]}
        expected = [("labib-leaf-1", "IB1/1", "labib-leaf-1 IB1/1 is cabled to labib-node-2 rail1; the plan cables "
                     "labib-leaf-1 IB1/1 to labib-node-1 rail0 and labib-node-2 rail1 to labib-leaf-2 IB1/2"),
                    ("labib-leaf-2", "IB1/2", "labib-leaf-2 IB1/2 is cabled to labib-node-1 rail0; the plan cables "
                     "labib-leaf-2 IB1/2 to labib-node-2 rail1 and labib-node-1 rail0 to labib-leaf-1 IB1/1"),
                    ("labib-leaf-2", "IB1/6", "missing cable labib-leaf-2 IB1/6 - labib-spine-2 IB1/2 (compute-000012): "
                     "labib-leaf-2 IB1/6 has no link; labib-spine-2 IB1/2 has no link")]
    else:
        faults = {"swap": [[link_id(plan, "su1-leaf-1", "IB1/33"), link_id(plan, "su1-leaf-3", "IB1/40")]],
                  "remove": [link_id(plan, "su1-node-5", "ibp24s0")]}
        expected = [("su1-leaf-1", "IB1/33", "su1-leaf-1 IB1/33 is cabled to su1-spine-4 IB1/18; the plan cables "
                     "su1-leaf-1 IB1/33 to su1-spine-1 IB1/1 and su1-spine-4 IB1/18 to su1-leaf-3 IB1/40"),
                    ("su1-leaf-3", "IB1/40", "su1-leaf-3 IB1/40 is cabled to su1-spine-1 IB1/1; the plan cables "
                     "su1-leaf-3 IB1/40 to su1-spine-4 IB1/18 and su1-spine-1 IB1/1 to su1-leaf-1 IB1/33"),
                    ("su1-leaf-1", "IB1/5", "missing cable su1-leaf-1 IB1/5 - su1-node-5 ibp24s0 (%s): su1-leaf-1 "
                     "IB1/5 has no link; su1-node-5 ibp24s0 was not found in the fabric" % link_id(
                         plan, "su1-node-5", "ibp24s0"))]
    findings = faulty_run(directory, str(tmp_path / "faulty"), faults)
    assert [(f["device"], f["port"], f["message"]) for f in findings] == expected
    assert all(f["severity"] == "error" and f["check"] == "cabling" and f["fix"] for f in findings)


def test_a_second_run_changes_nothing(twin):
    name, directory, _run = twin
    if name != "labib":
        pytest.skip("once is enough: the lab twin")
    again = up(directory, DESIGNS[name])
    assert again.rc == 0 and again.changed == 0, again


def test_absent_ends_every_process_and_removes_the_twin(twin):
    name, directory, _run = twin
    if name != "labib":
        pytest.skip("once is enough: the lab twin (the fixture removes the others)")
    pids = twin_pids(directory)
    assert all(alive(pid) for pid in pids)
    down = run_playbook(PLAYBOOK, "-e", "ib_twin_dir=%s" % directory, "-e", "ib_twin_state=absent")
    assert down.rc == 0 and down.changed == 1, down
    assert not os.path.exists(directory)
    assert not any(alive(pid) for pid in pids)


def test_tenants_get_their_partitions(tmp_path):
    directory = str(tmp_path / "tenants")
    run = up(directory, DESIGNS["labibt"], "-e", "ib_twin_standby=false")
    try:
        assert run.rc == 0, run
        meta = json.loads(read(os.path.join(directory, "twin.json")))["meta"]
        twin = ib_twin.Twin(directory)

        def pkeys(label):
            out = twin.run(["smpquery", "pkeys", "-G", meta["port_guids"][label]]).stdout
            return sorted(set(re.findall(r"0x[0-9a-f]{4}", out)) - {"0x0000"})

        assert pkeys("labibt-node-1 rail1") == ["0x7fff", "0x8010"]    # blue: full 0x0010, limited default
        assert pkeys("labibt-node-3 rail0") == ["0x7fff", "0x8011"]    # green
        assert pkeys("labibt-node-4 rail1") == ["0xffff"]              # the rest: full default
        # Each partition's IPoIB broadcast group, seen from one of its members: 4096 bytes, 100 Gb/s.
        want = {"mtu": IPOIB["labibt"][0], "rate": IPOIB["labibt"][1], "selectors": (2, 2)}
        blue = broadcast_groups(twin, meta["node_ids"]["labibt-node-1 rail1"])
        green = broadcast_groups(twin, meta["node_ids"]["labibt-node-3 rail0"])
        assert blue == {ipoib_mgid(0x7FFF): want, ipoib_mgid(0x0010): want}, blue
        assert green == {ipoib_mgid(0x7FFF): want, ipoib_mgid(0x0011): want}, green
        assert "ERR" not in read(os.path.join(directory, "primary.log"))
    finally:
        ib_twin.Twin(directory).down()
