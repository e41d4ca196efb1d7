/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The splice capabilities at INIT, as libfuse 3.14 documents them on Linux: SPLICE_WRITE,
 * SPLICE_MOVE and SPLICE_READ are in capable (they have no kernel flag: the library does the
 * splicing), SPLICE_READ alone is in the default want and only for a filesystem with
 * write_buf(), and a custom io without splice_send/splice_receive loses the matching ones.
 * A filesystem that asks for all three, as Debian's fuse-overlayfs does in its init(), gets
 * a successful INIT, whichever transport will carry its requests afterwards.
 */
#include "harness.h"

static uint32_t seen_capable, seen_want;
static uint32_t ask_for; /* what init() adds to want */

static void caps_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	seen_capable = conn->capable;
	seen_want = conn->want;
	conn->want |= ask_for;
}

static void caps_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
			   struct fuse_file_info *fi)
{
	(void)ino;
	(void)off;
	(void)fi;
	(void)fuse_reply_write(req, fuse_buf_size(bufv));
}

static ssize_t caps_splice(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
			   unsigned int flags, void *userdata)
{
	(void)fdin;
	(void)offin;
	(void)fdout;
	(void)offout;
	(void)len;
	(void)flags;
	(void)userdata;
	return -1;
}

/* One INIT on a fresh session; returns the reply's error (0 on success). */
static int caps_run(bool with_write_buf, struct fuse_custom_io *io)
{
	struct fuse_lowlevel_ops ops = { .init = caps_init };
	struct fuse_init_in a = { .major = 7, .minor = 38, .max_readahead = 65536,
				  .flags = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES };
	struct fuse_session *se;
	struct msg m;
	int err;

	if (with_write_buf)
		ops.write_buf = caps_write_buf;
	se = harness_session(&ops, NULL);
	se->io = io;
	atomic_store(&se->got_init, false);
	msg_init(&m, FUSE_INIT, 0);
	msg_fixed(&m, &a, sizeof(a));
	seen_capable = seen_want = 0;
	run(se, &m, STYLE_DEV);
	CHECK_EQ(T.sends, 1);
	err = -reply_hdr()->error;
	if (err == 0)
		CHECK(atomic_load(&se->got_init));
	se->io = &fake_io;
	harness_session_free(se);
	return err;
}

#define SPLICE_ALL (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ)

int main(void)
{
	struct fuse_custom_io no_splice = { .writev = fake_io.writev, .read = fake_io.read };
	struct fuse_custom_io send_only = { .writev = fake_io.writev, .read = fake_io.read,
					    .splice_send = caps_splice };
	struct fuse_custom_io both = { .writev = fake_io.writev, .read = fake_io.read,
				       .splice_send = caps_splice, .splice_receive = caps_splice };

	(void)msg_name; /* the harness's, unused here */
	/* /dev/fuse without custom io: all three offered, none wanted without write_buf. */
	ask_for = 0;
	CHECK_EQ(caps_run(false, NULL), 0);
	CHECK_UEQ(seen_capable & SPLICE_ALL, SPLICE_ALL);
	CHECK_UEQ(seen_want & SPLICE_ALL, 0);

	/* With write_buf, SPLICE_READ is wanted by default, the other two are not. */
	CHECK_EQ(caps_run(true, NULL), 0);
	CHECK_UEQ(seen_want & SPLICE_ALL, FUSE_CAP_SPLICE_READ);

	/* fuse-overlayfs asks for all three (0x380) and must get a successful INIT. */
	CHECK_UEQ(SPLICE_ALL, 0x380);
	ask_for = SPLICE_ALL;
	CHECK_EQ(caps_run(true, NULL), 0);
	CHECK_EQ(caps_run(false, NULL), 0);
	CHECK_EQ(caps_run(false, &both), 0);

	/* A custom io without splice calls cannot splice: nothing offered, asking fails. */
	ask_for = 0;
	CHECK_EQ(caps_run(true, &no_splice), 0);
	CHECK_UEQ(seen_capable & SPLICE_ALL, 0);
	CHECK_UEQ(seen_want & SPLICE_ALL, 0);
	CHECK_EQ(caps_run(false, &send_only), 0);
	CHECK_UEQ(seen_capable & SPLICE_ALL, FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	CHECK_EQ(caps_run(false, &both), 0);
	CHECK_UEQ(seen_capable & SPLICE_ALL, SPLICE_ALL);
	ask_for = FUSE_CAP_SPLICE_READ;
	CHECK_EQ(caps_run(false, &send_only), EPROTO);
	return check_result();
}
