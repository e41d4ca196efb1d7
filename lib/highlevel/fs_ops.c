/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stacking interface of fuse.h: struct fuse_fs (a filesystem's operations and private
 * data) and the fuse_fs_* wrappers through which the library, and stacked modules, call a
 * filesystem. Each wrapper supplies libfuse's answer for a missing operation (usually -ENOSYS,
 * success where the kernel needs nothing, a buffer or plain variant where the filesystem has
 * only the other), and logs the call in debug mode. fuse_notify_poll lives here too.
 */
#include "highlevel_i.h"
#include "export_i.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FS_DEBUG(fs, ...) do { \
	if ((fs)->debug) \
		fuse_log(FUSE_LOG_DEBUG, __VA_ARGS__); \
} while (0)

static const char *p_(const char *path)
{
	return path ? path : "(null)";
}

static unsigned long long fh_(const struct fuse_file_info *fi)
{
	return fi ? (unsigned long long)fi->fh : 0;
}

FUSE_EXPORT struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size,
					void *user_data)
{
	struct fuse_fs *fs;

	if (!op)
		return NULL;
	if (op_size > sizeof(struct fuse_operations)) {
		/* a newer fuse.h than ours: the operations we do not know are dropped */
		fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
		op_size = sizeof(struct fuse_operations);
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse_fs object\n");
		return NULL;
	}
	memcpy(&fs->op, op, op_size);
	fs->user_data = user_data;
	return fs;
}

FUSE_EXPORT int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
				struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.getattr)
		return -ENOSYS;
	FS_DEBUG(fs, "getattr[%llu] %s\n", fh_(fi), p_(path));
	return fs->op.getattr(path, buf, fi);
}

FUSE_EXPORT int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath, const char *newpath,
			       unsigned int flags)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.rename)
		return -ENOSYS;
	FS_DEBUG(fs, "rename %s %s 0x%x\n", p_(oldpath), p_(newpath), flags);
	return fs->op.rename(oldpath, newpath, flags);
}

FUSE_EXPORT int fuse_fs_unlink(struct fuse_fs *fs, const char *path)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.unlink)
		return -ENOSYS;
	FS_DEBUG(fs, "unlink %s\n", p_(path));
	return fs->op.unlink(path);
}

FUSE_EXPORT int fuse_fs_rmdir(struct fuse_fs *fs, const char *path)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.rmdir)
		return -ENOSYS;
	FS_DEBUG(fs, "rmdir %s\n", p_(path));
	return fs->op.rmdir(path);
}

FUSE_EXPORT int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname, const char *path)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.symlink)
		return -ENOSYS;
	FS_DEBUG(fs, "symlink %s %s\n", p_(linkname), p_(path));
	return fs->op.symlink(linkname, path);
}

FUSE_EXPORT int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.link)
		return -ENOSYS;
	FS_DEBUG(fs, "link %s %s\n", p_(oldpath), p_(newpath));
	return fs->op.link(oldpath, newpath);
}

FUSE_EXPORT int fuse_fs_release(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.release)
		return 0;
	FS_DEBUG(fs, "release%s[%llu] flags: 0x%x\n", fi->flush ? "+flush" : "", fh_(fi),
		 fi->flags);
	return fs->op.release(path, fi);
}

FUSE_EXPORT int fuse_fs_opendir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	int res;

	if (!fs)
		return -EINVAL;
	if (!fs->op.opendir)
		return 0;
	FS_DEBUG(fs, "opendir flags: 0x%x %s\n", fi->flags, p_(path));
	res = fs->op.opendir(path, fi);
	FS_DEBUG(fs, "   opendir[%llu] res %d\n", fh_(fi), res);
	return res;
}

FUSE_EXPORT int fuse_fs_open(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	int res;

	if (!fs)
		return -EINVAL;
	if (!fs->op.open)
		return 0;
	FS_DEBUG(fs, "open flags: 0x%x %s\n", fi->flags, p_(path));
	res = fs->op.open(path, fi);
	FS_DEBUG(fs, "   open[%llu] flags: 0x%x res %d\n", fh_(fi), fi->flags, res);
	return res;
}

static void free_bufvec(struct fuse_bufvec *bv)
{
	size_t i;

	if (!bv)
		return;
	for (i = 0; i < bv->count; i++)
		if (!(bv->buf[i].flags & FUSE_BUF_IS_FD))
			free(bv->buf[i].mem);
	free(bv);
}

FUSE_EXPORT int fuse_fs_read_buf(struct fuse_fs *fs, const char *path,
				 struct fuse_bufvec **bufp, size_t size, off_t off,
				 struct fuse_file_info *fi)
{
	struct fuse_bufvec *bv;
	void *mem;
	int res;

	if (!fs)
		return -EINVAL;
	if (!bufp)
		return -EINVAL;
	FS_DEBUG(fs, "read[%llu] %zu bytes from %lld flags: 0x%x\n", fh_(fi), size,
		 (long long)off, fi ? fi->flags : 0);
	if (fs->op.read_buf)
		return fs->op.read_buf(path, bufp, size, off, fi);
	if (!fs->op.read)
		return -ENOSYS;
	bv = malloc(sizeof(*bv));
	if (!bv)
		return -ENOMEM;
	mem = malloc(size ? size : 1);
	if (!mem) {
		res = -ENOMEM;
		goto out_bv;
	}
	*bv = FUSE_BUFVEC_INIT(size);
	bv->buf[0].mem = mem;
	res = fs->op.read(path, mem, size, off, fi);
	if (res < 0)
		goto out_mem;
	bv->buf[0].size = (size_t)res;
	*bufp = bv;
	return 0;

out_mem:
	free(mem);
out_bv:
	free(bv);
	return res;
}

FUSE_EXPORT int fuse_fs_read(struct fuse_fs *fs, const char *path, char *mem, size_t size,
			     off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec *src = NULL;
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
	int res;

	if (!fs)
		return -EINVAL;
	if (fs->op.read) {
		FS_DEBUG(fs, "read[%llu] %zu bytes from %lld\n", fh_(fi), size, (long long)off);
		return fs->op.read(path, mem, size, off, fi);
	}
	if (!fs->op.read_buf)
		return -ENOSYS;
	res = fuse_fs_read_buf(fs, path, &src, size, off, fi);
	if (res)
		return res;
	dst.buf[0].mem = mem;
	res = (int)fuse_buf_copy(&dst, src, 0);
	free_bufvec(src);
	return res;
}

FUSE_EXPORT int fuse_fs_write_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec *buf,
				  off_t off, struct fuse_file_info *fi)
{
	size_t size;
	void *mem = NULL;
	int res;

	if (!fs)
		return -EINVAL;
	if (!buf)
		return -EINVAL;
	size = fuse_buf_size(buf);
	FS_DEBUG(fs, "write%s[%llu] %zu bytes to %lld flags: 0x%x\n",
		 fi && fi->writepage ? "page" : "", fh_(fi), size, (long long)off,
		 fi ? fi->flags : 0);
	if (fs->op.write_buf)
		return fs->op.write_buf(path, buf, off, fi);
	if (!fs->op.write)
		return -ENOSYS;
	if (buf->count == 1 && buf->idx == 0 && buf->off == 0 &&
	    !(buf->buf[0].flags & FUSE_BUF_IS_FD))
		return fs->op.write(path, buf->buf[0].mem, size, off, fi);
	/* scattered or fd-backed data: flatten it for the plain write() */
	{
		struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
		ssize_t copied;

		mem = malloc(size ? size : 1);
		if (!mem)
			return -ENOMEM;
		dst.buf[0].mem = mem;
		copied = fuse_buf_copy(&dst, buf, 0);
		if (copied < 0) {
			res = (int)copied;
			goto out;
		}
		res = fs->op.write(path, mem, (size_t)copied, off, fi);
	}
out:
	free(mem);
	return res;
}

FUSE_EXPORT int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *mem,
			      size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

	if (!fs)
		return -EINVAL;
	bv.buf[0].mem = (void *)mem;
	return fuse_fs_write_buf(fs, path, &bv, off, fi);
}

FUSE_EXPORT int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync,
			      struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.fsync)
		return -ENOSYS;
	FS_DEBUG(fs, "fsync[%llu] datasync: %i\n", fh_(fi), datasync);
	return fs->op.fsync(path, datasync, fi);
}

FUSE_EXPORT int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync,
				 struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.fsyncdir)
		return -ENOSYS;
	FS_DEBUG(fs, "fsyncdir[%llu] datasync: %i\n", fh_(fi), datasync);
	return fs->op.fsyncdir(path, datasync, fi);
}

FUSE_EXPORT int fuse_fs_flush(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.flush)
		return -ENOSYS;
	FS_DEBUG(fs, "flush[%llu]\n", fh_(fi));
	return fs->op.flush(path, fi);
}

FUSE_EXPORT int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.statfs) {
		/* what df shows for a filesystem that has no numbers to give */
		buf->f_namemax = 255;
		buf->f_bsize = 512;
		return 0;
	}
	FS_DEBUG(fs, "statfs %s\n", p_(path));
	return fs->op.statfs(path, buf);
}

FUSE_EXPORT int fuse_fs_releasedir(struct fuse_fs *fs, const char *path,
				   struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.releasedir)
		return 0;
	FS_DEBUG(fs, "releasedir[%llu] flags: 0x%x\n", fh_(fi), fi->flags);
	return fs->op.releasedir(path, fi);
}

FUSE_EXPORT int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf,
				fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
				enum fuse_readdir_flags flags)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.readdir)
		return -ENOSYS;
	FS_DEBUG(fs, "readdir%s[%llu] from %lld\n", (flags & FUSE_READDIR_PLUS) ? "plus" : "",
		 fh_(fi), (long long)off);
	return fs->op.readdir(path, buf, filler, off, fi, flags);
}

FUSE_EXPORT int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode,
			       struct fuse_file_info *fi)
{
	int res;

	if (!fs)
		return -EINVAL;
	if (!fs->op.create)
		return -ENOSYS;
	FS_DEBUG(fs, "create flags: 0x%x %s 0%o umask=0%03o\n", fi->flags, p_(path), mode,
		 fuse_get_context()->umask);
	res = fs->op.create(path, mode, fi);
	FS_DEBUG(fs, "   create[%llu] flags: 0x%x res %d\n", fh_(fi), fi->flags, res);
	return res;
}

FUSE_EXPORT int fuse_fs_lock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
			     int cmd, struct flock *lock)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.lock)
		return -ENOSYS;
	FS_DEBUG(fs, "lock[%llu] cmd %d type %d range %lld+%lld\n", fh_(fi), cmd,
		 lock->l_type, (long long)lock->l_start, (long long)lock->l_len);
	return fs->op.lock(path, fi, cmd, lock);
}

FUSE_EXPORT int fuse_fs_flock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
			      int op)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.flock)
		return -ENOSYS;
	FS_DEBUG(fs, "flock[%llu] op %d\n", fh_(fi), op);
	return fs->op.flock(path, fi, op);
}

FUSE_EXPORT int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
			      struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.chown)
		return -ENOSYS;
	FS_DEBUG(fs, "chown[%llu] %s %lu %lu\n", fh_(fi), p_(path), (unsigned long)uid,
		 (unsigned long)gid);
	return fs->op.chown(path, uid, gid, fi);
}

FUSE_EXPORT int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size,
				 struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.truncate)
		return -ENOSYS;
	FS_DEBUG(fs, "truncate[%llu] %s %llu\n", fh_(fi), p_(path), (unsigned long long)size);
	return fs->op.truncate(path, size, fi);
}

FUSE_EXPORT int fuse_fs_utimens(struct fuse_fs *fs, const char *path,
				const struct timespec tv[2], struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.utimens)
		return -ENOSYS;
	FS_DEBUG(fs, "utimens[%llu] %s\n", fh_(fi), p_(path));
	return fs->op.utimens(path, tv, fi);
}

FUSE_EXPORT int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.access)
		return -ENOSYS;
	FS_DEBUG(fs, "access %s 0%o\n", p_(path), mask);
	return fs->op.access(path, mask);
}

FUSE_EXPORT int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf, size_t len)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.readlink)
		return -ENOSYS;
	FS_DEBUG(fs, "readlink %s %zu\n", p_(path), len);
	return fs->op.readlink(path, buf, len);
}

FUSE_EXPORT int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode, dev_t rdev)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.mknod)
		return -ENOSYS;
	FS_DEBUG(fs, "mknod %s 0%o 0x%llx umask=0%03o\n", p_(path), mode,
		 (unsigned long long)rdev, fuse_get_context()->umask);
	return fs->op.mknod(path, mode, rdev);
}

FUSE_EXPORT int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.mkdir)
		return -ENOSYS;
	FS_DEBUG(fs, "mkdir %s 0%o umask=0%03o\n", p_(path), mode, fuse_get_context()->umask);
	return fs->op.mkdir(path, mode);
}

FUSE_EXPORT int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name,
				 const char *value, size_t size, int flags)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.setxattr)
		return -ENOSYS;
	FS_DEBUG(fs, "setxattr %s %s %zu 0x%x\n", p_(path), name, size, flags);
	return fs->op.setxattr(path, name, value, size, flags);
}

FUSE_EXPORT int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name,
				 char *value, size_t size)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.getxattr)
		return -ENOSYS;
	FS_DEBUG(fs, "getxattr %s %s %zu\n", p_(path), name, size);
	return fs->op.getxattr(path, name, value, size);
}

FUSE_EXPORT int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list, size_t size)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.listxattr)
		return -ENOSYS;
	FS_DEBUG(fs, "listxattr %s %zu\n", p_(path), size);
	return fs->op.listxattr(path, list, size);
}

FUSE_EXPORT int fuse_fs_removexattr(struct fuse_fs *fs, const char *path, const char *name)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.removexattr)
		return -ENOSYS;
	FS_DEBUG(fs, "removexattr %s %s\n", p_(path), name);
	return fs->op.removexattr(path, name);
}

FUSE_EXPORT int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize,
			     uint64_t *idx)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.bmap)
		return -ENOSYS;
	FS_DEBUG(fs, "bmap %s blocksize: %zu index: %" PRIu64 "\n", p_(path), blocksize, *idx);
	return fs->op.bmap(path, blocksize, idx);
}

FUSE_EXPORT int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd, void *arg,
			      struct fuse_file_info *fi, unsigned int flags, void *data)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.ioctl)
		return -ENOSYS;
	FS_DEBUG(fs, "ioctl[%llu] 0x%x flags: 0x%x\n", fh_(fi), cmd, flags);
	return fs->op.ioctl(path, cmd, arg, fi, flags, data);
}

FUSE_EXPORT int fuse_fs_poll(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
			     struct fuse_pollhandle *ph, unsigned int *reventsp)
{
	int res;

	if (!fs)
		return -EINVAL;
	if (!fs->op.poll)
		return -ENOSYS;
	FS_DEBUG(fs, "poll[%llu] ph: %p, events 0x%x\n", fh_(fi), (void *)ph, fi->poll_events);
	res = fs->op.poll(path, fi, ph, reventsp);
	FS_DEBUG(fs, "   poll[%llu] revents: 0x%x res %d\n", fh_(fi), *reventsp, res);
	return res;
}

FUSE_EXPORT int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode, off_t offset,
				  off_t length, struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.fallocate)
		return -ENOSYS;
	FS_DEBUG(fs, "fallocate %s mode %x, offset: %llu, length: %llu\n", p_(path), mode,
		 (unsigned long long)offset, (unsigned long long)length);
	return fs->op.fallocate(path, mode, offset, length, fi);
}

FUSE_EXPORT ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
					    struct fuse_file_info *fi_in, off_t off_in,
					    const char *path_out, struct fuse_file_info *fi_out,
					    off_t off_out, size_t len, int flags)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.copy_file_range)
		return -ENOSYS;
	FS_DEBUG(fs, "copy_file_range %s:%llu -> %s:%llu, len %zu, flags 0x%x\n", p_(path_in),
		 (unsigned long long)off_in, p_(path_out), (unsigned long long)off_out, len,
		 flags);
	return fs->op.copy_file_range(path_in, fi_in, off_in, path_out, fi_out, off_out, len,
				      flags);
}

FUSE_EXPORT off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off, int whence,
				struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.lseek)
		return -ENOSYS;
	FS_DEBUG(fs, "lseek[%llu] %lld %d\n", fh_(fi), (long long)off, whence);
	return fs->op.lseek(path, off, whence, fi);
}

#if RINGFUSE_ABI >= 318
FUSE_EXPORT int fuse_fs_statx(struct fuse_fs *fs, const char *path, int flags, int mask,
			      struct statx *stxbuf, struct fuse_file_info *fi)
{
	if (!fs || !stxbuf)
		return -EINVAL;
	if (!fs->op.statx)
		return -ENOSYS;
	FS_DEBUG(fs, "statx[%llu] %s 0x%x 0x%x\n", fh_(fi), p_(path), (unsigned int)flags,
		 (unsigned int)mask);
	return fs->op.statx(path, flags, mask, stxbuf, fi);
}
#endif

FUSE_EXPORT int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode,
			      struct fuse_file_info *fi)
{
	if (!fs)
		return -EINVAL;
	if (!fs->op.chmod)
		return -ENOSYS;
	FS_DEBUG(fs, "chmod[%llu] %s %llo\n", fh_(fi), p_(path), (unsigned long long)mode);
	return fs->op.chmod(path, mode, fi);
}

FUSE_EXPORT void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn,
			      struct fuse_config *cfg)
{
	if (!fs || !conn || !cfg)
		return;
	/* capabilities the filesystem has no operation for must not be offered */
	if (!fs->op.write_buf)
		conn->want &= ~FUSE_CAP_SPLICE_READ;
	if (!fs->op.lock)
		conn->want &= ~FUSE_CAP_POSIX_LOCKS;
	if (!fs->op.flock)
		conn->want &= ~FUSE_CAP_FLOCK_LOCKS;
	if (fs->op.init)
		fs->user_data = fs->op.init(conn, cfg);
}

FUSE_EXPORT void fuse_fs_destroy(struct fuse_fs *fs)
{
	if (!fs)
		return;
	fuse_get_context()->private_data = fs->user_data;
	if (fs->op.destroy)
		fs->op.destroy(fs->user_data);
}

FUSE_EXPORT int fuse_notify_poll(struct fuse_pollhandle *ph)
{
	if (!ph)
		return -EINVAL;
	return fuse_lowlevel_notify_poll(ph);
}

/* Release a buffer vector from a read_buf operation (memory buffers are malloc'd). */
void fuse__free_bufvec(struct fuse_bufvec *bv)
{
	free_bufvec(bv);
}
