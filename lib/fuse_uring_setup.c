/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building and tearing down the io-uring transport: one queue per possible CPU (the kernel
 * routes a request to the queue of the CPU its caller ran on), each with its entries' buffers
 * (allocated on the CPU's NUMA node), its own io_uring with the setup flags this kernel
 * accepts, and a thread `fuse-ring-<qid>` pinned to the CPU. Start runs after the filesystem's
 * init(), and only when every queue is ready does INIT answer with FUSE_OVER_IO_URING; the
 * queues REGISTER once that reply is out. Stop wakes and joins the threads, waits a bounded
 * time for handlers that still hold entries, and frees the memory.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_NUMA
#include <numa.h>
#endif

/* How long stop waits for threads, then for handlers that still hold entries. */
#define URING_JOIN_TIMEOUT_S 10
#define URING_HELD_TIMEOUT_MS 5000

static unsigned int uring_possible_cpus(void)
{
	char buf[256];
	unsigned int count = 0;
	unsigned long a, b;
	ssize_t n;
	char *p, *end;
	int fd, conf;

	/* The kernel sizes its queue array by num_possible_cpus(): the "possible" mask's weight. */
	fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			for (p = buf; *p && *p != '\n';) {
				a = strtoul(p, &end, 10);
				if (end == p)
					break;
				b = a;
				if (*end == '-') {
					p = end + 1;
					b = strtoul(p, &end, 10);
					if (end == p || b < a)
						break;
				}
				count += (unsigned int)(b - a + 1);
				p = end;
				if (*p == ',')
					p++;
			}
		}
	}
	if (count)
		return count;
	conf = get_nprocs_conf();
	return conf > 0 ? (unsigned int)conf : 1;
}
static void uring_mem_free(struct uring_queue *q)
{
	if (!q->mem)
		return;
#ifdef HAVE_NUMA
	if (q->numa) {
		numa_free(q->mem, q->mem_size);
		q->mem = NULL;
		return;
	}
#endif
	free(q->mem);
	q->mem = NULL;
}

static int uring_mem_alloc(struct uring_queue *q)
{
	struct fuse__uring *ring = q->ring;
	long page = sysconf(_SC_PAGESIZE);
	void *mem = NULL;
	int err;

	q->mem_size = (size_t)ring->depth * (ring->hdr_size + ring->payload_size);
#ifdef HAVE_NUMA
	if (q->node >= 0 && numa_available() >= 0) {
		/* numa_alloc_onnode mmaps, so the memory is page-aligned like the kernel wants
		 * the header; pages are placed on the node of the CPU the queue serves. */
		mem = numa_alloc_onnode(q->mem_size, q->node);
		if (mem) {
			q->numa = true;
			q->mem = mem;
			return 0;
		}
	}
#endif
	err = posix_memalign(&mem, page > 0 ? (size_t)page : 4096, q->mem_size);
	if (err) {
		snprintf(q->setup_why, sizeof(q->setup_why),
			 "allocating %zu bytes of ring buffers for queue %u failed: %s",
			 q->mem_size, q->qid, strerror(err));
		return -err;
	}
	q->mem = mem;
	return 0;
}
static int uring_ring_init(struct uring_queue *q)
{
	/* Most wanted first; a kernel that does not know a flag answers -EINVAL. DEFER_TASKRUN
	 * runs the kernel's request delivery when this thread waits anyway, instead of
	 * interrupting it; SUBMIT_ALL keeps one bad commit from stalling the rest of a batch. */
	static const unsigned int probe[] = {
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	unsigned int sq = q->ring->depth + 2;
	struct io_uring_params p;
	size_t i;
	int ret = -EINVAL;

	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		memset(&p, 0, sizeof(p));
		/* Each entry and doorbell has at most one operation in flight, so a CQ twice the
		 * SQ cannot overflow. Depths beyond the kernel's ring limits are clamped: the SQ
		 * then fills before a batch ends and uring_get_sqe flushes it, and a CQ overflow is
		 * held back by the kernel (IORING_FEAT_NODROP), not lost. */
		p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | probe[i];
		p.cq_entries = 2 * sq;
		ret = io_uring_queue_init_params(sq, &q->uring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0) {
		snprintf(q->setup_why, sizeof(q->setup_why), "io_uring_queue_init failed: %s",
			 strerror(-ret));
		return ret;
	}
	q->uring_ok = true;
	/* The SQ and CQ rings and the SQE array, as the kernel sized them. */
	q->ring_bytes = (size_t)p.sq_entries * (128 + 4) + (size_t)p.cq_entries * 16;
	if (q->qid == 0)
		q->ring->ring_flags = p.flags;
	ret = io_uring_register_files(&q->uring, &q->ring->se->ch->fd, 1);
	if (ret < 0) {
		snprintf(q->setup_why, sizeof(q->setup_why),
			 "registering /dev/fuse with io_uring failed: %s", strerror(-ret));
		return ret;
	}
	/* Saves a file lookup per io_uring_enter; optional. */
	(void)io_uring_register_ring_fd(&q->uring);
	return 0;
}

static int uring_queue_setup(struct uring_queue *q)
{
	struct fuse__uring *ring = q->ring;
	size_t stride = ring->hdr_size + ring->payload_size;
	unsigned int i;
	int err;

	err = uring_mem_alloc(q);
	if (err)
		return err;
	for (i = 0; i < ring->depth; i++) {
		struct uring_ent *ent = &q->ents[i];

		ent->hdr = (struct fuse__uring_req_header *)(q->mem + i * stride);
		ent->payload = q->mem + i * stride + ring->hdr_size;
		ent->reg_iov[0].iov_base = ent->hdr;
		ent->reg_iov[0].iov_len = ring->hdr_size;
		ent->reg_iov[1].iov_base = ent->payload;
		ent->reg_iov[1].iov_len = ring->payload_size;
	}
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		err = -errno;
		snprintf(q->setup_why, sizeof(q->setup_why), "eventfd failed: %s", strerror(-err));
		return err;
	}
	return uring_ring_init(q);
}

static void uring_pin(struct uring_queue *q)
{
	cpu_set_t set;
	int err;

	if (!q->pin) {
		if (q->ring->se->debug)
			fuse_log(FUSE_LOG_DEBUG,
				 "fuse: ring queue %u: CPU %u is not in the allowed set; thread not pinned\n",
				 q->qid, q->qid);
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(q->qid, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err && q->ring->se->debug)
		fuse_log(FUSE_LOG_DEBUG, "fuse: ring queue %u: pinning to CPU %u failed: %s\n",
			 q->qid, q->qid, strerror(err));
}

void uring_affinity(struct uring_queue *q, bool pinned)
{
	cpu_set_t set;
	int err;

	if (pinned) {
		uring_pin(q);
		return;
	}
	if (!q->have_home)
		return;
	set = q->home;
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err && q->ring->se->debug)
		fuse_log(FUSE_LOG_DEBUG, "fuse: ring queue %u: unpinning failed: %s\n", q->qid,
			 strerror(err));
}

/* The CPUs a queue thread may use while it is not pinned: those of its CPU's NUMA node that
 * the process may use (its buffers live there), or all of those when the node is unknown. */
static void uring_home(struct uring_queue *q, const cpu_set_t *allowed)
{
	q->home = *allowed;
	q->have_home = true;
#ifdef HAVE_NUMA
	if (q->node >= 0 && numa_available() >= 0) {
		struct bitmask *cpus = numa_allocate_cpumask();
		cpu_set_t node;
		unsigned int c;

		if (!cpus)
			return;
		CPU_ZERO(&node);
		if (numa_node_to_cpus(q->node, cpus) == 0)
			for (c = 0; c < CPU_SETSIZE && c < cpus->size; c++)
				if (numa_bitmask_isbitset(cpus, c) && CPU_ISSET(c, allowed))
					CPU_SET(c, &node);
		numa_free_cpumask(cpus);
		if (CPU_COUNT(&node) > 0)
			q->home = node;
	}
#endif
}

static void *uring_thread(void *arg)
{
	struct uring_queue *q = arg;
	struct fuse__uring *ring = q->ring;
	enum uring_phase phase;
	char name[16];
	int err;

	snprintf(name, sizeof(name), "fuse-ring-%u", q->qid);
	(void)pthread_setname_np(pthread_self(), name);
	/* Pinned before anything is allocated, so first touches land on the queue's node. */
	uring_pin(q);
	/* The ring is created here, not by the starter: with SINGLE_ISSUER the creating task
	 * is the only one allowed to submit. */
	err = uring_queue_setup(q);

	pthread_mutex_lock(&ring->lock);
	q->setup_err = err;
	ring->setup_done++;
	pthread_cond_broadcast(&ring->cond);
	while (ring->phase == URING_PHASE_SETUP)
		pthread_cond_wait(&ring->cond, &ring->lock);
	phase = ring->phase;
	pthread_mutex_unlock(&ring->lock);

	if (err == 0 && phase == URING_PHASE_GO)
		uring_queue_run(q);
	else {
		pthread_mutex_lock(&q->lock);
		q->accepting = false;
		pthread_mutex_unlock(&q->lock);
	}
	/* Closing the ring cancels the commands still parked in the kernel. The buffers stay
	 * until stop frees them: handlers on other threads may still be writing replies. */
	if (q->uring_ok) {
		io_uring_queue_exit(&q->uring);
		q->uring_ok = false;
	}
	atomic_store(&q->thread_done, true);
	return NULL;
}

static void uring_free(struct fuse__uring *ring)
{
	unsigned int i, j;

	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];

		if (q->ents) {
			for (j = 0; j < ring->depth; j++)
				fuse__req_fini(&q->ents[j].req);
			free(q->ents);
		}
		uring_mem_free(q);
		if (q->efd >= 0)
			close(q->efd);
		pthread_mutex_destroy(&q->lock);
	}
	uring_pool_destroy(ring);
	pthread_cond_destroy(&ring->cond);
	pthread_mutex_destroy(&ring->lock);
	free(ring);
}

static size_t uring_page(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (size_t)page : 4096;
}

/* What the kernel requires of iov[1] at REGISTER, else -EINVAL: at least
 * max(FUSE_MIN_READ_BUFFER, max_write, max_pages * page size), as INIT negotiated them. */
static size_t uring_payload_size(size_t max_write, size_t max_pages, size_t ps)
{
	size_t size = FUSE_MIN_READ_BUFFER;

	if (max_write > size)
		size = max_write;
	if (max_pages * ps > size)
		size = max_pages * ps;
	return (size + ps - 1) / ps * ps;
}

/*
 * What one entry costs: its header page and payload, its struct, and its share of the
 * io_uring (an SQE128 and its SQ index; two CQEs, the CQ being twice the SQ), doubled because
 * the kernel rounds both rings up to a power of two. A queue adds its struct and the SQ slots
 * of its two doorbells. An upper bound, so that what is allocated never exceeds the plan.
 */
#define URING_ENT_RING_BYTES (2 * (128 + 4 + 2 * 16))
#define URING_QUEUE_FIXED (sizeof(struct uring_queue) + 2 * URING_ENT_RING_BYTES)

static uint64_t uring_ent_cost(size_t hdr, size_t payload)
{
	return (uint64_t)hdr + payload + sizeof(struct uring_ent) + URING_ENT_RING_BYTES;
}

static uint64_t uring_phys_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);

	return pages > 0 ? (uint64_t)pages * uring_page() : 0;
}

/* The session bound when the user set none: sane on a 256-CPU machine as on a small VM. */
static uint64_t uring_default_bound(void)
{
	uint64_t phys = uring_phys_memory(), bound = FUSE__URING_SESSION_MEMORY_DEFAULT;

	if (phys && phys / 8 < bound)
		bound = phys / 8;
	return bound;
}

/*
 * Fit the ring into its bounds before anything is allocated, so that no allocation can fail
 * for size (an allocator that aborts instead of returning NULL, as ASan's does, would kill the
 * daemon with the mount in place). Each queue gets its share of the session bound, or the
 * queue bound when that is smaller.
 * When depth x entry does not fit, the depth yields first, down to 1; when one entry does not
 * fit either, max_write (and max_pages) are negotiated down, since the kernel insists on a
 * payload buffer of their size; when not even the smallest entry fits, or the ring would be
 * larger than the machine's RAM, the ring is refused and the session stays on /dev/fuse.
 * Reductions are said once, at warning level: the user gets less than asked for.
 */
static int uring_plan(struct fuse_session *se, unsigned int nq, unsigned int depth,
		      struct fuse__uring *ring)
{
	struct fuse__uring_cfg *cfg = &uring_tp(se)->cfg;
	size_t ps = uring_page(), hdr = ring->hdr_size, payload, min_payload;
	uint64_t per_q, fit, phys, need;
	char why[160];

	ring->bound = cfg->max_memory ? cfg->max_memory : uring_default_bound();
	per_q = ring->bound / nq;
	if (cfg->queue_memory && cfg->queue_memory < per_q)
		per_q = cfg->queue_memory;
	ring->queue_bound = per_q;
	payload = uring_payload_size(se->conn.max_write, se->max_pages, ps);
	need = (uint64_t)depth * uring_ent_cost(hdr, payload) + URING_QUEUE_FIXED;
	ring->asked = need * nq;
	fit = per_q > URING_QUEUE_FIXED ? (per_q - URING_QUEUE_FIXED) / uring_ent_cost(hdr, payload)
					: 0;
	if (fit >= depth) {
		ring->depth = depth;
	} else if (fit >= 1) {
		ring->depth = (unsigned int)fit;
		snprintf(why, sizeof(why), "queue depth %u lowered to %u", depth, ring->depth);
	} else {
		/* Without FUSE_MAX_PAGES the kernel keeps 32 pages per request whatever we say. */
		min_payload = uring_payload_size(4096, (se->kernel_flags & FUSE_MAX_PAGES) ? 1 : 32,
						 ps);
		fit = per_q > URING_QUEUE_FIXED + uring_ent_cost(hdr, 0) ?
			      per_q - URING_QUEUE_FIXED - uring_ent_cost(hdr, 0) : 0;
		fit = fit / ps * ps;
		if (fit < min_payload) {
			snprintf(cfg->why_not, sizeof(cfg->why_not),
				 "ring memory bound %llu bytes per queue (%u queues) is below one entry of %llu bytes; raise -o io_uring_max_memory / io_uring_queue_memory",
				 (unsigned long long)per_q, nq,
				 (unsigned long long)(uring_ent_cost(hdr, min_payload) +
						      URING_QUEUE_FIXED));
			return -ENOMEM;
		}
		ring->depth = 1;
		if (fit < se->conn.max_write)
			se->conn.max_write = (unsigned int)fit;
		if (se->kernel_flags & FUSE_MAX_PAGES)
			se->max_pages = (uint32_t)(fit / ps);
		snprintf(why, sizeof(why), "queue depth %u lowered to 1 and max_write to %zu bytes",
			 depth, fit);
	}
	ring->payload_size = uring_payload_size(se->conn.max_write, se->max_pages, ps);
	ring->planned = ((uint64_t)ring->depth * uring_ent_cost(hdr, ring->payload_size) +
			 URING_QUEUE_FIXED) * nq;
	phys = uring_phys_memory();
	if (phys && ring->planned > phys) {
		snprintf(cfg->why_not, sizeof(cfg->why_not),
			 "ring memory of %llu bytes (%u queues x depth %u) is more than this machine's RAM (%llu bytes)",
			 (unsigned long long)ring->planned, nq, ring->depth,
			 (unsigned long long)phys);
		return -ENOMEM;
	}
	if (ring->depth != depth)
		fuse_log(FUSE_LOG_WARNING,
			 "ringfuse: io_uring: %u queues x depth %u would take %llu bytes, above the ring memory bound (%llu per session, %llu per queue): %s (-o io_uring_max_memory / io_uring_queue_memory raise the bound)\n",
			 nq, depth, (unsigned long long)ring->asked,
			 (unsigned long long)ring->bound, (unsigned long long)ring->queue_bound,
			 why);
	return 0;
}

static int uring_alloc(struct fuse_session *se, unsigned int nq, unsigned int depth,
		       struct fuse__uring **out)
{
	struct fuse__uring *ring;
	size_t ps = uring_page();
	cpu_set_t allowed;
	bool have_allowed;
	unsigned int i, j;
	int err;

	ring = calloc(1, sizeof(*ring) + nq * sizeof(ring->q[0]));
	if (!ring) {
		snprintf(uring_tp(se)->cfg.why_not, sizeof(uring_tp(se)->cfg.why_not),
			 "allocating the ring's %u queues failed: %s", nq, strerror(ENOMEM));
		return -ENOMEM;
	}
	ring->se = se;
	ring->nq = nq;
	ring->hdr_size = ps >= sizeof(struct fuse__uring_req_header) ? ps : 4096;
	err = uring_plan(se, nq, depth, ring);
	if (err) {
		free(ring);
		return err;
	}
	depth = ring->depth;
	ring->phase = URING_PHASE_SETUP;
	pthread_mutex_init(&ring->lock, NULL);
	pthread_cond_init(&ring->cond, NULL);
	have_allowed = sched_getaffinity(0, sizeof(allowed), &allowed) == 0;

	for (i = 0; i < nq; i++) {
		struct uring_queue *q = &ring->q[i];

		q->ring = ring;
		q->qid = i;
		q->efd = -1;
		q->node = -1;
		pthread_mutex_init(&q->lock, NULL);
		q->pin = have_allowed && i < CPU_SETSIZE && CPU_ISSET(i, &allowed);
#ifdef HAVE_NUMA
		if (numa_available() >= 0)
			q->node = numa_node_of_cpu((int)i);
#endif
		if (have_allowed)
			uring_home(q, &allowed);
		q->ents = calloc(depth, sizeof(q->ents[0]));
		if (!q->ents) {
			snprintf(uring_tp(se)->cfg.why_not, sizeof(uring_tp(se)->cfg.why_not),
				 "allocating %u ring entries for queue %u failed: %s", depth, i,
				 strerror(ENOMEM));
			ring->nq = i + 1;
			uring_free(ring);
			return -ENOMEM;
		}
		for (j = 0; j < depth; j++) {
			struct uring_ent *ent = &q->ents[j];

			fuse__req_init(&ent->req, se);
			ent->req.tp = &fuse__uring_ops;
			ent->req.tp_data = ent;
			ent->req.embedded = true;
			ent->q = q;
			atomic_init(&ent->state, URING_ENT_IDLE);
			atomic_init(&ent->busy, false);
		}
	}
	*out = ring;
	return 0;
}

/* Tell the threads to leave and join them; false if one of them did not come back. */
static bool uring_join(struct fuse__uring *ring)
{
	struct timespec deadline;
	unsigned int i;
	uint64_t one = 1;
	bool all = true;
	ssize_t n;

	atomic_store(&ring->stopping, true);
	pthread_mutex_lock(&ring->lock);
	ring->phase = URING_PHASE_STOP;
	pthread_cond_broadcast(&ring->cond);
	pthread_mutex_unlock(&ring->lock);
	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];

		pthread_mutex_lock(&q->lock);
		if (q->efd >= 0) {
			n = write(q->efd, &one, sizeof(one));
			(void)n; /* a full counter is readable too */
		}
		pthread_mutex_unlock(&q->lock);
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += URING_JOIN_TIMEOUT_S;
	for (i = 0; i < ring->nq; i++) {
		struct uring_queue *q = &ring->q[i];
		int err;

		if (!q->thread_created)
			continue;
		err = pthread_timedjoin_np(q->tid, NULL, &deadline);
		if (err) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: ring thread fuse-ring-%u did not stop within %d s (%s); its memory is left in place\n",
				 q->qid, URING_JOIN_TIMEOUT_S, strerror(err));
			all = false;
			continue;
		}
		q->thread_created = false;
	}
	return all;
}

/* Handlers on other threads may still hold entries; wait a while for their replies. */
static bool uring_wait_held(struct fuse__uring *ring)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned int waited = 0, i, j, held;

	for (;;) {
		held = 0;
		for (i = 0; i < ring->nq; i++)
			for (j = 0; j < ring->depth; j++) {
				int st = atomic_load(&ring->q[i].ents[j].state);

				if (st == URING_ENT_HANDLER || st == URING_ENT_FILLING)
					held++;
			}
		if (!held)
			break;
		if (waited >= URING_HELD_TIMEOUT_MS) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: %u ring requests still unanswered %d ms after the session ended; their memory is left in place\n",
				 held, URING_HELD_TIMEOUT_MS);
			return false;
		}
		(void)nanosleep(&ts, NULL);
		waited += 10;
	}
	/* A replier that just moved an entry out of FILLING may still hold the queue lock. */
	for (i = 0; i < ring->nq; i++) {
		pthread_mutex_lock(&ring->q[i].lock);
		pthread_mutex_unlock(&ring->q[i].lock);
	}
	return true;
}

int fuse__uring_start(struct fuse_session *se)
{
	struct fuse__uring_cfg *cfg = &uring_tp(se)->cfg;
	/* What INIT settled before the ring's plan may have lowered them; a ring that does not
	 * start leaves /dev/fuse with what it had. */
	unsigned int max_write = se->conn.max_write;
	uint32_t max_pages = se->max_pages;
	struct fuse__uring *ring;
	sigset_t all, old;
	unsigned int nq, depth, i;
	int err = 0;

	if (uring_of(se))
		return -EALREADY;
	if (se->io || !se->ch) {
		snprintf(cfg->why_not, sizeof(cfg->why_not),
			 "the ring needs the session's own /dev/fuse descriptor (custom io in use)");
		return -EOPNOTSUPP;
	}
	depth = cfg->q_depth ? cfg->q_depth : FUSE__URING_DEPTH_DEFAULT;
	if (depth > FUSE__URING_DEPTH_MAX) {
		snprintf(cfg->why_not, sizeof(cfg->why_not), "queue depth %u is above %u", depth,
			 FUSE__URING_DEPTH_MAX);
		return -EINVAL;
	}
	nq = uring_possible_cpus();
	if (nq > UINT16_MAX) {
		snprintf(cfg->why_not, sizeof(cfg->why_not), "%u CPUs do not fit a 16-bit queue id", nq);
		return -EINVAL;
	}
	err = uring_alloc(se, nq, depth, &ring);
	if (err)
		goto restore;
	depth = ring->depth;
	err = uring_pool_init(ring);
	if (err) {
		snprintf(cfg->why_not, sizeof(cfg->why_not), "setting up the ring's workers failed: %s",
			 strerror(-err));
		uring_free(ring);
		goto restore;
	}

	/* Signals belong to the threads that installed handlers, never to a ring thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nq; i++) {
		err = pthread_create(&ring->q[i].tid, NULL, uring_thread, &ring->q[i]);
		if (err) {
			snprintf(cfg->why_not, sizeof(cfg->why_not),
				 "creating ring thread %u failed: %s", i, strerror(err));
			err = -err;
			break;
		}
		ring->q[i].thread_created = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&ring->lock);
	while (ring->setup_done < i)
		pthread_cond_wait(&ring->cond, &ring->lock);
	for (i = 0; i < nq && !err; i++) {
		if (ring->q[i].setup_err) {
			err = ring->q[i].setup_err;
			snprintf(cfg->why_not, sizeof(cfg->why_not), "%s",
				 ring->q[i].setup_why[0] ? ring->q[i].setup_why : strerror(-err));
		}
	}
	/* What the queues really hold (the setup results are read under the lock above). */
	for (i = 0; i < nq && !err; i++)
		ring->memory += sizeof(ring->q[i]) + ring->q[i].mem_size +
				(size_t)depth * sizeof(ring->q[i].ents[0]) + ring->q[i].ring_bytes;
	pthread_mutex_unlock(&ring->lock);

	if (err) {
		if (uring_join(ring))
			uring_free(ring);
		goto restore;
	}
	uring_tp(se)->ring = ring;
	if (se->debug)
		fuse_log(FUSE_LOG_DEBUG,
			 "fuse: io_uring: %u queues x depth %u, payload %zu bytes, header %zu bytes, max_write %u, ring memory %zu bytes allocated (bound %llu per session, %llu per queue; setup flags 0x%x)\n",
			 nq, depth, ring->payload_size, ring->hdr_size, se->conn.max_write,
			 ring->memory, (unsigned long long)ring->bound,
			 (unsigned long long)ring->queue_bound, ring->ring_flags);
	return 0;

restore:
	se->conn.max_write = max_write;
	se->max_pages = max_pages;
	return err;
}

void fuse__uring_init_replied(struct fuse_session *se)
{
	struct fuse__uring *ring = uring_of(se);

	if (!ring)
		return;
	pthread_mutex_lock(&ring->lock);
	if (ring->phase == URING_PHASE_SETUP)
		ring->phase = URING_PHASE_GO;
	pthread_cond_broadcast(&ring->cond);
	pthread_mutex_unlock(&ring->lock);
}

void fuse__uring_stop(struct fuse_session *se)
{
	struct fuse__uring *ring = uring_of(se);
	bool joined;

	if (!ring)
		return;
	/* Queue threads first (nothing is handed off after), then the workers. */
	joined = uring_join(ring);
	joined = uring_pool_stop(ring) && joined;
	uring_tp(se)->ring = NULL;
	if (!joined || !uring_wait_held(ring))
		return; /* deliberately leaked: someone may still write into it */
	uring_free(ring);
}
