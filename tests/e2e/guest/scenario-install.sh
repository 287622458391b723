# SPDX-License-Identifier: MIT
# Scenario "install": the user's path. Mount the CD, run install.sh -n from
# it, then installer verify --json and status --json, then install.sh again
# (it must change nothing: its --json document says changed:false and the
# root's file list and dpkg database are the same before and after). With
# --force: the rig's guest runs on QEMU, where install otherwise stops (exit 14).
# Host checks: tests/e2e/check.py (install).
gt_scenario() {
	gt_wait_media
	gt_mount_cd || return 1
	inst=$(gt_cd_installer "$GT_CD")
	cd "$GT_CD/Linux" || return 1
	gt_section install1 ./install.sh -n --force
	gt_section verify "$inst" verify --json
	gt_section status "$inst" status --json
	gt_snapshot "$GT_RUN/before2"
	gt_section install2 ./install.sh -n --force --json
	gt_snapshot "$GT_RUN/after2"
	gt_rootdiff rootdiff2 "$GT_RUN/before2" "$GT_RUN/after2"
	gt_agent_section
	gt_section detect "$inst" detect --json
}
