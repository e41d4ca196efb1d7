/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a transport provides to the session, in the manner of the kernel's fuse_iqueue_ops.
 * A transport is the thing that carries requests between the kernel and the dispatcher:
 * /dev/fuse (fuse_dev.c and its readers in loop*.c) and the io-uring queues (fuse_uring*.c).
 * The session holds one struct fuse__transport per slot and calls them only through the
 * fuse__transports_* functions below (transport.c); it never names a transport or reaches
 * into one's state. Per request, a transport hands the dispatcher a struct fuse_req whose
 * struct fuse__transport_ops (fuse_i.h) takes the reply back.
 *
 * Every operation is optional (NULL: nothing to do).
 */
#ifndef RINGFUSE_TRANSPORT_I_H
#define RINGFUSE_TRANSPORT_I_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

struct fuse_args;
struct fuse_req;
struct fuse_session;
struct fuse__transport;

struct fuse__transport_class {
	const char *name;
	/* Delivers requests on many threads at once (a single-threaded loop then serializes). */
	bool parallel;
	/* Print the transport's options for fuse_lowlevel_help(). */
	void (*help)(void);
	/* Session creation: parse the transport's options out of args, set up t->priv. 0 or -errno. */
	int (*init)(struct fuse__transport *t, struct fuse_args *args);
	/* The INIT flags (FUSE_OVER_IO_URING) this transport was asked to offer the kernel. */
	uint64_t (*wanted)(struct fuse__transport *t);
	/* The session got its /dev/fuse descriptor (mount, custom io, CUSE). 0 or -errno. */
	int (*attach)(struct fuse__transport *t, int fd);
	/*
	 * INIT is negotiated and its reply not yet written. Returns 1 when the transport now
	 * carries requests (it added its INIT reply flags to *outflags), 0 when nobody asked
	 * for it, -errno when asked but it cannot: it has logged why, and the session stays on
	 * the transports that already carry it.
	 */
	int (*start)(struct fuse__transport *t, uint64_t *outflags);
	/* The INIT reply was written: the transport may now talk to the kernel. */
	void (*go)(struct fuse__transport *t);
	/*
	 * The session exited: wake the transport's threads. Async-signal-safe. Transports that
	 * wait on the session's exit eventfd need nothing here (fuse__session_exit writes it).
	 */
	void (*wake)(struct fuse__transport *t);
	/* Stop and join the transport's threads. Safe to call when it never started. */
	void (*stop)(struct fuse__transport *t);
	/* INTERRUPT: the request in flight with this unique, with a reference, or NULL. */
	struct fuse_req *(*find_req)(struct fuse__transport *t, uint64_t unique);
	/* Write a notification; iov[0] is the complete fuse_out_header. 0 or -errno. */
	int (*notify)(struct fuse__transport *t, struct iovec *iov, int count);
	/* Print the RINGFUSE_STATS lines. */
	void (*stats_print)(struct fuse__transport *t, FILE *out);
	/* Session end, after stop: free t->priv and whatever attach took. */
	void (*destroy)(struct fuse__transport *t);
};

struct fuse__transport {
	const struct fuse__transport_class *cls;
	struct fuse_session *se;
	void *priv;             /* the transport's own state; only its own files look inside */
};

/* The slots of a session, in the order the session asks them (stats print in this order). */
enum {
	FUSE__TP_DEV,           /* /dev/fuse: always there, carries INIT */
	FUSE__TP_RING,          /* io-uring: started by INIT when asked for */
	FUSE__TP_MAX
};

/* ---- transport.c: the session's side ---- */
void fuse__transports_help(void);
/* The INIT flags the user's transports ask for (what init.c offers and agrees to). */
uint64_t fuse__transports_wanted(struct fuse_session *se);
/* Fill the session's slots and let each parse its options. 0 or -errno (logged). */
int fuse__transports_init(struct fuse_session *se, struct fuse_args *args);
int fuse__transports_attach(struct fuse_session *se, int fd);
/* At INIT: start the transports that were asked for; their reply flags go into *outflags. */
void fuse__transports_start(struct fuse_session *se, uint64_t *outflags);
void fuse__transports_go(struct fuse_session *se);
void fuse__transports_wake(struct fuse_session *se);
void fuse__transports_stop(struct fuse_session *se);
struct fuse_req *fuse__transports_find_req(struct fuse_session *se, uint64_t unique);
/* The first transport that can write notifications writes it; -ENOTCONN if none. */
int fuse__transports_notify(struct fuse_session *se, struct iovec *iov, int count);
void fuse__transports_stats_print(struct fuse_session *se, FILE *out);
void fuse__transports_destroy(struct fuse_session *se);

/* The classes, for transport.c's table only. */
extern const struct fuse__transport_class fuse__dev_class;
extern const struct fuse__transport_class fuse__uring_class;

#endif
