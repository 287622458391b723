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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402

harness.configure(tap=True)

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


# The detect scenario's run under LANG=ja_JP.UTF-8 (human words, the same JSON).
JA_TEXT = "ディストリビューション: Debian GNU/Linux 12 (bookworm)\n仮想化:           kvm"
JA = (sec("detect-ja", JA_TEXT), sec("detect-ja-json", DETECT))


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


# install-ejected*: what the guest reports (results.log) and what the host's
# QMP watcher wrote (host.log).
STOPPED = {"pid": 9, "stopped_pid": 9, "state": "T", "exe": "/root/gt-installer", "seconds": 0.6,
           "mounts": "/dev/sr0 /run/guest-tools-AbC123 iso9660 ro,nosuid,nodev,noexec 0 0"}
STOPPED_SH = {"pid": 8, "stopped_pid": 9, "state": "T", "exe": "/run/guest-tools.XyZ/installer",
              "seconds": 9.0, "mounts": "/dev/sr0 /mnt iso9660 ro,relatime 0 0"}
MEDIUM = {"gone": True, "seconds": 0.3,
          "medium": {"sys_size": 2808, "blockdev_rc": 1,
                     "blockdev": "blockdev: cannot open /dev/sr0: No medium found"}}
LOST = ("/dev/cdrom: Linux/agent/a.deb: the media cannot be read (was the CD ejected? is the "
        "image truncated or damaged?); nothing was changed. Attach guest-tools.iso again")
EJECTED = {"schema": 1, "result": "failed", "changed": False, "media_device": "/dev/cdrom",
           "verified": False, "message": LOST, "exit": 7}
EJECT = {"ok": True, "marker_seen": True, "device": "ide1-cd0", "eject": {"return": {}},
         "after": {"device": "ide1-cd0", "tray_open": False, "locked": True, "medium": None},
         "events": [{"event": "DEVICE_TRAY_MOVED", "data": {"tray-open": True}},
                    {"event": "DEVICE_TRAY_MOVED", "data": {"tray-open": False}}]}
NOT_INSTALLED = {"schema": 1, "installed": False}


def ejected_log(install=EJECTED, install_rc=7, rootdiff="", dpkgdiff="", leftovers="",
                stopped=STOPPED, stopped_rc=0, medium=MEDIUM, status=NOT_INSTALLED,
                mounted=False, eject_in_guest=None):
    scenario = "install-ejected-mounted" if mounted else "install-ejected"
    first = sec("media", MEDIA) if mounted else sec("mounts-before", "")
    extra = sec("eject", eject_in_guest) if eject_in_guest else ""
    return log(scenario, extra, first, sec("snapshot-before", {"seconds": 8, "lines": 14413}),
               sec("stopped", stopped, stopped_rc), "@@GT-EJECT-READY@@\n",
               sec("medium", medium, 0 if medium.get("gone") else 1),
               sec("install", install, install_rc),
               sec("rootdiff", rootdiff, 1 if rootdiff else 0),
               sec("dpkgdiff", dpkgdiff, 1 if dpkgdiff else 0),
               sec("leftovers", leftovers, 1 if leftovers else 0),
               sec("status", status), sec("kernel", "I/O error, dev sr0, sector 76"))


def host_log(eject=EJECT, rc=0):
    return sec("eject", eject, rc)


# install-killed: the run killed with the CD mounted, then the next install.
KILLED = {"pid": 211, "exit": 137,
          "mounts": "/dev/sr0 /run/guest-tools-211-BdojpI iso9660 ro,nosuid,nodev,noexec 0 0;",
          "folders": "/run/guest-tools-211-BdojpI /run/guest-tools-211-LGAjne "}
SWEPT = ("guest-tools: removed /run/guest-tools-211-BdojpI, left by a run that was killed\n"
         "guest-tools: removed /run/guest-tools-211-LGAjne, left by a run that was killed")


def killed_log(killed=KILLED, install=FIRST, install_rc=0, stderr=SWEPT, leftovers="",
               status=STATUS, agent=AGENT_IN):
    return log("install-killed", sec("mounts-before", ""), sec("killed", killed),
               sec("install", install, install_rc),
               sec("install.stderr", stderr, install_rc) if stderr else "",
               sec("leftovers", leftovers, 1 if leftovers else 0),
               sec("status", status), sec("agent", agent))


# install-sigint: Ctrl-C at the prompt with the CD mounted by the installer.
PROMPT = {"seen": True, "pid": 305,
          "mounts": "/dev/sr0 /run/guest-tools-305-aBcDeF iso9660 ro,nosuid,nodev,noexec 0 0;",
          "folders": "/run/guest-tools-305-aBcDeF /run/guest-tools-305-GhIjKl "}
CANCELLED = ("Install a 1.0 (Linux/deb/a.deb) from /dev/sr0? [y/N] ^C"
             "installer: cancelled; nothing was changed")


def sigint_log(prompt=PROMPT, prompt_rc=0, install=CANCELLED, install_rc=1, rootdiff="",
               leftovers="", status=NOT_INSTALLED, agent=AGENT_OUT):
    return log("install-sigint", sec("mounts-before", ""), sec("prompt", prompt, prompt_rc),
               sec("install", install, install_rc), sec("rootdiff", rootdiff, 1 if rootdiff else 0),
               sec("dpkgdiff", ""), sec("leftovers", leftovers, 1 if leftovers else 0),
               sec("status", status), sec("agent", agent))


CASES = [
    # (name, scenario, report, expect_pass)
    ("sigint: good report", "install-sigint", sigint_log(), True),
    ("sigint: the prompt never came", "install-sigint",
     sigint_log(prompt=dict(PROMPT, seen=False), prompt_rc=1), False),
    ("sigint: the CD was not mounted at the prompt", "install-sigint",
     sigint_log(prompt=dict(PROMPT, mounts="")), False),
    ("sigint: killed by the signal (130)", "install-sigint",
     sigint_log(install="Install a 1.0 (Linux/deb/a.deb) from /dev/sr0? [y/N] ^C",
                install_rc=130), False),
    ("sigint: the CD is still mounted", "install-sigint",
     sigint_log(leftovers="/dev/sr0 /run/guest-tools-305-aBcDeF iso9660 ro 0 0"), False),
    ("sigint: the root changed", "install-sigint",
     sigint_log(rootdiff="> /usr/sbin/guest-agent f 755 100 1.0"), False),
    ("killed: good report", "install-killed", killed_log(), True),
    ("killed: the run was not killed by SIGKILL", "install-killed",
     killed_log(killed=dict(KILLED, exit=0)), False),
    ("killed: the CD was not mounted on the killed run's folder", "install-killed",
     killed_log(killed=dict(KILLED, mounts="")), False),
    ("killed: the next install failed", "install-killed",
     killed_log(install=dict(FIRST, changed=False), install_rc=1), False),
    ("killed: the next install did not say it removed the leftovers", "install-killed",
     killed_log(stderr=""), False),
    ("killed: the stale mount is still there", "install-killed",
     killed_log(leftovers="/dev/sr0 /run/guest-tools-211-BdojpI iso9660 ro 0 0"), False),
    ("killed: the agent is not installed", "install-killed",
     killed_log(status=NOT_INSTALLED, agent=AGENT_OUT), False),
    ("detect: good report", "detect", log("detect", sec("media", MEDIA), sec("detect", DETECT), *JA), True),
    ("detect: CRLF line ends", "detect",
     log("detect", sec("media", MEDIA), sec("detect", DETECT), *JA).replace("\n", "\r\n"), True),
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
     log("detect", sec("media", with_(MEDIA, "fstype", "udf")), sec("detect", DETECT), *JA), False),
    ("detect: LANG=ja_JP.UTF-8 answered in English", "detect",
     log("detect", sec("media", MEDIA), sec("detect", DETECT),
         sec("detect-ja", "Distribution:   Debian GNU/Linux 12"), JA[1]), False),
    ("detect: LANG=ja_JP.UTF-8 changed the JSON", "detect",
     log("detect", sec("media", MEDIA), sec("detect", DETECT), JA[0],
         sec("detect-ja-json", with_(DETECT, "init", "sysv"))), False),
    ("detect: no /dev/cdrom link", "detect",
     log("detect", sec("media", with_(MEDIA, "cdrom_link", False)), sec("detect", DETECT), *JA), False),
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


EJECT_NO_MARKER = {"ok": False, "marker_seen": False,
                   "error": "the guest never asked for the eject: the guest powered off"}
EJECT_REFUSED = dict(EJECT, ok=False, eject={"error": {"class": "GenericError",
                                                        "desc": "Device is locked"}})
# (name, scenario, guest report, host report or None, expect_pass)
HOST_CASES = [
    ("ejected: good report", "install-ejected", ejected_log(), host_log(), True),
    ("ejected: good report, user's mount and install.sh", "install-ejected-mounted",
     ejected_log(mounted=True, stopped=STOPPED_SH,
                 install=dict(EJECTED, media_device=None)), host_log(), True),
    ("ejected: exit 0 (installed from a vanished CD)", "install-ejected",
     ejected_log(install=dict(EJECTED, result="installed", changed=True, exit=0, message=None),
                 install_rc=0), host_log(), False),
    ("ejected: exit 1 with ENOENT (iso9660's answer taken at its word)", "install-ejected",
     ejected_log(install=dict(EJECTED, exit=1, message="/dev/cdrom: Linux/agent/a.deb: cannot "
                              "be read: No such file or directory"), install_rc=1),
     host_log(), False),
    ("ejected: exit 7 but the message does not say nothing was changed", "install-ejected",
     ejected_log(install=dict(EJECTED, message="no guest-tools media found")), host_log(), False),
    ("ejected: the root changed", "install-ejected",
     ejected_log(rootdiff="> /usr/sbin/agent f 755 10 1.0"), host_log(), False),
    ("ejected: a file's sha256 changed", "install-ejected",
     ejected_log(rootdiff="< 0a1b  /etc/x\n> 9f8e  /etc/x"), host_log(), False),
    ("ejected: the dpkg database changed", "install-ejected",
     ejected_log(dpkgdiff="> ii  a 1 amd64"), host_log(), False),
    ("ejected: a mount left behind", "install-ejected",
     ejected_log(leftovers="/dev/sr0 /run/guest-tools-AbC123 iso9660 ro 0 0"), host_log(), False),
    ("ejected: a temporary folder left behind", "install-ejected",
     ejected_log(leftovers="left: /run/guest-tools-Q1w2E3"), host_log(), False),
    ("ejected: status says installed", "install-ejected",
     ejected_log(status={"schema": 1, "installed": True}), host_log(), False),
    ("ejected: the installer never stopped", "install-ejected",
     ejected_log(stopped=dict(STOPPED, state="", stopped_pid=None), stopped_rc=1),
     host_log(EJECT_NO_MARKER, 1), False),
    ("ejected: the guest never saw the drive empty", "install-ejected",
     ejected_log(medium=dict(MEDIUM, gone=False)), host_log(), False),
    ("ejected: no host report (the watcher never ran)", "install-ejected",
     ejected_log(), None, False),
    ("ejected: the guest writes its own eject section", "install-ejected",
     ejected_log(eject_in_guest=EJECT), None, False),
    ("ejected: the marker never came", "install-ejected", ejected_log(),
     host_log(EJECT_NO_MARKER, 1), False),
    ("ejected: QEMU refused the eject", "install-ejected", ejected_log(),
     host_log(EJECT_REFUSED, 1), False),
    ("ejected: QEMU still shows a medium", "install-ejected", ejected_log(),
     host_log(dict(EJECT, after=dict(EJECT["after"], medium="guest-tools.iso"))), False),
    ("ejected-mounted: the stopped installer is not install.sh's copy", "install-ejected-mounted",
     ejected_log(mounted=True, stopped=dict(STOPPED_SH, exe="/mnt/Linux/installer.x86_64"),
                 install=dict(EJECTED, media_device=None)), host_log(), False),
]

# install-powercut-KIND: the plug pulled (QMP quit) right after the journal
# record KIND, then the same disk booted again and installed.
CUT_STOPPED = {"pid": 305, "stopped": "305", "state": "T", "cut": "commit",
               "journal_last": "commit"}
AFTER_CUT = {"cut": "commit", "journal": True, "journal_last": "commit"}
RECOVERED = {"result": "unchanged", "changed": False, "recovered_interrupted_run": True,
             "exit": 0}
QUIT = {"ok": True, "marker": "@@GT-POWERCUT-READY@@", "marker_seen": True,
        "quit": {"return": {}}}


def powercut_log(cut="commit", stopped=CUT_STOPPED, after=AFTER_CUT, install=RECOVERED,
                 install_rc=0, status=STATUS, journal=False, audit="", verify="",
                 agent=AGENT_IN, rootdiff="changes", dpkgdiff="changes"):
    first = (sec("boot", {"scenario": "s", "kernel": "k", "uptime": 1.0}) +
             sec("cut-stopped", dict(stopped, cut=cut, journal_last=cut)))
    if after is AFTER_CUT:
        after = dict(AFTER_CUT, journal_last=cut)
    return first + log(f"install-powercut-{cut}", sec("after-cut", dict(after, cut=cut)),
                       sec("install", install, install_rc), sec("status", status),
                       sec("journal", {"journal_left": journal}),
                       sec("audit", audit, 1 if audit else 0),
                       sec("dpkg-verify", verify, 1 if verify else 0), sec("agent", agent),
                       sec("rootdiff", rootdiff, 1 if rootdiff else 0),
                       sec("dpkgdiff", dpkgdiff, 1 if dpkgdiff else 0))


def quit_log(report=QUIT, rc=0):
    return sec("powercut", report, rc)


HOST_CASES += [
    ("powercut: good report (cut after commit; recovered, unchanged)",
     "install-powercut-commit", powercut_log(), quit_log(), True),
    ("powercut: good report (cut after pkg; recovered, installed)", "install-powercut-pkg",
     powercut_log(cut="pkg", install=dict(RECOVERED, result="installed", changed=True)),
     quit_log(), True),
    ("powercut: the next install refused, the guest exactly as before",
     "install-powercut-pkg", powercut_log(cut="pkg", install={"exit": 11}, install_rc=11,
                                          rootdiff="", dpkgdiff=""), quit_log(), True),
    ("powercut: the next install refused, the guest changed", "install-powercut-pkg",
     powercut_log(cut="pkg", install={"exit": 11}, install_rc=11, dpkgdiff=""),
     quit_log(), False),
    ("powercut: the journal record was lost with the power", "install-powercut-commit",
     powercut_log(after=dict(AFTER_CUT, journal=False, journal_last="")), quit_log(), False),
    ("powercut: the last durable record is missing", "install-powercut-commit",
     powercut_log(after=dict(AFTER_CUT, journal_last="file")), quit_log(), False),
    ("powercut: the next install did not recover the cut run", "install-powercut-commit",
     powercut_log(install=dict(RECOVERED, recovered_interrupted_run=False)), quit_log(), False),
    ("powercut: a journal is left after the next install", "install-powercut-commit",
     powercut_log(journal=True), quit_log(), False),
    ("powercut: dpkg --audit finds a half-installed package", "install-powercut-commit",
     powercut_log(audit="The following packages are only half configured"), quit_log(), False),
    ("powercut: a file of the package lost (dpkg --verify)", "install-powercut-commit",
     powercut_log(verify="??5?????? /usr/sbin/guest-agent"), quit_log(), False),
    ("powercut: the agent is not installed", "install-powercut-commit",
     powercut_log(status=NOT_INSTALLED, agent=AGENT_OUT), quit_log(), False),
    ("powercut: the installer never stopped at the record", "install-powercut-commit",
     powercut_log(stopped=dict(CUT_STOPPED, state="")), quit_log(), False),
    ("powercut: QEMU was never told to quit", "install-powercut-commit", powercut_log(),
     quit_log(dict(QUIT, ok=False, marker_seen=False, quit=None), 1), False),
    ("powercut: no host report", "install-powercut-commit", powercut_log(), None, False),
]


# pv-to-hvm: the host's sections (tests/e2e/pv-to-hvm.sh) and the guest's
# (guest/scenario-pv-to-hvm.sh), as a run with prepare-hvm writes them.
PV_PLAN = {"p2h": True, "prepare": True, "why_p2h": "", "why_prepare": ""}
PV_PLAN_NONE = {"p2h": False, "prepare": False,
                "why_p2h": "the installer on the ISO has no 'detect --pv-to-hvm' yet",
                "why_prepare": "the installer on the ISO has no 'prepare-hvm' command yet"}
PV_DISK = {"boot_code_zero": True, "signature": "55aa", "table": {"partitiontable": {
    "label": "dos", "partitions": [{"node": "disk.img1", "start": 2048, "size": 3145728,
                                    "type": "83"}]}}}
# What SeaBIOS 1.16.2 wrote on its debug port, and the registers 5 s later
# (measured: a zeroed boot sector runs into nonsense in real mode).
SEABIOS0 = "SeaBIOS (version 1.16.2-debian-1.16.2-1)\nenter handle_19:\n  NULL\n" \
    "Booting from Hard Disk...\nBooting from 0000:7c00"
REGS0 = "EIP=00004190 EFL=00000097 [--S-APC] CPL=0 II=0 A20=1 SMM=0 HLT=0\n" \
    "CR0=00000010 CR2=00000000 CR3=00000000 CR4=00000000"


def p2h_doc(ready, bad=("boot_code", "console")):
    ids = ("boot_code", "kernel", "initramfs_drivers", "console", "root_names", "nics")
    return dict(DETECT, pv_to_hvm={"ready": ready, "checks": [
        {"id": i, "ok": i not in bad, "evidence": "e", "fix": "f" if i in bad else None,
         "details": []} for i in ids]})


P2H_NOT_READY = p2h_doc(False)
P2H_READY = p2h_doc(True, bad=())
PYGRUB = {"kernel": "/boot/vmlinuz-6.1.0-57-amd64", "initrd": "/boot/initrd.img-6.1.0-57-amd64",
          "cmdline": "root=UUID=6f1c3a52 ro console=hvc0"}


def pv_host(plan=PV_PLAN, disk=PV_DISK, offline=P2H_NOT_READY, offline_rc=0, seabios0=SEABIOS0,
            regs0=REGS0, console0="", ttys0="", hvc0="3 lines; login prompt: gt-pv login: ",
            console2="Debian GNU/Linux 12 gt-pv ttyS0\n\ngt-pv login: ", rootdiff="", mbrdiff=""):
    out = sec("plan", plan) + sec("disk", disk)
    if plan["p2h"]:
        out += sec("detect-offline", offline, offline_rc)
    out += sec("seabios0", seabios0) + sec("registers0", regs0) + sec("console0", console0)
    out += sec("pygrub", PYGRUB) + sec("ttyS0-pv", ttys0) + sec("hvc0-pv", hvc0)
    if plan["prepare"]:
        out += sec("seabios2", "Booting from Hard Disk...\nBooting from 0000:7c00")
        out += sec("console2", console2)
        out += sec("host-rootdiff", rootdiff, 1 if rootdiff else 0)
        out += sec("host-mbrdiff", mbrdiff, 1 if mbrdiff else 0)
    return out


def pv_guest(plan=PV_PLAN, console_pv=None, detect_pv=P2H_NOT_READY, prepare=None, prepare_rc=0,
             prepared=P2H_READY, console_hvm=None, hvm=P2H_READY, uninstall_rc=0, done=True,
             notes=("boot sector of /dev/sda (recorded as /dev/vda): restored",)):
    out = log("pv-to-hvm", sec("console-pv", console_pv or {
        "cmdline": "root=UUID=x ro console=hvc0", "active": "hvc0", "gettys": "hvc0",
        "waited_for": "hvc0"}), sec("media", MEDIA),
        sec("detect-pv", detect_pv if plan["p2h"] else DETECT), done=done)
    if plan["prepare"]:
        out += sec("prepare", prepare or {"ready": True, "changed": True}, prepare_rc)
        out += sec("detect-prepared", prepared)
        out += log("pv-to-hvm", sec("console-hvm", console_hvm or {
            "cmdline": "root=UUID=x ro console=tty0 console=ttyS0", "active": "tty0 ttyS0",
            "gettys": "tty1 ttyS0", "waited_for": "ttyS0"}), sec("media", MEDIA),
            sec("detect-hvm", hvm), sec("uninstall", {"changed": True, "notes": list(notes)}, uninstall_rc),
            *([sec("hvm-end", "2")] if done else []), done=done)
    return out


# What prepare-hvm --root --disk said on 2026-12-07 (branch prepare-hvm), cut.
NOGRUB = {"schema": 1, "result": "cannot", "changed": False, "ready": False, "exit": 4,
          "cannot": [{"check": "boot_code", "text": "the MBR of disk.img has no boot code, and "
                      "the guest has no GRUB for BIOS (grub-install and its i386-pc files) to "
                      "install: install it from the distribution's media: apt-get install "
                      "grub-pc, then run prepare-hvm again",
                      "command": "apt-get install grub-pc"}]}


def nogrub_host(prepare=NOGRUB, rc=1, rootdiff="", mbrdiff=""):
    return sec("plan", PV_PLAN) + sec("disk", PV_DISK) + sec("prepare-offline", prepare, rc) + \
        sec("host-rootdiff", rootdiff, 1 if rootdiff else 0) + \
        sec("host-mbrdiff", mbrdiff, 1 if mbrdiff else 0)


HOST_CASES += [
    ("pv-to-hvm: good report", "pv-to-hvm", pv_guest(), pv_host(), True),
    ("pv-to-hvm: good report, the installer has no pv_to_hvm or prepare-hvm yet (skips)",
     "pv-to-hvm", pv_guest(plan=PV_PLAN_NONE), pv_host(plan=PV_PLAN_NONE), True),
    ("pv-to-hvm: no host report", "pv-to-hvm", pv_guest(), None, False),
    ("pv-to-hvm: the disk has boot code", "pv-to-hvm", pv_guest(),
     pv_host(disk=dict(PV_DISK, boot_code_zero=False)), False),
    ("pv-to-hvm: the partition does not start at 1 MiB", "pv-to-hvm", pv_guest(),
     pv_host(disk=with_(PV_DISK, "table.partitiontable.partitions",
                        [{"start": 63, "type": "83"}])), False),
    ("pv-to-hvm: offline detect says ready", "pv-to-hvm", pv_guest(),
     pv_host(offline=P2H_READY), False),
    ("pv-to-hvm: offline detect does not name the console", "pv-to-hvm", pv_guest(),
     pv_host(offline=p2h_doc(False, bad=("boot_code",))), False),
    ("pv-to-hvm: boot 0 left real mode (something booted)", "pv-to-hvm", pv_guest(),
     pv_host(regs0=REGS0.replace("CR0=00000010", "CR0=80000011")), False),
    ("pv-to-hvm: boot 0 never reached the boot sector", "pv-to-hvm", pv_guest(),
     pv_host(seabios0="Booting from Hard Disk...\nBoot failed: could not read the boot disk"),
     False),
    ("pv-to-hvm: boot 0 printed a kernel", "pv-to-hvm", pv_guest(),
     pv_host(console0="[    0.000000] Linux version 6.1.0"), False),
    ("pv-to-hvm: boot 1 talked on ttyS0", "pv-to-hvm", pv_guest(),
     pv_host(ttys0="[    0.000000] Linux version 6.1.0"), False),
    ("pv-to-hvm: boot 1 had a getty on tty1", "pv-to-hvm",
     pv_guest(console_pv={"cmdline": "console=hvc0", "active": "hvc0", "gettys": "hvc0 tty1"}),
     pv_host(), False),
    ("pv-to-hvm: boot 1 detect says ready before prepare-hvm", "pv-to-hvm",
     pv_guest(detect_pv=P2H_READY), pv_host(), False),
    ("pv-to-hvm: prepare-hvm failed", "pv-to-hvm", pv_guest(prepare_rc=1), pv_host(), False),
    ("pv-to-hvm: prepare-hvm changed nothing", "pv-to-hvm",
     pv_guest(prepare={"ready": True, "changed": False}), pv_host(), False),
    ("pv-to-hvm: not ready after prepare-hvm", "pv-to-hvm",
     pv_guest(prepared=p2h_doc(False, bad=("console",))), pv_host(), False),
    ("pv-to-hvm: boot 2 gave no login prompt on ttyS0", "pv-to-hvm", pv_guest(),
     pv_host(console2="[  OK  ] Reached target multi-user.target"), False),
    ("pv-to-hvm: boot 2 never ran the job", "pv-to-hvm", pv_guest(done=False), pv_host(), False),
    ("pv-to-hvm: uninstall failed", "pv-to-hvm", pv_guest(uninstall_rc=1), pv_host(), False),
    ("pv-to-hvm: uninstall wrote the boot sector back by the PV name", "pv-to-hvm",
     pv_guest(notes=("boot sector of /dev/vda: restored",)), pv_host(), False),
    ("pv-to-hvm: the MBR differs after uninstall", "pv-to-hvm", pv_guest(),
     pv_host(mbrdiff="  1   0 353"), False),
    ("pv-to-hvm: a file differs after uninstall", "pv-to-hvm", pv_guest(),
     pv_host(rootdiff="< /boot/initrd.img-6.1.0-57-amd64 f 644 40 ab\n"
                      "> /boot/initrd.img-6.1.0-57-amd64 f 644 41 cd"), False),
    ("pv-to-hvm-nogrub: good report", "pv-to-hvm-nogrub", "", nogrub_host(), True),
    ("pv-to-hvm-nogrub: said ready", "pv-to-hvm-nogrub", "",
     nogrub_host(prepare=dict(NOGRUB, ready=True), rc=0), False),
    ("pv-to-hvm-nogrub: no package named", "pv-to-hvm-nogrub", "",
     nogrub_host(prepare=with_(NOGRUB, "cannot", [{"check": "boot_code",
                                                   "text": "install a boot loader",
                                                   "command": None}])), False),
    ("pv-to-hvm-nogrub: said it changed something", "pv-to-hvm-nogrub", "",
     nogrub_host(prepare=dict(NOGRUB, changed=True)), False),
    ("pv-to-hvm-nogrub: changed a file", "pv-to-hvm-nogrub", "",
     nogrub_host(rootdiff="> /etc/default/grub f 644 10 ab"), False),
    ("pv-to-hvm-nogrub: wrote the MBR", "pv-to-hvm-nogrub", "",
     nogrub_host(mbrdiff="  1   0 353"), False),
    ("pv-to-hvm-nogrub: no host report", "pv-to-hvm-nogrub", "", "", False),
]


def main():
    cases = [(n, s, r, None, w) for n, s, r, w in CASES] + HOST_CASES
    tmp = harness.tempdir("gt-e2e-selftest-")
    for i, (name, scenario, report, host, want) in enumerate(cases, 1):
        path = os.path.join(tmp, f"{i}.log")
        with open(path, "w", newline="") as f:
            f.write(report)
        argv = [sys.executable, os.path.join(HERE, "check.py"), scenario, path]
        if host is not None:
            argv.append(os.path.join(tmp, f"{i}.host.log"))
            with open(argv[-1], "w") as f:
                f.write(host)
        r = subprocess.run(argv, capture_output=True, text=True)
        got = r.returncode == 0
        harness.check(f"check.py {'accepts' if want else 'rejects'}: {name}",
                      got == want and r.returncode in (0, 1),
                      f"exit {r.returncode}, wanted {0 if want else 1}\n" + r.stdout + r.stderr)
    return harness.finish("e2e-selftest", sys.argv[1] if len(sys.argv) > 1 else None)


if __name__ == "__main__":
    sys.exit(main())
