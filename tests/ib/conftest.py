# -*- coding: utf-8 -*-
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the InfiniBand tests: the collection on sys.path, and ansible-playbook runs.

``make ib`` (mk/ib.mk) runs these tests with ``PYTHONPATH=build/collections``; a bare
``pytest tests/ib`` gets the same here (the symlink farm is made by tests/unit/conftest.py's
logic, repeated).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "refarch", "ai_cluster")
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)

if not os.path.lexists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    try:
        os.symlink(os.path.join("..", "..", "..", ".."), LINK)
    except FileExistsError:
        pass
if sys.path[:1] != [COLLECTIONS]:
    while COLLECTIONS in sys.path:
        sys.path.remove(COLLECTIONS)
    sys.path.insert(0, COLLECTIONS)


def ansible_playbook_path():
    here = os.path.join(REPO, ".venv", "bin", "ansible-playbook")
    if os.path.exists(here):
        return here
    from shutil import which
    return which("ansible-playbook")


class PlaybookRun(object):
    def __init__(self, done):
        self.rc = done.returncode
        self.out = done.stdout + done.stderr
        m = RECAP.search(done.stdout)
        self.ok, self.changed, self.unreachable, self.failed = (
            [int(x) for x in m.groups()] if m else (None, None, None, None))

    def __repr__(self):
        return "rc=%s changed=%s failed=%s\n%s" % (self.rc, self.changed, self.failed, self.out[-6000:])


def run_playbook(playbook, *args, timeout=600):
    """Run ansible-playbook from the repository root (its ansible.cfg finds the collection)."""
    binary = ansible_playbook_path()
    if not binary:
        pytest.skip("ansible-playbook is not installed (make setup)")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(binary) + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["PYTHONPATH"] = COLLECTIONS + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    done = subprocess.run([binary, playbook] + list(args), cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    return PlaybookRun(done)
