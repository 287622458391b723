/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "i18n_catalog.h"

static struct gt_lang_choice chosen = { GT_LANG_EN, NULL, NULL, NULL };

/* The codeset of a locale name language[_territory][.codeset][@modifier]. */
static int codeset_is_utf8(const char *name)
{
	const char *dot = strchr(name, '.'), *at;
	size_t len;

	if (!dot)
		return 0;
	dot++;
	at = strchr(dot, '@');
	len = at ? (size_t)(at - dot) : strlen(dot);
	return (len == 5 && strncasecmp(dot, "UTF-8", 5) == 0) ||
	       (len == 4 && strncasecmp(dot, "utf8", 4) == 0);
}

/* "ja", "ja_JP", "ja_JP.UTF-8", "ja.UTF-8@x": the language is the first part. */
static int language_is(const char *name, const char *lang)
{
	size_t n = strlen(lang);

	return strncmp(name, lang, n) == 0 &&
	       (name[n] == '\0' || name[n] == '_' || name[n] == '.' || name[n] == '@');
}

struct gt_lang_choice gt_lang_choose(const char *lc_all, const char *lc_messages,
                                     const char *lang)
{
	struct gt_lang_choice c = { GT_LANG_EN, NULL, NULL, NULL };
	enum gt_lang wanted;

	/* POSIX: the first of these set to a non-empty value decides. */
	if (lc_all && *lc_all) {
		c.variable = "LC_ALL";
		c.value = lc_all;
	} else if (lc_messages && *lc_messages) {
		c.variable = "LC_MESSAGES";
		c.value = lc_messages;
	} else if (lang && *lang) {
		c.variable = "LANG";
		c.value = lang;
	} else {
		return c;
	}
	if (language_is(c.value, "ja"))
		wanted = GT_LANG_JA;
	else if (language_is(c.value, "fr"))
		wanted = GT_LANG_FR;
	else
		return c;
	/*
	 * Japanese and French (its accents) are written in UTF-8: a locale
	 * without that codeset (ja_JP.eucJP, fr_FR.ISO-8859-1, a bare fr_FR)
	 * is a console that would show them as mojibake.
	 */
	if (!codeset_is_utf8(c.value)) {
		c.fallback = "its codeset is not UTF-8";
		return c;
	}
	c.lang = wanted;
	return c;
}

void gt_i18n_init(void)
{
	chosen = gt_lang_choose(getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG"));
}

void gt_i18n_set(enum gt_lang lang)
{
	chosen.lang = lang;
}

const struct gt_lang_choice *gt_i18n_choice(void)
{
	return &chosen;
}

static int entry_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct gt_i18n_entry *)elem)->msgid);
}

const char *gt_tr_in(enum gt_lang lang, const char *msgid)
{
	const struct gt_i18n_entry *e;
	const char *t;

	if (lang == GT_LANG_EN || !msgid || !*msgid)
		return msgid;
	e = bsearch(msgid, gt_i18n_catalog, gt_i18n_catalog_len, sizeof(*e), entry_cmp);
	if (!e)
		return msgid;
	t = lang == GT_LANG_JA ? e->ja : e->fr;
	return t ? t : msgid;
}

const char *gt_tr(const char *msgid)
{
	return gt_tr_in(chosen.lang, msgid);
}
