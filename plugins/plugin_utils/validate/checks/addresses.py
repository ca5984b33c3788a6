# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses: the plan's IPv4 addresses on the ports, and the switches' loopback and gateway addresses.

A port address other than the plan's is a cause (key ``("address", device, port)``): routes and
pings through that port fail because of it. Switch port addresses are not checked when the fabric
runs BGP unnumbered (the ports then carry no IPv4 address of the plan).
"""

from __future__ import annotations

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
