# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm's configuration files (``slurm.conf``, ``gres.conf``, ``topology.conf``, ``cgroup.conf``),
rendered from the plan's scheduler record (``plan.scheduler``, the inventory's ``refarch_scheduler``;
docs/scheduler.md).

Why plain Python and no Jinja: every line of these files is a decision (which address a daemon
uses, which device files a GPU type has, how a node list is compressed) that tests must be able to
check one by one; here the renderers only format, and the decisions are functions with tests
(tests/unit/render/test_slurm.py).

The target is Slurm 22.05 as Debian 12 packages it (slurm-wlm 22.05.8-4+deb12u3): the paths are
Debian's (:data:`DEBIAN_PATHS`), every parameter name is one that the package's man pages document
(tests/unit/fixtures/slurm/). Debian builds Slurm without NVML (slurm-wlm-basic-plugins ships
``gpu_generic.so``, no ``gpu_nvml.so``), so ``AutoDetect=nvml`` is not available there and
``gres.conf`` is written out here, from the facts of the ``refarch.ai_cluster.gpu_facts`` module
where the caller has them.

Plain Python, no Ansible import; the action plugin ``refarch.ai_cluster.slurm_configs`` is a thin
wrapper.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError
from ansible_collections.refarch.ai_cluster.plugins.module_utils import slurm_pool


class SlurmConfigError(RefarchError, ValueError):
    """The scheduler record, the node facts or the options cannot give Slurm files.

    A ``ValueError`` as well, so that callers that catch the standard error keep working.
    """


FILES = ("slurm.conf", "gres.conf", "topology.conf", "cgroup.conf")

# The first line of every file: these files are build output.
HEADER = "# %s: generated from the plan by refarch.ai_cluster. Do not edit by hand: changes are overwritten."

# Paths of Debian 12's packaging of Slurm 22.05 (slurm-wlm 22.05.8-4+deb12u3). The daemons' systemd
# units name the PID files (PIDFile=), and systemd only finds a daemon's main process when
# slurm.conf writes the PID there; the spool and state directories are the ones the packages create
# and chown to slurm in their postinst; the log files are the ones logrotate rotates.
DEBIAN_PATHS: dict[str, str] = {
    # slurmctld.deb: /var/lib/slurm/slurmctld/ (postinst: chown slurm:slurm), examples/slurm.conf.simple
    "StateSaveLocation": "/var/lib/slurm/slurmctld",
    # slurmd.deb: /var/lib/slurm/slurmd/ (postinst: chown slurm:slurm), examples/slurm.conf.simple
    "SlurmdSpoolDir": "/var/lib/slurm/slurmd",
    # slurmctld.deb: lib/systemd/system/slurmctld.service PIDFile=/run/slurmctld.pid
    "SlurmctldPidFile": "/run/slurmctld.pid",
    # slurmd.deb: lib/systemd/system/slurmd.service PIDFile=/run/slurmd.pid
    "SlurmdPidFile": "/run/slurmd.pid",
    # slurmctld.deb: etc/logrotate.d/slurmctld (/var/log/slurm/slurmctld.log), /var/log/slurm/
    "SlurmctldLogFile": "/var/log/slurm/slurmctld.log",
    # slurmd.deb: etc/logrotate.d/slurmd (/var/log/slurm/slurmd.log)
    "SlurmdLogFile": "/var/log/slurm/slurmd.log",
}

# The options and their defaults. The lab twin's containers have no cgroup hierarchy of their own:
# it sets proctrack_type=proctrack/linuxproc and task_plugin=task/none.
DEFAULTS: dict[str, Any] = {
    # ProctrackType: how slurmd finds a job's processes (to signal and kill them).
    "proctrack_type": "proctrack/cgroup",
    # TaskPlugin: cgroup confines a job to its cores, memory and GPUs; affinity binds tasks to cores.
    "task_plugin": "task/cgroup,task/affinity",
    # cgroup.conf CgroupPlugin: autodetect picks v1 or v2 on each node (Debian 12 runs cgroup v2).
    "cgroup_plugin": "autodetect",
    # KillWait: seconds between SIGTERM and SIGKILL at a job's time limit (Slurm's default).
    "kill_wait": 30,
    # PriorityWeightFairshare: weight of the accounts' fair share in a job's priority (Slurm's
    # default is 0, which would make the accounts' fairshare meaningless).
    "priority_weight_fairshare": 10000,
    # gres.conf for a node without GPU facts: False writes Count=N (the plan's count, no File);
    # True writes File=/dev/nvidia[0-N-1], the driver's device files of N GPUs. Slurm 22.05 drops a
    # gpu GRES without File when slurmd loads its configuration (gres.conf(5): "File is required
    # for all gpu typed GRES"), so a node of Count=N lines reports no GPU and slurmctld drains it.
    "gpu_files_without_facts": False,
}

_ALLOWED = {
    # The plugins Debian's slurm-wlm-basic-plugins ships (cray_aries aside).
    "proctrack_type": ("proctrack/cgroup", "proctrack/linuxproc", "proctrack/pgid"),
    "task_plugin": ("task/affinity", "task/cgroup", "task/none"),
    "cgroup_plugin": ("autodetect", "cgroup/v1", "cgroup/v2"),
}

# Slurm's hostlist refuses a range of more than MAX_RANGE hosts (src/common/hostlist.c, MAX_RANGE).
MAX_RANGE = 64 * 1024
# Longer numeric suffixes are not compressed (strtoul would overflow in Slurm's parser).
_MAX_DIGITS = 18
_SUFFIX = re.compile(r"^(.*?)([0-9]+)$")
# Characters that would break a hostlist, a key=value line or a comma list in Slurm's files.
_BAD_NAME = re.compile(r"[\s\[\],=#:()]")
_BAD_WORD = re.compile(r"[\s,=#]")


# --- names ---------------------------------------------------------------------------------------

def hostlist(names: Iterable[str]) -> str:
    """Slurm's compressed form of a list of host (or file) names: ``lab-node-[1-4],lab-head-1``.

    Why: partitions and switches of a 200-node cluster would otherwise be lines of kilobytes.
    Compression is exact, so Slurm expands the string to exactly these names (duplicates once): a
    range is written only where Slurm's expansion (``src/common/hostlist.c``: the width of a range
    is the length of its low bound, every number printed zero-padded to it) gives back each name
    character for character, so ``n[9-10]`` and ``n[09-10]`` both come out right and ``n1`` never
    becomes ``n01``. The order is natural (by prefix, then number), which is the order Slurm
    itself sorts a hostlist into; node lists mean sets in these files.
    """
    groups: dict[str, list[str]] = {}
    literal: list[str] = []
    for name in dict.fromkeys(names):
        if not isinstance(name, str) or not name or _BAD_NAME.search(name):
            raise SlurmConfigError("%r cannot be a name in a Slurm host list" % (name,))
        match = _SUFFIX.match(name)
        if match is None or len(match.group(2)) > _MAX_DIGITS:
            literal.append(name)
        else:
            groups.setdefault(match.group(1), []).append(match.group(2))
    pieces: list[tuple[tuple[str, int, int], str]] = [((name, -1, 0), name) for name in literal]
    for prefix, numbers in groups.items():
        numbers.sort(key=lambda digits: (int(digits), len(digits)))
        ranges = _ranges(numbers)
        if len(numbers) == 1:
            text = prefix + numbers[0]
        else:
            text = "%s[%s]" % (prefix, ",".join(lo if lo == hi else "%s-%s" % (lo, hi) for lo, hi in ranges))
        pieces.append(((prefix, int(numbers[0]), len(numbers[0])), text))
    return ",".join(text for _key, text in sorted(pieces))


def _ranges(numbers: Sequence[str]) -> list[tuple[str, str]]:
    """Runs of consecutive numbers (sorted digit strings) that Slurm expands back exactly."""
    out: list[tuple[str, str]] = []
    for digits in numbers:
        if out:
            lo, hi = out[-1]
            value = int(digits)
            if (value == int(hi) + 1 and digits == str(value).zfill(len(lo))
                    and value - int(lo) + 1 <= MAX_RANGE):
                out[-1] = (lo, digits)
                continue
        out.append((digits, digits))
    return out


def gres_type(name: str) -> str:
    """The Slurm GPU type of a GPU model name, as Slurm's NVML AutoDetect names it.

    Why: a hand-written gres.conf should call a GPU what an autodetected one would, so that
    switching to ``AutoDetect=nvml`` (a Slurm built with NVML) keeps the types of slurm.conf, the
    accounts' limits and the users' ``--gres=gpu:TYPE:N``. The rule is Slurm's:
    ``src/plugins/gpu/nvml/gpu_nvml.c``, ``_nvml_get_device_name()``, passes NVML's device name
    (the ``product_name`` of ``nvidia-smi -q -x``) through ``gpu_common_underscorify_tolower()``
    (``src/plugins/gpu/common/gpu_common.c``): every character through C's ``tolower()``, every
    space to ``_``, nothing stripped (slurm-22-05-8-1 and master alike). ``NVIDIA H100 80GB HBM3``
    is ``nvidia_h100_80gb_hbm3``. (Slurm matches a configured type against an autodetected one by
    case-insensitive substring, ``src/plugins/gres/gpu/gres_gpu.c``, so ``h100`` would match that
    too; the full name is what AutoDetect itself reports.) The plan's model names (``lab-gpu``,
    ``H100-SXM5-80GB``) go through the same rule. MIG instances are named otherwise by AutoDetect;
    here a GPU is always a whole GPU.
    """
    if not isinstance(name, str) or not name.strip():
        raise SlurmConfigError("a GPU model name is needed for its Slurm type, got %r" % (name,))
    # C's tolower() in the C locale: ASCII letters only.
    out = "".join("_" if c == " " else (chr(ord(c) + 32) if "A" <= c <= "Z" else c) for c in name)
    if _BAD_NAME.search(out):
        raise SlurmConfigError("GPU model %r gives the Slurm type %r, which Slurm's Gres syntax cannot carry "
                               "(no ':', ',', '=', brackets, parentheses or white space other than spaces)"
                               % (name, out))
    return out


# --- inputs --------------------------------------------------------------------------------------

def options_with_defaults(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """:data:`DEFAULTS` overridden by ``options``; every unknown name or bad value at once.

    Why strict: a misspelt option (``task_plugins``) would otherwise leave the default in place
    without a word, and a wrong plugin name only shows when slurmd refuses to start on every node.
    """
    given = dict(options or {})
    problems = []
    unknown = sorted(k for k in given if k not in DEFAULTS)
    if unknown:
        problems.append("unknown Slurm option%s %s (known: %s)" % (
            "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(DEFAULTS))))
    merged = dict(DEFAULTS)
    merged.update((k, v) for k, v in given.items() if k in DEFAULTS and v is not None)
    for key in ("proctrack_type", "cgroup_plugin"):
        if merged[key] not in _ALLOWED[key]:
            problems.append("options.%s: %r is not one of %s" % (key, merged[key], ", ".join(_ALLOWED[key])))
    task = merged["task_plugin"]
    parts = task.split(",") if isinstance(task, str) else []
    if not parts or any(p not in _ALLOWED["task_plugin"] for p in parts) or ("task/none" in parts and len(parts) > 1):
        problems.append("options.task_plugin: %r is not task/none or a comma list of %s" % (
            task, ", ".join(p for p in _ALLOWED["task_plugin"] if p != "task/none")))
    for key in ("kill_wait", "priority_weight_fairshare"):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append("options.%s: %r is not a whole number >= 0" % (key, value))
    if not isinstance(merged["gpu_files_without_facts"], bool):
        problems.append("options.gpu_files_without_facts: %r is not a boolean" % (merged["gpu_files_without_facts"],))
    if problems:
        raise SlurmConfigError(problems)
    return merged


def check_record(scheduler: Any) -> None:
    """Raise SlurmConfigError listing every field of the record the files cannot be made without.

    Why: the record comes from a plan (or an inventory variable) that may be older or newer than
    this renderer; a missing field must name itself, not surface as a KeyError in the middle of a
    file. Node names that partitions or switches use must be nodes of the record, as slurmctld
    refuses a partition of an unknown node.
    """
    if not isinstance(scheduler, Mapping):
        raise SlurmConfigError("scheduler: the plan's scheduler record (a mapping) is needed, got %s"
                               % type(scheduler).__name__)
    problems: list[str] = []
    if scheduler.get("kind", "slurm") != "slurm":
        problems.append("scheduler.kind: %r is not slurm" % (scheduler.get("kind"),))
    for key in ("cluster", "accounting"):
        if not isinstance(scheduler.get(key), str) or not scheduler.get(key):
            problems.append("scheduler.%s: a name is needed, got %r" % (key, scheduler.get(key)))
    addresses = scheduler.get("addresses")
    if not isinstance(addresses, Mapping):
        problems.append("scheduler.addresses: a mapping of name to address is needed")
        addresses = {}
    controllers = scheduler.get("controllers")
    if not isinstance(controllers, list) or not controllers:
        problems.append("scheduler.controllers: at least one head node is needed")
        controllers = []
    for name in controllers:
        if not addresses.get(name):
            problems.append("scheduler.addresses: no address for controller %s" % (name,))
    node_names: set[str] = set()
    nodes = scheduler.get("nodes")
    if not isinstance(nodes, list):
        problems.append("scheduler.nodes: a list of nodes is needed")
        nodes = []
    for i, node in enumerate(nodes):
        where = "scheduler.nodes[%d]" % i
        if not isinstance(node, Mapping) or not isinstance(node.get("name"), str) or not node.get("name"):
            problems.append("%s: a node with a name is needed" % where)
            continue
        name = node["name"]
        where = "scheduler.nodes[%d] (%s)" % (i, name)
        if name in node_names:
            problems.append("%s: a second node of that name" % where)
        node_names.add(name)
        if not addresses.get(name):
            problems.append("scheduler.addresses: no address for node %s" % name)
        gpus = node.get("gpus") or 0
        if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
            problems.append("%s.gpus: %r is not a whole number >= 0" % (where, node.get("gpus")))
        elif gpus and not node.get("gpu_model"):
            problems.append("%s.gpu_model: the GPU model is needed for the Slurm type of its %d GPUs" % (where, gpus))
        features = node.get("features") or []
        if not isinstance(features, list) or any(not isinstance(f, str) or not f or _BAD_WORD.search(f)
                                                 for f in features):
            problems.append("%s.features: %r is not a list of words (no spaces, commas or '=')" % (where, features))
    partitions = scheduler.get("partitions")
    if not isinstance(partitions, list):
        problems.append("scheduler.partitions: a list of partitions is needed")
        partitions = []
    for i, part in enumerate(partitions):
        if not isinstance(part, Mapping) or not part.get("name"):
            problems.append("scheduler.partitions[%d]: a partition with a name is needed" % i)
            continue
        where = "scheduler.partitions[%d] (%s)" % (i, part["name"])
        if str(part.get("preempt_mode", "off")).upper() not in ("OFF", "CANCEL", "REQUEUE", "SUSPEND"):
            problems.append("%s.preempt_mode: %r is not off, cancel, requeue or suspend" % (where, part.get("preempt_mode")))
        for key in ("priority_tier", "grace_time_s"):
            value = part.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append("%s.%s: %r is not a whole number >= 0" % (where, key, value))
        accounts = part.get("allow_accounts")
        if accounts is not None and (not isinstance(accounts, list) or not accounts
                                     or any(not isinstance(a, str) or _BAD_WORD.search(a) for a in accounts)):
            problems.append("%s.allow_accounts: %r is not null or a list of account names" % (where, accounts))
        unknown = [n for n in part.get("nodes") or [] if n not in node_names]
        if unknown:
            problems.append("%s.nodes: not nodes of the record: %s" % (where, ", ".join(map(str, unknown))))
    topology = scheduler.get("topology")
    if not isinstance(topology, list):
        problems.append("scheduler.topology: a list of switches is needed")
        topology = []
    switch_names = {s.get("name") for s in topology if isinstance(s, Mapping)}
    for i, switch in enumerate(topology):
        if not isinstance(switch, Mapping) or not switch.get("name"):
            problems.append("scheduler.topology[%d]: a switch with a name is needed" % i)
            continue
        where = "scheduler.topology[%d] (%s)" % (i, switch["name"])
        unknown = [n for n in switch.get("nodes") or [] if n not in node_names]
        if unknown:
            problems.append("%s.nodes: not nodes of the record: %s" % (where, ", ".join(map(str, unknown))))
        unknown = [s for s in switch.get("switches") or [] if s not in switch_names]
        if unknown:
            problems.append("%s.switches: not switches of the record: %s" % (where, ", ".join(map(str, unknown))))
    if problems:
        raise SlurmConfigError(problems)


def _facts_gpus(name: str, facts: Mapping[str, Any] | None) -> list[Mapping[str, Any]] | None:
    """The GPUs of a node's ``gpu_facts`` (``nodes[name]["gpu"]``), or None without usable facts."""
    gpu = (facts or {}).get("gpu")
    if not isinstance(gpu, Mapping) or not gpu.get("available"):
        return None
    gpus = gpu.get("gpus")
    if not isinstance(gpus, list):
        raise SlurmConfigError("nodes.%s.gpu: gpu_facts without a list of gpus" % name)
    return gpus


def _gpu_groups(node: Mapping[str, Any], facts: Mapping[str, Any] | None,
                files_without_facts: bool = False) -> list[tuple[str, int, list[int] | None]]:
    """``[(type, count, device minor numbers or None)]`` of one node, one entry per GPU type.

    Why both sources: the facts say what the node has (the device files and the model NVML
    reports); the plan says what it should have. The type is the facts' where they show GPUs, so
    that slurm.conf and gres.conf agree with what the node reports. The count of slurm.conf is the
    plan's where the node has one GPU type: slurmd reports the GPUs gres.conf lists, and slurmctld
    drains a node that reports fewer than slurm.conf says (``gres/gpu count reported lower than
    configured``), which is how a GPU lost off the bus should show. Several types on one node (no
    plan has that) are counted as the facts show them.
    """
    name = node["name"]
    planned = node.get("gpus") or 0
    gpus = _facts_gpus(name, facts)
    if gpus:
        groups: dict[str, list[int]] = {}
        for i, gpu in enumerate(gpus):
            if not isinstance(gpu, Mapping):
                raise SlurmConfigError("nodes.%s.gpu.gpus[%d]: not a GPU of gpu_facts" % (name, i))
            minor = gpu.get("minor_number")
            if isinstance(minor, bool) or not isinstance(minor, int) or minor < 0:
                raise SlurmConfigError("nodes.%s.gpu.gpus[%d]: no minor number (the N of /dev/nvidiaN), got %r"
                                       % (name, i, minor))
            try:
                kind = gres_type(gpu.get("name") or "")
            except SlurmConfigError as exc:
                raise SlurmConfigError("nodes.%s.gpu.gpus[%d]: %s" % (name, i, exc)) from None
            groups.setdefault(kind, []).append(minor)
        if len(groups) == 1:
            kind, minors = next(iter(groups.items()))
            return [(kind, planned or len(minors), sorted(minors))]
        return [(kind, len(minors), sorted(minors)) for kind, minors in groups.items()]
    if not planned:
        return []
    # No facts, or facts of a node whose driver shows no GPU: File= of devices that are absent
    # would stop slurmd (it waits for them, then exits), so only a node without facts gets them.
    files = list(range(planned)) if files_without_facts and gpus is None else None
    return [(gres_type(node["gpu_model"]), planned, files)]


def _facts_int(name: str, facts: Mapping[str, Any] | None, key: str) -> int | None:
    value = (facts or {}).get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():  # templated facts may be text
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SlurmConfigError("nodes.%s.%s: %r is not a whole number > 0" % (name, key, value))
    return value


def _nodes(nodes: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, Any]]:
    if nodes is None:
        return {}
    if not isinstance(nodes, Mapping) or any(v is not None and not isinstance(v, Mapping) for v in nodes.values()):
        raise SlurmConfigError("nodes: a mapping of node name to its facts (cpus, memory_mb, gpu) is needed")
    return {k: v or {} for k, v in nodes.items()}


def _line(*pairs: tuple[str, Any]) -> str:
    """``Key=value`` words of one line, in order; pairs whose value is None are left out."""
    return " ".join("%s=%s" % (k, v) for k, v in pairs if v is not None)


# --- files ---------------------------------------------------------------------------------------

def slurm_conf(scheduler: Mapping[str, Any], nodes: Mapping[str, Any] | None = None,
               options: Mapping[str, Any] | None = None) -> str:
    """``slurm.conf``: the cluster, its controllers, accounting, plugins, nodes and partitions.

    Why these settings (docs/scheduler.md): the pool is shared by priority tiers and preemption
    (``preempt/partition_prio``, ``PreemptMode=REQUEUE``, requeued jobs allowed), accounting is
    enforced so that the tenants' GPU limits hold (``associations,limits,qos`` with ``gres/gpu``
    tracked), jobs are placed under as few switches as possible (``topology/tree``) and allocated
    cores and memory (``cons_tres``, ``CR_Core_Memory``). The daemons talk over the addresses of
    the record (``SlurmctldHost=NAME(ADDRESS)``, ``NodeAddr``, ``AccountingStorageHost``), so
    nothing depends on name resolution. ``ReturnToService=2`` lets a node that was down for not
    responding come back by itself once it registers with a valid configuration.

    The partitions carry the record's node lists; the mode switch rewrites the pool partitions'
    nodes at run time with ``scontrol update``. ``nodes`` holds each node's facts (``cpus``,
    ``memory_mb``, ``gpu``): CPUs and RealMemory are written only where given, as a RealMemory
    above the node's drains it.
    """
    check_record(scheduler)
    facts = _nodes(nodes)
    opts = options_with_defaults(options)
    addresses = scheduler["addresses"]
    out = [HEADER % "slurm.conf", "ClusterName=%s" % scheduler["cluster"]]
    out.append("# Controllers: the first is the primary, the next ones its backups.")
    out += ["SlurmctldHost=%s(%s)" % (name, addresses[name]) for name in scheduler["controllers"]]
    accounting = scheduler["accounting"]
    out += [
        "SlurmUser=slurm",
        "AuthType=auth/munge",
        "# Paths of Debian's packages (systemd units, postinst, logrotate).",
    ]
    out += ["%s=%s" % item for item in DEBIAN_PATHS.items()]
    out += [
        "# Accounting: slurmdbd, with the accounts' limits enforced and GPUs tracked.",
        "AccountingStorageType=accounting_storage/slurmdbd",
        "AccountingStorageHost=%s" % (addresses.get(accounting) or accounting),
        "AccountingStorageEnforce=associations,limits,qos",
        "AccountingStorageTRES=gres/gpu",
        "# Resources and placement.",
        "GresTypes=gpu",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "TopologyPlugin=topology/tree",
        "ProctrackType=%s" % opts["proctrack_type"],
        "TaskPlugin=%s" % opts["task_plugin"],
        "# Sharing the pool: partition priority tiers, requeue on preemption, fair share.",
        "PreemptType=preempt/partition_prio",
        "PreemptMode=REQUEUE",
        "JobRequeue=1",
        "PriorityType=priority/multifactor",
        "PriorityWeightFairshare=%d" % opts["priority_weight_fairshare"],
        "KillWait=%d" % opts["kill_wait"],
        "ReturnToService=2",
        "# The mode switch changes the pool partitions' nodes; scontrol reconfigure keeps them.",
        "ReconfigFlags=KeepPartInfo",
        "# Nodes, in plan order.",
    ]
    for node in scheduler["nodes"]:
        name = node["name"]
        mine = facts.get(name)
        groups = _gpu_groups(node, mine)
        gres = ",".join("gpu:%s:%d" % (kind, count) for kind, count, _minors in groups)
        out.append(_line(
            ("NodeName", name), ("NodeAddr", addresses[name]),
            ("CPUs", _facts_int(name, mine, "cpus")), ("RealMemory", _facts_int(name, mine, "memory_mb")),
            ("Gres", gres or None), ("Feature", ",".join(node.get("features") or []) or None),
            ("State", "UNKNOWN")))
    out.append("# Partitions; the mode switch changes the pool partitions' nodes at run time.")
    for part in scheduler["partitions"]:
        accounts = part.get("allow_accounts")
        out.append(_line(
            ("PartitionName", part["name"]), ("Nodes", hostlist(part.get("nodes") or []) or None),
            ("Default", "YES" if part.get("default") else "NO"),
            ("PriorityTier", part.get("priority_tier", 0)),
            ("PreemptMode", str(part.get("preempt_mode", "off")).upper()),
            ("GraceTime", part.get("grace_time_s", 0)),
            ("AllowAccounts", ",".join(accounts) if accounts is not None else None),
            ("State", "UP"), ("MaxTime", "INFINITE"), ("OverSubscribe", "NO")))
    return "\n".join(out) + "\n"


def gres_conf(scheduler: Mapping[str, Any], nodes: Mapping[str, Any] | None = None,
              options: Mapping[str, Any] | None = None) -> str:
    """``gres.conf``: each node's GPUs, one line per GPU type.

    Why from facts: the device file of a GPU is ``/dev/nvidiaN`` with N its minor number, which
    need not follow nvidia-smi's index; where the caller has the node's ``gpu_facts``
    (``nodes[name]["gpu"]``) the files are those of the minor numbers nvidia-smi reports, as
    Slurm's NVML AutoDetect would write them (``gpu_nvml.c``: ``/dev/nvidia%u`` of the minor
    number). Without facts (the lab twin's nodes have no GPU) the plan's count is written,
    ``Count=N`` without File, or ``File=/dev/nvidia[0-N-1]`` with the option
    ``gpu_files_without_facts`` (see :data:`DEFAULTS` for why the option exists).
    """
    check_record(scheduler)
    facts = _nodes(nodes)
    opts = options_with_defaults(options)
    out = [HEADER % "gres.conf"]
    for node in scheduler["nodes"]:
        for kind, count, minors in _gpu_groups(node, facts.get(node["name"]), opts["gpu_files_without_facts"]):
            where: tuple[str, Any]
            if minors is None:
                where = ("Count", count)
            else:
                where = ("File", hostlist("/dev/nvidia%d" % m for m in minors))
            out.append(_line(("NodeName", node["name"]), ("Name", "gpu"), ("Type", kind), where))
    return "\n".join(out) + "\n"


def topology_conf(scheduler: Mapping[str, Any]) -> str:
    """``topology.conf``: the record's switches for ``topology/tree``, leaves first, root last.

    Why: Slurm places a job on nodes under as few switches as it can; the record's switches are the
    plan's fabric (a scalable unit or leaf, then pods, then the fabric as the root).
    """
    check_record(scheduler)
    out = [HEADER % "topology.conf"]
    for switch in scheduler["topology"]:
        out.append(_line(("SwitchName", switch["name"]),
                         ("Nodes", hostlist(switch.get("nodes") or []) or None),
                         ("Switches", hostlist(switch.get("switches") or []) or None)))
    return "\n".join(out) + "\n"


def cgroup_conf(options: Mapping[str, Any] | None = None) -> str:
    """``cgroup.conf``: confine a job to the cores, memory and GPUs it was given.

    Why: with ``task/cgroup`` a job sees only its own GPUs (ConstrainDevices, which needs gres.conf's
    File) and cannot take another job's memory or cores. ``CgroupPlugin`` per option (autodetect:
    Debian 12 runs cgroup v2, older nodes v1). Harmless where the options choose task/none.
    """
    opts = options_with_defaults(options)
    return "\n".join([
        HEADER % "cgroup.conf",
        "CgroupPlugin=%s" % opts["cgroup_plugin"],
        "ConstrainCores=yes",
        "ConstrainDevices=yes",
        "ConstrainRAMSpace=yes",
    ]) + "\n"


def render_all(scheduler: Mapping[str, Any], nodes: Mapping[str, Any] | None = None,
               options: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Every file, keyed by its name in /etc/slurm (:data:`FILES`).

    Why one call: the files must agree with one another (a node's GPU type in slurm.conf and in
    gres.conf), so they are made from the same inputs at once; the inputs are checked once, with
    every problem reported together.
    """
    check_record(scheduler)
    opts = options_with_defaults(options)
    return {
        "slurm.conf": slurm_conf(scheduler, nodes, opts),
        "gres.conf": gres_conf(scheduler, nodes, opts),
        "topology.conf": topology_conf(scheduler),
        "cgroup.conf": cgroup_conf(opts),
    }


def pool_files(scheduler: Mapping[str, Any]) -> dict[str, str]:
    """The mode switch's configuration (``refarch-pool.json``, for /etc/slurm) and its systemd units
    (``refarch-pool-mode.service`` and one timer per mode, for /etc/systemd/system).

    The configuration is checked by the switch's own loader (module_utils.slurm_pool.load_config),
    so that the file the role writes is one the switch on the controller accepts.
    """
    grace: dict[str, int] = dict(scheduler.get("grace") or {})
    config = {"modes": [{"name": m["name"], "start": m["start"], "inference": list(m["inference"]),
                         "training": list(m["training"])} for m in scheduler.get("modes") or []],
              "grace": grace}
    try:
        loaded = slurm_pool.load_config(config)
    except slurm_pool.ConfigError as exc:
        raise SlurmConfigError(["scheduler.modes: %s" % exc]) from None
    files = {"refarch-pool.json": json.dumps(config, indent=2, sort_keys=True) + "\n"}
    files.update(slurm_pool.timer_units(loaded.modes, grace))
    return files
