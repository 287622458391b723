/* SPDX-License-Identifier: MIT */
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "error.h"
#include "detect/rootfs.h"
#include "strv.h"

#define MOUNTINFO_MAX ((size_t)4 * 1024 * 1024)

bool gt_rootfs_is_ext(const char *type)
{
	return type && (strcmp(type, "ext2") == 0 || strcmp(type, "ext3") == 0 ||
	                strcmp(type, "ext4") == 0 || strcmp(type, "ext4dev") == 0);
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *gt_rootfs_device_name(const struct gt_root *root, dev_t devno)
{
	char path[64], *target = NULL, *name;

	if (major(devno) == 0)
		return NULL; /* no block device behind it (tmpfs, overlay, nfs...) */
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(devno), minor(devno));
	if (gt_root_readlink(root, path, &target) < 0)
		return NULL;
	name = strdup(basename_of(target));
	free(target);
	return name;
}

char *gt_rootfs_disk_of(const struct gt_root *root, const char *dev)
{
	char path[300], *target = NULL, *slash, *disk;

	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", dev);
	if (!gt_root_exists(root, path))
		return strdup(dev);
	snprintf(path, sizeof(path), "/sys/class/block/%s", dev);
	if (gt_root_readlink(root, path, &target) < 0)
		return strdup(dev);
	slash = strrchr(target, '/');
	if (slash)
		*slash = '\0';
	disk = strdup(basename_of(target));
	free(target);
	return disk;
}

/* libblkid's TYPE of the device holding the root, read where we may. */
static char *probe_type(const struct gt_root *root, const struct gt_rootfs *fs)
{
	const char *candidates[2] = { fs->source, NULL };
	char devpath[300], *type = NULL;
	size_t i;

	if (fs->device) {
		snprintf(devpath, sizeof(devpath), "/dev/%s", fs->device);
		candidates[1] = devpath;
	}
	for (i = 0; i < 2 && !type; i++) {
		const char *value = NULL;
		blkid_probe pr;
		int fd;

		if (!candidates[i] || candidates[i][0] != '/')
			continue;
		/* Under --root, the device is the root's file, never the host's:
		 * opened inside the root, and the probe reads that fd. */
		fd = gt_root_open_file(root, candidates[i],
		                       O_RDONLY | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			continue;
		pr = blkid_new_probe();
		if (!pr || blkid_probe_set_device(pr, fd, 0, 0) != 0) {
			blkid_free_probe(pr);
			close(fd);
			continue;
		}
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
		if (blkid_do_safeprobe(pr) == 0 &&
		    blkid_probe_lookup_value(pr, "TYPE", &value, NULL) == 0 && value)
			type = strdup(value);
		blkid_free_probe(pr);
		close(fd);
	}
	return type;
}

static int parse_table(const char *buf, size_t len, const char *name, bool is_mtab,
                       struct libmnt_table **out)
{
	struct libmnt_table *tb;
	FILE *fp;
	int ret;

	tb = mnt_new_table();
	if (!tb)
		return -ENOMEM;
	fp = fmemopen((void *)buf, len, "r");
	if (!fp) {
		mnt_unref_table(tb);
		return -ENOMEM;
	}
	(void)is_mtab; /* libmount tells the two formats apart by itself */
	ret = mnt_table_parse_stream(tb, fp, name);
	(void)fclose(fp); /* a read-only memory stream: nothing to lose */
	if (ret < 0) {
		mnt_unref_table(tb);
		return -GT_EPARSE;
	}
	*out = tb;
	return 0;
}

int gt_rootfs_detect(const struct gt_root *root, struct gt_rootfs **out)
{
	static const char *const tables[] = { "/proc/self/mountinfo", "/proc/1/mountinfo",
		                              "/proc/mounts", "/etc/mtab" };
	struct libmnt_table *tb = NULL;
	struct libmnt_iter *it = NULL;
	struct libmnt_fs *fs = NULL, *rootent = NULL;
	struct gt_rootfs *r;
	char *buf = NULL;
	size_t len = 0, i;
	int ret = 0;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]) && !buf; i++) {
		ret = gt_root_read_file(root, tables[i], MOUNTINFO_MAX, &buf, &len);
		if (ret == 0) {
			r->mountinfo = strdup(tables[i]);
		} else if (ret == -ENOMEM) {
			goto fail;
		} else if (ret != -ENOENT && ret != -ENOTDIR && ret != -EACCES) {
			/* There but unusable (a FIFO, a directory, too large, an I/O
			 * error): report it and go on without a root entry. */
			if (asprintf(&r->problem, "%s: cannot be read: %s", tables[i],
			             gt_strerror(ret)) < 0)
				r->problem = NULL;
			goto done;
		}
	}
	if (!buf)
		goto done;
	ret = parse_table(buf, len, r->mountinfo, false, &tb);
	if (ret == -GT_EPARSE) {
		/* Report it and go on without a root entry: the rest still helps. */
		if (asprintf(&r->problem, "%s: cannot be parsed as a mount table",
		             r->mountinfo) < 0)
			r->problem = NULL;
		goto done;
	}
	if (ret < 0)
		goto fail;
	ret = -ENOMEM;
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!it)
		goto fail;
	/* The last entry on "/" is the one in effect (it hides those before). */
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);

		if (target && strcmp(target, "/") == 0)
			rootent = fs;
	}
	if (rootent) {
		const char *src = mnt_fs_get_srcpath(rootent);

		if (!src)
			src = mnt_fs_get_source(rootent);
		r->source = strdup(src ? src : "");
		r->type = strdup(mnt_fs_get_fstype(rootent) ? mnt_fs_get_fstype(rootent)
		                                            : "");
		if (!r->source || !r->type)
			goto fail;
		r->device = gt_rootfs_device_name(root, mnt_fs_get_devno(rootent));
		if (!r->device && gt_startswith(r->source, "/dev/") &&
		    !strchr(r->source + 5, '/') && strcmp(r->source, "/dev/root") != 0)
			r->device = strdup(r->source + 5);
		if (r->device)
			r->disk = gt_rootfs_disk_of(root, r->device);
		r->on_disk_type = probe_type(root, r);
	}
	r->flagged = gt_rootfs_is_ext(r->on_disk_type ? r->on_disk_type : r->type);
done:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	free(buf);
	*out = r;
	return 0;
fail:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	free(buf);
	gt_rootfs_free(r);
	return ret;
}

void gt_rootfs_free(struct gt_rootfs *fs)
{
	if (!fs)
		return;
	free(fs->source);
	free(fs->type);
	free(fs->on_disk_type);
	free(fs->device);
	free(fs->disk);
	free(fs->mountinfo);
	free(fs->problem);
	free(fs);
}
