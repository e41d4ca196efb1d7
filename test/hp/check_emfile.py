#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""passthrough_hp when its descriptors run out.

Run by harness.py as `check_emfile.py MNT SRC`. Every file a client holds open through the
mount holds one descriptor in the daemon, so two clients that each open 3/5 of their own limit
(the same hard limit as the daemon's, 20000 here) drive the daemon to EMFILE. The check: opens
through the mount either succeed or fail cleanly with EMFILE/ENFILE (never another error, never
a hang or a dead daemon), some are refused (else nothing was checked), and once the files are
closed everything works again, including inodes whose descriptors were evicted.
Exit 0 pass, 1 fail.
"""

import errno
import multiprocessing
import os
import resource
import sys


def hold_open(mnt, names, conn):
    """Child: open the names through the mount and keep them open until told to stop."""
    fds, refused, bad = [], 0, []
    for name in names:
        try:
            fds.append(os.open(os.path.join(mnt, "many", name), os.O_RDONLY))
        except OSError as e:
            if e.errno in (errno.EMFILE, errno.ENFILE):
                refused += 1
            else:
                bad.append(f"open {name}: unexpected {errno.errorcode.get(e.errno)}")
    conn.send((len(fds), refused, bad))
    conn.recv()
    for fd in fds:
        os.close(fd)
    conn.send("closed")


def main(mnt, src):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # two clients, each within its own limit, together past the daemon's
    per_client = hard * 3 // 5
    n = 2 * per_client
    os.mkdir(os.path.join(src, "many"))
    names = [f"f{i:05d}" for i in range(n)]
    for i, name in enumerate(names):
        with open(os.path.join(src, "many", name), "w") as f:
            f.write(str(i))
    problems, held, refused = [], 0, 0
    conns, procs = [], []
    for k in range(2):
        a, b = multiprocessing.Pipe()
        p = multiprocessing.Process(target=hold_open,
                                    args=(mnt, names[k * per_client:(k + 1) * per_client], b))
        p.start()
        conns.append(a)
        procs.append(p)
        if not a.poll(300):
            problems.append("a client did not finish opening its files within 300 s")
            break
        h, r, bad = a.recv()
        held += h
        refused += r
        problems += bad[:5]
    print(f"held {held} files open through the mount, {refused} opens refused (limit {hard})")
    if refused == 0 and not problems:
        problems.append(f"{n} opens through the mount all succeeded: the daemon's descriptor "
                        "limit was not reached, so nothing was checked")
    for a in conns:
        a.send("close")
        if not a.poll(120) or a.recv() != "closed":
            problems.append("a client did not close its files")
    for p in procs:
        p.join(60)
    # the mount works again: read every 37th file, make and remove one
    for i in range(0, n, 37):
        with open(os.path.join(mnt, "many", names[i])) as f:
            if f.read() != str(i):
                problems.append(f"{names[i]}: wrong content after the descriptors came back")
                break
    p = os.path.join(mnt, "after")
    with open(p, "w") as f:
        f.write("ok")
    os.unlink(p)
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: check_emfile.py MNT SRC")
    sys.exit(main(sys.argv[1], sys.argv[2]))
