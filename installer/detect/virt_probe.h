/* SPDX-License-Identifier: MIT */
/*
 * What the virtualization probes share: the state of one probe run and the
 * small readers they use. Internal to installer/detect/virt*.c (and their
 * unit tests).
 */
#ifndef GT_VIRT_PROBE_H
#define GT_VIRT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "root.h"
#include "detect/rootfs.h"
#include "detect/virt_facts.h"

struct gt_vprobe {
	const struct gt_root *root;
	struct gt_virt_facts *f;
	int err; /* first -ENOMEM */
};

/* /proc and /sys files we read are small; a bigger one is not what we expect. */
#define GT_VPROBE_SMALL_MAX ((size_t)256 * 1024)

void gt_vprobe_evidence(struct gt_vprobe *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* The first line of a small file, or NULL (absent, unreadable, garbage). */
char *gt_vprobe_line(const struct gt_vprobe *p, const char *path);
/* The whole of a small file, NUL-terminated (embedded NULs kept), or NULL. */
char *gt_vprobe_whole(const struct gt_vprobe *p, const char *path, size_t *len);
bool gt_vprobe_has_text(const struct gt_vprobe *p, const char *path, const char *needle);
/* The basename of the driver symlink of sysfs device directory @devdir, or NULL. */
char *gt_vprobe_driver(const struct gt_vprobe *p, const char *devdir);
/* A strdup that records -ENOMEM in @p (NULL in, NULL out). */
char *gt_vprobe_strdup(struct gt_vprobe *p, const char *s);

/* virt_cpuid.c: the CPUID signatures into f->cpuid (the file under --root). */
void gt_vprobe_cpuid(struct gt_vprobe *p);

/* The four registers CPUID returns for one leaf. */
struct gt_cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/*
 * gt_virt_cpuid_decode - the signatures of the hypervisor leaves whose
 * registers are @regs[i] (leaf 0x40000000 + i * 0x100), in order, newly
 * allocated into @sigs (at most @max). A leaf ends the scan when its
 * signature is empty or its eax (the highest leaf of its range) is below
 * it; at 0x40000000 an eax of 0 is read as 0x40000001 (KVM's documented
 * quirk of old hosts: Documentation/virt/kvm/x86/cpuid.rst).
 * Returns how many, or -ENOMEM (nothing kept).
 */
int gt_virt_cpuid_decode(const struct gt_cpuid_regs *regs, size_t n, char **sigs,
                         size_t max);

/* virt_devices.c: the xenbus frontends, the NICs and what carries traffic, the
 * disks under the root. */
void gt_vprobe_devices(struct gt_vprobe *p, const struct gt_rootfs *rootfs);

#endif
