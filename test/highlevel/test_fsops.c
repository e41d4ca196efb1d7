/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit test of the high-level layer without a kernel: the -o options that fill struct
 * fuse_config (defaults, each option, modules= refused, unknown options left for the
 * session), and the fuse_fs_* wrappers (the answer for a missing operation, read through
 * read_buf only and write_buf through write only, scattered buffers flattened, statfs and
 * release defaults, init dropping capabilities the filesystem has no operation for).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "highlevel/highlevel_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
			#a, #b, _a, _b); \
		failures++; \
	} \
} while (0)

#define CHECK(cond) CHECK_EQ(!!(cond), 1)

static int parse(struct fuse *f, struct fuse_args *args, const char *opts)
{
	memset(f, 0, sizeof(*f));
	*args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
	if (fuse_opt_add_arg(args, "prog") == -1)
		return -ENOMEM;
	if (opts && (fuse_opt_add_arg(args, "-o") == -1 || fuse_opt_add_arg(args, opts) == -1))
		return -ENOMEM;
	return fuse__parse_config(f, args);
}

static void test_config(void)
{
	struct fuse f;
	struct fuse_args args;

	CHECK_EQ(parse(&f, &args, NULL), 0);
	CHECK(f.conf.entry_timeout == 1.0 && f.conf.attr_timeout == 1.0);
	CHECK(f.conf.negative_timeout == 0.0);
	CHECK(f.conf.ac_attr_timeout == 1.0);
	CHECK_EQ(f.conf.intr_signal, SIGUSR1);
	CHECK_EQ(f.conf.remember, 0);
	CHECK_EQ(f.conf.hard_remove + f.conf.use_ino + f.conf.set_mode + f.conf.set_uid, 0);
	CHECK_EQ(args.argc, 1);
	fuse_opt_free_args(&args);

	CHECK_EQ(parse(&f, &args, "hard_remove,use_ino,readdir_ino,direct_io,kernel_cache,"
			     "auto_cache,nullpath_ok,umask=027,uid=12,gid=34,entry_timeout=2.5,"
			     "attr_timeout=3,negative_timeout=4,intr,intr_signal=12,remember=7"), 0);
	CHECK(f.conf.hard_remove && f.conf.use_ino && f.conf.readdir_ino && f.conf.direct_io);
	CHECK(f.conf.kernel_cache && f.conf.auto_cache && f.conf.nullpath_ok);
	CHECK(f.conf_nullpath_opt);
	CHECK(f.conf.set_mode && f.conf.umask == 027);
	CHECK(f.conf.set_uid && f.conf.uid == 12 && f.conf.set_gid && f.conf.gid == 34);
	CHECK(f.conf.entry_timeout == 2.5 && f.conf.attr_timeout == 3.0);
	CHECK(f.conf.negative_timeout == 4.0);
	/* ac_attr_timeout follows attr_timeout unless set */
	CHECK(!f.conf.ac_attr_timeout_set && f.conf.ac_attr_timeout == 3.0);
	CHECK(f.conf.intr && f.conf.intr_signal == 12);
	CHECK_EQ(f.conf.remember, 7);
	/* all ours: nothing left for the session but argv[0] */
	CHECK_EQ(args.argc, 1);
	fuse_opt_free_args(&args);

	CHECK_EQ(parse(&f, &args, "ac_attr_timeout=0.25,noforget,auto_cache,noauto_cache"), 0);
	CHECK(f.conf.ac_attr_timeout_set && f.conf.ac_attr_timeout == 0.25);
	CHECK_EQ(f.conf.remember, -1);
	CHECK_EQ(f.conf.auto_cache, 0);
	fuse_opt_free_args(&args);

	/* debug is ours and the session's; allow_other and unknown ones are the session's */
	CHECK_EQ(parse(&f, &args, "debug,allow_other,fsname=x"), 0);
	CHECK_EQ(f.conf.debug, 1);
	CHECK(args.argc == 3 && strstr(args.argv[2], "debug") && strstr(args.argv[2], "allow_other")
	      && strstr(args.argv[2], "fsname=x"));
	fuse_opt_free_args(&args);

	/* no module loader here: refused with a message, not ignored */
	CHECK_EQ(parse(&f, &args, "modules=subdir"), -EINVAL);
	free(f.conf.modules);
	fuse_opt_free_args(&args);
	CHECK_EQ(parse(&f, &args, "intr,intr_signal=0"), -EINVAL);
	fuse_opt_free_args(&args);
	CHECK_EQ(parse(&f, &args, "attr_timeout=-1"), -EINVAL);
	fuse_opt_free_args(&args);
}

static char store[64];
static size_t store_len;
static int write_calls;

static int t_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t n;

	if (off >= (off_t)store_len)
		return 0;
	n = store_len - (size_t)off < size ? store_len - (size_t)off : size;
	memcpy(buf, store + off, n);
	return (int)n;
}

static int t_write(const char *path, const char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	write_calls++;
	if (off + size > sizeof(store))
		return -EFBIG;
	memcpy(store + off, buf, size);
	if (off + size > store_len)
		store_len = off + size;
	return (int)size;
}

static int t_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct fuse_bufvec *bv = malloc(sizeof(*bv));
	char *mem = malloc(size);
	int n;

	if (!bv || !mem) {
		free(bv);
		free(mem);
		return -ENOMEM;
	}
	n = t_read(path, mem, size, off, fi);
	*bv = (struct fuse_bufvec)FUSE_BUFVEC_INIT((size_t)n);
	bv->buf[0].mem = mem;
	*bufp = bv;
	return 0;
}

static void test_fs_wrappers(void)
{
	static const struct fuse_operations plain = { .read = t_read, .write = t_write };
	static const struct fuse_operations bufonly = { .read_buf = t_read_buf };
	static const struct fuse_operations none = { 0 };
	struct fuse_fs *fs_plain, *fs_buf, *fs_none;
	struct fuse_bufvec *bv = NULL;
	struct fuse_file_info fi;
	struct statvfs sv;
	struct stat st;
	struct fuse_conn_info conn;
	struct fuse_config cfg;
	char buf[64];
	/* buf[] extends past its declared length: allocate room for two */
	struct fuse_bufvec *two = calloc(1, sizeof(*two) + sizeof(struct fuse_buf));

	memset(&fi, 0, sizeof(fi));
	fs_plain = fuse_fs_new(&plain, sizeof(plain), NULL);
	fs_buf = fuse_fs_new(&bufonly, sizeof(bufonly), NULL);
	/* an older, shorter operations table is fine */
	fs_none = fuse_fs_new(&none, offsetof(struct fuse_operations, read), NULL);
	CHECK(fs_plain && fs_buf && fs_none && two);
	if (!fs_plain || !fs_buf || !fs_none || !two)
		goto out;

	CHECK_EQ(fuse_fs_write(fs_plain, "/f", "hello world", 11, 0, &fi), 11);
	CHECK_EQ(fuse_fs_read(fs_plain, "/f", buf, sizeof(buf), 6, &fi), 5);
	CHECK(memcmp(buf, "world", 5) == 0);
	/* read_buf on a filesystem with only read() gets a memory buffer */
	CHECK_EQ(fuse_fs_read_buf(fs_plain, "/f", &bv, 5, 0, &fi), 0);
	CHECK(bv && bv->count == 1 && bv->buf[0].size == 5 && memcmp(bv->buf[0].mem, "hello", 5) == 0);
	fuse__free_bufvec(bv);
	bv = NULL;
	/* read on a filesystem with only read_buf() is copied out of its buffer */
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(fuse_fs_read(fs_buf, "/f", buf, 4, 2, &fi), 4);
	CHECK(memcmp(buf, "llo ", 4) == 0);
	/* a two-piece buffer reaches write() flattened, in one call */
	write_calls = 0;
	two->count = 2;
	two->buf[0].mem = "AB";
	two->buf[0].size = 2;
	two->buf[1].mem = "CDE";
	two->buf[1].size = 3;
	CHECK_EQ(fuse_fs_write_buf(fs_plain, "/f", two, 20, &fi), 5);
	CHECK_EQ(write_calls, 1);
	CHECK(memcmp(store + 20, "ABCDE", 5) == 0);

	/* missing operations */
	CHECK_EQ(fuse_fs_getattr(fs_none, "/", &st, NULL), -ENOSYS);
	CHECK_EQ(fuse_fs_read(fs_none, "/f", buf, 1, 0, &fi), -ENOSYS);
	CHECK_EQ(fuse_fs_write(fs_none, "/f", "x", 1, 0, &fi), -ENOSYS);
	CHECK_EQ(fuse_fs_unlink(fs_none, "/f"), -ENOSYS);
	CHECK_EQ(fuse_fs_lock(fs_none, "/f", &fi, F_GETLK, &(struct flock){ 0 }), -ENOSYS);
	CHECK_EQ(fuse_fs_lseek(fs_none, "/f", 0, SEEK_SET, &fi), -ENOSYS);
	CHECK_EQ(fuse_fs_copy_file_range(fs_none, "/a", &fi, 0, "/b", &fi, 0, 1, 0), -ENOSYS);
	/* ... and those where the kernel needs nothing from the filesystem */
	CHECK_EQ(fuse_fs_open(fs_none, "/f", &fi), 0);
	CHECK_EQ(fuse_fs_release(fs_none, "/f", &fi), 0);
	CHECK_EQ(fuse_fs_opendir(fs_none, "/", &fi), 0);
	CHECK_EQ(fuse_fs_releasedir(fs_none, "/", &fi), 0);
	memset(&sv, 0, sizeof(sv));
	CHECK_EQ(fuse_fs_statfs(fs_none, "/", &sv), 0);
	CHECK_EQ(sv.f_namemax, 255);

	/* init: no lock/flock/write_buf operation, no such capability */
	memset(&conn, 0, sizeof(conn));
	memset(&cfg, 0, sizeof(cfg));
	conn.want = FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_SPLICE_READ |
		    FUSE_CAP_ASYNC_READ;
	fuse_fs_init(fs_none, &conn, &cfg);
	CHECK_EQ(conn.want, FUSE_CAP_ASYNC_READ);
out:
	free(two);
	free(fs_plain);
	free(fs_buf);
	free(fs_none);
}

int main(void)
{
	test_config();
	test_fs_wrappers();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("config and fuse_fs wrappers: all checks passed\n");
	fflush(stdout);
	return 0;
}
