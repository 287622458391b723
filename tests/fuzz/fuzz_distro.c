/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the legacy release-line parser (/etc/redhat-release,
 * /etc/SuSE-release...) and the version parser, both run on guest files.
 * Built by tests/fuzz/build.mk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "distro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *name = NULL, *version = NULL, *code = NULL;
	int major = -2, minor = -2;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	gt_distro_parse_version(line, &major, &minor);
	if (major < -1 || minor < -1)
		abort();
	if (gt_distro_parse_release_line(line, &name, &version, &code) == 0) {
		if (!name || !version || !code)
			abort();
		/* Whatever version it found must itself parse. */
		gt_distro_parse_version(version, &major, &minor);
		if (major < -1 || minor < -1)
			abort();
	}
	free(name);
	free(version);
	free(code);
	free(line);
	return 0;
}
