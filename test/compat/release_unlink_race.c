/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The high-level RELEASE/UNLINK race that libfuse 3.15 fixed: with nullpath_ok a RELEASE
 * takes no path lock, so it can run while an UNLINK of the same open file is between its
 * "still open?" check and the rename to .fuse_hidden*. The release then finds a file that is
 * not hidden yet and leaves it; the unlink hides it; nobody ever removes the hidden file.
 *
 * This program is both the filesystem (a passthrough of SRC at MNT, nullpath_ok, run on a
 * thread) and the test. Its getattr of a .fuse_hidden name (which the library calls while
 * hiding) waits until the file's last handle has been released, so the release lands exactly
 * in that window; then it gives the release thread time to finish the library's bookkeeping
 * (the result is checked, not the time). After the unlink, SRC must contain nothing.
 *
 *   release_unlink_race      (mounts a fresh directory itself; root; exit 0 pass, 1 fail, 77 skip)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char src_dir[4096];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int hiding;	/* the library is hiding the file (getattr of the hidden name seen) */
static int released;	/* the filesystem's release ran */

static void src_path(char *out, size_t len, const char *path)
{
	(void)snprintf(out, len, "%s%s", src_dir, path);
}

static void *rr_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->nullpath_ok = 1;
	cfg->hard_remove = 0;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

/* Wait (bounded, so a broken library cannot hang the test) until flag is set. */
static int wait_flag(int *flag, int seconds)
{
	struct timespec until;
	int err = 0;

	(void)clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	(void)pthread_mutex_lock(&lock);
	while (!*flag && err == 0)
		err = pthread_cond_timedwait(&cond, &lock, &until);
	(void)pthread_mutex_unlock(&lock);
	return *flag ? 0 : -ETIMEDOUT;
}

static void set_flag(int *flag)
{
	(void)pthread_mutex_lock(&lock);
	*flag = 1;
	(void)pthread_cond_broadcast(&cond);
	(void)pthread_mutex_unlock(&lock);
}

static int rr_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	char p[8192];

	if (fi)
		return fstat((int)fi->fh, st) < 0 ? -errno : 0;
	if (strstr(path, ".fuse_hidden") && !hiding) {
		set_flag(&hiding);
		if (wait_flag(&released, 10) < 0)
			fprintf(stderr, "release_unlink_race: the release never came\n");
		/* Let the release thread finish what follows the filesystem's release. */
		(void)usleep(200 * 1000);
	}
	src_path(p, sizeof(p), path);
	return lstat(p, st) < 0 ? -errno : 0;
}

static int rr_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	char p[8192];
	int fd;

	src_path(p, sizeof(p), path);
	fd = open(p, fi->flags | O_CREAT, mode);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int rr_release(const char *path, struct fuse_file_info *fi)
{
	(void)path; /* NULL with nullpath_ok once the file is hidden or unlinked */
	(void)close((int)fi->fh);
	set_flag(&released);
	return 0;
}

static int rr_unlink(const char *path)
{
	char p[8192];

	src_path(p, sizeof(p), path);
	return unlink(p) < 0 ? -errno : 0;
}

static int rr_rename(const char *from, const char *to, unsigned int flags)
{
	char a[8192], b[8192];

	if (flags)
		return -EINVAL;
	src_path(a, sizeof(a), from);
	src_path(b, sizeof(b), to);
	return rename(a, b) < 0 ? -errno : 0;
}

static const struct fuse_operations rr_ops = {
	.init = rr_init,
	.getattr = rr_getattr,
	.create = rr_create,
	.release = rr_release,
	.unlink = rr_unlink,
	.rename = rr_rename,
};

static void *loop_thread(void *arg)
{
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();

	if (cfg) {
		(void)fuse_loop_mt((struct fuse *)arg, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	return NULL;
}

static void *unlink_thread(void *arg)
{
	return (void *)(intptr_t)(unlink((const char *)arg) < 0 ? errno : 0);
}

/* Number of entries in dir besides . and .., printing each. */
static int count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		printf("left in the source: %s\n", de->d_name);
		n++;
	}
	(void)closedir(d);
	return n;
}

int main(int argc, char *argv[])
{
	char *fargv[] = { argv[0], NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, fargv);
	char base[] = "/tmp/ringfuse-race-XXXXXX";
	char mnt[64], file[8192];
	pthread_t loop, unlinker;
	struct fuse *f;
	void *res;
	int fd, left, failed = 0;

	(void)argc;
	if (geteuid() != 0) {
		printf("needs root to mount\n");
		return 77;
	}
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	(void)snprintf(src_dir, sizeof(src_dir), "%s/src", base);
	(void)snprintf(mnt, sizeof(mnt), "%s/mnt", base);
	if (mkdir(src_dir, 0755) < 0 || mkdir(mnt, 0755) < 0) {
		perror("mkdir");
		return 1;
	}
	f = fuse_new(&args, &rr_ops, sizeof(rr_ops), NULL);
	fuse_opt_free_args(&args);
	if (!f || fuse_mount(f, mnt) != 0) {
		fprintf(stderr, "cannot mount %s\n", mnt);
		return 1;
	}
	if (pthread_create(&loop, NULL, loop_thread, f) != 0) {
		fuse_unmount(f);
		fuse_destroy(f);
		return 1;
	}

	(void)snprintf(file, sizeof(file), "%s/victim", mnt);
	fd = open(file, O_CREAT | O_RDWR, 0644);
	if (fd < 0) {
		perror("create through the mount");
		failed = 1;
		goto out;
	}
	if (pthread_create(&unlinker, NULL, unlink_thread, file) != 0) {
		(void)close(fd);
		failed = 1;
		goto out;
	}
	/* The unlink saw the file open and is hiding it: now release the last handle. */
	if (wait_flag(&hiding, 10) < 0) {
		printf("FAIL the unlink never tried to hide the open file\n");
		failed = 1;
	}
	(void)close(fd);
	(void)pthread_join(unlinker, &res);
	if ((intptr_t)res != 0) {
		printf("FAIL unlink: %s\n", strerror((int)(intptr_t)res));
		failed = 1;
	}
	left = count_entries(src_dir);
	if (left != 0) {
		printf("FAIL %d file(s) left in the source after unlink and close\n", left);
		failed = 1;
	} else {
		printf("ok no .fuse_hidden file left after a release raced with the unlink\n");
	}
out:
	fuse_unmount(f);
	(void)pthread_join(loop, NULL);
	fuse_destroy(f);
	/* Leave nothing behind in /tmp, whatever the outcome. */
	(void)snprintf(file, sizeof(file), "rm -rf -- '%s'", base);
	if (system(file) != 0)
		fprintf(stderr, "cannot remove %s\n", base);
	return failed;
}
