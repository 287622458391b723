# SPDX-License-Identifier: MIT
# payload/: the guest agent (a static C daemon) and its packages.
#   $(BUILD)/guest-agent                the static, stripped agent (make static)
#   $(BUILD)/payload/*.deb *.rpm *.tgz  the packages (make payload)
AGENT_SRCS := $(wildcard payload/agent/*.c)
AGENT_CFLAGS := -Ipayload/agent
# make payload ARCH=i686 BUILD=build/i686: the 32-bit packages
# (a separate BUILD: the static objects are per architecture).
PAYLOAD_ARCH ?= $(ARCH)
# Package names and paths come from one place: payload/packaging/pkg.sh.
PAYLOAD_NAMES = $(shell payload/packaging/pkg.sh names $(VERSION) $(PAYLOAD_ARCH))
PAYLOAD_PKGS = $(addprefix $(BUILD)/payload/,$(PAYLOAD_NAMES))
PAYLOAD_INPUTS := $(shell find payload/packaging -type f 2>/dev/null) VERSION docs/guest-agent.8

$(call objs,host,$(AGENT_SRCS)) $(call objs,asan,$(AGENT_SRCS)) \
	$(call objs,static,$(AGENT_SRCS)): CPPFLAGS += $(AGENT_CFLAGS)
$(call objs,static,$(AGENT_SRCS)): STATIC_CFLAGS += $(AGENT_CFLAGS)

$(BUILD)/host/guest-agent: $(call objs,host,$(AGENT_SRCS)) $(BUILD)/host/libgt.a
	$(CC) $(LDFLAGS) -o $@ $^
$(BUILD)/asan/guest-agent: $(call objs,asan,$(AGENT_SRCS)) $(BUILD)/asan/libgt.a
	$(CC) $(ASAN_LDFLAGS) -o $@ $^
# The agent needs nothing but libc: no STATIC_LIBS.
$(BUILD)/static/guest-agent: $(call objs,static,$(AGENT_SRCS)) $(BUILD)/static/libgt.a
	$(STATIC_CC) $(STATIC_LDFLAGS) -Wl,--gc-sections -o $@ $^
$(BUILD)/guest-agent: $(BUILD)/static/guest-agent
	strip -o $@ $<
	@if readelf -l $@ | grep -q INTERP; then \
		echo "guest-agent: $@ has a program interpreter: not static" >&2; rm -f $@; exit 1; fi

HOST_PRODUCTS += $(BUILD)/host/guest-agent
STATIC_PRODUCTS += $(BUILD)/guest-agent

# All three packages from one staging run (one version, one file list).
$(BUILD)/payload/.stamp-$(PAYLOAD_ARCH): $(BUILD)/guest-agent $(PAYLOAD_INPUTS) | deps
	payload/packaging/pkg.sh build $(VERSION) $(PAYLOAD_ARCH) $(BUILD)/guest-agent \
		$(BUILD)/payload
	@touch $@

.PHONY: payload check-agent
ifeq ($(STATIC_PREFIX),)
payload: | deps
	+$(call static_make,$(PAYLOAD_ARCH),payload)
check-agent: | deps-check
	+$(call static_make,$(PAYLOAD_ARCH),check-agent)
else
payload: $(BUILD)/payload/.stamp-$(PAYLOAD_ARCH)
check-agent: $(BUILD)/payload/.stamp-$(PAYLOAD_ARCH) $(BUILD)/asan/guest-agent
	@AGENT=$(BUILD)/guest-agent AGENT_ASAN=$(BUILD)/asan/guest-agent \
		PAYLOAD_DIR=$(BUILD)/payload VERSION=$(VERSION) PAYLOAD_ARCH=$(PAYLOAD_ARCH) \
		tests/agent/run.sh check-agent $(BUILD)/results
endif
CHECK_SUITES += check-agent
