/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What users see of the io-uring transport whether or not it was built in: the public
 * ringfuse_uring_* calls. Its switches (-o io_uring_* and FUSE_URING_*) are fuse_uring_opts.c's.
 */
#include "fuse_i.h"


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
