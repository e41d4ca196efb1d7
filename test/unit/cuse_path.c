/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CUSE request path without a kernel: a session made by cuse_lowlevel_new() gets its
 * requests through fuse_session_process_buf() and answers through a custom writev that
 * records every reply. Covers the CUSE_INIT handshake (device info in the reply), the
 * inode-less open/read/write/ioctl wrappers, and malformed CUSE_INIT.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <cuse_lowlevel.h>
#include <linux/fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK_EQ(a, b)                                                                   \
	do {                                                                             \
		long long a_ = (long long)(a), b_ = (long long)(b);                      \
		if (a_ != b_) {                                                          \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",        \
				__FILE__, __LINE__, #a, #b, a_, b_);                     \
			failures++;                                                      \
		}                                                                        \
	} while (0)

static unsigned char reply[65536];
static size_t reply_len;
static int replies;

static ssize_t rec_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	size_t off = 0;
	int i;

	(void)fd;
	(void)userdata;
	for (i = 0; i < count; i++) {
		if (off + iov[i].iov_len > sizeof(reply))
			return -1;
		memcpy(reply + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	reply_len = off;
	replies++;
	return (ssize_t)off;
}

static ssize_t rec_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)fd, (void)buf, (void)len, (void)userdata;
	return 0;
}

static const struct fuse_custom_io rec_io = { .writev = rec_writev, .read = rec_read };

static int opened, inited;
static char written[64];
static unsigned int ioctl_cmd;
static size_t ioctl_in;

static void t_init_done(void *userdata)
{
	(void)userdata;
	inited++;
}

static void t_open(fuse_req_t req, struct fuse_file_info *fi)
{
	opened++;
	fi->fh = 42;
	fuse_reply_open(req, fi);
}

static void t_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	static const char data[] = "cuse-data";

	CHECK_EQ(fi->fh, 42);
	CHECK_EQ(off, 0);
	fuse_reply_buf(req, data, size < sizeof(data) ? size : sizeof(data));
}

static void t_write(fuse_req_t req, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	CHECK_EQ(fi->fh, 42);
	CHECK_EQ(off, 7);
	if (size < sizeof(written))
		memcpy(written, buf, size);
	fuse_reply_write(req, size);
}

static void t_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
		    unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	uint32_t v = 0xabcd;

	(void)arg, (void)fi, (void)flags, (void)in_buf;
	ioctl_cmd = (unsigned int)cmd;
	ioctl_in = in_bufsz;
	fuse_reply_ioctl(req, 5, &v, out_bufsz < sizeof(v) ? out_bufsz : sizeof(v));
}

static const struct cuse_lowlevel_ops t_ops = {
	.init_done = t_init_done,
	.open = t_open,
	.read = t_read,
	.write = t_write,
	.ioctl = t_ioctl,
};

static void send_req(struct fuse_session *se, uint32_t opcode, uint64_t unique, const void *arg,
		     size_t arglen, const void *data, size_t datalen)
{
	static unsigned char buf[8192];
	struct fuse_in_header in = { 0 };
	struct fuse_buf fb = { 0 };

	in.len = (uint32_t)(sizeof(in) + arglen + datalen);
	in.opcode = opcode;
	in.unique = unique;
	in.nodeid = 0;
	memcpy(buf, &in, sizeof(in));
	memcpy(buf + sizeof(in), arg, arglen);
	if (datalen)
		memcpy(buf + sizeof(in) + arglen, data, datalen);
	fb.mem = buf;
	fb.size = in.len;
	replies = 0;
	reply_len = 0;
	fuse_session_process_buf(se, &fb);
}

static const struct fuse_out_header *out_hdr(void)
{
	return (const struct fuse_out_header *)reply;
}

int main(void)
{
	char *argv[] = { "cuse_path", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	const char *info[] = { "DEVNAME=ringfuse-test", "X=1" };
	struct cuse_info ci = { .dev_major = 0, .dev_minor = 0, .dev_info_argc = 2,
				.dev_info_argv = info, .flags = CUSE_UNRESTRICTED_IOCTL };
	struct cuse_init_in init = { .major = 7, .minor = 45, .flags = FUSE_ASYNC_READ };
	const struct cuse_init_out *io;
	struct fuse_open_in oin = { .flags = O_RDWR };
	struct fuse_write_in win = { .fh = 42, .offset = 7, .size = 5 };
	struct fuse_read_in rin = { .fh = 42, .offset = 0, .size = 100 };
	struct fuse_ioctl_in iin = { .fh = 42, .cmd = 0x1234, .in_size = 4, .out_size = 4 };
	struct fuse_session *se;
	int fd;

	se = cuse_lowlevel_new(&args, &ci, &t_ops, NULL);
	if (!se) {
		fprintf(stderr, "cuse_lowlevel_new failed\n");
		return 1;
	}
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK_EQ(fuse_session_custom_io(se, &rec_io, fd), 0);

	/* A request before CUSE_INIT is refused. */
	send_req(se, FUSE_OPEN, 2, &oin, sizeof(oin), NULL, 0);
	CHECK_EQ(replies, 1);
	CHECK_EQ(out_hdr()->error, -EIO);
	CHECK_EQ(opened, 0);

	/* Truncated CUSE_INIT. */
	send_req(se, CUSE_INIT, 3, &init, sizeof(init) - 4, NULL, 0);
	CHECK_EQ(replies, 1);
	CHECK_EQ(out_hdr()->error, -EINVAL);
	CHECK_EQ(inited, 0);

	send_req(se, CUSE_INIT, 4, &init, sizeof(init), NULL, 0);
	CHECK_EQ(replies, 1);
	CHECK_EQ(out_hdr()->error, 0);
	CHECK_EQ(out_hdr()->unique, 4);
	io = (const struct cuse_init_out *)(reply + sizeof(struct fuse_out_header));
	CHECK_EQ(io->major, 7);
	CHECK_EQ(io->flags & CUSE_UNRESTRICTED_IOCTL, CUSE_UNRESTRICTED_IOCTL);
	CHECK_EQ(reply_len, sizeof(struct fuse_out_header) + sizeof(*io) +
				    sizeof("DEVNAME=ringfuse-test") + sizeof("X=1"));
	CHECK_EQ(memcmp((const char *)(io + 1), "DEVNAME=ringfuse-test\0X=1\0",
			sizeof("DEVNAME=ringfuse-test") + sizeof("X=1")), 0);
	CHECK_EQ(inited, 1);

	send_req(se, FUSE_OPEN, 5, &oin, sizeof(oin), NULL, 0);
	CHECK_EQ(opened, 1);
	CHECK_EQ(out_hdr()->error, 0);
	CHECK_EQ(((const struct fuse_open_out *)(out_hdr() + 1))->fh, 42);

	send_req(se, FUSE_WRITE, 6, &win, sizeof(win), "hello", 5);
	CHECK_EQ(out_hdr()->error, 0);
	CHECK_EQ(((const struct fuse_write_out *)(out_hdr() + 1))->size, 5);
	CHECK_EQ(memcmp(written, "hello", 5), 0);

	send_req(se, FUSE_READ, 7, &rin, sizeof(rin), NULL, 0);
	CHECK_EQ(out_hdr()->error, 0);
	CHECK_EQ(reply_len, sizeof(struct fuse_out_header) + sizeof("cuse-data"));
	CHECK_EQ(memcmp(out_hdr() + 1, "cuse-data", sizeof("cuse-data")), 0);

	send_req(se, FUSE_IOCTL, 8, &iin, sizeof(iin), "abcd", 4);
	CHECK_EQ(out_hdr()->error, 0);
	CHECK_EQ(ioctl_cmd, 0x1234);
	CHECK_EQ(ioctl_in, 4);
	CHECK_EQ(((const struct fuse_ioctl_out *)(out_hdr() + 1))->result, 5);

	/* An ioctl whose input does not fit the request is rejected before the handler. */
	ioctl_cmd = 0;
	iin.in_size = 4000;
	send_req(se, FUSE_IOCTL, 9, &iin, sizeof(iin), "abcd", 4);
	CHECK_EQ(out_hdr()->error, -EINVAL);
	CHECK_EQ(ioctl_cmd, 0);

	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	if (failures) {
		fprintf(stderr, "cuse_path: %d check(s) failed\n", failures);
		return 1;
	}
	printf("cuse_path: all checks passed\n");
	return 0;
}
