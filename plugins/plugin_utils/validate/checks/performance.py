# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Performance: ``ib_write_bw`` per rail and ``all_reduce_perf`` per node, against a share of line rate.

The thresholds are percentages of the plan's speeds (``DEFAULT_THRESHOLDS``, overridden by the
design's ``validation`` section, then by the play's ``thresholds``). A run that gave no result is
a symptom of its port or its peer; a result below the threshold is a finding of its own.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import parse_all_reduce, parse_ib_write_bw

DEFAULT_THRESHOLDS = {"rdma_bw_min_percent": 90, "nccl_busbw_min_percent": 80}


def check_performance(run: Run) -> None:
    """RDMA bandwidth per rail and NCCL bus bandwidth per node, when the tests ran."""
    design = run.plan.get("design") or {}
    thresholds = dict(DEFAULT_THRESHOLDS)
    thresholds.update({k: v for k, v in (design.get("validation") or {}).items() if v is not None})
    thresholds.update({k: v for k, v in (run.options.get("thresholds") or {}).items() if v is not None})
    nodes = [n for n in sorted(run.ok) if run.devices[n].get("role") == "gpu_node"]
    if not nodes:
        return
    if not run.options.get("performance", True):
        for n in nodes:
            run.skip("rdma_bw", "performance tests disabled (validate_performance: false)", n)
            run.skip("nccl", "performance tests disabled (validate_performance: false)", n)
        return
    for n in nodes:
        perf = run.ok[n].get("perf") or {}
        rdma = perf.get("rdma") or {}
        if rdma.get("skipped"):
            run.skip("rdma_bw", rdma["skipped"], n)
        for bench in rdma.get("runs") or []:
            if bench.get("role") != "client":
                continue
            run.count("rdma_bw")
            bw = parse_ib_write_bw((bench.get("result") or {}).get("stdout"))
            line = float(bench.get("speed_gbps") or 0)
            need = line * float(thresholds["rdma_bw_min_percent"]) / 100.0
            where = "%s rail %s -> %s" % (n, bench.get("rail"), bench.get("peer"))
            if bw is None:
                err = ((bench.get("result") or {}).get("stderr") or "").strip().splitlines()
                run.findings.symptom([("port", n, bench.get("ifname")), ("gather", bench.get("peer"))],
                                     "ib_write_bw %s: no result" % where, severity="error", check="rdma_bw", device=n,
                                     port=bench.get("ifname"), peer_device=bench.get("peer"),
                                     message="ib_write_bw %s gave no result: %s" % (where, err[-1] if err else "no output"),
                                     expected=">= %.0f Gb/s" % need, observed=None,
                                     fix="run ib_write_bw by hand between %s and %s (RDMA device, GID, firewall)"
                                         % (n, bench.get("peer")))
            elif bw < need:
                run.findings.add("error", "rdma_bw", n, "ib_write_bw %s: %.1f Gb/s, below %s%% of %s Gb/s (%.0f)" % (
                    where, bw, thresholds["rdma_bw_min_percent"], line, need), port=bench.get("ifname"),
                    peer_device=bench.get("peer"), expected=need, observed=bw,
                    fix="check PFC/ECN on the rail %s switches, the NIC's PCIe link (lspci -vv) and its firmware"
                        % bench.get("rail"))
        nccl = perf.get("nccl") or {}
        if nccl.get("skipped"):
            run.skip("nccl", nccl["skipped"], n)
        if nccl.get("result"):
            run.count("nccl")
            parsed = parse_all_reduce(nccl["result"].get("stdout"))
            d = run.devices[n]
            line = sum(float(i.get("speed_gbps") or 0) for i in d.get("interfaces") or [] if i.get("role") == "compute")
            need = line / 8.0 * float(thresholds["nccl_busbw_min_percent"]) / 100.0
            got = (parsed or {}).get("max_busbw")
            if got is None:
                run.findings.add("error", "nccl", n, "all_reduce_perf from %s gave no result" % n, expected=need,
                                 fix="run all_reduce_perf by hand (mpirun, NCCL_DEBUG=INFO) from %s" % n)
            elif got < need:
                run.findings.add("error", "nccl", n, "all_reduce_perf bus bandwidth %.1f GB/s, below %s%% of the "
                                 "node's %s Gb/s of compute rails (%.1f GB/s)" % (
                                     got, thresholds["nccl_busbw_min_percent"], line, need),
                                 expected=need, observed=got,
                                 fix="check NCCL_IB_HCA/NCCL_IB_GID_INDEX in /etc/nccl.conf, GPUDirect RDMA "
                                     "(nvidia-peermem) and the rails' ib_write_bw results")
