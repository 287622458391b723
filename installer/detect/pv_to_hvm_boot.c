/* SPDX-License-Identifier: MIT */
/*
 * boot_code: can emulated firmware boot the disk? SeaBIOS runs the boot
 * code in sector 0 (detect/bootsector.h says whose it is); OVMF runs the
 * loader of a GPT disk's EFI system partition. A PV guest's disk often has
 * neither: pygrub read the configuration from the filesystem, no boot code
 * was ever needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/bootsector.h"
#include "detect/esp_fat.h"
#include "detect/pv_to_hvm_parts.h"
#include "detect/rootfs.h"
#include "error.h"
#include "strv.h"

#define GPT_ENTRIES_MAX ((size_t)1024 * 1024)

static const char *const fix_install_loader = N_(
        "install the boot loader to this disk with the distribution's own tool before switching (grub-install DISK for GRUB 2, grub-install or grub's setup (hd0) for GRUB legacy, extlinux --install /boot plus syslinux's mbr.bin for extlinux); installer prepare-hvm does it when that package is in the guest");

/* Reads @n bytes at sector @lba; 0, or -EIO on a short read (past the end). */
static int read_at(int fd, uint64_t lba, unsigned char *buf, size_t n)
{
	ssize_t got = pread(fd, buf, n, (off_t)(lba * GT_SECTOR));

	if (got < 0)
		return -errno;
	return (size_t)got == n ? 0 : -EIO;
}

static bool all_zero(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i])
			return false;
	return true;
}

/*
 * The disk holding /boot on this host, as /dev/NAME; NULL and a reason in
 * @why when it cannot be told. Returns 0 or -ENOMEM.
 */
static int host_boot_disk(const struct gt_root *root, char **disk, const char **why)
{
	char *dev = NULL, *whole = NULL;
	struct stat st;

	*disk = NULL;
	if (gt_root_stat(root, "/boot", true, &st) < 0 &&
	    gt_root_stat(root, "/", true, &st) < 0) {
		*why = "neither /boot nor / can be examined";
		return 0;
	}
	dev = gt_rootfs_device_name(root, st.st_dev);
	if (!dev) {
		*why = "the filesystem holding /boot is not on a block device that /sys/dev/block names";
		return 0;
	}
	whole = gt_rootfs_disk_of(root, dev);
	if (!whole) {
		free(dev);
		return -ENOMEM;
	}
	if (gt_startswith(whole, "dm-") || gt_startswith(whole, "md")) {
		*why = "/boot is on a device-mapper or md device, not on a partition of one disk";
	} else if (asprintf(disk, "/dev/%s", whole) < 0) {
		*disk = NULL;
		free(dev);
		free(whole);
		return -ENOMEM;
	}
	free(dev);
	free(whole);
	return 0;
}

/* The loaders firmware runs: the removable-media fallback, and the
 * distributions' shim or grub (as their grub-efi/shim packages install them). */
static const char *const esp_loaders[] = { "EFI/BOOT/BOOTX64.EFI",
	                                   "EFI/BOOT/BOOTIA32.EFI",
	                                   "EFI/debian/shimx64.efi",
	                                   "EFI/debian/grubx64.efi",
	                                   "EFI/ubuntu/shimx64.efi",
	                                   "EFI/redhat/shimx64.efi",
	                                   "EFI/redhat/grubx64.efi",
	                                   "EFI/centos/shimx64.efi",
	                                   "EFI/fedora/shimx64.efi",
	                                   "EFI/rocky/shimx64.efi",
	                                   "EFI/opensuse/shim.efi",
	                                   "EFI/sles/shim.efi",
	                                   NULL };

/* The loader in the ESP mounted under the root (/boot/efi), or NULL. */
static const char *esp_loader_mounted(const struct p2h *x, bool *esp_visible, char *buf,
                                      size_t size)
{
	*esp_visible = gt_root_exists(x->root, "/boot/efi/EFI");
	for (size_t i = 0; esp_loaders[i]; i++) {
		snprintf(buf, size, "/boot/efi/%s", esp_loaders[i]);
		if (gt_root_exists(x->root, buf))
			return buf;
	}
	return NULL;
}

/* The loader in the ESP at sector @lba of the disk, or NULL; *err when the
 * ESP cannot be read as FAT. */
static const char *esp_loader_on_disk(int fd, uint64_t lba, int *err)
{
	*err = 0;
	for (size_t i = 0; esp_loaders[i]; i++) {
		int r = gt_fat_exists(fd, lba * GT_SECTOR, esp_loaders[i]);

		if (r < 0) {
			*err = r;
			return NULL;
		}
		if (r == 1)
			return esp_loaders[i];
	}
	return NULL;
}

/* A GPT disk: an EFI system partition with a loader boots under OVMF. */
static int judge_gpt(struct p2h *x, int fd, const unsigned char *hdr, bool *settled)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_BOOT_CODE];
	uint32_t count, size;
	unsigned char *ents;
	uint64_t lba, esp_lba = 0;
	const char *loader, *where;
	char mounted[300];
	bool visible = false;
	int esp, ret, fat_err;

	*settled = false;
	gt_gpt_entries_at(hdr, &lba, &count, &size);
	if (size < 128 || size > 4096 || count > GPT_ENTRIES_MAX / size)
		return 0;
	ents = calloc(count, size);
	if (!ents)
		return -ENOMEM;
	ret = read_at(fd, lba, ents, (size_t)count * size);
	esp = ret == 0 ? gt_gpt_find_esp(ents, count, size, &esp_lba) : -1;
	free(ents);
	if (esp < 0)
		return 0;
	*settled = true;
	loader = esp_loader_on_disk(fd, esp_lba, &fat_err);
	where = "on the disk";
	if (!loader) {
		loader = esp_loader_mounted(x, &visible, mounted, sizeof(mounted));
		where = "mounted on /boot/efi";
	}
	if (loader) {
		x->p->facts.esp_loader = true;
		if (p2h_strdup_set(&x->p->facts.esp_loader_path, loader) < 0)
			return -ENOMEM;
		return p2h_set(
		        c, GT_P2H_OK, NULL,
		        "GPT disk with an EFI system partition (entry %d, sector %llu) holding the loader %s (%s): it boots with UEFI firmware (OVMF), not with SeaBIOS",
		        esp + 1, (unsigned long long)esp_lba, loader, where);
	}
	if (fat_err < 0 && !visible)
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("mount the EFI system partition on /boot/efi (under --root DIR, at DIR/boot/efi) and run detect again"),
		        "GPT disk with an EFI system partition (entry %d), but it cannot be read as FAT (%s) and is not mounted on /boot/efi, so its loader cannot be seen",
		        esp + 1, gt_strerror(fat_err));
	return p2h_set(
	        c, GT_P2H_NOT_OK,
	        N_("install the distribution's EFI boot loader to the EFI system partition (grub-install --target=x86_64-efi, or the shim and grub-efi packages), with a fallback copy at EFI/BOOT/BOOTX64.EFI"),
	        "GPT disk with an EFI system partition (entry %d), but neither it nor /boot/efi/EFI holds a boot loader (EFI/BOOT/BOOTX64.EFI or a distribution's shim or grub)",
	        esp + 1);
}

/* syslinux's MBR chains to the active partition's boot record. */
static int judge_syslinux(struct p2h *x, int fd, const unsigned char *s0)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_BOOT_CODE];
	unsigned char vbr[GT_SECTOR];
	struct gt_mbr_part parts[4];

	gt_mbr_partitions(s0, parts);
	for (int i = 0; i < 4; i++) {
		if (!parts[i].active || parts[i].type == 0)
			continue;
		if (read_at(fd, parts[i].lba, vbr, sizeof(vbr)) == 0 &&
		    vbr[510] == 0x55 && vbr[511] == 0xAA)
			return p2h_set(
			        c, GT_P2H_OK, NULL,
			        "syslinux's MBR, which boots the active partition %d, and that partition has a boot record",
			        i + 1);
		return p2h_set(
		        c, GT_P2H_NOT_OK, fix_install_loader,
		        "syslinux's MBR boots the active partition %d, but that partition has no boot record (extlinux --install was not run on it)",
		        i + 1);
	}
	return p2h_set(
	        c, GT_P2H_NOT_OK,
	        N_("mark the partition holding /boot active (sfdisk --activate DISK N) and install extlinux to it (extlinux --install /boot)"),
	        "syslinux's MBR, but no partition is marked active, so it has nothing to boot");
}

static int judge_mbr(struct p2h *x, int fd, const unsigned char *s0,
                     enum gt_mbr_code code)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_BOOT_CODE];
	unsigned char core[GT_SECTOR];
	uint64_t sec;

	switch (code) {
	case GT_MBR_GRUB2:
		sec = gt_mbr_grub2_core_sector(s0);
		if (read_at(fd, sec, core, sizeof(core)) != 0 ||
		    all_zero(core, sizeof(core)))
			return p2h_set(
			        c, GT_P2H_NOT_OK, fix_install_loader,
			        "GRUB 2's boot.img is in the MBR, but the sector it loads core.img from (%llu) is empty or past the end of the disk",
			        (unsigned long long)sec);
		return p2h_set(
		        c, GT_P2H_OK, NULL,
		        "GRUB 2's boot.img is in the MBR and loads core.img from sector %llu",
		        (unsigned long long)sec);
	case GT_MBR_GRUB_LEGACY:
		return p2h_set(c, GT_P2H_OK, NULL, "GRUB legacy's stage1 is in the MBR");
	case GT_MBR_LILO:
		return p2h_set(
		        c, GT_P2H_OK, NULL,
		        "LILO's first stage is in the MBR (run lilo again after any change to the kernel or /etc/lilo.conf)");
	case GT_MBR_SYSLINUX:
		return judge_syslinux(x, fd, s0);
	case GT_MBR_ZEROED:
		return p2h_set(
		        c, GT_P2H_NOT_OK, fix_install_loader,
		        "the MBR has a partition table but no boot code (its first 440 bytes, the boot code, are zero): pygrub never needed any, but SeaBIOS finds nothing to run");
	case GT_MBR_NO_SIGNATURE:
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("an HVM guest needs a partitioned disk with a boot loader: give the guest such a disk (copy the filesystem onto a partition of a new disk, then install the boot loader) before switching"),
		        "sector 0 has no boot signature (0x55AA): no boot loader and no partition table (a PV disk that is one filesystem, say), so the firmware cannot boot it");
	case GT_MBR_UNRECOGNISED:
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("if this disk's boot loader is not GRUB, syslinux or LILO, check that it boots this guest's kernel; otherwise reinstall the boot loader"),
		        "the MBR has boot code that is not GRUB 2, GRUB legacy, syslinux or LILO");
	}
	return 0;
}

int p2h_check_boot_code(struct p2h *x)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_BOOT_CODE];
	struct gt_pv_to_hvm_facts *f = &x->p->facts;
	unsigned char s0[GT_SECTOR], hdr[GT_SECTOR];
	struct gt_mbr_part parts[4];
	const char *why = NULL;
	enum gt_mbr_code code;
	bool gpt = false, settled = false;
	int fd, ret;

	if (x->disk_path) {
		f->disk_source = "--disk";
		if (p2h_strdup_set(&f->disk, x->disk_path) < 0)
			return -ENOMEM;
	} else if (!x->root->host) {
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("name the guest's disk image or device with --disk PATH"),
		        "no boot disk was given: under --root the disk holding the guest is not known");
	} else {
		ret = host_boot_disk(x->root, &f->disk, &why);
		if (ret < 0)
			return ret;
		if (!f->disk)
			return p2h_set(
			        c, GT_P2H_UNKNOWN,
			        N_("name the disk the firmware will boot with --disk PATH"),
			        "the boot disk cannot be told: %s", why);
		f->disk_source = "sysfs";
	}
	fd = open(f->disk, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		if (x->disk_path)
			return ret;
		return p2h_set(c, GT_P2H_UNKNOWN,
		               N_("run detect as root, or give --disk PATH"),
		               "%s (the disk holding /boot) cannot be opened: %s",
		               f->disk, gt_strerror(ret));
	}
	ret = read_at(fd, 0, s0, sizeof(s0));
	if (ret < 0) {
		close(fd);
		if (x->disk_path)
			return ret == -EIO ? -ENODATA : ret;
		return p2h_set(c, GT_P2H_UNKNOWN, N_("give --disk PATH"),
		               "the first sector of %s cannot be read: %s", f->disk,
		               gt_strerror(ret));
	}
	code = gt_mbr_identify(s0);
	f->mbr_boot_code = gt_mbr_code_name(code);
	gt_mbr_partitions(s0, parts);
	for (int i = 0; i < 4; i++)
		gpt = gpt || parts[i].type == 0xEE;
	if (gpt && read_at(fd, 1, hdr, sizeof(hdr)) == 0 && gt_gpt_header_ok(hdr)) {
		f->partition_table = "gpt";
		/* A BIOS-booting GRUB 2 on GPT is judged by its MBR, like any other. */
		if (code != GT_MBR_GRUB2)
			ret = judge_gpt(x, fd, hdr, &settled);
	} else {
		f->partition_table = code == GT_MBR_NO_SIGNATURE ? "none" : "mbr";
	}
	if (ret == 0 && !settled)
		ret = judge_mbr(x, fd, s0, code);
	if (ret == 0)
		ret = p2h_detail(c, "disk %s (%s): partition table %s, MBR boot code %s",
		                 f->disk, f->disk_source, f->partition_table,
		                 f->mbr_boot_code);
	close(fd);
	return ret;
}
