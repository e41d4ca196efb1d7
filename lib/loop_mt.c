/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The worker-pool loop for /dev/fuse: every worker reads and handles requests; when the last
 * idle worker takes a request another is started (up to max_threads), and workers beyond
 * max_idle_threads that find themselves idle leave. With clone_fd each worker reads its own
 * cloned device fd. Exit needs no pthread_cancel: readers sleep on the device and the
 * session's exit eventfd (fuse_dev.c), so fuse_session_exit() wakes all of them, and unmount
 * wakes them with ENODEV. Each worker sleeps in its own epoll set that holds the device with
 * EPOLLEXCLUSIVE, so that a request wakes one idle worker instead of the whole pool; one
 * worker, the sentinel, waits in plain poll() and is woken by every request (see
 * mt_worker_main for why).
 */
#include "fuse_i.h"
#include "loop_config_i.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct mt_worker {
	pthread_t tid;
	struct mt_loop *mt;
	struct fuse_chan *ch;
	struct mt_worker *next; /* on mt->finished once the thread is about to return */
};

struct mt_loop {
	struct fuse_session *se;
	pthread_mutex_t lock;      /* guards everything below */
	pthread_cond_t changed;    /* a worker finished */
	unsigned int numworker;    /* started and not yet decided to leave */
	unsigned int numavail;     /* of those, waiting for a request */
	unsigned int numthreads;   /* created and not yet on finished: what the main thread waits for */
	unsigned int max_threads;
	unsigned int max_idle;     /* FUSE__LOOP_IDLE_UNSET: never reap */
	bool clone_fd;
	bool sentinel;             /* a worker waits without EPOLLEXCLUSIVE */
	int error;
	struct mt_worker *finished; /* to be joined by the main thread */
};

static void *mt_worker_main(void *arg);

/* Called with mt->lock held. */
static int mt_start_worker(struct mt_loop *mt)
{
	struct mt_worker *w;
	sigset_t all, old;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->mt = mt;
	if (mt->clone_fd && fuse__session_devfd(mt->se) >= 0 && !mt->se->io) {
		w->ch = fuse__chan_clone(mt->se);
		/* A worker without its own fd still works on the shared one. */
	}
	if (!w->ch) {
		w->ch = mt->se->ch;
		if (w->ch)
			atomic_fetch_add(&w->ch->refs, 1);
	}
	/* Signals belong to the main thread, which installed the handlers. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&w->tid, NULL, mt_worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fuse_log(FUSE_LOG_ERR, "fuse: error creating worker thread: %s\n", strerror(err));
		fuse__chan_put(w->ch);
		free(w);
		return -err;
	}
	mt->numworker++;
	mt->numavail++;
	mt->numthreads++;
	return 0;
}

static void *mt_worker_main(void *arg)
{
	struct mt_worker *w = arg;
	struct mt_loop *mt = w->mt;
	struct fuse_session *se = mt->se;
	size_t bufsize = se->bufsize;
	void *buf;
	ssize_t n;
	bool counted = true, sentinel = false;
	int ep = -1;

	pthread_setname_np(pthread_self(), "fuse-worker");
	/*
	 * One worker waits in poll(), which the kernel wakes on every request next to the one
	 * exclusive waiter that takes it. That second wake is deliberate: with one request at a
	 * time, the worker that replied is often still running when the next request comes and
	 * takes it itself, the caller and that worker then share a CPU, and the other CPU is kept
	 * from halting. With exclusive waiters only, caller and worker settled on two CPUs and
	 * each request woke a halted vCPU twice: one-job 4k reads at 18-21k IOPS against 34-49k
	 * with the sentinel (libfuse 3.14, whose blocking readers get the same extra wake:
	 * 40-46k), for about one more context switch but no more CPU per request.
	 */
	pthread_mutex_lock(&mt->lock);
	if (!mt->sentinel) {
		mt->sentinel = true;
		sentinel = true;
	}
	pthread_mutex_unlock(&mt->lock);
	/* Without a set the worker still works, waking in poll() like the sentinel. */
	if (!sentinel)
		ep = fuse__dev_waiter_new(se, w->ch);
	buf = malloc(bufsize);
	if (!buf) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate read buffer\n");
		pthread_mutex_lock(&mt->lock);
		if (!mt->error)
			mt->error = -ENOMEM;
		pthread_mutex_unlock(&mt->lock);
		fuse__session_exit(se, -ENOMEM);
		goto out;
	}

	while (!atomic_load(&se->exited)) {
		n = fuse__dev_read_wait(se, w->ch, buf, bufsize, ep);
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				fuse_log(FUSE_LOG_ERR, "fuse: reading /dev/fuse: %s\n",
					 strerror((int)-n));
				pthread_mutex_lock(&mt->lock);
				if (!mt->error)
					mt->error = (int)n;
				pthread_mutex_unlock(&mt->lock);
				fuse__session_exit(se, (int)n);
			}
			break;
		}

		pthread_mutex_lock(&mt->lock);
		mt->numavail--;
		if (mt->numavail == 0 && mt->numworker < mt->max_threads &&
		    !atomic_load(&se->exited))
			(void)mt_start_worker(mt); /* best effort: we still serve this request */
		pthread_mutex_unlock(&mt->lock);

		fuse__dev_process(se, w->ch, buf, (size_t)n);

		pthread_mutex_lock(&mt->lock);
		mt->numavail++;
		/*
		 * Idle workers beyond max_idle leave, but the pool must go on reading: a worker
		 * leaves only while another idle one stays behind (max_idle 0 still keeps one
		 * reader), and never the sentinel, whose role nobody would take over until the
		 * pool grows again. The counts drop here, under the lock that the decision reads
		 * them under: otherwise workers deciding at the same time each counted the others
		 * as staying, all of them left, and the loop returned as if unmounted.
		 */
		if (!sentinel && mt->max_idle != FUSE__LOOP_IDLE_UNSET &&
		    mt->numavail > mt->max_idle && mt->numavail > 1) {
			mt->numavail--;
			mt->numworker--;
			counted = false;
		}
		pthread_mutex_unlock(&mt->lock);
		if (!counted)
			break;
	}
	free(buf);
out:
	if (ep >= 0)
		close(ep);
	pthread_mutex_lock(&mt->lock);
	if (sentinel)
		mt->sentinel = false; /* the next worker to start takes the role */
	if (counted) {
		mt->numworker--;
		mt->numavail--;
	}
	mt->numthreads--;
	w->next = mt->finished;
	mt->finished = w;
	pthread_cond_signal(&mt->changed);
	pthread_mutex_unlock(&mt->lock);
	return NULL;
}

/* Called with mt->lock held; drops it while joining. */
static void mt_join_finished(struct mt_loop *mt)
{
	struct mt_worker *list, *w;

	while ((list = mt->finished)) {
		mt->finished = NULL;
		pthread_mutex_unlock(&mt->lock);
		while ((w = list)) {
			list = w->next;
			pthread_join(w->tid, NULL);
			fuse__chan_put(w->ch);
			free(w);
		}
		pthread_mutex_lock(&mt->lock);
	}
}

static int mt_run(struct fuse_session *se, const struct fuse_loop_config *config)
{
	struct mt_loop mt = { 0 };
	int err;

	mt.se = se;
	mt.clone_fd = config->clone_fd;
	mt.max_threads = config->max_threads ? config->max_threads : 1;
	/*
	 * Before the first read, because INIT (read by a worker) decides whether ring handlers
	 * serialize: a pool of one thread promised one handler at a time, like the plain loop.
	 */
	atomic_store(&se->loop_parallel, mt.max_threads > 1);
	mt.max_idle = config->max_idle_threads;
	atomic_store(&se->loop_max_threads, mt.max_threads);
	atomic_store(&se->loop_max_idle, mt.max_idle);
	if (pthread_mutex_init(&mt.lock, NULL) != 0)
		return -ENOMEM;
	if (pthread_cond_init(&mt.changed, NULL) != 0) {
		pthread_mutex_destroy(&mt.lock);
		return -ENOMEM;
	}

	pthread_mutex_lock(&mt.lock);
	err = mt_start_worker(&mt);
	if (err == 0) {
		while (mt.numthreads > 0) {
			pthread_cond_wait(&mt.changed, &mt.lock);
			mt_join_finished(&mt);
		}
	}
	mt_join_finished(&mt);
	pthread_mutex_unlock(&mt.lock);
	/*
	 * Ring handlers run on other threads: none may run once we have returned. (A pool that
	 * never started served nothing and leaves the gate alone, as the plain loop does when
	 * it cannot get its buffer.)
	 */
	if (!err)
		fuse__gate_close_wait(se);

	pthread_cond_destroy(&mt.changed);
	pthread_mutex_destroy(&mt.lock);
	if (err)
		return err;
	if (se->error)
		return se->error;
	return mt.error;
}

int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);
int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config_v1 *config);
int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);

FUSE_EXPORT int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config)
{
	struct fuse_loop_config defaults;

	if (!se)
		return -EINVAL;
	if (!config) {
		fuse__loop_config_init(&defaults);
		config = &defaults;
	} else if (!fuse__loop_config_is_ours(config)) {
		/* An old binary's v1 struct reached the 3.12 entry point. */
		fuse__loop_config_init(&defaults);
		fuse_loop_cfg_convert(&defaults, (struct fuse_loop_config_v1 *)config);
		config = &defaults;
	}
	return mt_run(se, config);
}

FUSE_EXPORT int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config_v1 *config)
{
	struct fuse_loop_config cfg;

	if (!se)
		return -EINVAL;
	fuse__loop_config_init(&cfg);
	if (config)
		fuse_loop_cfg_convert(&cfg, config);
	return mt_run(se, &cfg);
}

FUSE_EXPORT int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd)
{
	struct fuse_loop_config cfg;

	if (!se)
		return -EINVAL;
	fuse__loop_config_init(&cfg);
	cfg.clone_fd = clone_fd;
	return mt_run(se, &cfg);
}

FUSE_SYMVER(fuse_session_loop_mt_31, "fuse_session_loop_mt@FUSE_3.0");
FUSE_SYMVER(fuse_session_loop_mt_32, "fuse_session_loop_mt@FUSE_3.2");
FUSE_SYMVER(fuse_session_loop_mt_312, "fuse_session_loop_mt@@FUSE_3.12");
