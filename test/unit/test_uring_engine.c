/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ring's queue engine (lib/fuse_uring.c) against a fake submission and completion queue,
 * without a kernel. meson builds lib/fuse_uring.c into this test a second time with
 * RINGFUSE_URING_FAKE_SQ, so its liburing calls (lib/fuse_uring_sq_i.h) come here: every
 * SQE the engine prepares lands in this file's SQ, every submit-and-wait hands the batch to a
 * script step, which checks it and fabricates the CQEs of the next round (entries filled as
 * the kernel fills them: fuse_in_header in in_out, commit id and payload size in
 * ring_ent_in_out). The rest of the library (dispatcher, worker pool, intake) is the real one.
 *
 * What is pinned down: an entry's states (REGISTER -> kernel -> handler -> committed), that
 * a reply made on the queue thread leaves with the next submit-and-wait and not before, that
 * replies from other threads go through the pending list and ring the eventfd once per
 * batch, how failed commands are retried, and what stop does to entries in every state.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuse_i.h"
#include "fuse_uring_i.h"
#include "fuse_uring_sq_i.h"
#include "transport_i.h"
#include "check.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define DEPTH 5
#define PAYLOAD 4096
#define HDR 4096
#define SQ_MAX 64
#define MAX_ROUNDS 32

/* ---- the fake SQ and CQ ---- */

/* One SQE of an SQE128 ring: the command area is the second half. */
struct sqe128 {
	struct io_uring_sqe s[2];
};

static struct sqe128 sq[SQ_MAX];
static unsigned int sq_n;            /* prepared since the last submission */
static struct sqe128 batch[SQ_MAX];  /* what the last submission carried */
static unsigned int batch_n;
static unsigned int plain_submits;   /* io_uring_submit calls (outside submit-and-wait) */
static unsigned int waits;           /* submit-and-wait calls */
static struct io_uring_cqe cq[SQ_MAX];
static unsigned int cq_n;
static void (*script)(struct uring_queue *q, unsigned int round);
/* Run once at the next SQE the engine takes: a moment in the middle of its round. */
static void (*sq_get_hook)(void);

struct io_uring_sqe *fake_sq_get(struct uring_queue *q)
{
	void (*hook)(void) = sq_get_hook;

	(void)q;
	sq_get_hook = NULL;
	if (hook)
		hook();
	if (sq_n == SQ_MAX)
		return NULL;
	return sq[sq_n++].s;
}

static void flush(void)
{
	memcpy(batch, sq, sq_n * sizeof(sq[0]));
	batch_n = sq_n;
	sq_n = 0;
}

int fake_sq_submit(struct uring_queue *q)
{
	(void)q;
	plain_submits++;
	flush();
	return (int)batch_n;
}

int fake_sq_submit_and_wait(struct uring_queue *q, unsigned int wait_nr)
{
	(void)wait_nr;
	flush();
	waits++;
	if (waits > MAX_ROUNDS) {
		CHECK(!"the engine kept waiting after the script ended");
		atomic_store(&q->ring->stopping, true);
		return 0;
	}
	script(q, waits);
	return (int)batch_n;
}

struct io_uring_cqe *fake_cq_at(struct uring_queue *q, unsigned int i)
{
	(void)q;
	return i < cq_n ? &cq[i] : NULL;
}

void fake_cq_advance(struct uring_queue *q, unsigned int n)
{
	(void)q;
	CHECK_UEQ(n, cq_n); /* the engine takes every completion of a round */
	cq_n = 0;
}

static void cqe_push(uint64_t ud, int res)
{
	if (cq_n == SQ_MAX)
		abort();
	cq[cq_n].user_data = ud;
	cq[cq_n].res = res;
	cq[cq_n].flags = 0;
	cq_n++;
}

/* ---- SQE inspection ---- */

static const struct fuse__uring_cmd_req *cmd_of(const struct sqe128 *e)
{
	return (const struct fuse__uring_cmd_req *)e->s[0].cmd;
}

/* Commands for ent in the last batch with this op (and, for commits, commit id). */
static unsigned int batch_count(const struct uring_ent *ent, uint32_t op)
{
	unsigned int i, n = 0;

	for (i = 0; i < batch_n; i++) {
		const struct io_uring_sqe *s = batch[i].s;

		if (s->user_data != (uint64_t)(uintptr_t)ent || s->opcode != IORING_OP_URING_CMD ||
		    s->cmd_op != op)
			continue;
		if (op == FUSE__IO_URING_CMD_COMMIT_AND_FETCH &&
		    cmd_of(&batch[i])->commit_id != ent->commit_id)
			continue;
		n++;
	}
	return n;
}

static unsigned int batch_ud(uint64_t ud)
{
	unsigned int i, n = 0;

	for (i = 0; i < batch_n; i++)
		n += batch[i].s->user_data == ud;
	return n;
}

/* ---- the kernel's side of an entry ---- */

static uint64_t next_unique = 100;

/* Fill ent as the kernel does for a request with no variable part; returns its unique. */
static uint64_t kernel_fill(struct uring_ent *ent, uint32_t opcode, uint64_t commit_id)
{
	struct fuse_in_header *in = (struct fuse_in_header *)ent->hdr->in_out;
	uint64_t unique = next_unique;

	next_unique += 2;
	memset(ent->hdr, 0, sizeof(*ent->hdr));
	in->opcode = opcode;
	in->unique = unique;
	in->nodeid = FUSE_ROOT_ID;
	in->uid = 0;
	in->gid = 0;
	in->pid = 1;
	ent->hdr->ring_ent_in_out.commit_id = commit_id == (uint64_t)-1 ? unique : commit_id;
	ent->hdr->ring_ent_in_out.payload_sz = 0;
	if (opcode == FUSE_READ) {
		struct fuse_read_in *ri = (struct fuse_read_in *)ent->hdr->op_in;

		ri->size = 5;
		in->len = sizeof(*in) + sizeof(*ri);
	} else if (opcode == FUSE_GETATTR) {
		in->len = sizeof(*in) + sizeof(struct fuse_getattr_in);
	} else if (opcode == FUSE_ACCESS) {
		in->len = sizeof(*in) + sizeof(struct fuse_access_in);
	} else {
		in->len = sizeof(*in);
	}
	return unique;
}

static uint64_t deliver(struct uring_ent *ent, uint32_t opcode)
{
	uint64_t u = kernel_fill(ent, opcode, (uint64_t)-1);

	cqe_push((uint64_t)(uintptr_t)ent, 0);
	return u;
}

static const struct fuse_out_header *out_of(const struct uring_ent *ent)
{
	return (const struct fuse_out_header *)ent->hdr->in_out;
}

/* ---- the filesystem ---- */

/* GETATTR answers at once; STATFS is kept for the test to answer from another thread. */
static fuse_req_t stashed[DEPTH];
static unsigned int nstashed;
static unsigned int handled;

static void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	handled++;
	fuse_reply_err(req, ENOENT);
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino;
	(void)size;
	(void)off;
	(void)fi;
	handled++;
	fuse_reply_buf(req, "hello", 5);
}

static void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	handled++;
	stashed[nstashed++] = req;
}

/* A handler that gives no reply to a request that wants one. */
static void fs_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	(void)ino;
	(void)mask;
	handled++;
	fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops fs_ops = {
	.access = fs_access,
	.getattr = fs_getattr,
	.read = fs_read,
	.statfs = fs_statfs,
};

/* Replies from a thread that is not the queue's: what a worker or another thread does. */
static void *foreign_main(void *arg)
{
	unsigned int *n = arg;
	unsigned int i;

	for (i = 0; i < *n; i++)
		fuse_reply_err(stashed[i], EROFS);
	return NULL;
}

static void reply_foreign(unsigned int n)
{
	pthread_t t;

	if (pthread_create(&t, NULL, foreign_main, &n) != 0 || pthread_join(t, NULL) != 0) {
		perror("pthread");
		exit(1);
	}
	memmove(stashed, stashed + n, (nstashed - n) * sizeof(stashed[0]));
	nstashed -= n;
}

/* The eventfd's counter, which reading resets; 0 when it was not written. */
static uint64_t efd_take(struct uring_queue *q)
{
	uint64_t v = 0;

	if (read(q->efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

/* ---- a session with one queue, built as fuse_uring_setup.c builds it ---- */

static struct fuse_session *se;
static struct fuse__uring *ring;
static char *mem;

static struct uring_queue *setup(void)
{
	struct uring_queue *q;
	unsigned int j;

	se = calloc(1, sizeof(*se));
	ring = calloc(1, sizeof(*ring) + sizeof(ring->q[0]));
	mem = aligned_alloc(HDR, DEPTH * (HDR + PAYLOAD));
	if (!se || !ring || !mem) {
		perror("alloc");
		exit(1);
	}
	se->op = fs_ops;
	se->exit_efd = -1;
	se->owner = getuid();
	pthread_mutex_init(&se->lock, NULL);
	if (fuse__transports_init(se, NULL) < 0) {
		fprintf(stderr, "fuse__transports_init failed\n");
		exit(1);
	}
	se->conn.proto_major = 7;
	se->conn.proto_minor = 45;
	se->conn.capable = 0xffffffffu;
	se->bufsize = (1 << 20) + 4096;
	atomic_store(&se->got_init, true);

	ring->se = se;
	ring->nq = 1;
	ring->depth = DEPTH;
	ring->hdr_size = HDR;
	ring->payload_size = PAYLOAD;
	pthread_mutex_init(&ring->lock, NULL);
	pthread_cond_init(&ring->cond, NULL);
	q = &ring->q[0];
	q->ring = ring;
	q->node = -1;
	pthread_mutex_init(&q->lock, NULL);
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->ents = calloc(DEPTH, sizeof(q->ents[0]));
	if (q->efd < 0 || !q->ents) {
		perror("queue");
		exit(1);
	}
	for (j = 0; j < DEPTH; j++) {
		struct uring_ent *ent = &q->ents[j];

		fuse__req_init(&ent->req, se);
		ent->req.tp = &fuse__uring_ops;
		ent->req.tp_data = ent;
		ent->req.embedded = true;
		ent->q = q;
		atomic_init(&ent->state, URING_ENT_IDLE);
		atomic_init(&ent->busy, false);
		ent->hdr = (struct fuse__uring_req_header *)(mem + j * (HDR + PAYLOAD));
		ent->payload = (char *)ent->hdr + HDR;
		ent->reg_iov[0].iov_base = ent->hdr;
		ent->reg_iov[0].iov_len = HDR;
		ent->reg_iov[1].iov_base = ent->payload;
		ent->reg_iov[1].iov_len = PAYLOAD;
	}
	if (uring_pool_init(ring) < 0) {
		fprintf(stderr, "uring_pool_init failed\n");
		exit(1);
	}
	/* Handlers on the queue thread, in arrival order: the engine's path, not the policy's. */
	ring->dispatch = RINGFUSE_URING_INLINE;
	((struct fuse__uring_tp *)se->tp[FUSE__TP_RING].priv)->ring = ring;
	sq_n = batch_n = cq_n = plain_submits = waits = 0;
	nstashed = handled = 0;
	return q;
}

static void teardown(struct uring_queue *q)
{
	unsigned int j;

	((struct fuse__uring_tp *)se->tp[FUSE__TP_RING].priv)->ring = NULL;
	(void)uring_pool_stop(ring);
	uring_pool_destroy(ring);
	for (j = 0; j < DEPTH; j++)
		fuse__req_fini(&q->ents[j].req);
	free(q->ents);
	close(q->efd);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&ring->cond);
	pthread_mutex_destroy(&ring->lock);
	free(ring);
	free(mem);
	fuse__transports_destroy(se);
	pthread_mutex_destroy(&se->lock);
	free(se);
}

static int state(const struct uring_queue *q, unsigned int i)
{
	return atomic_load(&q->ents[i].state);
}

/* ---- 1. an entry's life, commit batching, foreign replies ---- */

static uint64_t u_read;

static void script_life(struct uring_queue *q, unsigned int round)
{
	struct uring_ent *e = q->ents;
	unsigned int i;

	switch (round) {
	case 1:
		/* The first batch: the eventfd read, the exit poll, and one REGISTER per entry. */
		CHECK_UEQ(batch_n, 2 + DEPTH);
		CHECK_UEQ(batch_ud(1), 1);
		CHECK_UEQ(batch_ud(2), 1);
		for (i = 0; i < DEPTH; i++) {
			const struct io_uring_sqe *s = NULL;
			unsigned int k;

			CHECK_EQ(state(q, i), URING_ENT_KERNEL);
			CHECK_UEQ(batch_count(&e[i], FUSE__IO_URING_CMD_REGISTER), 1);
			for (k = 0; k < batch_n; k++)
				if (batch[k].s->user_data == (uint64_t)(uintptr_t)&e[i])
					s = batch[k].s;
			if (s) {
				CHECK(s->flags & IOSQE_FIXED_FILE);
				CHECK_UEQ(s->addr, (uintptr_t)e[i].reg_iov);
				CHECK_UEQ(s->len, 2);
			}
		}
		CHECK_UEQ(q->live, DEPTH);
		/* Three requests in one round, each answered by its handler on the queue thread. */
		for (i = 0; i < 3; i++)
			deliver(&e[i], FUSE_GETATTR);
		break;
	case 2:
		/* Their three commits left together, with this submit-and-wait, and only now. */
		CHECK_UEQ(plain_submits, 0);
		CHECK_UEQ(batch_n, 3);
		CHECK_UEQ(handled, 3);
		for (i = 0; i < 3; i++) {
			CHECK_UEQ(batch_count(&e[i], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
			CHECK_EQ(state(q, i), URING_ENT_KERNEL);
			CHECK(!atomic_load(&e[i].busy));
			CHECK_EQ(out_of(&e[i])->error, -ENOENT);
			CHECK_UEQ(out_of(&e[i])->unique, e[i].commit_id);
			CHECK_UEQ(out_of(&e[i])->len, sizeof(struct fuse_out_header));
			CHECK_UEQ(e[i].hdr->ring_ent_in_out.payload_sz, 0);
		}
		CHECK_EQ(state(q, 3), URING_ENT_KERNEL); /* never delivered: still the kernel's */
		CHECK_UEQ(atomic_load(&q->stats.requests), 3);
		CHECK_UEQ(atomic_load(&q->stats.inline_requests), 3);
		/* Next round: two requests kept by their handler, one answered with data. */
		deliver(&e[0], FUSE_STATFS);
		u_read = deliver(&e[1], FUSE_READ);
		deliver(&e[2], FUSE_STATFS);
		break;
	case 3:
		/* Only the READ's commit; the kept ones are the handler's. */
		CHECK_UEQ(batch_n, 1);
		CHECK_UEQ(batch_count(&e[1], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
		CHECK_UEQ(e[1].commit_id, u_read);
		CHECK_UEQ(e[1].hdr->ring_ent_in_out.payload_sz, 5);
		CHECK_MEM(e[1].payload, "hello", 5);
		CHECK_UEQ(out_of(&e[1])->len, sizeof(struct fuse_out_header) + 5);
		CHECK_EQ(state(q, 0), URING_ENT_HANDLER);
		CHECK_EQ(state(q, 2), URING_ENT_HANDLER);
		CHECK(atomic_load(&e[0].busy));
		CHECK_UEQ(nstashed, 2);
		/* INTERRUPT finds a request while its handler has it. */
		{
			struct fuse_req *r = fuse__transports_find_req(se, e[2].req.unique);

			CHECK(r == &e[2].req);
			if (r)
				fuse__req_put(r);
		}
		/* Two replies from another thread: no SQE (the SQ is the queue thread's), both
		 * on the pending list, and the eventfd rung once for the two. */
		CHECK_UEQ(efd_take(q), 0);
		reply_foreign(2);
		CHECK_UEQ(sq_n, 0);
		CHECK_EQ(state(q, 0), URING_ENT_PENDING);
		CHECK_EQ(state(q, 2), URING_ENT_PENDING);
		CHECK(q->pending == &e[0] || q->pending == &e[2]);
		CHECK_UEQ(efd_take(q), 1);
		CHECK_UEQ(atomic_load(&q->stats.foreign_replies), 2);
		/* The eventfd read completes: the queue thread takes the list. */
		cqe_push(1, 8);
		break;
	case 4:
		/* The pending replies' commits, and the eventfd read armed again. */
		CHECK_UEQ(batch_n, 3);
		CHECK_UEQ(batch_ud(1), 1);
		CHECK_UEQ(batch_count(&e[0], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
		CHECK_UEQ(batch_count(&e[2], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
		CHECK_EQ(out_of(&e[0])->error, -EROFS);
		CHECK_EQ(out_of(&e[2])->error, -EROFS);
		CHECK_EQ(state(q, 0), URING_ENT_KERNEL);
		CHECK_EQ(state(q, 2), URING_ENT_KERNEL);
		CHECK(q->pending == NULL);
		/* A foreign reply with the list empty rings again. */
		deliver(&e[3], FUSE_STATFS);
		break;
	case 5:
		CHECK_UEQ(batch_n, 0);
		reply_foreign(1);
		CHECK_UEQ(efd_take(q), 1);
		CHECK_EQ(state(q, 3), URING_ENT_PENDING);
		/* No eventfd completion this time: the list is looked at every round anyway. */
		break;
	case 6:
		CHECK_UEQ(batch_n, 1);
		CHECK_UEQ(batch_count(&e[3], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
		/* The session ends: the exit poll completes. */
		atomic_store(&se->exited, 1);
		cqe_push(2, POLLIN);
		break;
	default:
		CHECK(!"a round after the exit");
		break;
	}
}

static void test_life(void)
{
	struct uring_queue *q = setup();

	script = script_life;
	uring_queue_run(q);
	CHECK_UEQ(waits, 6);
	CHECK(!q->accepting);
	teardown(q);
}

/* ---- 2. failures: REGISTER too early, a failed commit, malformed and retired entries ---- */

static void script_fail(struct uring_queue *q, unsigned int round)
{
	struct uring_ent *e = q->ents;
	uint64_t u;

	switch (round) {
	case 1:
		/* INIT's reply not processed yet: REGISTER again. */
		cqe_push((uint64_t)(uintptr_t)&e[0], -EAGAIN);
		/* A request the intake rejects (commit id != unique): EIO under the commit id. */
		u = kernel_fill(&e[1], FUSE_GETATTR, 0);
		e[1].hdr->ring_ent_in_out.commit_id = u + 1;
		cqe_push((uint64_t)(uintptr_t)&e[1], 0);
		/* No commit id at all: the entry cannot go back; it is retired. */
		kernel_fill(&e[2], FUSE_GETATTR, 0);
		cqe_push((uint64_t)(uintptr_t)&e[2], 0);
		deliver(&e[3], FUSE_GETATTR);
		break;
	case 2:
		CHECK_UEQ(batch_n, 3);
		CHECK_UEQ(batch_count(&e[0], FUSE__IO_URING_CMD_REGISTER), 1);
		CHECK_UEQ(batch_count(&e[1], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
		CHECK_EQ(out_of(&e[1])->error, -EIO);
		CHECK_UEQ(out_of(&e[1])->unique, e[1].commit_id);
		CHECK_EQ(state(q, 2), URING_ENT_IDLE);
		CHECK_UEQ(q->live, DEPTH - 1);
		CHECK_UEQ(handled, 1); /* only e[3]'s: the rejected one reached no handler */
		/* The kernel lost e[3]'s request: a new REGISTER keeps the queue whole. */
		cqe_push((uint64_t)(uintptr_t)&e[3], -ENOENT);
		deliver(&e[1], FUSE_ACCESS);
		break;
	case 3:
		CHECK_UEQ(batch_n, 2);
		CHECK_UEQ(batch_count(&e[3], FUSE__IO_URING_CMD_REGISTER), 1);
		/* No reply from the handler: the entry still goes back, with EIO (uring_drop). */
		CHECK_UEQ(handled, 2);
		CHECK_UEQ(batch_count(&e[1], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
		CHECK_EQ(out_of(&e[1])->error, -EIO);
		CHECK_UEQ(out_of(&e[1])->len, sizeof(struct fuse_out_header));
		CHECK_UEQ(out_of(&e[1])->unique, e[1].commit_id);
		CHECK_UEQ(e[1].hdr->ring_ent_in_out.payload_sz, 0);
		CHECK_UEQ(atomic_load(&q->stats.commit_errors), 1);
		/* A completion for an entry that is not the kernel's is ignored. */
		cqe_push((uint64_t)(uintptr_t)&e[2], 0);
		/* Unmount: the entry is gone and the session ends. */
		cqe_push((uint64_t)(uintptr_t)&e[0], -ENOTCONN);
		break;
	default:
		CHECK(!"a round after ENOTCONN");
		break;
	}
}

static void test_fail(void)
{
	struct uring_queue *q = setup();

	script = script_fail;
	uring_queue_run(q);
	CHECK_UEQ(waits, 3);
	CHECK_EQ(state(q, 0), URING_ENT_IDLE);
	CHECK_EQ(state(q, 2), URING_ENT_IDLE);
	CHECK_UEQ(q->live, DEPTH - 2);
	CHECK(atomic_load(&se->exited));
	teardown(q);
}

/* ---- 3. stop with entries in every state ---- */

/* A reply that arrives after the queue thread took its pending list for the last round. */
static void reply_late(void)
{
	reply_foreign(1);
}

static void script_stop(struct uring_queue *q, unsigned int round)
{
	struct uring_ent *e = q->ents;

	switch (round) {
	case 1:
		deliver(&e[0], FUSE_STATFS);      /* pending at stop */
		deliver(&e[1], FUSE_STATFS);      /* answered while the last round commits */
		deliver(&e[4], FUSE_STATFS);      /* still the handler's at stop */
		kernel_fill(&e[2], FUSE_GETATTR, 0); /* retired: idle */
		cqe_push((uint64_t)(uintptr_t)&e[2], 0);
		/* e[3]: in the kernel throughout */
		break;
	case 2:
		CHECK_UEQ(batch_n, 0);
		/* e[0] is answered from elsewhere, then stop (uring_join: stopping, eventfd). */
		reply_foreign(1);
		CHECK_EQ(state(q, 0), URING_ENT_PENDING);
		atomic_store(&ring->stopping, true);
		/* e[1]'s reply comes while this round commits e[0]: after the list was taken. */
		sq_get_hook = reply_late;
		break;
	default:
		CHECK(!"a round after stop");
		break;
	}
}

static void test_stop(void)
{
	struct uring_queue *q = setup();

	script = script_stop;
	uring_queue_run(q);
	CHECK_UEQ(waits, 2);
	/* Both replies still end their requests, with the last submission: the one pending at
	 * stop, and the one that raced with the last round (taken by the final drain). */
	CHECK(sq_get_hook == NULL);
	CHECK_UEQ(plain_submits, 1);
	CHECK_UEQ(batch_n, 2);
	CHECK_UEQ(batch_count(&q->ents[0], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
	CHECK_UEQ(batch_count(&q->ents[1], FUSE__IO_URING_CMD_COMMIT_AND_FETCH), 1);
	CHECK_EQ(state(q, 0), URING_ENT_KERNEL);
	CHECK_EQ(state(q, 1), URING_ENT_KERNEL);
	CHECK_EQ(state(q, 2), URING_ENT_IDLE);
	CHECK_EQ(state(q, 3), URING_ENT_KERNEL);
	CHECK_EQ(state(q, 4), URING_ENT_HANDLER);
	CHECK(!q->accepting);
	(void)efd_take(q);
	/* A reply after the queue thread left: no SQE, no doorbell; the kernel ends the
	 * request when the ring is closed, and the entry is nobody's. */
	reply_foreign(1);
	CHECK_EQ(state(q, 4), URING_ENT_IDLE);
	CHECK(!atomic_load(&q->ents[4].busy));
	CHECK_UEQ(sq_n, 0);
	CHECK(q->pending == NULL);
	CHECK_UEQ(efd_take(q), 0);
	teardown(q);
}

int main(void)
{
	/* The queue thread's SCHED_IDLE controller would switch this thread's policy. */
	setenv("RINGFUSE_RING_SCHED_IDLE", "0", 1);
	test_life();
	test_fail();
	test_stop();
	return check_result();
}
