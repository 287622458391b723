# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2154 # run.sh sets here, accel, cpu, iso, work, installer_path
# pv-to-hvm.sh: the host side of the pv-to-hvm scenarios (sourced by run.sh,
# bash; uses its accel, cpu, work, tree-independent helpers timing/fail).
# See docs/e2e.md, "pv-to-hvm".
#
# pv-to-hvm: a Debian disk laid out as a Xen PV guest (tests/e2e/pvroot.sh:
# msdos label, one ext4 partition at 1 MiB, kernel and initramfs in /boot, a
# grub.cfg pygrub reads, grub-pc installed but no boot code in the MBR,
# console on hvc0 only):
#   offline  `installer detect --pv-to-hvm --root MNT --disk IMG --json` on
#            the host, the partition mounted read-only;
#   boot 0   SeaBIOS from the disk, no -kernel (how an HVM guest starts): it
#            must not reach the OS; SeaBIOS's own output (debugcon) and the
#            CPU's registers afterwards are the evidence;
#   boot 1   the PV way: -kernel/-initrd/the command line from the image's
#            /boot and grub.cfg (what pygrub hands the domain builder), the
#            console on a virtio console (/dev/hvc0); the guest runs detect,
#            prepare-hvm, detect (guest/scenario-pv-to-hvm.sh);
#   boot 2   SeaBIOS again, the serial console: a login prompt on ttyS0, the
#            guest's detect, then its uninstall;
#   after    the disk's first MiB (MBR and the gap before the partition) and
#            its file tree (path, type, mode, size, sha256) against the copy
#            from before boot 1.
# pv-to-hvm-nogrub: the same layout without any grub package; on the host,
# `installer prepare-hvm --root MNT --disk IMG --json` must say ready false
# with the package to install, and change nothing.
# Boots 1 and 2 get E2E_TIMEOUT seconds each (default 600: prepare-hvm remakes
# the initramfs under TCG).
# Everything the host saw goes to host.log as sections (check.py reads them
# from there only: the guest cannot claim them).

PV_PART_OFFSET=1048576 # the partition starts at 1 MiB (sector 2048)
PV_PART_SIZE=1536M

# host_put NAME RC FILE: FILE as section NAME of DIR/host.log ($pv_dir).
host_put() {
	{
		echo "@@GT-BEGIN $1@@"
		cat "$3"
		[ -z "$(tail -c 1 "$3")" ] || echo
		echo "@@GT-END $1 rc=$2@@"
	} >>"$pv_dir/host.log"
}
# host_put_text NAME RC TEXT
host_put_text() {
	printf '%s\n' "$3" >"$pv_dir/.section"
	host_put "$1" "$2" "$pv_dir/.section"
}

# pv_stage PVROOT SCENARIO: the staging tree ($pv_tree): the PV-layout tree,
# the rig's first-boot job and the steps the installer can do.
pv_stage() {
	pv_tree=$(mktemp -d "${TMPDIR:-/var/tmp}/gt-e2e-pvtree.XXXXXX")
	cp -a "$1/tree/." "$pv_tree/"
	install -D -m 0755 "$here/guest/gt-e2e-run" "$pv_tree/usr/local/sbin/gt-e2e-run"
	install -D -m 0644 "$here/guest/lib.sh" "$pv_tree/usr/local/lib/gt-e2e/lib.sh"
	install -D -m 0644 "$here/guest/scenario-pv-to-hvm.sh" "$pv_tree/usr/local/lib/gt-e2e/scenario.sh"
	install -D -m 0644 "$here/guest/gt-e2e.service" "$pv_tree/etc/systemd/system/gt-e2e.service"
	mkdir -p "$pv_tree/etc/systemd/system/multi-user.target.wants" "$pv_tree/etc/gt-e2e"
	ln -sf /etc/systemd/system/gt-e2e.service "$pv_tree/etc/systemd/system/multi-user.target.wants/"
	echo "$2" >"$pv_tree/etc/gt-e2e/scenario"
	echo "$pv_steps" >"$pv_tree/etc/gt-e2e/steps"
}

# pv_disk UUID OUT: the partitioned disk from $pv_tree: the ext4 file system
# made with mke2fs -d (no mount), an msdos label with one partition at 1 MiB,
# and sector 0's boot code area left zero (the table and 0x55AA only).
pv_disk() {
	local part="$pv_dir/part.img"
	rm -f "$part" "$2"
	mke2fs -q -F -t ext4 -U "$1" -L gt-pv-root -d "$pv_tree" "$part" "$PV_PART_SIZE" \
		>"$pv_dir/mke2fs.log" 2>&1 || { cat "$pv_dir/mke2fs.log"; return 1; }
	local sectors=$(($(stat -c %s "$part") / 512))
	truncate -s $((PV_PART_OFFSET + $(stat -c %s "$part"))) "$2"
	printf 'label: dos\nstart=2048, size=%s, type=83\n' "$sectors" | sfdisk -q "$2" || return 1
	dd if="$part" of="$2" bs=1M seek=1 conv=notrunc,sparse status=none || return 1
	rm -f "$part"
}

# pv_disk_json IMG: what sector 0 holds.
pv_disk_json() {
	local zero=true sig
	# The boot code area: bytes 0..439 (then the disk signature and the table).
	[ "$(head -c 440 "$1" | tr -d '\0' | wc -c)" = 0 ] || zero=false
	sig=$(od -An -tx1 -j 510 -N 2 "$1" | tr -d ' \n')
	printf '{"boot_code_zero":%s,"signature":"%s","table":%s}\n' "$zero" "$sig" \
		"$(sfdisk -J "$1" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')"
}

# pv_mount IMG MNT ro|rw / pv_umount MNT: the root partition on a loop
# device. The loop device itself is writable even for "ro": after a boot cut
# by the timeout ext4 must replay its journal, which a read-only device
# refuses ("write access unavailable").
pv_mount() {
	local dev
	mkdir -p "$2"
	dev=$(losetup --find --show --offset "$PV_PART_OFFSET" "$1") || return 1
	mount -t ext4 -o "$3" "$dev" "$2" || { losetup -d "$dev"; return 1; }
}
pv_umount() { umount -d "$1" && rmdir "$1"; }

# pv_listing MNT OUT: the file tree as the comparison sees it: path, type,
# mode, size, the link's target or the file's sha256. Left out, as the rig's
# gt_snapshot does: what a running system changes by itself (logs, systemd's
# state, caches, /tmp) and the job's own state (/var/lib/gt-e2e).
pv_listing() {
	python3 - "$1" >"$2" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
skip = {"/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp", "/var/log", "/var/cache",
        "/var/lib/systemd", "/var/lib/gt-e2e"}
out = []
for d, dirs, files in os.walk(root):
    rel = "/" + os.path.relpath(d, root) if d != root else "/"
    dirs[:] = [x for x in dirs if os.path.join(rel, x) not in skip]
    for name in [""] + sorted(files + [x for x in dirs if os.path.islink(os.path.join(d, x))]):
        p = os.path.join(d, name) if name else d
        r = os.path.join(rel, name) if name else rel
        st = os.lstat(p)
        t = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l"}.get(stat.S_IFMT(st.st_mode), "o")
        extra = "-"
        if t == "f":
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for b in iter(lambda: f.read(1 << 20), b""):
                    h.update(b)
            extra = h.hexdigest()
        elif t == "l":
            extra = os.readlink(p)
        out.append(f"{r} {t} {stat.S_IMODE(st.st_mode):o} {st.st_size if t != 'd' else '-'} {extra}")
print("\n".join(sorted(set(out))))
PY
}

# pv_firmware_boot0 IMG: boot 0, the negative control. SeaBIOS from the disk
# alone (no -kernel, no CD, -boot strict: nothing else to fall back to). Once
# SeaBIOS says it jumped to the boot sector, 5 s more, then the monitor's
# "info registers": a boot loader would have left real mode by then.
pv_firmware_boot0() {
	local d=$pv_dir t rc=0
	rm -f "$d/seabios0.log"
	t=$(e2e_now)
	{
		local i=0
		while [ $i -lt 600 ] && ! grep -qa 'Booting from 0000:7c00' "$d/seabios0.log" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		sleep 5
		echo "info registers"
		sleep 1
		echo quit
	} | timeout -k 5 120 qemu-system-x86_64 -accel "$accel" -machine pc -cpu "$cpu" -m 512 -smp 1 \
		-display none -no-reboot -nic none -monitor stdio \
		-chardev "file,id=dbg,path=$d/seabios0.log" -device isa-debugcon,iobase=0x402,chardev=dbg \
		-serial "file:$d/console0.log" \
		-drive "file=$1,if=ide,format=raw,snapshot=on" -boot order=c,strict=on \
		>"$d/monitor0.log" 2>&1 || rc=$?
	timing "pv-to-hvm: boot 0 (SeaBIOS, negative control)" "$(e2e_since "$t")"
	host_put seabios0 "$rc" "$d/seabios0.log"
	host_put registers0 "$rc" "$d/monitor0.log"
	host_put console0 "$rc" "$d/console0.log"
}

# pv_boot_pv IMG KVER: boot 1, the PV way: the kernel, initramfs and command
# line of grub.cfg's first entry, read from the tree that made the image, as
# pygrub hands them over; the console a virtio console (the guest's
# /dev/hvc0, as Xen's PV console is); ttyS0 logged apart (it must stay
# silent); ttyS1 the report.
pv_boot_pv() {
	local d=$pv_dir t rc=0 kernel initrd cmdline
	kernel=$(awk '$1 == "linux" { print $2; exit }' "$pv_tree/boot/grub/grub.cfg")
	initrd=$(awk '$1 == "initrd" { print $2; exit }' "$pv_tree/boot/grub/grub.cfg")
	cmdline=$(awk '$1 == "linux" { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' "$pv_tree/boot/grub/grub.cfg")
	printf '{"kernel":"%s","initrd":"%s","cmdline":"%s"}\n' "$kernel" "$initrd" "$cmdline" >"$d/pygrub.json"
	host_put pygrub 0 "$d/pygrub.json"
	# The kernel opens /dev/console for /init before any module loads. On
	# Xen that is hvc_xen, built in; the stand-in here, QEMU's virtio
	# console, is a module: with no console /init starts with fds 0-2
	# closed and Debian's initramfs hangs in its first $(...). So a small
	# cpio goes in front of the image's initrd (the kernel unpacks both):
	# /dev/console a link to a /dev/null node, for /init only. Its
	# initramfs then loads virtio_console (pvroot.sh), and run-init hands
	# systemd the real /dev/console: hvc0. The disk is not touched.
	rm -rf "$d/pvcon"
	mkdir -p "$d/pvcon/dev"
	mknod -m 600 "$d/pvcon/dev/gt-initial-console" c 1 3
	ln -s gt-initial-console "$d/pvcon/dev/console"
	(cd "$d/pvcon" && printf 'dev\ndev/gt-initial-console\ndev/console\n' |
		cpio -o -H newc -R 0:0 --quiet) >"$d/initrd-pv.img"
	cat "$pv_tree$initrd" >>"$d/initrd-pv.img"
	rm -rf "$d/pvcon"
	t=$(e2e_now)
	timeout -k 10 "${E2E_TIMEOUT:-600}" qemu-system-x86_64 -accel "$accel" -machine pc -cpu "$cpu" \
		-m 1024 -smp 1 -display none -no-reboot -nic none -monitor none \
		-kernel "$pv_tree$kernel" -initrd "$d/initrd-pv.img" -append "$cmdline" \
		-drive "file=$1,if=virtio,format=raw" -cdrom "$iso" \
		-device virtio-serial -chardev "file,id=hvc,path=$d/console1.log" \
		-device virtconsole,chardev=hvc \
		-serial "file:$d/ttyS0-1.log" -serial "file:$d/results1.log" \
		</dev/null >"$d/qemu1.log" 2>&1 || rc=$?
	timing "pv-to-hvm: boot 1 (PV way) to power-off" "$(e2e_since "$t")"
	[ $rc = 0 ] || { echo "e2e: pv-to-hvm: boot 1: qemu exited $rc"; cat "$d/qemu1.log"; }
	host_put ttyS0-pv "$rc" "$d/ttyS0-1.log"
	host_put_text hvc0-pv "$rc" "$(grep -a -c . "$d/console1.log") lines; login prompt: $(grep -a -m1 'login:' "$d/console1.log" | tr -d '\r')"
}

# pv_boot_hvm IMG: boot 2, the HVM way: SeaBIOS from the disk (IDE), the CD,
# the serial console on ttyS0, the report on ttyS1.
pv_boot_hvm() {
	local d=$pv_dir t rc=0
	t=$(e2e_now)
	timeout -k 10 "${E2E_TIMEOUT:-600}" qemu-system-x86_64 -accel "$accel" -machine pc -cpu "$cpu" \
		-m 1024 -smp 1 -display none -no-reboot -nic none -monitor none \
		-chardev "file,id=dbg,path=$d/seabios2.log" -device isa-debugcon,iobase=0x402,chardev=dbg \
		-drive "file=$1,if=ide,format=raw" -cdrom "$iso" -boot order=c \
		-serial "file:$d/console2.log" -serial "file:$d/results2.log" \
		</dev/null >"$d/qemu2.log" 2>&1 || rc=$?
	timing "pv-to-hvm: boot 2 (HVM way, SeaBIOS) to power-off" "$(e2e_since "$t")"
	[ $rc = 0 ] || { echo "e2e: pv-to-hvm: boot 2: qemu exited $rc"; cat "$d/qemu2.log"; }
	host_put seabios2 "$rc" "$d/seabios2.log"
	host_put console2 "$rc" "$d/console2.log"
}

# pv_compare BEFORE-LIST BEFORE-MBR IMG: sections host-rootdiff and host-mbrdiff
# (empty, rc 0, when nothing differs).
pv_compare() {
	local mnt="$pv_dir/mnt" rc=0
	pv_mount "$3" "$mnt" ro || { host_put_text host-rootdiff 2 "cannot mount $3 read-only"; return; }
	pv_listing "$mnt" "$pv_dir/after.list"
	pv_umount "$mnt"
	diff "$1" "$pv_dir/after.list" >"$pv_dir/rootdiff" || rc=$?
	host_put host-rootdiff "$rc" "$pv_dir/rootdiff"
	head -c "$PV_PART_OFFSET" "$3" >"$pv_dir/after.mbr"
	rc=0
	cmp -l "$2" "$pv_dir/after.mbr" | head -n 40 >"$pv_dir/mbrdiff" || rc=$?
	[ -s "$pv_dir/mbrdiff" ] && rc=1
	host_put host-mbrdiff "$rc" "$pv_dir/mbrdiff"
}

# pv_scenario NAME: the whole scenario NAME (pv-to-hvm or pv-to-hvm-nogrub);
# counts its checks with run.sh's judge.
pv_scenario() {
	local s=$1 pvdir uuid kver t inst mnt rc
	pv_dir="$work/$s"
	rm -rf "$pv_dir"
	mkdir -p "$pv_dir"
	t=$(e2e_now)
	local variant=()
	[ "$s" = pv-to-hvm-nogrub ] && variant=(--no-grub)
	pvdir=$("$here/pvroot.sh" "${variant[@]}") ||
		{ fail "$s: preparing the PV-layout tree (pvroot.sh)"; return; }
	timing "$s: prepare: PV-layout tree" "$(e2e_since "$t")"
	uuid=$(cat "$pvdir/uuid")
	kver=$(cat "$pvdir/kver")
	inst="$pv_dir/installer"
	xorriso -osirrox on -indev "$iso" -extract "$installer_path" "$inst" >/dev/null 2>&1 ||
		{ fail "$s: cannot copy $installer_path off $iso"; return; }
	chmod 0755 "$inst"
	# What the installer can do, found in its binary as run.sh does for the
	# test seams: detect's --pv-to-hvm (branch pv2hvm-detect), prepare-hvm.
	pv_steps=
	local why_p2h='' why_prepare=''
	if grep -aq -- '--pv-to-hvm' "$inst"; then
		pv_steps=p2h
	else
		why_p2h="the installer on the ISO has no 'detect --pv-to-hvm' yet (issue 18, branch pv2hvm-detect)"
	fi
	if grep -aq 'prepare-hvm' "$inst" && [ -n "$pv_steps" ]; then
		pv_steps="$pv_steps prepare"
	else
		why_prepare="the installer on the ISO has no 'prepare-hvm' command yet (issue 18, branch prepare-hvm)"
		[ -n "$why_p2h" ] && why_prepare="$why_prepare, and no 'detect --pv-to-hvm' to judge it"
	fi
	printf '{"p2h":%s,"prepare":%s,"why_p2h":"%s","why_prepare":"%s"}\n' \
		"$([ -z "$why_p2h" ] && echo true || echo false)" \
		"$([ -z "$why_prepare" ] && echo true || echo false)" "$why_p2h" "$why_prepare" >"$pv_dir/plan"
	host_put plan 0 "$pv_dir/plan"

	t=$(e2e_now)
	pv_stage "$pvdir" "$s"
	pv_disk "$uuid" "$pv_dir/disk.img" || { fail "$s: assembling the disk image"; rm -rf "$pv_tree"; return; }
	timing "$s: disk image (mke2fs -d, sfdisk)" "$(e2e_since "$t")"
	pv_disk_json "$pv_dir/disk.img" >"$pv_dir/disk.json"
	host_put disk 0 "$pv_dir/disk.json"
	head -c "$PV_PART_OFFSET" "$pv_dir/disk.img" >"$pv_dir/before.mbr"

	mnt="$pv_dir/mnt"
	if [ "$s" = pv-to-hvm-nogrub ]; then
		# Offline, read-write: prepare-hvm may change what it can; it must
		# see that it cannot make this guest boot and change nothing.
		pv_mount "$pv_dir/disk.img" "$mnt" rw || { fail "$s: cannot mount the root partition"; return; }
		pv_listing "$mnt" "$pv_dir/before.list"
		rc=0
		if [ -n "$why_prepare" ]; then
			host_put_text prepare-offline 0 "skipped"
		else
			"$inst" prepare-hvm --root "$mnt" --disk "$pv_dir/disk.img" --json \
				>"$pv_dir/prepare.out" 2>"$pv_dir/prepare.err" </dev/null || rc=$?
			host_put prepare-offline "$rc" "$pv_dir/prepare.out"
			[ -s "$pv_dir/prepare.err" ] && host_put prepare-offline.stderr "$rc" "$pv_dir/prepare.err"
		fi
		pv_umount "$mnt"
		pv_compare "$pv_dir/before.list" "$pv_dir/before.mbr" "$pv_dir/disk.img"
	else
		pv_mount "$pv_dir/disk.img" "$mnt" ro || { fail "$s: cannot mount the root partition"; return; }
		t=$(e2e_now)
		pv_listing "$mnt" "$pv_dir/before.list"
		timing "$s: the file tree's listing with sha256" "$(e2e_since "$t")"
		if case $pv_steps in *p2h*) true ;; *) false ;; esac then
			rc=0
			"$inst" detect --pv-to-hvm --root "$mnt" --disk "$pv_dir/disk.img" --json \
				>"$pv_dir/detect.out" 2>"$pv_dir/detect.err" </dev/null || rc=$?
			host_put detect-offline "$rc" "$pv_dir/detect.out"
			[ -s "$pv_dir/detect.err" ] && host_put detect-offline.stderr "$rc" "$pv_dir/detect.err"
		fi
		pv_umount "$mnt"
		pv_firmware_boot0 "$pv_dir/disk.img"
		pv_boot_pv "$pv_dir/disk.img" "$kver"
		if case $pv_steps in *prepare*) true ;; *) false ;; esac then
			pv_boot_hvm "$pv_dir/disk.img"
			pv_compare "$pv_dir/before.list" "$pv_dir/before.mbr" "$pv_dir/disk.img"
		fi
		cat "$pv_dir"/results1.log "$pv_dir"/results2.log >"$pv_dir/results.log" 2>/dev/null || true
	fi
	rm -rf "$pv_tree"
	pv_tree=

	local logs=("$pv_dir/results.log" "$pv_dir/host.log")
	# No guest boot: nothing on a report port; every section is the host's.
	[ "$s" = pv-to-hvm-nogrub ] && logs=(/dev/null "$pv_dir/host.log")
	if ! judge "$s" "${logs[@]}"; then
		echo "e2e: $s: last lines of the consoles:"
		for l in console1.log console2.log; do
			if [ -f "$pv_dir/$l" ]; then tail -n 20 "$pv_dir/$l" | sed "s|^|#   $l: |"; fi
		done
	elif [ "${E2E_KEEP:-0}" != 1 ]; then
		rm -f "$pv_dir/disk.img"
	fi
}
