/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The io-uring switches have one grammar whichever way they come in: the depth and memory
 * parsers on their own, the same values through -o (fuse_session_new) and through the
 * environment, the error message naming the switch as the user spelled it, and -o winning
 * over the environment. Needs no kernel: nothing is mounted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include "fuse_i.h"

#include <fuse_lowlevel.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char logged[1024];

static void capture_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(logged);

	(void)level;
	if (len < sizeof(logged) - 1)
		vsnprintf(logged + len, sizeof(logged) - len, fmt, ap);
}

static const struct {
	const char *text;
	uint64_t bytes;
} good_sizes[] = {
	{ "4096", 4096 },
	{ "4K", 4096 },
	{ "4k", 4096 },
	{ "64M", 64ULL << 20 },
	{ "64MiB", 64ULL << 20 },
	{ "1g", 1ULL << 30 },
	{ "3G", 3ULL << 30 },
	{ "1T", 1ULL << 40 },
	{ "1099511627776", 1ULL << 40 },
	{ "0016K", 16384 },
};

static const char *const bad_sizes[] = {
	"", "0", "0K", "4095", "1", "-1", "+64M", " 64M", "64M ", "1.5G", "64X", "64KB", "64Ki",
	"64MB", "M", "2T", "1025G", "1099511627777", "99999999999999999999",
	"18446744073709551615", "18446744073709551616K", "0x1000",
};

static void test_sizes(void)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good_sizes) / sizeof(good_sizes[0]); i++) {
		v = 0;
		CHECK_EQ(fuse__uring_parse_size(good_sizes[i].text, &v), 0);
		CHECK_UEQ(v, good_sizes[i].bytes);
	}
	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		v = 12345;
		if (fuse__uring_parse_size(bad_sizes[i], &v) != -EINVAL)
			fprintf(stderr, "size \"%s\" was accepted\n", bad_sizes[i]);
		CHECK_EQ(fuse__uring_parse_size(bad_sizes[i], &v), -EINVAL);
		CHECK_UEQ(v, 12345);
	}
	CHECK_EQ(fuse__uring_parse_size(NULL, &v), -EINVAL);
}

static void test_depths(void)
{
	static const char *const bad[] = { "", "0", "-1", "+8", " 8", "8 ", "65537", "1e3",
					   "99999999999", "18446744073709551617" };
	unsigned int d = 0;
	size_t i;

	CHECK_EQ(fuse__uring_parse_depth("1", &d), 0);
	CHECK_EQ(d, 1);
	CHECK_EQ(fuse__uring_parse_depth("65536", &d), 0);
	CHECK_EQ(d, 65536);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(fuse__uring_parse_depth(bad[i], &d), -EINVAL);
	CHECK_EQ(d, 65536);
}

/* One -o switch: applied when good; when bad, refused with a message naming it. */
static void test_cfg_opt(void)
{
	struct fuse__uring_cfg cfg;

	fuse__uring_cfg_init(&cfg);
	CHECK_EQ(cfg.q_depth, FUSE__URING_DEPTH_DEFAULT);
	CHECK(!cfg.depth_given);
	CHECK_EQ(fuse__uring_cfg_opt(&cfg, "io_uring_max_memory=256M"), 0);
	CHECK_UEQ(cfg.max_memory, 256ULL << 20);
	CHECK_EQ(fuse__uring_cfg_opt(&cfg, "io_uring_queue_memory=8M"), 0);
	CHECK_UEQ(cfg.queue_memory, 8ULL << 20);
	CHECK_EQ(fuse__uring_cfg_opt(&cfg, "io_uring_q_depth=300"), 0);
	CHECK_EQ(cfg.q_depth, 300);
	CHECK(cfg.depth_given);

	logged[0] = '\0';
	CHECK_EQ(fuse__uring_cfg_opt(&cfg, "io_uring_max_memory=12Q"), -EINVAL);
	CHECK(strstr(logged, "invalid io_uring_max_memory=12Q") != NULL);
	CHECK(strstr(logged, "must be a size") != NULL);
	CHECK_UEQ(cfg.max_memory, 256ULL << 20);
	logged[0] = '\0';
	CHECK_EQ(fuse__uring_cfg_opt(&cfg, "io_uring_queue_memory="), -EINVAL);
	CHECK(strstr(logged, "invalid io_uring_queue_memory=") != NULL);
	CHECK_EQ(fuse__uring_cfg_opt(&cfg, "io_uring_nonsense=1"), -EINVAL);
}

/* The environment: same grammar, the message names the variable. */
static void test_env(void)
{
	struct fuse__uring_cfg cfg;

	fuse__uring_cfg_init(&cfg);
	setenv("FUSE_URING_MAX_MEMORY", "2G", 1);
	setenv("FUSE_URING_QUEUE_MEMORY", "16MiB", 1);
	setenv("FUSE_URING_QUEUE_DEPTH", "32", 1);
	CHECK_EQ(fuse__uring_env(&cfg), 0);
	CHECK_UEQ(cfg.max_memory, 2ULL << 30);
	CHECK_UEQ(cfg.queue_memory, 16ULL << 20);
	CHECK_EQ(cfg.q_depth, 32);

	logged[0] = '\0';
	setenv("FUSE_URING_MAX_MEMORY", "-1", 1);
	CHECK_EQ(fuse__uring_env(&cfg), -EINVAL);
	CHECK(strstr(logged, "invalid FUSE_URING_MAX_MEMORY=-1") != NULL);
	setenv("FUSE_URING_MAX_MEMORY", "0", 1);
	CHECK_EQ(fuse__uring_env(&cfg), -EINVAL);
	unsetenv("FUSE_URING_MAX_MEMORY");
	unsetenv("FUSE_URING_QUEUE_MEMORY");
	unsetenv("FUSE_URING_QUEUE_DEPTH");
}

static struct fuse_session *session_with(const char *opt)
{
	char *argv[] = { "test", "-o", (char *)opt, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse_lowlevel_ops ops = { 0 };
	struct fuse_session *se;

	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	fuse_opt_free_args(&args);
	return se;
}

/* Through fuse_session_new: good values land in the session, bad ones refuse it. */
static void test_session(void)
{
	struct fuse_session *se;

	se = session_with("io_uring_max_memory=128M,io_uring_queue_memory=4M");
	CHECK(se != NULL);
	if (se) {
		CHECK_UEQ(se->uring_cfg.max_memory, 128ULL << 20);
		CHECK_UEQ(se->uring_cfg.queue_memory, 4ULL << 20);
		fuse_session_destroy(se);
	}

	/* -o beats the environment. */
	setenv("FUSE_URING_QUEUE_DEPTH", "4", 1);
	setenv("FUSE_URING_MAX_MEMORY", "64M", 1);
	se = session_with("io_uring_q_depth=16");
	CHECK(se != NULL);
	if (se) {
		CHECK_EQ(se->uring_cfg.q_depth, 16);
		CHECK_UEQ(se->uring_cfg.max_memory, 64ULL << 20);
		fuse_session_destroy(se);
	}
	unsetenv("FUSE_URING_QUEUE_DEPTH");
	unsetenv("FUSE_URING_MAX_MEMORY");

	logged[0] = '\0';
	CHECK(session_with("io_uring_max_memory=0") == NULL);
	CHECK(strstr(logged, "invalid io_uring_max_memory=0: must be a size") != NULL);
	logged[0] = '\0';
	CHECK(session_with("io_uring_queue_memory=1.5G") == NULL);
	CHECK(strstr(logged, "invalid io_uring_queue_memory=1.5G: must be a size") != NULL);
	logged[0] = '\0';
	CHECK(session_with("io_uring_q_depth=0") == NULL);
	CHECK(strstr(logged, "invalid io_uring_q_depth=0: must be a whole number") != NULL);
	logged[0] = '\0';
	setenv("FUSE_URING_QUEUE_MEMORY", "lots", 1);
	CHECK(session_with("io_uring") == NULL);
	CHECK(strstr(logged, "invalid FUSE_URING_QUEUE_MEMORY=lots") != NULL);
	unsetenv("FUSE_URING_QUEUE_MEMORY");
}

int main(void)
{
	unsetenv("FUSE_URING_ENABLE");
	unsetenv("FUSE_URING_QUEUE_DEPTH");
	unsetenv("FUSE_URING_MAX_MEMORY");
	unsetenv("FUSE_URING_QUEUE_MEMORY");
	fuse_set_log_func(capture_log);
	test_sizes();
	test_depths();
	test_cfg_opt();
	test_env();
	test_session();
	fuse_set_log_func(NULL);
	return check_result();
}
