#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's squashfuse_ll, unmodified, stopped with SIGTERM while it is being read.

Usage: test_squashfuse_sigterm.py --lib LIBDIR [--transport uring|dev] [--rounds N]

squashfuse_ll frees its state right after fuse_session_loop() returns and only then unmounts,
which libfuse allows: there no handler runs once the loop has returned. Over the ring the queue
threads kept calling handlers after that, and squashfuse_ll crashed (segfault, or
"munmap_chunk(): invalid pointer" and abort) in most rounds. Each round here: four readers
read the image's files in a loop through the mount, the daemon gets SIGTERM, and it must exit
on its own, not by a signal, with nothing on stderr about invalid pointers, and leave no mount.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)


FILES = 4
FILE_SIZE = 16 << 20
# Bounds on waiting, not measurements.
START_BOUND = 20.0
EXIT_BOUND = 30.0


def reader(path, counts, idx, stop):
    """Read the file end to end again and again until an error (the end) or stop."""
    while not stop.is_set():
        try:
            with open(path, "rb", buffering=0) as f:
                while f.read(128 << 10):
                    counts[idx] += 1
        except OSError:
            return


def one_round(a, work, img, rnd):
    problems = []
    mnt = os.path.join(work, "mnt%d" % rnd)
    os.mkdir(mnt)
    err_path = os.path.join(work, "daemon%d.stderr" % rnd)
    env = dict(os.environ, LD_LIBRARY_PATH=a.lib, RINGFUSE_STATS="1")
    argv = ["squashfuse_ll", "-f"] + (["-o", "io_uring"] if a.transport == "uring" else [])
    proc = harness.start_daemon(argv + [img, mnt], err_path, env=env)
    stop = threading.Event()
    counts = [0] * FILES
    threads = []
    try:
        harness.wait_mounted(mnt, proc, err_path, timeout=10)
        threads = [threading.Thread(target=reader, daemon=True,
                                    args=(os.path.join(mnt, "f%d" % i), counts, i, stop))
                   for i in range(FILES)]
        for t in threads:
            t.start()
        if not harness.wait_until(lambda: sum(counts) >= 64, START_BOUND):
            problems.append("the readers did not get going")
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=EXIT_BOUND)
        except subprocess.TimeoutExpired:
            problems.append("still running %.0f s after SIGTERM" % EXIT_BOUND)
    except harness.HarnessError as e:
        problems.append(str(e))
    finally:
        stop.set()
        if proc.poll() is None:
            _, more = harness.stop_daemon(proc, mnt)
            problems += more
        if harness.is_mounted(mnt):
            harness.lazy_unmount(mnt)
            problems.append("mount left behind")
        for t in threads:
            t.join(EXIT_BOUND)
    text = harness.read_text(err_path)
    rc = proc.returncode
    if rc is not None and rc < 0:
        problems.append("killed by signal %d" % -rc)
    for bad in ("invalid pointer", "double free", "corrupted", "Segmentation"):
        if bad in text:
            problems.append("stderr says %r" % bad)
    problems += harness.sanitizer_reports(text)
    stats = harness.parse_stats(text)
    if a.transport == "uring" and stats is not None and stats["uring"] is None:
        problems.append("the session did not run on io_uring")
    ringtest.log("round %d: exit status %s, %d reads before SIGTERM" % (rnd, rc, sum(counts)))
    if problems:
        sys.stdout.write(text[-3000:] + "\n")
    return ["round %d: %s" % (rnd, p) for p in problems]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--transport", default="uring", choices=["dev", "uring"])
    ap.add_argument("--rounds", type=int, default=6)
    a = ap.parse_args()
    ringtest.need_root_and_param()
    for prog in ("squashfuse_ll", "mksquashfs"):
        if shutil.which(prog) is None:
            print("SKIP: %s is not installed (scripts/deps.sh installs it)" % prog)
            return harness.SKIP
    work = harness.make_workdir()[0]
    problems = []
    try:
        tree = os.path.join(work, "src")
        for i in range(FILES):
            with open(os.path.join(tree, "f%d" % i), "wb") as f:
                f.write(os.urandom(FILE_SIZE))
        img = os.path.join(work, "img.sqfs")
        subprocess.run(["mksquashfs", tree, img, "-quiet", "-noappend"], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        dmesg = harness.DmesgWatch()
        dmesg.start()
        with harness.UringParam("Y"):
            for rnd in range(1, a.rounds + 1):
                problems += one_round(a, work, img, rnd)
        problems += ["kernel log: " + l for l in dmesg.problems()]
    finally:
        if not any(harness.is_mounted(os.path.join(work, d)) for d in os.listdir(work)):
            shutil.rmtree(work, ignore_errors=True)
    return ringtest.finish(problems)


if __name__ == "__main__":
    sys.exit(main())
