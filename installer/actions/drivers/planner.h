/* SPDX-License-Identifier: MIT */
/*
 * The parts of the PV-driver planner (actions/drivers.h), one concern a file:
 *   planner.c         what every part shares: reading the root, lines, steps
 *   kernels.c         the installed kernels and whether they have the frontends
 *   initramfs.c       which initramfs tool the guest uses, then its planner:
 *   dracut.c, initramfs_tools.c, mkinitcpio.c
 *   device_names.c    warnings: /dev/sdX in /etc/fstab and the boot loader
 *   nic_config.c      warnings: network configuration bound to the emulated NIC
 *   platform.c        another hypervisor than Xen: its tools, its PV drivers in
 *                     the kernel, whether they drive the disk and NICs
 * actions/drivers.c runs them in that order and owns the public plan.
 * Internal to the planner: nothing outside actions/drivers* includes this.
 */
#ifndef GT_DRIVERS_PLANNER_H
#define GT_DRIVERS_PLANNER_H

#include <stdbool.h>
#include <stddef.h>

#include "actions/drivers.h"

/* Bound on what the parts read for text configuration. */
#define TEXT_MAX ((size_t)1024 * 1024)

enum fe_state { FE_ABSENT, FE_MODULE, FE_BUILTIN };

/* The two frontends, blkfront first: struct kernel's fe[] is indexed alike. */
#define NFE 2
struct frontend {
	const char *module; /* the module name */
	const char *config; /* its Kconfig symbol */
	const char *path;   /* its file under /lib/modules/<kver>/, no suffix */
};
extern const struct frontend drv_frontends[NFE];

struct kernel {
	char *kver;
	enum fe_state fe[NFE];
	bool initramfs; /* one of the modules the plan is for is a module */
};

/*
 * The modules a plan puts into the initramfs: the two frontends for the
 * PV-driver plan, more for the first HVM boot (drivers.h). Listed by name in
 * the tool's configuration, in this order.
 */
#define DRV_MAX_MODS 8
struct modset {
	const struct frontend *mods;
	size_t n;
	const char *names;       /* "xen-blkfront and xen-netfront", for messages */
	const char *dracut_conf; /* the dracut drop-in that is ours */
	const char *dracut_text; /* its whole content */
	/* The descriptions of the configuration steps (msgids, English in the JSON). */
	const char *desc_initramfs_tools, *desc_mkinitcpio, *desc_dracut;
};
extern const struct modset drv_pv_modset, drv_hvm_modset;

/* An emulated NIC that the PV NIC will replace. */
struct nic {
	const char *name;
	const char *driver;
	char *mac; /* lower case, or NULL when /sys does not say */
};

struct planner {
	const struct gt_root *root;
	const struct gt_detect *d;
	struct gt_driver_plan *p;
	struct kernel *k; /* sorted by version */
	size_t nk;
	struct nic *nics;
	size_t nnics;
	const struct modset *ms; /* what goes into the initramfs */
	bool force_rebuild; /* rebuild the images even with the configuration as it is */
};

/* ---- planner.c: shared helpers ---- */

/* Iterating over the lines of a buffer. */
struct lines {
	const char *p, *end;
	size_t no; /* 1-based number of the line last returned */
};

void drv_lines_init(struct lines *it, const char *buf, size_t len);
/* The next line (without its newline) in *s, its length in *n; false at the end. */
bool drv_next_line(struct lines *it, const char **s, size_t *n);
/* A line as a trimmed C string in @buf (long lines are cut: none we match is long). */
char *drv_line_str(const char *s, size_t n, char *buf, size_t size);
/* Module names: "-" and "_" are the same to modprobe. */
bool drv_same_module(const char *a, size_t alen, const char *b);
/*
 * Which of the plan's modules (pl->ms) a list of words names ("a b c",
 * quotes allowed). A "#" that starts a word starts a comment, to the end of
 * its line.
 */
void drv_words_name(const struct planner *pl, const char *s, size_t n,
                    bool listed[DRV_MAX_MODS]);
/* Every module of the plan is listed. */
bool drv_all_listed(const struct planner *pl, const bool listed[DRV_MAX_MODS]);

/* Reads @path; an absent file is not an error (*buf stays NULL). */
int drv_read_opt(const struct planner *pl, const char *path, size_t max, char **buf,
                 size_t *len);
/* Like drv_read_opt(), for files that only feed warnings: any failure means "absent". */
char *drv_read_soft(const struct planner *pl, const char *path, size_t *len);
bool drv_is_dir(const struct planner *pl, const char *path);

/* A WRITE_FILE step; takes @content. */
int drv_add_write(struct planner *pl, const char *path, char *content, const char *desc);
/*
 * A RUN step; takes @backups (a strv, may be NULL for none). @desc is
 * English (the JSON); a step shows gt_tr(@desc), or @shown with
 * drv_add_run_shown (a description made with a translated format).
 */
int drv_add_run_shown(struct planner *pl, const char *const *argv, char **backups,
                      const char *desc, const char *shown);
int drv_add_run(struct planner *pl, const char *const *argv, char **backups,
                const char *desc);

#define warn(pl, code, ...)                                                              \
	gt_warning_add(&(pl)->p->warnings, &(pl)->p->n_warnings, code, __VA_ARGS__)

/* ---- kernels.c ---- */

/* Fills pl->k with the installed kernels; their fe[] is not filled yet. */
int drv_list_kernels(struct planner *pl);
/* Fills k->fe[] from the kernel's config, modules.builtin and modules.dep. */
int drv_kernel_frontends(struct planner *pl, struct kernel *k);
/*
 * Whether kernel @kver has each of the @n drivers @mods (module name,
 * Kconfig symbol, path under /lib/modules/<kver>/): built in when its
 * config says =y or modules.builtin lists it, a module when the config says
 * =m (and no modules directory says otherwise), modules.dep or the .ko file
 * is there. Into @out[0..n). Returns 0 or the -errno of a file that exists
 * but cannot be read.
 */
int drv_kernel_modules(const struct planner *pl, const char *kver,
                       const struct frontend *mods, size_t n, enum fe_state *out);
/* A module of the plan is a module of this kernel: the initramfs must carry it. */
bool drv_kernel_needs_initramfs(const struct kernel *k);
/* no-kernel-found, no-xen-frontends, missing-xen-frontend. */
int drv_kernel_warnings(struct planner *pl);

/* ---- initramfs.c and one file per tool ---- */

/* The steps of the guest's initramfs tool, or the no-initramfs-tool warning. */
int drv_plan_initramfs(struct planner *pl);
int drv_plan_dracut(struct planner *pl);
int drv_plan_initramfs_tools(struct planner *pl);
int drv_plan_mkinitcpio(struct planner *pl);

/* ---- device_names.c ---- */

int drv_fstab_warnings(struct planner *pl);
int drv_bootloader_warnings(struct planner *pl);

/* ---- nic_config.c ---- */

int drv_nic_warnings(struct planner *pl);

/* ---- platform.c ---- */

/* pl->p->platform for a guest of another hypervisor than Xen (pl->k listed). */
int drv_plan_platform(struct planner *pl);

#endif
