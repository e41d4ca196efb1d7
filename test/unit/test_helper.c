/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helpers of lib/helper.c that need no process tricks: version queries, the loop
 * configuration object and the -o overrides of struct fuse_conn_info. The signal handlers and
 * fuse_daemonize() have their own tests (test_signals.c, test_daemonize.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "loop_config_i.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char logbuf[2048];

static void log_capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + used, sizeof(logbuf) - used, fmt, ap);
}

static void test_versions(void)
{
	CHECK_EQ(fuse_version(), 314);
	CHECK_EQ(fuse_version(), FUSE_VERSION);
	CHECK_STR(fuse_pkgversion(), "3.14.0");
}

static void test_loop_cfg(void)
{
	struct fuse_loop_config *c = fuse_loop_cfg_create();

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(fuse__loop_config_is_ours(c));
	CHECK_EQ(c->clone_fd, 0);
	CHECK_UEQ(c->max_idle_threads, UINT_MAX);	/* unset, as in libfuse 3.12+ */
	CHECK_UEQ(c->max_threads, 10);

	fuse_loop_cfg_set_idle_threads(c, 3);
	fuse_loop_cfg_set_max_threads(c, 7);
	fuse_loop_cfg_set_clone_fd(c, 1);
	CHECK_UEQ(c->max_idle_threads, 3);
	CHECK_UEQ(c->max_threads, 7);
	CHECK_EQ(c->clone_fd, 1);

	/* An absurd idle count is refused with a message; the old value stays. */
	logbuf[0] = '\0';
	fuse_set_log_func(log_capture);
	fuse_loop_cfg_set_idle_threads(c, 200000);
	fuse_set_log_func(NULL);
	CHECK_UEQ(c->max_idle_threads, 3);
	CHECK(strstr(logbuf, "200000") != NULL);

	union {
		struct fuse_loop_config_v1 v1;
		struct fuse_loop_config cfg;
	} u;
	memset(&u, 0, sizeof(u));
	u.v1.clone_fd = 0;
	u.v1.max_idle_threads = 9;
	fuse_loop_cfg_convert(c, &u.v1);
	CHECK_EQ(c->clone_fd, 0);
	CHECK_UEQ(c->max_idle_threads, 9);
	CHECK_UEQ(c->max_threads, 7);	/* v1 has no such field */

	/* A v1 structure (clone_fd 0 or 1 where our marker sits) is not mistaken for ours. */
	CHECK(!fuse__loop_config_is_ours(&u.cfg));
	u.v1.clone_fd = 1;
	CHECK(!fuse__loop_config_is_ours(&u.cfg));

	fuse_loop_cfg_set_idle_threads(NULL, 1);
	fuse_loop_cfg_set_max_threads(NULL, 1);
	fuse_loop_cfg_set_clone_fd(NULL, 1);
	fuse_loop_cfg_convert(NULL, &u.v1);
	fuse_loop_cfg_convert(c, NULL);
	fuse_loop_cfg_destroy(c);
	fuse_loop_cfg_destroy(NULL);
}

struct ci_case {
	const char *line;
	const char *left;	/* arguments left after parsing, "[a] [b]" */
	unsigned int want_from_0;
	unsigned int want_from_all;
};

#define ALL 0xffffffffu
static const struct ci_case ci_cases[] = {
	{ "prog", "[prog]", 0, ALL },
	{ "prog mnt -o allow_other", "[prog] [-o] [allow_other] [mnt]", 0, ALL },
	{ "prog -o async_read", "[prog]", FUSE_CAP_ASYNC_READ, ALL },
	{ "prog -o sync_read", "[prog]", 0, ALL & ~FUSE_CAP_ASYNC_READ },
	{ "prog -o async_read,sync_read", "[prog]", 0, ALL & ~FUSE_CAP_ASYNC_READ },
	/* The later switch wins (libfuse 3.14 lets sync_read win either way). */
	{ "prog -o sync_read,async_read", "[prog]", FUSE_CAP_ASYNC_READ, ALL },
	/* Documented to set the flag (libfuse 3.14 parses it but never applies it). */
	{ "prog -o atomic_o_trunc", "[prog]", FUSE_CAP_ATOMIC_O_TRUNC, ALL },
	{ "prog -o no_remote_lock", "[prog]", 0,
	  ALL & ~(FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_POSIX_LOCKS) },
	{ "prog -o no_remote_flock", "[prog]", 0, ALL & ~FUSE_CAP_FLOCK_LOCKS },
	{ "prog -o no_remote_posix_lock", "[prog]", 0, ALL & ~FUSE_CAP_POSIX_LOCKS },
	{ "prog -o splice_write,splice_move,splice_read", "[prog]",
	  FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ, ALL },
	{ "prog -o no_splice_write,no_splice_move,no_splice_read", "[prog]", 0,
	  ALL & ~(FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ) },
	{ "prog -o auto_inval_data", "[prog]", FUSE_CAP_AUTO_INVAL_DATA, ALL },
	{ "prog -o no_auto_inval_data", "[prog]", 0, ALL & ~FUSE_CAP_AUTO_INVAL_DATA },
	/* readdirplus=yes|auto as documented (libfuse 3.14 only ever clears bits). */
	{ "prog -o readdirplus=yes", "[prog]", FUSE_CAP_READDIRPLUS,
	  ALL & ~FUSE_CAP_READDIRPLUS_AUTO },
	{ "prog -o readdirplus=no", "[prog]", 0, ALL & ~FUSE_CAP_READDIRPLUS },
	{ "prog -o readdirplus=auto", "[prog]", FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO,
	  ALL },
	{ "prog -o readdirplus=maybe", "[prog] [-o] [readdirplus=maybe]", 0, ALL },
	{ "prog -o async_dio", "[prog]", FUSE_CAP_ASYNC_DIO, ALL },
	{ "prog -o no_async_dio", "[prog]", 0, ALL & ~FUSE_CAP_ASYNC_DIO },
	{ "prog -o writeback_cache", "[prog]", FUSE_CAP_WRITEBACK_CACHE, ALL },
	{ "prog -o no_writeback_cache", "[prog]", 0, ALL & ~FUSE_CAP_WRITEBACK_CACHE },
	{ "prog -o max_read=5,ro", "[prog] [-o] [max_read=5,ro]", 0, ALL },
	{ "prog -o max_write=4096,max_readahead=8192,max_background=9,congestion_threshold=7,"
	  "time_gran=1000 mnt", "[prog] [mnt]", 0, ALL },
};

/* Parse line; returns the opts (or NULL) and renders what is left in *left. */
static struct fuse_conn_info_opts *ci_parse(const char *line, char *left, size_t left_size)
{
	char *copy = strdup(line);
	char *argv[32];
	int argc = 0;
	char *tok, *save;
	struct fuse_conn_info_opts *opts;
	int i;

	for (tok = strtok_r(copy, " ", &save); tok != NULL && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	opts = fuse_parse_conn_info_opts(&args);
	left[0] = '\0';
	for (i = 0; i < args.argc; i++) {
		size_t used = strlen(left);

		snprintf(left + used, left_size - used, "%s[%s]", i ? " " : "", args.argv[i]);
	}
	if (args.allocated)
		fuse_opt_free_args(&args);
	free(copy);
	return opts;
}

static void conn_sentinel(struct fuse_conn_info *c, unsigned int want)
{
	memset(c, 0, sizeof(*c));
	c->max_write = 1;
	c->max_readahead = 2;
	c->max_background = 3;
	c->congestion_threshold = 4;
	c->time_gran = 5;
	c->capable = 0;	/* applied as asked, whatever the kernel offers */
	c->want = want;
}

static void test_conn_info(void)
{
	struct fuse_conn_info c;
	char left[256];
	size_t i;

	for (i = 0; i < sizeof(ci_cases) / sizeof(ci_cases[0]); i++) {
		const struct ci_case *t = &ci_cases[i];
		struct fuse_conn_info_opts *o = ci_parse(t->line, left, sizeof(left));

		CHECK(o != NULL);
		if (o == NULL)
			continue;
		if (strcmp(left, t->left) != 0)
			fprintf(stderr, "case `%s'\n", t->line);
		CHECK_STR(left, t->left);
		conn_sentinel(&c, 0);
		fuse_apply_conn_info_opts(o, &c);
		CHECK_UEQ(c.want, t->want_from_0);
		conn_sentinel(&c, ALL);
		fuse_apply_conn_info_opts(o, &c);
		CHECK_UEQ(c.want, t->want_from_all);
		if (c.want != t->want_from_all || strcmp(left, t->left) != 0)
			fprintf(stderr, "case `%s'\n", t->line);
		free(o);
	}

	/* Numbers land only where given. */
	struct fuse_conn_info_opts *o =
		ci_parse("prog -o max_write=4096,max_readahead=8192,max_background=9", left,
			 sizeof(left));
	CHECK(o != NULL);
	conn_sentinel(&c, 0);
	fuse_apply_conn_info_opts(o, &c);
	CHECK_UEQ(c.max_write, 4096);
	CHECK_UEQ(c.max_readahead, 8192);
	CHECK_UEQ(c.max_background, 9);
	CHECK_UEQ(c.congestion_threshold, 4);
	CHECK_UEQ(c.time_gran, 5);
	free(o);
	o = ci_parse("prog -o congestion_threshold=7,time_gran=1000,max_write=0", left,
		     sizeof(left));
	CHECK(o != NULL);
	conn_sentinel(&c, 0);
	fuse_apply_conn_info_opts(o, &c);
	CHECK_UEQ(c.max_write, 0);
	CHECK_UEQ(c.max_readahead, 2);
	CHECK_UEQ(c.congestion_threshold, 7);
	CHECK_UEQ(c.time_gran, 1000);
	free(o);

	/* A bad number fails the parse. */
	logbuf[0] = '\0';
	fuse_set_log_func(log_capture);
	o = ci_parse("prog -o max_write=abc", left, sizeof(left));
	fuse_set_log_func(NULL);
	CHECK(o == NULL);
	CHECK_STR(left, "[prog] [-o] [max_write=abc]");
	CHECK_STR(logbuf, "fuse: invalid parameter in option `max_write=abc'\n");

	fuse_apply_conn_info_opts(NULL, &c);
	o = fuse_parse_conn_info_opts(NULL);
	CHECK(o != NULL);
	fuse_apply_conn_info_opts(o, NULL);
	free(o);
}

int main(void)
{
	test_versions();
	test_loop_cfg();
	test_conn_info();
	return check_result();
}
