# SPDX-License-Identifier: MIT
# Scenario "pv-to-hvm": a Debian guest laid out as a Xen PV guest (no boot
# code in the MBR, console on hvc0 only; tests/e2e/pvroot.sh) is made ready
# for HVM by `installer prepare-hvm`, then boots through the firmware.
# The host (tests/e2e/pv-to-hvm.sh) boots the same disk twice after a
# negative control; this job runs in both boots and tells them apart by
# /var/lib/gt-e2e/phase (kept on the disk, left out of the host's
# before/after comparison).
#
# Boot 1, the PV way (QEMU -kernel/-initrd from the image's /boot, as dom0 or
# pygrub boots a PV guest; the console is /dev/hvc0, a virtio console):
# what the consoles and gettys are; `installer detect --pv-to-hvm --json`;
# `installer prepare-hvm --json`; detect again.
# Boot 2, the HVM way (SeaBIOS from the disk's own boot code, the serial
# console ttyS0): waits for a getty on ttyS0 (its login prompt goes to the
# host's console log), reports the consoles, runs detect again, then
# `installer uninstall --yes --json` (the host then compares the disk with
# its copy from before boot 1).
# /etc/gt-e2e/steps (written by the host) names what the installer on the
# CD can do: p2h (detect --pv-to-hvm), prepare (prepare-hvm); without p2h
# boot 1 runs plain `detect --json`.
# Host checks: tests/e2e/check.py (pv-to-hvm).
GT_STATE=/var/lib/gt-e2e

gt_has_step() { grep -qw "$1" /etc/gt-e2e/steps 2>/dev/null; }

# gt_gettys: the terminals an agetty runs on (its controlling tty), one
# line, sorted.
gt_gettys() {
	ps -eo tty=,comm= | awk '$2 == "agetty" { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//'
}

# gt_wait_getty TTY SECONDS: until an agetty runs on TTY (by the clock: each
# look costs a ps under TCG).
gt_wait_getty() {
	_end=$(($(cut -d. -f1 /proc/uptime) + $2))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$_end" ]; do
		case " $(gt_gettys) " in *" $1 "*) return 0 ;; esac
		sleep 0.5
	done
	return 1
}

# gt_console_section NAME TTY: the kernel's consoles and the gettys, after
# waiting (<= 60 s) for a getty on TTY; rc 1 when none came.
gt_console_section() {
	_rc=0
	gt_wait_getty "$2" 60 || _rc=1
	# The login prompt is written once the getty runs: give it a moment.
	sleep 1
	printf '{"cmdline":%s,"active":%s,"gettys":%s,"waited_for":%s}\n' \
		"$(gt_json_str "$(cat /proc/cmdline)")" \
		"$(gt_json_str "$(cat /sys/class/tty/console/active)")" \
		"$(gt_json_str "$(gt_gettys)")" "$(gt_json_str "$2")" >"$GT_RUN/console"
	gt_put "$1" "$_rc" "$GT_RUN/console"
}

gt_pv_boot() {
	mkdir -p "$GT_STATE"
	echo 1 >"$GT_STATE/phase"
	sync
	gt_console_section console-pv hvc0
	gt_wait_media
	gt_mount_cd || return 1
	inst=$(gt_cd_installer "$GT_CD")
	cd / || return 1
	if gt_has_step p2h; then
		gt_section detect-pv "$inst" detect --pv-to-hvm --json
	else
		gt_section detect-pv "$inst" detect --json
	fi
	if gt_has_step prepare; then
		gt_section prepare "$inst" prepare-hvm --json
		gt_section detect-prepared "$inst" detect --pv-to-hvm --json
	fi
	umount "$GT_CD" || true
	sync
}

gt_hvm_boot() {
	echo 2 >"$GT_STATE/phase"
	sync
	gt_console_section console-hvm ttyS0
	gt_wait_media
	gt_mount_cd || return 1
	inst=$(gt_cd_installer "$GT_CD")
	cd / || return 1
	gt_section detect-hvm "$inst" detect --pv-to-hvm --json
	gt_section uninstall "$inst" uninstall --yes --json
	umount "$GT_CD" || true
	sync
	echo 2 >"$GT_RUN/end"
	gt_put hvm-end 0 "$GT_RUN/end"
}

gt_scenario() {
	if [ -e "$GT_STATE/phase" ]; then
		gt_hvm_boot
	else
		gt_pv_boot
	fi
}
