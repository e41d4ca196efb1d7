/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * deferred_reply_ll: an in-memory low-level filesystem (one flat root directory of regular
 * files) whose handlers never answer a request themselves: each one copies what it needs out
 * of the request's arguments (which are only valid while the handler runs), queues a job and
 * returns, and a pool of worker threads does the work and replies. It exists to test that
 * replies from threads other than the one that received the request are correct, in
 * particular over io-uring, where the receiving thread owns the ring. It also answers
 * getxattr of "user.reply_none" with fuse_reply_none(), to test that a request answered with
 * nothing does not leak transport resources (over /dev/fuse that call blocks until
 * interrupted, as with any filesystem that never answers), and getxattr of
 * "user.wait_interrupt" by waiting (up to 30 s, then ENODATA) until the request is
 * interrupted and answering EINTR, to test that INTERRUPT finds a request in flight.
 *
 *   deferred_reply_ll [-f] [-d] [-o workers=N] [-o io_uring] MOUNTPOINT
 *
 * With ringfuse it prints the ring's state at mount time. Builds against the system libfuse3
 * as well.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse_lowlevel.h>
#if __has_include(<ringfuse.h>)
#include <ringfuse.h>
#define HAVE_RINGFUSE_H 1
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define DR_ROOT 1
#define DR_MAX_FILE (1024ULL * 1024 * 1024)
#define DR_MAX_WORKERS 64

struct dr_node {
	fuse_ino_t ino;
	char *name;           /* NULL once unlinked */
	mode_t mode;
	char *data;
	size_t size, cap;
	struct timespec atime, mtime, ctime;
	uint64_t nlookup;
};

enum dr_op {
	DR_LOOKUP, DR_FORGET, DR_GETATTR, DR_SETATTR, DR_CREATE, DR_OPEN, DR_READ, DR_WRITE,
	DR_FLUSH, DR_RELEASE, DR_FSYNC, DR_UNLINK, DR_READDIR, DR_STATFS, DR_GETXATTR,
	DR_OPENDIR, DR_RELEASEDIR,
};

struct dr_job {
	struct dr_job *next;
	enum dr_op op;
	fuse_req_t req;
	fuse_ino_t ino;
	char *name;           /* copied: LOOKUP, CREATE, UNLINK, GETXATTR */
	char *buf;            /* copied: WRITE data */
	size_t size;
	off_t off;
	mode_t mode;
	uint64_t nlookup;
	struct stat attr;
	int to_set;
	struct fuse_file_info fi;
};

struct dr_fs {
	pthread_mutex_t lock;           /* guards the node table and every node */
	struct dr_node **nodes;         /* index = ino - 1 */
	size_t nnodes, cap;

	pthread_mutex_t qlock;          /* guards the job queue and stop */
	pthread_cond_t qcond;
	struct dr_job *head, *tail;
	bool stop;
	unsigned int nworkers;
	pthread_t workers[DR_MAX_WORKERS];
	unsigned int started;
};

static const double dr_timeout = 1.0;

static struct dr_node *dr_get(struct dr_fs *fs, fuse_ino_t ino)
{
	if (ino < 1 || ino > fs->nnodes)
		return NULL;
	return fs->nodes[ino - 1];
}

static struct dr_node *dr_find(struct dr_fs *fs, const char *name)
{
	size_t i;

	for (i = 1; i < fs->nnodes; i++)
		if (fs->nodes[i]->name && strcmp(fs->nodes[i]->name, name) == 0)
			return fs->nodes[i];
	return NULL;
}

static struct dr_node *dr_new(struct dr_fs *fs, const char *name, mode_t mode)
{
	struct dr_node *n, **grown;

	if (fs->nnodes == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 64;

		grown = realloc(fs->nodes, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		fs->nodes = grown;
		fs->cap = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if (name) {
		n->name = strdup(name);
		if (!n->name) {
			free(n);
			return NULL;
		}
	}
	n->mode = mode;
	n->ino = fs->nnodes + 1;
	clock_gettime(CLOCK_REALTIME, &n->mtime);
	n->atime = n->ctime = n->mtime;
	fs->nodes[fs->nnodes++] = n;
	return n;
}

static void dr_stat(const struct dr_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = S_ISDIR(n->mode) ? 2 : (n->name ? 1 : 0);
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_size = (off_t)n->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

static int dr_resize(struct dr_node *n, size_t size)
{
	char *grown;
	size_t cap;

	if (size > DR_MAX_FILE)
		return EFBIG;
	if (size > n->cap) {
		cap = n->cap ? n->cap : 4096;
		while (cap < size)
			cap *= 2;
		grown = realloc(n->data, cap);
		if (!grown)
			return ENOMEM;
		n->data = grown;
		n->cap = cap;
	}
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
	return 0;
}

static void dr_reply_entry(fuse_req_t req, struct dr_node *n)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.attr_timeout = dr_timeout;
	e.entry_timeout = dr_timeout;
	dr_stat(n, &e.attr);
	n->nlookup++;
	(void)fuse_reply_entry(req, &e);
}

static void dr_readdir(struct dr_fs *fs, struct dr_job *j)
{
	char *buf = calloc(1, j->size ? j->size : 1);
	size_t used = 0, len, i;
	struct stat st;
	off_t pos;

	if (!buf) {
		(void)fuse_reply_err(j->req, ENOMEM);
		return;
	}
	memset(&st, 0, sizeof(st));
	/* Offsets: 1 ".", 2 "..", then 3 + index of the node. */
	for (pos = j->off; ; pos++) {
		const char *name;

		if (pos == 0 || pos == 1) {
			name = pos == 0 ? "." : "..";
			st.st_ino = DR_ROOT;
			st.st_mode = S_IFDIR;
		} else {
			i = (size_t)(pos - 2) + 1;
			if (i >= fs->nnodes)
				break;
			if (!fs->nodes[i]->name)
				continue;
			name = fs->nodes[i]->name;
			st.st_ino = fs->nodes[i]->ino;
			st.st_mode = fs->nodes[i]->mode;
		}
		len = fuse_add_direntry(j->req, buf + used, j->size - used, name, &st, pos + 1);
		if (len > j->size - used)
			break;
		used += len;
	}
	(void)fuse_reply_buf(j->req, buf, used);
	free(buf);
}

static void dr_setattr(struct dr_node *n, struct dr_job *j)
{
	struct timespec now;
	struct stat st;
	int err;

	clock_gettime(CLOCK_REALTIME, &now);
	if (j->to_set & FUSE_SET_ATTR_SIZE) {
		err = dr_resize(n, (size_t)j->attr.st_size);
		if (err) {
			(void)fuse_reply_err(j->req, err);
			return;
		}
		n->mtime = now;
	}
	if (j->to_set & FUSE_SET_ATTR_MODE)
		n->mode = (n->mode & S_IFMT) | (j->attr.st_mode & 07777);
	if (j->to_set & FUSE_SET_ATTR_ATIME_NOW)
		n->atime = now;
	else if (j->to_set & FUSE_SET_ATTR_ATIME)
		n->atime = j->attr.st_atim;
	if (j->to_set & FUSE_SET_ATTR_MTIME_NOW)
		n->mtime = now;
	else if (j->to_set & FUSE_SET_ATTR_MTIME)
		n->mtime = j->attr.st_mtim;
	n->ctime = now;
	dr_stat(n, &st);
	(void)fuse_reply_attr(j->req, &st, dr_timeout);
}

/* Waits without the filesystem lock, so other workers go on meanwhile. */
static void dr_wait_interrupt(fuse_req_t req)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned int i;

	for (i = 0; i < 3000; i++) {
		if (fuse_req_interrupted(req)) {
			(void)fuse_reply_err(req, EINTR);
			return;
		}
		(void)nanosleep(&ts, NULL);
	}
	(void)fuse_reply_err(req, ENODATA);
}

/* Runs on a worker: the only place that replies. */
static void dr_run(struct dr_fs *fs, struct dr_job *j)
{
	struct dr_node *n;
	struct statvfs sv;
	struct stat st;
	size_t len;
	int err;

	if (j->op == DR_GETXATTR && strcmp(j->name, "user.wait_interrupt") == 0) {
		dr_wait_interrupt(j->req);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	n = dr_get(fs, j->ino);
	switch (j->op) {
	case DR_LOOKUP:
		n = j->ino == DR_ROOT ? dr_find(fs, j->name) : NULL;
		if (n)
			dr_reply_entry(j->req, n);
		else
			(void)fuse_reply_err(j->req, ENOENT);
		break;
	case DR_FORGET:
		if (n)
			n->nlookup -= j->nlookup < n->nlookup ? j->nlookup : n->nlookup;
		fuse_reply_none(j->req);
		break;
	case DR_GETATTR:
		if (!n) {
			(void)fuse_reply_err(j->req, ENOENT);
			break;
		}
		dr_stat(n, &st);
		(void)fuse_reply_attr(j->req, &st, dr_timeout);
		break;
	case DR_SETATTR:
		if (n)
			dr_setattr(n, j);
		else
			(void)fuse_reply_err(j->req, ENOENT);
		break;
	case DR_CREATE:
		if (j->ino != DR_ROOT) {
			(void)fuse_reply_err(j->req, ENOTDIR);
			break;
		}
		n = dr_find(fs, j->name);
		if (n && (j->fi.flags & O_EXCL)) {
			(void)fuse_reply_err(j->req, EEXIST);
			break;
		}
		if (!n)
			n = dr_new(fs, j->name, S_IFREG | (j->mode & 07777));
		if (!n) {
			(void)fuse_reply_err(j->req, ENOMEM);
			break;
		}
		{
			struct fuse_entry_param e;

			memset(&e, 0, sizeof(e));
			e.ino = n->ino;
			e.attr_timeout = dr_timeout;
			e.entry_timeout = dr_timeout;
			dr_stat(n, &e.attr);
			n->nlookup++;
			(void)fuse_reply_create(j->req, &e, &j->fi);
		}
		break;
	case DR_OPEN:
		if (!n || S_ISDIR(n->mode)) {
			(void)fuse_reply_err(j->req, n ? EISDIR : ENOENT);
			break;
		}
		if (j->fi.flags & O_TRUNC)
			(void)dr_resize(n, 0);
		(void)fuse_reply_open(j->req, &j->fi);
		break;
	case DR_OPENDIR:
		(void)fuse_reply_open(j->req, &j->fi);
		break;
	case DR_READ:
		if (!n) {
			(void)fuse_reply_err(j->req, ENOENT);
			break;
		}
		len = 0;
		if ((size_t)j->off < n->size)
			len = n->size - (size_t)j->off < j->size ? n->size - (size_t)j->off : j->size;
		(void)fuse_reply_buf(j->req, len ? n->data + j->off : NULL, len);
		break;
	case DR_WRITE:
		if (!n) {
			(void)fuse_reply_err(j->req, ENOENT);
			break;
		}
		if ((size_t)j->off + j->size > n->size) {
			err = dr_resize(n, (size_t)j->off + j->size);
			if (err) {
				(void)fuse_reply_err(j->req, err);
				break;
			}
		}
		memcpy(n->data + j->off, j->buf, j->size);
		clock_gettime(CLOCK_REALTIME, &n->mtime);
		(void)fuse_reply_write(j->req, j->size);
		break;
	case DR_FLUSH:
	case DR_RELEASE:
	case DR_FSYNC:
	case DR_RELEASEDIR:
		(void)fuse_reply_err(j->req, 0);
		break;
	case DR_UNLINK:
		n = j->ino == DR_ROOT ? dr_find(fs, j->name) : NULL;
		if (!n) {
			(void)fuse_reply_err(j->req, ENOENT);
			break;
		}
		free(n->name);
		n->name = NULL;
		clock_gettime(CLOCK_REALTIME, &n->ctime);
		(void)fuse_reply_err(j->req, 0);
		break;
	case DR_READDIR:
		dr_readdir(fs, j);
		break;
	case DR_STATFS:
		memset(&sv, 0, sizeof(sv));
		sv.f_bsize = sv.f_frsize = 4096;
		sv.f_blocks = sv.f_bfree = sv.f_bavail = DR_MAX_FILE / 4096;
		sv.f_files = 1 << 20;
		sv.f_ffree = sv.f_favail = (1 << 20) - fs->nnodes;
		sv.f_namemax = NAME_MAX;
		(void)fuse_reply_statfs(j->req, &sv);
		break;
	case DR_GETXATTR:
		if (strcmp(j->name, "user.reply_none") == 0)
			fuse_reply_none(j->req);
		else
			(void)fuse_reply_err(j->req, ENODATA);
		break;
	}
	pthread_mutex_unlock(&fs->lock);
}

static void *dr_worker(void *arg)
{
	struct dr_fs *fs = arg;
	struct dr_job *j;

	for (;;) {
		pthread_mutex_lock(&fs->qlock);
		while (!fs->head && !fs->stop)
			pthread_cond_wait(&fs->qcond, &fs->qlock);
		j = fs->head;
		if (j) {
			fs->head = j->next;
			if (!fs->head)
				fs->tail = NULL;
		}
		pthread_mutex_unlock(&fs->qlock);
		if (!j)
			return NULL; /* stop, and the queue is drained */
		dr_run(fs, j);
		free(j->name);
		free(j->buf);
		free(j);
	}
}

static struct dr_job *dr_job(fuse_req_t req, enum dr_op op, fuse_ino_t ino)
{
	struct dr_job *j = calloc(1, sizeof(*j));

	if (!j) {
		if (op == DR_FORGET)
			fuse_reply_none(req);
		else
			(void)fuse_reply_err(req, ENOMEM);
		return NULL;
	}
	j->req = req;
	j->op = op;
	j->ino = ino;
	return j;
}

static void dr_push(fuse_req_t req, struct dr_job *j)
{
	struct dr_fs *fs = fuse_req_userdata(req);

	pthread_mutex_lock(&fs->qlock);
	if (fs->tail)
		fs->tail->next = j;
	else
		fs->head = j;
	fs->tail = j;
	pthread_cond_signal(&fs->qcond);
	pthread_mutex_unlock(&fs->qlock);
}

static bool dr_copy_name(fuse_req_t req, struct dr_job *j, const char *name)
{
	j->name = strdup(name);
	if (j->name)
		return true;
	(void)fuse_reply_err(req, ENOMEM);
	free(j);
	return false;
}

static void dr_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	(void)conn;
}

static void dr_destroy(void *userdata)
{
	struct dr_fs *fs = userdata;
	unsigned int i;

	pthread_mutex_lock(&fs->qlock);
	fs->stop = true;
	pthread_cond_broadcast(&fs->qcond);
	pthread_mutex_unlock(&fs->qlock);
	for (i = 0; i < fs->started; i++)
		(void)pthread_join(fs->workers[i], NULL);
	fs->started = 0;
}

static void dr_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct dr_job *j = dr_job(req, DR_LOOKUP, parent);

	if (j && dr_copy_name(req, j, name))
		dr_push(req, j);
}

static void dr_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct dr_job *j = dr_job(req, DR_FORGET, ino);

	if (!j)
		return;
	j->nlookup = nlookup;
	dr_push(req, j);
}

static void dr_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_GETATTR, ino);

	(void)fi;
	if (j)
		dr_push(req, j);
}

static void dr_setattr_op(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			  struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_SETATTR, ino);

	(void)fi;
	if (!j)
		return;
	j->attr = *attr;
	j->to_set = to_set;
	dr_push(req, j);
}

static void dr_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_CREATE, parent);

	if (!j || !dr_copy_name(req, j, name))
		return;
	j->mode = mode;
	j->fi = *fi;
	dr_push(req, j);
}

static void dr_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_OPEN, ino);

	if (!j)
		return;
	j->fi = *fi;
	dr_push(req, j);
}

static void dr_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_OPENDIR, ino);

	if (!j)
		return;
	j->fi = *fi;
	dr_push(req, j);
}

static void dr_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_READ, ino);

	(void)fi;
	if (!j)
		return;
	j->size = size;
	j->off = off;
	dr_push(req, j);
}

static void dr_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_WRITE, ino);

	(void)fi;
	if (!j)
		return;
	/* The data lives in the transport's buffer only until this handler returns. */
	j->buf = malloc(size ? size : 1);
	if (!j->buf) {
		(void)fuse_reply_err(req, ENOMEM);
		free(j);
		return;
	}
	memcpy(j->buf, buf, size);
	j->size = size;
	j->off = off;
	dr_push(req, j);
}

static void dr_simple(fuse_req_t req, enum dr_op op, fuse_ino_t ino)
{
	struct dr_job *j = dr_job(req, op, ino);

	if (j)
		dr_push(req, j);
}

static void dr_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	dr_simple(req, DR_FLUSH, ino);
}

static void dr_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	dr_simple(req, DR_RELEASE, ino);
}

static void dr_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	dr_simple(req, DR_RELEASEDIR, ino);
}

static void dr_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	(void)fi;
	dr_simple(req, DR_FSYNC, ino);
}

static void dr_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct dr_job *j = dr_job(req, DR_UNLINK, parent);

	if (j && dr_copy_name(req, j, name))
		dr_push(req, j);
}

static void dr_readdir_op(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	struct dr_job *j = dr_job(req, DR_READDIR, ino);

	(void)fi;
	if (!j)
		return;
	j->size = size;
	j->off = off;
	dr_push(req, j);
}

static void dr_statfs(fuse_req_t req, fuse_ino_t ino)
{
	dr_simple(req, DR_STATFS, ino);
}

static void dr_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct dr_job *j = dr_job(req, DR_GETXATTR, ino);

	if (!j || !dr_copy_name(req, j, name))
		return;
	j->size = size;
	dr_push(req, j);
}

static const struct fuse_lowlevel_ops dr_ops = {
	.init = dr_init,
	.destroy = dr_destroy,
	.lookup = dr_lookup,
	.forget = dr_forget,
	.getattr = dr_getattr,
	.setattr = dr_setattr_op,
	.create = dr_create,
	.open = dr_open,
	.read = dr_read,
	.write = dr_write,
	.flush = dr_flush,
	.release = dr_release,
	.fsync = dr_fsync,
	.unlink = dr_unlink,
	.opendir = dr_opendir,
	.readdir = dr_readdir_op,
	.releasedir = dr_releasedir,
	.statfs = dr_statfs,
	.getxattr = dr_getxattr,
};

struct dr_opts {
	unsigned int workers;
};

static const struct fuse_opt dr_opt_spec[] = {
	{ "workers=%u", offsetof(struct dr_opts, workers), 0 },
	FUSE_OPT_END
};

static void dr_free(struct dr_fs *fs)
{
	size_t i;

	for (i = 0; i < fs->nnodes; i++) {
		free(fs->nodes[i]->name);
		free(fs->nodes[i]->data);
		free(fs->nodes[i]);
	}
	free(fs->nodes);
	pthread_mutex_destroy(&fs->lock);
	pthread_mutex_destroy(&fs->qlock);
	pthread_cond_destroy(&fs->qcond);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct dr_opts dopts = { .workers = 4 };
	struct fuse_session *se = NULL;
	struct dr_fs fs;
	unsigned int i;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	memset(&fs, 0, sizeof(fs));
	pthread_mutex_init(&fs.lock, NULL);
	pthread_mutex_init(&fs.qlock, NULL);
	pthread_cond_init(&fs.qcond, NULL);
	if (!dr_new(&fs, NULL, S_IFDIR | 0755))
		goto out_args;

	if (fuse_opt_parse(&args, &dopts, dr_opt_spec, NULL) != 0)
		goto out_args;
	if (dopts.workers < 1 || dopts.workers > DR_MAX_WORKERS) {
		fprintf(stderr, "%s: workers must be 1..%d\n", argv[0], DR_MAX_WORKERS);
		goto out_args;
	}
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help) {
		printf("usage: %s [options] <mountpoint>\n    -o workers=N   reply threads (default 4)\n\n",
		       argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "%s: no mountpoint given\n", argv[0]);
		goto out_args;
	}

	se = fuse_session_new(&args, &dr_ops, sizeof(dr_ops), &fs);
	if (!se)
		goto out_args;
	fs.nworkers = dopts.workers;
	for (i = 0; i < fs.nworkers; i++) {
		if (pthread_create(&fs.workers[i], NULL, dr_worker, &fs) != 0) {
			fprintf(stderr, "%s: cannot start worker %u\n", argv[0], i);
			goto out_session;
		}
		fs.started++;
	}
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;

	/* One reader suffices: with io-uring the ring threads carry the requests, and over
	 * /dev/fuse the workers do the work anyway. */
	ret = fuse_session_loop(se) != 0 ? 1 : 0;
#ifdef HAVE_RINGFUSE_H
	{
		const char *why = NULL;

		fprintf(stderr, "deferred_reply_ll: io_uring %s%s%s\n",
			ringfuse_uring_active(se, &why) ? "active" : "inactive", why ? ": " : "",
			why ? why : "");
	}
#endif

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	/* destroy() joins the workers when the session got INIT; make sure either way. */
	dr_destroy(&fs);
	fuse_session_destroy(se);
out_args:
	dr_free(&fs);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
