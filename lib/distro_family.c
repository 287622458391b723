/* SPDX-License-Identifier: MIT */
/*
 * The package family of a root, from evidence, in this order:
 *   1. the ID_LIKE chain the os-release file declares, closest word first;
 *   2. the package database present in the root;
 *   3. the built-in table of IDs, a last hint that never overrides 1 or 2.
 * A table first would call SteamOS 3 (ID=steamos, ID_LIKE=arch) a Debian
 * derivative, as SteamOS 2 was; derivatives that declare no ID_LIKE (Artix,
 * KaOS, Funtoo, Wolfi, Photon, CBL-Mariner, Azure Linux) are known by their
 * package database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "distro.h"
#include "i18n.h"
#include "strv.h"

/* IDs the table knows: only consulted when neither ID_LIKE nor a database decides. */
static const char *const rpm_ids[] = { "rhel",
	                               "centos",
	                               "fedora",
	                               "rocky",
	                               "almalinux",
	                               "ol",
	                               "oracle",
	                               "cloudlinux",
	                               "scientific",
	                               "amzn",
	                               "sles",
	                               "sled",
	                               "sles_sap",
	                               "opensuse",
	                               "opensuse-leap",
	                               "opensuse-tumbleweed",
	                               "opensuse-microos",
	                               "suse",
	                               "sl-micro",
	                               "mageia",
	                               "mandriva",
	                               "mandrivalinux",
	                               "altlinux",
	                               "eurolinux",
	                               "virtuozzo",
	                               "miraclelinux",
	                               "tencentos",
	                               "openeuler",
	                               "circle",
	                               "navy",
	                               "xenenterprise",
	                               "kylin",
	                               NULL };
/* No "steamos": SteamOS 2 was Debian, SteamOS 3 is Arch; their ID_LIKE tells. */
static const char *const deb_ids[] = {
	"debian", "ubuntu",        "linuxmint", "raspbian", "kali",  "devuan", "pop",
	"neon",   "elementary",    "zorin",     "deepin",   "uos",   "pardus", "parrot",
	"osmc",   "cumulus-linux", "armbian",   "mx",       "tails", "pureos", NULL
};
/* Distributions with no rpm or dpkg: the installer uses the tgz payload. */
static const char *const tgz_ids[] = {
	"alpine",       "arch",        "archlinux", "archarm",   "manjaro",
	"manjarolinux", "endeavouros", "gentoo",    "slackware", "void",
	"nixos",        "flatcar",     "coreos",    "rhcos",     "buildroot",
	"exherbo",      "guix",        "openelec",  "libreelec", "clear-linux-os",
	"solus",        "chimera",     NULL
};
/* ID_LIKE words that settle the family. */
static const char *const rpm_likes[] = { "rhel",     "fedora",   "centos", "suse",
	                                 "opensuse", "mandriva", NULL };
static const char *const deb_likes[] = { "debian", "ubuntu", NULL };
static const char *const tgz_likes[] = { "arch", "gentoo", "alpine", "slackware", NULL };

/*
 * The package databases a root can hold, each where its tool keeps it:
 * dpkg's admindir (lib/dpkg/dpkg.h ADMINDIR, STATUSFILE), rpm's %_dbpath
 * (/var/lib/rpm; /usr/lib/sysimage/rpm since rpm 4.16 on Fedora 36+ and
 * openSUSE) with one of its backends' files (Packages for bdb, Packages.db
 * for ndb, rpmdb.sqlite for sqlite), apk-tools' src/database.c
 * apk_installed_file, pacman's DBPath (/var/lib/pacman/, the local/
 * database), Portage's VDB_PATH (lib/portage/const.py: var/db/pkg), xbps's
 * XBPS_META_PATH (include/xbps.h.in: var/db/xbps) and Nix's store.
 */
static const struct gt_distro_pkgdb pkgdbs[] = {
	{ "dpkg", "/var/lib/dpkg/status", "deb" },
	{ "rpm", "/var/lib/rpm/rpmdb.sqlite", "rpm" },
	{ "rpm", "/var/lib/rpm/Packages", "rpm" },
	{ "rpm", "/var/lib/rpm/Packages.db", "rpm" },
	{ "rpm", "/usr/lib/sysimage/rpm/rpmdb.sqlite", "rpm" },
	{ "rpm", "/usr/lib/sysimage/rpm/Packages.db", "rpm" },
	{ "rpm", "/usr/lib/sysimage/rpm/Packages", "rpm" },
	{ "apk", "/lib/apk/db/installed", "tgz" },
	{ "pacman", "/var/lib/pacman/local", "tgz" },
	{ "portage", "/var/db/pkg", "tgz" },
	{ "xbps", "/var/db/xbps", "tgz" },
	{ "nix", "/nix/store", "tgz" },
};

#define NPKGDBS (sizeof(pkgdbs) / sizeof(pkgdbs[0]))

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcasecmp(*list, s) == 0)
			return true;
	return false;
}

static const char *id_family(const char *id)
{
	if (!id || !*id)
		return NULL;
	if (in_list(rpm_ids, id))
		return "rpm";
	if (in_list(deb_ids, id))
		return "deb";
	if (in_list(tgz_ids, id))
		return "tgz";
	return NULL;
}

static const char *like_family(const char *word)
{
	if (in_list(rpm_likes, word))
		return "rpm";
	if (in_list(deb_likes, word))
		return "deb";
	if (in_list(tgz_likes, word))
		return "tgz";
	return NULL;
}

const char *gt_distro_family(const char *id, char *const *like)
{
	const char *f;
	size_t i;

	for (i = 0; like && like[i]; i++)
		if ((f = like_family(like[i])))
			return f;
	f = id_family(id);
	return f ? f : "unknown";
}

/*
 * A database is there when its file (dpkg, apk, rpm) or directory (the
 * others) is, links followed inside the root. rpm's is a backend's file, not
 * the directory: Debian's rpm package leaves an empty /var/lib/rpm.
 */
static bool db_present(const struct gt_root *root, const struct gt_distro_pkgdb *db)
{
	struct stat st;
	bool file = strcmp(db->tool, "dpkg") == 0 || strcmp(db->tool, "apk") == 0 ||
	            strcmp(db->tool, "rpm") == 0;

	if (gt_root_stat(root, db->path, true, &st) < 0)
		return false;
	return file ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode);
}

size_t gt_distro_find_pkgdbs(const struct gt_root *root,
                             const struct gt_distro_pkgdb **found, size_t max)
{
	size_t i, k, n = 0;

	for (i = 0; i < NPKGDBS && n < max; i++) {
		bool seen = false;

		for (k = 0; k < n; k++)
			seen |= strcmp(found[k]->tool, pkgdbs[i].tool) == 0;
		if (!seen && db_present(root, &pkgdbs[i]))
			found[n++] = &pkgdbs[i];
	}
	return n;
}

int gt_distro_decide_family(struct gt_distro *d, const struct gt_distro_pkgdb *const *dbs,
                            size_t ndbs)
{
	const char *fam = NULL, *hint = id_family(d->id);
	char *evidence = NULL, *shown = NULL;
	size_t i;

	d->package_tool = NULL;
	d->package_db = NULL;
	for (i = 0; d->like && d->like[i] && !fam; i++) {
		fam = like_family(d->like[i]);
		if (fam) {
			d->family_source = "id_like";
			if (asprintf(&evidence, "ID_LIKE names %s", d->like[i]) < 0)
				return -ENOMEM;
			if (asprintf(&shown, gt_tr("ID_LIKE names %s"), d->like[i]) < 0)
				shown = NULL;
		}
	}
	if (!fam && ndbs > 0) {
		const struct gt_distro_pkgdb *pick = dbs[0];

		/* Several: the ID table may pick among them, never outside them. */
		for (i = 0; i < ndbs && hint; i++)
			if (dbs[i]->family && strcmp(dbs[i]->family, hint) == 0) {
				pick = dbs[i];
				break;
			}
		fam = pick->family;
		d->family_source = "package_db";
		if (asprintf(&evidence, "%s's database %s%s", pick->tool, pick->path,
		             ndbs > 1 ? " (one of several)" : "") < 0)
			return -ENOMEM;
		if (asprintf(&shown, gt_tr("%s's database %s%s"), pick->tool, pick->path,
		             ndbs > 1 ? gt_tr(" (one of several)") : "") < 0)
			shown = NULL;
	}
	if (!fam && hint) {
		fam = hint;
		d->family_source = "id";
		if (asprintf(&evidence, "ID %s in the installer's table", d->id) < 0)
			return -ENOMEM;
		if (asprintf(&shown, gt_tr("ID %s in the installer's table"), d->id) < 0)
			shown = NULL;
	}
	if (!fam) {
		fam = "unknown";
		d->family_source = "none";
	}
	d->family = fam;
	free(d->family_evidence);
	d->family_evidence = evidence;
	free(d->family_evidence_shown);
	d->family_evidence_shown = evidence && !shown ? strdup(evidence) : shown;
	if (evidence && !d->family_evidence_shown)
		return -ENOMEM;
	/* The tool of that family, when its database is there. */
	for (i = 0; i < ndbs; i++)
		if (dbs[i]->family && strcmp(dbs[i]->family, fam) == 0) {
			d->package_tool = dbs[i]->tool;
			d->package_db = dbs[i]->path;
			break;
		}
	return 0;
}
