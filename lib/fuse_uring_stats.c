/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring's per-queue counters as users see them: the RINGFUSE_STATS lines and the values
 * behind ringfuse_uring_queue_stats(). The queue engine writes them (uring_count).
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"

void fuse__uring_stats_print(struct fuse_session *se, FILE *out)
{
	struct fuse__uring *ring = uring_of(se);
	unsigned int i;

	if (!ring || !out)
		return;
	fprintf(out, "ringfuse-stats: uring queues=%u depth=%u payload=%zu memory=%zu\n", ring->nq,
		ring->depth, ring->payload_size, ring->memory);
	for (i = 0; i < ring->nq; i++) {
		struct uring_stats *s = &ring->q[i].stats;

		fprintf(out,
			"ringfuse-stats: queue=%u requests=%llu bytes_in=%llu bytes_out=%llu commit_errors=%llu foreign_replies=%llu\n",
			i, (unsigned long long)atomic_load(&s->requests),
			(unsigned long long)atomic_load(&s->bytes_in),
			(unsigned long long)atomic_load(&s->bytes_out),
			(unsigned long long)atomic_load(&s->commit_errors),
			(unsigned long long)atomic_load(&s->foreign_replies));
	}
}

int fuse__uring_queue_count(struct fuse_session *se)
{
	return uring_of(se) ? (int)uring_of(se)->nq : 0;
}

int fuse__uring_read_stats(struct fuse_session *se, unsigned int qid,
			    struct ringfuse_queue_stats *stats)
{
	struct fuse__uring *ring = uring_of(se);
	struct uring_stats *s;

	if (!ring || qid >= ring->nq)
		return -EINVAL;
	s = &ring->q[qid].stats;
	stats->requests = atomic_load(&s->requests);
	stats->bytes_in = atomic_load(&s->bytes_in);
	stats->bytes_out = atomic_load(&s->bytes_out);
	stats->commit_errors = atomic_load(&s->commit_errors);
	stats->foreign_replies = atomic_load(&s->foreign_replies);
	return 0;
}
