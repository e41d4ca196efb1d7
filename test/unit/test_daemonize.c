/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_daemonize(): in a forked child standing for the filesystem process. Its parent half
 * must exit 0 once the daemon is set up; the daemon reports over a pipe that it leads a new
 * session, sits in "/", and has /dev/null as stdin, stdout and stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

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
	test_daemonize();
	return check_result();
}
