# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPUs of the GPU nodes against the catalog's server model: count, model, memory, driver, NVSwitch, NVLink.

Read from the ``gpu_facts`` summary of ``nvidia-smi -q -x`` that the gatherer returns. A node
whose nvidia-smi does not answer is a cause (key ``("gpu", device)``); the lab's stand-in server
models have no GPU, so there the check is skipped with the reason rather than failed.
"""

from __future__ import annotations

import re

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run


def check_gpus(run: Run) -> None:
    """GPU nodes: the catalog's GPUs are there, registered, with their NVLinks up and the pinned driver."""
    pins = run.options.get("pins") or {}
    design_hosts = (run.plan.get("design") or {}).get("hosts") or {}
    branch_pin = pins.get("gpu_driver_branch") or design_hosts.get("driver_branch")
    for dev in sorted(run.ok):
        d = run.devices[dev]
        if d.get("role") == "gpu_node":
            _node_gpus(run, dev, d, run.ok[dev], branch_pin)


def _node_gpus(run, dev, d, res, branch_pin):
    model = run.models.get(d.get("model")) or {}
    gpu = res.get("gpu") or {}
    want = int(model.get("gpu_count") or 0)
    if not want:
        return
    lab = model.get("vendor") == "lab"
    if not gpu.get("available"):
        reason = gpu.get("reason") or "gpu facts not gathered"
        if lab:
            run.skip("gpu", "lab stand-in model %s has no GPU to query (%s)" % (d.get("model"), reason), dev)
        else:
            run.findings.add("error", "gpu", dev, "expected %d x %s, but nvidia-smi did not answer: %s" % (
                want, model.get("gpu_model"), reason), expected=want, observed=None,
                fix="install and load the NVIDIA driver on %s (refarch.ai_cluster.gpu_host), then reboot "
                    "if the driver was updated" % dev, keys=[("gpu", dev)])
        return
    run.count("gpus", int(gpu.get("count") or 0))
    count = int(gpu.get("count") or 0)
    if count != want:
        run.findings.add("error", "gpu", dev, "%d GPUs, catalog model %s has %d" % (count, d.get("model"), want),
                         expected=want, observed=count,
                         fix="reseat or replace the missing GPU(s) of %s (nvidia-smi -L; dmesg for Xid/fallen off the bus)" % dev)
    family = re.split(r"[-_ ]", str(model.get("gpu_model") or ""))[0].lower()
    names = list((gpu.get("models") or {}).keys())
    if family and names and not all(family in n.lower() for n in names):
        run.findings.add("error", "gpu", dev, "GPU model %s, catalog %s" % (", ".join(names), model.get("gpu_model")),
                         expected=model.get("gpu_model"), observed=names,
                         fix="check the node model of %s in the design, or the GPUs installed" % dev)
    mem_want = float(model.get("gpu_memory_gib") or 0)
    total = gpu.get("memory_total_mib")
    if mem_want and count and total:
        per = float(total) / count / 1024.0
        if per < mem_want * 0.9 or per > mem_want * 1.15:
            run.findings.add("error", "gpu", dev, "%.1f GiB per GPU, catalog %s GiB" % (per, mem_want),
                             expected=mem_want, observed=round(per, 1),
                             fix="check the GPU SKU of %s against catalog model %s" % (dev, d.get("model")))
    if branch_pin and str(gpu.get("driver_branch")) != str(branch_pin):
        run.findings.add("error", "driver", dev, "NVIDIA driver %s, pinned branch %s" % (
            gpu.get("driver_version"), branch_pin), expected=str(branch_pin), observed=gpu.get("driver_version"),
            fix="install driver branch %s on %s (refarch.ai_cluster.gpu_host) and reboot" % (branch_pin, dev))
    if gpu.get("fabric_registered") is False:
        run.findings.add("error", "gpu", dev, "GPUs not registered with the NVSwitch fabric",
                         expected="fabric registered", observed="not registered",
                         fix="start nvidia-fabricmanager on %s (same version as the driver)" % dev)
    for item in gpu.get("nvlink_inactive") or []:
        run.findings.add("error", "gpu", dev, "GPU %s has %s NVLink link(s) down" % (item.get("gpu"), item.get("inactive")),
                         expected="all NVLinks up", observed=item,
                         fix="reset the GPUs of %s (nvidia-smi -r) or open a hardware case" % dev)
