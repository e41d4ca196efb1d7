/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the 3.17/3.18 API adds, seen from a program using a mounted passthrough_ll: run by
 * test/lib/harness.py as `so4_features MNT SRC`.
 *   - statx(2) with STATX_BTIME through the mount reports the source file's birth time (the
 *     kernel sends FUSE_STATX, the daemon's statx handler answers with fuse_reply_statx());
 *     with a library that has no STATX the kernel falls back to GETATTR and no btime comes back;
 *   - open(2) with O_TMPFILE in the mount works (FUSE_TMPFILE), the unnamed file can be written
 *     and then linked into the tree, and its content shows up in the source directory.
 * Prints one line per check; exit 0 when all pass, 1 otherwise, 77 when the source
 * filesystem itself has no birth time (then the first check cannot say anything).
 *
 * Options (before MNT): --statx-only skips O_TMPFILE (the high-level API has no tmpfile);
 * --mirror-root says the daemon mirrors / (example/passthrough), so SRC appears at MNT/SRC.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_statx(const char *mnt, const char *src, int mirror_root)
{
	char spath[4096], mpath[4096];
	struct statx want, got;
	int fd;

	(void)snprintf(spath, sizeof(spath), "%s/statx_file", src);
	if (mirror_root)
		(void)snprintf(mpath, sizeof(mpath), "%s%s/statx_file", mnt, src);
	else
		(void)snprintf(mpath, sizeof(mpath), "%s/statx_file", mnt);
	fd = open(spath, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || close(fd) < 0) {
		printf("FAIL statx: cannot create %s: %s\n", spath, strerror(errno));
		return 1;
	}
	if (statx(AT_FDCWD, spath, 0, STATX_BASIC_STATS | STATX_BTIME, &want) < 0) {
		printf("FAIL statx on the source: %s\n", strerror(errno));
		return 1;
	}
	if (!(want.stx_mask & STATX_BTIME)) {
		printf("SKIP statx: the source filesystem has no birth time\n");
		return 77;
	}
	if (statx(AT_FDCWD, mpath, AT_STATX_FORCE_SYNC, STATX_BASIC_STATS | STATX_BTIME,
		  &got) < 0) {
		printf("FAIL statx through the mount: %s\n", strerror(errno));
		return 1;
	}
	if (!(got.stx_mask & STATX_BTIME)) {
		printf("FAIL statx: no birth time through the mount (mask 0x%x): no FUSE_STATX?\n",
		       got.stx_mask);
		return 1;
	}
	if (got.stx_btime.tv_sec != want.stx_btime.tv_sec ||
	    got.stx_btime.tv_nsec != want.stx_btime.tv_nsec || got.stx_size != want.stx_size) {
		printf("FAIL statx: btime %lld.%09u size %llu, source %lld.%09u size %llu\n",
		       (long long)got.stx_btime.tv_sec, got.stx_btime.tv_nsec,
		       (unsigned long long)got.stx_size, (long long)want.stx_btime.tv_sec,
		       want.stx_btime.tv_nsec, (unsigned long long)want.stx_size);
		return 1;
	}
	printf("ok statx: birth time %lld.%09u through the mount\n",
	       (long long)got.stx_btime.tv_sec, got.stx_btime.tv_nsec);
	return 0;
}

static int check_tmpfile(const char *mnt, const char *src)
{
	static const char data[] = "unnamed until linked\n";
	char fdpath[64], mpath[4096], spath[4096], buf[64];
	ssize_t n;
	int fd, sfd;

	fd = open(mnt, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0) {
		printf("FAIL O_TMPFILE in the mount: %s\n", strerror(errno));
		return 1;
	}
	if (write(fd, data, sizeof(data) - 1) != (ssize_t)(sizeof(data) - 1)) {
		printf("FAIL write to the O_TMPFILE file: %s\n", strerror(errno));
		(void)close(fd);
		return 1;
	}
	(void)snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	(void)snprintf(mpath, sizeof(mpath), "%s/tmpfile_linked", mnt);
	if (linkat(AT_FDCWD, fdpath, AT_FDCWD, mpath, AT_SYMLINK_FOLLOW) < 0) {
		printf("FAIL linking the O_TMPFILE file into the mount: %s\n", strerror(errno));
		(void)close(fd);
		return 1;
	}
	(void)close(fd);
	(void)snprintf(spath, sizeof(spath), "%s/tmpfile_linked", src);
	sfd = open(spath, O_RDONLY);
	if (sfd < 0) {
		printf("FAIL the linked file is not in the source: %s\n", strerror(errno));
		return 1;
	}
	n = read(sfd, buf, sizeof(buf));
	(void)close(sfd);
	if (n != (ssize_t)(sizeof(data) - 1) || memcmp(buf, data, sizeof(data) - 1) != 0) {
		printf("FAIL the linked file's content differs in the source (%zd bytes)\n", n);
		return 1;
	}
	printf("ok O_TMPFILE: written, linked, visible in the source\n");
	return 0;
}

int main(int argc, char *argv[])
{
	int statx_only = 0, mirror_root = 0;
	int i = 1, a, b = 0;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--statx-only") == 0)
			statx_only = 1;
		else if (strcmp(argv[i], "--mirror-root") == 0)
			mirror_root = 1;
		else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: %s [--statx-only] [--mirror-root] MNT SRC\n", argv[0]);
		return 1;
	}
	a = check_statx(argv[i], argv[i + 1], mirror_root);
	if (!statx_only)
		b = check_tmpfile(argv[i], argv[i + 1]);
	if (a == 1 || b == 1)
		return 1;
	return a == 77 ? 77 : 0;
}
