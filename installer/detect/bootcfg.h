/* SPDX-License-Identifier: MIT */
/*
 * The boot loader's configuration as pygrub and the boot loaders read it:
 * GRUB 2's grub.cfg (menuentry blocks, "set default="), GRUB legacy's
 * menu.lst / grub.conf ("default N", title/kernel/initrd), extlinux.conf
 * (DEFAULT, LABEL, KERNEL/LINUX, INITRD, APPEND). Only what decides which
 * kernel boots by default, with which initramfs and command line.
 */
#ifndef GT_BOOTCFG_H
#define GT_BOOTCFG_H

#include <stddef.h>

#include "root.h"

enum gt_bootcfg_kind { GT_BOOTCFG_GRUB2, GT_BOOTCFG_GRUB_LEGACY, GT_BOOTCFG_EXTLINUX };

struct gt_bootcfg_entry {
	char *title;   /* menuentry title, GRUB legacy title, extlinux LABEL */
	char *kernel;  /* the image as written ("/vmlinuz-...", "/boot/vmlinuz-...") */
	char *initrd;  /* as written, or NULL */
	char *cmdline; /* the kernel's arguments, or "" */
	size_t line;   /* 1-based line of the kernel statement */
};

struct gt_bootcfg {
	enum gt_bootcfg_kind kind;
	char *path; /* the file read, in the root ("/boot/grub/grub.cfg") */
	struct gt_bootcfg_entry *entries;
	size_t nentries;
	char *default_spec; /* as written ("0", "saved", an id or a title), or NULL */
	int default_index;  /* the default entry, -1 when none can be resolved */
};

/* "grub2", "grub-legacy", "extlinux". */
const char *gt_bootcfg_kind_name(enum gt_bootcfg_kind k);

/*
 * gt_bootcfg_parse - parse @len bytes of @text as a @kind configuration.
 * GRUB 2 submenus are flattened in order (so "1>2" does not resolve: -1);
 * "saved" resolves through @saved_entry when not NULL (grubenv's
 * saved_entry). On success *out holds the result (gt_bootcfg_free()), its
 * path NULL. Returns 0 or -ENOMEM.
 */
int gt_bootcfg_parse(enum gt_bootcfg_kind kind, const char *text, size_t len,
                     const char *saved_entry, struct gt_bootcfg **out);

/*
 * gt_bootcfg_read - the configuration in @root that the boot loader of kind
 * @prefer reads (what the MBR holds; -1 when not known: then the first one
 * present in the order pygrub looks: grub.cfg under /boot/grub, /grub,
 * /boot/grub2, /grub2; extlinux.conf under /boot/extlinux, /boot,
 * /extlinux, /; menu.lst and grub.conf under /boot/grub, /grub). "saved"
 * defaults are resolved through /boot/grub/grubenv (GRUB 2) or
 * /boot/grub/default (GRUB legacy). Returns 0, -ENOENT when there is none,
 * -ENOMEM, or the -errno of one that exists but cannot be read.
 */
int gt_bootcfg_read(const struct gt_root *root, int prefer, struct gt_bootcfg **out);
void gt_bootcfg_free(struct gt_bootcfg *c);

#endif
