# SPDX-License-Identifier: MIT
# check-signature: the signed manifest end to end (tests/security/run.py).
# Two fresh keys per run; an installer built with PUBKEYS=a.pub in its own
# build directory (a recursive make, so the normal build keeps its keys).
SIGTEST := $(BUILD)/sigtest
.PHONY: check-signature
check-signature: $(BUILD)/host/mkisotool $(BUILD)/host/installer
	@rm -rf $(SIGTEST)/keys && mkdir -p $(SIGTEST)/keys
	@$(BUILD)/host/mkisotool keygen -o $(SIGTEST)/keys/a >/dev/null
	@$(BUILD)/host/mkisotool keygen -o $(SIGTEST)/keys/b >/dev/null
	@$(MAKE) --no-print-directory BUILD=$(SIGTEST)/build \
		PUBKEYS=$(abspath $(SIGTEST))/keys/a.pub $(SIGTEST)/build/host/installer >/dev/null
	@INSTALLER=$(SIGTEST)/build/host/installer INSTALLER_NOKEY=$(BUILD)/host/installer \
		MKISOTOOL=$(BUILD)/host/mkisotool KEY_A=$(SIGTEST)/keys/a \
		KEY_B=$(SIGTEST)/keys/b $(PYTHON) tests/security/run.py $(BUILD)/results
CHECK_SUITES += check-signature
