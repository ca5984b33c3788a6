# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host state the roles set beyond the ports: routing, kernel settings, files, QoS, GPU host settings.

What is expected comes from ``validate.host_state`` (the same function and defaults the roles
use); what was read comes from the gatherer's ``host_state``, ``sysctls``, ``files`` and
``services``. A policy rule or per-NIC route missing is a cause (key ``("hostroute", device,
port)``): traffic between scalable units leaves by the wrong NIC, which the lab's pings inside one
subnet do not show, so the rule is checked directly. A kernel setting other than the role's is a
cause too (``("sysctl", device)``). Routes in the per-NIC tables that the plan does not have are
warnings: they may be an operator's, but they change where traffic goes.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.refarch.ai_cluster.plugins.module_utils.constants import SWITCH_ROLES
from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.platforms import PLATFORMS
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render.gpu_host import IMEX_SERVICE, imex_settings, nvlink_domains
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.checks.context import Run, end_text, port_keys
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.host_state import (
    MEMLOCK_FILE, expected_gpu_host, expected_network, parse_key_values, parse_limits, parse_mlnx_qos)
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.validate.parsers import command_json

# Services whose read-back belongs to the check of what they apply (check_roce_qos, check_imex).
ROLE_CHECKED_SERVICES = ("refarch-roce-qos.service", "%s.service" % IMEX_SERVICE)

ROLE_FIX = "run refarch.ai_cluster.host_network on %s again (where systemd-networkd runs it: networkctl reconfigure %s)"


def _overrides(run: Run, dev: str) -> dict:
    return (run.options.get("host_vars") or {}).get(dev) or {}


def _expected(run: Run, dev: str) -> dict | None:
    """host_network's settings of ``dev`` (cached on the run), or None after reporting why not."""
    cache = run.host_expected
    if dev not in cache:
        rdma = (run.ok[dev].get("host") or {}).get("rdma") or {}
        try:
            cache[dev] = expected_network(run.devices[dev], run.plan.get("fabrics") or {}, _overrides(run, dev), rdma)
        except RefarchError as exc:
            cache[dev] = None
            run.findings.add("error", "host_network", dev, str(exc), fix="fix the inventory values of host_network "
                             "for %s" % dev, keys=[("hostplan", dev)])
    return cache[dev]


def _gpu_nodes(run: Run):
    for dev in sorted(run.ok):
        if run.devices[dev].get("role") == "gpu_node" and run.links.get(dev) is not None:
            yield dev


def _table(value) -> str:
    return str(value) if value is not None else "main"


def check_host_routing(run: Run) -> None:
    """Each managed NIC: its policy rule (from its address to its table) and its table's routes."""
    for dev in _gpu_nodes(run):
        want = _expected(run, dev)
        res = run.ok[dev]
        if want is None or not want["nics"]:
            continue
        if "host" not in res:
            run.skip("host_routing", "policy rules and routing tables were not gathered (validate_gather host_state)", dev)
            continue
        rules, problem = command_json(res["commands"].get("rules"))
        routes, problem2 = command_json(res["commands"].get("routes_all"))
        if problem or problem2:
            run.findings.add("error", "host_routing", dev, "cannot read the policy rules or routes: %s" % (problem or problem2),
                             fix="install iproute2 on %s" % dev, keys=[("hostroute", dev, None)])
            continue
        for nic in want["nics"]:
            run.count("host_rules")
            tables = (str(nic["table"]), nic["table_name"])
            rule = [r for r in rules or [] if r.get("src") == nic["ip"] and str(r.get("srclen", 32)) == "32"]
            # A NIC that lost its address or link loses its routes with it: that port fault is the cause.
            causes = port_keys(dev, nic["name"])
            own = [("hostroute", dev, nic["name"])]
            if not any(_table(r.get("table")) in tables and r.get("priority") == nic["priority"] for r in rule):
                seen = ", ".join("priority %s lookup %s" % (r.get("priority"), r.get("table")) for r in rule) or "none"
                message = "no policy rule 'from %s lookup %s' (priority %s): %s" % (
                    nic["ip"], nic["table_name"], nic["priority"], "rules from it: " + seen)
                run.findings.symptom(causes, "%s: %s" % (dev, message), severity="error", check="host_routing",
                                     device=dev, message=message, port=nic["name"],
                                     expected="from %s/32 lookup %s priority %s" % (nic["ip"], nic["table"], nic["priority"]),
                                     observed=seen if rule else None,
                                     fix="traffic from %s leaves by the main table's NIC instead of %s: %s" % (
                                         nic["ip"], nic["name"], ROLE_FIX % (dev, nic["name"])), own_keys=own)
            in_table = [r for r in routes or [] if _table(r.get("table")) in tables]
            wanted = [(nic["network"], None)] + ([("default", nic["gateway"])] if nic.get("gateway") else [])
            for dst, gateway in wanted:
                run.count("host_routes")
                if not any(_same_dst(r.get("dst"), dst) and r.get("dev") == nic["name"]
                           and (gateway is None or r.get("gateway") == gateway) for r in in_table):
                    text = "%s%s dev %s table %s" % (dst, " via %s" % gateway if gateway else "", nic["name"], nic["table"])
                    run.findings.symptom(causes, "%s: route %s is missing" % (dev, text), severity="error",
                                         check="host_routing", device=dev, message="route %s is missing" % text,
                                         port=nic["name"], expected=text,
                                         observed=[_route_text(r) for r in in_table] or None,
                                         fix=ROLE_FIX % (dev, nic["name"]), own_keys=own)
            for r in in_table:
                if not any(_same_dst(r.get("dst"), dst) and r.get("dev") == nic["name"] for dst, _g in wanted):
                    run.findings.add("warning", "host_routing", dev, "route %s in table %s is not in the plan" % (
                        _route_text(r), nic["table_name"]), port=nic["name"], expected=None, observed=_route_text(r),
                        fix="remove it (ip route del %s table %s) or add what it is for to the design" % (
                            _route_text(r), nic["table"]))


def _same_dst(got, want) -> bool:
    if got == want:
        return True
    try:
        return ipaddress.ip_network(str(got), strict=False) == ipaddress.ip_network(str(want), strict=False)
    except ValueError:
        return False


def _route_text(route: dict) -> str:
    return "%s%s dev %s" % (route.get("dst"), " via %s" % route["gateway"] if route.get("gateway") else "", route.get("dev"))


def check_sysctls(run: Run) -> None:
    """Kernel settings: host_network's ARP and reverse-path settings, the lab switch's forwarding."""
    for dev in sorted(run.ok):
        d = run.devices[dev]
        if run.links.get(dev) is None:
            continue
        if d.get("role") == "gpu_node":
            want = _expected(run, dev)
            want = dict(want["sysctls"]) if want else {}
            owner = "refarch.ai_cluster.host_network (it writes /etc/sysctl.d/90-refarch-host-network.conf)"
        elif d.get("role") in SWITCH_ROLES:
            record = PLATFORMS.get(d.get("platform") or "")
            want = dict(record.sysctls) if record and record.sysctls else {}
            owner = "refarch.ai_cluster.fabric_switch"
        else:
            continue
        if not want:
            continue
        got = run.ok[dev].get("sysctl")
        if got is None:
            run.skip("sysctl", "kernel settings were not gathered (validate_gather sysctls)", dev)
            continue
        wrong = {}
        for key, value in sorted(want.items()):
            run.count("sysctls")
            iface = key.split(".")[3] if key.startswith("net.ipv4.conf.") else None
            if got.get(key) is None and iface not in (None, "all", "default"):
                continue   # a NIC the host does not have: the port check names it
            if str(got.get(key)) != str(value):
                wrong[key] = got.get(key)
        if wrong:
            run.findings.add("error", "sysctl", dev, "kernel settings differ from the role's: %s" % ", ".join(
                "%s = %s (want %s)" % (k, v, want[k]) for k, v in sorted(wrong.items())),
                expected={k: str(want[k]) for k in wrong}, observed=wrong,
                fix="%s; until then: %s" % (owner, "; ".join("sysctl -w %s=%s" % (k, want[k]) for k in sorted(wrong))),
                keys=[("sysctl", dev)])


def check_nccl_conf(run: Run) -> None:
    """nccl.conf holds exactly the NCCL settings host_network derived for the node."""
    for dev in _gpu_nodes(run):
        want = _expected(run, dev)
        if want is None:
            continue
        got = (run.ok[dev].get("files") or {}).get("nccl_conf")
        if got is None:
            run.skip("nccl_conf", "nccl.conf was not gathered (validate_gather files)", dev)
            continue
        run.count("files")
        if got.get("content") is None:
            run.findings.add("error", "nccl_conf", dev, "%s cannot be read: %s" % (got.get("path"), got.get("error")),
                             expected=want["nccl"], observed=None,
                             fix="run refarch.ai_cluster.host_network on %s again (it writes %s)" % (dev, got.get("path")))
            continue
        have = parse_key_values(got["content"])
        if have != want["nccl"]:
            diff = sorted(set(have) | set(want["nccl"]))
            text = ", ".join("%s=%s (want %s)" % (k, have.get(k, "unset"), want["nccl"].get(k, "unset"))
                             for k in diff if have.get(k) != want["nccl"].get(k))
            run.findings.add("error", "nccl_conf", dev, "%s differs from the plan: %s" % (got.get("path"), text),
                             expected=want["nccl"], observed=have,
                             fix="run refarch.ai_cluster.host_network on %s again (NCCL jobs read %s at start)"
                                 % (dev, got.get("path")))


def check_roce_qos(run: Run) -> None:
    """RoCE QoS of each NIC with an RDMA device: DSCP trust and PFC (mlnx_qos), verbs traffic class, ECN."""
    for dev in _gpu_nodes(run):
        want = _expected(run, dev)
        host = run.ok[dev].get("host")
        if want is None or host is None:
            continue
        qos_nics = [n for n in want["nics"] if n.get("qos")]
        if not qos_nics:
            continue
        if not want.get("roce_qos"):
            run.skip("roce_qos", "host_network_roce_qos is false: the role leaves the NICs' QoS alone", dev)
            continue
        for nic in qos_nics:
            read = (host.get("qos") or {}).get(nic["name"])
            if read is None:
                run.skip("roce_qos", "no RDMA device on the NIC (%s): RoCE QoS is read back on real NICs only"
                         % ("no /sys/class/net/PORT/device/infiniband"), dev)
                continue
            q = nic["qos"]
            wrong = {}
            tool = read.get("mlnx_qos")
            if tool is None:
                run.skip("roce_qos", "mlnx_qos not installed: trust and PFC not read (MLNX_OFED/DOCA tools)", dev)
            else:
                shown = parse_mlnx_qos(tool.get("stdout"))
                if shown["trust"] != q["trust"]:
                    wrong["trust"] = shown["trust"]
                if shown["pfc"] != q["pfc"]:
                    wrong["pfc"] = shown["pfc"]
            if read.get("traffic_class") is not None and str(read["traffic_class"]).split()[-1:] != [str(q["tos"])]:
                wrong["traffic_class"] = read["traffic_class"]
            if q.get("ecn"):
                for side in ("roce_np", "roce_rp"):
                    value = ((read.get("ecn") or {}).get(side) or {}).get(str(q["ecn_priority"]))
                    if value is not None and str(value) != "1":
                        wrong["ecn %s priority %s" % (side, q["ecn_priority"])] = value
            run.count("roce_qos")
            if wrong:
                run.findings.add("error", "roce_qos", dev, "RoCE QoS of %s differs from the plan: %s" % (
                    nic["name"], ", ".join("%s %s" % kv for kv in sorted(wrong.items()))), port=nic["name"],
                    expected={"trust": q["trust"], "pfc": q["pfc"], "traffic_class": q["tos"], "ecn": q.get("ecn")},
                    observed=wrong, fix="systemctl restart refarch-roce-qos on %s (refarch.ai_cluster.host_network "
                                        "installs it); check the switch port's PFC priority too" % dev)
        services = run.ok[dev].get("services") or {}
        unit = services.get("refarch-roce-qos.service")
        if unit and not unit.get("missing") and unit.get("enabled") not in ("enabled", "static", "not-found", ""):
            run.findings.add("warning", "service", dev, "refarch-roce-qos.service is %s: the NICs lose their QoS at "
                             "the next boot" % unit.get("enabled"), expected="enabled", observed=unit.get("enabled"),
                             fix="systemctl enable refarch-roce-qos on %s" % dev)


def check_gpu_host(run: Run) -> None:
    """gpu_host's settings on real GPU nodes: kernel parameters, nouveau, nvidia-peermem, memlock, MIG."""
    for dev in sorted(run.ok):
        d = run.devices[dev]
        if d.get("role") != "gpu_node":
            continue
        gpu = run.ok[dev].get("gpu") or {}
        model = run.models.get(d.get("model")) or {}
        if not gpu.get("available"):
            run.skip("gpu_host", "no GPU answered (%s): the GPU host settings are read back where the driver runs"
                     % ("lab stand-in model" if model.get("vendor") == "lab" else "see the gpu finding"), dev)
            continue
        host = run.ok[dev].get("host")
        if host is None:
            run.skip("gpu_host", "host state was not gathered (validate_gather host_state)", dev)
            continue
        want = expected_gpu_host(_overrides(run, dev))
        problems = []
        cmdline = str(host.get("cmdline") or "").split()
        missing = [p for p in want["kernel_params"] if p not in cmdline]
        if missing:
            problems.append(("warning", "kernel parameters %s not on the running kernel's command line" % " ".join(missing),
                             "reboot %s after update-grub (gpu_host writes /etc/default/grub.d/90-refarch-gpu-host.cfg)" % dev))
        modules = host.get("modules") or []
        if want["blacklist_nouveau"] and "nouveau" in modules:
            problems.append(("error", "nouveau is loaded: the NVIDIA driver cannot own the GPUs",
                             "update the initramfs and reboot %s (gpu_host blacklists nouveau)" % dev))
        if want["peermem"] and "nvidia_peermem" not in modules:
            problems.append(("warning", "nvidia_peermem is not loaded: no GPUDirect RDMA",
                             "modprobe nvidia-peermem on %s (after the NIC driver's RDMA core)" % dev))
        if not gpu.get("persistence_mode"):
            problems.append(("error", "persistence mode is off (nvidia-persistenced not running)",
                             "systemctl enable --now nvidia-persistenced on %s" % dev))
        if gpu.get("mig_pending_change"):
            problems.append(("warning", "MIG mode change pending on GPU(s) %s" % gpu["mig_pending_change"],
                             "reset the GPUs or reboot %s" % dev))
        if want["mig_profile"] and not gpu.get("mig_enabled"):
            problems.append(("error", "MIG profile %s planned but MIG is off on every GPU" % want["mig_profile"],
                             "run refarch.ai_cluster.gpu_host on %s again (refarch-mig.service)" % dev))
        if want["memlock_unlimited"]:
            limits = (run.ok[dev].get("files") or {}).get("memlock")
            have = parse_limits((limits or {}).get("content"))
            for kind in ("soft", "hard"):
                if ("*", kind, "memlock", "unlimited") not in have:
                    problems.append(("error", "no unlimited %s memlock limit in %s" % (kind, MEMLOCK_FILE),
                                     "run refarch.ai_cluster.gpu_host on %s again (RDMA pins its buffers)" % dev))
        run.count("gpu_host_settings")
        for severity, message, fix in problems:
            run.findings.add(severity, "gpu_host", dev, message, fix=fix)


def check_imex(run: Run) -> None:
    """Compute trays of an NVLink domain: the IMEX node list is the domain's, and nvidia-imex starts at boot."""
    domains = None
    for dev in _gpu_nodes(run):
        d = run.devices[dev]
        if not d.get("nvlink_domain"):
            continue
        if domains is None:
            domains = nvlink_domains(run.devices.values())
        overrides = _overrides(run, dev)
        try:
            want = imex_settings(domains.get(d["nvlink_domain"]), enabled=overrides.get("gpu_host_imex", "auto"),
                                 nodes=overrides.get("gpu_host_imex_nodes") or None)
        except ValueError as exc:
            run.findings.add("error", "imex", dev, str(exc), fix="give gpu_host_imex_nodes for %s" % dev)
            continue
        if not want["enabled"]:
            continue
        got = (run.ok[dev].get("files") or {}).get("imex_nodes")
        if got is None:
            run.skip("imex", "the IMEX node list was not gathered (validate_gather files)", dev)
            continue
        run.count("imex_node_lists")
        have = [ln.strip() for ln in str(got.get("content") or "").splitlines()
                if ln.strip() and not ln.strip().startswith("#")]
        if got.get("content") is None or have != want["nodes"]:
            run.findings.add("error", "imex", dev, "IMEX node list %s %s NVLink domain %s's trays" % (
                got.get("path"), "cannot be read: %s; it must list" % got.get("error") if got.get("content") is None
                else "differs from", want["domain"]), expected=want["nodes"], observed=have,
                fix="run refarch.ai_cluster.gpu_host on every tray of %s (every tray must list the same "
                    "addresses), then restart %s" % (want["domain"], want["service"]))
        unit = (run.ok[dev].get("services") or {}).get("%s.service" % want["service"]) or {}
        if unit and not unit.get("missing") and unit.get("enabled") not in ("enabled", "static", "", "not-found"):
            run.findings.add("warning", "imex", dev, "%s.service is %s: IMEX will not start at the next boot" % (
                want["service"], unit.get("enabled")), expected="enabled", observed=unit.get("enabled"),
                fix="systemctl enable %s on %s" % (want["service"], dev))


def check_services(run: Run) -> None:
    """Services the roles enable start at boot: FRR and lldpd on the lab's switches."""
    for dev in sorted(run.ok):
        services = run.ok[dev].get("services") or {}
        for unit, state in sorted(services.items()):
            if unit in ROLE_CHECKED_SERVICES or state.get("missing"):
                continue
            run.count("services")
            if state.get("enabled") not in ("enabled", "static", "alias"):
                run.findings.add("warning", "service", dev, "%s is %s: it does not start at the next boot" % (
                    unit, state.get("enabled") or "unknown"), expected="enabled", observed=state.get("enabled"),
                    fix="systemctl enable %s on %s" % (unit, dev))


def check_gateway_mtu(run: Run) -> None:
    """A leaf's host-facing gateway (bridge or SVI): the plan's address, at the MTU of its host ports."""
    for dev in sorted(run.links):
        d = run.devices[dev]
        links = run.links[dev]
        gateway = d.get("gateway_address")
        if links is None or not gateway or d.get("role") not in SWITCH_ROLES:
            continue
        host_mtus = [int(i["mtu"]) for i in d.get("interfaces") or [] if i.get("mtu") and i.get("peer_device")
                     and (run.devices.get(i["peer_device"]) or {}).get("role") not in SWITCH_ROLES]
        if not host_mtus:
            continue
        holders = [name for name, lk in sorted(links.items()) if gateway in lk["ipv4"]]
        if not holders:
            continue   # check_addresses names the missing gateway
        want = max(host_mtus)
        run.count("gateway_mtus")
        got = links[holders[0]]["mtu"]
        if got != want:
            # A Linux bridge takes the smallest MTU of its ports: a host port's MTU is then the cause.
            members = [("mtu", dev, i["name"]) for i in d.get("interfaces") or []]
            run.findings.symptom(members, "gateway %s on %s: MTU %s, plan %s" % (gateway, holders[0], got, want),
                                 severity="error", check="mtu", device=dev, port=holders[0],
                                 message="gateway %s on %s has MTU %s, its host ports %s" % (gateway, holders[0], got, want),
                                 expected=want, observed=got,
                                 fix="set the MTU of %s to %s (ip link set dev %s mtu %s, or the platform's 'mtu %s' "
                                     "on the SVI)" % (end_text(dev, holders[0]), want, holders[0], want, want),
                                 own_keys=[("mtu", dev, "gateway")])
