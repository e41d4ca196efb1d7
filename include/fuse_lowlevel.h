/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The low-level (inode-based) libfuse 3 API: the request handlers a filesystem provides
 * (struct fuse_lowlevel_ops), the fuse_reply_* functions that answer them, notifications to
 * the kernel, request context, command-line helpers and the session life cycle. Names,
 * prototypes, layouts and FUSE_USE_VERSION switches follow libfuse 3.18 (libfuse3.so.4, the
 * default) or, with -DRINGFUSE_ABI=314, libfuse 3.14 (libfuse3.so.3), so that users of either
 * compile and link unchanged (see fuse_common.h). The functions at the end carry upstream
 * libfuse's 3.17/3.18 names (FUSE passthrough, FUSE over io-uring) in both.
 */
#ifndef FUSE_LOWLEVEL_H_
#define FUSE_LOWLEVEL_H_

/** @file
 * Low-level API: the filesystem sees inode numbers and answers each request itself.
 *
 * Every handler of struct fuse_lowlevel_ops must answer its request exactly once, with a
 * fuse_reply_* function (possibly later, from another thread), except forget() and
 * forget_multi(), which answer with fuse_reply_none().
 */

#ifndef FUSE_USE_VERSION
#error "FUSE_USE_VERSION must be defined before including <fuse_lowlevel.h>"
#endif

#include "fuse_common.h"

#include <stdbool.h>
#include <stddef.h>
#include <utime.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Inode number of the filesystem's root directory. */
#define FUSE_ROOT_ID 1

/** Inode number as seen by the kernel. */
typedef uint64_t fuse_ino_t;

/** One request from the kernel; valid until it is answered. */
typedef struct fuse_req *fuse_req_t;

struct fuse_session;
#if RINGFUSE_ABI >= 318
struct statx;
#endif

/**
 * Answer to a lookup, create, mknod, mkdir, symlink or link.
 */
struct fuse_entry_param {
	/**
	 * Inode number of the entry; 0 in a lookup reply means a negative entry cached for
	 * @c entry_timeout.
	 */
	fuse_ino_t ino;

	/** generation number; (ino, generation) must be unique over the filesystem's lifetime */
	uint64_t generation;

	/** attributes of the inode; st_ino is ignored in favour of @c ino */
	struct stat attr;

	/** seconds the kernel may cache @c attr */
	double attr_timeout;

	/** seconds the kernel may cache the name -> inode mapping */
	double entry_timeout;
};

/**
 * Identity of the process that caused a request.
 */
struct fuse_ctx {
	/** effective user id */
	uid_t uid;

	/** effective group id */
	gid_t gid;

	/** thread id */
	pid_t pid;

	/** umask of the process (valid when the kernel supports it) */
	mode_t umask;
};

/** One entry of a batched forget. */
struct fuse_forget_data {
	/** inode whose lookup count drops */
	fuse_ino_t ino;

	/** by how much */
	uint64_t nlookup;
};

/**
 * Replacement I/O functions for a session whose fd is not /dev/fuse (see
 * fuse_session_custom_io()). Each returns what the system call it replaces would, or -errno.
 */
struct fuse_custom_io {
	/** send a reply (replaces writev(2)) */
	ssize_t (*writev)(int fd, struct iovec *iov, int count, void *userdata);

	/** receive a request (replaces read(2)) */
	ssize_t (*read)(int fd, void *buf, size_t buf_len, void *userdata);

	/** receive into a pipe (replaces splice(2) from the fd); may be NULL */
	ssize_t (*splice_receive)(int fdin, off_t *offin, int fdout,
				  off_t *offout, size_t len,
				  unsigned int flags, void *userdata);

	/** send from a pipe (replaces splice(2) to the fd); may be NULL */
	ssize_t (*splice_send)(int fdin, off_t *offin, int fdout,
			       off_t *offout, size_t len,
			       unsigned int flags, void *userdata);
#if RINGFUSE_ABI >= 318

	/**
	 * Open another fd of the same connection for a worker thread (replaces the clone of
	 * /dev/fuse with -o clone_fd); returns the new fd or -1. May be NULL. API 3.17.
	 */
	int (*clone_fd)(int master_fd);
#endif
};

#if RINGFUSE_ABI == 314
/** Flags of fuse_lowlevel_notify_expire_entry(). */
enum fuse_expire_flags {
	/** only mark the entry as expired instead of removing it (FUSE_CAP_EXPIRE_ONLY) */
	FUSE_LL_EXPIRE_ONLY	= (1 << 0),
};
#else
/** How a notified directory entry is dropped (libfuse 3.18 names). */
enum fuse_notify_entry_flags {
	/** remove the entry from the kernel's cache */
	FUSE_LL_INVALIDATE	= 0,
	/** only mark the entry as expired (FUSE_CAP_EXPIRE_ONLY) */
	FUSE_LL_EXPIRE_ONLY	= (1 << 0),
};
#endif

/**
 * @defgroup setattr_flags setattr() to_set flags
 * Which fields of the @c attr argument of setattr() are to be applied.
 * @{
 */
#define FUSE_SET_ATTR_MODE	(1 << 0)	/**< st_mode */
#define FUSE_SET_ATTR_UID	(1 << 1)	/**< st_uid */
#define FUSE_SET_ATTR_GID	(1 << 2)	/**< st_gid */
#define FUSE_SET_ATTR_SIZE	(1 << 3)	/**< st_size */
#define FUSE_SET_ATTR_ATIME	(1 << 4)	/**< st_atim */
#define FUSE_SET_ATTR_MTIME	(1 << 5)	/**< st_mtim */
#define FUSE_SET_ATTR_ATIME_NOW	(1 << 7)	/**< atime to the current time */
#define FUSE_SET_ATTR_MTIME_NOW	(1 << 8)	/**< mtime to the current time */
#define FUSE_SET_ATTR_FORCE	(1 << 9)	/**< reserved (kernel-internal) */
#define FUSE_SET_ATTR_CTIME	(1 << 10)	/**< st_ctim */
#define FUSE_SET_ATTR_KILL_SUID	(1 << 11)	/**< clear set-user-id */
#define FUSE_SET_ATTR_KILL_SGID	(1 << 12)	/**< clear set-group-id */
#define FUSE_SET_ATTR_FILE	(1 << 13)	/**< reserved (kernel-internal) */
#define FUSE_SET_ATTR_KILL_PRIV	(1 << 14)	/**< clear privileges */
#define FUSE_SET_ATTR_OPEN	(1 << 15)	/**< reserved (kernel-internal) */
#define FUSE_SET_ATTR_TIMES_SET	(1 << 16)	/**< reserved (kernel-internal) */
#define FUSE_SET_ATTR_TOUCH	(1 << 17)	/**< reserved (kernel-internal) */
/** @} */

/**
 * Request handlers of a low-level filesystem.
 *
 * Any handler may be NULL; the library then answers with a sensible default (mostly ENOSYS).
 * Handlers run on the loop's threads and must answer their request exactly once.
 */
struct fuse_lowlevel_ops {
	/** Called once before any request; the filesystem may adjust @p conn. */
	void (*init) (void *userdata, struct fuse_conn_info *conn);

	/** Called once when the session ends. */
	void (*destroy) (void *userdata);

	/** Look up @p name in @p parent; reply with fuse_reply_entry() or an error. */
	void (*lookup) (fuse_req_t req, fuse_ino_t parent, const char *name);

	/** Drop @p nlookup references to @p ino; reply with fuse_reply_none(). */
	void (*forget) (fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);

	/** Get attributes; reply with fuse_reply_attr(). @p fi may be NULL. */
	void (*getattr) (fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi);

	/** Change the attributes named by @p to_set (FUSE_SET_ATTR_*); reply with fuse_reply_attr(). */
	void (*setattr) (fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			 int to_set, struct fuse_file_info *fi);

	/** Read a symlink; reply with fuse_reply_readlink(). */
	void (*readlink) (fuse_req_t req, fuse_ino_t ino);

	/** Create a node; reply with fuse_reply_entry(). */
	void (*mknod) (fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, dev_t rdev);

	/** Create a directory; reply with fuse_reply_entry(). */
	void (*mkdir) (fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode);

	/** Remove a file; reply with fuse_reply_err() (0 on success). */
	void (*unlink) (fuse_req_t req, fuse_ino_t parent, const char *name);

	/** Remove a directory; reply with fuse_reply_err(). */
	void (*rmdir) (fuse_req_t req, fuse_ino_t parent, const char *name);

	/** Create a symlink to @p link; reply with fuse_reply_entry(). */
	void (*symlink) (fuse_req_t req, const char *link, fuse_ino_t parent,
			 const char *name);

	/** Rename; @p flags are RENAME_EXCHANGE/RENAME_NOREPLACE; reply with fuse_reply_err(). */
	void (*rename) (fuse_req_t req, fuse_ino_t parent, const char *name,
			fuse_ino_t newparent, const char *newname,
			unsigned int flags);

	/** Create a hard link; reply with fuse_reply_entry(). */
	void (*link) (fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		      const char *newname);

	/** Open a file; reply with fuse_reply_open(). */
	void (*open) (fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi);

	/** Read data; reply with fuse_reply_buf(), fuse_reply_iov() or fuse_reply_data(). */
	void (*read) (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi);

	/** Write data; reply with fuse_reply_write(). */
	void (*write) (fuse_req_t req, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off, struct fuse_file_info *fi);

	/** Called on each close(2) of a file descriptor; reply with fuse_reply_err(). */
	void (*flush) (fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi);

	/** Called when the last reference to an open file goes; reply with fuse_reply_err(). */
	void (*release) (fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi);

	/** Synchronise file contents (only data when @p datasync); reply with fuse_reply_err(). */
	void (*fsync) (fuse_req_t req, fuse_ino_t ino, int datasync,
		       struct fuse_file_info *fi);

	/** Open a directory; reply with fuse_reply_open(). */
	void (*opendir) (fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi);

	/** Read directory entries (fuse_add_direntry()); reply with fuse_reply_buf(). */
	void (*readdir) (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi);

	/** Release an open directory; reply with fuse_reply_err(). */
	void (*releasedir) (fuse_req_t req, fuse_ino_t ino,
			    struct fuse_file_info *fi);

	/** Synchronise directory contents; reply with fuse_reply_err(). */
	void (*fsyncdir) (fuse_req_t req, fuse_ino_t ino, int datasync,
			  struct fuse_file_info *fi);

	/** Filesystem statistics; reply with fuse_reply_statfs(). */
	void (*statfs) (fuse_req_t req, fuse_ino_t ino);

	/** Set an extended attribute; reply with fuse_reply_err(). */
	void (*setxattr) (fuse_req_t req, fuse_ino_t ino, const char *name,
			  const char *value, size_t size, int flags);

	/** Get an extended attribute; reply with fuse_reply_buf() or, for size 0, fuse_reply_xattr(). */
	void (*getxattr) (fuse_req_t req, fuse_ino_t ino, const char *name,
			  size_t size);

	/** List extended attributes; reply like getxattr(). */
	void (*listxattr) (fuse_req_t req, fuse_ino_t ino, size_t size);

	/** Remove an extended attribute; reply with fuse_reply_err(). */
	void (*removexattr) (fuse_req_t req, fuse_ino_t ino, const char *name);

	/** Check access(2) permissions; reply with fuse_reply_err(). */
	void (*access) (fuse_req_t req, fuse_ino_t ino, int mask);

	/** Create and open a file; reply with fuse_reply_create(). */
	void (*create) (fuse_req_t req, fuse_ino_t parent, const char *name,
			mode_t mode, struct fuse_file_info *fi);

	/** Test for a POSIX lock; reply with fuse_reply_lock(). */
	void (*getlk) (fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi, struct flock *lock);

	/** Acquire or release a POSIX lock, waiting when @p sleep; reply with fuse_reply_err(). */
	void (*setlk) (fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi,
		       struct flock *lock, int sleep);

	/** Map a block index (block devices only); reply with fuse_reply_bmap(). */
	void (*bmap) (fuse_req_t req, fuse_ino_t ino, size_t blocksize,
		      uint64_t idx);

#if FUSE_USE_VERSION < 35
	/** ioctl(2); reply with fuse_reply_ioctl() or fuse_reply_ioctl_retry(). */
	void (*ioctl) (fuse_req_t req, fuse_ino_t ino, int cmd,
		       void *arg, struct fuse_file_info *fi, unsigned flags,
		       const void *in_buf, size_t in_bufsz, size_t out_bufsz);
#else
	/** ioctl(2); reply with fuse_reply_ioctl() or fuse_reply_ioctl_retry(). */
	void (*ioctl) (fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		       void *arg, struct fuse_file_info *fi, unsigned flags,
		       const void *in_buf, size_t in_bufsz, size_t out_bufsz);
#endif

	/** poll(2); keep @p ph for fuse_lowlevel_notify_poll(); reply with fuse_reply_poll(). */
	void (*poll) (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		      struct fuse_pollhandle *ph);

	/** Write data given as a buffer vector (possibly a pipe); reply with fuse_reply_write(). */
	void (*write_buf) (fuse_req_t req, fuse_ino_t ino,
			   struct fuse_bufvec *bufv, off_t off,
			   struct fuse_file_info *fi);

	/** Data returned for fuse_lowlevel_notify_retrieve(); reply with fuse_reply_none(). */
	void (*retrieve_reply) (fuse_req_t req, void *cookie, fuse_ino_t ino,
				off_t offset, struct fuse_bufvec *bufv);

	/** Batched forget; reply with fuse_reply_none(). */
	void (*forget_multi) (fuse_req_t req, size_t count,
			      struct fuse_forget_data *forgets);

	/** BSD flock(2); reply with fuse_reply_err(). */
	void (*flock) (fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi, int op);

	/** Allocate or punch space (fallocate(2)); reply with fuse_reply_err(). */
	void (*fallocate) (fuse_req_t req, fuse_ino_t ino, int mode,
			   off_t offset, off_t length, struct fuse_file_info *fi);

	/** Read entries with attributes (fuse_add_direntry_plus()); reply with fuse_reply_buf(). */
	void (*readdirplus) (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			     struct fuse_file_info *fi);

	/** copy_file_range(2) between two open files; reply with fuse_reply_write(). */
	void (*copy_file_range) (fuse_req_t req, fuse_ino_t ino_in,
				 off_t off_in, struct fuse_file_info *fi_in,
				 fuse_ino_t ino_out, off_t off_out,
				 struct fuse_file_info *fi_out, size_t len,
				 int flags);

	/** lseek(2) with SEEK_DATA/SEEK_HOLE; reply with fuse_reply_lseek(). */
	void (*lseek) (fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		       struct fuse_file_info *fi);
#if RINGFUSE_ABI >= 318

	/**
	 * Create an unnamed file in directory @p parent (open(2) with O_TMPFILE); reply with
	 * fuse_reply_create(). Without this handler the kernel is told ENOSYS once and stops
	 * asking.
	 */
	void (*tmpfile) (fuse_req_t req, fuse_ino_t parent,
			 mode_t mode, struct fuse_file_info *fi);

	/**
	 * statx(2): extended attributes of @p ino, @p mask saying which fields are asked for
	 * (STATX_*), @p flags the AT_STATX_* sync flags; @p fi is set when the kernel has an
	 * open file. Reply with fuse_reply_statx(). Without this handler the kernel falls back
	 * to getattr().
	 */
	void (*statx) (fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		       struct fuse_file_info *fi);
#endif
};

/**
 * @defgroup reply Replies
 * Each returns 0 on success or -errno when the reply could not be sent; the request is
 * finished either way.
 * @{
 */

/** Answer with error @p err (a positive errno, or 0 for success without data). */
int fuse_reply_err(fuse_req_t req, int err);

/** Finish a request that takes no answer (forget, forget_multi, retrieve_reply). */
void fuse_reply_none(fuse_req_t req);

/** Answer a lookup/mknod/mkdir/symlink/link with a directory entry. */
int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e);

/** Answer a create with the new entry and its open file. */
int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
		      const struct fuse_file_info *fi);

/** Answer with attributes valid for @p attr_timeout seconds. */
int fuse_reply_attr(fuse_req_t req, const struct stat *attr,
		    double attr_timeout);

/** Answer a readlink with the target string. */
int fuse_reply_readlink(fuse_req_t req, const char *link);

/** Answer an open/opendir with the file handle and flags in @p fi. */
int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi);

/** Answer a write or copy_file_range with the number of bytes written. */
int fuse_reply_write(fuse_req_t req, size_t count);

/** Answer with @p size bytes of data from @p buf. */
int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size);

/** Answer with the data of a buffer vector, which may live in file descriptors. */
int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv,
		    enum fuse_buf_copy_flags flags);

/** Answer with data gathered from @p count iovecs. */
int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count);

/** Answer a statfs. */
int fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf);

/** Answer a getxattr/listxattr of size 0 with the size needed. */
int fuse_reply_xattr(fuse_req_t req, size_t count);

/** Answer a getlk with the conflicting lock (or F_UNLCK). */
int fuse_reply_lock(fuse_req_t req, const struct flock *lock);

/** Answer a bmap with the device block index. */
int fuse_reply_bmap(fuse_req_t req, uint64_t idx);

/**
 * Append one readdir entry to @p buf.
 *
 * Only st_ino and the file type bits of st_mode are used. With @p buf NULL nothing is
 * written and the size the entry needs is returned.
 *
 * @param off offset of the next entry, passed back in a later readdir
 * @return the size of the entry; larger than @p bufsize means it did not fit
 */
size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize,
			 const char *name, const struct stat *stbuf,
			 off_t off);

/**
 * Append one readdirplus entry (name and full lookup answer) to @p buf.
 *
 * @return the size of the entry; larger than @p bufsize means it did not fit
 */
size_t fuse_add_direntry_plus(fuse_req_t req, char *buf, size_t bufsize,
			      const char *name,
			      const struct fuse_entry_param *e, off_t off);

/** Ask the kernel to retry an unrestricted ioctl with the given input/output areas. */
int fuse_reply_ioctl_retry(fuse_req_t req,
			   const struct iovec *in_iov, size_t in_count,
			   const struct iovec *out_iov, size_t out_count);

/** Answer an ioctl with @p result and @p size bytes of output. */
int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size);

/** Answer an ioctl with @p result and output gathered from iovecs. */
int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov,
			 int count);

/** Answer a poll with the ready events. */
int fuse_reply_poll(fuse_req_t req, unsigned revents);

/** Answer an lseek with the resulting offset. */
int fuse_reply_lseek(fuse_req_t req, off_t off);

#if RINGFUSE_ABI >= 318
/**
 * Answer a statx with @p statx (the fields @c stx_mask names), cached for @p attr_timeout
 * seconds. @p flags is reserved; pass 0.
 */
int fuse_reply_statx(fuse_req_t req, int flags, struct statx *statx, double attr_timeout);
#endif

/** @} */

/**
 * @defgroup notify Notifications
 * Messages the filesystem sends to the kernel on its own initiative. Each returns 0 on
 * success or -errno (-ENOSYS when the kernel does not support the notification).
 * @{
 */

/** Wake a poller registered through a poll() handler. */
int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph);

/**
 * Drop cached attributes of @p ino and its cached data in [off, off + len) (len 0: to the
 * end; off negative: attributes only).
 */
int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino,
				     off_t off, off_t len);

/** Drop the cached directory entry @p name in @p parent. */
int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent,
				     const char *name, size_t namelen);

#if RINGFUSE_ABI == 314
/** Expire (or with FUSE_LL_EXPIRE_ONLY, only mark stale) the entry @p name in @p parent. */
int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
				      const char *name, size_t namelen,
				      enum fuse_expire_flags flags);
#else
/**
 * Mark the cached entry @p name in @p parent as expired, without unhashing it (needs
 * FUSE_CAP_EXPIRE_ONLY; -ENOSYS otherwise): mounts on it stay until it is looked up again.
 */
int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
				      const char *name, size_t namelen);

/**
 * Make every cached entry and attribute of the filesystem stale at once (kernel protocol
 * 7.44; -ENOSYS on older kernels).
 */
int fuse_lowlevel_notify_increment_epoch(struct fuse_session *se);
#endif

/** Tell the kernel that entry @p name of @p parent, inode @p child, was deleted. */
int fuse_lowlevel_notify_delete(struct fuse_session *se,
				fuse_ino_t parent, fuse_ino_t child,
				const char *name, size_t namelen);

/** Push data into the kernel's page cache of @p ino at @p offset. */
int fuse_lowlevel_notify_store(struct fuse_session *se, fuse_ino_t ino,
			       off_t offset, struct fuse_bufvec *bufv,
			       enum fuse_buf_copy_flags flags);

/**
 * Ask for cached data of @p ino; it arrives through the retrieve_reply() handler with
 * @p cookie.
 */
int fuse_lowlevel_notify_retrieve(struct fuse_session *se, fuse_ino_t ino,
				  size_t size, off_t offset, void *cookie);

/** @} */

/**
 * @defgroup req Request context
 * @{
 */

/** @return the userdata given to fuse_session_new() */
void *fuse_req_userdata(fuse_req_t req);

/** @return the identity of the process behind @p req; valid until the reply */
const struct fuse_ctx *fuse_req_ctx(fuse_req_t req);

/**
 * Fill @p list with up to @p size supplementary groups of the requesting process.
 *
 * @return the number of groups the process has (may exceed @p size), or -errno
 */
int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[]);

/** Called when the kernel interrupts a request. */
typedef void (*fuse_interrupt_func_t)(fuse_req_t req, void *data);

/**
 * Register @p func to run when @p req is interrupted (immediately, if it already was);
 * NULL unregisters.
 */
void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func,
			     void *data);

/** @return 1 when @p req has been interrupted, else 0 */
int fuse_req_interrupted(fuse_req_t req);

/** @} */

/**
 * @defgroup helpers Command line and session
 * @{
 */

/** Print the versions of the library and the kernel interface. */
void fuse_lowlevel_version(void);

/** Print the options understood by fuse_session_new(). */
void fuse_lowlevel_help(void);

/** Print the options understood by fuse_parse_cmdline(). */
void fuse_cmdline_help(void);

/** Result of fuse_parse_cmdline(). */
struct fuse_cmdline_opts {
	/** -s: run the single-threaded loop */
	int singlethread;

	/** -f: stay in the foreground */
	int foreground;

	/** -d / -o debug */
	int debug;

	/** -o nodefault_subtype */
	int nodefault_subtype;

	/** the mountpoint (allocated; free(3) it) */
	char *mountpoint;

	/** -V / --version */
	int show_version;

	/** -h / --help */
	int show_help;

	/** -o clone_fd */
	int clone_fd;

	/** -o max_idle_threads= */
	unsigned int max_idle_threads;

	/** -o max_threads= (since 3.12) */
	unsigned int max_threads;
};

#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
/**
 * Parse the generic options (-f, -s, -d, -h, -V, -o clone_fd, ...) and the mountpoint out
 * of @p args; what is left stays in @p args.
 *
 * @return 0 on success, -1 on failure
 */
int fuse_parse_cmdline(struct fuse_args *args,
		       struct fuse_cmdline_opts *opts);
#else
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_parse_cmdline_30(struct fuse_args *args,
			  struct fuse_cmdline_opts *opts);
#define fuse_parse_cmdline(args, opts) fuse_parse_cmdline_30(args, opts)
#else
int fuse_parse_cmdline_312(struct fuse_args *args,
			   struct fuse_cmdline_opts *opts);
#define fuse_parse_cmdline(args, opts) fuse_parse_cmdline_312(args, opts)
#endif
#endif

/**
 * Create a session.
 *
 * @param args session options (-o ...); unknown ones are an error
 * @param op handlers; @p op_size is sizeof(*op) as the caller compiled it
 * @param userdata passed to init() and available through fuse_req_userdata()
 * @return the session, or NULL on failure
 */
#if RINGFUSE_ABI == 314 || defined(RINGFUSE_LIBRARY_BUILD)
struct fuse_session *fuse_session_new(struct fuse_args *args,
				      const struct fuse_lowlevel_ops *op,
				      size_t op_size, void *userdata);
#endif

#if RINGFUSE_ABI >= 318
/* The library side of fuse_session_new(); call fuse_session_new(). */
struct fuse_session *fuse_session_new_versioned(struct fuse_args *args,
						const struct fuse_lowlevel_ops *op,
						size_t op_size, struct libfuse_version *version,
						void *userdata);

#ifndef RINGFUSE_LIBRARY_BUILD
/* As libfuse 3.17: the call carries the version of the headers it was compiled with. */
static inline struct fuse_session *
fuse_session_new_fn(struct fuse_args *args, const struct fuse_lowlevel_ops *op,
		    size_t op_size, void *userdata)
{
	struct libfuse_version version = { FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION,
					   FUSE_HOTFIX_VERSION, 0 };

	return fuse_session_new_versioned(args, op, op_size, &version, userdata);
}
#define fuse_session_new(args, op, op_size, userdata) \
	fuse_session_new_fn(args, op, op_size, userdata)
#endif
#endif

#if RINGFUSE_ABI == 314
/**
 * Use @p io instead of read/writev/splice on @p fd, which replaces /dev/fuse.
 *
 * @return 0 on success, -errno on failure
 */
int fuse_session_custom_io(struct fuse_session *se,
			   const struct fuse_custom_io *io, int fd);
#else
/**
 * Use @p io instead of read/writev/splice on @p fd, which replaces /dev/fuse. @p op_size is
 * how much of struct fuse_custom_io the caller knows (the inline wrappers pass it).
 *
 * @return 0 on success, -errno on failure
 */
int fuse_session_custom_io_317(struct fuse_session *se, const struct fuse_custom_io *io,
			       size_t op_size, int fd);

#ifndef RINGFUSE_LIBRARY_BUILD
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
static inline int fuse_session_custom_io(struct fuse_session *se,
					 const struct fuse_custom_io *io, size_t op_size, int fd)
{
	return fuse_session_custom_io_317(se, io, op_size, fd);
}
#else
static inline int fuse_session_custom_io(struct fuse_session *se,
					 const struct fuse_custom_io *io, int fd)
{
	/* Programs of API < 3.17 know the structure up to splice_send. */
	return fuse_session_custom_io_317(se, io, offsetof(struct fuse_custom_io, clone_fd), fd);
}
#endif
#endif
#endif

/**
 * Mount the session at @p mountpoint (or adopt "/dev/fd/N" passed by a parent).
 *
 * @return 0 on success, -1 on failure
 */
int fuse_session_mount(struct fuse_session *se, const char *mountpoint);

/**
 * Process requests on the calling thread until the session exits.
 *
 * @return 0 on a normal exit, -errno on failure, or a signal number when one ended it
 */
int fuse_session_loop(struct fuse_session *se);

#if FUSE_USE_VERSION < 32
int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);
#define fuse_session_loop_mt(se, clone_fd) fuse_session_loop_mt_31(se, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config *config);
#define fuse_session_loop_mt(se, config) fuse_session_loop_mt_32(se, config)
#else
#if defined(LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS)
/**
 * Process requests with a pool of worker threads until the session exits.
 *
 * @param config thread settings from fuse_loop_cfg_create(), or NULL for defaults
 * @return as fuse_session_loop()
 */
int fuse_session_loop_mt(struct fuse_session *se, struct fuse_loop_config *config);
#else
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);
#define fuse_session_loop_mt(se, config) fuse_session_loop_mt_312(se, config)
#endif
#endif

/** Make the loops of @p se return; safe from a signal handler. */
void fuse_session_exit(struct fuse_session *se);

/** Clear the exited state so that a loop can run again. */
void fuse_session_reset(struct fuse_session *se);

/** @return non-zero once fuse_session_exit() was called or the connection ended */
int fuse_session_exited(struct fuse_session *se);

/** Unmount the session's mountpoint (nothing if not mounted). */
void fuse_session_unmount(struct fuse_session *se);

/** Destroy the session (calling destroy() if init() ran). */
void fuse_session_destroy(struct fuse_session *se);

/** @return the session's /dev/fuse file descriptor, or -1 when not mounted */
int fuse_session_fd(struct fuse_session *se);

/** Dispatch one raw request from @p buf, as read by fuse_session_receive_buf(). */
void fuse_session_process_buf(struct fuse_session *se,
			      const struct fuse_buf *buf);

/**
 * Read one raw request into @p buf (allocating buf->mem when NULL).
 *
 * @return the request size, 0 when the session ended, or -errno
 */
int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf);

/** @} */

/**
 * @defgroup ringfuse_ll Passthrough and io-uring requests
 * Functions absent from libfuse 3.14, with the names and meanings of later upstream libfuse
 * (3.17: FUSE passthrough, 3.18: FUSE over io-uring). libfuse3.so.4 exports them in
 * libfuse's nodes FUSE_3.17 and FUSE_3.18; libfuse3.so.3 in RINGFUSE_0.1, so a program built
 * for the 3.14 ABI that uses them needs ringfuse.
 * @{
 */

/**
 * Register @p fd as the backing file of a file about to be opened (FUSE_CAP_PASSTHROUGH).
 *
 * Store the result in fuse_file_info.backing_id before fuse_reply_open() or
 * fuse_reply_create(); the kernel then does reads and writes on @p fd without the daemon.
 *
 * @return the backing id (> 0), or a value <= 0 on failure
 */
int fuse_passthrough_open(fuse_req_t req, int fd);

/**
 * Release a backing id obtained from fuse_passthrough_open().
 *
 * @return 0 on success, -errno on failure
 */
int fuse_passthrough_close(fuse_req_t req, int backing_id);

/** @return true when @p req arrived over the io-uring transport */
bool fuse_req_is_uring(fuse_req_t req);

/**
 * Get the transport's payload buffer of @p req, so a handler can place reply data there
 * without a copy.
 *
 * @param payload set to the buffer
 * @param payload_sz set to its size
 * @param mr set to the buffer's memory registration, if any (may be NULL)
 * @return 0 on success; -EINVAL when @p req did not arrive over io-uring (as upstream);
 *         -ENOTSUP when the library was built without io-uring support
 */
int fuse_req_get_payload(fuse_req_t req, char **payload, size_t *payload_sz,
			 void **mr);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* FUSE_LOWLEVEL_H_ */
