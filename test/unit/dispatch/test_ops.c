/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every opcode, well formed, in both request layouts: it reaches the right handler with the
 * right decoded arguments (identical for /dev/fuse and ring layouts), and the reply the
 * handler sends is well formed, with the kernel structures filled as the kernel reads them.
 */
#include "recorder.h"

#include <dirent.h>
#include <fcntl.h>

/* Size of the output argument the recorder's reply to opcode produces (-1: no reply). */
static long expected_out(uint32_t op)
{
	switch (op) {
	case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR: case FUSE_SYMLINK: case FUSE_LINK:
		return sizeof(struct fuse_entry_out);
	case FUSE_GETATTR: case FUSE_SETATTR:
		return sizeof(struct fuse_attr_out);
	case FUSE_READLINK:
		return 10;
	case FUSE_OPEN: case FUSE_OPENDIR:
		return sizeof(struct fuse_open_out);
	case FUSE_READ:
		return 16;
	case FUSE_WRITE: case FUSE_COPY_FILE_RANGE:
		return sizeof(struct fuse_write_out);
	case FUSE_STATFS:
		return sizeof(struct fuse_statfs_out);
	case FUSE_GETXATTR:
		return 5;
	case FUSE_LISTXATTR:
		return sizeof(struct fuse_getxattr_out);
	case FUSE_CREATE:
		return sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out);
	case FUSE_GETLK:
		return sizeof(struct fuse_lk_out);
	case FUSE_BMAP: case FUSE_LSEEK: case FUSE_POLL:
		return 8;
	case FUSE_IOCTL:
		return sizeof(struct fuse_ioctl_out) + 4;
	case FUSE_READDIR:
		return 32 + 40;
	case FUSE_READDIRPLUS:
		return 160;
	case FUSE_FORGET: case FUSE_BATCH_FORGET: case FUSE_INTERRUPT:
		return -1;
	default:
		return 0;
	}
}

static void test_every_opcode(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	char dev_call[4096];
	struct msg m;
	size_t i;

	for (i = 0; i < N_OPCODES; i++) {
		uint32_t op = all_opcodes[i];
		const char *want = build_valid(&m, op);
		long out = expected_out(op);
		int s;

		for (s = STYLE_DEV; s <= STYLE_RING; s++) {
			int before = check_failures;

			rec_reset();
			run(se, &m, (enum style)s);
			if (want) {
				CHECK_STR(last_call, want);
				CHECK_EQ(ncalls, 1);
				CHECK_EQ(last_ctx.uid, m.uid);
				CHECK_EQ(last_ctx.gid, m.gid);
				CHECK_EQ(last_ctx.pid, m.pid);
			} else {
				CHECK_EQ(ncalls, 0);
			}
			if (op == FUSE_INTERRUPT) {
				/* Nothing in flight has that unique: the kernel is told to retry. */
				CHECK_REPLY(EAGAIN, 0);
			} else if (out < 0) {
				CHECK_DROPPED();
			} else if (!want) {
				CHECK_REPLY(ENOSYS, 0);
			} else {
				CHECK_REPLY(0, (size_t)out);
			}
			if (s == STYLE_DEV)
				snprintf(dev_call, sizeof(dev_call), "%s", last_call);
			else
				CHECK_STR(last_call, dev_call);
			if (check_failures != before)
				fprintf(stderr, "  (opcode %s, %s layout)\n", fuse__opname(op),
					s == STYLE_DEV ? "dev" : "ring");
		}
	}
	harness_session_free(se);
}

static void check_attr(const struct fuse_attr *a)
{
	CHECK_UEQ(a->ino, 0x1234);
	CHECK_UEQ(a->mode, S_IFREG | 0644);
	CHECK_UEQ(a->nlink, 3);
	CHECK_UEQ(a->uid, 11);
	CHECK_UEQ(a->gid, 12);
	CHECK_UEQ(a->rdev, 0x0801);
	CHECK_UEQ(a->size, 123456789);
	CHECK_UEQ(a->blksize, 4096);
	CHECK_UEQ(a->blocks, 241);
	CHECK_UEQ(a->atime, 1000);
	CHECK_UEQ(a->atimensec, 1);
	CHECK_UEQ(a->mtime, 2000);
	CHECK_UEQ(a->mtimensec, 2);
	CHECK_UEQ(a->ctime, 3000);
	CHECK_UEQ(a->ctimensec, 999999999);
}

static void check_entry_out(const struct fuse_entry_out *e)
{
	CHECK_UEQ(e->nodeid, 0x1234);
	CHECK_UEQ(e->generation, 7);
	CHECK_UEQ(e->entry_valid, 2);
	CHECK_UEQ(e->entry_valid_nsec, 500000000);
	CHECK_UEQ(e->attr_valid, 1);
	CHECK_UEQ(e->attr_valid_nsec, 250000000);
	check_attr(&e->attr);
}

static void test_reply_contents(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	const struct fuse_attr_out *ao;
	const struct fuse_open_out *oo;
	const struct fuse_dirent *d;
	const struct fuse_direntplus *dp;
	const struct fuse_statfs_out *so;
	const struct fuse_lk_out *lk;
	const struct fuse_ioctl_out *io;
	const unsigned char *p;
	struct msg m;

	build_valid(&m, FUSE_LOOKUP);
	run(se, &m, STYLE_DEV);
	check_entry_out(reply_arg());

	build_valid(&m, FUSE_GETATTR);
	run(se, &m, STYLE_RING);
	ao = reply_arg();
	CHECK_UEQ(ao->attr_valid, 1);
	CHECK_UEQ(ao->attr_valid_nsec, 500000000);
	check_attr(&ao->attr);

	/* Every open flag and the passthrough backing id. */
	memset(&rec_open_fi, 0, sizeof(rec_open_fi));
	rec_open_fi.fh = 0xfeedULL << 32;
	rec_open_fi.direct_io = 1;
	rec_open_fi.keep_cache = 1;
	rec_open_fi.nonseekable = 1;
	rec_open_fi.cache_readdir = 1;
	rec_open_fi.noflush = 1;
	rec_open_fi.parallel_direct_writes = 1;
	rec_open_fi.backing_id = 5;
	build_valid(&m, FUSE_OPEN);
	run(se, &m, STYLE_DEV);
	oo = reply_arg();
	CHECK_UEQ(oo->fh, 0xfeedULL << 32);
	/* keep_cache is dropped with a backing id: the kernel fails such an open with EIO. */
	CHECK_UEQ(oo->open_flags, FOPEN_DIRECT_IO | FOPEN_NONSEEKABLE |
				  FOPEN_CACHE_DIR | FOPEN_NOFLUSH | FOPEN_PARALLEL_DIRECT_WRITES |
				  FOPEN_PASSTHROUGH);
	CHECK_EQ(((const struct fuse__open_out *)oo)->backing_id, 5);
	/* Without a backing id: no passthrough flag, zero in the id word. */
	memset(&rec_open_fi, 0, sizeof(rec_open_fi));
	rec_open_fi.keep_cache = 1;
	run(se, &m, STYLE_DEV);
	CHECK_UEQ(oo->open_flags, FOPEN_KEEP_CACHE);
	CHECK_EQ(((const struct fuse__open_out *)oo)->backing_id, 0);

	/* create: entry_out then open_out. */
	rec_open_fi.fh = 31;
	rec_open_fi.direct_io = 1;
	build_valid(&m, FUSE_CREATE);
	run(se, &m, STYLE_RING);
	check_entry_out(reply_arg());
	oo = (const void *)((const char *)reply_arg() + sizeof(struct fuse_entry_out));
	CHECK_UEQ(oo->fh, 31);
	CHECK_UEQ(oo->open_flags, FOPEN_DIRECT_IO | FOPEN_KEEP_CACHE);
	memset(&rec_open_fi, 0, sizeof(rec_open_fi));

	/* readdir: two dirents, aligned, padding zeroed. */
	build_valid(&m, FUSE_READDIR);
	run(se, &m, STYLE_DEV);
	d = reply_arg();
	CHECK_UEQ(d->ino, 99);
	CHECK_UEQ(d->off, 1);
	CHECK_UEQ(d->namelen, 3);
	CHECK_UEQ(d->type, DT_DIR);
	CHECK_MEM(d->name, "abc", 3);
	p = (const unsigned char *)d;
	CHECK_EQ(p[FUSE_NAME_OFFSET + 3] | p[FUSE_NAME_OFFSET + 4] | p[31], 0);
	d = (const void *)(p + 32);
	CHECK_UEQ(d->ino, 100);
	CHECK_UEQ(d->off, 2);
	CHECK_UEQ(d->namelen, 11);
	CHECK_UEQ(d->type, DT_LNK);
	CHECK_MEM(d->name, "longer-name", 11);

	build_valid(&m, FUSE_READDIRPLUS);
	run(se, &m, STYLE_RING);
	dp = reply_arg();
	check_entry_out(&dp->entry_out);
	CHECK_UEQ(dp->dirent.ino, 0x1234);
	CHECK_UEQ(dp->dirent.off, 5);
	CHECK_UEQ(dp->dirent.namelen, 4);
	CHECK_UEQ(dp->dirent.type, DT_REG);
	CHECK_MEM(dp->dirent.name, "plus", 4);

	build_valid(&m, FUSE_STATFS);
	run(se, &m, STYLE_DEV);
	so = reply_arg();
	CHECK_UEQ(so->st.blocks, 1000);
	CHECK_UEQ(so->st.bfree, 500);
	CHECK_UEQ(so->st.bavail, 400);
	CHECK_UEQ(so->st.files, 300);
	CHECK_UEQ(so->st.ffree, 200);
	CHECK_UEQ(so->st.bsize, 4096);
	CHECK_UEQ(so->st.namelen, 1024);
	CHECK_UEQ(so->st.frsize, 512);

	/* getlk answers with the lock it was given: the range converts back. */
	build_valid(&m, FUSE_GETLK);
	run(se, &m, STYLE_DEV);
	lk = reply_arg();
	CHECK_UEQ(lk->lk.start, 10);
	CHECK_UEQ(lk->lk.end, 19);
	CHECK_UEQ(lk->lk.type, F_WRLCK);
	CHECK_UEQ(lk->lk.pid, 321);

	build_valid(&m, FUSE_IOCTL);
	run(se, &m, STYLE_RING);
	io = reply_arg();
	CHECK_EQ(io->result, 42);
	CHECK_MEM(io + 1, "wxyz", 4);

	build_valid(&m, FUSE_READLINK);
	run(se, &m, STYLE_DEV);
	CHECK_MEM(reply_arg(), "the/target", 10);

	build_valid(&m, FUSE_BMAP);
	run(se, &m, STYLE_DEV);
	CHECK_UEQ(*(const uint64_t *)reply_arg(), 78);

	build_valid(&m, FUSE_LSEEK);
	run(se, &m, STYLE_DEV);
	CHECK_UEQ(*(const uint64_t *)reply_arg(), 301);

	/* A kernel older than 7.9 gets the short entry and attr replies. */
	se->conn.proto_minor = 8;
	build_valid(&m, FUSE_LOOKUP);
	run(se, &m, STYLE_DEV);
	CHECK_REPLY(0, FUSE_COMPAT_ENTRY_OUT_SIZE);
	se->conn.proto_minor = 45;
	harness_session_free(se);
}

/* A request to call reply functions on directly. */
static struct fuse_req *direct_req(struct fuse_session *se, uint64_t unique)
{
	static struct fuse_req req;

	memset(&T, 0, offsetof(struct sent, buf));
	fuse__req_init(&req, se);
	req.tp = &fake_ops;
	req.embedded = true;
	req.unique = unique;
	harness_last_unique = unique;
	return &req;
}

static void test_reply_functions(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct iovec iov[3], rin[2], rout[1];
	const struct fuse_ioctl_out *io;
	const struct fuse_ioctl_iovec *fv;
	struct stat st;
	char buf[64];
	size_t n;

	/* Errors the kernel cannot take become ERANGE, as in libfuse. */
	CHECK_EQ(fuse_reply_err(direct_req(se, 10), 5000), 0);
	CHECK_REPLY(ERANGE, 0);
	CHECK_EQ(fuse_reply_err(direct_req(se, 10), -3), 0);
	CHECK_REPLY(ERANGE, 0);
	CHECK_EQ(fuse_reply_err(direct_req(se, 10), ENOENT), 0);
	CHECK_REPLY(ENOENT, 0);

	/* A request nobody waits for (unique 0) never reaches send(). */
	CHECK_EQ(fuse_reply_err(direct_req(se, 0), 0), 0);
	CHECK_DROPPED();
	fuse_reply_none(direct_req(se, 12));
	CHECK_DROPPED();

	iov[0].iov_base = "ab";
	iov[0].iov_len = 2;
	iov[1].iov_base = "";
	iov[1].iov_len = 0;
	iov[2].iov_base = "cde";
	iov[2].iov_len = 3;
	CHECK_EQ(fuse_reply_iov(direct_req(se, 14), iov, 3), 0);
	CHECK_REPLY(0, 5);
	CHECK_MEM(reply_arg(), "abcde", 5);

	CHECK_EQ(fuse_reply_ioctl_iov(direct_req(se, 16), -7, iov, 3), 0);
	CHECK_REPLY(0, sizeof(struct fuse_ioctl_out) + 5);
	io = reply_arg();
	CHECK_EQ(io->result, -7);
	CHECK_MEM(io + 1, "abcde", 5);

	rin[0].iov_base = (void *)0x1000;
	rin[0].iov_len = 8;
	rin[1].iov_base = (void *)0x2000;
	rin[1].iov_len = 16;
	rout[0].iov_base = (void *)0x3000;
	rout[0].iov_len = 32;
	CHECK_EQ(fuse_reply_ioctl_retry(direct_req(se, 18), rin, 2, rout, 1), 0);
	CHECK_REPLY(0, sizeof(struct fuse_ioctl_out) + 3 * sizeof(struct fuse_ioctl_iovec));
	io = reply_arg();
	CHECK_UEQ(io->flags, FUSE_IOCTL_RETRY);
	CHECK_UEQ(io->in_iovs, 2);
	CHECK_UEQ(io->out_iovs, 1);
	fv = (const void *)(io + 1);
	CHECK_UEQ(fv[0].base, 0x1000);
	CHECK_UEQ(fv[0].len, 8);
	CHECK_UEQ(fv[1].base, 0x2000);
	CHECK_UEQ(fv[2].base, 0x3000);
	CHECK_UEQ(fv[2].len, 32);

	CHECK_EQ(fuse_reply_write(direct_req(se, 20), 12345), 0);
	CHECK_REPLY(0, 8);
	CHECK_UEQ(*(const uint32_t *)reply_arg(), 12345);
	CHECK_EQ(fuse_reply_poll(direct_req(se, 22), 0x41), 0);
	CHECK_UEQ(*(const uint32_t *)reply_arg(), 0x41);
	CHECK_EQ(fuse_reply_xattr(direct_req(se, 24), 99), 0);
	CHECK_UEQ(*(const uint32_t *)reply_arg(), 99);

	/* fuse_reply_lock of an unlocked range sends no range. */
	{
		struct flock fl = { .l_type = F_UNLCK, .l_start = 5, .l_len = 5, .l_pid = 9 };
		const struct fuse_lk_out *lk;

		CHECK_EQ(fuse_reply_lock(direct_req(se, 26), &fl), 0);
		lk = reply_arg();
		CHECK_UEQ(lk->lk.type, F_UNLCK);
		CHECK_UEQ(lk->lk.start, 0);
		CHECK_UEQ(lk->lk.end, 0);
		fl.l_type = F_RDLCK;
		fl.l_len = 0;
		CHECK_EQ(fuse_reply_lock(direct_req(se, 28), &fl), 0);
		CHECK_UEQ(lk->lk.start, 5);
		CHECK_UEQ(lk->lk.end, (uint64_t)INT64_MAX);
	}

	/* Timeouts: negative is 0, huge saturates, fractions become nanoseconds. */
	{
		struct stat a;
		const struct fuse_attr_out *ao;

		memset(&a, 0, sizeof(a));
		CHECK_EQ(fuse_reply_attr(direct_req(se, 30), &a, -1.0), 0);
		ao = reply_arg();
		CHECK_UEQ(ao->attr_valid, 0);
		CHECK_UEQ(ao->attr_valid_nsec, 0);
		CHECK_EQ(fuse_reply_attr(direct_req(se, 32), &a, 1e30), 0);
		CHECK_UEQ(ao->attr_valid, UINT64_MAX);
		CHECK_EQ(fuse_reply_attr(direct_req(se, 34), &a, 0.001), 0);
		CHECK_UEQ(ao->attr_valid, 0);
		CHECK_GE(ao->attr_valid_nsec, 999999);
		CHECK_LT(ao->attr_valid_nsec, 1000001);
	}

	/* A direntry that does not fit: the size it needs, and the buffer untouched. */
	memset(&st, 0, sizeof(st));
	memset(buf, 'Q', sizeof(buf));
	n = fuse_add_direntry(NULL, buf, 20, "name", &st, 1);
	CHECK_UEQ(n, FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + 4));
	CHECK_EQ(buf[0], 'Q');
	n = fuse_add_direntry(NULL, NULL, 0, "name", &st, 1);
	CHECK_UEQ(n, 32);
	/* Sizing calls need only the name (libfuse's users pass NULL stat/entry there). */
	n = fuse_add_direntry(NULL, NULL, 0, "name", NULL, 1);
	CHECK_UEQ(n, 32);
	n = fuse_add_direntry_plus(NULL, NULL, 0, "name", NULL, 1);
	CHECK_UEQ(n, FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + 4));
	n = fuse_add_direntry_plus(NULL, buf, sizeof(buf), "name", &(struct fuse_entry_param){ 0 },
				   1);
	CHECK_UEQ(n, FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + 4));
	CHECK_EQ(buf[0], 'Q');
	harness_session_free(se);
}

/* fuse_reply_data: memory straight through, fd data into the ring payload when it fits. */
static void test_reply_data(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	char tmpl[] = "/tmp/ringfuse-dispatch-XXXXXX";
	static char content[20000];
	struct fuse_bufvec bv;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(content); i++)
		content[i] = (char)('a' + i % 26);
	fd = mkstemp(tmpl);
	if (fd < 0) {
		perror("mkstemp");
		check_failures++;
		return;
	}
	(void)unlink(tmpl);
	CHECK_EQ(write(fd, content, sizeof(content)), (ssize_t)sizeof(content));

	/* One memory buffer: sent from where it is, from the current offset. */
	bv = FUSE_BUFVEC_INIT(100);
	bv.buf[0].mem = content;
	bv.off = 10;
	CHECK_EQ(fuse_reply_data(direct_req(se, 40), &bv, 0), 0);
	CHECK_REPLY(0, 90);
	CHECK(T.iov1_base == content + 10);

	/* An fd buffer with a payload-offering transport: the bytes land in the payload. */
	harness_payload_on = true;
	memset(harness_payload, 0, sizeof(harness_payload));
	bv = FUSE_BUFVEC_INIT(5000);
	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = fd;
	bv.buf[0].pos = 7;
	CHECK_EQ(fuse_reply_data(direct_req(se, 42), &bv, 0), 0);
	CHECK_REPLY(0, 5000);
	CHECK(T.iov1_base == harness_payload);
	CHECK_EQ(T.count, 2);
	CHECK_MEM(harness_payload, content + 7, 5000);
	CHECK_MEM(reply_arg(), content + 7, 5000);

	/* Too big for the payload: a bounce buffer, same bytes. */
	bv = FUSE_BUFVEC_INIT(sizeof(harness_payload) + 1);
	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = fd;
	bv.buf[0].pos = 0;
	CHECK_EQ(fuse_reply_data(direct_req(se, 44), &bv, 0), 0);
	/* The file has 20000 bytes: a short read is end of file, not an error. */
	CHECK_REPLY(0, sizeof(content));
	CHECK(T.iov1_base != harness_payload);
	CHECK_MEM(reply_arg(), content, sizeof(content));

	/* Without a payload: bounce buffer. */
	harness_payload_on = false;
	bv = FUSE_BUFVEC_INIT(300);
	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = fd;
	bv.buf[0].pos = 100;
	CHECK_EQ(fuse_reply_data(direct_req(se, 46), &bv, 0), 0);
	CHECK_REPLY(0, 300);
	CHECK(T.iov1_base != harness_payload);
	CHECK_MEM(reply_arg(), content + 100, 300);

	/* A read error becomes the reply's error. */
	bv = FUSE_BUFVEC_INIT(10);
	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = -1;
	CHECK_EQ(fuse_reply_data(direct_req(se, 48), &bv, 0), 0);
	CHECK_REPLY(EBADF, 0);

	close(fd);
	harness_session_free(se);
}

int main(void)
{
	test_every_opcode();
	test_reply_contents();
	test_reply_functions();
	test_reply_data();
	return check_result();
}
