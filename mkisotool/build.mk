# SPDX-License-Identifier: MIT
# mkisotool/: the build-side CLI (host variant only: glibc, dynamic). It
# masters the ISO with the libisofs C API and reads it back with libarchive.
MKISOTOOL_SRCS := $(wildcard mkisotool/*.c)
# XXH3 (libxxhash) is the read-back's check of every file's content.
MKISOTOOL_LIBS := -lisofs $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null || \
	echo -larchive) $(shell $(PKG_CONFIG) --libs libxxhash 2>/dev/null || \
	echo -lxxhash) -lpthread $(LIBGT_HOST_LIBS)

$(BUILD)/host/mkisotool: $(call objs,host,$(MKISOTOOL_SRCS)) $(BUILD)/host/libgt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(MKISOTOOL_LIBS)
$(BUILD)/asan/mkisotool: $(call objs,asan,$(MKISOTOOL_SRCS)) $(BUILD)/asan/libgt.a
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(MKISOTOOL_LIBS)
# The name the README and the tests use.
$(BUILD)/mkisotool: $(BUILD)/host/mkisotool
	ln -sf host/mkisotool $@

HOST_PRODUCTS += $(BUILD)/host/mkisotool $(BUILD)/mkisotool

# make iso: the image from this repository alone. The time stamp is the last
# commit's, so that two checkouts of one commit give the same image. The image
# is always remade (mkisotool takes a fraction of a second and checks every
# input itself); `static` runs first, as an order-only step, because it is a
# recursive make that produces $(BUILD)/installer.
ISO_MANIFEST ?= payload/guest-tools.manifest
ISO_SOURCE_DATE_EPOCH ?= $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)
MKISOTOOL_FLAGS ?=
$(BUILD)/guest-tools.iso: $(BUILD)/mkisotool FORCE | deps static payload i686
	$(BUILD)/mkisotool build -m $(ISO_MANIFEST) -o $@ \
		-D BUILD=$(abspath $(BUILD)) -D VERSION=$(VERSION) \
		--source-date-epoch $(ISO_SOURCE_DATE_EPOCH) $(MKISOTOOL_FLAGS)
	$(BUILD)/mkisotool verify -q $@
iso: deps static payload i686 $(BUILD)/guest-tools.iso
# The 32-bit installer and agent packages for 32-bit guests, in their own
# build directory (the static objects and libraries are per architecture).
.PHONY: i686
# STATIC_PREFIX= : never the x86_64 prefix of a make that already has one.
i686: | deps
	@$(MAKE) --no-print-directory ARCH=i686 BUILD=$(BUILD)/i686 STATIC_PREFIX= static payload
.PHONY: FORCE
FORCE:

# Tests: the shell suite drives the real binary (host build; the ASan build
# runs the same suite under the sanitizers with check-mkisotool-asan).
.PHONY: check-mkisotool check-mkisotool-asan
# The host installer reads the large images as a guest would (--dry-run).
check-mkisotool: $(BUILD)/host/mkisotool $(BUILD)/host/installer
	@MKISOTOOL=$(BUILD)/host/mkisotool INSTALLER=$(BUILD)/host/installer \
		tests/mkisotool/run.sh mkisotool $(BUILD)/results
check-mkisotool-asan: $(BUILD)/asan/mkisotool $(BUILD)/host/installer
	@MKISOTOOL=$(BUILD)/asan/mkisotool INSTALLER=$(BUILD)/host/installer \
		ASAN_OPTIONS=detect_leaks=1 tests/mkisotool/run.sh mkisotool-asan $(BUILD)/results
CHECK_SUITES += check-mkisotool check-mkisotool-asan

# Fuzzing the manifest parser: tests/fuzz/build.mk (make fuzz-smoke, make fuzz).
