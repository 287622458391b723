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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int hvm_plan_bootloader(struct hvm *h)
{
	static const char *const installers[] = { "/usr/sbin/grub-install",
		                                  "/usr/sbin/grub2-install",
		                                  "/sbin/grub-install",
		                                  "/sbin/grub2-install", NULL };
	static const char *const platforms[] = { "/usr/lib/grub/i386-pc/boot.img",
		                                 "/usr/share/grub2/i386-pc/boot.img",
		                                 NULL };
	const char *disk = h->disk, *prog;
	unsigned char *s0 = NULL;
	uint32_t first = 0;
	enum mbr_kind kind;
	char **backups = NULL, desc[600], cmd[300], gname[64];
	size_t nb = 0;
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
	if (!prog || !first_present(h, platforms)) {
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
	/* What grub-install rewrites in /boot besides the disk, kept too. */
	if (gt_strv_push(&backups, &nb, "/boot/grub/grubenv") < 0 ||
	    gt_strv_push(&backups, &nb, "/boot/grub/i386-pc/core.img") < 0 ||
	    gt_strv_push(&backups, &nb, "/boot/grub/i386-pc/boot.img") < 0) {
		gt_strv_free(backups);
		return -ENOMEM;
	}
	snprintf(
	        desc, sizeof(desc),
	        "install GRUB to the MBR of %s with the guest's %s (sectors 0-%u kept first)",
	        disk, prog,
	        (unsigned)((uint64_t)first * 512 > GT_REGION_MAX ? GT_REGION_MAX / 512 - 1
	                                                         : first - 1));
	ret = hvm_add_run(h, CHECK,
	                  (const char *const[]){ prog, "--target=i386-pc", disk, NULL },
	                  backups, desc);
	if (ret < 0)
		return ret;
	st = &h->p->steps[h->p->n_steps - 1];
	st->kind = GT_HVM_BOOTLOADER;
	st->offset = 0;
	st->length = (uint64_t)first * 512 > GT_REGION_MAX ? GT_REGION_MAX
	                                                   : (size_t)first * 512;
	return (st->disk = strdup(disk)) ? 0 : -ENOMEM;
}
