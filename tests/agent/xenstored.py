#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small xenstore server on a unix socket, for testing guest-agent here.

Written from Xen's docs/misc/xenstore.txt: messages are a header of four
native-endian uint32 (type, req_id, tx_id, len) and a payload. It serves the
operations the agent and Debian's xenstore-utils use (READ, WRITE, MKDIR, RM,
DIRECTORY, DIRECTORY_PART, GET_PERMS, TRANSACTION_START/END, WATCH,
UNWATCH, RESET_WATCHES, GET_DOMAIN_PATH), with real transaction semantics
(a commit fails with EAGAIN when another one landed since the start).
Every client is dom0, so relative paths are under /local/domain/0.

Why not Debian's own servers: xen-utils-4.17's C xenstored -D (no domain
init) crashes on the first write (a socket client has no domain to account
it to), and oxenstored needs RLIMIT_NOFILE = fs.nr_open (EPERM here without
CAP_SYS_RESOURCE) and then opens the hypervisor's privcmd interface, which
only exists on Xen.

Fault injection, for the agent's retry paths:
  --eacces N   refuse the first N WRITEs with EACCES
  --eagain N   fail the first N TRANSACTION_END commits with EAGAIN
"""
import argparse
import os
import signal
import socket
import socketserver
import struct
import sys
import threading

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


class XsError(Exception):
    pass


class Store:
    def __init__(self, eacces, eagain):
        self.lock = threading.Lock()
        self.tree = {"/": b""}        # path -> value; parents always present
        self.gen = 0                  # bumped by every change outside a transaction or commit
        self.tx = {}                  # id -> (generation at start, private copy)
        self.next_tx = 1
        self.eacces = eacces
        self.eagain = eagain
        self.ops = 0

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

    def touch(self, txid):
        if txid == 0:
            self.gen += 1

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

    def handle(self, mtype, txid, payload):
        name = NAMES.get(mtype, "?")
        with self.lock:
            self.ops += 1
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
                tree = self.view(txid)
                self.write(tree, self.canon(path.decode()), value)
                self.touch(txid)
                return b"OK\0"
            if name == "MKDIR":
                tree = self.view(txid)
                path = self.canon(arg(payload))
                if path not in tree:
                    self.write(tree, path, b"")
                    self.touch(txid)
                return b"OK\0"
            if name == "RM":
                tree = self.view(txid)
                path = self.canon(arg(payload))
                if path not in tree:
                    raise XsError("ENOENT")
                if path == "/":
                    raise XsError("EINVAL")
                for p in [p for p in tree if p == path or p.startswith(path + "/")]:
                    del tree[p]
                self.touch(txid)
                return b"OK\0"
            if name == "TRANSACTION_START":
                if txid:
                    raise XsError("EBUSY")
                t = self.next_tx
                self.next_tx += 1
                self.tx[t] = (self.gen, dict(self.tree))
                return str(t).encode() + b"\0"
            if name == "TRANSACTION_END":
                if txid not in self.tx:
                    raise XsError("ENOENT")
                start, copy = self.tx.pop(txid)
                if arg(payload) == "T":
                    if self.eagain > 0:
                        self.eagain -= 1
                        raise XsError("EAGAIN")
                    if start != self.gen:
                        raise XsError("EAGAIN")
                    if copy != self.tree:
                        self.tree = copy
                        self.gen += 1
                return b"OK\0"
            if name == "GET_DOMAIN_PATH":
                return ("/local/domain/" + arg(payload)).encode() + b"\0"
            if name in ("WATCH", "UNWATCH", "RESET_WATCHES"):
                return b"OK\0"
            raise XsError("ENOSYS")


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
        try:
            while True:
                mtype, req, txid, length = HDR.unpack(self.recv_exact(HDR.size))
                if length > PAYLOAD_MAX:
                    return  # a protocol violation: drop the client, like xenstored
                payload = self.recv_exact(length)
                try:
                    body, rtype = store.handle(mtype, txid, payload), mtype
                except XsError as e:
                    body, rtype = str(e).encode() + b"\0", TYPES["ERROR"]
                self.request.sendall(HDR.pack(rtype, req, txid, len(body)) + body)
        except (EOFError, ConnectionResetError, BrokenPipeError):
            return


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("socket")
    ap.add_argument("--eacces", type=int, default=0)
    ap.add_argument("--eagain", type=int, default=0)
    ap.add_argument("--ready", help="file created once the socket listens")
    a = ap.parse_args()
    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    srv = Server(a.socket, Handler)
    srv.store = Store(a.eacces, a.eagain)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    if a.ready:
        open(a.ready, "w").close()
    try:
        srv.serve_forever()
    finally:
        srv.server_close()
        try:
            os.unlink(a.socket)
        except FileNotFoundError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
