#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""lifecycle.py SUITE RESULTS_DIR: guest-agent through what xenopsd does to
a running guest, asserted key by key against what xapi and Xen Orchestra
read (xapi_keys.py).

The store is xenstored.py playing xenopsd (--control): a live migration (a
new domain, an empty tree, a new unique-domain-id, the kernel's watches
registered again), the same where the kernel lost its watches, a soft reset,
the toolstack removing attr/, data/ or control/feature-balloon, and a clone's
first boot. After each, every key must be back within one interval: with a
60 s interval only the watches can do it in time; with the watches lost, the
poll of each interval must. Then --check: clean, and each broken state it
is built for; and a toolstack that keeps control/feature-balloon read-only
(libxl). Addresses come from a network namespace: enX0 (vif 0) with a VLAN
on it, eth1 (vif 2) in a bridge, ens5 an SR-IOV VF known by its MAC.
Needs root and `ip netns`; AGENT is the agent to test (build/guest-agent).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import check  # noqa: E402
import xapi_keys as xk  # noqa: E402

AGENT = os.path.abspath(os.environ.get("AGENT", os.path.join(REPO, "build", "guest-agent")))
VERSION = os.environ.get("VERSION") or open(os.path.join(REPO, "VERSION")).read().strip()
FIX = os.path.join(HERE, "fixtures", "xen-guest")
SERVER = os.path.join(HERE, "xenstored.py")
HOME = "/local/domain/0"
VF_MAC = "02:00:00:00:03:05"
SLACK = 2.0  # seconds a loaded machine may add to "within one interval"
KEYS_ASSERTED = 0


def pvaddons():
    """The PV-addons version payload/build.mk derives (PVADDONS="1 0 0 0")."""
    parts = os.environ.get("PVADDONS", "").split()
    if len(parts) == 4:
        return parts
    v = VERSION.split(".")
    return ["1", "0", "0", "0"] if v[0] == "0" else (v + ["0", "0"])[:3] + ["0"]


class Store:
    def __init__(self, work, *args):
        self.sock = os.path.join(work, "xs.sock")
        self.ctl_sock = os.path.join(work, "ctl.sock")
        ready = os.path.join(work, "ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.log = open(os.path.join(work, "xenstored.log"), "a")
        self.proc = subprocess.Popen([sys.executable, SERVER, self.sock, "--control", self.ctl_sock,
                                      "--ready", ready, *args], stderr=self.log)
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.05)

    def ctl(self, *cmds):
        p = subprocess.run([sys.executable, SERVER, "ctl", self.ctl_sock, *cmds],
                           capture_output=True, text=True)
        return p.stdout.strip()

    def dump(self):
        """Every key under the home path, relative, from Debian's xenstore-ls."""
        p = subprocess.run(["xenstore-ls", "-f", HOME], capture_output=True, text=True,
                           env=dict(os.environ, XENSTORED_PATH=self.sock))
        out = {}
        for line in p.stdout.splitlines():
            m = re.match(r'^(\S+) = "(.*)"$', line)
            if m and m.group(1).startswith(HOME + "/"):
                out[m.group(1)[len(HOME) + 1:]] = m.group(2).replace('\\"', '"').replace("\\\\", "\\")
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def leaves(dump):
    """The agent's keys that hold a value (directories left out)."""
    return {k: v for k, v in dump.items() if xk.is_agent_key(k)
            and not any(o.startswith(k + "/") for o in dump)}


def addr_groups(keys):
    """{"attr/vif/0 ipv4": ["192.0.2.10", ...]} and the indexes seen per group."""
    groups, idx = {}, {}
    for k, v in keys.items():
        m = re.fullmatch(r"(attr/vif/\d+|xenserver/attr/net-sriov-vf/\d+)/(ipv4|ipv6)/(\d+)", k)
        if m:
            g = m.group(1) + " " + m.group(2)
            groups.setdefault(g, set()).add(v)
            idx.setdefault(g, set()).add(int(m.group(3)))
    return groups, idx


class Expect:
    """What the store must hold from the agent, exactly."""

    def __init__(self, udid, addrs):
        pv = pvaddons()
        self.keys = {
            "attr/PVAddons/Installed": "1", "attr/PVAddons/MajorVersion": pv[0],
            "attr/PVAddons/MinorVersion": pv[1], "attr/PVAddons/MicroVersion": pv[2],
            "attr/PVAddons/BuildVersion": pv[3],
            "data/os_distro": "rocky", "data/os_name": "Rocky Linux 9.3 (Blue Onyx)",
            "data/os_majorver": "9", "data/os_minorver": "3",
            "data/os_uname": "5.14.0-362.8.1.el9_3.x86_64",
            "data/host_name_dns": "web1", "data/domain": "example.com",
            "data/meminfo_total": "2014256", "data/meminfo_free": "1404184",
            "control/feature-balloon": "1",
            "data/service/guest-agent/version": VERSION,
            "data/service/guest-agent/state": "running",
            "data/service/guest-agent/unique-domain-id": udid,
            "data/updated": None,  # a time: its format only
        }
        self.addrs = addrs

    def matches(self, dump):
        got = leaves(dump)
        groups, idx = addr_groups(got)
        plain = {k: v for k, v in got.items() if not re.search(r"/ipv[46]/\d+$", k)}
        if set(plain) != set(self.keys):
            return False
        if any(v is not None and plain[k] != v for k, v in self.keys.items()):
            return False
        return groups == self.addrs and all(idx[g] == set(range(len(groups[g]))) for g in groups)

    def assert_all(self, scenario, dump):
        """One check per key (value, format, and a reader in the table), then the model."""
        global KEYS_ASSERTED
        got = leaves(dump)
        groups, idx = addr_groups(got)
        for key, want in self.keys.items():
            row = xk.row_of(key)
            have = got.get(key)
            ok = have is not None and (want is None or have == want) and row is not None \
                and re.fullmatch(row[1], have) is not None
            check(f"{scenario}: {key} = {want if want is not None else '<' + row[1] + '>'}"
                  f" (read by: {row[2] if row else '?'})", ok, f"store has {have!r}")
            KEYS_ASSERTED += 1
        for g, want in sorted(self.addrs.items()):
            nic, fam = g.split()
            row = xk.row_of(f"{nic}/{fam}/0")
            have = groups.get(g, set())
            ok = have == want and idx.get(g) == set(range(len(want))) and \
                all(re.fullmatch(row[1], a) for a in have)
            check(f"{scenario}: {nic}/{fam}/0..{len(want) - 1} = {' '.join(sorted(want))}"
                  f" (read by: {row[2]})", ok, f"store has {sorted(have)} at {sorted(idx.get(g, []))}")
            KEYS_ASSERTED += len(want)
        extra = {k for k in got if k not in self.keys and not re.search(r"/ipv[46]/\d+$", k)}
        extra |= {g for g in groups if g not in self.addrs}
        check(f"{scenario}: no key beyond the table", not extra, sorted(extra))
        # What xapi and Xen Orchestra make of it.
        gm = xk.xapi_guest_metrics(got)
        pv = xk.xapi_pv_drivers(gm["PV_drivers_version"])
        check(f"{scenario}: xapi parses the PV-drivers version (not Unknown)", pv != "Unknown", pv)
        xo = xk.xo_guest_tools(gm)
        check(f"{scenario}: XO shows 'Management agent {xo['versionShown']} detected'",
              xo["managementAgentDetected"] and xo["versionShown"], xo)
        check(f"{scenario}: XO main IP is 192.0.2.10",
              xk.xo_main_ip(gm["networks"]) == "192.0.2.10", gm["networks"])
        check(f"{scenario}: xapi host_name web1.example.com",
              gm["netbios_name"].get("host_name") == "web1.example.com", gm["netbios_name"])
        check(f"{scenario}: squeezed may balloon it, and counts it booted",
              gm["other"].get("feature-balloon") == "1" and "data/updated" in got, gm["other"])


def wait_until(cond, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return time.monotonic() - t0
        time.sleep(0.05)
    return None


def sh(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True)


def make_netns(ns):
    """The guest's NICs; returns the addresses expected per NIC and family."""
    sh("ip", "netns", "del", ns)
    if sh("ip", "netns", "add", ns).returncode != 0:
        return None
    n = ["ip", "-n", ns]
    sh(*n, "link", "set", "lo", "up")
    for a, b in [("enX0", "p0"), ("eth1", "p1"), ("ens5", "p5")]:
        sh(*n, "link", "add", a, "type", "veth", "peer", "name", b)
    sh(*n, "link", "set", "ens5", "address", VF_MAC)
    for i in ["enX0", "p0", "eth1", "p1", "ens5", "p5"]:
        sh(*n, "link", "set", i, "up")
    sh(*n, "addr", "add", "192.0.2.10/24", "dev", "enX0")
    sh(*n, "addr", "add", "2001:db8::10/64", "dev", "enX0", "nodad")
    sh(*n, "addr", "add", "10.0.3.4/24", "dev", "ens5")
    addrs = {"attr/vif/0 ipv4": {"192.0.2.10"}, "attr/vif/0 ipv6": {"2001:db8::10"},
             "xenserver/attr/net-sriov-vf/3 ipv4": {"10.0.3.4"}}
    if sh(*n, "link", "add", "br0", "type", "bridge").returncode == 0:
        sh(*n, "link", "set", "eth1", "master", "br0")
        sh(*n, "link", "set", "br0", "up")
        sh(*n, "addr", "add", "198.51.100.7/24", "dev", "br0")
        addrs["attr/vif/2 ipv4"] = {"198.51.100.7"}
    else:
        harness.skip("bridge over vif 2", "this kernel cannot make a bridge (no bridge module)")
    if sh(*n, "link", "add", "link", "enX0", "name", "enX0.100", "type", "vlan", "id", "100").returncode == 0:
        sh(*n, "link", "set", "enX0.100", "up")
        sh(*n, "addr", "add", "203.0.113.5/24", "dev", "enX0.100")
        addrs["attr/vif/0 ipv4"].add("203.0.113.5")
    else:
        harness.skip("VLAN over vif 0", "this kernel cannot make a VLAN (no 8021q module)")
    return addrs


class Agent:
    def __init__(self, work, ns, root, store, *args):
        self.log = os.path.join(work, "agent.log")
        with open(self.log, "a") as f:
            self.proc = subprocess.Popen(["ip", "netns", "exec", ns, AGENT, "--root", root, "-v", *args],
                                         stdout=f, stderr=f,
                                         env=dict(os.environ, XENSTORED_PATH=store.sock))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=10)


def scenario(name, store, expect_fn, action, timeout, interval):
    """Run @action, then wait for every key; assert them and the time it took."""
    before = store.dump().get("unique-domain-id")
    action()
    udid = store.dump().get("unique-domain-id")
    exp = expect_fn(udid)
    took = wait_until(lambda: exp.matches(store.dump()), timeout)
    check(f"{name}: every key back within one interval ({interval} s)", took is not None,
          f"not after {timeout:.1f} s")
    if took is not None:
        print(f"     {name}: back after {took:.2f} s (unique-domain-id "
              f"{'changed' if before != udid else 'kept'})")
    exp.assert_all(name, store.dump())
    return took


def check_codes(name, store, root, ns, want_code):
    p = subprocess.run(["ip", "netns", "exec", ns, AGENT, "--check", "--json", "--root", root],
                       capture_output=True, text=True, env=dict(os.environ, XENSTORED_PATH=store.sock))
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return check(f"--check: {name}: one JSON document", False, p.stdout + p.stderr)
    codes = [x["code"] for x in doc.get("problems", [])]
    if want_code is None:
        return check(f"--check: {name}: exit 0, no problem", p.returncode == 0 and doc["ok"] and not codes,
                     (p.returncode, doc.get("problems")))
    msgs = [x["message"] for x in doc["problems"] if x["code"] == want_code]
    return check(f"--check: {name}: exit 1 and '{want_code}' explained",
                 p.returncode == 1 and not doc["ok"] and msgs and len(msgs[0]) > 40,
                 (p.returncode, codes, p.stderr))


def main():
    suite, results = sys.argv[1], sys.argv[2]
    harness.configure(show_passes=True)
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("xenstore-ls"):
        harness.skip("lifecycle", "needs root, iproute2 and Debian's xenstore-utils (xenstore-ls)")
        return harness.finish(suite, results)
    work = harness.tempdir("agent-lifecycle-")
    root = os.path.join(work, "root")
    shutil.copytree(FIX, root, symlinks=True)
    os.makedirs(os.path.join(root, "sys/power"), exist_ok=True)
    with open(os.path.join(root, "sys/power/pm_freeze_timeout"), "w") as f:
        f.write("20000\n")  # the kernel's default
    ns = f"gtlc{os.getpid()}"
    addrs = make_netns(ns)
    if addrs is None:
        harness.skip("lifecycle", "cannot create a network namespace here (ip netns add)")
        return harness.finish(suite, results)
    store = Store(work)
    agent = None
    try:
        store.ctl(f"write xenserver/device/net-sriov-vf/3/mac {VF_MAC}")

        def expect(udid):
            return Expect(udid, addrs)

        def nothing():
            pass

        # ---- watches: a 60 s interval, so only a watch can be in time ----
        agent = Agent(work, ns, root, store, "--interval", "60")
        scenario("start", store, expect, nothing, 10, 60)
        with open(os.path.join(root, "sys/power/pm_freeze_timeout")) as f:
            check("start: pm_freeze_timeout raised from 20000 to 300000 ms", f.read().strip() == "300000")
        check("start: four watches set (unique-domain-id and three of our subtrees)",
              store.ctl("watches") == "OK 4", store.ctl("watches"))
        for name, cmd in [("live migration (new domain, watches re-registered)", "migrate"),
                          ("soft reset (control/feature-balloon removed)", "soft-reset"),
                          ("toolstack removes attr/", "rm attr"),
                          ("toolstack removes data/", "rm data"),
                          ("toolstack removes control/feature-balloon", "rm control/feature-balloon")]:
            took = scenario(name, store, expect, lambda c=cmd: store.ctl(c), 5 + SLACK, 60)
            check(f"{name}: through a watch (well before the 60 s poll)", took is not None and took < 5 + SLACK)
        check("after a migration: still four watches, not one more per resume",
              store.ctl("watches") == "OK 4", store.ctl("watches"))
        check("start: exit 0 on SIGTERM", agent.stop() == 0)
        agent = None

        # ---- watches lost in the resume: the poll of each interval ----
        agent = Agent(work, ns, root, store, "--interval", "3")
        scenario("restart (3 s interval)", store, expect, nothing, 10, 3)
        scenario("live migration, watches lost (poll)", store, expect,
                 lambda: store.ctl("migrate-drop"), 3 + SLACK, 3)
        check("after a migration that lost the watches: all four set again",
              wait_until(lambda: store.ctl("watches") == "OK 4", 2) is not None, store.ctl("watches"))
        check("poll: exit 0 on SIGTERM", agent.stop() == 0)
        agent = None
        check("stopped: data/service/guest-agent/state = stopped",
              store.dump().get("data/service/guest-agent/state") == "stopped")
        check_codes("agent stopped", store, root, ns, "agent-stopped")

        # ---- a clone: the same disk boots in a new domain ----
        store.ctl("migrate-drop")
        agent = Agent(work, ns, root, store, "--interval", "60")
        scenario("clone's first boot (new domain, empty tree)", store, expect, nothing, 10, 60)

        # ---- --check ----
        check_codes("agent running, keys in place", store, root, ns, None)
        agent.stop()
        agent = None
        good = store.dump()
        breaks = [
            ("PVAddons major not an integer", "write attr/PVAddons/MajorVersion 1.0", "pvaddons-not-integer",
             "write attr/PVAddons/MajorVersion " + good["attr/PVAddons/MajorVersion"]),
            ("PVAddons minor missing", "rm attr/PVAddons/MinorVersion", "pvaddons-missing",
             "write attr/PVAddons/MinorVersion " + good["attr/PVAddons/MinorVersion"]),
            ("PVAddons major 0", "write attr/PVAddons/MajorVersion 0", "pvaddons-major-zero",
             "write attr/PVAddons/MajorVersion " + good["attr/PVAddons/MajorVersion"]),
            ("attr/vif missing", "rm attr/vif", "vif-missing", None),
            ("address index not an integer", "write attr/vif/0/ipv4/x 192.0.2.99", "vif-bad-index",
             "rm attr/vif/0/ipv4/x"),
            ("feature-balloon missing with a balloon driver", "rm control/feature-balloon",
             "no-feature-balloon", "write control/feature-balloon 1"),
            ("stale unique-domain-id", "write unique-domain-id 00000000-0000-4000-8000-000000000000",
             "stale-domain-id", "write unique-domain-id " + good["unique-domain-id"]),
            ("nothing published", "rm data/service", "agent-not-publishing", None),
        ]
        for name, cmd, code, undo in breaks:
            store.ctl(cmd)
            check_codes(name, store, root, ns, code)
            if undo:
                store.ctl(undo)
        store.stop()
        p = subprocess.run([AGENT, "--check", "--json", "--root", root], capture_output=True, text=True,
                           env=dict(os.environ, XENSTORED_PATH=store.sock))
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = {}
        check("--check: no store: exit 1, one JSON document naming the error",
              p.returncode == 1 and doc.get("ok") is False and doc.get("error"), p.stdout + p.stderr)

        # ---- libxl: control/feature-balloon read-only for the guest ----
        store = Store(work, "--readonly", "control/feature-balloon")
        log = os.path.join(work, "readonly.log")
        with open(log, "w") as f:
            proc = subprocess.Popen(["ip", "netns", "exec", ns, AGENT, "--root", root, "--interval", "1"],
                                    stdout=f, stderr=f, env=dict(os.environ, XENSTORED_PATH=store.sock))
        published = wait_until(lambda: store.dump().get("data/os_distro") == "rocky", 10)
        time.sleep(2.5)  # two more intervals: no retry loop may start
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        text = open(log).read()
        check("read-only feature-balloon: the rest is published", published is not None, text)
        check("read-only feature-balloon: said once, no retry loop",
              text.count("read-only") == 1 and "retrying" not in text, text)
    finally:
        if agent:
            agent.stop()
        store.stop()
        sh("ip", "netns", "del", ns)
    print(f"{suite}: {KEYS_ASSERTED} key values asserted against the table of what xapi and XO read")
    return harness.finish(suite, results)


if __name__ == "__main__":
    sys.exit(main())
