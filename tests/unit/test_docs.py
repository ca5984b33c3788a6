"""The design reference page is generated from the schema: both must say the same thing."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_design_reference_page_is_current():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "schema_doc.py"), "--check"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_schema_field_is_documented():
    import json
    with open(os.path.join(ROOT, "schemas", "design.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    with open(os.path.join(ROOT, "docs", "design-reference.md"), encoding="utf-8") as handle:
        page = handle.read()
    for key in schema["properties"]:
        assert "| `%s`" % key in page
    for key in schema["$defs"]["fabric"]["properties"]:
        assert "`fabrics.<fabric>.%s`" % key in page
