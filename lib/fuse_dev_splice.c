/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FUSE_CAP_SPLICE_WRITE on /dev/fuse: a fuse_reply_data() whose data sits in a file
 * descriptor (a filesystem answering READ from its backing file) goes to the kernel through
 * pipes, so the bytes never pass through user memory. The kernel takes a reply spliced into
 * /dev/fuse only as one splice(2) of the whole message out of a pipe, header first, and the
 * header carries the message's length, which is not known until the data was read (a file
 * may end early). So each thread keeps two pipes: the data is spliced into the first, which
 * tells its length; the header, now complete, is vmspliced into the second; the data is
 * spliced after it (pipe to pipe moves page references, no copy); and the second pipe goes
 * to the device in one splice, with SPLICE_F_MOVE when the filesystem asked for SPLICE_MOVE.
 *
 * Nothing here may lose a reply that could still be sent. Before any data is taken from the
 * buffer vector, every obstacle (no pipe, a pipe that cannot grow, a source splice refuses)
 * declines, and the caller copies as it always did. After data was taken, a failure reads it
 * back out of the pipes and sends it with writev(2). Only the final splice into the device
 * can lose the message, as a failed writev(2) can. SPLICE_READ is accepted at INIT but
 * requests are read with read(2): see doc/design.md.
 *
 * RINGFUSE_TEST_SPLICE_FAULT=pipe|data|header|move|short makes one step fail on purpose (for
 * the tests of the fallbacks; read once per process).
 */
#include "fuse_dev_i.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Below two pages a copy costs less than the four system calls of a splice. */
#define SPLICE_MIN_PAGES 2
/* The header iovs a reply may have (reply.c passes one). */
#define SPLICE_MAX_IOV 4

enum splice_fault { FAULT_NONE, FAULT_PIPE, FAULT_DATA, FAULT_HEADER, FAULT_MOVE, FAULT_SHORT };

struct splice_pipes {
	int data[2];    /* the data, spliced from the source: its length is learnt here */
	int msg[2];     /* header + data, spliced to the device in one go */
	size_t size;    /* capacity of each pipe in bytes */
	size_t refused; /* smallest size F_SETPIPE_SZ refused (0: none); never asked again */
};

static enum splice_fault splice_fault(void)
{
	static _Atomic int cached = -1;
	const char *v;
	int f = atomic_load(&cached);

	if (f >= 0)
		return (enum splice_fault)f;
	v = getenv("RINGFUSE_TEST_SPLICE_FAULT");
	f = FAULT_NONE;
	if (v && !strcmp(v, "pipe"))
		f = FAULT_PIPE;
	else if (v && !strcmp(v, "data"))
		f = FAULT_DATA;
	else if (v && !strcmp(v, "header"))
		f = FAULT_HEADER;
	else if (v && !strcmp(v, "move"))
		f = FAULT_MOVE;
	else if (v && !strcmp(v, "short"))
		f = FAULT_SHORT;
	atomic_store(&cached, f);
	return (enum splice_fault)f;
}

static void pipes_free(struct splice_pipes *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < 2; i++) {
		if (p->data[i] >= 0)
			close(p->data[i]);
		if (p->msg[i] >= 0)
			close(p->msg[i]);
	}
	free(p);
}

static void pipes_destructor(void *arg)
{
	pipes_free(arg);
}

/* The session's key for per-thread pipes, created on first use. 0 or -errno. */
static int splice_key(struct fuse_session *se)
{
	struct dev_tp *d = dev_of(se);
	int state = atomic_load_explicit(&d->splice_key_state, memory_order_acquire);

	if (state == 0) {
		pthread_mutex_lock(&d->lock);
		state = atomic_load(&d->splice_key_state);
		if (state == 0) {
			state = pthread_key_create(&d->splice_key, pipes_destructor) == 0 ? 1 : -1;
			atomic_store_explicit(&d->splice_key_state, state, memory_order_release);
		}
		pthread_mutex_unlock(&d->lock);
	}
	return state == 1 ? 0 : -EAGAIN;
}

/* Forget this thread's pipes, whose contents are unknown after a failed splice. */
static void pipes_discard(struct fuse_session *se, struct splice_pipes *p)
{
	(void)pthread_setspecific(dev_of(se)->splice_key, NULL);
	pipes_free(p);
}

static struct splice_pipes *pipes_new(void)
{
	struct splice_pipes *p = malloc(sizeof(*p));
	long n;

	if (!p)
		return NULL;
	p->data[0] = p->data[1] = p->msg[0] = p->msg[1] = -1;
	p->refused = 0;
	/* Non-blocking: a pipe that fills up gives a short count here, never a stuck thread. */
	if (pipe2(p->data, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(p->msg, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	n = fcntl(p->msg[0], F_GETPIPE_SZ);
	if (n <= 0)
		goto fail;
	p->size = (size_t)n;
	return p;
fail:
	pipes_free(p);
	return NULL;
}

/* This thread's pipes with room for `need` bytes each, or NULL (then copy instead). */
static struct splice_pipes *pipes_get(struct fuse_session *se, size_t need)
{
	struct splice_pipes *p;
	long got;

	if (splice_fault() == FAULT_PIPE || splice_key(se) < 0)
		return NULL;
	p = pthread_getspecific(dev_of(se)->splice_key);
	if (!p) {
		p = pipes_new();
		if (!p)
			return NULL;
		if (pthread_setspecific(dev_of(se)->splice_key, p) != 0) {
			pipes_free(p);
			return NULL;
		}
	}
	if (p->size >= need)
		return p;
	if (p->refused && need >= p->refused)
		return NULL;
	if (need > INT_MAX)
		return NULL;
	/* fs.pipe-max-size or the per-user pipe quota may say no; copying still works. */
	got = fcntl(p->data[0], F_SETPIPE_SZ, (int)need);
	if (got >= (long)need)
		got = fcntl(p->msg[0], F_SETPIPE_SZ, (int)need);
	if (got < (long)need) {
		p->refused = need;
		return NULL;
	}
	p->size = (size_t)got;
	return p;
}

static size_t iov_bytes(const struct iovec *iov, int count)
{
	size_t n = 0;
	int i;

	for (i = 0; i < count; i++)
		n += iov[i].iov_len;
	return n;
}

/* Read exactly len bytes out of a pipe we filled ourselves (all of them are there). */
static int pipe_read_all(int fd, char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/*
 * The copying way out once data was taken from the buffer vector: the message pipe holds
 * hdr_in_msg header bytes (dropped) and in_msg data bytes, the data pipe in_data more, and
 * tail/tail_len is what came after them. All of it goes out with one writev(2); the pipes are
 * discarded. If the data cannot be read back, the caller gets EIO rather than silence.
 */
static int splice_salvage(struct fuse_session *se, struct fuse_chan *ch, struct iovec *iov,
			  int count, struct splice_pipes *p, size_t hdr_in_msg, size_t in_msg,
			  size_t in_data, const char *tail, size_t tail_len)
{
	struct fuse_out_header *oh = iov[0].iov_base;
	struct iovec all[SPLICE_MAX_IOV + 1];
	size_t total = in_msg + in_data + tail_len;
	char *buf = malloc(hdr_in_msg + total + 1);
	int err = 0;

	if (!buf)
		err = -ENOMEM;
	if (!err)
		err = pipe_read_all(p->msg[0], buf, hdr_in_msg + in_msg);
	if (!err)
		err = pipe_read_all(p->data[0], buf + hdr_in_msg + in_msg, in_data);
	pipes_discard(se, p);
	atomic_fetch_add_explicit(&dev_of(se)->stats.splice_fallback, 1, memory_order_relaxed);
	if (err) {
		fuse_log(FUSE_LOG_ERR, "fuse: reading back spliced reply data: %s\n", strerror(-err));
		free(buf);
		oh->error = -EIO;
		oh->len = sizeof(*oh);
		iov[0].iov_len = sizeof(*oh);
		return fuse__dev_write(se, ch, iov, 1);
	}
	if (tail_len)
		memcpy(buf + hdr_in_msg + in_msg + in_data, tail, tail_len);
	memcpy(all, iov, sizeof(*iov) * (size_t)count);
	all[count].iov_base = buf + hdr_in_msg;
	all[count].iov_len = total;
	oh->len = (uint32_t)(iov_bytes(iov, count) + total);
	err = fuse__dev_write(se, ch, all, count + 1);
	free(buf);
	return err;
}

/* Whether this reply is worth splicing at all; nothing is touched yet. */
static bool splice_wanted(const struct fuse_session *se, const struct fuse_bufvec *bufv,
			  size_t len, int count, enum fuse_buf_copy_flags flags)
{
	long pagesize = sysconf(_SC_PAGESIZE);
	bool has_fd = false;
	size_t i;

	if (!(se->conn.want & FUSE_CAP_SPLICE_WRITE) || se->conn.proto_minor < 14 ||
	    (flags & FUSE_BUF_NO_SPLICE) || count > SPLICE_MAX_IOV)
		return false;
	if (se->io && !se->io->splice_send)
		return false;
	if (pagesize <= 0 || len < SPLICE_MIN_PAGES * (size_t)pagesize || len > UINT32_MAX / 2)
		return false;
	/* Memory alone gains nothing: vmsplice of it is a copy, and reply.c copies it once. */
	for (i = bufv->idx; i < bufv->count; i++)
		if (bufv->buf[i].flags & FUSE_BUF_IS_FD)
			has_fd = true;
	return has_fd;
}

int fuse__dev_splice_send(struct fuse_session *se, struct fuse_chan *ch, struct iovec *iov,
			  int count, struct fuse_bufvec *bufv, size_t len,
			  enum fuse_buf_copy_flags flags)
{
	struct fuse_out_header *oh = iov[0].iov_base;
	struct fuse_bufvec pv = FUSE_BUFVEC_INIT(len);
	struct fuse_bufvec mv = FUSE_BUFVEC_INIT(0);
	enum splice_fault fault = splice_fault();
	size_t pagesize = (size_t)sysconf(_SC_PAGESIZE);
	size_t hdrlen = iov_bytes(iov, count), idx = bufv->idx, off = bufv->off;
	size_t got, moved, total;
	struct splice_pipes *p;
	unsigned int sflags = 0;
	char *rest = NULL;
	ssize_t n, more;
	int fd = ch ? ch->fd : fuse__session_devfd(se);
	int err;

	if (!splice_wanted(se, bufv, len, count, flags))
		return FUSE__SEND_DECLINED;
	/* Room for every page of the data, a partial page per buffer, and the header. */
	p = pipes_get(se, pagesize * ((len + pagesize - 1) / pagesize + bufv->count + 2));
	if (!p)
		goto decline;

	/* 1. The data into the data pipe. An error here means nothing was taken. */
	pv.buf[0].flags = FUSE_BUF_IS_FD;
	pv.buf[0].fd = p->data[1];
	if (fault == FAULT_SHORT)
		pv.buf[0].size = len / 2; /* as if the pipe had filled up half-way */
	n = fault == FAULT_DATA ? -EINVAL :
		fuse_buf_copy(&pv, bufv, FUSE_BUF_FORCE_SPLICE | FUSE_BUF_SPLICE_NONBLOCK);
	if (n < 0) {
		bufv->idx = idx;
		bufv->off = off;
		goto decline;
	}
	got = (size_t)n;
	if (got < len) {
		/*
		 * End of file, or a pipe that filled up (small fragments, a socket). Ask the source
		 * for the rest by copying: nothing more means end of file; more means the pipe's
		 * contents must come back out and everything goes by writev.
		 */
		rest = malloc(len - got);
		if (!rest)
			return splice_salvage(se, ch, iov, count, p, 0, 0, got, NULL, 0);
		mv.buf[0].size = len - got;
		mv.buf[0].mem = rest;
		more = fuse_buf_copy(&mv, bufv, 0);
		if (more > 0) {
			err = splice_salvage(se, ch, iov, count, p, 0, 0, got, rest, (size_t)more);
			free(rest);
			return err;
		}
		free(rest);
	}

	/* 2. The header, now that the length is known, into the message pipe. */
	oh->len = (uint32_t)(hdrlen + got);
	n = fault == FAULT_HEADER ? -1 : vmsplice(p->msg[1], iov, (unsigned long)count,
						   SPLICE_F_NONBLOCK);
	if (n != (ssize_t)hdrlen)
		return splice_salvage(se, ch, iov, count, p, n > 0 ? (size_t)n : 0, 0, got, NULL,
				      0);

	/* 3. The data after it: pipe to pipe moves the page references. */
	for (moved = 0; moved < got; moved += (size_t)n) {
		if (fault == FAULT_MOVE && moved == 0) {
			n = -1;
			errno = EIO;
		} else {
			n = splice(p->data[0], NULL, p->msg[1], NULL, got - moved,
				   SPLICE_F_NONBLOCK);
		}
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return splice_salvage(se, ch, iov, count, p, hdrlen, moved, got - moved,
					      NULL, 0);
	}

	/* 4. The whole message to the device in one splice: from here on a failure loses it. */
	total = hdrlen + got;
	if ((flags & FUSE_BUF_SPLICE_MOVE) && (se->conn.want & FUSE_CAP_SPLICE_MOVE))
		sflags |= SPLICE_F_MOVE;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "   unique: %llu, success: 0, outsize: %zu (splice)\n",
			 (unsigned long long)oh->unique, total);
	do {
		if (se->io)
			n = se->io->splice_send(p->msg[0], NULL, fd, NULL, total, sflags,
						se->userdata);
		else
			n = splice(p->msg[0], NULL, fd, NULL, total, sflags);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != total) {
		err = n < 0 ? -errno : -EIO;
		if (n >= 0)
			fuse_log(FUSE_LOG_ERR, "fuse: short splice to /dev/fuse: %zd of %zu\n", n,
				 total);
		pipes_discard(se, p);
		return err;
	}
	atomic_fetch_add_explicit(&dev_of(se)->stats.splice, 1, memory_order_relaxed);
	return 0;

decline:
	atomic_fetch_add_explicit(&dev_of(se)->stats.splice_fallback, 1, memory_order_relaxed);
	return FUSE__SEND_DECLINED;
}

void fuse__dev_splice_fini(struct fuse_session *se)
{
	struct dev_tp *d = dev_of(se);

	if (atomic_load(&d->splice_key_state) != 1)
		return;
	/* Other threads' pipes were freed when they exited; this one may still hold some. */
	pipes_free(pthread_getspecific(d->splice_key));
	(void)pthread_key_delete(d->splice_key);
	atomic_store(&d->splice_key_state, 0);
}
