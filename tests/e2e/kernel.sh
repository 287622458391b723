#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel.sh: prints the folder holding the guest kernel for the e2e rig,
# building it into the cache when it is not there yet:
#   vmlinuz      Debian's linux-image-*-amd64 kernel, never installed on the host
#   vmlinux      the same uncompressed (ELF, PVH entry), which boots faster
#   initrd.img   a busybox initramfs that loads the virtio disk and ext4
#                modules, mounts root= and switch_roots into its /sbin/init
#   modules/     lib/modules/<kver>/ with the modules a real guest needs for
#                its disk and CD (copied into the root image; udev loads them)
#   kver         the kernel release
# Keyed by the kernel package's version and by this recipe; the two entries
# used last are kept (e2e_evict). The .deb is kept beside them
# (debs/), so a recipe change does not download it again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

# What the initramfs loads to reach the root, and what the root gets for
# udev: the CD (ata_piix on the pc machine, ahci on q35, virtio_scsi), isofs,
# loop for ISO files, autofs4 that systemd asks for.
INITRD_MODULES="virtio_pci virtio_blk crc32c_intel ext4"
ROOT_MODULES="$INITRD_MODULES cdrom sr_mod isofs ata_piix ata_generic ahci virtio_scsi
	sd_mod loop autofs4"

meta=${E2E_KERNEL_META:-linux-image-amd64}
# The metapackage names the versioned package, which names the version.
pkg=${E2E_KERNEL_PKG:-$(e2e_apt_show "$meta" |
	sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*\).*/\1/p' | head -n 1)}
[ -n "$pkg" ] || e2e_die "$meta: cannot tell which linux-image package it depends on"
ver=$(e2e_apt_show "$pkg" | awk '/^Version:/ { print $2; exit }')
busybox=${E2E_BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || e2e_die "$busybox: missing (apt-get install busybox-static)"
file "$busybox" | grep -q 'statically linked' ||
	e2e_die "$busybox: not a static busybox (apt-get install busybox-static)"

# Bump when the steps below change what the entry holds (comments do not).
recipe=3
key=$(e2e_key "$pkg" "$ver" "$INITRD_MODULES" "$ROOT_MODULES" "$recipe" \
	"$(cat "$here/initramfs-init" "$busybox" | sha256sum)")
name="${pkg}_${ver}_$key"
out="$E2E_CACHE/kernel/$name"

e2e_lock_cache
if [ -e "$out/.complete" ]; then
	touch "$out/.complete"
	echo "$out"
	exit 0
fi

mkdir -p "$E2E_CACHE/debs" "$E2E_CACHE/kernel"
# apt-get download's file name: an epoch's colon is written %3a.
deb="$E2E_CACHE/debs/${pkg}_${ver//:/%3a}_amd64.deb"
if [ ! -s "$deb" ]; then
	t=$(e2e_now)
	# apt-get download writes into the current folder; the _apt user may not
	# reach it, which only costs a warning.
	rc=0
	log=$(cd "$E2E_CACHE/debs" && apt-get download -q "$pkg=$ver" 2>&1) || rc=$?
	printf '%s\n' "$log" | grep -v '^W: Download is performed unsandboxed' >&2 || true
	if [ $rc -ne 0 ]; then
		# Old package lists name a version the archive no longer has.
		[ -z "${E2E_KERNEL_RETRY:-}" ] || e2e_die "$pkg=$ver: apt-get download failed"
		e2e_log "$pkg=$ver: apt-get download failed: updating apt's lists, starting again"
		apt-get update -q >/dev/null 2>&1 || true
		exec env E2E_KERNEL_RETRY=1 "$0"
	fi
	[ -s "$deb" ] || e2e_die "apt-get download left no $deb"
	e2e_log "downloaded $(basename "$deb") ($(du -m "$deb" | cut -f1) MB) in $(e2e_since "$t") s"
	# Older versions of the same kernel are of no further use.
	for old in "$E2E_CACHE/debs/linux-image-"*.deb; do
		[ "$old" = "$deb" ] || rm -f "$old"
	done
fi

t=$(e2e_now)
tmp="$E2E_CACHE/kernel/.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/x" "$tmp/initrd"
dpkg-deb -x "$deb" "$tmp/x"
kver=$(ls "$tmp/x/lib/modules")
[ "$(echo "$kver" | wc -w)" = 1 ] || e2e_die "$deb: expected one lib/modules/<kver>, found: $kver"
cp "$tmp/x/boot/vmlinuz-$kver" "$tmp/vmlinuz"
cp "$tmp/x/boot/config-$kver" "$tmp/config"
# The uncompressed kernel, booted through its PVH entry, reaches user space in
# ~2.5 s under TCG instead of ~7 s (the decompressor is slow when emulated).
# Debian compresses with xz (CONFIG_KERNEL_XZ); without it, boot vmlinuz.
python3 - "$tmp/vmlinuz" "$tmp/vmlinux" <<'PY' || { rm -f "$tmp/vmlinux"; e2e_log "no vmlinux: booting vmlinuz"; }
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit(1)
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
if elf[:4] != b"\x7fELF":
    sys.exit(1)
open(sys.argv[2], "wb").write(elf)
PY
depmod -b "$tmp/x" "$kver"

# modprobe --show-depends gives each module after what it needs; builtins
# print "builtin NAME" and need nothing.
deps() {
	local m
	for m in "$@"; do
		modprobe -d "$tmp/x" -S "$kver" --show-depends "$m" ||
			e2e_die "$m: no such module in $kver"
	done | awk '$1 == "insmod" { print $2 }' | sed "s|^$tmp/x/||" | awk '!seen[$0]++'
}

# The root's subset: the files, then depmod over just those.
mkdir -p "$tmp/modules/lib/modules/$kver"
# shellcheck disable=SC2086 # the lists are words
for f in $(deps $ROOT_MODULES); do
	mkdir -p "$tmp/modules/$(dirname "$f")"
	cp "$tmp/x/$f" "$tmp/modules/$f"
done
cp "$tmp/x/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$tmp/modules/lib/modules/$kver/"
depmod -b "$tmp/modules" "$kver"

# The initramfs: busybox, the disk modules in load order, and the init.
ir="$tmp/initrd"
mkdir -p "$ir/bin" "$ir/dev" "$ir/proc" "$ir/sys" "$ir/newroot" "$ir/lib/modules"
cp "$busybox" "$ir/bin/busybox"
for a in sh mount umount insmod switch_root sleep mkdir cat echo ls poweroff; do
	ln -s busybox "$ir/bin/$a"
done
: >"$ir/lib/modules/load"
# shellcheck disable=SC2086
for f in $(deps $INITRD_MODULES); do
	cp "$tmp/x/$f" "$ir/lib/modules/"
	basename "$f" >>"$ir/lib/modules/load"
done
install -m 0755 "$here/initramfs-init" "$ir/init"
# rdinit=/probe: says it ran and powers off; run.sh uses it to learn whether
# KVM really runs a guest here before trusting it.
printf '#!/bin/sh\necho GT-PROBE-OK\npoweroff -f\n' >"$ir/probe"
chmod 0755 "$ir/probe"
(cd "$ir" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$tmp/initrd.img"
echo "$kver" >"$tmp/kver"
echo "$pkg $ver" >"$tmp/package"
rm -rf "$tmp/x" "$tmp/initrd"

rm -rf "$out"
touch "$tmp/.complete"
mv "$tmp" "$out"
trap - EXIT
e2e_evict "$E2E_CACHE/kernel"
e2e_log "kernel $kver: extracted, modules and initramfs built in $(e2e_since "$t") s"
echo "$out"
