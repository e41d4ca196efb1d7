/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Large I/O through a FUSE mount, byte-exact: `bigio [--mib N] [--mnt-only] MNT [SRC]`. Writes a file of
 * N MiB (default 32) in 1 MiB writes and reads it back in 1 MiB reads, once through the page
 * cache and once with O_DIRECT (each with its own pattern), then a buffered file whose size is
 * not a multiple of anything (1 MiB + 4097 + 123 bytes). Over io-uring a 1 MiB request fills a
 * whole ring payload buffer, so this is where a short buffer or a truncated reply would show.
 * With SRC (a passthrough's backing directory, ignored with --mnt-only), the backing files
 * must match too. Exit 0/1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1u << 20)

static void fill(unsigned char *buf, size_t len, uint64_t seed, uint64_t pos)
{
	size_t i;

	/* Each byte a function of its file position: a misplaced block shows as a mismatch. */
	for (i = 0; i < len; i++) {
		uint64_t x = (pos + i) * 0x9e3779b97f4a7c15ULL ^ seed;

		buf[i] = (unsigned char)(x >> 29);
	}
}

static int check_file(const char *path, uint64_t seed, size_t size, bool direct)
{
	unsigned char *buf = NULL, *want = NULL;
	size_t done = 0;
	ssize_t n;
	int fd, ret = 1;

	if (posix_memalign((void **)&buf, 4096, MIB) || !(want = malloc(MIB))) {
		fprintf(stderr, "bigio: out of memory\n");
		goto out;
	}
	fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
	if (fd < 0) {
		fprintf(stderr, "bigio: open %s: %s\n", path, strerror(errno));
		goto out;
	}
	for (;;) {
		n = pread(fd, buf, MIB, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "bigio: read %s at %zu: %s\n", path, done, strerror(errno));
			break;
		}
		if (n == 0) {
			if (done == size)
				ret = 0;
			else
				fprintf(stderr, "bigio: %s: %zu bytes, expected %zu\n", path, done, size);
			break;
		}
		fill(want, (size_t)n, seed, done);
		if (done + (size_t)n > size || memcmp(buf, want, (size_t)n) != 0) {
			fprintf(stderr, "bigio: %s: content differs in the %zd bytes at %zu%s\n", path,
				n, done, direct ? " (O_DIRECT)" : "");
			break;
		}
		done += (size_t)n;
	}
	close(fd);
out:
	free(buf);
	free(want);
	return ret;
}

static int write_file(const char *path, uint64_t seed, size_t size, bool direct)
{
	unsigned char *buf = NULL;
	size_t done = 0, len;
	ssize_t n;
	int fd, ret = 1;

	if (posix_memalign((void **)&buf, 4096, MIB)) {
		fprintf(stderr, "bigio: out of memory\n");
		return 1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644);
	if (fd < 0) {
		fprintf(stderr, "bigio: create %s: %s\n", path, strerror(errno));
		free(buf);
		return 1;
	}
	while (done < size) {
		len = size - done < MIB ? size - done : MIB;
		fill(buf, len, seed, done);
		n = pwrite(fd, buf, len, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "bigio: write %s at %zu: %s\n", path, done,
				n < 0 ? strerror(errno) : "wrote nothing");
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		fprintf(stderr, "bigio: fsync %s: %s\n", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (close(fd) < 0 && ret == 0) {
		fprintf(stderr, "bigio: close %s: %s\n", path, strerror(errno));
		ret = 1;
	}
	free(buf);
	return ret;
}

static int one(const char *mnt, const char *src, const char *name, uint64_t seed, size_t size,
	       bool direct)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	ret = write_file(path, seed, size, direct);
	if (!ret)
		ret = check_file(path, seed, size, direct);
	/* Direct writes, buffered read-back too: both paths must agree. */
	if (!ret && direct)
		ret = check_file(path, seed, size, false);
	if (!ret && src) {
		snprintf(path, sizeof(path), "%s/%s", src, name);
		ret = check_file(path, seed, size, false);
	}
	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	(void)unlink(path);
	printf("%s bigio %s: %zu bytes%s\n", ret ? "FAIL" : "ok", name, size,
	       direct ? " O_DIRECT" : "");
	return ret;
}

int main(int argc, char **argv)
{
	size_t mib = 32;
	const char *mnt, *src;
	int a = 1, ret = 0;

	bool mnt_only = false;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--mib") && a + 1 < argc)
			mib = strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--mnt-only"))
			mnt_only = true;
		else
			break;
	}
	if (a >= argc || mib < 1) {
		fprintf(stderr, "usage: %s [--mib N] [--mnt-only] MNT [SRC]\n", argv[0]);
		return 1;
	}
	mnt = argv[a];
	src = a + 1 < argc && !mnt_only ? argv[a + 1] : NULL;
	ret |= one(mnt, src, "bigio.buffered", 0x1111, mib * MIB, false);
	ret |= one(mnt, src, "bigio.direct", 0x2222, mib * MIB, true);
	ret |= one(mnt, src, "bigio.odd", 0x3333, MIB + 4097 + 123, false);
	return ret ? 1 : 0;
}
