# SPDX-License-Identifier: MIT
# payload/: the guest agent (a static C daemon) and its packages.
#   $(BUILD)/guest-agent                the static, stripped agent (make static)
#   $(BUILD)/payload/*.deb *.rpm *.tgz  the packages (make payload)
AGENT_SRCS := $(wildcard payload/agent/*.c)
# The agent's own messages (scripts/po2c.py --from): linked ahead of libgt.a,
# whose table of every message then stays out of the agent (lib/i18n.h).
AGENT_CATALOG := $(BUILD)/gen/i18n_catalog_agent.c
AGENT_SRCS += $(AGENT_CATALOG)
$(AGENT_CATALOG): scripts/po2c.py po/ja.po po/fr.po
	@mkdir -p $(@D)
	$(PYTHON) scripts/po2c.py $@ po/ja.po po/fr.po --from payload/agent/ --from lib/

# The PV-addons version the agent publishes (attr/PVAddons/Major, Minor,
# Micro and BuildVersion): integers, as xapi parses them with int_of_string
# (xapi_pv_driver_version.ml), with a major of 1 or more, as Xen Orchestra
# hides a 0 (xo-web vm/tab-general.js). From VERSION once it is 1.0.0 or
# later. While VERSION is 0.x it is 1.0.0, a fixed "agent that speaks
# xapi's keys" version, as xen-guest-agent does (its AGENT_VERSION_MAJOR),
# and the real version is in data/service/guest-agent/version; see
# guest-agent(8). PVADDONS_BUILD: a build number a release may set (0).
PVADDONS_BUILD ?= 0
VERSION_PARTS := $(subst ., ,$(VERSION))
ifeq ($(firstword $(VERSION_PARTS)),0)
PVADDONS_PARTS := 1 0 0 $(PVADDONS_BUILD)
else
PVADDONS_PARTS := $(wordlist 1,3,$(VERSION_PARTS) 0 0) $(PVADDONS_BUILD)
endif
ifeq ($(shell echo '$(PVADDONS_PARTS)' | grep -Ex '[0-9]+( [0-9]+){3}'),)
$(error VERSION '$(VERSION)' and PVADDONS_BUILD '$(PVADDONS_BUILD)' must be decimal integers: xapi reads attr/PVAddons/* with int_of_string)
endif
ifeq ($(shell [ $(firstword $(PVADDONS_PARTS)) -ge 1 ] && echo ok),)
$(error the PV-addons major version must be 1 or more: Xen Orchestra hides 0)
endif
AGENT_CFLAGS := -Ipayload/agent \
	-DGT_PVADDONS_MAJOR=$(word 1,$(PVADDONS_PARTS)) -DGT_PVADDONS_MINOR=$(word 2,$(PVADDONS_PARTS)) \
	-DGT_PVADDONS_MICRO=$(word 3,$(PVADDONS_PARTS)) -DGT_PVADDONS_BUILD=$(word 4,$(PVADDONS_PARTS))
# The version numbers are compiled in: rebuild when VERSION changes.
$(call objs,host,$(AGENT_SRCS)) $(call objs,asan,$(AGENT_SRCS)) \
	$(call objs,static,$(AGENT_SRCS)): VERSION
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

.PHONY: payload check-agent check-agent-packages
ifeq ($(STATIC_PREFIX),)
payload: | deps
	$(call static_make,$(PAYLOAD_ARCH),payload)
check-agent: | deps-check
	$(call static_make,$(PAYLOAD_ARCH),check-agent)
check-agent-packages: | deps-check
	$(call static_make,$(PAYLOAD_ARCH),check-agent-packages)
else
payload: $(BUILD)/payload/.stamp-$(PAYLOAD_ARCH)
# The static agent for real (tests/agent/run.sh), then through what xenopsd
# does to a running guest, key by key (tests/agent/lifecycle.py).
check-agent: $(BUILD)/guest-agent $(BUILD)/asan/guest-agent
	@rc=0; export VERSION=$(VERSION) PVADDONS="$(PVADDONS_PARTS)"; \
	AGENT=$(BUILD)/guest-agent AGENT_ASAN=$(BUILD)/asan/guest-agent \
		tests/agent/run.sh check-agent $(BUILD)/results || rc=1; \
	AGENT=$(BUILD)/guest-agent $(PYTHON) tests/agent/lifecycle.py agent-lifecycle \
		$(BUILD)/results || rc=1; \
	exit $$rc
# The deb, rpm and tgz: lint, install into fresh roots, remove, compare.
check-agent-packages: $(BUILD)/payload/.stamp-$(PAYLOAD_ARCH)
	@mkdir -p $(BUILD)/results
# The roots live outside $(BUILD): their rc?.d directories would be read
# as dependency files (the Makefile includes every *.d under $(BUILD)).
	@w=$$(mktemp -d "$${TMPDIR:-/tmp}/guest-agent-packages.XXXXXX") && \
	RESULTS_FILE=$(BUILD)/results/check-agent-packages tests/agent/packages.sh \
		"$$w/work" $(abspath $(BUILD)/payload) $(VERSION) $(PAYLOAD_ARCH); \
	rc=$$?; rm -rf "$$w"; exit $$rc
endif
CHECK_SUITES += check-agent check-agent-packages

# The agent's footprint next to xe-daemon's (bench/agent.mk).
-include bench/agent.mk
