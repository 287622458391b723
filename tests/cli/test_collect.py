#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CLI tests of `installer collect`: the support bundle reproduces detect's verdict.

Usage: INSTALLER=build/installer tests/cli/test_collect.py SUITE [RESULTS_DIR]
For every fixture tree in tests/fixtures/ (the tree acts as the system through
--root): collect a bundle, unpack it with Python's tarfile, and check that
`detect --root <bundle> --json` equals `detect --root <tree> --json` (the
evidence wording aside). Then the same on this machine for the hypervisor,
distribution and root filesystem type, and the documented failures.
"""
import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402
FIXTURES = os.path.join(REPO, "tests", "fixtures")
INSTALLER = os.environ.get("INSTALLER", os.path.join(REPO, "build", "installer"))
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
MIB = 1024 * 1024


def run(*args, timeout=60):
    return subprocess.run([INSTALLER, *args], capture_output=True, text=True,
                          errors="replace", timeout=timeout)


def unpack(bundle, dest):
    os.makedirs(dest)
    with tarfile.open(bundle, "r:gz") as tf:
        members = tf.getmembers()
        # The bundle's absolute symlinks point inside it once read with --root.
        if hasattr(tarfile, "fully_trusted_filter"):
            tf.extractall(dest, filter="fully_trusted")
        else:
            tf.extractall(dest)
    return members


def member(tf, name):
    """The content of bundle member @name, or None when it is missing."""
    try:
        f = tf.extractfile(name)
    except KeyError:
        return None
    return f.read() if f else None


def detect(root):
    args = ["detect", "--json"] + (["--root", root] if root else [])
    p = run(*args)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        return p, None
    out["virt"].pop("evidence", None)
    return p, out


def diff(a, b, path=""):
    """The first place where two JSON values differ, for the failure message."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return diff(a.get(k), b.get(k), f"{path}.{k}")
        return None
    return f"{path}: {a!r} != {b!r}" if a != b else None


def test_fixtures(tmp):
    for name in sorted(os.listdir(FIXTURES)):
        tree = os.path.join(FIXTURES, name)
        if not os.path.isdir(tree):
            continue
        bundle = os.path.join(tmp, name + ".tar.gz")
        p = run("collect", bundle, "--root", tree)
        check(f"{name}: collect exit", p.returncode == EXIT_OK, (p.returncode, p.stderr))
        if p.returncode != EXIT_OK:
            continue
        check(f"{name}: no temporary file left", not os.path.exists(bundle + ".tmp"))
        dest = os.path.join(tmp, name + ".d")
        members = unpack(bundle, dest)
        check(f"{name}: no device nodes", not any(m.isdev() for m in members),
              [m.name for m in members if m.isdev()])
        check(f"{name}: relative names only",
              all(not m.name.startswith("/") and ".." not in m.name.split("/")
                  for m in members), [m.name for m in members][:5])
        pa, a = detect(tree)
        pb, b = detect(dest)
        check(f"{name}: detect on the bundle", a is not None and b is not None and
              pa.returncode == pb.returncode and a == b,
              diff(a, b) or (pa.returncode, pb.returncode, pb.stderr[:300]))


def test_links_and_content(tmp):
    # sysfs is made of links: they stay links, and the frontends' driver links too.
    bundle = os.path.join(tmp, "pvhvm.tar.gz")
    run("collect", bundle, "--root", os.path.join(FIXTURES, "xen-pvhvm"))
    with tarfile.open(bundle, "r:gz") as tf:
        by = {m.name: m for m in tf.getmembers()}
        net = by.get("sys/class/net/eth0")
        check("sys/class/net/eth0 is a symlink", net is not None and net.issym(),
              net and net.type)
        drv = by.get("sys/devices/vif-0/driver")
        check("vif-0/driver is a symlink to the vif driver",
              drv is not None and drv.issym() and drv.linkname.endswith("drivers/vif"),
              drv and drv.linkname)
        cpuid = member(tf, ".guest-tools/cpuid")
        check(".guest-tools/cpuid copied from the tree", cpuid == b"XenVMMXenVMM\n", cpuid)
        arch = member(tf, ".guest-tools/arch")
        check(".guest-tools/arch", arch == b"x86_64\n", arch)

    # /proc files read fully (a big one bounded at 1 MiB on a line), pid 1's
    # environment reduced to container=.
    root = os.path.join(tmp, "procroot")
    shutil.copytree(os.path.join(FIXTURES, "kvm-alpine-openrc"), root, symlinks=True)
    os.makedirs(os.path.join(root, "proc/1"))
    with open(os.path.join(root, "proc/1/environ"), "wb") as f:
        f.write(b"HOME=/\0DB_PASSWORD=hunter2\0container=lxc\0TERM=linux\0")
    line = b"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr hypervisor\n"
    with open(os.path.join(root, "proc/cpuinfo"), "wb") as f:
        f.write(line * (3 * MIB // len(line)))
    bundle = os.path.join(tmp, "proc.tar.gz")
    p = run("collect", bundle, "--root", root)
    check("big /proc file: exit", p.returncode == EXIT_OK, (p.returncode, p.stderr))
    with tarfile.open(bundle, "r:gz") as tf:
        env = member(tf, "proc/1/environ")
        check("environ keeps only container=", env == b"container=lxc\0", env)
        info = member(tf, "proc/cpuinfo") or b""
        check("cpuinfo bounded at 1 MiB on a whole line",
              0 < len(info) <= MIB and info.endswith(b"\n") and
              len(info) % len(line) == 0, len(info))
        log = (member(tf, ".guest-tools/collect.log") or b"").decode()
        check("collect.log names the truncated file", "truncated: /proc/cpuinfo" in log,
              log)
    pa, a = detect(root)
    pb, b = detect(unpack(bundle, os.path.join(tmp, "proc.d")) and
                   os.path.join(tmp, "proc.d"))
    check("container verdict survives", a and b and a == b and
          b["virt"]["hypervisor"] == "container", diff(a, b))


def test_xenstore_and_stacks(tmp):
    """What the verdict reads beyond files: xenstore values (.guest-tools/xenstore/)
    and the device-mapper/md stacks under the root (slaves links)."""
    bundle = os.path.join(tmp, "cd.tar.gz")
    p = run("collect", bundle, "--root", os.path.join(FIXTURES, "xen-pvhvm-tools-cd"))
    check("tools CD tree: collect", p.returncode == EXIT_OK, (p.returncode, p.stderr))
    with tarfile.open(bundle, "r:gz") as tf:
        xs = ".guest-tools/xenstore/"
        check("the CD vbd's device-type is in the bundle",
              member(tf, xs + "device/vbd/5632/device-type") == b"cdrom",
              member(tf, xs + "device/vbd/5632/device-type"))
        backend = (member(tf, xs + "device/vbd/5632/backend") or b"").decode()
        check("and its backend's state", backend.startswith("/local/domain/0/backend/vbd/") and
              member(tf, xs + backend[1:] + "/state") == b"2", backend)
        check("the disk's state", member(tf, xs + "device/vbd/51712/state") == b"4",
              member(tf, xs + "device/vbd/51712/state"))
    bundle = os.path.join(tmp, "luks.tar.gz")
    run("collect", bundle, "--root", os.path.join(FIXTURES, "xen-pvhvm-luks-lvm"))
    with tarfile.open(bundle, "r:gz") as tf:
        by = {m.name: m for m in tf.getmembers()}
        for upper, lower in (("dm-1", "dm-0"), ("dm-0", "xvda2")):
            m = by.get(f"sys/devices/virtual/block/{upper}/slaves/{lower}")
            check(f"{upper}/slaves/{lower} is a link in the bundle", m is not None and m.issym(),
                  m and m.type)

    # A hostile tree: a nodename and a backend that try to leave the store's
    # folder are neither followed nor written into the bundle.
    root = os.path.join(tmp, "hostile-xs")
    shutil.copytree(os.path.join(FIXTURES, "xen-pvhvm-tools-cd"), root, symlinks=True)
    with open(os.path.join(root, "sys/devices/vbd-5632/nodename"), "w") as f:
        f.write("device/vbd/../../../../etc\n")
    with open(os.path.join(root, ".guest-tools/xenstore/device/vbd/51712/backend"), "w") as f:
        f.write("/local/domain/0/../../../../etc/shadow")
    bundle = os.path.join(tmp, "hostile.tar.gz")
    p = run("collect", bundle, "--root", root)
    with tarfile.open(bundle, "r:gz") as tf:
        names = [m.name for m in tf.getmembers()]
    check("hostile xenstore paths: collect still succeeds", p.returncode == EXIT_OK,
          (p.returncode, p.stderr))
    check("hostile xenstore paths: nothing with '..' stored",
          not any(".." in n.split("/") for n in names),
          [n for n in names if ".." in n])
    p, out = detect(root)
    check("hostile xenstore paths: detect still decides", out is not None and
          out["virt"]["mode"] == "pvhvm", (p.returncode, out and out["virt"]["mode"]))


def test_host(tmp):
    bundle = os.path.join(tmp, "host.tar.gz")
    p = run("collect", bundle)
    check("collect on this machine", p.returncode == EXIT_OK and "entries" in p.stdout,
          (p.returncode, p.stderr))
    if p.returncode != EXIT_OK:
        return
    dest = os.path.join(tmp, "host.d")
    unpack(bundle, dest)
    pa, a = detect(None)
    pb, b = detect(dest)
    for key in ("hypervisor", "mode", "cpuid"):
        check(f"host: virt.{key}", a and b and a["virt"][key] == b["virt"][key],
              (a and a["virt"][key], b and b["virt"][key]))
    check("host: distro", a and b and a["distro"] == b["distro"], diff(a, b))
    check("host: rootfs.type", a and b and a["rootfs"]["type"] == b["rootfs"]["type"],
          (a and a["rootfs"], b and b["rootfs"]))
    check("host: arch and init", a and b and (a["arch"], a["init"]) == (b["arch"], b["init"]),
          diff(a, b))


def test_peer_trees(tmp):
    """The peer corpora's trees (tests/peer/run.py builds them): the bundle of each
    gives the same detect answer as the tree itself."""
    spec = importlib.util.spec_from_file_location(
        "gt_peer", os.path.join(REPO, "tests", "peer", "run.py"))
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    if not os.path.isdir(peer.PEER):
        harness.skip("peer trees", f"peer corpus absent ({peer.PEER})")
        return
    peer.INSTALLER = INSTALLER
    direct = peer.detect
    seen = [0]
    agree = [0]
    mismatches = []  # reported after the peer code's output is let through again

    def via_bundle(tree):
        want = direct(tree)  # raises as before when detect fails on the tree
        seen[0] += 1
        bundle = os.path.join(tmp, f"peer-{seen[0]}.tar.gz")
        dest = os.path.join(tmp, f"peer-{seen[0]}.d")
        p = run("collect", bundle, "--root", tree)
        if p.returncode != EXIT_OK:
            mismatches.append((f"peer tree {tree}: collect", (p.returncode, p.stderr)))
            return want
        unpack(bundle, dest)
        _, got = detect(dest)
        expected = json.loads(json.dumps(want))
        expected["virt"].pop("evidence", None)
        if got == expected:
            agree[0] += 1
        else:
            mismatches.append((f"peer tree {tree}: detect on the bundle",
                               diff(expected, got)))
        shutil.rmtree(dest, ignore_errors=True)
        os.unlink(bundle)
        return want

    peer.detect = via_bundle
    res = peer.Results()
    # The peer checks themselves belong to tests/peer/run.py: keep their chatter out.
    with contextlib.redirect_stdout(io.StringIO()):
        for fn in (peer.run_distro, peer.run_ansible, peer.run_virt_what, peer.run_lscpu,
                   peer.run_rootfs):
            fn(res, os.path.join(tmp, "peer-" + fn.__name__))
    print(f"peer trees: {agree[0]}/{seen[0]} bundles give the same detect answer")
    for name, detail in mismatches:
        check(name, False, detail)
    check("peer trees: some were bundled", seen[0] > 100, seen[0])
    check(f"peer trees: all {seen[0]} bundles agree", agree[0] == seen[0],
          f"{agree[0]}/{seen[0]}")


def test_failures(tmp):
    tree = os.path.join(FIXTURES, "xen-pvhvm")
    p = run("collect", "--help")
    check("collect --help", p.returncode == EXIT_OK and "--force" in p.stdout, p.stdout)
    for args in (["collect"], ["collect", "--bogus", "x.tgz"], ["collect", "a", "b"],
                 ["collect", "x.tgz", "--root"], ["collect", ""]):
        p = run(*args)
        check(f"usage error {args}", p.returncode == EXIT_USAGE and
              "Try 'installer collect --help'" in p.stderr, (p.returncode, p.stderr))
    missing = os.path.join(tmp, "no-such-dir")
    p = run("collect", os.path.join(tmp, "m.tgz"), "--root", missing)
    check("missing --root", p.returncode == EXIT_USAGE and missing in p.stderr and
          not os.path.exists(os.path.join(tmp, "m.tgz")), (p.returncode, p.stderr))

    # An existing OUT is kept unless --force; --force replaces it.
    out = os.path.join(tmp, "exists.tar.gz")
    with open(out, "w") as f:
        f.write("precious")
    p = run("collect", out, "--root", tree)
    with open(out) as f:
        kept = f.read() == "precious"
    check("existing OUT refused", p.returncode == EXIT_FAILURE and "--force" in p.stderr and
          kept and not os.path.exists(out + ".tmp"), (p.returncode, p.stderr))
    p = run("collect", "--force", out, "--root", tree)
    check("--force replaces OUT", p.returncode == EXIT_OK and tarfile.is_tarfile(out),
          (p.returncode, p.stderr))

    # Nothing is left behind when OUT cannot be written.
    out = os.path.join(tmp, "no-such-dir", "b.tar.gz")
    p = run("collect", out, "--root", tree)
    check("unwritable OUT", p.returncode == EXIT_FAILURE and "b.tar.gz.tmp" in p.stderr and
          not os.path.exists(os.path.dirname(out)), (p.returncode, p.stderr))
    # A temporary file left by an interrupted run is not silently reused...
    out = os.path.join(tmp, "stale.tar.gz")
    os.symlink("/nonexistent", out + ".tmp")
    p = run("collect", out, "--root", tree)
    check("stale OUT.tmp refused", p.returncode == EXIT_FAILURE and
          "interrupted" in p.stderr and not os.path.exists(out), (p.returncode, p.stderr))
    # ...but --force replaces it (the symlink itself, never what it points to).
    p = run("collect", "--force", out, "--root", tree)
    check("stale OUT.tmp replaced with --force", p.returncode == EXIT_OK and
          tarfile.is_tarfile(out) and not os.path.lexists(out + ".tmp"),
          (p.returncode, p.stderr))


def test_command_line(tmp):
    """collect's command line is the shared one (installer/cli/cli.c): OUT before
    or after the options, "--" before an OUT that starts with "-", -f for
    --force, and the options of other commands refused."""
    tree = os.path.join(FIXTURES, "xen-pvhvm")
    for i, args in enumerate((["{out}", "--root", tree], ["--root", tree, "{out}"],
                              ["-q", "--root", tree, "--", "{out}"])):
        out = os.path.join(tmp, f"-form{i}.tar.gz")
        p = run("collect", *[a.replace("{out}", out) for a in args])
        check(f"collect {' '.join(args)}", p.returncode == EXIT_OK and tarfile.is_tarfile(out),
              (p.returncode, p.stderr))
    p = run("collect", "-q", "-f", out, "--root", tree)
    check("collect -q -f: replaced, nothing printed",
          p.returncode == EXIT_OK and p.stdout == "", (p.returncode, p.stdout, p.stderr))
    for opt in ("--json", "--yes", "--media=/x"):
        p = run("collect", opt, out, "--root", tree)
        check(f"collect {opt}: does not apply", p.returncode == EXIT_USAGE and
              "does not apply here" in p.stderr, (p.returncode, p.stderr))


def main():
    suite = sys.argv[1] if len(sys.argv) > 1 else "cli-collect"
    results = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = harness.tempdir("gt-collect-")
    test_fixtures(tmp)
    test_links_and_content(tmp)
    test_xenstore_and_stacks(tmp)
    test_host(tmp)
    test_peer_trees(tmp)
    test_failures(tmp)
    test_command_line(tmp)
    return harness.finish(suite, results)


if __name__ == "__main__":
    sys.exit(main())
