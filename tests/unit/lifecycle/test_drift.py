# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift from the baseline, from what the real tools print: nvidia-smi of an H200 and of the stand-in,
community.general.redfish_info against the twin's Redfish emulator (tests/unit/fixtures/redfish),
ethtool -i of the twin's veths. The reports are checked by parsing them back (csv) and by reading
their rows, not against a golden file.
"""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.nvidia_smi import parse_xml, summarize
from ansible_collections.refarch.ai_cluster.plugins.module_utils.version_probes import (
    parse_ethtool_info, parse_mstflint_query, parse_nos_version, parse_packages)
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import NOS_VERSION
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.drift import (
    DRIFT, OK, UNKNOWN, counts, drift_rows, drifting_nodes, matches)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.observed import observed_versions
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.lifecycle.report import drift_csv, drift_markdown
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

HERE = os.path.dirname(__file__)
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures")
REDFISH = json.load(open(os.path.join(FIXTURES, "redfish", "redfish_info_lab-node.json")))
# ethtool -i of a lab twin veth, as validate_gather recorded it (fixtures/validate/twin-clean.json).
VETH = ("driver: veth\nversion: 1.0\nfirmware-version: \nexpansion-rom-version: \nbus-info: \n"
        "supports-statistics: yes\nsupports-test: no\nsupports-eeprom-access: no\n"
        "supports-register-dump: no\nsupports-priv-flags: no\n")


@pytest.fixture(scope="module")
def plan():
    raw = yaml.safe_load(open(os.path.join(ROOT, "inventories", "lab", "design.yml")))
    return json.loads(json.dumps(plan_design(raw).to_dict()))


def gpu(name="h200-x1.xml"):
    with open(os.path.join(FIXTURES, "nvidia_smi", name)) as handle:
        return dict(summarize(parse_xml(handle.read())), available=True)


@pytest.mark.parametrize("expected, observed, result", [
    ("575.51.03", "575.51.03", True), ("575.51.03", "575.51.03-1", True),
    ("28.43.1014", "28.43.1014 (MT_0000000838)", True), ("12.8", "12.8", True),
    ("12.8", "12.8.1", False), ("575", "575.51.03", False), ("1.4.0", "1.4.01", False),
    ("1.4.0", None, False), ("8.4.4", "8.4.4+cl5", True),
])
def test_a_version_matches_only_itself_with_a_revision_or_note(expected, observed, result):
    assert matches(expected, observed) is result


def test_versions_are_read_from_real_redfish_info_results():
    errors = []
    got = observed_versions(None, None, REDFISH)
    assert got["versions"] == {"bios": "2.0.0", "bmc": "1.0.0",
                               "firmware": {"BMC": "1.0.0", "BIOS": "2.0.0", "GPU0": "96.00.A1", "GPU1": "96.00.A1"}}
    assert got["errors"] == errors


def test_a_failed_or_skipped_bmc_is_an_error_never_a_version():
    failed = dict(REDFISH, GetManagerInventory={"failed": True, "msg": "HTTP Error 401 on GET ...: Unauthorized"})
    got = observed_versions(None, None, failed)
    assert "bmc" not in got["versions"] and got["versions"]["bios"] == "2.0.0"
    assert got["errors"] == ["redfish GetManagerInventory: HTTP Error 401 on GET ...: Unauthorized"]
    skipped = observed_versions(None, None, {"GetSystemInventory": {"skipped": True, "skip_reason": "no BMC credentials"}})
    assert skipped["versions"] == {} and skipped["errors"] == ["redfish: no BMC credentials"]


def test_driver_cuda_nic_and_fabric_manager_from_the_host_tools():
    versions = {"nics": {"rail0": parse_ethtool_info(VETH) | {"flash": {}}}, "errors": [],
                "packages": parse_packages("nvidia-fabricmanager-580\t580.159.04-1\nnvidia-driver-cuda\t580.159.04-1\n"),
                "nos_version": None}
    got = observed_versions(gpu(), versions, None)
    assert got["versions"] == {"driver_version": "580.159.04", "cuda_version": "13.0",
                               "fabric_manager_version": "580.159.04-1"}
    # A veth has no firmware: no nic_firmware, so a baseline that pins it reads unknown.
    assert parse_ethtool_info(VETH)["firmware_version"] == "" and parse_ethtool_info(VETH)["driver"] == "veth"
    down = observed_versions({"available": False, "reason": "NVIDIA-SMI has failed"}, None, None)
    assert down["versions"] == {} and down["errors"] == ["nvidia-smi: NVIDIA-SMI has failed"]


def test_mstflint_and_nos_readers():
    text = "Image type:            FS4\nFW Version:            28.43.1014\nPSID:                  MT_0000000838\n"
    assert parse_mstflint_query(text) == {"firmware_version": "28.43.1014", "psid": "MT_0000000838"}
    assert parse_nos_version("8.4.4-1.1~deb12u2\n", NOS_VERSION["lab"][1]) == "8.4.4-1.1~deb12u2"
    assert parse_nos_version("SONiC Software Version: SONiC.202311.1-abc\n", NOS_VERSION["sonic"][1]) == "SONiC.202311.1-abc"
    assert parse_nos_version("no version here", NOS_VERSION["sonic"][1]) is None


def test_the_lab_drifts_where_the_devices_differ_and_is_unknown_where_unread(plan):
    stand_in = gpu("h100-sxm-80gb-x8.xml")          # driver 570.133.20
    observed = {
        "lab-node-1": observed_versions(stand_in, {"nics": {}, "packages": {}, "errors": []}, REDFISH),
        "lab-leaf-1": observed_versions(None, {"nics": {}, "packages": {}, "errors": [], "nos_version": "8.4.4"}, None),
    }
    rows = drift_rows(plan, observed)
    by = {(r["device"], r["component"], r["item"]): r for r in rows}
    assert by[("lab-node-1", "driver_version", None)]["status"] == DRIFT
    assert by[("lab-node-1", "driver_version", None)]["observed"] == "570.133.20"
    assert by[("lab-node-1", "bmc", None)]["status"] == DRIFT          # 1.0.0, baseline 1.4.0
    assert by[("lab-node-1", "firmware", "GPU0")]["status"] == DRIFT   # 96.00.A1, baseline 96.00.B1
    assert by[("lab-leaf-1", "nos_version", None)]["status"] == OK
    assert by[("lab-node-2", "driver_version", None)]["status"] == UNKNOWN
    assert by[("lab-node-2", "driver_version", None)]["reason"] == "not gathered"
    # The head node's model has no baseline: no row.
    assert not [r for r in rows if r["device"] == "lab-mgmt-1"]
    assert list(drifting_nodes(rows)) == ["lab-node-1"]
    tally = counts(rows)
    assert tally["devices"] == {"drift": 1, "unknown": 8, "ok": 1}
    parsed = list(csv.DictReader(io.StringIO(drift_csv(rows))))
    assert len(parsed) == len(rows) and parsed[0].keys() >= {"device", "expected", "observed", "status"}
    text = drift_markdown("lab", rows, tally, "2026-11-30T00:00:00Z")
    assert "| lab-node-1 | lab-node | firmware[GPU0] | 96.00.B1 | 96.00.A1 |" in text
    assert "Devices: 1 drift, 8 unknown, 1 at the baseline" in text
