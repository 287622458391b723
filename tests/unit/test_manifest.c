/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "manifest.h"
#include "manifest_helpers.h"

static const char iso_text[] =
        "guest-tools-manifest 1\n"
        "label guest-tools\n"
        "version 0.1.0\n"
        "file Linux/installer.x86_64 size=1000 "
        "sha256=0000000000000000000000000000000000000000000000000000000000000001 "
        "mode=0755\n"
        "package Linux/el7/agent.rpm size=20 "
        "sha256=00000000000000000000000000000000000000000000000000000000000000aa "
        "mode=0644 "
        "family=rpm arch=x86_64 distro=rhel,centos,rocky like=rhel,fedora min=7 max=7 "
        "init=systemd,sysv\n"
        "package Linux/el9/agent.rpm size=20 "
        "sha256=00000000000000000000000000000000000000000000000000000000000000bb "
        "mode=0644 "
        "family=rpm arch=x86_64 distro=rhel,centos,rocky,almalinux like=rhel,fedora "
        "min=8 "
        "max=9 init=systemd\n"
        "package Linux/deb/agent.deb size=30 "
        "sha256=00000000000000000000000000000000000000000000000000000000000000cc "
        "mode=0644 "
        "family=deb arch=x86_64 distro=debian,ubuntu like=debian init=systemd,sysv\n"
        "package Linux/deb/agent-i386.deb size=30 "
        "sha256=00000000000000000000000000000000000000000000000000000000000000cd "
        "mode=0644 "
        "family=deb arch=i686 distro=debian,ubuntu like=debian\n"
        "package Linux/generic/agent.tgz size=40 "
        "sha256=00000000000000000000000000000000000000000000000000000000000000dd "
        "mode=0644 "
        "family=tgz arch=x86_64\n"
        "link Linux/install target=installer.x86_64\n";

/* Parses @text expecting failure @want on @line with @needle in the message. */
static void parse_bad(const char *text, enum gt_manifest_kind kind, int want,
                      unsigned line, const char *needle)
{
	struct gt_manifest *m = NULL;
	struct gt_manifest_error err;
	int ret = gt_manifest_parse(text, strlen(text), kind, &m, &err);

	if (ret != want || err.line != line || !strstr(err.msg, needle))
		print_error("got %d line %u '%s'; wanted %d line %u '%s'\n", ret,
		            err.line, err.msg, want, line, needle);
	assert_int_equal(ret, want);
	assert_int_equal(err.line, line);
	assert_non_null(strstr(err.msg, needle));
	assert_null(m);
}

static void test_parse_iso(void **state)
{
	struct gt_manifest *m = parse_ok(iso_text, GT_MANIFEST_ISO);
	const struct gt_manifest_entry *e;

	assert_string_equal(m->label, "guest-tools");
	assert_string_equal(m->version, "0.1.0");
	assert_int_equal(m->n_entries, 7);
	e = &m->entries[1];
	assert_int_equal(e->type, GT_ENTRY_PACKAGE);
	assert_int_equal(e->line, 5);
	assert_string_equal(e->dest, "Linux/el7/agent.rpm");
	assert_true(e->has_size);
	assert_int_equal(e->size, 20);
	assert_int_equal(e->mode, 0644);
	assert_int_equal(e->sha256[31], 0xaa);
	assert_int_equal(e->family, GT_FAMILY_RPM);
	assert_int_equal(e->arch, GT_ARCH_X86_64);
	assert_string_equal(e->distros[2], "rocky");
	assert_null(e->distros[3]);
	assert_string_equal(e->likes[1], "fedora");
	assert_int_equal(e->min_major, 7);
	assert_int_equal(e->max_major, 7);
	assert_int_equal(e->inits, GT_INIT_SYSTEMD | GT_INIT_SYSV);
	e = gt_manifest_find(m, "Linux/install");
	assert_non_null(e);
	assert_int_equal(e->type, GT_ENTRY_LINK);
	assert_string_equal(e->target, "installer.x86_64");
	e = gt_manifest_find(m, "Linux/generic/agent.tgz");
	assert_non_null(e);
	assert_null(e->distros);
	assert_int_equal(e->min_major, -1);
	assert_null(gt_manifest_find(m, "nope"));
	gt_manifest_free(m);
}

static void test_parse_build(void **state)
{
	static const char text[] =
	        "# SPDX-License-Identifier: MIT\n"
	        "\n"
	        "   # indented comment\n"
	        "guest-tools-manifest 1   # trailing comment\n"
	        "version ${VERSION}\n"
	        "source-dir ..\n"
	        "file README.txt\tsrc=payload/README.txt\n"
	        "file Linux/installer.x86_64 src=${BUILD}/installer mode=0755\n"
	        "package Windows/x.msi src=/srv/x.msi sha256="
	        "ABCDEF0000000000000000000000000000000000000000000000000000000000 "
	        "family=tgz arch=aarch64";
	struct gt_manifest *m = parse_ok(text, GT_MANIFEST_BUILD);

	assert_string_equal(m->label, "guest-tools"); /* the default */
	assert_string_equal(m->version, "${VERSION}");
	assert_string_equal(m->source_dir, "..");
	assert_int_equal(m->source_dir_line, 6);
	assert_int_equal(m->n_entries, 3);
	assert_string_equal(m->entries[0].src, "payload/README.txt");
	assert_int_equal(m->entries[0].mode, 0);
	assert_false(m->entries[0].has_sha256);
	assert_int_equal(m->entries[1].mode, 0755);
	assert_true(m->entries[2].has_sha256);
	assert_int_equal(m->entries[2].sha256[0], 0xab);
	assert_int_equal(m->entries[2].arch, GT_ARCH_AARCH64);
	assert_int_equal(m->entries[2].line, 9); /* last line, no newline */
	gt_manifest_free(m);
}

static void test_roundtrip(void **state)
{
	struct gt_manifest *m = parse_ok(iso_text, GT_MANIFEST_ISO), *m2;
	char *buf = NULL, *buf2 = NULL;
	size_t len, len2;

	assert_int_equal(gt_manifest_format(m, &buf, &len), 0);
	assert_int_equal(len, strlen(buf));
	/* Our own writer emits the canonical form of what we read. */
	assert_string_equal(buf, iso_text);
	m2 = parse_ok(buf, GT_MANIFEST_ISO);
	assert_int_equal(gt_manifest_format(m2, &buf2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	free(buf);
	free(buf2);
	gt_manifest_free(m);
	gt_manifest_free(m2);
}

static void test_format_build_and_iso(void **state)
{
	static const char text[] = "guest-tools-manifest 1\nversion 1\n"
	                           "file a/b src=x/y\n";
	struct gt_manifest *m = parse_ok(text, GT_MANIFEST_BUILD);
	char *buf = NULL;
	size_t len;

	assert_int_equal(gt_manifest_format(m, &buf, &len), 0);
	assert_string_equal(buf, "guest-tools-manifest 1\nlabel guest-tools\nversion 1\n"
	                         "file a/b src=x/y\n");
	free(buf);
	/* As an ISO manifest it lacks size, sha256 and mode: refused, not written. */
	m->kind = GT_MANIFEST_ISO;
	assert_int_equal(gt_manifest_format(m, &buf, &len), -EINVAL);
	m->entries[0].has_size = true;
	m->entries[0].size = 5;
	m->entries[0].has_sha256 = true;
	m->entries[0].mode = 0644;
	assert_int_equal(gt_manifest_format(m, &buf, &len), 0);
	assert_non_null(strstr(buf, "file a/b size=5 sha256=0000"));
	assert_null(strstr(buf, "src="));
	free(buf);
	/* A value that would break the line format is refused. */
	free(m->entries[0].dest);
	m->entries[0].dest = strdup("a b");
	assert_int_equal(gt_manifest_format(m, &buf, &len), -EINVAL);
	free(m->entries[0].dest);
	m->entries[0].dest = strdup("a/b");
	free(m->version);
	m->version = strdup("1\nfile x");
	assert_int_equal(gt_manifest_format(m, &buf, &len), -EINVAL);
	gt_manifest_free(m);
}

#define HDR "guest-tools-manifest 1\nversion 1\n"
#define SHA "sha256=0000000000000000000000000000000000000000000000000000000000000000"

static void test_errors(void **state)
{
	const enum gt_manifest_kind B = GT_MANIFEST_BUILD, I = GT_MANIFEST_ISO;

	parse_bad("", B, -GT_EPARSE, 0, "empty");
	parse_bad("# only a comment\n", B, -GT_EPARSE, 0, "empty");
	parse_bad("hello\n", B, -GT_EPARSE, 1, "not a guest-tools manifest");
	parse_bad("guest-tools-manifest 2\n", B, -GT_EUNSUPPORTED, 1, "format 2");
	parse_bad("guest-tools-manifest 01\n", B, -GT_EPARSE, 1, "not a guest-tools");
	parse_bad("guest-tools-manifest 1\n", B, -GT_EPARSE, 0, "no 'version'");
	parse_bad(HDR "guest-tools-manifest 1\n", B, -GT_EPARSE, 3, "second");
	parse_bad(HDR "version 2\n", B, -GT_EPARSE, 3, "given twice (first on line 2)");
	parse_bad(HDR "label has space\n", B, -GT_EPARSE, 3, "exactly one value");
	parse_bad(HDR "label abcdefghijklmnopq\n", B, -GT_EPARSE, 3, "16 characters");
	parse_bad(HDR "colour red\n", B, -GT_EPARSE, 3, "unknown keyword 'colour'");
	parse_bad(HDR "source-dir ..\n", I, -GT_EPARSE, 3,
	          "unknown keyword 'source-dir'");
	parse_bad(HDR "file a src=b\r\n", B, -GT_EPARSE, 3, "carriage return");
	parse_bad(HDR "file a src=\xc3\xa9\n", B, -GT_EPARSE, 3, "0xc3");
	parse_bad(HDR "\n\nfile a src\n", B, -GT_EPARSE, 5, "not key=value");
	parse_bad(HDR "file\n", B, -GT_EPARSE, 3, "needs a destination");
	parse_bad(HDR "file a\n", B, -GT_EPARSE, 3, "missing src");
	parse_bad(HDR "file a src=b colour=red\n", B, -GT_EPARSE, 3,
	          "unknown key 'colour'");
	parse_bad(HDR "file a src=b family=rpm\n", B, -GT_EPARSE, 3,
	          "unknown key 'family'");
	parse_bad(HDR "file a src=b src=c\n", B, -GT_EPARSE, 3, "given twice");
	parse_bad(HDR "file a src=b size=3\n", B, -GT_EPARSE, 3, "unknown key 'size'");
	parse_bad(HDR "file a src=b mode=0644 size=3 " SHA "\n", I, -GT_EPARSE, 3,
	          "unknown key 'src'");
	parse_bad(HDR "file a mode=0644 " SHA "\n", I, -GT_EPARSE, 3, "missing size");
	parse_bad(HDR "file a size=1 mode=0644\n", I, -GT_EPARSE, 3, "missing sha256");
	parse_bad(HDR "file a size=-1 mode=0644 " SHA "\n", I, -GT_EPARSE, 3, "size=");
	parse_bad(HDR "file a size=99999999999999999999 mode=0644 " SHA "\n", I,
	          -GT_EPARSE, 3, "size=");
	parse_bad(HDR "file a src=b sha256=abc\n", B, -GT_EPARSE, 3, "64 hex digits");
	parse_bad(HDR "file a src=b " SHA "0\n", B, -GT_EPARSE, 3, "64 hex digits");
	parse_bad(HDR "file a src=b mode=4755\n", B, -GT_EPARSE, 3, "mode=");
	parse_bad(HDR "file a src=b mode=0044\n", B, -GT_EPARSE, 3, "mode=");
	parse_bad(HDR "file a src=b mode=0x1ff\n", B, -GT_EPARSE, 3, "mode=");
	parse_bad(HDR "package p src=b arch=x86_64\n", B, -GT_EPARSE, 3,
	          "missing family");
	parse_bad(HDR "package p src=b family=rpm\n", B, -GT_EPARSE, 3, "missing arch");
	parse_bad(HDR "package p src=b family=apk arch=x86_64\n", B, -GT_EPARSE, 3,
	          "unknown package family 'apk'");
	parse_bad(HDR "package p src=b family=rpm arch=ppc64le\n", B, -GT_EPARSE, 3,
	          "unknown arch 'ppc64le'");
	parse_bad(HDR "package p src=b family=rpm arch=i686 distro=rhel,,x\n", B,
	          -GT_EPARSE, 3, "empty");
	parse_bad(HDR "package p src=b family=rpm arch=i686 distro=RHEL\n", B, -GT_EPARSE,
	          3, "not an os-release id");
	parse_bad(HDR "package p src=b family=rpm arch=i686 like=a,b,a\n", B, -GT_EPARSE,
	          3, "'a' listed twice");
	parse_bad(HDR "package p src=b family=rpm arch=i686 min=9 max=7\n", B, -GT_EPARSE,
	          3, "above max");
	parse_bad(HDR "package p src=b family=rpm arch=i686 min=x\n", B, -GT_EPARSE, 3,
	          "major version");
	parse_bad(HDR "package p src=b family=rpm arch=i686 init=runit\n", B, -GT_EPARSE,
	          3, "unknown init system 'runit'");
	parse_bad(HDR "package p src=b family=rpm arch=i686 init=sysv,sysv\n", B,
	          -GT_EPARSE, 3, "listed twice");
	parse_bad(HDR "link l\n", B, -GT_EPARSE, 3, "missing target");
	parse_bad(HDR "link l target=/etc/passwd\n", B, -GT_EPARSE, 3, "relative");
	parse_bad(HDR "link l target=a src=b\n", B, -GT_EPARSE, 3, "unknown key 'src'");
	/* Destinations. */
	parse_bad(HDR "file /abs src=b\n", B, -GT_EPARSE, 3, "empty path component");
	parse_bad(HDR "file a//b src=b\n", B, -GT_EPARSE, 3, "empty path component");
	parse_bad(HDR "file a/../b src=b\n", B, -GT_EPARSE, 3, "not allowed");
	parse_bad(HDR "file a/b/ src=b\n", B, -GT_EPARSE, 3, "empty path component");
	parse_bad(HDR "file a:b src=b\n", B, -GT_EPARSE, 3,
	          "Joliet or Windows cannot keep it");
	parse_bad(HDR "file a?b src=b\n", B, -GT_EPARSE, 3,
	          "Joliet or Windows cannot keep it");
	parse_bad(HDR "file a|b src=b\n", B, -GT_EPARSE, 3,
	          "Joliet or Windows cannot keep it");
	parse_bad(HDR "file a\\b src=b\n", B, -GT_EPARSE, 3,
	          "Joliet or Windows cannot keep it");
	parse_bad(HDR "file a/b. src=b\n", B, -GT_EPARSE, 3, "ends with '.'");
	parse_bad(HDR "link a target=b./c\n", B, -GT_EPARSE, 3, "ends with '.'");
	parse_bad(HDR "file a/b/c/d/e/f/g/h/i src=b\n", B, -GT_EPARSE, 3, "8 levels");
	parse_bad(HDR "file "
	              "a12345678901234567890123456789012345678901234567890"
	              "12345678901234567890123456789012345678901234567890123 "
	              "src=b\n",
	          B, -GT_EPARSE, 3, "longer than 103 bytes");
	/* Trees: build manifests only, src= needed, exclude= patterns. */
	parse_bad(HDR "tree Windows\n", B, -GT_EPARSE, 3, "missing src");
	parse_bad(HDR "tree Windows src=w mode=0644\n", B, -GT_EPARSE, 3,
	          "unknown key 'mode' (a tree in a build manifest takes: src, exclude)");
	parse_bad(HDR "tree Windows src=w exclude=a,,b\n", B, -GT_EPARSE, 3,
	          "exclude=: empty or over-long pattern");
	parse_bad(HDR "tree W size=1\n", I, -GT_EPARSE, 3,
	          "'tree' entries do not belong in a ISO manifest");
	parse_bad(HDR "tree W src=w\nfile W src=b\n", B, -GT_EPARSE, 4,
	          "'W' already used on line 3");
	parse_bad(HDR "file W src=b\ntree W/x src=w\n", B, -GT_EPARSE, 4,
	          "puts a directory there");
	parse_bad(HDR "file Linux/CONTENTS src=b\n", B, -GT_EPARSE, 3, "reserved");
	/* Linux/CONTENTS: file and link lines only. */
	parse_bad("guest-tools-manifest 1\nversion 1\n", GT_MANIFEST_CONTENTS, -GT_EPARSE,
	          2, "unknown keyword 'version' (expected file, link)");
	parse_bad("guest-tools-manifest 1\npackage p size=1 " SHA
	          " mode=0644 family=rpm arch=i686\n",
	          GT_MANIFEST_CONTENTS, -GT_EPARSE, 2,
	          "'package' entries do not belong in a contents manifest");
	parse_bad("guest-tools-manifest 1\nfile SHA256SUMS size=1 mode=0644 " SHA "\n",
	          GT_MANIFEST_CONTENTS, -GT_EPARSE, 2, "reserved");
	/* Collisions. */
	parse_bad(HDR "file a src=b\n# c\nfile a src=c\n", B, -GT_EPARSE, 5,
	          "'a' already used on line 3");
	parse_bad(HDR "file README.txt src=b\nfile readme.TXT src=c\n", B, -GT_EPARSE, 4,
	          "differs only in case");
	parse_bad(HDR "file Dir src=b\nfile Dir/x src=c\n", B, -GT_EPARSE, 4,
	          "puts a directory there");
	parse_bad(HDR "file Linux src=b\n", B, -GT_EPARSE, 3, "mkisotool writes Linux/");
	parse_bad(HDR "file a/b/c src=b\nfile a/b src=c\n", B, -GT_EPARSE, 4,
	          "puts a directory there");
	parse_bad(HDR "file Linux/MANIFEST src=b\n", B, -GT_EPARSE, 3, "reserved");
	parse_bad(HDR "file Linux/CONTENTS/x size=1 mode=0644 " SHA
	              "\nfile Linux/CONTENTS size=1 mode=0644 " SHA "\n",
	          I, -GT_EPARSE, 4, "puts a directory there");
	parse_bad(HDR "file SHA256SUMS/x src=b\n", B, -GT_EPARSE, 3, "mkisotool writes");
	parse_bad(HDR "file linux src=b\n", B, -GT_EPARSE, 3, "mkisotool writes");
}

static void test_limits(void **state)
{
	struct gt_manifest *m = NULL;
	struct gt_manifest_error err;
	size_t n = GT_MANIFEST_MAX_LINE + 100, i, used;
	char *text = malloc(GT_MANIFEST_MAX_SIZE + 2);

	assert_non_null(text);
	/* One over-long line. */
	used = (size_t)sprintf(text, HDR "file a src=");
	memset(text + used, 'x', n);
	text[used + n] = '\0';
	assert_int_equal(
	        gt_manifest_parse(text, strlen(text), GT_MANIFEST_BUILD, &m, &err),
	        -GT_ETOOBIG);
	assert_int_equal(err.line, 3);
	/* Too many entries for an on-ISO manifest (the installer's bound). */
	used = (size_t)sprintf(text, HDR);
	for (i = 0; i <= GT_MANIFEST_MAX_ENTRIES; i++)
		used += (size_t)sprintf(text + used,
		                        "file f%zu size=1 mode=0644 " SHA "\n", i);
	assert_true(used <= GT_MANIFEST_MAX_SIZE);
	assert_int_equal(gt_manifest_parse(text, used, GT_MANIFEST_ISO, &m, &err),
	                 -GT_ETOOBIG);
	assert_int_equal(err.line, GT_MANIFEST_MAX_ENTRIES + 3);
	/* Exactly the limit is fine. */
	used = (size_t)sprintf(text, HDR);
	for (i = 0; i < GT_MANIFEST_MAX_ENTRIES; i++)
		used += (size_t)sprintf(text + used,
		                        "file f%zu size=1 mode=0644 " SHA "\n", i);
	assert_int_equal(gt_manifest_parse(text, used, GT_MANIFEST_ISO, &m, &err), 0);
	assert_int_equal(m->n_entries, GT_MANIFEST_MAX_ENTRIES);
	gt_manifest_free(m);
	m = NULL;
	/* Too large a buffer is refused before reading it. */
	memset(text, '#', GT_MANIFEST_MAX_SIZE + 1);
	assert_int_equal(gt_manifest_parse(text, GT_MANIFEST_MAX_SIZE + 1,
	                                   GT_MANIFEST_ISO, &m, &err),
	                 -GT_ETOOBIG);
	assert_null(m);
	/* A list longer than the limit. */
	used = (size_t)sprintf(text,
	                       HDR "package p src=b family=rpm arch=i686 distro=d0");
	for (i = 1; i <= GT_MANIFEST_MAX_LIST; i++)
		used += (size_t)sprintf(text + used, ",d%zu", i);
	assert_int_equal(gt_manifest_parse(text, used, GT_MANIFEST_BUILD, &m, &err),
	                 -GT_ETOOBIG);
	/* Too many fields on one line. */
	used = (size_t)sprintf(text, HDR "file a");
	for (i = 0; i < 40; i++)
		used += (size_t)sprintf(text + used, " src=x");
	assert_int_equal(gt_manifest_parse(text, used, GT_MANIFEST_BUILD, &m, &err),
	                 -GT_ETOOBIG);
	assert_null(m);
	free(text);
}

/* Parses @len bytes at @text as a manifest of @kind, which must succeed. */
static struct gt_manifest *parse_ok_len(const char *text, size_t len,
                                        enum gt_manifest_kind kind)
{
	struct gt_manifest *m = NULL;
	struct gt_manifest_error err;
	int ret = gt_manifest_parse(text, len, kind, &m, &err);

	if (ret != 0)
		print_error("unexpected parse error: line %u: %s\n", err.line, err.msg);
	assert_int_equal(ret, 0);
	return m;
}

/*
 * Build manifests and Linux/CONTENTS are bounded by memory only: 100,000
 * entries (about 3 MB) parse, and format back to the same text.
 */
static void test_no_walls(void **state)
{
	enum { N = 100000 };
	size_t cap = (size_t)N * 48 + 64, used, i;
	char *text = malloc(cap), *out = NULL;
	struct gt_manifest *m = NULL;
	size_t n = 0;

	assert_non_null(text);
	used = (size_t)sprintf(text, HDR);
	for (i = 0; i < N; i++)
		used += (size_t)sprintf(text + used, "file d%zu/f%zu src=x%zu\n", i % 97,
		                        i, i);
	assert_true(used > GT_MANIFEST_MAX_SIZE);
	m = parse_ok_len(text, used, GT_MANIFEST_BUILD);
	assert_int_equal(m->n_entries, N);
	assert_int_equal(gt_manifest_format(m, &out, &n), 0);
	assert_true(n > GT_MANIFEST_MAX_SIZE);
	free(out);
	gt_manifest_free(m);
	/* The same count as Linux/CONTENTS. */
	used = (size_t)sprintf(text, "guest-tools-manifest 1\n");
	for (i = 0; i < N; i++)
		used += (size_t)sprintf(text + used, "link l%zu target=t\n", i);
	m = parse_ok_len(text, used, GT_MANIFEST_CONTENTS);
	assert_int_equal(m->n_entries, N);
	assert_null(m->version);
	gt_manifest_free(m);
	free(text);
}

/* A tree entry parses, formats back, and leaves room below it. */
static void test_tree(void **state)
{
	static const char text[] =
	        HDR "tree Windows src=win exclude=*.pdb,.git,sub/*.tmp\n"
	            "file Windows/readme.txt src=r\n"
	            "tree Windows/extra src=x\n";
	struct gt_manifest *m = parse_ok(text, GT_MANIFEST_BUILD);
	char *out = NULL;
	size_t n = 0;

	assert_int_equal(m->n_entries, 3);
	assert_int_equal(m->entries[0].type, GT_ENTRY_TREE);
	assert_string_equal(m->entries[0].src, "win");
	assert_string_equal(m->entries[0].excludes[0], "*.pdb");
	assert_string_equal(m->entries[0].excludes[2], "sub/*.tmp");
	assert_null(m->entries[0].excludes[3]);
	assert_null(m->entries[2].excludes);
	assert_int_equal(gt_manifest_format(m, &out, &n), 0);
	assert_non_null(
	        strstr(out, "tree Windows src=win exclude=*.pdb,.git,sub/*.tmp\n"));
	free(out);
	gt_manifest_free(m);
	/* Names Joliet and Windows keep: spaces no, brackets and commas yes. */
	assert_null(gt_manifest_check_dest("Windows/Xen_(x64)/drv[1],v2@#!.inf"));
	assert_non_null(gt_manifest_check_dest("#comment"));
	assert_non_null(gt_manifest_check_dest("a/\x01"));
	assert_non_null(gt_manifest_check_dest("caf\xc3\xa9"));
}

/* The parser reads only the @len bytes given: no NUL terminator needed. */
static void test_not_terminated(void **state)
{
	static const char text[] = HDR "file a src=bXXXXXX";
	struct gt_manifest *m = NULL;
	char *copy = malloc(sizeof(text) - 7);

	assert_non_null(copy);
	memcpy(copy, text, sizeof(text) - 7); /* "...src=b" and no NUL */
	assert_int_equal(
	        gt_manifest_parse(copy, sizeof(text) - 7, GT_MANIFEST_BUILD, &m, NULL),
	        0);
	assert_string_equal(m->entries[0].src, "b");
	gt_manifest_free(m);
	/* An embedded NUL is an error, not the end. */
	assert_int_equal(gt_manifest_parse(HDR "file a src=b\0x\n", sizeof(HDR) + 15,
	                                   GT_MANIFEST_BUILD, &m, NULL),
	                 -GT_EPARSE);
	free(copy);
}

static void test_names(void **state)
{
	assert_int_equal(gt_manifest_arch_from_machine("x86_64"), GT_ARCH_X86_64);
	assert_int_equal(gt_manifest_arch_from_machine("i386"), GT_ARCH_I686);
	assert_int_equal(gt_manifest_arch_from_machine("i686"), GT_ARCH_I686);
	assert_int_equal(gt_manifest_arch_from_machine("i786"), GT_ARCH_NONE);
	assert_int_equal(gt_manifest_arch_from_machine("aarch64"), GT_ARCH_AARCH64);
	assert_int_equal(gt_manifest_arch_from_machine("armv7l"), GT_ARCH_NONE);
	assert_string_equal(gt_manifest_family_name(GT_FAMILY_DEB), "deb");
	assert_null(gt_manifest_family_name(GT_FAMILY_NONE));
	assert_null(gt_manifest_arch_name((enum gt_arch)42));
	assert_string_equal(gt_manifest_init_name(GT_INIT_OPENRC), "openrc");
	assert_int_equal(gt_manifest_init_parse("upstart"), GT_INIT_UPSTART);
	assert_int_equal(gt_manifest_family_parse("RPM"), GT_FAMILY_NONE);
	assert_null(gt_manifest_check_dest("Windows/Drivers/x64/xenvbd.inf"));
	assert_non_null(gt_manifest_check_dest("a b"));
	assert_non_null(gt_manifest_check_dest(""));
	assert_null(gt_manifest_check_version("1.0.0~rc1+git"));
	assert_non_null(gt_manifest_check_version("${VERSION}"));
}

/*
 * A small deterministic fuzzer: mutated manifests must parse or fail
 * cleanly (the ASan build of this test catches overreads and leaks), and
 * whatever parses must format and parse again to the same text.
 */
static void test_mutations(void **state)
{
	size_t base_len = sizeof(iso_text) - 1, i;
	uint32_t seed = 12345;
	char *buf = malloc(base_len + 64);
	int parsed = 0;

	assert_non_null(buf);
	for (i = 0; i < 20000; i++) {
		struct gt_manifest *m = NULL;
		size_t len = base_len, k, flips;

		memcpy(buf, iso_text, base_len);
		seed = seed * 1103515245u + 12345u;
		flips = 1 + (seed >> 16) % 4;
		for (k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char)(seed >> 24);
		}
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 5 == 0)
			len = (seed >> 3) % len; /* truncated */
		if (gt_manifest_parse(buf, len, GT_MANIFEST_ISO, &m, NULL) == 0) {
			char *out = NULL, *out2 = NULL;
			size_t n1, n2;
			struct gt_manifest *m2 = NULL;

			parsed++;
			if (gt_manifest_format(m, &out, &n1) != 0)
				fail_msg("parsed but cannot format: %.*s", (int)len, buf);
			assert_int_equal(
			        gt_manifest_parse(out, n1, GT_MANIFEST_ISO, &m2, NULL),
			        0);
			assert_int_equal(gt_manifest_format(m2, &out2, &n2), 0);
			assert_int_equal(n1, n2);
			assert_memory_equal(out, out2, n1);
			free(out);
			free(out2);
			gt_manifest_free(m2);
			gt_manifest_free(m);
		}
	}
	/* Some mutations (in a hash or a size digit) still parse. */
	assert_true(parsed > 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_iso),
		cmocka_unit_test(test_parse_build),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_format_build_and_iso),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_no_walls),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_not_terminated),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
