/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a CUSE device: cuse_lowlevel_setup opens /dev/cuse for a session made by
 * cuse_lowlevel_new (cuse.c, the protocol), cuse_lowlevel_main runs it in one of the loops.
 * Apart from cuse.c so that the protocol, which the dispatcher calls, does not call the loops.
 */
#include "fuse_i.h"
#include "cuse_lowlevel.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FUSE_EXPORT struct fuse_session *cuse_lowlevel_setup(int argc, char *argv[],
						     const struct cuse_info *ci,
						     const struct cuse_lowlevel_ops *clop,
						     int *multithreaded, void *userdata)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se = NULL;
	const char *devname = "/dev/cuse";
	int fd, flags;

	if (fuse_parse_cmdline(&args, &opts) == -1)
		goto fail_args;
	if (opts.show_help || opts.show_version) {
		/* CUSE devices have no help of their own beyond the generic options. */
		if (opts.show_help)
			fuse_cmdline_help();
		else
			fuse_lowlevel_version();
		free(opts.mountpoint);
		goto fail_args;
	}
	if (opts.mountpoint) {
		fuse_log(FUSE_LOG_ERR, "cuse: a CUSE device takes no mount point (`%s')\n",
			 opts.mountpoint);
		free(opts.mountpoint);
		goto fail_args;
	}
	if (multithreaded)
		*multithreaded = !opts.singlethread;

	se = cuse_lowlevel_new(&args, ci, clop, userdata);
	if (!se)
		goto fail_args;

	/* Keep the device off fds 0-2, which daemonizing redirects. */
	do {
		fd = open("/dev/null", O_RDWR);
		if (fd > 2)
			close(fd);
	} while (fd >= 0 && fd <= 2);

	fd = open(devname, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENODEV || errno == ENOENT)
			fuse_log(FUSE_LOG_ERR, "cuse: device not found, try 'modprobe cuse' first\n");
		else
			fuse_log(FUSE_LOG_ERR, "cuse: failed to open %s: %s\n", devname,
				 strerror(errno));
		goto fail_se;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		close(fd);
		goto fail_se;
	}
	if (fuse__transports_attach(se, fd) < 0) {
		close(fd);
		goto fail_se;
	}

	if (fuse_set_signal_handlers(se) == -1)
		goto fail_se;
	if (fuse_daemonize(opts.foreground) == -1)
		goto fail_sig;
	fuse_opt_free_args(&args);
	return se;

fail_sig:
	fuse_remove_signal_handlers(se);
fail_se:
	fuse_session_destroy(se);
fail_args:
	fuse_opt_free_args(&args);
	return NULL;
}

FUSE_EXPORT void cuse_lowlevel_teardown(struct fuse_session *se)
{
	if (!se)
		return;
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
}

FUSE_EXPORT int cuse_lowlevel_main(int argc, char *argv[], const struct cuse_info *ci,
				   const struct cuse_lowlevel_ops *clop, void *userdata)
{
	struct fuse_session *se;
	int multithreaded = 0;
	int res;

	se = cuse_lowlevel_setup(argc, argv, ci, clop, &multithreaded, userdata);
	if (!se)
		return 1;
	if (multithreaded)
		res = fuse_session_loop_mt_312(se, NULL);
	else
		res = fuse_session_loop(se);
	cuse_lowlevel_teardown(se);
	return res < 0 ? 1 : 0;
}
