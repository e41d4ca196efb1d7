/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_buf_size() and fuse_buf_copy() over every pairing of memory, regular files and pipes,
 * with and without positions, splice forced, forbidden or left to the library, and the cursor
 * (idx, off) each copy leaves behind. Files live in a private temporary directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char scratch[] = "/tmp/ringfuse-buffer-XXXXXX";

static int tmpfile_fd(int flags)
{
	int fd = open(scratch, O_TMPFILE | O_RDWR | flags, 0600);

	if (fd < 0) {
		perror("O_TMPFILE");
		exit(1);
	}
	return fd;
}

static void fill_pattern(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static struct fuse_bufvec mem_vec(void *mem, size_t size)
{
	struct fuse_bufvec v = FUSE_BUFVEC_INIT(size);

	v.buf[0].mem = mem;
	return v;
}

static struct fuse_bufvec fd_vec(int fd, size_t size, int seek, off_t pos)
{
	struct fuse_bufvec v = FUSE_BUFVEC_INIT(size);

	v.buf[0].flags = FUSE_BUF_IS_FD | (seek ? FUSE_BUF_FD_SEEK : 0);
	v.buf[0].fd = fd;
	v.buf[0].pos = pos;
	return v;
}

static void test_size(void)
{
	struct {
		struct fuse_bufvec v;
		struct fuse_buf more[3];
	} b = { { 3, 1, 2, { { 10 } } }, { { 20 }, { 5 }, { 0 } } };

	/* The whole vector counts, wherever its cursor stands. */
	CHECK_UEQ(fuse_buf_size(&b.v), 35);
	b.v.count = 4;
	b.more[2].size = SIZE_MAX;
	CHECK_UEQ(fuse_buf_size(&b.v), SIZE_MAX);
	b.more[2].size = SIZE_MAX - 30;
	CHECK_UEQ(fuse_buf_size(&b.v), SIZE_MAX);	/* saturates instead of wrapping */
	CHECK_UEQ(fuse_buf_size(NULL), 0);
}

static void test_mem_mem(void)
{
	char s1[] = "hello", s2[] = "world!!";
	char d1[4], d2[20];
	struct {
		struct fuse_bufvec v;
		struct fuse_buf more[2];
	} src = { { 3, 0, 0, { { 5, 0, s1, -1, 0 } } }, { { 0, 0, NULL, -1, 0 },
							  { 7, 0, s2, -1, 0 } } };
	struct {
		struct fuse_bufvec v;
		struct fuse_buf more[1];
	} dst = { { 2, 0, 0, { { 4, 0, d1, -1, 0 } } }, { { 20, 0, d2, -1, 0 } } };

	memset(d1, 0, sizeof(d1));
	memset(d2, 0, sizeof(d2));
	/* An empty buffer in the middle is skipped. */
	CHECK_EQ(fuse_buf_copy(&dst.v, &src.v, 0), 12);
	CHECK_MEM(d1, "hell", 4);
	CHECK_STR(d2, "oworld!!");
	CHECK_UEQ(src.v.idx, 3);
	CHECK_UEQ(dst.v.idx, 1);
	CHECK_UEQ(dst.v.off, 8);	/* libfuse 3.14 leaves 1 here: it skips the last advance */
	CHECK_EQ(fuse_buf_copy(&dst.v, &src.v, 0), 0);

	/* A second source continues where the destination cursor stopped. */
	struct fuse_bufvec more = mem_vec("XY", 2);
	CHECK_EQ(fuse_buf_copy(&dst.v, &more, 0), 2);
	CHECK_STR(d2, "oworld!!XY");

	/* Destination smaller than the source: a partial copy, the source cursor mid-buffer. */
	char big[] = "0123456789";
	char small[4];
	struct fuse_bufvec bs = mem_vec(big, 10);
	struct fuse_bufvec sd = mem_vec(small, 4);
	CHECK_EQ(fuse_buf_copy(&sd, &bs, 0), 4);
	CHECK_MEM(small, "0123", 4);
	CHECK_UEQ(bs.idx, 0);
	CHECK_UEQ(bs.off, 4);
	sd = mem_vec(small, 4);
	CHECK_EQ(fuse_buf_copy(&sd, &bs, 0), 4);
	CHECK_MEM(small, "4567", 4);

	/* Overlapping memory moves like memmove. */
	char ov[] = "abcdefgh";
	struct fuse_bufvec os = mem_vec(ov, 6);
	struct fuse_bufvec od = mem_vec(ov + 2, 6);
	CHECK_EQ(fuse_buf_copy(&od, &os, 0), 6);
	CHECK_STR(ov, "ababcdef");

	/* The same vector on both sides copies nothing and reports its size. */
	CHECK_EQ(fuse_buf_copy(&os, &os, 0), 6);
	CHECK_EQ(fuse_buf_copy(NULL, &os, 0), -EINVAL);
	CHECK_EQ(fuse_buf_copy(&os, NULL, 0), -EINVAL);
}

static void test_mem_fd(void)
{
	int fd = tmpfile_fd(0);
	char back[32];

	struct fuse_bufvec src = mem_vec("0123456789", 10);
	struct fuse_bufvec dst = fd_vec(fd, 10, 0, 0);
	CHECK_EQ(fuse_buf_copy(&dst, &src, 0), 10);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);	/* no position: the file offset moved */

	/* With a position: pwrite at pos + cursor, the file offset stays. */
	struct fuse_bufvec s2 = mem_vec("XYZ", 3);
	struct fuse_bufvec d2 = fd_vec(fd, 3, 1, 8);
	CHECK_EQ(fuse_buf_copy(&d2, &s2, 0), 3);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	memset(back, 0, sizeof(back));
	CHECK_EQ(pread(fd, back, sizeof(back), 0), 11);
	CHECK_STR(back, "01234567XYZ");

	/* fd -> mem with a position: a short read at EOF ends the copy. */
	char m[32];
	memset(m, 0, sizeof(m));
	struct fuse_bufvec f3 = fd_vec(fd, 32, 1, 3);
	struct fuse_bufvec m3 = mem_vec(m, 32);
	CHECK_EQ(fuse_buf_copy(&m3, &f3, 0), 8);
	CHECK_STR(m, "34567XYZ");
	CHECK_UEQ(f3.off, 8);
	CHECK_UEQ(m3.off, 8);

	/* ... and at EOF nothing is read. */
	struct fuse_bufvec f4 = fd_vec(fd, 5, 1, 100);
	struct fuse_bufvec m4 = mem_vec(m, 5);
	CHECK_EQ(fuse_buf_copy(&m4, &f4, 0), 0);

	/* fd -> mem without a position reads from the file offset. */
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	memset(m, 0, sizeof(m));
	struct fuse_bufvec f5 = fd_vec(fd, 4, 0, 0);
	struct fuse_bufvec m5 = mem_vec(m, 4);
	CHECK_EQ(fuse_buf_copy(&m5, &f5, 0), 4);
	CHECK_STR(m, "2345");

	/* A second buffer of a multi-buffer source goes on at its own position. */
	struct {
		struct fuse_bufvec v;
		struct fuse_buf more[1];
	} two = { { 2, 0, 0, { { 2, FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK, NULL, fd, 0 } } },
		  { { 3, FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK, NULL, fd, 8 } } };
	memset(m, 0, sizeof(m));
	struct fuse_bufvec m6 = mem_vec(m, 32);
	CHECK_EQ(fuse_buf_copy(&m6, &two.v, 0), 5);
	CHECK_STR(m, "01XYZ");

	/* Errors come back as -errno when nothing was copied. */
	struct fuse_bufvec bad = fd_vec(-1, 5, 0, 0);
	struct fuse_bufvec m7 = mem_vec(m, 5);
	CHECK_EQ(fuse_buf_copy(&m7, &bad, 0), -EBADF);
	struct fuse_bufvec s8 = mem_vec("abc", 3);
	struct fuse_bufvec bad2 = fd_vec(-1, 3, 1, 0);
	CHECK_EQ(fuse_buf_copy(&bad2, &s8, 0), -EBADF);

	close(fd);
}

/* fd -> fd between regular files in all three splice modes, 1 MiB at odd offsets. */
static void test_file_file(void)
{
	const size_t n = (1 << 20) + 77;
	unsigned char *data = malloc(n);
	unsigned char *back = malloc(n);
	static const enum fuse_buf_copy_flags modes[] = {
		0, FUSE_BUF_NO_SPLICE, FUSE_BUF_FORCE_SPLICE, FUSE_BUF_SPLICE_MOVE,
	};
	size_t i;

	if (data == NULL || back == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	fill_pattern(data, n, 7);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int in = tmpfile_fd(0);
		int out = tmpfile_fd(0);

		CHECK_EQ(pwrite(in, data, n, 0), (ssize_t)n);
		struct fuse_bufvec s = fd_vec(in, n - 13, 1, 13);
		struct fuse_bufvec d = fd_vec(out, n - 13, 1, 5);
		CHECK_EQ(fuse_buf_copy(&d, &s, modes[i]), (ssize_t)(n - 13));
		memset(back, 0, n);
		CHECK_EQ(pread(out, back, n, 5), (ssize_t)(n - 13));
		CHECK_MEM(back, data + 13, n - 13);

		/* A source that ends early gives a short copy, not an error. */
		struct fuse_bufvec s2 = fd_vec(in, 100, 1, (off_t)n - 40);
		struct fuse_bufvec d2 = fd_vec(out, 100, 1, 0);
		CHECK_EQ(fuse_buf_copy(&d2, &s2, modes[i]), 40);

		/* Streams (no position) use and move the file offsets. */
		CHECK_EQ(lseek(in, 1000, SEEK_SET), 1000);
		CHECK_EQ(lseek(out, 0, SEEK_SET), 0);
		struct fuse_bufvec s3 = fd_vec(in, 5000, 0, 0);
		struct fuse_bufvec d3 = fd_vec(out, 5000, 0, 0);
		CHECK_EQ(fuse_buf_copy(&d3, &s3, modes[i]), 5000);
		CHECK_EQ(lseek(in, 0, SEEK_CUR), 6000);
		CHECK_EQ(lseek(out, 0, SEEK_CUR), 5000);
		CHECK_EQ(pread(out, back, 5000, 0), 5000);
		CHECK_MEM(back, data + 1000, 5000);
		close(in);
		close(out);
	}

	/* An O_APPEND destination cannot be spliced into: fall back, unless splice is forced. */
	int in = tmpfile_fd(0);
	int app = tmpfile_fd(O_APPEND);
	CHECK_EQ(pwrite(in, data, 4096, 0), 4096);
	struct fuse_bufvec s = fd_vec(in, 4096, 1, 0);
	struct fuse_bufvec d = fd_vec(app, 4096, 0, 0);
	CHECK_EQ(fuse_buf_copy(&d, &s, 0), 4096);
	CHECK_EQ(pread(app, back, 4096, 0), 4096);
	CHECK_MEM(back, data, 4096);
	s = fd_vec(in, 4096, 1, 0);
	d = fd_vec(app, 4096, 0, 0);
	CHECK_EQ(fuse_buf_copy(&d, &s, FUSE_BUF_FORCE_SPLICE), -EINVAL);
	close(in);
	close(app);

	free(data);
	free(back);
}

/* Write `total` bytes of pattern into fd in `pieces` writes, pausing between them. */
static pid_t slow_writer(int fd, size_t total, int pieces)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	unsigned char *data = malloc(total);
	size_t per = total / (size_t)pieces;
	size_t done = 0;

	if (data == NULL)
		_exit(1);
	fill_pattern(data, total, 3);
	while (done < total) {
		size_t len = total - done < per ? total - done : per;
		ssize_t w = write(fd, data + done, len);

		if (w <= 0)
			_exit(1);
		done += (size_t)w;
		usleep(20000);	/* make the reader see the data in pieces */
	}
	_exit(0);
}

static int wait_ok(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_pipes(void)
{
	const size_t total = 3000;
	unsigned char expect[3000];
	unsigned char got[3000];
	int p[2];
	pid_t pid;

	fill_pattern(expect, total, 3);

	/* FD_RETRY: keep reading the pipe until the whole size (or EOF) arrived. */
	CHECK_EQ(pipe(p), 0);
	pid = slow_writer(p[1], total, 3);
	close(p[1]);
	memset(got, 0, sizeof(got));
	struct fuse_bufvec s = fd_vec(p[0], total, 0, 0);
	s.buf[0].flags |= FUSE_BUF_FD_RETRY;
	struct fuse_bufvec d = mem_vec(got, total);
	CHECK_EQ(fuse_buf_copy(&d, &s, 0), (ssize_t)total);
	CHECK_MEM(got, expect, total);
	CHECK(wait_ok(pid));
	close(p[0]);

	/* pipe -> file: spliced directly (with retry, to collect every piece). */
	int out = tmpfile_fd(0);
	CHECK_EQ(pipe(p), 0);
	pid = slow_writer(p[1], total, 3);
	close(p[1]);
	s = fd_vec(p[0], total, 0, 0);
	s.buf[0].flags |= FUSE_BUF_FD_RETRY;
	d = fd_vec(out, total, 1, 10);
	CHECK_EQ(fuse_buf_copy(&d, &s, FUSE_BUF_FORCE_SPLICE), (ssize_t)total);
	memset(got, 0, sizeof(got));
	CHECK_EQ(pread(out, got, total, 10), (ssize_t)total);
	CHECK_MEM(got, expect, total);
	CHECK(wait_ok(pid));
	close(p[0]);

	/* file -> pipe, then pipe -> mem, without splice. */
	CHECK_EQ(pipe(p), 0);
	s = fd_vec(out, total, 1, 10);
	d = fd_vec(p[1], total, 0, 0);
	CHECK_EQ(fuse_buf_copy(&d, &s, FUSE_BUF_NO_SPLICE), (ssize_t)total);
	memset(got, 0, sizeof(got));
	s = fd_vec(p[0], total, 0, 0);
	d = mem_vec(got, total);
	CHECK_EQ(fuse_buf_copy(&d, &s, 0), (ssize_t)total);
	CHECK_MEM(got, expect, total);

	/* file -> pipe -> pipe with splice. */
	int q[2];
	CHECK_EQ(pipe(q), 0);
	s = fd_vec(out, total, 1, 10);
	d = fd_vec(p[1], total, 0, 0);
	CHECK_EQ(fuse_buf_copy(&d, &s, FUSE_BUF_FORCE_SPLICE), (ssize_t)total);
	s = fd_vec(p[0], total, 0, 0);
	d = fd_vec(q[1], total, 0, 0);
	CHECK_EQ(fuse_buf_copy(&d, &s, FUSE_BUF_FORCE_SPLICE), (ssize_t)total);
	memset(got, 0, sizeof(got));
	CHECK_EQ(read(q[0], got, total), (ssize_t)total);
	CHECK_MEM(got, expect, total);

	/* An empty pipe with SPLICE_NONBLOCK does not block: -EAGAIN. */
	s = fd_vec(p[0], 100, 0, 0);
	d = fd_vec(out, 100, 1, 0);
	CHECK_EQ(fuse_buf_copy(&d, &s, FUSE_BUF_SPLICE_NONBLOCK), -EAGAIN);

	/* A pipe whose writer is gone reads as EOF: 0 bytes. */
	close(p[1]);
	s = fd_vec(p[0], 100, 0, 0);
	d = fd_vec(out, 100, 1, 0);
	CHECK_EQ(fuse_buf_copy(&d, &s, 0), 0);

	/* Writing into a pipe without readers is -EPIPE (SIGPIPE ignored here). */
	close(q[0]);
	struct fuse_bufvec ms = mem_vec("abc", 3);
	d = fd_vec(q[1], 3, 0, 0);
	CHECK_EQ(fuse_buf_copy(&d, &ms, 0), -EPIPE);

	close(p[0]);
	close(q[1]);
	close(out);
}

int main(void)
{
	if (mkdtemp(scratch) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	test_size();
	test_mem_mem();
	test_mem_fd();
	test_file_file();
	test_pipes();
	(void)rmdir(scratch);
	return check_result();
}
