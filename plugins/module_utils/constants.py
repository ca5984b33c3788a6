# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's enumerations, defined once.

Device roles, fabric names and kinds, name prefixes and finding severities are read by the
planner, the renderers, the twin, validation and the inventory plugin alike; each used to keep its
own copy, and copies drift. This module is plain Python with no imports, so the code that modules
run on managed hosts (``module_utils``) and the controller's code (``plugin_utils``) can both read it.
"""

from __future__ import annotations

# Device roles of the plan (``Device.role``).
NODE_ROLE = "gpu_node"
APPLIANCE_ROLE = "appliance"
SWITCH_ROLES = ("leaf", "spine", "core")
# Rack power distribution units: in the racks, the BOM and the out-of-band fabric, never configured.
PDU_ROLE = "pdu"
# NVLink switch trays of rack-scale systems (NVL72): in their system's rack and the plan, never
# configured (NVIDIA's NVLink switch software manages them), no port of the plan's fabrics.
NVLINK_SWITCH_ROLE = "nvlink_switch"
DEVICE_ROLES = (NODE_ROLE,) + SWITCH_ROLES + (APPLIANCE_ROLE, PDU_ROLE, NVLINK_SWITCH_ROLE)
# Interface role of a device's management port on the out-of-band fabric (switches, appliances,
# PDUs; a GPU node's is ``bmc``): cabled and addressed, never configured as a data port.
MGMT_ROLE = "mgmt"

# Fabrics a design may have, in the order they are planned (the compute fabric decides the SUs).
FABRIC_ORDER = ("compute", "storage", "inband", "oob")
# The NIC role of a host port on each fabric.
FABRIC_NIC_ROLE = {"compute": "compute", "storage": "storage", "inband": "inband", "oob": "bmc"}
# Prefix of the names of a fabric's switches and appliances (``inb-leaf-1``, ``stor-ufm-1``).
FABRIC_PREFIX = {"compute": "", "storage": "stor-", "inband": "inb-", "oob": "oob-"}

# Fabric kinds (``fabrics.<name>.kind`` of a design).
INFINIBAND = "infiniband"
ETHERNET_KINDS = ("roce", "ethernet")
FABRIC_KINDS = ETHERNET_KINDS + (INFINIBAND,)

# Severities of validation findings, most severe first.
SEVERITIES = ("error", "warning", "info")
SEVERITY_ORDER = {name: rank for rank, name in enumerate(SEVERITIES)}

# Versions a lifecycle baseline names (design lifecycle.baseline, catalog baselines), by the kind of
# device they apply to: the inventory gathers them, the drift report compares them.
NODE_VERSION_FIELDS = ("driver_version", "cuda_version", "fabric_manager_version", "nic_firmware", "bmc", "bios",
                       "firmware")
SWITCH_VERSION_FIELDS = ("nos_version",)
# Baseline fields that are not versions: where a switch's NOS image is, for the rolling update.
SWITCH_BASELINE_FIELDS = SWITCH_VERSION_FIELDS + ("nos_image",)
