#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A request answered with fuse_reply_none() must not leak its ring entry.

Usage: test_reply_none.py --daemon deferred_reply_ll [--calls N] -- CMD [ARGS]

deferred_reply_ll answers getxattr("user.reply_none") with fuse_reply_none() (from a worker
thread). Over /dev/fuse that leaves the caller waiting forever; over the ring the entry must
still be handed back, and ringfuse does so with EIO for the caller. With io_uring_q_depth=1,
N such calls (many more than the queues have entries) must each fail with EIO in bounded
time, and the filesystem must work normally afterwards (CMD... MNT SRC is run then).
"""

import argparse
import sys

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)

CHILD = r"""
import errno, os, sys
path, n = sys.argv[1], int(sys.argv[2])
bad = 0
for i in range(n):
    try:
        os.getxattr(path, "user.reply_none")
        print("getxattr %d succeeded" % i); bad += 1
    except OSError as e:
        if e.errno != errno.EIO:
            print("getxattr %d: %s, expected EIO" % (i, e)); bad += 1
print("%d reply_none calls, %d unexpected" % (n, bad))
sys.exit(1 if bad else 0)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    ringtest.need_root_and_param()
    problems = []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    m = None
    with harness.UringParam("Y"):
        try:
            m = ringtest.Mount(a.daemon, opts=["io_uring_q_depth=1"], source=False)
            with m:
                child = [sys.executable, "-c", CHILD, m.mnt, str(a.calls)]
                try:
                    rc = harness.run_command(child, 120)
                    if rc != 0:
                        problems.append("reply_none calls did not all fail with EIO")
                except harness.HarnessError as e:
                    problems.append("reply_none calls hung: " + str(e))
                if cmd:
                    m.run(cmd)
        except harness.HarnessError as e:
            problems.append(str(e))
    if m is not None:
        problems += m.problems
        if m.stats is not None:
            m.print_stats()
            problems += m.ring_problems(min_requests=a.calls)
    return ringtest.finish(problems, [m], dmesg)


if __name__ == "__main__":
    sys.exit(main())
