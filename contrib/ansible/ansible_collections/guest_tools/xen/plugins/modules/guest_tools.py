#!/usr/bin/python
# SPDX-License-Identifier: MIT
"""Ansible module: run the guest-tools installer on the host and translate its JSON."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: guest_tools
short_description: Install, verify, uninstall or detect guest-tools with the CD's installer
description:
  - Runs the guest-tools C(installer) (the CD's C(Linux/installer.<arch>), already on the host)
    with C(--json) and returns what it printed, translated to Ansible's terms.
  - The host fails on the installer's failure exit codes (every code but 0 and 3, see
    installer(8)) with the installer's own message.
  - In check mode, I(state=present) and I(state=absent) run the installer with C(--dry-run),
    which changes nothing; I(state=verified) and I(state=detected) change nothing anyway.
version_added: "0.1.0"
author: guest-tools
options:
  installer:
    description: Path on the host of the installer executable (C(Linux/installer.x86_64) or
      C(Linux/installer.i686) from the CD).
    type: path
    required: true
  state:
    description:
      - C(present) runs C(installer install --yes).
      - C(verified) runs C(installer verify) (after the reboot the install may ask for).
      - C(absent) runs C(installer uninstall --yes).
      - C(detected) runs C(installer detect) and sets C(ansible_facts.guest_tools).
    type: str
    choices: [present, verified, absent, detected]
    default: present
  media:
    description: The guest-tools media on the host (C(--media)), an .iso file, the CD's
      directory or a block device. Unset, the installer looks for the CD itself.
      Used by I(state=present) only.
    type: path
  force:
    description: Install the Xen agent on another hypervisor than Xen too (C(--force));
      without it the installer refuses there (exit 14).
    type: bool
    default: false
  allow_downgrade:
    description: Install media older than what is installed (C(--allow-downgrade)).
    type: bool
    default: false
  root:
    description: Act on the tree under this directory (C(--root)), such as a mounted image,
      instead of the host's own system. Unset (the normal case, also in a chroot), the
      installer acts on C(/).
    type: path
notes:
  - Supports check mode.
  - C(reboot_needed) is only ever what the installer said.
"""

EXAMPLES = r"""
- name: Install guest-tools from the ISO copied to the host
  guest_tools.xen.guest_tools:
    installer: /var/tmp/gt/installer.x86_64
    media: /var/tmp/gt/guest-tools.iso
  register: gt

- name: After the reboot, check the agent and the PV mode
  guest_tools.xen.guest_tools:
    installer: /var/tmp/gt/installer.x86_64
    state: verified

- name: Facts only
  guest_tools.xen.guest_tools:
    installer: /var/tmp/gt/installer.x86_64
    state: detected
"""

RETURN = r"""
changed:
  description: The installer's C(changed) (install, uninstall); in check mode, whether the
    dry run planned a change (its C(result) is C(planned)).
  returned: always
  type: bool
result:
  description: The installer's C(result) word (C(installed), C(unchanged), C(planned),
    C(uninstalled), C(not-installed), C(failed), C(rolled-back), ...); for I(state=verified)
    C(ok) or C(not-ok); for I(state=detected) C(detected).
  returned: always
  type: str
reboot_needed:
  description: Whether the installer says a reboot switches this Xen HVM guest to PVHVM
    (C(verify.reboot_needed) of install, C(agent.reboot_needed) of verify; in check mode the
    plan's C(drivers.reboot_needed)). Always false for I(state=absent) and I(state=detected).
  returned: always
  type: bool
verdict:
  description: The virtualization mode the installer reported (C(pvhvm), C(hvm), C(pv),
    C(pvh), C(dom0), C(unknown), or C(n/a) off Xen).
  returned: when the installer got as far as detecting
  type: str
hypervisor:
  description: The hypervisor the installer reported (C(xen), C(kvm), C(other), ...).
  returned: when the installer got as far as detecting
  type: str
installer_warnings:
  description: The installer's warnings, each with C(code) and C(message) (install
    C(drivers.warnings), detect C(warnings)); each message is also an Ansible warning.
  returned: always
  type: list
  elements: dict
exit:
  description: The installer's exit code (installer(8), EXIT STATUS).
  returned: always
  type: int
exit_name:
  description: The name of that exit code (C(ok), C(reboot), C(not-xen), ...).
  returned: always
  type: str
report:
  description: The installer's whole JSON object, as it printed it.
  returned: always
  type: dict
ansible_facts:
  description: For I(state=detected), C(guest_tools) is the whole C(detect --json) object.
  returned: state is detected
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule

# installer/cli/exitcode.h; 0 and 3 are success, every other code fails the host.
EXIT_NAMES = {
    0: "ok", 1: "failure", 2: "usage", 3: "reboot", 4: "unsupported", 5: "integrity",
    6: "rolled-back", 7: "no-media", 8: "input", 9: "not-root", 10: "busy",
    11: "incomplete", 12: "unsafe", 13: "downgrade", 14: "not-xen",
}
SUCCESS = (0, 3)
COMMANDS = {"present": "install", "verified": "verify", "absent": "uninstall",
            "detected": "detect"}


def command_line(params, check_mode):
    state = params["state"]
    argv = [params["installer"], COMMANDS[state], "--json"]
    if params["root"]:
        argv += ["--root", params["root"]]
    if state in ("present", "absent"):
        argv.append("--dry-run" if check_mode else "--yes")
    if state == "present":
        if params["media"]:
            argv += ["--media", params["media"]]
        if params["force"]:
            argv.append("--force")
        if params["allow_downgrade"]:
            argv.append("--allow-downgrade")
    return argv


def stderr_message(stderr):
    """The installer's error lines ("installer: ..."), warnings left out."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if not ln.startswith("installer: warning: ")]
    return "\n".join(errors or lines)


def why_not_verified(agent):
    """Verify's exit 1 carries no message in its JSON: say which of its fields failed."""
    said = []
    if not agent.get("installed"):
        said.append("the agent's package is not installed")
    elif not agent.get("enabled"):
        said.append("the agent's service is not enabled")
    elif agent.get("running_expected") and not agent.get("running"):
        said.append("the agent's service is not running")
    return "; ".join(said)


def translate(state, report, check_mode):
    """The module's result from the installer's JSON object."""
    out = {"changed": False, "reboot_needed": False, "installer_warnings": []}
    if state == "present":
        drivers = report.get("drivers") or {}
        verify = report.get("verify")
        detect = report.get("detect") or {}
        out["result"] = report.get("result")
        if check_mode:
            out["changed"] = report.get("result") == "planned"
            out["reboot_needed"] = bool(drivers.get("reboot_needed"))
        else:
            out["changed"] = bool(report.get("changed"))
            out["reboot_needed"] = bool(verify and verify.get("reboot_needed"))
        out["verdict"] = detect.get("mode")
        out["hypervisor"] = detect.get("hypervisor")
        out["installer_warnings"] = list(drivers.get("warnings") or [])
    elif state == "absent":
        out["result"] = report.get("result")
        out["changed"] = (report.get("result") == "planned" if check_mode
                          else bool(report.get("changed")))
    elif state == "verified":
        out["result"] = "ok" if report.get("ok") else "not-ok"
        out["reboot_needed"] = bool((report.get("agent") or {}).get("reboot_needed"))
        out["verdict"] = report.get("mode")
        out["hypervisor"] = report.get("hypervisor")
    else:
        virt = report.get("virt") or {}
        out["result"] = "detected"
        out["verdict"] = virt.get("mode")
        out["hypervisor"] = virt.get("hypervisor")
        out["installer_warnings"] = list(report.get("warnings") or [])
        out["ansible_facts"] = {"guest_tools": report}
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            installer=dict(type="path", required=True),
            state=dict(type="str", default="present", choices=list(COMMANDS)),
            media=dict(type="path"),
            force=dict(type="bool", default=False),
            allow_downgrade=dict(type="bool", default=False),
            root=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    state = module.params["state"]
    argv = command_line(module.params, module.check_mode)
    rc, stdout, stderr = module.run_command(argv)
    exit_name = EXIT_NAMES.get(rc, "unknown")
    try:
        report = json.loads(stdout)
    except ValueError:
        report = None
    if not isinstance(report, dict):
        module.fail_json(msg="the installer printed no JSON object (exit %d, %s): %s"
                         % (rc, exit_name, stderr_message(stderr) or "no message"),
                         cmd=argv, exit=rc, exit_name=exit_name, stdout=stdout,
                         stderr=stderr)
    out = translate(state, report, module.check_mode)
    out.update(cmd=argv, exit=rc, exit_name=exit_name, report=report, stderr=stderr)
    for w in out["installer_warnings"]:
        module.warn("%s: %s" % (w.get("code"), w.get("message")))
    if rc not in SUCCESS:
        msg = report.get("message") or stderr_message(stderr)
        if state == "verified" and not msg:
            msg = why_not_verified(report.get("agent") or {})
        out.pop("ansible_facts", None)
        module.fail_json(msg="installer %s failed (exit %d, %s): %s"
                         % (COMMANDS[state], rc, exit_name, msg or "no message"), **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
