/* SPDX-License-Identifier: MIT */
/* Checks not written yet: each stays unknown, with evidence saying so. */
#include "detect/pv_to_hvm_parts.h"

#define PENDING(fn, idx)                                                                 \
	int fn(struct p2h *x)                                                            \
	{                                                                                \
		return p2h_set(                                                          \
		        &x->p->checks[idx], GT_P2H_UNKNOWN, NULL,                        \
		        "not checked: this build does not implement the check yet");     \
	}
PENDING(p2h_check_root_names, GT_P2H_ROOT_NAMES)
PENDING(p2h_check_nics, GT_P2H_NICS)
