/* SPDX-License-Identifier: MIT */
/*
 * mkisotool ls: the payload manifest of an ISO (its Linux/MANIFEST, read
 * with verify.c's reader) or of a manifest file, for a person or as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "manifest.h"
#include "mkisotool.h"
#include "sha256.h"

/* A manifest file rather than an image: its header line is near the top. */
static bool looks_like_manifest(const char *path)
{
	char head[4097];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return false;
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n <= 0)
		return false;
	head[n] = '\0';
	return strncmp(head, "guest-tools-manifest ", 21) == 0 ||
	       strstr(head, "\nguest-tools-manifest ") != NULL;
}

static void print_list(FILE *fp, char *const *v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		fprintf(fp, "%s%s", i ? "," : "", v[i]);
}

static void json_list(struct gt_json *j, const char *key, char *const *v)
{
	size_t i;

	gt_json_key(j, key);
	gt_json_begin_array(j);
	for (i = 0; v && v[i]; i++)
		gt_json_string(j, v[i]);
	gt_json_end_array(j);
}

static void ls_json(const struct gt_manifest *m)
{
	struct gt_json j;
	size_t i;
	unsigned k;

	gt_json_init(&j, stdout);
	gt_json_begin_object(&j);
	gt_json_kv_int(&j, "format", GT_MANIFEST_FORMAT);
	gt_json_kv_string(&j, "label", m->label);
	gt_json_kv_string(&j, "version", m->version);
	gt_json_key(&j, "entries");
	gt_json_begin_array(&j);
	for (i = 0; i < m->n_entries; i++) {
		const struct gt_manifest_entry *e = &m->entries[i];
		char hex[GT_SHA256_HEX_LEN + 1];

		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "type", gt_manifest_type_name(e->type));
		gt_json_kv_string(&j, "path", e->dest);
		if (e->type == GT_ENTRY_LINK) {
			gt_json_kv_string(&j, "target", e->target);
			gt_json_end_object(&j);
			continue;
		}
		if (e->src)
			gt_json_kv_string(&j, "src", e->src);
		if (e->has_size)
			gt_json_kv_uint(&j, "size", e->size);
		if (e->has_sha256) {
			gt_sha256_hex(e->sha256, hex);
			gt_json_kv_string(&j, "sha256", hex);
		}
		if (e->mode) {
			char mode[16];

			snprintf(mode, sizeof(mode), "%04o", e->mode);
			gt_json_kv_string(&j, "mode", mode);
		}
		if (e->type == GT_ENTRY_PACKAGE) {
			gt_json_kv_string(&j, "family",
			                  gt_manifest_family_name(e->family));
			gt_json_kv_string(&j, "arch", gt_manifest_arch_name(e->arch));
			json_list(&j, "distro", e->distros);
			json_list(&j, "like", e->likes);
			gt_json_key(&j, "min");
			if (e->min_major >= 0)
				gt_json_int(&j, e->min_major);
			else
				gt_json_null(&j);
			gt_json_key(&j, "max");
			if (e->max_major >= 0)
				gt_json_int(&j, e->max_major);
			else
				gt_json_null(&j);
			gt_json_key(&j, "init");
			gt_json_begin_array(&j);
			for (k = 0; k < 4; k++)
				if (e->inits & (1u << k))
					gt_json_string(&j,
					               gt_manifest_init_name(1u << k));
			gt_json_end_array(&j);
		}
		gt_json_end_object(&j);
	}
	gt_json_end_array(&j);
	gt_json_end_object(&j);
	gt_json_finish(&j);
}

static void ls_human(const struct gt_manifest *m)
{
	size_t i;
	unsigned k;

	printf("%s %s (format %d)\n", m->label, m->version, GT_MANIFEST_FORMAT);
	for (i = 0; i < m->n_entries; i++) {
		const struct gt_manifest_entry *e = &m->entries[i];
		char size[32] = "-";
		char mode[16] = "-";

		if (e->type == GT_ENTRY_LINK) {
			printf("%-7s %10s %4s  %s -> %s\n", "link", "-", "-", e->dest,
			       e->target);
			continue;
		}
		if (e->has_size)
			snprintf(size, sizeof(size), "%llu", (unsigned long long)e->size);
		if (e->mode)
			snprintf(mode, sizeof(mode), "%04o", e->mode);
		printf("%-7s %10s %4s  %s", gt_manifest_type_name(e->type), size, mode,
		       e->dest);
		if (e->type == GT_ENTRY_PACKAGE) {
			printf("  [%s %s", gt_manifest_family_name(e->family),
			       gt_manifest_arch_name(e->arch));
			if (e->distros) {
				printf(" distro=");
				print_list(stdout, e->distros);
			}
			if (e->likes) {
				printf(" like=");
				print_list(stdout, e->likes);
			}
			if (e->min_major >= 0)
				printf(" min=%d", e->min_major);
			if (e->max_major >= 0)
				printf(" max=%d", e->max_major);
			if (e->inits) {
				const char *sep = " init=";

				for (k = 0; k < 4; k++)
					if (e->inits & (1u << k)) {
						printf("%s%s", sep,
						       gt_manifest_init_name(1u << k));
						sep = ",";
					}
			}
			printf("]");
		}
		printf("\n");
	}
}

int cmd_ls(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gt_manifest *m = NULL;
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: mkisotool ls [--json] ISO|MANIFEST\n\n"
			       "Lists the payload manifest (Linux/MANIFEST) of ISO, or a manifest\n"
			       "file given directly.\n\n"
			       "      --json  print the manifest as one JSON document\n"
			       "  -h, --help  this text\n");
			return MK_EXIT_OK;
		default:
			fprintf(stderr, "Try 'mkisotool ls --help'.\n");
			return MK_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		gt_err("ls: expected one ISO\nTry 'mkisotool ls --help'.");
		return MK_EXIT_USAGE;
	}
	if (looks_like_manifest(argv[optind])) {
		/* A manifest file: an on-ISO one, or else a build manifest. */
		struct gt_manifest_error perr = { 0, "" };
		FILE *fp = fopen(argv[optind], "re");
		char *buf = malloc(GT_MANIFEST_MAX_SIZE + 1);
		size_t n = fp && buf ? fread(buf, 1, GT_MANIFEST_MAX_SIZE + 1, fp) : 0;

		if (fp)
			(void)fclose(fp); /* read only: nothing to lose */
		ret = buf ? gt_manifest_parse(buf, n, GT_MANIFEST_ISO, &m, &perr)
		          : -ENOMEM;
		if (ret < 0 && ret != -ENOMEM)
			ret = gt_manifest_parse(buf, n, GT_MANIFEST_BUILD, &m, &perr);
		free(buf);
		if (ret < 0) {
			gt_err("%s:%u: %s", argv[optind], perr.line,
			       ret == -ENOMEM ? "out of memory" : perr.msg);
			return MK_EXIT_MANIFEST;
		}
	} else {
		ret = mk_read_iso_manifest(argv[optind], &m);
		if (ret)
			return ret;
	}
	if (json)
		ls_json(m);
	else
		ls_human(m);
	gt_manifest_free(m);
	return MK_EXIT_OK;
}
