#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Peer-corpus harness for `installer detect --root`.

Turns each peer's fixtures (read in place from ../shared/peer-fixtures, never
copied into the repository) into a --root tree in a temporary directory, runs
`installer detect --root TREE --json`, and checks our answer against the
peer's expectation:

  python-distro  id, version, family   (distro-expected.tsv)
  ansible        id, version, family   (ansible-expected.tsv)
  virt-what      hypervisor, Xen mode  (virt-what-expected.tsv)
  lscpu dumps    hypervisor, Xen mode  (virt-extra/util-linux-lscpu-expected.tsv)
  mountinfo      root fs type, flag    (rootfs-expected.tsv)

The Xen mode is asserted exactly (hvm or pvhvm, not "either") wherever the
peer's tree has the evidence: an lscpu dump's "para"/"full", and for "full"
or virt-what's xen-hvm, the devices in use (a bound emulated NIC in the PCI
list, a bound xenbus frontend). Where we answer differently on purpose, the
case, our exact answer and the reason are listed in DIFFERENCES below; such a
case is counted apart, "differ (documented)" (neither a pass nor a failure,
tests/lib/harness.py), and fails when our answer drifts from the documented
one. Usage:
  INSTALLER=build/installer tests/peer/run.py [RESULTS_DIR]
"""
import csv
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
PEER = os.environ.get("GT_PEER_FIXTURES",
                      os.path.join(REPO, "..", "shared", "peer-fixtures"))
INSTALLER = os.environ.get("INSTALLER", os.path.join(REPO, "build", "installer"))

# python-distro normalises some ids; we report the os-release ID as written.
DISTRO_ID_ALIASES = {
    "oracle": {"ol", "oracle"},
    "opensuse": {"opensuse", "opensuse-leap"},
    "rhel": {"rhel", "redhat"},
}

# (corpus, case) -> (our exact answer, why it differs on purpose). For distro
# rows the answer is the list of differences found ("id 'x', want 'y'; ...");
# for virt rows "hypervisor/mode".
NO_DEVICES = ("virt-what's xen-hvm covers HVM and PVHVM alike, and this tree has no "
              "disk, NIC, PCI driver or xenbus device to tell which: we say unknown "
              "rather than guess (the Xen CPUID leaf and DMI prove HVM, not PVHVM)")
DIFFERENCES = {
    ("distro", "distros/opensuse42|TestDistroRelease.test_opensuse42_dist_release"):
        ("id 'opensuse', want 'suse'",
         "SuSE-release: we name the product (opensuse, as its os-release ID says); "
         "python-distro says 'suse' from the file name"),
    ("distro", "distros/sles12|TestDistroRelease.test_sles12_dist_release"):
        ("id 'sles', want 'suse'; version '12.1', want '12'",
         "SuSE-release: we say sles (its os-release ID) and read VERSION/PATCHLEVEL "
         "(12.1); python-distro says 'suse' 12 from the first line"),
    ("distro", "distros/mandriva2011|TestOverall.test_mandriva2011_release"):
        ("family 'rpm', want 'other'",
         "Mandriva is rpm-based: we say family rpm where the peer table's derived "
         "family says other (id and version agree)"),
    ("distro", "distros/amazon2014|TestOverall.test_amazon2014_release"):
        ("id 'amzn', want ''; version '2014.03', want ''; family 'rpm', want ''",
         "Amazon Linux AMI 2014.03 has only /etc/system-release, which python-distro "
         "ignores; we read it: amzn 2014.03, family rpm"),
    ("virt-what", "aws-xen-x86"): ("xen/unknown", NO_DEVICES),
    ("virt-what", "rhel5-xen-domU-hvm"): ("xen/unknown", NO_DEVICES),
    ("virt-what", "rhel5-xen-domU-hvm-ia64"):
        ("xen/unknown", "xen-blkfront and xen-netfront are registered but no vbd or vif "
         "exists: " + NO_DEVICES),
}

# virt-what output tokens -> our hypervisor.
CONTAINERS = {"docker", "lxc", "podman", "crio", "oci", "linux_vserver",
              "linux_vserver-guest", "illumos-lx", "openvz", "systemd_nspawn"}
OTHER_HV = {"bhyve", "parallels", "vmm", "ldoms", "ldoms-guest", "powervm_lx86",
            "ibm_power-lpar_dedicated", "ibm_power-lpar_shared", "ibm_systemz",
            "ibm_systemz-zvm"}


class Results(harness.Suite):
    """The peer checks, counted in a suite of their own (tests/cli's collect
    suite runs them without counting them); failures are listed at the end."""

    def __init__(self):
        super().__init__()
        self.failures = []

    def ok(self):
        self.passed += 1

    def fail(self, corpus, case, msg):
        self.failed += 1
        self.failures.append(f"{corpus}: {case}: {msg}")

    def skip(self, corpus, case, why):
        super().skip(f"{corpus}: {case}", why)

    def judge(self, corpus, case, got, problems):
        """A pass, a documented difference (our answer is the one DIFFERENCES
        records), or a failure (an undocumented difference, or a documented one
        that no longer holds)."""
        doc = DIFFERENCES.get((corpus, case))
        if not problems and not doc:
            self.ok()
        elif doc and got == doc[0]:
            super().differs(f"{corpus}: {case}", f"{got}: {doc[1]}")
        elif doc:
            self.fail(corpus, case, f"documented as {doc[0]!r}, now {got!r}"
                      + (f" ({problems})" if problems else " (agrees: drop the entry)"))
        else:
            self.fail(corpus, case, problems)


def read_tsv(name):
    with open(os.path.join(PEER, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def copy_tree(src, dst):
    """Copy a fixture tree, keeping symlinks, leaving out the _fake tool outputs."""
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("_fake"))
    restore_links(dst)


def restore_links(root):
    """The corpus stores upstream's relative symlinks as small files holding the
    link target (a checkout without symlinks): make them links again, so that
    `etc/os-release -> ../usr/lib/os-release` is resolved inside the root."""
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or os.path.getsize(path) > 200:
                continue
            with open(path, "rb") as f:
                data = f.read()
            try:
                target = data.decode()
            except UnicodeDecodeError:
                continue
            if not target or "\n" in target or " " in target or target.startswith("/"):
                continue
            resolved = os.path.normpath(os.path.join(dirpath, target))
            if resolved != path and os.path.isfile(resolved) and \
                    resolved.startswith(os.path.abspath(root) + os.sep):
                os.unlink(path)
                os.symlink(target, path)


def copy_file(src_root, rel, dst_root):
    src = os.path.join(src_root, rel)
    if not os.path.lexists(src):
        return
    dst = os.path.join(dst_root, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
    else:
        shutil.copyfile(src, dst)


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def detect(tree):
    p = subprocess.run([INSTALLER, "detect", "--root", tree, "--json"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"exit {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def family_matches(ours, theirs):
    if theirs in ("rpm", "deb"):
        return ours == theirs
    return ours in ("tgz", "unknown")


def lsb_from_fake(fixture):
    """python-distro's fake `lsb_release -a` output, as an /etc/lsb-release file."""
    base = os.path.join(fixture, "_fake", "lsb_release_a")
    try:
        with open(base + ".rc") as f:
            if f.read().strip() != "0":
                return None
        with open(base + ".stdout", encoding="utf-8") as f:
            out = f.read()
    except OSError:
        return None
    keys = {"Distributor ID": "DISTRIB_ID", "Release": "DISTRIB_RELEASE",
            "Codename": "DISTRIB_CODENAME", "Description": "DISTRIB_DESCRIPTION"}
    lines = []
    for line in out.splitlines():
        k, sep, v = line.partition(":")
        if sep and k.strip() in keys:
            lines.append(f'{keys[k.strip()]}="{v.strip()}"')
    return "\n".join(lines) + "\n" if lines else None


def run_distro(res, tmp):
    base = os.path.join(PEER, "distro-resources")
    for i, row in enumerate(read_tsv("distro-expected.tsv")):
        case = f"{row['resource_dir']}|{row['test']}"
        src = os.path.join(base, row["resource_dir"])
        mode = row["source"]
        if "uname" in mode and row["resource_dir"].split("/")[-1].startswith(
                ("openbsd", "netbsd", "freebsd", "midnightbsd")):
            res.skip("distro", case, "a BSD system (uname -rs): the installer is for Linux")
            continue
        if row["resource_dir"] == "distros/aix72":
            res.skip("distro", case, "AIX (oslevel): the installer is for Linux")
            continue
        tree = os.path.join(tmp, f"distro{i}")
        os.makedirs(tree)
        if mode.startswith("os-release"):
            for rel in ("etc/os-release", "usr/lib/os-release", "etc/debian_version"):
                copy_file(src, rel, tree)
            restore_links(tree)
        elif mode.startswith("distro-specific"):
            copy_file(src, row["distro_release_file"], tree)
        elif mode.startswith("lsb_release"):
            lsb = lsb_from_fake(src)
            if lsb is None:
                res.skip("distro", case, "the fake lsb_release failed: nothing to convert")
                continue
            write(tree, "etc/lsb-release", lsb)
            copy_file(src, "etc/debian_version", tree)  # python-distro reads it too
        elif row["resource_dir"] == "special":
            copy_file(src, "empty-release", os.path.join(tree, "etc"))
        else:
            if os.path.isdir(src):
                copy_tree(src, tree)
            lsb = lsb_from_fake(src) if os.path.isdir(src) else None
            if lsb and not os.path.exists(os.path.join(tree, "etc/lsb-release")):
                write(tree, "etc/lsb-release", lsb)
        try:
            out = detect(tree)
        except Exception as e:  # a crash or bad JSON is a failure, never a skip
            res.fail("distro", case, str(e))
            continue
        d = out["distro"]
        want_id = row["id"]
        ids = DISTRO_ID_ALIASES.get(want_id, {want_id})
        problems = []
        if d["id"].lower() not in ids:
            problems.append(f"id {d['id']!r}, want {want_id!r}")
        if d["version_id"] != row["version_id"]:
            problems.append(f"version {d['version_id']!r}, want {row['version_id']!r}")
        if not family_matches(d["family"], row["derived_family"]):
            problems.append(f"family {d['family']!r}, want {row['derived_family']!r}")
        res.judge("distro", case, "; ".join(problems), "; ".join(problems))


def run_ansible(res, tmp):
    base = os.path.join(PEER, "ansible-distribution-fixtures", "trees")
    for row in read_tsv("ansible-expected.tsv"):
        case = row["fixture"]
        if row["platform_system"] != "Linux":
            res.skip("ansible", case, f"{row['platform_system']}: the installer is for Linux")
            continue
        src = os.path.join(base, case)
        if not os.path.isdir(src):
            res.fail("ansible", case, "fixture tree missing")
            continue
        try:
            out = detect(src)
        except Exception as e:
            res.fail("ansible", case, str(e))
            continue
        d = out["distro"]
        problems = []
        if not family_matches(d["family"], row["derived_family"]):
            problems.append(f"family {d['family']!r}, want {row['derived_family']!r}")
        if row["os_release_path"] and row["osr_ID"]:
            if d["id"] != row["osr_ID"]:
                problems.append(f"id {d['id']!r}, want os-release ID {row['osr_ID']!r}")
            want_v = row["osr_VERSION_ID"]
            if want_v and d["version_id"] != want_v:
                problems.append(f"version {d['version_id']!r}, want {want_v!r}")
        elif row["ansible_distribution_major_version"] not in ("", "NA"):
            want = row["ansible_distribution_major_version"]
            if str(d["major"]) != want:
                problems.append(f"major {d['major']!r}, want {want!r}")
        if problems:
            res.fail("ansible", case, "; ".join(problems))
        else:
            res.ok()


# Emulated NIC models (vendor+device as /proc/bus/pci/devices writes them):
# QEMU's rtl8139, e1000, e1000e, ne2k_pci.
EMULATED_NICS = {"10ec8139", "8086100e", "808610d3", "10ec8029"}


def hvm_evidence(tree):
    """'hvm' or 'pvhvm' when the tree shows which devices are in use, else None:
    an emulated NIC bound to its driver in the PCI list (drivers/pci/proc.c
    show_device ends a line with the driver), or a xenbus frontend bound."""
    pci = os.path.join(tree, "proc/bus/pci/devices")
    if os.path.isfile(pci):
        with open(pci, encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 18 and fields[1] in EMULATED_NICS and fields[-1].strip():
                    return "hvm"
    devices = os.path.join(tree, "sys/bus/xen/devices")
    if os.path.isdir(devices) and any(os.path.lexists(os.path.join(devices, d, "driver"))
                                      for d in os.listdir(devices)):
        return "pvhvm"
    return None


def virt_want(tokens, arch, tree):
    """Our (hypervisor, modes) for a virt-what answer: one mode wherever the
    tree holds the evidence; an empty set when it cannot (see DIFFERENCES)."""
    toks = set(t for t in tokens.split("|") if t)
    if "xen" in toks:
        if "xen-dom0" in toks:
            return "xen", {"dom0"}
        if "xen-domU" in toks:
            return "xen", {"pv"}
        if "xen-hvm" in toks:
            mode = hvm_evidence(tree)
            return "xen", {mode} if mode else set()
        return "xen", {"pvh"}  # Xen on ARM: one guest type, PV devices only
    if toks & CONTAINERS:
        return "container", {"n/a"}
    for hv in ("hyperv", "vmware", "virtualbox", "qemu"):
        if hv in toks:
            return hv, {"n/a"}
    if toks & {"kvm", "lkvm", "ibm_power-kvm"}:
        return "kvm", {"n/a"}
    if toks & OTHER_HV:
        return "other", {"n/a"}
    if not toks or toks <= {"aws"}:  # bare metal (an EC2 .metal host says "aws")
        return "none", {"n/a"}
    return None, None


def dmi_fields(cell):
    if not cell.startswith("dmidecode["):
        return {}
    fields = {}
    for part in cell[len("dmidecode["):-1].split("; "):
        k, _, v = part.partition("=")
        fields[k] = v
    return fields


def run_virt_what(res, tmp):
    base = os.path.join(PEER, "virt-what-tests")
    for row in read_tsv("virt-what-expected.tsv"):
        case = row["test_dir"]
        tree = os.path.join(tmp, "vw-" + case)
        copy_tree(os.path.join(base, case), tree)
        sig = row["cpuid_helper_output"]
        if sig:
            write(tree, ".guest-tools/cpuid", sig + "\n")
        dmi = dmi_fields(row["dmidecode"])
        for key, f in (("Manufacturer", "sys_vendor"), ("Product Name", "product_name"),
                       ("Vendor", "bios_vendor")):
            if dmi.get(key):
                write(tree, f"sys/class/dmi/id/{f}", dmi[key] + "\n")
        if row["uname_m"]:
            write(tree, ".guest-tools/arch", row["uname_m"] + "\n")
        hv, modes = virt_want(row["expected_output"], row["uname_m"], tree)
        if hv is None:
            res.fail("virt-what", case, f"no mapping for {row['expected_output']!r}")
            continue
        try:
            v = detect(tree)["virt"]
        except Exception as e:
            res.fail("virt-what", case, str(e))
            continue
        got = f"{v['hypervisor']}/{v['mode']}"
        problem = "" if v["hypervisor"] == hv and v["mode"] in modes else (
            f"got {got}, want {hv}/{'|'.join(sorted(modes)) or '(no evidence)'} "
            f"(virt-what: {row['expected_output']!r}; evidence {v['evidence']})")
        res.judge("virt-what", case, got, problem)


def run_lscpu(res, tmp):
    base = os.path.join(PEER, "virt-extra", "util-linux-lscpu")
    for row in read_tsv("virt-extra/util-linux-lscpu-expected.tsv"):
        case = row["dump"]
        tree = os.path.join(tmp, "lscpu-" + case)
        copy_tree(os.path.join(base, case), tree)
        write(tree, ".guest-tools/arch", ("i686" if case.startswith("i386") else "x86_64") + "\n")
        # lscpu's "para" is PV; "full" is HVM, and the dump's devices say
        # whether the PV drivers drive them.
        if row["lscpu_virtualization_type"] == "para":
            modes = {"pv"}
        else:
            mode = hvm_evidence(tree)
            modes = {mode} if mode else set()
        try:
            v = detect(tree)["virt"]
        except Exception as e:
            res.fail("lscpu", case, str(e))
            continue
        got = f"{v['hypervisor']}/{v['mode']}"
        problem = "" if v["hypervisor"] == "xen" and v["mode"] in modes else (
            f"got {got}, want xen/{'|'.join(sorted(modes)) or '(no evidence)'} "
            f"(evidence {v['evidence']})")
        res.judge("lscpu", case, got, problem)


def run_rootfs(res, tmp):
    base = os.path.join(PEER, "rootfs-mountinfo")
    for i, row in enumerate(read_tsv("rootfs-expected.tsv")):
        case = row["file"]
        tree = os.path.join(tmp, f"rootfs{i}")
        target = "etc/mtab" if row["format"] == "mtab" else "proc/self/mountinfo"
        os.makedirs(os.path.dirname(os.path.join(tree, target)))
        shutil.copyfile(os.path.join(base, case), os.path.join(tree, target))
        try:
            r = detect(tree)["rootfs"]
        except Exception as e:
            res.fail("rootfs", case, str(e))
            continue
        want_type = row["root_fstype_derived"] or None
        want_flag = row["is_ext234_derived"] == "yes"
        if r["type"] != want_type or r["flagged"] != want_flag:
            res.fail("rootfs", case, f"got type {r['type']!r} flagged {r['flagged']}, "
                     f"want {want_type!r} flagged {want_flag}")
        else:
            res.ok()


def main():
    results_dir = sys.argv[1] if len(sys.argv) > 1 else None
    suite = os.environ.get("GT_PEER_SUITE", "peer")
    res = Results()
    if not os.path.isdir(PEER):
        res.skip("peer", "corpus", f"peer corpus absent ({PEER})")
    else:
        tmp = res.tempdir("gt-peer-")
        for name, fn in (("distro", run_distro), ("ansible", run_ansible),
                         ("virt-what", run_virt_what), ("lscpu", run_lscpu),
                         ("rootfs", run_rootfs)):
            before = (res.passed, res.failed, res.differ)
            fn(res, os.path.join(tmp, name))
            p, f, d = (res.passed - before[0], res.failed - before[1],
                       res.differ - before[2])
            print(f"peer {name}: {p}/{p + f + d} agree" + (f", {d} differ (documented)"
                                                          if d else ""))
        for line in res.failures:
            print("  FAIL " + line)
    return res.finish(suite, results_dir)


if __name__ == "__main__":
    sys.exit(main())
