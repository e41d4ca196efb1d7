/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * passthrough_hp's inode table: the table keyed by the source's (st_dev, st_ino) with the
 * kernel's lookup counts, and the bounded cache of O_PATH descriptors behind it (see
 * passthrough_hp_inodes.h).
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

/* Running out of descriptors is reported once per ten seconds, not once per request. */
void hp_note_fd_error(struct hp_fs *fs, int err)
{
	struct timespec now;
	long long last;

	if (err != -EMFILE && err != -ENFILE)
		return;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return;
	last = atomic_load(&fs->last_emfile_log);
	if (last != 0 && now.tv_sec - last < 10)
		return;
	if (atomic_compare_exchange_strong(&fs->last_emfile_log, &last, (long long)now.tv_sec))
		fprintf(stderr, "passthrough_hp: out of file descriptors (%s); requests fail until "
			"some are released\n", strerror(-err));
}

/* ---------------------------------------------------------------- fd cache */

static void cache_unlink_locked(struct hp_fs *fs, struct hp_inode *in)
{
	if (!in->in_cache)
		return;
	if (in->cnext == in) {
		fs->cache_hand = NULL;
	} else {
		in->cprev->cnext = in->cnext;
		in->cnext->cprev = in->cprev;
		if (fs->cache_hand == in)
			fs->cache_hand = in->cnext;
	}
	in->cnext = in->cprev = NULL;
	in->in_cache = false;
	fs->cached--;
}

static void cache_link_locked(struct hp_fs *fs, struct hp_inode *in)
{
	struct hp_inode *h = fs->cache_hand;

	if (h == NULL) {
		in->cnext = in->cprev = in;
		fs->cache_hand = in;
	} else {
		/* insert just behind the hand, so a new entry gets a full turn before eviction */
		in->cnext = h;
		in->cprev = h->cprev;
		h->cprev->cnext = in;
		h->cprev = in;
	}
	in->in_cache = true;
	fs->cached++;
}

/*
 * Close descriptors of idle inodes until the cache is back under its limit (or, with force,
 * close up to @want of them to make room after EMFILE). Inode locks are only try-locked here:
 * the regular order is inode lock, then cache lock, and eviction runs the other way round.
 */
void cache_evict(struct hp_fs *fs, long want)
{
	long steps, closed = 0;

	pthread_mutex_lock(&fs->cache_lock);
	steps = 2 * fs->cached + 2;
	while (fs->cache_hand != NULL && steps-- > 0 &&
	       (fs->cached > fs->cache_limit || closed < want)) {
		struct hp_inode *in = fs->cache_hand;

		fs->cache_hand = in->cnext;
		if (atomic_exchange(&in->referenced, false))
			continue;
		if (pthread_mutex_trylock(&in->lock) != 0)
			continue;
		if (in->users == 0 && in->fd >= 0 && !in->pinned) {
			cache_unlink_locked(fs, in);
			(void)close(in->fd);
			in->fd = -1;
			closed++;
		}
		pthread_mutex_unlock(&in->lock);
	}
	pthread_mutex_unlock(&fs->cache_lock);
}

/* Adopt @fd as the inode's cached descriptor (caller holds in->lock and in->fd < 0). */
static bool inode_adopt_fd_locked(struct hp_fs *fs, struct hp_inode *in, int fd)
{
	bool over;

	in->fd = fd;
	if (in->pinned)
		return false;
	pthread_mutex_lock(&fs->cache_lock);
	cache_link_locked(fs, in);
	over = fs->cached > fs->cache_limit;
	pthread_mutex_unlock(&fs->cache_lock);
	return over;
}

/*
 * Get an O_PATH descriptor of the inode, reopening it from its handle when it was evicted.
 * Returns the fd (valid until inode_fd_put) or -errno.
 */
int inode_fd_get(struct hp_fs *fs, struct hp_inode *in)
{
	int fd, tries;
	bool over = false;

	pthread_mutex_lock(&in->lock);
	if (in->fd >= 0) {
		in->users++;
		fd = in->fd;
		pthread_mutex_unlock(&in->lock);
		atomic_store_explicit(&in->referenced, true, memory_order_relaxed);
		return fd;
	}
	if (in->handle == NULL) {
		pthread_mutex_unlock(&in->lock);
		return -ESTALE;
	}
	for (tries = 0; ; tries++) {
		fd = open_by_handle_at(fs->mount_fd, in->handle, O_PATH | O_CLOEXEC);
		if (fd >= 0)
			break;
		fd = -errno;
		if ((fd != -EMFILE && fd != -ENFILE) || tries > 0) {
			pthread_mutex_unlock(&in->lock);
			hp_note_fd_error(fs, fd);
			return fd;
		}
		cache_evict(fs, 16);
	}
	atomic_fetch_add_explicit(&fs->n_reopen, 1, memory_order_relaxed);
	over = inode_adopt_fd_locked(fs, in, fd);
	in->users++;
	pthread_mutex_unlock(&in->lock);
	if (over)
		cache_evict(fs, 0);
	return fd;
}

void inode_fd_put(struct hp_inode *in)
{
	pthread_mutex_lock(&in->lock);
	in->users--;
	pthread_mutex_unlock(&in->lock);
}

void hp_proc_path(char *buf, int fd)
{
	(void)snprintf(buf, HP_PROC_PATH_MAX, "/proc/self/fd/%d", fd);
}

/* ---------------------------------------------------------------- inode table */

static size_t hp_hash(dev_t dev, ino_t ino, size_t nbuckets)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4fULL;

	h ^= h >> 29;
	return (size_t)(h & (nbuckets - 1));
}

static struct hp_inode *table_find_locked(struct hp_fs *fs, dev_t dev, ino_t ino)
{
	struct hp_inode *in;

	if (fs->root.dev == dev && fs->root.ino == ino)
		return &fs->root;
	for (in = fs->buckets[hp_hash(dev, ino, fs->nbuckets)]; in != NULL; in = in->hnext)
		if (in->dev == dev && in->ino == ino && !in->stale)
			return in;
	return NULL;
}

/* Doubling fails softly: when memory is short, chains just grow longer. */
static void table_grow_locked(struct hp_fs *fs)
{
	size_t n = fs->nbuckets * 2, i;
	struct hp_inode **nb = calloc(n, sizeof(*nb));

	if (nb == NULL)
		return;
	for (i = 0; i < fs->nbuckets; i++) {
		struct hp_inode *in = fs->buckets[i], *next;

		for (; in != NULL; in = next) {
			size_t b = hp_hash(in->dev, in->ino, n);

			next = in->hnext;
			in->hnext = nb[b];
			nb[b] = in;
		}
	}
	free(fs->buckets);
	fs->buckets = nb;
	fs->nbuckets = n;
}

static void table_insert_locked(struct hp_fs *fs, struct hp_inode *in)
{
	size_t b;

	if (fs->ninodes >= fs->nbuckets)
		table_grow_locked(fs);
	b = hp_hash(in->dev, in->ino, fs->nbuckets);
	in->hnext = fs->buckets[b];
	fs->buckets[b] = in;
	fs->ninodes++;
}

static void table_remove_locked(struct hp_fs *fs, struct hp_inode *in)
{
	struct hp_inode **pp = &fs->buckets[hp_hash(in->dev, in->ino, fs->nbuckets)];

	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == in) {
			*pp = in->hnext;
			fs->ninodes--;
			return;
		}
	}
}

/*
 * Is @in (found by the dev and inode number of the object at @name in @dirfd, or of the
 * object open as @dirfd when @at_flags has AT_EMPTY_PATH) that object, or an older one with
 * the same number? ext4 and others hand a deleted object's inode number to the next new one
 * at once, while the kernel may still hold the old node (its FORGET not sent yet); an entry
 * taken for the new object would reopen the deleted one by its handle (ESTALE) or, through a
 * cached descriptor, create files inside a deleted directory. Handles carry a generation and
 * tell the two apart; an inode without a handle keeps its descriptor, whose link count is 0
 * once its object is gone (an object that still exists cannot share its number).
 */
static bool inode_same_object(struct hp_inode *in, int dirfd, const char *name, int at_flags)
{
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} probe;
	struct stat old;
	int mount_id;
	bool same = true;

	if (in->handle != NULL) {
		probe.fh.handle_bytes = MAX_HANDLE_SZ;
		if (name_to_handle_at(dirfd, name, &probe.fh, &mount_id, at_flags) < 0)
			return true; /* cannot tell: the number is all there is */
		return probe.fh.handle_type == in->handle->handle_type &&
		       probe.fh.handle_bytes == in->handle->handle_bytes &&
		       memcmp(probe.fh.f_handle, in->handle->f_handle, probe.fh.handle_bytes) == 0;
	}
	pthread_mutex_lock(&in->lock);
	if (in->fd >= 0 && fstat(in->fd, &old) == 0 && old.st_nlink == 0)
		same = false;
	pthread_mutex_unlock(&in->lock);
	return same;
}

/*
 * Take a lookup reference on the table's inode for the object described by @st (at @name in
 * @dirfd, see inode_same_object). NULL when there is none, or when the one there was an older
 * object with the same number: that one is marked stale (the kernel's references to it stay
 * valid until their FORGET), so the caller makes a new inode.
 */
static struct hp_inode *table_ref_checked(struct hp_fs *fs, const struct stat *st, int dirfd,
					  const char *name, int at_flags)
{
	struct hp_inode *in;
	bool same;

	pthread_mutex_lock(&fs->table_lock);
	in = table_find_locked(fs, st->st_dev, st->st_ino);
	if (in != NULL)
		in->nlookup++;
	if (in == NULL || (in->ctime.tv_sec == st->st_ctim.tv_sec &&
			   in->ctime.tv_nsec == st->st_ctim.tv_nsec)) {
		pthread_mutex_unlock(&fs->table_lock);
		return in;
	}
	pthread_mutex_unlock(&fs->table_lock);

	/* changed since last seen: the same object changed, or another object (slow path) */
	same = in == &fs->root || inode_same_object(in, dirfd, name, at_flags);
	pthread_mutex_lock(&fs->table_lock);
	if (same)
		in->ctime = st->st_ctim;
	else
		in->stale = true;
	pthread_mutex_unlock(&fs->table_lock);
	if (same)
		return in;
	atomic_fetch_add_explicit(&fs->n_reused_ino, 1, memory_order_relaxed);
	hp_unref(fs, in, 1);
	return NULL;
}

void inode_free(struct hp_fs *fs, struct hp_inode *in)
{
	pthread_mutex_lock(&in->lock);
	if (in->in_cache) {
		pthread_mutex_lock(&fs->cache_lock);
		cache_unlink_locked(fs, in);
		pthread_mutex_unlock(&fs->cache_lock);
	}
	if (in->fd >= 0)
		(void)close(in->fd);
	in->fd = -1;
	pthread_mutex_unlock(&in->lock);
	pthread_mutex_destroy(&in->lock);
	free(in->handle);
	free(in);
}

/*
 * Make an inode for the object open as @fd (any kind of descriptor of it). Records its file
 * handle; keeps @fd as the cached descriptor only when @keep_fd (an O_PATH fd the caller hands
 * over), otherwise the caller keeps ownership of @fd.
 */
static int inode_new(struct hp_fs *fs, int fd, const struct stat *st, bool keep_fd,
		     struct hp_inode **out)
{
	struct hp_inode *in;
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} probe;
	struct file_handle *fh = NULL;
	int mount_id, ret;

	in = calloc(1, sizeof(*in));
	if (in == NULL)
		return -ENOMEM;
	ret = pthread_mutex_init(&in->lock, NULL);
	if (ret != 0) {
		free(in);
		return -ret;
	}
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->ctime = st->st_ctim;
	in->fd = -1;
	in->backing_id = 0;

	/* another mount below the source: mount_fd cannot open its handles, so such an
	 * inode (like one on a filesystem without handles) keeps its fd */
	probe.fh.handle_bytes = MAX_HANDLE_SZ;
	if (fs->handles_ok &&
	    name_to_handle_at(fd, "", &probe.fh, &mount_id, AT_EMPTY_PATH) == 0 &&
	    mount_id == fs->root_mount_id) {
		fh = malloc(sizeof(*fh) + probe.fh.handle_bytes);
		if (fh != NULL)
			memcpy(fh, &probe.fh, sizeof(*fh) + probe.fh.handle_bytes);
	}
	in->handle = fh;
	in->pinned = fh == NULL;
	if (in->pinned && !keep_fd) {
		/* without a handle there is no way back to the object: pin an O_PATH fd now */
		char p[HP_PROC_PATH_MAX];
		int pfd;

		/* only regular files come here (create), so following the magic link is right */
		hp_proc_path(p, fd);
		pfd = open(p, O_PATH | O_CLOEXEC);
		if (pfd < 0) {
			ret = -errno;
			hp_note_fd_error(fs, ret);
			pthread_mutex_destroy(&in->lock);
			free(in);
			return ret;
		}
		in->fd = pfd;
	} else if (keep_fd) {
		/* not yet visible to other threads: evicting (even this one) is safe here */
		if (inode_adopt_fd_locked(fs, in, fd))
			cache_evict(fs, 0);
	}
	*out = in;
	return 0;
}

/* Take one more lookup reference on the inode of (@st), making it from @fd when it is new. */
int inode_ref_from_fd(struct hp_fs *fs, int fd, const struct stat *st, bool keep_fd,
		      struct hp_inode **out)
{
	struct hp_inode *in, *fresh = NULL;
	int ret;

	in = table_ref_checked(fs, st, fd, "", AT_EMPTY_PATH);
	if (in != NULL) {
		if (keep_fd)
			(void)close(fd);
		*out = in;
		return 0;
	}
	ret = inode_new(fs, fd, st, keep_fd, &fresh);
	if (ret < 0) {
		if (keep_fd)
			(void)close(fd);
		return ret;
	}
	pthread_mutex_lock(&fs->table_lock);
	in = table_find_locked(fs, st->st_dev, st->st_ino);
	if (in != NULL) {
		/* a concurrent lookup of the same object won the race */
		in->nlookup++;
	} else {
		fresh->nlookup = 1;
		table_insert_locked(fs, fresh);
	}
	pthread_mutex_unlock(&fs->table_lock);
	if (in != NULL)
		inode_free(fs, fresh);
	else
		in = fresh;
	*out = in;
	return 0;
}

void hp_entry_init(struct hp_fs *fs, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->attr_timeout = fs->o.attr_timeout;
	e->entry_timeout = fs->o.entry_timeout;
}

/*
 * Look @name up in the directory open as @pfd and take a lookup reference on its inode. A
 * known inode costs one fstatat(); only a new one is opened (and then checked to be the object
 * that was stat'ed, since the name may have been replaced in between).
 */
int hp_do_lookup(struct hp_fs *fs, int pfd, const char *name, struct fuse_entry_param *e)
{
	struct stat st, st2;
	struct hp_inode *in;
	int fd, ret, tries;

	hp_entry_init(fs, e);
	for (tries = 0; tries < 8; tries++) {
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		in = table_ref_checked(fs, &st, pfd, name, 0);
		if (in != NULL)
			goto found;

		fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			cache_evict(fs, 16);
			fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			ret = -errno;
			hp_note_fd_error(fs, ret);
			return ret;
		}
		if (fstatat(fd, "", &st2, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
			ret = -errno;
			(void)close(fd);
			return ret;
		}
		if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
			(void)close(fd);
			continue;
		}
		st = st2;
		ret = inode_ref_from_fd(fs, fd, &st, true, &in);
		if (ret < 0)
			return ret;
		goto found;
	}
	return -ESTALE;
found:
	e->ino = (fuse_ino_t)(uintptr_t)in;
	e->attr = st;
	return 0;
}

static long long hp_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long a forgotten inode stays allocated for requests that are still being served. */
#define HP_GRACE_MS 2000

/* Free the graveyard's inodes that died long enough ago (all of them when @all). */
void grave_reap(struct hp_fs *fs, bool all)
{
	long long now = hp_now_ms();

	for (;;) {
		struct hp_inode *in;

		pthread_mutex_lock(&fs->grave_lock);
		in = fs->grave_head;
		if (in == NULL || (!all && now - in->died < HP_GRACE_MS)) {
			pthread_mutex_unlock(&fs->grave_lock);
			return;
		}
		fs->grave_head = in->gnext;
		if (fs->grave_head == NULL)
			fs->grave_tail = NULL;
		pthread_mutex_unlock(&fs->grave_lock);
		inode_free(fs, in);
	}
}

void hp_unref(struct hp_fs *fs, struct hp_inode *in, uint64_t n)
{
	bool drop = false;

	if (in == &fs->root)
		return;
	pthread_mutex_lock(&fs->table_lock);
	if (n > in->nlookup)
		n = in->nlookup;
	in->nlookup -= n;
	if (in->nlookup == 0) {
		table_remove_locked(fs, in);
		drop = true;
	}
	pthread_mutex_unlock(&fs->table_lock);
	if (!drop)
		return;
	in->died = hp_now_ms();
	in->gnext = NULL;
	pthread_mutex_lock(&fs->grave_lock);
	if (fs->grave_tail != NULL)
		fs->grave_tail->gnext = in;
	else
		fs->grave_head = in;
	fs->grave_tail = in;
	pthread_mutex_unlock(&fs->grave_lock);
	grave_reap(fs, false);
}
