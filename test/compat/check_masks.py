#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hello (high-level) mounted with -o fmask=0137,dmask=0022 (libfuse 3.17's options, in
libfuse3.so.4): the root directory shows mode 0755 and the file `hello` 0640, whatever the
filesystem reports. Run by test/lib/harness.py as `check_masks.py MNT SRC`; exit 0 or 1."""
import os
import sys


def main():
    mnt = sys.argv[1]
    want = {mnt: 0o755, os.path.join(mnt, 'hello'): 0o640}
    bad = 0
    for path, mode in want.items():
        got = os.stat(path).st_mode & 0o7777
        print('%s %s: mode %o, want %o' % ('ok' if got == mode else 'FAIL', path, got, mode))
        bad += got != mode
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
