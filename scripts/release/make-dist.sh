#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make-dist.sh BUILD DIST VERSION EPOCH [KEY.sec]: the release files, from what
# `make iso` left in BUILD (make release runs it; docs/release.md):
#   DIST/guest-tools-VERSION.iso        the image (Linux/MANIFEST.sig on it when signed)
#   DIST/guest-tools-VERSION.spdx.json  the SBOM, the same bytes as Linux/SBOM.spdx.json
#   DIST/SHA256SUMS                     sha256sum -c format, of the two above
#   DIST/SHA256SUMS.sig                 with KEY.sec: its detached Ed25519 signature
# Everything is checked before DIST is replaced: the image read back (with the
# key's public half when signed), the SBOM on the image equal to the one
# beside it, the signature verified. A build from fallback static inputs is
# said loudly (the SBOM records it too). The files' times are the source date
# epoch. Exit 1 on any problem, DIST left as it was.
set -eu

prog=make-dist
die() {
	echo "$prog: $*" >&2
	exit 1
}
[ $# -ge 4 ] && [ $# -le 5 ] || die "usage: make-dist.sh BUILD DIST VERSION EPOCH [KEY.sec]"
build=$1 dist=$2 version=$3 epoch=$4 key=${5-}
here=$(dirname "$0")
iso=$build/guest-tools.iso
sbom=$build/release/SBOM.spdx.json
name=guest-tools-$version

[ -f "$iso" ] || die "$iso: missing; run make iso (make release does)"
[ -f "$sbom" ] || die "$sbom: missing; run make iso (make release does)"
[ -z "$key" ] || [ -r "$key" ] || die "RELEASE_KEY=$key: cannot read it"

tmp=$(mktemp -d "${dist%/}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$iso" "$tmp/$name.iso"
cp "$sbom" "$tmp/$name.spdx.json"

# The SBOM beside the image is the one the signed manifest covers on it.
bsdtar -xOf "$tmp/$name.iso" Linux/SBOM.spdx.json >"$tmp/sbom-on-iso" ||
	die "$iso: no Linux/SBOM.spdx.json on the image"
cmp -s "$tmp/sbom-on-iso" "$tmp/$name.spdx.json" ||
	die "$iso: its Linux/SBOM.spdx.json differs from $sbom: run make iso again"
rm -f "$tmp/sbom-on-iso"

for arch in x86_64 i686; do
	status=$(awk '$1 == "status" { print $2 }' "$build/$([ $arch = x86_64 ] || echo i686/)static-inputs/lock-status")
	if [ "$status" != locked ]; then
		echo "$prog: WARNING: the $arch static inputs are not the locked ones ($status): this release is not the locked build (see the SBOM's comment)" >&2
	fi
done

if [ -n "$key" ]; then
	"$here/sigfile.py" pubkey "$key" "$tmp/release.pub"
	"$build/mkisotool" verify -q --pubkey "$tmp/release.pub" "$tmp/$name.iso" ||
		die "$iso: not signed by RELEASE_KEY=$key: make release signs it (MKISOTOOL_FLAGS=--sign)"
else
	"$build/mkisotool" verify -q "$tmp/$name.iso" || die "$iso: does not verify"
	echo "$prog: no RELEASE_KEY: the image and SHA256SUMS are not signed" >&2
fi

(cd "$tmp" && sha256sum "$name.iso" "$name.spdx.json" >SHA256SUMS)
if [ -n "$key" ]; then
	"$here/sigfile.py" sign "$key" "$tmp/SHA256SUMS" "$tmp/SHA256SUMS.sig"
	"$here/sigfile.py" verify "$tmp/release.pub" "$tmp/SHA256SUMS" "$tmp/SHA256SUMS.sig" >/dev/null
	rm -f "$tmp/release.pub"
fi
chmod 0644 "$tmp"/*
touch -h -d "@$epoch" "$tmp"/*

chmod 0755 "$tmp"
rm -rf "$dist"
mv "$tmp" "$dist"
trap - EXIT
(cd "$dist" && ls -l)
