#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Teardown of a ring session under load, repeated.

Usage: test_teardown.py --daemon D [--source] --mode MODE [--repeat N] [--depth N]

MODE is what ends (or disturbs) the session while fio and dd writers run in the mount:
  umount-lazy   umount -l; the daemon must leave once the last writer is done
  abort         echo 1 > /sys/fs/fuse/connections/N/abort
  sigterm       SIGTERM to the daemon
  kill-clients  SIGKILL to the writers mid-I/O; the daemon must keep serving, then unmount
Each round requires: the daemon leaves within a bound and is not killed by a signal, the
mount is gone afterwards, no fuse-ring-* thread or writer is left behind, and (at the end)
the kernel log has nothing new to complain about. fio is Debian's; without it the load is
dd only.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)

EXIT_BOUND = 20.0
CONNECTIONS = "/sys/fs/fuse/connections"


def ensure_fusectl():
    """Mount the fuse control filesystem if nobody did; returns True if we mounted it."""
    if harness.is_mounted(CONNECTIONS):
        return False
    subprocess.run(["mount", "-t", "fusectl", "fusectl", CONNECTIONS], check=True)
    return True


def start_load(mnt, seconds):
    procs = []
    fio = shutil.which("fio")
    if fio:
        argv = [fio, "--name=load", "--directory=" + mnt, "--rw=randrw", "--bs=64k",
                "--size=8M", "--numjobs=3", "--time_based", "--runtime=%d" % seconds,
                "--ioengine=psync", "--group_reporting", "--output=/dev/null"]
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        argv = [fio, "--name=dload", "--directory=" + mnt, "--rw=write", "--bs=1M",
                "--size=16M", "--direct=1", "--time_based", "--runtime=%d" % seconds,
                "--ioengine=psync", "--output=/dev/null"]
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
    for i in range(2):
        script = ("end=$((SECONDS+%d)); while [ $SECONDS -lt $end ]; do "
                  "dd if=/dev/zero of=%s/dd.%d bs=1M count=16 conv=fsync status=none "
                  "|| exit 0; done" % (seconds, mnt, i))
        procs.append(subprocess.Popen(["sh", "-c", script], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
    return procs


def reap_load(procs, timeout):
    problems = []
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            problems.append("load process %d still running %.0f s later; killed" % (p.pid, timeout))
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    return problems


def one_round(a, rnd):
    problems = []
    opts = ["io_uring_q_depth=%d" % a.depth]
    m = ringtest.Mount(a.daemon, opts=opts, source=a.source, expect_exit=None)
    load = []
    try:
        with m:
            # The mount shows before the daemon has answered INIT and started its queues.
            if not harness.wait_until(
                    lambda: len(m.ring_threads()) == harness.possible_cpus(), 10):
                problems.append("expected %d fuse-ring-* threads, found %s"
                                % (harness.possible_cpus(), m.ring_threads()))
            seconds = 4
            load = start_load(m.mnt, seconds)
            time.sleep(1.5)
            pid = m.proc.pid
            if a.mode == "umount-lazy":
                subprocess.run(["umount", "-l", m.mnt], check=False)
                problems += reap_load(load, seconds + 30)
                if not m.wait_exit(EXIT_BOUND):
                    problems.append("daemon still running %.0f s after the lazy unmount's "
                                    "last user left" % EXIT_BOUND)
            elif a.mode == "abort":
                conn = os.minor(os.stat(m.mnt).st_dev)
                with open(os.path.join(CONNECTIONS, str(conn), "abort"), "w") as f:
                    f.write("1")
                if not m.wait_exit(EXIT_BOUND):
                    problems.append("daemon still running %.0f s after abort" % EXIT_BOUND)
                problems += reap_load(load, 30)
            elif a.mode == "sigterm":
                os.kill(pid, signal.SIGTERM)
                if not m.wait_exit(EXIT_BOUND):
                    problems.append("daemon still running %.0f s after SIGTERM" % EXIT_BOUND)
                problems += reap_load(load, 30)
            elif a.mode == "kill-clients":
                for p in load:
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                problems += reap_load(load, 30)
                # The session must still serve after its callers died mid-request.
                probe = os.path.join(m.mnt, "after-kill")
                with open(probe, "wb") as f:
                    f.write(b"x" * 300000)
                with open(probe, "rb") as f:
                    if f.read() != b"x" * 300000:
                        problems.append("read-back after killing the writers differs")
                os.unlink(probe)
                for name in os.listdir(m.mnt):
                    os.unlink(os.path.join(m.mnt, name))
            if m.proc.poll() is not None:
                if m.proc.returncode < 0:
                    problems.append("daemon killed by signal %d" % -m.proc.returncode)
                if harness.is_mounted(m.mnt):
                    problems.append("mount still there after the daemon exited")
                left = harness.ring_threads(pid)
                if left:
                    problems.append("ring threads left: %s" % left)
    except (harness.HarnessError, OSError) as e:
        problems.append(str(e))
    finally:
        problems += reap_load(load, 30)
    problems += m.problems
    return ["round %d: %s" % (rnd, p) for p in problems], m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--source", action="store_true")
    ap.add_argument("--mode", required=True,
                    choices=["umount-lazy", "abort", "sigterm", "kill-clients"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--depth", type=int, default=8)
    a = ap.parse_args()
    ringtest.need_root_and_param()
    dmesg = harness.DmesgWatch()
    dmesg.start()
    problems = []
    mounts = []
    mounted_ctl = ensure_fusectl() if a.mode == "abort" else False
    with harness.UringParam("Y"):
        for rnd in range(1, a.repeat + 1):
            more, m = one_round(a, rnd)
            mounts.append(m)
            if m.stats is not None and m.stats["uring"] is None:
                more.append("round %d: the session did not run on io_uring" % rnd)
            problems += more
            if more:
                break
    if mounted_ctl:
        subprocess.run(["umount", CONNECTIONS], check=False)
    if not problems:
        for m in mounts:
            m.print_stats()
    return ringtest.finish(problems, mounts[-1:], dmesg)


if __name__ == "__main__":
    sys.exit(main())
