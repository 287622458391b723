# SPDX-License-Identifier: MIT
# lib/: the shared core, linked into every program as libgt.a. Every lib/*.c
# is part of it, so a new unit needs no edit here.
LIB_SRCS += $(wildcard lib/*.c)
# Host builds hash with libcrypto (fast), static ones with libsodium (see sha256.h).
HOST_CFLAGS += -DGT_SHA256_OPENSSL
ASAN_CFLAGS += -DGT_SHA256_OPENSSL
LIBGT_HOST_LIBS := -lcrypto -lsodium
# The message catalogs (po/*.po), compiled in as a table (lib/i18n_catalog.h):
# generated into $(BUILD)/gen by scripts/po2c.py, part of libgt.a.
I18N_CATALOG := $(BUILD)/gen/i18n_catalog.c
LIB_SRCS += $(I18N_CATALOG)
$(I18N_CATALOG): scripts/po2c.py po/ja.po po/fr.po
	@mkdir -p $(@D)
	$(PYTHON) scripts/po2c.py $@ po/ja.po po/fr.po
