/* SPDX-License-Identifier: MIT */
/*
 * Installing and removing a payload package with the distribution's own
 * tool: dpkg for deb, rpm for rpm (both with --root for a guest image), and
 * for tgz the extractor of actions/tgz.h. Package names are checked against
 * their family's grammar (transaction/names.h) and always passed after "--",
 * which dpkg's and rpm's option parsers (lib/dpkg/options.c, popt) take as
 * the end of the options.
 */
#ifndef GT_PKG_H
#define GT_PKG_H

#include <stddef.h>

#include "root.h"

struct gt_journal;

struct gt_pkg_info {
	char *name;    /* "guest-agent" */
	char *version; /* "0.1.0-1" */
	char *arch;    /* deb: its Architecture ("i386", "all"); NULL for rpm, tgz */
};

/*
 * gt_pkg_inspect - name and version of the package file @file of @family.
 * A tgz whose file name holds no version (NAME.ARCH.tgz) gets version "":
 * the caller uses the manifest's version, the one the payload was built with.
 * Returns 0, -ENOENT (the tool is missing), -GT_EPARSE (also: a name or
 * version its family does not allow) or -ENOMEM.
 */
int gt_pkg_inspect(const char *family, const char *file, struct gt_pkg_info *out);
void gt_pkg_info_clear(struct gt_pkg_info *info);

/*
 * gt_pkg_check_arch - can the package tool of @root take @info's package?
 * deb: its architecture must be "all", dpkg's own, or one of the root's
 * foreign architectures (an amd64 dpkg given --root on an i386 image
 * refuses i386 packages). On -GT_EUNSUPPORTED, *accepted (freed by the
 * caller) lists what dpkg takes. 0 for rpm and tgz, and when dpkg cannot
 * tell (the install then reports dpkg's own error).
 */
int gt_pkg_check_arch(const struct gt_root *root, const char *family,
                      const struct gt_pkg_info *info, char **accepted);

/*
 * gt_pkg_query - what the package tool of @root says of package @name:
 * *state "installed", "not-installed", or dpkg's word for a package half-way
 * ("half-configured", "config-files"...); *version its version (NULL when
 * not installed). tgz packages are known from the installer's own record.
 * Returns 0, -EINVAL (@name is not a package name of @family), -GT_ETOOL
 * (the tool failed otherwise; its output is in the log), or -errno.
 */
int gt_pkg_query(const struct gt_root *root, const char *family, const char *name,
                 char **state, char **version);

/*
 * gt_pkg_installed_version - the version of @name installed in @root, or
 * NULL in *version when it is not (fully) installed. Returns as gt_pkg_query.
 */
int gt_pkg_installed_version(const struct gt_root *root, const char *family,
                             const char *name, char **version);

/*
 * gt_pkg_install - install @file (of @family) into @root. For tgz, @j
 * records each file before it is written. *output (may be NULL) receives
 * the tool's output for the log, @how (may be NULL) how it ended. Returns 0,
 * -GT_EESCAPE (a tgz entry tried to leave the root), -GT_ETOOL (the tool
 * failed), or another negative error.
 */
int gt_pkg_install(const struct gt_root *root, const char *family, const char *file,
                   struct gt_journal *j, char **output, char *how, size_t howlen);

/*
 * gt_pkg_remove - remove package @name (deb: purge; rpm: erase) from @root;
 * for tgz nothing (its files are undone one by one from the journal). A
 * package that is not installed is not an error. Returns 0, -EINVAL (not a
 * name of @family), -GT_ETOOL (@how says how the tool ended), or -errno.
 */
int gt_pkg_remove(const struct gt_root *root, const char *family, const char *name,
                  char *how, size_t howlen);

#endif
