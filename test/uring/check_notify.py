#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cache notifications against example/notify_store_retrieve, mounted at MNT.

Usage: check_notify.py [--retrieves N] MNT [SRC]

Drives the daemon through its ctl file and checks what the kernel's cache then shows:
store (the page cache holds the stored bytes, not what READ would return), retrieve (the
daemon gets back exactly the bytes it stored; done N times, more than a ring queue has
entries, because each retrieve reply is a request answered with fuse_reply_none), inval_inode
(new content becomes visible) and inval_entry (a cached dentry goes away). Exit 0/1.
"""

import argparse
import os
import sys
import time

DATA_SIZE = 100000


def content(gen):
    return bytes(((i * 131 + gen * 17 + (i >> 9)) & 0xFF) for i in range(DATA_SIZE))


class Fail(Exception):
    pass


class Daemon:
    def __init__(self, mnt):
        self.mnt = mnt
        self.seq = 0

    def command(self, text, timeout=30.0):
        with open(os.path.join(self.mnt, "ctl"), "w") as f:
            f.write(text)
        self.seq += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(os.path.join(self.mnt, "status")) as f:
                line = f.read().strip()
            seq, _, rest = line.partition(" ")
            if seq.isdigit() and int(seq) == self.seq:
                return rest
            time.sleep(0.01)
        raise Fail("command %r: no status after %.0f s (last: %r)" % (text, timeout, line))

    def expect(self, text, want):
        got = self.command(text)
        if got != want:
            raise Fail("command %r: status %r, expected %r" % (text, got, want))


def read_data(mnt):
    with open(os.path.join(mnt, "data"), "rb") as f:
        return f.read()


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def check_data(mnt, gen, what):
    got = read_data(mnt)
    want = content(gen)
    if got != want:
        raise Fail("%s: data differs from generation %d at byte %d (read %d bytes)"
                   % (what, gen, first_diff(got, want), len(got)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retrieves", type=int, default=64)
    ap.add_argument("mnt")
    ap.add_argument("src", nargs="?")
    a = ap.parse_args()
    d = Daemon(a.mnt)
    steps = 0
    try:
        check_data(a.mnt, 0, "initial read")
        steps += 1
        # The daemon now returns generation 3, but the page cache keeps what was read.
        d.expect("gen 3", "gen ok")
        d.expect("store 5", "store 5 ok")
        check_data(a.mnt, 5, "after store")
        steps += 1
        d.expect("retrieve 1", "retrieve ok 1")
        d.expect("retrieve %d" % a.retrieves, "retrieve ok %d" % a.retrieves)
        steps += 1
        d.expect("gen 7", "gen ok")
        d.expect("inval_inode", "inval_inode ok")
        check_data(a.mnt, 7, "after inval_inode")
        steps += 1
        # Store after an invalidation still lands, and retrieve still returns it exactly.
        d.expect("store 9", "store 9 ok")
        check_data(a.mnt, 9, "after second store")
        d.expect("retrieve 3", "retrieve ok 3")
        steps += 1
        entry = os.path.join(a.mnt, "entry")
        d.expect("entry 1", "entry ok")
        os.stat(entry)
        d.expect("entry 0", "entry ok")
        try:
            os.stat(entry)  # still cached: the daemon did not say anything yet
        except FileNotFoundError:
            raise Fail("entry vanished before inval_entry (the entry timeout is an hour)")
        d.expect("inval_entry", "inval_entry ok")
        if os.path.exists(entry):
            raise Fail("entry still visible after inval_entry")
        steps += 1
    except (Fail, OSError) as e:
        print("FAIL notify: %s (after %d steps)" % (e, steps))
        return 1
    print("ok notify: store, %d retrieves, inval_inode, inval_entry" % (a.retrieves + 4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
