#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run a bind probe (see gen_bind_probe.py) with ringfuse in place of the system libfuse.

The probe was linked against the system libfuse3.so.3; with LD_LIBRARY_PATH set to the
directory of ringfuse's library and LD_BIND_NOW=1, the loader must take every symbol from
ringfuse. Fails when the loader refuses (a missing symbol@version is fatal at startup) or
when the library that was actually loaded is not ringfuse's.

usage: run_bind_probe.py PROBE OURS.so
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print(f'usage: {sys.argv[0]} PROBE OURS.so')
        return 1
    probe, ours = sys.argv[1], os.path.realpath(sys.argv[2])
    if not os.path.exists(ours):
        print(f'{ours} does not exist (the library did not build)')
        return 1
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(ours), LD_BIND_NOW='1')
    try:
        p = subprocess.run([probe], env=env, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        print(f'cannot run {probe}: {e}')
        return 1
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    if p.returncode != 0:
        print(f'probe exited with {p.returncode}')
        return 1
    loaded = None
    for line in p.stdout.splitlines():
        if line.startswith('library '):
            loaded = os.path.realpath(line[len('library '):])
    if loaded != ours:
        print(f'loaded {loaded}, expected ringfuse at {ours}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
