# SPDX-License-Identifier: MIT
# libFuzzer targets (clang, ASan + UBSan) for every parser that reads input
# we do not control, each built against all of lib/ (the linker keeps what is
# used) into $(BUILD)/fuzz/bin/.
#   make fuzz-smoke                 each target a few seconds (a check suite)
#   make fuzz FUZZ_TIME=600         each target FUZZ_TIME seconds
# Seeds are read in place at run time (tests/fixtures, ../shared/peer-fixtures
# when present, tests/fuzz/corpus); what a run finds goes to $(BUILD)/fuzz/.
FUZZ_TARGETS := manifest kvfile distro json sig mountinfo
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/bin/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SMOKE_TIME ?= 4
# clang knows no -Wno-format-truncation (a gcc flag GT_CFLAGS may carry).
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$(filter-out -Wno-format-truncation,$(GT_CFLAGS)) -DGT_SHA256_OPENSSL
FUZZ_LIBS := -lcrypto -lsodium

$(BUILD)/fuzz/bin/fuzz_mountinfo: FUZZ_LIBS += $(shell $(PKG_CONFIG) --cflags --libs mount 2>/dev/null || echo -lmount)
# The payload selection is the installer's (actions/plan.c), fuzzed on what parses.
FUZZ_SRCS :=
$(BUILD)/fuzz/bin/fuzz_manifest: FUZZ_SRCS += installer/actions/plan.c
$(BUILD)/fuzz/bin/fuzz_manifest: installer/actions/plan.c
$(BUILD)/fuzz/bin/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -Iinstaller $< $(LIB_SRCS) $(FUZZ_SRCS) $(FUZZ_LIBS) -o $@

.PHONY: fuzz-smoke fuzz check-fuzz-smoke
fuzz-smoke: $(FUZZ_BINS) $(BUILD)/host/mkisotool
	@mkdir -p $(BUILD)/results
	@MKISOTOOL=$(BUILD)/host/mkisotool tests/fuzz/run.sh $(BUILD) $(FUZZ_SMOKE_TIME) \
		fuzz-smoke $(FUZZ_TARGETS)
fuzz: $(FUZZ_BINS) $(BUILD)/host/mkisotool
	@mkdir -p $(BUILD)/results
	@MKISOTOOL=$(BUILD)/host/mkisotool tests/fuzz/run.sh $(BUILD) $(FUZZ_TIME) \
		fuzz $(FUZZ_TARGETS)
check-fuzz-smoke: fuzz-smoke
CHECK_SUITES += check-fuzz-smoke
