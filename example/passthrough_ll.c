/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * passthrough_ll: mirrors a directory tree (the "source") at the mountpoint through the
 * low-level API. Every kernel inode the daemon has told the kernel about is one lo_inode that
 * holds an O_PATH descriptor of the backing object, found again by (st_dev, st_ino) in a hash
 * table and freed when the kernel's lookup count drops to zero. Operations act on those
 * descriptors (or on /proc/self/fd/N where the kernel offers no fd-relative call), so the daemon
 * never builds path names and stays correct across renames. It is the filesystem the mount test
 * suite runs its syscall checks through, over /dev/fuse and over io-uring, and it uses only the
 * libfuse 3.14 API so that it builds against ringfuse and the system libfuse3 alike. Built with
 * FUSE_USE_VERSION 317 or later (for libfuse3.so.4) it uses what libfuse 3.17/3.18's own
 * passthrough_ll does: the feature-flag calls in init(), tmpfile (O_TMPFILE) and statx.
 *
 *   passthrough_ll [-f] [-d] [-s] [-o source=DIR,writeback,cache=auto,...] MOUNTPOINT
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

enum lo_cache { LO_CACHE_NEVER, LO_CACHE_AUTO, LO_CACHE_ALWAYS };

struct lo_file;

/* One backing object known to the kernel. The fields below `next` are guarded by lo_data.mutex. */
struct lo_inode {
	int fd;			/* O_PATH | O_NOFOLLOW, owned; immutable after insertion */
	dev_t dev;		/* hash key, immutable */
	ino_t ino;		/* hash key, immutable */
	bool is_symlink;	/* immutable */
	struct lo_inode *next;	/* hash chain */
	uint64_t nlookup;	/* the kernel's references; the inode is freed when it reaches 0 */
	struct lo_file *files;	/* open file handles, so GETLK can name a lock's holder */
};

/* An open regular file: fi->fh points at this. */
struct lo_file {
	int fd;
	struct lo_inode *inode;
	struct lo_file *next;	/* lo_inode.files, guarded by lo_data.mutex */
	pid_t lock_pid;		/* last process that took a POSIX lock through it (lo_data.mutex) */
};

/* An open directory: fi->fh points at this. Only one request uses it at a time (the kernel
 * serialises readdir on one open file), so it needs no lock. */
struct lo_dir {
	DIR *dp;
	struct dirent *pending;	/* read from dp but not yet sent (did not fit the last reply) */
	off_t offset;		/* position of dp as the kernel knows it */
};

struct lo_data {
	pthread_mutex_t mutex;	/* guards the hash table and every lo_inode's mutable fields */
	struct lo_inode **buckets;
	size_t nbuckets;	/* a power of two */
	size_t ninodes;
	struct lo_inode root;	/* FUSE_ROOT_ID; never in the table, never freed */
	int proc_fd;		/* /proc/self/fd, for reopening O_PATH descriptors */

	/* Options. */
	char *source;
	double timeout;
	int timeout_set;
	int cache;
	int writeback;
	int flock;
	int xattr;
	int readdirplus;
	int debug;
};

static const struct fuse_opt lo_opts[] = {
	{ "source=%s", offsetof(struct lo_data, source), 0 },
	{ "writeback", offsetof(struct lo_data, writeback), 1 },
	{ "no_writeback", offsetof(struct lo_data, writeback), 0 },
	{ "flock", offsetof(struct lo_data, flock), 1 },
	{ "no_flock", offsetof(struct lo_data, flock), 0 },
	{ "xattr", offsetof(struct lo_data, xattr), 1 },
	{ "no_xattr", offsetof(struct lo_data, xattr), 0 },
	{ "readdirplus", offsetof(struct lo_data, readdirplus), 1 },
	{ "no_readdirplus", offsetof(struct lo_data, readdirplus), 0 },
	{ "timeout=%lf", offsetof(struct lo_data, timeout), 0 },
	{ "timeout=", offsetof(struct lo_data, timeout_set), 1 },
	{ "cache=never", offsetof(struct lo_data, cache), LO_CACHE_NEVER },
	{ "cache=auto", offsetof(struct lo_data, cache), LO_CACHE_AUTO },
	{ "cache=always", offsetof(struct lo_data, cache), LO_CACHE_ALWAYS },
	FUSE_OPT_END
};

static struct lo_data *lo_data(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct lo_inode *lo_inode(fuse_req_t req, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &lo_data(req)->root;
	return (struct lo_inode *)(uintptr_t)ino;
}

static int lo_fd(fuse_req_t req, fuse_ino_t ino)
{
	return lo_inode(req, ino)->fd;
}

static struct lo_file *lo_file(struct fuse_file_info *fi)
{
	return (struct lo_file *)(uintptr_t)fi->fh;
}

static struct lo_dir *lo_dir(struct fuse_file_info *fi)
{
	return (struct lo_dir *)(uintptr_t)fi->fh;
}

/* The /proc/self/fd/N name of an O_PATH descriptor, for calls that have no fd-relative form. */
static void lo_proc_path(char *buf, size_t size, int fd)
{
	(void)snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* ------------------------------------------------------------------------------------------ */
/* Inode table                                                                                 */

static size_t lo_hash(const struct lo_data *lo, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4fULL;

	return (size_t)(h ^ (h >> 29)) & (lo->nbuckets - 1);
}

/* Called with lo->mutex held. */
static struct lo_inode *lo_table_find(struct lo_data *lo, dev_t dev, ino_t ino)
{
	struct lo_inode *p;

	for (p = lo->buckets[lo_hash(lo, dev, ino)]; p; p = p->next)
		if (p->dev == dev && p->ino == ino)
			return p;
	return NULL;
}

/*
 * Called with lo->mutex held. Doubling keeps chains short as trees grow; if the bigger array
 * cannot be had, the table keeps working with longer chains, so that failure is not an error.
 */
static void lo_table_grow(struct lo_data *lo)
{
	size_t old_n = lo->nbuckets;
	struct lo_inode **old = lo->buckets;
	struct lo_inode **nb;
	size_t i;

	nb = calloc(old_n * 2, sizeof(*nb));
	if (!nb)
		return;
	lo->buckets = nb;
	lo->nbuckets = old_n * 2;
	for (i = 0; i < old_n; i++) {
		struct lo_inode *p = old[i];

		while (p) {
			struct lo_inode *next = p->next;
			size_t h = lo_hash(lo, p->dev, p->ino);

			p->next = nb[h];
			nb[h] = p;
			p = next;
		}
	}
	free(old);
}

/* Called with lo->mutex held. */
static void lo_table_insert(struct lo_data *lo, struct lo_inode *inode)
{
	size_t h;

	if (lo->ninodes >= lo->nbuckets)
		lo_table_grow(lo);
	h = lo_hash(lo, inode->dev, inode->ino);
	inode->next = lo->buckets[h];
	lo->buckets[h] = inode;
	lo->ninodes++;
}

/* Called with lo->mutex held. */
static void lo_table_remove(struct lo_data *lo, struct lo_inode *inode)
{
	struct lo_inode **pp = &lo->buckets[lo_hash(lo, inode->dev, inode->ino)];

	while (*pp && *pp != inode)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = inode->next;
		lo->ninodes--;
	}
}

static void lo_forget_one(struct lo_data *lo, fuse_ino_t ino, uint64_t n)
{
	struct lo_inode *inode;
	int fd = -1;

	if (ino == FUSE_ROOT_ID)
		return;
	inode = (struct lo_inode *)(uintptr_t)ino;
	(void)pthread_mutex_lock(&lo->mutex);
	if (n > inode->nlookup) {
		fuse_log(FUSE_LOG_ERR, "passthrough_ll: forget of %" PRIu64 " exceeds lookup count %"
			 PRIu64 "\n", n, inode->nlookup);
		n = inode->nlookup;
	}
	inode->nlookup -= n;
	if (inode->nlookup == 0) {
		lo_table_remove(lo, inode);
		fd = inode->fd;
	}
	(void)pthread_mutex_unlock(&lo->mutex);
	if (fd >= 0) {
		(void)close(fd);
		free(inode);
	}
}

/*
 * Resolve name in dir and take one lookup reference on the result (found in the table or new).
 * Returns 0 with e filled, or -errno; EMFILE/ENFILE come back as such so the caller replies
 * with an error instead of inventing an entry.
 */
static int lo_do_lookup_flags(struct lo_data *lo, struct lo_inode *dir, const char *name,
			      int follow, struct fuse_entry_param *e)
{
	struct lo_inode *inode;
	int fd;
	int err;

	memset(e, 0, sizeof(*e));
	e->attr_timeout = lo->timeout;
	e->entry_timeout = lo->timeout;

	fd = openat(dir->fd, name, O_PATH | (follow ? 0 : O_NOFOLLOW) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		err = -errno;
		goto out_close;
	}

	(void)pthread_mutex_lock(&lo->mutex);
	inode = lo_table_find(lo, e->attr.st_dev, e->attr.st_ino);
	if (inode) {
		inode->nlookup++;
		(void)pthread_mutex_unlock(&lo->mutex);
		(void)close(fd);
	} else {
		inode = calloc(1, sizeof(*inode));
		if (!inode) {
			(void)pthread_mutex_unlock(&lo->mutex);
			err = -ENOMEM;
			goto out_close;
		}
		inode->fd = fd;
		inode->dev = e->attr.st_dev;
		inode->ino = e->attr.st_ino;
		inode->is_symlink = S_ISLNK(e->attr.st_mode);
		inode->nlookup = 1;
		lo_table_insert(lo, inode);
		(void)pthread_mutex_unlock(&lo->mutex);
	}
	e->ino = (fuse_ino_t)(uintptr_t)inode;
	if (lo->debug)
		fuse_log(FUSE_LOG_DEBUG, "  %" PRIu64 "/%s -> %" PRIu64 "\n",
			 (uint64_t)(uintptr_t)dir, name, (uint64_t)e->ino);
	return 0;

out_close:
	(void)close(fd);
	return err;
}

static int lo_do_lookup(struct lo_data *lo, struct lo_inode *dir, const char *name,
			struct fuse_entry_param *e)
{
	return lo_do_lookup_flags(lo, dir, name, 0, e);
}

/* ------------------------------------------------------------------------------------------ */
/* Session and inode operations                                                                */

#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
/* The 3.17 way: flags through want_ext, each asked for only where the kernel offers it. */
static void lo_want(struct fuse_conn_info *conn, uint64_t flag, bool on)
{
	if (on)
		(void)fuse_set_feature_flag(conn, flag);
	else
		fuse_unset_feature_flag(conn, flag);
}

static void lo_init(void *userdata, struct fuse_conn_info *conn)
{
	struct lo_data *lo = userdata;

	lo_want(conn, FUSE_CAP_WRITEBACK_CACHE, lo->writeback);
	lo_want(conn, FUSE_CAP_FLOCK_LOCKS, lo->flock);
	lo_want(conn, FUSE_CAP_READDIRPLUS, lo->readdirplus);
	lo_want(conn, FUSE_CAP_POSIX_LOCKS, true);
}
#else
static void lo_init(void *userdata, struct fuse_conn_info *conn)
{
	struct lo_data *lo = userdata;

	if (lo->writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	else
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (lo->flock && (conn->capable & FUSE_CAP_FLOCK_LOCKS))
		conn->want |= FUSE_CAP_FLOCK_LOCKS;
	else
		conn->want &= ~FUSE_CAP_FLOCK_LOCKS;
	if (lo->readdirplus && (conn->capable & FUSE_CAP_READDIRPLUS))
		conn->want |= FUSE_CAP_READDIRPLUS;
	else
		conn->want &= ~FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_POSIX_LOCKS)
		conn->want |= FUSE_CAP_POSIX_LOCKS;
}
#endif

/* Files still open when the connection ends (abort, signal) never see a RELEASE. */
static void lo_drop_files(struct lo_inode *inode)
{
	while (inode->files) {
		struct lo_file *f = inode->files;

		inode->files = f->next;
		(void)close(f->fd);
		free(f);
	}
}

static void lo_destroy(void *userdata)
{
	struct lo_data *lo = userdata;
	size_t i;

	/* The kernel is gone: whatever it still referenced is released here. */
	for (i = 0; i < lo->nbuckets; i++) {
		struct lo_inode *p = lo->buckets[i];

		while (p) {
			struct lo_inode *next = p->next;

			lo_drop_files(p);
			(void)close(p->fd);
			free(p);
			p = next;
		}
		lo->buckets[i] = NULL;
	}
	lo_drop_files(&lo->root);
	lo->ninodes = 0;
}

static void lo_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err = lo_do_lookup(lo_data(req), lo_inode(req, parent), name, &e);

	if (err < 0)
		(void)fuse_reply_err(req, -err);
	else
		(void)fuse_reply_entry(req, &e);
}

static void lo_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	lo_forget_one(lo_data(req), ino, nlookup);
	fuse_reply_none(req);
}

static void lo_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		lo_forget_one(lo_data(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void lo_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	if (fstatat(lo_fd(req, ino), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	(void)fuse_reply_attr(req, &st, lo_data(req)->timeout);
}

static void lo_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct lo_inode *inode = lo_inode(req, ino);
	int ffd = fi ? lo_file(fi)->fd : -1;
	char path[64];
	struct stat st;
	int err = 0;

	lo_proc_path(path, sizeof(path), inode->fd);
	if (valid & FUSE_SET_ATTR_MODE) {
		int r = ffd >= 0 ? fchmod(ffd, attr->st_mode) : chmod(path, attr->st_mode);

		if (r < 0) {
			err = errno;
			goto out;
		}
	}
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;

		if (fchownat(inode->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
			err = errno;
			goto out;
		}
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		int r = ffd >= 0 ? ftruncate(ffd, attr->st_size) : truncate(path, attr->st_size);

		if (r < 0) {
			err = errno;
			goto out;
		}
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec tv[2];

		tv[0].tv_sec = 0;
		tv[0].tv_nsec = UTIME_OMIT;
		tv[1] = tv[0];
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		if (utimensat(inode->fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
			err = errno;
			goto out;
		}
	}
	if (fstatat(inode->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		err = errno;
		goto out;
	}
out:
	if (err)
		(void)fuse_reply_err(req, err);
	else
		(void)fuse_reply_attr(req, &st, lo_data(req)->timeout);
}

static void lo_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1];
	ssize_t n = readlinkat(lo_fd(req, ino), "", buf, sizeof(buf));

	if (n < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	if ((size_t)n >= sizeof(buf)) {
		(void)fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	(void)fuse_reply_readlink(req, buf);
}

/* Shared tail of mknod, mkdir and symlink: the object exists in the source, now look it up. */
static void lo_reply_new_entry(fuse_req_t req, struct lo_inode *dir, const char *name)
{
	struct fuse_entry_param e;
	int err = lo_do_lookup(lo_data(req), dir, name, &e);

	if (err < 0)
		(void)fuse_reply_err(req, -err);
	else
		(void)fuse_reply_entry(req, &e);
}

static void lo_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev)
{
	struct lo_inode *dir = lo_inode(req, parent);

	if (mknodat(dir->fd, name, mode, rdev) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	lo_reply_new_entry(req, dir, name);
}

static void lo_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct lo_inode *dir = lo_inode(req, parent);

	if (mkdirat(dir->fd, name, mode) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	lo_reply_new_entry(req, dir, name);
}

static void lo_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct lo_inode *dir = lo_inode(req, parent);

	if (symlinkat(link, dir->fd, name) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	lo_reply_new_entry(req, dir, name);
}

/*
 * linkat(fd, "", ..., AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; following the /proc magic link
 * works for an unprivileged daemon too, and reaches the O_PATH object itself (a symlink stays a
 * symlink).
 */
static void lo_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct lo_inode *dir = lo_inode(req, newparent);
	char path[64];

	lo_proc_path(path, sizeof(path), lo_fd(req, ino));
	if (linkat(AT_FDCWD, path, dir->fd, newname, AT_SYMLINK_FOLLOW) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	lo_reply_new_entry(req, dir, newname);
}

static void lo_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int r = unlinkat(lo_fd(req, parent), name, 0);

	(void)fuse_reply_err(req, r < 0 ? errno : 0);
}

static void lo_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int r = unlinkat(lo_fd(req, parent), name, AT_REMOVEDIR);

	(void)fuse_reply_err(req, r < 0 ? errno : 0);
}

static void lo_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	int r = renameat2(lo_fd(req, parent), name, lo_fd(req, newparent), newname, flags);

	(void)fuse_reply_err(req, r < 0 ? errno : 0);
}

static void lo_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	if (fstatvfs(lo_fd(req, ino), &sv) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	(void)fuse_reply_statfs(req, &sv);
}

/* ------------------------------------------------------------------------------------------ */
/* Directories                                                                                 */

static void lo_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lo_data *lo = lo_data(req);
	struct lo_dir *d;
	char name[32];
	int err;
	int fd;

	d = calloc(1, sizeof(*d));
	if (!d) {
		err = ENOMEM;
		goto out;
	}
	(void)snprintf(name, sizeof(name), "%d", lo_fd(req, ino));
	fd = openat(lo->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		goto out_free;
	}
	d->dp = fdopendir(fd);
	if (!d->dp) {
		err = errno;
		(void)close(fd);
		goto out_free;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	if (lo->cache == LO_CACHE_ALWAYS)
		fi->keep_cache = 1;
	(void)fuse_reply_open(req, fi);
	return;

out_free:
	free(d);
out:
	(void)fuse_reply_err(req, err);
}

static bool lo_is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/*
 * Fill one READDIR(PLUS) reply. An entry that does not fit stays pending for the next call, so
 * none is lost between replies. With plus, an entry whose lookup fails (EMFILE when the fd limit
 * is reached, or a race with unlink) is still listed, with node id 0: the kernel then shows the
 * name without caching an inode for it, and a later lookup reports the real error.
 */
static void lo_do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi, bool plus)
{
	struct lo_data *lo = lo_data(req);
	struct lo_inode *dir = lo_inode(req, ino);
	struct lo_dir *d = lo_dir(fi);
	char *buf;
	size_t used = 0;
	int err = 0;

	buf = malloc(size ? size : 1);
	if (!buf) {
		(void)fuse_reply_err(req, ENOMEM);
		return;
	}
	if (off != d->offset) {
		seekdir(d->dp, off);
		d->pending = NULL;
		d->offset = off;
	}
	for (;;) {
		struct fuse_entry_param e;
		const char *name;
		off_t next_off;
		size_t need;

		if (!d->pending) {
			errno = 0;
			d->pending = readdir(d->dp);
			if (!d->pending) {
				err = errno;
				break;
			}
		}
		name = d->pending->d_name;
		next_off = telldir(d->dp);
		if (next_off < 0) {
			err = errno;
			break;
		}
		memset(&e, 0, sizeof(e));
		e.attr.st_ino = d->pending->d_ino;
		e.attr.st_mode = (mode_t)d->pending->d_type << 12;
		if (plus) {
			need = fuse_add_direntry_plus(req, NULL, 0, name, &e, next_off);
			if (need > size - used)
				break;
			/* "." and ".." never take a lookup reference: the kernel does not count them. */
			if (!lo_is_dot_or_dotdot(name) && lo_do_lookup(lo, dir, name, &e) < 0) {
				memset(&e, 0, sizeof(e));
				e.attr.st_ino = d->pending->d_ino;
				e.attr.st_mode = (mode_t)d->pending->d_type << 12;
			}
			(void)fuse_add_direntry_plus(req, buf + used, size - used, name, &e, next_off);
		} else {
			need = fuse_add_direntry(req, NULL, 0, name, &e.attr, next_off);
			if (need > size - used)
				break;
			(void)fuse_add_direntry(req, buf + used, size - used, name, &e.attr, next_off);
		}
		used += need;
		d->pending = NULL;
		d->offset = next_off;
	}
	/* An error after some entries is reported by the next call, which starts where this ended. */
	if (err && used == 0)
		(void)fuse_reply_err(req, err);
	else
		(void)fuse_reply_buf(req, buf, used);
	free(buf);
}

static void lo_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	lo_do_readdir(req, ino, size, off, fi, false);
}

static void lo_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	lo_do_readdir(req, ino, size, off, fi, true);
}

static void lo_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lo_dir *d = lo_dir(fi);

	(void)closedir(d->dp);
	free(d);
	(void)fuse_reply_err(req, 0);
}

static void lo_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = dirfd(lo_dir(fi)->dp);
	int r = datasync ? fdatasync(fd) : fsync(fd);

	(void)fuse_reply_err(req, r < 0 ? errno : 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

/*
 * Flags for the backing open. With the writeback cache the kernel may read pages of a file
 * opened write-only and does O_APPEND itself. O_DIRECT is dropped because request payloads sit
 * in library buffers of arbitrary alignment; the kernel already bypasses its cache for it.
 */
static int lo_open_flags(const struct lo_data *lo, int flags)
{
	flags &= ~(O_NOFOLLOW | O_DIRECT);
	if (lo->writeback) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags | O_CLOEXEC;
}

/* Takes ownership of fd; returns 0 with fi->fh set, or a positive errno (fd closed). */
static int lo_attach_file(struct lo_data *lo, struct lo_inode *inode, int fd,
			  struct fuse_file_info *fi)
{
	struct lo_file *f = calloc(1, sizeof(*f));

	if (!f) {
		(void)close(fd);
		return ENOMEM;
	}
	f->fd = fd;
	f->inode = inode;
	(void)pthread_mutex_lock(&lo->mutex);
	f->next = inode->files;
	inode->files = f;
	(void)pthread_mutex_unlock(&lo->mutex);
	fi->fh = (uint64_t)(uintptr_t)f;
	if (lo->cache == LO_CACHE_NEVER)
		fi->direct_io = 1;
	else if (lo->cache == LO_CACHE_ALWAYS)
		fi->keep_cache = 1;
	return 0;
}

static void lo_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct lo_data *lo = lo_data(req);
	struct lo_inode *dir = lo_inode(req, parent);
	struct fuse_entry_param e;
	int err;
	int fd;

	fd = openat(dir->fd, name, lo_open_flags(lo, fi->flags) | O_CREAT, mode);
	if (fd < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	err = lo_do_lookup(lo, dir, name, &e);
	if (err < 0) {
		(void)close(fd);
		(void)fuse_reply_err(req, -err);
		return;
	}
	err = lo_attach_file(lo, lo_inode(req, e.ino), fd, fi);
	if (err) {
		lo_forget_one(lo, e.ino, 1);
		(void)fuse_reply_err(req, err);
		return;
	}
	(void)fuse_reply_create(req, &e, fi);
}

#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
/*
 * open(2) with O_TMPFILE: an unnamed file in the source directory. Its inode is found like any
 * other, through its fd's /proc/self/fd entry, so that a later linkat(2) gives it a name.
 */
static void lo_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode,
		       struct fuse_file_info *fi)
{
	struct lo_data *lo = lo_data(req);
	struct lo_inode *dir = lo_inode(req, parent);
	struct lo_inode proc_dir = { .fd = lo->proc_fd };
	struct fuse_entry_param e;
	char name[32];
	int err;
	int fd;

	fd = openat(dir->fd, ".", (lo_open_flags(lo, fi->flags) & ~O_CREAT) | O_TMPFILE, mode);
	if (fd < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	(void)snprintf(name, sizeof(name), "%d", fd);
	/* /proc/self/fd/N is a magic link: follow it to the unnamed file. */
	err = lo_do_lookup_flags(lo, &proc_dir, name, 1, &e);
	if (err < 0) {
		(void)close(fd);
		(void)fuse_reply_err(req, -err);
		return;
	}
	err = lo_attach_file(lo, lo_inode(req, e.ino), fd, fi);
	if (err) {
		lo_forget_one(lo, e.ino, 1);
		(void)fuse_reply_err(req, err);
		return;
	}
	(void)fuse_reply_create(req, &e, fi);
}

/* statx(2) on the backing object, including what stat(2) cannot tell (birth time). */
static void lo_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	struct statx stx;

	if (statx(lo_fd(req, ino), "", flags | AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  (unsigned int)mask, &stx) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	(void)fuse_reply_statx(req, 0, &stx, lo_data(req)->timeout);
}
#endif

static void lo_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lo_data *lo = lo_data(req);
	struct lo_inode *inode = lo_inode(req, ino);
	char name[32];
	int err;
	int fd;

	(void)snprintf(name, sizeof(name), "%d", inode->fd);
	fd = openat(lo->proc_fd, name, lo_open_flags(lo, fi->flags));
	if (fd < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	err = lo_attach_file(lo, inode, fd, fi);
	if (err)
		(void)fuse_reply_err(req, err);
	else
		(void)fuse_reply_open(req, fi);
}

static void lo_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lo_data *lo = lo_data(req);
	struct lo_file *f = lo_file(fi);
	struct lo_file **pp;

	(void)pthread_mutex_lock(&lo->mutex);
	for (pp = &f->inode->files; *pp && *pp != f; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = f->next;
	(void)pthread_mutex_unlock(&lo->mutex);
	(void)close(f->fd);
	free(f);
	(void)fuse_reply_err(req, 0);
}

/* close() of a duplicate gives the backing filesystem its flush-on-close moment. */
static void lo_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd = dup(lo_file(fi)->fd);

	if (fd < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	(void)fuse_reply_err(req, close(fd) < 0 ? errno : 0);
}

static void lo_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = lo_file(fi)->fd;
	int r = datasync ? fdatasync(fd) : fsync(fd);

	(void)fuse_reply_err(req, r < 0 ? errno : 0);
}

static void lo_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = lo_file(fi)->fd;
	bv.buf[0].pos = off;
	(void)fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
}

static void lo_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in_buf));
	ssize_t n;

	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = lo_file(fi)->fd;
	out.buf[0].pos = off;
	n = fuse_buf_copy(&out, in_buf, 0);
	if (n < 0)
		(void)fuse_reply_err(req, (int)-n);
	else
		(void)fuse_reply_write(req, (size_t)n);
}

static void lo_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			 struct fuse_file_info *fi)
{
	int r = fallocate(lo_file(fi)->fd, mode, offset, length);

	(void)fuse_reply_err(req, r < 0 ? errno : 0);
}

static void lo_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	int r = flock(lo_file(fi)->fd, op);

	(void)fuse_reply_err(req, r < 0 ? errno : 0);
}

/*
 * POSIX locks are kept as open-file-description locks on the daemon's descriptor: each open of
 * the FUSE file is one backing open, so opens by different processes conflict as they should,
 * and a lock lives exactly as long as the open file. OFD locks report no pid, so the holder named
 * by GETLK is the last process that locked through another open of the same inode.
 */
static void lo_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct flock *lock)
{
	struct lo_data *lo = lo_data(req);
	struct lo_file *f = lo_file(fi);
	struct lo_file *p;

	lock->l_pid = 0;
	if (fcntl(f->fd, F_OFD_GETLK, lock) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	if (lock->l_type != F_UNLCK) {
		lock->l_pid = 0;
		(void)pthread_mutex_lock(&lo->mutex);
		for (p = f->inode->files; p; p = p->next)
			if (p != f && p->lock_pid) {
				lock->l_pid = p->lock_pid;
				break;
			}
		(void)pthread_mutex_unlock(&lo->mutex);
	}
	(void)fuse_reply_lock(req, lock);
}

static void lo_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct flock *lock, int sleep)
{
	struct lo_data *lo = lo_data(req);
	struct lo_file *f = lo_file(fi);

	lock->l_pid = 0;	/* OFD locks insist on it */
	if (fcntl(f->fd, sleep ? F_OFD_SETLKW : F_OFD_SETLK, lock) < 0) {
		(void)fuse_reply_err(req, errno);
		return;
	}
	if (lock->l_type != F_UNLCK) {
		(void)pthread_mutex_lock(&lo->mutex);
		f->lock_pid = fuse_req_ctx(req)->pid;
		(void)pthread_mutex_unlock(&lo->mutex);
	}
	(void)fuse_reply_err(req, 0);
}

static void lo_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			       struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len, int flags)
{
	ssize_t n = copy_file_range(lo_file(fi_in)->fd, &off_in, lo_file(fi_out)->fd, &off_out,
				    len, (unsigned int)flags);

	if (n < 0)
		(void)fuse_reply_err(req, errno);
	else
		(void)fuse_reply_write(req, (size_t)n);
}

static void lo_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	off_t r = lseek(lo_file(fi)->fd, off, whence);

	if (r < 0)
		(void)fuse_reply_err(req, errno);
	else
		(void)fuse_reply_lseek(req, r);
}

/* ------------------------------------------------------------------------------------------ */
/* Extended attributes                                                                         */

/*
 * An O_PATH descriptor has no f*xattr calls, so these go through its /proc/self/fd name. For a
 * symlink that name would reach the link's target, so symlinks get ENOTSUP rather than the
 * target's attributes.
 */
static int lo_xattr_path(fuse_req_t req, fuse_ino_t ino, char *path, size_t size)
{
	struct lo_inode *inode = lo_inode(req, ino);

	if (!lo_data(req)->xattr)
		return ENOSYS;
	if (inode->is_symlink)
		return ENOTSUP;
	lo_proc_path(path, size, inode->fd);
	return 0;
}

static void lo_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	char path[64];
	int err = lo_xattr_path(req, ino, path, sizeof(path));

	if (!err && setxattr(path, name, value, size, flags) < 0)
		err = errno;
	(void)fuse_reply_err(req, err);
}

/* Shared by get and list: size 0 asks for the length, otherwise for the bytes. */
static void lo_reply_xattr_result(fuse_req_t req, char *buf, size_t size, ssize_t n)
{
	if (n < 0)
		(void)fuse_reply_err(req, errno);
	else if (size == 0)
		(void)fuse_reply_xattr(req, (size_t)n);
	else
		(void)fuse_reply_buf(req, buf, (size_t)n);
}

static void lo_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	char path[64];
	char *buf = NULL;
	int err = lo_xattr_path(req, ino, path, sizeof(path));

	if (err)
		goto out_err;
	if (size) {
		buf = malloc(size);
		if (!buf) {
			err = ENOMEM;
			goto out_err;
		}
	}
	lo_reply_xattr_result(req, buf, size, getxattr(path, name, buf, size));
	free(buf);
	return;

out_err:
	(void)fuse_reply_err(req, err);
}

static void lo_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char path[64];
	char *buf = NULL;
	int err = lo_xattr_path(req, ino, path, sizeof(path));

	if (err)
		goto out_err;
	if (size) {
		buf = malloc(size);
		if (!buf) {
			err = ENOMEM;
			goto out_err;
		}
	}
	lo_reply_xattr_result(req, buf, size, listxattr(path, buf, size));
	free(buf);
	return;

out_err:
	(void)fuse_reply_err(req, err);
}

static void lo_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	char path[64];
	int err = lo_xattr_path(req, ino, path, sizeof(path));

	if (!err && removexattr(path, name) < 0)
		err = errno;
	(void)fuse_reply_err(req, err);
}

static const struct fuse_lowlevel_ops lo_ops = {
	.init = lo_init,
	.destroy = lo_destroy,
	.lookup = lo_lookup,
	.forget = lo_forget,
	.forget_multi = lo_forget_multi,
	.getattr = lo_getattr,
	.setattr = lo_setattr,
	.readlink = lo_readlink,
	.mknod = lo_mknod,
	.mkdir = lo_mkdir,
	.symlink = lo_symlink,
	.link = lo_link,
	.unlink = lo_unlink,
	.rmdir = lo_rmdir,
	.rename = lo_rename,
	.statfs = lo_statfs,
	.opendir = lo_opendir,
	.readdir = lo_readdir,
	.readdirplus = lo_readdirplus,
	.releasedir = lo_releasedir,
	.fsyncdir = lo_fsyncdir,
	.create = lo_create,
	.open = lo_open,
	.release = lo_release,
	.flush = lo_flush,
	.fsync = lo_fsync,
	.read = lo_read,
	.write_buf = lo_write_buf,
	.fallocate = lo_fallocate,
	.flock = lo_flock,
	.getlk = lo_getlk,
	.setlk = lo_setlk,
	.copy_file_range = lo_copy_file_range,
	.lseek = lo_lseek,
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	.tmpfile = lo_tmpfile,
	.statx = lo_statx,
#endif
	.setxattr = lo_setxattr,
	.getxattr = lo_getxattr,
	.listxattr = lo_listxattr,
	.removexattr = lo_removexattr,
};

/* ------------------------------------------------------------------------------------------ */
/* Start-up                                                                                    */

static void lo_usage(const char *prog)
{
	printf("usage: %s [options] <mountpoint>\n\n", prog);
	printf("passthrough_ll options:\n"
	       "    -o source=DIR          directory to mirror (default: /)\n"
	       "    -o writeback           use the kernel's writeback cache (default: off)\n"
	       "    -o no_writeback\n"
	       "    -o flock / no_flock    pass flock() locks to the source (default: on)\n"
	       "    -o xattr / no_xattr    pass extended attributes (default: on)\n"
	       "    -o readdirplus / no_readdirplus   (default: on)\n"
	       "    -o timeout=SECONDS     entry and attribute cache time\n"
	       "    -o cache=never|auto|always   data and metadata caching (default: auto)\n\n");
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/*
 * Every inode the kernel knows costs one O_PATH descriptor, so the soft limit would be reached
 * long before the hard one. Failing to raise it is not fatal: lookups then fail with EMFILE.
 */
static void lo_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		fuse_log(FUSE_LOG_WARNING, "passthrough_ll: cannot raise RLIMIT_NOFILE: %s\n",
			 strerror(errno));
}

/* Resolves the source to an absolute path (the session may chdir("/") when it daemonizes). */
static int lo_setup(struct lo_data *lo)
{
	char *abs;
	struct stat st;

	abs = realpath(lo->source ? lo->source : "/", NULL);
	if (!abs) {
		fprintf(stderr, "passthrough_ll: source %s: %s\n", lo->source ? lo->source : "/",
			strerror(errno));
		return -1;
	}
	free(lo->source);
	lo->source = abs;

	lo->root.fd = open(lo->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lo->root.fd < 0) {
		fprintf(stderr, "passthrough_ll: open %s: %s\n", lo->source, strerror(errno));
		return -1;
	}
	if (fstat(lo->root.fd, &st) < 0) {
		fprintf(stderr, "passthrough_ll: stat %s: %s\n", lo->source, strerror(errno));
		return -1;
	}
	lo->root.dev = st.st_dev;
	lo->root.ino = st.st_ino;
	lo->root.nlookup = 2;

	lo->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lo->proc_fd < 0) {
		fprintf(stderr, "passthrough_ll: open /proc/self/fd: %s\n", strerror(errno));
		return -1;
	}
	lo->nbuckets = 1024;
	lo->buckets = calloc(lo->nbuckets, sizeof(*lo->buckets));
	if (!lo->buckets) {
		fprintf(stderr, "passthrough_ll: out of memory\n");
		return -1;
	}
	switch (lo->cache) {
	case LO_CACHE_NEVER:
		if (!lo->timeout_set)
			lo->timeout = 0.0;
		break;
	case LO_CACHE_ALWAYS:
		if (!lo->timeout_set)
			lo->timeout = 86400.0;
		break;
	default:
		if (!lo->timeout_set)
			lo->timeout = 1.0;
		break;
	}
	if (lo->timeout < 0) {
		fprintf(stderr, "passthrough_ll: timeout must not be negative\n");
		return -1;
	}
	return 0;
}

static void lo_teardown(struct lo_data *lo)
{
	lo_destroy(lo);
	free(lo->buckets);
	if (lo->proc_fd >= 0)
		(void)close(lo->proc_fd);
	if (lo->root.fd >= 0)
		(void)close(lo->root.fd);
	free(lo->source);
	(void)pthread_mutex_destroy(&lo->mutex);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg = NULL;
	struct fuse_session *se = NULL;
	struct lo_data lo;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	memset(&lo, 0, sizeof(lo));
	lo.root.fd = -1;
	lo.proc_fd = -1;
	lo.cache = LO_CACHE_AUTO;
	lo.flock = 1;
	lo.xattr = 1;
	lo.readdirplus = 1;
	if (pthread_mutex_init(&lo.mutex, NULL) != 0) {
		fprintf(stderr, "%s: cannot initialise a mutex\n", argv[0]);
		return 1;
	}

	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_lo;
	if (opts.show_help) {
		lo_usage(argv[0]);
		ret = 0;
		goto out_lo;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		/* The next lines may come from a child (fusermount3 -V) writing to the same fd. */
		(void)fflush(stdout);
		fuse_lowlevel_version();
		ret = 0;
		goto out_lo;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "%s: no mountpoint given (see %s -h)\n", argv[0], argv[0]);
		goto out_lo;
	}
	if (fuse_opt_parse(&args, &lo, lo_opts, NULL) != 0)
		goto out_lo;
	lo.debug = opts.debug;
	lo_raise_fd_limit();
	if (lo_setup(&lo) != 0)
		goto out_lo;

	se = fuse_session_new(&args, &lo_ops, sizeof(lo_ops), &lo);
	if (!se)
		goto out_lo;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;

	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		cfg = fuse_loop_cfg_create();
		if (!cfg) {
			fprintf(stderr, "%s: cannot allocate the loop configuration\n", argv[0]);
			goto out_unmount;
		}
		fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)opts.clone_fd);
		/* UINT_MAX means "not given"; libfuse 3.14 would log it as invalid. */
		if (opts.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(cfg, opts.max_idle_threads);
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		ret = fuse_session_loop_mt(se, cfg);
	}
	ret = ret != 0 ? 1 : 0;

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_lo:
	if (cfg)
		fuse_loop_cfg_destroy(cfg);
	lo_teardown(&lo);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
