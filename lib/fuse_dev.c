/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The classic transport: requests read(2) from /dev/fuse, replies writev(2) back. Also the
 * device channels (clone_fd gives each worker thread its own), the public receive/process
 * pair for filesystems that run their own loop, and the waiting strategy every loop shares:
 * the device is non-blocking, and a reader with nothing to read sleeps on the device and the
 * session's exit eventfd, so exit wakes every reader without pthread_cancel. A pool of readers
 * sleeps in per-reader epoll sets that hold the device with EPOLLEXCLUSIVE (a request wakes one
 * idle reader, as a blocking read would) and the exit eventfd without it (exit wakes them all).
 */
#include "fuse_dev_i.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct fuse_chan *fuse__chan_new(int fd)
{
	struct fuse_chan *ch = calloc(1, sizeof(*ch));

	if (!ch) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate channel\n");
		return NULL;
	}
	ch->fd = fd;
	atomic_init(&ch->refs, 1);
	return ch;
}

void fuse__chan_put(struct fuse_chan *ch)
{
	if (!ch || atomic_fetch_sub(&ch->refs, 1) != 1)
		return;
	if (ch->fd >= 0)
		close(ch->fd);
	free(ch);
}

/*
 * A second /dev/fuse fd attached to the same connection: the kernel answers a request on
 * the fd it was read from, so each worker with its own fd avoids the shared wait queue.
 */
struct fuse_chan *fuse__chan_clone(struct fuse_session *se)
{
	struct fuse_chan *ch;
	uint32_t master = (uint32_t)fuse__session_devfd(se);
	int fd;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to open /dev/fuse for clone_fd: %s\n",
			 strerror(errno));
		return NULL;
	}
	if (ioctl(fd, FUSE_DEV_IOC_CLONE, &master) < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: FUSE_DEV_IOC_CLONE: %s\n", strerror(errno));
		close(fd);
		return NULL;
	}
	ch = fuse__chan_new(fd);
	if (!ch)
		close(fd);
	return ch;
}

int fuse__dev_write(struct fuse_session *se, struct fuse_chan *ch, struct iovec *iov, int count)
{
	int fd = ch ? ch->fd : fuse__session_devfd(se);
	ssize_t n;

	if (se->io)
		n = se->io->writev(fd, iov, count, se->userdata);
	else
		n = writev(fd, iov, count);
	if (n >= 0)
		return 0;
	/*
	 * ENOENT: the request was interrupted and the kernel forgot it; ENOTCONN/ENODEV: the
	 * connection is gone. Neither is the filesystem's fault; the caller decides what to log.
	 */
	return -errno;
}

/*
 * A private wait set for one reader of a pool. poll() puts every sleeping reader on the
 * device's wait queue without the exclusive flag, so each request woke all of them: with the
 * worker pool's ten readers that herd cost about 35 us of CPU per request (4.8 context
 * switches per 4k read, measured), three times what the reply itself costs. EPOLLEXCLUSIVE
 * makes the kernel wake one reader whose set is actually waiting, the others stay asleep.
 * Returns the epoll fd, or -errno (the caller then waits with poll(), as a lone reader may).
 */
int fuse__dev_waiter_new(struct fuse_session *se, struct fuse_chan *ch)
{
	struct epoll_event dev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	struct epoll_event ex = { .events = EPOLLIN };
	int fd = ch ? ch->fd : fuse__session_devfd(se);
	int ep, err;

	if (se->io || fd < 0 || se->exit_efd < 0)
		return -EOPNOTSUPP; /* custom io: its fd may not be pollable the same way */
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	dev.data.u32 = 0;
	ex.data.u32 = 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &dev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, se->exit_efd, &ex) < 0) {
		err = -errno;
		close(ep);
		return err;
	}
	return ep;
}

/* 1: the device is readable, 0: the session exited, -errno. */
static int dev_wait(struct fuse_session *se, int fd, int ep)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = se->exit_efd, .events = POLLIN },
	};
	struct epoll_event ev[2];
	int i, n;

	if (ep >= 0) {
		n = epoll_wait(ep, ev, 2, -1);
		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		for (i = 0; i < n; i++)
			if (ev[i].data.u32 == 1)
				return 0;
		/* ERR/HUP on the device: the read that follows tells ENODEV. */
		return 1;
	}
	if (poll(pfd, 2, -1) < 0)
		return errno == EINTR ? -EINTR : -errno;
	if (pfd[1].revents)
		return 0;
	if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
		return -ENODEV;
	return 1;
}

ssize_t fuse__dev_read_wait(struct fuse_session *se, struct fuse_chan *ch, void *buf,
			    size_t size, int ep)
{
	int fd = ch ? ch->fd : fuse__session_devfd(se);
	ssize_t n;
	int w;

	for (;;) {
		if (atomic_load(&se->exited))
			return 0;
		if (se->io)
			n = se->io->read(fd, buf, size, se->userdata);
		else
			n = read(fd, buf, size);
		if (n >= 0)
			break;
		switch (errno) {
		case EAGAIN:
			/* Custom io may be blocking or not; only our own fd is known non-blocking. */
			w = dev_wait(se, fd, ep);
			if (w == 0)
				return 0;
			if (w == -ENODEV)
				goto unmounted;
			if (w < 0 && w != -EINTR)
				return w;
			continue;
		case EINTR:
			return -EINTR;
		case ENOENT:
			/* The kernel dropped the request between poll and read; read again. */
			continue;
		case ENODEV:
			goto unmounted;
		default:
			return -errno;
		}
	}
	if ((size_t)n < sizeof(struct fuse_in_header)) {
		fuse_log(FUSE_LOG_ERR, "fuse: short read on fuse device\n");
		return -EIO;
	}
	return n;

unmounted:
	/* Unmounted or aborted: the normal end of a session. */
	fuse__session_exit(se, 0);
	return 0;
}

ssize_t fuse__dev_read(struct fuse_session *se, struct fuse_chan *ch, void *buf, size_t size)
{
	return fuse__dev_read_wait(se, ch, buf, size, -1);
}

/* Whether a request goes on the session's INTERRUPT lookup list while it is handled. */
static bool dev_op_tracked(const struct fuse_session *se, uint32_t opcode)
{
	return !se->no_interrupt && !fuse__op_noreply(opcode);
}

/* The end of every reply: err is what the write (or splice) returned. */
static int dev_complete(struct fuse_req *req, int err)
{
	struct fuse_chan *ch = req->tp_data;
	struct fuse_session *se = req->se;

	if (err < 0 && err != -ENOENT && !atomic_load(&se->exited))
		fuse_log(FUSE_LOG_ERR, "fuse: writing reply to /dev/fuse: %s\n", strerror(-err));
	if (dev_op_tracked(se, req->opcode))
		fuse__dev_untrack(se, req);
	fuse__chan_put(ch);
	fuse__req_put(req);
	return err == -ENOENT ? 0 : err;
}

static int dev_send(struct fuse_req *req, struct iovec *iov, int count)
{
	return dev_complete(req, fuse__dev_write(req->se, req->tp_data, iov, count));
}

/* fuse_reply_data: spliced when the filesystem asked for SPLICE_WRITE (fuse_dev_splice.c). */
static int dev_send_data(struct fuse_req *req, struct iovec *iov, int count,
			 struct fuse_bufvec *bufv, size_t len, enum fuse_buf_copy_flags flags)
{
	int err = fuse__dev_splice_send(req->se, req->tp_data, iov, count, bufv, len, flags);

	if (err == FUSE__SEND_DECLINED)
		return err;
	return dev_complete(req, err);
}

static void dev_drop(struct fuse_req *req)
{
	struct fuse_chan *ch = req->tp_data;

	if (dev_op_tracked(req->se, req->opcode))
		fuse__dev_untrack(req->se, req);
	fuse__chan_put(ch);
	fuse__req_put(req);
}

const struct fuse__transport_ops fuse__dev_ops = {
	.name = "/dev/fuse",
	.is_uring = false,
	.send = dev_send,
	.drop = dev_drop,
	.get_payload = NULL,
	.send_data = dev_send_data,
};

static void dev_count(struct fuse_session *se, uint32_t opcode)
{
	struct dev_stats *st = &dev_of(se)->stats;

	atomic_fetch_add_explicit(&st->requests, 1, memory_order_relaxed);
	switch (opcode) {
	case FUSE_INIT:
		atomic_fetch_add_explicit(&st->init, 1, memory_order_relaxed);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
		atomic_fetch_add_explicit(&st->forget, 1, memory_order_relaxed);
		break;
	case FUSE_INTERRUPT:
		atomic_fetch_add_explicit(&st->interrupt, 1, memory_order_relaxed);
		break;
	case FUSE_DESTROY:
		atomic_fetch_add_explicit(&st->destroy, 1, memory_order_relaxed);
		break;
	default:
		atomic_fetch_add_explicit(&st->other, 1, memory_order_relaxed);
		break;
	}
}

void fuse__dev_process(struct fuse_session *se, struct fuse_chan *ch, const void *buf, size_t len)
{
	const struct fuse_in_header *in = buf;
	struct fuse__req_view view;
	struct fuse_req *req;

	if (len < sizeof(*in)) {
		fuse_log(FUSE_LOG_ERR, "fuse: request of %zu bytes is shorter than its header\n", len);
		return;
	}
	dev_count(se, in->opcode);

	req = malloc(sizeof(*req));
	if (!req) {
		/* Without a request object there is nothing to reply through; tell the kernel
		 * directly so the caller does not wait forever. */
		struct fuse_out_header oh = { .len = sizeof(oh), .error = -ENOMEM, .unique = in->unique };
		struct iovec iov = { .iov_base = &oh, .iov_len = sizeof(oh) };

		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate request\n");
		if (!fuse__op_noreply(in->opcode))
			(void)fuse__dev_write(se, ch, &iov, 1);
		return;
	}
	fuse__req_init(req, se);
	/* Here, not in dispatch: INTERRUPT lookups read it as soon as the request is tracked. */
	req->unique = in->unique;
	req->opcode = in->opcode;
	req->tp = &fuse__dev_ops;
	if (ch)
		atomic_fetch_add(&ch->refs, 1);
	req->tp_data = ch;

	if (in->len != len) {
		/* The device never splits or merges requests: a mismatch is a corrupt buffer. */
		fuse_log(FUSE_LOG_ERR, "fuse: request length %u does not match %zu bytes read\n",
			 in->len, len);
		if (fuse__op_noreply(in->opcode))
			dev_drop(req);
		else
			fuse_reply_err(req, EIO);
		return;
	}

	if (dev_op_tracked(se, in->opcode))
		fuse__dev_track(se, req);

	view.in = in;
	view.arg = in + 1;
	view.arg_len = len - sizeof(*in);
	view.payload = NULL;
	view.payload_len = 0;
	fuse__dispatch(req, &view);
}

FUSE_EXPORT int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf)
{
	size_t room = se ? se->bufsize : 0;
	ssize_t n;

	if (!se || !buf)
		return -EINVAL;
	if (!buf->mem) {
		buf->mem = malloc(se->bufsize);
		if (!buf->mem) {
			fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate read buffer\n");
			return -ENOMEM;
		}
#if RINGFUSE_ABI >= 318
		/* The 3.18 ABI tells the caller how much was allocated. */
		buf->mem_size = se->bufsize;
#endif
	}
#if RINGFUSE_ABI >= 318
	/* A caller that states its buffer's size is never written past it. */
	if (buf->mem_size && buf->mem_size < room)
		room = buf->mem_size;
#endif
	/* libfuse's contract: a caller-provided buffer is at least the session's bufsize. */
	n = fuse__dev_read(se, se->ch, buf->mem, room);
	if (n == 0) {
		/* The caller's loop ends here: as when a library loop returns, no handler runs. */
		fuse__gate_close_wait(se);
		return 0;
	}
	if (n < 0)
		return (int)n;
	buf->size = (size_t)n;
	buf->flags = 0;
	return (int)n;
}

FUSE_EXPORT void fuse_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf)
{
	if (!se || !buf)
		return;
	if (buf->flags & FUSE_BUF_IS_FD) {
		fuse_log(FUSE_LOG_ERR, "fuse: fd buffers are not supported by fuse_session_process_buf\n");
		return;
	}
	fuse__dev_process(se, se->ch, buf->mem, buf->size);
}

/* ---- the transport ---- */

void fuse__dev_track(struct fuse_session *se, struct fuse_req *req)
{
	struct dev_tp *d = dev_of(se);

	pthread_mutex_lock(&d->lock);
	req->next = &d->inflight;
	req->prev = d->inflight.prev;
	d->inflight.prev->next = req;
	d->inflight.prev = req;
	pthread_mutex_unlock(&d->lock);
}

void fuse__dev_untrack(struct fuse_session *se, struct fuse_req *req)
{
	struct dev_tp *d = dev_of(se);

	/* Tested under the lock: tracking a newer request rewrites this one's next. */
	pthread_mutex_lock(&d->lock);
	if (req->next) {
		req->prev->next = req->next;
		req->next->prev = req->prev;
		req->next = req->prev = NULL;
	}
	pthread_mutex_unlock(&d->lock);
}

static struct fuse_req *dev_tp_find_req(struct fuse__transport *t, uint64_t unique)
{
	struct dev_tp *d = t->priv;
	struct fuse_req *r, *found = NULL;

	pthread_mutex_lock(&d->lock);
	for (r = d->inflight.next; r != &d->inflight; r = r->next) {
		if (r->unique == unique) {
			atomic_fetch_add(&r->refs, 1);
			found = r;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

static int dev_tp_init(struct fuse__transport *t, struct fuse_args *args)
{
	struct dev_tp *d = calloc(1, sizeof(*d));

	(void)args;
	if (!d)
		return -ENOMEM;
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d);
		return -ENOMEM;
	}
	d->inflight.next = d->inflight.prev = &d->inflight;
	t->priv = d;
	return 0;
}

static int dev_tp_attach(struct fuse__transport *t, int fd)
{
	struct fuse_session *se = t->se;

	se->ch = fuse__chan_new(fd);
	if (!se->ch)
		return -ENOMEM;
	return 0;
}

/* Notifications (unique 0) always go to the device, whichever transport carries requests. */
static int dev_tp_notify(struct fuse__transport *t, struct iovec *iov, int count)
{
	struct fuse_session *se = t->se;
	const struct fuse_out_header *oh = iov[0].iov_base;

	if (!se->ch)
		return -ENOTCONN;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "   NOTIFY: code=%d length=%u\n", oh->error, oh->len);
	return fuse__dev_write(se, se->ch, iov, count);
}

static void dev_tp_stats_print(struct fuse__transport *t, FILE *out)
{
	struct dev_stats *d = &((struct dev_tp *)t->priv)->stats;

	fprintf(out,
		"ringfuse-stats: dev requests=%lu init=%lu forget=%lu interrupt=%lu destroy=%lu other=%lu splice=%lu splice_fallback=%lu\n",
		atomic_load(&d->requests), atomic_load(&d->init), atomic_load(&d->forget),
		atomic_load(&d->interrupt), atomic_load(&d->destroy), atomic_load(&d->other),
		atomic_load(&d->splice), atomic_load(&d->splice_fallback));
}

static void dev_tp_destroy(struct fuse__transport *t)
{
	struct fuse_session *se = t->se;
	struct dev_tp *d = t->priv;

	fuse__chan_put(se->ch);
	se->ch = NULL;
	if (d) {
		fuse__dev_splice_fini(se);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
}

/* Always on: it carries INIT, so it needs no start, and its readers wait on the exit eventfd. */
const struct fuse__transport_class fuse__dev_class = {
	.name = "/dev/fuse",
	.parallel = false,
	.init = dev_tp_init,
	.attach = dev_tp_attach,
	.find_req = dev_tp_find_req,
	.notify = dev_tp_notify,
	.stats_print = dev_tp_stats_print,
	.destroy = dev_tp_destroy,
};
