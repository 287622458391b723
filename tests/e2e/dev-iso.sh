#!/bin/sh
# SPDX-License-Identifier: MIT
# dev-iso.sh INSTALLER OUT.iso: a development stand-in for guest-tools.iso
# while `make iso` (mkisotool) has not landed: the static installer as
# Linux/installer.x86_64 and nothing else, mastered with xorriso (Rock
# Ridge + Joliet, label guest-tools). With no Linux/install.sh on it, the
# e2e rig runs only its "detect" scenario and says why it skips the others.
set -eu
inst=${1:?usage: dev-iso.sh INSTALLER OUT.iso}
out=${2:?usage: dev-iso.sh INSTALLER OUT.iso}
[ -x "$inst" ] || {
	echo "dev-iso: $inst: no such executable (run make static)" >&2
	exit 1
}
stage="$out.d"
rm -rf "$stage"
mkdir -p "$stage/Linux"
cp "$inst" "$stage/Linux/installer.x86_64"
chmod 0755 "$stage/Linux/installer.x86_64"
if ! xorriso -as mkisofs -r -J -V guest-tools -o "$out.tmp" "$stage" 2>"$out.log"; then
	cat "$out.log" >&2
	exit 1
fi
rm -f "$out.log"
mv "$out.tmp" "$out"
rm -rf "$stage"
