/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * passthrough_hp: a fast low-level passthrough filesystem that mirrors a source directory at a
 * mountpoint. This file owns the request handlers, which forward each request to the source with
 * *at() system calls, and the command line; the inode table and its bounded descriptor cache
 * (an inode is remembered by its file handle, so the kernel can hold any number of inodes while
 * the daemon keeps at most --fd-cache descriptors open) live in passthrough_hp_inodes.c. Over ringfuse's io-uring transport, reads land directly in the ring's
 * payload buffer; with --passthrough, opened files are handed to the kernel's FUSE passthrough
 * so reads and writes never reach the daemon. The same source builds against the system's
 * libfuse 3.14 (the ringfuse extensions are compiled out there).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif

#include <fuse_lowlevel.h>

#if __has_include(<ringfuse.h>)
#include <ringfuse.h>
#define HP_RINGFUSE 1
#else
#define HP_RINGFUSE 0
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "passthrough_hp_inodes.h"

/* ---------------------------------------------------------------- handlers */

static void hp_init(void *userdata, struct fuse_conn_info *conn)
{
	struct hp_fs *fs = userdata;

	if (!fs->o.splice) {
		conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	} else {
		if (conn->capable & FUSE_CAP_SPLICE_WRITE)
			conn->want |= FUSE_CAP_SPLICE_WRITE;
		if (conn->capable & FUSE_CAP_SPLICE_MOVE)
			conn->want |= FUSE_CAP_SPLICE_MOVE;
	}
	/*
	 * No lock handlers: the kernel keeps flock and POSIX locks itself, which is exact while
	 * this mount is the only way into the source. Forwarding flock would leave each lock on
	 * our backing descriptor until the asynchronous RELEASE, so a close would not release a
	 * lock in time for the next flock.
	 */
	conn->want &= ~(FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_POSIX_LOCKS);
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
#ifdef FUSE_CAP_DIRECT_IO_ALLOW_MMAP
	/* shared mmap of files opened with --direct-io (the page cache is still coherent,
	 * since all I/O goes through this one mount) */
	if (fs->o.direct_io && (conn->capable & FUSE_CAP_DIRECT_IO_ALLOW_MMAP))
		conn->want |= FUSE_CAP_DIRECT_IO_ALLOW_MMAP;
#endif
	if (fs->o.writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	else
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	/*
	 * The kernel asks for security.capability before every write to learn whether it must
	 * drop privileges; with killpriv the filesystem promises to do that itself (the source
	 * filesystem does, since our writes are real writes as root), so the question is not asked.
	 */
#ifdef FUSE_CAP_HANDLE_KILLPRIV_V2
	if (fs->o.killpriv && (conn->capable & FUSE_CAP_HANDLE_KILLPRIV_V2))
		conn->want |= FUSE_CAP_HANDLE_KILLPRIV_V2;
#endif
#if HP_RINGFUSE
	if (fs->o.passthrough) {
		if (conn->capable & FUSE_CAP_PASSTHROUGH) {
			conn->want |= FUSE_CAP_PASSTHROUGH;
			/* the kernel refuses passthrough together with the writeback cache */
			conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
			fs->passthrough_on = true;
		} else {
			fprintf(stderr, "passthrough_hp: the kernel offers no FUSE passthrough; "
				"files are served by the daemon\n");
		}
	}
#else
	if (fs->o.passthrough)
		fprintf(stderr, "passthrough_hp: built without FUSE passthrough (needs "
			"ringfuse); files are served by the daemon\n");
#endif
}

static void hp_destroy(void *userdata)
{
	struct hp_fs *fs = userdata;

	if (fs->o.stats)
		fprintf(stderr, "passthrough_hp-stats: inodes=%zu cached_fds=%ld reopens=%llu "
			"reused_ino=%llu getxattr=%llu ring_reads=%llu\n", fs->ninodes, fs->cached,
			(unsigned long long)atomic_load(&fs->n_reopen),
			(unsigned long long)atomic_load(&fs->n_reused_ino),
			(unsigned long long)atomic_load(&fs->n_getxattr),
			(unsigned long long)atomic_load(&fs->n_ring_reads));
}

static void hp_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *p = hp_inode(fs, parent);
	struct fuse_entry_param e;
	int pfd, ret;

	pfd = inode_fd_get(fs, p);
	if (pfd < 0) {
		(void)fuse_reply_err(req, -pfd);
		return;
	}
	ret = hp_do_lookup(fs, pfd, name, &e);
	inode_fd_put(p);
	if (ret == -ENOENT && fs->o.entry_timeout > 0) {
		/* a negative entry: the kernel remembers that the name does not exist */
		hp_entry_init(fs, &e);
		ret = 0;
	}
	if (ret < 0)
		(void)fuse_reply_err(req, -ret);
	else if (fuse_reply_entry(req, &e) != 0 && e.ino != 0)
		hp_unref(fs, hp_inode(fs, e.ino), 1);
}

/* Reply to a request that made @name in @parent (mkdir, mknod, symlink, link). */
static void hp_reply_made(fuse_req_t req, struct hp_fs *fs, int pfd, const char *name)
{
	struct fuse_entry_param e;
	int ret = hp_do_lookup(fs, pfd, name, &e);

	if (ret < 0)
		(void)fuse_reply_err(req, -ret);
	else if (fuse_reply_entry(req, &e) != 0)
		hp_unref(fs, hp_inode(fs, e.ino), 1);
}

static void hp_mknod_symlink(fuse_req_t req, fuse_ino_t parent, const char *name,
			     mode_t mode, dev_t rdev, const char *link)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *p = hp_inode(fs, parent);
	int pfd, ret;

	pfd = inode_fd_get(fs, p);
	if (pfd < 0) {
		(void)fuse_reply_err(req, -pfd);
		return;
	}
	if (link != NULL)
		ret = symlinkat(link, pfd, name);
	else if (S_ISDIR(mode))
		ret = mkdirat(pfd, name, mode);
	else
		ret = mknodat(pfd, name, mode, rdev);
	if (ret < 0)
		(void)fuse_reply_err(req, errno);
	else
		hp_reply_made(req, fs, pfd, name);
	inode_fd_put(p);
}

static void hp_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev)
{
	hp_mknod_symlink(req, parent, name, mode, rdev, NULL);
}

static void hp_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	hp_mknod_symlink(req, parent, name, S_IFDIR | mode, 0, NULL);
}

static void hp_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	hp_mknod_symlink(req, parent, name, S_IFLNK, 0, link);
}

static void hp_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino), *np = hp_inode(fs, newparent);
	char path[HP_PROC_PATH_MAX];
	int fd, npfd;

	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	npfd = inode_fd_get(fs, np);
	if (npfd < 0) {
		(void)fuse_reply_err(req, -npfd);
		goto out_fd;
	}
	hp_proc_path(path, fd);
	/* the magic link resolves to the object itself, also when that is a symlink */
	if (linkat(AT_FDCWD, path, npfd, newname, AT_SYMLINK_FOLLOW) < 0)
		(void)fuse_reply_err(req, errno);
	else
		hp_reply_made(req, fs, npfd, newname);
	inode_fd_put(np);
out_fd:
	inode_fd_put(in);
}

static void hp_remove(fuse_req_t req, fuse_ino_t parent, const char *name, int flags)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *p = hp_inode(fs, parent);
	int pfd, ret;

	pfd = inode_fd_get(fs, p);
	if (pfd < 0) {
		(void)fuse_reply_err(req, -pfd);
		return;
	}
	ret = unlinkat(pfd, name, flags) < 0 ? errno : 0;
	inode_fd_put(p);
	(void)fuse_reply_err(req, ret);
}

static void hp_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	hp_remove(req, parent, name, 0);
}

static void hp_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	hp_remove(req, parent, name, AT_REMOVEDIR);
}

static void hp_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *p = hp_inode(fs, parent), *np = hp_inode(fs, newparent);
	int pfd, npfd, ret;

	pfd = inode_fd_get(fs, p);
	if (pfd < 0) {
		(void)fuse_reply_err(req, -pfd);
		return;
	}
	npfd = inode_fd_get(fs, np);
	if (npfd < 0) {
		ret = -npfd;
		goto out_p;
	}
	ret = 0;
	if (syscall(SYS_renameat2, pfd, name, npfd, newname, flags) < 0)
		ret = errno;
	inode_fd_put(np);
out_p:
	inode_fd_put(p);
	(void)fuse_reply_err(req, ret);
}

static void hp_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct hp_fs *fs = hp_fs(req);

	hp_unref(fs, hp_inode(fs, ino), nlookup);
	fuse_reply_none(req);
}

static void hp_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct hp_fs *fs = hp_fs(req);
	size_t i;

	for (i = 0; i < count; i++)
		hp_unref(fs, hp_inode(fs, forgets[i].ino), forgets[i].nlookup);
	fuse_reply_none(req);
}

static void hp_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	struct stat st;
	int fd, ret;

	/* the kernel passes a handle only for regular files, where fh is our fd */
	if (fi != NULL && fstat(hp_fh_fd(fi), &st) == 0) {
		(void)fuse_reply_attr(req, &st, fs->o.attr_timeout);
		return;
	}
	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	ret = fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
	inode_fd_put(in);
	if (ret != 0)
		(void)fuse_reply_err(req, ret);
	else
		(void)fuse_reply_attr(req, &st, fs->o.attr_timeout);
}

/*
 * With killpriv the kernel leaves clearing set-id bits on write and truncate to us; our calls
 * run as root, which the source filesystem exempts, so for anyone else they are cleared here.
 * @path (a /proc/self/fd path) is used when @fd is an O_PATH descriptor.
 */
static void hp_kill_setid(fuse_req_t req, int fd, const char *path)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct stat st;
	mode_t m;

	if (ctx == NULL || ctx->uid == 0 || (path ? stat(path, &st) : fstat(fd, &st)) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	m = st.st_mode & 07777;
	if (st.st_mode & S_ISUID)
		m &= ~(mode_t)S_ISUID;
	if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP))
		m &= ~(mode_t)S_ISGID;
	if (m != (st.st_mode & 07777))
		(void)(path ? chmod(path, m) : fchmod(fd, m));
}

static int hp_setattr_fd(int fd, int ffd, struct stat *attr, int valid)
{
	char path[HP_PROC_PATH_MAX];

	hp_proc_path(path, fd);
	if (valid & FUSE_SET_ATTR_MODE) {
		if ((ffd >= 0 ? fchmod(ffd, attr->st_mode) : chmod(path, attr->st_mode)) < 0)
			return -errno;
	}
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;

		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		if ((ffd >= 0 ? ftruncate(ffd, attr->st_size) : truncate(path, attr->st_size)) < 0)
			return -errno;
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec tv[2];

		tv[0].tv_sec = tv[1].tv_sec = 0;
		tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		if ((ffd >= 0 ? futimens(ffd, tv) : utimensat(AT_FDCWD, path, tv, 0)) < 0)
			return -errno;
	}
	return 0;
}

static void hp_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	struct stat st;
	int fd, ret;

	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	/* fh is our fd only for regular files (for directories it is a struct hp_dir) */
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		ret = -errno;
	else
		ret = hp_setattr_fd(fd, fi != NULL && S_ISREG(st.st_mode) ? hp_fh_fd(fi) : -1,
				    attr, valid);
	if (ret == 0 && fs->o.killpriv && (valid & FUSE_SET_ATTR_SIZE) &&
	    (st.st_mode & (S_ISUID | S_ISGID))) {
		char path[HP_PROC_PATH_MAX];

		hp_proc_path(path, fd);
		hp_kill_setid(req, -1, path);
	}
	if (ret == 0 && fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		ret = -errno;
	inode_fd_put(in);
	if (ret < 0)
		(void)fuse_reply_err(req, -ret);
	else
		(void)fuse_reply_attr(req, &st, fs->o.attr_timeout);
}

static void hp_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	char buf[PATH_MAX + 1];
	ssize_t n;
	int fd;

	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	n = readlinkat(fd, "", buf, sizeof(buf));
	if (n < 0) {
		(void)fuse_reply_err(req, errno);
	} else if ((size_t)n >= sizeof(buf)) {
		(void)fuse_reply_err(req, ENAMETOOLONG);
	} else {
		buf[n] = '\0';
		(void)fuse_reply_readlink(req, buf);
	}
	inode_fd_put(in);
}

/* ---------------------------------------------------------------- directories */

static void hp_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	struct hp_dir *d;
	int fd, dfd, ret;

	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = dfd < 0 ? -errno : 0;
	inode_fd_put(in);
	if (ret < 0) {
		hp_note_fd_error(fs, ret);
		goto err;
	}
	d = malloc(sizeof(*d));
	if (d == NULL) {
		ret = -ENOMEM;
		goto err_fd;
	}
	ret = -pthread_mutex_init(&d->lock, NULL);
	if (ret < 0)
		goto err_free;
	d->fd = dfd;
	d->offset = 0;
	d->pos = d->len = 0;
	fi->fh = (uint64_t)(uintptr_t)d;
	if (fuse_reply_open(req, fi) != 0) {
		pthread_mutex_destroy(&d->lock);
		free(d);
		(void)close(dfd);
	}
	return;
err_free:
	free(d);
err_fd:
	(void)close(dfd);
err:
	(void)fuse_reply_err(req, -ret);
}

static bool hp_is_dot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/*
 * Fill one READDIR(PLUS) reply from the directory stream. Entries are read with getdents64 in
 * large batches and carried over between requests, so a 4 KiB reply does not cost a system
 * call; a request at another offset seeks the stream first.
 */
static void hp_do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi, bool plus)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_dir *d = (struct hp_dir *)(uintptr_t)fi->fh;
	size_t used = 0;
	char *buf;
	int err = 0;

	buf = malloc(size);
	if (buf == NULL) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (off != d->offset) {
		if (lseek(d->fd, off, SEEK_SET) < 0) {
			err = errno;
			goto out;
		}
		d->offset = off;
		d->pos = d->len = 0;
	}
	for (;;) {
		struct dirent64 *de;
		size_t ent;

		if (d->pos >= d->len) {
			ssize_t n = getdents64(d->fd, d->buf, sizeof(d->buf));

			if (n < 0) {
				err = errno;
				break;
			}
			if (n == 0)
				break;
			d->pos = 0;
			d->len = (size_t)n;
		}
		de = (struct dirent64 *)(d->buf + d->pos);
		if (plus) {
			struct fuse_entry_param e;

			if (hp_is_dot(de->d_name)) {
				/* a zero nodeid: a name without attributes or a lookup reference */
				hp_entry_init(fs, &e);
				e.attr.st_ino = de->d_ino;
				e.attr.st_mode = (mode_t)de->d_type << 12;
			} else {
				int ret = hp_do_lookup(fs, d->fd, de->d_name, &e);

				if (ret == -ENOENT) {
					/* removed since getdents: skip it */
					d->pos += de->d_reclen;
					d->offset = de->d_off;
					continue;
				}
				if (ret < 0) {
					err = -ret;
					break;
				}
			}
			ent = fuse_add_direntry_plus(req, buf + used, size - used, de->d_name, &e,
						     de->d_off);
			if (ent > size - used) {
				if (e.ino != 0)
					hp_unref(fs, hp_inode(fs, e.ino), 1);
				break;
			}
		} else {
			struct stat st;

			memset(&st, 0, sizeof(st));
			st.st_ino = de->d_ino;
			st.st_mode = (mode_t)de->d_type << 12;
			ent = fuse_add_direntry(req, buf + used, size - used, de->d_name, &st,
						de->d_off);
			if (ent > size - used)
				break;
		}
		used += ent;
		d->pos += de->d_reclen;
		d->offset = de->d_off;
	}
out:
	pthread_mutex_unlock(&d->lock);
	/* entries already placed carry lookup references: they must be delivered */
	if (err != 0 && used == 0)
		(void)fuse_reply_err(req, err);
	else
		(void)fuse_reply_buf(req, buf, used);
	free(buf);
}

static void hp_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	hp_do_readdir(req, ino, size, off, fi, false);
}

static void hp_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	hp_do_readdir(req, ino, size, off, fi, true);
}

static void hp_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hp_dir *d = (struct hp_dir *)(uintptr_t)fi->fh;

	(void)close(d->fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
	(void)fuse_reply_err(req, 0);
}

static void hp_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct hp_dir *d = (struct hp_dir *)(uintptr_t)fi->fh;
	int ret = (datasync ? fdatasync(d->fd) : fsync(d->fd)) < 0 ? errno : 0;

	(void)fuse_reply_err(req, ret);
}

/* ---------------------------------------------------------------- files */

static int hp_open_flags(struct hp_fs *fs, int flags)
{
	/*
	 * O_DIRECT is the kernel's business (it already bypasses its page cache for such files);
	 * the backing file is opened without it so that daemon buffers need no alignment.
	 */
	flags &= ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT);
	if (fs->o.writeback) {
		/* the kernel reads pages around a partial write and appends by itself */
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags | O_CLOEXEC;
}

/* Set the caching policy of a new open file and, in passthrough mode, its backing file. */
static void hp_setup_open(fuse_req_t req, struct hp_fs *fs, struct hp_inode *in, int fd,
			  mode_t mode, struct fuse_file_info *fi)
{
	fi->fh = (uint32_t)fd;
	if (mode & (S_ISUID | S_ISGID))
		fi->fh |= HP_FH_SETID;
	fi->noflush = 1;
	if (fs->o.direct_io) {
		fi->direct_io = 1;
#if HP_RINGFUSE
		fi->parallel_direct_writes = 1;
#endif
	}
	fi->keep_cache = !fs->o.nocache;
#if HP_RINGFUSE
	if (fs->passthrough_on) {
		bool ok = false;

		pthread_mutex_lock(&in->lock);
		if (in->pt_opens == 0) {
			/* the kernel reopens the backing file with each open's own flags, so the
			 * descriptor of the first open can back later opens of any mode */
			int id = fuse_passthrough_open(req, fd);

			if (id > 0)
				in->backing_id = id;
		}
		if (in->backing_id > 0) {
			in->pt_opens++;
			fi->backing_id = in->backing_id;
			fi->fh |= HP_FH_PASSTHROUGH;
			fi->direct_io = 0;
			/* the kernel fails such an open with EIO when it also asks to keep the
			 * page cache (measured on 6.18): the page cache is not used anyway */
			fi->keep_cache = 0;
			fi->parallel_direct_writes = 0;
			ok = true;
		}
		pthread_mutex_unlock(&in->lock);
		if (!ok) {
			/* an uncached open coexists with passthrough opens of the same inode,
			 * a cached one would be refused by the kernel */
			fi->direct_io = 1;
		}
	}
#else
	(void)req;
	(void)in;
#endif
}

static void hp_release_passthrough(fuse_req_t req, struct hp_inode *in)
{
#if HP_RINGFUSE
	pthread_mutex_lock(&in->lock);
	if (in->pt_opens > 0 && --in->pt_opens == 0) {
		(void)fuse_passthrough_close(req, in->backing_id);
		in->backing_id = 0;
	}
	pthread_mutex_unlock(&in->lock);
#else
	(void)req;
	(void)in;
#endif
}

static int hp_open_retry(struct hp_fs *fs, int dirfd, const char *name, int flags, mode_t mode)
{
	int fd = openat(dirfd, name, flags, mode);

	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		cache_evict(fs, 16);
		fd = openat(dirfd, name, flags, mode);
	}
	if (fd < 0) {
		fd = -errno;
		hp_note_fd_error(fs, fd);
	}
	return fd;
}

static void hp_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	char path[HP_PROC_PATH_MAX];
	struct stat st;
	int fd, ffd;

	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	hp_proc_path(path, fd);
	ffd = hp_open_retry(fs, AT_FDCWD, path, hp_open_flags(fs, fi->flags), 0);
	inode_fd_put(in);
	if (ffd < 0) {
		(void)fuse_reply_err(req, -ffd);
		return;
	}
	st.st_mode = 0;
	if (fs->o.killpriv && fstat(ffd, &st) < 0)
		st.st_mode = 0;
	if ((fi->flags & O_TRUNC) && (st.st_mode & (S_ISUID | S_ISGID)))
		hp_kill_setid(req, ffd, NULL);
	hp_setup_open(req, fs, in, ffd, st.st_mode, fi);
	if (fuse_reply_open(req, fi) != 0) {
		if (fi->fh & HP_FH_PASSTHROUGH)
			hp_release_passthrough(req, in);
		(void)close(ffd);
	}
}

static void hp_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *p = hp_inode(fs, parent), *in;
	struct fuse_entry_param e;
	int pfd, ffd, ret;

	pfd = inode_fd_get(fs, p);
	if (pfd < 0) {
		(void)fuse_reply_err(req, -pfd);
		return;
	}
	ffd = hp_open_retry(fs, pfd, name, hp_open_flags(fs, fi->flags) | O_CREAT |
			    (fi->flags & O_EXCL), mode);
	inode_fd_put(p);
	if (ffd < 0) {
		(void)fuse_reply_err(req, -ffd);
		return;
	}
	hp_entry_init(fs, &e);
	if (fstat(ffd, &e.attr) < 0) {
		ret = -errno;
		goto err;
	}
	ret = inode_ref_from_fd(fs, ffd, &e.attr, false, &in);
	if (ret < 0)
		goto err;
	e.ino = (fuse_ino_t)(uintptr_t)in;
	hp_setup_open(req, fs, in, ffd, e.attr.st_mode, fi);
	if (fuse_reply_create(req, &e, fi) != 0) {
		if (fi->fh & HP_FH_PASSTHROUGH)
			hp_release_passthrough(req, in);
		(void)close(ffd);
		hp_unref(fs, in, 1);
	}
	return;
err:
	(void)close(ffd);
	(void)fuse_reply_err(req, -ret);
}

static void hp_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);

	if (fi->fh & HP_FH_PASSTHROUGH)
		hp_release_passthrough(req, hp_inode(fs, ino));
	(void)close(hp_fh_fd(fi));
	(void)fuse_reply_err(req, 0);
}

static void hp_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* nothing is buffered here; locks are local to the kernel (no lock handlers) */
	(void)fuse_reply_err(req, 0);
}

static void hp_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = hp_fh_fd(fi);
	int ret = (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? errno : 0;

	(void)fuse_reply_err(req, ret);
}

static void hp_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
	int fd = hp_fh_fd(fi);

#if HP_RINGFUSE
	if (fuse_req_is_uring(req)) {
		char *payload;
		size_t psz;
		void *mr;

		/* read straight into the ring entry's payload: the reply needs no copy */
		if (fuse_req_get_payload(req, &payload, &psz, &mr) == 0) {
			ssize_t n = pread(fd, payload, size < psz ? size : psz, off);

			atomic_fetch_add_explicit(&fs->n_ring_reads, 1, memory_order_relaxed);
			if (n < 0)
				(void)fuse_reply_err(req, errno);
			else
				(void)fuse_reply_buf(req, payload, (size_t)n);
			return;
		}
	}
#endif
	if (!fs->o.splice) {
		/*
		 * A buffer per worker thread, kept across requests: allocating 1 MiB per read
		 * costs more (page faults on fresh memory) than the copy it would feed.
		 */
		struct hp_rbuf *rb = pthread_getspecific(fs->rbuf_key);
		ssize_t n;

		if (rb == NULL || rb->size < size) {
			size_t want = size < 128 * 1024 ? 128 * 1024 : size;
			struct hp_rbuf *nrb = realloc(rb, sizeof(*nrb) + want);

			if (nrb == NULL || pthread_setspecific(fs->rbuf_key, nrb) != 0) {
				free(nrb != NULL ? nrb : rb);
				(void)pthread_setspecific(fs->rbuf_key, NULL);
				(void)fuse_reply_err(req, ENOMEM);
				return;
			}
			rb = nrb;
			rb->size = want;
		}
		n = pread(fd, rb->data, size, off);
		if (n < 0)
			(void)fuse_reply_err(req, errno);
		else
			(void)fuse_reply_buf(req, rb->data, (size_t)n);
		return;
	}
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = fd;
	buf.buf[0].pos = off;
	(void)fuse_reply_data(req, &buf, 0);
}

static void hp_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct hp_fs *fs = hp_fs(req);
	size_t size = fuse_buf_size(in_buf);
	int fd = hp_fh_fd(fi);
	ssize_t n;

	if (in_buf->count == 1 && !(in_buf->buf[0].flags & FUSE_BUF_IS_FD)) {
		/* the data is already in memory (the ring's payload, or the read buffer) */
		n = pwrite(fd, in_buf->buf[0].mem, size, off);
		if (n < 0)
			n = -errno;
	} else {
		struct fuse_bufvec out = FUSE_BUFVEC_INIT(size);

		out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		out.buf[0].fd = fd;
		out.buf[0].pos = off;
		n = fuse_buf_copy(&out, in_buf, 0);
	}
	if (n < 0) {
		(void)fuse_reply_err(req, (int)-n);
		return;
	}
	if (fs->o.killpriv && (fi->fh & HP_FH_SETID))
		hp_kill_setid(req, fd, NULL);
	(void)fuse_reply_write(req, (size_t)n);
}

static void hp_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	struct statvfs sv;
	int fd, ret;

	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	ret = fstatvfs(fd, &sv) < 0 ? errno : 0;
	inode_fd_put(in);
	if (ret != 0)
		(void)fuse_reply_err(req, ret);
	else
		(void)fuse_reply_statfs(req, &sv);
}

static void hp_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			 struct fuse_file_info *fi)
{
	int ret = fallocate(hp_fh_fd(fi), mode, offset, length) < 0 ? errno : 0;

	(void)fuse_reply_err(req, ret);
}

static void hp_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			       struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len, int flags)
{
	loff_t oi = off_in, oo = off_out;
	ssize_t n = copy_file_range(hp_fh_fd(fi_in), &oi, hp_fh_fd(fi_out), &oo, len,
				    (unsigned int)flags);

	if (n < 0)
		(void)fuse_reply_err(req, errno);
	else
		(void)fuse_reply_write(req, (size_t)n);
}

static void hp_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	off_t res = lseek(hp_fh_fd(fi), off, whence);

	if (res < 0)
		(void)fuse_reply_err(req, errno);
	else
		(void)fuse_reply_lseek(req, res);
}

/* ---------------------------------------------------------------- extended attributes */

/*
 * xattrs go through /proc/self/fd/N because the *xattr calls do not accept O_PATH fds.
 * With --no-xattr they answer ENOSYS, which the kernel remembers for the whole connection:
 * that also ends the GETXATTR(security.capability) it would otherwise send before writes.
 */
static void hp_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	char path[HP_PROC_PATH_MAX], *buf = NULL;
	ssize_t n;
	int fd;

	atomic_fetch_add_explicit(&fs->n_getxattr, 1, memory_order_relaxed);
	if (fs->o.no_xattr) {
		(void)fuse_reply_err(req, ENOSYS);
		return;
	}
	if (size > 0) {
		buf = malloc(size);
		if (buf == NULL) {
			(void)fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		goto out;
	}
	hp_proc_path(path, fd);
	n = getxattr(path, name, buf, size);
	if (n < 0)
		(void)fuse_reply_err(req, errno);
	else if (size == 0)
		(void)fuse_reply_xattr(req, (size_t)n);
	else
		(void)fuse_reply_buf(req, buf, (size_t)n);
	inode_fd_put(in);
out:
	free(buf);
}

static void hp_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	char path[HP_PROC_PATH_MAX], *buf = NULL;
	ssize_t n;
	int fd;

	if (fs->o.no_xattr) {
		(void)fuse_reply_err(req, ENOSYS);
		return;
	}
	if (size > 0) {
		buf = malloc(size);
		if (buf == NULL) {
			(void)fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		goto out;
	}
	hp_proc_path(path, fd);
	n = listxattr(path, buf, size);
	if (n < 0)
		(void)fuse_reply_err(req, errno);
	else if (size == 0)
		(void)fuse_reply_xattr(req, (size_t)n);
	else
		(void)fuse_reply_buf(req, buf, (size_t)n);
	inode_fd_put(in);
out:
	free(buf);
}

static void hp_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	char path[HP_PROC_PATH_MAX];
	int fd, ret;

	if (fs->o.no_xattr) {
		(void)fuse_reply_err(req, ENOSYS);
		return;
	}
	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	hp_proc_path(path, fd);
	ret = setxattr(path, name, value, size, flags) < 0 ? errno : 0;
	inode_fd_put(in);
	(void)fuse_reply_err(req, ret);
}

static void hp_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct hp_fs *fs = hp_fs(req);
	struct hp_inode *in = hp_inode(fs, ino);
	char path[HP_PROC_PATH_MAX];
	int fd, ret;

	if (fs->o.no_xattr) {
		(void)fuse_reply_err(req, ENOSYS);
		return;
	}
	fd = inode_fd_get(fs, in);
	if (fd < 0) {
		(void)fuse_reply_err(req, -fd);
		return;
	}
	hp_proc_path(path, fd);
	ret = removexattr(path, name) < 0 ? errno : 0;
	inode_fd_put(in);
	(void)fuse_reply_err(req, ret);
}

static const struct fuse_lowlevel_ops hp_ops = {
	.init = hp_init,
	.destroy = hp_destroy,
	.lookup = hp_lookup,
	.forget = hp_forget,
	.forget_multi = hp_forget_multi,
	.getattr = hp_getattr,
	.setattr = hp_setattr,
	.readlink = hp_readlink,
	.mknod = hp_mknod,
	.mkdir = hp_mkdir,
	.symlink = hp_symlink,
	.link = hp_link,
	.unlink = hp_unlink,
	.rmdir = hp_rmdir,
	.rename = hp_rename,
	.opendir = hp_opendir,
	.readdir = hp_readdir,
	.readdirplus = hp_readdirplus,
	.releasedir = hp_releasedir,
	.fsyncdir = hp_fsyncdir,
	.create = hp_create,
	.open = hp_open,
	.release = hp_release,
	.flush = hp_flush,
	.fsync = hp_fsync,
	.read = hp_read,
	.write_buf = hp_write_buf,
	.statfs = hp_statfs,
	.fallocate = hp_fallocate,
	.getxattr = hp_getxattr,
	.listxattr = hp_listxattr,
	.setxattr = hp_setxattr,
	.removexattr = hp_removexattr,
	.copy_file_range = hp_copy_file_range,
	.lseek = hp_lseek,
};

/* ---------------------------------------------------------------- setup */

static void hp_usage(const char *prog)
{
	printf("usage: %s [options] SOURCE MOUNTPOINT\n"
	       "       %s [options] -o source=SOURCE MOUNTPOINT\n"
	       "Mirror the directory SOURCE at MOUNTPOINT (runs in the foreground; -f is accepted).\n\n"
	       "  -d, --debug            print every request (also enables library debug output)\n"
	       "  -s, --single           one thread serves /dev/fuse\n"
	       "  --num-threads=N, --nthreads=N  at most N /dev/fuse worker threads\n"
	       "  --clone-fd             one /dev/fuse descriptor per worker thread\n"
	       "  --nosplice             reads copy through a per-thread buffer (default)\n"
	       "  --splice               let the library splice read data from the file\n"
	       "  --nocache              timeouts 0, no kept page cache between opens\n"
	       "  --writeback            enable the kernel's writeback cache\n"
	       "  --direct-io            bypass the kernel page cache for every file\n"
	       "  --passthrough          let the kernel do file I/O itself (FUSE passthrough)\n"
	       "  --no-killpriv          do not take over set-id clearing (HANDLE_KILLPRIV_V2)\n"
	       "  --no-xattr             extended attributes unsupported (ENOSYS, cached by the kernel)\n"
	       "  --entry-timeout=SECS   name cache timeout (default 86400, 0 with --nocache)\n"
	       "  --attr-timeout=SECS    attribute cache timeout (default as entry timeout)\n"
	       "  --fd-cache=N           keep at most N inode descriptors open (default: from RLIMIT_NOFILE)\n"
	       "  --stats                print counters on exit\n"
	       "  -o OPT[,OPT...]        session and mount options, e.g. -o io_uring,allow_other\n"
	       "  -h, --help             this text\n"
	       "Spellings of libfuse's passthrough_hp, so that its scripts run unchanged:\n"
	       "  --foreground           accepted; this daemon always stays in the foreground\n"
	       "  --debug-fuse, --bg-debug-fuse  as --debug\n"
	       "  --nopassthrough        no FUSE passthrough (the default here; see --passthrough)\n"
	       "  --num-threads=-1       the library's default number of threads\n", prog, prog);
}

enum {
	OPT_NOSPLICE = 256, OPT_NOCACHE, OPT_NTHREADS, OPT_CLONE_FD, OPT_DIRECT_IO, OPT_WRITEBACK,
	OPT_PASSTHROUGH, OPT_NO_KILLPRIV, OPT_NO_XATTR, OPT_ENTRY_TIMEOUT, OPT_ATTR_TIMEOUT,
	OPT_FD_CACHE, OPT_STATS, OPT_SPLICE, OPT_FOREGROUND, OPT_NOPASSTHROUGH,
};

static int hp_parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || *out < 0)
		return -EINVAL;
	return 0;
}

static int hp_parse_long(const char *s, long min, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out < min)
		return -EINVAL;
	return 0;
}

/*
 * Pass an -o argument on to the session, except `source=PATH` (the source directory, as
 * libfuse's passthrough_ll spells it), which is ours. A source path cannot hold a comma here.
 */
static int hp_take_source(struct fuse_args *fargs, const char *arg, char **src)
{
	char *copy, *tok, *save = NULL;
	size_t len = strlen(arg);
	char *rest;
	int ret = 0;

	copy = strdup(arg);
	rest = calloc(1, len + 1);
	if (copy == NULL || rest == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "source=", 7) == 0) {
			free(*src);
			*src = strdup(tok + 7);
			if (*src == NULL) {
				ret = -ENOMEM;
				goto out;
			}
			continue;
		}
		if (rest[0] != '\0')
			strcat(rest, ",");
		strcat(rest, tok);
	}
	if (rest[0] != '\0' &&
	    (fuse_opt_add_arg(fargs, "-o") != 0 || fuse_opt_add_arg(fargs, rest) != 0))
		ret = -ENOMEM;
out:
	free(copy);
	free(rest);
	return ret;
}

/* Parse the command line; -o arguments are collected into @fargs for the session. */
static int hp_parse_args(int argc, char *argv[], struct hp_opts *o, struct fuse_args *fargs,
			 const char **src, const char **mnt)
{
	static const struct option longopts[] = {
		{ "debug", no_argument, NULL, 'd' },
		/* libfuse's passthrough_hp splits filesystem and library debug output; ours is one. */
		{ "debug-fuse", no_argument, NULL, 'd' },
		{ "bg-debug-fuse", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ "nopassthrough", no_argument, NULL, OPT_NOPASSTHROUGH },
		{ "single", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "nosplice", no_argument, NULL, OPT_NOSPLICE },
		{ "splice", no_argument, NULL, OPT_SPLICE },
		{ "nocache", no_argument, NULL, OPT_NOCACHE },
		{ "num-threads", required_argument, NULL, OPT_NTHREADS },
		{ "nthreads", required_argument, NULL, OPT_NTHREADS },
		{ "clone-fd", no_argument, NULL, OPT_CLONE_FD },
		{ "direct-io", no_argument, NULL, OPT_DIRECT_IO },
		{ "writeback", no_argument, NULL, OPT_WRITEBACK },
		{ "passthrough", no_argument, NULL, OPT_PASSTHROUGH },
		{ "no-killpriv", no_argument, NULL, OPT_NO_KILLPRIV },
		{ "no-xattr", no_argument, NULL, OPT_NO_XATTR },
		{ "entry-timeout", required_argument, NULL, OPT_ENTRY_TIMEOUT },
		{ "attr-timeout", required_argument, NULL, OPT_ATTR_TIMEOUT },
		{ "fd-cache", required_argument, NULL, OPT_FD_CACHE },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ NULL, 0, NULL, 0 },
	};
	bool have_entry = false, have_attr = false;
	long l;
	int c;

	while ((c = getopt_long(argc, argv, "dfsho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->debug = true;
			if (fuse_opt_add_arg(fargs, "-d") != 0)
				return -ENOMEM;
			break;
		case 'f':
		case OPT_FOREGROUND:
			break;  /* always in the foreground */
		case 's':
			o->single = true;
			break;
		case 'h':
			hp_usage(argv[0]);
			return 1;
		case 'o':
			c = hp_take_source(fargs, optarg, &o->source_opt);
			if (c < 0)
				return c;
			break;
		case OPT_NOSPLICE:
			o->splice = false;
			break;
		case OPT_SPLICE:
			o->splice = true;
			break;
		case OPT_NOCACHE:
			o->nocache = true;
			break;
		case OPT_NTHREADS:
			/* -1: libfuse's passthrough_hp default, "the library decides" */
			if (hp_parse_long(optarg, -1, &l) < 0 || l == 0 || l > 100000)
				goto bad;
			o->nthreads = l < 0 ? 0 : (unsigned int)l;
			break;
		case OPT_CLONE_FD:
			o->clone_fd = true;
			break;
		case OPT_DIRECT_IO:
			o->direct_io = true;
			break;
		case OPT_WRITEBACK:
			o->writeback = true;
			break;
		case OPT_PASSTHROUGH:
			o->passthrough = true;
			break;
		case OPT_NOPASSTHROUGH:
			o->passthrough = false;
			break;
		case OPT_NO_KILLPRIV:
			o->killpriv = false;
			break;
		case OPT_NO_XATTR:
			o->no_xattr = true;
			break;
		case OPT_ENTRY_TIMEOUT:
			if (hp_parse_double(optarg, &o->entry_timeout) < 0)
				goto bad;
			have_entry = true;
			break;
		case OPT_ATTR_TIMEOUT:
			if (hp_parse_double(optarg, &o->attr_timeout) < 0)
				goto bad;
			have_attr = true;
			break;
		case OPT_FD_CACHE:
			if (hp_parse_long(optarg, 8, &o->fd_cache) < 0)
				goto bad;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		default:
			/* getopt_long has named the option; say where the right ones are. */
			fprintf(stderr, "%s: see --help for the options\n", argv[0]);
			return -EINVAL;
		}
	}
	*src = o->source_opt;
	if (argc - optind != (*src != NULL ? 1 : 2)) {
		fprintf(stderr, "%s: need SOURCE and MOUNTPOINT (see --help)\n", argv[0]);
		return -EINVAL;
	}
	if (*src == NULL)
		*src = argv[optind++];
	*mnt = argv[optind];
	if (!have_entry)
		o->entry_timeout = o->nocache ? 0 : 86400;
	if (!have_attr)
		o->attr_timeout = have_entry || o->nocache ? o->entry_timeout : 86400;
	if (o->passthrough && o->writeback) {
		fprintf(stderr, "%s: --passthrough and --writeback exclude each other\n", argv[0]);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "%s: bad value '%s' for option %s\n", argv[0], optarg,
		argv[optind - 1]);
	return -EINVAL;
}

/*
 * Use the hard limit of open files: the fd cache is sized from it, and open files of the
 * kernel's clients each hold one descriptor here.
 */
static rlim_t hp_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return 1024;
	}
	return rl.rlim_cur;
}

/* Open the source, make its root inode and find out whether file handles work there. */
static int hp_open_source(struct hp_fs *fs)
{
	struct file_handle *fh;
	struct stat st;
	int fd, mount_id, ret;

	fs->root.fd = open(fs->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->root.fd < 0)
		return -errno;
	fs->mount_fd = open(fs->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->mount_fd < 0)
		return -errno;
	if (fstat(fs->root.fd, &st) < 0)
		return -errno;
	ret = pthread_mutex_init(&fs->root.lock, NULL);
	if (ret != 0)
		return -ret;
	fs->root.dev = st.st_dev;
	fs->root.ino = st.st_ino;
	fs->root.pinned = true;
	fs->root.nlookup = 2;

	fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	if (fh == NULL)
		return -ENOMEM;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fs->root.fd, "", fh, &mount_id, AT_EMPTY_PATH) == 0) {
		fd = open_by_handle_at(fs->mount_fd, fh, O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			(void)close(fd);
			fs->handles_ok = true;
			fs->root_mount_id = mount_id;
		} else {
			fprintf(stderr, "passthrough_hp: cannot open file handles (%s): every known "
				"inode keeps a descriptor\n", strerror(errno));
		}
	} else {
		fprintf(stderr, "passthrough_hp: source has no file handles (%s): every known "
			"inode keeps a descriptor\n", strerror(errno));
	}
	free(fh);
	return 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args fargs = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	struct fuse_loop_config *cfg = NULL;
	struct hp_fs *fs;
	const char *src = NULL, *mnt = NULL;
	char *mnt_abs = NULL;
	rlim_t nofile;
	int ret = 1, r;

	fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return 1;
	fs->root.fd = fs->mount_fd = -1;
	fs->o.killpriv = true;
	if (fuse_opt_add_arg(&fargs, argv[0]) != 0)
		goto out;
	r = hp_parse_args(argc, argv, &fs->o, &fargs, &src, &mnt);
	if (r != 0) {
		ret = r > 0 ? 0 : 2;
		goto out;
	}
	/*
	 * Both paths absolute before anything can change the working directory. Each failure
	 * is reported with its own errno: glibc's realpath() may leave EINVAL in errno even
	 * when it succeeds (it probes components with readlink), which hid ENOENT.
	 */
	fs->source = realpath(src, NULL);
	if (fs->source == NULL) {
		fprintf(stderr, "passthrough_hp: source %s: %s\n", src, strerror(errno));
		goto out;
	}
	mnt_abs = realpath(mnt, NULL);
	if (mnt_abs == NULL) {
		fprintf(stderr, "passthrough_hp: mountpoint %s: %s\n", mnt, strerror(errno));
		goto out;
	}
	nofile = hp_raise_nofile();
	fs->cache_limit = fs->o.fd_cache > 0 ? fs->o.fd_cache :
		(long)(nofile > 512 ? (nofile - 256) / 2 : 128);
	fs->nbuckets = 1024;
	fs->buckets = calloc(fs->nbuckets, sizeof(*fs->buckets));
	if (fs->buckets == NULL || pthread_mutex_init(&fs->table_lock, NULL) != 0 ||
	    pthread_mutex_init(&fs->cache_lock, NULL) != 0 ||
	    pthread_mutex_init(&fs->grave_lock, NULL) != 0)
		goto out;
	r = hp_open_source(fs);
	if (r < 0) {
		fprintf(stderr, "passthrough_hp: %s: %s\n", fs->source, strerror(-r));
		goto out;
	}

	r = pthread_key_create(&fs->rbuf_key, free);
	if (r != 0) {
		fprintf(stderr, "passthrough_hp: pthread_key_create: %s\n", strerror(r));
		goto out;
	}
	fs->rbuf_key_ok = true;

	se = fuse_session_new(&fargs, &hp_ops, sizeof(hp_ops), fs);
	if (se == NULL)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, mnt_abs) != 0)
		goto out_signals;
	if (fs->o.single) {
		ret = fuse_session_loop(se);
	} else {
		cfg = fuse_loop_cfg_create();
		if (cfg == NULL) {
			ret = 1;
			goto out_unmount;
		}
		fuse_loop_cfg_set_clone_fd(cfg, fs->o.clone_fd);
		if (fs->o.nthreads > 0)
			fuse_loop_cfg_set_max_threads(cfg, fs->o.nthreads);
		ret = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	ret = ret != 0 ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&fargs);
	free(fs->o.source_opt);
	free(mnt_abs);
	if (fs->buckets != NULL) {
		size_t i;

		grave_reap(fs, true);
		for (i = 0; i < fs->nbuckets; i++) {
			struct hp_inode *in = fs->buckets[i], *next;

			for (; in != NULL; in = next) {
				next = in->hnext;
				inode_free(fs, in);
			}
		}
		free(fs->buckets);
	}
	if (fs->rbuf_key_ok) {
		/* the main thread may have served requests too (--single) */
		free(pthread_getspecific(fs->rbuf_key));
		(void)pthread_key_delete(fs->rbuf_key);
	}
	if (fs->root.fd >= 0)
		(void)close(fs->root.fd);
	if (fs->mount_fd >= 0)
		(void)close(fs->mount_fd);
	free(fs->source);
	free(fs);
	return ret;
}
