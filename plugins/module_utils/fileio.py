# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the collection writes a file: atomically, and only when its content changes.

Plan artifacts, validation reports and the twins' state files are read by other tools while a run
goes on (and by the next run to decide what changed), so a reader must never see half a file, and
an unchanged file must keep its modification time so that a second run reports nothing changed.
Plain standard library: the twin modules (module_utils) and the controller's code both use it.
"""

from __future__ import annotations

import filecmp
import os
import tempfile
from typing import IO, Callable


def write_if_changed(path: str, content: str | Callable[[IO[str]], object], check_mode: bool = False,
                     mode: int = 0o644) -> bool:
    """Write ``content`` to ``path`` through a temporary file and a rename, unless the file already
    holds exactly that; return True when it changed (or, in check mode, would change).

    ``content`` is the text, or a callable that writes it to the open handle it is given (so large
    files are streamed, never held twice in memory). The directory must exist. Nothing is left
    behind on failure or in check mode.
    """
    directory = os.path.dirname(os.path.abspath(path))
    tmp: str | None
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if callable(content):
                content(handle)
            else:
                handle.write(content)
        same = os.path.exists(path) and filecmp.cmp(tmp, path, shallow=False)
        if same or check_mode:
            return not same
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
        return True
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
