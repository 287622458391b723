/* SPDX-License-Identifier: MIT */
/*
 * What the front end says about an undo (a rollback or an uninstall) that
 * did not get everything back: shared by install and uninstall.
 */
#ifndef GT_INSTALLER_UNDO_WORDS_H
#define GT_INSTALLER_UNDO_WORDS_H

#include "transaction/rollback.h"

/* gt_say_left - one line for each thing @u left, and a warning for the steps
 * done but not written down. */
void gt_say_left(const struct gt_undo_report *u);

/* gt_say_notes - one line for each note of @u (a disk found under another name). */
void gt_say_notes(const struct gt_undo_report *u);

#endif
