#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CLI tests of the installer binary: fixture trees, bad input, exit codes.

Usage: INSTALLER=build/installer tests/cli/run.py SUITE [RESULTS_DIR]
Each fixture in tests/fixtures/ with an expect.json is run through
`detect --root --json` and checked; then the command line and hostile
inputs are checked for their documented exit codes (installer(8)).
"""
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
sys.path.insert(0, HERE)
import pv_to_hvm_cases  # noqa: E402
FIXTURES = os.path.join(REPO, "tests", "fixtures")
INSTALLER = os.environ.get("INSTALLER", os.path.join(REPO, "build", "installer"))
EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_NOT_XEN = 0, 2, 8, 14
MKISOTOOL = os.environ.get("MKISOTOOL", os.path.join(REPO, "build", "mkisotool"))


def run(*args, timeout=30):
    return subprocess.run([INSTALLER, *args], capture_output=True, text=True,
                          errors="replace", timeout=timeout)


def detect_json(root, name):
    p = run("detect", "--root", root, "--json")
    try:
        return p, json.loads(p.stdout)
    except ValueError as e:
        check(name + " (valid JSON)", False, f"{e}; stdout={p.stdout[:200]!r} "
              f"stderr={p.stderr[:300]!r} rc={p.returncode}")
        return p, None


def test_fixtures():
    for name in sorted(os.listdir(FIXTURES)):
        exp_path = os.path.join(FIXTURES, name, "expect.json")
        if not os.path.isfile(exp_path):
            continue
        with open(exp_path) as f:
            exp = json.load(f)
        p, out = detect_json(os.path.join(FIXTURES, name), name)
        if out is None:
            continue
        check(f"{name}: exit code", p.returncode == EXIT_OK, f"{p.returncode} {p.stderr}")
        v, d, r = out["virt"], out["distro"], out["rootfs"]
        simple = {"hypervisor": v["hypervisor"], "mode": v["mode"], "distro_id": d["id"],
                  "family": d["family"], "family_source": d["family_source"],
                  "package_tool": d["package_tool"], "major": d["major"],
                  "init": out["init"], "rootfs_type": r["type"], "flagged": r["flagged"],
                  "paravirtual": v.get("paravirtual")}
        for key, got in simple.items():
            if key in exp:
                check(f"{name}: {key}", got == exp[key], f"got {got!r}, want {exp[key]!r}")
        for dev, (kind, driver, pv) in exp.get("devices", {}).items():
            found = [x for x in v["devices"] if x["name"] == dev]
            check(f"{name}: device {dev}", found and found[0]["kind"] == kind and
                  found[0]["driver"] == driver and found[0]["pv"] == pv,
                  f"got {found}, want {kind}/{driver}/pv={pv}")
        for text in exp.get("evidence_contain", []):
            check(f"{name}: evidence '{text}'", any(text in x for x in v["evidence"]),
                  f"evidence: {v['evidence']}")
        for text in exp.get("reasons_contain", []):
            check(f"{name}: reason '{text}'", any(text in x for x in v["reasons"]),
                  f"reasons: {v['reasons']}")
        if "warnings" in exp:
            codes = sorted(w["code"] for w in out["warnings"])
            check(f"{name}: warnings", codes == sorted(exp["warnings"]),
                  f"got {codes}, want {sorted(exp['warnings'])}")


def test_ext3_mounted_by_ext4(tmp):
    """An ext3 root mounted by the ext4 driver: on_disk_type says ext3."""
    mkfs = shutil.which("mke2fs") or "/sbin/mke2fs"
    if not os.path.exists(mkfs):
        harness.skip("ext3-by-ext4", "mke2fs not installed (e2fsprogs)")
        return
    root = os.path.join(tmp, "ext3root")
    shutil.copytree(os.path.join(FIXTURES, "xen-pvhvm"), root, symlinks=True)
    with open(os.path.join(root, "proc/self/mountinfo"), "w") as f:
        f.write("22 1 202:1 / / rw,relatime - ext4 /dev/xvda1 rw,data=ordered\n")
    os.makedirs(os.path.join(root, "dev"))
    img = os.path.join(root, "dev", "xvda1")
    subprocess.run([mkfs, "-q", "-F", "-t", "ext3", img, "2M"], check=True,
                   capture_output=True)
    p, out = detect_json(root, "ext3-by-ext4")
    if out:
        r = out["rootfs"]
        check("ext3-by-ext4: mounted type", r["type"] == "ext4", r)
        check("ext3-by-ext4: on-disk type", r["on_disk_type"] == "ext3", r)
        check("ext3-by-ext4: flagged", r["flagged"] is True, r)
        check("ext3-by-ext4: warning names ext3",
              any(w["code"] == "ext-rootfs" and "ext3" in w["message"]
                  for w in out["warnings"]), out["warnings"])


def test_command_line(tmp):
    p = run("--version")
    check("--version", p.returncode == 0 and p.stdout.startswith("installer (guest-tools) "),
          p.stdout)
    p = run("--help")
    check("--help", p.returncode == 0 and "detect" in p.stdout, p.stdout)
    p = run("detect", "--help")
    check("detect --help", p.returncode == 0 and "--root DIR" in p.stdout, p.stdout)
    for args in ([], ["frobnicate"], ["detect", "--bogus"], ["detect", "extra"],
                 ["detect", "--root"]):
        p = run(*args)
        check(f"usage error {args}", p.returncode == EXIT_USAGE and
              ("Try 'installer" in p.stderr or "Usage:" in p.stderr), (p.returncode, p.stderr))
    missing = os.path.join(tmp, "no-such-dir")
    p = run("detect", "--root", missing)
    check("missing --root", p.returncode == EXIT_USAGE and missing in p.stderr,
          (p.returncode, p.stderr))
    afile = os.path.join(tmp, "a-file")
    open(afile, "w").close()
    p = run("detect", "--root", afile)
    check("--root is a file", p.returncode == EXIT_USAGE and afile in p.stderr,
          (p.returncode, p.stderr))
    p = run("detect", "--json")
    ok = p.returncode == 0
    try:
        host = json.loads(p.stdout)
    except ValueError:
        host, ok = None, False
    check("detect on this machine", ok and host["schema"] == 1 and host["arch"] != "unknown",
          (p.returncode, p.stderr, p.stdout[:300]))


def make_root(tmp, name, files):
    root = os.path.join(tmp, name)
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return root


def test_bad_input(tmp):
    # A truncated os-release: best-effort report, the file named, exit 8.
    root = make_root(tmp, "truncated", {"etc/os-release": b'NAME="Rocky Linux"\nID="roc'})
    p, out = detect_json(root, "truncated os-release")
    check("truncated os-release: exit", p.returncode == EXIT_INPUT, (p.returncode, p.stderr))
    check("truncated os-release: message", "etc/os-release: line 2" in p.stderr, p.stderr)
    check("truncated os-release: warning", out is not None and any(
        w["code"] == "malformed-file" for w in out["warnings"]), out)

    # Binary garbage in every file detect reads: valid JSON, no crash.
    junk = bytes(range(256)) * 8 + b"\xff\xfe\x00\x80" * 100
    files = {rel: junk for rel in (
        "etc/os-release", "proc/self/mountinfo", "proc/cmdline", "proc/cpuinfo",
        "proc/1/environ", "proc/self/status", "proc/xen/capabilities",
        "sys/hypervisor/type", "sys/hypervisor/guest_type", "sys/class/dmi/id/sys_vendor",
        "sys/class/dmi/id/product_name", ".guest-tools/cpuid", ".guest-tools/arch",
        "proc/bus/pci/devices", "etc/lsb-release")}
    root = make_root(tmp, "garbage", files)
    p, out = detect_json(root, "binary garbage")
    check("binary garbage: no crash", p.returncode in (EXIT_OK, EXIT_INPUT),
          (p.returncode, p.stderr[-500:]))
    check("binary garbage: reported", out is not None and p.returncode == EXIT_INPUT and
          "etc/os-release" in p.stderr, (p.returncode, p.stderr[-300:]))

    # os-release is a directory: the file and the problem are named, exit 8.
    root = make_root(tmp, "isdir", {"etc/os-release/x": b""})
    p = run("detect", "--root", root)
    check("os-release is a directory", p.returncode == EXIT_INPUT and
          "distribution" in p.stderr and root in p.stderr, (p.returncode, p.stderr))

    # A FIFO must not hang the reader.
    root = make_root(tmp, "fifo", {"usr/lib/os-release": b"ID=debian\n"})
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    os.mkfifo(os.path.join(root, "etc/os-release"))
    try:
        p = run("detect", "--root", root, timeout=10)
        check("FIFO os-release", p.returncode == EXIT_INPUT and "regular file" in p.stderr,
              (p.returncode, p.stderr))
    except subprocess.TimeoutExpired:
        check("FIFO os-release", False, "hung on a FIFO")

    # A symlink loop and links that try to leave the root.
    root = make_root(tmp, "links", {"usr/lib/os-release": b"ID=rocky\nVERSION_ID=9.3\n"})
    os.symlink("../../../../../../etc/os-release", os.path.join(root, "etc/os-release")) \
        if os.path.isdir(os.path.join(root, "etc")) else None
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    if not os.path.lexists(os.path.join(root, "etc/os-release")):
        os.symlink("../../../../../../etc/os-release", os.path.join(root, "etc/os-release"))
    p, out = detect_json(root, "escaping symlink")
    check("escaping symlink stays inside the root", out is not None and
          out["distro"]["id"] == "rocky", out and out["distro"])

    # A huge file where a small one belongs is refused, not read whole.
    root = make_root(tmp, "huge", {})
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/os-release"), "wb") as f:
        f.truncate(1 << 30)
    p = run("detect", "--root", root)
    check("1 GiB os-release", p.returncode == EXIT_INPUT and "too large" in p.stderr,
          (p.returncode, p.stderr))


def tgz_media(tmp):
    """A media with one generic tgz agent (mkisotool build), or None."""
    import io
    import tarfile
    if not os.access(MKISOTOOL, os.X_OK):
        return None
    d = os.path.join(tmp, "media-src")
    os.makedirs(d)
    with tarfile.open(os.path.join(d, "guest-agent-9.9-x86_64.tgz"), "w:gz") as t:
        ti = tarfile.TarInfo("usr/sbin/guest-agent")
        raw = b"#!/bin/sh\n"
        ti.size, ti.mode, ti.mtime = len(raw), 0o755, 1700000000
        t.addfile(ti, io.BytesIO(raw))
    with open(os.path.join(d, "MANIFEST.build"), "w") as f:
        f.write("guest-tools-manifest 1\nlabel guest-tools\nversion 0.1.0\n"
                "package Linux/agent/guest-agent.x86_64.tgz src=guest-agent-9.9-x86_64.tgz "
                "family=tgz arch=x86_64\n")
    iso = os.path.join(tmp, "tgz.iso")
    p = subprocess.run([MKISOTOOL, "build", "-m", os.path.join(d, "MANIFEST.build"), "-o", iso,
                        "--quiet", "--source-date-epoch", "1700000000"],
                       capture_output=True, text=True)
    return iso if p.returncode == 0 else None


def fixture_copy(tmp, name, tag=""):
    """A copy of a fixture tree to install into; with no init system detected
    (run/systemd dropped), so that the tgz needs no systemctl in the root."""
    root = os.path.join(tmp, f"inst{tag}-{name}")
    shutil.copytree(os.path.join(FIXTURES, name), root, symlinks=True)
    shutil.rmtree(os.path.join(root, "run", "systemd"), ignore_errors=True)
    return root


def tree_files(root):
    """Every path and size, but the install log that records each run."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            path = os.path.join(dirpath, n)
            rel = os.path.relpath(path, root)
            if not rel.startswith("var/log"):
                out[rel] = os.path.islink(path) or os.path.getsize(path)
    return out


def install_json(*args):
    p = run("install", *args, "--json")
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


# Every platform fixture: what install --dry-run must say, in words and as data.
PLATFORMS = [
    ("kvm-emulated-ide-e1000", "KVM", "qemu-guest-agent", False,
     "PV drivers in kernel 6.1.0-13-amd64: virtio_blk module, virtio_scsi module, "
     "virtio_net module, virtio_pci module", ["disk sda: driver ata_piix, emulated",
                                              "nic ens3: driver e1000, emulated"], "none"),
    ("hyperv-gen1-emulated", "Hyper-V", "hyperv-daemons", True,
     "PV drivers in kernel 5.15.0-91-generic: hv_vmbus module, hv_storvsc module, "
     "hv_netvsc module", ["disk sda: driver ata_piix, emulated",
                          "nic eth0: driver tulip, emulated"], "none"),
    ("vmware-emulated-lsi-e1000", "VMware", "open-vm-tools", True,
     "PV drivers in kernel 5.15.0-91-generic: vmw_pvscsi module, vmxnet3 module",
     ["disk sda: driver mptsas, emulated", "nic ens33: driver e1000, emulated"], "none"),
    ("vmware-pvscsi-vmxnet3", "VMware", "open-vm-tools", False,
     "PV drivers in kernel 5.14.0-362.8.1.el9_3.x86_64: vmw_pvscsi module, vmxnet3 module",
     ["disk sda: driver vmw_pvscsi, pv, driven by the PV drivers",
      "nic ens192: driver vmxnet3, pv, driven by the PV drivers"], "full"),
    ("virtualbox-ahci-virtio-net", "VirtualBox", "VirtualBox Guest Additions", True,
     "PV drivers in kernel 6.5.0-28-generic: virtio_net module, virtio_scsi module, "
     "vboxguest absent", ["disk sda: driver ahci, emulated",
                          "nic enp0s3: driver virtio_net, pv"], "partial"),
]


def test_install_advice(tmp):
    """install on KVM, Hyper-V, VMware, VirtualBox: the advice and the
    per-device verdict (--dry-run, in words and with --json), exit 14 and
    nothing changed without --force, installed with it; on Xen, the reboot
    claim follows verify's rule (installer(8))."""
    if os.geteuid() != 0:
        harness.skip("install advice", "installer install needs root")
        return
    iso = tgz_media(tmp)
    if not iso:
        harness.skip("install advice", f"no mkisotool at {MKISOTOOL} to make a media")
        return
    for name, pname, tools, installed, drivers, devices, pv in PLATFORMS:
        root = fixture_copy(tmp, name)
        p = run("install", "--root", root, "--media", iso, "--dry-run")
        out = p.stdout
        check(f"{name}: dry run exit 0", p.returncode == EXIT_OK, (p.returncode, p.stderr))
        check(f"{name}: says the Xen agent stays idle on {pname}",
              f"This guest runs on {pname}, not Xen: the Xen guest agent" in out, out)
        check(f"{name}: names {tools}, {'' if installed else 'not '}installed",
              f"own guest tools: {tools}" in out and
              ("installed (/usr" if installed else "not installed: ") in out, out)
        check(f"{name}: the kernel's PV drivers", drivers in out, out)
        for line in devices:
            check(f"{name}: device verdict '{line}'", line in out, out)
        check(f"{name}: paravirtual {pv}", f"Paravirtual: {pv}." in out, out)
        check(f"{name}: the --force rule and the plan", "only with --force" in out and
              "Plan (dry run, nothing changed)" in out, out)
        p, j = install_json("--root", root, "--media", iso, "--dry-run")
        plat = j and j["drivers"] and j["drivers"]["platform"]
        check(f"{name}: --json dry run carries the advice", p.returncode == EXIT_OK and plat and
              plat["name"] == pname and plat["xen_agent_idle"] is True and
              plat["tools"]["installed"] is installed and
              all(d["state"] in ("module", "built in", "absent") for d in plat["pv_drivers"]),
              (p.returncode, plat))
        before = tree_files(root)
        p, j = install_json("--root", root, "--media", iso, "--yes")
        check(f"{name}: without --force, exit 14 and one JSON document",
              p.returncode == EXIT_NOT_XEN and j and j["exit"] == EXIT_NOT_XEN and
              j["changed"] is False and j["drivers"]["platform"]["name"] == pname,
              (p.returncode, p.stderr[-300:]))
        check(f"{name}: without --force, says what to do",
              f"runs on {pname}, not Xen" in p.stderr and "--force" in p.stderr, p.stderr)
        check(f"{name}: without --force, nothing changed", tree_files(root) == before, "")
    root = fixture_copy(tmp, "kvm-emulated-ide-e1000", "-force")
    p, j = install_json("--root", root, "--media", iso, "--yes", "--force")
    check("kvm: --force installs the agent", p.returncode == EXIT_OK and j and
          j["result"] == "installed" and j["verify"]["installed"], (p.returncode, p.stderr[-300:]))
    check("kvm: the tgz is said so (dpkg will not list it)",
          j is not None and any(w["code"] == "tgz-payload" and "dpkg will not list" in w["message"]
                                for w in j["drivers"]["warnings"]), j and j["drivers"])
    # Xen HVM with xen_emul_unplug=never: a reboot cannot change the verdict,
    # so install does not claim one (exit 0, not 3), as verify says.
    root = fixture_copy(tmp, "xen-hvm-unplug-never")
    p, j = install_json("--root", root, "--media", iso, "--yes")
    check("xen unplug=never: installed, no reboot claimed", p.returncode == EXIT_OK and j and
          j["result"] == "installed" and j["drivers"]["reboot_needed"] is False and
          j["verify"]["reboot_needed"] is False, (p.returncode, p.stderr[-300:]))
    check("xen unplug=never: no platform advice on Xen", j is not None and
          j["drivers"]["platform"] is None, j and j["drivers"])


def main():
    suite = sys.argv[1] if len(sys.argv) > 1 else "cli"
    results = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = harness.tempdir("gt-cli-")
    test_command_line(tmp)
    test_fixtures()
    test_ext3_mounted_by_ext4(tmp)
    test_bad_input(tmp)
    test_install_advice(tmp)
    pv_to_hvm_cases.test_pv_to_hvm(tmp, run)
    return harness.finish(suite, results)


if __name__ == "__main__":
    sys.exit(main())
