/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state of passthrough_hp and its inode table (passthrough_hp_inodes.c), kept apart from
 * the request handlers in passthrough_hp.c so that each file stays readable.
 * It owns the table keyed by the source's (st_dev, st_ino) with the kernel's lookup counts,
 * and the bounded cache of O_PATH descriptors behind it: an inode is remembered by its file
 * handle, evicted descriptors are reopened with open_by_handle_at(), and only inodes without a
 * usable handle keep a descriptor for their whole life.
 */
#ifndef PASSTHROUGH_HP_INODES_H
#define PASSTHROUGH_HP_INODES_H

#include <fuse_lowlevel.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define HP_PROC_PATH_MAX 64
#define HP_DIRBUF_SIZE (64 * 1024)

struct hp_inode {
	dev_t dev;
	ino_t ino;
	/* the kernel's lookup count; guarded by the table lock */
	uint64_t nlookup;
	/* st_ctim when last found to be the object at (dev, ino); guarded by the table lock */
	struct timespec ctime;
	/* its number now names another object: never found by it again, still in the table
	 * (so that shutdown frees it) until the kernel forgets it; guarded by the table lock */
	bool stale;
	/* hash chain; guarded by the table lock */
	struct hp_inode *hnext;

	/* guards fd, users, in_cache, backing_id and pt_opens */
	pthread_mutex_t lock;
	/* O_PATH descriptor, or -1 while evicted (reopened from @handle on demand) */
	int fd;
	/* requests currently using @fd; an fd in use is never evicted */
	unsigned int users;
	/* set on use, cleared by the eviction clock: a second chance for hot inodes */
	atomic_bool referenced;
	/* no usable file handle: the fd stays open for the inode's whole life */
	bool pinned;
	/* on the fd cache ring; the ring links are guarded by the cache lock */
	bool in_cache;
	struct hp_inode *cnext, *cprev;
	/* forgotten: on the graveyard list (grave_lock) since @died (CLOCK_MONOTONIC ms) */
	struct hp_inode *gnext;
	long long died;

	/* FUSE passthrough: one backing id per inode while any passthrough open exists, because
	 * the kernel refuses two different backing files for one inode */
	int backing_id;
	unsigned int pt_opens;

	struct file_handle *handle;
};

struct hp_dir {
	pthread_mutex_t lock;
	int fd;
	off_t offset;           /* directory offset of the next entry in buf (or of the fd) */
	size_t pos, len;
	char buf[HP_DIRBUF_SIZE];
};

/* per-thread read buffer of the /dev/fuse path (see hp_read) */
struct hp_rbuf {
	size_t size;
	char data[];
};

struct hp_opts {
	bool debug;
	bool splice;
	bool single;
	bool nocache;
	bool clone_fd;
	bool direct_io;
	bool writeback;
	bool passthrough;
	bool killpriv;
	bool stats;
	bool no_xattr;
	char *source_opt;       /* from -o source=PATH */
	unsigned int nthreads;
	double entry_timeout;
	double attr_timeout;
	long fd_cache;
};

struct hp_fs {
	struct hp_opts o;
	char *source;
	int mount_fd;           /* directory fd of the source, for open_by_handle_at */
	int root_mount_id;
	bool handles_ok;        /* the source supports file handles and we may open them */
	struct hp_inode root;

	pthread_mutex_t table_lock;
	struct hp_inode **buckets;
	size_t nbuckets;
	size_t ninodes;

	/*
	 * Forgotten inodes wait here before they are freed: a request whose caller was killed is
	 * abandoned by the kernel, which may then forget the inode while a worker still serves
	 * that request (and RELEASE and FORGET of one inode can run on two workers at once).
	 */
	pthread_mutex_t grave_lock;
	struct hp_inode *grave_head, *grave_tail;

	pthread_mutex_t cache_lock;
	struct hp_inode *cache_hand;    /* clock hand on the ring of inodes holding an fd */
	long cached;
	long cache_limit;

	pthread_key_t rbuf_key;
	bool rbuf_key_ok;
	atomic_llong last_emfile_log;
	atomic_ullong n_getxattr;
	atomic_ullong n_reopen;
	atomic_ullong n_reused_ino;     /* entries retired: their number now names another object */
	atomic_ullong n_ring_reads;
	bool passthrough_on;    /* negotiated in init() */
};

static inline struct hp_fs *hp_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static inline struct hp_inode *hp_inode(struct hp_fs *fs, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fs->root;
	return (struct hp_inode *)(uintptr_t)ino;
}

/*
 * fh of a regular file: the fd in the low 32 bits, plus flags the release and write paths need
 * (whether this open holds a passthrough reference, whether the file had set-id bits).
 */
#define HP_FH_PASSTHROUGH (1ULL << 32)
#define HP_FH_SETID (1ULL << 33)

static inline int hp_fh_fd(const struct fuse_file_info *fi)
{
	return (int)(uint32_t)fi->fh;
}

/* ---- passthrough_hp_inodes.c ---- */
void hp_note_fd_error(struct hp_fs *fs, int err);
void cache_evict(struct hp_fs *fs, long want);
int inode_fd_get(struct hp_fs *fs, struct hp_inode *in);
void inode_fd_put(struct hp_inode *in);
void hp_proc_path(char *buf, int fd);
void inode_free(struct hp_fs *fs, struct hp_inode *in);
int inode_ref_from_fd(struct hp_fs *fs, int fd, const struct stat *st, bool keep_fd,
		      struct hp_inode **out);
void hp_entry_init(struct hp_fs *fs, struct fuse_entry_param *e);
int hp_do_lookup(struct hp_fs *fs, int pfd, const char *name, struct fuse_entry_param *e);
void grave_reap(struct hp_fs *fs, bool all);
void hp_unref(struct hp_fs *fs, struct hp_inode *in, uint64_t n);

#endif
