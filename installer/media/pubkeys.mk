# SPDX-License-Identifier: MIT
# The installer's trusted public keys, fixed at build time:
#   make PUBKEYS="release.pub backup.pub" static
# scripts/gen-pubkeys.sh checks each file and writes $(BUILD)/gen/pubkeys.h,
# which installer/media/sigcheck.c includes. With no PUBKEYS the installer has no
# key and checks no signature (it says so with `install -v`). The header is
# rewritten only when its content changes, so changing PUBKEYS rebuilds
# sigcheck.o and relinks, and an unchanged one rebuilds nothing.
PUBKEYS ?=
PUBKEYS_H := $(BUILD)/gen/pubkeys.h
SIGCHECK_OBJS := $(call objs,host,installer/media/sigcheck.c) \
	$(call objs,asan,installer/media/sigcheck.c) $(call objs,static,installer/media/sigcheck.c)

.PHONY: gt-pubkeys-always
gt-pubkeys-always:
$(PUBKEYS_H): gt-pubkeys-always
	@scripts/gen-pubkeys.sh $@ $(PUBKEYS)
$(SIGCHECK_OBJS): $(PUBKEYS_H)
$(SIGCHECK_OBJS): CPPFLAGS += -I$(BUILD)/gen
$(call objs,static,installer/media/sigcheck.c): STATIC_CFLAGS += -I$(BUILD)/gen
