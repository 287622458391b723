/* SPDX-License-Identifier: MIT */
/*
 * Translated messages for the human output of the front ends (installer,
 * guest-agent --check): English, Japanese, French. The catalogs (po/ja.po, fr.po)
 * are compiled into the program at build time (scripts/po2c.py): a guest
 * often has no locale files, and the CD cannot rely on any. Translation
 * happens where a message is printed for a person; JSON, log files and exit
 * codes stay English and byte-identical (docs/HACKING.md, "Languages").
 */
#ifndef GT_I18N_H
#define GT_I18N_H

enum gt_lang { GT_LANG_EN = 0, GT_LANG_JA = 1, GT_LANG_FR = 2 };

/* What the environment asked for, and why it is (or is not) followed. */
struct gt_lang_choice {
	enum gt_lang lang;
	const char *variable; /* "LC_ALL", "LC_MESSAGES", "LANG" or NULL (unset) */
	const char *value;    /* its value, or NULL */
	/* Why a language asked for is not used (not a UTF-8 codeset), or NULL. */
	const char *fallback;
};

/*
 * gt_lang_choose - the language of the messages from the values of LC_ALL,
 * LC_MESSAGES and LANG (any may be NULL), the first set and non-empty one
 * wins (POSIX precedence). "ja..." is Japanese, "fr..." French, anything else
 * ("C", "POSIX", "en_US.UTF-8", unknown) English. Japanese and French need a
 * UTF-8 codeset in the name ("ja_JP.UTF-8", "fr_FR.utf8"): otherwise English,
 * with the reason in ->fallback. Pure: reads no environment.
 */
struct gt_lang_choice gt_lang_choose(const char *lc_all, const char *lc_messages,
                                     const char *lang);

/* gt_i18n_init - choose the language from this process's environment. */
void gt_i18n_init(void);

/* gt_i18n_set - use @lang from now on (tests). */
void gt_i18n_set(enum gt_lang lang);

/* gt_i18n_choice - what gt_i18n_init() chose (English before it runs). */
const struct gt_lang_choice *gt_i18n_choice(void);

/*
 * gt_tr - @msgid in the chosen language: the catalog's translation, or
 * @msgid itself (English, or a message the catalog lacks). Never NULL for a
 * non-NULL @msgid; the result is static.
 */
const char *gt_tr(const char *msgid) __attribute__((format_arg(1)));

/* gt_tr_in - @msgid in @lang (gt_tr with an explicit language). */
const char *gt_tr_in(enum gt_lang lang, const char *msgid) __attribute__((format_arg(2)));

/* N_ - marks a string for xgettext (tables); translated later with gt_tr(). */
#define N_(s) (s)

#endif
