# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's artifacts: the files an operator buys, wires and checks from.

* ``summary.json``: the counts at a glance;
* ``bom.csv``: what to buy; ``cabling.csv``: one row per cable, both ends with rack and unit, a
  sheet a field technician works from; ``addressing.csv``: every address;
* ``racks.md``: rack elevations with each device's units and power; ``racks.csv``: per rack the
  space and power used against its budget, for the facility team; ``plan.json``: the whole plan;
* then the pictures of ``render.drawings``: ``index.html``, ``drawings/*.svg``, ``install/*.html``.

Each file is written to a temporary name, compared with what is there, and only replaced when it
differs, so a second run reports no change and check mode can say what would change.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
from typing import IO, Any, Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring_ascii

from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Interface, Link, Record
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import SCHEMA_VERSION, Plan

ARTIFACTS = ("summary.json", "bom.csv", "cabling.csv", "addressing.csv", "racks.md", "racks.csv", "plan.json")


def _csv(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> str:
    """The text ``csv.writer`` writes for ``header`` and ``rows`` (rows of strings), faster.

    csv.writer examines every character of every field, which is most of the time of a
    300,000-row cabling sheet. A row whose joined text has one comma fewer than it has fields and
    no quote or line break has no field that needs quoting, so the joined text is exactly what
    csv.writer would write; any other row is handed to csv.writer.
    """
    commas = len(header) - 1
    lines = [",".join(header)]
    for row in rows:
        line = ",".join(row)
        if line.count(",") != commas or '"' in line or "\n" in line or "\r" in line:
            buf = io.StringIO()
            csv.writer(buf).writerow(row)
            line = buf.getvalue()[:-2]
        lines.append(line)
    lines.append("")
    return "\r\n".join(lines)


def summary_text(plan: Plan) -> str:
    return json.dumps(plan.summary, indent=2, sort_keys=True) + "\n"


def bom_text(plan: Plan) -> str:
    """The bill of materials; with price columns only when the catalog priced some item."""
    head = ["category", "item", "part_number", "fabric", "detail", "quantity"]
    priced = any("unit_price" in r for r in plan.bom)
    if not priced:
        return _csv(([str(r[k]) for k in head] for r in plan.bom), head)
    cost = plan.summary.get("cost") or {}
    rows = [[str(r[k]) for k in head] + (["%.2f" % r["unit_price"], "%.2f" % r["extended_price"], r["currency"]]
                                         if "unit_price" in r else ["", "", ""]) for r in plan.bom]
    rows.append(["total", "", "", "", "", "", "", "%.2f" % cost.get("total", 0), cost.get("currency", "")])
    return _csv(rows, head + ["unit_price", "extended_price", "currency"])


def _unit(dev: Any) -> str:
    """A device's rack unit for the cabling sheet; ``0U`` for a PDU in the rack's side."""
    return "0U" if dev.rack_unit is None else str(dev.rack_unit)


def cabling_text(plan: Plan) -> str:
    dev = plan.devices
    rows = ([l.id, l.fabric, l.tier, dev[l.a_device].rack, _unit(dev[l.a_device]), l.a_device, l.a_port,
             dev[l.b_device].rack, _unit(dev[l.b_device]), l.b_device, l.b_port, "%g" % l.speed_gbps,
             l.media, l.cable, "%g" % l.length_m, "%g" % l.cable_share, l.a_cage or "", l.a_module or "",  # type: ignore[str-format]
             l.b_cage or "", l.b_module or ""] for l in plan.links)
    return _csv(rows, ["cable_id", "fabric", "tier", "a_rack", "a_unit", "a_device", "a_port", "b_rack",
                       "b_unit", "b_device", "b_port", "speed_gbps", "media", "cable", "length_m",
                       "cable_share", "a_cage", "a_transceiver", "b_cage", "b_transceiver"])


def addressing_rows(plan: Plan) -> Iterator[list[Any]]:
    for d in plan.devices.values():
        if d.mgmt_address:
            yield [d.name, d.role, "oob", "mgmt", d.mgmt_address, "", "", ""]
        if d.loopback:
            yield [d.name, d.role, d.fabric, "loopback", d.loopback, "", "", ""]
        if d.gateway_address:
            yield [d.name, d.role, d.fabric, "gateway", d.gateway_address, "", "", ""]
        if d.mlag:
            m = d.mlag
            if m["role"] == "primary":     # shared by the pair: listed once, on its first leaf
                yield [d.name, d.role, d.fabric, "virtual_gateway", m["virtual_gateway"], "", m["peer_device"], ""]
            yield [d.name, d.role, d.fabric, "mlag_peer_link", m["local_address"], "", m["peer_device"],
                   " ".join(m["peer_links"])]
        for b in d.bonds or ():
            yield [d.name, d.role, b["fabric"], b["name"], b["address"], b["gateway"] or "",
                   " ".join(b["peer_devices"]), " ".join(b["members"])]
        for i in d.interfaces:
            if i.address:
                yield [d.name, d.role, i.fabric, i.name, i.address, i.gateway or "", i.peer_device, i.peer_port]


def addressing_text(plan: Plan) -> str:
    return _csv(addressing_rows(plan), ["device", "role", "fabric", "interface", "address", "gateway",
                                        "peer_device", "peer_port"])


def _rack_devices(plan: Plan, rack: Any) -> list[Any]:
    return [plan.devices[entry["device"]] for entry in rack.devices]


def racks_text(plan: Plan) -> str:
    """Elevations a facility team can check: per rack its devices with their units and power, the
    totals against the rack's budget, and the racks over it (none, unless a catalog entry changed
    after planning: the planner never mounts past a budget)."""
    out = ["# Rack elevations: %s" % plan.name, ""]
    over = [r.name for r in plan.racks if _over(r)]
    verdict = "over budget: " + ", ".join(over) if over else "every rack within its budget"
    out.append("%d racks, %.1f kW; %s." % (len(plan.racks), sum(r.used_power_kw for r in plan.racks), verdict))
    out.append("")
    for rack in plan.racks:
        out.append("## %s (row %s, position %s, %s)" % (rack.name, rack.row, rack.column, rack.kind))
        out.append("")
        out.append("%d of %d U used, %.1f of %.1f kW%s" % (
            rack.used_units, rack.units, rack.used_power_kw, rack.power_kw, " **over budget**" if _over(rack) else ""))
        out.append("")
        out.append("| device | model | U | height | kW |")
        out.append("|---|---|---|---|---|")
        for dev in _rack_devices(plan, rack):
            out.append("| %s | %s | %s | %d | %g |" % (dev.name, dev.model, "0U" if dev.rack_unit is None else dev.rack_unit,
                                                       dev.height, dev.power_kw))
        out.append("")
        out.append("```")
        by_unit: dict[int, str] = {}
        for entry in rack.devices:
            for u in range(entry["rack_unit"] or 0, (entry["rack_unit"] or 0) + entry["height"]):
                by_unit[u] = entry["device"]
        for u in range(rack.units, 0, -1):
            out.append("U%02d | %s" % (u, by_unit.get(u, "")))
        out.append("```")
        out.append("")
    return "\n".join(out)


def _over(rack: Any) -> bool:
    return bool(rack.used_units > rack.units or rack.used_power_kw > rack.power_kw + 1e-9)


def racks_csv_text(plan: Plan) -> str:
    """One row per rack: space and power used against its budget, and what is in it."""
    rows = ([r.name, r.kind, str(r.row), str(r.column), str(r.units), str(r.used_units), str(r.units - r.used_units),
             "%g" % r.power_kw,
             "%g" % r.used_power_kw, "%g" % round(r.power_kw - r.used_power_kw, 3), "yes" if _over(r) else "no",
             " ".join("%s:%s:%dU:%gkW" % (d.name, d.model, d.height, d.power_kw) for d in _rack_devices(plan, r))]
            for r in plan.racks)
    return _csv(rows, ["rack", "kind", "row", "position", "units", "used_units", "free_units", "power_kw",
                       "used_power_kw", "headroom_kw", "over_budget", "devices"])


# plan.json holds one object per interface and per link (600,000 and 300,000 of them at 100,000
# GPUs), and encoding them is most of the time of writing the plan. Their fields and value types
# are fixed by the planner (str, int or float, None where documented), so each is formatted from a
# template with the json module's own string escaper: the same text as json.dumps (a unit test
# compares them), in about half the time. Everything else goes through json.
_INTERFACE = ('{"name": %s, "fabric": %s, "role": %s, "rail": %s, "speed_gbps": %r, "mtu": %r, '
              '"address": %s, "gateway": %s, "rdma_device": %s, "peer_device": %s, "peer_port": %s, '
              '"description": %s, "port_number": %s, "split": %r, "length_m": %s}')
_LINK = ('{"id": %s, "fabric": %s, "tier": %s, "a_device": %s, "a_port": %s, "b_device": %s, "b_port": %s, '
         '"speed_gbps": %r, "media": %s, "cable": %s, "length_m": %s, "cable_share": %r, "a_cage": %s, '
         '"a_module": %s, "b_cage": %s, "b_module": %s}')


def interface_json(i: Interface, s: Callable[[str], str] = encode_basestring_ascii) -> str:
    if i.plane is not None:
        return _interface_json(i, s)[:-1] + ', "plane": %d}' % i.plane
    return _interface_json(i, s)


def _interface_json(i: Interface, s: Callable[[str], str] = encode_basestring_ascii) -> str:
    return _INTERFACE % (
        s(i.name), s(i.fabric), s(i.role), "null" if i.rail is None else repr(i.rail), i.speed_gbps, i.mtu,
        "null" if i.address is None else s(i.address), "null" if i.gateway is None else s(i.gateway),
        "null" if i.rdma_device is None else s(i.rdma_device), s(i.peer_device), s(i.peer_port),
        s(i.description), "null" if i.port_number is None else repr(i.port_number), i.split,
        "null" if i.length_m is None else repr(i.length_m))


def link_json(k: Link, s: Callable[[str], str] = encode_basestring_ascii) -> str:
    if k.plane is not None:
        return _link_json(k, s)[:-1] + ', "plane": %d}' % k.plane
    return _link_json(k, s)


def _link_json(k: Link, s: Callable[[str], str] = encode_basestring_ascii) -> str:
    return _LINK % (
        s(k.id), s(k.fabric), s(k.tier), s(k.a_device), s(k.a_port), s(k.b_device), s(k.b_port), k.speed_gbps,  # type: ignore[arg-type]
        "null" if k.media is None else s(k.media), "null" if k.cable is None else s(k.cable),
        "null" if k.length_m is None else repr(k.length_m), k.cable_share,
        "null" if k.a_cage is None else s(k.a_cage), "null" if k.a_module is None else s(k.a_module),
        "null" if k.b_cage is None else s(k.b_cage), "null" if k.b_module is None else s(k.b_module))


def write_plan_json(plan: Plan, handle: IO[str]) -> None:
    """Stream the plan device by device, so a 100,000-GPU plan never exists twice in memory.

    The text parses to ``plan.to_dict()``; a device's ``breakouts`` and ``interfaces`` come last in
    its object.
    """
    encode = json.JSONEncoder(check_circular=False).encode
    head = {"name": plan.name, "schema_version": SCHEMA_VERSION, "design": plan.design.raw,
            "fabrics": plan.fabrics, "catalog": plan.catalog, "racks": [r.as_dict() for r in plan.racks], "bom": plan.bom,
            "summary": plan.summary}
    if plan.scheduler is not None:
        head["scheduler"] = plan.scheduler
    if plan.lifecycle is not None:
        head["lifecycle"] = plan.lifecycle
    write = handle.write
    write(encode(head)[:-1])
    write(', "devices": {')
    sep = ""
    # Switches of one model broken out alike share their breakout records (fabric.port_structure):
    # encode each shared list once.
    breakouts: dict[int, str] = {}
    for name, dev in plan.devices.items():
        fields = Record.as_dict(dev)
        del fields["interfaces"]
        records = fields.pop("breakouts")
        fields.update(dev.optional())
        if records is None:
            records_json = "null"
        else:
            records_json = breakouts.get(id(records)) or breakouts.setdefault(id(records), encode(records))
        interfaces = ", ".join([interface_json(i) for i in dev.interfaces])
        write('%s%s: %s, "breakouts": %s, "interfaces": [%s]}' % (
            sep, encode(name), encode(fields)[:-1], records_json, interfaces))
        sep = ", "
    write('}, "links": [')
    links = plan.links
    for start in range(0, len(links), 4096):
        write((", " if start else "") + ", ".join([link_json(k) for k in links[start:start + 4096]]))
    write("]}\n")


def _write(dest: str, name: str, producer: Callable[[IO[str]], object], check_mode: bool) -> bool:
    """Write one artifact if it differs; return True when it changed (or would)."""
    return write_if_changed(os.path.join(dest, name), producer, check_mode=check_mode)


def write_artifacts(plan: Plan, dest: str, check_mode: bool = False) -> list[str]:
    """Write every artifact into ``dest``; return the names of those that changed (or would)."""
    enabled = gc.isenabled()
    gc.disable()                      # see plan.build_plan: nothing here makes cycles
    try:
        return _write_artifacts(plan, dest, check_mode)
    finally:
        if enabled:
            gc.enable()


def _write_artifacts(plan: Plan, dest: str, check_mode: bool) -> list[str]:
    # The pictures (drawings, install sheets, index.html: render.drawings, docs/drawings.md) come
    # after the files they summarise; imported here, as they import this package's records.
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.drawings.writer import (
        report_names, write_report)
    made_dir = not os.path.isdir(dest)
    if made_dir:
        if check_mode:
            return list(ARTIFACTS) + report_names(plan)
        os.makedirs(dest)
    producers: dict[str, Callable[[IO[str]], object]] = {
        "summary.json": lambda h: h.write(summary_text(plan)),
        "bom.csv": lambda h: h.write(bom_text(plan)),
        "cabling.csv": lambda h: h.write(cabling_text(plan)),
        "addressing.csv": lambda h: h.write(addressing_text(plan)),
        "racks.md": lambda h: h.write(racks_text(plan)),
        "racks.csv": lambda h: h.write(racks_csv_text(plan)),
        "plan.json": lambda h: write_plan_json(plan, h),
    }
    # The pictures take as long as the other files together and need none of them: on a machine
    # with more than one core they are drawn by a forked copy of this process meanwhile (the plan
    # is shared copy-on-write), and their names come back through a pipe.
    child = _fork(lambda: write_report(plan, dest, check_mode))
    changed = [name for name in ARTIFACTS if _write(dest, name, producers[name], check_mode)]
    return changed + (child() if child else write_report(plan, dest, check_mode))


def _fork(work: Callable[[], list[str]]) -> Callable[[], list[str]] | None:
    """Run ``work`` in a forked child; return a function that waits for its result (raising what it
    raised), or None where forking is not possible or not worth it (one CPU)."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:                                      # the child: do the work, report, leave
        os.close(read_fd)
        try:
            message: dict[str, object]
            try:
                message = {"ok": work()}
            except Exception as exc:  # pylint: disable=broad-exception-caught  # handed to the parent
                message = {"error": "%s: %s" % (type(exc).__name__, exc)}
            with os.fdopen(write_fd, "w", encoding="utf-8") as handle:
                json.dump(message, handle)
        finally:
            os._exit(0)  # pylint: disable=protected-access  # no atexit handlers, no Ansible clean-up in a child
    os.close(write_fd)

    def wait() -> list[str]:
        with os.fdopen(read_fd, "r", encoding="utf-8") as handle:
            text = handle.read()
        os.waitpid(pid, 0)
        message = json.loads(text) if text else {"error": "the drawing process died"}
        if "error" in message:
            raise RuntimeError("drawing the plan failed: %s" % message["error"])
        return [str(name) for name in message["ok"]]
    return wait
