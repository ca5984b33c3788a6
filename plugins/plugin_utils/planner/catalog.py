# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardware catalog: servers, switches, NICs, cables and appliances, read from data files.

The planner never names a product in code; it asks the catalog. Built-in files live in
``catalog/`` (each entry cites its vendor document); a design may add its own files, and an entry
with the same id as a built-in one replaces it, so a site can correct a number without a release.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Iterable

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import datafiles
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.schema import validate_against

# gpus: GPU figures (memory, bandwidth, dense TFLOPS by precision) for the sizing (planner/sizing.py),
# keyed by the GPU model names of servers.<id>.gpus.model; the planner itself does not read them.
# systems: rack-scale systems (NVL72), each a rack of compute trays (a servers entry) and NVLink switch trays.
SECTIONS = ("servers", "switches", "nics", "cables", "appliances", "gpus", "systems", "baselines")
# Media in the order the planner prefers them: the cheapest that reaches wins.
MEDIA_ORDER = ("dac", "copper", "aoc", "fiber")


@dataclass(frozen=True)
class NicGroup:
    """The ports of one role (compute rails, storage, in-band, BMC) on a server."""

    role: str
    ports: int
    speed_gbps: float
    model: str = ""
    form_factor: str = ""
    names: tuple[str, ...] = ()
    rdma_devices: tuple[str, ...] = ()
    # Cages by port index: (cage name, ports sharing it); empty = a cage per port.
    cage_of: tuple[tuple[str, int], ...] = ()
    cage_top: str | None = None
    # OS name of a port's share in one plane ("{name}-p{plane}"); None: not documented.
    plane_names: str | None = None
    # Planes the vendor's reference runs these ports in on Ethernet: the default of
    # fabrics.<name>.planes (design.py).
    ethernet_planes: int = 1

    def cage(self, index: int) -> tuple[str, int] | None:
        """(cage name, logical ports of that cage) of port ``index``; None: the port has a cage of its own."""
        if index < len(self.cage_of) and self.cage_of[index][0]:
            return self.cage_of[index]
        return None

    def port_name(self, index: int, plane: int | None = None) -> str:
        """OS name of port ``index`` (its share in ``plane``); a placeholder where the catalog has none."""
        base = self.names[index] if index < len(self.names) else "%s%d" % (
            "rail" if self.role == "compute" else self.role, index)
        if plane is None:
            return base
        if self.plane_names and index < len(self.names):
            return self.plane_names.format(name=base, plane=plane)
        return "%s-p%d" % (base, plane)

    def rdma_device(self, index: int) -> str | None:
        return self.rdma_devices[index] if index < len(self.rdma_devices) else None


@dataclass(frozen=True)
class ServerModel:
    id: str
    rack_units: int
    power_kw: float
    gpu_model: str
    gpu_count: int
    gpu_memory_gib: float
    nvswitch: bool
    nics: dict[str, NicGroup]
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class PortLayout:
    """Where the lanes of a switch's cages are, and the breakout modes the platform names.

    Read from the catalog's ``port_layout`` (facts carried from the vendor's platform file, cited
    there); a switch without one gets contiguous lanes of ``lanes_per_port`` and no mode names.
    The SONiC rule for a breakout member (sonic-buildimage src/sonic-config-engine/portconfig.py,
    BreakoutCfg.get_config): member k of a cage split ``ways`` ways takes the k-th equal slice of
    the cage's lane list, and is named after the cage's first port plus the slice's offset.
    """

    cages: int
    lanes_per_cage: int
    lane_stride: int
    name_stride: int
    modes: tuple[tuple[int, float, str], ...] = ()     # ((ways, speed_gbps, mode name), ...)
    source: str = ""

    def lanes(self, cage: int, ways: int = 1, member: int = 0) -> tuple[int, ...]:
        """The SerDes lanes of member ``member`` (0-based) of cage ``cage`` (1-based) split ``ways`` ways."""
        width = self.lanes_per_cage // ways
        first = (cage - 1) * self.lane_stride + member * width
        return tuple(range(first, first + width))

    def mode(self, ways: int) -> str | None:
        """The platform's name of the ``ways``-way mode, or None when it lists none."""
        for n, _speed, name in self.modes:
            if n == ways:
                return name
        return None


@dataclass(frozen=True)
class SwitchModel:
    id: str
    kind: str
    ports: int
    speed_gbps: float
    platforms: tuple[str, ...]
    rack_units: int
    power_kw: float
    breakouts: tuple[tuple[int, float], ...] = ()      # ((split, speed_gbps), ...)
    lanes_per_port: int = 4
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)
    layout: PortLayout | None = None
    cages: int = 0                                     # physical cages of the main ports (0: one per port)
    form_factor: str = ""
    top: str | None = None

    @property
    def ports_per_cage(self) -> int:
        """Logical ports of one cage at the switch's own speed (2 for a twin-port OSFP switch)."""
        return max(1, self.ports // self.cages) if self.cages else 1

    @property
    def port_layout(self) -> PortLayout:
        """The catalog's port layout, or contiguous lanes of ``lanes_per_port`` per cage."""
        if self.layout is not None:
            return self.layout
        return PortLayout(cages=self.ports, lanes_per_cage=self.lanes_per_port, lane_stride=self.lanes_per_port,
                          name_stride=self.lanes_per_port)

    def radix_at(self, speed_gbps: float) -> tuple[int, int]:
        """Ports available at ``speed_gbps`` and the split used, or (0, 0) when it cannot run it."""
        if speed_gbps == self.speed_gbps:
            return self.ports, 1
        for split, speed in self.breakouts:
            if speed == speed_gbps:
                return self.ports * split, split
        return 0, 0


@dataclass(frozen=True)
class CableModel:
    """A cable, fiber or transceiver. Fixed cables (dac, copper, aoc) have ``ends``: logical ports
    at each end; fibers and transceivers share an optics family (``optic``); a transceiver serves
    ``ports`` logical ports over ``connectors`` fiber connectors in a cage of ``form_factor`` and
    ``top``; a fiber has ``legs`` connectors at its far end (2: a 1:2 splitter)."""

    id: str
    media: str
    speed_gbps: float
    max_reach_m: float
    lengths_m: tuple[float, ...]
    form_factor: str = ""
    transceiver: str | None = None
    optic: str = ""
    ports: int = 1
    connectors: int = 1
    top: str | None = None
    ends: tuple[int, ...] = (1, 1)
    legs: int = 1
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ApplianceModel:
    id: str
    ports: int
    speed_gbps: float
    rack_units: int
    power_kw: float
    form_factor: str = ""
    cage_top: str | None = None
    role: str = "subnet_manager"    # subnet_manager | management | storage | pdu
    management_ports: int = 1       # cabled to the out-of-band fabric
    management_port: str = "mgmt"   # its label where the vendor names it
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class RackSystem:
    """A rack-scale system (GB200/GB300 NVL72): bought and placed as one rack of ``compute_trays``
    trays of server model ``tray`` (each a host, all in one NVLink domain) and NVLink switch trays."""

    id: str
    tray: str
    compute_trays: int
    nvlink_switch_trays: int
    switch_tray_units: int
    power_kw: float
    cooling: str
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)


@dataclass
class Catalog:
    servers: dict[str, ServerModel]
    switches: dict[str, SwitchModel]
    nics: dict[str, dict[str, Any]]
    cables: dict[str, CableModel]
    appliances: dict[str, ApplianceModel]
    files: list[str]
    gpus: dict[str, dict[str, Any]] = dc_field(default_factory=dict)   # as in the catalog files
    systems: dict[str, RackSystem] = dc_field(default_factory=dict)
    # Known-good version sets (catalog/baselines.yml), as in the catalog files: the design's
    # lifecycle.baseline names one per model (planner.lifecycle).
    baselines: dict[str, dict[str, Any]] = dc_field(default_factory=dict)
    # Answers of cables_for and modules by their arguments: asked once per link and cage, and the
    # catalog does not change after loading.
    _memo: dict[tuple[object, ...], list[CableModel]] = dc_field(
        default_factory=dict, init=False, repr=False, compare=False)

    def cables_for(self, speed_gbps: float) -> list[CableModel]:
        """Fixed cables of a speed and fibers of the optics families that have a transceiver at
        that speed, in order of preference: media class, then reach."""
        found = self._memo.get(("cables", speed_gbps))
        if found is None:
            found = self._memo[("cables", speed_gbps)] = self._cables_for(speed_gbps)
        return found

    def _cables_for(self, speed_gbps: float) -> list[CableModel]:
        families = {c.optic for c in self.cables.values() if c.media == "transceiver" and c.speed_gbps == speed_gbps}
        found = [c for c in self.cables.values()
                 if (c.media == "fiber" and c.optic in families)
                 or (c.media in MEDIA_ORDER and c.media != "fiber" and c.speed_gbps == speed_gbps)]
        return sorted(found, key=lambda c: (MEDIA_ORDER.index(c.media), c.max_reach_m, c.legs, c.id))

    def host_model(self, model: str) -> str:
        """The server a design's ``nodes.model`` puts in the racks: a rack-scale system's compute
        tray, else the model itself."""
        system = self.systems.get(model)
        return system.tray if system is not None else model

    def system_of_tray(self, server_id: str) -> RackSystem | None:
        """The rack-scale system whose compute tray is server ``server_id``, or None."""
        return next((s for _i, s in sorted(self.systems.items()) if s.tray == server_id), None)

    def modules(self, optic: str, speed_gbps: float) -> list[CableModel]:
        """Transceivers of an optics family at a speed."""
        key = ("modules", optic, speed_gbps)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = sorted(
                (c for c in self.cables.values() if c.media == "transceiver" and c.optic == optic
                 and c.speed_gbps == speed_gbps), key=lambda c: c.id)
        return found


def _cage_of(cages: dict[str, list[int]] | None, ports: int) -> tuple[tuple[str, int], ...]:
    """Port index -> (cage name, ports in it), from the catalog's ``cages`` mapping."""
    if not cages:
        return ()
    by_port = {int(p): (str(name), len(members)) for name, members in cages.items() for p in members}
    return tuple(by_port.get(i, ("", 1)) for i in range(ports))


def _server(cid: str, raw: dict[str, Any], nic_models: dict[str, Any] | None = None) -> ServerModel:
    gpus = raw.get("gpus") or {}
    nics: dict[str, NicGroup] = {}
    for role, group in (raw.get("nics") or {}).items():
        card = (nic_models or {}).get(group.get("model", "")) or {}
        ports = int(group.get("ports", 0))
        nics[role] = NicGroup(
            role=role, ports=ports, speed_gbps=float(group.get("speed_gbps", 0)),
            model=group.get("model", ""), form_factor=group.get("form_factor") or card.get("form_factor", ""),
            names=tuple(group.get("names") or ()), rdma_devices=tuple(group.get("rdma_devices") or ()),
            cage_of=_cage_of(group.get("cages"), ports), cage_top=group.get("cage_top") or card.get("cage_top"),
            plane_names=group.get("plane_names"), ethernet_planes=int(group.get("ethernet_planes", 1)))
    return ServerModel(
        id=cid, rack_units=int(raw["rack_units"]), power_kw=float(raw["power_kw"]),
        gpu_model=str(gpus.get("model", "")), gpu_count=int(gpus.get("count", 0)),
        gpu_memory_gib=float(gpus.get("memory_gib", 0)), nvswitch=bool(gpus.get("nvswitch", False)),
        nics=nics, raw=raw)


def _switch(cid: str, raw: dict[str, Any]) -> SwitchModel:
    ports = raw["ports"]
    return SwitchModel(
        id=cid, kind=raw["kind"], ports=int(ports["count"]), speed_gbps=float(ports["speed_gbps"]),
        platforms=tuple(raw.get("platforms") or ()), rack_units=int(raw.get("rack_units", 1)),
        power_kw=float(raw.get("power_kw", 0)),
        breakouts=tuple((int(b["split"]), float(b["speed_gbps"])) for b in raw.get("breakouts") or ()),
        lanes_per_port=int(raw.get("lanes_per_port", 4)), raw=raw, layout=_layout(raw.get("port_layout")),
        cages=int(ports.get("cages", 0)), form_factor=str(ports.get("form_factor", "")), top=ports.get("top"))


def _layout(raw: dict[str, Any] | None) -> PortLayout | None:
    if not raw:
        return None
    return PortLayout(
        cages=int(raw["cages"]), lanes_per_cage=int(raw["lanes_per_cage"]), lane_stride=int(raw["lane_stride"]),
        name_stride=int(raw["name_stride"]), source=str(raw.get("source", "")),
        modes=tuple((int(m["ways"]), float(m["speed_gbps"]), str(m["mode"])) for m in raw.get("breakout_modes") or ()))


def _cable(cid: str, raw: dict[str, Any]) -> CableModel:
    return CableModel(
        id=cid, media=raw["media"], speed_gbps=float(raw.get("speed_gbps", 0)),
        max_reach_m=float(raw.get("max_reach_m", 0)),
        lengths_m=tuple(float(x) for x in raw.get("lengths_m") or ()),
        form_factor=raw.get("form_factor", ""), transceiver=raw.get("transceiver"),
        optic=str(raw.get("optic") or raw.get("transceiver") or cid), ports=int(raw.get("ports", 1)),
        connectors=int(raw.get("connectors", 1)), top=raw.get("top"),
        ends=tuple(int(e) for e in raw.get("ends") or (1, 1)), legs=int(raw.get("legs", 1)), raw=raw)


def _appliance(cid: str, raw: dict[str, Any]) -> ApplianceModel:
    return ApplianceModel(id=cid, ports=int(raw.get("ports", 0)), speed_gbps=float(raw.get("speed_gbps", 0)),
                          rack_units=int(raw.get("rack_units", 1)), power_kw=float(raw.get("power_kw", 0)),
                          form_factor=str(raw.get("form_factor", "")), cage_top=raw.get("cage_top"),
                          role=str(raw.get("role", "subnet_manager")),
                          management_ports=int(raw.get("management_ports", 1)),
                          management_port=str(raw.get("management_port", "mgmt")), raw=raw)


def _system(cid: str, raw: dict[str, Any]) -> RackSystem:
    return RackSystem(id=cid, tray=str(raw["tray"]), compute_trays=int(raw["compute_trays"]),
                      nvlink_switch_trays=int(raw.get("nvlink_switch_trays", 0)),
                      switch_tray_units=int(raw.get("switch_tray_units", 1)), power_kw=float(raw["power_kw"]),
                      cooling=str(raw["cooling"]), raw=raw)


_BUILDERS: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "servers": _server, "switches": _switch, "nics": lambda cid, raw: raw,
    "cables": _cable, "appliances": _appliance, "gpus": lambda cid, raw: raw, "systems": _system,
    "baselines": lambda cid, raw: raw}

_CACHE: dict[tuple[tuple[str, float], ...], Catalog] = {}


def builtin_files() -> list[str]:
    return sorted(p for p in glob.glob(os.path.join(datafiles.CATALOG_DIR, "*.yml")))


def load_catalog(extra_files: Iterable[str] = ()) -> Catalog:
    """Load the built-in catalog plus ``extra_files`` (later files override earlier ids).

    Every file is checked against ``catalog/schema.json``; all problems of all files are
    reported together.
    """
    files = builtin_files() + [os.path.abspath(f) for f in extra_files]
    key = tuple((f, os.path.getmtime(f)) for f in files if os.path.exists(f))
    if key in _CACHE and len(key) == len(files):
        return _CACHE[key]
    raw_sections: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    problems: list[str] = []
    schema_path = os.path.join(datafiles.CATALOG_DIR, "schema.json")
    schema = datafiles.load_json(schema_path) if os.path.exists(schema_path) else None
    for path in files:
        try:
            data = datafiles.load_yaml(path) or {}
        except DesignError as exc:
            problems.extend(exc.problems)
            continue
        if schema is not None:
            problems.extend("%s: %s" % (os.path.basename(path), p) for p in validate_against(schema, data))
        if not isinstance(data, dict):
            continue
        for section in SECTIONS:
            for cid, entry in (data.get(section) or {}).items():
                raw_sections[section][cid] = entry
    if problems:
        raise DesignError(problems, source="catalog")
    built: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        built[section] = {}
        for cid, entry in raw_sections[section].items():
            try:
                if section == "servers":
                    built[section][cid] = _server(cid, entry, raw_sections["nics"])
                    continue
                built[section][cid] = _BUILDERS[section](cid, entry)
            except (KeyError, TypeError, ValueError) as exc:
                problems.append("catalog %s.%s: missing or bad field %s" % (section, cid, exc))
    for cid, system in sorted(built["systems"].items()):
        if system.tray not in built["servers"]:
            problems.append("catalog systems.%s.tray: unknown server %r (a compute tray is a servers entry)" % (
                cid, system.tray))
        elif cid in built["servers"]:
            problems.append("catalog systems.%s: the id is also a server's; a design names one or the other" % cid)
    if problems:
        raise DesignError(problems, source="catalog")
    catalog = Catalog(files=files, **built)
    _CACHE[key] = catalog
    return catalog
