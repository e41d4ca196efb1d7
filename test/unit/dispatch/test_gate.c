/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handler gate: after fuse_session_exit() no handler starts (the library answers ENOTCONN,
 * or drops what the kernel waits no answer for); fuse_session_reset() opens it again; a
 * thread that waits for the gate (fuse_session_exited(), the loops) returns only once a
 * running handler has left; and a handler that ends the session and asks
 * fuse_session_exited() from inside does not wait for itself.
 */
#include "recorder.h"

#include <pthread.h>
#include <stdatomic.h>

static void test_closed_and_reopened(void)
{
	struct fuse_session *se = harness_session(&recorder_ops, NULL);
	struct fuse_forget_in f = { .nlookup = 1 };
	struct msg m;

	build_valid(&m, FUSE_LOOKUP);
	rec_reset();
	run(se, &m, STYLE_DEV);
	CHECK_EQ(ncalls, 1);

	fuse_session_exit(se);
	CHECK_UEQ(atomic_load(&se->gate), FUSE__GATE_CLOSED);
	for (int style = STYLE_DEV; style <= STYLE_RING; style++) {
		rec_reset();
		run(se, &m, (enum style)style);
		CHECK_EQ(ncalls, 0);
		CHECK_REPLY(ENOTCONN, 0);
	}
	/* No answer for requests the kernel does not wait on. */
	msg_init(&m, FUSE_FORGET, 5);
	msg_fixed(&m, &f, sizeof(f));
	rec_reset();
	run(se, &m, STYLE_RING);
	CHECK_EQ(ncalls, 0);
	CHECK_EQ(T.sends, 0);
	CHECK_EQ(T.drops, 1);
	/* Turned-away requests leave no count behind: a waiter would hang on one. */
	CHECK_UEQ(atomic_load(&se->gate), FUSE__GATE_CLOSED);
	CHECK_EQ(fuse_session_exited(se), 1);

	fuse_session_reset(se);
	CHECK_EQ(fuse_session_exited(se), 0);
	build_valid(&m, FUSE_LOOKUP);
	rec_reset();
	run(se, &m, STYLE_RING);
	CHECK_EQ(ncalls, 1);
	CHECK_UEQ(atomic_load(&se->gate), 0);
	harness_session_free(se);
}

/* A lookup that holds on until the test lets it go. */
static atomic_int held_in, held_release;
static struct fuse_session *held_se;
static bool held_exit_inside;
static int held_exited_seen = -1;

static void held_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	if (held_exit_inside) {
		fuse_session_exit(held_se);
		/* Inside a handler: must not wait for the gate, which counts this very handler. */
		held_exited_seen = fuse_session_exited(held_se);
	}
	atomic_store(&held_in, 1);
	while (!atomic_load(&held_release))
		sched_yield();
	fuse_reply_err(req, ENOENT);
}

static const struct fuse_lowlevel_ops held_ops = { .lookup = held_lookup };

static void *dispatch_thread(void *arg)
{
	struct msg *m = arg;

	run(held_se, m, STYLE_RING);
	return NULL;
}

static atomic_int waiter_done;

static void *waiter_thread(void *arg)
{
	(void)arg;
	(void)fuse_session_exited(held_se);
	atomic_store(&waiter_done, 1);
	return NULL;
}

static void test_wait_for_running(bool exit_inside)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	pthread_t d, w;
	struct msg m;

	held_se = harness_session(&held_ops, NULL);
	held_exit_inside = exit_inside;
	atomic_store(&held_in, 0);
	atomic_store(&held_release, 0);
	atomic_store(&waiter_done, 0);
	build_valid(&m, FUSE_LOOKUP);
	CHECK_EQ(pthread_create(&d, NULL, dispatch_thread, &m), 0);
	while (!atomic_load(&held_in))
		sched_yield();
	if (exit_inside)
		CHECK_EQ(held_exited_seen, 1);
	else
		fuse_session_exit(held_se);
	CHECK_EQ(pthread_create(&w, NULL, waiter_thread, NULL), 0);
	/* Time only lets a wrong waiter show itself; a right one passes however long this is. */
	(void)nanosleep(&pause, NULL);
	CHECK_EQ(atomic_load(&waiter_done), 0);
	atomic_store(&held_release, 1);
	CHECK_EQ(pthread_join(w, NULL), 0);
	CHECK_EQ(atomic_load(&waiter_done), 1);
	CHECK_EQ(pthread_join(d, NULL), 0);
	CHECK_REPLY(ENOENT, 0);
	CHECK_UEQ(atomic_load(&held_se->gate), FUSE__GATE_CLOSED);
	harness_session_free(held_se);
}

int main(void)
{
	test_closed_and_reopened();
	test_wait_for_running(false);
	test_wait_for_running(true);
	return check_result();
}
