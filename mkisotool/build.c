/* SPDX-License-Identifier: MIT */
/*
 * mkisotool build: manifest -> checked inputs -> reproducible ISO -> verify.
 *
 * Every input is found, typed and checked before anything is written, so a
 * bad manifest costs no disk space and names its line. The image is mastered
 * with the libisofs C API straight from the source files (no staging tree),
 * each read once and hashed as it is read: files with equal content share
 * one stream and so one extent. It is written to a hidden temporary file
 * next to the output, hashed as it is written, read back in one sequential
 * pass and compared with what was written, and only then renamed into
 * place: a failed or interrupted build leaves no output file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "io.h"
#include "json.h"
#include "log.h"

static void usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: mkisotool build -m MANIFEST -o OUT.iso [OPTIONS]\n\n"
	        "  -m, --manifest FILE        the build manifest (see manifest(5))\n"
	        "  -o, --output FILE          the ISO to write (replaced only on success)\n"
	        "  -s, --source-dir DIR       where relative sources are (default: the\n"
	        "                             manifest's source-dir, or its directory)\n"
	        "  -D, --define NAME=VALUE    set ${NAME} for src= and version\n"
	        "                             (BUILD defaults to SOURCE_DIR/build)\n"
	        "      --source-date-epoch N  the time stamped on every file and the volume\n"
	        "                             (default: $SOURCE_DATE_EPOCH, else now)\n"
	        "      --sign KEY.sec         sign Linux/MANIFEST into Linux/MANIFEST.sig\n"
	        "                             (a key from 'mkisotool keygen')\n"
	        "  -q, --quiet                no progress, no summary\n"
	        "  -v, --verbose              say what is done with every file\n"
	        "      --json                 print the summary as one JSON document\n"
	        "  -h, --help                 this text\n");
}

void mk_problem(struct build *b, int code, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!b->problems++)
		b->exit_code = code;
	/* A tree of bad names is one problem many times: the first ones say it. */
	if (b->problems > MK_MAX_REPORTED) {
		if (b->problems == MK_MAX_REPORTED + 1)
			gt_err("%s: more problems not shown", b->manifest_path);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		gt_err("%s:%u: %s", b->manifest_path, line, msg);
	else
		gt_err("%s: %s", b->manifest_path, msg);
}

/* Reads the build manifest file (bounded by memory). Returns 0 or -errno/-GT_E*. */
static int read_whole_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	char *data = NULL;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -GT_ENOTREG;
		goto out;
	}
	if ((uint64_t)st.st_size >= SIZE_MAX) {
		ret = -ENOMEM;
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		ret = -ENOMEM;
		goto out;
	}
	n = gt_read_full(fd, data, (size_t)st.st_size + 1);
	if (n < 0) {
		ret = (int)n;
		goto out;
	}
	if ((size_t)n > (size_t)st.st_size) {
		ret = -GT_ETOOBIG; /* grew while we read it */
		goto out;
	}
	*buf = data;
	*len = (size_t)n;
	data = NULL;
	ret = 0;
out:
	free(data);
	close(fd);
	return ret;
}

static int parse_args(struct build *b, int argc, char **argv)
{
	enum { OPT_SDE = 256, OPT_SIGN, OPT_JSON };
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "source-dir", required_argument, NULL, 's' },
		{ "define", required_argument, NULL, 'D' },
		{ "source-date-epoch", required_argument, NULL, OPT_SDE },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int c;

	b->verbosity = GT_LOG_WARN;
	while ((c = getopt_long(argc, argv, "m:o:s:D:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			b->manifest_path = optarg;
			break;
		case 'o':
			b->out = optarg;
			break;
		case 's':
			b->source_dir_opt = optarg;
			break;
		case 'D': {
			const char *eq = strchr(optarg, '=');

			if (!eq || !mk_valid_var_name(optarg, (size_t)(eq - optarg))) {
				gt_err("-D %s: expected NAME=VALUE (NAME of A-Z 0-9 _)\n"
				       "Try 'mkisotool build --help'.",
				       optarg);
				return MK_EXIT_USAGE;
			}
			if (mk_var_set(b, optarg, (size_t)(eq - optarg), eq + 1) < 0) {
				gt_err("-D %s: too many definitions", optarg);
				return MK_EXIT_USAGE;
			}
			break;
		}
		case OPT_SDE:
			sde = optarg;
			break;
		case OPT_SIGN:
			b->sign_key = optarg;
			break;
		case 'q':
			b->quiet = true;
			b->verbosity = GT_LOG_ERROR;
			break;
		case 'v':
			b->verbosity = GT_LOG_INFO;
			break;
		case OPT_JSON:
			b->json = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			fprintf(stderr, "Try 'mkisotool build --help'.\n");
			return MK_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gt_err("build: unexpected argument '%s'\nTry 'mkisotool build --help'.",
		       argv[optind]);
		return MK_EXIT_USAGE;
	}
	if (!b->manifest_path || !b->out) {
		gt_err("build: both -m MANIFEST and -o OUT.iso are needed\n"
		       "Try 'mkisotool build --help'.");
		return MK_EXIT_USAGE;
	}
	if (sde && *sde) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno || *end || end == sde || v < 0 || v > 253402300799LL) {
			gt_err("source date epoch '%s': expected seconds since 1970 (up to year 9999)\nTry 'mkisotool build --help'.",
			       sde);
			return MK_EXIT_USAGE;
		}
		b->sde = (time_t)v;
	} else {
		b->sde = time(NULL);
	}
	return 0;
}

/* How many files the build writes itself (they are unique too). */
static size_t generated_files(const struct build *b)
{
	size_t n = 0;
	int k;

	for (k = 0; k < GEN_COUNT; k++)
		n += b->gen[k].present;
	return n;
}

static void print_summary(struct build *b, size_t files, uint64_t iso_size,
                          const uint8_t sha256[GT_SHA256_LEN], double seconds)
{
	char hex[GT_SHA256_HEX_LEN + 1], s1[32], s2[32], s3[32];

	gt_sha256_hex(sha256, hex);
	if (b->json) {
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "iso", b->out);
		gt_json_kv_bool(&j, "ok", true);
		gt_json_kv_string(&j, "label", b->m->label);
		gt_json_kv_string(&j, "version", b->version);
		gt_json_kv_uint(&j, "files", files);
		gt_json_kv_uint(&j, "unique_files", b->unique_files + generated_files(b));
		gt_json_kv_uint(&j, "bytes", b->total_bytes);
		gt_json_kv_uint(&j, "unique_bytes", b->unique_bytes);
		gt_json_kv_uint(&j, "iso_size", iso_size);
		gt_json_kv_string(&j, "sha256", hex);
		gt_json_kv_int(&j, "source_date_epoch", (long long)b->sde);
		gt_json_kv_uint(&j, "milliseconds", (unsigned long long)(seconds * 1000));
		gt_json_end_object(&j);
		gt_json_finish(&j);
		return;
	}
	if (b->quiet)
		return;
	printf("%s: %zu files, %s (%s unique), image %s, %.2f s\nsha256 %s\n", b->out,
	       files, mk_human_size(b->total_bytes, s1, sizeof(s1)),
	       mk_human_size(b->unique_bytes, s2, sizeof(s2)),
	       mk_human_size(iso_size, s3, sizeof(s3)), seconds, hex);
}

/* The build manifest, read and parsed. Returns 0 or a MK_EXIT_* code. */
static int read_manifest(struct build *b)
{
	struct gt_manifest_error perr;
	int ret;

	ret = read_whole_file(b->manifest_path, &b->mbuf, &b->mlen);
	if (ret < 0) {
		gt_err("%s: %s", b->manifest_path,
		       ret == -GT_ETOOBIG ? "it grew while it was read"
		                          : gt_strerror(ret));
		return MK_EXIT_MANIFEST;
	}
	ret = gt_manifest_parse(b->mbuf, b->mlen, GT_MANIFEST_BUILD, &b->m, &perr);
	if (ret < 0) {
		if (ret == -ENOMEM)
			gt_err("out of memory");
		else
			mk_problem(b, MK_EXIT_MANIFEST, perr.line, "%s", perr.msg);
		return ret == -ENOMEM ? MK_EXIT_FAILURE : MK_EXIT_MANIFEST;
	}
	return 0;
}

/* --sign's key and its public half. Returns 0 or a MK_EXIT_* code. */
static int read_sign_key(struct build *b)
{
	int rc = mk_read_seckey(b->sign_key, &b->sk);

	if (rc == 0 && gt_sig_public_of(&b->sk, &b->pk) < 0) {
		gt_err("%s: the secret key is inconsistent", b->sign_key);
		rc = MK_EXIT_INPUT;
	}
	return rc;
}

/* The image into the temporary output. Returns 0 or a MK_EXIT_* code. */
static int write_image(struct build *b)
{
	int rc;

	b->fd = mk_output_create(b->out);
	if (b->fd < 0) {
		gt_err("%s: cannot create the output: %s", b->out, gt_strerror(b->fd));
		return MK_EXIT_OUTPUT;
	}
	rc = mk_master(b);
	if (rc)
		return rc;
	if (close(b->fd) < 0) {
		b->fd = -1;
		gt_err("%s: %s", b->out, strerror(errno));
		return MK_EXIT_OUTPUT;
	}
	b->fd = -1;
	return 0;
}

/* The temporary output read back, then renamed into place. */
static int verify_and_publish(struct build *b)
{
	int ret = mk_read_back(b, mk_output_tmp_path());

	if (ret != 0) {
		gt_err("%s: the image failed verification: not written", b->out);
		return ret;
	}
	ret = mk_output_publish(b->out);
	if (ret < 0) {
		gt_err("%s: %s", b->out, gt_strerror(ret));
		return MK_EXIT_OUTPUT;
	}
	return 0;
}

static void build_free(struct build *b)
{
	size_t i;
	int k;

	if (b->fd >= 0)
		close(b->fd);
	mk_output_discard();
	if (b->image)
		iso_image_unref(b->image);
	if (b->iso_started)
		iso_finish();
	for (i = 0; i < b->n_items; i++) {
		struct item *it = &b->items[i];

		if (it->owned) {
			free((char *)it->dest);
			free((char *)it->target);
		}
		free(it->path);
	}
	free(b->items);
	free(b->last_dir);
	free(b->last_real);
	mk_trees_free(b);
	for (k = 0; k < GEN_COUNT; k++)
		free(b->gen[k].data);
	for (i = 0; i < b->n_vars; i++) {
		free(b->vars[i].name);
		free(b->vars[i].value);
	}
	free(b->source_dir);
	free(b->build_dir);
	free(b->version);
	gt_manifest_free(b->m);
	free(b->mbuf);
	/* sodium_memzero: a memset of memory never read again may be dropped. */
	sodium_memzero(&b->sk, sizeof(b->sk));
}

int cmd_build(int argc, char **argv)
{
	struct build b;
	double t0 = mk_now();
	int rc;

	memset(&b, 0, sizeof(b));
	b.fd = -1;
	rc = parse_args(&b, argc, argv);
	if (rc)
		return rc < 0 ? MK_EXIT_OK : rc;
	gt_log_init("mkisotool", b.verbosity);
	mk_progress_init(&b.progress, !b.quiet && isatty(STDERR_FILENO));

	/* 1. The signing key first: a bad one should not cost a whole build;
	 * nor an output that is not ours to replace. */
	if ((rc = mk_output_check(&b, false)) != 0 ||
	    (b.sign_key && (rc = read_sign_key(&b)) != 0))
		goto out;
	/* 2. The manifest, the source directory, the variables, the version. */
	if ((rc = read_manifest(&b)) != 0 || (rc = mk_setup_dirs(&b)) != 0)
		goto out;
	/* 3. Every input found and checked before writing anything (the
	 * output is none of them); equal contents found (files that share a size
	 * are hashed now). */
	if ((rc = mk_check_inputs(&b)) != 0 || (rc = mk_output_check(&b, true)) != 0)
		goto out;
	/* 4. The sizes of Linux/CONTENTS, Linux/MANIFEST, its signature and
	 * SHA256SUMS; their content is made once every input is hashed. */
	if ((rc = mk_plan_generated(&b)) != 0)
		goto out;
	/* 5. The image, entries in sorted order. */
	if ((rc = mk_make_image(&b)) != 0)
		goto out;
	/* 6. Mastered into a temporary file next to the output: every input
	 * read once and hashed as it is read, the image hashed as written. */
	if ((rc = write_image(&b)) != 0)
		goto out;
	/* The image tree is written: its memory goes before the read-back's comes. */
	iso_image_unref(b.image);
	b.image = NULL;
	for (int k = 0; k < GEN_COUNT; k++)
		b.gen[k].stream = NULL;
	/* 7. Read the image back before anyone sees it; only then rename it. */
	if ((rc = verify_and_publish(&b)) != 0)
		goto out;
	print_summary(&b, b.files, b.iso_size, b.sha256, mk_now() - t0);
out:
	if (b.json && rc != MK_EXIT_OK) {
		/* With --json, stdout always holds one document, even on failure. */
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "iso", b.out);
		gt_json_kv_bool(&j, "ok", false);
		gt_json_kv_int(&j, "exit", rc);
		gt_json_kv_uint(&j, "problems", b.problems ? b.problems : 1);
		gt_json_end_object(&j);
		gt_json_finish(&j);
	}
	build_free(&b);
	return rc;
}
