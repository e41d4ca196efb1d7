/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who runs a request that arrived over the ring: the queue thread that reaped it, or a worker.
 *
 * Running the handler on the queue thread is what makes the ring fast with one request at a
 * time: no hand-off, no wake-up, and the reply's commit leaves with the next
 * submit-and-wait. But only the queue thread can reap its queue (the io_uring is
 * SINGLE_ISSUER|DEFER_TASKRUN, and the kernel delivers an entry's next request as task work
 * of the thread that committed it), so while a handler blocks there, every other request of
 * that queue waits. /dev/fuse's pool runs up to max_threads handlers at once; a ring that
 * runs them all inline runs one per CPU.
 *
 * So, at the end of each round (the completions of one submit-and-wait), the queue thread
 * looks at the requests that arrived and, in a multi-threaded loop:
 *   - runs a request inline only if handlers of its opcode ran `need` times in a row on
 *     workers without sleeping (no voluntary context switch), and only as many as fit in a round's inline budget
 *     (URING_BUDGET_NS, predicted from recent inline handler times): a request queued behind
 *     fast inline handlers waits less than a worker's wake-up costs;
 *   - hands the others to the ring's worker pool first, so they start at once, then runs
 *     the inline ones; when an inline handler turns out slow (URING_SLOW_NS), the rest of the
 *     round goes to workers and the opcode goes back to workers to be checked again;
 *   - `need` starts at URING_NEED_START and doubles with every handler of the opcode that
 *     slept on a worker, so a filesystem that blocks now and then converges on workers.
 *     Sleeping, not wall time, is the test: a handler that waits 20 us for another request
 *     is caught although it is short, and one that was merely preempted on a busy machine
 *     is not taken for blocking;
 *   - an opcode that a worker saw block stops running inline at the next round.
 * Unknown opcodes start on workers (the safe side), and SETLKW never runs inline: it waits
 * for another process's unlock, which may arrive on the same queue. What remains: a handler
 * of an opcode that was fast and never slept many times, which then waits for another
 * request that arrives on the same queue, holds that queue until it returns. Filesystems
 * whose handlers wait for each other ask for RINGFUSE_URING_WORKERS.
 *
 * The pool is one per ring, bounded by the loop config's max_threads; idle workers beyond
 * max_idle_threads leave after their request, as in the /dev/fuse pool. A worker's reply
 * goes back through its entry's queue (the pending list, which rings the queue's eventfd
 * only when it was empty, so a burst of replies costs one write).
 *
 * `-s`, fuse_session_loop() and max_threads=1 (se->serial), and RINGFUSE_URING_INLINE, run
 * every handler inline in arrival order, as before workers existed.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"
#include "loop_config_i.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* A handler that runs longer than this has blocked (or computes as long as a wake-up). */
#define URING_SLOW_NS (100 * 1000ULL)
/*
 * Inline handler time per round beyond which the round's further requests go to workers
 * (RINGFUSE_RING_INLINE_BUDGET_US overrides it, for measurements).
 */
#define URING_BUDGET_NS (200 * 1000ULL)
/*
 * Fast handlers in a row (on workers, without sleeping) before an opcode runs inline; doubled
 * for each one that slept. Small, because the way back from a false alarm costs a hand-off
 * per step: on a busy machine an inline handler is often preempted past URING_SLOW_NS, and
 * with 32 steps 20-58% of tmpfs 4k reads went through workers next to two CPU-bound
 * processes; with 4, 0.3%. A handler that really blocks sleeps on its first worker run.
 */
#define URING_NEED_START 4U
#define URING_NEED_SHIFT_MAX 15
#define URING_EWMA_START_NS (10 * 1000ULL)
/* How long stop waits for workers whose handlers still run. */
#define URING_WORKER_JOIN_S 10

static uint64_t uring_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct uring_op_learn *uring_learn_of(struct uring_queue *q, uint32_t opcode)
{
	return &q->learn[opcode < URING_LEARN_OPS ? opcode : URING_LEARN_OPS - 1];
}

void uring_learn_init(struct uring_queue *q)
{
	unsigned int i;

	for (i = 0; i < URING_LEARN_OPS; i++) {
		atomic_init(&q->learn[i].fast, 0);
		atomic_init(&q->learn[i].slow, 0);
		atomic_init(&q->learn[i].slow_seen, false);
		q->learn[i].never = false;
		q->learn[i].inline_ok = false;
	}
	/* Waits for another request (an unlock) by design. */
	q->learn[FUSE_SETLKW].never = true;
	/* Unknown opcodes and CUSE_INIT share the last slot: never inline. */
	q->learn[URING_LEARN_OPS - 1].never = true;
	q->inline_ewma_ns = URING_EWMA_START_NS;
}

static void uring_running_inc(struct uring_queue *q)
{
	uint64_t now = atomic_fetch_add(&q->running, 1) + 1;
	uint64_t seen = atomic_load_explicit(&q->stats.max_running, memory_order_relaxed);

	while (now > seen && !atomic_compare_exchange_weak(&q->stats.max_running, &seen, now))
		;
}

/* A worker ran a handler of this opcode; slept: it blocked. */
static void uring_learn_record(struct uring_op_learn *l, bool slept)
{
	if (!slept) {
		atomic_fetch_add_explicit(&l->fast, 1, memory_order_relaxed);
		return;
	}
	atomic_store(&l->fast, 0);
	atomic_fetch_add_explicit(&l->slow, 1, memory_order_relaxed);
	atomic_store(&l->slow_seen, true);
}

static uint32_t uring_learn_need(struct uring_op_learn *l)
{
	uint32_t slow = atomic_load_explicit(&l->slow, memory_order_relaxed);

	return URING_NEED_START << (slow < URING_NEED_SHIFT_MAX ? slow : URING_NEED_SHIFT_MAX);
}

/* Queue thread: may a request of this opcode run inline now? */
static bool uring_learn_inline(struct uring_op_learn *l)
{
	if (l->inline_ok) {
		if (atomic_exchange(&l->slow_seen, false))
			l->inline_ok = false;
		return l->inline_ok;
	}
	if (l->never)
		return false;
	/* Cleared first: a slow handler after this read sets it again and demotes next round. */
	atomic_store(&l->slow_seen, false);
	if (atomic_load_explicit(&l->fast, memory_order_relaxed) >= uring_learn_need(l))
		l->inline_ok = true;
	return l->inline_ok;
}

/* Voluntary context switches of the calling thread so far: a handler that slept blocked. */
static long uring_nvcsw(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return -1;
	return ru.ru_nvcsw;
}

/*
 * A worker's count of voluntary context switches taken when its handler's reply was about to
 * take the queue's lock (uring_worker_note_reply), -1 before that. The handler is judged by
 * what it slept before replying: a wait for that lock, which busy machines make common, is
 * the cost of carrying the reply back, not the handler blocking. Counting it made every
 * opcode look blocking on a busy machine (next to two CPU-bound processes, 58% of tmpfs 4k
 * reads were handed off and the ring fell to 0.16x of /dev/fuse).
 */
static __thread long uring_worker_reply_csw = -1;
static __thread bool uring_on_worker;

void uring_worker_note_reply(void)
{
	if (uring_on_worker && uring_worker_reply_csw < 0)
		uring_worker_reply_csw = uring_nvcsw();
}

/* ---- the worker pool ---- */

static void *uring_worker_main(void *arg);

/* Join workers that have left. Called without pool.lock. */
static void uring_pool_join(struct uring_worker *list)
{
	struct uring_worker *w;

	while ((w = list)) {
		list = w->next;
		(void)pthread_join(w->tid, NULL);
		free(w);
	}
}

/* Called with pool.lock held, by a queue thread (whose signals are all blocked, which the
 * worker inherits: signals belong to the threads that installed handlers). */
static int uring_worker_start(struct fuse__uring *ring, struct uring_queue *q)
{
	struct uring_pool *p = &ring->pool;
	struct uring_worker *w;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ring = ring;
	err = pthread_create(&w->tid, p->attr_ok ? &p->attr : NULL, uring_worker_main, w);
	if (err == EPERM && p->attr_ok) {
		/* Not allowed to leave SCHED_IDLE after all: inherit instead. */
		p->attr_ok = false;
		err = pthread_create(&w->tid, NULL, uring_worker_main, w);
	}
	if (err) {
		free(w);
		return -err;
	}
	p->nthreads++;
	p->nidle++;
	uring_count(&q->stats.workers_started, 1);
	return 0;
}

/*
 * Queue thread: give the n entries chained from head (by work_next) to workers, with one
 * acquisition of the pool's lock for the whole round. Fails only when there is no worker at
 * all. Idle workers are woken after the lock is dropped, one per entry: woken under it, each
 * would at once block on the lock that its waker still holds (4k writes at QD32 pushed
 * through workers: 15% of the daemon's context switches were workers waiting for pool.lock
 * right after their wake-up).
 */
static int uring_pool_push(struct uring_queue *q, struct uring_ent *head, struct uring_ent *tail,
			   unsigned int n)
{
	struct uring_pool *p = &q->ring->pool;
	struct uring_worker *done;
	unsigned int wake;
	int err = 0;

	pthread_mutex_lock(&p->lock);
	if (p->stop) {
		pthread_mutex_unlock(&p->lock);
		return -ESHUTDOWN;
	}
	while (p->queued + n > p->nidle && p->nthreads < p->max_threads) {
		err = uring_worker_start(q->ring, q);
		if (err) {
			if (!p->start_failed_logged) {
				p->start_failed_logged = true;
				fuse_log(FUSE_LOG_ERR, "fuse: ring queue %u: starting a worker failed: %s\n",
					 q->qid, strerror(-err));
			}
			break;
		}
	}
	if (p->nthreads == 0) {
		pthread_mutex_unlock(&p->lock);
		return err ? err : -EAGAIN;
	}
	tail->work_next = NULL;
	if (p->tail)
		p->tail->work_next = head;
	else
		p->head = head;
	p->tail = tail;
	p->queued += n;
	wake = n < p->nidle ? n : p->nidle;
	done = p->finished;
	p->finished = NULL;
	pthread_mutex_unlock(&p->lock);
	while (wake--)
		pthread_cond_signal(&p->work);
	uring_count(&q->stats.handed_off, n);
	/* Idle workers that left after max_idle_threads were exceeded: they are exiting. */
	uring_pool_join(done);
	return 0;
}

static void *uring_worker_main(void *arg)
{
	struct uring_worker *w = arg;
	struct fuse__uring *ring = w->ring;
	struct uring_pool *p = &ring->pool;
	struct uring_queue *q;
	struct uring_op_learn *l;
	struct uring_ent *ent;
	long csw, after;

	(void)pthread_setname_np(pthread_self(), "fuse-rworker");
	uring_on_worker = true;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		ent = p->head;
		p->head = ent->work_next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->nidle--;
		pthread_mutex_unlock(&p->lock);

		/* Read before the handler: once it replied, the entry may carry the next request. */
		q = ent->q;
		l = uring_learn_of(q, ent->req.opcode);
		uring_running_inc(q);
		uring_worker_reply_csw = -1;
		csw = uring_nvcsw();
		fuse__dispatch(&ent->req, &ent->view);
		atomic_fetch_sub(&q->running, 1);
		after = uring_worker_reply_csw >= 0 ? uring_worker_reply_csw : uring_nvcsw();
		/*
		 * Slept (waited for I/O, a lock, another request): that would have held the queue
		 * thread. Wall time alone says little here: on a busy machine a worker is often
		 * preempted, and a handler that only computes would not have blocked the queue
		 * for longer than it keeps a CPU busy anyway. A worker can afford the two system
		 * calls that tell the difference; the queue thread's fast path cannot.
		 */
		uring_learn_record(l, csw < 0 || after != csw);

		pthread_mutex_lock(&p->lock);
		p->nidle++;
		if (p->max_idle != FUSE__LOOP_IDLE_UNSET && p->nidle > p->max_idle &&
		    p->nthreads > 1 && !p->head) {
			atomic_fetch_add_explicit(&q->stats.workers_reaped, 1, memory_order_relaxed);
			break;
		}
	}
	p->nthreads--;
	p->nidle--;
	w->next = p->finished;
	p->finished = w;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int uring_pool_init(struct fuse__uring *ring)
{
	struct fuse_session *se = ring->se;
	struct uring_pool *p = &ring->pool;
	unsigned int max = atomic_load(&se->loop_max_threads), i;
	const char *budget;

	p->max_threads = max ? max : FUSE__LOOP_DEFAULT_MAX_THREADS;
	p->max_idle = max ? atomic_load(&se->loop_max_idle) : FUSE__LOOP_IDLE_UNSET;
	ring->dispatch = uring_tp(se)->cfg.dispatch;
	ring->inline_budget_ns = URING_BUDGET_NS;
	budget = getenv("RINGFUSE_RING_INLINE_BUDGET_US");
	if (budget && *budget) {
		char *end;
		unsigned long us;

		errno = 0;
		us = strtoul(budget, &end, 10);
		if (!errno && !*end && us <= 1000000)
			ring->inline_budget_ns = us * 1000ULL;
	}
	if (atomic_load(&se->serial))
		ring->dispatch = RINGFUSE_URING_INLINE;
	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];

		q->ready = calloc(ring->depth, sizeof(q->ready[0]));
		q->learn = calloc(URING_LEARN_OPS, sizeof(q->learn[0]));
		if (!q->ready || !q->learn)
			return -ENOMEM;
		uring_learn_init(q);
	}
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		return -ENOMEM;
	if (pthread_cond_init(&p->work, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		return -ENOMEM;
	}
	if (pthread_cond_init(&p->changed, NULL) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->lock);
		return -ENOMEM;
	}
	/*
	 * Workers are started by queue threads, which may be SCHED_IDLE at that moment
	 * (fuse_uring_sched.c); a handler must not inherit that, or it starves next to any busy
	 * process. They get the policy of the thread that started the ring (a loop thread).
	 */
	if (pthread_attr_init(&p->attr) == 0) {
		struct sched_param sp;
		int policy = sched_getscheduler(0);

		p->attr_ok = policy >= 0 && sched_getparam(0, &sp) == 0 &&
			     pthread_attr_setinheritsched(&p->attr, PTHREAD_EXPLICIT_SCHED) == 0 &&
			     pthread_attr_setschedpolicy(&p->attr, policy) == 0 &&
			     pthread_attr_setschedparam(&p->attr, &sp) == 0;
		if (!p->attr_ok)
			(void)pthread_attr_destroy(&p->attr);
	}
	p->ok = true;
	return 0;
}

bool uring_pool_stop(struct fuse__uring *ring)
{
	struct uring_pool *p = &ring->pool;
	struct uring_ent *list, *ent;
	struct uring_worker *done;
	struct timespec deadline;
	bool all;

	if (!p->ok)
		return true;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	list = p->head;
	p->head = p->tail = NULL;
	p->queued = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);

	/* Handed off but not started: no handler may start once the loop is over. The queue
	 * threads are gone, so this only returns the entries (the kernel ends the requests). */
	for (; list; list = ent) {
		ent = list->work_next;
		list->work_next = NULL;
		list->req.tp->drop(&list->req);
	}

	(void)clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += URING_WORKER_JOIN_S;
	pthread_mutex_lock(&p->lock);
	while (p->nthreads > 0)
		if (pthread_cond_timedwait(&p->changed, &p->lock, &deadline) == ETIMEDOUT)
			break;
	all = p->nthreads == 0;
	done = p->finished;
	p->finished = NULL;
	pthread_mutex_unlock(&p->lock);
	uring_pool_join(done);
	if (!all)
		fuse_log(FUSE_LOG_ERR,
			 "fuse: %u ring workers still in a handler %d s after the session ended; their memory is left in place\n",
			 p->nthreads, URING_WORKER_JOIN_S);
	return all;
}

void uring_pool_destroy(struct fuse__uring *ring)
{
	struct uring_pool *p = &ring->pool;
	unsigned int i;

	for (i = 0; i < ring->nq; i++) {
		free(ring->q[i].ready);
		free(ring->q[i].learn);
		ring->q[i].ready = NULL;
		ring->q[i].learn = NULL;
	}
	if (!p->ok)
		return;
	if (p->attr_ok)
		(void)pthread_attr_destroy(&p->attr);
	p->attr_ok = false;
	pthread_cond_destroy(&p->changed);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	p->ok = false;
}

/* ---- the decision ---- */

void uring_ready(struct uring_queue *q, struct uring_ent *ent)
{
	/* One entry is delivered once per round at most, so depth slots always suffice. */
	q->ready[q->nready++] = ent;
}

static uint64_t uring_run_inline(struct uring_queue *q, struct uring_ent *ent)
{
	uint64_t t0, ns;

	uring_count(&q->stats.inline_requests, 1);
	uring_running_inc(q);
	t0 = uring_now_ns();
	fuse__dispatch(&ent->req, &ent->view);
	ns = uring_now_ns() - t0;
	atomic_fetch_sub(&q->running, 1);
	return ns;
}

/* Hand off the chain, or run it inline when no worker can be had (the requests must still
 * be served). */
static void uring_hand_off(struct uring_queue *q, struct uring_ent *head, struct uring_ent *tail,
			   unsigned int n)
{
	struct uring_ent *ent, *next;

	if (!n || uring_pool_push(q, head, tail, n) == 0)
		return;
	for (ent = head; n--; ent = next) {
		next = ent->work_next;
		ent->work_next = NULL;
		(void)uring_run_inline(q, ent);
	}
}

void uring_run_ready(struct uring_queue *q)
{
	struct fuse__uring *ring = q->ring;
	unsigned int n = q->nready, i, ninl = 0, nout = 0;
	struct uring_ent *out = NULL, *out_tail = NULL;
	uint64_t predicted = 0, start, ns;
	bool blocked = false;

	q->nready = 0;
	if (ring->dispatch == RINGFUSE_URING_INLINE) {
		for (i = 0; i < n; i++)
			(void)uring_run_inline(q, q->ready[i]);
		return;
	}
	/* Pass 1: whatever will not run inline goes to workers now, so it starts at once. */
	for (i = 0; i < n; i++) {
		struct uring_ent *ent = q->ready[i];

		if (ring->dispatch == RINGFUSE_URING_AUTO &&
		    uring_learn_inline(uring_learn_of(q, ent->req.opcode)) &&
		    (ninl == 0 || predicted + q->inline_ewma_ns <= ring->inline_budget_ns)) {
			q->ready[ninl++] = ent;
			predicted += q->inline_ewma_ns;
		} else {
			ent->work_next = NULL;
			if (out_tail)
				out_tail->work_next = ent;
			else
				out = ent;
			out_tail = ent;
			nout++;
		}
	}
	uring_hand_off(q, out, out_tail, nout);
	/* Pass 2: the inline ones, in order, as long as they stay fast. */
	start = uring_now_ns();
	for (i = 0; i < ninl; i++) {
		struct uring_ent *ent = q->ready[i];
		struct uring_op_learn *l = uring_learn_of(q, ent->req.opcode);

		if (blocked || (i > 0 && uring_now_ns() - start > ring->inline_budget_ns)) {
			uring_hand_off(q, ent, ent, 1);
			continue;
		}
		ns = uring_run_inline(q, ent);
		if (ns >= URING_SLOW_NS) {
			/*
			 * Blocked, or only preempted: the queue thread cannot tell cheaply. The opcode
			 * goes back to workers, which can (uring_nvcsw); only a handler that slept
			 * there makes the next return to inline take longer.
			 */
			l->inline_ok = false;
			atomic_store(&l->fast, 0);
			blocked = true;
		} else {
			q->inline_ewma_ns = (q->inline_ewma_ns * 7 + ns) / 8;
		}
	}
}
