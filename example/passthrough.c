/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * passthrough: mirrors the root directory (/) at the mountpoint through the path-based API.
 * Every operation re-resolves its path on the underlying filesystem; open files keep a real
 * descriptor in fi->fh. Caching is off by default because the tree can change underneath.
 *
 *   passthrough [options] <mountpoint>
 *   --plus      fill attributes in readdir (answers READDIRPLUS without extra lookups)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* renameat2, copy_file_range, fallocate, O_DIRECT */
#endif
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 31
#endif

#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

static int fill_dir_plus;

static void *pt_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 1;
	/* the underlying tree may change behind our back: let the kernel cache nothing */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

static int pt_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	int res;

	if (fi)
		res = fstat((int)fi->fh, st);
	else
		res = lstat(path, st);
	return res == -1 ? -errno : 0;
}

#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
/* statx(2), as libfuse 3.18's passthrough does: also reports what stat(2) cannot (birth time). */
static int pt_statx(const char *path, int flags, int mask, struct statx *stx,
		    struct fuse_file_info *fi)
{
	int res;

	if (fi)
		res = statx((int)fi->fh, "", flags | AT_EMPTY_PATH, (unsigned int)mask, stx);
	else
		res = statx(AT_FDCWD, path, flags | AT_SYMLINK_NOFOLLOW, (unsigned int)mask, stx);
	return res == -1 ? -errno : 0;
}
#endif

static int pt_access(const char *path, int mask)
{
	return access(path, mask) == -1 ? -errno : 0;
}

static int pt_readlink(const char *path, char *buf, size_t size)
{
	ssize_t res = readlink(path, buf, size - 1);

	if (res == -1)
		return -errno;
	buf[res] = '\0';
	return 0;
}

static int pt_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dirent *de;
	DIR *dp;

	(void)offset;
	(void)fi;
	dp = opendir(path);
	if (!dp)
		return -errno;
	while ((de = readdir(dp)) != NULL) {
		struct stat st;
		enum fuse_fill_dir_flags fill = 0;

		memset(&st, 0, sizeof(st));
		if (fill_dir_plus && (flags & FUSE_READDIR_PLUS) &&
		    fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			fill = FUSE_FILL_DIR_PLUS;
		} else {
			st.st_ino = de->d_ino;
			st.st_mode = (mode_t)de->d_type << 12;
		}
		if (filler(buf, de->d_name, &st, 0, fill))
			break;
	}
	(void)closedir(dp);
	return 0;
}

static int pt_mknod(const char *path, mode_t mode, dev_t rdev)
{
	int res;

	if (S_ISFIFO(mode))
		res = mkfifo(path, mode);
	else
		res = mknod(path, mode, rdev);
	return res == -1 ? -errno : 0;
}

static int pt_mkdir(const char *path, mode_t mode)
{
	return mkdir(path, mode) == -1 ? -errno : 0;
}

static int pt_unlink(const char *path)
{
	return unlink(path) == -1 ? -errno : 0;
}

static int pt_rmdir(const char *path)
{
	return rmdir(path) == -1 ? -errno : 0;
}

static int pt_symlink(const char *from, const char *to)
{
	return symlink(from, to) == -1 ? -errno : 0;
}

static int pt_rename(const char *from, const char *to, unsigned int flags)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags) == -1 ? -errno : 0;
}

static int pt_link(const char *from, const char *to)
{
	return link(from, to) == -1 ? -errno : 0;
}

static int pt_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int res = fi ? fchmod((int)fi->fh, mode) : chmod(path, mode);

	return res == -1 ? -errno : 0;
}

static int pt_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	int res = fi ? fchown((int)fi->fh, uid, gid) : lchown(path, uid, gid);

	return res == -1 ? -errno : 0;
}

static int pt_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int res = fi ? ftruncate((int)fi->fh, size) : truncate(path, size);

	return res == -1 ? -errno : 0;
}

static int pt_utimens(const char *path, const struct timespec ts[2], struct fuse_file_info *fi)
{
	int res;

	if (fi)
		res = futimens((int)fi->fh, ts);
	else
		res = utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
	return res == -1 ? -errno : 0;
}

/*
 * The data of a write arrives at an arbitrary offset of the request buffer, which O_DIRECT on
 * the backing file would refuse (EINVAL): the backing file is opened buffered, and the kernel
 * still bypasses its own cache for an O_DIRECT open of ours.
 */
static int backing_flags(int flags)
{
	return flags & ~O_DIRECT;
}

static int pt_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = open(path, backing_flags(fi->flags), mode);

	if (fd == -1)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pt_open(const char *path, struct fuse_file_info *fi)
{
	int fd = open(path, backing_flags(fi->flags));

	if (fd == -1)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pt_read(const char *path, char *buf, size_t size, off_t offset,
		   struct fuse_file_info *fi)
{
	ssize_t res;
	int fd = fi ? (int)fi->fh : open(path, O_RDONLY);

	if (fd == -1)
		return -errno;
	res = pread(fd, buf, size, offset);
	if (res == -1)
		res = -errno;
	if (!fi)
		(void)close(fd);
	return (int)res;
}

static int pt_write(const char *path, const char *buf, size_t size, off_t offset,
		    struct fuse_file_info *fi)
{
	ssize_t res;
	int fd = fi ? (int)fi->fh : open(path, O_WRONLY);

	if (fd == -1)
		return -errno;
	res = pwrite(fd, buf, size, offset);
	if (res == -1)
		res = -errno;
	if (!fi)
		(void)close(fd);
	return (int)res;
}

static int pt_statfs(const char *path, struct statvfs *st)
{
	return statvfs(path, st) == -1 ? -errno : 0;
}

static int pt_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	(void)close((int)fi->fh);
	return 0;
}

static int pt_fsync(const char *path, int isdatasync, struct fuse_file_info *fi)
{
	int res;

	(void)path;
	res = isdatasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);
	return res == -1 ? -errno : 0;
}

static int pt_fallocate(const char *path, int mode, off_t offset, off_t length,
			struct fuse_file_info *fi)
{
	int fd, res;

	fd = fi ? (int)fi->fh : open(path, O_WRONLY);
	if (fd == -1)
		return -errno;
	res = fallocate(fd, mode, offset, length) == -1 ? -errno : 0;
	if (!fi)
		(void)close(fd);
	return res;
}

static int pt_setxattr(const char *path, const char *name, const char *value, size_t size,
		       int flags)
{
	return lsetxattr(path, name, value, size, flags) == -1 ? -errno : 0;
}

static int pt_getxattr(const char *path, const char *name, char *value, size_t size)
{
	ssize_t res = lgetxattr(path, name, value, size);

	return res == -1 ? -errno : (int)res;
}

static int pt_listxattr(const char *path, char *list, size_t size)
{
	ssize_t res = llistxattr(path, list, size);

	return res == -1 ? -errno : (int)res;
}

static int pt_removexattr(const char *path, const char *name)
{
	return lremovexattr(path, name) == -1 ? -errno : 0;
}

static ssize_t pt_copy_file_range(const char *path_in, struct fuse_file_info *fi_in,
				  off_t off_in, const char *path_out,
				  struct fuse_file_info *fi_out, off_t off_out, size_t len,
				  int flags)
{
	int fd_in, fd_out;
	ssize_t res;

	fd_in = fi_in ? (int)fi_in->fh : open(path_in, O_RDONLY);
	if (fd_in == -1)
		return -errno;
	fd_out = fi_out ? (int)fi_out->fh : open(path_out, O_WRONLY);
	if (fd_out == -1) {
		res = -errno;
		goto out;
	}
	res = copy_file_range(fd_in, &off_in, fd_out, &off_out, len, (unsigned int)flags);
	if (res == -1)
		res = -errno;
	if (!fi_out)
		(void)close(fd_out);
out:
	if (!fi_in)
		(void)close(fd_in);
	return res;
}

static off_t pt_lseek(const char *path, off_t off, int whence, struct fuse_file_info *fi)
{
	int fd = fi ? (int)fi->fh : open(path, O_RDONLY);
	off_t res;

	if (fd == -1)
		return -errno;
	res = lseek(fd, off, whence);
	if (res == -1)
		res = -errno;
	if (!fi)
		(void)close(fd);
	return res;
}

static const struct fuse_operations pt_oper = {
	.init = pt_init,
	.getattr = pt_getattr,
	.access = pt_access,
	.readlink = pt_readlink,
	.readdir = pt_readdir,
	.mknod = pt_mknod,
	.mkdir = pt_mkdir,
	.symlink = pt_symlink,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.rename = pt_rename,
	.link = pt_link,
	.chmod = pt_chmod,
	.chown = pt_chown,
	.truncate = pt_truncate,
	.utimens = pt_utimens,
	.open = pt_open,
	.create = pt_create,
	.read = pt_read,
	.write = pt_write,
	.statfs = pt_statfs,
	.release = pt_release,
	.fsync = pt_fsync,
	.fallocate = pt_fallocate,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
	.copy_file_range = pt_copy_file_range,
	.lseek = pt_lseek,
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	.statx = pt_statx,
#endif
};

int main(int argc, char *argv[])
{
	int i, j;

	/* --plus is ours; everything else goes to fuse_main */
	for (i = 1, j = 1; i < argc; i++) {
		if (strcmp(argv[i], "--plus") == 0)
			fill_dir_plus = 1;
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	umask(0);
	return fuse_main(j, argv, &pt_oper, NULL);
}
