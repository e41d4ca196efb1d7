#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Mount a high-level filesystem for real and check it from outside.

    hl_mount.py [--transport dev|uring] [--lib DIR] [--check KIND] -- DAEMON [ARGS...]

The daemon is started in the foreground (-f) on a fresh mountpoint in a private temporary
directory; the check KIND then runs against the mount:
  syscalls:PROG   PROG MNT/<src> <src> with <src> a fresh backing directory (for passthrough
                  examples, which mirror /)
  hello           the hello example's file and listing
  tree:IMAGE_DIR  every file under the mount equals the one under IMAGE_DIR (squashfuse, sshfs)
Afterwards the mount is unmounted and the daemon must exit on its own within a bounded time.

--transport uring sets FUSE_URING_ENABLE=1 and RINGFUSE_STATS=1 and FAILS unless the daemon's
exit statistics show requests carried by a ring queue. --lib DIR runs the daemon with
LD_LIBRARY_PATH=DIR and checks in /proc/PID/maps that the daemon mapped DIR's libfuse3.so.3
and not the system's. Exit 0 pass, 1 fail, 77 skip (not root, no /dev/fuse).

{src} and {mnt} in the daemon's arguments are replaced by the backing directory and the
mountpoint; without {mnt}, the mountpoint is appended.
"""
import argparse
import filecmp
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def log(*a):
    print(*a, flush=True)


def is_mounted(mnt):
    with open('/proc/self/mountinfo') as f:
        for line in f:
            fields = line.split()
            if len(fields) > 4 and fields[4] == mnt:
                return True
    return False


def wait_mounted(mnt, proc, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if is_mounted(mnt):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def unmount(mnt):
    if not is_mounted(mnt):
        return
    for cmd in (['umount', mnt], ['fusermount3', '-u', mnt], ['umount', '-l', mnt]):
        try:
            subprocess.run(cmd, timeout=20, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            continue
        if not is_mounted(mnt):
            return


def stop_daemon(proc, timeout=20.0):
    """The daemon should exit by itself after unmount; escalate if it does not."""
    try:
        return proc.wait(timeout=timeout), True
    except subprocess.TimeoutExpired:
        pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            return proc.wait(timeout=10), False
        except subprocess.TimeoutExpired:
            continue
    return None, False


def group_pids(pgid):
    pids = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(')') + 2:].split()
        if int(fields[2]) == pgid:
            pids.append(int(d))
    return pids


def fuse_maps(pid):
    try:
        with open('/proc/%d/maps' % pid) as f:
            return f.read()
    except OSError:
        return ''


def check_maps(pgid, libdir):
    """The daemon (the process of the group that maps a libfuse3) must run on OURS."""
    want = os.path.realpath(os.path.join(libdir, 'libfuse3.so.3'))
    maps = ''
    for pid in group_pids(pgid):
        m = fuse_maps(pid)
        if 'libfuse3.so' in m:
            log('maps: pid %d' % pid)
            maps = m
            break
    mapped = set()
    for line in maps.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and 'libfuse3.so' in parts[5]:
            mapped.add(os.path.realpath(parts[5].strip()))
    if want not in mapped:
        return 'daemon maps %s, not %s' % (sorted(mapped) or 'no libfuse3', want)
    others = [m for m in mapped if m != want]
    if others:
        return 'daemon also maps %s' % others
    log('maps: daemon uses', want)
    return None


def compare_trees(a, b):
    """Every file, directory and symlink of a equals b's; returns a list of differences."""
    diffs = []
    count = 0
    for root, dirs, files in os.walk(a):
        rel = os.path.relpath(root, a)
        other = os.path.normpath(os.path.join(b, rel))
        try:
            want = sorted(os.listdir(root))
            got = sorted(os.listdir(other))
        except OSError as e:
            diffs.append('%s: %s' % (rel, e))
            continue
        if want != got:
            diffs.append('%s: listing differs: %s' % (rel, sorted(set(want) ^ set(got))[:5]))
        for name in files:
            pa, pb = os.path.join(root, name), os.path.join(other, name)
            count += 1
            try:
                sa, sb = os.lstat(pa), os.lstat(pb)
                if (sa.st_mode & 0o170000) != (sb.st_mode & 0o170000):
                    diffs.append('%s: type differs' % pa)
                elif os.path.islink(pa):
                    if os.readlink(pa) != os.readlink(pb):
                        diffs.append('%s: link target differs' % pa)
                elif sa.st_size != sb.st_size or not filecmp.cmp(pa, pb, shallow=False):
                    diffs.append('%s: contents differ' % pa)
            except OSError as e:
                diffs.append('%s: %s' % (pa, e))
    log('compared %d files' % count)
    if count == 0:
        diffs.append('no files compared')
    return diffs


def check_unlink_open(hard, m, src):
    """Unlink an open file through a passthrough mount; watch the backing directory."""
    path = os.path.join(m, 'victim')
    with open(path, 'w') as f:
        f.write('data')
    fd = os.open(path, os.O_RDWR)
    try:
        os.unlink(path)
        names = os.listdir(src)
        hidden = [n for n in names if n.startswith('.fuse_hidden')]
        if hard and names:
            log('hard_remove: backing directory still has %s' % names)
            return False
        if not hard and (len(hidden) != 1 or len(names) != 1):
            log('hidden: backing directory has %s, want one .fuse_hidden file' % names)
            return False
        if os.path.exists(path) or os.listdir(m):
            log('the unlinked name is still visible through the mount: %s' % os.listdir(m))
            return False
        os.pwrite(fd, b'more', 4)
        if os.pread(fd, 16, 0) != b'datamore':
            log('open handle lost its data')
            return False
    finally:
        os.close(fd)
    # RELEASE reaches the daemon asynchronously after close()
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if not os.listdir(src):
            return True
        time.sleep(0.05)
    log('after the last close the backing directory still has %s' % os.listdir(src))
    return False


def run_check(kind, mnt, src):
    if kind.startswith('syscalls:'):
        prog = kind.split(':', 1)[1]
        target = mnt + src  # the passthrough examples mirror /
        r = subprocess.run([prog, target, src], timeout=900)
        return r.returncode == 0
    if kind == 'hello':
        names = sorted(os.listdir(mnt))
        with open(os.path.join(mnt, 'hello')) as f:
            data = f.read()
        st = os.stat(os.path.join(mnt, 'hello'))
        ok = names == ['hello'] and data == 'Hello World!\n' and st.st_size == len(data)
        if not ok:
            log('hello: listing %s, data %r, size %d' % (names, data, st.st_size))
        return ok
    if kind.startswith('unlink-open:'):
        return check_unlink_open(kind.split(':', 1)[1] == 'hard', mnt + src, src)
    if kind == 'hello-attrs':
        bad = []
        for path, mode in ((mnt, 0o750), (os.path.join(mnt, 'hello'), 0o750)):
            st = os.stat(path)
            if (st.st_uid, st.st_gid, st.st_mode & 0o7777) != (1234, 567, mode):
                bad.append('%s: uid %d gid %d mode %o' % (path, st.st_uid, st.st_gid,
                                                          st.st_mode & 0o7777))
        for b in bad:
            log('hello-attrs:', b)
        return not bad
    if kind.startswith('tree:'):
        diffs = compare_trees(kind.split(':', 1)[1], mnt)
        for d in diffs[:20]:
            log('DIFF', d)
        return not diffs
    raise SystemExit('unknown check %s' % kind)


STATS_RE = re.compile(r'ringfuse-stats: queue=(\d+)(.*)')


def ring_requests(stderr_text):
    """Sum of requests over the ring queues reported at exit (None: no statistics line)."""
    total = None
    for line in stderr_text.splitlines():
        m = STATS_RE.search(line)
        if not m:
            continue
        req = re.search(r'\breq(?:uests|s)?=(\d+)', m.group(2))
        total = (total or 0) + (int(req.group(1)) if req else 0)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--transport', choices=['dev', 'uring'], default='dev')
    ap.add_argument('--lib', help='run the daemon on the libfuse3.so.3 in this directory')
    ap.add_argument('--check', default='hello')
    ap.add_argument('--setup', help='command run before mounting, with {src} replaced')
    ap.add_argument('--sftp', action='store_true',
                    help="connect the daemon's stdin/stdout to a local sftp-server (sshfs -o passive)")
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == '--' else args.cmd
    if not cmd:
        ap.error('no daemon command')
    if os.geteuid() != 0:
        log('SKIP: mount tests need root')
        return SKIP
    if not os.path.exists('/dev/fuse'):
        log('SKIP: no /dev/fuse')
        return SKIP

    for prog in [cmd[0]] + (['/usr/lib/openssh/sftp-server'] if args.sftp else []):
        if not shutil.which(prog):
            log('SKIP: %s is not installed' % prog)
            return SKIP
    if args.setup and 'mksquashfs' in args.setup and not shutil.which('mksquashfs'):
        log('SKIP: mksquashfs is not installed')
        return SKIP

    tmp = tempfile.mkdtemp(prefix='hl-mount-')
    mnt, src = os.path.join(tmp, 'mnt'), os.path.join(tmp, 'src')
    os.mkdir(mnt)
    os.mkdir(src)
    errlog = os.path.join(tmp, 'daemon.err')
    env = dict(os.environ)
    env.pop('FUSE_URING_ENABLE', None)
    if args.transport == 'uring':
        env['FUSE_URING_ENABLE'] = '1'
        env['RINGFUSE_STATS'] = '1'
    if args.lib:
        env['LD_LIBRARY_PATH'] = os.path.realpath(args.lib)
    argv = [a.replace('{src}', src).replace('{mnt}', mnt) for a in cmd]
    if not any('{mnt}' in a for a in cmd):
        argv.append(mnt)
    ok = False
    proc = None
    sftp = None
    try:
        if args.setup:
            subprocess.run(args.setup.replace('{src}', src), shell=True, check=True,
                           timeout=600)
        log('daemon:', ' '.join(argv), '(transport %s)' % args.transport)
        with open(errlog, 'w') as err:
            if args.sftp:
                # sshfs -o passive speaks SFTP on stdin/stdout: a pipe pair to sftp-server,
                # no network and no ssh
                to_srv_r, to_srv_w = os.pipe()
                from_srv_r, from_srv_w = os.pipe()
                sftp = subprocess.Popen(['/usr/lib/openssh/sftp-server'], stdin=to_srv_r,
                                        stdout=from_srv_w, stderr=err)
                proc = subprocess.Popen(argv, env=env, stdin=from_srv_r, stdout=to_srv_w,
                                        stderr=err, start_new_session=True)
                for fd in (to_srv_r, to_srv_w, from_srv_r, from_srv_w):
                    os.close(fd)
            else:
                proc = subprocess.Popen(argv, env=env, stdout=err, stderr=err,
                                        start_new_session=True)
        if not wait_mounted(mnt, proc):
            log('FAIL: not mounted (daemon exit %s)' % proc.poll())
            return 1
        problem = check_maps(proc.pid, args.lib) if args.lib else None
        if problem:
            log('FAIL:', problem)
            return 1
        ok = run_check(args.check.replace('{src}', src), mnt, src)
        log('check %s: %s' % (args.check, 'ok' if ok else 'FAILED'))
    except (subprocess.TimeoutExpired, OSError, subprocess.CalledProcessError) as e:
        log('FAIL:', e)
        ok = False
    finally:
        unmount(mnt)
        if proc is not None:
            rc, clean = stop_daemon(proc)
            if not clean:
                log('FAIL: daemon did not exit after unmount (killed, rc %s)' % rc)
                ok = False
            else:
                log('daemon exit status', rc)
        if sftp is not None:
            try:
                sftp.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sftp.kill()
                sftp.wait()
        errtext = ''
        if os.path.exists(errlog):
            with open(errlog, errors='replace') as f:
                errtext = f.read()
            tail = errtext.splitlines()[-15:]
            if tail:
                log('--- daemon stderr (tail) ---')
                for line in tail:
                    log(line)
        if 'ERROR: AddressSanitizer' in errtext or 'runtime error:' in errtext:
            log('FAIL: sanitizer report in daemon output')
            ok = False
        if args.transport == 'uring' and proc is not None:
            n = ring_requests(errtext)
            if n is None:
                log('FAIL: no ringfuse-stats lines: the ring was not used (or the transport '
                    'is missing)')
                ok = False
            elif n == 0:
                log('FAIL: ring queues carried no requests: fell back to /dev/fuse')
                ok = False
            else:
                log('ring carried %d requests' % n)
        if is_mounted(mnt):
            log('FAIL: still mounted')
            ok = False
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
