"""Switch configurations beside pyavd (`make bench-pyavd`, the last part of `make bench`).

Issue #22, item 4: our one-pass renderer (``render_plan`` of plugins/plugin_utils/render/configs.py)
against Arista AVD's engine, pyavd, on the same fabric in the same run, with the ratio reported;
figures in docs/performance.md ("Switch configurations beside pyavd").

pyavd is not a dependency of the collection: it lives in a virtualenv of its own,
build/bench-pyavd-venv (made here on first use with ``python -m venv`` and ``pip install
pyavd==PYAVD_VERSION``; PYAVD_VENV and PYAVD_VERSION in the environment override both). Each side
runs in a fresh process of its own interpreter (this file is also the worker: ``--worker ours`` in
our .venv, ``--worker pyavd`` in the bench venv), and each timed part starts after the imports.

What is compared, per platform (each case is the inference-pool reference grown to ``--nodes``
servers, 256 by default, compute fabric only):

* ours: ``render_plan(plan)`` for every switch of the plan: the neutral configuration and the text of
  the platform's files (EOS eos.cfg, SONiC config_db.json, Cumulus nvue.yaml). Planning (the design
  to the plan in its plan.json form) is timed apart and reported beside it.
* pyavd (EOS only: it makes no SONiC or Cumulus text): an AVD input written from the same plan (the
  same leaves, spines, ASNs and uplink cabling; eBGP underlay without an overlay; loopbacks and /31
  uplinks from AVD's pools; the GPU servers' ports as access ports in the host VLAN with each leaf's
  SVI gateway; the RoCE QoS profile on every port, the DSCP map and the PFC watchdog), then
  ``validate_inputs`` per device, ``get_avd_facts`` for the fabric, ``get_device_structured_config``
  and ``get_device_config`` per device. The servers' ports are given two ways: as network ports
  (one entry per leaf naming its host ports: the cheaper input for pyavd, and the reference for
  the targets) and as connected endpoints (AVD's model of a server, one adapter per rail, with
  descriptions naming the server as ours do; run once, reported beside). pyavd's first call also
  loads its schemas (a one-time cost of about a second): it is part of the run, and a
  steady-state figure without the first device is reported beside it.
* SONiC and Cumulus: our per-device time against pyavd's EOS per-device time on the EOS fabric of
  the same server count (pyavd has nothing to compare for those platforms).

Per-device figures are CPU time (the steadier figure on a shared machine; both sides run on one
core), best of ``--repeat`` fresh processes.

Targets (issue #22): per device at least 10x faster than pyavd for SONiC and Cumulus, at least 3x
for EOS; a 64-SU Ethernet fabric's configs (the training pod at 2,048 DGX on RoCE: 1,280 EOS
switches, 896 on SONiC or Cumulus) in under 30 s of wall time. Prints a table, then one JSON line;
exits 1 when a target is missed, 2 when pyavd cannot be installed or run.

    python benchmarks/pyavd_bench.py [--nodes 256] [--repeat 3] [--quick] [--no-big]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, "build", "collections")
PYAVD_VERSION = os.environ.get("PYAVD_VERSION", "6.4.0")
PYAVD_VENV = os.environ.get("PYAVD_VENV", os.path.join(ROOT, "build", "bench-pyavd-venv"))

NODES = 256            # 256 servers: 80 EOS switches (64 leaves, 16 spines) on arista-7060x5
TARGET_RATIO = {"eos": 3.0, "sonic": 10.0, "cumulus": 10.0}
TARGET_BIG_S = 30.0
# The two ways of giving AVD the GPU servers' ports (avd_inputs).
AVD_HOSTS = ("connected_endpoints", "network_ports")


def pool_design(platform, nodes):
    """The inference-pool reference grown to ``nodes`` servers, compute fabric only."""
    # SN5600 uplinks as 400G breakouts, as docs/performance.md's figures were measured (the
    # default is now the native 800G: half the leaf-spine links and BGP sessions).
    compute = {"eos": {"switch": "arista-7060x5"}, "sonic": {"uplink_speed_gbps": 400},
               "cumulus": {"platform": "cumulus", "uplink_speed_gbps": 400}}[platform]
    return {"name": "x", "reference": "inference-pool", "nodes": {"count": nodes},
            "fabrics": {"compute": compute, "oob": None}}


PLATFORMS = ("eos", "sonic", "cumulus")


def big_design(platform):
    """The 64-SU Ethernet fabric: the training pod reference at 2,048 DGX on RoCE, compute fabric
    only; on EOS (arista-7060x5, 64 x 400G) the DGX SuperPOD shape of 512 leaves, 512 spines and 256
    cores; on SONiC and Cumulus (sn5600, 64 x 800G split in two, uplinks too, as measured) 512, 256
    and 128."""
    compute = {"eos": {"switch": "arista-7060x5"},
               "sonic": {"switch": "sn5600", "platform": "sonic", "uplink_speed_gbps": 400},
               "cumulus": {"switch": "sn5600", "platform": "cumulus", "uplink_speed_gbps": 400}}[platform]
    return {"name": "pod64", "reference": "training-pod", "nodes": {"count": 2048},
            "fabrics": {"compute": dict(compute, kind="roce", appliances=None), "storage": None, "inband": None, "oob": None},
            "addressing": {"host_subnets": "10.0.0.0/9"}}


# --- AVD input from our plan -------------------------------------------------------------------

def _qos_inputs(fabric):
    """The fabric's RoCE QoS as AVD custom structured configuration (eos_cli_config_gen keys): a QoS
    profile applied to every port (trust DSCP, PFC no-drop on the RoCE priority, DWRR and strict
    queues, ECN on the RoCE queue), the DSCP map and the PFC watchdog, as our EOS template writes them."""
    q = fabric.get("qos") or {}
    if not q:
        return {}, None
    roce, cnp, share = int(q["roce_priority"]), int(q["cnp_priority"]), int(q.get("roce_bandwidth_percent") or 50)
    tx_queues = [{"id": 0, "bandwidth_percent": 100 - share, "priority": "no priority"},
                 {"id": roce, "bandwidth_percent": share, "priority": "no priority"},
                 {"id": cnp, "priority": "priority strict"}]
    if q.get("ecn"):
        tx_queues[1]["random_detect"] = {"ecn": {"threshold": {
            "units": "bytes", "min": int(q["ecn_min_bytes"]), "max": int(q["ecn_max_bytes"]),
            "max_probability": int(q["ecn_probability_percent"])}}}
    profile = {"name": "ROCE", "trust": "dscp", "tx_queues": tx_queues}
    if q.get("pfc"):
        profile["priority_flow_control"] = {"enabled": True, "priorities": [{"priority": roce, "no_drop": True}]}
    custom = {
        "custom_structured_configuration_qos_profiles": [profile],
        "custom_structured_configuration_qos": {"map": {"dscp": [
            "%d to traffic-class %d" % (int(q["roce_dscp"]), roce), "%d to traffic-class %d" % (int(q["cnp_dscp"]), cnp)]}},
    }
    if q.get("pfc") and q.get("pfc_watchdog", True):
        custom["custom_structured_configuration_priority_flow_control"] = {"watchdog": {
            "action": "drop", "timeout": 0.2, "recovery_time": 0.2, "polling_interval": 0.1}}
    return custom, "ROCE"


def avd_inputs(plan, fabric_name="compute", hosts="connected_endpoints"):
    """(the AVD inputs shared by every device, {hostname: AVD node type}, counts) for the two-tier
    fabric ``fabric_name`` of ``plan`` (plan.json form): spines and l3leafs with the plan's ASNs and
    uplink cabling, eBGP underlay, no overlay, the GPU servers' ports in the host VLAN as ``hosts``
    (connected_endpoints or network_ports)."""
    fabric = plan["fabrics"][fabric_name]
    if int(fabric.get("tiers") or 2) != 2:
        raise SystemExit("the AVD input is written for two-tier fabrics; %s has %s tiers" % (fabric_name, fabric.get("tiers")))
    devices = plan["devices"]
    switches = {n: d for n, d in devices.items() if d.get("fabric") == fabric_name and d.get("role") in ("leaf", "spine")}
    leaves = sorted((d for d in switches.values() if d["role"] == "leaf"), key=lambda d: d["index"])
    spines = sorted((d for d in switches.values() if d["role"] == "spine"), key=lambda d: d["index"])
    mtu = int(fabric["mtu"])
    speed = "%dg" % int(fabric["link_speed_gbps"])
    qos_custom, qos_profile = _qos_inputs(fabric)
    host_vlan = 1000

    leaf_nodes, max_switches, max_parallel = [], 1, 1
    for leaf in leaves:
        uplinks = leaf["bgp"]["neighbors"]
        per_spine = {}
        for n in uplinks:
            per_spine[n["peer_device"]] = per_spine.get(n["peer_device"], 0) + 1
        max_switches = max(max_switches, len(per_spine))
        max_parallel = max(max_parallel, *per_spine.values())
        leaf_nodes.append({
            "name": leaf["name"], "id": int(leaf["index"]), "bgp_as": str(leaf["bgp"]["asn"]),
            "uplink_interfaces": [n["interface"] for n in uplinks],
            "uplink_switches": [n["peer_device"] for n in uplinks],
            "uplink_switch_interfaces": [n["peer_port"] for n in uplinks],
        })
    spine_asns = {str(s["bgp"]["asn"]) for s in spines}
    if len(spine_asns) != 1:
        raise SystemExit("expected one spine ASN, got %s" % sorted(spine_asns))
    n_loop = len(leaves) + len(spines)
    n_p2p = sum(len(n["uplink_interfaces"]) for n in leaf_nodes)

    # The GPU servers' ports on this fabric, access ports in the host VLAN: as connected endpoints
    # (each server with one adapter per rail, AVD's model of a server, descriptions naming the server
    # and its port as ours do), or as network ports (one entry per leaf for all its host ports, no
    # server names: less for AVD to do).
    port = {"speed": speed, "mode": "access", "vlans": str(host_vlan), "l2_mtu": mtu}
    if qos_profile:
        port["qos_profile"] = qos_profile
    servers, network_ports = [], []
    for name in sorted(devices, key=lambda n: (devices[n].get("index") or 0, n)):
        dev = devices[name]
        if dev.get("role") in ("leaf", "spine", "core"):
            continue
        adapters = [dict(port, switches=[i["peer_device"]], switch_ports=[i["peer_port"]], endpoint_ports=[i["name"]])
                    for i in dev.get("interfaces") or [] if i.get("fabric") == fabric_name and i.get("peer_device") in switches]
        if adapters:
            servers.append({"name": name, "adapters": adapters})
    for leaf in leaves:
        ports = [i["name"] for i in leaf.get("interfaces") or []
                 if i.get("role") == "downlink" and i.get("peer_device") not in switches]
        if ports:
            network_ports.append(dict(port, switches=["^%s$" % leaf["name"]], switch_ports=ports))

    svi_nodes = [{"node": leaf["name"], "ip_address": leaf["gateway_address"]} for leaf in leaves if leaf.get("gateway_address")]
    common = {
        "fabric_name": "FABRIC",
        "underlay_routing_protocol": "ebgp",
        "overlay_routing_protocol": "none",
        # Advertise every connected subnet (the host subnets too), as our `network` statements do.
        "underlay_filter_redistribute_connected": False,
        "p2p_uplinks_mtu": mtu,
        "bgp_maximum_paths": max(int(d["bgp"].get("ecmp") or 1) for d in leaves + spines),
        "bgp_ecmp": max(int(d["bgp"].get("ecmp") or 1) for d in leaves + spines),
        "spine": {
            "defaults": {"bgp_as": spine_asns.pop(), "loopback_ipv4_pool": _pool("10.254.16.0", len(spines))},
            "nodes": [{"name": s["name"], "id": int(s["index"])} for s in spines],
        },
        "l3leaf": {
            "defaults": {"loopback_ipv4_pool": _pool("10.254.0.0", len(leaves)),
                         "uplink_ipv4_pool": _pool("10.253.0.0", 2 * len(leaves) * max_switches * max_parallel),
                         "max_uplink_switches": max_switches, "max_parallel_uplinks": max_parallel,
                         "uplink_interface_speed": speed, "uplink_switch_interface_speed": speed,
                         "spanning_tree_mode": "none", "vtep": False},
            "nodes": leaf_nodes,
        },
        "tenants": [{"name": "HOSTS", "vrfs": [{"name": "default", "svis": [
            {"id": host_vlan, "name": "hosts", "enabled": True, "mtu": mtu, "nodes": svi_nodes}]}]}],
    }
    if hosts == "connected_endpoints":
        common["servers"] = servers
    else:
        common["network_ports"] = network_ports
    if qos_profile:
        common["p2p_uplinks_qos_profile"] = qos_profile
    common.update(qos_custom)
    types = dict({leaf["name"]: "l3leaf" for leaf in leaves}, **{s["name"]: "spine" for s in spines})
    return common, types, {"loopbacks": n_loop, "p2p_links": n_p2p}


def _pool(base, addresses):
    """The smallest prefix at ``base`` holding ``addresses`` addresses (at least a /24)."""
    bits = max(8, (max(1, addresses) - 1).bit_length())
    return "%s/%d" % (base, 32 - bits)


# --- workers -----------------------------------------------------------------------------------

def _clock():
    return time.perf_counter(), time.process_time()


def _since(start):
    """(wall s, CPU s) since ``start`` (a _clock())."""
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _text_size(texts):
    return sum(len(t) for t in texts), sum(t.count("\n") for t in texts)


def worker_ours(args):
    """In our .venv: plan the design (timed apart), then render_plan for every switch (timed)."""
    sys.path.insert(0, COLLECTIONS)
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design  # pylint: disable=import-outside-toplevel
    from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import configs  # pylint: disable=import-outside-toplevel

    with open(args.design, encoding="utf-8") as handle:
        design = json.load(handle)
    start = _clock()
    plan = plan_design(design).to_dict()
    plan_s, plan_cpu = _since(start)
    start = _clock()
    rendered = configs.render_plan(plan)
    render_s, render_cpu = _since(start)
    texts = [text for entry in rendered.values() for text in entry["files"].values()]
    size, lines = _text_size(texts)
    out = {"devices": len(rendered), "platforms": sorted({entry["config"]["platform"] for entry in rendered.values()}),
           "plan_s": round(plan_s, 4), "plan_cpu_s": round(plan_cpu, 4),
           "render_s": round(render_s, 4), "render_cpu_s": round(render_cpu, 4), "bytes": size, "lines": lines,
           "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    if args.avd_out:
        for hosts in AVD_HOSTS:
            common, types, counts = avd_inputs(plan, hosts=hosts)
            with open(args.avd_out % hosts, "w", encoding="utf-8") as handle:
                json.dump({"hosts": hosts, "common": common, "types": types}, handle)
        out["avd"] = dict(counts, devices=len(types))
    print(json.dumps(out))


def worker_pyavd(args):
    """In the bench venv: pyavd's validate_inputs, get_avd_facts, get_device_structured_config and
    get_device_config for every device of the AVD input (the first call loads pyavd's schemas)."""
    start = _clock()
    import pyavd  # pylint: disable=import-outside-toplevel,import-error
    import_s = _since(start)[0]
    with open(args.avd_in, encoding="utf-8") as handle:
        data = json.load(handle)
    common, types = data["common"], data["types"]
    all_inputs = {host: dict(common, type=kind) for host, kind in types.items()}

    run = _clock()
    validated, warnings = {}, 0
    for host, inputs in all_inputs.items():
        result = pyavd.validate_inputs(inputs)
        report = result.validation_result
        if result.validated_data is None or report.violations:
            raise SystemExit("pyavd.validate_inputs(%s) failed: %s" % (host, "; ".join(str(e) for e in report.violations[:5])))
        warnings += len(report.deprecations) + len(report.ignored_eos_config_keys)
        validated[host] = result.validated_data
    validate_cpu = _since(run)[1]
    step = _clock()
    facts = pyavd.get_avd_facts(validated)
    facts_cpu = _since(step)[1]
    texts, struct_cpu, config_cpu, first = [], 0.0, 0.0, None
    for host, inputs in validated.items():
        step = _clock()
        structured = pyavd.get_device_structured_config(host, inputs, facts)
        middle = time.process_time()
        texts.append(pyavd.get_device_config(structured))
        struct_cpu += middle - step[1]
        config_cpu += time.process_time() - middle
        if first is None:
            first = _since(step)
    total_s, total_cpu = _since(run)
    size, lines = _text_size(texts)
    print(json.dumps({
        "hosts": data["hosts"], "version": pyavd.__version__,
        "python": sys.version.split()[0], "devices": len(texts), "import_s": round(import_s, 4),
        "validate_cpu_s": round(validate_cpu, 4), "facts_cpu_s": round(facts_cpu, 4),
        "structured_cpu_s": round(struct_cpu, 4), "config_cpu_s": round(config_cpu, 4),
        "first_device_s": round(first[0], 4), "first_device_cpu_s": round(first[1], 4),
        "total_s": round(total_s, 4), "cpu_s": round(total_cpu, 4), "bytes": size, "lines": lines, "warnings": warnings,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


# --- the orchestration ---------------------------------------------------------------------------

def ensure_pyavd():
    """The bench venv's interpreter with pyavd==PYAVD_VERSION, made on first use."""
    python = os.path.join(PYAVD_VENV, "bin", "python")
    probe = [python, "-c", "import pyavd; print(pyavd.__version__)"]
    if os.path.exists(python):
        out = subprocess.run(probe, capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip() == PYAVD_VERSION:
            return python
    print("pyavd %s: making %s (python -m venv; pip install pyavd==%s)" % (PYAVD_VERSION, PYAVD_VENV, PYAVD_VERSION),
          flush=True)
    for step in ([sys.executable, "-m", "venv", "--clear", PYAVD_VENV],
                 [python, "-m", "pip", "install", "--quiet", "pyavd==%s" % PYAVD_VERSION]):
        out = subprocess.run(step, capture_output=True, text=True, check=False)
        if out.returncode:
            print("cannot install pyavd: %s failed (%d):\n%s%s" % (" ".join(step), out.returncode, out.stdout, out.stderr))
            sys.exit(2)
    out = subprocess.run(probe, capture_output=True, text=True, check=False)
    if out.returncode or out.stdout.strip() != PYAVD_VERSION:
        print("pyavd %s does not import in %s:\n%s%s" % (PYAVD_VERSION, PYAVD_VENV, out.stdout, out.stderr))
        sys.exit(2)
    return python


def _run(cmd, what):
    """The last stdout line of ``cmd`` as JSON; exits 2 (pyavd) or 1 (ours) when it fails."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if out.returncode:
        print("%s failed (%d):\n%s%s" % (what, out.returncode, out.stdout, out.stderr[-4000:]))
        sys.exit(2 if what.startswith("pyavd") else 1)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(tmp, design, label, avd_out=None):
    path = os.path.join(tmp, "design-%s.json" % label)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(design, handle)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "ours", "--design", path]
    if avd_out:
        cmd += ["--avd-out", avd_out]
    return _run(cmd, "our render of %s" % label)


def run_pyavd(python, avd_file, hosts):
    return _run([python, os.path.abspath(__file__), "--worker", "pyavd", "--avd-in", avd_file % hosts], "pyavd (%s)" % hosts)


def per_ms(seconds, devices):
    return 1000.0 * seconds / max(1, devices)


def compare(args, python, tmp):
    """Our render on the three platforms and pyavd on the EOS fabric; (rows, pyavd rows, failed)."""
    avd_file = os.path.join(tmp, "avd-%s.json")
    ours = {}
    for platform in PLATFORMS:
        runs = [run_ours(tmp, pool_design(platform, args.nodes), platform, avd_file if platform == "eos" and i == 0 else None)
                for i in range(args.repeat)]
        ours[platform] = dict(min(runs, key=lambda r: r["render_cpu_s"]), avd=runs[0].get("avd"))
    # The reference for the targets is pyavd's faster input (network ports), best of --repeat; the
    # connected-endpoints input (AVD's model of servers, our descriptions) once, beside it.
    ref = min((run_pyavd(python, avd_file, "network_ports") for dummy in range(args.repeat)), key=lambda r: r["cpu_s"])
    refs = [ref] + ([] if args.quick else [run_pyavd(python, avd_file, "connected_endpoints")])
    for r in refs:
        if r["devices"] != ours["eos"]["devices"]:
            raise SystemExit("device counts differ: pyavd %d, ours %d" % (r["devices"], ours["eos"]["devices"]))
        r["ms_per_device"] = round(per_ms(r["cpu_s"], r["devices"]), 2)
        r["steady_ms_per_device"] = round(per_ms(r["cpu_s"] - r["first_device_cpu_s"], r["devices"] - 1), 2)

    print("Switch configurations beside pyavd %s (Python %s): inference-pool, %d servers, compute fabric; CPU time, "
          "best of %d" % (ref["version"], ref["python"], args.nodes, args.repeat))
    for r in refs:
        print("pyavd, EOS, %d devices, servers as %s: validate %.2f s, facts %.2f s, structured config %.2f s, "
              "EOS text %.2f s; %.2f s in all (%.2f s wall), the first device %.2f s; %.1f ms per device, %.1f "
              "without the first; %d lines" % (
                  r["devices"], r["hosts"].replace("_", " "), r["validate_cpu_s"], r["facts_cpu_s"], r["structured_cpu_s"],
                  r["config_cpu_s"], r["cpu_s"], r["total_s"], r["first_device_cpu_s"], r["ms_per_device"],
                  r["steady_ms_per_device"], r["lines"]))
    print("%-8s %7s %8s %9s %9s %10s %9s %8s %8s  %s" % (
        "platform", "devices", "lines", "plan s", "render s", "ms/device", "pyavd ms", "ratio", "steady", "target"))
    rows, failed = [], False
    for platform in PLATFORMS:
        r = ours[platform]
        ms = per_ms(r["render_cpu_s"], r["devices"])
        ratio, steady = ref["ms_per_device"] / ms, ref["steady_ms_per_device"] / ms
        ok = ratio >= TARGET_RATIO[platform]
        failed |= not ok
        print("%-8s %7d %8d %9.2f %9.2f %10.2f %9.1f %7.1fx %7.1fx  >= %gx: %s%s" % (
            platform, r["devices"], r["lines"], r["plan_cpu_s"], r["render_cpu_s"], ms, ref["ms_per_device"], ratio, steady,
            TARGET_RATIO[platform], "ok" if ok else "MISSED", "" if platform == "eos" else " (against pyavd's EOS)"))
        rows.append(dict({k: v for k, v in r.items() if k != "avd"}, case="%s, %d servers" % (platform, args.nodes),
                         ms_per_device=round(ms, 3), pyavd_ms_per_device=ref["ms_per_device"], ratio=round(ratio, 2),
                         steady_ratio=round(steady, 2), target_ratio=TARGET_RATIO[platform], met=ok))
    for r in refs[1:]:
        print("servers as connected endpoints: pyavd %.1f ms per device, %.1fx ours on EOS" % (
            r["ms_per_device"], r["ms_per_device"] / per_ms(ours["eos"]["render_cpu_s"], ours["eos"]["devices"])))
    pyavd_rows = [dict(r, case="pyavd eos, %d servers, %s" % (args.nodes, r["hosts"]), avd_input=ours["eos"]["avd"]) for r in refs]
    return rows, pyavd_rows, failed


def big(args, tmp):
    """The 64-SU training pod's configs on each platform, against TARGET_BIG_S."""
    rows, failed = [], False
    for platform in PLATFORMS if not args.quick else ("eos",):
        r = min((run_ours(tmp, big_design(platform), "big-" + platform) for dummy in range(args.repeat)),
                key=lambda x: x["render_s"])
        ok = r["render_s"] < TARGET_BIG_S
        failed |= not ok
        print("64 SU, %-7s %4d switches: planned in %.2f s, configs rendered in %.2f s wall (%.2f CPU, %.2f ms per "
              "switch, %d lines, peak %d MiB): < %g s: %s" % (
                  platform, r["devices"], r["plan_s"], r["render_s"], r["render_cpu_s"], per_ms(r["render_cpu_s"], r["devices"]),
                  r["lines"], r["peak_mib"], TARGET_BIG_S, "ok" if ok else "MISSED"))
        rows.append(dict(r, case="64 SU training pod, %s" % platform, target_s=TARGET_BIG_S, met=ok,
                         ms_per_device=round(per_ms(r["render_cpu_s"], r["devices"]), 3)))
    return rows, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--worker", choices=("ours", "pyavd"), help=argparse.SUPPRESS)
    parser.add_argument("--design", help=argparse.SUPPRESS)
    parser.add_argument("--avd-out", help=argparse.SUPPRESS)
    parser.add_argument("--avd-in", help=argparse.SUPPRESS)
    parser.add_argument("--nodes", type=int, default=NODES, help="servers of the compared fabrics (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per case, best kept (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="development: no connected-endpoints run, 64 SU on EOS only")
    parser.add_argument("--no-big", action="store_true", help="skip the 64-SU cases")
    args = parser.parse_args(argv)
    if args.worker == "ours":
        return worker_ours(args)
    if args.worker == "pyavd":
        return worker_pyavd(args)

    python = ensure_pyavd()
    with tempfile.TemporaryDirectory(prefix="pyavd-bench-") as tmp:
        rows, pyavd_rows, failed = compare(args, python, tmp)
        big_rows, big_failed = ([], False) if args.no_big else big(args, tmp)
    print(json.dumps(rows + pyavd_rows + big_rows))
    return 1 if failed or big_failed else 0


if __name__ == "__main__":
    sys.exit(main())
