# SPDX-License-Identifier: MIT
# Scenarios "install-powercut-KIND" (KIND in /etc/gt-e2e/cut: pkg, commit):
# the power fails right after the installer made its KIND journal record
# durable, and the same disk boots again.
#
# Boot 1: the root is snapshotted (kept on the disk, synced), then the
# installer (its test build, a copy on the root disk) runs with
# GT_TEST_STOP_AT=KIND: it stops itself right after that record is durable;
# the guest reports what the journal holds and writes @@GT-POWERCUT-READY@@
# on the report port, and the host pulls the plug (QMP quit,
# tests/e2e/qmp-eject.py --action quit): no shutdown, no sync, the guest's
# page cache lost.
# Boot 2 (the same disk): the next `installer install` must leave the guest
# either fully installed (the package as dpkg recorded it: dpkg --audit
# clean, dpkg --verify clean, its units enabled, the installer's record, no
# journal) or exactly as before (the snapshot of boot 1).
# --force: the rig's guest runs on QEMU, where install otherwise stops before
# any change (exit 14: the Xen agent would stay idle there).
# Host checks: tests/e2e/check.py (install-powercut-*).
GT_POWERCUT_MARKER=@@GT-POWERCUT-READY@@
GT_STATE=/var/lib/gt-e2e

gt_powercut_first() {
	_cut=$1
	gt_wait_media
	mkdir -p "$GT_STATE"
	gt_snapshot_sums "$GT_STATE/before" "$GT_STATE/dpkg-before"
	echo "$_cut" >"$GT_STATE/cut-done"
	# What boot 2 compares with, and the mark that boot 1 ran, on the disk
	# before the installer starts (nothing after this point is synced).
	sync
	cd /root || return 1
	GT_TEST_STOP_AT=$_cut /root/gt-installer install -n --force --json \
		>"$GT_RUN/cut.out" 2>"$GT_RUN/cut.err" </dev/null &
	_pid=$!
	_rc=0
	_stopped=$(gt_wait_stopped "$_pid" 240) || _rc=1
	printf '{"pid":%s,"stopped":%s,"state":%s,"cut":%s,"journal_last":%s}\n' "$_pid" \
		"$(gt_json_str "$_stopped")" "$(gt_json_str "$(gt_proc_state "$_pid")")" \
		"$(gt_json_str "$_cut")" \
		"$(gt_json_str "$(tail -n 1 /var/lib/guest-tools/journal 2>/dev/null | cut -f1)")" \
		>"$GT_RUN/stopped"
	gt_put cut-stopped "$_rc" "$GT_RUN/stopped"
	[ "$_rc" = 0 ] || return 1
	gt_emit "$GT_POWERCUT_MARKER"
	# The host quits QEMU now; should it not, the boot times out.
	sleep 600
	return 1
}

gt_powercut_second() {
	gt_wait_media
	printf '{"cut":%s,"journal":%s,"journal_last":%s}\n' \
		"$(gt_json_str "$(cat "$GT_STATE/cut-done")")" \
		"$([ -e /var/lib/guest-tools/journal ] && echo true || echo false)" \
		"$(gt_json_str "$(tail -n 1 /var/lib/guest-tools/journal 2>/dev/null | cut -f1)")" \
		>"$GT_RUN/after-cut"
	gt_put after-cut 0 "$GT_RUN/after-cut"
	cd /root || return 1
	gt_section install /root/gt-installer install -n -v --force --json
	_irc=$?
	gt_section status /root/gt-installer status --json
	_j=false
	[ -e /var/lib/guest-tools/journal ] && _j=true
	printf '{"journal_left":%s}\n' "$_j" >"$GT_RUN/journal"
	gt_put journal 0 "$GT_RUN/journal"
	# dpkg's own view: nothing half-installed, every file of every package
	# as its md5sums say.
	gt_section audit dpkg --audit || true
	gt_section dpkg-verify dpkg --verify || true
	gt_agent_section
	# "Exactly as before" is the other acceptable end; its evidence.
	gt_snapshot_sums "$GT_RUN/after" "$GT_RUN/dpkg-after"
	gt_rootdiff rootdiff "$GT_STATE/before" "$GT_RUN/after"
	gt_rootdiff dpkgdiff "$GT_STATE/dpkg-before" "$GT_RUN/dpkg-after"
	return "$_irc"
}

gt_scenario() {
	if [ -e "$GT_STATE/cut-done" ]; then
		gt_powercut_second
	else
		gt_powercut_first "$(cat /etc/gt-e2e/cut)"
	fi
}
