/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The session's side of the transport interface (transport_i.h): the table of transports a
 * session has, and the loops over them. This is the only file that names the transport
 * classes; everything else in the session asks all of its transports and lets each decide.
 */
#include "fuse_i.h"
#include "transport_i.h"

static const struct fuse__transport_class *const transport_classes[FUSE__TP_MAX] = {
	[FUSE__TP_DEV] = &fuse__dev_class,
	[FUSE__TP_RING] = &fuse__uring_class,
};

void fuse__transports_help(void)
{
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++)
		if (transport_classes[i]->help)
			transport_classes[i]->help();
}

int fuse__transports_init(struct fuse_session *se, struct fuse_args *args)
{
	unsigned int i;
	int err;

	for (i = 0; i < FUSE__TP_MAX; i++) {
		struct fuse__transport *t = &se->tp[i];

		t->cls = transport_classes[i];
		t->se = se;
		t->priv = NULL;
		if (t->cls->init) {
			err = t->cls->init(t, args);
			if (err < 0)
				return err; /* fuse__transports_destroy frees what the others took */
		}
	}
	return 0;
}

int fuse__transports_attach(struct fuse_session *se, int fd)
{
	unsigned int i;
	int err;

	for (i = 0; i < FUSE__TP_MAX; i++) {
		struct fuse__transport *t = &se->tp[i];

		if (t->cls && t->cls->attach) {
			err = t->cls->attach(t, fd);
			if (err < 0)
				return err;
		}
	}
	return 0;
}

uint64_t fuse__transports_wanted(struct fuse_session *se)
{
	uint64_t flags = 0;
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++)
		if (se->tp[i].cls && se->tp[i].cls->wanted)
			flags |= se->tp[i].cls->wanted(&se->tp[i]);
	return flags;
}

void fuse__transports_start(struct fuse_session *se, uint64_t *outflags)
{
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++) {
		struct fuse__transport *t = &se->tp[i];
		bool parallel;

		if (!t->cls || !t->cls->start)
			continue;
		/*
		 * A transport that delivers on many threads while the filesystem was promised one
		 * request at a time: fuse__dispatch serializes. Set before the transport's threads
		 * exist, so none of them can see it change.
		 */
		parallel = t->cls->parallel && !atomic_load(&se->loop_parallel);
		if (parallel)
			atomic_store(&se->serial, true);
		if (t->cls->start(t, outflags) <= 0 && parallel)
			atomic_store(&se->serial, false);
	}
}

void fuse__transports_go(struct fuse_session *se)
{
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++)
		if (se->tp[i].cls && se->tp[i].cls->go)
			se->tp[i].cls->go(&se->tp[i]);
}

void fuse__transports_wake(struct fuse_session *se)
{
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++)
		if (se->tp[i].cls && se->tp[i].cls->wake)
			se->tp[i].cls->wake(&se->tp[i]);
}

void fuse__transports_stop(struct fuse_session *se)
{
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++)
		if (se->tp[i].cls && se->tp[i].cls->stop)
			se->tp[i].cls->stop(&se->tp[i]);
}

struct fuse_req *fuse__transports_find_req(struct fuse_session *se, uint64_t unique)
{
	struct fuse_req *req = NULL;
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX && !req; i++)
		if (se->tp[i].cls && se->tp[i].cls->find_req)
			req = se->tp[i].cls->find_req(&se->tp[i], unique);
	return req;
}

int fuse__transports_notify(struct fuse_session *se, struct iovec *iov, int count)
{
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++)
		if (se->tp[i].cls && se->tp[i].cls->notify)
			return se->tp[i].cls->notify(&se->tp[i], iov, count);
	return -ENOTCONN;
}

void fuse__transports_stats_print(struct fuse_session *se, FILE *out)
{
	unsigned int i;

	for (i = 0; i < FUSE__TP_MAX; i++)
		if (se->tp[i].cls && se->tp[i].cls->stats_print)
			se->tp[i].cls->stats_print(&se->tp[i], out);
}

void fuse__transports_destroy(struct fuse_session *se)
{
	unsigned int i;

	for (i = FUSE__TP_MAX; i-- > 0;) {
		struct fuse__transport *t = &se->tp[i];

		if (t->cls && t->cls->destroy)
			t->cls->destroy(t);
		t->cls = NULL;
		t->priv = NULL;
	}
}
