/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private interface of the mounting code. lib/mount_util.c owns the mount options (parsing
 * them out of the session's arguments, checking them, and rendering them as the kernel's data
 * string, MS_* flags and the option list fusermount3 understands); lib/mount.c owns the
 * mount itself: mount(2) when privileged, Debian's setuid fusermount3 otherwise (the /dev/fuse
 * fd comes back over a socket), the /dev/fd/N convention of mount helpers, and unmounting.
 */
#ifndef RINGFUSE_MOUNT_I_H
#define RINGFUSE_MOUNT_I_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fuse_args;
struct fuse__mount_opts;

/*
 * Removes the mount options it knows from args (leaving others for the session's parser);
 * returns NULL on error after logging why (unknown values, bad numbers).
 */
struct fuse__mount_opts *fuse__mount_opts_parse(struct fuse_args *args);
/* Also closes the auto_unmount socket if still open, which makes fusermount3 unmount. */
void fuse__mount_opts_free(struct fuse__mount_opts *mo);
/* Print the mount options in -h output. */
void fuse__mount_help(void);
/*
 * Mount: returns the /dev/fuse fd (>= 0, O_CLOEXEC) or -errno after logging a clear reason.
 * mountpoint must already be absolute. "/dev/fd/N" means fd N is an open /dev/fuse handed
 * over by a mount helper: it is returned as is and nothing is mounted.
 */
int fuse__kernel_mount(const char *mountpoint, struct fuse__mount_opts *mo);
/*
 * Unmount (best effort, logs failures) and close the fd if >= 0. With fd >= 0 a connection
 * the kernel already tore down (someone ran fusermount3 -u) is detected and the path is left
 * alone, so that whatever is mounted there now is not unmounted by mistake.
 */
void fuse__kernel_unmount(const char *mountpoint, int fd, struct fuse__mount_opts *mo);
/*
 * The same, for a session whose fd is still in use elsewhere (shared with its channel and
 * the ring queues): fd (>= 0) only serves the check above and stays open.
 */
void fuse__kernel_unmount_keep_fd(const char *mountpoint, int fd, struct fuse__mount_opts *mo);

/* -o allow_root was given: the session must refuse requests from users other than the
 * mounting user and root (the kernel is told allow_other). */
int fuse__mount_opts_allow_root(const struct fuse__mount_opts *mo);
/* -o max_read=N, or 0 when not given. */
unsigned int fuse__mount_opts_max_read(const struct fuse__mount_opts *mo);
/* Returns N when mountpoint is "/dev/fd/N" (N a valid number), else -1. */
int fuse__mount_fd_from_path(const char *mountpoint);

/*
 * For tests and for lib/mount.c. Renders the options that follow the kernel data string's
 * "fd=,rootmode=,user_id=,group_id=" prefix (no leading comma), the MS_* flags, and the -o
 * list for fusermount3. Any output pointer may be NULL. Returns 0 or -ENAMETOOLONG when a
 * buffer is too small.
 */
int fuse__mount_opts_render(const struct fuse__mount_opts *mo, char *kernel_opts,
			    size_t kernel_size, unsigned long *mountflags,
			    char *fusermount_opts, size_t fusermount_size);
/*
 * The file system type and source for mount(2): "fuse.<subtype>" (or "fuseblk.<subtype>")
 * and fsname. With fold_subtype the subtype goes into the source as "subtype#fsname" and the
 * type is plain "fuse"/"fuseblk", for kernels that lack typed fuse mounts.
 */
int fuse__mount_opts_fstype(const struct fuse__mount_opts *mo, int fold_subtype, char *type,
			    size_t type_size, char *source, size_t source_size);

/* State shared by lib/mount_util.c and lib/mount.c; not for other files. */
struct fuse__mount_opts {
	unsigned long flags;		/* MS_* to set */
	int allow_other;
	int allow_root;
	int default_permissions;
	int blkdev;
	int auto_unmount;
	unsigned int max_read;		/* 0: not given */
	unsigned int blksize;		/* 0: not given */
	char *fsname;
	char *subtype;
	char *lsm_opts;			/* context=... options, comma separated, for the kernel */

	/* Filled in by a successful fuse__kernel_mount. */
	int mounted_direct;		/* mount(2) by us: umount2 works */
	int mounted_helper;		/* fusermount3 mounted it */
	int passed_fd;			/* /dev/fd/N: nothing of ours to unmount */
	int commfd;			/* auto_unmount: our end of fusermount3's socket, or -1 */
	pid_t helper_pid;		/* auto_unmount: the fusermount3 that watches commfd, or 0 */
	uint64_t mount_id;		/* our mount's never-reused id (statx), or 0 */
};

#endif
