# SPDX-License-Identifier: MIT
# Scenario "install-killed": an admin kills a hung installer with kill -9
# while it has the CD mounted on its own folder. SIGKILL cleans up nothing:
# the CD stays mounted on /run/guest-tools-PID-XXXXXX (its tray locked). The
# next `installer install` must detach that mount, remove the folder, and
# install as usual. The installer (a copy on the root disk, /root/gt-installer)
# mounts the CD itself and is stopped by its test seam (GT_TEST_STOP_AT=payload)
# so that the kill comes while the mount is there.
# Host checks: tests/e2e/check.py (install-killed).
gt_scenario() {
	gt_wait_media
	awk '$3 == "iso9660"' /proc/mounts >"$GT_RUN/mounts"
	gt_put mounts-before 0 "$GT_RUN/mounts"
	cd /root || return 1
	GT_TEST_STOP_AT=payload /root/gt-installer install -n --force --json \
		>"$GT_RUN/killed.out" 2>&1 </dev/null &
	_pid=$!
	_src=0
	gt_wait_stopped "$_pid" 180 >/dev/null || _src=1
	kill -KILL "$_pid"
	_krc=0
	wait "$_pid" || _krc=$?
	# One line each: gt_json_str does not escape newlines.
	printf '{"pid":%s,"exit":%s,"mounts":%s,"folders":%s}\n' "$_pid" "$_krc" \
		"$(gt_json_str "$(awk '$3 == "iso9660"' /proc/mounts | tr '\n' ';')")" \
		"$(gt_json_str "$(printf '%s ' /run/guest-tools-*)")" \
		>"$GT_RUN/killed"
	gt_put killed "$_src" "$GT_RUN/killed"
	gt_section install /root/gt-installer install -n -v --force --json
	gt_leftovers >"$GT_RUN/left"
	gt_put leftovers "$([ -s "$GT_RUN/left" ] && echo 1 || echo 0)" "$GT_RUN/left"
	gt_section status /root/gt-installer status --json
	gt_agent_section
}
