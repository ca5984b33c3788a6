#!/usr/bin/env bash
# refarch-links: bring the Linux interfaces of a lab twin switch to what its links.conf says.
# Installed by the refarch.ai_cluster.fabric_switch role as /usr/local/sbin/refarch-links; the
# configuration is rendered by the role (templates/lab/links.conf.j2), this program only applies it.
#
# Usage: refarch-links --check|--apply FILE      (FILE may be /dev/stdin)
#
# Prints one line per difference ("would change: ..." with --check, "changed: ..." with --apply)
# and nothing when the switch already matches, so a caller can report changes honestly.
# Exit status: 0 done, 2 a port of the plan does not exist (is the lab twin up?), 64 bad usage,
# other: a command failed.
#
# Commands: ip-link(8) and ip-address(8) of iproute2; kernel settings through /proc/sys.
set -euo pipefail

mode=${1:-}
conf=${2:-}
case "$mode" in
    --check|--apply) ;;
    *) echo "usage: $0 --check|--apply FILE" >&2; exit 64 ;;
esac
if [ -z "$conf" ]; then
    echo "usage: $0 --check|--apply FILE" >&2
    exit 64
fi

# One statement a line, comments and blank lines dropped (read once: FILE may be a pipe).
mapfile -t lines < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$conf")

note() {  # note WHAT COMMAND...: report a difference and, with --apply, run the fix
    local what=$1
    shift
    if [ "$mode" = --check ]; then
        echo "would change: $what"
    else
        "$@"
        echo "changed: $what"
    fi
}

exists() { [ -e "/sys/class/net/$1" ]; }
mtu_of() { cat "/sys/class/net/$1/mtu"; }
master_of() {
    local m
    m=$(readlink "/sys/class/net/$1/master" 2>/dev/null) || true
    echo "${m##*/}"
}
is_up() { ip -o link show dev "$1" | grep -q -e '<UP[,>]' -e ',UP[,>]'; }
addresses_of() { ip -o -4 addr show dev "$1" scope global | awk '{print $4}'; }

set_sysctl() {  # set_sysctl KEY VALUE
    local path="/proc/sys/${1//.//}"
    if [ "$(cat "$path")" != "$2" ]; then
        note "sysctl $1 = $2" sh -c "echo '$2' > '$path'"
    fi
}

ensure_mtu() {
    if [ "$(mtu_of "$1")" != "$2" ]; then
        note "$1: mtu $2" ip link set dev "$1" mtu "$2"
    fi
}

ensure_up() {
    if ! is_up "$1"; then
        note "$1: up" ip link set dev "$1" up
    fi
}

ensure_master() {  # ensure_master DEV BRIDGE ("" for none)
    local have
    have=$(master_of "$1")
    if [ "$have" = "$2" ]; then
        return
    fi
    if [ -z "$2" ]; then
        note "$1: leave bridge $have" ip link set dev "$1" nomaster
    else
        note "$1: join bridge $2" ip link set dev "$1" master "$2"
    fi
}

ensure_addresses() {  # ensure_addresses DEV [ADDRESS/LEN...]: exactly these IPv4 addresses
    local dev=$1 a have
    shift
    have=" $(addresses_of "$dev" | tr '\n' ' ') "
    for a in "$@"; do
        case "$have" in
            *" $a "*) ;;
            *) note "$dev: add address $a" ip addr add "$a" dev "$dev" ;;
        esac
    done
    for a in $have; do
        case " $* " in
            *" $a "*) ;;
            *) note "$dev: remove address $a" ip addr del "$a" dev "$dev" ;;
        esac
    done
}

# Every planned port must exist before anything changes: the lab twin makes them.
missing=()
for line in "${lines[@]}"; do
    read -r kind name _ <<<"$line"
    if [ "$kind" = port ] && ! exists "$name"; then
        missing+=("$name")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "ports of the plan missing on $(hostname): ${missing[*]} (bring the lab twin up first)" >&2
    exit 2
fi

# Pass 1: kernel settings, loopback, bridges created.
for line in "${lines[@]}"; do
    read -r kind a b _ <<<"$line"
    case "$kind" in
        sysctl) set_sysctl "$a" "$b" ;;
        loopback) ensure_addresses "$a" "$b"; ensure_up "$a" ;;
        bridge)
            if ! exists "$a"; then
                note "$a: create bridge" ip link add name "$a" type bridge
            fi
            ;;
        port) ;;
        *) echo "unknown statement: $line" >&2; exit 64 ;;
    esac
done

# Pass 2: ports (MTU before joining a bridge, so the bridge never drops to a smaller MTU).
for line in "${lines[@]}"; do
    read -r kind name mtu what arg <<<"$line"
    [ "$kind" = port ] || continue
    ensure_mtu "$name" "$mtu"
    if [ "$what" = master ]; then
        if exists "$arg"; then
            ensure_master "$name" "$arg"
        else
            echo "would change: $name: join bridge $arg"
        fi
        ensure_addresses "$name"
    else
        ensure_master "$name" ""
        if [ "$what" = address ]; then
            ensure_addresses "$name" "$arg"
        else
            ensure_addresses "$name"
        fi
    fi
    ensure_up "$name"
done

# Pass 3: bridges (MTU, gateway address, up) once their ports are in.
for line in "${lines[@]}"; do
    read -r kind name mtu address _ <<<"$line"
    [ "$kind" = bridge ] || continue
    exists "$name" || continue   # --check of a bridge still to be created: reported above
    ensure_mtu "$name" "$mtu"
    ensure_addresses "$name" "$address"
    ensure_up "$name"
done
