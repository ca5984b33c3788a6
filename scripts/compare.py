"""Plan variants of a design and write them side by side (what `make compare` runs).

  python scripts/compare.py --design inventories/training-pod/design.yml \
      --variants '{"fabrics.compute": [{"kind": "infiniband", "switch": "qm9700"},
                                       {"kind": "roce", "switch": "sn5600"}]}' \
      --dest build/compare/training-pod

Writes compare.md and compare.csv into --dest (only when they change) and prints compare.md.
The work is plugins/plugin_utils/planner/compare.py; docs/compare.md explains every row.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError  # noqa: E402
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import compare  # noqa: E402
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner.datafiles import load_yaml_text  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", required=True, help="the base design file")
    parser.add_argument("--variants", required=True,
                        help="JSON (or YAML) mapping of a dotted design path to the list of values to try")
    parser.add_argument("--dest", required=True, help="directory for compare.md and compare.csv")
    parser.add_argument("--quiet", action="store_true", help="do not print compare.md")
    args = parser.parse_args(argv)
    try:
        axes = load_yaml_text(args.variants, "--variants")
        comparison = compare.compare_design(args.design, axes, shown_as=args.design)
        changed = compare.write_comparison(comparison, args.dest)
    except RefarchError as exc:
        print("compare: %s" % exc, file=sys.stderr)
        return 1
    if not args.quiet:
        print(compare.markdown(comparison))
    print("compare: %d variants of %s -> %s (%s)" % (
        len(comparison.columns), args.design, args.dest,
        "changed: " + ", ".join(changed) if changed else "unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
