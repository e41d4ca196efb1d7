#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Teardown stress: end a loaded session every way there is, many times, and count what broke.

usage: scripts/teardown_stress.py [--build DIR] [--rounds N] [--daemons A,B] [--modes ...]
                                  [--transports dev,uring] [--load-seconds S] [--exit-bound S]

Each run mounts a daemon (example/passthrough_ll over a source directory, example/
deferred_reply_ll, whose replies come from worker threads), starts fio and dd writers in it
(test/uring/test_teardown.py's load), waits until they are busy, then ends the session by
one of:
  umount    the writers are SIGKILLed mid-request, then a plain umount (retried while busy)
  lazy      umount -l while the writers run
  abort     echo 1 > /sys/fs/fuse/connections/N/abort
  sigterm   SIGTERM to the daemon      sigint   SIGINT to the daemon
  sigkill   SIGKILL to the daemon (then umount -l of the dead mount)
over /dev/fuse and over the ring (-o io_uring). Counted per daemon, transport and mode:
  hang     the daemon not gone within --exit-bound seconds (it is then killed)
  crash    the daemon ended by a signal it was not sent (SIGSEGV, SIGABRT: ASan aborts too)
  sanitizer  ASan/UBSan/TSan reports in the daemon's stderr
  stuck    a writer still alive --exit-bound seconds after the daemon left; "D" when it was
           in uninterruptible sleep (/proc/PID/stat), which only a kernel-side hang explains
  left     the mount still there after the run (the daemon and the script both tried)
  kernel   new BUG/WARNING/Oops/hung-task lines in dmesg (checked after every run; user
           processes' segfault lines are left out: the daemon's own is a crash already)
  nouring  a ring run whose stats line says it fell back to /dev/fuse
Exits 1 if any count is not zero, 77 when it cannot run (not root, no enable_uring). Use a
sanitizer build (--build build-asan) to make the sanitizer column mean something.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
# A script, not a test: it finds test/lib (the helpers' package) and the teardown test itself.
sys.path.insert(0, os.path.join(TOP, "test"))
sys.path.insert(0, os.path.join(TOP, "test", "uring"))

from lib import harness, ringtest  # noqa: E402
import test_teardown  # noqa: E402

MODES = ["umount", "lazy", "abort", "sigterm", "sigint", "sigkill"]
COUNTS = ["hang", "crash", "sanitizer", "stuck", "D", "left", "kernel", "nouring"]
DAEMONS = {"passthrough_ll": True, "deferred_reply_ll": False}   # name: takes -o source=
# A user process's fault, which the kernel logs too ("fuse-ring-0[123]: segfault at ..."): on
# a shared machine it may be anybody's; our daemon's own shows as a crash (its exit signal).
USER_FAULT = re.compile(r"\S+\[\d+\]: segfault at |traps: \S+\[\d+\] ")


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def load_pids(load):
    pids = []
    for p in load:
        if p.poll() is None:
            pids.append(p.pid)
            pids += harness.descendants(p.pid)
    return pids


def reap_writers(load, bound, counts, notes):
    """Writers must be gone within bound after the daemon: record D-state and stuck ones."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline and any(p.poll() is None for p in load):
        time.sleep(0.1)
    pids = load_pids(load)
    if pids:
        states = {pid: proc_state(pid) for pid in pids}
        d = [pid for pid, s in states.items() if s == "D"]
        counts["stuck"] += 1
        if d:
            counts["D"] += 1
        notes.append("writers alive %.0f s after the daemon: %s"
                     % (bound, ", ".join("%d:%s" % kv for kv in states.items())))
    for p in load:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in load:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            notes.append("writer %d survived SIGKILL for 30 s (state %s)"
                         % (p.pid, proc_state(p.pid)))


def end_session(m, mode, load):
    """Do the mode's deed. Returns the signal the daemon is expected to die of (or None) and
    when the teardown itself began (for umount: after the writers were killed)."""
    pid = m.proc.pid
    if mode == "umount":
        for p in load:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in load:
            p.wait()
        t0 = time.monotonic()
        harness.unmount(m.mnt)
        return None, t0
    t0 = time.monotonic()
    if mode == "lazy":
        harness.lazy_unmount(m.mnt)
    elif mode == "abort":
        conn = os.minor(os.stat(m.mnt).st_dev)
        with open(os.path.join(test_teardown.CONNECTIONS, str(conn), "abort"), "w") as f:
            f.write("1")
    elif mode == "sigterm":
        os.kill(pid, signal.SIGTERM)
    elif mode == "sigint":
        os.kill(pid, signal.SIGINT)
    elif mode == "sigkill":
        os.kill(pid, signal.SIGKILL)
        return signal.SIGKILL, t0
    return None, t0


def one_run(a, daemon, transport, mode):
    """One mount, load and teardown; returns (counts, notes, seconds the daemon took)."""
    counts = dict.fromkeys(COUNTS, 0)
    notes = []
    took = None
    dmesg = harness.DmesgWatch()
    dmesg.start()
    path = os.path.join(a.build, "example", daemon)
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1",
           "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
    m = ringtest.Mount(path, transport=transport, source=DAEMONS[daemon], env=env,
                       opts=["io_uring_q_depth=8"] if transport == "uring" else [],
                       expect_exit=None, exit_timeout=a.exit_bound)
    load = []
    try:
        with m:
            load = test_teardown.start_load(m.mnt, a.load_seconds)
            time.sleep(a.settle)
            expect_sig, t0 = end_session(m, mode, load)
            if m.wait_exit(a.exit_bound):
                took = time.monotonic() - t0
            else:
                counts["hang"] += 1
                notes.append("daemon still running %.0f s after %s" % (a.exit_bound, mode))
                os.killpg(m.proc.pid, signal.SIGKILL)
                m.proc.wait()
            rc = m.proc.returncode
            if rc < 0 and -rc != (expect_sig or 0) and not counts["hang"]:
                counts["crash"] += 1
                notes.append("daemon killed by signal %d" % -rc)
            if harness.is_mounted(m.mnt):
                # A daemon unmounts when its loop returns; only a SIGKILLed one cannot.
                if mode != "sigkill" and not counts["hang"]:
                    counts["left"] += 1
                    notes.append("daemon left %s mounted after exiting (status %d)"
                                 % (m.mnt, rc))
                harness.lazy_unmount(m.mnt)
            reap_writers(load, a.exit_bound, counts, notes)
    except (harness.HarnessError, OSError) as e:
        notes.append("harness: %s" % e)
        counts["hang"] += 1
    finally:
        for p in load:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
    notes += [p for p in m.problems if "still mounted" not in p]
    if m.mnt and harness.is_mounted(m.mnt):
        counts["left"] += 1
        harness.lazy_unmount(m.mnt)
    san = harness.sanitizer_reports(m.stderr)
    if san:
        counts["sanitizer"] += 1
        notes += san[:5]
    kern = [l for l in dmesg.problems() if not USER_FAULT.search(l)]
    if kern:
        counts["kernel"] += 1
        notes += ["kernel: " + l for l in kern[:5]]
    if transport == "uring" and m.stats is not None and m.stats.get("dev") is not None \
            and m.stats.get("uring") is None:
        counts["nouring"] += 1
        notes.append("the session did not run on io_uring")
    return counts, notes, took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build-asan"))
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--daemons", default=",".join(DAEMONS))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--transports", default="dev,uring")
    ap.add_argument("--load-seconds", type=int, default=4)
    ap.add_argument("--settle", type=float, default=1.0,
                    help="seconds of load before the teardown")
    ap.add_argument("--exit-bound", type=float, default=20.0)
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    ringtest.need_root_and_param()
    # Started in the background (cmd &, nohup), this script inherits an ignored SIGINT, and
    # so would the daemons: a library, libfuse included, leaves an ignored signal ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    daemons = [d for d in a.daemons.split(",") if d]
    for d in daemons:
        if d not in DAEMONS or not os.access(os.path.join(a.build, "example", d), os.X_OK):
            print("teardown_stress: %s/example/%s is not built" % (a.build, d))
            return 1
    modes = [m for m in a.modes.split(",") if m]
    if any(m not in MODES for m in modes):
        print("teardown_stress: modes are %s" % ",".join(MODES))
        return 1
    transports = [t for t in a.transports.split(",") if t]
    mounted_ctl = test_teardown.ensure_fusectl() if "abort" in modes else False
    table = {}
    failures = []
    start = time.monotonic()
    try:
        with harness.UringParam("Y"):
            for rnd in range(1, a.rounds + 1):
                for daemon in daemons:
                    for transport in transports:
                        for mode in modes:
                            key = (daemon, transport, mode)
                            row = table.setdefault(key, dict.fromkeys(COUNTS + ["runs"], 0))
                            row.setdefault("took", [])
                            counts, notes, took = one_run(a, daemon, transport, mode)
                            row["runs"] += 1
                            for k, v in counts.items():
                                row[k] += v
                            if took is not None:
                                row["took"].append(took)
                            bad = any(counts.values())
                            print("teardown: round %d %s %s %s: %s (daemon gone in %s)"
                                  % (rnd, daemon, transport, mode,
                                     "FAIL" if bad else "ok",
                                     "%.2f s" % took if took is not None else "-"),
                                  flush=True)
                            for n in notes:
                                print("    " + n, flush=True)
                            if bad:
                                failures.append((rnd, key, notes))
    finally:
        if mounted_ctl:
            subprocess.run(["umount", test_teardown.CONNECTIONS], check=False)
    print("\n%-18s %-6s %-8s %5s %s %s" % ("daemon", "via", "mode", "runs",
                                         " ".join("%6s" % c for c in COUNTS), "  exit s (max)"))
    total = dict.fromkeys(COUNTS + ["runs"], 0)
    for (daemon, transport, mode), row in sorted(table.items()):
        for k in total:
            total[k] += row[k]
        print("%-18s %-6s %-8s %5d %s   %s" % (
            daemon, transport, mode, row["runs"], " ".join("%6d" % row[c] for c in COUNTS),
            "%.2f" % max(row["took"]) if row["took"] else "-"))
    print("%-34s %5d %s" % ("total", total["runs"], " ".join("%6d" % total[c] for c in COUNTS)))
    print("teardown: %d runs in %.0f s, %d with problems"
          % (total["runs"], time.monotonic() - start, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
