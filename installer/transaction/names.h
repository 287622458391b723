/* SPDX-License-Identifier: MIT */
/*
 * The names the installer hands to package and init tools as arguments.
 * Those read back from the journal or the installed record come from the
 * guest, which under --root is a hostile image: a "package name" of
 * --pre-invoke=CMD is an option to dpkg that runs CMD as root on the host.
 * So every such name must match the grammar of its family before it is
 * used (and is still passed after "--" where the tool takes it).
 */
#ifndef GT_NAMES_H
#define GT_NAMES_H

#include <stdbool.h>

/* gt_name_family_known - "deb", "rpm" or "tgz". */
bool gt_name_family_known(const char *family);

/*
 * gt_name_package_valid - is @name a package name of @family?
 * deb: Debian Policy 5.6.1: lower-case letters, digits, "+", "-" and ".",
 *      at least two characters, a letter or digit first.
 * rpm: rpm's build/parsePreamble.c (rpmCharCheck with ALLOWED_CHARS_NAME and
 *      ALLOWED_FIRSTCHARS_NAME): letters, digits and "._+-", a letter, digit
 *      or "_" first; the macro characters "%{}" rpm also lets through are
 *      refused (no payload of ours has them).
 * tgz: the NAME of payload/packaging's NAME-VERSION-ARCH.tgz, which is also
 *      the service name: letters, digits and "._+-", a letter or digit first.
 * All: at most 200 bytes.
 */
bool gt_name_package_valid(const char *family, const char *name);

/*
 * gt_name_version_valid - a package version as dpkg (epoch:upstream-revision)
 * or rpm (version-release) writes it: letters, digits and ".+~:_^-", a
 * letter or digit first, at most 200 bytes.
 */
bool gt_name_version_valid(const char *version);

/* gt_name_service_valid - a service name as the tgz family's (see above). */
bool gt_name_service_valid(const char *name);

/* gt_name_init_known - an init system gt_initsys_detect() can return. */
bool gt_name_init_known(const char *init);

#endif
