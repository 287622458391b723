# SPDX-License-Identifier: MIT
# Guest side of the e2e rig (POSIX sh, sourced by gt-e2e-run). Everything the
# host checks goes to the second serial port (/dev/ttyS1, the host's
# results.log) between markers:
#   @@GT-BEGIN name@@
#   ...the command's stdout (name.stderr gets its stderr)...
#   @@GT-END name rc=N@@
# and is echoed to the console (ttyS0) for whoever watches the boot.

GT_OUT=/dev/ttyS1
GT_RUN=/run/gt-e2e
GT_CD=/mnt

gt_emit() {
	printf '%s\n' "$*" >>"$GT_OUT"
	printf '%s\n' "$*"
}

# gt_put NAME RC FILE: FILE's content as section NAME with exit code RC.
gt_put() {
	gt_emit "@@GT-BEGIN $1@@"
	cat "$3" >>"$GT_OUT"
	cat "$3"
	# A section ends on a line of its own even when FILE does not end in one.
	if [ -n "$(tail -c 1 "$3")" ]; then
		gt_emit ""
	fi
	gt_emit "@@GT-END $1 rc=$2@@"
}

# gt_section NAME CMD...: runs CMD; its stdout is section NAME, its stderr
# section NAME.stderr (when not empty). Returns CMD's exit code.
gt_section() {
	_n=$1
	shift
	_rc=0
	"$@" >"$GT_RUN/out" 2>"$GT_RUN/err" </dev/null || _rc=$?
	gt_put "$_n" "$_rc" "$GT_RUN/out"
	if [ -s "$GT_RUN/err" ]; then
		gt_put "$_n.stderr" "$_rc" "$GT_RUN/err"
	fi
	return "$_rc"
}

gt_json_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# Waits for the CD as udev brings it: /dev/sr0, then the /dev/cdrom link.
gt_wait_media() {
	_i=0
	while [ ! -b /dev/sr0 ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	udevadm settle --timeout=10 2>/dev/null || true
}

# gt_mount_cd: mounts the CD at /mnt as a user would (`mount /dev/cdrom
# /mnt`, /dev/sr0 when udev made no link) and reports section "media".
gt_mount_cd() {
	_dev=/dev/cdrom
	[ -e "$_dev" ] || _dev=/dev/sr0
	_rc=0
	mount -o ro "$_dev" "$GT_CD" 2>"$GT_RUN/err" || _rc=$?
	gt_media_json "$_dev" >"$GT_RUN/media"
	gt_put media "$_rc" "$GT_RUN/media"
	[ -s "$GT_RUN/err" ] && gt_put media.stderr "$_rc" "$GT_RUN/err"
	return "$_rc"
}

gt_media_json() {
	_fst=$(awk -v m="$GT_CD" '$2 == m { t = $3 } END { print t }' /proc/mounts)
	_src=$(awk -v m="$GT_CD" '$2 == m { s = $1 } END { print s }' /proc/mounts)
	_link=false
	[ -L /dev/cdrom ] && _link=true
	printf '{"device":%s,"resolved":%s,"mounted_from":%s,"fstype":%s,"cdrom_link":%s,"cdrom_target":%s}\n' \
		"$(gt_json_str "$1")" "$(gt_json_str "$(readlink -f "$1")")" \
		"$(gt_json_str "$_src")" "$(gt_json_str "$_fst")" "$_link" \
		"$(gt_json_str "$(readlink -f /dev/cdrom 2>/dev/null)")"
}

# The installer on the CD: Linux/installer.<arch>, or plain Linux/installer.
gt_cd_installer() {
	if [ -x "$1/Linux/installer.$(uname -m)" ]; then
		echo "$1/Linux/installer.$(uname -m)"
	else
		echo "$1/Linux/installer"
	fi
}

# gt_snapshot FILE: what "the root is unchanged" compares: every path of the
# root file system with its type, mode, size and mtime, and the dpkg
# database's hash. Left out: what a running system changes by itself (logs,
# /var/lib/systemd timers and seeds, caches) and the rig's own files.
gt_snapshot() {
	{
		sha256sum /var/lib/dpkg/status
		find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
			-o -path /tmp -o -path /var/tmp -o -path /var/log -o -path /var/cache \
			-o -path /var/lib/systemd -o -path /var/lib/gt-e2e -o -path "$GT_CD" \) -prune \
			-o -printf '%p %y %m %s %T@\n' |
			# A run takes the run lock: it makes /var/lib/guest-tools/lock
			# and removes it as it ends (installer(8)), which moves that
			# directory's mtime and nothing else; the lock file itself
			# must be gone, and its absence is in the listing.
			awk '$1 == "/var/lib/guest-tools" && $2 == "d" { $5 = "-" } { print }' |
			LC_ALL=C sort
	} >"$1"
}

# gt_rootdiff NAME BEFORE AFTER: section NAME holds the differences; rc 0
# means none.
gt_rootdiff() {
	gt_section "$1" diff "$2" "$3" || true
}

# gt_agent_section: for each .deb on the CD meant for this machine, whether
# dpkg has it installed and whether its systemd units are enabled. Mounts
# its own read-only view of the CD, so it works whoever mounted it before.
gt_agent_json() {
	_cd=$GT_RUN/cd
	mkdir -p "$_cd"
	_dev=/dev/cdrom
	[ -e "$_dev" ] || _dev=/dev/sr0
	mount -o ro "$_dev" "$_cd" || return 1
	_arch=$(dpkg --print-architecture)
	printf '{"packages":['
	_sep=
	for _deb in $(find "$_cd" -name '*.deb' | LC_ALL=C sort); do
		_a=$(dpkg-deb -f "$_deb" Architecture)
		[ "$_a" = "$_arch" ] || [ "$_a" = all ] || continue
		_p=$(dpkg-deb -f "$_deb" Package)
		_st=$(dpkg-query -W -f '${Status}' "$_p" 2>/dev/null || true)
		_v=$(dpkg-query -W -f '${Version}' "$_p" 2>/dev/null || true)
		printf '%s{"deb":%s,"package":%s,"status":%s,"version":%s,"units":[' "$_sep" \
			"$(gt_json_str "${_deb#"$_cd"}")" "$(gt_json_str "$_p")" \
			"$(gt_json_str "$_st")" "$(gt_json_str "$_v")"
		_usep=
		for _u in $(dpkg -L "$_p" 2>/dev/null | grep -E '/systemd/system/[^/]+\.(service|timer|socket)$' || true); do
			_name=$(basename "$_u")
			_en=$(systemctl is-enabled "$_name" 2>/dev/null || true)
			_ac=$(systemctl is-active "$_name" 2>/dev/null || true)
			# "no" when systemd skipped the unit for its own Condition*=
			# (a Xen-only agent on this QEMU guest).
			_co=$(systemctl show -p ConditionResult --value "$_name" 2>/dev/null || true)
			printf '%s{"unit":%s,"enabled":%s,"active":%s,"condition":%s}' "$_usep" \
				"$(gt_json_str "$_name")" "$(gt_json_str "$_en")" \
				"$(gt_json_str "$_ac")" "$(gt_json_str "$_co")"
			_usep=,
		done
		printf ']}'
		_sep=,
	done
	printf ']}\n'
	umount "$_cd"
}

gt_agent_section() {
	gt_section agent gt_agent_json || true
}

# gt_snapshot_sums FILE DPKG: gt_snapshot's list, then the sha256 of every
# regular file under /etc, /usr and /var/lib/dpkg (what a package install
# writes), into FILE; dpkg's view of every package (status, name, version,
# architecture: `dpkg -l` without its column widths) into DPKG.
gt_snapshot_sums() {
	gt_snapshot "$1"
	find /etc /usr /var/lib/dpkg -xdev -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum >>"$1"
	dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\n' |
		LC_ALL=C sort >"$2"
}

# gt_proc_state PID: the state letter of PID (R, S, T...), empty once gone.
gt_proc_state() {
	sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$1/stat" 2>/dev/null
}

# --- The CD ejected mid-run (scenarios install-ejected, -mounted) ---------
# The installer stops itself (SIGSTOP, its test seam GT_TEST_STOP_AT=payload)
# after it found the media and checked the manifest, just before it reads
# the payload. The guest then asks the host for the eject with this line on
# the report port (tests/e2e/qmp-eject.py watches results.log for it).
GT_EJECT_MARKER=@@GT-EJECT-READY@@

gt_uptime() { cut -d' ' -f1 /proc/uptime; }
gt_since() { awk -v a="$1" -v b="$(gt_uptime)" 'BEGIN { printf "%.1f", b - a }'; }

# gt_find_stopped PID: PID, or a child of PID, that is stopped (state T).
gt_find_stopped() {
	case $(gt_proc_state "$1") in T | t) echo "$1"; return 0 ;; esac
	for _st in /proc/[0-9]*/stat; do
		# "pid (comm) state ppid ..." as "pid state ppid"
		_l=$(sed -n 's/^\([0-9]*\) .*) \([A-Za-z]\) \([0-9]*\) .*$/\1 \2 \3/p' "$_st" 2>/dev/null) ||
			continue
		case $_l in
		*" T $1" | *" t $1") echo "${_l%% *}"; return 0 ;;
		esac
	done
	return 1
}

# gt_wait_stopped PID SECONDS: prints the stopped process (PID or its
# child); 1 when PID exited or SECONDS passed first.
gt_wait_stopped() {
	_i=0
	while [ $_i -lt $(($2 * 10)) ]; do
		gt_find_stopped "$1" && return 0
		case $(gt_proc_state "$1") in '' | Z) return 1 ;; esac
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

# gt_wait_medium_gone SECONDS: 0 once the drive is empty: its size is 0 or
# it cannot be opened (ENOMEDIUM). Opening it is also what makes the kernel
# notice the media change, as udev's polling would.
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

# What an installer run may leave behind: iso9660 mounts other than the
# user's own at $GT_CD, and the mkdtemp folders of the installer
# (guest-tools-*) and of install.sh (guest-tools.*).
gt_leftovers() {
	awk -v m="$GT_CD" '($3 == "iso9660" && $2 != m) || $2 ~ /guest-tools/' /proc/mounts
	for _d in /run/guest-tools[.-]* /tmp/guest-tools[.-]* /dev/shm/guest-tools[.-]* \
		/var/tmp/guest-tools[.-]*; do
		[ -e "$_d" ] && echo "left: $_d"
	done
	return 0
}

# gt_after_run: what a run left, against gt_snapshot_sums' "before" and
# "dpkg-before" in $GT_RUN: sections rootdiff, dpkgdiff and leftovers.
gt_after_run() {
	gt_snapshot_sums "$GT_RUN/after" "$GT_RUN/dpkg-after"
	gt_rootdiff rootdiff "$GT_RUN/before" "$GT_RUN/after"
	gt_rootdiff dpkgdiff "$GT_RUN/dpkg-before" "$GT_RUN/dpkg-after"
	gt_leftovers >"$GT_RUN/left"
	gt_put leftovers "$([ -s "$GT_RUN/left" ] && echo 1 || echo 0)" "$GT_RUN/left"
}

# gt_ejected_scenario selfmount|mounted: the whole scenario. selfmount: the
# installer, run from its copy on the root disk (/root/gt-installer) without
# --media, mounts the CD itself (libmount, on a guest-tools-* folder).
# mounted: the user mounts the CD on /mnt and runs ./install.sh -n --json
# (install.sh runs a private copy of the installer with --media /mnt).
# Sections: mounts-before, snapshot-before, stopped, medium, install,
# rootdiff, dpkgdiff, leftovers, status, kernel (dmesg, for the record).
gt_ejected_scenario() {
	_mode=$1
	gt_wait_media
	awk '$3 == "iso9660"' /proc/mounts >"$GT_RUN/mounts"
	gt_put mounts-before 0 "$GT_RUN/mounts"
	_t=$(gt_uptime)
	gt_snapshot_sums "$GT_RUN/before" "$GT_RUN/dpkg-before"
	printf '{"seconds":%s,"lines":%s}\n' "$(gt_since "$_t")" \
		"$(wc -l <"$GT_RUN/before")" >"$GT_RUN/snap"
	gt_put snapshot-before 0 "$GT_RUN/snap"
	# --force: the rig's guest runs on QEMU, where install otherwise stops
	# before any change (exit 14: the Xen agent would stay idle there).
	if [ "$_mode" = mounted ]; then
		gt_mount_cd || return 1
		cd "$GT_CD/Linux" || return 1
		set -- ./install.sh -n --force --json
	else
		cd /root || return 1
		set -- /root/gt-installer install -n --force --json
	fi

	_t=$(gt_uptime)
	GT_TEST_STOP_AT=payload "$@" >"$GT_RUN/install.out" 2>"$GT_RUN/install.err" </dev/null &
	_pid=$!
	_src=0
	_stopped=$(gt_wait_stopped "$_pid" 180) || _src=1
	printf '{"pid":%s,"stopped_pid":%s,"state":%s,"exe":%s,"seconds":%s,"mounts":%s}\n' \
		"$_pid" "${_stopped:-null}" "$(gt_json_str "$(gt_proc_state "${_stopped:-$_pid}")")" \
		"$(gt_json_str "$(readlink "/proc/${_stopped:-$_pid}/exe")")" "$(gt_since "$_t")" \
		"$(gt_json_str "$(awk '$3 == "iso9660"' /proc/mounts)")" >"$GT_RUN/stopped"
	gt_put stopped "$_src" "$GT_RUN/stopped"

	if [ "$_src" = 0 ]; then
		gt_emit "$GT_EJECT_MARKER"
		_t=$(gt_uptime)
		_mrc=0
		gt_wait_medium_gone 90 || _mrc=1
		printf '{"gone":%s,"seconds":%s,"medium":%s}\n' \
			"$([ $_mrc = 0 ] && echo true || echo false)" "$(gt_since "$_t")" \
			"$(gt_medium_json)" >"$GT_RUN/medium"
		gt_put medium "$_mrc" "$GT_RUN/medium"
		# No page of the CD may stay in the cache to stand in for it.
		sync
		echo 3 >/proc/sys/vm/drop_caches
		kill -CONT "$_stopped"
	fi
	_rc=0
	wait "$_pid" || _rc=$?
	gt_put install "$_rc" "$GT_RUN/install.out"
	[ -s "$GT_RUN/install.err" ] && gt_put install.stderr "$_rc" "$GT_RUN/install.err"

	cd /
	gt_after_run
	# The user's own mount of the vanished CD goes too.
	if [ "$_mode" = mounted ]; then
		umount "$GT_CD" || true
	fi
	# The installer's copy on the root disk (run.sh puts it there): the CD
	# is gone.
	gt_section status /root/gt-installer status --json
	# What the kernel said about the drive and the file system, for the record.
	dmesg | grep -E 'sr0|sr 1:|isofs|ISOFS|I/O error|cdrom|ata2' | tail -n 40 >"$GT_RUN/kernel" || true
	gt_put kernel 0 "$GT_RUN/kernel"
}
