/* SPDX-License-Identifier: MIT */
#include "cli/undo_words.h"
#include "log.h"

void gt_say_left(const struct gt_undo_report *u)
{
	if (u->unrecorded)
		gt_warn("%zu undo steps were done but could not be written down (is the disk full?); a later run does them again, harmlessly",
		        u->unrecorded);
	for (size_t i = 0; i < u->n_left; i++)
		gt_err("  left: %s", i < u->n_left_shown ? u->left_shown[i] : u->left[i]);
}

void gt_say_notes(const struct gt_undo_report *u)
{
	for (size_t i = 0; i < u->n_notes; i++)
		gt_info("%s", i < u->n_notes_shown ? u->notes_shown[i] : u->notes[i]);
}
