#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_check.py [RESULTS_DIR]: checks the checker. Feeds check.py reports
made here (the good one each scenario expects, and broken ones: a wrong
field, a failed command, a boot that never finished, an install that went
ahead on an altered payload...) and asserts which pass and which fail, so
that the e2e checks are known to be able to fail without booting anything.
Writes "passed failed skipped" to RESULTS_DIR/e2e-selftest when given.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

DETECT = {"schema": 1, "arch": "x86_64", "init": "systemd",
          "distro": {"id": "debian", "major": 12},
          "rootfs": {"type": "ext4", "on_disk_type": "ext4", "flagged": True},
          "virt": {"hypervisor": "qemu", "mode": "n/a"}}
MEDIA = {"device": "/dev/cdrom", "resolved": "/dev/sr0", "mounted_from": "/dev/sr0",
         "fstype": "iso9660", "cdrom_link": True, "cdrom_target": "/dev/sr0"}
AGENT_IN = {"packages": [{"deb": "/Linux/a.deb", "package": "a", "status": "install ok installed",
                          "version": "1", "units": [{"unit": "a.service", "enabled": "enabled"}]}]}
# Two packages for this architecture on the CD; the installer chose "a".
AGENT_TWO = {"packages": AGENT_IN["packages"] + [
    {"deb": "/Linux/b.deb", "package": "b", "status": "", "version": "", "units": []}]}
AGENT_OUT = {"packages": [{"deb": "/Linux/a.deb", "package": "a", "status": "",
                           "version": "", "units": []}]}


def sec(name, body, rc=0):
    if not isinstance(body, str):
        body = json.dumps(body)
    return f"@@GT-BEGIN {name}@@\n{body}\n@@GT-END {name} rc={rc}@@\n"


def log(scenario, *sections, done=True):
    out = sec("boot", {"scenario": scenario, "kernel": "k", "uptime": 1.0})
    out += "".join(sections)
    if done:
        out += f"@@GT-DONE scenario={scenario} rc=0 uptime=2.0@@\n"
    return out


def with_(doc, path, value):
    d = json.loads(json.dumps(doc))
    cur = d
    keys = path.split(".")
    for k in keys[:-1]:
        cur = cur[k]
    cur[keys[-1]] = value
    return d


VERIFY = {"schema": 1, "ok": True,
          "agent": {"package": "a", "installed": True, "enabled": True}}
STATUS = {"schema": 1, "installed": True}
FIRST = {"changed": True, "verified": True, "media_device": "/dev/sr0"}


# The real agent's unit has ConditionVirtualization=xen: on QEMU systemd
# skips it, and verify says "not running" with its documented exit 1.
VERIFY_COND = {"schema": 1, "ok": False, "hypervisor": "qemu",
               "agent": {"package": "a", "installed": True, "enabled": True, "running": False}}
AGENT_COND = {"packages": [dict(AGENT_IN["packages"][0], units=[
    {"unit": "a.service", "enabled": "enabled", "active": "inactive", "condition": "no"}])]}
AGENT_CRASH = {"packages": [dict(AGENT_IN["packages"][0], units=[
    {"unit": "a.service", "enabled": "enabled", "active": "failed", "condition": "yes"}])]}


def install_log(install2=None, rootdiff="", agent=AGENT_IN, verify=None, verify_rc=0):
    return log("install", sec("media", MEDIA), sec("install1", "done"),
               sec("verify", verify or VERIFY, verify_rc), sec("status", STATUS),
               sec("install2", install2 or {"changed": False, "verified": True}),
               sec("rootdiff2", rootdiff, 1 if rootdiff else 0),
               sec("agent", agent), sec("detect", DETECT))


CASES = [
    # (name, scenario, report, expect_pass)
    ("detect: good report", "detect", log("detect", sec("media", MEDIA), sec("detect", DETECT)), True),
    ("detect: CRLF line ends", "detect",
     log("detect", sec("media", MEDIA), sec("detect", DETECT)).replace("\n", "\r\n"), True),
    ("detect: empty report", "detect", "", False),
    ("detect: never finished", "detect",
     log("detect", sec("media", MEDIA), sec("detect", DETECT), done=False), False),
    ("detect: exit 1", "detect", log("detect", sec("media", MEDIA), sec("detect", DETECT, 1)), False),
    ("detect: not JSON", "detect", log("detect", sec("media", MEDIA), sec("detect", "oops")), False),
    ("detect: Xen claimed", "detect",
     log("detect", sec("media", MEDIA), sec("detect", with_(DETECT, "virt.hypervisor", "xen"))), False),
    ("detect: mode hvm", "detect",
     log("detect", sec("media", MEDIA), sec("detect", with_(DETECT, "virt.mode", "hvm"))), False),
    ("detect: ext4 not flagged", "detect",
     log("detect", sec("media", MEDIA), sec("detect", with_(DETECT, "rootfs.flagged", False))), False),
    ("detect: major as a string", "detect",
     log("detect", sec("media", MEDIA), sec("detect", with_(DETECT, "distro.major", "12"))), False),
    ("detect: CD not iso9660", "detect",
     log("detect", sec("media", with_(MEDIA, "fstype", "udf")), sec("detect", DETECT)), False),
    ("detect: no /dev/cdrom link", "detect",
     log("detect", sec("media", with_(MEDIA, "cdrom_link", False)), sec("detect", DETECT)), False),
    ("install: good report", "install", install_log(), True),
    ("install: second run changed", "install",
     install_log(install2={"changed": True, "verified": True}), False),
    ("install: second run did not verify", "install",
     install_log(install2={"changed": False, "verified": False}), False),
    ("install: second run touched the root", "install",
     install_log(rootdiff="> /etc/x f 644 1 2"), False),
    ("install: agent not installed", "install", install_log(agent=AGENT_OUT), False),
    ("install: another package for another guest stays out", "install",
     install_log(agent=AGENT_TWO), True),
    ("install: verify names a package the CD lacks", "install",
     install_log(verify=with_(VERIFY, "agent.package", "zz")), False),
    ("install: unit disabled", "install",
     install_log(agent=with_(AGENT_IN, "packages", [dict(AGENT_IN["packages"][0],
                 units=[{"unit": "a.service", "enabled": "disabled"}])])), False),
    ("install: verify not ok", "install", install_log(verify=with_(VERIFY, "ok", False)), False),
    ("install: Xen-only agent skipped by its condition on QEMU: verify exit 1 is right",
     "install", install_log(verify=VERIFY_COND, verify_rc=1, agent=AGENT_COND), True),
    ("install: agent crashed (condition met, not active): verify exit 1 is a failure",
     "install", install_log(verify=VERIFY_COND, verify_rc=1, agent=AGENT_CRASH), False),
    ("install: verify exit 1 on Xen is a failure even when the unit was skipped",
     "install", install_log(verify=with_(VERIFY_COND, "hypervisor", "xen"), verify_rc=1,
                            agent=AGENT_COND), False),
    ("install: verify finds the agent disabled", "install",
     install_log(verify=with_(VERIFY, "agent.enabled", False)), False),
    ("selfmount: good report", "install-selfmount",
     log("install-selfmount", sec("mounts-before", ""), sec("install", FIRST),
         sec("verify", VERIFY), sec("status", STATUS), sec("agent", AGENT_IN)), True),
    ("selfmount: media was not the CD", "install-selfmount",
     log("install-selfmount", sec("mounts-before", ""),
         sec("install", with_(FIRST, "media_device", None)),
         sec("verify", VERIFY), sec("status", STATUS), sec("agent", AGENT_IN)), False),
    ("selfmount: CD already mounted", "install-selfmount",
     log("install-selfmount", sec("mounts-before", "/dev/sr0 /mnt iso9660 ro 0 0"),
         sec("install", FIRST), sec("verify", VERIFY), sec("status", STATUS),
         sec("agent", AGENT_IN)), False),
    ("selfmount: status says not installed", "install-selfmount",
     log("install-selfmount", sec("mounts-before", ""), sec("install", FIRST),
         sec("verify", VERIFY), sec("status", with_(STATUS, "installed", False)),
         sec("agent", AGENT_IN)), False),
    ("tampered: refused, root unchanged", "install-tampered",
     log("install-tampered", sec("media", MEDIA), sec("install", "", 5),
         sec("rootdiff", ""), sec("agent", AGENT_OUT)), True),
    ("tampered: installed anyway", "install-tampered",
     log("install-tampered", sec("media", MEDIA), sec("install", "", 0),
         sec("rootdiff", "> /usr/bin/a", 1), sec("agent", AGENT_IN)), False),
    ("tampered: refused but changed the root", "install-tampered",
     log("install-tampered", sec("media", MEDIA), sec("install", "", 5),
         sec("rootdiff", "> /var/lib/dpkg/status", 1), sec("agent", AGENT_OUT)), False),
    ("tampered: wrong exit code", "install-tampered",
     log("install-tampered", sec("media", MEDIA), sec("install", "", 1),
         sec("rootdiff", ""), sec("agent", AGENT_OUT)), False),
]


def main():
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, scenario, report, want) in enumerate(CASES, 1):
            path = os.path.join(tmp, f"{i}.log")
            with open(path, "w", newline="") as f:
                f.write(report)
            r = subprocess.run([sys.executable, os.path.join(HERE, "check.py"), scenario, path],
                               capture_output=True, text=True)
            got = r.returncode == 0
            if got == want and r.returncode in (0, 1):
                passed += 1
                print(f"ok {i} - check.py {'accepts' if want else 'rejects'}: {name}")
            else:
                failed += 1
                print(f"not ok {i} - check.py should {'accept' if want else 'reject'}: {name}"
                      f" (exit {r.returncode})")
                for line in (r.stdout + r.stderr).splitlines():
                    print(f"#   {line}")
    print(f"e2e-selftest: {passed} passed, {failed} failed")
    if len(sys.argv) > 1:
        os.makedirs(sys.argv[1], exist_ok=True)
        with open(os.path.join(sys.argv[1], "e2e-selftest"), "w") as f:
            f.write(f"{passed} {failed} 0\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
