#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh SUITE RESULTS_DIR: the mkisotool test suite. Runs the real binary
# ($MKISOTOOL) on manifests made here, reads the images back with bsdtar and
# xorriso (independent readers), and checks every documented failure: exit
# code, the manifest line in the message, and no output file left behind.
# trees.sh (tree entries) and scale.sh (20,000- and 100,000-file trees, the
# installer's bound, an image over 6 GiB) are parts of it; $INSTALLER, when
# set, reads the images as a guest would.
# Writes "passed failed skipped" to RESULTS_DIR/SUITE. The work directory is
# kept when a test fails (its path is printed).
set -u
suite=${1:?suite name}
results=${2:?results directory}
: "${MKISOTOOL:?set MKISOTOOL to the mkisotool binary}"
case $MKISOTOOL in /*) MK=$MKISOTOOL ;; *) MK=$(pwd)/$MKISOTOOL ;; esac
top=$(pwd)
mkdir -p "$results"
results=$(cd "$results" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mkisotool-test.XXXXXX")
passed=0 failed=0 skipped=0
mounts=

cleanup() {
	for m in $mounts; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	chmod -R u+w "$work" 2>/dev/null
	if [ "$failed" -eq 0 ]; then
		rm -rf "$work" ${extra_dirs:-}
	else
		echo "$suite: work directory kept: $work ${extra_dirs:-}" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	passed=$((passed + 1))
	echo "ok   $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
	if [ -s "$work/stderr" ]; then sed 's/^/     | /' "$work/stderr" | head -n 20; fi
}
skip() {
	skipped=$((skipped + 1))
	echo "skip $1: $2"
}

have() { command -v "$1" >/dev/null 2>&1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# A source tree: a manifest and files of every kind.
make_tree() {
	d=$1
	mkdir -p "$d/pkgs/el7" "$d/pkgs/deb" "$d/win"
	printf 'guest-tools test README\n' >"$d/README.txt"
	printf '#!/bin/sh\necho install\n' >"$d/install.sh"
	chmod 755 "$d/install.sh"
	head -c 100000 /dev/urandom >"$d/pkgs/el7/agent.rpm"
	cp "$d/pkgs/el7/agent.rpm" "$d/pkgs/deb/same-content.deb"
	head -c 3000 /dev/urandom >"$d/win/setup.exe"
	head -c 5000 /dev/urandom >"$d/installer"
	chmod 755 "$d/installer"
	cat >"$d/test.manifest" <<-EOF
	# SPDX-License-Identifier: MIT
	guest-tools-manifest 1
	label guest-tools
	version 1.2.3

	file README.txt src=README.txt
	file Linux/install.sh src=install.sh
	file Linux/installer.x86_64 src=installer
	package Linux/el7/agent.rpm src=pkgs/el7/agent.rpm family=rpm arch=x86_64 distro=rhel,centos like=rhel,fedora min=7 max=7 init=systemd,sysv
	package Linux/deb/agent.deb src=pkgs/deb/same-content.deb family=deb arch=x86_64 distro=debian,ubuntu like=debian
	file Windows/setup.exe src=win/setup.exe
	link Linux/install target=install.sh
	EOF
}

# The expected layout, as bsdtar lists it (sorted, no leading ./).
expected_layout='Linux
Linux/CONTENTS
Linux/MANIFEST
Linux/deb
Linux/deb/agent.deb
Linux/el7
Linux/el7/agent.rpm
Linux/install
Linux/install.sh
Linux/installer.x86_64
README.txt
SHA256SUMS
Windows
Windows/setup.exe'

# Runs mkisotool with stderr captured; $rc is its exit code.
run() {
	timeout 300 "$MK" "$@" >"$work/stdout" 2>"$work/stderr"
	rc=$?
}

# expect_failure NAME CODE PATTERN OUTDIR ARGS...: mkisotool must exit CODE,
# say PATTERN (fixed string) on stderr, and leave nothing in OUTDIR but
# what was there (a pre-existing OUT.iso keeps its content).
expect_failure() {
	name=$1 code=$2 pattern=$3 outdir=$4
	shift 4
	before=$(ls -A "$outdir" 2>/dev/null | sort)
	run "$@"
	after=$(ls -A "$outdir" 2>/dev/null | sort)
	if [ "$rc" -ne "$code" ]; then
		fail "$name" "exit $rc, expected $code"
	elif ! grep -qF -- "$pattern" "$work/stderr"; then
		fail "$name" "stderr lacks '$pattern'"
	elif [ "$before" != "$after" ]; then
		fail "$name" "the output directory changed: '$before' -> '$after'"
	else
		ok "$name"
	fi
}

t=$work/t
make_tree "$t"
out=$work/out
mkdir -p "$out"
SDE=1700000000

# --- A build, verified, and listed by two independent readers. ---------------
run build -m "$t/test.manifest" -o "$out/a.iso" --source-date-epoch $SDE
if [ "$rc" -ne 0 ] || [ ! -s "$out/a.iso" ]; then
	fail build "exit $rc"
else
	ok build
fi
run verify "$out/a.iso"
if [ "$rc" -eq 0 ] && grep -q 'OK' "$work/stdout"; then ok verify; else fail verify "exit $rc"; fi
layout=$(bsdtar -tf "$out/a.iso" | sed -e 's|^\./||' -e 's|/$||' | grep -v '^\.\?$' | sort)
if [ "$layout" = "$expected_layout" ]; then
	ok bsdtar-layout
else
	fail bsdtar-layout "got: $(echo "$layout" | tr '\n' ' ')"
fi
if have xorriso; then
	xl=$(xorriso -indev "$out/a.iso" -find / 2>/dev/null | tr -d "'" | sed -e 's|^/||' |
		grep -v '^$' | sort)
	if [ "$xl" = "$expected_layout" ]; then
		ok xorriso-layout
	else
		fail xorriso-layout "got: $(echo "$xl" | tr '\n' ' ')"
	fi
	vol=$(xorriso -indev "$out/a.iso" -pvd_info 2>/dev/null | sed -n "s/^Volume Id *: *//p")
	if [ "$vol" = "guest-tools" ]; then ok label; else fail label "volume id '$vol'"; fi
else
	skip xorriso-layout "xorriso is not installed"
	skip label "xorriso is not installed"
fi

# Extracted by bsdtar: content, modes, the link, and sha256sum -c of SHA256SUMS.
x=$work/extract
mkdir -p "$x"
if bsdtar -xf "$out/a.iso" -C "$x" 2>"$work/stderr" &&
	cmp -s "$x/Linux/el7/agent.rpm" "$t/pkgs/el7/agent.rpm" &&
	cmp -s "$x/Linux/deb/agent.deb" "$t/pkgs/el7/agent.rpm" &&
	cmp -s "$x/Windows/setup.exe" "$t/win/setup.exe" &&
	[ "$(stat -c %a "$x/Linux/installer.x86_64")" = 755 ] &&
	[ "$(stat -c %a "$x/README.txt")" = 644 ] &&
	[ "$(readlink "$x/Linux/install")" = install.sh ] &&
	(cd "$x" && sha256sum --quiet -c SHA256SUMS) >"$work/stderr" 2>&1 &&
	[ "$(wc -l <"$x/SHA256SUMS")" -eq 8 ]; then
	ok extract-content
else
	fail extract-content "content, mode, link or SHA256SUMS differ"
fi
# The on-ISO manifest has what the installer needs.
if grep -qx 'package Linux/el7/agent.rpm size=100000 sha256='"$(sha "$t/pkgs/el7/agent.rpm")"' mode=0644 family=rpm arch=x86_64 distro=rhel,centos like=rhel,fedora min=7 max=7 init=systemd,sysv' "$x/Linux/MANIFEST" &&
	head -n 1 "$x/Linux/MANIFEST" | grep -qx 'guest-tools-manifest 1' &&
	grep -qx 'version 1.2.3' "$x/Linux/MANIFEST" && ! grep -q 'src=' "$x/Linux/MANIFEST"; then
	ok on-iso-manifest
else
	fail on-iso-manifest "$(cat "$x/Linux/MANIFEST")"
fi
# What lies outside Linux/ is in Linux/CONTENTS, which Linux/MANIFEST pins.
if grep -qx "file Linux/CONTENTS size=$(stat -c %s "$x/Linux/CONTENTS") sha256=$(sha "$x/Linux/CONTENTS") mode=0644" "$x/Linux/MANIFEST" &&
	grep -qx "file Windows/setup.exe size=3000 sha256=$(sha "$t/win/setup.exe") mode=0644" "$x/Linux/CONTENTS" &&
	grep -qx 'file README.txt size=24 sha256='"$(sha "$t/README.txt")"' mode=0644' "$x/Linux/CONTENTS" &&
	! grep -q 'README.txt\|Windows/' "$x/Linux/MANIFEST" && ! grep -q 'Linux/' "$x/Linux/CONTENTS"; then
	ok on-iso-contents
else
	fail on-iso-contents "$(cat "$x/Linux/CONTENTS")"
fi

# ls, human and JSON.
run ls "$out/a.iso"
if [ "$rc" -eq 0 ] && grep -q 'Linux/el7/agent.rpm.*\[rpm x86_64 distro=rhel,centos' "$work/stdout" &&
	grep -q 'link .*Linux/install -> install.sh' "$work/stdout"; then
	ok ls
else
	fail ls "exit $rc: $(cat "$work/stdout")"
fi
run ls --json "$out/a.iso"
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = {x["path"]: x for x in d["entries"]}
assert d["label"] == "guest-tools" and d["version"] == "1.2.3"
p = e["Linux/el7/agent.rpm"]
assert p["family"] == "rpm" and p["arch"] == "x86_64" and p["min"] == 7
assert p["distro"] == ["rhel", "centos"] and p["init"] == ["systemd", "sysv"]
assert e["Linux/install"]["target"] == "install.sh"
' "$work/stdout" 2>"$work/stderr"; then
	ok ls-json
else
	fail ls-json "exit $rc"
fi

# --json summary: one document with the figures, and the real sha256.
run build -m "$t/test.manifest" -o "$out/j.iso" --source-date-epoch $SDE --json
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sha256"] == sys.argv[2], d
assert d["bytes"] == int(sys.argv[4]), d
assert d["unique_bytes"] == d["bytes"] - 100000, d
assert d["iso_size"] == int(sys.argv[3]), d
assert d["files"] == 9, d
' "$work/stdout" "$(sha "$out/j.iso")" "$(stat -c %s "$out/j.iso")" \
	"$(cd "$t" && cat README.txt install.sh installer pkgs/el7/agent.rpm \
		pkgs/deb/same-content.deb win/setup.exe | wc -c)" 2>"$work/stderr"; then
	ok json-summary
else
	fail json-summary "exit $rc: $(cat "$work/stdout")"
fi
run build -q -m "$t/test.manifest" -o "$out/q.iso" --source-date-epoch $SDE
if [ "$rc" -eq 0 ] && [ ! -s "$work/stdout" ] && [ ! -s "$work/stderr" ]; then
	ok quiet
else
	fail quiet "exit $rc or output with --quiet"
fi
rm -f "$out/j.iso" "$out/q.iso"

# --- Reproducible: same bytes from a touched, re-owned copy elsewhere. ------
c=$work/elsewhere/deeper/copy
mkdir -p "$c"
# Copy file by file in reverse order, so the directories list differently.
(cd "$t" && find . -type f | sort -r) | while read -r f; do
	mkdir -p "$c/$(dirname "$f")"
	cp -p "$t/$f" "$c/$f"
done
find "$c" -exec touch -h -d '2001-02-03 04:05:06' {} +
if [ "$(id -u)" = 0 ]; then chown -R 12345:54321 "$c"; fi
(umask 077 && "$MK" build -q -m "$c/test.manifest" -o "$out/b.iso" --source-date-epoch $SDE) \
	2>"$work/stderr"
if [ -s "$out/b.iso" ] && [ "$(sha "$out/a.iso")" = "$(sha "$out/b.iso")" ]; then
	ok reproducible
else
	fail reproducible "$(sha "$out/a.iso") != $(sha "$out/b.iso" 2>/dev/null)"
fi
# SOURCE_DATE_EPOCH from the environment, and a different one changes the bytes.
SOURCE_DATE_EPOCH=$SDE "$MK" build -q -m "$t/test.manifest" -o "$out/e.iso" 2>"$work/stderr"
"$MK" build -q -m "$t/test.manifest" -o "$out/c.iso" --source-date-epoch $((SDE + 1)) \
	2>>"$work/stderr"
if [ "$(sha "$out/e.iso")" = "$(sha "$out/a.iso")" ] &&
	[ "$(sha "$out/c.iso")" != "$(sha "$out/a.iso")" ]; then
	ok source-date-epoch
else
	fail source-date-epoch "the environment variable or the time stamp is ignored"
fi
rm -f "$out/b.iso" "$out/c.iso" "$out/e.iso"

# --- Deduplication: one 20 MB payload in three distro directories. ----------
d=$work/dedup
mkdir -p "$d/a" "$d/b" "$d/c"
head -c 20971520 /dev/urandom >"$d/a/agent.tgz"
cp "$d/a/agent.tgz" "$d/b/agent.tgz"
cp "$d/a/agent.tgz" "$d/c/agent.tgz"
echo readme >"$d/README.txt"
cat >"$d/base.manifest" <<-EOF
guest-tools-manifest 1
version 1
file README.txt src=README.txt
EOF
cp "$d/base.manifest" "$d/three.manifest"
for dist in a b c; do
	echo "package Linux/$dist/agent.tgz src=$dist/agent.tgz family=tgz arch=x86_64 distro=d$dist" \
		>>"$d/three.manifest"
done
if "$MK" build -q -m "$d/base.manifest" -o "$out/base.iso" --source-date-epoch $SDE \
	2>"$work/stderr" &&
	"$MK" build -m "$d/three.manifest" -o "$out/three.iso" --source-date-epoch $SDE --json \
		>"$work/stdout" 2>"$work/stderr"; then
	overhead=$(stat -c %s "$out/base.iso")
	size=$(stat -c %s "$out/three.iso")
	unique=20971520
	limit=$(((unique + overhead) * 11 / 10))
	echo "     dedup: 3 x 20 MiB -> ISO $size bytes (overhead $overhead, limit $limit)"
	if [ "$size" -lt "$limit" ] && grep -q "\"unique_bytes\":$((unique + 7))" "$work/stdout" &&
		"$MK" verify -q "$out/three.iso" 2>"$work/stderr"; then
		ok dedup
	else
		fail dedup "ISO $size bytes, limit $limit"
	fi
else
	fail dedup "build failed"
fi
rm -rf "$out/base.iso" "$out/three.iso" "$d/b" "$d/c"

# --- The repository's default manifest, with a stand-in installer. ----------
fb=$work/fakebuild
mkdir -p "$fb"
mkdir -p "$fb/i686"
head -c 4096 /dev/urandom >"$fb/installer"
head -c 4096 /dev/urandom >"$fb/i686/installer"
# A stand-in for the SBOM `make iso` writes (scripts/release/sbom.py).
mkdir -p "$fb/release"
echo '{"spdxVersion": "SPDX-2.3"}' >"$fb/release/SBOM.spdx.json"
# Stand-ins for the agent packages `make payload` builds (names: pkg.sh),
# x86_64 in BUILD/payload, i686 in BUILD/i686/payload.
for a in x86_64 i686; do
	pd=$fb/payload
	[ "$a" = x86_64 ] || pd=$fb/$a/payload
	mkdir -p "$pd"
	for p in $("$top"/payload/packaging/pkg.sh names 9.8.7 $a); do
		head -c 2048 /dev/urandom >"$pd/$p"
	done
done
run build -m "$top/payload/guest-tools.manifest" -o "$out/gt.iso" -D BUILD="$fb" \
	-D VERSION=9.8.7 --source-date-epoch $SDE
if [ "$rc" -eq 0 ] && "$MK" verify -q "$out/gt.iso" 2>"$work/stderr" &&
	bsdtar -tvf "$out/gt.iso" | grep -q '^-rwxr-xr-x .* Linux/installer.x86_64$' &&
	bsdtar -tvf "$out/gt.iso" | grep -q '^-rwxr-xr-x .* Linux/installer.i686$' &&
	bsdtar -tf "$out/gt.iso" | grep -q 'Linux/agent/guest-agent.i686.rpm' &&
		bsdtar -tf "$out/gt.iso" | grep -q 'README.txt' &&
	bsdtar -tf "$out/gt.iso" | grep -q 'Linux/agent/guest-agent.x86_64.deb' &&
	bsdtar -xOf "$out/gt.iso" Linux/MANIFEST | grep -qx 'version 9.8.7'; then
	ok default-manifest
else
	fail default-manifest "exit $rc"
fi
rm -f "$out/gt.iso"

# --- Bad input: exit code, the manifest line, nothing left behind. ----------
b=$work/bad
mkdir -p "$b/o"
cp -r "$t/." "$b/"
m=$b/m.manifest
hdr='guest-tools-manifest 1
version 1
file README.txt src=README.txt'
bad_manifest() { printf '%s\n%s\n' "$hdr" "$1" >"$m"; }
# A previous image must survive a failed build untouched.
echo old >"$b/o/out.iso"

bad_manifest 'file Linux/x src=missing.bin'
expect_failure missing-file 5 "m.manifest:4: Linux/x: source $b/missing.bin: No such file" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'file Linux/x src=installer sha256=0000000000000000000000000000000000000000000000000000000000000000'
expect_failure wrong-sha256 5 "m.manifest:4: Linux/x: source $b/installer: sha256 mismatch" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'file README.txt src=install.sh'
expect_failure duplicate-destination 3 \
	"m.manifest:4: destination 'README.txt' already used on line 3" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'package p.rpm src=installer family=rpm arch=sparc'
expect_failure unknown-arch 3 "m.manifest:4: arch=: unknown arch 'sparc'" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'package p.rpm src=installer family=msi arch=x86_64'
expect_failure unknown-family 3 "m.manifest:4: family=: unknown package family 'msi'" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'file Linux/x installer'
expect_failure malformed-line 3 "m.manifest:4: 'installer' is not key=value" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'file Linux/a:b src=installer'
expect_failure bad-destination-name 3 "m.manifest:4: destination 'Linux/a:b'" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'file Linux/x src=pkgs'
expect_failure not-regular-dir 5 "m.manifest:4: Linux/x: source $b/pkgs is not a regular file" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
mkfifo "$b/fifo"
bad_manifest 'file Linux/x src=fifo'
expect_failure not-regular-fifo 5 "m.manifest:4: Linux/x: source $b/fifo is not a regular file" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
ext=$work/external.bin
echo external >"$ext"
bad_manifest "file Linux/x src=$ext"
expect_failure external-needs-sha256 3 "m.manifest:4: Linux/x: source $ext is outside" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest "file Linux/x src=$ext sha256=$(sha "$ext")"
run build -q -m "$m" -o "$b/o/ext.iso"
if [ "$rc" -eq 0 ]; then ok external-pinned; else fail external-pinned "exit $rc"; fi
rm -f "$b/o/ext.iso"
bad_manifest 'file Linux/x src=${NOPE}/x'
expect_failure undefined-variable 3 "m.manifest:4: Linux/x: src=\${NOPE}/x: undefined variable" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
printf 'guest-tools-manifest 2\nversion 1\n' >"$m"
expect_failure unknown-format 3 "m.manifest:1: manifest format 2 is not supported" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'file Linux/MANIFEST src=installer'
expect_failure reserved-name 3 "m.manifest:4: destination 'Linux/MANIFEST' is reserved" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'link Linux/l target=../nothing/here'
expect_failure dangling-link 3 "m.manifest:4: Linux/l: target ../nothing/here: nothing on the image at 'nothing/here'" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'link Linux/l target=../../etc/passwd'
expect_failure link-escapes 3 "m.manifest:4: Linux/l: target ../../etc/passwd points outside the image" \
	"$b/o" build -m "$m" -o "$b/o/out.iso"
bad_manifest 'link Linux/l target=../README.txt'
run build -q -m "$m" -o "$b/o/l.iso" --source-date-epoch $SDE
if [ "$rc" -eq 0 ] && bsdtar -tvf "$b/o/l.iso" | grep -q 'Linux/l -> ../README.txt$'; then
	ok link-up
else
	fail link-up "exit $rc"
fi
rm -f "$b/o/l.iso"
# --json: one document on stdout even when the build fails.
bad_manifest 'file Linux/x src=missing.bin'
run build --json -m "$m" -o "$b/o/out.iso"
if [ "$rc" -eq 5 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["exit"] == 5 and d["problems"] == 1, d
' "$work/stdout" 2>>"$work/stderr"; then
	ok json-failure
else
	fail json-failure "exit $rc: $(cat "$work/stdout")"
fi
# Every problem is reported, not only the first.
printf '%s\n%s\n%s\n' "$hdr" 'file a src=nope1' 'file b src=nope2' >"$m"
run build -m "$m" -o "$b/o/out.iso"
if [ "$rc" -eq 5 ] && grep -q 'm.manifest:4:' "$work/stderr" && grep -q 'm.manifest:5:' "$work/stderr" &&
	grep -q '2 problems: no image written' "$work/stderr"; then
	ok all-problems-reported
else
	fail all-problems-reported "exit $rc"
fi
expect_failure missing-manifest 3 "nope.manifest: No such file" "$b/o" \
	build -m "$b/nope.manifest" -o "$b/o/out.iso"
bad_manifest ''
expect_failure sign-missing-key 5 "key.sec: No such file" "$b/o" \
	build -m "$m" -o "$b/o/out.iso" --sign "$b/key.sec"
expect_failure usage-no-output 2 "both -m MANIFEST and -o OUT.iso are needed" "$b/o" \
	build -m "$m"
expect_failure usage-bad-epoch 2 "source date epoch 'soon'" "$b/o" \
	build -m "$m" -o "$b/o/out.iso" --source-date-epoch soon
expect_failure output-dir-missing 6 "cannot create the output" "$b/o" \
	build -m "$m" -o "$b/o/no/such/dir/out.iso"
if [ "$(cat "$b/o/out.iso")" = old ]; then ok old-output-kept; else fail old-output-kept "changed"; fi

# -o must not replace the build's own inputs, nor anything but a regular file.
# expect_output_refused NAME PATTERN OUT [ARGS...]: exit 6, PATTERN said,
# nothing new in $b/o, and OUT (when a file) keeps its bytes.
expect_output_refused() {
	name=$1 pattern=$2 target=$3
	shift 3
	sum_before=$( [ -f "$target" ] && [ ! -L "$target" ] && sha "$target")
	expect_failure "$name" 6 "$pattern" "$b/o" build -m "$m" -o "$target" "$@"
	sum_after=$( [ -f "$target" ] && [ ! -L "$target" ] && sha "$target")
	if [ "$sum_before" != "$sum_after" ]; then
		fail "$name: $target kept" "its content changed"
	fi
}
bad_manifest 'file Linux/x src=installer'
expect_output_refused output-is-the-manifest "$m: is the build manifest" "$m"
expect_output_refused output-is-a-source "is the source of Linux/x ($b/installer)" \
	"$b/installer"
ln "$b/installer" "$b/installer.hardlink"
expect_output_refused output-is-a-hard-link-to-a-source "is the source of Linux/x" \
	"$b/installer.hardlink"
ln -s installer "$b/installer.symlink"
expect_output_refused output-is-a-symlink "exists and is a symbolic link: not replaced" \
	"$b/installer.symlink"
if [ "$(readlink "$b/installer.symlink")" = installer ]; then ok output-symlink-kept; else
	fail output-symlink-kept "the link was replaced"; fi
mkdir "$b/o/adir"
expect_output_refused output-is-a-directory "exists and is a directory" "$b/o/adir"
expect_output_refused output-is-a-device "/dev/null: exists and is a device" /dev/null
mkfifo "$b/o/fifo"
expect_output_refused output-is-a-fifo "exists and is a FIFO" "$b/o/fifo"
rm -rf "$b/o/adir" "$b/o/fifo" "$b/installer.hardlink" "$b/installer.symlink"
if "$MK" keygen -o "$b/k" >/dev/null 2>&1; then
	expect_output_refused output-is-the-signing-key "is the secret key (--sign $b/k.sec)" \
		"$b/k.sec" --sign "$b/k.sec"
else
	fail output-is-the-signing-key "mkisotool keygen failed"
fi

# Unwritable output directory: a read-only mount as root (root ignores modes).
ro=$work/ro
mkdir -p "$ro"
if [ "$(id -u)" != 0 ]; then
	chmod 555 "$ro"
	expect_failure unwritable-output 6 "cannot create the output" "$ro" \
		build -m "$m" -o "$ro/out.iso"
	chmod 755 "$ro"
elif mount -t tmpfs -o ro,size=1m tmpfs "$ro" 2>/dev/null; then
	mounts="$mounts $ro"
	expect_failure unwritable-output 6 "cannot create the output: Read-only file system" "$ro" \
		build -m "$m" -o "$ro/out.iso"
else
	skip unwritable-output "cannot mount a read-only tmpfs here"
fi

# Full disk: a small ext4 on a loop device and an 8 MB payload.
full=$work/full
mkdir -p "$full"
head -c 8000000 /dev/urandom >"$b/big.bin"
bad_manifest 'file big.bin src=big.bin'
if [ "$(id -u)" != 0 ]; then
	skip disk-full "needs root to loop-mount an ext4 image"
elif ! have mkfs.ext4; then
	skip disk-full "mkfs.ext4 is not installed (e2fsprogs)"
elif truncate -s 4M "$work/small.img" && mkfs.ext4 -q -F "$work/small.img" >/dev/null 2>&1 &&
	mount -o loop "$work/small.img" "$full" 2>/dev/null; then
	mounts="$mounts $full"
	expect_failure disk-full 6 "write failed: No space left on device" "$full" \
		build -m "$m" -o "$full/out.iso"
	umount "$full"
else
	skip disk-full "cannot loop-mount an ext4 image here"
fi

# Interrupted: SIGTERM while writing leaves neither the output nor the temporary file.
irq=$work/irq
mkdir -p "$irq"
truncate -s 1G "$b/sparse.bin"
bad_manifest 'file sparse.bin src=sparse.bin'
"$MK" build -q -m "$m" -o "$irq/out.iso" 2>"$work/stderr" &
pid=$!
i=0
while [ $i -lt 500 ] && [ -z "$(ls -A "$irq")" ] && kill -0 $pid 2>/dev/null; do
	sleep 0.01
	i=$((i + 1))
done
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
rc=$?
if [ "$rc" -eq 0 ]; then
	skip interrupted "the build finished before it could be interrupted"
elif [ "$rc" -eq 143 ] && [ -z "$(ls -A "$irq")" ]; then
	ok interrupted
else
	fail interrupted "exit $rc, left: $(ls -A "$irq")"
fi
rm -f "$b/sparse.bin" "$b/big.bin"

# Empty files: all share one (empty) stream and read back as files of size 0.
: >"$b/e1"
: >"$b/e2"
printf '%s\n%s\n%s\n' "$hdr" 'file a/empty src=e1' 'file b/empty src=e2' >"$m"
run build -q -m "$m" -o "$b/o/e.iso" --source-date-epoch $SDE
if [ "$rc" -eq 0 ] && "$MK" verify -q "$b/o/e.iso" 2>"$work/stderr" &&
	[ "$(bsdtar -tvf "$b/o/e.iso" | grep -c ' 0 .* [ab]/empty$')" -eq 2 ]; then
	ok empty-files
else
	fail empty-files "exit $rc"
fi
rm -f "$b/o/e.iso"

# --- tree entries, and real tools-ISO scale (trees.sh, scale.sh). ----------
. "$top/tests/mkisotool/trees.sh"
. "$top/tests/mkisotool/scale.sh"

# --- verify catches damage. ---------------------------------------------------
cp "$out/a.iso" "$out/bad.iso"
off=$(grep -obaF 'guest-tools test README' "$out/bad.iso" | head -n 1 | cut -d: -f1)
if [ -n "$off" ]; then
	printf 'X' | dd of="$out/bad.iso" bs=1 seek="$off" conv=notrunc 2>/dev/null
	expect_failure verify-corrupt-file 4 "bad.iso: README.txt: sha256" "$out" verify "$out/bad.iso"
else
	fail verify-corrupt-file "README content not found in the image"
fi
cp "$out/a.iso" "$out/bad.iso"
truncate -s -2048 "$out/bad.iso"
expect_failure verify-truncated 4 "but the volume descriptor says" "$out" verify "$out/bad.iso"
head -c 100000 /dev/zero >"$out/bad.iso"
expect_failure verify-not-iso 4 "no ISO 9660 primary volume descriptor" "$out" \
	verify "$out/bad.iso"
expect_failure verify-missing 4 "No such file" "$out" verify "$out/none.iso"
if have xorriso; then
	# A valid ISO 9660 image without our manifest.
	rm -f "$out/bad.iso"
	xorriso -outdev "$out/bad.iso" -map "$t/win" /win >/dev/null 2>&1
	expect_failure verify-foreign-iso 4 "Linux/MANIFEST: missing" "$out" verify "$out/bad.iso"
	# An extra file that the manifest does not list.
	rm -f "$out/bad.iso"
	xorriso -indev "$out/a.iso" -outdev "$out/bad.iso" -map "$t/README.txt" /extra.txt \
		>/dev/null 2>&1
	expect_failure verify-extra-file 4 "extra.txt: a file not in the manifest" "$out" \
		verify "$out/bad.iso"
else
	skip verify-foreign-iso "xorriso is not installed"
	skip verify-extra-file "xorriso is not installed"
fi
rm -f "$out/bad.iso"

# --- Memory checks of a whole build (host binary only). -----------------------
if [ -n "${ASAN_OPTIONS:-}" ]; then
	skip valgrind "this run is the sanitizer build"
elif have valgrind; then
	if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$MK" build -q -m "$t/test.manifest" -o "$out/v.iso" --source-date-epoch $SDE \
		2>"$work/stderr" &&
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			"$MK" verify -q "$out/v.iso" 2>>"$work/stderr"; then
		ok valgrind
	else
		fail valgrind "see above"
	fi
else
	skip valgrind "valgrind is not installed"
fi

echo "$passed $failed $skipped" >"$results/$suite"
echo "$suite: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
