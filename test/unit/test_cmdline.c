/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_parse_cmdline() in both ABI variants and fuse_cmdline_help(). Expectations follow what
 * Debian's libfuse 3.14 does with the same command lines (recorded by hand), except where ours
 * is deliberately stricter: a failed parse leaves no mountpoint behind, and a comma in the
 * program name is escaped in the default subtype. The 3.0 variant is called with a structure
 * of the 3.0 size followed by a canary that must survive.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

/* Exported by the library beside the versioned fuse_parse_cmdline, as in libfuse. */
int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);

static char mnt_abs[PATH_MAX];	/* realpath of ./mnt in our scratch directory */
static char logbuf[1024];

static void log_capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + used, sizeof(logbuf) - used, fmt, ap);
}

struct parsed {
	int res;
	struct fuse_cmdline_opts o;
	char out[512];	/* output vector, "[a] [b] ..." */
};

/* Split line at spaces, parse with fn, render the output vector. */
static void parse(const char *line, int (*fn)(struct fuse_args *, struct fuse_cmdline_opts *),
		  struct parsed *p)
{
	char *copy = strdup(line);
	char *argv[32];
	int argc = 0;
	char *tok, *save;
	int i;

	for (tok = strtok_r(copy, " ", &save); tok != NULL && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);

	memset(&p->o, 0x5a, sizeof(p->o));
	logbuf[0] = '\0';
	fuse_set_log_func(log_capture);
	p->res = fn(&args, &p->o);
	fuse_set_log_func(NULL);
	p->out[0] = '\0';
	for (i = 0; i < args.argc; i++) {
		size_t used = strlen(p->out);

		snprintf(p->out + used, sizeof(p->out) - used, "%s[%s]", i ? " " : "",
			 args.argv[i]);
	}
	if (p->res == 0)
		fuse_opt_free_args(&args);
	else
		CHECK(args.argv == argv);	/* untouched on failure */
	free(copy);
}

static void done(struct parsed *p)
{
	if (p->res == 0)
		free(p->o.mountpoint);
}

static void check_defaults_except(const struct parsed *p)
{
	CHECK_EQ(p->res, 0);
	CHECK_UEQ(p->o.max_idle_threads, UINT_MAX);
	CHECK_UEQ(p->o.max_threads, 10);
}

static void test_basic(void)
{
	struct parsed p;

	parse("prog", fuse_parse_cmdline_312, &p);
	check_defaults_except(&p);
	CHECK_STR(p.out, "[prog] [-osubtype=prog]");
	CHECK(p.o.mountpoint == NULL);
	CHECK_EQ(p.o.singlethread, 0);
	CHECK_EQ(p.o.foreground, 0);
	CHECK_EQ(p.o.debug, 0);
	CHECK_EQ(p.o.nodefault_subtype, 0);
	CHECK_EQ(p.o.show_version, 0);
	CHECK_EQ(p.o.show_help, 0);
	CHECK_EQ(p.o.clone_fd, 0);
	done(&p);

	const char *spellings[] = { "prog mnt", "prog mnt/", "prog ./mnt", "prog ./mnt/../mnt" };
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		parse(spellings[i], fuse_parse_cmdline_312, &p);
		check_defaults_except(&p);
		CHECK_STR(p.o.mountpoint, mnt_abs);
		CHECK_STR(p.out, "[prog] [-osubtype=prog]");
		done(&p);
	}

	parse("prog /", fuse_parse_cmdline_312, &p);
	CHECK_STR(p.o.mountpoint, "/");
	done(&p);
}

static void test_flags(void)
{
	struct parsed p;

	parse("prog -f mnt", fuse_parse_cmdline_312, &p);
	check_defaults_except(&p);
	CHECK_EQ(p.o.foreground, 1);
	CHECK_EQ(p.o.debug, 0);
	done(&p);

	/* Debug implies foreground and stays in the vector for the session. */
	parse("prog -d mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.o.debug, 1);
	CHECK_EQ(p.o.foreground, 1);
	CHECK_STR(p.out, "[prog] [-d] [-osubtype=prog]");
	done(&p);

	parse("prog -o debug,allow_other mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.o.debug, 1);
	CHECK_EQ(p.o.foreground, 1);
	CHECK_STR(p.out, "[prog] [-o] [debug,allow_other] [-osubtype=prog]");
	done(&p);

	/* libfuse does not know --debug: it stays for the session, which rejects it. */
	parse("prog --debug mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.o.debug, 0);
	CHECK_STR(p.out, "[prog] [--debug] [-osubtype=prog]");
	done(&p);

	parse("prog -s mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.o.singlethread, 1);
	done(&p);

	const char *help[] = { "prog -h", "prog --help" };
	for (size_t i = 0; i < 2; i++) {
		parse(help[i], fuse_parse_cmdline_312, &p);
		CHECK_EQ(p.res, 0);
		CHECK_EQ(p.o.show_help, 1);
		CHECK_EQ(p.o.show_version, 0);
		CHECK_STR(p.out, "[prog] [-osubtype=prog]");
		done(&p);
	}
	const char *version[] = { "prog -V", "prog --version" };
	for (size_t i = 0; i < 2; i++) {
		parse(version[i], fuse_parse_cmdline_312, &p);
		CHECK_EQ(p.res, 0);
		CHECK_EQ(p.o.show_version, 1);
		CHECK_EQ(p.o.show_help, 0);
		done(&p);
	}

	parse("prog -o clone_fd,max_idle_threads=5,max_threads=7 mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.res, 0);
	CHECK_EQ(p.o.clone_fd, 1);
	CHECK_UEQ(p.o.max_idle_threads, 5);
	CHECK_UEQ(p.o.max_threads, 7);
	CHECK_STR(p.out, "[prog] [-osubtype=prog]");
	done(&p);

	parse("prog -o allow_other,ro mnt -x", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.res, 0);
	CHECK_STR(p.out, "[prog] [-o] [allow_other,ro] [-x] [-osubtype=prog]");
	done(&p);
}

static void test_subtype(void)
{
	struct parsed p;

	parse("prog -o fsname=foo mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.o.nodefault_subtype, 1);
	CHECK_STR(p.out, "[prog] [-o] [fsname=foo]");
	done(&p);

	parse("prog -o subtype=bar mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.o.nodefault_subtype, 1);
	CHECK_STR(p.out, "[prog] [-o] [subtype=bar]");
	done(&p);

	parse("/usr/local/bin/myfs mnt", fuse_parse_cmdline_312, &p);
	CHECK_STR(p.out, "[/usr/local/bin/myfs] [-osubtype=myfs]");
	done(&p);

	/* Ours escapes the comma (libfuse would hand the session two options). */
	parse("/usr/bin/my,fs mnt", fuse_parse_cmdline_312, &p);
	CHECK_STR(p.out, "[/usr/bin/my,fs] [-osubtype=my\\,fs]");
	done(&p);

	parse("/a/b/ mnt", fuse_parse_cmdline_312, &p);
	CHECK_STR(p.out, "[/a/b/] [-osubtype=/]");
	done(&p);
}

static void test_errors(void)
{
	struct parsed p;

	parse("prog -o max_threads=abc mnt", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.res, -1);
	CHECK(p.o.mountpoint == NULL);
	CHECK_STR(logbuf, "fuse: invalid parameter in option `max_threads=abc'\n");

	parse("prog mnt extra", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.res, -1);
	CHECK(p.o.mountpoint == NULL);
	CHECK_STR(logbuf, "fuse: invalid argument `extra'\n");

	parse("prog mnt -- other", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.res, -1);
	CHECK_STR(logbuf, "fuse: invalid argument `other'\n");

	parse("prog nonexist", fuse_parse_cmdline_312, &p);
	CHECK_EQ(p.res, -1);
	CHECK(p.o.mountpoint == NULL);
	CHECK_STR(logbuf, "fuse: bad mount point `nonexist': No such file or directory\n");

	CHECK_EQ(fuse_parse_cmdline_312(NULL, &p.o), -1);
	CHECK_EQ(fuse_parse_cmdline_30(NULL, &p.o), -1);
}

/* The 3.0 structure ends before max_threads; nothing may be written after it. */
static void test_abi30(void)
{
	const size_t size30 = offsetof(struct fuse_cmdline_opts, max_threads);
	union {
		struct fuse_cmdline_opts align;
		unsigned char bytes[sizeof(struct fuse_cmdline_opts) + 32];
	} mem;
	struct fuse_cmdline_opts *o = (struct fuse_cmdline_opts *)mem.bytes;
	char *argv[] = { "prog", "-f", "-o", "clone_fd,max_idle_threads=3,max_threads=99", "mnt",
			 NULL };
	struct fuse_args args = FUSE_ARGS_INIT(5, argv);
	size_t i;
	int intact = 1;

	CHECK_UEQ(size30, 40);	/* x86-64 layout of libfuse 3.0's structure */
	memset(mem.bytes, 0xa5, sizeof(mem.bytes));
	CHECK_EQ(fuse_parse_cmdline_30(&args, o), 0);
	for (i = size30; i < sizeof(mem.bytes); i++)
		intact &= mem.bytes[i] == 0xa5;
	CHECK(intact);
	CHECK_EQ(o->foreground, 1);
	CHECK_EQ(o->clone_fd, 1);
	CHECK_UEQ(o->max_idle_threads, 3);
	CHECK_STR(o->mountpoint, mnt_abs);
	free(o->mountpoint);
	fuse_opt_free_args(&args);

	/* A failure must not write past it either. */
	char *argv2[] = { "prog", "a", "b", NULL };
	struct fuse_args args2 = FUSE_ARGS_INIT(3, argv2);
	memset(mem.bytes, 0xa5, sizeof(mem.bytes));
	fuse_set_log_func(log_capture);
	CHECK_EQ(fuse_parse_cmdline_30(&args2, o), -1);
	fuse_set_log_func(NULL);
	intact = 1;
	for (i = size30; i < sizeof(mem.bytes); i++)
		intact &= mem.bytes[i] == 0xa5;
	CHECK(intact);

	/* The default (3.12) symbol fills max_threads. */
	struct fuse_cmdline_opts full;
	char *argv3[] = { "prog", "-o", "max_threads=99", NULL };
	struct fuse_args args3 = FUSE_ARGS_INIT(3, argv3);
	CHECK_EQ(fuse_parse_cmdline(&args3, &full), 0);
	CHECK_UEQ(full.max_threads, 99);
	fuse_opt_free_args(&args3);
}

static void test_help(void)
{
	char path[] = "/tmp/ringfuse-cmdline-help-XXXXXX";
	int fd = mkstemp(path);
	int saved;
	char text[4096];
	ssize_t n;

	CHECK_GE(fd, 0);
	if (fd < 0)
		return;
	(void)unlink(path);
	fflush(stdout);
	saved = dup(1);
	CHECK_GE(saved, 0);
	CHECK_GE(dup2(fd, 1), 0);
	fuse_cmdline_help();
	fflush(stdout);
	CHECK_GE(dup2(saved, 1), 0);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	CHECK_GE(n, 1);
	text[n > 0 ? n : 0] = '\0';
	const char *must[] = { "-h", "--help", "-V", "--version", "-d", "-o debug", "-f", "-s",
			       "clone_fd", "max_idle_threads=", "max_threads=" };
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		if (strstr(text, must[i]) == NULL)
			fprintf(stderr, "help lacks %s\n", must[i]);
		CHECK(strstr(text, must[i]) != NULL);
	}
}

int main(void)
{
	char dir[] = "/tmp/ringfuse-cmdline-XXXXXX";
	char mnt[PATH_MAX];

	if (mkdtemp(dir) == NULL || chdir(dir) != 0 || mkdir("mnt", 0755) != 0) {
		perror("scratch directory");
		return 1;
	}
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	if (realpath(mnt, mnt_abs) == NULL) {
		perror("realpath");
		return 1;
	}
	test_basic();
	test_flags();
	test_subtype();
	test_errors();
	test_abi30();
	test_help();
	(void)rmdir(mnt);
	(void)rmdir(dir);
	return check_result();
}
