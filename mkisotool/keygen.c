/* SPDX-License-Identifier: MIT */
/*
 * mkisotool keygen, and reading key files for build --sign and verify
 * --pubkey. The key files are the small text files of lib/sig.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "mkisotool.h"
#include "sig.h"

/* A key file: at most GT_SIG_MAX_FILE bytes of a regular file. */
static int read_key_file(const char *path, char *buf, size_t *len, mode_t *mode)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), ret = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		ret = -GT_ENOTREG;
	} else {
		n = read(fd, buf, GT_SIG_MAX_FILE + 1);
		if (n < 0)
			ret = -errno;
		else if (n > GT_SIG_MAX_FILE)
			ret = -GT_ETOOBIG;
		else
			*len = (size_t)n;
		*mode = st.st_mode;
	}
	close(fd);
	return ret;
}

static const char *key_problem(int ret)
{
	switch (ret) {
	case -GT_EPARSE:
		return "not a key file of the expected kind (see mkisotool(1), keygen)";
	case -GT_EINTEGRITY:
		return "its key-id line does not match the key: the file was altered";
	case -GT_EUNSUPPORTED:
		return "a key file format this mkisotool does not know";
	case -GT_ETOOBIG:
		return "too large to be a key file";
	default:
		return gt_strerror(ret);
	}
}

int mk_read_seckey(const char *path, struct gt_sig_seckey *sk)
{
	char buf[GT_SIG_MAX_FILE + 1];
	size_t len = 0;
	mode_t mode = 0;
	int ret = read_key_file(path, buf, &len, &mode);

	if (ret == 0)
		ret = gt_sig_parse_seckey(buf, len, sk);
	sodium_memzero(buf, sizeof(buf)); /* the secret key's text: not elided */
	if (ret < 0) {
		gt_err("%s: %s", path, key_problem(ret));
		return MK_EXIT_INPUT;
	}
	if (mode & 077)
		gt_warn("%s: the secret key is readable by others (mode %04o); chmod 600 it",
		        path, (unsigned)(mode & 07777));
	return 0;
}

int mk_read_pubkey(const char *path, struct gt_sig_pubkey *pk)
{
	char buf[GT_SIG_MAX_FILE + 1];
	size_t len = 0;
	mode_t mode = 0;
	int ret = read_key_file(path, buf, &len, &mode);

	if (ret == 0)
		ret = gt_sig_parse_pubkey(buf, len, pk);
	if (ret < 0) {
		gt_err("%s: %s", path, key_problem(ret));
		return MK_EXIT_INPUT;
	}
	return 0;
}

/* Writes @text to a new file @path (never an existing one). */
static int write_new(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret < 0)
		unlink(path);
	return ret;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gt_sig_seckey sk;
	struct gt_sig_pubkey pk;
	char sec_path[4096], pub_path[4096], text[GT_SIG_MAX_FILE];
	const char *prefix = NULL;
	int c, ret = -EINVAL, rc = MK_EXIT_OUTPUT;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			prefix = optarg;
			break;
		case 'h':
			printf("Usage: mkisotool keygen -o PREFIX\n\n"
			       "Makes an Ed25519 key pair for signing Linux/MANIFEST:\n"
			       "PREFIX.sec (the secret key, mode 0600: keep it off the ISO)\n"
			       "and PREFIX.pub (the public key, for the installer's PUBKEYS=\n"
			       "and mkisotool verify --pubkey). Existing files are never replaced.\n\n"
			       "  -o, --output PREFIX  the two files to write\n"
			       "  -h, --help           this text\n");
			return MK_EXIT_OK;
		default:
			fprintf(stderr, "Try 'mkisotool keygen --help'.\n");
			return MK_EXIT_USAGE;
		}
	}
	if (!prefix || !*prefix || optind < argc) {
		gt_err("keygen: expected -o PREFIX and nothing else\n"
		       "Try 'mkisotool keygen --help'.");
		return MK_EXIT_USAGE;
	}
	if (snprintf(sec_path, sizeof(sec_path), "%s.sec", prefix) >=
	            (int)sizeof(sec_path) ||
	    snprintf(pub_path, sizeof(pub_path), "%s.pub", prefix) >=
	            (int)sizeof(pub_path)) {
		gt_err("keygen: %s: name too long", prefix);
		return MK_EXIT_USAGE;
	}
	/* Refuse before making anything, so that no half pair is left behind. */
	if (access(sec_path, F_OK) == 0 || access(pub_path, F_OK) == 0) {
		gt_err("%s: exists: not replaced (a lost secret key cannot be made again); choose another PREFIX",
		       access(sec_path, F_OK) == 0 ? sec_path : pub_path);
		return MK_EXIT_OUTPUT;
	}
	if (gt_sig_keygen(&sk, &pk) < 0) {
		gt_err("keygen: libsodium cannot be initialised (no random source?)");
		return MK_EXIT_FAILURE;
	}
	if (gt_sig_format_seckey(&sk, text, sizeof(text)) < 0 ||
	    (ret = write_new(sec_path, text, 0600)) < 0) {
		gt_err("%s: %s", sec_path, gt_strerror(ret));
		goto out;
	}
	if (gt_sig_format_pubkey(&pk, text, sizeof(text)) < 0 ||
	    (ret = write_new(pub_path, text, 0644)) < 0) {
		gt_err("%s: %s", pub_path, gt_strerror(ret));
		unlink(sec_path);
		goto out;
	}
	printf("%s: secret key (keep it private)\n%s: public key, key-id %s\n", sec_path,
	       pub_path, pk.id);
	rc = MK_EXIT_OK;
out:
	/* sodium_memzero: a memset of memory never read again may be dropped. */
	sodium_memzero(&sk, sizeof(sk));
	sodium_memzero(text, sizeof(text));
	return rc;
}
