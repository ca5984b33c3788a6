# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The InfiniBand twin: one fabric of a plan in the ibsim fabric simulator, with OpenSM on it.

``ibsim -s NETFILE`` (Debian package ibsim-utils) simulates the switches, HCAs and cables of a
topology file in ibnetdiscover's format; any IB tool run under ``ibsim-run`` (an LD_PRELOAD of
libumad2sim) talks to that fabric instead of a kernel device, OpenSM included. :func:`netfile`
writes the plan's switches, HCAs and cables in that format, optionally with faults (swapped,
missing or degraded cables) so that the checks can be rehearsed; :class:`Twin` starts and stops
ibsim and OpenSM in one directory and keeps their process ids there, so that ``down`` ends
exactly what ``up`` started and removes the directory.

What ibsim cannot do: link speeds above HDR (ibsim 0.10 knows SDR to HDR, as LinkSpeed and
LinkSpeedExt), so NDR and XDR links run as HDR in the twin, at the planned width; the checks are
then told ``speed_cap=HDR``. Node and port GUIDs are made up from the plan names (stable, NVIDIA
OUI), switch node descriptions are MLNX-OS-like but do not name the plan's switches (so matching
has to walk the cables, as on a fabric whose switches were never renamed), and each HCA
describes itself as ``<host> <rdma device or port>``, as rdma-ndd does on Linux.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.module_utils.ib_fabric import SPEED_RANK, FabricView, natural_key

OUI = 0xFC6A1C           # NVIDIA
SIM_SPEED_CAP = "HDR"     # the fastest per-lane rate ibsim 0.10 models
STATE_FILE = "twin.json"
NETFILE = "ibsim.net"
# ibsim's built-in limits (ibsim -h: -N nodes, -S switches, -P ports); raised when a fabric needs more.
IBSIM_LIMITS = {"nodes": 2048, "switches": 256, "ports": 13312}


def _guid(kind, name, taken):
    salt = 0
    while True:
        digest = hashlib.sha1(("%s:%s:%d" % (kind, name, salt)).encode("utf-8")).digest()
        low = int.from_bytes(digest[:5], "big") & ~0xF
        guid = (OUI << 40) | low
        if guid not in taken and guid + 1 not in taken:
            taken.add(guid)
            taken.add(guid + 1)
            return guid
        salt += 1


def apply_faults(view, faults):
    """The fabric's cables after ``faults``: ``{"swap": [[id, id], ...], "remove": [id, ...],
    "degrade": {id: "1x" | "4xSDR" ...}}`` (ids are plan link ids). Swapping exchanges the second
    ends (``b_device``/``b_port``) of two cables. Returns ``[(a, b, link, rate or None)]``."""
    faults = faults or {}
    cables = [[a, b, link, None] for a, b, link in view.links]
    by_id = dict((c[2].get("id"), c) for c in cables)
    unknown = []
    for pair in faults.get("swap") or []:
        if len(pair) != 2 or any(i not in by_id for i in pair):
            unknown.append("swap %s" % (pair,))
            continue
        first, second = by_id[pair[0]], by_id[pair[1]]
        first[1], second[1] = second[1], first[1]
    for link_id in faults.get("remove") or []:
        if link_id not in by_id:
            unknown.append("remove %s" % link_id)
            continue
        cables.remove(by_id.pop(link_id))
    for link_id, rate in (faults.get("degrade") or {}).items():
        if link_id not in by_id:
            unknown.append("degrade %s" % link_id)
            continue
        by_id[link_id][3] = rate
    if unknown:
        raise InfinibandError("faults name cables the plan does not have: %s" % ", ".join(unknown))
    return [tuple(c) for c in cables]


def _rate(view, link, override, speed_cap):
    width, speed, _gbps = view.expected_rate(link)
    if SPEED_RANK[speed] > SPEED_RANK[speed_cap]:
        speed = speed_cap
    if override:
        text = str(override).upper()
        if "X" in text:
            w, _x, s = text.partition("X")
            width = int(w) if w else width
            speed = s or speed
        else:
            speed = text
    return "%dx%s" % (width, speed)


def default_sm_ports(view):
    """HCA ports the twin's SMs attach to: the fabric's appliances (UFM), else the first two hosts' first HCA."""
    appliances = sorted((e for e, h in view.hcas.items() if h["role"] == "appliance"),
                        key=lambda e: natural_key("%s %s" % e))
    firsts = {}
    for entity in sorted(view.hcas, key=lambda e: natural_key("%s %s" % e)):
        firsts.setdefault(entity[0], entity)
    hosts = sorted(firsts.values(), key=lambda e: natural_key(e[0]))
    chosen = []
    for entity in appliances:
        if entity[0] not in [c[0] for c in chosen]:
            chosen.append(entity)
    for entity in hosts:
        if len(chosen) >= 2:
            break
        if entity not in chosen and view.hcas[entity]["role"] != "appliance":
            chosen.append(entity)
    return ["%s %s" % e for e in chosen[:2]]


def netfile(plan, fabric="compute", faults=None, sm_ports=None, speed_cap=SIM_SPEED_CAP, switch_ports=None):
    """The ibsim topology of one fabric of ``plan``; returns (text, meta).

    ``meta`` holds ``guids`` (plan name -> node GUID, HCAs as ``"host port"``), ``port_guids``,
    ``node_ids`` (plan name -> ibsim node id, for SIM_HOST), ``sm_ports`` and ``counts``.
    The SM ports' HCAs come first: a client started without SIM_HOST attaches to the first node.
    """
    view = plan if isinstance(plan, FabricView) else FabricView(plan, fabric)
    cables = apply_faults(view, faults)
    sm_ports = list(sm_ports) if sm_ports else default_sm_ports(view)
    for label in sm_ports:
        device, _sep, port = label.partition(" ")
        if (device, port) not in view.hcas:
            raise InfinibandError("SM port %r is not an HCA port of fabric %s" % (label, view.name))
    taken = set()
    guids, port_guids, node_ids, descs = {}, {}, {}, {}
    tier = {"leaf": 0, "spine": 1, "core": 2}
    switch_names = sorted(view.switches, key=lambda n: (tier[view.switches[n]["role"]], natural_key(n)))
    for name in switch_names:
        guid = _guid("switch", name, taken)
        guids[name] = guid
        port_guids[name] = guid
        node_ids[name] = "S-%016x" % guid
        model = view.switches[name]["model"] or "switch"
        descs[name] = "MF0;sw-%06x:%s/U1" % (guid & 0xFFFFFF, model.upper())
    hca_labels = sorted(("%s %s" % e for e in view.hcas), key=natural_key)
    for label in hca_labels:
        device, _sep, port = label.partition(" ")
        hca = view.hcas[(device, port)]
        guid = _guid("hca", label, taken)
        guids[label] = guid
        port_guids[label] = guid + 1
        node_ids[label] = "H-%016x" % guid
        descs[label] = "%s %s" % (device, hca["rdma_device"] or port)
    ports = dict((name, {}) for name in list(guids))

    def key_of(end):
        return end[0] if end[0] in view.switches else "%s %s" % end

    def number_of(end):
        return view.port_number(end) if end[0] in view.switches else 1

    for a, b, link, override in cables:
        rate = _rate(view, link, override, speed_cap)
        ka, kb = key_of(a), key_of(b)
        na, nb = number_of(a), number_of(b)
        if na is None or nb is None:
            raise InfinibandError("cable %s has a switch port without a number" % link.get("id"))
        if na in ports[ka] or nb in ports[kb]:
            raise InfinibandError("port used twice in the twin: %s %s or %s %s" % (ka, na, kb, nb))
        ports[ka][na] = (kb, nb, rate)
        ports[kb][nb] = (ka, na, rate)
    radix = {}
    for name in switch_names:
        model = view.switches[name]["model"]
        used = max(list(ports[name]) + list(view.switches[name]["names"]) + [1])
        radix[model] = max(radix.get(model, 0), used, int((switch_ports or {}).get(model, 0)))
    lines = ["# ibsim topology of fabric %s of plan %s, written by refarch.ai_cluster (ib_twin)." % (
        view.name, view.plan_name), "# Format: ibnetdiscover's; see ibsim(1) and docs/infiniband.md.", ""]

    def hca_record(label):
        out = ["caguid=0x%016x" % guids[label], 'Ca\t1 "%s"\t\t# "%s"' % (node_ids[label], descs[label])]
        if 1 in ports[label]:
            far, far_port, rate = ports[label][1]
            out.append('[1](%x)\t"%s"[%d]\t\t# lid 0 lmc 0 "%s" lid 0 %s' % (
                port_guids[label], node_ids[far], far_port, descs[far], rate))
        return out + [""]

    first = list(sm_ports)
    for label in first:
        lines.extend(hca_record(label))
    for name in switch_names:
        lines.append("switchguid=0x%016x" % guids[name])
        lines.append('Switch\t%d "%s"\t\t# "%s" base port 0 lid 0 lmc 0' % (
            radix[view.switches[name]["model"]], node_ids[name], descs[name]))
        for number in sorted(ports[name]):
            far, far_port, rate = ports[name][number]
            if far in view.switches:
                lines.append('[%d]\t"%s"[%d]\t\t# "%s" lid 0 %s' % (number, node_ids[far], far_port, descs[far], rate))
            else:
                lines.append('[%d]\t"%s"[%d](%x)\t\t# "%s" lid 0 %s' % (
                    number, node_ids[far], far_port, port_guids[far], descs[far], rate))
        lines.append("")
    for label in hca_labels:
        if label not in first:
            lines.extend(hca_record(label))
    meta = {"plan": view.plan_name, "fabric": view.name,
            "guids": dict((k, "0x%016x" % v) for k, v in guids.items()),
            "port_guids": dict((k, "0x%016x" % v) for k, v in port_guids.items()),
            "node_ids": node_ids, "sm_ports": sm_ports, "speed_cap": speed_cap,
            "counts": {"switches": len(switch_names), "hcas": len(hca_labels), "cables": len(cables),
                       "ports": sum(radix[view.switches[n]["model"]] + 1 for n in switch_names) + len(hca_labels)}}
    return "\n".join(lines) + "\n", meta


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------


def _alive(pid, name):
    """True when process ``pid`` runs and its command line mentions ``name`` (not a reused pid)."""
    try:
        with open("/proc/%d/stat" % pid, "r", encoding="utf-8") as handle:
            stat = handle.read()
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except (OSError, ValueError):
        return False
    state = stat.rpartition(")")[2].split()[0] if ")" in stat else "?"
    return state not in ("Z", "X") and name in cmdline


def _stop(pid, name, timeout=5.0):
    """End process ``pid`` (SIGTERM, then SIGKILL); True when it was running."""
    if not pid or not _alive(pid, name):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return False
    deadline = time.time() + timeout
    while time.time() < deadline:
        _reap(pid)
        if not _alive(pid, name):
            return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    for _i in range(100):
        _reap(pid)
        if not _alive(pid, name):
            break
        time.sleep(0.05)
    return True


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    except OSError:
        pass


def _tail(path, lines=15):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


class Twin(object):
    """ibsim and OpenSM processes of one twin, all under ``directory``.

    ``twin.json`` records the socket name, the netfile's hash and each process id, so a later
    ``Twin(directory)`` (another run of the module, the ``down`` of a test) finds and ends them.
    """

    def __init__(self, directory, ibsim="ibsim", ibsim_run="ibsim-run", opensm="opensm"):
        self.dir = os.path.abspath(directory)
        self.ibsim = ibsim
        self.ibsim_run = ibsim_run
        self.opensm = opensm
        self.state_path = os.path.join(self.dir, STATE_FILE)
        self.state = self._load()

    def _load(self):
        try:
            with open(self.state_path, "r", encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def _save(self):
        os.makedirs(self.dir, exist_ok=True)
        write_if_changed(self.state_path, json.dumps(self.state, indent=1, sort_keys=True))

    @property
    def sockname(self):
        return self.state.get("sockname") or "refarch-ib-%s" % hashlib.sha1(self.dir.encode("utf-8")).hexdigest()[:10]

    def env(self, sim_host=None, cache=None):
        """Environment for a tool run against this twin (IBSIM_SOCKNAME, and SIM_HOST to attach elsewhere)."""
        env = dict(os.environ)
        env["IBSIM_SOCKNAME"] = self.sockname
        env["OSM_CACHE_DIR"] = cache or os.path.join(self.dir, "cache")
        env["OSM_TMP_DIR"] = cache or os.path.join(self.dir, "cache")
        env.pop("SIM_HOST", None)
        if sim_host:
            env["SIM_HOST"] = sim_host
        return env

    def ibsim_running(self):
        return _alive(self.state.get("ibsim_pid") or 0, "ibsim")

    def running_sms(self):
        return dict((name, sm) for name, sm in (self.state.get("sms") or {}).items() if _alive(sm.get("pid") or 0, "opensm"))

    def up(self, text, meta, timeout=20.0):
        """Start ibsim on topology ``text`` unless it already runs on the same one. True when changed."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if self.ibsim_running() and self.state.get("netfile_sha256") == digest:
            return False
        self.stop()
        os.makedirs(os.path.join(self.dir, "cache"), exist_ok=True)
        path = os.path.join(self.dir, NETFILE)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        log_path = os.path.join(self.dir, "ibsim.log")
        counts = meta.get("counts") or {}
        argv = [self.ibsim, "-s", "-n"]
        for flag, key, need in (("-N", "nodes", counts.get("switches", 0) + counts.get("hcas", 0)),
                                ("-S", "switches", counts.get("switches", 0)),
                                ("-P", "ports", counts.get("ports", 0))):
            if need >= IBSIM_LIMITS[key]:
                argv += [flag, str(need + 64)]
        argv.append(path)
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=self.env(), start_new_session=True)
        self.state = {"sockname": self.sockname, "ibsim_pid": proc.pid, "netfile_sha256": digest, "meta": meta,
                      "sms": {}}
        self._save()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise InfinibandError("ibsim exited (%s) on %s:\n%s" % (proc.returncode, path, _tail(log_path)))
            if "Network simulator ready" in _tail(log_path, 40):
                return True
            time.sleep(0.05)
        self.stop()
        raise InfinibandError("ibsim did not start in %.0f s:\n%s" % (timeout, _tail(log_path)))

    def run(self, argv, sim_host=None, timeout=120, check=True):
        """Run a tool under ibsim-run against this twin; returns its CompletedProcess."""
        done = subprocess.run([self.ibsim_run] + list(argv), cwd=self.dir, env=self.env(sim_host),
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            output = (done.stderr or done.stdout)[-2000:]
            raise InfinibandError("%s failed (%d): %s" % (" ".join(argv), done.returncode, output))
        return done

    def start_sm(self, name, config, port_label, log_file, wait_for=("SUBNET UP",), timeout=60.0, extra_args=()):
        """Start OpenSM ``name`` with ``config`` on the HCA of ``port_label``; wait until its log shows one
        of ``wait_for``. True when it was (re)started, False when it already ran with this config."""
        with open(config, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        sms = self.state.setdefault("sms", {})
        current = sms.get(name)
        if current and _alive(current.get("pid") or 0, "opensm") and current.get("config_sha256") == digest:
            return False
        if current:
            _stop(current.get("pid"), "opensm")
        node_id = (self.state.get("meta") or {}).get("node_ids", {}).get(port_label)
        if node_id is None:
            raise InfinibandError("no HCA %r in the twin" % port_label)
        cache = os.path.join(self.dir, "sm-" + name)
        os.makedirs(cache, exist_ok=True)
        if os.path.exists(log_file):
            os.remove(log_file)
        argv = [self.ibsim_run, self.opensm, "-F", config] + list(extra_args)
        with open(os.path.join(cache, "opensm.out"), "w", encoding="utf-8") as out:
            proc = subprocess.Popen(argv, cwd=cache, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    env=self.env(node_id, cache), start_new_session=True)
        sms[name] = {"pid": proc.pid, "config": config, "config_sha256": digest, "port": port_label,
                     "node_id": node_id, "log": log_file}
        self._save()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise InfinibandError("OpenSM %s exited (%s):\n%s\n%s" % (
                    name, proc.returncode, _tail(os.path.join(cache, "opensm.out")), _tail(log_file)))
            text = _tail(log_file, 400)
            if any(marker in text for marker in wait_for):
                return True
            time.sleep(0.1)
        raise InfinibandError("OpenSM %s logged none of %s in %.0f s:\n%s" % (
            name, ", ".join(wait_for), timeout, _tail(log_file)))

    def stop(self):
        """End every process of the twin; True when one was running."""
        stopped = False
        for sm in (self.state.get("sms") or {}).values():
            stopped = _stop(sm.get("pid"), "opensm") or stopped
        stopped = _stop(self.state.get("ibsim_pid"), "ibsim") or stopped
        if self.state:
            self.state["sms"] = {}
            self.state["ibsim_pid"] = None
            if os.path.isdir(self.dir):
                self._save()
        return stopped

    def down(self):
        """Stop the twin and remove its directory; True when there was something to remove."""
        existed = os.path.isdir(self.dir)
        stopped = self.stop()
        if existed:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.state = {}
        return stopped or existed
