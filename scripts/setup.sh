#!/usr/bin/env bash
# Bootstrap everything the collection's build, tests and lab need on a fresh
# Debian 12 machine (run as root; CI runs it through `make setup`).
#
# Idempotent and quiet: every step first checks whether it is already done, so
# a second run takes a second or two and prints nothing. Output of the slow
# steps goes to a log that is shown only when a step fails.
#
# Environment knobs:
#   PYTHON  interpreter for the venv (default: python3, 3.11 on this image;
#           ansible-core 2.19 is the newest series that runs on 3.11)
#   VENV    venv location (default: <repo>/.venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$ROOT/.venv}"
REQS="$ROOT/requirements-dev.txt"

LOG="$(mktemp -t refarch-setup.XXXXXX.log)"
trap 'rm -f "$LOG"' EXIT

# run CMD...: run quietly; on failure show the tail of the log and stop.
run() {
    if ! "$@" >>"$LOG" 2>&1; then
        echo "setup.sh: FAILED: $*" >&2
        tail -n 80 "$LOG" >&2
        exit 1
    fi
}

# Use sudo only when not root (CI and this image run as root).
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# --- 1. Debian packages ------------------------------------------------------
# podman + runc: lab hosts are systemd containers (crun fails on this kernel's
#   hybrid cgroups, hence runc). debootstrap: builds the lab base image locally,
#   since no image registry is reachable. frr, lldpd, iproute2: the simulated
#   Ethernet fabric in network namespaces. ibsim-utils, opensm,
#   infiniband-diags: the simulated InfiniBand fabric. rsync, git: used by
#   scripts/sanity.sh to stage the collection for ansible-test. shellcheck:
#   ansible-test sanity skips its shellcheck test (with a warning) without it.
#   chromium: the report page (index.html) is opened headless and looked at
#   (tests/unit/render/test_report_in_chromium.py).
APT_PACKAGES=(podman runc debootstrap frr lldpd iproute2 ibsim-utils opensm
              infiniband-diags rsync git shellcheck chromium)
# The venv module may be missing from Debian's own python3 (it lives in
# python3-venv there); pyenv/CPython builds have it built in.
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-venv)
fi

# dpkg-query is fast and offline, so a second run never touches the network.
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup.sh: installing Debian packages: ${missing[*]}"
    # update only when we actually install: a fresh machine may have no lists.
    run $SUDO apt-get update -q
    run $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# --- 2. Podman engine settings -------------------------------------------------
# Two settings make rootful podman work on this kernel (see shared notes):
#   [engine] runtime = "runc"        crun fails: "cgroups in hybrid mode not supported"
#   [containers] default_ulimits = [] default ulimits fail: setrlimit EPERM
# Edit /etc/containers/containers.conf in place, key by key, so other settings
# (from the admin or other tools) are kept.
CONF=/etc/containers/containers.conf
if ! "$PYTHON" - "$CONF" --check <<'PY' >/dev/null 2>&1
import sys, tomllib
try:
    with open(sys.argv[1], "rb") as fh:
        conf = tomllib.load(fh)
except FileNotFoundError:
    sys.exit(1)
ok = (conf.get("engine", {}).get("runtime") == "runc"
      and conf.get("containers", {}).get("default_ulimits") == [])
sys.exit(0 if ok else 1)
PY
then
    echo "setup.sh: setting runtime=runc and default_ulimits=[] in $CONF"
    run $SUDO mkdir -p /etc/containers
    run $SUDO "$PYTHON" - "$CONF" <<'PY'
import os, re, sys, tomllib
path = sys.argv[1]
wanted = {"engine": {"runtime": '"runc"'}, "containers": {"default_ulimits": "[]"}}
lines = open(path).read().splitlines() if os.path.exists(path) else []
for section, keys in wanted.items():
    for key, value in keys.items():
        new = f"{key} = {value}"
        # locate the [section] header and the end of that section
        start = next((i for i, l in enumerate(lines) if l.strip() == f"[{section}]"), None)
        if start is None:
            lines += ["", f"[{section}]", new]
            continue
        end = next((i for i in range(start + 1, len(lines))
                    if re.match(r"\s*\[", lines[i])), len(lines))
        # replace an existing (uncommented) setting, else add it under the header.
        hit = next((i for i in range(start + 1, end)
                    if re.match(rf"\s*{key}\s*=", lines[i])), None)
        if hit is None:
            lines.insert(start + 1, new)
            continue
        # an array value may span lines: drop them up to its closing bracket
        stop, depth = hit, 0
        while True:
            depth += lines[stop].count("[") - lines[stop].count("]")
            if depth <= 0 or stop + 1 >= end:
                break
            stop += 1
        lines[hit:stop + 1] = [new]
text = "\n".join(lines).lstrip("\n") + "\n"
tomllib.loads(text)  # never write a file podman could not read
with open(path, "w") as fh:
    fh.write(text)
PY
fi

# --- 2b. Kernel limits for the lab twin -----------------------------------------
# Each systemd container of the twin holds about 7 inotify instances; the default of 128 per
# user stops a second twin (Molecule scenarios) from booting its containers.
if [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)" -lt 1024 ]; then
    run $SUDO sysctl -q -w fs.inotify.max_user_instances=1024
fi

# --- 3. Python virtual environment ------------------------------------------
# All Python tools (ansible, ansible-lint, molecule, pytest, ...) live in .venv
# so the system Python stays untouched. Recreate it if it is missing or broken
# (e.g. its base interpreter went away).
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "setup.sh: $PYTHON is older than 3.11; set PYTHON=..." >&2; exit 1; }
    echo "setup.sh: creating $VENV"
    rm -rf "$VENV"
    run "$PYTHON" -m venv "$VENV"
fi

# Reinstall requirements only when requirements-dev.txt (or the interpreter)
# changed: the hash of both is kept in a stamp inside the venv.
want_hash="$( { cat "$REQS" "$ROOT/requirements.txt"; "$VENV/bin/python" -VV; } | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.requirements-dev.sha256"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want_hash" ]; then
    echo "setup.sh: installing Python requirements into $VENV"
    run "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQS"
    echo "$want_hash" >"$stamp"
fi

# --- 4. Collection lookup path ----------------------------------------------
# Ansible finds collections only under <path>/ansible_collections/NS/NAME.
# The repo root IS the collection, so a symlink farm under build/ gives it that
# shape without moving anything; ansible.cfg lists build/collections in
# collections_path. The link is relative so the checkout can live anywhere.
LINK="$ROOT/build/collections/ansible_collections/refarch/ai_cluster"
if [ "$(readlink "$LINK" 2>/dev/null || true)" != "../../../.." ]; then
    mkdir -p "$(dirname "$LINK")"
    ln -sfn ../../../.. "$LINK"
fi

# Stamp for the Makefile: tool-using targets depend on it.
touch "$VENV/.setup.stamp"
