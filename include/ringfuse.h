/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ringfuse's own additions to the libfuse 3 API. Everything else a filesystem needs is in
 * fuse_lowlevel.h / fuse.h under libfuse's names; this header holds what libfuse has no name
 * for: introspection of the io-uring transport. Exported in the RINGFUSE_0.1 version node.
 * Programs that must also build against libfuse can test `__has_include(<ringfuse.h>)`.
 */
#ifndef RINGFUSE_H
#define RINGFUSE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fuse_session;

/** Counters of one io-uring queue, kept by the queue's own thread. */
struct ringfuse_queue_stats {
	uint64_t requests;        /**< requests that arrived on this queue */
	uint64_t bytes_in;        /**< payload bytes received (write data, names, ...) */
	uint64_t bytes_out;       /**< payload bytes sent in replies */
	uint64_t commit_errors;   /**< COMMIT_AND_FETCH completions with an error */
	uint64_t foreign_replies; /**< replies sent from a thread other than the queue's */
};

/**
 * Whether the session's requests travel over io-uring.
 *
 * @param se the session
 * @param why_not if not NULL and the ring was requested but is not active, set to a
 *        static-lifetime (session-owned) string that says why; NULL otherwise
 * @return true when the ring carries requests
 */
bool ringfuse_uring_active(struct fuse_session *se, const char **why_not);

/**
 * Number of io-uring queues (one per possible CPU), 0 when the ring is not active.
 */
int ringfuse_uring_queue_count(struct fuse_session *se);

/**
 * Read the counters of queue qid.
 *
 * @return 0, or -EINVAL for a bad qid or a session without a ring
 */
int ringfuse_uring_queue_stats(struct fuse_session *se, unsigned int qid,
			       struct ringfuse_queue_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
