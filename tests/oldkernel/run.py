#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The old-kernel promise: the static installer as if on Linux 2.6.32.

Usage: INSTALLER=build/installer OLDKERNEL_RUN=build/host/tests/oldkernel-run
       PROBE=build/host/tests/oldkernel-probe REAL_ISO=build/guest-tools.iso
       [I686_INSTALLER=build/i686/installer] tests/oldkernel/run.py [RESULTS]

x86_64, enforced: every command runs twice, plainly and under oldkernel-run
(tests/oldkernel/oldkernel-run.c: a seccomp filter that answers ENOSYS for
each of the 63 system calls 2.6.32 did not have, and EINVAL for the flags it
refused, to the installer's own processes only; the package tools it runs
are left alone). Outputs, exit codes and the roots it changed must be the
same, whatever it was denied; what it was denied is printed.
  - detect --json --root on every fixture of tests/fixtures;
  - collect --root on one fixture (the bundle's member list);
  - install, status, verify and uninstall of the real ISO into a tgz root
    (Alpine-like) and, when the integration suite's Debian root is cached, a
    deb root (dpkg runs unfiltered).
A self-test first proves the filter bites (a probe's getrandom gets ENOSYS,
newfstatat with AT_EMPTY_PATH and fcntl F_GETPIPE_SZ get EINVAL) and spares
other programs (the probe's child, another binary, gets none of that).

i686, observed only: this kernel runs no 32-bit programs (IA-32 emulation
off) and under qemu-i386-static a seccomp filter would see QEMU's own 64-bit
calls, not the installer's. So the i686 installer runs detect under
`qemu-i386-static -strace`, and every i386 call newer than 2.6.32 that it
makes is listed against the calls musl 1.2.3 falls back from on ENOSYS
(MUSL_I386_FALLBACKS); any other is a failure. Nothing is denied there: the
fallbacks themselves are not exercised on i686.
Needs root (the install steps).
"""
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

# The roots and their snapshots are the integration suite's (same package tools,
# same volatile paths).
_spec = importlib.util.spec_from_file_location(
    "integration", os.path.join(REPO, "tests/integration/run.py"))
integ = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(integ)
harness.configure(show_passes=True)
INSTALLER = os.path.abspath(os.environ.get("INSTALLER", os.path.join(REPO, "build/installer")))
RUNNER = os.path.abspath(os.environ.get("OLDKERNEL_RUN",
                                        os.path.join(REPO, "build/host/tests/oldkernel-run")))
PROBE = os.environ.get("PROBE")
REAL_ISO = os.environ.get("REAL_ISO")
I686 = os.environ.get("I686_INSTALLER")
NAMES64 = os.path.join(HERE, "syscalls-x86_64.txt")
NAMES32 = os.path.join(HERE, "syscalls-i386.txt")
FIXTURES = os.path.join(REPO, "tests", "fixtures")
# Fields of the installer's JSON that differ between any two runs.
VOLATILE_KEYS = {"started", "finished", "elapsed_ms", "duration_ms", "time", "log", "run_id"}
# A run's id, time and pid (installer/transaction/journal.c, gt_journal_begin):
# in the record under var/lib/guest-tools and in the backups' folder names.
RUN_ID = re.compile(r"\d{8}T\d{6}Z-\d+")
# i386 calls newer than 2.6.32 that musl tries first and falls back from when
# the kernel answers ENOSYS ("if (r != -ENOSYS) return r;" then the older call),
# read in the source of Debian's musl 1.2.3-1, which builds the installer:
MUSL_I386_FALLBACKS = {
    "statx": "src/stat/fstatat.c: fstatat_statx, then fstatat64/stat64",
    "clock_gettime64": "src/time/clock_gettime.c: SYS_clock_gettime (32-bit) on ENOSYS",
    "clock_nanosleep_time64": "src/time/clock_nanosleep.c: SYS_clock_nanosleep",
    "utimensat_time64": "src/stat/utimensat.c: SYS_utimensat, then utimes",
    "futex_time64": "src/thread/__timedwait.c: SYS_futex on ENOSYS",
    "ppoll_time64": "src/linux/ppoll.c: SYS_ppoll",
    "pselect6_time64": "src/select/pselect.c, select.c: SYS_pselect6",
    "rt_sigtimedwait_time64": "src/signal/sigtimedwait.c: SYS_rt_sigtimedwait",
    "socket": "src/internal/syscall.h __socketcall: SYS_socketcall on ENOSYS",
    "socketpair": "src/internal/syscall.h __socketcall",
    "bind": "src/internal/syscall.h __socketcall",
    "connect": "src/internal/syscall.h __socketcall",
    "getsockopt": "src/internal/syscall.h __socketcall",
    "setsockopt": "src/internal/syscall.h __socketcall",
    "getsockname": "src/internal/syscall.h __socketcall",
    "sendto": "src/internal/syscall.h __socketcall",
    "sendmsg": "src/internal/syscall.h __socketcall",
    "recvfrom": "src/internal/syscall.h __socketcall",
    "recvmsg": "src/internal/syscall.h __socketcall",
    "shutdown": "src/internal/syscall.h __socketcall",
    "faccessat2": "src/unistd/faccessat.c: faccessat, with a checker child for AT_EACCESS",
}


def sh(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(list(args), **kw)


class Denials:
    """What oldkernel-run answered, per command."""

    def __init__(self):
        self.by_call = {}

    def add(self, label, log):
        calls = {}
        with open(log) as f:
            for line in f:
                w = line.split()
                if len(w) == 3 and w[0] == "summary":
                    calls[w[1]] = calls.get(w[1], 0) + int(w[2])
        for c, n in calls.items():
            self.by_call.setdefault(c, []).append((label, n))
        return calls


DENIED = Denials()
_log_n = [0]


def filtered(tmp, label, *args):
    """The installer under oldkernel-run: (process, denied calls)."""
    _log_n[0] += 1
    log = os.path.join(tmp, f"denied-{_log_n[0]}.log")
    p = sh(RUNNER, "--names", NAMES64, "--log", log, "--", INSTALLER, *args)
    calls = DENIED.add(label, log) if os.path.exists(log) else {}
    return p, calls


def plain(*args):
    return sh(INSTALLER, *args)


def scrub(obj):
    if isinstance(obj, dict):
        return {k: scrub(v) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, list):
        return [scrub(v) for v in obj]
    return obj


def json_of(p):
    try:
        return scrub(json.loads(p.stdout))
    except ValueError:
        return None


def test_self(tmp):
    """The filter bites the program it runs and spares a different binary."""
    if not PROBE or not os.path.exists(PROBE):
        harness.fail("self-test: the probe", f"PROBE={PROBE}: not built")
        return False
    child = os.path.join(tmp, "probe-child")
    shutil.copy(PROBE, child)  # another inode: another program
    log = os.path.join(tmp, "self.log")
    p = sh(RUNNER, "--names", NAMES64, "--log", log, "--", PROBE, "old", child)
    out = p.stdout
    ok = check("self-test: the program gets ENOSYS for getrandom (3.17)",
               "getrandom ENOSYS" in out, out + p.stderr)
    check("self-test: the program gets EINVAL for newfstatat AT_EMPTY_PATH (2.6.39)",
          "fstatat-empty-path EINVAL" in out, out)
    check("self-test: the program gets EINVAL for fcntl F_GETPIPE_SZ (2.6.35)",
          "getpipe-sz EINVAL" in out, out)
    check("self-test: a program it starts is not filtered",
          "child getrandom ok" in out and "child fstatat-empty-path ok" in out
          and p.returncode == 0, (p.returncode, out, p.stderr))
    with open(log) as f:
        text = f.read()
    check("self-test: the denials are logged by name",
          "summary getrandom 1" in text and "summary newfstatat 1" in text, text)
    return ok


def test_detect(tmp):
    fixtures = sorted(d for d in os.listdir(FIXTURES)
                      if os.path.isdir(os.path.join(FIXTURES, d)))
    if not check("detect: fixtures found", len(fixtures) >= 10, fixtures):
        return
    for fx in fixtures:
        root = os.path.join(FIXTURES, fx)
        a = plain("detect", "--json", "--root", root)
        b, calls = filtered(tmp, f"detect {fx}", "detect", "--json", "--root", root)
        check(f"detect --root {fx}: the same answer as on today's kernel",
              a.returncode == b.returncode and a.stdout == b.stdout and a.stdout,
              (a.returncode, b.returncode, b.stderr[-300:], calls))


def test_collect(tmp):
    root = os.path.join(FIXTURES, "xen-pvhvm")
    out_a, out_b = os.path.join(tmp, "a.tar.gz"), os.path.join(tmp, "b.tar.gz")
    a = plain("collect", out_a, "--root", root, "-q")
    b, calls = filtered(tmp, "collect", "collect", out_b, "--root", root, "-q")

    def members(path):
        try:
            with tarfile.open(path) as t:
                return sorted((m.name, m.size) for m in t.getmembers())
        except (OSError, tarfile.TarError):
            return None
    ma, mb = members(out_a), members(out_b)
    check("collect --root: the same bundle members as on today's kernel",
          a.returncode == 0 and b.returncode == 0 and ma and ma == mb,
          (a.returncode, b.returncode, b.stderr[-300:], calls))


def snapshot(root):
    """The integration suite's snapshot with each run id made "RUN" (in the
    installer's own files and in paths): two runs never share one."""
    out = {}
    for rel, v in integ.snapshot(root).items():
        if v.startswith("F") and rel.startswith("var/lib/guest-tools/"):
            with open(os.path.join(root, rel), "rb") as f:
                data = re.sub(RUN_ID.pattern.encode(), b"RUN", f.read())
            v = v.split(":")[0] + ":" + hashlib.sha256(data).hexdigest()
        out[RUN_ID.sub("RUN", rel)] = v
    return out


def lifecycle(tmp, family, make_root):
    """install, status, verify, uninstall: plainly in one root, filtered in its twin."""
    ra, rb = make_root("plain-" + family), make_root("old-" + family)
    steps = (("install", "--root", "{root}", "--media", REAL_ISO, "--yes", "--json",
              "--log", "{log}"),
             ("status", "--root", "{root}", "--json"),
             ("verify", "--root", "{root}", "--json"),
             ("uninstall", "--root", "{root}", "--yes", "--json"))
    for step in steps:
        name = step[0]

        def argv(root, tag):
            return [s.format(root=root, log=os.path.join(tmp, f"{family}-{tag}-{name}.log"))
                    for s in step]
        a = plain(*argv(ra, "a"))
        b, calls = filtered(tmp, f"{name} ({family})", *argv(rb, "b"))
        ja, jb = json_of(a), json_of(b)
        check(f"{name} ({family} root): the same exit code and JSON as on today's kernel",
              a.returncode == b.returncode and ja is not None and
              json.dumps(ja, sort_keys=True).replace(ra, "R") ==
              json.dumps(jb, sort_keys=True).replace(rb, "R"),
              (a.returncode, b.returncode, b.stderr[-400:], calls))
        if name == "install":
            check(f"install ({family} root): it installed", a.returncode == 0,
                  (a.returncode, a.stderr[-400:]))
        d = integ.diff(snapshot(ra), snapshot(rb))
        check(f"{name} ({family} root): the root is the same as on today's kernel",
              d is None, d)


def test_install(tmp):
    if not REAL_ISO or not os.path.isfile(REAL_ISO):
        harness.fail("install: the real ISO", f"REAL_ISO={REAL_ISO}: not built (make iso)")
        return
    lifecycle(tmp, "tgz", lambda n: integ.tgz_root(tmp, n))
    deb = os.path.join(integ.CACHE, "bookworm-minbase")
    if os.path.isdir(os.path.join(deb, "var/lib/dpkg")):
        lifecycle(tmp, "deb", lambda n: integ.copy_root(deb, os.path.join(tmp, n)))
    else:
        harness.skip("install (deb root)", f"{deb}: not cached here (check-integration "
                     "makes it with debootstrap)")


def test_i686(tmp):
    if not I686 or not os.path.exists(I686):
        harness.skip("i686: new calls", f"I686_INSTALLER={I686}: not built (make i686)")
        return
    qemu = shutil.which("qemu-i386-static")
    if not qemu:
        harness.skip("i686: new calls", "qemu-i386-static is not installed (make deps-check)")
        return
    new = {}
    with open(NAMES32) as f:
        for line in f:
            w = line.split(None, 2)
            if len(w) == 3 and not line.startswith("#"):
                new[w[1]] = w[2].strip()
    used = {}
    for fx in ("xen-pvhvm", "xen-pv-centos6", "kvm-alpine-openrc"):
        p = sh(qemu, "-strace", I686, "detect", "--json", "--root",
               os.path.join(FIXTURES, fx))
        plain64 = plain("detect", "--json", "--root", os.path.join(FIXTURES, fx))
        check(f"i686 detect --root {fx} under qemu: the x86_64 answer but the arch",
              p.returncode == plain64.returncode and '"hypervisor"' in p.stdout,
              (p.returncode, p.stderr[-300:]))
        for m in re.finditer(r"^\d+ (\w+)\(", p.stderr, re.M):
            if m.group(1) in new:
                used.setdefault(m.group(1), set()).add(fx)
    print("i686 (observed under qemu-i386-static -strace, not enforced): calls after "
          "2.6.32: " + (", ".join(f"{c} ({new[c]})" for c in sorted(used)) or "none"))
    for c in sorted(used):
        check(f"i686: {c} ({new[c]}) is one musl falls back from on ENOSYS",
              c in MUSL_I386_FALLBACKS, f"{c}: used by the i686 installer; no known fallback "
              "on a 2.6.32 kernel")


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else None
    if os.geteuid() != 0:
        harness.skip("oldkernel", "needs root (installs into roots)")
        return harness.finish("oldkernel", results)
    tmp = harness.tempdir("gt-oldkernel-")
    if test_self(tmp):
        test_detect(tmp)
        test_collect(tmp)
        test_install(tmp)
    test_i686(tmp)
    print("x86_64 calls denied to the installer (call: command x count):")
    for c in sorted(DENIED.by_call):
        print(f"  {c}: " + ", ".join(f"{lab} x{n}" for lab, n in DENIED.by_call[c]))
    if not DENIED.by_call:
        print("  none: it made no call newer than 2.6.32 and no flag 2.6.32 refused")
    return harness.finish("oldkernel", results)


if __name__ == "__main__":
    sys.exit(main())
