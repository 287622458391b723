/* SPDX-License-Identifier: MIT */
/* The machine architecture of a root, in uname -m spelling. */
#ifndef GT_ARCH_H
#define GT_ARCH_H

#include "root.h"

/*
 * gt_arch_detect - "x86_64", "i686", "aarch64"... or "unknown".
 * On the host: uname(2). Under --root: the ELF header of DIR/bin/sh (then
 * DIR/usr/bin/env), else the first line of DIR/.guest-tools/arch (written
 * by `installer collect`). Returns a static string.
 */
const char *gt_arch_detect(const struct gt_root *root);

/* gt_arch_from_elf - the architecture an ELF header names, or NULL. */
const char *gt_arch_from_elf(const unsigned char *hdr, size_t len);

#endif
