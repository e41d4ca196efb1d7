#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""passthrough_hp when the backing filesystem gives a deleted object's inode number to a new one.

Run by harness.py as `check_reused_ino.py MNT SRC`, with the daemon's descriptor cache at 8,
over a fresh ext4 filesystem (harness.py --source-ext4), whose allocator hands a freed number
out again at once.
ext4 (and others) reuse an inode number as soon as its object is freed, while the kernel may
still hold the old object's node (its FORGET not sent yet). The daemon keys its inodes by
(device, inode number), so the new object must not be taken for the old one.

Each round, for a directory and for a file: make MNT/old through the mount and stat it (the
kernel keeps its node), remove it behind the daemon's back (in SRC), look up PADDING other
files through the mount so that the daemon's cache lets go of old's descriptor (which frees
the number), then make SRC/new (keeping each, to fill lower free numbers) until the backing filesystem
hands out old's number again (if
it never does, this machine cannot show the case: exit 77), and use MNT/new: create a file in
the directory, read the file. Before the fix these failed with ESTALE (the old object
reopened by its handle) or ENOENT.
Exit 0 pass, 1 fail, 77 no inode number was reused.
"""

import os
import sys

ROUNDS = 4
TRIES = 20
PADDING = 32


def make(path, kind, data):
    if kind == "dir":
        os.mkdir(path)
    else:
        with open(path, "wb") as f:
            f.write(data)


def remove(path, kind):
    (os.rmdir if kind == "dir" else os.unlink)(path)


def use(path, kind):
    """What a user does with the new object through the mount; -> problem or ''."""
    if kind == "dir":
        with open(os.path.join(path, "f"), "wb") as f:
            f.write(b"inside")
        if os.listdir(path) != ["f"]:
            return f"{path} lists {os.listdir(path)}"
        return ""
    with open(path, "rb") as f:
        got = f.read()
    return "" if got == b"new" else f"{path} reads {got!r}, not b'new'"


def one_round(mnt, src, r, kind):
    old = f"old-{kind}{r}"
    make(os.path.join(mnt, old), kind, b"old")
    ino = os.stat(os.path.join(mnt, old)).st_ino
    sino = os.stat(os.path.join(src, old)).st_ino
    # new names each time (the kernel caches what it looked up already), made before the
    # removal so that none of them takes the freed number
    for i in range(PADDING):
        with open(os.path.join(src, "pad", f"{kind}{r}-{i}"), "w"):
            pass
    remove(os.path.join(src, old), kind)
    for i in range(PADDING):
        os.stat(os.path.join(mnt, "pad", f"{kind}{r}-{i}"))
    name = None
    for t in range(TRIES):
        cand = f"new-{kind}{r}-{t}"
        make(os.path.join(src, cand), kind, b"new")
        if os.stat(os.path.join(src, cand)).st_ino == sino:
            name = cand
            break
        # kept: the allocator hands out the lowest free number, so holes below fill up
    if name is None:
        return None
    try:
        p = use(os.path.join(mnt, name), kind)
    except OSError as e:
        p = str(e)
    if p:
        return f"round {r}, {kind} (backing number {sino} reused, the kernel still holds " \
               f"node {ino}): {p}"
    if kind == "dir" and not os.path.exists(os.path.join(src, name, "f")):
        return f"round {r}: {name}/f created through the mount is not in the backing {name}"
    return ""


def main(mnt, src):
    problems, shown = [], 0
    os.mkdir(os.path.join(src, "pad"))
    for r in range(ROUNDS):
        for kind in ("dir", "file"):
            p = one_round(mnt, src, r, kind)
            if p is None:
                continue
            shown += 1
            if p:
                problems.append(p)
    if shown == 0:
        print("SKIP: the backing filesystem never reused an inode number "
              f"({ROUNDS} rounds x {TRIES} tries)")
        return 77
    for p in problems:
        print("FAIL " + p)
    print(f"# {shown} of {2 * ROUNDS} rounds had a reused inode number, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
