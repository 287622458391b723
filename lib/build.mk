# SPDX-License-Identifier: MIT
# lib/: the shared core, linked into every program as libgt.a. Every lib/*.c
# is part of it, so a new unit needs no edit here.
LIB_SRCS += $(wildcard lib/*.c)
# Host builds hash with libcrypto (fast), static ones with libsodium (see sha256.h).
HOST_CFLAGS += -DGT_SHA256_OPENSSL
ASAN_CFLAGS += -DGT_SHA256_OPENSSL
LIBGT_HOST_LIBS := -lcrypto -lsodium
