/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatcher: one table of every opcode the kernel can send, and for each a decoder that
 * checks the request's lengths against what the opcode needs (fixed argument, names that must
 * end inside the request, data that must fit) before it turns the kernel's structures into
 * the arguments of a fuse_lowlevel_ops handler. It sees a request only through a struct
 * fuse__req_view, so it works the same for /dev/fuse and the io-uring queues and can be fed
 * crafted requests in tests. Missing handlers get libfuse's default answers. A request that
 * does not pass the checks is answered EINVAL (or, for the requests the kernel expects no
 * answer to, dropped), never read out of bounds.
 */
#include "dispatch_i.h"
#include "tsan_i.h"

#include <fcntl.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * A decoder gets the fixed argument (already known to be complete) and the variable part
 * after it, which is everything it may read beyond the fixed argument.
 */
typedef void (*dispatch_fn)(struct fuse_req *req, fuse_ino_t ino, const void *arg,
			    const char *pay, size_t plen);

enum {
	OP_NOREPLY = 1 << 0, /* the kernel waits for no answer: never reply, drop */
	OP_ANY_UID = 1 << 1, /* served to every uid under allow_root (open files, teardown) */
};

struct dispatch_op {
	dispatch_fn fn;
	const char *name;
	size_t fixed;       /* size of the fixed argument at the current protocol */
	unsigned int flags;
};

#define SES(req) ((req)->se)
#define OPS(req) (&(req)->se->op)

/* Debug line for a rejected request; never more than that, the kernel is not our user. */
static void dispatch_reject(struct fuse_req *req, unsigned int flags, int err, const char *why)
{
	if (SES(req)->debug)
		fuse_log(FUSE_LOG_DEBUG, "   unique: %llu, %s (%u) rejected: %s\n",
			 (unsigned long long)req->unique, fuse__opname(req->opcode), req->opcode,
			 why);
	if (flags & OP_NOREPLY)
		req->tp->drop(req);
	else
		(void)fuse_reply_err(req, err);
}

static void dispatch_bad(struct fuse_req *req, const char *why)
{
	dispatch_reject(req, 0, EINVAL, why);
}

/* A NUL-terminated name at the start of [p, p + len); *used gets its size with the NUL. */
static const char *dispatch_name(const char *p, size_t len, size_t *used)
{
	const char *nul;

	if (!len)
		return NULL;
	nul = memchr(p, '\0', len);
	if (!nul)
		return NULL;
	*used = (size_t)(nul - p) + 1;
	return p;
}

static unsigned int dispatch_minor(struct fuse_req *req)
{
	return SES(req)->conn.proto_minor;
}

static void dispatch_no_handler(struct fuse_req *req)
{
	(void)fuse_reply_err(req, ENOSYS);
}

/* ---- inode operations ---- */

static void do_lookup(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (OPS(req)->lookup)
		OPS(req)->lookup(req, ino, name);
	else
		dispatch_no_handler(req);
}

static void do_forget(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	const struct fuse_forget_in *a = arg;

	if (OPS(req)->forget)
		OPS(req)->forget(req, ino, a->nlookup);
	else
		fuse_reply_none(req);
}

static void do_batch_forget(struct fuse_req *req, fuse_ino_t ino, const void *arg,
			    const char *pay, size_t plen)
{
	const struct fuse_batch_forget_in *a = arg;
	const struct fuse_forget_one *one = (const void *)pay;
	struct fuse_session *se = SES(req);
	uint32_t i;

	if ((uint64_t)a->count * sizeof(*one) > plen) {
		dispatch_reject(req, OP_NOREPLY, EINVAL, "forget count exceeds request");
		return;
	}
	if ((uintptr_t)pay % alignof(struct fuse_forget_one)) {
		dispatch_reject(req, OP_NOREPLY, EINVAL, "misaligned forget list");
		return;
	}
	_Static_assert(sizeof(struct fuse_forget_one) == sizeof(struct fuse_forget_data),
		       "kernel and library forget records coincide");

	if (se->op.forget_multi) {
		/* Same layout; the handler may not keep the array past its reply. */
		se->op.forget_multi(req, a->count, (struct fuse_forget_data *)(uintptr_t)one);
		return;
	}
	if (se->op.forget) {
		/*
		 * forget() wants one request per inode and may complete it later, from another
		 * thread: each gets its own heap request that completes into nothing.
		 */
		for (i = 0; i < a->count; i++) {
			struct fuse_req *d = fuse__req_standin(req, FUSE_FORGET);

			if (!d) {
				fuse_log(FUSE_LOG_ERR, "fuse: out of memory in batch forget\n");
				break;
			}
			se->op.forget(d, one[i].nodeid, one[i].nlookup);
		}
	}
	fuse_reply_none(req);
}

static void do_getattr(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	const struct fuse_getattr_in *a = arg;
	struct fuse_file_info fi, *fip = NULL;

	if (dispatch_minor(req) >= 9 && (a->getattr_flags & FUSE_GETATTR_FH)) {
		memset(&fi, 0, sizeof(fi));
		fi.fh = a->fh;
		fip = &fi;
	}
	if (OPS(req)->getattr)
		OPS(req)->getattr(req, ino, fip);
	else
		dispatch_no_handler(req);
}

static void do_setattr(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	static const struct {
		uint32_t fattr;
		int set;
	} map[] = {
		{ FATTR_MODE, FUSE_SET_ATTR_MODE },
		{ FATTR_UID, FUSE_SET_ATTR_UID },
		{ FATTR_GID, FUSE_SET_ATTR_GID },
		{ FATTR_SIZE, FUSE_SET_ATTR_SIZE },
		{ FATTR_ATIME, FUSE_SET_ATTR_ATIME },
		{ FATTR_MTIME, FUSE_SET_ATTR_MTIME },
		{ FATTR_ATIME_NOW, FUSE_SET_ATTR_ATIME_NOW },
		{ FATTR_MTIME_NOW, FUSE_SET_ATTR_MTIME_NOW },
		{ FATTR_CTIME, FUSE_SET_ATTR_CTIME },
		/* The kernel asks to drop both set-id bits in one flag (killpriv v2). */
		{ FATTR_KILL_SUIDGID, FUSE_SET_ATTR_KILL_SUID | FUSE_SET_ATTR_KILL_SGID },
	};
	const struct fuse_setattr_in *a = arg;
	struct fuse_file_info fi, *fip = NULL;
	struct stat st;
	int to_set = 0;
	size_t i;

	memset(&st, 0, sizeof(st));
	st.st_mode = a->mode;
	st.st_uid = a->uid;
	st.st_gid = a->gid;
	st.st_size = (off_t)a->size;
	st.st_atim.tv_sec = (time_t)a->atime;
	st.st_atim.tv_nsec = a->atimensec;
	st.st_mtim.tv_sec = (time_t)a->mtime;
	st.st_mtim.tv_nsec = a->mtimensec;
	st.st_ctim.tv_sec = (time_t)a->ctime;
	st.st_ctim.tv_nsec = a->ctimensec;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (a->valid & map[i].fattr)
			to_set |= map[i].set;
	if (a->valid & FATTR_FH) {
		memset(&fi, 0, sizeof(fi));
		fi.fh = a->fh;
		fip = &fi;
	}
	if (OPS(req)->setattr)
		OPS(req)->setattr(req, ino, &st, to_set, fip);
	else
		dispatch_no_handler(req);
}

static void do_readlink(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
			size_t plen)
{
	if (OPS(req)->readlink)
		OPS(req)->readlink(req, ino);
	else
		dispatch_no_handler(req);
}

static void do_symlink(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	size_t u1, u2;
	const char *name = dispatch_name(pay, plen, &u1);
	const char *link = name ? dispatch_name(pay + u1, plen - u1, &u2) : NULL;

	if (!link) {
		dispatch_bad(req, "names not terminated");
		return;
	}
	if (OPS(req)->symlink)
		OPS(req)->symlink(req, link, ino, name);
	else
		dispatch_no_handler(req);
}

static void do_mknod(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_mknod_in *a = arg;
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (dispatch_minor(req) >= 12)
		req->ctx.umask = a->umask;
	if (OPS(req)->mknod)
		OPS(req)->mknod(req, ino, name, a->mode, a->rdev);
	else
		dispatch_no_handler(req);
}

static void do_mkdir(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_mkdir_in *a = arg;
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (dispatch_minor(req) >= 12)
		req->ctx.umask = a->umask;
	if (OPS(req)->mkdir)
		OPS(req)->mkdir(req, ino, name, a->mode);
	else
		dispatch_no_handler(req);
}

static void do_unlink(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (OPS(req)->unlink)
		OPS(req)->unlink(req, ino, name);
	else
		dispatch_no_handler(req);
}

static void do_rmdir(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (OPS(req)->rmdir)
		OPS(req)->rmdir(req, ino, name);
	else
		dispatch_no_handler(req);
}

static void dispatch_rename(struct fuse_req *req, fuse_ino_t ino, uint64_t newdir,
			    unsigned int flags, const char *pay, size_t plen)
{
	size_t u1, u2;
	const char *name = dispatch_name(pay, plen, &u1);
	const char *newname = name ? dispatch_name(pay + u1, plen - u1, &u2) : NULL;

	if (!newname) {
		dispatch_bad(req, "names not terminated");
		return;
	}
	if (OPS(req)->rename)
		OPS(req)->rename(req, ino, name, newdir, newname, flags);
	else
		dispatch_no_handler(req);
}

static void do_rename(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	const struct fuse_rename_in *a = arg;

	dispatch_rename(req, ino, a->newdir, 0, pay, plen);
}

static void do_rename2(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	const struct fuse_rename2_in *a = arg;

	dispatch_rename(req, ino, a->newdir, a->flags, pay, plen);
}

static void do_link(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		    size_t plen)
{
	const struct fuse_link_in *a = arg;
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (OPS(req)->link)
		OPS(req)->link(req, a->oldnodeid, ino, name);
	else
		dispatch_no_handler(req);
}

static void do_access(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	const struct fuse_access_in *a = arg;

	if (OPS(req)->access)
		OPS(req)->access(req, ino, (int)a->mask);
	else
		dispatch_no_handler(req);
}

static void do_statfs(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	struct statvfs sv;

	if (OPS(req)->statfs) {
		OPS(req)->statfs(req, ino);
		return;
	}
	/* libfuse's answer for a filesystem without statfs: empty, with sane name/block sizes. */
	memset(&sv, 0, sizeof(sv));
	sv.f_namemax = 255;
	sv.f_bsize = 512;
	(void)fuse_reply_statfs(req, &sv);
}

/* ---- xattrs ---- */

static void do_setxattr(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
			size_t plen)
{
	const struct fuse_setxattr_in *a = arg;
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (a->size > plen - used) {
		dispatch_bad(req, "xattr value exceeds request");
		return;
	}
	if (OPS(req)->setxattr)
		OPS(req)->setxattr(req, ino, name, pay + used, a->size, (int)a->flags);
	else
		dispatch_no_handler(req);
}

static void do_getxattr(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
			size_t plen)
{
	const struct fuse_getxattr_in *a = arg;
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (OPS(req)->getxattr)
		OPS(req)->getxattr(req, ino, name, a->size);
	else
		dispatch_no_handler(req);
}

static void do_listxattr(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
			 size_t plen)
{
	const struct fuse_getxattr_in *a = arg;

	if (OPS(req)->listxattr)
		OPS(req)->listxattr(req, ino, a->size);
	else
		dispatch_no_handler(req);
}

static void do_removexattr(struct fuse_req *req, fuse_ino_t ino, const void *arg,
			   const char *pay, size_t plen)
{
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	if (OPS(req)->removexattr)
		OPS(req)->removexattr(req, ino, name);
	else
		dispatch_no_handler(req);
}

/* ---- open files ---- */

static void dispatch_open_default(struct fuse_req *req, struct fuse_file_info *fi,
				  uint32_t no_support_cap)
{
	/* A filesystem that asked the kernel to skip opens does not answer them either. */
	if (SES(req)->conn.want & no_support_cap)
		(void)fuse_reply_err(req, ENOSYS);
	else
		(void)fuse_reply_open(req, fi);
}

static void do_open(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		    size_t plen)
{
	const struct fuse_open_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.flags = (int)a->flags;
	if (OPS(req)->open)
		OPS(req)->open(req, ino, &fi);
	else
		dispatch_open_default(req, &fi, FUSE_CAP_NO_OPEN_SUPPORT);
}

static void do_create(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	const struct fuse_create_in *a = arg;
	struct fuse_file_info fi;
	size_t used;
	const char *name = dispatch_name(pay, plen, &used);
	mode_t mode = 0;

	if (!name) {
		dispatch_bad(req, "name not terminated");
		return;
	}
	memset(&fi, 0, sizeof(fi));
	fi.flags = (int)a->flags;
	/* Before 7.12 the argument was a fuse_open_in: no mode travelled at all. */
	if (dispatch_minor(req) >= 12) {
		mode = a->mode;
		req->ctx.umask = a->umask;
	}
	if (OPS(req)->create)
		OPS(req)->create(req, ino, name, mode, &fi);
	else
		dispatch_no_handler(req);
}

static void do_read(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		    size_t plen)
{
	const struct fuse_read_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	if (dispatch_minor(req) >= 9) {
		if (a->read_flags & FUSE_READ_LOCKOWNER)
			fi.lock_owner = a->lock_owner;
		fi.flags = (int)a->flags;
	}
	if (OPS(req)->read)
		OPS(req)->read(req, ino, a->size, (off_t)a->offset, &fi);
	else
		dispatch_no_handler(req);
}

static void do_write(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_write_in *a = arg;
	struct fuse_file_info fi;

	if (a->size > plen) {
		dispatch_bad(req, "write data exceeds request");
		return;
	}
	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	fi.writepage = (a->write_flags & FUSE_WRITE_CACHE) != 0;
	if (dispatch_minor(req) >= 9) {
		if (a->write_flags & FUSE_WRITE_LOCKOWNER)
			fi.lock_owner = a->lock_owner;
		fi.flags = (int)a->flags;
	}
	if (OPS(req)->write_buf) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(a->size);

		bv.buf[0].mem = (void *)(uintptr_t)pay;
		OPS(req)->write_buf(req, ino, &bv, (off_t)a->offset, &fi);
	} else if (OPS(req)->write) {
		OPS(req)->write(req, ino, pay, a->size, (off_t)a->offset, &fi);
	} else {
		dispatch_no_handler(req);
	}
}

static void do_flush(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_flush_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	fi.flush = 1;
	fi.lock_owner = a->lock_owner;
	if (OPS(req)->flush)
		OPS(req)->flush(req, ino, &fi);
	else
		dispatch_no_handler(req);
}

static void dispatch_release_fi(const struct fuse_release_in *a, struct fuse_file_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->flags = (int)a->flags;
	fi->fh = a->fh;
	fi->flush = (a->release_flags & FUSE_RELEASE_FLUSH) != 0;
	fi->lock_owner = a->lock_owner;
	fi->flock_release = (a->release_flags & FUSE_RELEASE_FLOCK_UNLOCK) != 0;
}

static void do_release(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	struct fuse_file_info fi;

	dispatch_release_fi(arg, &fi);
	if (OPS(req)->release)
		OPS(req)->release(req, ino, &fi);
	else
		(void)fuse_reply_err(req, 0);
}

static void do_fsync(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_fsync_in *a = arg;
	struct fuse_file_info fi;
	int datasync = (a->fsync_flags & FUSE_FSYNC_FDATASYNC) != 0;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	if (req->opcode == FUSE_FSYNCDIR) {
		if (OPS(req)->fsyncdir) {
			OPS(req)->fsyncdir(req, ino, datasync, &fi);
			return;
		}
	} else if (OPS(req)->fsync) {
		OPS(req)->fsync(req, ino, datasync, &fi);
		return;
	}
	dispatch_no_handler(req);
}

static void do_opendir(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	const struct fuse_open_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.flags = (int)a->flags;
	if (OPS(req)->opendir)
		OPS(req)->opendir(req, ino, &fi);
	else
		dispatch_open_default(req, &fi, FUSE_CAP_NO_OPENDIR_SUPPORT);
}

static void do_readdir(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	const struct fuse_read_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	if (req->opcode == FUSE_READDIRPLUS) {
		if (OPS(req)->readdirplus) {
			OPS(req)->readdirplus(req, ino, a->size, (off_t)a->offset, &fi);
			return;
		}
	} else if (OPS(req)->readdir) {
		OPS(req)->readdir(req, ino, a->size, (off_t)a->offset, &fi);
		return;
	}
	dispatch_no_handler(req);
}

static void do_releasedir(struct fuse_req *req, fuse_ino_t ino, const void *arg,
			  const char *pay, size_t plen)
{
	struct fuse_file_info fi;

	dispatch_release_fi(arg, &fi);
	if (OPS(req)->releasedir)
		OPS(req)->releasedir(req, ino, &fi);
	else
		(void)fuse_reply_err(req, 0);
}

/* ---- locks ---- */

static void dispatch_flock(const struct fuse_file_lock *fl, struct flock *out)
{
	memset(out, 0, sizeof(*out));
	out->l_type = (short)fl->type;
	out->l_whence = SEEK_SET;
	out->l_start = (off_t)fl->start;
	/* The kernel's "to the end" is OFFSET_MAX; fcntl's is a length of 0. */
	if (fl->end == (uint64_t)INT64_MAX)
		out->l_len = 0;
	else
		out->l_len = (off_t)(fl->end - fl->start + 1);
	out->l_pid = (pid_t)fl->pid;
}

static void do_getlk(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_lk_in *a = arg;
	struct fuse_file_info fi;
	struct flock fl;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	fi.lock_owner = a->owner;
	dispatch_flock(&a->lk, &fl);
	if (OPS(req)->getlk)
		OPS(req)->getlk(req, ino, &fi, &fl);
	else
		dispatch_no_handler(req);
}

static void do_setlk(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_lk_in *a = arg;
	struct fuse_file_info fi;
	struct flock fl;
	int sleep = req->opcode == FUSE_SETLKW;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	fi.lock_owner = a->owner;
	if (a->lk_flags & FUSE_LK_FLOCK) {
		int op;

		switch (a->lk.type) {
		case F_RDLCK:
			op = LOCK_SH;
			break;
		case F_WRLCK:
			op = LOCK_EX;
			break;
		case F_UNLCK:
			op = LOCK_UN;
			break;
		default:
			dispatch_bad(req, "bad flock type");
			return;
		}
		if (!sleep)
			op |= LOCK_NB;
		if (OPS(req)->flock)
			OPS(req)->flock(req, ino, &fi, op);
		else
			dispatch_no_handler(req);
		return;
	}
	dispatch_flock(&a->lk, &fl);
	if (OPS(req)->setlk)
		OPS(req)->setlk(req, ino, &fi, &fl, sleep);
	else
		dispatch_no_handler(req);
}

/* ---- session-level requests ---- */

static void do_interrupt(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
			 size_t plen)
{
	const struct fuse_interrupt_in *a = arg;
	struct fuse_session *se = SES(req);
	struct fuse_req *target;

	if (se->no_interrupt) {
		/* The kernel stops sending interrupts for good after one ENOSYS. */
		(void)fuse_reply_err(req, ENOSYS);
		return;
	}
	target = fuse__transports_find_req(se, a->unique);
	if (!target) {
		/*
		 * Either the request was answered already (the kernel then discards this reply)
		 * or the INTERRUPT overtook it on another reader: EAGAIN makes the kernel queue
		 * the interrupt again, by which time the request is known.
		 */
		(void)fuse_reply_err(req, EAGAIN);
		return;
	}
	/*
	 * The callback runs under the target's lock, so that once fuse_req_interrupt_func(req,
	 * NULL, NULL) returns the handler knows the callback is not running and will not run.
	 * The reference we hold keeps the target alive even if it is answered meanwhile.
	 */
	pthread_mutex_lock(&target->lock);
	__atomic_store_n(&target->intr.interrupted, true, __ATOMIC_RELEASE);
	if (target->intr.func)
		target->intr.func(target, target->intr.data);
	pthread_mutex_unlock(&target->lock);
	fuse__req_put(target);
	req->tp->drop(req);
}

static void do_bmap(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		    size_t plen)
{
	const struct fuse_bmap_in *a = arg;

	if (OPS(req)->bmap)
		OPS(req)->bmap(req, ino, a->blocksize, a->block);
	else
		dispatch_no_handler(req);
}

static void do_destroy(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	struct fuse_session *se = SES(req);

	/* After DESTROY nothing but a new INIT makes sense (libfuse: got_init back to 0). */
	atomic_store(&se->got_init, false);
	if (!atomic_exchange(&se->got_destroy, true) && se->op.destroy)
		se->op.destroy(se->userdata);
	(void)fuse_reply_err(req, 0);
}

static void do_ioctl(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_ioctl_in *a = arg;
	struct fuse_file_info fi;

	if (a->in_size > plen) {
		dispatch_bad(req, "ioctl input exceeds request");
		return;
	}
	if ((a->flags & FUSE_IOCTL_DIR) && !(SES(req)->conn.want & FUSE_CAP_IOCTL_DIR)) {
		(void)fuse_reply_err(req, ENOTTY);
		return;
	}
	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	if (OPS(req)->ioctl)
		OPS(req)->ioctl(req, ino, a->cmd, (void *)(uintptr_t)a->arg, &fi, a->flags,
				a->in_size ? pay : NULL, a->in_size, a->out_size);
	else
		dispatch_no_handler(req);
}

static void do_poll(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		    size_t plen)
{
	const struct fuse_poll_in *a = arg;
	struct fuse_pollhandle *ph = NULL;
	struct fuse_file_info fi;

	if (!OPS(req)->poll) {
		dispatch_no_handler(req);
		return;
	}
	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	fi.poll_events = a->events;
	if (a->flags & FUSE_POLL_SCHEDULE_NOTIFY) {
		ph = malloc(sizeof(*ph));
		if (!ph) {
			(void)fuse_reply_err(req, ENOMEM);
			return;
		}
		ph->kh = a->kh;
		ph->se = SES(req);
	}
	OPS(req)->poll(req, ino, &fi, ph);
}

static void do_notify_reply(struct fuse_req *req, fuse_ino_t ino, const void *arg,
			    const char *pay, size_t plen)
{
	/* Never reached: NOTIFY_REPLY decodes its own view (notify.c). */
	fuse_reply_none(req);
}

static void do_fallocate(struct fuse_req *req, fuse_ino_t ino, const void *arg,
			 const char *pay, size_t plen)
{
	const struct fuse_fallocate_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	if (OPS(req)->fallocate)
		OPS(req)->fallocate(req, ino, (int)a->mode, (off_t)a->offset, (off_t)a->length,
				    &fi);
	else
		dispatch_no_handler(req);
}

static void do_lseek(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse_lseek_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.fh = a->fh;
	if (OPS(req)->lseek)
		OPS(req)->lseek(req, ino, (off_t)a->offset, (int)a->whence, &fi);
	else
		dispatch_no_handler(req);
}

static void do_copy_file_range(struct fuse_req *req, fuse_ino_t ino, const void *arg,
			       const char *pay, size_t plen)
{
	const struct fuse_copy_file_range_in *a = arg;
	struct fuse_file_info fi_in, fi_out;

	memset(&fi_in, 0, sizeof(fi_in));
	memset(&fi_out, 0, sizeof(fi_out));
	fi_in.fh = a->fh_in;
	fi_out.fh = a->fh_out;
	if (OPS(req)->copy_file_range)
		OPS(req)->copy_file_range(req, ino, (off_t)a->off_in, &fi_in, a->nodeid_out,
					  (off_t)a->off_out, &fi_out, a->len, (int)a->flags);
	else
		dispatch_no_handler(req);
}

#if RINGFUSE_ABI >= 318
/* libfuse 3.17+ (libfuse3.so.4): open(2) with O_TMPFILE; the argument is CREATE's, no name. */
static void do_tmpfile(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		       size_t plen)
{
	const struct fuse_create_in *a = arg;
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.flags = (int)a->flags;
	req->ctx.umask = a->umask;
	if (OPS(req)->tmpfile)
		OPS(req)->tmpfile(req, ino, a->mode, &fi);
	else
		dispatch_no_handler(req);
}

/* libfuse 3.18: statx(2) (protocol 7.39); without a handler ENOSYS makes the kernel use GETATTR. */
static void do_statx(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		     size_t plen)
{
	const struct fuse__statx_in *a = arg;
	struct fuse_file_info fi, *fip = NULL;

	if (a->getattr_flags & FUSE_GETATTR_FH) {
		memset(&fi, 0, sizeof(fi));
		fi.fh = a->fh;
		fip = &fi;
	}
	if (OPS(req)->statx)
		OPS(req)->statx(req, ino, (int)a->sx_flags, (int)a->sx_mask, fip);
	else
		dispatch_no_handler(req);
}
#endif

/*
 * Opcodes libfuse 3.14 has no handler for: ENOSYS tells the kernel to stop asking (SYNCFS,
 * TMPFILE) or to fall back (COPY_FILE_RANGE_64 to COPY_FILE_RANGE, STATX to GETATTR).
 */
static void do_enosys(struct fuse_req *req, fuse_ino_t ino, const void *arg, const char *pay,
		      size_t plen)
{
	dispatch_no_handler(req);
}

/*
 * Every opcode the kernel sends. fixed: the size of the fixed argument at the newest
 * protocol; dispatch_fixed() corrects it where older protocols or negotiated options use a
 * shorter one. INIT, CUSE_INIT and NOTIFY_REPLY check their own views.
 */
static const struct dispatch_op dispatch_ops[] = {
	[FUSE_LOOKUP] = { do_lookup, "LOOKUP", 0, 0 },
	[FUSE_FORGET] = { do_forget, "FORGET", sizeof(struct fuse_forget_in),
			  OP_NOREPLY | OP_ANY_UID },
	[FUSE_GETATTR] = { do_getattr, "GETATTR", sizeof(struct fuse_getattr_in), 0 },
	[FUSE_SETATTR] = { do_setattr, "SETATTR", sizeof(struct fuse_setattr_in), 0 },
	[FUSE_READLINK] = { do_readlink, "READLINK", 0, 0 },
	[FUSE_SYMLINK] = { do_symlink, "SYMLINK", 0, 0 },
	[FUSE_MKNOD] = { do_mknod, "MKNOD", sizeof(struct fuse_mknod_in), 0 },
	[FUSE_MKDIR] = { do_mkdir, "MKDIR", sizeof(struct fuse_mkdir_in), 0 },
	[FUSE_UNLINK] = { do_unlink, "UNLINK", 0, 0 },
	[FUSE_RMDIR] = { do_rmdir, "RMDIR", 0, 0 },
	[FUSE_RENAME] = { do_rename, "RENAME", sizeof(struct fuse_rename_in), 0 },
	[FUSE_LINK] = { do_link, "LINK", sizeof(struct fuse_link_in), 0 },
	[FUSE_OPEN] = { do_open, "OPEN", sizeof(struct fuse_open_in), 0 },
	[FUSE_READ] = { do_read, "READ", sizeof(struct fuse_read_in), OP_ANY_UID },
	[FUSE_WRITE] = { do_write, "WRITE", sizeof(struct fuse_write_in), OP_ANY_UID },
	[FUSE_STATFS] = { do_statfs, "STATFS", 0, 0 },
	[FUSE_RELEASE] = { do_release, "RELEASE", sizeof(struct fuse_release_in), OP_ANY_UID },
	[FUSE_FSYNC] = { do_fsync, "FSYNC", sizeof(struct fuse_fsync_in), OP_ANY_UID },
	[FUSE_SETXATTR] = { do_setxattr, "SETXATTR", sizeof(struct fuse_setxattr_in), 0 },
	[FUSE_GETXATTR] = { do_getxattr, "GETXATTR", sizeof(struct fuse_getxattr_in), 0 },
	[FUSE_LISTXATTR] = { do_listxattr, "LISTXATTR", sizeof(struct fuse_getxattr_in), 0 },
	[FUSE_REMOVEXATTR] = { do_removexattr, "REMOVEXATTR", 0, 0 },
	[FUSE_FLUSH] = { do_flush, "FLUSH", sizeof(struct fuse_flush_in), OP_ANY_UID },
	[FUSE_INIT] = { NULL, "INIT", 0, OP_ANY_UID },
	[FUSE_OPENDIR] = { do_opendir, "OPENDIR", sizeof(struct fuse_open_in), 0 },
	[FUSE_READDIR] = { do_readdir, "READDIR", sizeof(struct fuse_read_in), OP_ANY_UID },
	[FUSE_RELEASEDIR] = { do_releasedir, "RELEASEDIR", sizeof(struct fuse_release_in),
			      OP_ANY_UID },
	[FUSE_FSYNCDIR] = { do_fsync, "FSYNCDIR", sizeof(struct fuse_fsync_in), OP_ANY_UID },
	[FUSE_GETLK] = { do_getlk, "GETLK", sizeof(struct fuse_lk_in), OP_ANY_UID },
	[FUSE_SETLK] = { do_setlk, "SETLK", sizeof(struct fuse_lk_in), OP_ANY_UID },
	[FUSE_SETLKW] = { do_setlk, "SETLKW", sizeof(struct fuse_lk_in), OP_ANY_UID },
	[FUSE_ACCESS] = { do_access, "ACCESS", sizeof(struct fuse_access_in), 0 },
	[FUSE_CREATE] = { do_create, "CREATE", sizeof(struct fuse_create_in), 0 },
	[FUSE_INTERRUPT] = { do_interrupt, "INTERRUPT", sizeof(struct fuse_interrupt_in),
			     OP_NOREPLY | OP_ANY_UID },
	[FUSE_BMAP] = { do_bmap, "BMAP", sizeof(struct fuse_bmap_in), 0 },
	[FUSE_DESTROY] = { do_destroy, "DESTROY", 0, OP_ANY_UID },
	[FUSE_IOCTL] = { do_ioctl, "IOCTL", sizeof(struct fuse_ioctl_in), 0 },
	[FUSE_POLL] = { do_poll, "POLL", sizeof(struct fuse_poll_in), 0 },
	[FUSE_NOTIFY_REPLY] = { do_notify_reply, "NOTIFY_REPLY", 0, OP_NOREPLY | OP_ANY_UID },
	[FUSE_BATCH_FORGET] = { do_batch_forget, "BATCH_FORGET",
				sizeof(struct fuse_batch_forget_in), OP_NOREPLY | OP_ANY_UID },
	[FUSE_FALLOCATE] = { do_fallocate, "FALLOCATE", sizeof(struct fuse_fallocate_in), 0 },
	[FUSE_READDIRPLUS] = { do_readdir, "READDIRPLUS", sizeof(struct fuse_read_in),
			       OP_ANY_UID },
	[FUSE_RENAME2] = { do_rename2, "RENAME2", sizeof(struct fuse_rename2_in), 0 },
	[FUSE_LSEEK] = { do_lseek, "LSEEK", sizeof(struct fuse_lseek_in), 0 },
	[FUSE_COPY_FILE_RANGE] = { do_copy_file_range, "COPY_FILE_RANGE",
				   sizeof(struct fuse_copy_file_range_in), 0 },
	[FUSE_SETUPMAPPING] = { do_enosys, "SETUPMAPPING", 0, 0 },
	[FUSE_REMOVEMAPPING] = { do_enosys, "REMOVEMAPPING", 0, 0 },
	[FUSE_SYNCFS] = { do_enosys, "SYNCFS", 0, 0 },
#if RINGFUSE_ABI >= 318
	[FUSE_TMPFILE] = { do_tmpfile, "TMPFILE", sizeof(struct fuse_create_in), 0 },
	[FUSE__OP_STATX] = { do_statx, "STATX", sizeof(struct fuse__statx_in), 0 },
#else
	[FUSE_TMPFILE] = { do_enosys, "TMPFILE", 0, 0 },
	[FUSE__OP_STATX] = { do_enosys, "STATX", 0, 0 },
#endif
	[FUSE__OP_COPY_FILE_RANGE_64] = { do_enosys, "COPY_FILE_RANGE_64", 0, 0 },
};

#define DISPATCH_NOPS (sizeof(dispatch_ops) / sizeof(dispatch_ops[0]))

static const struct dispatch_op dispatch_cuse_init = { NULL, "CUSE_INIT", 0, OP_ANY_UID };

static const struct dispatch_op *dispatch_op(uint32_t opcode)
{
	if (opcode == FUSE__OP_CUSE_INIT)
		return &dispatch_cuse_init;
	if (opcode < DISPATCH_NOPS && dispatch_ops[opcode].name)
		return &dispatch_ops[opcode];
	return NULL;
}

const char *fuse__opname(uint32_t opcode)
{
	const struct dispatch_op *op = dispatch_op(opcode);

	return op ? op->name : "UNKNOWN";
}

bool fuse__op_noreply(uint32_t opcode)
{
	const struct dispatch_op *op = dispatch_op(opcode);

	return op && (op->flags & OP_NOREPLY);
}

/* The fixed argument's size for this session's protocol and options. */
static size_t dispatch_fixed(struct fuse_session *se, uint32_t opcode, size_t fixed)
{
	unsigned int minor = se->conn.proto_minor;

	switch (opcode) {
	case FUSE_GETATTR:
		return minor < 9 ? 0 : fixed;
	case FUSE_READ:
		/* 7.9 appended lock_owner and flags. */
		return minor < 9 ? offsetof(struct fuse_read_in, lock_owner) : fixed;
	case FUSE_WRITE:
		return minor < 9 ? FUSE_COMPAT_WRITE_IN_SIZE : fixed;
	case FUSE_MKNOD:
		return minor < 12 ? FUSE_COMPAT_MKNOD_IN_SIZE : fixed;
	case FUSE_CREATE:
		return minor < 12 ? sizeof(struct fuse_open_in) : fixed;
	case FUSE_SETXATTR:
		/* The kernel sends the long form only once we answered INIT with SETXATTR_EXT. */
		return (se->conn.want & FUSE_CAP_SETXATTR_EXT) ? fixed :
								  FUSE_COMPAT_SETXATTR_IN_SIZE;
	default:
		return fixed;
	}
}

static bool dispatch_allowed_uid(struct fuse_session *se, const struct fuse_in_header *in,
				 const struct dispatch_op *op)
{
	if (!se->deny_others || in->uid == se->owner || in->uid == 0)
		return true;
	return op && (op->flags & OP_ANY_UID);
}

void fuse__dispatch_request(struct fuse_req *req, const struct fuse__req_view *v)
{
	struct fuse_session *se = req->se;
	const struct fuse_in_header *in = v->in;
	const struct dispatch_op *op;
	unsigned int flags;
	const void *arg;
	const void *pay;
	size_t plen;
	uint32_t expected;

	req->opcode = in->opcode;
	req->ctx.uid = in->uid;
	req->ctx.gid = in->gid;
	req->ctx.pid = (pid_t)in->pid;
	req->ctx.umask = 0;
	op = dispatch_op(in->opcode);
	flags = op ? op->flags : 0;

	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG,
			 "unique: %llu, opcode: %s (%u), nodeid: %llu, insize: %u, pid: %u\n",
			 (unsigned long long)in->unique, fuse__opname(in->opcode), in->opcode,
			 (unsigned long long)in->nodeid, in->len, in->pid);

	/* The kernel's buffers are 8-byte aligned; anything else is not a kernel request. */
	if ((uintptr_t)v->arg % alignof(uint64_t) ||
	    (v->payload && (uintptr_t)v->payload % alignof(uint64_t))) {
		dispatch_reject(req, flags, EINVAL, "misaligned request");
		return;
	}

	expected = se->cuse ? FUSE__OP_CUSE_INIT : FUSE_INIT;
	if (!atomic_load(&se->got_init)) {
		if (in->opcode != expected) {
			dispatch_reject(req, flags, EIO, "request before INIT");
			return;
		}
	} else if (in->opcode == FUSE_INIT || in->opcode == FUSE__OP_CUSE_INIT) {
		dispatch_reject(req, flags, EIO, "second INIT");
		return;
	}
	if (!dispatch_allowed_uid(se, in, op)) {
		dispatch_reject(req, flags, EACCES, "allow_root: uid not allowed");
		return;
	}

	switch (in->opcode) {
	case FUSE_INIT:
		fuse__do_init(req, v);
		return;
	case FUSE__OP_CUSE_INIT:
		fuse__do_cuse_init(req, v);
		return;
	case FUSE_NOTIFY_REPLY:
		fuse__do_notify_reply(req, v);
		return;
	default:
		break;
	}
	if (!op || !op->fn) {
		dispatch_reject(req, flags, ENOSYS, "unknown opcode");
		return;
	}
	if (fuse__view_split(v, dispatch_fixed(se, in->opcode, op->fixed), &arg, &pay, &plen) < 0) {
		dispatch_reject(req, flags, EINVAL, "shorter than its fixed argument");
		return;
	}
	op->fn(req, in->nodeid, arg, pay, plen);
}

/* A request that came after the handler gate closed (gate.c): answered by the library, never
 * by a handler. */
void fuse__dispatch_closed(struct fuse_req *req, const struct fuse__req_view *v)
{
	const struct dispatch_op *op = dispatch_op(v->in->opcode);

	req->opcode = v->in->opcode;
	dispatch_reject(req, op ? op->flags : 0, ENOTCONN, "the session's loop has ended");
}
