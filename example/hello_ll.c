/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hello_ll: the smallest useful low-level filesystem. It exposes a read-only root directory
 * holding one regular file, "hello", whose content is a fixed greeting. It exists to show the
 * skeleton every low-level daemon shares (command line, session, mount, signal handlers,
 * multithreaded loop, teardown) and is mounted by the mount test suite, so it uses nothing
 * beyond the libfuse 3.14 API and builds unchanged against ringfuse and the system libfuse3.
 *
 *   hello_ll [-f] [-d] [-s] [-o opt,...] MOUNTPOINT
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HELLO_ROOT_INO 1
#define HELLO_FILE_INO 2

static const char hello_name[] = "hello";
static const char hello_data[] = "Hello World!\n";

/* Attributes never change, so the kernel may cache them (and the entry) for a long time. */
static const double hello_timeout = 3600.0;

static int hello_fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	switch (ino) {
	case HELLO_ROOT_INO:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	case HELLO_FILE_INO:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(hello_data);
		return 0;
	default:
		return -ENOENT;
	}
}

static void hello_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != HELLO_ROOT_INO || strcmp(name, hello_name) != 0) {
		(void)fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = HELLO_FILE_INO;
	e.attr_timeout = hello_timeout;
	e.entry_timeout = hello_timeout;
	(void)hello_fill_stat(e.ino, &e.attr);
	(void)fuse_reply_entry(req, &e);
}

static void hello_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int err = hello_fill_stat(ino, &st);

	if (err < 0) {
		(void)fuse_reply_err(req, -err);
		return;
	}
	(void)fuse_reply_attr(req, &st, hello_timeout);
}

/*
 * The listing is tiny, so it is built whole on every call and the requested window is cut out
 * of it; that keeps offsets stable across calls without any per-open state.
 */
static void hello_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	static const struct { const char *name; fuse_ino_t ino; mode_t type; } ents[] = {
		{ ".", HELLO_ROOT_INO, S_IFDIR },
		{ "..", HELLO_ROOT_INO, S_IFDIR },
		{ hello_name, HELLO_FILE_INO, S_IFREG },
	};
	char *buf = NULL;
	size_t used = 0;
	size_t i;

	if (ino != HELLO_ROOT_INO) {
		(void)fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > 0) {
		buf = malloc(size);
		if (!buf) {
			(void)fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	for (i = (off < 0) ? 0 : (size_t)off; i < sizeof(ents) / sizeof(ents[0]); i++) {
		struct stat st;
		size_t need;

		memset(&st, 0, sizeof(st));
		st.st_ino = ents[i].ino;
		st.st_mode = ents[i].type;
		need = fuse_add_direntry(req, buf + used, size - used, ents[i].name, &st,
					 (off_t)(i + 1));
		if (need > size - used)
			break;
		used += need;
	}
	(void)fuse_reply_buf(req, buf, used);
	free(buf);
}

static void hello_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == HELLO_ROOT_INO) {
		(void)fuse_reply_err(req, EISDIR);
		return;
	}
	if (ino != HELLO_FILE_INO) {
		(void)fuse_reply_err(req, ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		(void)fuse_reply_err(req, EACCES);
		return;
	}
	/* The content never changes: let the page cache keep it across opens. */
	fi->keep_cache = 1;
	(void)fuse_reply_open(req, fi);
}

static void hello_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	size_t len = strlen(hello_data);

	if (ino != HELLO_FILE_INO) {
		(void)fuse_reply_err(req, EISDIR);
		return;
	}
	if (off < 0 || (size_t)off >= len) {
		(void)fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	(void)fuse_reply_buf(req, hello_data + off, size);
}

#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
/* Nothing here can be interrupted: with the 3.17 API, say so and save the bookkeeping. */
static void hello_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->no_interrupt = 1;
}
#endif

static const struct fuse_lowlevel_ops hello_ops = {
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
	.init = hello_init,
#endif
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

static void hello_usage(const char *prog)
{
	printf("usage: %s [options] <mountpoint>\n\n", prog);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg = NULL;
	struct fuse_session *se = NULL;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help) {
		hello_usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		/* The next lines may come from a child (fusermount3 -V) writing to the same fd. */
		(void)fflush(stdout);
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "%s: no mountpoint given (see %s -h)\n", argv[0], argv[0]);
		goto out_args;
	}

	se = fuse_session_new(&args, &hello_ops, sizeof(hello_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;

	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		cfg = fuse_loop_cfg_create();
		if (!cfg) {
			fprintf(stderr, "%s: cannot allocate the loop configuration\n", argv[0]);
			goto out_unmount;
		}
		fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)opts.clone_fd);
		/* UINT_MAX means "not given"; libfuse 3.14 would log it as invalid. */
		if (opts.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(cfg, opts.max_idle_threads);
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		ret = fuse_session_loop_mt(se, cfg);
	}
	/* The loop returns 0 on a clean unmount or signal and -errno (or 1) otherwise. */
	ret = ret != 0 ? 1 : 0;

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	if (cfg)
		fuse_loop_cfg_destroy(cfg);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
