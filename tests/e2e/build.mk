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
#                       at the prompt unmounts the CD;
#                       install-powercut-pkg, -commit: QEMU quits (QMP,
#                       no shutdown) right after that journal record, the
#                       same disk boots again, the next install must leave
#                       the guest fully installed or exactly as before;
#                       pv-to-hvm: a PV-layout Debian disk fails to boot
#                       through SeaBIOS, boots the PV way, prepare-hvm,
#                       then boots through SeaBIOS; pv-to-hvm-nogrub:
#                       prepare-hvm offline without grub-pc changes nothing)
# Which ISO: E2E_ISO, else `make iso` ($(BUILD)/guest-tools.iso). The
# scenarios that stop or kill the installer at a chosen point boot the test
# ISO: the same manifest with the installer's test build (test seams live,
# $(BUILD)/installer-test) as Linux/installer.x86_64; E2E_TEST_ISO=PATH
# gives another one. The real ISO never carries the seams.
E2E_ISO ?=
E2E_TEST_ISO ?=
E2E_SCENARIOS ?=
ifneq ($(E2E_ISO),)
E2E_ISO_PATH := $(E2E_ISO)
E2E_ISO_DEP :=
else
E2E_ISO_PATH := $(BUILD)/guest-tools.iso
E2E_ISO_DEP := iso
endif
ifneq ($(E2E_TEST_ISO),)
E2E_TEST_ISO_PATH := $(E2E_TEST_ISO)
E2E_TEST_ISO_DEP :=
else
E2E_TEST_ISO_PATH := $(BUILD)/guest-tools-test.iso
E2E_TEST_ISO_DEP := $(BUILD)/guest-tools-test.iso
endif

# The test ISO: payload/guest-tools.manifest with the x86_64 installer taken
# from the test build (and its source-dir made absolute, as the copy lives in
# $(BUILD)).
$(BUILD)/guest-tools-test.iso: $(BUILD)/mkisotool FORCE | deps static payload i686
	@sed -e 's|^source-dir \.\.$$|source-dir $(CURDIR)|' \
		-e 's|src=$${BUILD}/installer |src=$${BUILD}/installer-test |' \
		$(ISO_MANIFEST) >$(BUILD)/guest-tools-test.manifest
	@grep -q 'src=$${BUILD}/installer-test ' $(BUILD)/guest-tools-test.manifest || \
		{ echo "e2e: $(ISO_MANIFEST) no longer names \$${BUILD}/installer" >&2; exit 1; }
	$(BUILD)/mkisotool build -q -m $(BUILD)/guest-tools-test.manifest -o $@ \
		-D BUILD=$(abspath $(BUILD)) -D VERSION=$(VERSION) \
		--source-date-epoch $(ISO_SOURCE_DATE_EPOCH)

.PHONY: e2e
e2e: $(E2E_ISO_DEP) $(E2E_TEST_ISO_DEP) | deps-check
	@BUILD=$(BUILD) E2E_SCENARIOS="$(E2E_SCENARIOS)" tests/e2e/run.sh \
		--iso $(E2E_ISO_PATH) --test-iso $(E2E_TEST_ISO_PATH) --results $(BUILD)/results

# The checker's own tests: fed made-up reports, good and broken, check.py must
# accept and reject them; no VM, a second.
.PHONY: e2e-selftest
e2e-selftest:
	@$(PYTHON) tests/e2e/test_check.py $(BUILD)/results

CHECK_SUITES += e2e e2e-selftest
