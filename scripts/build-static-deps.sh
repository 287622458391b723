#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the static libraries the fully static installer links (zlib, liblzma,
# libzstd, libarchive, libblkid, libmount, libsodium) with musl, from Debian
# source packages, into one cached prefix.
#
# Usage: scripts/build-static-deps.sh [--arch x86_64|i686] [--quiet]
#            [--print-prefix | --resolve | --update-lock]
#
# The inputs are locked: scripts/deps/static-sources.lock names, for each
# architecture, every Debian source package with its exact version and the
# sha256 of its .dsc, and the toolchain packages (musl, the compiler,
# autoconf, automake, libtool) with their versions. The script fetches exactly
# the locked versions from whichever configured suite serves them (bookworm,
# bookworm-updates, bookworm-security: the deb-src entries, which it adds if
# missing), checks each .dsc's sha256 against the lock, and dpkg-source checks
# the other files against the .dsc. A .dsc whose sha256 differs from the lock
# stops the build: that is never a fallback.
#
# Fallback: when a locked version cannot be downloaded (the archive moved on),
# the build uses the newest version of that package that can be, and says so
# in one line even with --quiet:
#   build-static-deps: WARNING: PKG LOCKED (locked) cannot be downloaded; using USED instead: this build is not the locked build
# (likewise for an installed toolchain package whose version is not the locked
# one). <prefix>/lock-status then says "status fallback" with a line
# "fallback source|tool PACKAGE LOCKED USED" per difference ("status locked"
# when there is none); <prefix>/versions lists every input used, and
# <prefix>/smoke what the smoke test printed.
#
# The prefix lives at ${GT_CACHE_DIR:-$HOME/.cache/guest-tools}/static/<arch>-<key>,
# where <key> hashes this script, the smoke test and the inputs used (for a
# locked build: the lock's lines for <arch>), never the apt index: a rerun is a
# no-op that needs no network, and any change rebuilds. Downloads are kept in
# <cache>/src. The prefix path is the only line on stdout; <prefix>/env.mk has
# the flags for the Makefile.
#
#   --print-prefix  print the prefix a build from the locked sources uses, if it
#                   is built (exit 1 otherwise); never builds, installs or
#                   downloads anything
#   --resolve       fetch the sources the build would use (after any fallback),
#                   print its lock status and prefix on stdout; build nothing
#   --update-lock   rewrite the lock: for each source package the newest
#                   version the configured suites list that really downloads
#                   (tried newest first, older ones on failure), and the
#                   installed toolchain; both architectures, or only that of
#                   an explicit --arch. Run apt-get update first.
#
# Environment:
#   GT_CACHE_DIR           the cache folder (default ~/.cache/guest-tools)
#   GT_STATIC_LOCK         use this lock file instead (tests lock a version
#                          that does not exist to see the fallback or the failure)
#   GT_STATIC_NO_FALLBACK  1: an input that differs from the lock is an error
#
# How the lock works and how to update it: docs/build.md. Why musl and the
# pitfalls met: shared/notes/static-build.md.
set -euo pipefail

prog="build-static-deps"
arch=x86_64
arch_given=0
mode=build
quiet=0

# stdout carries the prefix (or --resolve's report) only: the rest goes to stderr.
exec 3>&1 1>&2
emit() { printf '%s\n' "$@" >&3; }

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}
say() {
	if [[ $quiet == 0 ]]; then printf '%s: %s\n' "$prog" "$*" >&2; fi
	return 0
}
usage() {
	echo "usage: scripts/build-static-deps.sh [--arch x86_64|i686] [--quiet]" \
		"[--print-prefix | --resolve | --update-lock]"
}
set_mode() {
	[[ $mode == build ]] || die "$1: only one of --print-prefix, --resolve, --update-lock"
	mode=${1#--}
}

while (($#)); do
	case $1 in
	--arch) (($# >= 2)) || die "--arch: missing value"; arch=$2; arch_given=1; shift 2 ;;
	--arch=*) arch=${1#--arch=}; arch_given=1; shift ;;
	--print-prefix | --resolve | --update-lock) set_mode "$1"; shift ;;
	--quiet | -q) quiet=1; shift ;;
	-h | --help) usage >&3; exit 0 ;;
	*) usage; die "$1: unknown argument" ;;
	esac
done

script=$(readlink -f "${BASH_SOURCE[0]}")
script_dir=${script%/*}
smoke_src=$script_dir/static-smoke.c
cache=${GT_CACHE_DIR:-$HOME/.cache/guest-tools}
[[ $cache == /* ]] || cache=$PWD/$cache
lock=${GT_STATIC_LOCK:-$script_dir/deps/static-sources.lock}
[[ $lock == /* ]] || lock=$PWD/$lock
no_fallback=${GT_STATIC_NO_FALLBACK:-0}

# Debian source package names (zstd's source is called libzstd).
src_pkgs=(zlib xz-utils libzstd libarchive util-linux libsodium)
arches=(x86_64 i686)

set_arch() {
	arch=$1
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
}
set_arch "$arch"

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

# --- the lock

# read_lock ARCH: the lock's lines for ARCH into lock_src[PKG]="VERSION DSC-SHA256"
# and lock_tool[PKG]=VERSION; a malformed or incomplete lock stops here.
declare -A lock_src=() lock_tool=()
read_lock() {
	local a=$1 kind la pkg ver sha extra n=0 fix="fix it or run scripts/build-static-deps.sh --update-lock"
	lock_src=() lock_tool=()
	[[ -r $lock ]] || die "$lock: cannot read the lock file; run scripts/build-static-deps.sh --update-lock to write it"
	while read -r kind la pkg ver sha extra || [[ -n $kind ]]; do
		n=$((n + 1))
		[[ -n $kind && $kind != \#* ]] || continue
		[[ $la == x86_64 || $la == i686 ]] || die "$lock:$n: '$la': not an architecture (x86_64 or i686); $fix"
		case $kind in
		source)
			[[ -n $ver && $sha =~ ^[0-9a-f]{64}$ && -z $extra ]] ||
				die "$lock:$n: not 'source ARCH PACKAGE VERSION DSC-SHA256'; $fix"
			[[ " ${src_pkgs[*]} " == *" $pkg "* ]] ||
				die "$lock:$n: $pkg: not a source package of the static build (${src_pkgs[*]}); $fix"
			[[ $la == "$a" ]] || continue
			[[ -z ${lock_src[$pkg]-} ]] || die "$lock:$n: $pkg locked twice for $a; $fix"
			lock_src[$pkg]="$ver $sha"
			;;
		tool)
			[[ -n $ver && -z $sha ]] || die "$lock:$n: not 'tool ARCH PACKAGE VERSION'; $fix"
			[[ $la == "$a" ]] || continue
			[[ -z ${lock_tool[$pkg]-} ]] || die "$lock:$n: $pkg locked twice for $a; $fix"
			lock_tool[$pkg]=$ver
			;;
		*) die "$lock:$n: '$kind': not a lock line (source or tool); $fix" ;;
		esac
	done <"$lock"
	for pkg in "${src_pkgs[@]}"; do
		[[ -n ${lock_src[$pkg]-} ]] || die "$lock: no source line for $pkg on $a; $fix"
	done
	((${#lock_tool[@]})) || die "$lock: no tool line for $a; $fix"
}

# Differences from the lock: "source|tool PACKAGE LOCKED USED" ("none": absent).
deviations=()
lock_status() {
	local d
	if ((${#deviations[@]} == 0)); then
		echo "status locked"
	else
		echo "status fallback"
		for d in "${deviations[@]}"; do echo "fallback $d"; done
	fi
}

# The one loud line a fallback prints (also with --quiet), or the error instead
# of it when GT_STATIC_NO_FALLBACK=1.
fallback_line() { # KIND PACKAGE LOCKED USED WHY
	local what="$2 $3 (locked) $5"
	[[ $3 != none ]] || what="$2 is not in the lock"
	if [[ $no_fallback == 1 ]]; then
		die "$what and GT_STATIC_NO_FALLBACK=1: not building; run scripts/build-static-deps.sh --update-lock (see docs/build.md) or unset GT_STATIC_NO_FALLBACK"
	fi
	if [[ $4 == none ]]; then
		printf '%s: WARNING: %s; building without it: this build is not the locked build\n' "$prog" "$what" >&2
	else
		printf '%s: WARNING: %s; using %s instead: this build is not the locked build\n' "$prog" "$what" "$4" >&2
	fi
}

# --- the toolchain

# Prints "PACKAGE:ARCH VERSION" of the installed packages that shape the build:
# musl, the compiler behind $cc_pkg_bin, autoconf, automake, libtool.
installed_tools() {
	local cc_real cc_pkg
	cc_real=$(readlink -f "$(command -v "$cc_pkg_bin")") || return 1
	cc_pkg=$(dpkg-query -S "$cc_real" 2>/dev/null) || return 1
	cc_pkg=${cc_pkg%%$'\n'*}
	dpkg-query -W -f='${Package}:${Architecture} ${Version}\n' \
		"$musl_pkg" "${cc_pkg%%:*}" autoconf automake libtool
}

# Sets $toolchain to the installed tools and tool_devs to their differences
# from the lock (reported later by report_tools).
tool_devs=()
check_tools() {
	local -A used=()
	local p v lv uv
	toolchain=$(installed_tools) ||
		die "cannot tell the versions of $musl_pkg and of the compiler behind $cc_pkg_bin: are they installed?"
	while read -r p v; do used[$p]=$v; done <<<"$toolchain"
	tool_devs=()
	while read -r p; do
		lv=${lock_tool[$p]-none} uv=${used[$p]-none}
		[[ $lv == "$uv" ]] || tool_devs+=("tool $p $lv $uv")
	done < <(printf '%s\n' "${!lock_tool[@]}" "${!used[@]}" | sort -u)
	deviations=("${tool_devs[@]}")
}
report_tools() {
	local d k p lv uv why
	for d in "${tool_devs[@]}"; do
		read -r k p lv uv <<<"$d"
		why="is not the installed version"
		[[ $uv != none ]] || why="is not installed"
		fallback_line "$k" "$p" "$lv" "$uv" "$why"
	done
}

# --- the sources

# The configured Sources indexes' records of our packages, one line each, in the
# order of apt's targets: "PACKAGE VERSION SUITE FOLDER-URL SHA256:SIZE:NAME..."
# (the .dsc first). Read once, only when something has to be downloaded.
index=
# shellcheck disable=SC2016 # awk's and apt's own $ syntax
index_awk='
BEGIN { n = split(pkgs, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
/^Package: / { p = $2; next }
/^Version: / { v = $2; next }
/^Directory: / { d = $2; next }
/^[^ \t]/ { sha = ($1 == "Checksums-Sha256:"); next }
sha && /^ / { f[++nf] = $1 ":" $2 ":" $3; next }
/^$/ { emit() }
END { emit() }
function emit(  i, rest, dsc) {
	if ((p in want) && v != "" && d != "") {
		rest = ""; dsc = ""
		for (i = 1; i <= nf; i++) if (f[i] ~ /\.dsc$/) dsc = f[i]; else rest = rest " " f[i]
		if (dsc != "") print p, v, suite, site "/" d, dsc rest
	}
	p = v = d = ""; nf = 0; sha = 0
}'
load_index() {
	[[ -z $index ]] || return 0
	local file site suite recs
	# shellcheck disable=SC2016
	while read -r file site suite; do
		[[ -r $file ]] || continue
		recs=$(/usr/lib/apt/apt-helper cat-file "$file" |
			awk -v pkgs="${src_pkgs[*]}" -v suite="$suite" -v site="$site" "$index_awk") ||
			die "$file: cannot read this Sources index; run apt-get update"
		index+=${recs:+$recs$'\n'}
	done < <(apt-get indextargets --format '$(FILENAME) $(SITE) $(RELEASE)' 'Created-By: Sources')
	[[ -n $index ]] || die "apt: no Sources index lists ${src_pkgs[*]}; check the deb-src entries and run apt-get update"
}

apt_helper() {
	local sandbox=()
	# _apt cannot enter a private $HOME; avoid apt's warning by not dropping to it.
	((EUID != 0)) || sandbox=(-o APT::Sandbox::User=root)
	/usr/lib/apt/apt-helper -q "${sandbox[@]}" "$@"
}

# has_file NAME SHA256: $cache/src/NAME is there with that sha256.
has_file() { [[ -f $cache/src/$1 && $(sha256sum <"$cache/src/$1") == "$2 "* ]]; }

# cached DSC SHA256: the .dsc is in $cache/src with that sha256 and so is every
# file it names (with the sha256 it names).
cached() {
	local sha name
	has_file "$1" "$2" || return 1
	while read -r sha _ name; do
		has_file "$name" "$sha" || return 1
	done < <(awk '/^Checksums-Sha256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && NF == 3' "$cache/src/$1")
}

# listed_shas PACKAGE VERSION: the .dsc sha256 of each record apt's source cache
# has of PACKAGE at VERSION (none: no configured suite lists it). Quick: it
# reads no index file, so a lock that cannot be satisfied fails at once.
listed_shas() {
	local recs
	recs=$(apt-cache showsrc --only-source "$1" 2>/dev/null) || true
	awk -v v="$2" 'BEGIN { RS = ""; FS = "\n" }
	{
		ver = ""; sha = ""; c = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^Version: /) ver = substr($i, 10)
			if ($i ~ /^[^ ]/) c = ($i ~ /^Checksums-Sha256:/)
			else if (c && split($i, f, " ") == 3 && f[3] ~ /\.dsc$/) sha = f[1]
		}
		if (ver == v && sha != "") print sha
	}' <<<"$recs" | sort -u
}

# fetch PACKAGE VERSION [DSC-SHA256]: that source package, checked, into
# $cache/src, from the cache or else from the first suite that serves it; sets
# fetched_sha and fetched_dsc. Returns 1 when none can (why: fetch_why). A
# listed .dsc whose sha256 is not the given one is fatal.
fetch() {
	local pkg=$1 ver=$2 want=${3-} p v suite url files f sha name tmp log ok
	fetch_why="listed by no configured suite"
	fetched_dsc=${pkg}_${ver#*:}.dsc fetched_sha=$want
	if [[ -n $want ]] && cached "$fetched_dsc" "$want"; then return 0; fi
	local shas
	shas=$(listed_shas "$pkg" "$ver")
	[[ -n $shas ]] || return 1
	for sha in $shas; do
		[[ -z $want || $sha == "$want" ]] ||
			die "$pkg $ver: a configured suite lists its .dsc with sha256 $sha, but the lock says $want: not building with it; check $lock (scripts/build-static-deps.sh --update-lock rewrites it)"
	done
	load_index
	while read -r p v suite url files; do
		[[ $p == "$pkg" && $v == "$ver" ]] || continue
		f=${files%% *} sha=${files%%:*}
		fetched_dsc=${f##*:} fetched_sha=$sha
		[[ -z $want || $sha == "$want" ]] ||
			die "$pkg $ver: $suite lists its .dsc with sha256 $sha, but the lock says $want: not building with it; check $lock (scripts/build-static-deps.sh --update-lock rewrites it)"
		if cached "$fetched_dsc" "$sha"; then return 0; fi
		say "$pkg $ver: downloading from $suite"
		tmp=$(mktemp -d "$cache/src/.fetch.XXXXXX")
		ok=1
		for f in $files; do
			sha=${f%%:*} name=${f##*:}
			has_file "$name" "$sha" && continue
			if ! log=$(apt_helper download-file "$url/$name" "$tmp/$name" "SHA256:$sha" 2>&1); then
				fetch_why="$suite: $(awk '/^E: / { sub(/^E: /, ""); print; exit }' <<<"$log")"
				ok=0
				break
			fi
		done
		if ((ok)); then
			find "$tmp" -mindepth 1 -maxdepth 1 -exec mv -f -t "$cache/src" {} +
			rmdir "$tmp"
			cached "$fetched_dsc" "$fetched_sha" || die "$pkg $ver: downloaded, but its files do not match its .dsc"
			return 0
		fi
		rm -rf "$tmp"
		say "$pkg $ver: $fetch_why"
	done <<<"$index"
	return 1
}

# newest PACKAGE [SKIP-VERSION]: fetches the newest version of PACKAGE the
# indexes list that downloads (older ones when a newer one fails); sets
# picked, fetched_sha and fetched_dsc.
newest() {
	local pkg=$1 skip=${2-} v i j t whys=""
	local -a vs
	load_index
	mapfile -t vs < <(awk -v p="$pkg" '$1 == p { print $2 }' <<<"$index" | sort -u)
	for ((i = 1; i < ${#vs[@]}; i++)); do # insertion sort, newest first, in dpkg's order
		t=${vs[i]}
		for ((j = i - 1; j >= 0; j--)); do
			dpkg --compare-versions "${vs[j]}" lt "$t" || break
			vs[j + 1]=${vs[j]}
		done
		vs[j + 1]=$t
	done
	for v in "${vs[@]}"; do
		[[ $v != "$skip" ]] || continue
		if fetch "$pkg" "$v"; then
			picked=$v
			return 0
		fi
		whys+="; $v: $fetch_why"
	done
	fetch_why=${whys#; }
	[[ -n $fetch_why ]] || fetch_why="listed by no configured suite"
	return 1
}

# Fetches the locked sources of $arch, or the fallback of each that cannot be
# had; sets $sources ("PACKAGE VERSION DSC-SHA256 DSC" lines) and adds source
# fallbacks to $deviations.
fetch_sources() {
	local pkg ver sha
	sources=
	mkdir -p "$cache/src"
	for pkg in "${src_pkgs[@]}"; do
		read -r ver sha <<<"${lock_src[$pkg]}"
		if ! fetch "$pkg" "$ver" "$sha"; then
			say "$pkg $ver (locked): cannot be downloaded ($fetch_why)"
			# Fail before trying anything else when no fallback is allowed.
			[[ $no_fallback != 1 ]] || fallback_line source "$pkg" "$ver" none "cannot be downloaded ($fetch_why)"
			newest "$pkg" "$ver" ||
				die "$pkg: neither $ver (locked) nor any other version the configured suites list can be downloaded ($fetch_why); check the network and the deb-src entries"
			fallback_line source "$pkg" "$ver" "$picked" "cannot be downloaded"
			deviations+=("source $pkg $ver $picked")
			ver=$picked
		fi
		sources+="$pkg $ver $fetched_sha $fetched_dsc"$'\n'
	done
	sources=${sources%$'\n'}
}

# The locked sources of $arch, as fetch_sources would set them, without fetching.
locked_sources() {
	local pkg ver sha
	sources=
	for pkg in "${src_pkgs[@]}"; do
		read -r ver sha <<<"${lock_src[$pkg]}"
		sources+="$pkg $ver $sha ${pkg}_${ver#*:}.dsc"$'\n'
	done
	sources=${sources%$'\n'}
}

compute_key() {
	key=$({
		cat "$script" "$smoke_src"
		printf '%s\n' "$arch" "$sources" "$toolchain"
		lock_status
	} | sha256sum | cut -c1-12)
	prefix=$cache/static/$arch-$key
}

# --- --update-lock

write_lock() {
	local a pkg ver sha tmp old=""
	[[ ! -r $lock ]] || old=$(<"$lock")
	tmp=$(mktemp "$lock.XXXXXX")
	{
		cat <<-'EOF2'
			# The exact inputs of the static prefixes (scripts/build-static-deps.sh).
			# Written by `scripts/build-static-deps.sh --update-lock`; see docs/build.md.
			#
			#   source ARCH PACKAGE VERSION DSC-SHA256
			#       a Debian source package, fetched at exactly this version from
			#       whichever configured suite serves it; its .dsc must have this
			#       sha256 (dpkg-source then checks the other files against it)
			#   tool ARCH PACKAGE:DEBARCH VERSION
			#       an installed package that shapes the build (musl, the compiler,
			#       autoconf, automake, libtool): checked, not installed
			#
			# A locked version that cannot be downloaded any more, or a tool installed
			# at another version, makes a fallback build: one WARNING line, and
			# "status fallback" in <prefix>/lock-status. GT_STATIC_NO_FALLBACK=1
			# makes it an error instead.
		EOF2
		for a in "${arches[@]}"; do
			echo
			if [[ -z ${new_lines[$a]-} ]]; then
				# Not updated this time: keep this architecture's lines as they were.
				awk -v a="$a" '($1 == "source" || $1 == "tool") && $2 == a' <<<"$old"
			else
				printf '%s\n' "${new_lines[$a]}"
			fi
		done
	} >"$tmp"
	chmod 644 "$tmp"
	mv -f "$tmp" "$lock"
}

update_lock() {
	local a pkg line p v
	local -A new_src=()
	local -a todo=("${arches[@]}")
	((arch_given == 0)) || todo=("$arch")
	declare -gA new_lines=()
	for a in "${todo[@]}"; do
		set_arch "$a"
		ensure_system
	done
	mkdir -p "$cache/src"
	for pkg in "${src_pkgs[@]}"; do
		newest "$pkg" || die "$pkg: no version the configured suites list can be downloaded ($fetch_why); check the network and the deb-src entries"
		new_src[$pkg]="$picked $fetched_sha"
		say "$pkg: $picked"
	done
	for a in "${todo[@]}"; do
		set_arch "$a"
		line=
		for pkg in "${src_pkgs[@]}"; do line+="source $a $pkg ${new_src[$pkg]}"$'\n'; done
		toolchain=$(installed_tools) ||
			die "cannot tell the versions of $musl_pkg and of the compiler behind $cc_pkg_bin"
		while read -r p v; do line+="tool $a $p $v"$'\n'; done <<<"$toolchain"
		new_lines[$a]=${line%$'\n'}
	done
	local before=""
	[[ ! -r $lock ]] || before=$(<"$lock")
	write_lock
	if [[ $before == "$(<"$lock")" ]]; then
		say "$lock: unchanged"
	else
		say "$lock: rewritten for ${todo[*]}:"
		diff <(printf '%s\n' "$before" | grep -v '^#') <(grep -v '^#' "$lock") >&2 || true
	fi
}

# --- main

if [[ $mode == print-prefix ]]; then
	# Only report a finished prefix of the locked sources; never build, download or install.
	{
		read_lock "$arch" && check_tools && locked_sources && compute_key &&
			[[ -f $prefix/.complete ]]
	} 2>/dev/null || exit 1
	emit "$prefix"
	exit 0
fi

[[ -r $smoke_src ]] || die "$smoke_src: missing"
if [[ $mode == update-lock ]]; then
	update_lock
	exit 0
fi

read_lock "$arch"
ensure_system
check_tools
locked_sources
compute_key
if [[ $mode == build && -f $prefix/.complete ]]; then
	report_tools
	emit "$prefix"
	exit 0
fi

# The locked sources (from the cache, else downloaded), or their fallbacks.
fetch_sources
report_tools
compute_key
if [[ $mode == resolve ]]; then
	emit "$(lock_status)"
	if [[ -f $prefix/.complete ]]; then emit "prefix $prefix built"; else emit "prefix $prefix not-built"; fi
	exit 0
fi
if [[ -f $prefix/.complete ]]; then
	emit "$prefix"
	exit 0
fi

mkdir -p "$cache/static"
# One build per arch at a time; a second caller waits and then finds it done.
exec 9>"$cache/static/.lock-$arch"
if ! flock -n 9; then
	say "waiting for another build of $arch"
	flock 9
fi
if [[ -f $prefix/.complete ]]; then
	emit "$prefix"
	exit 0
fi
# Anything here without .complete is a leftover of an interrupted run.
rm -rf "$prefix" "$cache/static/.build-$arch-"*

start=$SECONDS
say "building $arch prefix $prefix"

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
	local rc=0
	"$sp/bin/static-smoke" >"$build/smoke.out" 2>"$build/smoke.err" || rc=$?
	cat "$build/smoke.out" "$build/smoke.err"
	# Some x86_64 kernels run no 32-bit programs (IA-32 emulation off): then the
	# i686 program is linked and checked static above, but cannot be run here.
	if [[ $arch == i686 ]] && ((rc == 126)) && grep -q 'Exec format error' "$build/smoke.err"; then
		echo "not-run: this kernel cannot execute i386 programs" >"$build/smoke.out"
		return 0
	fi
	((rc == 0))
	grep -q 'sha256(abc)=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' \
		"$build/smoke.out"
	grep -q 'ed25519=ok' "$build/smoke.out"
}
start_lane smoke smoke
wait_lanes
say "smoke: $(tr '\n' ' ' <"$build/smoke.out")($(stat -c %s "$sp/bin/static-smoke") bytes stripped)"
if [[ $(<"$build/smoke.out") == not-run:* ]]; then
	printf '%s: NOTE: this kernel cannot execute i386 programs (IA-32 emulation off): the i686 smoke test was linked and checked static, not run\n' "$prog" >&2
fi
cp "$build/smoke.out" "$sp/smoke"

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
{
	echo "# Written by scripts/build-static-deps.sh: \"status locked\" when every input was"
	echo "# the one $(basename "$lock") names for $arch, else \"status fallback\" and one line a"
	echo "# difference: fallback source|tool PACKAGE LOCKED-VERSION USED-VERSION (none: absent)."
	lock_status
} >"$sp/lock-status"
# The stamp goes last, then one rename makes the prefix visible whole.
printf 'key=%s arch=%s built=%s\n' "$key" "$arch" "$(date -u +%FT%TZ)" >"$sp/.complete"
mv -T "$sp" "$prefix"
say "built in $((SECONDS - start)) s"
emit "$prefix"
