/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The queue engine's (fuse_uring.c) only calls into liburing that move SQEs and CQEs between it
 * and the kernel, named once here. In the library they are liburing itself, as macros: the
 * engine compiles to exactly what it would without this file. The engine's unit test
 * (test/unit/test_uring_engine.c) compiles fuse_uring.c a second time with
 * RINGFUSE_URING_FAKE_SQ, where they are the test's fake submission and completion queue,
 * so the engine's states, batching and foreign replies can be checked without a kernel.
 * (The SQE preparation helpers, io_uring_prep_* and io_uring_sqe_set_data64, only write the
 * SQE they are given and stay as they are.)
 */
#ifndef RINGFUSE_FUSE_URING_SQ_I_H
#define RINGFUSE_FUSE_URING_SQ_I_H

#include "fuse_uring_i.h"

#ifndef RINGFUSE_URING_FAKE_SQ
#define uring_sq_get(q) io_uring_get_sqe(&(q)->uring)
#define uring_sq_submit(q) io_uring_submit(&(q)->uring)
#define uring_sq_submit_and_wait(q, n) io_uring_submit_and_wait(&(q)->uring, (n))
#define uring_sq_submit_and_wait_timeout(q, n, ts) \
	io_uring_submit_and_wait_timeout(&(q)->uring, &(struct io_uring_cqe *){ NULL }, (n), (ts), NULL)
#define uring_cq_for_each(q, head, cqe) io_uring_for_each_cqe(&(q)->uring, head, cqe)
#define uring_cq_advance(q, n) io_uring_cq_advance(&(q)->uring, (n))
#else
/* Provided by the unit test; SQEs are 128 bytes (IORING_SETUP_SQE128), as in the library. */
struct io_uring_sqe *fake_sq_get(struct uring_queue *q);
int fake_sq_submit(struct uring_queue *q);
int fake_sq_submit_and_wait(struct uring_queue *q, unsigned int wait_nr);
/* The i-th CQE not yet advanced over, NULL past the last. */
struct io_uring_cqe *fake_cq_at(struct uring_queue *q, unsigned int i);
void fake_cq_advance(struct uring_queue *q, unsigned int n);
#define uring_sq_get(q) fake_sq_get(q)
#define uring_sq_submit(q) fake_sq_submit(q)
#define uring_sq_submit_and_wait(q, n) fake_sq_submit_and_wait((q), (n))
/* The fake never waits, so a timeout changes nothing. */
#define uring_sq_submit_and_wait_timeout(q, n, ts) ((void)(ts), fake_sq_submit_and_wait((q), (n)))
#define uring_cq_for_each(q, head, cqe) \
	for ((head) = 0; ((cqe) = fake_cq_at((q), (head))) != NULL; (head)++)
#define uring_cq_advance(q, n) fake_cq_advance((q), (n))
#endif

#endif
