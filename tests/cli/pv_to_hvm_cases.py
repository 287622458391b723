# SPDX-License-Identifier: MIT
"""detect's pv_to_hvm section on guests built here, through --root and --disk.

Each root starts from tests/fixtures/xen-pv-centos6 (a PV guest's sysfs,
proc and xenstore, modelled on the kernel: make-fixtures.py) and gets the
boot files of the guest it models, cited case by case. Disk images are
small sparse files written here: the MBR boot code laid out as the boot
loaders' sources lay it out (installer/detect/bootsector.c cites them), a
GPT made by sfdisk. Initramfs images are newc cpio archives written here,
compressed as the distributions compress them.
"""
import gzip
import json
import lzma
import os
import shutil
import struct
import subprocess

import harness
from harness import check

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PV_BASE = os.path.join(REPO, "tests", "fixtures", "xen-pv-centos6")
EXIT_USAGE = 2

DEBIAN12 = ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
            'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
KVER = "6.1.0-13-amd64"


def cpio(entries):
    """A newc archive (the kernel's buffer-format.rst) of (name, data) files."""
    out = bytearray()
    for ino, (name, data) in enumerate(list(entries) + [("TRAILER!!!", b"")]):
        nb = name.encode() + b"\0"
        mode = 0o100644 if name != "TRAILER!!!" else 0
        hdr = "070701" + "".join("%08X" % v for v in (
            ino + 1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out += hdr.encode() + nb
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def compress(kind, data):
    if kind == "gzip":
        return gzip.compress(data, mtime=0)
    if kind == "xz":  # the kernel's xz decoder wants CRC32 (initramfs-tools: xz --check=crc32)
        return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    if kind in ("zstd", "lz4"):
        tool = shutil.which(kind)
        if not tool:
            return None
        args = [tool, "-q", "-c"] + (["-l"] if kind == "lz4" else [])
        return subprocess.run(args, input=data, capture_output=True, check=True).stdout
    return data


def modules(kver, names):
    """Module files as initramfs-tools copies them (usr/lib/modules/VER/kernel/...)."""
    where = {"xen-blkfront": "drivers/block", "ata_piix": "drivers/ata",
             "ahci": "drivers/ata", "sd_mod": "drivers/scsi", "ext4": "fs/ext4",
             "xenblk": "drivers/xen/blkfront"}
    return [(f"usr/lib/modules/{kver}/kernel/{where.get(n, 'misc')}/{n}.ko", b"\x7fELF")
            for n in names]


def initramfs(kind, mods, kver=KVER, early=True):
    """Debian 12's layout: an uncompressed early cpio (microcode), then the
    main cpio compressed (initramfs-tools' mkinitramfs); None when the
    compressor is missing."""
    main = compress(kind, cpio([("init", b"#!/bin/sh\n")] + modules(kver, mods)))
    if main is None:
        return None
    head = b""
    if early:
        head = cpio([("kernel/x86/microcode/GenuineIntel.bin", b"\0" * 64)])
        head += b"\0" * (-len(head) % 512)
    return head + main


# --- disks -----------------------------------------------------------------

def mbr(code, parts=((0x83, 2048, 20480, True),)):
    """Sector 0: boot code @code (446 bytes at most), the partition table, 0x55AA."""
    s = bytearray(512)
    s[:len(code)] = code
    for i, (ptype, lba, size, active) in enumerate(parts):
        e = 0x1BE + 16 * i
        s[e] = 0x80 if active else 0
        s[e + 4] = ptype
        s[e + 8:e + 16] = struct.pack("<II", lba, size)
    s[510:512] = b"\x55\xaa"
    return bytes(s)


def grub2_boot_img():
    """GRUB 2's boot.img as boot.S lays it out: EB 63 90, kernel_sector 1 at
    0x5c, the messages at 0x180 (as in Debian 12's grub-pc-bin boot.img)."""
    s = bytearray(446)
    s[0:3] = b"\xeb\x63\x90"
    s[0x5c:0x64] = struct.pack("<Q", 1)
    s[0x65:0x6b] = b"\xfa\x90\x90\xf6\xc2\x80"
    msgs = b"GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n\0"
    s[0x180:0x180 + len(msgs)] = msgs
    return bytes(s)


def grub_legacy_stage1():
    """GRUB 0.97's stage1.S: EB 48 90, version 3.2 at 0x3e, the messages."""
    s = bytearray(446)
    s[0:3] = b"\xeb\x48\x90"
    s[0x3e:0x4a] = b"\x03\x02\xff\x00\x00\x80\x01\x00\x00\x00\x00\x08"
    msgs = b"GRUB \0Geom\0Hard Disk\0Read\0 Error\0"
    s[0x17d:0x17d + len(msgs)] = msgs
    return bytes(s)


def disk(path, sector0, core=False):
    """A sparse 11 MiB image: @sector0, and with @core a non-empty sector 1
    (where grub-install puts core.img's diskboot.img)."""
    with open(path, "wb") as f:
        f.truncate(11 * 1024 * 1024)
        f.write(sector0)
        if core:
            f.write(b"\x52\xe8\x28\x01" + b"\x90" * 508)
    return path


def gpt_disk(path, esp_mib):
    """A GPT disk as sfdisk writes it: an EFI system partition at 1 MiB, a Linux root."""
    sfdisk = shutil.which("sfdisk") or "/usr/sbin/sfdisk"
    if not os.path.exists(sfdisk):
        return None
    with open(path, "wb") as f:
        f.truncate((esp_mib + 8) * 1024 * 1024)
    script = ("label: gpt\n"
              f"size={esp_mib}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n"
              "type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n")
    p = subprocess.run([sfdisk, "-q", path], input=script, text=True, capture_output=True)
    return path if p.returncode == 0 else None


# --- roots -----------------------------------------------------------------

def pv_root(tmp, name, files, drop=()):
    """The PV guest's sysfs/proc/xenstore, its etc replaced by @files."""
    root = os.path.join(tmp, name)
    shutil.copytree(PV_BASE, root, symlinks=True)
    os.remove(os.path.join(root, "expect.json"))
    for rel in drop:
        os.remove(os.path.join(root, rel))
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if data is None:
            os.makedirs(path, exist_ok=True)
            continue
        if isinstance(data, tuple):  # a symbolic link
            os.symlink(data[0], path)
            continue
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
    return root


# Debian 12's grub.cfg as grub-mkconfig writes it (00_header, 10_linux).
def debian_grub_cfg(cmdline):
    return ("if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\n"
            "else\n   set default=\"0\"\nfi\n"
            "menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option "
            "'gnulinux-simple-3b9e7c4e' {\n\tinsmod ext2\n"
            f"\tlinux\t/boot/vmlinuz-{KVER} {cmdline}\n"
            f"\tinitrd\t/boot/initrd.img-{KVER}\n}}\n")


# A pvops kernel's config (Debian 12's config-6.1.0-13-amd64, the lines read).
DEBIAN_CONFIG = ("CONFIG_PARAVIRT=y\nCONFIG_XEN=y\nCONFIG_XEN_PVHVM=y\nCONFIG_XEN_PVHVM_GUEST=y\n"
                 "CONFIG_XEN_BLKDEV_FRONTEND=m\nCONFIG_ATA_PIIX=m\nCONFIG_SATA_AHCI=m\n"
                 "CONFIG_BLK_DEV_SD=m\n")


def debian12(tmp, name, cmdline, initrd, getty, fstab_dev):
    files = {
        "etc/os-release": DEBIAN12,
        "proc/1/comm": "systemd\n",
        "run/systemd/system": None,
        f"boot/vmlinuz-{KVER}": b"\x4d\x5a",
        f"boot/config-{KVER}": DEBIAN_CONFIG,
        f"boot/initrd.img-{KVER}": initrd,
        "boot/grub/grub.cfg": debian_grub_cfg(cmdline),
        f"lib/modules/{KVER}/modules.builtin": "kernel/fs/ext4/ext4.ko\n",
        "etc/fstab": f"# /etc/fstab: static file system information.\n"
                     f"{fstab_dev} / ext4 errors=remount-ro 0 1\nproc /proc proc defaults 0 0\n",
        "etc/systemd/system/getty.target.wants/" + getty:
            ("/lib/systemd/system/" + getty.split("@")[0] + "@.service",),
    }
    return pv_root(tmp, name, files, drop=("etc/inittab", "etc/redhat-release"))


def section(installer_run, root, *extra):
    p = installer_run("detect", "--root", root, "--json", *extra)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        return p, None, {}
    sec = out.get("pv_to_hvm")
    checks = {c["id"]: c for c in sec["checks"]} if sec else {}
    return p, sec, checks


def expect(name, p, sec, checks, ready, states):
    """@states: check id -> True, False or None (unknown)."""
    if not check(f"{name}: a pv_to_hvm section", sec is not None,
                 (p.returncode, p.stderr[-400:], p.stdout[:200])):
        return
    check(f"{name}: ready {ready}", sec["ready"] is ready,
          {k: (v["ok"], v["evidence"]) for k, v in checks.items()})
    for cid, want in states.items():
        got = checks.get(cid, {})
        check(f"{name}: {cid} ok={want}", got.get("ok", "missing") is want,
              (got.get("evidence"), got.get("details")))
    for cid, c in checks.items():
        check(f"{name}: {cid}: a fix unless ok", (c["ok"] is True) == (c["fix"] is None), c)


def test_pv_to_hvm(tmp, installer_run):
    tmp = os.path.join(tmp, "p2h")
    os.makedirs(tmp)

    # 1. The ready guest: Debian 12 with GRUB 2 in the MBR, a pvops kernel, an
    # initramfs with the three drivers, console on tty0 and hvc0, UUIDs.
    img = initramfs("zstd", ["xen-blkfront", "ata_piix", "sd_mod", "ext4"])
    if img is None:
        harness.skip("pv_to_hvm ready guest", "zstd is not installed (make deps-check)")
    else:
        root = debian12(tmp, "ready", "root=UUID=3b9e7c4e ro console=tty0 console=hvc0",
                        img, "getty@tty1.service", "UUID=3b9e7c4e")
        d = disk(os.path.join(tmp, "ready.img"), mbr(grub2_boot_img()), core=True)
        p, sec, checks = section(installer_run, root, "--disk", d)
        expect("ready debian 12", p, sec, checks, True,
               {k: True for k in ("boot_code", "kernel", "initramfs_drivers", "console",
                                  "root_names", "nics")})
        check("ready debian 12: exit 0", p.returncode == 0, p.stderr)
        check("ready debian 12: facts", sec and sec["mbr_boot_code"] == "grub2" and
              sec["partition_table"] == "mbr" and sec["kernel_version"] == KVER and
              sec["disk_source"] == "--disk", sec)
        h = installer_run("detect", "--root", root, "--disk", d)
        check("ready debian 12: human verdict", "PV to HVM:      ready" in h.stdout, h.stdout)

    # 2. Debian 12 laid out for PV: a partition table, no boot code; console
    # on hvc0 only; root=/dev/xvda1; an initramfs built with MODULES=dep on
    # the PV guest (xen-blkfront, no emulated-disk driver).
    for kind in ("zstd", "gzip", "xz"):
        img = initramfs(kind, ["xen-blkfront", "ext4"])
        if img is None:
            harness.skip(f"pv_to_hvm debian 12 PV layout ({kind})", f"{kind} is not installed")
            continue
        root = debian12(tmp, "pvlayout-" + kind, "root=/dev/xvda1 ro console=hvc0", img,
                        "serial-getty@hvc0.service", "/dev/xvda1")
        d = disk(os.path.join(tmp, f"pv-{kind}.img"), mbr(b""))
        p, sec, checks = section(installer_run, root, "--disk", d)
        expect(f"debian 12 PV layout ({kind})", p, sec, checks, False,
               {"boot_code": False, "kernel": True, "initramfs_drivers": False,
                "console": False, "root_names": False, "nics": True})
        if sec:
            check(f"debian 12 PV layout ({kind}): zeroed MBR", sec["mbr_boot_code"] == "zeroed", sec)
            names = " ".join(checks["root_names"]["details"])
            check(f"debian 12 PV layout ({kind}): current names listed",
                  "root=/dev/xvda1" in names and "/etc/fstab line 2" in names, names)
            check(f"debian 12 PV layout ({kind}): missing drivers named",
                  "ata_piix or ahci" in checks["initramfs_drivers"]["evidence"],
                  checks["initramfs_drivers"]["evidence"])

    # An initramfs compressed with lz4 (Ubuntu before 21.10): not read, unknown.
    img = initramfs("lz4", ["xen-blkfront", "ata_piix", "sd_mod"])
    if img is None:
        harness.skip("pv_to_hvm lz4 initramfs", "lz4 is not installed")
    else:
        root = debian12(tmp, "lz4", "root=UUID=3b9e7c4e ro console=tty0", img,
                        "getty@tty1.service", "UUID=3b9e7c4e")
        p, sec, checks = section(installer_run, root, "--pv-to-hvm")
        c = checks.get("initramfs_drivers", {})
        check("lz4 initramfs: unknown, never ok", c.get("ok", "missing") is None and
              "lz4" in (c.get("evidence") or ""), c)
        check("lz4 initramfs: no --disk under --root: boot_code unknown",
              checks.get("boot_code", {}).get("ok", "missing") is None, checks.get("boot_code"))
        check("lz4 initramfs: not ready", sec and sec["ready"] is False, sec)

    # A truncated initramfs (its compressed cpio cut short): unknown, with why.
    good = initramfs("gzip", ["xen-blkfront", "ata_piix", "sd_mod"])
    root = debian12(tmp, "truncated", "root=UUID=3b9e7c4e ro", good[:-40],
                    "getty@tty1.service", "UUID=3b9e7c4e")
    p, sec, checks = section(installer_run, root, "--pv-to-hvm")
    c = checks.get("initramfs_drivers", {})
    check("truncated initramfs: unknown", c.get("ok", "missing") is None, c)

    # 3. CentOS 5 with kernel-xen: anaconda's grub.conf (default=0 boots the
    # xen kernel), GRUB legacy in the MBR, xenlinux config (the 2.6.18-xen
    # x86_64 buildconfig: CONFIG_X86_64_XEN=y), a gzip initrd (mkinitrd),
    # the agetty on xvc0 that virt-install's PV installs add to inittab.
    grub_conf = ("# grub.conf generated by anaconda\ndefault=0\ntimeout=5\nhiddenmenu\n"
                 "title CentOS (2.6.18-419.el5xen)\n\troot (hd0,0)\n"
                 "\tkernel /vmlinuz-2.6.18-419.el5xen ro root=/dev/VolGroup00/LogVol00 console=xvc0\n"
                 "\tinitrd /initrd-2.6.18-419.el5xen.img\n")
    root = pv_root(tmp, "centos5-xen", {
        "etc/redhat-release": "CentOS release 5.11 (Final)\n",
        "boot/grub/grub.conf": grub_conf,
        "boot/grub/menu.lst": ("./grub.conf",),
        "boot/vmlinuz-2.6.18-419.el5xen": b"\x7fELF",
        "boot/config-2.6.18-419.el5xen": "CONFIG_X86_64=y\nCONFIG_X86_PC=y\nCONFIG_X86_64_XEN=y\n"
                                         "CONFIG_XEN=y\nCONFIG_XEN_PRIVILEGED_GUEST=y\n",
        "boot/initrd-2.6.18-419.el5xen.img": compress("gzip", cpio(
            [("init", b"#!/bin/nash\n"), ("lib/xenblk.ko", b"\x7fELF")])),
        "etc/inittab": "id:3:initdefault:\nco:2345:respawn:/sbin/agetty xvc0 9600 vt100-nav\n"
                       "1:2345:respawn:/sbin/mingetty tty1\n",
        "etc/fstab": "/dev/VolGroup00/LogVol00 /  ext3 defaults 1 1\nLABEL=/boot /boot ext3 defaults 1 2\n",
    })
    d = disk(os.path.join(tmp, "centos5.img"), mbr(grub_legacy_stage1()))
    p, sec, checks = section(installer_run, root, "--disk", d)
    expect("centos 5 kernel-xen", p, sec, checks, False,
           {"boot_code": True, "kernel": False, "root_names": True})
    if sec:
        check("centos 5 kernel-xen: xenlinux named", "xenlinux" in checks["kernel"]["evidence"] and
              "CONFIG_X86_64_XEN" in checks["kernel"]["evidence"], checks["kernel"]["evidence"])
        check("centos 5 kernel-xen: grub-legacy", sec["mbr_boot_code"] == "grub-legacy" and
              sec["bootloader_config"] == "/boot/grub/menu.lst" and
              sec["default_initrd"] == "/boot/initrd-2.6.18-419.el5xen.img", sec)

    # 4. SLES 11 SP4: perl-Bootloader's menu.lst with the Xen entry default,
    # the -xen flavour with no config (its name tells), the default flavour
    # beside it; root= and resume= by kernel name.
    menu = ("default 1\ntimeout 8\n"
            "title SUSE Linux Enterprise Server 11 SP4 - 3.0.101-63\n    root (hd0,1)\n"
            "    kernel /boot/vmlinuz-3.0.101-63-default root=/dev/xvda2 resume=/dev/xvda1\n"
            "    initrd /boot/initrd-3.0.101-63-default\n"
            "title Xen -- SUSE Linux Enterprise Server 11 SP4 - 3.0.101-63-xen\n    root (hd0,1)\n"
            "    kernel /boot/vmlinuz-3.0.101-63-xen root=/dev/xvda2 resume=/dev/xvda1 console=xvc0\n"
            "    initrd /boot/initrd-3.0.101-63-xen\n")
    root = pv_root(tmp, "sles11-xen", {
        "etc/SuSE-release": "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n",
        "boot/grub/menu.lst": menu,
        "boot/vmlinuz-3.0.101-63-xen": b"\x7fELF",
        "boot/initrd-3.0.101-63-xen": b"",
        "boot/vmlinuz-3.0.101-63-default": b"\x7fELF",
        "boot/config-3.0.101-63-default": "CONFIG_PARAVIRT=y\nCONFIG_PARAVIRT_GUEST=y\n",
        "etc/fstab": "/dev/xvda2 / ext3 acl,user_xattr 1 1\n/dev/xvda1 swap swap defaults 0 0\n",
    }, drop=("etc/redhat-release",))
    p, sec, checks = section(installer_run, root, "--pv-to-hvm")
    expect("sles 11 xen flavour", p, sec, checks, False,
           {"boot_code": None, "kernel": False, "root_names": False})
    if sec:
        check("sles 11 xen flavour: the default flavour offered",
              any("vmlinuz-3.0.101-63-default" in x for x in checks["kernel"]["details"]),
              checks["kernel"]["details"])

    # 5. A pygrub-only guest: menu.lst, no boot code at all on the disk (the
    # filesystem on the whole disk: no 0x55AA), no grub package.
    root = pv_root(tmp, "pygrub-only", {
        "boot/grub/menu.lst": ("default 0\ntimeout 5\ntitle Debian GNU/Linux, kernel 2.6.32-5-xen-amd64\n"
                               "root (hd0,0)\nkernel /boot/vmlinuz-2.6.32-5-xen-amd64 root=/dev/xvda1 ro\n"
                               "initrd /boot/initrd.img-2.6.32-5-xen-amd64\n"),
        "boot/vmlinuz-2.6.32-5-xen-amd64": b"\x7fELF",
        "boot/config-2.6.32-5-xen-amd64": "CONFIG_PARAVIRT=y\nCONFIG_XEN=y\nCONFIG_XEN_BLKDEV_FRONTEND=y\n"
                                           "CONFIG_ATA_PIIX=y\nCONFIG_BLK_DEV_SD=y\n",
        "boot/initrd.img-2.6.32-5-xen-amd64": compress("gzip", cpio([("init", b"#!/bin/sh\n")])),
    })
    d = os.path.join(tmp, "pygrub.img")
    with open(d, "wb") as f:
        f.truncate(4 * 1024 * 1024)
    p, sec, checks = section(installer_run, root, "--disk", d)
    expect("pygrub-only", p, sec, checks, False,
           {"boot_code": False, "kernel": True, "initramfs_drivers": True, "root_names": False})
    if sec:
        check("pygrub-only: no partition table", sec["partition_table"] == "none", sec)
        check("pygrub-only: built-in drivers said", any(
            "built into" in x for x in checks["initramfs_drivers"]["details"]),
            checks["initramfs_drivers"])

    # 6. EFI layout: GPT with an EFI system partition (sfdisk), formatted
    # with mkfs.vfat and filled with mtools as grub-install and the shim
    # packages fill it: the loader read from the disk itself (FAT12 for a
    # small ESP, FAT32 with a directory of many clusters as on a real one);
    # an empty ESP; an unformatted ESP whose filesystem is mounted on
    # /boot/efi under the root; the same with nothing mounted: unknown.
    base = {"boot/grub/grub.cfg": debian_grub_cfg("root=UUID=3b9e7c4e ro"),
            f"boot/vmlinuz-{KVER}": b"\x4d\x5a", f"boot/config-{KVER}": DEBIAN_CONFIG,
            f"boot/initrd.img-{KVER}": b""}
    plain = pv_root(tmp, "efi-unmounted", base)
    tools = [shutil.which(t) or "/usr/sbin/" + t for t in ("mkfs.vfat", "mmd", "mcopy")]
    if not all(os.path.exists(t) for t in tools):
        harness.skip("pv_to_hvm EFI layout on the disk", "mkfs.vfat or mtools not installed (dosfstools, mtools)")
    for fat, esp_mib, files in (("12", 4, ["EFI/debian/grubx64.efi"]),
                                ("32", 40, [f"EFI/BOOT/longname-{i}.efi" for i in range(40)] +
                                 ["EFI/BOOT/BOOTX64.EFI"]),
                                ("16", 20, [])):
        if not all(os.path.exists(t) for t in tools):
            break
        d = gpt_disk(os.path.join(tmp, f"esp{fat}.img"), esp_mib)
        if d is None:
            harness.skip(f"pv_to_hvm EFI FAT{fat}", "sfdisk is not installed (fdisk package)")
            continue
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        run_ok = subprocess.run([tools[0], "-F", fat, "--offset=2048", d, str(esp_mib * 1024)],
                                capture_output=True).returncode == 0
        dirs = sorted({os.path.dirname(f) for f in files})
        for dd in ["EFI"] + [x for x in dirs if x != "EFI"]:
            run_ok = run_ok and subprocess.run([tools[1], "-i", d + "@@1M", "::" + dd], env=env,
                                               capture_output=True).returncode == 0
        src = os.path.join(tmp, "loader.efi")
        with open(src, "wb") as f:
            f.write(b"MZ" + b"\0" * 62)
        for f in files:
            run_ok = run_ok and subprocess.run([tools[2], "-i", d + "@@1M", src, "::" + f],
                                               env=env, capture_output=True).returncode == 0
        if not check(f"efi FAT{fat}: image made", run_ok):
            continue
        p, sec, checks = section(installer_run, plain, "--disk", d)
        c = checks.get("boot_code", {})
        if files:
            check(f"efi FAT{fat}: the loader read from the disk", c.get("ok") is True and
                  "on the disk" in c.get("evidence", "") and sec["esp_loader"] == files[-1], c)
        else:
            check(f"efi FAT{fat}: an empty ESP is not ok", c.get("ok", "missing") is False, c)
        check(f"efi FAT{fat}: gpt", sec and sec["partition_table"] == "gpt", sec)
    d = gpt_disk(os.path.join(tmp, "efi-raw.img"), 4)
    if d is None:
        harness.skip("pv_to_hvm EFI layout", "sfdisk is not installed (fdisk package)")
    else:
        root = pv_root(tmp, "efi", dict(base, **{
            "boot/efi/EFI/debian/grubx64.efi": b"MZ", "boot/efi/EFI/BOOT/BOOTX64.EFI": b"MZ"}))
        p, sec, checks = section(installer_run, root, "--disk", d)
        c = checks.get("boot_code", {})
        check("efi layout, ESP mounted: boot_code ok", c.get("ok") is True and
              "OVMF" in c.get("evidence", ""), c)
        check("efi layout, ESP mounted: the loader", sec and
              sec["esp_loader"] == "/boot/efi/EFI/BOOT/BOOTX64.EFI", sec)
        p, sec, checks = section(installer_run, plain, "--disk", d)
        c = checks.get("boot_code", {})
        check("efi layout, ESP unreadable and not mounted: unknown",
              c.get("ok", "missing") is None and "not mounted" in c.get("evidence", ""), c)

    # The command line: a --disk that cannot be opened is a usage error
    # naming it; a non-PV guest has no section unless asked.
    missing = os.path.join(tmp, "no-such-disk.img")
    p = installer_run("detect", "--root", PV_BASE, "--disk", missing)
    check("--disk missing: exit 2, named", p.returncode == EXIT_USAGE and missing in p.stderr,
          (p.returncode, p.stderr))
    p = installer_run("detect", "--root", PV_BASE, "--disk", tmp)
    check("--disk a directory: exit 2, named", p.returncode == EXIT_USAGE and tmp in p.stderr,
          (p.returncode, p.stderr))
    short = os.path.join(tmp, "short.img")
    with open(short, "wb") as f:
        f.write(b"\x55\xaa" * 10)
    p = installer_run("detect", "--root", PV_BASE, "--disk", short)
    check("--disk shorter than a sector: exit 2, named",
          p.returncode == EXIT_USAGE and short in p.stderr and "shorter than one" in p.stderr,
          (p.returncode, p.stderr))
    hvm = os.path.join(REPO, "tests", "fixtures", "xen-pvhvm")
    p, sec, checks = section(installer_run, hvm)
    check("pvhvm guest: no pv_to_hvm section", p.returncode == 0 and sec is None, p.stdout[-300:])
    p, sec, checks = section(installer_run, hvm, "--pv-to-hvm")
    check("pvhvm guest with --pv-to-hvm: the section", sec is not None and
          set(checks) == {"boot_code", "kernel", "initramfs_drivers", "console",
                          "root_names", "nics"}, sec)
    p, sec, checks = section(installer_run, PV_BASE)
    check("pv guest: the section without asking", sec is not None and sec["ready"] is False, sec)
