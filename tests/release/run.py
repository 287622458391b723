#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The release files: the SBOM, the dist/ layout, checksums and signatures.

Usage: BUILD=build MKISOTOOL=build/mkisotool tests/release/run.py [RESULTS]
Needs what `make iso` leaves in BUILD (the image, the SBOM, the static
prefixes' records). Checks:
  - the SBOM on the image validates (tests/release/validate_sbom.py: SPDX's
    2.3 JSON schema and the spec's rules), and copies broken on purpose do not;
  - it names what the issue asks: installer and agent per architecture with
    the sha256 of the files on the image, every static library with its
    Debian source version, .dsc sha256 and licence (as the static prefix
    recorded them), musl and compiler versions, the agent packages, and the
    lock status of each architecture;
  - every file on the image is in it with its sha256, but the few that cover
    it, and Linux/MANIFEST (so the signature) covers the SBOM;
  - make-dist.sh with a fresh key: the four release files, `sha256sum -c`,
    the image's signature by that key, SHA256SUMS.sig good and failing when
    altered or made by another key; and sigfile.py signs Linux/MANIFEST to
    the very bytes mkisotool's Linux/MANIFEST.sig has (one scheme, one format).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402
import validate_sbom  # noqa: E402

harness.configure(show_passes=True)
BUILD = os.path.abspath(os.environ.get("BUILD", os.path.join(REPO, "build")))
MKISOTOOL = os.path.abspath(os.environ.get("MKISOTOOL", os.path.join(BUILD, "mkisotool")))
ISO = os.path.join(BUILD, "guest-tools.iso")
SIGFILE = os.path.join(REPO, "scripts", "release", "sigfile.py")
MAKE_DIST = os.path.join(REPO, "scripts", "release", "make-dist.sh")
with open(os.path.join(REPO, "VERSION")) as _f:
    VERSION = _f.read().strip()
ARCHES = {"x86_64": BUILD, "i686": os.path.join(BUILD, "i686")}
COVERING = {"Linux/MANIFEST", "Linux/MANIFEST.sig", "Linux/CONTENTS", "SHA256SUMS",
            "Linux/SBOM.spdx.json"}


def sh(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(list(args), **kw)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def iso_files(iso, tmp):
    """{path: sha256} of every regular file on the image (bsdtar, another reader)."""
    d = os.path.join(tmp, "unpacked-" + os.path.basename(iso))
    os.makedirs(d)
    sh("bsdtar", "-xf", iso, "-C", d, check=True)
    out = {}
    for dirpath, _, files in os.walk(d):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, d)] = sha256(full)
    return out, d


def static_record(arch):
    """What the static prefix recorded: sources, tools, lock status."""
    d = os.path.join(ARCHES[arch], "static-inputs")
    sources, tools, status = {}, {}, None
    section = None
    with open(os.path.join(d, "versions")) as f:
        for line in f:
            if line.startswith("# Debian sources"):
                section = "s"
            elif line.startswith("# toolchain"):
                section = "t"
            elif line.strip() and not line.startswith("#"):
                w = line.split()
                if section == "s":
                    sources[w[0]] = (w[1], w[2])
                else:
                    tools[w[0]] = w[1]
    with open(os.path.join(d, "lock-status")) as f:
        for line in f:
            if line.startswith("status "):
                status = line.split()[1]
    return sources, tools, status


def test_sbom(tmp):
    files, unpacked = iso_files(ISO, tmp)
    path = os.path.join(unpacked, "Linux", "SBOM.spdx.json")
    if not check("the image carries Linux/SBOM.spdx.json", os.path.isfile(path), sorted(files)):
        return None
    check("the SBOM on the image is the one make iso wrote",
          sha256(path) == sha256(os.path.join(BUILD, "release", "SBOM.spdx.json")), path)
    probs = validate_sbom.validate(path)
    check("SBOM: valid SPDX 2.3 (SPDX's JSON schema, the spec's rules)", not probs,
          "\n".join(probs[:20]))
    with open(path) as f:
        doc = json.load(f)
    # The validator must be able to say no.
    broken = {
        "no name on a package (schema)": lambda d: d["packages"][0].pop("name"),
        "a licence not on the SPDX list": lambda d: d["packages"][1].__setitem__(
            "licenseDeclared", "Made-Up-1.0"),
        "a file without SHA1": lambda d: d["files"][0].__setitem__(
            "checksums", [c for c in d["files"][0]["checksums"] if c["algorithm"] != "SHA1"]),
        "a relationship to nothing": lambda d: d["relationships"].append(
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": "SPDXRef-nothing"}),
        "a wrong verification code": lambda d: d["packages"][0]["packageVerificationCode"]
        .__setitem__("packageVerificationCodeValue", "0" * 40),
    }
    for what, mutate in broken.items():
        d = json.loads(json.dumps(doc))
        mutate(d)
        bad = os.path.join(tmp, "broken.spdx.json")
        with open(bad, "w") as f:
            json.dump(d, f)
        check(f"SBOM validator: refuses {what}", validate_sbom.validate(bad), what)

    pk = {p["SPDXID"]: p for p in doc["packages"]}

    def sums(p):
        return {c["algorithm"]: c["checksumValue"] for c in p.get("checksums", [])}
    listed = {f["fileName"][2:]: sums(f)["SHA256"] for f in doc["files"]}
    missing = {p: s for p, s in files.items() if p not in COVERING and listed.get(p) != s}
    check("SBOM: every file on the image, with its sha256 (but those that cover it)",
          not missing and set(listed) <= set(files), (missing, set(listed) - set(files)))
    p = sh(MKISOTOOL, "ls", "--json", ISO)
    entries = {e["path"]: e for e in json.loads(p.stdout)["entries"]} if p.returncode == 0 \
        else {}
    check("Linux/MANIFEST covers the SBOM (so its signature does)",
          entries.get("Linux/SBOM.spdx.json", {}).get("sha256") == sha256(path),
          entries.get("Linux/SBOM.spdx.json"))
    count = {"libraries": 0}
    for arch in ARCHES:
        aid = arch.replace("_", "-")  # SPDX ids: letters, digits, '.', '-'
        inst = pk.get(f"SPDXRef-Package-installer-{aid}")
        check(f"SBOM: the {arch} installer with the sha256 of Linux/installer.{arch}",
              inst and sums(inst).get("SHA256") == files.get(f"Linux/installer.{arch}"), inst)
        agent = pk.get(f"SPDXRef-Package-guest-agent-{aid}")
        abin = os.path.join(ARCHES[arch], "guest-agent")
        check(f"SBOM: the {arch} agent with its sha256",
              agent and sums(agent).get("SHA256") == sha256(abin), agent)
        pkgs = [p for p in doc["packages"] if p["SPDXID"].startswith("SPDXRef-Package-agent-")
                and f".{arch}." in p["packageFileName"]]
        check(f"SBOM: the three {arch} agent packages (deb, rpm, tgz) with their sha256",
              len(pkgs) == 3 and all(sums(p)["SHA256"] == files.get(p["packageFileName"])
                                     for p in pkgs), [p.get("packageFileName") for p in pkgs])
        sources, tools, status = static_record(arch)
        for name, (ver, dsc) in sorted(sources.items()):
            lib = pk.get(f"SPDXRef-Package-{aid}-{name}")
            count["libraries"] += 1
            check(f"SBOM: {arch} static input {name} {ver}: version, .dsc sha256, licence",
                  lib and lib["versionInfo"] == ver and sums(lib).get("SHA256") == dsc and
                  lib["licenseDeclared"] not in ("NOASSERTION", "NONE") and
                  any(r["relatedSpdxElement"] == lib["SPDXID"] and
                      r["relationshipType"] == "STATIC_LINK" for r in doc["relationships"]),
                  lib)
        for tool, label in (("musl-dev", "musl"), ("gcc-12", "compiler")):
            want = [(k, v) for k, v in tools.items() if k.split(":")[0].startswith(tool)]
            got = [p for p in doc["packages"] if p["SPDXID"].startswith(
                f"SPDXRef-Package-{aid}-{tool}")]
            check(f"SBOM: the {arch} {label} version", want and len(got) == 1 and
                  got[0]["versionInfo"] == want[0][1], (want, got))
        word = "locked" if status == "locked" else "FALLBACK"
        check(f"SBOM: says the {arch} static inputs were {status}",
              f"{arch}: {word}" in doc.get("comment", ""), doc.get("comment"))
    print(f"SBOM: {len(doc['packages'])} packages ({count['libraries']} static-library "
          f"entries), {len(doc['files'])} files, {len(doc['relationships'])} relationships; "
          f"{doc.get('comment')}")
    return doc


def test_dist(tmp):
    key = os.path.join(tmp, "release")
    p = sh(MKISOTOOL, "keygen", "-o", key)
    if not check("keygen for the test", p.returncode == 0, p.stderr):
        return
    # A fake BUILD whose image is signed, the rest the real build's.
    fake = os.path.join(tmp, "build")
    os.makedirs(os.path.join(fake, "release"))
    os.makedirs(os.path.join(fake, "i686"))
    for rel in ("release/SBOM.spdx.json", "static-inputs", "i686/static-inputs", "mkisotool"):
        os.symlink(os.path.join(BUILD, rel), os.path.join(fake, rel))
    epoch = sh("git", "-C", REPO, "log", "-1", "--format=%ct").stdout.strip() or "0"
    p = sh(MKISOTOOL, "build", "-q", "-m", os.path.join(REPO, "payload/guest-tools.manifest"),
           "-o", os.path.join(fake, "guest-tools.iso"), "-D", "BUILD=" + BUILD,
           "-D", "VERSION=" + VERSION, "--source-date-epoch", epoch, "--sign", key + ".sec")
    if not check("a signed image of this build", p.returncode == 0, p.stderr):
        return
    dist = os.path.join(tmp, "dist")
    p = sh("sh", MAKE_DIST, fake, dist, VERSION, epoch, key + ".sec")
    name = f"guest-tools-{VERSION}"
    want = sorted([f"{name}.iso", f"{name}.spdx.json", "SHA256SUMS", "SHA256SUMS.sig"])
    if not check("make-dist: the four release files", p.returncode == 0 and
                 os.path.isdir(dist) and sorted(os.listdir(dist)) == want,
                 (p.returncode, p.stderr, os.path.isdir(dist) and os.listdir(dist))):
        return
    p = sh("sha256sum", "-c", "SHA256SUMS", cwd=dist)
    check("dist: sha256sum -c SHA256SUMS", p.returncode == 0 and p.stdout.count(": OK") == 2,
          p.stdout + p.stderr)
    p = sh(MKISOTOOL, "verify", "-q", "--pubkey", key + ".pub", os.path.join(dist, name + ".iso"))
    check("dist: the image's Linux/MANIFEST.sig is good for the key", p.returncode == 0,
          p.stderr)
    sums, sig = os.path.join(dist, "SHA256SUMS"), os.path.join(dist, "SHA256SUMS.sig")
    p = sh(SIGFILE, "verify", key + ".pub", sums, sig)
    check("dist: SHA256SUMS.sig is good for the key", p.returncode == 0, p.stderr)
    altered = os.path.join(tmp, "SHA256SUMS.altered")
    with open(sums) as f, open(altered, "w") as g:
        g.write(f.read().replace("  ", "  x", 1))
    p = sh(SIGFILE, "verify", key + ".pub", altered, sig)
    check("dist: an altered SHA256SUMS fails its signature",
          p.returncode == 1 and "BAD signature" in p.stderr, p.stderr)
    other = os.path.join(tmp, "other")
    sh(MKISOTOOL, "keygen", "-o", other)
    p = sh(SIGFILE, "verify", other + ".pub", sums, sig)
    check("dist: another key's public half refuses SHA256SUMS.sig",
          p.returncode == 1 and "not by" in p.stderr, p.stderr)
    with open(os.path.join(dist, name + ".spdx.json"), "rb") as a, \
            open(os.path.join(BUILD, "release", "SBOM.spdx.json"), "rb") as b:
        check("dist: the SBOM beside the image is the one on it", a.read() == b.read())
    # One scheme: sigfile.py's signature of Linux/MANIFEST is mkisotool's, byte for byte.
    files, unpacked = iso_files(os.path.join(dist, name + ".iso"), tmp)
    mine = os.path.join(tmp, "MANIFEST.sig")
    p = sh(SIGFILE, "sign", key + ".sec", os.path.join(unpacked, "Linux", "MANIFEST"), mine)
    with open(os.path.join(unpacked, "Linux", "MANIFEST.sig"), "rb") as f:
        theirs = f.read()
    check("sigfile.py signs Linux/MANIFEST to the bytes of mkisotool's Linux/MANIFEST.sig",
          p.returncode == 0 and open(mine, "rb").read() == theirs, p.stderr)
    # Unsigned: no .sig, and the script says so.
    dist2 = os.path.join(tmp, "dist-unsigned")
    os.unlink(os.path.join(fake, "guest-tools.iso"))
    os.symlink(ISO, os.path.join(fake, "guest-tools.iso"))
    p = sh("sh", MAKE_DIST, fake, dist2, VERSION, epoch)
    check("make-dist without a key: no signature, said on stderr", p.returncode == 0 and
          "SHA256SUMS.sig" not in os.listdir(dist2) and "not signed" in p.stderr,
          (p.returncode, p.stderr))
    p = sh("sh", MAKE_DIST, fake, dist2, VERSION, epoch, key + ".sec")
    check("make-dist: a key the image is not signed with stops it, dist left as it was",
          p.returncode == 1 and "not signed by RELEASE_KEY" in p.stderr and
          "SHA256SUMS.sig" not in os.listdir(dist2), (p.returncode, p.stderr))


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else None
    tmp = harness.tempdir("gt-release-")
    if not os.path.isfile(ISO):
        harness.fail("release: the image", f"{ISO}: missing (make iso)")
    else:
        test_sbom(tmp)
        test_dist(tmp)
    return harness.finish("release", results)


if __name__ == "__main__":
    sys.exit(main())
