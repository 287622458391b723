# SPDX-License-Identifier: MIT
# installer/: the guest-side CLI. Everything but main.c goes into
# libinstaller.a so that unit tests can link the units one by one.
INSTALLER_SRCS := $(filter-out installer/main.c,$(wildcard installer/*.c))
INSTALLER_HOST_LIBS := $(shell $(PKG_CONFIG) --libs mount blkid libarchive 2>/dev/null) \
	$(LIBGT_HOST_LIBS)

$(BUILD)/host/libinstaller.a: $(call objs,host,$(INSTALLER_SRCS))
$(BUILD)/asan/libinstaller.a: $(call objs,asan,$(INSTALLER_SRCS))
$(BUILD)/static/libinstaller.a: $(call objs,static,$(INSTALLER_SRCS))

$(BUILD)/host/installer: $(call objs,host,installer/main.c) $(BUILD)/host/libinstaller.a \
		$(BUILD)/host/libgt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS)
$(BUILD)/asan/installer: $(call objs,asan,installer/main.c) $(BUILD)/asan/libinstaller.a \
		$(BUILD)/asan/libgt.a
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(INSTALLER_HOST_LIBS)
$(BUILD)/static/installer: $(call objs,static,installer/main.c) \
		$(BUILD)/static/libinstaller.a $(BUILD)/static/libgt.a
	$(STATIC_CC) $(STATIC_LDFLAGS) -Wl,--gc-sections -o $@ $^ $(STATIC_LIBS)
# The product: stripped, and refused unless it really is static.
$(BUILD)/installer: $(BUILD)/static/installer
	strip -o $@ $<
	@if readelf -l $@ | grep -q INTERP; then \
		echo "installer: $@ has a program interpreter: not static" >&2; rm -f $@; exit 1; fi

HOST_PRODUCTS += $(BUILD)/host/installer
STATIC_PRODUCTS += $(BUILD)/installer
include installer/pubkeys.mk
