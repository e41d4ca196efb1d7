/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The low-level operations that carry the high-level API: each kernel request on a node id is
 * turned into a path (path.c), a call through the fuse_fs_* wrappers, node table bookkeeping
 * (node.c) and a fuse_reply_*. Entry and attribute handling (timeouts, use_ino, uid/gid/umask
 * overrides), the per-thread fuse_context, -o intr (signalling the thread that serves an
 * interrupted request) and the operations table given to fuse_session_new live here.
 * Directory listings are in dir.c, extended attributes in xattr.c.
 */
#include "highlevel_i.h"
#include "export_i.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

/*
 * fuse_get_context() is answered from thread-local storage: the API gives it no argument, and
 * each worker thread serves one request at a time.
 */
static __thread struct hl_context hl_ctx;

/* -o intr: the thread serving a request, for the interrupt callback to signal. */
struct hl_intr {
	pthread_mutex_t lock;
	pthread_t thread;
	fuse_req_t req;		/* the request being served, NULL when done */
	int sig;
};
static __thread struct hl_intr hl_intr = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct hl_context *fuse__context(void)
{
	return &hl_ctx;
}

FUSE_EXPORT struct fuse_context *fuse_get_context(void)
{
	return &hl_ctx.ctx;
}

static void intr_callback(fuse_req_t req, void *data)
{
	struct hl_intr *st = data;

	pthread_mutex_lock(&st->lock);
	if (st->req == req)
		(void)pthread_kill(st->thread, st->sig);
	pthread_mutex_unlock(&st->lock);
}

static void intr_begin(struct fuse *f, fuse_req_t req)
{
	pthread_mutex_lock(&hl_intr.lock);
	hl_intr.thread = pthread_self();
	hl_intr.req = req;
	hl_intr.sig = f->conf.intr_signal;
	pthread_mutex_unlock(&hl_intr.lock);
	fuse_req_interrupt_func(req, intr_callback, &hl_intr);
}

static void intr_end(fuse_req_t req)
{
	pthread_mutex_lock(&hl_intr.lock);
	hl_intr.req = NULL;
	pthread_mutex_unlock(&hl_intr.lock);
	fuse_req_interrupt_func(req, NULL, NULL);
}

void fuse__set_context(fuse_req_t req, struct fuse *f)
{
	const struct fuse_ctx *c = req ? fuse_req_ctx(req) : NULL;

	hl_ctx.ctx.fuse = f;
	hl_ctx.ctx.private_data = f->fs->user_data;
	hl_ctx.ctx.uid = c ? c->uid : 0;
	hl_ctx.ctx.gid = c ? c->gid : 0;
	hl_ctx.ctx.pid = c ? c->pid : 0;
	hl_ctx.ctx.umask = c ? c->umask : 0;
	hl_ctx.req = req;
	if (req && f->conf.intr)
		intr_begin(f, req);
}

void fuse__clear_context(void)
{
	struct fuse *f = hl_ctx.ctx.fuse;

	if (hl_ctx.req && f && f->conf.intr)
		intr_end(hl_ctx.req);
	hl_ctx.req = NULL;
}

/* The fuse object of a request, with the thread's context set up for it. */
struct fuse *fuse__req_fuse(fuse_req_t req)
{
	struct fuse *f = fuse_req_userdata(req);

	fuse__set_context(req, f);
	return f;
}

/* Every reply goes through here or fuse__reply_done(), so the context is cleared exactly once. */
void fuse__reply_err(fuse_req_t req, int err)
{
	fuse__clear_context();
	(void)fuse_reply_err(req, err < 0 ? -err : err);
}

void fuse__reply_done(void)
{
	fuse__clear_context();
}

FUSE_EXPORT int fuse_interrupted(void)
{
	return hl_ctx.req ? fuse_req_interrupted(hl_ctx.req) : 0;
}

FUSE_EXPORT int fuse_getgroups(int size, gid_t list[])
{
	if (!hl_ctx.req)
		return -EINVAL;
	return fuse_req_getgroups(hl_ctx.req, size, list);
}

/*
 * Attributes of an open file that was unlinked: its data lives on under a hidden name, but to
 * the user it has one link fewer (usually none), as it would on a local filesystem.
 */
static void fix_hidden_nlink(struct fuse *f, uint64_t nodeid, struct stat *st)
{
	if (!f->conf.hard_remove && st->st_nlink > 0 && fuse__nt_is_hidden_id(&f->nt, nodeid))
		st->st_nlink--;
}

void fuse__fix_attr(struct fuse *f, uint64_t nodeid, struct stat *st)
{
	if (!f->conf.use_ino)
		st->st_ino = nodeid;
#if RINGFUSE_ABI >= 318
	/* 3.17: fmask= and dmask= are umask= for files and for directories, and win over it. */
	if (f->conf.set_mode && f->conf.dmask && S_ISDIR(st->st_mode))
		st->st_mode = (st->st_mode & S_IFMT) | (0777 & ~f->conf.dmask);
	else if (f->conf.set_mode && f->conf.fmask && !S_ISDIR(st->st_mode))
		st->st_mode = (st->st_mode & S_IFMT) | (0777 & ~f->conf.fmask);
	else
#endif
	if (f->conf.set_mode)
		st->st_mode = (st->st_mode & S_IFMT) | (0777 & ~f->conf.umask);
	if (f->conf.set_uid)
		st->st_uid = f->conf.uid;
	if (f->conf.set_gid)
		st->st_gid = f->conf.gid;
}

void fuse__fill_entry_times(struct fuse *f, struct fuse_entry_param *e)
{
	e->entry_timeout = f->conf.entry_timeout;
	e->attr_timeout = f->conf.attr_timeout;
}

/* After a successful create/mknod/...: stat the new name and enter it in the table. */
int fuse__lookup_path(struct fuse *f, uint64_t parent, const char *name, const char *path,
		      struct fuse_entry_param *e, struct fuse_file_info *fi)
{
	int err;

	memset(e, 0, sizeof(*e));
	err = fuse_fs_getattr(f->fs, path, &e->attr, fi);
	if (err)
		return err;
	err = fuse__nt_lookup(&f->nt, parent, name, &e->ino, &e->generation);
	if (err)
		return err;
	fuse__fix_attr(f, e->ino, &e->attr);
	fuse__fill_entry_times(f, e);
	fuse__update_stat(f, e->ino, &e->attr);
	return 0;
}

/* Reply with an entry; if the kernel did not take it, its lookup count never happened. */
static void reply_entry(struct fuse *f, fuse_req_t req, const struct fuse_entry_param *e,
			int err)
{
	if (err) {
		fuse__reply_err(req, err);
		return;
	}
	fuse__reply_done();
	if (fuse_reply_entry(req, e) == -ENOENT && e->ino)
		fuse__nt_forget(&f->nt, e->ino, 1);
}

static bool is_dot(const char *name)
{
	return name[0] == '.' && name[1] == '\0';
}

static bool is_dotdot(const char *name)
{
	return name[0] == '.' && name[1] == '.' && name[2] == '\0';
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_entry_param e;
	char *path;
	int err;

	if (is_dot(name) || is_dotdot(name)) {
		/* NFS export: the node is the directory itself or its parent */
		uint64_t id = parent;

		if (is_dotdot(name)) {
			err = fuse__nt_parent(&f->nt, parent, &id);
			if (err)
				goto out_err;
		}
		err = fuse__get_path(f, id, NULL, &path, false);
		if (err)
			goto out_err;
		memset(&e, 0, sizeof(e));
		err = fuse_fs_getattr(f->fs, path, &e.attr, NULL);
		if (!err)
			err = fuse__nt_ref(&f->nt, id);
		fuse__put_path(f, path, NULL);
		if (!err) {
			e.ino = id;
			fuse__fix_attr(f, id, &e.attr);
			fuse__fill_entry_times(f, &e);
		}
		reply_entry(f, req, &e, err);
		return;
	}
	err = fuse__get_path(f, parent, name, &path, false);
	if (err)
		goto out_err;
	err = fuse__lookup_path(f, parent, name, path, &e, NULL);
	fuse__put_path(f, path, NULL);
	if (err == -ENOENT && f->conf.negative_timeout != 0.0) {
		/* a negative entry the kernel may cache */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = f->conf.negative_timeout;
		err = 0;
	}
	reply_entry(f, req, &e, err);
	return;

out_err:
	fuse__reply_err(req, err);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fuse *f = fuse_req_userdata(req);

	fuse__nt_forget(&f->nt, ino, nlookup);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct fuse *f = fuse_req_userdata(req);
	size_t i;

	for (i = 0; i < count; i++)
		fuse__nt_forget(&f->nt, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static int path_for(struct fuse *f, fuse_ino_t ino, struct fuse_file_info *fi, char **path)
{
	return fi ? fuse__get_path_nullok(f, ino, path) : fuse__get_path(f, ino, NULL, path, false);
}

static void put_path_for(struct fuse *f, struct fuse_file_info *fi, char *path)
{
	if (fi)
		fuse__put_path_nullok(f, path);
	else
		fuse__put_path(f, path, NULL);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct stat st;
	char *path;
	int err;

	memset(&st, 0, sizeof(st));
	err = path_for(f, ino, fi, &path);
	if (err)
		goto out;
	err = fuse_fs_getattr(f->fs, path, &st, fi);
	put_path_for(f, fi, path);
	if (err)
		goto out;
	fuse__fix_attr(f, ino, &st);
	fix_hidden_nlink(f, ino, &st);
	fuse__update_stat(f, ino, &st);
	fuse__reply_done();
	(void)fuse_reply_attr(req, &st, f->conf.attr_timeout);
	return;
out:
	fuse__reply_err(req, err);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct stat st;
	char *path;
	int err;

	err = path_for(f, ino, fi, &path);
	if (err)
		goto out;
	if (valid & FUSE_SET_ATTR_MODE)
		err = fuse_fs_chmod(f->fs, path, attr->st_mode, fi);
	if (!err && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;

		err = fuse_fs_chown(f->fs, path, uid, gid, fi);
	}
	if (!err && (valid & FUSE_SET_ATTR_SIZE))
		err = fuse_fs_truncate(f->fs, path, attr->st_size, fi);
	if (!err && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		struct timespec tv[2];

		tv[0].tv_sec = tv[1].tv_sec = 0;
		tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		err = fuse_fs_utimens(f->fs, path, tv, fi);
	}
	if (!err) {
		memset(&st, 0, sizeof(st));
		err = fuse_fs_getattr(f->fs, path, &st, fi);
	}
	put_path_for(f, fi, path);
	if (err)
		goto out;
	fuse__fix_attr(f, ino, &st);
	fix_hidden_nlink(f, ino, &st);
	fuse__update_stat(f, ino, &st);
	fuse__reply_done();
	(void)fuse_reply_attr(req, &st, f->conf.attr_timeout);
	return;
out:
	fuse__reply_err(req, err);
}

static void ll_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path(f, ino, NULL, &path, false);
	if (!err) {
		err = fuse_fs_access(f->fs, path, mask);
		fuse__put_path(f, path, NULL);
	}
	fuse__reply_err(req, err);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse *f = fuse__req_fuse(req);
	char buf[PATH_MAX + 1];
	char *path;
	int err;

	err = fuse__get_path(f, ino, NULL, &path, false);
	if (!err) {
		err = fuse_fs_readlink(f->fs, path, buf, sizeof(buf));
		fuse__put_path(f, path, NULL);
	}
	if (err) {
		fuse__reply_err(req, err);
		return;
	}
	buf[PATH_MAX] = '\0';
	fuse__reply_done();
	(void)fuse_reply_readlink(req, buf);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_entry_param e;
	char *path;
	int err;

	err = fuse__get_path(f, parent, name, &path, false);
	if (err)
		goto out;
	err = -ENOSYS;
	if (S_ISREG(mode)) {
		/* a filesystem with create() but no mknod() still makes regular files */
		struct fuse_file_info fi;

		memset(&fi, 0, sizeof(fi));
		fi.flags = O_CREAT | O_EXCL | O_WRONLY;
		err = fuse_fs_create(f->fs, path, mode, &fi);
		if (!err) {
			err = fuse__lookup_path(f, parent, name, path, &e, &fi);
			(void)fuse_fs_release(f->fs, path, &fi);
		}
	}
	if (err == -ENOSYS) {
		err = fuse_fs_mknod(f->fs, path, mode, rdev);
		if (!err)
			err = fuse__lookup_path(f, parent, name, path, &e, NULL);
	}
	fuse__put_path(f, path, NULL);
out:
	reply_entry(f, req, &e, err);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_entry_param e;
	char *path;
	int err;

	err = fuse__get_path(f, parent, name, &path, false);
	if (!err) {
		err = fuse_fs_mkdir(f->fs, path, mode);
		if (!err)
			err = fuse__lookup_path(f, parent, name, path, &e, NULL);
		fuse__put_path(f, path, NULL);
	}
	reply_entry(f, req, &e, err);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_entry_param e;
	char *path;
	int err;

	err = fuse__get_path(f, parent, name, &path, false);
	if (!err) {
		err = fuse_fs_symlink(f->fs, link, path);
		if (!err)
			err = fuse__lookup_path(f, parent, name, path, &e, NULL);
		fuse__put_path(f, path, NULL);
	}
	reply_entry(f, req, &e, err);
}

/*
 * The last handle may have been released while unlink was hiding the file (a release needs
 * no path lock with nullpath_ok): then nobody else removes the .fuse_hidden file. Called
 * with the tree lock held, so the path is built without taking it again.
 */
static void unlink_if_closed(struct fuse *f, fuse_ino_t dir, const char *hidden)
{
	uint64_t id = fuse__nt_claim_closed_hidden(&f->nt, dir, hidden);
	char *hpath;

	if (!id)
		return;
	if (fuse__nt_path(&f->nt, dir, hidden, &hpath) == 0) {
		(void)fuse_fs_unlink(f->fs, hpath);
		free(hpath);
	}
	fuse__nt_unname(&f->nt, id, true);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path(f, parent, name, &path, true);
	if (err)
		goto out;
	if (!f->conf.hard_remove && fuse__nt_is_open(&f->nt, parent, name)) {
		char hidden[HL_HIDDEN_NAME_MAX];

		err = fuse__hide_node(f, path, parent, name, hidden, sizeof(hidden));
		if (!err)
			unlink_if_closed(f, parent, hidden);
	} else {
		err = fuse_fs_unlink(f->fs, path);
		if (!err)
			(void)fuse__nt_remove(&f->nt, parent, name);
	}
	fuse__put_path(f, path, NULL);
out:
	fuse__reply_err(req, err);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path(f, parent, name, &path, true);
	if (err)
		goto out;
	err = fuse_fs_rmdir(f->fs, path);
	if (!err)
		(void)fuse__nt_remove(&f->nt, parent, name);
	fuse__put_path(f, path, NULL);
out:
	fuse__reply_err(req, err);
}

static void ll_rename(fuse_req_t req, fuse_ino_t olddir, const char *oldname,
		      fuse_ino_t newdir, const char *newname, unsigned int flags)
{
	struct fuse *f = fuse__req_fuse(req);
	char hidden[HL_HIDDEN_NAME_MAX];
	char *oldpath, *newpath;
	bool hid = false;
	int err;

	err = fuse__get_path2(f, olddir, oldname, newdir, newname, &oldpath, &newpath, true);
	if (err)
		goto out;
	/*
	 * An open file about to be replaced keeps its data under a hidden name. Not for
	 * RENAME_NOREPLACE: there the target must stay and make the rename fail.
	 */
	if (!f->conf.hard_remove && !(flags & (RENAME_EXCHANGE | RENAME_NOREPLACE)) &&
	    fuse__nt_is_open(&f->nt, newdir, newname)) {
		err = fuse__hide_node(f, newpath, newdir, newname, hidden, sizeof(hidden));
		hid = err == 0;
	}
	if (!err) {
		err = fuse_fs_rename(f->fs, oldpath, newpath, flags);
		if (err && hid)
			fuse__unhide_node(f, newpath, newdir, newname, hidden);
	}
	if (!err) {
		if (flags & RENAME_EXCHANGE)
			err = fuse__nt_exchange(&f->nt, olddir, oldname, newdir, newname);
		else
			err = fuse__nt_rename(&f->nt, olddir, oldname, newdir, newname, false);
	}
	fuse__put_path(f, oldpath, newpath);
out:
	fuse__reply_err(req, err);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_entry_param e;
	char *oldpath, *newpath;
	int err;

	err = fuse__get_path2(f, ino, NULL, newparent, newname, &oldpath, &newpath, false);
	if (!err) {
		err = fuse_fs_link(f->fs, oldpath, newpath);
		if (!err)
			err = fuse__lookup_path(f, newparent, newname, newpath, &e, NULL);
		fuse__put_path(f, oldpath, newpath);
	}
	reply_entry(f, req, &e, err);
}

static void open_flags(struct fuse *f, struct fuse_file_info *fi)
{
	if (f->conf.direct_io)
		fi->direct_io = 1;
	if (f->conf.kernel_cache)
		fi->keep_cache = 1;
	if (f->conf.no_rofd_flush && (fi->flags & O_ACCMODE) == O_RDONLY)
		fi->noflush = 1;
#if RINGFUSE_ABI >= 318
	if (fi->direct_io && f->conf.parallel_direct_writes)
		fi->parallel_direct_writes = 1;
#endif
}

/* Drop one open handle; unlink the file if it was the last handle of a hidden one. */
static void close_node(struct fuse *f, fuse_ino_t ino)
{
	char *path;

	if (fuse__nt_close(&f->nt, ino) != 1)
		return;
	if (fuse__get_path(f, ino, NULL, &path, true) == 0) {
		(void)fuse_fs_unlink(f->fs, path);
		fuse__put_path(f, path, NULL);
	}
	fuse__nt_unname(&f->nt, ino, true);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path(f, ino, NULL, &path, false);
	if (err)
		goto out;
	err = fuse_fs_open(f->fs, path, fi);
	if (!err) {
		open_flags(f, fi);
		if (f->conf.auto_cache)
			fuse__open_auto_cache(f, ino, path, fi);
		err = fuse__nt_open(&f->nt, ino);
		if (err)
			(void)fuse_fs_release(f->fs, path, fi);
	}
	fuse__put_path(f, path, NULL);
	if (err)
		goto out;
	fuse__reply_done();
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* the opener went away before the reply: nobody will release this handle */
		if (fuse__get_path_nullok(f, ino, &path) == 0) {
			(void)fuse_fs_release(f->fs, path, fi);
			fuse__put_path_nullok(f, path);
		}
		close_node(f, ino);
	}
	return;
out:
	fuse__reply_err(req, err);
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_entry_param e;
	char *path;
	int err;

	err = fuse__get_path(f, parent, name, &path, false);
	if (err)
		goto out;
	err = fuse_fs_create(f->fs, path, mode, fi);
	if (!err) {
		err = fuse__lookup_path(f, parent, name, path, &e, fi);
		if (!err && e.ino) {
			open_flags(f, fi);
			err = fuse__nt_open(&f->nt, e.ino);
			if (err)
				fuse__nt_forget(&f->nt, e.ino, 1);
		} else if (!err) {
			err = -EIO;
		}
		if (err)
			(void)fuse_fs_release(f->fs, path, fi);
	}
	fuse__put_path(f, path, NULL);
	if (err)
		goto out;
	fuse__reply_done();
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		if (fuse__get_path_nullok(f, e.ino, &path) == 0) {
			(void)fuse_fs_release(f->fs, path, fi);
			fuse__put_path_nullok(f, path);
		}
		close_node(f, e.ino);
		fuse__nt_forget(&f->nt, e.ino, 1);
	}
	return;
out:
	fuse__reply_err(req, err);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_bufvec *bv = NULL;
	char *path;
	int err;

	char *payload;
	size_t payload_sz;

	err = fuse__get_path_nullok(f, ino, &path);
	if (err)
		goto out;
	/*
	 * Over io-uring a plain read() lands straight in the ring entry's payload buffer, which
	 * the reply then finds already filled: no bounce buffer, no copy.
	 */
	if (f->fs->op.read && !f->fs->op.read_buf &&
	    fuse_req_get_payload(req, &payload, &payload_sz, NULL) == 0 && payload_sz >= size) {
		err = fuse_fs_read(f->fs, path, payload, size, off, fi);
		fuse__put_path_nullok(f, path);
		if (err < 0)
			goto out;
		fuse__reply_done();
		(void)fuse_reply_buf(req, payload, (size_t)err);
		return;
	}
	err = fuse_fs_read_buf(f->fs, path, &bv, size, off, fi);
	fuse__put_path_nullok(f, path);
	if (err)
		goto out;
	fuse__reply_done();
	(void)fuse_reply_data(req, bv, FUSE_BUF_SPLICE_MOVE);
	fuse__free_bufvec(bv);
	return;
out:
	fuse__reply_err(req, err);
}

static void ll_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int res;

	res = fuse__get_path_nullok(f, ino, &path);
	if (res)
		goto out;
	res = fuse_fs_write_buf(f->fs, path, bufv, off, fi);
	fuse__put_path_nullok(f, path);
	if (res < 0)
		goto out;
	fuse__reply_done();
	(void)fuse_reply_write(req, (size_t)res);
	return;
out:
	fuse__reply_err(req, res);
}

/* flush, and drop the POSIX locks this owner holds, as close(2) does locally */
static int flush_common(struct fuse *f, fuse_ino_t ino, const char *path,
			struct fuse_file_info *fi)
{
	struct flock lock;
	int err, errlock = -ENOSYS;

	err = fuse_fs_flush(f->fs, path, fi);
	if (f->fs->op.lock) {
		memset(&lock, 0, sizeof(lock));
		lock.l_type = F_UNLCK;
		lock.l_whence = SEEK_SET;
		errlock = fuse_fs_lock(f->fs, path, fi, F_SETLK, &lock);
		(void)fuse__nt_lock_record(&f->nt, ino, fi->lock_owner, &lock);
	}
	if (err == -ENOSYS && errlock != -ENOSYS)
		err = 0;
	return err;
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		err = flush_common(f, ino, path, fi);
		fuse__put_path_nullok(f, path);
	}
	fuse__reply_err(req, err);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		if (fi->flush) {
			err = flush_common(f, ino, path, fi);
			if (err == -ENOSYS)
				err = 0;
		}
		(void)fuse_fs_release(f->fs, path, fi);
		fuse__put_path_nullok(f, path);
	}
	close_node(f, ino);
	fuse__reply_err(req, err);
}

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		err = fuse_fs_fsync(f->fs, path, datasync, fi);
		fuse__put_path_nullok(f, path);
	}
	fuse__reply_err(req, err);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse *f = fuse__req_fuse(req);
	struct statvfs buf;
	char *path = NULL;
	int err;

	memset(&buf, 0, sizeof(buf));
	err = fuse__get_path(f, ino ? ino : HL_ROOT_ID, NULL, &path, false);
	if (!err) {
		err = fuse_fs_statfs(f->fs, path, &buf);
		fuse__put_path(f, path, NULL);
	}
	if (err) {
		fuse__reply_err(req, err);
		return;
	}
	fuse__reply_done();
	(void)fuse_reply_statfs(req, &buf);
}

static void ll_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct flock *lock)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	/*
	 * Every client of the filesystem is this one daemon, so a lock another owner holds
	 * through this mount may be invisible to the filesystem's own F_GETLK: ask our record
	 * first.
	 */
	err = 0;
	if (!fuse__nt_lock_conflict(&f->nt, ino, fi->lock_owner, lock)) {
		err = fuse__get_path_nullok(f, ino, &path);
		if (!err) {
			err = fuse_fs_lock(f->fs, path, fi, F_GETLK, lock);
			fuse__put_path_nullok(f, path);
		}
	}
	if (err) {
		fuse__reply_err(req, err);
		return;
	}
	fuse__reply_done();
	(void)fuse_reply_lock(req, lock);
}

static void ll_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		     struct flock *lock, int sleep)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		err = fuse_fs_lock(f->fs, path, fi, sleep ? F_SETLKW : F_SETLK, lock);
		fuse__put_path_nullok(f, path);
	}
	/* the filesystem granted it: a failure to record it only weakens later GETLK answers */
	if (!err)
		(void)fuse__nt_lock_record(&f->nt, ino, fi->lock_owner, lock);
	fuse__reply_err(req, err);
}

static void ll_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		err = fuse_fs_flock(f->fs, path, fi, op);
		fuse__put_path_nullok(f, path);
	}
	fuse__reply_err(req, err);
}

static void ll_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path(f, ino, NULL, &path, false);
	if (!err) {
		err = fuse_fs_bmap(f->fs, path, blocksize, &idx);
		fuse__put_path(f, path, NULL);
	}
	if (err) {
		fuse__reply_err(req, err);
		return;
	}
	fuse__reply_done();
	(void)fuse_reply_bmap(req, idx);
}

static void ll_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		     struct fuse_file_info *llfi, unsigned int flags, const void *in_buf,
		     size_t in_bufsz, size_t out_bufsz)
{
	struct fuse *f = fuse__req_fuse(req);
	struct fuse_file_info fi = *llfi;
	size_t bufsz = in_bufsz > out_bufsz ? in_bufsz : out_bufsz;
	char *path, *buf = NULL;
	int res;

	/* the path-based API has no way to ask for the retry an unrestricted ioctl needs */
	if (flags & FUSE_IOCTL_UNRESTRICTED) {
		res = -EPERM;
		goto out;
	}
	if (flags & FUSE_IOCTL_DIR)
		fi.fh = fuse__dir_fs_fh(llfi);
	if (bufsz) {
		buf = calloc(1, bufsz);
		if (!buf) {
			res = -ENOMEM;
			goto out;
		}
		if (in_bufsz)
			memcpy(buf, in_buf, in_bufsz);
	}
	res = fuse__get_path_nullok(f, ino, &path);
	if (res)
		goto out;
	res = fuse_fs_ioctl(f->fs, path, cmd, arg, &fi, flags, buf);
	fuse__put_path_nullok(f, path);
	if (res < 0)
		goto out;
	fuse__reply_done();
	(void)fuse_reply_ioctl(req, res, buf, out_bufsz);
	free(buf);
	return;
out:
	fuse__reply_err(req, res);
	free(buf);
}

static void ll_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct fuse *f = fuse__req_fuse(req);
	unsigned int revents = 0;
	bool taken = false;
	char *path;
	int err;

	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		/* A poll() operation owns ph from the call on (it destroys it or keeps it). */
		taken = f->fs->op.poll != NULL;
		err = fuse_fs_poll(f->fs, path, fi, ph, &revents);
		fuse__put_path_nullok(f, path);
	}
	/* Nobody else will: without a poll() operation (or a path) ph leaked (fuzz_uring). */
	if (!taken && ph)
		fuse_pollhandle_destroy(ph);
	if (err) {
		fuse__reply_err(req, err);
		return;
	}
	fuse__reply_done();
	(void)fuse_reply_poll(req, revents);
}

static void ll_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			 struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	int err;

	err = fuse__get_path_nullok(f, ino, &path);
	if (!err) {
		err = fuse_fs_fallocate(f->fs, path, mode, offset, length, fi);
		fuse__put_path_nullok(f, path);
	}
	fuse__reply_err(req, err);
}

static void ll_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			       struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len, int flags)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path_in, *path_out;
	ssize_t res;

	res = fuse__get_path2_nullok(f, ino_in, ino_out, &path_in, &path_out);
	if (res)
		goto out;
	res = fuse_fs_copy_file_range(f->fs, path_in, fi_in, off_in, path_out, fi_out, off_out,
				      len, flags);
	fuse__put_path2_nullok(f, path_in, path_out);
	if (res < 0)
		goto out;
	fuse__reply_done();
	(void)fuse_reply_write(req, (size_t)res);
	return;
out:
	fuse__reply_err(req, (int)res);
}

static void ll_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		     struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	char *path;
	off_t res;

	res = fuse__get_path_nullok(f, ino, &path);
	if (res)
		goto out;
	res = fuse_fs_lseek(f->fs, path, off, whence, fi);
	fuse__put_path_nullok(f, path);
	if (res < 0)
		goto out;
	fuse__reply_done();
	(void)fuse_reply_lseek(req, res);
	return;
out:
	fuse__reply_err(req, (int)res);
}

#if RINGFUSE_ABI >= 318
/*
 * statx (libfuse3.so.4): the filesystem's statx operation, with getattr's corrections
 * (use_ino, uid=, gid=, umask=, hidden files' link count) applied through a struct stat.
 * Without the operation ENOSYS makes the kernel use GETATTR from then on.
 */
static void ll_statx(fuse_req_t req, fuse_ino_t ino, int flags, int mask,
		     struct fuse_file_info *fi)
{
	struct fuse *f = fuse__req_fuse(req);
	struct statx stx;
	struct stat st;
	char *path;
	int err;

	memset(&stx, 0, sizeof(stx));
	err = path_for(f, ino, fi, &path);
	if (err)
		goto out;
	err = fuse_fs_statx(f->fs, path, flags, mask, &stx, fi);
	put_path_for(f, fi, path);
	if (err)
		goto out;
	memset(&st, 0, sizeof(st));
	st.st_ino = stx.stx_ino;
	st.st_mode = stx.stx_mode;
	st.st_uid = stx.stx_uid;
	st.st_gid = stx.stx_gid;
	st.st_nlink = stx.stx_nlink;
	st.st_size = (off_t)stx.stx_size;
	st.st_mtim.tv_sec = stx.stx_mtime.tv_sec;
	st.st_mtim.tv_nsec = stx.stx_mtime.tv_nsec;
	fuse__fix_attr(f, ino, &st);
	fix_hidden_nlink(f, ino, &st);
	if (stx.stx_mask & STATX_MTIME)
		fuse__update_stat(f, ino, &st);
	stx.stx_ino = st.st_ino;
	stx.stx_mode = (uint16_t)st.st_mode;
	stx.stx_uid = st.st_uid;
	stx.stx_gid = st.st_gid;
	stx.stx_nlink = (uint32_t)st.st_nlink;
	fuse__reply_done();
	(void)fuse_reply_statx(req, 0, &stx, f->conf.attr_timeout);
	return;
out:
	fuse__reply_err(req, err);
}
#endif

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fuse *f = userdata;

	fuse__set_context(NULL, f);
	/* "." and ".." lookups are answered from the table, so NFS export works */
	if (conn->capable & FUSE_CAP_EXPORT_SUPPORT)
		conn->want |= FUSE_CAP_EXPORT_SUPPORT;
	fuse_fs_init(f->fs, conn, &f->conf);
	/* nullpath_ok may have been switched on by -o or by the filesystem's init() */
	if (f->conf_nullpath_opt)
		f->conf.nullpath_ok = 1;
	f->fs->debug = f->conf.debug != 0;
}

static void ll_destroy(void *userdata)
{
	struct fuse *f = userdata;

	fuse__set_context(NULL, f);
	fuse_fs_destroy(f->fs);
}

const struct fuse_lowlevel_ops fuse__hl_ops = {
	.init = ll_init,
	.destroy = ll_destroy,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.access = ll_access,
	.readlink = ll_readlink,
	.mknod = ll_mknod,
	.mkdir = ll_mkdir,
	.unlink = ll_unlink,
	.rmdir = ll_rmdir,
	.symlink = ll_symlink,
	.rename = ll_rename,
	.link = ll_link,
	.create = ll_create,
	.open = ll_open,
	.read = ll_read,
	.write_buf = ll_write_buf,
	.flush = ll_flush,
	.release = ll_release,
	.fsync = ll_fsync,
	.opendir = fuse__ll_opendir,
	.readdir = fuse__ll_readdir,
	.readdirplus = fuse__ll_readdirplus,
	.releasedir = fuse__ll_releasedir,
	.fsyncdir = fuse__ll_fsyncdir,
	.statfs = ll_statfs,
	.setxattr = fuse__ll_setxattr,
	.getxattr = fuse__ll_getxattr,
	.listxattr = fuse__ll_listxattr,
	.removexattr = fuse__ll_removexattr,
	.getlk = ll_getlk,
	.setlk = ll_setlk,
	.flock = ll_flock,
	.bmap = ll_bmap,
	.ioctl = ll_ioctl,
	.poll = ll_poll,
	.fallocate = ll_fallocate,
	.copy_file_range = ll_copy_file_range,
	.lseek = ll_lseek,
#if RINGFUSE_ABI >= 318
	.statx = ll_statx,
#endif
};
