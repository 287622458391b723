# SPDX-License-Identifier: MIT
# po/: the message catalogs (docs/HACKING.md, "Languages").
#   make po-update   extract the marked messages of the sources into
#                    po/guest-tools.pot (xgettext) and merge them into
#                    po/ja.po and po/fr.po (msgmerge): new messages come in
#                    untranslated, changed ones fuzzy; translate them, then
#                    make check-i18n (100 % coverage is checked).
# The keywords: the functions the front ends print a person's message
# through (the format is their N-th argument), gt_tr() where a message is
# printed directly, N_() in tables of strings.
I18N_SOURCES = $(sort lib/log.c lib/distro_family.c $(wildcard installer/*/*.c installer/*/*/*.c payload/agent/*.c))
XGETTEXT_FLAGS := --language=C --from-code=UTF-8 --no-wrap --sort-by-file --add-location=file \
	--package-name=guest-tools --msgid-bugs-address="the guest-tools issue tracker" \
	--keyword= --keyword=gt_tr --keyword=gt_tr_in:2 --keyword=N_ \
	--keyword=gt_err --keyword=gt_warn --keyword=gt_info \
	--keyword=fail:3 --keyword=gt_warning_add:4 --keyword=gt_vprobe_evidence:2 --keyword=evidence:2 --keyword=reason:2 --keyword=left:3 --keyword=say:2 --keyword=warn:3 --keyword=problem:3 \
	--flag=gt_tr:1:pass-c-format --flag=gt_tr_in:2:pass-c-format --flag=gt_err:1:c-format --flag=gt_warn:1:c-format \
	--flag=gt_info:1:c-format --flag=fail:3:c-format \
	--flag=gt_warning_add:4:c-format --flag=gt_vprobe_evidence:2:c-format --flag=evidence:2:c-format --flag=reason:2:c-format --flag=left:3:c-format --flag=say:2:c-format --flag=add_line:3:c-format --keyword=add_line:3 --flag=warn:3:c-format --flag=problem:3:c-format
# POT_OUT: where po-extract writes (the i18n suite extracts afresh into its
# own folder: a message added without make po-update is still checked).
POT_OUT ?= po/guest-tools.pot
.PHONY: po-update po-extract
po-extract:
	@xgettext $(XGETTEXT_FLAGS) -o $(POT_OUT).new $(I18N_SOURCES)
	@sed -e '/^"POT-Creation-Date:/d' $(POT_OUT).new >$(POT_OUT)
	@rm -f $(POT_OUT).new
po-update: po-extract
	@for l in ja fr; do \
		msgmerge --quiet --update --backup=none --no-wrap --previous po/$$l.po po/guest-tools.pot || exit 1; \
	done
	-@$(PYTHON) tests/i18n/run.py --coverage-only
# The i18n suite (tests/i18n/run.py): the catalogs (msgfmt --check, 100 %
# coverage of a fresh extraction), install.sh's table, and the static
# installer and agent run under LANG=ja_JP.UTF-8 / fr_FR.UTF-8.
.PHONY: check-i18n
check-i18n: static $(BUILD)/mkisotool
	@mkdir -p $(BUILD)/results
	@INSTALLER=$(BUILD)/installer GUEST_AGENT=$(BUILD)/guest-agent MKISOTOOL=$(BUILD)/mkisotool \
		$(PYTHON) tests/i18n/run.py i18n $(BUILD)/results
CHECK_SUITES += check-i18n
