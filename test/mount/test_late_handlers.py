#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No handler runs after the session's loop has returned.

Usage: test_late_handlers.py --daemon loops_fs [--transport dev|uring] [--rounds N]

A filesystem may free its state as soon as its loop returns (Debian's squashfuse_ll does, and
crashed over the ring when its queue threads kept calling handlers). loops_fs
(test/mount/loops_fs.c) counts READ handlers that run, wholly or partly, after its loop
function returned, and exits 3 if there were any. Its READ handler takes 20 ms; four readers
keep it busy; then the session is ended, and the daemon must exit 0 on its own with late=0.
Loops: the worker pool, -s (fuse_session_loop), and the filesystem's own
fuse_session_receive_buf/fuse_session_process_buf loop. Ends: SIGTERM, and
fuse_session_exit() called by a READ handler (--exit-after). Every combination, --rounds
times. Before a reader's first error every byte it read must be right; after the end, errors
(ENOTCONN, ECONNABORTED...) are expected and fine, but every reader must finish.
"""

import argparse
import os
import signal
import sys
import threading
import time

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)


PAGE = 4096
CHUNK = 4 * PAGE
DATA_SIZE = 16 << 20
READERS = 4
# Bounds on waiting, not measurements: generous, because the machine may be busy.
START_BOUND = 20.0
EXIT_BOUND = 30.0
BASE = bytes((i * 131) & 0xFF for i in range(PAGE))
SHIFT = [bytes((b + s) & 0xFF for b in range(256)) for s in range(256)]


def expected(off, n):
    return b"".join(BASE.translate(SHIFT[p & 0xFF]) for p in range(off // PAGE, (off + n) // PAGE))


class Reader(threading.Thread):
    """Reads "data" in 16 KiB pieces until an error or until told to stop."""

    def __init__(self, path, idx, stop):
        super().__init__(daemon=True)
        self.path, self.idx, self.stop = path, idx, stop
        self.reads = 0
        self.wrong = None
        self.error = None

    def run(self):
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as e:
            self.error = e
            return
        off = self.idx * (DATA_SIZE // READERS)
        try:
            while not self.stop.is_set():
                got = os.pread(fd, CHUNK, off)
                if got != expected(off, len(got)) or len(got) != CHUNK:
                    self.wrong = "wrong bytes at %d" % off
                    return
                self.reads += 1
                off = (off + CHUNK) % DATA_SIZE
        except OSError as e:
            self.error = e
        finally:
            os.close(fd)


def one_run(a, label, args, end, rnd, mounts):
    problems = []
    m = ringtest.Mount(a.daemon, transport=a.transport, source=False, args=args,
                       expect_exit=None)
    mounts.append(m)
    stop = threading.Event()
    readers = []
    try:
        with m:
            readers = [Reader(os.path.join(m.mnt, "data"), i, stop) for i in range(READERS)]
            for r in readers:
                r.start()
            if end == "sigterm":
                # Once the readers are under way, so that handlers are running at the signal.
                if not harness.wait_until(lambda: sum(r.reads for r in readers) >= 8,
                                          START_BOUND):
                    problems.append("the readers did not get going")
                started = [r.error for r in readers if r.error is not None]
                if started:
                    problems.append("a reader failed before the end: %s" % started[0])
                m.proc.send_signal(signal.SIGTERM)
            if not m.wait_exit(EXIT_BOUND):
                problems.append("daemon still running %.0f s after the end (%s)"
                                % (EXIT_BOUND, end))
            stop.set()
            for r in readers:
                r.join(EXIT_BOUND)
                if r.is_alive():
                    problems.append("reader %d still blocked after the daemon exited" % r.idx)
                if r.wrong:
                    problems.append("reader %d: %s" % (r.idx, r.wrong))
            rc = m.proc.returncode
            if rc == 3:
                problems.append("handlers ran after the loop returned")
            elif rc is not None and rc != 0:
                problems.append("daemon exited with status %s" % rc)
    except harness.HarnessError as e:
        problems.append(str(e))
    finally:
        stop.set()
    problems += m.problems
    problems += harness.sanitizer_reports(m.stderr)
    late = [l for l in m.stderr.splitlines() if l.startswith("loops_fs:")]
    ringtest.log("%s, %s, round %d: %s; reads %s" % (label, end, rnd,
                                                    late[-1] if late else "no summary",
                                                    [r.reads for r in readers]))
    if not late:
        problems.append("the daemon printed no summary line")
    if a.transport == "uring" and m.stats is not None:
        if m.stats["uring"] is None:
            problems.append("the session did not run on io_uring")
        elif m.queue_sum("requests") == 0:
            problems.append("the ring carried no requests")
    return ["%s, %s, round %d: %s" % (label, end, rnd, p) for p in problems]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--transport", default="dev", choices=["dev", "uring"])
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root to mount")
        return harness.SKIP
    if a.transport == "uring":
        ringtest.need_root_and_param()
    loops = [("pool", []), ("-s", ["-s"]), ("own loop", ["--own-loop"])]
    ends = [("sigterm", []), ("exit in handler", ["--exit-after=12"])]
    problems, mounts = [], []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    param = harness.UringParam("Y") if a.transport == "uring" else None
    if param:
        param.__enter__()
    try:
        for rnd in range(1, a.rounds + 1):
            for label, largs in loops:
                for end, eargs in ends:
                    args = ["--delay-us=20000"] + largs + eargs
                    problems += one_run(a, label, args, end.split()[0], rnd, mounts)
    finally:
        if param:
            param.__exit__(None, None, None)
    return ringtest.finish(problems, mounts, dmesg)


if __name__ == "__main__":
    sys.exit(main())
