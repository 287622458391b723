#!/bin/bash
# SPDX-License-Identifier: MIT
#
# rootfs.sh: prints the folder of a pristine Debian root tree for the e2e
# guest, making it with debootstrap into the cache when it is not there:
# `debootstrap --variant=minbase SUITE` plus what a real guest has (systemd
# as init, udev, kmod, util-linux). Keyed by suite, variant and package
# list; the two entries used last are kept (e2e_evict). The
# tree is never changed after it is made: run.sh copies it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

suite=${E2E_SUITE:-bookworm}
variant=minbase
include=${E2E_INCLUDE:-systemd-sysv,udev,kmod,util-linux,mount,procps}

# Bump when the steps below change what the tree holds (comments do not).
recipe=1
key=$(e2e_key "$suite" "$variant" "$include" amd64 "$recipe")
out="$E2E_CACHE/root/${suite}_$key"

e2e_lock_cache
if [ -e "$out/.complete" ]; then
	touch "$out/.complete"
	echo "$out/tree"
	exit 0
fi
[ "$(id -u)" = 0 ] || e2e_die "debootstrap needs root (the root tree is not in $E2E_CACHE yet)"
command -v debootstrap >/dev/null || e2e_die "debootstrap: missing (apt-get install debootstrap)"

# The mirror is the one apt already uses on this machine for SUITE, so the
# rig reaches nothing that apt does not.
# shellcheck disable=SC2016 # $(...) is apt's format, not the shell's
mirror=${E2E_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN)' \
	'Identifier: Packages' 2>/dev/null | awk -v s="$suite" '$2 == s && $3 == "Debian" { print $1; exit }')}
[ -n "$mirror" ] || e2e_die "no Debian '$suite' source in apt's configuration: set E2E_MIRROR=URL"

t=$(e2e_now)
tmp="$E2E_CACHE/root/.tmp.$$"
rm -rf "$tmp"
# debootstrap mounts /proc and /sys in the tree: a killed run leaves them.
cleanup() {
	awk -v p="$tmp/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp"
e2e_log "debootstrap --variant=$variant --include=$include $suite (first run only)"
if ! debootstrap --variant="$variant" --include="$include" --arch=amd64 \
	"$suite" "$tmp/tree" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
	tail -n 20 "$tmp/debootstrap.log" >&2
	[ -f "$tmp/tree/debootstrap/debootstrap.log" ] && tail -n 20 "$tmp/tree/debootstrap/debootstrap.log" >&2
	e2e_die "debootstrap $suite failed (log above)"
fi
# The downloaded packages are installed; keeping them would double the cache.
rm -f "$tmp/tree/var/cache/apt/archives/"*.deb
rm -rf "$out"
touch "$tmp/.complete"
mv "$tmp" "$out"
trap - EXIT
e2e_evict "$E2E_CACHE/root"
e2e_log "root tree $suite: debootstrap took $(e2e_since "$t") s ($(du -sm "$out/tree" | cut -f1) MB)"
echo "$out/tree"
