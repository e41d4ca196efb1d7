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
	uint64_t inline_requests; /**< requests whose handler ran on the queue's own thread */
	uint64_t handed_off;      /**< requests whose handler ran on a worker thread */
	uint64_t max_running;     /**< highest number of this queue's handlers running at once */
	uint64_t workers_started; /**< worker threads this queue started */
	uint64_t workers_reaped;  /**< idle workers that left after a request of this queue */
};

/**
 * Who runs the handlers of requests that arrive over io-uring (a multi-threaded loop only:
 * `-s`, fuse_session_loop() and max_threads=1 always run one handler at a time).
 */
enum ringfuse_uring_dispatch {
	/**
	 * The default. A queue thread runs a request's handler itself while that opcode's
	 * handlers have been fast (no hand-off, no wake-up), and hands requests to worker
	 * threads (at most the loop's max_threads) when more are ready than it can start at
	 * once or when that opcode's handlers block. A handler that has been fast many times
	 * and then waits for another request on the same queue holds that queue until it
	 * returns: choose RINGFUSE_URING_WORKERS if handlers wait for each other.
	 */
	RINGFUSE_URING_AUTO = 0,
	/** Every handler on its queue's thread: for filesystems whose handlers never block
	 *  (mount option io_uring_inline). */
	RINGFUSE_URING_INLINE = 1,
	/** Every handler on a worker thread: no request ever waits for another's handler
	 *  (mount option io_uring_workers). */
	RINGFUSE_URING_WORKERS = 2,
};

/**
 * Choose who runs ring handlers. Call before the session is mounted and its loop runs.
 *
 * @return 0, or -EINVAL for a NULL session or an unknown mode
 */
int ringfuse_session_set_uring_dispatch(struct fuse_session *se,
					enum ringfuse_uring_dispatch mode);

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
