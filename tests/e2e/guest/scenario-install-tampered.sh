# SPDX-License-Identifier: MIT
# Scenario "install-tampered": the CD is a copy of the ISO whose payload was
# altered after it was built. install.sh must refuse with the integrity
# exit code and leave the root as it was (file list and dpkg database).
# Host checks: tests/e2e/check.py (install-tampered).
gt_scenario() {
	gt_wait_media
	gt_snapshot "$GT_RUN/before"
	gt_mount_cd || return 1
	cd "$GT_CD/Linux" || return 1
	gt_section install ./install.sh -n
	cd /
	gt_snapshot "$GT_RUN/after"
	gt_rootdiff rootdiff "$GT_RUN/before" "$GT_RUN/after"
	gt_agent_section
}
