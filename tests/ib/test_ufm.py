# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ib_fabric role's UFM path against a stand-in of UFM's REST API on 127.0.0.1.

The stand-in answers the two calls the role makes (UFM Enterprise REST API Guide, "PKey GUIDs REST
API"): ``GET /ufmRest/resources/pkeys/<pkey>?guids_data=true`` and ``POST /ufmRest/resources/pkeys``.
It proves the role's logic (check mode only reads, the missing GUIDs are added, a second run adds
nothing), not UFM's behaviour.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import REPO, run_playbook

from ansible_collections.refarch.ai_cluster.plugins.module_utils.twin import ib as ib_twin
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design

DESIGN = os.path.join(REPO, "tests", "ib", "designs", "labib-tenants.yml")
PLAYBOOK = os.path.join(REPO, "tests", "ib", "ufm.yml")


class StandIn(BaseHTTPRequestHandler):
    pkeys = {}
    calls = []

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def _answer(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's name
        self.calls.append(("GET", self.path, self.headers.get("Authorization")))
        pkey = self.path.split("/pkeys/", 1)[1].split("?", 1)[0]
        if pkey not in self.pkeys:
            self._answer(404, {"error": "PKey %s not found" % pkey})
            return
        guids = [{"guid": g, "membership": "full"} for g in self.pkeys[pkey]]
        self._answer(200, {"partition_name": pkey, "guids": guids})

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.calls.append(("POST", self.path, body))
        self.pkeys.setdefault(body["pkey"], []).extend(body["guids"])
        self._answer(200, {})


@pytest.fixture()
def ufm(tmp_path):
    StandIn.pkeys = {}
    StandIn.calls = []
    server = HTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    text, meta = ib_twin.netfile(plan_design(DESIGN))
    netfile = tmp_path / "discovered"
    netfile.write_text(text)
    args = ["-e", "ib_ufm_url=http://127.0.0.1:%d" % server.server_port, "-e", "ib_ufm_design=%s" % DESIGN,
            "-e", "ib_ufm_netfile=%s" % netfile]
    try:
        yield args, meta
    finally:
        server.shutdown()
        server.server_close()


def test_tenant_guids_are_added_to_their_pkeys(ufm):
    args, meta = ufm
    blue = [meta["port_guids"]["labibt-node-%d rail%d" % (n, r)][2:] for n in (1, 2) for r in (0, 1)]
    green = [meta["port_guids"]["labibt-node-3 rail%d" % r][2:] for r in (0, 1)]
    StandIn.pkeys["0x0010"] = [blue[0]]

    check = run_playbook(PLAYBOOK, "--check", *args)
    assert check.rc == 0 and check.changed == 1, check
    assert "blue 0x0010: would add 3 GUID(s)" in check.out and "green 0x0011: would add 2 GUID(s)" in check.out
    assert [c[0] for c in StandIn.calls] == ["GET", "GET"]
    assert StandIn.calls[0][2] == "Basic " + base64.b64encode(b"admin:stand-in").decode()

    run = run_playbook(PLAYBOOK, *args)
    assert run.rc == 0 and run.changed == 1, run
    posts = [c[2] for c in StandIn.calls if c[0] == "POST"]
    assert [(p["pkey"], sorted(p["guids"]), p["membership"], p["ip_over_ib"]) for p in posts] == [
        ("0x0010", sorted(blue[1:]), "full", True), ("0x0011", sorted(green), "full", True)]
    assert "UFM: set routing_engine ftree,updn" in run.out

    again = run_playbook(PLAYBOOK, *args)
    assert again.rc == 0 and again.changed == 0, again
