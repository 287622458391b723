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
