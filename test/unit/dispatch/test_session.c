/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The requests and API that concern the session rather than one inode: INIT and DESTROY,
 * INTERRUPT and the interrupt callbacks, allow_root, notifications and the NOTIFY_REPLY that
 * answers a retrieve (its data in the ring's separate payload), libfuse's default answers
 * for missing handlers, protocol-level differences, and the per-request API.
 */
#include "recorder.h"

#include <fcntl.h>
#include <stdarg.h>

static void test_init_destroy(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	const struct fuse__init_out *out;
	struct fuse_init_in a = { .major = 7, .minor = 45, .max_readahead = 65536,
				  .flags = FUSE_ASYNC_READ | FUSE_INIT_EXT | FUSE_MAX_PAGES };
	struct msg m;

	atomic_store(&se->got_init, false);
	msg_init(&m, FUSE_INIT, 0);
	msg_fixed(&m, &a, sizeof(a));
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_STR(last_call, "init 7.45");
	CHECK_REPLY(0, sizeof(struct fuse__init_out));
	out = reply_arg();
	CHECK_UEQ(out->major, 7);
	CHECK_UEQ(out->minor, 45);
	CHECK(atomic_load(&se->got_init));

	/* DESTROY: destroy() once, an empty success, and the session takes nothing after it. */
	destroy_calls = 0;
	msg_init(&m, FUSE_DESTROY, 0);
	rec_reset();
	run(se, &m, STYLE_RING);
	CHECK_EQ(destroy_calls, 1);
	CHECK_REPLY(0, 0);
	CHECK(atomic_load(&se->got_destroy));
	build_valid(&m, FUSE_LOOKUP);
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 0);
	CHECK_REPLY(EIO, 0);
	msg_init(&m, FUSE_DESTROY, 0);
	run(se, &m, STYLE_DEV);
	CHECK_EQ(destroy_calls, 1);
	CHECK_REPLY(EIO, 0);
	harness_session_free(se);
}

static int intr_calls;
static fuse_req_t intr_req;

static void on_interrupt(fuse_req_t req, void *data)
{
	intr_calls++;
	intr_req = req;
	/* The callback may ask: the flag is readable without the request's lock. */
	*(int *)data = fuse_req_interrupted(req);
}

static void test_interrupt(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct fuse_interrupt_in a = { .unique = 1000 };
	struct fuse_req target;
	int seen = -1, seen2 = -1;
	struct msg m;

	fuse__req_init(&target, se);
	target.tp = &fake_ops;
	target.embedded = true;
	target.unique = 1000;
	fuse__dev_track(se, &target);
	CHECK_EQ(fuse_req_interrupted(&target), 0);
	fuse_req_interrupt_func(&target, on_interrupt, &seen);
	CHECK_EQ(intr_calls, 0);

	msg_init(&m, FUSE_INTERRUPT, 0);
	msg_fixed(&m, &a, sizeof(a));
	m.unique = 1001; /* the kernel's interrupt id: the request's with bit 0 set */
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_DROPPED();
	CHECK_EQ(intr_calls, 1);
	CHECK(intr_req == &target);
	CHECK_EQ(seen, 1);
	CHECK_EQ(fuse_req_interrupted(&target), 1);
	CHECK_EQ(atomic_load(&target.refs), 1);

	/* Registered after the interrupt: called at once. Unregistered: never again. */
	fuse_req_interrupt_func(&target, on_interrupt, &seen2);
	CHECK_EQ(intr_calls, 2);
	CHECK_EQ(seen2, 1);
	fuse_req_interrupt_func(&target, NULL, NULL);
	run(se, &m, STYLE_DEV);
	CHECK_DROPPED();
	CHECK_EQ(intr_calls, 2);
	fuse__dev_untrack(se, &target);

	/* Gone (already answered): EAGAIN, and the kernel forgets it. */
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(EAGAIN, 0);
	/* With no_interrupt, ENOSYS turns interrupts off in the kernel. */
	se->no_interrupt = true;
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(ENOSYS, 0);
	fuse__req_fini(&target);
	harness_session_free(se);
}

static void test_allow_root(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;

	se->deny_others = true;
	se->owner = 1234;

	build_valid(&m, FUSE_LOOKUP);
	m.uid = 5555;
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 0);
	CHECK_REPLY(EACCES, 0);
	m.uid = 1234;
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 1);
	m.uid = 0;
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 1);

	/* Requests on files already open, and the ones that must never fail, pass. */
	build_valid(&m, FUSE_READ);
	m.uid = 5555;
	rec_reset();
	run(se, &m, STYLE_RING);
	CHECK_EQ(ncalls, 1);
	build_valid(&m, FUSE_FORGET);
	m.uid = 5555;
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 1);
	CHECK_DROPPED();
	build_valid(&m, FUSE_OPEN);
	m.uid = 5555;
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 0);
	CHECK_REPLY(EACCES, 0);
	harness_session_free(se);
}

static const struct fuse_out_header *notify_hdr(void)
{
	return (const struct fuse_out_header *)N.buf;
}

static const void *notify_arg(void)
{
	return N.buf + sizeof(struct fuse_out_header);
}

#define CHECK_NOTIFY(code, argsize)							\
	do {										\
		CHECK_EQ(N.writes, 1);							\
		CHECK_EQ(notify_hdr()->error, (code));					\
		CHECK_UEQ(notify_hdr()->unique, 0);					\
		CHECK_UEQ(notify_hdr()->len, N.len);					\
		CHECK_UEQ(N.len, sizeof(struct fuse_out_header) + (argsize));		\
	} while (0)

static void test_notify_retrieve(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	const struct fuse_notify_retrieve_out *ro;
	struct fuse_notify_retrieve_in ri;
	int cookie;
	char want[64];
	struct msg m;
	uint64_t u1, u2;

	memset(&N, 0, offsetof(typeof(N), buf));
	CHECK_EQ(fuse_lowlevel_notify_retrieve(se, 77, 100, 4096, &cookie), 0);
	CHECK_NOTIFY(FUSE_NOTIFY_RETRIEVE, sizeof(*ro));
	ro = notify_arg();
	u1 = ro->notify_unique;
	CHECK_UEQ(ro->nodeid, 77);
	CHECK_UEQ(ro->offset, 4096);
	CHECK_UEQ(ro->size, 100);
	memset(&N, 0, offsetof(typeof(N), buf));
	CHECK_EQ(fuse_lowlevel_notify_retrieve(se, 78, 50, 0, &want), 0);
	u2 = ((const struct fuse_notify_retrieve_out *)notify_arg())->notify_unique;
	CHECK_NE(u1, u2);
	CHECK_NE(u1, 0);

	/* The ring's layout: retrieve_in in op_in, the data in the separate payload. */
	msg_init(&m, FUSE_NOTIFY_REPLY, 77);
	memset(&ri, 0, sizeof(ri));
	ri.offset = 4096;
	ri.size = 10;
	msg_fixed(&m, &ri, sizeof(ri));
	msg_pay(&m, "0123456789", 10);
	m.unique = u1;
	rec_reset();
	retrieved_len = 0;
	run(se, &m, STYLE_RING);
	snprintf(want, sizeof(want), "retrieve_reply %p 77 4096 10", (void *)&cookie);
	CHECK_STR(last_call, want);
	CHECK_UEQ(retrieved_len, 10);
	CHECK_MEM(retrieved, "0123456789", 10);
	CHECK_DROPPED();

	/* Answered once only: a repeat matches nothing and is dropped. */
	rec_reset();
	run(se, &m, STYLE_RING);
	CHECK_EQ(ncalls, 0);
	CHECK_DROPPED();

	/* The second one, /dev/fuse layout, claiming more data than came: dropped unseen. */
	m.unique = u2;
	((struct fuse_notify_retrieve_in *)m.fixed)->size = 11;
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 0);
	CHECK_DROPPED();
	CHECK(se->retrieves == NULL);

	/* A notification that cannot be written takes its record back. */
	se->conn.proto_minor = 14;
	CHECK_EQ(fuse_lowlevel_notify_retrieve(se, 1, 1, 0, NULL), -ENOSYS);
	se->conn.proto_minor = 45;
	fuse__chan_put(se->ch);
	se->ch = NULL;
	CHECK_EQ(fuse_lowlevel_notify_retrieve(se, 1, 1, 0, NULL), -ENOTCONN);
	CHECK(se->retrieves == NULL);
	harness_session_free(se);
}

static void test_notify_others(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	const struct fuse_notify_inval_inode_out *ii;
	const struct fuse_notify_inval_entry_out *ie;
	const struct fuse_notify_delete_out *de;
	const struct fuse_notify_store_out *so;
	struct fuse_pollhandle *ph;
	struct fuse_bufvec bv;

	memset(&N, 0, offsetof(typeof(N), buf));
	CHECK_EQ(fuse_lowlevel_notify_inval_inode(se, 5, -1, 0), 0);
	CHECK_NOTIFY(FUSE_NOTIFY_INVAL_INODE, sizeof(*ii));
	ii = notify_arg();
	CHECK_UEQ(ii->ino, 5);
	CHECK_EQ(ii->off, -1);
	CHECK_EQ(ii->len, 0);

	memset(&N, 0, offsetof(typeof(N), buf));
	CHECK_EQ(fuse_lowlevel_notify_inval_entry(se, 6, "name", 4), 0);
	CHECK_NOTIFY(FUSE_NOTIFY_INVAL_ENTRY, sizeof(*ie) + 5);
	ie = notify_arg();
	CHECK_UEQ(ie->parent, 6);
	CHECK_UEQ(ie->namelen, 4);
	CHECK_UEQ(ie->flags, 0);
	CHECK_MEM(ie + 1, "name", 5);

	/* expire_entry needs the kernel's EXPIRE_ONLY. */
	se->conn.capable = 0;
	memset(&N, 0, offsetof(typeof(N), buf));
	CHECK_EQ(fuse_lowlevel_notify_expire_entry(se, 6, "name", 4, FUSE_LL_EXPIRE_ONLY),
		 -ENOSYS);
	CHECK_EQ(N.writes, 0);
	se->conn.capable = FUSE_CAP_EXPIRE_ONLY;
	CHECK_EQ(fuse_lowlevel_notify_expire_entry(se, 6, "name", 4, FUSE_LL_EXPIRE_ONLY), 0);
	CHECK_NOTIFY(FUSE_NOTIFY_INVAL_ENTRY, sizeof(*ie) + 5);
	CHECK_UEQ(ie->flags, FUSE_EXPIRE_ONLY);

	memset(&N, 0, offsetof(typeof(N), buf));
	CHECK_EQ(fuse_lowlevel_notify_delete(se, 7, 8, "del", 3), 0);
	CHECK_NOTIFY(FUSE_NOTIFY_DELETE, sizeof(*de) + 4);
	de = notify_arg();
	CHECK_UEQ(de->parent, 7);
	CHECK_UEQ(de->child, 8);
	CHECK_UEQ(de->namelen, 3);
	CHECK_MEM(de + 1, "del", 4);

	memset(&N, 0, offsetof(typeof(N), buf));
	bv = FUSE_BUFVEC_INIT(6);
	bv.buf[0].mem = "stored";
	CHECK_EQ(fuse_lowlevel_notify_store(se, 9, 512, &bv, 0), 0);
	CHECK_NOTIFY(FUSE_NOTIFY_STORE, sizeof(*so) + 6);
	so = notify_arg();
	CHECK_UEQ(so->nodeid, 9);
	CHECK_UEQ(so->offset, 512);
	CHECK_UEQ(so->size, 6);
	CHECK_MEM(so + 1, "stored", 6);

	/* A poll handle wakes the kernel's poller by its kh. */
	ph = malloc(sizeof(*ph));
	if (ph) {
		ph->kh = 4711;
		ph->se = se;
		memset(&N, 0, offsetof(typeof(N), buf));
		CHECK_EQ(fuse_lowlevel_notify_poll(ph), 0);
		CHECK_NOTIFY(FUSE_NOTIFY_POLL, 8);
		CHECK_UEQ(*(const uint64_t *)notify_arg(), 4711);
		fuse_pollhandle_destroy(ph);
	}

	/* Too old a kernel: -ENOSYS and nothing written. */
	memset(&N, 0, offsetof(typeof(N), buf));
	se->conn.proto_minor = 11;
	CHECK_EQ(fuse_lowlevel_notify_inval_inode(se, 5, 0, 0), -ENOSYS);
	CHECK_EQ(fuse_lowlevel_notify_inval_entry(se, 6, "n", 1), -ENOSYS);
	se->conn.proto_minor = 14;
	CHECK_EQ(fuse_lowlevel_notify_store(se, 9, 0, &bv, 0), -ENOSYS);
	se->conn.proto_minor = 17;
	CHECK_EQ(fuse_lowlevel_notify_delete(se, 7, 8, "d", 1), -ENOSYS);
	CHECK_EQ(N.writes, 0);
	CHECK_EQ(fuse_lowlevel_notify_inval_inode(NULL, 5, 0, 0), -EINVAL);
	CHECK_EQ(fuse_lowlevel_notify_poll(NULL), -EINVAL);
	harness_session_free(se);
}

static void test_defaults(void)
{
	static const struct fuse_lowlevel_ops none;
	struct fuse_lowlevel_ops forget_only = { .forget = r_forget };
	struct fuse_lowlevel_ops wbuf = recorder_ops;
	struct fuse_session *se = harness_session(&none, NULL);
	const struct fuse_open_out *oo;
	const struct fuse_statfs_out *so;
	static const uint32_t enosys[] = { FUSE_LOOKUP, FUSE_GETATTR, FUSE_SETATTR,
					   FUSE_READLINK, FUSE_FLUSH, FUSE_GETXATTR,
					   FUSE_LISTXATTR, FUSE_SETXATTR, FUSE_READ, FUSE_WRITE,
					   FUSE_POLL, FUSE_IOCTL, FUSE_GETLK, FUSE_SETLK,
					   FUSE_SETLKW, FUSE_CREATE, FUSE_FSYNC, FUSE_READDIR,
					   FUSE_READDIRPLUS, FUSE_BMAP, FUSE_LSEEK, FUSE_FALLOCATE };
	struct msg m;
	size_t i;

	for (i = 0; i < sizeof(enosys) / sizeof(enosys[0]); i++) {
		build_valid(&m, enosys[i]);
		run(se, &m, STYLE_DEV);
		CHECK_REPLY(ENOSYS, 0);
	}
	build_valid(&m, FUSE_OPEN);
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(0, sizeof(*oo));
	oo = reply_arg();
	CHECK_UEQ(oo->fh, 0);
	CHECK_UEQ(oo->open_flags, 0);
	build_valid(&m, FUSE_OPENDIR);
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(0, sizeof(*oo));
	/* A filesystem that told the kernel it has no open gets ENOSYS for a stray OPEN. */
	se->conn.want |= FUSE_CAP_NO_OPEN_SUPPORT | FUSE_CAP_NO_OPENDIR_SUPPORT;
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(ENOSYS, 0);
	build_valid(&m, FUSE_OPEN);
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(ENOSYS, 0);

	build_valid(&m, FUSE_RELEASE);
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(0, 0);
	build_valid(&m, FUSE_RELEASEDIR);
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(0, 0);
	build_valid(&m, FUSE_STATFS);
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(0, sizeof(*so));
	so = reply_arg();
	CHECK_UEQ(so->st.namelen, 255);
	CHECK_UEQ(so->st.bsize, 512);
	CHECK_UEQ(so->st.blocks, 0);
	build_valid(&m, FUSE_FORGET);
	run(se, &m, STYLE_DEV);
	CHECK_DROPPED();
	build_valid(&m, FUSE_BATCH_FORGET);
	run(se, &m, STYLE_DEV);
	CHECK_DROPPED();
	harness_session_free(se);

	/* BATCH_FORGET without forget_multi: one forget() per inode, then the batch dropped. */
	se = harness_session(&forget_only, NULL);
	build_valid(&m, FUSE_BATCH_FORGET);
	rec_reset();
	run(se, &m, STYLE_RING);
	CHECK_EQ(ncalls, 3);
	CHECK_STR(last_call, "forget 22 3");
	CHECK_DROPPED();
	harness_session_free(se);

	/* write_buf, when present, gets the data as a one-buffer memory vector. */
	wbuf.write_buf = r_write_buf;
	se = harness_session(&wbuf, NULL);
	for (i = STYLE_DEV; i <= STYLE_RING; i++) {
		const char *want = build_valid(&m, FUSE_WRITE);

		rec_reset();
		run(se, &m, (enum style)i);
		CHECK_STR(last_call, want);
		CHECK_REPLY(0, sizeof(struct fuse_write_out));
	}
	/* A directory ioctl the filesystem did not ask for is not a tty ioctl. */
	se->conn.want = 0;
	build_valid(&m, FUSE_IOCTL);
	((struct fuse_ioctl_in *)m.fixed)->flags |= FUSE_IOCTL_DIR;
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 0);
	CHECK_REPLY(ENOTTY, 0);
	harness_session_free(se);
}

static void test_protocol_levels(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;
	int s;

	for (s = STYLE_DEV; s <= STYLE_RING; s++) {
		/* 7.11: mknod's argument has no umask yet (8 bytes). */
		se->conn.proto_minor = 11;
		build_valid(&m, FUSE_MKNOD);
		m.flen = FUSE_COMPAT_MKNOD_IN_SIZE;
		memset(m.fixed + m.flen, 0, sizeof(m.fixed) - m.flen);
		rec_reset();
		run(se, &m, (enum style)s);
		CHECK_STR(last_call, "mknod 16 'dev' 20644 0x103 umask=0");

		/* 7.8: the short write_in; no lock owner or flags travel. */
		se->conn.proto_minor = 8;
		build_valid(&m, FUSE_WRITE);
		m.flen = FUSE_COMPAT_WRITE_IN_SIZE;
		rec_reset();
		run(se, &m, (enum style)s);
		CHECK_STR(last_call,
			  "write 16 'HELLO' 5 8192 fi{flags=0 fh=6 lo=0 wp=1 fl=0 fr=0 pe=0}");
		build_valid(&m, FUSE_GETATTR);
		m.flen = 0;
		rec_reset();
		run(se, &m, (enum style)s);
		CHECK_STR(last_call, "getattr 16 fi=NULL");

		/* SETXATTR_EXT negotiated: the 16-byte argument. */
		se->conn.proto_minor = 45;
		se->conn.want |= FUSE_CAP_SETXATTR_EXT;
		build_valid(&m, FUSE_SETXATTR);
		m.flen = sizeof(struct fuse_setxattr_in);
		((struct fuse_setxattr_in *)m.fixed)->setxattr_flags = FUSE_SETXATTR_ACL_KILL_SGID;
		rec_reset();
		run(se, &m, (enum style)s);
		CHECK_STR(last_call, "setxattr 16 'user.x' 'v' 3 0x2");
		se->conn.want &= ~FUSE_CAP_SETXATTR_EXT;
	}
	harness_session_free(se);
}

static void test_req_api(void)
{
	int userdata;
	struct fuse_session *se = harness_session(&recorder_ops, &userdata);
	static const struct fuse__transport_ops plain = { .name = "plain", .send = fake_send,
							  .drop = fake_drop };
	struct fuse_req req;
	gid_t mine[256], got[256];
	char *payload = NULL;
	size_t psize = 0;
	void *mr = &req;
	int n, k, i;

	fuse__req_init(&req, se);
	req.tp = &fake_ops;
	CHECK(fuse_req_userdata(&req) == &userdata);
	CHECK(fuse_req_ctx(&req) == &req.ctx);
	CHECK(!fuse_req_is_uring(&req));

	harness_payload_on = true;
	CHECK_EQ(fuse_req_get_payload(&req, &payload, &psize, &mr), 0);
	CHECK(payload == harness_payload);
	CHECK_UEQ(psize, sizeof(harness_payload));
	CHECK(mr == NULL);
	harness_payload_on = false;
	req.tp = &plain;
#ifdef HAVE_URING
	CHECK_EQ(fuse_req_get_payload(&req, &payload, &psize, NULL), -EINVAL);
#else
	CHECK_EQ(fuse_req_get_payload(&req, &payload, &psize, NULL), -ENOTSUP);
#endif

	/* Groups of this very process, read back through /proc. */
	req.ctx.pid = getpid();
	n = getgroups(256, mine);
	k = fuse_req_getgroups(&req, 256, got);
	CHECK_EQ(k, n);
	for (i = 0; i < n && i < k; i++)
		CHECK_EQ(got[i], mine[i]);
	CHECK_EQ(fuse_req_getgroups(&req, 0, NULL), n);
	req.ctx.pid = 0x7ffffff0;
	CHECK_EQ(fuse_req_getgroups(&req, 256, got), -ENOENT);
	CHECK_EQ(fuse_req_getgroups(NULL, 1, got), -EINVAL);
	fuse__req_fini(&req);
	harness_session_free(se);
}

static char log_text[4096];
static size_t log_len;

static void capture_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	int n;

	(void)level;
	if (log_len >= sizeof(log_text) - 1)
		return;
	n = vsnprintf(log_text + log_len, sizeof(log_text) - log_len, fmt, ap);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_text) - log_len ? (size_t)n :
								    sizeof(log_text) - log_len - 1;
}

/* Debug mode: one line per request, and a line saying why a request was refused. */
static void test_debug_log(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct msg m;

	se->debug = true;
	log_len = 0;
	log_text[0] = '\0';
	fuse_set_log_func(capture_log);
	build_valid(&m, FUSE_LOOKUP);
	run(se, &m, STYLE_DEV);
	m.plen--; /* drop the name's NUL */
	run(se, &m, STYLE_DEV);
	fuse_set_log_func(NULL);
	CHECK(strstr(log_text, "opcode: LOOKUP (1), nodeid: 16") != NULL);
	CHECK(strstr(log_text, "pid: 4242") != NULL);
	CHECK(strstr(log_text, "rejected: name not terminated") != NULL);
	if (check_failures)
		fprintf(stderr, "log was:\n%s", log_text);
	harness_session_free(se);
}

/* Passthrough ids come from an ioctl on the session's /dev/fuse; anything else refuses. */
static void test_passthrough_calls(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct fuse_req req;
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	fuse__req_init(&req, se);
	req.tp = &fake_ops;
	CHECK_EQ(fuse_passthrough_open(&req, -1), -EINVAL);
	CHECK_EQ(fuse_passthrough_close(&req, 0), -EINVAL);
	CHECK_EQ(fuse_passthrough_open(NULL, 0), -EINVAL);
	if (null_fd >= 0) {
		se->ch->fd = null_fd;
		/* /dev/null knows no FUSE ioctl: an error, never a (bogus) positive id. */
		CHECK_LT(fuse_passthrough_open(&req, 0), 1);
		CHECK_LT(fuse_passthrough_close(&req, 1), 0);
		se->ch->fd = -1;
		close(null_fd);
	}
	fuse__req_fini(&req);
	harness_session_free(se);
}

int main(void)
{
	test_init_destroy();
	test_interrupt();
	test_allow_root();
	test_notify_retrieve();
	test_notify_others();
	test_defaults();
	test_protocol_levels();
	test_req_api();
	test_debug_log();
	test_passthrough_calls();
	return check_result();
}
