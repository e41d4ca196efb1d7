/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the high-level layer remembers between requests: directory listings, auto_cache
 * snapshots and forgotten nodes kept for remember=T.
 *
 * Directory handles. A filesystem's readdir either streams (its filler gets a nonzero offset
 * per entry; we pass the kernel's offset back and fill one reply per call) or lists everything
 * with offset 0 (we keep the whole listing on the handle and serve the kernel slices of it by
 * index). READDIRPLUS enters an entry into the node table only when it fits in the reply the
 * kernel will read, so every lookup count we record is one the kernel holds.
 *
 * auto_cache: on open, the size and mtime last seen for the file decide whether the kernel
 * may keep its page cache (keep_cache). The cleanup thread frees remembered nodes.
 */
#include "highlevel_i.h"
#include "export_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hl_dirent {
	char *name;
	struct stat st;
	bool has_stat;		/* the filler gave attributes */
	bool plus;		/* ... and FUSE_FILL_DIR_PLUS: they are complete */
};

struct hl_dh {
	pthread_mutex_t lock;	/* one readdir at a time per handle */
	struct fuse *f;
	uint64_t fh;		/* the filesystem's own handle */
	uint64_t nodeid;
	/* buffered listing */
	struct hl_dirent *ents;
	size_t nents, cap;
	bool filled;
	bool stream;		/* the filesystem gives offsets: nothing is buffered */
	/* the reply being filled by the current call */
	fuse_req_t req;
	char *buf;
	size_t size, pos;
	bool want_plus;
	int error;
};

static struct hl_dh *get_dh(struct fuse_file_info *fi)
{
	return (struct hl_dh *)(uintptr_t)fi->fh;
}

uint64_t fuse__dir_fs_fh(struct fuse_file_info *fi)
{
	return get_dh(fi)->fh;
}

static void dh_clear(struct hl_dh *dh)
{
	size_t i;

	for (i = 0; i < dh->nents; i++)
		free(dh->ents[i].name);
	free(dh->ents);
	dh->ents = NULL;
	dh->nents = dh->cap = 0;
	dh->filled = false;
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* The st_ino readdir reports: the filesystem's (use_ino), our node id (readdir_ino), or none. */
static void dirent_ino(struct hl_dh *dh, const char *name, struct stat *st)
{
	struct fuse *f = dh->f;
	uint64_t id;

	if (f->conf.use_ino)
		return;
	st->st_ino = HL_UNKNOWN_INO;
	if (f->conf.readdir_ino && fuse__nt_find(&f->nt, dh->nodeid, name, &id) == 0)
		st->st_ino = id;
}

/*
 * Append one entry to the reply. Returns 1 when it does not fit (the caller stops), 0 when
 * added, -errno on failure.
 */
static int add_entry(struct hl_dh *dh, const char *name, const struct stat *st, bool has_stat,
		     bool plus, off_t nextoff)
{
	struct fuse *f = dh->f;
	size_t room = dh->size - dh->pos;
	struct stat stbuf;
	size_t need;

	memset(&stbuf, 0, sizeof(stbuf));
	if (has_stat)
		stbuf = *st;
	else
		stbuf.st_ino = HL_UNKNOWN_INO;
	dirent_ino(dh, name, &stbuf);
	if (!dh->want_plus) {
		need = fuse_add_direntry(dh->req, NULL, 0, name, &stbuf, 0);
		if (need > room)
			return 1;
		(void)fuse_add_direntry(dh->req, dh->buf + dh->pos, room, name, &stbuf, nextoff);
		dh->pos += need;
		return 0;
	}
	{
		struct fuse_entry_param e;
		int err;

		memset(&e, 0, sizeof(e));
		e.attr = stbuf;
		need = fuse_add_direntry_plus(dh->req, NULL, 0, name, &e, 0);
		if (need > room)
			return 1;
		/* a nonzero node id hands the kernel a lookup count: only for real, full entries */
		if (plus && !is_dot_or_dotdot(name)) {
			err = fuse__nt_lookup(&f->nt, dh->nodeid, name, &e.ino, &e.generation);
			if (err)
				return err;
			e.attr = *st;
			fuse__fix_attr(f, e.ino, &e.attr);
			fuse__fill_entry_times(f, &e);
			fuse__update_stat(f, e.ino, &e.attr);
		}
		(void)fuse_add_direntry_plus(dh->req, dh->buf + dh->pos, room, name, &e, nextoff);
		dh->pos += need;
		return 0;
	}
}

static int filler(void *buf, const char *name, const struct stat *st, off_t off,
		  enum fuse_fill_dir_flags flags)
{
	struct hl_dh *dh = buf;
	struct hl_dirent *de;
	int res;

	if (!dh || !name)
		return 1;
	/* an unlinked-but-open file is gone for the user: its hidden name is not listed */
	if (strncmp(name, ".fuse_hidden", 12) == 0 &&
	    fuse__nt_is_hidden(&dh->f->nt, dh->nodeid, name))
		return 0;
	if (off) {
		/* streaming: the entry goes straight into this call's reply */
		if (dh->nents) {
			dh->error = -EIO;	/* the filesystem mixed both styles */
			return 1;
		}
		dh->stream = true;
		res = add_entry(dh, name, st, st != NULL, st && (flags & FUSE_FILL_DIR_PLUS), off);
		if (res < 0) {
			dh->error = res;
			return 1;
		}
		return res;
	}
	if (dh->stream) {
		dh->error = -EIO;
		return 1;
	}
	if (dh->nents == dh->cap) {
		size_t ncap = dh->cap ? dh->cap * 2 : 64;
		struct hl_dirent *n = realloc(dh->ents, ncap * sizeof(*n));

		if (!n) {
			dh->error = -ENOMEM;
			return 1;
		}
		dh->ents = n;
		dh->cap = ncap;
	}
	de = &dh->ents[dh->nents];
	memset(de, 0, sizeof(*de));
	de->name = strdup(name);
	if (!de->name) {
		dh->error = -ENOMEM;
		return 1;
	}
	if (st) {
		de->st = *st;
		de->has_stat = true;
		de->plus = (flags & FUSE_FILL_DIR_PLUS) != 0;
	}
	dh->nents++;
	return 0;
}

/* Serve the buffered listing from index off. */
static int serve_buffered(struct hl_dh *dh, off_t off)
{
	size_t i;
	int res;

	for (i = (size_t)off; i < dh->nents; i++) {
		struct hl_dirent *de = &dh->ents[i];

		res = add_entry(dh, de->name, &de->st, de->has_stat, de->plus, (off_t)(i + 1));
		if (res < 0)
			return dh->pos ? 0 : res;
		if (res)
			break;
	}
	return 0;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *llfi, bool plus)
{
	struct fuse *f = fuse__req_fuse(req);
	struct hl_dh *dh = get_dh(llfi);
	struct fuse_file_info fi;
	char *path;
	int err = 0;

	pthread_mutex_lock(&dh->lock);
	dh->req = req;
	dh->size = size;
	dh->pos = 0;
	dh->want_plus = plus;
	dh->error = 0;
	dh->buf = calloc(1, size ? size : 1);
	if (!dh->buf) {
		err = -ENOMEM;
		goto out;
	}
	if (off == 0 || dh->stream || !dh->filled) {
		dh_clear(dh);
		dh->stream = false;
		fi = *llfi;
		fi.fh = dh->fh;
		err = fuse__get_path_nullok(f, ino, &path);
		if (err)
			goto out;
		err = fuse_fs_readdir(f->fs, path, dh, filler, off, &fi,
				      plus ? FUSE_READDIR_PLUS : 0);
		fuse__put_path_nullok(f, path);
		if (!err)
			err = dh->error;
		if (err)
			goto out;
		if (!dh->stream) {
			dh->filled = true;
			err = serve_buffered(dh, off);
		}
	} else {
		err = serve_buffered(dh, off);
	}
out:
	if (err) {
		fuse__reply_err(req, err);
	} else {
		fuse__reply_done();
		(void)fuse_reply_buf(req, dh->buf, dh->pos);
	}
	free(dh->buf);
	dh->buf = NULL;
	dh->req = NULL;
	pthread_mutex_unlock(&dh->lock);
}

void fuse__ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

void fuse__ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void dh_free(struct hl_dh *dh)
{
	dh_clear(dh);
	(void)pthread_mutex_destroy(&dh->lock);
	free(dh);
}

void fuse__ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *llfi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_file_info fi;
	struct hl_dh *dh;
	char *path;
	int err;

	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		err = -ENOMEM;
		goto out;
	}
	err = -pthread_mutex_init(&dh->lock, NULL);
	if (err)
		goto out_free;
	dh->f = f;
	dh->nodeid = ino;
	fi = *llfi;
	err = fuse__get_path(f, ino, NULL, &path, false);
	if (err)
		goto out_mutex;
	err = fuse_fs_opendir(f->fs, path, &fi);
	fuse__put_path(f, path, NULL);
	if (err)
		goto out_mutex;
	dh->fh = fi.fh;
	llfi->fh = (uintptr_t)dh;
	llfi->keep_cache = fi.keep_cache;
	llfi->cache_readdir = fi.cache_readdir;
	fuse__reply_done();
	if (fuse_reply_open(req, llfi) == -ENOENT) {
		/* the opener is gone: release what the filesystem opened */
		if (fuse__get_path_nullok(f, ino, &path) == 0) {
			(void)fuse_fs_releasedir(f->fs, path, &fi);
			fuse__put_path_nullok(f, path);
		}
		dh_free(dh);
	}
	return;

out_mutex:
	(void)pthread_mutex_destroy(&dh->lock);
out_free:
	free(dh);
out:
	fuse__reply_err(req, err);
}

void fuse__ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *llfi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct hl_dh *dh = get_dh(llfi);
	struct fuse_file_info fi = *llfi;
	char *path;

	fi.fh = dh->fh;
	if (fuse__get_path_nullok(f, ino, &path) == 0) {
		(void)fuse_fs_releasedir(f->fs, path, &fi);
		fuse__put_path_nullok(f, path);
	}
	/* the kernel sends no readdir after releasedir, so nobody else holds dh */
	pthread_mutex_lock(&dh->lock);
	pthread_mutex_unlock(&dh->lock);
	dh_free(dh);
	fuse__reply_err(req, 0);
}

void fuse__ll_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *llfi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_file_info fi = *llfi;
	char *path;
	int err;

	fi.fh = get_dh(llfi)->fh;
	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		err = fuse_fs_fsyncdir(f->fs, path, datasync, &fi);
		fuse__put_path_nullok(f, path);
	}
	fuse__reply_err(req, err);
}

/* auto_cache */

static double ac_timeout(struct fuse *f)
{
	return f->conf.ac_attr_timeout_set ? f->conf.ac_attr_timeout : f->conf.attr_timeout;
}

void fuse__update_stat(struct fuse *f, uint64_t nodeid, const struct stat *st)
{
	struct timespec now;

	if (!f->conf.auto_cache)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	fuse__nt_update_stat(&f->nt, nodeid, st, &now);
}

void fuse__open_auto_cache(struct fuse *f, uint64_t nodeid, const char *path,
			   struct fuse_file_info *fi)
{
	struct timespec now;
	bool need_stat;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (fuse__nt_cache_check(&f->nt, nodeid, &now, ac_timeout(f), &need_stat) && need_stat) {
		struct stat st;

		/* the snapshot is old: look again before trusting the kernel's pages */
		memset(&st, 0, sizeof(st));
		if (fuse_fs_getattr(f->fs, path, &st, fi) == 0)
			fuse__nt_update_stat(&f->nt, nodeid, &st, &now);
		else
			(void)fuse__nt_cache_set(&f->nt, nodeid, false);
	}
	if (fuse__nt_cache_set(&f->nt, nodeid, true))
		fi->keep_cache = 1;
}

/* remember=T: the cleanup thread */

int fuse__cleanup_init(struct fuse *f)
{
	pthread_condattr_t attr;
	int err;

	err = -pthread_mutex_init(&f->cleanup_lock, NULL);
	if (err)
		return err;
	err = -pthread_condattr_init(&attr);
	if (err)
		goto out_mutex;
	err = -pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = -pthread_cond_init(&f->cleanup_cond, &attr);
	(void)pthread_condattr_destroy(&attr);
	if (err)
		goto out_mutex;
	return 0;

out_mutex:
	(void)pthread_mutex_destroy(&f->cleanup_lock);
	return err;
}

void fuse__cleanup_fini(struct fuse *f)
{
	(void)pthread_cond_destroy(&f->cleanup_cond);
	(void)pthread_mutex_destroy(&f->cleanup_lock);
}

FUSE_EXPORT int fuse_clean_cache(struct fuse *f)
{
	struct timespec now;

	if (!f)
		return -EINVAL;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return fuse__nt_clean(&f->nt, &now);
}

static void *cleanup_main(void *arg)
{
	struct fuse *f = arg;
	sigset_t all;

	/* signals belong to the loop threads, which turn them into an orderly exit */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&f->cleanup_lock);
	while (!f->cleanup_stop) {
		struct timespec until;
		int sleep_s;

		pthread_mutex_unlock(&f->cleanup_lock);
		sleep_s = fuse_clean_cache(f);
		pthread_mutex_lock(&f->cleanup_lock);
		if (sleep_s < 1)
			sleep_s = 1;
		(void)clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += sleep_s;
		while (!f->cleanup_stop &&
		       pthread_cond_timedwait(&f->cleanup_cond, &f->cleanup_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&f->cleanup_lock);
	return NULL;
}

FUSE_EXPORT int fuse_start_cleanup_thread(struct fuse *f)
{
	int err = 0;

	if (!f)
		return -1;
	if (f->conf.remember <= 0)
		return 0;
	pthread_mutex_lock(&f->cleanup_lock);
	if (!f->cleanup_running) {
		f->cleanup_stop = false;
		err = pthread_create(&f->cleanup_thread, NULL, cleanup_main, f);
		if (err)
			fuse_log(FUSE_LOG_ERR, "fuse: cannot start cleanup thread: %s\n",
				 strerror(err));
		else
			f->cleanup_running = true;
	}
	pthread_mutex_unlock(&f->cleanup_lock);
	return err ? -1 : 0;
}

FUSE_EXPORT void fuse_stop_cleanup_thread(struct fuse *f)
{
	bool join;

	if (!f)
		return;
	pthread_mutex_lock(&f->cleanup_lock);
	join = f->cleanup_running;
	f->cleanup_stop = true;
	(void)pthread_cond_broadcast(&f->cleanup_cond);
	pthread_mutex_unlock(&f->cleanup_lock);
	if (join) {
		(void)pthread_join(f->cleanup_thread, NULL);
		f->cleanup_running = false;
	}
}
