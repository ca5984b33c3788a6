# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lab twin of its own for validation tests and benchmarks, driven by the collection's playbooks.

``ValidateTwin(workdir, design, name)`` copies a design under another name (so that its containers
never meet another twin's), writes an inventory of the ``refarch.ai_cluster.design`` plugin for it,
and runs, from the collection root: ``playbooks/plan.yml``, ``playbooks/lab.yml`` (up and down),
``playbooks/switches.yml`` (FRR, bridge, lldpd on the switches), the ``host_network`` role on the
GPU nodes (or, while that role does not exist or does not converge, the same addresses and
per-NIC routing tables set directly from the plan, which is reported), and
``playbooks/validate.yml``. The containers have no network but their cables: all traffic stays
between them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.host_network import network_plan

ROOT = Path(__file__).resolve().parents[2]
LAB_DESIGN = ROOT / "inventories" / "lab" / "design.yml"
LARGE_DESIGN = ROOT / "inventories" / "lab-large" / "design.yml"
FIXTURES = ROOT / "tests" / "unit" / "fixtures" / "validate"
# The twin the injected faults run on, and the design the recorded fixtures are read against by the
# unit tests: the lab's fabric and GPU nodes (4 nodes on 2 rail leaves and 2 spines), without the
# head node and scheduler of inventories/lab (tests/lab/test_slurm_twin.py validates those).
VALIDATE_DESIGN = FIXTURES / "design.yml"
LABEL = "refarch.lab"


def run(argv, **kwargs):
    kwargs.setdefault("timeout", 600)
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)


def ansible_playbook():
    beside = Path(sys.executable).with_name("ansible-playbook")
    return str(beside) if beside.exists() else shutil.which("ansible-playbook")


def why_not_usable():
    """Why this host cannot run a lab twin, or None."""
    if not sys.platform.startswith("linux"):
        return "the lab twin needs Linux"
    if os.geteuid() != 0:
        return "the lab twin needs root (podman containers wired by veths in their namespaces)"
    for tool in ("podman", "ip", "nsenter", "runc"):
        if not shutil.which(tool):
            return "%s is not installed (apt-get install podman runc iproute2 util-linux)" % tool
    if not ansible_playbook():
        return "ansible-playbook is not installed"
    info = run(["podman", "info", "--format", "json"], timeout=120)
    if info.returncode != 0:
        return "podman is not usable here: %s" % (info.stderr.strip() or info.stdout.strip())[:300]
    return None


class ValidateTwin(object):

    def __init__(self, workdir, design=LAB_DESIGN, name="val"):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        raw = yaml.safe_load(Path(design).read_text())
        raw["name"] = name
        self.design = self.dir / "design.yml"
        self.design.write_text("# %s renamed %s by tests/validate/twin.py\n" % (Path(design).name, name)
                               + yaml.safe_dump(raw, sort_keys=False))
        self.inventory = self.dir / "cluster.yml"
        self.inventory.write_text(yaml.safe_dump({
            "plugin": "refarch.ai_cluster.design", "design": "design.yml",
            "compose": {"ansible_host": "inventory_hostname"}}, sort_keys=False))
        group_vars = self.dir / "group_vars"
        group_vars.mkdir(exist_ok=True)
        for group in ("lab", "gpu_nodes"):
            (group_vars / (group + ".yml")).write_text(yaml.safe_dump({
                "ansible_connection": "containers.podman.podman",
                "ansible_python_interpreter": "/usr/bin/python3"}))
        self.plan_dir = self.dir / "plan"
        self.env = dict(os.environ)
        self.env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOCALHOST_WARNING="false",
                        ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_RETRY_FILES_ENABLED="false",
                        ANSIBLE_FORKS="32", ANSIBLE_DISPLAY_SKIPPED_HOSTS="false")
        self.times = {}
        self.hosts_configured_by = None
        self._plan = None

    # ------------------------------------------------------------------ running
    def playbook(self, label, *args, timeout=900):
        argv = [ansible_playbook()] + [str(a) for a in args]
        start = time.monotonic()
        out = run(argv, env=self.env, cwd=str(ROOT), timeout=timeout)
        self.times[label] = round(time.monotonic() - start, 1)
        return out

    def must(self, label, *args, **kwargs):
        out = self.playbook(label, *args, **kwargs)
        if out.returncode != 0:
            raise AssertionError("ansible-playbook %s failed (rc %d):\n%s" % (
                label, out.returncode, (out.stdout + out.stderr)[-8000:]))
        return out

    def exec(self, container, script, check=True):
        out = run(["podman", "exec", container, "sh", "-ec", script], timeout=120)
        if check and out.returncode != 0:
            raise AssertionError("podman exec %s %r failed: %s" % (container, script, out.stderr or out.stdout))
        return out

    @property
    def plan(self):
        if self._plan is None:
            self._plan = json.loads((self.plan_dir / "plan.json").read_text())
        return self._plan

    def devices(self, role=None):
        return sorted(n for n, d in self.plan["devices"].items() if role is None or d["role"] == role)

    def containers(self):
        out = run(["podman", "ps", "-a", "--filter", "label=%s=%s" % (LABEL, self.name), "--format", "{{.Names}}"])
        return sorted(out.stdout.split())

    # --------------------------------------------------------------- lifecycle
    def up(self):
        self.must("plan", "playbooks/plan.yml", "-e", "design=%s" % self.design, "-e", "plan_dir=%s" % self.plan_dir)
        self._plan = None
        # Start from nothing: a twin left behind by an interrupted run may carry a fault.
        self.down()
        self.must("twin up", "playbooks/lab.yml", "-e", "lab_state=present", "-e", "plan_dir=%s" % self.plan_dir)

    def down(self):
        return self.playbook("twin down", "playbooks/lab.yml", "-e", "lab_state=absent",
                             "-e", "plan_dir=%s" % self.plan_dir, timeout=300)

    def configure_switches(self):
        self.must("switches", "-i", self.inventory, "playbooks/switches.yml")

    def configure(self):
        """Switches (playbooks/switches.yml) and GPU nodes at the same time; returns who configured the nodes."""
        argv = [ansible_playbook(), "-i", str(self.inventory), "playbooks/switches.yml"]
        start = time.monotonic()
        with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env,
                              cwd=str(ROOT)) as switches:
            try:
                by = self.configure_hosts()
            finally:
                output = switches.communicate(timeout=1200)[0]
        self.times["switches"] = round(time.monotonic() - start, 1)
        if switches.returncode != 0:
            raise AssertionError("ansible-playbook switches failed (rc %d):\n%s" % (switches.returncode, output[-8000:]))
        return by

    def configure_hosts(self, limit=None):
        """Rail addresses and per-NIC routing of the GPU nodes: the host_network role, else the plan directly."""
        nodes = [limit] if limit else self.devices("gpu_node")
        role = ROOT / "roles" / "host_network" / "tasks" / "main.yml"
        if role.exists():
            book = self.dir / "hosts.yml"
            book.write_text(yaml.safe_dump([{"name": "GPU hosts' fabric network", "hosts": "gpu_nodes",
                                             "gather_facts": False,
                                             "roles": [{"role": "refarch.ai_cluster.host_network"}]}]))
            args = ["-i", self.inventory, book] + (["--limit", limit] if limit else [])
            out = self.playbook("hosts (host_network)", *args)
            if out.returncode == 0 and self.addresses_in_place(nodes):
                self.hosts_configured_by = "host_network"
                return self.hosts_configured_by
            self.host_network_error = (out.stdout + out.stderr)[-3000:]
        start = time.monotonic()
        for node in nodes:
            self.exec(node, self.host_script(node))
        self.times["hosts (from the plan)"] = round(time.monotonic() - start, 1)
        self.hosts_configured_by = "fallback"
        return self.hosts_configured_by

    def host_script(self, node):
        """Shell that gives the node its planned rail addresses, one routing table and rule per NIC,
        numbered as host_network numbers them (its network_plan), so validation finds the same."""
        lines = []
        for nic in network_plan(self.plan["devices"][node], self.plan.get("fabrics") or {})["nics"]:
            table, ip = nic["table"], nic["ip"]
            lines += [
                "ip link set dev %s up" % nic["name"],
                "ip addr replace %s dev %s" % (nic["address"], nic["name"]),
                "ip route replace %s dev %s src %s table %d" % (nic["network"], nic["name"], ip, table),
            ]
            if nic.get("gateway"):
                lines.append("ip route replace default via %s dev %s table %d" % (nic["gateway"], nic["name"], table))
            lines.append("ip rule del from %s table %d 2>/dev/null || true" % (ip, table))
            lines.append("ip rule add from %s table %d priority %d" % (ip, table, nic["priority"]))
        return "\n".join(lines)

    def addresses_in_place(self, nodes):
        for node in nodes:
            out = run(["podman", "exec", node, "ip", "-j", "addr", "show"])
            have = set("%s/%s" % (a["local"], a["prefixlen"]) for i in json.loads(out.stdout or "[]")
                       for a in i.get("addr_info") or [] if a.get("family") == "inet")
            want = set(i["address"] for i in self.plan["devices"][node]["interfaces"] if i.get("address"))
            if not want <= have:
                return False
        return True

    def wait_converged(self, timeout=120):
        """Every planned BGP session Established and lldpd told to send, or AssertionError."""
        start = time.monotonic()
        switches = [n for n in self.devices() if self.plan["devices"][n].get("bgp")]
        pending = list(switches)
        while pending and time.monotonic() - start < timeout:
            still = []
            for sw in pending:
                out = run(["podman", "exec", sw, "vtysh", "-c", "show bgp summary json"])
                try:
                    peers = json.loads(out.stdout)["ipv4Unicast"]["peers"]
                except (ValueError, KeyError, TypeError):
                    still.append(sw)
                    continue
                want = len(self.plan["devices"][sw]["bgp"]["neighbors"])
                if sum(1 for p in peers.values() if p.get("state") == "Established") < want:
                    still.append(sw)
            pending = still
            if pending:
                time.sleep(1)
        if pending:
            raise AssertionError("BGP not established after %d s on %s" % (timeout, ", ".join(pending)))
        for name in self.devices():
            run(["podman", "exec", name, "lldpcli", "update"])
        self.times.setdefault("converge", 0)
        self.times["converge"] = round(self.times["converge"] + time.monotonic() - start, 1)

    def validate(self, label, record=False, extra=()):
        """Run playbooks/validate.yml; return (return code, report, output)."""
        report_file = self.plan_dir / "validation.json"
        if report_file.exists():
            report_file.unlink()
        args = ["-i", self.inventory, "playbooks/validate.yml", "-e", "plan_dir=%s" % self.plan_dir]
        if record:
            args += ["-e", "validate_save_gathered=true"]
        out = self.playbook("validate " + label, *(args + list(extra)))
        report = json.loads(report_file.read_text()) if report_file.exists() else None
        return out.returncode, report, out.stdout + out.stderr

    def record(self, scenario):
        """Store what the last validation gathered as a unit-test fixture."""
        gathered = json.loads((self.plan_dir / "validation-gathered.json").read_text())
        FIXTURES.mkdir(parents=True, exist_ok=True)
        (FIXTURES / ("twin-%s.json" % scenario)).write_text(json.dumps(fixture_from(gathered), sort_keys=True,
                                                                       separators=(",", ":")))


def _compact(record):
    if isinstance(record, dict) and isinstance(record.get("stdout"), str):
        try:
            record["stdout"] = json.dumps(json.loads(record["stdout"]), separators=(",", ":"))
        except ValueError:
            pass


RECORDED_CMDLINE = "BOOT_IMAGE=/boot/vmlinuz (the twin host's command line, not recorded)"


def fixture_from(gathered):
    """Gathered results as stored in fixtures: Ansible's bookkeeping dropped, JSON outputs compacted."""
    out = {}
    for host, res in gathered.items():
        res = dict(res)
        for key in ("invocation", "ansible_facts", "failed_when_result", "_ansible_no_log", "warnings"):
            res.pop(key, None)
        if (res.get("host") or {}).get("cmdline"):
            # The containers share the kernel of the machine that ran the twin: not the twin's to record.
            res["host"] = dict(res["host"], cmdline=RECORDED_CMDLINE)
        for name, record in (res.get("commands") or {}).items():
            if name == "ethtool":
                for one in record.values():
                    _compact(one)
            else:
                _compact(record)
        out[host] = res
    return out
