#!/bin/sh
# SPDX-License-Identifier: MIT
# run-cmocka.sh SUITE RESULTS_DIR TEST_BINARY...: run cmocka test programs,
# add up their "[  PASSED  ]" / "[  FAILED  ]" counts into RESULTS_DIR/SUITE.
set -u
suite=$1 results=$2
shift 2
passed=0 failed=0
log=$(mktemp)
for t in "$@"; do
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A crash or sanitizer abort reports no count: count the program as a failure.
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "$suite: $t: exited $rc without a cmocka summary" >&2
		failed=$((failed + 1))
	fi
done
rm -f "$log"
mkdir -p "$results"
echo "$passed $failed 0" >"$results/$suite"
[ "$failed" -eq 0 ]
