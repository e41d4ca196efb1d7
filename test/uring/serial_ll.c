/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test filesystem that notices when two of its handlers run at the same time. A filesystem
 * run with -s (fuse_session_loop), or by a worker pool of one thread (-o max_threads=1), is
 * promised one request at a time, however many ring threads deliver them; this one counts every handler entered while another was still
 * running, and lingers in read so that an overlap has time to happen. It serves one
 * read-only file, "data", whose bytes follow from their offsets (so readers can check what
 * they got), and "stats", which reports the counters as "overlaps=N max_active=M
 * handlers=H". Opens use direct_io so every read reaches a handler.
 */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define INO_DATA 2
#define INO_STATS 3
#define DATA_SIZE (16u << 20)
#define STATS_MAX 128

static atomic_uint active;
static atomic_uint max_active;
static atomic_ullong overlaps;
static atomic_ullong handlers;

static void guard_enter(void)
{
	unsigned int now = atomic_fetch_add(&active, 1) + 1;
	unsigned int seen = atomic_load(&max_active);

	atomic_fetch_add(&handlers, 1);
	if (now > 1)
		atomic_fetch_add(&overlaps, 1);
	while (now > seen && !atomic_compare_exchange_weak(&max_active, &seen, now))
		;
}

static void guard_leave(void)
{
	atomic_fetch_sub(&active, 1);
}

/* Long enough that two queue threads handling reads at once would be caught doing so. */
static void linger(void)
{
	struct timespec ts = { 0, 200 * 1000 };

	(void)nanosleep(&ts, NULL);
}

static unsigned char data_byte(uint64_t off)
{
	return (unsigned char)((off * 131u + (off >> 12)) & 0xff);
}

static int stats_text(char *buf, size_t size)
{
	int n = snprintf(buf, size, "overlaps=%llu max_active=%u handlers=%llu\n",
			 (unsigned long long)atomic_load(&overlaps), atomic_load(&max_active),
			 (unsigned long long)atomic_load(&handlers));

	return n < 0 || (size_t)n >= size ? -EOVERFLOW : n;
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

static void serial_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	fuse_ino_t ino = 0;

	guard_enter();
	memset(&e, 0, sizeof(e));
	if (parent == FUSE_ROOT_ID && strcmp(name, "data") == 0)
		ino = INO_DATA;
	else if (parent == FUSE_ROOT_ID && strcmp(name, "stats") == 0)
		ino = INO_STATS;
	guard_leave();
	if (!ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = ino;
	(void)fill_attr(ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void serial_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int err;

	(void)fi;
	guard_enter();
	err = fill_attr(ino, &st);
	guard_leave();
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, 0);
}

static void serial_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	guard_enter();
	guard_leave();
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

static void serial_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	char stats[STATS_MAX];
	unsigned char *buf = NULL;
	size_t i, n = 0;
	int len;

	(void)fi;
	if (ino == INO_STATS) {
		len = stats_text(stats, sizeof(stats));
		if (len < 0) {
			fuse_reply_err(req, -len);
			return;
		}
		n = off < len ? (size_t)(len - off) : 0;
		fuse_reply_buf(req, stats + (off < len ? off : 0), n < size ? n : size);
		return;
	}
	guard_enter();
	if (off >= 0 && (uint64_t)off < DATA_SIZE)
		n = DATA_SIZE - (size_t)off < size ? DATA_SIZE - (size_t)off : size;
	if (n) {
		buf = malloc(n);
		if (!buf) {
			guard_leave();
			fuse_reply_err(req, ENOMEM);
			return;
		}
		for (i = 0; i < n; i++)
			buf[i] = data_byte((uint64_t)off + i);
	}
	linger();
	guard_leave();
	fuse_reply_buf(req, (const char *)buf, n);
	free(buf);
}

static const struct fuse_lowlevel_ops serial_ops = {
	.lookup = serial_lookup,
	.getattr = serial_getattr,
	.open = serial_open,
	.read = serial_read,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg;
	struct fuse_session *se = NULL;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [-s] [-o max_threads=N] [-o io_uring] MOUNTPOINT\n", argv[0]);
		goto out_args;
	}
	se = fuse_session_new(&args, &serial_ops, sizeof(serial_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		cfg = fuse_loop_cfg_create();
		if (!cfg) {
			fprintf(stderr, "%s: cannot allocate the loop configuration\n", argv[0]);
			goto out_unmount;
		}
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		ret = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	ret = ret != 0 ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
