/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry points that libfuse 3.17 and 3.18 added, built into libfuse3.so.4 only (RINGFUSE_ABI
 * 318): the low-level versioned constructor that the header inlines call and the version
 * check the high-level ones (highlevel/main.c) share, the 64-bit feature flags of struct
 * fuse_conn_info, the fatal-signal handlers, the epoch notification and the STATX reply. The
 * library is compiled against the same struct layouts as its callers (the headers at
 * RINGFUSE_ABI 318), so these are thin: the work is done by the functions they lead to.
 */
#include "api318_i.h"

#if RINGFUSE_ABI >= 318
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The header version a program was compiled with. Any 3.x works: the layouts are those of
 * this library's headers from 3.17 on, and a program built against older headers cannot call
 * these functions. Newer headers than ours might expect more; say so once, then go on.
 */
int fuse__api_version_check(const struct libfuse_version *version, const char *func)
{
	if (!version)
		return 0;
	if (version->major != FUSE_MAJOR_VERSION) {
		fuse_log(FUSE_LOG_ERR, "fuse: %s: program built for libfuse %u.%u, this is libfuse %d\n",
			 func, version->major, version->minor, FUSE_MAJOR_VERSION);
		return -EINVAL;
	}
	if (version->minor > FUSE_MINOR_VERSION)
		fuse_log(FUSE_LOG_WARNING,
			 "fuse: %s: program built against libfuse %u.%u headers, newer than this library (%d.%d)\n",
			 func, version->major, version->minor, FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION);
	return 0;
}

FUSE_EXPORT struct fuse_session *fuse_session_new_versioned(struct fuse_args *args,
							    const struct fuse_lowlevel_ops *op,
							    size_t op_size,
							    struct libfuse_version *version,
							    void *userdata)
{
	if (fuse__api_version_check(version, __func__) < 0)
		return NULL;
	return fuse_session_new(args, op, op_size, userdata);
}

/* ---- 64-bit feature flags ---- */

FUSE_EXPORT bool fuse_set_feature_flag(struct fuse_conn_info *conn, uint64_t flag)
{
	if (!conn || flag == 0 || (conn->capable_ext & flag) != flag)
		return false;
	conn->want_ext |= flag;
	return true;
}

FUSE_EXPORT void fuse_unset_feature_flag(struct fuse_conn_info *conn, uint64_t flag)
{
	if (conn)
		conn->want_ext &= ~flag;
}

FUSE_EXPORT bool fuse_get_feature_flag(struct fuse_conn_info *conn, uint64_t flag)
{
	return conn && flag != 0 && (conn->want_ext & flag) == flag;
}

void fuse__conn_want_merge(struct fuse_conn_info *conn, uint32_t want_before)
{
	uint64_t via_want = (uint64_t)(conn->want ^ want_before);

	conn->want_ext = (conn->want_ext & ~via_want) | ((uint64_t)conn->want & via_want);
	conn->want = (uint32_t)conn->want_ext;
}

/*
 * Without the library's record of what init() was handed, the lower half of want_ext is
 * taken from want, which is what a program that only knows want expects.
 */
FUSE_EXPORT int fuse_convert_to_conn_want_ext(struct fuse_conn_info *conn)
{
	if (!conn)
		return -EINVAL;
	conn->want_ext = (conn->want_ext & ~(uint64_t)UINT32_MAX) | conn->want;
	conn->want = (uint32_t)conn->want_ext;
	if (conn->want_ext & ~conn->capable_ext)
		return -EINVAL;
	return 0;
}

/* ---- fatal signals ---- */

static const int fail_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

/*
 * Say that a fatal signal killed the filesystem (the kernel only sees the connection drop),
 * then die of it as before: SA_RESETHAND put the default action back and the signal stays
 * blocked while the handler runs, so the raise() below is delivered, with the default action,
 * as soon as the handler returns (also for a signal sent with kill(2), which would not come
 * again by itself). Only async-signal-safe calls here.
 */
static void fail_handler(int sig)
{
	static const char msg[] = "fuse: fatal signal, the filesystem process dies\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)raise(sig);
}

FUSE_EXPORT int fuse_set_fail_signal_handlers(struct fuse_session *se)
{
	struct sigaction old, sa;
	size_t i;

	if (!se)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fail_handler;
	(void)sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(fail_sigs) / sizeof(fail_sigs[0]); i++) {
		if (sigaction(fail_sigs[i], NULL, &old) == -1)
			goto fail;
		/* A handler the program installed itself is left alone. */
		if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
			continue;
		if (sigaction(fail_sigs[i], &sa, NULL) == -1)
			goto fail;
	}
	return 0;

fail:
	fuse_log(FUSE_LOG_ERR, "fuse: cannot set signal handler: %s\n", strerror(errno));
	return -1;
}

/* ---- notifications and replies of 3.18 ---- */

/* FUSE_NOTIFY_INC_EPOCH (protocol 7.44) carries no argument. */
#define NOTIFY_INC_EPOCH_MINOR 44

FUSE_EXPORT int fuse_lowlevel_notify_increment_epoch(struct fuse_session *se)
{
	struct iovec iov[1];

	if (!se)
		return -EINVAL;
	if (se->conn.proto_minor < NOTIFY_INC_EPOCH_MINOR)
		return -ENOSYS;
	return fuse__send_notify(se, FUSE__NOTIFY_INC_EPOCH, iov, 1);
}

static void statx_time(struct fuse__sx_time *to, const struct statx_timestamp *from)
{
	to->tv_sec = from->tv_sec;
	to->tv_nsec = from->tv_nsec;
}

FUSE_EXPORT int fuse_reply_statx(fuse_req_t req, int flags, struct statx *stx, double attr_timeout)
{
	struct fuse__statx_out out;
	struct iovec iov[2];

	if (!stx)
		return fuse_reply_err(req, EINVAL);
	memset(&out, 0, sizeof(out));
	if (attr_timeout > 0 && attr_timeout < (double)UINT64_MAX) {
		out.attr_valid = (uint64_t)attr_timeout;
		out.attr_valid_nsec = (uint32_t)((attr_timeout - (double)out.attr_valid) * 1e9);
	}
	out.flags = (uint32_t)flags;
	out.stat.mask = stx->stx_mask;
	out.stat.blksize = stx->stx_blksize;
	out.stat.attributes = stx->stx_attributes;
	out.stat.nlink = stx->stx_nlink;
	out.stat.uid = stx->stx_uid;
	out.stat.gid = stx->stx_gid;
	out.stat.mode = stx->stx_mode;
	out.stat.ino = stx->stx_ino;
	out.stat.size = stx->stx_size;
	out.stat.blocks = stx->stx_blocks;
	out.stat.attributes_mask = stx->stx_attributes_mask;
	statx_time(&out.stat.atime, &stx->stx_atime);
	statx_time(&out.stat.btime, &stx->stx_btime);
	statx_time(&out.stat.ctime, &stx->stx_ctime);
	statx_time(&out.stat.mtime, &stx->stx_mtime);
	out.stat.rdev_major = stx->stx_rdev_major;
	out.stat.rdev_minor = stx->stx_rdev_minor;
	out.stat.dev_major = stx->stx_dev_major;
	out.stat.dev_minor = stx->stx_dev_minor;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	return fuse__send_reply_iov(req, 0, iov, 2);
}
#else
/* libfuse3.so.3 has none of this; keep the translation unit non-empty for -pedantic. */
typedef int fuse__api318_unused;
#endif
