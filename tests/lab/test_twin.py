# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab twin, end to end: playbooks/lab.yml up, wiring seen from inside, up again, down.

Needs root, podman (with runc), iproute2 and ansible-playbook on this host; skipped otherwise.
When the images are not cached yet, the first bring-up builds them (debootstrap from
deb.debian.org, about a minute each). The containers have no network but their veths, so
nothing here talks to any address outside the twin.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "lab-plan.json"
PLAYBOOK = ROOT / "playbooks" / "lab.yml"
BUILD = ROOT / "roles" / "lab_twin" / "files" / "build-image.sh"
LABEL = "refarch.lab"
UP_LIMIT_S = 60
DOWN_LIMIT_S = 20
# The twin under test gets its own names so that it never meets a lab twin brought up from the
# same fixture or plan on this host (make lab): "lab-node-1" runs as "tt-lab-node-1".
PREFIX = "tt-"
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def _renamed(plan, prefix):
    """The plan with the lab and every device renamed (each string equal to a device name)."""
    names = set(plan["devices"]) | {plan["name"]}

    def walk(value):
        if isinstance(value, dict):
            return dict((walk(k), walk(v)) for k, v in value.items())
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and value in names:
            return prefix + value
        return value

    return walk(plan)


def _run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)


def _ansible_playbook():
    beside = Path(sys.executable).with_name("ansible-playbook")
    return str(beside) if beside.exists() else shutil.which("ansible-playbook")


def _why_not_usable():
    """Why this host cannot run the twin, or None."""
    if not sys.platform.startswith("linux"):
        return "the lab twin needs Linux"
    if os.geteuid() != 0:
        return "the lab twin needs root (podman containers wired by veths in their namespaces)"
    for tool in ("podman", "ip", "nsenter"):
        if not shutil.which(tool):
            return "%s is not installed (apt-get install podman runc iproute2 util-linux)" % tool
    if not _ansible_playbook():
        return "ansible-playbook is not installed"
    info = _run(["podman", "info", "--format", "json"])
    if info.returncode != 0:
        return "podman is not usable here: %s" % (info.stderr.strip() or info.stdout.strip())[:300]
    if not shutil.which("runc"):
        return "runc is not installed (the twin runs its containers with --runtime runc)"
    return None


def _images_cached():
    for recipe in ("node", "switch"):
        ref = _run([str(BUILD), "--ref", recipe]).stdout.strip()
        if not ref or _run(["podman", "image", "exists", ref]).returncode != 0:
            return False
    return True


def _lab_containers(lab):
    out = _run(["podman", "ps", "-a", "--filter", "label=%s=%s" % (LABEL, lab), "--format", "{{.Names}}"])
    assert out.returncode == 0, out.stderr
    return sorted(n for n in out.stdout.split() if n)


def _host_links():
    out = _run(["ip", "-j", "link", "show"])
    assert out.returncode == 0, out.stderr
    return sorted((i["ifindex"], i["ifname"], i.get("link_type")) for i in json.loads(out.stdout))


class Twin:
    """Runs playbooks/lab.yml against a copy of the fixture plan."""

    def __init__(self, tmp):
        self.plan_dir = tmp / "plan"
        self.plan_dir.mkdir()
        self.plan = _renamed(json.loads(FIXTURE.read_text()), PREFIX)
        (self.plan_dir / "plan.json").write_text(json.dumps(self.plan, indent=1))
        self.lab = self.plan["name"]
        colls = tmp / "collections" / "ansible_collections" / "refarch"
        colls.mkdir(parents=True)
        (colls / "ai_cluster").symlink_to(ROOT)
        self.env = dict(os.environ)
        paths = [str(tmp / "collections")] + [p for p in self.env.get("ANSIBLE_COLLECTIONS_PATH", "").split(":") if p]
        self.env.update(
            ANSIBLE_COLLECTIONS_PATH=":".join(paths),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_RETRY_FILES_ENABLED="false",
        )
        self.times = {}

    def play(self, state, *extra, label=None):
        argv = [_ansible_playbook(), str(PLAYBOOK), "-e", "lab_state=%s" % state,
                "-e", "plan_dir=%s" % self.plan_dir] + list(extra)
        start = time.monotonic()
        out = _run(argv, env=self.env, cwd=str(ROOT), timeout=900)
        self.times[label or state] = time.monotonic() - start
        text = out.stdout + out.stderr
        recap = RECAP.search(out.stdout)
        assert out.returncode == 0 and recap, "ansible-playbook %s failed:\n%s" % (state, text[-6000:])
        ok, changed, unreachable, failed = (int(x) for x in recap.groups())
        assert failed == 0 and unreachable == 0, text[-6000:]
        return changed, text

    def links_of(self, name):
        """Interfaces seen from inside the container, by name."""
        out = _run(["podman", "exec", name, "ip", "-j", "-d", "link", "show"])
        assert out.returncode == 0, "podman exec %s: %s" % (name, out.stderr)
        return dict((i["ifname"], i) for i in json.loads(out.stdout))


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    reason = _why_not_usable()
    if reason:
        pytest.skip(reason)
    t = Twin(tmp_path_factory.mktemp("lab-twin"))
    clash = _lab_containers(t.lab) + [
        n for n in t.plan["devices"] if _run(["podman", "container", "exists", n]).returncode == 0]
    if clash:
        pytest.skip("a lab twin or containers named as the fixture's devices already exist on this host "
                    "(%s); bring it down first (ansible-playbook playbooks/lab.yml -e lab_state=absent)"
                    % ", ".join(sorted(set(clash))))
    t.images_cached = _images_cached()
    t.host_before = _host_links()
    try:
        t.first_changed, t.first_output = t.play("present", label="up")
        yield t
    finally:
        _run([_ansible_playbook(), str(PLAYBOOK), "-e", "lab_state=absent", "-e", "plan_dir=%s" % t.plan_dir],
             env=t.env, cwd=str(ROOT), timeout=300)
        print("\nlab twin timings (s):", ", ".join("%s %.1f" % kv for kv in t.times.items()),
              "(images were %s)" % ("cached" if t.images_cached else "built"))


def test_up_creates_a_container_per_device(twin):
    assert twin.first_changed > 0
    assert _lab_containers(twin.lab) == sorted(twin.plan["devices"])
    for name in twin.plan["devices"]:
        out = _run(["podman", "inspect", "--format", "{{.State.Status}} {{.Config.Hostname}}", name])
        assert out.stdout.split() == ["running", name]
    if twin.images_cached:
        assert twin.times["up"] < UP_LIMIT_S


def test_every_cable_is_a_veth_pair_between_the_planned_ports(twin):
    seen = dict((name, twin.links_of(name)) for name in twin.plan["devices"])
    mtu = dict(((d["name"], i["name"]), i.get("mtu"))
               for d in twin.plan["devices"].values() for i in d.get("interfaces") or [])
    # Veth indexes are unique across the twin, so a peer index names exactly one end.
    indexes = [i["ifindex"] for itfs in seen.values() for i in itfs.values()
               if (i.get("linkinfo") or {}).get("info_kind") == "veth"]
    assert len(indexes) == len(set(indexes)) == 2 * len(twin.plan["links"])
    for link in twin.plan["links"]:
        a = seen[link["a_device"]].get(link["a_port"])
        b = seen[link["b_device"]].get(link["b_port"])
        cable = "%(a_device)s:%(a_port)s <-> %(b_device)s:%(b_port)s" % link
        assert a is not None, "%s: no %s in %s" % (cable, link["a_port"], link["a_device"])
        assert b is not None, "%s: no %s in %s" % (cable, link["b_port"], link["b_device"])
        for end, dev, port in ((a, link["a_device"], link["a_port"]), (b, link["b_device"], link["b_port"])):
            assert end["linkinfo"]["info_kind"] == "veth", cable
            assert "link_netnsid" in end, "%s: the peer of %s:%s is not in another namespace" % (cable, dev, port)
            assert "UP" in end["flags"], "%s: %s:%s is down" % (cable, dev, port)
            if mtu.get((dev, port)):
                assert end["mtu"] == mtu[(dev, port)], "%s: MTU of %s:%s" % (cable, dev, port)
        assert a["link_index"] == b["ifindex"] and b["link_index"] == a["ifindex"], \
            "%s: the two ends are not peers" % cable
        # The same seen through sysfs.
        iflink = _run(["podman", "exec", link["a_device"], "cat", "/sys/class/net/%s/iflink" % link["a_port"]])
        assert int(iflink.stdout) == b["ifindex"], cable


def test_second_up_changes_nothing(twin):
    changed, text = twin.play("present", label="second up")
    assert changed == 0, text[-4000:]
    changed, text = twin.play("present", "--check", label="check up")
    assert changed == 0, text[-4000:]


def test_down_removes_every_container_and_veth(twin):
    changed, text = twin.play("absent", label="down")
    assert changed > 0, text[-4000:]
    assert twin.times["down"] < DOWN_LIMIT_S
    assert _lab_containers(twin.lab) == []
    assert _host_links() == twin.host_before
    changed, text = twin.play("absent", label="second down")
    assert changed == 0, text[-4000:]
