#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of `installer install/verify/status/uninstall` and install.sh.

Real package tools into real roots: a Debian root made by
`debootstrap --variant=minbase bookworm` (cached in $GT_CACHE_DIR/roots, by
default ~/.cache/guest-tools/roots), an rpm root with an initialised database
whose os-release says Rocky 9, and a tgz root whose os-release says Alpine.
The media is a real ISO made by mkisotool (read directly with libarchive), or
its unpacked tree.
Usage: INSTALLER=build/installer INSTALLER_TEST=build/static/installer-test
       MKISOTOOL=build/mkisotool tests/integration/run.py [RESULTS]
Needs root (dpkg --root, loop mounts). INSTALLER is the product; the fault
tests that stop or kill it at a chosen point (GT_TEST_STOP_AT, GT_TEST_KILL_AT)
run INSTALLER_TEST, the same installer built with its test seams live; without
it they are counted skipped.
GT_SUITE names the results file (default "integration"). GT_REPORT_DIR is
where the installer's ASan or valgrind reports land (ASAN_OPTIONS=log_path=,
valgrind --log-file=): every non-empty file there at the end is a failure.
"""
import errno
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

harness.configure(show_passes=True)
INSTALLER = os.path.abspath(os.environ.get("INSTALLER", os.path.join(REPO, "build/installer")))
INSTALLER_TEST = os.environ.get("INSTALLER_TEST")
INSTALLER_TEST = os.path.abspath(INSTALLER_TEST) if INSTALLER_TEST else None
MKISOTOOL = os.path.abspath(os.environ.get("MKISOTOOL", os.path.join(REPO, "build/mkisotool")))
CACHE = os.path.join(os.path.expanduser(os.environ.get("GT_CACHE_DIR", "~/.cache/guest-tools")),
                     "roots")
EXIT = {"ok": 0, "usage": 2, "unsupported": 4, "integrity": 5, "rolledback": 6}
# What a package tool touches on its own and an uninstall cannot take back:
# logs (ours included, kept on purpose), dpkg's and debconf's -old backups.
VOLATILE = ("var/log/", "var/lib/dpkg/status-old", "var/lib/dpkg/diversions-old",
            "var/lib/dpkg/statoverride-old", "var/cache/debconf/", "var/lib/dpkg/triggers/",
            "var/lib/rpm/", "var/lib/systemd/deb-systemd-helper")

SUITE = os.environ.get("GT_SUITE", "integration")
REPORT_DIR = os.environ.get("GT_REPORT_DIR")


def sh(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(list(args), **kw)


def installer(*args, env=None):
    """The installer; the test build when @env drives a test seam (GT_TEST_*)."""
    e = dict(os.environ)
    e.update(env or {})
    seam = any(k.startswith("GT_TEST_") for k in (env or {}))
    if seam and not INSTALLER_TEST:
        raise RuntimeError("a test seam without INSTALLER_TEST (use need_test_build())")
    return sh(INSTALLER_TEST if seam else INSTALLER, *args, env=e)


def need_test_build(label):
    """True when the test build is there; else @label is counted skipped."""
    if INSTALLER_TEST:
        return True
    harness.skip(label, "INSTALLER_TEST not set (the fault tests need the installer built "
                 "with its test seams: make check-integration sets it)")
    return False


def snapshot(root):
    """Every path under root with its type and content hash (links: target)."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if any(rel.startswith(v) or rel == v.rstrip("/") for v in VOLATILE):
                continue
            st = os.lstat(full)
            if os.path.islink(full):
                out[rel] = "L" + os.readlink(full)
            elif os.path.isdir(full):
                out[rel] = "D"
            elif not os.path.isfile(full):  # device nodes (debootstrap's /dev), FIFOs
                out[rel] = "N%o:%d" % (st.st_mode, st.st_rdev)
            else:
                with open(full, "rb") as f:
                    out[rel] = "F%o:" % (st.st_mode & 0o7777) + hashlib.sha256(f.read()).hexdigest()
    return out


def diff(a, b):
    added = sorted(set(b) - set(a))
    removed = sorted(set(a) - set(b))
    changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    return {"added": added[:10], "removed": removed[:10], "changed": changed[:10]} \
        if added or removed or changed else None


def build_deb(tmp, name, version, postinst_rc=0, prerm_rc=None):
    """A package enabling its service as a real one does; its postinst exits
    postinst_rc, and a prerm exiting prerm_rc is added when it is given."""
    d = os.path.join(tmp, f"deb-{name}-{version}-{postinst_rc}-{prerm_rc}")
    os.makedirs(os.path.join(d, "DEBIAN"))
    os.makedirs(os.path.join(d, "usr/bin"))
    os.makedirs(os.path.join(d, "lib/systemd/system"))
    with open(os.path.join(d, "usr/bin", name), "w") as f:
        f.write("#!/bin/sh\nexec sleep 1000\n")
    os.chmod(os.path.join(d, "usr/bin", name), 0o755)
    with open(os.path.join(d, "lib/systemd/system", name + ".service"), "w") as f:
        f.write(f"[Unit]\nDescription=test agent\n[Service]\nExecStart=/usr/bin/{name}\n"
                "[Install]\nWantedBy=multi-user.target\n")
    with open(os.path.join(d, "DEBIAN/control"), "w") as f:
        f.write(f"Package: {name}\nVersion: {version}\nArchitecture: amd64\n"
                "Maintainer: guest-tools tests <tests@example.invalid>\nDescription: test\n")
    os.makedirs(os.path.join(d, "etc/init.d"))
    with open(os.path.join(d, "etc/init.d", name), "w") as f:
        f.write("#!/bin/sh\n### BEGIN INIT INFO\n# Provides: %s\n# Required-Start: $local_fs\n"
                "# Required-Stop: $local_fs\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n"
                "# Short-Description: test agent\n### END INIT INFO\nexit 0\n" % name)
    os.chmod(os.path.join(d, "etc/init.d", name), 0o755)
    # Enable for whichever init system the guest has, as a real package does.
    with open(os.path.join(d, "DEBIAN/postinst"), "w") as f:
        f.write("#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n"
                f"  deb-systemd-helper enable {name}.service\n"
                f"  update-rc.d {name} defaults >/dev/null\nfi\n"
                f"exit {postinst_rc}\n")
    with open(os.path.join(d, "DEBIAN/postrm"), "w") as f:
        f.write("#!/bin/sh\nset -e\nif [ \"$1\" = purge ]; then\n"
                f"  deb-systemd-helper purge {name}.service\n"
                f"  update-rc.d {name} remove >/dev/null\nfi\n")
    scripts = ["postinst", "postrm"]
    if prerm_rc is not None:
        with open(os.path.join(d, "DEBIAN/prerm"), "w") as f:
            f.write(f"#!/bin/sh\necho prerm says no >&2\nexit {prerm_rc}\n")
        scripts.append("prerm")
    for s in scripts:
        os.chmod(os.path.join(d, "DEBIAN", s), 0o755)
    out = os.path.join(tmp, f"{name}_{version}_amd64-{postinst_rc}-{prerm_rc}.deb")
    sh("dpkg-deb", "--root-owner-group", "-b", d, out, check=True)
    return out


def build_rpm(tmp, name, version):
    top = os.path.join(tmp, "rpmbuild")
    for sub in ("SPECS", "BUILD", "RPMS", "SOURCES", "SRPMS", "BUILDROOT"):
        os.makedirs(os.path.join(top, sub), exist_ok=True)
    spec = os.path.join(top, "SPECS", name + ".spec")
    with open(spec, "w") as f:
        f.write(f"""Name: {name}
Version: {version}
Release: 1
Summary: test agent
License: MIT
BuildArch: x86_64
AutoReqProv: no
%description
test
%install
mkdir -p %{{buildroot}}/usr/bin
printf '#!/bin/sh\\nexec sleep 1000\\n' > %{{buildroot}}/usr/bin/{name}
chmod 755 %{{buildroot}}/usr/bin/{name}
%files
/usr/bin/{name}
""")
    p = sh("rpmbuild", "--define", f"_topdir {top}", "--define", "__os_install_post %{nil}",
           "-bb", spec)
    if p.returncode:
        raise RuntimeError(p.stderr[-800:])
    rpm = os.path.join(top, "RPMS", "x86_64", f"{name}-{version}-1.x86_64.rpm")
    return rpm


class Zeros(__import__("io").RawIOBase):
    """A stream of n zero bytes, for a decompression bomb that costs no memory."""

    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


def build_tgz(tmp, name, version, members):
    """members: list of (path, kind, data) with kind file|symlink."""
    import io
    import tarfile
    out = os.path.join(tmp, f"{name}-{version}-x86_64.tgz")
    with tarfile.open(out, "w:gz") as t:
        for path, kind, data in members:
            ti = tarfile.TarInfo(path)
            ti.mtime = 1700000000
            if kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = data
                t.addfile(ti)
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = data
                t.addfile(ti)
            elif kind == "chardev":
                ti.type = tarfile.CHRTYPE
                ti.devmajor, ti.devminor = 1, 3
                t.addfile(ti)
            elif kind == "setuid":
                raw = data.encode()
                ti.size = len(raw)
                ti.mode = 0o4755
                t.addfile(ti, io.BytesIO(raw))
            elif kind == "bomb":
                ti.size = data
                ti.mode = 0o644
                t.addfile(ti, io.BufferedReader(Zeros(data), 1 << 20))
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                raw = data.encode()
                ti.size = len(raw)
                ti.mode = 0o755 if "/bin/" in path or "init.d" in path else 0o644
                t.addfile(ti, io.BytesIO(raw))
    return out


def make_iso(tmp, name, entries):
    """entries: (dest, src, extra) — src copied into the manifest's directory."""
    d = os.path.join(tmp, "iso-" + name)
    os.makedirs(d)
    lines = ["guest-tools-manifest 1", "label guest-tools", "version 0.1.0"]
    for dest, src, extra in entries:
        base = os.path.basename(src) if not dest.endswith("install.sh") else "install.sh"
        shutil.copy(src, os.path.join(d, base))
        kind = "package" if "family=" in extra else "file"
        lines.append(f"{kind} {dest} src={base} {extra}".strip())
    with open(os.path.join(d, "MANIFEST.build"), "w") as f:
        f.write("\n".join(lines) + "\n")
    iso = os.path.join(tmp, name + ".iso")
    p = sh(MKISOTOOL, "build", "-m", os.path.join(d, "MANIFEST.build"), "-o", iso, "--quiet",
           "--source-date-epoch", "1700000000")
    if p.returncode:
        raise RuntimeError(p.stderr)
    return iso


def debian_root(arch="amd64"):
    """A cached `debootstrap --variant=minbase bookworm` tree of @arch (made
    once, about a minute; i386 for the 32-bit guest)."""
    name = "bookworm-minbase" if arch == "amd64" else f"bookworm-{arch}-minbase"
    path = os.path.join(CACHE, name)
    if os.path.isdir(os.path.join(path, "var/lib/dpkg")):
        return path
    os.makedirs(CACHE, exist_ok=True)
    work = path + ".tmp"
    shutil.rmtree(work, ignore_errors=True)
    print(f"integration: making the {arch} Debian root with debootstrap (first run only)...")
    p = sh("debootstrap", f"--arch={arch}", "--variant=minbase", "bookworm", work,
           "http://deb.debian.org/debian")
    if p.returncode:
        raise RuntimeError(f"debootstrap --arch={arch} failed: " + p.stdout[-500:] +
                           p.stderr[-500:])
    os.rename(work, path)
    return path


def copy_root(src, dst):
    sh("cp", "-a", src, dst, check=True)
    return dst


def rpm_root(tmp, name="rpmroot"):
    r = os.path.join(tmp, name)
    # The directories a real Rocky root has (rpm leaves unowned ones behind):
    # on Rocky 9, systemd owns usr/lib/sysctl.d and systemd-udev
    # usr/lib/udev/rules.d (the agent's sysctl drop-in and vCPU rule go there).
    for d in ("etc/sysconfig", "bin", "usr/bin", "usr/sbin", "usr/lib/systemd/system",
              "usr/lib/sysctl.d", "usr/lib/udev/rules.d",
              "usr/share/man/man8", "var/lib", "var/log", "var/tmp"):
        os.makedirs(os.path.join(r, d))
    with open(os.path.join(r, "etc/os-release"), "w") as f:
        f.write('NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
                'VERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n')
        shutil.copy("/bin/busybox", os.path.join(r, "bin/sh"))
    sh("rpm", "--root", r, "--dbpath", "/var/lib/rpm", "--initdb", check=True)
    # As in a real root, a base package provides the /bin/sh that scriptlets need.
    p = sh("rpm", "-i", "--root", r, "--dbpath", "/var/lib/rpm", "--nosignature",
           base_rpm(tmp))
    if p.returncode:
        raise RuntimeError("base rpm: " + p.stderr)
    return r


def base_rpm(tmp):
    out = os.path.join(tmp, "rpmbuild-base", "RPMS", "noarch", "test-base-1-1.noarch.rpm")
    if os.path.exists(out):
        return out
    top = os.path.join(tmp, "rpmbuild-base")
    os.makedirs(os.path.join(top, "SPECS"), exist_ok=True)
    spec = os.path.join(top, "SPECS", "base.spec")
    with open(spec, "w") as f:
        f.write("Name: test-base\nVersion: 1\nRelease: 1\nSummary: base\nLicense: MIT\n"
                "BuildArch: noarch\nProvides: /bin/sh\n%description\nbase\n%files\n")
    p = sh("rpmbuild", "--define", f"_topdir {top}", "-bb", spec)
    if p.returncode:
        raise RuntimeError(p.stderr[-800:])
    return out


def tgz_root(tmp, name="tgzroot"):
    r = os.path.join(tmp, name)
    for d in ("etc/init.d", "etc/runlevels/default", "sbin", "bin", "usr/bin", "var/lib",
              "var/log"):
        os.makedirs(os.path.join(r, d))
    with open(os.path.join(r, "etc/os-release"), "w") as f:
        f.write('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\n'
                'PRETTY_NAME="Alpine Linux v3.18"\n')
    shutil.copy("/bin/busybox", os.path.join(r, "bin/busybox"))
    os.symlink("busybox", os.path.join(r, "bin/sh"))
    os.symlink("busybox", os.path.join(r, "bin/ln"))
    os.symlink("busybox", os.path.join(r, "bin/rm"))
    fake_rc_update(r)
    return r


def fake_rc_update(root):
    """OpenRC's rc-update, as far as enabling and disabling a service goes.
    `add` of a service already in the runlevel says so and succeeds, as
    OpenRC's does (src/rc-update/rc-update.c, add(): "already installed in
    runlevel `%s'; skipping", retval 0)."""
    os.makedirs(os.path.join(root, "etc/runlevels/default"), exist_ok=True)
    with open(os.path.join(root, "sbin/rc-update"), "w") as f:
        f.write('#!/bin/sh\ncase $1 in add) if [ -L /etc/runlevels/$3/$2 ]; then\n'
                '  echo " * rc-update: $2 already installed in runlevel \\`$3\'; skipping"\n'
                'else ln -s /etc/init.d/$2 /etc/runlevels/$3/$2; fi ;;\n'
                'del) rm -f /etc/runlevels/$3/$2 ;; esac\n')
    os.chmod(os.path.join(root, "sbin/rc-update"), 0o755)


def jrun(*args, env=None):
    p = installer(*args, "--json", env=env)
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def test_deb(tmp, iso, deb_src):
    root = copy_root(deb_src, os.path.join(tmp, "debroot"))
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("deb: install from the ISO file", p.returncode == 0 and out and
          out["result"] == "installed" and out["changed"] and out["verified"],
          (p.returncode, p.stderr[-500:], out))
    q = sh("chroot", root, "dpkg-query", "-W", "-f=${db:Status-Status}", "test-agent")
    check("deb: dpkg says installed", q.stdout == "installed", q.stdout + q.stderr)
    check("deb: enabled by its postinst (systemd link and SysV rc links)", os.path.islink(
        os.path.join(root, "etc/systemd/system/multi-user.target.wants/test-agent.service"))
        and os.path.exists(os.path.join(root, "etc/rc2.d/S01test-agent")), "")
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("deb: second run changes nothing", p.returncode == 0 and out and
          out["changed"] is False and out["result"] == "unchanged", (p.returncode, out))
    p, out = jrun("verify", "--root", root)
    check("deb: verify", p.returncode == 0 and out and out["agent"]["installed"] and
          out["agent"]["enabled"], (p.returncode, out))
    p, out = jrun("status", "--root", root)
    check("deb: status", p.returncode == 0 and out and out["installed"] and
          out["agent"]["package"] == "test-agent" and out["agent"]["iso_version"] == "0.1.0",
          (p.returncode, out))
    p, out = jrun("uninstall", "--root", root, "--yes")
    check("deb: uninstall", p.returncode == 0 and out and out["changed"], (p.returncode, out))
    d = diff(before, snapshot(root))
    check("deb: root back to its previous files and checksums", d is None, d)


def test_media_tree(tmp, iso, deb_src):
    tree = os.path.join(tmp, "unpacked")
    os.makedirs(tree)
    sh("bsdtar", "-xf", iso, "-C", tree, check=True)
    root = copy_root(deb_src, os.path.join(tmp, "debroot2"))
    p, out = jrun("install", "--root", root, "--media", tree, "--yes")
    check("deb: install from the unpacked tree", p.returncode == 0 and out and
          out["result"] == "installed", (p.returncode, p.stderr[-300:]))
    # install.sh from the tree, under dash and busybox sh.
    for shell in (["dash"], ["busybox", "sh"]):
        r2 = copy_root(deb_src, os.path.join(tmp, "debroot-" + shell[0]))
        p = sh(*shell, os.path.join(tree, "Linux/install.sh"), "-n", "--root", r2, "--json")
        ok = p.returncode == 0
        try:
            ok = ok and json.loads(p.stdout)["result"] == "installed"
        except ValueError:
            ok = False
        check(f"install.sh under {' '.join(shell)}", ok, (p.returncode, p.stdout[-300:],
                                                          p.stderr[-300:]))
        shutil.rmtree(r2)
    p = sh("dash", os.path.join(tree, "Linux/install.sh"), "-d", "rhel")
    check("install.sh: -d without -m is a usage error", p.returncode == 2 and
          "go together" in p.stderr, (p.returncode, p.stderr))
    p = sh("sh", os.path.join(tree, "Linux/install.sh"), "-h")
    check("install.sh -h", p.returncode == 0 and "Usage:" in p.stdout, p.stdout)
    return tree


def test_noexec(tmp, tree, deb_src):
    """install.sh from a CD mounted noexec: it copies the installer off it."""
    img = os.path.join(tmp, "noexec.img")
    mnt = os.path.join(tmp, "noexec-mnt")
    os.makedirs(mnt)
    sh("mke2fs", "-q", "-F", "-t", "ext4", "-d", tree, img, "8M", check=True)
    p = sh("mount", "-o", "loop,ro,noexec", img, mnt)
    if p.returncode:
        harness.skip("noexec", f"cannot loop-mount here: {p.stderr.strip()}")
        return
    try:
        root = copy_root(deb_src, os.path.join(tmp, "debroot-noexec"))
        try:
            direct = sh(os.path.join(mnt, "Linux/installer.x86_64"), "--version").returncode
        except PermissionError:
            direct = 126
        p = sh("sh", os.path.join(mnt, "Linux/install.sh"), "-n", "--root", root)
        check("install.sh from a noexec mount", direct != 0 and p.returncode == 0,
              (direct, p.returncode, p.stderr[-300:]))
        shutil.rmtree(root)
    finally:
        sh("umount", mnt)


def test_rpm(tmp, iso):
    root = rpm_root(tmp)
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("rpm: install into an rpm --root", p.returncode == 0 and out and
          out["result"] == "installed" and out["payload"]["family"] == "rpm",
          (p.returncode, p.stderr[-500:], out and out.get("message")))
    q = sh("rpm", "-q", "--root", root, "--dbpath", "/var/lib/rpm", "test-agent")
    check("rpm: rpm -q says installed", q.returncode == 0, q.stdout + q.stderr)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("rpm: second run changes nothing", out and out["changed"] is False, out)
    p, out = jrun("uninstall", "--root", root, "--yes")
    q = sh("rpm", "-q", "--root", root, "--dbpath", "/var/lib/rpm", "test-agent")
    check("rpm: uninstall", p.returncode == 0 and q.returncode != 0, (p.stderr, q.stdout))
    d = diff(before, snapshot(root))
    check("rpm: root back to its previous files", d is None, d)


def test_tgz(tmp, iso):
    root = tgz_root(tmp)
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("tgz: install into an Alpine root", p.returncode == 0 and out and
          out["result"] == "installed" and out["payload"]["family"] == "tgz",
          (p.returncode, p.stderr[-500:], out and out.get("message")))
    check("tgz: files extracted", os.path.isfile(os.path.join(root, "usr/bin/test-agent")), "")
    check("tgz: service enabled (OpenRC)", os.path.islink(
        os.path.join(root, "etc/runlevels/default/test-agent")), "")
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("tgz: second run changes nothing", out and out["changed"] is False, out)
    p, out = jrun("uninstall", "--root", root, "--yes")
    d = diff(before, snapshot(root))
    check("tgz: uninstall leaves the root as it was", p.returncode == 0 and d is None,
          (p.returncode, p.stderr, d))


def flip_payload_byte(iso, marker):
    with open(iso, "r+b") as f:
        data = f.read()
        i = data.find(marker)
        assert i > 0, "marker not found in the ISO"
        f.seek(i)
        f.write(bytes([data[i] ^ 0x20]))


def test_failures(tmp, deb_src, installer_bin):
    # A package whose postinst fails: dpkg fails half-way, we roll back.
    bad = build_deb(tmp, "test-agent", "2.0-1", postinst_rc=1)
    iso = make_iso(tmp, "badpostinst", [
        ("Linux/installer.x86_64", installer_bin, "mode=0755"),
        ("Linux/deb/bad.deb", bad, "family=deb arch=x86_64 like=debian")])
    root = copy_root(deb_src, os.path.join(tmp, "debroot-fail"))
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("failing postinst: rolled back", p.returncode == EXIT["rolledback"] and out and
          out["result"] == "rolled-back", (p.returncode, p.stderr[-400:]))
    d = diff(before, snapshot(root))
    check("failing postinst: root as before", d is None, d)
    shutil.rmtree(root)


def test_kill(tmp, iso, deb_src):
    if not need_test_build("SIGKILL at journal steps (deb)"):
        return
    for point in ("pkg", "installed"):
        root = copy_root(deb_src, os.path.join(tmp, "debroot-kill-" + point))
        p = installer("install", "--root", root, "--media", iso, "--yes",
                      env={"GT_TEST_KILL_AT": point})
        check(f"SIGKILL at {point}: the run died", p.returncode == -9, p.returncode)
        check(f"SIGKILL at {point}: journal left behind",
              os.path.exists(os.path.join(root, "var/lib/guest-tools/journal")), "")
        p, out = jrun("install", "--root", root, "--media", iso, "--yes")
        check(f"SIGKILL at {point}: next run recovers and installs", p.returncode == 0 and
              out and out["recovered_interrupted_run"] and out["result"] == "installed",
              (p.returncode, p.stderr[-300:], out and out.get("message")))
        shutil.rmtree(root)


def test_readonly_and_full(tmp, iso):
    for label, size, opts in (("read-only root", "4M", "loop,ro"), ("full disk", "4M", "loop")):
        src = tgz_root(tmp, "src-" + label.replace(" ", "-"))
        img = os.path.join(tmp, label.replace(" ", "-") + ".img")
        mnt = os.path.join(tmp, label.replace(" ", "-") + "-mnt")
        os.makedirs(mnt)
        # -m 0: no blocks reserved for root, or root's installer never sees "full".
        p = sh("mke2fs", "-q", "-F", "-t", "ext4", "-m", "0", "-N", "256", "-d", src, img, size)
        if p.returncode:
            check(f"{label}: make the image", False, p.stderr)
            continue
        p = sh("mount", "-o", opts, img, mnt)
        if p.returncode:
            harness.skip(label, f"cannot loop-mount here: {p.stderr.strip()}")
            continue
        try:
            if label == "full disk":
                # Fill to the last byte: big writes first, then ever smaller ones.
                fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT, 0o644)
                for chunk in (65536, 4096, 512, 1):
                    try:
                        while True:
                            os.write(fd, b"\0" * chunk)
                    except OSError:
                        pass
                os.fsync(fd)
                os.close(fd)
                for i in range(64):  # and the free inodes' worth of empty files
                    try:
                        open(os.path.join(mnt, f"f{i}"), "w").close()
                    except OSError:
                        break
            before = snapshot(mnt)
            p, out = jrun("install", "--root", mnt, "--media", iso, "--yes")
            check(f"{label}: install fails with a message", p.returncode not in (0, 3) and
                  p.stderr.strip() != "", (p.returncode, p.stderr))
            d = diff(before, snapshot(mnt))
            check(f"{label}: nothing left half-done", d is None, d)
        finally:
            sh("umount", mnt)


def test_hostile_tgz(tmp, installer_bin):
    cases = {
        "hardlink-out": [("usr/bin/gt-shadow", "hardlink", "/etc/shadow")],
        "device-node": [("usr/bin/gt-null", "chardev", "")],
        "bomb": [("usr/share/gt-zeros", "bomb", (1 << 30) + 4096)],
        "dotdot": [("usr/bin/../../../../tmp/gt-escape", "file", "x")],
        "absolute": [("/tmp/gt-escape-abs", "file", "x")],
        "symlink-escape": [("usr/evil", "symlink", "/etc"),
                           ("usr/evil/gt-passwd", "file", "owned")],
    }
    for name, members in cases.items():
        tgz = build_tgz(tmp, "test-agent", "9.9", members)
        dst = os.path.join(tmp, f"hostile-{name}.tgz")
        os.rename(tgz, dst)
        iso = make_iso(tmp, "hostile-" + name, [
            ("Linux/installer.x86_64", installer_bin, "mode=0755"),
            (f"Linux/tgz/test-agent-9.9-x86_64.tgz", dst, "family=tgz arch=x86_64")])
        root = tgz_root(tmp, "tgz-hostile-" + name)
        before = snapshot(root)
        p, out = jrun("install", "--root", root, "--media", iso, "--yes")
        check(f"hostile tgz ({name}): refused", p.returncode == EXIT["rolledback"],
              (p.returncode, p.stderr[-300:]))
        d = diff(before, snapshot(root))
        check(f"hostile tgz ({name}): root unchanged", d is None, d)
        check(f"hostile tgz ({name}): nothing written outside", not os.path.exists(
            "/tmp/gt-escape") and not os.path.exists("/tmp/gt-escape-abs") and
            not os.path.exists("/etc/gt-passwd"), "")


# Where a hostile image points its links: host paths an escape would create.
HOST_TARGETS = ("/tmp/gt-escape-lib", "/tmp/gt-escape-log", "/tmp/gt-escape-lnk",
                "/tmp/gt-escape-lnk-abs")


def host_untouched(label, tmp, host_before):
    """Nothing appeared on the host: none of HOST_TARGETS, and the test's own
    folder around the roots (a root's ".." when it is a plain directory) has
    the same entries as before."""
    made = [t for t in HOST_TARGETS if os.path.lexists(t)]
    around = sorted(os.listdir(tmp))
    check(f"{label}: nothing created outside the root (the host tree)",
          not made and around == host_before, (made, sorted(set(around) ^ set(host_before))))
    for t in made:
        shutil.rmtree(t, ignore_errors=True) if os.path.isdir(t) else os.unlink(t)


def test_hostile_image(tmp, iso):
    """A guest image whose /var/lib and /var/log are links with a missing
    component followed by "..": before lib/root_at.c, making
    /var/lib/guest-tools through it made /tmp/gt-escape-lib/guest-tools on
    the host (issue 14, item 2). Resolved inside the root, the link's missing
    target is not made (mkdir -p would not either): the install stops before
    any change, and nothing appears on the host."""
    root = tgz_root(tmp, "tgz-hostile-image")
    up = "../" * 16
    shutil.rmtree(os.path.join(root, "var/log"))
    os.symlink(f"/gt-missing/{up}tmp/gt-escape-log", os.path.join(root, "var/log"))
    os.rename(os.path.join(root, "var/lib"), os.path.join(root, "var/lib.real"))
    os.symlink(f"/gt-missing/{up}tmp/gt-escape-lib", os.path.join(root, "var/lib"))
    host_before = sorted(os.listdir(tmp))
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("hostile image (/var/lib, /var/log: missing/../../..): the install stops",
          p.returncode not in (0, 3) and out and out["changed"] is False,
          (p.returncode, p.stderr[-300:]))
    d = diff(before, snapshot(root))
    check("hostile image: the root unchanged", d is None, d)
    host_untouched("hostile image", tmp, host_before)
    shutil.rmtree(root)


def test_tgz_link_dir(tmp, installer_bin):
    """A tgz payload that makes a symlink and writes through it spelled as a
    directory ("lnk/", "lnk/./x"): whatever the extractor makes of it, the
    link resolves inside the root, so nothing is created on the host."""
    cases = {
        "lnk/ to ../../..": [("lnk", "symlink", "../../../../../../../../tmp/gt-escape-lnk"),
                             ("lnk/", "dir", ""), ("lnk/./evil", "file", "owned")],
        "lnk/ to an absolute path": [("lnk/", "symlink", "/tmp/gt-escape-lnk-abs"),
                                     ("lnk/evil", "file", "owned")],
    }
    for i, (name, members) in enumerate(cases.items()):
        tgz = build_tgz(tmp, "test-agent", "9.7", members)
        dst = os.path.join(tmp, "lnkdir.tgz")
        os.rename(tgz, dst)
        iso = make_iso(tmp, f"lnkdir-{i}", [
            ("Linux/installer.x86_64", installer_bin, "mode=0755"),
            ("Linux/tgz/test-agent-9.7-x86_64.tgz", dst, "family=tgz arch=x86_64")])
        root = tgz_root(tmp, "tgz-lnkdir")
        host_before = sorted(os.listdir(tmp))
        jrun("install", "--root", root, "--media", iso, "--yes")
        jrun("uninstall", "--root", root, "--yes")
        host_untouched(f"tgz payload with a symlink {name}", tmp, host_before)
        shutil.rmtree(root)
        os.unlink(dst)


def wait_for(proc_file, text, timeout=60):
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open(proc_file, errors="replace") as f:
            if text in f.read():
                return True
        time.sleep(0.05)
    return False


def test_signal_at_prompt(tmp, iso):
    """SIGINT (Ctrl-C), SIGTERM and SIGHUP at the confirmation prompt (stdin a
    terminal, no --yes): the installer stops there, says it was cancelled,
    changes nothing and removes its private copy of the payload. A CD the
    installer mounted is unmounted the same way (gt_media_close): that part
    needs iso9660, which this kernel lacks: the e2e scenario install-sigint."""
    import pty
    import signal
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        root = tgz_root(tmp, "tgz-signal")
        before = snapshot(root)
        run_before = set(glob.glob("/run/guest-tools-*"))
        master, slave = pty.openpty()
        err = os.path.join(tmp, "prompt.err")
        with open(err, "w") as ef:
            proc = subprocess.Popen([INSTALLER, "install", "--root", root, "--media", iso],
                                    stdin=slave, stdout=subprocess.PIPE, stderr=ef)
        os.close(slave)
        at_prompt = wait_for(err, "[y/N]")
        proc.send_signal(sig)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        os.close(master)
        with open(err, errors="replace") as f:
            said = f.read()
        left = set(glob.glob("/run/guest-tools-*")) - run_before
        name = signal.Signals(sig).name
        check(f"{name} at the prompt: cancelled (exit 1), nothing changed, nothing left",
              at_prompt and proc.returncode == 1 and "cancelled; nothing was changed" in said
              and diff(before, snapshot(root)) is None and not left,
              (at_prompt, proc.returncode, said[-300:], left))
        shutil.rmtree(root)


def test_media_files(tmp, tree, deb_src):
    """A media directory whose payload, manifest or folder is a symlink, or
    whose payload is a FIFO: opened relative to the media directory with
    O_NOFOLLOW and refused unless a regular file, even when the link leads
    to the very bytes the manifest expects. Nothing is changed."""
    def variant(name, change):
        d = os.path.join(tmp, "media-" + name)
        shutil.copytree(tree, d, symlinks=True)
        change(d)
        return d

    def payload_link(d):
        p = os.path.join(d, "Linux/deb/test-agent_1.0-1_amd64.deb")
        os.rename(p, os.path.join(d, "elsewhere.deb"))
        os.symlink("../../elsewhere.deb", p)

    def folder_link(d):
        os.rename(os.path.join(d, "Linux/deb"), os.path.join(d, "deb.real"))
        os.symlink("../deb.real", os.path.join(d, "Linux/deb"))

    def manifest_link(d):
        p = os.path.join(d, "Linux/MANIFEST")
        os.rename(p, os.path.join(d, "MANIFEST.real"))
        os.symlink("../MANIFEST.real", p)

    def payload_fifo(d):
        p = os.path.join(d, "Linux/deb/test-agent_1.0-1_amd64.deb")
        os.unlink(p)
        os.mkfifo(p)

    cases = (("the payload is a symlink to the right bytes", payload_link, 1),
             ("the payload's folder is a symlink", folder_link, 1),
             ("the manifest is a symlink", manifest_link, 5),
             ("the payload is a FIFO", payload_fifo, 1))
    root = copy_root(deb_src, os.path.join(tmp, "debroot-mediafiles"))
    before = snapshot(root)
    for label, change, rc in cases:
        d = variant(change.__name__, change)
        try:
            p, out = jrun("install", "--root", root, "--media", d, "--yes")
        except subprocess.TimeoutExpired:
            p, out = None, None
        msg = (out and out.get("message")) or ""
        check(f"media: {label}: refused (exit {rc}), not a regular file",
              p is not None and p.returncode == rc and "not a regular file" in msg,
              (p and p.returncode, msg, p and p.stderr[-300:]))
        check(f"media: {label}: root unchanged", diff(before, snapshot(root)) is None)
        shutil.rmtree(d)
    shutil.rmtree(root)


def test_start_dir_trust(tmp, tree, deb_src):
    """Without --media the installer takes the folder above its own as the
    media only when root owns it and nobody else may write to it."""
    d = os.path.join(tmp, "startdir")
    shutil.copytree(tree, d, symlinks=True)
    os.chmod(d, 0o755)
    exe = os.path.join(d, "Linux/installer.x86_64")
    env = None
    if os.environ.get("GT_VALGRIND_INSTALLER"):
        # The tree's installer is then tests/integration/valgrind-installer,
        # and valgrind answers /proc/self/exe with the binary it runs: that
        # binary must lie in the tree too, or the folder above is build/'s.
        real = os.path.join(d, "Linux/installer.real")
        shutil.copy(os.environ["GT_VALGRIND_INSTALLER"], real)
        env = dict(os.environ, GT_VALGRIND_INSTALLER=real)
    root = copy_root(deb_src, os.path.join(tmp, "debroot-startdir"))
    for label, prep, ok in (("root's, 0755: used", lambda: None, True),
                            ("writable by others (0777): not used",
                             lambda: os.chmod(d, 0o777), False),
                            ("writable by its group (0775): not used",
                             lambda: os.chmod(d, 0o775), False),
                            ("owned by uid 1000: not used",
                             lambda: (os.chmod(d, 0o755), os.chown(d, 1000, 1000)), False)):
        prep()
        p = sh(exe, "install", "--root", root, "--dry-run", "--json", env=env)
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = None
        if ok:
            check(f"media guess, the folder above the installer {label}",
                  p.returncode == 0 and out and out["media"] == d + "/Linux/..",
                  (p.returncode, p.stderr[-300:]))
        else:
            msg = (out and out.get("message")) or ""
            check(f"media guess, the folder above the installer {label}",
                  p.returncode == 7 and "not used without --media" in msg,
                  (p.returncode, msg[-400:]))
    shutil.rmtree(root)
    shutil.rmtree(d)


def xen_hvm_root(tmp, deb_src, name, update_rc):
    """The Debian root as a Xen HVM guest whose frontends are modules: the
    fixture's /sys, /proc, kernels and initramfs-tools configuration over it,
    and an update-initramfs that writes the image it is asked for (exit
    update_rc), standing in for the real one the minbase root lacks."""
    root = copy_root(deb_src, os.path.join(tmp, name))
    fixture = os.path.join(REPO, "tests/fixtures/xen-hvm-debian-initramfs-tools")
    shutil.copytree(fixture, root, symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("expect.json", ".keep"))
    tool = os.path.join(root, "usr/sbin/update-initramfs")
    with open(tool, "w") as f:
        f.write("#!/bin/sh\n# update-initramfs -u -k KVER\nwhile [ $# -gt 0 ]; do\n"
                "  [ \"$1\" = -k ] && kver=$2; shift; done\n"
                "cat /etc/initramfs-tools/modules > /boot/initrd.img-$kver\n"
                f"exit {update_rc}\n")
    os.chmod(tool, 0o755)
    return root


def test_drivers(tmp, iso, deb_src):
    root = xen_hvm_root(tmp, deb_src, "xenhvm", 0)
    before = snapshot(root)
    with open(os.path.join(root, "etc/initramfs-tools/modules"), "rb") as f:
        modules_before = f.read()
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    ok = out is not None and out.get("drivers") is not None
    check("xen hvm: installed, reboot needed (exit 3)", p.returncode == 3 and ok and
          out["result"] == "installed" and out["verify"]["reboot_needed"],
          (p.returncode, p.stderr[-400:]))
    check("xen hvm: initramfs steps planned and run", ok and len(out["drivers"]["steps"]) >= 2,
          out and out.get("drivers"))
    codes = {w["code"] for w in out["drivers"]["warnings"]} if ok else set()
    check("xen hvm: fstab and NIC warnings", {"fstab-device-name", "nic-config-bound"} <= codes,
          codes)
    with open(os.path.join(root, "etc/initramfs-tools/modules"), "rb") as f:
        modules_after = f.read()
    check("xen hvm: modules file keeps its lines and gains the frontends",
          modules_after.startswith(modules_before) and b"xen-blkfront" in modules_after and
          b"xen-netfront" in modules_after, modules_after[-200:])
    with open(os.path.join(root, "boot/initrd.img-6.1.0-13-amd64"), "rb") as f:
        check("xen hvm: initramfs regenerated", b"xen-netfront" in f.read(), "")
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("xen hvm: second run changes nothing", out and out["changed"] is False and
          p.returncode == 3, (p.returncode, out and out.get("drivers")))
    p, out = jrun("uninstall", "--root", root, "--yes")
    d = diff(before, snapshot(root))
    check("xen hvm: uninstall restores modules file and initramfs images",
          p.returncode == 0 and d is None, (p.returncode, p.stderr[-300:], d))
    shutil.rmtree(root)

    root = xen_hvm_root(tmp, deb_src, "xenhvm-fail", 1)
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("xen hvm: failing update-initramfs is rolled back", p.returncode ==
          EXIT["rolledback"] and diff(before, snapshot(root)) is None,
          (p.returncode, p.stderr[-300:], diff(before, snapshot(root))))
    shutil.rmtree(root)


def real_iso(label):
    """The ISO `make iso` built (REAL_ISO), or None with @label counted skipped."""
    iso = os.environ.get("REAL_ISO")
    if iso and os.path.isfile(iso):
        return iso
    harness.skip(label, "REAL_ISO not set (make check-integration sets it)")
    return None


def test_real_iso(tmp, deb_src):
    """The ISO `make iso` built, with the real agent packages, into each root."""
    iso = real_iso("real ISO")
    if not iso:
        return
    tree = os.path.join(tmp, "real-unpacked")
    os.makedirs(tree)
    sh("bsdtar", "-xf", iso, "-C", tree, check=True)
    roots = (("deb", copy_root(deb_src, os.path.join(tmp, "real-deb")), iso),
             ("rpm", rpm_root(tmp, "real-rpm"), tree),
             ("tgz", tgz_root(tmp, "real-tgz"), iso))
    for family, root, media in roots:
        before = snapshot(root)
        p, out = jrun("install", "--root", root, "--media", media, "--yes")
                # The rpm root has no systemctl for the %post to enable with: installed only.
        check(f"real ISO ({family}): guest-agent installed", p.returncode == 0 and out and
              out["payload"]["package"] == "guest-agent" and out["payload"]["family"] == family
              and out["verify"]["installed"] and (family == "rpm" or out["verify"]["enabled"]),
              (p.returncode, p.stderr[-400:], out and out.get("verify")))
        p, out = jrun("install", "--root", root, "--media", media, "--yes")
        check(f"real ISO ({family}): second run changes nothing", out and
              out["changed"] is False, out and out.get("result"))
        p, out = jrun("uninstall", "--root", root, "--yes")
        d = diff(before, snapshot(root))
        check(f"real ISO ({family}): uninstall restores the root", p.returncode == 0 and
              d is None, (p.returncode, d))


def test_real_iso_i686(tmp):
    """A 32-bit guest, as the admin meets it: inside an i386 Debian root
    (chroot, uname -m says i686 under setarch), `sh Linux/install.sh -n` from
    the CD picks the ISO's 32-bit installer, which installs the i686 agent
    package with the guest's own dpkg; its uninstall leaves the root as it was."""
    iso = real_iso("real ISO (i686)")
    if not iso or not kernel_runs_i386("real ISO (i686)", iso, tmp):
        return
    root = copy_root(debian_root("i386"), os.path.join(tmp, "real-deb-i386"))
    cd = unpack_cd(root, iso)
    if not os.path.exists(os.path.join(cd, "Linux/installer.i686")):
        check("real ISO (i686): Linux/installer.i686 on the ISO", False, os.listdir(cd))
        return
    before = snapshot(root)
    # From outside, with --root: the host's amd64 dpkg would refuse the i386
    # package; the installer says so before it changes anything.
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    msg = (out and out.get("message")) or ""
    check("real ISO (i686): --root from an amd64 host is refused up front (exit 4)",
          p.returncode == 4 and "is for i386" in msg and "chroot" in msg,
          (p.returncode, msg, p.stderr[-300:]))
    d = diff(before, snapshot(root))
    check("real ISO (i686): ... and the root is unchanged", d is None, d)
    guest = i386_guest(root)
    p, out = install_sh_in_i386_chroot(root)
    check("real ISO (i686): the 32-bit installer installs the i686 agent package",
          p.returncode == 0 and out and out["payload"]["arch"] == "i686" and
          out["payload"]["path"].endswith("i686.deb") and out["verify"]["installed"],
          (p.returncode, p.stderr[-400:], out and out["payload"]))
    p = sh(*guest, "dpkg-query", "-W", "-f", "${Architecture}", "guest-agent")
    check("real ISO (i686): dpkg has guest-agent:i386", p.stdout == "i386", p.stdout)
    check("real ISO (i686): the agent is a 32-bit x86 ELF",
          is_i386_elf(os.path.join(root, "usr/sbin/guest-agent")))
    p = sh(*guest, "/media/cdrom/Linux/installer.i686", "uninstall", "--yes")
    d = diff(before, snapshot(root))
    check("real ISO (i686): uninstall restores the root", p.returncode == 0 and d is None,
          (p.returncode, p.stderr[-300:], d))
    shutil.rmtree(root)
    test_real_iso_i686_tgz(tmp, iso)
    test_real_iso_i686_rpm(tmp, iso)


def kernel_runs_i386(label, iso, tmp):
    """Whether this kernel executes 32-bit programs, tried with the ISO's own
    Linux/installer.i686; if not (ENOEXEC: IA-32 emulation off, as on PVM
    hosts), @label is counted skipped: the i386 chroot (debootstrap's second
    stage, dpkg, the agent) cannot run here. check-i686 covers the binary."""
    probe = os.path.join(tmp, "i686-probe")
    os.makedirs(probe, exist_ok=True)
    sh("bsdtar", "-xf", iso, "-C", probe, "Linux/installer.i686", check=True)
    try:
        subprocess.run([os.path.join(probe, "Linux/installer.i686"), "--version"],
                       capture_output=True, check=False)
    except OSError as e:
        if e.errno != errno.ENOEXEC:
            raise
        harness.skip(label, "this kernel cannot execute 32-bit programs "
                     "(execve: ENOEXEC, IA-32 emulation off)")
        return False
    return True


def unpack_cd(root, iso):
    """The CD's files where the guest's fstab would mount it."""
    cd = os.path.join(root, "media/cdrom")
    os.makedirs(cd, exist_ok=True)
    sh("bsdtar", "-xf", iso, "-C", cd, check=True)
    return cd


def i386_guest(root):
    """The command prefix that runs a program as the 32-bit guest in root."""
    return ("setarch", "i686", "chroot", root)


def install_sh_in_i386_chroot(root):
    """`sh Linux/install.sh -n --json` from the CD, as a 32-bit guest runs it."""
    p = sh(*i386_guest(root), "/bin/sh", "/media/cdrom/Linux/install.sh", "-n", "--json")
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def relabel_i386_root(tmp, name, os_release):
    """A copy of the i386 Debian root that says it is another distribution
    (its /etc/os-release is a link into /usr/lib: replaced, not written through)."""
    root = copy_root(debian_root("i386"), os.path.join(tmp, name))
    os.unlink(os.path.join(root, "etc/os-release"))
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write(os_release)
    return root


def is_i386_elf(path):
    try:
        with open(path, "rb") as f:
            hdr = f.read(20)
    except OSError:
        return False
    return hdr[:4] == b"\x7fELF" and hdr[4] == 1 and hdr[18] == 3


def test_real_iso_i686_tgz(tmp, iso):
    """The 32-bit tgz agent: an i386 userland that says Alpine, with OpenRC's
    rc-update, runs install.sh from the CD inside its chroot."""
    root = relabel_i386_root(tmp, "real-tgz-i386",
                             'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\n'
                             'PRETTY_NAME="Alpine Linux v3.18"\n')
    # An Alpine has no dpkg database: with it, the family is deb (the package
    # database outranks the ID table, lib/distro_family.c).
    os.unlink(os.path.join(root, "var/lib/dpkg/status"))
    fake_rc_update(root)
    unpack_cd(root, iso)
    before = snapshot(root)
    p, out = install_sh_in_i386_chroot(root)
    check("real ISO (i686 tgz): the 32-bit installer extracts the i686 tgz and enables it",
          p.returncode == 0 and out and out["payload"]["path"].endswith("i686.tgz") and
          out["verify"]["installed"] and out["verify"]["enabled"] and
          os.path.islink(os.path.join(root, "etc/runlevels/default/guest-agent")),
          (p.returncode, p.stderr[-400:], out and out["payload"]))
    check("real ISO (i686 tgz): the agent is a 32-bit x86 ELF",
          is_i386_elf(os.path.join(root, "usr/sbin/guest-agent")))
    p = sh(*i386_guest(root), "/media/cdrom/Linux/installer.i686", "uninstall", "--yes")
    d = diff(before, snapshot(root))
    check("real ISO (i686 tgz): uninstall restores the root", p.returncode == 0 and d is None,
          (p.returncode, p.stderr[-300:], d))
    shutil.rmtree(root)


def test_real_iso_i686_rpm(tmp, iso):
    """The 32-bit rpm agent: an i386 userland that says Rocky, with an rpm
    database, served from outside with --root (rpm takes i686 on x86_64,
    and the %post runs in the root's own 32-bit shell)."""
    root = relabel_i386_root(tmp, "real-rpm-i386",
                             'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
                             'VERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n')
    # A real Rocky root has /etc/sysconfig (its filesystem package owns it).
    os.makedirs(os.path.join(root, "etc/sysconfig"), exist_ok=True)
    sh("rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--initdb", check=True)
    sh("rpm", "-i", "--root", root, "--dbpath", "/var/lib/rpm", "--nosignature",
       base_rpm(tmp), check=True)
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("real ISO (i686 rpm): the i686 rpm is chosen and installed",
          p.returncode == 0 and out and out["payload"]["path"].endswith("i686.rpm") and
          out["verify"]["installed"], (p.returncode, p.stderr[-400:], out and out["payload"]))
    p = sh("rpm", "-q", "--root", root, "--dbpath", "/var/lib/rpm", "--qf", "%{ARCH}",
           "guest-agent")
    check("real ISO (i686 rpm): rpm has guest-agent.i686", p.stdout == "i686", p.stdout)
    check("real ISO (i686 rpm): the agent is a 32-bit x86 ELF",
          is_i386_elf(os.path.join(root, "usr/sbin/guest-agent")))
    p, out = jrun("uninstall", "--root", root, "--yes")
    d = diff(before, snapshot(root))
    check("real ISO (i686 rpm): uninstall restores the root", p.returncode == 0 and d is None,
          (p.returncode, p.stderr[-300:], d))
    shutil.rmtree(root)


def test_setuid_neutralised(tmp, installer_bin):
    tgz = build_tgz(tmp, "test-agent", "9.8", [
        ("usr/bin/test-agent", "setuid", "#!/bin/sh\n"),
        ("etc/init.d/test-agent", "file", "#!/sbin/openrc-run\n")])
    iso = make_iso(tmp, "setuid", [
        ("Linux/installer.x86_64", installer_bin, "mode=0755"),
        ("Linux/tgz/test-agent-9.8-x86_64.tgz", tgz, "family=tgz arch=x86_64")])
    root = tgz_root(tmp, "tgz-setuid")
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    path = os.path.join(root, "usr/bin/test-agent")
    mode = os.stat(path).st_mode if os.path.exists(path) else 0
    check("hostile tgz (setuid): installed with the set-user-ID bit stripped",
          p.returncode == 0 and mode & 0o7777 == 0o755, (p.returncode, oct(mode)))


def test_kill_every_step(tmp, iso):
    """SIGKILL right after each kind of journal record of a tgz install; the next
    run must end with the agent installed, and an uninstall with the root as it was."""
    if not need_test_build("SIGKILL after each journal record (tgz)"):
        return
    for point in ("begin", "pkg", "dir", "file", "installed", "service"):
        root = tgz_root(tmp, "tgz-kill-" + point)
        before = snapshot(root)
        run_before = set(glob.glob("/run/guest-tools-*"))
        p = installer("install", "--root", root, "--media", iso, "--yes",
                      env={"GT_TEST_KILL_AT": point})
        died = p.returncode == -9
        # The killed run's folder (guest-tools-PID-*, PID gone), not those of
        # whatever else runs on this machine meanwhile (/run is shared).
        left = {x for x in set(glob.glob("/run/guest-tools-*")) - run_before
                if not os.path.exists("/proc/" + os.path.basename(x).split("-")[2])}
        p, out = jrun("install", "--root", root, "--media", iso, "--yes")
        ok = died and p.returncode == 0 and out and out["result"] == "installed" and \
            out["recovered_interrupted_run"]
        p2, _ = jrun("uninstall", "--root", root, "--yes")
        d = diff(before, snapshot(root))
        check(f"SIGKILL after '{point}' (tgz): recovered, then uninstalled cleanly",
              ok and p2.returncode == 0 and d is None,
              (died, p.returncode, out and out.get("message"), d))
        check(f"SIGKILL after '{point}' (tgz): the next run removed the killed run's "
              "private copy", len(left) == 1 and not any(os.path.exists(x) for x in left),
              left)
    test_leftover_mount(tmp, iso)


def test_leftover_mount(tmp, iso):
    """A run killed while the CD was mounted on its private folder leaves the
    mount; the next install detaches and removes it (here a tmpfs stands in
    for the CD), and leaves a live run's folder alone."""
    child = subprocess.Popen(["true"])
    child.wait()
    dead = f"/run/guest-tools-{child.pid}-mnttst"
    sleeper = subprocess.Popen(["sleep", "600"])
    live = f"/run/guest-tools-{sleeper.pid}-livtst"
    try:
        os.mkdir(dead, 0o700)
        os.mkdir(live, 0o700)
        sh("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dead, check=True)
        root = tgz_root(tmp, "tgz-leftover-mount")
        p, out = jrun("install", "--root", root, "--media", iso, "--yes", "-v")
        with open("/proc/self/mountinfo") as f:
            mounted = any(line.split()[4] == dead for line in f)
        check("leftover CD mount of a killed run: detached and removed by the next install",
              p.returncode == 0 and not mounted and not os.path.exists(dead) and
              "left by a run that was killed" in p.stderr,
              (p.returncode, mounted, p.stderr[-300:]))
        check("... and a live run's private folder is left alone", os.path.isdir(live))
    finally:
        sleeper.kill()
        sleeper.wait()
        sh("umount", dead)
        for d in (dead, live):
            if os.path.isdir(d):
                os.rmdir(d)


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else None
    if os.geteuid() != 0:
        harness.skip(SUITE, "needs root (dpkg --root, chroot, loop mounts)")
    else:
        tmp = harness.tempdir("gt-int-")
        try:
            deb_src = debian_root()
            installer_bin = os.path.join(tmp, "installer")
            shutil.copy(INSTALLER, installer_bin)
            deb = build_deb(tmp, "test-agent", "1.0-1")
            rpm = build_rpm(tmp, "test-agent", "1.0")
            tgz = build_tgz(tmp, "test-agent", "1.0", [
                ("usr/bin/test-agent", "file", "#!/bin/sh\nexec sleep 1000\n"),
                ("etc/init.d/test-agent", "file", "#!/sbin/openrc-run\ncommand=/usr/bin/test-agent\n"),
                ("usr/share/doc/test-agent/README", "file", "test\n")])
            entries = [
                ("Linux/installer.x86_64", installer_bin, "mode=0755"),
                ("Linux/install.sh", os.path.join(REPO, "scripts/install.sh"), "mode=0755"),
                ("Linux/deb/test-agent_1.0-1_amd64.deb", deb, "family=deb arch=x86_64 like=debian"),
                ("Linux/rpm/test-agent-1.0-1.x86_64.rpm", rpm,
                 "family=rpm arch=x86_64 like=rhel,fedora min=8"),
                ("Linux/tgz/test-agent-1.0-x86_64.tgz", tgz, "family=tgz arch=x86_64")]
            iso = make_iso(tmp, "good", entries)
            test_deb(tmp, iso, deb_src)
            tree = test_media_tree(tmp, iso, deb_src)
            test_noexec(tmp, tree, deb_src)
            test_rpm(tmp, iso)
            test_tgz(tmp, iso)
            # Altered after the build: a byte of the rpm payload (stored uncompressed).
            test_integrity_rpm(tmp, entries)
            test_failures(tmp, deb_src, installer_bin)
            test_drivers(tmp, iso, deb_src)
            test_real_iso(tmp, deb_src)
            test_real_iso_i686(tmp)
            test_kill(tmp, iso, deb_src)
            test_readonly_and_full(tmp, iso)
            test_hostile_tgz(tmp, installer_bin)
            test_setuid_neutralised(tmp, installer_bin)
            test_hostile_image(tmp, iso)
            test_tgz_link_dir(tmp, installer_bin)
            test_signal_at_prompt(tmp, iso)
            test_media_files(tmp, tree, deb_src)
            test_start_dir_trust(tmp, tree, deb_src)
            test_kill_every_step(tmp, iso)
            test_media_faults(tmp, iso, deb_src)
            test_procsys_faults(tmp, iso, deb_src)
            test_concurrent(tmp, iso)
            test_lock_refused(tmp, iso)
            test_lock_wait_cancelled(tmp, iso)
            test_undo_kills(tmp)
            test_rollback_incomplete(tmp, deb_src, installer_bin)
            test_upgrade_uninstall(tmp, deb_src, installer_bin)
            test_failed_upgrade(tmp)
            test_seams_ignored(tmp, iso)
            test_status_unreadable(tmp, iso)
            test_payload_longer(tmp, iso)
            test_tgz_spellings(tmp, installer_bin)
            check_reports()
        finally:
            subprocess.run(["sh", "-c", f"grep -q '{tmp}' /proc/mounts && "
                            f"grep '{tmp}' /proc/mounts | cut -d' ' -f2 | xargs -r umount"])
    return harness.finish(SUITE, results)


def wait_stopped(pid, timeout=120):
    """Wait until the process is stopped (state T), as GT_TEST_STOP_AT leaves it."""
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "T":
                    return True
        except OSError:
            return False
        time.sleep(0.05)
    return False


def test_media_faults(tmp, iso, deb_src):
    """A truncated image, and an image cut short while the installer reads it
    (what an ejected CD looks like to a reader of an .iso file): exit 7, the
    message names the media, the root is as it was."""
    root = copy_root(deb_src, os.path.join(tmp, "debroot-media"))
    before = snapshot(root)
    size = os.path.getsize(iso)
    bad = os.path.join(tmp, "cut.iso")
    for label, cut in (("no volume descriptor", 20 * 1024), ("half the image", size // 2),
                       ("the last 64 KiB gone", size - 65536)):
        with open(iso, "rb") as f, open(bad, "wb") as g:
            g.write(f.read(cut))
        p, out = jrun("install", "--root", root, "--media", bad, "--yes")
        msg = (out and out.get("message")) or ""
        check(f"truncated ISO ({label}): exit 7, the media cannot be read",
              p.returncode == 7 and "cannot be read" in msg and "nothing was changed" in msg
              and bad in msg, (p.returncode, msg, p.stderr[-300:]))
        d = diff(before, snapshot(root))
        check(f"truncated ISO ({label}): root unchanged", d is None, d)
    if not need_test_build("media faults mid-run (GT_TEST_STOP_AT)"):
        shutil.rmtree(root)
        return
    # Mid-run: stopped after the manifest was read and checked, the image
    # loses its payloads, then the run goes on.
    shutil.copy(iso, bad)
    cut_while_stopped("image cut mid-run", "payload", bad, 32 * 1024, root, before)
    shutil.rmtree(root)
    # Mid-read: a payload of a few MiB, stopped after its first 64 KiB were
    # read, then the image is cut in the middle of the payload.
    tgz = build_tgz(tmp, "big-agent", "1.0", [
        ("usr/bin/big-agent", "file", "#!/bin/sh\n"),
        ("usr/share/big-agent/blob", "file", os.urandom(2 << 20).hex())])
    big = make_iso(tmp, "big", [("Linux/tgz/big-agent-1.0-x86_64.tgz", tgz,
                                 "family=tgz arch=x86_64")])
    root = tgz_root(tmp, "tgz-media")
    before = snapshot(root)
    cut_while_stopped("image cut mid-read", "payload-read", big,
                      os.path.getsize(big) // 2, root, before)
    shutil.rmtree(root)


def cut_while_stopped(label, stop_at, image, cut, root, before):
    """Run install until GT_TEST_STOP_AT=stop_at stops it, truncate image to
    cut bytes, let it go on: exit 7, root and /run as they were."""
    import signal
    tmp_before = set(glob.glob("/run/guest-tools-*"))
    env = dict(os.environ, GT_TEST_STOP_AT=stop_at)
    proc = subprocess.Popen([INSTALLER_TEST, "install", "--root", root, "--media", image, "--yes",
                             "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stopped = wait_stopped(proc.pid)
    check(f"{label}: the installer stopped at '{stop_at}'", stopped, "")
    os.truncate(image, cut)
    os.kill(proc.pid, signal.SIGCONT)
    stdout, stderr = proc.communicate(timeout=300)
    try:
        msg = json.loads(stdout).get("message") or ""
    except ValueError:
        msg = ""
    check(f"{label}: exit 7, the media cannot be read",
          proc.returncode == 7 and "cannot be read" in msg and "nothing was changed" in msg,
          (proc.returncode, msg, stderr[-300:]))
    d = diff(before, snapshot(root))
    check(f"{label}: root unchanged", d is None, d)
    # Only this run's folders (guest-tools-PID-*): /run is shared with
    # whatever else runs on the machine meanwhile.
    left = set(glob.glob(f"/run/guest-tools-{proc.pid}-*")) - tmp_before
    check(f"{label}: no journal, no private copy left in /run",
          not os.path.exists(os.path.join(root, "var/lib/guest-tools/journal")) and not left,
          left)


def _replace(path, make):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
    make(path)


def _big(path):
    with open(path, "wb") as f:
        f.truncate(64 << 20)


# What a broken or half-mounted /proc and /sys can look like under --root,
# and what detect must then say: its exit code, the hypervisor it still
# finds (the CPUID leaf and the DMI strings remain), and a word its stderr
# must name (None: nothing on stderr).
PROCSYS_FAULTS = (
    ("no /proc", "proc", lambda p: None, 0, "xen", None),
    ("no /sys", "sys", lambda p: None, 0, "xen", None),
    ("/sys/hypervisor/type is a directory", "sys/hypervisor/type", os.mkdir, 0, "xen", None),
    ("/proc/cmdline is a symlink loop", "proc/cmdline",
     lambda p: os.symlink("cmdline", p), 0, "xen", None),
    ("/sys/hypervisor/type dangles", "sys/hypervisor/type",
     lambda p: os.symlink("/nonexistent", p), 0, "xen", None),
    ("/sys/class/dmi/id/product_name is 64 MiB", "sys/class/dmi/id/product_name", _big, 0,
     "xen", None),
    ("/proc/self/mountinfo is a FIFO", "proc/self/mountinfo", os.mkfifo, 8, "xen",
     "proc/self/mountinfo: cannot be read"),
)


def test_procsys_faults(tmp, iso, deb_src):
    """Missing, unusable and unreadable /proc and /sys files: detect's exit
    code and message; a real install that goes on with what the rest says,
    and an uninstall that leaves the root as it was."""
    for label, rel, make, rc, hv, says in PROCSYS_FAULTS:
        root = xen_hvm_root(tmp, deb_src, "procsys", 0)
        _replace(os.path.join(root, rel), make)
        p, out = jrun("detect", "--root", root)
        check(f"{label}: detect exits {rc} with a report", p.returncode == rc and out and
              out["virt"]["hypervisor"] == hv, (p.returncode, out and out["virt"]["hypervisor"],
                                                p.stderr[-300:]))
        check(f"{label}: detect's message", (says in p.stderr and root in p.stderr) if says
              else p.stderr == "", p.stderr[-300:])
        before = snapshot(root)
        p, out = jrun("install", "--root", root, "--media", iso, "--yes")
        check(f"{label}: install goes on (exit 0 or 3)", p.returncode in (0, 3) and out and
              out["result"] == "installed" and (not says or says in p.stderr),
              (p.returncode, p.stderr[-300:]))
        p, out = jrun("uninstall", "--root", root, "--yes")
        d = diff(before, snapshot(root))
        check(f"{label}: uninstall leaves the root as it was", p.returncode == 0 and d is None,
              (p.returncode, p.stderr[-300:], d))
        shutil.rmtree(root)
    # Unreadable to the user running detect (sysfs has root-only files):
    # no evidence, not an error.
    root = xen_hvm_root(tmp, deb_src, "procsys", 0)
    for rel in ("sys/hypervisor/type", "sys/class/dmi/id/product_name", "proc/self/mountinfo"):
        os.chmod(os.path.join(root, rel), 0)
    mode = os.stat(tmp).st_mode
    os.chmod(tmp, 0o755)
    try:
        p = sh("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", INSTALLER,
               "detect", "--root", root, "--json")
    finally:
        os.chmod(tmp, mode)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    check("files unreadable to a non-root user: detect exits 0 with a report",
          p.returncode == 0 and out and out["virt"]["hypervisor"] == "xen" and
          out["rootfs"]["type"] is None, (p.returncode, p.stderr[-300:]))
    shutil.rmtree(root)


# valgrind 3.19 does not know openat2 (syscall 437): it answers ENOSYS, which
# the installer takes for a kernel before 5.6 (lib/root_at.c walks instead),
# and says so in five lines that are no memcheck finding.
VALGRIND_NO_OPENAT2 = re.compile(
    r"--\d+-- WARNING: unhandled \S+ syscall: 437\n(--\d+-- .*\n){4}")


def check_reports(check_fn=None):
    """Under ASan or valgrind: every report file the installer left is a failure."""
    if not REPORT_DIR:
        return
    found = []
    if os.environ.get("GT_REPORT_EXPECTED"):  # valgrind writes one per run, empty when clean
        (check_fn or check)(f"the installer ran under the checker ({REPORT_DIR})",
                            len(os.listdir(REPORT_DIR)) > 0, "no report file at all")
    for name in sorted(os.listdir(REPORT_DIR)):
        path = os.path.join(REPORT_DIR, name)
        with open(path, errors="replace") as f:
            text = VALGRIND_NO_OPENAT2.sub("", f.read())
        if text:
            found.append(f"{name}: " + text[:1500])
    (check_fn or check)(f"no sanitizer or valgrind report from the installer in {REPORT_DIR}",
                        not found,
                        "\n".join(found[:3]))


def test_integrity_rpm(tmp, entries):
    iso = make_iso(tmp, "altered", entries)
    with open(iso, "rb") as f:
        data = f.read()
    # The rpm's header holds its name in clear; flip a byte of it.
    i = data.find(b"test-agent-1.0-1.x86_64")
    j = data.find(b"test agent", i if i > 0 else 0)
    pos = j if j > 0 else i
    with open(iso, "r+b") as f:
        f.seek(pos)
        f.write(bytes([data[pos] ^ 0x01]))
    root = rpm_root(tmp, "rpm-integrity")
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("altered payload: integrity exit code", p.returncode == EXIT["integrity"] and out and
          "sha256" in (out["message"] or ""), (p.returncode, out and out["message"]))
    d = diff(before, snapshot(root))
    check("altered payload: nothing touched", d is None, d)


# ---- Every change a transaction (issue 14): lock, undo, upgrades, durability ----

def snapshot_owned(root):
    """snapshot() with each path's owner: uid:gid (links too)."""
    out = snapshot(root)
    for rel in list(out):
        st = os.lstat(os.path.join(root, rel))
        out[rel] += " %d:%d" % (st.st_uid, st.st_gid)
    return out


def dpkg_list(root):
    p = sh("dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W",
           "-f=${Package} ${Version} ${db:Status-Status}\n")
    return p.stdout


def state_file(root, name):
    return os.path.join(root, "var/lib/guest-tools", name)


def undo_steps(path):
    """How many records of the log at @path an undo walks (file, pkg, dir, service)."""
    with open(path) as f:
        return sum(1 for line in f if line.split("\t")[0] in ("file", "pkg", "dir", "service"))


def record_matches_disk(root):
    """Every file and directory the installed record says the run made is there."""
    p, out = jrun("status", "--root", root)
    if not out or not out.get("installed"):
        return False, (p.returncode, p.stderr[-200:])
    missing = [c["fields"][0] for c in out["changes"] if c["kind"] in ("file", "dir") and
               not os.path.lexists(os.path.join(root, c["fields"][0].lstrip("/")))]
    return not missing, missing


def failing_rc_update(root):
    """OpenRC's rc-update that fails to add (the service step fails: the run rolls back)."""
    with open(os.path.join(root, "sbin/rc-update"), "w") as f:
        f.write('#!/bin/sh\ncase $1 in add) echo "rc-update: no" >&2; exit 1 ;;\n'
                'del) rm -f /etc/runlevels/$3/$2 ;; esac\n')


def test_concurrent(tmp, iso):
    """Two installs at once into one root: one waits for the other's lock,
    both end consistent (installed, then unchanged), the record matches the disk."""
    root = tgz_root(tmp, "tgz-concurrent")
    cmd = [INSTALLER, "install", "--root", root, "--media", iso, "--yes", "--json"]
    a = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = []
    for proc in (a, b):
        stdout, stderr = proc.communicate(timeout=300)
        try:
            outs.append((proc.returncode, json.loads(stdout)["result"], stderr))
        except (ValueError, KeyError):
            outs.append((proc.returncode, None, stderr))
    results = sorted(r for _, r, _ in outs)
    check("two concurrent installs: both exit 0, one installs, the other finds it installed",
          all(rc == 0 for rc, _, _ in outs) and results == ["installed", "unchanged"], outs)
    ok, why = record_matches_disk(root)
    check("two concurrent installs: the installed record matches the disk", ok, why)
    check("two concurrent installs: no journal left", not os.path.exists(
        state_file(root, "journal")), "")
    shutil.rmtree(root)


def test_lock_refused(tmp, iso):
    """A run that holds the lock (stopped by GT_TEST_STOP_AT right after its
    begin record): a second run waits its bounded time, then exits 10 naming
    the holder's pid and changing nothing; the first then finishes."""
    import signal
    import time
    if not need_test_build("lock held by a stopped run"):
        return
    root = tgz_root(tmp, "tgz-lock")
    first = subprocess.Popen([INSTALLER_TEST, "install", "--root", root, "--media", iso, "--yes",
                              "--json"], env=dict(os.environ, GT_TEST_STOP_AT="begin"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stopped = wait_stopped(first.pid)
        check("lock: the first run stopped while holding the lock", stopped, "")
        before = snapshot(root)
        t0 = time.monotonic()
        p, out = jrun("install", "--root", root, "--media", iso, "--yes")
        waited = time.monotonic() - t0
        check("lock: a second run waits, then exits 10 naming the holder's pid",
              p.returncode == 10 and f"pid {first.pid}" in p.stderr and waited >= 15,
              (p.returncode, round(waited, 1), p.stderr[-300:]))
        check("lock: ... and changes nothing", diff(before, snapshot(root)) is None,
              diff(before, snapshot(root)))
    finally:
        os.kill(first.pid, signal.SIGCONT)
        stdout, stderr = first.communicate(timeout=300)
    check("lock: the first run then finishes (exit 0)", first.returncode == 0,
          (first.returncode, stderr[-300:]))
    ok, why = record_matches_disk(root)
    check("lock: the installed record matches the disk", ok, why)
    shutil.rmtree(root)


def test_lock_wait_cancelled(tmp, iso):
    """Ctrl-C while a run waits for the lock (SIGINT, caught without
    SA_RESTART since the media was opened): the wait ends at once, exit 1
    "cancelled while waiting", nothing changed by it; the holder finishes.
    The waiter starts on a root with no state directory (stopped at
    'payload' before the holder makes one), so it waits in the late lock,
    after its media is open."""
    import signal
    import time
    if not need_test_build("SIGINT during the lock wait"):
        return
    root = tgz_root(tmp, "tgz-lock-sigint")
    cmd = [INSTALLER_TEST, "install", "--root", root, "--media", iso, "--yes", "--json"]
    waiter = subprocess.Popen(cmd, env=dict(os.environ, GT_TEST_STOP_AT="payload"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    holder = None
    try:
        check("lock wait: the waiter stopped before the state directory exists",
              wait_stopped(waiter.pid) and not os.path.lexists(state_file(root, "lock")), "")
        holder = subprocess.Popen(cmd, env=dict(os.environ, GT_TEST_STOP_AT="begin"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check("lock wait: the holder stopped with the lock", wait_stopped(holder.pid), "")
        before = snapshot(root)
        os.kill(waiter.pid, signal.SIGCONT)
        time.sleep(3)  # the payload is read, then the wait (20 s) begins
        t0 = time.monotonic()
        os.kill(waiter.pid, signal.SIGINT)
        stdout, stderr = waiter.communicate(timeout=60)
        took = time.monotonic() - t0
        check("lock wait: SIGINT ends it at once: exit 1, cancelled, nothing changed",
              waiter.returncode == 1 and took < 5 and
              "cancelled while waiting for" in stderr and "nothing was changed" in stderr,
              (waiter.returncode, round(took, 1), stderr[-300:]))
        check("lock wait: ... and the root is as the holder left it",
              diff(before, snapshot(root)) is None, diff(before, snapshot(root)))
    finally:
        if waiter.returncode is None:
            waiter.kill()
            waiter.communicate()
        if holder:
            os.kill(holder.pid, signal.SIGCONT)
            _, hstderr = holder.communicate(timeout=300)
    check("lock wait: the holder then finishes (exit 0)", holder and holder.returncode == 0,
          holder and (holder.returncode, hstderr[-300:]))
    ok, why = record_matches_disk(root)
    check("lock wait: the installed record matches the disk", ok, why)
    shutil.rmtree(root)

def test_undo_kills(tmp):
    """SIGKILL at every undo step (after the step, before its record; and
    after its record) of a rollback and of an uninstall: the next run
    finishes the job and the root is as it was before the first install,
    the admin's files (replaced by the payload, then put back) included."""
    if not need_test_build("SIGKILL at every undo step"):
        return
    os.makedirs(os.path.join(tmp, "undo-kill"))
    iso = make_iso(tmp, "undo-kill", [
        ("Linux/tgz/test-agent-1.0-x86_64.tgz", agent_tgz(os.path.join(tmp, "undo-kill"), "1.0"),
         "family=tgz arch=x86_64")])

    def admin_root(name):
        r = tgz_root(tmp, name)
        admin_files(r)
        return r

    probe = admin_root("tgz-undo-probe")
    failing_rc_update(probe)
    jrun("install", "--root", probe, "--media", iso, "--yes")
    # The rollback's steps, counted on a journal left by a kill at 'service'.
    p = installer("install", "--root", probe, "--media", iso, "--yes",
                  env={"GT_TEST_KILL_AT": "service"})
    n_rollback = undo_steps(state_file(probe, "journal")) if p.returncode == -9 else 0
    shutil.rmtree(probe)
    probe = admin_root("tgz-undo-probe2")
    jrun("install", "--root", probe, "--media", iso, "--yes")
    n_uninstall = undo_steps(state_file(probe, "installed"))
    shutil.rmtree(probe)
    check("undo steps counted (rollback and uninstall of the tgz payload)",
          n_rollback >= 6 and n_uninstall >= 6, (n_rollback, n_uninstall))
    killed = 0
    for when in ("undo", "undone"):
        for k in range(1, n_rollback + 1):
            root = admin_root(f"tgz-rbkill-{when}-{k}")
            failing_rc_update(root)
            before = snapshot_owned(root)
            p = installer("install", "--root", root, "--media", iso, "--yes",
                          env={"GT_TEST_KILL_AT": f"{when}:{k}"})
            died = p.returncode == -9 and os.path.exists(state_file(root, "journal"))
            p2, out = jrun("uninstall", "--root", root, "--yes")
            d = diff(before, snapshot_owned(root))
            check(f"rollback killed at {when}:{k}/{n_rollback}: the next run finishes it, "
                  "the root as before", died and p2.returncode == 0 and d is None,
                  (p.returncode, p2.returncode, p2.stderr[-300:], d))
            killed += died
            shutil.rmtree(root)
        for k in range(1, n_uninstall + 1):
            root = admin_root(f"tgz-unkill-{when}-{k}")
            before = snapshot_owned(root)
            p1, _ = jrun("install", "--root", root, "--media", iso, "--yes")
            p = installer("uninstall", "--root", root, "--yes",
                          env={"GT_TEST_KILL_AT": f"{when}:{k}"})
            died = p.returncode == -9 and os.path.exists(state_file(root, "installed"))
            # Every other time the next run is an install: it finishes the
            # uninstall first, then installs; an uninstall then ends it.
            if k % 2:
                p2, out = jrun("uninstall", "--root", root, "--yes")
                ok = p2.returncode == 0
            else:
                p2, out = jrun("install", "--root", root, "--media", iso, "--yes")
                ok = p2.returncode == 0 and out and out["recovered_interrupted_run"] and \
                    out["result"] == "installed"
                ok = ok and jrun("uninstall", "--root", root, "--yes")[0].returncode == 0
            d = diff(before, snapshot_owned(root))
            check(f"uninstall killed at {when}:{k}/{n_uninstall}: the next "
                  f"{'uninstall' if k % 2 else 'install'} finishes it, the root as before",
                  p1.returncode == 0 and died and ok and d is None,
                  (p.returncode, p2.returncode, p2.stderr[-300:], d))
            killed += died
            shutil.rmtree(root)
    print(f"integration: {killed} runs killed at an undo step "
          f"({n_rollback} rollback and {n_uninstall} uninstall steps, twice each)")


def test_rollback_incomplete(tmp, deb_src, installer_bin):
    """A package whose postinst fails and whose prerm fails too: the rollback
    cannot purge it, and says so (exit 11, "rollback-incomplete", the package
    and its state listed), keeps the journal, and the next run does not
    pretend either; once the prerm is fixed, uninstall finishes the job."""
    bad = build_deb(tmp, "test-agent", "3.0-1", postinst_rc=1, prerm_rc=1)
    iso = make_iso(tmp, "badprerm", [
        ("Linux/installer.x86_64", installer_bin, "mode=0755"),
        ("Linux/deb/test-agent_3.0-1_amd64.deb", bad, "family=deb arch=x86_64 like=debian")])
    root = copy_root(deb_src, os.path.join(tmp, "debroot-badprerm"))
    before = snapshot(root)
    db_before = dpkg_list(root)
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    left = " ".join(out["left"]) if out else ""
    check("failing prerm during rollback: exit 11, result rollback-incomplete",
          p.returncode == 11 and out and out["result"] == "rollback-incomplete",
          (p.returncode, out and out["result"], p.stderr[-400:]))
    check("failing prerm during rollback: what is left is listed (the package, its state, "
          "the failing purge)", "package test-agent (deb)" in left and "was not installed" in
          left and "dpkg: exit status" in left, left)
    check("failing prerm during rollback: never \"everything was rolled back\"",
          "everything was rolled back" not in p.stderr and "incomplete" in p.stderr,
          p.stderr[-300:])
    check("failing prerm during rollback: the journal is kept",
          os.path.exists(state_file(root, "journal")), "")
    p, out = jrun("install", "--root", root, "--media", iso, "--yes")
    check("failing prerm: the next install says the earlier run is not undone (exit 11)",
          p.returncode == 11 and out and out["result"] == "rollback-incomplete" and
          "could not be undone completely" in p.stderr, (p.returncode, p.stderr[-300:]))
    with open(os.path.join(root, "var/lib/dpkg/info/test-agent.prerm"), "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    p, out = jrun("uninstall", "--root", root, "--yes")
    d = diff(before, snapshot(root))
    check("failing prerm fixed: uninstall finishes the rollback; root and dpkg database as "
          "before", p.returncode == 0 and d is None and dpkg_list(root) == db_before,
          (p.returncode, p.stderr[-300:], d))
    shutil.rmtree(root)


def admin_files(root):
    """What an admin had before guest-tools came: a config file of uid 1000,
    mode 0600, and the agent's path as a symlink of uid 1000."""
    conf = os.path.join(root, "etc/test-agent.conf")
    with open(conf, "w") as f:
        f.write("admin's own\n")
    os.chown(conf, 1000, 1000)
    os.chmod(conf, 0o600)
    link = os.path.join(root, "usr/bin/test-agent")
    os.symlink("/opt/admin/test-agent", link)
    os.lchown(link, 1000, 1000)


def agent_tgz(tmp, version, extra=()):
    return build_tgz(tmp, "test-agent", version, [
        ("usr/bin/test-agent", "file", f"#!/bin/sh\n# {version}\nexec sleep 1000\n"),
        ("etc/test-agent.conf", "file", f"version={version}\n"),
        ("etc/init.d/test-agent", "file", "#!/sbin/openrc-run\ncommand=/usr/bin/test-agent\n"),
        ("usr/share/doc/test-agent/README", "file", f"{version}\n")] + list(extra))


def test_upgrade_uninstall(tmp, deb_src, installer_bin):
    """Install, upgrade, uninstall: the root returns to its state before the
    first install (file list, type incl. symlinks, owner incl. uid 1000, mode,
    sha256, and the package database), for tgz and for deb."""
    for sub in ("up1", "up2"):
        os.makedirs(os.path.join(tmp, sub))
    v1 = agent_tgz(os.path.join(tmp, "up1"), "1.0")
    v2 = agent_tgz(os.path.join(tmp, "up2"), "2.0",
                   [("usr/share/doc/test-agent/NEWS", "file", "2.0\n")])
    iso1 = make_iso(tmp, "up-tgz-1", [("Linux/tgz/test-agent-1.0-x86_64.tgz", v1,
                                        "family=tgz arch=x86_64")])
    iso2 = make_iso(tmp, "up-tgz-2", [("Linux/tgz/test-agent-2.0-x86_64.tgz", v2,
                                        "family=tgz arch=x86_64")])
    root = tgz_root(tmp, "tgz-upgrade")
    admin_files(root)
    before = snapshot_owned(root)
    p1, o1 = jrun("install", "--root", root, "--media", iso1, "--yes")
    p2, o2 = jrun("install", "--root", root, "--media", iso2, "--yes")
    check("tgz upgrade: 1.0 installed, then upgraded to 2.0",
          p1.returncode == 0 and p2.returncode == 0 and o2 and o2["result"] == "installed" and
          o2["payload"]["previous_version"] == "1.0", (p1.returncode, p2.returncode,
                                                       p2.stderr[-300:]))
    p, out = jrun("status", "--root", root)
    check("tgz upgrade: status shows version 2.0", out and out["agent"]["version"] == "2.0",
          out and out["agent"])
    p3, _ = jrun("uninstall", "--root", root, "--yes")
    d = diff(before, snapshot_owned(root))
    check("tgz upgrade, then uninstall: the admin's files are back (a symlink of uid 1000, "
          "a uid-1000 0600 file), nothing else changed", p3.returncode == 0 and d is None,
          (p3.returncode, p3.stderr[-300:], d))
    shutil.rmtree(root)
    # deb: 1.0-1, then 2.0-1 by dpkg -i, then uninstall.
    dtmp = os.path.join(tmp, "up-deb")
    os.makedirs(dtmp)
    d1 = build_deb(dtmp, "test-agent", "1.0-1")
    d2 = build_deb(dtmp, "test-agent", "2.0-1")
    iso1 = make_iso(tmp, "up-deb-1", [("Linux/deb/test-agent_1.0-1_amd64.deb", d1,
                                        "family=deb arch=x86_64 like=debian")])
    iso2 = make_iso(tmp, "up-deb-2", [("Linux/deb/test-agent_2.0-1_amd64.deb", d2,
                                        "family=deb arch=x86_64 like=debian")])
    root = copy_root(deb_src, os.path.join(tmp, "deb-upgrade"))
    before = snapshot_owned(root)
    db_before = dpkg_list(root)
    p1, _ = jrun("install", "--root", root, "--media", iso1, "--yes")
    p2, o2 = jrun("install", "--root", root, "--media", iso2, "--yes")
    q = sh("chroot", root, "dpkg-query", "-W", "-f=${Version}", "test-agent")
    check("deb upgrade: 1.0-1, then 2.0-1 installed", p1.returncode == 0 and
          p2.returncode == 0 and q.stdout == "2.0-1", (p1.returncode, p2.returncode, q.stdout))
    p3, _ = jrun("uninstall", "--root", root, "--yes")
    d = diff(before, snapshot_owned(root))
    check("deb upgrade, then uninstall: files, owners and the dpkg database as before the "
          "first install", p3.returncode == 0 and d is None and dpkg_list(root) == db_before,
          (p3.returncode, p3.stderr[-300:], d))
    shutil.rmtree(root)


def test_failed_upgrade(tmp):
    """An upgrade killed after it recorded the (already enabled) service: the
    next run rolls it back to the previous version exactly, and the service
    stays enabled."""
    if not need_test_build("failed upgrade keeps the service enabled"):
        return
    for sub in ("fu1", "fu2"):
        os.makedirs(os.path.join(tmp, sub))
    v1 = agent_tgz(os.path.join(tmp, "fu1"), "1.0")
    v2 = agent_tgz(os.path.join(tmp, "fu2"), "2.0")
    iso1 = make_iso(tmp, "fu-1", [("Linux/tgz/test-agent-1.0-x86_64.tgz", v1,
                                   "family=tgz arch=x86_64")])
    iso2 = make_iso(tmp, "fu-2", [("Linux/tgz/test-agent-2.0-x86_64.tgz", v2,
                                   "family=tgz arch=x86_64")])
    root = tgz_root(tmp, "tgz-failed-upgrade")
    jrun("install", "--root", root, "--media", iso1, "--yes")
    after_v1 = snapshot_owned(root)
    link = os.path.join(root, "etc/runlevels/default/test-agent")
    p = installer("install", "--root", root, "--media", iso2, "--yes",
                  env={"GT_TEST_KILL_AT": "service"})
    p2, out = jrun("install", "--root", root, "--media", iso1, "--yes")
    d = diff(after_v1, snapshot_owned(root))
    check("failed upgrade: rolled back to 1.0 exactly; the service stays enabled",
          p.returncode == -9 and p2.returncode == 0 and out and
          out["recovered_interrupted_run"] and out["result"] == "unchanged" and
          os.path.islink(link) and d is None, (p.returncode, p2.returncode, p2.stderr[-300:], d))
    shutil.rmtree(root)


def test_seams_ignored(tmp, iso):
    """The shipped installer has no test seams: GT_TEST_KILL_AT and
    GT_TEST_STOP_AT change nothing, and their names are not in the binary."""
    with open(INSTALLER, "rb") as f:
        data = f.read()
    if data.startswith(b"#!"):
        harness.skip("test seams absent from the product", "INSTALLER is a wrapper script")
        return
    check("the shipped installer does not carry the test seams' names",
          b"GT_TEST_KILL_AT" not in data and b"GT_TEST_STOP_AT" not in data, "")
    root = tgz_root(tmp, "tgz-seams")
    p = sh(INSTALLER, "install", "--root", root, "--media", iso, "--yes", "--json",
           env=dict(os.environ, GT_TEST_KILL_AT="begin", GT_TEST_STOP_AT="payload"),
           timeout=300)
    check("the shipped installer ignores GT_TEST_KILL_AT and GT_TEST_STOP_AT (installs)",
          p.returncode == 0 and '"result":"installed"' in p.stdout.replace(" ", ""),
          (p.returncode, p.stderr[-300:]))
    shutil.rmtree(root)


def test_status_unreadable(tmp, iso):
    """An installed record that cannot be read is said so by status (exit 8),
    never "not installed"."""
    for label, make in (("garbage", lambda p: open(p, "w").write("not a record\n")),
                        ("a directory", os.mkdir),
                        ("unreadable bytes", lambda p: open(p, "wb").write(b"begin\x00\n"))):
        root = tgz_root(tmp, "tgz-status-" + label.replace(" ", "-"))
        jrun("install", "--root", root, "--media", iso, "--yes")
        rec = state_file(root, "installed")
        os.unlink(rec)
        make(rec)
        p, out = jrun("status", "--root", root)
        check(f"status, installed record {label}: exit 8, says it cannot be read",
              p.returncode == 8 and out and out["installed"] is None and
              "not installed" not in p.stdout and "installed" in p.stderr,
              (p.returncode, p.stdout[-200:], p.stderr[-200:]))
        shutil.rmtree(root)


def test_payload_longer(tmp, iso):
    """A payload longer than the manifest says is an integrity failure (exit 5)."""
    tree = os.path.join(tmp, "longer-tree")
    os.makedirs(tree)
    sh("bsdtar", "-xf", iso, "-C", tree, check=True)
    with open(os.path.join(tree, "Linux/tgz/test-agent-1.0-x86_64.tgz"), "ab") as f:
        f.write(b"\0" * 100)
    root = tgz_root(tmp, "tgz-longer")
    before = snapshot(root)
    p, out = jrun("install", "--root", root, "--media", tree, "--yes")
    check("payload longer than the manifest says: exit 5, nothing changed",
          p.returncode == 5 and diff(before, snapshot(root)) is None,
          (p.returncode, p.stderr[-300:]))
    shutil.rmtree(root)


def test_tgz_spellings(tmp, installer_bin):
    """The payload's own links reached through another spelling ("a/", "a/./",
    "a//b"), and a path longer than a path may be: refused, root unchanged."""
    long_path = "/".join(["d" * 200] * 22) + "/f"  # 4423 bytes, each part under NAME_MAX
    cases = {
        "link spelled a/": [("usr/lnk/", "symlink", "/etc"), ("usr/lnk/gt-x", "file", "x")],
        "through a/./": [("usr/lnk", "symlink", "/etc"), ("usr/lnk/./gt-x", "file", "x")],
        "through a//": [("usr/lnk", "symlink", "/etc"), ("usr//lnk//gt-x", "file", "x")],
        "over-long path": [(long_path, "file", "x")],
    }
    for name, members in cases.items():
        d = os.path.join(tmp, "spell-" + name.replace(" ", "-").replace("/", "_"))
        os.makedirs(d)
        tgz = build_tgz(d, "test-agent", "9.7", members)
        iso = make_iso(tmp, "spell-" + str(len(os.listdir(tmp))), [
            ("Linux/tgz/test-agent-9.7-x86_64.tgz", tgz, "family=tgz arch=x86_64")])
        root = tgz_root(tmp, "tgz-spell-" + str(len(os.listdir(tmp))))
        before = snapshot(root)
        p, out = jrun("install", "--root", root, "--media", iso, "--yes")
        says = "longer than a path may be" if "long" in name else "symlink the payload itself made"
        check(f"tgz {name}: refused and rolled back (exit 6), says why",
              p.returncode == EXIT["rolledback"] and says in p.stderr,
              (p.returncode, p.stderr[-300:]))
        check(f"tgz {name}: root unchanged, nothing written through the link",
              diff(before, snapshot(root)) is None and
              not os.path.exists(os.path.join(root, "etc/gt-x")), diff(before, snapshot(root)))
        shutil.rmtree(root)


if __name__ == "__main__":
    sys.exit(main())
