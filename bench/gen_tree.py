#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Deterministic Windows driver tree: N files, with duplicates and links.

Usage: bench/gen_tree.py OUTDIR --files N [--seed S] [--mean-size BYTES]

Writes OUTDIR/Windows/ and prints one JSON line with the counts (files,
links, bytes, unique_bytes, unique_blocks_bytes: the unique files in whole
2 KiB blocks, as an ISO stores them).

The layout follows the driver folders of multi-hypervisor tools ISOs such as
virtio-win (DRIVER/OS/ARCH/FILE): every driver is built for twelve Windows
versions and three architectures, each leaf holding its .inf, .cat, .sys,
.pdb, a co-installer .dll, a message catalog and two notes. One binary build
serves several Windows versions, so a .sys, .pdb, .dll or catalog is the same
bytes under, say, w10, w11, 2k16, 2k19 and 2k22 (the duplicates a builder
should store once); .inf and .cat files differ per version. Some names are
long (70 to 100 characters, past Joliet's 64) and some hold ( ) [ ] + , @,
which Joliet and Windows keep. Every driver has a link "latest" -> w11.
At --mean-size 4000 (the default) 20,000 files come to about 80 MB.
Everything comes from one seed: the same arguments give the same bytes.
"""
import hashlib
import json
import os
import random
import shutil
import sys

OSES = ["xp", "2k3", "2k8", "w7", "w8", "w8.1", "2k12", "2k12R2", "w10", "2k16", "2k19",
        "w11"]
# One build serves every Windows version of its group.
BUILD_GROUP = {"xp": 0, "2k3": 0, "2k8": 1, "w7": 1, "w8": 2, "w8.1": 2, "2k12": 2,
               "2k12R2": 2, "w10": 3, "2k16": 3, "2k19": 3, "w11": 3}
ARCHES = ["amd64", "x86", "ARM64"]
# (suffix, relative size, the same bytes across a build group)
KINDS = [(".inf", 0.8, False), (".cat", 1.2, False), (".sys", 2.2, True),
         (".pdb", 2.6, True), ("co.dll", 1.0, True), ("msg.dll", 0.3, True),
         ("_release-notes_for-this-driver-package_(see-the-readme-first).txt", 0.4, True),
         ("+licence[EN],copy@vendor.rtf", 0.5, True)]


def usage():
    print(__doc__.strip().splitlines()[2], file=sys.stderr)
    return 2


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        return usage()
    out = os.path.abspath(args[0])
    files, seed, mean = 0, 1, 4000
    i = 1
    while i < len(args):
        if args[i] in ("--files", "--seed", "--mean-size") and i + 1 < len(args):
            v = int(args[i + 1])
            if args[i] == "--files":
                files = v
            elif args[i] == "--seed":
                seed = v
            else:
                mean = v
            i += 2
        else:
            print(f"gen_tree: unknown argument {args[i]!r}", file=sys.stderr)
            return 2
    if files <= 0:
        return usage()
    rng = random.Random(seed)
    root = os.path.join(out, "Windows")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    per_driver = len(OSES) * len(ARCHES) * len(KINDS)
    # unique_blocks_bytes: each unique file in whole 2 KiB ISO blocks.
    stats = {"files": 0, "links": 0, "bytes": 0, "unique_bytes": 0,
             "unique_blocks_bytes": 0}
    seen = set()
    contents = {}  # a build's bytes, by (driver, group, arch, kind)
    scale = mean / (sum(k[1] for k in KINDS) / len(KINDS))
    d = 0
    while stats["files"] < files:
        # Driver names: a few long ones, the rest short like viostor or netkvm.
        if d % 17 == 5:
            drv = f"vendor-storage-miniport-driver-for-paravirtualized-disks-{d:05d}"
        else:
            drv = f"drv{d:05d}"
        ddir = os.path.join(root, drv)
        for os_name in OSES:
            for arch in ARCHES:
                if stats["files"] >= files:
                    break
                leaf = os.path.join(ddir, os_name, arch)
                os.makedirs(leaf)
                for suffix, rel, shared in KINDS:
                    if stats["files"] >= files:
                        break
                    name = (drv if len(drv) + len(suffix) <= 100 else drv[:20]) + suffix
                    key = (d, BUILD_GROUP[os_name] if shared else os_name, arch, suffix)
                    data = contents.get(key)
                    if data is None:
                        size = max(1, int(rng.expovariate(1.0) * rel * scale))
                        data = rng.randbytes(size)
                        if shared:
                            contents[key] = data
                    path = os.path.join(leaf, name)
                    with open(path, "wb") as f:
                        f.write(data)
                    if suffix.endswith(".dll") and arch != "ARM64":
                        os.chmod(path, 0o755)
                    stats["files"] += 1
                    stats["bytes"] += len(data)
                    h = hashlib.sha256(data).digest()
                    if h not in seen:
                        seen.add(h)
                        stats["unique_bytes"] += len(data)
                        stats["unique_blocks_bytes"] += -(-len(data) // 2048) * 2048
        if os.path.isdir(os.path.join(ddir, "w11")):
            os.symlink("w11", os.path.join(ddir, "latest"))
            stats["links"] += 1
        contents = {}  # no build is shared between drivers
        d += 1
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
