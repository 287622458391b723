/* SPDX-License-Identifier: MIT */
/*
 * The language of the messages (lib/i18n.c): LC_ALL, then LC_MESSAGES, then
 * LANG, as POSIX orders them (XBD 8.2, "Internationalization Variables": an
 * empty value counts as unset), the UTF-8 rule, and the compiled catalog.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "i18n_catalog.h"

static void test_precedence(void **state)
{
	struct gt_lang_choice c;

	c = gt_lang_choose(NULL, NULL, NULL);
	assert_int_equal(c.lang, GT_LANG_EN);
	assert_null(c.variable);
	c = gt_lang_choose("fr_FR.UTF-8", "ja_JP.UTF-8", "ja_JP.UTF-8");
	assert_int_equal(c.lang, GT_LANG_FR);
	assert_string_equal(c.variable, "LC_ALL");
	c = gt_lang_choose("", "ja_JP.UTF-8", "fr_FR.UTF-8");
	assert_int_equal(c.lang, GT_LANG_JA);
	assert_string_equal(c.variable, "LC_MESSAGES");
	c = gt_lang_choose(NULL, "", "fr_CA.utf8");
	assert_int_equal(c.lang, GT_LANG_FR);
	assert_string_equal(c.variable, "LANG");
	/* LC_ALL=C wins over a Japanese LANG: English. */
	c = gt_lang_choose("C", NULL, "ja_JP.UTF-8");
	assert_int_equal(c.lang, GT_LANG_EN);
	assert_null(c.fallback);
}

static void test_names(void **state)
{
	static const struct {
		const char *name;
		enum gt_lang lang;
		int fallback;
	} cases[] = {
		{ "C", GT_LANG_EN, 0 },
		{ "POSIX", GT_LANG_EN, 0 },
		{ "C.UTF-8", GT_LANG_EN, 0 },
		{ "en_US.UTF-8", GT_LANG_EN, 0 },
		{ "de_DE.UTF-8", GT_LANG_EN, 0 },
		{ "ja_JP.UTF-8", GT_LANG_JA, 0 },
		{ "ja_JP.utf8", GT_LANG_JA, 0 },
		{ "ja.UTF-8", GT_LANG_JA, 0 },
		{ "fr_FR.UTF-8", GT_LANG_FR, 0 },
		{ "fr_BE.UTF-8@euro", GT_LANG_FR, 0 },
		{ "fr_CH.utf8", GT_LANG_FR, 0 },
		/* Not UTF-8: the console would show mojibake. */
		{ "ja_JP.eucJP", GT_LANG_EN, 1 },
		{ "ja_JP.SJIS", GT_LANG_EN, 1 },
		{ "ja_JP", GT_LANG_EN, 1 },
		{ "fr_FR", GT_LANG_EN, 1 },
		{ "fr_FR.ISO-8859-1", GT_LANG_EN, 1 },
		{ "fr_FR@euro", GT_LANG_EN, 1 },
		/* Neither Japanese nor French, though they start alike. */
		{ "jam_JM.UTF-8", GT_LANG_EN, 0 },
		{ "fril.UTF-8", GT_LANG_EN, 0 },
		{ "fr_FR.UTF-80", GT_LANG_EN, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gt_lang_choice c = gt_lang_choose(NULL, NULL, cases[i].name);

		if (c.lang != cases[i].lang || (c.fallback != NULL) != cases[i].fallback)
			fail_msg("LANG=%s: language %d, fallback %s", cases[i].name,
			         c.lang, c.fallback ? c.fallback : "none");
	}
}

static void test_catalog_sorted(void **state)
{
	/* bsearch needs strcmp order: po2c.py sorts by the UTF-8 bytes. */
	for (size_t i = 1; i < gt_i18n_catalog_len; i++)
		if (strcmp(gt_i18n_catalog[i - 1].msgid, gt_i18n_catalog[i].msgid) >= 0)
			fail_msg("catalog not sorted at %zu: '%s'", i,
			         gt_i18n_catalog[i].msgid);
}

static void test_lookup(void **state)
{
	/* Every msgid is found again, in each language. */
	for (size_t i = 0; i < gt_i18n_catalog_len; i++) {
		const struct gt_i18n_entry *e = &gt_i18n_catalog[i];

		assert_ptr_equal(gt_tr_in(GT_LANG_EN, e->msgid), e->msgid);
		assert_ptr_equal(gt_tr_in(GT_LANG_JA, e->msgid),
		                 e->ja ? e->ja : e->msgid);
		assert_ptr_equal(gt_tr_in(GT_LANG_FR, e->msgid),
		                 e->fr ? e->fr : e->msgid);
	}
	/* Unknown and empty messages come back as they are. */
	assert_string_equal(gt_tr_in(GT_LANG_JA, "no such message, surely"),
	                    "no such message, surely");
	assert_string_equal(gt_tr_in(GT_LANG_FR, ""), "");
	assert_null(gt_tr_in(GT_LANG_FR, NULL));
	gt_i18n_set(GT_LANG_EN);
	assert_string_equal(gt_tr("warning: "), "warning: ");
}

static void test_seed_vocabulary(void **state)
{
	/* The words of the provider's pages users know (docs/HACKING.md). */
	assert_non_null(strstr(gt_tr_in(GT_LANG_JA, "warning: "), "警告"));
	assert_non_null(strstr(gt_tr_in(GT_LANG_FR, "warning: "), "avertissement"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),      cmocka_unit_test(test_names),
		cmocka_unit_test(test_catalog_sorted),  cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_seed_vocabulary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
