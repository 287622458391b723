# SPDX-License-Identifier: MIT
# Test suites. Each suite is a make target that writes
# "passed failed skipped" to $(BUILD)/results/<suite> (see scripts/test-summary.sh).
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_HOST := $(patsubst tests/unit/%.c,$(BUILD)/host/tests/%,$(UNIT_SRCS))
UNIT_ASAN := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))

$(BUILD)/host/tests/%: $(BUILD)/host/obj/tests/unit/%.o $(BUILD)/host/libinstaller.a \
		$(BUILD)/host/libgt.a
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(INSTALLER_HOST_LIBS) $(CMOCKA_LIBS)
$(BUILD)/asan/tests/%: $(BUILD)/asan/obj/tests/unit/%.o $(BUILD)/asan/libinstaller.a \
		$(BUILD)/asan/libgt.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS) $(CMOCKA_LIBS)

.PHONY: check-unit check-asan check-cli check-peer
# Unit tests find their fixtures through GT_FIXTURES.
check-unit: $(UNIT_HOST)
	@GT_FIXTURES=tests/fixtures scripts/run-cmocka.sh unit $(BUILD)/results $^
check-asan: $(UNIT_ASAN) $(BUILD)/asan/installer
	@GT_FIXTURES=tests/fixtures ASAN_OPTIONS=detect_leaks=1 \
		scripts/run-cmocka.sh asan-unit $(BUILD)/results $(UNIT_ASAN)
	@INSTALLER=$(BUILD)/asan/installer tests/cli/run.sh asan-cli $(BUILD)/results
check-cli: static
	@INSTALLER=$(BUILD)/installer tests/cli/run.sh cli $(BUILD)/results
check-peer: static
	@INSTALLER=$(BUILD)/installer $(PYTHON) tests/peer/run.py $(BUILD)/results
CHECK_SUITES += check-unit check-asan check-cli check-peer
