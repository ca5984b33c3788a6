# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cables: length from rack positions, media by reach and by what the cages allow.

Distance model: devices in one rack are ``facility.in_rack_m`` apart; between racks, the cable
runs along rows and across them (Manhattan distance of rack positions, ``rack_width_m`` per rack
and ``row_pitch_m`` per row) plus ``slack_m`` for the runs up and down at both ends.

Cages: one plug fills one cage, and a cage can hold several logical ports (a Quantum-2 switch
cage two 400G ports, a DGX H100 cage two rails). Links whose ends share cages form a *bundle*
(the connected set of cages and the links between them). A fixed cable (DAC, AOC) has one plug
per end, so it fits a bundle only when the bundle has exactly the shape of the cable: two cages
wired only to each other (``ends: [2, 2]``), or one cage fanned out to single-port cages
(``ends: [2, 1, 1]``, a splitter). Every other bundle takes optics: one transceiver per cage,
chosen for the cage's ports, form factor and top, and fibers between the transceivers'
connectors (a 1:2 splitter fiber where a connector carries two ports). A DGX H100 cage carries
two rails that go to two different leaves, so its links are always optics, as in the SuperPOD
RA's bill of materials; the cheapest media class that fits and reaches wins otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence, cast

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import FABRIC_NIC_ROLE, MGMT_ROLE, SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError, field

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import CableModel, Catalog
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Device, Interface, Link, Rack

# Cages that take a plug of a smaller form factor (QSFP112 and QSFP56 take QSFP28 plugs; the
# QSFP family is backward compatible by its MSA).
CAGE_ACCEPTS = {"qsfp112": ("qsfp112", "qsfp56", "qsfp28", "qsfp"), "qsfp56": ("qsfp56", "qsfp28", "qsfp"),
                "qsfp28": ("qsfp28", "qsfp"), "qsfp-dd": ("qsfp-dd", "qsfp112", "qsfp56", "qsfp28", "qsfp")}


class Cage(object):
    """One physical cage in use: its device, name, logical ports at the link speed, form factor and top."""

    __slots__ = ("device", "name", "ports", "form_factor", "top", "where", "used", "module")

    def __init__(self, device: str, name: str, ports: int, form_factor: str, top: str | None, where: str) -> None:
        self.device = device
        self.name = name
        self.ports = ports
        self.form_factor = form_factor
        self.top = top or ""
        self.where = where              # what the catalog calls it, for error messages
        self.used = 0                   # links through it
        self.module: CableModel | None = None

    def accepts(self, item: CableModel) -> bool:
        if self.form_factor and item.form_factor and item.form_factor != self.form_factor \
                and item.form_factor not in CAGE_ACCEPTS.get(self.form_factor, ()):
            return False
        return not (self.top and item.top and item.top != self.top)


def distance(facility: Mapping[str, float], rack_a: Rack, rack_b: Rack) -> float:
    if rack_a is rack_b:
        return float(facility["in_rack_m"])
    return (abs(rack_a.column - rack_b.column) * facility["rack_width_m"]
            + abs(rack_a.row - rack_b.row) * facility["row_pitch_m"] + facility["slack_m"])


def orderable(item: CableModel, metres: float) -> float | None:
    """The shortest orderable length of ``item`` that reaches ``metres``."""
    if item.max_reach_m + 1e-9 < metres:
        return None
    return next((length for length in item.lengths_m if length + 1e-9 >= metres), None)


class _Cages(object):
    """The cage of every link end, built once per device model and port."""

    def __init__(self, catalog: Catalog, devices: Mapping[str, Device],
                 planes: Mapping[str, int] | None = None) -> None:
        self.catalog = catalog
        self.devices = devices
        # Planes per fabric (fabrics.<name>.planes): a host port's planes share its cage.
        self.planes: Mapping[str, int] = planes or {}
        self.cages: dict[tuple[str, str], Cage] = {}
        self.host_index: dict[int, int] = {}

    def of(self, device: str, iface: Interface) -> Cage:
        dev = self.devices[device]
        name, ports, ff, top, where = self._describe(dev, iface)
        key = (dev.name, name)
        cage = self.cages.get(key)
        if cage is None:
            cage = self.cages[key] = Cage(dev.name, name, ports, ff, top, where)
        return cage

    def _describe(self, dev: Device, iface: Interface) -> tuple[str, int, str, str | None, str]:
        if iface.role == MGMT_ROLE:
            # Every switch, appliance and PDU of the catalog has an RJ45 management port.
            return iface.name, 1, "rj45", None, "management port of %s" % dev.model
        if dev.role in SWITCH_ROLES:
            model = self.catalog.switches[dev.model]
            number = iface.port_number or 0
            per = model.ports_per_cage * iface.split
            if 0 < number <= model.ports * iface.split:
                cage = (number - 1) // per + 1
                return "%s%d" % (model.form_factor or "cage", cage), per, model.form_factor, model.top, \
                    "switch %s ports" % model.id
            uplinks = model.raw.get("uplink_ports") or {}
            return iface.name, 1, str(uplinks.get("form_factor", "")), None, "switch %s uplink_ports" % model.id
        if dev.role == "appliance":
            appliance = self.catalog.appliances[dev.model]
            return iface.name, 1, appliance.form_factor, appliance.cage_top, "appliance %s" % appliance.id
        server = self.catalog.servers[dev.model]
        group = server.nics[FABRIC_NIC_ROLE.get(iface.fabric, iface.fabric)] if iface.role != "bmc" \
            else server.nics["bmc"]
        planes = self.planes.get(iface.fabric, 1) if iface.role != "bmc" else 1
        if planes > 1:
            # Host interfaces of a fabric of planes are made plane by plane, port by port: the
            # interfaces of one NIC port in every plane share that port's cage (one 800G port run
            # as 2 x 400G in two planes takes one twin-port module).
            index = self._index(dev, iface) % max(1, group.ports)
            shared = group.cage(index) if group.cage_of else None
            name, ports = shared or ("port%d" % index, 1)
            return name, ports * planes, group.form_factor, group.cage_top, "server %s nics.%s" % (server.id, group.role)
        shared = group.cage(self._index(dev, iface)) if group.cage_of else None
        name, ports = shared or (iface.name, 1)
        return name, ports, group.form_factor, group.cage_top, "server %s nics.%s" % (server.id, group.role)

    def _index(self, dev: Device, iface: Interface) -> int:
        """Port index of a host interface within its NIC group: interfaces are created in port order."""
        index = self.host_index.get(id(iface))
        if index is None:
            counts: dict[tuple[str, str], int] = {}
            for other in dev.interfaces:
                k = (other.fabric, other.role)
                self.host_index[id(other)] = counts.get(k, 0)
                counts[k] = counts.get(k, 0) + 1
            index = self.host_index[id(iface)]
        return index


def assign(design: Design, links: Sequence[Link], racks_by_device: Mapping[str, Rack],
           devices: Mapping[str, Device]) -> None:
    """Fill media, cable, length, cable share, cages and transceivers of every link."""
    catalog = design.catalog
    facility = design.facility
    cages = _Cages(catalog, devices, {n: f.planes for n, f in design.fabrics.items() if f.planes > 1})
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    ends: list[tuple[Cage, Cage]] = []
    metres: list[float] = []
    for link in links:
        a_end = cast("Interface", link.a_end)       # every planned link has its ends
        ca, cb = cages.of(link.a_device, a_end), cages.of(link.b_device, a_end.peer)
        link.a_cage, link.b_cage = ca.name, cb.name
        ca.used += 1
        cb.used += 1
        ends.append((ca, cb))
        ra, rb = find(id(ca)), find(id(cb))
        if ra != rb:
            parent[ra] = rb
        metres.append(round(distance(facility, racks_by_device[link.a_device], racks_by_device[link.b_device]), 2))
    bundles: dict[int, list[int]] = {}
    for i, (ca, _cb) in enumerate(ends):
        bundles.setdefault(find(id(ca)), []).append(i)
    problems: dict[str, str] = {}
    memo: dict[tuple[object, ...], tuple[CableModel | None, dict[tuple[object, ...], CableModel] | None]] = {}
    for members in bundles.values():
        _cable_bundle(catalog, [links[i] for i in members], [ends[i] for i in members],
                      [metres[i] for i in members], memo, problems)
    if problems:
        raise DesignError(sorted(problems.values()))


def _shape(ends: Sequence[tuple[Cage, Cage]]) -> tuple[int, ...] | None:
    """The ``ends`` a fixed cable needs for this bundle, or None when no one cable fits it."""
    cages: dict[int, Cage] = {}
    for ca, cb in ends:
        cages[id(ca)] = ca
        cages[id(cb)] = cb
    if len(cages) == 2:
        a, b = list(cages.values())
        return (a.ports, b.ports) if a.ports == b.ports else None
    hubs = [c for c in cages.values() if c.used > 1]
    if len(hubs) == 1 and all(c.ports == 1 for c in cages.values() if c is not hubs[0]):
        return (hubs[0].ports,) + (1,) * (len(cages) - 1)
    return None


def _module(catalog: Catalog, cage: Cage, optic: str, speed: float) -> CableModel | None:
    for item in catalog.modules(optic, speed):
        if item.ports == cage.ports and cage.accepts(item):
            return item
    return None


def _cable_bundle(catalog: Catalog, links: list[Link], ends: list[tuple[Cage, Cage]], metres: list[float],
                  memo: dict[tuple[object, ...], tuple[CableModel | None, dict[tuple[object, ...], CableModel] | None]],
                  problems: dict[str, str]) -> None:
    speed = links[0].speed_gbps
    longest = max(metres)
    shape = _shape(ends) if len(links) <= 8 else None
    cage_list = list({id(c): c for pair in ends for c in pair}.values())
    signature = tuple(sorted({(c.ports, c.form_factor, c.top) for c in cage_list}))
    key = (speed, longest, shape, signature)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _choose(catalog, speed, longest, shape, cage_list, links[0], problems)
    fixed, by_kind = found
    if fixed is not None:
        length = orderable(fixed, longest)
        share = 1.0 / len(links)
        for link in links:
            link.media, link.cable, link.length_m, link.cable_share = fixed.media, fixed.id, length, share
            _write_length(link)
        return
    if by_kind is None:
        return
    for cage in cage_list:
        cage.module = by_kind[(cage.ports, cage.form_factor, cage.top)]
    pairs: dict[tuple[int, int], list[tuple[Link, float]]] = {}
    facing: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for link, (ca, cb), m in zip(links, ends, metres):
        fiber = _fiber(catalog, link, ca, cb, m, problems)
        a_end = cast("Interface", link.a_end)
        if fiber is not None and fiber.legs == 1 and link.cable_share < 1:
            # Breakout ports sharing one straight fiber: their connectors must face each other.
            facing.setdefault(_connector(ca, a_end), set()).add(_connector(cb, a_end.peer))
        if fiber is not None and fiber.legs == 2:
            # One splitter fiber serves the ports of one connector of the split end: they get the
            # length of the longer run.
            split_a = ca.module is not None and ca.module.ports > ca.module.connectors
            connector = _connector(ca, a_end) if split_a else _connector(cb, a_end.peer)
            pairs.setdefault(connector, []).append((link, m))
    if any(len(far) > 1 for far in facing.values()):
        problems["facing-%s" % links[0].fabric] = field(
            "fabrics.%s.oversubscription" % links[0].fabric,
            "the breakout ports of one fiber connector go to different switches (%s links at %g Gb/s): the links "
            "from a leaf to each spine must be a multiple of the breakout; choose another oversubscription or "
            "nodes_per_su" % (links[0].tier, links[0].speed_gbps))
    for group in pairs.values():
        longest_run = max(m for _link, m in group)
        for link, _m in group:
            link.length_m = orderable(catalog.cables[cast(str, link.cable)], longest_run)
            _write_length(link)


def _choose(catalog: Catalog, speed: float, longest: float, shape: tuple[int, ...] | None, cages: list[Cage],
            link: Link, problems: dict[str, str]) -> tuple[CableModel | None, dict[tuple[object, ...], CableModel] | None]:
    """(fixed cable, None) or (None, transceiver by cage kind) for a bundle; (None, None) on failure."""
    missing = ""
    reached = False
    for item in catalog.cables_for(speed):
        if orderable(item, longest) is None:
            continue
        reached = True
        if item.media != "fiber":
            if shape is not None and tuple(sorted(item.ends)) == tuple(sorted(shape)) \
                    and all(c.accepts(item) for c in cages):
                return item, None
            continue
        chosen: dict[tuple[object, ...], CableModel] = {}
        for cage in cages:
            module = _module(catalog, cage, item.optic, speed)
            if module is None or module.max_reach_m + 1e-9 < longest:
                missing = missing or (
                    "catalog: no %s transceiver fits the %d-port %s%s cages of %s at %g Gb/s (%s links); add a "
                    "transceiver with optic: %s, speed_gbps: %g, ports: %d, form_factor: %s%s" % (
                        item.optic, cage.ports, cage.form_factor or "(unknown form factor)",
                        " %s-top" % cage.top if cage.top else "", cage.where, speed, link.tier, item.optic,
                        speed, cage.ports, cage.form_factor or "...", ", top: %s" % cage.top if cage.top else ""))
                break
            chosen[(cage.ports, cage.form_factor, cage.top)] = module
        else:
            return None, chosen
    if missing:
        problems[missing] = missing
    elif reached:
        kinds = sorted({"%d-port %s cages of %s" % (c.ports, c.form_factor or "(unknown)", c.where) for c in cages})
        text = ("catalog: no %g Gb/s cable or transceiver fits the %s (%s links); add one whose form_factor "
                "and ends fit them, or choose a switch that runs the NIC's speed" % (
                    speed, " and the ".join(kinds), link.tier))
        problems[text] = text
    else:
        text = ("catalog: no cable reaches %.1f m at %g Gb/s (%s links); add one to a catalog file or shorten "
                "the runs (facility.*_m)" % (longest, speed, link.tier))
        problems["%g-%s" % (speed, link.tier)] = text
    return None, None


def _fiber(catalog: Catalog, link: Link, ca: Cage, cb: Cage, metres: float,
           problems: dict[str, str]) -> CableModel | None:
    """The fiber between two transceivers: one per connector pair, a 1:2 splitter where one end's
    connector carries two ports; the cable share says how much of a fiber the link takes."""
    ma, mb = cast("CableModel", ca.module), cast("CableModel", cb.module)   # set for every cage of the bundle
    per_a, per_b = ma.ports / float(ma.connectors), mb.ports / float(mb.connectors)
    legs, share = 1, 1.0
    if per_a == per_b:
        # One fiber per connector pair: two fibers for a link over two connectors, one fiber for
        # two breakout ports whose connectors face each other (the wiring keeps them together;
        # the cage invariant checks it).
        share = 1.0 / per_a
    elif sorted((per_a, per_b)) == [1.0, 2.0]:
        legs, share = 2, 0.5
    else:
        problems["split-%s-%s" % (ma.id, mb.id)] = (
            "catalog: %s and %s carry %g and %g ports per connector; no fiber joins them (%s links)" % (
                ma.id, mb.id, per_a, per_b, link.tier))
        return None
    for item in catalog.cables_for(link.speed_gbps):
        if item.media == "fiber" and item.optic == ma.optic and item.legs == legs:
            length = orderable(item, metres)
            if length is not None:
                link.media, link.cable, link.length_m, link.cable_share = "fiber", item.id, length, share
                link.a_module, link.b_module = ma.id, mb.id
                _write_length(link)
                return item
    problems["fiber-%s-%d" % (ma.optic, legs)] = (
        "catalog: no %s fiber with legs: %d reaches %.1f m (%s links); add one" % (ma.optic, legs, metres, link.tier))
    return None


def _connector(cage: Cage, iface: Interface) -> tuple[int, int]:
    """(cage, connector index) of a switch port on a breakout: ports of a cage in order, `per`
    of them on each connector of its transceiver."""
    module = cage.module
    per = max(1, module.ports // module.connectors) if module is not None else 1
    return id(cage), ((iface.port_number or 1) - 1) % max(1, cage.ports) // per


def _write_length(link: Link) -> None:
    if link.a_end is not None:
        link.a_end.length_m = link.a_end.peer.length_m = link.length_m
