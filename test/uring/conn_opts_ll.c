/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test filesystem that takes libfuse's connection options from its command line
 * (fuse_parse_conn_info_opts before the session, fuse_apply_conn_info_opts in init(), as
 * fuse_common.h recommends), so `-o max_write=N` reaches INIT the way it does in a real
 * filesystem. It serves one regular file, "data", kept in memory (up to DATA_MAX bytes),
 * readable and writable; unlink empties it. Used to check that ring payload buffers follow
 * the negotiated max_write.
 */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INO_DATA 2
#define DATA_MAX (64u << 20)

static struct fuse_conn_info_opts *conn_opts;
static pthread_mutex_t data_lock = PTHREAD_MUTEX_INITIALIZER;
static char *data;
static size_t data_size;

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return;
	}
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 1;
	pthread_mutex_lock(&data_lock);
	st->st_size = (off_t)data_size;
	pthread_mutex_unlock(&data_lock);
}

static void c_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	fuse_apply_conn_info_opts(conn_opts, conn);
}

static void c_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, "data") != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = INO_DATA;
	fill_attr(INO_DATA, &e.attr);
	fuse_reply_entry(req, &e);
}

static void c_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino != FUSE_ROOT_ID && ino != INO_DATA) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_attr(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void set_size(size_t size)
{
	pthread_mutex_lock(&data_lock);
	if (size > data_size)
		memset(data + data_size, 0, size - data_size);
	data_size = size;
	pthread_mutex_unlock(&data_lock);
}

static void c_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		      struct fuse_file_info *fi)
{
	(void)fi;
	if (ino != INO_DATA) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (attr->st_size < 0 || (size_t)attr->st_size > DATA_MAX) {
			fuse_reply_err(req, EFBIG);
			return;
		}
		set_size((size_t)attr->st_size);
	}
	c_getattr(req, ino, NULL);
}

static void c_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != INO_DATA) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (fi->flags & O_TRUNC)
		set_size(0);
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void c_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	pthread_mutex_lock(&data_lock);
	if (off < 0 || (size_t)off >= data_size)
		size = 0;
	else if (size > data_size - (size_t)off)
		size = data_size - (size_t)off;
	fuse_reply_buf(req, size ? data + off : NULL, size);
	pthread_mutex_unlock(&data_lock);
}

static void c_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	if (off < 0 || (size_t)off > DATA_MAX || size > DATA_MAX - (size_t)off) {
		fuse_reply_err(req, EFBIG);
		return;
	}
	pthread_mutex_lock(&data_lock);
	if ((size_t)off > data_size)
		memset(data + data_size, 0, (size_t)off - data_size);
	memcpy(data + off, buf, size);
	if ((size_t)off + size > data_size)
		data_size = (size_t)off + size;
	pthread_mutex_unlock(&data_lock);
	fuse_reply_write(req, size);
}

static void c_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (parent != FUSE_ROOT_ID || strcmp(name, "data") != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	set_size(0);
	fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops c_ops = {
	.init = c_init,
	.lookup = c_lookup,
	.getattr = c_getattr,
	.setattr = c_setattr,
	.open = c_open,
	.read = c_read,
	.write = c_write,
	.unlink = c_unlink,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se = NULL;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	data = malloc(DATA_MAX);
	if (!data)
		return 1;
	conn_opts = fuse_parse_conn_info_opts(&args);
	if (!conn_opts)
		goto out;
	if (fuse_parse_cmdline(&args, &opts) != 0 || !opts.mountpoint) {
		fprintf(stderr, "usage: %s [-o max_write=N] [-o io_uring ...] MOUNTPOINT\n",
			argv[0]);
		goto out;
	}
	se = fuse_session_new(&args, &c_ops, sizeof(c_ops), NULL);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out;
	if (fuse_session_mount(se, opts.mountpoint) == 0) {
		ret = fuse_session_loop(se) ? 1 : 0;
		fuse_session_unmount(se);
	}
	fuse_remove_signal_handlers(se);
out:
	if (se)
		fuse_session_destroy(se);
	free(opts.mountpoint);
	free(conn_opts);
	fuse_opt_free_args(&args);
	free(data);
	return ret;
}
