#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""INTERRUPT reaches a request that is in flight on a ring entry.

Usage: test_interrupt.py --daemon deferred_reply_ll [--depth N] [--rounds R]

deferred_reply_ll answers getxattr("user.wait_interrupt") only once the request is marked
interrupted (EINTR), or with ENODATA after 30 s. INTERRUPT arrives on /dev/fuse while the
request sits in a ring entry, so it is found through the ring's lookup. A child process calls
getxattr with a timer signal whose handler raises; R rounds must each end with the handler's
exception (the call returned EINTR), never ENODATA or success; /dev/fuse must have seen the
interrupts, the ring the getxattr requests, and the filesystem must keep working.
"""

import argparse
import sys

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)

CHILD = r"""
import os, signal, sys
class Interrupted(Exception):
    pass
def handler(signum, frame):
    raise Interrupted()
signal.signal(signal.SIGALRM, handler)
path, rounds = sys.argv[1], int(sys.argv[2])
bad = 0
for i in range(rounds):
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        os.getxattr(path, "user.wait_interrupt")
        print("round %d: getxattr returned a value" % i); bad += 1
    except Interrupted:
        pass
    except OSError as e:
        print("round %d: %s, expected EINTR" % (i, e)); bad += 1
    signal.setitimer(signal.ITIMER_REAL, 0)
with open(os.path.join(path, "after"), "wb") as f:
    f.write(b"still working")
with open(os.path.join(path, "after"), "rb") as f:
    if f.read() != b"still working":
        print("read-back after the interrupts differs"); bad += 1
os.unlink(os.path.join(path, "after"))
print("%d interrupted calls, %d unexpected" % (rounds, bad))
sys.exit(1 if bad else 0)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=10)
    a = ap.parse_args()
    ringtest.need_root_and_param()
    problems = []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    m = None
    with harness.UringParam("Y"):
        try:
            m = ringtest.Mount(a.daemon, opts=["io_uring_q_depth=%d" % a.depth], source=False)
            with m:
                child = [sys.executable, "-c", CHILD, m.mnt, str(a.rounds)]
                try:
                    if harness.run_command(child, 30 * a.rounds + 60) != 0:
                        problems.append("not every interrupted call ended with EINTR")
                except harness.HarnessError as e:
                    problems.append(str(e))
        except harness.HarnessError as e:
            problems.append(str(e))
    if m is not None:
        problems += m.problems
        if m.stats is not None:
            m.print_stats()
            problems += m.ring_problems(min_requests=a.rounds)
            dev = m.stats["dev"] or {}
            if dev.get("interrupt", 0) < a.rounds:
                problems.append("/dev/fuse saw %s interrupts, expected at least %d"
                                % (dev.get("interrupt"), a.rounds))
    return ringtest.finish(problems, [m], dmesg)


if __name__ == "__main__":
    sys.exit(main())
