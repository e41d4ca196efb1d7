/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the C++ type (typeid name, which encodes return and parameter types and struct tags)
 * of every public function and of every struct member that layout_fields.h lists. Built once
 * against ringfuse's headers and once against the system's libfuse 3.14 headers per
 * FUSE_USE_VERSION; compare_layout.py requires identical lines. This catches what sizes and
 * offsets cannot: a parameter declared int instead of unsigned, a missing const, a prototype
 * that exists in one header only. It also proves the headers are usable from C++.
 */
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <cuse_lowlevel.h>

#include <cstdio>
#include <typeinfo>

#include "layout_fields.h"

/* Functions declared under the same name for every FUSE_USE_VERSION. */
#define ALL_FUNCTIONS(F) \
	F(cuse_lowlevel_main) F(cuse_lowlevel_new) F(cuse_lowlevel_setup) \
	F(cuse_lowlevel_teardown) F(fuse_add_direntry) F(fuse_add_direntry_plus) \
	F(fuse_apply_conn_info_opts) F(fuse_buf_copy) F(fuse_buf_size) F(fuse_clean_cache) \
	F(fuse_cmdline_help) F(fuse_daemonize) F(fuse_destroy) F(fuse_exit) F(fuse_fs_access) \
	F(fuse_fs_bmap) F(fuse_fs_chmod) F(fuse_fs_chown) F(fuse_fs_copy_file_range) \
	F(fuse_fs_create) F(fuse_fs_destroy) F(fuse_fs_fallocate) F(fuse_fs_flock) \
	F(fuse_fs_flush) F(fuse_fs_fsync) F(fuse_fs_fsyncdir) F(fuse_fs_getattr) \
	F(fuse_fs_getxattr) F(fuse_fs_init) F(fuse_fs_ioctl) F(fuse_fs_link) F(fuse_fs_listxattr) \
	F(fuse_fs_lock) F(fuse_fs_lseek) F(fuse_fs_mkdir) F(fuse_fs_mknod) F(fuse_fs_new) \
	F(fuse_fs_open) F(fuse_fs_opendir) F(fuse_fs_poll) F(fuse_fs_read) F(fuse_fs_read_buf) \
	F(fuse_fs_readdir) F(fuse_fs_readlink) F(fuse_fs_release) F(fuse_fs_releasedir) \
	F(fuse_fs_removexattr) F(fuse_fs_rename) F(fuse_fs_rmdir) F(fuse_fs_setxattr) \
	F(fuse_fs_statfs) F(fuse_fs_symlink) F(fuse_fs_truncate) F(fuse_fs_unlink) \
	F(fuse_fs_utimens) F(fuse_fs_write) F(fuse_fs_write_buf) F(fuse_get_context) \
	F(fuse_get_session) F(fuse_getgroups) F(fuse_interrupted) F(fuse_invalidate_path) \
	F(fuse_lib_help) F(fuse_log) F(fuse_loop) F(fuse_loop_cfg_convert) F(fuse_loop_cfg_create) \
	F(fuse_loop_cfg_destroy) F(fuse_loop_cfg_set_clone_fd) F(fuse_loop_cfg_set_idle_threads) \
	F(fuse_loop_cfg_set_max_threads) F(fuse_lowlevel_help) F(fuse_lowlevel_notify_delete) \
	F(fuse_lowlevel_notify_expire_entry) F(fuse_lowlevel_notify_inval_entry) \
	F(fuse_lowlevel_notify_inval_inode) F(fuse_lowlevel_notify_poll) \
	F(fuse_lowlevel_notify_retrieve) F(fuse_lowlevel_notify_store) F(fuse_lowlevel_version) \
	F(fuse_main_real) F(fuse_mount) F(fuse_notify_poll) F(fuse_open_channel) \
	F(fuse_opt_add_arg) F(fuse_opt_add_opt) F(fuse_opt_add_opt_escaped) F(fuse_opt_free_args) \
	F(fuse_opt_insert_arg) F(fuse_opt_match) F(fuse_opt_parse) F(fuse_parse_cmdline) \
	F(fuse_parse_conn_info_opts) F(fuse_pkgversion) F(fuse_pollhandle_destroy) \
	F(fuse_remove_signal_handlers) F(fuse_reply_attr) F(fuse_reply_bmap) F(fuse_reply_buf) \
	F(fuse_reply_create) F(fuse_reply_data) F(fuse_reply_entry) F(fuse_reply_err) \
	F(fuse_reply_ioctl) F(fuse_reply_ioctl_iov) F(fuse_reply_ioctl_retry) F(fuse_reply_iov) \
	F(fuse_reply_lock) F(fuse_reply_lseek) F(fuse_reply_none) F(fuse_reply_open) \
	F(fuse_reply_poll) F(fuse_reply_readlink) F(fuse_reply_statfs) F(fuse_reply_write) \
	F(fuse_reply_xattr) F(fuse_req_ctx) F(fuse_req_getgroups) F(fuse_req_interrupt_func) \
	F(fuse_req_interrupted) F(fuse_req_userdata) F(fuse_session_custom_io) \
	F(fuse_session_destroy) F(fuse_session_exit) F(fuse_session_exited) F(fuse_session_fd) \
	F(fuse_session_loop) F(fuse_session_mount) F(fuse_session_new) F(fuse_session_process_buf) \
	F(fuse_session_receive_buf) F(fuse_session_reset) F(fuse_session_unmount) \
	F(fuse_set_log_func) F(fuse_set_signal_handlers) F(fuse_start_cleanup_thread) \
	F(fuse_stop_cleanup_thread) F(fuse_unmount) F(fuse_version)

int main()
{
#define P_FUNC(fn) std::printf("func." #fn " %s\n", typeid(&fn).name());
#define P_MEMBER(type, m) \
	std::printf("type." #type "." #m " %s\n", typeid(((struct type *)0)->m).name());

	ALL_FUNCTIONS(P_FUNC)
	ALL_FIELDS(P_MEMBER)

	/* Names that the headers map to a different symbol per API version. */
#if FUSE_USE_VERSION == 30
	P_FUNC(fuse_new_30)
#else
	P_FUNC(fuse_new)
#endif
#if FUSE_USE_VERSION < 32
	P_FUNC(fuse_session_loop_mt_31)
	P_FUNC(fuse_loop_mt_31)
#elif FUSE_USE_VERSION < 312
	P_FUNC(fuse_session_loop_mt_32)
	P_FUNC(fuse_loop_mt_32)
#else
	P_FUNC(fuse_session_loop_mt)
	P_FUNC(fuse_loop_mt)
#endif
	std::printf("type.fuse_fill_dir_t %s\n", typeid(fuse_fill_dir_t).name());
	std::printf("type.fuse_opt_proc_t %s\n", typeid(fuse_opt_proc_t).name());
	std::printf("type.fuse_log_func_t %s\n", typeid(fuse_log_func_t).name());
	std::printf("type.fuse_interrupt_func_t %s\n", typeid(fuse_interrupt_func_t).name());
	std::printf("type.fuse_module_factory_t %s\n", typeid(fuse_module_factory_t).name());
	std::printf("type.fuse_req_t %s\n", typeid(fuse_req_t).name());
	std::printf("type.fuse_ino_t %s\n", typeid(fuse_ino_t).name());
#ifdef LAYOUT_OURS
	P_FUNC(fuse_passthrough_open)
	P_FUNC(fuse_passthrough_close)
	P_FUNC(fuse_req_is_uring)
	P_FUNC(fuse_req_get_payload)
#endif
	std::printf("end %d\n", FUSE_USE_VERSION);
	return 0;
}
