#!/bin/sh
# SPDX-License-Identifier: MIT
#
# guest-tools: Linux/install.sh on the tools CD.
#   mount /dev/cdrom /mnt; cd /mnt/Linux; sudo ./install.sh
# Picks the static installer built for this machine, copies it off the CD
# when the CD is mounted noexec, and runs `installer install`. Takes the
# upstream tools' flags: -d DISTRO -m MAJOR (together), -n (no questions),
# -k (accepted: the kernel is never changed), -h; anything else goes to the
# installer as it is (see `installer install --help`).
# Exit codes are the installer's (installer(8)); 2 for a bad command line here.

usage() {
	cat <<'USAGE'
Usage: install.sh [-n] [-k] [-d DISTRO -m MAJOR] [INSTALLER OPTIONS...]

Install the guest agent from this guest-tools CD and check the PV drivers.
  -n            non-interactive: do not ask for confirmation
  -k            accepted for compatibility (the kernel is never changed)
  -d DISTRO     use the payload for DISTRO (an os-release ID, e.g. rhel) ...
  -m MAJOR      ... and this major version; -d and -m go together
  -h            this help
Other options go to `installer install`: --dry-run, --json, --log FILE, -v.
USAGE
}

# Where this script lives: the CD's Linux/ folder.
case $0 in
*/*) here=${0%/*} ;;
*) here=. ;;
esac
here=$(cd "$here" 2>/dev/null && pwd) || {
	echo "install.sh: cannot find the directory it runs from" >&2
	exit 2
}

distro= major= pass=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-n) pass="$pass --yes" ;;
	-k) ;;
	-d)
		[ $# -ge 2 ] || { echo "install.sh: -d needs a distribution" >&2; exit 2; }
		distro=$2
		shift
		;;
	-m)
		[ $# -ge 2 ] || { echo "install.sh: -m needs a major version" >&2; exit 2; }
		major=$2
		shift
		;;
	*)
		# Keep each argument whole: quote it for the eval below.
		q=$(printf '%s' "$1" | sed "s/'/'\\\\''/g")
		pass="$pass '$q'"
		;;
	esac
	shift
done
if { [ -n "$distro" ] && [ -z "$major" ]; } || { [ -z "$distro" ] && [ -n "$major" ]; }; then
	echo "install.sh: -d DISTRO and -m MAJOR go together" >&2
	usage >&2
	exit 2
fi
if [ -n "$distro" ]; then
	case $major in
	'' | *[!0-9]*)
		echo "install.sh: -m needs a number, not '$major'" >&2
		exit 2
		;;
	esac
	pass="$pass -d '$distro' -m '$major'"
fi

case $(uname -m) in
x86_64 | amd64) arch=x86_64 ;;
i[3-6]86) arch=i686 ;;
aarch64 | arm64) arch=aarch64 ;;
*) arch=$(uname -m) ;;
esac
bin=$here/installer.$arch
[ -f "$bin" ] || bin=$here/installer
if [ ! -f "$bin" ]; then
	echo "install.sh: this CD has no installer for $arch (looked for installer.$arch)" >&2
	exit 4
fi

if [ "$(id -u)" != 0 ]; then
	echo "install.sh: must be run as root: sudo ./install.sh" >&2
	exit 9
fi

# Run a private copy, not the binary on the CD: a CD mounted noexec (desktop
# automounters do that) cannot run it, and a CD ejected mid-run would take
# the pages of a running binary with it. The installer reads the media
# itself and reports a CD that goes away as exit 7, with nothing changed.
tmp=
cleanup() {
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
run=
for base in /run /tmp /dev/shm; do
	[ -d "$base" ] && [ -w "$base" ] || continue
	if command -v mktemp >/dev/null 2>&1; then
		tmp=$(mktemp -d "$base/guest-tools.XXXXXX" 2>/dev/null) || tmp=
	else
		tmp=$base/guest-tools.$$
		(umask 077 && mkdir "$tmp") 2>/dev/null || tmp=
	fi
	[ -n "$tmp" ] || continue
	if cp "$bin" "$tmp/installer" && chmod 700 "$tmp/installer" &&
		"$tmp/installer" --version >/dev/null 2>&1; then
		run=$tmp/installer
		break
	fi
	rm -rf "$tmp"
	tmp=
done
if [ -z "$run" ]; then
	if ! "$bin" --version >/dev/null 2>&1; then
		echo "install.sh: cannot run $bin (is the CD mounted noexec?) and cannot copy it" \
			"to /run, /tmp or /dev/shm" >&2
		exit 1
	fi
	run=$bin
fi

eval "\"\$run\" install --media \"\$here/..\" $pass"
rc=$?
cleanup
trap - EXIT
exit $rc
