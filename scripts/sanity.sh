#!/usr/bin/env bash
# Run `ansible-test sanity` on this collection, offline, with no ignore file.
#
# Usage: scripts/sanity.sh [extra ansible-test sanity args, e.g. --test pep8]
# Expects the tools from scripts/setup.sh (.venv); `make sanity` ensures that.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY_VERSION="${SANITY_PYTHON:-3.11}"
VENV="${VENV:-$ROOT/.venv}"
export PATH="$VENV/bin:$PATH"

# 1. Stage a copy at .../ansible_collections/refarch/ai_cluster/.
# Why: ansible-test only works when the collection sits under a path of that
# shape, and the repo root is the collection itself. A symlink is not enough
# (ansible-test resolves it back to the real path). We copy exactly what git
# would ship -- tracked plus untracked-but-not-ignored files -- so .venv/,
# build/ and other local junk never reach the sanity tests, while new files
# that are not committed yet are still checked. The copy is rebuilt each time
# so files deleted from the work tree do not linger -- except tests/output/,
# which holds ansible-test's delegation venv (tests/output/.tmp/delegation):
# keeping it saves ~20 s of pip installs per run.
STAGE="$ROOT/build/ansible-test/ansible_collections/refarch/ai_cluster"
KEEP="$ROOT/build/ansible-test/output.keep"
rm -rf "$KEEP"
if [ -d "$STAGE/tests/output" ]; then
    mv "$STAGE/tests/output" "$KEEP"
fi
rm -rf "$STAGE"
mkdir -p "$STAGE/tests"
if [ -d "$KEEP" ]; then
    mv "$KEEP" "$STAGE/tests/output"
fi
# -c lists tracked files even when deleted from the work tree: keep existing ones.
git ls-files -z -co --exclude-standard \
    | while IFS= read -r -d '' f; do
          if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
      done \
    | rsync -a --from0 --files-from=- ./ "$STAGE/"

# 2. A throwaway git repo at the staged collection root.
# Why: ansible-test picks its file list from the nearest .git walking UP from
# the collection root; without one it would find this checkout's own .git,
# where build/ is ignored, and skip every target. With a repo of its own (no
# commit needed: ansible-test lists cached + untracked, non-ignored files)
# it sees exactly the staged files, and our .gitignore keeps tests/output out.
git -C "$STAGE" init -q

# 3. Offline stand-in for pip's bootstrap script.
# Why: ansible-test bootstraps pip into the venvs it creates by downloading
# get-pip-<ver>.py from ci-files.testing.ansible.com, which is unreachable
# here; it uses ~/.ansible/test/cache/get_pip_<ver>.py instead when present.
# Our stand-in uses the interpreter's bundled ensurepip, then lets pip (which
# reaches PyPI) install the exact pip version ansible-test asked for. The
# --no-setuptools/--no-wheel flags are get-pip.py-only options, so drop them.
# The pip version (24.2 for ansible-core 2.19) is read from ansible-test so a
# core upgrade does not silently bring back the download.
PIP_VER="$(python - <<'PY'
import ast, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
tree = ast.parse(src.read_text())
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "dict":
        for kw in node.keywords:
            if kw.arg == "pip" and isinstance(kw.value, ast.Constant):
                print(kw.value.value)
                raise SystemExit
raise SystemExit("cannot find ansible-test's pip version")
PY
)"
GET_PIP="$HOME/.ansible/test/cache/get_pip_${PIP_VER//./_}.py"
if [ ! -s "$GET_PIP" ]; then
    mkdir -p "$(dirname "$GET_PIP")"
    cat >"$GET_PIP" <<'PY'
"""Offline stand-in for get-pip.py (written by refarch.ai_cluster scripts/sanity.sh)."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PY
fi

# 4. Run the sanity tests.
# --venv: ansible-test builds its own venvs (under ~/.ansible/test/venv) with
#   the exact linters it pins (pylint, mypy, ...); our .venv stays untouched,
#   and the venvs are reused on later runs (first run ~1-2 min, then seconds).
# --python: only the controller Python we have; other versions are skipped.
# No tests/sanity/ignore-*.txt: every finding must be fixed, not ignored.
cd "$STAGE"
exec ansible-test sanity --venv --python "$PY_VERSION" --color no "$@"
