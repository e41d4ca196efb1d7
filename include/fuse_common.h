/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Declarations shared by the low-level (fuse_lowlevel.h) and high-level (fuse.h) libfuse 3
 * APIs: version macros, struct fuse_file_info, struct fuse_conn_info and the FUSE_CAP_* flags,
 * the buffer vector types, the loop configuration and the signal/daemon helpers. Every layout
 * here is part of libfuse 3.14's ABI and must stay byte-for-byte identical to it (test/compat
 * checks this); ringfuse's additions only name bits and values that 3.14 left unused.
 */

/*
 * Like libfuse, refuse direct inclusion: the API version switches below only make sense after
 * fuse.h or fuse_lowlevel.h has checked FUSE_USE_VERSION.
 */
#if !defined(FUSE_H_) && !defined(FUSE_LOWLEVEL_H_)
#error "Do not include <fuse_common.h> directly; include <fuse.h> or <fuse_lowlevel.h>."
#endif

#ifndef FUSE_COMMON_H_
#define FUSE_COMMON_H_

/** @file
 * Types, flags and helpers common to the low-level and high-level APIs.
 */

#include "fuse_opt.h"
#include "fuse_log.h"
#include <stdint.h>
#include <sys/types.h>

/**
 * ringfuse always exports libfuse's versioned symbols (fuse_new@@FUSE_3.1,
 * fuse_parse_cmdline@@FUSE_3.12, ...), as Debian's libfuse does; libfuse publishes this fact
 * through the same macro, which selects the plain prototypes below.
 */
#ifndef LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS
#define LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS 1
#endif

/** Major version of the libfuse API implemented. */
#define FUSE_MAJOR_VERSION 3

/** Minor version of the libfuse API implemented. */
#define FUSE_MINOR_VERSION 14

/** Encode a version pair as one comparable number (3.12 -> 312). */
#define FUSE_MAKE_VERSION(maj, min)  ((maj) * 100 + (min))

/** The implemented API version as one number. */
#define FUSE_VERSION FUSE_MAKE_VERSION(FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION)

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Per-open-file state exchanged between the kernel, the library and the filesystem.
 *
 * The filesystem reads @c flags and may set the caching bits and @c fh in open(), create()
 * and opendir(); the library passes the same structure back with later requests on that file.
 */
struct fuse_file_info {
	/** open(2) flags; available in open(), create() and release() */
	int flags;

	/** set on writes that come from the page cache (writeback), not from a process */
	unsigned int writepage : 1;

	/** bypass the page cache for this file (set in open/create) */
	unsigned int direct_io : 1;

	/** keep already cached data of this file (set in open) */
	unsigned int keep_cache : 1;

	/** the flush() or release() should also flush data; set by the library */
	unsigned int flush : 1;

	/** the file cannot seek (pipes, sockets, ...) */
	unsigned int nonseekable : 1;

	/** release() should drop flock(2) locks owned by @c lock_owner */
	unsigned int flock_release : 1;

	/** let the kernel cache readdir results (set in opendir) */
	unsigned int cache_readdir : 1;

	/** do not send FLUSH on close(2) (set in open/create) */
	unsigned int noflush : 1;

	/** allow concurrent direct writes to the same file (name from libfuse 3.15) */
	unsigned int parallel_direct_writes : 1;

	/** unused; keeps the bit fields at 32 bits */
	unsigned int padding : 23;

	/**
	 * Backing file id for FUSE passthrough, as returned by fuse_passthrough_open() (name
	 * from libfuse 3.17). Occupies what libfuse 3.14 calls padding2, so the layout is the same.
	 */
	int32_t backing_id;

	/** file handle chosen by the filesystem in open/create/opendir */
	uint64_t fh;

	/** owner id of locks; valid in locking requests and flush() */
	uint64_t lock_owner;

	/** events the kernel waits for in poll() */
	uint32_t poll_events;
};

#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
struct fuse_loop_config_v1;

/**
 * Settings of the multi-threaded loop (API < 3.12: a public structure).
 */
struct fuse_loop_config {
#else
/**
 * Settings of the multi-threaded loop as public before 3.12. From 3.12 on, struct
 * fuse_loop_config is opaque and built with fuse_loop_cfg_create().
 */
struct fuse_loop_config_v1 {
#endif
	/** open a separate /dev/fuse fd per worker thread */
	int clone_fd;

	/** idle workers kept before extra ones exit */
	unsigned int max_idle_threads;
};

/**
 * @defgroup cap Capability flags
 * Bits of fuse_conn_info.capable (what the kernel and library offer) and fuse_conn_info.want
 * (what the filesystem asks for). Set or clear @c want in the init() handler.
 * @{
 */
/** reads may be issued asynchronously */
#define FUSE_CAP_ASYNC_READ		(1 << 0)
/** the filesystem implements POSIX (fcntl) locks */
#define FUSE_CAP_POSIX_LOCKS		(1 << 1)
/** O_TRUNC is handled by open() */
#define FUSE_CAP_ATOMIC_O_TRUNC		(1 << 3)
/** lookups of "." and ".." are supported (NFS export) */
#define FUSE_CAP_EXPORT_SUPPORT		(1 << 4)
/** the kernel does not apply the umask to creation modes */
#define FUSE_CAP_DONT_MASK		(1 << 6)
/** replies may be written with splice(2) */
#define FUSE_CAP_SPLICE_WRITE		(1 << 7)
/** pages may be moved into the page cache with splice(2) */
#define FUSE_CAP_SPLICE_MOVE		(1 << 8)
/** requests may be read with splice(2) */
#define FUSE_CAP_SPLICE_READ		(1 << 9)
/** the filesystem implements BSD flock(2) locks */
#define FUSE_CAP_FLOCK_LOCKS		(1 << 10)
/** ioctl(2) on directories is supported */
#define FUSE_CAP_IOCTL_DIR		(1 << 11)
/** cached data is invalidated when mtime or size change */
#define FUSE_CAP_AUTO_INVAL_DATA	(1 << 12)
/** READDIRPLUS is supported */
#define FUSE_CAP_READDIRPLUS		(1 << 13)
/** the kernel chooses between READDIR and READDIRPLUS */
#define FUSE_CAP_READDIRPLUS_AUTO	(1 << 14)
/** direct I/O may be submitted asynchronously */
#define FUSE_CAP_ASYNC_DIO		(1 << 15)
/** writes are cached by the kernel (writeback cache) */
#define FUSE_CAP_WRITEBACK_CACHE	(1 << 16)
/** an ENOSYS reply to open() means "open needs no handler" */
#define FUSE_CAP_NO_OPEN_SUPPORT	(1 << 17)
/** lookups and readdir in one directory may run in parallel */
#define FUSE_CAP_PARALLEL_DIROPS	(1 << 18)
/** POSIX ACLs are supported */
#define FUSE_CAP_POSIX_ACL		(1 << 19)
/** the filesystem clears suid/sgid/capabilities on write, chown and truncate */
#define FUSE_CAP_HANDLE_KILLPRIV	(1 << 20)
/** like FUSE_CAP_HANDLE_KILLPRIV, with the v2 semantics (name from libfuse 3.16) */
#define FUSE_CAP_HANDLE_KILLPRIV_V2	(1 << 21)
/** the kernel caches symlink targets */
#define FUSE_CAP_CACHE_SYMLINKS		(1 << 23)
/** an ENOSYS reply to opendir() means "opendir needs no handler" */
#define FUSE_CAP_NO_OPENDIR_SUPPORT	(1 << 24)
/** cached data is invalidated only on explicit notification */
#define FUSE_CAP_EXPLICIT_INVAL_DATA	(1 << 25)
/** fuse_lowlevel_notify_expire_entry() is supported */
#define FUSE_CAP_EXPIRE_ONLY		(1 << 26)
/** setxattr carries extended flags (name from libfuse 3.15) */
#define FUSE_CAP_SETXATTR_EXT		(1 << 27)
/** shared mmap is allowed on direct_io files (name from libfuse 3.16) */
#define FUSE_CAP_DIRECT_IO_ALLOW_MMAP	(1 << 28)
/** files may be backed by a kernel file for I/O (FUSE passthrough; libfuse 3.17) */
#define FUSE_CAP_PASSTHROUGH		(1UL << 29)
/** the filesystem cannot be exported over NFS (libfuse 3.17) */
#define FUSE_CAP_NO_EXPORT_SUPPORT	(1UL << 30)
/** requests travel over io-uring instead of /dev/fuse reads (libfuse 3.18) */
#define FUSE_CAP_OVER_IO_URING		(1UL << 31)
/** @} */

/**
 * @defgroup ioctl_flags ioctl() flags
 * Bits of the @c flags argument of the ioctl() handlers.
 * @{
 */
/** the caller is a 32-bit process on a 64-bit kernel */
#define FUSE_IOCTL_COMPAT	(1 << 0)
/** unrestricted ioctl (CUSE only): the handler may ask for a retry with iovecs */
#define FUSE_IOCTL_UNRESTRICTED	(1 << 1)
/** the reply asks the kernel to retry with the given iovecs */
#define FUSE_IOCTL_RETRY	(1 << 2)
/** the ioctl was issued on a directory */
#define FUSE_IOCTL_DIR		(1 << 4)
/** most iovecs one ioctl retry may name */
#define FUSE_IOCTL_MAX_IOV	256
/** @} */

/**
 * Parameters of the connection, negotiated in FUSE_INIT.
 *
 * The read-only fields describe the kernel; the filesystem may change @c want and the limits
 * in its init() handler.
 */
struct fuse_conn_info {
	/** kernel protocol major version (read-only) */
	unsigned proto_major;

	/** kernel protocol minor version (read-only) */
	unsigned proto_minor;

	/** largest write request, in bytes */
	unsigned max_write;

	/** largest read request, in bytes (also settable with -o max_read) */
	unsigned max_read;

	/** largest readahead, in bytes */
	unsigned max_readahead;

	/** FUSE_CAP_* flags supported by kernel and library (read-only) */
	unsigned capable;

	/** FUSE_CAP_* flags the filesystem wants */
	unsigned want;

	/** most background requests the kernel keeps in flight */
	unsigned max_background;

	/** background requests at which the kernel reports congestion */
	unsigned congestion_threshold;

	/** timestamp granularity in nanoseconds (1 means full precision) */
	unsigned time_gran;

	/** reserved; zero */
	unsigned reserved[22];
};

struct fuse_session;
struct fuse_pollhandle;
struct fuse_conn_info_opts;

/**
 * Parse the connection options (-o max_write=, -o async_read, ...) out of @p args.
 *
 * @return an object for fuse_apply_conn_info_opts(), to be freed with free(3); NULL on error
 */
struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args);

/**
 * Apply options parsed by fuse_parse_conn_info_opts() to @p conn (call from init()).
 */
void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *opts,
			       struct fuse_conn_info *conn);

/**
 * Detach from the terminal unless @p foreground is set; change directory to "/".
 *
 * @return 0 on success, -1 on failure
 */
int fuse_daemonize(int foreground);

/** @return the API version implemented by the library, as FUSE_VERSION */
int fuse_version(void);

/** @return the library's package version string */
const char *fuse_pkgversion(void);

/** Release a poll handle obtained in a poll() handler. */
void fuse_pollhandle_destroy(struct fuse_pollhandle *ph);

/**
 * Kinds of struct fuse_buf.
 */
enum fuse_buf_flags {
	/** the data is in a file descriptor (@c fd), not in memory (@c mem) */
	FUSE_BUF_IS_FD		= (1 << 1),

	/** use @c pos as the file offset (pread/pwrite); needs FUSE_BUF_IS_FD */
	FUSE_BUF_FD_SEEK	= (1 << 2),

	/** retry short reads and writes until done, EOF or error; needs FUSE_BUF_IS_FD */
	FUSE_BUF_FD_RETRY	= (1 << 3)
};

/**
 * Options of fuse_buf_copy().
 */
enum fuse_buf_copy_flags {
	/** never use splice(2) */
	FUSE_BUF_NO_SPLICE	= (1 << 1),

	/** always use splice(2); fail if it is not possible */
	FUSE_BUF_FORCE_SPLICE	= (1 << 2),

	/** let splice(2) move pages (SPLICE_F_MOVE) */
	FUSE_BUF_SPLICE_MOVE	= (1 << 3),

	/** do not block in splice(2) (SPLICE_F_NONBLOCK) */
	FUSE_BUF_SPLICE_NONBLOCK = (1 << 4)
};

/**
 * One piece of data, in memory or behind a file descriptor.
 */
struct fuse_buf {
	/** length in bytes */
	size_t size;

	/** FUSE_BUF_* flags */
	enum fuse_buf_flags flags;

	/** the memory, when FUSE_BUF_IS_FD is clear */
	void *mem;

	/** the file descriptor, when FUSE_BUF_IS_FD is set */
	int fd;

	/** file offset, when FUSE_BUF_FD_SEEK is set */
	off_t pos;
};

/**
 * A sequence of buffers with a cursor; @c buf is allocated with room for @c count entries.
 */
struct fuse_bufvec {
	/** number of entries in @c buf */
	size_t count;

	/** index of the current buffer */
	size_t idx;

	/** byte offset inside the current buffer */
	size_t off;

	/** the buffers (the array extends past its declared length) */
	struct fuse_buf buf[1];
};

/** A struct fuse_bufvec value holding one memory buffer of @p size__ bytes, mem NULL. */
#define FUSE_BUFVEC_INIT(size__)					\
	((struct fuse_bufvec) {						\
		/* count */ 1,						\
		/* idx */ 0,						\
		/* off */ 0,						\
		/* buf */ { {						\
			/* size */ (size__),				\
			/* flags */ (enum fuse_buf_flags) 0,		\
			/* mem */ NULL,					\
			/* fd */ -1,					\
			/* pos */ 0,					\
		} }							\
	})

/** @return the number of bytes left in @p bufv from its cursor on */
size_t fuse_buf_size(const struct fuse_bufvec *bufv);

/**
 * Copy data from @p src to @p dst, advancing both cursors.
 *
 * @return bytes copied, or -errno on error
 */
ssize_t fuse_buf_copy(struct fuse_bufvec *dst, struct fuse_bufvec *src,
		      enum fuse_buf_copy_flags flags);

/**
 * Make SIGHUP, SIGINT and SIGTERM end the loop of @p se, and ignore SIGPIPE.
 *
 * @return 0 on success, -1 on failure
 */
int fuse_set_signal_handlers(struct fuse_session *se);

/** Undo fuse_set_signal_handlers() for @p se. */
void fuse_remove_signal_handlers(struct fuse_session *se);

/** @return a new loop configuration with default settings, or NULL */
struct fuse_loop_config *fuse_loop_cfg_create(void);

/** Free a configuration from fuse_loop_cfg_create(). */
void fuse_loop_cfg_destroy(struct fuse_loop_config *config);

/** Set how many idle worker threads are kept. */
void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config,
				    unsigned int value);

/** Set the upper bound on worker threads. */
void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config,
				   unsigned int value);

/** Choose whether each worker opens its own /dev/fuse fd. */
void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config,
				unsigned int value);

/** Copy the settings of a pre-3.12 configuration into @p config. */
void fuse_loop_cfg_convert(struct fuse_loop_config *config,
			   struct fuse_loop_config_v1 *v1_conf);

#if !defined(FUSE_USE_VERSION) || FUSE_USE_VERSION < 30
#error "FUSE_USE_VERSION must be defined to 30 or higher"
#endif

#ifdef __cplusplus
}
#endif

/*
 * A 32-bit off_t would silently truncate every offset exchanged with the library, so refuse to
 * compile without -D_FILE_OFFSET_BITS=64 on 32-bit hosts.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(sizeof(off_t) == 8, "fuse: off_t must be 64 bits (-D_FILE_OFFSET_BITS=64)");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(off_t) == 8, "fuse: off_t must be 64 bits (-D_FILE_OFFSET_BITS=64)");
#else
struct fuse_off_t_must_be_64bit_ {
	unsigned int fuse_off_t_must_be_64bit_ : (sizeof(off_t) == 8) ? 1 : -1;
};
#endif

#endif /* FUSE_COMMON_H_ */
