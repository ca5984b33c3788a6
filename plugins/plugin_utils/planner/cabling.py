# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cables: length from rack positions, media by reach, rounded up to an orderable length.

Distance model: devices in one rack are ``facility.in_rack_m`` apart; between racks, the cable
runs along rows and across them (Manhattan distance of rack positions, ``rack_width_m`` per rack
and ``row_pitch_m`` per row) plus ``slack_m`` for the runs up and down at both ends. The cheapest
media class that reaches wins (DAC or copper, then AOC, then transceivers and fiber), as the
catalog lists them for the link's speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError

if TYPE_CHECKING:
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.catalog import CableModel, Catalog
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.design import Design
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.model import Link, Rack


def distance(facility: Mapping[str, float], rack_a: Rack, rack_b: Rack) -> float:
    if rack_a is rack_b:
        return float(facility["in_rack_m"])
    return (abs(rack_a.column - rack_b.column) * facility["rack_width_m"]
            + abs(rack_a.row - rack_b.row) * facility["row_pitch_m"] + facility["slack_m"])


def choose(catalog: Catalog, speed: float, metres: float) -> tuple[CableModel, float] | tuple[None, None]:
    """(cable, length) of the first media that reaches ``metres`` at ``speed``."""
    for cable in catalog.cables_for(speed):
        if cable.max_reach_m + 1e-9 >= metres:
            for length in cable.lengths_m:
                if length + 1e-9 >= metres:
                    return cable, length
    return None, None


def assign(design: Design, links: Sequence[Link], racks_by_device: Mapping[str, Rack]) -> None:
    """Fill media, cable, length and transceiver of every link."""
    catalog = design.catalog
    facility = design.facility
    memo: dict[tuple[float, float], tuple[CableModel, float] | tuple[None, None]] = {}
    missing: dict[tuple[float, str], float] = {}
    for link in links:
        ra = racks_by_device[link.a_device]
        rb = racks_by_device[link.b_device]
        metres = round(distance(facility, ra, rb), 2)
        key = (link.speed_gbps, metres)
        if key not in memo:
            memo[key] = choose(catalog, link.speed_gbps, metres)
        cable, length = memo[key]
        if cable is None:
            worst = missing.get((link.speed_gbps, link.tier), 0)
            missing[(link.speed_gbps, link.tier)] = max(worst, metres)
            continue
        link.media = cable.media
        link.cable = cable.id
        link.length_m = length
        link.transceiver = cable.transceiver
        if link.a_end is not None:
            link.a_end.length_m = link.a_end.peer.length_m = length
    if missing:
        raise DesignError(["catalog: no cable reaches %.1f m at %g Gb/s (%s links); add one to a catalog "
                           "file or shorten the runs (facility.*_m)" % (m, speed, tier)
                           for (speed, tier), m in sorted(missing.items())])
