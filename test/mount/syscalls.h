/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the syscall suite's files: the per-check context, the assertion macros that record
 * the first failure (with both operands) and leave the check through its `out` label, the path,
 * data and listing helpers (syscalls_util.c), and the checks themselves, metadata and names in
 * syscalls_meta.c, data, locks and concurrency in syscalls_data.c.
 */
#ifndef RINGFUSE_TEST_SYSCALLS_H
#define RINGFUSE_TEST_SYSCALLS_H

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

struct ctx {
	const char *name;
	char m[PATH_MAX];	/* MNT/NAME */
	char s[PATH_MAX];	/* SRC/NAME */
	char fail[1024];
};

/* Each macro records the first failure with both sides and leaves the check through `out`. */
#define OK(expr) do { \
		errno = 0; \
		if ((long long)(expr) < 0) { \
			failf(c, "%s:%d: %s: expected success got -1 (%s)", __FILE__, __LINE__, #expr, \
			      strerror(errno)); \
			goto out; \
		} \
	} while (0)

#define ERR(expr, e) do { \
		long long r_ = (long long)(expr); \
		int err_ = errno; \
		if (r_ != -1 || err_ != (e)) { \
			failf(c, "%s:%d: %s: expected -1 (%s) got %lld (%s)", __FILE__, __LINE__, #expr, \
			      strerror(e), r_, r_ == -1 ? strerror(err_) : "no error"); \
			goto out; \
		} \
	} while (0)

#define EQ(a, b) do { \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ != b_) { \
			failf(c, "%s:%d: %s == %s: expected %lld got %lld", __FILE__, __LINE__, #a, #b, \
			      b_, a_); \
			goto out; \
		} \
	} while (0)

#define TRUE(cond) do { \
		if (!(cond)) { \
			failf(c, "%s:%d: expected %s", __FILE__, __LINE__, #cond); \
			goto out; \
		} \
	} while (0)

#define M(n) pj(c->m, (n))
#define S(n) pj(c->s, (n))

struct names {
	char **v;
	size_t n;
};

void failf(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* snprintf that may cut a message short on purpose (gcc cannot see that this is fine). */
void msgf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *pj(const char *dir, const char *name);
void fill(unsigned char *buf, size_t len, unsigned int seed);
ssize_t pread_full(int fd, void *buf, size_t len, off_t off);
ssize_t pwrite_full(int fd, const void *buf, size_t len, off_t off);
int file_is(struct ctx *c, const char *path, const void *want, size_t len);
int write_file(const char *path, const void *data, size_t len);
void names_free(struct names *l);
int list_dir(const char *path, struct names *l);
int same_listing(struct ctx *c, const char *a, const char *b, size_t want_n);

/* syscalls_meta.c */
void t_stat_fields(struct ctx *c);
void t_utimens(struct ctx *c);
void t_chmod_chown(struct ctx *c);
void t_mkdir_rmdir(struct ctx *c);
void t_unlink(struct ctx *c);
void t_rename(struct ctx *c);
void t_rename_noreplace(struct ctx *c);
void t_rename_exchange(struct ctx *c);
void t_link(struct ctx *c);
void t_symlink(struct ctx *c);
void t_mknod_fifo(struct ctx *c);
void t_readdir_small(struct ctx *c);
void t_readdir_large(struct ctx *c);
void t_xattr(struct ctx *c);
void t_statfs(struct ctx *c);
void t_concurrent_metadata(struct ctx *c);
void t_readdir_src_many(struct ctx *c);
void t_long_names(struct ctx *c);
void t_o_excl(struct ctx *c);
void t_errors(struct ctx *c);

/* syscalls_data.c */
void t_create_rw(struct ctx *c);
void t_pwrite_offsets(struct ctx *c);
void t_append(struct ctx *c);
void t_truncate(struct ctx *c);
void t_fsync(struct ctx *c);
void t_fallocate(struct ctx *c);
void t_lseek_data_hole(struct ctx *c);
void t_copy_file_range(struct ctx *c);
void t_flock(struct ctx *c);
void t_posix_locks(struct ctx *c);
void t_mmap_shared(struct ctx *c);
void t_o_direct(struct ctx *c);
void t_large_io(struct ctx *c);
void t_concurrent_writers(struct ctx *c);
void t_unlinked_open(struct ctx *c);
void t_o_trunc(struct ctx *c);

#endif
