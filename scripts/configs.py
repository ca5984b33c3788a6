"""`make configs DESIGN=...`: every Ethernet switch's configuration files of a design, for review
and change tickets, without an inventory of reachable devices.

Plans the design and renders every switch in one pass (plugins/plugin_utils/render/configs.py),
the same files the fabric_switch role applies, into DEST/<switch>/.
"""

from __future__ import annotations

import argparse
import sys
import time

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.plan import plan_design
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.render import configs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--design", required=True, help="the design file")
    parser.add_argument("--dest", required=True, help="directory of the rendered files")
    parser.add_argument("--unnumbered", action="store_true", help="BGP unnumbered on fabric links (lab, cumulus)")
    parser.add_argument("--host-vlan", type=int, default=1000, help="VLAN of the host subnet (default 1000)")
    parser.add_argument("--check", action="store_true", help="say what would change, write nothing")
    args = parser.parse_args(argv)
    try:
        start = time.perf_counter()
        plan = plan_design(args.design).to_dict()
        planned = time.perf_counter()
        rendered = configs.render_plan(plan, options={"unnumbered": args.unnumbered, "host_vlan": args.host_vlan})
        changed = configs.write(rendered, args.dest, check_mode=args.check)
        done = time.perf_counter()
    except RefarchError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("configs: %d switches of %s -> %s; %d files %schanged (plan %.2f s, render %.2f s)" % (
        len(rendered), args.design, args.dest, len(changed), "would be " if args.check else "",
        planned - start, done - planned))
    for path in changed:
        print("  %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
