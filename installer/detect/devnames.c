/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "detect/devnames.h"

bool gt_devname_emulated(const char *s, size_t n, char *xvd, size_t size)
{
	size_t i = 7;

	if (n < 8 || (memcmp(s, "/dev/sd", 7) != 0 && memcmp(s, "/dev/hd", 7) != 0))
		return false;
	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i == 7)
		return false;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	if (i != n)
		return false;
	snprintf(xvd, size, "/dev/xvd%.*s", (int)(n - 7), s + 7);
	return true;
}

bool gt_devname_kernel(const char *s, size_t n)
{
	static const char *const prefixes[] = { "/dev/xvd", "/dev/sd", "/dev/hd",
		                                "/dev/vd", NULL };

	for (size_t k = 0; prefixes[k]; k++) {
		size_t pl = strlen(prefixes[k]), i = pl;

		if (n <= pl || memcmp(s, prefixes[k], pl) != 0)
			continue;
		while (i < n && s[i] >= 'a' && s[i] <= 'z')
			i++;
		if (i == pl)
			return false;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		return i == n;
	}
	return false;
}

bool gt_cmdline_next_device(const char *s, size_t n, size_t *pos, const char **key,
                            const char **val, size_t *vlen)
{
	static const char *const keys[] = { "root", "resume" };

	for (size_t i = *pos; i < n; i++) {
		if (i > 0 && !isspace((unsigned char)s[i - 1]) && s[i - 1] != '"' &&
		    s[i - 1] != '\'')
			continue;
		for (size_t k = 0; k < 2; k++) {
			size_t kl = strlen(keys[k]), v = i + kl + 1, e;

			if (n - i <= kl + 1 || memcmp(s + i, keys[k], kl) != 0 ||
			    s[i + kl] != '=')
				continue;
			for (e = v; e < n && !isspace((unsigned char)s[e]) &&
			            s[e] != '"' && s[e] != '\'';
			     e++)
				;
			*key = keys[k];
			*val = s + v;
			*vlen = e - v;
			*pos = e;
			return true;
		}
	}
	*pos = n;
	return false;
}
