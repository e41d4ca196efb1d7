#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A tree far larger than passthrough_hp's descriptor cache, checked through the mount.

Run by harness.py as `check_bigtree.py MNT SRC` with the daemon started with a small
--fd-cache: it makes 100 directories of 1000 files directly in SRC, then walks MNT and checks
that every name is there with the inode number and size of its backing file, reads a sample of
files, and makes a hard link, a rename across directories and an unlinked-but-open file deep in
the tree. Exit 0 pass, 1 fail.
"""

import os
import sys

DIRS, FILES = 100, 1000


def main(mnt, src):
    problems = []
    for d in range(DIRS):
        p = os.path.join(src, f"d{d:03d}")
        os.mkdir(p)
        for i in range(FILES):
            with open(os.path.join(p, f"f{i:04d}"), "w") as f:
                f.write(f"{d}/{i}\n")
    seen = 0
    for d in range(DIRS):
        rel = f"d{d:03d}"
        names = sorted(os.listdir(os.path.join(mnt, rel)))
        if len(names) != FILES:
            problems.append(f"{rel}: {len(names)} entries through the mount, {FILES} expected")
            continue
        for name in names:
            sm = os.lstat(os.path.join(mnt, rel, name))
            ss = os.lstat(os.path.join(src, rel, name))
            if sm.st_ino != ss.st_ino or sm.st_size != ss.st_size:
                problems.append(f"{rel}/{name}: ino/size {sm.st_ino}/{sm.st_size} "
                                f"!= {ss.st_ino}/{ss.st_size}")
            seen += 1
        if len(problems) > 10:
            break
    for k in range(0, DIRS * FILES, 97):
        d, i = divmod(k, FILES)
        with open(os.path.join(mnt, f"d{d:03d}", f"f{i:04d}")) as f:
            if f.read() != f"{d}/{i}\n":
                problems.append(f"d{d:03d}/f{i:04d}: wrong content through the mount")
    # hard link, rename across directories, unlinked-but-open, all on long-evicted inodes
    a = os.path.join(mnt, "d001", "f0001")
    os.link(a, os.path.join(mnt, "d099", "link"))
    if os.stat(a).st_nlink != 2:
        problems.append("hard link: st_nlink != 2 through the mount")
    os.rename(os.path.join(mnt, "d002", "f0002"), os.path.join(mnt, "d098", "moved"))
    with open(os.path.join(mnt, "d098", "moved")) as f:
        if f.read() != "2/2\n":
            problems.append("renamed file has wrong content")
    f = open(os.path.join(mnt, "d003", "f0003"), "r+")
    os.unlink(os.path.join(mnt, "d003", "f0003"))
    for d in range(DIRS):      # push the unlinked inode out of the descriptor cache
        os.listdir(os.path.join(mnt, f"d{d:03d}"))
    f.seek(0, os.SEEK_END)
    f.write("more\n")
    f.flush()
    f.seek(0)
    if f.read() != "3/3\nmore\n":
        problems.append("unlinked-but-open file: wrong content")
    if os.fstat(f.fileno()).st_nlink != 0:
        problems.append("unlinked-but-open file: st_nlink != 0")
    f.close()
    print(f"checked {seen} entries")
    for p in problems[:20]:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: check_bigtree.py MNT SRC")
    sys.exit(main(sys.argv[1], sys.argv[2]))
