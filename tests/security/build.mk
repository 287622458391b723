# SPDX-License-Identifier: MIT
# check-signature: the signed manifest end to end (tests/security/run.py).
# Two fresh keys per run; an installer built with PUBKEYS=a.pub in its own
# build directory (a recursive make, so the normal build keeps its keys).
SIGTEST := $(BUILD)/sigtest
.PHONY: check-signature
check-signature: $(BUILD)/host/mkisotool $(BUILD)/host/installer
	@rm -rf $(SIGTEST)/keys && mkdir -p $(SIGTEST)/keys
	@$(BUILD)/host/mkisotool keygen -o $(SIGTEST)/keys/a >/dev/null
	@$(BUILD)/host/mkisotool keygen -o $(SIGTEST)/keys/b >/dev/null
	@$(MAKE) --no-print-directory BUILD=$(SIGTEST)/build \
		PUBKEYS=$(abspath $(SIGTEST))/keys/a.pub $(SIGTEST)/build/host/installer >/dev/null
	@INSTALLER=$(SIGTEST)/build/host/installer INSTALLER_NOKEY=$(BUILD)/host/installer \
		MKISOTOOL=$(BUILD)/host/mkisotool KEY_A=$(SIGTEST)/keys/a \
		KEY_B=$(SIGTEST)/keys/b $(PYTHON) tests/security/run.py $(BUILD)/results
# The same tests on the ASan+UBSan builds of both tools.
.PHONY: check-signature-asan
check-signature-asan: check-signature $(BUILD)/asan/mkisotool $(BUILD)/asan/installer
	@rm -rf $(REPORTS)/asan-signature && mkdir -p $(REPORTS)/asan-signature
	@$(MAKE) --no-print-directory BUILD=$(SIGTEST)/build \
		PUBKEYS=$(abspath $(SIGTEST))/keys/a.pub $(SIGTEST)/build/asan/installer >/dev/null
	@ASAN_OPTIONS=detect_leaks=1:log_path=$(REPORTS)/asan-signature/asan \
		UBSAN_OPTIONS=print_stacktrace=1:log_path=$(REPORTS)/asan-signature/ubsan \
		GT_SUITE=asan-signature GT_REPORT_DIR=$(REPORTS)/asan-signature \
		INSTALLER=$(SIGTEST)/build/asan/installer INSTALLER_NOKEY=$(BUILD)/asan/installer \
		MKISOTOOL=$(BUILD)/asan/mkisotool KEY_A=$(SIGTEST)/keys/a \
		KEY_B=$(SIGTEST)/keys/b $(PYTHON) tests/security/run.py $(BUILD)/results
CHECK_SUITES += check-signature check-signature-asan

# check-cppcheck: cppcheck's warning, performance and portability checks on
# every C directory (payload/agent/ when it exists). A finding fails; a false
# positive is suppressed inline (// cppcheck-suppress ID  with the reason).
CPPCHECK_DIRS := lib installer mkisotool $(wildcard payload/agent)
.PHONY: check-cppcheck
check-cppcheck: $(BUILD)/gen/pubkeys.h
	@mkdir -p $(BUILD)/results
	@if ! command -v cppcheck >/dev/null; then \
		echo "cppcheck: skipped: not installed (make deps-check)"; echo "0 0 1" \
			>$(BUILD)/results/cppcheck; \
	elif cppcheck -q --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -D_GNU_SOURCE -Ilib -Iinstaller -I$(BUILD)/gen \
		$(CPPCHECK_DIRS); then \
		echo "cppcheck: clean ($(CPPCHECK_DIRS))"; echo "1 0 0" >$(BUILD)/results/cppcheck; \
	else \
		echo "0 1 0" >$(BUILD)/results/cppcheck; exit 1; \
	fi
CHECK_SUITES += check-cppcheck
