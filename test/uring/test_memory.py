#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ring memory stays within its bound, and a ring that cannot fit never leaves a dead mount.

Usage: test_memory.py --daemon D [--conn-daemon C]
  D takes -o source=SRC (passthrough_ll); C applies -o max_write (conn_opts_ll)

Each case mounts D with -o io_uring and some depth / memory switches, writes and reads back
a file of 1 MiB writes, and then requires: the daemon is alive and the mount answers (never
"Transport endpoint is not connected"), the unmount ends the daemon with status 0, no sanitizer
report, and the stats line (RINGFUSE_STATS=1) says what became of the ring:
  depth 8192 and 65536 with the default bounds: over the ring, depth lowered (said once), the
    memory allocated within min(session bound, queues x queue bound);
  a session bound of 512K per queue: over the ring at depth 1 with max_write negotiated down
    (payload <= 508K), big writes still right;
  a bound below one entry (16K), and 1T bounds with depth 65536 (more than this machine's RAM):
    on /dev/fuse, with the reason in the daemon's stderr;
  with C and -o max_write=131072: payload=131072 with a one-page header, and memory no more
    than queues x depth x (128 KiB + 6 KiB), at the default depth and at depth 8192.
Run it from an ASan build too: there an allocation that fails aborts instead of returning NULL.
"""

import argparse
import os
import shutil
import sys

from lib import harness  # test/lib (PYTHONPATH: test/meson.build)

CHUNK = 1 << 20
FILE_MIB = 6


def io_check(mnt):
    """Write FILE_MIB MiB in 1 MiB writes, read it back; -> list of problems."""
    path = os.path.join(mnt, "data")
    problems = []
    try:
        with open(path, "wb", buffering=0) as f:
            for i in range(FILE_MIB):
                f.write(bytes([(i * 7 + j) & 0xFF for j in range(256)]) * (CHUNK // 256))
        with open(path, "rb", buffering=0) as f:
            for i in range(FILE_MIB):
                want = bytes([(i * 7 + j) & 0xFF for j in range(256)]) * (CHUNK // 256)
                got = b""
                while len(got) < CHUNK:
                    part = f.read(CHUNK - len(got))
                    if not part:
                        break
                    got += part
                if got != want:
                    problems.append("MiB %d of %s read back wrong" % (i, path))
                    break
        os.unlink(path)
    except OSError as e:
        problems.append("I/O on the mount failed: %s" % e)
    return problems


def run_case(daemon, name, opts, env_extra, expect, source=True):
    """expect: dict with 'ring' (bool), and for a ring run 'lowered' or for a fallback 'why'."""
    base, src, mnt = harness.make_workdir()
    stderr_path = os.path.join(base, "daemon.stderr")
    env = dict(os.environ)
    for k in ("FUSE_URING_ENABLE", "FUSE_URING_QUEUE_DEPTH", "FUSE_URING_MAX_MEMORY",
              "FUSE_URING_QUEUE_MEMORY"):
        env.pop(k, None)
    env["RINGFUSE_STATS"] = "1"
    env.update(env_extra)
    argv = [daemon, "-f"] + (["-o", "source=" + src] if source else []) + ["-o", "io_uring"]
    for o in opts:
        argv += ["-o", o]
    argv.append(mnt)
    harness.log("%s: %s %s" % (name, " ".join("%s=%s" % kv for kv in env_extra.items()),
                               " ".join(argv)))
    problems = []
    proc = None
    try:
        proc = harness.start_daemon(argv, stderr_path, env=env)
        harness.wait_mounted(mnt, proc, stderr_path, timeout=30)
        problems += io_check(mnt)
        if proc.poll() is not None:
            problems.append("daemon died while mounted (status %d)" % proc.returncode)
        try:
            os.stat(mnt)
        except OSError as e:
            problems.append("mount does not answer: %s" % e)
        if not harness.unmount(mnt):
            problems.append("could not unmount")
        rc, more = harness.stop_daemon(proc, mnt)
        problems += more
        proc = None
        if rc != 0:
            problems.append("daemon exited with status %s, expected 0" % rc)
    except harness.HarnessError as e:
        problems.append(str(e))
    finally:
        if proc is not None:
            if harness.is_mounted(mnt):
                harness.unmount(mnt, attempts=3)
            _, more = harness.stop_daemon(proc, mnt)
            problems += more
        if harness.is_mounted(mnt):
            problems.append("still mounted after the daemon ended (dead mount)")
            harness.lazy_unmount(mnt)

    text = harness.read_text(stderr_path)
    problems += harness.sanitizer_reports(text)
    stats = harness.parse_stats(text)
    nq = harness.possible_cpus()
    ring = stats["uring"]
    if expect["ring"]:
        problems += harness.check_uring_stats(stats, nq)
        if ring is not None:
            depth, memory = ring.get("depth", 0), ring.get("memory", -1)
            bound, qbound = ring.get("bound", 0), ring.get("queue_bound", 0)
            limit = min(bound, nq * qbound)
            if not 0 <= memory <= limit:
                problems.append("ring memory %s above the bound %d" % (memory, limit))
            if ring.get("header") != 4096 and ring.get("header") != os.sysconf("SC_PAGESIZE"):
                problems.append("header=%s, expected one page" % ring.get("header"))
            if "depth" in expect and depth != expect["depth"]:
                problems.append("depth=%s, expected %d" % (depth, expect["depth"]))
            if "depth_below" in expect and not 1 <= depth < expect["depth_below"]:
                problems.append("depth=%s, expected 1..%d" % (depth, expect["depth_below"] - 1))
            if "payload_max" in expect and not 8192 <= ring.get("payload", 0) <= expect["payload_max"]:
                problems.append("payload=%s, expected 8192..%d"
                                % (ring.get("payload"), expect["payload_max"]))
            if "payload" in expect and ring.get("payload") != expect["payload"]:
                problems.append("payload=%s, expected %d" % (ring.get("payload"), expect["payload"]))
            if "entry_max" in expect and memory > nq * depth * expect["entry_max"] + nq * 8192:
                problems.append("memory=%s is more than %d queues x depth %d x %d bytes"
                                % (memory, nq, depth, expect["entry_max"]))
            if ring.get("payload", 1) % 4096:
                problems.append("payload=%s is not whole pages" % ring.get("payload"))
        lowered = text.count("lowered to")
        if expect.get("lowered") and lowered != 1:
            problems.append("the depth/max_write reduction was said %d times, expected once"
                            % lowered)
    else:
        if ring is not None:
            problems.append("the ring ran (%s), expected a fallback to /dev/fuse" % ring)
        if "io_uring unavailable (" not in text or expect["why"] not in text:
            problems.append("no fallback message naming '%s'" % expect["why"])
        if stats["dev"] is None or stats["dev"].get("other", 0) < 1:
            problems.append("/dev/fuse carried no requests")
    if problems:
        harness.log("%s: daemon stderr:\n%s" % (name, text))
        for p in problems:
            harness.log("%s: FAIL: %s" % (name, p))
    else:
        harness.log("%s: ok" % name)
    if not harness.is_mounted(mnt):
        shutil.rmtree(base, ignore_errors=True)
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--conn-daemon", help="a daemon that applies -o max_write (conn_opts_ll)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (mounts, enable_uring)")
        return harness.SKIP
    if not os.path.exists(harness.URING_PARAM):
        print("SKIP: this kernel has no %s" % harness.URING_PARAM)
        return harness.SKIP
    nq = harness.possible_cpus()
    phys = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGESIZE")
    cases = [
        ("depth-8192", ["io_uring_q_depth=8192"], {},
         {"ring": True, "depth_below": 8192, "lowered": True}),
        ("depth-65536", ["io_uring_q_depth=65536"], {},
         {"ring": True, "depth_below": 65536, "lowered": True}),
        ("depth-65536-env", [], {"FUSE_URING_QUEUE_DEPTH": "65536"},
         {"ring": True, "depth_below": 65536, "lowered": True}),
        ("max-write-down", ["io_uring_max_memory=%dK" % (512 * nq)], {},
         {"ring": True, "depth": 1, "payload_max": 508 << 10, "lowered": True}),
        ("below-one-entry", ["io_uring_max_memory=16K"], {},
         {"ring": False, "why": "is below one entry"}),
    ]
    # 65536 entries of 1 MiB per queue: only refused for RAM where RAM is smaller than that.
    if nq * 65536 * (1 << 20) > phys:
        cases.append(("more-than-ram", ["io_uring_q_depth=65536", "io_uring_max_memory=1T",
                                         "io_uring_queue_memory=1T"], {},
                      {"ring": False, "why": "more than this machine's RAM"}))
    # Payload buffers follow the negotiated max_write: 128 KiB + a header page per entry.
    conn_cases = [
        ("max-write-128k", ["max_write=131072"], {},
         {"ring": True, "depth": 8, "payload": 131072, "entry_max": 131072 + 4096 + 2048}),
        ("max-write-128k-depth-8192", ["max_write=131072", "io_uring_q_depth=8192"], {},
         {"ring": True, "depth_below": 8192, "payload": 131072, "lowered": True,
          "entry_max": 131072 + 4096 + 2048}),
    ]
    problems = []
    with harness.UringParam("Y"):
        dmesg = harness.DmesgWatch()
        dmesg.start()
        for name, opts, env, expect in cases:
            problems += run_case(args.daemon, name, opts, env, expect)
        if args.conn_daemon:
            for name, opts, env, expect in conn_cases:
                problems += run_case(args.conn_daemon, name, opts, env, expect, source=False)
        problems += ["kernel log: " + l for l in dmesg.problems()]
    for p in problems:
        harness.log("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except harness.Skip as e:
        print("SKIP: %s" % e)
        sys.exit(harness.SKIP)
