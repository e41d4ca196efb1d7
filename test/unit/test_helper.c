/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helpers of lib/helper.c: version queries, the loop configuration object, the -o
 * overrides of struct fuse_conn_info, the signal handlers (on a real, unmounted session) and
 * fuse_daemonize() (in a forked child, reporting back from the daemon over a pipe).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "loop_config_i.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char logbuf[2048];

static void log_capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + used, sizeof(logbuf) - used, fmt, ap);
}

static void test_versions(void)
{
	CHECK_EQ(fuse_version(), 314);
	CHECK_EQ(fuse_version(), FUSE_VERSION);
	CHECK_STR(fuse_pkgversion(), "3.14.0");
}

static void test_loop_cfg(void)
{
	struct fuse_loop_config *c = fuse_loop_cfg_create();

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(fuse__loop_config_is_ours(c));
	CHECK_EQ(c->clone_fd, 0);
	CHECK_UEQ(c->max_idle_threads, UINT_MAX);	/* unset, as in libfuse 3.12+ */
	CHECK_UEQ(c->max_threads, 10);

	fuse_loop_cfg_set_idle_threads(c, 3);
	fuse_loop_cfg_set_max_threads(c, 7);
	fuse_loop_cfg_set_clone_fd(c, 1);
	CHECK_UEQ(c->max_idle_threads, 3);
	CHECK_UEQ(c->max_threads, 7);
	CHECK_EQ(c->clone_fd, 1);

	/* An absurd idle count is refused with a message; the old value stays. */
	logbuf[0] = '\0';
	fuse_set_log_func(log_capture);
	fuse_loop_cfg_set_idle_threads(c, 200000);
	fuse_set_log_func(NULL);
	CHECK_UEQ(c->max_idle_threads, 3);
	CHECK(strstr(logbuf, "200000") != NULL);

	union {
		struct fuse_loop_config_v1 v1;
		struct fuse_loop_config cfg;
	} u;
	memset(&u, 0, sizeof(u));
	u.v1.clone_fd = 0;
	u.v1.max_idle_threads = 9;
	fuse_loop_cfg_convert(c, &u.v1);
	CHECK_EQ(c->clone_fd, 0);
	CHECK_UEQ(c->max_idle_threads, 9);
	CHECK_UEQ(c->max_threads, 7);	/* v1 has no such field */

	/* A v1 structure (clone_fd 0 or 1 where our marker sits) is not mistaken for ours. */
	CHECK(!fuse__loop_config_is_ours(&u.cfg));
	u.v1.clone_fd = 1;
	CHECK(!fuse__loop_config_is_ours(&u.cfg));

	fuse_loop_cfg_set_idle_threads(NULL, 1);
	fuse_loop_cfg_set_max_threads(NULL, 1);
	fuse_loop_cfg_set_clone_fd(NULL, 1);
	fuse_loop_cfg_convert(NULL, &u.v1);
	fuse_loop_cfg_convert(c, NULL);
	fuse_loop_cfg_destroy(c);
	fuse_loop_cfg_destroy(NULL);
}

struct ci_case {
	const char *line;
	const char *left;	/* arguments left after parsing, "[a] [b]" */
	unsigned int want_from_0;
	unsigned int want_from_all;
};

#define ALL 0xffffffffu
static const struct ci_case ci_cases[] = {
	{ "prog", "[prog]", 0, ALL },
	{ "prog mnt -o allow_other", "[prog] [-o] [allow_other] [mnt]", 0, ALL },
	{ "prog -o async_read", "[prog]", FUSE_CAP_ASYNC_READ, ALL },
	{ "prog -o sync_read", "[prog]", 0, ALL & ~FUSE_CAP_ASYNC_READ },
	{ "prog -o async_read,sync_read", "[prog]", 0, ALL & ~FUSE_CAP_ASYNC_READ },
	/* The later switch wins (libfuse 3.14 lets sync_read win either way). */
	{ "prog -o sync_read,async_read", "[prog]", FUSE_CAP_ASYNC_READ, ALL },
	/* Documented to set the flag (libfuse 3.14 parses it but never applies it). */
	{ "prog -o atomic_o_trunc", "[prog]", FUSE_CAP_ATOMIC_O_TRUNC, ALL },
	{ "prog -o no_remote_lock", "[prog]", 0,
	  ALL & ~(FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_POSIX_LOCKS) },
	{ "prog -o no_remote_flock", "[prog]", 0, ALL & ~FUSE_CAP_FLOCK_LOCKS },
	{ "prog -o no_remote_posix_lock", "[prog]", 0, ALL & ~FUSE_CAP_POSIX_LOCKS },
	{ "prog -o splice_write,splice_move,splice_read", "[prog]",
	  FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ, ALL },
	{ "prog -o no_splice_write,no_splice_move,no_splice_read", "[prog]", 0,
	  ALL & ~(FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | FUSE_CAP_SPLICE_READ) },
	{ "prog -o auto_inval_data", "[prog]", FUSE_CAP_AUTO_INVAL_DATA, ALL },
	{ "prog -o no_auto_inval_data", "[prog]", 0, ALL & ~FUSE_CAP_AUTO_INVAL_DATA },
	/* readdirplus=yes|auto as documented (libfuse 3.14 only ever clears bits). */
	{ "prog -o readdirplus=yes", "[prog]", FUSE_CAP_READDIRPLUS,
	  ALL & ~FUSE_CAP_READDIRPLUS_AUTO },
	{ "prog -o readdirplus=no", "[prog]", 0, ALL & ~FUSE_CAP_READDIRPLUS },
	{ "prog -o readdirplus=auto", "[prog]", FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO,
	  ALL },
	{ "prog -o readdirplus=maybe", "[prog] [-o] [readdirplus=maybe]", 0, ALL },
	{ "prog -o async_dio", "[prog]", FUSE_CAP_ASYNC_DIO, ALL },
	{ "prog -o no_async_dio", "[prog]", 0, ALL & ~FUSE_CAP_ASYNC_DIO },
	{ "prog -o writeback_cache", "[prog]", FUSE_CAP_WRITEBACK_CACHE, ALL },
	{ "prog -o no_writeback_cache", "[prog]", 0, ALL & ~FUSE_CAP_WRITEBACK_CACHE },
	{ "prog -o max_read=5,ro", "[prog] [-o] [max_read=5,ro]", 0, ALL },
	{ "prog -o max_write=4096,max_readahead=8192,max_background=9,congestion_threshold=7,"
	  "time_gran=1000 mnt", "[prog] [mnt]", 0, ALL },
};

/* Parse line; returns the opts (or NULL) and renders what is left in *left. */
static struct fuse_conn_info_opts *ci_parse(const char *line, char *left, size_t left_size)
{
	char *copy = strdup(line);
	char *argv[32];
	int argc = 0;
	char *tok, *save;
	struct fuse_conn_info_opts *opts;
	int i;

	for (tok = strtok_r(copy, " ", &save); tok != NULL && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	opts = fuse_parse_conn_info_opts(&args);
	left[0] = '\0';
	for (i = 0; i < args.argc; i++) {
		size_t used = strlen(left);

		snprintf(left + used, left_size - used, "%s[%s]", i ? " " : "", args.argv[i]);
	}
	if (args.allocated)
		fuse_opt_free_args(&args);
	free(copy);
	return opts;
}

static void conn_sentinel(struct fuse_conn_info *c, unsigned int want)
{
	memset(c, 0, sizeof(*c));
	c->max_write = 1;
	c->max_readahead = 2;
	c->max_background = 3;
	c->congestion_threshold = 4;
	c->time_gran = 5;
	c->capable = 0;	/* applied as asked, whatever the kernel offers */
	c->want = want;
}

static void test_conn_info(void)
{
	struct fuse_conn_info c;
	char left[256];
	size_t i;

	for (i = 0; i < sizeof(ci_cases) / sizeof(ci_cases[0]); i++) {
		const struct ci_case *t = &ci_cases[i];
		struct fuse_conn_info_opts *o = ci_parse(t->line, left, sizeof(left));

		CHECK(o != NULL);
		if (o == NULL)
			continue;
		if (strcmp(left, t->left) != 0)
			fprintf(stderr, "case `%s'\n", t->line);
		CHECK_STR(left, t->left);
		conn_sentinel(&c, 0);
		fuse_apply_conn_info_opts(o, &c);
		CHECK_UEQ(c.want, t->want_from_0);
		conn_sentinel(&c, ALL);
		fuse_apply_conn_info_opts(o, &c);
		CHECK_UEQ(c.want, t->want_from_all);
		if (c.want != t->want_from_all || strcmp(left, t->left) != 0)
			fprintf(stderr, "case `%s'\n", t->line);
		free(o);
	}

	/* Numbers land only where given. */
	struct fuse_conn_info_opts *o =
		ci_parse("prog -o max_write=4096,max_readahead=8192,max_background=9", left,
			 sizeof(left));
	CHECK(o != NULL);
	conn_sentinel(&c, 0);
	fuse_apply_conn_info_opts(o, &c);
	CHECK_UEQ(c.max_write, 4096);
	CHECK_UEQ(c.max_readahead, 8192);
	CHECK_UEQ(c.max_background, 9);
	CHECK_UEQ(c.congestion_threshold, 4);
	CHECK_UEQ(c.time_gran, 5);
	free(o);
	o = ci_parse("prog -o congestion_threshold=7,time_gran=1000,max_write=0", left,
		     sizeof(left));
	CHECK(o != NULL);
	conn_sentinel(&c, 0);
	fuse_apply_conn_info_opts(o, &c);
	CHECK_UEQ(c.max_write, 0);
	CHECK_UEQ(c.max_readahead, 2);
	CHECK_UEQ(c.congestion_threshold, 7);
	CHECK_UEQ(c.time_gran, 1000);
	free(o);

	/* A bad number fails the parse. */
	logbuf[0] = '\0';
	fuse_set_log_func(log_capture);
	o = ci_parse("prog -o max_write=abc", left, sizeof(left));
	fuse_set_log_func(NULL);
	CHECK(o == NULL);
	CHECK_STR(left, "[prog] [-o] [max_write=abc]");
	CHECK_STR(logbuf, "fuse: invalid parameter in option `max_write=abc'\n");

	fuse_apply_conn_info_opts(NULL, &c);
	o = fuse_parse_conn_info_opts(NULL);
	CHECK(o != NULL);
	fuse_apply_conn_info_opts(o, NULL);
	free(o);
}

static int prog_sigint_count;

static void prog_sigint(int sig)
{
	(void)sig;
	prog_sigint_count++;
}

static void (*current_handler(int sig))(int)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) != 0)
		return NULL;
	return sa.sa_handler;
}

static struct fuse_session *new_session(void)
{
	static const struct fuse_lowlevel_ops ops;
	char *argv[] = { "test_helper", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);

	fuse_opt_free_args(&args);
	return se;
}

static void test_signals(void)
{
	struct fuse_session *se = new_session();
	struct fuse_session *other = new_session();
	struct sigaction sa;

	CHECK(se != NULL && other != NULL);
	if (se == NULL || other == NULL)
		return;

	/* The program has its own SIGINT handler, and SIGPIPE at its default. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = prog_sigint;
	CHECK_EQ(sigaction(SIGINT, &sa, NULL), 0);
	CHECK(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	CHECK(signal(SIGTERM, SIG_DFL) != SIG_ERR);
	CHECK(signal(SIGHUP, SIG_DFL) != SIG_ERR);

	CHECK_EQ(fuse_set_signal_handlers(se), 0);
	CHECK(current_handler(SIGINT) == prog_sigint);	/* not clobbered */
	CHECK(current_handler(SIGTERM) != SIG_DFL);
	CHECK(current_handler(SIGHUP) != SIG_DFL);
	CHECK(current_handler(SIGPIPE) != SIG_DFL);

	CHECK_EQ(fuse_session_exited(se), 0);
	CHECK_EQ(raise(SIGTERM), 0);
	CHECK(fuse_session_exited(se) != 0);
	fuse_session_reset(se);
	CHECK_EQ(fuse_session_exited(se), 0);
	CHECK_EQ(raise(SIGHUP), 0);
	CHECK(fuse_session_exited(se) != 0);
	fuse_session_reset(se);

	/* SIGINT goes to the program's handler and leaves the session alone. */
	CHECK_EQ(raise(SIGINT), 0);
	CHECK_EQ(prog_sigint_count, 1);
	CHECK_EQ(fuse_session_exited(se), 0);

	/* SIGPIPE no longer kills us. */
	CHECK_EQ(raise(SIGPIPE), 0);

	/* One session at a time; removing a session that is not registered changes nothing. */
	logbuf[0] = '\0';
	fuse_set_log_func(log_capture);
	CHECK_EQ(fuse_set_signal_handlers(other), -1);
	fuse_remove_signal_handlers(other);
	fuse_set_log_func(NULL);
	CHECK(logbuf[0] != '\0');
	CHECK(current_handler(SIGTERM) != SIG_DFL);
	CHECK_EQ(fuse_session_exited(other), 0);

	fuse_remove_signal_handlers(se);
	CHECK(current_handler(SIGTERM) == SIG_DFL);
	CHECK(current_handler(SIGHUP) == SIG_DFL);
	CHECK(current_handler(SIGPIPE) == SIG_DFL);
	CHECK(current_handler(SIGINT) == prog_sigint);

	/* A program's own SIG_IGN survives a set/remove cycle; the next session may register. */
	CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	CHECK_EQ(fuse_set_signal_handlers(other), 0);
	CHECK(current_handler(SIGPIPE) == SIG_IGN);
	CHECK_EQ(raise(SIGTERM), 0);
	CHECK(fuse_session_exited(other) != 0);
	CHECK_EQ(fuse_session_exited(se), 0);
	fuse_remove_signal_handlers(other);
	CHECK(current_handler(SIGPIPE) == SIG_IGN);
	CHECK(current_handler(SIGTERM) == SIG_DFL);

	CHECK(signal(SIGINT, SIG_DFL) != SIG_ERR);
	CHECK(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	CHECK_EQ(fuse_set_signal_handlers(NULL), -1);
	fuse_session_destroy(se);
	fuse_session_destroy(other);
}

/* What the daemon reports about itself. */
struct daemon_report {
	pid_t pid;
	pid_t sid;
	int stdio_is_null;	/* bit i: fd i is /dev/null */
	char cwd[256];
};

static void test_daemonize(void)
{
	int rep[2];
	pid_t child;
	int status;
	struct daemon_report r;
	struct pollfd pfd;
	char cwd_before[256];
	ssize_t n;

	/* Foreground: nothing changes. */
	CHECK(getcwd(cwd_before, sizeof(cwd_before)) != NULL);
	CHECK_EQ(fuse_daemonize(1), 0);
	char cwd_after[256];
	CHECK(getcwd(cwd_after, sizeof(cwd_after)) != NULL);
	CHECK_STR(cwd_after, cwd_before);

	CHECK_EQ(pipe(rep), 0);
	fflush(NULL);
	child = fork();
	CHECK(child >= 0);
	if (child < 0)
		return;
	if (child == 0) {
		/* The filesystem process: after this returns, we are the daemon. */
		struct stat null_st, st;
		int fd;

		close(rep[0]);
		if (fuse_daemonize(0) != 0)
			_exit(3);
		memset(&r, 0, sizeof(r));
		r.pid = getpid();
		r.sid = getsid(0);
		if (stat("/dev/null", &null_st) == 0) {
			for (fd = 0; fd <= 2; fd++) {
				if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
				    st.st_rdev == null_st.st_rdev)
					r.stdio_is_null |= 1 << fd;
			}
		}
		if (getcwd(r.cwd, sizeof(r.cwd)) == NULL)
			r.cwd[0] = '\0';
		n = write(rep[1], &r, sizeof(r));
		_exit(n == (ssize_t)sizeof(r) ? 0 : 4);
	}
	close(rep[1]);
	/* The parent half exits with the daemon's setup status, 0. */
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);

	pfd.fd = rep[0];
	pfd.events = POLLIN;
	CHECK_EQ(poll(&pfd, 1, 10000), 1);
	memset(&r, 0, sizeof(r));
	n = read(rep[0], &r, sizeof(r));
	close(rep[0]);
	CHECK_EQ(n, (ssize_t)sizeof(r));
	if (n != (ssize_t)sizeof(r))
		return;
	CHECK(r.pid != child);			/* a new process ... */
	CHECK_EQ(r.sid, r.pid);			/* ... leading its own session */
	CHECK_STR(r.cwd, "/");
	CHECK_EQ(r.stdio_is_null, 7);
}

int main(void)
{
	test_versions();
	test_loop_cfg();
	test_conn_info();
	test_signals();
	test_daemonize();
	return check_result();
}
