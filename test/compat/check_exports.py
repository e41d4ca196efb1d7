#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare the dynamic symbol table of ringfuse's libfuse3.so with the system's libfuse 3.14.

A binary linked against the system library binds to `name@VERSION` (or the default
`name@@VERSION`); each such pair must exist in ours with the same default/non-default kind,
or the binary fails to load or calls the wrong ABI variant. Ours must also export nothing
else, apart from the RINGFUSE_0.1 node, and carry the soname libfuse3.so.3.

With --lowlevel only the low-level API is required (the high-level fuse.h/CUSE API lands
later); symbols of the high-level API that ours already exports are still checked for their
version.

With --reference LIST, SYSTEM is not a library but a recorded list (test/compat/exports-3.18.txt:
libfuse 3.18's libfuse3.so.4, which no Debian 12 package provides): its soname, version nodes
with their parents and symbol versions are required of OURS instead; only ringfuse_* may be
exported beyond them, in RINGFUSE_0.1.

usage: check_exports.py [--lowlevel] OURS.so SYSTEM.so
       check_exports.py --reference OURS.so LIST
Exit 0 pass, 1 fail, 77 when objdump is missing.
"""
import argparse
import re
import shutil
import subprocess
import sys

EXTENSION_NODE = 'RINGFUSE_0.1'
SONAME = 'libfuse3.so.3'

# High-level (fuse.h) and CUSE symbols, left out by --lowlevel.
HIGHLEVEL_EXACT = {
    'fuse_main_real', 'fuse_get_context', 'fuse_getgroups', 'fuse_interrupted',
    'fuse_invalidate_path', 'fuse_lib_help', 'fuse_mount', 'fuse_unmount', 'fuse_destroy',
    'fuse_exit', 'fuse_loop', 'fuse_clean_cache', 'fuse_start_cleanup_thread',
    'fuse_stop_cleanup_thread', 'fuse_get_session', 'fuse_notify_poll', 'fuse_open_channel',
}
HIGHLEVEL_PREFIX = ('fuse_fs_', 'fuse_new', 'fuse_loop_mt', 'cuse_')

# objdump -T line: ADDR FLAGS... SECTION SIZE [VERSION|(VERSION)] NAME
LINE = re.compile(r'^[0-9a-f]+\s.*\s(\S+)\s+[0-9a-f]+\s+(\(?)([A-Za-z0-9_.]+)\)?\s+(\S+)$')


def is_highlevel(name):
    return name in HIGHLEVEL_EXACT or name.startswith(HIGHLEVEL_PREFIX)


def run(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True,
                              timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as e:
        print(f"{' '.join(cmd)} failed: {e}")
        sys.exit(1)


def exports(lib):
    """Return {(name, version): 'default'|'hidden'} for defined dynamic symbols of lib."""
    result = {}
    for line in run(['objdump', '-T', lib]).splitlines():
        m = LINE.match(line)
        if not m:
            continue
        section, hidden, version, name = m.groups()
        if section == '*UND*':
            continue
        if version in ('Base',):
            # An unversioned export: the version script did not cover it.
            version = '(none)'
        result[(name, version)] = 'hidden' if hidden else 'default'
    return result


def version_nodes(lib):
    """Return {node: parent or None} from the library's version definitions."""
    nodes, current = {}, None
    in_defs = False
    for line in run(['objdump', '-p', lib]).splitlines():
        if line.startswith('Version definitions:'):
            in_defs = True
            continue
        if in_defs:
            if not line.strip() or line.startswith('Version References'):
                break
            parts = line.split()
            if line.startswith(('\t', ' ')) and len(parts) == 1:
                nodes[current] = parts[0]
            elif len(parts) >= 4:
                current = parts[3]
                nodes.setdefault(current, None)
    return nodes


def load_reference(path):
    """Return (soname, {node: parent}, {(name, version): kind}) from a recorded list."""
    so, nodes, syms = None, {}, {}
    for line in open(path, encoding='utf-8'):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if parts[0] == 'soname':
            so = parts[1]
        elif parts[0] == 'node':
            nodes[parts[1]] = parts[2] if len(parts) > 2 else None
        elif '@@' in line:
            name, version = line.split('@@')
            syms[(name, version)] = 'default'
        else:
            name, version = line.split('@')
            syms[(name, version)] = 'hidden'
    return so, nodes, syms


def check_reference(ours_lib, path):
    """The --reference mode: OURS against a recorded list."""
    want_so, want_nodes, want = load_reference(path)
    ours = exports(ours_lib)
    failures = []
    got = soname(ours_lib)
    if got != want_so:
        failures.append(f"soname is {got}, want {want_so}")
    nodes = version_nodes(ours_lib)
    nodes.pop(got, None)  # the first definition is the soname itself
    for node, parent in want_nodes.items():
        if node not in nodes:
            failures.append(f"missing version node {node}")
        elif nodes[node] != parent:
            failures.append(f"node {node} inherits {nodes[node]}, want {parent}")
    for node in nodes:
        if node not in want_nodes and node != EXTENSION_NODE:
            failures.append(f"unexpected version node {node}")
    for k, v in sorted(want.items()):
        if k not in ours:
            failures.append(f"missing: {fmt(k, v)}")
        elif ours[k] != v:
            failures.append(f"wrong default/non-default: {fmt(k, v)} (ours: {fmt(k, ours[k])})")
    for k, v in sorted(ours.items()):
        if k in want or k[0] == k[1]:  # k[0] == k[1]: the node's own definition entry
            continue
        if k[1] == EXTENSION_NODE and k[0].startswith('ringfuse_'):
            continue
        failures.append(f"unexpected export: {fmt(k, v)}")
    for f in failures:
        print('FAIL ' + f)
    print(f"reference {path}: {len(want)} symbol versions in {len(want_nodes)} nodes; ours "
          f"exports {len(ours)}; {len(failures)} problem(s)")
    return 1 if failures else 0


def soname(lib):
    m = re.search(r'^\s*SONAME\s+(\S+)', run(['objdump', '-p', lib]), re.M)
    return m.group(1) if m else None


def fmt(key, kind):
    name, version = key
    return f"{name}@{'' if kind == 'hidden' else '@'}{version}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lowlevel', action='store_true')
    ap.add_argument('--reference', action='store_true')
    ap.add_argument('ours')
    ap.add_argument('system')
    args = ap.parse_args()
    if not shutil.which('objdump'):
        print('objdump not found (binutils)')
        return 77
    if args.reference:
        return check_reference(args.ours, args.system)

    ours = exports(args.ours)
    system = exports(args.system)
    failures = 0

    # The reference must really be libfuse: an installed ringfuse found through pkg-config
    # would make this test compare ours with itself.
    if any(v == EXTENSION_NODE for _, v in system) or len(system) < 100:
        print(f"{args.system} does not look like libfuse 3.14 ({len(system)} symbols)")
        return 1

    got = soname(args.ours)
    if got != SONAME:
        print(f"FAIL soname is {got}, want {SONAME}")
        failures += 1

    required = {k: v for k, v in system.items()
                if not (args.lowlevel and is_highlevel(k[0]))}
    missing = sorted(fmt(k, v) for k, v in required.items() if k not in ours)
    wrong_kind = sorted(f"{fmt(k, v)} (ours: {fmt(k, ours[k])})"
                        for k, v in required.items() if k in ours and ours[k] != v)
    unexpected = sorted(fmt(k, v) for k, v in ours.items()
                        if k not in system and k[1] != EXTENSION_NODE)
    extensions = sorted(fmt(k, v) for k, v in ours.items() if k[1] == EXTENSION_NODE)

    for title, items in (('missing', missing), ('wrong default/non-default', wrong_kind),
                         ('unexpected export', unexpected)):
        for item in items:
            print(f"{title}: {item}")
        failures += len(items)

    scope = 'low-level' if args.lowlevel else 'all'
    print(f"scope {scope}: system exports {len(system)} symbol versions, {len(required)} "
          f"required; ours exports {len(ours)} "
          f"({len(required) - len(missing)} of the required present)")
    print(f"missing {len(missing)}, wrong kind {len(wrong_kind)}, "
          f"unexpected {len(unexpected)}, {EXTENSION_NODE} extensions {len(extensions)}")
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
