#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Replies from foreign threads over the ring, under concurrency.

Usage: test_foreign.py --daemon deferred_reply_ll --depth N -- CMD [ARGS] [-- CMD ...]

Mounts deferred_reply_ll (every reply comes from one of its worker threads, never from the
ring thread that received the request) over io-uring with io_uring_q_depth=N, runs each
command as CMD... MNT SRC, and requires: every command passed, the ring carried the requests
(and /dev/fuse only INIT/FORGET/INTERRUPT/DESTROY), no commit errors, foreign_replies > 0 on
the stats lines, and no new kernel complaints. Depth 1 makes every queue live on one entry,
so a lost or misrouted reply would stall it.
"""

import argparse
import sys

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--depth", type=int, required=True)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("commands", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmds, cur = [], []
    for w in a.commands:
        if w == "--":
            if cur:
                cmds.append(cur)
            cur = []
        else:
            cur.append(w)
    if cur:
        cmds.append(cur)
    ringtest.need_root_and_param()
    problems = []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    m = None
    with harness.UringParam("Y"):
        try:
            m = ringtest.Mount(a.daemon, opts=["io_uring_q_depth=%d" % a.depth,
                                                "workers=%d" % a.workers], source=False)
            with m:
                for c in cmds:
                    m.run(c)
                threads = m.ring_threads()
                if len(threads) != harness.possible_cpus():
                    problems.append("expected %d fuse-ring-* threads, found %s"
                                    % (harness.possible_cpus(), threads))
        except harness.HarnessError as e:
            problems.append(str(e))
    if m is not None:
        problems += m.problems
        if m.stats is not None:
            m.print_stats()
            problems += m.ring_problems(min_requests=100)
            uring = m.stats["uring"] or {}
            if uring.get("depth") != a.depth:
                problems.append("uring line says depth=%s, expected %d"
                                % (uring.get("depth"), a.depth))
            if m.queue_sum("foreign_replies") == 0:
                problems.append("foreign_replies is 0 on every queue: the replies did not "
                                "come from the workers")
    return ringtest.finish(problems, [m], dmesg)


if __name__ == "__main__":
    sys.exit(main())
