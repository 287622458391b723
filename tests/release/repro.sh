#!/bin/sh
# SPDX-License-Identifier: MIT
#
# repro.sh SUITE RESULTS_DIR: the reproducibility proof of make check.
#
# Two clones of this commit in two different folders (at different depths),
# each built with `make release` (no key) from scratch but for the static
# prefixes, which both take read-only from GT_CACHE_DIR (built once,
# scripts/build-static-deps.sh). The builds differ in everything a build
# should not depend on:
#   A: root, umask 022, TZ=UTC, LC_ALL=C.UTF-8, folder $work/a/guest-tools
#   B: the unprivileged user nobody (when run as root), umask 077,
#      TZ=Pacific/Chatham (UTC+12:45/+13:45), LC_ALL=fr_FR.UTF-8 (set even if
#      not generated here), folder $work/bb/second-clone/of/guest-tools
# Both start from an emptied environment (env -i): no MAKEFLAGS, no
# SOURCE_DATE_EPOCH from outside. Every file of dist/ (the image, the SBOM,
# SHA256SUMS) must be byte-identical; on a difference, diffoscope's report
# names it (kept in $work, its head printed) and the check fails. A planted
# difference first proves diffoscope reports one. Writes
# "passed failed skipped" to RESULTS_DIR/SUITE.
set -u
suite=${1:-repro}
results=${2:-build/results}
top=$(git rev-parse --show-toplevel) || exit 1
cache=${GT_CACHE_DIR:-$HOME/.cache/guest-tools}
case $cache in /*) ;; *) cache=$top/$cache ;; esac
pass=0 fail=0 skip=0
ok() {
	pass=$((pass + 1))
	echo "ok   $1"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL $1"
}
finish() {
	mkdir -p "$results"
	echo "$pass $fail $skip" >"$results/$suite"
	echo "$suite: $pass passed, $fail failed, $skip skipped"
	if [ "$fail" -eq 0 ]; then
		rm -rf "$work"
	else
		echo "$suite: kept $work for inspection"
	fi
	[ "$fail" -eq 0 ]
	exit $?
}

if ! command -v diffoscope >/dev/null; then
	echo "$suite: diffoscope is not installed (make deps-check)"
	bad "diffoscope installed"
fi
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
	echo "$suite: NOTE: the work tree has uncommitted changes; the clones build the last commit"
fi

work=$(mktemp -d /tmp/gt-repro.XXXXXX)
chmod 0755 "$work"
a=$work/a/guest-tools
b=$work/bb/second-clone/of/guest-tools
git clone -q --no-hardlinks "$top" "$a" && git clone -q --no-hardlinks "$top" "$b" ||
	{ bad "two clones of $top"; finish; }

user=
if [ "$(id -u)" != 0 ]; then
	skip=$((skip + 1))
	echo "skip build B as another user: not root, so both builds run as $(id -un)"
elif ! setpriv --reuid=nobody --regid=nogroup --clear-groups \
	sh -c 'cat "$1"/static/*/env.mk' sh "$cache" >/dev/null 2>&1; then
	# B would rebuild the static libraries (30 min) and fail to store them.
	skip=$((skip + 1))
	echo "skip build B as nobody: nobody cannot read the static prefixes in $cache" \
		"(a folder on the way is not searchable by others); both builds run as root"
else
	user=nobody
	mkdir -p "$work/bb/home"
	chown -R nobody:nogroup "$work/bb"
fi

path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
start=$(date +%s)
(cd "$a" && umask 022 && env -i PATH=$path HOME=$HOME TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 \
	GT_CACHE_DIR="$cache" make -j2 release DIST="$work/a/dist") >"$work/a.log" 2>&1
rc_a=$?
if [ -n "$user" ]; then
	setpriv --reuid="$user" --regid=nogroup --clear-groups \
		env -i PATH=$path HOME="$work/bb/home" TZ=Pacific/Chatham LANG=fr_FR.UTF-8 \
		LC_ALL=fr_FR.UTF-8 GT_CACHE_DIR="$cache" \
		sh -c 'umask 077 && cd "$1" && make -j2 release DIST="$2"' sh "$b" "$work/bb/dist" \
		>"$work/b.log" 2>&1
else
	(cd "$b" && umask 077 && env -i PATH=$path HOME=$HOME TZ=Pacific/Chatham \
		LANG=fr_FR.UTF-8 LC_ALL=fr_FR.UTF-8 GT_CACHE_DIR="$cache" \
		make -j2 release DIST="$work/bb/dist") >"$work/b.log" 2>&1
fi
rc_b=$?
end=$(date +%s)
echo "$suite: two builds in $((end - start)) s (A as $(id -un), B as ${user:-$(id -un)})"
if [ $rc_a -eq 0 ]; then ok "build A (root, umask 022, UTC, C.UTF-8)"; else
	bad "build A: make release failed; last lines of $work/a.log:"
	tail -n 15 "$work/a.log"
fi
if [ $rc_b -eq 0 ]; then ok "build B (${user:-same user}, umask 077, Pacific/Chatham, fr_FR.UTF-8)"; else
	bad "build B: make release failed; last lines of $work/b.log:"
	tail -n 15 "$work/b.log"
fi
[ $rc_a -eq 0 ] && [ $rc_b -eq 0 ] || finish

# diffoscope must be able to say what differs: a planted one-value change.
if command -v diffoscope >/dev/null; then
	s=$(ls "$work/a/dist/"*.spdx.json)
	sed 's/"SPDX-2.3"/"SPDX-2.2"/' "$s" >"$work/planted.spdx.json"
	diffoscope --text "$work/planted.txt" "$s" "$work/planted.spdx.json" >/dev/null 2>&1
	if [ $? -eq 1 ] && grep -q 'SPDX-2.2' "$work/planted.txt"; then
		ok "diffoscope names a planted difference"
	else
		bad "diffoscope names a planted difference (see $work/planted.txt)"
	fi
fi

list_a=$(cd "$work/a/dist" && ls)
list_b=$(cd "$work/bb/dist" && ls)
if [ "$list_a" = "$list_b" ]; then ok "the same release files: $(echo $list_a)"; else
	bad "the same release files: A has $(echo $list_a), B has $(echo $list_b)"
fi
for f in $list_a; do
	if cmp -s "$work/a/dist/$f" "$work/bb/dist/$f"; then
		ok "$f: byte-identical ($(sha256sum <"$work/a/dist/$f" | cut -c1-16)...)"
	else
		bad "$f: the two builds differ; diffoscope says ($work/diffoscope-$f.txt):"
		diffoscope --text "$work/diffoscope-$f.txt" --max-report-size 2000000 \
			"$work/a/dist/$f" "$work/bb/dist/$f" >/dev/null 2>&1
		head -n 60 "$work/diffoscope-$f.txt"
	fi
done
finish
