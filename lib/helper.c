/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helpers a filesystem's main() calls around its session: fuse_daemonize(), the signal
 * handlers that end the session on HUP/INT/TERM, the version queries, the worker-pool
 * configuration object (struct fuse_loop_config, defined in loop_config_i.h), and the -o options
 * that override fields of struct fuse_conn_info (fuse_parse/apply_conn_info_opts).
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION RINGFUSE_ABI
#endif

#include "ringfuse_config.h"
#include "export_i.h"
#include "fuse_i.h"
#include "fuse_lowlevel.h"
#include "loop_config_i.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- fuse_daemonize ---- */

/*
 * Runs in the child: detach from the terminal and its session, leave the caller's working
 * directory (it may sit on a filesystem someone wants to unmount), and point stdio at
 * /dev/null so that writes to a closed terminal cannot kill us or block.
 */
static int daemon_setup_child(void)
{
	int nullfd;
	int fd;

	if (setsid() == -1) {
		fuse_log(FUSE_LOG_ERR, "fuse: setsid: %s\n", strerror(errno));
		return -1;
	}
	if (chdir("/") == -1) {
		fuse_log(FUSE_LOG_ERR, "fuse: chdir(\"/\"): %s\n", strerror(errno));
		return -1;
	}
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nullfd == -1) {
		fuse_log(FUSE_LOG_ERR, "fuse: open /dev/null: %s\n", strerror(errno));
		return -1;
	}
	for (fd = 0; fd <= 2; fd++) {
		if (fd != nullfd && dup2(nullfd, fd) == -1) {
			fuse_log(FUSE_LOG_ERR, "fuse: dup2: %s\n", strerror(errno));
			if (nullfd > 2)
				(void)close(nullfd);
			return -1;
		}
	}
	if (nullfd > 2)
		(void)close(nullfd);
	return 0;
}

/*
 * The parent stays until the child reports that it is set up, then exits with the status the
 * child sent (1 if the child died before sending one), so that a shell script running the
 * filesystem sees failures of the daemonization itself.
 */
FUSE_EXPORT int fuse_daemonize(int foreground)
{
	int waiter[2];
	unsigned char status = 1;
	ssize_t n;
	int res;

	if (foreground)
		return 0;
	if (pipe2(waiter, O_CLOEXEC) == -1) {
		fuse_log(FUSE_LOG_ERR, "fuse: daemonize: pipe: %s\n", strerror(errno));
		return -1;
	}
	switch (fork()) {
	case -1:
		fuse_log(FUSE_LOG_ERR, "fuse: daemonize: fork: %s\n", strerror(errno));
		(void)close(waiter[0]);
		(void)close(waiter[1]);
		return -1;
	case 0:
		break;
	default:
		(void)close(waiter[1]);
		do {
			n = read(waiter[0], &status, 1);
		} while (n == -1 && errno == EINTR);
		_exit(n == 1 ? status : 1);
	}

	(void)close(waiter[0]);
	res = daemon_setup_child();
	status = res == 0 ? 0 : 1;
	do {
		n = write(waiter[1], &status, 1);
	} while (n == -1 && errno == EINTR);
	(void)close(waiter[1]);
	return res;
}

/* ---- signal handlers ---- */

/*
 * A signal handler gets no context pointer, so the session it must end can only be found
 * through process-global state; libfuse's API (one session per fuse_set_signal_handlers() call,
 * until fuse_remove_signal_handlers()) is built on exactly that. Accessed atomically since the
 * handler may run on any thread.
 */
static struct fuse_session *signal_session;

static void signal_exit_handler(int sig)
{
	struct fuse_session *se = __atomic_load_n(&signal_session, __ATOMIC_ACQUIRE);

	/* The loop returns the signal number, as libfuse's does, so main() can tell why. */
	if (se != NULL)
		fuse__session_exit(se, sig);
}

/*
 * SIGPIPE gets this instead of SIG_IGN: a write to a gone reader then fails with EPIPE like
 * with SIG_IGN, and on removal we can tell our own disposition from a SIG_IGN the program had
 * set itself (which we must leave alone).
 */
static void signal_nop_handler(int sig)
{
	(void)sig;
}

/*
 * Install `to` for sig only if the current disposition is `from`. A handler the program
 * installed itself is never replaced, and on removal only ours is taken back.
 */
static int signal_swap(int sig, void (*from)(int), void (*to)(int))
{
	struct sigaction old;
	struct sigaction sa;

	if (sigaction(sig, NULL, &old) == -1)
		return -errno;
	if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != from)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = to;
	(void)sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a loop blocked in read(2) must wake with EINTR to see the exit. */
	sa.sa_flags = 0;
	if (sigaction(sig, &sa, NULL) == -1)
		return -errno;
	return 0;
}

static const int signal_exit_sigs[] = { SIGHUP, SIGINT, SIGTERM };

static void signal_restore_all(void)
{
	size_t i;

	for (i = 0; i < sizeof(signal_exit_sigs) / sizeof(signal_exit_sigs[0]); i++)
		(void)signal_swap(signal_exit_sigs[i], signal_exit_handler, SIG_DFL);
	(void)signal_swap(SIGPIPE, signal_nop_handler, SIG_DFL);
}

FUSE_EXPORT int fuse_set_signal_handlers(struct fuse_session *se)
{
	struct fuse_session *expected = NULL;
	size_t i;
	int res;

	if (se == NULL)
		return -1;
	/* Publish the session before any handler can run, and refuse a second one. */
	if (!__atomic_compare_exchange_n(&signal_session, &expected, se, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) && expected != se) {
		fuse_log(FUSE_LOG_ERR, "fuse: signal handlers already set for another session\n");
		return -1;
	}
	for (i = 0; i < sizeof(signal_exit_sigs) / sizeof(signal_exit_sigs[0]); i++) {
		res = signal_swap(signal_exit_sigs[i], SIG_DFL, signal_exit_handler);
		if (res < 0)
			goto err;
	}
	res = signal_swap(SIGPIPE, SIG_DFL, signal_nop_handler);
	if (res < 0)
		goto err;
	return 0;

err:
	fuse_log(FUSE_LOG_ERR, "fuse: cannot set signal handler: %s\n", strerror(-res));
	signal_restore_all();
	__atomic_store_n(&signal_session, NULL, __ATOMIC_RELEASE);
	return -1;
}

FUSE_EXPORT void fuse_remove_signal_handlers(struct fuse_session *se)
{
	struct fuse_session *expected = se;

	if (se == NULL ||
	    !__atomic_compare_exchange_n(&signal_session, &expected, NULL, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		fuse_log(FUSE_LOG_ERR, "fuse: fuse_remove_signal_handlers: unknown session\n");
		return;
	}
	signal_restore_all();
}

/* ---- versions ---- */

FUSE_EXPORT int fuse_version(void)
{
	return FUSE_VERSION;
}

/* The libfuse release whose API and ABI we provide; some programs compare it. */
FUSE_EXPORT const char *fuse_pkgversion(void)
{
	return FUSE_COMPAT_VERSION;
}

/* ---- struct fuse_loop_config ---- */

FUSE_EXPORT struct fuse_loop_config *fuse_loop_cfg_create(void)
{
	struct fuse_loop_config *config = malloc(sizeof(*config));

	if (config == NULL)
		return NULL;
	fuse__loop_config_init(config);
	return config;
}

FUSE_EXPORT void fuse_loop_cfg_destroy(struct fuse_loop_config *config)
{
	free(config);
}

FUSE_EXPORT void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config,
						unsigned int value)
{
	if (config == NULL)
		return;
	if (value > FUSE__LOOP_MAX_IDLE_LIMIT && value != FUSE__LOOP_IDLE_UNSET) {
		fuse_log(FUSE_LOG_ERR, "fuse: ignoring max_idle_threads %u (limit %u)\n", value,
			 FUSE__LOOP_MAX_IDLE_LIMIT);
		return;
	}
	config->max_idle_threads = value;
}

FUSE_EXPORT void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config,
					       unsigned int value)
{
	if (config == NULL)
		return;
	config->max_threads = value;
}

FUSE_EXPORT void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config, unsigned int value)
{
	if (config == NULL)
		return;
	config->clone_fd = value != 0;
}

FUSE_EXPORT void fuse_loop_cfg_convert(struct fuse_loop_config *config,
				       struct fuse_loop_config_v1 *v1_conf)
{
	if (config == NULL || v1_conf == NULL)
		return;
	config->clone_fd = v1_conf->clone_fd;
	config->max_idle_threads = v1_conf->max_idle_threads;
}

/* ---- fuse_conn_info overrides from -o ---- */

/* Numeric fields given on the command line, as bits of fuse_conn_info_opts.given. */
enum {
	CI_MAX_WRITE,
	CI_MAX_READAHEAD,
	CI_MAX_BACKGROUND,
	CI_CONGESTION_THRESHOLD,
	CI_TIME_GRAN,
	CI_NUM_COUNT
};

/* Keys of the numeric options; below them, key i means conn_flag_opts[i]. */
#define CI_KEY_NUM 1000

struct fuse_conn_info_opts {
	unsigned int given;		/* 1 << CI_* for each numeric field set */
	unsigned int max_write;
	unsigned int max_readahead;
	unsigned int max_background;
	unsigned int congestion_threshold;
	unsigned int time_gran;
	unsigned int want_set;		/* capability bits to set in conn->want */
	unsigned int want_clear;	/* capability bits to clear; disjoint from want_set */
};

struct conn_flag_opt {
	const char *name;
	unsigned int set;
	unsigned int clear;
};

/* The capability switches fuse_common.h documents for fuse_parse_conn_info_opts(). */
static const struct conn_flag_opt conn_flag_opts[] = {
	{ "async_read", FUSE_CAP_ASYNC_READ, 0 },
	{ "sync_read", 0, FUSE_CAP_ASYNC_READ },
	{ "atomic_o_trunc", FUSE_CAP_ATOMIC_O_TRUNC, 0 },
	{ "no_remote_lock", 0, FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_POSIX_LOCKS },
	{ "no_remote_flock", 0, FUSE_CAP_FLOCK_LOCKS },
	{ "no_remote_posix_lock", 0, FUSE_CAP_POSIX_LOCKS },
	{ "splice_write", FUSE_CAP_SPLICE_WRITE, 0 },
	{ "no_splice_write", 0, FUSE_CAP_SPLICE_WRITE },
	{ "splice_move", FUSE_CAP_SPLICE_MOVE, 0 },
	{ "no_splice_move", 0, FUSE_CAP_SPLICE_MOVE },
	{ "splice_read", FUSE_CAP_SPLICE_READ, 0 },
	{ "no_splice_read", 0, FUSE_CAP_SPLICE_READ },
	{ "auto_inval_data", FUSE_CAP_AUTO_INVAL_DATA, 0 },
	{ "no_auto_inval_data", 0, FUSE_CAP_AUTO_INVAL_DATA },
	{ "readdirplus=yes", FUSE_CAP_READDIRPLUS, FUSE_CAP_READDIRPLUS_AUTO },
	{ "readdirplus=no", 0, FUSE_CAP_READDIRPLUS },
	{ "readdirplus=auto", FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO, 0 },
	{ "async_dio", FUSE_CAP_ASYNC_DIO, 0 },
	{ "no_async_dio", 0, FUSE_CAP_ASYNC_DIO },
	{ "writeback_cache", FUSE_CAP_WRITEBACK_CACHE, 0 },
	{ "no_writeback_cache", 0, FUSE_CAP_WRITEBACK_CACHE },
};

#define CI_NUM(name, field, bit)							\
	{ name "=%u", offsetof(struct fuse_conn_info_opts, field), 0 },			\
	FUSE_OPT_KEY(name "=", CI_KEY_NUM + (bit))

/*
 * Numeric options are stored by fuse_opt itself (which rejects a bad number) and then
 * recorded as given; switches are unmatched options looked up in conn_flag_opts by the
 * processing function. An unknown readdirplus= value stays in the arguments, as in libfuse.
 */
static const struct fuse_opt conn_info_spec[] = {
	CI_NUM("max_write", max_write, CI_MAX_WRITE),
	CI_NUM("max_readahead", max_readahead, CI_MAX_READAHEAD),
	CI_NUM("max_background", max_background, CI_MAX_BACKGROUND),
	CI_NUM("congestion_threshold", congestion_threshold, CI_CONGESTION_THRESHOLD),
	CI_NUM("time_gran", time_gran, CI_TIME_GRAN),
	FUSE_OPT_END
};

static int conn_info_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct fuse_conn_info_opts *opts = data;
	const struct conn_flag_opt *f;
	size_t i;

	(void)outargs;
	if (key >= CI_KEY_NUM && key < CI_KEY_NUM + CI_NUM_COUNT) {
		opts->given |= 1U << (key - CI_KEY_NUM);
		return 0;
	}
	if (key != FUSE_OPT_KEY_OPT)
		return 1;
	for (i = 0; i < sizeof(conn_flag_opts) / sizeof(conn_flag_opts[0]); i++) {
		f = &conn_flag_opts[i];
		if (strcmp(arg, f->name) != 0)
			continue;
		/* The later of two contradicting switches wins. */
		opts->want_set = (opts->want_set & ~f->clear) | f->set;
		opts->want_clear = (opts->want_clear & ~f->set) | f->clear;
		return 0;
	}
	return 1;
}

FUSE_EXPORT struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args)
{
	struct fuse_conn_info_opts *opts = calloc(1, sizeof(*opts));

	if (opts == NULL) {
		fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
		return NULL;
	}
	if (fuse_opt_parse(args, opts, conn_info_spec, conn_info_proc) < 0) {
		free(opts);
		return NULL;
	}
	return opts;
}

FUSE_EXPORT void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *opts,
					   struct fuse_conn_info *conn)
{
	if (opts == NULL || conn == NULL)
		return;
	if (opts->given & (1U << CI_MAX_WRITE))
		conn->max_write = opts->max_write;
	if (opts->given & (1U << CI_MAX_READAHEAD))
		conn->max_readahead = opts->max_readahead;
	if (opts->given & (1U << CI_MAX_BACKGROUND))
		conn->max_background = opts->max_background;
	if (opts->given & (1U << CI_CONGESTION_THRESHOLD))
		conn->congestion_threshold = opts->congestion_threshold;
	if (opts->given & (1U << CI_TIME_GRAN))
		conn->time_gran = opts->time_gran;
	conn->want = (conn->want & ~opts->want_clear) | opts->want_set;
}
