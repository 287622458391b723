#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/agent.py [AGENT]: guest-agent's footprint (make bench-agent).

The agent runs against tests/agent/xenstored.py and the tests' Xen guest
tree, and this reports, from /proc/PID (proc(5)):
  - peak RSS (VmHWM) after start, an idle minute and the republications;
  - CPU time (utime + stime) per full publication: SIGHUP makes the agent
    collect and write every key again, N times;
  - wakeups per minute when nothing changes, in a network namespace of
    its own (no address changes), with a 60 s interval: the main loop's
    poll() returns (strace), and the context switches (each round trip to
    the store at the interval is one).
    The goal (issue 15): under 1 MiB RSS, no wakeup between two intervals
    unless a watch fires, so about one per minute.
Not part of `make check`: its figures depend on the machine's load. No
xe-daemon figure next to it: xe-guest-utilities (Go) cannot be built
here (no Go toolchain, no network), and no published figure was found.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SERVER = os.path.join(REPO, "tests", "agent", "xenstored.py")
FIX = os.path.join(REPO, "tests", "agent", "fixtures", "xen-guest")
HZ = os.sysconf("SC_CLK_TCK")


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()[0] if v.split() else ""
    return out


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ  # utime, stime


def switches(pid):
    s = status(pid)
    return int(s["voluntary_ctxt_switches"]) + int(s["nonvoluntary_ctxt_switches"])


def main():
    agent = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build", "guest-agent"))
    idle = float(os.environ.get("BENCH_IDLE", "60"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "200"))
    work = tempfile.mkdtemp(prefix="bench-agent-")
    sock, ready = os.path.join(work, "xs.sock"), os.path.join(work, "ready")
    root = os.path.join(work, "root")
    shutil.copytree(FIX, root, symlinks=True)
    store = subprocess.Popen([sys.executable, SERVER, sock, "--ready", ready], stderr=subprocess.DEVNULL)
    proc = None
    try:
        while not os.path.exists(ready):
            time.sleep(0.05)
        # In a network namespace of its own: the host's address changes
        # (other work on the machine) would wake it through netlink.
        proc = subprocess.Popen(["unshare", "-n", agent, "--root", root, "--interval", "60", "-v"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=dict(os.environ, XENSTORED_PATH=sock))
        log = []
        # Wait for the first publication ("published to ..."), then let it settle.
        while True:
            line = proc.stdout.readline().decode(errors="replace")
            if not line:
                raise SystemExit("bench-agent: the agent exited before publishing")
            if "published to" in line:
                break
        os.set_blocking(proc.stdout.fileno(), False)
        time.sleep(1)
        tracer, trace = None, os.path.join(work, "poll.trace")
        if shutil.which("strace"):
            tracer = subprocess.Popen(["strace", "-p", str(proc.pid), "-e", "trace=poll", "-o", trace],
                                      stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        s0, c0 = switches(proc.pid), cpu_s(proc.pid)
        time.sleep(idle)
        s1, c1 = switches(proc.pid), cpu_s(proc.pid)
        wakeups = None
        if tracer:
            tracer.send_signal(signal.SIGINT)
            tracer.wait()
            # The main loop polls signals, netlink and the store (3 fds); a
            # request's wait for its reply polls the store alone.
            with open(trace) as f:
                wakeups = sum(1 for line in f if "], 3, " in line and "resumed" not in line)
        for _ in range(rounds):
            proc.send_signal(signal.SIGHUP)
            time.sleep(0.02)
        time.sleep(1)
        c2 = cpu_s(proc.pid)
        hwm = int(status(proc.pid)["VmHWM"])
        log.append(proc.stdout.read() or b"")
        n = sum(x.count(b"published every key again") for x in log)
        print(f"guest-agent {agent}")
        print(f"  peak RSS (VmHWM):                  {hwm} kB")
        print(f"  idle {idle:.0f} s, interval 60 s:         "
              + (f"{wakeups * 60 / idle:.1f} main-loop wakeups/min (strace), " if wakeups is not None
                 else "wakeups not counted (no strace), ")
              + f"{(s1 - s0) * 60 / idle:.1f} context switches/min (one per store round trip), "
              f"{(c1 - c0) * 1000:.0f} ms CPU")
        print(f"  full publications (SIGHUP):        {n} of {rounds} signals "
              f"(signals that arrive together are taken as one)")
        if n:
            print(f"  CPU per full publication:          {(c2 - c1) * 1000 / n:.2f} ms")
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        store.terminate()
        store.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
