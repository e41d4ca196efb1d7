/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The queue threads' scheduling controller (lib/fuse_uring_sched.c) fed made-up evidence:
 * epochs of 10 ms in which the thread was put on a CPU some number of times and waited some
 * time for it, and every tenth epoch a reading of whether the machine kept half a CPU idle
 * (as /proc/stat is read every 100 ms). What is pinned down is the contract in that file's
 * comment: SCHED_IDLE is earned by 200 ms of room and 100 quiet runs, never by a thread
 * with nothing to do; it is left at once on starvation, on a machine without an idle CPU and
 * on hand-offs to workers; every starvation doubles the next quiet time, up to 256 times,
 * unless the thread had served 1000 runs well before it (the machine changed: it counts as
 * the first); placement follows; and a SCHED_IDLE thread asks to be woken while it has no requests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuse_i.h"
#include "fuse_uring_i.h"
#include "check.h"

#include <string.h>

#define MS (1000 * 1000ULL)
#define US 1000ULL

/* The thread as the controller sees it, and the clock and counters it reads. */
struct sim {
	struct uring_pol pol;
	uint64_t now, delay, runs, handed_off;
	unsigned int epochs;
	struct uring_pol_want last;
};

static void sim_init(struct sim *t)
{
	memset(t, 0, sizeof(*t));
	/* What uring_pol_init leaves: switching possible (the descriptors are never read here),
	 * SCHED_OTHER, unpinned, everything counted from now. */
	t->pol.fd = 0;
	t->pol.stat_fd = 0;
	t->now = 1000 * MS;
	t->pol.epoch_start = t->pol.room_at = t->pol.room_since = t->now;
}

/*
 * One 10 ms epoch in which the thread ran `runs` times and waited `wait_ns` in all; `room`
 * as read from /proc/stat (every tenth epoch, -1 otherwise, unless forced). The decision is
 * applied as uring_pol_check applies it when the system calls succeed.
 */
static void sim_epoch_room(struct sim *t, uint64_t runs, uint64_t wait_ns, int room)
{
	struct uring_pol_sample s;

	t->now += 10 * MS;
	t->delay += wait_ns;
	t->runs += runs;
	t->epochs++;
	s = (struct uring_pol_sample){ .now = t->now, .delay = t->delay, .runs = t->runs,
				       .handed_off = t->handed_off, .room = room };
	uring_pol_decide(&t->pol, &s, &t->last);
	t->pol.idle = t->last.idle;
	t->pol.pinned = t->last.pinned;
}

/* An epoch on a machine with room, read every 100 ms. */
static void sim_epoch(struct sim *t, uint64_t runs, uint64_t wait_ns)
{
	sim_epoch_room(t, runs, wait_ns, t->epochs % 10 == 9 ? 1 : -1);
}

/* Epochs of `runs` quiet runs until the thread goes SCHED_IDLE; returns the ms it took. */
static uint64_t sim_until_idle(struct sim *t, uint64_t runs, uint64_t limit_ms)
{
	uint64_t start = t->now;

	while (!t->pol.idle && t->now - start < limit_ms * MS)
		sim_epoch(t, runs, runs * US);
	return (t->now - start) / MS;
}

static void test_earned(void)
{
	struct sim t;
	unsigned int i;

	/* 10 runs an epoch, 1 us of wait each: 0.01% of the time. */
	sim_init(&t);
	for (i = 0; i < 19; i++) {
		sim_epoch(&t, 10, 10 * US);
		CHECK(!t.pol.idle);
	}
	/* Room was seen at 100 ms: the thread is held on its CPU although still SCHED_OTHER. */
	CHECK(t.pol.pinned);
	sim_epoch(&t, 10, 10 * US);
	CHECK(t.pol.idle);
	CHECK(t.pol.pinned);
	CHECK_EQ(t.now - t.pol.room_since >= 200 * MS, 1);

	/* Room known only every 100 ms: quiet time alone is not enough without a reading. */
	sim_init(&t);
	for (i = 0; i < 40; i++)
		sim_epoch_room(&t, 10, 10 * US, -1);
	CHECK(!t.pol.idle);
	sim_epoch_room(&t, 10, 10 * US, 1);
	CHECK(t.pol.idle);
}

static void test_needs_runs(void)
{
	struct sim t;

	/* A daemon with nothing to do gathers no evidence: never SCHED_IDLE. */
	sim_init(&t);
	CHECK_EQ(sim_until_idle(&t, 0, 60 * 1000), 60 * 1000);
	CHECK(!t.pol.idle);

	/* One run an epoch: 100 runs take a second, then the next room reading decides. */
	sim_init(&t);
	CHECK_EQ(sim_until_idle(&t, 1, 60 * 1000), 1000);
	CHECK(t.pol.idle);
}

static void test_contended_restarts(void)
{
	struct sim t;
	unsigned int i;
	uint64_t start;

	sim_init(&t);
	for (i = 0; i < 15; i++)
		sim_epoch(&t, 10, 10 * US);
	/* 2.5 ms of 10 waiting for the CPU: contended, the 200 ms start again. */
	sim_epoch(&t, 10, 2500 * US);
	CHECK(!t.pol.idle);
	start = t.now;
	sim_until_idle(&t, 10, 10 * 1000);
	CHECK(t.pol.idle);
	CHECK_GE(t.now - start, 200 * MS);

	/* A machine without an idle CPU: never SCHED_IDLE, and not held on one CPU. */
	sim_init(&t);
	for (i = 0; i < 200; i++)
		sim_epoch_room(&t, 10, 10 * US, i % 10 == 9 ? 0 : -1);
	CHECK(!t.pol.idle);
	CHECK(!t.pol.pinned);
}

/* Earn SCHED_IDLE, then starve for one epoch. */
static void sim_starve(struct sim *t)
{
	sim_until_idle(t, 10, 3600 * 1000);
	CHECK(t->pol.idle);
	/* 9 ms of 10 waiting */
	sim_epoch_room(t, 10, 9 * MS, -1);
}

static void test_leaving(void)
{
	struct sim t;
	uint64_t took;

	/* Starved by share of time waiting. */
	sim_init(&t);
	sim_starve(&t);
	CHECK(!t.pol.idle);
	CHECK(!t.pol.pinned);
	CHECK_EQ(t.pol.starved, 1);
	CHECK(t.last.why && strcmp(t.last.why, "starved") == 0);
	/* ... and the next try needs twice the quiet time. */
	took = sim_until_idle(&t, 10, 10 * 1000);
	CHECK(t.pol.idle);
	CHECK_GE(took, 400);
	CHECK_LT(took, 500);

	/* Starved by wait per wake-up: 1 ms waited once in an epoch is 10% but 1000 us a run. */
	sim_init(&t);
	sim_until_idle(&t, 10, 10 * 1000);
	sim_epoch_room(&t, 1, 1 * MS, -1);
	CHECK(!t.pol.idle);
	CHECK_EQ(t.pol.starved, 1);

	/* Not starved, but the machine lost its idle CPU: leave, and no doubling. */
	sim_init(&t);
	sim_until_idle(&t, 10, 10 * 1000);
	sim_epoch_room(&t, 10, 10 * US, 0);
	CHECK(!t.pol.idle);
	CHECK(!t.pol.pinned);
	CHECK_EQ(t.pol.starved, 0);
	CHECK(t.last.why && strcmp(t.last.why, "no idle CPU") == 0);

	/* A quiet epoch with room keeps it. */
	sim_init(&t);
	sim_until_idle(&t, 10, 10 * 1000);
	sim_epoch_room(&t, 10, 10 * US, 1);
	CHECK(t.pol.idle);
	CHECK(t.pol.pinned);
}

static void test_backoff_bounded(void)
{
	struct sim t;
	unsigned int i;
	uint64_t took;

	sim_init(&t);
	for (i = 0; i < 12; i++) {
		sim_starve(&t);
		CHECK(!t.pol.idle);
	}
	CHECK_EQ(t.pol.starved, 8);
	/* 200 ms << 8 = 51.2 s, no more */
	took = sim_until_idle(&t, 10, 3600 * 1000);
	CHECK(t.pol.idle);
	CHECK_GE(took, 51200);
	CHECK_LT(took, 51400);
}

/* Earn SCHED_IDLE, serve `runs` well (10 an epoch), then starve for one epoch. */
static void sim_serve_then_starve(struct sim *t, unsigned int runs)
{
	sim_until_idle(t, 10, 3600 * 1000);
	CHECK(t->pol.idle);
	for (; runs >= 10; runs -= 10)
		sim_epoch_room(t, 10, 10 * US, -1);
	if (runs)
		sim_epoch_room(t, runs, runs * US, -1);
	CHECK(t->pol.idle);
	sim_epoch_room(t, 10, 9 * MS, -1);
	CHECK(!t->pol.idle);
}

static void test_backoff_reset(void)
{
	struct sim t;
	unsigned int i;
	uint64_t took;

	/* Five quick failures: 200 ms << 5 = 6.4 s before the next try. */
	sim_init(&t);
	for (i = 0; i < 5; i++)
		sim_starve(&t);
	CHECK_EQ(t.pol.starved, 5);
	/* 999 runs served well, then starved: still a failure of the thread, doubled again. */
	sim_serve_then_starve(&t, 999);
	CHECK_EQ(t.pol.starved, 6);
	/* A thread that served 1000 runs well before it starved saw the machine change: the
	 * backoff starts again from one doubling. */
	sim_serve_then_starve(&t, 1000);
	CHECK_EQ(t.pol.starved, 1);
	took = sim_until_idle(&t, 10, 3600 * 1000);
	CHECK_GE(took, 400);
	CHECK_LT(took, 500);
	/* Leaving for lost room is not a starvation, and does not reset the count either. */
	sim_starve(&t);
	CHECK_EQ(t.pol.starved, 2);
	sim_until_idle(&t, 10, 3600 * 1000);
	for (i = 0; i < 200; i++)
		sim_epoch_room(&t, 10, 10 * US, -1);
	sim_epoch_room(&t, 10, 10 * US, 0);
	CHECK(!t.pol.idle);
	CHECK_EQ(t.pol.starved, 2);
}

static void test_handoffs(void)
{
	struct sim t;

	sim_init(&t);
	sim_until_idle(&t, 10, 10 * 1000);
	CHECK(t.pol.idle);
	/* A few hand-offs (an inline handler preempted once) are not workers in play. */
	CHECK(!uring_pol_handoffs(&t.pol, t.now, t.handed_off + 7));
	CHECK(uring_pol_handoffs(&t.pol, t.now, t.handed_off + 8));
	t.handed_off += 8;
	/* Counted from there: 7 more are again not enough. */
	CHECK(!uring_pol_handoffs(&t.pol, t.now, t.handed_off + 7));
	/* The quiet time starts again at the hand-offs. */
	CHECK_EQ(t.pol.room_since, t.now);
	CHECK_EQ(t.pol.quiet_runs, 0);
	/* An epoch resets the count: 7 in this epoch and 7 in the next are two quiet epochs. */
	t.pol.idle = false;
	t.handed_off += 7;
	sim_epoch(&t, 10, 10 * US);
	CHECK(!uring_pol_handoffs(&t.pol, t.now, t.handed_off + 7));
}

static void test_tick(void)
{
	struct sim t;

	sim_init(&t);
	/* SCHED_OTHER: no need to wake without a request. */
	CHECK_EQ(uring_pol_tick_ns(&t.pol), 0);
	sim_until_idle(&t, 10, 10 * 1000);
	CHECK(t.pol.idle);
	/* SCHED_IDLE: must look at the machine at least as often as it reads /proc/stat. */
	CHECK(uring_pol_tick_ns(&t.pol) > 0);
	CHECK(uring_pol_tick_ns(&t.pol) <= 100 * MS);
	/* Policy switching off (no schedstat): never. */
	t.pol.fd = -1;
	CHECK_EQ(uring_pol_tick_ns(&t.pol), 0);
}

int main(void)
{
	test_earned();
	test_needs_runs();
	test_contended_restarts();
	test_leaving();
	test_backoff_bounded();
	test_backoff_reset();
	test_handoffs();
	test_tick();
	return check_result();
}
