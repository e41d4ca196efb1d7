/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount suite's syscall checks: `syscalls [--basic] [--only NAME[,NAME...]] MNT SRC` does
 * file system operations through the mountpoint MNT and checks each result against what it
 * expects and against the backing directory SRC that a passthrough daemon mirrors. Every check
 * runs in its own forked process and its own subdirectory NAME (made and removed through MNT),
 * so a failure, crash or hang of one check does not spill into the next. It prints one line per
 * check (`ok NAME` or `FAIL NAME: what`) and exits 1 if any failed. --basic keeps the checks an
 * unprivileged user can run. It links no FUSE library: it only sees the kernel's side.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* Per-check limit: a hung operation must turn into a failure, not a stuck suite. */
#define CHECK_TIMEOUT_S 180

struct ctx {
	const char *name;
	char m[PATH_MAX];	/* MNT/NAME */
	char s[PATH_MAX];	/* SRC/NAME */
	char fail[1024];
};

static void failf(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->fail[0])
		return;
	va_start(ap, fmt);
	(void)vsnprintf(c->fail, sizeof(c->fail), fmt, ap);
	va_end(ap);
}

/* Each macro records the first failure with both sides and leaves the check through `out`. */
#define OK(expr) do { \
		errno = 0; \
		if ((long long)(expr) < 0) { \
			failf(c, "line %d: %s: expected success got -1 (%s)", __LINE__, #expr, \
			      strerror(errno)); \
			goto out; \
		} \
	} while (0)

#define ERR(expr, e) do { \
		long long r_ = (long long)(expr); \
		int err_ = errno; \
		if (r_ != -1 || err_ != (e)) { \
			failf(c, "line %d: %s: expected -1 (%s) got %lld (%s)", __LINE__, #expr, \
			      strerror(e), r_, r_ == -1 ? strerror(err_) : "no error"); \
			goto out; \
		} \
	} while (0)

#define EQ(a, b) do { \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ != b_) { \
			failf(c, "line %d: %s == %s: expected %lld got %lld", __LINE__, #a, #b, \
			      b_, a_); \
			goto out; \
		} \
	} while (0)

#define TRUE(cond) do { \
		if (!(cond)) { \
			failf(c, "line %d: expected %s", __LINE__, #cond); \
			goto out; \
		} \
	} while (0)

/* snprintf that may cut a message short on purpose (gcc cannot see that this is fine). */
static void msgf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

/* Up to eight paths per statement, so calls with several paths need no locals. */
static const char *pj(const char *dir, const char *name)
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

#define M(n) pj(c->m, (n))
#define S(n) pj(c->s, (n))

/* Deterministic bytes, different per seed, so misplaced data is caught. */
static void fill(unsigned char *buf, size_t len, unsigned int seed)
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

static ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
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

static ssize_t pwrite_full(int fd, const void *buf, size_t len, off_t off)
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
static int file_is(struct ctx *c, const char *path, const void *want, size_t len)
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

static int write_file(const char *path, const void *data, size_t len)
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

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Sorted entries of a directory, without "." and "..". */
static int list_dir(const char *path, struct names *l)
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
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	return 0;
fail:
	(void)closedir(dp);
	names_free(l);
	return -1;
}

/* Both listings equal, name by name. */
static int same_listing(struct ctx *c, const char *a, const char *b, size_t want_n)
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

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                      */

static void t_create_rw(struct ctx *c)
{
	char buf[16];
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(write(fd, "hello", 5), 5);
	EQ(pread(fd, buf, sizeof(buf), 0), 5);
	TRUE(memcmp(buf, "hello", 5) == 0);
	EQ(pread(fd, buf, sizeof(buf), 5), 0);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), "hello", 5) < 0)
		goto out;
	/* Data written behind the daemon's back is what a fresh open reads. */
	OK(write_file(S("g"), "world", 5));
	if (file_is(c, M("g"), "world", 5) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_pwrite_offsets(struct ctx *c)
{
	unsigned char want[10005];
	unsigned char a[100], b[5];
	int fd = -1;

	memset(want, 0, sizeof(want));
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	memcpy(want, a, sizeof(a));
	memcpy(want + 4096, a, sizeof(a));
	memcpy(want + 10000, b, sizeof(b));
	OK(fd = open(M("f"), O_CREAT | O_WRONLY, 0644));
	EQ(pwrite(fd, b, sizeof(b), 10000), 5);
	EQ(pwrite(fd, a, sizeof(a), 4096), 100);
	EQ(pwrite(fd, a, sizeof(a), 0), 100);
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), want, sizeof(want)) < 0 || file_is(c, S("f"), want, sizeof(want)) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_append(struct ctx *c)
{
	int fd = -1;

	OK(write_file(M("f"), "abc", 3));
	OK(fd = open(M("f"), O_WRONLY | O_APPEND));
	EQ(write(fd, "def", 3), 3);
	EQ(lseek(fd, 0, SEEK_SET), 0);
	EQ(write(fd, "gh", 2), 2);
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), "abcdefgh", 8) < 0 || file_is(c, S("f"), "abcdefgh", 8) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_stat_fields(struct ctx *c)
{
	unsigned char data[123];
	struct timespec before, after;
	struct stat sm, ss;
	int fd = -1;

	fill(data, sizeof(data), 3);
	OK(clock_gettime(CLOCK_REALTIME, &before));
	OK(fd = open(M("f"), O_CREAT | O_WRONLY | O_EXCL, 0640));
	EQ(write(fd, data, sizeof(data)), (long long)sizeof(data));
	/* With a writeback cache the kernel owns mtime until it writes the inode back. */
	OK(fsync(fd));
	OK(close(fd));
	fd = -1;
	OK(clock_gettime(CLOCK_REALTIME, &after));
	OK(stat(M("f"), &sm));
	OK(stat(S("f"), &ss));
	EQ(sm.st_size, 123);
	EQ(sm.st_mode, S_IFREG | 0640);
	EQ(sm.st_nlink, 1);
	EQ(sm.st_uid, geteuid());
	EQ(sm.st_gid, getegid());
	EQ(sm.st_ino, ss.st_ino);
	EQ(sm.st_mode, ss.st_mode);
	/*
	 * Not mtime equality with the source: with a writeback cache the kernel keeps its own
	 * mtime and the backing file's is set by whichever of WRITE and SETATTR lands last. Both
	 * must lie within the time the writes took (utimens checks exact values).
	 */
	TRUE(sm.st_mtim.tv_sec >= before.tv_sec - 1 && sm.st_mtim.tv_sec <= after.tv_sec + 1);
	TRUE(ss.st_mtim.tv_sec >= before.tv_sec - 1 && ss.st_mtim.tv_sec <= after.tv_sec + 1);
	EQ(sm.st_blocks, ss.st_blocks);
	OK(stat(c->m, &sm));
	TRUE(S_ISDIR(sm.st_mode));
	EQ(sm.st_nlink, 2);
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_utimens(struct ctx *c)
{
	struct timespec tv[2], before, after;
	struct stat sm, ss;

	OK(write_file(M("f"), "x", 1));
	tv[0].tv_sec = 1000000000;
	tv[0].tv_nsec = 123456789;
	tv[1].tv_sec = 1200000000;
	tv[1].tv_nsec = 987654321;
	OK(utimensat(AT_FDCWD, M("f"), tv, 0));
	OK(stat(M("f"), &sm));
	OK(stat(S("f"), &ss));
	EQ(sm.st_atim.tv_sec, 1000000000);
	EQ(sm.st_atim.tv_nsec, 123456789);
	EQ(sm.st_mtim.tv_sec, 1200000000);
	EQ(sm.st_mtim.tv_nsec, 987654321);
	EQ(ss.st_atim.tv_sec, 1000000000);
	EQ(ss.st_mtim.tv_nsec, 987654321);

	/* UTIME_OMIT keeps atime; UTIME_NOW puts mtime between two clock readings. */
	tv[0].tv_nsec = UTIME_OMIT;
	tv[1].tv_nsec = UTIME_NOW;
	OK(clock_gettime(CLOCK_REALTIME, &before));
	OK(utimensat(AT_FDCWD, M("f"), tv, 0));
	OK(clock_gettime(CLOCK_REALTIME, &after));
	OK(stat(M("f"), &sm));
	EQ(sm.st_atim.tv_sec, 1000000000);
	EQ(sm.st_atim.tv_nsec, 123456789);
	TRUE(sm.st_mtim.tv_sec >= before.tv_sec - 1 && sm.st_mtim.tv_sec <= after.tv_sec + 1);
	OK(stat(S("f"), &ss));
	EQ(ss.st_mtim.tv_sec, sm.st_mtim.tv_sec);
	EQ(ss.st_mtim.tv_nsec, sm.st_mtim.tv_nsec);

	/* A symlink's own times, not its target's. */
	OK(symlink("f", M("l")));
	tv[0].tv_sec = 1300000000;
	tv[0].tv_nsec = 0;
	tv[1] = tv[0];
	OK(utimensat(AT_FDCWD, M("l"), tv, AT_SYMLINK_NOFOLLOW));
	OK(lstat(S("l"), &ss));
	EQ(ss.st_mtim.tv_sec, 1300000000);
	OK(stat(S("f"), &ss));
	EQ(ss.st_mtim.tv_sec, sm.st_mtim.tv_sec);
out:
	return;
}

static void t_truncate(struct ctx *c)
{
	unsigned char want[5000];
	struct stat st;
	int fd = -1;

	memset(want, 0, sizeof(want));
	memcpy(want, "0123456789", 10);
	OK(write_file(M("f"), "0123456789abcdef", 16));
	OK(truncate(M("f"), 10));
	if (file_is(c, S("f"), want, 10) < 0)
		goto out;
	OK(truncate(M("f"), 100));
	OK(stat(M("f"), &st));
	EQ(st.st_size, 100);
	if (file_is(c, M("f"), want, 100) < 0)
		goto out;
	OK(fd = open(M("f"), O_RDWR));
	OK(ftruncate(fd, 5000));
	OK(fstat(fd, &st));
	EQ(st.st_size, 5000);
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), want, 5000) < 0 || file_is(c, S("f"), want, 5000) < 0)
		goto out;
	OK(truncate(M("f"), 0));
	OK(stat(S("f"), &st));
	EQ(st.st_size, 0);
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_chmod_chown(struct ctx *c)
{
	struct stat sm, ss;

	OK(write_file(M("f"), "x", 1));
	OK(chmod(M("f"), 0600));
	OK(stat(M("f"), &sm));
	OK(stat(S("f"), &ss));
	EQ(sm.st_mode, S_IFREG | 0600);
	EQ(ss.st_mode, S_IFREG | 0600);
	OK(chmod(M("f"), 04755));
	OK(stat(S("f"), &ss));
	EQ(ss.st_mode, S_IFREG | 04755);
	OK(mkdir(M("d"), 0700));
	OK(chmod(M("d"), 0751));
	OK(stat(S("d"), &ss));
	EQ(ss.st_mode, S_IFDIR | 0751);
	if (geteuid() == 0) {
		OK(chown(M("f"), 1234, 5678));
		OK(stat(M("f"), &sm));
		OK(stat(S("f"), &ss));
		EQ(sm.st_uid, 1234);
		EQ(sm.st_gid, 5678);
		EQ(ss.st_uid, 1234);
		EQ(ss.st_gid, 5678);
		OK(chown(M("f"), (uid_t)-1, 42));
		OK(stat(S("f"), &ss));
		EQ(ss.st_uid, 1234);
		EQ(ss.st_gid, 42);
		OK(lchown(M("d"), 7, 8));
		OK(stat(S("d"), &ss));
		EQ(ss.st_uid, 7);
	} else {
		OK(chown(M("f"), geteuid(), getegid()));
		ERR(chown(M("f"), 0, 0), EPERM);
	}
out:
	return;
}

static void t_mkdir_rmdir(struct ctx *c)
{
	struct stat st;

	OK(mkdir(M("d"), 0755));
	OK(stat(S("d"), &st));
	TRUE(S_ISDIR(st.st_mode));
	EQ(st.st_mode & 07777, 0755);
	OK(mkdir(M("d/sub"), 0700));
	OK(stat(c->m, &st));
	EQ(st.st_nlink, 3);
	ERR(rmdir(M("d")), ENOTEMPTY);
	OK(rmdir(M("d/sub")));
	OK(rmdir(M("d")));
	ERR(stat(S("d"), &st), ENOENT);
	ERR(stat(M("d"), &st), ENOENT);
	ERR(rmdir(M("d")), ENOENT);
out:
	return;
}

static void t_unlink(struct ctx *c)
{
	struct stat st;

	OK(write_file(M("f"), "x", 1));
	OK(unlink(M("f")));
	ERR(stat(M("f"), &st), ENOENT);
	ERR(stat(S("f"), &st), ENOENT);
	ERR(unlink(M("f")), ENOENT);
	/* Recreating the name gives a fresh file, not the old inode. */
	OK(write_file(M("f"), "yz", 2));
	if (file_is(c, M("f"), "yz", 2) < 0)
		goto out;
out:
	return;
}

static void t_rename(struct ctx *c)
{
	struct stat st, st2;

	OK(write_file(M("a"), "A", 1));
	OK(stat(M("a"), &st));
	OK(rename(M("a"), M("b")));
	ERR(stat(M("a"), &st2), ENOENT);
	ERR(stat(S("a"), &st2), ENOENT);
	OK(stat(M("b"), &st2));
	EQ(st2.st_ino, st.st_ino);
	if (file_is(c, S("b"), "A", 1) < 0)
		goto out;
	/* Across directories, replacing an existing file. */
	OK(mkdir(M("d1"), 0755));
	OK(mkdir(M("d2"), 0755));
	OK(write_file(M("d2/t"), "old", 3));
	OK(rename(M("b"), M("d1/x")));
	OK(rename(M("d1/x"), M("d2/t")));
	if (file_is(c, M("d2/t"), "A", 1) < 0 || file_is(c, S("d2/t"), "A", 1) < 0)
		goto out;
	ERR(stat(S("d1/x"), &st2), ENOENT);
	/* A directory moves with its contents. */
	OK(rename(M("d2"), M("d1/d2")));
	if (file_is(c, S("d1/d2/t"), "A", 1) < 0)
		goto out;
	/* Renaming onto a non-empty directory must fail. */
	OK(mkdir(M("e"), 0755));
	ERR(rename(M("e"), M("d1")), ENOTEMPTY);
out:
	return;
}

static void t_rename_noreplace(struct ctx *c)
{
	OK(write_file(M("a"), "A", 1));
	OK(write_file(M("b"), "B", 1));
	ERR(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("b"), RENAME_NOREPLACE), EEXIST);
	if (file_is(c, S("a"), "A", 1) < 0 || file_is(c, S("b"), "B", 1) < 0)
		goto out;
	OK(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("c"), RENAME_NOREPLACE));
	if (file_is(c, S("c"), "A", 1) < 0)
		goto out;
out:
	return;
}

static void t_rename_exchange(struct ctx *c)
{
	struct stat sa, sb, st;

	OK(write_file(M("a"), "A", 1));
	OK(mkdir(M("b"), 0755));
	OK(write_file(M("b/in"), "I", 1));
	OK(stat(M("a"), &sa));
	OK(stat(M("b"), &sb));
	OK(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("b"), RENAME_EXCHANGE));
	OK(stat(M("a"), &st));
	EQ(st.st_ino, sb.st_ino);
	TRUE(S_ISDIR(st.st_mode));
	OK(stat(M("b"), &st));
	EQ(st.st_ino, sa.st_ino);
	if (file_is(c, S("b"), "A", 1) < 0 || file_is(c, M("a/in"), "I", 1) < 0 ||
	    file_is(c, S("a/in"), "I", 1) < 0)
		goto out;
	ERR(renameat2(AT_FDCWD, M("a"), AT_FDCWD, M("missing"), RENAME_EXCHANGE), ENOENT);
out:
	return;
}

static void t_link(struct ctx *c)
{
	struct stat s1, s2, ss;

	OK(write_file(M("f"), "data", 4));
	OK(link(M("f"), M("g")));
	OK(stat(M("f"), &s1));
	OK(stat(M("g"), &s2));
	EQ(s1.st_nlink, 2);
	EQ(s2.st_nlink, 2);
	EQ(s1.st_ino, s2.st_ino);
	OK(stat(S("g"), &ss));
	EQ(ss.st_ino, s1.st_ino);
	EQ(ss.st_nlink, 2);
	if (file_is(c, M("g"), "data", 4) < 0)
		goto out;
	ERR(link(M("f"), M("g")), EEXIST);
	OK(unlink(M("f")));
	OK(stat(M("g"), &s2));
	EQ(s2.st_nlink, 1);
out:
	return;
}

static void t_symlink(struct ctx *c)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	OK(write_file(M("target"), "T", 1));
	OK(symlink("target", M("l")));
	OK(symlink("does/not/exist", M("dangling")));
	OK(lstat(M("l"), &st));
	TRUE(S_ISLNK(st.st_mode));
	EQ(st.st_size, 6);
	OK(n = readlink(M("l"), buf, sizeof(buf)));
	EQ(n, 6);
	TRUE(memcmp(buf, "target", 6) == 0);
	OK(n = readlink(S("dangling"), buf, sizeof(buf)));
	EQ(n, 14);
	TRUE(memcmp(buf, "does/not/exist", 14) == 0);
	if (file_is(c, M("l"), "T", 1) < 0)
		goto out;
	ERR(stat(M("dangling"), &st), ENOENT);
	ERR(readlink(M("target"), buf, sizeof(buf)), EINVAL);
out:
	return;
}

static void t_mknod_fifo(struct ctx *c)
{
	struct stat st;

	OK(mkfifo(M("p"), 0640));
	OK(stat(M("p"), &st));
	TRUE(S_ISFIFO(st.st_mode));
	EQ(st.st_mode & 07777, 0640);
	OK(stat(S("p"), &st));
	TRUE(S_ISFIFO(st.st_mode));
	OK(mknod(M("r"), S_IFREG | 0600, 0));
	OK(stat(S("r"), &st));
	TRUE(S_ISREG(st.st_mode));
	EQ(st.st_size, 0);
out:
	return;
}

static int make_files(struct ctx *c, const char *dir, size_t n)
{
	char name[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		int fd;

		(void)snprintf(name, sizeof(name), "%s/entry-with-a-longish-name-%06zu", dir, i);
		fd = open(name, O_CREAT | O_WRONLY | O_EXCL, 0644);
		if (fd < 0) {
			failf(c, "create %s: %s", name, strerror(errno));
			return -1;
		}
		(void)close(fd);
	}
	return 0;
}

static void t_readdir_small(struct ctx *c)
{
	struct dirent *de;
	DIR *dp = NULL;
	bool dot = false, dotdot = false;

	OK(mkdir(M("d"), 0755));
	if (make_files(c, M("d"), 50) < 0)
		goto out;
	OK(mkdir(M("d/subdir"), 0755));
	OK(symlink("x", M("d/link")));
	if (same_listing(c, M("d"), S("d"), 52) < 0)
		goto out;
	dp = opendir(M("d"));
	TRUE(dp != NULL);
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, "."))
			dot = true;
		else if (!strcmp(de->d_name, ".."))
			dotdot = true;
		else if (!strcmp(de->d_name, "subdir"))
			EQ(de->d_type, DT_DIR);
		else if (!strcmp(de->d_name, "link"))
			EQ(de->d_type, DT_LNK);
	}
	TRUE(dot && dotdot);
	/* Changes behind the daemon show up in a new listing. */
	OK(write_file(S("d/added-in-src"), "", 0));
	if (same_listing(c, M("d"), S("d"), 53) < 0)
		goto out;
	/* An empty directory lists nothing but itself. */
	OK(mkdir(M("empty"), 0755));
	if (same_listing(c, M("empty"), S("empty"), 0) < 0)
		goto out;
out:
	if (dp)
		(void)closedir(dp);
}

#define LARGE_DIR_ENTRIES 10000

static void t_readdir_large(struct ctx *c)
{
	static const size_t probes[] = { 0, 1, 2, 97, 5000, LARGE_DIR_ENTRIES - 1,
					 LARGE_DIR_ENTRIES + 1 };
	long *pos = NULL;
	char **names = NULL;
	struct dirent *de;
	size_t n = 0, i;
	DIR *dp = NULL;

	OK(mkdir(M("big"), 0755));
	if (make_files(c, M("big"), LARGE_DIR_ENTRIES) < 0)
		goto out;
	if (same_listing(c, M("big"), S("big"), LARGE_DIR_ENTRIES) < 0)
		goto out;

	/* telldir before each entry, then seekdir back to some of them: the same entry follows. */
	pos = calloc(LARGE_DIR_ENTRIES + 2, sizeof(*pos));
	names = calloc(LARGE_DIR_ENTRIES + 2, sizeof(*names));
	TRUE(pos && names);
	dp = opendir(M("big"));
	TRUE(dp != NULL);
	for (;;) {
		long p = telldir(dp);

		errno = 0;
		de = readdir(dp);
		if (!de)
			break;
		TRUE(n < LARGE_DIR_ENTRIES + 2);
		pos[n] = p;
		names[n] = strdup(de->d_name);
		TRUE(names[n] != NULL);
		n++;
	}
	EQ(errno, 0);
	EQ(n, LARGE_DIR_ENTRIES + 2);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		size_t k = probes[i];

		seekdir(dp, pos[k]);
		errno = 0;
		de = readdir(dp);
		if (!de) {
			failf(c, "seekdir to entry %zu: readdir returned NULL (%s)", k,
			      strerror(errno));
			goto out;
		}
		if (strcmp(de->d_name, names[k])) {
			failf(c, "seekdir to entry %zu: expected %s got %s", k, names[k], de->d_name);
			goto out;
		}
	}
	rewinddir(dp);
	de = readdir(dp);
	TRUE(de != NULL);
	TRUE(strcmp(de->d_name, names[0]) == 0);
out:
	if (dp)
		(void)closedir(dp);
	if (names)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	free(pos);
}

static void t_xattr(struct ctx *c)
{
	char buf[256];
	ssize_t n;
	bool found = false;
	char *p;

	OK(write_file(M("f"), "x", 1));
	OK(setxattr(M("f"), "user.test", "value-1", 7, 0));
	EQ(getxattr(M("f"), "user.test", NULL, 0), 7);
	OK(n = getxattr(M("f"), "user.test", buf, sizeof(buf)));
	EQ(n, 7);
	TRUE(memcmp(buf, "value-1", 7) == 0);
	OK(n = getxattr(S("f"), "user.test", buf, sizeof(buf)));
	EQ(n, 7);
	TRUE(memcmp(buf, "value-1", 7) == 0);
	ERR(getxattr(M("f"), "user.test", buf, 3), ERANGE);
	ERR(setxattr(M("f"), "user.test", "v", 1, XATTR_CREATE), EEXIST);
	ERR(setxattr(M("f"), "user.other", "v", 1, XATTR_REPLACE), ENODATA);
	OK(setxattr(M("f"), "user.second", "", 0, 0));
	OK(n = listxattr(M("f"), buf, sizeof(buf)));
	EQ(listxattr(M("f"), NULL, 0), n);
	for (p = buf; p < buf + n; p += strlen(p) + 1)
		if (!strcmp(p, "user.test"))
			found = true;
	TRUE(found);
	OK(removexattr(M("f"), "user.test"));
	ERR(getxattr(M("f"), "user.test", buf, sizeof(buf)), ENODATA);
	ERR(getxattr(S("f"), "user.test", buf, sizeof(buf)), ENODATA);
	ERR(removexattr(M("f"), "user.test"), ENODATA);
	EQ(getxattr(M("f"), "user.second", buf, sizeof(buf)), 0);
	/* Directories carry them too. */
	OK(mkdir(M("d"), 0755));
	OK(setxattr(M("d"), "user.dir", "D", 1, 0));
	EQ(getxattr(S("d"), "user.dir", buf, sizeof(buf)), 1);
out:
	return;
}

static void t_statfs(struct ctx *c)
{
	struct statvfs vm, vs;

	OK(statvfs(c->m, &vm));
	OK(statvfs(c->s, &vs));
	EQ(vm.f_bsize, vs.f_bsize);
	EQ(vm.f_frsize, vs.f_frsize);
	EQ(vm.f_blocks, vs.f_blocks);
	EQ(vm.f_files, vs.f_files);
	EQ(vm.f_namemax, vs.f_namemax);
	TRUE(vm.f_bfree <= vm.f_blocks && vm.f_bavail <= vm.f_blocks);
out:
	return;
}

static void t_fsync(struct ctx *c)
{
	int fd = -1, dfd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(write(fd, "sync", 4), 4);
	OK(fsync(fd));
	OK(fdatasync(fd));
	if (file_is(c, S("f"), "sync", 4) < 0)
		goto out;
	OK(dfd = open(c->m, O_RDONLY | O_DIRECTORY));
	OK(fsync(dfd));
	OK(fdatasync(dfd));
out:
	if (fd >= 0)
		(void)close(fd);
	if (dfd >= 0)
		(void)close(dfd);
}

static void t_fallocate(struct ctx *c)
{
	static unsigned char want[65536], got[65536];
	struct stat st;
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	OK(fallocate(fd, 0, 0, 65536));
	OK(fstat(fd, &st));
	EQ(st.st_size, 65536);
	OK(stat(S("f"), &st));
	EQ(st.st_size, 65536);
	fill(want, sizeof(want), 4);
	EQ(pwrite_full(fd, want, sizeof(want), 0), (long long)sizeof(want));
	OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 16384));
	memset(want + 8192, 0, 16384);
	OK(fstat(fd, &st));
	EQ(st.st_size, 65536);
	EQ(pread_full(fd, got, sizeof(got), 0), (long long)sizeof(got));
	TRUE(memcmp(got, want, sizeof(want)) == 0);
	OK(fsync(fd));
	if (file_is(c, S("f"), want, sizeof(want)) < 0)
		goto out;
	/* KEEP_SIZE beyond the end allocates without growing the file. */
	OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 65536));
	OK(fstat(fd, &st));
	EQ(st.st_size, 65536);
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_lseek_data_hole(struct ctx *c)
{
	static unsigned char blk[4096];
	static const off_t probes[] = { 0, 100, 4096, 65536, 1048576, 1048576 + 100 };
	int fd = -1, sfd = -1;
	size_t i;

	fill(blk, sizeof(blk), 5);
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(pwrite_full(fd, blk, sizeof(blk), 0), 4096);
	EQ(pwrite_full(fd, blk, sizeof(blk), 1048576), 4096);
	OK(fsync(fd));
	OK(sfd = open(S("f"), O_RDONLY));
	/* What the backing file system answers is the truth; the mount must give the same. */
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		EQ(lseek(fd, probes[i], SEEK_DATA), lseek(sfd, probes[i], SEEK_DATA));
		EQ(lseek(fd, probes[i], SEEK_HOLE), lseek(sfd, probes[i], SEEK_HOLE));
	}
	EQ(lseek(fd, 0, SEEK_DATA), 0);
	TRUE(lseek(fd, 0, SEEK_HOLE) < 1048576);
	EQ(lseek(fd, 8192, SEEK_DATA), 1048576);
	ERR(lseek(fd, 2 * 1048576, SEEK_DATA), ENXIO);
out:
	if (fd >= 0)
		(void)close(fd);
	if (sfd >= 0)
		(void)close(sfd);
}

static void t_copy_file_range(struct ctx *c)
{
	static unsigned char src[65536], want[40000];
	off_t in_off = 100, out_off = 10000;
	int a = -1, b = -1;
	ssize_t n;
	size_t done = 0;

	fill(src, sizeof(src), 6);
	OK(write_file(M("a"), src, sizeof(src)));
	OK(a = open(M("a"), O_RDONLY));
	OK(b = open(M("b"), O_CREAT | O_RDWR, 0644));
	memset(want, 0, sizeof(want));
	memcpy(want + 10000, src + 100, 30000);
	while (done < 30000) {
		OK(n = copy_file_range(a, &in_off, b, &out_off, 30000 - done, 0));
		TRUE(n > 0);
		done += (size_t)n;
	}
	EQ(in_off, 30100);
	EQ(out_off, 40000);
	OK(close(b));
	b = -1;
	if (file_is(c, M("b"), want, sizeof(want)) < 0 || file_is(c, S("b"), want, sizeof(want)) < 0)
		goto out;
out:
	if (a >= 0)
		(void)close(a);
	if (b >= 0)
		(void)close(b);
}

static void t_flock(struct ctx *c)
{
	int a = -1, b = -1;

	OK(write_file(M("f"), "x", 1));
	OK(a = open(M("f"), O_RDWR));
	OK(b = open(M("f"), O_RDWR));
	OK(flock(a, LOCK_EX | LOCK_NB));
	ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	OK(flock(a, LOCK_UN));
	OK(flock(b, LOCK_SH | LOCK_NB));
	OK(flock(a, LOCK_SH | LOCK_NB));
	ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	/* Closing the holder releases its lock. */
	OK(close(b));
	b = -1;
	OK(flock(a, LOCK_EX | LOCK_NB));
out:
	if (a >= 0)
		(void)close(a);
	if (b >= 0)
		(void)close(b);
}

/* What the child of t_posix_locks saw, sent back over a pipe. */
struct lock_report {
	int setlk_errno;	/* errno of the conflicting F_SETLK, 0 if it succeeded */
	int getlk_ok;
	short getlk_type;
	pid_t getlk_pid;
	off_t getlk_start;
	int other_range_errno;	/* errno of F_SETLK on a free range */
};

static void t_posix_locks(struct ctx *c)
{
	struct flock fl;
	struct lock_report rep;
	int pfd[2] = { -1, -1 };
	int fd = -1, status;
	pid_t child = -1;

	OK(write_file(M("f"), "0123456789", 10));
	OK(fd = open(M("f"), O_RDWR));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 100;
	OK(fcntl(fd, F_SETLK, &fl));
	OK(pipe(pfd));
	OK(child = fork());
	if (child == 0) {
		int cfd = open(M("f"), O_RDWR);

		memset(&rep, 0, sizeof(rep));
		if (cfd >= 0) {
			struct flock l2;

			memset(&l2, 0, sizeof(l2));
			l2.l_type = F_WRLCK;
			l2.l_whence = SEEK_SET;
			l2.l_start = 10;
			l2.l_len = 10;
			rep.setlk_errno = fcntl(cfd, F_SETLK, &l2) < 0 ? errno : 0;
			memset(&l2, 0, sizeof(l2));
			l2.l_type = F_WRLCK;
			l2.l_whence = SEEK_SET;
			l2.l_start = 10;
			l2.l_len = 10;
			rep.getlk_ok = fcntl(cfd, F_GETLK, &l2) == 0;
			rep.getlk_type = l2.l_type;
			rep.getlk_pid = l2.l_pid;
			rep.getlk_start = l2.l_start;
			memset(&l2, 0, sizeof(l2));
			l2.l_type = F_WRLCK;
			l2.l_whence = SEEK_SET;
			l2.l_start = 200;
			l2.l_len = 100;
			rep.other_range_errno = fcntl(cfd, F_SETLK, &l2) < 0 ? errno : 0;
			(void)close(cfd);
		} else {
			rep.setlk_errno = -errno;
		}
		_exit(write(pfd[1], &rep, sizeof(rep)) == (ssize_t)sizeof(rep) ? 0 : 1);
	}
	(void)close(pfd[1]);
	pfd[1] = -1;
	EQ(read(pfd[0], &rep, sizeof(rep)), (long long)sizeof(rep));
	OK(waitpid(child, &status, 0));
	child = -1;
	TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	TRUE(rep.setlk_errno >= 0);
	TRUE(rep.setlk_errno == EAGAIN || rep.setlk_errno == EACCES);
	TRUE(rep.getlk_ok);
	EQ(rep.getlk_type, F_WRLCK);
	EQ(rep.getlk_pid, getpid());
	EQ(rep.getlk_start, 0);
	EQ(rep.other_range_errno, 0);
	/* Our own F_GETLK sees no conflict with our own lock. */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 100;
	OK(fcntl(fd, F_GETLK, &fl));
	EQ(fl.l_type, F_UNLCK);
out:
	if (child > 0)
		(void)waitpid(child, &status, 0);
	if (pfd[0] >= 0)
		(void)close(pfd[0]);
	if (pfd[1] >= 0)
		(void)close(pfd[1]);
	if (fd >= 0)
		(void)close(fd);
}

static void t_mmap_shared(struct ctx *c)
{
	static unsigned char want[3 * 4096], got[3 * 4096];
	void *map = MAP_FAILED;
	int fd = -1;

	fill(want, sizeof(want), 7);
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	OK(ftruncate(fd, sizeof(want)));
	map = mmap(NULL, sizeof(want), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TRUE(map != MAP_FAILED);
	memcpy(map, want, sizeof(want));
	OK(msync(map, sizeof(want), MS_SYNC));
	EQ(pread_full(fd, got, sizeof(got), 0), (long long)sizeof(got));
	TRUE(memcmp(got, want, sizeof(want)) == 0);
	if (file_is(c, S("f"), want, sizeof(want)) < 0)
		goto out;
	/* And the other way: a write() shows through the mapping. */
	EQ(pwrite(fd, "ZZZZ", 4, 5000), 4);
	TRUE(memcmp((char *)map + 5000, "ZZZZ", 4) == 0);
out:
	if (map != MAP_FAILED)
		(void)munmap(map, sizeof(want));
	if (fd >= 0)
		(void)close(fd);
}

static void t_o_direct(struct ctx *c)
{
	const size_t big = 1 << 20;
	unsigned char *w = NULL, *r = NULL, *all = NULL;
	int fd = -1;

	TRUE(posix_memalign((void **)&w, 4096, big) == 0);
	TRUE(posix_memalign((void **)&r, 4096, big) == 0);
	all = malloc(4096 + big);
	TRUE(all != NULL);
	OK(fd = open(M("f"), O_CREAT | O_RDWR | O_DIRECT, 0644));
	fill(w, 4096, 8);
	memcpy(all, w, 4096);
	EQ(pwrite(fd, w, 4096, 0), 4096);
	memset(r, 0, 4096);
	EQ(pread(fd, r, 4096, 0), 4096);
	TRUE(memcmp(r, w, 4096) == 0);
	fill(w, big, 9);
	memcpy(all + 4096, w, big);
	EQ(pwrite_full(fd, w, big, 4096), (long long)big);
	memset(r, 0, big);
	EQ(pread_full(fd, r, big, 4096), (long long)big);
	TRUE(memcmp(r, w, big) == 0);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), all, 4096 + big) < 0 || file_is(c, M("f"), all, 4096 + big) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
	free(w);
	free(r);
	free(all);
}

static void t_large_io(struct ctx *c)
{
	const size_t big = 1 << 20;
	unsigned char *w = NULL, *r = NULL, *all = NULL;
	const off_t odd = 3 * 1048576 + 12345;
	int fd = -1;

	w = malloc(big);
	r = malloc(big);
	all = calloc(1, (size_t)odd + big);
	TRUE(w && r && all);
	fill(w, big, 10);
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	/* One system call each way, so the kernel sends requests as large as it can. */
	EQ(write(fd, w, big), (long long)big);
	EQ(pread(fd, r, big, 0), (long long)big);
	TRUE(memcmp(r, w, big) == 0);
	memcpy(all, w, big);
	fill(w, big, 11);
	EQ(pwrite(fd, w, big, odd), (long long)big);
	memcpy(all + odd, w, big);
	EQ(pread_full(fd, r, big, odd), (long long)big);
	TRUE(memcmp(r, w, big) == 0);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), all, (size_t)odd + big) < 0 ||
	    file_is(c, M("f"), all, (size_t)odd + big) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
	free(w);
	free(r);
	free(all);
}

#define WRITERS 4
#define WRITER_REGION (256 * 1024)
#define WRITER_CHUNK 4096

struct writer {
	int fd;
	int idx;
	int err;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned char chunk[WRITER_CHUNK];
	off_t base = (off_t)w->idx * WRITER_REGION;
	size_t i;

	for (i = 0; i < WRITER_REGION / WRITER_CHUNK; i++) {
		fill(chunk, sizeof(chunk), (unsigned int)(w->idx * 1000 + i));
		if (pwrite_full(w->fd, chunk, sizeof(chunk), base + (off_t)(i * WRITER_CHUNK)) < 0) {
			w->err = errno ? errno : EIO;
			break;
		}
	}
	return NULL;
}

static void t_concurrent_writers(struct ctx *c)
{
	struct writer ws[WRITERS];
	pthread_t th[WRITERS];
	unsigned char *want = NULL;
	int started = 0, fd = -1, i;
	size_t k;

	want = malloc((size_t)WRITERS * WRITER_REGION);
	TRUE(want != NULL);
	for (i = 0; i < WRITERS; i++)
		for (k = 0; k < WRITER_REGION / WRITER_CHUNK; k++)
			fill(want + (size_t)i * WRITER_REGION + k * WRITER_CHUNK, WRITER_CHUNK,
			     (unsigned int)(i * 1000 + (int)k));
	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	for (i = 0; i < WRITERS; i++) {
		ws[i].fd = fd;
		ws[i].idx = WRITERS - 1 - i;
		ws[i].err = 0;
		if (pthread_create(&th[i], NULL, writer_main, &ws[i]) != 0) {
			failf(c, "pthread_create failed");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(th[i], NULL);
	if (started < WRITERS)
		goto out;
	for (i = 0; i < WRITERS; i++)
		if (ws[i].err) {
			failf(c, "writer %d: %s", ws[i].idx, strerror(ws[i].err));
			goto out;
		}
	OK(close(fd));
	fd = -1;
	if (file_is(c, M("f"), want, (size_t)WRITERS * WRITER_REGION) < 0 ||
	    file_is(c, S("f"), want, (size_t)WRITERS * WRITER_REGION) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
	free(want);
}

#define META_THREADS 4
#define META_ROUNDS 300

struct meta_worker {
	const char *dir;
	int idx;
	char fail[256];
};

/*
 * Each worker churns its own names (create, write, rename, stat, unlink) while all of them also
 * look up one shared file, so the daemon's inode table is hit from several threads at once.
 */
static void *meta_main(void *arg)
{
	struct meta_worker *w = arg;
	char a[PATH_MAX], b[PATH_MAX], shared[PATH_MAX];
	struct stat st;
	int i;

	msgf(shared, sizeof(shared), "%s/shared", w->dir);
	for (i = 0; i < META_ROUNDS; i++) {
		char tag[32];
		int fd;

		msgf(a, sizeof(a), "%s/w%d-%d", w->dir, w->idx, i);
		msgf(b, sizeof(b), "%s/w%d-%d.renamed", w->dir, w->idx, i);
		fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			msgf(w->fail, sizeof(w->fail), "create %s: %s", a, strerror(errno));
			break;
		}
		msgf(tag, sizeof(tag), "%d:%d", w->idx, i);
		if (write(fd, tag, strlen(tag)) != (ssize_t)strlen(tag) || close(fd) < 0) {
			msgf(w->fail, sizeof(w->fail), "write %s: %s", a, strerror(errno));
			break;
		}
		if (rename(a, b) < 0 || stat(b, &st) < 0 || st.st_size != (off_t)strlen(tag)) {
			msgf(w->fail, sizeof(w->fail), "rename/stat %s: %s", b,
				       strerror(errno));
			break;
		}
		if (stat(shared, &st) < 0) {
			msgf(w->fail, sizeof(w->fail), "stat %s: %s", shared,
				       strerror(errno));
			break;
		}
		/* Keep every third file so the end state is known and non-trivial. */
		if (i % 3 && unlink(b) < 0) {
			msgf(w->fail, sizeof(w->fail), "unlink %s: %s", b, strerror(errno));
			break;
		}
	}
	return NULL;
}

static void t_concurrent_metadata(struct ctx *c)
{
	struct meta_worker ws[META_THREADS];
	pthread_t th[META_THREADS];
	int started = 0, i;
	size_t kept = 1;

	OK(mkdir(M("d"), 0755));
	OK(write_file(M("d/shared"), "s", 1));
	for (i = 0; i < META_THREADS; i++) {
		ws[i].dir = M("d");
		ws[i].idx = i;
		ws[i].fail[0] = '\0';
	}
	for (i = 0; i < META_THREADS; i++) {
		if (pthread_create(&th[i], NULL, meta_main, &ws[i]) != 0) {
			failf(c, "pthread_create failed");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(th[i], NULL);
	if (started < META_THREADS)
		goto out;
	for (i = 0; i < META_THREADS; i++)
		if (ws[i].fail[0]) {
			failf(c, "worker %d: %s", i, ws[i].fail);
			goto out;
		}
	for (i = 0; i < META_ROUNDS; i++)
		if (i % 3 == 0)
			kept++;
	kept = 1 + (kept - 1) * META_THREADS;
	if (same_listing(c, M("d"), S("d"), kept) < 0)
		goto out;
	if (file_is(c, M("d/w2-3.renamed"), "2:3", 3) < 0)
		goto out;
out:
	return;
}

/*
 * Entries made behind the daemon's back, then listed and looked up through the mount. Under a
 * low descriptor limit (the fdlimit tests) lookups may fail with EMFILE, but the listing must
 * stay complete and nothing else may go wrong.
 */
#define SRC_MANY 3000

static void t_readdir_src_many(struct ctx *c)
{
	char name[PATH_MAX];
	struct names again = { NULL, 0 };
	struct stat st;
	size_t i, ok = 0, emfile = 0;

	OK(mkdir(S("many"), 0755));
	for (i = 0; i < SRC_MANY; i++) {
		msgf(name, sizeof(name), "%s/many/src-file-%05zu", c->s, i);
		OK(write_file(name, "", 0));
	}
	if (same_listing(c, M("many"), S("many"), SRC_MANY) < 0)
		goto out;
	for (i = 0; i < SRC_MANY; i++) {
		msgf(name, sizeof(name), "%s/many/src-file-%05zu", c->m, i);
		if (stat(name, &st) == 0) {
			ok++;
		} else if (errno == EMFILE || errno == ENFILE) {
			emfile++;
		} else {
			failf(c, "stat %s: %s", name, strerror(errno));
			goto out;
		}
	}
	printf("# readdir_src_many: %zu lookups ok, %zu EMFILE\n", ok, emfile);
	/*
	 * The listing again, now that the kernel holds whatever it could look up. If that used up
	 * the daemon's descriptors, opening the directory may fail with EMFILE; a listing that
	 * does come back must still be complete.
	 */
	if (list_dir(M("many"), &again) < 0) {
		if (emfile && (errno == EMFILE || errno == ENFILE)) {
			printf("# readdir_src_many: second listing refused with %s\n", strerror(errno));
			goto out;
		}
		failf(c, "second listing: %s", strerror(errno));
		goto out;
	}
	EQ(again.n, SRC_MANY);
out:
	names_free(&again);
	if (c->fail[0])
		return;
	/*
	 * Removing the names the kernel already knows needs no new descriptor and releases theirs
	 * (FORGET arrives a moment after each unlink), so the rest can then be looked up again:
	 * the file system must recover from running out.
	 */
	for (i = 0; i < SRC_MANY; i++) {
		int tries = 0;

		msgf(name, sizeof(name), "%s/many/src-file-%05zu", c->m, i);
		while (unlink(name) < 0) {
			if ((errno != EMFILE && errno != ENFILE) || ++tries > 500) {
				failf(c, "unlink %s: %s", name, strerror(errno));
				return;
			}
			(void)usleep(10000);
		}
	}
	if (same_listing(c, M("many"), S("many"), 0) < 0)
		return;
}

static void t_unlinked_open(struct ctx *c)
{
	char buf[16];
	struct stat st;
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_RDWR, 0644));
	EQ(write(fd, "before", 6), 6);
	OK(unlink(M("f")));
	ERR(stat(S("f"), &st), ENOENT);
	OK(fstat(fd, &st));
	EQ(st.st_nlink, 0);
	EQ(pwrite(fd, "after", 5, 6), 5);
	EQ(pread(fd, buf, sizeof(buf), 0), 11);
	TRUE(memcmp(buf, "beforeafter", 11) == 0);
	OK(ftruncate(fd, 3));
	OK(fstat(fd, &st));
	EQ(st.st_size, 3);
	/* The name is free again while the old file lives on. */
	OK(write_file(M("f"), "new", 3));
	EQ(pread(fd, buf, sizeof(buf), 0), 3);
	TRUE(memcmp(buf, "bef", 3) == 0);
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_o_trunc(struct ctx *c)
{
	struct stat st;
	int fd = -1;

	OK(write_file(M("f"), "some data", 9));
	OK(fd = open(M("f"), O_WRONLY | O_TRUNC));
	OK(fstat(fd, &st));
	EQ(st.st_size, 0);
	OK(stat(S("f"), &st));
	EQ(st.st_size, 0);
	EQ(write(fd, "ab", 2), 2);
	OK(close(fd));
	fd = -1;
	if (file_is(c, S("f"), "ab", 2) < 0)
		goto out;
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_o_excl(struct ctx *c)
{
	int fd = -1;

	OK(fd = open(M("f"), O_CREAT | O_EXCL | O_WRONLY, 0644));
	OK(close(fd));
	fd = -1;
	ERR(open(M("f"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	OK(mkdir(M("d"), 0755));
	ERR(open(M("d"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	OK(symlink("f", M("l")));
	ERR(open(M("l"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
out:
	if (fd >= 0)
		(void)close(fd);
}

static void t_errors(struct ctx *c)
{
	struct stat st;

	OK(write_file(M("f"), "x", 1));
	OK(mkdir(M("d"), 0755));
	ERR(stat(M("missing"), &st), ENOENT);
	ERR(open(M("missing"), O_RDONLY), ENOENT);
	ERR(open(M("nodir/f"), O_CREAT | O_WRONLY, 0644), ENOENT);
	ERR(mkdir(M("d"), 0755), EEXIST);
	ERR(mkdir(M("f"), 0755), EEXIST);
	ERR(symlink("x", M("f")), EEXIST);
	ERR(mkfifo(M("f"), 0644), EEXIST);
	ERR(stat(M("f/x"), &st), ENOTDIR);
	ERR(open(M("f/x"), O_CREAT | O_WRONLY, 0644), ENOTDIR);
	ERR(rmdir(M("f")), ENOTDIR);
	ERR(open(M("d"), O_WRONLY), EISDIR);
	ERR(open(M("d"), O_RDWR), EISDIR);
	ERR(unlink(M("d")), EISDIR);
	ERR(rename(M("d"), M("f")), ENOTDIR);
	ERR(rename(M("f"), M("d")), EISDIR);
	ERR(opendir(M("f")) ? 0 : -1, ENOTDIR);
out:
	return;
}

/* ------------------------------------------------------------------------------------------ */
/* Runner                                                                                      */

struct check {
	const char *name;
	void (*fn)(struct ctx *c);
	bool basic;		/* runs unprivileged too */
};

static const struct check checks[] = {
	{ "create_rw", t_create_rw, true },
	{ "pwrite_offsets", t_pwrite_offsets, true },
	{ "append", t_append, true },
	{ "stat_fields", t_stat_fields, true },
	{ "utimens", t_utimens, true },
	{ "truncate", t_truncate, true },
	{ "chmod_chown", t_chmod_chown, true },
	{ "mkdir_rmdir", t_mkdir_rmdir, true },
	{ "unlink", t_unlink, true },
	{ "rename", t_rename, true },
	{ "rename_noreplace", t_rename_noreplace, true },
	{ "rename_exchange", t_rename_exchange, true },
	{ "link", t_link, true },
	{ "symlink", t_symlink, true },
	{ "mknod_fifo", t_mknod_fifo, true },
	{ "readdir_small", t_readdir_small, true },
	{ "readdir_large", t_readdir_large, false },
	{ "xattr", t_xattr, true },
	{ "statfs", t_statfs, true },
	{ "fsync", t_fsync, true },
	{ "fallocate", t_fallocate, true },
	{ "lseek_data_hole", t_lseek_data_hole, true },
	{ "copy_file_range", t_copy_file_range, true },
	{ "flock", t_flock, true },
	{ "posix_locks", t_posix_locks, true },
	{ "mmap_shared", t_mmap_shared, true },
	{ "o_direct", t_o_direct, true },
	{ "large_io", t_large_io, true },
	{ "concurrent_writers", t_concurrent_writers, true },
	{ "concurrent_metadata", t_concurrent_metadata, true },
	{ "readdir_src_many", t_readdir_src_many, false },
	{ "unlinked_open", t_unlinked_open, true },
	{ "o_trunc", t_o_trunc, true },
	{ "o_excl", t_o_excl, true },
	{ "errors", t_errors, true },
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

/* Runs in the forked child: prepare the directory, run, clean up, and say how it went. */
static int run_check(const struct check *ck, const char *mnt, const char *src)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.name = ck->name;
	(void)snprintf(c.m, sizeof(c.m), "%s/%s", mnt, ck->name);
	(void)snprintf(c.s, sizeof(c.s), "%s/%s", src, ck->name);
	if (mkdir(c.m, 0755) < 0) {
		printf("FAIL %s: mkdir %s: %s\n", ck->name, c.m, strerror(errno));
		return 1;
	}
	ck->fn(&c);
	/* Removing the tree through the mount is part of the check. */
	if (!c.fail[0] && nftw(c.m, rm_entry, 64, FTW_DEPTH | FTW_PHYS) < 0)
		failf(&c, "cleanup of %s: %s", c.m, strerror(errno));
	if (!c.fail[0] && access(c.s, F_OK) == 0)
		failf(&c, "cleanup: %s still exists in the source", c.s);
	if (c.fail[0]) {
		printf("FAIL %s: %s\n", ck->name, c.fail);
		return 1;
	}
	printf("ok %s\n", ck->name);
	return 0;
}

static bool selected(const char *only, const char *name)
{
	size_t len = strlen(name);
	const char *p = only;

	if (!only)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == only || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static void usage(const char *prog)
{
	size_t i;

	fprintf(stderr, "usage: %s [--basic] [--only NAME,...] MNT SRC\nchecks:", prog);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		fprintf(stderr, " %s", checks[i].name);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	bool basic = false;
	int failed = 0, ran = 0;
	size_t i;
	int a = 1;

	while (a < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "--basic")) {
			basic = true;
			a++;
		} else if (!strcmp(argv[a], "--only") && a + 1 < argc) {
			only = argv[a + 1];
			a += 2;
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	if (argc - a != 2) {
		usage(argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check *ck = &checks[i];
		int status;
		pid_t pid;

		if ((basic && !ck->basic) || !selected(only, ck->name))
			continue;
		ran++;
		(void)fflush(stdout);
		pid = fork();
		if (pid < 0) {
			printf("FAIL %s: fork: %s\n", ck->name, strerror(errno));
			failed++;
			continue;
		}
		if (pid == 0) {
			(void)alarm(CHECK_TIMEOUT_S);
			_exit(run_check(ck, argv[a], argv[a + 1]));
		}
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
		if (status == -1) {
			printf("FAIL %s: waitpid: %s\n", ck->name, strerror(errno));
			failed++;
		} else if (WIFSIGNALED(status)) {
			printf("FAIL %s: killed by signal %d%s\n", ck->name, WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
			failed++;
		} else if (WEXITSTATUS(status) != 0) {
			failed++;
		}
	}
	if (ran == 0) {
		fprintf(stderr, "no check matched\n");
		return 2;
	}
	printf("# %d of %d checks failed\n", failed, ran);
	return failed ? 1 : 0;
}
