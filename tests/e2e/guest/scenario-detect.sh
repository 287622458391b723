# SPDX-License-Identifier: MIT
# Scenario "detect": mount the CD as a user would and run the installer's
# detect from it. Host checks: tests/e2e/check.py (detect).
gt_scenario() {
	gt_wait_media
	gt_mount_cd || return 1
	inst=$(gt_cd_installer "$GT_CD")
	cd "$GT_CD/Linux" || return 1
	gt_section detect "$inst" detect --json
	# In Japanese, on a guest with no locale installed (compiled-in catalogs).
	# gt-e2e-run exports LC_ALL=C.UTF-8, which would win over LANG: unset it.
	gt_section detect-ja env -u LC_ALL LANG=ja_JP.UTF-8 "$inst" detect
	gt_section detect-ja-json env -u LC_ALL LANG=ja_JP.UTF-8 "$inst" detect --json
}
