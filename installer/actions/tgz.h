/* SPDX-License-Identifier: MIT */
/*
 * The tgz payload's extractor: libarchive, writing each entry below a parent
 * resolved inside the root, refusing "..", absolute paths, hard links,
 * devices, entries written through a symlink the payload itself made, paths
 * too long to hold, more than 10000 entries or 1 GiB; set-user-ID bits are
 * stripped. Every file is recorded in the journal (and what it replaces
 * backed up) before it is written, and synced before the run's commit.
 */
#ifndef GT_TGZ_H
#define GT_TGZ_H

#include <stddef.h>

#include "root.h"

struct gt_journal;

/*
 * gt_tgz_entry_path - the canonical form of tar member name @in, relative
 * ("usr/bin/x"): "//", "/./", a leading "./" and a trailing "/" are dropped,
 * so that one path has one spelling (the own-link check compares spellings).
 * *out is "" for the archive's top ("./"). Returns 0, -GT_EESCAPE (absolute,
 * or a ".." component), -ENAMETOOLONG (the whole path from the root
 * would not fit PATH_MAX, or a component NAME_MAX: refused, never cut
 * short), or -ENOMEM.
 */
int gt_tgz_entry_path(const char *in, char **out);

/*
 * gt_tgz_install - extract @file into @root through journal @j.
 * Returns 0, -GT_EESCAPE, -GT_ETOOBIG, -GT_EPARSE, -ENAMETOOLONG, -EIO
 * (@why then says why, naming the file and the entry), or -errno.
 */
int gt_tgz_install(const struct gt_root *root, const char *file, struct gt_journal *j,
                   char *why, size_t whylen);

/*
 * gt_tgz_installed_version - the version of tgz package @name the installed
 * record of @root names, or NULL. Returns 0 or -errno (a record that cannot
 * be read).
 */
int gt_tgz_installed_version(const struct gt_root *root, const char *name,
                             char **version);

#endif
