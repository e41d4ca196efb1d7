#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A worker pool that lets idle workers go must keep serving.

Usage: test_idle_workers.py --daemon loops_fs --daemon-v1 loops_fs_v1 [--transport dev|uring]

loops_fs (test/mount/loops_fs.c) is mounted with a small max_idle_threads, from the command
line (fuse_loop_cfg_set_idle_threads) and, as 3.2-3.11 programs do, in a v1 struct fuse_loop_config
of the program's own (loops_fs_v1); with READ handlers that return at once and that sleep 1 ms.
Many readers then read 4 KiB pieces of its "data" file at random places at the same time,
checking every byte. Afterwards the daemon must still be running and mounted, no reader may
have seen an error, the daemon must have counted every read, and it must exit 0 at unmount.
Before the fix the pool's last workers could all decide to leave at once: after a few hundred
requests fuse_session_loop_mt() returned 0 and the readers got ECONNABORTED.
"""

import argparse
import os
import random
import sys
import threading

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)


PAGE = 4096
DATA_SIZE = 16 << 20
# loops_fs's byte at offset o is (o*131 + (o >> 12)) & 0xff: page p is page 0 shifted by p.
BASE = bytes((i * 131) & 0xFF for i in range(PAGE))
SHIFT = [bytes((b + s) & 0xFF for b in range(256)) for s in range(256)]


def read_pages(path, count, seed, errors):
    rng = random.Random(seed)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        errors.append("open: %s" % e)
        return
    try:
        for _ in range(count):
            page = rng.randrange(DATA_SIZE // PAGE)
            got = os.pread(fd, PAGE, page * PAGE)
            if got != BASE.translate(SHIFT[page & 0xFF]):
                errors.append("wrong bytes in page %d (%d bytes)" % (page, len(got)))
                return
    except OSError as e:
        errors.append("read: %s" % e)
    finally:
        os.close(fd)


def read_stats(mnt):
    with open(os.path.join(mnt, "stats")) as f:
        fields = dict(kv.split("=") for kv in f.read().split())
    return {k: int(v) for k, v in fields.items()}


def one_case(daemon, label, args, transport, readers, reads, mounts):
    problems = []
    m = ringtest.Mount(daemon, transport=transport, source=False, args=args)
    mounts.append(m)
    try:
        with m:
            errors = []
            threads = [threading.Thread(target=read_pages,
                                        args=(os.path.join(m.mnt, "data"), reads, i, errors))
                       for i in range(readers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            problems += ["reader: " + e for e in errors[:5]]
            if m.proc.poll() is not None:
                problems.append("the daemon exited (status %s) while its mount was in use"
                                % m.proc.returncode)
            elif not harness.is_mounted(m.mnt):
                problems.append("no longer mounted after the reads")
            else:
                st = read_stats(m.mnt)
                ringtest.log("%s: %d readers x %d reads: %s" % (label, readers, reads, st))
                if st["handlers"] < readers * reads:
                    problems.append("only %d of %d reads reached the handler"
                                    % (st["handlers"], readers * reads))
    except harness.HarnessError as e:
        problems.append(str(e))
    problems += m.problems
    problems += harness.sanitizer_reports(m.stderr)
    if transport == "uring" and m.stats is not None:
        problems += m.ring_problems()
    return ["%s: %s" % (label, p) for p in problems]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--daemon-v1", required=True)
    ap.add_argument("--transport", default="dev", choices=["dev", "uring"])
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root to mount")
        return harness.SKIP
    if a.transport == "uring":
        ringtest.need_root_and_param()
    cases = []
    for idle in (0, 1):
        for name, daemon in (("cfg", a.daemon), ("v1", a.daemon_v1)):
            opts = ["-o", "max_idle_threads=%d" % idle]
            # Handlers that return at once: many short requests, workers come and go fast.
            cases.append(("%s idle=%d" % (name, idle), daemon, opts, 16, 600))
            # Handlers that take 1 ms: the pool grows to max_threads and shrinks again.
            cases.append(("%s idle=%d 1ms" % (name, idle), daemon,
                          opts + ["--delay-us=1000"], 8, 300))
    cases.append(("clone_fd idle=0", a.daemon, ["-o", "max_idle_threads=0", "-o", "clone_fd"],
                  4, 1000))
    problems, mounts = [], []
    dmesg = harness.DmesgWatch()
    dmesg.start()
    param = harness.UringParam("Y") if a.transport == "uring" else None
    if param:
        param.__enter__()
    try:
        for label, daemon, args, readers, reads in cases:
            problems += one_case(daemon, label, args, a.transport, readers, reads, mounts)
    finally:
        if param:
            param.__exit__(None, None, None)
    return ringtest.finish(problems, mounts, dmesg)


if __name__ == "__main__":
    sys.exit(main())
