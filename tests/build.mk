# SPDX-License-Identifier: MIT
# Test suites. Each suite is a make target that writes
# "passed failed skipped" to $(BUILD)/results/<suite> (see scripts/test-summary.sh).
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_HOST := $(patsubst tests/unit/%.c,$(BUILD)/host/tests/%,$(UNIT_SRCS))
UNIT_ASAN := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))

# Unit tests may include installer headers; lib/ may not (hence not in GT_CFLAGS).
$(BUILD)/host/obj/tests/%.o $(BUILD)/asan/obj/tests/%.o: CPPFLAGS += -Iinstaller

$(BUILD)/host/tests/%: $(BUILD)/host/obj/tests/unit/%.o $(BUILD)/host/libinstaller.a \
		$(BUILD)/host/libgt.a
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(INSTALLER_HOST_LIBS) $(CMOCKA_LIBS)
$(BUILD)/asan/tests/%: $(BUILD)/asan/obj/tests/unit/%.o $(BUILD)/asan/libinstaller.a \
		$(BUILD)/asan/libgt.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS) $(CMOCKA_LIBS)

# Keep the unit test objects (pattern-rule intermediates) between runs. Only
# these: a bare .SECONDARY makes every target an intermediate, and make then
# skips a new lib/*.o whose source is older than the archive (a merged file).
.SECONDARY: $(patsubst tests/unit/%.c,$(BUILD)/host/obj/tests/unit/%.o,$(UNIT_SRCS)) \
	$(patsubst tests/unit/%.c,$(BUILD)/asan/obj/tests/unit/%.o,$(UNIT_SRCS))
.PHONY: check-unit check-asan check-cli check-peer check-integration check-format \
	check-integration-asan check-integration-valgrind check-i686 check-static-deps
# Unit tests find their fixtures through GT_FIXTURES.
check-unit: $(UNIT_HOST)
	@GT_FIXTURES=tests/fixtures scripts/run-cmocka.sh unit $(BUILD)/results $^
# The sanitizer run: unit tests, then the CLI and peer suites on the ASan binary.
# The CLI suites make media with build/mkisotool (the install advice test).
check-asan: $(UNIT_ASAN) $(BUILD)/asan/installer $(BUILD)/mkisotool
	@rc=0; export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 GT_FIXTURES=tests/fixtures; \
	scripts/run-cmocka.sh asan-unit $(BUILD)/results $(UNIT_ASAN) || rc=1; \
	INSTALLER=$(BUILD)/asan/installer $(PYTHON) tests/cli/run.py asan-cli \
		$(BUILD)/results || rc=1; \
	INSTALLER=$(BUILD)/asan/installer $(PYTHON) tests/cli/test_collect.py asan-collect \
		$(BUILD)/results || rc=1; \
	INSTALLER=$(BUILD)/asan/installer GT_PEER_SUITE=asan-peer \
		$(PYTHON) tests/peer/run.py $(BUILD)/results >/dev/null || rc=1; \
	exit $$rc
# The product itself: the static binary that goes on the ISO.
check-cli: static $(BUILD)/mkisotool
	@INSTALLER=$(BUILD)/installer $(PYTHON) tests/cli/run.py cli $(BUILD)/results
	@INSTALLER=$(BUILD)/installer $(PYTHON) tests/cli/test_collect.py cli-collect $(BUILD)/results
check-peer: static
	@INSTALLER=$(BUILD)/installer $(PYTHON) tests/peer/run.py $(BUILD)/results
# The 32-bit installer that goes on the ISO, through the same suites. Where
# this x86_64 kernel refuses 32-bit programs (ENOEXEC: IA-32 emulation off, as
# on PVM hosts), the binary runs under qemu-i386-static (user-mode emulation:
# the same i686 code, its system calls translated) and the suites say so;
# without QEMU they are skipped, counted as skips.
I686_RUN := $(BUILD)/i686/installer
check-i686: i686 $(BUILD)/mkisotool
	@if $(I686_RUN) --version >/dev/null 2>&1; then run=$(I686_RUN); \
	elif command -v qemu-i386-static >/dev/null; then \
		echo "check-i686: this kernel cannot execute 32-bit programs; running the i686 installer under qemu-i386-static"; \
		run=tests/lib/qemu-i386-installer; \
	else \
		echo "check-i686: skipped: this kernel cannot execute 32-bit programs and qemu-i386-static is not installed (make deps-check)"; \
		for s in cli-i686 cli-collect-i686 peer-i686; do echo "0 0 1" >$(BUILD)/results/$$s; done; \
		exit 0; \
	fi; \
	export GT_I686_INSTALLER=$(abspath $(I686_RUN)) INSTALLER=$$run; rc=0; \
	$(PYTHON) tests/cli/run.py cli-i686 $(BUILD)/results || rc=1; \
	$(PYTHON) tests/cli/test_collect.py cli-collect-i686 $(BUILD)/results || rc=1; \
	GT_PEER_SUITE=peer-i686 $(PYTHON) tests/peer/run.py $(BUILD)/results >/dev/null || rc=1; \
	exit $$rc
# Real package tools into real roots, real ISOs (needs root and the static build).
INTEGRATION_RUN = MKISOTOOL=$(BUILD)/mkisotool REAL_ISO=$(BUILD)/guest-tools.iso \
	$(PYTHON) tests/integration/run.py $(BUILD)/results
check-integration: static iso
	@INSTALLER=$(BUILD)/installer INSTALLER_TEST=$(BUILD)/static/installer-test \
		$(INTEGRATION_RUN)
# The same suite on the ASan+UBSan build, and under valgrind's memcheck on
# the host build: exit codes and checks as above, and any report the
# installer leaves in $(BUILD)/reports/<suite> fails the run (the folder is
# world-writable, sticky: one test runs detect as nobody).
REPORTS := $(abspath $(BUILD))/reports
check-integration-asan: static iso $(BUILD)/asan/installer $(BUILD)/asan/installer-test
	@rm -rf $(REPORTS)/asan-integration && mkdir -p -m 1777 $(REPORTS)/asan-integration
	@ASAN_OPTIONS=detect_leaks=1:log_path=$(REPORTS)/asan-integration/asan \
		UBSAN_OPTIONS=print_stacktrace=1:log_path=$(REPORTS)/asan-integration/ubsan \
		GT_SUITE=asan-integration GT_REPORT_DIR=$(REPORTS)/asan-integration \
		INSTALLER=$(BUILD)/asan/installer INSTALLER_TEST=$(BUILD)/asan/installer-test \
		$(INTEGRATION_RUN)
check-integration-valgrind: static iso $(BUILD)/host/installer $(BUILD)/host/installer-test
	@rm -rf $(REPORTS)/valgrind-integration && mkdir -p -m 1777 $(REPORTS)/valgrind-integration
	@if ! command -v valgrind >/dev/null; then \
		echo "valgrind-integration: skipped: valgrind is not installed (make deps-check)"; \
		echo "0 0 1" >$(BUILD)/results/valgrind-integration; \
	else \
		GT_VALGRIND_INSTALLER=$(abspath $(BUILD))/host/installer \
		GT_VALGRIND_INSTALLER_TEST=$(abspath $(BUILD))/host/installer-test \
		GT_VALGRIND_LOG_DIR=$(REPORTS)/valgrind-integration \
		GT_SUITE=valgrind-integration GT_REPORT_DIR=$(REPORTS)/valgrind-integration \
		GT_REPORT_EXPECTED=1 \
		INSTALLER=tests/integration/valgrind-installer \
		INSTALLER_TEST=tests/integration/valgrind-installer-test $(INTEGRATION_RUN); \
	fi
check-format:
	@if scripts/format-check.sh; then echo "1 0 0"; else echo "0 1 0"; fi \
		> $(BUILD)/results/format
# The static prefix: a lock no archive can satisfy stops every make path to it
# within a minute with the script's message (no make loop); the fallback warns.
check-static-deps: | deps
	@tests/static-deps/run.sh static-deps $(BUILD)/results
# prepare-hvm on Debian PV guest roots and disk images (needs root; the
# product for --root, the test build for the kill, chroot for the live case).
.PHONY: check-prepare-hvm
check-prepare-hvm: static
	@INSTALLER=$(BUILD)/installer INSTALLER_TEST=$(BUILD)/static/installer-test \
		$(PYTHON) tests/prepare_hvm/run.py $(BUILD)/results
CHECK_SUITES += check-prepare-hvm
CHECK_SUITES += check-unit check-asan check-cli check-peer check-integration check-format \
	check-integration-asan check-integration-valgrind check-i686 check-static-deps
# The Ansible collection and the cloud-init snippet in contrib/, run for real:
# ansible-playbook against two chroot copies of the integration suite's Debian
# root (needs root and the ISO), ansible-lint, cloud-init schema.
.PHONY: check-fleet
check-fleet: iso
	@REAL_ISO=$(BUILD)/guest-tools.iso $(PYTHON) tests/fleet/run.py $(BUILD)/results
CHECK_SUITES += check-fleet
# Checks of the sources themselves, no build needed: the Python suites' one
# harness (tests/lib/harness.py) and that every suite counts through it;
# every message the programs print whole on one source line; the rule of the
# arrows (docs/HACKING.md: front ends -> concern folders -> lib/, never back;
# lib/ never prints; installer modules return their errors).
.PHONY: check-harness check-messages check-layers
check-harness: SOURCE_CHECK := tests/lib/test_harness.py
check-messages: SOURCE_CHECK := tests/style/check_messages.py
check-layers: SOURCE_CHECK := tests/style/check_layers.py
check-harness check-messages check-layers:
	@mkdir -p $(BUILD)/results
	@$(PYTHON) $(SOURCE_CHECK) $(BUILD)/results
CHECK_SUITES += check-harness check-messages check-layers
# The man pages in docs/ list the options --help lists (SYNOPSIS and OPTIONS,
# each command and subcommand) and render without a groff warning.
.PHONY: check-manpages
check-manpages: $(BUILD)/host/installer $(BUILD)/host/mkisotool $(BUILD)/host/guest-agent
	@mkdir -p $(BUILD)/results
	@INSTALLER=$(BUILD)/host/installer MKISOTOOL=$(BUILD)/host/mkisotool \
		GUEST_AGENT=$(BUILD)/host/guest-agent \
		$(PYTHON) tests/style/check_manpages.py $(BUILD)/results
CHECK_SUITES += check-manpages
