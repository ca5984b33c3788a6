#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time the refarch.ai_cluster.design inventory plugin against a static YAML inventory.

Plans a large design (default: benchmarks/designs/pod-64su.yml, 2,048 nodes and 1,280 switches),
writes a static YAML inventory with the same hosts, groups and variables as the plugin gives, and
times `ansible-inventory --list` (and, with --graph, `--graph`) on both side by side, RUNS times each, reporting
the median. Then times the plugin with a jsonfile inventory cache: one call to fill the cache,
then RUNS cached calls; a cached call run with -vvv proves that it did not plan (the plugin says
"cached plan of ..., not planned" instead of "planned ..."). Prints one JSON line of results.

    .venv/bin/python benchmarks/inventory_bench.py [--design FILE] [--runs 3] [--graph] [--keep DIR]

The static inventory is the slow side: on a 2-core machine one static --list of the 64-SU pod
takes over ten minutes and about 7 GB of memory, so the default run takes well over half an hour.

Requirement (the inventory plugin's brief): plugin --list <= 1.5 x static --list.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

import yaml  # noqa: E402  (after the sys.path change, like the collection imports)

from ansible_collections.refarch.ai_cluster.plugins.inventory.design import (  # noqa: E402
    FIXED_GROUPS, SWITCH_ROLES, host_groups, management_host, plan_inventory)

DEFAULT_DESIGN = os.path.join(ROOT, "benchmarks", "designs", "pod-64su.yml")
LIMIT = 1.5


def static_inventory(data):
    """The plugin's hosts, groups and variables as a YAML inventory mapping."""
    hosts = {}
    groups = {name: {"hosts": {}} for name in FIXED_GROUPS if name != "switches"}
    for device in data["devices"]:
        fabric = data["fabrics"].get(device["fabric"]) if device.get("fabric") else None
        host_vars = {}
        address = management_host(device)
        if address:
            host_vars["ansible_host"] = address
        host_vars["refarch_device"] = device
        if fabric is not None:
            host_vars["refarch_fabric"] = dict(fabric)
        host_vars["refarch_plan_name"] = data["plan_name"]
        host_vars["refarch_design_file"] = data["design_file"]
        hosts[device["name"]] = host_vars
        for group in host_groups(device, fabric):
            groups.setdefault(group, {"hosts": {}})["hosts"][device["name"]] = None
    children = {"switches": {"children": {role: groups.pop(role) for role in SWITCH_ROLES}}}
    children.update(groups)
    return {"all": {"hosts": hosts, "children": children}}


def write_yaml(data, path):
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.dump(data, handle, Dumper=dumper, default_flow_style=False, sort_keys=False, width=1000)


def ansible_env():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    for key in ("ANSIBLE_INVENTORY_CACHE", "ANSIBLE_CACHE_PLUGIN", "ANSIBLE_COLLECTIONS_PATH"):
        env.pop(key, None)
    return env


def ansible_inventory():
    for candidate in (os.path.join(ROOT, ".venv", "bin", "ansible-inventory"),
                      os.path.join(os.path.dirname(sys.executable), "ansible-inventory")):
        if os.path.exists(candidate):
            return candidate
    raise SystemExit("ansible-inventory not found: run `make setup`")


def timed(args, output=None):
    """Seconds one ansible-inventory run takes (wall clock), its stdout going to ``output``."""
    started = time.monotonic()
    with open(output or os.devnull, "w", encoding="utf-8") as out:
        result = subprocess.run(args, cwd=ROOT, env=ansible_env(), stdout=out, stderr=subprocess.PIPE,
                                text=True, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0 or "WARNING" in result.stderr:
        raise SystemExit("%s failed (rc %d):\n%s" % (" ".join(args), result.returncode, result.stderr[-4000:]))
    return elapsed


def unwrap(value):
    """ansible-inventory marks untrusted strings {"__ansible_unsafe": s}; compare plain values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def same_inventory(first, second):
    with open(first, encoding="utf-8") as handle:
        a = json.load(handle)
    with open(second, encoding="utf-8") as handle:
        b = json.load(handle)
    hostvars_a, hostvars_b = unwrap(a.pop("_meta")["hostvars"]), unwrap(b.pop("_meta")["hostvars"])
    groups_a = {k: sorted(v.get("hosts", [])) for k, v in a.items()}
    groups_b = {k: sorted(v.get("hosts", [])) for k, v in b.items()}
    return hostvars_a == hostvars_b and groups_a == groups_b


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--design", default=DEFAULT_DESIGN)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="keep the inventories and outputs in this directory")
    parser.add_argument("--graph", action="store_true", help="time --graph as well (parsing without the JSON dump)")
    parser.add_argument("--no-list", action="store_true", help="time --graph only")
    args = parser.parse_args()
    design = os.path.abspath(args.design)
    work = args.keep or tempfile.mkdtemp(prefix="refarch-inventory-bench-")
    os.makedirs(work, exist_ok=True)
    tool = ansible_inventory()
    try:
        started = time.monotonic()
        data = plan_inventory(design)
        plan_s = time.monotonic() - started
        interfaces = sum(len(d["interfaces"]) for d in data["devices"])

        static = os.path.join(work, "static.yml")
        write_yaml(static_inventory(data), static)
        plugin = os.path.join(work, "cluster.yml")
        with open(plugin, "w", encoding="utf-8") as handle:
            handle.write("plugin: refarch.ai_cluster.design\ndesign: %s\n" % design)
        cached = os.path.join(work, "cached.yml")
        with open(cached, "w", encoding="utf-8") as handle:
            handle.write("plugin: refarch.ai_cluster.design\ndesign: %s\ncache: true\n"
                         "cache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n"
                         % (design, os.path.join(work, "cache")))

        results = {"design": os.path.relpath(design, ROOT), "hosts": len(data["devices"]),
                   "interfaces": interfaces, "runs": args.runs, "plan_s": round(plan_s, 2),
                   "static_yaml_mb": round(os.path.getsize(static) / 1e6, 1)}
        modes = (["--graph"] if args.graph or args.no_list else []) + ([] if args.no_list else ["--list"])
        # fill the cache once (plans and stores)
        results["cache_fill_graph_s"] = round(timed([tool, "-i", cached, "--graph"]), 2)
        for mode in modes:
            key = mode.strip("-")
            times = {"static": [], "plugin": [], "cached": []}
            for i in range(args.runs):      # interleaved, so that load on the machine hits both alike
                for name, source in (("static", static), ("plugin", plugin), ("cached", cached)):
                    out = os.path.join(work, "%s-%s.out" % (name, key)) if i == 0 else None
                    times[name].append(timed([tool, "-i", source, mode], out))
            for name, values in times.items():
                results["%s_%s_s" % (name, key)] = round(statistics.median(values), 2)
                results["%s_%s_all_s" % (name, key)] = [round(v, 2) for v in values]
            results["ratio_%s" % key] = round(results["plugin_%s_s" % key] / results["static_%s_s" % key], 3)
            results["ratio_cached_%s" % key] = round(results["cached_%s_s" % key] / results["static_%s_s" % key], 3)
        if not args.no_list:
            results["same_hosts_groups_vars"] = same_inventory(
                os.path.join(work, "static-list.out"), os.path.join(work, "plugin-list.out"))
            results["cached_equals_planned"] = same_inventory(
                os.path.join(work, "cached-list.out"), os.path.join(work, "plugin-list.out"))
            results["within_limit"] = results["ratio_list"] <= LIMIT

        # proof that a cached call does not plan
        proof = subprocess.run([tool, "-i", cached, "--graph", "-vvv"], cwd=ROOT, env=ansible_env(),
                               capture_output=True, text=True, check=False)
        said = [line for line in (proof.stdout + proof.stderr).splitlines() if "refarch.ai_cluster.design:" in line]
        results["cached_call_planned"] = any(": planned " in line for line in said)
        results["cached_call_says"] = said[0].strip() if said else None
        print(json.dumps(results, sort_keys=True))
        return 0 if results.get("within_limit", True) and not results["cached_call_planned"] else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
