# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of the version reports the lifecycle inventory reads on a host (module version_facts).

Kept apart from the module so that unit tests feed them recorded output:

* ``ethtool -i IFNAME``: "key: value" lines; ``firmware-version`` is the NIC's firmware as its
  driver reports it (mlx5: "28.39.1002 (MT_0000000838)", the PSID in parentheses; veth: empty),
  ethtool(8) ``-i, --driver``;
* ``mstflint -d BDF query``: "FW Version:" and "PSID:" lines (NVIDIA Firmware Tools user manual,
  mstflint "query");
* ``dpkg-query -W -f '${Package}\\t${Version}\\n'`` and ``rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'``:
  one package per line;
* the NOS release of a switch by the platform registry's NOS_VERSION pattern.
"""

from __future__ import annotations

import re

_MSTFLINT = {"FW Version": "firmware_version", "PSID": "psid", "Product Version": "product_version"}


def parse_ethtool_info(text: str) -> dict[str, str]:
    """``ethtool -i`` output as {key: value} with ``-`` in keys as ``_`` (firmware_version, bus_info)."""
    out = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip().replace("-", "_")] = value.strip()
    return out


def parse_mstflint_query(text: str) -> dict[str, str]:
    """``mstflint query`` output: firmware_version, psid, product_version where printed."""
    out = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in _MSTFLINT and value.strip():
            out[_MSTFLINT[key.strip()]] = value.strip()
    return out


def parse_packages(text: str) -> dict[str, str]:
    """Tab-separated ``name<TAB>version`` lines as {name: version}."""
    out = {}
    for line in (text or "").splitlines():
        name, sep, version = line.partition("\t")
        if sep and name.strip() and version.strip():
            out[name.strip()] = version.strip()
    return out


def parse_nos_version(text: str, pattern: str) -> str | None:
    """The first match of ``pattern``'s group 1 in ``text``, or None."""
    found = re.search(pattern, text or "")
    return found.group(1) if found else None
