#!/bin/sh
# SPDX-License-Identifier: MIT
#
# pkg.sh names VERSION ARCH
#     print the file names of the three packages (deb, rpm, tgz)
# pkg.sh build VERSION ARCH BINARY OUTDIR
#     stage the files of payload/packaging/files.list once per family and
#     build OUTDIR/<deb>, <rpm> and <tgz> with dpkg-deb, rpmbuild and tar.
# One version (the top VERSION file) and one file list for all three.
# Output is reproducible: every mtime is SOURCE_DATE_EPOCH (default: the
# last commit's time), owners are root, archive members are sorted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
die() { echo "pkg.sh: $*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: pkg.sh names VERSION ARCH | build VERSION ARCH BINARY OUTDIR"
cmd=$1 version=$2 arch=$3
case $arch in
x86_64) debarch=amd64 rpmarch=x86_64 ;;
i686) debarch=i386 rpmarch=i686 ;;
*) die "$arch: unsupported architecture (x86_64 or i686)" ;;
esac
deb=guest-agent_${version}_$debarch.deb
rpm=guest-agent-$version-1.$rpmarch.rpm
tgz=guest-agent-$version-$arch.tgz

if [ "$cmd" = names ]; then
	echo "$deb $rpm $tgz"
	exit 0
fi
[ "$cmd" = build ] && [ $# -eq 5 ] || die "usage: pkg.sh build VERSION ARCH BINARY OUTDIR"
bin=$4 out=$5
[ -x "$bin" ] || die "$bin: no such executable (run make static)"
if readelf -l "$bin" 2>/dev/null | grep -q INTERP; then
	die "$bin: dynamically linked: the packages need the static agent"
fi
case $version in
*[!0-9.]* | "" | .* | *.) die "VERSION '$version': expected numbers and dots (1.2.3)" ;;
esac

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null || stat -c %Y "$top/VERSION")
fi
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C
# Modes come from the file list, not the builder's umask (under 077 dpkg-deb
# refuses the 0700 control directory, and staged folders would differ).
umask 022

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/guest-agent-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Generated inputs shared by the families.
gzip -9n <"$top/docs/guest-agent.8" >"$work/guest-agent.8.gz"
printf 'guest-agent (%s) unstable; urgency=medium\n\n  * Release %s; see the guest-tools CHANGELOG.md.\n\n -- guest-tools developers <guest-tools@lists.example.org>  %s\n' \
	"$version" "$version" "$(date -u -d "@$SOURCE_DATE_EPOCH" -R)" | gzip -9n >"$work/changelog.gz"

# stage FAMILY DIR: copy the family's files into DIR; print "conf PATH" and
# "file PATH" lines (destination paths) to DIR.list.
stage() {
	fam=$1 dest=$2
	case $fam in
	deb) unitdir=/lib/systemd/system udevdir=/lib/udev defaults=/etc/default/guest-agent ;;
	rpm) unitdir=/usr/lib/systemd/system udevdir=/usr/lib/udev defaults=/etc/sysconfig/guest-agent ;;
	tgz) unitdir=/usr/lib/systemd/system udevdir=/usr/lib/udev defaults= ;;
	esac
	mkdir -p "$dest"
	: >"$dest.list"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/files.list" |
		while read -r fams mode src dst conf; do
			case ",$fams," in *",$fam,"* | ",all,") ;; *) continue ;; esac
			case $src in
			@BIN@) src=$bin ;;
			@MAN@) src=$work/guest-agent.8.gz ;;
			@CHANGELOG@) src=$work/changelog.gz ;;
			*) src=$here/$src ;;
			esac
			dst=$(echo "$dst" | sed -e "s|@UNITDIR@|$unitdir|" -e "s|@UDEVDIR@|$udevdir|" -e "s|@DEFAULTS@|$defaults|")
			[ -n "$dst" ] || continue
			[ -f "$src" ] || die "files.list: $src: no such file"
			install -D -m "$mode" "$src" "$dest$dst"
			echo "${conf:-file} $dst" >>"$dest.list"
		done
	find "$dest" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# ---- deb ------------------------------------------------------------------
d=$work/deb
stage deb "$d"
mkdir -p "$d/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 "$here/deb/$s" "$d/DEBIAN/$s"; done
sed -n 's/^conf //p' "$d.list" >"$d/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$d" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@DEBARCH@/$debarch/" -e "s/@SIZE@/$size/" \
	"$here/deb/control.in" >"$d/DEBIAN/control"
(cd "$d" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	xargs md5sum) >"$d/DEBIAN/md5sums"
find "$d" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zgzip --build "$d" "$out/$deb" >/dev/null

# ---- rpm ------------------------------------------------------------------
r=$work/rpm
stage rpm "$r/stage"
files=$(while read -r kind path; do
	if [ "$kind" = conf ]; then
		echo "%config(noreplace) $path"
	else
		echo "$path"
	fi
done <"$r/stage.list")
# Directories the package alone owns (its own; not /usr/lib or /etc).
files="$files
%dir /usr/lib/guest-agent
%dir /usr/lib/guest-agent/init"
mkdir -p "$r/top"
{
	sed -e '/@FILES@/,$d' "$here/rpm/guest-agent.spec.in"
	echo "$files"
	sed -e '1,/@FILES@/d' "$here/rpm/guest-agent.spec.in"
} | sed -e "s/@VERSION@/$version/g" -e "s/@RPMARCH@/$rpmarch/" -e "s|@STAGE@|$r/stage|" \
	-e "s/@DATE@/$(date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %d %Y')/" >"$r/guest-agent.spec"
rpmbuild --quiet -bb --target "$rpmarch" --define "_topdir $r/top" \
	--define "_rpmdir $r/out" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
	--define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
	--define "_buildhost guest-tools" \
	"$r/guest-agent.spec" >"$r/rpmbuild.log" 2>&1 || {
	cat "$r/rpmbuild.log" >&2
	die "rpmbuild failed"
}
mv "$r/out/$rpm" "$out/$rpm"

# ---- tgz ------------------------------------------------------------------
t=$work/tgz
stage tgz "$t"
# The file list the installer removes from, inside the archive itself:
# "TYPE MODE SHA256 PATH" (f: file, d: directory owned by the package).
flist=/usr/lib/guest-agent/FILES
{
	echo "# guest-agent $version $arch: files of this package (type mode sha256 path)"
	(cd "$t" && find . -type f | sed 's|^\.||' | sort) | while read -r p; do
		printf 'f %s %s %s\n' "$(stat -c %a "$t$p")" "$(sha256sum <"$t$p" | cut -d' ' -f1)" "$p"
	done
	printf 'f 644 - %s\n' "$flist"
	echo "d 755 - /usr/lib/guest-agent/init"
	echo "d 755 - /usr/lib/guest-agent"
	# Parents the archive may create (tar makes missing ones): an installer
	# that created one removes it again when it is empty. Deepest first.
	(cd "$t" && find . -mindepth 1 -type d | sed 's|^\.||') | grep -v '^/usr/lib/guest-agent' |
		awk '{ print gsub("/", "/"), $0 }' | sort -k1,1nr -k2 | while read -r _ p; do
		echo "p 755 - $p"
	done
} >"$t.files"
install -D -m 0644 "$t.files" "$t$flist"
find "$t" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# Members: the files and the package's own directories, not /usr or /etc:
# extracting those would reset the guest's own directories' times and modes.
{
	echo usr/lib/guest-agent
	echo usr/lib/guest-agent/init
	(cd "$t" && find . -type f | sed 's|^\./||')
} | sort >"$t.order"
tar -C "$t" --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" \
	--no-recursion -T "$t.order" -cf - | gzip -9n >"$out/$tgz"
echo "pkg.sh: built $out/$deb $out/$rpm $out/$tgz" >&2
