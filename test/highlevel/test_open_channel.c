/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse_open_channel(): it must mount a FUSE filesystem with the given options and hand back
 * the /dev/fuse descriptor of that mount, alive after the helper session it used is gone.
 * Checked in /proc/self/mountinfo (type fuse, the fsname we asked for) and by reading the
 * kernel's INIT request from the descriptor. Needs root (exit 77 otherwise).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define FUSE_USE_VERSION 314

#include <fuse.h>
#include <linux/fuse.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int mounted_as(const char *mnt, const char *fsname)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || !strstr(line, mnt))
			continue;
		/* after the separator: fstype source options */
		if (strncmp(sep + 3, "fuse", 4) == 0 && strstr(sep, fsname))
			found = 1;
	}
	fclose(f);
	return found;
}

int main(void)
{
	char dir[] = "/tmp/hl-open-channel-XXXXXX";
	union {
		struct fuse_in_header h;
		char buf[FUSE_MIN_READ_BUFFER * 4];
	} *req = NULL;
	struct pollfd pfd;
	int fd = -1, res = 1;
	ssize_t n;

	if (geteuid() != 0) {
		printf("SKIP: mounting needs root\n");
		return 77;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	fd = fuse_open_channel(dir, "fsname=hl-open-channel,allow_other");
	if (fd < 0) {
		fprintf(stderr, "fuse_open_channel failed: %d\n", fd);
		goto out_dir;
	}
	if (!mounted_as(dir, "hl-open-channel")) {
		fprintf(stderr, "%s is not a fuse mount named hl-open-channel\n", dir);
		goto out_umount;
	}
	/* the kernel's first request on a fresh mount is INIT, on our descriptor */
	req = malloc(sizeof(*req));
	if (!req)
		goto out_umount;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1) {
		fprintf(stderr, "no request on the descriptor within 10 s\n");
		goto out_umount;
	}
	n = read(fd, req, sizeof(*req));
	if (n < (ssize_t)sizeof(struct fuse_in_header) || req->h.opcode != FUSE_INIT) {
		fprintf(stderr, "first request: %zd bytes, opcode %u (want FUSE_INIT)\n", n,
			n > 0 ? req->h.opcode : 0);
		goto out_umount;
	}
	printf("fuse_open_channel: mounted, INIT received on fd %d\n", fd);
	res = 0;
out_umount:
	if (umount2(dir, MNT_DETACH) != 0)
		perror("umount2");
	if (fd >= 0)
		close(fd);
	free(req);
out_dir:
	(void)rmdir(dir);
	return res;
}
