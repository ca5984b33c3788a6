#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: validate_gather
short_description: Gather what validation compares with the plan, in one task per host
version_added: "0.1.0"
description:
  - Runs, on a GPU node or a Linux fabric switch, the read-only commands whose outputs
    C(refarch.ai_cluster.validate_report) compares with the plan, and returns them raw (command,
    exit status, output), so that all the comparison happens once, on the controller.
  - "Always: C(ip -j -d addr show) (ports, state, MTU, MAC and IPv4 addresses) and, for each port
    of O(interfaces), C(ethtool -i PORT) (driver and firmware) and its speed from C(/sys/class/net)."
  - "With O(lldp): C(lldpcli -f json show neighbors). With O(bgp): C(vtysh -c 'show bgp summary
    json') and C(vtysh -c 'show ip route json'). With O(gpu): the C(refarch.ai_cluster.gpu_facts)
    summary of C(nvidia-smi -q -x) and C(nvidia-smi nvlink --status) (without the per-GPU list)."
  - With O(pings), every probe is a C(ping -M do) (don't fragment) of the given size, all of them
    at once (O(ping_parallel) at a time); a probe that gets no answer is repeated with 56-byte
    packets, so that the comparison can tell a path MTU problem from a reachability problem.
  - With O(rdma), C(ib_write_bw) servers and clients per rail (servers wait, clients retry until
    their server listens), when the host has RDMA devices and C(ib_write_bw) (perftest);
    otherwise the result says why it was skipped. With O(nccl), the given C(all_reduce_perf)
    command (normally C(mpirun) over all GPU nodes) runs once on this host.
  - The action plugin of the same name fills O(interfaces), O(lldp), O(bgp), O(gpu), O(pings),
    O(rdma) and O(nccl) from the host's plan slice (C(refarch_device)) and the other GPU nodes' slices.
    The action plugin also takes C(performance) (V(false) leaves O(rdma) and O(nccl) empty),
    C(unnumbered) (ping fabric links over IPv6), C(nccl_command) and C(nccl_gpus_per_node)
    (the default C(mpirun) command) and C(gpu_nodes) (the nodes of the ping matrix, default the
    C(gpu_nodes) group); options given in the task win over the derived ones.
  - Sends test traffic only to the planned addresses of the fabric (and C(ff02::1) on fabric
    ports for unnumbered sessions); changes nothing.
author:
  - refarch.ai_cluster contributors (@refarch)
options:
  device:
    description: Name of the device in the plan, echoed in the result.
    type: str
  interfaces:
    description: Planned ports to read the driver, firmware and speed of.
    type: list
    elements: str
    default: []
  lldp:
    description: Read the LLDP neighbours (C(lldpcli -f json show neighbors)).
    type: bool
    default: true
  lldp_wait:
    description:
      - With O(lldp), first ask lldpd to send its LLDPDUs now (C(lldpcli update)), and read the
        neighbours at least this many seconds later, after the other commands, so that neighbours
        restarted or re-cabled since their last 30-second transmission are seen. 0 reads at once.
    type: float
    default: 3.0
  bgp:
    description: Read FRR's BGP summary and routing table with C(vtysh).
    type: bool
    default: false
  gpu:
    description: Read the GPUs with C(nvidia-smi) (the summary C(gpu_facts) returns).
    type: bool
    default: false
  pings:
    description:
      - Probes, each a dict with C(id), C(dst) (address), C(bind) (C(-I) argument, an interface
        or a source address), C(size) (ICMP payload bytes) and C(family) (4 or 6); other keys are
        returned as they are.
    type: list
    elements: dict
    default: []
  ping_count:
    description: Echo requests per probe; a probe passes when one is answered.
    type: int
    default: 2
  ping_timeout:
    description: Seconds C(ping) waits for the last answer (C(-W)).
    type: int
    default: 2
  ping_parallel:
    description: Pings running at the same time.
    type: int
    default: 32
  rdma:
    description:
      - C(ib_write_bw) runs, each a dict with C(role) (C(server) or C(client)), C(port) (TCP port),
        C(ifname) (the rail NIC), C(rdma_device) (optional; found from C(ifname) when absent),
        C(peer_address) (the server's address, for clients) and any other keys, returned as they are.
      - Empty, nothing runs. Skipped, with the reason, when the host has no RDMA device or no
        C(ib_write_bw).
    type: list
    elements: dict
    default: []
  rdma_duration:
    description: Seconds each C(ib_write_bw) measures (C(-D)).
    type: int
    default: 5
  rdma_gid_index:
    description: GID index given to C(ib_write_bw -x) (3 is RoCE v2 over IPv4 on mlx5); omitted when null.
    type: int
  nccl:
    description:
      - Command (argv) that runs C(all_reduce_perf) across the GPU nodes, normally through C(mpirun).
        Empty, nothing runs. Skipped, with the reason, when its program or C(all_reduce_perf) is
        missing or no GPU answers.
    type: list
    elements: str
    default: []
  nccl_timeout:
    description: Seconds the NCCL command may run.
    type: int
    default: 600
  host_state:
    description:
      - Read the host state that the roles set beyond the ports, for the read-back checks
        (docs/validation.md) - C(ip -j rule show) and C(ip -j -4 route show table all) (policy
        rules and the per-NIC routing tables), C(/proc/cmdline), the loaded kernel modules
        (C(/proc/modules)), the RDMA device of each port of O(interfaces) (sysfs) and, for a port
        with one, its RoCE QoS - C(mlnx_qos -i PORT) where installed, the verbs traffic class
        (C(/sys/class/infiniband/DEV/tc/1/traffic_class)) and the ECN switches
        (C(/sys/class/net/PORT/ecn)).
    type: bool
    default: false
  sysctls:
    description:
      - Kernel settings to read, by their sysctl names (read from C(/proc/sys); a dot in an
        interface name is written as a slash, as sysctl(8) does).
    type: list
    elements: str
    default: []
  files:
    description:
      - Files to read back, by a name of the caller's choosing (for example C(nccl_conf)
        V(/etc/nccl.conf)); at most 64 KiB of each is returned.
    type: dict
    default: {}
  services:
    description: systemd units whose state to read (C(systemctl is-active) and C(systemctl is-enabled)).
    type: list
    elements: str
    default: []
  scheduler:
    description:
      - Read Slurm's view of the pool on this host (the primary controller) -
        C(scontrol --oneliner show node), C(scontrol --oneliner show partition),
        C(scontrol show topology) and the accounts' associations (C(sacctmgr show association)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Only reads and sends test traffic; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing.
  platform:
    support: full
    platforms: posix
    description: Linux hosts and Linux-based switches (lab, Cumulus, SONiC).
notes:
  - Needs C(ip) (iproute2) and C(ping) (iputils); C(lldpcli), C(vtysh), C(ethtool), C(nvidia-smi),
    C(ib_write_bw) and C(timeout) (coreutils) are used where present, and their absence is
    reported in the result instead of failing.
seealso:
  - module: refarch.ai_cluster.validate_report
  - module: refarch.ai_cluster.gpu_facts
"""

EXAMPLES = r"""
- name: Gather what validation needs (the action plugin adds the probes from the plan)
  refarch.ai_cluster.validate_gather:
  register: validate_gathered

- name: Two probes by hand
  refarch.ai_cluster.validate_gather:
    device: lab-node-1
    lldp: true
    pings:
      - {id: a, dst: 198.18.64.3, bind: rail0, size: 8972, family: 4}
      - {id: b, dst: 198.18.64.1, bind: rail0, size: 8972, family: 4}
"""

RETURN = r"""
device:
  description: O(device).
  returned: always
  type: str
commands:
  description: Raw outputs by name (C(ip), C(lldp), C(bgp), C(routes), and C(ethtool) by port), each
    with C(argv), C(rc), C(stdout) and C(stderr), or C(missing=true) when the program is not installed.
  returned: always
  type: dict
sysfs:
  description: C(speed) and C(operstate) of each port of O(interfaces), as read from C(/sys/class/net).
  returned: always
  type: dict
gpu:
  description: The summary C(refarch.ai_cluster.gpu_facts) returns (without C(gpus)), or C(available=false) with the reason.
  returned: when O(gpu)
  type: dict
pings:
  description: The probes of O(pings), each with C(result) (the don't-fragment ping) and C(small)
    (the 56-byte ping, only when C(result) got no answer).
  returned: always
  type: list
  elements: dict
host:
  description: With O(host_state), C(cmdline), C(modules) (names of the loaded modules), C(rdma)
    ({port - RDMA device}) and C(qos) ({port - C(traffic_class), C(ecn) and the C(mlnx_qos) output}).
  returned: when O(host_state)
  type: dict
sysctl:
  description: The value of each name of O(sysctls), null when it does not exist.
  returned: always
  type: dict
files:
  description: For each name of O(files), C(path) and C(content) (null when the file cannot be read, with C(error)).
  returned: always
  type: dict
services:
  description: For each unit of O(services), C(active) and C(enabled) as systemctl prints them, or C(missing=true).
  returned: always
  type: dict
perf:
  description: C(rdma) (C(runs) with their C(result), or C(skipped) with the reason) and C(nccl)
    (C(result), or C(skipped) with the reason).
  returned: always
  type: dict
elapsed:
  description: Seconds the gathering took on the host.
  returned: always
  type: float
"""

import os
import shlex
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.refarch.ai_cluster.plugins.module_utils.nvidia_smi import (
    NvidiaSmiParseError, parse_nvlink_status, parse_xml, summarize)

SBIN = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
SYSFS_NET = "/sys/class/net"
SYSFS_IB = "/sys/class/infiniband"
FILE_LIMIT = 65536


def sysctl_path(name):
    """/proc/sys path of a sysctl name: dots separate levels, a slash stands for a dot in a name."""
    return os.path.join("/proc/sys", *[part.replace("/", ".") for part in name.split(".")])


class Gatherer(object):

    def __init__(self, module):
        self.module = module
        self.p = module.params
        self._bins = {}

    def binary(self, name):
        if name not in self._bins:
            self._bins[name] = self.module.get_bin_path(name, opt_dirs=SBIN)
        return self._bins[name]

    def run(self, argv, data=None):
        path = self.binary(argv[0])
        if not path:
            return {"argv": argv, "rc": None, "missing": True, "stdout": "", "stderr": "%s not found" % argv[0]}
        rc, out, err = self.module.run_command([path] + list(argv[1:]), data=data)
        return {"argv": argv, "rc": rc, "stdout": out, "stderr": err}

    @staticmethod
    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except (IOError, OSError):
            return None

    # ---------------------------------------------------------------- sections
    def gpu(self):
        smi = self.binary("nvidia-smi")
        if not smi:
            return {"available": False, "reason": "nvidia-smi not found: the NVIDIA driver utilities are not installed"}
        rc, out, err = self.module.run_command([smi, "-q", "-x"])
        if rc != 0:
            first = [ln.strip() for ln in (out or err or "").splitlines() if ln.strip()]
            return {"available": False, "reason": "nvidia-smi -q -x exited %d: %s" % (rc, first[0] if first else "")}
        try:
            parsed = parse_xml(out)
        except NvidiaSmiParseError as exc:
            return {"available": False, "reason": str(exc)}
        rc, out, err = self.module.run_command([smi, "nvlink", "--status"])
        facts = summarize(parsed, parse_nvlink_status(out) if rc == 0 else {})
        facts.pop("gpus", None)
        return facts

    def ping_argv(self, probe, size):
        argv = ["ping", "-n", "-c", str(self.p["ping_count"]), "-i", "0.2", "-W", str(self.p["ping_timeout"]),
                "-M", "do", "-s", str(int(size))]
        if str(probe.get("family", 4)) == "6":
            argv.insert(1, "-6")
        if probe.get("bind"):
            argv += ["-I", str(probe["bind"])]
        argv.append(str(probe["dst"]))
        return argv

    def pings(self):
        probes = [dict(p) for p in self.p["pings"] if isinstance(p, dict) and p.get("dst")]
        if not probes:
            return []
        workers = max(1, min(int(self.p["ping_parallel"]), len(probes)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda pr: self.run(self.ping_argv(pr, pr.get("size") or 56)), probes))
            failed = [i for i, r in enumerate(results) if r.get("rc") != 0]
            small = list(pool.map(lambda i: self.run(self.ping_argv(probes[i], 56)), failed))
        for probe, result in zip(probes, results):
            probe["result"] = result
            probe["small"] = None
        for i, result in zip(failed, small):
            probes[i]["small"] = result
        return probes

    def rdma_device_of(self, ifname):
        base = os.path.join(SYSFS_NET, ifname, "device", "infiniband")
        try:
            names = sorted(os.listdir(base))
        except OSError:
            return None
        return names[0] if names else None

    def rdma(self):
        runs = [dict(r) for r in self.p["rdma"] if isinstance(r, dict)]
        if not runs:
            return {}
        try:
            devices = sorted(os.listdir(SYSFS_IB))
        except OSError:
            devices = []
        if not devices:
            return {"skipped": "no RDMA device (%s is empty or absent: no RDMA NIC or driver)" % SYSFS_IB}
        if not self.binary("ib_write_bw"):
            return {"skipped": "ib_write_bw not installed (package perftest)", "devices": devices}
        if not self.binary("timeout"):
            return {"skipped": "timeout (coreutils) not found", "devices": devices}
        for run in runs:
            run["rdma_device"] = run.get("rdma_device") or self.rdma_device_of(run.get("ifname") or "")
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            results = list(pool.map(self.rdma_run, runs))
        for run, result in zip(runs, results):
            run["result"] = result
        return {"devices": devices, "runs": runs}

    def rdma_run(self, run):
        duration = int(self.p["rdma_duration"])
        argv = ["ib_write_bw", "--report_gbits", "-F", "-D", str(duration), "-p", str(run["port"])]
        if run.get("rdma_device"):
            argv += ["-d", run["rdma_device"]]
        if self.p["rdma_gid_index"] is not None:
            argv += ["-x", str(self.p["rdma_gid_index"])]
        if run.get("role") == "server":
            return self.run(["timeout", str(duration + 90)] + argv)
        deadline = time.time() + 60
        while True:
            result = self.run(["timeout", str(duration + 30)] + argv + [str(run["peer_address"])])
            if result.get("rc") == 0 or time.time() > deadline:
                return result
            time.sleep(1)

    def nccl(self):
        argv = [str(a) for a in self.p["nccl"]]
        if not argv:
            return {}
        if not self.binary(argv[0]):
            return {"skipped": "%s not installed" % argv[0]}
        tests = [a for a in argv if os.path.basename(a) == "all_reduce_perf"]
        if tests and not (os.path.sep in tests[0] and os.access(tests[0], os.X_OK)) and not self.binary(tests[0]):
            return {"skipped": "all_reduce_perf (nccl-tests) not installed"}
        if not self.binary("nvidia-smi"):
            return {"skipped": "no GPU: nvidia-smi not found"}
        if self.binary("timeout"):
            argv = ["timeout", str(self.p["nccl_timeout"])] + argv
        return {"result": self.run(argv), "command": " ".join(shlex.quote(a) for a in argv)}

    def host(self):
        """Policy rules, routing tables, kernel command line, modules, RDMA devices and their RoCE QoS."""
        cmds = {"rules": self.run(["ip", "-j", "rule", "show"]),
                "routes_all": self.run(["ip", "-j", "-4", "route", "show", "table", "all"])}
        modules = self.read("/proc/modules")
        out = {"cmdline": self.read("/proc/cmdline"),
               "modules": sorted(ln.split()[0] for ln in modules.splitlines() if ln.strip()) if modules else None,
               "rdma": {}, "qos": {}}
        for port in self.p["interfaces"]:
            dev = self.rdma_device_of(port)
            if not dev:
                continue
            out["rdma"][port] = dev
            qos = {"traffic_class": self.read(os.path.join(SYSFS_IB, dev, "tc", "1", "traffic_class")), "ecn": {}}
            ecn = os.path.join(SYSFS_NET, port, "ecn")
            for side in ("roce_np", "roce_rp"):
                base = os.path.join(ecn, side, "enable")
                try:
                    prios = sorted(os.listdir(base))
                except OSError:
                    continue
                qos["ecn"][side] = dict((p, self.read(os.path.join(base, p))) for p in prios)
            if self.binary("mlnx_qos"):
                qos["mlnx_qos"] = self.run(["mlnx_qos", "-i", port])
            out["qos"][port] = qos
        return cmds, out

    def files(self):
        out = {}
        for name, path in sorted((self.p["files"] or {}).items()):
            try:
                with open(str(path), "rb") as f:
                    data = f.read(FILE_LIMIT)
                out[name] = {"path": path, "content": data.decode("utf-8", "replace")}
            except (IOError, OSError) as exc:
                out[name] = {"path": path, "content": None, "error": exc.strerror or str(exc)}
        return out

    def services(self):
        out = {}
        if not self.p["services"]:
            return out
        if not self.binary("systemctl"):
            return dict((unit, {"missing": True}) for unit in self.p["services"])
        for unit in self.p["services"]:
            active = self.run(["systemctl", "is-active", unit])
            enabled = self.run(["systemctl", "is-enabled", unit])
            out[unit] = {"active": active["stdout"].strip(), "enabled": enabled["stdout"].strip()}
        return out

    def gather(self):
        start = time.time()
        out = {"changed": False, "device": self.p["device"], "commands": {}, "sysfs": {}, "pings": [], "perf": {}}
        cmds = out["commands"]
        cmds["ip"] = self.run(["ip", "-j", "-d", "addr", "show"])
        ethtool = {}
        for port in self.p["interfaces"]:
            base = os.path.join(SYSFS_NET, port)
            out["sysfs"][port] = {"speed": self.read(os.path.join(base, "speed")),
                                  "operstate": self.read(os.path.join(base, "operstate"))}
            if os.path.exists(base):
                ethtool[port] = self.run(["ethtool", "-i", port])
        cmds["ethtool"] = ethtool
        if self.p["lldp"] and self.p["lldp_wait"] > 0:
            # Ask lldpd to send now, so that neighbours that were restarted or re-cabled since its last
            # (30 s) transmission know this host by the time they read; read ours last, below.
            cmds["lldp_update"] = self.run(["lldpcli", "update"])
        if self.p["bgp"]:
            cmds["bgp"] = self.run(["vtysh", "-c", "show bgp summary json"])
            cmds["routes"] = self.run(["vtysh", "-c", "show ip route json"])
        if self.p["gpu"]:
            out["gpu"] = self.gpu()
        if self.p["scheduler"]:
            # Slurm's view of the pool, as slurmctld holds it: nodes with their GPUs and state,
            # the partitions (which the mode switch changes) and the topology tree.
            cmds["slurm_nodes"] = self.run(["scontrol", "--oneliner", "show", "node"])
            cmds["slurm_partitions"] = self.run(["scontrol", "--oneliner", "show", "partition"])
            cmds["slurm_topology"] = self.run(["scontrol", "show", "topology"])
            cmds["slurm_accounts"] = self.run(["sacctmgr", "--noheader", "--parsable2", "show", "association",
                                               "format=cluster,account,user,fairshare,grptres"])
        if self.p["host_state"]:
            host_cmds, out["host"] = self.host()
            cmds.update(host_cmds)
        out["sysctl"] = dict((str(k), self.read(sysctl_path(str(k)))) for k in self.p["sysctls"])
        out["files"] = self.files()
        out["services"] = self.services()
        out["pings"] = self.pings()
        out["perf"]["rdma"] = self.rdma()
        out["perf"]["nccl"] = self.nccl()
        if self.p["lldp"]:
            if cmds.get("lldp_update", {}).get("rc") == 0:
                time.sleep(max(0.0, self.p["lldp_wait"] - (time.time() - start)))
            cmds["lldp"] = self.run(["lldpcli", "-f", "json", "show", "neighbors"])
        out["elapsed"] = round(time.time() - start, 2)
        return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type="str"),
            interfaces=dict(type="list", elements="str", default=[]),
            lldp=dict(type="bool", default=True),
            lldp_wait=dict(type="float", default=3.0),
            bgp=dict(type="bool", default=False),
            gpu=dict(type="bool", default=False),
            pings=dict(type="list", elements="dict", default=[]),
            ping_count=dict(type="int", default=2),
            ping_timeout=dict(type="int", default=2),
            ping_parallel=dict(type="int", default=32),
            rdma=dict(type="list", elements="dict", default=[]),
            rdma_duration=dict(type="int", default=5),
            rdma_gid_index=dict(type="int"),
            nccl=dict(type="list", elements="str", default=[]),
            nccl_timeout=dict(type="int", default=600),
            host_state=dict(type="bool", default=False),
            sysctls=dict(type="list", elements="str", default=[]),
            files=dict(type="dict", default={}),
            services=dict(type="list", elements="str", default=[]),
            scheduler=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    if not module.get_bin_path("ip", opt_dirs=SBIN):
        module.fail_json(msg="ip (iproute2) not found on this host")
    module.exit_json(**Gatherer(module).gather())


if __name__ == "__main__":
    main()
