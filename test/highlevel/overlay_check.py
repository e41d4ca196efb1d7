#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's fuse-overlayfs on ringfuse: the layers it is given and what must come out.

    overlay_check.py setup DIR      lower/, upper/ and work/ under DIR (deterministic bytes)
    overlay_check.py check MNT DIR  the checks below through MNT, mounted on DIR's layers

Checks, each against bytes computed here, never against what the mount says: the merged
listing (root and a directory present in both layers), every lower and upper file's content
(read cold, whole and at odd offsets), copy-in of new files and directories (content in
upper/, nothing in lower/), copy-up of a lower file on write (the whole file lands in upper/
with the patch, lower/ untouched), a whiteout on delete of a lower file and of a lower
directory, the rename of a lower-layer directory with its subtree (EXDEV from rename(2), as in
overlayfs, then mv(1)), and the final merged
listing. fuse-overlayfs asks for FUSE_CAP_SPLICE_READ/_WRITE/_MOVE in its init() and answers
reads with fd buffers (fuse_reply_data), so over /dev/fuse the reads go through the splice
path. Exit 0 pass, 1 fail."""
import errno
import os
import random
import stat
import subprocess
import sys

SEED = 20261207


def log(*a):
    print('overlay_check:', *a, flush=True)


def layers():
    """(lower, upper) as {relative path: bytes or None for a directory}."""
    rnd = random.Random(SEED)
    lower = {
        'small.txt': b'lower small\n',
        'big.bin': rnd.randbytes(3 * 1024 * 1024 + 4321),
        'edit.bin': rnd.randbytes(200000),
        'victim.txt': b'delete me\n',
        'shadowed.txt': b'from lower\n',
        'd1': None, 'd1/f1': rnd.randbytes(70000), 'd1/sub': None, 'd1/sub/f2': b'deep\n',
        'd2': None, 'd2/a': b'lower a\n', 'd2/b': rnd.randbytes(9000),
        'rmme': None, 'rmme/only': b'x',
    }
    upper = {
        'upper_only.txt': b'only in upper\n',
        'shadowed.txt': b'from upper\n',
        'd2': None, 'd2/c': b'upper c\n',
    }
    return lower, upper


def write_tree(root, tree):
    os.makedirs(root, exist_ok=True)
    for rel in sorted(tree):
        path = os.path.join(root, rel)
        if tree[rel] is None:
            os.makedirs(path, exist_ok=True)
        else:
            with open(path, 'wb') as f:
                f.write(tree[rel])


def setup(base):
    lower, upper = layers()
    write_tree(os.path.join(base, 'lower'), lower)
    write_tree(os.path.join(base, 'upper'), upper)
    os.makedirs(os.path.join(base, 'work'), exist_ok=True)


def read_cold(path):
    """The file's bytes as the daemon serves them: the page cache dropped first."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        chunks = []
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            chunks.append(b)
        return b''.join(chunks)
    finally:
        os.close(fd)


def pread_cold(path, size, off):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        return os.pread(fd, size, off)
    finally:
        os.close(fd)


def is_whiteout(upper, name):
    """overlayfs' whiteout: a 0:0 character device, or fuse-overlayfs' .wh. file."""
    try:
        st = os.lstat(os.path.join(upper, name))
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            return True
    except FileNotFoundError:
        pass
    head, tail = os.path.split(name)
    return os.path.lexists(os.path.join(upper, head, '.wh.' + tail))


class Checker:
    def __init__(self, mnt, base):
        self.mnt = mnt
        self.lower = os.path.join(base, 'lower')
        self.upper = os.path.join(base, 'upper')
        self.bad = []

    def expect(self, cond, what):
        if not cond:
            self.bad.append(what)
            log('FAIL:', what)
        return cond

    def content(self, rel, want, where=None):
        path = os.path.join(where or self.mnt, rel)
        try:
            got = read_cold(path) if where is None else open(path, 'rb').read()
        except OSError as e:
            return self.expect(False, '%s: %s' % (path, e))
        return self.expect(got == want, '%s: %d bytes differ from the expected %d'
                           % (path, len(got), len(want)))

    def listing(self, rel, want):
        try:
            got = sorted(os.listdir(os.path.join(self.mnt, rel)))
        except OSError as e:
            return self.expect(False, 'listdir %s: %s' % (rel, e))
        return self.expect(got == sorted(want), 'listing of /%s: %s, want %s'
                           % (rel, got, sorted(want)))

    def merged(self):
        lower, upper = layers()
        merged = dict(lower)
        merged.update(upper)
        self.listing('', [r for r in merged if '/' not in r])
        self.listing('d2', ['a', 'b', 'c'])
        for rel, data in sorted(merged.items()):
            if data is not None:
                self.content(rel, data)
        big = lower['big.bin']
        for size, off in ((1, 0), (4096, 4095), (131072 + 5, 777777), (1 << 20, 2 << 20),
                          (100000, len(big) - 1000)):
            got = pread_cold(os.path.join(self.mnt, 'big.bin'), size, off)
            self.expect(got == big[off:off + size], 'big.bin: pread(%d, %d)' % (size, off))

    def copy_in(self):
        rnd = random.Random(SEED + 1)
        data = rnd.randbytes(1024 * 1024 + 7)
        os.mkdir(os.path.join(self.mnt, 'newdir'))
        with open(os.path.join(self.mnt, 'newdir', 'new.bin'), 'wb') as f:
            f.write(data)
        with open(os.path.join(self.mnt, 'new.txt'), 'wb') as f:
            f.write(b'brand new\n')
        self.content('newdir/new.bin', data)
        self.content('new.txt', b'brand new\n')
        self.content('newdir/new.bin', data, where=self.upper)
        self.content('new.txt', b'brand new\n', where=self.upper)
        self.expect(not os.path.lexists(os.path.join(self.lower, 'new.txt')),
                    'copy-in: new.txt appeared in the lower layer')

    def copy_up(self):
        lower, _ = layers()
        want = bytearray(lower['edit.bin'])
        patch = b'PATCHED!' * 1000
        fd = os.open(os.path.join(self.mnt, 'edit.bin'), os.O_RDWR)
        try:
            os.pwrite(fd, patch, 100001)
        finally:
            os.close(fd)
        want[100001:100001 + len(patch)] = patch
        with open(os.path.join(self.mnt, 'small.txt'), 'ab') as f:
            f.write(b'appended\n')
        self.content('edit.bin', bytes(want))
        self.content('edit.bin', bytes(want), where=self.upper)
        self.content('edit.bin', lower['edit.bin'], where=self.lower)
        self.content('small.txt', lower['small.txt'] + b'appended\n')
        self.content('small.txt', lower['small.txt'] + b'appended\n', where=self.upper)
        self.content('small.txt', lower['small.txt'], where=self.lower)

    def whiteouts(self):
        lower, _ = layers()
        os.unlink(os.path.join(self.mnt, 'victim.txt'))
        os.unlink(os.path.join(self.mnt, 'rmme', 'only'))
        os.rmdir(os.path.join(self.mnt, 'rmme'))
        for rel in ('victim.txt', 'rmme'):
            self.expect(not os.path.lexists(os.path.join(self.mnt, rel)),
                        'whiteout: %s still visible' % rel)
            self.expect(is_whiteout(self.upper, rel), 'whiteout: none in upper for %s' % rel)
        self.content('victim.txt', lower['victim.txt'], where=self.lower)
        self.content('rmme/only', lower['rmme/only'], where=self.lower)

    def rename_dir(self):
        lower, _ = layers()
        old, new = os.path.join(self.mnt, 'd1'), os.path.join(self.mnt, 'd1-renamed')
        try:
            os.rename(old, new)
            log('rename_dir: rename(2) of a lower directory succeeded')
        except OSError as e:
            # fuse-overlayfs, like the kernel's overlayfs without redirect_dir, refuses to
            # rename a directory that has a lower layer; mv(1) then copies and removes it.
            if e.errno != errno.EXDEV:
                raise
            log('rename_dir: rename(2) said EXDEV, as overlayfs does; mv(1) copies it')
            subprocess.run(['mv', old, new], check=True, timeout=120)
            self.expect(is_whiteout(self.upper, 'd1'), 'rename: no whiteout in upper for d1')
        self.expect(not os.path.lexists(os.path.join(self.mnt, 'd1')), 'rename: d1 still there')
        self.listing('d1-renamed', ['f1', 'sub'])
        self.listing('d1-renamed/sub', ['f2'])
        self.content('d1-renamed/f1', lower['d1/f1'])
        self.content('d1-renamed/sub/f2', lower['d1/sub/f2'])
        self.content('d1/f1', lower['d1/f1'], where=self.lower)
        # the renamed directory now lives in upper; the old name is hidden there
        self.expect(os.path.isdir(os.path.join(self.upper, 'd1-renamed')),
                    'rename: d1-renamed is not in upper')
        # and a file created in it after the rename lands in the new place
        with open(os.path.join(self.mnt, 'd1-renamed', 'sub', 'after'), 'wb') as f:
            f.write(b'after rename\n')
        self.content('d1-renamed/sub/after', b'after rename\n')

    def final(self):
        self.listing('', ['big.bin', 'd1-renamed', 'd2', 'edit.bin', 'new.txt', 'newdir',
                          'shadowed.txt', 'small.txt', 'upper_only.txt'])


def check(mnt, base):
    c = Checker(mnt, base)
    for step in (c.merged, c.copy_in, c.copy_up, c.whiteouts, c.rename_dir, c.final):
        try:
            step()
        except OSError as e:
            c.expect(False, '%s: %s' % (step.__name__, e))
        log('%s: %s' % (step.__name__, 'done'))
    log('%d problems' % len(c.bad))
    return not c.bad


def main(argv):
    if len(argv) == 2 and argv[0] == 'setup':
        setup(argv[1])
        return 0
    if len(argv) == 3 and argv[0] == 'check':
        return 0 if check(argv[1], argv[2]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
