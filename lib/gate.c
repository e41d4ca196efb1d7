/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handler gate. A filesystem may free its state as soon as its loop returns (Debian's
 * squashfuse_ll does), which libfuse allows because there handlers only run inside the loop.
 * The ring's queue threads are not the loop, so every transport passes requests through this
 * gate (fuse__dispatch in fuse_i.h enters it before the serial lock and the handler): se->gate
 * counts the handlers running, and its top bit says closed. fuse_session_exit() (signals
 * too) closes it; each loop function, before it returns, closes it and waits until the count
 * is 0. A request that arrives while it is closed never reaches the filesystem: it gets
 * ENOTCONN, as from a connection that is gone, or is dropped when the kernel waits for no
 * answer (fuse__dispatch_closed). The gate covers the handler's run only; a reply sent later
 * from another thread is not waited for. Cost per request: one atomic add and one subtract
 * on the session.
 */
#include "fuse_i.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How many handlers the calling thread is inside: such a thread must not wait for them. */
static _Thread_local unsigned int gate_depth;

static void gate_wake(struct fuse_session *se)
{
	/* Cannot fail in a way that matters: the closer re-reads the word after every wake-up. */
	(void)syscall(SYS_futex, (void *)&se->gate, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void gate_release(struct fuse_session *se)
{
	/* The last handler out of a closed gate wakes whoever waits for it. */
	if (atomic_fetch_sub_explicit(&se->gate, 1, memory_order_release) ==
	    (FUSE__GATE_CLOSED | 1))
		gate_wake(se);
}

bool fuse__gate_enter(struct fuse_session *se)
{
	/* Counted first, checked after: a closer either sees this count or we see its bit. */
	if (atomic_fetch_add(&se->gate, 1) & FUSE__GATE_CLOSED) {
		gate_release(se);
		return false;
	}
	gate_depth++;
	return true;
}

void fuse__gate_close(struct fuse_session *se)
{
	atomic_fetch_or(&se->gate, FUSE__GATE_CLOSED);
}

void fuse__gate_close_wait(struct fuse_session *se)
{
	unsigned int v;

	fuse__gate_close(se);
	if (gate_depth)
		return;
	/* Reopened meanwhile (fuse_session_reset): nobody wakes a waiter then, and none is due. */
	while (((v = atomic_load_explicit(&se->gate, memory_order_acquire)) & FUSE__GATE_CLOSED) &&
	       (v & ~FUSE__GATE_CLOSED)) {
		/* EAGAIN (the count changed) and EINTR both mean: look again. */
		(void)syscall(SYS_futex, (void *)&se->gate, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
	}
}

void fuse__gate_open(struct fuse_session *se)
{
	atomic_fetch_and(&se->gate, ~FUSE__GATE_CLOSED);
}

void fuse__gate_leave(struct fuse_session *se)
{
	gate_depth--;
	gate_release(se);
}
