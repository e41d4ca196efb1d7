#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A single-threaded loop gets one request at a time, even when the ring delivers on every CPU.

Usage: test_serial.py --daemon serial_ll [--passes N]

Mounts serial_ll (it counts handlers that start while another is still running) over io-uring
twice, with readers pinned to every CPU reading its "data" file at the same time and checking
every byte:
  -s (fuse_session_loop) and -o max_threads=1 (fuse_session_loop_mt with a pool of one):
     the daemon must report overlaps=0, and every queue must have carried requests
     (otherwise the run proved nothing about concurrent delivery);
  neither (fuse_session_loop_mt, 10 threads): the control; the daemon must report
     overlaps > 0, which shows that the readers do drive handlers concurrently and that the
     counter can catch it.
Debian's squashfuse runs itself with -s and keeps unlocked caches; before handlers were
serialized it read wrong bytes and crashed over the ring.
"""

import argparse
import os
import re
import sys

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)

CHUNK = 128 * 1024
PAGE = 4096
# serial_ll's byte at offset o is (o*131 + (o >> 12)) & 0xff: within page p that is
# (i*131 + p) & 0xff, so each page is the first one with every byte shifted by p.
BASE = bytes((i * 131) & 0xFF for i in range(PAGE))
SHIFT = [bytes((b + s) & 0xFF for b in range(256)) for s in range(256)]


def expected(off, n):
    pages = [BASE.translate(SHIFT[p & 0xFF]) for p in range(off // PAGE, (off + n) // PAGE)]
    return b"".join(pages)


def run_readers(mnt, passes):
    """Every byte of "data" read `passes` times by one reader per CPU at once; -> problems."""
    path = os.path.join(mnt, "data")

    def read_all(_, cpu):
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            for _ in range(passes):
                for off in range(0, size, CHUNK):
                    got = os.pread(fd, CHUNK, off)
                    if len(got) != min(CHUNK, size - off) or got != expected(off, len(got)):
                        return ["cpu %d: wrong bytes at offset %d" % (cpu, off)]
        finally:
            os.close(fd)
        return []

    return harness.on_every_cpu(read_all)


def read_counters(mnt):
    with open(os.path.join(mnt, "stats")) as f:
        text = f.read()
    m = re.match(r"overlaps=(\d+) max_active=(\d+) handlers=(\d+)", text)
    if not m:
        raise harness.HarnessError("stats file says %r" % text)
    return {"overlaps": int(m.group(1)), "max_active": int(m.group(2)),
            "handlers": int(m.group(3))}


def one_run(daemon, label, args, passes, mounts):
    """label "-s", "max_threads=1" (both must not overlap) or "multi-threaded" (must)."""
    single = label != "multi-threaded"
    problems = []
    m = ringtest.Mount(daemon, source=False, args=args)
    mounts.append(m)
    try:
        with m:
            problems += run_readers(m.mnt, passes)
            c = read_counters(m.mnt)
            ringtest.log("%s: %s" % (label, c))
            if c["handlers"] < passes * 128:
                problems.append("%s: only %d handlers ran" % (label, c["handlers"]))
            if single and c["overlaps"] != 0:
                problems.append("%s: %d handlers started while another ran (max %d at once)"
                                % (label, c["overlaps"], c["max_active"]))
            if not single and c["overlaps"] == 0:
                problems.append("multi-threaded: no overlapping handlers seen, so the check "
                                "cannot tell a serialized loop from a concurrent one")
    except harness.HarnessError as e:
        problems.append("%s: %s" % (label, e))
    problems += ["%s: %s" % (label, p) for p in m.problems]
    if m.stats is not None:
        m.print_stats()
        problems += ["%s: %s" % (label, p) for p in m.ring_problems()]
        idle = [q for q in range(harness.possible_cpus())
                if m.stats["queues"].get(q, {}).get("requests", 0) < passes * 16]
        if idle:
            problems.append("%s: queue(s) %s carried almost no reads: the readers did not "
                            "reach every queue" % (label, idle))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--passes", type=int, default=4)
    a = ap.parse_args()
    ringtest.need_root_and_param()
    if len(os.sched_getaffinity(0)) < 2:
        ringtest.log("FAIL: needs two CPUs to deliver on two queues at once")
        return 1
    problems, mounts = [], []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    with harness.UringParam("Y"):
        problems += one_run(a.daemon, "-s", ["-s"], a.passes, mounts)
        problems += one_run(a.daemon, "max_threads=1", ["-o", "max_threads=1"], a.passes,
                            mounts)
        problems += one_run(a.daemon, "multi-threaded", [], a.passes, mounts)
    return ringtest.finish(problems, mounts, dmesg)


if __name__ == "__main__":
    sys.exit(main())
