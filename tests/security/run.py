#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The signed manifest, end to end: real ISOs from mkisotool, a real install;
and the guest image as an attacker (--root IMG): its journal, installed
record, state and log directories are hostile input.

Keys are made with `mkisotool keygen`; $INSTALLER was built with
PUBKEYS=$KEY_A (tests/security/build.mk), $INSTALLER_NOKEY without keys.
Every install goes into a fresh Alpine-like root with a tgz payload (the
helpers of tests/integration/run.py); a refused one must exit 5 and leave
the root exactly as it was.
Usage: INSTALLER=... INSTALLER_NOKEY=... MKISOTOOL=... KEY_A=a KEY_B=b run.py [RESULTS]
(KEY_A and KEY_B are keygen prefixes: PREFIX.sec and PREFIX.pub.)
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

harness.configure(show_passes=True)
spec = importlib.util.spec_from_file_location(
    "integration", os.path.join(REPO, "tests/integration/run.py"))
integ = importlib.util.module_from_spec(spec)
spec.loader.exec_module(integ)

INSTALLER = os.path.abspath(os.environ["INSTALLER"])
INSTALLER_NOKEY = os.path.abspath(os.environ["INSTALLER_NOKEY"])
MKISOTOOL = os.path.abspath(os.environ["MKISOTOOL"])
KEY_A = os.path.abspath(os.environ["KEY_A"])
KEY_B = os.path.abspath(os.environ["KEY_B"])



def sh(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def make_iso(tmp, name, tgz, sign=None, version="0.1.0"):
    d = os.path.join(tmp, "src-" + name)
    os.makedirs(d)
    shutil.copy(tgz, d)
    with open(os.path.join(d, "MANIFEST.build"), "w") as f:
        f.write(f"guest-tools-manifest 1\nlabel guest-tools\nversion {version}\n"
                f"package Linux/tgz/{os.path.basename(tgz)} src={os.path.basename(tgz)} "
                "family=tgz arch=x86_64\n")
    iso = os.path.join(tmp, name + ".iso")
    args = [MKISOTOOL, "build", "-q", "-m", os.path.join(d, "MANIFEST.build"), "-o", iso,
            "--source-date-epoch", "1700000000"]
    if sign:
        args += ["--sign", sign + ".sec"]
    p = sh(*args)
    if p.returncode:
        raise RuntimeError(p.stderr)
    return iso


def flip(iso, marker, new):
    """Replaces the one occurrence of @marker in the image by @new (same length)."""
    with open(iso, "r+b") as f:
        data = f.read()
        assert data.count(marker) == 1, (marker, data.count(marker))
        f.seek(data.find(marker))
        f.write(new)


def install(tmp, name, iso, *extra, installer=INSTALLER):
    root = integ.tgz_root(tmp, "root-" + name)
    before = integ.snapshot(root)
    log = os.path.join(tmp, name + ".log")
    p = sh(installer, "install", "--root", root, "--media", iso, "--yes", "--json",
           "--log", log, *extra)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    logged = open(log).read() if os.path.exists(log) else ""
    changed = integ.diff(before, integ.snapshot(root))
    return p, out, logged, changed


def refused(name, tmp, iso, pattern):
    p, out, logged, changed = install(tmp, name, iso)
    check(f"{name}: exit 5", p.returncode == 5, (p.returncode, p.stderr[-400:]))
    check(f"{name}: says why", pattern in p.stderr and out and pattern in out["message"],
          (pattern, p.stderr[-400:]))
    check(f"{name}: nothing touched", changed is None, changed)


SUITE = os.environ.get("GT_SUITE", "signature")


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else None
    if os.geteuid() != 0:
        harness.skip(SUITE, "needs root (installer install refuses otherwise)")
    else:
        run(harness.tempdir("gt-sig-"))
        integ.check_reports(check)
    return harness.finish(SUITE, results)


def run(tmp):
    tgz = integ.build_tgz(tmp, "test-agent", "1.0", [
        ("usr/bin/test-agent", "file", "#!/bin/sh\nexec sleep 1000\n"),
        ("etc/init.d/test-agent", "file", "#!/sbin/openrc-run\ncommand=/usr/bin/test-agent\n")])
    signed_a = make_iso(tmp, "signed-a", tgz, sign=KEY_A)
    signed_b = make_iso(tmp, "signed-b", tgz, sign=KEY_B)
    unsigned = make_iso(tmp, "unsigned", tgz)

    # mkisotool's own view of the three images.
    p = sh(MKISOTOOL, "verify", "--pubkey", KEY_A + ".pub", signed_a)
    check("mkisotool verify --pubkey: good signature", p.returncode == 0 and
          "(verified)" in p.stdout, (p.returncode, p.stdout, p.stderr))
    p = sh(MKISOTOOL, "verify", "--pubkey", KEY_A + ".pub", signed_b)
    check("mkisotool verify --pubkey: other key refused", p.returncode == 4 and
          "not by key" in p.stderr, (p.returncode, p.stderr))
    p = sh(MKISOTOOL, "verify", "--pubkey", KEY_A + ".pub", unsigned)
    check("mkisotool verify --pubkey: unsigned refused", p.returncode == 4 and
          "not signed" in p.stderr, (p.returncode, p.stderr))

    # The matching key: installed, and -v says the signature was verified.
    p, out, logged, changed = install(tmp, "good", signed_a, "-v")
    check("signed by the built-in key: installed", p.returncode == 0 and out and
          out["result"] == "installed", (p.returncode, p.stderr[-400:]))
    check("signed by the built-in key: -v says verified",
          "signed by trusted key" in p.stderr, p.stderr[-400:])

    refused("signed by another key", tmp, signed_b, "does not trust")
    refused("unsigned", tmp, unsigned, "missing")

    # One byte of Linux/MANIFEST changed after signing (it still parses).
    altered = os.path.join(tmp, "altered.iso")
    shutil.copy(signed_a, altered)
    flip(altered, b"version 0.1.0\n", b"version 0.1.1\n")
    refused("manifest altered after signing", tmp, altered, "bad signature")

    # One hex digit of the signature itself changed.
    badsig = os.path.join(tmp, "badsig.iso")
    shutil.copy(signed_a, badsig)
    with open(badsig, "rb") as f:
        data = f.read()
    i = data.find(b"guest-tools-signature 1\n")
    j = data.find(b"ed25519 ", i) + 8  # the signature's first hex digit
    old = data[i:j + 1]
    flip(badsig, old, old[:-1] + (b"1" if old[-1:] == b"0" else b"0"))
    refused("signature altered", tmp, badsig, "bad signature")

    # Overridden: installs, and says so loudly on stderr, in JSON and in the log.
    p, out, logged, changed = install(tmp, "skip", unsigned, "--insecure-skip-signature",
                                      "-q")
    check("--insecure-skip-signature: installed", p.returncode == 0 and out and
          out["result"] == "installed", (p.returncode, p.stderr[-400:]))
    check("--insecure-skip-signature: loud on stderr (even with -q)",
          "WARNING: INSECURE" in p.stderr, p.stderr[-400:])
    check("--insecure-skip-signature: in the JSON and the log", out and
          "INSECURE" in (out["message"] or "") and "INSECURE" in logged, (out, logged))

    test_downgrade(tmp)

    # Without built-in keys: as before signatures, and -v says so.
    p, out, logged, changed = install(tmp, "nokey", unsigned, "-v",
                                      installer=INSTALLER_NOKEY)
    if "signed by trusted key" in p.stderr or "does not trust" in p.stderr:
        harness.skip("no built-in key", "the default build was made with PUBKEYS")
    else:
        check("no built-in key: unsigned media installs", p.returncode == 0,
              (p.returncode, p.stderr[-400:]))
        check("no built-in key: -v says nothing is checked",
              "built without a trusted key" in p.stderr, p.stderr[-400:])


    hostile_image(tmp, signed_a)


# ---- The image under --root is hostile: its journal, records and state directory ----

CANARY = "/HOSTCANARY"
RUN_ID = "20261124T141500Z-4242"


def canary_gone():
    if os.path.lexists(CANARY):
        os.unlink(CANARY)


def write_state(root, name, lines, mode=0o600):
    d = os.path.join(root, "var/lib/guest-tools")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("".join("\t".join(fields) + "\n" for fields in lines))
    os.chmod(path, mode)
    return path


def debian_like_root(tmp, name):
    """A root whose dpkg database dpkg --root accepts (empty status), as a
    Debian image has it (dpkg's lib/dpkg/dbmodify.c wants these), and an
    os-release saying Debian."""
    root = os.path.join(tmp, name)
    for d in ("etc", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers",
              "var/log", "bin", "usr/bin"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        open(os.path.join(root, f), "w").close()
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n')
    shutil.copy("/bin/busybox", os.path.join(root, "bin/sh"))  # detect reads its ELF header
    return root


def run_json(*args, installer=INSTALLER):
    p = sh(installer, *args, "--json")
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def tool_option_checks(tmp):
    """What `--` does for the package tools themselves, on this machine: a
    package name of --pre-invoke=CMD (dpkg) or --pipe=CMD (rpm) runs CMD as an
    option (the control, which must create the canary, or the test proves
    nothing), and the same name after `--` is refused as a name."""
    root = debian_like_root(tmp, "tool-root")
    rroot = os.path.join(tmp, "tool-rpmroot")
    os.makedirs(rroot)
    sh("rpm", "--root", rroot, "--dbpath", "/var/lib/rpm", "--initdb")
    cases = (
        ("dpkg --purge", ["dpkg", f"--root={root}", "--purge"], f"--pre-invoke=touch {CANARY}"),
        ("rpm -q", ["rpm", "-q", "--root", rroot, "--dbpath", "/var/lib/rpm"],
         f"--pipe=touch {CANARY}"),
        ("rpm -e", ["rpm", "-e", "--root", rroot, "--dbpath", "/var/lib/rpm"],
         f"--pipe=touch {CANARY}"),
    )
    for label, argv, name in cases:
        canary_gone()
        sh(*argv, name, "bash")
        control = os.path.exists(CANARY)
        canary_gone()
        p = sh(*argv, "--", name)
        check(f"{label}: a hostile name is an option without \"--\" (control: canary made), "
              "a mere name after it (no canary)", control and not os.path.exists(CANARY),
              (control, p.returncode, p.stderr[-200:]))
        canary_gone()
    # dpkg-query runs nothing, but a "name" of --showformat=... would forge
    # its answer (the installer reads "installed" and a version from it).
    with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
        f.write("Package: bash\nStatus: install ok installed\nMaintainer: x <x@example.invalid>\n"
                "Architecture: all\nVersion: 5.2\nDescription: x\n")
    forged = "--showformat=installed\\n9.9\\n"
    p1 = sh("dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", forged)
    p2 = sh("dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", "--", forged)
    check("dpkg-query -W: a hostile name is an option without \"--\" (control: the answer "
          "is forged), a mere name after it", p1.stdout.startswith("installed\n9.9") and
          p2.returncode != 0 and "installed" not in p2.stdout, (p1.stdout, p2.returncode,
                                                                 p2.stderr[-200:]))


def hostile_records(tmp, iso):
    """Journal and installed records that name a package whose "name" is an
    option of its package tool: refused before anything is run (exit 8, the
    line named); the canary never appears on the host."""
    begin = ["begin", RUN_ID, "0.1.0", "Linux/deb/x.deb"]
    cases = (
        ("deb name --pre-invoke", "deb", ["pkg", "deb", f"--pre-invoke=touch {CANARY}", "-", "1.0-1"]),
        ("rpm name --pipe", "rpm", ["pkg", "rpm", f"--pipe=touch {CANARY}", "-", "1.0-1"]),
        ("service name -f", "deb", ["service", "--root=/", "systemd", "disabled"]),
        ("backup outside the backup folder", "deb",
         ["file", "/etc/os-release", "/etc/shadow", "reg", "0", "0", "0644", "0" * 64]),
    )
    for label, family, rec in cases:
        for where, verb in (("journal", "install"), ("journal", "uninstall"),
                            ("installed", "uninstall")):
            canary_gone()
            root = debian_like_root(tmp, f"hostile-{family}-{where}-{verb}-{len(rec[2])}")
            if family == "rpm":
                sh("rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--initdb")
            lines = [begin, rec]
            if where == "installed":
                lines = [begin, rec, ["commit", RUN_ID], ["uninstall", RUN_ID]]
            write_state(root, where, lines)
            before = integ.snapshot(root)
            args = [verb, "--root", root, "--yes"] + (["--media", iso] if verb == "install" else [])
            p, out = run_json(*args)
            check(f"hostile {where} ({label}): {verb} refuses it (exit 8, names the line)",
                  p.returncode == 8 and "line 2" in p.stderr and "nothing in it was acted on"
                  in p.stderr, (p.returncode, p.stderr[-300:]))
            check(f"hostile {where} ({label}): {verb} ran nothing: no {CANARY} on the host, "
                  "the image unchanged", not os.path.exists(CANARY) and
                  integ.diff(before, integ.snapshot(root)) is None,
                  integ.diff(before, integ.snapshot(root)))
            canary_gone()
            shutil.rmtree(root)


def unusable_journals(tmp, iso):
    """A journal that is a link (to the image's /etc/shadow), a FIFO, or 5 MiB
    of records: not one this installer writes; exit 8, nothing acted on."""
    def link(p):
        os.symlink("/etc/os-release", p)

    def fifo(p):
        os.mkfifo(p)

    def huge(p):
        with open(p, "w") as f:
            f.write("begin\t%s\t0.1.0\tx\n" % RUN_ID)
            f.write("dir\t/usr/share/x\n" * (5 << 16))

    for label, make in (("a symbolic link", link), ("a FIFO", fifo), ("5 MiB", huge)):
        for verb in ("install", "uninstall"):
            root = integ.tgz_root(tmp, f"unusable-{make.__name__}-{verb}")
            d = os.path.join(root, "var/lib/guest-tools")
            os.makedirs(d)
            make(os.path.join(d, "journal"))
            before = integ.snapshot(root)
            args = [verb, "--root", root, "--yes"] + (["--media", iso] if verb == "install" else [])
            p, out = run_json(*args)
            check(f"journal {label}: {verb} refuses it (exit 8), acting on nothing",
                  p.returncode == 8 and "nothing in it was acted on" in p.stderr and
                  integ.diff(before, integ.snapshot(root)) is None,
                  (p.returncode, p.stderr[-300:], integ.diff(before, integ.snapshot(root))))
            shutil.rmtree(root)


def unsafe_state_dirs(tmp, iso):
    """A state directory that is a link (to the image's /etc, with empty
    sudoers.d, cron.d and ssl/private folders and a record planted there), one
    owned by another user, one writable by others, a log directory that is a
    link, a lock file that is a link: every run stops (exit 12) and nothing in
    the image changes."""
    def etc_link(root):
        etc = os.path.join(root, "etc")
        for d in ("sudoers.d", "cron.d", "ssl/private"):
            os.makedirs(os.path.join(etc, d), exist_ok=True)
        with open(os.path.join(etc, "installed"), "w") as f:
            f.write("begin\t%s\t0.1.0\tx\ndir\t/etc/sudoers.d\ndir\t/etc/cron.d\n"
                    "dir\t/etc/ssl/private\ncommit\t%s\n" % (RUN_ID, RUN_ID))
        os.makedirs(os.path.join(root, "var/lib"), exist_ok=True)
        os.symlink("/etc", os.path.join(root, "var/lib/guest-tools"))

    def owned_by_1000(root):
        d = os.path.join(root, "var/lib/guest-tools")
        os.makedirs(d)
        os.chown(d, 1000, 1000)

    def world_writable(root):
        d = os.path.join(root, "var/lib/guest-tools")
        os.makedirs(d)
        os.chmod(d, 0o777)

    def log_link(root):
        os.makedirs(os.path.join(root, "var/log"), exist_ok=True)
        os.symlink("/etc", os.path.join(root, "var/log/guest-tools"))

    def lock_link(root):
        d = os.path.join(root, "var/lib/guest-tools")
        os.makedirs(d)
        os.symlink("/etc/os-release", os.path.join(d, "lock"))

    cases = (("state directory is a link to /etc", etc_link, ("install", "uninstall", "status"),
              "is a symbolic link to /etc"),
             ("state directory owned by uid 1000", owned_by_1000, ("install", "uninstall", "status"),
              "owned by uid 1000"),
             ("state directory writable by others", world_writable, ("install", "uninstall",
                                                                      "status"), "writable by others"),
             ("log directory is a link", log_link, ("install",), "is a symbolic link"),
             ("lock file is a link", lock_link, ("install",), "lock"))
    for label, make, verbs, says in cases:
        for verb in verbs:
            root = integ.tgz_root(tmp, f"unsafe-{make.__name__}-{verb}")
            make(root)
            before = integ.snapshot(root)
            args = [verb, "--root", root] + (["--yes", "--media", iso] if verb == "install" else
                                              ["--yes"] if verb == "uninstall" else [])
            p, out = run_json(*args)
            check(f"{label}: {verb} stops (exit 12) and says why",
                  p.returncode == 12 and says in p.stderr, (p.returncode, p.stderr[-300:]))
            d = integ.diff(before, integ.snapshot(root))
            check(f"{label}: {verb} changed nothing in the image (sudoers.d, cron.d, "
                  "ssl/private and the rest as they were)", d is None, d)
            shutil.rmtree(root)


def hostile_image(tmp, iso):
    if not os.path.exists("/usr/bin/dpkg") or not os.path.exists("/usr/bin/rpm"):
        harness.skip("hostile image", "dpkg and rpm are needed (make deps-check)")
        return
    canary_gone()
    try:
        tool_option_checks(tmp)
        hostile_records(tmp, iso)
        unusable_journals(tmp, iso)
        unsafe_state_dirs(tmp, iso)
    finally:
        canary_gone()


def test_downgrade(tmp):
    """Freshness: an older, validly signed ISO verifies, but installing from
    it over newer guest-tools (the installed record's version) or over a
    newer agent (the installed package's version) needs --allow-downgrade;
    the refusal names both versions, exits 13 and changes nothing."""
    def agent(version):
        t = integ.build_tgz(tmp, "test-agent", version, [
            ("usr/bin/test-agent", "file", f"#!/bin/sh\n# {version}\nexec sleep 1000\n"),
            ("etc/init.d/test-agent", "file", "#!/sbin/openrc-run\n")])
        d = os.path.join(tmp, "agent-" + version)
        os.makedirs(d)
        return shutil.move(t, d)

    new = make_iso(tmp, "v0.2.0", agent("2.0"), sign=KEY_A, version="0.2.0")
    old = make_iso(tmp, "v0.1.0", agent("1.0"), sign=KEY_A, version="0.1.0")
    older_agent = make_iso(tmp, "v0.3.0-agent0.5", agent("0.5"), sign=KEY_A,
                           version="0.3.0")
    newest = make_iso(tmp, "v0.3.0", agent("3.0"), sign=KEY_A, version="0.3.0")
    p = sh("bsdtar", "-xOf", old, "Linux/MANIFEST")
    check("downgrade: the signed manifest carries the version and the build time",
          "\nversion 0.1.0\nbuilt 2023-11-14T22:13:20Z\n" in p.stdout, p.stdout[:200])

    root = integ.tgz_root(tmp, "root-downgrade")

    def run(iso, *extra):
        p = sh(INSTALLER, "install", "--root", root, "--media", iso, "--yes", "--json",
               *extra)
        try:
            return p, json.loads(p.stdout)
        except ValueError:
            return p, None

    p, out = run(new)
    check("downgrade: guest-tools 0.2.0 (agent 2.0) installs", p.returncode == 0,
          (p.returncode, p.stderr[-300:]))
    before = integ.snapshot(root)
    p, out = run(old)
    msg = (out and out.get("message")) or ""
    check("downgrade: older signed media refused (exit 13), both versions named",
          p.returncode == 13 and "guest-tools 0.1.0 (Linux/MANIFEST, built 2023-11-14T22:13:20Z)" in msg and
          "guest-tools 0.2.0 installed" in msg and "--allow-downgrade" in msg and
          msg in p.stderr, (p.returncode, msg, p.stderr[-300:]))
    check("downgrade: ... and nothing changed", integ.diff(before, integ.snapshot(root)) is None,
          integ.diff(before, integ.snapshot(root)))
    p, out = run(old, "--allow-downgrade")
    check("downgrade: --allow-downgrade installs the older one",
          p.returncode == 0 and out and out["result"] == "installed" and
          out["payload"]["version"] == "1.0", (p.returncode, p.stderr[-300:]))
    before = integ.snapshot(root)
    p, out = run(older_agent)
    msg = (out and out.get("message")) or ""
    check("downgrade: newer guest-tools with an older agent refused (exit 13)",
          p.returncode == 13 and "test-agent 0.5" in msg and "test-agent 1.0 installed" in msg,
          (p.returncode, msg))
    check("downgrade: ... and nothing changed", integ.diff(before, integ.snapshot(root)) is None)
    p, out = run(newest)
    check("downgrade: newer guest-tools and agent install as usual",
          p.returncode == 0 and out and out["payload"]["version"] == "3.0",
          (p.returncode, p.stderr[-300:]))
    shutil.rmtree(root)


if __name__ == "__main__":
    sys.exit(main())
