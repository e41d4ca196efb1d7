/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What users see of the io-uring transport whether or not it was built in: the ring as a
 * transport of the session (transport_i.h: its -o io_uring switch, which hands the other
 * -o io_uring_*= switches to fuse_uring_opts.c; when INIT starts it, and why it stays off),
 * and the public ringfuse_uring_* calls.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"
#include "fuse_opt.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- options ---- */

static void uring_help(void)
{
	printf("    -o io_uring              carry requests over FUSE-over-io-uring queues (one per\n"
	       "                             CPU) instead of read/write on /dev/fuse; falls back to\n"
	       "                             /dev/fuse, saying why, when the kernel cannot\n"
	       "                             (also: FUSE_URING_ENABLE=1)\n"
	       "    -o io_uring_inline       the handlers never block: run every one on its\n"
	       "                             ring queue's thread (no worker threads)\n"
	       "    -o io_uring_workers      run every ring handler on a worker thread (for\n"
	       "                             handlers that wait for each other)\n");
	fuse__uring_opts_help();
}

/* Every -o io_uring_*= switch goes to fuse_uring_opts.c, the one parser of ring switches. */
#define KEY_URING 1

struct uring_parse {
	int io_uring;
	int io_uring_inline;
	int io_uring_workers;
	struct fuse__uring_cfg *cfg;
};

static int uring_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct uring_parse *p = data;

	(void)outargs;
	if (key != KEY_URING)
		return 1;
	return fuse__uring_cfg_opt(p->cfg, arg) < 0 ? -1 : 0;
}

static const struct fuse_opt uring_opt_spec[] = {
	{ "io_uring", offsetof(struct uring_parse, io_uring), 1 },
	FUSE_OPT_KEY("io_uring_q_depth=", KEY_URING),
	FUSE_OPT_KEY("io_uring_max_memory=", KEY_URING),
	FUSE_OPT_KEY("io_uring_queue_memory=", KEY_URING),
	{ "io_uring_inline", offsetof(struct uring_parse, io_uring_inline), 1 },
	{ "io_uring_workers", offsetof(struct uring_parse, io_uring_workers), 1 },
	FUSE_OPT_END
};

/* ---- the transport ---- */

static int uring_tp_init(struct fuse__transport *t, struct fuse_args *args)
{
	struct uring_parse parse = { 0 };
	struct fuse__uring_tp *ut;

	ut = calloc(1, sizeof(*ut));
	if (!ut)
		return -ENOMEM;
	t->priv = ut;
	/* The environment first, so that -o io_uring_* given on the command line wins. */
	fuse__uring_cfg_init(&ut->cfg);
	if (fuse__uring_env(&ut->cfg) < 0)
		return -EINVAL;
	parse.cfg = &ut->cfg;
	if (args && fuse_opt_parse(args, &parse, uring_opt_spec, uring_opt_proc) == -1)
		return -EINVAL;
	if (parse.io_uring)
		ut->cfg.enable = true;
	/* Refused after parsing, so that the order on the command line does not matter. */
	if (parse.io_uring_inline && parse.io_uring_workers) {
		fuse_log(FUSE_LOG_ERR, "fuse: io_uring_inline and io_uring_workers exclude each other\n");
		return -EINVAL;
	}
	if (parse.io_uring_inline)
		ut->cfg.dispatch = RINGFUSE_URING_INLINE;
	if (parse.io_uring_workers)
		ut->cfg.dispatch = RINGFUSE_URING_WORKERS;
	return 0;
}

static uint64_t uring_tp_wanted(struct fuse__transport *t)
{
	struct fuse__uring_tp *ut = t->priv;

	return ut->cfg.enable ? FUSE_OVER_IO_URING : 0;
}

/* Only here are the buffer sizes known, and only the INIT reply can switch the kernel over. */
static int uring_tp_start(struct fuse__transport *t, uint64_t *outflags)
{
	struct fuse_session *se = t->se;
	struct fuse__uring_cfg *cfg = &uring_tp(se)->cfg;

	if (!cfg->enable)
		return 0;
	if (!(se->kernel_flags & FUSE_OVER_IO_URING)) {
		snprintf(cfg->why_not, sizeof(cfg->why_not),
			 access("/sys/module/fuse/parameters/enable_uring", F_OK) == 0 ?
				 "the kernel did not offer FUSE_OVER_IO_URING: "
				 "/sys/module/fuse/parameters/enable_uring is not Y" :
				 "this kernel has no FUSE over io-uring (protocol 7.%u)",
			 se->conn.proto_minor);
	} else if (!(se->conn.want & FUSE_CAP_OVER_IO_URING)) {
		snprintf(cfg->why_not, sizeof(cfg->why_not),
			 "the filesystem's init() cleared FUSE_CAP_OVER_IO_URING");
	} else if (fuse__uring_start(se) == 0) {
		cfg->active = true;
		*outflags |= FUSE_OVER_IO_URING;
		if (se->debug)
			fuse_log(FUSE_LOG_DEBUG, "ringfuse: io_uring transport on%s\n",
				 atomic_load(&se->serial) ?
					 " (single-threaded loop: one handler at a time)" : "");
		return 1;
	}
	/* fuse__uring_start wrote its own reason on failure. */
	if (!cfg->why_not[0])
		snprintf(cfg->why_not, sizeof(cfg->why_not), "io_uring start failed");
	fuse_log(FUSE_LOG_WARNING, "ringfuse: io_uring unavailable (%s); using /dev/fuse\n",
		 cfg->why_not);
	return -EOPNOTSUPP;
}

static void uring_tp_go(struct fuse__transport *t)
{
	/* Only now may the queues REGISTER: before the kernel has processed the INIT reply it
	 * answers -EAGAIN. The reply's write returned after the kernel processed it. */
	if (uring_tp(t->se)->cfg.active)
		fuse__uring_init_replied(t->se);
}

static void uring_tp_stop(struct fuse__transport *t)
{
	if (t->priv)
		fuse__uring_stop(t->se);
}

static struct fuse_req *uring_tp_find_req(struct fuse__transport *t, uint64_t unique)
{
	return fuse__uring_find_req(t->se, unique);
}

static void uring_tp_stats_print(struct fuse__transport *t, FILE *out)
{
	fuse__uring_stats_print(t->se, out);
}

static void uring_tp_destroy(struct fuse__transport *t)
{
	free(t->priv);
}

/*
 * No wake: every queue polls the session's exit eventfd, which fuse__session_exit writes and
 * which outlives the ring, so a signal handler that runs while stop frees the queues cannot
 * touch freed memory. No notify: notifications go through /dev/fuse.
 */
const struct fuse__transport_class fuse__uring_class = {
	.name = "io_uring",
	.parallel = true,
	.help = uring_help,
	.init = uring_tp_init,
	.wanted = uring_tp_wanted,
	.start = uring_tp_start,
	.go = uring_tp_go,
	.stop = uring_tp_stop,
	.find_req = uring_tp_find_req,
	.stats_print = uring_tp_stats_print,
	.destroy = uring_tp_destroy,
};

/* ---- public API ---- */

FUSE_EXPORT bool ringfuse_uring_active(struct fuse_session *se, const char **why_not)
{
	bool active;

	if (why_not)
		*why_not = NULL;
	if (!se)
		return false;
	active = uring_tp(se)->cfg.active && fuse__uring_queue_count(se) > 0;
	if (!active && why_not && uring_tp(se)->cfg.enable && uring_tp(se)->cfg.why_not[0])
		*why_not = uring_tp(se)->cfg.why_not;
	return active;
}

FUSE_EXPORT int ringfuse_uring_queue_count(struct fuse_session *se)
{
	if (!se || !uring_tp(se)->cfg.active)
		return 0;
	return fuse__uring_queue_count(se);
}

FUSE_EXPORT int ringfuse_uring_queue_stats(struct fuse_session *se, unsigned int qid,
					   struct ringfuse_queue_stats *stats)
{
	if (!se || !stats)
		return -EINVAL;
	return fuse__uring_read_stats(se, qid, stats);
}

FUSE_EXPORT int ringfuse_session_set_uring_dispatch(struct fuse_session *se,
						    enum ringfuse_uring_dispatch mode)
{
	if (!se)
		return -EINVAL;
	switch (mode) {
	case RINGFUSE_URING_AUTO:
	case RINGFUSE_URING_INLINE:
	case RINGFUSE_URING_WORKERS:
		/* Read once, when the ring starts at INIT. */
		uring_tp(se)->cfg.dispatch = mode;
		return 0;
	default:
		return -EINVAL;
	}
}
