#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Invalid io-uring switches are refused before anything is mounted.

Usage: test_bad_switches.py --daemon D

Each case starts the daemon with one bad value (io_uring_q_depth=0, -1, 65537, 99999999999,
abc, empty; FUSE_URING_QUEUE_DEPTH=abc, 0, -5, 70000, " 8"; FUSE_URING_ENABLE=yes;
io_uring_inline with io_uring_workers) and
requires: the daemon exits on its own with a non-zero status within 10 s, its stderr names
the offending switch, and the mountpoint is not mounted. Good values are known to be
accepted (depth 1 and 128 are what the other uring tests mount with). Needs no root: the
switches are parsed before mounting.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

CASES = [
    (["-o", "io_uring", "-o", "io_uring_q_depth=0"], {}, "io_uring_q_depth"),
    (["-o", "io_uring", "-o", "io_uring_q_depth=-1"], {}, "io_uring_q_depth"),
    (["-o", "io_uring", "-o", "io_uring_q_depth=65537"], {}, "io_uring_q_depth"),
    (["-o", "io_uring", "-o", "io_uring_q_depth=99999999999"], {}, "io_uring_q_depth"),
    (["-o", "io_uring", "-o", "io_uring_q_depth=abc"], {}, "io_uring_q_depth"),
    (["-o", "io_uring", "-o", "io_uring_q_depth="], {}, "io_uring_q_depth"),
    (["-o", "io_uring"], {"FUSE_URING_QUEUE_DEPTH": "abc"}, "FUSE_URING_QUEUE_DEPTH"),
    (["-o", "io_uring"], {"FUSE_URING_QUEUE_DEPTH": "0"}, "FUSE_URING_QUEUE_DEPTH"),
    (["-o", "io_uring"], {"FUSE_URING_QUEUE_DEPTH": "-5"}, "FUSE_URING_QUEUE_DEPTH"),
    (["-o", "io_uring"], {"FUSE_URING_QUEUE_DEPTH": "70000"}, "FUSE_URING_QUEUE_DEPTH"),
    (["-o", "io_uring"], {"FUSE_URING_QUEUE_DEPTH": " 8"}, "FUSE_URING_QUEUE_DEPTH"),
    ([], {"FUSE_URING_ENABLE": "yes"}, "FUSE_URING_ENABLE"),
    (["-o", "io_uring", "-o", "io_uring_inline", "-o", "io_uring_workers"], {},
     "io_uring_inline and io_uring_workers"),
]


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == path for l in f)


def run_case(daemon, mnt, opts, env_extra):
    env = dict(os.environ)
    for k in ("FUSE_URING_ENABLE", "FUSE_URING_QUEUE_DEPTH", "RINGFUSE_STATS"):
        env.pop(k, None)
    env.update(env_extra)
    argv = [daemon, "-f"] + opts + [mnt]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=10)
        return p.returncode, out.decode("utf-8", "replace"), argv
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return None, out.decode("utf-8", "replace"), argv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    a = ap.parse_args()
    base = tempfile.mkdtemp(prefix="ringfuse-badsw-")
    mnt = os.path.join(base, "mnt")
    os.mkdir(mnt)
    problems = []
    try:
        for opts, env, name in CASES:
            what = " ".join(opts + ["%s=%r" % kv for kv in env.items()])
            rc, out, argv = run_case(a.daemon, mnt, opts, env)
            if is_mounted(mnt):
                problems.append("%s: mounted anyway" % what)
                subprocess.run(["umount", "-l", mnt], check=False)
            if rc is None:
                problems.append("%s: daemon still running after 10 s (killed)" % what)
            elif rc == 0:
                problems.append("%s: daemon exited 0" % what)
            if name not in out:
                problems.append("%s: the error does not name %s: %r" % (what, name, out.strip()))
            print("uring: %s -> status %s: %s" % (what, rc, out.strip().splitlines()[:1]))
    finally:
        if is_mounted(mnt):
            subprocess.run(["umount", "-l", mnt], check=False)
        shutil.rmtree(base, ignore_errors=True)
    for p in problems:
        print("uring: FAIL: " + p)
    if not problems:
        print("uring: pass")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
