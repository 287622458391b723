#!/bin/bash
# SPDX-License-Identifier: MIT
#
# pvroot.sh [--no-grub]: prints the folder of a pristine root tree for the
# pv-to-hvm scenarios (docs/e2e.md), making it into the cache when it is not
# there. The tree is a Debian guest laid out the way a Xen PV guest is:
# Debian's own kernel (linux-image-amd64) and its initramfs in /boot,
# initramfs-tools, grub-pc installed as a package but never run
# (grub-install is for prepare-hvm to run), a /boot/grub/grub.cfg that pygrub
# could read, the console on hvc0 only (console=hvc0 on the command line, a
# getty on hvc0, none on tty1 or ttyS0), fstab and root= by UUID. The disk
# itself (partition table, no boot code) is assembled by run.sh (pvdisk in
# run.sh) from this tree with mke2fs -d: nothing here boots or mounts.
# --no-grub: the same with every grub package purged (what prepare-hvm
# cannot fix offline), made from the grub-pc tree.
#
# The folder holds tree/, kver (the kernel release) and uuid (the root file
# system's UUID that grub.cfg and fstab name; run.sh gives it to mke2fs -U).
# Keyed by the rig's root tree (rootfs.sh), the package list and the recipe;
# the two entries used last are kept (e2e_evict).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

grub=1
[ "${1:-}" = --no-grub ] && grub=0

# linux-image-amd64 pulls initramfs-tools; e2fsprogs gives the initramfs its
# fsck.ext4; grub-pc the BIOS boot loader (grub-install and its i386-pc
# modules) prepare-hvm installs with.
packages="linux-image-amd64 initramfs-tools e2fsprogs grub-pc"
# --no-grub purges these from a copy of the grub-pc tree.
grub_packages="grub-pc grub-pc-bin grub2-common grub-common"
# The root file system's UUID: fixed, so that grub.cfg and fstab can name it
# before the file system exists.
uuid=6f1c3a52-5d0e-4b8c-9a57-3e2f1d0c8b41

# Bump when the steps below change what the tree holds (comments do not).
recipe=4
if [ $grub = 0 ]; then
	src=$("$here/pvroot.sh") || e2e_die "preparing the grub-pc PV-layout tree (pvroot.sh)"
	key=$(e2e_key "$(basename "$src")" "$grub_packages" "$recipe")
	out="$E2E_CACHE/pvroot/nogrub_$key"
else
	base=$("$here/rootfs.sh") || e2e_die "preparing the base root tree (rootfs.sh)"
	key=$(e2e_key "$(basename "$(dirname "$base")")" "$packages" "$uuid" "$recipe")
	out="$E2E_CACHE/pvroot/grub_$key"
fi

e2e_lock_cache
if [ -e "$out/.complete" ]; then
	touch "$out/.complete"
	echo "$out"
	exit 0
fi
[ "$(id -u)" = 0 ] || e2e_die "chroot and apt-get need root (the PV-layout tree is not in $E2E_CACHE yet)"

t=$(e2e_now)
tmp="$E2E_CACHE/pvroot/.tmp.$$"
tree=$tmp/tree
cleanup() {
	awk -v p="$tmp/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
rm -rf "$tmp"
mkdir -p "$tmp"
mount_tree() {
	mount --bind /proc "$tree/proc"
	mount --bind /sys "$tree/sys"
	mount --bind /dev "$tree/dev"
}
umount_tree() {
	awk -v p="$tree/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount "$m"; done
}
in_tree() { chroot "$tree" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

if [ $grub = 0 ]; then
	cp -a "$src/tree" "$tree"
	mount_tree
	# shellcheck disable=SC2086 # a word list
	in_tree dpkg --purge $grub_packages >"$tmp/purge.log" 2>&1 || {
		cat "$tmp/purge.log" >&2
		e2e_die "dpkg --purge $grub_packages in the PV-layout tree failed (log above)"
	}
	umount_tree
	# The purge takes grub.cfg with it (grub-common's postrm); pygrub still
	# needs it: the PV guest boots from it.
	mkdir -p "$tree/boot/grub"
	cp "$src/tree/boot/grub/grub.cfg" "$tree/boot/grub/grub.cfg"
	! ls "$tree/usr/sbin/grub-install" "$tree/usr/lib/grub/i386-pc" >/dev/null 2>&1 ||
		e2e_die "pvroot: grub is still in the tree after the purge"
	cp "$src/kver" "$src/uuid" "$tmp/"
	rm -rf "$out"
	touch "$tmp/.complete"
	mv "$tmp" "$out"
	trap - EXIT
	e2e_evict "$E2E_CACHE/pvroot"
	e2e_log "pvroot (grub purged): $(e2e_since "$t") s"
	echo "$out"
	exit 0
fi

cp -a "$base/." "$tree/"

# The same archive apt uses on this host: the suite, its updates and its
# security archive (where the current kernel is), main only.
# shellcheck disable=SC2016 # $(...) is apt's format, not the shell's
apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN)' 'Identifier: Packages' 2>/dev/null |
	awk '$3 == "Debian" && $2 ~ /^bookworm/ && !seen[$1 " " $2]++ { print "deb " $1 " " $2 " main" }' \
		>"$tree/etc/apt/sources.list"
[ -s "$tree/etc/apt/sources.list" ] || e2e_die "no Debian bookworm source in apt's configuration"
# Small: no documentation, manuals or translations; no kernel modules for
# hardware a virtual machine never has (what the HVM boot needs, the disk,
# CD, Xen and virtio drivers, stays). dpkg sees the modules under /lib.
mkdir -p "$tree/etc/dpkg/dpkg.cfg.d"
{
	echo 'path-exclude=/usr/share/doc/*'
	echo 'path-include=/usr/share/doc/*/copyright'
	echo 'path-exclude=/usr/share/man/*'
	echo 'path-exclude=/usr/share/locale/*'
	for d in drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet \
		drivers/infiniband drivers/staging drivers/iio drivers/bluetooth drivers/isdn \
		drivers/usb drivers/hid drivers/mtd drivers/hwmon drivers/platform drivers/power \
		drivers/nfc drivers/mfd drivers/leds drivers/thunderbolt drivers/firewire \
		drivers/input drivers/misc drivers/w1 drivers/net/can drivers/net/usb \
		drivers/net/dsa drivers/net/phy drivers/scsi/qla2xxx drivers/scsi/lpfc \
		drivers/scsi/mpt3sas drivers/scsi/megaraid drivers/scsi/bfa drivers/scsi/qedf \
		drivers/scsi/qedi drivers/scsi/be2iscsi drivers/scsi/aic7xxx \
		sound net/bluetooth net/wireless net/mac80211 net/netfilter fs/ocfs2 fs/gfs2 \
		fs/ntfs3 fs/nfs fs/nfsd fs/smb fs/ceph fs/afs; do
		echo "path-exclude=/lib/modules/*/kernel/$d/*"
	done
} >"$tree/etc/dpkg/dpkg.cfg.d/gt-e2e-small"
# Only while building: no fsync per file (the tree is thrown away if this
# fails), and one initramfs (the kernel's own postinst), not a second one
# from initramfs-tools' trigger (update_initramfs=no while the kernel is
# installed; the guest gets the stock "yes" back).
echo force-unsafe-io >"$tree/etc/dpkg/dpkg.cfg.d/gt-e2e-build"
# The PV console: on Xen, hvc0 is hvc_xen, built into Debian's kernel, there
# from the first message. The rig's stand-in, QEMU's virtio console, is a
# module (CONFIG_VIRTIO_CONSOLE=m): without it in the initramfs the kernel
# finds no console for /init ("unable to open an initial console") and the
# initramfs never hands over to systemd. /etc/initramfs-tools/modules names
# it (below), so hvc0 comes up in the initramfs, as Xen's would.
# No daemon starts in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
chmod 0755 "$tree/usr/sbin/policy-rc.d"
# grub-pc asks where to install itself: nowhere (the MBR keeps no boot code).
printf '%s\n' 'grub-pc grub-pc/install_devices multiselect ' \
	'grub-pc grub-pc/install_devices_empty boolean true' >"$tree/tmp/debconf"
conf=etc/initramfs-tools/update-initramfs.conf
mount_tree
e2e_log "pvroot: apt-get install $packages into a copy of the base tree (first run only)"
# shellcheck disable=SC2086 # $packages is a word list
{
	in_tree debconf-set-selections /tmp/debconf &&
		in_tree apt-get update -q &&
		in_tree apt-get install -q -y --no-install-recommends initramfs-tools e2fsprogs &&
		sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$tree/$conf" &&
		echo virtio_console >>"$tree/etc/initramfs-tools/modules" &&
		in_tree apt-get install -q -y --no-install-recommends $packages &&
		sed -i 's/^update_initramfs=.*/update_initramfs=yes/' "$tree/$conf"
} >"$tmp/apt.log" 2>&1 || {
	tail -n 30 "$tmp/apt.log" >&2
	e2e_die "apt-get install $packages in the PV-layout tree failed (log above)"
}
rm -f "$tree/tmp/debconf" "$tree/usr/sbin/policy-rc.d" "$tree/etc/dpkg/dpkg.cfg.d/gt-e2e-build"
in_tree apt-get clean
rm -rf "$tree/var/lib/apt/lists/"*
umount_tree
grep -q '^update_initramfs=yes' "$tree/$conf" || e2e_die "pvroot: $conf does not say update_initramfs=yes"
# The initramfs made here holds most modules (MODULES=most, Debian's
# default: mkinitramfs cannot see the guest's disk from a chroot). Later
# ones, made in the guest (prepare-hvm's update-initramfs), hold what the
# running guest's root needs (MODULES=dep) plus what prepare-hvm adds: under
# TCG a "most" initramfs took prepare-hvm over 4 minutes to remake.
sed -i 's/^MODULES=.*/MODULES=dep/' "$tree/etc/initramfs-tools/initramfs.conf"
grep -q '^MODULES=dep$' "$tree/etc/initramfs-tools/initramfs.conf" ||
	e2e_die "pvroot: etc/initramfs-tools/initramfs.conf has no MODULES= line"

kver=$(ls -1 "$tree/usr/lib/modules" | sort -V | tail -n 1)
[ -f "$tree/boot/vmlinuz-$kver" ] && [ -f "$tree/boot/initrd.img-$kver" ] ||
	e2e_die "pvroot: no /boot/vmlinuz-$kver with its initrd.img after the install"
[ -x "$tree/usr/sbin/grub-install" ] && [ -d "$tree/usr/lib/grub/i386-pc" ] ||
	e2e_die "pvroot: grub-pc installed no grub-install or i386-pc modules"

# A grub.cfg as pygrub reads it (one menuentry, linux and initrd lines, the
# console on hvc0 only), written by hand: grub-mkconfig would probe the
# host's disks.
mkdir -p "$tree/boot/grub"
cat >"$tree/boot/grub/grub.cfg" <<CFG
# A Xen PV guest's grub.cfg: read by pygrub in dom0; no boot code reads it.
set default=0
set timeout=1
menuentry 'Debian GNU/Linux, with Linux $kver' {
	insmod part_msdos
	insmod ext2
	search --no-floppy --fs-uuid --set=root $uuid
	linux /boot/vmlinuz-$kver root=UUID=$uuid ro console=hvc0
	initrd /boot/initrd.img-$kver
}
CFG
echo "UUID=$uuid / ext4 errors=remount-ro 0 1" >"$tree/etc/fstab"
echo gt-pv >"$tree/etc/hostname"
# The console on hvc0 only: a getty there, none on tty1 (Debian enables
# getty@tty1) and none on ttyS0.
rm -f "$tree/etc/systemd/system/getty.target.wants/getty@tty1.service"
# Debian's getty-static starts gettys on tty2-tty6 when logind is missing
# (as in this minbase tree): masked.
ln -sf /dev/null "$tree/etc/systemd/system/getty-static.service"
mkdir -p "$tree/etc/systemd/system/getty.target.wants"
ln -sf /lib/systemd/system/serial-getty@.service \
	"$tree/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service"
# Root logs in on the console without a password, for whoever watches.
sed -i 's/^root:[^:]*:/root::/' "$tree/etc/shadow"
tr -d - </proc/sys/kernel/random/uuid >"$tree/etc/machine-id"

echo "$kver" >"$tmp/kver"
echo "$uuid" >"$tmp/uuid"
rm -rf "$out"
touch "$tmp/.complete"
mv "$tmp" "$out"
trap - EXIT
e2e_evict "$E2E_CACHE/pvroot"
e2e_log "pvroot (grub-pc): $(e2e_since "$t") s, $(du -sm "$out/tree" | cut -f1) MB"
echo "$out"
