#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The static prefix fails fast, and its fallback is loud (scripts/build-static-deps.sh,
# docs/build.md). With a lock that names a zlib version no suite serves, or a zlib
# .dsc sha256 that is not the archive's, and GT_STATIC_NO_FALLBACK=1, each make
# path to the prefix (static, payload, check-agent, i686) must exit non-zero
# within LIMIT seconds with the script's own message, run make no more often
# than its own recursion needs (so a make that calls itself again and again
# without a prefix fails here) and leave no process behind. With the fallback
# allowed, --resolve must print the one WARNING line and "status fallback".
#
# Usage: tests/static-deps/run.sh [SUITE [RESULTS-DIR]]
# Environment: GT_FAILFAST_LIMIT (seconds, default 60), GT_CACHE_DIR (for the
# fallback check, which reuses its downloads; the failing runs get an empty one).
set -euo pipefail

suite=${1:-static-deps}
results=${2:-}
limit=${GT_FAILFAST_LIMIT:-60}
cd "$(dirname "$0")/../.."
# The timed makes are our own top-level runs, not part of the make that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL GT_STATIC_LOCK GT_STATIC_NO_FALLBACK

passed=0 failed=0 skipped=0
check() { # NAME CONDITION-STATUS [DETAIL]
	if [[ $2 == 0 ]]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1${3:+: $3}"
	fi
}
finish() {
	[[ -z $results ]] || echo "$passed $failed $skipped" >"$results/$suite"
	echo "$suite: $passed passed, $failed failed, $skipped skipped"
	((failed == 0))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
real_make=$(command -v make)
real_lock=scripts/deps/static-sources.lock

# Every make started below goes through this wrapper, which counts it.
mkdir -p "$tmp/bin"
# (argv[0] stays the wrapper's path, so that $(MAKE) in recipes is the wrapper too.)
cat >"$tmp/bin/make" <<WRAP
#!/usr/bin/env bash
echo "\$\$ \$*" >>"\$GT_MAKE_COUNT"
exec -a "\$0" $real_make "\$@"
WRAP
chmod +x "$tmp/bin/make"

# The locks: the real one with zlib at a version that exists nowhere, and with
# the right zlib version but another .dsc sha256.
missing_ver=1:1.2.13.dfsg-99
sed -E "s/^(source [a-z0-9_]+ zlib )[^ ]+/\1$missing_ver/" "$real_lock" >"$tmp/missing.lock"
zeros=$(printf '0%.0s' {1..64})
sed -E "s/^(source [a-z0-9_]+ zlib [^ ]+ )[0-9a-f]{64}/\1$zeros/" "$real_lock" >"$tmp/badsha.lock"
cmp -s "$real_lock" "$tmp/missing.lock" && { check "test locks made" 1 "no zlib line in $real_lock"; finish; }
cmp -s "$real_lock" "$tmp/badsha.lock" && { check "test locks made" 1 "no zlib line in $real_lock"; finish; }

# Untimed: what a first build does to the system (deb-src entries, the i386
# architecture, the toolchains), so that the timed runs measure the failure.
for a in x86_64 i686; do
	if ! scripts/build-static-deps.sh --arch "$a" --resolve --quiet >"$tmp/prep.out" 2>"$tmp/prep.err"; then
		check "prepare $a (scripts/build-static-deps.sh --arch $a --resolve)" 1 "$(tail -n 3 "$tmp/prep.err")"
		finish
	fi
done

# The processes whose environment carries TAG (our runs and anything they left).
tagged() {
	local e p
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/} p=${p%/environ}
		if grep -qaF "GT_FAILFAST_TAG=$1" "$e" 2>/dev/null; then echo "$p"; fi
	done
}

# failfast NAME LOCK MAX-MAKES MESSAGE MAKE-ARGS...: run make with the broken lock
# and check how it ends.
failfast() {
	local name=$1 lockf=$2 max=$3 want=$4 tag="gt-failfast-$$-$RANDOM" rc=0 t0 el n left s
	shift 4
	local log=$tmp/$name.log
	: >"$tmp/$name.makes"
	t0=$(date +%s%N)
	env GT_FAILFAST_TAG="$tag" GT_MAKE_COUNT="$tmp/$name.makes" PATH="$tmp/bin:$PATH" \
		GT_STATIC_LOCK="$lockf" GT_STATIC_NO_FALLBACK=1 GT_CACHE_DIR="$tmp/cache" \
		timeout -k 10 $((limit * 3)) make --no-print-directory BUILD="$tmp/build" "$@" \
		>"$log" 2>&1 </dev/null || rc=$?
	el=$((($(date +%s%N) - t0) / 1000000))
	n=$(wc -l <"$tmp/$name.makes")
	left=$(tagged "$tag" | tr '\n' ' ')
	if [[ -n $left ]]; then
		# shellcheck disable=SC2086 # a list of pids, all started by this run
		kill -KILL $left 2>/dev/null || true
	fi
	[[ $rc != 0 && $rc != 124 && $rc != 137 ]] && s=0 || s=1
	check "$name: make $* exits non-zero by itself" "$s" "exit $rc"
	((el <= limit * 1000)) && s=0 || s=1
	check "$name: within ${limit} s" "$s" "took $((el / 1000)) s"
	grep -qF -- "$want" "$log" && s=0 || s=1
	check "$name: says why" "$s" "no '$want' in: $(tail -n 3 "$log" | tr '\n' '|')"
	((n <= max)) && s=0 || s=1
	check "$name: make ran $n time(s), at most $max" "$s" "$(head -n 5 "$tmp/$name.makes" | tr '\n' '|')"
	[[ -z $left ]] && s=0 || s=1
	check "$name: no process left" "$s" "left running (killed now): $left"
	echo "     ($name: exit $rc in $el ms, $n make run(s))"
}

msg_missing="build-static-deps: zlib $missing_ver (locked) cannot be downloaded"
msg_badsha="but the lock says $zeros: not building with it"
failfast static-missing "$tmp/missing.lock" 1 "$msg_missing" static
failfast static-badsha "$tmp/badsha.lock" 1 "$msg_badsha" static
failfast payload-missing "$tmp/missing.lock" 1 "$msg_missing" payload
failfast check-agent-missing "$tmp/missing.lock" 1 "$msg_missing" check-agent
# make i686 runs make once more by design (ARCH=i686 ... static payload).
failfast i686-missing "$tmp/missing.lock" 2 "$msg_missing" i686

# The fallback: the same missing version, fallback allowed; nothing is built.
rc=0
GT_STATIC_LOCK="$tmp/missing.lock" scripts/build-static-deps.sh --resolve --quiet \
	>"$tmp/fb.out" 2>"$tmp/fb.err" || rc=$?
check "fallback: --resolve exits 0" "$rc" "exit $rc: $(tail -n 3 "$tmp/fb.err" | tr '\n' '|')"
warn_re="^build-static-deps: WARNING: zlib $missing_ver \\(locked\\) cannot be downloaded; using [^ ]+ instead: this build is not the locked build\$"
n=$(grep -cE -- "$warn_re" "$tmp/fb.err" || true)
[[ $n == 1 ]] && s=0 || s=1
check "fallback: one WARNING line naming zlib and both versions" "$s" \
	"$n such lines in: $(tr '\n' '|' <"$tmp/fb.err")"
grep -qx "status fallback" "$tmp/fb.out" && s=0 || s=1
check "fallback: status fallback" "$s" "$(tr '\n' '|' <"$tmp/fb.out")"
grep -qE "^fallback source zlib $missing_ver [^ ]+\$" "$tmp/fb.out" && s=0 || s=1
check "fallback: lists zlib with both versions" "$s" "$(tr '\n' '|' <"$tmp/fb.out")"

finish
