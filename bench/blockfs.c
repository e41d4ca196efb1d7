/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * blockfs: the benchmark's blocking-backend filesystem. It serves one regular file, "data",
 * from memory, but its LOOKUP, READ and WRITE handlers first wait a set time, as a network
 * client waits for its server or a disk read misses the cache. With a multi-threaded loop the
 * daemon can have up to max_threads such waits in flight at once, so its throughput is bounded
 * by max_threads / delay: that is what bench/run.py measures for each transport. The wait is a
 * plain nanosleep(): the handler's thread blocks and gives its CPU away, as a real backend's
 * would.
 *
 * It uses only the libfuse 3.14 low-level API, so the same source builds against ringfuse and
 * against the system libfuse3 (blockfs-sys), like the examples.
 *
 *   blockfs [-f] [-s] [-o delay_us=N,size_mib=M,max_threads=T,...] MOUNTPOINT
 *
 * delay_us: the wait in microseconds (default 1000); size_mib: the size of "data" in MiB
 * (default 256, zero filled); max_threads: the multi-threaded loop's bound (default 10, the
 * libfuse default).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BFS_ROOT_INO 1
#define BFS_FILE_INO 2

static const char bfs_name[] = "data";

struct bfs_opts {
	unsigned int delay_us;
	unsigned int size_mib;
};

struct bfs {
	unsigned int delay_us;
	size_t size;
	char *data;
	/* readers copy out while writers copy in: short critical sections, never around a wait */
	pthread_rwlock_t lock;
};

static const struct fuse_opt bfs_opt_spec[] = {
	{ "delay_us=%u", offsetof(struct bfs_opts, delay_us), 0 },
	{ "size_mib=%u", offsetof(struct bfs_opts, size_mib), 0 },
	FUSE_OPT_END
};

/* The backend's service time; EINTR restarts with what is left. */
static void bfs_wait(const struct bfs *fs)
{
	struct timespec ts = {
		.tv_sec = fs->delay_us / 1000000u,
		.tv_nsec = (long)(fs->delay_us % 1000000u) * 1000L,
	};

	if (fs->delay_us == 0)
		return;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int bfs_fill_stat(const struct bfs *fs, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	switch (ino) {
	case BFS_ROOT_INO:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case BFS_FILE_INO:
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = (off_t)fs->size;
		st->st_blocks = (blkcnt_t)(fs->size / 512);
		return 0;
	default:
		return -ENOENT;
	}
}

static void bfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct bfs *fs = fuse_req_userdata(req);
	struct fuse_entry_param e;

	bfs_wait(fs);
	if (parent != BFS_ROOT_INO || strcmp(name, bfs_name) != 0) {
		(void)fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = BFS_FILE_INO;
	/* short timeouts: a benchmark that looks names up again reaches the handler again */
	e.attr_timeout = 1.0;
	e.entry_timeout = 1.0;
	(void)bfs_fill_stat(fs, e.ino, &e.attr);
	(void)fuse_reply_entry(req, &e);
}

static void bfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct bfs *fs = fuse_req_userdata(req);
	struct stat st;
	int err = bfs_fill_stat(fs, ino, &st);

	(void)fi;
	if (err < 0) {
		(void)fuse_reply_err(req, -err);
		return;
	}
	(void)fuse_reply_attr(req, &st, 1.0);
}

/* The file's size is fixed: a truncate to any other size is refused, everything else ignored. */
static void bfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			struct fuse_file_info *fi)
{
	struct bfs *fs = fuse_req_userdata(req);

	if ((to_set & FUSE_SET_ATTR_SIZE) &&
	    (ino != BFS_FILE_INO || attr->st_size != (off_t)fs->size)) {
		(void)fuse_reply_err(req, ino == BFS_FILE_INO ? EPERM : EISDIR);
		return;
	}
	bfs_getattr(req, ino, fi);
}

static void bfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	static const struct { const char *name; fuse_ino_t ino; mode_t type; } ents[] = {
		{ ".", BFS_ROOT_INO, S_IFDIR },
		{ "..", BFS_ROOT_INO, S_IFDIR },
		{ bfs_name, BFS_FILE_INO, S_IFREG },
	};
	char *buf = NULL;
	size_t used = 0;
	size_t i;

	(void)fi;
	if (ino != BFS_ROOT_INO) {
		(void)fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > 0) {
		buf = malloc(size);
		if (buf == NULL) {
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

static void bfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == BFS_ROOT_INO) {
		(void)fuse_reply_err(req, EISDIR);
		return;
	}
	if (ino != BFS_FILE_INO) {
		(void)fuse_reply_err(req, ENOENT);
		return;
	}
	if (fi->flags & O_TRUNC) {
		(void)fuse_reply_err(req, EPERM);
		return;
	}
	(void)fuse_reply_open(req, fi);
}

/* Clamp [off, off + *len) to the file; 0 when off is outside it. */
static int bfs_clamp(const struct bfs *fs, off_t off, size_t *len)
{
	if (off < 0 || (size_t)off >= fs->size) {
		*len = 0;
		return 0;
	}
	if (*len > fs->size - (size_t)off)
		*len = fs->size - (size_t)off;
	return 1;
}

static void bfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct bfs *fs = fuse_req_userdata(req);

	(void)fi;
	bfs_wait(fs);
	if (ino != BFS_FILE_INO) {
		(void)fuse_reply_err(req, EISDIR);
		return;
	}
	if (!bfs_clamp(fs, off, &size)) {
		(void)fuse_reply_buf(req, NULL, 0);
		return;
	}
	/* the reply copies the bytes before the lock is dropped, so a writer cannot tear them */
	(void)pthread_rwlock_rdlock(&fs->lock);
	(void)fuse_reply_buf(req, fs->data + off, size);
	(void)pthread_rwlock_unlock(&fs->lock);
}

static void bfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct bfs *fs = fuse_req_userdata(req);

	(void)fi;
	bfs_wait(fs);
	if (ino != BFS_FILE_INO) {
		(void)fuse_reply_err(req, EISDIR);
		return;
	}
	if (size > 0 && !bfs_clamp(fs, off, &size)) {
		(void)fuse_reply_err(req, EFBIG);
		return;
	}
	if (size > 0) {
		(void)pthread_rwlock_wrlock(&fs->lock);
		memcpy(fs->data + off, buf, size);
		(void)pthread_rwlock_unlock(&fs->lock);
	}
	(void)fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops bfs_ops = {
	.lookup = bfs_lookup,
	.getattr = bfs_getattr,
	.setattr = bfs_setattr,
	.readdir = bfs_readdir,
	.open = bfs_open,
	.read = bfs_read,
	.write = bfs_write,
};

static void bfs_usage(const char *prog)
{
	printf("usage: %s [options] <mountpoint>\n\n"
	       "    -o delay_us=N          wait N microseconds in LOOKUP, READ and WRITE "
	       "(default 1000)\n"
	       "    -o size_mib=M          size of the file \"data\" in MiB (default 256)\n\n",
	       prog);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct bfs_opts bo = { .delay_us = 1000, .size_mib = 256 };
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg = NULL;
	struct fuse_session *se = NULL;
	struct bfs fs;
	int lock_ok = 0;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	memset(&fs, 0, sizeof(fs));
	if (fuse_opt_parse(&args, &bo, bfs_opt_spec, NULL) != 0)
		goto out_args;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help) {
		bfs_usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		(void)fflush(stdout);
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "%s: no mountpoint given (see %s -h)\n", argv[0], argv[0]);
		goto out_args;
	}
	if (bo.size_mib == 0 || bo.size_mib > 65536) {
		fprintf(stderr, "%s: size_mib must be 1..65536\n", argv[0]);
		goto out_args;
	}
	fs.delay_us = bo.delay_us;
	fs.size = (size_t)bo.size_mib << 20;
	fs.data = calloc(1, fs.size);
	if (fs.data == NULL) {
		fprintf(stderr, "%s: cannot allocate %u MiB\n", argv[0], bo.size_mib);
		goto out_args;
	}
	if (pthread_rwlock_init(&fs.lock, NULL) != 0) {
		fprintf(stderr, "%s: pthread_rwlock_init failed\n", argv[0]);
		goto out_args;
	}
	lock_ok = 1;

	se = fuse_session_new(&args, &bfs_ops, sizeof(bfs_ops), &fs);
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
		if (opts.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(cfg, opts.max_idle_threads);
		/* fuse_parse_cmdline's default is 10, libfuse's pool size for /dev/fuse */
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		ret = fuse_session_loop_mt(se, cfg);
	}
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
	if (lock_ok)
		(void)pthread_rwlock_destroy(&fs.lock);
	free(fs.data);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
