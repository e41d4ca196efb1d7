/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test filesystem whose READ handler is a gate: it lets no reader out until N of them are
 * inside at the same time (a barrier, reused round after round). A ring that runs only one
 * handler per queue thread at a time can never gather N > CPUs readers, so its reads time
 * out (after a generous gate_timeout_ms) and fail with ETIMEDOUT; a transport that runs
 * handlers concurrently lets every round through. It serves "data" (direct_io, so every
 * read reaches the handler; every byte is 'g') and "stats":
 * "passed=P timeouts=T max_inside=M reads=R".
 *
 * With -o gate=1 there is no gate, and -o delay_us=D makes every READ take D us first:
 * the blocking backend of quick benchmarks.
 *
 * -o api_dispatch=M sets the ring's dispatch mode through ringfuse_session_set_uring_dispatch.
 *
 * Usage: gate_ll [-o gate=N] [-o gate_timeout_ms=MS] [-o delay_us=D] [fuse options] MOUNTPOINT
 */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <ringfuse.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define INO_DATA 2
#define INO_STATS 3
#define DATA_SIZE (1u << 20)
#define STATS_MAX 128

struct gate_opts {
	unsigned int n;
	unsigned int timeout_ms;
	unsigned int delay_us;
	int api_dispatch;       /* -1: leave it; else ringfuse_session_set_uring_dispatch(mode) */
};

static struct gate_opts gopts = { 8, 20000, 0, -1 };

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static unsigned int gate_arrived;  /* readers waiting in this round */
static unsigned long gate_round;   /* bumped when a round gathers N */
static unsigned int gate_inside;   /* readers in the handler now */
static unsigned int gate_max_inside;
static unsigned long long gate_passed, gate_timeouts, gate_reads;
static char gate_buf[65536];

/* Returns 0 when N readers gathered, -ETIMEDOUT otherwise. */
static int gate_wait(void)
{
	struct timespec deadline;
	unsigned long round;
	int err = 0, rc;

	(void)clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += gopts.timeout_ms / 1000;
	deadline.tv_nsec += (long)(gopts.timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&gate_lock);
	gate_reads++;
	gate_inside++;
	if (gate_inside > gate_max_inside)
		gate_max_inside = gate_inside;
	round = gate_round;
	if (++gate_arrived >= gopts.n) {
		gate_arrived = 0;
		gate_round++;
		pthread_cond_broadcast(&gate_cond);
	} else {
		while (gate_round == round) {
			rc = pthread_cond_timedwait(&gate_cond, &gate_lock, &deadline);
			if (rc == ETIMEDOUT && gate_round == round) {
				gate_arrived--;
				err = -ETIMEDOUT;
				break;
			}
		}
	}
	if (err)
		gate_timeouts++;
	else
		gate_passed++;
	gate_inside--;
	pthread_mutex_unlock(&gate_lock);
	return err;
}

static int stats_text(char *buf, size_t size)
{
	int n;

	pthread_mutex_lock(&gate_lock);
	n = snprintf(buf, size, "passed=%llu timeouts=%llu max_inside=%u reads=%llu\n",
		     gate_passed, gate_timeouts, gate_max_inside, gate_reads);
	pthread_mutex_unlock(&gate_lock);
	return n < 0 || (size_t)n >= size ? -EOVERFLOW : n;
}

static int fill_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	switch (ino) {
	case FUSE_ROOT_ID:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case INO_DATA:
		st->st_mode = S_IFREG | 0444;
		st->st_size = DATA_SIZE;
		return 0;
	case INO_STATS:
		st->st_mode = S_IFREG | 0444;
		st->st_size = STATS_MAX;
		return 0;
	default:
		return -ENOENT;
	}
}

static void gate_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
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

static void gate_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
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

static void gate_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
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

static void gate_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	char stats[STATS_MAX];
	size_t n = 0;
	int len, err;

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
	if (gopts.delay_us) {
		/* The blocking backend of the benchmarks: a server that answers after delay_us. */
		struct timespec ts = { gopts.delay_us / 1000000, (long)(gopts.delay_us % 1000000) * 1000 };

		(void)nanosleep(&ts, NULL);
	}
	err = gopts.n > 1 ? gate_wait() : 0;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	if (off >= 0 && (uint64_t)off < DATA_SIZE)
		n = DATA_SIZE - (size_t)off < size ? DATA_SIZE - (size_t)off : size;
	if (n > sizeof(gate_buf))
		n = sizeof(gate_buf);
	fuse_reply_buf(req, gate_buf, n);
}

static const struct fuse_lowlevel_ops gate_ops = {
	.lookup = gate_lookup,
	.getattr = gate_getattr,
	.open = gate_open,
	.read = gate_read,
};

static const struct fuse_opt gate_opt_spec[] = {
	{ "gate=%u", offsetof(struct gate_opts, n), 0 },
	{ "gate_timeout_ms=%u", offsetof(struct gate_opts, timeout_ms), 0 },
	{ "delay_us=%u", offsetof(struct gate_opts, delay_us), 0 },
	{ "api_dispatch=%d", offsetof(struct gate_opts, api_dispatch), 0 },
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg;
	struct fuse_session *se = NULL;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	memset(gate_buf, 'g', sizeof(gate_buf));
	if (fuse_opt_parse(&args, &gopts, gate_opt_spec, NULL) == -1 || gopts.n < 1)
		goto out_args;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [-o gate=N] [-o gate_timeout_ms=MS] [-o max_threads=N] [-o io_uring] MOUNTPOINT\n",
			argv[0]);
		goto out_args;
	}
	se = fuse_session_new(&args, &gate_ops, sizeof(gate_ops), NULL);
	if (!se)
		goto out_args;
	if (gopts.api_dispatch >= 0) {
		/* The API refuses what is not a mode, and takes what is. */
		if (ringfuse_session_set_uring_dispatch(NULL, RINGFUSE_URING_AUTO) != -EINVAL ||
		    ringfuse_session_set_uring_dispatch(se, (enum ringfuse_uring_dispatch)99) != -EINVAL ||
		    ringfuse_session_set_uring_dispatch(se, (enum ringfuse_uring_dispatch)gopts.api_dispatch) != 0) {
			fprintf(stderr, "%s: ringfuse_session_set_uring_dispatch misbehaved\n", argv[0]);
			goto out_session;
		}
	}
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	cfg = fuse_loop_cfg_create();
	if (!cfg) {
		fprintf(stderr, "%s: cannot allocate the loop configuration\n", argv[0]);
		goto out_unmount;
	}
	fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
	ret = fuse_session_loop_mt(se, cfg) != 0 ? 1 : 0;
	fuse_loop_cfg_destroy(cfg);
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
