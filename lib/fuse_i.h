/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the library: the session, the request, and the seam between transports and
 * the dispatcher. Everything that more than one lib/ file needs to know about a request or a
 * session is here; nothing here is installed.
 *
 * The seam: a transport (the /dev/fuse reader in fuse_dev.c, the io-uring queues in
 * fuse_uring.c) turns whatever it received into a struct fuse__req_view and a struct fuse_req
 * that points back at the transport's ops, and calls fuse__dispatch(). The dispatcher and the
 * reply functions never ask which transport a request came from: a reply is an iovec handed to
 * req->tp->send(), a dropped request goes to req->tp->drop().
 */
#ifndef RINGFUSE_FUSE_I_H
#define RINGFUSE_FUSE_I_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION RINGFUSE_ABI
#endif

#include "ringfuse_config.h"
#include "export_i.h"
#include "fuse_kernel_i.h"
#include "fuse_lowlevel.h"
#include "ringfuse.h"
#include "transport_i.h"
#include "tsan_i.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

struct fuse_req;
struct fuse_session;
struct fuse__mount_opts;
struct fuse__cuse;

/*
 * What a transport received, as the dispatcher sees it. On /dev/fuse all of it sits in one
 * read buffer: arg points just past the fuse_in_header, arg_len counts everything after it,
 * and payload is NULL because the variable part follows the fixed argument inside arg. On the
 * ring the fixed argument sits in the entry's op_in area (arg_len = 128, the area's size) and
 * the variable part in the entry's payload buffer (payload, payload_len). A ring request
 * whose op_in area is empty (NOTIFY_REPLY: in->len is the header plus the payload alone) is
 * shown in the /dev/fuse layout instead, arg = payload and payload = NULL, so that the
 * dispatcher finds its fixed argument where it looks for it.
 */
struct fuse__req_view {
	const struct fuse_in_header *in;
	const void *arg;
	size_t arg_len;
	const void *payload;
	size_t payload_len;
};

/*
 * Resolve a view into the opcode's fixed argument of `fixed` bytes and the variable part after
 * it. Returns -EINVAL when the request is too short for its fixed argument.
 */
static inline int fuse__view_split(const struct fuse__req_view *v, size_t fixed,
				   const void **argp, const void **payloadp, size_t *payload_len)
{
	if (v->arg_len < fixed)
		return -EINVAL;
	*argp = v->arg;
	if (v->payload) {
		*payloadp = v->payload;
		*payload_len = v->payload_len;
	} else {
		*payloadp = (const char *)v->arg + fixed;
		*payload_len = v->arg_len - fixed;
	}
	return 0;
}

/*
 * A transport's operations. Exactly one of send() or drop() is called once per request; after
 * it returns the request belongs to the transport again (freed, or its ring entry re-armed).
 */
struct fuse__transport_ops {
	const char *name;
	bool is_uring;          /* what fuse_req_is_uring() answers; nothing else may branch on it */
	/*
	 * Send a reply. iov[0] is the fuse_out_header, complete (len = sum of all iov lengths,
	 * error, unique). The remaining iovs are the output arguments, in order. Returns 0 or
	 * -errno; on failure the request is still completed (nobody may touch it afterwards).
	 */
	int (*send)(struct fuse_req *req, struct iovec *iov, int count);
	/* Complete a request that gets no reply (FORGET, fuse_reply_none, a dropped request). */
	void (*drop)(struct fuse_req *req);
	/*
	 * Optional. A buffer the reply may be built in, so that the transport need not copy it:
	 * if the iovs handed to send() after the header point into this buffer in order from its
	 * start, the transport sends them in place. NULL (or -ENOTSUP) when there is none.
	 */
	int (*get_payload)(struct fuse_req *req, char **payload, size_t *size);
	/*
	 * Optional (the ring leaves it NULL and fuse_reply_data copies into its payload). Send a
	 * successful reply whose data is the rest of bufv, len bytes, without copying it through
	 * user memory (splice on /dev/fuse). iov[0] is the fuse_out_header, complete for len bytes
	 * of data; the transport lowers its len when an fd buffer ends early (end of file).
	 * Returns FUSE__SEND_DECLINED with the request and bufv untouched when it cannot (the
	 * caller then copies), otherwise what send() returns.
	 */
	int (*send_data)(struct fuse_req *req, struct iovec *iov, int count,
			 struct fuse_bufvec *bufv, size_t len, enum fuse_buf_copy_flags flags);
};
#define FUSE__SEND_DECLINED 1

/* Interrupt bookkeeping of one request; guarded by fuse_req.lock. */
struct fuse__req_intr {
	fuse_interrupt_func_t func;
	void *data;
	bool interrupted;
};

/*
 * One request between its arrival and its reply. The /dev/fuse transport allocates one per
 * request; the ring embeds one in each entry. Handlers may keep it and reply from another
 * thread; the fields below stay valid until send()/drop(). The argument memory (the view)
 * does not: it is only valid while the handler runs, as in libfuse.
 */
struct fuse_req {
	struct fuse_session *se;
	const struct fuse__transport_ops *tp;
	void *tp_data;          /* the transport's own: ring entry, or /dev/fuse channel */
	uint64_t unique;
	uint32_t opcode;
	struct fuse_ctx ctx;
	atomic_int refs;        /* the owner's reference + one per INTERRUPT lookup in progress */
	bool embedded;          /* lives in a ring entry: fuse__req_put never frees it */

	pthread_mutex_t lock;   /* guards intr */
	struct fuse__req_intr intr;

	/* /dev/fuse: links in se->inflight (guarded by se->lock) so INTERRUPT can find it. */
	struct fuse_req *next, *prev;
};

/* Initialise the fields every transport needs; the caller then sets tp, tp_data. */
void fuse__req_init(struct fuse_req *req, struct fuse_session *se);
/* Release what fuse__req_init took (the mutex). Transports call it before freeing/reusing. */
void fuse__req_fini(struct fuse_req *req);
/* Drop a reference; the last one frees a heap request (never an embedded one). */
void fuse__req_put(struct fuse_req *req);
/*
 * A heap request with orig's session and context that completes into nothing (unique 0, no
 * transport behind it): the per-inode forget() calls of a batch forget. NULL: out of memory.
 */
struct fuse_req *fuse__req_standin(const struct fuse_req *orig, uint32_t opcode);

/* A /dev/fuse file descriptor with its own reader; clone_fd gives one per worker thread. */
struct fuse_chan {
	int fd;
	atomic_int refs;
};

struct fuse_session {
	struct fuse_lowlevel_ops op;
	void *userdata;
	char *mountpoint;
	struct fuse__mount_opts *mo;

	/*
	 * The connection: the session's main /dev/fuse channel (NULL until mounted), which
	 * every transport uses (the ring registers on it). The device transport sets it up
	 * (fuse__transports_attach) and closes it. Its fd is the session's only copy of the
	 * device descriptor: fuse__session_devfd().
	 */
	struct fuse_chan *ch;
	struct fuse_custom_io *io; /* fuse_session_custom_io(), or NULL */

	atomic_int exited;
	int error;               /* first fatal error of the loop (-errno), or the signal number */
	/*
	 * Readable once the session exited: /dev/fuse is read non-blocking and a reader with
	 * nothing to read polls {fd, exit_efd}, so every reader wakes up at exit without
	 * pthread_cancel. Written from signal handlers (eventfd writes are async-signal-safe).
	 */
	int exit_efd;
	uid_t owner;             /* getuid() at session creation, for allow_root */
	atomic_bool stats_printed;

	/* Options (fuse_session_new). */
	bool debug;
	bool deny_others;        /* allow_root: reject requests from others than owner and root */
	bool no_interrupt;       /* never track interrupts (saves the bookkeeping) */
	unsigned int max_read_opt;

	/* INIT negotiation. */
	struct fuse_conn_info conn;
	uint64_t kernel_flags;   /* what the kernel offered (flags | flags2 << 32) */
	atomic_bool got_init;
	atomic_bool got_destroy;
	/*
	 * /dev/fuse read buffer size (header + max_write + slack). INIT shrinks it while pool
	 * workers may be starting and reading it: atomic, and a stale (larger) value is safe.
	 */
	_Atomic size_t bufsize;
	uint32_t max_pages;

	/* Guards notify_* below. */
	pthread_mutex_t lock;
	uint64_t notify_ctr;      /* unique source for retrieve notifications */
	struct fuse__notify_retrieve *retrieves; /* outstanding fuse_lowlevel_notify_retrieve */

	/* The transports, each with its own state; see transport_i.h. */
	struct fuse__transport tp[FUSE__TP_MAX];
	/*
	 * A filesystem run by fuse_session_loop (or a loop of its own) was promised one request
	 * at a time, and many rely on it (Debian's squashfuse keeps unlocked caches and runs
	 * itself with -s), as does a worker pool limited to one thread. The ring delivers on
	 * every queue thread at once, so with the ring on and no parallel loop, fuse__dispatch
	 * runs handlers under serial_lock.
	 */
	atomic_bool loop_parallel; /* fuse_session_loop_mt with max_threads > 1 runs it */
	atomic_bool serial;      /* decided at INIT, before the first ring request */
	/* The loop config of fuse_session_loop_mt, recorded before the first read: the ring's
	 * worker pool has the same bounds as the /dev/fuse pool. */
	_Atomic unsigned int loop_max_threads;
	_Atomic unsigned int loop_max_idle;
	pthread_mutex_t serial_lock;
	/*
	 * The handler gate (gate.c): FUSE__GATE_CLOSED | handlers running. A handler starts
	 * only while the gate is open; the loops close it and wait for the count to drop to 0
	 * before they return, so that no handler runs after a loop returned (a filesystem may
	 * free its state then). A 32-bit word because closers sleep on it with futex(2).
	 */
	atomic_uint gate;

	/* CUSE (cuse.c): the character-device ops behind the session's fuse_lowlevel_ops. */
	struct fuse__cuse *cuse;
};

/* The session's /dev/fuse descriptor (its main channel's), -1 before it is mounted. */
static inline int fuse__session_devfd(const struct fuse_session *se)
{
	return se->ch ? se->ch->fd : -1;
}

/* ---- session.c ---- */
/*
 * Mark the session exited and wake every loop (the ring threads included). error: 0, -errno
 * or a signal number, kept only if no error was recorded before. Async-signal-safe.
 */
void fuse__session_exit(struct fuse_session *se, int error);
/* The INIT handshake (init.c): decode fuse_init_in, call op.init, start the ring, reply. */
void fuse__do_init(struct fuse_req *req, const struct fuse__req_view *v);
/* Print the RINGFUSE_STATS lines (dev and ring) to stderr. */
void fuse__stats_print(struct fuse_session *se);

/* The 3.12 worker-pool entry, callable inside the library whatever the header's version macros. */
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);

/* ---- cuse.c ---- */
/* CUSE_INIT (opcode 4096): the character-device variant of INIT. */
void fuse__do_cuse_init(struct fuse_req *req, const struct fuse__req_view *v);

/* ---- dispatch.c ---- */
/*
 * Decode and check one request and call the filesystem's handler (or reply an error). Never
 * fails: a malformed request gets -EINVAL (or is dropped when it must not be answered), and
 * the request is always completed by the time the handler has replied. The transport sets
 * req->unique first (it may publish the request to INTERRUPT lookups before this call).
 */
void fuse__dispatch_request(struct fuse_req *req, const struct fuse__req_view *v);
/*
 * The handler gate (gate.c; see struct fuse_session's gate). Closed, it turns requests away
 * (fuse__dispatch_closed) instead of calling handlers. enter: count the calling thread in as
 * running a handler; false when the gate is closed (and nothing was counted). leave: count it
 * out again, waking a closer waiting for the last handler. close: async-signal-safe, never
 * waits. close_wait: close, then wait until no handler runs (on a thread inside a handler it
 * only closes: it cannot wait for itself). open: let handlers start again
 * (fuse_session_reset).
 */
#define FUSE__GATE_CLOSED 0x80000000u
bool fuse__gate_enter(struct fuse_session *se);
void fuse__gate_leave(struct fuse_session *se);
void fuse__gate_close(struct fuse_session *se);
void fuse__gate_close_wait(struct fuse_session *se);
void fuse__gate_open(struct fuse_session *se);
/* A request that came while the gate is closed: ENOTCONN, or dropped when the kernel waits
 * for no answer; never a handler. */
void fuse__dispatch_closed(struct fuse_req *req, const struct fuse__req_view *v);
/*
 * The door every transport delivers a request through: the handler gate first, then
 * fuse__dispatch_request, under serial_lock when the session is serial (see struct
 * fuse_session), which is how a session promised one request at a time gets it from a
 * transport that delivers on many threads. The gate comes before the lock: a request waiting
 * for serial_lock already counts as running, so a closer waits for it as well. Inline, so
 * that it is the transport's call into the dispatcher and nothing else.
 */
static inline void fuse__dispatch(struct fuse_req *req, const struct fuse__req_view *v)
{
	struct fuse_session *se = req->se;
	bool serial;

	if (!fuse__gate_enter(se)) {
		fuse__dispatch_closed(req, v);
		return;
	}
	/* Read once: INIT turns it on while being dispatched itself, and may free req. */
	serial = atomic_load(&se->serial);
	fuse__tsan_acquire(se);
	if (serial)
		pthread_mutex_lock(&se->serial_lock);
	fuse__dispatch_request(req, v);
	if (serial)
		pthread_mutex_unlock(&se->serial_lock);
	fuse__gate_leave(se);
}
/* The opcode's name for debug output ("LOOKUP"), or "UNKNOWN". */
const char *fuse__opname(uint32_t opcode);
/*
 * Whether the kernel waits for no answer to the opcode (FORGET, BATCH_FORGET, INTERRUPT,
 * NOTIFY_REPLY): the one list, the dispatcher's table. Such a request is dropped, never
 * answered, and never tracked for INTERRUPT.
 */
bool fuse__op_noreply(uint32_t opcode);

/* ---- reply.c ---- */
/*
 * Send `count` iovs as the reply to req with error `error` (0 or -errno): fills iov[0] with the
 * fuse_out_header (the caller leaves iov[0] free) and hands it to the transport.
 */
int fuse__send_reply_iov(struct fuse_req *req, int error, struct iovec *iov, int count);
/* Write a notification (unique 0) through the first transport that writes them (/dev/fuse). */
int fuse__send_notify(struct fuse_session *se, int code, struct iovec *iov, int count);

/* ---- notify.c ---- */
/* A NOTIFY_REPLY arrived: find the retrieve it answers and call the filesystem's handler. */
void fuse__do_notify_reply(struct fuse_req *req, const struct fuse__req_view *v);
/* Drop outstanding retrieve records at session destroy. */
void fuse__notify_cleanup(struct fuse_session *se);

/* ---- fuse_dev.c: the /dev/fuse transport ---- */
extern const struct fuse__transport_ops fuse__dev_ops;
/* Add/remove a /dev/fuse request to/from its INTERRUPT lookup list. */
void fuse__dev_track(struct fuse_session *se, struct fuse_req *req);
void fuse__dev_untrack(struct fuse_session *se, struct fuse_req *req);
/* Write iovs to the session's /dev/fuse (or custom io). Returns 0 or -errno. */
int fuse__dev_write(struct fuse_session *se, struct fuse_chan *ch, struct iovec *iov, int count);
/* Read one request into buf; returns bytes read, 0 on session end, or -errno (-EINTR/-EAGAIN retry). */
ssize_t fuse__dev_read(struct fuse_session *se, struct fuse_chan *ch, void *buf, size_t size);
/*
 * A pool reader's own wait set: the device with EPOLLEXCLUSIVE (a request wakes one idle
 * reader) and the exit eventfd without it (exit wakes all). Returns the epoll fd or -errno.
 */
int fuse__dev_waiter_new(struct fuse_session *se, struct fuse_chan *ch);
/* fuse__dev_read that sleeps in the wait set ep when there is nothing to read (ep < 0: poll). */
ssize_t fuse__dev_read_wait(struct fuse_session *se, struct fuse_chan *ch, void *buf,
			    size_t size, int ep);
/* Build a request from a buffer read on ch and dispatch it. */
void fuse__dev_process(struct fuse_session *se, struct fuse_chan *ch, const void *buf, size_t len);
struct fuse_chan *fuse__chan_new(int fd);

struct fuse_chan *fuse__chan_clone(struct fuse_session *se);
void fuse__chan_put(struct fuse_chan *ch);

/* ---- log.c ---- */
/* fuse_log() that prints a line only the first time `once` is seen unset. */
#define fuse__log_once(once, level, ...)                                       \
	do {                                                                   \
		if (!atomic_exchange((once), true))                            \
			fuse_log((level), __VA_ARGS__);                        \
	} while (0)

#endif
