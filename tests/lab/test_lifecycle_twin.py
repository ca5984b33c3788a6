# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lifecycle in the twin: inventory and drift, the batch plan, a roll that stops, its resume.

On the Slurm twin (slurm_twin.py, after test_slurm_twin.py), with:

* a signed local APT repository of stand-in packages (tests/gpu_host/build_repo.py, profile lab:
  the stand-in nvidia-smi prints two lab GPUs), copied into every node, and driver branch 570
  installed from it with apt-get before the tests: the lab design's baseline asks for 575.51.03,
  which the roll installs with the gpu_host role;
* one Redfish emulator per node (sushy-tools' sushy-static on 127.0.0.1, over TLS) serving a mock
  tree authored for the catalog's lab-node (tests/lifecycle/redfish_mock.py): node 4's BMC one
  release behind the baseline.

The tests run the operator's routine (docs/lifecycle.md): the inventory (drift.md names the
driver of every node and node 4's BMC, the switches' FRR at the baseline); the roll with --check
(the batch plan, one node of each SU per batch, and nothing drained or installed); the roll with a
node of the first batch broken (a rail at the wrong MTU): it waits for a running job to finish
before the update, stops after the batch fails validation, leaves the batch drained in Slurm and
the second batch untouched, and says how to resume; then, the MTU fixed, the inventory and the roll
again: the drained batch is validated and resumed first, the second batch updated, every node back
in Slurm on the baseline driver.

Then the switches: the design's baseline moved to the next NOS release (Debian's own frr under a
new version, tests/lifecycle/nos_repo.py, in an APT repository on every switch) and planned again,
the inventory shows every switch drifting, and the roll takes them one per redundancy group and
half a rail's leaves at a time (two batches of a spine and two leaves of different SUs and rails),
each drained by BGP graceful shutdown, upgraded, back with every BGP neighbour and validated.

Containers cannot reboot: the lab's roll runs with lifecycle_reboot false (the stand-in driver
"runs" as soon as it is installed). Needs what the lab twin needs (root, podman, runc) and
sushy-tools; skipped otherwise. About 8 minutes on 2 cores after test_slurm_twin.py.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import pytest
import yaml

from slurm_twin import HEAD, NODES, ROOT, idle, run, slurm  # pylint: disable=import-error

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lifecycle"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gpu_host"))
import build_repo  # noqa: E402  pylint: disable=import-error,wrong-import-position
import nos_repo  # noqa: E402  pylint: disable=import-error,wrong-import-position
from redfish_mock import BmcEmulators, find_sushy_static, write_mockup  # noqa: E402  pylint: disable=import-error,wrong-import-position

pytestmark = pytest.mark.lab

OLD, NEW = "570.133.20", "575.51.03"
BROKEN = NODES[2]            # node 3, SU 2: in the first batch with node 1
REASON = "refarch lifecycle: batch 1 of 2"


def versions(node):
    """What each node's BMC serves: the baseline's, node 4's BMC one release behind."""
    return {"bmc": "1.3.0" if node == NODES[3] else "1.4.0", "bios": "2.1.0",
            "firmware": {"GPU0": "96.00.B1", "GPU1": "96.00.B1"}}


@pytest.fixture(scope="module")
def lab(pool, tmp_path_factory):
    if not find_sushy_static():
        pytest.skip("sushy-static is not installed (pip install sushy-tools)")
    idle(pool)      # no job of the pool's tests left to wait for
    repo = ROOT / "build" / "test-repos" / "gpu-host-lab"
    build_repo.main(str(repo), "lab")
    # The twin's hosts have no network: like air-gapped hosts next to a mirror, their packages come
    # from the repositories the test gives them only.
    air_gapped = "echo '# air-gapped: packages come from the mirror only' > /etc/apt/sources.list"
    for node in NODES:
        pool.exec(node, air_gapped + " && rm -rf /srv/refarch-test-repo && mkdir -p /srv")
        out = run(["podman", "cp", str(repo), "%s:/srv/refarch-test-repo" % node], timeout=120)
        assert out.returncode == 0, out.stderr
    catalog = yaml.safe_load((ROOT / "catalog" / "servers.yml").read_text())["servers"]
    trees = tmp_path_factory.mktemp("bmc")
    with BmcEmulators(log_dir=str(trees)) as bmcs:
        for node in NODES:
            write_mockup(str(trees / node), "lab-node", catalog["lab-node"], versions(node))
            bmcs.start(node, str(trees / node))
        (pool.dir / "host_vars").mkdir(exist_ok=True)
        for node in NODES:
            (pool.dir / "host_vars" / (node + ".yml")).write_text(yaml.safe_dump(
                {"lifecycle_bmc_baseuri": bmcs.baseuris[node]}))
        gpu_nodes = pool.dir / "group_vars" / "gpu_nodes.yml"
        settings = yaml.safe_load(gpu_nodes.read_text())
        settings.update({
            # The NVIDIA stack from the stand-in repository (the lab's own group_vars skip it).
            "gpu_hosts_nvidia_software": True,
            "gpu_host_package_source": "mirror",
            "gpu_host_repositories": [{"name": "test-mirror", "uris": "file:/srv/refarch-test-repo/", "suites": "/",
                                       "key_content": (repo / "key.asc").read_text()}],
            "gpu_host_driver_flavor": "proprietary",
            # The roll is about the driver: the twin's nodes get nothing else of NVIDIA's stack.
            "gpu_host_install_cuda_toolkit": False, "gpu_host_install_dcgm": False,
            "gpu_host_install_container_toolkit": False,
            # The emulators check no password; a real BMC's come from Ansible Vault.
            "lifecycle_bmc_username": "lab", "lifecycle_bmc_password": "lab-not-a-secret",
            "lifecycle_bmc_ca_path": bmcs.ca_path,
            "lifecycle_reboot": False,
        })
        gpu_nodes.write_text(yaml.safe_dump(settings, sort_keys=False))
        # Where the roll starts from: driver 570 installed from the repository by hand, the source
        # then removed (the roll's gpu_host adds the repository its own way).
        source = ("printf 'Types: deb\\nURIs: file:/srv/refarch-test-repo/\\nSuites: /\\n"
                  "Signed-By: /srv/refarch-test-repo/key.asc\\n' > /etc/apt/sources.list.d/refarch-start.sources")
        install = " ".join("%s=%s-1" % (p, OLD) for p in ("cuda-drivers-570", "nvidia-driver-cuda", "nvidia-kernel-dkms",
                                                          "nvidia-persistenced"))
        for node in NODES:
            out = run(["podman", "exec", node, "sh", "-ec", "%s && apt-get -q update >/dev/null && DEBIAN_FRONTEND="
                       "noninteractive apt-get -q -y install %s >/dev/null && rm /etc/apt/sources.list.d/refarch-start.sources"
                       % (source, install)], timeout=600)
            assert out.returncode == 0, out.stdout + out.stderr
        pool.lifecycle = pool.plan_dir / "lifecycle"
        pool.switches = [n for n, d in pool.plan["devices"].items() if d["role"] in ("leaf", "spine")]
        # The switches' next NOS release: their own frr under a new version, from a repository
        # each switch has in its APT sources (an operator's mirror).
        running = pool.exec(pool.switches[0], "dpkg-query -W --showformat='${Version}' frr").stdout.strip()
        nos = ROOT / "build" / "test-repos" / "lab-nos"
        pool.nos = (running, nos_repo.main(str(nos), running))
        for switch in pool.switches:
            pool.exec(switch, air_gapped + " && rm -rf /srv/refarch-nos-repo && mkdir -p /srv")
            out = run(["podman", "cp", str(nos), "%s:/srv/refarch-nos-repo" % switch], timeout=120)
            assert out.returncode == 0, out.stderr
            pool.exec(switch, "printf 'Types: deb\\nURIs: file:/srv/refarch-nos-repo/\\nSuites: /\\n"
                              "Signed-By: /srv/refarch-nos-repo/key.asc\\n' > /etc/apt/sources.list.d/refarch-nos.sources")
        yield pool


def inventory(twin, label):
    twin.must(label, "-i", twin.inventory, "playbooks/lifecycle_inventory.yml", "-e", "plan_dir=%s" % twin.plan_dir)
    with open(twin.lifecycle / "drift.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def roll(twin, label, *extra):
    return twin.playbook(label, "-i", twin.inventory, "playbooks/lifecycle_roll.yml", "-e",
                         "plan_dir=%s" % twin.plan_dir, *extra, timeout=1500)


def drivers(twin):
    out = {}
    for node in NODES:
        text = twin.exec(node, "nvidia-smi -q -x | grep -o '<driver_version>[^<]*'").stdout
        out[node] = text.split(">", 1)[1].strip()
    return out


def nodes_state():
    lines = slurm(None, "sinfo --noheader --Node --format='%N|%T|%E'").splitlines()
    return {n: (s, r) for n, s, r in (line.split("|", 2) for line in lines)}


def answered_state(timeout_s=90):
    """nodes_state once every node answers slurmctld's pings again: sinfo marks a node that has
    not answered the last one with "*" (idle*), which on two loaded cores can outlast a roll's
    last step by some seconds. The last state read after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    state = nodes_state()
    while any(s.endswith("*") for s, _r in state.values()) and time.monotonic() < deadline:
        time.sleep(3)
        state = nodes_state()
    return state


def test_the_drift_report_names_each_node_s_driver_and_the_bmc_behind(lab):
    rows = inventory(lab, "inventory")
    drift = {(r["device"], r["component"], r["item"]): (r["expected"], r["observed"]) for r in rows
             if r["status"] == "drift"}
    expected = {(n, "driver_version", ""): (NEW, OLD) for n in NODES}
    expected[(NODES[3], "bmc", "")] = ("1.4.0", "1.3.0")
    assert drift == expected, drift
    ok = {(r["device"], r["component"]) for r in rows if r["status"] == "ok"}
    # Read over Redfish through community.general.redfish_info, and FRR's release on every switch.
    assert {(n, c) for n in NODES for c in ("bios", "firmware")} <= ok
    switches = [n for n, d in lab.plan["devices"].items() if d["role"] in ("leaf", "spine")]
    assert {(s, "nos_version") for s in switches} <= ok and len(switches) == 6
    assert not [r for r in rows if r["status"] == "unknown"], rows
    saved = json.loads((lab.lifecycle / "inventory.json").read_text())
    assert saved["devices"][NODES[3]]["versions"]["firmware"] == {
        "BMC": "1.3.0", "BIOS": "2.1.0", "GPU0": "96.00.B1", "GPU1": "96.00.B1"}
    text = (lab.lifecycle / "drift.md").read_text()
    assert "| %s | lab-node | bmc | 1.4.0 | 1.3.0 |" % NODES[3] in text


def test_check_prints_the_batch_plan_and_changes_nothing(lab):
    out = roll(lab, "roll check", "--check")
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-5000:]
    assert "batch 1: %s (driver_version %s -> %s), %s (driver_version %s -> %s)" % (
        NODES[0], OLD, NEW, NODES[2], OLD, NEW) in text, text[-5000:]
    assert "batch 2: %s" % NODES[1] in text and "not rolled: %s: bmc 1.3.0 -> 1.4.0" % NODES[3] in text
    assert not (lab.lifecycle / "roll-plan.md").exists()
    assert all(state in ("idle", "mixed") for state, _r in nodes_state().values()), nodes_state()
    assert set(drivers(lab).values()) == {OLD}


def test_a_batch_that_fails_validation_stops_the_roll_drained(lab):
    lab.exec(BROKEN, "ip link set rail1 mtu 1500")
    # A job on node 1 when the roll begins: the drain lets it finish before the update.
    job = slurm(lab, "sbatch --parsable --account=product --nodelist=%s --wrap='sleep 15'" % NODES[0]).strip()
    out = roll(lab, "roll stops")
    text = out.stdout + out.stderr
    assert out.returncode != 0, text[-5000:]
    assert "Batch 1 (%s, %s) failed: validation" % (NODES[0], BROKEN) in text, text[-6000:]
    assert slurm(lab, "sacct -n -X -j %s -o State" % job).split() == ["COMPLETED"]
    state = answered_state()
    assert state[NODES[0]][0] == state[BROKEN][0] == "drained", state
    assert state[NODES[0]][1] == state[BROKEN][1] == REASON
    assert state[NODES[1]][0] == state[NODES[3]][0] == "idle", state
    assert drivers(lab) == {NODES[0]: NEW, NODES[1]: OLD, BROKEN: NEW, NODES[3]: OLD}
    report = (lab.lifecycle / "batch-1" / "validation.md").read_text()
    assert BROKEN in report and "rail1" in report and "1500" in report
    stopped = (lab.lifecycle / "roll-stopped.md").read_text()
    assert "stopped at batch 1 of 2" in stopped and "Not touched: %s, %s." % (NODES[1], NODES[3]) in stopped
    assert json.loads((lab.lifecycle / "roll-state.json").read_text())["stopped"]["devices"] == [NODES[0], BROKEN]


def test_the_rerun_finishes_the_drained_batch_first_then_the_rest(lab):
    lab.exec(BROKEN, "ip link set rail1 mtu 9000")
    rows = inventory(lab, "inventory again")
    assert {r["device"] for r in rows if r["status"] == "drift" and r["component"] == "driver_version"} \
        == {NODES[1], NODES[3]}
    out = roll(lab, "roll resumes")
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-8000:]
    assert "left drained by the roll that stopped before, done first: %s, %s" % (NODES[0], BROKEN) in text
    assert "batch 2: %s (driver_version %s -> %s), %s (" % (NODES[1], OLD, NEW, NODES[3]) in text, text[-6000:]
    state = answered_state()
    assert all(s == "idle" for s, _r in state.values()), state
    assert set(drivers(lab).values()) == {NEW}
    assert json.loads((lab.lifecycle / "roll-state.json").read_text())["status"] == "done"
    assert not (lab.lifecycle / "roll-stopped.md").exists()
    rows = inventory(lab, "inventory after")
    assert [(r["device"], r["component"]) for r in rows if r["status"] == "drift"] == [(NODES[3], "bmc")]
    assert HEAD not in {r["device"] for r in rows}


def test_the_switches_roll_one_per_redundancy_group_to_the_next_nos_release(lab):
    running, target = lab.nos
    raw = yaml.safe_load(lab.design.read_text())
    raw["lifecycle"]["baseline"]["lab-switch"]["nos_version"] = target
    lab.design.write_text(yaml.safe_dump(raw, sort_keys=False))
    lab.must("plan again", "playbooks/plan.yml", "-e", "design=%s" % lab.design, "-e", "plan_dir=%s" % lab.plan_dir)
    rows = inventory(lab, "inventory switches")
    assert sorted((r["device"], r["expected"], r["observed"]) for r in rows if r["status"] == "drift"
                  and r["component"] == "nos_version") == sorted((s, target, running) for s in lab.switches)
    out = roll(lab, "roll switches")
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-8000:]
    change = "(nos_version %s -> %s)" % (running, target)
    assert "batch 1 (switches): %s, %s, %s" % tuple("%s-%s %s" % ("slm", n, change) for n in ("spine-1", "leaf-1", "leaf-4")) \
        in text, text[-6000:]
    assert "batch 2 (switches): %s, %s, %s" % tuple("%s-%s %s" % ("slm", n, change) for n in ("spine-2", "leaf-2", "leaf-3")) \
        in text
    for batch in (1, 2):
        report = json.loads((lab.lifecycle / ("batch-%d" % batch) / "validation.json").read_text())
        assert report["passed"] and len(report["devices"]["gathered"]) == 3, report["counts"]
    for switch in lab.switches:
        assert lab.exec(switch, "dpkg-query -W --showformat='${Version}' frr").stdout.strip() == target
        # Back in traffic: no route is announced with the graceful shutdown community any more.
        assert "graceful-shutdown" not in lab.exec(switch, "vtysh -c 'show running-config'").stdout
    after = inventory(lab, "inventory after switches")
    assert not [r for r in after if r["status"] == "drift" and r["component"] == "nos_version"]
