#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of `installer prepare-hvm` (docs/installer.8).

The guest is the cached `debootstrap --variant=minbase bookworm` root (the
integration suite's, tests/integration/run.py) laid out the way a Debian PV
guest is: the PV facts of tests/fixtures/xen-pv-centos6 (/sys, /proc,
xenstore), a kernel as Debian's linux-image-amd64 installs it (vmlinuz,
config with the disk drivers as modules, modules.dep, initrd.img), systemd's
getty templates, grub-pc's /etc/default/grub with the console on hvc0 only,
a grub.cfg pygrub reads, an fstab by /dev/xvda names. Its disk is an image
file: an MBR with no boot code, ext4 on partition 1 (at 1 MiB) and swap on 2,
made by sfdisk, mkfs.ext4 and mkswap with known UUIDs.

The guest's programs (update-initramfs, update-grub, grub-install) are
stand-ins that leave a mark when they run: under --root none may run. The
live case runs the static installer inside the root with chroot (then it is
"/" to the installer): the stand-in grub-install writes boot code and a
core image into the disk image, and uninstall must put them back byte for
byte.

Usage: INSTALLER=build/installer INSTALLER_TEST=build/static/installer-test
       tests/prepare_hvm/run.py [RESULTS]     (needs root: chroot)
"""
import hashlib
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


def _integration():
    """The integration suite's helpers (debian_root, snapshot, diff)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "integration_run", os.path.join(REPO, "tests", "integration", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


integ = _integration()

harness.configure(show_passes=True)
SUITE = os.environ.get("GT_SUITE", "prepare-hvm")
INSTALLER = os.path.abspath(os.environ.get("INSTALLER", os.path.join(REPO, "build/installer")))
INSTALLER_TEST = os.environ.get("INSTALLER_TEST")
INSTALLER_TEST = os.path.abspath(INSTALLER_TEST) if INSTALLER_TEST else None
KVER = "6.1.0-18-amd64"
ROOT_UUID = "4c1f0e6a-2b7d-4a51-9a0e-0d8f3b1c5e77"
SWAP_UUID = "9a3b2c1d-0e4f-4a5b-8c6d-7e8f9a0b1c2d"
EXIT_NOT_READY = 15
EXIT_UNSUPPORTED = 4
MARK = "var/tmp/guest-program-ran"


def sh(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(list(args), **kw)


def put(root, rel, text, mode=0o644):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def stand_in(root, rel, body):
    """A guest program that leaves a mark (MARK) when it runs."""
    put(root, rel, "#!/bin/sh\necho \"$0 $*\" >> /" + MARK + "\n" + body, 0o755)


def newc(entries):
    """A cpio archive in the "newc" format initramfs-tools writes
    (usr/src/linux/Documentation/driver-api/early-userspace/buffer-format.rst):
    (name, data) regular files, then the trailer."""
    out = bytearray()
    for ino, (name, data) in enumerate(list(entries) + [("TRAILER!!!", b"")], 1):
        mode = 0 if name == "TRAILER!!!" else 0o100644
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
        out += b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def pv_initrd():
    """A PV guest's initramfs (gzip, as update-initramfs with COMPRESS=gzip):
    xen-blkfront, and no driver for an emulated disk."""
    import gzip
    return gzip.compress(newc([
        ("init", b"#!/bin/sh\n"),
        (f"usr/lib/modules/{KVER}/kernel/drivers/block/xen-blkfront.ko.xz", b"module"),
        (f"usr/lib/modules/{KVER}/modules.dep",
         b"kernel/drivers/block/xen-blkfront.ko.xz:\n")]), mtime=0)


def pv_root(tmp, name, grub=True):
    root = os.path.join(tmp, name)
    sh("cp", "-a", integ.debian_root(), root, check=True)
    pv = os.path.join(REPO, "tests/fixtures/xen-pv-centos6")
    for part in ("sys", "proc", ".guest-tools"):
        shutil.copytree(os.path.join(pv, part), os.path.join(root, part), symlinks=True,
                        dirs_exist_ok=True, ignore=shutil.ignore_patterns(".keep"))
    # Debian's linux-image-6.1.0-18-amd64: the disk drivers are modules
    # (its config-6.1.0-18-amd64 says =m), listed in modules.dep.
    put(root, f"boot/vmlinuz-{KVER}", "kernel image stand-in\n")
    with open(os.path.join(root, f"boot/initrd.img-{KVER}"), "wb") as f:
        f.write(pv_initrd())
    put(root, f"boot/config-{KVER}", "CONFIG_XEN_BLKDEV_FRONTEND=m\nCONFIG_ATA_PIIX=m\n"
        "CONFIG_SATA_AHCI=m\nCONFIG_BLK_DEV_SD=m\nCONFIG_HVC_XEN=y\n")
    put(root, f"lib/modules/{KVER}/modules.dep",
        "kernel/drivers/block/xen-blkfront.ko.xz:\n"
        "kernel/drivers/ata/ata_piix.ko.xz: kernel/drivers/ata/libata.ko.xz\n"
        "kernel/drivers/ata/ahci.ko.xz: kernel/drivers/ata/libahci.ko.xz\n"
        "kernel/drivers/scsi/sd_mod.ko.xz: kernel/drivers/scsi/scsi_mod.ko.xz\n")
    put(root, "etc/initramfs-tools/modules",
        "# List of modules that you want to include in your initramfs.\n"
        "# They will be loaded at boot time in the order below.\n#\n"
        "# Syntax:  module_name [args ...]\n")
    stand_in(root, "usr/sbin/update-initramfs",
             "while [ $# -gt 0 ]; do [ \"$1\" = -k ] && kver=$2; shift; done\n"
             "cat /etc/initramfs-tools/modules > /boot/initrd.img-$kver\n")
    # systemd: /sbin/init links to it; its getty templates (units/*.in).
    put(root, "lib/systemd/systemd", "", 0o755)
    os.symlink("/lib/systemd/systemd", os.path.join(root, "sbin/init.gt"))
    os.replace(os.path.join(root, "sbin/init.gt"), os.path.join(root, "sbin/init"))
    for unit in ("getty@.service", "serial-getty@.service"):
        put(root, f"lib/systemd/system/{unit}",
            "[Unit]\nDescription=Getty on %I\n\n[Service]\nExecStart=-/sbin/agetty %I\n\n"
            "[Install]\nWantedBy=getty.target\n")
    os.makedirs(os.path.join(root, "etc/systemd/system/getty.target.wants"), exist_ok=True)
    # grub-pc's /etc/default/grub, edited for PV; a grub.cfg pygrub reads.
    put(root, "etc/default/grub",
        "# If you change this file, run 'update-grub' afterwards to update\n"
        "# /boot/grub/grub.cfg.\n\nGRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n"
        "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
        "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=hvc0\"\n")
    cfg = ("menuentry 'Debian GNU/Linux' {\n\tinsmod ext2\n"
           f"\tlinux /boot/vmlinuz-{KVER} root=/dev/xvda1 ro console=hvc0 quiet\n"
           f"\tinitrd /boot/initrd.img-{KVER}\n}}\n")
    put(root, "boot/grub/grub.cfg", cfg)
    stand_in(root, "usr/sbin/update-grub",
             ". /etc/default/grub\n"
             "sed \"s|console=hvc0 quiet|$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT|\" "
             "/boot/grub/grub.cfg > /boot/grub/grub.cfg.new && "
             "mv /boot/grub/grub.cfg.new /boot/grub/grub.cfg\n")
    if grub:
        # grub-pc-bin's platform files and a grub-install that writes what the
        # real one writes (GRUB's util/grub-install.c, grub-install-common.c):
        # boot code in sector 0 (boot.img carries "GRUB"), core.img in the gap,
        # the platform files copied over /boot/grub/i386-pc (an older GRUB's
        # normal.mod there rewritten), core.img, the font, the translations,
        # and grubenv when missing.
        put(root, "usr/lib/grub/i386-pc/boot.img", "GRUB boot.img stand-in\n")
        put(root, "usr/lib/grub/i386-pc/normal.mod", "normal.mod of this GRUB\n")
        put(root, "usr/lib/grub/i386-pc/moddep.lst", "normal: boot\n")
        put(root, "usr/share/grub/unicode.pf2", "PFF2 font stand-in\n")
        put(root, "usr/share/locale/fr/LC_MESSAGES/grub.mo", "fr grub.mo\n")
        put(root, "boot/grub/i386-pc/normal.mod", "normal.mod of an older GRUB\n")
        stand_in(root, "usr/sbin/grub-install",
                 "for a; do disk=$a; done\n"
                 "printf 'GRUB stand-in boot code' | dd of=$disk conv=notrunc 2>/dev/null\n"
                 "printf 'core.img in the gap' | dd of=$disk bs=512 seek=1 conv=notrunc "
                 "2>/dev/null\n"
                 "mkdir -p /boot/grub/i386-pc /boot/grub/fonts /boot/grub/locale && "
                 "cp /usr/lib/grub/i386-pc/* /boot/grub/i386-pc/ && "
                 "echo core > /boot/grub/i386-pc/core.img && "
                 "cp /usr/share/grub/unicode.pf2 /boot/grub/fonts/ && "
                 "cp /usr/share/locale/fr/LC_MESSAGES/grub.mo /boot/grub/locale/fr.mo && "
                 "{ [ -e /boot/grub/grubenv ] || echo '# GRUB Environment Block' "
                 "> /boot/grub/grubenv; }\n")
    put(root, "etc/fstab",
        "# /etc/fstab: static file system information.\n"
        "# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
        "/dev/xvda1\t/\text4\terrors=remount-ro  0       1\n"
        "/dev/xvda2  none  swap  sw  0  0\n"
        "proc /proc proc defaults 0 0\n")
    return root


def disk_image(path):
    """An MBR disk with no boot code: ext4 at 1 MiB, swap after it."""
    with open(path, "wb") as f:
        f.truncate(24 * 1024 * 1024)
    p = sh("sfdisk", "--no-reread", "--no-tell-kernel", path,
           input="label: dos\nstart=2048, size=32768, type=83\nstart=34816, type=82\n")
    assert p.returncode == 0, p.stderr
    part = path + ".p1"
    with open(part, "wb") as f:
        f.truncate(32768 * 512)
    sh("mkfs.ext4", "-q", "-F", "-U", ROOT_UUID, part, check=True)
    sh("dd", f"if={part}", f"of={path}", "bs=512", "seek=2048", "conv=notrunc", check=True)
    os.unlink(part)
    swap = path + ".p2"
    with open(swap, "wb") as f:
        f.truncate(12288 * 512)
    sh("mkswap", "-U", SWAP_UUID, swap, check=True)
    sh("dd", f"if={swap}", f"of={path}", "bs=512", "seek=34816", "conv=notrunc", check=True)
    os.unlink(swap)
    # Sector 0's boot code area stays zero: sfdisk writes only the table.
    with open(path, "rb") as f:
        assert f.read(440) == bytes(440)
    return path


def sha(path, length=None):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(length) if length else f.read()).hexdigest()


def jrun(binary, *args, env=None, chroot=None):
    cmd = ([ "chroot", chroot, "/installer"] if chroot else [binary]) + \
        ["prepare-hvm"] + list(args) + ["--json"]
    p = sh(*cmd, env=env)
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def uninstall(root, chroot=False):
    if chroot:
        return sh("chroot", root, "/installer", "uninstall", "--yes")
    return sh(INSTALLER, "uninstall", "--root", root, "--yes")


def test_offline(tmp):
    root = pv_root(tmp, "offline")
    disk = disk_image(os.path.join(tmp, "offline.img"))
    before, disk_before = integ.snapshot(root), sha(disk)

    p, out = jrun(INSTALLER, "--root", root, "--disk", disk, "--dry-run")
    check("dry run: a plan, exit 0, nothing changed",
          p.returncode == 0 and out and out["result"] == "planned" and out["steps"] and
          integ.diff(before, integ.snapshot(root)) is None and sha(disk) == disk_before,
          (p.returncode, p.stderr[-400:], out and out.get("steps")))

    p, out = jrun(INSTALLER, "--root", root, "--disk", disk)
    ok = out is not None and out.get("result") == "prepared"
    check("--root: prepared, not ready yet (exit 15: the guest's programs are left to run)",
          p.returncode == EXIT_NOT_READY and ok and out["ready"] is False,
          (p.returncode, p.stderr[-600:], out and out.get("result")))
    check("--root: none of the image's programs ran",
          not os.path.exists(os.path.join(root, MARK)), "")
    commands = {i["command"] for i in out["not_done"]} if ok else set()
    check("--root: update-initramfs, update-grub and grub-install named, to run in the guest",
          any(c and c.startswith("update-initramfs") for c in commands) and
          "update-grub" in commands and "grub-install --target=i386-pc /dev/xvda" in commands,
          commands)
    with open(os.path.join(root, "etc/fstab")) as f:
        fstab = f.read()
    check("--root --disk: fstab by the UUIDs read from the image, the rest kept",
          f"UUID={ROOT_UUID}\t/\text4\terrors=remount-ro  0       1\n" in fstab and
          f"UUID={SWAP_UUID}  none  swap  sw  0  0\n" in fstab and
          fstab.startswith("# /etc/fstab: static") and "proc /proc proc" in fstab, fstab)
    with open(os.path.join(root, "etc/default/grub")) as f:
        check("--root: GRUB_CMDLINE_LINUX gains console=tty0 before hvc0",
              'GRUB_CMDLINE_LINUX="console=tty0 console=hvc0"\n' in f.read(), "")
    wants = os.path.join(root, "etc/systemd/system/getty.target.wants")
    check("--root: serial-getty@ttyS0 and getty@tty1 enabled the way systemctl does",
          os.readlink(os.path.join(wants, "serial-getty@ttyS0.service")) ==
          "/lib/systemd/system/serial-getty@.service" and
          os.readlink(os.path.join(wants, "getty@tty1.service")) ==
          "/lib/systemd/system/getty@.service", sorted(os.listdir(wants)))
    with open(os.path.join(root, "etc/initramfs-tools/modules")) as f:
        mods = f.read()
    check("--root: the initramfs modules listed, the comments kept",
          mods.startswith("# List of modules") and
          all(m + "\n" in mods for m in ("xen-blkfront", "ata_piix", "ahci", "sd_mod")), mods)
    check("--root: the disk image is not written", sha(disk) == disk_before, "")

    p, out = jrun(INSTALLER, "--root", root, "--disk", disk)
    check("second run changes nothing",
          out is not None and out["changed"] is False and out["steps"] == [] and
          p.returncode == EXIT_NOT_READY, (p.returncode, out and out.get("steps")))
    commands = {i["command"] for i in out["not_done"]} if out else set()
    check("second run: the image still lacks the drivers (readiness check), so the "
          "rebuild is still named although the modules file lists them",
          f"update-initramfs -u -k {KVER}" in commands, commands)

    p = uninstall(root)
    d = integ.diff(before, integ.snapshot(root))
    check("uninstall restores every file byte for byte", p.returncode == 0 and d is None,
          (p.returncode, p.stderr[-400:], d))
    shutil.rmtree(root)


def test_sysvinit(tmp):
    """SysV init (sysvinit-core): getty lines in /etc/inittab, Debian's own
    inittab with tty1 and the PV console on hvc0 (its "co" line)."""
    root = pv_root(tmp, "sysv")
    os.unlink(os.path.join(root, "sbin/init"))
    os.unlink(os.path.join(root, "lib/systemd/systemd"))
    inittab = ("# /etc/inittab: init(8) configuration.\n\nid:2:initdefault:\n"
               "si::sysinit:/etc/init.d/rcS\n"
               "1:2345:respawn:/sbin/getty --noclear 38400 tty1\n"
               "co:2345:respawn:/sbin/getty hvc0 9600 linux\n")
    put(root, "etc/inittab", inittab)
    put(root, "sbin/init", "", 0o755)
    before = integ.snapshot(root)
    p, out = jrun(INSTALLER, "--root", root)
    with open(os.path.join(root, "etc/inittab")) as f:
        now = f.read()
    check("sysvinit: a getty on ttyS0 appended to /etc/inittab, tty1's kept as it was",
          p.returncode == EXIT_NOT_READY and now.startswith(inittab) and
          now.count("tty1") == 1 and "gtS0:2345:respawn:/sbin/getty -L ttyS0 115200 vt100\n"
          in now, (p.returncode, p.stderr[-300:], now))
    check("sysvinit: no systemd link made",
          not os.listdir(os.path.join(root, "etc/systemd/system/getty.target.wants")), "")
    p, out = jrun(INSTALLER, "--root", root)
    check("sysvinit: second run changes nothing", out is not None and out["changed"] is False,
          (p.returncode, out and out.get("steps")))
    p = uninstall(root)
    d = integ.diff(before, integ.snapshot(root))
    check("sysvinit: uninstall restores /etc/inittab byte for byte",
          p.returncode == 0 and d is None, (p.returncode, d))
    shutil.rmtree(root)


def test_no_grub(tmp):
    root = pv_root(tmp, "nogrub", grub=False)
    disk = disk_image(os.path.join(tmp, "nogrub.img"))
    before, disk_before = integ.snapshot(root), sha(disk)
    p, out = jrun(INSTALLER, "--root", root, "--disk", disk)
    cannot = out["cannot"] if out else []
    check("no grub package: exit 4, the fix named with its command",
          p.returncode == EXIT_UNSUPPORTED and out["result"] == "cannot" and
          out["ready"] is False and
          any(c["command"] == "apt-get install grub-pc" for c in cannot),
          (p.returncode, p.stderr[-400:], cannot))
    check("no grub package: nothing changed",
          integ.diff(before, integ.snapshot(root)) is None and sha(disk) == disk_before and
          out["changed"] is False, integ.diff(before, integ.snapshot(root)))
    shutil.rmtree(root)


def test_killed(tmp):
    if not INSTALLER_TEST:
        harness.skip("killed run rolled back", "INSTALLER_TEST (the test build) not given")
        return
    root = pv_root(tmp, "killed")
    disk = disk_image(os.path.join(tmp, "killed.img"))
    before = integ.snapshot(root)
    env = dict(os.environ, GT_TEST_KILL_AT="hvm-step:3")
    journal = os.path.join(root, "var/lib/guest-tools/journal")
    p, _ = jrun(INSTALLER_TEST, "--root", root, "--disk", disk, env=env)
    check("killed after its third step (SIGKILL), the journal left",
          p.returncode == -9 and os.path.exists(journal), (p.returncode, p.stderr[-300:]))
    p = uninstall(root)
    d = integ.diff(before, integ.snapshot(root))
    check("killed, then uninstall: the killed run rolled back, every file as before",
          p.returncode == 0 and d is None, (p.returncode, p.stderr[-300:], d))
    p, _ = jrun(INSTALLER_TEST, "--root", root, "--disk", disk, env=env)
    p, out = jrun(INSTALLER, "--root", root, "--disk", disk)
    check("killed, then prepare-hvm: rolled back first, then prepared again",
          p.returncode == EXIT_NOT_READY and out and out["result"] == "prepared" and
          out["recovered_interrupted_run"] and not os.path.exists(journal),
          (p.returncode, p.stderr[-300:]))
    p = uninstall(root)
    d = integ.diff(before, integ.snapshot(root))
    check("and its uninstall restores every file byte for byte",
          p.returncode == 0 and d is None, (p.returncode, p.stderr[-300:], d))
    shutil.rmtree(root)


def test_live_mbr(tmp):
    """Live (chroot: the root is "/" to the installer): grub-install runs, the
    MBR and the gap are kept first; uninstall writes them back and checks."""
    root = pv_root(tmp, "live")
    disk = disk_image(os.path.join(root, "disk.img"))
    shutil.copy(INSTALLER, os.path.join(root, "installer"))
    before, region_before, disk_before = integ.snapshot(root), sha(disk, 1 << 20), sha(disk)
    p, out = jrun(None, "--disk", "/disk.img", chroot=root)
    with open(os.path.join(root, MARK)) as f:
        ran = f.read()
    check("live: the guest's update-initramfs, update-grub and grub-install ran",
          p.returncode in (0, EXIT_NOT_READY) and out and out["result"] == "prepared" and
          "update-initramfs" in ran and "update-grub" in ran and
          "grub-install --target=i386-pc /disk.img" in ran,
          (p.returncode, p.stderr[-600:], ran))
    with open(disk, "rb") as f:
        check("live: GRUB's boot code is in the MBR now", b"GRUB" in f.read(440), "")
    with open(os.path.join(root, "boot/grub/grub.cfg")) as f:
        check("live: grub.cfg written again with console=tty0 console=hvc0",
              "console=tty0 console=hvc0" in f.read(), "")
    with open(os.path.join(root, f"boot/initrd.img-{KVER}")) as f:
        check("live: the initramfs rebuilt with the disk drivers", "ata_piix" in f.read(), "")
    p, out = jrun(None, "--disk", "/disk.img", chroot=root)
    check("live: second run changes nothing", out is not None and out["changed"] is False,
          (p.returncode, out and out.get("steps")))
    os.unlink(os.path.join(root, MARK))
    p = uninstall(root, chroot=True)
    check("live: uninstall writes the MBR and the gap back byte for byte",
          p.returncode == 0 and sha(disk, 1 << 20) == region_before and
          sha(disk) == disk_before, (p.returncode, p.stderr[-400:]))
    d = integ.diff(before, integ.snapshot(root))
    check("live: uninstall removes what grub-install made under /boot/grub and restores "
          "what it rewrote, byte for byte", d is None, d)
    shutil.rmtree(root)


def test_hostile_disk_record(tmp):
    """Under --root a disk record (from the image's own state directory)
    is never acted on: it names a device of this machine."""
    root = pv_root(tmp, "hostile")
    target = os.path.join(tmp, "victim.img")
    with open(target, "wb") as f:
        f.write(b"\xaa" * 4096)
    state = os.path.join(root, "var/lib/guest-tools")
    os.makedirs(os.path.join(state, "backup/20260101T000000Z-1"), mode=0o755)
    os.chmod(state, 0o755)
    with open(os.path.join(state, "backup/20260101T000000Z-1/boot-sector"), "wb") as f:
        f.write(bytes(512))
    zero = hashlib.sha256(bytes(512)).hexdigest()
    with open(os.path.join(state, "installed"), "w") as f:
        f.write("begin\t20260101T000000Z-1\t-\tprepare-hvm\n"
                f"disk\t{target}\t0\t512\t/var/lib/guest-tools/backup/20260101T000000Z-1/"
                f"boot-sector\t{zero}\ncommit\t20260101T000000Z-1\n")
    p = uninstall(root)
    with open(target, "rb") as f:
        check("--root: uninstall never writes a disk a record names (exit 11, said why)",
              f.read() == b"\xaa" * 4096 and p.returncode == 11 and "inside the guest" in
              p.stderr, (p.returncode, p.stderr[-400:]))
    shutil.rmtree(root)


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else None
    if os.geteuid() != 0:
        harness.skip(SUITE, "needs root (chroot, files owned by root)")
    elif not all(shutil.which(t) for t in ("sfdisk", "mkfs.ext4", "mkswap", "debootstrap")):
        harness.skip(SUITE, "needs sfdisk, mkfs.ext4, mkswap and debootstrap (make deps-check)")
    else:
        tmp = harness.tempdir("gt-hvm-")
        test_offline(tmp)
        test_no_grub(tmp)
        test_sysvinit(tmp)
        test_killed(tmp)
        test_live_mbr(tmp)
        test_hostile_disk_record(tmp)
    return harness.finish(SUITE, results)


if __name__ == "__main__":
    sys.exit(main())
