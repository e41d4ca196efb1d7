/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Notifications: messages the filesystem sends the kernel unasked (poll wake-ups, cache
 * invalidation, deletions, data pushed into or pulled from the page cache). They always go
 * to /dev/fuse, whatever transport carries requests. A retrieve is answered by the kernel
 * with a NOTIFY_REPLY request; the outstanding retrieves are recorded on the session so that
 * reply can be matched to its cookie.
 */
#include "dispatch_i.h"

#include <stdlib.h>
#include <string.h>

/* Protocol minors that introduced each notification. */
#define NOTIFY_MINOR_INVAL 12
#define NOTIFY_MINOR_STORE 15
#define NOTIFY_MINOR_DELETE 18

FUSE_EXPORT int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph)
{
	struct fuse_notify_poll_wakeup_out out;
	struct iovec iov[2];

	if (!ph || !ph->se)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	out.kh = ph->kh;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	return fuse__send_notify(ph->se, FUSE_NOTIFY_POLL, iov, 2);
}

FUSE_EXPORT void fuse_pollhandle_destroy(struct fuse_pollhandle *ph)
{
	free(ph);
}

FUSE_EXPORT int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino,
						 off_t off, off_t len)
{
	struct fuse_notify_inval_inode_out out;
	struct iovec iov[2];

	if (!se)
		return -EINVAL;
	if (se->conn.proto_minor < NOTIFY_MINOR_INVAL)
		return -ENOSYS;
	memset(&out, 0, sizeof(out));
	out.ino = ino;
	out.off = off;
	out.len = len;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	return fuse__send_notify(se, FUSE_NOTIFY_INVAL_INODE, iov, 2);
}

static int notify_entry(struct fuse_session *se, fuse_ino_t parent, const char *name,
			size_t namelen, uint32_t flags)
{
	struct fuse_notify_inval_entry_out out;
	struct iovec iov[3];

	if (!se || !name || namelen > UINT32_MAX)
		return -EINVAL;
	if (se->conn.proto_minor < NOTIFY_MINOR_INVAL)
		return -ENOSYS;
	memset(&out, 0, sizeof(out));
	out.parent = parent;
	out.namelen = (uint32_t)namelen;
	out.flags = flags;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	/* The kernel reads namelen + 1 bytes and insists on the terminating NUL. */
	iov[2].iov_base = (void *)(uintptr_t)name;
	iov[2].iov_len = namelen + 1;
	return fuse__send_notify(se, FUSE_NOTIFY_INVAL_ENTRY, iov, 3);
}

FUSE_EXPORT int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent,
						 const char *name, size_t namelen)
{
	return notify_entry(se, parent, name, namelen, 0);
}

static int notify_expire(struct fuse_session *se, fuse_ino_t parent, const char *name,
			 size_t namelen, unsigned int flags)
{
	if (!se)
		return -EINVAL;
	if ((flags & FUSE_LL_EXPIRE_ONLY) && !(se->conn.capable & FUSE_CAP_EXPIRE_ONLY))
		return -ENOSYS;
	return notify_entry(se, parent, name, namelen,
			    (flags & FUSE_LL_EXPIRE_ONLY) ? FUSE_EXPIRE_ONLY : 0);
}

/*
 * Each ABI's variant is a whole function: the seam check (test/unit/check_seam.py) reads the
 * sources without the preprocessor and must see balanced braces.
 */
#if RINGFUSE_ABI >= 318
/* libfuse 3.18 dropped the flags argument: the call always means "expire only". */
FUSE_EXPORT int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
						  const char *name, size_t namelen)
{
	return notify_expire(se, parent, name, namelen, FUSE_LL_EXPIRE_ONLY);
}
#else
FUSE_EXPORT int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
						  const char *name, size_t namelen,
						  enum fuse_expire_flags flags)
{
	return notify_expire(se, parent, name, namelen, flags);
}
#endif

FUSE_EXPORT int fuse_lowlevel_notify_delete(struct fuse_session *se, fuse_ino_t parent,
					    fuse_ino_t child, const char *name, size_t namelen)
{
	struct fuse_notify_delete_out out;
	struct iovec iov[3];

	if (!se || !name || namelen > UINT32_MAX)
		return -EINVAL;
	if (se->conn.proto_minor < NOTIFY_MINOR_DELETE)
		return -ENOSYS;
	memset(&out, 0, sizeof(out));
	out.parent = parent;
	out.child = child;
	out.namelen = (uint32_t)namelen;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	iov[2].iov_base = (void *)(uintptr_t)name;
	iov[2].iov_len = namelen + 1;
	return fuse__send_notify(se, FUSE_NOTIFY_DELETE, iov, 3);
}

FUSE_EXPORT int fuse_lowlevel_notify_store(struct fuse_session *se, fuse_ino_t ino,
					   off_t offset, struct fuse_bufvec *bufv,
					   enum fuse_buf_copy_flags flags)
{
	struct fuse_notify_store_out out;
	struct fuse_bufvec dv;
	struct iovec iov[3];
	size_t size;
	ssize_t got;
	char *data = NULL;
	int ret;

	if (!se || !bufv)
		return -EINVAL;
	if (se->conn.proto_minor < NOTIFY_MINOR_STORE)
		return -ENOSYS;
	size = fuse_buf_size(bufv);
	if (size > UINT32_MAX)
		return -EINVAL;
	/* Gathered into one buffer: a notification is one write and must not be torn. */
	data = malloc(size ? size : 1);
	if (!data)
		return -ENOMEM;
	dv = FUSE_BUFVEC_INIT(size);
	dv.buf[0].mem = data;
	got = size ? fuse_buf_copy(&dv, bufv, flags) : 0;
	if (got < 0) {
		ret = (int)got;
		goto out;
	}
	memset(&out, 0, sizeof(out));
	out.nodeid = ino;
	out.offset = (uint64_t)offset;
	out.size = (uint32_t)got;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	iov[2].iov_base = data;
	iov[2].iov_len = (size_t)got;
	ret = fuse__send_notify(se, FUSE_NOTIFY_STORE, iov, got ? 3 : 2);
out:
	free(data);
	return ret;
}

FUSE_EXPORT int fuse_lowlevel_notify_retrieve(struct fuse_session *se, fuse_ino_t ino,
					      size_t size, off_t offset, void *cookie)
{
	struct fuse_notify_retrieve_out out;
	struct fuse__notify_retrieve *rec, **pp;
	struct iovec iov[2];
	uint64_t unique;
	int ret;

	if (!se || size > UINT32_MAX)
		return -EINVAL;
	if (se->conn.proto_minor < NOTIFY_MINOR_STORE)
		return -ENOSYS;
	rec = calloc(1, sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	rec->ino = ino;
	rec->cookie = cookie;
	/*
	 * Recorded before the write: the NOTIFY_REPLY may arrive before writev returns, and the
	 * thread that takes it frees rec. Only the kernel orders that free after our write, so
	 * rec is not touched outside the lock once it is listed (TSan saw the read of
	 * rec->unique race with the free on the ring).
	 */
	pthread_mutex_lock(&se->lock);
	unique = rec->unique = ++se->notify_ctr;
	rec->next = se->retrieves;
	se->retrieves = rec;
	pthread_mutex_unlock(&se->lock);

	memset(&out, 0, sizeof(out));
	out.notify_unique = unique;
	out.nodeid = ino;
	out.offset = (uint64_t)offset;
	out.size = (uint32_t)size;
	iov[1].iov_base = &out;
	iov[1].iov_len = sizeof(out);
	ret = fuse__send_notify(se, FUSE_NOTIFY_RETRIEVE, iov, 2);
	if (ret < 0) {
		/* No reply will come; the record may only be ours to free if still listed. */
		pthread_mutex_lock(&se->lock);
		for (pp = &se->retrieves; *pp; pp = &(*pp)->next) {
			if (*pp == rec) {
				*pp = rec->next;
				free(rec);
				break;
			}
		}
		pthread_mutex_unlock(&se->lock);
	}
	return ret;
}

static struct fuse__notify_retrieve *notify_take(struct fuse_session *se, uint64_t unique)
{
	struct fuse__notify_retrieve *rec = NULL, **pp;

	pthread_mutex_lock(&se->lock);
	for (pp = &se->retrieves; *pp; pp = &(*pp)->next) {
		if ((*pp)->unique == unique) {
			rec = *pp;
			*pp = rec->next;
			break;
		}
	}
	pthread_mutex_unlock(&se->lock);
	return rec;
}

void fuse__do_notify_reply(struct fuse_req *req, const struct fuse__req_view *v)
{
	struct fuse_session *se = req->se;
	const struct fuse_notify_retrieve_in *arg;
	struct fuse__notify_retrieve *rec;
	struct fuse_bufvec bv;
	const void *data;
	size_t dlen;

	/* On the ring the data is in the payload buffer, not after the fixed argument. */
	if (fuse__view_split(v, sizeof(*arg), (const void **)&arg, &data, &dlen) < 0) {
		if (se->debug)
			fuse_log(FUSE_LOG_DEBUG, "   NOTIFY_REPLY shorter than its argument\n");
		fuse_reply_none(req);
		return;
	}
	rec = notify_take(se, req->unique);
	if (!rec) {
		if (se->debug)
			fuse_log(FUSE_LOG_DEBUG, "   NOTIFY_REPLY %llu answers no retrieve\n",
				 (unsigned long long)req->unique);
		fuse_reply_none(req);
		return;
	}
	if (arg->size > dlen) {
		if (se->debug)
			fuse_log(FUSE_LOG_DEBUG, "   NOTIFY_REPLY data exceeds request\n");
		fuse_reply_none(req);
		goto out;
	}
	if (se->op.retrieve_reply) {
		bv = FUSE_BUFVEC_INIT(arg->size);
		bv.buf[0].mem = (void *)(uintptr_t)data;
		se->op.retrieve_reply(req, rec->cookie, v->in->nodeid, (off_t)arg->offset, &bv);
	} else {
		fuse_reply_none(req);
	}
out:
	free(rec);
}

void fuse__notify_cleanup(struct fuse_session *se)
{
	struct fuse__notify_retrieve *rec, *next;

	for (rec = se->retrieves; rec; rec = next) {
		next = rec->next;
		free(rec);
	}
	se->retrieves = NULL;
}
