# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's records: devices, their interfaces, the links between them, racks.

Large designs hold hundreds of thousands of interfaces and links, so these are small slotted
classes rather than dicts; ``as_dict`` gives the JSON form documented in docs/plan-format.md.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Record(object):
    """A slotted record; ``FIELDS`` are the slots that make up its JSON form."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}


class Interface(Record):
    FIELDS = ("name", "fabric", "role", "rail", "speed_gbps", "mtu", "address", "gateway",
              "rdma_device", "peer_device", "peer_port", "description", "port_number", "split", "length_m")
    # ``peer``: the Interface at the other end of the cable, so addressing and BGP reach it without
    # looking it up by name (not part of the JSON form: peer_device and peer_port name it there).
    __slots__ = FIELDS + ("peer", "plane")

    def __init__(self, name: str, fabric: str, role: str, speed_gbps: float, mtu: int, peer_device: str,
                 peer_port: str, rail: int | None = None, port_number: int | None = None, split: int = 1,
                 rdma_device: str | None = None) -> None:
        self.name: str = name
        self.fabric: str = fabric
        self.role: str = role            # downlink | uplink | peer | compute | storage | inband | bmc | mgmt
        self.rail: int | None = rail
        self.speed_gbps: float = speed_gbps
        self.mtu: int = mtu
        self.address: str | None = None
        self.gateway: str | None = None
        self.rdma_device: str | None = rdma_device
        self.peer_device: str = peer_device
        self.peer_port: str = peer_port
        self.description: str = "to %s %s" % (peer_device, peer_port)
        self.port_number: Any = port_number     # int on switch ports (read as a number there), None on hosts
        self.split: int = split
        # The length of its cable (set by cabling): a switch sizes lossless buffer headroom by it.
        self.length_m: float | None = None
        # Set by the wiring right after both ends are created, so never None in a plan.
        self.peer: Interface = None  # type: ignore[assignment]
        # The plane of its cable in a fabric of several planes; None otherwise, and then not in the
        # JSON form, so plans without planes stay as they were.
        self.plane: int | None = None

    def as_dict(self) -> dict[str, Any]:
        # Spelled out: a dict display is about twice as fast as a loop over FIELDS, and this runs
        # once per interface when plan.json is written (a unit test keeps it equal to FIELDS).
        return {"name": self.name, "fabric": self.fabric, "role": self.role, "rail": self.rail,
                "speed_gbps": self.speed_gbps, "mtu": self.mtu, "address": self.address,
                "gateway": self.gateway, "rdma_device": self.rdma_device, "peer_device": self.peer_device,
                "peer_port": self.peer_port, "description": self.description,
                "port_number": self.port_number, "split": self.split, "length_m": self.length_m,
                **({"plane": self.plane} if self.plane is not None else {})}


class Link(Record):
    FIELDS = ("id", "fabric", "tier", "a_device", "a_port", "b_device", "b_port", "speed_gbps", "media",
              "cable", "length_m", "cable_share", "a_cage", "a_module", "b_cage", "b_module")
    # ``a_end``: the Interface at the a end (its ``peer`` is the b end), so cabling writes the
    # cable's length onto both ports without looking them up (not part of the JSON form).
    __slots__ = FIELDS + ("a_end", "plane")

    def __init__(self, fabric: str, tier: str, a_device: str, a_port: str, b_device: str, b_port: str,
                 speed_gbps: float, a_end: Interface | None = None) -> None:
        self.id: str | None = None
        self.fabric: str = fabric
        self.tier: str = tier            # node_leaf | appliance_leaf | leaf_spine | spine_core | leaf_leaf
        self.a_device: str = a_device
        self.a_port: str = a_port
        self.b_device: str = b_device
        self.b_port: str = b_port
        self.speed_gbps: float = speed_gbps
        self.media: str | None = None
        self.cable: str | None = None
        self.length_m: float | None = None
        # How much of one ``cable`` this link takes: 1, 0.5 when two links share a twin-port or
        # splitter cable, 2 when one link runs over two fibers. The bill of materials sums it.
        self.cable_share: float = 1.0
        self.a_cage: str | None = None   # the cage each end plugs into, and its transceiver (optics only)
        self.a_module: str | None = None
        self.b_cage: str | None = None
        self.b_module: str | None = None
        self.a_end: Interface | None = a_end
        # The plane of a fabric of several planes (fabrics.<name>.planes); None in one of one plane,
        # and then not in the JSON form, so plans without planes stay as they were.
        self.plane: int | None = None

    def as_dict(self) -> dict[str, Any]:
        # Spelled out for speed, as Interface.as_dict.
        out = self._as_dict()
        if self.plane is not None:
            out["plane"] = self.plane
        return out

    def _as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "fabric": self.fabric, "tier": self.tier, "a_device": self.a_device,
                "a_port": self.a_port, "b_device": self.b_device, "b_port": self.b_port,
                "speed_gbps": self.speed_gbps, "media": self.media, "cable": self.cable,
                "length_m": self.length_m, "cable_share": self.cable_share, "a_cage": self.a_cage,
                "a_module": self.a_module, "b_cage": self.b_cage, "b_module": self.b_module}


class Device(Record):
    FIELDS = ("name", "role", "model", "platform", "fabric", "su", "slot", "rail", "index", "pod",
              "rack", "rack_unit", "height", "power_kw", "mgmt_address", "loopback", "asn",
              "interfaces", "bgp", "host_subnets", "gateway_address", "tenant", "global_slot", "breakouts")
    # Records only some devices have, in the JSON form only where planned (so the plans of designs
    # without them stay as they were): ``bonds`` (gpu nodes: LACP bonds over an MLAG leaf pair) and
    # ``mlag`` (leaves of a fabric with host_addressing mlag_bond: peer, peer link, host bonds).
    # ``plane``: switches of a fabric of several planes (fabrics.<name>.planes), the plane they are in.
    # ``nvlink_domain``: the compute trays and NVLink switch trays of a rack-scale system, its domain.
    OPTIONAL: ClassVar[tuple[str, ...]] = ("bonds", "mlag", "plane", "nvlink_domain")
    __slots__ = FIELDS + OPTIONAL + ("_ports",)

    def __init__(self, name: str, role: str, model: str, platform: str, fabric: str | None = None,
                 su: int | None = None, slot: int | None = None, rail: int | None = None,
                 index: int | None = None, pod: int | None = None, height: int = 1, power_kw: float = 0.0) -> None:
        self.name: str = name
        self.role: str = role            # gpu_node | leaf | spine | core | appliance | pdu | nvlink_switch
        self.model: str = model
        self.platform: str = platform
        self.fabric: str | None = fabric
        # Positions (int): None only on devices a position does not apply to, and read as numbers only
        # where the planner set them, so typed Any rather than checked for None on every use.
        self.su: Any = su
        self.slot: Any = slot
        self.rail: int | None = rail
        self.index: Any = index
        self.pod: Any = pod
        self.rack: str | None = None
        self.rack_unit: int | None = None
        self.height: int = height
        self.power_kw: float = power_kw
        self.mgmt_address: str | None = None
        self.loopback: str | None = None
        self.asn: int | None = None
        self.interfaces: list[Interface] = []
        self.bgp: dict[str, Any] | None = None
        self.host_subnets: list[str] = []
        self.gateway_address: str | None = None
        self.tenant: str | None = None
        self.global_slot: Any = None
        # Ethernet switches: one record per broken-out cage (fabric.port_structure); None elsewhere.
        self.breakouts: list[dict[str, Any]] | None = None
        self.bonds: list[dict[str, Any]] | None = None
        self.mlag: dict[str, Any] | None = None
        self.plane: int | None = None
        self.nvlink_domain: str | None = None
        self._ports: dict[str, Interface] | None = None

    def port(self, name: str) -> Interface:
        """The interface called ``name`` (indexed on first use, after wiring is complete)."""
        if self._ports is None or len(self._ports) != len(self.interfaces):
            self._ports = {i.name: i for i in self.interfaces}
        return self._ports[name]

    def optional(self) -> dict[str, Any]:
        """The OPTIONAL records this device has (none are None)."""
        return {name: getattr(self, name) for name in self.OPTIONAL if getattr(self, name) is not None}

    def as_dict(self) -> dict[str, Any]:
        out = Record.as_dict(self)
        out["interfaces"] = [i.as_dict() for i in self.interfaces]
        out.update(self.optional())
        return out


class Rack(Record):
    FIELDS = ("name", "kind", "su", "row", "column", "units", "power_kw", "used_units", "used_power_kw",
              "devices")
    __slots__ = FIELDS + ("_next_bottom", "_next_top")

    def __init__(self, name: str, kind: str, su: int | None, row: int, column: int, units: int,
                 power_kw: float) -> None:
        self.name: str = name
        self.kind: str = kind            # compute | network
        self.su: int | None = su
        self.row: int = row
        self.column: int = column
        self.units: int = units
        self.power_kw: float = power_kw
        self.used_units: int = 0
        self.used_power_kw: float = 0.0
        self.devices: list[dict[str, Any]] = []
        self._next_bottom: int = 1
        self._next_top: int = units

    def fits(self, device: Device) -> bool:
        return (self.used_units + device.height <= self.units
                and self.used_power_kw + device.power_kw <= self.power_kw + 1e-9)

    def mount(self, device: Device, from_top: bool = False) -> None:
        """Place a device: servers stack from the bottom, switches from the top; zero-U devices
        (PDUs in the rack's side) take no unit."""
        if not device.height:
            device.rack_unit = None
        elif from_top:
            device.rack_unit = self._next_top - device.height + 1
            self._next_top -= device.height
        else:
            device.rack_unit = self._next_bottom
            self._next_bottom += device.height
        device.rack = self.name
        self.used_units += device.height
        self.used_power_kw = round(self.used_power_kw + device.power_kw, 3)
        self.devices.append({"device": device.name, "rack_unit": device.rack_unit, "height": device.height})


class Notice(Record):
    """Something the planner decided for the user that they may not want: the field it concerns,
    what happened, and the change to the design that avoids it. Shown as a warning in the play
    output and kept in ``summary.json`` (``warnings``)."""

    FIELDS = ("field", "message", "fix")
    __slots__ = FIELDS

    def __init__(self, field: str, message: str, fix: str) -> None:
        self.field: str = field
        self.message: str = message
        self.fix: str = fix

    def __str__(self) -> str:
        return "%s: %s; %s" % (self.field, self.message, self.fix)
