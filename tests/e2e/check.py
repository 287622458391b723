#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check.py SCENARIO RESULTS_LOG [HOST_LOG]: the host-side checks of one
e2e boot.

RESULTS_LOG is what the guest wrote to its second serial port: sections
between "@@GT-BEGIN name@@" and "@@GT-END name rc=N@@" markers (see
guest/lib.sh). HOST_LOG holds sections in the same form written on the host
during the boot (qmp-eject.py's "eject" for install-ejected). Prints one
"ok"/"not ok" line per check, the evidence of each failure, and a closing
"e2e-SCENARIO: N passed, N failed, N skipped" line (tests/lib/harness.py);
exits 1 when a check failed.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402

BEGIN = re.compile(r"^@@GT-BEGIN (\S+)@@$")
END = re.compile(r"^@@GT-END (\S+) rc=(-?\d+)@@$")
DONE = re.compile(r"^@@GT-DONE scenario=(\S+) rc=(-?\d+) uptime=(\S+)@@$")

# installer/cli/exitcode.h, documented in docs/installer.8.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INTEGRITY = 5
EXIT_NOMEDIA = 7
CD_DEVICES = ("/dev/sr0", "/dev/cdrom")
# Sections only the host writes (HOST_LOG).
HOST_SECTIONS = ("eject", "powercut",
                 # pv-to-hvm*: tests/e2e/pv-to-hvm.sh
                 "plan", "disk", "detect-offline", "detect-offline.stderr", "seabios0",
                 "registers0", "console0", "pygrub", "ttyS0-pv", "hvc0-pv", "seabios2",
                 "console2", "host-rootdiff", "host-mbrdiff", "prepare-offline",
                 "prepare-offline.stderr")
# Scenarios with no guest boot: every section comes from HOST_LOG.
HOST_ONLY = ("pv-to-hvm-nogrub",)
PV_HOST = "gt-pv"  # the PV-layout guest's host name (tests/e2e/pvroot.sh)


class Section:
    def __init__(self, name, text, rc):
        self.name, self.text, self.rc = name, text, rc

    def json(self):
        """The section as one JSON document, or None when it is not one."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None


def parse(path):
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8", errors="replace")
    sections, done, cur, buf = {}, None, None, []
    for line in raw.replace("\r", "").split("\n"):
        m = BEGIN.match(line)
        if m:
            cur, buf = m.group(1), []
            continue
        m = END.match(line)
        if m and cur == m.group(1):
            sections[cur] = Section(cur, "\n".join(buf), int(m.group(2)))
            cur = None
            continue
        m = DONE.match(line)
        if m:
            done = m
            continue
        if cur is not None:
            buf.append(line)
    return sections, done


def dig(doc, path):
    """doc's value at a dotted path ("virt.mode"), or KeyError."""
    for key in path.split("."):
        if not isinstance(doc, dict) or key not in doc:
            raise KeyError(path)
        doc = doc[key]
    return doc


class Checker:
    def __init__(self, scenario, sections, done):
        self.scenario, self.sections, self.done = scenario, sections, done
        self.results = harness.Suite(tap=True, prefix=f"{scenario}: ")
        self.chosen = None  # the agent package installer verify names

    def check(self, ok, what, evidence=""):
        return self.results.check(what, ok, evidence)

    def section(self, name):
        s = self.sections.get(name)
        if s is None and name in HOST_SECTIONS:
            self.check(False, f"the host wrote section '{name}'",
                       "missing from host.log (see run.sh's output)")
        elif s is None:
            self.check(False, f"the guest reported section '{name}'",
                       "missing from results.log (see console.log)")
        return s

    def evidence(self, s):
        err = self.sections.get(s.name + ".stderr")
        out = f"rc={s.rc}\nstdout:\n{s.text}"
        if err is not None:
            out += f"\nstderr:\n{err.text}"
        return out

    def rc(self, name, want, what):
        s = self.section(name)
        if s is None:
            return None
        self.check(s.rc == want, f"{what}: exit code {want}", self.evidence(s))
        return s

    def doc(self, name, want_rc, what):
        """Checks the exit code and that stdout is exactly one JSON document."""
        s = self.rc(name, want_rc, what)
        if s is None:
            return None
        d = s.json()
        self.check(d is not None, f"{what}: stdout is one JSON document", self.evidence(s))
        return d

    def field(self, doc, path, pred, what):
        if doc is None:
            return self.check(False, f"{path} {what}", "no JSON document")
        try:
            v = dig(doc, path)
        except KeyError:
            return self.check(False, f"{path} {what}",
                              f"no '{path}' in:\n{json.dumps(doc, indent=1)}")
        return self.check(pred(v), f"{path} {what}", f"{path} = {json.dumps(v)}")

    # The pieces the scenarios share.

    def finished(self):
        self.check(self.sections.get("boot") is not None, "the guest's runner started",
                   "no 'boot' section: the guest never reached gt-e2e.service")
        self.check(self.done is not None, "the guest's runner finished (@@GT-DONE@@)",
                   "no @@GT-DONE@@ line: it died or the boot timed out")

    def media(self):
        """The CD, as the user mounted it: /dev/cdrom from udev, iso9660."""
        d = self.doc("media", 0, "mount of the CD")
        self.field(d, "device", lambda v: v in CD_DEVICES, "is /dev/cdrom or /dev/sr0")
        self.field(d, "resolved", lambda v: v == "/dev/sr0", "(the device behind it) is /dev/sr0")
        self.field(d, "fstype", lambda v: v == "iso9660", "(mounted type) is iso9660")
        self.field(d, "cdrom_link", lambda v: v is True, "is true (udev made /dev/cdrom)")

    def detect_doc(self, d):
        self.field(d, "arch", lambda v: v == "x86_64", "is x86_64")
        self.field(d, "distro.id", lambda v: v == "debian", "is debian")
        self.field(d, "distro.major", lambda v: v == 12, "is 12")
        self.field(d, "init", lambda v: v == "systemd", "is systemd")
        self.field(d, "rootfs.type", lambda v: v == "ext4", "is ext4")
        self.field(d, "rootfs.on_disk_type", lambda v: v == "ext4",
                   "is ext4 (libblkid read the real disk)")
        self.field(d, "rootfs.flagged", lambda v: v is True, "is true (ext4 is flagged)")
        self.field(d, "virt.hypervisor", lambda v: v in ("qemu", "kvm"), "is qemu or kvm")
        self.field(d, "virt.mode", lambda v: v == "n/a", "is n/a (not Xen)")

    def agent(self, installed, name=None):
        """The agent .deb on the CD as dpkg and systemd see it. With
        installed, the package NAME (the one the installer says it chose; any
        .deb of this guest's architecture when None) must be installed and
        its units enabled; without, no .deb of the CD may be installed."""
        s = self.section("agent")
        if s is None:
            return
        d = s.json()
        pk = d.get("packages") if isinstance(d, dict) else None
        if not self.check(bool(pk), "the CD holds a .deb for this guest", self.evidence(s)):
            return
        if installed and name is not None:
            chosen = [p for p in pk if p.get("package") == name]
            if not self.check(bool(chosen), f"the CD holds the chosen package {name}",
                              self.evidence(s)):
                return
            pk = chosen
        for p in pk:
            pname = p.get("package")
            st = p.get("status")
            if installed:
                self.check(st == "install ok installed", f"dpkg -s {pname}: installed",
                           f"status '{st}'")
                units = p.get("units") or []
                self.check(bool(units), f"{pname} ships a systemd unit", json.dumps(p))
                for u in units:
                    self.check(u.get("enabled") == "enabled",
                               f"{u.get('unit')} is enabled", f"is-enabled: {u.get('enabled')}")
            else:
                self.check(st in ("", None) or "not-installed" in st,
                           f"{pname} is not installed", f"status '{st}'")

    def unchanged(self, name, what):
        s = self.section(name)
        if s is not None:
            self.check(s.rc == 0 and not s.text.strip(), what,
                       "differences (before / after):\n" + s.text)

    def skipped_by_condition(self, package):
        """True when every systemd unit of PACKAGE was skipped by systemd
        for its own Condition*= (ConditionResult=no): the real agent's
        ConditionVirtualization=xen on this QEMU guest."""
        s = self.sections.get("agent")
        d = s.json() if s is not None else None
        if not isinstance(d, dict):
            return False
        units = [u for p in d.get("packages") or [] if p.get("package") == package
                 for u in p.get("units") or []]
        return bool(units) and all(u.get("condition") == "no" and u.get("active") != "active"
                                   for u in units)

    def state_docs(self):
        """installer verify and status after an install (installer(8)).
        verify exits 0, or 1 ("the agent is not running", as documented) when
        the agent's units were skipped by their own condition on a guest that
        is not Xen, which the agent section shows from systemd's side."""
        s = self.section("verify")
        d = s.json() if s is not None else None
        try:
            self.chosen = dig(d, "agent.package")
        except KeyError:
            self.chosen = None
        if s is not None and s.rc != EXIT_OK and self.skipped_by_condition(self.chosen):
            # systemd's side (the agent section) says the units were skipped by
            # their condition: verify must say exactly that, and no more.
            d = self.doc("verify", 1, "installer verify --json, the agent's units skipped by "
                         "systemd")
            self.field(d, "agent.running", lambda v: v is False,
                       "is false (systemd skipped the agent's units by their condition)")
            self.field(d, "hypervisor", lambda v: v != "xen",
                       "is not xen (only a non-Xen guest skips the Xen agent)")
        else:
            d = self.doc("verify", EXIT_OK, "installer verify --json")
            self.verify_doc(d)
            self.field(d, "ok", lambda v: v is True, "is true (verify)")
        self.field(d, "agent.installed", lambda v: v is True, "is true (verify)")
        self.field(d, "agent.enabled", lambda v: v is True, "is true (verify)")
        d = self.doc("status", EXIT_OK, "installer status --json")
        self.field(d, "installed", lambda v: v is True, "is true (status)")

    def verify_doc(self, d):
        """No entry of verify's report says false for ok/verified/match."""
        bad = []

        def walk(x, path):
            if isinstance(x, dict):
                for k, v in x.items():
                    if k in ("ok", "verified", "match", "matches") and v is False:
                        bad.append(f"{path}.{k}")
                    walk(v, f"{path}.{k}")
            elif isinstance(x, list):
                for i, v in enumerate(x):
                    walk(v, f"{path}[{i}]")

        if d is not None:
            walk(d, "$")
        self.check(d is not None and not bad, "verify: every payload sum matches",
                   "false at: " + ", ".join(bad) if bad else "no JSON document")


def scenario_detect(c):
    c.media()
    c.detect_doc(c.doc("detect", EXIT_OK, "installer detect --json"))
    # The same under LANG=ja_JP.UTF-8 (a guest with no locale installed):
    # Japanese words on the human output, the JSON byte-identical.
    ja = c.rc("detect-ja", EXIT_OK, "LANG=ja_JP.UTF-8 installer detect")
    c.check(ja is not None and "ディストリビューション:" in ja.text and "仮想化:" in ja.text,
            "LANG=ja_JP.UTF-8 installer detect speaks Japanese", ja and c.evidence(ja))
    en, jaj = c.section("detect"), c.rc("detect-ja-json", EXIT_OK,
                                        "LANG=ja_JP.UTF-8 installer detect --json")
    c.check(en is not None and jaj is not None and jaj.text == en.text,
            "LANG=ja_JP.UTF-8 installer detect --json: the same JSON",
            jaj and c.evidence(jaj))


def scenario_install(c):
    c.media()
    c.rc("install1", EXIT_OK, "install.sh -n")
    c.state_docs()
    d = c.doc("install2", EXIT_OK, "second install.sh -n --json")
    c.field(d, "changed", lambda v: v is False, "is false on the second run")
    c.field(d, "verified", lambda v: v is True, "is true (payload sums checked)")
    c.unchanged("rootdiff2", "the second run left the root as it was")
    c.agent(installed=True, name=c.chosen)
    c.detect_doc(c.doc("detect", EXIT_OK, "installer detect --json after install"))


def scenario_install_selfmount(c):
    s = c.section("mounts-before")
    if s is not None:
        c.check(not s.text.strip(), "no iso9660 mounted before the installer ran", s.text)
    d = c.doc("install", EXIT_OK, "installer install -n --json (no --media)")
    c.field(d, "media_device", lambda v: v in CD_DEVICES,
            "is /dev/sr0 or /dev/cdrom (it found the CD itself)")
    c.field(d, "changed", lambda v: v is True, "is true on the first run")
    c.field(d, "verified", lambda v: v is True, "is true (payload sums checked)")
    c.state_docs()
    c.agent(installed=True, name=c.chosen)


def ejected(c, mounted):
    """The CD ejected while the installer was stopped before the payload
    (guest/lib.sh gt_ejected_scenario; the eject itself: host.log)."""
    if mounted:
        c.media()
    else:
        s = c.section("mounts-before")
        if s is not None:
            c.check(not s.text.strip(), "no iso9660 mounted before the installer ran", s.text)
    s = c.section("snapshot-before")
    d = s.json() if s is not None else None
    if s is not None:
        c.check(isinstance(d, dict) and isinstance(d.get("lines"), int) and d["lines"] > 1000,
                "the root snapshot lists the root and sums /etc /usr /var/lib/dpkg "
                "(more than 1000 lines)", s.text)
    d = c.doc("stopped", 0, "the installer stopped itself before reading the payload")
    c.field(d, "state", lambda v: v in ("T", "t"), "is T (stopped by GT_TEST_STOP_AT=payload)")
    if mounted:
        c.field(d, "exe", lambda v: isinstance(v, str) and v.startswith("/run/guest-tools."),
                "is install.sh's private copy of the installer in /run")
        c.field(d, "mounts", lambda v: isinstance(v, str) and " /mnt iso9660 " in v,
                "shows the user's mount of the CD on /mnt")
    else:
        c.field(d, "mounts", lambda v: isinstance(v, str) and " iso9660 " in v
                and "guest-tools-" in v,
                "shows the CD mounted by the installer on its own guest-tools-* folder")
    d = c.doc("eject", 0, "QMP eject (host side, qmp-eject.py)")
    c.field(d, "marker_seen", lambda v: v is True, "is true (the guest asked for the eject)")
    c.field(d, "eject", lambda v: isinstance(v, dict) and "return" in v,
            "has QMP's \"return\" (the eject was acknowledged)")
    c.field(d, "after.medium", lambda v: v is None, "is null (QEMU's drive holds no medium)")
    # The guest's kernel closes the tray again when something opens the empty
    # drive (the cdrom driver's auto-close): the event shows it opened.
    c.field(d, "events", lambda v: isinstance(v, list) and any(
        e.get("event") == "DEVICE_TRAY_MOVED" and (e.get("data") or {}).get("tray-open") is True
        for e in v if isinstance(e, dict)), "has DEVICE_TRAY_MOVED with tray-open true")
    d = c.doc("medium", 0, "the guest's kernel saw the drive empty")
    c.field(d, "gone", lambda v: v is True, "is true")
    d = c.doc("install", EXIT_NOMEDIA, ("./install.sh -n --json" if mounted else
              "installer install -n --json") + " with the CD ejected: refused")
    c.field(d, "exit", lambda v: v == EXIT_NOMEDIA, f"is {EXIT_NOMEDIA} (media lost)")
    c.field(d, "changed", lambda v: v is False, "is false")
    if not mounted:
        c.field(d, "media_device", lambda v: v in CD_DEVICES,
                "is /dev/sr0 or /dev/cdrom (it had found the CD itself)")
    c.field(d, "message", lambda v: isinstance(v, str) and "the media cannot be read" in v,
            "says the media cannot be read")
    c.field(d, "message", lambda v: isinstance(v, str) and "nothing was changed" in v,
            "says nothing was changed")
    c.unchanged("rootdiff", "the root is as it was (file list, sha256 of /etc /usr "
                "/var/lib/dpkg, dpkg status)")
    c.unchanged("dpkgdiff", "dpkg's package list is as it was")
    s = c.section("leftovers")
    if s is not None:
        c.check(s.rc == 0 and not s.text.strip(),
                "no mount and no guest-tools temporary folder left behind", s.text)
    d = c.doc("status", EXIT_OK, "installer status --json afterwards")
    c.field(d, "installed", lambda v: v is False, "is false (status: not installed)")


def scenario_install_ejected(c):
    ejected(c, mounted=False)


def scenario_install_ejected_mounted(c):
    ejected(c, mounted=True)


def scenario_install_killed(c):
    """A run killed (SIGKILL) while it had the CD mounted on its own folder;
    the next install detaches and removes what it left (guest/lib.sh)."""
    s = c.section("mounts-before")
    if s is not None:
        c.check(not s.text.strip(), "no iso9660 mounted before the installer ran", s.text)
    d = c.doc("killed", 0, "the installer stopped itself with the CD mounted, then kill -9")
    c.field(d, "exit", lambda v: v == 128 + 9, "is 137 (killed by SIGKILL)")
    folder = f"/run/guest-tools-{d.get('pid')}-" if isinstance(d, dict) else None
    c.field(d, "mounts", lambda v: isinstance(v, str) and " iso9660 " in v and folder in v,
            "shows the CD still mounted on the killed run's /run/guest-tools-PID-* folder")
    c.field(d, "folders", lambda v: isinstance(v, str) and folder in v,
            "lists the killed run's folder")
    d = c.doc("install", EXIT_OK, "the next installer install -n -v --json")
    c.field(d, "media_device", lambda v: v in CD_DEVICES,
            "is /dev/sr0 or /dev/cdrom (it found the CD itself)")
    c.field(d, "changed", lambda v: v is True, "is true (the killed run had changed nothing)")
    err = c.sections.get("install.stderr")
    c.check(err is not None and "left by a run that was killed" in err.text,
            "its log says it removed the folder the killed run left",
            err.text if err is not None else "no stderr")
    s = c.section("leftovers")
    if s is not None:
        c.check(s.rc == 0 and not s.text.strip(),
                "no iso9660 mount and no guest-tools folder left (the stale mount is gone)",
                s.text)
    d = c.doc("status", EXIT_OK, "installer status --json")
    c.field(d, "installed", lambda v: v is True, "is true")
    c.agent(installed=True, name=c.chosen)


def scenario_install_sigint(c):
    """Ctrl-C (SIGINT) at the confirmation prompt while the installer has the
    CD mounted on its own folder: cancelled, exit 1, the CD unmounted, nothing
    changed (guest/scenario-install-sigint.sh)."""
    s = c.section("mounts-before")
    if s is not None:
        c.check(not s.text.strip(), "no iso9660 mounted before the installer ran", s.text)
    d = c.doc("prompt", 0, "the installer waited at its prompt")
    folder = f"/run/guest-tools-{d.get('pid')}-" if isinstance(d, dict) else None
    c.field(d, "mounts", lambda v: isinstance(v, str) and " iso9660 " in v and folder in v,
            "shows the CD mounted on the installer's /run/guest-tools-PID-* folder")
    s = c.rc("install", EXIT_FAILURE, "SIGINT at the prompt: not killed by it (130), cancelled")
    if s is not None:
        c.check("cancelled; nothing was changed" in s.text, "it says it was cancelled", s.text)
    s = c.section("leftovers")
    if s is not None:
        c.check(s.rc == 0 and not s.text.strip(),
                "no iso9660 mount and no guest-tools folder left (the CD was unmounted)",
                s.text)
    c.unchanged("rootdiff", "the root is unchanged")
    c.unchanged("dpkgdiff", "the dpkg database is unchanged")
    d = c.doc("status", EXIT_OK, "installer status --json")
    c.field(d, "installed", lambda v: v is False, "is false")
    c.agent(installed=False)


def scenario_install_tampered(c):
    c.media()
    c.rc("install", EXIT_INTEGRITY, "install.sh -n on an altered payload: refused")
    c.unchanged("rootdiff", "the refused install left the root as it was")
    c.agent(installed=False)


def powercut(c, cut):
    """The power failed right after the installer's CUT journal record was
    durable (QMP quit); the same disk booted again and the next install must
    leave the guest either fully installed or exactly as before
    (guest/scenario-install-powercut.sh)."""
    d = c.doc("cut-stopped", 0, "the installer stopped itself right after a journal record")
    c.field(d, "state", lambda v: v in ("T", "t"), f"is T (stopped by GT_TEST_STOP_AT={cut})")
    c.field(d, "journal_last", lambda v: v == cut, f"is '{cut}' (the record just made durable)")
    d = c.doc("powercut", 0, "QMP quit: the plug pulled (host side, qmp-eject.py)")
    c.field(d, "marker_seen", lambda v: v is True, "is true (the guest was ready)")
    c.field(d, "quit", lambda v: isinstance(v, dict) and "return" in v,
            "has QMP's \"return\" (QEMU quit without a shutdown)")
    d = c.doc("after-cut", 0, "the same disk booted again")
    c.field(d, "cut", lambda v: v == cut, f"is '{cut}' (the first boot ran up to the cut)")
    c.field(d, "journal", lambda v: v is True, "is true (the journal survived the power cut)")
    c.field(d, "journal_last", lambda v: v == cut,
            f"is '{cut}' (the record made durable before the cut is there)")
    s = c.section("install")
    if s is None:
        return
    d = s.json()
    if s.rc == EXIT_OK:
        # Fully installed: the interrupted run recovered, the package as dpkg
        # recorded it, the installer's record, no journal.
        c.check(d is not None, "the next install: stdout is one JSON document", c.evidence(s))
        c.field(d, "recovered_interrupted_run", lambda v: v is True,
                "is true (the next install recovered the cut run)")
        c.field(d, "result", lambda v: v in ("installed", "unchanged"),
                "is installed or unchanged (fully installed)")
        d = c.doc("status", EXIT_OK, "installer status --json")
        c.field(d, "installed", lambda v: v is True, "is true")
        d = c.doc("journal", 0, "the journal after the next install")
        c.field(d, "journal_left", lambda v: v is False, "is false (no run half-done)")
        s = c.section("audit")
        if s is not None:
            c.check(s.rc == 0 and not s.text.strip(),
                    "dpkg --audit: no package half-installed", c.evidence(s))
        s = c.section("dpkg-verify")
        if s is not None:
            c.check(s.rc == 0 and not s.text.strip(),
                    "dpkg --verify: every installed file as its package's md5sums say "
                    "(nothing the cut lost)", c.evidence(s))
        c.agent(installed=True)
    else:
        # Refused: then its report must say so, and the guest be exactly as before.
        c.check(isinstance(d, dict) and d.get("exit") == s.rc,
                f"the next install refused (exit {s.rc}) with its JSON report saying so",
                c.evidence(s))
        c.unchanged("rootdiff", "the root is exactly as before the cut run")
        c.unchanged("dpkgdiff", "dpkg's package list is exactly as before")


def p2h(d):
    """detect's pv_to_hvm section, or None."""
    v = d.get("pv_to_hvm") if isinstance(d, dict) else None
    return v if isinstance(v, dict) else None


def p2h_checks(d):
    """{id: check} of detect's pv_to_hvm.checks."""
    v = p2h(d) or {}
    return {c.get("id"): c for c in v.get("checks") or [] if isinstance(c, dict)}


class PvChecker:
    """The pv-to-hvm checks (tests/e2e/pv-to-hvm.sh writes host.log, the
    guest's guest/scenario-pv-to-hvm.sh results.log)."""

    def __init__(self, c):
        self.c = c
        plan = c.sections.get("plan")
        self.plan = plan.json() if plan is not None else None
        c.check(isinstance(self.plan, dict), "the host wrote its plan (what the installer can do)",
                plan.text if plan is not None else "no 'plan' section in host.log")
        self.plan = self.plan if isinstance(self.plan, dict) else {}

    def can(self, step):
        return self.plan.get(step) is True

    def skip(self, what, step):
        self.c.results.skip(what, self.plan.get("why_" + step) or "the host's plan says no")

    def disk(self):
        c = self.c
        d = c.doc("disk", 0, "the PV-layout disk image")
        c.field(d, "boot_code_zero", lambda v: v is True,
                "is true (sector 0's boot code area, bytes 0-439, is all zero)")
        c.field(d, "signature", lambda v: v == "55aa", "is 55aa (a valid MBR partition table)")
        c.field(d, "table.partitiontable.label", lambda v: v == "dos", "is dos (msdos label)")
        c.field(d, "table.partitiontable.partitions",
                lambda v: isinstance(v, list) and len(v) == 1 and v[0].get("start") == 2048
                and v[0].get("type") == "83",
                "is one Linux partition starting at sector 2048 (1 MiB)")

    def not_ready(self, d, what):
        """pv_to_hvm says ready false and names the boot code and console."""
        c = self.c
        c.field(d, "pv_to_hvm.ready", lambda v: v is False, f"is false ({what})")
        checks = p2h_checks(d)
        for cid in ("boot_code", "console"):
            ch = checks.get(cid)
            c.check(isinstance(ch, dict) and ch.get("ok") is False and bool(ch.get("fix")),
                    f"{what}: check '{cid}' is not ok, with a fix in words",
                    json.dumps(ch) if ch is not None else
                    f"no check '{cid}' in:\n{json.dumps(p2h(d), indent=1)}")

    def ready(self, d, what):
        c = self.c
        c.field(d, "pv_to_hvm.ready", lambda v: v is True, f"is true ({what})")
        bad = [k for k, ch in p2h_checks(d).items() if ch.get("ok") is not True]
        c.check(bool(p2h_checks(d)) and not bad, f"{what}: every pv_to_hvm check is ok",
                "not ok: " + ", ".join(map(str, bad)) if bad else "no checks")

    def boot0(self):
        """The negative control: SeaBIOS from the disk, no -kernel."""
        c = self.c
        s = c.section("seabios0")
        if s is not None:
            c.check("Booting from Hard Disk" in s.text, "boot 0: SeaBIOS tried the hard disk",
                    s.text[-1500:])
            c.check("Booting from 0000:7c00" in s.text,
                    "boot 0: SeaBIOS found the 0x55AA signature and jumped to the boot sector",
                    s.text[-1500:])
        s = c.section("registers0")
        if s is not None:
            m = re.search(r"CR0=([0-9a-fA-F]+)", s.text)
            c.check(m is not None and int(m.group(1), 16) & 1 == 0,
                    "boot 0: the CPU is still in real mode 5 s later (CR0.PE 0: no boot loader "
                    "or kernel ran)", s.text[-2000:])
        s = c.section("console0")
        if s is not None:
            c.check("Linux version" not in s.text and "login:" not in s.text,
                    "boot 0: no kernel and no login prompt on the serial console", s.text[-1500:])

    def offline(self):
        c = self.c
        if not self.can("p2h"):
            return self.skip("offline: detect --pv-to-hvm --root MNT --disk IMG says ready false",
                             "p2h")
        d = c.doc("detect-offline", EXIT_OK, "offline: installer detect --pv-to-hvm --root --disk")
        self.not_ready(d, "offline, before boot 1")

    def boot1(self):
        """The PV way: -kernel/-initrd from the image, the console on hvc0."""
        c = self.c
        d = c.doc("pygrub", 0, "boot 1: the kernel, initrd and command line of grub.cfg")
        c.field(d, "cmdline", lambda v: "console=hvc0" in v.split() and
                not any(w.startswith("console=tty") for w in v.split()),
                "names console=hvc0 only (a PV guest's console)")
        d = c.doc("console-pv", 0, "boot 1: the guest's consoles")
        c.field(d, "active", lambda v: v == "hvc0", "is hvc0 (the kernel's only console)")
        c.field(d, "gettys", lambda v: v == "hvc0", "is hvc0 only (no getty on tty1 or ttyS0)")
        s = c.section("ttyS0-pv")
        if s is not None:
            c.check(not s.text.strip(), "boot 1: nothing on ttyS0 (the console is hvc0 only)",
                    s.text[-1500:])
        s = c.section("hvc0-pv")
        if s is not None:
            c.check(f"{PV_HOST} login:" in s.text, "boot 1: a login prompt on hvc0", s.text)
        c.media()
        d = c.doc("detect-pv", EXIT_OK, "boot 1: installer detect --json")
        c.field(d, "distro.id", lambda v: v == "debian", "is debian")
        c.field(d, "arch", lambda v: v == "x86_64", "is x86_64")
        if self.can("p2h"):
            self.not_ready(d, "boot 1, before prepare-hvm")
        else:
            self.skip("boot 1: detect --pv-to-hvm says ready false", "p2h")
        if not self.can("prepare"):
            self.skip("boot 1: prepare-hvm fixes the boot code and the console", "prepare")
            return
        d = c.doc("prepare", EXIT_OK, "boot 1: installer prepare-hvm --json")
        c.field(d, "changed", lambda v: v is True, "is true (prepare-hvm changed the guest)")
        c.field(d, "ready", lambda v: v is True, "is true (prepare-hvm's own verdict)")
        d = c.doc("detect-prepared", EXIT_OK, "boot 1: installer detect --pv-to-hvm --json again")
        self.ready(d, "boot 1, after prepare-hvm")

    def boot2(self):
        """The HVM way: SeaBIOS from the disk's own boot code."""
        c = self.c
        if not self.can("prepare"):
            self.skip("boot 2: SeaBIOS boots the prepared disk to a login prompt on ttyS0",
                      "prepare")
            self.skip("step 5: uninstall restores the MBR and the files byte for byte", "prepare")
            return
        s = c.section("seabios2")
        if s is not None:
            c.check("Booting from 0000:7c00" in s.text,
                    "boot 2: SeaBIOS booted from the disk's boot sector", s.text[-1500:])
        s = c.section("console2")
        if s is not None:
            c.check(re.search(rf"^{PV_HOST} login:", s.text.replace("\r", ""), re.M) is not None,
                    "boot 2: a login prompt on the serial console (ttyS0)", s.text[-2500:])
        d = c.doc("console-hvm", 0, "boot 2: the guest's consoles")
        c.field(d, "gettys", lambda v: "ttyS0" in v.split(), "include ttyS0")
        s = c.section("hvm-end")
        c.check(s is not None and s.text.strip() == "2",
                "boot 2: the guest's own first-boot job ran to its end (the HVM boot reached "
                "multi-user)", s.text if s is not None else "")
        d = c.doc("detect-hvm", EXIT_OK, "boot 2: installer detect --pv-to-hvm --json")
        self.ready(d, "boot 2, booted as HVM")
        d = c.doc("uninstall", EXIT_OK, "boot 2: installer uninstall --yes --json")
        # The journal named the disk vda (virtio, boot 1); booted HVM on IDE it
        # is sda: found by its identity (signature and partition table).
        c.field(d, "notes", lambda v: any(re.fullmatch(
                r"boot sector of /dev/sd[a-z] \(recorded as /dev/vda\): restored", n) for n in v),
                "name the disk found by its identity under its HVM name")
        c.unchanged("host-mbrdiff", "step 5: sector 0 up to the partition (1 MiB) is byte for byte "
                    "as before boot 1")
        c.unchanged("host-rootdiff", "step 5: the file tree (path, type, mode, size, sha256) is as "
                    "before boot 1")


def scenario_pv_to_hvm(c):
    p = PvChecker(c)
    p.disk()
    p.offline()
    p.boot0()
    p.boot1()
    p.boot2()


def scenario_pv_to_hvm_nogrub(c):
    """No grub package in the image: prepare-hvm (offline, --root --disk) must
    say it cannot make it ready, name the package, and change nothing."""
    p = PvChecker(c)
    p.disk()
    s = c.section("prepare-offline")
    if s is None:
        return
    c.check(s.rc != EXIT_OK, "prepare-hvm without grub-pc: a non-zero exit (not made ready)",
            c.evidence(s))
    d = s.json()
    c.check(d is not None, "prepare-hvm without grub-pc: stdout is one JSON document",
            c.evidence(s))
    c.field(d, "ready", lambda v: v is False, "is false (prepare-hvm without grub-pc)")
    c.field(d, "changed", lambda v: v is False, "is false (prepare-hvm without grub-pc)")
    c.field(d, "cannot", lambda v: isinstance(v, list) and any(
        isinstance(x, dict) and x.get("check") == "boot_code" and "grub-pc" in
        str(x.get("command")) and "grub-pc" in str(x.get("text")) for x in v),
        "names boot_code with the package to install, in words and as a command "
        "(grub-pc)")
    c.unchanged("host-mbrdiff", "prepare-hvm without grub-pc: the MBR is unchanged")
    c.unchanged("host-rootdiff", "prepare-hvm without grub-pc: the file tree is unchanged")


SCENARIOS = {
    "detect": scenario_detect,
    "install": scenario_install,
    "install-selfmount": scenario_install_selfmount,
    "install-tampered": scenario_install_tampered,
    "install-ejected": scenario_install_ejected,
    "install-ejected-mounted": scenario_install_ejected_mounted,
    "install-killed": scenario_install_killed,
    "install-powercut-pkg": lambda c: powercut(c, "pkg"),
    "install-powercut-commit": lambda c: powercut(c, "commit"),
    "install-sigint": scenario_install_sigint,
    "pv-to-hvm": scenario_pv_to_hvm,
    "pv-to-hvm-nogrub": scenario_pv_to_hvm_nogrub,
}


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in SCENARIOS:
        print("usage: check.py {%s} RESULTS_LOG [HOST_LOG]" % ",".join(SCENARIOS),
              file=sys.stderr)
        return 2
    scenario, log = sys.argv[1], sys.argv[2]
    try:
        sections, done = parse(log)
    except OSError as e:
        print(f"check.py: {log}: {e.strerror}", file=sys.stderr)
        sections, done = {}, None
    # The host's sections come from HOST_LOG only: the guest cannot claim
    # the eject happened.
    host = {}
    if len(sys.argv) == 4:
        try:
            host, _ = parse(sys.argv[3])
        except OSError as e:
            print(f"check.py: {sys.argv[3]}: {e.strerror}", file=sys.stderr)
    for name in HOST_SECTIONS:
        sections.pop(name, None)
    if sections or scenario in HOST_ONLY:
        sections.update({k: v for k, v in host.items() if k in HOST_SECTIONS})
    c = Checker(scenario, sections, done)
    if scenario not in HOST_ONLY:
        c.finished()
    if c.sections or scenario in HOST_ONLY:
        SCENARIOS[scenario](c)
    return c.results.finish(f"e2e-{scenario}")


if __name__ == "__main__":
    sys.exit(main())
