# SPDX-License-Identifier: MIT
"""harness.py: the one harness of the Python test suites.

Every suite (tests/cli, tests/peer, tests/integration, tests/security,
tests/e2e) counts through this module, so that a pass, a failure, a skip
and a documented difference mean the same everywhere:

    sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
    import harness
    from harness import check            # check(name, cond, detail="") -> bool

    harness.skip(name, why)              # counted apart: never a pass
    harness.differs(name, why)           # a documented difference from a peer
    tmp = harness.tempdir("gt-cli-")     # removed at the end, kept on failure
    sys.exit(harness.finish("cli", results_dir))

finish() prints the results line "SUITE: P passed, F failed, S skipped"
(", D differ (documented)" when there are any), writes "P F S D" to
RESULTS_DIR/SUITE (the form scripts/test-summary.sh adds up) and returns
the exit status: 1 when a check failed, else 0.

The module-level functions count into one Suite, the process's: a suite
that imports another's helpers (tests/security imports tests/integration)
counts into the same results. A Suite of its own counts apart (tests/cli's
collect suite runs the peer corpus code without counting the peer's checks;
the e2e checker prints TAP-like lines). tests/lib/test_harness.py checks
this module and that no suite keeps counters of its own.
"""
import os
import shutil
import sys
import tempfile


class Suite:
    """Counters and the way results are shown. show_passes: print "ok   NAME"
    for each pass (failures always print). tap: TAP-like lines instead ("ok N -
    NAME" / "not ok N - NAME", the detail as "#   " lines), as the e2e checker
    prints. prefix: put before every name (the e2e scenario)."""

    def __init__(self, show_passes=False, tap=False, prefix=""):
        self.passed = self.failed = self.skipped = self.differ = 0
        self.show_passes, self.tap, self.prefix = show_passes, tap, prefix
        self._tempdirs = []

    def configure(self, show_passes=None, tap=None, prefix=None):
        if show_passes is not None:
            self.show_passes = show_passes
        if tap is not None:
            self.tap = tap
        if prefix is not None:
            self.prefix = prefix

    def _n(self):
        return self.passed + self.failed + self.skipped + self.differ

    def check(self, name, cond, detail=""):
        """Counts a pass when @cond holds, else a failure with @detail. Returns
        bool(cond), so that a caller can stop after a failed precondition."""
        ok = bool(cond)
        name = self.prefix + str(name)
        if ok:
            self.passed += 1
            if self.tap:
                print(f"ok {self._n()} - {name}")
            elif self.show_passes:
                print(f"ok   {name}")
            return True
        self.failed += 1
        if self.tap:
            print(f"not ok {self._n()} - {name}")
            for line in str(detail).splitlines()[:40]:
                print(f"#   {line}")
        else:
            print(f"FAIL {name}: {detail}")
        return False

    def fail(self, name, detail=""):
        """A failure found without a condition to test (a crash, bad output)."""
        return self.check(name, False, detail)

    def skip(self, name, why):
        """A check that could not run here, with the reason; never a pass."""
        self.skipped += 1
        name = self.prefix + str(name)
        if self.tap:
            print(f"ok {self._n()} - {name} # SKIP {why}")
        else:
            print(f"skip {name}: {why}")

    def differs(self, name, why):
        """An answer that differs from a peer's on purpose, for the documented
        reason @why: neither a pass nor a failure, counted apart."""
        self.differ += 1
        print(f"differs (documented) {self.prefix}{name}: {why}")

    def tempdir(self, prefix):
        """A new temporary directory, removed by finish() unless a check
        failed (then kept, and named, for inspection)."""
        d = tempfile.mkdtemp(prefix=prefix)
        self._tempdirs.append(d)
        return d

    def line(self, suite):
        s = f"{suite}: {self.passed} passed, {self.failed} failed, {self.skipped} skipped"
        if self.differ:
            s += f", {self.differ} differ (documented)"
        return s

    def finish(self, suite, results_dir=None):
        """The results line, RESULTS_DIR/SUITE, the temporary directories;
        the exit status (1 when a check failed)."""
        for d in self._tempdirs:
            if self.failed:
                print(f"{suite}: kept {d} for inspection")
            else:
                shutil.rmtree(d, ignore_errors=True)
        del self._tempdirs[:]
        print(self.line(suite))
        sys.stdout.flush()
        if results_dir:
            os.makedirs(results_dir, exist_ok=True)
            with open(os.path.join(results_dir, suite), "w") as f:
                f.write(f"{self.passed} {self.failed} {self.skipped} {self.differ}\n")
        return 1 if self.failed else 0


# The process's suite, and its methods as functions.
SUITE = Suite()
configure = SUITE.configure
check = SUITE.check
fail = SUITE.fail
skip = SUITE.skip
differs = SUITE.differs
tempdir = SUITE.tempdir
finish = SUITE.finish
