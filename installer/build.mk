# SPDX-License-Identifier: MIT
# installer/: the guest-side CLI, a folder per concern (docs/HACKING.md):
#   cli/ front end, detect/, media/, transaction/, actions/, testseam/.
# Everything but cli/main.c goes into libinstaller.a so that unit tests can
# link the units one by one. Installer sources include each other's headers
# by folder ("detect/virt.h"), hence -Iinstaller for them alone.
INSTALLER_SRCS := $(filter-out installer/cli/main.c,$(wildcard installer/*/*.c \
	installer/*/*/*.c))
$(call objs,host,installer/cli/main.c $(INSTALLER_SRCS)) \
$(call objs,asan,installer/cli/main.c $(INSTALLER_SRCS)): CPPFLAGS += -Iinstaller
$(call objs,static,installer/cli/main.c $(INSTALLER_SRCS)): STATIC_CFLAGS += -Iinstaller
INSTALLER_HOST_LIBS := $(shell $(PKG_CONFIG) --libs mount blkid libarchive 2>/dev/null) \
	$(LIBGT_HOST_LIBS)

$(BUILD)/host/libinstaller.a: $(call objs,host,$(INSTALLER_SRCS))
$(BUILD)/asan/libinstaller.a: $(call objs,asan,$(INSTALLER_SRCS))
$(BUILD)/static/libinstaller.a: $(call objs,static,$(INSTALLER_SRCS))

$(BUILD)/host/installer: $(call objs,host,installer/cli/main.c) $(BUILD)/host/libinstaller.a \
		$(BUILD)/host/libgt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS)
$(BUILD)/asan/installer: $(call objs,asan,installer/cli/main.c) $(BUILD)/asan/libinstaller.a \
		$(BUILD)/asan/libgt.a
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS)
$(BUILD)/static/installer: $(call objs,static,installer/cli/main.c) \
		$(BUILD)/static/libinstaller.a $(BUILD)/static/libgt.a
	$(STATIC_CC) $(STATIC_LDFLAGS) -Wl,--gc-sections -o $@ $^ $(STATIC_LIBS)
# The product: stripped, and refused unless it really is static.
$(BUILD)/installer: $(BUILD)/static/installer
	strip -o $@ $<
	@if readelf -l $@ | grep -q INTERP; then \
		echo "installer: $@ has a program interpreter: not static" >&2; rm -f $@; exit 1; fi

HOST_PRODUCTS += $(BUILD)/host/installer
STATIC_PRODUCTS += $(BUILD)/installer
include installer/media/pubkeys.mk

# The test build: the same installer with its test seams live (testseam.c
# compiled once more, with -DGT_TEST_SEAMS, into testseam-live.o, linked
# ahead of libinstaller.a so that the archive's inert testseam.o is never
# pulled in). The fault tests run it; build/installer and the ISO never
# carry the seams (tests/integration checks that the product ignores them).
TESTSEAM_SRC := installer/testseam/testseam.c
$(BUILD)/host/obj/installer/testseam/testseam-live.o: $(TESTSEAM_SRC) | deps
	@mkdir -p $(@D)
	$(CC) $(GT_CFLAGS) $(HOST_CFLAGS) $(CPPFLAGS) $(CFLAGS) -Iinstaller -DGT_TEST_SEAMS \
		-MMD -MP -c $< -o $@
$(BUILD)/asan/obj/installer/testseam/testseam-live.o: $(TESTSEAM_SRC) | deps
	@mkdir -p $(@D)
	$(CC) $(GT_CFLAGS) $(ASAN_CFLAGS) $(CPPFLAGS) -Iinstaller -DGT_TEST_SEAMS -MMD -MP \
		-c $< -o $@
$(BUILD)/static/obj/installer/testseam/testseam-live.o: $(TESTSEAM_SRC) | deps
	@mkdir -p $(@D)
	$(STATIC_CC) $(GT_CFLAGS) $(STATIC_OPT) $(STATIC_CFLAGS) -Iinstaller -DGT_TEST_SEAMS \
		-MMD -MP -c $< -o $@
$(BUILD)/host/installer-test: $(call objs,host,installer/cli/main.c) \
		$(BUILD)/host/obj/installer/testseam/testseam-live.o $(BUILD)/host/libinstaller.a \
		$(BUILD)/host/libgt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS)
$(BUILD)/asan/installer-test: $(call objs,asan,installer/cli/main.c) \
		$(BUILD)/asan/obj/installer/testseam/testseam-live.o $(BUILD)/asan/libinstaller.a \
		$(BUILD)/asan/libgt.a
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS)
$(BUILD)/static/installer-test: $(call objs,static,installer/cli/main.c) \
		$(BUILD)/static/obj/installer/testseam/testseam-live.o \
		$(BUILD)/static/libinstaller.a $(BUILD)/static/libgt.a
	$(STATIC_CC) $(STATIC_LDFLAGS) -Wl,--gc-sections -o $@ $^ $(STATIC_LIBS)
# Stripped, for the e2e rig's test ISO (tests/e2e/build.mk), never the real one.
$(BUILD)/installer-test: $(BUILD)/static/installer-test
	strip -o $@ $<
HOST_PRODUCTS += $(BUILD)/host/installer-test
STATIC_PRODUCTS += $(BUILD)/static/installer-test $(BUILD)/installer-test
