#!/bin/sh
# SPDX-License-Identifier: MIT
#
# install-deps.sh build|check
# Makes sure the Debian packages that `make iso` (build) or `make check`
# (check: build + test tools) need are installed. Each component lists its
# own in scripts/deps/<component>.build and .check, one package a line.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command and fails. With everything present it says nothing.
set -eu

mode=${1:-build}
here=$(dirname "$0")
case $mode in
build) lists=$(ls "$here"/deps/*.build 2>/dev/null) ;;
check) lists=$(ls "$here"/deps/*.build "$here"/deps/*.check 2>/dev/null) ;;
*)
	echo "install-deps: unknown mode '$mode' (use build or check)" >&2
	exit 2
	;;
esac

wanted=$(sed -e 's/#.*//' $lists | tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u)
missing=
for p in $wanted; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# One failing index makes apt-get update exit 100; the install still works.
apt-get update -q >/dev/null 2>&1 || true
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
