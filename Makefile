# SPDX-License-Identifier: MIT
#
# guest-tools: one entry point. Each component adds its sources, programs and
# test suites in its own fragment (*/build.mk), so parts grow without touching
# each other. Variants build into $(BUILD)/<variant>/:
#   host    glibc, dynamic: mkisotool (build side), unit tests, development
#   asan    host + AddressSanitizer/UBSan, for the sanitizer test run
#   static  musl, fully static: the products that go on the ISO
# The static products are copied to $(BUILD)/ (build/installer, ...).

BUILD      ?= build
# The architecture of the static products (the installer and the agent on
# the ISO): x86_64, or i686 (make iso builds both, i686 in $(BUILD)/i686).
ARCH       ?= x86_64
CC         ?= cc
AR         ?= ar
PKG_CONFIG ?= pkg-config
PYTHON     ?= python3
WERROR     ?= 0
VERSION    := $(shell cat VERSION)

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wvla \
	-Wno-unused-parameter
# Paths are bounded on purpose (snprintf into PATH_MAX buffers); gcc only.
WARN += $(shell $(CC) -Werror -Wno-format-truncation -E -x c /dev/null >/dev/null 2>&1 \
	&& echo -Wno-format-truncation)
ifeq ($(WERROR),1)
WARN += -Werror
endif
GT_CFLAGS := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	-DGT_VERSION='"$(VERSION)"' -Ilib $(WARN)
HOST_CFLAGS := -O2 -g
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
ASAN_LDFLAGS := -fsanitize=address,undefined
STATIC_OPT := -Os -ffunction-sections -fdata-sections

# Filled by the fragments.
LIB_SRCS :=
STATIC_PRODUCTS :=
HOST_PRODUCTS :=
CHECK_SUITES :=

# $(call objs,VARIANT,SOURCES): the object files of SOURCES in VARIANT.
objs = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(2))

.PHONY: all deps deps-check static host asan check iso e2e bench install clean \
	format format-check lint summary
all: host static

deps:
	@scripts/install-deps.sh build
deps-check:
	@scripts/install-deps.sh check

include lib/build.mk

$(BUILD)/host/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(GT_CFLAGS) $(HOST_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/asan/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(GT_CFLAGS) $(ASAN_CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/static/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	$(STATIC_CC) $(GT_CFLAGS) $(STATIC_OPT) $(STATIC_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/host/libgt.a: $(call objs,host,$(LIB_SRCS))
$(BUILD)/asan/libgt.a: $(call objs,asan,$(LIB_SRCS))
$(BUILD)/static/libgt.a: $(call objs,static,$(LIB_SRCS))
%.a:
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# The static toolchain: built once from Debian sources and cached outside the
# tree (scripts/build-static-deps.sh, inputs locked in
# scripts/deps/static-sources.lock); its env.mk sets STATIC_CC and friends.
STATIC_PREFIX ?=
ifneq ($(STATIC_PREFIX),)
ifeq ($(wildcard $(STATIC_PREFIX)/env.mk),)
$(error STATIC_PREFIX=$(STATIC_PREFIX): no env.mk there (not a built prefix); leave STATIC_PREFIX unset and make builds one)
endif
include $(STATIC_PREFIX)/env.mk
ifeq ($(STATIC_CC),)
$(error STATIC_PREFIX=$(STATIC_PREFIX): its env.mk sets no STATIC_CC; remove that prefix and run make again)
endif
endif

# $(call static_make,ARCH,TARGETS): get the static prefix of ARCH from
# scripts/build-static-deps.sh (built once, then cached), then run make again
# for TARGETS with STATIC_PREFIX set. The script's own message and exit status
# stop the recipe (no pipe hides them), and an empty or unbuilt prefix is
# refused, so the inner make always has a prefix and can never come back here.
# The inner make runs at -j1 ("jobserver unavailable" under -j2) on purpose:
# handed the jobserver (a leading +), the static and payload makes of one
# architecture ran at once in one BUILD folder and raced on libgt.a.
define static_make
@prefix=$$(scripts/build-static-deps.sh --arch $(1) --quiet) || exit $$?; \
if [ -z "$$prefix" ] || [ ! -f "$$prefix/env.mk" ]; then \
	echo "make: scripts/build-static-deps.sh --arch $(1) gave no built prefix ('$$prefix'): stopping" >&2; \
	exit 1; \
fi; \
$(MAKE) --no-print-directory STATIC_PREFIX="$$prefix" $(2)
endef

include installer/build.mk
-include mkisotool/build.mk
-include payload/build.mk
-include bench/build.mk
include tests/build.mk
include po/build.mk
-include tests/e2e/build.mk
-include tests/security/build.mk tests/fuzz/build.mk
# The SBOM on the ISO and make release (before the static rule: it adds a product).
include scripts/release/build.mk
include tests/oldkernel/build.mk
include tests/release/build.mk

host: $(HOST_PRODUCTS)

ifeq ($(STATIC_PREFIX),)
static: | deps
	$(call static_make,$(ARCH),static)
else
static: $(STATIC_PRODUCTS)
endif

# Every suite writes "passed failed skipped" to $(BUILD)/results/<suite>;
# the summary line is the one CI reads.
check: deps-check
	@rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	@$(MAKE) --no-print-directory -k $(CHECK_SUITES); rc=$$?; \
	$(MAKE) --no-print-directory summary; s=$$?; \
	[ $$rc -eq 0 ] && [ $$s -eq 0 ]

summary:
	@scripts/test-summary.sh $(BUILD)/results

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	@scripts/format-check.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
