#!/bin/sh
# SPDX-License-Identifier: MIT
#
# clang-tidy-run.sh JOBS FILE... -- COMPILER-FLAGS...
# Runs clang-tidy (checks from the top .clang-tidy) on each FILE, JOBS files at
# a time, compiling with COMPILER-FLAGS (no compile_commands.json needed).
# A file's diagnostics are printed only when it has findings, so that parallel
# runs do not interleave; exits 1 when any file has one.
set -u

if [ "${1:-}" = --one ]; then
	f=$2
	shift 2
	if out=$(clang-tidy --quiet "$f" "$@" 2>&1); then
		exit 0
	fi
	printf '%s\n' "$out" | grep -v '^[0-9]* warnings* generated\.$'
	exit 1
fi

jobs=${1:?usage: clang-tidy-run.sh JOBS FILE... -- FLAGS...}
shift
files=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	files="$files $1"
	shift
done
[ -n "$files" ] || exit 0
# xargs exits 123 when any invocation failed; every file still runs.
printf '%s\n' $files | xargs -P"$jobs" -I{} "$0" --one {} "$@" || exit 1
