# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand-in BMCs of the lifecycle tests (tests/lifecycle/redfish_mock.py) serve what they were given.

A mock tree written for a catalog model is served by sushy-static over HTTPS on 127.0.0.1, and the
firmware inventory read back over the wire (certificate checked against the emulators' own CA) has
the BMC, BIOS and per-GPU versions that were written. Skipped where sushy-tools is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODULE = os.path.join(ROOT, "tests", "lifecycle", "redfish_mock.py")


def _load():
    spec = importlib.util.spec_from_file_location("redfish_mock", MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("redfish_mock", module)
    spec.loader.exec_module(module)
    return module


redfish_mock = _load()


def _server(model):
    with open(os.path.join(ROOT, "catalog", "servers.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["servers"][model]


def test_write_mockup_rejects_a_gpu_the_model_lacks(tmp_path):
    server = _server("lab-node")  # 2 GPUs
    with pytest.raises(ValueError, match="GPU2"):
        redfish_mock.write_mockup(str(tmp_path), "lab-node", server,
                                  {"bmc": "1", "bios": "1", "firmware": {"GPU2": "1"}})


@pytest.mark.skipif(redfish_mock.find_sushy_static() is None,
                    reason="sushy-static not installed (pip install -r requirements-dev.txt)")
def test_emulator_serves_the_versions_written(tmp_path):
    versions = {"bmc": "1.0.0", "bios": "2.0.0", "firmware": {"GPU0": "96.00.A1", "GPU1": "96.00.B2"}}
    redfish_mock.write_mockup(str(tmp_path / "gpu01"), "lab-node", _server("lab-node"), versions)

    with redfish_mock.BmcEmulators({"gpu01": str(tmp_path / "gpu01")}, timeout=5) as bmcs:
        base = bmcs.uris["gpu01"]
        assert base.startswith("https://127.0.0.1:")
        assert bmcs.baseuris["gpu01"] == base[len("https://"):]

        def get(path):
            return redfish_mock.get_json(base + path, cafile=bmcs.ca_path)

        inventory = get("/redfish/v1/UpdateService/FirmwareInventory")
        members = [m["@odata.id"] for m in inventory["Members"]]
        assert members == ["/redfish/v1/UpdateService/FirmwareInventory/" + i for i in ("BMC", "BIOS", "GPU0", "GPU1")]
        assert inventory["Members@odata.count"] == 4

        served = {}
        for uri in members:
            item = get(uri)
            assert item["@odata.id"] == uri and item["@odata.type"].startswith("#SoftwareInventory.v1_")
            served[item["Id"]] = item["Version"]
        assert served == {"BMC": "1.0.0", "BIOS": "2.0.0", "GPU0": "96.00.A1", "GPU1": "96.00.B2"}

        gpu1 = get("/redfish/v1/UpdateService/FirmwareInventory/GPU1")
        assert gpu1["RelatedItem"] == [{"@odata.id": "/redfish/v1/Systems/1/Processors/GPU1"}]
        assert get(gpu1["RelatedItem"][0]["@odata.id"])["FirmwareVersion"] == "96.00.B2"
        assert get("/redfish/v1/Systems/1")["BiosVersion"] == "2.0.0"
        assert get("/redfish/v1/Managers/BMC")["FirmwareVersion"] == "1.0.0"

        # A node is "updated" by writing its tree again: the server reads the files on every GET.
        redfish_mock.write_mockup(str(tmp_path / "gpu01"), "lab-node", _server("lab-node"),
                                  dict(versions, bmc="1.1.0"))
        assert get("/redfish/v1/UpdateService/FirmwareInventory/BMC")["Version"] == "1.1.0"
    assert bmcs.uris == {} and bmcs.ca_path is None
