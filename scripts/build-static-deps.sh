#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the static libraries the fully static installer links (zlib, liblzma,
# libzstd, libarchive, libblkid, libmount, libsodium) with musl, from Debian
# source packages, into one cached prefix.
#
# Usage: scripts/build-static-deps.sh [--arch x86_64|i686] [--print-prefix] [--quiet]
#
# The prefix lives at ${GT_CACHE_DIR:-$HOME/.cache/guest-tools}/static/<arch>-<key>,
# where <key> hashes this script, the smoke test and the exact Debian source and
# toolchain versions, so a rerun is a no-op and any change rebuilds. The prefix
# path is the last line on stdout; <prefix>/env.mk has the flags for the Makefile.
# --print-prefix prints it only if already built (exit 1 otherwise), never builds.
# Why musl and the pitfalls met: shared/notes/static-build.md.
set -euo pipefail

prog="build-static-deps"
arch=x86_64
print_prefix=0
quiet=0

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}
say() {
	if [[ $quiet == 0 ]]; then printf '%s: %s\n' "$prog" "$*" >&2; fi
	return 0
}
usage() {
	echo "usage: scripts/build-static-deps.sh [--arch x86_64|i686] [--print-prefix] [--quiet]"
}

while (($#)); do
	case $1 in
	--arch) (($# >= 2)) || die "--arch: missing value"; arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--print-prefix) print_prefix=1; shift ;;
	--quiet | -q) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "$1: unknown argument" ;;
	esac
done

script=$(readlink -f "${BASH_SOURCE[0]}")
script_dir=${script%/*}
smoke_src=$script_dir/static-smoke.c
cache=${GT_CACHE_DIR:-$HOME/.cache/guest-tools}
[[ $cache == /* ]] || cache=$PWD/$cache

# Debian source package names (zstd's source is called libzstd).
src_pkgs=(zlib xz-utils libzstd libarchive util-linux libsodium)

case $arch in
x86_64)
	deb_arch=amd64
	host_args=() # native: musl-gcc runs on the build machine
	musl_pkg=musl-dev:amd64
	cc_pkg_bin=x86_64-linux-gnu-gcc
	kernel_inc=/usr/include
	kernel_asm=/usr/include/x86_64-linux-gnu/asm
	tool_pkgs=(musl-tools musl-dev:amd64 build-essential dpkg-dev pkg-config file binutils
		linux-libc-dev xz-utils autoconf automake libtool)
	;;
i686)
	deb_arch=i386
	# Debian's musl-gcc is 64-bit only: cross compile with the i686 gcc and musl's specs.
	host_args=(--host=i686-linux-musl --build=x86_64-linux-gnu)
	musl_pkg=musl-dev:i386
	cc_pkg_bin=i686-linux-gnu-gcc
	kernel_inc=/usr/i686-linux-gnu/include
	kernel_asm=/usr/i686-linux-gnu/include/asm
	# linux-libc-dev-i386-cross gives the i386 <asm/...> kernel headers.
	tool_pkgs=(musl-dev:i386 gcc-i686-linux-gnu linux-libc-dev-i386-cross build-essential
		dpkg-dev pkg-config file binutils linux-libc-dev xz-utils autoconf automake libtool)
	;;
*) die "--arch: $arch: not supported (x86_64 or i686)" ;;
esac

apt_get() {
	# Wait for other apt users on a shared machine instead of failing at once.
	local q=-q
	((quiet == 0)) || q=-qq
	DEBIAN_FRONTEND=noninteractive apt-get "$q" -o DPkg::Lock::Timeout=600 "$@"
}

missing_pkgs() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || st=
		[[ $st == installed ]] || printf '%s\n' "$p"
	done
}

has_deb_src() {
	# Sources indexes present for what we need (an entry without apt-get update is not enough).
	# (No "| grep -q" in this script: with pipefail, its early exit fails the writer.)
	[[ $(apt-cache showsrc --only-source zlib 2>/dev/null) == *$'Package: zlib\n'* ]]
}

# deb822 deb-src entries mirroring the system's deb entries.
deb_src_entry() {
	local f=/etc/apt/sources.list.d/debian.sources
	if [[ -r $f ]]; then
		sed 's/^Types:.*/Types: deb-src/' "$f"
		return
	fi
	# Old one-line sources.list: turn each "deb" line into a stanza.
	[[ -r /etc/apt/sources.list ]] || return 1
	awk '$1 == "deb" {
		opts = ""; i = 2
		if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
		printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:", $i, $(i + 1)
		for (j = i + 2; j <= NF; j++) printf " %s", $j
		printf "\n"
		if (match(opts, /signed-by=[^] ]+/))
			printf "Signed-By: %s\n", substr(opts, RSTART + 10, RLENGTH - 10)
		printf "\n"
	}' /etc/apt/sources.list
}

ensure_system() {
	local need_i386=0 missing src_ok=1 src_file=/etc/apt/sources.list.d/guest-tools-src.sources
	if [[ $deb_arch == i386 && $'\n'$(dpkg --print-foreign-architectures)$'\n' != *$'\ni386\n'* ]]; then
		need_i386=1
	fi
	mapfile -t missing < <(missing_pkgs "${tool_pkgs[@]}")
	has_deb_src || src_ok=0
	if ((need_i386 == 0 && ${#missing[@]} == 0 && src_ok == 1)); then
		return 0 # all there: no apt-get at all
	fi
	if ((EUID != 0)); then
		{
			echo "$prog: missing build prerequisites; as root run:"
			if ((src_ok == 0)); then
				echo "  write $src_file with deb-src stanzas mirroring" \
					"/etc/apt/sources.list.d/debian.sources (Types: deb-src)"
			fi
			((need_i386 == 0)) || echo "  dpkg --add-architecture i386"
			((src_ok == 1 && need_i386 == 0)) || echo "  apt-get update"
			((${#missing[@]} == 0)) ||
				echo "  apt-get install --no-install-recommends ${missing[*]}"
		} >&2
		exit 1
	fi
	if ((src_ok == 0)) && [[ ! -e $src_file ]]; then
		say "adding deb-src entries in $src_file"
		local entry
		entry=$(deb_src_entry) || die "$src_file: no deb entries found to mirror"
		printf '%s\n' "$entry" >"$src_file"
	fi
	if ((need_i386)); then
		say "adding the i386 architecture"
		dpkg --add-architecture i386
	fi
	if ((src_ok == 0 || need_i386)); then
		say "apt-get update"
		# Exit 100 means at least one index failed (seen with i386); what we need is checked below.
		local rc=0
		apt_get update >&2 || rc=$?
		((rc == 0 || rc == 100)) || die "apt-get update: failed with exit $rc"
		((rc == 0)) || say "apt-get update: some index failed (exit 100); going on"
		has_deb_src || die "apt: no source index for zlib even after apt-get update"
	fi
	mapfile -t missing < <(missing_pkgs "${tool_pkgs[@]}")
	if ((${#missing[@]})); then
		# Never let an install remove packages (gcc-i686-linux-gnu conflicts with
		# gcc-multilib, for one): that could break another toolchain on this machine.
		local sim removed
		sim=$(apt-get -s -o DPkg::Lock::Timeout=600 install --no-install-recommends \
			"${missing[@]}" 2>&1) || die "apt-get install ${missing[*]}: $(tail -n 3 <<<"$sim")"
		removed=$(awk '$1 == "Remv" { printf " %s", $2 }' <<<"$sim")
		[[ -z $removed ]] ||
			die "apt-get install ${missing[*]}: would remove${removed}; not doing that"
		say "apt-get install ${missing[*]}"
		apt_get -y install --no-install-recommends "${missing[@]}" >&2 ||
			die "apt-get install ${missing[*]}: failed"
	fi
}

# Prints "pkg version dsc-sha256 dsc-name" for the newest version of each source
# package, the one apt-get source would pick; we then ask for exactly that.
resolve_sources() {
	local pkg line best ver
	local -A best_ver=() best_line=()
	while read -r pkg ver line; do
		best=${best_ver[$pkg]-}
		if [[ -z $best ]] || dpkg --compare-versions "$ver" gt "$best"; then
			best_ver[$pkg]=$ver
			best_line[$pkg]="$pkg $ver $line"
		fi
	done < <(apt-cache showsrc --only-source "${src_pkgs[@]}" 2>/dev/null | awk '
		/^Package: / { p = $2 } /^Version: / { v = $2 }
		/^[^ ]/ { sha = ($1 == "Checksums-Sha256:") }
		sha && /^ / && $3 ~ /\.dsc$/ { print p, v, $1, $3 }' | sort -u)
	for pkg in "${src_pkgs[@]}"; do
		[[ -n ${best_line[$pkg]-} ]] || return 1
		printf '%s\n' "${best_line[$pkg]}"
	done
}

compute_key() {
	local cc_real cc_pkg
	sources=$(resolve_sources) || return 1
	cc_real=$(readlink -f "$(command -v "$cc_pkg_bin")") || return 1
	cc_pkg=$(dpkg-query -S "$cc_real" 2>/dev/null | head -n1) || return 1
	toolchain=$(dpkg-query -W -f='${Package}:${Architecture} ${Version}\n' \
		"$musl_pkg" "${cc_pkg%%:*}" autoconf automake libtool) || return 1
	key=$({
		cat "$script" "$smoke_src"
		printf '%s\n' "$arch" "$sources" "$toolchain"
	} | sha256sum | cut -c1-12)
	prefix=$cache/static/$arch-$key
}

if ((print_prefix)); then
	# Only report a finished prefix; never build, never install anything.
	{ compute_key && [[ -f $prefix/.complete ]]; } 2>/dev/null || exit 1
	printf '%s\n' "$prefix"
	exit 0
fi

[[ -r $smoke_src ]] || die "$smoke_src: missing"
ensure_system
compute_key || die "apt-cache showsrc ${src_pkgs[*]}: could not resolve source versions"

if [[ -f $prefix/.complete ]]; then
	printf '%s\n' "$prefix"
	exit 0
fi

mkdir -p "$cache/src" "$cache/static"
# One build per arch at a time; a second caller waits and then finds it done.
exec 9>"$cache/static/.lock-$arch"
if ! flock -n 9; then
	say "waiting for another build of $arch"
	flock 9
fi
if [[ -f $prefix/.complete ]]; then
	printf '%s\n' "$prefix"
	exit 0
fi
# Anything here without .complete is a leftover of an interrupted run.
rm -rf "$prefix" "$cache/static/.build-$arch-"*

start=$SECONDS
say "building $arch prefix $prefix"

# --- sources: keep the downloaded files in $cache/src so a rebuild stays offline.
need_dl=()
while read -r pkg ver sha dsc; do
	if [[ ! -f $cache/src/$dsc ]] || [[ $(sha256sum <"$cache/src/$dsc") != "$sha "* ]]; then
		need_dl+=("$pkg=$ver")
	fi
done <<<"$sources"
if ((${#need_dl[@]})); then
	say "downloading ${need_dl[*]}"
	sandbox=()
	# _apt cannot enter a private $HOME; avoid apt's warning by not dropping to it.
	((EUID != 0)) || sandbox=(-o APT::Sandbox::User=root)
	(cd "$cache/src" && apt-get -q "${sandbox[@]}" source --download-only --only-source \
		"${need_dl[@]}") >&2 || die "apt-get source ${need_dl[*]}: failed"
fi

# --- build in a temp dir next to the final prefix, staged through DESTDIR, renamed at the end.
build=$(mktemp -d "$cache/static/.build-$arch-$key.XXXXXX")
lanes=()
cleanup() {
	# Each lane is its own process group: end it with its make and compilers.
	((${#lanes[@]} == 0)) || kill -TERM -- "${lanes[@]/#/-}" 2>/dev/null || true
	rm -rf "$build"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
destroot=$build/root
sp=$destroot$prefix # the staged prefix
mkdir -p "$build/logs" "$sp/lib/pkgconfig" "$sp/include" "$sp/bin" "$sp/kernel-include"

# Kernel headers: musl-gcc drops the normal include path; never add -I/usr/include
# (glibc headers would shadow musl's), only these links, searched last via -idirafter.
for d in "$kernel_inc/linux" "$kernel_inc/asm-generic" "$kernel_inc/mtd" "$kernel_asm"; do
	[[ -d $d ]] || die "$d: missing kernel headers for $arch"
	ln -s "$d" "$sp/kernel-include/${d##*/}"
done

if [[ $arch == x86_64 ]]; then
	cc=musl-gcc
	cc_final=musl-gcc
else
	specs=/usr/lib/i386-linux-musl/musl-gcc.specs
	[[ -r $specs ]] || die "$specs: missing (musl-dev:i386)"
	cat >"$sp/bin/i686-linux-musl-gcc" <<-EOF
		#!/bin/sh
		# musl-gcc for i686: Debian's musl-gcc wrapper is 64-bit only.
		exec i686-linux-gnu-gcc "\$@" -specs $specs
	EOF
	chmod +x "$sp/bin/i686-linux-musl-gcc"
	cc=$sp/bin/i686-linux-musl-gcc
	cc_final=$prefix/bin/i686-linux-musl-gcc
fi
command -v "${cc%% *}" >/dev/null || die "$cc: not found"

# -ffunction/data-sections let the installer link with --gc-sections.
export CC=$cc
export CFLAGS="-O2 -ffunction-sections -fdata-sections"
export CPPFLAGS="-I$sp/include -idirafter $sp/kernel-include"
export LDFLAGS="-L$sp/lib"
# Only our own .pc files; the sysroot maps their final paths into the stage.
export PKG_CONFIG_LIBDIR=$sp/lib/pkgconfig PKG_CONFIG_PATH="" PKG_CONFIG_SYSROOT_DIR=$destroot
unset PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS MAKEFLAGS MFLAGS
export LC_ALL=C TZ=UTC
jobs=-j$(nproc)
conf_common=(--prefix="$prefix" --disable-shared --enable-static --disable-dependency-tracking
	"${host_args[@]}")

# Runs steps (name function ...) in order, each with its output in logs/<name>.log;
# on failure shows that log's tail and stops. Start it with start_lane, never from
# an "if" or "||": bash ignores set -e in anything called from those, subshells too.
run_steps() {
	local name fn t0 log
	while (($#)); do
		name=$1 fn=$2 t0=$SECONDS log=$build/logs/$1.log
		shift 2
		say "$name: building (log $log)"
		(set -x; cd "$build"; "$fn") >"$log" 2>&1 &
		if ! wait $!; then
			printf '%s: %s: build failed; last lines of %s:\n' "$prog" "$name" "$log" >&2
			tail -n 40 "$log" >&2
			exit 1
		fi
		say "$name: done in $((SECONDS - t0)) s"
	done
}

# Starts run_steps as a lane in its own process group (set -m), so an interrupt can
# end all of it: without job control, background jobs ignore SIGINT.
start_lane() {
	set -m
	run_steps "$@" &
	lanes+=($!)
	set +m
}

# Waits for the lanes started; keeps the build dir with its logs if one failed.
wait_lanes() {
	local pid ok=1
	for pid in "${lanes[@]}"; do wait "$pid" || ok=0; done
	lanes=()
	if ((ok == 0)); then
		trap - EXIT # the next run clears it
		die "build failed; logs kept in $build/logs"
	fi
}

# Unpacks a source package from the cache and sets every mtime alike, so make never
# tries to rerun autotools on files Debian's patches touched.
unpack() {
	local pkg=$1 dsc dir ts
	dsc=$(awk -v p="$pkg" '$1 == p { print $4 }' <<<"$sources")
	dir=$build/$pkg
	dpkg-source -x "$cache/src/$dsc" "$dir"
	ts=$(dpkg-parsechangelog -l "$dir/debian/changelog" -STimestamp)
	find "$dir" -exec touch -h -d "@$ts" {} +
	cd "$dir"
}

b_zlib() {
	unpack zlib
	./configure --static --prefix="$prefix"
	make "$jobs" libz.a
	make install DESTDIR="$destroot"
}

b_xz() {
	unpack xz-utils
	./configure "${conf_common[@]}" --disable-xz --disable-xzdec --disable-lzmadec \
		--disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc --disable-nls
	make "$jobs" -C src/liblzma
	make -C src/liblzma install DESTDIR="$destroot"
}

b_zstd() {
	unpack libzstd
	local z=(ZSTD_LEGACY_SUPPORT=0 PREFIX="$prefix" LIBDIR="$prefix/lib" CC="$CC")
	make "$jobs" -C lib libzstd.a "${z[@]}"
	make -C lib install-static install-includes install-pc "${z[@]}" DESTDIR="$destroot"
}

b_libarchive() {
	unpack libarchive
	./configure "${conf_common[@]}" --disable-maintainer-mode \
		--disable-bsdtar --disable-bsdcat --disable-bsdcpio --disable-acl --disable-xattr \
		--with-zlib --with-lzma --with-zstd \
		--without-bz2lib --without-lz4 --without-lzo2 --without-libb2 --without-cng \
		--without-openssl --without-nettle --without-mbedtls --without-xml2 --without-expat
	make "$jobs" libarchive.la
	make install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA \
		DESTDIR="$destroot"
	# musl has iconv in libc and there is no iconv.pc: that line breaks pkg-config.
	sed -i '/^Requires.private:.*iconv/d' "$sp/lib/pkgconfig/libarchive.pc"
}

b_util_linux() {
	unpack util-linux
	./configure "${conf_common[@]}" --disable-all-programs --enable-libblkid \
		--enable-libmount --enable-libmount-support-mtab --disable-nls \
		--disable-asciidoc --disable-bash-completion --disable-makeinstall-chown \
		--disable-makeinstall-setuid --without-selinux --without-udev --without-systemd \
		--without-python --without-econf --without-cryptsetup --without-btrfs \
		--without-libmagic --without-ncurses --without-ncursesw --without-readline \
		--without-audit --without-smack --without-cap-ng --without-utempter
	make "$jobs" libblkid.la libmount.la
	make install-usrlib_execLTLIBRARIES install-nodist_blkidincHEADERS \
		install-nodist_mountincHEADERS install-pkgconfigDATA DESTDIR="$destroot"
}

b_libsodium() {
	unpack libsodium
	# Debian's orig tarball is a git snapshot without configure; debian/rules autoreconfs too.
	autoreconf -fi
	./configure "${conf_common[@]}"
	make "$jobs"
	make install DESTDIR="$destroot"
}

# Two lanes at once: configure scripts run on one core, and only libarchive needs
# the compression libraries before it.
start_lane zlib b_zlib xz b_xz zstd b_zstd libarchive b_libarchive
start_lane util-linux b_util_linux libsodium b_libsodium
wait_lanes

# libtool archives name the final prefix, not the stage, and man pages are not needed.
rm -rf "$sp/share" "$sp"/lib/*.la

for l in z lzma zstd archive blkid mount sodium; do
	[[ -f $sp/lib/lib$l.a ]] || die "lib$l.a: not installed into the prefix"
done
# The manifest signature needs SHA-256 and Ed25519, which --enable-minimal would keep,
# but check they are really in the archive.
sodium_syms=$(nm -g --defined-only "$sp/lib/libsodium.a" 2>/dev/null)
for s in crypto_hash_sha256 crypto_sign_ed25519_detached crypto_sign_ed25519_verify_detached; do
	[[ $sodium_syms == *" T $s"$'\n'* ]] || die "libsodium.a: symbol $s missing"
done

static_libs="-lmount -lblkid -larchive -lsodium -llzma -lzstd -lz"
cat >"$sp/env.mk" <<EOF
# Generated by scripts/build-static-deps.sh for $arch; include from the Makefile.
STATIC_CC=$cc_final
STATIC_CFLAGS=-I$prefix/include -idirafter $prefix/kernel-include
STATIC_LDFLAGS=-static -L$prefix/lib
STATIC_LIBS=$static_libs
EOF

# --- smoke test: link all of it statically, check there is no loader, and run it.
smoke() {
	local out=$build/static-smoke
	# shellcheck disable=SC2086 # flags are word lists
	$cc -O2 -I"$sp/include" -idirafter "$sp/kernel-include" -o "$out" "$smoke_src" \
		-static -L"$sp/lib" $static_libs
	strip -o "$sp/bin/static-smoke" "$out"
	local what
	what=$(file -L "$sp/bin/static-smoke")
	echo "$what"
	[[ $what == *'statically linked'* ]]
	[[ $(readelf -l "$sp/bin/static-smoke") != *INTERP* ]] || { echo "has INTERP"; return 1; }
	"$sp/bin/static-smoke" | tee "$build/smoke.out"
	grep -q 'sha256(abc)=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' \
		"$build/smoke.out"
	grep -q 'ed25519=ok' "$build/smoke.out"
}
start_lane smoke smoke
wait_lanes
say "smoke: $(tr '\n' ' ' <"$build/smoke.out")($(stat -c %s "$sp/bin/static-smoke") bytes stripped)"

# No staging path may leak into what other builds read.
if grep -rIl -- "$build" "$sp" >/dev/null; then
	die "$sp: files still name the build dir: $(grep -rIl -- "$build" "$sp" | head -n3)"
fi

{
	echo "# Debian sources: package version dsc-sha256 dsc"
	printf '%s\n' "$sources"
	echo "# toolchain"
	printf '%s\n' "$toolchain"
} >"$sp/versions"
# The stamp goes last, then one rename makes the prefix visible whole.
printf 'key=%s arch=%s built=%s\n' "$key" "$arch" "$(date -u +%FT%TZ)" >"$sp/.complete"
mv -T "$sp" "$prefix"
say "built in $((SECONDS - start)) s"
printf '%s\n' "$prefix"
