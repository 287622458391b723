/* SPDX-License-Identifier: MIT */
/*
 * The manifest signature check of `installer install`. The trusted public
 * keys are fixed when the installer is built (make PUBKEYS="a.pub b.pub",
 * see installer/pubkeys.mk); an installer built without any checks nothing
 * and behaves as before signatures existed.
 */
#ifndef GT_INSTALLER_SIGCHECK_H
#define GT_INSTALLER_SIGCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "media/media.h"

/* gt_sigcheck_n_keys - how many trusted public keys were built in. */
size_t gt_sigcheck_n_keys(void);

/*
 * gt_sigcheck_media - check Linux/MANIFEST.sig on @m against the @len bytes
 * of Linux/MANIFEST at @manifest (the very bytes that will be parsed and
 * trusted). With built-in keys the signature must be there and good by one
 * of them. @skip (--insecure-skip-signature) turns a refusal into a loud
 * warning. What was decided is printed (refusals are left to the caller).
 * Returns 0 (verified, or no keys built in), 1 (not verified but skipped:
 * @msg holds the warning for the log), -GT_EINTEGRITY (refused: @msg says
 * why) or -ENOMEM.
 */
int gt_sigcheck_media(struct gt_media *m, const char *manifest, size_t len, bool skip,
                      char *msg, size_t msg_size);

#endif
