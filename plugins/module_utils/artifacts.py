# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's artifacts: the files an operator buys, wires and checks from.

* ``summary.json``: the counts at a glance;
* ``bom.csv``: what to buy; ``cabling.csv``: one row per cable, both ends with rack and unit, a
  sheet a field technician works from; ``addressing.csv``: every address;
* ``racks.md``: rack elevations as text; ``plan.json``: the whole plan, every device.

Each file is written to a temporary name, compared with what is there, and only replaced when it
differs, so a second run reports no change and check mode can say what would change.
"""

from __future__ import annotations

import csv
import filecmp
import gc
import io
import json
import os
import tempfile

from ansible_collections.refarch.ai_cluster.plugins.module_utils.plan import SCHEMA_VERSION

ARTIFACTS = ("summary.json", "bom.csv", "cabling.csv", "addressing.csv", "racks.md", "plan.json")


def _csv(rows, header):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def summary_text(plan):
    return json.dumps(plan.summary, indent=2, sort_keys=True) + "\n"


def bom_text(plan):
    return _csv(([r["category"], r["item"], r["fabric"], r["detail"], r["quantity"]] for r in plan.bom),
                ["category", "item", "fabric", "detail", "quantity"])


def cabling_text(plan):
    dev = plan.devices
    rows = ([l.id, l.fabric, l.tier, dev[l.a_device].rack, dev[l.a_device].rack_unit, l.a_device, l.a_port,
             dev[l.b_device].rack, dev[l.b_device].rack_unit, l.b_device, l.b_port, "%g" % l.speed_gbps,
             l.media, l.cable, "%g" % l.length_m, l.transceiver or ""] for l in plan.links)
    return _csv(rows, ["cable_id", "fabric", "tier", "a_rack", "a_unit", "a_device", "a_port", "b_rack",
                       "b_unit", "b_device", "b_port", "speed_gbps", "media", "cable", "length_m",
                       "transceiver"])


def addressing_rows(plan):
    for d in plan.devices.values():
        if d.mgmt_address:
            yield [d.name, d.role, "oob", "mgmt", d.mgmt_address, "", "", ""]
        if d.loopback:
            yield [d.name, d.role, d.fabric, "loopback", d.loopback, "", "", ""]
        if d.gateway_address:
            yield [d.name, d.role, d.fabric, "gateway", d.gateway_address, "", "", ""]
        for i in d.interfaces:
            if i.address:
                yield [d.name, d.role, i.fabric, i.name, i.address, i.gateway or "", i.peer_device, i.peer_port]


def addressing_text(plan):
    return _csv(addressing_rows(plan), ["device", "role", "fabric", "interface", "address", "gateway",
                                        "peer_device", "peer_port"])


def racks_text(plan):
    out = ["# Rack elevations: %s" % plan.name, ""]
    for rack in plan.racks:
        out.append("## %s (row %s, position %s, %s)" % (rack.name, rack.row, rack.column, rack.kind))
        out.append("")
        out.append("%d of %d U used, %.1f of %.1f kW" % (
            rack.used_units, rack.units, rack.used_power_kw, rack.power_kw))
        out.append("")
        out.append("```")
        by_unit = {}
        for entry in rack.devices:
            for u in range(entry["rack_unit"], entry["rack_unit"] + entry["height"]):
                by_unit[u] = entry["device"]
        for u in range(rack.units, 0, -1):
            out.append("U%02d | %s" % (u, by_unit.get(u, "")))
        out.append("```")
        out.append("")
    return "\n".join(out)


def write_plan_json(plan, handle):
    """Stream the plan device by device, so a 100,000-GPU plan never exists twice in memory."""
    encode = json.JSONEncoder(check_circular=False).encode
    head = {"name": plan.name, "schema_version": SCHEMA_VERSION, "design": plan.design.raw,
            "fabrics": plan.fabrics, "racks": [r.as_dict() for r in plan.racks], "bom": plan.bom,
            "summary": plan.summary}
    handle.write(encode(head)[:-1])
    handle.write(', "devices": {')
    sep = ""
    for name, dev in plan.devices.items():
        handle.write(sep + encode(name) + ": " + encode(dev.as_dict()))
        sep = ", "
    handle.write('}, "links": [')
    sep = ""
    for link in plan.links:
        handle.write(sep + encode(link.as_dict()))
        sep = ", "
    handle.write("]}\n")


def _write(dest, name, producer, check_mode):
    """Write one artifact if it differs; return True when it changed (or would)."""
    target = os.path.join(dest, name)
    fd, tmp = tempfile.mkstemp(prefix="." + name + ".", dir=dest)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            producer(handle)
        same = os.path.exists(target) and filecmp.cmp(tmp, target, shallow=False)
        if same or check_mode:
            return not same
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        tmp = None
        return True
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def write_artifacts(plan, dest, check_mode=False):
    """Write every artifact into ``dest``; return the names of those that changed (or would)."""
    enabled = gc.isenabled()
    gc.disable()                      # see plan.build_plan: nothing here makes cycles
    try:
        return _write_artifacts(plan, dest, check_mode)
    finally:
        if enabled:
            gc.enable()


def _write_artifacts(plan, dest, check_mode):
    made_dir = not os.path.isdir(dest)
    if made_dir:
        if check_mode:
            return list(ARTIFACTS)
        os.makedirs(dest)
    producers = {
        "summary.json": lambda h: h.write(summary_text(plan)),
        "bom.csv": lambda h: h.write(bom_text(plan)),
        "cabling.csv": lambda h: h.write(cabling_text(plan)),
        "addressing.csv": lambda h: h.write(addressing_text(plan)),
        "racks.md": lambda h: h.write(racks_text(plan)),
        "plan.json": lambda h: write_plan_json(plan, h),
    }
    return [name for name in ARTIFACTS if _write(dest, name, producers[name], check_mode)]
