/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small in-memory high-level filesystem for the paths the examples do not take: ioctl,
 * poll with fuse_notify_poll, the lock operation (it grants everything, so what GETLK reports
 * comes from the library's own record), fuse_interrupted(), fuse_get_context() and a
 * directory streamed with offsets. Files in its root:
 *   data      read/write, 64 KiB at most
 *   ioctl     HLT_SET stores a number, HLT_GET returns it
 *   poll      readable (POLLIN) once HLT_SET was sent to it; poll waiters are notified
 *   slow      ioctl HLT_WAIT blocks until the request is interrupted (-EINTR), at most 20 s
 *             (an ioctl, because the kernel sends reads of a direct_io file as background
 *             requests, which it never interrupts)
 *   whoami    its size is the pid of whoever asks, its uid/gid theirs (fuse_get_context)
 *   dirN      100 entries listed with offsets
 *
 *   hl_testfs [options] <mountpoint>
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 35
#endif

#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define HLT_GET _IOR('H', 1, uint32_t)
#define HLT_SET _IOW('H', 2, uint32_t)
#define HLT_WAIT _IO('H', 3)
#define DATA_MAX (64 * 1024)
#define DIR_ENTRIES 100

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char data[DATA_MAX];
static size_t data_len;
static uint32_t ioctl_value;
static int poll_ready;
static struct fuse_pollhandle *poll_ph;

static const char *const files[] = { "data", "ioctl", "poll", "slow", "whoami", "dirN" };

static void *t_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* whoami must be asked every time */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	return NULL;
}

static int t_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct fuse_context *ctx = fuse_get_context();

	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	if (strcmp(path, "/") == 0 || strcmp(path, "/dirN") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strncmp(path, "/dirN/e", 7) == 0) {
		st->st_mode = S_IFREG | 0444;
		return 0;
	}
	st->st_mode = S_IFREG | 0666;
	if (strcmp(path, "/data") == 0) {
		pthread_mutex_lock(&lock);
		st->st_size = (off_t)data_len;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	if (strcmp(path, "/whoami") == 0) {
		st->st_size = ctx->pid;
		st->st_uid = ctx->uid;
		st->st_gid = ctx->gid;
		return 0;
	}
	if (strcmp(path, "/ioctl") == 0 || strcmp(path, "/poll") == 0 ||
	    strcmp(path, "/slow") == 0)
		return 0;
	return -ENOENT;
}

static int t_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		     struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	size_t i;

	(void)fi;
	(void)flags;
	if (strcmp(path, "/dirN") == 0) {
		/* streamed: entry i has offset i + 1 and the filler may stop us anywhere */
		for (i = (size_t)off; i < DIR_ENTRIES; i++) {
			char name[32];

			snprintf(name, sizeof(name), "e%03zu", i);
			if (filler(buf, name, NULL, (off_t)i + 1, 0))
				break;
		}
		return 0;
	}
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		filler(buf, files[i], NULL, 0, 0);
	return 0;
}

static int t_open(const char *path, struct fuse_file_info *fi)
{
	struct stat st;
	int err = t_getattr(path, &st, NULL);

	if (err)
		return err;
	if (strcmp(path, "/poll") == 0 || strcmp(path, "/slow") == 0)
		fi->direct_io = 1;	/* every read must reach us */
	return 0;
}

static int t_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, "/data") != 0)
		return -EPERM;
	if (size < 0 || size > DATA_MAX)
		return -EFBIG;
	pthread_mutex_lock(&lock);
	if ((size_t)size > data_len)
		memset(data + data_len, 0, (size_t)size - data_len);
	data_len = (size_t)size;
	pthread_mutex_unlock(&lock);
	return 0;
}

static int t_read(const char *path, char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi)
{
	int res = 0;

	(void)fi;
	pthread_mutex_lock(&lock);
	if (strcmp(path, "/poll") == 0) {
		res = poll_ready ? snprintf(buf, size, "ready\n") : -EAGAIN;
	} else if (strcmp(path, "/data") == 0) {
		if (off < (off_t)data_len) {
			res = (int)(data_len - (size_t)off < size ? data_len - (size_t)off : size);
			memcpy(buf, data + off, (size_t)res);
		}
	}
	pthread_mutex_unlock(&lock);
	return res;
}

static int t_write(const char *path, const char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, "/data") != 0)
		return -EPERM;
	if (off < 0 || (size_t)off + size > DATA_MAX)
		return -EFBIG;
	pthread_mutex_lock(&lock);
	memcpy(data + off, buf, size);
	if ((size_t)off + size > data_len)
		data_len = (size_t)off + size;
	pthread_mutex_unlock(&lock);
	return (int)size;
}

static int t_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
		   unsigned int flags, void *buf)
{
	struct fuse_pollhandle *ph = NULL;

	(void)arg;
	(void)fi;
	if (flags & FUSE_IOCTL_COMPAT)
		return -ENOSYS;
	switch (cmd) {
	case HLT_WAIT: {
		int i;

		for (i = 0; i < 2000; i++) {
			if (fuse_interrupted())
				return -EINTR;
			usleep(10000);
		}
		return -ETIMEDOUT;
	}
	case HLT_GET:
		pthread_mutex_lock(&lock);
		memcpy(buf, &ioctl_value, sizeof(ioctl_value));
		pthread_mutex_unlock(&lock);
		return 0;
	case HLT_SET:
		pthread_mutex_lock(&lock);
		memcpy(&ioctl_value, buf, sizeof(ioctl_value));
		if (path && strcmp(path, "/poll") == 0) {
			poll_ready = 1;
			ph = poll_ph;
			poll_ph = NULL;
		}
		pthread_mutex_unlock(&lock);
		if (ph) {
			(void)fuse_notify_poll(ph);
			fuse_pollhandle_destroy(ph);
		}
		return 0;
	}
	return -EINVAL;
}

static int t_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
		  unsigned int *reventsp)
{
	(void)fi;
	if (strcmp(path, "/poll") != 0) {
		*reventsp = POLLIN | POLLOUT;
		if (ph)
			fuse_pollhandle_destroy(ph);
		return 0;
	}
	pthread_mutex_lock(&lock);
	*reventsp = poll_ready ? POLLIN : 0;
	if (ph) {
		/* keep the newest handle: the one a waiter is sleeping on */
		if (poll_ph)
			fuse_pollhandle_destroy(poll_ph);
		poll_ph = ph;
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

/* Grants every lock: conflicts GETLK reports can only come from the library's record. */
static int t_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lk)
{
	(void)path;
	(void)fi;
	if (cmd == F_GETLK)
		lk->l_type = F_UNLCK;
	return 0;
}

static const struct fuse_operations t_oper = {
	.init = t_init,
	.getattr = t_getattr,
	.readdir = t_readdir,
	.open = t_open,
	.truncate = t_truncate,
	.read = t_read,
	.write = t_write,
	.ioctl = t_ioctl,
	.poll = t_poll,
	.lock = t_lock,
};

int main(int argc, char *argv[])
{
	return fuse_main(argc, argv, &t_oper, NULL);
}
