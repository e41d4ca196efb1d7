/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session object: creation from command-line options, mounting and unmounting, the exit
 * flag every loop watches, the list of /dev/fuse requests that INTERRUPT can find, and the
 * statistics printed at the end. The INIT handshake lives in init.c, the loops in loop*.c.
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
	int io_uring;
	int io_uring_inline;
	int io_uring_workers;
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
	printf("    -o io_uring              carry requests over FUSE-over-io-uring queues (one per\n"
	       "                             CPU) instead of read/write on /dev/fuse; falls back to\n"
	       "                             /dev/fuse, saying why, when the kernel cannot\n"
	       "                             (also: FUSE_URING_ENABLE=1)\n"
	       "    -o io_uring_inline       the handlers never block: run every one on its\n"
	       "                             ring queue's thread (no worker threads)\n"
	       "    -o io_uring_workers      run every ring handler on a worker thread (for\n"
	       "                             handlers that wait for each other)\n"
	       "    -o no_interrupt          do not track requests for INTERRUPT\n");
	fuse__uring_opts_help();
	fuse__mount_help();
}

/* Every -o io_uring_*= switch goes to fuse_uring_opts.c, the one parser of ring switches. */
#define KEY_URING 1

struct session_parse {
	struct session_opts opts;
	struct fuse__uring_cfg *uring;
};

static int session_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct session_parse *p = data;

	(void)outargs;
	if (key != KEY_URING)
		return 1;
	return fuse__uring_cfg_opt(p->uring, arg) < 0 ? -1 : 0;
}

static const struct fuse_opt session_opt_spec_keyed[] = {
	SESSION_OPT("debug", debug),
	SESSION_OPT("-d", debug),
	SESSION_OPT("--debug", debug),
	SESSION_OPT("no_interrupt", no_interrupt),
	SESSION_OPT("io_uring", io_uring),
	FUSE_OPT_KEY("io_uring_q_depth=", KEY_URING),
	FUSE_OPT_KEY("io_uring_max_memory=", KEY_URING),
	FUSE_OPT_KEY("io_uring_queue_memory=", KEY_URING),
	SESSION_OPT("io_uring_inline", io_uring_inline),
	SESSION_OPT("io_uring_workers", io_uring_workers),
	FUSE_OPT_END
};

static void session_free(struct fuse_session *se)
{
	if (!se)
		return;
	if (se->ch)
		fuse__chan_put(se->ch);
	else if (se->fd >= 0 && se->own_fd)
		close(se->fd);
	if (se->exit_efd >= 0)
		close(se->exit_efd);
	if (se->mo)
		fuse__mount_opts_free(se->mo);
	fuse__notify_cleanup(se);
	fuse__dev_splice_fini(se);
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
	struct session_parse parse = { 0 };
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
	se->fd = -1;
	se->exit_efd = -1;
	se->owner = getuid();
	se->inflight.next = se->inflight.prev = &se->inflight;
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

	/* The environment first, so that -o io_uring_* given on the command line wins. */
	fuse__uring_cfg_init(&se->uring_cfg);
	if (fuse__uring_env(&se->uring_cfg) < 0)
		goto fail;
	parse.uring = &se->uring_cfg;
	if (fuse_opt_parse(args, &parse, session_opt_spec_keyed, session_opt_proc) == -1)
		goto fail;

	se->debug = parse.opts.debug;
	se->no_interrupt = parse.opts.no_interrupt;
	if (parse.opts.io_uring)
		se->uring_cfg.enable = true;
	if (parse.opts.io_uring_inline && parse.opts.io_uring_workers) {
		fuse_log(FUSE_LOG_ERR, "fuse: io_uring_inline and io_uring_workers exclude each other\n");
		goto fail;
	}
	if (parse.opts.io_uring_inline)
		se->uring_cfg.dispatch = RINGFUSE_URING_INLINE;
	if (parse.opts.io_uring_workers)
		se->uring_cfg.dispatch = RINGFUSE_URING_WORKERS;
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
	se->ch = fuse__chan_new(fd);
	if (!se->ch) {
		free(copy);
		return -ENOMEM;
	}
	se->io = copy;
	se->fd = fd;
	se->own_fd = true;
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
	if (se->fd >= 0) {
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
	 * eventfd together; see fuse__dev_read.
	 */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: fcntl on /dev/fuse: %s\n", strerror(errno));
		fuse__kernel_unmount(abs, fd, se->mo);
		goto fail;
	}
	se->ch = fuse__chan_new(fd);
	if (!se->ch) {
		fuse__kernel_unmount(abs, fd, se->mo);
		goto fail;
	}
	se->fd = fd;
	se->own_fd = true;
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
	return se->fd;
}

void fuse__stats_print(struct fuse_session *se)
{
	const char *want = getenv("RINGFUSE_STATS");
	struct fuse__dev_stats *d = &se->dev_stats;

	if (!se->debug && !(want && strcmp(want, "0") != 0 && want[0]))
		return;
	if (atomic_exchange(&se->stats_printed, true))
		return;
	fprintf(stderr,
		"ringfuse-stats: dev requests=%lu init=%lu forget=%lu interrupt=%lu destroy=%lu other=%lu splice=%lu splice_fallback=%lu\n",
		atomic_load(&d->requests), atomic_load(&d->init), atomic_load(&d->forget),
		atomic_load(&d->interrupt), atomic_load(&d->destroy), atomic_load(&d->other),
		atomic_load(&d->splice), atomic_load(&d->splice_fallback));
	fuse__uring_stats_print(se, stderr);
	fflush(stderr);
}

FUSE_EXPORT void fuse_session_unmount(struct fuse_session *se)
{
	if (!se || !se->mountpoint)
		return;
	fuse__stats_print(se);
	/* No handler may still run on a connection that is being torn down (see the gate). */
	fuse__gate_close_wait(se);
	/* The ring threads use the fd: they must be gone before it is closed. */
	fuse__uring_stop(se);
	/* With the fd the unmount can tell whether this mount is still ours (fusermount3 -u). */
	fuse__kernel_unmount_keep_fd(se->mountpoint, se->fd, se->mo);
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
	fuse__uring_stop(se);
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
	if (se->exit_efd >= 0) {
		n = write(se->exit_efd, &one, sizeof(one));
		(void)n; /* a full counter still reads as readable, which is all we need */
	}
	fuse__uring_wake(se);
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

void fuse__session_track(struct fuse_session *se, struct fuse_req *req)
{
	pthread_mutex_lock(&se->lock);
	req->next = &se->inflight;
	req->prev = se->inflight.prev;
	se->inflight.prev->next = req;
	se->inflight.prev = req;
	pthread_mutex_unlock(&se->lock);
}

void fuse__session_untrack(struct fuse_session *se, struct fuse_req *req)
{
	/* Tested under the lock: tracking a newer request rewrites this one's next. */
	pthread_mutex_lock(&se->lock);
	if (req->next) {
		req->prev->next = req->next;
		req->next->prev = req->prev;
		req->next = req->prev = NULL;
	}
	pthread_mutex_unlock(&se->lock);
}

struct fuse_req *fuse__session_find_req(struct fuse_session *se, uint64_t unique)
{
	struct fuse_req *r, *found = NULL;

	pthread_mutex_lock(&se->lock);
	for (r = se->inflight.next; r != &se->inflight; r = r->next) {
		if (r->unique == unique) {
			atomic_fetch_add(&r->refs, 1);
			found = r;
			break;
		}
	}
	pthread_mutex_unlock(&se->lock);
	if (!found)
		found = fuse__uring_find_req(se, unique);
	return found;
}

void fuse__req_put(struct fuse_req *req)
{
	if (atomic_fetch_sub(&req->refs, 1) != 1 || req->embedded)
		return;
	fuse__req_fini(req);
	free(req);
}
