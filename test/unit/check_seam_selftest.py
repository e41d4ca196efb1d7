#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_seam.py must see a function in every branch of the preprocessor's conditionals.

The fixture tree (seam_fixture/ifdef/lib) has two call circles that only a reader of both
branches finds: a.c's a_run is defined under #ifdef HAVE_URING and again under #else, and
only the first definition calls b.c; c.c's c_one opens a block in each branch and closes it
once, so a reader that keeps both branches loses count of braces and never sees c_two.

Usage: check_seam_selftest.py CHECK_SEAM FIXTURE_ROOT. Exit 0 when check_seam reports both
circles (and fails), 1 otherwise.
"""
import subprocess
import sys


def main():
    check, root = sys.argv[1], sys.argv[2]
    run = subprocess.run([sys.executable, check, root], capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    want = ["call circle wider than one transport's files: a.c -> b.c",
            "call circle wider than one transport's files: c.c -> d.c"]
    missing = [w for w in want if w not in run.stdout.splitlines()]
    for w in missing:
        print(f"check_seam_selftest: not reported: {w}")
    if run.returncode != 1:
        print(f"check_seam_selftest: check_seam exited {run.returncode}, expected 1")
    return 1 if missing or run.returncode != 1 else 0


if __name__ == "__main__":
    sys.exit(main())
