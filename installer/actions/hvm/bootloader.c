/* SPDX-License-Identifier: MIT */
/*
 * Boot code on the boot disk: HVM firmware (SeaBIOS) runs the MBR's code,
 * which a PV guest never needed (pygrub or dom0 read the kernel from the
 * filesystem). Installed only by the guest's own grub-install, only live;
 * the region it writes (sector 0 up to the first partition, at most 1 MiB)
 * is kept in the journal first (transaction/region.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/hvm/hvm_parts.h"
#include "detect/bootsector.h"
#include "io.h"
#include "strv.h"
#include "transaction/region.h"

#define CHECK "boot_code"

/* The package that brings grub-install for BIOS, by distribution family. */
static const char *grub_package_command(const struct hvm *h)
{
	const struct gt_distro *d = h->d->distro;
	bool suse = strstr(d->id, "suse") || strcmp(d->id, "sles") == 0 ||
	            gt_strv_contains(d->like, "suse");

	if (strcmp(d->family, "deb") == 0)
		return "apt-get install grub-pc";
	if (suse)
		return "zypper install grub2-i386-pc";
	if (strcmp(d->family, "rpm") == 0)
		return "yum install grub2-pc";
	return NULL;
}

static const char *first_present(const struct hvm *h, const char *const *paths)
{
	for (; *paths; paths++)
		if (gt_root_exists(h->root, *paths))
			return *paths;
	return NULL;
}

enum mbr_kind { MBR_NONE, MBR_GPT, MBR_EMPTY_CODE, MBR_BOOT_LOADER, MBR_OTHER_CODE };

/*
 * What sector 0 holds, as detect's recogniser reads it (detect/bootsector.c);
 * *first_lba the first partition's start (0: none).
 */
static enum mbr_kind read_mbr(const unsigned char *s, uint32_t *first_lba)
{
	struct gt_mbr_part parts[4];

	*first_lba = 0;
	switch (gt_mbr_identify(s)) {
	case GT_MBR_NO_SIGNATURE:
		return MBR_NONE;
	case GT_MBR_ZEROED:
		break;
	case GT_MBR_GRUB2:
	case GT_MBR_GRUB_LEGACY:
	case GT_MBR_SYSLINUX:
	case GT_MBR_LILO:
		return MBR_BOOT_LOADER;
	default:
		return MBR_OTHER_CODE;
	}
	gt_mbr_partitions(s, parts);
	for (size_t i = 0; i < 4; i++) {
		if (parts[i].type == 0xee)
			return MBR_GPT;
		if (parts[i].type && parts[i].lba &&
		    (!*first_lba || parts[i].lba < *first_lba))
			*first_lba = parts[i].lba;
	}
	return MBR_EMPTY_CODE;
}

/*
 * The guest's name for its boot disk, for a command run in the guest: the
 * disk of the / in its fstab, else the first PV disk.
 */
static void guest_disk_name(const struct hvm *h, char *buf, size_t size)
{
	snprintf(buf, size, "/dev/%s", h->root_disk[0] ? h->root_disk : "xvda");
}

/* What grub-install may create or change, recorded before it runs. */
struct grub_files {
	char **files; /* kept as they are (or recorded absent) */
	size_t n_files;
	char **dirs; /* made (and recorded) when missing */
	size_t n_dirs;
};

static size_t depth_of(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

static int keep_file(struct grub_files *g, const char *path)
{
	return gt_strv_contains(g->files, path)
	               ? 0
	               : gt_strv_push(&g->files, &g->n_files, path);
}

/* Every file and link now under @top, in folders at most 8 deep. */
static int keep_tree(const struct hvm *h, struct grub_files *g, const char *top)
{
	char **todo = NULL, **names = NULL, path[PATH_MAX];
	size_t n_todo = 0;
	struct stat st;
	int ret = gt_strv_push(&todo, &n_todo, top);

	/* A work list, not recursion: each folder listed once, its folders queued. */
	for (size_t d = 0; ret == 0 && d < n_todo; d++) {
		ret = gt_root_list_dir(h->root, todo[d], &names, NULL);
		if (ret == -ENOENT || ret == -ENOTDIR) {
			ret = 0;
			continue;
		}
		for (size_t i = 0; ret == 0 && names[i]; i++) {
			snprintf(path, sizeof(path), "%s/%s", todo[d], names[i]);
			if (gt_root_stat(h->root, path, false, &st) < 0)
				continue;
			if (S_ISDIR(st.st_mode) && depth_of(path) - depth_of(top) < 8)
				ret = gt_strv_push(&todo, &n_todo, path);
			else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
				ret = keep_file(g, path);
		}
		gt_strv_free(names);
		names = NULL;
	}
	gt_strv_free(todo);
	return ret;
}

/*
 * @dst/NAME for each file NAME of @src, and @dst itself: what grub-install
 * copies from its platform folder (grub_install_copy_files() in GRUB's
 * util/grub-install-common.c copies the modules and lists; core.img and
 * boot.img are written there too).
 */
static int keep_copies(const struct hvm *h, struct grub_files *g, const char *src,
                       const char *dst)
{
	char **names = NULL, path[PATH_MAX];
	int ret = gt_root_list_dir(h->root, src, &names, NULL);

	if (ret == -ENOENT || ret == -ENOTDIR)
		return 0;
	if (ret == 0)
		ret = gt_strv_push(&g->dirs, &g->n_dirs, dst);
	for (size_t i = 0; ret == 0 && names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dst, names[i]);
		ret = keep_file(g, path);
	}
	gt_strv_free(names);
	return ret;
}

/*
 * @grub/locale, and LANG.mo there for each translation of GRUB: its
 * copy_locales() makes the folder even when there is none to copy (seen in
 * the pv-to-hvm VM: an empty /boot/grub/locale was left).
 */
static int keep_locales(const struct hvm *h, struct grub_files *g, const char *grub,
                        const char *mo)
{
	char **langs = NULL, path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/locale", grub);
	ret = gt_strv_push(&g->dirs, &g->n_dirs, path);
	if (ret == 0)
		ret = gt_root_list_dir(h->root, "/usr/share/locale", &langs, NULL);
	if (ret == -ENOENT || ret == -ENOTDIR)
		return 0;
	for (size_t i = 0; ret == 0 && langs[i]; i++) {
		snprintf(path, sizeof(path), "/usr/share/locale/%s/LC_MESSAGES/%s",
		         langs[i], mo);
		if (!gt_root_exists(h->root, path))
			continue;
		snprintf(path, sizeof(path), "%s/locale/%s.mo", grub, langs[i]);
		ret = keep_file(g, path);
	}
	gt_strv_free(langs);
	return ret;
}

/*
 * What grub-install (@prog, its platform files in @platdir) may create or
 * change under its folder: every file there now, and what it copies in.
 */
static int grub_files(const struct hvm *h, const char *prog, const char *platdir,
                      struct grub_files *g)
{
	bool two = strstr(prog, "grub2-") != NULL;
	const char *grub = two ? "/boot/grub2" : "/boot/grub";
	const char *font =
	        two ? "/usr/share/grub2/unicode.pf2" : "/usr/share/grub/unicode.pf2";
	char path[PATH_MAX];
	int ret;

	ret = gt_strv_push(&g->dirs, &g->n_dirs, grub);
	if (ret == 0)
		ret = keep_tree(h, g, grub);
	snprintf(path, sizeof(path), "%s/i386-pc", grub);
	if (ret == 0)
		ret = keep_copies(h, g, platdir, path);
	snprintf(path, sizeof(path), "%s/i386-pc/core.img", grub);
	if (ret == 0)
		ret = keep_file(g, path);
	snprintf(path, sizeof(path), "%s/i386-pc/load.cfg", grub);
	if (ret == 0)
		ret = keep_file(g, path);
	snprintf(path, sizeof(path), "%s/grubenv", grub);
	if (ret == 0)
		ret = keep_file(g, path);
	/* The fonts folder too, made whether or not the font is there. */
	snprintf(path, sizeof(path), "%s/fonts", grub);
	if (ret == 0)
		ret = gt_strv_push(&g->dirs, &g->n_dirs, path);
	snprintf(path, sizeof(path), "%s/fonts/unicode.pf2", grub);
	if (ret == 0 && gt_root_exists(h->root, font))
		ret = keep_file(g, path);
	if (ret == 0)
		ret = keep_locales(h, g, grub, two ? "grub2.mo" : "grub.mo");
	return ret;
}

int hvm_plan_bootloader(struct hvm *h)
{
	static const char *const installers[] = { "/usr/sbin/grub-install",
		                                  "/usr/sbin/grub2-install",
		                                  "/sbin/grub-install",
		                                  "/sbin/grub2-install", NULL };
	static const char *const platforms[] = { "/usr/lib/grub/i386-pc/boot.img",
		                                 "/usr/share/grub2/i386-pc/boot.img",
		                                 NULL };
	const char *disk = h->disk, *prog, *platform;
	struct grub_files g = { 0 };
	char platdir[PATH_MAX];
	unsigned char *s0 = NULL;
	uint32_t first = 0;
	enum mbr_kind kind;
	char desc[600], cmd[300], gname[64];
	struct gt_hvm_step *st;
	int ret;

	if (!disk && h->ready)
		disk = h->ready->facts.disk;
	if (!disk) {
		const struct gt_pv_to_hvm_check *c =
		        h->ready ? gt_pv_to_hvm_find(h->ready, CHECK) : NULL;

		if (c && c->state == GT_P2H_OK)
			return 0;
		return hvm_add_item(
		        h, false, CHECK, NULL,
		        h->root->host
		                ? N_("not done: the boot disk was not found: give --disk /dev/xvda (the disk that holds /boot)")
		                : N_("not done: the boot disk is not known under --root: give --disk PATH (the guest's disk image or device)"));
	}
	ret = gt_region_read(disk, 0, 512, &s0);
	if (ret < 0)
		return ret;
	kind = read_mbr(s0, &first);
	free(s0);
	if (kind == MBR_BOOT_LOADER)
		return 0;
	if (kind == MBR_NONE)
		return hvm_add_item(
		        h, true, CHECK, NULL,
		        "%s has no partition table (no 0x55AA in sector 0; a filesystem on the whole disk, as PV images often are): firmware cannot boot it, and no boot loader can be installed there. Copy the system onto a partitioned disk first",
		        disk);
	if (kind == MBR_GPT)
		return hvm_add_item(
		        h, true, CHECK, NULL,
		        "%s has a GPT partition table: prepare-hvm installs GRUB for BIOS on MBR disks only. Install the boot loader by hand (a BIOS boot partition and grub-install --target=i386-pc, or an EFI system partition and grub-install --target=x86_64-efi)",
		        disk);
	if (kind == MBR_OTHER_CODE)
		return hvm_add_item(
		        h, false, CHECK, NULL,
		        "not done: the boot code in the MBR of %s is not GRUB's and not recognised: left alone. To install GRUB there, run grub-install --target=i386-pc %s in the guest",
		        disk, disk);
	if (!first)
		return hvm_add_item(
		        h, true, CHECK, NULL,
		        "%s has an MBR with no partition: nothing to boot from", disk);
	prog = first_present(h, installers);
	platform = first_present(h, platforms);
	if (!prog || !platform) {
		const char *how = grub_package_command(h);

		return hvm_add_item(
		        h, true, CHECK, how,
		        "the MBR of %s has no boot code, and the guest has no GRUB for BIOS (grub-install and its i386-pc files) to install: install %s from the distribution's media%s%s, then run prepare-hvm again",
		        disk,
		        how ? "it" : "the distribution's GRUB package for BIOS (i386-pc)",
		        how ? ": " : "", how ? how : "");
	}
	prog = strrchr(prog, '/') + 1;
	if (!h->root->host) {
		guest_disk_name(h, gname, sizeof(gname));
		snprintf(cmd, sizeof(cmd), "%s --target=i386-pc %s", prog, gname);
		return hvm_add_item(
		        h, false, CHECK, cmd,
		        "not done: install GRUB to the MBR of the boot disk: it runs the guest's own grub-install; run '%s' in the guest (then 'installer uninstall' there can put the boot sector back)",
		        cmd);
	}
	/* What grub-install creates or rewrites in /boot besides the disk, kept too. */
	snprintf(platdir, sizeof(platdir), "%.*s",
	         (int)(strrchr(platform, '/') - platform), platform);
	ret = grub_files(h, prog, platdir, &g);
	if (ret < 0) {
		gt_strv_free(g.files);
		gt_strv_free(g.dirs);
		return ret;
	}
	snprintf(
	        desc, sizeof(desc),
	        "install GRUB to the MBR of %s with the guest's %s (sectors 0-%u kept first)",
	        disk, prog,
	        (unsigned)((uint64_t)first * 512 > GT_REGION_MAX ? GT_REGION_MAX / 512 - 1
	                                                         : first - 1));
	ret = hvm_add_run(h, CHECK,
	                  (const char *const[]){ prog, "--target=i386-pc", disk, NULL },
	                  g.files, desc);
	if (ret < 0) {
		gt_strv_free(g.dirs);
		return ret;
	}
	st = &h->p->steps[h->p->n_steps - 1];
	st->kind = GT_HVM_BOOTLOADER;
	st->dirs = g.dirs;
	st->offset = 0;
	st->length = (uint64_t)first * 512 > GT_REGION_MAX ? GT_REGION_MAX
	                                                   : (size_t)first * 512;
	return (st->disk = strdup(disk)) ? 0 : -ENOMEM;
}
