# SPDX-License-Identifier: MIT
# Releases (docs/release.md): the SBOM that goes on the ISO, and `make release`.
#   $(BUILD)/release/SBOM.spdx.json   SPDX 2.3 (scripts/release/sbom.py), made
#                                     before the image: Linux/SBOM.spdx.json
#   $(DIST)/                          make release: the image, the SBOM,
#                                     SHA256SUMS and, with RELEASE_KEY, signatures
DIST ?= dist
# The Ed25519 secret key of mkisotool keygen; empty: nothing is signed.
RELEASE_KEY ?=
SBOM := $(BUILD)/release/SBOM.spdx.json

.PHONY: release release-force
release-force:

ifneq ($(STATIC_PREFIX),)
# The inner make knows the static prefix: keep a copy of what it records (the
# inputs it was built from, locked or fallback) beside the products, for the SBOM.
STATIC_PRODUCTS += $(BUILD)/static-inputs/versions
$(BUILD)/static-inputs/versions: release-force
	@mkdir -p $(@D)
	@for f in versions lock-status; do \
		cmp -s $(STATIC_PREFIX)/$$f $(@D)/$$f || cp $(STATIC_PREFIX)/$$f $(@D)/$$f || exit 1; \
	done
endif

$(SBOM): release-force | deps static payload i686
	@$(PYTHON) scripts/release/sbom.py --manifest $(ISO_MANIFEST) --build $(abspath $(BUILD)) \
		--version $(VERSION) --source-date-epoch $(ISO_SOURCE_DATE_EPOCH) \
		--static x86_64=$(BUILD)/static-inputs --static i686=$(BUILD)/i686/static-inputs -o $@
# The image carries it (payload/guest-tools.manifest), so it is made first.
$(BUILD)/guest-tools.iso: | $(SBOM)

# The one command the release workflow runs (.github/workflows/release.yml).
release: | deps
	@if [ -n "$$(git status --porcelain 2>/dev/null)" ]; then \
		echo "release: WARNING: the work tree has changes that are not committed: dist/ is not the commit's"; fi
	@$(MAKE) --no-print-directory iso \
		$(if $(RELEASE_KEY),MKISOTOOL_FLAGS="$(MKISOTOOL_FLAGS) --sign $(abspath $(RELEASE_KEY))")
	@scripts/release/make-dist.sh $(BUILD) $(DIST) $(VERSION) $(ISO_SOURCE_DATE_EPOCH) \
		$(if $(RELEASE_KEY),$(abspath $(RELEASE_KEY)))
