# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``import ansible_collections.refarch.ai_cluster...`` resolve to this checkout.

``make units`` puts ``build/collections`` on PYTHONPATH; a bare ``pytest`` run (an IDE, a
developer) gets the same here. The symlink farm
``build/collections/ansible_collections/refarch/ai_cluster -> ../../../..`` is created when
missing (``make clean`` removes it).
"""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "refarch", "ai_cluster")


def _ensure_link():
    if os.path.lexists(LINK):
        return
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    try:
        os.symlink(os.path.join("..", "..", "..", ".."), LINK)
    except FileExistsError:  # another worker (pytest-xdist) made it first
        pass


_ensure_link()
if sys.path[:1] != [COLLECTIONS]:
    while COLLECTIONS in sys.path:
        sys.path.remove(COLLECTIONS)
    sys.path.insert(0, COLLECTIONS)
