/* SPDX-License-Identifier: MIT */
/* The CPUID probe: the hypervisor leaves' signatures, from the CPU or from a bundle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "detect/virt_probe.h"

#define HV_BASE 0x40000000u

int gt_virt_cpuid_decode(const struct gt_cpuid_regs *regs, size_t n, char **sigs,
                         size_t max)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n && (size_t)k < max; i++) {
		uint32_t leaf = HV_BASE + (uint32_t)i * 0x100u, eax = regs[i].eax;
		char sig[13];

		memcpy(sig, &regs[i].ebx, 4);
		memcpy(sig + 4, &regs[i].ecx, 4);
		memcpy(sig + 8, &regs[i].edx, 4);
		sig[12] = '\0';
		/* Documentation/virt/kvm/x86/cpuid.rst: "old hosts set eax value to
		 * 0x0. This should be interpreted as if the value was 0x40000001." */
		if (i == 0 && eax == 0)
			eax = HV_BASE + 1;
		if (!sig[0] || eax < leaf)
			break;
		if (!(sigs[k] = strdup(sig))) {
			while (k > 0)
				free(sigs[--k]);
			return -ENOMEM;
		}
		k++;
	}
	return k;
}

int gt_virt_cpuid_leaves(char **sigs, size_t max)
{
#if defined(__x86_64__) || defined(__i386__)
	struct gt_cpuid_regs regs[GT_VIRT_MAX_CPUID];
	unsigned int a, b, c, d;
	size_t i, n = max < GT_VIRT_MAX_CPUID ? max : GT_VIRT_MAX_CPUID;

	__cpuid(1, a, b, c, d);
	/* ECX bit 31: "a hypervisor is present"; the leaves are garbage without it. */
	if (!(c & (1u << 31)))
		return 0;
	for (i = 0; i < n; i++) {
		__cpuid(HV_BASE + (unsigned)i * 0x100u, a, b, c, d);
		regs[i] = (struct gt_cpuid_regs){ a, b, c, d };
	}
	return gt_virt_cpuid_decode(regs, n, sigs, max);
#else
	(void)sigs;
	(void)max;
	return 0;
#endif
}

void gt_vprobe_cpuid(struct gt_vprobe *p)
{
	struct gt_virt_facts *f = p->f;

	if (!p->root->host) {
		size_t len = 0;
		char *buf = gt_vprobe_whole(p, "/.guest-tools/cpuid", &len), *line,
		     *save = NULL;

		for (line = buf ? strtok_r(buf, "\n", &save) : NULL;
		     line && f->ncpuid < GT_VIRT_MAX_CPUID;
		     line = strtok_r(NULL, "\n", &save))
			if (line[0] && !(f->cpuid[f->ncpuid++] = strdup(line)))
				p->err = -ENOMEM;
		free(buf);
	} else if (strcmp(f->arch, "x86_64") == 0 || strcmp(f->arch, "i686") == 0) {
		int k = gt_virt_cpuid_leaves(f->cpuid, GT_VIRT_MAX_CPUID);

		if (k < 0)
			p->err = k;
		else
			f->ncpuid = (size_t)k;
	}
}
