/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_parse_cmdline() and fuse_cmdline_help(): the generic options of a low-level filesystem's
 * command line (-h, -V, -d, -f, -s, the worker-pool knobs, the mountpoint). Two ABI variants
 * exist because struct fuse_cmdline_opts grew max_threads in libfuse 3.12: binaries built
 * against 3.0-3.11 resolve fuse_parse_cmdline@FUSE_3.0 and hand us the shorter structure, so
 * that variant must never write past it.
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION RINGFUSE_ABI
#endif

#include "export_i.h"
#include "fuse_lowlevel.h"
#include "mount_i.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The installed header only declares the versioned name (LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS);
 * the two implementations behind it are exported under their own names too, as in libfuse.
 */
int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);

/* The part of struct fuse_cmdline_opts that libfuse 3.0-3.11 callers allocate. */
#define CMDLINE_OPTS_30_SIZE offsetof(struct fuse_cmdline_opts, max_threads)

/* libfuse's defaults: max_idle_threads "unset" (the loop picks), at most 10 workers. */
#define CMDLINE_DEFAULT_MAX_IDLE UINT_MAX
#define CMDLINE_DEFAULT_MAX_THREADS 10

#define CMDLINE_OPT(t, field, v) { t, offsetof(struct fuse_cmdline_opts, field), v }

static const struct fuse_opt cmdline_spec[] = {
	CMDLINE_OPT("-h", show_help, 1),
	CMDLINE_OPT("--help", show_help, 1),
	CMDLINE_OPT("-V", show_version, 1),
	CMDLINE_OPT("--version", show_version, 1),
	/* Debug output only makes sense on a terminal, so it implies foreground. */
	CMDLINE_OPT("-d", debug, 1),
	CMDLINE_OPT("debug", debug, 1),
	CMDLINE_OPT("-d", foreground, 1),
	CMDLINE_OPT("debug", foreground, 1),
	/* ... and the session needs to see it too, to print requests. */
	FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
	FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
	CMDLINE_OPT("-f", foreground, 1),
	CMDLINE_OPT("-s", singlethread, 1),
	/* A filesystem that names itself gets no "-osubtype=<progname>" added for it. */
	CMDLINE_OPT("fsname=", nodefault_subtype, 1),
	FUSE_OPT_KEY("fsname=", FUSE_OPT_KEY_KEEP),
	CMDLINE_OPT("subtype=", nodefault_subtype, 1),
	FUSE_OPT_KEY("subtype=", FUSE_OPT_KEY_KEEP),
	CMDLINE_OPT("clone_fd", clone_fd, 1),
	CMDLINE_OPT("max_idle_threads=%u", max_idle_threads, 0),
	CMDLINE_OPT("max_threads=%u", max_threads, 0),
	FUSE_OPT_END
};

/*
 * The mountpoint is made absolute here, before fuse_daemonize() or anything else changes
 * directory; a relative one would otherwise be resolved against "/" later.
 */
static int cmdline_set_mountpoint(struct fuse_cmdline_opts *opts, const char *arg)
{
	char *abs;

	/*
	 * "/dev/fd/N" names a /dev/fuse a mount helper already opened for us; resolved, it
	 * would become "/dev/fuse" and the fd number would be lost.
	 */
	if (fuse__mount_fd_from_path(arg) >= 0)
		abs = strdup(arg);
	else
		abs = realpath(arg, NULL);

	if (abs == NULL) {
		fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", arg, strerror(errno));
		return -1;
	}
	opts->mountpoint = abs;
	return 0;
}

static int cmdline_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct fuse_cmdline_opts *opts = data;

	(void)outargs;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;	/* everything else is for the session to parse */
	if (opts->mountpoint != NULL) {
		fuse_log(FUSE_LOG_ERR, "fuse: invalid argument `%s'\n", arg);
		return -1;
	}
	return cmdline_set_mountpoint(opts, arg) < 0 ? -1 : 0;
}

/*
 * The kernel shows "fuse.<subtype>" as the filesystem type; without one given, the program's
 * name is used. A comma in the name is escaped so the session does not split it in two.
 */
static int cmdline_add_subtype(struct fuse_args *args)
{
	static const char prefix[] = "-osubtype=";
	const char *prog = args->argv[0];
	const char *slash = strrchr(prog, '/');
	char *opt;
	char *d;
	int res;

	/* libfuse keeps the '/' itself for a name that ends in one; do the same. */
	if (slash != NULL)
		prog = slash[1] != '\0' ? slash + 1 : slash;
	opt = malloc(sizeof(prefix) + 2 * strlen(prog));
	if (opt == NULL) {
		fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
		return -1;
	}
	d = stpcpy(opt, prefix);
	for (; *prog != '\0'; prog++) {
		if (*prog == ',' || *prog == '\\')
			*d++ = '\\';
		*d++ = *prog;
	}
	*d = '\0';
	res = fuse_opt_add_arg(args, opt);
	free(opt);
	return res;
}

FUSE_EXPORT int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts)
{
	if (args == NULL || opts == NULL)
		return -1;
	memset(opts, 0, sizeof(*opts));
	opts->max_idle_threads = CMDLINE_DEFAULT_MAX_IDLE;
	opts->max_threads = CMDLINE_DEFAULT_MAX_THREADS;

	if (fuse_opt_parse(args, opts, cmdline_spec, cmdline_proc) < 0)
		goto err;
	if (!opts->nodefault_subtype && args->argc > 0 && args->argv[0] != NULL &&
	    cmdline_add_subtype(args) < 0)
		goto err;
	return 0;

err:
	/* The caller does not free anything after a failure. */
	free(opts->mountpoint);
	opts->mountpoint = NULL;
	return -1;
}

FUSE_EXPORT int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts *opts)
{
	struct fuse_cmdline_opts full;
	int res;

	if (args == NULL || opts == NULL)
		return -1;
	res = fuse_parse_cmdline_312(args, &full);
	if (res == 0)
		memcpy(opts, &full, CMDLINE_OPTS_30_SIZE);
	return res;
}

FUSE_SYMVER(fuse_parse_cmdline_30, "fuse_parse_cmdline@FUSE_3.0");
FUSE_SYMVER(fuse_parse_cmdline_312, "fuse_parse_cmdline@@FUSE_3.12");

FUSE_EXPORT void fuse_cmdline_help(void)
{
	printf("    -h   --help             show this help and exit\n"
	       "    -V   --version          show the library's version and exit\n"
	       "    -d   -o debug           print every request (implies -f)\n"
	       "    -f                      run in the foreground, do not daemonize\n"
	       "    -s                      handle requests on one thread only\n"
	       "    -o clone_fd             give each worker thread its own /dev/fuse fd\n"
	       "    -o max_idle_threads=N   idle workers to keep before letting them exit\n"
	       "                            (default: let the loop decide)\n"
	       "    -o max_threads=N        upper bound on worker threads (default: 10)\n");
}
