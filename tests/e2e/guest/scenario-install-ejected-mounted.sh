# SPDX-License-Identifier: MIT
# Scenario "install-ejected-mounted": as install-ejected, the way a user
# runs it: `mount /dev/cdrom /mnt`, `cd /mnt/Linux && ./install.sh -n
# --json` (install.sh runs a private copy of the installer with --media),
# and the CD is ejected (QMP, forced) while the installer is stopped before
# the payload. Checks: tests/e2e/check.py (install-ejected-mounted).
gt_scenario() {
	gt_ejected_scenario mounted
}
