#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the fuzz targets' seed corpora: small valid requests of every opcode the dispatcher
knows, laid out as /dev/fuse returns them (corpus/dev/) and as the kernel fills a ring entry
(corpus/uring/), plus a few sequences (INIT then requests; lookups then forgets; a write that
sends a retrieve, then its NOTIFY_REPLY; an INTERRUPT for an earlier request). Deterministic:
rerunning it rewrites the same files. Layouts follow <linux/fuse.h> (see shared/PROTOCOL.md).

usage: fuzz/gen_corpus.py [OUTDIR]   (default: the corpus/ directory next to this script)
"""
import hashlib
import os
import struct
import sys

# Mode byte (fuzz_fs.h).
HIGHLEVEL, PREINIT, WRITE_BUF, NO_INTR = 0x01, 0x02, 0x04, 0x08

LOOKUP, FORGET, GETATTR, SETATTR, READLINK, SYMLINK = 1, 2, 3, 4, 5, 6
MKNOD, MKDIR, UNLINK, RMDIR, RENAME, LINK, OPEN, READ, WRITE, STATFS = 8, 9, 10, 11, 12, 13, 14, 15, 16, 17
RELEASE, FSYNC, SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR, FLUSH, INIT = 18, 20, 21, 22, 23, 24, 25, 26
OPENDIR, READDIR, RELEASEDIR, FSYNCDIR, GETLK, SETLK, SETLKW, ACCESS = 27, 28, 29, 30, 31, 32, 33, 34
CREATE, INTERRUPT, BMAP, DESTROY, IOCTL, POLL, NOTIFY_REPLY, BATCH_FORGET = 35, 36, 37, 38, 39, 40, 41, 42
FALLOCATE, READDIRPLUS, RENAME2, LSEEK, COPY_FILE_RANGE, SYNCFS, TMPFILE, STATX = 43, 44, 45, 46, 47, 50, 51, 52

FILE, DIR, LINKINO = 2, 3, 4


def z(s):
    return s.encode() + b"\0"


def read_in(fh, off, size):
    return struct.pack("<QQIIQII", fh, off, size, 0, 0, 0, 0)


def release_in(fh):
    return struct.pack("<QIIQ", fh, 0, 0, 0)


def lk_in(typ):
    return struct.pack("<QQQQIIII", 1, 42, 0, 100, typ, 4242, 0, 0)


# (name, opcode, nodeid, fixed argument, variable part)
REQUESTS = [
    ("lookup", LOOKUP, 1, b"", z("file")),
    ("lookup_missing", LOOKUP, 1, b"", z("nothere")),
    ("forget", FORGET, FILE, struct.pack("<Q", 1), b""),
    ("getattr", GETATTR, FILE, struct.pack("<IIQ", 0, 0, 0), b""),
    ("getattr_fh", GETATTR, FILE, struct.pack("<IIQ", 1, 0, 7), b""),
    ("setattr", SETATTR, FILE,
     struct.pack("<IIQQQQQQIIIIIIII", 0x1 | 0x8 | 0x10 | 0x20, 0, 0, 5, 0, 1, 2, 3,
                 0, 0, 0, 0o600, 0, 0, 0, 0), b""),
    ("readlink", READLINK, LINKINO, b"", b""),
    ("symlink", SYMLINK, 1, b"", z("new") + z("file")),
    ("mknod", MKNOD, 1, struct.pack("<IIII", 0o100644, 0, 0o022, 0), z("node")),
    ("mkdir", MKDIR, 1, struct.pack("<II", 0o755, 0o022), z("newdir")),
    ("unlink", UNLINK, 1, b"", z("file")),
    ("rmdir", RMDIR, 1, b"", z("dir")),
    ("rename", RENAME, 1, struct.pack("<Q", 1), z("file") + z("moved")),
    ("link", LINK, 1, struct.pack("<Q", FILE), z("hard")),
    ("open", OPEN, FILE, struct.pack("<II", os.O_RDWR, 0), b""),
    ("read", READ, FILE, read_in(2, 0, 4096), b""),
    ("read_iov", READ, FILE, read_in(2, 1, 10), b""),
    ("read_data", READ, FILE, read_in(2, 2, 4096), b""),
    ("write", WRITE, FILE, struct.pack("<QQIIQII", 2, 0, 6, 0, 0, 0, 0), b"abcdef"),
    ("statfs", STATFS, 1, b"", b""),
    ("release", RELEASE, FILE, release_in(2), b""),
    ("fsync", FSYNC, FILE, struct.pack("<QII", 2, 1, 0), b""),
    ("setxattr", SETXATTR, FILE, struct.pack("<IIII", 3, 0, 0, 0), z("user.fuzz") + b"abc"),
    ("getxattr", GETXATTR, FILE, struct.pack("<II", 64, 0), z("user.fuzz")),
    ("getxattr_size", GETXATTR, FILE, struct.pack("<II", 0, 0), z("user.fuzz")),
    ("listxattr", LISTXATTR, FILE, struct.pack("<II", 64, 0), b""),
    ("removexattr", REMOVEXATTR, FILE, b"", z("user.fuzz")),
    ("flush", FLUSH, FILE, struct.pack("<QIIQ", 2, 0, 0, 0), b""),
    ("opendir", OPENDIR, 1, struct.pack("<II", os.O_RDONLY, 0), b""),
    ("readdir", READDIR, 1, read_in(1, 0, 4096), b""),
    ("readdir_small", READDIR, 1, read_in(1, 2, 40), b""),
    ("releasedir", RELEASEDIR, 1, release_in(1), b""),
    ("fsyncdir", FSYNCDIR, 1, struct.pack("<QII", 1, 0, 0), b""),
    ("getlk", GETLK, FILE, lk_in(1), b""),
    ("setlk", SETLK, FILE, lk_in(1), b""),
    ("setlkw", SETLKW, FILE, lk_in(2), b""),
    ("flock", SETLK, FILE, struct.pack("<QQQQIIII", 1, 42, 0, 0, 1, 0, 1, 0), b""),
    ("access", ACCESS, FILE, struct.pack("<II", 4, 0), b""),
    ("create", CREATE, 1, struct.pack("<IIII", os.O_RDWR | os.O_CREAT, 0o100644, 0o022, 0),
     z("newfile")),
    ("interrupt", INTERRUPT, 0, struct.pack("<Q", 12345), b""),
    ("bmap", BMAP, FILE, struct.pack("<QII", 3, 512, 0), b""),
    ("ioctl", IOCTL, FILE, struct.pack("<QIIQII", 2, 0, 0x8004, 0, 4, 4), b"wxyz"),
    ("ioctl_retry", IOCTL, FILE, struct.pack("<QIIQII", 2, 1 << 1, 0x1234, 0x7000, 0, 0), b""),
    ("poll", POLL, FILE, struct.pack("<QQII", 2, 99, 1, 1), b""),
    ("batch_forget", BATCH_FORGET, 0, struct.pack("<II", 2, 0),
     struct.pack("<QQQQ", FILE, 1, DIR, 2)),
    ("fallocate", FALLOCATE, FILE, struct.pack("<QQQII", 2, 0, 4096, 0, 0), b""),
    ("readdirplus", READDIRPLUS, 1, read_in(1, 0, 4096), b""),
    ("rename2", RENAME2, 1, struct.pack("<QII", 1, 1, 0), z("file") + z("other")),
    ("lseek", LSEEK, FILE, struct.pack("<QQII", 2, 3, 3, 0), b""),
    ("copy_file_range", COPY_FILE_RANGE, FILE, struct.pack("<QQQQQQQ", 2, 0, FILE, 2, 8, 16, 0),
     b""),
    ("syncfs", SYNCFS, 1, struct.pack("<Q", 0), b""),
    ("tmpfile", TMPFILE, 1, struct.pack("<IIII", 0, 0o100600, 0, 0), z("t")),
    ("statx", STATX, FILE, struct.pack("<IIQII", 0, 0, 0, 0, 0x7ff), b""),
    ("unknown", 4000, 1, b"", b""),
    ("destroy", DESTROY, 0, b"", b""),
]


def header(length, opcode, unique, nodeid):
    return struct.pack("<IIQQIIIHH", length, opcode, unique, nodeid, 0, 0, 4242, 0, 0)


def init_in(minor):
    return struct.pack("<IIII", 7, minor, 131072, 0xffffffff) + struct.pack("<I", 0xfffffdff) + b"\0" * 44


def dev(reqs):
    out = b""
    for unique, (opcode, nodeid, fixed, pay) in reqs:
        out += header(40 + len(fixed) + len(pay), opcode, unique, nodeid) + fixed + pay
    return out


def ring(reqs):
    out = b""
    for unique, (opcode, nodeid, fixed, pay) in reqs:
        hdr = header(40 + len(fixed) + len(pay), opcode, unique, nodeid).ljust(128, b"\0")
        hdr += fixed.ljust(128, b"\0")
        hdr += struct.pack("<QQIIQ", 0, unique, len(pay), 0, 0)
        out += hdr + pay
    return out


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    seeds = {"dev": {}, "uring": {}}
    byname = {r[0]: r[1:] for r in REQUESTS}
    for name, op, nodeid, fixed, pay in REQUESTS:
        seeds["dev"][name] = bytes([PREINIT]) + dev([(100, (op, nodeid, fixed, pay))])
        seeds["uring"][name] = bytes([0]) + ring([(100, (op, nodeid, fixed, pay))])
    # Sequences: the session from its first request, and requests that refer to others.
    init = (INIT, 0, b"", b"")
    for minor in (45, 31, 12):
        seeds["dev"]["init_%d" % minor] = bytes([0]) + dev([(2, (INIT, 0, init_in(minor), b""))])
    seeds["dev"]["init_then_lookup"] = bytes([0]) + dev([(2, (INIT, 0, init_in(45), b"")),
                                                         (4, byname["lookup"])])
    seeds["dev"]["lookup_forget"] = bytes([PREINIT]) + dev([
        (4, byname["lookup"]), (6, byname["forget"]), (8, byname["batch_forget"])])
    seeds["dev"]["write_retrieve_reply"] = bytes([PREINIT]) + dev([
        (4, byname["write"]), (6, byname["write"]), (8, byname["write"]),
        (10, (NOTIFY_REPLY, FILE, struct.pack("<QQIIQQ", 0, 0, 6, 0, 0, 0), b"abcdef"))])
    seeds["dev"]["interrupt_self"] = bytes([PREINIT]) + dev([
        (4, byname["read"]), (5, (INTERRUPT, 0, struct.pack("<Q", 4), b""))])
    seeds["dev"]["write_buf"] = bytes([PREINIT | WRITE_BUF]) + dev([(4, byname["write"])])
    seeds["dev"]["no_interrupt"] = bytes([PREINIT | NO_INTR]) + dev([(4, byname["interrupt"])])
    seeds["dev"]["old_minor_setxattr"] = bytes([PREINIT | (3 << 4)]) + dev([
        (4, (SETXATTR, FILE, struct.pack("<II", 3, 0), z("user.fuzz") + b"abc"))])
    seeds["dev"]["bad_length"] = bytes([PREINIT]) + header(999, GETATTR, 4, FILE) + b"\0" * 16
    seeds["uring"]["notify_reply"] = bytes([0]) + ring([
        (10, (NOTIFY_REPLY, FILE, b"", struct.pack("<QQIIQQ", 0, 0, 6, 0, 0, 0) + b"abcdef"))])
    seeds["uring"]["bad_commit_id"] = bytes([0]) + ring([(100, byname["getattr"])])[:272] + \
        struct.pack("<QIIQ", 101, 0, 0, 0)
    # The high-level filesystem: paths from lookups, then the usual calls.
    hl = [(4, byname["lookup"]), (6, byname["getattr"]), (8, byname["open"]),
          (10, byname["read"]), (12, byname["write"]), (14, byname["release"]),
          (16, byname["opendir"]), (18, byname["readdir"]), (20, byname["readdirplus"]),
          (22, byname["releasedir"]), (24, byname["getxattr"]), (26, byname["statfs"]),
          (28, byname["setattr"]), (30, byname["rename"]), (32, byname["mkdir"]),
          (34, byname["create"]), (36, byname["unlink"]), (38, byname["forget"])]
    seeds["dev"]["highlevel"] = bytes([PREINIT | HIGHLEVEL]) + dev(hl)
    seeds["uring"]["highlevel"] = bytes([HIGHLEVEL]) + ring(hl)
    seeds["uring"]["many"] = bytes([0]) + ring([(4 + 2 * i, byname[n]) for i, n in enumerate(
        ["lookup", "open", "read", "write", "readdir", "setxattr", "ioctl", "poll", "rename2"])])
    for target, files in seeds.items():
        d = os.path.join(top, target)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(files.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%s: %d seeds in %s" % (target, len(files), d))


if __name__ == "__main__":
    main()
