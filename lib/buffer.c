/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_buf_size() and fuse_buf_copy(): moving data between buffer vectors whose elements are
 * either memory or file descriptors (with or without a position). Filesystems use it in
 * write_buf() and to answer read_buf(); the library uses it to move request payloads. A copy
 * between two descriptors uses splice(2) when allowed, through a private pipe when neither side
 * is one, and falls back to read(2)+write(2) where the kernel cannot splice.
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION RINGFUSE_ABI
#endif

#include "export_i.h"
#include "fuse_lowlevel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bounce buffer size for the read+write fallback, and the chunk moved through our own pipe. */
#define BUF_CHUNK (64 * 1024)

FUSE_EXPORT size_t fuse_buf_size(const struct fuse_bufvec *bufv)
{
	size_t size = 0;
	size_t i;

	if (bufv == NULL)
		return 0;
	for (i = 0; i < bufv->count; i++) {
		/* SIZE_MAX means "until EOF" and absorbs everything else. */
		if (bufv->buf[i].size == SIZE_MAX || size > SIZE_MAX - bufv->buf[i].size)
			return SIZE_MAX;
		size += bufv->buf[i].size;
	}
	return size;
}

static bool buf_retry(const struct fuse_buf *buf)
{
	return (buf->flags & FUSE_BUF_FD_RETRY) != 0;
}

/* Write len bytes at offset off of buf; short only on error, or without FD_RETRY. */
static ssize_t buf_write(const struct fuse_buf *buf, size_t off, const char *mem, size_t len)
{
	size_t done = 0;
	ssize_t res;

	while (done < len) {
		if (buf->flags & FUSE_BUF_FD_SEEK)
			res = pwrite(buf->fd, mem + done, len - done,
				     buf->pos + (off_t)(off + done));
		else
			res = write(buf->fd, mem + done, len - done);
		if (res == -1) {
			if (errno == EINTR)
				continue;
			if (done == 0)
				return -errno;
			break;
		}
		if (res == 0)
			break;
		done += (size_t)res;
		if (!buf_retry(buf))
			break;
	}
	return (ssize_t)done;
}

/* Read up to len bytes at offset off of buf; short at EOF, on error, or without FD_RETRY. */
static ssize_t buf_read(const struct fuse_buf *buf, size_t off, char *mem, size_t len)
{
	size_t done = 0;
	ssize_t res;

	while (done < len) {
		if (buf->flags & FUSE_BUF_FD_SEEK)
			res = pread(buf->fd, mem + done, len - done,
				    buf->pos + (off_t)(off + done));
		else
			res = read(buf->fd, mem + done, len - done);
		if (res == -1) {
			if (errno == EINTR)
				continue;
			if (done == 0)
				return -errno;
			break;
		}
		if (res == 0)
			break;	/* EOF */
		done += (size_t)res;
		if (!buf_retry(buf))
			break;
	}
	return (ssize_t)done;
}

/* Descriptor to descriptor without splice: through a bounce buffer, chunk by chunk. */
static ssize_t buf_fd_to_fd(const struct fuse_buf *dst, size_t dst_off,
			    const struct fuse_buf *src, size_t src_off, size_t len)
{
	size_t chunk = len < BUF_CHUNK ? len : BUF_CHUNK;
	char *bounce = malloc(chunk);
	size_t copied = 0;
	ssize_t res = 0;
	ssize_t got;

	if (bounce == NULL)
		return -ENOMEM;
	while (copied < len) {
		size_t want = len - copied < chunk ? len - copied : chunk;

		got = buf_read(src, src_off + copied, bounce, want);
		if (got <= 0) {
			res = got;
			break;
		}
		res = buf_write(dst, dst_off + copied, bounce, (size_t)got);
		if (res <= 0)
			break;
		copied += (size_t)res;
		/* What the write did not take is lost for a stream source; stop here. */
		if (res < got || (size_t)got < want)
			break;
	}
	free(bounce);
	if (copied == 0 && res < 0)
		return res;
	return (ssize_t)copied;
}

static bool buf_is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* An errno from splice(2) that means "these descriptors cannot be spliced", not an I/O error. */
static bool buf_splice_unsupported(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* splice(2) with the buffer's position when it has one (a pipe never has). */
static ssize_t buf_splice_one(const struct fuse_buf *in, size_t in_off, int in_fd,
			      const struct fuse_buf *out, size_t out_off, int out_fd,
			      size_t len, unsigned int sflags)
{
	loff_t in_pos = 0;
	loff_t out_pos = 0;
	loff_t *inp = NULL;
	loff_t *outp = NULL;
	ssize_t res;

	if (in != NULL && (in->flags & FUSE_BUF_FD_SEEK)) {
		in_pos = in->pos + (off_t)in_off;
		inp = &in_pos;
	}
	if (out != NULL && (out->flags & FUSE_BUF_FD_SEEK)) {
		out_pos = out->pos + (off_t)out_off;
		outp = &out_pos;
	}
	do {
		res = splice(in_fd, inp, out_fd, outp, len, sflags);
	} while (res == -1 && errno == EINTR);
	return res == -1 ? -errno : res;
}

/* One side is a pipe: splice straight across. */
static ssize_t buf_splice_direct(const struct fuse_buf *dst, size_t dst_off,
				 const struct fuse_buf *src, size_t src_off, size_t len,
				 unsigned int sflags)
{
	bool retry = buf_retry(src) || buf_retry(dst);
	size_t copied = 0;
	ssize_t res;

	while (copied < len) {
		res = buf_splice_one(src, src_off + copied, src->fd, dst, dst_off + copied, dst->fd,
				     len - copied, sflags);
		if (res < 0) {
			if (copied == 0)
				return res;
			break;
		}
		if (res == 0)
			break;
		copied += (size_t)res;
		if (!retry)
			break;
	}
	return (ssize_t)copied;
}

/*
 * Neither side is a pipe: splice into a private pipe and out of it again, a chunk at a time.
 * Data taken from the source but refused by the destination cannot be put back; like a short
 * write after a read, the copy then ends short (an error only when nothing was copied).
 */
static ssize_t buf_splice_via_pipe(const struct fuse_buf *dst, size_t dst_off,
				   const struct fuse_buf *src, size_t src_off, size_t len,
				   unsigned int sflags)
{
	bool retry = buf_retry(src) || buf_retry(dst);
	struct stat st;
	bool src_regular;
	size_t copied = 0;
	ssize_t res = 0;
	ssize_t in;
	size_t out;
	int p[2];

	/*
	 * A splice from a regular file can come back short of the chunk for page-alignment
	 * reasons alone, and reading on can never block; only a short read from anything else
	 * (a socket, a device) means "that is all for now".
	 */
	src_regular = fstat(src->fd, &st) == 0 && S_ISREG(st.st_mode);
	if (pipe2(p, O_CLOEXEC) == -1)
		return -errno;
	while (copied < len) {
		size_t want = len - copied < BUF_CHUNK ? len - copied : BUF_CHUNK;

		in = buf_splice_one(src, src_off + copied, src->fd, NULL, 0, p[1], want, sflags);
		if (in <= 0) {
			res = in;
			break;
		}
		for (out = 0; out < (size_t)in; out += (size_t)res) {
			res = buf_splice_one(NULL, 0, p[0], dst, dst_off + copied + out, dst->fd,
					     (size_t)in - out, sflags);
			if (res <= 0)
				break;
		}
		copied += out;
		if (out < (size_t)in)
			break;
		if ((size_t)in < want && !src_regular && !retry)
			break;
	}
	(void)close(p[0]);
	(void)close(p[1]);
	if (copied == 0 && res < 0)
		return res;
	return (ssize_t)copied;
}

static ssize_t buf_copy_fd_fd(const struct fuse_buf *dst, size_t dst_off,
			      const struct fuse_buf *src, size_t src_off, size_t len,
			      enum fuse_buf_copy_flags flags)
{
	unsigned int sflags = 0;
	ssize_t res;

	if (flags & FUSE_BUF_NO_SPLICE)
		return buf_fd_to_fd(dst, dst_off, src, src_off, len);
	if (flags & FUSE_BUF_SPLICE_MOVE)
		sflags |= SPLICE_F_MOVE;
	if (flags & FUSE_BUF_SPLICE_NONBLOCK)
		sflags |= SPLICE_F_NONBLOCK;

	if (buf_is_pipe(src->fd) || buf_is_pipe(dst->fd))
		res = buf_splice_direct(dst, dst_off, src, src_off, len, sflags);
	else
		res = buf_splice_via_pipe(dst, dst_off, src, src_off, len, sflags);
	/* Only a refusal before anything moved can fall back; the kernel then said "not here". */
	if (res < 0 && buf_splice_unsupported((int)-res) && !(flags & FUSE_BUF_FORCE_SPLICE))
		return buf_fd_to_fd(dst, dst_off, src, src_off, len);
	return res;
}

static ssize_t buf_copy_one(const struct fuse_buf *dst, size_t dst_off,
			    const struct fuse_buf *src, size_t src_off, size_t len,
			    enum fuse_buf_copy_flags flags)
{
	bool src_fd = (src->flags & FUSE_BUF_IS_FD) != 0;
	bool dst_fd = (dst->flags & FUSE_BUF_IS_FD) != 0;

	if (len == 0)
		return 0;
	if (!src_fd && !dst_fd) {
		char *d = (char *)dst->mem + dst_off;
		const char *s = (const char *)src->mem + src_off;

		/* The same bytes (a buffer copied onto itself) need no copy; overlap needs memmove. */
		if (d != s)
			memmove(d, s, len);
		return (ssize_t)len;
	}
	if (!src_fd)
		return buf_write(dst, dst_off, (const char *)src->mem + src_off, len);
	if (!dst_fd)
		return buf_read(src, src_off, (char *)dst->mem + dst_off, len);
	return buf_copy_fd_fd(dst, dst_off, src, src_off, len, flags);
}

/* The buffer at the vector's cursor, skipping exhausted ones; NULL at the end. */
static const struct fuse_buf *bufv_current(struct fuse_bufvec *bufv)
{
	while (bufv->idx < bufv->count && bufv->off >= bufv->buf[bufv->idx].size) {
		bufv->idx++;
		bufv->off = 0;
	}
	return bufv->idx < bufv->count ? &bufv->buf[bufv->idx] : NULL;
}

static void bufv_advance(struct fuse_bufvec *bufv, size_t len)
{
	bufv->off += len;
	if (bufv->idx < bufv->count && bufv->off >= bufv->buf[bufv->idx].size) {
		bufv->idx++;
		bufv->off = 0;
	}
}

/*
 * Both cursors (idx, off) advance by what was copied, so a caller can continue a partial copy
 * with the same vectors. A short piece (EOF, a short write) ends the copy; an error ends it too,
 * reported only when nothing was copied before it.
 */
FUSE_EXPORT ssize_t fuse_buf_copy(struct fuse_bufvec *dstv, struct fuse_bufvec *srcv,
				  enum fuse_buf_copy_flags flags)
{
	const struct fuse_buf *src;
	const struct fuse_buf *dst;
	size_t copied = 0;
	size_t len;
	ssize_t res;

	if (dstv == NULL || srcv == NULL)
		return -EINVAL;
	if (dstv == srcv)
		return (ssize_t)fuse_buf_size(dstv);

	for (;;) {
		src = bufv_current(srcv);
		dst = bufv_current(dstv);
		if (src == NULL || dst == NULL)
			break;
		len = src->size - srcv->off;
		if (dst->size - dstv->off < len)
			len = dst->size - dstv->off;
		res = buf_copy_one(dst, dstv->off, src, srcv->off, len, flags);
		if (res < 0) {
			if (copied == 0)
				return res;
			break;
		}
		copied += (size_t)res;
		bufv_advance(srcv, (size_t)res);
		bufv_advance(dstv, (size_t)res);
		if ((size_t)res < len)
			break;
	}
	return (ssize_t)copied;
}
