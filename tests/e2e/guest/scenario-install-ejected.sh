# SPDX-License-Identifier: MIT
# Scenario "install-ejected": the CD is pulled out of the drive (QEMU's QMP
# "eject", forced) while the installer runs. The installer, run from a copy
# on the root disk (/root/gt-installer) without --media, mounts the CD
# itself, reads and checks the manifest, and stops itself (SIGSTOP, the test
# seam GT_TEST_STOP_AT=payload) just before it reads the payload. Then the
# guest asks the host for the eject (the marker line below on the report
# port; tests/e2e/qmp-eject.py on the host watches for it), waits until the
# kernel sees the drive empty, drops the page cache (so no cached page of the
# CD can stand in for the medium) and lets the installer go on. It must fail
# with exit 7 (media lost), say that nothing was changed, and leave the root
# (file list, sha256 of /etc /usr /var/lib/dpkg, the dpkg database), the
# mounts and the temporary folders as they were.
# Host checks: tests/e2e/check.py (install-ejected).
GT_EJECT_MARKER=@@GT-EJECT-READY@@

# gt_wait_stopped PID SECONDS: 0 once PID is stopped (state T), 1 when it
# exited or SECONDS passed.
gt_wait_stopped() {
	_i=0
	while [ $_i -lt $(($2 * 10)) ]; do
		case $(gt_proc_state "$1") in
		T | t) return 0 ;;
		'' | Z) return 1 ;;
		esac
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# gt_medium_json: what the kernel says about the drive's medium now.
gt_medium_json() {
	_size=$(cat /sys/block/sr0/size 2>/dev/null || echo -1)
	_bd=$(blockdev --getsize64 /dev/sr0 2>&1) && _bdrc=0 || _bdrc=$?
	printf '{"sys_size":%s,"blockdev_rc":%s,"blockdev":%s}' "$_size" "$_bdrc" \
		"$(gt_json_str "$_bd")"
}

# gt_wait_medium_gone SECONDS: 0 once the drive is empty: its size is 0
# or it cannot be opened (ENOMEDIUM). Opening it is also what makes the
# kernel notice the media change, as udev's polling would.
gt_wait_medium_gone() {
	_i=0
	while [ $_i -lt $(($1 * 2)) ]; do
		if [ "$(cat /sys/block/sr0/size 2>/dev/null)" = 0 ] ||
			! blockdev --getsize64 /dev/sr0 >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.5
		_i=$((_i + 1))
	done
	return 1
}

gt_uptime() { cut -d' ' -f1 /proc/uptime; }

# What the installer may leave behind: its mounts and mkdtemp folders.
gt_leftovers() {
	awk '$3 == "iso9660" || $2 ~ /guest-tools/' /proc/mounts
	for _d in /run/guest-tools-* /tmp/guest-tools-* /dev/shm/guest-tools-* \
		/var/tmp/guest-tools-*; do
		[ -e "$_d" ] && echo "left: $_d"
	done
	return 0
}

gt_scenario() {
	gt_wait_media
	awk '$3 == "iso9660"' /proc/mounts >"$GT_RUN/mounts"
	gt_put mounts-before 0 "$GT_RUN/mounts"
	_t=$(gt_uptime)
	gt_snapshot_sums "$GT_RUN/before" "$GT_RUN/dpkg-before"
	printf '{"seconds":%s,"lines":%s}\n' \
		"$(awk -v a="$_t" -v b="$(gt_uptime)" 'BEGIN { printf "%.1f", b - a }')" \
		"$(wc -l <"$GT_RUN/before")" >"$GT_RUN/snap"
	gt_put snapshot-before 0 "$GT_RUN/snap"
	cd /root || return 1

	_t=$(gt_uptime)
	GT_TEST_STOP_AT=payload /root/gt-installer install -n --json \
		>"$GT_RUN/install.out" 2>"$GT_RUN/install.err" </dev/null &
	_pid=$!
	_src=0
	gt_wait_stopped "$_pid" 180 || _src=1
	printf '{"pid":%s,"state":%s,"seconds":%s,"mounts":%s}\n' "$_pid" \
		"$(gt_json_str "$(gt_proc_state "$_pid")")" \
		"$(awk -v a="$_t" -v b="$(gt_uptime)" 'BEGIN { printf "%.1f", b - a }')" \
		"$(gt_json_str "$(awk '$3 == "iso9660"' /proc/mounts)")" >"$GT_RUN/stopped"
	gt_put stopped "$_src" "$GT_RUN/stopped"

	if [ "$_src" = 0 ]; then
		# The host ejects the CD when it reads this line (run.sh,
		# qmp-eject.py).
		gt_emit "$GT_EJECT_MARKER"
		_t=$(gt_uptime)
		_mrc=0
		gt_wait_medium_gone 90 || _mrc=1
		printf '{"gone":%s,"seconds":%s,"medium":%s}\n' \
			"$([ $_mrc = 0 ] && echo true || echo false)" \
			"$(awk -v a="$_t" -v b="$(gt_uptime)" 'BEGIN { printf "%.1f", b - a }')" \
			"$(gt_medium_json)" >"$GT_RUN/medium"
		gt_put medium "$_mrc" "$GT_RUN/medium"
		# No page of the CD may stay in the cache to stand in for it.
		sync
		echo 3 >/proc/sys/vm/drop_caches
		kill -CONT "$_pid"
	fi
	_rc=0
	wait "$_pid" || _rc=$?
	gt_put install "$_rc" "$GT_RUN/install.out"
	[ -s "$GT_RUN/install.err" ] && gt_put install.stderr "$_rc" "$GT_RUN/install.err"

	cd /
	gt_snapshot_sums "$GT_RUN/after" "$GT_RUN/dpkg-after"
	gt_rootdiff rootdiff "$GT_RUN/before" "$GT_RUN/after"
	gt_rootdiff dpkgdiff "$GT_RUN/dpkg-before" "$GT_RUN/dpkg-after"
	gt_leftovers >"$GT_RUN/left"
	gt_put leftovers "$([ -s "$GT_RUN/left" ] && echo 1 || echo 0)" "$GT_RUN/left"
	gt_section status /root/gt-installer status --json
	# What the kernel said about the drive and the file system (evidence).
	dmesg | grep -E 'sr0|sr 1:|isofs|ISOFS|I/O error|cdrom|ata2' | tail -n 40 >"$GT_RUN/kernel" || true
	gt_put kernel 0 "$GT_RUN/kernel"
}
