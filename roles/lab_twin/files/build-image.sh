#!/usr/bin/env bash
# Copyright: (c) 2026, refarch.ai_cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Build one lab twin image from images/NAME.recipe and import it into podman.
#
#   build-image.sh [--ref|--force] NAME
#
# The image is localhost/refarch-lab-NAME:HASH where HASH is the first 12 hex digits of the
# sha256 of the recipe and this script, so an image is rebuilt only when either changes.
#   (no option)  build unless the tag exists; print "cached REF" or "built REF SECONDS"
#   --ref        only print the image reference; build nothing
#   --force      build even when the tag exists
# Environment: REFARCH_LAB_MIRROR (default http://deb.debian.org/debian),
#              REFARCH_LAB_CACHE (debootstrap package cache, default /var/cache/refarch-lab/debs),
#              TMPDIR (where the root is bootstrapped, removed afterwards).
# Needs root, debootstrap and podman.
set -euo pipefail

mode=build
case "${1:-}" in
  --ref) mode=ref; shift ;;
  --force) mode=force; shift ;;
esac
if [[ $# -ne 1 || ! "$1" =~ ^[a-z0-9][a-z0-9_-]*$ ]]; then
  echo "usage: $0 [--ref|--force] NAME   (NAME: a recipe under images/, e.g. node, switch)" >&2
  exit 2
fi
name=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipe=$here/images/$name.recipe
[[ -r $recipe ]] || { echo "no recipe $recipe" >&2; exit 2; }

hash=$(cat "$recipe" "$here/build-image.sh" | sha256sum | cut -c1-12)
ref=localhost/refarch-lab-$name:$hash
if [[ $mode == ref ]]; then
  echo "$ref"
  exit 0
fi
if [[ $mode == build ]] && podman image exists "$ref"; then
  echo "cached $ref"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "debootstrap and podman import need root" >&2; exit 1; }
# One build of a recipe at a time: a second caller waits, then finds the image cached.
lockdir=${REFARCH_LAB_LOCKDIR:-/run/lock}
mkdir -p "$lockdir"
exec 9>"$lockdir/refarch-lab-$name.lock"
flock 9
if [[ $mode == build ]] && podman image exists "$ref"; then
  echo "cached $ref"
  exit 0
fi

# Parse the recipe.
suite=bookworm
packages=()
runs=()
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%%$'\r'}
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  key=${line%%[[:space:]]*}
  value=${line#"$key"}
  value=${value#"${value%%[![:space:]]*}"}
  case $key in
    suite) suite=$value ;;
    packages) read -r -a more <<<"$value"; packages+=("${more[@]}") ;;
    run) runs+=("$value") ;;
    *) echo "$recipe: unknown directive '$key'" >&2; exit 2 ;;
  esac
done <"$recipe"
include=$(IFS=,; echo "${packages[*]}")

mirror=${REFARCH_LAB_MIRROR:-http://deb.debian.org/debian}
cache=${REFARCH_LAB_CACHE:-/var/cache/refarch-lab/debs}
mkdir -p "$cache"
start=$(date +%s)
root=$(mktemp -d "${TMPDIR:-/var/tmp}/refarch-lab-$name.XXXXXX")
# mktemp makes the root 0700: a package script that runs as its own user (munge's postinst makes
# its key as munge) could not reach /bin/sh inside it.
chmod 755 "$root"
cleanup() {
  # debootstrap may leave /proc and /sys mounted on failure.
  for m in proc sys dev/pts dev; do
    if mountpoint -q "$root/$m" 2>/dev/null; then umount -l "$root/$m" || true; fi
  done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

echo "debootstrap $suite ($name): ${include}" >&2
debootstrap --variant=minbase --cache-dir="$cache" --include="$include" \
  "$suite" "$root" "$mirror" >&2
for cmd in "${runs[@]}"; do
  echo "run: $cmd" >&2
  chroot "$root" /bin/sh -ec "$cmd" >&2
done
# Make the root a clean template: no package lists, no identity of this build.
chroot "$root" apt-get clean >&2
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/tmp/* "$root"/var/tmp/*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

tar --numeric-owner --xattrs -C "$root" -c . | podman import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'STOPSIGNAL=SIGRTMIN+3' \
  --change "LABEL refarch.lab.recipe=$name" \
  --change "LABEL refarch.lab.hash=$hash" \
  --message "refarch lab twin $name ($hash)" \
  - "$ref" >&2
# Drop the older images of this recipe that no container uses (podman rmi refuses those in use).
podman images --noheading --format '{{.Repository}}:{{.Tag}}' "localhost/refarch-lab-$name" 2>/dev/null |
  while read -r old; do
    [[ $old == "$ref" ]] || podman rmi "$old" >/dev/null 2>&1 || true
  done
echo "built $ref $(( $(date +%s) - start ))"
