# SPDX-License-Identifier: MIT
# make check-oldkernel: the static installer as if on Linux 2.6.32
# (tests/oldkernel/run.py says how and what; oldkernel-run.c is the seccomp
# supervisor, probe.c its self-test, gen-syscalls.py wrote the call lists).
OLDKERNEL_DIR := $(BUILD)/host/oldkernel
$(OLDKERNEL_DIR)/oldkernel-run: tests/oldkernel/oldkernel-run.c | deps
	@mkdir -p $(@D)
	$(CC) $(GT_CFLAGS) -O2 -o $@ $<
# Static and musl, as the installer: a dynamic probe could not even load
# under the filter (glibc's loader uses AT_EMPTY_PATH).
$(OLDKERNEL_DIR)/oldkernel-probe: tests/oldkernel/probe.c | deps
	@mkdir -p $(@D)
	musl-gcc -std=c11 -D_GNU_SOURCE -O2 -static -o $@ $<

.PHONY: check-oldkernel
check-oldkernel: static iso $(OLDKERNEL_DIR)/oldkernel-run $(OLDKERNEL_DIR)/oldkernel-probe
	@INSTALLER=$(BUILD)/installer OLDKERNEL_RUN=$(OLDKERNEL_DIR)/oldkernel-run \
		PROBE=$(OLDKERNEL_DIR)/oldkernel-probe REAL_ISO=$(BUILD)/guest-tools.iso \
		I686_INSTALLER=$(BUILD)/i686/installer \
		$(PYTHON) tests/oldkernel/run.py $(BUILD)/results
CHECK_SUITES += check-oldkernel
