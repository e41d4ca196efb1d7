/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The high-level (path-based) libfuse 3 API: struct fuse_operations, struct fuse_config,
 * the fuse object's life cycle (fuse_new, fuse_mount, fuse_loop, fuse_main), the per-request
 * context, and the fuse_fs_* stacking interface for filesystem modules. Names, prototypes,
 * layouts and FUSE_USE_VERSION switches follow libfuse 3.18 (libfuse3.so.4, the default) or,
 * with -DRINGFUSE_ABI=314, libfuse 3.14 (libfuse3.so.3); see fuse_common.h.
 */
#ifndef FUSE_H_
#define FUSE_H_

/** @file
 * High-level API: the library keeps the inode table and calls the filesystem with paths.
 */

#include "fuse_common.h"

#include <fcntl.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A mounted high-level filesystem (opaque). */
struct fuse;
#if RINGFUSE_ABI >= 318
struct statx;
#endif

/** Flags passed to the readdir() operation. */
enum fuse_readdir_flags {
	/** a plain READDIR (name from libfuse 3.17) */
	FUSE_READDIR_DEFAULTS = 0,
	/** the kernel asked for READDIRPLUS: the filler may be given full attributes */
	FUSE_READDIR_PLUS = (1 << 0)
};

/** Flags the readdir() operation passes to the filler. */
enum fuse_fill_dir_flags {
	/** @c stbuf holds only st_ino and the file type (name from libfuse 3.17) */
	FUSE_FILL_DIR_DEFAULTS = 0,
	/** @c stbuf holds full attributes, usable for READDIRPLUS */
	FUSE_FILL_DIR_PLUS = (1 << 1)
};

/**
 * Add one entry to a readdir() answer.
 *
 * @param buf the opaque buffer given to readdir()
 * @param name entry name
 * @param stbuf attributes (only st_ino and the type bits of st_mode unless FUSE_FILL_DIR_PLUS),
 *        may be NULL
 * @param off offset of the next entry, or 0 to let the library page the listing
 * @return 0 while there is room, 1 when the buffer is full
 */
typedef int (*fuse_fill_dir_t) (void *buf, const char *name,
				const struct stat *stbuf, off_t off,
				enum fuse_fill_dir_flags flags);

/**
 * Behaviour of the high-level library; filled from the command line and adjustable in the
 * init() operation.
 */
struct fuse_config {
	/** report @c gid as the group of every file */
	int set_gid;
	/** group reported when @c set_gid */
	unsigned int gid;
	/** report @c uid as the owner of every file */
	int set_uid;
	/** owner reported when @c set_uid */
	unsigned int uid;
	/** apply @c umask to every file's mode */
	int set_mode;
	/** mask applied when @c set_mode */
	unsigned int umask;
	/** seconds names are cached */
	double entry_timeout;
	/** seconds failed lookups are cached (0: not at all) */
	double negative_timeout;
	/** seconds attributes are cached */
	double attr_timeout;
	/** allow operations to be interrupted */
	int intr;
	/** signal sent to a thread whose operation is interrupted */
	int intr_signal;
	/** seconds inodes are remembered after the kernel forgot them (-1: forever) */
	int remember;
	/** delete unlinked open files at once instead of hiding them */
	int hard_remove;
	/** use st_ino from the filesystem as the inode number */
	int use_ino;
	/** with !use_ino, try to fill in d_ino in readdir */
	int readdir_ino;
	/** bypass the page cache for all files */
	int direct_io;
	/** never invalidate cached data on open */
	int kernel_cache;
	/** invalidate cached data when mtime or size changed */
	int auto_cache;
#if RINGFUSE_ABI == 314
	/** do not flush read-only files on close */
	int no_rofd_flush;
#endif
	/** @c ac_attr_timeout was given */
	int ac_attr_timeout_set;
	/** seconds attributes are cached when checking for auto_cache */
	double ac_attr_timeout;
	/** operations accept a NULL path when a file handle is given */
	int nullpath_ok;
	/** print help (set by the library) */
	int show_help;
	/** module list (library use) */
	char *modules;
	/** print debugging output */
	int debug;
#if RINGFUSE_ABI >= 318
	/* libfuse 3.17 moved no_rofd_flush here and added the fields after it. */
	/** with @c set_mode: mask applied to regular files' modes (-o fmask=) */
	unsigned int fmask;
	/** with @c set_mode: mask applied to directories' modes (-o dmask=) */
	unsigned int dmask;
	/** do not flush read-only files on close */
	int no_rofd_flush;
	/** allow concurrent direct writes to one file (-o parallel_direct_writes) */
	int parallel_direct_writes;
	/** the library's own flags; leave alone */
	unsigned int flags;
	/** reserved; zero */
	uint64_t reserved[48];
#endif
};

/**
 * Operations of a path-based filesystem.
 *
 * Each returns 0 or a positive count on success and -errno on failure, except where noted.
 * Unset operations fail with -ENOSYS (or get a harmless default).
 */
struct fuse_operations {
	/** stat(2); @p fi is NULL unless the file is open */
	int (*getattr) (const char *, struct stat *, struct fuse_file_info *fi);
	/** readlink(2) into a NUL-terminated buffer of the given size */
	int (*readlink) (const char *, char *, size_t);
	/** mknod(2) */
	int (*mknod) (const char *, mode_t, dev_t);
	/** mkdir(2) */
	int (*mkdir) (const char *, mode_t);
	/** unlink(2) */
	int (*unlink) (const char *);
	/** rmdir(2) */
	int (*rmdir) (const char *);
	/** symlink(2): target, then link path */
	int (*symlink) (const char *, const char *);
	/** rename(2) with RENAME_* flags */
	int (*rename) (const char *, const char *, unsigned int flags);
	/** link(2) */
	int (*link) (const char *, const char *);
	/** chmod(2) */
	int (*chmod) (const char *, mode_t, struct fuse_file_info *fi);
	/** chown(2) */
	int (*chown) (const char *, uid_t, gid_t, struct fuse_file_info *fi);
	/** truncate(2) */
	int (*truncate) (const char *, off_t, struct fuse_file_info *fi);
	/** open(2); may set fi->fh and the caching bits */
	int (*open) (const char *, struct fuse_file_info *);
	/** read; returns the byte count */
	int (*read) (const char *, char *, size_t, off_t,
		     struct fuse_file_info *);
	/** write; returns the byte count */
	int (*write) (const char *, const char *, size_t, off_t,
		      struct fuse_file_info *);
	/** statvfs(3) */
	int (*statfs) (const char *, struct statvfs *);
	/** each close(2) of a descriptor */
	int (*flush) (const char *, struct fuse_file_info *);
	/** last close of an open file; the return value is ignored */
	int (*release) (const char *, struct fuse_file_info *);
	/** fsync(2); non-zero second argument: data only */
	int (*fsync) (const char *, int, struct fuse_file_info *);
	/** setxattr(2) */
	int (*setxattr) (const char *, const char *, const char *, size_t, int);
	/** getxattr(2) */
	int (*getxattr) (const char *, const char *, char *, size_t);
	/** listxattr(2) */
	int (*listxattr) (const char *, char *, size_t);
	/** removexattr(2) */
	int (*removexattr) (const char *, const char *);
	/** opendir(3) */
	int (*opendir) (const char *, struct fuse_file_info *);
	/** list a directory through the filler */
	int (*readdir) (const char *, void *, fuse_fill_dir_t, off_t,
			struct fuse_file_info *, enum fuse_readdir_flags);
	/** closedir(3) */
	int (*releasedir) (const char *, struct fuse_file_info *);
	/** fsync(2) on a directory */
	int (*fsyncdir) (const char *, int, struct fuse_file_info *);
	/** called before any operation; the result becomes fuse_context.private_data */
	void *(*init) (struct fuse_conn_info *conn,
		       struct fuse_config *cfg);
	/** called when the filesystem exits */
	void (*destroy) (void *private_data);
	/** access(2) */
	int (*access) (const char *, int);
	/** create and open a file */
	int (*create) (const char *, mode_t, struct fuse_file_info *);
	/** POSIX locks: F_GETLK, F_SETLK, F_SETLKW */
	int (*lock) (const char *, struct fuse_file_info *, int cmd,
		     struct flock *);
	/** utimensat(2) */
	int (*utimens) (const char *, const struct timespec tv[2],
			struct fuse_file_info *fi);
	/** block mapping (block devices only) */
	int (*bmap) (const char *, size_t blocksize, uint64_t *idx);
#if FUSE_USE_VERSION < 35
	/** ioctl(2) */
	int (*ioctl) (const char *, int cmd, void *arg,
		      struct fuse_file_info *, unsigned int flags, void *data);
#else
	/** ioctl(2) */
	int (*ioctl) (const char *, unsigned int cmd, void *arg,
		      struct fuse_file_info *, unsigned int flags, void *data);
#endif
	/** poll(2); keep @p ph for fuse_notify_poll() */
	int (*poll) (const char *, struct fuse_file_info *,
		     struct fuse_pollhandle *ph, unsigned *reventsp);
	/** write from a buffer vector */
	int (*write_buf) (const char *, struct fuse_bufvec *buf, off_t off,
			  struct fuse_file_info *);
	/** read into a buffer vector the operation allocates */
	int (*read_buf) (const char *, struct fuse_bufvec **bufp,
			 size_t size, off_t off, struct fuse_file_info *);
	/** flock(2) */
	int (*flock) (const char *, struct fuse_file_info *, int op);
	/** fallocate(2) */
	int (*fallocate) (const char *, int, off_t, off_t,
			  struct fuse_file_info *);
	/** copy_file_range(2); returns the byte count */
	ssize_t (*copy_file_range) (const char *path_in,
				    struct fuse_file_info *fi_in,
				    off_t offset_in, const char *path_out,
				    struct fuse_file_info *fi_out,
				    off_t offset_out, size_t size, int flags);
	/** lseek(2); returns the new offset */
	off_t (*lseek) (const char *, off_t off, int whence, struct fuse_file_info *);
#if RINGFUSE_ABI >= 318
	/**
	 * statx(2): fill @p stxbuf with at least the fields @p mask asks for (STATX_*);
	 * @p flags are the AT_STATX_* sync flags, @p fi is set when the file is open. Without
	 * it the library answers statx from getattr().
	 */
	int (*statx) (const char *path, int flags, int mask, struct statx *stxbuf,
		      struct fuse_file_info *fi);
#endif
};

/** The calling context of an operation (see fuse_get_context()). */
struct fuse_context {
	/** the filesystem */
	struct fuse *fuse;
	/** effective user id of the caller */
	uid_t uid;
	/** effective group id of the caller */
	gid_t gid;
	/** thread id of the caller */
	pid_t pid;
	/** what init() returned */
	void *private_data;
	/** umask of the caller */
	mode_t umask;
};

/**
 * Run a filesystem from main(): parse the command line, mount, loop and clean up.
 *
 * Evaluates to 0 on success and non-zero on failure.
 */
#if RINGFUSE_ABI == 314
#define fuse_main(argc, argv, op, private_data)				\
	fuse_main_real(argc, argv, op, sizeof(*(op)), private_data)
#else
/* The library side of fuse_main(); call fuse_main(). */
int fuse_main_real_versioned(int argc, char *argv[], const struct fuse_operations *op,
			     size_t op_size, struct libfuse_version *version,
			     void *user_data);

#ifndef RINGFUSE_LIBRARY_BUILD
/* As libfuse 3.17: the call carries the version of the headers it was compiled with. */
static inline int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op,
				 size_t op_size, void *user_data)
{
	struct libfuse_version version = { FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION,
					   FUSE_HOTFIX_VERSION, 0 };

	return fuse_main_real_versioned(argc, argv, op, op_size, &version, user_data);
}

static inline int fuse_main_fn(int argc, char *argv[], const struct fuse_operations *op,
			       void *user_data)
{
	return fuse_main_real(argc, argv, op, sizeof(*op), user_data);
}
#define fuse_main(argc, argv, op, user_data) fuse_main_fn(argc, argv, op, user_data)
#endif
#endif

/** Print the options of the high-level library (and of requested modules). */
void fuse_lib_help(struct fuse_args *args);

#if RINGFUSE_ABI >= 318
/*
 * The library side of fuse_new(), API 3.0 (help printed by fuse_new) and 3.1 on; call
 * fuse_new().
 */
struct fuse *_fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
			  size_t op_size, struct libfuse_version *version, void *user_data);
struct fuse *_fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
			  size_t op_size, struct libfuse_version *version, void *user_data);
#endif

#if RINGFUSE_ABI >= 318 && !defined(RINGFUSE_LIBRARY_BUILD)
/* As libfuse 3.17: the call carries the version of the headers it was compiled with. */
static inline struct fuse *fuse_new_fn(struct fuse_args *args,
				       const struct fuse_operations *op,
				       size_t op_size, void *user_data)
{
	struct libfuse_version version = { FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION,
					   FUSE_HOTFIX_VERSION, 0 };

#if FUSE_USE_VERSION == 30
	return _fuse_new_30(args, op, op_size, &version, user_data);
#else
	return _fuse_new_31(args, op, op_size, &version, user_data);
#endif
}
#define fuse_new(args, op, size, data) fuse_new_fn(args, op, size, data)
#elif FUSE_USE_VERSION == 30
struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
			 size_t op_size, void *private_data);
#define fuse_new(args, op, size, data) fuse_new_30(args, op, size, data)
#else
#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
/**
 * Create a filesystem object from @p op (of @p op_size bytes as the caller compiled it).
 *
 * Prints help and returns NULL when @p args contain --help; NULL on error.
 */
struct fuse *fuse_new(struct fuse_args *args, const struct fuse_operations *op,
		      size_t op_size, void *private_data);
#else
struct fuse *fuse_new_31(struct fuse_args *args,
			 const struct fuse_operations *op,
			 size_t op_size, void *user_data);
#define fuse_new(args, op, size, data) fuse_new_31(args, op, size, data)
#endif
#endif

/** Mount @p f at @p mountpoint; 0 on success, -1 on failure. */
int fuse_mount(struct fuse *f, const char *mountpoint);

/** Unmount @p f. */
void fuse_unmount(struct fuse *f);

/** Destroy @p f (after fuse_unmount()). */
void fuse_destroy(struct fuse *f);

/** Single-threaded loop; returns as fuse_session_loop(). */
int fuse_loop(struct fuse *f);

/** Make the loop of @p f return. */
void fuse_exit(struct fuse *f);

#if FUSE_USE_VERSION < 32
int fuse_loop_mt_31(struct fuse *f, int clone_fd);
#define fuse_loop_mt(f, clone_fd) fuse_loop_mt_31(f, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config *config);
#define fuse_loop_mt(f, config) fuse_loop_mt_32(f, config)
#else
#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
/**
 * Multi-threaded loop; operations run concurrently on worker threads.
 *
 * @param config from fuse_loop_cfg_create(), or NULL for defaults
 */
int fuse_loop_mt(struct fuse *f, struct fuse_loop_config *config);
#else
#define fuse_loop_mt(f, config) fuse_loop_mt_312(f, config)
#endif
#endif

/** @return the context of the operation running on this thread */
struct fuse_context *fuse_get_context(void);

/** Supplementary groups of the caller; as fuse_req_getgroups(). */
int fuse_getgroups(int size, gid_t list[]);

/** @return 1 when the current operation was interrupted */
int fuse_interrupted(void);

/** Drop the kernel's cache of @p path; 0, or -errno (-ENOENT when not cached). */
int fuse_invalidate_path(struct fuse *f, const char *path);

#if RINGFUSE_ABI == 314 || defined(RINGFUSE_LIBRARY_BUILD)
/** Implementation of fuse_main(); use the macro. */
int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op,
		   size_t op_size, void *private_data);
#endif

/** Start the thread that forgets stale inodes (for the remember option). */
int fuse_start_cleanup_thread(struct fuse *fuse);

/** Stop the thread started by fuse_start_cleanup_thread(). */
void fuse_stop_cleanup_thread(struct fuse *fuse);

/** Forget stale inodes now; returns seconds until the next run is due. */
int fuse_clean_cache(struct fuse *fuse);

/**
 * @defgroup fuse_fs Stacking interface
 * A filesystem object with its operations; modules wrap one fuse_fs in another and call
 * the next one down through these functions, which return as the operation would.
 * @{
 */

/** A filesystem in a module stack (opaque). */
struct fuse_fs;

int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
		    struct fuse_file_info *fi);
int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath,
		   const char *newpath, unsigned int flags);
int fuse_fs_unlink(struct fuse_fs *fs, const char *path);
int fuse_fs_rmdir(struct fuse_fs *fs, const char *path);
int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname,
		    const char *path);
int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath);
int fuse_fs_release(struct fuse_fs *fs, const char *path,
		    struct fuse_file_info *fi);
int fuse_fs_open(struct fuse_fs *fs, const char *path,
		 struct fuse_file_info *fi);
int fuse_fs_read(struct fuse_fs *fs, const char *path, char *buf, size_t size,
		 off_t off, struct fuse_file_info *fi);
int fuse_fs_read_buf(struct fuse_fs *fs, const char *path,
		     struct fuse_bufvec **bufp, size_t size, off_t off,
		     struct fuse_file_info *fi);
int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *buf,
		  size_t size, off_t off, struct fuse_file_info *fi);
int fuse_fs_write_buf(struct fuse_fs *fs, const char *path,
		      struct fuse_bufvec *buf, off_t off,
		      struct fuse_file_info *fi);
int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync,
		  struct fuse_file_info *fi);
int fuse_fs_flush(struct fuse_fs *fs, const char *path,
		  struct fuse_file_info *fi);
int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf);
int fuse_fs_opendir(struct fuse_fs *fs, const char *path,
		    struct fuse_file_info *fi);
int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf,
		    fuse_fill_dir_t filler, off_t off,
		    struct fuse_file_info *fi, enum fuse_readdir_flags flags);
int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync,
		     struct fuse_file_info *fi);
int fuse_fs_releasedir(struct fuse_fs *fs, const char *path,
		       struct fuse_file_info *fi);
int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode,
		   struct fuse_file_info *fi);
int fuse_fs_lock(struct fuse_fs *fs, const char *path,
		 struct fuse_file_info *fi, int cmd, struct flock *lock);
int fuse_fs_flock(struct fuse_fs *fs, const char *path,
		  struct fuse_file_info *fi, int op);
int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode,
		  struct fuse_file_info *fi);
int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
		  struct fuse_file_info *fi);
int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size,
		     struct fuse_file_info *fi);
int fuse_fs_utimens(struct fuse_fs *fs, const char *path,
		    const struct timespec tv[2], struct fuse_file_info *fi);
int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask);
int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf,
		     size_t len);
int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode,
		  dev_t rdev);
int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode);
int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name,
		     const char *value, size_t size, int flags);
int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name,
		     char *value, size_t size);
int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list,
		      size_t size);
int fuse_fs_removexattr(struct fuse_fs *fs, const char *path,
			const char *name);
int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize,
		 uint64_t *idx);
#if FUSE_USE_VERSION < 35
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, int cmd,
		  void *arg, struct fuse_file_info *fi, unsigned int flags,
		  void *data);
#else
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd,
		  void *arg, struct fuse_file_info *fi, unsigned int flags,
		  void *data);
#endif
int fuse_fs_poll(struct fuse_fs *fs, const char *path,
		 struct fuse_file_info *fi, struct fuse_pollhandle *ph,
		 unsigned *reventsp);
int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode,
		      off_t offset, off_t length, struct fuse_file_info *fi);
ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
				struct fuse_file_info *fi_in, off_t off_in,
				const char *path_out,
				struct fuse_file_info *fi_out, off_t off_out,
				size_t len, int flags);
off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off, int whence,
		    struct fuse_file_info *fi);
#if RINGFUSE_ABI >= 318
int fuse_fs_statx(struct fuse_fs *fs, const char *path, int flags, int mask,
		  struct statx *stxbuf, struct fuse_file_info *fi);
#endif
/** Call the init() of @p fs. */
void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn,
		  struct fuse_config *cfg);
/** Call the destroy() of @p fs and free it. */
void fuse_fs_destroy(struct fuse_fs *fs);

/** Wake a poller; as fuse_lowlevel_notify_poll(). */
int fuse_notify_poll(struct fuse_pollhandle *ph);

/** Wrap @p op in a new filesystem object; NULL on failure. */
struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size,
			    void *private_data);

/** A module's constructor: builds a filesystem on top of @p fs[0]. */
typedef struct fuse_fs *(*fuse_module_factory_t)(struct fuse_args *args,
						 struct fuse_fs *fs[]);

/** Register a module factory under @p name_ (for -o modules=name_). */
#define FUSE_REGISTER_MODULE(name_, factory_) \
	fuse_module_factory_t fuse_module_ ## name_ ## _factory = factory_

/** @} */

/** @return the low-level session behind @p f */
struct fuse_session *fuse_get_session(struct fuse *f);

/** Mount @p mountpoint with @p options and return the /dev/fuse fd, or -1. */
int fuse_open_channel(const char *mountpoint, const char *options);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_H_ */
