# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The validation report for people: text lines for the play's output and Markdown for ``validation.md``.

``compare()`` returns the report as data (``validation.json``); this module only lays it out, so
that the text an operator reads and the JSON a tool reads cannot say different things. It also
reads the plan's catalog entries into the few facts about server models that the GPU checks compare with.
"""

from __future__ import annotations


def models_from_plan(plan: dict) -> dict:
    """{server model: {vendor, gpu_model, gpu_count, gpu_memory_gib}} from the plan's catalog entries
    (``plan.json``'s ``catalog``): what the GPU checks expect, as planned."""
    out = {}
    for model, entry in ((plan.get("catalog") or {}).get("servers") or {}).items():
        gpus = entry.get("gpus") or {}
        out[model] = {"vendor": entry.get("vendor"), "gpu_model": str(gpus.get("model", "")),
                      "gpu_count": int(gpus.get("count", 0)), "gpu_memory_gib": float(gpus.get("memory_gib", 0))}
    return out


def _cell(value):
    """A value as one Markdown table cell (no pipe, no newline)."""
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def summary_lines(report: dict) -> list:
    """The report as text lines: the verdict with its counts, what was checked, then one line per finding."""
    c = report["counts"]
    head = "validation of %s: %s - %d error(s), %d warning(s), %d info" % (
        report.get("plan"), "PASSED" if report["passed"] else "FAILED", c["error"], c["warning"], c["info"])
    checked = report.get("checked") or {}
    lines = [head, "checked: " + ", ".join("%s %s" % (v, k) for k, v in checked.items())]
    for item in report["findings"]:
        lines.append(finding_line(item))
    return lines


def finding_line(item: dict) -> str:
    """One finding on one line: severity, check, where, message, fix and the symptoms it explains."""
    where = item["device"] or "-"
    if item.get("port"):
        where += " " + item["port"]
    line = "%-7s %-12s %s: %s" % (item["severity"].upper(), item["check"], where, item["message"])
    if item.get("fix"):
        line += " -> fix: " + item["fix"]
    if item.get("explains"):
        more = "; ".join(item["explains"][:3]) + ("; ..." if len(item["explains"]) > 3 else "")
        line += " (explains %d more: %s)" % (len(item["explains"]), more)
    return line


def render_markdown(report: dict, generated: str | None = None) -> str:
    """The report as Markdown (``validation.md``): the verdict, what was checked and a table of findings."""
    c = report["counts"]
    out = ["# Validation of %s" % report.get("plan"), ""]
    out.append("**%s**: %d error(s), %d warning(s), %d info." % (
        "PASSED" if report["passed"] else "FAILED", c["error"], c["warning"], c["info"]))
    if generated:
        out.append("Generated %s." % generated)
    out += ["", "Checked: " + ", ".join("%s %s" % (v, k.replace("_", " ")) for k, v in (report.get("checked") or {}).items())
            + ".", ""]
    out += ["| Severity | Check | Device | Port | Finding | Fix |", "|---|---|---|---|---|---|"]
    for item in report["findings"]:
        msg = item["message"]
        if item.get("explains"):
            msg += " (explains: %s)" % "; ".join(item["explains"])
        out.append("| %s | %s | %s | %s | %s | %s |" % tuple(_cell(v) for v in (
            item["severity"], item["check"], item["device"], item.get("port"), msg, item.get("fix"))))
    if not report["findings"]:
        out.append("| - | - | - | - | no findings | - |")
    out.append("")
    return "\n".join(out)
