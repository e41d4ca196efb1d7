#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's own high-level FUSE binaries, unmodified, on ringfuse's libfuse3.so.3.

    hl_mount.py [--transport dev|uring|uring-opt] --lib DIR [--sftp] [--setup SHELL] --check KIND[:ARG]
                -- DAEMON [ARGS...]

Built from the pieces of test/lib/harness.py (work directory, daemon start, mount wait,
unmount, bounded daemon exit, ring statistics, enable_uring, dmesg watch), plus what a system
binary needs: LD_LIBRARY_PATH=DIR, and a check in /proc/PID/maps that the daemon mapped DIR's
libfuse3.so.3 and not /usr/lib's. --sftp connects the daemon's stdin/stdout to a local
/usr/lib/openssh/sftp-server through a pipe pair (sshfs -o passive: no network, no ssh).
{src} and {mnt} in SETUP and the daemon's arguments are replaced by the work directories.
The check KIND[:ARG] is one of hl_check.py's. Over uring the daemon gets FUSE_URING_ENABLE=1
(and no -o io_uring: the environment alone must switch an unmodified binary over); over
uring-opt it gets `-o io_uring` as its first arguments instead (the option must pass through
the binary's own option parsing to fuse_main), and either way the run
FAILS unless its ringfuse-stats lines show the ring queues carried the requests. Exit 0 pass, 1 fail, 77 skip (with the reason).
"""
import argparse
import os
import shutil
import subprocess
import sys

from lib import harness  # test/lib (PYTHONPATH: test/meson.build)
import hl_check


def log(msg):
    print('hl_mount: ' + msg, flush=True)


def check_maps(pid, libdir):
    """Problems, if the daemon does not run on libdir's libfuse3.so.3 alone."""
    want = os.path.realpath(os.path.join(libdir, 'libfuse3.so.3'))
    try:
        with open('/proc/%d/maps' % pid) as f:
            maps = f.read()
    except OSError as e:
        return ['cannot read /proc/%d/maps: %s' % (pid, e)]
    mapped = set()
    for line in maps.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and 'libfuse3.so' in parts[5]:
            mapped.add(os.path.realpath(parts[5].strip()))
    if want not in mapped:
        return ['daemon maps %s, not %s' % (sorted(mapped) or 'no libfuse3', want)]
    if len(mapped) > 1:
        return ['daemon maps several libfuse3: %s' % sorted(mapped)]
    log('daemon %d maps %s' % (pid, want))
    return []


def start_sftp_daemon(argv, stderr_path, env):
    """The daemon with its stdin/stdout wired to a fresh sftp-server."""
    err = open(stderr_path, 'wb')
    to_srv_r, to_srv_w = os.pipe()
    from_srv_r, from_srv_w = os.pipe()
    try:
        srv = subprocess.Popen(['/usr/lib/openssh/sftp-server'], stdin=to_srv_r,
                               stdout=from_srv_w, stderr=err)
        proc = subprocess.Popen(argv, stdin=from_srv_r, stdout=to_srv_w, stderr=err, env=env,
                                start_new_session=True)
    finally:
        for fd in (to_srv_r, to_srv_w, from_srv_r, from_srv_w):
            os.close(fd)
        err.close()
    return proc, srv


def run(args, cmd):
    problems = []
    base, src, mnt = harness.make_workdir()
    stderr_path = os.path.join(base, 'daemon.stderr')
    env = dict(os.environ)
    env.pop('RINGFUSE_STATS', None)
    env.pop('FUSE_URING_ENABLE', None)
    env['LD_LIBRARY_PATH'] = os.path.realpath(args.lib)
    argv = [a.replace('{src}', src).replace('{mnt}', mnt) for a in cmd]
    ring = args.transport != 'dev'
    if ring:
        env['RINGFUSE_STATS'] = '1'
    if args.transport == 'uring':
        # the environment alone must switch an unmodified binary to the ring
        env['FUSE_URING_ENABLE'] = '1'
    elif args.transport == 'uring-opt':
        argv[1:1] = ['-o', 'io_uring']
    param = harness.UringParam() if ring else None
    proc = srv = None
    if param is not None:
        param.__enter__()
    try:
        if args.setup:
            subprocess.run(args.setup.replace('{src}', src), shell=True, check=True,
                           timeout=600)
        dmesg = harness.DmesgWatch()
        dmesg.start()
        log('daemon: %s (transport %s, LD_LIBRARY_PATH=%s)'
            % (' '.join(argv), args.transport, env['LD_LIBRARY_PATH']))
        if args.sftp:
            proc, srv = start_sftp_daemon(argv, stderr_path, env)
        else:
            proc = harness.start_daemon(argv, stderr_path, env=env)
        harness.wait_mounted(mnt, proc, stderr_path, timeout=20)
        problems += check_maps(proc.pid, args.lib)
        if ring:
            # The mount shows up before INIT is answered, and INIT starts the ring threads:
            # a first request waits for INIT.
            os.listdir(mnt)
            if not harness.wait_until(lambda: harness.ring_threads(proc.pid), 10):
                problems.append('no fuse-ring-* threads in the daemon')
        kind, _, arg = args.check.partition(':')
        if not hl_check.run(kind, arg or None, mnt, src):
            problems.append('check %s failed' % args.check)
        if not harness.unmount(mnt):
            problems.append('could not unmount %s' % mnt)
        rc, more = harness.stop_daemon(proc, mnt, timeout=15)
        problems += more
        if rc != 0:
            problems.append('daemon exited with status %s after unmount' % rc)
        proc = None
        text = harness.read_text(stderr_path)
        if ring:
            for line in text.splitlines():
                if 'ringfuse-stats:' in line or 'io_uring unavailable' in line:
                    log(line.strip())
            problems += harness.check_uring_stats(harness.parse_stats(text),
                                                  harness.possible_cpus())
        problems += ['kernel log: ' + p for p in dmesg.problems()]
        if problems:
            log('daemon stderr:\n' + text)
    except (harness.HarnessError, subprocess.SubprocessError, OSError) as e:
        problems.append(str(e))
    finally:
        if proc is not None:
            if harness.is_mounted(mnt):
                harness.unmount(mnt, attempts=3)
            _, more = harness.stop_daemon(proc, mnt, timeout=10)
            problems += more
        if srv is not None:
            try:
                srv.wait(timeout=10)
            except subprocess.TimeoutExpired:
                srv.kill()
                srv.wait()
        if harness.is_mounted(mnt):
            harness.lazy_unmount(mnt)
        if param is not None:
            param.__exit__(None, None, None)
        shutil.rmtree(base, ignore_errors=True)
    for p in problems:
        log('FAIL: ' + p)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--transport', choices=['dev', 'uring', 'uring-opt'], default='dev')
    ap.add_argument('--lib', required=True, help='directory of our libfuse3.so.3')
    ap.add_argument('--sftp', action='store_true')
    ap.add_argument('--setup')
    ap.add_argument('--check', required=True)
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == '--' else args.cmd
    if not cmd:
        ap.error('no daemon command')
    if os.geteuid() != 0:
        print('SKIP: mounting needs root')
        return harness.SKIP
    needed = [cmd[0]] + (['/usr/lib/openssh/sftp-server'] if args.sftp else [])
    if args.setup and 'mksquashfs' in args.setup:
        needed.append('mksquashfs')
    for prog in needed:
        if not shutil.which(prog):
            print('SKIP: %s is not installed' % prog)
            return harness.SKIP
    if not os.path.exists(os.path.join(args.lib, 'libfuse3.so.3')):
        log('FAIL: no libfuse3.so.3 in %s' % args.lib)
        return 1
    try:
        return run(args, cmd)
    except harness.Skip as e:
        print('SKIP: %s' % e)
        return harness.SKIP


if __name__ == '__main__':
    sys.exit(main())
