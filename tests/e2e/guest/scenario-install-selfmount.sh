# SPDX-License-Identifier: MIT
# Scenario "install-selfmount": nothing mounts the CD; the installer, run
# from a copy on the root disk (/root/gt-installer, put there when the image
# was built) without --media, must find the CD and mount it itself.
# Host checks: tests/e2e/check.py (install-selfmount).
gt_scenario() {
	gt_wait_media
	awk '$3 == "iso9660"' /proc/mounts >"$GT_RUN/mounts"
	gt_put mounts-before 0 "$GT_RUN/mounts"
	cd /root || return 1
	gt_section install /root/gt-installer install -n --force --json
	gt_section verify /root/gt-installer verify --json
	gt_section status /root/gt-installer status --json
	gt_agent_section
}
