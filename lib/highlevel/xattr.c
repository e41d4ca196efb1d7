/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extended attributes through the high-level API: SETXATTR, GETXATTR, LISTXATTR and
 * REMOVEXATTR turned into path calls of the fuse_fs_* wrappers (fuse.c's operations table
 * points here).
 */
#include "highlevel_i.h"

#include <errno.h>
#include <stdlib.h>

void fuse__ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		       size_t size, int flags)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path(f, ino, NULL, &path, false);
	if (!err) {
		err = fuse_fs_setxattr(f->fs, path, name, value, size, flags);
		fuse__put_path(f, path, NULL);
	}
	fuse__reply_err(req, err);
}

/* getxattr and listxattr share the size-probe protocol: size 0 asks for the length. */
static void xattr_reply(fuse_req_t req, int res, char *buf, size_t size)
{
	if (res < 0) {
		fuse__reply_err(req, res);
	} else if (size == 0) {
		fuse__reply_done();
		(void)fuse_reply_xattr(req, (size_t)res);
	} else {
		fuse__reply_done();
		(void)fuse_reply_buf(req, buf, (size_t)res);
	}
}

void fuse__ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path, *buf = NULL;
	int res;

	if (size) {
		buf = malloc(size);
		if (!buf) {
			res = -ENOMEM;
			goto out;
		}
	}
	res = fuse__get_path(f, ino, NULL, &path, false);
	if (!res) {
		res = fuse_fs_getxattr(f->fs, path, name, buf, size);
		fuse__put_path(f, path, NULL);
	}
	if (res >= 0 && size && (size_t)res > size)
		res = -ERANGE;
out:
	xattr_reply(req, res, buf, size);
	free(buf);
}

void fuse__ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path, *buf = NULL;
	int res;

	if (size) {
		buf = malloc(size);
		if (!buf) {
			res = -ENOMEM;
			goto out;
		}
	}
	res = fuse__get_path(f, ino, NULL, &path, false);
	if (!res) {
		res = fuse_fs_listxattr(f->fs, path, buf, size);
		fuse__put_path(f, path, NULL);
	}
	if (res >= 0 && size && (size_t)res > size)
		res = -ERANGE;
out:
	xattr_reply(req, res, buf, size);
	free(buf);
}

void fuse__ll_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path(f, ino, NULL, &path, false);
	if (!err) {
		err = fuse_fs_removexattr(f->fs, path, name);
		fuse__put_path(f, path, NULL);
	}
	fuse__reply_err(req, err);
}
