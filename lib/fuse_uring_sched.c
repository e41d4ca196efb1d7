/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduling policy of the ring's queue threads (SCHED_IDLE while their CPU has room,
 * SCHED_OTHER when they wait too long to run). Called by the queue engine once per round.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/*
 * Why a queue thread runs as SCHED_IDLE while its CPU has room. The kernel puts a request on
 * the queue of the CPU its caller runs on, so caller and queue thread share that CPU. When the
 * reply wakes the caller, the thread is still running there, and the scheduler prefers an idle
 * CPU: a caller with one request at a time hops between CPUs, every hop waking a halted vCPU
 * (measured on an idle 2-vCPU VM, 4k reads: 0.6 caller migrations per request, 24-29k IOPS).
 * A CPU whose only runnable task is SCHED_IDLE counts as idle for that choice, so the caller
 * stays, preempts the thread at once, and the two take turns on one CPU (70k IOPS).
 * SCHED_IDLE loses every contest for the CPU, though: next to a busy task the thread starves
 * (69 IOPS measured). So the thread watches its run delay (runnable but not running, from
 * /proc/thread-self/schedstat) over epochs of at least 10 ms: above 85% of an epoch it goes
 * back to SCHED_OTHER, and it tries SCHED_IDLE again only after a second in which the delay
 * stayed below 20%. Taking turns with the caller sits near 50%. Never used when the thread
 * could not switch back (unprivileged without RLIMIT_NICE) or RINGFUSE_RING_SCHED_IDLE=0.
 * A queue that handed requests to workers in a round goes back to SCHED_OTHER at once and
 * stays there until a second without hand-offs has passed.
 */
#define URING_POL_EPOCH_NS (10 * 1000 * 1000ULL)
#define URING_POL_RETRY_NS (1000 * 1000 * 1000ULL)
#define URING_POL_HIGH_PCT 85
#define URING_POL_LOW_PCT 20

static uint64_t uring_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int uring_run_delay(int fd, uint64_t *delay)
{
	unsigned long long run, wait;
	char buf[96];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return -EIO;
	*delay = wait;
	return 0;
}

static int uring_set_idle(bool idle)
{
	struct sched_param sp = { .sched_priority = 0 };

	/* pid 0: the calling thread, not the process */
	if (sched_setscheduler(0, idle ? SCHED_IDLE : SCHED_OTHER, &sp) < 0)
		return -errno;
	return 0;
}

/*
 * CAP_SYS_NICE in the effective set. Root in a container may lack it, so euid 0 proves
 * nothing; without libcap the bitmask in /proc is the way to ask.
 */
static bool uring_has_cap_sys_nice(void)
{
	unsigned long long caps = 0;
	bool found = false;
	char line[128];
	FILE *f = fopen("/proc/thread-self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			found = true;
			break;
		}
	(void)fclose(f);
	return found && (caps & (1ULL << 23)); /* CAP_SYS_NICE */
}

/* Leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE that covers the thread's nice. */
static bool uring_can_leave_idle(void)
{
	struct rlimit rl;
	int nice;

	if (uring_has_cap_sys_nice())
		return true;
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (errno || getrlimit(RLIMIT_NICE, &rl) < 0)
		return false;
	return rl.rlim_cur == RLIM_INFINITY || (rlim_t)(20 - nice) <= rl.rlim_cur;
}

void uring_pol_init(struct uring_queue *q, struct uring_pol *pol)
{
	const char *v = getenv("RINGFUSE_RING_SCHED_IDLE");
	int policy = sched_getscheduler(0);

	*pol = (struct uring_pol){ .fd = -1 };
	/* Only a plain SCHED_OTHER thread of ours; a real-time or batch setup is the user's. */
	if ((v && strcmp(v, "0") == 0) || policy != SCHED_OTHER || !uring_can_leave_idle())
		return;
	pol->fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (pol->fd < 0)
		return;
	pol->epoch_start = uring_now_ns();
	if (uring_run_delay(pol->fd, &pol->delay_start) < 0 || uring_set_idle(true) < 0) {
		close(pol->fd);
		pol->fd = -1;
		return;
	}
	pol->idle = true;
	if (q->ring->se->debug)
		fuse_log(FUSE_LOG_DEBUG, "fuse: ring queue %u: SCHED_IDLE while the CPU has room\n",
			 q->qid);
}

void uring_pol_check(struct uring_queue *q, struct uring_pol *pol)
{
	uint64_t now, delay = 0, pct;
	int err;

	if (pol->fd < 0)
		return;
	if (q->handed_off_round) {
		/*
		 * Workers are in play: they wake the queue thread with every reply, and a
		 * SCHED_IDLE queue thread then waits behind every other task on its CPU to commit
		 * it (1 ms READs, 16 readers, a busy machine: 30-270 IOPS against 1,200-2,800 on
		 * /dev/fuse). The CPU-sharing trick is for inline handlers only.
		 */
		q->handed_off_round = false;
		if (pol->idle && uring_set_idle(false) == 0)
			pol->idle = false;
		pol->normal_since = uring_now_ns();
		return;
	}
	now = uring_now_ns();
	if (now - pol->epoch_start < URING_POL_EPOCH_NS)
		return;
	if (uring_run_delay(pol->fd, &delay) < 0)
		return;
	pct = (delay - pol->delay_start) * 100 / (now - pol->epoch_start);
	pol->epoch_start = now;
	pol->delay_start = delay;
	if (pol->idle && pct > URING_POL_HIGH_PCT) {
		err = uring_set_idle(false);
		if (err < 0) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: ring queue %u: cannot leave SCHED_IDLE: %s\n", q->qid,
				 strerror(-err));
			close(pol->fd);
			pol->fd = -1;
			return;
		}
		pol->idle = false;
		pol->normal_since = now;
	} else if (!pol->idle && pct >= URING_POL_LOW_PCT) {
		pol->normal_since = now; /* still contended: the second starts again */
	} else if (!pol->idle && now - pol->normal_since >= URING_POL_RETRY_NS) {
		if (uring_set_idle(true) == 0)
			pol->idle = true;
	}
}

void uring_pol_fini(struct uring_pol *pol)
{
	if (pol->fd < 0)
		return;
	if (pol->idle)
		(void)uring_set_idle(false);
	close(pol->fd);
	pol->fd = -1;
}
