#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The signed manifest, end to end: real ISOs from mkisotool, a real install.

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
