#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check lib/fuse_versionscript against the system libfuse 3.14, before the library exists.

Each libfuse node must list exactly the names the system library exports in that node
(default and non-default versions alike), and inherit from the same parent node as recorded
in the system library's version definitions. Other nodes may only be ringfuse's own, and
the first node must end in `local: *`.

usage: check_versionscript.py SCRIPT SYSTEM.so
Exit 0 pass, 1 fail, 77 when objdump is missing.
"""
import re
import shutil
import subprocess
import sys

EXTENSION_NODES = {'RINGFUSE_0.1'}


def parse_script(path):
    """Return (nodes, parents, locals_in): nodes maps node -> set of global names."""
    text = re.sub(r'#[^\n]*', '', open(path, encoding='utf-8').read())
    nodes, parents, locals_in = {}, {}, set()
    for m in re.finditer(r'([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;', text, re.S):
        name, body, parent = m.groups()
        nodes[name] = set()
        parents[name] = parent or None
        scope = 'global'
        for tok in re.findall(r'[^\s;]+:|[^\s;]+', body):
            if tok in ('global:', 'local:'):
                scope = tok[:-1]
            elif scope == 'global':
                nodes[name].add(tok)
            elif tok == '*':
                locals_in.add(name)
    return nodes, parents, locals_in


def system_nodes(lib):
    out = subprocess.run(['objdump', '-T', '-p', lib], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    nodes, parents = {}, {}
    # Version definitions: "2 0x00 0x0a7b22a0 FUSE_3.0" followed by an indented parent line.
    vd = out.split('Version definitions:')[1].split('Version References:')[0]
    current = None
    for line in vd.splitlines():
        m = re.match(r'^\d+\s+0x\S+\s+0x\S+\s+(\S+)$', line.strip())
        if m:
            current = m.group(1)
            if current.startswith('FUSE_'):
                nodes[current] = set()
                parents[current] = None
            continue
        if line.strip() and current in parents:
            parents[current] = line.strip()
    for line in out.splitlines():
        m = re.match(r'^[0-9a-f]+\s.*\s(\S+)\s+[0-9a-f]+\s+\(?([A-Za-z0-9_.]+)\)?\s+(\S+)$', line)
        if m and m.group(1) != '*UND*' and m.group(2) in nodes and m.group(3) != m.group(2):
            nodes[m.group(2)].add(m.group(3))
    return nodes, parents


def main():
    if len(sys.argv) != 3:
        print(f'usage: {sys.argv[0]} SCRIPT SYSTEM.so')
        return 1
    if not shutil.which('objdump'):
        print('objdump not found (binutils)')
        return 77
    ours, our_parents, locals_in = parse_script(sys.argv[1])
    system, sys_parents = system_nodes(sys.argv[2])
    failures = []
    if len(system) < 5:
        failures.append(f'only {len(system)} FUSE_ nodes found in {sys.argv[2]}')
    for node, names in system.items():
        if node not in ours:
            failures.append(f'node {node} missing')
            continue
        for n in sorted(names - ours[node]):
            failures.append(f'{node}: {n} not listed')
        for n in sorted(ours[node] - names):
            failures.append(f'{node}: {n} listed but libfuse has no {n}@{node}')
        if our_parents[node] != sys_parents[node]:
            failures.append(f'{node}: parent {our_parents[node]}, libfuse {sys_parents[node]}')
    for node in ours:
        if node not in system and node not in EXTENSION_NODES:
            failures.append(f'unknown node {node}')
    first = next(iter(ours), None)
    if first not in locals_in:
        failures.append(f'first node {first} does not end in local: *')
    for f in failures:
        print('FAIL', f)
    total = sum(len(v) for v in system.values())
    print(f'{len(system)} libfuse nodes, {total} names compared, {len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
