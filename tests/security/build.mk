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
# The agent's version macros come from payload/build.mk (AGENT_CFLAGS).
CPPCHECK_DIRS := lib installer mkisotool $(wildcard payload/agent)
.PHONY: check-cppcheck
check-cppcheck: $(BUILD)/gen/pubkeys.h
	@mkdir -p $(BUILD)/results
	@if ! command -v cppcheck >/dev/null; then \
		echo "cppcheck: skipped: not installed (make deps-check)"; echo "0 0 1" \
			>$(BUILD)/results/cppcheck; \
	elif cppcheck -q --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -D_GNU_SOURCE -Ilib -Iinstaller -I$(BUILD)/gen \
		$(filter -D%,$(AGENT_CFLAGS)) $(CPPCHECK_DIRS); then \
		echo "cppcheck: clean ($(CPPCHECK_DIRS))"; echo "1 0 0" >$(BUILD)/results/cppcheck; \
	else \
		echo "0 1 0" >$(BUILD)/results/cppcheck; exit 1; \
	fi
CHECK_SUITES += check-cppcheck

# check-clang-tidy: clang-tidy with the top .clang-tidy (the check set, and the
# reason for each exclusion, are there) on every C file, with the host build's
# flags; lib/sha256.c once more as the static build compiles it (libsodium).
# Files run TIDY_JOBS at a time (scripts/clang-tidy-run.sh). A false positive
# is suppressed inline, with the reason:  // NOLINT(check-name): why
# TIDY_SKIP: files not to check (named in the output); none today.
TIDY_SKIP ?=
TIDY_SRCS := $(filter-out $(TIDY_SKIP),$(wildcard lib/*.c installer/*/*.c installer/*/*/*.c \
	mkisotool/*.c payload/agent/*.c))
TIDY_CFLAGS = $(filter-out -Werror,$(GT_CFLAGS) $(HOST_CFLAGS)) \
	-Wno-unknown-warning-option -Iinstaller $(AGENT_CFLAGS) -I$(BUILD)/gen \
	$(shell $(PKG_CONFIG) --cflags libarchive mount blkid libsodium 2>/dev/null)
TIDY_JOBS ?= 2
.PHONY: check-clang-tidy
check-clang-tidy: $(BUILD)/gen/pubkeys.h
	@mkdir -p $(BUILD)/results
	@if ! command -v clang-tidy >/dev/null; then \
		echo "clang-tidy: skipped: not installed (make deps-check)"; echo "0 0 1" \
			>$(BUILD)/results/clang-tidy; \
	elif { scripts/clang-tidy-run.sh $(TIDY_JOBS) $(TIDY_SRCS) -- $(TIDY_CFLAGS); \
		r1=$$?; scripts/clang-tidy-run.sh 1 lib/sha256.c -- $(TIDY_CFLAGS) \
			-UGT_SHA256_OPENSSL; r2=$$?; [ $$r1 -eq 0 ] && [ $$r2 -eq 0 ]; }; then \
		echo "clang-tidy: clean ($(words $(TIDY_SRCS)) files, checks in .clang-tidy)"; \
		$(if $(TIDY_SKIP),echo "clang-tidy: not checked (TIDY_SKIP): $(TIDY_SKIP)";) \
		echo "1 0 0" >$(BUILD)/results/clang-tidy; \
	else \
		echo "clang-tidy: findings above (see .clang-tidy)"; \
		echo "0 1 0" >$(BUILD)/results/clang-tidy; exit 1; \
	fi
CHECK_SUITES += check-clang-tidy
