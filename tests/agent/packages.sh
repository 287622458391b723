#!/bin/sh
# SPDX-License-Identifier: MIT
#
# packages.sh WORKDIR PAYLOAD_DIR VERSION [ARCH]: lint the three guest-agent packages,
# install each into a fresh root with its real tool (dpkg --root, rpm --root,
# bsdtar), check what landed and what the scripts enabled, remove it, and
# check that the root is exactly as before. Ends with the line
# "packages: P passed F failed S skipped" (also written to $RESULTS_FILE,
# as "P F S", when set: make check-agent-packages).
set -u
work=$1 dir=$2 version=$3 arch=${4:-x86_64}
here=$(cd "$(dirname "$0")" && pwd)
# The names come from the packaging script itself (one source of truth).
set -- $("$here/../../payload/packaging/pkg.sh" names "$version" "$arch")
deb=$dir/$1 rpm=$dir/$2 tgz=$dir/$3
rpmarch=${rpm%.rpm}
rpmarch=${rpmarch##*.}
passed=0 failed=0 skipped=0
rm -rf "$work"
mkdir -p "$work"

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "skip $*"; }
check() {
	name=$1
	shift
	if "$@" >"$work/last.out" 2>&1; then ok "$name"; else bad "$name"; sed 's/^/     /' "$work/last.out"; fi
}
# snapshot ROOT OUT: every path with its type and mode, package databases left out.
snapshot() {
	(cd "$1" && find . \( -path ./var/lib/dpkg -o -path ./var/lib/rpm -o -path ./var/lib/rpm-state \) -prune -o -printf '%y %m %p\n' | sort) >"$2"
}
# A root with a static busybox as /bin/sh and its applets, for scriptlets run in a chroot.
busybox_root() {
	mkdir -p "$1/bin" "$1/usr/bin" "$1/sbin" "$1/usr/sbin" "$1/tmp" "$1/etc" "$1/dev"
	mknod -m 666 "$1/dev/null" c 1 3
	cp /bin/busybox "$1/bin/busybox"
	# Relative links, so that they also work inside a chroot.
	for a in $(/bin/busybox --list); do
		[ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"
	done
}

for f in "$deb" "$rpm" "$tgz"; do
	check "built: $(basename "$f")" test -s "$f"
done

# ---- lint ------------------------------------------------------------------
if command -v lintian >/dev/null; then
	lintian --pedantic "$deb" >"$work/lintian.txt" 2>&1
	check "lintian: no errors" sh -c "! grep '^E:' '$work/lintian.txt'"
	sed 's/^/     lintian: /' "$work/lintian.txt" | grep -v 'root privileges'
else
	skip "lintian not installed"
fi
if command -v rpmlint >/dev/null; then
	rpmlint -r "$here/../../payload/packaging/rpm/rpmlintrc" "$rpm" >"$work/rpmlint.txt" 2>&1
	check "rpmlint: 0 errors" grep -q ' 0 errors' "$work/rpmlint.txt"
	grep ': [EW]: ' "$work/rpmlint.txt" | sed 's/^/     rpmlint: /'
else
	skip "rpmlint not installed"
fi

# ---- service files -----------------------------------------------------------
svc=$here/../../payload/packaging
for f in service/guest-agent.init service/guest-agent.openrc service/service-setup \
	deb/postinst deb/prerm deb/postrm; do
	check "sh -n $f" sh -n "$svc/$f"
done
if command -v systemd-analyze >/dev/null; then
	# Verified as installed, but pointing at an agent that exists on this host.
	sed "s|^ExecStart=/usr/sbin/guest-agent|ExecStart=$(command -v true)|" \
		"$svc/service/guest-agent.service" >"$work/guest-agent.service"
	check "systemd-analyze verify: unit clean" sh -c \
		"out=\$(systemd-analyze verify --man=no '$work/guest-agent.service' 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
else
	skip "systemd-analyze not installed"
fi

# ---- the vCPU hot-plug rule: nothing udev would wait on at boot ------------
rule=$svc/system/vcpu-hotplug.rules
# Each line KEY[{attr}]OP"value", ... as udev's rules parser takes them
# (systemd src/udev/udev-rules.c parse_line); no RUN, PROGRAM or
# IMPORT{program}: a program udev waits for hung boot (CA-333687).
check "vcpu rule: every line is udev KEY==\"value\" pairs" sh -c \
	"grep -v '^#' '$rule' | grep -v '^\$' | grep -Evx '[A-Z]+(\{[a-z_/]+\})?(==|=|\+=)\"[^\"]*\"(, [A-Z]+(\{[a-z_/]+\})?(==|=|\+=)\"[^\"]*\")*' && exit 1 || exit 0"
check "vcpu rule: no RUN, PROGRAM or IMPORT{program}" sh -c "! grep -v '^#' '$rule' | grep -Eq '(RUN|PROGRAM|IMPORT\{program\})'"
check "vcpu rule: matches a cpu add only, and only on Xen" sh -c \
	"grep -q 'SUBSYSTEM==\"cpu\", ACTION==\"add\", TEST==\"/dev/xen/xenbus\"' '$rule'"
if udevadm verify --help >/dev/null 2>&1; then
	# udevadm (systemd 253 and later) reads the rule as udevd would.
	check "vcpu rule: udevadm verify" udevadm verify --no-style "$rule"
else
	skip "vcpu rule: no udevadm verify here (udev not installed, or older than systemd 253)"
fi
check "sysctl drop-in: one key, arp_notify on" sh -c \
	"[ \"\$(grep -v '^#' '$svc/system/arp-notify.conf')\" = 'net.ipv4.conf.all.arp_notify = 1' ]"

# ---- deb: dpkg --root, scripts run chrootless on this tree (DPKG_ROOT) -----
R=$work/deb-root
# What a real Debian root has and other packages own: a non-empty
# /etc/init.d (else dpkg removes it with ours), /var/lib/systemd.
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc/init.d" "$R/usr/sbin" \
	"$R/var/lib/systemd"
: >"$R/etc/init.d/.other-package"
: >"$R/var/lib/dpkg/status"
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d" # never start anything
chmod 755 "$R/usr/sbin/policy-rc.d"
for d in 0 1 2 3 4 5 6 S; do mkdir -p "$R/etc/rc$d.d"; done
mkdir -p "$R/etc/systemd/system"
snapshot "$R" "$work/deb.before"
DPKG="dpkg --root=$R --admindir=$R/var/lib/dpkg --log=/dev/null --force-script-chrootless"
debarch=$(dpkg-deb -f "$deb" Architecture)
if [ "$debarch" != "$(dpkg --print-architecture)" ]; then
	$DPKG --add-architecture "$debarch" # i386 on amd64: a foreign architecture
fi
check "deb: dpkg -i" $DPKG -i "$deb"
check "deb: installed ok" sh -c "dpkg-query --admindir='$R/var/lib/dpkg' -W -f='\${Status}' guest-agent | grep -q 'install ok installed'"
check "deb: the static agent runs" "$R/usr/sbin/guest-agent" --version
check "deb: systemd unit" test -f "$R/lib/systemd/system/guest-agent.service"
check "deb: SysV script is a conffile" sh -c "dpkg-query --admindir='$R/var/lib/dpkg' -W -f='\${Conffiles}' guest-agent | grep -q /etc/init.d/guest-agent"
check "deb: postinst enabled SysV (update-rc.d)" sh -c "ls '$R'/etc/rc2.d/S*guest-agent"
check "deb: postinst enabled systemd (deb-systemd-helper)" test -L "$R/etc/systemd/system/multi-user.target.wants/guest-agent.service"
check "deb: man page" test -f "$R/usr/share/man/man8/guest-agent.8.gz"
check "deb: sysctl drop-in" test -f "$R/usr/lib/sysctl.d/90-guest-agent.conf"
check "deb: vCPU udev rule in /lib/udev" test -f "$R/lib/udev/rules.d/90-guest-agent-vcpu-hotplug.rules"
check "deb: dpkg --purge" $DPKG --purge guest-agent
snapshot "$R" "$work/deb.after"
check "deb: nothing left after purge" diff -u "$work/deb.before" "$work/deb.after"

# ---- rpm: rpm --root into an initialised database; scriptlets in a chroot --
if command -v rpm >/dev/null; then
	R=$work/rpm-root
	busybox_root "$R"
	mkdir -p "$R/etc/init.d" # a SysV system without chkconfig: the link path
	# What the distribution's filesystem package owns on a real system.
	mkdir -p "$R/etc/sysconfig" "$R/usr/lib/systemd/system" "$R/usr/share/man/man8" "$R/var/tmp" \
		"$R/usr/lib/sysctl.d" "$R/usr/lib/udev/rules.d"
	RPM="rpm --root $R --dbpath /var/lib/rpm"
	$RPM --initdb 2>"$work/rpm.err"
	snapshot "$R" "$work/rpm.before"
	# --nodeps: the empty database does not know the root's /bin/sh.
	check "rpm: rpm -i" $RPM -i --nodeps "$rpm"
	check "rpm: rpm -q" $RPM -q "guest-agent-$version-1.$rpmarch"
	check "rpm: rpm -V clean" $RPM -V --nodeps guest-agent
	check "rpm: the static agent runs" "$R/usr/sbin/guest-agent" --version
	check "rpm: systemd unit in /usr/lib" test -f "$R/usr/lib/systemd/system/guest-agent.service"
	check "rpm: sysctl drop-in" test -f "$R/usr/lib/sysctl.d/90-guest-agent.conf"
	check "rpm: vCPU udev rule in /usr/lib/udev" test -f "$R/usr/lib/udev/rules.d/90-guest-agent-vcpu-hotplug.rules"
	check "rpm: %post linked the SysV script" sh -c "[ \"\$(readlink '$R/etc/init.d/guest-agent')\" = /usr/lib/guest-agent/init/sysv ]"
	check "rpm: sysconfig is %config" sh -c "$RPM -qc guest-agent | grep -qx /etc/sysconfig/guest-agent"
	check "rpm: rpm -e" $RPM -e guest-agent
	snapshot "$R" "$work/rpm.after"
	check "rpm: nothing left after erase" diff -u "$work/rpm.before" "$work/rpm.after"
else
	skip "rpm not installed"
fi

# ---- tgz: bsdtar into a root, service-setup, removal by the file list -----
R=$work/tgz-root
busybox_root "$R"
mkdir -p "$R/etc/init.d" "$R/etc/runlevels/default"
printf '#!/bin/sh\n' >"$R/sbin/openrc-run" # an OpenRC system (Alpine, Gentoo)
chmod 755 "$R/sbin/openrc-run"
mkdir -p "$R/usr/lib" "$R/usr/share/man/man8" # present on any system; not /usr/lib/systemd
snapshot "$R" "$work/tgz.before"
# The parents the archive would create: an installer notes them first.
tar -xzf "$tgz" -O usr/lib/guest-agent/FILES | awk '$1=="p" {print $4}' |
	while read -r p; do [ -d "$R$p" ] || echo "$p"; done >"$work/tgz.created"
check "tgz: members are files and the package's own directories only" sh -c \
	"! tar -tzf '$tgz' | grep -Ex 'usr/?|etc/?|usr/lib/?|usr/sbin/?|usr/share/?'"
check "tgz: bsdtar -x" bsdtar -xpf "$tgz" -C "$R"
list=$R/usr/lib/guest-agent/FILES
check "tgz: file list present" test -s "$list"
awk '$1=="f" {print substr($4, 2)}' "$list" | sort >"$work/tgz.listed"
tar -tzf "$tgz" | grep -v '/$' | grep -Ev '^usr/lib/guest-agent(/init)?$' | sort >"$work/tgz.members"
check "tgz: the file list names exactly the archive's files" diff "$work/tgz.listed" "$work/tgz.members"
check "tgz: listed hashes match" sh -c "awk '\$1==\"f\" && \$3!=\"-\" {print \$3\"  $R\"\$4}' '$list' | sha256sum -c --quiet"
check "tgz: sysctl drop-in and vCPU udev rule" test -f "$R/usr/lib/sysctl.d/90-guest-agent.conf" -a \
	-f "$R/usr/lib/udev/rules.d/90-guest-agent-vcpu-hotplug.rules"
check "tgz: the static agent runs" "$R/usr/sbin/guest-agent" --version
check "tgz: service-setup enable (OpenRC, offline root)" env GT_ROOT="$R" "$R/usr/lib/guest-agent/service-setup" enable
check "tgz: ships the OpenRC script as /etc/init.d/guest-agent" sh -c "head -n 1 '$R/etc/init.d/guest-agent' | grep -qx '#!/sbin/openrc-run'"
check "tgz: added to the default runlevel" test -L "$R/etc/runlevels/default/guest-agent"
check "tgz: service-setup disable" env GT_ROOT="$R" "$R/usr/lib/guest-agent/service-setup" disable
check "tgz: runlevel entry removed, packaged script kept" sh -c "[ -f '$R/etc/init.d/guest-agent' ] && [ ! -L '$R/etc/runlevels/default/guest-agent' ]"
# Remove by the file list, as the installer will: files, the package's
# directories, then the parents this install created, if empty.
cp "$list" "$work/tgz.list"
awk '$1=="f" {print $4}' "$work/tgz.list" | while read -r p; do rm -f "$R$p"; done
awk '$1=="d" {print $4}' "$work/tgz.list" | while read -r p; do rmdir "$R$p"; done
while read -r p; do rmdir "$R$p" 2>/dev/null; done <"$work/tgz.created"
snapshot "$R" "$work/tgz.after"
check "tgz: nothing left after removal by the file list" diff -u "$work/tgz.before" "$work/tgz.after"

echo "packages: $passed passed $failed failed $skipped skipped"
if [ -n "${RESULTS_FILE:-}" ]; then echo "$passed $failed $skipped" >"$RESULTS_FILE"; fi
[ "$failed" -eq 0 ]
