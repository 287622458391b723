#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh: the real-VM end-to-end rig. Boots a Debian 12 guest (Debian's own
# kernel, a debootstrap root on an ext4 virtio disk, systemd) with the
# guest-tools ISO as its CD, once per scenario; a first-boot job in the
# guest plays the user and reports on the second serial port; check.py
# judges the report. See docs/e2e.md.
#
#   run.sh --iso PATH [--test-iso PATH] [--scenario NAME]... [--results DIR] [--work DIR]
#
# The scenarios that stop or kill the installer at a chosen point
# (install-ejected*, install-killed, install-powercut-*) need its test seams,
# which only its test build has: they boot the test ISO (--test-iso, the
# same image with build/installer-test as Linux/installer.x86_64; make e2e
# builds it), never the real one.
#
# Scenarios run only when the ISO has what they need; the others are
# skipped with the reason. Writes "passed failed skipped" to
# DIR/e2e when --results is given; exits 1 when a check failed.
# Environment: E2E_CACHE (downloads, default ~/.cache/guest-tools-e2e),
# E2E_ACCEL (tcg|kvm, default: kvm only where it really works),
# E2E_TIMEOUT (seconds per boot, default 300), E2E_WATCH=1 (console on
# the terminal), E2E_KEEP=1 (keep the disk images).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

ALL_SCENARIOS="detect install install-selfmount install-tampered install-ejected install-ejected-mounted install-killed install-sigint install-powercut-pkg install-powercut-commit pv-to-hvm pv-to-hvm-nogrub"

usage() {
	cat <<USAGE
Usage: tests/e2e/run.sh --iso PATH [--test-iso PATH] [--scenario NAME]... [--results DIR] [--work DIR]
Scenarios: $ALL_SCENARIOS (default: all whose prerequisites the ISO has).
USAGE
}

iso=${E2E_ISO:-}
test_iso=${E2E_TEST_ISO:-}
results=
work=${BUILD:-build}/e2e
scenarios=
while [ $# -gt 0 ]; do
	case $1 in
	--iso) iso=${2:?--iso needs a path}; shift 2 ;;
	--test-iso) test_iso=${2:?--test-iso needs a path}; shift 2 ;;
	--scenario) scenarios="$scenarios ${2:?--scenario needs a name}"; shift 2 ;;
	--results) results=${2:?--results needs a folder}; shift 2 ;;
	--work) work=${2:?--work needs a folder}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "e2e: unknown argument '$1'" >&2; echo "Try 'tests/e2e/run.sh --help'." >&2; exit 2 ;;
	esac
done
scenarios=${scenarios:-${E2E_SCENARIOS:-$ALL_SCENARIOS}}
for s in $scenarios; do
	case " $ALL_SCENARIOS " in *" $s "*) ;; *) echo "e2e: unknown scenario '$s' (known: $ALL_SCENARIOS)" >&2; exit 2 ;; esac
done

passed=0 failed=0 skipped=0
timings=()
t_all=$(e2e_now)

finish() {
	echo "== e2e timings =="
	local l
	for l in "${timings[@]}"; do echo "  $l"; done
	echo "  total: $(e2e_since "$t_all") s"
	[ -d "$E2E_CACHE" ] && echo "  cache: $(du -sm "$E2E_CACHE" | cut -f1) MB in $E2E_CACHE"
	echo "e2e: $passed passed, $failed failed, $skipped skipped"
	if [ -n "$results" ]; then
		mkdir -p "$results"
		echo "$passed $failed $skipped" >"$results/e2e"
	fi
	[ "$failed" -eq 0 ]
	exit
}
fail() {
	echo "not ok - $*"
	failed=$((failed + 1))
}
timing() { timings+=("$(printf '%-48s %6s s' "$1" "$2")"); }

for tool in qemu-system-x86_64 xorriso mke2fs debootstrap dpkg-deb depmod modprobe cpio timeout python3 sfdisk; do
	command -v "$tool" >/dev/null || {
		fail "host tool '$tool' is missing: run 'make deps-check' (scripts/deps/e2e.check)"
		finish
	}
done
if [ -z "$iso" ]; then
	fail "no ISO given: use --iso PATH or E2E_ISO=PATH (make e2e builds one)"
	finish
fi
[ -f "$iso" ] || { fail "$iso: no such ISO"; finish; }

# What the ISO holds decides what can run.
listing=$(xorriso -indev "$iso" -find / -type f 2>/dev/null | tr -d "'") ||
	{ fail "$iso: xorriso cannot read it as an ISO image"; finish; }
has() { grep -qx "$1" <<<"$listing"; }
installer_path=
for p in /Linux/installer.x86_64 /Linux/installer; do
	if has "$p"; then installer_path=$p; break; fi
done
# The installer on the test ISO knows GT_TEST_STOP_AT (its test build:
# installer/testseam/testseam.c with -DGT_TEST_SEAMS).
has_stop_seam() {
	local f r=1
	[ -n "$test_iso" ] && [ -f "$test_iso" ] || return 1
	f=$(mktemp "${TMPDIR:-/tmp}/gt-e2e-installer.XXXXXX") || return 1
	rm -f "$f"
	xorriso -osirrox on -indev "$test_iso" -extract "$installer_path" "$f" >/dev/null 2>&1 &&
		grep -aq GT_TEST_STOP_AT "$f" && r=0
	rm -f "$f"
	return $r
}
# The installer on the ISO has `installer prepare-hvm` (pv-to-hvm-nogrub
# needs it; pv-to-hvm runs without it and skips the checks that need it).
has_prepare_hvm() {
	local f r=1
	f=$(mktemp "${TMPDIR:-/tmp}/gt-e2e-installer.XXXXXX") || return 1
	rm -f "$f"
	xorriso -osirrox on -indev "$iso" -extract "$installer_path" "$f" >/dev/null 2>&1 &&
		grep -aq prepare-hvm "$f" && r=0
	rm -f "$f"
	return $r
}
runnable=
for s in $scenarios; do
	why=
	case $s in
	detect | pv-to-hvm) [ -n "$installer_path" ] || why="no Linux/installer.x86_64 (or Linux/installer) on the ISO" ;;
	pv-to-hvm-nogrub)
		if [ -z "$installer_path" ]; then
			why="no Linux/installer.x86_64 (or Linux/installer) on the ISO"
		elif ! has_prepare_hvm; then
			why="the installer on the ISO has no 'prepare-hvm' command yet (issue 18, branch prepare-hvm)"
		fi
		;;
	install-ejected* | install-killed | install-powercut-*)
		# The installer is stopped by its test seam GT_TEST_STOP_AT (before
		# it reads the payload, or right after a journal record); all but
		# install-ejected-mounted run it without install.sh.
		if [ "$s" = install-ejected-mounted ] && ! has /Linux/install.sh; then
			why="no Linux/install.sh on the ISO (the build manifest does not list it yet)"
		elif [ -z "$installer_path" ]; then
			why="no Linux/installer.x86_64 (or Linux/installer) on the ISO"
		elif ! grep -q '\.deb$' <<<"$listing"; then
			why="no .deb payload on the ISO for a Debian guest (the agent packages are not on it yet)"
		elif ! has_stop_seam; then
			why="no test ISO whose installer has the GT_TEST_STOP_AT test seam (--test-iso; make e2e builds build/guest-tools-test.iso)"
		fi
		;;
	install-sigint)
		# The installer mounts the CD itself and waits at its prompt.
		if [ -z "$installer_path" ]; then
			why="no Linux/installer.x86_64 (or Linux/installer) on the ISO"
		elif ! grep -q '\.deb$' <<<"$listing"; then
			why="no .deb payload on the ISO for a Debian guest (the agent packages are not on it yet)"
		fi
		;;
	install*)
		if ! has /Linux/install.sh; then
			why="no Linux/install.sh on the ISO (the build manifest does not list it yet)"
		elif [ -z "$installer_path" ]; then
			why="no Linux/installer.x86_64 (or Linux/installer) on the ISO"
		elif ! grep -q '\.deb$' <<<"$listing"; then
			why="no .deb payload on the ISO for a Debian guest (the agent packages are not on it yet)"
		fi
		;;
	esac
	if [ -n "$why" ]; then
		echo "e2e: SKIP scenario $s: $why"
		skipped=$((skipped + 1))
	else
		runnable="$runnable $s"
	fi
done
if [ -z "$runnable" ]; then
	echo "e2e: no scenario can run with $iso"
	finish
fi
echo "e2e: ISO $iso; scenarios:$runnable"

# Preparation: the kernel and the root tree come from the cache after the
# first run.
t=$(e2e_now)
kdir=$("$here/kernel.sh") || { fail "preparing the guest kernel (kernel.sh)"; finish; }
timing "prepare: kernel + initramfs" "$(e2e_since "$t")"
kernel=$kdir/vmlinux
[ -f "$kernel" ] || kernel=$kdir/vmlinuz

# TCG unless KVM really works: /dev/kvm backed by kvm_pvm (no vmx/svm in the
# CPU flags) starts, then hangs the guest (shared/notes/vm-rig.md). Where the
# flags promise KVM, a probe boot (the initramfs's /probe prints and powers
# off) must succeed within 30 s before the rig trusts it.
probe() {
	timeout -k 5 30 qemu-system-x86_64 -accel "$1" -m 256 -nographic -no-reboot \
		-nic none -monitor none -serial stdio \
		-kernel "$kernel" -initrd "$kdir/initrd.img" \
		-append "console=ttyS0 rdinit=/probe panic=-1" </dev/null 2>&1 || true
}
accel=${E2E_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		t=$(e2e_now)
		case $(probe kvm) in
		*GT-PROBE-OK*) accel=kvm ;;
		*) echo "e2e: /dev/kvm is there but a probe guest did not run under it: using TCG" ;;
		esac
		timing "prepare: KVM probe" "$(e2e_since "$t")"
	fi
fi
cpu=qemu64
[ "$accel" = kvm ] && cpu=host
echo "e2e: accelerator $accel, cpu $cpu"

t=$(e2e_now)
base=$("$here/rootfs.sh") || { fail "preparing the root tree (rootfs.sh)"; finish; }
timing "prepare: debootstrap root tree" "$(e2e_since "$t")"
kver=$(cat "$kdir/kver")

t=$(e2e_now)
mkdir -p "$work"
# The staging tree stays out of $(BUILD): the top Makefile reads every
# *.d under it as a dependency file, and a Debian root has /etc/rc?.d.
tree=$(mktemp -d "${TMPDIR:-/var/tmp}/gt-e2e-tree.XXXXXX")
# pv-to-hvm*: a loop mount of its disk and its own staging tree (pv-to-hvm.sh).
pv_tree='' pv_dir=''
trap '[ -z "$pv_dir" ] || ! mountpoint -q "$pv_dir/mnt" || umount -d "$pv_dir/mnt"
[ -z "$pv_tree" ] || rm -rf "$pv_tree"
[ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$tree"' EXIT
# Interrupted (Ctrl-C, a SIGTERM): stop the guest, and exit so that the EXIT
# trap cleans up. (A background QEMU and `wait` let the trap run at once.)
qemu_pid=
watcher=
trap '[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null
[ -z "$watcher" ] || kill "$watcher" 2>/dev/null; exit 130' INT TERM
cp -a "$base/." "$tree/"
# Merged /usr: /lib is a link to usr/lib.
mkdir -p "$tree/usr/lib/modules"
cp -a "$kdir/modules/lib/modules/$kver" "$tree/usr/lib/modules/"
cat >"$tree/etc/fstab" <<FSTAB
/dev/vda / ext4 defaults 0 0
FSTAB
echo gt-e2e >"$tree/etc/hostname"
# A machine id, as an installed system has: without one systemd treats the
# boot as a first boot and may ask questions on the console.
tr -d - </proc/sys/kernel/random/uuid >"$tree/etc/machine-id"
# Root logs in on the console without a password, for whoever watches.
sed -i 's/^root:[^:]*:/root::/' "$tree/etc/shadow"
install -D -m 0755 "$here/guest/gt-e2e-run" "$tree/usr/local/sbin/gt-e2e-run"
install -D -m 0644 "$here/guest/lib.sh" "$tree/usr/local/lib/gt-e2e/lib.sh"
install -D -m 0644 "$here/guest/gt-e2e.service" "$tree/etc/systemd/system/gt-e2e.service"
mkdir -p "$tree/etc/systemd/system/multi-user.target.wants" "$tree/etc/gt-e2e"
ln -sf /etc/systemd/system/gt-e2e.service "$tree/etc/systemd/system/multi-user.target.wants/"
timing "prepare: root tree copy + guest files" "$(e2e_since "$t")"

# qemu_run SCENARIO DIR PHASE [WATCH-ACTION]: one boot of DIR/root.img; the
# console goes to DIR/console$PHASE.log, the report to DIR/results$PHASE.log
# (PHASE is empty for a one-boot scenario). WATCH-ACTION (eject or quit)
# starts tests/e2e/qmp-eject.py beside QEMU, which acts when the guest asks
# and writes its own section to DIR/host.log.
qemu_run() {
	local s=$1 d=$2 ph=$3 action=${4:-} t rc snap=,snapshot=on marker
	# A power cut must reach the disk the next boot reads: no snapshot.
	[ "$s" = "${s#install-powercut}" ] || snap=
	local q=(qemu-system-x86_64 -accel "$accel" -machine pc -cpu "$cpu" -m 1024 -smp 1
		-nographic -no-reboot -nic none
		-kernel "$kernel" -initrd "$kdir/initrd.img"
		-append "console=ttyS0,115200 root=/dev/vda rw panic=-1"
		-drive "file=$d/root.img,if=virtio,format=raw$snap"
		-cdrom "$cd")
	local sock="$d/qmp.sock"
	watcher=
	rm -f "$d/qemu.exited"
	if [ -n "$action" ]; then
		marker=@@GT-EJECT-READY@@
		[ "$action" = quit ] && marker=@@GT-POWERCUT-READY@@
		# A unix socket path holds at most 107 bytes.
		[ ${#sock} -lt 100 ] || sock=$(mktemp -u "${TMPDIR:-/tmp}/gt-e2e-qmp.XXXXXX")
		q+=(-qmp "unix:$sock,server=on,wait=off")
		python3 "$here/qmp-eject.py" --socket "$sock" --watch "$d/results$ph.log" \
			--marker "$marker" --stop-file "$d/qemu.exited" --action "$action" \
			--timeout "${E2E_TIMEOUT:-300}" --cd "$cd" --out "$d/host.log" &
		watcher=$!
	fi
	t=$(e2e_now)
	rc=0
	if [ "${E2E_WATCH:-0}" = 1 ]; then
		echo "e2e: booting scenario $s${ph:+ (boot $ph)} on this terminal (Ctrl-A X quits)"
		timeout --foreground -k 10 "${E2E_TIMEOUT:-300}" "${q[@]}" \
			-serial mon:stdio -serial "file:$d/results$ph.log" || rc=$?
	else
		echo "e2e: booting scenario $s${ph:+ (boot $ph)} (console: $d/console$ph.log)"
		timeout -k 10 "${E2E_TIMEOUT:-300}" "${q[@]}" -monitor none \
			-serial "file:$d/console$ph.log" -serial "file:$d/results$ph.log" \
			</dev/null >"$d/qemu$ph.log" 2>&1 &
		qemu_pid=$!
		wait "$qemu_pid" || rc=$?
		qemu_pid=
	fi
	timing "$s: boot$ph to power-off" "$(e2e_since "$t")"
	if [ -n "$watcher" ]; then
		touch "$d/qemu.exited"
		wait "$watcher" || true
		watcher=
		rm -f "$sock"
	fi
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "e2e: $s: the guest did not power off within ${E2E_TIMEOUT:-300} s"
	elif [ $rc -ne 0 ]; then
		echo "e2e: $s: qemu exited $rc:"
		cat "$d/qemu$ph.log"
	fi
}

# judge SCENARIO RESULTS_LOG [HOST_LOG]: check.py's verdict on a scenario,
# printed and added to the counts; returns 1 when a check failed (or
# check.py said nothing).
judge() {
	local s=$1 out p f k
	shift
	out=$(python3 "$here/check.py" "$s" "$@") || true
	echo "$out"
	read -r p f k < <(sed -n "s/^e2e-$s: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p" <<<"$out")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
	skipped=$((skipped + ${k:-0}))
	[ "${f:-1}" = 0 ]
}

# boot SCENARIO ISO: one guest boot (two for install-powercut-*: the first
# is cut short by QMP quit, the second boots the same disk); its logs stay
# in $work/SCENARIO/.
boot() {
	local s=$1 cd=$2 d="$work/$1" t script=$1
	rm -rf "$d"
	mkdir -p "$d"
	t=$(e2e_now)
	echo "$s" >"$tree/etc/gt-e2e/scenario"
	# install-powercut-KIND: one script; KIND is the journal record after
	# which the plug is pulled.
	rm -f "$tree/etc/gt-e2e/cut"
	if [ "$s" != "${s#install-powercut-}" ]; then
		script=install-powercut
		echo "${s#install-powercut-}" >"$tree/etc/gt-e2e/cut"
	fi
	install -m 0644 "$here/guest/scenario-$script.sh" "$tree/usr/local/lib/gt-e2e/scenario.sh"
	rm -f "$tree/root/gt-installer"
	# The installer on the root disk: install-selfmount, install-killed,
	# install-sigint and install-powercut-* run it; the install-ejected*
	# scenarios ask it for the status once the CD is gone.
	if [ "$s" = install-selfmount ] || [ "$s" = install-killed ] || [ "$s" = install-sigint ] ||
		[ "$s" != "${s#install-ejected}" ] || [ "$script" = install-powercut ]; then
		xorriso -osirrox on -indev "$cd" -extract "$installer_path" "$tree/root/gt-installer" \
			>/dev/null 2>&1 || { fail "$s: cannot copy $installer_path off $cd"; return; }
		chmod 0755 "$tree/root/gt-installer"
	fi
	# Size: the tree and room for what the install adds.
	if ! mke2fs -q -F -t ext4 -L gt-e2e-root -d "$tree" "$d/root.img" 1536M >"$d/mke2fs.log" 2>&1; then
		cat "$d/mke2fs.log"
		fail "$s: mke2fs -d failed"
		return
	fi
	timing "$s: ext4 image (mke2fs -d)" "$(e2e_since "$t")"

	# ttyS0 is the console (a file, or the terminal with E2E_WATCH=1);
	# ttyS1 carries the guest's report. install-ejected*: a QMP socket, and
	# a watcher that ejects the CD when the guest asks; install-powercut-*:
	# the watcher pulls the plug (QMP quit) when the guest asks, then the
	# same disk boots again.
	rm -f "$d/host.log"
	local logs=("$d/results.log")
	if [ "$s" != "${s#install-ejected}" ]; then
		qemu_run "$s" "$d" "" eject
	elif [ "$script" = install-powercut ]; then
		qemu_run "$s" "$d" 1 quit
		qemu_run "$s" "$d" 2
		cat "$d/results1.log" "$d/results2.log" >"$d/results.log" 2>/dev/null
		cat "$d/console1.log" "$d/console2.log" >"$d/console.log" 2>/dev/null
	else
		qemu_run "$s" "$d" ""
	fi
	[ -f "$d/host.log" ] && logs+=("$d/host.log")
	if ! judge "$s" "${logs[@]}"; then
		echo "e2e: $s: last lines of $d/console.log:"
		tail -n 30 "$d/console.log" 2>/dev/null | sed 's/^/#   /'
	elif [ "${E2E_KEEP:-0}" != 1 ]; then
		rm -f "$d/root.img"
	fi
}

# tamper ISO OUT: a copy of ISO with one byte flipped in the middle of every
# .deb payload (whichever the installer picks for this guest is altered), as
# a corrupt download or a meddler would leave it. Files that share one data
# stream share its blocks: each stream is altered once.
tamper() {
	local src=$1 out=$2 list line lba size path off byte seen=" "
	cp "$src" "$out"
	list=$(xorriso -indev "$out" -find / -type f -name '*.deb' -exec report_lba -- 2>/dev/null |
		grep '^File data lba:') || return 1
	while IFS= read -r line; do
		lba=$(awk -F, '{ gsub(/ /, "", $2); print $2 }' <<<"$line")
		size=$(awk -F, '{ gsub(/ /, "", $4); print $4 }' <<<"$line")
		path=${line#*, \'}
		path=${path%\'}
		case $seen in *" $lba "*) continue ;; esac
		[ "$size" -gt 0 ] || continue
		seen="$seen$lba "
		off=$((lba * 2048 + size / 2))
		byte=$(od -An -tu1 -j "$off" -N 1 "$out" | tr -d ' ')
		printf '%b' "\\0$(printf '%03o' $(((byte + 1) % 256)))" |
			dd of="$out" bs=1 seek="$off" conv=notrunc status=none
		echo "e2e: altered $path in $(basename "$out") (byte at offset $off: $byte -> $(((byte + 1) % 256)))"
	done <<<"$list"
	[ "$seen" != " " ] && ! cmp -s "$src" "$out"
}

. "$here/pv-to-hvm.sh"
for s in $runnable; do
	case $s in pv-to-hvm*) pv_scenario "$s"; continue ;; esac
	cd_iso=$iso
	case $s in install-ejected* | install-killed | install-powercut-*) cd_iso=$test_iso ;; esac
	if [ "$s" = install-tampered ]; then
		cd_iso="$work/tampered.iso"
		tamper "$iso" "$cd_iso" || { fail "$s: cannot alter a payload of $iso"; continue; }
	fi
	boot "$s" "$cd_iso"
done
if [ "${E2E_KEEP:-0}" = 1 ]; then
	echo "e2e: kept the root tree in $tree and the disk images in $work/*/"
else
	rm -f "$work/tampered.iso"
fi
finish
