#!/bin/sh
# SPDX-License-Identifier: MIT
# test-summary.sh DIR: add up the "passed failed skipped [differ]" lines that
# every suite wrote to DIR/<suite> (differ: answers that differ from a peer's
# on purpose, documented; tests/lib/harness.py), print one line a suite and
# the closing total. Fails when a suite failed a test or never reported.
set -eu
dir=$1
tp=0 tf=0 ts=0 td=0 bad=0
echo "== test summary =="
for f in "$dir"/*; do
	[ -e "$f" ] || continue
	p= fl= s= d=
	read -r p fl s d <"$f" || true
	name=$(basename "$f")
	printf '%-16s %4s passed %4s failed %4s skipped' "$name" "${p:-?}" "${fl:-?}" "${s:-?}"
	case "${d:-0}" in 0) echo ;; *) echo " $(printf '%4s' "$d") differ (documented)" ;; esac
	case "$p$fl$s${d:-0}" in *[!0-9]* | "") bad=1; continue ;; esac
	tp=$((tp + p)) tf=$((tf + fl)) ts=$((ts + s)) td=$((td + ${d:-0}))
done
if [ "$td" -gt 0 ]; then
	echo "check: $tp passed, $tf failed, $ts skipped, $td differ (documented)"
else
	echo "check: $tp passed, $tf failed, $ts skipped"
fi
[ "$tf" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$tp" -gt 0 ]
