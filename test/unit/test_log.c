/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_log() and fuse_set_log_func(): the default writes the formatted message to stderr, a
 * program's function receives the level and the unformatted arguments, NULL puts the default
 * back, and messages the library itself logs (an option error) go the same way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char got[512];
static int got_level = -1;
static int calls;

static void my_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	calls++;
	got_level = (int)level;
	vsnprintf(got, sizeof(got), fmt, ap);
}

/* Run fn with stderr pointed at a temporary file; return what it wrote (static buffer). */
static const char *capture_stderr(void (*fn)(void))
{
	static char text[512];
	char path[] = "/tmp/ringfuse-log-XXXXXX";
	int fd = mkstemp(path);
	int saved;
	ssize_t n;

	text[0] = '\0';
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	(void)unlink(path);
	fflush(stderr);
	saved = dup(2);
	if (saved < 0 || dup2(fd, 2) < 0) {
		perror("dup");
		exit(1);
	}
	fn();
	fflush(stderr);
	if (dup2(saved, 2) < 0) {
		perror("dup2");
		exit(1);
	}
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	return text;
}

static void log_something(void)
{
	fuse_log(FUSE_LOG_ERR, "disk %s is %d%% full\n", "sda", 93);
	fuse_log(FUSE_LOG_DEBUG, "second line\n");
}

static void parse_bad_option(void)
{
	static const struct fuse_opt spec[] = { { "n=%u", 0, 0 }, FUSE_OPT_END };
	char *argv[] = { "prog", "-o", "n=x", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	unsigned int n = 0;

	if (fuse_opt_parse(&args, &n, spec, NULL) != -1)
		fprintf(stderr, "parse unexpectedly succeeded\n");
}

int main(void)
{
	/* Default: straight to stderr, formatted. */
	CHECK_STR(capture_stderr(log_something), "disk sda is 93% full\nsecond line\n");

	/* A program's function gets every message with its level, and stderr stays quiet. */
	fuse_set_log_func(my_log);
	CHECK_STR(capture_stderr(log_something), "");
	CHECK_EQ(calls, 2);
	CHECK_EQ(got_level, FUSE_LOG_DEBUG);
	CHECK_STR(got, "second line\n");
	fuse_log(FUSE_LOG_WARNING, "%d-%s", 7, "x");
	CHECK_EQ(got_level, FUSE_LOG_WARNING);
	CHECK_STR(got, "7-x");

	/* The library's own messages take the same way. */
	calls = 0;
	CHECK_STR(capture_stderr(parse_bad_option), "");
	CHECK_EQ(calls, 1);
	CHECK_EQ(got_level, FUSE_LOG_ERR);
	CHECK_STR(got, "fuse: invalid parameter in option `n=x'\n");

	/* NULL restores the default. */
	fuse_set_log_func(NULL);
	calls = 0;
	CHECK_STR(capture_stderr(log_something), "disk sda is 93% full\nsecond line\n");
	CHECK_EQ(calls, 0);

	return check_result();
}
