#!/bin/sh
# SPDX-License-Identifier: MIT
# test-summary.sh DIR: add up the "passed failed skipped" lines that every
# suite wrote to DIR/<suite>, print one line a suite and the closing total.
# Fails when a suite failed a test or never reported.
set -eu
dir=$1
tp=0 tf=0 ts=0 bad=0
echo "== test summary =="
for f in "$dir"/*; do
	[ -e "$f" ] || continue
	read -r p fl s <"$f" || true
	name=$(basename "$f")
	printf '%-16s %4s passed %4s failed %4s skipped\n' "$name" "${p:-?}" "${fl:-?}" "${s:-?}"
	case "$p$fl$s" in *[!0-9]* | "") bad=1; continue ;; esac
	tp=$((tp + p)) tf=$((tf + fl)) ts=$((ts + s))
done
echo "check: $tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$tp" -gt 0 ]
