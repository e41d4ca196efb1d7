/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test filesystem for the session loops: which loop runs it, how it is stopped, and what its
 * handlers see. It serves one read-only file, "data" (16 MiB, each byte a function of its
 * offset so readers can check what they got; direct_io, so every read reaches the handler),
 * and "stats" ("handlers=N late=M").
 *
 * Loops: the worker pool from fuse_loop_cfg_create() (default; -o max_threads, -o
 * max_idle_threads and -o clone_fd apply), -s (fuse_session_loop), --own-loop (the
 * filesystem's own fuse_session_receive_buf/fuse_session_process_buf loop that checks
 * fuse_session_exited). Built with FUSE_USE_VERSION 35 (loops_fs_v1) the pool is configured
 * the way 3.2-3.11 programs do it: a struct fuse_loop_config of their own, max_idle_threads
 * filled in by the program, passed to fuse_session_loop_mt@FUSE_3.2.
 *
 * "late" counts READ handlers that ran, wholly or partly, after the loop function returned:
 * main sets a flag the moment the loop returns, and each READ handler looks at it when it
 * starts and again when it is done. A filesystem may free its state right after its loop
 * returns (Debian's squashfuse_ll does), so the library must guarantee late=0. Main prints
 * "loops_fs: loop=R handlers=N late=M" on stderr after fuse_session_destroy(), when no
 * handler can run any more, and exits 3 if late > 0, 1 on a loop error, 0 otherwise.
 *
 * --delay-us=N: each READ handler sleeps N microseconds first. --exit-after=N: the Nth READ
 * handler calls fuse_session_exit() itself (after replying).
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define INO_DATA 2
#define INO_STATS 3
#define DATA_SIZE (16u << 20)
#define STATS_MAX 128

struct loops_opts {
	unsigned int delay_us;
	unsigned int exit_after;
	int own_loop;
};

struct loops_fs {
	struct fuse_session *se;
	struct loops_opts o;
	atomic_bool loop_returned;
	atomic_ullong handlers;
	atomic_ullong late;
};

static struct loops_fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static unsigned char data_byte(uint64_t off)
{
	return (unsigned char)((off * 131u + (off >> 12)) & 0xff);
}

static int fill_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	switch (ino) {
	case FUSE_ROOT_ID:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case INO_DATA:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = DATA_SIZE;
		return 0;
	case INO_STATS:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = STATS_MAX;
		return 0;
	default:
		return -ENOENT;
	}
}

static void loops_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (parent == FUSE_ROOT_ID && strcmp(name, "data") == 0)
		e.ino = INO_DATA;
	else if (parent == FUSE_ROOT_ID && strcmp(name, "stats") == 0)
		e.ino = INO_STATS;
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	(void)fill_attr(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void loops_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int err;

	(void)fi;
	err = fill_attr(ino, &st);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, 0);
}

static void loops_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != INO_DATA && ino != INO_STATS) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void read_stats(fuse_req_t req, struct loops_fs *fs, size_t size, off_t off)
{
	char text[STATS_MAX];
	size_t n;
	int len;

	len = snprintf(text, sizeof(text), "handlers=%llu late=%llu\n",
		       (unsigned long long)atomic_load(&fs->handlers),
		       (unsigned long long)atomic_load(&fs->late));
	if (len < 0 || (size_t)len >= sizeof(text)) {
		fuse_reply_err(req, EOVERFLOW);
		return;
	}
	n = off < len ? (size_t)(len - off) : 0;
	fuse_reply_buf(req, text + (off < len ? off : 0), n < size ? n : size);
}

static void loops_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct loops_fs *fs = fs_of(req);
	struct fuse_session *se = fs->se;
	struct timespec ts;
	unsigned char *buf = NULL;
	unsigned long long nth;
	bool late;
	size_t i, n = 0;

	(void)fi;
	if (ino == INO_STATS) {
		read_stats(req, fs, size, off);
		return;
	}
	late = atomic_load(&fs->loop_returned);
	nth = atomic_fetch_add(&fs->handlers, 1) + 1;
	if (fs->o.delay_us) {
		ts.tv_sec = fs->o.delay_us / 1000000;
		ts.tv_nsec = (long)(fs->o.delay_us % 1000000) * 1000;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	if (off >= 0 && (uint64_t)off < DATA_SIZE)
		n = DATA_SIZE - (size_t)off < size ? DATA_SIZE - (size_t)off : size;
	if (n) {
		buf = malloc(n);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			goto out;
		}
		for (i = 0; i < n; i++)
			buf[i] = data_byte((uint64_t)off + i);
	}
	fuse_reply_buf(req, (const char *)buf, n);
	free(buf);
	if (fs->o.exit_after && nth == fs->o.exit_after)
		fuse_session_exit(se);
out:
	/* Still running when the loop returned counts too: the caller may free state now. */
	if (late || atomic_load(&fs->loop_returned))
		atomic_fetch_add(&fs->late, 1);
}

static const struct fuse_lowlevel_ops loops_ops = {
	.lookup = loops_lookup,
	.getattr = loops_getattr,
	.open = loops_open,
	.read = loops_read,
};

/* A loop of the filesystem's own, the way libfuse's documentation shows it. */
static int own_loop(struct fuse_session *se)
{
	struct fuse_buf fbuf = { .mem = NULL };
	int res = 0;

	while (!fuse_session_exited(se)) {
		res = fuse_session_receive_buf(se, &fbuf);
		if (res == -EINTR)
			continue;
		if (res <= 0)
			break;
		fuse_session_process_buf(se, &fbuf);
	}
	free(fbuf.mem);
	return res < 0 ? res : 0;
}

static int run_loop(struct fuse_session *se, const struct fuse_cmdline_opts *opts)
{
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
	/* What a 3.2-3.11 program does: its own structure, its own idle bound. */
	struct fuse_loop_config cfg;

	if (opts->singlethread)
		return fuse_session_loop(se);
	memset(&cfg, 0, sizeof(cfg));
	cfg.clone_fd = opts->clone_fd;
	cfg.max_idle_threads = opts->max_idle_threads;
	return fuse_session_loop_mt(se, &cfg);
#else
	struct fuse_loop_config *cfg;
	int ret;

	if (opts->singlethread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg) {
		fprintf(stderr, "loops_fs: cannot allocate the loop configuration\n");
		return -ENOMEM;
	}
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)opts->clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, opts->max_threads);
	/* UINT_MAX: not given; the library's default is then to keep idle workers. */
	if (opts->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(cfg, opts->max_idle_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
#endif
}

#define LOOPS_OPT(t, p) { t, offsetof(struct loops_opts, p), 1 }

static const struct fuse_opt loops_spec[] = {
	{ "--delay-us=%u", offsetof(struct loops_opts, delay_us), 0 },
	{ "--exit-after=%u", offsetof(struct loops_opts, exit_after), 0 },
	LOOPS_OPT("--own-loop", own_loop),
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	static struct loops_fs fs;
	struct fuse_session *se = NULL;
	int loop_ret = 0, ret = 1;

	memset(&opts, 0, sizeof(opts));
	if (fuse_opt_parse(&args, &fs.o, loops_spec, NULL) != 0)
		goto out_args;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [-s|--own-loop] [--delay-us=N] [--exit-after=N] "
			"[-o max_idle_threads=N] [-o io_uring] MOUNTPOINT\n", argv[0]);
		goto out_args;
	}
	se = fuse_session_new(&args, &loops_ops, sizeof(loops_ops), &fs);
	if (!se)
		goto out_args;
	fs.se = se;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (fs.o.own_loop)
		loop_ret = own_loop(se);
	else
		loop_ret = run_loop(se, &opts);
	atomic_store(&fs.loop_returned, true);
	fuse_session_unmount(se);
	ret = loop_ret < 0 ? 1 : 0;
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
	fprintf(stderr, "loops_fs: loop=%d handlers=%llu late=%llu\n", loop_ret,
		(unsigned long long)atomic_load(&fs.handlers),
		(unsigned long long)atomic_load(&fs.late));
	if (atomic_load(&fs.late))
		ret = 3;
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
