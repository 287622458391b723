#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Ansible collection guest_tools.xen (contrib/ansible) run for real.

ansible-playbook (Debian's ansible, whose community.general has the chroot
connection) drives the role against two "hosts" that are copies of the
integration suite's cached `debootstrap --variant=minbase bookworm` root,
with python3 added (Ansible's modules run in the host's Python): host-a gets
the installer and the ISO copied from the controller, host-b takes them from
the CD's files at /media/cdrom inside it (this kernel has no iso9660 driver:
the CD is unpacked there, as tests/integration does). In a chroot the
installer acts on / (no --root): it must not touch the machine outside.
Every result is read from the play's JSON (ANSIBLE_STDOUT_CALLBACK=json),
per host. The module alone also runs from the controller on a Debian root
made up as a Xen HVM guest (installer --root; tests/integration's
xen_hvm_root), where the verdict is hvm and the install says reboot (exit 3).
Then ansible-lint (offline) on the collection, and cloud-init's schema check
on contrib/cloud-init.
Usage: REAL_ISO=build/guest-tools.iso tests/fleet/run.py [RESULTS]
Needs root (chroot). GT_CACHE_DIR as for tests/integration.
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

spec = importlib.util.spec_from_file_location(
    "integration", os.path.join(REPO, "tests/integration/run.py"))
integ = importlib.util.module_from_spec(spec)
spec.loader.exec_module(integ)
harness.configure(show_passes=True)

SUITE = "fleet"
COLLECTIONS = os.path.join(REPO, "contrib/ansible")
COLLECTION = os.path.join(COLLECTIONS, "ansible_collections/guest_tools/xen")
CLOUD_INIT = os.path.join(REPO, "contrib/cloud-init/guest-tools.yaml")
PLAY = os.path.join(HERE, "site.yml")
IMAGE_PLAY = os.path.join(HERE, "image.yml")
MODULE = "guest_tools.xen.guest_tools"
# Ansible's own folder for module files on the host (its remote_tmp), left by
# Ansible itself whatever the role does: not compared.
ANSIBLE_OWN = ("root/.ansible",)
HOSTS = ("host-a", "host-b")


def sh(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(list(args), **kw)


def python_root():
    """The cached Debian root with python3 (made once from the integration
    root: the .debs apt picks against that root's own dpkg status, installed
    with its own dpkg; python3-minimal's pre-dependency comes last)."""
    base = integ.debian_root()
    path = os.path.join(integ.CACHE, "bookworm-minbase-python3")
    if os.path.exists(os.path.join(path, "usr/bin/python3")):
        return path
    work = path + ".tmp"
    shutil.rmtree(work, ignore_errors=True)
    print("fleet: adding python3 to a copy of the Debian root (first run only)...")
    integ.copy_root(base, work)
    debs = os.path.join(work, "tmp/debs")
    os.makedirs(os.path.join(debs, "partial"))
    download = ("apt-get", "-q", "-o", f"Dir::State::status={work}/var/lib/dpkg/status",
                "-o", f"Dir::Cache::archives={debs}", "-o", "Debug::NoLocking=1",
                "install", "--download-only", "-y", "--no-install-recommends", "python3")
    p = sh(*download)
    if p.returncode:  # a machine whose package lists were never fetched
        sh("apt-get", "update", "-q")
        p = sh(*download)
    if p.returncode:
        raise RuntimeError("apt-get --download-only python3: " + p.stdout[-500:] + p.stderr[-500:])
    p = sh("chroot", work, "sh", "-c",
           'cd /tmp/debs && dpkg -i $(ls *.deb | grep -v "^python3_\\|^python3-minimal_") '
           "&& dpkg -i python3-minimal_*.deb && dpkg -i python3_*.deb",
           env=dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin"))
    if p.returncode:
        raise RuntimeError("dpkg -i python3 in the root: " + p.stdout[-800:] + p.stderr[-500:])
    shutil.rmtree(debs)
    os.rename(work, path)
    return path


def snapshot(root):
    t0 = time.monotonic()
    try:
        return _snapshot(root)
    finally:
        print(f"fleet: snapshot of {os.path.basename(root)}: {time.monotonic() - t0:.1f} s")


def _snapshot(root):
    return {k: v for k, v in integ.snapshot(root).items()
            if not any(k == a or k.startswith(a + "/") for a in ANSIBLE_OWN)}


def inventory(tmp, roots, name="inventory.ini"):
    inv = os.path.join(tmp, name)
    with open(inv, "w") as f:
        f.write("[guests]\n")
        f.write(f"host-a ansible_host={roots['host-a']}\n")
        f.write(f"host-b ansible_host={roots['host-b']} guest_tools_source=cd\n")
        if "host-c" in roots:
            f.write(f"host-c ansible_host={roots['host-c']}\n")
        f.write("[guests:vars]\nansible_connection=community.general.chroot\n"
                "ansible_python_interpreter=/usr/bin/python3\nansible_pipelining=true\n")
    return inv


def play(tmp, inv, iso, steps, check_mode=False):
    """ansible-playbook on both hosts, the role once per step; returns the
    exit status, each host's module results in order, the play's stats."""
    env = ansible_env(tmp)
    extra = {"guest_tools_steps": steps, "guest_tools_iso": iso,
             "guest_tools_force": True}
    argv = ["ansible-playbook", "-i", inv, PLAY, "-e", json.dumps(extra)]
    if check_mode:
        argv.append("--check")
    t0 = time.monotonic()
    p = sh(*argv, env=env)
    print(f"fleet: ansible-playbook {' '.join(steps)}{' --check' if check_mode else ''}: "
          f"{time.monotonic() - t0:.1f} s")
    try:
        out = json.loads(p.stdout)
    except ValueError:
        return p.returncode, None, None, p.stdout[-800:] + p.stderr[-800:]
    results = {h: [] for h in HOSTS}
    for pl in out["plays"]:
        for t in pl["tasks"]:
            for h, r in t["hosts"].items():
                if r.get("action") == MODULE:
                    results.setdefault(h, []).append(r)
    return p.returncode, results, out["stats"], p.stderr[-800:]


def keys(r, *names):
    return {n: r.get(n) for n in names}


def test_play(tmp, iso):
    base = python_root()
    roots = {h: integ.copy_root(base, os.path.join(tmp, h)) for h in HOSTS}
    cd = integ.unpack_cd(roots["host-b"], iso)
    check("host-b: the CD's files at /media/cdrom", os.path.exists(
        os.path.join(cd, "Linux/installer.x86_64")), os.listdir(cd))
    inv = inventory(tmp, roots)
    # What the installer itself says in each root (run there with chroot, as
    # the role runs it): the module must say the same.
    truth = {}
    for h, r in roots.items():
        shutil.copy(os.path.join(cd, "Linux/installer.x86_64"), os.path.join(r, "tmp/gt-truth"))
        p = sh("chroot", r, "/tmp/gt-truth", "detect", "--json")
        os.unlink(os.path.join(r, "tmp/gt-truth"))
        truth[h] = json.loads(p.stdout) if p.returncode in (0, 3) else None
    before = {h: snapshot(r) for h, r in roots.items()}
    check("the installer's own detect in each root", all(truth.values()), truth)
    if not all(truth.values()):
        return

    # 1. Check mode: facts only, then the install's dry run; nothing changes.
    rc, res, stats, err = play(tmp, inv, iso, ["detected", "present"], check_mode=True)
    if not check("check mode (facts, install): the play ran, JSON read", rc == 0 and res,
                 (rc, err)):
        return
    for h in HOSTS:
        det, r = (res[h] + [{}, {}])[:2]
        facts = (det.get("ansible_facts") or {}).get("guest_tools") or {}
        check(f"{h}: detected: ansible_facts.guest_tools is detect's schema-1 object",
              not det.get("failed") and facts.get("schema") == 1 and
              facts.get("virt") == truth[h]["virt"] and det.get("changed") is False,
              keys(det, "failed", "changed", "msg"))
        check(f"{h}: detected: verdict and hypervisor are detect's virt.mode and hypervisor",
              det.get("verdict") == truth[h]["virt"]["mode"] and
              det.get("hypervisor") == truth[h]["virt"]["hypervisor"] and
              det.get("verdict") is not None, keys(det, "verdict", "hypervisor"))
        check(f"{h}: detected: warnings are detect's",
              det.get("installer_warnings") == truth[h]["warnings"],
              keys(det, "installer_warnings"))
        check(f"{h}: check mode: changed (a change is planned), result planned, --dry-run",
              r.get("changed") is True and r.get("result") == "planned" and
              "--dry-run" in r.get("cmd", []) and r["report"]["changed"] is False,
              keys(r, "changed", "result", "cmd"))
        d = integ.diff(before[h], snapshot(roots[h]))
        check(f"{h}: check mode changed nothing in the root", d is None, d)
    xen = truth["host-a"]["virt"]["hypervisor"] == "xen"

    # 2. Install, again (changed: false), verify; host-c, whose state
    # directory is a link (installer(8): exit 12), fails at its install.
    roots["host-c"] = integ.copy_root(python_root(), os.path.join(tmp, "host-c"))
    os.makedirs(os.path.join(roots["host-c"], "srv/elsewhere"))
    os.symlink("/srv/elsewhere", os.path.join(roots["host-c"], "var/lib/guest-tools"))
    before["host-c"] = snapshot(roots["host-c"])
    rc, res, stats, err = play(tmp, inventory(tmp, roots, "inventory-c.ini"), iso,
                               ["present", "present", "verified"])
    if not check("install, install, verify: the play ran (exit 2: host-c failed)",
                 rc == 2 and res, (rc, err)):
        return
    bad = (res.get("host-c") or [{}])[0]
    check("host-c: its install fails the host with exit 12 and the installer's message",
          bad.get("failed") and bad.get("exit") == 12 and bad.get("exit_name") == "unsafe" and
          bad["report"]["message"] and bad["report"]["message"] in bad.get("msg", "") and
          len(res["host-c"]) == 1, keys(bad, "failed", "exit", "msg"))
    check("host-c: counted failed in the play's stats, the others not",
          stats["host-c"]["failures"] == 1 and
          all(stats[h]["failures"] == 0 for h in HOSTS), stats)
    d = integ.diff(before["host-c"], snapshot(roots["host-c"]))
    check("host-c: its root is as it was (the role removed its private folder after the "
          "failure)", d is None, d)
    for h in HOSTS:
        first, second, ver = (res[h] + [{}, {}, {}])[:3]
        check(f"{h}: install: changed, result installed, exit 0",
              first.get("changed") is True and first.get("result") == "installed" and
              first.get("exit") == 0 and first["report"]["verify"]["installed"],
              keys(first, "changed", "result", "exit", "msg"))
        check(f"{h}: install: reboot_needed is the installer's verify.reboot_needed",
              first.get("reboot_needed") is first["report"]["verify"]["reboot_needed"] and
              (first.get("exit") == 3) == first.get("reboot_needed"),
              keys(first, "reboot_needed", "exit"))
        check(f"{h}: install: the verdict is the installer's ({truth[h]['virt']['mode']})",
              first.get("verdict") == truth[h]["virt"]["mode"] and
              first.get("hypervisor") == truth[h]["virt"]["hypervisor"],
              keys(first, "verdict", "hypervisor"))
        check(f"{h}: install: warnings are the installer's drivers.warnings",
              first.get("installer_warnings") == first["report"]["drivers"]["warnings"],
              keys(first, "installer_warnings"))
        q = sh("chroot", roots[h], "dpkg-query", "-W", "-f=${db:Status-Status}", "guest-agent")
        check(f"{h}: dpkg in the root says guest-agent is installed",
              q.stdout == "installed", q.stdout + q.stderr)
        check(f"{h}: second install: changed false, result unchanged",
              second.get("changed") is False and second.get("result") == "unchanged" and
              not second.get("failed"), keys(second, "changed", "result", "msg"))
        check(f"{h}: verify: ok, changed false, the agent installed and enabled",
              not ver.get("failed") and ver.get("result") == "ok" and
              ver.get("changed") is False and ver["report"]["agent"]["enabled"] and
              ver.get("verdict") == truth[h]["virt"]["mode"], keys(ver, "result", "msg"))
        # In a chroot on a machine that is not Xen, the agent is not expected to run
        # (it talks to xenstore): verify says so instead of failing.
        if not xen:
            check(f"{h}: verify off Xen: running not expected, not running",
                  ver["report"]["agent"]["running_expected"] is False and
                  ver["report"]["agent"]["running"] is False, ver["report"]["agent"])

    # 3. Uninstall.
    rc, res, stats, err = play(tmp, inv, iso, ["absent"])
    if not check("uninstall: the play ran", rc == 0 and res, (rc, err)):
        return
    for h in HOSTS:
        first = (res[h] + [{}])[0]
        check(f"{h}: uninstall: changed, result uninstalled",
              first.get("changed") is True and first.get("result") == "uninstalled",
              keys(first, "changed", "result", "msg"))
        d = integ.diff(before[h], snapshot(roots[h]))
        check(f"{h}: the root is back to its files and checksums before the first play", d is None, d)


def ansible_env(tmp):
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_STDOUT_CALLBACK="json",
                ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "ansible-local"), ANSIBLE_NOCOLOR="1")


def test_image(tmp, iso):
    """The module on a Xen HVM guest's image (--root), from the controller:
    verdict hvm, the installer's warnings, reboot_needed from its exit 3."""
    root = integ.xen_hvm_root(tmp, integ.debian_root(), "xen-image", 0)
    sh("bsdtar", "-xf", iso, "-C", tmp, "Linux/installer.x86_64", check=True)
    kvm = integ.copy_root(integ.debian_root(), os.path.join(tmp, "kvm-image"))
    shutil.copytree(os.path.join(REPO, "tests/fixtures/kvm-emulated-ide-e1000"), kvm,
                    symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("expect.json", ".keep"))
    before = snapshot(root)
    kvm_before = snapshot(kvm)
    extra = {"image_installer": os.path.join(tmp, "Linux/installer.x86_64"),
             "image_root": root, "image_kvm_root": kvm, "image_media": iso}
    p = sh("ansible-playbook", IMAGE_PLAY, "-e", json.dumps(extra), env=ansible_env(tmp))
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = None
    if not check("image: the play ran, JSON read", p.returncode == 0 and out,
                 (p.returncode, p.stdout[-600:], p.stderr[-600:])):
        return
    res = [r for pl in out["plays"] for t in pl["tasks"] for h, r in t["hosts"].items()
           if r.get("action") == MODULE]
    if not check("image: nine module results", len(res) == 9, len(res)):
        return
    det, pre, dry, first, second, ver, dry_unins, unins, onkvm = res
    facts = det["ansible_facts"]["guest_tools"]
    check("image: detected: verdict hvm on xen, as detect says",
          det.get("verdict") == "hvm" == facts["virt"]["mode"] and det.get("hypervisor") == "xen",
          keys(det, "verdict", "hypervisor"))
    check("image: detected: the installer's warnings (xen-hvm), also as Ansible warnings",
          det.get("installer_warnings") == facts["warnings"] and
          "xen-hvm" in [w["code"] for w in facts["warnings"]] and
          any(w["message"] in x for w in facts["warnings"] for x in det.get("warnings", [])),
          keys(det, "installer_warnings", "warnings"))
    check("image: verify before the install fails the host with exit 1, says why",
          pre.get("failed") and pre.get("exit") == 1 and
          "not installed" in (pre.get("msg") or ""), keys(pre, "failed", "exit", "msg"))
    check("image: install in check mode: --dry-run, planned, changed; reboot_needed is the "
          "plan's", dry.get("changed") is True and dry.get("result") == "planned" and
          "--dry-run" in dry.get("cmd", []) and dry.get("reboot_needed") is True and
          dry["report"]["drivers"]["reboot_needed"] is True and dry["report"]["changed"] is False,
          keys(dry, "changed", "result", "reboot_needed", "cmd"))
    check("image: install: changed, installed, exit 3 (reboot) is a success, reboot_needed",
          not first.get("failed") and first.get("changed") is True and
          first.get("result") == "installed" and first.get("exit") == 3 and
          first.get("reboot_needed") is True and first["report"]["verify"]["reboot_needed"],
          keys(first, "failed", "changed", "result", "exit", "reboot_needed", "msg"))
    codes = [w["code"] for w in first.get("installer_warnings", [])]
    check("image: install: warnings are the installer's drivers.warnings (fstab, NIC)",
          first.get("installer_warnings") == first["report"]["drivers"]["warnings"] and
          "fstab-device-name" in codes and "nic-config-bound" in codes, codes)
    check("image: install again: changed false, still reboot_needed (exit 3)",
          second.get("changed") is False and second.get("reboot_needed") is True and
          second.get("exit") == 3 and not second.get("failed"),
          keys(second, "changed", "reboot_needed", "exit"))
    check("image: verify before the reboot: ok, reboot_needed, verdict hvm",
          not ver.get("failed") and ver.get("result") == "ok" and ver.get("exit") == 3 and
          ver.get("reboot_needed") is True and ver.get("verdict") == "hvm",
          keys(ver, "result", "exit", "reboot_needed", "verdict"))
    check("image: uninstall in check mode: --dry-run, planned, changed",
          dry_unins.get("changed") is True and dry_unins.get("result") == "planned" and
          "--dry-run" in dry_unins.get("cmd", []) and dry_unins["report"]["changed"] is False,
          keys(dry_unins, "changed", "result", "cmd"))
    check("image: uninstall (after both dry runs changed nothing): changed, uninstalled",
          unins.get("changed") is True and unins.get("result") == "uninstalled",
          keys(unins, "changed", "result", "msg"))
    d = integ.diff(before, snapshot(root))
    check("image: the image is back to its files and checksums", d is None, d)
    check("KVM image: install without force fails the host with exit 14 and the installer's "
          "message", onkvm.get("failed") and onkvm.get("exit") == 14 and
          onkvm.get("exit_name") == "not-xen" and onkvm.get("changed") is False and
          onkvm["report"]["message"] and onkvm["report"]["message"] in onkvm.get("msg", "") and
          "--force" in onkvm["msg"] and onkvm.get("hypervisor") == "kvm",
          keys(onkvm, "failed", "exit", "msg", "hypervisor"))
    d = integ.diff(kvm_before, snapshot(kvm))
    check("KVM image: ... and the image is unchanged", d is None, d)
    shutil.rmtree(root)
    shutil.rmtree(kvm)


def lint_targets():
    """The files ansible-lint is given by name: it finds files through git
    (ls-files), so an uncommitted tree would otherwise lint nearly nothing."""
    files = [os.path.join(COLLECTION, "galaxy.yml"), PLAY, IMAGE_PLAY,
             os.path.join(COLLECTION, "plugins/modules/guest_tools.py")]
    for d, _, names in os.walk(os.path.join(COLLECTION, "roles")):
        files += [os.path.join(d, n) for n in names if n.endswith(".yml")]
    return sorted(files)


def test_lint():
    if not shutil.which("ansible-lint"):
        harness.skip("ansible-lint on the collection", "ansible-lint is not installed")
        return
    files = lint_targets()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, NO_COLOR="1")
    p = sh("ansible-lint", "--offline", "--nocolor", "-c",
           os.path.join(COLLECTION, ".ansible-lint"), *files, cwd=REPO, env=env)
    said = re.search(r"(\d+) failure\(s\), (\d+) warning\(s\) on (\d+) files", p.stdout + p.stderr)
    check(f"ansible-lint --offline (production profile) on the collection and the test play "
          f"({len(files)} files): no failure, no warning",
          p.returncode == 0 and said and said.group(1) == "0" and said.group(2) == "0" and
          int(said.group(3)) >= len(files), (p.returncode, p.stdout[-1500:], p.stderr[-800:]))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    p = sh("ansible-doc", "-t", "module", "--json", MODULE, env=env)
    try:
        doc = json.loads(p.stdout)[MODULE]["doc"]
    except (ValueError, KeyError):
        doc = {}
    check("ansible-doc reads the module's documentation (its options as the module takes them)",
          set(doc.get("options", {})) == {"installer", "state", "media", "force",
                                           "allow_downgrade", "root"}, p.stderr[-500:])


def first_boot_script():
    """The script the snippet writes (write_files content, a YAML block scalar)."""
    lines, out, inside = open(CLOUD_INIT).read().splitlines(), [], False
    for ln in lines:
        if ln.strip() == "content: |":
            inside = True
        elif inside and (ln.startswith("      ") or not ln.strip()):
            out.append(ln[6:])
        elif inside:
            break
    return "\n".join(out).strip() + "\n"


def test_cloud_init():
    if not shutil.which("cloud-init"):
        harness.skip("cloud-init schema", "cloud-init is not installed")
        return
    script = first_boot_script()
    for shell in ("dash", "bash"):
        p = sh(shell, "-n", "/dev/stdin", input=script)
        check(f"cloud-init: the first-boot script parses under {shell} -n",
              script.startswith("#!/bin/sh") and p.returncode == 0, p.stderr)
    p = sh("cloud-init", "schema", "--config-file", CLOUD_INIT)
    check("cloud-init schema --config-file contrib/cloud-init/guest-tools.yaml: valid",
          p.returncode == 0 and "Valid cloud-config" in p.stdout,
          (p.returncode, p.stdout[-500:], p.stderr[-500:]))


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else None
    iso = os.environ.get("REAL_ISO")
    test_cloud_init()
    test_lint()
    if os.geteuid() != 0:
        harness.skip("ansible-playbook against chroot hosts", "needs root (chroot)")
    elif not shutil.which("ansible-playbook"):
        harness.skip("ansible-playbook against chroot hosts",
                     "ansible is not installed (make deps-check)")
    elif not iso or not os.path.isfile(iso):
        harness.skip("ansible-playbook against chroot hosts",
                     "REAL_ISO not set (make check-fleet sets it)")
    else:
        tmp = harness.tempdir("gt-fleet-")
        try:
            test_image(tmp, os.path.abspath(iso))
            test_play(tmp, os.path.abspath(iso))
        except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
            harness.fail("the roots and plays could be set up", repr(e))
    return harness.finish(SUITE, results)


if __name__ == "__main__":
    sys.exit(main())
