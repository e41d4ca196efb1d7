/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one home of the io-uring transport's switches: each has a `-o` spelling, an environment
 * spelling, one grammar and one error message, whichever way it came in. The table below is
 * the list; fuse_session_new() hands every `-o io_uring_*=` here and calls fuse__uring_env()
 * before it parses -o, so an option on the command line beats the environment. Built with or
 * without liburing: a bad switch is refused even where the ring cannot run.
 */
#include "fuse_i.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum uring_opt_kind {
	URING_OPT_BOOL,  /* "0" or "1" */
	URING_OPT_DEPTH, /* 1 .. FUSE__URING_DEPTH_MAX */
	URING_OPT_SIZE,  /* bytes, FUSE__URING_MEMORY_MIN .. FUSE__URING_MEMORY_MAX, K/M/G/T */
};

static const struct uring_opt {
	const char *opt; /* -o name (NULL: environment only; -o io_uring is the session's flag) */
	const char *env;
	enum uring_opt_kind kind;
	size_t offset;   /* of the field in struct fuse__uring_cfg */
	size_t given;    /* of the bool that records an explicit value, or (size_t)-1 */
} uring_opts[] = {
	{ NULL, "FUSE_URING_ENABLE", URING_OPT_BOOL, offsetof(struct fuse__uring_cfg, enable),
	  (size_t)-1 },
	{ "io_uring_q_depth", "FUSE_URING_QUEUE_DEPTH", URING_OPT_DEPTH,
	  offsetof(struct fuse__uring_cfg, q_depth), offsetof(struct fuse__uring_cfg, depth_given) },
	{ "io_uring_max_memory", "FUSE_URING_MAX_MEMORY", URING_OPT_SIZE,
	  offsetof(struct fuse__uring_cfg, max_memory), (size_t)-1 },
	{ "io_uring_queue_memory", "FUSE_URING_QUEUE_MEMORY", URING_OPT_SIZE,
	  offsetof(struct fuse__uring_cfg, queue_memory), (size_t)-1 },
};

#define URING_NOPTS (sizeof(uring_opts) / sizeof(uring_opts[0]))

/* Digits only: strtoull would take "-1" (as ULLONG_MAX), leading blanks and "+". */
static int uring_parse_digits(const char *text, const char **end, unsigned long long *v)
{
	const char *p;
	char *e;

	for (p = text; isdigit((unsigned char)*p); p++)
		;
	if (p == text)
		return -EINVAL;
	errno = 0;
	*v = strtoull(text, &e, 10);
	if (errno || e != p)
		return -EINVAL;
	*end = p;
	return 0;
}

int fuse__uring_parse_depth(const char *text, unsigned int *depth)
{
	unsigned long long v;
	const char *end;

	if (!text || !depth)
		return -EINVAL;
	if (uring_parse_digits(text, &end, &v) < 0 || *end || v < 1 || v > FUSE__URING_DEPTH_MAX)
		return -EINVAL;
	*depth = (unsigned int)v;
	return 0;
}

int fuse__uring_parse_size(const char *text, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *end, *u;
	unsigned int shift = 0;

	if (!text || !bytes)
		return -EINVAL;
	if (uring_parse_digits(text, &end, &v) < 0)
		return -EINVAL;
	if (*end) {
		/* One binary unit, as 64M or 64MiB: sizes of memory, never powers of ten. */
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return -EINVAL;
		shift = 10 * (unsigned int)(u - units + 1);
		end++;
		if (*end && strcmp(end, "iB") != 0)
			return -EINVAL;
	}
	if (v > (FUSE__URING_MEMORY_MAX >> shift))
		return -EINVAL;
	v <<= shift;
	if (v < FUSE__URING_MEMORY_MIN)
		return -EINVAL;
	*bytes = v;
	return 0;
}

static int uring_opt_apply(struct fuse__uring_cfg *cfg, const struct uring_opt *o,
			   const char *spelled, const char *value)
{
	char *field = (char *)cfg + o->offset;
	int err = -EINVAL;

	switch (o->kind) {
	case URING_OPT_BOOL:
		if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0) {
			*(bool *)field = value[0] == '1';
			err = 0;
		} else {
			fuse_log(FUSE_LOG_ERR, "fuse: invalid %s=%s: must be 0 or 1\n", spelled,
				 value);
		}
		break;
	case URING_OPT_DEPTH:
		err = fuse__uring_parse_depth(value, (unsigned int *)field);
		if (err < 0)
			fuse_log(FUSE_LOG_ERR,
				 "fuse: invalid %s=%s: must be a whole number from 1 to %u\n",
				 spelled, value, FUSE__URING_DEPTH_MAX);
		break;
	case URING_OPT_SIZE:
		err = fuse__uring_parse_size(value, (uint64_t *)field);
		if (err < 0)
			fuse_log(FUSE_LOG_ERR,
				 "fuse: invalid %s=%s: must be a size from 4K to 1T: bytes, or a whole number with K, M, G or T (binary units)\n",
				 spelled, value);
		break;
	}
	if (err == 0 && o->given != (size_t)-1)
		*(bool *)((char *)cfg + o->given) = true;
	return err;
}

void fuse__uring_cfg_init(struct fuse__uring_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->q_depth = FUSE__URING_DEPTH_DEFAULT;
}

int fuse__uring_env(struct fuse__uring_cfg *cfg)
{
	const char *v;
	size_t i;

	if (!cfg)
		return -EINVAL;
	for (i = 0; i < URING_NOPTS; i++) {
		v = getenv(uring_opts[i].env);
		/* Set but empty is the same as unset, as for every other variable of ours. */
		if (v && *v && uring_opt_apply(cfg, &uring_opts[i], uring_opts[i].env, v) < 0)
			return -EINVAL;
	}
	return 0;
}

int fuse__uring_cfg_opt(struct fuse__uring_cfg *cfg, const char *arg)
{
	const char *eq;
	size_t i, len;

	if (!cfg || !arg)
		return -EINVAL;
	eq = strchr(arg, '=');
	len = eq ? (size_t)(eq - arg) : strlen(arg);
	for (i = 0; i < URING_NOPTS; i++) {
		const struct uring_opt *o = &uring_opts[i];

		if (!o->opt || strlen(o->opt) != len || strncmp(o->opt, arg, len) != 0)
			continue;
		return uring_opt_apply(cfg, o, o->opt, eq ? eq + 1 : "");
	}
	fuse_log(FUSE_LOG_ERR, "fuse: unknown io-uring option %s\n", arg);
	return -EINVAL;
}

void fuse__uring_opts_help(void)
{
	printf("    -o io_uring_q_depth=N    ring entries per queue, 1..%u (default %u; also\n"
	       "                             FUSE_URING_QUEUE_DEPTH=N)\n"
	       "    -o io_uring_max_memory=SIZE  bound on all queues' ring memory (default: the\n"
	       "                             smaller of 1G and RAM/8; also FUSE_URING_MAX_MEMORY)\n"
	       "    -o io_uring_queue_memory=SIZE  bound on one queue's ring memory (default: its\n"
	       "                             share of the session's; also FUSE_URING_QUEUE_MEMORY).\n"
	       "                             One entry costs\n"
	       "                             max_write + 4 KiB; past a bound the depth shrinks,\n"
	       "                             then max_write; SIZE is bytes or N with K, M, G, T\n",
	       FUSE__URING_DEPTH_MAX, FUSE__URING_DEPTH_DEFAULT);
}
