#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks run through a mounted high-level example: `hl_check.py KIND [ARG] MNT SRC`, the
command form of test/lib/harness.py, which appends MNT and SRC. The passthrough examples
mirror /, so the backing directory SRC appears at MNT/SRC.

  syscalls PROG      PROG MNT/SRC SRC (the mount suite's syscall checks)
  unlink-open MODE   MODE hidden: an unlinked open file lives on as one .fuse_hidden file in
                     SRC, invisible through the mount, until its last close; MODE hard: it is
                     gone from SRC at once (-o hard_remove); either way the handle works
  hello              the hello example's one file and its listing
  hello-attrs        hello with -o uid=1234,gid=567,umask=027: every file shows them
  tree DIR           every file under MNT equals the one under DIR (DIR may use {src}): first
                     read by one reader pinned to each CPU at once while the page cache is
                     still cold (so the requests reach every ring queue together; Debian's
                     squashfuse runs itself single-threaded and is not thread-safe), then
                     walked and compared with listings, types and link targets
  many N             N files (in 100 directories) created, listed, stat'ed, renamed as a
                     tree and removed through the mount: the node table at scale
  rename-open        rename over an open file: its handle keeps the old data, RENAME_NOREPLACE
                     onto it fails with EEXIST, and nothing is left behind after close
  testfs [single-thread]  hl_testfs.c's files: ioctl, poll wake-up, GETLK from the library's lock
                     record, an interrupted read, fuse_get_context, a streamed directory
  overlay            fuse-overlayfs over SRC's lower/upper/work (overlay_check.py)
  rename-race        fstat() of an open file never fails while another thread keeps renaming
                     its grandparent directory (a stale path would make it ENOENT)
Exit 0 pass, 1 fail."""
import filecmp
import os
import subprocess
import sys
import time

from lib import harness  # test/lib (PYTHONPATH: test/meson.build)


def log(*a):
    print('hl_check:', *a, flush=True)


def check_unlink_open(hard, m, src):
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
        # (with hard_remove the library has no path left for a GETATTR without a handle,
        # so fstat() fails there, in libfuse as here)
        if not hard and os.fstat(fd).st_nlink != 0:
            log('unlinked open file reports %d links' % os.fstat(fd).st_nlink)
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


def check_rename_race(m):
    import threading
    deep = os.path.join(m, 'a', 'deep')
    os.makedirs(deep)
    with open(os.path.join(deep, 'file'), 'w') as f:
        f.write('x')
    fd = os.open(os.path.join(deep, 'file'), os.O_RDONLY)
    stop = threading.Event()
    errors = []
    renames = [0]

    def renamer():
        a, b = os.path.join(m, 'a'), os.path.join(m, 'b')
        try:
            while not stop.is_set() and renames[0] < 3000:
                os.rename(a, b)
                os.rename(b, a)
                renames[0] += 2
        except OSError as e:
            errors.append('rename: %s' % e)
        stop.set()

    t = threading.Thread(target=renamer)
    t.start()
    stats = 0
    try:
        while not stop.is_set():
            try:
                os.fstat(fd)
                stats += 1
            except OSError as e:
                errors.append('fstat after %d renames: %s' % (renames[0], e))
                if len(errors) > 5:
                    break
    finally:
        stop.set()
        t.join()
        os.close(fd)
    log('%d renames, %d fstat calls, %d errors' % (renames[0], stats, len(errors)))
    for e in errors[:5]:
        log(e)
    return not errors and renames[0] > 0 and stats > 0


def check_many(m, src, n):
    top = os.path.join(m, 'top')
    os.mkdir(top)
    dirs = 100
    for d in range(dirs):
        os.mkdir(os.path.join(top, 'd%d' % d))
    for i in range(n):
        fd = os.open(os.path.join(top, 'd%d' % (i % dirs), 'f%d' % i), os.O_CREAT | os.O_WRONLY,
                     0o644)
        os.close(fd)
    seen = 0
    for d in range(dirs):
        with os.scandir(os.path.join(top, 'd%d' % d)) as it:
            for e in it:
                e.stat(follow_symlinks=False)
                seen += 1
    if seen != n:
        log('listed %d of %d files' % (seen, n))
        return False
    # every node under 'top' is known to the table now: move the whole tree at once
    os.rename(top, os.path.join(m, 'moved'))
    for i in range(0, n, 997):
        os.stat(os.path.join(m, 'moved', 'd%d' % (i % dirs), 'f%d' % i))
    for i in range(n):
        os.unlink(os.path.join(m, 'moved', 'd%d' % (i % dirs), 'f%d' % i))
    for d in range(dirs):
        os.rmdir(os.path.join(m, 'moved', 'd%d' % d))
    os.rmdir(os.path.join(m, 'moved'))
    left = os.listdir(src)
    if left:
        log('left in the backing directory: %s' % left[:5])
    log('%d files created, listed, moved and removed' % n)
    return not left


def renameat2(old, new, flags):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    AT_FDCWD = -100
    if libc.renameat2(AT_FDCWD, old.encode(), AT_FDCWD, new.encode(), flags) != 0:
        return ctypes.get_errno()
    return 0


def check_rename_open(m, src):
    RENAME_NOREPLACE = 1
    ok = True
    a, b = os.path.join(m, 'a'), os.path.join(m, 'b')
    for p, data in ((a, 'new'), (b, 'old')):
        with open(p, 'w') as f:
            f.write(data)
    fd = os.open(b, os.O_RDONLY)
    try:
        err = renameat2(a, b, RENAME_NOREPLACE)
        if err != 17:  # EEXIST
            log('RENAME_NOREPLACE onto an open file: errno %d, want EEXIST' % err)
            ok = False
        if sorted(os.listdir(m)) != ['a', 'b'] or sorted(os.listdir(src)) != ['a', 'b']:
            log('after the failed rename: mount %s, backing %s' % (os.listdir(m), os.listdir(src)))
            ok = False
        os.rename(a, b)
        with open(b) as f:
            if f.read() != 'new':
                log('renamed file has the wrong data')
                ok = False
        if os.pread(fd, 16, 0) != b'old':
            log('the replaced file lost its data under its open handle')
            ok = False
        if os.listdir(m) != ['b']:
            log('mount lists %s after the rename' % os.listdir(m))
            ok = False
    finally:
        os.close(fd)
    end = time.monotonic() + 10
    while time.monotonic() < end and os.listdir(src) != ['b']:
        time.sleep(0.05)
    if os.listdir(src) != ['b']:
        log('backing directory has %s after the last close' % os.listdir(src))
        ok = False
    return ok


def check_interrupt(m, HLT_WAIT):
    import fcntl
    import signal
    ok = True
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.signal(signal.SIGUSR2, lambda *a: None)
        signal.siginterrupt(signal.SIGUSR2, True)
        os.write(w, b'.')
        fd = os.open(os.path.join(m, 'slow'), os.O_RDONLY)
        t0 = time.monotonic()
        try:
            fcntl.ioctl(fd, HLT_WAIT)
            res = 'ioctl returned'
        except OSError as e:
            res = 'errno %d' % e.errno
        os.write(w, ('%s %.2f' % (res, time.monotonic() - t0)).encode())
        os._exit(0)
    os.close(w)
    os.read(r, 1)
    time.sleep(0.5)
    os.kill(pid, signal.SIGUSR2)
    res = os.read(r, 64).decode()
    os.close(r)
    os.waitpid(pid, 0)
    what, secs = res.rsplit(' ', 1)
    if what != 'errno 4' or float(secs) > 10:
        log('interrupted ioctl: %s after %s s (want EINTR well before 20 s)' % (what, secs))
        ok = False
    return ok


def check_testfs(m, single_thread):
    import fcntl
    import select
    import struct
    import threading

    ok = True
    HLT_GET = (2 << 30) | (4 << 16) | (ord('H') << 8) | 1
    HLT_SET = (1 << 30) | (4 << 16) | (ord('H') << 8) | 2
    HLT_WAIT = (ord('H') << 8) | 3

    # ioctl: a value in, the same value out
    fd = os.open(os.path.join(m, 'ioctl'), os.O_RDWR)
    try:
        fcntl.ioctl(fd, HLT_SET, struct.pack('I', 0xC0FFEE))
        got = struct.unpack('I', fcntl.ioctl(fd, HLT_GET, struct.pack('I', 0)))[0]
        if got != 0xC0FFEE:
            log('ioctl: got %#x' % got)
            ok = False
    finally:
        os.close(fd)

    # poll: not ready, then woken by the filesystem's fuse_notify_poll
    fd = os.open(os.path.join(m, 'poll'), os.O_RDWR)
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        if p.poll(0):
            log('poll: ready before anything happened')
            ok = False
        t = threading.Timer(0.3, lambda: fcntl.ioctl(os.open(os.path.join(m, 'poll'), os.O_RDWR),
                                                     HLT_SET, struct.pack('I', 1)))
        t.start()
        t0 = time.monotonic()
        ev = p.poll(10000)
        t.join()
        if not ev or not (ev[0][1] & select.POLLIN):
            log('poll: no POLLIN after the notification (%s after %.1f s)'
                % (ev, time.monotonic() - t0))
            ok = False
        elif os.pread(fd, 16, 0) != b'ready\n':
            log('poll: ready but no data')
            ok = False
    finally:
        os.close(fd)

    # locks: the filesystem grants all; GETLK from another process must still see ours
    path = os.path.join(m, 'data')
    with open(path, 'w') as f:
        f.write('x' * 100)
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX, 10, 20)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            fd2 = os.open(path, os.O_RDWR)
            res = fcntl.fcntl(fd2, fcntl.F_GETLK,
                              struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0))
            os.write(w, res)
            os._exit(0)
        os.close(w)
        res = os.read(r, 64)
        os.close(r)
        os.waitpid(pid, 0)
        ltype, _, start, length, lpid = struct.unpack('hhqqi4x', res)
        if (ltype, start, length, lpid) != (fcntl.F_WRLCK, 20, 10, os.getpid()):
            log('GETLK from another process: type %d start %d len %d pid %d (want %d 20 10 %d)'
                % (ltype, start, length, lpid, fcntl.F_WRLCK, os.getpid()))
            ok = False
    finally:
        os.close(fd)

    # an interrupted request: the filesystem sees fuse_interrupted() and gives up (not with
    # one thread: it is busy in that very request and reads no INTERRUPT until it is done)
    if not single_thread:
        ok = check_interrupt(m, HLT_WAIT) and ok

    # fuse_get_context: whoami's attributes are the caller's
    st = os.stat(os.path.join(m, 'whoami'))
    if (st.st_size, st.st_uid, st.st_gid) != (os.getpid(), os.getuid(), os.getgid()):
        log('whoami: size %d uid %d gid %d' % (st.st_size, st.st_uid, st.st_gid))
        ok = False

    # a streamed directory, read back complete and in order
    names = sorted(os.listdir(os.path.join(m, 'dirN')))
    if names != ['e%03d' % i for i in range(100)]:
        log('dirN lists %d entries: %s...' % (len(names), names[:3]))
        ok = False
    return ok


def check_hello(mnt):
    names = sorted(os.listdir(mnt))
    with open(os.path.join(mnt, 'hello')) as f:
        data = f.read()
    st = os.stat(os.path.join(mnt, 'hello'))
    ok = names == ['hello'] and data == 'Hello World!\n' and st.st_size == len(data)
    if not ok:
        log('hello: listing %s, data %r, size %d' % (names, data, st.st_size))
    return ok


def check_hello_attrs(mnt):
    bad = []
    for path in (mnt, os.path.join(mnt, 'hello')):
        st = os.stat(path)
        if (st.st_uid, st.st_gid, st.st_mode & 0o7777) != (1234, 567, 0o750):
            bad.append('%s: uid %d gid %d mode %o' % (path, st.st_uid, st.st_gid,
                                                      st.st_mode & 0o7777))
    for b in bad:
        log(b)
    return not bad


def compare_trees(a, b):
    """Every file, directory and symlink under a equals b's; returns a list of differences."""
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


def compare_files_parallel(a, b):
    """Every regular file under a read through b by one reader per CPU at the same time, each
    starting on the biggest file and then going its own order; returns a list of differences."""
    rels = []
    for root, _, files in os.walk(a):
        for name in files:
            p = os.path.join(root, name)
            if os.path.isfile(p) and not os.path.islink(p):
                rels.append(os.path.relpath(p, a))
    rels.sort(key=lambda r: -os.path.getsize(os.path.join(a, r)))

    def compare_all(i, cpu):
        bad = []
        for rel in rels[:1] + rels[1 + i:] + rels[1:1 + i]:
            try:
                if not filecmp.cmp(os.path.join(a, rel), os.path.join(b, rel), shallow=False):
                    bad.append('%s: contents differ (reader on cpu %d)' % (rel, cpu))
            except OSError as e:
                bad.append('%s: %s (reader on cpu %d)' % (rel, e, cpu))
        return bad

    if not rels:
        return ['no files compared']
    diffs = harness.on_every_cpu(compare_all)
    log('read %d files with one pinned reader per CPU at once' % len(rels))
    return diffs


def run(kind, arg, mnt, src):
    if kind == 'syscalls':
        return subprocess.run([arg, mnt + src, src], timeout=900).returncode == 0
    if kind == 'unlink-open':
        return check_unlink_open(arg == 'hard', mnt + src, src)
    if kind == 'hello':
        return check_hello(mnt)
    if kind == 'many':
        return check_many(mnt + src, src, int(arg))
    if kind == 'rename-open':
        return check_rename_open(mnt + src, src)
    if kind == 'testfs':
        return check_testfs(mnt, arg == 'single-thread')
    if kind == 'rename-race':
        return check_rename_race(mnt + src)
    if kind == 'hello-attrs':
        return check_hello_attrs(mnt)
    if kind == 'overlay':
        import overlay_check  # test/highlevel/overlay_check.py: fuse-overlayfs' layers
        return overlay_check.check(mnt, src)
    if kind == 'tree':
        diffs = compare_files_parallel(arg.replace('{src}', src), mnt)
        diffs += compare_trees(arg.replace('{src}', src), mnt)
        for d in diffs[:20]:
            log('DIFF', d)
        return not diffs
    raise SystemExit('unknown check %s' % kind)


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    kind, mnt, src = argv[0], argv[-2], argv[-1]
    arg = argv[1] if len(argv) == 4 else None
    ok = run(kind, arg, mnt, src)
    log('%s: %s' % (kind, 'ok' if ok else 'FAILED'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
