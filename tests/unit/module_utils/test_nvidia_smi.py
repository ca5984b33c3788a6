# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nvidia-smi parsers and the gpu_facts module, over recorded outputs of several GPU models.

Fixtures (tests/unit/fixtures/nvidia_smi/) follow the element names and nesting of
``nvidia-smi -q -x`` (``nvsmi_device_v12.dtd``, drivers 535-570): an 8-GPU H100 SXM NVSwitch
board (MIG off, fabric registered, 18 NVLinks per GPU), a 4-GPU A100 SXM4 board with MIG on two
GPUs and a MIG change pending on a third (two NVLinks down on GPU 3), and an 8-GPU L40S PCIe
server (no MIG, no NVLink, persistence off, one running process).
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.refarch.ai_cluster.plugins.module_utils import nvidia_smi
from ansible_collections.refarch.ai_cluster.plugins.modules import gpu_facts

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "nvidia_smi")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def test_h100_hgx_board():
    parsed = nvidia_smi.parse_xml(fixture("h100-sxm-80gb-x8.xml"))
    facts = nvidia_smi.summarize(parsed, nvidia_smi.parse_nvlink_status(fixture("h100-sxm-80gb-x8.nvlink.txt")))
    assert facts["driver_version"] == "570.133.20"
    assert facts["driver_branch"] == "570"
    assert facts["cuda_version"] == "12.8"
    assert facts["count"] == 8
    assert facts["models"] == {"NVIDIA H100 80GB HBM3": 8}
    assert facts["memory_total_mib"] == 8 * 81559
    assert facts["vbios_versions"] == ["96.00.99.00.01"]
    assert facts["persistence_mode"] is True
    assert facts["mig_enabled"] == []
    assert facts["mig_pending_change"] == []
    assert facts["fabric_registered"] is True
    assert facts["nvlink_inactive"] == []
    first = facts["gpus"][0]
    assert first["index"] == 0
    assert first["pci_bus_id"] == "00000000:1B:00.0"
    assert first["architecture"] == "Hopper"
    assert first["uuid"].startswith("GPU-")
    assert first["module_id"] == 2
    assert first["memory"] == {"total_mib": 81559, "reserved_mib": 551, "used_mib": 1, "free_mib": 81008}
    assert first["mig"] == {"supported": True, "current": False, "pending": False, "devices": []}
    assert first["ecc"] == {"current": True, "pending": True}
    assert first["pcie"] == {"generation": 5, "max_generation": 5, "width": 16}
    assert first["power_limit_w"] == 700.0
    assert first["fabric"]["state"] == "Completed" and first["fabric"]["registered"]
    assert first["nvlink"]["active"] == 18 and first["nvlink"]["inactive"] == 0
    assert first["nvlink"]["links"][0] == {"link": 0, "active": True, "speed_gbs": 26.562}
    assert [g["index"] for g in facts["gpus"]] == list(range(8))
    assert len({g["uuid"] for g in facts["gpus"]}) == 8


def test_a100_with_mig():
    parsed = nvidia_smi.parse_xml(fixture("a100-sxm4-80gb-x4-mig.xml"))
    facts = nvidia_smi.summarize(parsed, nvidia_smi.parse_nvlink_status(fixture("a100-sxm4-80gb-x4-mig.nvlink.txt")))
    assert facts["driver_branch"] == "535"
    assert facts["count"] == 4
    assert facts["mig_enabled"] == [0, 1]
    assert facts["mig_pending_change"] == [3]      # enabled, waiting for a GPU reset
    assert facts["fabric_registered"] is None      # A100: no fabric element values
    gpu0, gpu1, gpu2, gpu3 = facts["gpus"]
    assert [d["gpu_instance_id"] for d in gpu0["mig"]["devices"]] == [1, 2]
    assert gpu0["mig"]["devices"][0]["memory"]["total_mib"] == 40192
    assert gpu0["mig"]["devices"][0]["multiprocessor_count"] == 42
    assert len(gpu1["mig"]["devices"]) == 7
    assert gpu0["memory"]["used_mib"] is None      # N/A under MIG
    assert gpu0["utilization_percent"] is None
    assert gpu2["mig"] == {"supported": True, "current": False, "pending": False, "devices": []}
    assert gpu3["mig"]["current"] is False and gpu3["mig"]["pending"] is True
    assert facts["nvlink_inactive"] == [{"gpu": 3, "inactive": 2}]
    assert gpu3["nvlink"]["links"][-1] == {"link": 11, "active": False, "speed_gbs": None}
    assert gpu0["nvlink"]["links"][0]["speed_gbs"] == 25.0


def test_l40s_pcie_server():
    parsed = nvidia_smi.parse_xml(fixture("l40s-x8.xml"))
    facts = nvidia_smi.summarize(parsed, nvidia_smi.parse_nvlink_status(""))
    assert facts["count"] == 8
    assert facts["models"] == {"NVIDIA L40S": 8}
    assert facts["persistence_mode"] is False
    assert facts["mig_enabled"] == [] and facts["mig_pending_change"] == []
    assert facts["fabric_registered"] is None
    assert facts["nvlink_inactive"] == []
    gpu = facts["gpus"][2]
    assert gpu["architecture"] == "Ada Lovelace"
    assert gpu["mig"] == {"supported": False, "current": None, "pending": None, "devices": []}
    assert gpu["nvlink"] is None
    assert gpu["processes"] == [{"pid": 41877, "type": "C", "name": "/usr/bin/python3", "used_memory_mib": 20344}]
    assert gpu["memory"]["used_mib"] == 20345
    assert gpu["utilization_percent"] == 37


def test_without_nvlink_query_the_key_is_none():
    facts = nvidia_smi.summarize(nvidia_smi.parse_xml(fixture("l40s-x8.xml")))
    assert facts["nvlink_inactive"] is None
    assert all(g["nvlink"] is None for g in facts["gpus"])


@pytest.mark.parametrize("text", [
    "", "not xml", "<other/>",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><nvidia_smi_log/>',
])
def test_bad_documents_are_refused(text):
    with pytest.raises(nvidia_smi.NvidiaSmiParseError):
        nvidia_smi.parse_xml(text)


def test_empty_log_has_no_gpus():
    facts = nvidia_smi.summarize(nvidia_smi.parse_xml("<nvidia_smi_log><driver_version>570.1</driver_version>"
                                                      "</nvidia_smi_log>"))
    assert facts["count"] == 0 and facts["persistence_mode"] is False


def test_mig_gpu_instances_table():
    text = """+-------------------------------------------------------+
| GPU instances:                                        |
| GPU   Name             Profile  Instance   Placement  |
|                          ID       ID       Start:Size |
|=======================================================|
|   0  MIG 3g.40gb          9        2          4:4     |
+-------------------------------------------------------+
|   0  MIG 3g.40gb          9        1          0:4     |
+-------------------------------------------------------+
|   1  MIG 1g.10gb         19        7          0:1     |
+-------------------------------------------------------+
"""
    assert nvidia_smi.parse_mig_gpu_instances(text) == {0: ["3g.40gb", "3g.40gb"], 1: ["1g.10gb"]}
    assert nvidia_smi.parse_mig_gpu_instances("No GPU instances found: Not Found") == {}


# --- the module, with a stand-in nvidia-smi -------------------------------------------------------

def _stand_in(tmp_path, xml_name=None, nvlink_name=None, rc=0, message=""):
    script = tmp_path / "nvidia-smi"
    lines = ["#!/bin/sh"]
    if rc:
        (tmp_path / "message").write_text(message + "\n")
        lines.append("cat '%s'; exit %d" % (tmp_path / "message", rc))
    else:
        lines.append('if [ "$1" = nvlink ]; then')
        lines.append("  cat '%s'" % os.path.join(FIXTURES, nvlink_name) if nvlink_name else "  exit 0")
        lines.append("  exit 0")
        lines.append("fi")
        lines.append("cat '%s'" % os.path.join(FIXTURES, xml_name))
    script.write_text("\n".join(lines) + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            gpu_facts.main()
    return json.loads(capsys.readouterr().out)


def test_module_returns_facts(tmp_path, capsys):
    binary = _stand_in(tmp_path, "h100-sxm-80gb-x8.xml", "h100-sxm-80gb-x8.nvlink.txt")
    result = _run({"nvidia_smi": binary}, capsys)
    assert result["changed"] is False
    facts = result["ansible_facts"]["refarch_gpu"]
    assert facts["available"] is True and facts["count"] == 8
    assert facts["gpus"][7]["nvlink"]["active"] == 18


def test_module_reports_driver_not_loaded(tmp_path, capsys):
    binary = _stand_in(tmp_path, rc=9, message="NVIDIA-SMI has failed because it couldn't communicate "
                                               "with the NVIDIA driver.")
    result = _run({"nvidia_smi": binary}, capsys)
    facts = result["ansible_facts"]["refarch_gpu"]
    assert facts["available"] is False
    assert "exited 9" in facts["reason"] and "communicate" in facts["reason"]
    failed = _run({"nvidia_smi": binary, "required": True}, capsys)
    assert failed["failed"] is True


def test_module_without_nvidia_smi(tmp_path, capsys):
    result = _run({"nvidia_smi": str(tmp_path / "missing")}, capsys)
    assert result["ansible_facts"]["refarch_gpu"]["available"] is False
    assert "not installed" in result["ansible_facts"]["refarch_gpu"]["reason"]
