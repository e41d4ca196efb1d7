/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small filesystem for the fuzz targets: a root directory (1) holding a file "file" (2), a
 * directory "dir" (3) and a symlink "link" (4). Every handler answers at once, each with the
 * reply function its kind of request takes (entries, attributes, open, buffers, iovecs, bufvecs,
 * directory listings with and without attributes, xattr sizes, locks, ioctl retries, poll
 * notifications), and writes also send notifications (inval, store, retrieve), so a fuzzed
 * request walks the same code a real filesystem's would.
 */
#include "fuzz_fs.h"
#include "fuse.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FZ_NINO 5
static const char fz_data[] = "hello, fuzzer: the contents of the only file\n";
static const char *const fz_names[FZ_NINO] = { "", "/", "file", "dir", "link" };

static void fz_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	switch (ino) {
	case 1:
	case 3:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		break;
	case 4:
		st->st_mode = S_IFLNK | 0777;
		st->st_size = 4;
		break;
	default:
		st->st_mode = S_IFREG | 0644;
		st->st_size = sizeof(fz_data) - 1;
		break;
	}
}

static bool fz_valid(fuse_ino_t ino)
{
	return ino >= 1 && ino < FZ_NINO;
}

static void fz_entry(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.generation = 1;
	e.attr_timeout = 1.0;
	e.entry_timeout = 1.0;
	fz_stat(ino, &e.attr);
	(void)fuse_reply_entry(req, &e);
}

static fuse_ino_t fz_find(fuse_ino_t parent, const char *name)
{
	fuse_ino_t i;

	if (parent != 1)
		return 0;
	for (i = 2; i < FZ_NINO; i++)
		if (strcmp(name, fz_names[i]) == 0)
			return i;
	return 0;
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	/* Ask for what the kernel offered, so that INIT's negotiation paths all run. */
	conn->want |= conn->capable & (FUSE_CAP_ASYNC_READ | FUSE_CAP_EXPORT_SUPPORT |
				       FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_READDIRPLUS |
				       FUSE_CAP_POSIX_ACL | FUSE_CAP_SETXATTR_EXT);
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_ino_t ino = fz_find(parent, name);

	if (ino)
		fz_entry(req, ino);
	else
		(void)fuse_reply_err(req, ENOENT);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n)
{
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	if (!fz_valid(ino)) {
		(void)fuse_reply_err(req, ENOENT);
		return;
	}
	fz_stat(ino, &st);
	(void)fuse_reply_attr(req, &st, 1.0);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct stat st;

	fz_stat(fz_valid(ino) ? ino : 2, &st);
	if (to_set & FUSE_SET_ATTR_SIZE)
		st.st_size = attr->st_size;
	if (to_set & FUSE_SET_ATTR_MODE)
		st.st_mode = (st.st_mode & S_IFMT) | (attr->st_mode & 07777);
	(void)fuse_reply_attr(req, &st, 0.5);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	if (ino == 4)
		(void)fuse_reply_readlink(req, "file");
	else
		(void)fuse_reply_err(req, EINVAL);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	fz_entry(req, 2);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	if (fz_find(parent, name))
		(void)fuse_reply_err(req, EEXIST);
	else
		fz_entry(req, 3);
}

static void ll_remove(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)fuse_reply_err(req, fz_find(parent, name) ? 0 : ENOENT);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	fz_entry(req, 4);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	(void)fuse_reply_err(req, fz_find(parent, name) ? 0 : ENOENT);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	if (fz_valid(ino))
		fz_entry(req, ino);
	else
		(void)fuse_reply_err(req, ENOENT);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (!fz_valid(ino)) {
		(void)fuse_reply_err(req, ENOENT);
		return;
	}
	fi->fh = ino;
	fi->keep_cache = (ino & 1) != 0;
	fi->direct_io = fi->flags & O_DIRECT ? 1 : 0;
	(void)fuse_reply_open(req, fi);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	size_t len = sizeof(fz_data) - 1, half;
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);
	struct iovec iov[2];

	if (off < 0 || (size_t)off >= len)
		len = 0;
	else
		len -= (size_t)off;
	if (len > size)
		len = size;
	/* Each of the three ways to answer a read, by offset. */
	switch ((off < 0 ? 0 : (uint64_t)off) % 3) {
	case 0:
		(void)fuse_reply_buf(req, len ? fz_data + off : NULL, len);
		break;
	case 1:
		half = len / 2;
		iov[0].iov_base = (char *)fz_data + (len ? off : 0);
		iov[0].iov_len = half;
		iov[1].iov_base = (char *)fz_data + (len ? off : 0) + half;
		iov[1].iov_len = len - half;
		(void)fuse_reply_iov(req, iov, 2);
		break;
	default:
		bv.buf[0].mem = (char *)fz_data + (len ? off : 0);
		bv.buf[0].size = len;
		(void)fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		break;
	}
}

/* Every few writes, the notifications a cache-managing filesystem would send. */
static void fz_notify(fuse_req_t req, fuse_ino_t ino, off_t off, const char *buf, size_t size)
{
	static unsigned int n;
	struct fuse_session *se = req->se;
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size > 64 ? 64 : size);

	bv.buf[0].mem = (void *)buf;
	switch (n++ % 4) {
	case 0:
		(void)fuse_lowlevel_notify_inval_inode(se, ino, off, (off_t)size);
		break;
	case 1:
		(void)fuse_lowlevel_notify_store(se, ino, off < 0 ? 0 : off, &bv, 0);
		break;
	case 2:
		/* The kernel answers with NOTIFY_REPLY, which the fuzzer may or may not send. */
		(void)fuse_lowlevel_notify_retrieve(se, ino, size, off < 0 ? 0 : off, NULL);
		break;
	default:
		(void)fuse_lowlevel_notify_inval_entry(se, 1, "file", 4);
		break;
	}
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	fz_notify(req, ino, off, buf, size);
	(void)fuse_reply_write(req, size);
}

static void ll_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
			 struct fuse_file_info *fi)
{
	char tmp[256];
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof(tmp));
	ssize_t n;

	dst.buf[0].mem = tmp;
	n = fuse_buf_copy(&dst, bufv, 0);
	if (n < 0) {
		(void)fuse_reply_err(req, (int)-n);
		return;
	}
	fz_notify(req, ino, off, tmp, (size_t)n);
	(void)fuse_reply_write(req, fuse_buf_size(bufv));
}

static void ll_ok(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fuse_reply_err(req, 0);
}

static void ll_sync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)fuse_reply_err(req, 0);
}

static void fz_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	static const char *const names[] = { ".", "..", "file", "dir", "link" };
	static const fuse_ino_t inos[] = { 1, 1, 2, 3, 4 };
	char *buf;
	size_t used = 0, n;
	off_t i;

	if (!fz_valid(ino)) {
		(void)fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > 65536)
		size = 65536;
	buf = malloc(size ? size : 1);
	if (!buf) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = off < 0 ? 0 : off; i < 5; i++) {
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		e.ino = inos[i];
		fz_stat(inos[i], &e.attr);
		if (plus)
			n = fuse_add_direntry_plus(req, buf + used, size - used, names[i], &e, i + 1);
		else
			n = fuse_add_direntry(req, buf + used, size - used, names[i], &e.attr, i + 1);
		if (n > size - used)
			break;
		used += n;
	}
	(void)fuse_reply_buf(req, buf, used);
	free(buf);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	fz_readdir(req, ino, size, off, false);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	fz_readdir(req, ino, size, off, true);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_blocks = 100;
	sv.f_namemax = 255;
	(void)fuse_reply_statfs(req, &sv);
}

static void ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	(void)fuse_reply_err(req, 0);
}

/* xattr answers: the size for a size-0 probe, ERANGE when too small, else the value. */
static void fz_xattr(fuse_req_t req, const char *val, size_t len, size_t size)
{
	if (size == 0)
		(void)fuse_reply_xattr(req, len);
	else if (size < len)
		(void)fuse_reply_err(req, ERANGE);
	else
		(void)fuse_reply_buf(req, val, len);
}

static void ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	if (strcmp(name, "user.fuzz") != 0)
		(void)fuse_reply_err(req, ENODATA);
	else
		fz_xattr(req, "value", 5, size);
}

static void ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	fz_xattr(req, "user.fuzz", 10, size);
}

static void ll_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)fuse_reply_err(req, ENODATA);
}

static void ll_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	(void)fuse_reply_err(req, fz_valid(ino) ? 0 : ENOENT);
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = 2;
	fz_stat(2, &e.attr);
	fi->fh = 2;
	(void)fuse_reply_create(req, &e, fi);
}

static void ll_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
	lock->l_type = F_UNLCK;
	(void)fuse_reply_lock(req, lock);
}

static void ll_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct flock *lock, int sleep)
{
	(void)fuse_reply_err(req, 0);
}

static void ll_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	(void)fuse_reply_bmap(req, idx);
}

static void ll_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		     struct fuse_file_info *fi, unsigned flags, const void *in_buf,
		     size_t in_bufsz, size_t out_bufsz)
{
	struct iovec iov = { .iov_base = arg, .iov_len = 16 };

	/* An unrestricted ioctl without buffers: ask for them, as a real one would. */
	if ((flags & FUSE_IOCTL_UNRESTRICTED) && !in_bufsz && !out_bufsz) {
		(void)fuse_reply_ioctl_retry(req, &iov, 1, &iov, 1);
		return;
	}
	(void)fuse_reply_ioctl(req, (int)(cmd & 0xff), in_buf,
			       in_bufsz < out_bufsz ? in_bufsz : out_bufsz);
}

static void ll_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	if (ph) {
		(void)fuse_lowlevel_notify_poll(ph);
		fuse_pollhandle_destroy(ph);
	}
	(void)fuse_reply_poll(req, POLLIN);
}

static void ll_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t offset,
			      struct fuse_bufvec *bufv)
{
	fuse_reply_none(req);
}

static void ll_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	(void)fuse_reply_err(req, 0);
}

static void ll_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			 struct fuse_file_info *fi)
{
	(void)fuse_reply_err(req, mode ? EOPNOTSUPP : 0);
}

static void ll_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			       struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len, int flags)
{
	(void)fuse_reply_write(req, len);
}

static void ll_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	(void)fuse_reply_lseek(req, off);
}

static const struct fuse_lowlevel_ops fz_ll_ops = {
	.init = ll_init, .lookup = ll_lookup, .forget = ll_forget, .getattr = ll_getattr,
	.setattr = ll_setattr, .readlink = ll_readlink, .mknod = ll_mknod, .mkdir = ll_mkdir,
	.unlink = ll_remove, .rmdir = ll_remove, .symlink = ll_symlink, .rename = ll_rename,
	.link = ll_link, .open = ll_open, .read = ll_read, .write = ll_write, .flush = ll_ok,
	.release = ll_ok, .fsync = ll_sync, .opendir = ll_open, .readdir = ll_readdir,
	.releasedir = ll_ok, .fsyncdir = ll_sync, .statfs = ll_statfs, .setxattr = ll_setxattr,
	.getxattr = ll_getxattr, .listxattr = ll_listxattr, .removexattr = ll_removexattr,
	.access = ll_access, .create = ll_create, .getlk = ll_getlk, .setlk = ll_setlk,
	.bmap = ll_bmap, .ioctl = ll_ioctl, .poll = ll_poll, .retrieve_reply = ll_retrieve_reply,
	.forget_multi = ll_forget_multi, .flock = ll_flock, .fallocate = ll_fallocate,
	.readdirplus = ll_readdirplus, .copy_file_range = ll_copy_file_range, .lseek = ll_lseek,
};

/* ---- the high-level filesystem: the same tree by path ---- */

static fuse_ino_t hl_ino(const char *path)
{
	fuse_ino_t i;

	/* NULL for a file that was unlinked while open (as with libfuse's hard_remove). */
	if (!path)
		return 0;
	if (strcmp(path, "/") == 0)
		return 1;
	for (i = 2; i < FZ_NINO; i++)
		if (path[0] == '/' && strcmp(path + 1, fz_names[i]) == 0)
			return i;
	return 0;
}

static int hl_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	fuse_ino_t ino = hl_ino(path);

	if (!ino)
		return -ENOENT;
	fz_stat(ino, st);
	return 0;
}

static int hl_readlink(const char *path, char *buf, size_t size)
{
	if (hl_ino(path) != 4)
		return -EINVAL;
	snprintf(buf, size, "file");
	return 0;
}

static int hl_mkdir(const char *path, mode_t mode)
{
	return hl_ino(path) ? -EEXIST : 0;
}

static int hl_remove(const char *path)
{
	return hl_ino(path) ? 0 : -ENOENT;
}

static int hl_rename(const char *from, const char *to, unsigned int flags)
{
	return hl_ino(from) ? 0 : -ENOENT;
}

static int hl_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	return hl_ino(path) == 2 ? 0 : -EINVAL;
}

static int hl_open(const char *path, struct fuse_file_info *fi)
{
	return hl_ino(path) ? 0 : -ENOENT;
}

static int hl_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t len = sizeof(fz_data) - 1;

	if (off < 0 || (size_t)off >= len)
		return 0;
	len -= (size_t)off;
	if (len > size)
		len = size;
	memcpy(buf, fz_data + off, len);
	return (int)len;
}

static int hl_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	return (int)(size > INT32_MAX ? INT32_MAX : size);
}

static int hl_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	static const char *const names[] = { ".", "..", "file", "dir", "link" };
	size_t i;

	if (hl_ino(path) != 1 && hl_ino(path) != 3)
		return -ENOTDIR;
	for (i = 0; i < 5; i++)
		if (filler(buf, names[i], NULL, 0, 0))
			break;
	return 0;
}

static int hl_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return 0;
}

static int hl_getxattr(const char *path, const char *name, char *value, size_t size)
{
	if (strcmp(name, "user.fuzz") != 0)
		return -ENODATA;
	if (size == 0)
		return 5;
	if (size < 5)
		return -ERANGE;
	memcpy(value, "value", 5);
	return 5;
}

static int hl_statfs(const char *path, struct statvfs *sv)
{
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = 4096;
	return 0;
}

static int hl_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	return hl_ino(path) ? 0 : -ENOENT;
}

static const struct fuse_operations fz_hl_ops = {
	.getattr = hl_getattr, .readlink = hl_readlink, .mkdir = hl_mkdir, .unlink = hl_remove,
	.rmdir = hl_remove, .rename = hl_rename, .truncate = hl_truncate, .open = hl_open,
	.read = hl_read, .write = hl_write, .readdir = hl_readdir, .create = hl_create,
	.getxattr = hl_getxattr, .statfs = hl_statfs, .utimens = hl_utimens,
};

/*
 * The high-level layer keeps its directory handle's address in fh, as libfuse does, and the
 * kernel only ever sends back an fh it was given, before RELEASEDIR. The fuzzer, which is not
 * the kernel, keeps that promise: in high-level mode the fh of a directory request is replaced
 * by one of the handles OPENDIR returned and RELEASEDIR has not released (the request is
 * skipped when there is none), and whatever is still open at the end is released, as the
 * kernel does before DESTROY.
 */
#define FZ_MAXDIRS 16
static bool fz_hl_on;
static struct fuse_session *fz_se;
static void fz_release_dirs(void);
static uint32_t fz_cur_op;
static uint64_t fz_dirs[FZ_MAXDIRS];
static unsigned int fz_ndirs;
static int fz_releasing = -1; /* fz_dirs index of the RELEASEDIR being dispatched */

/*
 * The high-level layer allocates the buffer a READ, READDIR, GETXATTR or IOCTL asks for before the
 * filesystem fills it, as libfuse does: the kernel never asks for more than max_pages pages
 * (reads, directories, ioctls) or XATTR_SIZE_MAX (xattrs). A fuzzed 4 GiB size only measures the
 * allocator (malloc fails, the reply is ENOMEM), so sizes are held to what the kernel sends.
 */
static void fz_kernel_sizes(uint32_t opcode, void *arg, size_t arg_len)
{
	size_t at;
	uint32_t size, max;

	switch (opcode) {
	case FUSE_READ:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		at = offsetof(struct fuse_read_in, size);
		max = 1u << 20;
		break;
	case FUSE_GETXATTR:
	case FUSE_LISTXATTR:
		at = offsetof(struct fuse_getxattr_in, size);
		max = 65536;
		break;
	case FUSE_IOCTL:
		/* The kernel refuses ioctls whose out_size exceeds max_pages pages. */
		at = offsetof(struct fuse_ioctl_in, out_size);
		max = 1u << 20;
		break;
	default:
		return;
	}
	if (arg_len < at + sizeof(size))
		return;
	memcpy(&size, (char *)arg + at, sizeof(size));
	if (size > max) {
		size %= max + 1;
		memcpy((char *)arg + at, &size, sizeof(size));
	}
}

bool fz_begin(uint32_t opcode, uint64_t unique, void *arg, size_t arg_len)
{
	uint64_t fh;
	unsigned int i;

	if (fz_hl_on && opcode == FUSE_DESTROY)
		fz_release_dirs();
	fz_cur_op = opcode;
	fz_releasing = -1;
	if (!fz_hl_on)
		return true;
	fz_kernel_sizes(opcode, arg, arg_len);
	switch (opcode) {
	case FUSE_OPENDIR:
		/* The kernel never sends unique 0; the reply would be dropped and with it the only
		 * record of the handle the high-level layer allocated (a leak the kernel cannot cause). */
		return unique != 0;
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
	case FUSE_RELEASEDIR:
	case FUSE_FSYNCDIR:
		break;
	case FUSE_IOCTL:
		/* An ioctl on a directory (FUSE_IOCTL_DIR) carries the directory's handle. */
		if (arg_len >= sizeof(struct fuse_ioctl_in) &&
		    (((const struct fuse_ioctl_in *)arg)->flags & FUSE_IOCTL_DIR))
			break;
		return true;
	default:
		return true;
	}
	/* Every one of these carries fh first; a shorter request is rejected before use. */
	if (arg_len < sizeof(fh))
		return true;
	/* Unique 0 is answered without a reply, so the fuzzer could not see a release. */
	if (!fz_ndirs || !unique)
		return false;
	memcpy(&fh, arg, sizeof(fh));
	i = (unsigned int)(fh % fz_ndirs);
	memcpy(arg, &fz_dirs[i], sizeof(fh));
	/* Forgotten only once released: the dispatcher may still turn the request away. */
	fz_releasing = i;
	return true;
}

static void fz_track_opendir(const struct iovec *iov, int count)
{
	const struct fuse_out_header *oh = iov[0].iov_base;
	struct fuse_open_out oo;

	if (fz_hl_on && fz_cur_op == FUSE_RELEASEDIR && !oh->error && fz_releasing >= 0) {
		/* The high-level layer frees the handle whenever it answers RELEASEDIR with 0. */
		fz_dirs[fz_releasing] = fz_dirs[--fz_ndirs];
		fz_releasing = -1;
		return;
	}
	if (!fz_hl_on || fz_cur_op != FUSE_OPENDIR || oh->error || count < 2 ||
	    iov[1].iov_len < sizeof(oo))
		return;
	memcpy(&oo, iov[1].iov_base, sizeof(oo));
	if (fz_ndirs < FZ_MAXDIRS)
		fz_dirs[fz_ndirs++] = oo.fh;
	else
		abort(); /* more handles than the fuzzer can give back: raise FZ_MAXDIRS */
}

/* ---- the session and its "/dev/fuse" ---- */

void fz_check_reply(const struct iovec *iov, int count, uint64_t unique)
{
	const struct fuse_out_header *oh;
	size_t total = 0;
	int i;

	if (count < 1 || iov[0].iov_len < sizeof(*oh)) {
		fprintf(stderr, "fuzz: reply without a whole header\n");
		abort();
	}
	oh = iov[0].iov_base;
	for (i = 0; i < count; i++) {
		/* Touch every byte, so that ASan sees a reply argument pointing anywhere wrong. */
		volatile unsigned char sink = 0;
		const unsigned char *p = iov[i].iov_base;
		size_t j;

		for (j = 0; j < iov[i].iov_len; j++)
			sink ^= p[j];
		(void)sink;
		total += iov[i].iov_len;
	}
	if (oh->len != total) {
		fprintf(stderr, "fuzz: reply header says %u bytes, %zu sent\n", oh->len, total);
		abort();
	}
	if (oh->unique != unique) {
		fprintf(stderr, "fuzz: reply for %llu to request %llu\n",
			(unsigned long long)oh->unique, (unsigned long long)unique);
		abort();
	}
	/* Errors are negative errnos; a notification (unique 0) carries its code instead. */
	if (unique && (oh->error > 0 || oh->error < -4095)) {
		fprintf(stderr, "fuzz: reply error %d\n", oh->error);
		abort();
	}
	/* Also for unique 0: the kernel never sends it, but the dispatcher serves it. */
	fz_track_opendir(iov, count);
}

static ssize_t fz_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	const struct fuse_out_header *oh = iov[0].iov_base;
	size_t total = 0;
	int i;

	fz_check_reply(iov, count, count >= 1 && iov[0].iov_len >= sizeof(*oh) ? oh->unique : 0);
	for (i = 0; i < count; i++)
		total += iov[i].iov_len;
	return (ssize_t)total;
}

static ssize_t fz_read(int fd, void *buf, size_t len, void *userdata)
{
	errno = ENODEV;
	return -1;
}

static const struct fuse_custom_io fz_io = { .writev = fz_writev, .read = fz_read };

/* The library's complaints about malformed requests are expected here, and slow. */
static void fz_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	if (getenv("FUZZ_LOG"))
		vfprintf(stderr, fmt, ap);
}

struct fuse_session *fz_session_new(unsigned int mode, struct fuse **hl)
{
	static const struct fuse_lowlevel_ops *ops;
	static struct fuse_lowlevel_ops wb_ops;
	char *argv[3] = { "fuzz", NULL, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se;
	int fd;

	fuse_set_log_func(fz_log);
	if (mode & FZ_NO_INTR) {
		argv[1] = "-ono_interrupt";
		args.argc = 2;
	}
	*hl = NULL;
	fz_hl_on = (mode & FZ_HIGHLEVEL) != 0;
	fz_ndirs = 0;
	if (mode & FZ_HIGHLEVEL) {
		*hl = fuse_new(&args, &fz_hl_ops, sizeof(fz_hl_ops), NULL);
		se = *hl ? fuse_get_session(*hl) : NULL;
	} else {
		wb_ops = fz_ll_ops;
		wb_ops.write = NULL;
		wb_ops.write_buf = ll_write_buf;
		ops = mode & FZ_WRITE_BUF ? &wb_ops : &fz_ll_ops;
		se = fuse_session_new(&args, ops, sizeof(*ops), NULL);
	}
	fuse_opt_free_args(&args);
	if (!se) {
		fprintf(stderr, "fuzz: no session\n");
		abort();
	}
	/* The session owns (and closes) the fd; nothing is ever read from or written to it. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || fuse_session_custom_io(se, &fz_io, fd) != 0) {
		fprintf(stderr, "fuzz: no custom io\n");
		abort();
	}
	fz_se = se;
	if (mode & FZ_PREINIT)
		fz_init(se, mode);
	return se;
}

/* Release every directory the high-level layer still has open, as the kernel would. */
static void fz_release_dirs(void)
{
	_Alignas(8) unsigned char buf[sizeof(struct fuse_in_header) + sizeof(struct fuse_release_in)];
	struct fuse_in_header *in = (struct fuse_in_header *)buf;
	struct fuse_release_in *ri = (struct fuse_release_in *)(in + 1);

	while (fz_ndirs) {
		memset(buf, 0, sizeof(buf));
		in->len = sizeof(buf);
		in->opcode = FUSE_RELEASEDIR;
		in->unique = 1ULL << 62;
		in->nodeid = 1;
		(void)fz_begin(FUSE_RELEASEDIR, in->unique, ri, sizeof(*ri));
		fuse__dev_process(fz_se, fz_se->ch, buf, sizeof(buf));
	}
}

void fz_session_free(struct fuse_session *se, struct fuse *hl)
{
	fz_release_dirs();
	if (hl)
		fuse_destroy(hl);
	else
		fuse_session_destroy(se);
}

size_t fz_init_request(unsigned int minor, void *buf, size_t size)
{
	struct fuse_in_header *in = buf;
	struct fuse_init_in *ii = (struct fuse_init_in *)(in + 1);
	size_t len = sizeof(*in) + sizeof(*ii);

	if (size < len)
		abort();
	memset(buf, 0, len);
	in->len = (uint32_t)len;
	in->opcode = FUSE_INIT;
	in->unique = 2;
	in->nodeid = 0;
	ii->major = 7;
	ii->minor = minor;
	ii->max_readahead = 131072;
	ii->flags = 0xffffffffu;
	ii->flags2 = 0xffffffffu & ~(FUSE_OVER_IO_URING >> 32);
	return len;
}

void fz_init(struct fuse_session *se, unsigned int mode)
{
	static const unsigned int minors[4] = { 45, 31, 26, 12 };
	_Alignas(8) unsigned char buf[sizeof(struct fuse_in_header) + sizeof(struct fuse_init_in)];
	size_t len = fz_init_request(minors[(mode >> FZ_MINOR_SHIFT) & 3], buf, sizeof(buf));

	fz_cur_op = FUSE_INIT;
	fuse__dev_process(se, se->ch, buf, len);
}
