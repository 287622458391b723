#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh BUILD SECONDS SUITE TARGET...: runs each $BUILD/fuzz/fuzz_TARGET for
# SECONDS with its seeds, and writes "passed failed skipped" (one per target:
# passed = ran clean) to BUILD/results/SUITE, and the executions each target
# ran to BUILD/fuzz/SUITE.executions. A crash keeps libFuzzer's reproducer
# (crash-*) in BUILD/fuzz/artifacts and prints its log.
set -u
build=${1:?build dir} secs=${2:?seconds} suite=${3:?suite}
shift 3
top=$(pwd)
peer=$top/../shared/peer-fixtures
[ -d "$peer" ] || peer=/work/shared/peer-fixtures
out=$build/fuzz
mkdir -p "$out/artifacts" "$build/results"
: >"$out/$suite.executions"
passed=0 failed=0 skipped=0

# Seeds made here: a key pair and a signature (nothing is kept in the repo).
seeds_sig=$out/seeds-sig
rm -rf "$seeds_sig" && mkdir -p "$seeds_sig"
if [ -n "${MKISOTOOL:-}" ] && "$MKISOTOOL" keygen -o "$seeds_sig/k" >/dev/null 2>&1; then
	printf 'x\n' >"$seeds_sig/m"
	printf 'guest-tools-signature 1\nkey-id %s\ned25519 %0128d\n' \
		"$(sed -n 's/^key-id //p' "$seeds_sig/k.pub")" 0 >"$seeds_sig/s"
fi

existing() { for d in "$@"; do [ -e "$d" ] && printf '%s\n' "$d"; done; }

for t in "$@"; do
	bin=$out/bin/fuzz_$t
	case $t in
	manifest) seeds=$(existing tests/fuzz/corpus/manifest payload) ;;
	kvfile | distro) seeds=$(existing tests/fuzz/corpus/kvfile tests/fixtures "$peer/distro-resources" \
		"$peer/ansible-distribution-fixtures") ;;
	json) seeds=$(existing tests/fixtures/xen-hvm-builtin/etc "$peer/distro-resources") ;;
	sig) seeds=$(existing "$seeds_sig") ;;
	mountinfo) seeds=$(existing "$peer/rootfs-mountinfo" tests/fixtures) ;;
	*) seeds= ;;
	esac
	if [ ! -x "$bin" ]; then
		skipped=$((skipped + 1))
		echo "skip fuzz_$t: not built (clang missing?)"
		continue
	fi
	corpus=$out/corpus-$t
	mkdir -p "$corpus"
	extra=
	[ "$t" = manifest ] && extra=-dict=tests/fuzz/manifest.dict
	# shellcheck disable=SC2086 # seeds: one directory a line, no spaces
	"$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$out/artifacts/$t-" $extra "$corpus" $seeds \
		>"$out/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/$t.log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		passed=$((passed + 1))
		echo "ok   fuzz_$t: $runs executions in ${secs}s, clean"
		echo "$t $runs" >>"$out/$suite.executions"
	else
		failed=$((failed + 1))
		echo "FAIL fuzz_$t: exit $rc (log: $out/$t.log)"
		tail -n 40 "$out/$t.log" | sed 's/^/     | /'
	fi
done
echo "$passed $failed $skipped" >"$build/results/$suite"
echo "$suite: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
