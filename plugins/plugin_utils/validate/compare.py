# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation: the cluster that was built against the cluster that was designed.

Every host gathers raw outputs once (``plugins/modules/validate_gather.py``: ``ip -j -d addr``,
``lldpcli -f json show neighbors``, ``vtysh -c 'show bgp summary json'``, ``vtysh -c 'show ip
route json'``, ``ethtool -i``, the ``gpu_facts`` summary of ``nvidia-smi -q -x``, don't-fragment
pings, ``ib_write_bw`` and ``all_reduce_perf``); ``compare()`` here reads those outputs next to
the plan, once, on the controller, and returns one finding per problem with the fix to make.

Findings come in two layers so that one fault is named once, exactly:

* causes, read straight from a device's state: a planned port missing, down or without carrier,
  a port MTU or address other than the plan's, a cable in the wrong port (LLDP), a daemon that
  does not answer (bgpd, lldpd), a host that could not be gathered;
* symptoms, seen from elsewhere: a BGP session not established, an ECMP group narrower than the
  plan's, a ping that gets no answer, a neighbour that LLDP does not see.

A symptom that a cause explains is folded into that cause (its ``explains`` list) instead of being
reported again; a symptom that nothing explains is a finding of its own. That is why ``CHECKS``
run in a fixed order, causes before the symptoms they explain. Where things are:

* ``parsers.py``: the gathered outputs, parsed; ``probes.py``: the plan's indexes and what the
  gatherer is told to run;
* ``checks/``: one module per family of checks, each a function ``check_xxx(run)`` over one
  ``checks.context.Run``; ``finding.py``: the finding shape and the cause/symptom collector;
* ``report.py``: the report as text and Markdown.

Nothing in this package imports Ansible: the unit tests feed it recorded outputs.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.addresses import (
    check_addresses, check_unplanned_addresses)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.bgp import check_bgp_sessions
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.cabling import check_cabling
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.ecmp import check_ecmp
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.gather import check_gathered
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.gpus import check_gpus
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.host import (
    check_gateway_mtu, check_gpu_host, check_host_routing, check_imex, check_nccl_conf, check_roce_qos,
    check_services, check_sysctls)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.nics import check_nics
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.performance import check_performance
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.pings import check_pings
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.ports import check_links, check_mtu
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.scheduler import check_scheduler
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.finding import counts, sort_key

# The order matters: a symptom folds into a cause only when the cause was reported before it.
CHECKS = (
    check_gathered,       # hosts that could not be read
    check_links,          # ports missing, down, without carrier
    check_mtu,            # port MTUs
    check_gateway_mtu,    # the leaves' host-facing gateway (bridge/SVI) MTU
    check_addresses,      # port, loopback and gateway addresses
    check_unplanned_addresses,  # addresses the plan does not give out, duplicates named with both holders
    check_host_routing,   # host policy rules and per-NIC routing tables
    check_sysctls,        # kernel settings the roles set (hosts' ARP/rp_filter, switches' forwarding)
    check_gpus,           # GPUs against the catalog
    check_gpu_host,       # gpu_host's settings: kernel parameters, modules, memlock, persistence, MIG
    check_nics,           # NIC speed, firmware, driver
    check_cabling,        # LLDP against the plan's cables
    check_bgp_sessions,   # bgpd, neighbours, sessions
    check_ecmp,           # ECMP width (reads the sessions down)
    check_pings,          # reachability and path MTU
    check_performance,    # ib_write_bw, all_reduce_perf
    check_nccl_conf,      # nccl.conf against host_network's NCCL settings
    check_roce_qos,       # NICs' RoCE QoS (trust, PFC, traffic class, ECN) where the NIC and tools exist
    check_imex,           # the IMEX node list of each NVLink domain's trays
    check_services,       # services the roles enable
    check_scheduler,      # Slurm: nodes registered with their GPUs, partitions in a planned mode, topology
)


def compare(plan: dict, gathered: dict, models: dict | None = None, options: dict | None = None) -> dict:
    """Findings of one validation run (see the module docstring) and a summary.

    ``plan``: the plan as a dict (``Plan.to_dict()`` or ``plan.json``); ``gathered``: {host: what
    ``validate_gather`` returned, or a failed/unreachable result}; ``models``: {server model:
    {vendor, gpu_model, gpu_count, gpu_memory_gib}} from the catalog; ``options``: unnumbered,
    performance, pins {gpu_driver_branch, nic_firmware, nic_driver}, thresholds.
    """
    run = Run(plan, gathered or {}, models, options)
    for check in CHECKS:
        check(run)
    _report_skipped(run)
    items = run.findings.items
    _name_planes(run, items)
    items.sort(key=sort_key)
    tally = counts(items)
    return {
        "plan": plan.get("name"),
        "passed": tally["error"] == 0,
        "counts": tally,
        "checked": dict(sorted(run.stats.items())),
        "devices": {"gathered": sorted(run.checked), "planned": len(plan["devices"])},
        "findings": items,
    }


def _name_planes(run, items):
    """In a fabric of several planes, each finding says its plane (of its device, else of its cable)."""
    for item in items:
        plane = None
        for dev, port in ((item.get("device"), item.get("port")), (item.get("peer_device"), item.get("peer_port"))):
            plane = (run.devices.get(dev) or {}).get("plane") if isinstance(dev, str) else None
            if plane is None and (dev, port) in run.cables:
                plane = run.cables[(dev, port)][1].get("plane")
            if plane is not None:
                break
        item["plane"] = plane
        if plane is not None:
            item["message"] = "plane %s: %s" % (plane, item["message"])


def _report_skipped(run):
    """One info finding per check skipped and reason, naming the devices."""
    for (check, reason), devs in sorted(run.skipped.items()):
        devs = sorted(set(devs))
        run.findings.add("info", check, ", ".join(devs) if len(devs) <= 3 else "%d devices" % len(devs),
                         "%s skipped on %s: %s" % (check, _names(devs), reason), status="skipped",
                         observed=devs, fix=None)


def _names(devs):
    if len(devs) <= 4:
        return ", ".join(devs)
    return "%s ... %s (%d)" % (", ".join(devs[:2]), devs[-1], len(devs))
