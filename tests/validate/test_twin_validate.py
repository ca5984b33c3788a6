# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/validate.yml against a lab twin of its own: clean, then one injected fault at a time.

The twin is the lab's fabric and GPU nodes without its head node and scheduler, named ``val`` (4
nodes, 2 rail leaves, 2 spines: tests/unit/fixtures/validate/design.yml, the design the recorded
fixtures are read against), brought up with
playbooks/lab.yml, its switches configured with playbooks/switches.yml and its nodes with the
host_network role (see tests/validate/twin.py). The clean twin must pass with no finding but the
skipped checks (no GPU, no RDMA, virtual NICs); each fault must fail the play with exactly one
finding that names it, everything it breaks being folded under that finding. Each fault is undone
and the fabric converged again before the next.

Needs root, podman, runc and the lab twin images (built on first use); skipped otherwise.
``REFARCH_VALIDATE_RECORD=1`` also stores what each run gathered as the unit-test fixtures
(tests/unit/fixtures/validate/twin-SCENARIO.json).
"""

from __future__ import annotations

import os
import warnings

import pytest

from twin import VALIDATE_DESIGN, ValidateTwin, why_not_usable  # pylint: disable=import-error

pytestmark = pytest.mark.lab

RECORD = os.environ.get("REFARCH_VALIDATE_RECORD") == "1"
WORKDIR_NAME = "validate-twin"


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    reason = why_not_usable()
    if reason:
        pytest.skip(reason)
    t = ValidateTwin(tmp_path_factory.mktemp(WORKDIR_NAME), design=VALIDATE_DESIGN, name="val")
    try:
        t.up()
        by = t.configure()
        if by != "host_network":
            warnings.warn("GPU nodes configured from the plan by the test (roles/host_network %s)" % (
                "failed or did not set the addresses" if hasattr(t, "host_network_error") else "does not exist yet"))
        t.wait_converged()
        yield t
    finally:
        t.down()
        print("\nvalidate twin timings (s): %s; nodes configured by %s" % (
            ", ".join("%s %.1f" % kv for kv in t.times.items()), t.hosts_configured_by))


def problems(report):
    return [f for f in report["findings"] if f["severity"] != "info"]


def check(twin, scenario):
    rc, report, output = twin.validate(scenario, record=RECORD)
    assert report is not None, "no validation.json written:\n%s" % output[-6000:]
    if RECORD:
        twin.record(scenario)
    return rc, report, output


def only(report, output):
    found = problems(report)
    assert len(found) == 1, "expected exactly one finding, got:\n%s\n%s" % (
        "\n".join("%(severity)s %(check)s %(device)s %(port)s: %(message)s" % f for f in found), output[-3000:])
    return found[0]


def test_clean_twin_passes_with_no_findings(twin):
    rc, report, output = check(twin, "clean")
    assert rc == 0, output[-6000:]
    assert report["passed"] and problems(report) == [], output[-6000:]
    assert all(f["status"] == "skipped" for f in report["findings"])
    assert {f["check"] for f in report["findings"]} >= {"gpu", "rdma_bw", "nic"}
    assert report["checked"]["cables_lldp"] == len(twin.plan["links"])
    # Read back beyond the ports: 8 policy rules, 16 routes (a subnet and a default per rail NIC),
    # the nodes' ARP/rp_filter and the switches' forwarding settings, 4 nccl.conf files.
    assert report["checked"]["host_rules"] == 8 and report["checked"]["host_routes"] == 16
    assert report["checked"]["sysctls"] == 4 * 12 + 4 * 3 and report["checked"]["files"] == 4
    assert report["checked"]["gateway_mtus"] == 2 and report["checked"]["services"] == 8
    assert "validation of val: PASSED" in output
    md = (twin.plan_dir / "validation.md").read_text()
    assert md.startswith("# Validation of val") and "**PASSED**" in md


def test_two_cables_swapped_between_leaf_ports(twin):
    swap = ("ip link set swp1 down; ip link set swp2 down; ip link set swp1 name swpx; "
            "ip link set swp2 name swp1; ip link set swpx name swp2; ip link set swp1 up; ip link set swp2 up")
    twin.exec("val-leaf-1", swap)
    # Re-plugging a cable flushes what LLDP knew about it: restart lldpd at every moved end.
    for name in ("val-leaf-1", "val-node-1", "val-node-2"):
        twin.exec(name, "systemctl restart lldpd")
    try:
        rc, report, output = check(twin, "swapped-cables")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["peer_port"]) == (
            "cabling", "val-leaf-1", "swp1", "swp2")
        assert "swp1 has val-node-2 rail0, swp2 has val-node-1 rail0" in finding["message"]
        assert finding["fix"] == "swap the cables in val-leaf-1 ports swp1 and swp2"
    finally:
        twin.exec("val-leaf-1", swap)
        for name in ("val-leaf-1", "val-node-1", "val-node-2"):
            twin.exec(name, "systemctl restart lldpd")
        twin.wait_converged()


def test_a_link_taken_down(twin):
    twin.exec("val-leaf-1", "ip link set swp5 down")
    try:
        rc, report, output = check(twin, "link-down")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["peer_device"], finding["peer_port"]) == (
            "link", "val-leaf-1", "swp5", "val-spine-1", "swp1")
        assert "administratively down" in finding["message"]
        explained = " / ".join(finding["explains"])
        assert "BGP val-leaf-1 swp5 <-> val-spine-1 swp1" in explained
        assert "ECMP val-leaf-1 -> val-leaf-2" in explained
    finally:
        twin.exec("val-leaf-1", "ip link set swp5 up")
        twin.wait_converged()


def test_a_wrong_mtu_on_one_switch_port(twin):
    twin.exec("val-leaf-1", "ip link set swp2 mtu 1500")
    try:
        rc, report, output = check(twin, "port-mtu")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["expected"], finding["observed"]) == (
            "mtu", "val-leaf-1", "swp2", 9216, 1500)
        # The bridge of the leaf follows its smallest port MTU: the gateway's MTU is explained too.
        assert "gateway 198.18.64.1/29 on br-rail: MTU 1500, plan 9216" in finding["explains"]
        assert all("don't-fragment" in t for t in finding["explains"] if not t.startswith("gateway "))
    finally:
        twin.exec("val-leaf-1", "ip link set swp2 mtu 9216")
        twin.wait_converged()


def test_bgpd_stopped_on_one_spine(twin):
    twin.exec("val-spine-1", "sed -i 's/^bgpd=yes/bgpd=no/' /etc/frr/daemons && systemctl restart frr")
    try:
        rc, report, output = check(twin, "bgpd-stopped")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"]) == ("bgp", "val-spine-1")
        assert "bgpd is not running" in finding["message"]
        explained = " / ".join(finding["explains"])
        assert "BGP val-leaf-1 swp5 <-> val-spine-1 swp1" in explained
        assert "BGP val-leaf-2 swp5 <-> val-spine-1 swp2" in explained
    finally:
        twin.exec("val-spine-1", "sed -i 's/^bgpd=no/bgpd=yes/' /etc/frr/daemons && systemctl restart frr")
        twin.wait_converged()


def test_one_nodes_rail_address_changed(twin):
    planned = [i for i in twin.plan["devices"]["val-node-3"]["interfaces"] if i["name"] == "rail1"][0]["address"]
    assert planned == "198.18.64.12/29"
    twin.exec("val-node-3", "ip addr del 198.18.64.12/29 dev rail1 && ip addr add 198.18.64.14/29 dev rail1")
    try:
        rc, report, output = check(twin, "rail-address")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["expected"], finding["observed"]) == (
            "address", "val-node-3", "rail1", "198.18.64.12/29", ["198.18.64.14/29"])
        # The three other nodes' pings to it, and the two routes of its table the kernel dropped with it.
        assert len(finding["explains"]) == 5
        assert "val-node-3: route default via 198.18.64.9 dev rail1 table 102 is missing" in finding["explains"]
    finally:
        twin.exec("val-node-3", "ip addr del 198.18.64.14/29 dev rail1 || true")
        if twin.hosts_configured_by == "host_network":
            # The role's files did not change, so running it again would not touch the NIC: have
            # systemd-networkd apply them again (address, routing table, rule).
            twin.exec("val-node-3", "networkctl reconfigure rail1")
        else:
            twin.exec("val-node-3", twin.host_script("val-node-3"))
        twin.wait_converged()
        assert twin.addresses_in_place(["val-node-3"])


# ------------------------------------------------- state the roles set beyond the ports (read back)

def test_a_policy_rule_deleted_on_a_node(twin):
    twin.exec("val-node-2", "ip rule del priority 1002")
    try:
        rc, report, output = check(twin, "rule-deleted")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"]) == ("host_routing", "val-node-2", "rail1")
        assert "no policy rule 'from 198.18.64.11 lookup refarch_rail1' (priority 1002)" in finding["message"]
    finally:
        twin.exec("val-node-2", "ip rule show priority 1002 | grep -q . || ip rule add from 198.18.64.11 "
                                "table 102 priority 1002")
        twin.wait_converged()


def test_an_unplanned_route_in_a_nic_table(twin):
    twin.exec("val-node-2", "ip route add 198.18.96.0/24 dev rail0 table 101")
    try:
        rc, report, output = check(twin, "unplanned-route")
        finding = only(report, output)
        assert rc == 0, "an unplanned route is a warning, not an error"
        assert (finding["severity"], finding["check"], finding["device"], finding["port"]) == (
            "warning", "host_routing", "val-node-2", "rail0")
        assert "198.18.96.0/24 dev rail0 in table refarch_rail0 is not in the plan" in finding["message"]
    finally:
        twin.exec("val-node-2", "ip route del 198.18.96.0/24 dev rail0 table 101 || true")


def test_reverse_path_filter_reset_on_a_node(twin):
    twin.exec("val-node-3", "echo 1 > /proc/sys/net/ipv4/conf/rail0/rp_filter")
    try:
        rc, report, output = check(twin, "rp-filter")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"]) == ("sysctl", "val-node-3")
        assert finding["observed"] == {"net.ipv4.conf.rail0.rp_filter": "1"}
        assert "sysctl -w net.ipv4.conf.rail0.rp_filter=2" in finding["fix"]
    finally:
        twin.exec("val-node-3", "echo 2 > /proc/sys/net/ipv4/conf/rail0/rp_filter")


def test_an_address_configured_twice(twin):
    # val-node-1's rail0 address, added to val-node-4's rail0 as well.
    twin.exec("val-node-4", "ip addr add 198.18.64.2/29 dev rail0")
    try:
        rc, report, output = check(twin, "duplicate-address")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["peer_device"], finding["peer_port"]) == (
            "address", "val-node-4", "rail0", "val-node-1", "rail0")
        assert finding["message"] == ("duplicate address 198.18.64.2: the plan gives it to val-node-1 rail0, and "
                                      "val-node-4 rail0 has it too")
    finally:
        twin.exec("val-node-4", "ip addr del 198.18.64.2/29 dev rail0 || true")
        twin.wait_converged()


def test_the_gateway_mtu_lowered_on_a_leaf(twin):
    twin.exec("val-leaf-2", "ip link set br-rail mtu 1500")
    try:
        rc, report, output = check(twin, "gateway-mtu")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"], finding["port"], finding["expected"], finding["observed"]) == (
            "mtu", "val-leaf-2", "br-rail", 9216, 1500)
    finally:
        twin.exec("val-leaf-2", "ip link set br-rail mtu 9216")
        twin.wait_converged()


def test_nccl_conf_edited_by_hand(twin):
    if twin.hosts_configured_by != "host_network":
        pytest.skip("nccl.conf is written by roles/host_network, which did not configure the nodes")
    twin.exec("val-node-1", "cp /etc/nccl.conf /etc/nccl.conf.saved && echo NCCL_IB_HCA=mlx5_9 >> /etc/nccl.conf")
    try:
        rc, report, output = check(twin, "nccl-conf")
        finding = only(report, output)
        assert rc != 0
        assert (finding["check"], finding["device"]) == ("nccl_conf", "val-node-1")
        assert "NCCL_IB_HCA=mlx5_9 (want unset)" in finding["message"]
    finally:
        twin.exec("val-node-1", "mv /etc/nccl.conf.saved /etc/nccl.conf")
