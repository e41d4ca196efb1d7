/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FUSE_INIT handshake: what the kernel offers becomes fuse_conn_info.capable, the
 * filesystem's init() edits want and the limits, and the reply tells the kernel what we
 * agreed on. This is also where the session's transports are started (the io-uring queues),
 * because only here are the buffer sizes known and only the INIT reply can switch the kernel
 * over; which of them start, and why not, is theirs to say (transport_i.h).
 */
#include "fuse_i.h"
#include "api318_i.h"

#include <string.h>
#include <unistd.h>

/* Kernel INIT flag <-> libfuse capability bit, for everything that maps one to one. */
static const struct {
	uint64_t kernel;
	uint32_t cap;
} init_caps[] = {
	{ FUSE_ASYNC_READ, FUSE_CAP_ASYNC_READ },
	{ FUSE_POSIX_LOCKS, FUSE_CAP_POSIX_LOCKS },
	{ FUSE_ATOMIC_O_TRUNC, FUSE_CAP_ATOMIC_O_TRUNC },
	{ FUSE_EXPORT_SUPPORT, FUSE_CAP_EXPORT_SUPPORT },
	{ FUSE_DONT_MASK, FUSE_CAP_DONT_MASK },
	{ FUSE_FLOCK_LOCKS, FUSE_CAP_FLOCK_LOCKS },
	{ FUSE_HAS_IOCTL_DIR, FUSE_CAP_IOCTL_DIR },
	{ FUSE_AUTO_INVAL_DATA, FUSE_CAP_AUTO_INVAL_DATA },
	{ FUSE_DO_READDIRPLUS, FUSE_CAP_READDIRPLUS },
	{ FUSE_READDIRPLUS_AUTO, FUSE_CAP_READDIRPLUS_AUTO },
	{ FUSE_ASYNC_DIO, FUSE_CAP_ASYNC_DIO },
	{ FUSE_WRITEBACK_CACHE, FUSE_CAP_WRITEBACK_CACHE },
	{ FUSE_NO_OPEN_SUPPORT, FUSE_CAP_NO_OPEN_SUPPORT },
	{ FUSE_PARALLEL_DIROPS, FUSE_CAP_PARALLEL_DIROPS },
	{ FUSE_HANDLE_KILLPRIV, FUSE_CAP_HANDLE_KILLPRIV },
	{ FUSE_HANDLE_KILLPRIV_V2, FUSE_CAP_HANDLE_KILLPRIV_V2 },
	{ FUSE_POSIX_ACL, FUSE_CAP_POSIX_ACL },
	{ FUSE_CACHE_SYMLINKS, FUSE_CAP_CACHE_SYMLINKS },
	{ FUSE_NO_OPENDIR_SUPPORT, FUSE_CAP_NO_OPENDIR_SUPPORT },
	{ FUSE_EXPLICIT_INVAL_DATA, FUSE_CAP_EXPLICIT_INVAL_DATA },
	{ FUSE_HAS_EXPIRE_ONLY, FUSE_CAP_EXPIRE_ONLY },
	{ FUSE_SETXATTR_EXT, FUSE_CAP_SETXATTR_EXT },
	{ FUSE_DIRECT_IO_ALLOW_MMAP, FUSE_CAP_DIRECT_IO_ALLOW_MMAP },
	{ FUSE_PASSTHROUGH, FUSE_CAP_PASSTHROUGH },
	{ FUSE_NO_EXPORT_SUPPORT, FUSE_CAP_NO_EXPORT_SUPPORT },
	{ FUSE_OVER_IO_URING, FUSE_CAP_OVER_IO_URING },
};

static void init_reply(struct fuse_req *req, int error, const void *arg, size_t size)
{
	struct iovec iov[2];
	int count = 1;

	if (size) {
		iov[1].iov_base = (void *)arg;
		iov[1].iov_len = size;
		count = 2;
	}
	(void)fuse__send_reply_iov(req, error, iov, count);
}

/*
 * The splice capabilities have no kernel flag: they tell the library how to move data on
 * /dev/fuse (any kernel since 7.14 can splice there), so libfuse offers them on Linux unless a
 * custom io lacks the matching splice call. SPLICE_WRITE and SPLICE_MOVE are used by the
 * /dev/fuse transport for fd-backed fuse_reply_data (fuse_dev_splice.c); SPLICE_READ is a hint
 * we accept and read requests with read(2). The ring carries payloads in its own buffers and
 * copies whatever is asked: there these flags change nothing and never fail.
 */
static uint32_t init_splice_caps(const struct fuse_session *se)
{
	uint32_t caps = 0;

	if (!se->io || se->io->splice_send)
		caps |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
	if (!se->io || se->io->splice_receive)
		caps |= FUSE_CAP_SPLICE_READ;
	return caps;
}

/* Capabilities a filesystem gets without asking, as libfuse documents them. */
static uint32_t init_default_want(struct fuse_session *se, uint32_t capable)
{
	uint32_t want = FUSE_CAP_ASYNC_READ | FUSE_CAP_PARALLEL_DIROPS | FUSE_CAP_AUTO_INVAL_DATA |
			FUSE_CAP_HANDLE_KILLPRIV | FUSE_CAP_ASYNC_DIO | FUSE_CAP_IOCTL_DIR |
			FUSE_CAP_ATOMIC_O_TRUNC;

	if (se->op.getlk && se->op.setlk)
		want |= FUSE_CAP_POSIX_LOCKS;
	if (se->op.flock)
		want |= FUSE_CAP_FLOCK_LOCKS;
	if (se->op.readdirplus)
		want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
	/* libfuse: splice reads are on by default for a filesystem that takes write_buf. */
	if (se->op.write_buf)
		want |= FUSE_CAP_SPLICE_READ;
	if (fuse__transports_wanted(se) & FUSE_OVER_IO_URING)
		want |= FUSE_CAP_OVER_IO_URING;
	return want & capable;
}

void fuse__do_init(struct fuse_req *req, const struct fuse__req_view *v)
{
	struct fuse_session *se = req->se;
	struct fuse_conn_info *conn = &se->conn;
	const struct fuse_init_in *arg;
	const void *rest;
	size_t rest_len, insize;
	struct fuse__init_out out;
	uint64_t inflags, outflags = 0;
	size_t bufsize = se->bufsize, outsize;
	long pagesize = sysconf(_SC_PAGESIZE);
	unsigned int i;
#if RINGFUSE_ABI >= 318
	uint32_t want_before;
#endif

	/* Before 7.36 the argument had no flags2; accept the short form. */
	insize = offsetof(struct fuse_init_in, flags) + sizeof(uint32_t);
	if (fuse__view_split(v, insize, (const void **)&arg, &rest, &rest_len) < 0) {
		init_reply(req, -EINVAL, NULL, 0);
		return;
	}
	if (pagesize <= 0)
		pagesize = 4096;

	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE__KERNEL_MINOR_MAX;

	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "INIT: %u.%u\n", arg->major, arg->minor);
	if (arg->major < 7) {
		fuse_log(FUSE_LOG_ERR, "fuse: unsupported protocol version: %u.%u\n", arg->major,
			 arg->minor);
		init_reply(req, -EPROTO, NULL, 0);
		return;
	}
	if (arg->major > 7) {
		/* The kernel retries with our major when we answer with just the version. */
		init_reply(req, 0, &out, FUSE_COMPAT_INIT_OUT_SIZE);
		return;
	}

	inflags = arg->flags;
	if ((arg->flags & FUSE_INIT_EXT) && v->arg_len >= offsetof(struct fuse_init_in, flags2) + 4)
		inflags |= (uint64_t)arg->flags2 << 32;
	se->kernel_flags = inflags;

	conn->proto_major = arg->major;
	conn->proto_minor = arg->minor;
	conn->capable = 0;
	conn->want = 0;
	conn->max_readahead = arg->max_readahead;
	for (i = 0; i < sizeof(init_caps) / sizeof(init_caps[0]); i++)
		if (inflags & init_caps[i].kernel)
			conn->capable |= init_caps[i].cap;
	/* Passthrough needs the library's backing-id calls, which we have; io-uring needs the
	 * user's consent as well as the kernel's. */
	if (!(fuse__transports_wanted(se) & FUSE_OVER_IO_URING))
		conn->capable &= ~FUSE_CAP_OVER_IO_URING;
	conn->capable |= init_splice_caps(se);

	if (bufsize < FUSE_MIN_READ_BUFFER)
		bufsize = FUSE_MIN_READ_BUFFER;
	conn->max_write = bufsize - 4096;
	conn->max_read = se->max_read_opt;
	conn->max_background = 0;
	conn->congestion_threshold = 0;
	conn->time_gran = 1;
	conn->want = init_default_want(se, conn->capable);

#if RINGFUSE_ABI >= 318
	/* The 3.17 fields; want_ext/capable_ext start as copies of want/capable. */
	conn->capable_ext = conn->capable;
	conn->want_ext = conn->want;
	conn->no_interrupt = se->no_interrupt;
	conn->max_backing_stack_depth = FUSE_BACKING_STACKED_UNDER;
	conn->request_timeout = 0;
	want_before = conn->want;
#endif
	if (se->op.init)
		se->op.init(se->userdata, conn);
#if RINGFUSE_ABI >= 318
	fuse__conn_want_merge(conn, want_before);
	if (conn->no_interrupt)
		se->no_interrupt = true;
#endif

	if (conn->want & ~conn->capable) {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: error: filesystem requested capabilities 0x%x that are not supported by kernel, aborting.\n",
			 conn->want & ~conn->capable);
		init_reply(req, -EPROTO, NULL, 0);
		fuse__session_exit(se, -EPROTO);
		return;
	}
	if ((conn->want & FUSE_CAP_PASSTHROUGH) && (conn->want & FUSE_CAP_WRITEBACK_CACHE)) {
		/* The kernel refuses passthrough together with writeback caching. */
		fuse_log(FUSE_LOG_WARNING,
			 "fuse: passthrough and writeback_cache exclude each other; passthrough off\n");
		conn->want &= ~FUSE_CAP_PASSTHROUGH;
	}

	for (i = 0; i < sizeof(init_caps) / sizeof(init_caps[0]); i++)
		if ((conn->want & init_caps[i].cap) && init_caps[i].kernel != FUSE_OVER_IO_URING)
			outflags |= init_caps[i].kernel;
	if (conn->want & FUSE_CAP_PASSTHROUGH)
		out.max_stack_depth = 1;
#if RINGFUSE_ABI >= 318
	/* The kernel counts the FUSE layer itself too. */
	if (conn->want & FUSE_CAP_PASSTHROUGH)
		out.max_stack_depth = conn->max_backing_stack_depth + 1;
	if ((inflags & FUSE_REQUEST_TIMEOUT) && conn->request_timeout) {
		outflags |= FUSE_REQUEST_TIMEOUT;
		out.request_timeout = conn->request_timeout;
	}
#endif

	if (conn->max_write > bufsize - 4096)
		conn->max_write = bufsize - 4096;
	if (conn->max_write < 4096)
		conn->max_write = 4096;
	if (inflags & FUSE_MAX_PAGES) {
		outflags |= FUSE_MAX_PAGES;
		se->max_pages = (conn->max_write - 1) / pagesize + 1;
		out.max_pages = se->max_pages;
	} else {
		se->max_pages = 32;
	}
	if (inflags & FUSE_BIG_WRITES)
		outflags |= FUSE_BIG_WRITES;
	se->bufsize = conn->max_write + 4096;

	fuse__transports_start(se, &outflags);
	/* Starting the ring may have negotiated max_write and max_pages down to fit its memory
	 * bound (fuse_uring_setup.c); the reply and the /dev/fuse buffers follow. */
	if (outflags & FUSE_MAX_PAGES)
		out.max_pages = se->max_pages;
	se->bufsize = conn->max_write + 4096;

	if (inflags & FUSE_INIT_EXT)
		outflags |= FUSE_INIT_EXT;
	out.flags = (uint32_t)outflags;
	out.flags2 = (uint32_t)(outflags >> 32);
	out.max_readahead = conn->max_readahead;
	out.max_write = conn->max_write;
	out.max_background = conn->max_background;
	out.congestion_threshold = conn->congestion_threshold;
	out.time_gran = conn->time_gran;
	if (arg->minor < out.minor)
		out.minor = arg->minor;

	if (se->debug) {
		fuse_log(FUSE_LOG_DEBUG, "   INIT: %u.%u\n", out.major, out.minor);
		fuse_log(FUSE_LOG_DEBUG, "   flags=0x%08x flags2=0x%08x\n", out.flags, out.flags2);
		fuse_log(FUSE_LOG_DEBUG, "   max_readahead=0x%08x max_write=0x%08x\n",
			 out.max_readahead, out.max_write);
	}

	outsize = arg->minor < 5 ? FUSE_COMPAT_INIT_OUT_SIZE :
		  arg->minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE : sizeof(out);
	atomic_store(&se->got_init, true);
	init_reply(req, 0, &out, outsize);
	/* The write above returned after the kernel processed the reply. */
	fuse__transports_go(se);
}
