/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "transaction/names.h"

#define NAME_MAX_LEN 200

static bool is_lower_or_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_or_digit(c) || (c >= 'A' && c <= 'Z');
}

/* @s: a first character from @first (or alnum), then alnum or @rest; bounded. */
static bool matches(const char *s, bool lower_only, const char *first, const char *rest,
                    size_t min_len)
{
	size_t n = strlen(s), i;

	if (n < min_len || n > NAME_MAX_LEN)
		return false;
	for (i = 0; i < n; i++) {
		bool letter = lower_only ? is_lower_or_digit(s[i]) : is_alnum(s[i]);

		if (!letter && !strchr(i == 0 ? first : rest, s[i]))
			return false;
	}
	return true;
}

bool gt_name_family_known(const char *family)
{
	return strcmp(family, "deb") == 0 || strcmp(family, "rpm") == 0 ||
	       strcmp(family, "tgz") == 0;
}

bool gt_name_package_valid(const char *family, const char *name)
{
	if (strcmp(family, "deb") == 0)
		return matches(name, true, "", "+-.", 2);
	if (strcmp(family, "rpm") == 0)
		return matches(name, false, "_", "._+-", 1);
	if (strcmp(family, "tgz") == 0)
		return gt_name_service_valid(name);
	return false;
}

bool gt_name_version_valid(const char *version)
{
	return matches(version, false, "", ".+~:_^-", 1);
}

bool gt_name_service_valid(const char *name)
{
	return matches(name, false, "", "._+-", 1);
}

bool gt_name_init_known(const char *init)
{
	static const char *const known[] = { "systemd", "openrc",   "upstart",
		                             "runit",   "sysvinit", "unknown" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(init, known[i]) == 0)
			return true;
	return false;
}
