#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gen-syscalls.py: the system calls Linux 2.6.32 did not have, per architecture.

Usage: tests/oldkernel/gen-syscalls.py [OUTDIR]   (default: tests/oldkernel)
Writes OUTDIR/syscalls-x86_64.txt and OUTDIR/syscalls-i386.txt, one line
"NR NAME VERSION" for each call of today's table numbered after 2.6.32's last:

  - the numbers and names: the kernel's own table as Debian's kernel headers
    install it (linux-libc-dev: /usr/include/x86_64-linux-gnu/asm/unistd_64.h;
    linux-libc-dev-i386-cross: /usr/i686-linux-gnu/include/asm/unistd_32.h),
    generated from arch/x86/entry/syscalls/syscall_{64,32}.tbl;
  - the cut: 2.6.32's last call, perf_event_open, 298 on x86_64 and 336 on
    i386 (v2.6.32 arch/x86/include/asm/unistd_{64,32}.h); both tables only
    ever grow at the end, so every number above it is newer than 2.6.32;
  - VERSION: the kernel that added the call, from the syscalls(2) table of
    Debian's manpages-dev ("System call / Kernel"). It names the first
    architecture to have the call; where that is not after 2.6.32 (the i386
    socket calls, which 2.6.32 reached only through socketcall(2), were given
    numbers of their own in 4.3) the line says so.
The seccomp supervisor (tests/oldkernel/oldkernel-run.c) denies by number (every
x86_64 number above 298), so a call newer than these headers is denied too.
"""
import gzip
import os
import re
import sys

TABLES = {
    "x86_64": ("/usr/include/x86_64-linux-gnu/asm/unistd_64.h", 298),
    "i386": ("/usr/i686-linux-gnu/include/asm/unistd_32.h", 336),
}
MAN = "/usr/share/man/man2/syscalls.2.gz"
# Calls syscalls(2) dates by their first architecture, with their x86 story
# (each from the kernel's git history of arch/x86/entry/syscalls/).
X86_LATER = {
    ("i386", n): "4.3 (i386 number of its own; before, through socketcall(2))"
    for n in ("socket", "socketpair", "bind", "connect", "listen", "accept4", "getsockopt",
              "setsockopt", "getsockname", "getpeername", "sendto", "sendmsg", "recvfrom",
              "recvmsg", "shutdown")
}
X86_LATER.update({
    ("i386", n): "5.1 (i386 number of its own; before, through ipc(2))"
    for n in ("semget", "semctl", "shmget", "shmctl", "shmat", "shmdt", "msgget", "msgsnd",
              "msgrcv", "msgctl")
})
X86_LATER[("i386", "arch_prctl")] = "4.12 (i386)"
# Calls newer than the syscalls(2) of Debian 12's manpages-dev (6.03), dated by
# the kernel release that added them: the 64-bit time calls of 32-bit
# architectures (y2038) in 5.1, and four later ones.
NEWER_THAN_MAN = {"mount_setattr": "5.12", "process_mrelease": "5.15",
                  "futex_waitv": "5.16", "set_mempolicy_home_node": "5.17"}


def version_key(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


def man_versions():
    out = {}
    with gzip.open(MAN, "rt") as f:
        for line in f:
            m = re.match(r"\\fB(\w+)\\fP\(2\)\t([0-9.]+)", line)
            if m and m.group(1) not in out:
                out[m.group(1)] = m.group(2)
    return out


def table(path):
    rows = []
    with open(path) as f:
        for line in f:
            m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
            if m:
                rows.append((int(m.group(2)), m.group(1)))
    return sorted(rows)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    versions = man_versions()
    for arch, (path, last) in TABLES.items():
        rows = [(nr, name) for nr, name in table(path) if nr > last]
        lines = [f"# The {arch} system calls Linux 2.6.32 did not have (NR NAME VERSION).",
                 f"# Written by tests/oldkernel/gen-syscalls.py from {path}",
                 f"# (the kernel's table) and syscalls(2) (the version); 2.6.32's last "
                 f"call: {last}.",
                 f"# {len(rows)} calls."]
        for nr, name in rows:
            v = (X86_LATER.get((arch, name)) or versions.get(name) or NEWER_THAN_MAN.get(name)
                 or ("5.1 (64-bit time on 32-bit architectures)"
                     if name.endswith("time64") else "unknown"))
            if v != "unknown" and not v.startswith("4.3 (") and \
                    version_key(v) <= (2, 6, 32):
                v = f"{v}-elsewhere (after 2.6.32 on {arch}: numbered after {last})"
            lines.append(f"{nr} {name} {v}")
        with open(os.path.join(outdir, f"syscalls-{arch}.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"{arch}: {len(rows)} calls after 2.6.32")
    return 0


if __name__ == "__main__":
    sys.exit(main())
