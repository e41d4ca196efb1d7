/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Concurrent readers and writers through a FUSE mount, each checked byte for byte:
 * `parallel_io [--threads N] [--rounds R] [--mnt-only] MNT [SRC]`. Every thread owns a file that it writes
 * at random offsets and sizes (half of the threads with O_DIRECT, aligned) while keeping a
 * shadow copy, reading back random ranges and comparing; all threads also read random ranges
 * of one shared file written up front. Run against a daemon that replies from other threads
 * than the one that received the request, it checks that such replies reach the right
 * request with the right bytes under load. With SRC (a passthrough's backing directory), the
 * final files are compared with their backing copies too. Exit 0 pass, 1 fail.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_SIZE (4u << 20)
#define SHARED_SIZE (2u << 20)
#define MAX_IO (256u << 10)
#define ALIGN 4096u

static const char *mnt, *src;
static unsigned int nthreads = 8, rounds = 200;
static atomic_int failures;

struct worker {
	pthread_t tid;
	unsigned int id;
	uint64_t rng;
	unsigned char *shadow;
	const unsigned char *shared;
	char err[PATH_MAX + 256];
};

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64*: reproducible, thread-local, good enough to scatter offsets. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void fill(unsigned char *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i & 7) == 0)
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = (unsigned char)(seed >> ((i & 7) * 8));
	}
}

static ssize_t full_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)done;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static ssize_t full_pread(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)done;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static bool same(struct worker *w, const char *what, const unsigned char *got,
		 const unsigned char *want, size_t len, off_t off)
{
	size_t i;

	if (memcmp(got, want, len) == 0)
		return true;
	for (i = 0; i < len && got[i] == want[i]; i++)
		;
	snprintf(w->err, sizeof(w->err), "%s: byte %lld differs (%u != %u)", what,
		 (long long)off + (long long)i, got[i], want[i]);
	return false;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	bool direct = w->id & 1;
	unsigned char *buf = NULL, *rbuf = NULL;
	char path[PATH_MAX];
	int fd = -1, sfd = -1;
	unsigned int r;

	snprintf(path, sizeof(path), "%s/pio.%u", mnt, w->id);
	if (posix_memalign((void **)&buf, ALIGN, MAX_IO) || posix_memalign((void **)&rbuf, ALIGN, MAX_IO)) {
		snprintf(w->err, sizeof(w->err), "out of memory");
		goto out;
	}
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644);
	if (fd < 0) {
		snprintf(w->err, sizeof(w->err), "open %s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/pio.shared", mnt);
	sfd = open(path, O_RDONLY);
	if (sfd < 0) {
		snprintf(w->err, sizeof(w->err), "open %s: %s", path, strerror(errno));
		goto out;
	}
	memset(w->shadow, 0, FILE_SIZE);
	if (ftruncate(fd, FILE_SIZE) < 0) {
		snprintf(w->err, sizeof(w->err), "ftruncate: %s", strerror(errno));
		goto out;
	}
	for (r = 0; r < rounds; r++) {
		size_t len = 1 + rnd(&w->rng) % MAX_IO;
		off_t off = (off_t)(rnd(&w->rng) % (FILE_SIZE - len + 1));

		if (direct) {
			len = (len + ALIGN - 1) / ALIGN * ALIGN;
			off = off / ALIGN * ALIGN;
			if ((size_t)off + len > FILE_SIZE)
				off = (off_t)(FILE_SIZE - len);
		}
		fill(buf, len, ((uint64_t)w->id << 32) ^ r);
		if (full_pwrite(fd, buf, len, off) != (ssize_t)len) {
			snprintf(w->err, sizeof(w->err), "pwrite %zu at %lld: %s", len,
				 (long long)off, strerror(errno));
			goto out;
		}
		memcpy(w->shadow + off, buf, len);

		len = 1 + rnd(&w->rng) % MAX_IO;
		off = (off_t)(rnd(&w->rng) % (FILE_SIZE - len + 1));
		if (direct) {
			len = (len + ALIGN - 1) / ALIGN * ALIGN;
			off = off / ALIGN * ALIGN;
			if ((size_t)off + len > FILE_SIZE)
				off = (off_t)(FILE_SIZE - len);
		}
		if (full_pread(fd, rbuf, len, off) != (ssize_t)len) {
			snprintf(w->err, sizeof(w->err), "pread %zu at %lld: %s", len,
				 (long long)off, strerror(errno));
			goto out;
		}
		if (!same(w, "own file", rbuf, w->shadow + off, len, off))
			goto out;

		len = 1 + rnd(&w->rng) % MAX_IO;
		off = (off_t)(rnd(&w->rng) % (SHARED_SIZE - len + 1));
		if (full_pread(sfd, rbuf, len, off) != (ssize_t)len) {
			snprintf(w->err, sizeof(w->err), "pread shared: %s", strerror(errno));
			goto out;
		}
		if (!same(w, "shared file", rbuf, w->shared + off, len, off))
			goto out;
	}
	if (fsync(fd) < 0)
		snprintf(w->err, sizeof(w->err), "fsync: %s", strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	free(buf);
	free(rbuf);
	if (w->err[0])
		atomic_fetch_add(&failures, 1);
	return NULL;
}

/* The whole file at path must equal want. */
static int compare_file(const char *path, const unsigned char *want, size_t len)
{
	unsigned char *got = malloc(len + 1);
	ssize_t n;
	int fd, ret = -1;

	if (!got)
		return -1;
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = full_pread(fd, got, len + 1, 0);
		if (n == (ssize_t)len && memcmp(got, want, len) == 0)
			ret = 0;
		else
			fprintf(stderr, "parallel_io: %s: %zd bytes, content %s\n", path, n,
				n == (ssize_t)len ? "differs" : "size differs");
		close(fd);
	} else {
		fprintf(stderr, "parallel_io: open %s: %s\n", path, strerror(errno));
	}
	free(got);
	return ret;
}

int main(int argc, char **argv)
{
	struct worker *ws;
	unsigned char *shared;
	char path[PATH_MAX];
	unsigned int i;
	bool mnt_only = false;
	int a, fd, ret = 1;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--threads") && a + 1 < argc)
			nthreads = (unsigned int)strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--rounds") && a + 1 < argc)
			rounds = (unsigned int)strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--mnt-only"))
			mnt_only = true;
		else
			break;
	}
	if (a >= argc || nthreads < 1 || nthreads > 256 || rounds < 1) {
		fprintf(stderr, "usage: %s [--threads N] [--rounds R] [--mnt-only] MNT [SRC]\n", argv[0]);
		return 1;
	}
	mnt = argv[a];
	src = a + 1 < argc && !mnt_only ? argv[a + 1] : NULL;

	shared = malloc(SHARED_SIZE);
	ws = calloc(nthreads, sizeof(*ws));
	if (!shared || !ws)
		return 1;
	fill(shared, SHARED_SIZE, 0x5eed);
	snprintf(path, sizeof(path), "%s/pio.shared", mnt);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || full_pwrite(fd, shared, SHARED_SIZE, 0) != SHARED_SIZE || close(fd) < 0) {
		fprintf(stderr, "parallel_io: writing %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		ws[i].id = i;
		ws[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
		ws[i].shared = shared;
		ws[i].shadow = malloc(FILE_SIZE);
		if (!ws[i].shadow || pthread_create(&ws[i].tid, NULL, work, &ws[i]) != 0) {
			fprintf(stderr, "parallel_io: cannot start thread %u\n", i);
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(ws[i].tid, NULL);
	for (i = 0; i < nthreads; i++)
		if (ws[i].err[0])
			fprintf(stderr, "parallel_io: thread %u: %s\n", i, ws[i].err);

	if (atomic_load(&failures) == 0) {
		ret = 0;
		for (i = 0; i < nthreads; i++) {
			snprintf(path, sizeof(path), "%s/pio.%u", mnt, i);
			if (compare_file(path, ws[i].shadow, FILE_SIZE))
				ret = 1;
			if (src) {
				snprintf(path, sizeof(path), "%s/pio.%u", src, i);
				if (compare_file(path, ws[i].shadow, FILE_SIZE))
					ret = 1;
			}
		}
	}
	for (i = 0; i < nthreads; i++) {
		snprintf(path, sizeof(path), "%s/pio.%u", mnt, i);
		(void)unlink(path);
		free(ws[i].shadow);
	}
	snprintf(path, sizeof(path), "%s/pio.shared", mnt);
	(void)unlink(path);
	free(ws);
	free(shared);
	printf("%s parallel_io: %u threads x %u rounds\n", ret ? "FAIL" : "ok", nthreads, rounds);
	return ret;
}
