#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sigfile.py: detached signatures of release files with mkisotool's keys.

Usage:
  scripts/release/sigfile.py sign KEY.sec FILE OUT.sig
  scripts/release/sigfile.py verify KEY.pub FILE FILE.sig
  scripts/release/sigfile.py pubkey KEY.sec OUT.pub

The same scheme as Linux/MANIFEST.sig (lib/sig.h, mkisotool(1) keygen and
--sign): Ed25519 over the exact bytes of FILE, the key files and the
signature file in their one exact three-line layout, the key id the first 8
bytes of the SHA-256 of the public key. Ed25519 signatures are deterministic,
so this gives the very bytes libsodium would (tests/release checks it against
the Linux/MANIFEST.sig mkisotool writes). The Ed25519 arithmetic is OpenSSL's
(`openssl pkeyutl -rawin`, OpenSSL 3), so a user can check a download with
the openssl command alone (docs/release.md).
Exit status: 0 good, 1 bad signature or unusable input, 2 usage.
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

PROG = "sigfile"
# DER prefixes of RFC 8410 Ed25519 keys: a PKCS#8 private key (the 32-byte
# seed follows) and a SubjectPublicKeyInfo (the 32-byte key follows).
DER_PRIVATE = bytes.fromhex("302e020100300506032b657004220420")
DER_PUBLIC = bytes.fromhex("302a300506032b6570032100")
HEADERS = {"sec": "guest-tools-secret-key 1", "pub": "guest-tools-public-key 1",
           "sig": "guest-tools-signature 1"}
HEXLEN = {"sec": 128, "pub": 64, "sig": 128}


class SigError(Exception):
    pass


def key_id(pk):
    return hashlib.sha256(pk).hexdigest()[:16]


def parse(path, kind):
    """(key id, bytes) of a key or signature file, in lib/sig.c's exact layout."""
    try:
        with open(path, "rb") as f:
            data = f.read(513)
    except OSError as e:
        raise SigError(f"{path}: {e.strerror}")
    m = re.fullmatch(rb"%s\nkey-id ([0-9a-f]{16})\ned25519 ([0-9a-f]{%d})\n" %
                     (HEADERS[kind].encode(), HEXLEN[kind]), data)
    if not m:
        raise SigError(f"{path}: not a {HEADERS[kind].rsplit(' ', 1)[0]} file "
                       f"(three lines: '{HEADERS[kind]}', key-id, ed25519)")
    kid, raw = m.group(1).decode(), bytes.fromhex(m.group(2).decode())
    pk = raw[32:] if kind == "sec" else raw if kind == "pub" else None
    if pk is not None and key_id(pk) != kid:
        raise SigError(f"{path}: its key-id {kid} is not that of its key ({key_id(pk)})")
    return kid, raw


def fmt(kind, kid, raw):
    return f"{HEADERS[kind]}\nkey-id {kid}\ned25519 {raw.hex()}\n"


def openssl(args, tmp):
    p = subprocess.run(["openssl"] + args, capture_output=True, cwd=tmp)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace").strip()


def write_private_der(tmp, seed):
    path = os.path.join(tmp, "key.der")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(DER_PRIVATE + seed)
    return path


def public_of(tmp, sk):
    """The public key OpenSSL derives from the seed; it must be the key file's."""
    der = write_private_der(tmp, sk[:32])
    rc, out, err = openssl(["pkey", "-inform", "DER", "-in", der, "-pubout", "-outform",
                            "DER"], tmp)
    if rc or not out.startswith(DER_PUBLIC) or len(out) != len(DER_PUBLIC) + 32:
        raise SigError(f"openssl cannot use the key: {err}")
    return der, out[len(DER_PUBLIC):]


def sign(sec, path, out):
    kid, sk = parse(sec, "sec")
    with tempfile.TemporaryDirectory(prefix="gt-sig-") as tmp:
        der, pk = public_of(tmp, sk)
        if pk != sk[32:]:
            raise SigError(f"{sec}: its seed does not give its public half: an altered key")
        sig = os.path.join(tmp, "sig.bin")
        rc, _, err = openssl(["pkeyutl", "-sign", "-inkey", der, "-keyform", "DER", "-rawin",
                              "-in", os.path.abspath(path), "-out", sig], tmp)
        if rc:
            raise SigError(f"{path}: openssl could not sign it: {err}")
        with open(sig, "rb") as f:
            raw = f.read()
    if len(raw) != 64:
        raise SigError(f"{path}: openssl gave a {len(raw)}-byte signature, not 64")
    tmp_out = out + ".tmp"
    with open(tmp_out, "w") as f:
        f.write(fmt("sig", kid, raw))
    os.replace(tmp_out, out)


def verify(pub, path, sigpath):
    kid, pk = parse(pub, "pub")
    sid, raw = parse(sigpath, "sig")
    if sid != kid:
        raise SigError(f"{sigpath}: signed by key {sid}, not by {pub} ({kid})")
    with tempfile.TemporaryDirectory(prefix="gt-sig-") as tmp:
        der = os.path.join(tmp, "pub.der")
        with open(der, "wb") as f:
            f.write(DER_PUBLIC + pk)
        sig = os.path.join(tmp, "sig.bin")
        with open(sig, "wb") as f:
            f.write(raw)
        rc, _, err = openssl(["pkeyutl", "-verify", "-pubin", "-inkey", der, "-keyform", "DER",
                              "-rawin", "-in", os.path.abspath(path), "-sigfile", sig], tmp)
    if rc:
        raise SigError(f"{sigpath}: BAD signature of {path} for key {kid}")
    return kid


def main(argv):
    if len(argv) == 5 and argv[1] == "sign":
        sign(argv[2], argv[3], argv[4])
    elif len(argv) == 5 and argv[1] == "verify":
        kid = verify(argv[2], argv[3], argv[4])
        print(f"{argv[3]}: good signature by key {kid}")
    elif len(argv) == 4 and argv[1] == "pubkey":
        kid, sk = parse(argv[2], "sec")
        with open(argv[3] + ".tmp", "w") as f:
            f.write(fmt("pub", kid, sk[32:]))
        os.replace(argv[3] + ".tmp", argv[3])
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except SigError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        sys.exit(1)
