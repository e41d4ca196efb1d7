/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A filesystem that records every call as one line of text (the handler's name and every
 * decoded argument), so that a test can compare what the dispatcher decoded against what it
 * built, and the two request layouts against each other, with one string comparison. Each
 * handler answers at once with a reply whose content the tests know.
 */
#ifndef RINGFUSE_TEST_DISPATCH_RECORDER_H
#define RINGFUSE_TEST_DISPATCH_RECORDER_H

#include "harness.h"

#include <poll.h>
#include <sys/file.h>
#include <sys/statvfs.h>

static char last_call[4096];
static int ncalls;
static struct fuse_ctx last_ctx;

/* What open/create/opendir put into fuse_file_info before replying. */
static struct fuse_file_info rec_open_fi;

__attribute__((format(printf, 2, 3)))
static void rec(fuse_req_t req, const char *fmt, ...)
{
	va_list ap;

	ncalls++;
	if (req)
		last_ctx = *fuse_req_ctx(req);
	va_start(ap, fmt);
	vsnprintf(last_call, sizeof(last_call), fmt, ap);
	va_end(ap);
}

static void rec_reset(void)
{
	last_call[0] = '\0';
	ncalls = 0;
	memset(&last_ctx, 0, sizeof(last_ctx));
}

static const char *fi_str(const struct fuse_file_info *fi)
{
	static char s[8][160];
	static int k;
	char *p = s[k++ % 8];

	if (!fi)
		return "fi=NULL";
	snprintf(p, 160, "fi{flags=%#x fh=%llu lo=%#llx wp=%u fl=%u fr=%u pe=%#x}", fi->flags,
		 (unsigned long long)fi->fh, (unsigned long long)fi->lock_owner,
		 fi->writepage, fi->flush, fi->flock_release, fi->poll_events);
	return p;
}

static struct fuse_entry_param rec_entry(void)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = 0x1234;
	e.generation = 7;
	e.attr.st_ino = 0x1234;
	e.attr.st_mode = S_IFREG | 0644;
	e.attr.st_nlink = 3;
	e.attr.st_uid = 11;
	e.attr.st_gid = 12;
	e.attr.st_rdev = 0x0801;
	e.attr.st_size = 123456789;
	e.attr.st_blksize = 4096;
	e.attr.st_blocks = 241;
	e.attr.st_atim.tv_sec = 1000;
	e.attr.st_atim.tv_nsec = 1;
	e.attr.st_mtim.tv_sec = 2000;
	e.attr.st_mtim.tv_nsec = 2;
	e.attr.st_ctim.tv_sec = 3000;
	e.attr.st_ctim.tv_nsec = 999999999;
	e.attr_timeout = 1.25;
	e.entry_timeout = 2.5;
	return e;
}

static void reply_entry(fuse_req_t req)
{
	struct fuse_entry_param e = rec_entry();

	(void)fuse_reply_entry(req, &e);
}

static void r_init(void *userdata, struct fuse_conn_info *conn)
{
	rec(NULL, "init %u.%u", conn->proto_major, conn->proto_minor);
}

static int destroy_calls;

static void r_destroy(void *userdata)
{
	destroy_calls++;
	rec(NULL, "destroy");
}

static void r_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	rec(req, "lookup %llu '%s'", (unsigned long long)parent, name);
	reply_entry(req);
}

static void r_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	rec(req, "forget %llu %llu", (unsigned long long)ino, (unsigned long long)nlookup);
	fuse_reply_none(req);
}

static void r_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse_entry_param e = rec_entry();

	rec(req, "getattr %llu %s", (unsigned long long)ino, fi_str(fi));
	(void)fuse_reply_attr(req, &e.attr, 1.5);
}

static void r_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *a, int to_set,
		      struct fuse_file_info *fi)
{
	rec(req, "setattr %llu set=%#x mode=%o uid=%u gid=%u size=%lld a=%lld.%ld m=%lld.%ld c=%lld.%ld %s",
	    (unsigned long long)ino, to_set, a->st_mode, a->st_uid, a->st_gid,
	    (long long)a->st_size, (long long)a->st_atim.tv_sec, a->st_atim.tv_nsec,
	    (long long)a->st_mtim.tv_sec, a->st_mtim.tv_nsec, (long long)a->st_ctim.tv_sec,
	    a->st_ctim.tv_nsec, fi_str(fi));
	(void)fuse_reply_attr(req, a, 0);
}

static void r_readlink(fuse_req_t req, fuse_ino_t ino)
{
	rec(req, "readlink %llu", (unsigned long long)ino);
	(void)fuse_reply_readlink(req, "the/target");
}

static void r_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	rec(req, "mknod %llu '%s' %o %#llx umask=%o", (unsigned long long)parent, name, mode,
	    (unsigned long long)rdev, fuse_req_ctx(req)->umask);
	reply_entry(req);
}

static void r_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	rec(req, "mkdir %llu '%s' %o umask=%o", (unsigned long long)parent, name, mode,
	    fuse_req_ctx(req)->umask);
	reply_entry(req);
}

static void r_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	rec(req, "unlink %llu '%s'", (unsigned long long)parent, name);
	(void)fuse_reply_err(req, 0);
}

static void r_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	rec(req, "rmdir %llu '%s'", (unsigned long long)parent, name);
	(void)fuse_reply_err(req, 0);
}

static void r_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	rec(req, "symlink '%s' %llu '%s'", link, (unsigned long long)parent, name);
	reply_entry(req);
}

static void r_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		     const char *newname, unsigned int flags)
{
	rec(req, "rename %llu '%s' %llu '%s' %#x", (unsigned long long)parent, name,
	    (unsigned long long)newparent, newname, flags);
	(void)fuse_reply_err(req, 0);
}

static void r_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	rec(req, "link %llu %llu '%s'", (unsigned long long)ino, (unsigned long long)newparent,
	    newname);
	reply_entry(req);
}

static void r_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rec(req, "open %llu %s", (unsigned long long)ino, fi_str(fi));
	rec_open_fi.flags = fi->flags;
	(void)fuse_reply_open(req, &rec_open_fi);
}

static void r_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	static const char data[] = "0123456789abcdef";

	rec(req, "read %llu %zu %lld %s", (unsigned long long)ino, size, (long long)off,
	    fi_str(fi));
	(void)fuse_reply_buf(req, data, size < 16 ? size : 16);
}

static void r_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	rec(req, "write %llu '%.*s' %zu %lld %s", (unsigned long long)ino, (int)size, buf, size,
	    (long long)off, fi_str(fi));
	(void)fuse_reply_write(req, size);
}

__attribute__((unused)) static void r_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bv, off_t off,
			struct fuse_file_info *fi)
{
	const struct fuse_buf *b = &bv->buf[0];

	rec(req, "write %llu '%.*s' %zu %lld %s", (unsigned long long)ino, (int)b->size,
	    (const char *)b->mem, fuse_buf_size(bv), (long long)off, fi_str(fi));
	(void)fuse_reply_write(req, fuse_buf_size(bv));
}

static void r_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rec(req, "flush %llu %s", (unsigned long long)ino, fi_str(fi));
	(void)fuse_reply_err(req, 0);
}

static void r_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rec(req, "release %llu %s", (unsigned long long)ino, fi_str(fi));
	(void)fuse_reply_err(req, 0);
}

static void r_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	rec(req, "fsync %llu %d %s", (unsigned long long)ino, datasync, fi_str(fi));
	(void)fuse_reply_err(req, 0);
}

static void r_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rec(req, "opendir %llu %s", (unsigned long long)ino, fi_str(fi));
	rec_open_fi.flags = fi->flags;
	(void)fuse_reply_open(req, &rec_open_fi);
}

static void r_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	char buf[256];
	struct stat st;
	size_t n;

	rec(req, "readdir %llu %zu %lld %s", (unsigned long long)ino, size, (long long)off,
	    fi_str(fi));
	memset(&st, 0, sizeof(st));
	st.st_ino = 99;
	st.st_mode = S_IFDIR | 0755;
	n = fuse_add_direntry(req, buf, sizeof(buf), "abc", &st, 1);
	st.st_ino = 100;
	st.st_mode = S_IFLNK | 0777;
	n += fuse_add_direntry(req, buf + n, sizeof(buf) - n, "longer-name", &st, 2);
	(void)fuse_reply_buf(req, buf, n);
}

static void r_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	char buf[512];
	struct fuse_entry_param e = rec_entry();
	size_t n;

	rec(req, "readdirplus %llu %zu %lld %s", (unsigned long long)ino, size, (long long)off,
	    fi_str(fi));
	n = fuse_add_direntry_plus(req, buf, sizeof(buf), "plus", &e, 5);
	(void)fuse_reply_buf(req, buf, n);
}

static void r_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rec(req, "releasedir %llu %s", (unsigned long long)ino, fi_str(fi));
	(void)fuse_reply_err(req, 0);
}

static void r_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	rec(req, "fsyncdir %llu %d %s", (unsigned long long)ino, datasync, fi_str(fi));
	(void)fuse_reply_err(req, 0);
}

static void r_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	rec(req, "statfs %llu", (unsigned long long)ino);
	memset(&sv, 0, sizeof(sv));
	sv.f_blocks = 1000;
	sv.f_bfree = 500;
	sv.f_bavail = 400;
	sv.f_files = 300;
	sv.f_ffree = 200;
	sv.f_bsize = 4096;
	sv.f_namemax = 1024;
	sv.f_frsize = 512;
	(void)fuse_reply_statfs(req, &sv);
}

static void r_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		       size_t size, int flags)
{
	rec(req, "setxattr %llu '%s' '%.*s' %zu %#x", (unsigned long long)ino, name, (int)size,
	    value, size, flags);
	(void)fuse_reply_err(req, 0);
}

static void r_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	rec(req, "getxattr %llu '%s' %zu", (unsigned long long)ino, name, size);
	if (size)
		(void)fuse_reply_buf(req, "value", 5);
	else
		(void)fuse_reply_xattr(req, 5);
}

static void r_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	rec(req, "listxattr %llu %zu", (unsigned long long)ino, size);
	(void)fuse_reply_xattr(req, 77);
}

static void r_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	rec(req, "removexattr %llu '%s'", (unsigned long long)ino, name);
	(void)fuse_reply_err(req, 0);
}

static void r_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	rec(req, "access %llu %d", (unsigned long long)ino, mask);
	(void)fuse_reply_err(req, 0);
}

static void r_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		     struct fuse_file_info *fi)
{
	struct fuse_entry_param e = rec_entry();

	rec(req, "create %llu '%s' %o umask=%o %s", (unsigned long long)parent, name, mode,
	    fuse_req_ctx(req)->umask, fi_str(fi));
	rec_open_fi.flags = fi->flags;
	(void)fuse_reply_create(req, &e, &rec_open_fi);
}

static const char *flock_str(const struct flock *l)
{
	static char s[128];

	snprintf(s, sizeof(s), "lk{type=%d whence=%d start=%lld len=%lld pid=%d}", l->l_type,
		 l->l_whence, (long long)l->l_start, (long long)l->l_len, l->l_pid);
	return s;
}

static void r_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
	rec(req, "getlk %llu %s %s", (unsigned long long)ino, fi_str(fi), flock_str(lock));
	(void)fuse_reply_lock(req, lock);
}

static void r_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		    int sleep)
{
	rec(req, "setlk %llu %s %s sleep=%d", (unsigned long long)ino, fi_str(fi),
	    flock_str(lock), sleep);
	(void)fuse_reply_err(req, 0);
}

static void r_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx)
{
	rec(req, "bmap %llu %zu %llu", (unsigned long long)ino, blocksize,
	    (unsigned long long)idx);
	(void)fuse_reply_bmap(req, idx + 1);
}

static void r_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		    struct fuse_file_info *fi, unsigned flags, const void *in_buf,
		    size_t in_bufsz, size_t out_bufsz)
{
	rec(req, "ioctl %llu %#x %p %s %#x '%.*s' %zu %zu", (unsigned long long)ino, cmd, arg,
	    fi_str(fi), flags, (int)in_bufsz, in_buf ? (const char *)in_buf : "", in_bufsz,
	    out_bufsz);
	(void)fuse_reply_ioctl(req, 42, in_buf, in_bufsz);
}

static void r_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		   struct fuse_pollhandle *ph)
{
	rec(req, "poll %llu %s ph=%s kh=%llu", (unsigned long long)ino, fi_str(fi),
	    ph ? "yes" : "no", ph ? (unsigned long long)ph->kh : 0ULL);
	fuse_pollhandle_destroy(ph);
	(void)fuse_reply_poll(req, POLLIN);
}

static char retrieved[8192];
static size_t retrieved_len;

static void r_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t offset,
			     struct fuse_bufvec *bufv)
{
	size_t n = fuse_buf_size(bufv);

	rec(req, "retrieve_reply %p %llu %lld %zu", cookie, (unsigned long long)ino,
	    (long long)offset, n);
	retrieved_len = n < sizeof(retrieved) ? n : sizeof(retrieved);
	memcpy(retrieved, bufv->buf[0].mem, retrieved_len);
	fuse_reply_none(req);
}

static void r_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	char s[1024];
	size_t i, n = 0;

	s[0] = '\0';
	for (i = 0; i < count && n < sizeof(s) - 64; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, " %llu:%llu",
				      (unsigned long long)f[i].ino,
				      (unsigned long long)f[i].nlookup);
	rec(req, "forget_multi %zu%s", count, s);
	fuse_reply_none(req);
}

static void r_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	rec(req, "flock %llu %s %#x", (unsigned long long)ino, fi_str(fi), op);
	(void)fuse_reply_err(req, 0);
}

static void r_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			struct fuse_file_info *fi)
{
	rec(req, "fallocate %llu %d %lld %lld %s", (unsigned long long)ino, mode,
	    (long long)offset, (long long)length, fi_str(fi));
	(void)fuse_reply_err(req, 0);
}

static void r_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			      struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
			      struct fuse_file_info *fi_out, size_t len, int flags)
{
	rec(req, "copy_file_range %llu %lld %s %llu %lld %s %zu %d",
	    (unsigned long long)ino_in, (long long)off_in, fi_str(fi_in),
	    (unsigned long long)ino_out, (long long)off_out, fi_str(fi_out), len, flags);
	(void)fuse_reply_write(req, len);
}

static void r_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
		    struct fuse_file_info *fi)
{
	rec(req, "lseek %llu %lld %d %s", (unsigned long long)ino, (long long)off, whence,
	    fi_str(fi));
	(void)fuse_reply_lseek(req, off + 1);
}

static const struct fuse_lowlevel_ops recorder_ops = {
	.init = r_init,
	.destroy = r_destroy,
	.lookup = r_lookup,
	.forget = r_forget,
	.getattr = r_getattr,
	.setattr = r_setattr,
	.readlink = r_readlink,
	.mknod = r_mknod,
	.mkdir = r_mkdir,
	.unlink = r_unlink,
	.rmdir = r_rmdir,
	.symlink = r_symlink,
	.rename = r_rename,
	.link = r_link,
	.open = r_open,
	.read = r_read,
	.write = r_write,
	.flush = r_flush,
	.release = r_release,
	.fsync = r_fsync,
	.opendir = r_opendir,
	.readdir = r_readdir,
	.releasedir = r_releasedir,
	.fsyncdir = r_fsyncdir,
	.statfs = r_statfs,
	.setxattr = r_setxattr,
	.getxattr = r_getxattr,
	.listxattr = r_listxattr,
	.removexattr = r_removexattr,
	.access = r_access,
	.create = r_create,
	.getlk = r_getlk,
	.setlk = r_setlk,
	.bmap = r_bmap,
	.ioctl = r_ioctl,
	.poll = r_poll,
	.retrieve_reply = r_retrieve_reply,
	.forget_multi = r_forget_multi,
	.flock = r_flock,
	.fallocate = r_fallocate,
	.readdirplus = r_readdirplus,
	.copy_file_range = r_copy_file_range,
	.lseek = r_lseek,
};

/*
 * A valid request for opcode: its fixed argument and variable part, and the call line the
 * recorder must print for it (NULL: the opcode reaches no handler). Used by every test.
 */
static const char *build_valid(struct msg *m, uint32_t opcode)
{
	const uint64_t ino = 0x10;

	msg_init(m, opcode, ino);
	switch (opcode) {
	case FUSE_LOOKUP:
		msg_name(m, "hello.txt");
		return "lookup 16 'hello.txt'";
	case FUSE_FORGET: {
		struct fuse_forget_in a = { .nlookup = 5 };

		msg_fixed(m, &a, sizeof(a));
		return "forget 16 5";
	}
	case FUSE_GETATTR: {
		struct fuse_getattr_in a = { .getattr_flags = FUSE_GETATTR_FH, .fh = 9 };

		msg_fixed(m, &a, sizeof(a));
		return "getattr 16 fi{flags=0 fh=9 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_SETATTR: {
		struct fuse_setattr_in a = {
			.valid = FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE | FATTR_ATIME |
				 FATTR_MTIME | FATTR_FH | FATTR_ATIME_NOW | FATTR_MTIME_NOW |
				 FATTR_CTIME | FATTR_KILL_SUIDGID,
			.fh = 8, .size = 4096, .atime = 10, .atimensec = 11, .mtime = 20,
			.mtimensec = 21, .ctime = 30, .ctimensec = 31, .mode = 0100600,
			.uid = 5, .gid = 6,
		};

		msg_fixed(m, &a, sizeof(a));
		return "setattr 16 set=0x1dbf mode=100600 uid=5 gid=6 size=4096 a=10.11 m=20.21 c=30.31 fi{flags=0 fh=8 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_READLINK:
		return "readlink 16";
	case FUSE_SYMLINK:
		msg_name(m, "lnk");
		msg_name(m, "../target/path");
		return "symlink '../target/path' 16 'lnk'";
	case FUSE_MKNOD: {
		struct fuse_mknod_in a = { .mode = 020644, .rdev = 0x0103, .umask = 022 };

		msg_fixed(m, &a, sizeof(a));
		msg_name(m, "dev");
		return "mknod 16 'dev' 20644 0x103 umask=22";
	}
	case FUSE_MKDIR: {
		struct fuse_mkdir_in a = { .mode = 0755, .umask = 027 };

		msg_fixed(m, &a, sizeof(a));
		msg_name(m, "dir");
		return "mkdir 16 'dir' 755 umask=27";
	}
	case FUSE_UNLINK:
		msg_name(m, "gone");
		return "unlink 16 'gone'";
	case FUSE_RMDIR:
		msg_name(m, "gonedir");
		return "rmdir 16 'gonedir'";
	case FUSE_RENAME: {
		struct fuse_rename_in a = { .newdir = 33 };

		msg_fixed(m, &a, sizeof(a));
		msg_name(m, "old");
		msg_name(m, "new");
		return "rename 16 'old' 33 'new' 0";
	}
	case FUSE_RENAME2: {
		struct fuse_rename2_in a = { .newdir = 34, .flags = 1 };

		msg_fixed(m, &a, sizeof(a));
		msg_name(m, "a");
		msg_name(m, "b");
		return "rename 16 'a' 34 'b' 0x1";
	}
	case FUSE_LINK: {
		struct fuse_link_in a = { .oldnodeid = 44 };

		msg_fixed(m, &a, sizeof(a));
		msg_name(m, "hard");
		return "link 44 16 'hard'";
	}
	case FUSE_OPEN: {
		struct fuse_open_in a = { .flags = 02 };

		msg_fixed(m, &a, sizeof(a));
		return "open 16 fi{flags=0x2 fh=0 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_OPENDIR: {
		struct fuse_open_in a = { .flags = 0200000 };

		msg_fixed(m, &a, sizeof(a));
		return "opendir 16 fi{flags=0x10000 fh=0 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_READ: {
		struct fuse_read_in a = { .fh = 5, .offset = 4096, .size = 100,
					  .read_flags = FUSE_READ_LOCKOWNER,
					  .lock_owner = 0xabc, .flags = 02 };

		msg_fixed(m, &a, sizeof(a));
		return "read 16 100 4096 fi{flags=0x2 fh=5 lo=0xabc wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_WRITE: {
		struct fuse_write_in a = { .fh = 6, .offset = 8192, .size = 5,
					   .write_flags = FUSE_WRITE_CACHE | FUSE_WRITE_LOCKOWNER,
					   .lock_owner = 0xdef, .flags = 01 };

		msg_fixed(m, &a, sizeof(a));
		msg_pay(m, "HELLO", 5);
		return "write 16 'HELLO' 5 8192 fi{flags=0x1 fh=6 lo=0xdef wp=1 fl=0 fr=0 pe=0}";
	}
	case FUSE_STATFS:
		return "statfs 16";
	case FUSE_RELEASE: {
		struct fuse_release_in a = { .fh = 7, .flags = 01,
					     .release_flags = FUSE_RELEASE_FLUSH |
							      FUSE_RELEASE_FLOCK_UNLOCK,
					     .lock_owner = 0x55 };

		msg_fixed(m, &a, sizeof(a));
		return "release 16 fi{flags=0x1 fh=7 lo=0x55 wp=0 fl=1 fr=1 pe=0}";
	}
	case FUSE_RELEASEDIR: {
		struct fuse_release_in a = { .fh = 8, .flags = 0 };

		msg_fixed(m, &a, sizeof(a));
		return "releasedir 16 fi{flags=0 fh=8 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_FSYNC: {
		struct fuse_fsync_in a = { .fh = 9, .fsync_flags = FUSE_FSYNC_FDATASYNC };

		msg_fixed(m, &a, sizeof(a));
		return "fsync 16 1 fi{flags=0 fh=9 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_FSYNCDIR: {
		struct fuse_fsync_in a = { .fh = 10, .fsync_flags = 0 };

		msg_fixed(m, &a, sizeof(a));
		return "fsyncdir 16 0 fi{flags=0 fh=10 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_SETXATTR: {
		/* The session under test negotiated no SETXATTR_EXT: the 8-byte form. */
		struct fuse_setxattr_in a = { .size = 3, .flags = 2 };

		msg_fixed(m, &a, FUSE_COMPAT_SETXATTR_IN_SIZE);
		msg_name(m, "user.x");
		msg_pay(m, "v\0z", 3);
		return "setxattr 16 'user.x' 'v' 3 0x2";
	}
	case FUSE_GETXATTR: {
		struct fuse_getxattr_in a = { .size = 64 };

		msg_fixed(m, &a, sizeof(a));
		msg_name(m, "user.y");
		return "getxattr 16 'user.y' 64";
	}
	case FUSE_LISTXATTR: {
		struct fuse_getxattr_in a = { .size = 0 };

		msg_fixed(m, &a, sizeof(a));
		return "listxattr 16 0";
	}
	case FUSE_REMOVEXATTR:
		msg_name(m, "user.z");
		return "removexattr 16 'user.z'";
	case FUSE_FLUSH: {
		struct fuse_flush_in a = { .fh = 11, .lock_owner = 0x77 };

		msg_fixed(m, &a, sizeof(a));
		return "flush 16 fi{flags=0 fh=11 lo=0x77 wp=0 fl=1 fr=0 pe=0}";
	}
	case FUSE_READDIR: {
		struct fuse_read_in a = { .fh = 12, .offset = 3, .size = 4096 };

		msg_fixed(m, &a, sizeof(a));
		return "readdir 16 4096 3 fi{flags=0 fh=12 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_READDIRPLUS: {
		struct fuse_read_in a = { .fh = 13, .offset = 4, .size = 8192 };

		msg_fixed(m, &a, sizeof(a));
		return "readdirplus 16 8192 4 fi{flags=0 fh=13 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_GETLK: {
		struct fuse_lk_in a = { .fh = 14, .owner = 0x99,
					.lk = { .start = 10, .end = 19, .type = F_WRLCK,
						.pid = 321 } };

		msg_fixed(m, &a, sizeof(a));
		return "getlk 16 fi{flags=0 fh=14 lo=0x99 wp=0 fl=0 fr=0 pe=0} lk{type=1 whence=0 start=10 len=10 pid=321}";
	}
	case FUSE_SETLK: {
		struct fuse_lk_in a = { .fh = 15, .owner = 0x98,
					.lk = { .start = 100, .end = INT64_MAX, .type = F_RDLCK,
						.pid = 322 } };

		msg_fixed(m, &a, sizeof(a));
		return "setlk 16 fi{flags=0 fh=15 lo=0x98 wp=0 fl=0 fr=0 pe=0} lk{type=0 whence=0 start=100 len=0 pid=322} sleep=0";
	}
	case FUSE_SETLKW: {
		struct fuse_lk_in a = { .fh = 16, .owner = 0x97, .lk_flags = FUSE_LK_FLOCK,
					.lk = { .type = F_WRLCK } };

		msg_fixed(m, &a, sizeof(a));
		return "flock 16 fi{flags=0 fh=16 lo=0x97 wp=0 fl=0 fr=0 pe=0} 0x2";
	}
	case FUSE_ACCESS: {
		struct fuse_access_in a = { .mask = 4 };

		msg_fixed(m, &a, sizeof(a));
		return "access 16 4";
	}
	case FUSE_CREATE: {
		struct fuse_create_in a = { .flags = 0101, .mode = 0100640, .umask = 02 };

		msg_fixed(m, &a, sizeof(a));
		msg_name(m, "new.txt");
		return "create 16 'new.txt' 100640 umask=2 fi{flags=0x41 fh=0 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_INTERRUPT: {
		struct fuse_interrupt_in a = { .unique = 12345 };

		msg_fixed(m, &a, sizeof(a));
		return NULL;
	}
	case FUSE_BMAP: {
		struct fuse_bmap_in a = { .block = 77, .blocksize = 1024 };

		msg_fixed(m, &a, sizeof(a));
		return "bmap 16 1024 77";
	}
	case FUSE_IOCTL: {
		struct fuse_ioctl_in a = { .fh = 17, .flags = FUSE_IOCTL_UNRESTRICTED,
					   .cmd = 0x8004, .arg = 0x1000, .in_size = 4,
					   .out_size = 16 };

		msg_fixed(m, &a, sizeof(a));
		msg_pay(m, "wxyz", 4);
		return "ioctl 16 0x8004 0x1000 fi{flags=0 fh=17 lo=0 wp=0 fl=0 fr=0 pe=0} 0x2 'wxyz' 4 16";
	}
	case FUSE_POLL: {
		struct fuse_poll_in a = { .fh = 18, .kh = 555, .flags = FUSE_POLL_SCHEDULE_NOTIFY,
					  .events = POLLIN | POLLOUT };

		msg_fixed(m, &a, sizeof(a));
		return "poll 16 fi{flags=0 fh=18 lo=0 wp=0 fl=0 fr=0 pe=0x5} ph=yes kh=555";
	}
	case FUSE_BATCH_FORGET: {
		struct fuse_batch_forget_in a = { .count = 3 };
		struct fuse_forget_one f[3] = { { 20, 1 }, { 21, 2 }, { 22, 3 } };

		msg_fixed(m, &a, sizeof(a));
		msg_pay(m, f, sizeof(f));
		return "forget_multi 3 20:1 21:2 22:3";
	}
	case FUSE_FALLOCATE: {
		struct fuse_fallocate_in a = { .fh = 19, .offset = 100, .length = 200, .mode = 3 };

		msg_fixed(m, &a, sizeof(a));
		return "fallocate 16 3 100 200 fi{flags=0 fh=19 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_LSEEK: {
		struct fuse_lseek_in a = { .fh = 20, .offset = 300, .whence = 3 };

		msg_fixed(m, &a, sizeof(a));
		return "lseek 16 300 3 fi{flags=0 fh=20 lo=0 wp=0 fl=0 fr=0 pe=0}";
	}
	case FUSE_COPY_FILE_RANGE: {
		struct fuse_copy_file_range_in a = { .fh_in = 21, .off_in = 1, .nodeid_out = 17,
						     .fh_out = 22, .off_out = 2, .len = 1000,
						     .flags = 0 };

		msg_fixed(m, &a, sizeof(a));
		return "copy_file_range 16 1 fi{flags=0 fh=21 lo=0 wp=0 fl=0 fr=0 pe=0} 17 2 fi{flags=0 fh=22 lo=0 wp=0 fl=0 fr=0 pe=0} 1000 0";
	}
	default:
		return NULL;
	}
}

/* Every opcode build_valid knows, plus the ones that must answer ENOSYS. */
static const uint32_t all_opcodes[] = {
	FUSE_LOOKUP, FUSE_FORGET, FUSE_GETATTR, FUSE_SETATTR, FUSE_READLINK, FUSE_SYMLINK,
	FUSE_MKNOD, FUSE_MKDIR, FUSE_UNLINK, FUSE_RMDIR, FUSE_RENAME, FUSE_LINK, FUSE_OPEN,
	FUSE_READ, FUSE_WRITE, FUSE_STATFS, FUSE_RELEASE, FUSE_FSYNC, FUSE_SETXATTR,
	FUSE_GETXATTR, FUSE_LISTXATTR, FUSE_REMOVEXATTR, FUSE_FLUSH, FUSE_OPENDIR, FUSE_READDIR,
	FUSE_RELEASEDIR, FUSE_FSYNCDIR, FUSE_GETLK, FUSE_SETLK, FUSE_SETLKW, FUSE_ACCESS,
	FUSE_CREATE, FUSE_INTERRUPT, FUSE_BMAP, FUSE_IOCTL, FUSE_POLL, FUSE_BATCH_FORGET,
	FUSE_FALLOCATE, FUSE_READDIRPLUS, FUSE_RENAME2, FUSE_LSEEK, FUSE_COPY_FILE_RANGE,
	FUSE_SETUPMAPPING, FUSE_REMOVEMAPPING, FUSE_SYNCFS, FUSE_TMPFILE, FUSE__OP_STATX,
	FUSE__OP_COPY_FILE_RANGE_64,
};
#define N_OPCODES (sizeof(all_opcodes) / sizeof(all_opcodes[0]))

__attribute__((unused)) static bool opcode_noreply(uint32_t op)
{
	return op == FUSE_FORGET || op == FUSE_BATCH_FORGET || op == FUSE_INTERRUPT ||
	       op == FUSE_NOTIFY_REPLY;
}

#endif
