/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private header of the high-level (path-based, fuse.h) API. It defines struct fuse and
 * struct fuse_fs, the node table that maps kernel node ids to (parent, name) pairs, and the
 * cross-file helpers of lib/highlevel/. The high-level layer is a client of the public
 * low-level API only: nothing here reaches into session internals.
 *
 * Locking, outermost first:
 *   fuse->tree_lock (rwlock, path.c)  shared while a path built from the table is in use by a
 *                                     filesystem call; exclusive while a call changes names
 *                                     (rename, unlink, rmdir), so no one uses a stale path.
 *   hl_nodetab.lock (mutex, node.c)   the hash tables and every field of every node.
 *   fuse->cleanup_lock                the cleanup thread's state.
 */
#ifndef RINGFUSE_HIGHLEVEL_I_H
#define RINGFUSE_HIGHLEVEL_I_H

/*
 * The library is compiled against the newest API (unsigned ioctl command, the opaque
 * fuse_loop_config); older ABIs are reached through the explicit _30/_31/_32 entry points.
 */
#undef FUSE_USE_VERSION
#define FUSE_USE_VERSION RINGFUSE_ABI

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "fuse.h"
#include "fuse_lowlevel.h"

/* Versioned entry points; declared here because fuse.h hides them behind macros. */
struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
			 size_t op_size, void *private_data);
struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
			 size_t op_size, void *private_data);
int fuse_loop_mt_31(struct fuse *f, int clone_fd);
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config_v1 *config_v1);
int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config);
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);

#define HL_ROOT_ID 1
/* Node ids are 32 bit (a 32-bit st_ino must hold them); never this one, readdir's "unknown". */
#define HL_UNKNOWN_INO 0xffffffffu

struct fuse_fs {
	struct fuse_operations op;
	void *user_data;
	bool debug;
};

/* A POSIX lock granted through this mount (for GETLK answers and dropping at flush). */
struct hl_lock {
	struct hl_lock *next;
	short type;		/* F_RDLCK or F_WRLCK */
	off_t start, end;	/* inclusive; end == OFF_MAX: to end of file */
	pid_t pid;
	uint64_t owner;		/* the kernel's lock owner id */
};

/*
 * One node per (parent, name) the kernel knows about. A node is in the id hash for its whole
 * life and in the name hash while it has a name (unlinked nodes lose theirs). It is freed when
 * the kernel has forgotten it (nlookup == 0), nothing references it (refctr == 0: each named
 * child holds one reference on its parent) and it is not open.
 */
struct hl_node {
	struct hl_node *id_next;	/* id hash chain */
	struct hl_node *name_next;	/* name hash chain */
	struct hl_node *parent;		/* NULL for the root and unnamed nodes */
	char *name;			/* NULL once unlinked (or removed by rename) */
	uint64_t nodeid;
	uint64_t generation;
	uint64_t nlookup;		/* lookups the kernel holds */
	unsigned int refctr;		/* named children */
	unsigned int open_count;	/* open file handles (for hiding on unlink) */
	bool hidden;			/* renamed to .fuse_hidden* while open */
	struct hl_lock *locks;		/* POSIX locks held through this mount */
	/* auto_cache: the size and mtime of the last attributes seen */
	bool cache_valid;
	struct timespec stat_updated;
	struct timespec mtime;
	off_t size;
	/* remember=T: nodes the kernel forgot wait on this list for T seconds */
	struct hl_node *lru_prev, *lru_next;
	struct timespec forget_time;
};

struct hl_hash {
	struct hl_node **buckets;
	size_t size;	/* power of two */
	size_t count;
};

struct hl_nodetab {
	pthread_mutex_t lock;
	struct hl_hash ids;
	struct hl_hash names;
	uint32_t ctr;		/* last node id handed out */
	uint64_t generation;	/* bumped whenever ctr wraps, so (id, generation) stays unique */
	uint32_t hidectr;
	int remember;		/* 0: forget at once, -1: never, >0 seconds */
	struct hl_node lru;	/* list head of forgotten-but-remembered nodes */
	size_t nodes;
	uint64_t name_inserts;	/* statistics: rename must cost one insert */
};

struct fuse {
	struct fuse_session *se;
	struct fuse_fs *fs;
	struct fuse_config conf;
	struct hl_nodetab nt;
	pthread_rwlock_t tree_lock;
	bool conf_nullpath_opt;		/* -o nullpath_ok given */
	bool intr_installed;
	struct sigaction old_intr_sa;
	/* cleanup thread (remember=T) */
	pthread_mutex_t cleanup_lock;
	pthread_cond_t cleanup_cond;
	pthread_t cleanup_thread;
	bool cleanup_running;
	bool cleanup_stop;
};

/* Per-thread view of the request being served (fuse_get_context and friends). */
struct hl_context {
	struct fuse_context ctx;
	fuse_req_t req;
};

/* node.c: the table. Every function takes nt->lock itself. */
int fuse__nt_init(struct hl_nodetab *nt, int remember);
void fuse__nt_destroy(struct hl_nodetab *nt);
int fuse__nt_lookup(struct hl_nodetab *nt, uint64_t parent, const char *name,
		    uint64_t *nodeid, uint64_t *generation);
int fuse__nt_find(struct hl_nodetab *nt, uint64_t parent, const char *name, uint64_t *nodeid);
void fuse__nt_forget(struct hl_nodetab *nt, uint64_t nodeid, uint64_t nlookup);
int fuse__nt_remove(struct hl_nodetab *nt, uint64_t parent, const char *name);
int fuse__nt_rename(struct hl_nodetab *nt, uint64_t olddir, const char *oldname,
		    uint64_t newdir, const char *newname, bool hide);
int fuse__nt_path(struct hl_nodetab *nt, uint64_t nodeid, const char *name, char **path);
int fuse__nt_parent(struct hl_nodetab *nt, uint64_t nodeid, uint64_t *parent);
bool fuse__nt_exists(struct hl_nodetab *nt, uint64_t nodeid);
int fuse__nt_open(struct hl_nodetab *nt, uint64_t nodeid);
int fuse__nt_close(struct hl_nodetab *nt, uint64_t nodeid);
uint64_t fuse__nt_claim_closed_hidden(struct hl_nodetab *nt, uint64_t dir, const char *hidden);
void fuse__nt_unname(struct hl_nodetab *nt, uint64_t nodeid, bool drop_open);
int fuse__nt_ref(struct hl_nodetab *nt, uint64_t nodeid);
int fuse__nt_exchange(struct hl_nodetab *nt, uint64_t dir1, const char *name1, uint64_t dir2,
		      const char *name2);
bool fuse__nt_is_open(struct hl_nodetab *nt, uint64_t parent, const char *name);
bool fuse__nt_is_hidden(struct hl_nodetab *nt, uint64_t parent, const char *name);
bool fuse__nt_is_hidden_id(struct hl_nodetab *nt, uint64_t nodeid);
int fuse__nt_hidden_name(struct hl_nodetab *nt, uint64_t parent, const char *name,
			 char *buf, size_t len);
int fuse__nt_clean(struct hl_nodetab *nt, const struct timespec *now);
int fuse__nt_lookup_path(struct hl_nodetab *nt, const char *path, uint64_t *nodeid);
int fuse__nt_hidden_paths(struct hl_nodetab *nt, char ***paths, size_t *count);
/* POSIX locks recorded per node */
int fuse__nt_lock_conflict(struct hl_nodetab *nt, uint64_t nodeid, uint64_t owner,
			   struct flock *lk);
int fuse__nt_lock_record(struct hl_nodetab *nt, uint64_t nodeid, uint64_t owner,
			 const struct flock *lk);
/* auto_cache bookkeeping */
void fuse__nt_update_stat(struct hl_nodetab *nt, uint64_t nodeid, const struct stat *st,
			  const struct timespec *now);
bool fuse__nt_cache_check(struct hl_nodetab *nt, uint64_t nodeid, const struct timespec *now,
			  double timeout, bool *need_stat);
bool fuse__nt_cache_set(struct hl_nodetab *nt, uint64_t nodeid, bool valid);
/* test hooks */
size_t fuse__nt_count(struct hl_nodetab *nt);
void fuse__nt_set_ctr(struct hl_nodetab *nt, uint32_t ctr);
uint64_t fuse__nt_nlookup(struct hl_nodetab *nt, uint64_t nodeid);
uint64_t fuse__nt_name_inserts(struct hl_nodetab *nt);

/* path.c: paths for filesystem calls, under the tree lock. */
int fuse__tree_lock_init(struct fuse *f);
int fuse__get_path(struct fuse *f, uint64_t nodeid, const char *name, char **path, bool wr);
int fuse__get_path2(struct fuse *f, uint64_t n1, const char *name1, uint64_t n2,
		    const char *name2, char **path1, char **path2, bool wr);
void fuse__put_path(struct fuse *f, char *path1, char *path2);
int fuse__get_path_nullok(struct fuse *f, uint64_t nodeid, char **path);
void fuse__put_path_nullok(struct fuse *f, char *path);
int fuse__get_path2_nullok(struct fuse *f, uint64_t n1, uint64_t n2, char **path1,
			   char **path2);
void fuse__put_path2_nullok(struct fuse *f, char *path1, char *path2);
#define HL_HIDDEN_NAME_MAX 64
int fuse__hide_node(struct fuse *f, const char *oldpath, uint64_t dir, const char *name,
		    char *hidden, size_t hidden_len);
void fuse__unhide_node(struct fuse *f, const char *path, uint64_t dir, const char *name,
		       const char *hidden);

/* fs_ops.c */
void fuse__free_bufvec(struct fuse_bufvec *bv);

/* opts.c */
int fuse__parse_config(struct fuse *f, struct fuse_args *args);

/* fuse.c: the low-level operations table and the per-request context */
extern const struct fuse_lowlevel_ops fuse__hl_ops;
struct fuse *fuse__req_fuse(fuse_req_t req);
void fuse__reply_err(fuse_req_t req, int err);
void fuse__reply_done(void);
void fuse__set_context(fuse_req_t req, struct fuse *f);
void fuse__clear_context(void);
struct hl_context *fuse__context(void);
void fuse__fill_entry_times(struct fuse *f, struct fuse_entry_param *e);
void fuse__fix_attr(struct fuse *f, uint64_t nodeid, struct stat *st);
int fuse__lookup_path(struct fuse *f, uint64_t parent, const char *name, const char *path,
		      struct fuse_entry_param *e, struct fuse_file_info *fi);

/* dir.c: directory listings, auto_cache, the cleanup thread */
void fuse__ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fuse__ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi);
void fuse__ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi);
void fuse__ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fuse__ll_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
uint64_t fuse__dir_fs_fh(struct fuse_file_info *fi);
void fuse__open_auto_cache(struct fuse *f, uint64_t nodeid, const char *path,
			   struct fuse_file_info *fi);
void fuse__update_stat(struct fuse *f, uint64_t nodeid, const struct stat *st);
int fuse__cleanup_init(struct fuse *f);
void fuse__cleanup_fini(struct fuse *f);

/* xattr.c: extended attributes */
void fuse__ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		       size_t size, int flags);
void fuse__ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void fuse__ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void fuse__ll_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
