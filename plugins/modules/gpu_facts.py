#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gpu_facts
short_description: NVIDIA GPU facts from nvidia-smi
version_added: "0.1.0"
description:
  - Runs C(nvidia-smi -q -x) and, unless O(nvlink=false), C(nvidia-smi nvlink --status) on the
    host and returns the GPUs as structured facts under C(ansible_facts.refarch_gpu), that is the
    driver and CUDA versions, and per GPU its name, architecture, UUID, PCI bus id, VBIOS version,
    memory, persistence mode, MIG mode and MIG devices, ECC mode, NVSwitch fabric registration
    and NVLink links.
  - When nvidia-smi is missing or cannot talk to the driver (not installed yet, not loaded, or a
    driver/library version mismatch before a reboot) the facts say C(available=false) with the
    reason, and the module fails only when O(required=true).
options:
  nvidia_smi:
    description:
      - Name or path of the nvidia-smi executable. A bare name is looked up in C(PATH) and in
        C(/usr/bin) and C(/usr/sbin).
    type: str
    default: nvidia-smi
  nvlink:
    description:
      - Also query NVLink link states (C(nvidia-smi nvlink --status)). GPUs without NVLink
        report C(nvlink=null).
    type: bool
    default: true
  required:
    description:
      - Fail when nvidia-smi is missing or reports an error, instead of returning
        C(available=false).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Only reads; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show.
  facts:
    support: full
    description: Returns C(ansible_facts.refarch_gpu).
  platform:
    support: full
    platforms: posix
    description: Runs on the GPU host.
notes:
  - The parser (C(module_utils/nvidia_smi.py)) uses only the Python standard library.
seealso:
  - name: nvidia-smi documentation
    description: The NVIDIA System Management Interface and its XML output (C(nvsmi_device_vN.dtd)).
    link: https://docs.nvidia.com/deploy/nvidia-smi/index.html
author:
  - refarch.ai_cluster contributors (@refarch)
"""

EXAMPLES = r"""
- name: Read the GPUs of the host
  refarch.ai_cluster.gpu_facts:

- name: Every GPU is in persistence mode and on the expected driver
  ansible.builtin.assert:
    that:
      - ansible_facts.refarch_gpu.available
      - ansible_facts.refarch_gpu.persistence_mode
      - ansible_facts.refarch_gpu.driver_branch == '570'
      - ansible_facts.refarch_gpu.count == 8

- name: Fail when the driver does not answer
  refarch.ai_cluster.gpu_facts:
    required: true
    nvlink: false
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    refarch_gpu:
      description: The GPUs of the host.
      returned: always
      type: dict
      contains:
        available:
          description: Whether nvidia-smi answered. The other keys are present only when true.
          type: bool
          sample: true
        reason:
          description: Why nvidia-smi did not answer (only when O(required=false) and it did not).
          type: str
          sample: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
        driver_version:
          description: Version of the loaded driver.
          type: str
          sample: "570.133.20"
        driver_branch:
          description: First field of the driver version.
          type: str
          sample: "570"
        cuda_version:
          description: Highest CUDA version the driver supports.
          type: str
          sample: "12.8"
        count:
          description: Number of GPUs.
          type: int
          sample: 8
        models:
          description: Number of GPUs per product name.
          type: dict
          sample: {"NVIDIA H100 80GB HBM3": 8}
        memory_total_mib:
          description: Sum of the frame buffer memory of all GPUs, in MiB.
          type: int
          sample: 652472
        vbios_versions:
          description: The distinct VBIOS versions found.
          type: list
          elements: str
          sample: ["96.00.99.00.01"]
        persistence_mode:
          description: Whether every GPU is in persistence mode.
          type: bool
        mig_enabled:
          description: Indexes of the GPUs whose MIG mode is on.
          type: list
          elements: int
        mig_pending_change:
          description: Indexes of the GPUs whose MIG mode changes at the next GPU reset.
          type: list
          elements: int
        fabric_registered:
          description: Whether every GPU completed NVSwitch fabric registration (fabric manager);
            null when the GPUs have no fabric.
          type: bool
        nvlink_inactive:
          description: GPUs with NVLink links down, as C({gpu, inactive}); null when NVLink was
            not queried.
          type: list
          elements: dict
        gpus:
          description: One dict per GPU, in nvidia-smi index order (index, pci_bus_id, name, brand,
            architecture, uuid, serial, minor_number, module_id, vbios_version,
            persistence_mode, mig, ecc, memory, bar1_memory, pcie, fabric, nvlink, processes, ...).
          type: list
          elements: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.refarch.ai_cluster.plugins.module_utils.nvidia_smi import (
    NvidiaSmiParseError, parse_nvlink_status, parse_xml, summarize)


def _first_line(text):
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def main():
    module = AnsibleModule(
        argument_spec=dict(
            nvidia_smi=dict(type="str", default="nvidia-smi"),
            nvlink=dict(type="bool", default=True),
            required=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params

    def unavailable(reason):
        if params["required"]:
            module.fail_json(msg=reason)
        module.exit_json(changed=False, ansible_facts={"refarch_gpu": {"available": False, "reason": reason}})

    binary = params["nvidia_smi"]
    if os.path.sep not in binary:
        binary = module.get_bin_path(binary, opt_dirs=["/usr/bin", "/usr/sbin"])
    if not binary or not os.access(binary, os.X_OK):
        unavailable("%s not found: the NVIDIA driver utilities are not installed" % params["nvidia_smi"])

    rc, out, err = module.run_command([binary, "-q", "-x"])
    if rc != 0:
        unavailable("nvidia-smi -q -x exited %d: %s" % (rc, _first_line(out) or _first_line(err)))
    try:
        parsed = parse_xml(out)
    except NvidiaSmiParseError as exc:
        unavailable(str(exc))

    nvlink = None
    if params["nvlink"]:
        rc, out, err = module.run_command([binary, "nvlink", "--status"])
        # Without NVLink (PCIe GPUs) nvidia-smi prints nothing and may exit non-zero.
        nvlink = parse_nvlink_status(out) if rc == 0 else {}
    module.exit_json(changed=False, ansible_facts={"refarch_gpu": summarize(parsed, nvlink)})


if __name__ == "__main__":
    main()
