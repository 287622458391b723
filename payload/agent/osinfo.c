/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "osinfo.h"
#include "strv.h"

/*
 * The PV-addons version: four integers set by payload/build.mk from
 * VERSION (see guest-agent(8), "attr/PVAddons"). The build refuses
 * anything else; these checks hold the same line for a build by hand.
 */
#ifndef GT_PVADDONS_MAJOR
#error "GT_PVADDONS_MAJOR and friends come from payload/build.mk"
#endif
_Static_assert(GT_PVADDONS_MAJOR >= 1,
               "Xen Orchestra hides a PV-addons major version of 0 (tab-general.js)");
_Static_assert(GT_PVADDONS_MINOR >= 0 && GT_PVADDONS_MICRO >= 0 && GT_PVADDONS_BUILD >= 0,
               "xapi parses the PV-addons version parts as non-negative integers");

int osinfo_pvaddons(struct kvlist *l)
{
	int ret;

	if ((ret = kv_add(l, "attr/PVAddons/Installed", "1")) < 0 ||
	    (ret = kv_add(l, "attr/PVAddons/MajorVersion", "%d", GT_PVADDONS_MAJOR)) <
	            0 ||
	    (ret = kv_add(l, "attr/PVAddons/MinorVersion", "%d", GT_PVADDONS_MINOR)) <
	            0 ||
	    (ret = kv_add(l, "attr/PVAddons/MicroVersion", "%d", GT_PVADDONS_MICRO)) < 0)
		return ret;
	return kv_add(l, "attr/PVAddons/BuildVersion", "%d", GT_PVADDONS_BUILD);
}

/*
 * Where xe-linux-distribution's names differ from os-release IDs (its
 * identify_redhat, identify_sles). The rest of its names (rhel, centos,
 * rocky, almalinux, fedora, debian, ubuntu...) are the os-release IDs.
 */
const char *osinfo_distro_name(const struct gt_distro *d)
{
	if (!d->id[0])
		return "";
	if (strcmp(d->id, "ol") == 0 || strcmp(d->id, "oracle") == 0 ||
	    gt_startswith(d->name, "Enterprise Linux Enterprise Linux") ||
	    gt_startswith(d->name, "Oracle Linux"))
		return "oracle";
	if (strcmp(d->id, "sled") == 0)
		return "sles";
	/* lib/distro files a legacy Scientific Linux release file under "rhel". */
	if (strcmp(d->id, "scientific") == 0 ||
	    gt_startswith(d->name, "Scientific Linux"))
		return "scientific";
	return d->id;
}

void osinfo_split_version(const char *v, char major[OSINFO_PART_MAX],
                          char minor[OSINFO_PART_MAX])
{
	size_t n = 0;

	major[0] = minor[0] = '\0';
	if (!v || !isdigit((unsigned char)*v))
		return;
	while (n < OSINFO_PART_MAX - 1 && isdigit((unsigned char)v[n])) {
		major[n] = v[n];
		n++;
	}
	major[n] = '\0';
	v += n;
	if (*v == '.')
		v++;
	else if (strncasecmp(v, "-SP", 3) == 0)
		v += 3;
	else
		return;
	for (n = 0; n < OSINFO_PART_MAX - 1 && isdigit((unsigned char)v[n]); n++)
		minor[n] = v[n];
	minor[n] = '\0';
}

static bool is_rh_family(const char *id)
{
	static const char *const ids[] = { "rhel",       "centos", "rocky",  "almalinux",
		                           "ol",         "oracle", "fedora", "scientific",
		                           "cloudlinux", NULL };

	for (size_t i = 0; ids[i]; i++)
		if (strcmp(id, ids[i]) == 0)
			return true;
	return false;
}

/*
 * The version as the release file xe-linux-distribution reads writes it:
 * Debian's debian_version holds the point release ("12.5") where
 * os-release has "12"; the Red Hat family's release files hold the minor
 * ("CentOS Linux release 7.9.2009") where os-release may not ("7");
 * SuSE-release keeps PATCHLEVEL apart. *out is NULL when there is no such
 * file (the caller then uses VERSION_ID); owned by the caller.
 */
static int release_file_version(const struct gt_root *root, const struct gt_distro *d,
                                char **out)
{
	static const char *const rh_files[] = {
		"/etc/oracle-release", "/etc/enterprise-release",
		"/etc/rocky-release",  "/etc/almalinux-release",
		"/etc/centos-release", "/etc/redhat-release",
	};
	char *line = NULL, *name = NULL, *version = NULL, *codename = NULL;
	int ret;

	*out = NULL;
	if (strcmp(d->id, "debian") == 0) {
		if (gt_root_read_line(root, "/etc/debian_version", &line) == 0 &&
		    isdigit((unsigned char)line[0])) {
			*out = line;
			return 0;
		}
		free(line);
		return 0;
	}
	if (strcmp(d->source, "/etc/SuSE-release") == 0) {
		char *text = NULL, *pl;
		char major[OSINFO_PART_MAX], minor[OSINFO_PART_MAX];

		if (gt_root_read_file(root, "/etc/SuSE-release", (size_t)64 * 1024, &text,
		                      NULL) < 0)
			return 0;
		osinfo_split_version(d->version_id, major, minor);
		pl = strstr(text, "\nPATCHLEVEL = ");
		ret = 0;
		if (major[0] && pl && isdigit((unsigned char)pl[14]) &&
		    asprintf(out, "%s.%.*s", major, (int)strspn(pl + 14, "0123456789"),
		             pl + 14) < 0)
			ret = -ENOMEM;
		free(text);
		return ret;
	}
	if (!is_rh_family(d->id))
		return 0;
	for (size_t i = 0; i < sizeof(rh_files) / sizeof(rh_files[0]) && !*out; i++) {
		free(line);
		line = NULL;
		if (gt_root_read_line(root, rh_files[i], &line) < 0)
			continue;
		ret = gt_distro_parse_release_line(line, &name, &version, &codename);
		if (ret < 0)
			goto out;
		if (isdigit((unsigned char)version[0])) {
			/* RHEL 3 and 4: "release 4 (Nahant Update 4)" carries the minor
			 * in words. */
			const char *upd = strstr(codename, "Update ");

			if (!strchr(version, '.') && upd &&
			    isdigit((unsigned char)upd[7])) {
				if (asprintf(out, "%s.%s", version, upd + 7) < 0) {
					ret = -ENOMEM;
					goto out;
				}
			} else {
				*out = version;
				version = NULL;
			}
		}
		free(name);
		free(version);
		free(codename);
		name = version = codename = NULL;
	}
	ret = 0;
out:
	free(line);
	free(name);
	free(version);
	free(codename);
	return ret;
}

int osinfo_collect(const struct gt_root *root, struct kvlist *l)
{
	struct gt_distro *d = NULL;
	char *release = NULL, *version = NULL;
	char major[OSINFO_PART_MAX], minor[OSINFO_PART_MAX];
	int ret, distro_err;

	ret = distro_err = gt_distro_detect(root, &d);
	if (ret == 0) {
		const char *name = d->pretty_name[0] ? d->pretty_name : d->name;
		const char *distro = osinfo_distro_name(d);

		if ((ret = release_file_version(root, d, &version)) < 0)
			goto out;
		osinfo_split_version(version ? version : d->version_id, major, minor);
		if (distro[0] && (ret = kv_add(l, "data/os_distro", "%s", distro)) < 0)
			goto out;
		if (name[0] && (ret = kv_add(l, "data/os_name", "%s", name)) < 0)
			goto out;
		if (major[0] && (ret = kv_add(l, "data/os_majorver", "%s", major)) < 0)
			goto out;
		if (minor[0] && (ret = kv_add(l, "data/os_minorver", "%s", minor)) < 0)
			goto out;
	} else if (ret == -ENOMEM) {
		goto out;
	}
	/* The release of the kernel that runs: under --root, the fixture's. */
	if (gt_root_read_line(root, "/proc/sys/kernel/osrelease", &release) < 0 ||
	    !release[0]) {
		struct utsname u;

		free(release);
		release = NULL;
		if (uname(&u) == 0 && !(release = strdup(u.release))) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (release && (ret = kv_add(l, "data/os_uname", "%s", release)) < 0)
		goto out;
	/* A release file that exists but cannot be read: the kernel key is
	 * still published, and the caller learns why the others are missing. */
	ret = distro_err;
out:
	free(version);
	free(release);
	gt_distro_free(d);
	return ret;
}
