#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_harness.py [RESULTS_DIR]: the test harness itself (harness.py), and
that every Python suite uses it: a skip or a documented difference is never
a pass, a failure keeps the temporary directories, the results line and
file have the form scripts/test-summary.sh reads, and no suite file defines
a check() or pass/fail counters of its own.

Counts through a harness.Suite of its own (the checks under test are made
on other Suite objects, so their failures are expected and not counted).
"""
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import harness  # noqa: E402

T = harness.Suite(show_passes=True)
check = T.check

# Every Python suite of `make check`: what must count through the harness.
SUITES = ["tests/cli/run.py", "tests/cli/test_collect.py", "tests/peer/run.py",
          "tests/integration/run.py", "tests/prepare_hvm/run.py", "tests/security/run.py",
          "tests/e2e/check.py",
          "tests/e2e/test_check.py", "tests/lib/test_harness.py",
          "tests/style/check_messages.py", "tests/style/check_manpages.py",
          "tests/style/check_layers.py", "tests/oldkernel/run.py", "tests/release/run.py",
          "tests/release/check_workflow.py", "tests/agent/lifecycle.py", "tests/i18n/run.py",
          "tests/fleet/run.py"]


def quietly(fn, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ret = fn(*args)
    return ret, out.getvalue()


def test_counting():
    s = harness.Suite()
    _, out = quietly(lambda: [s.check("a", True), s.check("b", 1 == 2, "one is not two"),
                              s.skip("c", "no tool here"), s.differs("d", "on purpose")])
    check("a true condition is a pass", s.passed == 1, s.passed)
    check("a false condition is a failure", s.failed == 1, s.failed)
    check("a skip is counted as a skip, not a pass", s.skipped == 1 and s.passed == 1,
          (s.skipped, s.passed))
    check("a documented difference is counted apart", s.differ == 1 and s.passed == 1,
          (s.differ, s.passed))
    check("a failure prints its name and detail", "FAIL b: one is not two" in out, out)
    check("a skip prints its reason", "skip c: no tool here" in out, out)
    check("a difference prints its reason", "differs (documented) d: on purpose" in out, out)
    check("passes are quiet unless asked", "ok" not in out.split("FAIL")[0], out)
    ret, _ = quietly(s.check, "e", [])
    check("check() returns the truth of its condition", ret is False, ret)


def test_finish_and_results(tmp):
    s = harness.Suite()
    d = s.tempdir("gt-harness-")
    quietly(lambda: [s.check("x", True), s.skip("y", "why")])
    rc, out = quietly(s.finish, "demo", tmp)
    check("finish: exit 0 without failures", rc == 0, rc)
    check("finish: results line", out.strip().endswith("demo: 1 passed, 0 failed, 1 skipped"),
          out)
    with open(os.path.join(tmp, "demo")) as f:
        line = f.read()
    check("finish: results file 'P F S D'", line == "1 0 1 0\n", repr(line))
    check("finish: temporary directory removed after a clean run", not os.path.exists(d), d)

    s = harness.Suite()
    d = s.tempdir("gt-harness-")
    quietly(lambda: [s.check("x", False, "broken"), s.differs("z", "documented")])
    rc, out = quietly(s.finish, "demo2", tmp)
    check("finish: exit 1 after a failure", rc == 1, rc)
    check("finish: temporary directory kept after a failure, and named",
          os.path.isdir(d) and d in out, out)
    check("finish: differences in the results line",
          "demo2: 0 passed, 1 failed, 0 skipped, 1 differ (documented)" in out, out)
    with open(os.path.join(tmp, "demo2")) as f:
        line = f.read()
    check("finish: results file counts the difference", line == "0 1 0 1\n", repr(line))
    os.rmdir(d)
    p = subprocess.run(["sh", os.path.join(REPO, "scripts", "test-summary.sh"), tmp],
                       capture_output=True, text=True)
    check("test-summary.sh adds the files up, fails on the failure",
          p.returncode == 1 and "check: 1 passed, 1 failed, 1 skipped, 1 differ (documented)"
          in p.stdout, p.stdout + p.stderr)


def test_tap():
    s = harness.Suite(tap=True, prefix="scn: ")
    _, out = quietly(lambda: [s.check("good", True), s.check("bad", False, "line1\nline2"),
                              s.skip("later", "no disk")])
    want = ["ok 1 - scn: good", "not ok 2 - scn: bad", "#   line1", "#   line2",
            "ok 3 - scn: later # SKIP no disk"]
    check("tap: numbered lines, evidence, skip directive", out.splitlines() == want,
          out.splitlines())


def test_module_suite_is_shared():
    """harness.check and friends are the process's Suite, whatever imports them."""
    check("module functions count into harness.SUITE",
          harness.check.__self__ is harness.SUITE and harness.skip.__self__ is harness.SUITE,
          (harness.check, harness.SUITE))


# A counter or check() of a suite's own: what the harness replaced.
OWN_COUNTERS = re.compile(r"^\s*(passed|failed|skipped)\s*(=|\+=)|^\s*global\s+(passed|failed"
                          r"|skipped)|^def check\(", re.M)


def test_every_suite_uses_it():
    for rel in SUITES:
        path = os.path.join(REPO, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if rel == "tests/lib/test_harness.py":
            continue
        check(f"{rel} imports the harness", re.search(r"^import harness\b", text, re.M),
              "no 'import harness'")
        own = [m.group(0).strip() for m in OWN_COUNTERS.finditer(text)]
        check(f"{rel} keeps no counters of its own", not own, own)
        check(f"{rel} has no check(True)", "check(True" not in text.replace(" ", ""),
              "a check that cannot fail")


def test_suite_list_is_complete():
    """Every Python program a make recipe runs from tests/ is in SUITES (a new
    suite cannot slip past the checks above), helpers aside."""
    # run.sh's QMP client and the harness itself are not suites.
    helpers = {"tests/e2e/qmp-eject.py", "tests/lib/harness.py"}
    named = set()
    for dirpath, _, files in os.walk(REPO):
        if "/build" in dirpath[len(REPO):] or "/.git" in dirpath[len(REPO):]:
            continue
        for name in files:
            if name == "Makefile" or name.endswith(".mk"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    named.update(re.findall(r"tests/[A-Za-z0-9_/.-]+\.py", f.read()))
    missing = sorted(named - helpers - set(SUITES))
    check("every Python suite make runs is checked here", not missing, missing)


def test_scratch_copy_is_caught(tmp):
    """The guard above fails on a suite with its own counters (a scratch copy)."""
    src = os.path.join(tmp, "suite.py")
    with open(src, "w") as f:
        f.write("passed = failed = skipped = 0\n\n\ndef check(name, cond):\n"
                "    global passed\n    passed += 1\n")
    with open(src) as f:
        text = f.read()
    check("the own-counter guard fires on a copied harness",
          len(OWN_COUNTERS.findall(text)) >= 3, OWN_COUNTERS.findall(text))


def main():
    tmp = T.tempdir("gt-harness-test-")
    test_counting()
    test_finish_and_results(tempfile.mkdtemp(dir=tmp))
    test_tap()
    test_module_suite_is_shared()
    test_every_suite_uses_it()
    test_suite_list_is_complete()
    test_scratch_copy_is_caught(tmp)
    return T.finish("harness", sys.argv[1] if len(sys.argv) > 1 else None)


if __name__ == "__main__":
    sys.exit(main())
