# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scheduler of the shared GPU pool, planned: who runs it, where every node is, who may use what.

The design's ``scheduler`` section names the kind and the pool's modes; everything else comes from
the plan, so the Slurm files, the mode switch and the validation read one record
(``plan.scheduler``, the inventory's ``refarch_scheduler``) and never the design:

* **controllers**: the head nodes, which are appliances of catalog role ``management`` placed and
  cabled like every other appliance (the first runs slurmctld and accounting, the second a backup
  slurmctld);
* **addresses**: Slurm talks over the in-band fabric where the design has one (the SuperPOD RA puts
  the management servers and every node's in-band port there), else over each host's first compute
  NIC, as in the lab, whose hosts have no other network;
* **topology**: Slurm's tree plugin places a job under as few switches as it can. A Slurm "leaf
  switch" is a set of nodes one switch hop apart: on a rail-optimized fabric that is a scalable
  unit (rail r of every node of the SU is on the SU's rail-r leaf, so any two nodes of an SU meet
  on every rail through one leaf), otherwise the leaf (or MLAG leaf pair) the node is cabled to.
  Above them a three-tier fabric has its pods (one spine hop), and the fabric itself is the root;
* **partitions**: ``inference`` and ``training`` over the shared pool (priority tiers and
  preemption, see docs/scheduler.md), and one partition per tenant that reserves nodes;
* **accounts**: the tenants, with a GPU quota and a fair share;
* **modes**: which pool nodes serve inference and which training in each mode, from its start.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import APPLIANCE_ROLE, NODE_ROLE
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.naming import group_name

# The catalog role of an appliance that can run the scheduler's controller (catalog/appliances.yml).
HEAD_NODE_ROLE = "management"
INFERENCE = "inference"
TRAINING = "training"
# Priority tiers of the pool's partitions: inference jobs are scheduled (and may preempt) first.
INFERENCE_TIER = 2
TRAINING_TIER = 1


def scheduler_record(plan: Any) -> dict[str, Any] | None:
    """The plan's scheduler record (docs/scheduler.md), or None when the design has no scheduler.

    Raises DesignError naming the design field when the plan cannot carry the scheduler.
    """
    spec = plan.design.raw.get("scheduler")
    if not spec:
        return None
    devices: dict[str, Device] = plan.devices
    nodes = [d for d in devices.values() if d.role == NODE_ROLE]
    catalog = plan.design.catalog
    heads = [d for d in devices.values() if d.role == APPLIANCE_ROLE
             and getattr(catalog.appliances.get(d.model), "role", None) == HEAD_NODE_ROLE]
    problems: list[str] = []
    if not heads:
        problems.append(field("scheduler", "no head node to run the %s controller: add a management appliance "
                              "to a fabric, e.g. fabrics.inband.appliances: {model: mgmt-x86, count: 2} "
                              "(catalog appliances of role %s: %s)" % (
                                  spec["kind"], HEAD_NODE_ROLE,
                                  ", ".join(sorted(k for k, v in catalog.appliances.items()
                                                   if v.role == HEAD_NODE_ROLE)) or "none")))
    controllers = [d.name for d in heads[:2]]
    addresses: dict[str, str] = {}
    for dev in heads[:2] + nodes:
        address = _address(dev)
        if address is None:
            problems.append(field("scheduler", "%s has no address the scheduler can reach it at: it needs an "
                                  "in-band fabric (fabrics.inband) or an addressed compute NIC" % dev.name))
        else:
            addresses[dev.name] = address
    tenants = plan.design.tenants
    reserved = {t["name"]: [n.name for n in nodes if n.tenant == t["name"]] for t in tenants}
    pool = [n.name for n in nodes if n.tenant is None]
    modes = _modes(spec, pool, problems)
    if problems:
        raise DesignError(problems)
    server = plan.design.catalog.servers[plan.design.node_model]
    training = [n for n in pool if any(n in m[TRAINING] for m in modes)]
    partitions = [_partition(INFERENCE, pool, INFERENCE_TIER, "off", True, None, 0)]
    if training:
        partitions.append(_partition(TRAINING, training, TRAINING_TIER, "requeue", False, None,
                                     int(spec.get("grace", {}).get("training_s", 600))))
    for tenant in tenants:
        if reserved[tenant["name"]]:
            partitions.append(_partition("tenant-" + tenant["name"], reserved[tenant["name"]], INFERENCE_TIER,
                                         "off", False, [tenant["name"]], 0))
    return {
        "kind": spec["kind"],
        "cluster": slurm_cluster_name(plan.name),
        "controllers": controllers,
        "accounting": controllers[0],
        "addresses": addresses,
        "nodes": [_node(n, server.gpu_model, server.gpu_count) for n in nodes],
        "topology": _topology(plan, nodes),
        "partitions": partitions,
        "accounts": [_account(t, reserved[t["name"]], server.gpu_count, _open_to(t["name"], partitions))
                     for t in tenants],
        "modes": modes,
        "grace": {"inference_s": int(spec.get("grace", {}).get("inference_s", 300)),
                  "training_s": int(spec.get("grace", {}).get("training_s", 600))},
    }


def slurm_cluster_name(name: str) -> str:
    """Slurm's ClusterName is lower case (slurm.conf(5)); the design name may hold upper case and '-'."""
    return name.lower().replace("-", "_")


def _address(dev: Device) -> str | None:
    """The in-band fabric address of ``dev`` (its bond's, where the plan bonds the in-band ports),
    else its first addressed compute NIC's; without the prefix length."""
    for fabric in ("inband", "compute"):
        for bond in dev.bonds or ():
            if bond.get("fabric") == fabric and bond.get("address"):
                return str(bond["address"]).split("/", 1)[0]
        for itf in dev.interfaces:
            if itf.fabric == fabric and itf.address:
                return str(itf.address).split("/", 1)[0]
    return None


def _node(node: Device, gpu_model: str, gpu_count: int) -> dict[str, Any]:
    # The SU and rack as features named like their inventory groups (su_1, rack_lab_su1_r1).
    features = [node.model, group_name("su", node.su), group_name("rack", node.rack), gpu_model]
    return {"name": node.name, "model": node.model, "gpus": gpu_count, "gpu_model": gpu_model,
            "su": node.su, "rack": node.rack, "tenant": node.tenant,
            "features": list(dict.fromkeys(features))}


def _partition(name: str, nodes: list[str], tier: int, preempt: str, default: bool,
               accounts: list[str] | None, grace_s: int) -> dict[str, Any]:
    return {"name": name, "nodes": list(nodes), "priority_tier": tier, "preempt_mode": preempt,
            "default": default, "allow_accounts": accounts, "grace_time_s": grace_s}


def _open_to(account: str, partitions: list[dict[str, Any]]) -> list[str]:
    """The partitions an account may submit to: those open to all, and its own."""
    return [p["name"] for p in partitions if p["allow_accounts"] is None or account in p["allow_accounts"]]


def _account(tenant: dict[str, Any], reserved: list[str], gpus_per_node: int,
             partitions: list[str]) -> dict[str, Any]:
    limit = tenant.get("gpu_limit")
    if limit is None and reserved:
        limit = len(reserved) * gpus_per_node
    return {"name": tenant["name"], "gpu_limit": limit, "fairshare": int(tenant.get("fairshare", 1)),
            "nodes": reserved, "partitions": partitions}


def _modes(spec: dict[str, Any], pool: list[str], problems: list[str]) -> list[dict[str, Any]]:
    """Each mode's inference and training nodes: training takes the last pool nodes, whole SUs first."""
    raw = spec.get("modes") or [{"name": "day", "start": "00:00"}]
    names = [m["name"] for m in raw]
    starts = [m["start"] for m in raw]
    if len(set(names)) != len(names):
        problems.append(field("scheduler.modes", "mode names must be unique; got %s" % ", ".join(names)))
    if len(set(starts)) != len(starts):
        problems.append(field("scheduler.modes", "two modes start at the same time; got %s" % ", ".join(starts)))
    if not pool:
        problems.append(field("tenants", "the tenants reserve every node: the shared pool has none left for "
                              "the scheduler's modes"))
    out = []
    for i, mode in enumerate(raw):
        want = mode.get("training_nodes", 0)
        count = len(pool) * int(want[:-1]) // 100 if isinstance(want, str) else int(want)
        if count > len(pool):
            problems.append(field("scheduler.modes[%d].training_nodes" % i, "%d nodes cannot train: the shared "
                                  "pool has %d (the GPU nodes no tenant reserves)" % (count, len(pool))))
            count = len(pool)
        split = len(pool) - count
        out.append({"name": mode["name"], "start": mode["start"], INFERENCE: pool[:split], TRAINING: pool[split:]})
    return sorted(out, key=lambda m: m["start"])


def _topology(plan: Any, nodes: list[Device]) -> list[dict[str, Any]]:
    """Slurm tree switches of the compute fabric: node groups one hop apart, pods, the fabric as root."""
    summary = plan.fabrics.get("compute") or {}
    rail_optimized = bool(summary.get("rail_optimized"))
    groups: dict[str, list[str]] = {}
    pods: dict[str, set[Any]] = {}
    for node in nodes:
        leaves = sorted({i.peer_device for i in node.interfaces if i.fabric == "compute"
                         and plan.devices.get(i.peer_device) is not None
                         and plan.devices[i.peer_device].role == "leaf"})
        if not leaves:
            continue
        name = "su%d" % node.su if rail_optimized else "_".join(leaves)
        groups.setdefault(name, []).append(node.name)
        pods.setdefault(name, set()).update(plan.devices[leaf].pod for leaf in leaves)
    out: list[dict[str, Any]] = [{"name": name, "nodes": members, "switches": []} for name, members in groups.items()]
    if len(out) < 2:
        return out
    tops = [g["name"] for g in out]
    if int(summary.get("tiers") or 2) == 3:
        by_pod: dict[str, list[str]] = {}
        for group in tops:
            pod = min(p for p in pods[group] if p is not None) if any(p is not None for p in pods[group]) else 1
            by_pod.setdefault("pod%d" % pod, []).append(group)
        if len(by_pod) > 1:
            out += [{"name": name, "nodes": [], "switches": members} for name, members in by_pod.items()]
            tops = list(by_pod)
    out.append({"name": "compute", "nodes": [], "switches": tops})
    return out
