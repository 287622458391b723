/* SPDX-License-Identifier: MIT */
/*
 * mkisotool: builds guest-tools.iso from a manifest, verifies and lists it.
 * One function per subcommand, registered in the table below.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mkisotool.h"

static const struct gt_command commands[] = {
	{ "build", cmd_build, "master a reproducible ISO from a build manifest" },
	{ "verify", cmd_verify,
	  "read an ISO back and check every file against its manifest" },
	{ "ls", cmd_ls, "list the manifest (Linux/MANIFEST) of an ISO" },
	{ "keygen", cmd_keygen, "make an Ed25519 key pair for build --sign" },
};

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "Usage: mkisotool [--version] [--help] COMMAND [OPTIONS]\n\n"
	            "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(fp,
	        "\nRun 'mkisotool COMMAND --help' for a command's options.\n"
	        "See mkisotool(1) for the exit codes and manifest(5) for the format.\n");
}

double mk_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mk_progress_init(struct mk_progress *p, bool enabled)
{
	p->enabled = enabled;
	p->shown = false;
	p->start = mk_now();
	p->last = 0;
}

void mk_progress_update(struct mk_progress *p, const char *what, uint64_t done,
                        uint64_t total)
{
	char a[32], b[32];
	double now;

	if (!p || !p->enabled)
		return;
	now = mk_now();
	/* Quick builds stay quiet; slow ones redraw at most ten times a second. */
	if (now - p->start < 1.0 || (now - p->last < 0.1 && done < total))
		return;
	p->last = now;
	p->shown = true;
	fprintf(stderr, "\r%s: %-10s %3d%% (%s of %s)   ", gt_log_prog(), what,
	        total ? (int)(done * 100 / total) : 100,
	        mk_human_size(done, a, sizeof(a)), mk_human_size(total, b, sizeof(b)));
}

void mk_progress_end(struct mk_progress *p)
{
	if (p && p->shown)
		fputc('\n', stderr);
	if (p)
		p->shown = false;
}

const char *mk_human_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

int main(int argc, char **argv)
{
	size_t i;

	gt_log_init("mkisotool", GT_LOG_WARN);
	if (argc < 2) {
		usage(stderr);
		return MK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return MK_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("mkisotool (guest-tools) %s\n", GT_VERSION);
		return MK_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	gt_err("unknown command '%s'\nTry 'mkisotool --help'.", argv[1]);
	return MK_EXIT_USAGE;
}
