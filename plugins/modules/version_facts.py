#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: version_facts
short_description: Firmware, package and network OS versions of a host, for the lifecycle inventory
version_added: "0.2.0"
description:
  - Reads on the host what the lifecycle drift report compares with the plan's baseline, and
    returns it under C(ansible_facts.refarch_versions). GPU driver and CUDA come from
    M(refarch.ai_cluster.gpu_facts); BMC, BIOS and firmware inventory over Redfish from
    M(community.general.redfish_info) on the controller.
  - Per fabric NIC, C(ethtool -i) (driver, driver version, firmware version, PCI address) and,
    where C(mstflint) is installed and the NIC has a PCI address, C(mstflint -d ADDRESS query)
    (firmware version and PSID read from the flash).
  - The installed versions of the packages that match O(packages) (dpkg or rpm).
  - On a switch, its network OS release by the platform registry's command for O(platform).
  - Nothing is changed. A probe that cannot run is reported under C(errors), not failed.
options:
  interfaces:
    description: Network interfaces whose driver and firmware to read (the plan's fabric NICs).
    type: list
    elements: str
    default: []
  packages:
    description: Shell-style patterns of package names whose installed versions to report.
    type: list
    elements: str
    default: ["nvidia-fabricmanager*", "nvidia-driver*", "cuda-drivers*"]
  platform:
    description:
      - The device's platform (plan); a switch platform with a known NOS version command
        (C(lab), C(sonic), C(cumulus)) reports C(nos_version).
    type: str
    default: linux
attributes:
  check_mode:
    support: full
    description: Only reads; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing.
  facts:
    support: full
    description: Returns C(ansible_facts.refarch_versions).
  platform:
    support: full
    platforms: posix
    description: Runs on the GPU node or the switch.
notes:
  - ethtool(8) C(-i); NVIDIA Firmware Tools (MFT) user manual, mstflint C(query).
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Versions of a GPU node's fabric NICs and fabric manager
  refarch.ai_cluster.version_facts:
    interfaces: [rail0, rail1]

- name: NOS release of a SONiC switch
  refarch.ai_cluster.version_facts:
    platform: sonic
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    refarch_versions:
      description: What was read.
      returned: always
      type: dict
      contains:
        nics:
          description: Per interface, ethtool's driver, version, firmware_version and bus_info, and
            mstflint's firmware_version and psid under C(flash) where read.
          type: dict
          sample: {"rail0": {"driver": "mlx5_core", "firmware_version": "28.39.1002 (MT_0000000838)"}}
        packages:
          description: Installed version per package that matched O(packages).
          type: dict
          sample: {"nvidia-fabricmanager-570": "570.133.20-1"}
        nos_version:
          description: The switch's network OS release, null on hosts and where unread.
          type: str
          sample: "8.4.4"
        errors:
          description: Probes that could not run, and why.
          type: list
          elements: str
"""

import fnmatch
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import NOS_VERSION
from ansible_collections.refarch.ai_cluster.plugins.module_utils.version_probes import (
    parse_ethtool_info, parse_mstflint_query, parse_nos_version, parse_packages)


def _nics(module, interfaces, errors):
    ethtool = module.get_bin_path("ethtool")
    mstflint = module.get_bin_path("mstflint")
    out = {}
    for name in interfaces:
        if not os.path.exists(os.path.join("/sys/class/net", name)):
            errors.append("%s: no such interface" % name)
            continue
        if not ethtool:
            errors.append("%s: ethtool is not installed" % name)
            continue
        rc, stdout, stderr = module.run_command([ethtool, "-i", name])
        if rc != 0:
            errors.append("%s: ethtool -i failed: %s" % (name, (stderr or stdout).strip()))
            continue
        info = parse_ethtool_info(stdout)
        record = {k: info.get(k, "") for k in ("driver", "version", "firmware_version", "bus_info")}
        if mstflint and record["bus_info"].count(":") >= 1:
            rc, stdout, stderr = module.run_command([mstflint, "-d", record["bus_info"], "query"])
            if rc == 0:
                record["flash"] = parse_mstflint_query(stdout)
            else:
                errors.append("%s: mstflint query failed: %s" % (name, (stderr or stdout).strip()[:200]))
        out[name] = record
    return out


def _packages(module, patterns, errors):
    dpkg = module.get_bin_path("dpkg-query")
    rpm = module.get_bin_path("rpm")
    if dpkg:
        rc, stdout, stderr = module.run_command([dpkg, "-W", "-f", "${db:Status-Abbrev}\\t${Package}\\t${Version}\\n"])
        lines = "\n".join(line.split("\t", 1)[1] for line in stdout.splitlines()
                          if line.startswith("ii") and "\t" in line)
    elif rpm:
        rc, lines, stderr = module.run_command([rpm, "-qa", "--qf", "%{NAME}\\t%{VERSION}-%{RELEASE}\\n"])
    else:
        errors.append("packages: neither dpkg-query nor rpm is installed")
        return {}
    if rc != 0:
        errors.append("packages: %s" % stderr.strip())
        return {}
    return {name: version for name, version in sorted(parse_packages(lines).items())
            if any(fnmatch.fnmatchcase(name, p) for p in patterns)}


def _nos(module, platform, errors):
    if platform not in NOS_VERSION:
        return None
    argv, pattern = NOS_VERSION[platform]
    path = module.get_bin_path(argv[0])
    if not path:
        errors.append("nos_version: %s is not installed" % argv[0])
        return None
    rc, stdout, stderr = module.run_command([path] + list(argv[1:]))
    version = parse_nos_version(stdout, pattern) if rc == 0 else None
    if version is None:
        errors.append("nos_version: %s gave no release (rc %d): %s" % (" ".join(argv), rc, (stderr or stdout).strip()[:200]))
    return version


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interfaces=dict(type="list", elements="str", default=[]),
            packages=dict(type="list", elements="str",
                          default=["nvidia-fabricmanager*", "nvidia-driver*", "cuda-drivers*"]),
            platform=dict(type="str", default="linux"),
        ),
        supports_check_mode=True,
    )
    errors = []
    facts = {
        "nics": _nics(module, module.params["interfaces"], errors),
        "packages": _packages(module, module.params["packages"], errors),
        "nos_version": _nos(module, module.params["platform"], errors),
    }
    facts["errors"] = errors
    module.exit_json(changed=False, ansible_facts={"refarch_versions": facts})


if __name__ == "__main__":
    main()
