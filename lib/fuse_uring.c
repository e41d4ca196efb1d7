/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The io-uring transport's queue engine: what one queue thread does with its io_uring once
 * the queue is built (fuse_uring_setup.c). It registers the entries, turns each completion
 * into a request view for the dispatcher, carries replies back (from the queue's own thread
 * without locks, from any other thread through the queue's pending list and eventfd), batches
 * every commit of a round into one submit-and-wait, and finds entries for INTERRUPT. The
 * kernel's side of the contract: the structures in fuse_kernel_i.h, and doc/design.md ("The
 * io-uring transport").
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"
#include "fuse_uring_sq_i.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* user_data of the two non-entry operations; entries use their (aligned) address. */
#define URING_UD_EFD 1ULL
#define URING_UD_EXIT 2ULL

/* -EAGAIN on REGISTER means the kernel has not processed the INIT reply yet. */
#define URING_EAGAIN_MAX 2000
#define URING_REREGISTER_MAX 3
/* How long a new request waits for an INTERRUPT lookup still holding the entry's last one. */
#define URING_CLAIM_WAIT_MS 1000

/* The queue whose thread is running here, so a reply can tell whether it is at home. */
static __thread struct uring_queue *uring_self;

/* ---- SQEs (queue thread only) ---- */

static struct io_uring_sqe *uring_get_sqe(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = uring_sq_get(q);

	if (!sqe) {
		/* Cannot happen with an SQ of depth + 2 (one SQE per entry at most, plus the
		 * two doorbells), but flushing is the correct answer if it ever does. */
		(void)uring_sq_submit(q);
		sqe = uring_sq_get(q);
	}
	if (sqe)
		memset(sqe, 0, 2 * sizeof(*sqe)); /* SQE128: the cmd area is the second half */
	return sqe;
}

static void uring_prep_cmd(struct uring_queue *q, struct uring_ent *ent, uint32_t op)
{
	struct io_uring_sqe *sqe = uring_get_sqe(q);
	struct fuse__uring_cmd_req *cmd;

	if (!sqe) {
		fuse_log(FUSE_LOG_ERR, "fuse: ring queue %u: no SQE for an entry; entry lost\n", q->qid);
		atomic_store(&ent->state, URING_ENT_IDLE);
		q->live--;
		return;
	}
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = 0; /* index 0 of the registered files: the session's /dev/fuse */
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->cmd_op = op;
	if (op == FUSE__IO_URING_CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)ent->reg_iov;
		sqe->len = 2;
	}
	cmd = (struct fuse__uring_cmd_req *)sqe->cmd;
	cmd->qid = (uint16_t)q->qid;
	cmd->commit_id = op == FUSE__IO_URING_CMD_COMMIT_AND_FETCH ? ent->commit_id : 0;
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)ent);
	ent->last_op = op;
	atomic_store(&ent->state, URING_ENT_KERNEL);
}

static void uring_queue_commit(struct uring_queue *q, struct uring_ent *ent)
{
	uring_count(&q->stats.bytes_out, ent->hdr->ring_ent_in_out.payload_sz);
	uring_prep_cmd(q, ent, FUSE__IO_URING_CMD_COMMIT_AND_FETCH);
}

static void uring_arm_efd(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = uring_get_sqe(q);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, q->efd, &q->efd_buf, sizeof(q->efd_buf), 0);
	io_uring_sqe_set_data64(sqe, URING_UD_EFD);
}

static void uring_arm_exit(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = uring_get_sqe(q);

	if (!sqe)
		return;
	/* The session's exit eventfd is written on fuse_session_exit (signal handlers too) and
	 * never drained while the session runs, so a poll on it wakes every queue at once. */
	io_uring_prep_poll_add(sqe, q->ring->se->exit_efd, POLLIN);
	io_uring_sqe_set_data64(sqe, URING_UD_EXIT);
}

/* ---- replies ---- */

/*
 * The entry's reply is complete (header and payload written): hand it back to the kernel.
 * On the queue's own thread that is one SQE, submitted with the rest of the batch. From any
 * other thread the SQ is out of bounds (liburing rings are single-producer), so the entry
 * goes on the pending list and the queue thread is rung.
 */
static void uring_ent_done(struct uring_ent *ent)
{
	struct uring_queue *q = ent->q;
	uint64_t one = 1;
	ssize_t n;

	atomic_store(&ent->busy, false);
	if (uring_self == q) {
		uring_queue_commit(q, ent);
		return;
	}
	atomic_fetch_add_explicit(&q->stats.foreign_replies, 1, memory_order_relaxed);
	uring_worker_note_reply();
	pthread_mutex_lock(&q->lock);
	if (q->accepting) {
		atomic_store(&ent->state, URING_ENT_PENDING);
		ent->pending_next = q->pending;
		/* Only the first reply of a batch rings: the queue thread takes the whole list. */
		if (!q->pending) {
			/* Under the lock: once the queue thread is gone, stop closes the eventfd. */
			n = write(q->efd, &one, sizeof(one));
			(void)n; /* EAGAIN only when the counter is full: still readable */
		}
		q->pending = ent;
	} else {
		/* The queue thread has left: the kernel ends this request at teardown. */
		atomic_store(&ent->state, URING_ENT_IDLE);
	}
	pthread_mutex_unlock(&q->lock);
}

/* The entry's reply is a bare EIO under its commit id: what every request the engine cannot
 * answer otherwise gets (a malformed one, a handler that gives none, a reply that cannot be
 * read), since only a commit gives the entry back. */
static void uring_ent_eio(struct uring_ent *ent)
{
	struct fuse_out_header *oh = (struct fuse_out_header *)ent->hdr->in_out;

	oh->len = sizeof(*oh);
	oh->error = -EIO;
	oh->unique = ent->commit_id;
	ent->hdr->ring_ent_in_out.payload_sz = 0;
}

static bool uring_ent_take(struct uring_ent *ent)
{
	int expected = URING_ENT_HANDLER;

	if (atomic_compare_exchange_strong(&ent->state, &expected, URING_ENT_FILLING))
		return true;
	fuse__log_once(&ent->q->ring->log_double, FUSE_LOG_ERR,
		       "fuse: second reply to ring request %llu ignored\n",
		       (unsigned long long)ent->req.unique);
	return false;
}

/* Gather the reply's arguments into the payload buffer. Returns the byte count or -errno. */
static ssize_t uring_gather(struct uring_ent *ent, const struct iovec *iov, int n)
{
	struct fuse__uring *ring = ent->q->ring;
	char *pay = ent->payload, *pend = ent->payload + ring->payload_size;
	size_t total = 0, off;
	bool in_place = true, conflict = false;
	char *tmp;
	int i, j;

	for (i = 0; i < n; i++) {
		if (iov[i].iov_len && (char *)iov[i].iov_base != pay + total)
			in_place = false;
		total += iov[i].iov_len;
	}
	if (total > ring->payload_size)
		return -E2BIG;
	/* fuse_req_get_payload users built the reply where it has to be. */
	if (in_place)
		return (ssize_t)total;

	/*
	 * An argument may itself live in the payload buffer (a handler that used part of it).
	 * Copying in order is safe unless an earlier copy lands on a later argument's source;
	 * then gather through a bounce buffer.
	 */
	for (i = 1; i < n && !conflict; i++) {
		const char *s = iov[i].iov_base;

		if (!iov[i].iov_len || s + iov[i].iov_len <= pay || s >= pend)
			continue;
		for (j = 0, off = 0; j < i; off += iov[j].iov_len, j++)
			if (iov[j].iov_len && pay + off < s + iov[i].iov_len &&
			    s < pay + off + iov[j].iov_len)
				conflict = true;
	}
	if (conflict) {
		tmp = malloc(total);
		if (!tmp)
			return -ENOMEM;
		for (i = 0, off = 0; i < n; off += iov[i].iov_len, i++)
			memcpy(tmp + off, iov[i].iov_base, iov[i].iov_len);
		memcpy(pay, tmp, total);
		free(tmp);
		return (ssize_t)total;
	}
	for (i = 0, off = 0; i < n; off += iov[i].iov_len, i++)
		if (iov[i].iov_len)
			memmove(pay + off, iov[i].iov_base, iov[i].iov_len);
	return (ssize_t)total;
}

static int uring_send(struct fuse_req *req, struct iovec *iov, int count)
{
	struct uring_ent *ent = req->tp_data;
	struct fuse_out_header *oh = (struct fuse_out_header *)ent->hdr->in_out;
	ssize_t total = 0;
	int err = 0;

	if (!uring_ent_take(ent))
		return -EINVAL;
	if (count < 1 || !iov || iov[0].iov_len < sizeof(*oh)) {
		uring_ent_eio(ent);
		err = -EINVAL;
	} else {
		memcpy(oh, iov[0].iov_base, sizeof(*oh));
		if (count > 1)
			total = uring_gather(ent, iov + 1, count - 1);
		if (total < 0) {
			if (total == -E2BIG)
				fuse__log_once(&ent->q->ring->log_too_big, FUSE_LOG_ERR,
					       "fuse: %s reply does not fit the ring's %zu-byte payload buffer; answering EINVAL\n",
					       fuse__opname(req->opcode), ent->q->ring->payload_size);
			/* Never a truncated reply: the caller gets an error instead. */
			err = total == -E2BIG ? -EINVAL : (int)total;
			oh->error = err;
			total = 0;
		}
	}
	oh->len = sizeof(*oh) + (uint32_t)total;
	ent->hdr->ring_ent_in_out.payload_sz = (uint32_t)total;
	uring_ent_done(ent);
	return err;
}

/*
 * A request that gets no reply. On /dev/fuse that is the end of it; a ring entry, though, only
 * comes back with a COMMIT_AND_FETCH, and that commit ends the kernel's request. For requests
 * the kernel sends without waiting for an answer (NOTIFY_REPLY, a forced FORGET) the error is
 * ignored there; a request whose caller does wait gets EIO, which is honest and better than
 * the hang the same handler would cause on /dev/fuse. An empty success would not be: for READ
 * or READDIR it would read as end-of-file.
 */
static void uring_drop(struct fuse_req *req)
{
	struct uring_ent *ent = req->tp_data;

	if (!uring_ent_take(ent))
		return;
	uring_ent_eio(ent);
	uring_ent_done(ent);
}

static int uring_get_payload(struct fuse_req *req, char **payload, size_t *size)
{
	struct uring_ent *ent = req->tp_data;

	*payload = ent->payload;
	*size = ent->q->ring->payload_size;
	return 0;
}

const struct fuse__transport_ops fuse__uring_ops = {
	.name = "io_uring",
	.is_uring = true,
	.send = uring_send,
	.drop = uring_drop,
	.get_payload = uring_get_payload,
};

/* ---- requests ---- */

/*
 * Make the embedded request stand for the one that just arrived. An INTERRUPT lookup may
 * still hold a reference to the previous request (it found it busy just before the reply):
 * the struct must not change under it, so wait for that reference, briefly, under req.lock,
 * which is also what fuse__uring_find_req takes.
 */
static void uring_ent_claim(struct uring_ent *ent, const struct fuse_in_header *in)
{
	struct fuse_req *req = &ent->req;
	struct timespec ts = { 0, 100000 };
	unsigned int waited_us = 0;

	for (;;) {
		pthread_mutex_lock(&req->lock);
		if (atomic_load(&req->refs) <= 1)
			break;
		if (waited_us >= URING_CLAIM_WAIT_MS * 1000) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: ring queue %u: INTERRUPT lookup held request %llu for %u ms\n",
				 ent->q->qid, (unsigned long long)req->unique, URING_CLAIM_WAIT_MS);
			break;
		}
		pthread_mutex_unlock(&req->lock);
		(void)nanosleep(&ts, NULL);
		waited_us += 100;
	}
	req->unique = in->unique;
	req->opcode = in->opcode;
	memset(&req->ctx, 0, sizeof(req->ctx));
	req->ctx.uid = in->uid;
	req->ctx.gid = in->gid;
	req->ctx.pid = in->pid;
	memset(&req->intr, 0, sizeof(req->intr));
	req->next = req->prev = NULL;
	atomic_store(&ent->busy, true);
	pthread_mutex_unlock(&req->lock);
}

/* The kernel handed us something impossible: answer EIO so the entry comes back. */
static void uring_reject(struct uring_queue *q, struct uring_ent *ent)
{
	uring_ent_eio(ent);
	uring_queue_commit(q, ent);
}

static void uring_deliver(struct uring_queue *q, struct uring_ent *ent)
{
	struct fuse__uring *ring = q->ring;
	const struct fuse_in_header *in = (const struct fuse_in_header *)ent->hdr->in_out;
	uint64_t cid = ent->hdr->ring_ent_in_out.commit_id;
	uint32_t psz = ent->hdr->ring_ent_in_out.payload_sz;
	struct fuse__req_view view;
	int intake;

	uring_count(&q->stats.requests, 1);
	uring_count(&q->stats.bytes_in, psz);
	intake = fuse__uring_ent_view(ent->hdr, ent->payload, ring->payload_size, &view);
	if (intake == FUSE__URING_INTAKE_RETIRE) {
		fuse__log_once(&ring->log_bad_req, FUSE_LOG_ERR,
			       "fuse: ring queue %u: request without commit id (opcode %u); entry retired\n",
			       q->qid, in->opcode);
		atomic_store(&ent->state, URING_ENT_IDLE);
		q->live--;
		return;
	}
	ent->commit_id = cid;
	if (intake != FUSE__URING_INTAKE_OK) {
		fuse__log_once(&ring->log_bad_req, FUSE_LOG_ERR,
			       "fuse: ring queue %u: malformed request (opcode %u, len %u, unique %llu, commit id %llu, payload %u of %zu); answered EIO\n",
			       q->qid, in->opcode, in->len, (unsigned long long)in->unique,
			       (unsigned long long)cid, psz, ring->payload_size);
		uring_reject(q, ent);
		return;
	}
	uring_ent_claim(ent, in);
	atomic_store(&ent->state, URING_ENT_HANDLER);
	/* Inline or on a worker: decided with the rest of the round (fuse_uring_worker.c). */
	ent->view = view;
	uring_ready(q, ent);
}

static void uring_leave(struct uring_queue *q)
{
	q->leave = true;
}

static void uring_ent_cqe(struct uring_queue *q, struct uring_ent *ent, int res)
{
	struct fuse_session *se = q->ring->se;

	if (atomic_load(&ent->state) != URING_ENT_KERNEL) {
		fuse_log(FUSE_LOG_ERR, "fuse: ring queue %u: completion for an entry in state %d\n",
			 q->qid, atomic_load(&ent->state));
		return;
	}
	if (res == 0) {
		ent->registered = true;
		ent->eagain = 0;
		uring_deliver(q, ent);
		return;
	}
	switch (res) {
	case -EAGAIN:
	case -EINTR:
		/* REGISTER before the kernel processed the INIT reply; try again shortly. */
		if (++ent->eagain <= URING_EAGAIN_MAX) {
			(void)usleep(500);
			uring_prep_cmd(q, ent, ent->last_op);
			return;
		}
		break;
	case -ENOTCONN:
	case -ECANCELED:
	case -ECONNABORTED:
	case -ENODEV:
		/* Unmount, abort or teardown: the session is over. */
		atomic_store(&ent->state, URING_ENT_IDLE);
		q->live--;
		uring_leave(q);
		if (!atomic_load(&se->exited))
			fuse__session_exit(se, 0);
		return;
	default:
		break;
	}
	if (ent->last_op == FUSE__IO_URING_CMD_COMMIT_AND_FETCH) {
		uring_count(&q->stats.commit_errors, 1);
		fuse__log_once(&q->ring->log_commit_err, FUSE_LOG_ERR,
			       "fuse: ring queue %u: COMMIT_AND_FETCH of %llu failed: %s\n", q->qid,
			       (unsigned long long)ent->commit_id, strerror(-res));
		/* The kernel dropped its side of the entry; a new REGISTER keeps the queue whole. */
		if ((res == -ENOENT || res == -EIO) && ent->reregister++ < URING_REREGISTER_MAX) {
			uring_prep_cmd(q, ent, FUSE__IO_URING_CMD_REGISTER);
			return;
		}
	} else {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: ring queue %u: REGISTER failed: %s; the kernel falls back to /dev/fuse\n",
			 q->qid, strerror(-res));
	}
	atomic_store(&ent->state, URING_ENT_IDLE);
	q->live--;
}

static void uring_cqe(struct uring_queue *q, const struct io_uring_cqe *cqe)
{
	struct fuse_session *se = q->ring->se;
	uint64_t ud = io_uring_cqe_get_data64(cqe);

	if (ud == URING_UD_EFD) {
		/* Foreign replies or stop: both are looked at after the batch. */
		if (!q->leave)
			uring_arm_efd(q);
		return;
	}
	if (ud == URING_UD_EXIT) {
		if (atomic_load(&se->exited) || atomic_load(&q->ring->stopping))
			uring_leave(q);
		else if (!q->leave)
			uring_arm_exit(q);
		return;
	}
	uring_ent_cqe(q, (struct uring_ent *)(uintptr_t)ud, cqe->res);
}

static void uring_take_pending(struct uring_queue *q, bool last)
{
	struct uring_ent *list, *next;

	pthread_mutex_lock(&q->lock);
	list = q->pending;
	q->pending = NULL;
	if (last)
		q->accepting = false;
	pthread_mutex_unlock(&q->lock);
	for (; list; list = next) {
		next = list->pending_next;
		list->pending_next = NULL;
		uring_queue_commit(q, list);
	}
}
void uring_queue_run(struct uring_queue *q)
{
	struct fuse_session *se = q->ring->se;
	struct io_uring_cqe *cqe;
	struct uring_pol pol;
	unsigned int i, head, n;
	int ret;

	uring_self = q;
	uring_pol_init(q, &pol);
	pthread_mutex_lock(&q->lock);
	q->accepting = true;
	pthread_mutex_unlock(&q->lock);
	uring_arm_efd(q);
	uring_arm_exit(q);
	q->live = q->ring->depth;
	for (i = 0; i < q->ring->depth; i++)
		uring_prep_cmd(q, &q->ents[i], FUSE__IO_URING_CMD_REGISTER);

	while (!q->leave) {
		uint64_t tick = uring_pol_tick_ns(&pol);

		/* Every commit of the last batch goes out here, in one system call. */
		if (tick) {
			struct __kernel_timespec ts = {
				.tv_sec = (long long)(tick / 1000000000ULL),
				.tv_nsec = (long long)(tick % 1000000000ULL),
			};

			ret = uring_sq_submit_and_wait_timeout(q, 1, &ts);
		} else {
			ret = uring_sq_submit_and_wait(q, 1);
		}
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY && ret != -ETIME) {
			fuse_log(FUSE_LOG_ERR, "fuse: ring queue %u: io_uring_submit_and_wait: %s\n",
				 q->qid, strerror(-ret));
			fuse__session_exit(se, ret);
			break;
		}
		n = 0;
		uring_cq_for_each(q, head, cqe) {
			uring_cqe(q, cqe);
			n++;
		}
		uring_cq_advance(q, n);
		uring_run_ready(q);
		uring_take_pending(q, false);
		uring_pol_check(q, &pol);
		if (atomic_load(&se->exited) || atomic_load(&q->ring->stopping))
			uring_leave(q);
		if (q->live == 0) {
			if (!q->leave && se->debug)
				fuse_log(FUSE_LOG_DEBUG, "fuse: ring queue %u: no entries left\n", q->qid);
			uring_leave(q);
		}
	}
	/* Replies that raced with the exit still end their requests. */
	uring_take_pending(q, true);
	(void)uring_sq_submit(q);
	uring_pol_fini(q, &pol);
}
struct fuse_req *fuse__uring_find_req(struct fuse_session *se, uint64_t unique)
{
	struct fuse__uring *ring = uring_of(se);
	unsigned int i, j;

	if (!ring)
		return NULL;
	for (i = 0; i < ring->nq; i++) {
		for (j = 0; j < ring->depth; j++) {
			struct uring_ent *ent = &ring->q[i].ents[j];
			struct fuse_req *req = &ent->req;
			bool hit;

			if (!atomic_load(&ent->busy))
				continue;
			/* Under req.lock the entry cannot be reused for another request (claim). */
			pthread_mutex_lock(&req->lock);
			hit = atomic_load(&ent->busy) && req->unique == unique;
			if (hit)
				atomic_fetch_add(&req->refs, 1);
			pthread_mutex_unlock(&req->lock);
			if (hit)
				return req;
		}
	}
	return NULL;
}
