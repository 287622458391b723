/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the mount table path of installer/detect/rootfs.c: the same
 * libmount calls on a buffer (fmemopen + mnt_table_parse_stream, then the
 * getters rootfs.c reads). rootfs.c's own parse_table() is static; this
 * copies its sequence rather than changing that file. Both a mountinfo and
 * an mtab reading are tried. Built by tests/fuzz/build.mk.
 */
#include <libmount.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse(const uint8_t *data, size_t size, const char *name)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs = NULL;
	FILE *fp = size ? fmemopen((void *)data, size, "r") : NULL;

	if (tb && it && fp && mnt_table_parse_stream(tb, fp, name) == 0) {
		while (mnt_table_next_fs(tb, it, &fs) == 0) {
			(void)mnt_fs_get_target(fs);
			(void)mnt_fs_get_srcpath(fs);
			(void)mnt_fs_get_source(fs);
			(void)mnt_fs_get_fstype(fs);
			(void)mnt_fs_get_devno(fs);
			(void)mnt_fs_get_options(fs);
		}
	}
	if (fp)
		fclose(fp);
	mnt_free_iter(it);
	mnt_unref_table(tb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse(data, size, "mountinfo");
	parse(data, size, "mtab");
	return 0;
}
