/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distro.h"
#include "error.h"
#include "kvfile.h"
#include "strv.h"

/* Release files are a few hundred bytes; anything past this is not one. */
#define RELEASE_MAX ((size_t)64 * 1024)

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcasecmp(*list, s) == 0)
			return true;
	return false;
}

/* Debian code names, for "bookworm/sid" and debian_version files without numbers. */
static const struct {
	const char *name;
	int major;
} debian_codenames[] = {
	{ "lenny", 5 },   { "squeeze", 6 }, { "wheezy", 7 },    { "jessie", 8 },
	{ "stretch", 9 }, { "buster", 10 }, { "bullseye", 11 }, { "bookworm", 12 },
	{ "trixie", 13 }, { "forky", 14 },  { "duke", 15 },
};

void gt_distro_parse_version(const char *v, int *major, int *minor)
{
	const char *p = v;
	size_t i;

	*major = -1;
	*minor = -1;
	if (!v)
		return;
	while (*p && !isdigit((unsigned char)*p))
		p++;
	if (!*p) {
		for (i = 0; i < sizeof(debian_codenames) / sizeof(debian_codenames[0]);
		     i++)
			if (gt_startswith(v, debian_codenames[i].name))
				*major = debian_codenames[i].major;
		return;
	}
	/* Only a version that starts with its number ("V10" aside) counts. */
	if (p != v && !(p == v + 1 && (*v == 'v' || *v == 'V')))
		return;
	*major = 0;
	while (isdigit((unsigned char)*p) && *major < 100000000)
		*major = *major * 10 + (*p++ - '0');
	if (*p == '.' && isdigit((unsigned char)p[1]))
		p++;
	else if (strncasecmp(p, "-SP", 3) == 0 && isdigit((unsigned char)p[3]))
		p += 3;
	else
		return;
	*minor = 0;
	while (isdigit((unsigned char)*p) && *minor < 100000000)
		*minor = *minor * 10 + (*p++ - '0');
}

static char *dup_range(const char *s, const char *e)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return strndup(s, (size_t)(e - s));
}

int gt_distro_parse_release_line(const char *line, char **name, char **version,
                                 char **codename)
{
	const char *end = line + strlen(line), *open, *ver = NULL, *p, *rel;
	char *n = NULL, *v = NULL, *c = NULL;

	while (end > line && isspace((unsigned char)end[-1]))
		end--;
	/* A trailing "(...)" is the code name (or, on SUSE, the architecture). */
	if (end > line && end[-1] == ')') {
		for (open = end - 1; open > line && *open != '('; open--)
			;
		if (*open == '(') {
			c = dup_range(open + 1, end - 1);
			end = open;
		}
	}
	/* The version is the last word that starts with a digit. */
	for (p = line; p < end; p++)
		if (isdigit((unsigned char)*p) &&
		    (p == line || isspace((unsigned char)p[-1])))
			ver = p;
	if (ver) {
		const char *ve = ver;

		while (ve < end && !isspace((unsigned char)*ve))
			ve++;
		v = dup_range(ver, ve);
		p = ver;
	} else {
		p = end;
	}
	/* The name is what comes before " release " (or before the version). */
	rel = NULL;
	for (const char *q = line; q + 8 <= p; q++)
		if (strncmp(q, " release", 8) == 0)
			rel = q;
	n = dup_range(line, rel ? rel : p);
	if (!v)
		v = strdup("");
	if (!c)
		c = strdup("");
	if (!n || !v || !c) {
		free(n);
		free(v);
		free(c);
		return -ENOMEM;
	}
	*name = n;
	*version = v;
	*codename = c;
	return 0;
}

static int set_str(char **dst, const char *src)
{
	char *n = strdup(src ? src : "");

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

/* Reads @path; -ENOENT/-ENOTDIR mean "absent" and leave *buf NULL with 0. */
static int read_optional(const struct gt_root *root, const char *path, char **buf,
                         size_t *len)
{
	int ret = gt_root_read_file(root, path, RELEASE_MAX, buf, len);

	if (ret == -ENOENT || ret == -ENOTDIR || ret == -ELOOP) {
		*buf = NULL;
		return 0;
	}
	return ret;
}

static int split_like(struct gt_distro *d, const char *like)
{
	char *copy, *tok, *save = NULL;
	size_t n = 0;
	int ret = 0;

	gt_strv_free(d->like);
	d->like = NULL;
	copy = strdup(like ? like : "");
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t", &save); tok && ret == 0;
	     tok = strtok_r(NULL, " \t", &save))
		ret = gt_strv_push(&d->like, &n, tok);
	free(copy);
	if (ret == 0 && !d->like) {
		d->like = calloc(1, sizeof(char *));
		if (!d->like)
			ret = -ENOMEM;
	}
	return ret;
}

static int from_os_release(const struct gt_root *root, struct gt_distro *d, bool *found)
{
	static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
	struct gt_kvfile *kv = NULL;
	char *buf = NULL;
	size_t len, i;
	int ret = 0;

	*found = false;
	for (i = 0; i < 2 && !buf; i++) {
		ret = read_optional(root, paths[i], &buf, &len);
		if (ret < 0)
			return ret;
	}
	if (!buf)
		return 0;
	ret = gt_kvfile_parse(buf, len, &kv);
	free(buf);
	if (ret < 0)
		return ret;
	if (kv->bad_line &&
	    asprintf(&d->problem, "%s: line %zu: %s", paths[i - 1], kv->bad_line,
	             kv->unterminated ? "a quote is never closed (is the file truncated?)"
	                              : "not a KEY=VALUE line") < 0) {
		d->problem = NULL;
		ret = -ENOMEM;
		goto out;
	}
	/* An os-release with neither ID nor NAME is as good as none. */
	if (!gt_kvfile_get(kv, "ID") && !gt_kvfile_get(kv, "NAME"))
		goto out;
	*found = true;
	if ((ret = set_str(&d->id, gt_kvfile_get(kv, "ID"))) < 0 ||
	    (ret = set_str(&d->version_id, gt_kvfile_get(kv, "VERSION_ID"))) < 0 ||
	    (ret = set_str(&d->name, gt_kvfile_get(kv, "NAME"))) < 0 ||
	    (ret = set_str(&d->pretty_name, gt_kvfile_get(kv, "PRETTY_NAME"))) < 0 ||
	    (ret = set_str(&d->codename, gt_kvfile_get(kv, "VERSION_CODENAME"))) < 0 ||
	    (ret = split_like(d, gt_kvfile_get(kv, "ID_LIKE"))) < 0 ||
	    (ret = set_str(&d->source, "os-release")) < 0)
		goto out;
	/* Older os-release files keep the code name in VERSION="7 (Core)". */
	if (!d->codename[0] && gt_kvfile_get(kv, "VERSION")) {
		char *n = NULL, *v = NULL, *c = NULL;
		char *line = NULL;

		if (asprintf(&line, "x %s", gt_kvfile_get(kv, "VERSION")) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		ret = gt_distro_parse_release_line(line, &n, &v, &c);
		free(line);
		if (ret == 0 && c[0])
			ret = set_str(&d->codename, c);
		free(n);
		free(v);
		free(c);
	}
out:
	gt_kvfile_free(kv);
	return ret;
}

/* The id that a release file's product name stands for (os-release spelling). */
static const char *id_from_name(const char *name, const char *fallback)
{
	static const struct {
		const char *prefix, *id;
	} names[] = {
		{ "Red Hat", "rhel" },
		{ "CentOS", "centos" },
		{ "CloudLinux", "cloudlinux" },
		{ "Scientific", "rhel" },
		{ "Fedora", "fedora" },
		{ "Oracle", "ol" },
		{ "Rocky", "rocky" },
		{ "AlmaLinux", "almalinux" },
		{ "EuroLinux", "eurolinux" },
		{ "Virtuozzo", "virtuozzo" },
		{ "Amazon", "amzn" },
		{ "SUSE Linux Enterprise Server", "sles" },
		{ "SUSE Linux Enterprise Desktop", "sled" },
		{ "openSUSE", "opensuse" },
		{ "Mageia", "mageia" },
		{ "Mandriva", "mandriva" },
		{ "XenServer", "xenenterprise" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (gt_startswith(name, names[i].prefix))
			return names[i].id;
	return fallback;
}

/*
 * Legacy release files, most specific first. An id of NULL means "from the
 * product name inside"; generic_scan covers any other etc/<x>-release.
 */
static const struct legacy_file {
	const char *path;
	const char *id;
} legacy_files[] = {
	{ "/etc/oracle-release", "ol" },
	{ "/etc/centos-release", "centos" },
	{ "/etc/cloudlinux-release", "cloudlinux" },
	{ "/etc/fedora-release", "fedora" },
	{ "/etc/mageia-release", "mageia" },
	{ "/etc/mandriva-release", "mandriva" },
	{ "/etc/redhat-release", NULL },
	{ "/etc/system-release", NULL },
	{ "/etc/SuSE-release", NULL },
	{ "/etc/altlinux-release", "altlinux" },
	{ "/etc/gentoo-release", "gentoo" },
	{ "/etc/slackware-version", "slackware" },
	{ "/etc/alpine-release", "alpine" },
	{ "/etc/arch-release", "arch" },
	{ "/etc/manjaro-release", "manjaro" },
	{ "/etc/void-release", "void" },
	{ "/etc/debian_version", "debian" },
};

/* The decimal int @s starts with (after blanks, as sscanf's %d); -1 if none or
 * out of range. */
static int parse_int(const char *s, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || errno == ERANGE || n < INT_MIN || n > INT_MAX)
		return -1;
	*out = (int)n;
	return 0;
}

/* SuSE-release keeps the numbers on "VERSION = 12" and "PATCHLEVEL = 1" lines. */
static int suse_version(const char *buf, char **version)
{
	const char *v = strstr(buf, "\nVERSION = "), *pl = strstr(buf, "\nPATCHLEVEL = ");
	int major = -1, minor = -1;
	char *out = NULL;

	if (!v)
		return 0;
	if (parse_int(v + strlen("\nVERSION = "), &major) < 0)
		return 0;
	if (pl && parse_int(pl + strlen("\nPATCHLEVEL = "), &minor) == 0 && minor > 0) {
		if (asprintf(&out, "%d.%d", major, minor) < 0)
			return -ENOMEM;
	} else if (asprintf(&out, "%d", major) < 0) {
		return -ENOMEM;
	}
	free(*version);
	*version = out;
	return 0;
}

static int fill_from_release_file(struct gt_distro *d, const struct legacy_file *lf,
                                  char *buf)
{
	char *name = NULL, *version = NULL, *codename = NULL, *nl;
	const char *id = lf->id;
	int ret;

	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	ret = gt_distro_parse_release_line(gt_strip(buf), &name, &version, &codename);
	if (ret < 0)
		return ret;
	if (nl)
		*nl = '\n';
	if (strcmp(lf->path, "/etc/debian_version") == 0 ||
	    strcmp(lf->path, "/etc/alpine-release") == 0) {
		/* These hold the bare version ("8.2", "bookworm/sid", "3.18.4"). */
		free(version);
		version = strdup(gt_strip(buf));
		free(name);
		name = strdup(strcmp(lf->id, "debian") == 0 ? "Debian GNU/Linux"
		                                            : "Alpine Linux");
		if (!version || !name) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (strcmp(lf->path, "/etc/SuSE-release") == 0 &&
	    (ret = suse_version(buf, &version)) < 0)
		goto out;
	if (!id)
		id = id_from_name(name, strcmp(lf->path, "/etc/SuSE-release") == 0
		                                ? "suse"
		                                : "rhel");
	if ((ret = set_str(&d->id, id)) < 0 ||
	    (ret = set_str(&d->version_id, version)) < 0 ||
	    (ret = set_str(&d->name, name)) < 0 ||
	    (ret = set_str(&d->codename, codename)) < 0 ||
	    (ret = set_str(&d->pretty_name, gt_strip(buf))) < 0 ||
	    (ret = set_str(&d->source, lf->path)) < 0)
		goto out;
out:
	free(name);
	free(version);
	free(codename);
	return ret;
}

/* /etc/lsb-release with a DISTRIB_ID (Ubuntu, Mint, Mandriva before os-release). */
static int from_lsb_release(const struct gt_root *root, struct gt_distro *d, bool *found,
                            struct gt_kvfile **kv_out)
{
	struct gt_kvfile *kv = NULL;
	char *buf = NULL, *id = NULL, *p;
	const char *release;
	size_t len;
	int ret;

	*found = false;
	ret = read_optional(root, "/etc/lsb-release", &buf, &len);
	if (ret < 0 || !buf)
		return ret;
	ret = gt_kvfile_parse(buf, len, &kv);
	free(buf);
	if (ret < 0)
		return ret;
	if (!gt_kvfile_get(kv, "DISTRIB_ID"))
		goto out;
	ret = -ENOMEM;
	id = strdup(gt_kvfile_get(kv, "DISTRIB_ID"));
	if (!id)
		goto out;
	for (p = id; *p; p++) {
		if (*p == ' ')
			*p = '_';
		else
			*p = (char)tolower((unsigned char)*p);
	}
	*found = true;
	/* lsb_release prints "n/a" for an unknown release; so do some files. */
	release = gt_kvfile_get(kv, "DISTRIB_RELEASE");
	if (release && strcmp(release, "n/a") == 0)
		release = NULL;
	if ((ret = set_str(&d->id, id)) < 0 ||
	    (ret = set_str(&d->version_id, release)) < 0 ||
	    (ret = set_str(&d->name, gt_kvfile_get(kv, "DISTRIB_ID"))) < 0 ||
	    (ret = set_str(&d->pretty_name, gt_kvfile_get(kv, "DISTRIB_DESCRIPTION"))) <
	            0 ||
	    (ret = set_str(&d->codename, gt_kvfile_get(kv, "DISTRIB_CODENAME"))) < 0 ||
	    (ret = set_str(&d->source, "/etc/lsb-release")) < 0)
		goto out;
out:
	free(id);
	if (ret == 0 && kv_out) {
		*kv_out = kv;
		kv = NULL;
	}
	gt_kvfile_free(kv);
	return ret;
}

static int from_legacy_files(const struct gt_root *root, struct gt_distro *d, bool *found)
{
	size_t i;
	int ret;

	*found = false;
	for (i = 0; i < sizeof(legacy_files) / sizeof(legacy_files[0]); i++) {
		char *buf = NULL;
		size_t len;

		ret = read_optional(root, legacy_files[i].path, &buf, &len);
		if (ret < 0)
			return ret;
		if (!buf)
			continue;
		ret = fill_from_release_file(d, &legacy_files[i], buf);
		free(buf);
		*found = ret == 0;
		return ret;
	}
	return 0;
}

/* Any other etc/<x>-release names its distribution <x> (unknown ones too). */
static int from_generic_release(const struct gt_root *root, struct gt_distro *d,
                                bool *found)
{
	static const char *const skip[] = { "os-release", "lsb-release", "system-release",
		                            "redhat-release", NULL };
	char **names = NULL;
	size_t i, n;
	int ret;

	*found = false;
	ret = gt_root_list_dir(root, "/etc", &names, &n);
	if (ret < 0)
		return ret == -ENOENT || ret == -ENOTDIR || ret == -EACCES ? 0 : ret;
	for (i = 0; i < n && !*found; i++) {
		size_t len = strlen(names[i]);
		struct legacy_file lf;
		char path[512], *buf = NULL, *id;
		size_t blen;

		if (len <= 8 || strcmp(names[i] + len - 8, "-release") != 0 ||
		    in_list(skip, names[i]) || len > 200)
			continue;
		snprintf(path, sizeof(path), "/etc/%s", names[i]);
		ret = read_optional(root, path, &buf, &blen);
		if (ret < 0 || !buf)
			continue; /* a directory named *-release, say */
		id = strndup(names[i], len - 8);
		if (!id) {
			free(buf);
			ret = -ENOMEM;
			break;
		}
		lf.path = path;
		lf.id = id;
		ret = fill_from_release_file(d, &lf, buf);
		*found = ret == 0;
		free(id);
		free(buf);
	}
	gt_strv_free(names);
	return ret < 0 ? ret : 0;
}

/*
 * The fullest version we can find for a distribution that os-release
 * names: VERSION_ID may lack it ("7" where centos-release says 7.9.2009) or
 * be missing (Debian testing). Returns a new string or NULL.
 */
static char *fuller_version(const struct gt_root *root, const struct gt_distro *d)
{
	struct gt_distro tmp = { 0 };
	char *out = NULL;
	bool found = false;

	/* "ManjaroLinux" in lsb-release is "manjaro" in os-release. */
	if (strcmp(d->source, "os-release") == 0 &&
	    from_lsb_release(root, &tmp, &found, NULL) == 0 && found &&
	    strncasecmp(tmp.id, d->id, strlen(d->id)) == 0 && tmp.version_id[0])
		out = strdup(tmp.version_id);
	if (!out && from_legacy_files(root, &tmp, &found) == 0 && found &&
	    (strcmp(tmp.id, d->id) == 0 ||
	     (strcmp(tmp.id, "debian") == 0 && gt_strv_contains(d->like, "debian"))) &&
	    tmp.version_id[0])
		out = strdup(tmp.version_id);
	free(tmp.id);
	free(tmp.version_id);
	free(tmp.name);
	free(tmp.pretty_name);
	free(tmp.codename);
	free(tmp.source);
	gt_strv_free(tmp.like);
	return out;
}

int gt_distro_detect(const struct gt_root *root, struct gt_distro **out)
{
	const struct gt_distro_pkgdb *dbs[8];
	struct gt_distro *d;
	char *fuller = NULL;
	bool found = false;
	size_t ndbs;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = from_os_release(root, d, &found);
	if (ret == 0 && !found)
		ret = from_lsb_release(root, d, &found, NULL);
	if (ret == 0 && !found)
		ret = from_legacy_files(root, d, &found);
	if (ret == 0 && !found)
		ret = from_generic_release(root, d, &found);
	if (ret < 0)
		goto fail;
	ret = -ENOMEM;
	if ((!d->id && set_str(&d->id, "") < 0) ||
	    (!d->version_id && set_str(&d->version_id, "") < 0) ||
	    (!d->name && set_str(&d->name, "") < 0) ||
	    (!d->pretty_name && set_str(&d->pretty_name, "") < 0) ||
	    (!d->codename && set_str(&d->codename, "") < 0) ||
	    (!d->source && set_str(&d->source, "none") < 0) ||
	    (!d->like && split_like(d, "") < 0))
		goto fail;
	if ((strcmp(d->source, "os-release") == 0 ||
	     strcmp(d->source, "/etc/lsb-release") == 0) &&
	    d->id[0])
		fuller = fuller_version(root, d);
	if (!d->version_id[0] && fuller) {
		free(d->version_id);
		d->version_id = fuller;
		fuller = NULL;
	}
	gt_distro_parse_version(d->version_id, &d->major, &d->minor);
	/* Take the minor from the fuller version when the major numbers agree. */
	if (fuller && d->minor < 0) {
		int fmaj, fmin;

		gt_distro_parse_version(fuller, &fmaj, &fmin);
		if (fmaj == d->major)
			d->minor = fmin;
	}
	free(fuller);
	ndbs = gt_distro_find_pkgdbs(root, dbs, sizeof(dbs) / sizeof(dbs[0]));
	ret = gt_distro_decide_family(d, dbs, ndbs);
	if (ret < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	free(fuller);
	gt_distro_free(d);
	return ret;
}

void gt_distro_free(struct gt_distro *d)
{
	if (!d)
		return;
	free(d->id);
	free(d->version_id);
	free(d->name);
	free(d->pretty_name);
	free(d->codename);
	free(d->source);
	free(d->problem);
	free(d->family_evidence);
	free(d->family_evidence_shown);
	gt_strv_free(d->like);
	free(d);
}
