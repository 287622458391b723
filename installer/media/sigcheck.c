/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "sig.h"
#include "media/sigcheck.h"

/*
 * Generated from PUBKEYS by scripts/gen-pubkeys.sh (installer/pubkeys.mk):
 * GT_PUBKEY_TEXTS, each key file's text as a string literal followed by a
 * comma (nothing when no key was given).
 */
#include "pubkeys.h"

static const char *const key_texts[] = { GT_PUBKEY_TEXTS NULL };

size_t gt_sigcheck_n_keys(void)
{
	return sizeof(key_texts) / sizeof(key_texts[0]) - 1;
}

/* The built-in keys, parsed; and their ids, "a, b", for messages. */
static int load_keys(struct gt_sig_pubkey *keys, size_t n, char *ids, size_t ids_size)
{
	size_t i, used = 0;

	ids[0] = '\0';
	for (i = 0; i < n && key_texts[i]; i++) {
		int ret =
		        gt_sig_parse_pubkey(key_texts[i], strlen(key_texts[i]), &keys[i]);

		if (ret < 0)
			return ret;
		if (used < ids_size)
			used += (size_t)snprintf(ids + used, ids_size - used, "%s%s",
			                         i ? ", " : "", keys[i].id);
	}
	return 0;
}

int gt_sigcheck_media(struct gt_media *m, const char *manifest, size_t len, bool skip,
                      char *msg, size_t msg_size)
{
	size_t n = gt_sigcheck_n_keys(), which = 0;
	struct gt_sig_pubkey *keys;
	struct gt_sig sig;
	char ids[256], *text = NULL;
	size_t text_len = 0;
	int ret;

	msg[0] = '\0';
	if (n == 0) {
		gt_info("signature: this installer was built without a trusted key (make PUBKEYS=...): %s is not checked",
		        GT_SIG_ISO_PATH);
		if (skip)
			gt_warn("--insecure-skip-signature: this installer checks no signature anyway");
		return 0;
	}
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	ret = load_keys(keys, n, ids, sizeof(ids));
	if (ret < 0) {
		/* gen-pubkeys.sh checks the files, so this is a broken build. */
		snprintf(
		        msg, msg_size,
		        "a public key built into this installer is unusable (%s): rebuild it with good PUBKEYS",
		        gt_strerror(ret));
		ret = -GT_EINTEGRITY;
		goto out;
	}
	ret = gt_media_read(m, GT_SIG_ISO_PATH, GT_SIG_MAX_FILE, &text, &text_len);
	if (ret == -ENOENT) {
		snprintf(
		        msg, msg_size,
		        "%s: %s: missing: this installer only accepts media signed by key %s; the media is unsigned or not ours",
		        m->description, GT_SIG_ISO_PATH, ids);
	} else if (ret == -GT_EMEDIA) {
		/* Not a verdict on the signature, and not skippable: the caller
		 * reports the unreadable media. */
		snprintf(msg, msg_size, "%s: %s: %s", m->description, GT_SIG_ISO_PATH,
		         gt_strerror(ret));
		goto out;
	} else if (ret < 0) {
		snprintf(msg, msg_size, "%s: %s: %s", m->description, GT_SIG_ISO_PATH,
		         ret == -GT_ETOOBIG ? "too large to be a signature"
		                            : gt_strerror(ret));
	} else if ((ret = gt_sig_parse_sig(text, text_len, &sig)) < 0) {
		snprintf(msg, msg_size, "%s: %s: malformed (%s): the media is damaged",
		         m->description, GT_SIG_ISO_PATH, gt_strerror(ret));
	} else if ((ret = gt_sig_verify_any(keys, n, manifest, len, &sig, &which)) ==
	           -GT_ENOTFOUND) {
		snprintf(
		        msg, msg_size,
		        "%s: %s: signed by key %s, which this installer does not trust (it trusts %s)",
		        m->description, GT_SIG_ISO_PATH, sig.id, ids);
	} else if (ret < 0) {
		snprintf(msg, msg_size,
		         "%s: %s: bad signature by key %s: %s was altered after signing",
		         m->description, GT_SIG_ISO_PATH, sig.id, GT_MANIFEST_ISO_PATH);
	} else {
		gt_info("%s: signed by trusted key %s: verified", GT_MANIFEST_ISO_PATH,
		        keys[which].id);
		ret = 0;
		goto out;
	}
	ret = -GT_EINTEGRITY;
	if (skip) {
		/* Loud on purpose: printed even with -q, and kept in the log. */
		char why[sizeof(ids) + 512];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(
		        msg, msg_size,
		        "INSECURE: --insecure-skip-signature: installing from media whose manifest is NOT authenticated (%s)",
		        why);
		gt_err("WARNING: %s", msg);
		ret = 1;
	}
out:
	free(text);
	free(keys);
	return ret;
}
