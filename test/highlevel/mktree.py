#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mktree.py DIR: a deterministic tree for image and network filesystem tests: nested
directories, empty, small, odd-sized and multi-megabyte files, a sparse file, symlinks, hard
links, names with spaces and UTF-8, and one directory of 2000 entries (many readdir replies)."""
import os
import random
import sys


def main():
    root = sys.argv[1]
    rnd = random.Random(20261124)
    os.makedirs(root)
    for d in range(6):
        sub = os.path.join(root, 'dir%d' % d, 'nested %d' % d, 'deeper')
        os.makedirs(sub)
        for i in range(12):
            size = rnd.choice([0, 1, 17, 4095, 4096, 4097, 65536 + 3, 300000])
            with open(os.path.join(os.path.dirname(sub), 'f%d' % i), 'wb') as f:
                f.write(rnd.randbytes(size))
        with open(os.path.join(sub, 'leaf'), 'w') as f:
            f.write('leaf %d\n' % d)
    with open(os.path.join(root, 'big.bin'), 'wb') as f:
        f.write(rnd.randbytes(5 * 1024 * 1024 + 123))
    with open(os.path.join(root, 'sparse'), 'wb') as f:
        f.seek(3 * 1024 * 1024)
        f.write(b'end')
    with open(os.path.join(root, 'sp ace and \u00fcml\u00e4ut'), 'w') as f:
        f.write('name test\n')
    os.symlink('big.bin', os.path.join(root, 'link'))
    os.symlink('dir0/nested 0/deeper/leaf', os.path.join(root, 'deep-link'))
    os.link(os.path.join(root, 'big.bin'), os.path.join(root, 'hard'))
    many = os.path.join(root, 'many')
    os.mkdir(many)
    for i in range(2000):
        with open(os.path.join(many, 'entry-with-a-long-name-%05d' % i), 'w') as f:
            f.write(str(i))


if __name__ == '__main__':
    main()
