# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's records: devices, their interfaces, the links between them, racks.

Large designs hold hundreds of thousands of interfaces and links, so these are small slotted
classes rather than dicts; ``as_dict`` gives the JSON form documented in docs/plan-format.md.
"""

from __future__ import annotations


class Record(object):
    """A slotted record; ``FIELDS`` are the slots that make up its JSON form."""

    __slots__ = ()
    FIELDS = ()

    def as_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


class Interface(Record):
    FIELDS = ("name", "fabric", "role", "rail", "speed_gbps", "mtu", "address", "gateway",
              "rdma_device", "peer_device", "peer_port", "description", "port_number", "split")
    # ``peer``: the Interface at the other end of the cable, so addressing and BGP reach it without
    # looking it up by name (not part of the JSON form: peer_device and peer_port name it there).
    __slots__ = FIELDS + ("peer",)

    def __init__(self, name, fabric, role, speed_gbps, mtu, peer_device, peer_port, rail=None,
                 port_number=None, split=1, rdma_device=None):
        self.name = name
        self.fabric = fabric
        self.role = role            # downlink | uplink | peer | compute | storage | inband | bmc
        self.rail = rail
        self.speed_gbps = speed_gbps
        self.mtu = mtu
        self.address = None
        self.gateway = None
        self.rdma_device = rdma_device
        self.peer_device = peer_device
        self.peer_port = peer_port
        self.description = "to %s %s" % (peer_device, peer_port)
        self.port_number = port_number
        self.split = split
        self.peer = None

    def as_dict(self):
        # Spelled out: a dict display is about twice as fast as a loop over FIELDS, and this runs
        # once per interface when plan.json is written (a unit test keeps it equal to FIELDS).
        return {"name": self.name, "fabric": self.fabric, "role": self.role, "rail": self.rail,
                "speed_gbps": self.speed_gbps, "mtu": self.mtu, "address": self.address,
                "gateway": self.gateway, "rdma_device": self.rdma_device, "peer_device": self.peer_device,
                "peer_port": self.peer_port, "description": self.description,
                "port_number": self.port_number, "split": self.split}


class Link(Record):
    FIELDS = ("id", "fabric", "tier", "a_device", "a_port", "b_device", "b_port", "speed_gbps", "media",
              "cable", "length_m", "transceiver")
    __slots__ = FIELDS

    def __init__(self, fabric, tier, a_device, a_port, b_device, b_port, speed_gbps):
        self.id = None
        self.fabric = fabric
        self.tier = tier            # node_leaf | appliance_leaf | leaf_spine | spine_core | leaf_leaf
        self.a_device = a_device
        self.a_port = a_port
        self.b_device = b_device
        self.b_port = b_port
        self.speed_gbps = speed_gbps
        self.media = None
        self.cable = None
        self.length_m = None
        self.transceiver = None

    def as_dict(self):
        # Spelled out for speed, as Interface.as_dict.
        return {"id": self.id, "fabric": self.fabric, "tier": self.tier, "a_device": self.a_device,
                "a_port": self.a_port, "b_device": self.b_device, "b_port": self.b_port,
                "speed_gbps": self.speed_gbps, "media": self.media, "cable": self.cable,
                "length_m": self.length_m, "transceiver": self.transceiver}


class Device(Record):
    FIELDS = ("name", "role", "model", "platform", "fabric", "su", "slot", "rail", "index", "pod",
              "rack", "rack_unit", "height", "power_kw", "mgmt_address", "loopback", "asn",
              "interfaces", "bgp", "host_subnets", "gateway_address", "tenant", "global_slot")
    __slots__ = FIELDS + ("_ports",)

    def __init__(self, name, role, model, platform, fabric=None, su=None, slot=None, rail=None,
                 index=None, pod=None, height=1, power_kw=0.0):
        self.name = name
        self.role = role            # gpu_node | leaf | spine | core | appliance
        self.model = model
        self.platform = platform
        self.fabric = fabric
        self.su = su
        self.slot = slot
        self.rail = rail
        self.index = index
        self.pod = pod
        self.rack = None
        self.rack_unit = None
        self.height = height
        self.power_kw = power_kw
        self.mgmt_address = None
        self.loopback = None
        self.asn = None
        self.interfaces = []
        self.bgp = None
        self.host_subnets = []
        self.gateway_address = None
        self.tenant = None
        self.global_slot = None
        self._ports = None

    def port(self, name):
        """The interface called ``name`` (indexed on first use, after wiring is complete)."""
        if self._ports is None or len(self._ports) != len(self.interfaces):
            self._ports = {i.name: i for i in self.interfaces}
        return self._ports[name]

    def as_dict(self):
        out = Record.as_dict(self)
        out["interfaces"] = [i.as_dict() for i in self.interfaces]
        return out


class Rack(Record):
    FIELDS = ("name", "kind", "su", "row", "column", "units", "power_kw", "used_units", "used_power_kw",
              "devices")
    __slots__ = FIELDS + ("_next_bottom", "_next_top")

    def __init__(self, name, kind, su, row, column, units, power_kw):
        self.name = name
        self.kind = kind            # compute | network
        self.su = su
        self.row = row
        self.column = column
        self.units = units
        self.power_kw = power_kw
        self.used_units = 0
        self.used_power_kw = 0.0
        self.devices = []
        self._next_bottom = 1
        self._next_top = units

    def fits(self, device):
        return (self.used_units + device.height <= self.units
                and self.used_power_kw + device.power_kw <= self.power_kw + 1e-9)

    def mount(self, device, from_top=False):
        """Place a device: servers stack from the bottom, switches from the top."""
        if from_top:
            device.rack_unit = self._next_top - device.height + 1
            self._next_top -= device.height
        else:
            device.rack_unit = self._next_bottom
            self._next_bottom += device.height
        device.rack = self.name
        self.used_units += device.height
        self.used_power_kw = round(self.used_power_kw + device.power_kw, 3)
        self.devices.append({"device": device.name, "rack_unit": device.rack_unit, "height": device.height})
