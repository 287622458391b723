/* SPDX-License-Identifier: MIT */
/*
 * The UUID of a filesystem or swap area, read with libblkid: live, from the
 * device fstab names; under --root, from the --disk image (its partition of
 * the same number), read-only.
 */
#include <blkid/blkid.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/hvm/hvm_parts.h"
#include "error.h"

static int probe_uuid(blkid_probe pr, char *uuid, size_t size)
{
	const char *v = NULL;

	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) != 0 ||
	    blkid_probe_lookup_value(pr, "UUID", &v, NULL) != 0 || !v || !*v)
		return -GT_ENOTFOUND;
	/* Only what a UUID is made of: the value goes into fstab and a command line. */
	for (const char *c = v; *c; c++)
		if (!isxdigit((unsigned char)*c) && *c != '-')
			return -GT_ENOTFOUND;
	if (strlen(v) >= size)
		return -GT_ENOTFOUND;
	snprintf(uuid, size, "%s", v);
	return 0;
}

static int live_uuid(const char *spec, char *uuid, size_t size)
{
	struct stat st;
	blkid_probe pr;
	int ret;

	if (stat(spec, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -GT_ENOTFOUND;
	pr = blkid_new_probe_from_filename(spec);
	if (!pr)
		return -GT_ENOTFOUND;
	ret = probe_uuid(pr, uuid, size);
	blkid_free_probe(pr);
	return ret;
}

/* Partition @partno (0: the whole disk) of the image or device @disk. */
static int image_uuid(const char *disk, unsigned partno, char *uuid, size_t size)
{
	blkid_loff_t start = 0, len = 0;
	blkid_probe pr = NULL;
	int fd, ret = -GT_ENOTFOUND;

	fd = open(disk, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (partno) {
		blkid_partlist ls;
		blkid_partition part;

		pr = blkid_new_probe();
		if (!pr || blkid_probe_set_device(pr, fd, 0, 0) != 0)
			goto out;
		blkid_probe_enable_partitions(pr, 1);
		ls = blkid_probe_get_partitions(pr);
		part = ls ? blkid_partlist_get_partition_by_partno(ls, (int)partno)
		          : NULL;
		if (!part)
			goto out;
		/* In 512-byte sectors, whatever the disk's sector size. */
		start = blkid_partition_get_start(part) * 512;
		len = blkid_partition_get_size(part) * 512;
		blkid_free_probe(pr);
	}
	pr = blkid_new_probe();
	if (pr && blkid_probe_set_device(pr, fd, start, len) == 0)
		ret = probe_uuid(pr, uuid, size);
out:
	if (pr)
		blkid_free_probe(pr);
	close(fd);
	return ret;
}

int hvm_uuid(const struct hvm *h, const char *spec, const char *root_disk, char *uuid,
             size_t size)
{
	const char *name = spec + strlen("/dev/"), *digits;
	size_t dl;

	if (h->root->host)
		return live_uuid(spec, uuid, size);
	if (!h->disk || !root_disk)
		return -GT_ENOTFOUND;
	/* "/dev/xvda1": disk "xvda", partition 1. Another disk is not --disk. */
	for (digits = name + strlen(name);
	     digits > name && isdigit((unsigned char)digits[-1]); digits--)
		;
	dl = (size_t)(digits - name);
	if (strlen(root_disk) != dl || strncmp(name, root_disk, dl) != 0 ||
	    strlen(digits) > 3)
		return -GT_ENOTFOUND;
	return image_uuid(h->disk, (unsigned)strtoul(digits, NULL, 10), uuid, size);
}
