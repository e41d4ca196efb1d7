/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the syscall suite: failure recording, path joining, deterministic data, full reads
 * and writes, whole-file comparison and sorted directory listings compared between the mount
 * and the backing directory.
 */
#include "syscalls.h"

void failf(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->fail[0])
		return;
	va_start(ap, fmt);
	(void)vsnprintf(c->fail, sizeof(c->fail), fmt, ap);
	va_end(ap);
}

void msgf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

/* Up to eight paths per statement, so calls with several paths need no locals. */
const char *pj(const char *dir, const char *name)
{
	static char bufs[8][PATH_MAX];
	static unsigned int next;
	char *b = bufs[next++ % 8];
	int n = snprintf(b, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "path too long: %s/%s\n", dir, name);
		_exit(2);
	}
	return b;
}

/* Deterministic bytes, different per seed, so misplaced data is caught. */
void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);

		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/*
 * Compare a file's whole content with an expected buffer. Returns 0 or -1 after recording what
 * differed (errno problems, the size, or the first differing offset).
 */
int file_is(struct ctx *c, const char *path, const void *want, size_t len)
{
	unsigned char *buf;
	struct stat st;
	int ret = -1;
	size_t i;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		failf(c, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		failf(c, "fstat %s: %s", path, strerror(errno));
		goto out_close;
	}
	if ((size_t)st.st_size != len) {
		failf(c, "%s: expected size %zu got %lld", path, len, (long long)st.st_size);
		goto out_close;
	}
	buf = malloc(len + 1);
	if (!buf) {
		failf(c, "out of memory");
		goto out_close;
	}
	if (pread_full(fd, buf, len + 1, 0) != (ssize_t)len) {
		failf(c, "%s: short or long read (%s)", path, strerror(errno));
		goto out_free;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] != ((const unsigned char *)want)[i]) {
			failf(c, "%s: byte %zu: expected 0x%02x got 0x%02x", path, i,
			      ((const unsigned char *)want)[i], buf[i]);
			goto out_free;
		}
	}
	ret = 0;
out_free:
	free(buf);
out_close:
	(void)close(fd);
	return ret;
}

int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (len && pwrite_full(fd, data, len, 0) < 0)
		ret = -1;
	if (close(fd) < 0)
		ret = -1;
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Sorted entries of a directory, without "." and "..". */
int list_dir(const char *path, struct names *l)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *dp;

	l->v = NULL;
	l->n = 0;
	dp = opendir(path);
	if (!dp)
		return -1;
	for (;;) {
		errno = 0;
		de = readdir(dp);
		if (!de)
			break;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (l->n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(l->v, cap * sizeof(*nv));
			if (!nv)
				goto fail;
			l->v = nv;
		}
		l->v[l->n] = strdup(de->d_name);
		if (!l->v[l->n])
			goto fail;
		l->n++;
	}
	if (errno)
		goto fail;
	(void)closedir(dp);
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	return 0;
fail:
	(void)closedir(dp);
	names_free(l);
	return -1;
}

/* Both listings equal, name by name. */
int same_listing(struct ctx *c, const char *a, const char *b, size_t want_n)
{
	struct names la, lb;
	int ret = -1;
	size_t i;

	if (list_dir(a, &la) < 0) {
		failf(c, "list %s: %s", a, strerror(errno));
		return -1;
	}
	if (list_dir(b, &lb) < 0) {
		failf(c, "list %s: %s", b, strerror(errno));
		goto out_a;
	}
	if (la.n != want_n || lb.n != want_n) {
		failf(c, "listing sizes: expected %zu got %zu (mnt) and %zu (src)", want_n, la.n,
		      lb.n);
		goto out_b;
	}
	for (i = 0; i < la.n; i++) {
		if (strcmp(la.v[i], lb.v[i])) {
			failf(c, "listing entry %zu: mnt has %s, src has %s", i, la.v[i], lb.v[i]);
			goto out_b;
		}
	}
	ret = 0;
out_b:
	names_free(&lb);
out_a:
	names_free(&la);
	return ret;
}
