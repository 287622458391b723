# SPDX-License-Identifier: MIT
# Scenario "install-sigint": the admin presses Ctrl-C at the installer's
# confirmation prompt while the installer has the CD mounted on its own
# folder. Before, SIGINT ended the process there and then: the CD stayed
# mounted (its tray locked) until the next run swept it. Now the signal is
# caught (installer/media/media.c): the prompt says "cancelled; nothing was
# changed", exit 1, and the CD is unmounted on the way out.
# The installer (a copy on the root disk, /root/gt-installer, no --media)
# mounts the CD itself. The prompt needs a terminal: script(1) gives it a
# pty whose input, a FIFO held open here, types nothing. Ctrl-C on a
# terminal is SIGINT to the foreground process: kill -INT is the same to it.
# Host checks: tests/e2e/check.py (install-sigint).
gt_scenario() {
	gt_wait_media
	awk '$3 == "iso9660"' /proc/mounts >"$GT_RUN/mounts"
	gt_put mounts-before 0 "$GT_RUN/mounts"
	gt_snapshot_sums "$GT_RUN/before" "$GT_RUN/dpkg-before"
	cd /root || return 1
	mkfifo "$GT_RUN/keys"
	script -qefc "exec /root/gt-installer install" /dev/null \
		<"$GT_RUN/keys" >"$GT_RUN/prompt.out" 2>&1 &
	_spid=$!
	exec 3>"$GT_RUN/keys" # opens the pty's input for script, and keeps it open
	_i=0 _src=1
	while [ $_i -lt 1800 ]; do
		if grep -q '\[y/N\]' "$GT_RUN/prompt.out" 2>/dev/null; then
			_src=0
			break
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	_pid=$(pgrep -x gt-installer | head -n 1)
	# What is mounted while the prompt waits: the CD on the installer's folder.
	printf '{"seen":%s,"pid":%s,"mounts":%s,"folders":%s}\n' \
		"$([ $_src = 0 ] && echo true || echo false)" "${_pid:-null}" \
		"$(gt_json_str "$(awk '$3 == "iso9660"' /proc/mounts | tr '\n' ';')")" \
		"$(gt_json_str "$(printf '%s ' /run/guest-tools-*)")" >"$GT_RUN/prompt"
	gt_put prompt "$_src" "$GT_RUN/prompt"
	[ -n "$_pid" ] && kill -INT "$_pid"
	_rc=0
	wait "$_spid" || _rc=$?
	exec 3>&-
	gt_put install "$_rc" "$GT_RUN/prompt.out"
	cd /
	gt_after_run
	gt_section status /root/gt-installer status --json
	gt_agent_section
}
