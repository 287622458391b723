/* SPDX-License-Identifier: MIT */
/*
 * installer collect OUT.tar.gz [--root DIR] [--force]: a support bundle.
 *
 * The bundle holds exactly what `installer detect` reads, laid out as the
 * system has it, so that `installer detect --root <unpacked bundle>` gives
 * the same verdict on another machine: regular files with their content
 * (read fully: /proc files say size 0), the symbolic links met on the way
 * to them stored as links (sysfs is made of them), directories whose
 * existence counts, and two files CPUID and uname would otherwise give:
 * .guest-tools/cpuid and .guest-tools/arch. Paths detect only tests for
 * existence are stored as empty files; device nodes never are.
 *
 * The archive is written to OUT.tmp and renamed into place, so OUT is
 * either complete or absent.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detect/arch.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "error.h"
#include "cli/exitcode.h"
#include "io.h"
#include "i18n.h"
#include "log.h"
#include "root.h"
#include "strv.h"
#include "detect/virt.h"
#include "detect/virt_xenstore.h"

/* Every file is bounded: nothing detect reads is near this. */
#define FILE_MAX    ((size_t)1024 * 1024)
#define MAX_LINKS   40
#define MAX_ENTRIES 20000

enum what {
	READ, /* a file detect reads: its content */
	TEST, /* detect tests that it exists (or is a directory): no content */
	LINK, /* detect reads the link itself (readlink); TEST when it is no link */
	LIST, /* detect lists the directory: its entries, links kept as links */
};

/*
 * THE FILE LIST: everything `installer detect` reads. Keep it in step with
 * lib/distro.c and installer/detect/ (arch.c, initsys.c, rootfs.c, virt_*.c):
 * a path read there and missing here makes detect on the bundle disagree
 * with detect on the system (tests/cli/test_collect.py catches that for the
 * fixture trees). A "*" in a component stands for every name in that
 * directory (fnmatch). arch.c's /bin/sh and /usr/bin/env are not copied:
 * .guest-tools/arch replaces them; virt_cpuid.c's CPUID instruction is
 * .guest-tools/cpuid, virt_xenstore.c's live xenstore .guest-tools/xenstore/.
 */
static const struct source {
	const char *path;
	enum what what;
} sources[] = {
	/* lib/distro.c */
	{ "/etc/os-release", READ },
	{ "/usr/lib/os-release", READ },
	{ "/etc/lsb-release", READ },
	{ "/etc/*-release", READ }, /* the legacy and generic release files */
	{ "/etc/slackware-version", READ },
	{ "/etc/debian_version", READ },
	/* lib/distro_family.c: the package databases (only whether they are there) */
	{ "/var/lib/dpkg/status", TEST },
	{ "/var/lib/rpm/rpmdb.sqlite", TEST },
	{ "/var/lib/rpm/Packages", TEST },
	{ "/var/lib/rpm/Packages.db", TEST },
	{ "/usr/lib/sysimage/rpm/rpmdb.sqlite", TEST },
	{ "/usr/lib/sysimage/rpm/Packages.db", TEST },
	{ "/usr/lib/sysimage/rpm/Packages", TEST },
	{ "/lib/apk/db/installed", TEST },
	{ "/var/lib/pacman/local", TEST },
	{ "/var/db/pkg", TEST },
	{ "/var/db/xbps", TEST },
	{ "/nix/store", TEST },
	/* installer/initsys.c */
	{ "/run/systemd/system", TEST },
	{ "/proc/1/comm", READ },
	{ "/sbin/openrc", TEST },
	{ "/sbin/openrc-run", TEST },
	{ "/etc/runlevels", TEST },
	{ "/sbin/initctl", TEST },
	{ "/etc/init", TEST },
	{ "/lib/systemd/systemd", TEST },
	{ "/sbin/runit", TEST },
	{ "/etc/runit/1", TEST },
	{ "/sbin/init", LINK },
	{ "/etc/inittab", TEST },
	{ "/etc/init.d", TEST },
	{ "/etc/rc.d", TEST },
	/* installer/rootfs.c: the mount table, then the root's device and disk */
	{ "/proc/self/mountinfo", READ },
	{ "/proc/1/mountinfo", READ },
	{ "/proc/mounts", READ },
	{ "/etc/mtab", READ },
	{ "/sys/dev/block/*", LINK },
	{ "/sys/class/block/*", LINK },
	{ "/sys/class/block/*/partition", TEST },
	/* installer/detect/virt_probe.c: containers */
	{ "/.dockerenv", TEST },
	{ "/.dockerinit", TEST },
	{ "/run/.containerenv", TEST },
	{ "/proc/1/environ", READ }, /* only its container= entry is kept */
	{ "/proc/self/status", READ },
	{ "/proc/version", READ },
	{ "/proc/vz", TEST },
	{ "/proc/bc", TEST },
	{ "/proc/1/cgroup", READ },
	/* installer/detect/virt_probe.c: hypervisor signs */
	{ "/sys/hypervisor/type", READ },
	{ "/sys/hypervisor/guest_type", READ },
	{ "/sys/hypervisor/properties/features", READ },
	{ "/sys/class/dmi/id/sys_vendor", READ },
	{ "/sys/class/dmi/id/product_name", READ },
	{ "/sys/class/dmi/id/board_vendor", READ },
	{ "/sys/class/dmi/id/board_name", READ },
	{ "/proc/xen", TEST },
	{ "/proc/xen/capabilities", READ },
	{ "/proc/device-tree/hypervisor/compatible", READ },
	{ "/proc/device-tree/compatible", READ },
	{ "/proc/device-tree/fw-cfg@9020000", TEST },
	{ "/proc/cpuinfo", READ },
	{ "/proc/sysinfo", READ },
	{ "/proc/ppc64/lparcfg", TEST },
	{ "/dev/mdesc", TEST },
	{ "/proc/bus/pci/devices", READ },
	{ "/proc/cmdline", READ },
	/* installer/detect/virt_devices.c: the xenbus frontends (their xenstore
	 * values are added by write_bundle), the NICs and what carries the
	 * network, the disks under the root through device-mapper and md, and
	 * the bus and driver of each device or of the controller behind it */
	{ "/sys/bus/xen/drivers/vbd", TEST },
	{ "/sys/bus/xen/drivers/vif", TEST },
	{ "/sys/bus/xen/devices", LIST },
	{ "/sys/bus/xen/devices/*/driver", LINK },
	{ "/sys/bus/xen/devices/*/nodename", READ },
	{ "/sys/bus/xen/devices/*/state", READ },
	{ "/sys/bus/xen/devices/*/block", LIST },
	{ "/sys/bus/xen/devices/*/net", LIST },
	{ "/sys/class/net", LIST },
	{ "/sys/class/net/*/device/driver", LINK },
	{ "/sys/class/net/*/lower_*", LINK },
	{ "/proc/net/route", READ },
	{ "/proc/net/if_inet6", READ },
	{ "/proc/net/ipv6_route", READ },
	{ "/sys/class/block/*/device/driver", LINK },
	{ "/sys/class/block/*/slaves", LIST },
	{ "/sys/class/block/*/holders", LIST },
	{ "/sys/class/block/*/dm/name", READ },
	{ "/sys/class/block/*/dm/uuid", READ },
	{ "/sys/class/block/*/md/level", READ },
	{ "/sys/bus/pci/devices", TEST },
	{ "/sys/bus/pci/devices/*/vendor", READ },
	{ "/sys/bus/pci/devices/*/device", READ },
	{ "/sys/bus/pci/devices/*/driver", LINK },
	{ "/sys/bus/virtio/devices/*/driver", LINK },
	{ "/sys/bus/vmbus/devices", LIST },
	{ "/sys/bus/vmbus/devices/*/driver", LINK },
};

struct bundle {
	const struct gt_root *root;
	struct archive *a;
	char **stored; /* archive paths written so far */
	size_t nstored;
	char *log; /* .guest-tools/collect.log */
	size_t loglen;
	int err; /* first fatal error (-ENOMEM, -EIO) */
	const char *errtext;
};

static void note(struct bundle *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void note(struct bundle *b, const char *fmt, ...)
{
	char *line = NULL, *grown;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0 || !(grown = realloc(b->log, b->loglen + (size_t)n + 2))) {
		free(line);
		b->err = -ENOMEM;
		return;
	}
	b->log = grown;
	memcpy(b->log + b->loglen, line, (size_t)n);
	b->loglen += (size_t)n;
	b->log[b->loglen++] = '\n';
	b->log[b->loglen] = '\0';
	gt_log(GT_LOG_DEBUG, "collect: %s", line);
	free(line);
}

static bool stored(const struct bundle *b, const char *path)
{
	return gt_strv_contains(b->stored, path);
}

/* One archive entry; @data/@len for a regular file, @link for a symlink. */
static void put(struct bundle *b, const char *path, mode_t type, mode_t perm,
                time_t mtime, const char *data, size_t len, const char *link)
{
	struct archive_entry *e;

	if (b->err || stored(b, path))
		return;
	if (b->nstored >= MAX_ENTRIES) {
		note(b, "skipped: %s: more than %d entries", path, MAX_ENTRIES);
		return;
	}
	if (gt_strv_push(&b->stored, &b->nstored, path) < 0) {
		b->err = -ENOMEM;
		return;
	}
	e = archive_entry_new();
	if (!e) {
		b->err = -ENOMEM;
		return;
	}
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	/* Whoever unpacks the bundle must be able to read and remove it. */
	archive_entry_set_perm(e, (perm & 07777) | (type == AE_IFDIR ? 0700 : 0600));
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (link)
		archive_entry_set_symlink(e, link);
	if (archive_write_header(b->a, e) != ARCHIVE_OK ||
	    (type == AE_IFREG && len &&
	     archive_write_data(b->a, data, len) != (la_ssize_t)len)) {
		b->err = -EIO;
		b->errtext = archive_error_string(b->a);
	}
	archive_entry_free(e);
}

/* /proc/1/environ minus everything but container= (pid 1 may hold secrets). */
static size_t keep_container_var(char *buf, size_t len)
{
	size_t in = 0, out = 0;

	while (in < len) {
		size_t l = strnlen(buf + in, len - in);

		if (l >= 10 && memcmp(buf + in, "container=", 10) == 0) {
			memmove(buf + out, buf + in, l);
			out += l;
			buf[out++] = '\0';
		}
		in += l + 1;
	}
	return out;
}

/* The content of regular file @rel (resolved, inside the root), read fully. */
static void put_file(struct bundle *b, const char *rel, const struct stat *st,
                     bool only_container)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = openat(b->root->fd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		note(b, "unreadable: /%s: %s", rel, strerror(errno));
		return;
	}
	buf = malloc(FILE_MAX + 1);
	if (!buf) {
		b->err = -ENOMEM;
		goto out;
	}
	n = gt_read_full(fd, buf, FILE_MAX + 1);
	if (n < 0) {
		note(b, "unreadable: /%s: %s", rel, strerror((int)-n));
		goto out;
	}
	len = (size_t)n;
	if (len > FILE_MAX) {
		/* Keep whole lines: a cut line would read as a malformed one. */
		char *nl = memrchr(buf, '\n', FILE_MAX);

		len = nl ? (size_t)(nl - buf) + 1 : FILE_MAX;
		note(b, "truncated: /%s: kept the first %zu bytes", rel, len);
	}
	if (only_container)
		len = keep_container_var(buf, len);
	put(b, rel, AE_IFREG, st->st_mode, st->st_mtime, buf, len, NULL);
out:
	free(buf);
	close(fd);
}

/* What a path that detect only tests for looks like in the bundle. */
static void put_shallow(struct bundle *b, const char *rel, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		put(b, rel, AE_IFDIR, st->st_mode, st->st_mtime, NULL, 0, NULL);
	else
		put(b, rel, AE_IFREG, st->st_mode & 0777, st->st_mtime, "", 0, NULL);
}

static void put_link(struct bundle *b, const char *rel, const struct stat *st,
                     char **target)
{
	char *t = malloc(4097);
	ssize_t n;

	*target = NULL;
	if (!t) {
		b->err = -ENOMEM;
		return;
	}
	n = readlinkat(b->root->fd, rel, t, 4096);
	if (n < 0) {
		note(b, "unreadable link: /%s: %s", rel, strerror(errno));
		free(t);
		return;
	}
	t[n] = '\0';
	put(b, rel, AE_IFLNK, 0777, st->st_mtime, NULL, 0, t);
	*target = t;
}

/*
 * Store @path as detect would reach it: every symbolic link met on the way
 * (resolved inside the root, as lib/root.c does) is stored as a link, then
 * the object at the end as @what says. A missing component ends the walk:
 * detect finds nothing there either.
 */
static void store(struct bundle *b, const char *path, enum what what, bool only_container)
{
	char *cur = NULL, *rest = NULL, *comp, *next;
	size_t links = 0;
	struct stat st;

	if (!(cur = strdup("")) || !(rest = strdup(path))) {
		b->err = -ENOMEM;
		goto out;
	}
	for (;;) {
		char *cand = NULL, *target = NULL, *joined = NULL;
		bool last;

		comp = rest + strspn(rest, "/");
		if (!*comp)
			break; /* the path was "/" */
		next = comp + strcspn(comp, "/");
		if (*next)
			*next++ = '\0';
		last = next[strspn(next, "/")] == '\0';
		if (strcmp(comp, ".") == 0)
			goto advance;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(cur, '/');

			if (slash)
				*slash = '\0';
			else
				cur[0] = '\0';
			goto advance;
		}
		if (asprintf(&cand, "%s%s%s", cur, *cur ? "/" : "", comp) < 0) {
			b->err = -ENOMEM;
			goto out;
		}
		if (fstatat(b->root->fd, cand, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(cand);
			goto out; /* absent (or unreachable): nothing to store */
		}
		if (S_ISLNK(st.st_mode)) {
			put_link(b, cand, &st, &target);
			if (!target || (last && what == LINK) || ++links > MAX_LINKS) {
				free(target);
				free(cand);
				goto out;
			}
			/* Go on from the link's directory (or the root) with its target.
			 */
			if (asprintf(&joined, "%s/%s", target, next) < 0) {
				free(target);
				free(cand);
				b->err = -ENOMEM;
				goto out;
			}
			if (target[0] == '/')
				cur[0] = '\0';
			free(target);
			free(cand);
			free(rest);
			rest = joined;
			continue;
		}
		if (last) {
			if (what == READ && S_ISREG(st.st_mode))
				put_file(b, cand, &st, only_container);
			else if (what == READ && !S_ISDIR(st.st_mode))
				note(b, "skipped: /%s: not a regular file", cand);
			else
				put_shallow(b, cand, &st);
			if (what == LIST && S_ISDIR(st.st_mode)) {
				char **names = NULL;
				size_t i, n = 0;

				if (gt_root_list_dir(b->root, cand, &names, &n) == 0)
					for (i = 0; i < n && !b->err; i++) {
						char *kid = NULL;
						struct stat kst;

						if (asprintf(&kid, "%s/%s", cand,
						             names[i]) < 0) {
							b->err = -ENOMEM;
							break;
						}
						if (fstatat(b->root->fd, kid, &kst,
						            AT_SYMLINK_NOFOLLOW) == 0) {
							char *t = NULL;

							if (S_ISLNK(kst.st_mode))
								put_link(b, kid, &kst,
								         &t);
							else
								put_shallow(b, kid, &kst);
							free(t);
						}
						free(kid);
					}
				gt_strv_free(names);
			}
			free(cand);
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			free(cand);
			goto out;
		}
		free(cur);
		cur = cand;
	advance:
		memmove(rest, next, strlen(next) + 1);
	}
out:
	free(cur);
	free(rest);
}

/* Expand the "*" components of @pattern (from @from on), then store each path.
 * One level of recursion per "*" in the pattern, which is one of ours. */
// NOLINTNEXTLINE(misc-no-recursion): bounded by the stars in a fixed pattern
static void expand(struct bundle *b, const char *done, const char *pattern,
                   const struct source *src)
{
	const char *star = strchr(pattern, '*'), *seg, *end;
	char **names = NULL, *dir = NULL, *glob = NULL;
	size_t i, n = 0;

	if (!star) {
		char *full = NULL;

		if (asprintf(&full, "%s%s", done, pattern) < 0) {
			b->err = -ENOMEM;
			return;
		}
		store(b, full, src->what, strcmp(src->path, "/proc/1/environ") == 0);
		free(full);
		return;
	}
	/* The component holding the star: [seg, end). */
	for (seg = star; seg > pattern && seg[-1] != '/'; seg--)
		;
	end = seg + strcspn(seg, "/");
	if (asprintf(&dir, "%s%.*s", done, (int)(seg - pattern), pattern) < 0 ||
	    !(glob = strndup(seg, (size_t)(end - seg)))) {
		b->err = -ENOMEM;
		goto out;
	}
	if (gt_root_list_dir(b->root, dir, &names, &n) < 0)
		goto out;
	for (i = 0; i < n && !b->err; i++) {
		char *prefix = NULL;

		if (fnmatch(glob, names[i], 0) != 0)
			continue;
		if (asprintf(&prefix, "%s%s", dir, names[i]) < 0) {
			b->err = -ENOMEM;
			break;
		}
		expand(b, prefix, end, src);
		free(prefix);
	}
out:
	gt_strv_free(names);
	free(dir);
	free(glob);
}

/*
 * .guest-tools/xenstore/<path>: the xenstore values detect reads about the
 * xenbus frontends (each vbd's device-type, each frontend's state and backend,
 * the backend's state), from the live store or the --root tree's files. The
 * paths are checked by gt_xenstore_read(): no "..", no stray characters.
 */
static void put_xenstore(struct bundle *b, time_t now)
{
	char **pairs = NULL;
	size_t i;

	if (gt_xenstore_snapshot(b->root, &pairs) < 0) {
		b->err = -ENOMEM;
		return;
	}
	for (i = 0; pairs[i] && pairs[i + 1] && !b->err; i += 2) {
		char *name = NULL;
		const char *path = pairs[i][0] == '/' ? pairs[i] + 1 : pairs[i];

		if (asprintf(&name, "%s/%s", GT_XENSTORE_DIR, path) < 0) {
			b->err = -ENOMEM;
			break;
		}
		put(b, name, AE_IFREG, 0644, now, pairs[i + 1], strlen(pairs[i + 1]),
		    NULL);
		free(name);
	}
	gt_strv_free(pairs);
}

/* .guest-tools/cpuid: this machine's CPUID leaves, or the --root tree's file. */
static int cpuid_text(const struct gt_root *root, const char *arch, char **out)
{
	char *sigs[16] = { NULL }, *text;
	size_t len = 0, i;
	int n = 0;

	if (!root->host) {
		int ret = gt_root_read_file(root, "/.guest-tools/cpuid",
		                            (size_t)64 * 1024, out, &len);

		if (ret == -ENOENT || ret == -ENOTDIR)
			return (*out = strdup("")) ? 0 : -ENOMEM;
		return ret;
	}
	if (strcmp(arch, "x86_64") == 0 || strcmp(arch, "i686") == 0)
		n = gt_virt_cpuid_leaves(sigs, 16);
	if (n < 0)
		return n;
	text = calloc(1, (size_t)n * 14 + 1);
	if (!text) {
		for (i = 0; i < (size_t)n; i++)
			free(sigs[i]);
		return -ENOMEM;
	}
	for (i = 0; i < (size_t)n; i++) {
		len += (size_t)sprintf(text + len, "%s\n", sigs[i]);
		free(sigs[i]);
	}
	*out = text;
	return 0;
}

static int write_bundle(const struct gt_root *root, int fd, size_t *entries)
{
	struct bundle b = { .root = root };
	const char *arch = gt_arch_detect(root);
	char *cpuid = NULL, archline[32];
	time_t now = time(NULL);
	size_t i;
	int ret;

	ret = cpuid_text(root, arch, &cpuid);
	if (ret < 0) {
		gt_err("collect: cannot read %s/.guest-tools/cpuid: %s", root->dir,
		       gt_strerror(ret));
		return ret;
	}
	b.a = archive_write_new();
	if (!b.a) {
		free(cpuid);
		return -ENOMEM;
	}
	if (archive_write_set_format_pax_restricted(b.a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(b.a) != ARCHIVE_OK ||
	    archive_write_open_fd(b.a, fd) != ARCHIVE_OK) {
		b.err = -EIO;
		b.errtext = archive_error_string(b.a);
		goto out;
	}
	note(&b, "installer collect %s, root %s", GT_VERSION, root->dir);
	put(&b, ".guest-tools", AE_IFDIR, 0755, now, NULL, 0, NULL);
	put(&b, ".guest-tools/cpuid", AE_IFREG, 0644, now, cpuid, strlen(cpuid), NULL);
	snprintf(archline, sizeof(archline), "%s\n", arch);
	put(&b, ".guest-tools/arch", AE_IFREG, 0644, now, archline, strlen(archline),
	    NULL);
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]) && !b.err; i++)
		expand(&b, "", sources[i].path, &sources[i]);
	if (!b.err)
		put_xenstore(&b, now);
	/* The log says what could not be read: last, so that it is complete. */
	if (!b.err)
		put(&b, ".guest-tools/collect.log", AE_IFREG, 0644, now, b.log, b.loglen,
		    NULL);
	if (!b.err && archive_write_close(b.a) != ARCHIVE_OK) {
		b.err = -EIO;
		b.errtext = archive_error_string(b.a);
	}
out:
	if (b.err == -EIO)
		gt_err("collect: cannot write the archive: %s",
		       b.errtext ? b.errtext : "I/O error");
	archive_write_free(b.a);
	*entries = b.nstored;
	gt_strv_free(b.stored);
	free(b.log);
	free(cpuid);
	return b.err;
}

/* The temporary file, removed if a signal ends us half way. */
static char *tmp_path;

static void on_signal(int sig)
{
	if (tmp_path)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Put @tmp in place as @out; without @force never replace an existing @out. */
static int publish(const char *tmp, const char *out, bool force)
{
	if (force)
		return rename(tmp, out) < 0 ? -errno : 0;
	/* link() fails when @out exists: no window in which another file is lost. */
	if (link(tmp, out) == 0)
		return unlink(tmp) < 0 ? -errno : 0;
	if (errno == EEXIST)
		return -EEXIST;
	/* Filesystems without hard links (vfat): check, then rename. */
	if (access(out, F_OK) == 0)
		return -EEXIST;
	return rename(tmp, out) < 0 ? -errno : 0;
}

static const char usage[] =
        N_("Usage: installer collect OUT.tar.gz [--root DIR] [--force] [-q] [-v]\n\n"
           "Write a support bundle: the files `installer detect` reads, so that\n"
           "`installer detect --root <unpacked bundle>` gives the same verdict\n"
           "elsewhere. Reads only (besides writing OUT).\n\n"
           "  --root DIR   collect from DIR instead of this system\n"
           "  -f, --force  replace OUT if it exists\n"
           "  -q, -v       quieter, more verbose (-vv lists what was skipped)\n"
           "  -h, --help   show this help\n");

int cmd_collect(int argc, char **argv)
{
	const char *out;
	struct gt_root *root = NULL;
	int ret, fd = -1, rc;
	size_t entries = 0;
	struct gt_cli o;
	struct stat st;

	rc = gt_cli_parse(argc, argv, "collect", GT_OPT_FORCE | GT_OPT_OPERAND, usage,
	                  &o);
	if (rc >= 0)
		return rc;
	rc = GT_EXIT_FAILURE;
	out = o.operand;
	if (!out || !*out) {
		gt_err("collect: give the output file (OUT.tar.gz)\nTry 'installer collect --help'.");
		return GT_EXIT_USAGE;
	}
	ret = gt_root_open(o.root, &root);
	if (ret < 0) {
		gt_err("%s: cannot open the root directory: %s (give an existing directory to --root)",
		       o.root, gt_strerror(ret));
		return GT_EXIT_USAGE;
	}
	if (!o.force && lstat(out, &st) == 0) {
		gt_err("%s: already exists: give --force to replace it", out);
		goto out;
	}
	if (asprintf(&tmp_path, "%s.tmp", out) < 0) {
		tmp_path = NULL;
		gt_err("collect: out of memory");
		goto out;
	}
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && o.force && unlink(tmp_path) == 0)
		fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		          0600);
	if (fd < 0) {
		int e = errno;

		gt_err("%s: cannot create: %s%s", tmp_path, strerror(e),
		       e == EEXIST
		               ? " (left by an interrupted collect? remove it, or give --force)"
		               : "");
		free(tmp_path);
		tmp_path = NULL;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	ret = write_bundle(root, fd, &entries);
	if (ret == 0 && fsync(fd) < 0) {
		ret = -errno;
		gt_err("%s: %s", tmp_path, strerror(errno));
	}
	if (close(fd) < 0 && ret == 0) {
		ret = -errno;
		gt_err("%s: %s", tmp_path, strerror(errno));
	}
	fd = -1;
	if (ret == -ENOMEM)
		gt_err("collect: out of memory");
	if (ret == 0) {
		ret = publish(tmp_path, out, o.force);
		if (ret == -EEXIST)
			gt_err("%s: already exists: give --force to replace it", out);
		else if (ret < 0)
			gt_err("%s: cannot rename %s to it: %s", out, tmp_path,
			       strerror(-ret));
	}
	if (ret < 0) {
		unlink(tmp_path);
		goto out;
	}
	if (stat(out, &st) == 0 && gt_log_verbosity() > GT_LOG_ERROR)
		printf(gt_tr("%s: %zu entries, %lld bytes\n"), out, entries,
		       (long long)st.st_size);
	rc = fflush(stdout) == 0 ? GT_EXIT_OK : GT_EXIT_FAILURE;
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (fd >= 0) {
		close(fd);
		unlink(tmp_path);
	}
	free(tmp_path);
	tmp_path = NULL;
	gt_root_close(root);
	return rc;
}
