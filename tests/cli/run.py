#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CLI tests of the installer binary: fixture trees, bad input, exit codes.

Usage: INSTALLER=build/installer tests/cli/run.py SUITE [RESULTS_DIR]
Each fixture in tests/fixtures/ with an expect.json is run through
`detect --root --json` and checked; then the command line and hostile
inputs are checked for their documented exit codes (installer(8)).
"""
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
FIXTURES = os.path.join(REPO, "tests", "fixtures")
INSTALLER = os.environ.get("INSTALLER", os.path.join(REPO, "build", "installer"))
EXIT_OK, EXIT_USAGE, EXIT_INPUT = 0, 2, 8


def run(*args, timeout=30):
    return subprocess.run([INSTALLER, *args], capture_output=True, text=True,
                          errors="replace", timeout=timeout)


def detect_json(root, name):
    p = run("detect", "--root", root, "--json")
    try:
        return p, json.loads(p.stdout)
    except ValueError as e:
        check(name + " (valid JSON)", False, f"{e}; stdout={p.stdout[:200]!r} "
              f"stderr={p.stderr[:300]!r} rc={p.returncode}")
        return p, None


def test_fixtures():
    for name in sorted(os.listdir(FIXTURES)):
        exp_path = os.path.join(FIXTURES, name, "expect.json")
        if not os.path.isfile(exp_path):
            continue
        with open(exp_path) as f:
            exp = json.load(f)
        p, out = detect_json(os.path.join(FIXTURES, name), name)
        if out is None:
            continue
        check(f"{name}: exit code", p.returncode == EXIT_OK, f"{p.returncode} {p.stderr}")
        v, d, r = out["virt"], out["distro"], out["rootfs"]
        simple = {"hypervisor": v["hypervisor"], "mode": v["mode"], "distro_id": d["id"],
                  "family": d["family"], "major": d["major"], "init": out["init"],
                  "rootfs_type": r["type"], "flagged": r["flagged"]}
        for key, got in simple.items():
            if key in exp:
                check(f"{name}: {key}", got == exp[key], f"got {got!r}, want {exp[key]!r}")
        for dev, (kind, driver, pv) in exp.get("devices", {}).items():
            found = [x for x in v["devices"] if x["name"] == dev]
            check(f"{name}: device {dev}", found and found[0]["kind"] == kind and
                  found[0]["driver"] == driver and found[0]["pv"] == pv,
                  f"got {found}, want {kind}/{driver}/pv={pv}")
        for text in exp.get("reasons_contain", []):
            check(f"{name}: reason '{text}'", any(text in x for x in v["reasons"]),
                  f"reasons: {v['reasons']}")
        if "warnings" in exp:
            codes = sorted(w["code"] for w in out["warnings"])
            check(f"{name}: warnings", codes == sorted(exp["warnings"]),
                  f"got {codes}, want {sorted(exp['warnings'])}")


def test_ext3_mounted_by_ext4(tmp):
    """An ext3 root mounted by the ext4 driver: on_disk_type says ext3."""
    mkfs = shutil.which("mke2fs") or "/sbin/mke2fs"
    if not os.path.exists(mkfs):
        harness.skip("ext3-by-ext4", "mke2fs not installed (e2fsprogs)")
        return
    root = os.path.join(tmp, "ext3root")
    shutil.copytree(os.path.join(FIXTURES, "xen-pvhvm"), root, symlinks=True)
    with open(os.path.join(root, "proc/self/mountinfo"), "w") as f:
        f.write("22 1 202:1 / / rw,relatime - ext4 /dev/xvda1 rw,data=ordered\n")
    os.makedirs(os.path.join(root, "dev"))
    img = os.path.join(root, "dev", "xvda1")
    subprocess.run([mkfs, "-q", "-F", "-t", "ext3", img, "2M"], check=True,
                   capture_output=True)
    p, out = detect_json(root, "ext3-by-ext4")
    if out:
        r = out["rootfs"]
        check("ext3-by-ext4: mounted type", r["type"] == "ext4", r)
        check("ext3-by-ext4: on-disk type", r["on_disk_type"] == "ext3", r)
        check("ext3-by-ext4: flagged", r["flagged"] is True, r)
        check("ext3-by-ext4: warning names ext3",
              any(w["code"] == "ext-rootfs" and "ext3" in w["message"]
                  for w in out["warnings"]), out["warnings"])


def test_command_line(tmp):
    p = run("--version")
    check("--version", p.returncode == 0 and p.stdout.startswith("installer (guest-tools) "),
          p.stdout)
    p = run("--help")
    check("--help", p.returncode == 0 and "detect" in p.stdout, p.stdout)
    p = run("detect", "--help")
    check("detect --help", p.returncode == 0 and "--root DIR" in p.stdout, p.stdout)
    for args in ([], ["frobnicate"], ["detect", "--bogus"], ["detect", "extra"],
                 ["detect", "--root"]):
        p = run(*args)
        check(f"usage error {args}", p.returncode == EXIT_USAGE and
              ("Try 'installer" in p.stderr or "Usage:" in p.stderr), (p.returncode, p.stderr))
    missing = os.path.join(tmp, "no-such-dir")
    p = run("detect", "--root", missing)
    check("missing --root", p.returncode == EXIT_USAGE and missing in p.stderr,
          (p.returncode, p.stderr))
    afile = os.path.join(tmp, "a-file")
    open(afile, "w").close()
    p = run("detect", "--root", afile)
    check("--root is a file", p.returncode == EXIT_USAGE and afile in p.stderr,
          (p.returncode, p.stderr))
    p = run("detect", "--json")
    ok = p.returncode == 0
    try:
        host = json.loads(p.stdout)
    except ValueError:
        host, ok = None, False
    check("detect on this machine", ok and host["schema"] == 1 and host["arch"] != "unknown",
          (p.returncode, p.stderr, p.stdout[:300]))


def make_root(tmp, name, files):
    root = os.path.join(tmp, name)
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return root


def test_bad_input(tmp):
    # A truncated os-release: best-effort report, the file named, exit 8.
    root = make_root(tmp, "truncated", {"etc/os-release": b'NAME="Rocky Linux"\nID="roc'})
    p, out = detect_json(root, "truncated os-release")
    check("truncated os-release: exit", p.returncode == EXIT_INPUT, (p.returncode, p.stderr))
    check("truncated os-release: message", "etc/os-release: line 2" in p.stderr, p.stderr)
    check("truncated os-release: warning", out is not None and any(
        w["code"] == "malformed-file" for w in out["warnings"]), out)

    # Binary garbage in every file detect reads: valid JSON, no crash.
    junk = bytes(range(256)) * 8 + b"\xff\xfe\x00\x80" * 100
    files = {rel: junk for rel in (
        "etc/os-release", "proc/self/mountinfo", "proc/cmdline", "proc/cpuinfo",
        "proc/1/environ", "proc/self/status", "proc/xen/capabilities",
        "sys/hypervisor/type", "sys/hypervisor/guest_type", "sys/class/dmi/id/sys_vendor",
        "sys/class/dmi/id/product_name", ".guest-tools/cpuid", ".guest-tools/arch",
        "proc/bus/pci/devices", "etc/lsb-release")}
    root = make_root(tmp, "garbage", files)
    p, out = detect_json(root, "binary garbage")
    check("binary garbage: no crash", p.returncode in (EXIT_OK, EXIT_INPUT),
          (p.returncode, p.stderr[-500:]))
    check("binary garbage: reported", out is not None and p.returncode == EXIT_INPUT and
          "etc/os-release" in p.stderr, (p.returncode, p.stderr[-300:]))

    # os-release is a directory: the file and the problem are named, exit 8.
    root = make_root(tmp, "isdir", {"etc/os-release/x": b""})
    p = run("detect", "--root", root)
    check("os-release is a directory", p.returncode == EXIT_INPUT and
          "distribution" in p.stderr and root in p.stderr, (p.returncode, p.stderr))

    # A FIFO must not hang the reader.
    root = make_root(tmp, "fifo", {"usr/lib/os-release": b"ID=debian\n"})
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    os.mkfifo(os.path.join(root, "etc/os-release"))
    try:
        p = run("detect", "--root", root, timeout=10)
        check("FIFO os-release", p.returncode == EXIT_INPUT and "regular file" in p.stderr,
              (p.returncode, p.stderr))
    except subprocess.TimeoutExpired:
        check("FIFO os-release", False, "hung on a FIFO")

    # A symlink loop and links that try to leave the root.
    root = make_root(tmp, "links", {"usr/lib/os-release": b"ID=rocky\nVERSION_ID=9.3\n"})
    os.symlink("../../../../../../etc/os-release", os.path.join(root, "etc/os-release")) \
        if os.path.isdir(os.path.join(root, "etc")) else None
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    if not os.path.lexists(os.path.join(root, "etc/os-release")):
        os.symlink("../../../../../../etc/os-release", os.path.join(root, "etc/os-release"))
    p, out = detect_json(root, "escaping symlink")
    check("escaping symlink stays inside the root", out is not None and
          out["distro"]["id"] == "rocky", out and out["distro"])

    # A huge file where a small one belongs is refused, not read whole.
    root = make_root(tmp, "huge", {})
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/os-release"), "wb") as f:
        f.truncate(1 << 30)
    p = run("detect", "--root", root)
    check("1 GiB os-release", p.returncode == EXIT_INPUT and "too large" in p.stderr,
          (p.returncode, p.stderr))


def main():
    suite = sys.argv[1] if len(sys.argv) > 1 else "cli"
    results = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = harness.tempdir("gt-cli-")
    test_command_line(tmp)
    test_fixtures()
    test_ext3_mounted_by_ext4(tmp)
    test_bad_input(tmp)
    return harness.finish(suite, results)


if __name__ == "__main__":
    sys.exit(main())
