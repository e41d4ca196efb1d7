#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check that each public header compiles on its own, as C and as C++, strictly.

Every API header is compiled alone (and included twice, for the guard) for each supported
FUSE_USE_VERSION under -Wall -Wextra -Werror -pedantic-errors, in C99 and gnu11 and, when a
C++ compiler is given, C++11 and C++17, once for each ABI: the default (libfuse3.so.4, API
30 ... 318) and -DRINGFUSE_ABI=314 (libfuse3.so.3, API 30 ... 314). The headers' deliberate
refusals are checked too: including fuse_common.h directly, fuse_lowlevel.h without
FUSE_USE_VERSION, an API version below 30, and an API version newer than the ABI knows
(319; 315 with RINGFUSE_ABI=314) must each fail to compile.

usage: check_headers.py --include DIR [--include DIR...] --cc CC... [--cxx CXX...]
Exit 0 pass, 1 fail, 77 when no C compiler was given.
"""
import argparse
import concurrent.futures
import subprocess
import sys

VERSIONS = [30, 31, 32, 35, 311, 312, 314]
# ABI define -> API versions it must accept.
ABIS = {'': VERSIONS + [317, 318], '-DRINGFUSE_ABI=314': VERSIONS}
API_HEADERS = ['fuse.h', 'fuse_lowlevel.h', 'cuse_lowlevel.h']
PLAIN_HEADERS = ['fuse_opt.h', 'fuse_log.h']  # need no FUSE_USE_VERSION
STRICT = ['-Wall', '-Wextra', '-Werror', '-pedantic-errors', '-fsyntax-only']
# Strict C99 hides POSIX declarations (struct timespec for fuse.h's utimens); a program that
# uses the headers asks for POSIX, as libfuse's own users do.
C_MODES = [['-std=c99', '-D_POSIX_C_SOURCE=200809L'], ['-std=gnu11']]
CXX_MODES = [['-std=c++11'], ['-std=c++17']]


def compile_snippet(compiler, lang, flags, source):
    cmd = compiler + ['-x', lang] + flags + ['-']
    try:
        p = subprocess.run(cmd, input=source, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"{' '.join(cmd)}: {e}"
    return p.returncode == 0, p.stderr


def jobs(args):
    """Yield (description, compiler, lang, flags, source, must_compile)."""
    langs = [('c', args.cc, C_MODES)]
    if args.cxx:
        langs.append(('c++', args.cxx, CXX_MODES))
    incs = [f for d in args.include for f in ('-I', d)]
    for lang, compiler, modes in langs:
        for mode in modes:
            for abi, versions in ABIS.items():
                base = incs + STRICT + mode + ([abi] if abi else [])
                tag = f'{lang} {" ".join(mode)} {abi or "default ABI"}'
                for h in API_HEADERS:
                    for v in versions:
                        src = f'#define FUSE_USE_VERSION {v}\n#include <{h}>\n#include <{h}>\n'
                        yield (f'{h} v{v} {tag}', compiler, lang, base, src, True)
                for h in PLAIN_HEADERS:
                    src = f'#include <{h}>\n#include <{h}>\n'
                    yield (f'{h} {tag}', compiler, lang, base, src, True)
                # Both APIs in one translation unit, in either order.
                src = (f'#define FUSE_USE_VERSION {versions[-1]}\n#include <fuse_lowlevel.h>\n'
                       '#include <fuse.h>\n#include <cuse_lowlevel.h>\n')
                yield (f'all headers {tag}', compiler, lang, base, src, True)
    base = incs + ['-fsyntax-only']
    yield ('fuse_common.h alone must be refused', args.cc, 'c', base,
           '#define FUSE_USE_VERSION 314\n#include <fuse_common.h>\n', False)
    yield ('fuse_lowlevel.h without FUSE_USE_VERSION must be refused', args.cc, 'c', base,
           '#include <fuse_lowlevel.h>\n', False)
    yield ('fuse.h without FUSE_USE_VERSION must be refused', args.cc, 'c', base,
           '#include <fuse.h>\n', False)
    yield ('FUSE_USE_VERSION 29 must be refused', args.cc, 'c', base,
           '#define FUSE_USE_VERSION 29\n#include <fuse_lowlevel.h>\n', False)
    for h in API_HEADERS:
        yield (f'{h}: FUSE_USE_VERSION 319 must be refused', args.cc, 'c', base,
               f'#define FUSE_USE_VERSION 319\n#include <{h}>\n', False)
        yield (f'{h}: FUSE_USE_VERSION 315 with RINGFUSE_ABI=314 must be refused', args.cc, 'c',
               base + ['-DRINGFUSE_ABI=314'],
               f'#define FUSE_USE_VERSION 315\n#include <{h}>\n', False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--include', required=True, action='append')
    ap.add_argument('--cc', nargs='+', default=[])
    ap.add_argument('--cxx', nargs='+', default=[])
    args = ap.parse_args()
    if not args.cc:
        print('no C compiler given')
        return 77
    if not args.cxx:
        print('note: no C++ compiler given; C++ checks not run')

    todo = list(jobs(args))
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futs = [(j, pool.submit(compile_snippet, j[1], j[2], j[3], j[4])) for j in todo]
        for (desc, _, _, _, _, must), fut in futs:
            ok, err = fut.result()
            if ok == must:
                continue
            failures += 1
            what = 'does not compile' if must else 'compiled but must not'
            print(f'FAIL {desc}: {what}')
            if err:
                print('\n'.join('    ' + l for l in err.splitlines()[:15]))
    print(f'{len(todo)} header checks, {failures} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
