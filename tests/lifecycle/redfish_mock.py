# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in BMCs for the firmware/driver lifecycle tests: Redfish mock trees served by sushy-static.

    python3 redfish_mock.py OUT_DIR MODEL [--bmc V] [--bios V] [--gpu-firmware V] [--firmware ID=V ...]

``write_mockup`` writes the Redfish mock tree of one GPU node in the layout of the DMTF public
mockups (``DIR/redfish/v1/.../index.json``, one JSON document per resource), using only standard
DMTF Redfish schema properties (DSP0268; property sets and schema versions as in DMTF's
``public-rackmount1`` mockup). ``BmcEmulators`` serves such trees with ``sushy-static`` (the static
emulator of the ``sushy-tools`` package), one process per node on 127.0.0.1 and a free port, without
authentication. It serves HTTPS by default, with a throwaway self-signed certificate, because the
``community.general`` redfish modules always talk ``"https://" + baseuri`` (a plain-HTTP emulator
fails with ``SSL: WRONG_VERSION_NUMBER``). Give redfish_info ``baseuri: <BmcEmulators.baseuris[node]>``
and either ``validate_certs: false`` (its default) or ``validate_certs: true`` with
``ca_path: <BmcEmulators.ca_path>``. It still wants a username and a password (or a token) and sends
them as Basic auth, which sushy-static ignores, so any value works.

The tree (``<id>`` are the constants below)::

    /redfish/v1/                                   ServiceRoot
      Systems/<SYSTEM_ID>                          ComputerSystem: Manufacturer, Model, SKU, BiosVersion
      Systems/<SYSTEM_ID>/Processors/GPU<i>        Processor (ProcessorType GPU), i < gpus.count
      Chassis/<CHASSIS_ID>                         Chassis
      Managers/<MANAGER_ID>                        Manager (BMC): FirmwareVersion
      UpdateService/FirmwareInventory/BMC          SoftwareInventory: the BMC version
      UpdateService/FirmwareInventory/BIOS         SoftwareInventory: the BIOS version
      UpdateService/FirmwareInventory/<id>         one per entry of versions["firmware"]
      SessionService, SessionService/Sessions      (the service root must link Sessions)

A firmware entry named ``GPU<i>`` belongs to GPU i: its inventory item links the Processor
(``RelatedItem``) and the Processor carries the same ``FirmwareVersion``. Other ids (a NIC, an
NVSwitch, a PSU) are plain inventory items. sushy-static answers GET from the files and POST or
PATCH with 204 and no effect, so a tree stands for one fixed state: to "update" a node, write its
tree again with the new versions (the server reads the files on every request; a request that
arrives while the tree is being rewritten can get a 404).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import IO, Any, Dict, List, Mapping, Optional, Tuple

SYSTEM_ID = "1"
CHASSIS_ID = "1"
MANAGER_ID = "BMC"
ROOT = "/redfish/v1"

# Schema versions as published in DMTF's public-rackmount1 mockup (Redfish 2022.x/2023.1).
_TYPES = {
    "ServiceRoot": "#ServiceRoot.v1_15_0.ServiceRoot",
    "ComputerSystemCollection": "#ComputerSystemCollection.ComputerSystemCollection",
    "ComputerSystem": "#ComputerSystem.v1_22_0.ComputerSystem",
    "ProcessorCollection": "#ProcessorCollection.ProcessorCollection",
    "Processor": "#Processor.v1_18_0.Processor",
    "ChassisCollection": "#ChassisCollection.ChassisCollection",
    "Chassis": "#Chassis.v1_22_0.Chassis",
    "ManagerCollection": "#ManagerCollection.ManagerCollection",
    "Manager": "#Manager.v1_17_0.Manager",
    "UpdateService": "#UpdateService.v1_11_2.UpdateService",
    "SoftwareInventoryCollection": "#SoftwareInventoryCollection.SoftwareInventoryCollection",
    "SoftwareInventory": "#SoftwareInventory.v1_9_0.SoftwareInventory",
    "SessionService": "#SessionService.v1_1_8.SessionService",
    "SessionCollection": "#SessionCollection.SessionCollection",
}
_OK = {"State": "Enabled", "Health": "OK"}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_GPU_RE = re.compile(r"^GPU(\d+)$")


def _ref(odata_id: str) -> Dict[str, str]:
    return {"@odata.id": odata_id}


def _collection(kind: str, odata_id: str, name: str, members: List[str]) -> Dict[str, Any]:
    return {
        "@odata.type": _TYPES[kind],
        "@odata.id": odata_id,
        "Name": name,
        "Members@odata.count": len(members),
        "Members": [_ref(m) for m in members],
    }


def _write(tree: str, doc: Dict[str, Any]) -> None:
    """Write ``doc`` where sushy-static serves its ``@odata.id``: TREE/<path under /redfish/v1>/index.json."""
    rel = doc["@odata.id"].rstrip("/")[len(ROOT):].lstrip("/")
    folder = os.path.join(tree, *rel.split("/")) if rel else tree
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "index.json"), "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2, sort_keys=False)
        handle.write("\n")


def write_mockup(dest: str, model: str, server: Mapping[str, Any], versions: Mapping[str, Any]) -> None:
    """Write the Redfish mock tree of one node of catalog model ``model`` under ``dest``.

    ``server`` is the model's entry in catalog/servers.yml: ``vendor`` becomes the Manufacturer,
    ``description`` the Model (the catalog key goes to SKU), ``gpus.count`` / ``gpus.model`` the
    GPU Processors. ``versions`` is ``{"bmc": str, "bios": str, "firmware": {id: version, ...}}``:
    the BMC version is the Manager's FirmwareVersion and inventory item ``BMC``, the BIOS version the
    system's BiosVersion and item ``BIOS``, each firmware entry an item with that Id and Version.
    The tree lands in ``dest/redfish/v1``; a tree already there is replaced.
    Raises ValueError on an id that is not a plain URI segment, that repeats BMC/BIOS, or that names
    a GPU the model does not have (``GPU<i>`` with i >= gpus.count).
    """
    bmc = str(versions["bmc"])
    bios = str(versions["bios"])
    firmware = {str(k): str(v) for k, v in (versions.get("firmware") or {}).items()}
    gpus = server.get("gpus") or {}
    gpu_count = int(gpus.get("count", 0))
    vendor = str(server.get("vendor", ""))
    description = str(server.get("description", model))

    gpu_fw: Dict[int, str] = {}
    for item_id, version in firmware.items():
        if not _ID_RE.match(item_id) or item_id in ("BMC", "BIOS"):
            raise ValueError("firmware inventory id %r: not a plain URI segment, or BMC/BIOS again" % item_id)
        match = _GPU_RE.match(item_id)
        if match:
            index = int(match.group(1))
            if index >= gpu_count:
                raise ValueError("firmware %s: model %s has %d GPUs" % (item_id, model, gpu_count))
            gpu_fw[index] = version

    tree = os.path.join(dest, "redfish", "v1")
    if os.path.isdir(tree):
        shutil.rmtree(tree)

    systems = ROOT + "/Systems"
    system = "%s/%s" % (systems, SYSTEM_ID)
    processors = system + "/Processors"
    chassis_coll = ROOT + "/Chassis"
    chassis = "%s/%s" % (chassis_coll, CHASSIS_ID)
    managers = ROOT + "/Managers"
    manager = "%s/%s" % (managers, MANAGER_ID)
    update = ROOT + "/UpdateService"
    inventory = update + "/FirmwareInventory"
    sessions_service = ROOT + "/SessionService"
    sessions = sessions_service + "/Sessions"

    _write(tree, {
        "@odata.type": _TYPES["ServiceRoot"],
        "@odata.id": ROOT + "/",
        "Id": "RootService",
        "Name": "Root Service",
        "RedfishVersion": "1.15.0",
        "Vendor": vendor,
        "Product": description,
        "Systems": _ref(systems),
        "Chassis": _ref(chassis_coll),
        "Managers": _ref(managers),
        "UpdateService": _ref(update),
        "SessionService": _ref(sessions_service),
        "Links": {"Sessions": _ref(sessions)},
    })
    _write(tree, {
        "@odata.type": _TYPES["SessionService"],
        "@odata.id": sessions_service,
        "Id": "SessionService",
        "Name": "Session Service",
        "Status": dict(_OK),
        "ServiceEnabled": True,
        "SessionTimeout": 600,
        "Sessions": _ref(sessions),
    })
    _write(tree, _collection("SessionCollection", sessions, "Session Collection", []))

    gpu_uris = ["%s/GPU%d" % (processors, i) for i in range(gpu_count)]
    _write(tree, _collection("ComputerSystemCollection", systems, "Computer System Collection", [system]))
    _write(tree, {
        "@odata.type": _TYPES["ComputerSystem"],
        "@odata.id": system,
        "Id": SYSTEM_ID,
        "Name": "Computer System",
        "Description": description,
        "SystemType": "Physical",
        "Manufacturer": vendor,
        "Model": description,
        "SKU": model,
        "PowerState": "On",
        "Status": dict(_OK),
        "BiosVersion": bios,
        "Processors": _ref(processors),
        "Links": {"Chassis": [_ref(chassis)], "ManagedBy": [_ref(manager)]},
    })
    _write(tree, _collection("ProcessorCollection", processors, "Processor Collection", gpu_uris))
    for index, uri in enumerate(gpu_uris):
        gpu = {
            "@odata.type": _TYPES["Processor"],
            "@odata.id": uri,
            "Id": "GPU%d" % index,
            "Name": "GPU %d" % index,
            "ProcessorType": "GPU",
            "Model": str(gpus.get("model", "")),
            "Status": dict(_OK),
        }
        if index in gpu_fw:
            gpu["FirmwareVersion"] = gpu_fw[index]
        _write(tree, gpu)

    _write(tree, _collection("ChassisCollection", chassis_coll, "Chassis Collection", [chassis]))
    _write(tree, {
        "@odata.type": _TYPES["Chassis"],
        "@odata.id": chassis,
        "Id": CHASSIS_ID,
        "Name": "Computer System Chassis",
        "ChassisType": "RackMount",
        "Manufacturer": vendor,
        "Model": description,
        "SKU": model,
        "PowerState": "On",
        "Status": dict(_OK),
        "Links": {"ComputerSystems": [_ref(system)], "ManagedBy": [_ref(manager)],
                  "ManagersInChassis": [_ref(manager)]},
    })

    _write(tree, _collection("ManagerCollection", managers, "Manager Collection", [manager]))
    _write(tree, {
        "@odata.type": _TYPES["Manager"],
        "@odata.id": manager,
        "Id": MANAGER_ID,
        "Name": "Manager",
        "ManagerType": "BMC",
        "Manufacturer": vendor,
        "Model": description,
        "FirmwareVersion": bmc,
        "PowerState": "On",
        "Status": dict(_OK),
        "Links": {"ManagerForServers": [_ref(system)], "ManagerForChassis": [_ref(chassis)],
                  "ManagerInChassis": _ref(chassis)},
    })

    items = [("BMC", "BMC Firmware", bmc, [manager]), ("BIOS", "BIOS", bios, [system])]
    for item_id, version in firmware.items():
        match = _GPU_RE.match(item_id)
        related = [gpu_uris[int(match.group(1))]] if match else []
        items.append((item_id, "%s Firmware" % item_id, version, related))
    _write(tree, {
        "@odata.type": _TYPES["UpdateService"],
        "@odata.id": update,
        "Id": "UpdateService",
        "Name": "Update Service",
        "Status": dict(_OK),
        "ServiceEnabled": True,
        "FirmwareInventory": _ref(inventory),
        "Actions": {
            "#UpdateService.SimpleUpdate": {
                "target": update + "/Actions/UpdateService.SimpleUpdate",
                "TransferProtocol@Redfish.AllowableValues": ["HTTP", "HTTPS"],
            },
        },
    })
    _write(tree, _collection("SoftwareInventoryCollection", inventory, "Firmware Inventory Collection",
                             ["%s/%s" % (inventory, item[0]) for item in items]))
    for item_id, name, version, related in items:
        doc = {
            "@odata.type": _TYPES["SoftwareInventory"],
            "@odata.id": "%s/%s" % (inventory, item_id),
            "Id": item_id,
            "Name": name,
            "Version": version,
            "Updateable": True,
            "Status": dict(_OK),
        }
        if item_id in ("BMC", "BIOS") and vendor:
            doc["Manufacturer"] = vendor
        if related:
            doc["RelatedItem"] = [_ref(uri) for uri in related]
            doc["RelatedItem@odata.count"] = len(related)
        _write(tree, doc)


def find_sushy_static() -> Optional[str]:
    """The sushy-static executable: next to sys.executable (a venv's bin), else on PATH; None if absent."""
    beside = os.path.join(os.path.dirname(sys.executable), "sushy-static")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return shutil.which("sushy-static")


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def make_tls_cert(folder: str, host: str = "127.0.0.1") -> Tuple[str, str]:
    """Write a self-signed certificate for ``host`` (and localhost) and its key; return their paths.

    An EC P-256 key, valid for a day, marked as its own CA so that the certificate file also serves
    as the trust anchor (redfish_info ``ca_path``, get_json ``cafile``). Uses ``cryptography``, which
    ansible-core requires anyway.
    """
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "refarch test BMC %s" % host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=False,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(folder, "bmc-cert.pem")
    key_path = os.path.join(folder, "bmc-key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path


def get_json(uri: str, cafile: Optional[str] = None, timeout: float = 2.0) -> Any:
    """GET ``uri`` and decode its JSON body; never through a proxy from the environment.

    For https, the server certificate is checked against ``cafile`` when given, not checked at all
    otherwise (the emulators' certificates are throwaway ones).
    """
    handlers: List[Any] = [urllib.request.ProxyHandler({})]
    if uri.startswith("https:"):
        if cafile:
            context = ssl.create_default_context(cafile=cafile)
        else:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    with opener.open(urllib.request.Request(uri, headers={"Accept": "application/json"}),
                     timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


class BmcEmulators:
    """One sushy-static process per node, on 127.0.0.1 and a free port; all stopped on exit.

        with BmcEmulators({"gpu01": tree1, "gpu02": tree2}) as bmcs:
            bmcs.uris["gpu01"]              # "https://127.0.0.1:PORT"
            bmcs.baseuris["gpu01"]          # "127.0.0.1:PORT", for redfish_info's baseuri
            bmcs.ca_path                    # the certificate all of them serve (PEM)
            bmcs.start("gpu03", tree3)      # more nodes later; returns the base URI

    A tree is the ``dest`` given to write_mockup (the folder holding ``redfish/v1``) or its
    ``redfish/v1`` itself. ``start`` returns once GET /redfish/v1/ answers 200 (over TLS checked
    against ca_path). ``tls=False`` serves plain HTTP (``http://`` URIs, ca_path None), which the
    community.general redfish modules cannot talk to. sushy-static logs every request's headers
    to stdout: that goes to ``log_dir/<node>.log`` when log_dir is given, else nowhere. Raises
    RuntimeError when sushy-static is missing or does not come up within ``timeout`` seconds.
    """

    def __init__(self, mockups: Optional[Mapping[str, str]] = None, host: str = "127.0.0.1",
                 executable: Optional[str] = None, timeout: float = 10.0,
                 log_dir: Optional[str] = None, tls: bool = True) -> None:
        self.mockups = dict(mockups or {})
        self.host = host
        self.executable = executable
        self.timeout = timeout
        self.log_dir = log_dir
        self.tls = tls
        self.ca_path: Optional[str] = None
        self._key_path: Optional[str] = None
        self._tls_dir: Optional[str] = None
        self.uris: Dict[str, str] = {}
        self.baseuris: Dict[str, str] = {}
        self._procs: Dict[str, subprocess.Popen] = {}
        self._logs: List[IO[bytes]] = []

    def __enter__(self) -> "BmcEmulators":
        try:
            for node, tree in self.mockups.items():
                self.start(node, tree)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, node: str, tree: str) -> str:
        """Serve ``tree`` for ``node``; return its base URI ``http://127.0.0.1:PORT``."""
        if node in self._procs:
            raise ValueError("node %s already has an emulator" % node)
        exe = self.executable or find_sushy_static()
        if not exe:
            raise RuntimeError("sushy-static not found next to %s or on PATH (pip install sushy-tools)"
                               % sys.executable)
        served = os.path.join(tree, "redfish", "v1")
        if not os.path.isfile(os.path.join(served, "index.json")):
            served = tree  # given redfish/v1 itself
        if not os.path.isfile(os.path.join(served, "index.json")):
            raise ValueError("%s: no redfish/v1/index.json (write_mockup writes one)" % tree)
        # sushy-static maps /redfish/v1/<path> to MOCKUP/<path>/index.json, so it gets redfish/v1.
        command = [exe, "--interface", self.host, "--mockup-files", served]
        scheme = "http"
        if self.tls:
            if self.ca_path is None:
                self._tls_dir = tempfile.mkdtemp(prefix="bmc-tls-")
                self.ca_path, self._key_path = make_tls_cert(self._tls_dir, self.host)
            command += ["--ssl-certificate", self.ca_path, "--ssl-key", str(self._key_path)]
            scheme = "https"
        last_error = ""
        for _attempt in range(3):  # the free port can be taken between probe and bind: retry
            port = _free_port(self.host)
            out: Any = subprocess.DEVNULL
            if self.log_dir:
                os.makedirs(self.log_dir, exist_ok=True)
                out = open(os.path.join(self.log_dir, "%s.log" % node), "ab")
                self._logs.append(out)
            proc = subprocess.Popen(
                command + ["--port", str(port)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=dict(os.environ, PYTHONUNBUFFERED="1"))
            uri = "%s://%s:%d" % (scheme, self.host, port)
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    get_json(uri + ROOT + "/", cafile=self.ca_path, timeout=1.0)
                except (urllib.error.URLError, OSError, ValueError) as err:
                    last_error = str(err)
                    time.sleep(0.05)
                    continue
                self._procs[node] = proc
                self.uris[node] = uri
                self.baseuris[node] = "%s:%d" % (self.host, port)
                return uri
            if proc.poll() is None:
                self._terminate(proc)
                break  # running but not answering: no point in another port
            last_error = "sushy-static exited with %s" % proc.returncode
        raise RuntimeError("sushy-static for %s did not come up: %s" % (node, last_error))

    @staticmethod
    def _terminate(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        """Stop every emulator this object started."""
        for proc in self._procs.values():
            self._terminate(proc)
        self._procs.clear()
        self.uris.clear()
        self.baseuris.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self._tls_dir:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = self.ca_path = self._key_path = None


def main(argv: Optional[List[str]] = None) -> int:
    import argparse

    import yaml

    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description="Write a sample Redfish mock tree for one node.")
    parser.add_argument("out_dir")
    parser.add_argument("model", help="a key of catalog/servers.yml, e.g. lab-node, dgx-h100")
    parser.add_argument("--catalog", default=os.path.join(here, "..", "..", "catalog", "servers.yml"))
    parser.add_argument("--bmc", default="1.0.0", help="BMC firmware version (sample: %(default)s)")
    parser.add_argument("--bios", default="1.0.0", help="BIOS version (sample: %(default)s)")
    parser.add_argument("--gpu-firmware", default="1.0.0",
                        help="version of items GPU0..GPU<count-1> (sample: %(default)s)")
    parser.add_argument("--firmware", action="append", default=[], metavar="ID=VERSION",
                        help="another inventory item, or override of a GPU item; repeatable")
    args = parser.parse_args(argv)
    with open(args.catalog, encoding="utf-8") as handle:
        servers = (yaml.safe_load(handle) or {}).get("servers", {})
    if args.model not in servers:
        parser.error("model %s not in %s (known: %s)" % (args.model, args.catalog, ", ".join(sorted(servers))))
    server = servers[args.model]
    firmware = {"GPU%d" % i: args.gpu_firmware for i in range(int((server.get("gpus") or {}).get("count", 0)))}
    for pair in args.firmware:
        item_id, sep, version = pair.partition("=")
        if not sep:
            parser.error("--firmware wants ID=VERSION, got %r" % pair)
        firmware[item_id] = version
    try:
        write_mockup(args.out_dir, args.model, server, {"bmc": args.bmc, "bios": args.bios, "firmware": firmware})
    except ValueError as err:
        parser.error(str(err))
    print(os.path.join(args.out_dir, "redfish", "v1"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
