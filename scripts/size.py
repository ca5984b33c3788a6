"""Size a workload file on every catalog server and write the recommendation (what `make size` runs).

  python scripts/size.py --workloads workloads/examples/enterprise-inference.yml \
      --dest build/size/enterprise-inference

Writes sizing.md, sizing.json and a design file per candidate into --dest (only when they change)
and prints sizing.md. The work is plugins/plugin_utils/planner/sizing.py; docs/sizing.md explains
every number.

  python scripts/size.py --update-doc docs/sizing.md

Refreshes the worked examples' tables in docs/sizing.md: every block between
``<!-- make size: WORKLOADS SECTION -->`` and ``<!-- end -->`` (SECTION: recommendation,
inference SERVER or training SERVER) becomes what the tool writes today.
"""

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import RefarchError  # noqa: E402
from ansible_collections.refarch.ai_cluster.plugins.plugin_utils.planner import sizing, sizing_report  # noqa: E402


BLOCK = re.compile(r"(<!-- make size: (\S+) ([^>]+?) -->\n)(.*?)(<!-- end -->)", re.S)


def update_doc(path):
    """Replace every marked table of ``path`` with the tool's output; return the sections changed."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    results = {}
    changed = []

    def table(match):
        workloads, section = match.group(2), match.group(3)
        if workloads not in results:
            results[workloads] = sizing.size_workloads(os.path.join(ROOT, workloads), shown_as=workloads)
        new = "\n" + sizing_report.section_table(results[workloads], section) + "\n\n"
        if new != match.group(4):
            changed.append("%s %s" % (workloads, section))
        return match.group(1) + new + match.group(5)

    text = BLOCK.sub(table, text)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", help="the workload file")
    parser.add_argument("--dest", help="directory for sizing.md, sizing.json and the designs")
    parser.add_argument("--quiet", action="store_true", help="do not print sizing.md")
    parser.add_argument("--update-doc", metavar="DOC", help="refresh the worked examples' tables of DOC")
    args = parser.parse_args(argv)
    if args.update_doc:
        try:
            changed = update_doc(args.update_doc)
        except RefarchError as exc:
            print("size: %s" % exc, file=sys.stderr)
            return 1
        print("size: %s: %s" % (args.update_doc, "updated " + "; ".join(changed) if changed else "up to date"))
        return 0
    if not args.workloads or not args.dest:
        parser.error("--workloads and --dest are required (or --update-doc)")
    try:
        result = sizing.size_workloads(args.workloads, shown_as=args.workloads)
        changed = sizing_report.write_sizing(result, args.dest)
    except RefarchError as exc:
        print("size: %s" % exc, file=sys.stderr)
        return 1
    if not args.quiet:
        print(sizing_report.markdown(result))
    print("size: %d candidates for %s -> %s (%s)" % (
        len(result.recommended), args.workloads, args.dest,
        "changed: " + ", ".join(changed) if changed else "unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
