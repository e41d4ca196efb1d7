/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session object: creation from command-line options, mounting and unmounting, the exit
 * flag every loop watches, and the statistics printed at the end. Its transports are reached
 * through transport_i.h only. The INIT handshake lives in init.c, the loops in loop*.c.
 */
#include "fuse_i.h"
#include "mount_i.h"
#include "fuse_opt.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Largest write the library offers to accept; the kernel caps it by max_pages (256 pages). */
#define SESSION_MAX_WRITE (1024 * 1024)
/* Room for the fuse_in_header and the largest fixed argument in front of write data. */
#define SESSION_HEADER_ROOM 4096

struct session_opts {
	int debug;
	int no_interrupt;
};

#define SESSION_OPT(t, p) { t, offsetof(struct session_opts, p), 1 }

FUSE_EXPORT void fuse_lowlevel_version(void)
{
	printf("using FUSE kernel interface version %i.%i\n", FUSE_KERNEL_VERSION,
	       FUSE__KERNEL_MINOR_MAX);
	printf("ringfuse %s (libfuse %s compatible)\n", PACKAGE_VERSION, FUSE_COMPAT_VERSION);
}

FUSE_EXPORT void fuse_lowlevel_help(void)
{
	fuse__transports_help();
	printf("    -o no_interrupt          do not track requests for INTERRUPT\n");
	fuse__mount_help();
}

static const struct fuse_opt session_opt_spec[] = {
	SESSION_OPT("debug", debug),
	SESSION_OPT("-d", debug),
	SESSION_OPT("--debug", debug),
	SESSION_OPT("no_interrupt", no_interrupt),
	FUSE_OPT_END
};

static void session_free(struct fuse_session *se)
{
	if (!se)
		return;
	fuse__transports_destroy(se);
	if (se->exit_efd >= 0)
		close(se->exit_efd);
	if (se->mo)
		fuse__mount_opts_free(se->mo);
	fuse__notify_cleanup(se);
	pthread_mutex_destroy(&se->serial_lock);
	pthread_mutex_destroy(&se->lock);
	free(se->io);
	free(se->cuse);
	free(se->mountpoint);
	free(se);
}

FUSE_EXPORT struct fuse_session *fuse_session_new(struct fuse_args *args,
						  const struct fuse_lowlevel_ops *op,
						  size_t op_size, void *userdata)
{
	struct session_opts opts = { 0 };
	struct fuse_session *se;
	int i;

	if (!args || !op) {
		fuse_log(FUSE_LOG_ERR, "fuse: fuse_session_new: missing arguments\n");
		return NULL;
	}
	if (args->argc == 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: empty argv passed to fuse_session_new()\n");
		return NULL;
	}
	if (op_size > sizeof(struct fuse_lowlevel_ops)) {
		fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
		op_size = sizeof(struct fuse_lowlevel_ops);
	}

	se = calloc(1, sizeof(*se));
	if (!se) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse session object\n");
		return NULL;
	}
	se->exit_efd = -1;
	se->owner = getuid();
	if (pthread_mutex_init(&se->lock, NULL) != 0) {
		free(se);
		return NULL;
	}
	if (pthread_mutex_init(&se->serial_lock, NULL) != 0) {
		pthread_mutex_destroy(&se->lock);
		free(se);
		return NULL;
	}
	se->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (se->exit_efd < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: eventfd: %s\n", strerror(errno));
		goto fail;
	}

	/* Each transport takes its own options (-o io_uring...) out of args first. */
	if (fuse__transports_init(se, args) < 0)
		goto fail;
	if (fuse_opt_parse(args, &opts, session_opt_spec, NULL) == -1)
		goto fail;

	se->debug = opts.debug;
	se->no_interrupt = opts.no_interrupt;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG, "ringfuse %s (libfuse %s API)\n", PACKAGE_VERSION,
			 FUSE_COMPAT_VERSION);

	se->mo = fuse__mount_opts_parse(args);
	if (!se->mo)
		goto fail;
	/* The kernel only hears allow_other; the session itself turns away everyone else. */
	se->deny_others = fuse__mount_opts_allow_root(se->mo);

	if (args->argc == 1 && args->argv[0][0] == '-') {
		fuse_log(FUSE_LOG_ERR,
			 "fuse: warning: argv[0] looks like an option, but will be ignored\n");
	} else if (args->argc != 1) {
		fuse_log(FUSE_LOG_ERR, "fuse: unknown option(s): `");
		for (i = 1; i < args->argc - 1; i++)
			fuse_log(FUSE_LOG_ERR, "%s ", args->argv[i]);
		fuse_log(FUSE_LOG_ERR, "%s'\n", args->argv[args->argc - 1]);
		goto fail;
	}

	se->bufsize = SESSION_MAX_WRITE + SESSION_HEADER_ROOM;
	memcpy(&se->op, op, op_size);
	se->userdata = userdata;
	return se;

fail:
	session_free(se);
	return NULL;
}

/*
 * io_size is how much of struct fuse_custom_io the caller knows: programs built against
 * older headers hand a shorter structure, whose missing members count as NULL.
 */
static int session_custom_io(struct fuse_session *se, const struct fuse_custom_io *io,
			     size_t io_size, int fd)
{
	struct fuse_custom_io *copy;

	if (!se || fd < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: invalid session or file descriptor\n");
		return -EINVAL;
	}
	if (!io || io_size < offsetof(struct fuse_custom_io, read) + sizeof(io->read) ||
	    !io->read || !io->writev) {
		fuse_log(FUSE_LOG_ERR, "fuse: custom io needs read and writev\n");
		return -EINVAL;
	}
	copy = calloc(1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, io, io_size < sizeof(*copy) ? io_size : sizeof(*copy));
	if (fuse__transports_attach(se, fd) < 0) {
		free(copy);
		return -ENOMEM;
	}
	se->io = copy;
	return 0;
}

#if RINGFUSE_ABI >= 318
FUSE_EXPORT int fuse_session_custom_io_317(struct fuse_session *se,
					   const struct fuse_custom_io *io, size_t op_size, int fd)
{
	return session_custom_io(se, io, op_size, fd);
}
FUSE_SYMVER(fuse_session_custom_io_317, "fuse_session_custom_io@@FUSE_3.17");

/* Binaries built against libfuse < 3.17 call this one, knowing the structure up to
 * splice_send. */
int fuse_session_custom_io_30(struct fuse_session *se, const struct fuse_custom_io *io, int fd);
FUSE_EXPORT int fuse_session_custom_io_30(struct fuse_session *se,
					  const struct fuse_custom_io *io, int fd)
{
	return session_custom_io(se, io, offsetof(struct fuse_custom_io, clone_fd), fd);
}
FUSE_SYMVER(fuse_session_custom_io_30, "fuse_session_custom_io@FUSE_3.0");
#else
FUSE_EXPORT int fuse_session_custom_io(struct fuse_session *se, const struct fuse_custom_io *io,
				       int fd)
{
	return session_custom_io(se, io, sizeof(*io), fd);
}
#endif

/*
 * /dev/fuse must not become fd 0, 1 or 2: a daemon that later closes or redirects stdio
 * would close the device under itself.
 */
static int session_guard_stdio(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0) {
			fuse_log(FUSE_LOG_ERR, "fuse: cannot open /dev/null: %s\n", strerror(errno));
			return -errno;
		}
		if (fd > 2)
			close(fd);
	} while (fd <= 2);
	return 0;
}

FUSE_EXPORT int fuse_session_mount(struct fuse_session *se, const char *mountpoint)
{
	char *abs = NULL;
	int fd, flags;

	if (!se || !mountpoint) {
		fuse_log(FUSE_LOG_ERR, "fuse: no mount point\n");
		return -1;
	}
	if (se->ch) {
		fuse_log(FUSE_LOG_ERR, "fuse: session is already mounted or has a device\n");
		return -1;
	}
	if (session_guard_stdio() < 0)
		return -1;

	/* Absolute before anything changes directory (fuse_daemonize does chdir("/")). */
	if (strncmp(mountpoint, "/dev/fd/", 8) == 0)
		abs = strdup(mountpoint);
	else
		abs = realpath(mountpoint, NULL);
	if (!abs) {
		fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", mountpoint,
			 strerror(errno));
		return -1;
	}

	fd = fuse__kernel_mount(abs, se->mo);
	if (fd < 0)
		goto fail;

	/*
	 * Non-blocking reads let an idle reader wait in poll() on the device and the exit
	 * eventfd together.
	 */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: fcntl on /dev/fuse: %s\n", strerror(errno));
		fuse__kernel_unmount(abs, fd, se->mo);
		goto fail;
	}
	if (fuse__transports_attach(se, fd) < 0) {
		fuse__kernel_unmount(abs, fd, se->mo);
		goto fail;
	}
	se->mountpoint = abs;
	return 0;

fail:
	free(abs);
	return -1;
}

FUSE_EXPORT int fuse_session_fd(struct fuse_session *se)
{
	if (!se)
		return -1;
	return fuse__session_devfd(se);
}

void fuse__stats_print(struct fuse_session *se)
{
	const char *want = getenv("RINGFUSE_STATS");

	if (!se->debug && !(want && strcmp(want, "0") != 0 && want[0]))
		return;
	if (atomic_exchange(&se->stats_printed, true))
		return;
	fuse__transports_stats_print(se, stderr);
	fflush(stderr);
}

FUSE_EXPORT void fuse_session_unmount(struct fuse_session *se)
{
	if (!se || !se->mountpoint)
		return;
	fuse__stats_print(se);
	/* No handler may still run on a connection that is being torn down (see the gate). */
	fuse__gate_close_wait(se);
	/* Transport threads use the fd: they must be gone before it is closed. */
	fuse__transports_stop(se);
	/* With the fd the unmount can tell whether this mount is still ours (fusermount3 -u). */
	fuse__kernel_unmount_keep_fd(se->mountpoint, fuse__session_devfd(se), se->mo);
	free(se->mountpoint);
	se->mountpoint = NULL;
}

FUSE_EXPORT void fuse_session_destroy(struct fuse_session *se)
{
	if (!se)
		return;
	/* op.destroy must not overlap a handler, even when no loop ran or none returned. */
	fuse__gate_close_wait(se);
	if (atomic_load(&se->got_init) && !atomic_exchange(&se->got_destroy, true)) {
		if (se->op.destroy)
			se->op.destroy(se->userdata);
	}
	fuse__stats_print(se);
	fuse__transports_stop(se);
	session_free(se);
}

void fuse__session_exit(struct fuse_session *se, int error)
{
	uint64_t one = 1;
	ssize_t n;

	if (error && !se->error)
		se->error = error;
	atomic_store(&se->exited, 1);
	/* No handler starts after exit; the loops wait for the running ones before returning. */
	fuse__gate_close(se);
	/*
	 * The one place the exit eventfd is written: every transport's threads wait on it (the
	 * /dev/fuse readers poll it, each ring queue has a poll on it in flight).
	 */
	if (se->exit_efd >= 0) {
		n = write(se->exit_efd, &one, sizeof(one));
		(void)n; /* a full counter still reads as readable, which is all we need */
	}
	fuse__transports_wake(se);
}

FUSE_EXPORT void fuse_session_exit(struct fuse_session *se)
{
	if (se)
		fuse__session_exit(se, 0);
}

/*
 * A filesystem's own loop (fuse_session_receive_buf/fuse_session_process_buf) ends when this
 * says 1, and may then free what its handlers use; handlers may still be running on other
 * threads (the ring's queues), so they are waited for here, as the library's loops do before
 * they return. Called from inside a handler it never waits.
 */
FUSE_EXPORT int fuse_session_exited(struct fuse_session *se)
{
	if (!se)
		return 1;
	if (!atomic_load(&se->exited))
		return 0;
	fuse__gate_close_wait(se);
	return 1;
}

FUSE_EXPORT void fuse_session_reset(struct fuse_session *se)
{
	uint64_t v;
	ssize_t n;

	if (!se)
		return;
	atomic_store(&se->exited, 0);
	se->error = 0;
	n = read(se->exit_efd, &v, sizeof(v));
	(void)n; /* EAGAIN: it was not set */
	/* A loop may run again: its handlers may start again. */
	fuse__gate_open(se);
}
