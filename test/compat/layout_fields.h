/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The member and constant lists that the compat layout checks walk, as X-macros shared by the
 * C layout program (sizes, offsets, bit patterns, values) and the C++ signature program
 * (member types). Both are compiled once against ringfuse's headers and once against the
 * system's libfuse 3.14 headers; a list entry missing from either header is a compile error,
 * which is itself a compatibility failure.
 *
 * Include after the fuse headers. S(struct, member) is expanded per member, C(name) per
 * integer constant.
 *
 * LAYOUT_V318 (FUSE_USE_VERSION 317 or later, or given with -D for the 3.18 ABI at an older
 * API version) adds
 * the members and constants of libfuse 3.17/3.18; the reference for those is a recorded run of
 * the probe built against libfuse 3.18.2's headers (layout-3.18-*.txt).
 */
#if FUSE_USE_VERSION >= 317 && !defined(LAYOUT_V318)
#define LAYOUT_V318 1
#endif

#ifdef LAYOUT_V318
#define V318_FILE_INFO(S) \
	S(fuse_file_info, backing_id) S(fuse_file_info, compat_flags) S(fuse_file_info, reserved)
#define V318_CONN_INFO(S) \
	S(fuse_conn_info, max_backing_stack_depth) S(fuse_conn_info, capable_ext) \
	S(fuse_conn_info, want_ext) S(fuse_conn_info, request_timeout)
#define V318_BUF(S) S(fuse_buf, mem_size)
#define V318_CUSTOM_IO(S) S(fuse_custom_io, clone_fd)
#define V318_LOWLEVEL_OPS(S) S(fuse_lowlevel_ops, tmpfile) S(fuse_lowlevel_ops, statx)
#define V318_OPERATIONS(S) S(fuse_operations, statx)
#define V318_CONFIG(S) \
	S(fuse_config, fmask) S(fuse_config, dmask) S(fuse_config, parallel_direct_writes) \
	S(fuse_config, flags) S(fuse_config, reserved)
#define V318_SIZES(P) P(libfuse_version)
#define V318_FIELDS(S) \
	S(libfuse_version, major) S(libfuse_version, minor) S(libfuse_version, hotfix) \
	S(libfuse_version, padding)
#define V318_CONSTANTS(C) \
	C(FUSE_HOTFIX_VERSION) C(FUSE_CAP_HANDLE_KILLPRIV_V2) C(FUSE_CAP_SETXATTR_EXT) \
	C(FUSE_CAP_DIRECT_IO_ALLOW_MMAP) C(FUSE_CAP_PASSTHROUGH) C(FUSE_CAP_NO_EXPORT_SUPPORT) \
	C(FUSE_CAP_OVER_IO_URING) C(FUSE_BACKING_STACKED_UNDER) C(FUSE_BACKING_STACKED_OVER) \
	C(FUSE_READDIR_DEFAULTS) C(FUSE_FILL_DIR_DEFAULTS) C(FUSE_LL_INVALIDATE)
#else
#define V318_FILE_INFO(S)
#define V318_CONN_INFO(S)
#define V318_BUF(S)
#define V318_CUSTOM_IO(S)
#define V318_LOWLEVEL_OPS(S)
#define V318_OPERATIONS(S)
#define V318_CONFIG(S)
#define V318_SIZES(P)
#define V318_FIELDS(S)
#define V318_CONSTANTS(C)
#endif

#define FIELDS_FUSE_FILE_INFO(S) \
	S(fuse_file_info, flags) S(fuse_file_info, fh) S(fuse_file_info, lock_owner) \
	S(fuse_file_info, poll_events) V318_FILE_INFO(S)

#define FIELDS_FUSE_CONN_INFO(S) \
	S(fuse_conn_info, proto_major) S(fuse_conn_info, proto_minor) \
	S(fuse_conn_info, max_write) S(fuse_conn_info, max_read) \
	S(fuse_conn_info, max_readahead) S(fuse_conn_info, capable) S(fuse_conn_info, want) \
	S(fuse_conn_info, max_background) S(fuse_conn_info, congestion_threshold) \
	S(fuse_conn_info, time_gran) S(fuse_conn_info, reserved) V318_CONN_INFO(S)

#define FIELDS_FUSE_CTX(S) \
	S(fuse_ctx, uid) S(fuse_ctx, gid) S(fuse_ctx, pid) S(fuse_ctx, umask)

#define FIELDS_FUSE_ENTRY_PARAM(S) \
	S(fuse_entry_param, ino) S(fuse_entry_param, generation) S(fuse_entry_param, attr) \
	S(fuse_entry_param, attr_timeout) S(fuse_entry_param, entry_timeout)

#define FIELDS_FUSE_BUF(S) \
	S(fuse_buf, size) S(fuse_buf, flags) S(fuse_buf, mem) S(fuse_buf, fd) S(fuse_buf, pos) V318_BUF(S)

#define FIELDS_FUSE_BUFVEC(S) \
	S(fuse_bufvec, count) S(fuse_bufvec, idx) S(fuse_bufvec, off) S(fuse_bufvec, buf)

#define FIELDS_FUSE_ARGS(S) \
	S(fuse_args, argc) S(fuse_args, argv) S(fuse_args, allocated)

#define FIELDS_FUSE_OPT(S) \
	S(fuse_opt, templ) S(fuse_opt, offset) S(fuse_opt, value)

#define FIELDS_FUSE_FORGET_DATA(S) \
	S(fuse_forget_data, ino) S(fuse_forget_data, nlookup)

#define FIELDS_FUSE_CUSTOM_IO(S) \
	S(fuse_custom_io, writev) S(fuse_custom_io, read) S(fuse_custom_io, splice_receive) \
	S(fuse_custom_io, splice_send) V318_CUSTOM_IO(S)

#define FIELDS_FUSE_CMDLINE_OPTS(S) \
	S(fuse_cmdline_opts, singlethread) S(fuse_cmdline_opts, foreground) \
	S(fuse_cmdline_opts, debug) S(fuse_cmdline_opts, nodefault_subtype) \
	S(fuse_cmdline_opts, mountpoint) S(fuse_cmdline_opts, show_version) \
	S(fuse_cmdline_opts, show_help) S(fuse_cmdline_opts, clone_fd) \
	S(fuse_cmdline_opts, max_idle_threads) S(fuse_cmdline_opts, max_threads)

/* Public until 3.11, renamed fuse_loop_config_v1 (and the old name made opaque) in 3.12. */
#if FUSE_USE_VERSION < 312
#define LOOP_CONFIG_STRUCT fuse_loop_config
#else
#define LOOP_CONFIG_STRUCT fuse_loop_config_v1
#endif
#define FIELDS_FUSE_LOOP_CONFIG(S) \
	S(LOOP_CONFIG_STRUCT, clone_fd) S(LOOP_CONFIG_STRUCT, max_idle_threads)

#define FIELDS_FUSE_LOWLEVEL_OPS(S) \
	S(fuse_lowlevel_ops, init) S(fuse_lowlevel_ops, destroy) \
	S(fuse_lowlevel_ops, lookup) S(fuse_lowlevel_ops, forget) \
	S(fuse_lowlevel_ops, getattr) S(fuse_lowlevel_ops, setattr) \
	S(fuse_lowlevel_ops, readlink) S(fuse_lowlevel_ops, mknod) \
	S(fuse_lowlevel_ops, mkdir) S(fuse_lowlevel_ops, unlink) \
	S(fuse_lowlevel_ops, rmdir) S(fuse_lowlevel_ops, symlink) \
	S(fuse_lowlevel_ops, rename) S(fuse_lowlevel_ops, link) \
	S(fuse_lowlevel_ops, open) S(fuse_lowlevel_ops, read) \
	S(fuse_lowlevel_ops, write) S(fuse_lowlevel_ops, flush) \
	S(fuse_lowlevel_ops, release) S(fuse_lowlevel_ops, fsync) \
	S(fuse_lowlevel_ops, opendir) S(fuse_lowlevel_ops, readdir) \
	S(fuse_lowlevel_ops, releasedir) S(fuse_lowlevel_ops, fsyncdir) \
	S(fuse_lowlevel_ops, statfs) S(fuse_lowlevel_ops, setxattr) \
	S(fuse_lowlevel_ops, getxattr) S(fuse_lowlevel_ops, listxattr) \
	S(fuse_lowlevel_ops, removexattr) S(fuse_lowlevel_ops, access) \
	S(fuse_lowlevel_ops, create) S(fuse_lowlevel_ops, getlk) \
	S(fuse_lowlevel_ops, setlk) S(fuse_lowlevel_ops, bmap) \
	S(fuse_lowlevel_ops, ioctl) S(fuse_lowlevel_ops, poll) \
	S(fuse_lowlevel_ops, write_buf) S(fuse_lowlevel_ops, retrieve_reply) \
	S(fuse_lowlevel_ops, forget_multi) S(fuse_lowlevel_ops, flock) \
	S(fuse_lowlevel_ops, fallocate) S(fuse_lowlevel_ops, readdirplus) \
	S(fuse_lowlevel_ops, copy_file_range) S(fuse_lowlevel_ops, lseek) V318_LOWLEVEL_OPS(S)

#define FIELDS_FUSE_OPERATIONS(S) \
	S(fuse_operations, getattr) S(fuse_operations, readlink) \
	S(fuse_operations, mknod) S(fuse_operations, mkdir) \
	S(fuse_operations, unlink) S(fuse_operations, rmdir) \
	S(fuse_operations, symlink) S(fuse_operations, rename) \
	S(fuse_operations, link) S(fuse_operations, chmod) \
	S(fuse_operations, chown) S(fuse_operations, truncate) \
	S(fuse_operations, open) S(fuse_operations, read) \
	S(fuse_operations, write) S(fuse_operations, statfs) \
	S(fuse_operations, flush) S(fuse_operations, release) \
	S(fuse_operations, fsync) S(fuse_operations, setxattr) \
	S(fuse_operations, getxattr) S(fuse_operations, listxattr) \
	S(fuse_operations, removexattr) S(fuse_operations, opendir) \
	S(fuse_operations, readdir) S(fuse_operations, releasedir) \
	S(fuse_operations, fsyncdir) S(fuse_operations, init) \
	S(fuse_operations, destroy) S(fuse_operations, access) \
	S(fuse_operations, create) S(fuse_operations, lock) \
	S(fuse_operations, utimens) S(fuse_operations, bmap) \
	S(fuse_operations, ioctl) S(fuse_operations, poll) \
	S(fuse_operations, write_buf) S(fuse_operations, read_buf) \
	S(fuse_operations, flock) S(fuse_operations, fallocate) \
	S(fuse_operations, copy_file_range) S(fuse_operations, lseek) V318_OPERATIONS(S)

#define FIELDS_FUSE_CONFIG(S) \
	S(fuse_config, set_gid) S(fuse_config, gid) S(fuse_config, set_uid) \
	S(fuse_config, uid) S(fuse_config, set_mode) S(fuse_config, umask) \
	S(fuse_config, entry_timeout) S(fuse_config, negative_timeout) \
	S(fuse_config, attr_timeout) S(fuse_config, intr) S(fuse_config, intr_signal) \
	S(fuse_config, remember) S(fuse_config, hard_remove) S(fuse_config, use_ino) \
	S(fuse_config, readdir_ino) S(fuse_config, direct_io) S(fuse_config, kernel_cache) \
	S(fuse_config, auto_cache) S(fuse_config, no_rofd_flush) \
	S(fuse_config, ac_attr_timeout_set) S(fuse_config, ac_attr_timeout) \
	S(fuse_config, nullpath_ok) S(fuse_config, show_help) S(fuse_config, modules) \
	S(fuse_config, debug) V318_CONFIG(S)

#define FIELDS_FUSE_CONTEXT(S) \
	S(fuse_context, fuse) S(fuse_context, uid) S(fuse_context, gid) \
	S(fuse_context, pid) S(fuse_context, private_data) S(fuse_context, umask)

#define FIELDS_CUSE_INFO(S) \
	S(cuse_info, dev_major) S(cuse_info, dev_minor) S(cuse_info, dev_info_argc) \
	S(cuse_info, dev_info_argv) S(cuse_info, flags)

#define FIELDS_CUSE_LOWLEVEL_OPS(S) \
	S(cuse_lowlevel_ops, init) S(cuse_lowlevel_ops, init_done) \
	S(cuse_lowlevel_ops, destroy) S(cuse_lowlevel_ops, open) \
	S(cuse_lowlevel_ops, read) S(cuse_lowlevel_ops, write) \
	S(cuse_lowlevel_ops, flush) S(cuse_lowlevel_ops, release) \
	S(cuse_lowlevel_ops, fsync) S(cuse_lowlevel_ops, ioctl) \
	S(cuse_lowlevel_ops, poll)

#define ALL_FIELDS(S) \
	FIELDS_FUSE_FILE_INFO(S) FIELDS_FUSE_CONN_INFO(S) FIELDS_FUSE_CTX(S) \
	FIELDS_FUSE_ENTRY_PARAM(S) FIELDS_FUSE_BUF(S) FIELDS_FUSE_BUFVEC(S) \
	FIELDS_FUSE_ARGS(S) FIELDS_FUSE_OPT(S) FIELDS_FUSE_FORGET_DATA(S) \
	FIELDS_FUSE_CUSTOM_IO(S) FIELDS_FUSE_CMDLINE_OPTS(S) FIELDS_FUSE_LOOP_CONFIG(S) \
	FIELDS_FUSE_LOWLEVEL_OPS(S) FIELDS_FUSE_OPERATIONS(S) FIELDS_FUSE_CONFIG(S) \
	FIELDS_FUSE_CONTEXT(S) FIELDS_CUSE_INFO(S) FIELDS_CUSE_LOWLEVEL_OPS(S) V318_FIELDS(S)

/* Every integer constant of libfuse 3.14's public headers (macros and enumerators). */
#define ALL_CONSTANTS(C) \
	C(FUSE_MAJOR_VERSION) C(FUSE_MINOR_VERSION) C(FUSE_VERSION) \
	C(FUSE_CAP_ASYNC_READ) C(FUSE_CAP_POSIX_LOCKS) C(FUSE_CAP_ATOMIC_O_TRUNC) \
	C(FUSE_CAP_EXPORT_SUPPORT) C(FUSE_CAP_DONT_MASK) C(FUSE_CAP_SPLICE_WRITE) \
	C(FUSE_CAP_SPLICE_MOVE) C(FUSE_CAP_SPLICE_READ) C(FUSE_CAP_FLOCK_LOCKS) \
	C(FUSE_CAP_IOCTL_DIR) C(FUSE_CAP_AUTO_INVAL_DATA) C(FUSE_CAP_READDIRPLUS) \
	C(FUSE_CAP_READDIRPLUS_AUTO) C(FUSE_CAP_ASYNC_DIO) C(FUSE_CAP_WRITEBACK_CACHE) \
	C(FUSE_CAP_NO_OPEN_SUPPORT) C(FUSE_CAP_PARALLEL_DIROPS) C(FUSE_CAP_POSIX_ACL) \
	C(FUSE_CAP_HANDLE_KILLPRIV) C(FUSE_CAP_CACHE_SYMLINKS) \
	C(FUSE_CAP_NO_OPENDIR_SUPPORT) C(FUSE_CAP_EXPLICIT_INVAL_DATA) \
	C(FUSE_CAP_EXPIRE_ONLY) \
	C(FUSE_IOCTL_COMPAT) C(FUSE_IOCTL_UNRESTRICTED) C(FUSE_IOCTL_RETRY) \
	C(FUSE_IOCTL_DIR) C(FUSE_IOCTL_MAX_IOV) \
	C(FUSE_BUF_IS_FD) C(FUSE_BUF_FD_SEEK) C(FUSE_BUF_FD_RETRY) \
	C(FUSE_BUF_NO_SPLICE) C(FUSE_BUF_FORCE_SPLICE) C(FUSE_BUF_SPLICE_MOVE) \
	C(FUSE_BUF_SPLICE_NONBLOCK) \
	C(FUSE_LOG_EMERG) C(FUSE_LOG_ALERT) C(FUSE_LOG_CRIT) C(FUSE_LOG_ERR) \
	C(FUSE_LOG_WARNING) C(FUSE_LOG_NOTICE) C(FUSE_LOG_INFO) C(FUSE_LOG_DEBUG) \
	C(FUSE_OPT_KEY_OPT) C(FUSE_OPT_KEY_NONOPT) C(FUSE_OPT_KEY_KEEP) \
	C(FUSE_OPT_KEY_DISCARD) \
	C(FUSE_ROOT_ID) C(FUSE_LL_EXPIRE_ONLY) \
	C(FUSE_SET_ATTR_MODE) C(FUSE_SET_ATTR_UID) C(FUSE_SET_ATTR_GID) \
	C(FUSE_SET_ATTR_SIZE) C(FUSE_SET_ATTR_ATIME) C(FUSE_SET_ATTR_MTIME) \
	C(FUSE_SET_ATTR_ATIME_NOW) C(FUSE_SET_ATTR_MTIME_NOW) C(FUSE_SET_ATTR_FORCE) \
	C(FUSE_SET_ATTR_CTIME) C(FUSE_SET_ATTR_KILL_SUID) C(FUSE_SET_ATTR_KILL_SGID) \
	C(FUSE_SET_ATTR_FILE) C(FUSE_SET_ATTR_KILL_PRIV) C(FUSE_SET_ATTR_OPEN) \
	C(FUSE_SET_ATTR_TIMES_SET) C(FUSE_SET_ATTR_TOUCH) \
	C(FUSE_READDIR_PLUS) C(FUSE_FILL_DIR_PLUS) \
	C(CUSE_UNRESTRICTED_IOCTL) V318_CONSTANTS(C)

