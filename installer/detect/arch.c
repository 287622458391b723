/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "detect/arch.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

const char *gt_arch_from_elf(const unsigned char *h, size_t len)
{
	unsigned int machine;
	bool is64, le;

	if (len < 20 || memcmp(h, ELFMAG, SELFMAG) != 0)
		return NULL;
	is64 = h[EI_CLASS] == ELFCLASS64;
	le = h[EI_DATA] == ELFDATA2LSB;
	machine = le ? (unsigned)(h[18] | h[19] << 8) : (unsigned)(h[18] << 8 | h[19]);
	switch (machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_386:
		return "i686";
	case EM_AARCH64:
		return "aarch64";
	case EM_ARM:
		return "armv7l";
	case EM_PPC64:
		return le ? "ppc64le" : "ppc64";
	case EM_PPC:
		return "ppc";
	case EM_S390:
		return is64 ? "s390x" : "s390";
	case EM_RISCV:
		return is64 ? "riscv64" : "riscv32";
	case EM_IA_64:
		return "ia64";
	case EM_SPARCV9:
		return "sparc64";
	default:
		return NULL;
	}
}

/* Known names, so that a hostile .guest-tools/arch cannot inject text. */
static const char *const known_arches[] = { "x86_64",  "i686",    "i586",    "i386",
	                                    "aarch64", "armv7l",  "ppc64le", "ppc64",
	                                    "ppc",     "s390x",   "s390",    "riscv64",
	                                    "ia64",    "sparc64", NULL };

const char *gt_arch_detect(const struct gt_root *root)
{
	static const char *const shells[] = { "/bin/sh", "/usr/bin/env" };
	struct utsname u;
	size_t i;

	/*
	 * The userland decides which packages fit, and the kernel can differ
	 * from it: a 32-bit Debian on a 64-bit kernel says x86_64 in uname but
	 * needs i386 packages. So the ELF header of /bin/sh first, on the
	 * running system too; uname only when that cannot be read.
	 */
	for (i = 0; i < 2; i++) {
		unsigned char hdr[64];
		ssize_t n;
		int fd = gt_root_open_file(root, shells[i], O_RDONLY | O_NONBLOCK);
		const char *a;

		if (fd < 0)
			continue;
		n = read(fd, hdr, sizeof(hdr));
		close(fd);
		a = n > 0 ? gt_arch_from_elf(hdr, (size_t)n) : NULL;
		if (a)
			return a;
	}
	if (root->host) {
		if (uname(&u) < 0)
			return "unknown";
		for (i = 0; known_arches[i]; i++)
			if (strcmp(u.machine, known_arches[i]) == 0)
				return known_arches[i];
		return "unknown";
	}
	{
		char *line = NULL;
		const char *found = "unknown";

		if (gt_root_read_line(root, "/.guest-tools/arch", &line) == 0) {
			for (i = 0; known_arches[i]; i++)
				if (strcmp(line, known_arches[i]) == 0)
					found = known_arches[i];
			free(line);
		}
		return found;
	}
}
