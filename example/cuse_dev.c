/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cuse_dev: a character device served from user space through CUSE. It holds a byte buffer
 * that grows on write; read returns its contents, and two ioctls get and set its size.
 *
 *   cuse_dev [-f] [-d] [-s] --name=NAME [--maj=N] [--min=N]
 *
 * creates /dev/NAME (needs root and the cuse module: /dev/cuse).
 */
#define _GNU_SOURCE
#include <cuse_lowlevel.h>
#include <fuse_opt.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* Shared with clients (and the tests) so they speak the same ioctl numbers. */
#define CUSE_DEV_GET_SIZE _IOR('E', 0, size_t)
#define CUSE_DEV_SET_SIZE _IOW('E', 1, size_t)

struct cuse_dev {
	pthread_mutex_t lock;
	char *data;
	size_t size;
};

static struct cuse_dev dev = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int dev_resize(size_t size)
{
	char *p;

	if (size == dev.size)
		return 0;
	p = realloc(dev.data, size ? size : 1);
	if (!p)
		return -ENOMEM;
	if (size > dev.size)
		memset(p + dev.size, 0, size - dev.size);
	dev.data = p;
	dev.size = size;
	return 0;
}

static void dev_open(fuse_req_t req, struct fuse_file_info *fi)
{
	fuse_reply_open(req, fi);
}

static void dev_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	pthread_mutex_lock(&dev.lock);
	if (off < 0 || (size_t)off >= dev.size)
		size = 0;
	else if (size > dev.size - (size_t)off)
		size = dev.size - (size_t)off;
	fuse_reply_buf(req, size ? dev.data + off : NULL, size);
	pthread_mutex_unlock(&dev.lock);
}

static void dev_write(fuse_req_t req, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	int err = 0;

	(void)fi;
	pthread_mutex_lock(&dev.lock);
	if (off < 0)
		err = -EINVAL;
	else if ((size_t)off + size > dev.size)
		err = dev_resize((size_t)off + size);
	if (!err)
		memcpy(dev.data + off, buf, size);
	pthread_mutex_unlock(&dev.lock);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

static void dev_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
		      unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	size_t size;
	int err;

	(void)fi;
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	switch ((unsigned int)cmd) {
	case CUSE_DEV_GET_SIZE:
		if (!out_bufsz) {
			struct iovec iov = { arg, sizeof(size_t) };

			fuse_reply_ioctl_retry(req, NULL, 0, &iov, 1);
			return;
		}
		pthread_mutex_lock(&dev.lock);
		size = dev.size;
		pthread_mutex_unlock(&dev.lock);
		fuse_reply_ioctl(req, 0, &size, sizeof(size));
		return;
	case CUSE_DEV_SET_SIZE:
		if (!in_bufsz) {
			struct iovec iov = { arg, sizeof(size_t) };

			fuse_reply_ioctl_retry(req, &iov, 1, NULL, 0);
			return;
		}
		if (in_bufsz < sizeof(size)) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		memcpy(&size, in_buf, sizeof(size));
		pthread_mutex_lock(&dev.lock);
		err = dev_resize(size);
		pthread_mutex_unlock(&dev.lock);
		if (err)
			fuse_reply_err(req, -err);
		else
			fuse_reply_ioctl(req, 0, NULL, 0);
		return;
	default:
		fuse_reply_err(req, EINVAL);
	}
}

static const struct cuse_lowlevel_ops dev_ops = {
	.open = dev_open,
	.read = dev_read,
	.write = dev_write,
	.ioctl = dev_ioctl,
};

struct dev_params {
	unsigned int major;
	unsigned int minor;
	char *name;
	int help;
};

#define DEV_OPT(t, p) { t, offsetof(struct dev_params, p), 1 }

static const struct fuse_opt dev_opts[] = {
	{ "-M %u", offsetof(struct dev_params, major), 0 },
	{ "--maj=%u", offsetof(struct dev_params, major), 0 },
	{ "-m %u", offsetof(struct dev_params, minor), 0 },
	{ "--min=%u", offsetof(struct dev_params, minor), 0 },
	{ "-n %s", offsetof(struct dev_params, name), 0 },
	{ "--name=%s", offsetof(struct dev_params, name), 0 },
	DEV_OPT("-h", help),
	DEV_OPT("--help", help),
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct dev_params params = { 0 };
	const char *info[1];
	char infobuf[256];
	struct cuse_info ci;
	int ret;

	if (fuse_opt_parse(&args, &params, dev_opts, NULL) == -1)
		return 1;
	if (params.help || !params.name) {
		printf("usage: %s [-f] [-d] [-s] --name=NAME [--maj=N] [--min=N]\n", argv[0]);
		ret = params.help ? 0 : 1;
		goto out;
	}
	snprintf(infobuf, sizeof(infobuf), "DEVNAME=%s", params.name);
	info[0] = infobuf;
	memset(&ci, 0, sizeof(ci));
	ci.dev_major = params.major;
	ci.dev_minor = params.minor;
	ci.dev_info_argc = 1;
	ci.dev_info_argv = info;
	ci.flags = CUSE_UNRESTRICTED_IOCTL;
	ret = cuse_lowlevel_main(args.argc, args.argv, &ci, &dev_ops, NULL);
out:
	fuse_opt_free_args(&args);
	free(params.name);
	free(dev.data);
	return ret;
}
