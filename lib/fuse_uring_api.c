/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What users see of the io-uring transport whether or not it was built in: its environment
 * switches (FUSE_URING_ENABLE, FUSE_URING_QUEUE_DEPTH) and the public ringfuse_uring_* calls.
 */
#include "fuse_i.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int uring_parse_depth(const char *text, unsigned int *depth)
{
	unsigned long v;
	const char *p;
	char *end;

	/* strtoul accepts "-1" (as ULONG_MAX), leading blanks and "+": none of that is a depth. */
	for (p = text; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	if (p == text)
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < 1 || v > FUSE__URING_DEPTH_MAX)
		return -EINVAL;
	*depth = (unsigned int)v;
	return 0;
}

int fuse__uring_env(struct fuse__uring_cfg *cfg)
{
	const char *v;

	if (!cfg)
		return -EINVAL;
	v = getenv("FUSE_URING_ENABLE");
	if (v && *v) {
		if (strcmp(v, "1") == 0) {
			cfg->enable = true;
		} else if (strcmp(v, "0") == 0) {
			cfg->enable = false;
		} else {
			fuse_log(FUSE_LOG_ERR, "fuse: invalid FUSE_URING_ENABLE=%s: must be 0 or 1\n", v);
			return -EINVAL;
		}
	}
	v = getenv("FUSE_URING_QUEUE_DEPTH");
	if (v && *v) {
		if (uring_parse_depth(v, &cfg->q_depth) < 0) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: invalid FUSE_URING_QUEUE_DEPTH=%s: must be a whole number from 1 to %u\n",
				 v, FUSE__URING_DEPTH_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

FUSE_EXPORT bool ringfuse_uring_active(struct fuse_session *se, const char **why_not)
{
	bool active;

	if (why_not)
		*why_not = NULL;
	if (!se)
		return false;
	active = se->uring_cfg.active && fuse__uring_queue_count(se) > 0;
	if (!active && why_not && se->uring_cfg.enable && se->uring_cfg.why_not[0])
		*why_not = se->uring_cfg.why_not;
	return active;
}

FUSE_EXPORT int ringfuse_uring_queue_count(struct fuse_session *se)
{
	if (!se || !se->uring_cfg.active)
		return 0;
	return fuse__uring_queue_count(se);
}

FUSE_EXPORT int ringfuse_uring_queue_stats(struct fuse_session *se, unsigned int qid,
					   struct ringfuse_queue_stats *stats)
{
	if (!se || !stats)
		return -EINVAL;
	return fuse__uring_read_stats(se, qid, stats);
}

FUSE_EXPORT int ringfuse_session_set_uring_dispatch(struct fuse_session *se,
						    enum ringfuse_uring_dispatch mode)
{
	if (!se)
		return -EINVAL;
	switch (mode) {
	case RINGFUSE_URING_AUTO:
	case RINGFUSE_URING_INLINE:
	case RINGFUSE_URING_WORKERS:
		/* Read once, when the ring starts at INIT. */
		se->uring_cfg.dispatch = mode;
		return 0;
	default:
		return -EINVAL;
	}
}
