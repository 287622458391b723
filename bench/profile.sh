#!/bin/sh
# SPDX-License-Identifier: MIT
#
# bench/profile.sh BUILD: where the time of the two figures that come close
# to their targets goes, as callgrind instruction counts (stable on a loaded
# machine, unlike wall time). Run by `make bench-profile`; takes ~1 minute.
#   1. mkisotool build of the benchmark payload at scale 0.1, against
#      xorriso -as mkisofs -R -J on the same tree: totals and the top
#      functions, inclusive.
#   2. installer install --root into a copy of the cached Debian root,
#      against dpkg --root -i of the same package: instructions per process
#      (maintainer scripts run natively: valgrind cannot follow a chroot).
# Note: valgrind hides SHA-NI from the program, so OpenSSL's SHA-256 runs
# its software path here and its share is larger than natively (perf, where
# available, gives the native split: see docs/benchmarks.md).
set -eu

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=$(cd "$build" && pwd)
root=${GT_CACHE_DIR:-$HOME/.cache/guest-tools}/roots/bookworm-minbase
for t in valgrind callgrind_annotate xorriso dpkg; do
	command -v $t >/dev/null || {
		echo "profile: $t not found (scripts/deps/bench.check)" >&2
		exit 2
	}
done
[ -d "$root/var/lib/dpkg" ] || {
	echo "profile: $root: missing: run make bench (or tests/integration/run.py) once" >&2
	exit 2
}
work=$(mktemp -d /dev/shm/gt-profile-XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

total() { grep -m1 '^summary:\|^totals:' "$1" | awk '{print $2}'; }

echo "== mkisotool build vs xorriso (payload scale 0.1, seed 8)"
python3 "$here/gen_payload.py" "$work/p" --scale 0.1
valgrind -q --tool=callgrind --callgrind-out-file="$work/cg.mk" \
	"$build/host/mkisotool" build -q -m "$work/p/bench.manifest" -o "$work/mk.iso" \
	--source-date-epoch 1700000000
valgrind -q --tool=callgrind --callgrind-out-file="$work/cg.xo" \
	xorriso -as mkisofs -R -J -quiet -o "$work/xo.iso" "$work/p/stage" 2>/dev/null
echo "instructions: mkisotool $(total "$work/cg.mk"), xorriso $(total "$work/cg.xo")"
echo "mkisotool, inclusive, top entries below main:"
callgrind_annotate --inclusive=yes --auto=no "$work/cg.mk" 2>/dev/null |
	grep -E ':(cmd_build|mk_plan_contents|mk_master|mk_read_back|refill|mk_hasher_update|gt_sha256_update|XXH3_128bits_update|archive_read_data|iso_image_create_burn_source|__memcpy.*) ' |
	head -12
if command -v perf >/dev/null && perf record -q -F 5000 -o "$work/perf.data" \
	"$build/host/mkisotool" build -q -m "$work/p/bench.manifest" -o "$work/mk2.iso" \
	--source-date-epoch 1700000000 2>/dev/null; then
	echo "mkisotool natively (perf, CPU samples by object; SHA-NI in use):"
	perf report -i "$work/perf.data" --no-children --sort dso --stdio 2>/dev/null |
		grep '%' | grep -v '^#' | head -6
else
	echo "(perf not available or not permitted: no native split)"
fi
rm -f "$work"/*.iso

echo
echo "== installer install --root vs dpkg --root -i (instructions per process)"
python3 - "$repo" "$build" "$work" <<'EOF'
import importlib.util, os, shutil, sys
repo, build, work = sys.argv[1:4]
os.environ["MKISOTOOL"] = os.path.join(build, "host/mkisotool")
spec = importlib.util.spec_from_file_location("i", os.path.join(repo, "tests/integration/run.py"))
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
shutil.copy(os.path.join(build, "installer"), os.path.join(work, "installer"))
deb = m.build_deb(work, "test-agent", "1.0-1")
m.make_iso(work, "bench", [
    ("Linux/installer.x86_64", os.path.join(work, "installer"), "mode=0755"),
    ("Linux/deb/test-agent_1.0-1_amd64.deb", deb, "family=deb arch=x86_64 like=debian")])
EOF
prof() {
	name=$1
	shift
	rm -rf "$work/root" "$work/cg-$name"
	mkdir "$work/cg-$name"
	cp -a "$root" "$work/root"
	valgrind -q --tool=callgrind --trace-children=yes \
		--trace-children-skip='/var/lib/dpkg/info/*' \
		--callgrind-out-file="$work/cg-$name/cg.%p" "$@" >/dev/null 2>"$work/$name.err" || {
		echo "profile: $name failed:" >&2
		tail -5 "$work/$name.err" >&2
		exit 1
	}
	for f in "$work/cg-$name"/cg.*; do
		printf '%12s  %s\n' "$(total "$f")" "$(grep -m1 '^cmd:' "$f" | cut -c6- |
			sed "s|$work|W|g" | cut -c1-90)"
	done | sort -k2 | awk '{s += $1; print} END {printf "%12s  TOTAL\n", s}'
}
echo "-- installer install"
prof installer "$work/installer" install --root "$work/root" --media "$work/bench.iso" --yes
echo "-- dpkg -i"
prof dpkg dpkg --root="$work/root" -i "$work/test-agent_1.0-1_amd64.deb"
