/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mount options without a kernel: which options the mount code takes out of the arguments
 * and which it leaves for the session, the kernel data string, MS_* flags, fusermount3's -o
 * list, the mount's type and source, and the rejection of bad values.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "fuse_log.h"
#include "fuse_opt.h"
#include "mount_i.h"
#include "check.h"

struct rendered {
	char kernel[1024];
	char helper[1024];
	char type[256];
	char source[256];
	char folded_type[256];
	char folded_source[256];
	unsigned long flags;
	char left[1024];	/* what stays in args, space separated */
};

static void quiet_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
}

/* Parses argv; returns NULL when the parser refused. */
static struct fuse__mount_opts *parse(struct rendered *r, int argc, const char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse__mount_opts *mo;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < argc; i++) {
		if (fuse_opt_add_arg(&args, argv[i]) < 0) {
			fprintf(stderr, "fuse_opt_add_arg failed\n");
			exit(1);
		}
	}
	mo = fuse__mount_opts_parse(&args);
	for (i = 0; i < args.argc; i++) {
		if (i)
			strcat(r->left, " ");
		strncat(r->left, args.argv[i], sizeof(r->left) - strlen(r->left) - 2);
	}
	fuse_opt_free_args(&args);
	if (!mo)
		return NULL;
	CHECK_EQ(fuse__mount_opts_render(mo, r->kernel, sizeof(r->kernel), &r->flags, r->helper,
					 sizeof(r->helper)), 0);
	CHECK_EQ(fuse__mount_opts_fstype(mo, 0, r->type, sizeof(r->type), r->source,
					 sizeof(r->source)), 0);
	CHECK_EQ(fuse__mount_opts_fstype(mo, 1, r->folded_type, sizeof(r->folded_type),
					 r->folded_source, sizeof(r->folded_source)), 0);
	return mo;
}

#define PARSE(r, ...)								\
	parse(r, (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)), \
	      (const char *[]){ __VA_ARGS__ })

static void test_defaults(void)
{
	struct fuse__mount_opts *mo;
	struct rendered r;

	mo = PARSE(&r, "/usr/local/bin/myfs", "/mnt");
	CHECK(mo != NULL);
	CHECK_STR(r.left, "/usr/local/bin/myfs /mnt");
	CHECK_STR(r.kernel, "");
	CHECK_UEQ(r.flags, MS_NOSUID | MS_NODEV);
	CHECK_STR(r.helper, "rw,nosuid,nodev,subtype=myfs");
	/* Named after the program twice, like libfuse: "fuse.myfs myfs". */
	CHECK_STR(r.type, "fuse.myfs");
	CHECK_STR(r.source, "myfs");
	CHECK_STR(r.folded_type, "fuse");
	CHECK_STR(r.folded_source, "myfs#myfs");
	CHECK_EQ(fuse__mount_opts_allow_root(mo), 0);
	CHECK_EQ(fuse__mount_opts_max_read(mo), 0);
	fuse__mount_opts_free(mo);
}

static void test_everything(void)
{
	struct fuse__mount_opts *mo;
	struct rendered r;

	mo = PARSE(&r, "prog", "-o",
		   "allow_other,debug,default_permissions,max_read=131072,ro,noatime,"
		   "fsname=a\\,b,subtype=st,x-systemd.automount,context=system_u:object_r:tmp_t,"
		   "nonempty,foo=bar", "-f", "mnt");
	CHECK(mo != NULL);
	/* Only what the session parses (or rejects) is left. */
	CHECK(strstr(r.left, "debug") != NULL);
	CHECK(strstr(r.left, "foo=bar") != NULL);
	CHECK(strstr(r.left, "-f") != NULL);
	CHECK(strstr(r.left, "mnt") != NULL);
	CHECK(strstr(r.left, "allow_other") == NULL);
	CHECK(strstr(r.left, "fsname") == NULL);
	CHECK(strstr(r.left, "x-systemd") == NULL);
	CHECK(strstr(r.left, "nonempty") == NULL);
	CHECK(strstr(r.left, "context") == NULL);
	CHECK(strstr(r.left, "noatime") == NULL);
	CHECK_STR(r.kernel,
		  "default_permissions,allow_other,max_read=131072,context=system_u:object_r:tmp_t");
	CHECK_UEQ(r.flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOATIME);
	CHECK_STR(r.helper,
		  "ro,nosuid,nodev,noatime,default_permissions,allow_other,max_read=131072,"
		  "context=system_u:object_r:tmp_t,fsname=a\\,b,subtype=st");
	CHECK_STR(r.type, "fuse.st");
	CHECK_STR(r.source, "a,b");
	CHECK_STR(r.folded_type, "fuse");
	CHECK_STR(r.folded_source, "st#a,b");
	CHECK_EQ(fuse__mount_opts_max_read(mo), 131072);
	fuse__mount_opts_free(mo);
}

static void test_flags(void)
{
	struct fuse__mount_opts *mo;
	struct rendered r;

	mo = PARSE(&r, "prog", "-o", "suid,dev,exec,sync,dirsync", "-o", "fsname=x");
	CHECK(mo != NULL);
	CHECK_UEQ(r.flags, MS_SYNCHRONOUS | MS_DIRSYNC);
	/* suid and dev lift a default, so fusermount3 must hear them; exec is its default. */
	CHECK_STR(r.helper, "rw,suid,dev,sync,dirsync,fsname=x");
	CHECK_STR(r.type, "fuse");
	CHECK_STR(r.source, "x");
	fuse__mount_opts_free(mo);

	/* The atime options replace each other; the last one wins. */
	mo = PARSE(&r, "prog", "-o", "noatime,relatime,nodiratime");
	CHECK(mo != NULL);
	CHECK_UEQ(r.flags, MS_NOSUID | MS_NODEV | MS_RELATIME | MS_NODIRATIME);
	/* fusermount3 3.14 refuses relatime and nodiratime as unknown; they are left out. */
	CHECK_STR(r.helper, "rw,nosuid,nodev,subtype=prog");
	fuse__mount_opts_free(mo);

	mo = PARSE(&r, "prog", "-o", "relatime,strictatime,ro,rw,lazytime");
	CHECK(mo != NULL);
	CHECK_UEQ(r.flags, MS_NOSUID | MS_NODEV | MS_STRICTATIME | MS_LAZYTIME);
	fuse__mount_opts_free(mo);

	mo = PARSE(&r, "prog", "-o", "strictatime,noatime,atime");
	CHECK(mo != NULL);
	CHECK_UEQ(r.flags, MS_NOSUID | MS_NODEV);
	fuse__mount_opts_free(mo);
}

static void test_allow_root_and_blkdev(void)
{
	struct fuse__mount_opts *mo;
	struct rendered r;

	mo = PARSE(&r, "prog", "-o", "allow_root,auto_unmount");
	CHECK(mo != NULL);
	CHECK_EQ(fuse__mount_opts_allow_root(mo), 1);
	/* The kernel and fusermount3 only know allow_other; the session does the rest. */
	CHECK_STR(r.kernel, "allow_other");
	CHECK_STR(r.helper, "rw,nosuid,nodev,allow_other,auto_unmount,subtype=prog");
	fuse__mount_opts_free(mo);

	mo = PARSE(&r, "prog", "-oblkdev,fsname=/dev/loop7,blksize=4096,subtype=img");
	CHECK(mo != NULL);
	CHECK_STR(r.kernel, "blksize=4096");
	CHECK_STR(r.helper, "rw,nosuid,nodev,blksize=4096,blkdev,fsname=/dev/loop7,subtype=img");
	CHECK_STR(r.type, "fuseblk.img");
	CHECK_STR(r.source, "/dev/loop7");
	CHECK_STR(r.folded_type, "fuseblk");
	CHECK_STR(r.folded_source, "img#/dev/loop7");
	fuse__mount_opts_free(mo);
}

static void test_rejects(void)
{
	static const char *const bad[] = {
		"max_read=", "max_read=abc", "max_read=-1", "max_read=12k",
		"max_read=99999999999", "max_read= 5",
		"blkdev,fsname=/dev/x,blksize=1000", "blkdev,fsname=/dev/x,blksize=256",
		"blkdev,fsname=/dev/x,blksize=131072", "blksize=4096", "blkdev",
		"subtype=", "allow_other,allow_root",
	};
	struct rendered r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fuse__mount_opts *mo = PARSE(&r, "prog", "-o", bad[i]);

		if (mo) {
			fprintf(stderr, "accepted bad option %s\n", bad[i]);
			fuse__mount_opts_free(mo);
		}
		CHECK(mo == NULL);
	}
}

static void test_render_limits(void)
{
	struct fuse__mount_opts *mo;
	struct rendered r;
	char small[8];
	unsigned long flags = 0;

	mo = PARSE(&r, "prog", "-o", "default_permissions,fsname=abcdefghijklmnop");
	CHECK(mo != NULL);
	CHECK_EQ(fuse__mount_opts_render(mo, small, sizeof(small), NULL, NULL, 0),
		 -ENAMETOOLONG);
	CHECK_EQ(fuse__mount_opts_render(mo, NULL, 0, NULL, small, sizeof(small)),
		 -ENAMETOOLONG);
	CHECK_EQ(fuse__mount_opts_render(mo, NULL, 0, &flags, NULL, 0), 0);
	CHECK_UEQ(flags, MS_NOSUID | MS_NODEV);
	CHECK_EQ(fuse__mount_opts_fstype(mo, 0, small, sizeof(small), r.source, sizeof(r.source)),
		 0);
	CHECK_EQ(fuse__mount_opts_fstype(mo, 0, r.type, sizeof(r.type), small, sizeof(small)),
		 -ENAMETOOLONG);
	CHECK_EQ(fuse__mount_opts_render(NULL, NULL, 0, NULL, NULL, 0), -EINVAL);
	fuse__mount_opts_free(mo);
	fuse__mount_opts_free(NULL);
}

static void test_fd_path(void)
{
	CHECK_EQ(fuse__mount_fd_from_path("/dev/fd/5"), 5);
	CHECK_EQ(fuse__mount_fd_from_path("/dev/fd/0"), 0);
	CHECK_EQ(fuse__mount_fd_from_path("/dev/fd/"), -1);
	CHECK_EQ(fuse__mount_fd_from_path("/dev/fd/5x"), -1);
	CHECK_EQ(fuse__mount_fd_from_path("/dev/fd/-1"), -1);
	CHECK_EQ(fuse__mount_fd_from_path("/dev/fd/99999999999"), -1);
	CHECK_EQ(fuse__mount_fd_from_path("/mnt/x"), -1);
	CHECK_EQ(fuse__mount_fd_from_path(NULL), -1);
}

/* Mounting refuses what it cannot use before touching the kernel. */
static void test_mount_args(void)
{
	struct fuse__mount_opts *mo;
	struct rendered r;

	mo = PARSE(&r, "prog");
	CHECK(mo != NULL);
	CHECK_EQ(fuse__kernel_mount(NULL, mo), -EINVAL);
	CHECK_EQ(fuse__kernel_mount("/tmp", NULL), -EINVAL);
	CHECK_EQ(fuse__kernel_mount("relative/dir", mo), -EINVAL);
	/* fd 1000 is not open in this test. */
	CHECK_EQ(fuse__kernel_mount("/dev/fd/1000", mo), -EBADF);
	/* Unmount of something never mounted does nothing and tolerates NULLs. */
	fuse__kernel_unmount("/nonexistent", -1, mo);
	fuse__kernel_unmount(NULL, -1, NULL);
	fuse__mount_opts_free(mo);
}

int main(void)
{
	if (!getenv("MOUNT_TEST_VERBOSE"))
		fuse_set_log_func(quiet_log);
	test_defaults();
	test_everything();
	test_flags();
	test_allow_root_and_blkdev();
	test_rejects();
	test_render_limits();
	test_fd_path();
	test_mount_args();
	return check_result();
}
