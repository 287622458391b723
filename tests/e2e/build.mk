# SPDX-License-Identifier: MIT
# tests/e2e: the real-VM rig (docs/e2e.md). `make e2e` boots a Debian 12
# guest under QEMU with the ISO as its CD, once per scenario the ISO can
# serve, and writes "passed failed skipped" to $(BUILD)/results/e2e; it is
# also the "e2e" suite of `make check`.
#   E2E_ISO=PATH        test this ISO instead of building one
#   E2E_SCENARIOS="..." run only these (detect install install-selfmount
#                       install-tampered install-ejected
#                       install-ejected-mounted: QEMU ejects the CD over QMP
#                       while the installer runs, tests/e2e/qmp-eject.py;
#                       install-killed: kill -9 with the CD mounted, then
#                       the next install cleans up; install-sigint: Ctrl-C
#                       at the prompt unmounts the CD)
# Which ISO: E2E_ISO, else `make iso` ($(BUILD)/guest-tools.iso).
E2E_ISO ?=
E2E_SCENARIOS ?=
ifneq ($(E2E_ISO),)
E2E_ISO_PATH := $(E2E_ISO)
E2E_ISO_DEP :=
else
E2E_ISO_PATH := $(BUILD)/guest-tools.iso
E2E_ISO_DEP := iso
endif

.PHONY: e2e
e2e: $(E2E_ISO_DEP) | deps-check
	@BUILD=$(BUILD) E2E_SCENARIOS="$(E2E_SCENARIOS)" tests/e2e/run.sh \
		--iso $(E2E_ISO_PATH) --results $(BUILD)/results

# The checker's own tests: fed made-up reports, good and broken, check.py must
# accept and reject them; no VM, a second.
.PHONY: e2e-selftest
e2e-selftest:
	@$(PYTHON) tests/e2e/test_check.py $(BUILD)/results

CHECK_SUITES += e2e e2e-selftest
