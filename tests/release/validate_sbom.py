#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""validate_sbom.py: check an SPDX 2.3 JSON document.

Usage: tests/release/validate_sbom.py FILE.spdx.json
Prints each problem as "FILE: PATH: problem" and exits 1 when there is one.

Two layers, because no complete SPDX validator (the SPDX project's
tools-java or tools-python) can be installed here from Debian or the npm
registry:
  1. SPDX's own JSON schema for 2.3 (tests/release/spdx-schema-2.3.json:
     spdx/spdx-spec, tag v2.3, schemas/spdx-schema.json, unchanged; licence
     CC-BY-3.0, the spec's), checked by python3-jsonschema (Debian);
  2. the rules of the SPDX 2.3 specification the schema cannot express, each
     with its clause: identifiers and references, the package verification
     code, checksum lengths, dates, creators, the namespace, and licence
     expressions (Annex D) against the SPDX licence list Debian ships
     (node-spdx-license-ids, node-spdx-exceptions).
"""
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "spdx-schema-2.3.json")
SCHEMA_SHA256 = "239208b7ac287b3cf5d9a9af23f9d69863971102a5e1587a27a398b43490b89b"
LICENSE_IDS = "/usr/share/nodejs/spdx-license-ids/index.json"
LICENSE_IDS_DEPRECATED = "/usr/share/nodejs/spdx-license-ids/deprecated.json"
EXCEPTIONS = "/usr/share/nodejs/spdx-exceptions/index.json"
HEX_LEN = {"SHA1": 40, "SHA224": 56, "SHA256": 64, "SHA384": 96, "SHA512": 128, "MD5": 32,
           "SHA3-256": 64, "SHA3-384": 96, "SHA3-512": 128, "BLAKE2b-256": 64,
           "BLAKE2b-384": 96, "BLAKE2b-512": 128}
ID_RE = re.compile(r"SPDXRef-[A-Za-z0-9.\-]+\Z")
SPECIAL = ("NONE", "NOASSERTION")


class Problems(list):
    def add(self, where, what):
        self.append(f"{where}: {what}")


def load_json(path):
    with open(path) as f:
        return json.load(f)


def schema_layer(doc, probs):
    import jsonschema
    with open(SCHEMA, "rb") as f:
        raw = f.read()
    if hashlib.sha256(raw).hexdigest() != SCHEMA_SHA256:
        probs.add(SCHEMA, "not the SPDX 2.3 schema this check was written for (sha256)")
        return
    schema = json.loads(raw)
    v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        probs.add("/" + "/".join(str(p) for p in e.absolute_path),
                  f"schema: {e.message[:300]}")


class LicenceChecker:
    """SPDX licence expressions (SPDX 2.3, Annex D): ids, AND, OR, WITH, '+',
    parentheses, LicenseRef-."""

    TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9.\-+:]+)")

    def __init__(self, declared_refs):
        self.ids = set(load_json(LICENSE_IDS)) | set(load_json(LICENSE_IDS_DEPRECATED))
        self.exceptions = set(load_json(EXCEPTIONS))
        self.refs = declared_refs

    def check(self, expr):
        if expr in SPECIAL:
            return None
        toks, pos = [], 0
        while pos < len(expr):
            m = self.TOKEN.match(expr, pos)
            if not m:
                return f"cannot read '{expr[pos:]}'"
            toks.append(m.group(1))
            pos = m.end()
        self.toks, self.i = toks, 0
        try:
            self.expr()
            if self.i != len(toks):
                return f"unexpected '{toks[self.i]}'"
        except ValueError as e:
            return str(e)
        return None

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        t = self.peek()
        if t is None:
            raise ValueError("ends too early")
        self.i += 1
        return t

    def expr(self):  # or-expr := and-expr ("OR" and-expr)*
        self.and_expr()
        while self.peek() == "OR":
            self.take()
            self.and_expr()

    def and_expr(self):
        self.with_expr()
        while self.peek() == "AND":
            self.take()
            self.with_expr()

    def with_expr(self):
        self.atom()
        if self.peek() == "WITH":
            self.take()
            e = self.take()
            if e not in self.exceptions:
                raise ValueError(f"'{e}' is not an SPDX licence exception")

    def atom(self):
        t = self.take()
        if t == "(":
            self.expr()
            if self.take() != ")":
                raise ValueError("a '(' is not closed")
            return
        if t.startswith("LicenseRef-"):
            if t not in self.refs:
                raise ValueError(f"{t} is not in hasExtractedLicensingInfos (10.1)")
            return
        lid = t[:-1] if t.endswith("+") else t
        if lid not in self.ids:
            raise ValueError(f"'{lid}' is not on the SPDX licence list")


def semantic_layer(doc, probs):
    if doc.get("spdxVersion") != "SPDX-2.3":
        probs.add("/spdxVersion", "must be SPDX-2.3 (6.1)")
    if doc.get("dataLicense") != "CC0-1.0":
        probs.add("/dataLicense", "must be CC0-1.0 (6.2)")
    if doc.get("SPDXID") != "SPDXRef-DOCUMENT":
        probs.add("/SPDXID", "must be SPDXRef-DOCUMENT (6.3)")
    ns = doc.get("documentNamespace", "")
    if not re.match(r"[a-z][a-z0-9+.\-]*://[^\s#]+\Z", ns):
        probs.add("/documentNamespace", f"'{ns}': an absolute URI without '#' (6.5)")
    ci = doc.get("creationInfo", {})
    if not re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z", ci.get("created", "")):
        probs.add("/creationInfo/created", "not YYYY-MM-DDThh:mm:ssZ (6.9)")
    for i, c in enumerate(ci.get("creators", [])):
        if not re.match(r"(Person|Organization|Tool): \S", c):
            probs.add(f"/creationInfo/creators/{i}", f"'{c}': Person:, Organization: or Tool: (6.8)")

    refs = {x.get("licenseId") for x in doc.get("hasExtractedLicensingInfos", [])}
    for r in refs:
        if not re.match(r"LicenseRef-[A-Za-z0-9.\-]+\Z", r or ""):
            probs.add("/hasExtractedLicensingInfos", f"'{r}': not LicenseRef-idstring (10.1)")
    lic = LicenceChecker(refs)

    ids = {"SPDXRef-DOCUMENT": "document"}
    elements = [("packages", p) for p in doc.get("packages", [])] + \
        [("files", f) for f in doc.get("files", [])]
    for i, (kind, e) in enumerate(elements):
        sid = e.get("SPDXID", "")
        where = f"/{kind}/{sid}"
        if not ID_RE.match(sid):
            probs.add(where, "SPDXID not SPDXRef-[letters, digits, '.', '-'] (7.2, 8.2)")
        if sid in ids:
            probs.add(where, "SPDXID used twice (7.2, 8.2)")
        ids[sid] = kind
        for c in e.get("checksums", []):
            n = HEX_LEN.get(c.get("algorithm"))
            if n and not re.fullmatch(r"[0-9a-f]{%d}" % n, c.get("checksumValue", "")):
                probs.add(where, f"{c.get('algorithm')} checksum is not {n} lower-case hex "
                                 f"digits (7.10, 8.4)")
        for key in ("licenseConcluded", "licenseDeclared"):
            if key in e:
                err = lic.check(e[key])
                if err:
                    probs.add(where, f"{key} '{e[key]}': {err} (Annex D)")
        for x in e.get("licenseInfoFromFiles", []) + e.get("licenseInfoInFiles", []):
            err = lic.check(x)
            if err:
                probs.add(where, f"licence info '{x}': {err}")
    files = {f.get("SPDXID"): f for f in doc.get("files", [])}
    for f in doc.get("files", []):
        where = f"/files/{f.get('SPDXID')}"
        if not f.get("fileName", "").startswith("./"):
            probs.add(where, "fileName must start with './' (8.1)")
        if not any(c.get("algorithm") == "SHA1" for c in f.get("checksums", [])):
            probs.add(where, "a file needs a SHA1 checksum (8.4)")
    for p in doc.get("packages", []):
        where = f"/packages/{p.get('SPDXID')}"
        analysed = p.get("filesAnalyzed", True)
        if analysed:
            vc = p.get("packageVerificationCode")
            if not vc:
                probs.add(where, "filesAnalyzed is true: packageVerificationCode needed (7.9)")
            else:
                sha1s = []
                for fid in p.get("hasFiles", []):
                    f = files.get(fid)
                    if not f:
                        probs.add(where, f"hasFiles: {fid}: no such file (7.8)")
                        continue
                    sha1s += [c["checksumValue"] for c in f.get("checksums", [])
                              if c.get("algorithm") == "SHA1"]
                code = hashlib.sha1("".join(sorted(sha1s)).encode()).hexdigest()
                if vc.get("packageVerificationCodeValue") != code:
                    probs.add(where, f"packageVerificationCode is not that of its files "
                                     f"({code}) (7.9.4)")
        elif p.get("packageVerificationCode") or p.get("hasFiles"):
            probs.add(where, "filesAnalyzed is false: no verification code, no files (7.8)")
    for i, d in enumerate(doc.get("documentDescribes", [])):
        if d not in ids:
            probs.add(f"/documentDescribes/{i}", f"{d}: no such element")
    for i, r in enumerate(doc.get("relationships", [])):
        for k in ("spdxElementId", "relatedSpdxElement"):
            v = r.get(k)
            if v not in ids and not (k == "relatedSpdxElement" and v in SPECIAL):
                probs.add(f"/relationships/{i}/{k}", f"{v}: no such element (11.1)")
    if not any(r.get("spdxElementId") == "SPDXRef-DOCUMENT" and
               r.get("relationshipType") == "DESCRIBES" for r in doc.get("relationships", [])) \
            and not doc.get("documentDescribes"):
        probs.add("/relationships", "nothing is described by SPDXRef-DOCUMENT (6.x, 11.1)")


def validate(path):
    probs = Problems()
    try:
        doc = load_json(path)
    except (OSError, ValueError) as e:
        probs.add("/", f"not JSON: {e}")
        return probs
    schema_layer(doc, probs)
    semantic_layer(doc, probs)
    return probs


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    probs = validate(sys.argv[1])
    for p in probs:
        print(f"{sys.argv[1]}: {p}")
    if not probs:
        print(f"{sys.argv[1]}: valid SPDX 2.3 (the SPDX 2.3 JSON schema, and the spec's rules)")
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main())
