/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring's per-queue counters as users see them: the RINGFUSE_STATS lines and the values
 * behind ringfuse_uring_queue_stats(). The queue engine writes them (uring_count).
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Bytes of the queues' header and payload buffers that are in RAM: the kernel writes a
 * request's payload only as long as it is, so most of a large buffer is usually never touched.
 * Returns 0 when it cannot tell (mincore failed).
 */
static size_t uring_resident(struct fuse__uring *ring)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096, total = 0, pages, i, j;
	unsigned char *vec = NULL;
	size_t vec_len = 0;

	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];

		if (!q->mem)
			continue;
		pages = (q->mem_size + ps - 1) / ps;
		if (pages > vec_len) {
			free(vec);
			vec = malloc(pages);
			if (!vec)
				return 0;
			vec_len = pages;
		}
		/* The buffers are page-aligned (posix_memalign to a page, or libnuma's mmap). */
		if (mincore(q->mem, q->mem_size, vec) < 0) {
			total = 0;
			break;
		}
		for (j = 0; j < pages; j++)
			if (vec[j] & 1)
				total += ps;
	}
	free(vec);
	return total;
}

void fuse__uring_stats_print(struct fuse_session *se, FILE *out)
{
	struct fuse__uring *ring = uring_of(se);
	unsigned int i;

	if (!ring || !out)
		return;
	fprintf(out,
		"ringfuse-stats: uring queues=%u depth=%u payload=%zu header=%zu memory=%zu resident=%zu bound=%llu queue_bound=%llu dispatch=%s max_threads=%u\n",
		ring->nq, ring->depth, ring->payload_size, ring->hdr_size, ring->memory,
		uring_resident(ring), (unsigned long long)ring->bound,
		(unsigned long long)ring->queue_bound,
		ring->dispatch == RINGFUSE_URING_INLINE ? "inline" :
		ring->dispatch == RINGFUSE_URING_WORKERS ? "workers" : "auto",
		ring->pool.max_threads);
	for (i = 0; i < ring->nq; i++) {
		struct uring_stats *s = &ring->q[i].stats;

		fprintf(out,
			"ringfuse-stats: queue=%u requests=%llu bytes_in=%llu bytes_out=%llu commit_errors=%llu foreign_replies=%llu inline=%llu handed_off=%llu max_running=%llu workers_started=%llu workers_reaped=%llu\n",
			i, (unsigned long long)atomic_load(&s->requests),
			(unsigned long long)atomic_load(&s->bytes_in),
			(unsigned long long)atomic_load(&s->bytes_out),
			(unsigned long long)atomic_load(&s->commit_errors),
			(unsigned long long)atomic_load(&s->foreign_replies),
			(unsigned long long)atomic_load(&s->inline_requests),
			(unsigned long long)atomic_load(&s->handed_off),
			(unsigned long long)atomic_load(&s->max_running),
			(unsigned long long)atomic_load(&s->workers_started),
			(unsigned long long)atomic_load(&s->workers_reaped));
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
	stats->inline_requests = atomic_load(&s->inline_requests);
	stats->handed_off = atomic_load(&s->handed_off);
	stats->max_running = atomic_load(&s->max_running);
	stats->workers_started = atomic_load(&s->workers_started);
	stats->workers_reaped = atomic_load(&s->workers_reaped);
	return 0;
}
