"""`make configs DESIGN=...`: every device's files of a design, for review and change tickets,
without an inventory of reachable devices.

Plans the design and renders in one pass each (plugins/plugin_utils/render/): every Ethernet
switch's configuration (configs.py) into DEST/<switch>/, every GPU node's host_network files
(host_configs.py) into DEST/<node>/, and the subnet manager's files of every InfiniBand fabric
(sm_configs.py) into DEST/<fabric>-sm/: the same files the fabric_switch, host_network and
ib_fabric roles write, from the plan and the roles' defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import yaml

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError
from ansible_collections.refarch.ai_cluster.plugins.module_utils.fileio import write_if_changed
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import configs, host_configs, sm_configs


def write_sm(plan, dest, guids, check):
    """DEST/<fabric>-sm/{primary,standby}/opensm.conf, and the GUID files when GUIDs are given.
    Returns (fabrics, changed paths, notes)."""
    renderer = sm_configs.SMRenderer()
    changed, notes = [], []
    fabrics = sm_configs.infiniband_fabrics(plan)
    for fabric in fabrics:
        config, problems = sm_configs.plan_config(plan, fabric, guids)
        if problems:
            raise RefarchError("fabric %s: the GUIDs do not fit the plan:\n  %s" % (fabric, "\n  ".join(problems)))
        texts = {}
        for role in ("primary", "standby"):
            texts["%s/opensm.conf" % role] = renderer.render(config, role, files=["opensm.conf"])["opensm.conf"]
        if guids:
            texts.update(renderer.render(config, "primary", files=sm_configs.GUID_FILES))
        else:
            notes.append("%s-sm: opensm.conf only; %s need the fabric's GUIDs (--ib-guids FILE), and "
                         "opensm.default the SM host's port" % (fabric, ", ".join(sm_configs.GUID_FILES)))
        for name, text in sorted(texts.items()):
            rel = os.path.join("%s-sm" % fabric, name)
            path = os.path.join(dest, rel)
            if not os.path.isdir(os.path.dirname(path)):
                if check:
                    changed.append(rel)
                    continue
                os.makedirs(os.path.dirname(path))
            if write_if_changed(path, text, check_mode=check):
                changed.append(rel)
    return fabrics, changed, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--design", required=True, help="the design file")
    parser.add_argument("--dest", required=True, help="directory of the rendered files")
    parser.add_argument("--unnumbered", action="store_true", help="BGP unnumbered on fabric links (lab, cumulus)")
    parser.add_argument("--host-vlan", type=int, default=1000, help="VLAN of the host subnet (default 1000)")
    parser.add_argument("--backend", default="auto", choices=("auto",) + host_configs.BACKENDS,
                        help="GPU nodes' network stack (default auto: the files of all three)")
    parser.add_argument("--ib-guids", help="YAML file of plan name -> GUID (as ib_fabric_guids) for the SM's GUID files")
    parser.add_argument("--check", action="store_true", help="say what would change, write nothing")
    args = parser.parse_args(argv)
    try:
        guids = {}
        if args.ib_guids:
            with open(args.ib_guids, "r", encoding="utf-8") as handle:
                guids = yaml.safe_load(handle) or {}
        start = time.perf_counter()
        plan = plan_design(args.design).to_dict()
        planned = time.perf_counter()
        rendered = configs.render_plan(plan, options={"unnumbered": args.unnumbered, "host_vlan": args.host_vlan})
        changed = configs.write(rendered, args.dest, check_mode=args.check)
        errors = {}
        backends = host_configs.BACKENDS if args.backend == "auto" else (args.backend,)
        hosts = host_configs.render_plan(plan, backends=backends, errors=errors)
        changed += host_configs.write(hosts, args.dest, check_mode=args.check)
        fabrics, sm_changed, notes = write_sm(plan, args.dest, guids, args.check)
        changed += sm_changed
        done = time.perf_counter()
    except (RefarchError, OSError, yaml.YAMLError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("configs: %d switches, %d GPU nodes, %d subnet managers of %s -> %s; %d files %schanged "
          "(plan %.2f s, render %.2f s)" % (
              len(rendered), len(hosts), len(fabrics), args.design, args.dest, len(changed),
              "would be " if args.check else "", planned - start, done - planned))
    for path in changed:
        print("  %s" % path)
    for note in notes:
        print("note: %s" % note)
    by_reason = {}
    for host, reason in sorted(errors.items()):
        by_reason.setdefault(reason, []).append(host)
    for reason, names in sorted(by_reason.items()):
        print("not rendered (the host_network role fails on them too): %d GPU nodes (%s%s): %s" % (
            len(names), ", ".join(names[:3]), ", ..." if len(names) > 3 else "", reason), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
