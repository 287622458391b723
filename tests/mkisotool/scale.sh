# SPDX-License-Identifier: MIT
# Real tools-ISO scale: sourced by run.sh, which provides run, ok, fail, skip,
# have, sha, $MK, $top, $work, $SDE. $INSTALLER (optional) is the installer
# that reads the images as a guest would (install --dry-run --media ISO).
# 100,000 files cost minutes to make and remove on a disk mounted with
# discard; tmpfs (/dev/shm) takes seconds. Sparse files stay sparse there.
sc=$work/scale
shm_free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ -z "${MKISOTOOL_SCALE_DIR:-}" ] && [ -w /dev/shm ] && [ "${shm_free:-0}" -gt $((2 * 1024 * 1024)) ]; then
	sc=$(mktemp -d /dev/shm/mkisotool-scale.XXXXXX)
	extra_dirs="${extra_dirs:-} $sc"
elif [ -n "${MKISOTOOL_SCALE_DIR:-}" ]; then
	sc=$(mktemp -d "$MKISOTOOL_SCALE_DIR/mkisotool-scale.XXXXXX")
	extra_dirs="${extra_dirs:-} $sc"
fi
mkdir -p "$sc"
echo "     scale tests in $sc"

# A real .deb payload for the installer's dry run.
deb=
if have dpkg-deb; then
	mkdir -p "$sc/deb/DEBIAN" "$sc/deb/usr/share/doc/guest-agent"
	printf 'Package: guest-agent\nVersion: 9.8.7\nArchitecture: amd64\nMaintainer: test <test@example.org>\nDescription: test payload\n' \
		>"$sc/deb/DEBIAN/control"
	printf 'test\n' >"$sc/deb/usr/share/doc/guest-agent/README"
	dpkg-deb --root-owner-group -b "$sc/deb" "$sc/ga.deb" >/dev/null 2>&1 && deb=$sc/ga.deb
fi

# install_read NAME ISO: the installer finds the media, checks Linux/MANIFEST,
# picks the payload for this machine and verifies its sha256 (a dry run).
install_read() {
	if [ -z "${INSTALLER:-}" ] || [ ! -x "${INSTALLER:-}" ]; then
		skip "$1" "no installer (set INSTALLER, as make check-mkisotool does)"
		return
	fi
	if [ -z "$deb" ]; then
		skip "$1" "dpkg-deb is not installed: no payload for the dry run"
		return
	fi
	t0=$(date +%s%N)
	"$INSTALLER" install --dry-run --yes --json --media "$2" >"$work/stdout" 2>"$work/stderr"
	irc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if grep -q 'this is a container\|a Xen control domain' "$work/stderr"; then
		skip "$1" "the installer does not run here: $(head -n 1 "$work/stderr")"
	elif [ "$irc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["result"] == "planned" and d["verified"] is True, d
assert d["payload"]["path"] == "Linux/agent/guest-agent.x86_64.deb", d
assert d["payload"]["version"] == "9.8.7", d
' "$work/stdout" 2>>"$work/stderr"; then
		echo "     $1: the installer read $(basename "$2") in $ms ms"
		ok "$1"
	else
		fail "$1" "exit $irc: $(cat "$work/stdout")"
	fi
}

# scale_tree N: a generated driver tree of N files (bench/gen_tree.py, small
# files), with the payload, built, verified, listed and read by the installer.
scale_tree() {
	n=$1
	d=$sc/t$n
	mkdir -p "$d"
	if ! python3 "$top/bench/gen_tree.py" "$d" --files "$n" --mean-size 300 >"$d/stats.json"; then
		fail "tree-$n-build" "bench/gen_tree.py failed"
		return
	fi
	{
		printf 'guest-tools-manifest 1\nversion 9.8.7\ntree Windows src=Windows\n'
		[ -z "$deb" ] || printf 'package Linux/agent/guest-agent.x86_64.deb src=ga.deb family=deb arch=x86_64 like=debian\n'
	} >"$d/m.manifest"
	[ -z "$deb" ] || cp "$deb" "$d/ga.deb"
	t0=$(date +%s)
	run build -m "$d/m.manifest" -o "$sc/t$n.iso" --source-date-epoch $SDE --json
	echo "     tree-$n: built in $(($(date +%s) - t0)) s, $(stat -c %s "$sc/t$n.iso" 2>/dev/null) bytes"
	if [ "$rc" -eq 0 ] && python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
g = json.load(open(sys.argv[2]))
deb = os.path.getsize(sys.argv[4]) if sys.argv[4] else 0
n = int(sys.argv[3])
# The tree, the payload, and Linux/MANIFEST, Linux/CONTENTS, SHA256SUMS.
assert d["files"] == n + (1 if deb else 0) + 3, d
assert d["bytes"] == g["bytes"] + deb, (d, g)
assert d["unique_bytes"] == g["unique_bytes"] + deb, (d, g)
' "$work/stdout" "$d/stats.json" "$n" "$deb" 2>"$work/stderr"; then
		ok "tree-$n-build"
	else
		fail "tree-$n-build" "exit $rc: $(cat "$work/stdout")"
		return
	fi
	files=$(bsdtar -tvf "$sc/t$n.iso" | grep -c '^-.* Windows/')
	links=$(bsdtar -tvf "$sc/t$n.iso" | grep -c '^l.* Windows/.*/latest -> w11$')
	if [ "$files" -eq "$n" ] &&
		[ "$links" -eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["links"])' "$d/stats.json")" ]; then
		ok "tree-$n-listed"
	else
		fail "tree-$n-listed" "bsdtar lists $files files and $links links"
	fi
	t0=$(date +%s)
	if "$MK" verify -q "$sc/t$n.iso" 2>"$work/stderr"; then
		echo "     tree-$n: verified in $(($(date +%s) - t0)) s"
		ok "tree-$n-verify"
	else
		fail "tree-$n-verify" "mkisotool verify failed"
	fi
	install_read "tree-$n-install-read" "$sc/t$n.iso"
	rm -rf "$d" "$sc/t$n.iso"
}
scale_tree 20000
scale_tree 100000

# The installer's bound on Linux/MANIFEST: the largest one the build accepts
# (by entries, then by bytes) is read by the installer; one more is refused.
bd=$sc/bound
mkdir -p "$bd"
printf 'x' >"$bd/one"
[ -z "$deb" ] || cp "$deb" "$bd/ga.deb"
# bound_manifest K NAME: the payload and K files below Linux/ named by NAME.
bound_manifest() {
	{
		printf 'guest-tools-manifest 1\nversion 9.8.7\n'
		[ -z "$deb" ] || printf 'package Linux/agent/guest-agent.x86_64.deb src=ga.deb family=deb arch=x86_64 like=debian\n'
		i=0
		while [ "$i" -lt "$1" ]; do
			printf 'file Linux/%s/%05d src=one\n' "$2" "$i"
			i=$((i + 1))
		done
	} >"$bd/m.manifest"
}
pkg=0
[ -z "$deb" ] || pkg=1
bound_manifest $((4096 - pkg)) f
run build -q -m "$bd/m.manifest" -o "$bd/entries.iso" --source-date-epoch $SDE
if [ "$rc" -eq 0 ] && [ "$(bsdtar -xOf "$bd/entries.iso" Linux/MANIFEST | grep -c '^file\|^package')" -eq 4096 ]; then
	ok bound-4096-entries
	install_read bound-4096-entries-install-read "$bd/entries.iso"
else
	fail bound-4096-entries "exit $rc"
fi
bound_manifest $((4097 - pkg)) f
expect_failure bound-4097-entries 3 "Linux/MANIFEST would list 4097 entries; the installer reads at most 4096 entries and 1048576 bytes" \
	"$bd" build -m "$bd/m.manifest" -o "$bd/more.iso"
# Names of 206 bytes: about 300 bytes a line, so the bytes bound comes first.
long=$(printf 'n%.0s' $(seq 1 100))/$(printf 'm%.0s' $(seq 1 93))
bound_manifest 1000 "$long"
run build -q -m "$bd/m.manifest" -o "$bd/probe.iso" --source-date-epoch $SDE
s0=$(bsdtar -xOf "$bd/probe.iso" Linux/MANIFEST | wc -c)
line=$(bsdtar -xOf "$bd/probe.iso" Linux/MANIFEST 2>/dev/null | grep -m 1 "^file Linux/$long/" | wc -c)
k=$((1000 + (1048576 - s0) / line))
bound_manifest "$k" "$long"
run build -q -m "$bd/m.manifest" -o "$bd/bytes.iso" --source-date-epoch $SDE
size=$(bsdtar -xOf "$bd/bytes.iso" Linux/MANIFEST 2>/dev/null | wc -c)
if [ "$rc" -eq 0 ] && [ "$size" -le 1048576 ] && [ "$size" -gt $((1048576 - line)) ]; then
	echo "     bound: $k entries, Linux/MANIFEST of $size bytes"
	ok bound-1MiB
	install_read bound-1MiB-install-read "$bd/bytes.iso"
else
	fail bound-1MiB "exit $rc, Linux/MANIFEST of $size bytes with $k entries"
fi
bound_manifest $((k + 1)) "$long"
expect_failure bound-1MiB-plus-one 3 "entries in more than 1048576 bytes; the installer reads at most 4096 entries and 1048576 bytes" "$bd" \
	build -m "$bd/m.manifest" -o "$bd/more.iso"
rm -rf "$bd"

# A file over 4 GiB (ISO level 3: two extents) and an image over 6 GiB, from
# sparse inputs; the image keeps their holes. Data sits around the extent
# boundary (4 GiB - 2 KiB) and at the ends, read back by xorriso too (its
# "stdio:" prefix: it takes a path below /dev, as /dev/shm, for a drive).
lg=$sc/large
mkdir -p "$lg"
avail=$(df -Pk "$lg" | awk 'NR == 2 { print $4 }')
if [ "${avail:-0}" -lt $((8 * 1024 * 1024)) ]; then
	skip large-image "$(df -Ph "$lg" | awk 'NR == 2 { print $4 }') free under $lg: 8 GiB needed in case holes are not kept"
else
	truncate -s 4500M "$lg/huge.bin"
	truncate -s 1700M "$lg/second.bin"
	head -c 1048576 /dev/urandom >"$lg/r1"
	head -c 1048576 /dev/urandom >"$lg/r2"
	dd if="$lg/r1" of="$lg/huge.bin" bs=1M seek=0 conv=notrunc 2>/dev/null
	dd if="$lg/r2" of="$lg/huge.bin" bs=1024 seek=$((4 * 1024 * 1024 - 512)) conv=notrunc 2>/dev/null
	dd if="$lg/r1" of="$lg/huge.bin" bs=1M seek=4499 conv=notrunc 2>/dev/null
	dd if="$lg/r2" of="$lg/second.bin" bs=1M seek=1000 conv=notrunc 2>/dev/null
	printf 'guest-tools-manifest 1\nversion 1\nfile huge.bin src=huge.bin\nfile Windows/second.bin src=second.bin\n' \
		>"$lg/m.manifest"
	t0=$(date +%s)
	run build -m "$lg/m.manifest" -o "$lg/big.iso" --source-date-epoch $SDE --json
	echo "     large-image: built in $(($(date +%s) - t0)) s: $(stat -c %s "$lg/big.iso" 2>/dev/null) bytes, $(du -k "$lg/big.iso" 2>/dev/null | cut -f1) KiB on disk"
	if [ "$rc" -eq 0 ] && [ "$(stat -c %s "$lg/big.iso")" -gt $((6 * 1024 * 1024 * 1024)) ] &&
		bsdtar -tvf "$lg/big.iso" | grep -q ' 4718592000 .* huge.bin$' &&
		bsdtar -tvf "$lg/big.iso" | grep -q ' 1782579200 .* Windows/second.bin$'; then
		ok large-image-build
	else
		fail large-image-build "exit $rc: $(cat "$work/stdout")"
	fi
	if ! have xorriso; then
		skip large-image-extent-boundary "xorriso is not installed"
	elif xorriso -osirrox on -indev "stdio:$lg/big.iso" \
		-extract_cut /huge.bin $((4 * 1024 * 1024 * 1024 - 512 * 1024)) 1048576 "$lg/cut" \
		>"$work/stderr" 2>&1 && cmp -s "$lg/cut" "$lg/r2"; then
		ok large-image-extent-boundary
	else
		fail large-image-extent-boundary "xorriso reads other bytes across 4 GiB ($(cmp "$lg/cut" "$lg/r2" 2>&1))"
	fi
	t0=$(date +%s)
	if "$MK" verify -q "$lg/big.iso" 2>"$work/stderr"; then
		echo "     large-image: verified in $(($(date +%s) - t0)) s"
		ok large-image-verify
	else
		fail large-image-verify "mkisotool verify failed"
	fi
fi
rm -f "$lg/huge.bin" "$lg/second.bin" "$lg/big.iso"
