/* SPDX-License-Identifier: MIT */
/* What the parts of the PV-driver planner share (planner.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actions/drivers/planner.h"
#include "strv.h"
#include "i18n.h"

const struct frontend drv_frontends[NFE] = {
	{ "xen-blkfront", "CONFIG_XEN_BLKDEV_FRONTEND",
	  "kernel/drivers/block/xen-blkfront" },
	{ "xen-netfront", "CONFIG_XEN_NETDEV_FRONTEND",
	  "kernel/drivers/net/xen-netfront" },
};

#define PV_DRACUT_CONF "/etc/dracut.conf.d/guest-tools-xen.conf"
#define PV_DRACUT_TEXT                                                                   \
	"# Written by guest-tools: the Xen PV frontends must be in the initramfs,\n"     \
	"# because the kernel unplugs the emulated disk once it has xen-blkfront.\n"     \
	"add_drivers+=\" xen-blkfront xen-netfront \"\n"

const struct modset drv_pv_modset = {
	drv_frontends,
	NFE,
	"xen-blkfront and xen-netfront",
	PV_DRACUT_CONF,
	PV_DRACUT_TEXT,
	N_("add xen-blkfront and xen-netfront to /etc/initramfs-tools/modules"),
	N_("add xen-blkfront and xen-netfront to MODULES in /etc/mkinitcpio.conf"),
	N_("add xen-blkfront and xen-netfront to dracut's drivers (/etc/dracut.conf.d/guest-tools-xen.conf)"),
};

/*
 * The first HVM boot of a PV guest: the emulated IDE (ata_piix) or AHCI
 * disk through sd_mod until xen-blkfront takes over (the kernel unplugs the
 * emulated disk when it has xen-blkfront: xen_unplug_emulated_devices in
 * the kernel's arch/x86/xen/platform-pci-unplug.c).
 */
static const struct frontend hvm_mods[] = {
	{ "xen-blkfront", "CONFIG_XEN_BLKDEV_FRONTEND",
	  "kernel/drivers/block/xen-blkfront" },
	{ "ata_piix", "CONFIG_ATA_PIIX", "kernel/drivers/ata/ata_piix" },
	{ "ahci", "CONFIG_SATA_AHCI", "kernel/drivers/ata/ahci" },
	{ "sd_mod", "CONFIG_BLK_DEV_SD", "kernel/drivers/scsi/sd_mod" },
};
const struct modset drv_hvm_modset = {
	hvm_mods,
	sizeof(hvm_mods) / sizeof(hvm_mods[0]),
	"xen-blkfront, ata_piix, ahci and sd_mod",
	"/etc/dracut.conf.d/guest-tools-hvm.conf",
	"# Written by guest-tools (prepare-hvm): the first HVM boot finds its root\n"
	"# disk through the emulated IDE or AHCI controller, then xen-blkfront.\n"
	"add_drivers+=\" xen-blkfront ata_piix ahci sd_mod \"\n",
	N_("add xen-blkfront, ata_piix, ahci and sd_mod to /etc/initramfs-tools/modules"),
	N_("add xen-blkfront, ata_piix, ahci and sd_mod to MODULES in /etc/mkinitcpio.conf"),
	N_("add xen-blkfront, ata_piix, ahci and sd_mod to dracut's drivers (/etc/dracut.conf.d/guest-tools-hvm.conf)"),
};

bool drv_all_listed(const struct planner *pl, const bool listed[DRV_MAX_MODS])
{
	size_t f;

	for (f = 0; f < pl->ms->n; f++)
		if (!listed[f])
			return false;
	return true;
}

void drv_lines_init(struct lines *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf ? buf + len : NULL;
	it->no = 0;
}

/* The next line (without its newline) in *s, its length in *n; false at the end. */
bool drv_next_line(struct lines *it, const char **s, size_t *n)
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
char *drv_line_str(const char *s, size_t n, char *buf, size_t size)
{
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return gt_strip(buf);
}

/* Module names: "-" and "_" are the same to modprobe. */
bool drv_same_module(const char *a, size_t alen, const char *b)
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
int drv_read_opt(const struct planner *pl, const char *path, size_t max, char **buf,
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

/* Like drv_read_opt(), for files that only feed warnings: any failure means "absent". */
char *drv_read_soft(const struct planner *pl, const char *path, size_t *len)
{
	char *buf = NULL;

	if (drv_read_opt(pl, path, TEXT_MAX, &buf, len) < 0)
		return NULL;
	return buf;
}

bool drv_is_dir(const struct planner *pl, const char *path)
{
	struct stat st;

	return gt_root_stat(pl->root, path, true, &st) == 0 && S_ISDIR(st.st_mode);
}

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
int drv_add_write(struct planner *pl, const char *path, char *content, const char *desc)
{
	struct gt_driver_step *s = new_step(pl, GT_STEP_WRITE_FILE);

	if (!s) {
		free(content);
		return -ENOMEM;
	}
	s->content = content;
	if (!(s->path = strdup(path)) || !(s->description = strdup(desc)) ||
	    !(s->shown = strdup(gt_tr(desc))))
		return -ENOMEM;
	return 0;
}

/* A RUN step; takes @backups (a strv, may be NULL for none). */
int drv_add_run(struct planner *pl, const char *const *argv, char **backups,
                const char *desc)
{
	return drv_add_run_shown(pl, argv, backups, desc, gt_tr(desc));
}

int drv_add_run_shown(struct planner *pl, const char *const *argv, char **backups,
                      const char *desc, const char *shown)
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
	if (!(s->description = strdup(desc)) || !(s->shown = strdup(shown)))
		return -ENOMEM;
	return 0;
}

/*
 * Which of @frontends a list of words names ("a b c", quotes allowed). A
 * "#" that starts a word starts a comment, to the end of its line.
 */
void drv_words_name(const struct planner *pl, const char *s, size_t n,
                    bool listed[DRV_MAX_MODS])
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
		for (f = 0; f < pl->ms->n && s > w; f++)
			if (drv_same_module(w, (size_t)(s - w), pl->ms->mods[f].module))
				listed[f] = true;
	}
}
