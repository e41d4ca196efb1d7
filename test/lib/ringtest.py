# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared pieces of the uring suite, on top of test/lib/harness.py.

`Mount` is one daemon mounted over io-uring (or /dev/fuse) in a fresh work directory, as a
context manager: enter mounts (enable_uring is switched on by the caller through
harness.UringParam), exit unmounts, waits for the daemon with a bound, and records problems.
Afterwards `.stats` holds the parsed ringfuse-stats lines and `.stderr` the daemon's output.
`finish(problems)` prints the verdict, dumps the daemon output on failure and returns the exit
status. Every script starts with `need_root_and_param()`, which exits 77 only when the test
cannot run at all (not root, or a kernel without the enable_uring parameter).
"""

import os
import shutil
import subprocess
import sys

from lib import harness  # test/lib (PYTHONPATH: test/meson.build)


SKIP = 77


def log(msg):
    print("uring: " + msg, flush=True)


def need_root_and_param():
    if os.geteuid() != 0:
        print("SKIP: needs root (mounts, enable_uring, dmesg)")
        sys.exit(SKIP)
    if not os.path.exists(harness.URING_PARAM):
        print("SKIP: %s does not exist: kernel without FUSE over io-uring" % harness.URING_PARAM)
        sys.exit(SKIP)


class Mount:
    def __init__(self, daemon, opts=(), transport="uring", source=True, env=None,
                 args=(), exit_timeout=10.0, expect_exit=0, param=None):
        self.daemon = daemon
        self.opts = list(opts)
        self.transport = transport
        self.source = source
        self.extra_env = dict(env or {})
        self.args = list(args)
        self.exit_timeout = exit_timeout
        self.expect_exit = expect_exit
        # enable_uring is global: other test runs on the machine may flip it at any time, so
        # it is set again right before each mount (the caller's UringParam restores it).
        self.param = param if param is not None else ("Y" if transport == "uring" else None)
        self.problems = []
        self.stats = None
        self.stderr = ""
        self.proc = None
        self.base = self.src = self.mnt = None

    def argv(self):
        argv = [self.daemon, "-f"]
        if self.source:
            argv += ["-o", "source=" + self.src]
        for o in self.opts:
            argv += ["-o", o]
        if self.transport == "uring":
            argv += ["-o", "io_uring"]
        return argv + self.args + [self.mnt]

    def __enter__(self):
        self.base, self.src, self.mnt = harness.make_workdir()
        self.stderr_path = os.path.join(self.base, "daemon.stderr")
        env = dict(os.environ)
        env.pop("RINGFUSE_STATS", None)
        env.pop("FUSE_URING_ENABLE", None)
        env.pop("FUSE_URING_QUEUE_DEPTH", None)
        env["RINGFUSE_STATS"] = "1"
        env.update(self.extra_env)
        if self.param is not None:
            with open(harness.URING_PARAM, "w") as f:
                f.write(self.param)
        log("daemon: " + " ".join(self.argv()))
        self.proc = harness.start_daemon(self.argv(), self.stderr_path, env=env)
        try:
            harness.wait_mounted(self.mnt, self.proc, self.stderr_path, timeout=10)
        except harness.HarnessError:
            self._cleanup()
            raise
        return self

    def run(self, argv, timeout=600.0):
        """Run a command as CMD... MNT SRC; a non-zero status is a problem."""
        cmd = list(argv) + [self.mnt, self.src]
        log("test: " + " ".join(cmd))
        try:
            rc = harness.run_command(cmd, timeout)
        except harness.HarnessError as e:
            self.problems.append(str(e))
            return None
        if rc != 0:
            self.problems.append("%s exited with status %d" % (os.path.basename(cmd[0]), rc))
        return rc

    def ring_threads(self):
        return harness.ring_threads(self.proc.pid)

    def wait_exit(self, timeout):
        """Wait for the daemon to leave on its own; True if it did."""
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def _cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            if harness.is_mounted(self.mnt):
                harness.unmount(self.mnt, attempts=5)
            _, more = harness.stop_daemon(self.proc, self.mnt, timeout=self.exit_timeout)
            self.problems += more
        if harness.is_mounted(self.mnt):
            harness.lazy_unmount(self.mnt)
            self.problems.append("%s still mounted at the end" % self.mnt)
        self.stderr = harness.read_text(self.stderr_path)
        self.stats = harness.parse_stats(self.stderr)
        if not harness.is_mounted(self.mnt):
            shutil.rmtree(self.base, ignore_errors=True)

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            if harness.is_mounted(self.mnt) and not harness.unmount(self.mnt):
                self.problems.append("could not unmount %s" % self.mnt)
            rc, more = harness.stop_daemon(self.proc, self.mnt, timeout=self.exit_timeout)
            self.problems += more
            if rc is not None and self.expect_exit is not None and rc != self.expect_exit:
                self.problems.append("daemon exited with status %s, expected %d"
                                     % (rc, self.expect_exit))
        self._cleanup()
        return False

    def ring_problems(self, min_requests=1, dev_other=0):
        return harness.check_uring_stats(self.stats, harness.possible_cpus(),
                                         min_requests=min_requests, dev_other=dev_other)

    def queue_sum(self, key):
        return sum(q.get(key, 0) for q in self.stats["queues"].values())

    def print_stats(self):
        for line in self.stderr.splitlines():
            if "ringfuse-stats:" in line or "io_uring" in line:
                log(line.strip())


def finish(problems, mounts=(), dmesg=None):
    if dmesg is not None:
        problems = list(problems) + ["kernel log: " + l for l in dmesg.problems()]
    if problems:
        for m in mounts:
            if m is not None and m.stderr:
                log("daemon stderr (%s):" % " ".join(m.argv()))
                sys.stdout.write(m.stderr if m.stderr.endswith("\n") else m.stderr + "\n")
        for p in problems:
            log("FAIL: " + p)
        return 1
    log("pass")
    return 0
