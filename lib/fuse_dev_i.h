/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the /dev/fuse transport's files (fuse_dev.c, fuse_dev_splice.c): its state in
 * the session's FUSE__TP_DEV slot. The session reaches it only through transport_i.h.
 */
#ifndef RINGFUSE_FUSE_DEV_I_H
#define RINGFUSE_FUSE_DEV_I_H

#include "fuse_i.h"

/* Per-opcode-class counters of the /dev/fuse reader, printed by RINGFUSE_STATS=1. */
struct dev_stats {
	atomic_ulong requests;
	atomic_ulong init;
	atomic_ulong forget;
	atomic_ulong interrupt;
	atomic_ulong destroy;
	atomic_ulong other;
	atomic_ulong splice;          /* fuse_reply_data sent by splice (fuse_dev_splice.c) */
	atomic_ulong splice_fallback; /* ... copied instead, though the filesystem wanted splice */
};

/* The device transport's state. */
struct dev_tp {
	pthread_mutex_t lock;     /* guards inflight, and the creation of splice_key */
	struct fuse_req inflight; /* list head of requests in flight (INTERRUPT lookup) */
	struct dev_stats stats;
	/* Each thread's splice pipes (fuse_dev_splice.c); the key exists once state is 1. */
	pthread_key_t splice_key;
	atomic_int splice_key_state;  /* 0 none yet, 1 created, -1 creation failed */
};

static inline struct dev_tp *dev_of(struct fuse_session *se)
{
	return se->tp[FUSE__TP_DEV].priv;
}

/* ---- fuse_dev_splice.c: SPLICE_WRITE on /dev/fuse ---- */
/*
 * Send iov (header) + the rest of bufv (len bytes) to ch through a pipe with vmsplice and
 * splice. Returns 0, -errno when the message was lost on the way, or FUSE__SEND_DECLINED with
 * nothing consumed. Data already taken from bufv when a later step fails is sent by copying.
 */
int fuse__dev_splice_send(struct fuse_session *se, struct fuse_chan *ch, struct iovec *iov,
			  int count, struct fuse_bufvec *bufv, size_t len,
			  enum fuse_buf_copy_flags flags);
/* At the transport's destroy: the calling thread's pipes and the session's key. */
void fuse__dev_splice_fini(struct fuse_session *se);

#endif
