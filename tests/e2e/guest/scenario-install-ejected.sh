# SPDX-License-Identifier: MIT
# Scenario "install-ejected": the CD is pulled out of the drive (QEMU's QMP
# "eject", forced) while the installer runs. The installer, run from a copy
# on the root disk (/root/gt-installer) without --media, mounts the CD
# itself, reads and checks the manifest, and stops itself (SIGSTOP, the test
# seam GT_TEST_STOP_AT=payload) just before it reads the payload. The guest
# asks the host for the eject (a marker line on the report port), waits
# until the kernel sees the drive empty, drops the page cache (so no cached
# page of the CD can stand in for the medium) and lets the installer go on.
# It must fail with exit 7 (media lost), say that nothing was changed, and
# leave the root (file list, sha256 of /etc /usr /var/lib/dpkg, the dpkg
# database), the mounts and the temporary folders as they were.
# Guest side: gt_ejected_scenario in lib.sh; host side: run.sh and
# qmp-eject.py; checks: tests/e2e/check.py (install-ejected).
gt_scenario() {
	gt_ejected_scenario selfmount
}
