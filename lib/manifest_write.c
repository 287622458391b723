/* SPDX-License-Identifier: MIT */
/*
 * The manifest writer: a struct gt_manifest as text that the parser reads
 * back to the same manifest (every value is checked by the same rules).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "manifest.h"
#include "manifest_rules.h"
#include "sha256.h"

static void write_list(FILE *fp, const char *key, char *const *v)
{
	size_t i;

	fprintf(fp, " %s=", key);
	for (i = 0; v[i]; i++)
		fprintf(fp, "%s%s", i ? "," : "", v[i]);
}

static int write_entry(FILE *fp, enum gt_manifest_kind kind,
                       const struct gt_manifest_entry *e)
{
	unsigned need = mf_keys_required(e->type, kind),
	         allowed = mf_keys_allowed(e->type, kind);
	char hex[GT_SHA256_HEX_LEN + 1];
	unsigned k;

	if (!gt_manifest_type_name(e->type) || !mf_type_allowed(e->type, kind) ||
	    !e->dest || gt_manifest_check_dest(e->dest))
		return -EINVAL;
	if ((allowed & BIT(K_EXCLUDE)) && e->excludes &&
	    !mf_valid_pattern_list(e->excludes))
		return -EINVAL;
	if (((need & BIT(K_SRC)) &&
	     (!e->src || !mf_valid_token(e->src, GT_MANIFEST_MAX_VALUE))) ||
	    ((need & BIT(K_TARGET)) &&
	     (!e->target || *e->target == '/' ||
	      mf_check_path(e->target, true, GT_MANIFEST_MAX_VALUE))) ||
	    ((need & BIT(K_SIZE)) && !e->has_size) ||
	    ((need & BIT(K_SHA256)) && !e->has_sha256) ||
	    ((need & BIT(K_MODE)) && !e->mode) ||
	    ((need & BIT(K_FAMILY)) && !gt_manifest_family_name(e->family)) ||
	    ((need & BIT(K_ARCH)) && !gt_manifest_arch_name(e->arch)))
		return -EINVAL;
	if ((e->mode && (e->mode > 0777 || !(e->mode & 0400))) ||
	    (e->size > (uint64_t)INT64_MAX))
		return -EINVAL;
	if (allowed & BIT(K_DISTRO)) {
		if ((e->distros && (!e->distros[0] || !mf_valid_id_list(e->distros))) ||
		    (e->likes && (!e->likes[0] || !mf_valid_id_list(e->likes))) ||
		    e->min_major > MAX_MAJOR || e->max_major > MAX_MAJOR ||
		    (e->min_major >= 0 && e->max_major >= 0 &&
		     e->min_major > e->max_major) ||
		    (e->inits & ~0xfu))
			return -EINVAL;
	}
	fprintf(fp, "%s %s", gt_manifest_type_name(e->type), e->dest);
	if (allowed & BIT(K_SRC))
		fprintf(fp, " src=%s", e->src);
	if (allowed & BIT(K_TARGET))
		fprintf(fp, " target=%s", e->target);
	if ((allowed & BIT(K_EXCLUDE)) && e->excludes)
		write_list(fp, "exclude", e->excludes);
	if (allowed & BIT(K_SIZE))
		fprintf(fp, " size=%llu", (unsigned long long)e->size);
	if ((allowed & BIT(K_SHA256)) && e->has_sha256) {
		gt_sha256_hex(e->sha256, hex);
		fprintf(fp, " sha256=%s", hex);
	}
	if ((allowed & BIT(K_MODE)) && e->mode)
		fprintf(fp, " mode=%04o", e->mode);
	if (allowed & BIT(K_FAMILY)) {
		fprintf(fp, " family=%s arch=%s", gt_manifest_family_name(e->family),
		        gt_manifest_arch_name(e->arch));
		if (e->distros)
			write_list(fp, "distro", e->distros);
		if (e->likes)
			write_list(fp, "like", e->likes);
		if (e->min_major >= 0)
			fprintf(fp, " min=%d", e->min_major);
		if (e->max_major >= 0)
			fprintf(fp, " max=%d", e->max_major);
		if (e->inits) {
			const char *sep = " init=";

			for (k = 0; k < 4; k++)
				if (e->inits & (1u << k)) {
					fprintf(fp, "%s%s", sep,
					        gt_manifest_init_name(1u << k));
					sep = ",";
				}
		}
	}
	fputc('\n', fp);
	return 0;
}

int gt_manifest_format(const struct gt_manifest *m, char **buf, size_t *len)
{
	char when[GT_MANIFEST_TIME_LEN];
	char *b = NULL;
	size_t n = 0, i;
	FILE *fp;
	int ret = -EINVAL;

	bool contents = m->kind == GT_MANIFEST_CONTENTS;

	if (m->kind == GT_MANIFEST_ISO && m->n_entries > GT_MANIFEST_MAX_ENTRIES)
		return -GT_ETOOBIG;
	if ((!contents &&
	     (!m->version ||
	      mf_check_version_refs(m->version, m->kind == GT_MANIFEST_BUILD))) ||
	    (m->label && mf_check_label(m->label)) ||
	    (m->kind == GT_MANIFEST_BUILD && m->source_dir &&
	     !mf_valid_token(m->source_dir, GT_MANIFEST_MAX_VALUE)) ||
	    (m->kind == GT_MANIFEST_ISO && m->has_built &&
	     !gt_manifest_format_time(m->built, when)))
		return -EINVAL;
	fp = open_memstream(&b, &n);
	if (!fp)
		return -ENOMEM;
	ret = 0;
	fprintf(fp, HEADER " %d\n", GT_MANIFEST_FORMAT);
	if (!contents) {
		fprintf(fp, "label %s\n", m->label ? m->label : DEFAULT_LABEL);
		fprintf(fp, "version %s\n", m->version);
	}
	if (m->kind == GT_MANIFEST_ISO && m->has_built)
		fprintf(fp, "built %s\n", gt_manifest_format_time(m->built, when));
	if (m->kind == GT_MANIFEST_BUILD && m->source_dir)
		fprintf(fp, "source-dir %s\n", m->source_dir);
	for (i = 0; i < m->n_entries; i++) {
		ret = write_entry(fp, m->kind, &m->entries[i]);
		if (ret < 0)
			break;
	}
	if (fclose(fp) != 0 && ret == 0)
		ret = -ENOMEM;
	if (ret == 0 && m->kind == GT_MANIFEST_ISO && n > GT_MANIFEST_MAX_SIZE)
		ret = -GT_ETOOBIG;
	if (ret < 0) {
		free(b);
		return ret;
	}
	*buf = b;
	*len = n;
	return 0;
}
