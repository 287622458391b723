/* SPDX-License-Identifier: MIT */
/* The machine architecture of a root, in uname -m spelling. */
#ifndef GT_ARCH_H
#define GT_ARCH_H

#include "root.h"

/*
 * gt_arch_detect - "x86_64", "i686", "aarch64"... or "unknown".
 * The userland's: the ELF header of DIR/bin/sh (then DIR/usr/bin/env); if
 * neither can be read, uname(2) on the host and under --root the first line
 * of DIR/.guest-tools/arch (written by `installer collect`). A 32-bit
 * userland on a 64-bit kernel is "i686". Returns a static string.
 */
const char *gt_arch_detect(const struct gt_root *root);

/* gt_arch_from_elf - the architecture an ELF header names, or NULL. */
const char *gt_arch_from_elf(const unsigned char *hdr, size_t len);

#endif
