/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What users see of the io-uring transport whether or not it was built in: its options
 * (-o io_uring, -o io_uring_q_depth) and environment switches (FUSE_URING_ENABLE,
 * FUSE_URING_QUEUE_DEPTH), the ring as a transport of the session (transport_i.h: when INIT
 * starts it, and why it stays off), and the public ringfuse_uring_* calls.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"
#include "fuse_opt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int uring_parse_depth(const char *text, unsigned int *depth)
{
	unsigned long v;
	const char *p;
	char *end;

	/* strtoul accepts "-1" (as ULONG_MAX), leading blanks and "+": none of that is a depth. */
	for (p = text; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	if (p == text)
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < 1 || v > FUSE__URING_DEPTH_MAX)
		return -EINVAL;
	*depth = (unsigned int)v;
	return 0;
}

static int uring_env(struct fuse__uring_cfg *cfg)
{
	const char *v;

	if (!cfg)
		return -EINVAL;
	v = getenv("FUSE_URING_ENABLE");
	if (v && *v) {
		if (strcmp(v, "1") == 0) {
			cfg->enable = true;
		} else if (strcmp(v, "0") == 0) {
			cfg->enable = false;
		} else {
			fuse_log(FUSE_LOG_ERR, "fuse: invalid FUSE_URING_ENABLE=%s: must be 0 or 1\n", v);
			return -EINVAL;
		}
	}
	v = getenv("FUSE_URING_QUEUE_DEPTH");
	if (v && *v) {
		if (uring_parse_depth(v, &cfg->q_depth) < 0) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: invalid FUSE_URING_QUEUE_DEPTH=%s: must be a whole number from 1 to %u\n",
				 v, FUSE__URING_DEPTH_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- options ---- */

static void uring_help(void)
{
	printf("    -o io_uring              carry requests over FUSE-over-io-uring queues (one per\n"
	       "                             CPU) instead of read/write on /dev/fuse; falls back to\n"
	       "                             /dev/fuse, saying why, when the kernel cannot\n"
	       "                             (also: FUSE_URING_ENABLE=1)\n"
	       "    -o io_uring_q_depth=N    ring entries per queue, 1..%u (default %u; also\n"
	       "                             FUSE_URING_QUEUE_DEPTH=N). Ring memory is\n"
	       "                             CPUs x N x (max_write + 4 KiB)\n",
	       FUSE__URING_DEPTH_MAX, FUSE__URING_DEPTH_DEFAULT);
}

/*
 * q_depth=0 must be an error, not "use the default", so the option is parsed by a key
 * callback that sees whether it was given at all.
 */
#define KEY_Q_DEPTH 1

struct uring_parse {
	int io_uring;
	bool depth_given;
	long long depth;
	bool depth_bad;
	char depth_text[32];
};

static int uring_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct uring_parse *p = data;
	const char *val;
	char *end;

	(void)outargs;
	if (key != KEY_Q_DEPTH)
		return 1;
	val = strchr(arg, '=');
	val = val ? val + 1 : "";
	snprintf(p->depth_text, sizeof(p->depth_text), "%s", val);
	p->depth_given = true;
	errno = 0;
	p->depth = strtoll(val, &end, 10);
	if (errno || end == val || *end != '\0')
		p->depth_bad = true;
	return 0;
}

static const struct fuse_opt uring_opt_spec[] = {
	{ "io_uring", offsetof(struct uring_parse, io_uring), 1 },
	FUSE_OPT_KEY("io_uring_q_depth=", KEY_Q_DEPTH),
	FUSE_OPT_END
};

/* ---- the transport ---- */

static int uring_tp_init(struct fuse__transport *t, struct fuse_args *args)
{
	struct uring_parse parse = { 0 };
	struct fuse__uring_tp *ut;
	int err;

	ut = calloc(1, sizeof(*ut));
	if (!ut)
		return -ENOMEM;
	t->priv = ut;
	if (args && fuse_opt_parse(args, &parse, uring_opt_spec, uring_opt_proc) == -1)
		return -EINVAL;
	ut->cfg.q_depth = FUSE__URING_DEPTH_DEFAULT;
	err = uring_env(&ut->cfg);
	if (err < 0)
		return err;
	if (parse.io_uring)
		ut->cfg.enable = true;
	if (parse.depth_given) {
		if (parse.depth_bad || parse.depth < 1 || parse.depth > FUSE__URING_DEPTH_MAX) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: invalid io_uring_q_depth=%s: must be a whole number from 1 to %u\n",
				 parse.depth_text, FUSE__URING_DEPTH_MAX);
			return -EINVAL;
		}
		ut->cfg.q_depth = (unsigned int)parse.depth;
	}
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
