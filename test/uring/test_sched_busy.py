#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Next to CPU-bound processes, the ring's queue threads never run SCHED_IDLE nor pinned.

Usage: test_sched_busy.py --daemon gate_ll [--seconds S] [--start-idle [--deadline S]]

A SCHED_IDLE thread loses every contest for its CPU: next to a CPU-bound process it waits up
to a second each time a request wakes it (tens of reads per second instead of thousands).
The queue threads may use SCHED_IDLE only while their CPU has room (lib/fuse_uring_sched.c).

A queue thread is pinned to its CPU only while SCHED_IDLE (where sharing the caller's CPU is
the point); a SCHED_OTHER one held on a CPU that other tasks keep busy waits while another
CPU may have room, so while SCHED_OTHER its affinity must span more than one CPU.

One spinning process is pinned to every CPU before the mount. gate_ll (no gate: a READ
answers at once, direct_io) is then mounted over the ring and left alone for a while, read
one request at a time, left alone again and read again, while the policy of every queue
thread is sampled every 20 ms. Every sample must be SCHED_OTHER, every read must return the
right data, and the reads must have been served by the ring.

It fails on a controller that starts its threads as SCHED_IDLE, or that returns to it after
a second in which the thread was seldom runnable (a thread that mostly sleeps always is).
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time

from lib import harness, ringtest

SCHED_IDLE = getattr(os, "SCHED_IDLE", 5)
SAMPLE_S = 0.02


def start_spinners():
    procs = []
    for cpu in sorted(os.sched_getaffinity(0)):
        p = subprocess.Popen(["sh", "-c", "while :; do :; done"],
                             preexec_fn=lambda c=cpu: os.sched_setaffinity(0, {c}))
        procs.append(p)
    return procs


def stop_spinners(procs):
    for p in procs:
        try:
            p.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
    for p in procs:
        p.wait()


def queue_tids(pid):
    tids = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().startswith("fuse-ring-"):
                    tids.append(int(tid))
        except OSError:
            pass
    return tids


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.samples = 0
        self.idle = []  # (seconds since start, phase, tid)
        self.pinned = []  # SCHED_OTHER but held on one CPU: (seconds, phase, tid, cpus)
        self.ncpus = len(os.sched_getaffinity(0))
        self.phase = "idle after mount"
        self.t0 = time.monotonic()

    def run(self):
        while not self.stop.wait(SAMPLE_S):
            for tid in queue_tids(self.pid):
                try:
                    policy = os.sched_getscheduler(tid)
                except OSError:
                    continue
                try:
                    cpus = os.sched_getaffinity(tid)
                except OSError:
                    continue
                self.samples += 1
                t = time.monotonic() - self.t0
                if policy == SCHED_IDLE:
                    self.idle.append((t, self.phase, tid))
                elif len(cpus) == 1 and self.ncpus > 1:
                    self.pinned.append((t, self.phase, tid, sorted(cpus)))


def read_for(mnt, seconds, errors, at_least=0):
    fd = os.open(os.path.join(mnt, "data"), os.O_RDONLY)
    n = 0
    try:
        end = time.monotonic() + seconds
        while n < at_least or time.monotonic() < end:
            got = os.pread(fd, 4096, 0)
            if got != b"g" * 4096:
                errors.append("read %d: wrong data (%d bytes)" % (n, len(got)))
                break
            n += 1
    except OSError as e:
        errors.append("read %d: %s" % (n, e))
    finally:
        os.close(fd)
    return n


def busy_phases(a, m, problems, errors):
    """Read, stay idle, read again, with every CPU busy; returns (reads, sampler)."""
    # One read first: it completes only once every queue has registered, so every queue
    # thread has left setup (which pins it for its first memory touches) and runs under the
    # policy from here on.
    reads = read_for(m.mnt, 0, errors, at_least=1)
    sampler = Sampler(m.proc.pid)
    sampler.start()
    try:
        time.sleep(a.seconds / 2)
        for phase in ("reading", "idle between reads", "reading again"):
            sampler.phase = phase
            if phase.startswith("idle"):
                time.sleep(a.seconds / 2)
            else:
                reads += read_for(m.mnt, a.seconds, errors)
            if errors:
                break
    finally:
        sampler.stop.set()
        sampler.join()
    return reads, sampler


def idle_start_phases(a, m, problems, errors):
    """--start-idle: queue threads that run SCHED_IDLE when the machine fills up and then get
    no request. Each must leave SCHED_IDLE by itself: a thread that waits for a request to
    look at the machine serves the first one after a CPU-bound task's leftovers (up to a
    second). RINGFUSE_TEST_SCHED_IDLE_START starts the threads as if they had earned
    SCHED_IDLE; with -d each logs why it leaves it. No read is made until all have left, or
    until the deadline; then reads check the ring still serves, still SCHED_OTHER. It fails
    on a controller that looks at the machine only when a request arrives."""
    t0 = time.monotonic()
    left, idle, tids = set(), set(), []
    while time.monotonic() - t0 < a.deadline:
        time.sleep(SAMPLE_S)
        tids = queue_tids(m.proc.pid)
        idle = set()
        for tid in tids:
            try:
                if os.sched_getscheduler(tid) == SCHED_IDLE:
                    idle.add(tid)
            except OSError:
                pass
        with open(m.stderr_path, errors="replace") as f:
            left = set(re.findall(r"ring queue (\d+): SCHED_OTHER \(", f.read()))
        if tids and not idle and len(left) >= len(tids):
            break
    waited = time.monotonic() - t0
    ringtest.log("%d queue threads; after %.2f s without a request: %d SCHED_IDLE, %d logged "
                 "leaving it" % (len(tids), waited, len(idle), len(left)))
    for tid in sorted(idle):
        problems.append("queue thread %d still ran SCHED_IDLE %.1f s after every CPU was "
                        "busy, with no request to wake it" % (tid, waited))
    if len(left) < len(tids):
        problems.append("%d of %d queue threads logged leaving SCHED_IDLE (did they start in "
                        "it?)" % (len(left), len(tids)))
    sampler = Sampler(m.proc.pid)
    sampler.phase = "reading after the machine filled up"
    sampler.start()
    try:
        reads = read_for(m.mnt, 1.0, errors, at_least=1)
    finally:
        sampler.stop.set()
        sampler.join()
    return reads, sampler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--start-idle", action="store_true")
    ap.add_argument("--deadline", type=float, default=10.0)
    a = ap.parse_args()
    ringtest.need_root_and_param()
    problems, mounts, errors = [], [], []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    spinners = start_spinners()
    try:
        with harness.UringParam("Y"):
            if a.start_idle:
                m = ringtest.Mount(a.daemon, opts=["gate=1"], source=False, args=["-d"],
                                   env={"RINGFUSE_TEST_SCHED_IDLE_START": "1"})
            else:
                m = ringtest.Mount(a.daemon, opts=["gate=1"], source=False)
            mounts.append(m)
            with m:
                reads, sampler = (idle_start_phases if a.start_idle else busy_phases)(
                    a, m, problems, errors)
            ringtest.log("%d reads, %d policy samples of queue threads, %d SCHED_IDLE" %
                         (reads, sampler.samples, len(sampler.idle)))
            problems += errors[:5]
            if sampler.samples == 0:
                problems.append("no queue thread was ever seen: is the ring on?")
            for t, phase, tid in sampler.idle[:5]:
                problems.append("queue thread %d ran SCHED_IDLE at %.2f s (%s) while every "
                                "CPU was busy" % (tid, t, phase))
            for t, phase, tid, cpus in sampler.pinned[:5]:
                problems.append("queue thread %d was held on CPU %s at %.2f s (%s) while "
                                "SCHED_OTHER: it could not move to a CPU with room" %
                                (tid, cpus, t, phase))
            problems += m.problems
            if m.stats is not None:
                m.print_stats()
                problems += m.ring_problems(min_requests=1)
                served = m.queue_sum("requests")
                if served < reads:
                    problems.append("the ring carried %d requests for %d reads" %
                                    (served, reads))
    finally:
        stop_spinners(spinners)
    return ringtest.finish(problems, mounts, dmesg)


if __name__ == "__main__":
    sys.exit(main())
