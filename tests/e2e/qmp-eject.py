#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""qmp-eject.py: the host half of the e2e scenarios "install-ejected" and
"install-powercut-*".

    qmp-eject.py --socket QMP_SOCKET --watch RESULTS_LOG --marker LINE
                 --stop-file FILE --timeout SECONDS --cd ISO --out REPORT
                 [--action eject|quit]

With --action quit (the power cut): once LINE comes, QMP "quit": QEMU stops
at once, the guest gets no shutdown and its page cache is lost; what the
guest had flushed to its disk (fsync, fdatasync, syncfs) is in the disk
image, the rest is not. The section is then "powercut".

Waits until the guest writes LINE on its report serial port (the host file
RESULTS_LOG), then pulls the CD out of the running guest the way a
hypervisor console does: QMP "eject" with force (the guest kernel locks the
tray while the CD is mounted). The CD drive is the removable block device
whose medium is ISO (query-block). Writes what QMP answered to REPORT as one
section of the guest's report format (guest/lib.sh), so that check.py reads
both files alike:

    @@GT-BEGIN eject@@
    {"ok": true, "device": "ide1-cd0", "eject": {"return": {}}, ...}
    @@GT-END eject rc=0@@

Gives up (rc=1 in the section, exit 1) when LINE does not come within
SECONDS, or when FILE appears (run.sh makes it once QEMU has exited: the
guest powered off without asking). Standard library only.
"""
import argparse
import json
import os
import socket
import sys
import time

POLL = 0.2


class QmpError(Exception):
    pass


class Qmp:
    """A minimal QMP client: one command at a time; events are kept aside."""

    def __init__(self, path, timeout):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self.greeting = self._read(timeout)
        if "QMP" not in self.greeting:
            raise QmpError(f"no QMP greeting: {self.greeting}")

    def _read(self, timeout):
        """The next JSON line from QEMU; socket.timeout when none came."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QEMU closed the QMP connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.settimeout(self.timeout)
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read(self.timeout)
            if "event" in r:
                self.events.append(r)
                continue
            return r

    def drain_events(self, seconds):
        """Collects the events QEMU sends within SECONDS (the tray moving)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                r = self._read(end - time.monotonic())
            except (socket.timeout, TimeoutError):
                break
            if "event" in r:
                self.events.append(r)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def wait_marker(path, marker, stop_file, timeout):
    """Seconds waited until MARKER is a line of PATH; None on a timeout or
    when STOP_FILE appears."""
    start = time.monotonic()
    want = marker.encode()
    while True:
        try:
            with open(path, "rb") as f:
                data = f.read()
            if any(line.rstrip(b"\r") == want for line in data.split(b"\n")):
                return time.monotonic() - start
        except FileNotFoundError:
            pass
        if os.path.exists(stop_file) or time.monotonic() - start > timeout:
            return None
        time.sleep(POLL)


def pick_cd(blocks, iso):
    """The removable device whose medium is ISO (else the only removable one
    with a medium)."""
    real = os.path.realpath(iso) if iso else None
    with_medium = [b for b in blocks if b.get("removable") and b.get("inserted")]
    for b in with_medium:
        f = b["inserted"].get("file") or ""
        if real and os.path.realpath(f) == real:
            return b
    return with_medium[0] if len(with_medium) == 1 else None


def summary(b):
    """What query-block says about one device, without the noise."""
    if b is None:
        return None
    ins = b.get("inserted")
    return {"device": b.get("device"), "qdev": b.get("qdev"), "locked": b.get("locked"),
            "tray_open": b.get("tray_open"), "medium": ins.get("file") if ins else None}


def connect(args, report):
    """A QMP session in command mode; QEMU's version goes into the report."""
    q = Qmp(args.socket, 10)
    try:
        report["qemu"] = q.greeting["QMP"].get("version", {}).get("qemu")
        r = q.cmd("qmp_capabilities")
        if "return" not in r:
            raise QmpError(f"qmp_capabilities: {r}")
    except BaseException:
        q.close()
        raise
    return q


def eject(args, report):
    t = time.monotonic()
    q = connect(args, report)
    try:
        r = q.cmd("query-block")
        if "return" not in r:
            raise QmpError(f"query-block: {r}")
        cd = pick_cd(r["return"], args.cd)
        report["before"] = summary(cd)
        if cd is None:
            raise QmpError("no removable block device holds the CD: "
                           + json.dumps([summary(b) for b in r["return"]]))
        report["device"] = cd.get("device")
        # The guest device by its QOM path; the block backend name ("device")
        # is what QEMU before 2.8 took, and still takes.
        target = {"id": cd["qdev"]} if cd.get("qdev") else {"device": cd["device"]}
        report["eject_arguments"] = dict(target, force=True)
        r = q.cmd("eject", force=True, **target)
        report["eject"] = r
        report["eject_seconds"] = round(time.monotonic() - t, 3)
        if "return" not in r:
            raise QmpError(f"eject: {r.get('error', r)}")
        q.drain_events(1.0)
        r = q.cmd("query-block")
        after = [b for b in r.get("return", []) if b.get("device") == cd.get("device")]
        report["after"] = summary(after[0]) if after else None
        report["events"] = [{"event": e.get("event"), "data": e.get("data")} for e in q.events]
    finally:
        q.close()
    a = report.get("after") or {}
    if a.get("medium") is not None:
        raise QmpError("query-block still shows a medium after the eject")


def quit_qemu(args, report):
    """QMP quit: QEMU exits without telling the guest (a power cut)."""
    t = time.monotonic()
    q = connect(args, report)
    try:
        try:
            r = q.cmd("quit")
        except QmpError:  # QEMU closed the socket before answering: it is gone
            r = {"return": {}, "closed": True}
        report["quit"] = r
        report["quit_seconds"] = round(time.monotonic() - t, 3)
        if "return" not in r:
            raise QmpError(f"quit: {r.get('error', r)}")
    finally:
        q.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--socket", required=True)
    p.add_argument("--watch", required=True)
    p.add_argument("--marker", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--cd", default=None)
    p.add_argument("--out", required=True)
    p.add_argument("--action", choices=("eject", "quit"), default="eject")
    args = p.parse_args()
    name = "eject" if args.action == "eject" else "powercut"

    report = {"ok": False, "marker": args.marker, "marker_seen": False}
    waited = wait_marker(args.watch, args.marker, args.stop_file, args.timeout)
    if waited is None:
        why = ("the guest powered off" if os.path.exists(args.stop_file)
               else f"{args.timeout:.0f} s passed")
        report["error"] = f"the guest never asked for the {args.action} ({args.marker!r}): {why}"
    else:
        report["marker_seen"] = True
        report["marker_seconds"] = round(waited, 1)
        try:
            (eject if args.action == "eject" else quit_qemu)(args, report)
            report["ok"] = True
        except (OSError, ValueError, QmpError) as e:
            report["error"] = f"{type(e).__name__}: {e}"
    rc = 0 if report["ok"] else 1
    with open(args.out, "w") as f:
        f.write(f"@@GT-BEGIN {name}@@\n")
        f.write(json.dumps(report, indent=1) + "\n")
        f.write(f"@@GT-END {name} rc={rc}@@\n")
    print(f"e2e: QMP {args.action}: {'acknowledged' if rc == 0 else 'FAILED'}: "
          + (json.dumps(report.get(args.action)) if rc == 0 else report.get("error", "")))
    return rc


if __name__ == "__main__":
    sys.exit(main())
