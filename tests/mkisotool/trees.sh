# SPDX-License-Identifier: MIT
# tree entries (manifest(5)): sourced by run.sh, which provides run, ok, fail,
# skip, have, sha, expect_failure, $MK, $work, $SDE.

tr=$work/trees
mkdir -p "$tr/src/Windows/drv/x64" "$tr/src/Windows/drv/x86" "$tr/src/Windows/.git/objects" \
	"$tr/src/Windows/sub" "$tr/src/extra" "$tr/o"
head -c 70000 /dev/urandom >"$tr/src/Windows/drv/x64/disk.sys"
cp "$tr/src/Windows/drv/x64/disk.sys" "$tr/src/Windows/drv/x86/disk.sys"
head -c 1200 /dev/urandom >"$tr/src/Windows/drv/x64/disk.inf"
head -c 1300 /dev/urandom >"$tr/src/Windows/drv/x86/disk.inf"
printf 'setup-script-content\n' >"$tr/src/Windows/setup(x64)[1],v2@+.cmd"
chmod 755 "$tr/src/Windows/setup(x64)[1],v2@+.cmd"
printf 'secret\n' >"$tr/src/Windows/drv/private.key"
chmod 600 "$tr/src/Windows/drv/private.key"
long=$(printf 'a%.0s' $(seq 1 95))
printf 'long\n' >"$tr/src/Windows/$long.txt"
ln -s x64 "$tr/src/Windows/drv/latest"
ln -s ../drv/x86/disk.inf "$tr/src/Windows/sub/inf"
printf 'x\n' >"$tr/src/Windows/drv/x64/disk.pdb"
printf 'x\n' >"$tr/src/Windows/.git/objects/pack"
printf 't\n' >"$tr/src/Windows/sub/scratch.tmp"
printf 't\n' >"$tr/src/Windows/keep.tmp"
cp "$tr/src/Windows/drv/x64/disk.sys" "$tr/src/extra/same.bin"
cat >"$tr/src/t.manifest" <<-EOF
guest-tools-manifest 1
version 2.0
file README.txt src=extra/same.bin
tree Windows src=Windows exclude=*.pdb,.git,sub/*.tmp
EOF
run build -m "$tr/src/t.manifest" -o "$tr/o/t.iso" --source-date-epoch $SDE --json
if [ "$rc" -eq 0 ] && "$MK" verify -q "$tr/o/t.iso" 2>"$work/stderr" && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
# disk.sys twice in the tree and README.txt: one content stored once.
assert d["unique_bytes"] == d["bytes"] - 2 * 70000, d
' "$work/stdout"; then
	ok tree-build
else
	fail tree-build "exit $rc: $(cat "$work/stdout")"
fi
layout=$(bsdtar -tf "$tr/o/t.iso" | sed -e 's|^\./||' -e 's|/$||' | grep -v '^\.\?$' | sort | tr '\n' ' ')
want="Linux Linux/CONTENTS Linux/MANIFEST README.txt SHA256SUMS Windows Windows/$long.txt Windows/drv Windows/drv/latest Windows/drv/private.key Windows/drv/x64 Windows/drv/x64/disk.inf Windows/drv/x64/disk.sys Windows/drv/x86 Windows/drv/x86/disk.inf Windows/drv/x86/disk.sys Windows/keep.tmp Windows/setup(x64)[1],v2@+.cmd Windows/sub Windows/sub/inf "
if [ "$layout" = "$want" ]; then
	ok tree-sorted-excluded
else
	fail tree-sorted-excluded "got: $layout"
fi
x=$work/tree-extract
mkdir -p "$x"
if bsdtar -xf "$tr/o/t.iso" -C "$x" 2>"$work/stderr" &&
	cmp -s "$x/Windows/drv/x86/disk.sys" "$tr/src/Windows/drv/x64/disk.sys" &&
	[ "$(stat -c %a "$x/Windows/setup(x64)[1],v2@+.cmd")" = 755 ] &&
	[ "$(stat -c %a "$x/Windows/drv/private.key")" = 600 ] &&
	[ "$(stat -c %a "$x/Windows/drv/x64/disk.inf")" = 644 ] &&
	[ "$(readlink "$x/Windows/drv/latest")" = x64 ] &&
	[ "$(readlink "$x/Windows/sub/inf")" = ../drv/x86/disk.inf ] &&
	grep -qx "file Windows/drv/private.key size=7 sha256=$(sha "$x/Windows/drv/private.key") mode=0600" "$x/Linux/CONTENTS" &&
	grep -qx 'link Windows/drv/latest target=x64' "$x/Linux/CONTENTS" &&
	! grep -q 'Windows' "$x/Linux/MANIFEST" &&
	(cd "$x" && sha256sum --quiet -c SHA256SUMS) >"$work/stderr" 2>&1; then
	ok tree-content-modes-links
else
	fail tree-content-modes-links "content, mode, link or listing differ"
fi
# Joliet (what Windows reads) keeps the 95-character name whole, as -joliet-long.
if ! have isoinfo; then
	skip tree-joliet-long "isoinfo is not installed (genisoimage)"
elif isoinfo -J -f -i "$tr/o/t.iso" | grep -qx "/Windows/$long.txt;1" &&
	isoinfo -J -f -i "$tr/o/t.iso" | grep -qxF '/Windows/setup(x64)[1],v2@+.cmd;1'; then
	ok tree-joliet-long
else
	fail tree-joliet-long "$(isoinfo -J -f -i "$tr/o/t.iso" | grep -i aaaa)"
fi
# ls lists the contents too.
run ls "$tr/o/t.iso"
if [ "$rc" -eq 0 ] && grep -q 'Windows/drv/x86/disk.sys' "$work/stdout" &&
	grep -q 'link .*Windows/drv/latest -> x64' "$work/stdout"; then
	ok tree-ls
else
	fail tree-ls "exit $rc"
fi
# The same bytes from a copy (other inodes, other readdir order, hard links).
cp -a "$tr/src" "$tr/copy"
ln -f "$tr/copy/Windows/drv/x64/disk.sys" "$tr/copy/Windows/drv/x86/disk.sys"
"$MK" build -q -m "$tr/copy/t.manifest" -o "$tr/o/c.iso" --source-date-epoch $SDE 2>"$work/stderr"
if [ "$(sha "$tr/o/c.iso")" = "$(sha "$tr/o/t.iso")" ]; then
	ok tree-reproducible
else
	fail tree-reproducible "a copy with a hard link gives other bytes"
fi
rm -rf "$tr/copy" "$tr/o/c.iso" "$x"

# verify checks what Linux/CONTENTS lists, and Linux/CONTENTS against Linux/MANIFEST.
cp "$tr/o/t.iso" "$tr/o/bad.iso"
off=$(grep -obaF 'setup-script-content' "$tr/o/bad.iso" | head -n 1 | cut -d: -f1)
printf 'S' | dd of="$tr/o/bad.iso" bs=1 seek="$off" conv=notrunc 2>/dev/null
expect_failure tree-verify-damaged-file 4 'Windows/setup(x64)[1],v2@+.cmd: sha256' "$tr/o" \
	verify "$tr/o/bad.iso"
cp "$tr/o/t.iso" "$tr/o/bad.iso"
off=$(grep -obaF 'link Windows/drv/latest target=x64' "$tr/o/bad.iso" | head -n 1 | cut -d: -f1)
printf 'y' | dd of="$tr/o/bad.iso" bs=1 seek="$((off + 32))" conv=notrunc 2>/dev/null
expect_failure tree-verify-damaged-contents 4 'Linux/CONTENTS: sha256' "$tr/o" \
	verify "$tr/o/bad.iso"
rm -f "$tr/o/bad.iso"

# What the image cannot hold as it is: reported with its path, never changed.
tb=$work/treebad
tree_bad() { # NAME CODE PATTERN: builds $tb/m.manifest with a tree of $tb/w
	expect_failure "$1" "$2" "$3" "$tb/o" build -m "$tb/m.manifest" -o "$tb/o/out.iso"
	rm -rf "$tb/w"
	mkdir -p "$tb/w"
}
mkdir -p "$tb/w" "$tb/o"
printf 'guest-tools-manifest 1\nversion 1\ntree Windows src=w\n' >"$tb/m.manifest"
ln -s ../../etc/passwd "$tb/w/escape"
tree_bad tree-link-leaves 5 "m.manifest:3: tree Windows: $tb/w/escape: a symbolic link to ../../etc/passwd, outside the tree"
ln -s /etc/passwd "$tb/w/abs"
tree_bad tree-link-absolute 5 "a symbolic link to /etc/passwd, outside the tree"
ln -s nothing "$tb/w/dangling"
tree_bad tree-link-dangling 3 "Windows/dangling: target nothing: nothing on the image at 'Windows/nothing'"
: >"$tb/w/a:b"
tree_bad tree-name-colon 5 "$tb/w/a:b: the image cannot hold this name as it is: a name holds one of"
: >"$tb/w/a b"
tree_bad tree-name-space 5 "a name holds a space (the manifest cannot carry one)"
: >"$tb/w/caf$(printf '\303\251')"
tree_bad tree-name-not-ascii 5 "a name is not ASCII"
: >"$tb/w/trailing."
tree_bad tree-name-trailing-dot 5 "a name ends with '.'"
: >"$tb/w/$(printf 'b%.0s' $(seq 1 104))"
tree_bad tree-name-too-long 5 "a name is longer than 103 bytes"
mkdir -p "$tb/w/1/2/3/4/5/6/7"
: >"$tb/w/1/2/3/4/5/6/7/deep"
tree_bad tree-too-deep 5 "$tb/w/1/2/3/4/5/6/7: what this directory holds would be more than 8 levels deep"
: >"$tb/w/suid"
chmod 4755 "$tb/w/suid"
tree_bad tree-setuid 5 "mode 4755: set-id and sticky bits cannot be kept"
mkfifo "$tb/w/fifo"
tree_bad tree-fifo 5 "$tb/w/fifo: a FIFO: only files, directories and symbolic links"
: >"$tb/w/Read.me"
: >"$tb/w/READ.ME"
tree_bad tree-case-collision 3 "Windows/Read.me: differs only in case from Windows/READ.ME (from the tree on line 3)"
: >"$tb/w/x"
printf 'guest-tools-manifest 1\nversion 1\ntree Windows src=w\nfile Windows/x src=m.manifest\n' \
	>"$tb/m.manifest"
tree_bad tree-collides-with-file 3 "Windows/x: destination also used from the tree on line 3"
mkdir -p "$tb/l"
: >"$tb/l/MANIFEST"
printf 'guest-tools-manifest 1\nversion 1\ntree Linux src=l\n' >"$tb/m.manifest"
tree_bad tree-reserved 3 "Linux/MANIFEST: destination reserved (mkisotool writes Linux/MANIFEST)"
rm -rf "$tb/l"
printf 'guest-tools-manifest 1\nversion 1\ntree Windows src=nope\n' >"$tb/m.manifest"
tree_bad tree-src-missing 5 "m.manifest:3: tree Windows: source $tb/nope: No such file"
printf 'guest-tools-manifest 1\nversion 1\ntree Windows src=m.manifest\n' >"$tb/m.manifest"
tree_bad tree-src-not-dir 5 "source $tb/m.manifest is not a directory"
printf 'guest-tools-manifest 1\nversion 1\ntree Windows src=%s\n' "$tr/src/extra" >"$tb/m.manifest"
tree_bad tree-src-outside 3 "is outside the source tree ($tb) and the build directory (a tree cannot be pinned by sha256=)"
# Many bad names: the first 100 are shown, all are counted.
printf 'guest-tools-manifest 1\nversion 1\ntree Windows src=w\n' >"$tb/m.manifest"
i=0
while [ $i -lt 150 ]; do : >"$tb/w/bad:$i"; i=$((i + 1)); done
run build -m "$tb/m.manifest" -o "$tb/o/out.iso"
if [ "$rc" -eq 5 ] && [ "$(grep -c 'a name holds one of' "$work/stderr")" -eq 100 ] &&
	grep -q 'more problems not shown' "$work/stderr" &&
	grep -q '150 problems: no image written' "$work/stderr"; then
	ok tree-many-problems
else
	fail tree-many-problems "exit $rc, $(grep -c 'a name holds' "$work/stderr") shown"
fi
rm -rf "$tb" "$tr"
