/* SPDX-License-Identifier: MIT */
/*
 * fstab by UUID: a PV disk named /dev/xvda1 may be /dev/sda1 once booted
 * HVM (until xen-blkfront takes over, or for good when it cannot); the
 * filesystem's UUID stays. The root's UUID also serves root= (console.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/hvm/edit.h"
#include "actions/hvm/hvm_parts.h"
#include "error.h"
#include "strv.h"

#define CHECK "root_names"

struct lookup_ctx {
	const struct hvm *h;
	const char *root_disk;
};

static int lookup(const char *spec, char *uuid, size_t size, void *ctx)
{
	const struct lookup_ctx *c = ctx;

	return hvm_uuid(c->h, spec, c->root_disk, uuid, size);
}

/* The device field of the fstab entry mounted on "/", into @spec. */
static bool root_spec(const char *buf, size_t len, char *spec, size_t size)
{
	const char *p = buf, *end = buf + len, *nl;

	for (; p < end; p = nl + 1) {
		const char *s = p, *w1, *w2;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		while (s < nl && isspace((unsigned char)*s))
			s++;
		if (s == nl || *s == '#')
			continue;
		w1 = s;
		while (s < nl && !isspace((unsigned char)*s))
			s++;
		if ((size_t)(s - w1) >= size)
			continue;
		while (s < nl && isspace((unsigned char)*s))
			s++;
		w2 = s;
		if (s < nl && *s == '/' &&
		    (s + 1 == nl || isspace((unsigned char)s[1]))) {
			memcpy(spec, w1, (size_t)(w2 - w1));
			spec[w2 - w1] = '\0';
			gt_strip(spec);
			return true;
		}
	}
	return false;
}

int hvm_plan_names(struct hvm *h)
{
	char *buf = NULL, *fixed = NULL, spec[256], disk[64] = "", uuid[80];
	struct lookup_ctx c = { h, NULL };
	size_t len = 0, missed = 0;
	int ret = hvm_read(h, "/etc/fstab", &buf, &len);

	if (ret < 0 || !buf)
		return ret;
	if (root_spec(buf, len, spec, sizeof(spec))) {
		if (strncmp(spec, "UUID=", 5) == 0) {
			h->root_uuid = strdup(spec + 5);
		} else if (gt_hvm_name_changes(spec)) {
			size_t n = strlen(spec);

			while (n > 5 && isdigit((unsigned char)spec[n - 1]))
				n--;
			if (n - 5 < sizeof(disk)) {
				memcpy(disk, spec + 5, n - 5);
				disk[n - 5] = '\0';
				c.root_disk = disk;
				snprintf(h->root_disk, sizeof(h->root_disk), "%s", disk);
			}
			if (hvm_uuid(h, spec, c.root_disk, uuid, sizeof(uuid)) == 0)
				h->root_uuid = strdup(uuid);
		}
	}
	ret = gt_hvm_fstab_fix(buf, len, lookup, &c, &fixed, &missed);
	free(buf);
	if (ret == 0 && fixed)
		ret = hvm_add_write(
		        h, CHECK, "/etc/fstab", fixed,
		        "name the filesystems of /etc/fstab by UUID where they were named by a disk name that changes");
	if (ret == 0 && missed > 0) {
		/* Whole messages: "entry" and "entries" are not one word in every
		 * language. */
		bool readable = h->root->host || h->disk;

		if (readable && missed == 1)
			ret = hvm_add_item(
			        h, false, CHECK, NULL,
			        "not done: %zu /etc/fstab entry by a disk name that changes (/dev/xvdX, /dev/sdX) whose UUID cannot be read: name them by UUID or LABEL by hand",
			        missed);
		else if (readable)
			ret = hvm_add_item(
			        h, false, CHECK, NULL,
			        "not done: %zu /etc/fstab entries by a disk name that changes (/dev/xvdX, /dev/sdX) whose UUID cannot be read: name them by UUID or LABEL by hand",
			        missed);
		else if (missed == 1)
			ret = hvm_add_item(
			        h, false, CHECK, NULL,
			        "not done: %zu /etc/fstab entry by a disk name that changes: give --disk PATH (the guest's disk image) so that their UUIDs can be read, or run prepare-hvm in the guest",
			        missed);
		else
			ret = hvm_add_item(
			        h, false, CHECK, NULL,
			        "not done: %zu /etc/fstab entries by a disk name that changes: give --disk PATH (the guest's disk image) so that their UUIDs can be read, or run prepare-hvm in the guest",
			        missed);
	}
	return ret;
}
