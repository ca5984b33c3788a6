# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the drawings read of a plan, and ``plan.json`` read back into it.

The drawings are made twice in a plan's life: by ``make plan`` from the planner's ``Plan``, and
after ``site.yml`` by validation, which has only the deployed ``plan.json`` (it must never plan
the design again) and refreshes ``index.html`` with its result. The protocols below name the
attributes the drawings read, so both sources serve: the planner's records have them, and
:func:`plan_from_json` rebuilds the same records from the JSON form (docs/plan-format.md).
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Link, Rack


class DeviceLike(Protocol):
    """A device as the drawings see it (``planner.model.Device``)."""

    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def fabric(self) -> str | None: ...
    @property
    def su(self) -> Any: ...
    @property
    def pod(self) -> Any: ...
    @property
    def rail(self) -> int | None: ...
    @property
    def rack(self) -> str | None: ...
    @property
    def rack_unit(self) -> int | None: ...
    @property
    def height(self) -> int: ...
    @property
    def power_kw(self) -> float: ...


class LinkLike(Protocol):
    """A cable as the drawings see it (``planner.model.Link``)."""

    @property
    def id(self) -> str | None: ...
    @property
    def fabric(self) -> str: ...
    @property
    def tier(self) -> str: ...
    @property
    def a_device(self) -> str: ...
    @property
    def a_port(self) -> str: ...
    @property
    def b_device(self) -> str: ...
    @property
    def b_port(self) -> str: ...
    @property
    def speed_gbps(self) -> float: ...
    @property
    def media(self) -> str | None: ...
    @property
    def cable(self) -> str | None: ...
    @property
    def length_m(self) -> float | None: ...
    @property
    def a_module(self) -> str | None: ...
    @property
    def b_module(self) -> str | None: ...


class RackLike(Protocol):
    """A rack as the drawings see it (``planner.model.Rack``)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def row(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def units(self) -> int: ...
    @property
    def power_kw(self) -> float: ...
    @property
    def used_units(self) -> int: ...
    @property
    def used_power_kw(self) -> float: ...
    @property
    def devices(self) -> Sequence[Mapping[str, Any]]: ...


class PlanLike(Protocol):
    """A plan as the drawings see it: ``planner.plan.Plan``, or :class:`PlanRecords` from plan.json."""

    @property
    def name(self) -> str: ...
    @property
    def devices(self) -> Mapping[str, DeviceLike]: ...
    @property
    def links(self) -> Sequence[LinkLike]: ...
    @property
    def racks(self) -> Sequence[RackLike]: ...
    @property
    def fabrics(self) -> Mapping[str, Mapping[str, Any]]: ...
    @property
    def bom(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def summary(self) -> Mapping[str, Any]: ...


class PlanRecords(object):
    """The parts of a plan the drawings read, rebuilt from ``plan.json``."""

    def __init__(self, name: str, devices: dict[str, Device], links: list[Link], racks: list[Rack],
                 fabrics: dict[str, dict[str, Any]], bom: list[dict[str, Any]], summary: dict[str, Any]) -> None:
        self.name = name
        self.devices = devices
        self.links = links
        self.racks = racks
        self.fabrics = fabrics
        self.bom = bom
        self.summary = summary


# Record fields set after construction, copied as they are from the JSON form.
_DEVICE_LATE = ("rack", "rack_unit", "mgmt_address", "loopback", "asn", "tenant", "global_slot")
_LINK_LATE = ("id", "media", "cable", "length_m", "cable_share", "a_cage", "a_module", "b_cage", "b_module")


def plan_from_json(data: Mapping[str, Any]) -> PlanRecords:
    """The records of ``plan.json`` (a parsed mapping), without interfaces: the drawings never read them.

    Attributes a later plan gains (``plane``, say) are kept where the record has a slot for them,
    and the drawings read such attributes with a default, so an older plan.json still draws.
    """
    devices: dict[str, Device] = {}
    for name, d in (data.get("devices") or {}).items():
        dev = Device(name, d["role"], d["model"], d.get("platform") or "", fabric=d.get("fabric"), su=d.get("su"),
                     slot=d.get("slot"), rail=d.get("rail"), index=d.get("index"), pod=d.get("pod"),
                     height=1 if d.get("height") is None else int(d["height"]),
                     power_kw=float(d.get("power_kw") or 0.0))
        for key in _DEVICE_LATE:
            setattr(dev, key, d.get(key))
        devices[name] = dev
    links: list[Link] = []
    for k in data.get("links") or ():
        link = Link(k["fabric"], k["tier"], k["a_device"], k["a_port"], k["b_device"], k["b_port"],
                    float(k["speed_gbps"]))
        for key in _LINK_LATE:
            if key in k:
                setattr(link, key, k[key])
        links.append(link)
    racks: list[Rack] = []
    for r in data.get("racks") or ():
        rack = Rack(r["name"], r["kind"], r.get("su"), int(r["row"]), int(r["column"]), int(r["units"]),
                    float(r["power_kw"]))
        rack.used_units = int(r["used_units"])
        rack.used_power_kw = float(r["used_power_kw"])
        rack.devices = list(r.get("devices") or ())
        racks.append(rack)
    return PlanRecords(str(data.get("name") or ""), devices, links, racks, dict(data.get("fabrics") or {}),
                       list(data.get("bom") or ()), dict(data.get("summary") or {}))
