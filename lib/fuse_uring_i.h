/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the fuse_uring*.c files: the shape of the io-uring transport. A session's ring is one queue
 * per possible CPU (the kernel routes a request to the queue of the CPU its caller ran on);
 * each queue owns an io_uring, a thread (pinned to that CPU while SCHED_IDLE, free within
 * its node otherwise: fuse_uring_sched.c), and `depth` entries. An entry is
 * one request slot: a page-aligned header buffer (struct fuse__uring_req_header) followed by
 * a payload buffer, registered once with the kernel and then cycled by COMMIT_AND_FETCH, with
 * the struct fuse_req for its requests embedded so that no request ever allocates.
 *
 * Ownership of an entry moves between the kernel, the queue thread and a handler; `state`
 * says who has it. Only the queue thread touches its io_uring (liburing is not thread-safe on
 * one ring): a reply from any other thread fills the entry and hands it to the queue thread
 * through the queue's pending list and eventfd.
 */
#ifndef RINGFUSE_FUSE_URING_I_H
#define RINGFUSE_FUSE_URING_I_H

#include "fuse_i.h"

struct fuse__uring;

/* Entries per queue: io_uring_q_depth / FUSE_URING_QUEUE_DEPTH, 1 .. max. */
#define FUSE__URING_DEPTH_DEFAULT 8U
#define FUSE__URING_DEPTH_MAX 65536U

/* Ring memory bounds (bytes): what -o io_uring_max_memory / io_uring_queue_memory accept, and
 * the session's default, the smaller of this and RAM / 8 (a queue's default is its share). */
#define FUSE__URING_MEMORY_MIN (4ULL << 10)
#define FUSE__URING_MEMORY_MAX (1ULL << 40)
#define FUSE__URING_SESSION_MEMORY_DEFAULT (1ULL << 30)

/* What the user asked of the io-uring transport, and what became of it. */
struct fuse__uring_cfg {
	bool enable;            /* -o io_uring or FUSE_URING_ENABLE=1 */
	unsigned int q_depth;   /* entries per queue; -o io_uring_q_depth / FUSE_URING_QUEUE_DEPTH */
	bool depth_given;       /* q_depth was set by the user, not defaulted */
	uint64_t max_memory;    /* bytes for all queues; 0: the default (fuse_uring_opts.c) */
	uint64_t queue_memory;  /* bytes for one queue; 0: the default */
	enum ringfuse_uring_dispatch dispatch; /* -o io_uring_inline / io_uring_workers / API */
	bool active;            /* the ring carries requests */
	char why_not[160];      /* when requested but not active: the one-line reason */
};

/* fuse_uring_opts.c: the ring's switches, one grammar for -o and the environment. Each
 * returns -EINVAL with a logged reason naming the switch as the user spelled it. */
void fuse__uring_cfg_init(struct fuse__uring_cfg *cfg);
/* FUSE_URING_ENABLE, FUSE_URING_QUEUE_DEPTH, FUSE_URING_MAX_MEMORY, FUSE_URING_QUEUE_MEMORY. */
int fuse__uring_env(struct fuse__uring_cfg *cfg);
/* One "-o name=value" (io_uring_q_depth, io_uring_max_memory, io_uring_queue_memory). */
int fuse__uring_cfg_opt(struct fuse__uring_cfg *cfg, const char *arg);
void fuse__uring_opts_help(void);
/* The grammars: a depth 1..FUSE__URING_DEPTH_MAX; a size of bytes or N[K|M|G|T][iB]. */
int fuse__uring_parse_depth(const char *text, unsigned int *depth);
int fuse__uring_parse_size(const char *text, uint64_t *bytes);

/* The ring transport's state in the session's FUSE__TP_RING slot (fuse_uring_api.c). */
struct fuse__uring_tp {
	struct fuse__uring_cfg cfg;
	struct fuse__uring *ring;   /* NULL unless the ring is (being) started */
};

static inline struct fuse__uring_tp *uring_tp(struct fuse_session *se)
{
	return se->tp[FUSE__TP_RING].priv;
}

static inline struct fuse__uring *uring_of(struct fuse_session *se)
{
	struct fuse__uring_tp *t = uring_tp(se);

	return t ? t->ring : NULL;
}

#ifdef HAVE_URING
/*
 * Called by the ring's start (fuse_uring_api.c) after op.init: build the queues and start
 * their threads. On failure returns -errno and has written the reason to cfg.why_not; the
 * session then stays on /dev/fuse and the INIT reply must not carry FUSE_OVER_IO_URING.
 */
int fuse__uring_start(struct fuse_session *se);
/* Called right after the INIT reply was written: the queues may now REGISTER. */
void fuse__uring_init_replied(struct fuse_session *se);
/* Stop and join the ring threads, free the queues. Safe to call when none were started. */
void fuse__uring_stop(struct fuse_session *se);
/* INTERRUPT lookup over the ring entries; returns a referenced request or NULL. */
struct fuse_req *fuse__uring_find_req(struct fuse_session *se, uint64_t unique);
/* Print the ring's RINGFUSE_STATS lines. */
void fuse__uring_stats_print(struct fuse_session *se, FILE *out);
/* Queues of the running ring (0 when none), and one queue's counters (-EINVAL: no such queue). */
int fuse__uring_queue_count(struct fuse_session *se);
int fuse__uring_read_stats(struct fuse_session *se, unsigned int qid,
			   struct ringfuse_queue_stats *stats);
#else
/* Built without liburing: the session asks and is told no, with the reason. */
static inline int fuse__uring_start(struct fuse_session *se)
{
	snprintf(uring_tp(se)->cfg.why_not, sizeof(uring_tp(se)->cfg.why_not),
		 "ringfuse was built without liburing");
	return -EOPNOTSUPP;
}
static inline void fuse__uring_init_replied(struct fuse_session *se) { (void)se; }
static inline void fuse__uring_stop(struct fuse_session *se) { (void)se; }
static inline struct fuse_req *fuse__uring_find_req(struct fuse_session *se, uint64_t unique)
{
	(void)se;
	(void)unique;
	return NULL;
}
static inline void fuse__uring_stats_print(struct fuse_session *se, FILE *out)
{
	(void)se;
	(void)out;
}
static inline int fuse__uring_queue_count(struct fuse_session *se)
{
	(void)se;
	return 0;
}
static inline int fuse__uring_read_stats(struct fuse_session *se, unsigned int qid,
					 struct ringfuse_queue_stats *stats)
{
	(void)se;
	(void)qid;
	(void)stats;
	return -EINVAL;
}
#endif
/* ---- fuse_uring_intake.c: checking an entry the kernel filled (built with or without liburing) ---- */
enum fuse__uring_intake {
	FUSE__URING_INTAKE_OK = 0,   /* *view describes the request: dispatch it */
	FUSE__URING_INTAKE_RETIRE,   /* no commit id: the entry cannot be handed back */
	FUSE__URING_INTAKE_REJECT,   /* malformed: answer EIO under the commit id */
};
/*
 * Check the request the kernel put in an entry (hdr, and payload of payload_size bytes
 * registered) and describe it for the dispatcher. Reads nothing beyond what the checks allow.
 */
int fuse__uring_ent_view(const struct fuse__uring_req_header *hdr, char *payload,
			 size_t payload_size, struct fuse__req_view *view);

#ifdef HAVE_URING
#include <liburing.h>

enum uring_ent_state {
	/* Not in the kernel and not in use: before REGISTER, or after the kernel gave it back
	 * for good (teardown, failed REGISTER). */
	URING_ENT_IDLE,
	/* A REGISTER or COMMIT_AND_FETCH for it is in the SQ or submitted: the kernel may write
	 * the buffers. (Set when the SQE is prepared: only the queue thread submits and reaps,
	 * so nobody can tell the two apart.) */
	URING_ENT_KERNEL,
	/* A request arrived; the handler owns the entry until it calls send() or drop(). */
	URING_ENT_HANDLER,
	/* send()/drop() is writing the reply into the buffers (possibly on a foreign thread). */
	URING_ENT_FILLING,
	/* Reply complete, on the queue's pending list for the queue thread to commit. */
	URING_ENT_PENDING,
};

struct uring_queue;

struct uring_ent {
	/* The request of whatever the entry currently holds. req.lock also guards `busy`
	 * and the reuse of req for the next request (see uring_ent_claim). */
	struct fuse_req req;
	struct uring_queue *q;
	struct fuse__uring_req_header *hdr; /* page-aligned, start of the entry's memory */
	char *payload;                      /* right after the header page */
	struct iovec reg_iov[2];            /* REGISTER's argument; read by the kernel at issue */
	uint64_t commit_id;                 /* of the request in the entry (queue thread + owner) */
	_Atomic int state;                  /* enum uring_ent_state */
	atomic_bool busy;                   /* set under req.lock: req.unique is in flight */
	uint32_t last_op;                   /* the command in the kernel (queue thread only) */
	bool registered;                    /* the kernel knows it (a REGISTER succeeded once) */
	unsigned int eagain;                /* REGISTER retries after -EAGAIN */
	unsigned int reregister;            /* REGISTERs after a failed commit */
	struct uring_ent *pending_next;     /* guarded by q->lock */
	/* The request as the dispatcher sees it, kept from delivery until a handler (inline or
	 * on a worker) starts; points into hdr and payload, which stay put while HANDLER. */
	struct fuse__req_view view;
	struct uring_ent *work_next;        /* on ring->pool's FIFO, guarded by pool.lock */
};

/*
 * Counters, written by the queue thread only, except foreign_replies (any replier), and
 * max_running and workers_reaped (workers too, with atomic read-modify-writes).
 */
struct uring_stats {
	_Atomic uint64_t requests;
	_Atomic uint64_t bytes_in;
	_Atomic uint64_t bytes_out;
	_Atomic uint64_t commit_errors;
	_Atomic uint64_t foreign_replies;
	_Atomic uint64_t inline_requests;
	_Atomic uint64_t handed_off;
	_Atomic uint64_t max_running;
	_Atomic uint64_t workers_started;
	_Atomic uint64_t workers_reaped;
};

/*
 * What is known about one opcode's handlers on one queue (fuse_uring_worker.c): a request
 * runs inline only once its opcode's handlers have been fast `need` times in a row, where need
 * doubles with every handler of the opcode that was seen to block. Workers and the queue
 * thread both record; slow_seen tells the queue thread that a worker saw one block, so it
 * stops running that opcode inline before its own thread gets caught.
 */
struct uring_op_learn {
	_Atomic uint32_t fast;      /* consecutive fast handlers (any thread) */
	_Atomic uint32_t slow;      /* handlers that blocked, ever (any thread) */
	_Atomic bool slow_seen;     /* a worker's handler blocked since the queue thread looked */
	bool never;                 /* never inline (SETLKW, unknown opcodes) */
	bool inline_ok;             /* queue thread only */
};

struct uring_queue {
	struct fuse__uring *ring;
	unsigned int qid;
	int node;                   /* NUMA node of the queue's CPU, -1 unknown */
	bool pin;                   /* the CPU is in our allowed set */
	bool numa;                  /* buffers came from libnuma (free with numa_free) */
	bool have_home;             /* home is set */
	cpu_set_t home;             /* where the thread runs unpinned: its node's allowed CPUs */

	pthread_t tid;
	bool thread_created;
	atomic_bool thread_done;    /* set by the thread as its last act */

	/* Owned by the queue thread from setup to its exit (it creates and closes them). */
	struct io_uring uring;
	bool uring_ok;
	unsigned int live;          /* entries the kernel may still hand us */
	bool leave;                 /* the loop ends after this batch */
	uint64_t efd_buf;           /* target of the eventfd READ */

	int efd;                    /* doorbell: foreign replies and stop */
	struct uring_ent *ents;     /* depth entries */
	char *mem;                  /* all entries' header+payload memory */
	size_t mem_size;
	size_t ring_bytes;          /* the io_uring's SQ, CQ and SQEs (set by the queue thread) */

	pthread_mutex_t lock;       /* guards pending and accepting */
	struct uring_ent *pending;  /* foreign replies waiting for the queue thread (LIFO) */
	bool accepting;             /* the queue thread will still commit pending replies */

	int setup_err;              /* the thread's setup result (-errno), under ring->lock */
	char setup_why[128];

	/* Requests delivered in this round, waiting for the inline-or-worker decision (queue
	 * thread only; at most depth of them). */
	struct uring_ent **ready;
	unsigned int nready;
	uint64_t inline_ewma_ns;    /* recent inline handler time (queue thread only) */
	_Atomic uint32_t running;   /* this queue's handlers running now, inline or on workers */
	struct uring_op_learn *learn; /* URING_LEARN_OPS of them, one per opcode below it */

	struct uring_stats stats;
};

/* Opcodes below this are learned one by one; the rest (CUSE_INIT, unknown) share the last. */
#define URING_LEARN_OPS 64

/*
 * The worker threads of a ring (fuse_uring_worker.c): one pool for all queues, bounded by
 * the loop config's max_threads, idle workers beyond max_idle_threads leave, as in the
 * /dev/fuse pool. Queue threads append requests to one FIFO; replies go back through each
 * entry's own queue (pending list and eventfd).
 */
struct uring_worker {
	pthread_t tid;
	struct fuse__uring *ring;
	struct uring_worker *next;  /* on pool.finished once the thread is about to return */
};

struct uring_pool {
	pthread_mutex_t lock;       /* guards everything below */
	pthread_cond_t work;        /* a request was queued, or stop */
	pthread_cond_t changed;     /* a worker left (stop waits on it) */
	struct uring_ent *head, *tail; /* requests handed off and not started yet */
	unsigned int queued;
	unsigned int nthreads;      /* started and not yet finished */
	unsigned int nidle;         /* of those, waiting for work */
	unsigned int max_threads;
	unsigned int max_idle;      /* FUSE__LOOP_IDLE_UNSET: never reap */
	bool ok;                    /* lock and conds initialised */
	bool attr_ok;               /* attr holds the loop's scheduling policy */
	pthread_attr_t attr;        /* for new workers */
	bool stop;
	bool start_failed_logged;
	struct uring_worker *finished; /* to be joined */
};

enum uring_phase {
	URING_PHASE_SETUP,  /* threads build their rings and wait */
	URING_PHASE_GO,     /* INIT reply is out: REGISTER and serve */
	URING_PHASE_STOP,   /* leave (start failed, or the session ends) */
};

struct fuse__uring {
	struct fuse_session *se;
	unsigned int nq;
	unsigned int depth;
	size_t hdr_size;            /* bytes reserved for an entry's header (one page) */
	size_t payload_size;        /* bytes of an entry's payload buffer */
	size_t memory;              /* bytes allocated for all queues (buffers, entries, rings) */
	uint64_t bound;             /* ring memory bound per session, bytes */
	uint64_t queue_bound;       /* per queue, bytes */
	uint64_t asked;             /* what the requested depth would have cost */
	uint64_t planned;           /* what the settled depth and payload cost, before setup */
	unsigned int ring_flags;    /* io_uring setup flags that the probe settled on */

	pthread_mutex_t lock;       /* guards phase, setup_done and the queues' setup_err */
	pthread_cond_t cond;
	enum uring_phase phase;
	unsigned int setup_done;
	atomic_bool stopping;
	atomic_bool log_bad_req;    /* fuse__log_once flags */
	atomic_bool log_too_big;
	atomic_bool log_commit_err;
	atomic_bool log_double;
	enum ringfuse_uring_dispatch dispatch; /* RINGFUSE_URING_*; serial sessions: INLINE */
	uint64_t inline_budget_ns;  /* inline handler time per round (fuse_uring_worker.c) */

	struct uring_pool pool;
	struct uring_queue q[];
};

/* Counters have one writer each: a relaxed load and store is enough and needs no lock prefix. */
static inline void uring_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* ---- fuse_uring.c: the queue engine ---- */
extern const struct fuse__transport_ops fuse__uring_ops;
/* The queue thread's life after setup: REGISTER, serve, and commit what raced with the exit. */
void uring_queue_run(struct uring_queue *q);

/* ---- fuse_uring_worker.c: who runs a delivered request ---- */
/* The queue thread delivered ent (ent->view is set): decide later, with the whole round. */
void uring_ready(struct uring_queue *q, struct uring_ent *ent);
/* End of a round: run some of the round's requests inline, hand the rest to workers. */
void uring_run_ready(struct uring_queue *q);
/* A reply from another thread is about to take the queue's lock (see fuse_uring_worker.c). */
void uring_worker_note_reply(void);
int uring_pool_init(struct fuse__uring *ring);
/* Stop the workers: requests not started yet are dropped, running handlers finish. Returns
 * false when a worker did not come back in time (its memory must then stay). */
bool uring_pool_stop(struct fuse__uring *ring);
void uring_pool_destroy(struct fuse__uring *ring);
void uring_learn_init(struct uring_queue *q);

/* ---- fuse_uring_sched.c: the queue threads' scheduling policy ---- */
struct uring_pol {
	int fd;                 /* /proc/thread-self/schedstat, -1: policy switching is off */
	int stat_fd;            /* /proc/stat: whether the machine has an idle CPU */
	bool idle;              /* the thread runs SCHED_IDLE now */
	bool pinned;            /* the thread is held on its queue's CPU now */
	uint64_t epoch_start;   /* CLOCK_MONOTONIC ns */
	uint64_t delay_start;   /* run delay ns at epoch_start */
	uint64_t runs_start;    /* times the thread was put on a CPU, at epoch_start */
	uint64_t handed_off_start; /* the queue's handed_off counter at epoch_start */
	uint64_t room_at;       /* when /proc/stat was last read */
	uint64_t cpu_idle;      /* idle and iowait ticks of all CPUs then */
	uint64_t cpu_total;     /* all ticks of all CPUs then */
	uint64_t room_since;    /* SCHED_OTHER: since when the machine had room, uncontended */
	uint64_t quiet_runs;    /* SCHED_OTHER: times put on a CPU since room_since */
	unsigned int starved;   /* times SCHED_IDLE starved: each doubles the wait for the next */
	uint64_t idle_runs;     /* runs served in SCHED_IDLE, unstarved, since it was earned */
};
/* Pin the queue thread to its CPU, or let it run anywhere in its home (fuse_uring_setup.c). */
void uring_affinity(struct uring_queue *q, bool pinned);
void uring_pol_init(struct uring_queue *q, struct uring_pol *pol);
/* Once per round of the queue loop: switch policy when an epoch has passed. */
void uring_pol_check(struct uring_queue *q, struct uring_pol *pol);
/* How long the queue may wait for a request before uring_pol_check must look at the machine
 * again (ns); 0: as long as it takes. */
uint64_t uring_pol_tick_ns(const struct uring_pol *pol);
void uring_pol_fini(struct uring_queue *q, struct uring_pol *pol);

/*
 * The controller's decisions without its system calls, so that a unit test can feed it
 * made-up evidence (test/unit/test_uring_pol.c). uring_pol_check reads the evidence and
 * applies the decision.
 */
struct uring_pol_sample {
	uint64_t now;           /* CLOCK_MONOTONIC ns */
	uint64_t delay;         /* the thread's run delay so far, ns (schedstat) */
	uint64_t runs;          /* times it was put on a CPU so far */
	uint64_t handed_off;    /* the queue's handed_off counter */
	int room;               /* the machine kept half a CPU idle: 1; it did not: 0; unread: -1 */
};
struct uring_pol_want {
	bool idle;              /* SCHED_IDLE next */
	bool pinned;            /* held on the queue's CPU next */
	const char *why;        /* leaving SCHED_IDLE: the reason, for the debug log */
	uint64_t pct;           /* the epoch's share of time spent waiting for a CPU, % */
	uint64_t per_run_ns;    /* its wait per wake-up */
};
/* Every round: true when the hand-offs since the last epoch demand SCHED_OTHER now. */
bool uring_pol_handoffs(struct uring_pol *pol, uint64_t now, uint64_t handed_off);
/* An epoch has passed: what the thread should become, from the evidence in *s. */
void uring_pol_decide(struct uring_pol *pol, const struct uring_pol_sample *s,
		      struct uring_pol_want *want);

#endif /* HAVE_URING */

#endif
