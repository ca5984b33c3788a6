# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin filters over a host's slice of the plan (``refarch_device``).

They look things up in what the planner wrote and format port lists; none derives a name, an
address or a peer, so templates stay free of planning logic. Documentation: the sidecar files
``peer.yml``, ``interfaces_by_role.yml``, ``interface_range.yml`` and ``bgp_neighbors.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

_NUMBER = re.compile(r"(\d+)")


def _device(value, filter_name):
    if not isinstance(value, Mapping) or "interfaces" not in value:
        raise AnsibleFilterError("%s: expects a device of the plan (refarch_device), got %s" % (
            filter_name, type(value).__name__))
    return value


def peer(device, port):
    """The device and port at the other end of ``port`` of ``device``."""
    device = _device(device, "peer")
    for interface in device["interfaces"] or ():
        if interface.get("name") == port:
            return {"device": interface.get("peer_device"), "port": interface.get("peer_port")}
    raise AnsibleFilterError("peer: %s has no port %r; its ports: %s" % (
        device.get("name"), port, interface_range([i.get("name") for i in device["interfaces"] or ()])))


def interfaces_by_role(device, role):
    """Interfaces of ``device`` whose role is ``role`` (or one of a list of roles), in plan order."""
    device = _device(device, "interfaces_by_role")
    roles = {role} if isinstance(role, str) else set(role or ())
    return [interface for interface in device["interfaces"] or () if interface.get("role") in roles]


def _split(name):
    parts = _NUMBER.split(str(name))
    return [int(p) if i % 2 else p for i, p in enumerate(parts)]


def _varying(first, second):
    """Index of the one number in which ``second`` follows ``first`` by one, else None."""
    if len(first) != len(second):
        return None
    diff = [i for i in range(len(first)) if first[i] != second[i]]
    if len(diff) == 1 and diff[0] % 2 == 1 and second[diff[0]] == first[diff[0]] + 1:
        return diff[0]
    return None


def interface_range(names, separator=","):
    """Port names as a compact range: ``swp1 swp2 swp3 swp4 swp7`` -> ``swp1-4,swp7``.

    Runs of names that differ in one number, by one each step, collapse to ``first-last`` where
    ``last`` repeats the name from the varying number on: ``Ethernet1/1-4/1``, ``swp1s0-3``.
    Names are sorted by their numbers and duplicates dropped.
    """
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise AnsibleFilterError("interface_range: expects a list of port names, got %s" % type(names).__name__)
    keys = sorted({tuple(_split(n)) for n in names if n is not None and str(n) != ""},
                  key=lambda k: [(0, p) if isinstance(p, int) else (1, p) for p in k])
    runs = []
    for key in keys:
        if runs:
            start, last, at = runs[-1]
            step = _varying(last, key)
            if step is not None and (at is None or at == step):
                runs[-1] = (start, key, step)
                continue
        runs.append((key, key, None))
    out = []
    for start, last, at in runs:
        text = "".join(str(p) for p in start)
        if at is not None:
            text += "-" + "".join(str(p) for p in last[at:])
        out.append(text)
    return separator.join(out)


def bgp_neighbors(device):
    """The BGP sessions of ``device`` from the plan; an empty list when it runs no BGP."""
    device = _device(device, "bgp_neighbors")
    return list((device.get("bgp") or {}).get("neighbors") or [])


class FilterModule(object):
    """refarch.ai_cluster filters over the plan."""

    def filters(self):
        return {
            "peer": peer,
            "interfaces_by_role": interfaces_by_role,
            "interface_range": interface_range,
            "bgp_neighbors": bgp_neighbors,
        }
