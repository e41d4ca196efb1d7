/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-request API a handler uses while it holds a request: who asked (context,
 * supplementary groups), whether the request was interrupted and what to call when it is,
 * and on the ring the payload buffer a reply can be built in. Also the life-cycle helpers
 * every transport uses to set up and tear down the request object itself.
 */
#include "fuse_i.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuse__req_init(struct fuse_req *req, struct fuse_session *se)
{
	memset(req, 0, sizeof(*req));
	req->se = se;
	atomic_init(&req->refs, 1);
	/* Default attributes cannot fail on Linux; the result is checked all the same. */
	if (pthread_mutex_init(&req->lock, NULL) != 0)
		fuse_log(FUSE_LOG_ERR, "fuse: pthread_mutex_init failed\n");
}

void fuse__req_fini(struct fuse_req *req)
{
	(void)pthread_mutex_destroy(&req->lock);
}

void fuse__req_put(struct fuse_req *req)
{
	if (atomic_fetch_sub(&req->refs, 1) != 1 || req->embedded)
		return;
	fuse__req_fini(req);
	free(req);
}

/* A stand-in's transport: nobody waits for its answer, completing it only frees it. */
static int req_null_send(struct fuse_req *req, struct iovec *iov, int count)
{
	(void)iov;
	(void)count;
	fuse__req_put(req);
	return 0;
}

static void req_null_drop(struct fuse_req *req)
{
	fuse__req_put(req);
}

static const struct fuse__transport_ops req_null_ops = {
	.name = "none",
	.send = req_null_send,
	.drop = req_null_drop,
};

struct fuse_req *fuse__req_standin(const struct fuse_req *orig, uint32_t opcode)
{
	struct fuse_req *req = malloc(sizeof(*req));

	if (!req)
		return NULL;
	fuse__req_init(req, orig->se);
	req->tp = &req_null_ops;
	req->opcode = opcode;
	req->ctx = orig->ctx;
	return req;
}

FUSE_EXPORT void *fuse_req_userdata(fuse_req_t req)
{
	if (!req)
		return NULL;
	return req->se->userdata;
}

FUSE_EXPORT const struct fuse_ctx *fuse_req_ctx(fuse_req_t req)
{
	if (!req)
		return NULL;
	return &req->ctx;
}

/* Parse the "Groups:" line of a /proc status file. */
static int req_parse_groups(const char *text, int size, gid_t list[])
{
	const char *p = strstr(text, "\nGroups:");
	unsigned long g;
	char *end;
	int n = 0;

	if (!p)
		return -EIO;
	p += strlen("\nGroups:");
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		errno = 0;
		g = strtoul(p, &end, 10);
		if (errno || end == p)
			return -EIO;
		if (n < size)
			list[n] = (gid_t)g;
		n++;
		p = end;
	}
	return n;
}

FUSE_EXPORT int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[])
{
	char path[64], *buf = NULL;
	size_t cap = 4096, len = 0;
	ssize_t n;
	int fd, ret;

	if (!req || size < 0 || (size > 0 && !list))
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/status", (unsigned int)req->ctx.pid,
		 (unsigned int)req->ctx.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	buf = malloc(cap + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		if (len == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);

			if (!bigger) {
				ret = -ENOMEM;
				goto out_free;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	ret = req_parse_groups(buf, size, list);
out_free:
	free(buf);
out_close:
	close(fd);
out:
	return ret;
}

FUSE_EXPORT void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func, void *data)
{
	if (!req)
		return;
	/*
	 * Under the lock, as the INTERRUPT path calls the function: unregistering therefore
	 * waits for a callback in progress. The callback must not register on its own request.
	 */
	/* The callback may reply, which would free the request under our lock: hold a ref. */
	atomic_fetch_add(&req->refs, 1);
	pthread_mutex_lock(&req->lock);
	req->intr.func = func;
	req->intr.data = data;
	if (func && __atomic_load_n(&req->intr.interrupted, __ATOMIC_ACQUIRE))
		func(req, data);
	pthread_mutex_unlock(&req->lock);
	fuse__req_put(req);
}

FUSE_EXPORT int fuse_req_interrupted(fuse_req_t req)
{
	if (!req)
		return 0;
	/* Lock-free so that the interrupt callback itself may ask. */
	return __atomic_load_n(&req->intr.interrupted, __ATOMIC_ACQUIRE) ? 1 : 0;
}

FUSE_EXPORT bool fuse_req_is_uring(fuse_req_t req)
{
	return req && req->tp && req->tp->is_uring;
}

FUSE_EXPORT int fuse_req_get_payload(fuse_req_t req, char **payload, size_t *payload_sz,
				     void **mr)
{
	if (!req || !payload || !payload_sz)
		return -EINVAL;
	if (mr)
		*mr = NULL;
	if (!req->tp || !req->tp->get_payload)
#ifdef HAVE_URING
		return -EINVAL;
#else
		return -ENOTSUP;
#endif
	return req->tp->get_payload(req, payload, payload_sz);
}
