#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Over the ring, N requests of a multi-threaded filesystem run at once, N > CPUs.

Usage: test_gate.py --daemon gate_ll [--readers N ...] [--rounds R]

gate_ll's READ handler lets no reader out until N readers are inside it at the same time.
For each N, N reader threads read "data" R times each over io-uring (the default dispatch,
-o max_threads=max(N, 10)); every read must succeed (a read that waited 20 s for the others
fails with ETIMEDOUT), and the daemon must report no timeouts and at least N readers inside
at once. A ring that runs handlers only on its queue threads (one per CPU) can never gather
N > CPUs readers. (Readers are spread over the CPUs: a queue carries at most
io_uring_q_depth requests at once, so 16 readers on one CPU would be capped at 8 by the
default depth, not by who runs handlers.) The counters must show it: on every queue, inline + handed_off equals the
requests it carried, and reads were handed off to workers.

Once more with ringfuse_session_set_uring_dispatch(RINGFUSE_URING_WORKERS): no request may
run inline then.

The control, -o io_uring_inline (every handler on its queue thread, as a filesystem that
promises never to block asks): at most one handler per queue runs at once, so the gate must
time out there, which shows that the gate does catch a ring without workers.
"""

import argparse
import os
import re
import sys
import threading

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)


def read_stats(mnt):
    with open(os.path.join(mnt, "stats")) as f:
        text = f.read()
    m = re.match(r"passed=(\d+) timeouts=(\d+) max_inside=(\d+) reads=(\d+)", text)
    if not m:
        raise harness.HarnessError("stats file says %r" % text)
    return dict(zip(("passed", "timeouts", "max_inside", "reads"), map(int, m.groups())))


def run_readers(mnt, n, rounds):
    """n threads, each reading 4 KiB `rounds` times; -> list of errors."""
    path = os.path.join(mnt, "data")
    errors = []
    lock = threading.Lock()
    cpus = sorted(os.sched_getaffinity(0))

    def reader(i):
        # Spread over the CPUs: the kernel queues a request on its caller's CPU, and a queue
        # holds at most io_uring_q_depth (8) requests at once, however many workers exist.
        os.sched_setaffinity(0, {cpus[i % len(cpus)]})
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            with lock:
                errors.append("reader %d: open: %s" % (i, e))
            return
        try:
            for r in range(rounds):
                try:
                    got = os.pread(fd, 4096, 4096 * i)
                except OSError as e:
                    with lock:
                        errors.append("reader %d round %d: %s" % (i, r, e))
                    return
                if got != b"g" * 4096:
                    with lock:
                        errors.append("reader %d round %d: wrong data" % (i, r))
                    return
        finally:
            os.close(fd)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def one_run(daemon, n, rounds, inline, mounts, workers_api=False):
    label = "N=%d%s%s" % (n, " io_uring_inline" if inline else "",
                          " workers (API)" if workers_api else "")
    opts = ["gate=%d" % n, "max_threads=%d" % max(n, 10)]
    if workers_api:
        opts.append("api_dispatch=2")
    opts += ["io_uring_inline", "gate_timeout_ms=500"] if inline else ["gate_timeout_ms=20000"]
    problems = []
    m = ringtest.Mount(daemon, opts=opts, source=False)
    mounts.append(m)
    try:
        with m:
            errors = run_readers(m.mnt, n, 1 if inline else rounds)
            c = read_stats(m.mnt)
            ringtest.log("%s: %s, %d reader errors" % (label, c, len(errors)))
            if inline:
                if c["timeouts"] == 0 or not errors:
                    problems.append("%s: every reader got through the gate although each "
                                    "queue runs one handler at a time: the gate does not "
                                    "test concurrency" % label)
            else:
                problems += ["%s: %s" % (label, e) for e in errors[:5]]
                if c["timeouts"]:
                    problems.append("%s: %d reads timed out waiting for %d readers inside "
                                    "at once (at most %d were)" % (label, c["timeouts"], n,
                                                                   c["max_inside"]))
                if c["max_inside"] < n:
                    problems.append("%s: at most %d readers inside at once" %
                                    (label, c["max_inside"]))
    except harness.HarnessError as e:
        problems.append("%s: %s" % (label, e))
    problems += ["%s: %s" % (label, p) for p in m.problems]
    if m.stats is not None:
        m.print_stats()
        problems += ["%s: %s" % (label, p) for p in m.ring_problems()]
        for qid, q in sorted(m.stats["queues"].items()):
            if "inline" not in q or "handed_off" not in q:
                problems.append("%s: queue %d has no inline/handed_off counters" % (label, qid))
                continue
            if q["inline"] + q["handed_off"] != q["requests"]:
                problems.append("%s: queue %d: inline %d + handed_off %d != requests %d" %
                                (label, qid, q["inline"], q["handed_off"], q["requests"]))
        if inline and m.queue_sum("handed_off"):
            problems.append("%s: requests were handed off under io_uring_inline" % label)
        if workers_api and (m.queue_sum("inline") or
                            (m.stats["uring"] or {}).get("dispatch") != "workers"):
            problems.append("%s: %d requests ran inline, dispatch=%s" %
                            (label, m.queue_sum("inline"),
                             (m.stats["uring"] or {}).get("dispatch")))
        if not inline:
            if m.queue_sum("handed_off") < n * rounds:
                problems.append("%s: only %d requests handed off for %d gated reads" %
                                (label, m.queue_sum("handed_off"), n * rounds))
            if max(q.get("max_running", 0) for q in m.stats["queues"].values()) < 2:
                problems.append("%s: no queue ran two handlers at once" % label)
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--readers", type=int, nargs="+", default=[8, 16])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--no-control", action="store_true")
    a = ap.parse_args()
    ringtest.need_root_and_param()
    problems, mounts = [], []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    with harness.UringParam("Y"):
        for n in a.readers:
            problems += one_run(a.daemon, n, a.rounds, False, mounts)
        if a.readers:
            problems += one_run(a.daemon, min(a.readers), 3, False, mounts, workers_api=True)
        if not a.no_control and a.readers:
            n = max(a.readers)
            if n > harness.possible_cpus():
                problems += one_run(a.daemon, n, 1, True, mounts)
    return ringtest.finish(problems, mounts, dmesg)


if __name__ == "__main__":
    sys.exit(main())
