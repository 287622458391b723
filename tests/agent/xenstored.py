#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small xenstore server on a unix socket that also plays xenopsd, for
testing guest-agent here.

Written from Xen's docs/misc/xenstore.txt: messages are a header of four
native-endian uint32 (type, req_id, tx_id, len) and a payload. It serves the
operations the agent and Debian's xenstore-utils use (READ, WRITE, MKDIR, RM,
DIRECTORY, DIRECTORY_PART, GET_PERMS, TRANSACTION_START/END, WATCH,
UNWATCH, RESET_WATCHES, GET_DOMAIN_PATH), with real transaction semantics
(a commit fails with EAGAIN when another one landed since the start) and
real watches, as C xenstored fires them (tools/xenstored/watch.c and
core.c):
  - a new watch fires once at once ("we fire once up front");
  - a change to a node fires the watches on it and on every node above it;
  - removing a subtree also fires, with its own path, every watch set
    exactly on a node inside it (delete_node fires "exact" events);
  - inside a transaction nothing fires until the commit;
  - a watch set on a relative path gets relative event paths.
Every client is dom0, so relative paths are under /local/domain/0.

xenopsd's part (--control SOCKET, one command a line, answered "OK" or
"ERR <why>"), modelled on ocaml/xenopsd/xc/domain.ml:
  migrate      a new domain for the same guest (a live migration, a resume
               from a suspend image, a revert to a checkpoint): `make`
               builds a fresh tree (attr/, data/, control/ empty, the
               toolstack's control/platform-feature-* keys) with a new
               unique-domain-id and the VM's devices (device/,
               xenserver/device/) plugged again, while the guest is suspended,
               so no watch sees it; then the guest's kernel registers its watches again
               (xenbus_xs.c xs_resume) and each fires once.
  migrate-drop the same, on a kernel whose watches did not survive: none
               fires again and the connection's watches are gone.
  soft-reset   soft_reset: removes control/feature-{suspend,poweroff,reboot,
               vcpu-hotplug,balloon} and memory/target and writes
               data/updated = 1, firing watches as any change does.
  rm PATH | write PATH VALUE   one change, as the toolstack makes it.
  watches      prints how many watches are set ("N").

Why not Debian's own servers: xen-utils-4.17's C xenstored -D (no domain
init) crashes on the first write (a socket client has no domain to account
it to), and oxenstored needs RLIMIT_NOFILE = fs.nr_open (EPERM here without
CAP_SYS_RESOURCE) and then opens the hypervisor's privcmd interface, which
only exists on Xen.

Fault injection, for the agent's retry paths:
  --eacces N       refuse the first N WRITEs with EACCES
  --eagain N       fail the first N TRANSACTION_END commits with EAGAIN
  --readonly PATH  refuse WRITE and RM of PATH for every client (libxl keeps
                   control/feature-balloon read-only for the guest)
"""
import argparse
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import uuid

TYPES = {
    "CONTROL": 0, "DIRECTORY": 1, "READ": 2, "GET_PERMS": 3, "WATCH": 4,
    "UNWATCH": 5, "TRANSACTION_START": 6, "TRANSACTION_END": 7, "INTRODUCE": 8,
    "RELEASE": 9, "GET_DOMAIN_PATH": 10, "WRITE": 11, "MKDIR": 12, "RM": 13,
    "SET_PERMS": 14, "WATCH_EVENT": 15, "ERROR": 16, "IS_DOMAIN_INTRODUCED": 17,
    "RESUME": 18, "SET_TARGET": 19, "RESET_WATCHES": 21, "DIRECTORY_PART": 22,
}
NAMES = {v: k for k, v in TYPES.items()}
HDR = struct.Struct("=IIII")
PAYLOAD_MAX = 4096
HOME = "/local/domain/0"

# What xenopsd's `make` creates under a new domain's home (domain.ml: the
# directories made writable for the guest, and the keys it writes itself).
FRESH_DIRS = ["cpu", "memory", "device", "error", "drivers", "control", "attr",
              "data", "messages", "vm-data", "hvmloader", "rrd", "feature",
              "xenserver/attr", "xenserver/device"]
FRESH_KEYS = {"control/platform-feature-multiprocessor-suspend": b"1",
              "control/platform-feature-xs_reset_watches": b"1",
              "control/has-vendor-device": b"0"}


class XsError(Exception):
    pass


class Conn:
    """One client: its socket (replies and events share it) and its watches."""

    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        self.watches = []  # (absolute node, token, relative)

    def send(self, mtype, req, txid, body):
        with self.lock:
            try:
                self.sock.sendall(HDR.pack(mtype, req, txid, len(body)) + body)
            except OSError:
                pass

    def event(self, node, watch):
        path = node[len(HOME) + 1:] if watch[2] and node.startswith(HOME + "/") else node
        self.send(TYPES["WATCH_EVENT"], 0, 0, path.encode() + b"\0" + watch[1].encode() + b"\0")


def is_child(child, parent):
    return parent == "/" or child == parent or child.startswith(parent + "/")


class Store:
    def __init__(self, eacces, eagain, readonly):
        self.lock = threading.Lock()
        self.tree = {"/": b""}        # path -> value; parents always present
        self.gen = 0                  # bumped by every change outside a transaction or commit
        self.tx = {}                  # id -> (generation at start, private copy, queued events)
        self.next_tx = 1
        self.eacces = eacces
        self.eagain = eagain
        self.readonly = {self.canon(p) for p in readonly}
        self.conns = []
        self.write(self.tree, HOME + "/unique-domain-id", str(uuid.uuid4()).encode())

    @staticmethod
    def canon(path):
        if not path:
            raise XsError("EINVAL")
        if not path.startswith("/"):
            path = HOME + "/" + path
        if path != "/" and path.endswith("/"):
            path = path.rstrip("/")
        if "//" in path:
            raise XsError("EINVAL")
        return path

    @staticmethod
    def parent(path):
        return path.rsplit("/", 1)[0] or "/"

    def view(self, txid):
        if txid == 0:
            return self.tree
        if txid not in self.tx:
            raise XsError("ENOENT")
        return self.tx[txid][1]

    def fire(self, txid, path, exact):
        """Fire now, or at the commit of @txid (watch.c fire_watches)."""
        if txid:
            self.tx[txid][2].append((path, exact))
            return
        for c in list(self.conns):
            for w in list(c.watches):
                if (path == w[0]) if exact else is_child(path, w[0]):
                    c.event(path, w)

    def changed(self, txid, path, exact=False):
        if txid == 0:
            self.gen += 1
        self.fire(txid, path, exact)

    def children(self, tree, path):
        prefix = path.rstrip("/") + "/"
        out = []
        for p in tree:
            if p != "/" and p.startswith(prefix) and "/" not in p[len(prefix):]:
                out.append(p[len(prefix):])
        return sorted(out)

    def write(self, tree, path, value):
        p = path
        missing = []
        while p not in tree:
            missing.append(p)
            p = self.parent(p)
        for m in missing:
            tree[m] = b""
        tree[path] = value

    def remove(self, tree, path, txid):
        """RM: the subtree goes; each node in it fires its exact watches
        (deepest first), the top one also the watches above it."""
        doomed = sorted((p for p in tree if p == path or p.startswith(path + "/")),
                        key=lambda p: -p.count("/"))
        for p in doomed:
            del tree[p]
        if txid == 0:
            self.gen += 1
        for p in doomed:
            if p != path:
                self.fire(txid, p, True)
        self.fire(txid, path, False)

    def handle(self, conn, mtype, txid, payload):
        name = NAMES.get(mtype, "?")
        with self.lock:
            if name == "READ":
                tree = self.view(txid)
                path = self.canon(arg(payload))
                if path not in tree:
                    raise XsError("ENOENT")
                return tree[path]
            if name in ("DIRECTORY", "DIRECTORY_PART"):
                tree = self.view(txid)
                path = self.canon(arg(payload))
                if path not in tree:
                    raise XsError("ENOENT")
                body = b"".join(c.encode() + b"\0" for c in self.children(tree, path))
                if name == "DIRECTORY_PART":
                    # generation, then the names; one part holds everything here
                    return str(self.gen).encode() + b"\0" + body + b"\0"
                return body
            if name == "GET_PERMS":
                tree = self.view(txid)
                if self.canon(arg(payload)) not in tree:
                    raise XsError("ENOENT")
                return b"n0\0"
            if name == "WRITE":
                path, _, value = payload.partition(b"\0")
                if self.eacces > 0:
                    self.eacces -= 1
                    raise XsError("EACCES")
                path = self.canon(path.decode())
                if path in self.readonly:
                    raise XsError("EACCES")
                self.write(self.view(txid), path, value)
                self.changed(txid, path)
                return b"OK\0"
            if name == "MKDIR":
                tree = self.view(txid)
                path = self.canon(arg(payload))
                if path not in tree:
                    self.write(tree, path, b"")
                    self.changed(txid, path)
                return b"OK\0"
            if name == "RM":
                tree = self.view(txid)
                path = self.canon(arg(payload))
                if path not in tree:
                    raise XsError("ENOENT")
                if path == "/":
                    raise XsError("EINVAL")
                if any(p == path or p.startswith(path + "/") for p in self.readonly):
                    raise XsError("EACCES")
                self.remove(tree, path, txid)
                return b"OK\0"
            if name == "TRANSACTION_START":
                if txid:
                    raise XsError("EBUSY")
                t = self.next_tx
                self.next_tx += 1
                self.tx[t] = (self.gen, dict(self.tree), [])
                return str(t).encode() + b"\0"
            if name == "TRANSACTION_END":
                if txid not in self.tx:
                    raise XsError("ENOENT")
                start, copy, events = self.tx.pop(txid)
                if arg(payload) == "T":
                    if self.eagain > 0:
                        self.eagain -= 1
                        raise XsError("EAGAIN")
                    if start != self.gen:
                        raise XsError("EAGAIN")
                    if copy != self.tree:
                        self.tree = copy
                        self.gen += 1
                    for path, exact in events:
                        self.fire(0, path, exact)
                return b"OK\0"
            if name == "GET_DOMAIN_PATH":
                return ("/local/domain/" + arg(payload)).encode() + b"\0"
            if name == "WATCH":
                parts = payload.split(b"\0")
                if len(parts) < 2:
                    raise XsError("EINVAL")
                node, token = parts[0].decode(), parts[1].decode()
                relative = not node.startswith("/") and not node.startswith("@")
                w = (self.canon(node) if not node.startswith("@") else node, token, relative)
                if any(x[0] == w[0] and x[1] == token for x in conn.watches):
                    raise XsError("EEXIST")
                conn.watches.append(w)
                return ("OK", w)  # the ack, then the first event
            if name == "UNWATCH":
                parts = payload.split(b"\0")
                node = self.canon(parts[0].decode())
                token = parts[1].decode() if len(parts) > 1 else ""
                for w in conn.watches:
                    if w[0] == node and w[1] == token:
                        conn.watches.remove(w)
                        return b"OK\0"
                raise XsError("ENOENT")
            if name == "RESET_WATCHES":
                conn.watches.clear()
                return b"OK\0"
            raise XsError("ENOSYS")

    # ---- xenopsd -------------------------------------------------------
    def migrate(self, keep_watches):
        with self.lock:
            # The VM's devices are plugged into the new domain before it runs:
            # their frontend nodes (device/, xenserver/device/) come back as they were.
            devices = {p: v for p, v in self.tree.items()
                       if p.startswith(HOME + "/device/") or p.startswith(HOME + "/xenserver/device/")}
            self.tree = {p: v for p, v in self.tree.items()
                         if not (p == HOME or p.startswith(HOME + "/"))}
            for p, v in devices.items():
                self.write(self.tree, p, v)
            for d in FRESH_DIRS:
                self.write(self.tree, HOME + "/" + d, b"")
            for k, v in FRESH_KEYS.items():
                self.write(self.tree, HOME + "/" + k, v)
            self.write(self.tree, HOME + "/unique-domain-id", str(uuid.uuid4()).encode())
            self.gen += 1
            for c in list(self.conns):
                if not keep_watches:
                    c.watches.clear()
                    continue
                for w in list(c.watches):  # registered again: each fires once
                    c.event(w[0], w)

    def soft_reset(self):
        with self.lock:
            for f in ["suspend", "poweroff", "reboot", "vcpu-hotplug", "balloon"]:
                p = HOME + "/control/feature-" + f
                if p in self.tree:
                    self.remove(self.tree, p, 0)
            if HOME + "/memory/target" in self.tree:
                self.remove(self.tree, HOME + "/memory/target", 0)
            self.write(self.tree, HOME + "/data/updated", b"1")
            self.changed(0, HOME + "/data/updated")

    def control(self, line):
        words = line.split(None, 2)
        if not words:
            return "ERR empty command"
        cmd = words[0]
        if cmd == "migrate":
            self.migrate(True)
        elif cmd == "migrate-drop":
            self.migrate(False)
        elif cmd == "soft-reset":
            self.soft_reset()
        elif cmd == "rm" and len(words) == 2:
            with self.lock:
                path = self.canon(words[1])
                if path in self.tree:
                    self.remove(self.tree, path, 0)
        elif cmd == "write" and len(words) == 3:
            with self.lock:
                path = self.canon(words[1])
                self.write(self.tree, path, words[2].encode())
                self.changed(0, path)
        elif cmd == "watches":
            with self.lock:
                return "OK %d" % sum(len(c.watches) for c in self.conns)
        else:
            return "ERR unknown command: " + line
        return "OK"


def arg(payload):
    return payload.split(b"\0", 1)[0].decode()


class Handler(socketserver.BaseRequestHandler):
    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.request.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def handle(self):
        store = self.server.store
        conn = Conn(self.request)
        with store.lock:
            store.conns.append(conn)
        try:
            while True:
                mtype, req, txid, length = HDR.unpack(self.recv_exact(HDR.size))
                if length > PAYLOAD_MAX:
                    return  # a protocol violation: drop the client, like xenstored
                payload = self.recv_exact(length)
                first = None
                try:
                    body, rtype = store.handle(conn, mtype, txid, payload), mtype
                    if isinstance(body, tuple):
                        body, first = b"OK\0", body[1]
                except XsError as e:
                    body, rtype = str(e).encode() + b"\0", TYPES["ERROR"]
                conn.send(rtype, req, txid, body)
                if first:
                    conn.event(first[0], first)
        except (EOFError, ConnectionResetError, BrokenPipeError):
            return
        finally:
            with store.lock:
                store.conns.remove(conn)


class ControlHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            try:
                answer = self.server.store.control(line.decode().strip())
            except XsError as e:
                answer = "ERR " + str(e)
            self.wfile.write(answer.encode() + b"\n")
            self.wfile.flush()


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def control_client(sock, cmds):
    """xenstored.py ctl SOCKET CMD...: send each command, print the answers."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    f = s.makefile("rw")
    rc = 0
    for c in cmds:
        f.write(c + "\n")
        f.flush()
        answer = f.readline().strip()
        print(answer)
        if not answer.startswith("OK"):
            rc = 1
    return rc


def unlink_sockets(*paths):
    for p in paths:
        if p and os.path.exists(p):
            os.unlink(p)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "ctl":
        return control_client(sys.argv[2], sys.argv[3:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("socket")
    ap.add_argument("--eacces", type=int, default=0)
    ap.add_argument("--eagain", type=int, default=0)
    ap.add_argument("--readonly", action="append", default=[])
    ap.add_argument("--control", help="a unix socket for xenopsd's commands")
    ap.add_argument("--ready", help="file created once the sockets listen")
    a = ap.parse_args()
    unlink_sockets(a.socket, a.control)
    srv = Server(a.socket, Handler)
    srv.store = Store(a.eacces, a.eagain, a.readonly)
    servers = [srv]
    if a.control:
        ctl = Server(a.control, ControlHandler)
        ctl.store = srv.store
        servers.append(ctl)
        threading.Thread(target=ctl.serve_forever, daemon=True).start()

    def stop(*_):
        for s in servers:
            threading.Thread(target=s.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    if a.ready:
        open(a.ready, "w").close()
    try:
        srv.serve_forever()
    finally:
        for s in servers:
            s.server_close()
        unlink_sockets(a.socket, a.control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
