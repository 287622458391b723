#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sbom.py: the SPDX 2.3 SBOM of the guest-tools ISO (Linux/SBOM.spdx.json).

Usage:
  scripts/release/sbom.py --manifest payload/guest-tools.manifest --build BUILD
      --version V --source-date-epoch N --static ARCH=DIR [--static ARCH=DIR ...]
      [--self-dest Linux/SBOM.spdx.json] -o OUT

It lists what the ISO carries, read from the build manifest (each file and
package entry's source, ${BUILD} and ${VERSION} expanded, with its SHA-1 and
SHA-256), and what went into it:
  - the installer and the guest agent of each architecture (the agent binary
    from BUILD[/i686]/guest-agent, inside the agent packages);
  - every static library the installer links, as the Debian source package it
    was built from (version, .dsc file and its sha256, licence), per
    architecture, from the static prefix's record (DIR/versions, copied by the
    Makefile from <prefix>/versions of scripts/build-static-deps.sh);
  - the toolchain that shaped the build (musl, the compiler, autotools);
  - whether each architecture's static inputs were the locked ones
    (DIR/lock-status: "status locked", or "status fallback" and one
    "fallback source|tool PACKAGE LOCKED USED" line each).
Not listed, because each of them covers this document: Linux/MANIFEST,
Linux/MANIFEST.sig, Linux/CONTENTS, SHA256SUMS and the SBOM itself.

The output is a function of its inputs alone (no clock, no random UUID): the
creation time is the source date epoch and the namespace a UUID derived from
the content, so that two builds of one commit give the same bytes.
"""
import argparse
import hashlib
import json
import os
import re
import sys
import time
import uuid

PROG = "sbom"

# Files mkisotool writes itself, or that sign or sum this document: they cannot
# be described in it (their bytes depend on it).
GENERATED = ("Linux/MANIFEST", "Linux/MANIFEST.sig", "Linux/CONTENTS", "SHA256SUMS")

# The licence of each static input, as SPDX expressions, for the parts the
# static build links (scripts/build-static-deps.sh builds only these), read
# from the package's debian/copyright (DEP-5) in Debian 12:
#   zlib        Files: *                     Zlib
#   xz-utils    Files: * (src/liblzma)       PD (public domain) [5.4.x; 5.6 moved to 0BSD]
#   libzstd     Files: * (lib/)              BSD-3-clause or GPL-2;
#               lib/dictBuilder/divsufsort.* Expat
#   libarchive  Files: libarchive/*          BSD-2-clause (a few files carry others)
#   util-linux  Files: libblkid/*, libmount/*  LGPL-2.1+
#   libsodium   Files: *                     ISC (a few files carry others)
#   musl        Files: *                     MIT
# A source package missing here stops the SBOM: add its licence with the stanza
# it rests on.
LICENCES = {
    "zlib": ("Zlib", "libz.a"),
    "xz-utils": ("LicenseRef-public-domain", "liblzma.a"),
    "libzstd": ("(BSD-3-Clause OR GPL-2.0-only) AND MIT", "libzstd.a"),
    "libarchive": ("BSD-2-Clause", "libarchive.a"),
    "util-linux": ("LGPL-2.1-or-later", "libblkid.a, libmount.a"),
    "libsodium": ("ISC", "libsodium.a"),
}
# The toolchain packages (tool lines of the lock), by Debian package name.
TOOLS = {
    "musl-dev": ("musl", "MIT", "STATIC_LINK"),
    "gcc-12": ("gcc", "GPL-3.0-or-later WITH GCC-exception-3.1", "BUILD_TOOL_OF"),
    "gcc-12-i686-linux-gnu": ("gcc", "GPL-3.0-or-later WITH GCC-exception-3.1",
                              "BUILD_TOOL_OF"),
    "autoconf": ("autoconf", "GPL-3.0-or-later WITH Autoconf-exception-3.0", "BUILD_TOOL_OF"),
    "automake": ("automake", "GPL-2.0-or-later", "BUILD_TOOL_OF"),
    "libtool": ("libtool", "GPL-2.0-or-later", "BUILD_TOOL_OF"),
}
PUBLIC_DOMAIN = {
    "licenseId": "LicenseRef-public-domain",
    "name": "public domain",
    "extractedText": "The files have been put into the public domain by their authors "
                     "(debian/copyright of xz-utils: \"License: PD\").",
}
OWN_LICENCE = "MIT"  # every source file of this repository says so
DEB_ARCH = {"x86_64": "amd64", "i686": "i386"}


class SbomError(Exception):
    pass


def spdx_id(*parts):
    """An SPDX element id: letters, digits, '.' and '-' only (SPDX 2.3, 3.2)."""
    return "SPDXRef-" + "-".join(re.sub(r"[^A-Za-z0-9.]+", "-", p).strip("-") for p in parts)


def hashes(path):
    s1, s256 = hashlib.sha1(), hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            s1.update(block)
            s256.update(block)
    return s1.hexdigest(), s256.hexdigest()


def checksums(sha1, sha256):
    out = [{"algorithm": "SHA256", "checksumValue": sha256}]
    if sha1:
        out.insert(0, {"algorithm": "SHA1", "checksumValue": sha1})
    return out


def read_manifest(path, source_dir, variables, self_dest):
    """The file and package entries of a build manifest (manifest(5)):
    [(kind, dest, src, keys)], the SBOM's own entry left out."""
    entries = []
    src_dir = source_dir
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].split()
            if not line:
                continue
            word = line[0]
            if word in ("guest-tools-manifest", "label", "version"):
                continue
            if word == "source-dir":
                if source_dir is None:
                    src_dir = os.path.join(os.path.dirname(os.path.abspath(path)), line[1])
                continue
            if word == "link":
                continue  # no content of its own
            if word not in ("file", "package"):
                raise SbomError(f"{path}:{n}: '{word}' entries are not described by "
                                f"scripts/release/sbom.py yet: teach it, or every file of the "
                                f"ISO would not be in the SBOM")
            keys = dict(kv.split("=", 1) for kv in line[2:] if "=" in kv)
            dest = line[1]
            if dest == self_dest:
                continue
            src = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                         lambda m: expand(m, variables, path, n), keys.get("src", ""))
            if not src:
                raise SbomError(f"{path}:{n}: {dest}: no src=")
            if not os.path.isabs(src):
                src = os.path.join(src_dir or os.path.dirname(os.path.abspath(path)), src)
            entries.append((word, dest, src, keys))
    return entries


def expand(m, variables, path, n):
    if m.group(1) not in variables:
        raise SbomError(f"{path}:{n}: ${{{m.group(1)}}}: not defined")
    return variables[m.group(1)]


def read_static(arch, d):
    """DIR/versions and DIR/lock-status of one architecture's static prefix."""
    sources, tools, fallbacks = [], [], {}
    try:
        with open(os.path.join(d, "versions")) as f:
            section = None
            for line in f:
                line = line.strip()
                if line.startswith("# Debian sources"):
                    section = "src"
                elif line.startswith("# toolchain"):
                    section = "tool"
                elif line and not line.startswith("#"):
                    w = line.split()
                    if section == "src" and len(w) == 4:
                        sources.append({"package": w[0], "version": w[1], "dsc_sha256": w[2],
                                        "dsc": w[3]})
                    elif section == "tool" and len(w) == 2:
                        tools.append({"package": w[0], "version": w[1]})
                    else:
                        raise SbomError(f"{d}/versions: unexpected line '{line}'")
        with open(os.path.join(d, "lock-status")) as f:
            status = None
            for line in f:
                w = line.split()
                if not w or w[0].startswith("#"):
                    continue
                if w[0] == "status" and len(w) == 2 and w[1] in ("locked", "fallback"):
                    status = w[1]
                elif w[0] == "fallback" and len(w) == 5:
                    fallbacks[(w[1], w[2])] = (w[3], w[4])
                else:
                    raise SbomError(f"{d}/lock-status: unexpected line '{line.strip()}'")
    except OSError as e:
        raise SbomError(f"{e.filename}: {e.strerror}: build the static prefix of {arch} "
                        f"first (make static payload i686)")
    if status is None:
        raise SbomError(f"{d}/lock-status: no status line")
    if not sources or not tools:
        raise SbomError(f"{d}/versions: no sources or no toolchain listed")
    return {"arch": arch, "sources": sources, "tools": tools, "status": status,
            "fallbacks": fallbacks}


def purl_deb(name, version, arch):
    v = version.replace(":", "%3A").replace("+", "%2B").replace("~", "%7E")
    return f"pkg:deb/debian/{name}@{v}?arch={arch}&distro=debian-12"


def lock_comment(st, kind, pkg):
    if (kind, pkg) in st["fallbacks"]:
        locked, used = st["fallbacks"][(kind, pkg)]
        return (f"FALLBACK: scripts/deps/static-sources.lock names {locked}; this build used "
                f"{used} (lock-status of the {st['arch']} prefix)")
    return f"locked: the version scripts/deps/static-sources.lock names for {st['arch']}"


def build(args):
    variables = {"BUILD": args.build, "VERSION": args.version}
    entries = read_manifest(args.manifest, args.source_dir, variables, args.self_dest)
    statics = [read_static(*s.split("=", 1)) for s in args.static]
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(args.source_date_epoch))

    iso_id = spdx_id("Package", "guest-tools-iso")
    packages, files, rels = [], [], []
    file_ids, excluded = {}, [("./" + g) for g in GENERATED + (args.self_dest,)]
    for kind, dest, src, keys in entries:
        try:
            sha1, sha256 = hashes(src)
        except OSError as e:
            raise SbomError(f"{dest}: {src}: {e.strerror}: build it first (make iso)")
        fid = spdx_id("File", dest)
        if fid in file_ids.values():
            raise SbomError(f"{dest}: its SPDX id {fid} is taken by another file")
        file_ids[dest] = fid
        ftype = "ARCHIVE" if kind == "package" else (
            "TEXT" if dest.endswith((".txt", ".sh")) else "BINARY")
        files.append({"SPDXID": fid, "fileName": "./" + dest, "fileTypes": [ftype],
                      "checksums": checksums(sha1, sha256), "licenseConcluded": "NOASSERTION",
                      "copyrightText": "NOASSERTION"})
        rels.append((iso_id, "CONTAINS", fid))

    def entry_by_dest(dest):
        for e in entries:
            if e[1] == dest:
                return e
        return None

    def add_package(pid, name, version, purpose, licence, comment=None, sums=None,
                    file_name=None, supplier="NOASSERTION", purl=None):
        p = {"SPDXID": pid, "name": name, "versionInfo": version,
             "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
             "licenseConcluded": "NOASSERTION", "licenseDeclared": licence,
             "copyrightText": "NOASSERTION", "supplier": supplier,
             "primaryPackagePurpose": purpose}
        if file_name:
            p["packageFileName"] = file_name
        if sums:
            p["checksums"] = sums
        if purl:
            p["externalRefs"] = [{"referenceCategory": "PACKAGE-MANAGER",
                                  "referenceType": "purl", "referenceLocator": purl}]
        if comment:
            p["comment"] = comment
        packages.append(p)
        return pid

    status_words = []
    for st in statics:
        arch = st["arch"]
        deb_arch = DEB_ARCH.get(arch, arch)
        installer = entry_by_dest(f"Linux/installer.{arch}")
        if not installer:
            raise SbomError(f"{args.manifest}: no Linux/installer.{arch} entry")
        inst_id = add_package(
            spdx_id("Package", "installer", arch), "guest-tools-installer", args.version,
            "APPLICATION", OWN_LICENCE, sums=checksums(*hashes(installer[2])),
            file_name=installer[1],
            comment=f"The fully static (musl) {arch} installer: {installer[1]} on the ISO.")
        rels.append((iso_id, "CONTAINS", inst_id))
        rels.append((inst_id, "GENERATED_FROM", spdx_id("Package", "guest-tools-source")))
        agent_bin = os.path.join(args.build, "" if arch == "x86_64" else arch, "guest-agent")
        try:
            agent_sums = checksums(*hashes(agent_bin))
        except OSError as e:
            raise SbomError(f"{agent_bin}: {e.strerror}: build it first (make payload i686)")
        agent_id = add_package(
            spdx_id("Package", "guest-agent", arch), "guest-agent", args.version,
            "APPLICATION", OWN_LICENCE, sums=agent_sums, file_name="guest-agent",
            comment=f"The fully static (musl) {arch} guest agent, inside the agent "
                    f"packages of {arch}; it links nothing but libc.")
        rels.append((agent_id, "GENERATED_FROM", spdx_id("Package", "guest-tools-source")))
        for kind, dest, src, keys in entries:
            if kind != "package" or keys.get("arch") != arch:
                continue
            pid = add_package(
                spdx_id("Package", "agent", os.path.basename(dest)), "guest-agent",
                args.version, "INSTALL", OWN_LICENCE, sums=checksums(*hashes(src)),
                file_name=dest,
                comment=f"The {keys.get('family')} package of the guest agent for {arch} "
                        f"guests ({dest} on the ISO).")
            rels.append((iso_id, "CONTAINS", pid))
            rels.append((pid, "CONTAINS", agent_id))
        for s in st["sources"]:
            if s["package"] not in LICENCES:
                raise SbomError(f"{s['package']}: a static input with no licence in "
                                f"scripts/release/sbom.py (LICENCES): add it with the "
                                f"debian/copyright stanza it rests on")
            licence, libs = LICENCES[s["package"]]
            lid = add_package(
                spdx_id("Package", arch, s["package"]), s["package"], s["version"], "LIBRARY",
                licence, sums=[{"algorithm": "SHA256", "checksumValue": s["dsc_sha256"]}],
                file_name=s["dsc"], supplier="Organization: Debian",
                purl=purl_deb(s["package"], s["version"], "source"),
                comment=f"Debian source package; {libs} built from it with musl for {arch} "
                        f"by scripts/build-static-deps.sh and linked statically into the "
                        f"installer. The checksum is that of its .dsc. "
                        + lock_comment(st, "source", s["package"]) + ".")
            rels.append((inst_id, "STATIC_LINK", lid))
        for t in st["tools"]:
            name, pkg_arch = t["package"].split(":", 1) if ":" in t["package"] else (
                t["package"], "all")
            if name not in TOOLS:
                raise SbomError(f"{t['package']}: a toolchain package with no entry in "
                                f"scripts/release/sbom.py (TOOLS)")
            label, licence, how = TOOLS[name]
            tid = add_package(
                spdx_id("Package", arch, name), label, t["version"], "LIBRARY"
                if how == "STATIC_LINK" else "APPLICATION", licence,
                supplier="Organization: Debian", purl=purl_deb(name, t["version"], pkg_arch),
                comment=f"Debian package {t['package']}, installed on the build machine. "
                        + lock_comment(st, "tool", t["package"]) + ".")
            if how == "STATIC_LINK":
                rels.append((inst_id, "STATIC_LINK", tid))
                rels.append((agent_id, "STATIC_LINK", tid))
            else:
                rels.append((tid, "BUILD_TOOL_OF", inst_id))
                if name.startswith("gcc"):
                    rels.append((tid, "BUILD_TOOL_OF", agent_id))
        if st["status"] == "locked":
            status_words.append(f"{arch}: locked (every static input as "
                                f"scripts/deps/static-sources.lock names it)")
        else:
            status_words.append(f"{arch}: FALLBACK (" + "; ".join(
                f"{k} {p} locked {lv}, used {uv}" for (k, p), (lv, uv)
                in sorted(st["fallbacks"].items())) + ")")

    add_package(spdx_id("Package", "guest-tools-source"), "guest-tools", args.version,
                "SOURCE", OWN_LICENCE,
                comment="The guest-tools source tree the installer and the agent are built "
                        "from.")
    # The ISO: every file on it is listed, verified by the SPDX package
    # verification code (SPDX 2.3, 7.9) over their SHA-1s.
    sha1s = sorted(f["checksums"][0]["checksumValue"] for f in files)
    iso = {"SPDXID": iso_id, "name": "guest-tools", "versionInfo": args.version,
           "packageFileName": f"guest-tools-{args.version}.iso",
           "downloadLocation": "NOASSERTION", "filesAnalyzed": True,
           "packageVerificationCode": {
               "packageVerificationCodeValue": hashlib.sha1("".join(sha1s).encode())
               .hexdigest(),
               "packageVerificationCodeExcludedFiles": excluded},
           "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION",
           "licenseInfoFromFiles": ["NOASSERTION"],
           "copyrightText": "NOASSERTION", "supplier": "NOASSERTION",
           "primaryPackagePurpose": "INSTALL",
           "hasFiles": [f["SPDXID"] for f in files],
           "comment": "The guest-tools ISO. Its files are listed except those that "
                      "describe, sum or sign this document: " + ", ".join(excluded) + "."}
    packages.insert(0, iso)

    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"guest-tools-{args.version}",
        "documentNamespace": "",
        "creationInfo": {"created": created,
                         "creators": [f"Tool: guest-tools-sbom-{args.version}"],
                         "comment": "Made by scripts/release/sbom.py at make iso; the time is "
                                    "the source date epoch of the build."},
        "comment": "Static inputs: " + "; ".join(status_words) + ".",
        "documentDescribes": [iso_id],
        "packages": packages,
        "files": files,
        "hasExtractedLicensingInfos": [PUBLIC_DOMAIN],
        "relationships": [{"spdxElementId": a, "relationshipType": r, "relatedSpdxElement": b}
                          for a, r, b in
                          [("SPDXRef-DOCUMENT", "DESCRIBES", iso_id)] + rels],
    }
    body = json.dumps(doc, indent=2, sort_keys=False)
    ns = uuid.uuid5(uuid.NAMESPACE_URL, "guest-tools-sbom:" + hashlib.sha256(
        body.encode()).hexdigest())
    doc["documentNamespace"] = f"https://spdx.org/spdxdocs/guest-tools-{args.version}-{ns}"
    return doc


def main():
    ap = argparse.ArgumentParser(prog="sbom.py", description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--source-dir")
    ap.add_argument("--build", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--source-date-epoch", type=int, required=True)
    ap.add_argument("--static", action="append", default=[], metavar="ARCH=DIR")
    ap.add_argument("--self-dest", default="Linux/SBOM.spdx.json")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    if not args.static:
        ap.error("--static ARCH=DIR: at least one")
    try:
        doc = build(args)
    except SbomError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
