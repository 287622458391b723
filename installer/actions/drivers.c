/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actions/drivers.h"
#include "error.h"
#include "kvfile.h"
#include "strv.h"

/* Bounds on what we read: a kernel config is ~250 KiB, modules.dep ~1 MiB. */
#define CONF_MAX ((size_t)4 * 1024 * 1024)
#define DEP_MAX  ((size_t)32 * 1024 * 1024)
#define TEXT_MAX ((size_t)1024 * 1024)

/* The dracut drop-in we own; its whole content is ours. */
#define DRACUT_CONF "/etc/dracut.conf.d/guest-tools-xen.conf"
#define DRACUT_TEXT                                                                      \
	"# Written by guest-tools: the Xen PV frontends must be in the initramfs,\n"     \
	"# because the kernel unplugs the emulated disk once it has xen-blkfront.\n"     \
	"add_drivers+=\" xen-blkfront xen-netfront \"\n"

enum fe_state { FE_ABSENT, FE_MODULE, FE_BUILTIN };

#define NFE 2
static const struct frontend {
	const char *module; /* the module name */
	const char *config; /* its Kconfig symbol */
	const char *path;   /* its file under /lib/modules/<kver>/, no suffix */
} frontends[NFE] = {
	{ "xen-blkfront", "CONFIG_XEN_BLKDEV_FRONTEND",
	  "kernel/drivers/block/xen-blkfront" },
	{ "xen-netfront", "CONFIG_XEN_NETDEV_FRONTEND",
	  "kernel/drivers/net/xen-netfront" },
};

static const char *const ko_suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz", NULL };

struct kernel {
	char *kver;
	enum fe_state fe[NFE];
};

/* An emulated NIC that the PV NIC will replace. */
struct nic {
	const char *name;
	const char *driver;
	char *mac; /* lower case, or NULL when /sys does not say */
};

struct planner {
	const struct gt_root *root;
	const struct gt_detect *d;
	struct gt_driver_plan *p;
	struct kernel *k;
	size_t nk;
	struct nic *nics;
	size_t nnics;
};

/* ---- small helpers ---- */

struct lines {
	const char *p, *end;
	size_t no; /* 1-based number of the line last returned */
};

static void lines_init(struct lines *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf ? buf + len : NULL;
	it->no = 0;
}

/* The next line (without its newline) in *s, its length in *n; false at the end. */
static bool next_line(struct lines *it, const char **s, size_t *n)
{
	const char *nl;

	if (!it->p || it->p >= it->end)
		return false;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	*s = it->p;
	*n = (size_t)((nl ? nl : it->end) - it->p);
	it->p = nl ? nl + 1 : it->end;
	it->no++;
	return true;
}

/* A line as a trimmed C string in @buf (long lines are cut: none we match is long). */
static char *line_str(const char *s, size_t n, char *buf, size_t size)
{
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return gt_strip(buf);
}

/* Module names: "-" and "_" are the same to modprobe. */
static bool same_module(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i], y = b[i];

		if (x == '_')
			x = '-';
		if (y == '_')
			y = '-';
		if (x != y)
			return false;
	}
	return true;
}

/* Reads @path; an absent file is not an error (*buf stays NULL). */
static int read_opt(const struct planner *pl, const char *path, size_t max, char **buf,
                    size_t *len)
{
	int ret;

	*buf = NULL;
	*len = 0;
	ret = gt_root_read_file(pl->root, path, max, buf, len);
	if (ret == -ENOENT || ret == -ENOTDIR || ret == -ELOOP) {
		*buf = NULL;
		return 0;
	}
	return ret;
}

/* Like read_opt(), for files that only feed warnings: any failure means "absent". */
static char *read_soft(const struct planner *pl, const char *path, size_t *len)
{
	char *buf = NULL;

	if (read_opt(pl, path, TEXT_MAX, &buf, len) < 0)
		return NULL;
	return buf;
}

static bool is_dir(const struct planner *pl, const char *path)
{
	struct stat st;

	return gt_root_stat(pl->root, path, true, &st) == 0 && S_ISDIR(st.st_mode);
}

#define warn(pl, code, ...)                                                              \
	gt_warning_add(&(pl)->p->warnings, &(pl)->p->n_warnings, code, __VA_ARGS__)

static struct gt_driver_step *new_step(struct planner *pl, enum gt_driver_step_kind kind)
{
	struct gt_driver_plan *p = pl->p;
	struct gt_driver_step *s;

	s = realloc(p->steps, (p->n_steps + 1) * sizeof(*s));
	if (!s)
		return NULL;
	p->steps = s;
	s += p->n_steps++;
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	return s;
}

/* A WRITE_FILE step; takes @content. */
static int add_write(struct planner *pl, const char *path, char *content,
                     const char *desc)
{
	struct gt_driver_step *s = new_step(pl, GT_STEP_WRITE_FILE);

	if (!s) {
		free(content);
		return -ENOMEM;
	}
	s->content = content;
	if (!(s->path = strdup(path)) || !(s->description = strdup(desc)))
		return -ENOMEM;
	return 0;
}

/* A RUN step; takes @backups (a strv, may be NULL for none). */
static int add_run(struct planner *pl, const char *const *argv, char **backups,
                   const char *desc)
{
	struct gt_driver_step *s = new_step(pl, GT_STEP_RUN);
	size_t n = 0;

	if (!s) {
		gt_strv_free(backups);
		return -ENOMEM;
	}
	s->backups = backups;
	if (!s->backups && !(s->backups = calloc(1, sizeof(char *))))
		return -ENOMEM;
	for (; *argv; argv++)
		if (gt_strv_push(&s->argv, &n, *argv) < 0)
			return -ENOMEM;
	if (!(s->description = strdup(desc)))
		return -ENOMEM;
	return 0;
}

/* ---- installed kernels and their frontends ---- */

static bool have_kernel(const struct planner *pl, const char *kver)
{
	size_t i;

	for (i = 0; i < pl->nk; i++)
		if (strcmp(pl->k[i].kver, kver) == 0)
			return true;
	return false;
}

static int add_kernel(struct planner *pl, const char *kver)
{
	struct kernel *k;

	if (have_kernel(pl, kver))
		return 0;
	k = realloc(pl->k, (pl->nk + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	pl->k = k;
	k += pl->nk;
	memset(k, 0, sizeof(*k));
	if (!(k->kver = strdup(kver)))
		return -ENOMEM;
	pl->nk++;
	return 0;
}

static int cmp_kernel(const void *a, const void *b)
{
	return strverscmp(((const struct kernel *)a)->kver,
	                  ((const struct kernel *)b)->kver);
}

/*
 * A kernel is installed when it can boot: /lib/modules/<kver> with an image
 * (/boot/vmlinuz-<kver>, /boot/vmlinux-<kver>, or Arch's and Fedora's
 * /lib/modules/<kver>/vmlinuz) — a modules directory left behind by a
 * removed kernel has none —, or /boot/vmlinuz-<kver> with its config and no
 * modules at all. Arch's /boot/vmlinuz-linux names a package, not a
 * version: its modules directory counts instead.
 */
static int list_kernels(struct planner *pl)
{
	char **names = NULL, path[512];
	size_t i, n = 0;
	int ret = 0;

	if (gt_root_list_dir(pl->root, "/lib/modules", &names, &n) == 0) {
		for (i = 0; i < n && ret == 0; i++) {
			/* Each image path is prefix + kver + suffix. */
			static const char *const images[3][2] = {
				{ "/boot/vmlinuz-", "" },
				{ "/boot/vmlinux-", "" },
				{ "/lib/modules/", "/vmlinuz" },
			};
			size_t m;

			for (m = 0; m < 3; m++) {
				snprintf(path, sizeof(path), "%s%s%s", images[m][0],
				         names[i], images[m][1]);
				if (gt_root_exists(pl->root, path))
					break;
			}
			if (m < 3)
				ret = add_kernel(pl, names[i]);
		}
		gt_strv_free(names);
		names = NULL;
	}
	if (ret == 0 && gt_root_list_dir(pl->root, "/boot", &names, &n) == 0) {
		for (i = 0; i < n && ret == 0; i++) {
			const char *kver = names[i] + 8;
			char cfg[512];

			if (!gt_startswith(names[i], "vmlinuz-") || !*kver)
				continue;
			snprintf(path, sizeof(path), "/lib/modules/%s", kver);
			snprintf(cfg, sizeof(cfg), "/boot/config-%s", kver);
			if (gt_root_exists(pl->root, path) ||
			    gt_root_exists(pl->root, cfg))
				ret = add_kernel(pl, kver);
		}
		gt_strv_free(names);
	}
	if (pl->nk > 1)
		qsort(pl->k, pl->nk, sizeof(*pl->k), cmp_kernel);
	return ret;
}

/* "CONFIG_X=y" -> 'y', "=m" -> 'm', else 0. */
static char config_value(const char *buf, size_t len, const char *sym)
{
	struct lines it;
	const char *s;
	size_t n, sl = strlen(sym);

	lines_init(&it, buf, len);
	while (next_line(&it, &s, &n))
		if (n == sl + 2 && memcmp(s, sym, sl) == 0 && s[sl] == '=')
			return s[sl + 1];
	return 0;
}

/* modules.builtin lists "kernel/drivers/block/xen-blkfront.ko". */
static bool builtin_lists(const char *buf, size_t len, const char *path)
{
	struct lines it;
	const char *s;
	size_t n, pl = strlen(path);

	lines_init(&it, buf, len);
	while (next_line(&it, &s, &n))
		if (n == pl + 3 && memcmp(s, path, pl) == 0 &&
		    memcmp(s + pl, ".ko", 3) == 0)
			return true;
	return false;
}

/* modules.dep lines are "path/name.ko[.xz]: deps..."; match the module name. */
static bool dep_lists(const char *buf, size_t len, const char *module)
{
	struct lines it;
	const char *s;
	size_t n, i;

	lines_init(&it, buf, len);
	while (next_line(&it, &s, &n)) {
		const char *colon = memchr(s, ':', n), *base = s, *p;

		if (!colon)
			continue;
		for (p = s; p < colon; p++)
			if (*p == '/')
				base = p + 1;
		for (i = 0; ko_suffixes[i]; i++) {
			size_t sl = strlen(ko_suffixes[i]), bl = (size_t)(colon - base);

			if (bl > sl && memcmp(colon - sl, ko_suffixes[i], sl) == 0 &&
			    same_module(base, bl - sl, module))
				return true;
		}
	}
	return false;
}

static int kernel_frontends(struct planner *pl, struct kernel *k)
{
	char path[600], *config = NULL, *builtin = NULL, *dep = NULL;
	size_t clen, blen, dlen, f, i;
	bool moddir;
	int ret;

	snprintf(path, sizeof(path), "/boot/config-%s", k->kver);
	if ((ret = read_opt(pl, path, CONF_MAX, &config, &clen)) < 0)
		goto out;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", k->kver);
	if ((ret = read_opt(pl, path, CONF_MAX, &builtin, &blen)) < 0)
		goto out;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", k->kver);
	if ((ret = read_opt(pl, path, DEP_MAX, &dep, &dlen)) < 0)
		goto out;
	snprintf(path, sizeof(path), "/lib/modules/%s", k->kver);
	moddir = is_dir(pl, path);
	for (f = 0; f < NFE; f++) {
		const struct frontend *fe = &frontends[f];
		char v = 0;

		if (config)
			v = config_value(config, clen, fe->config);
		k->fe[f] = FE_ABSENT;
		if (v == 'y' || (builtin && builtin_lists(builtin, blen, fe->path))) {
			k->fe[f] = FE_BUILTIN;
			continue;
		}
		if (dep && dep_lists(dep, dlen, fe->module)) {
			k->fe[f] = FE_MODULE;
			continue;
		}
		for (i = 0; ko_suffixes[i]; i++) {
			snprintf(path, sizeof(path), "/lib/modules/%s/%s%s", k->kver,
			         fe->path, ko_suffixes[i]);
			if (gt_root_exists(pl->root, path))
				break;
		}
		/*
		 * "=m" alone is not enough when the modules are there to look at:
		 * Ubuntu ships some modules in a separate package.
		 */
		if (ko_suffixes[i] || (v == 'm' && !moddir))
			k->fe[f] = FE_MODULE;
	}
	ret = 0;
out:
	free(config);
	free(builtin);
	free(dep);
	return ret;
}

static bool kernel_needs_initramfs(const struct kernel *k)
{
	return k->fe[0] == FE_MODULE || k->fe[1] == FE_MODULE;
}

static int kernel_warnings(struct planner *pl)
{
	size_t i;
	int ret = 0;

	if (pl->nk == 0)
		return warn(
		        pl, "no-kernel-found",
		        "no installed kernel was found (/lib/modules/<version>, /boot/vmlinuz-<version>): cannot check that the kernel has xen-blkfront and xen-netfront; check it before rebooting");
	for (i = 0; i < pl->nk && ret == 0; i++) {
		const struct kernel *k = &pl->k[i];

		if (k->fe[0] == FE_ABSENT && k->fe[1] == FE_ABSENT)
			ret = warn(
			        pl, "no-xen-frontends",
			        "kernel %s has neither xen-blkfront nor xen-netfront (not in /boot/config-%s, modules.builtin or modules.dep): it cannot switch to PVHVM; install a kernel with Xen support (CONFIG_XEN_BLKDEV_FRONTEND, CONFIG_XEN_NETDEV_FRONTEND)",
			        k->kver, k->kver);
		else if (k->fe[0] == FE_ABSENT || k->fe[1] == FE_ABSENT)
			ret = warn(
			        pl, "missing-xen-frontend",
			        "kernel %s has no %s: its %s stays emulated after the reboot; install the kernel's extra modules or a kernel with Xen support",
			        k->kver, frontends[k->fe[0] == FE_ABSENT ? 0 : 1].module,
			        k->fe[0] == FE_ABSENT ? "disk" : "NIC");
	}
	return ret;
}

/* ---- initramfs tools ---- */

/*
 * Which of @frontends a list of words names ("a b c", quotes allowed). A
 * "#" that starts a word starts a comment, to the end of its line.
 */
static void words_name(const char *s, size_t n, bool listed[NFE])
{
	const char *end = s + n, *w;
	size_t f;

	while (s < end) {
		while (s < end && (isspace((unsigned char)*s) || *s == '"' ||
		                   *s == '\'' || *s == '(' || *s == ')'))
			s++;
		if (s < end && *s == '#') {
			while (s < end && *s != '\n')
				s++;
			continue;
		}
		w = s;
		while (s < end && !isspace((unsigned char)*s) && *s != '"' &&
		       *s != '\'' && *s != '(' && *s != ')')
			s++;
		for (f = 0; f < NFE && s > w; f++)
			if (same_module(w, (size_t)(s - w), frontends[f].module))
				listed[f] = true;
	}
}

/* dracut: add_drivers/force_drivers/drivers in dracut.conf or a drop-in. */
static int dracut_listed(struct planner *pl, bool listed[NFE])
{
	static const char *const dirs[] = { "/etc/dracut.conf.d",
		                            "/usr/lib/dracut/dracut.conf.d" };
	static const char *const keys[] = { "add_drivers", "force_drivers", "drivers" };
	char **files = NULL, **names = NULL, path[600];
	size_t nf = 0, n, i, d;
	int ret = 0;

	if (gt_strv_push(&files, &nf, "/etc/dracut.conf") < 0)
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		if (gt_root_list_dir(pl->root, dirs[d], &names, &n) < 0)
			continue;
		for (i = 0; i < n && ret == 0; i++) {
			size_t l = strlen(names[i]);

			if (l < 6 || strcmp(names[i] + l - 5, ".conf") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], names[i]);
			ret = gt_strv_push(&files, &nf, path);
		}
		gt_strv_free(names);
		names = NULL;
	}
	for (i = 0; i < nf && ret == 0; i++) {
		struct lines it;
		const char *s;
		size_t len, l;
		char *buf = read_soft(pl, files[i], &len);

		lines_init(&it, buf, len);
		while (next_line(&it, &s, &l)) {
			const char *hash;
			size_t k;

			while (l && isspace((unsigned char)*s))
				s++, l--;
			for (k = 0; k < 3; k++) {
				size_t kl = strlen(keys[k]);
				const char *v = s + kl;

				if (l <= kl || memcmp(s, keys[k], kl) != 0)
					continue;
				if (*v == '+')
					v++;
				if (v >= s + l || *v != '=')
					continue;
				v++;
				/* A comment ends the value. */
				hash = memchr(v, '#', (size_t)(s + l - v));
				words_name(v, (size_t)((hash ? hash : s + l) - v),
				           listed);
			}
		}
		free(buf);
	}
	gt_strv_free(files);
	return ret;
}

/*
 * The image dracut should write for @kver: the one already there, named the
 * Red Hat, SUSE or Debian way; the Red Hat name for a new one.
 */
static char *dracut_image(struct planner *pl, const char *kver)
{
	/* Each name is prefix + kver + suffix. */
	static const char *const names[3][2] = { { "/boot/initramfs-", ".img" },
		                                 { "/boot/initrd-", "" },
		                                 { "/boot/initrd.img-", "" } };
	char path[600];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s%s", names[i][0], kver, names[i][1]);
		if (gt_root_exists(pl->root, path))
			return strdup(path);
	}
	snprintf(path, sizeof(path), "%s%s%s", names[0][0], kver, names[0][1]);
	return strdup(path);
}

static int plan_dracut(struct planner *pl)
{
	bool listed[NFE] = { false, false };
	char *content;
	size_t i;
	int ret;

	ret = dracut_listed(pl, listed);
	if (ret < 0 || (listed[0] && listed[1]))
		return ret;
	content = strdup(DRACUT_TEXT);
	if (!content)
		return -ENOMEM;
	ret = add_write(
	        pl, DRACUT_CONF, content,
	        "add xen-blkfront and xen-netfront to dracut's drivers (" DRACUT_CONF
	        ")");
	for (i = 0; i < pl->nk && ret == 0; i++) {
		char *img, **backups = NULL, desc[700];
		size_t nb = 0;

		if (!kernel_needs_initramfs(&pl->k[i]))
			continue;
		img = dracut_image(pl, pl->k[i].kver);
		if (!img || gt_strv_push(&backups, &nb, img) < 0) {
			free(img);
			return -ENOMEM;
		}
		snprintf(desc, sizeof(desc), "rebuild the initramfs of kernel %s (%s)",
		         pl->k[i].kver, img);
		ret = add_run(
		        pl,
		        (const char *const[]){ "dracut", "-f", img, pl->k[i].kver, NULL },
		        backups, desc);
		free(img);
	}
	return ret;
}

/* initramfs-tools: one module a line in /etc/initramfs-tools/modules. */
static int plan_initramfs_tools(struct planner *pl)
{
	static const char *const conf = "/etc/initramfs-tools/modules";
	bool listed[NFE] = { false, false };
	char *buf = NULL, *content = NULL, line[512];
	size_t len = 0, n, i, f;
	struct lines it;
	const char *s;
	int ret;

	ret = read_opt(pl, conf, TEXT_MAX, &buf, &len);
	if (ret < 0)
		return ret;
	lines_init(&it, buf, len);
	while (next_line(&it, &s, &n)) {
		char *t = line_str(s, n, line, sizeof(line)), *hash = strchr(t, '#'), *sp;

		if (hash)
			*hash = '\0';
		sp = t + strcspn(t, " \t");
		for (f = 0; f < NFE; f++)
			if (same_module(t, (size_t)(sp - t), frontends[f].module))
				listed[f] = true;
	}
	if (listed[0] && listed[1])
		goto out;
	/* The existing content is kept byte for byte; the missing lines go after it. */
	ret = -ENOMEM;
	content = malloc(len + 64);
	if (!content)
		goto out;
	memcpy(content, buf ? buf : "", len);
	n = len;
	if (n && content[n - 1] != '\n')
		content[n++] = '\n';
	for (f = 0; f < NFE; f++)
		if (!listed[f])
			n += (size_t)sprintf(content + n, "%s\n", frontends[f].module);
	content[n] = '\0';
	ret = add_write(
	        pl, conf, content,
	        "add xen-blkfront and xen-netfront to /etc/initramfs-tools/modules");
	content = NULL;
	for (i = 0; i < pl->nk && ret == 0; i++) {
		char **backups = NULL, img[600], desc[700];
		size_t nb = 0;

		if (!kernel_needs_initramfs(&pl->k[i]))
			continue;
		snprintf(img, sizeof(img), "/boot/initrd.img-%s", pl->k[i].kver);
		if (gt_strv_push(&backups, &nb, img) < 0) {
			ret = -ENOMEM;
			break;
		}
		snprintf(desc, sizeof(desc), "rebuild the initramfs of kernel %s (%s)",
		         pl->k[i].kver, img);
		/* -u only updates an image that exists; -c creates a missing one. */
		ret = add_run(pl,
		              (const char *const[]){ "update-initramfs",
		                                     gt_root_exists(pl->root, img) ? "-u"
		                                                                   : "-c",
		                                     "-k", pl->k[i].kver, NULL },
		              backups, desc);
	}
out:
	free(buf);
	free(content);
	return ret;
}

/*
 * mkinitcpio: the last MODULES= assignment of /etc/mkinitcpio.conf wins (it
 * is sourced by bash). Its value is an array "(a b)" (possibly over several
 * lines), an old-style string "a b", or empty. Missing modules go at its end;
 * everything else stays byte for byte.
 */
static int mkinitcpio_content(const char *buf, size_t len, char **out)
{
	const char *val = NULL, *s, *close = NULL, *p, *end = buf + len;
	bool listed[NFE] = { false, false };
	char add[64] = "", *c;
	size_t n, f, at;
	struct lines it;

	lines_init(&it, buf, len);
	while (next_line(&it, &s, &n)) {
		const char *e = s + n;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(e - s) >= 8 && memcmp(s, "MODULES=", 8) == 0)
			val = s + 8;
	}
	if (val && val < end && *val == '(') {
		/* Words until ")", skipping comments ("#" starts one at a word). */
		for (p = val + 1; p < end && *p != ')'; p++) {
			if (*p == '#' &&
			    (isspace((unsigned char)p[-1]) || p[-1] == '(')) {
				while (p < end && *p != '\n')
					p++;
				if (p == end)
					break;
			}
		}
		if (p >= end)
			return -GT_EPARSE;
		close = p;
		words_name(val + 1, (size_t)(close - val - 1), listed);
	} else if (val && val < end && (*val == '"' || *val == '\'')) {
		close = memchr(val + 1, *val, (size_t)(end - val - 1));
		if (!close)
			return -GT_EPARSE;
		words_name(val + 1, (size_t)(close - val - 1), listed);
	} else if (val) {
		/* "MODULES=" or "MODULES=word": only the empty form is ours to fix. */
		p = val;
		while (p < end && !isspace((unsigned char)*p) && *p != '#')
			p++;
		if (p != val)
			return -GT_EPARSE;
	}
	if (listed[0] && listed[1]) {
		*out = NULL;
		return 0;
	}
	for (f = 0; f < NFE; f++) {
		size_t used = strlen(add);

		if (!listed[f])
			snprintf(add + used, sizeof(add) - used, "%s%s", used ? " " : "",
			         frontends[f].module);
	}
	c = malloc(len + sizeof(add) + 16);
	if (!c)
		return -ENOMEM;
	if (close) {
		/* Right after the last word: "(ext4)" -> "(ext4 xen-...)". */
		for (p = close; p > val + 1 && isspace((unsigned char)p[-1]); p--)
			;
		at = (size_t)(p - buf);
		n = (size_t)sprintf(c, "%.*s%s%s", (int)at, buf, p > val + 1 ? " " : "",
		                    add);
	} else if (val) {
		at = (size_t)(val - buf);
		n = (size_t)sprintf(c, "%.*s(%s)", (int)at, buf, add);
	} else {
		at = len;
		n = (size_t)sprintf(c, "%.*s%sMODULES=(%s)\n", (int)len, buf,
		                    len && buf[len - 1] != '\n' ? "\n" : "", add);
	}
	memcpy(c + n, buf + at, len - at);
	c[n + len - at] = '\0';
	*out = c;
	return 0;
}

static int plan_mkinitcpio(struct planner *pl)
{
	static const char *const conf = "/etc/mkinitcpio.conf";
	char *buf = NULL, *content = NULL, **backups = NULL, **names = NULL, path[600];
	size_t len = 0, nb = 0, n = 0, i;
	int ret;

	ret = read_opt(pl, conf, TEXT_MAX, &buf, &len);
	if (ret < 0 || !buf)
		goto out;
	ret = mkinitcpio_content(buf, len, &content);
	if (ret < 0 || !content)
		goto out;
	ret = add_write(
	        pl, conf, content,
	        "add xen-blkfront and xen-netfront to MODULES in /etc/mkinitcpio.conf");
	content = NULL;
	if (ret < 0)
		goto out;
	/* mkinitcpio -P rebuilds every preset; its images are named by preset. */
	if (gt_root_list_dir(pl->root, "/boot", &names, &n) == 0) {
		for (i = 0; i < n && ret == 0; i++) {
			size_t l = strlen(names[i]);

			if (!gt_startswith(names[i], "initramfs-") || l < 15 ||
			    strcmp(names[i] + l - 4, ".img") != 0)
				continue;
			snprintf(path, sizeof(path), "/boot/%s", names[i]);
			ret = gt_strv_push(&backups, &nb, path);
		}
	}
	if (ret == 0)
		ret = add_run(
		        pl, (const char *const[]){ "mkinitcpio", "-P", NULL }, backups,
		        "rebuild the initramfs of every kernel preset (mkinitcpio -P)");
	else
		gt_strv_free(backups);
out:
	gt_strv_free(names);
	free(buf);
	free(content);
	return ret;
}

static bool any_prog(const struct planner *pl, const char *const *progs)
{
	for (; *progs; progs++)
		if (gt_root_exists(pl->root, *progs))
			return true;
	return false;
}

static int plan_initramfs(struct planner *pl)
{
	static const struct {
		const char *marker; /* what says the tool is set up */
		const char *progs[4];
		int (*plan)(struct planner *);
	} tools[] = {
		{ "/etc/dracut.conf.d",
		  { "/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut", NULL },
		  plan_dracut },
		{ "/etc/initramfs-tools/modules",
		  { "/usr/sbin/update-initramfs", "/sbin/update-initramfs", NULL },
		  plan_initramfs_tools },
		{ "/etc/mkinitcpio.conf",
		  { "/usr/bin/mkinitcpio", NULL },
		  plan_mkinitcpio },
	};
	bool present[3];
	size_t i, pick = 3;

	for (i = 0; i < pl->nk; i++)
		if (kernel_needs_initramfs(&pl->k[i]))
			break;
	if (i == pl->nk)
		return 0;
	/*
	 * Dracut counts with its program alone (its drop-in directory is ours
	 * to create). When several tools look set up, configuration left by a
	 * removed one loses to the one whose program is installed.
	 */
	for (i = 0; i < 3; i++) {
		present[i] = gt_root_exists(pl->root, tools[i].marker) ||
		             (i == 0 && any_prog(pl, tools[i].progs));
		if (present[i] && pick == 3)
			pick = i;
	}
	for (i = 0; i < 3; i++)
		if (present[i] && any_prog(pl, tools[i].progs)) {
			pick = i;
			break;
		}
	if (pick == 3)
		return warn(
		        pl, "no-initramfs-tool",
		        "xen-blkfront/xen-netfront are modules, and no initramfs tool was found (dracut, initramfs-tools, mkinitcpio): add them to the initramfs by hand before rebooting, or the kernel may not find the root disk once the emulated one is unplugged");
	return tools[pick].plan(pl);
}

/* ---- device names: fstab and the boot loader ---- */

/*
 * "/dev/sda1" or "/dev/hdb" -> true, with the PV name ("/dev/xvda1") in @xvd.
 * Only whole names count: "/dev/sda1" in "/dev/sda1x" does not.
 */
static bool emulated_disk(const char *s, size_t n, char *xvd, size_t size)
{
	size_t i = 7;

	if (n < 8 || (memcmp(s, "/dev/sd", 7) != 0 && memcmp(s, "/dev/hd", 7) != 0))
		return false;
	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i == 7)
		return false;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	if (i != n)
		return false;
	snprintf(xvd, size, "/dev/xvd%.*s", (int)(n - 7), s + 7);
	return true;
}

static int fstab_warnings(struct planner *pl)
{
	char *buf, line[1024], xvd[300];
	size_t len = 0, n;
	struct lines it;
	const char *s;
	int ret = 0;

	buf = read_soft(pl, "/etc/fstab", &len);
	lines_init(&it, buf, len);
	while (ret == 0 && next_line(&it, &s, &n)) {
		char *t = line_str(s, n, line, sizeof(line));
		size_t w = strcspn(t, " \t");

		if (*t == '#' || !emulated_disk(t, w, xvd, sizeof(xvd)))
			continue;
		ret = warn(
		        pl, "fstab-device-name",
		        "/etc/fstab line %zu names the disk %.*s, which becomes %s once the PV drivers take over: use the UUID= form instead (blkid -s UUID -o value %.*s prints it)",
		        it.no, (int)w, t, xvd, (int)w, t);
	}
	free(buf);
	return ret;
}

/*
 * The first root=/dev/sdX or resume=/dev/sdX on a line: @key gets "root" or
 * "resume", @dev the device, @xvd its PV name. False if there is none.
 */
static bool line_boots_emulated(const char *s, size_t n, const char **key, char *dev,
                                size_t dsize, char *xvd, size_t xsize)
{
	static const char *const keys[] = { "root", "resume" };
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (i > 0 && !isspace((unsigned char)s[i - 1]) && s[i - 1] != '"' &&
		    s[i - 1] != '\'')
			continue;
		for (k = 0; k < 2; k++) {
			size_t kl = strlen(keys[k]), v = i + kl + 1, e;

			if (n - i <= kl + 1 || memcmp(s + i, keys[k], kl) != 0 ||
			    s[i + kl] != '=')
				continue;
			for (e = v; e < n && !isspace((unsigned char)s[e]) &&
			            s[e] != '"' && s[e] != '\'';
			     e++)
				;
			if (emulated_disk(s + v, e - v, xvd, xsize)) {
				*key = keys[k];
				snprintf(dev, dsize, "%.*s", (int)(e - v), s + v);
				return true;
			}
		}
	}
	return false;
}

static int bootloader_file(struct planner *pl, const char *path)
{
	char *buf, dev[300], xvd[300], first_dev[300] = "", first_xvd[300] = "";
	const char *key = NULL, *first_key = NULL;
	size_t len = 0, n, count = 0, first = 0;
	struct lines it;
	const char *s;
	int ret = 0;

	buf = read_soft(pl, path, &len);
	lines_init(&it, buf, len);
	while (next_line(&it, &s, &n)) {
		size_t i = 0;

		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i < n && s[i] == '#')
			continue;
		if (!line_boots_emulated(s, n, &key, dev, sizeof(dev), xvd, sizeof(xvd)))
			continue;
		if (count++ == 0) {
			first = it.no;
			first_key = key;
			snprintf(first_dev, sizeof(first_dev), "%s", dev);
			snprintf(first_xvd, sizeof(first_xvd), "%s", xvd);
		}
	}
	free(buf);
	if (count)
		ret = warn(
		        pl, "bootloader-device-name",
		        "%s line %zu (%zu line(s) in all) boots with %s=%s, which becomes %s once the PV drivers take over: use %s=UUID=... instead (then regenerate the boot loader configuration)",
		        path, first, count, first_key, first_dev, first_xvd, first_key);
	return ret;
}

static int bootloader_warnings(struct planner *pl)
{
	static const char *const files[] = {
		"/etc/default/grub",   "/boot/grub/grub.cfg",  "/boot/grub2/grub.cfg",
		"/boot/grub/menu.lst", "/boot/grub/grub.conf", NULL
	};
	char **names = NULL, path[600];
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; files[i] && ret == 0; i++)
		ret = bootloader_file(pl, files[i]);
	/* Boot Loader Specification entries (RHEL 8 and later keep options there). */
	if (ret == 0 &&
	    gt_root_list_dir(pl->root, "/boot/loader/entries", &names, &n) == 0)
		for (i = 0; i < n && ret == 0; i++) {
			snprintf(path, sizeof(path), "/boot/loader/entries/%s", names[i]);
			ret = bootloader_file(pl, path);
		}
	gt_strv_free(names);
	return ret;
}

/* ---- network configuration bound to an emulated NIC ---- */

enum netfmt { NF_IFCFG, NF_KEYFILE, NF_NETWORKD, NF_IFUPDOWN, NF_NETPLAN, NF_UDEV };

static char *unquote(char *v)
{
	size_t l;

	v = gt_strip(v);
	l = strlen(v);
	if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
		v[l - 1] = '\0';
		v++;
	}
	return v;
}

/* Whether @list (words) holds @name; case-insensitive for MACs. */
static bool list_has(const char *list, const char *name, bool nocase)
{
	size_t nl = strlen(name);

	while (*list) {
		size_t w;

		list += strspn(list, " \t,\"'");
		w = strcspn(list, " \t,\"'");
		if (w == nl &&
		    (nocase ? strncasecmp(list, name, nl) : strncmp(list, name, nl)) == 0)
			return true;
		list += w;
	}
	return false;
}

/* How @line binds @nic: "name", "MAC", or NULL. @line is trimmed and writable. */
static const char *line_binds(enum netfmt fmt, char *line, const struct nic *nic)
{
	const char *mac = nic->mac;
	char *eq, *key, *val, *save = NULL;

	if (!*line || *line == '#' || *line == ';')
		return NULL;
	switch (fmt) {
	case NF_IFCFG:
	case NF_KEYFILE:
	case NF_NETWORKD:
		eq = strchr(line, '=');
		if (!eq)
			return NULL;
		*eq = '\0';
		key = gt_strip(line);
		val = unquote(eq + 1);
		if (fmt == NF_IFCFG) {
			if (strcmp(key, "DEVICE") == 0 && strcmp(val, nic->name) == 0)
				return "name";
			if (mac && strcmp(key, "HWADDR") == 0 &&
			    strcasecmp(val, mac) == 0)
				return "MAC";
		} else if (fmt == NF_KEYFILE) {
			if (strcmp(key, "interface-name") == 0 &&
			    strcmp(val, nic->name) == 0)
				return "name";
			if (mac && strcmp(key, "mac-address") == 0 &&
			    strcasecmp(val, mac) == 0)
				return "MAC";
		} else {
			if ((strcmp(key, "Name") == 0 ||
			     strcmp(key, "OriginalName") == 0) &&
			    list_has(val, nic->name, false))
				return "name";
			if (mac &&
			    (strcmp(key, "MACAddress") == 0 ||
			     strcmp(key, "PermanentMACAddress") == 0) &&
			    list_has(val, mac, true))
				return "MAC";
		}
		return NULL;
	case NF_IFUPDOWN:
		/* "iface NAME inet ...", "auto NAME...", "allow-hotplug NAME...". */
		key = strtok_r(line, " \t", &save);
		if (!key)
			return NULL;
		if (strcmp(key, "iface") == 0) {
			val = strtok_r(NULL, " \t", &save);
			return val && strcmp(val, nic->name) == 0 ? "name" : NULL;
		}
		if (strcmp(key, "auto") == 0 || gt_startswith(key, "allow-"))
			while ((val = strtok_r(NULL, " \t", &save)))
				if (strcmp(val, nic->name) == 0)
					return "name";
		return NULL;
	case NF_NETPLAN:
		/* "ens4:" (the key of its section), "set-name: ens4", "macaddress: ...".
		 */
		eq = strchr(line, ':');
		if (!eq || (gt_startswith(line, "- ")))
			return NULL;
		val = unquote(eq + 1);
		*eq = '\0';
		key = unquote(line);
		if (!*val && strcmp(key, nic->name) == 0)
			return "name";
		if (strcmp(key, "set-name") == 0 && strcmp(val, nic->name) == 0)
			return "name";
		if (mac && strcmp(key, "macaddress") == 0 && strcasecmp(val, mac) == 0)
			return "MAC";
		return NULL;
	case NF_UDEV: {
		/* 70-persistent-net.rules: ATTR{address}=="mac", ..., NAME="eth0". */
		char want[300];

		snprintf(want, sizeof(want), "NAME=\"%s\"", nic->name);
		if (strstr(line, want))
			return "name";
		if (mac) {
			snprintf(want, sizeof(want), "\"%s\"", mac);
			if (strcasestr(line, want))
				return "MAC";
		}
		return NULL;
	}
	}
	return NULL;
}

static int net_file(struct planner *pl, const char *path, enum netfmt fmt)
{
	char *buf, line[1024];
	size_t len = 0, n, i;
	int ret = 0;

	buf = read_soft(pl, path, &len);
	if (!buf)
		return 0;
	for (i = 0; i < pl->nnics && ret == 0; i++) {
		const struct nic *nic = &pl->nics[i];
		const char *how = NULL, *s;
		struct lines it;

		lines_init(&it, buf, len);
		while (!how && next_line(&it, &s, &n))
			how = line_binds(fmt, line_str(s, n, line, sizeof(line)), nic);
		if (!how)
			continue;
		ret = warn(
		        pl, "nic-config-bound",
		        "%s line %zu binds the network configuration to %s by its %s%s%s: %s is an emulated NIC (driver %s) that the PV NIC replaces after the reboot, and the PV NIC may come up under another name; check this configuration after the reboot, or the guest may lose its network",
		        path, it.no, nic->name, how, strcmp(how, "MAC") == 0 ? " " : "",
		        strcmp(how, "MAC") == 0 ? nic->mac : "", nic->name, nic->driver);
	}
	free(buf);
	return ret;
}

static int net_dir(struct planner *pl, const char *dir, const char *prefix,
                   const char *const *suffixes, enum netfmt fmt)
{
	char **names = NULL, path[600];
	size_t i, n = 0, k;
	int ret = 0;

	if (gt_root_list_dir(pl->root, dir, &names, &n) < 0)
		return 0;
	for (i = 0; i < n && ret == 0; i++) {
		size_t l = strlen(names[i]);

		if (prefix && !gt_startswith(names[i], prefix))
			continue;
		for (k = 0; suffixes && suffixes[k]; k++) {
			size_t sl = strlen(suffixes[k]);

			if (l > sl && strcmp(names[i] + l - sl, suffixes[k]) == 0)
				break;
		}
		if (suffixes && !suffixes[k])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ret = net_file(pl, path, fmt);
	}
	gt_strv_free(names);
	return ret;
}

static int collect_nics(struct planner *pl)
{
	const struct gt_virt *v = pl->d->virt;
	size_t i;

	for (i = 0; i < v->ndevices; i++) {
		const struct gt_virt_device *dev = &v->devices[i];
		char path[300], *mac = NULL, *c;
		struct nic *nn;

		/* Only an emulated NIC is replaced by the PV one: not an unbound vif
		 * (the PV NIC itself), not a passed-through VF. */
		if (strcmp(dev->kind, "nic") != 0 || dev->pv || !dev->driver ||
		    (dev->role && strcmp(dev->role, "emulated") != 0))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", dev->name);
		if (gt_root_read_line(pl->root, path, &mac) == 0)
			for (c = mac; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		nn = realloc(pl->nics, (pl->nnics + 1) * sizeof(*nn));
		if (!nn) {
			free(mac);
			return -ENOMEM;
		}
		pl->nics = nn;
		nn[pl->nnics].name = dev->name;
		nn[pl->nnics].driver = dev->driver;
		nn[pl->nnics].mac = mac && *mac ? mac : NULL;
		if (mac && !*mac)
			free(mac);
		pl->nnics++;
	}
	return 0;
}

static int nic_warnings(struct planner *pl)
{
	static const char *const yaml[] = { ".yaml", ".yml", NULL };
	static const char *const networkd[] = { ".network", ".link", NULL };
	static const char *const rules[] = { ".rules", NULL };
	int ret;

	ret = collect_nics(pl);
	if (ret < 0 || pl->nnics == 0)
		return ret;
	if ((ret = net_dir(pl, "/etc/sysconfig/network-scripts", "ifcfg-", NULL,
	                   NF_IFCFG)) < 0 ||
	    (ret = net_dir(pl, "/etc/sysconfig/network", "ifcfg-", NULL, NF_IFCFG)) < 0 ||
	    (ret = net_file(pl, "/etc/network/interfaces", NF_IFUPDOWN)) < 0 ||
	    (ret = net_dir(pl, "/etc/network/interfaces.d", NULL, NULL, NF_IFUPDOWN)) <
	            0 ||
	    (ret = net_dir(pl, "/etc/netplan", NULL, yaml, NF_NETPLAN)) < 0 ||
	    (ret = net_dir(pl, "/etc/NetworkManager/system-connections", NULL, NULL,
	                   NF_KEYFILE)) < 0 ||
	    (ret = net_dir(pl, "/etc/systemd/network", NULL, networkd, NF_NETWORKD)) <
	            0 ||
	    (ret = net_dir(pl, "/etc/udev/rules.d", NULL, rules, NF_UDEV)) < 0)
		return ret;
	return 0;
}

/* ---- the plan ---- */

int gt_drivers_plan(const struct gt_root *root, const struct gt_detect *d,
                    struct gt_driver_plan **out)
{
	struct planner pl = { .root = root, .d = d };
	const struct gt_virt *v = d->virt;
	bool hvm;
	size_t i;
	int ret = 0;

	pl.p = calloc(1, sizeof(*pl.p));
	if (!pl.p)
		return -ENOMEM;
	if (strcmp(v->hypervisor, "xen") != 0)
		goto done;
	/* dom0 is no guest; PV and PVH have no emulated devices; PVHVM is done. */
	hvm = strcmp(v->mode, "hvm") == 0;
	if (strcmp(v->mode, "dom0") == 0)
		goto done;
	if ((ret = list_kernels(&pl)) < 0)
		goto done;
	for (i = 0; i < pl.nk && ret == 0; i++)
		ret = kernel_frontends(&pl, &pl.k[i]);
	if (ret < 0)
		goto done;
	pl.p->blkfront_available = pl.p->netfront_available = pl.p->builtin = pl.nk > 0;
	for (i = 0; i < pl.nk; i++) {
		pl.p->blkfront_available &= pl.k[i].fe[0] != FE_ABSENT;
		pl.p->netfront_available &= pl.k[i].fe[1] != FE_ABSENT;
		pl.p->builtin &=
		        pl.k[i].fe[0] == FE_BUILTIN && pl.k[i].fe[1] == FE_BUILTIN;
	}
	if (!hvm)
		goto done;
	pl.p->reboot_needed = true;
	if ((ret = kernel_warnings(&pl)) < 0 || (ret = plan_initramfs(&pl)) < 0 ||
	    (ret = fstab_warnings(&pl)) < 0 || (ret = bootloader_warnings(&pl)) < 0 ||
	    (ret = nic_warnings(&pl)) < 0)
		goto done;
done:
	for (i = 0; i < pl.nk; i++)
		free(pl.k[i].kver);
	free(pl.k);
	for (i = 0; i < pl.nnics; i++)
		free(pl.nics[i].mac);
	free(pl.nics);
	if (ret < 0) {
		gt_drivers_plan_free(pl.p);
		return ret;
	}
	*out = pl.p;
	return 0;
}

void gt_drivers_plan_free(struct gt_driver_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_steps; i++) {
		free(p->steps[i].path);
		free(p->steps[i].content);
		gt_strv_free(p->steps[i].argv);
		gt_strv_free(p->steps[i].backups);
		free(p->steps[i].description);
	}
	free(p->steps);
	gt_warnings_free(p->warnings, p->n_warnings);
	free(p);
}

void gt_drivers_plan_json(const struct gt_driver_plan *p, struct gt_json *j)
{
	size_t i;

	gt_json_begin_object(j);
	gt_json_kv_bool(j, "blkfront_available", p->blkfront_available);
	gt_json_kv_bool(j, "netfront_available", p->netfront_available);
	gt_json_kv_bool(j, "builtin", p->builtin);
	gt_json_kv_bool(j, "reboot_needed", p->reboot_needed);
	gt_json_key(j, "steps");
	gt_json_begin_array(j);
	for (i = 0; i < p->n_steps; i++) {
		const struct gt_driver_step *s = &p->steps[i];

		gt_json_begin_object(j);
		if (s->kind == GT_STEP_WRITE_FILE) {
			gt_json_kv_string(j, "kind", "write");
			gt_json_kv_string(j, "path", s->path);
			gt_json_kv_string(j, "content", s->content);
		} else {
			gt_json_kv_string(j, "kind", "run");
			gt_json_kv_strv(j, "argv", s->argv);
			gt_json_kv_strv(j, "backups", s->backups);
		}
		gt_json_kv_string(j, "description", s->description);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
	gt_json_key(j, "warnings");
	gt_json_begin_array(j);
	for (i = 0; i < p->n_warnings; i++) {
		gt_json_begin_object(j);
		gt_json_kv_string(j, "code", p->warnings[i].code);
		gt_json_kv_string(j, "message", p->warnings[i].message);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
	gt_json_end_object(j);
}

void gt_drivers_plan_print(const struct gt_driver_plan *p, FILE *fp)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		fprintf(fp, "  %zu. %s\n", i + 1, p->steps[i].description);
	for (i = 0; i < p->n_warnings; i++)
		fprintf(fp, "Warning: %s\n", p->warnings[i].message);
	if (p->reboot_needed && p->blkfront_available && p->netfront_available)
		fprintf(fp, "Reboot to switch to the PV drivers (PVHVM).\n");
}
