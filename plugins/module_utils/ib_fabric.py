# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One InfiniBand fabric of a plan, as the twin, the subnet manager's files and the checks see it.

Plain Python on the dict of ``plan.json``: the ibsim twin module runs it through AnsiballZ (so it
lives in ``module_utils``), and the controller's renderers and checks read the same view, so the
twin and the real fabric are matched with one idea of port numbers, rates and cables.

Per-lane rates of the InfiniBand generations (SDR 2.5, DDR 5, QDR 10, FDR 14, EDR 25, HDR 50,
NDR 100, XDR 200 Gb/s) as ibnetdiscover names them (IBTA specification, vol. 1, "Link rates").
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils import platforms
from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import InfinibandError

# Speed names in the order of their per-lane rate, as ibnetdiscover prints them after the width.
SPEEDS = (("SDR", 2.5), ("DDR", 5.0), ("QDR", 10.0), ("FDR10", 10.3125), ("FDR", 14.0625),
          ("EDR", 25.0), ("HDR", 50.0), ("NDR", 100.0), ("XDR", 200.0))
SPEED_RANK = dict((name, i) for i, (name, _rate) in enumerate(SPEEDS))


def natural_key(text: object) -> list[int | str]:
    """Sort key that puts ``leaf-2`` before ``leaf-10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(text))]


def guid_text(value: object) -> str:
    """A GUID as OpenSM and ibnetdiscover write it in files: ``0x`` and 16 lower-case hex digits."""
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().lower()
        if text.startswith(("s-", "h-", "r-")):
            text = text[2:]
        try:
            number = int(text, 16)
        except ValueError:
            raise InfinibandError("%r is not a GUID (16 hexadecimal digits, 0x optional)" % (value,))
    if number < 0 or number >= 1 << 64:
        raise InfinibandError("%r is not a 64-bit GUID" % (value,))
    return "0x%016x" % number


def plan_dict(plan: Any) -> dict[str, Any]:
    """A plan as the dict of ``plan.json`` (a Plan object is converted)."""
    if hasattr(plan, "to_dict"):
        return plan.to_dict()
    return plan


class FabricView(object):
    """Switches (ports by number), HCA ports and cables of one InfiniBand fabric of a plan.

    An entity is a switch ``(name, None)`` or an HCA port ``(device, port)``: each host port of the
    fabric is a single-port HCA (one per rail), as on DGX systems.
    """

    def __init__(self, plan: Any, fabric: str = "compute") -> None:
        plan = plan_dict(plan)
        fabrics = plan.get("fabrics") or {}
        if fabric not in fabrics:
            raise InfinibandError("the plan %s has no fabric %r; it has: %s" % (
                plan.get("name"), fabric, ", ".join(sorted(fabrics)) or "none"))
        self.summary = fabrics[fabric]
        if self.summary.get("kind") != "infiniband":
            raise InfinibandError("fabric %s of plan %s is %s, not infiniband" % (
                fabric, plan.get("name"), self.summary.get("kind")))
        self.name = fabric
        self.plan_name = plan.get("name")
        self.tenants = list((plan.get("design") or {}).get("tenants") or [])
        self.switches: dict[str, dict[str, Any]] = {}
        self.hcas: dict[tuple[str, str], dict[str, Any]] = {}
        self.peer: dict[tuple[str, str], tuple[tuple[str, str], dict[str, Any]]] = {}
        self.links: list[tuple[tuple[str, str], tuple[str, str], dict[str, Any]]] = []
        for name, dev in plan["devices"].items():
            if dev["role"] in SWITCH_ROLES:
                if dev.get("fabric") != fabric:
                    continue
                numbers: dict[str, int] = {}
                names: dict[int, str] = {}
                for iface in dev["interfaces"]:
                    if iface.get("port_number") is not None:
                        numbers[iface["name"]] = int(iface["port_number"])
                        names[int(iface["port_number"])] = iface["name"]
                self.switches[name] = {"name": name, "role": dev["role"], "model": dev.get("model"),
                                       "platform": dev.get("platform"), "pod": dev.get("pod"),
                                       "rail": dev.get("rail"), "numbers": numbers, "names": names,
                                       "split": dict((i["name"], i.get("split") or 1) for i in dev["interfaces"])}
                continue
            for iface in dev["interfaces"]:
                if iface.get("fabric") != fabric:
                    continue
                self.hcas[(name, iface["name"])] = {
                    "device": name, "port": iface["name"], "role": dev["role"],
                    "rdma_device": iface.get("rdma_device"), "rail": iface.get("rail"),
                    "tenant": dev.get("tenant"), "speed_gbps": iface.get("speed_gbps")}
        for link in plan["links"]:
            if link.get("fabric") != fabric:
                continue
            a = (link["a_device"], link["a_port"])
            b = (link["b_device"], link["b_port"])
            self.links.append((a, b, link))
            self.peer[a] = (b, link)
            self.peer[b] = (a, link)
        self.hosts_by_name: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for (device, port), hca in self.hcas.items():
            self.hosts_by_name[device].append(hca)

    # Entities and ports

    def is_switch(self, device: str) -> bool:
        return device in self.switches

    def entity_of(self, endpoint: tuple[str, str]) -> tuple[str, str | None]:
        device, port = endpoint
        return (device, None) if device in self.switches else (device, port)

    def port_number(self, endpoint: tuple[str, str]) -> int | None:
        """Number of an endpoint's port as ibnetdiscover prints it (HCA ports are port 1)."""
        device, port = endpoint
        if device in self.switches:
            return self.switches[device]["numbers"].get(port)
        return 1

    def endpoint(self, entity: tuple[str, str | None], number: int) -> tuple[str, str]:
        """The plan endpoint of port ``number`` of ``entity`` (None when the plan has no such port)."""
        device, port = entity
        if port is None:
            sw = self.switches[device]
            name = sw["names"].get(number) or platforms.port_name(sw["platform"] or "mlnx-os", number)
            return (device, name)
        return (device, port) if number == 1 else (device, "%s/%d" % (port, number))

    def expected_neighbour(self, entity: tuple[str, str | None], number: int) -> tuple[tuple[str, str | None], int | None] | None:
        """(entity, port number) the plan cables to port ``number`` of ``entity``, or None."""
        end = self.endpoint(entity, number)
        if end not in self.peer:
            return None
        far, _link = self.peer[end]
        return self.entity_of(far), self.port_number(far)

    def label(self, entity: tuple[str, str | None]) -> str:
        device, port = entity
        return device if port is None else "%s %s" % (device, port)

    def expected_rate(self, link: dict[str, Any]) -> tuple[int, str, float]:
        """(width, speed name, Gb/s) the catalog's speed of ``link`` means on InfiniBand.

        A logical port has 4 lanes, 2 when its cage is split (NDR200 on a QM9700): 400 Gb/s is
        4xNDR, 200 Gb/s split is 2xNDR, 100 Gb/s is 4xEDR.
        """
        split = 1
        for device, port in ((link["a_device"], link["a_port"]), (link["b_device"], link["b_port"])):
            if device in self.switches:
                split = max(split, int(self.switches[device]["split"].get(port) or 1))
        width = max(1, 4 // split)
        per_lane = float(link["speed_gbps"]) / width
        name = None
        for speed, rate in SPEEDS:
            if abs(rate - per_lane) < 0.01 * rate and speed != "FDR10":
                name = speed
        if name is None:
            # The nearest generation at or above the per-lane rate.
            above = [s for s, r in SPEEDS if r >= per_lane and s != "FDR10"]
            name = above[0] if above else SPEEDS[-1][0]
        return width, name, float(link["speed_gbps"])

    def tiers(self) -> int:
        return int(self.summary.get("tiers") or 0)
