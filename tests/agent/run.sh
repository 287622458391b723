#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh SUITE RESULTS_DIR: test guest-agent for real (its packages:
# packages.sh; what xenopsd does to a running guest: lifecycle.py).
#   AGENT       the static agent (build/guest-agent)
#   AGENT_ASAN  the ASan/UBSan build, run once for leaks and undefined behaviour
#   VERSION     the product version; PVADDONS the PV-addons version payload/build.mk
#               derived from it ("1 0 0 0")
# The store is tests/agent/xenstored.py on a unix socket (Debian's xenstored
# and oxenstored cannot run off Xen: see that file); every value is read back
# with Debian's xenstore-read/xenstore-ls, a second, independent client.
# Addresses come from real netlink events in a network namespace holding
# veth interfaces named enX0 and eth1; which of them are vifs comes from the
# sysfs fixture tree given with --root (tests/agent/fixtures/xen-guest).
# Writes "passed failed skipped" to RESULTS_DIR/SUITE. Keeps its work
# directory when something failed.
set -u

suite=$1 results=$2
here=$(cd "$(dirname "$0")" && pwd)
AGENT=$(realpath "${AGENT:-build/guest-agent}")
AGENT_ASAN=${AGENT_ASAN:+$(realpath "$AGENT_ASAN")}
VERSION=${VERSION:-$(cat "$here/../../VERSION")}
# As payload/build.mk: VERSION itself from 1.0.0 on, 1.0.0 before.
case $VERSION in
0.*) PVADDONS=${PVADDONS:-1 0 0 0} ;;
*) PVADDONS=${PVADDONS:-$(echo "$VERSION" | awk -F. '{print $1+0, $2+0, $3+0, 0}')} ;;
esac
FIX=$here/fixtures

passed=0 failed=0 skipped=0
work=$(mktemp -d "${TMPDIR:-/tmp}/agent-test.XXXXXX")
ns=gtagent$$
srv_pid= agent_pid=
export XENSTORED_PATH=$work/xs.sock

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
skip() { skipped=$((skipped + 1)); echo "skip $*"; }
check() { # check NAME CMD...: pass when CMD succeeds
	name=$1
	shift
	if "$@" >"$work/last.out" 2>&1; then ok "$name"; else bad "$name"; sed 's/^/     /' "$work/last.out"; fi
}
# xs_is KEY VALUE: the store (read by xenstore-read) holds VALUE at KEY.
xs_is() {
	v=$(xenstore-read "/local/domain/0/$1" 2>&1) || { echo "$1: $v"; return 1; }
	[ "$v" = "$2" ] || { echo "$1: '$v', expected '$2'"; return 1; }
}
# vif_addrs DEVID FAMILY: the addresses published for a vif, sorted, one line.
vif_addrs() {
	for n in $(xenstore-list "/local/domain/0/attr/vif/$1/$2" 2>/dev/null); do
		xenstore-read "/local/domain/0/attr/vif/$1/$2/$n"
	done | sort | tr '\n' ' '
}
# vif_is DEVID FAMILY "ADDR ...": exactly these addresses (sorted), numbered 0..n-1.
vif_is() {
	got=$(vif_addrs "$1" "$2")
	[ "$got" = "$3 " ] || { echo "attr/vif/$1/$2: '$got', expected '$3 '"; return 1; }
	want=$(echo $3 | wc -w)
	idx=$(xenstore-list "/local/domain/0/attr/vif/$1/$2" | sort -n | tr '\n' ' ')
	[ "$idx" = "$(seq 0 $((want - 1)) | tr '\n' ' ')" ] || { echo "indexes '$idx'"; return 1; }
}
xs_absent() {
	if v=$(xenstore-read "/local/domain/0/$1" 2>/dev/null); then
		echo "$1: present ('$v'), expected absent"
		return 1
	fi
}
# wait_for SECONDS CMD...: poll CMD every 0.1 s.
wait_for() {
	t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		t=$((t - 1))
	done
	"$@"
}
start_store() { # start_store [--eacces N] [--eagain N]
	rm -f "$work/ready"
	python3 "$here/xenstored.py" "$XENSTORED_PATH" --ready "$work/ready" "$@" \
		2>>"$work/xenstored.log" &
	srv_pid=$!
	wait_for 5 test -e "$work/ready"
}
stop_store() {
	[ -n "$srv_pid" ] || return 0
	kill "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_pid=
}
stop_agent() {
	[ -n "$agent_pid" ] || return 0
	kill "$agent_pid" 2>/dev/null
	wait "$agent_pid" 2>/dev/null
	rc=$?
	agent_pid=
	return $rc
}
in_ns() { ip netns exec "$ns" "$@"; }
cleanup() {
	stop_agent
	stop_store
	ip netns del "$ns" 2>/dev/null
	if [ "$failed" -eq 0 ]; then rm -rf "$work"; else echo "$suite: kept $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "== $suite: $AGENT"

# ---- command line ---------------------------------------------------------
check "--version prints $VERSION" sh -c "'$AGENT' --version | grep -qx 'guest-agent $VERSION'"
check "--help exits 0" "$AGENT" --help
check "an unknown option exits 2" sh -c "'$AGENT' --bogus; [ \$? -eq 2 ]"
check "--interval 0 exits 2" sh -c "'$AGENT' --interval 0 2>&1; [ \$? -eq 2 ]"
check "--vif without =DEVID exits 2" sh -c "'$AGENT' --vif enX0 2>&1; [ \$? -eq 2 ]"
check "a stray argument exits 2" sh -c "'$AGENT' extra 2>&1; [ \$? -eq 2 ]"
check "file is static" sh -c "! readelf -l '$AGENT' | grep -q INTERP"

# ---- not Xen --------------------------------------------------------------
start_store || bad "test xenstored did not start"
(
	unset XENSTORED_PATH
	"$AGENT" --once --root "$FIX/not-xen" >"$work/nonxen.out" 2>&1
	echo $? >"$work/nonxen.rc"
)
check "non-Xen machine: exit 0" test "$(cat "$work/nonxen.rc")" = 0
check "non-Xen machine: says so" grep -q "not running on Xen" "$work/nonxen.out"
check "non-Xen machine: writes nothing" xs_absent data/updated
(
	unset XENSTORED_PATH
	"$AGENT" --once --root "$FIX/old-kernel" >"$work/nodev.out" 2>&1
	echo $? >"$work/nodev.rc"
)
check "Xen without a xenbus device: --once exits 1" test "$(cat "$work/nodev.rc")" = 1
check "... naming the problem" grep -q "no /dev/xen/xenbus" "$work/nodev.out"

# ---- one publication, NICs in a network namespace -----------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "$ns" 2>"$work/netns.err"; then
	skip "netlink tests: need root and 'ip netns add' ($(cat "$work/netns.err" 2>/dev/null))"
	netns=0
else
	netns=1
	ip -n "$ns" link set lo up
	ip -n "$ns" link add enX0 type veth peer name veth0
	ip -n "$ns" link add eth1 type veth peer name veth1
	for i in enX0 veth0 eth1 veth1; do ip -n "$ns" link set "$i" up; done
	ip -n "$ns" addr add 192.0.2.10/24 dev enX0
	ip -n "$ns" addr add 2001:db8::10/64 dev enX0 nodad
	ip -n "$ns" addr add 198.51.100.7/24 dev eth1
	ip -n "$ns" addr add 203.0.113.1/24 dev veth0 # not a vif: never published
fi

if [ $netns = 1 ]; then
	check "--once publishes (exit 0)" in_ns "$AGENT" --once --root "$FIX/xen-guest"
	check "data/os_distro" xs_is data/os_distro rocky
	check "data/os_name" xs_is data/os_name "Rocky Linux 9.3 (Blue Onyx)"
	check "data/os_majorver" xs_is data/os_majorver 9
	check "data/os_minorver" xs_is data/os_minorver 3
	check "data/os_uname" xs_is data/os_uname 5.14.0-362.8.1.el9_3.x86_64
	set -- $PVADDONS
	check "attr/PVAddons/Installed" xs_is attr/PVAddons/Installed 1
	check "attr/PVAddons/MajorVersion ($1, at least 1)" xs_is attr/PVAddons/MajorVersion "$1"
	check "attr/PVAddons/MinorVersion" xs_is attr/PVAddons/MinorVersion "$2"
	check "attr/PVAddons/MicroVersion" xs_is attr/PVAddons/MicroVersion "$3"
	check "attr/PVAddons/BuildVersion" xs_is attr/PVAddons/BuildVersion "$4"
	check "data/service/guest-agent/version is the product's" xs_is data/service/guest-agent/version "$VERSION"
	check "data/host_name_dns: the host name's first label" xs_is data/host_name_dns web1
	check "data/domain: from the hosts file, as hostname --domain" xs_is data/domain example.com
	check "data/meminfo_total (kB)" xs_is data/meminfo_total 2014256
	check "data/meminfo_free is MemAvailable" xs_is data/meminfo_free 1404184
	check "control/feature-balloon" xs_is control/feature-balloon 1
	check "data/updated is a time" sh -c "xenstore-read /local/domain/0/data/updated | grep -Eqx '[0-9]{9,}'"
	check "enX0 (vif 0, sysfs through symlinks) ipv4/0" xs_is attr/vif/0/ipv4/0 192.0.2.10
	check "enX0 ipv6/0" xs_is attr/vif/0/ipv6/0 2001:db8::10
	check "eth1 (vif 2) ipv4/0" xs_is attr/vif/2/ipv4/0 198.51.100.7
	check "enX0: no IPv6 link-local address published" vif_is 0 ipv6 "2001:db8::10"
	check "the non-vif veth0 is not published" sh -c "! xenstore-ls /local/domain/0/attr/vif | grep -q 203.0.113.1"
	check "exactly vifs 0 and 2" sh -c "[ \"\$(xenstore-list /local/domain/0/attr/vif | tr '\n' ' ')\" = '0 2 ' ]"
	check "--vif override maps veth0 to vif 5" sh -c "ip netns exec $ns '$AGENT' --once --root '$FIX/xen-guest' --vif veth0=5 && xenstore-read /local/domain/0/attr/vif/5/ipv4/0 | grep -qx 203.0.113.1"
	check "a rerun without the override removes vif 5" sh -c "ip netns exec $ns '$AGENT' --once --root '$FIX/xen-guest' && ! xenstore-read /local/domain/0/attr/vif/5/ipv4/0"
	xenstore-ls -f /local/domain/0 >"$work/store.txt" 2>&1
fi

# ---- old kernel: MemFree, legacy release file ------------------------------
check "old kernel: --once" "$AGENT" --once --root "$FIX/old-kernel" --xenstore "$XENSTORED_PATH"
check "old kernel: meminfo_free is MemFree" xs_is data/meminfo_free 500000
check "old kernel: os_distro from redhat-release" xs_is data/os_majorver 6
check "old kernel: no balloon driver, no feature-balloon" xs_absent control/feature-balloon

# ---- an unreadable release file: warn, publish the rest -------------------
"$AGENT" --once --root "$FIX/broken-release" >"$work/broken.out" 2>&1
check "unreadable os-release: --once still exits 0" test $? = 0
check "... and says why" grep -q "data/os_\* not published" "$work/broken.out"
check "... os_uname published" xs_is data/os_uname 4.19.0-broken
check "... stale os_distro of the earlier run removed" xs_absent data/os_distro

# ---- the daemon: netlink events, store restarts, errors ------------------
if [ $netns = 1 ]; then
	# Not through a shell function: $! must be the agent itself (ip execs it).
	ip netns exec "$ns" "$AGENT" --root "$FIX/xen-guest" --pidfile "$work/agent.pid" -v \
		>"$work/agent.log" 2>&1 &
	agent_pid=$!
	check "daemon: first publication" wait_for 5 xs_is attr/vif/0/ipv4/0 192.0.2.10
	check "daemon: pidfile" wait_for 2 test -s "$work/agent.pid"
	up1=$(xenstore-read /local/domain/0/data/updated)
	# Keep 192.0.2.11 when the primary 192.0.2.10 goes (else the kernel drops both).
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.enX0.promote_secondaries=1
	ip -n "$ns" addr add 192.0.2.11/24 dev enX0
	check "address added on enX0: ipv4 lists both" wait_for 5 vif_is 0 ipv4 "192.0.2.10 192.0.2.11"
	ip -n "$ns" addr del 192.0.2.10/24 dev enX0
	check "address removed: only 192.0.2.11, as ipv4/0" wait_for 5 vif_is 0 ipv4 "192.0.2.11"
	check "address removed: stale ipv4/1 is gone" xs_absent attr/vif/0/ipv4/1
	ip -n "$ns" addr add 2001:db8::20/64 dev enX0 nodad
	check "IPv6 address added" wait_for 5 vif_is 0 ipv6 "2001:db8::10 2001:db8::20"
	ip -n "$ns" addr del 2001:db8::10/64 dev enX0
	check "IPv6 address removed" wait_for 5 vif_is 0 ipv6 "2001:db8::20"
	# Duplicate address detection: three probes a second apart keep a new
	# address tentative for about 3 s (net/ipv6/addrconf.c addrconf_dad_work).
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.enX0.dad_transmits=3
	ip -n "$ns" addr add 2001:db8::30/64 dev enX0
	sleep 1
	if ip -n "$ns" -6 addr show dev enX0 | grep -q "2001:db8::30/64.*tentative"; then
		check "IPv6 tentative (DAD running): not published" vif_is 0 ipv6 "2001:db8::20"
		check "... published once DAD is over" wait_for 8 vif_is 0 ipv6 "2001:db8::20 2001:db8::30"
	else
		skip "IPv6 tentative: the address was not tentative 1 s after it was added here"
	fi
	ip -n "$ns" addr add 2001:db8::40/64 dev enX0 nodad preferred_lft 0
	check "IPv6 deprecated (preferred lifetime over): never published" sh -c "sleep 1; ip -n $ns -6 addr show dev enX0 | grep -q 'deprecated' && ! xenstore-ls /local/domain/0/attr/vif | grep -q '2001:db8::40'"
	# DAD fails when another interface on the link already has the address.
	ip -n "$ns" addr add 2001:db8::50/64 dev veth0 nodad
	ip -n "$ns" addr add 2001:db8::50/64 dev enX0
	if wait_for 8 sh -c "ip -n $ns -6 addr show dev enX0 | grep -q '2001:db8::50/64.*dadfailed'"; then
		check "IPv6 dadfailed (another host has it): never published" sh -c "! xenstore-ls /local/domain/0/attr/vif | grep -q '2001:db8::50'"
	else
		skip "IPv6 dadfailed: DAD did not fail on this kernel's veth pair"
	fi
	ip -n "$ns" addr del 2001:db8::50/64 dev enX0
	ip -n "$ns" addr del 2001:db8::40/64 dev enX0
	ip -n "$ns" addr del 2001:db8::30/64 dev enX0 2>/dev/null
	check "... the IPv6 list settles" wait_for 5 vif_is 0 ipv6 "2001:db8::20"
	# An address on a bridge over a vif is the vif's (xe-guest-utilities #145).
	if ip -n "$ns" link add br9 type bridge 2>/dev/null; then
		ip -n "$ns" link set eth1 master br9
		ip -n "$ns" link set br9 up
		ip -n "$ns" addr add 198.51.100.99/24 dev br9
		check "address on a bridge over vif 2: published as vif 2's" wait_for 5 vif_is 2 ipv4 "198.51.100.7 198.51.100.99"
		ip -n "$ns" link del br9
		check "bridge removed: its address goes" wait_for 5 vif_is 2 ipv4 "198.51.100.7"
	else
		skip "bridge over a vif: this kernel cannot make a bridge"
	fi
	ip -n "$ns" link del eth1
	check "NIC removed: vif 2 is gone" wait_for 5 xs_absent attr/vif/2
	check "data/updated is rewritten" sh -c "sleep 1.1; ip -n $ns addr add 192.0.2.12/24 dev enX0; sleep 1; [ \"\$(xenstore-read /local/domain/0/data/updated)\" != '$up1' ]"

	# The store goes away and comes back empty: the agent republishes.
	stop_store
	sleep 0.5
	start_store
	check "store restarted: agent republishes everything" wait_for 10 xs_is data/os_distro rocky
	check "store restarted: addresses too" wait_for 5 vif_is 0 ipv4 "192.0.2.11 192.0.2.12"
	check "store restarted: agent still running" kill -0 "$agent_pid"
	check "store restarted: the loss is logged" grep -q "connection lost" "$work/agent.log"

	xenstore-rm /local/domain/0/data/os_name
	kill -HUP "$agent_pid"
	check "SIGHUP: everything published again" wait_for 5 xs_is data/os_name "Rocky Linux 9.3 (Blue Onyx)"
	kill "$agent_pid"
	wait "$agent_pid"
	rc=$?
	agent_pid=
	check "SIGTERM: exit 0" test $rc = 0
	check "SIGTERM: pidfile removed" test ! -e "$work/agent.pid"

	# EACCES twice: the daemon retries with backoff (1 s, 2 s), logs once.
	stop_store
	start_store --eacces 2
	ip netns exec "$ns" "$AGENT" --root "$FIX/xen-guest" >"$work/eacces.log" 2>&1 &
	agent_pid=$!
	check "EACCES: published after retries" wait_for 10 xs_is data/os_distro rocky
	check "EACCES: logged once, not per retry" test "$(grep -c 'Permission denied' "$work/eacces.log")" = 1
	stop_agent
fi

# ---- the SysV script, for real: start, status, reload, stop ----------------
# The packaged script with its paths pointed into this test.
sed -e "s|^DAEMON=.*|DAEMON=$AGENT|" -e "s|^PIDFILE=.*|PIDFILE=$work/sysv.pid|" \
	-e "s|^GUEST_AGENT_OPTS=.*|GUEST_AGENT_OPTS=\"--root $FIX/old-kernel --xenstore $XENSTORED_PATH\"|" \
	-e "s|/etc/default/guest-agent|/nonexistent|; s|/etc/sysconfig/guest-agent|/nonexistent|" \
	"$here/../../payload/packaging/service/guest-agent.init" >"$work/sysv-init"
chmod 755 "$work/sysv-init"
stop_store
start_store
xenstore-rm /local/domain/0/data 2>/dev/null
check "SysV: start" "$work/sysv-init" start
check "SysV: status 0 while running" "$work/sysv-init" status
check "SysV: the daemon publishes" wait_for 5 xs_is data/os_majorver 6
check "SysV: start again says already running" sh -c "'$work/sysv-init' start | grep -q 'already running'"
xenstore-rm /local/domain/0/data/os_majorver
check "SysV: reload republishes" sh -c "'$work/sysv-init' reload"
check "SysV: ... the key is back" wait_for 5 xs_is data/os_majorver 6
check "SysV: stop" "$work/sysv-init" stop
check "SysV: status 3 when stopped" sh -c "'$work/sysv-init' status; [ \$? -eq 3 ]"
check "SysV: pidfile gone" test ! -e "$work/sysv.pid"

# EAGAIN on commit: --once redoes the transaction at once.
stop_store
start_store --eagain 3
check "EAGAIN x3 on commit: --once still publishes" "$AGENT" --once --root "$FIX/old-kernel"
check "EAGAIN: the value landed" xs_is data/os_majorver 6
stop_store
start_store --eagain 10
check "EAGAIN on every commit: --once fails (exit 1), no spin" sh -c "'$AGENT' --once --root '$FIX/old-kernel' 2>&1; [ \$? -eq 1 ]"
stop_store
check "no store at all: --once exits 1" sh -c "'$AGENT' --once --root '$FIX/old-kernel' 2>&1; [ \$? -eq 1 ]"

# ---- sanitizers ------------------------------------------------------------
if [ -n "$AGENT_ASAN" ] && [ -x "$AGENT_ASAN" ]; then
	start_store
	check "ASan/UBSan/leaks: --once" env ASAN_OPTIONS=detect_leaks=1 "$AGENT_ASAN" --once \
		--root "$FIX/xen-guest" --vif lo=9 -vv
	(ASAN_OPTIONS=detect_leaks=1 "$AGENT_ASAN" --root "$FIX/xen-guest" >"$work/asan.log" 2>&1) &
	apid=$!
	sleep 1
	stop_store
	sleep 1.5
	kill "$apid"
	wait "$apid"
	check "ASan/leaks: daemon through a store loss and SIGTERM (exit 0)" test $? = 0
	check "ASan: no report" sh -c "! grep -q 'Sanitizer' '$work/asan.log'"
else
	skip "sanitizer run: AGENT_ASAN not given"
fi

if command -v valgrind >/dev/null; then
	start_store
	check "valgrind: --once, no error, no leak" valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=9 "$AGENT" --once \
		--root "$FIX/xen-guest"
	stop_store
else
	skip "valgrind not installed"
fi

mkdir -p "$results"
echo "$passed $failed $skipped" >"$results/$suite"
echo "$suite: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
