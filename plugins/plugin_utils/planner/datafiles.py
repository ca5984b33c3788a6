# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the collection's data lives and how it is read.

The catalog, the built-in reference architectures and the design schema are data files at the
collection root (``catalog/``, ``references/``, ``schemas/``), not code, so operators can read and
extend them. The planner runs on the controller only, so the files are found relative to this file.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ansible_collections.refarch.ai_cluster.plugins.module_utils.errors import DesignError

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    HAS_YAML = False

# plugins/plugin_utils/planner/datafiles.py -> the collection root, four levels up.
COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
CATALOG_DIR = os.path.join(COLLECTION_ROOT, "catalog")
REFERENCES_DIR = os.path.join(COLLECTION_ROOT, "references")
SCHEMAS_DIR = os.path.join(COLLECTION_ROOT, "schemas")


def _loader() -> Any:
    if not HAS_YAML:
        raise DesignError("the Python package PyYAML is required to read design and catalog files")
    # The C loader is several times faster on the large user catalogs some sites keep.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str) -> Any:
    """Read one YAML file; a missing or malformed file is a DesignError naming the file."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_loader())  # nosec B506 - safe loader chosen above
    except OSError as exc:
        raise DesignError("cannot read %s: %s" % (path, exc.strerror))
    except yaml.YAMLError as exc:
        raise DesignError("%s is not valid YAML: %s" % (path, str(exc).replace("\n", " ")))


def load_yaml_text(text: str, name: str = "<design>") -> Any:
    try:
        return yaml.load(text, Loader=_loader())  # nosec B506 - safe loader chosen above
    except yaml.YAMLError as exc:
        raise DesignError("%s is not valid YAML: %s" % (name, str(exc).replace("\n", " ")))


def load_json(path: str) -> Any:
    with open(path, "r", encoding="utf-8") as handle:
        return json.load(handle)
