/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Declarations shared by the low-level (fuse_lowlevel.h) and high-level (fuse.h) libfuse 3
 * APIs: version macros, struct fuse_file_info, struct fuse_conn_info and the FUSE_CAP_* flags,
 * the buffer vector types, the loop configuration and the signal/daemon helpers.
 *
 * Two ABIs come from these headers (test/compat checks both, byte for byte):
 * - RINGFUSE_ABI 318, the default: libfuse 3.18's layouts, for libfuse3.so.4, which `-lfuse3`
 *   and `pkg-config fuse3` give. FUSE_USE_VERSION 30 ... 318.
 * - RINGFUSE_ABI 314: libfuse 3.14's layouts, for libfuse3.so.3 (Debian 12's soname), chosen
 *   with -DRINGFUSE_ABI=314 and linked with -l:libfuse3.so.3. FUSE_USE_VERSION 30 ... 314.
 * ringfuse's additions to the 3.14 ABI only name bits and values that 3.14 left unused.
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

/*
 * FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION, FUSE_HOTFIX_VERSION, RINGFUSE_ABI and
 * LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS (generated from meson.build; see include/meson.build).
 */
#include "libfuse_config.h"

#include "fuse_opt.h"
#include "fuse_log.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#if RINGFUSE_ABI != 314 && RINGFUSE_ABI != 318
#error "RINGFUSE_ABI must be 314 (libfuse3.so.3) or 318 (libfuse3.so.4, the default)"
#endif

/** Encode a version pair as one comparable number (3.12 -> 312). */
#define FUSE_MAKE_VERSION(maj, min)  ((maj) * 100 + (min))

/** The implemented API version as one number. */
#define FUSE_VERSION FUSE_MAKE_VERSION(FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION)

/*
 * An API version newer than the headers know would silently give the older behaviour and
 * layouts; refuse it instead. The 3.14 ABI stops at 3.14: 3.15 and later need libfuse3.so.4.
 */
#if defined(FUSE_USE_VERSION) && FUSE_USE_VERSION > FUSE_VERSION
#if RINGFUSE_ABI == 314
#error "FUSE_USE_VERSION above 314 needs the libfuse3.so.4 ABI: drop -DRINGFUSE_ABI=314"
#else
#error "FUSE_USE_VERSION is newer than these headers (libfuse 3.18 API)"
#endif
#endif

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

#if RINGFUSE_ABI == 314
	/**
	 * Backing file id for FUSE passthrough, as returned by fuse_passthrough_open() (name
	 * from libfuse 3.17). Occupies what libfuse 3.14 calls padding2, so the layout is the same.
	 */
	int32_t backing_id;
#else
	/** unused (libfuse 3.17 layout) */
	uint32_t padding2 : 32;

	/** unused (libfuse 3.17 layout) */
	uint32_t padding3 : 32;
#endif

	/** file handle chosen by the filesystem in open/create/opendir */
	uint64_t fh;

	/** owner id of locks; valid in locking requests and flush() */
	uint64_t lock_owner;

	/** events the kernel waits for in poll() */
	uint32_t poll_events;

#if RINGFUSE_ABI >= 318
	/**
	 * Backing file id for FUSE passthrough, as returned by fuse_passthrough_open(); set in
	 * open() or create() to have the kernel do the file's I/O on the backing file.
	 */
	int32_t backing_id;

	/** the library's own flags about this structure; leave alone */
	uint64_t compat_flags;

	/** reserved; zero */
	uint64_t reserved[2];
#endif
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

/*
 * libfuse 3.14 spells the capability flags as int constants, 3.17 as unsigned long ones (they
 * are also used with the 64-bit want_ext); each ABI gets its own.
 */
#if RINGFUSE_ABI == 314
#define FUSE_CAP_BIT_(n) (1 << (n))
#else
#define FUSE_CAP_BIT_(n) (1UL << (n))
#endif

/**
 * @defgroup cap Capability flags
 * Bits of fuse_conn_info.capable (what the kernel and library offer) and fuse_conn_info.want
 * (what the filesystem asks for). Set or clear @c want in the init() handler.
 * @{
 */
/** reads may be issued asynchronously */
#define FUSE_CAP_ASYNC_READ		FUSE_CAP_BIT_(0)
/** the filesystem implements POSIX (fcntl) locks */
#define FUSE_CAP_POSIX_LOCKS		FUSE_CAP_BIT_(1)
/** O_TRUNC is handled by open() */
#define FUSE_CAP_ATOMIC_O_TRUNC		FUSE_CAP_BIT_(3)
/** lookups of "." and ".." are supported (NFS export) */
#define FUSE_CAP_EXPORT_SUPPORT		FUSE_CAP_BIT_(4)
/** the kernel does not apply the umask to creation modes */
#define FUSE_CAP_DONT_MASK		FUSE_CAP_BIT_(6)
/** replies may be written with splice(2) */
#define FUSE_CAP_SPLICE_WRITE		FUSE_CAP_BIT_(7)
/** pages may be moved into the page cache with splice(2) */
#define FUSE_CAP_SPLICE_MOVE		FUSE_CAP_BIT_(8)
/** requests may be read with splice(2) */
#define FUSE_CAP_SPLICE_READ		FUSE_CAP_BIT_(9)
/** the filesystem implements BSD flock(2) locks */
#define FUSE_CAP_FLOCK_LOCKS		FUSE_CAP_BIT_(10)
/** ioctl(2) on directories is supported */
#define FUSE_CAP_IOCTL_DIR		FUSE_CAP_BIT_(11)
/** cached data is invalidated when mtime or size change */
#define FUSE_CAP_AUTO_INVAL_DATA	FUSE_CAP_BIT_(12)
/** READDIRPLUS is supported */
#define FUSE_CAP_READDIRPLUS		FUSE_CAP_BIT_(13)
/** the kernel chooses between READDIR and READDIRPLUS */
#define FUSE_CAP_READDIRPLUS_AUTO	FUSE_CAP_BIT_(14)
/** direct I/O may be submitted asynchronously */
#define FUSE_CAP_ASYNC_DIO		FUSE_CAP_BIT_(15)
/** writes are cached by the kernel (writeback cache) */
#define FUSE_CAP_WRITEBACK_CACHE	FUSE_CAP_BIT_(16)
/** an ENOSYS reply to open() means "open needs no handler" */
#define FUSE_CAP_NO_OPEN_SUPPORT	FUSE_CAP_BIT_(17)
/** lookups and readdir in one directory may run in parallel */
#define FUSE_CAP_PARALLEL_DIROPS	FUSE_CAP_BIT_(18)
/** POSIX ACLs are supported */
#define FUSE_CAP_POSIX_ACL		FUSE_CAP_BIT_(19)
/** the filesystem clears suid/sgid/capabilities on write, chown and truncate */
#define FUSE_CAP_HANDLE_KILLPRIV	FUSE_CAP_BIT_(20)
/** like FUSE_CAP_HANDLE_KILLPRIV, with the v2 semantics (name from libfuse 3.16) */
#define FUSE_CAP_HANDLE_KILLPRIV_V2	FUSE_CAP_BIT_(21)
/** the kernel caches symlink targets */
#define FUSE_CAP_CACHE_SYMLINKS		FUSE_CAP_BIT_(23)
/** an ENOSYS reply to opendir() means "opendir needs no handler" */
#define FUSE_CAP_NO_OPENDIR_SUPPORT	FUSE_CAP_BIT_(24)
/** cached data is invalidated only on explicit notification */
#define FUSE_CAP_EXPLICIT_INVAL_DATA	FUSE_CAP_BIT_(25)
/** fuse_lowlevel_notify_expire_entry() is supported */
#define FUSE_CAP_EXPIRE_ONLY		FUSE_CAP_BIT_(26)
/** setxattr carries extended flags (name from libfuse 3.15) */
#define FUSE_CAP_SETXATTR_EXT		FUSE_CAP_BIT_(27)
/** shared mmap is allowed on direct_io files (name from libfuse 3.16) */
#define FUSE_CAP_DIRECT_IO_ALLOW_MMAP	FUSE_CAP_BIT_(28)
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

#if RINGFUSE_ABI == 314
	/** reserved; zero */
	unsigned reserved[22];
#else
	/**
	 * Stacking of FUSE passthrough, set in init(): FUSE_BACKING_STACKED_UNDER (0, the
	 * default) when backing files are on no stacked filesystem, so that another stacked
	 * filesystem may sit on top of this one; FUSE_BACKING_STACKED_OVER (1) when backing files
	 * may be on a stacked filesystem (overlayfs, another FUSE passthrough), so that nothing
	 * can be stacked on top of this one.
	 */
#define FUSE_BACKING_STACKED_UNDER	(0)
#define FUSE_BACKING_STACKED_OVER	(1)
	uint32_t max_backing_stack_depth;

	/**
	 * Set in init() when the filesystem never looks at fuse_req_interrupted(): the library
	 * then keeps no record of requests for INTERRUPT and the kernel stops sending it.
	 */
	uint32_t no_interrupt : 1;

	/** unused; keeps the bit fields at 32 bits */
	uint32_t padding : 31;

	/**
	 * All FUSE_CAP_* flags the kernel and library offer, 64 bits wide (read-only). The
	 * lower half equals @c capable.
	 */
	uint64_t capable_ext;

	/**
	 * The FUSE_CAP_* flags the filesystem wants, 64 bits wide; change with
	 * fuse_set_feature_flag()/fuse_unset_feature_flag(). Changes made to @c want in init()
	 * are merged into it when init() returns.
	 */
	uint64_t want_ext;

	/** seconds after which the kernel aborts an unanswered request; 0: never */
	uint16_t request_timeout;

	/** reserved; zero */
	uint16_t reserved[31];
#endif
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
#if RINGFUSE_ABI >= 318

	/** bytes allocated at @c mem (at least @c size); 0 when the size is all that is known */
	size_t mem_size;
#endif
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

/**
 * The version of the headers a program was compiled with, handed to the library by the
 * inline wrappers of fuse_session_new(), fuse_new() and fuse_main() (libfuse 3.17 ABI).
 */
struct libfuse_version {
	uint32_t major;
	uint32_t minor;
	uint32_t hotfix;
	uint32_t padding;
};

#if RINGFUSE_ABI == 314
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
#else
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
			/* mem_size */ 0,				\
		} }							\
	})
#endif

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

#if RINGFUSE_ABI >= 318
/**
 * Log a backtrace-free report when @p se's process gets SIGSEGV, SIGBUS, SIGILL, SIGFPE or
 * SIGABRT, then die of the signal as before (libfuse 3.17).
 *
 * @return 0 on success, -1 on failure
 */
int fuse_set_fail_signal_handlers(struct fuse_session *se);

/**
 * Ask for a FUSE_CAP_* feature in init(): sets @p flag in conn->want_ext if the kernel and
 * library offer it (conn->capable_ext).
 *
 * @return true if the flag is now wanted, false if it is not offered
 */
bool fuse_set_feature_flag(struct fuse_conn_info *conn, uint64_t flag);

/** Withdraw a FUSE_CAP_* feature in init(): clears @p flag in conn->want_ext. */
void fuse_unset_feature_flag(struct fuse_conn_info *conn, uint64_t flag);

/** @return whether @p flag is set in conn->want_ext */
bool fuse_get_feature_flag(struct fuse_conn_info *conn, uint64_t flag);

/**
 * Merge what init() changed in conn->want into conn->want_ext and make want the lower half
 * of want_ext again. The library calls this after init(); libfuse exports it for its tests.
 *
 * @return 0, or -EINVAL when a wanted flag is not offered
 */
int fuse_convert_to_conn_want_ext(struct fuse_conn_info *conn);
#endif

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
