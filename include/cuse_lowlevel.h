/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CUSE (character devices in userspace) API of libfuse 3: the device description, the
 * handler table, and the functions that create a CUSE session or run one to completion.
 * Names and layouts follow libfuse 3.14.
 */
#ifndef CUSE_LOWLEVEL_H_
#define CUSE_LOWLEVEL_H_

/** @file
 * Character devices implemented in userspace on top of the low-level API.
 */

/* libfuse accepts CUSE users that never set an API version; keep that. */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 29
#endif

#include "fuse_lowlevel.h"

#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** cuse_info.flags: allow unrestricted ioctls (with retry). */
#define CUSE_UNRESTRICTED_IOCTL		(1 << 0)

struct fuse_session;

/** Description of the character device to create. */
struct cuse_info {
	/** device major number (0: let the kernel choose) */
	unsigned	dev_major;
	/** device minor number */
	unsigned	dev_minor;
	/** number of strings in @c dev_info_argv */
	unsigned	dev_info_argc;
	/** device info strings, e.g. "DEVNAME=mydev" */
	const char	**dev_info_argv;
	/** CUSE_* flags */
	unsigned	flags;
};

/**
 * Handlers of a CUSE device; each answers like its namesake of struct fuse_lowlevel_ops.
 */
struct cuse_lowlevel_ops {
	/** called before any request */
	void (*init) (void *userdata, struct fuse_conn_info *conn);
	/** called once the device exists */
	void (*init_done) (void *userdata);
	/** called when the session ends */
	void (*destroy) (void *userdata);
	/** open of the device */
	void (*open) (fuse_req_t req, struct fuse_file_info *fi);
	/** read from the device */
	void (*read) (fuse_req_t req, size_t size, off_t off,
		      struct fuse_file_info *fi);
	/** write to the device */
	void (*write) (fuse_req_t req, const char *buf, size_t size, off_t off,
		       struct fuse_file_info *fi);
	/** close(2) of a descriptor */
	void (*flush) (fuse_req_t req, struct fuse_file_info *fi);
	/** last close */
	void (*release) (fuse_req_t req, struct fuse_file_info *fi);
	/** fsync(2) */
	void (*fsync) (fuse_req_t req, int datasync, struct fuse_file_info *fi);
	/** ioctl(2) */
	void (*ioctl) (fuse_req_t req, int cmd, void *arg,
		       struct fuse_file_info *fi, unsigned int flags,
		       const void *in_buf, size_t in_bufsz, size_t out_bufsz);
	/** poll(2) */
	void (*poll) (fuse_req_t req, struct fuse_file_info *fi,
		      struct fuse_pollhandle *ph);
};

/** Create a CUSE session (not yet connected); NULL on failure. */
struct fuse_session *cuse_lowlevel_new(struct fuse_args *args,
				       const struct cuse_info *ci,
				       const struct cuse_lowlevel_ops *clop,
				       void *userdata);

/**
 * Parse the command line, create the session, open /dev/cuse and install signal handlers;
 * @p multithreaded receives whether -s was absent. NULL on failure.
 */
struct fuse_session *cuse_lowlevel_setup(int argc, char *argv[],
					 const struct cuse_info *ci,
					 const struct cuse_lowlevel_ops *clop,
					 int *multithreaded, void *userdata);

/** Undo cuse_lowlevel_setup(). */
void cuse_lowlevel_teardown(struct fuse_session *se);

/** Set up, run the loop and tear down; returns 0 on success, 1 on failure. */
int cuse_lowlevel_main(int argc, char *argv[], const struct cuse_info *ci,
		       const struct cuse_lowlevel_ops *clop, void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* CUSE_LOWLEVEL_H_ */
