/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_set_signal_handlers() / fuse_remove_signal_handlers() on real, unmounted sessions:
 * HUP and TERM end the registered session, a handler the program installed itself is left
 * alone (before and after), SIGPIPE stops killing us, and removal restores the defaults.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static char logbuf[2048];

static void log_capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + used, sizeof(logbuf) - used, fmt, ap);
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

int main(void)
{
	test_signals();
	return check_result();
}
