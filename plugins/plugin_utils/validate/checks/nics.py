# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NICs: the speed each port runs at, and the firmware and driver of every physical NIC.

A port slower than the plan's speed is a cause (key ``("speed", device, port)``). Firmware and
driver versions are checked against the pins given (``validate_pins``); without a pin, NICs of one
driver that run different firmware are a warning, since RDMA performance across a fabric is only
as even as its firmware. Virtual interfaces (the lab twin's veths) have nothing to check: skipped.
"""

from __future__ import annotations

from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run, end_text
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import ethtool_info


def check_nics(run: Run) -> None:
    """NICs: link speed, and firmware and driver against the pins (or one firmware per driver when unpinned)."""
    pins = run.options.get("pins") or {}
    fw_pins = pins.get("nic_firmware") or {}
    drv_pins = pins.get("nic_driver") or {}
    firmware_seen: dict[str, dict] = {}
    for dev in sorted(run.ok):
        d = run.devices[dev]
        res = run.ok[dev]
        links = run.links.get(dev) or {}
        for itf in d.get("interfaces") or []:
            port = itf["name"]
            lk = links.get(port)
            if lk is None:
                continue
            sysfs = (res.get("sysfs") or {}).get(port) or {}
            info = ethtool_info((res["commands"].get("ethtool") or {}).get(port))
            virtual = lk.get("kind") in ("veth", "dummy", "bridge", "macvlan", "vxlan") or info.get("driver") == "veth"
            if virtual:
                run.skip("nic", "virtual interfaces (%s): no speed, driver or firmware to check"
                         % (lk.get("kind") or info.get("driver")), dev)
                continue
            run.count("nics")
            want = itf.get("speed_gbps")
            try:
                speed = int(str(sysfs.get("speed")))
            except (TypeError, ValueError):
                speed = None
            if want and lk["carrier"] and speed is not None and speed > 0 and speed < int(float(want) * 1000):
                run.findings.add("error", "nic", dev, "runs at %s Gb/s, plan %s Gb/s" % (speed / 1000.0, want),
                                 port=port, expected=want, observed=speed / 1000.0,
                                 fix="check the cable and optics of %s, and the port speed/breakout on its switch" % port,
                                 keys=[("speed", dev, port)])
            driver = info.get("driver")
            fw = info.get("firmware-version")
            if driver and fw:
                firmware_seen.setdefault(driver, {}).setdefault(fw, []).append(end_text(dev, port))
            if driver in fw_pins and fw and not str(fw).startswith(str(fw_pins[driver])):
                run.findings.add("error", "firmware", dev, "%s firmware %s, pinned %s" % (driver, fw, fw_pins[driver]),
                                 port=port, expected=fw_pins[driver], observed=fw,
                                 fix="flash %s firmware %s on %s (mlxfwmanager / mstflint)" % (driver, fw_pins[driver], dev))
            version = info.get("version")
            if driver in drv_pins and version and not str(version).startswith(str(drv_pins[driver])):
                run.findings.add("error", "driver", dev, "%s driver %s, pinned %s" % (driver, version, drv_pins[driver]),
                                 port=port, expected=drv_pins[driver], observed=version,
                                 fix="install the pinned %s driver %s on %s (DOCA-OFED / MLNX_OFED)"
                                     % (driver, drv_pins[driver], dev))
    for driver, versions in sorted(firmware_seen.items()):
        if len(versions) > 1 and driver not in fw_pins:
            common = max(versions, key=lambda v: len(versions[v]))
            odd = ["%s (%s)" % (", ".join(ports[:4]), v) for v, ports in sorted(versions.items()) if v != common]
            run.findings.add("warning", "firmware", None, "%s firmware differs between NICs: most run %s, %s" % (
                driver, common, "; ".join(odd)), expected=common, observed=sorted(versions),
                fix="bring every %s NIC to one firmware (pin it with validate_pins.nic_firmware)" % driver)
