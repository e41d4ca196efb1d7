#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks for a mounted hello_ll (`check_hello.py MNT SRC`): one read-only file with a known
greeting, a listing of exactly that file, and writes refused. Exit 0 pass, 1 fail."""

import errno
import os
import stat
import sys

WANT = b"Hello World!\n"


def main(mnt):
    failures = []

    def check(name, cond, detail):
        print(("ok %s" % name) if cond else ("FAIL %s: %s" % (name, detail)), flush=True)
        if not cond:
            failures.append(name)

    path = os.path.join(mnt, "hello")
    try:
        with open(path, "rb") as f:
            data = f.read()
        check("read", data == WANT, "expected %r got %r" % (WANT, data))
        with open(path, "rb") as f:
            f.seek(6)
            part = f.read(5)
        check("read_offset", part == WANT[6:11], "expected %r got %r" % (WANT[6:11], part))
    except OSError as e:
        check("read", False, "open/read %s: %s" % (path, e))

    try:
        st = os.stat(path)
        check("stat", stat.S_ISREG(st.st_mode) and st.st_size == len(WANT)
              and stat.S_IMODE(st.st_mode) == 0o444,
              "mode %o size %d" % (st.st_mode, st.st_size))
        st = os.stat(mnt)
        check("stat_root", stat.S_ISDIR(st.st_mode), "mode %o" % st.st_mode)
    except OSError as e:
        check("stat", False, str(e))

    try:
        names = sorted(os.listdir(mnt))
        check("readdir", names == ["hello"], "expected ['hello'] got %r" % names)
    except OSError as e:
        check("readdir", False, str(e))

    refused = (errno.EROFS, errno.EACCES)
    for name, flags in (("open_wronly", os.O_WRONLY), ("open_rdwr", os.O_RDWR),
                        ("open_trunc", os.O_WRONLY | os.O_TRUNC)):
        try:
            fd = os.open(path, flags)
            os.close(fd)
            check(name, False, "open succeeded, expected EROFS or EACCES")
        except OSError as e:
            check(name, e.errno in refused, "expected EROFS or EACCES got %s" % e)

    # Creating is refused too (the file system has no create/mknod); the errno is the kernel's
    # choice for a missing operation, so only the failure and its effect are checked.
    newp = os.path.join(mnt, "new")
    try:
        fd = os.open(newp, os.O_CREAT | os.O_WRONLY, 0o644)
        os.close(fd)
        check("create", False, "create succeeded")
    except OSError as e:
        check("create", not os.path.exists(newp), "create failed (%s) but %s exists" % (e, newp))

    try:
        os.stat(os.path.join(mnt, "missing"))
        check("enoent", False, "stat of a missing name succeeded")
    except OSError as e:
        check("enoent", e.errno == errno.ENOENT, "expected ENOENT got %s" % e)

    with open(path, "rb") as f:
        check("content_unchanged", f.read() == WANT, "content changed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: check_hello.py MNT SRC", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
