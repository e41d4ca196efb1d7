/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CUSE: character devices served from user space. A CUSE session is an ordinary session
 * whose fd is /dev/cuse instead of a mounted /dev/fuse, whose handshake is CUSE_INIT (the
 * device's name and numbers travel in the reply) and whose requests carry no inode: the
 * wrappers here adapt the inode-less cuse_lowlevel_ops to the session's fuse_lowlevel_ops, so
 * the dispatcher and both loops serve CUSE devices unchanged. Setting a device up and running
 * it (cuse_lowlevel_setup/main) is in cuse_main.c.
 */
#include "fuse_i.h"
#include "cuse_lowlevel.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fuse__cuse {
	struct cuse_lowlevel_ops clop;
	unsigned int dev_major;
	unsigned int dev_minor;
	unsigned int flags;
	size_t dev_info_len;
	char dev_info[]; /* "KEY=value\0KEY=value\0..." as the kernel wants it */
};

static const struct cuse_lowlevel_ops *cuse_ops(fuse_req_t req)
{
	return &req->se->cuse->clop;
}

static void cuse_ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	cuse_ops(req)->open(req, fi);
}

static void cuse_ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	cuse_ops(req)->read(req, size, off, fi);
}

static void cuse_ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	cuse_ops(req)->write(req, buf, size, off, fi);
}

static void cuse_ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	cuse_ops(req)->flush(req, fi);
}

static void cuse_ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	cuse_ops(req)->release(req, fi);
}

static void cuse_ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	cuse_ops(req)->fsync(req, datasync, fi);
}

static void cuse_ll_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
			  struct fuse_file_info *fi, unsigned int flags, const void *in_buf,
			  size_t in_bufsz, size_t out_bufsz)
{
	cuse_ops(req)->ioctl(req, (int)cmd, arg, fi, flags, in_buf, in_bufsz, out_bufsz);
}

static void cuse_ll_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
			 struct fuse_pollhandle *ph)
{
	cuse_ops(req)->poll(req, fi, ph);
}

static struct fuse__cuse *cuse_record(const struct cuse_info *ci,
				      const struct cuse_lowlevel_ops *clop)
{
	struct fuse__cuse *cd;
	size_t len = 0, n;
	unsigned int i;
	char *p;

	for (i = 0; i < ci->dev_info_argc; i++) {
		if (!ci->dev_info_argv || !ci->dev_info_argv[i])
			return NULL;
		len += strlen(ci->dev_info_argv[i]) + 1;
	}
	if (len > CUSE_INIT_INFO_MAX) {
		fuse_log(FUSE_LOG_ERR, "cuse: dev_info (%zu) too large, limit=%u\n", len,
			 CUSE_INIT_INFO_MAX);
		return NULL;
	}
	cd = calloc(1, sizeof(*cd) + len);
	if (!cd) {
		fuse_log(FUSE_LOG_ERR, "cuse: failed to allocate cuse_data\n");
		return NULL;
	}
	cd->clop = *clop;
	cd->dev_major = ci->dev_major;
	cd->dev_minor = ci->dev_minor;
	cd->flags = ci->flags;
	cd->dev_info_len = len;
	p = cd->dev_info;
	for (i = 0; i < ci->dev_info_argc; i++) {
		n = strlen(ci->dev_info_argv[i]) + 1;
		memcpy(p, ci->dev_info_argv[i], n);
		p += n;
	}
	return cd;
}

FUSE_EXPORT struct fuse_session *cuse_lowlevel_new(struct fuse_args *args,
						   const struct cuse_info *ci,
						   const struct cuse_lowlevel_ops *clop,
						   void *userdata)
{
	struct fuse_lowlevel_ops lop = { 0 };
	struct fuse__cuse *cd;
	struct fuse_session *se;

	if (!args || !ci || !clop) {
		fuse_log(FUSE_LOG_ERR, "cuse: cuse_lowlevel_new: missing arguments\n");
		return NULL;
	}
	cd = cuse_record(ci, clop);
	if (!cd)
		return NULL;

	/* Only the ops the device has: a missing one gets the dispatcher's default answer. */
	lop.init = clop->init;
	lop.destroy = clop->destroy;
	lop.open = clop->open ? cuse_ll_open : NULL;
	lop.read = clop->read ? cuse_ll_read : NULL;
	lop.write = clop->write ? cuse_ll_write : NULL;
	lop.flush = clop->flush ? cuse_ll_flush : NULL;
	lop.release = clop->release ? cuse_ll_release : NULL;
	lop.fsync = clop->fsync ? cuse_ll_fsync : NULL;
	lop.ioctl = clop->ioctl ? cuse_ll_ioctl : NULL;
	lop.poll = clop->poll ? cuse_ll_poll : NULL;

	se = fuse_session_new(args, &lop, sizeof(lop), userdata);
	if (!se) {
		free(cd);
		return NULL;
	}
	se->cuse = cd;
	return se;
}

void fuse__do_cuse_init(struct fuse_req *req, const struct fuse__req_view *v)
{
	struct fuse_session *se = req->se;
	struct fuse__cuse *cd = se->cuse;
	const struct cuse_init_in *arg;
	const void *rest;
	size_t rest_len;
	struct cuse_init_out out;
	struct iovec iov[3];
	long pagesize = sysconf(_SC_PAGESIZE);

	if (!cd) {
		/* CUSE_INIT on a /dev/fuse session: the kernel never does that. */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (fuse__view_split(v, sizeof(*arg), (const void **)&arg, &rest, &rest_len) < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (arg->major != FUSE_KERNEL_VERSION) {
		fuse_log(FUSE_LOG_ERR, "cuse: unsupported protocol version: %u.%u\n", arg->major,
			 arg->minor);
		fuse_reply_err(req, EPROTO);
		return;
	}
	if (pagesize <= 0)
		pagesize = 4096;

	se->conn.proto_major = arg->major;
	se->conn.proto_minor = arg->minor;
	se->conn.capable = 0;
	se->conn.want = 0;
	se->conn.max_write = se->bufsize - 4096;
	if (arg->flags & FUSE_ASYNC_READ)
		se->conn.capable |= FUSE_CAP_ASYNC_READ;
	se->conn.want = se->conn.capable;
	if (se->op.init)
		se->op.init(se->userdata, &se->conn);
	if (se->conn.max_write > se->bufsize - 4096)
		se->conn.max_write = se->bufsize - 4096;

	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = arg->minor < FUSE_KERNEL_MINOR_VERSION ? arg->minor : FUSE_KERNEL_MINOR_VERSION;
	out.flags = (cd->flags & CUSE_UNRESTRICTED_IOCTL) ? CUSE_UNRESTRICTED_IOCTL : 0;
	if (se->conn.want & FUSE_CAP_ASYNC_READ)
		out.flags |= FUSE_ASYNC_READ;
	out.max_read = (uint32_t)pagesize * 32; /* what the kernel allows a CUSE read at most */
	out.max_write = se->conn.max_write;
	out.dev_major = cd->dev_major;
	out.dev_minor = cd->dev_minor;

	atomic_store(&se->got_init, true);
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	iov[2].iov_base = cd->dev_info;
	iov[2].iov_len = cd->dev_info_len;
	if (fuse__send_reply_iov(req, 0, iov, cd->dev_info_len ? 3 : 2) == 0 &&
	    cd->clop.init_done)
		cd->clop.init_done(se->userdata);
}
