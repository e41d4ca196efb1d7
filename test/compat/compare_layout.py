#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare the `key value` facts printed by a probe built against ringfuse's headers (OURS)
with the same probe built against the system's libfuse 3.14 headers (SYSTEM), or with a
recorded run against libfuse 3.18.2's headers (SYSTEM a .txt file).

Every key the system build prints must appear in ours with the same value; keys only ours
prints are listed for information, except `selfcheck.*` keys, which must say `ok`.
Exit 0 when equal, 1 on any difference, 77 when a probe cannot run.
"""
import subprocess
import sys

MIN_FACTS = 100  # a probe printing fewer facts than this is broken, not compatible


def facts(exe):
    """Run one probe (or read a recorded run: a .txt file, # comments allowed) and return its
    facts as an ordered dict key -> value."""
    if exe.endswith('.txt'):
        with open(exe, encoding='utf-8') as f:
            out = ''.join(l for l in f if not l.startswith('#'))
    else:
        try:
            out = subprocess.run([exe], check=True, capture_output=True, text=True,
                                 timeout=30).stdout
        except (OSError, subprocess.SubprocessError) as e:
            print(f"cannot run {exe}: {e}")
            sys.exit(1)
    result = {}
    for line in out.splitlines():
        key, _, value = line.partition(' ')
        if key in result:
            print(f"{exe}: duplicate key {key}")
            sys.exit(1)
        result[key] = value
    return result


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} OURS_PROBE SYSTEM_PROBE")
        return 1
    ours = facts(sys.argv[1])
    system = facts(sys.argv[2])
    if len(system) < MIN_FACTS or 'end' not in system or 'end' not in ours:
        print(f"probe output incomplete: system {len(system)} facts, ours {len(ours)}")
        return 1

    failures = 0
    for key, want in system.items():
        got = ours.get(key)
        if got is None:
            print(f"MISSING {key}: system has '{want}', ringfuse has nothing")
            failures += 1
        elif got != want:
            print(f"DIFFERS {key}: system '{want}', ringfuse '{got}'")
            failures += 1
    for key, value in ours.items():
        if key in system:
            continue
        if key.startswith('selfcheck.'):
            if value != 'ok':
                print(f"SELFCHECK {key}: {value}")
                failures += 1
            else:
                print(f"selfcheck {key}: ok")
        else:
            print(f"extra (ringfuse only) {key} {value}")

    print(f"{len(system)} system facts compared, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
