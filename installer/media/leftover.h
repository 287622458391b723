/* SPDX-License-Identifier: MIT */
/*
 * The installer's private folders outside the root: the verified copy of the
 * payload and the CD's mount point. Their names carry the pid of the run, so
 * that a later run can tell those of a run killed with SIGKILL (which cleans
 * up nothing) from those of a run still going.
 */
#ifndef GT_INSTALLER_LEFTOVER_H
#define GT_INSTALLER_LEFTOVER_H

#include <stddef.h>

/*
 * gt_private_dir - make a folder only root can enter, named
 * BASE/guest-tools-PID-XXXXXX, in the first base that takes it: /run (a tmpfs
 * root owns), else /tmp, else /var/tmp. Returns 0, or -errno of the last base
 * tried (@out is then "").
 */
int gt_private_dir(char *out, size_t size);
int gt_private_dir_in(const char *const *bases, size_t n_bases, char *out, size_t size);

/*
 * gt_leftover_sweep - remove the private folders whose run is gone (no
 * process has the pid in the name) from the bases above: a CD still mounted
 * there is detached first, then the regular files in it and the folder are
 * removed. Folders of live runs, other names, symlinks and folders of other
 * owners are left as they are. Returns how many folders were removed.
 * Liveness is kill(pid, 0) in our pid namespace: a run in another namespace
 * sharing /run would look gone (its own run then fails; nothing is lost).
 */
size_t gt_leftover_sweep(void);
size_t gt_leftover_sweep_in(const char *base);

#endif
