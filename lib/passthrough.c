/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FUSE passthrough (kernel 7.40+): a filesystem registers an open file of its own as the
 * backing file of a FUSE file, and the kernel then serves reads and writes from it without
 * a round trip. Registration is an ioctl on the session's /dev/fuse; the id it returns goes
 * into fuse_file_info.backing_id, which fuse_reply_open/create turn into FOPEN_PASSTHROUGH.
 */
#include "fuse_i.h"

#include <string.h>
#include <sys/ioctl.h>

FUSE_EXPORT int fuse_passthrough_open(fuse_req_t req, int fd)
{
	struct fuse__backing_map map;
	int ret;

	if (!req || fd < 0)
		return -EINVAL;
	memset(&map, 0, sizeof(map));
	map.fd = fd;
	ret = ioctl(fuse__session_devfd(req->se), FUSE__DEV_IOC_BACKING_OPEN, &map);
	if (ret <= 0) {
		ret = ret < 0 ? -errno : -EIO;
		fuse_log(FUSE_LOG_ERR, "fuse: passthrough_open: %s\n", strerror(-ret));
	}
	return ret;
}

FUSE_EXPORT int fuse_passthrough_close(fuse_req_t req, int backing_id)
{
	uint32_t id;

	if (!req || backing_id <= 0)
		return -EINVAL;
	id = (uint32_t)backing_id;
	if (ioctl(fuse__session_devfd(req->se), FUSE__DEV_IOC_BACKING_CLOSE, &id) < 0) {
		int err = -errno;

		fuse_log(FUSE_LOG_ERR, "fuse: passthrough_close(%d): %s\n", backing_id,
			 strerror(-err));
		return err;
	}
	return 0;
}
