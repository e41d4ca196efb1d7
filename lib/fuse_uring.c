/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FUSE-over-io-uring transport: one queue per possible CPU, each with its own io_uring,
 * its own pinned thread `fuse-ring-<qid>` and a fixed set of entries (header + payload
 * buffers, registered with the kernel once and then recycled by COMMIT_AND_FETCH). This file
 * owns building the queues after INIT, registering them once the INIT reply is out, turning
 * each completion into a request view for the dispatcher, carrying replies back (from the
 * queue's own thread without locks, from any other thread through the queue's pending list
 * and eventfd), INTERRUPT lookups over the entries, the per-queue counters, the
 * FUSE_URING_* environment switches, and teardown. The kernel's side of the contract is
 * described in shared/PROTOCOL.md; built without liburing, the same entry points are stubs.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound of io_uring_q_depth / FUSE_URING_QUEUE_DEPTH (session.c uses the same). */
#define URING_DEPTH_MAX 65536

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
	if (errno || *end || v < 1 || v > URING_DEPTH_MAX)
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
				 "fuse: invalid FUSE_URING_QUEUE_DEPTH=%s: must be a whole number from 1 to %d\n",
				 v, URING_DEPTH_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

#ifdef HAVE_URING

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_NUMA
#include <numa.h>
#endif

/* user_data of the two non-entry operations; entries use their (aligned) address. */
#define URING_UD_EFD 1ULL
#define URING_UD_EXIT 2ULL

/* -EAGAIN on REGISTER means the kernel has not processed the INIT reply yet. */
#define URING_EAGAIN_MAX 2000
#define URING_REREGISTER_MAX 3
/* How long stop waits for threads, then for handlers that still hold entries. */
#define URING_JOIN_TIMEOUT_S 10
#define URING_HELD_TIMEOUT_MS 5000
/* How long a new request waits for an INTERRUPT lookup still holding the entry's last one. */
#define URING_CLAIM_WAIT_MS 1000

/* The queue whose thread is running here, so a reply can tell whether it is at home. */
static __thread struct uring_queue *uring_self;

static void uring_count(_Atomic uint64_t *c, uint64_t n)
{
	/* One writer per counter: a relaxed load and store is enough and needs no lock prefix. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static unsigned int uring_possible_cpus(void)
{
	char buf[256];
	unsigned int count = 0;
	unsigned long a, b;
	ssize_t n;
	char *p, *end;
	int fd, conf;

	/* The kernel sizes its queue array by num_possible_cpus(): the "possible" mask's weight. */
	fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			for (p = buf; *p && *p != '\n';) {
				a = strtoul(p, &end, 10);
				if (end == p)
					break;
				b = a;
				if (*end == '-') {
					p = end + 1;
					b = strtoul(p, &end, 10);
					if (end == p || b < a)
						break;
				}
				count += (unsigned int)(b - a + 1);
				p = end;
				if (*p == ',')
					p++;
			}
		}
	}
	if (count)
		return count;
	conf = get_nprocs_conf();
	return conf > 0 ? (unsigned int)conf : 1;
}

/* ---- buffers ---- */

static void uring_mem_free(struct uring_queue *q)
{
	if (!q->mem)
		return;
#ifdef HAVE_NUMA
	if (q->numa) {
		numa_free(q->mem, q->mem_size);
		q->mem = NULL;
		return;
	}
#endif
	free(q->mem);
	q->mem = NULL;
}

static int uring_mem_alloc(struct uring_queue *q)
{
	struct fuse__uring *ring = q->ring;
	long page = sysconf(_SC_PAGESIZE);
	void *mem = NULL;
	int err;

	q->mem_size = (size_t)ring->depth * (ring->hdr_size + ring->payload_size);
#ifdef HAVE_NUMA
	if (q->node >= 0 && numa_available() >= 0) {
		/* numa_alloc_onnode mmaps, so the memory is page-aligned like the kernel wants
		 * the header; pages are placed on the node of the CPU the queue serves. */
		mem = numa_alloc_onnode(q->mem_size, q->node);
		if (mem) {
			q->numa = true;
			q->mem = mem;
			return 0;
		}
	}
#endif
	err = posix_memalign(&mem, page > 0 ? (size_t)page : 4096, q->mem_size);
	if (err) {
		snprintf(q->setup_why, sizeof(q->setup_why),
			 "allocating %zu bytes of ring buffers for queue %u failed: %s",
			 q->mem_size, q->qid, strerror(err));
		return -err;
	}
	q->mem = mem;
	return 0;
}

/* ---- SQEs (queue thread only) ---- */

static struct io_uring_sqe *uring_get_sqe(struct uring_queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->uring);

	if (!sqe) {
		/* Cannot happen with an SQ of depth + 2 (one SQE per entry at most, plus the
		 * two doorbells), but flushing is the correct answer if it ever does. */
		(void)io_uring_submit(&q->uring);
		sqe = io_uring_get_sqe(&q->uring);
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
		oh->unique = ent->commit_id;
		oh->error = -EIO;
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
	struct fuse_out_header *oh = (struct fuse_out_header *)ent->hdr->in_out;

	if (!uring_ent_take(ent))
		return;
	oh->len = sizeof(*oh);
	oh->error = -EIO;
	oh->unique = ent->commit_id;
	ent->hdr->ring_ent_in_out.payload_sz = 0;
	uring_ent_done(ent);
}

static int uring_get_payload(struct fuse_req *req, char **payload, size_t *size)
{
	struct uring_ent *ent = req->tp_data;

	*payload = ent->payload;
	*size = ent->q->ring->payload_size;
	return 0;
}

static const struct fuse__transport_ops uring_ops = {
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
	struct fuse_out_header *oh = (struct fuse_out_header *)ent->hdr->in_out;

	oh->len = sizeof(*oh);
	oh->error = -EIO;
	oh->unique = ent->commit_id;
	ent->hdr->ring_ent_in_out.payload_sz = 0;
	uring_queue_commit(q, ent);
}

static void uring_deliver(struct uring_queue *q, struct uring_ent *ent)
{
	struct fuse__uring *ring = q->ring;
	const struct fuse_in_header *in = (const struct fuse_in_header *)ent->hdr->in_out;
	uint64_t cid = ent->hdr->ring_ent_in_out.commit_id;
	uint32_t psz = ent->hdr->ring_ent_in_out.payload_sz;
	struct fuse__req_view view;

	uring_count(&q->stats.requests, 1);
	uring_count(&q->stats.bytes_in, psz);
	if (cid == 0) {
		/* Without a commit id the entry cannot be handed back: retire it. */
		fuse__log_once(&ring->log_bad_req, FUSE_LOG_ERR,
			       "fuse: ring queue %u: request without commit id (opcode %u); entry retired\n",
			       q->qid, in->opcode);
		atomic_store(&ent->state, URING_ENT_IDLE);
		q->live--;
		return;
	}
	ent->commit_id = cid;
	if (psz > ring->payload_size || cid != in->unique ||
	    in->len < sizeof(*in) + (uint64_t)psz ||
	    in->len > sizeof(*in) + FUSE__URING_OP_IN_OUT_SZ + (uint64_t)psz) {
		fuse__log_once(&ring->log_bad_req, FUSE_LOG_ERR,
			       "fuse: ring queue %u: malformed request (opcode %u, len %u, unique %llu, commit id %llu, payload %u of %zu); answered EIO\n",
			       q->qid, in->opcode, in->len, (unsigned long long)in->unique,
			       (unsigned long long)cid, psz, ring->payload_size);
		uring_reject(q, ent);
		return;
	}
	uring_ent_claim(ent, in);
	atomic_store(&ent->state, URING_ENT_HANDLER);
	view.in = in;
	if (in->len == sizeof(*in) + psz) {
		/*
		 * The kernel put nothing in op_in: it only does so for an opcode's first argument,
		 * and some requests send that one empty and everything in the payload, fixed
		 * struct included (NOTIFY_REPLY: fuse_notify_retrieve_in, then the data). The
		 * payload then holds exactly what /dev/fuse would have after the header, so it is
		 * presented that way. (op_in still holds a previous request's bytes.)
		 */
		view.arg = ent->payload;
		view.arg_len = psz;
		view.payload = NULL;
		view.payload_len = 0;
	} else {
		view.arg = ent->hdr->op_in;
		view.arg_len = FUSE__URING_OP_IN_OUT_SZ;
		view.payload = ent->payload;
		view.payload_len = psz;
	}
	fuse__dispatch(&ent->req, &view);
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

/* ---- scheduling policy of the queue threads ---- */

/*
 * Why a queue thread runs as SCHED_IDLE while its CPU has room. The kernel puts a request on
 * the queue of the CPU its caller runs on, so caller and queue thread share that CPU. When the
 * reply wakes the caller, the thread is still running there, and the scheduler prefers an idle
 * CPU: a caller with one request at a time hops between CPUs, every hop waking a halted vCPU
 * (measured on an idle 2-vCPU VM, 4k reads: 0.6 caller migrations per request, 24-29k IOPS).
 * A CPU whose only runnable task is SCHED_IDLE counts as idle for that choice, so the caller
 * stays, preempts the thread at once, and the two take turns on one CPU (70k IOPS).
 * SCHED_IDLE loses every contest for the CPU, though: next to a busy task the thread starves
 * (69 IOPS measured). So the thread watches its run delay (runnable but not running, from
 * /proc/thread-self/schedstat) over epochs of at least 10 ms: above 85% of an epoch it goes
 * back to SCHED_OTHER, and it tries SCHED_IDLE again only after a second in which the delay
 * stayed below 20%. Taking turns with the caller sits near 50%. Never used when the thread
 * could not switch back (unprivileged without RLIMIT_NICE) or RINGFUSE_RING_SCHED_IDLE=0.
 */
#define URING_POL_EPOCH_NS (10 * 1000 * 1000ULL)
#define URING_POL_RETRY_NS (1000 * 1000 * 1000ULL)
#define URING_POL_HIGH_PCT 85
#define URING_POL_LOW_PCT 20

struct uring_pol {
	int fd;                 /* /proc/thread-self/schedstat, -1: policy switching is off */
	bool idle;              /* the thread runs SCHED_IDLE now */
	uint64_t epoch_start;   /* CLOCK_MONOTONIC ns */
	uint64_t delay_start;   /* run delay ns at epoch_start */
	uint64_t normal_since;  /* when the thread last went back to SCHED_OTHER */
};

static uint64_t uring_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int uring_run_delay(int fd, uint64_t *delay)
{
	unsigned long long run, wait;
	char buf[96];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return -EIO;
	*delay = wait;
	return 0;
}

static int uring_set_idle(bool idle)
{
	struct sched_param sp = { .sched_priority = 0 };

	/* pid 0: the calling thread, not the process */
	if (sched_setscheduler(0, idle ? SCHED_IDLE : SCHED_OTHER, &sp) < 0)
		return -errno;
	return 0;
}

/*
 * CAP_SYS_NICE in the effective set. Root in a container may lack it, so euid 0 proves
 * nothing; without libcap the bitmask in /proc is the way to ask.
 */
static bool uring_has_cap_sys_nice(void)
{
	unsigned long long caps = 0;
	bool found = false;
	char line[128];
	FILE *f = fopen("/proc/thread-self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			found = true;
			break;
		}
	(void)fclose(f);
	return found && (caps & (1ULL << 23)); /* CAP_SYS_NICE */
}

/* Leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE that covers the thread's nice. */
static bool uring_can_leave_idle(void)
{
	struct rlimit rl;
	int nice;

	if (uring_has_cap_sys_nice())
		return true;
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (errno || getrlimit(RLIMIT_NICE, &rl) < 0)
		return false;
	return rl.rlim_cur == RLIM_INFINITY || (rlim_t)(20 - nice) <= rl.rlim_cur;
}

static void uring_pol_init(struct uring_queue *q, struct uring_pol *pol)
{
	const char *v = getenv("RINGFUSE_RING_SCHED_IDLE");
	int policy = sched_getscheduler(0);

	pol->fd = -1;
	pol->idle = false;
	/* Only a plain SCHED_OTHER thread of ours; a real-time or batch setup is the user's. */
	if ((v && strcmp(v, "0") == 0) || policy != SCHED_OTHER || !uring_can_leave_idle())
		return;
	pol->fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (pol->fd < 0)
		return;
	pol->epoch_start = uring_now_ns();
	if (uring_run_delay(pol->fd, &pol->delay_start) < 0 || uring_set_idle(true) < 0) {
		close(pol->fd);
		pol->fd = -1;
		return;
	}
	pol->idle = true;
	if (q->ring->se->debug)
		fuse_log(FUSE_LOG_DEBUG, "fuse: ring queue %u: SCHED_IDLE while the CPU has room\n",
			 q->qid);
}

static void uring_pol_check(struct uring_queue *q, struct uring_pol *pol)
{
	uint64_t now, delay, pct;
	int err;

	if (pol->fd < 0)
		return;
	now = uring_now_ns();
	if (now - pol->epoch_start < URING_POL_EPOCH_NS)
		return;
	if (uring_run_delay(pol->fd, &delay) < 0)
		return;
	pct = (delay - pol->delay_start) * 100 / (now - pol->epoch_start);
	pol->epoch_start = now;
	pol->delay_start = delay;
	if (pol->idle && pct > URING_POL_HIGH_PCT) {
		err = uring_set_idle(false);
		if (err < 0) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: ring queue %u: cannot leave SCHED_IDLE: %s\n", q->qid,
				 strerror(-err));
			close(pol->fd);
			pol->fd = -1;
			return;
		}
		pol->idle = false;
		pol->normal_since = now;
	} else if (!pol->idle && pct >= URING_POL_LOW_PCT) {
		pol->normal_since = now; /* still contended: the second starts again */
	} else if (!pol->idle && now - pol->normal_since >= URING_POL_RETRY_NS) {
		if (uring_set_idle(true) == 0)
			pol->idle = true;
	}
}

static void uring_pol_fini(struct uring_pol *pol)
{
	if (pol->fd < 0)
		return;
	if (pol->idle)
		(void)uring_set_idle(false);
	close(pol->fd);
	pol->fd = -1;
}

static void uring_queue_run(struct uring_queue *q)
{
	struct fuse_session *se = q->ring->se;
	struct io_uring_cqe *cqe;
	struct uring_pol pol;
	unsigned int i, head, n;
	int ret;

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
		/* Every commit of the last batch goes out here, in one system call. */
		ret = io_uring_submit_and_wait(&q->uring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY && ret != -ETIME) {
			fuse_log(FUSE_LOG_ERR, "fuse: ring queue %u: io_uring_submit_and_wait: %s\n",
				 q->qid, strerror(-ret));
			fuse__session_exit(se, ret);
			break;
		}
		n = 0;
		io_uring_for_each_cqe(&q->uring, head, cqe) {
			uring_cqe(q, cqe);
			n++;
		}
		io_uring_cq_advance(&q->uring, n);
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
	(void)io_uring_submit(&q->uring);
	uring_pol_fini(&pol);
}

/* ---- queue setup and threads ---- */

static int uring_ring_init(struct uring_queue *q)
{
	/* Most wanted first; a kernel that does not know a flag answers -EINVAL. DEFER_TASKRUN
	 * runs the kernel's request delivery when this thread waits anyway, instead of
	 * interrupting it; SUBMIT_ALL keeps one bad commit from stalling the rest of a batch. */
	static const unsigned int probe[] = {
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	unsigned int sq = q->ring->depth + 2;
	struct io_uring_params p;
	size_t i;
	int ret = -EINVAL;

	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		memset(&p, 0, sizeof(p));
		/* Each entry and doorbell has at most one operation in flight, so a CQ twice the
		 * SQ cannot overflow. Depths beyond the kernel's ring limits are clamped: the SQ
		 * then fills before a batch ends and uring_get_sqe flushes it, and a CQ overflow is
		 * held back by the kernel (IORING_FEAT_NODROP), not lost. */
		p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | probe[i];
		p.cq_entries = 2 * sq;
		ret = io_uring_queue_init_params(sq, &q->uring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0) {
		snprintf(q->setup_why, sizeof(q->setup_why), "io_uring_queue_init failed: %s",
			 strerror(-ret));
		return ret;
	}
	q->uring_ok = true;
	if (q->qid == 0)
		q->ring->ring_flags = p.flags;
	ret = io_uring_register_files(&q->uring, &q->ring->se->fd, 1);
	if (ret < 0) {
		snprintf(q->setup_why, sizeof(q->setup_why),
			 "registering /dev/fuse with io_uring failed: %s", strerror(-ret));
		return ret;
	}
	/* Saves a file lookup per io_uring_enter; optional. */
	(void)io_uring_register_ring_fd(&q->uring);
	return 0;
}

static int uring_queue_setup(struct uring_queue *q)
{
	struct fuse__uring *ring = q->ring;
	size_t stride = ring->hdr_size + ring->payload_size;
	unsigned int i;
	int err;

	err = uring_mem_alloc(q);
	if (err)
		return err;
	for (i = 0; i < ring->depth; i++) {
		struct uring_ent *ent = &q->ents[i];

		ent->hdr = (struct fuse__uring_req_header *)(q->mem + i * stride);
		ent->payload = q->mem + i * stride + ring->hdr_size;
		ent->reg_iov[0].iov_base = ent->hdr;
		ent->reg_iov[0].iov_len = ring->hdr_size;
		ent->reg_iov[1].iov_base = ent->payload;
		ent->reg_iov[1].iov_len = ring->payload_size;
	}
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		err = -errno;
		snprintf(q->setup_why, sizeof(q->setup_why), "eventfd failed: %s", strerror(-err));
		return err;
	}
	return uring_ring_init(q);
}

static void uring_pin(struct uring_queue *q)
{
	cpu_set_t set;
	int err;

	if (!q->pin) {
		if (q->ring->se->debug)
			fuse_log(FUSE_LOG_DEBUG,
				 "fuse: ring queue %u: CPU %u is not in the allowed set; thread not pinned\n",
				 q->qid, q->qid);
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(q->qid, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err && q->ring->se->debug)
		fuse_log(FUSE_LOG_DEBUG, "fuse: ring queue %u: pinning to CPU %u failed: %s\n",
			 q->qid, q->qid, strerror(err));
}

static void *uring_thread(void *arg)
{
	struct uring_queue *q = arg;
	struct fuse__uring *ring = q->ring;
	enum uring_phase phase;
	char name[16];
	int err;

	uring_self = q;
	snprintf(name, sizeof(name), "fuse-ring-%u", q->qid);
	(void)pthread_setname_np(pthread_self(), name);
	/* Pinned before anything is allocated, so first touches land on the queue's node. */
	uring_pin(q);
	/* The ring is created here, not by the starter: with SINGLE_ISSUER the creating task
	 * is the only one allowed to submit. */
	err = uring_queue_setup(q);

	pthread_mutex_lock(&ring->lock);
	q->setup_err = err;
	ring->setup_done++;
	pthread_cond_broadcast(&ring->cond);
	while (ring->phase == URING_PHASE_SETUP)
		pthread_cond_wait(&ring->cond, &ring->lock);
	phase = ring->phase;
	pthread_mutex_unlock(&ring->lock);

	if (err == 0 && phase == URING_PHASE_GO)
		uring_queue_run(q);
	else {
		pthread_mutex_lock(&q->lock);
		q->accepting = false;
		pthread_mutex_unlock(&q->lock);
	}
	/* Closing the ring cancels the commands still parked in the kernel. The buffers stay
	 * until stop frees them: handlers on other threads may still be writing replies. */
	if (q->uring_ok) {
		io_uring_queue_exit(&q->uring);
		q->uring_ok = false;
	}
	atomic_store(&q->thread_done, true);
	return NULL;
}

static void uring_free(struct fuse__uring *ring)
{
	unsigned int i, j;

	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];

		if (q->ents) {
			for (j = 0; j < ring->depth; j++)
				fuse__req_fini(&q->ents[j].req);
			free(q->ents);
		}
		uring_mem_free(q);
		if (q->efd >= 0)
			close(q->efd);
		pthread_mutex_destroy(&q->lock);
	}
	pthread_cond_destroy(&ring->cond);
	pthread_mutex_destroy(&ring->lock);
	free(ring);
}

static size_t uring_payload_size(struct fuse_session *se)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;
	size_t size = FUSE_MIN_READ_BUFFER;

	/* What the kernel requires of iov[1]: max(8192, max_write, max_pages * page size). */
	if (se->conn.max_write > size)
		size = se->conn.max_write;
	if ((size_t)se->max_pages * ps > size)
		size = (size_t)se->max_pages * ps;
	return (size + ps - 1) / ps * ps;
}

static struct fuse__uring *uring_alloc(struct fuse_session *se, unsigned int nq,
				       unsigned int depth)
{
	struct fuse__uring *ring;
	long page = sysconf(_SC_PAGESIZE);
	cpu_set_t allowed;
	bool have_allowed;
	unsigned int i, j;

	ring = calloc(1, sizeof(*ring) + nq * sizeof(ring->q[0]));
	if (!ring)
		return NULL;
	ring->se = se;
	ring->nq = nq;
	ring->depth = depth;
	ring->hdr_size = page > 0 && (size_t)page >= sizeof(struct fuse__uring_req_header) ?
				 (size_t)page : 4096;
	ring->payload_size = uring_payload_size(se);
	ring->memory = (size_t)nq * depth * (ring->hdr_size + ring->payload_size);
	ring->phase = URING_PHASE_SETUP;
	pthread_mutex_init(&ring->lock, NULL);
	pthread_cond_init(&ring->cond, NULL);
	have_allowed = sched_getaffinity(0, sizeof(allowed), &allowed) == 0;

	for (i = 0; i < nq; i++) {
		struct uring_queue *q = &ring->q[i];

		q->ring = ring;
		q->qid = i;
		q->efd = -1;
		q->node = -1;
		pthread_mutex_init(&q->lock, NULL);
		q->pin = have_allowed && i < CPU_SETSIZE && CPU_ISSET(i, &allowed);
#ifdef HAVE_NUMA
		if (numa_available() >= 0)
			q->node = numa_node_of_cpu((int)i);
#endif
		q->ents = calloc(depth, sizeof(q->ents[0]));
		if (!q->ents) {
			ring->nq = i + 1;
			uring_free(ring);
			return NULL;
		}
		for (j = 0; j < depth; j++) {
			struct uring_ent *ent = &q->ents[j];

			fuse__req_init(&ent->req, se);
			ent->req.tp = &uring_ops;
			ent->req.tp_data = ent;
			ent->req.embedded = true;
			ent->q = q;
			atomic_init(&ent->state, URING_ENT_IDLE);
			atomic_init(&ent->busy, false);
		}
	}
	return ring;
}

/* Tell the threads to leave and join them; false if one of them did not come back. */
static bool uring_join(struct fuse__uring *ring)
{
	struct timespec deadline;
	unsigned int i;
	uint64_t one = 1;
	bool all = true;
	ssize_t n;

	atomic_store(&ring->stopping, true);
	pthread_mutex_lock(&ring->lock);
	ring->phase = URING_PHASE_STOP;
	pthread_cond_broadcast(&ring->cond);
	pthread_mutex_unlock(&ring->lock);
	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];

		pthread_mutex_lock(&q->lock);
		if (q->efd >= 0) {
			n = write(q->efd, &one, sizeof(one));
			(void)n; /* a full counter is readable too */
		}
		pthread_mutex_unlock(&q->lock);
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += URING_JOIN_TIMEOUT_S;
	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];
		int err;

		if (!q->thread_created)
			continue;
		err = pthread_timedjoin_np(q->tid, NULL, &deadline);
		if (err) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: ring thread fuse-ring-%u did not stop within %d s (%s); its memory is left in place\n",
				 q->qid, URING_JOIN_TIMEOUT_S, strerror(err));
			all = false;
			continue;
		}
		q->thread_created = false;
	}
	return all;
}

/* Handlers on other threads may still hold entries; wait a while for their replies. */
static bool uring_wait_held(struct fuse__uring *ring)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned int waited = 0, i, j, held;

	for (;;) {
		held = 0;
		for (i = 0; i < ring->nq; i++)
			for (j = 0; j < ring->depth; j++) {
				int st = atomic_load(&ring->q[i].ents[j].state);

				if (st == URING_ENT_HANDLER || st == URING_ENT_FILLING)
					held++;
			}
		if (!held)
			break;
		if (waited >= URING_HELD_TIMEOUT_MS) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: %u ring requests still unanswered %d ms after the session ended; their memory is left in place\n",
				 held, URING_HELD_TIMEOUT_MS);
			return false;
		}
		(void)nanosleep(&ts, NULL);
		waited += 10;
	}
	/* A replier that just moved an entry out of FILLING may still hold the queue lock. */
	for (i = 0; i < ring->nq; i++) {
		pthread_mutex_lock(&ring->q[i].lock);
		pthread_mutex_unlock(&ring->q[i].lock);
	}
	return true;
}

int fuse__uring_start(struct fuse_session *se)
{
	struct fuse__uring_cfg *cfg = &se->uring_cfg;
	struct fuse__uring *ring;
	sigset_t all, old;
	unsigned int nq, depth, i;
	int err = 0;

	if (se->ring)
		return -EALREADY;
	if (se->io || se->fd < 0) {
		snprintf(cfg->why_not, sizeof(cfg->why_not),
			 "the ring needs the session's own /dev/fuse descriptor (custom io in use)");
		return -EOPNOTSUPP;
	}
	depth = cfg->q_depth ? cfg->q_depth : 8;
	if (depth > URING_DEPTH_MAX) {
		snprintf(cfg->why_not, sizeof(cfg->why_not), "queue depth %u is above %d", depth,
			 URING_DEPTH_MAX);
		return -EINVAL;
	}
	nq = uring_possible_cpus();
	if (nq > UINT16_MAX) {
		snprintf(cfg->why_not, sizeof(cfg->why_not), "%u CPUs do not fit a 16-bit queue id", nq);
		return -EINVAL;
	}
	ring = uring_alloc(se, nq, depth);
	if (!ring) {
		snprintf(cfg->why_not, sizeof(cfg->why_not),
			 "allocating the ring's %u queues failed: %s", nq, strerror(ENOMEM));
		return -ENOMEM;
	}

	/* Signals belong to the threads that installed handlers, never to a ring thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nq; i++) {
		err = pthread_create(&ring->q[i].tid, NULL, uring_thread, &ring->q[i]);
		if (err) {
			snprintf(cfg->why_not, sizeof(cfg->why_not),
				 "creating ring thread %u failed: %s", i, strerror(err));
			err = -err;
			break;
		}
		ring->q[i].thread_created = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&ring->lock);
	while (ring->setup_done < i)
		pthread_cond_wait(&ring->cond, &ring->lock);
	for (i = 0; i < nq && !err; i++) {
		if (ring->q[i].setup_err) {
			err = ring->q[i].setup_err;
			snprintf(cfg->why_not, sizeof(cfg->why_not), "%s",
				 ring->q[i].setup_why[0] ? ring->q[i].setup_why : strerror(-err));
		}
	}
	pthread_mutex_unlock(&ring->lock);

	if (err) {
		if (uring_join(ring))
			uring_free(ring);
		return err;
	}
	se->ring = ring;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG,
			 "fuse: io_uring: %u queues x depth %u, payload %zu bytes, header %zu bytes, ring memory %zu bytes (setup flags 0x%x)\n",
			 nq, depth, ring->payload_size, ring->hdr_size, ring->memory,
			 ring->ring_flags);
	return 0;
}

void fuse__uring_init_replied(struct fuse_session *se)
{
	struct fuse__uring *ring = se->ring;

	if (!ring)
		return;
	pthread_mutex_lock(&ring->lock);
	if (ring->phase == URING_PHASE_SETUP)
		ring->phase = URING_PHASE_GO;
	pthread_cond_broadcast(&ring->cond);
	pthread_mutex_unlock(&ring->lock);
}

void fuse__uring_stop(struct fuse_session *se)
{
	struct fuse__uring *ring = se->ring;
	bool joined;

	if (!ring)
		return;
	joined = uring_join(ring);
	se->ring = NULL;
	if (!joined || !uring_wait_held(ring))
		return; /* deliberately leaked: someone may still write into it */
	uring_free(ring);
}

void fuse__uring_wake(struct fuse_session *se)
{
	uint64_t one = 1;
	ssize_t n;

	/* Only the session's exit eventfd: it outlives the ring, so a signal handler that runs
	 * while stop frees the queues cannot touch freed memory. Every queue polls it. */
	if (se->exit_efd >= 0) {
		n = write(se->exit_efd, &one, sizeof(one));
		(void)n;
	}
}

struct fuse_req *fuse__uring_find_req(struct fuse_session *se, uint64_t unique)
{
	struct fuse__uring *ring = se->ring;
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

void fuse__uring_stats_print(struct fuse_session *se, FILE *out)
{
	struct fuse__uring *ring = se->ring;
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

static int uring_count_queues(struct fuse_session *se)
{
	return se->ring ? (int)se->ring->nq : 0;
}

static int uring_read_stats(struct fuse_session *se, unsigned int qid,
			    struct ringfuse_queue_stats *stats)
{
	struct fuse__uring *ring = se->ring;
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

#else /* !HAVE_URING */

int fuse__uring_start(struct fuse_session *se)
{
	snprintf(se->uring_cfg.why_not, sizeof(se->uring_cfg.why_not),
		 "ringfuse was built without liburing");
	return -EOPNOTSUPP;
}

void fuse__uring_init_replied(struct fuse_session *se)
{
	(void)se;
}

void fuse__uring_stop(struct fuse_session *se)
{
	(void)se;
}

void fuse__uring_wake(struct fuse_session *se)
{
	(void)se;
}

struct fuse_req *fuse__uring_find_req(struct fuse_session *se, uint64_t unique)
{
	(void)se;
	(void)unique;
	return NULL;
}

void fuse__uring_stats_print(struct fuse_session *se, FILE *out)
{
	(void)se;
	(void)out;
}

static int uring_count_queues(struct fuse_session *se)
{
	(void)se;
	return 0;
}

static int uring_read_stats(struct fuse_session *se, unsigned int qid,
			    struct ringfuse_queue_stats *stats)
{
	(void)se;
	(void)qid;
	(void)stats;
	return -EINVAL;
}

#endif /* HAVE_URING */

FUSE_EXPORT bool ringfuse_uring_active(struct fuse_session *se, const char **why_not)
{
	bool active;

	if (why_not)
		*why_not = NULL;
	if (!se)
		return false;
	active = se->uring_cfg.active && uring_count_queues(se) > 0;
	if (!active && why_not && se->uring_cfg.enable && se->uring_cfg.why_not[0])
		*why_not = se->uring_cfg.why_not;
	return active;
}

FUSE_EXPORT int ringfuse_uring_queue_count(struct fuse_session *se)
{
	if (!se || !se->uring_cfg.active)
		return 0;
	return uring_count_queues(se);
}

FUSE_EXPORT int ringfuse_uring_queue_stats(struct fuse_session *se, unsigned int qid,
					   struct ringfuse_queue_stats *stats)
{
	if (!se || !stats)
		return -EINVAL;
	return uring_read_stats(se, qid, stats);
}
