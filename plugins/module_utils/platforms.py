# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform registry: what the collection knows about each switch OS, in one record.

The planner names ports and caps MTUs with it, the switch renderer picks loopback and gateway
names and decides BGP unnumbered, the twin numbers IB ports, and validation decides which devices
it can read back and how. Before, each of those kept its own table and they disagreed (EOS: 9216
planned, 9214 configured). Plain Python, no imports beyond the standard library, so the twin
module that runs through AnsiballZ can read it as well as the controller.

Sources of the facts:

* SONiC port names ``EthernetN``, N the first SerDes lane of the port: SONiC ``port_config.ini`` /
  ``platform.json`` of the Mellanox SKUs (sonic-buildimage ``device/mellanox``).
* Cumulus Linux ``swpN`` and ``swpNsM`` for breakouts: NVIDIA Cumulus Linux user guide,
  "Switch Port Attributes" (Breakout ports).
* Arista EOS ``EthernetN/L`` with L the first lane of the breakout; layer-3 MTU at most 9214:
  Arista EOS User Manual, "Ethernet Ports".
* MLNX-OS / UFM InfiniBand ports ``IB1/N``, N the port number ibnetdiscover prints: NVIDIA
  MLNX-OS user manual, "InfiniBand Interfaces".
* BGP unnumbered (IPv6 link-local next hops, RFC 5549) with FRR: Cumulus Linux and the lab's FRR.
* Management ports (the out-of-band port the planner cables to the OOB fabric): ``eth0`` on SONiC
  (SONiC configuration guide, ``MGMT_INTERFACE|eth0``) and on Cumulus Linux (user guide,
  "Management VRF": eth0 is the management interface); ``Management1`` on fixed Arista switches
  (EOS User Manual, "Management Interfaces"); ``mgmt0`` on MLNX-OS/Onyx (NVIDIA Onyx user manual,
  "Management Interfaces": out-of-band interfaces mgmt0, mgmt1). The lab's switches run with
  ``--network none``: no management port.
* Cumulus ``version``: the NVUE OpenAPI schema of each Cumulus Linux 5.x release, as the Pydantic
  models of the ``nvueschema`` package (0.1.0, models ``v5_0`` to ``v5_18``); the templates' keys and
  values are checked against the declared release's models (tests/unit/render/test_cumulus_nvue_schema.py).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

#: One platform. ``port_naming`` is the scheme of :func:`port_name`; ``max_mtu`` the largest MTU a
#: routed port takes (None: no limit below the design's); ``rendered``: roles/fabric_switch has
#: templates for it; ``unnumbered``: its renderer can configure BGP unnumbered; ``gathered``:
#: validate_gather can read it back; ``bgp_from_frr``: its BGP state is read with FRR's vtysh;
#: ``loopback``, ``gateway`` (a format with the host VLAN) and ``bridge``: interface names;
#: ``version``: the NOS release the templates are written for where the syntax differs by release
#: (None: one syntax for all supported releases); ``management``: the name of the switch's
#: out-of-band management port (None: none known, so the planner does not cable it); ``sysctls``:
#: ((name, value), ...) kernel settings the switch renderer sets and validation reads back (the
#: lab's FRR routes only with IPv4/IPv6 forwarding on, ip-sysctl.rst of the Linux kernel; hash
#: policy 1 is layer 4, so ECMP spreads flows, not just address pairs).
Platform = namedtuple("Platform", (
    "name", "kind", "port_naming", "max_mtu", "rendered", "unnumbered", "gathered", "bgp_from_frr",
    "loopback", "gateway", "bridge", "version", "management", "sysctls"), defaults=(None, None, None))

LAB_SYSCTLS = (("net.ipv4.ip_forward", "1"), ("net.ipv6.conf.all.forwarding", "1"),
               ("net.ipv4.fib_multipath_hash_policy", "1"))

PLATFORMS = {
    "lab": Platform("lab", "ethernet", "swp", None, True, True, True, True, "lo", "br-rail", "br-rail",
                    sysctls=LAB_SYSCTLS),
    "sonic": Platform("sonic", "ethernet", "sonic", None, True, False, True, True, "Loopback0", "Vlan%d", None,
                      management="eth0"),
    # Cumulus Linux 5.14: the newest release whose NVUE schema the nvue.yaml template matches (5.6 to
    # 5.14 in nvueschema 0.1.0's models; 5.15 renamed interface `ip` and `enable: on` keys).
    "cumulus": Platform("cumulus", "ethernet", "swp", None, True, True, True, True, "lo", "vlan%d", "br_default", "5.14",
                        management="eth0"),
    "eos": Platform("eos", "ethernet", "eos", 9214, True, False, False, False, "Loopback0", "Vlan%d", None,
                    management="Management1"),
    "mlnx-os": Platform("mlnx-os", "infiniband", "ib", None, False, False, False, False, None, None, None,
                        management="mgmt0"),
    "ufm": Platform("ufm", "infiniband", "ib", None, False, False, False, False, None, None, None,
                    management="mgmt0"),
    # GPU nodes and appliances: Linux hosts, read back by validate_gather.
    "linux": Platform("linux", "host", None, None, False, False, True, False, None, None, None),
    # Rack PDUs: cabled to the out-of-band fabric and counted, never configured or read back.
    "pdu": Platform("pdu", "power", None, None, False, False, False, False, None, None, None),
}

#: How the lifecycle inventory reads a switch's NOS release on the switch itself: (argv, regular
#: expression whose group 1 is the release). The lab's switches are Debian 12 with FRR: their
#: release is the frr package's version (``dpkg-query -W``, dpkg-query(1)), which is also what their
#: rolling update installs; SONiC's ``show version``
#: prints "SONiC Software Version: SONiC.<release>" (SONiC Command Line Reference, "show version");
#: Cumulus Linux keeps its release in /etc/lsb-release as DISTRIB_RELEASE (Cumulus Linux user
#: guide, "Upgrading Cumulus Linux": check the version with cat /etc/lsb-release). EOS and the
#: InfiniBand switches are not read on the switch (no Python there): their NOS stays unknown in
#: the drift report until read by hand.
NOS_VERSION = {
    "lab": (("dpkg-query", "-W", "--showformat=${Version}\\n", "frr"), r"^(\S+)"),
    "sonic": (("show", "version"), r"SONiC Software Version:\s*(\S+)"),
    "cumulus": (("cat", "/etc/lsb-release"), r"DISTRIB_RELEASE=\"?([^\s\"]+)"),
}

#: How a rolling update upgrades a switch's NOS, per platform, as argv lists (``{asn}``, ``{image}``
#: and ``{file}``, the image's file name, filled in): ``drain`` takes the switch out of traffic
#: before anything changes, ``install`` puts the new release in place (``package``: the lab's
#: release is its FRR package, installed with the platform's APT at version nos_version instead),
#: ``reboot`` whether the release needs a reboot to run, ``undrain`` puts the switch back once it is
#: validated. Sources:
#:
#: * lab (FRR): ``bgp graceful-shutdown`` under ``router bgp`` re-announces every route with the
#:   GRACEFUL_SHUTDOWN community and local preference 0, which FRR peers act on (FRR user guide,
#:   "Other BGP Commands", RFC 8326); the FRR package restarts frr when it is upgraded, which reads
#:   frr.conf again, where the drain is not: the undrain is then a no-op kept for symmetry.
#: * sonic: ``TSA`` / ``TSB`` (Traffic Shift Away / Back, sonic-buildimage
#:   dockers/docker-fpm-frr/base_image_files; they ask for ``config save`` so that the mode
#:   survives a reboot), ``sonic-installer install -y <url>`` installs the image and makes it the
#:   next boot without rebooting (SONiC Command Reference, "SONiC Installer"; sonic_installer/main.py).
#: * cumulus (5.x up to 5.14, the release the templates target): ``nv set router bgp
#:   graceful-shutdown on|off`` with ``nv config apply`` (user guide, "Optional BGP Configuration",
#:   Graceful BGP Shutdown); ``nv action fetch system image <url>``, ``nv action install system
#:   image files <file>``, ``nv action boot-next system image other``, then a reboot (user guide,
#:   "Upgrading Cumulus Linux").
#:
#: EOS and the InfiniBand switches have none: their upgrade is refused with the reason.
NOS_UPGRADE: dict[str, dict[str, Any]] = {
    "lab": {"drain": (("vtysh", "-c", "configure terminal", "-c", "router bgp {asn}", "-c", "bgp graceful-shutdown"),),
            "install": (), "package": "frr", "reboot": False,
            "undrain": (("vtysh", "-c", "configure terminal", "-c", "router bgp {asn}", "-c", "no bgp graceful-shutdown"),)},
    "sonic": {"drain": (("TSA",), ("config", "save", "-y")),
              "install": (("sonic-installer", "install", "-y", "{image}"),), "package": None, "reboot": True,
              "undrain": (("TSB",), ("config", "save", "-y"))},
    "cumulus": {"drain": (("nv", "set", "router", "bgp", "graceful-shutdown", "on"),
                          ("nv", "config", "apply", "--assume-yes")),
                "install": (("nv", "action", "fetch", "system", "image", "{image}"),
                            ("nv", "action", "install", "system", "image", "files", "{file}"),
                            ("nv", "action", "boot-next", "system", "image", "other")),
                "package": None, "reboot": True,
                "undrain": (("nv", "set", "router", "bgp", "graceful-shutdown", "off"),
                            ("nv", "config", "apply", "--assume-yes"))},
}


def nos_upgrade(name: str, asn: object = None, image: str | None = None) -> dict[str, Any] | None:
    """The NOS upgrade steps of platform ``name`` with the switch's ASN and image filled in, or None
    where the platform has none (see NOS_UPGRADE)."""
    steps = NOS_UPGRADE.get(name)
    if steps is None:
        return None
    values = {"asn": "" if asn is None else str(asn), "image": image or "",
              "file": (image or "").rstrip("/").rsplit("/", 1)[-1]}
    fill = [[[arg.format(**values) for arg in argv] for argv in steps[k]] for k in ("drain", "install", "undrain")]
    return {"drain": fill[0], "install": fill[1], "undrain": fill[2], "package": steps["package"],
            "reboot": steps["reboot"]}


SWITCH_PLATFORMS = tuple(name for name, p in PLATFORMS.items() if p.kind in ("ethernet", "infiniband"))
RENDERED_PLATFORMS = tuple(name for name, p in PLATFORMS.items() if p.rendered)
UNNUMBERED_PLATFORMS = tuple(name for name, p in PLATFORMS.items() if p.unnumbered)
GATHERED_PLATFORMS = tuple(name for name, p in PLATFORMS.items() if p.gathered)
FRR_PLATFORMS = tuple(name for name, p in PLATFORMS.items() if p.bgp_from_frr)


def platform(name: str) -> Platform:
    """The record of platform ``name``; KeyError names the known ones."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise KeyError("unknown platform %r; known: %s" % (name, ", ".join(sorted(PLATFORMS)))) from None


def max_mtu(name: str, wanted: int) -> int:
    """``wanted`` capped at what platform ``name`` accepts on a routed port."""
    record = PLATFORMS.get(name)
    limit = record.max_mtu if record else None
    return wanted if limit is None else min(wanted, limit)


def port_name(name: str, number: int, split: int = 1, lanes_per_port: int = 4) -> str:
    """Name of logical port ``number`` (1-based) of a switch of platform ``name`` whose cages are
    split ``split`` ways, each cage ``lanes_per_port`` lanes wide."""
    cage, sub = divmod(number - 1, split)
    cage += 1
    scheme = PLATFORMS[name].port_naming if name in PLATFORMS else "ib"
    if scheme == "swp":
        return "swp%d" % cage if split == 1 else "swp%ds%d" % (cage, sub)
    if scheme == "sonic":
        return "Ethernet%d" % ((cage - 1) * lanes_per_port + sub * (lanes_per_port // split))
    if scheme == "eos":
        return "Ethernet%d/%d" % (cage, 1 + sub * (lanes_per_port // split))
    return "IB1/%d" % number


def cage_port_name(name: str, cage: int, lanes_per_port: int = 4) -> str:
    """Name of the unsplit port of cage ``cage`` (1-based): what a breakout is set on.

    SONiC keys ``BREAKOUT_CFG`` by the cage's first port, ``Ethernet<first lane>`` (sonic-buildimage
    ``platform.json``: the cage's entry under ``interfaces``); Cumulus NVUE sets ``link breakout`` on
    ``swpN``, N the cage, whose members are ``swpNs0``.. (Cumulus Linux user guide, "Switch Port
    Attributes", Breakout Ports); EOS names the cage's first lane ``EthernetN/1``.
    """
    return port_name(name, cage, 1, lanes_per_port)
