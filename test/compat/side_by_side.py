#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two filesystems at once on one machine: one daemon linked to libfuse3.so.3 (3.14 ABI) and
one linked to libfuse3.so.4 (3.18 ABI), both mounted and used at the same time.

For each daemon it checks that the dynamic loader mapped the library it was linked to (and
not the other one), that a file written through each mount appears in that daemon's source
directory and can be read back through the mount while the other is mounted too, and that both
daemons exit 0 after their unmounts. Needs root (exit 77 otherwise).

usage: side_by_side.py SO3_DAEMON SO4_DAEMON   (PYTHONPATH=<source>/test: test/lib's harness)
Exit 0 pass, 1 fail, 77 skip.
"""
import os
import shutil
import sys


def mapped_fuse_libs(pid):
    """Basenames of the libfuse3 files mapped into process pid."""
    libs = set()
    with open("/proc/%d/maps" % pid, encoding="utf-8") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if os.path.basename(path).startswith("libfuse3.so"):
                libs.add(os.path.basename(path))
    return libs


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 1
    from lib import harness  # test/lib/harness.py: mount, wait, unmount, stop

    if os.geteuid() != 0:
        print("needs root to mount")
        return 77
    daemons = {"libfuse3.so.3": sys.argv[1], "libfuse3.so.4": sys.argv[2]}
    # The file each library is installed as (lib/meson.build): the soname link's target.
    want_file = {"libfuse3.so.3": "libfuse3.so.3.14.0", "libfuse3.so.4": "libfuse3.so.3.18.2"}
    problems, running = [], []
    try:
        for soname, exe in daemons.items():
            base, src, mnt = harness.make_workdir()
            err = os.path.join(base, "daemon.err")
            proc = harness.start_daemon([exe, "-f", "-o", "source=" + src, mnt], err)
            running.append((soname, base, src, mnt, proc, err))
            harness.wait_mounted(mnt, proc, err)
        # Both are mounted now; use them one after the other, each while the other is up.
        for soname, base, src, mnt, proc, _ in running:
            libs = mapped_fuse_libs(proc.pid)
            if libs != {want_file[soname]}:
                problems.append("%s daemon maps %s, want only %s" %
                                (soname, sorted(libs), want_file[soname]))
            data = ("written through the %s mount\n" % soname).encode()
            with open(os.path.join(mnt, "f"), "wb") as f:
                f.write(data)
            with open(os.path.join(src, "f"), "rb") as f:
                if f.read() != data:
                    problems.append("%s: source file differs from what was written" % soname)
            with open(os.path.join(mnt, "f"), "rb") as f:
                if f.read() != data:
                    problems.append("%s: read back through the mount differs" % soname)
            print("%s: pid %d maps %s; write/read through %s ok" %
                  (soname, proc.pid, ", ".join(sorted(libs)), mnt))
    except harness.HarnessError as e:
        problems.append("mount failed: %s" % e)
    finally:
        for soname, base, src, mnt, proc, err in running:
            if not harness.unmount(mnt):
                problems.append("%s: unmount failed" % soname)
            rc, stop_problems = harness.stop_daemon(proc, mnt)
            problems += ["%s: %s" % (soname, p) for p in stop_problems]
            if rc != 0:
                problems.append("%s daemon exited %s" % (soname, rc))
                with open(err, encoding="utf-8", errors="replace") as f:
                    print(f.read())
            shutil.rmtree(base, ignore_errors=True)
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
