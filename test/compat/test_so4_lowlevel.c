/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libfuse 3.17/3.18 low-level behaviour of libfuse3.so.4, through its dispatcher fed
 * crafted requests (the bench of test/dispatch, here linked with the RINGFUSE_ABI=318 objects):
 *   - INIT: capable_ext/want_ext start as copies of capable/want; init() may ask through
 *     fuse_set_feature_flag()/fuse_unset_feature_flag(), through the old 32-bit want, or both,
 *     and the INIT reply carries the result; want and want_ext agree afterwards;
 *     request_timeout and max_backing_stack_depth reach the reply;
 *   - conn->no_interrupt set in init(): no request is tracked, INTERRUPT gets ENOSYS;
 *   - STATX reaches the statx handler, fuse_reply_statx() answers with the 7.39 layout;
 *     TMPFILE reaches the tmpfile handler; without handlers both are ENOSYS;
 *   - fuse_lowlevel_notify_increment_epoch() sends notification 8, and -ENOSYS before 7.44;
 *   - the 4-argument fuse_lowlevel_notify_expire_entry() sends an expire-only entry notification;
 *   - fuse_buf.mem_size: filled in when fuse_session_receive_buf() allocates, obeyed otherwise;
 *   - fuse_session_custom_io() of 3.17 (keeps clone_fd) and of 3.0 (cannot have one);
 *   - fuse_set_fail_signal_handlers() reports a fatal signal and the process still dies of it;
 *   - fuse_log_enable_syslog()/fuse_log_close_syslog() move messages off stderr and back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct statx */
#endif
#include "../unit/dispatch/harness.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>

static int init_mode;
static uint64_t seen_capable_ext, seen_want_ext;
static uint32_t seen_capable, seen_want;

static void t_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	seen_capable = conn->capable;
	seen_capable_ext = conn->capable_ext;
	seen_want = conn->want;
	seen_want_ext = conn->want_ext;
	switch (init_mode) {
	case 1: /* the 3.17 calls only */
		CHECK(fuse_set_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE));
		fuse_unset_feature_flag(conn, FUSE_CAP_ASYNC_READ);
		CHECK(fuse_get_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE));
		CHECK(!fuse_get_feature_flag(conn, FUSE_CAP_ASYNC_READ));
		/* Not offered by this kernel: refused, want_ext unchanged. */
		CHECK(!fuse_set_feature_flag(conn, FUSE_CAP_EXPIRE_ONLY));
		break;
	case 2: /* the old 32-bit field only, as a program of API < 3.17 does */
		conn->want |= FUSE_CAP_FLOCK_LOCKS;
		conn->want &= ~FUSE_CAP_ASYNC_READ;
		break;
	case 3: /* both, on different flags: neither change may be lost */
		CHECK(fuse_set_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE));
		conn->want |= FUSE_CAP_FLOCK_LOCKS;
		conn->no_interrupt = 1;
		conn->request_timeout = 30;
		conn->max_backing_stack_depth = FUSE_BACKING_STACKED_OVER;
		break;
	}
}

static int statx_calls, statx_flags, statx_mask;
static bool statx_had_fi;
static uint64_t statx_fh;

static void t_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		    struct fuse_file_info *fi)
{
	struct statx stx;

	statx_calls++;
	statx_flags = flags;
	statx_mask = mask;
	statx_had_fi = fi != NULL;
	statx_fh = fi ? fi->fh : 0;
	memset(&stx, 0, sizeof(stx));
	stx.stx_mask = STATX_BASIC_STATS | STATX_BTIME;
	stx.stx_ino = ino;
	stx.stx_mode = S_IFREG | 0640;
	stx.stx_size = 12345;
	stx.stx_nlink = 3;
	stx.stx_btime.tv_sec = 1700000000;
	stx.stx_btime.tv_nsec = 42;
	stx.stx_dev_major = 8;
	(void)fuse_reply_statx(req, 0, &stx, 1.5);
}

static int tmpfile_calls;
static mode_t tmpfile_mode;
static int tmpfile_flags;

static void t_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode, struct fuse_file_info *fi)
{
	tmpfile_calls++;
	tmpfile_mode = mode;
	tmpfile_flags = fi->flags;
	(void)fuse_reply_err(req, EPERM);
}

static void t_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	/* Keeps the request unanswered for a moment: it is the one INTERRUPT would look for. */
	(void)fuse_reply_err(req, ENOENT);
}

static const struct fuse_lowlevel_ops t_ops = {
	.init = t_init,
	.getattr = t_getattr,
	.statx = t_statx,
	.tmpfile = t_tmpfile,
};

static const struct fuse__init_out *do_init(struct fuse_session *se, uint64_t kflags)
{
	struct fuse_init_in a = { .major = 7, .minor = 45, .max_readahead = 65536 };
	struct msg m;

	a.flags = (uint32_t)kflags | FUSE_INIT_EXT;
	a.flags2 = (uint32_t)(kflags >> 32);
	atomic_store(&se->got_init, false);
	msg_init(&m, FUSE_INIT, 0);
	msg_fixed(&m, &a, sizeof(a));
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(0, sizeof(struct fuse__init_out));
	return reply_arg();
}

static uint64_t out_flags(const struct fuse__init_out *out)
{
	return out->flags | (uint64_t)out->flags2 << 32;
}

#define KERNEL_FLAGS (FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE | FUSE_FLOCK_LOCKS | \
		      FUSE_POSIX_LOCKS | FUSE_MAX_PAGES | FUSE_REQUEST_TIMEOUT)

static void test_init_want(void)
{
	struct fuse_session *se;
	const struct fuse__init_out *out;
	int mode;

	for (mode = 1; mode <= 3; mode++) {
		se = harness_session(&t_ops, NULL);
		init_mode = mode;
		out = do_init(se, KERNEL_FLAGS);
		/* What init() was handed: the 64-bit fields mirror the 32-bit ones. */
		CHECK_UEQ(seen_capable_ext, seen_capable);
		CHECK_UEQ(seen_want_ext, seen_want);
		CHECK(seen_capable & FUSE_CAP_WRITEBACK_CACHE);
		CHECK(seen_want & FUSE_CAP_ASYNC_READ);
		/* Afterwards both views agree. */
		CHECK_UEQ(se->conn.want_ext, se->conn.want);
		if (mode == 1) {
			CHECK(out_flags(out) & FUSE_WRITEBACK_CACHE);
			CHECK(!(out_flags(out) & FUSE_ASYNC_READ));
		} else if (mode == 2) {
			CHECK(out_flags(out) & FUSE_FLOCK_LOCKS);
			CHECK(!(out_flags(out) & FUSE_ASYNC_READ));
			CHECK(se->conn.want_ext & FUSE_CAP_FLOCK_LOCKS);
		} else {
			CHECK(out_flags(out) & FUSE_WRITEBACK_CACHE);
			CHECK(out_flags(out) & FUSE_FLOCK_LOCKS);
			CHECK(out_flags(out) & FUSE_ASYNC_READ);
			CHECK(out_flags(out) & FUSE_REQUEST_TIMEOUT);
			CHECK_UEQ(out->request_timeout, 30);
			CHECK(se->no_interrupt);
		}
		if (mode != 3) {
			CHECK(!(out_flags(out) & FUSE_REQUEST_TIMEOUT));
			CHECK_UEQ(out->request_timeout, 0);
		}
		harness_session_free(se);
	}
}

/* no_interrupt from init(): INTERRUPT is refused for good, nothing is looked up. */
static void test_no_interrupt(void)
{
	struct fuse_session *se = harness_session(&t_ops, NULL);
	struct fuse_interrupt_in a = { .unique = 1000 };
	struct msg m;

	init_mode = 3;
	(void)do_init(se, KERNEL_FLAGS);
	msg_init(&m, FUSE_INTERRUPT, 0);
	msg_fixed(&m, &a, sizeof(a));
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(ENOSYS, 0);
	harness_session_free(se);
}

static void test_statx(enum style style)
{
	static const struct fuse_lowlevel_ops none = { 0 };
	struct fuse_session *se = harness_session(&t_ops, NULL);
	struct fuse__statx_in a = { .getattr_flags = FUSE_GETATTR_FH, .fh = 77,
				    .sx_flags = AT_STATX_FORCE_SYNC, .sx_mask = STATX_BTIME };
	const struct fuse__statx_out *out;
	struct msg m;

	msg_init(&m, FUSE__OP_STATX, 5);
	msg_fixed(&m, &a, sizeof(a));
	statx_calls = 0;
	run(se, &m, style);
	CHECK_EQ(statx_calls, 1);
	CHECK_EQ(statx_flags, AT_STATX_FORCE_SYNC);
	CHECK_EQ(statx_mask, STATX_BTIME);
	CHECK(statx_had_fi);
	CHECK_UEQ(statx_fh, 77);
	CHECK_REPLY(0, sizeof(struct fuse__statx_out));
	out = reply_arg();
	CHECK_UEQ(out->attr_valid, 1);
	CHECK_UEQ(out->attr_valid_nsec, 500000000);
	CHECK_UEQ(out->stat.mask, STATX_BASIC_STATS | STATX_BTIME);
	CHECK_UEQ(out->stat.ino, 5);
	CHECK_UEQ(out->stat.mode, S_IFREG | 0640);
	CHECK_UEQ(out->stat.size, 12345);
	CHECK_UEQ(out->stat.nlink, 3);
	CHECK_EQ(out->stat.btime.tv_sec, 1700000000);
	CHECK_UEQ(out->stat.btime.tv_nsec, 42);
	CHECK_UEQ(out->stat.dev_major, 8);
	harness_session_free(se);

	/* No handler: ENOSYS, so that the kernel falls back to GETATTR. */
	se = harness_session(&none, NULL);
	run(se, &m, style);
	CHECK_REPLY(ENOSYS, 0);
	harness_session_free(se);
}

static void test_tmpfile(enum style style)
{
	static const struct fuse_lowlevel_ops none = { 0 };
	struct fuse_session *se = harness_session(&t_ops, NULL);
	struct fuse_create_in a = { .flags = O_RDWR, .mode = S_IFREG | 0600, .umask = 022 };
	struct msg m;

	msg_init(&m, FUSE_TMPFILE, 1);
	msg_fixed(&m, &a, sizeof(a));
	tmpfile_calls = 0;
	run(se, &m, style);
	CHECK_EQ(tmpfile_calls, 1);
	CHECK_UEQ(tmpfile_mode, S_IFREG | 0600);
	CHECK_EQ(tmpfile_flags, O_RDWR);
	CHECK_REPLY(EPERM, 0);
	harness_session_free(se);

	se = harness_session(&none, NULL);
	run(se, &m, style);
	CHECK_REPLY(ENOSYS, 0);
	harness_session_free(se);
}

static void test_notify(void)
{
	struct fuse_session *se = harness_session(&t_ops, NULL);
	const struct fuse_out_header *oh = (const struct fuse_out_header *)N.buf;
	const struct fuse_notify_inval_entry_out *ent;

	N.writes = 0;
	CHECK_EQ(fuse_lowlevel_notify_increment_epoch(se), 0);
	CHECK_EQ(N.writes, 1);
	CHECK_EQ(oh->error, FUSE__NOTIFY_INC_EPOCH);
	CHECK_UEQ(oh->unique, 0);
	CHECK_UEQ(oh->len, sizeof(*oh));

	se->conn.capable |= FUSE_CAP_EXPIRE_ONLY;
	N.writes = 0;
	CHECK_EQ(fuse_lowlevel_notify_expire_entry(se, 9, "name", 4), 0);
	CHECK_EQ(N.writes, 1);
	ent = (const void *)(N.buf + sizeof(*oh));
	CHECK_EQ(oh->error, FUSE_NOTIFY_INVAL_ENTRY);
	CHECK_UEQ(ent->parent, 9);
	CHECK_UEQ(ent->flags, FUSE_EXPIRE_ONLY);

	/* Older kernels do not know the epoch notification. */
	se->conn.proto_minor = 43;
	N.writes = 0;
	CHECK_EQ(fuse_lowlevel_notify_increment_epoch(se), -ENOSYS);
	CHECK_EQ(N.writes, 0);
	harness_session_free(se);
}

/* The feature-flag calls by themselves. */
static void test_feature_flags(void)
{
	struct fuse_conn_info conn;

	memset(&conn, 0, sizeof(conn));
	conn.capable_ext = FUSE_CAP_ASYNC_READ | FUSE_CAP_OVER_IO_URING;
	CHECK(fuse_set_feature_flag(&conn, FUSE_CAP_OVER_IO_URING));
	CHECK(!fuse_set_feature_flag(&conn, FUSE_CAP_SPLICE_READ));
	CHECK(!fuse_set_feature_flag(&conn, 0));
	CHECK(!fuse_set_feature_flag(NULL, FUSE_CAP_ASYNC_READ));
	CHECK(fuse_get_feature_flag(&conn, FUSE_CAP_OVER_IO_URING));
	fuse_unset_feature_flag(&conn, FUSE_CAP_OVER_IO_URING);
	CHECK(!fuse_get_feature_flag(&conn, FUSE_CAP_OVER_IO_URING));
	/* The exported converter: the 32-bit want wins for the lower half. */
	conn.want = FUSE_CAP_ASYNC_READ;
	CHECK_EQ(fuse_convert_to_conn_want_ext(&conn), 0);
	CHECK_UEQ(conn.want_ext, FUSE_CAP_ASYNC_READ);
	conn.want = FUSE_CAP_SPLICE_READ;
	CHECK_EQ(fuse_convert_to_conn_want_ext(&conn), -EINVAL);
}

/* fuse_buf.mem_size (3.18): set when the library allocates the buffer, respected otherwise. */
static size_t read_room;

static ssize_t sized_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)fd;
	(void)buf;
	(void)userdata;
	read_room = len;
	/* An interrupted read: returns at once and leaves the session as it was. */
	errno = EINTR;
	return -1;
}

static void test_buf_mem_size(void)
{
	static struct fuse_custom_io io = { .writev = fake_notify_writev, .read = sized_read };
	struct fuse_session *se = harness_session(&t_ops, NULL);
	struct fuse_buf buf;
	char small[4096];

	se->io = &io;
	memset(&buf, 0, sizeof(buf));
	CHECK_EQ(fuse_session_receive_buf(se, &buf), -EINTR);
	CHECK(buf.mem != NULL);
	CHECK_UEQ(buf.mem_size, se->bufsize);
	CHECK_UEQ(read_room, se->bufsize);
	free(buf.mem);

	memset(&buf, 0, sizeof(buf));
	buf.mem = small;
	buf.mem_size = sizeof(small);
	CHECK_EQ(fuse_session_receive_buf(se, &buf), -EINTR);
	CHECK_UEQ(read_room, sizeof(small));
	harness_session_free(se);
}

/*
 * fuse_session_custom_io(): the 3.17 inline passes the structure's size, so clone_fd is kept;
 * the FUSE_3.0 variant (old binaries) knows the structure only up to splice_send, so whatever
 * follows it in the caller's memory must not be taken for clone_fd.
 */
int fuse_session_custom_io_30(struct fuse_session *se, const struct fuse_custom_io *io, int fd);

static int t_clone_fd(int master_fd)
{
	return master_fd;
}

static void test_custom_io(void)
{
	struct fuse_custom_io io = { .writev = fake_notify_writev, .read = fake_notify_read,
				     .clone_fd = t_clone_fd };
	char a0[] = "prog";
	char *argv[] = { a0, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se;

	/* fuse_session_new() is the 3.17 inline here: fuse_session_new_versioned(). */
	se = fuse_session_new(&args, &t_ops, sizeof(t_ops), NULL);
	CHECK(se != NULL);
	if (!se)
		return;
	CHECK_EQ(fuse_session_custom_io(se, &io, sizeof(io), 1000), 0);
	CHECK(se->io && se->io->clone_fd == t_clone_fd);
	CHECK(se->io && se->io->read == fake_notify_read);
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	args = (struct fuse_args)FUSE_ARGS_INIT(1, argv);

	se = fuse_session_new(&args, &t_ops, sizeof(t_ops), NULL);
	CHECK(se != NULL);
	if (!se)
		return;
	CHECK_EQ(fuse_session_custom_io_30(se, &io, 1001), 0);
	CHECK(se->io && se->io->clone_fd == NULL);
	CHECK(se->io && se->io->writev == fake_notify_writev);
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
}

/* fuse_set_fail_signal_handlers(): a fatal signal is reported, and still kills. */
static void test_fail_signals(void)
{
	char a0[] = "prog";
	char *argv[] = { a0, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	char out[256];
	int pfd[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0) {
		CHECK(!"pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct fuse_session *se = fuse_session_new(&args, &t_ops, sizeof(t_ops), NULL);

		(void)dup2(pfd[1], STDERR_FILENO);
		/* No handler of the program's own (a sanitizer runtime installs one). */
		(void)signal(SIGSEGV, SIG_DFL);
		if (!se || fuse_set_fail_signal_handlers(se) != 0)
			_exit(3);
		(void)raise(SIGSEGV);
		_exit(4); /* still alive: the handler swallowed the signal */
	}
	(void)close(pfd[1]);
	n = read(pfd[0], out, sizeof(out) - 1);
	(void)close(pfd[0]);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	out[n > 0 ? n : 0] = '\0';
	CHECK(strstr(out, "fatal signal") != NULL);
	CHECK_EQ(fuse_set_fail_signal_handlers(NULL), -1);
}

/* fuse_log_enable_syslog(): messages leave stderr while it is on, and come back after. */
static void test_syslog(void)
{
	char out[256];
	int pfd[2], saved;
	ssize_t n;

	if (pipe(pfd) < 0) {
		CHECK(!"pipe");
		return;
	}
	saved = dup(STDERR_FILENO);
	(void)dup2(pfd[1], STDERR_FILENO);
	fuse_log_enable_syslog("so4-lowlevel", 0, LOG_USER);
	fuse_log(FUSE_LOG_DEBUG, "to-syslog\n");
	fuse_log_close_syslog();
	fuse_log(FUSE_LOG_DEBUG, "to-stderr\n");
	(void)dup2(saved, STDERR_FILENO);
	(void)close(saved);
	(void)close(pfd[1]);
	n = read(pfd[0], out, sizeof(out) - 1);
	(void)close(pfd[0]);
	out[n > 0 ? n : 0] = '\0';
	CHECK(strstr(out, "to-syslog") == NULL);
	CHECK(strstr(out, "to-stderr") != NULL);
}

int main(void)
{
	(void)msg_name; /* part of the shared bench; no request here has a name */
	test_init_want();
	test_no_interrupt();
	test_statx(STYLE_DEV);
	test_statx(STYLE_RING);
	test_tmpfile(STYLE_DEV);
	test_tmpfile(STYLE_RING);
	test_notify();
	test_feature_flags();
	test_buf_mem_size();
	test_custom_io();
	test_fail_signals();
	test_syslog();
	return check_result();
}
