/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Life cycle of a high-level filesystem: fuse_new (with its 3.0 and 3.1 ABIs), mount, the
 * loops (with the 3.0, 3.2 and 3.12 ABIs of fuse_loop_mt), exit, unmount, destroy, and
 * fuse_main_real, which strings them together the way libfuse's fuse_main() does, with the
 * same exit codes. Also fuse_open_channel and fuse_invalidate_path. All of it goes through
 * the public low-level API (fuse_session_*).
 */
#include "highlevel_i.h"
#include "export_i.h"
#include "api318_i.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* -o intr: the signal only has to interrupt a blocking system call, not to do anything. */
static void intr_handler(int sig)
{
	(void)sig;
}

static int intr_install(struct fuse *f)
{
	struct sigaction sa;

	if (sigaction(f->conf.intr_signal, NULL, &f->old_intr_sa) == -1)
		return -errno;
	/* a handler the application installed itself stays */
	if (f->old_intr_sa.sa_handler != SIG_DFL)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = intr_handler;
	(void)sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: the point is the EINTR */
	if (sigaction(f->conf.intr_signal, &sa, NULL) == -1)
		return -errno;
	f->intr_installed = true;
	return 0;
}

static void intr_remove(struct fuse *f)
{
	if (f->intr_installed)
		(void)sigaction(f->conf.intr_signal, &f->old_intr_sa, NULL);
	f->intr_installed = false;
}

static void hl_free(struct fuse *f)
{
	if (f->nt.ids.buckets)
		fuse__nt_destroy(&f->nt);
	free(f->conf.modules);
	free(f->fs);
	free(f);
}

FUSE_EXPORT struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
				     size_t op_size, void *user_data)
{
	struct fuse *f;
	int err;

	if (!args || !op) {
		fuse_log(FUSE_LOG_ERR, "fuse: fuse_new: no arguments or no operations\n");
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
		return NULL;
	}
	f->fs = fuse_fs_new(op, op_size, user_data);
	if (!f->fs)
		goto out_free;
	if (fuse__parse_config(f, args) < 0)
		goto out_free;
	if (f->conf.show_help) {
		if (args->argc > 0 && args->argv[0][0] != '\0')
			printf("usage: %s [options] <mountpoint>\n\n", args->argv[0]);
		fuse_lib_help(args);
		goto out_free;
	}
	f->fs->debug = f->conf.debug != 0;
	err = fuse__nt_init(&f->nt, f->conf.remember);
	if (err)
		goto out_free;
	err = fuse__tree_lock_init(f);
	if (err)
		goto out_free;
	err = fuse__cleanup_init(f);
	if (err)
		goto out_tree;
	if (f->conf.intr) {
		err = intr_install(f);
		if (err) {
			fuse_log(FUSE_LOG_ERR, "fuse: cannot install intr_signal handler: %s\n",
				 strerror(-err));
			goto out_cleanup;
		}
	}
	f->se = fuse_session_new(args, &fuse__hl_ops, sizeof(fuse__hl_ops), f);
	if (!f->se)
		goto out_intr;
	if (f->conf.debug)
		fuse_log(FUSE_LOG_DEBUG,
			 "hard_remove: %i use_ino: %i readdir_ino: %i direct_io: %i "
			 "kernel_cache: %i auto_cache: %i nullpath_ok: %i remember: %i "
			 "entry_timeout: %g attr_timeout: %g negative_timeout: %g intr: %i\n",
			 f->conf.hard_remove, f->conf.use_ino, f->conf.readdir_ino,
			 f->conf.direct_io, f->conf.kernel_cache, f->conf.auto_cache,
			 f->conf.nullpath_ok, f->conf.remember, f->conf.entry_timeout,
			 f->conf.attr_timeout, f->conf.negative_timeout, f->conf.intr);
	/* fuse_get_context() before the first request still names this filesystem */
	fuse__set_context(NULL, f);
	return f;

out_intr:
	intr_remove(f);
out_cleanup:
	fuse__cleanup_fini(f);
out_tree:
	(void)pthread_rwlock_destroy(&f->tree_lock);
out_free:
	hl_free(f);
	return NULL;
}
#if RINGFUSE_ABI >= 318
/* libfuse 3.17+ keeps fuse_new@FUSE_3.1 for old binaries only: new ones call _fuse_new_31. */
FUSE_SYMVER(fuse_new_31, "fuse_new@FUSE_3.1");
#else
FUSE_SYMVER(fuse_new_31, "fuse_new@@FUSE_3.1");
#endif

/* The 3.0 ABI takes the same arguments; only binaries built against 3.0 headers land here. */
FUSE_EXPORT struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
				     size_t op_size, void *user_data)
{
	return fuse_new_31(args, op, op_size, user_data);
}
FUSE_SYMVER(fuse_new_30, "fuse_new@FUSE_3.0");

/* Unlink the .fuse_hidden files still open at unmount: nobody can release them any more. */
static void remove_hidden(struct fuse *f)
{
	char **paths = NULL;
	size_t n = 0, i;

	if (fuse__nt_hidden_paths(&f->nt, &paths, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		(void)fuse_fs_unlink(f->fs, paths[i]);
		free(paths[i]);
	}
	free(paths);
}

FUSE_EXPORT void fuse_destroy(struct fuse *f)
{
	if (!f)
		return;
	fuse_stop_cleanup_thread(f);
	fuse__set_context(NULL, f);
	if (!f->conf.hard_remove)
		remove_hidden(f);
	/* runs the filesystem's destroy() through our low-level destroy, if INIT was seen */
	fuse_session_destroy(f->se);
	intr_remove(f);
	fuse__cleanup_fini(f);
	(void)pthread_rwlock_destroy(&f->tree_lock);
	fuse__clear_context();
	memset(&fuse__context()->ctx, 0, sizeof(fuse__context()->ctx));
	hl_free(f);
}

FUSE_EXPORT int fuse_mount(struct fuse *f, const char *mountpoint)
{
	if (!f || !mountpoint)
		return -1;
	return fuse_session_mount(f->se, mountpoint) == 0 ? 0 : -1;
}

FUSE_EXPORT void fuse_unmount(struct fuse *f)
{
	if (f)
		fuse_session_unmount(f->se);
}

FUSE_EXPORT struct fuse_session *fuse_get_session(struct fuse *f)
{
	return f ? f->se : NULL;
}

FUSE_EXPORT void fuse_exit(struct fuse *f)
{
	if (f)
		fuse_session_exit(f->se);
}

FUSE_EXPORT int fuse_loop(struct fuse *f)
{
	int res;

	if (!f)
		return -1;
	if (fuse_start_cleanup_thread(f) != 0)
		return -1;
	res = fuse_session_loop(f->se);
	fuse_stop_cleanup_thread(f);
	return res;
}

FUSE_EXPORT int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config)
{
	int res;

	if (!f)
		return -1;
	if (fuse_start_cleanup_thread(f) != 0)
		return -1;
	res = fuse_session_loop_mt_312(f->se, config);
	fuse_stop_cleanup_thread(f);
	return res;
}
FUSE_SYMVER(fuse_loop_mt_312, "fuse_loop_mt@@FUSE_3.12");

FUSE_EXPORT int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config_v1 *config_v1)
{
	struct fuse_loop_config *cfg;
	int res;

	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -1;
	if (config_v1)
		fuse_loop_cfg_convert(cfg, config_v1);
	res = fuse_loop_mt_312(f, cfg);
	fuse_loop_cfg_destroy(cfg);
	return res;
}
FUSE_SYMVER(fuse_loop_mt_32, "fuse_loop_mt@FUSE_3.2");

FUSE_EXPORT int fuse_loop_mt_31(struct fuse *f, int clone_fd)
{
	struct fuse_loop_config *cfg;
	int res;

	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -1;
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)clone_fd);
	res = fuse_loop_mt_312(f, cfg);
	fuse_loop_cfg_destroy(cfg);
	return res;
}
FUSE_SYMVER(fuse_loop_mt_31, "fuse_loop_mt@FUSE_3.0");

FUSE_EXPORT int fuse_invalidate_path(struct fuse *f, const char *path)
{
	uint64_t id;
	int err;

	if (!f || !path)
		return -EINVAL;
	err = fuse__nt_lookup_path(&f->nt, path, &id);
	if (err)
		return err;
	return fuse_lowlevel_notify_inval_inode(f->se, id, 0, 0);
}

/*
 * A mounted /dev/fuse descriptor without a session for it: mount through a throwaway
 * session (which knows every mount option) and keep a duplicate of its descriptor.
 */
FUSE_EXPORT int fuse_open_channel(const char *mountpoint, const char *options)
{
	static const struct fuse_lowlevel_ops no_ops;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	int fd = -1;

	if (!mountpoint)
		return -1;
	if (fuse_opt_add_arg(&args, "") == -1)
		goto out;
	if (options && (fuse_opt_add_arg(&args, "-o") == -1 ||
			fuse_opt_add_arg(&args, options) == -1))
		goto out;
	se = fuse_session_new(&args, &no_ops, sizeof(no_ops), NULL);
	if (!se)
		goto out;
	if (fuse_session_mount(se, mountpoint) != 0)
		goto out_se;
	fd = fcntl(fuse_session_fd(se), F_DUPFD_CLOEXEC, 0);
	if (fd == -1)
		fuse_log(FUSE_LOG_ERR, "fuse: cannot duplicate /dev/fuse descriptor: %s\n",
			 strerror(errno));
out_se:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&args);
	return fd;
}

FUSE_EXPORT int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op,
			       size_t op_size, void *user_data)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	struct fuse *f;
	int res;

	memset(&opts, 0, sizeof(opts));
	if (fuse_parse_cmdline_312(&args, &opts) != 0)
		return 1;
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		/* fuse_lowlevel_version may run fusermount3 -V, which writes to the same stdout */
		(void)fflush(stdout);
		fuse_lowlevel_version();
		res = 0;
		goto out_args;
	}
	if (opts.show_help) {
		if (args.argv[0][0] != '\0')
			printf("usage: %s [options] <mountpoint>\n\n", args.argv[0]);
		printf("FUSE options:\n");
		fuse_cmdline_help();
		fuse_lib_help(&args);
		res = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fuse_log(FUSE_LOG_ERR, "error: no mountpoint specified\n");
		res = 2;
		goto out_args;
	}
	f = fuse_new_31(&args, op, op_size, user_data);
	if (!f) {
		res = 3;
		goto out_args;
	}
	if (fuse_mount(f, opts.mountpoint) != 0) {
		res = 4;
		goto out_destroy;
	}
	if (fuse_daemonize(opts.foreground) != 0) {
		res = 5;
		goto out_unmount;
	}
	se = fuse_get_session(f);
	if (fuse_set_signal_handlers(se) != 0) {
		res = 6;
		goto out_unmount;
	}
	if (opts.singlethread) {
		res = fuse_loop(f);
	} else {
		cfg = fuse_loop_cfg_create();
		if (!cfg) {
			res = 7;
			goto out_signals;
		}
		fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)opts.clone_fd);
		fuse_loop_cfg_set_idle_threads(cfg, opts.max_idle_threads);
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		res = fuse_loop_mt_312(f, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	if (res)
		res = 8;
out_signals:
	fuse_remove_signal_handlers(se);
out_unmount:
	fuse_unmount(f);
out_destroy:
	fuse_destroy(f);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return res;
}

#if RINGFUSE_ABI >= 318
/*
 * libfuse 3.17+'s versioned high-level constructors (libfuse3.so.4 only): the header inlines
 * pass the version they were compiled with. Here rather than in api318.c, which the low-level
 * core calls: the high-level layer sits on top and only calls down.
 */
FUSE_EXPORT int fuse_main_real_versioned(int argc, char *argv[], const struct fuse_operations *op,
					 size_t op_size, struct libfuse_version *version,
					 void *user_data)
{
	/* fuse_main()'s exit code for "could not even start". */
	if (fuse__api_version_check(version, __func__) < 0)
		return 1;
	return fuse_main_real(argc, argv, op, op_size, user_data);
}

FUSE_EXPORT struct fuse *_fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
				      size_t op_size, struct libfuse_version *version,
				      void *user_data)
{
	if (fuse__api_version_check(version, __func__) < 0)
		return NULL;
	return fuse_new_31(args, op, op_size, user_data);
}

FUSE_EXPORT struct fuse *_fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
				      size_t op_size, struct libfuse_version *version,
				      void *user_data)
{
	if (fuse__api_version_check(version, __func__) < 0)
		return NULL;
	return fuse_new_30(args, op, op_size, user_data);
}
#endif
