#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The seam between the session and its transports, checked from the sources.

1. No lib/ file outside a transport's own files names that transport's functions, private
   types or state: the session reaches transports through lib/transport_i.h only.
2. The file-level call graph of lib/ (computed here from function definitions and direct
   calls; calls through an ops table are the interface and do not count) has no circle
   wider than one transport's own files. The high-level library (lib/highlevel/) is one
   unit here: it sits on the low-level API and its files may call each other.
3. No file of the ring over 800 lines, no lib/ file over 1,200.

Usage: check_seam.py [SOURCE_ROOT]   (default: the tree this script is in)
Exit 0 when all hold, 1 with one line per violation otherwise.
"""
import os
import re
import sys

# A transport's own files: it may name its own functions and state there. transport.c is
# the table of transports (it names the classes, nothing else).
TRANSPORTS = {
    "dev": re.compile(r"^(fuse_dev[a-z_]*\.(c|h)|loop\.c|loop_mt\.c)$"),
    "ring": re.compile(r"^fuse_uring[a-z_]*\.(c|h)$"),
}
REGISTRY = {"transport.c", "transport_i.h"}
# The shared internal header declares the device's functions for its readers (loop*.c).
DECLARES = {"fuse_i.h"}

# Names of transport state that must stay inside a transport (fields, private types).
STATE = {
    "dev": [r"\bdev_stats\b", r"\binflight\b", r"\bstruct dev_tp\b"],
    "ring": [r"se->ring\b", r"\buring_cfg\b", r"\bstruct fuse__uring\b(?!_)",
             r"\bstruct fuse__uring_tp\b", r"\buring_tp\(", r"\buring_of\(",
             r"\bstruct uring_[a-z_]+\b"],
}
# Reaching into a transport slot is the transport's business (and the registry's).
SLOT = re.compile(r"->tp\[|\.tp\[")

RING_MAX = 800
LIB_MAX = 1200

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do", "else", "case",
            "_Static_assert", "alignof", "_Alignof", "offsetof", "defined", "__attribute__",
            "typeof", "__typeof__", "_Generic", "va_arg"}


def strip(text):
    """Comments, string and character literals and preprocessor lines removed."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    lines = []
    cont = False
    for line in "".join(out).split("\n"):
        pre = cont or line.lstrip().startswith("#")
        cont = pre and line.endswith("\\")
        lines.append("" if pre else line)
    return "\n".join(lines)


COND = re.compile(r"\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b")


def branch_variants(text):
    """The file once per branch index k: every #if/#elif/#else chain resolved to its k-th
    branch (its last when it has fewer), the lines of the other branches blanked. Each
    variant is one consistent reading of the file (braces balance as the compiler sees them),
    and together they hold every branch, so a function defined under #ifdef HAVE_URING and
    again under #else is read twice, and a block opened once per branch is closed once."""
    lines = text.split("\n")
    counts, stack = [], []
    for line in lines:
        m = COND.match(line)
        if not m:
            continue
        d = m.group(1)
        if d.startswith("if"):
            stack.append(len(counts))
            counts.append(1)
        elif d in ("elif", "else") and stack:
            counts[stack[-1]] += 1
        elif d == "endif" and stack:
            stack.pop()
    out = []
    for k in range(max(counts, default=1)):
        res, frames, chain = [], [], 0
        for line in lines:
            m = COND.match(line)
            if m:
                d = m.group(1)
                if d.startswith("if"):
                    # [branch now, branch taken]
                    frames.append([0, min(k, counts[chain] - 1)])
                    chain += 1
                elif d in ("elif", "else") and frames:
                    frames[-1][0] += 1
                elif d == "endif" and frames:
                    frames.pop()
                res.append(line)  # strip() blanks directives (and their continuations)
            elif all(f[0] == f[1] for f in frames):
                res.append(line)
            else:
                res.append("")
        out.append("\n".join(res))
    return out


def functions(code):
    """{name: body} of the function definitions at file scope, and the set of static ones."""
    defs, statics = {}, set()
    depth = 0
    i, n = 0, len(code)
    decl_start = 0
    while i < n:
        c = code[i]
        if c == "{":
            if depth == 0:
                head = code[decl_start:i]
                m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(([^;{}]*)\)\s*(?:__attribute__\s*\(\(.*?\)\)\s*)*$",
                              head, re.S)
                if m and "=" not in head.split(m.group(1))[0]:
                    end = match_brace(code, i)
                    defs[m.group(1)] = code[i:end]
                    if re.search(r"\bstatic\b", head[:m.start()]):
                        statics.add(m.group(1))
                    i = end
                    decl_start = i
                    continue
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == ";" and depth == 0:
            decl_start = i + 1
        i += 1
        if depth == 0 and c == "}":
            decl_start = i
    return defs, statics


def match_brace(code, i):
    depth = 0
    for j in range(i, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(code)


def owner(name):
    for tp, pat in TRANSPORTS.items():
        if pat.match(os.path.basename(name)):
            return tp
    return None


def sccs(graph):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    lib = os.path.join(root, "lib")
    files = {}
    for dirpath, _, names in os.walk(lib):
        for nm in names:
            if nm.endswith((".c", ".h")):
                path = os.path.join(dirpath, nm)
                rel = os.path.relpath(path, lib)
                with open(path, encoding="utf-8") as f:
                    files[rel] = f.read()

    problems = []

    # 3. sizes
    for rel, text in sorted(files.items()):
        lines = text.count("\n")
        if owner(rel) == "ring" and lines > RING_MAX:
            problems.append(f"{rel}: {lines} lines; a ring file may have {RING_MAX}")
        elif lines > LIB_MAX:
            problems.append(f"{rel}: {lines} lines; a lib/ file may have {LIB_MAX}")

    code = {rel: strip(text) for rel, text in files.items()}
    defs, public = {}, {}
    for rel, text in files.items():
        if not rel.endswith(".c"):
            continue
        # Every branch of the file's conditionals: a function defined in two branches has
        # the calls of both bodies, and is public if either definition is.
        merged, exported = {}, set()
        for variant in branch_variants(text):
            d, st = functions(strip(variant))
            for name, body in d.items():
                if body not in merged.get(name, ""):
                    merged[name] = merged.get(name, "") + body
                if name not in st:
                    exported.add(name)
        defs[rel] = merged
        for name in sorted(exported):
            public.setdefault(name, rel)

    # 1. names: a transport's exported functions, its state, its slot
    # Internal names only: the public API (fuse_session_loop...) is everybody's to call.
    tp_funcs = {tp: sorted(n for n, rel in public.items()
                           if owner(rel) == tp and re.match(r"(fuse__|uring_|dev_)", n))
                for tp in TRANSPORTS}
    for rel, c in sorted(code.items()):
        base = os.path.basename(rel)
        own = owner(rel)
        if base in REGISTRY:
            continue
        for tp in TRANSPORTS:
            if tp == own:
                continue
            if base not in DECLARES:
                used = set(IDENT.findall(c)) & set(tp_funcs[tp])
                for name in sorted(used):
                    problems.append(f"{rel}: names {name}() of the {tp} transport")
            for pat in STATE[tp]:
                for m in re.finditer(pat, c):
                    line = c.count("\n", 0, m.start()) + 1
                    problems.append(f"{rel}:{line}: names the {tp} transport's state "
                                    f"({m.group(0)})")
        if own is None:
            for m in SLOT.finditer(c):
                line = c.count("\n", 0, m.start()) + 1
                problems.append(f"{rel}:{line}: reaches into a transport slot")

    # 2. the file-level call graph and its circles
    graph = {rel: set() for rel in defs}
    for rel, d in defs.items():
        local = set(d)
        for body in d.values():
            for m in re.finditer(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", body):
                name = m.group(1)
                if name in KEYWORDS or name in local:
                    continue
                target = public.get(name)
                if target and target != rel:
                    graph[rel].add(target)
    for comp in sccs(graph):
        if len(comp) < 2:
            continue
        owners = {"highlevel" if f.startswith("highlevel/") else owner(f) for f in comp}
        if len(owners) == 1 and None not in owners:
            continue
        problems.append("call circle wider than one transport's files: " + " -> ".join(comp))

    for p in problems:
        print(p)
    if problems:
        print(f"check_seam: {len(problems)} problem(s)")
        return 1
    print(f"check_seam: {len(defs)} lib/ files, no transport named outside its files, "
          "no call circle wider than one transport")
    return 0


if __name__ == "__main__":
    sys.exit(main())
