/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatcher's test bench: a fake transport that records what was sent or dropped, a
 * hand-built session (no mount, no session.c options), and a request builder that lays the
 * same request out either as /dev/fuse does (header, fixed argument and variable part in one
 * buffer) or as the ring does (fixed argument in a 128-byte op_in area filled with junk
 * beyond the argument, variable part in a separate payload buffer).
 */
#ifndef RINGFUSE_TEST_DISPATCH_HARNESS_H
#define RINGFUSE_TEST_DISPATCH_HARNESS_H

#include "fuse_i.h"
#include "dispatch_i.h"
#include "../check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum style { STYLE_DEV, STYLE_RING };

/* What the fake transport saw for the last request. */
struct sent {
	int sends;
	int drops;
	int count;                    /* iovs handed to send() */
	const void *iov1_base;        /* where the first output argument was */
	size_t len;                   /* bytes gathered from all iovs */
	_Alignas(8) unsigned char buf[1 << 18];
};

static struct sent T;
static bool harness_payload_on;   /* transport offers get_payload() */
static _Alignas(8) char harness_payload[1 << 16];

static int fake_send(struct fuse_req *req, struct iovec *iov, int count)
{
	int i;

	(void)req;
	T.sends++;
	T.count = count;
	T.iov1_base = count > 1 ? iov[1].iov_base : NULL;
	T.len = 0;
	for (i = 0; i < count; i++) {
		if (T.len + iov[i].iov_len > sizeof(T.buf)) {
			fprintf(stderr, "fake transport: reply too large\n");
			abort();
		}
		memcpy(T.buf + T.len, iov[i].iov_base, iov[i].iov_len);
		T.len += iov[i].iov_len;
	}
	return 0;
}

static void fake_drop(struct fuse_req *req)
{
	(void)req;
	T.drops++;
}

static int fake_get_payload(struct fuse_req *req, char **payload, size_t *size)
{
	(void)req;
	if (!harness_payload_on)
		return -ENOTSUP;
	*payload = harness_payload;
	*size = sizeof(harness_payload);
	return 0;
}

static const struct fuse__transport_ops fake_ops = {
	.name = "fake",
	.is_uring = false,
	.send = fake_send,
	.drop = fake_drop,
	.get_payload = fake_get_payload,
};

/* Notifications written to "/dev/fuse" through the session's custom io. */
static struct {
	int writes;
	size_t len;
	_Alignas(8) unsigned char buf[1 << 16];
} N;

static ssize_t fake_notify_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	size_t total = 0;
	int i;

	(void)fd;
	(void)userdata;
	for (i = 0; i < count; i++) {
		if (total + iov[i].iov_len > sizeof(N.buf))
			return -1;
		memcpy(N.buf + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	N.writes++;
	N.len = total;
	return (ssize_t)total;
}

static ssize_t fake_notify_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)fd;
	(void)buf;
	(void)len;
	(void)userdata;
	return 0;
}

static struct fuse_custom_io fake_io = {
	.writev = fake_notify_writev,
	.read = fake_notify_read,
};

static struct fuse_session *harness_session(const struct fuse_lowlevel_ops *op, void *userdata)
{
	struct fuse_session *se = calloc(1, sizeof(*se));

	if (!se) {
		perror("calloc");
		exit(1);
	}
	se->op = *op;
	se->userdata = userdata;
	se->io = &fake_io;
	se->exit_efd = -1;
	se->owner = getuid();
	pthread_mutex_init(&se->lock, NULL);
	if (fuse__transports_init(se, NULL) < 0) {
		perror("fuse__transports_init");
		exit(1);
	}
	/* A connection without a descriptor: notifications go through fake_io, which ignores it. */
	se->ch = fuse__chan_new(-1);
	if (!se->ch) {
		perror("fuse__chan_new");
		exit(1);
	}
	se->conn.proto_major = 7;
	se->conn.proto_minor = 45;
	se->conn.capable = 0xffffffffu;
	se->conn.want = FUSE_CAP_IOCTL_DIR;
	se->bufsize = (1 << 20) + 4096;
	atomic_store(&se->got_init, true);
	return se;
}

static void harness_session_free(struct fuse_session *se)
{
	fuse__notify_cleanup(se);
	fuse__transports_destroy(se);
	pthread_mutex_destroy(&se->lock);
	free(se);
}

/* One request's pieces, before they are laid out in a style. */
struct msg {
	uint64_t unique;                /* 0: the next of the harness's own */
	uint32_t opcode;
	uint64_t nodeid;
	uint32_t uid, gid, pid;
	_Alignas(8) unsigned char fixed[128];
	size_t flen;
	_Alignas(8) unsigned char pay[8192];
	size_t plen;
};

static uint64_t harness_unique = 2;
static uint64_t harness_last_unique;

static void msg_init(struct msg *m, uint32_t opcode, uint64_t nodeid)
{
	memset(m, 0, sizeof(*m));
	m->opcode = opcode;
	m->nodeid = nodeid;
	m->uid = (uint32_t)getuid();
	m->gid = 100;
	m->pid = 4242;
}

static void msg_fixed(struct msg *m, const void *arg, size_t len)
{
	memcpy(m->fixed, arg, len);
	m->flen = len;
}

static void msg_pay(struct msg *m, const void *data, size_t len)
{
	memcpy(m->pay + m->plen, data, len);
	m->plen += len;
}

static void msg_name(struct msg *m, const char *name)
{
	msg_pay(m, name, strlen(name) + 1);
}

/*
 * Dispatch m laid out in style; arg_len_dev, when not (size_t)-1, cuts the /dev/fuse layout
 * short after that many argument bytes; pay_len_ring likewise cuts the ring's payload.
 */
static void run_cut(struct fuse_session *se, const struct msg *m, enum style style,
		    size_t cut)
{
	static _Alignas(8) unsigned char dev[sizeof(struct fuse_in_header) + 128 + 8192];
	static _Alignas(8) struct fuse_in_header ring_in;
	static _Alignas(8) unsigned char op_in[FUSE__URING_OP_IN_OUT_SZ];
	static _Alignas(8) unsigned char ring_pay[8192 + 8];
	struct fuse_in_header *in;
	struct fuse__req_view v;
	struct fuse_req req;
	size_t alen;

	memset(&T, 0, offsetof(struct sent, buf));
	memset(&v, 0, sizeof(v));
	harness_last_unique = m->unique ? m->unique : harness_unique;
	harness_unique += 2;
	if (style == STYLE_DEV) {
		in = (struct fuse_in_header *)dev;
		alen = m->flen + m->plen;
		if (cut != (size_t)-1 && cut < alen)
			alen = cut;
		memcpy(dev + sizeof(*in), m->fixed, m->flen);
		memcpy(dev + sizeof(*in) + m->flen, m->pay, m->plen);
		v.arg = dev + sizeof(*in);
		v.arg_len = alen;
	} else {
		in = &ring_in;
		alen = m->plen;
		if (cut != (size_t)-1 && cut < alen)
			alen = cut;
		/* Junk after the argument: the dispatcher must not read it as data. */
		memset(op_in, 0xA5, sizeof(op_in));
		memcpy(op_in, m->fixed, m->flen);
		memset(ring_pay, 0x5A, sizeof(ring_pay));
		memcpy(ring_pay, m->pay, alen);
		v.arg = op_in;
		v.arg_len = sizeof(op_in);
		v.payload = ring_pay;
		v.payload_len = alen;
	}
	memset(in, 0, sizeof(*in));
	in->opcode = m->opcode;
	in->unique = harness_last_unique;
	in->nodeid = m->nodeid;
	in->uid = m->uid;
	in->gid = m->gid;
	in->pid = m->pid;
	in->len = (uint32_t)(sizeof(*in) + (style == STYLE_DEV ? alen : m->flen + alen));
	v.in = in;

	fuse__req_init(&req, se);
	req.unique = in->unique;
	req.tp = &fake_ops;
	req.embedded = true;
	fuse__dispatch(&req, &v);
	fuse__req_fini(&req);
}

static void run(struct fuse_session *se, const struct msg *m, enum style style)
{
	run_cut(se, m, style, (size_t)-1);
}

static const struct fuse_out_header *reply_hdr(void)
{
	return (const struct fuse_out_header *)T.buf;
}

__attribute__((unused)) static const void *reply_arg(void)
{
	return T.buf + sizeof(struct fuse_out_header);
}

/* The last request got exactly one well-formed reply with this error and argument size. */
#define CHECK_REPLY(err, argsize)							\
	do {										\
		CHECK_EQ(T.sends, 1);							\
		CHECK_EQ(T.drops, 0);							\
		if (T.sends == 1) {							\
			CHECK_EQ(reply_hdr()->error, -(err));				\
			CHECK_UEQ(reply_hdr()->len, T.len);				\
			CHECK_UEQ(reply_hdr()->len,					\
				  sizeof(struct fuse_out_header) + (argsize));		\
			CHECK_UEQ(reply_hdr()->unique, harness_last_unique);		\
		}									\
	} while (0)

#define CHECK_DROPPED()					\
	do {						\
		CHECK_EQ(T.sends, 0);			\
		CHECK_EQ(T.drops, 1);			\
	} while (0)

#endif
