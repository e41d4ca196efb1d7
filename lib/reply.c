/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replies: every fuse_reply_* turns its arguments into the kernel's output structures and
 * hands an iovec to the request's transport (iov[0] the fuse_out_header, the output arguments
 * after it, in order, which is what lets the ring gather them into its payload buffer). Also
 * the directory-entry encoders and the header of notifications. No transport is named here.
 */
#include "dispatch_i.h"
#include "tsan_i.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* The kernel's "no end" for a lock range (OFFSET_MAX). */
#define REPLY_OFFSET_MAX ((uint64_t)INT64_MAX)

static size_t reply_iov_len(const struct iovec *iov, int count)
{
	size_t len = 0;
	int i;

	for (i = 0; i < count; i++)
		len += iov[i].iov_len;
	return len;
}

int fuse__send_reply_iov(struct fuse_req *req, int error, struct iovec *iov, int count)
{
	struct fuse_out_header oh;
	size_t len;

	if (error > 0 || error <= -1000) {
		/* libfuse's rule: an error the kernel cannot pass on becomes ERANGE. */
		fuse_log(FUSE_LOG_ERR, "fuse: bad error value: %i\n", error);
		error = -ERANGE;
	}
	if (req->unique == 0) {
		/* Nobody waits for it (a stand-in request): complete it without a write. */
		req->tp->drop(req);
		return 0;
	}
	iov[0].iov_base = &oh;
	iov[0].iov_len = sizeof(oh);
	len = reply_iov_len(iov, count);
	oh.len = (uint32_t)len;
	oh.error = error;
	oh.unique = req->unique;
	if (req->se->debug)
		fuse_log(FUSE_LOG_DEBUG, "   unique: %llu, %s %i, outsize: %zu\n",
			 (unsigned long long)req->unique, error ? "error:" : "success:", error,
			 len);
	fuse__tsan_release(req->se);
	return req->tp->send(req, iov, count);
}

/* One output argument (or none, when size is 0). */
static int reply_ok(struct fuse_req *req, const void *arg, size_t size)
{
	struct iovec iov[2];
	int count = 1;

	if (size) {
		iov[1].iov_base = (void *)(uintptr_t)arg;
		iov[1].iov_len = size;
		count = 2;
	}
	return fuse__send_reply_iov(req, 0, iov, count);
}

FUSE_EXPORT int fuse_reply_err(fuse_req_t req, int err)
{
	struct iovec iov[1];

	if (!req)
		return -EINVAL;
	return fuse__send_reply_iov(req, -err, iov, 1);
}

FUSE_EXPORT void fuse_reply_none(fuse_req_t req)
{
	if (!req)
		return;
	fuse__tsan_release(req->se);
	req->tp->drop(req);
}

static uint64_t reply_timeout_sec(double t)
{
	if (!(t > 0))
		return 0;
	if (t >= (double)UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)t;
}

static uint32_t reply_timeout_nsec(double t)
{
	double f;

	if (!(t > 0) || t >= (double)UINT64_MAX)
		return 0;
	f = (t - (double)(uint64_t)t) * 1000000000.0;
	if (f < 0)
		return 0;
	if (f > 999999999.0)
		return 999999999;
	return (uint32_t)f;
}

static void reply_convert_stat(const struct stat *st, struct fuse_attr *a)
{
	a->ino = st->st_ino;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->size = (uint64_t)st->st_size;
	a->blksize = (uint32_t)st->st_blksize;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
}

void fuse__fill_entry_out(struct fuse_entry_out *out, const struct fuse_entry_param *e)
{
	memset(out, 0, sizeof(*out));
	out->nodeid = e->ino;
	out->generation = e->generation;
	out->entry_valid = reply_timeout_sec(e->entry_timeout);
	out->entry_valid_nsec = reply_timeout_nsec(e->entry_timeout);
	out->attr_valid = reply_timeout_sec(e->attr_timeout);
	out->attr_valid_nsec = reply_timeout_nsec(e->attr_timeout);
	reply_convert_stat(&e->attr, &out->attr);
}

static void reply_fill_open(struct fuse__open_out *out, const struct fuse_file_info *fi)
{
	memset(out, 0, sizeof(*out));
	out->fh = fi->fh;
	if (fi->direct_io)
		out->open_flags |= FOPEN_DIRECT_IO;
	if (fi->keep_cache)
		out->open_flags |= FOPEN_KEEP_CACHE;
	if (fi->nonseekable)
		out->open_flags |= FOPEN_NONSEEKABLE;
	if (fi->cache_readdir)
		out->open_flags |= FOPEN_CACHE_DIR;
	if (fi->noflush)
		out->open_flags |= FOPEN_NOFLUSH;
	if (fi->parallel_direct_writes)
		out->open_flags |= FOPEN_PARALLEL_DIRECT_WRITES;
	if (fi->backing_id > 0) {
		/*
		 * The kernel fails the open() with EIO when a passthrough open carries
		 * FOPEN_KEEP_CACHE, and the flag means nothing there: reads go to the backing
		 * file's own page cache. Filesystems that set keep_cache on every open (as
		 * libfuse's examples do) would otherwise lose passthrough by turning it on.
		 */
		out->open_flags &= ~FOPEN_KEEP_CACHE;
		out->open_flags |= FOPEN_PASSTHROUGH;
		out->backing_id = fi->backing_id;
	}
}

static size_t reply_entry_size(struct fuse_req *req)
{
	return req->se->conn.proto_minor < 9 ? FUSE_COMPAT_ENTRY_OUT_SIZE :
					       sizeof(struct fuse_entry_out);
}

FUSE_EXPORT int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
	struct fuse_entry_out out;

	if (!req || !e)
		return -EINVAL;
	/* Before 7.4 the kernel had no negative entries. */
	if (!e->ino && req->se->conn.proto_minor < 4)
		return fuse_reply_err(req, ENOENT);
	fuse__fill_entry_out(&out, e);
	return reply_ok(req, &out, reply_entry_size(req));
}

FUSE_EXPORT int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
				  const struct fuse_file_info *fi)
{
	struct fuse_entry_out eo;
	struct fuse__open_out oo;
	struct iovec iov[3];

	if (!req || !e || !fi)
		return -EINVAL;
	fuse__fill_entry_out(&eo, e);
	reply_fill_open(&oo, fi);
	iov[1].iov_base = &eo;
	iov[1].iov_len = reply_entry_size(req);
	iov[2].iov_base = &oo;
	iov[2].iov_len = sizeof(oo);
	return fuse__send_reply_iov(req, 0, iov, 3);
}

FUSE_EXPORT int fuse_reply_attr(fuse_req_t req, const struct stat *attr, double attr_timeout)
{
	struct fuse_attr_out out;

	if (!req || !attr)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.attr_valid = reply_timeout_sec(attr_timeout);
	out.attr_valid_nsec = reply_timeout_nsec(attr_timeout);
	reply_convert_stat(attr, &out.attr);
	return reply_ok(req, &out, req->se->conn.proto_minor < 9 ? FUSE_COMPAT_ATTR_OUT_SIZE :
								   sizeof(out));
}

FUSE_EXPORT int fuse_reply_readlink(fuse_req_t req, const char *link)
{
	if (!req || !link)
		return -EINVAL;
	return reply_ok(req, link, strlen(link));
}

FUSE_EXPORT int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
	struct fuse__open_out out;

	if (!req || !fi)
		return -EINVAL;
	reply_fill_open(&out, fi);
	return reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_write(fuse_req_t req, size_t count)
{
	struct fuse_write_out out;

	if (!req)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.size = (uint32_t)count;
	return reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size)
{
	if (!req || (size && !buf))
		return -EINVAL;
	return reply_ok(req, buf, size);
}

FUSE_EXPORT int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count)
{
	struct iovec *all;
	int ret;

	if (!req || count < 0 || (count && !iov))
		return -EINVAL;
	all = malloc(sizeof(*all) * ((size_t)count + 1));
	if (!all)
		return fuse_reply_err(req, ENOMEM);
	memcpy(all + 1, iov, sizeof(*iov) * (size_t)count);
	ret = fuse__send_reply_iov(req, 0, all, count + 1);
	free(all);
	return ret;
}

/*
 * Copy the bufvec's data into dst (size bytes at most); returns the bytes copied or -errno.
 * A short count is an end of file in an fd buffer and stands.
 */
static ssize_t reply_copy_data(char *dst, size_t size, struct fuse_bufvec *bufv,
			       enum fuse_buf_copy_flags flags)
{
	struct fuse_bufvec dv = FUSE_BUFVEC_INIT(size);

	dv.buf[0].mem = dst;
	return fuse_buf_copy(&dv, bufv, flags);
}

FUSE_EXPORT int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv,
				enum fuse_buf_copy_flags flags)
{
	struct fuse_out_header oh;
	struct iovec iov[2];
	const struct fuse_buf *b;
	char *payload = NULL, *tmp = NULL;
	size_t len, psize = 0, i;
	ssize_t got;
	int ret;

	if (!req || !bufv || bufv->idx > bufv->count)
		return -EINVAL;
	/* What is left to send, from the current position on. */
	len = 0;
	for (i = bufv->idx; i < bufv->count; i++)
		len += bufv->buf[i].size;
	if (bufv->idx < bufv->count)
		len -= bufv->off < bufv->buf[bufv->idx].size ? bufv->off :
							       bufv->buf[bufv->idx].size;

	b = bufv->idx < bufv->count ? &bufv->buf[bufv->idx] : NULL;
	if (!b || len == 0)
		return reply_ok(req, NULL, 0);
	if (bufv->count - bufv->idx == 1 && !(b->flags & FUSE_BUF_IS_FD))
		return reply_ok(req, (const char *)b->mem + bufv->off, len);

	/* A transport that can move fd-backed data without copying it (splice on /dev/fuse). */
	if (req->tp->send_data && req->unique != 0 && len <= UINT32_MAX - sizeof(oh)) {
		oh.len = (uint32_t)(sizeof(oh) + len);
		oh.error = 0;
		oh.unique = req->unique;
		iov[0].iov_base = &oh;
		iov[0].iov_len = sizeof(oh);
		fuse__tsan_release(req->se);
		ret = req->tp->send_data(req, iov, 1, bufv, len, flags);
		if (ret != FUSE__SEND_DECLINED)
			return ret;
	}
	/* On the ring the data can go straight into the payload the kernel reads from. */
	if (req->tp->get_payload && req->tp->get_payload(req, &payload, &psize) == 0 &&
	    payload && len <= psize) {
		got = reply_copy_data(payload, len, bufv, flags);
		if (got < 0)
			return fuse_reply_err(req, (int)-got);
		return reply_ok(req, payload, (size_t)got);
	}
	tmp = malloc(len);
	if (!tmp)
		return fuse_reply_err(req, ENOMEM);
	got = reply_copy_data(tmp, len, bufv, flags);
	if (got < 0) {
		ret = fuse_reply_err(req, (int)-got);
		goto out;
	}
	iov[1].iov_base = tmp;
	iov[1].iov_len = (size_t)got;
	ret = fuse__send_reply_iov(req, 0, iov, got ? 2 : 1);
out:
	free(tmp);
	return ret;
}

FUSE_EXPORT int fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf)
{
	struct fuse_statfs_out out;

	if (!req || !stbuf)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.st.blocks = stbuf->f_blocks;
	out.st.bfree = stbuf->f_bfree;
	out.st.bavail = stbuf->f_bavail;
	out.st.files = stbuf->f_files;
	out.st.ffree = stbuf->f_ffree;
	out.st.bsize = (uint32_t)stbuf->f_bsize;
	out.st.namelen = (uint32_t)stbuf->f_namemax;
	out.st.frsize = (uint32_t)stbuf->f_frsize;
	return reply_ok(req, &out, req->se->conn.proto_minor < 4 ? FUSE_COMPAT_STATFS_SIZE :
								   sizeof(out));
}

FUSE_EXPORT int fuse_reply_xattr(fuse_req_t req, size_t count)
{
	struct fuse_getxattr_out out;

	if (!req)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.size = (uint32_t)count;
	return reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_lock(fuse_req_t req, const struct flock *lock)
{
	struct fuse_lk_out out;

	if (!req || !lock)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.lk.type = (uint32_t)lock->l_type;
	if (lock->l_type != F_UNLCK) {
		out.lk.start = (uint64_t)lock->l_start;
		out.lk.end = lock->l_len == 0 ? REPLY_OFFSET_MAX :
						(uint64_t)lock->l_start + (uint64_t)lock->l_len - 1;
	}
	out.lk.pid = (uint32_t)lock->l_pid;
	return reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_bmap(fuse_req_t req, uint64_t idx)
{
	struct fuse_bmap_out out;

	if (!req)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.block = idx;
	return reply_ok(req, &out, sizeof(out));
}

static struct fuse_ioctl_iovec *reply_ioctl_iovs(const struct iovec *iov, size_t count)
{
	struct fuse_ioctl_iovec *f = calloc(count ? count : 1, sizeof(*f));
	size_t i;

	if (!f)
		return NULL;
	for (i = 0; i < count; i++) {
		f[i].base = (uint64_t)(uintptr_t)iov[i].iov_base;
		f[i].len = iov[i].iov_len;
	}
	return f;
}

FUSE_EXPORT int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec *in_iov,
				       size_t in_count, const struct iovec *out_iov,
				       size_t out_count)
{
	struct fuse_ioctl_out out;
	struct fuse_ioctl_iovec *fin = NULL, *fout = NULL;
	struct iovec iov[4];
	int count = 2, ret;

	if (!req || (in_count && !in_iov) || (out_count && !out_iov))
		return -EINVAL;
	if (in_count > FUSE_IOCTL_MAX_IOV || out_count > FUSE_IOCTL_MAX_IOV ||
	    in_count + out_count > FUSE_IOCTL_MAX_IOV)
		return fuse_reply_err(req, EINVAL);
	memset(&out, 0, sizeof(out));
	out.flags = FUSE_IOCTL_RETRY;
	out.in_iovs = (uint32_t)in_count;
	out.out_iovs = (uint32_t)out_count;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	fin = reply_ioctl_iovs(in_iov, in_count);
	fout = reply_ioctl_iovs(out_iov, out_count);
	if (!fin || !fout) {
		ret = fuse_reply_err(req, ENOMEM);
		goto out;
	}
	if (in_count) {
		iov[count].iov_base = fin;
		iov[count++].iov_len = in_count * sizeof(*fin);
	}
	if (out_count) {
		iov[count].iov_base = fout;
		iov[count++].iov_len = out_count * sizeof(*fout);
	}
	ret = fuse__send_reply_iov(req, 0, iov, count);
out:
	free(fout);
	free(fin);
	return ret;
}

FUSE_EXPORT int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size)
{
	struct fuse_ioctl_out out;
	struct iovec iov[3];
	int count = 2;

	if (!req || (size && !buf))
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.result = result;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	if (size) {
		iov[2].iov_base = (void *)(uintptr_t)buf;
		iov[2].iov_len = size;
		count = 3;
	}
	return fuse__send_reply_iov(req, 0, iov, count);
}

FUSE_EXPORT int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov,
				     int count)
{
	struct fuse_ioctl_out out;
	struct iovec *all;
	int ret;

	if (!req || count < 0 || (count && !iov))
		return -EINVAL;
	all = malloc(sizeof(*all) * ((size_t)count + 2));
	if (!all)
		return fuse_reply_err(req, ENOMEM);
	memset(&out, 0, sizeof(out));
	out.result = result;
	all[1].iov_base = &out;
	all[1].iov_len = sizeof(out);
	memcpy(all + 2, iov, sizeof(*iov) * (size_t)count);
	ret = fuse__send_reply_iov(req, 0, all, count + 2);
	free(all);
	return ret;
}

FUSE_EXPORT int fuse_reply_poll(fuse_req_t req, unsigned revents)
{
	struct fuse_poll_out out;

	if (!req)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.revents = revents;
	return reply_ok(req, &out, sizeof(out));
}

FUSE_EXPORT int fuse_reply_lseek(fuse_req_t req, off_t off)
{
	struct fuse_lseek_out out;

	if (!req)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.offset = (uint64_t)off;
	return reply_ok(req, &out, sizeof(out));
}

/* ---- directory entries ---- */

/* Write the dirent of name at d (room for namelen rounded up to the alignment). */
static void reply_fill_dirent(struct fuse_dirent *d, const char *name, size_t namelen,
			      uint64_t ino, mode_t mode, off_t off)
{
	size_t entlen = FUSE_NAME_OFFSET + namelen;

	d->ino = ino;
	d->off = (uint64_t)off;
	d->namelen = (uint32_t)namelen;
	d->type = (mode & S_IFMT) >> 12;
	memcpy(d->name, name, namelen);
	/* The padding reaches the kernel: no stale bytes from the caller's buffer. */
	memset(d->name + namelen, 0, FUSE_DIRENT_ALIGN(entlen) - entlen);
}

FUSE_EXPORT size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize,
				     const char *name, const struct stat *stbuf, off_t off)
{
	size_t namelen, need;

	/* Sizing calls (buf NULL) may pass no stat: only the name counts then. */
	if (!name)
		return 0;
	namelen = strlen(name);
	need = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
	if (!buf || need > bufsize)
		return need;
	if (!stbuf)
		return 0;
	reply_fill_dirent((struct fuse_dirent *)buf, name, namelen, stbuf->st_ino,
			  stbuf->st_mode, off);
	return need;
}

FUSE_EXPORT size_t fuse_add_direntry_plus(fuse_req_t req, char *buf, size_t bufsize,
					  const char *name, const struct fuse_entry_param *e,
					  off_t off)
{
	struct fuse_direntplus *dp;
	size_t namelen, need;

	if (!name)
		return 0;
	namelen = strlen(name);
	need = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + namelen);
	if (!buf || need > bufsize)
		return need;
	if (!e)
		return 0;
	dp = (struct fuse_direntplus *)buf;
	fuse__fill_entry_out(&dp->entry_out, e);
	reply_fill_dirent(&dp->dirent, name, namelen, e->attr.st_ino, e->attr.st_mode, off);
	return need;
}

/* ---- notifications ---- */

int fuse__send_notify(struct fuse_session *se, int code, struct iovec *iov, int count)
{
	struct fuse_out_header oh;

	if (!se->ch && se->fd < 0)
		return -ENOTCONN;
	iov[0].iov_base = &oh;
	iov[0].iov_len = sizeof(oh);
	oh.len = (uint32_t)reply_iov_len(iov, count);
	oh.error = code;
	oh.unique = 0;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "   NOTIFY: code=%d length=%u\n", code, oh.len);
	return fuse__dev_write(se, se->ch, iov, count);
}
