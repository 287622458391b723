#!/bin/sh
# SPDX-License-Identifier: MIT
#
# npm-tools.sh: the npm tools of make check (tests/release/npm/package.json,
# versions and integrity hashes locked in its package-lock.json), installed
# with `npm ci` into ${GT_CACHE_DIR:-~/.cache/guest-tools}/npm-tools/<key>,
# where <key> hashes the lock: a rerun is a no-op, a new lock a new folder.
# Prints that folder (its node_modules/.bin holds the commands).
# npm comes from Debian (nodejs, npm) when no npm is installed; as root the
# script installs them, otherwise it prints the command and fails.
set -eu
prog=npm-tools
here=$(cd "$(dirname "$0")/../.." && pwd)/tests/release/npm
cache=${GT_CACHE_DIR:-$HOME/.cache/guest-tools}
key=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-12)
dir=$cache/npm-tools/$key
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "$prog: npm is not installed; as root run: apt-get install --no-install-recommends nodejs npm" >&2
		exit 1
	fi
	echo "$prog: installing nodejs and npm (Debian)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm >&2
fi
mkdir -p "$cache/npm-tools"
tmp=$(mktemp -d "$cache/npm-tools/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$tmp/"
# ci: exactly the lock (integrity checked), no scripts of the packages run.
if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2); then
	echo "$prog: npm ci failed in $tmp (tests/release/npm/package-lock.json)" >&2
	exit 1
fi
touch "$tmp/.complete"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$dir"
