# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses: the plan's IPv4 addresses on the ports, and the switches' loopback and gateway addresses.

A port address other than the plan's is a cause (key ``("address", device, port)``): routes and
pings through that port fail because of it. Switch port addresses are not checked when the fabric
runs BGP unnumbered (the ports then carry no IPv4 address of the plan).
"""

from __future__ import annotations

import ipaddress

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run, end_text


def check_addresses(run: Run) -> None:
    """Every planned address is on its port; a switch's loopback and gateway addresses are somewhere."""
    for dev, port, itf, lk in run.read_ports():
        address = itf.get("address")
        role = run.devices[dev].get("role")
        if address and not (role in SWITCH_ROLES and run.options.get("unnumbered")):
            run.count("addresses")
            if address not in lk["ipv4"]:
                others = ", ".join(lk["ipv4"]) or "none"
                run.findings.add("error", "address", dev, "address %s, plan %s" % (others, address),
                                 port=port, expected=address, observed=lk["ipv4"],
                                 fix="give %s the address %s%s: apply its network configuration again (%s)" % (
                                     end_text(dev, port), address,
                                     " and remove %s" % others if lk["ipv4"] else "",
                                     "refarch.ai_cluster.host_network; where systemd-networkd runs it: networkctl "
                                     "reconfigure %s" % port if role == "gpu_node" else "refarch.ai_cluster.fabric_switch"),
                                 keys=[("address", dev, port)])
    for dev in sorted(run.links):
        links = run.links[dev]
        d = run.devices[dev]
        if links is None or d.get("role") not in SWITCH_ROLES:
            continue
        everywhere = set(a for lk in links.values() for a in lk["ipv4"])
        for what, address in (("loopback", d.get("loopback")), ("gateway", d.get("gateway_address"))):
            if not address:
                continue
            run.count("addresses")
            if address not in everywhere:
                run.findings.add("error", "address", dev, "%s address %s is on no interface" % (what, address),
                                 port=what, expected=address, observed=None,
                                 fix="configure the %s address %s on %s (refarch.ai_cluster.fabric_switch)"
                                     % (what, address, dev),
                                 keys=[("address", dev, what)])


def _planned_holders(run: Run) -> dict:
    """{IPv4 address without prefix: {device: port or None}} of every address the plan gives out."""
    holders: dict = {}
    for (dev, port), itf in run.ports.items():
        if itf.get("address"):
            holders.setdefault(_ip(itf["address"]), {})[dev] = port
    for name, d in run.devices.items():
        for what in ("loopback", "gateway_address"):
            if d.get(what):
                holders.setdefault(_ip(d[what]), {}).setdefault(name, None)
        for bond in d.get("bonds") or []:
            if bond.get("address"):
                holders.setdefault(_ip(bond["address"]), {})[name] = bond.get("name")
    return holders


def _ip(address) -> str:
    return str(address).split("/", 1)[0]


def _pools(run: Run) -> list:
    """The design's address pools (addressing), as networks."""
    out = []
    for value in ((run.plan.get("design") or {}).get("addressing") or {}).values():
        try:
            out.append(ipaddress.ip_network(str(value), strict=False))
        except ValueError:
            continue
    return out


def check_unplanned_addresses(run: Run) -> None:
    """Addresses on a device that the plan does not give it: on a planned port, or inside the plan's pools.

    An address the plan gives to another device is a duplicate (error), named with both holders;
    any other is a warning. A port whose planned address is missing is already a finding of
    :func:`check_addresses`, which shows what the port has instead.
    """
    holders = _planned_holders(run)
    pools = _pools(run)
    for dev in sorted(run.links):
        links = run.links[dev]
        if links is None:
            continue
        for port, lk in sorted(links.items()):
            planned_port = (dev, port) in run.ports
            for address in lk["ipv4"]:
                ip = ipaddress.ip_interface(address).ip
                if ip.is_loopback or ip.is_link_local:
                    continue
                owners = holders.get(str(ip)) or {}
                if dev in owners:
                    continue
                in_pool = any(ip in pool for pool in pools)
                if not (planned_port or in_pool or owners):
                    continue
                run.count("unplanned_addresses")
                if owners:
                    owner, owner_port = sorted(owners.items())[0]
                    run.findings.add("error", "address", dev, "duplicate address %s: the plan gives it to %s, and %s "
                                     "has it too" % (ip, end_text(owner, owner_port), end_text(dev, port)),
                                     port=port, peer_device=owner, peer_port=owner_port, expected=None,
                                     observed=address,
                                     fix="remove %s from %s (ip addr del %s dev %s); it belongs to %s" % (
                                         address, end_text(dev, port), address, port, end_text(owner, owner_port)),
                                     keys=[("address", dev, port), ("address", owner, owner_port), ("dup", str(ip))])
                elif run.findings.cause([("address", dev, port)]) is None:
                    run.findings.add("warning", "address", dev, "address %s on %s is not in the plan" % (
                        address, port), port=port, expected=None, observed=address,
                        fix="remove it (ip addr del %s dev %s) or add what it is for to the design" % (address, port))
