/* SPDX-License-Identifier: MIT */
/*
 * Warnings about what names the emulated disk: /dev/sdX and /dev/hdX in
 * /etc/fstab and on the kernel command line of the boot loader (the disk
 * becomes /dev/xvdX once xen-blkfront takes over).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/drivers/planner.h"
#include "detect/devnames.h"
#include "strv.h"

int drv_fstab_warnings(struct planner *pl)
{
	char *buf, line[1024], xvd[300];
	size_t len = 0, n;
	struct lines it;
	const char *s;
	int ret = 0;

	buf = drv_read_soft(pl, "/etc/fstab", &len);
	drv_lines_init(&it, buf, len);
	while (ret == 0 && drv_next_line(&it, &s, &n)) {
		char *t = drv_line_str(s, n, line, sizeof(line));
		size_t w = strcspn(t, " \t");

		if (*t == '#' || !gt_devname_emulated(t, w, xvd, sizeof(xvd)))
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
	const char *val;
	size_t pos = 0, vlen;

	while (gt_cmdline_next_device(s, n, &pos, key, &val, &vlen))
		if (gt_devname_emulated(val, vlen, xvd, xsize)) {
			snprintf(dev, dsize, "%.*s", (int)vlen, val);
			return true;
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

	buf = drv_read_soft(pl, path, &len);
	drv_lines_init(&it, buf, len);
	while (drv_next_line(&it, &s, &n)) {
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

int drv_bootloader_warnings(struct planner *pl)
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
