#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""passthrough_hp's command line: the errors it reports and the spellings it accepts.

Usage: check_cmdline.py --daemon passthrough_hp

- A missing source directory or mountpoint is reported with its own reason (ENOENT's text,
  never "Invalid argument", which glibc's realpath() used to leave behind), exit status != 0,
  nothing mounted.
- An unknown long option is an error that names it: exit status 2, nothing mounted.
- The long options of libfuse's passthrough_hp (--foreground, --nopassthrough, --nosplice,
  --debug, --debug-fuse, --nocache, --single, --num-threads=N and --num-threads N, --clone-fd,
  --direct-io) are accepted: each combination mounts, a file written through the mount reads
  back and is in the source, and the daemon exits 0 at unmount.
Exit 0 pass, 1 fail, 77 when not root.
"""

import argparse
import os
import shutil
import subprocess
import sys

from lib import harness  # test/lib (PYTHONPATH: test/meson.build)


# Bounds on waiting, not measurements.
RUN_BOUND = 30


def log(msg):
    print("hp-cmdline: " + msg, flush=True)


def run_fail(daemon, args, mnt):
    """Run a daemon that must refuse to start; -> (status, stderr text)."""
    p = subprocess.run([daemon] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=RUN_BOUND)
    text = p.stdout.decode("utf-8", "replace")
    if harness.is_mounted(mnt):
        harness.lazy_unmount(mnt)
        return p.returncode, text + "\n(and it left a mount behind)"
    return p.returncode, text


def check_errors(daemon, base, src, mnt):
    problems = []
    missing = os.path.join(base, "no-such-dir")
    for what, args in (("missing source", [missing, mnt]),
                       ("missing mountpoint", [src, missing]),
                       ("missing -o source", ["-o", "source=" + missing, mnt])):
        rc, text = run_fail(daemon, args, mnt)
        log("%s: status %d: %s" % (what, rc, text.strip().replace("\n", " | ")))
        if rc == 0:
            problems.append("%s: exit status 0" % what)
        if os.strerror(2) not in text or missing not in text:
            problems.append("%s: the message does not say %r about %s: %r"
                            % (what, os.strerror(2), missing, text.strip()))
        if "Invalid argument" in text:
            problems.append("%s: reported as 'Invalid argument'" % what)
        if "(and it left a mount behind)" in text:
            problems.append("%s: left a mount behind" % what)
    rc, text = run_fail(daemon, ["--no-such-option", src, mnt], mnt)
    log("unknown option: status %d: %s" % (rc, text.strip().replace("\n", " | ")))
    if rc != 2:
        problems.append("unknown option: exit status %d, expected 2" % rc)
    if "no-such-option" not in text:
        problems.append("unknown option: the message does not name it: %r" % text.strip())
    if "(and it left a mount behind)" in text:
        problems.append("unknown option: left a mount behind")
    return problems


def check_accepted(daemon, base, src, mnt, args, n):
    label = " ".join(args)
    problems = []
    err_path = os.path.join(base, "daemon-%d.stderr" % n)
    proc = harness.start_daemon([daemon] + args + [src, mnt], err_path)
    try:
        harness.wait_mounted(mnt, proc, err_path, timeout=10)
        data = os.urandom(100000) + label.encode()
        name = "file-%d" % n
        with open(os.path.join(mnt, name), "wb") as f:
            f.write(data)
        with open(os.path.join(mnt, name), "rb") as f:
            if f.read() != data:
                problems.append("read-back through the mount differs")
        with open(os.path.join(src, name), "rb") as f:
            if f.read() != data:
                problems.append("the source file differs")
    except (harness.HarnessError, OSError) as e:
        problems.append(str(e))
    if harness.is_mounted(mnt) and not harness.unmount(mnt):
        problems.append("could not unmount")
    rc, more = harness.stop_daemon(proc, mnt)
    problems += more
    if rc != 0:
        problems.append("daemon exited with status %s" % rc)
    log("%s: %s" % (label, "ok" if not problems else "; ".join(problems)))
    if problems:
        sys.stdout.write(harness.read_text(err_path)[-4000:] + "\n")
    return ["%s: %s" % (label, p) for p in problems]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root to mount")
        return harness.SKIP
    base, src, mnt = harness.make_workdir()
    problems = []
    try:
        problems += check_errors(a.daemon, base, src, mnt)
        spellings = [
            ["--foreground", "--nopassthrough", "--nosplice", "--nocache", "--num-threads=4",
             "--clone-fd", "--direct-io"],
            ["--foreground", "--single", "--debug"],
            ["--foreground", "--debug-fuse", "--num-threads", "2"],
            ["--num-threads=-1", "-o", "fsname=hp-cmdline"],
        ]
        for n, args in enumerate(spellings):
            problems += check_accepted(a.daemon, base, src, mnt, args, n)
    finally:
        if harness.is_mounted(mnt):
            harness.lazy_unmount(mnt)
            problems.append("%s still mounted at the end" % mnt)
        else:
            shutil.rmtree(base, ignore_errors=True)
    for p in problems:
        log("FAIL: " + p)
    if not problems:
        log("pass")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
