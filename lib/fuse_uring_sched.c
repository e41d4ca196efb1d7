/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduling policy of the ring's queue threads (SCHED_IDLE while their CPU has room,
 * SCHED_OTHER when they wait too long to run). Called by the queue engine once per round.
 */
#include "fuse_i.h"
#include "fuse_uring_i.h"

#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/*
 * Why a queue thread runs as SCHED_IDLE while the machine has room. The kernel puts a request
 * on the queue of the CPU its caller runs on, so caller and queue thread share that CPU. When
 * the reply wakes the caller, the thread is still running there, and the scheduler prefers an
 * idle CPU: a caller with one request at a time hops between CPUs, every hop waking a halted
 * vCPU (measured on an idle 2-vCPU VM, 4k reads: 0.6 caller migrations per request, 24-29k
 * IOPS). A CPU whose only runnable task is SCHED_IDLE counts as idle for that choice, so the
 * caller stays, preempts the thread at once, and the two take turns on one CPU (70k IOPS).
 *
 * That only pays while some CPU is idle (there is nowhere to hop to otherwise), and it costs
 * dearly when the CPU is not: SCHED_IDLE loses every contest for it, and next to a CPU-bound
 * task the thread waits up to a second each time a request wakes it (69 IOPS measured). So
 * SCHED_IDLE is earned, not given:
 *   - a thread starts as SCHED_OTHER and goes to SCHED_IDLE only after URING_POL_QUIET_NS in
 *     which the machine kept at least half a CPU idle (/proc/stat, read every
 *     URING_POL_ROOM_NS) and the thread was put on a CPU URING_POL_QUIET_RUNS times without
 *     waiting for it (under 20% of each 10 ms epoch). A daemon with nothing to do gathers no
 *     evidence and stays SCHED_OTHER; so does one on a machine whose CPUs are all busy;
 *   - a SCHED_IDLE thread goes back at once when the machine has no idle CPU left, or when an
 *     epoch shows it waiting more than 85% of the time or URING_POL_IDLE_WAIT_NS per wake-up
 *     (a busy task on its own CPU while others idle). Each such starvation doubles the quiet
 *     time the thread needs before it tries again (up to 256 times, 51 s), so a CPU that
 *     stays busy costs one long wait a minute at most, not several a second. A starvation
 *     after URING_POL_PROVEN_RUNS runs served well in SCHED_IDLE is the machine changing,
 *     not the thread failing again: it counts as the first. (Without that, a machine that
 *     turned busy eight times, as the benchmark's busy phases do, took SCHED_IDLE away for
 *     51 s each time: 4k reads at QD1 on the idle machine fell from 68k to 18-20k IOPS in
 *     the second full run, the threads never in SCHED_IDLE again);
 *   - placement follows: the thread is pinned to its queue's CPU while the machine has room
 *     (and always while SCHED_IDLE) and may run on any allowed CPU of its node otherwise.
 * Never used when the thread could not switch back (unprivileged without RLIMIT_NICE), did
 * not start as SCHED_OTHER, or RINGFUSE_RING_SCHED_IDLE=0. A queue that hands
 * URING_POL_HANDOFFS requests to workers within an epoch goes back to SCHED_OTHER at once
 * and its quiet time starts again.
 */
#define URING_POL_EPOCH_NS (10 * 1000 * 1000ULL)
#define URING_POL_ROOM_NS (100 * 1000 * 1000ULL)
#define URING_POL_QUIET_NS (200 * 1000 * 1000ULL)
#define URING_POL_QUIET_RUNS 100
#define URING_POL_STARVED_MAX 8
#define URING_POL_PROVEN_RUNS 1000
#define URING_POL_IDLE_WAIT_NS (250 * 1000ULL)
#define URING_POL_HANDOFFS 8
#define URING_POL_HIGH_PCT 85
#define URING_POL_LOW_PCT 20

static uint64_t uring_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* schedstat: time on a CPU, time runnable but waiting (run delay), times put on a CPU. */
static int uring_run_delay(int fd, uint64_t *delay, uint64_t *runs)
{
	unsigned long long run, wait, count;
	char buf[96];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &run, &wait, &count) != 3)
		return -EIO;
	*delay = wait;
	*runs = count;
	return 0;
}

static void uring_pol_pin(struct uring_queue *q, struct uring_pol *pol, bool pinned)
{
	if (pol->pinned == pinned)
		return;
	uring_affinity(q, pinned);
	pol->pinned = pinned;
}

/* SCHED_IDLE is always pinned (sharing the caller's CPU is the point); leaving it unpins. */
static int uring_set_idle(struct uring_queue *q, struct uring_pol *pol, bool idle)
{
	struct sched_param sp = { .sched_priority = 0 };

	/* pid 0: the calling thread, not the process */
	if (sched_setscheduler(0, idle ? SCHED_IDLE : SCHED_OTHER, &sp) < 0)
		return -errno;
	uring_pol_pin(q, pol, idle);
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

/*
 * Idle and total ticks of all CPUs, from the first line of /proc/stat ("cpu  user nice system
 * idle iowait irq softirq steal ...").
 */
static int uring_cpu_ticks(int fd, uint64_t *idle, uint64_t *total)
{
	unsigned long long v[8];
	char buf[256];
	ssize_t n;
	int i;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		return -EIO;
	*idle = v[3] + v[4];
	*total = 0;
	for (i = 0; i < 8; i++)
		*total += v[i];
	return 0;
}

void uring_pol_init(struct uring_queue *q, struct uring_pol *pol)
{
	const char *v = getenv("RINGFUSE_RING_SCHED_IDLE");
	int policy = sched_getscheduler(0);

	*pol = (struct uring_pol){ .fd = -1, .stat_fd = -1 };
	/*
	 * Setup pinned the thread so that its buffers were first touched on its node. From here
	 * on it is pinned only while the machine has room (and always while SCHED_IDLE, where
	 * sharing the caller's CPU is the point): a thread pinned to a CPU that other tasks keep
	 * busy waits for that CPU while another may be free (4k reads, QD1, two CPU-bound
	 * processes and a loaded machine: unpinned 3.1-10.7k IOPS, pinned 4.3-5.8k, /dev/fuse
	 * 9.5-12.5k, whose workers are not pinned). It starts unpinned, until room is seen.
	 */
	uring_affinity(q, false);
	/* Only a plain SCHED_OTHER thread of ours; a real-time or batch setup is the user's. */
	if ((v && strcmp(v, "0") == 0) || policy != SCHED_OTHER || !uring_can_leave_idle())
		return;
	pol->fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	pol->stat_fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	pol->epoch_start = uring_now_ns();
	pol->room_at = pol->epoch_start;
	pol->room_since = pol->epoch_start;
	if (pol->fd < 0 || pol->stat_fd < 0 ||
	    uring_run_delay(pol->fd, &pol->delay_start, &pol->runs_start) < 0 ||
	    uring_cpu_ticks(pol->stat_fd, &pol->cpu_idle, &pol->cpu_total) < 0) {
		uring_pol_fini(q, pol);
		return;
	}
	/* Tests only: start as if SCHED_IDLE had been earned (test/uring/test_sched_busy.py). */
	v = getenv("RINGFUSE_TEST_SCHED_IDLE_START");
	if (v && strcmp(v, "1") == 0 && uring_set_idle(q, pol, true) == 0)
		pol->idle = true;
}

/* A SCHED_IDLE thread goes back to SCHED_OTHER (and unpinned: uring_set_idle). */
static void uring_pol_leave_idle(struct uring_queue *q, struct uring_pol *pol)
{
	int err;

	if (!pol->idle)
		return;
	err = uring_set_idle(q, pol, false);
	if (err < 0) {
		fuse_log(FUSE_LOG_ERR, "fuse: ring queue %u: cannot leave SCHED_IDLE: %s\n",
			 q->qid, strerror(-err));
		uring_pol_fini(q, pol);
		return;
	}
	pol->idle = false;
}

/* Every URING_POL_ROOM_NS: did the machine keep half a CPU idle? -1: not time yet. */
static int uring_pol_room(struct uring_pol *pol, uint64_t now)
{
	uint64_t idle, total, didle, dtotal;
	long ncpu;

	if (now - pol->room_at < URING_POL_ROOM_NS)
		return -1;
	if (uring_cpu_ticks(pol->stat_fd, &idle, &total) < 0)
		return 0;
	didle = idle - pol->cpu_idle;
	dtotal = total - pol->cpu_total;
	pol->cpu_idle = idle;
	pol->cpu_total = total;
	pol->room_at = now;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (dtotal == 0 || ncpu < 1)
		return -1;
	/* idle CPUs on average = didle / dtotal * ncpu; at least one half */
	return didle * (uint64_t)ncpu * 2 >= dtotal;
}

static void uring_pol_restart_quiet(struct uring_pol *pol, uint64_t now)
{
	pol->room_since = now;
	pol->quiet_runs = 0;
}

bool uring_pol_handoffs(struct uring_pol *pol, uint64_t now, uint64_t handed_off)
{
	if (handed_off - pol->handed_off_start < URING_POL_HANDOFFS)
		return false;
	/*
	 * Workers are in play: they wake the queue thread with every reply, and a SCHED_IDLE
	 * queue thread then waits behind every other task on its CPU to commit it (1 ms READs,
	 * 16 readers, a busy machine: 30-270 IOPS against 1,200-2,800 on /dev/fuse). The
	 * CPU-sharing trick is for inline handlers only. A few hand-offs in an epoch are not
	 * that: an inline handler preempted past URING_SLOW_NS sends its opcode to workers for
	 * a few requests, which happened every few hundred requests on this VM and kept the
	 * thread from ever earning SCHED_IDLE.
	 */
	pol->handed_off_start = handed_off;
	uring_pol_restart_quiet(pol, now);
	return true;
}

void uring_pol_decide(struct uring_pol *pol, const struct uring_pol_sample *s,
		      struct uring_pol_want *want)
{
	uint64_t span = s->now - pol->epoch_start;
	uint64_t ddelay = s->delay - pol->delay_start;
	uint64_t druns = s->runs - pol->runs_start;

	want->pct = span ? ddelay * 100 / span : 0;
	want->per_run_ns = druns ? ddelay / druns : 0;
	want->why = NULL;
	pol->epoch_start = s->now;
	pol->delay_start = s->delay;
	pol->runs_start = s->runs;
	pol->handed_off_start = s->handed_off;
	want->idle = pol->idle;
	if (s->room == 1)
		want->pinned = true;
	else if (s->room == 0 && !pol->idle)
		want->pinned = false;
	else
		want->pinned = pol->pinned;
	if (pol->idle) {
		bool starved = want->pct > URING_POL_HIGH_PCT ||
			       want->per_run_ns > URING_POL_IDLE_WAIT_NS;

		if (starved || s->room == 0) {
			want->why = starved ? "starved" : "no idle CPU";
			if (starved && pol->idle_runs >= URING_POL_PROVEN_RUNS)
				pol->starved = 1;
			else if (starved && pol->starved < URING_POL_STARVED_MAX)
				pol->starved++;
			want->idle = false;
			want->pinned = false;
			uring_pol_restart_quiet(pol, s->now);
			return;
		}
		pol->idle_runs += druns;
		return;
	}
	if (s->room == 0 || want->pct >= URING_POL_LOW_PCT) {
		/* busy or contended: the quiet time starts again */
		uring_pol_restart_quiet(pol, s->now);
		return;
	}
	pol->quiet_runs += druns;
	if (s->room == 1 && s->now - pol->room_since >= URING_POL_QUIET_NS << pol->starved &&
	    pol->quiet_runs >= URING_POL_QUIET_RUNS) {
		want->idle = true;
		want->pinned = true;
		pol->idle_runs = 0;
	}
}

uint64_t uring_pol_tick_ns(const struct uring_pol *pol)
{
	/*
	 * A SCHED_IDLE thread learns that the machine turned busy only when it runs; one whose
	 * queue has no requests would stay SCHED_IDLE, and the first request after the machine
	 * filled up would wait for a CPU-bound task's leftovers (up to a second). So while
	 * SCHED_IDLE the queue wakes by itself as often as /proc/stat is read.
	 */
	return pol->fd >= 0 && pol->idle ? URING_POL_ROOM_NS : 0;
}

void uring_pol_check(struct uring_queue *q, struct uring_pol *pol)
{
	struct uring_pol_sample s = { .room = -1 };
	struct uring_pol_want want;

	if (pol->fd < 0)
		return;
	s.now = uring_now_ns();
	s.handed_off = atomic_load_explicit(&q->stats.handed_off, memory_order_relaxed);
	if (uring_pol_handoffs(pol, s.now, s.handed_off)) {
		uring_pol_leave_idle(q, pol);
		return;
	}
	if (s.now - pol->epoch_start < URING_POL_EPOCH_NS)
		return;
	if (uring_run_delay(pol->fd, &s.delay, &s.runs) < 0)
		return;
	s.room = uring_pol_room(pol, s.now);
	uring_pol_decide(pol, &s, &want);
	if (want.idle == pol->idle) {
		uring_pol_pin(q, pol, want.pinned);
		return;
	}
	if (!want.idle) {
		if (q->ring->se->debug)
			fuse_log(FUSE_LOG_DEBUG,
				 "fuse: ring queue %u: SCHED_OTHER (%s; waited %llu%%, %llu us per wake-up)\n",
				 q->qid, want.why, (unsigned long long)want.pct,
				 (unsigned long long)(want.per_run_ns / 1000));
		uring_pol_leave_idle(q, pol);
		return;
	}
	if (uring_set_idle(q, pol, true) == 0) {
		pol->idle = true;
		if (q->ring->se->debug)
			fuse_log(FUSE_LOG_DEBUG, "fuse: ring queue %u: SCHED_IDLE while the machine has room\n",
				 q->qid);
	}
}

void uring_pol_fini(struct uring_queue *q, struct uring_pol *pol)
{
	if (pol->idle)
		(void)uring_set_idle(q, pol, false);
	pol->idle = false;
	if (pol->fd >= 0)
		close(pol->fd);
	if (pol->stat_fd >= 0)
		close(pol->stat_fd);
	pol->fd = pol->stat_fd = -1;
}
