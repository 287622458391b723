#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A guest detector written the way release-file shell detectors on tools CDs
# are: POSIX sh reading the same files `installer detect` reads, one grep,
# sed or cut per fact. It exists only as the baseline for bench/run.py
# (written for this repository, not taken from any tools CD); it prints the
# same facts as `installer detect` so that the two do comparable work.
#
# Usage: bench/detect.sh [ROOT]     (ROOT: a guest tree, default /)

ROOT=${1:-}
ROOT=${ROOT%/}

# key VALUE from a KEY=value file, quotes removed (os-release, lsb-release).
kv() {
	grep "^$2=" "$1" 2>/dev/null | tail -n 1 | cut -d= -f2- | sed -e 's/^"//' -e 's/"$//' \
		-e "s/^'//" -e "s/'\$//"
}

distro='' version='' like='' name='' source=''
for f in "$ROOT/etc/os-release" "$ROOT/usr/lib/os-release"; do
	if [ -r "$f" ]; then
		distro=$(kv "$f" ID)
		version=$(kv "$f" VERSION_ID)
		like=$(kv "$f" ID_LIKE)
		name=$(kv "$f" PRETTY_NAME)
		source=os-release
		break
	fi
done

if [ -z "$distro" ] && [ -r "$ROOT/etc/lsb-release" ]; then
	distro=$(kv "$ROOT/etc/lsb-release" DISTRIB_ID | tr '[:upper:]' '[:lower:]')
	version=$(kv "$ROOT/etc/lsb-release" DISTRIB_RELEASE)
	name=$(kv "$ROOT/etc/lsb-release" DISTRIB_DESCRIPTION)
	[ -n "$distro" ] && source=lsb-release
fi

# Older guests: one "Name release X.Y (Codename)" line per vendor file.
if [ -z "$distro" ]; then
	for pair in oracle-release:ol centos-release:centos fedora-release:fedora \
		redhat-release:rhel system-release:amzn SuSE-release:sles \
		gentoo-release:gentoo slackware-version:slackware alpine-release:alpine; do
		f="$ROOT/etc/${pair%%:*}"
		[ -r "$f" ] || continue
		distro=${pair#*:}
		name=$(head -n 1 "$f")
		version=$(echo "$name" | sed -n 's/^[^0-9]*\([0-9][0-9.]*\).*$/\1/p')
		if [ "$distro" = sles ]; then
			grep -qi opensuse "$f" && distro=opensuse
			v=$(grep '^VERSION' "$f" | cut -d= -f2 | tr -d ' ')
			p=$(grep '^PATCHLEVEL' "$f" | cut -d= -f2 | tr -d ' ')
			[ -n "$v" ] && version=$v${p:+.$p}
		fi
		source=${pair%%:*}
		break
	done
fi
if [ -z "$distro" ] && [ -r "$ROOT/etc/debian_version" ]; then
	distro=debian
	version=$(cut -d/ -f1 "$ROOT/etc/debian_version")
	name="Debian $version"
	source=debian_version
fi
if [ -z "$distro" ]; then
	for f in "$ROOT"/etc/*-release; do
		[ -r "$f" ] || continue
		distro=$(basename "$f" -release | tr '[:upper:]' '[:lower:]')
		name=$(head -n 1 "$f")
		version=$(echo "$name" | sed -n 's/^[^0-9]*\([0-9][0-9.]*\).*$/\1/p')
		source=$(basename "$f")
		break
	done
fi
major=$(echo "$version" | cut -d. -f1)

family=unknown
for id in $distro $like; do
	case $id in
	debian | ubuntu | linuxmint | devuan | raspbian | kali) family=deb ;;
	rhel | centos | fedora | ol | rocky | almalinux | amzn | sles | opensuse* | suse | \
		scientific | cloudlinux) family=rpm ;;
	alpine | gentoo | slackware | arch) family=tgz ;;
	*) continue ;;
	esac
	break
done

arch=$(uname -m)

init=unknown
if [ -d "$ROOT/run/systemd/system" ]; then
	init=systemd
else
	exe=$(readlink "$ROOT/proc/1/exe" 2>/dev/null || readlink "$ROOT/sbin/init" 2>/dev/null)
	case $exe in
	*systemd*) init=systemd ;;
	*upstart*) init=upstart ;;
	*openrc*) init=openrc ;;
	*runit*) init=runit ;;
	*init*) init=sysvinit ;;
	esac
	[ "$init" = sysvinit ] && [ -x "$ROOT/sbin/openrc" ] && init=openrc
	[ "$init" = sysvinit ] && [ -x "$ROOT/sbin/initctl" ] && init=upstart
fi

virt=none mode=n/a
if [ -r "$ROOT/sys/hypervisor/type" ]; then
	virt=$(cat "$ROOT/sys/hypervisor/type")
fi
if [ "$virt" = none ] && [ -r "$ROOT/proc/xen/capabilities" ]; then
	virt=xen
fi
if [ "$virt" = xen ]; then
	if grep -q control_d "$ROOT/proc/xen/capabilities" 2>/dev/null; then
		mode=dom0
	elif [ -r "$ROOT/sys/hypervisor/guest_type" ]; then
		mode=$(tr '[:upper:]' '[:lower:]' <"$ROOT/sys/hypervisor/guest_type")
	else
		mode=hvm
	fi
	[ "$mode" = hvm ] && ls "$ROOT"/sys/bus/xen/devices/vbd-* >/dev/null 2>&1 && mode=pvhvm
fi
if [ "$virt" = none ]; then
	vendor=$(cat "$ROOT/sys/class/dmi/id/sys_vendor" 2>/dev/null)
	product=$(cat "$ROOT/sys/class/dmi/id/product_name" 2>/dev/null)
	case "$vendor $product" in
	*Xen* | *HVM*domU*) virt=xen mode=hvm ;;
	*Microsoft*) virt=hyperv ;;
	*VMware*) virt=vmware ;;
	*VirtualBox* | *innotek*) virt=virtualbox ;;
	*KVM* | *QEMU*) virt=kvm ;;
	esac
fi
if [ "$virt" = none ] && grep -q '^flags.* hypervisor' "$ROOT/proc/cpuinfo" 2>/dev/null; then
	virt=kvm
fi
if [ "$virt" = none ] && grep -qa 'container=' "$ROOT/proc/1/environ" 2>/dev/null; then
	virt=container
fi

# Device table: the driver behind each NIC and behind the root disk.
devices=
for n in "$ROOT"/sys/class/net/*; do
	[ -e "$n/device/driver" ] || continue
	d=$(basename "$(readlink "$n/device/driver")")
	devices="$devices
  nic  $(basename "$n")  driver $d"
done

# Root filesystem: the last mount on / in mountinfo (field 5 is the mount
# point; after the " - " separator come the type and the source).
line=$(grep '^[^ ]* [^ ]* [^ ]* [^ ]* / ' "$ROOT/proc/self/mountinfo" 2>/dev/null | tail -n 1)
fstype=$(echo "$line" | sed 's/.* - //' | cut -d' ' -f1)
fssrc=$(echo "$line" | sed 's/.* - //' | cut -d' ' -f2)
disk=$(basename "$fssrc" | sed 's/[0-9]*$//')
if [ -n "$disk" ] && [ -e "$ROOT/sys/block/$disk/device/driver" ]; then
	d=$(basename "$(readlink "$ROOT/sys/block/$disk/device/driver")")
	devices="$devices
  disk $disk  driver $d"
fi

echo "Distribution:   $name (id $distro, version $major, family $family, from $source)"
echo "Architecture:   $arch"
echo "Init system:    $init"
echo "Virtualization: $virt${mode:+ ($mode)}$devices"
echo "Root fs:        $fstype on $fssrc"
case $fstype in
ext2 | ext3 | ext4) echo "Warning: the root filesystem is $fstype: ext2/3/4 are discouraged on shared virtual storage" ;;
esac
