#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pool the samples of several bench/run.py runs by variant and print medians with min-max.

A variant is a run's name (its results.json's directory, or the file's own name) without a
trailing -N round number, so `default-1`, `default-2` pool into `default`; `alone-rf-dev-*`
and `alone-rf-ring-*` (one configuration mounted per run) pool into `alone`. This is how the
headline-figure table of doc/benchmarks.md was made:

    python3 bench/summarize_runs.py doc/bench/2026-12-07/headline/*.json
"""

import json
import os
import re
import statistics
import sys


def variant(path):
    name = os.path.basename(os.path.dirname(path)) if path.endswith("/results.json") else \
        os.path.basename(path)[:-len(".json")]
    name = re.sub(r"-\d+(-\d+)?$", "", name)
    return re.sub(r"^alone-rf-(dev|ring)$", "alone", name)


def fmt(x):
    return f"{x / 1000:.1f}k" if x >= 1000 else f"{x:.0f}"


def main(paths):
    groups = {}
    for path in paths:
        if os.path.isdir(path):
            path = os.path.join(path, "results.json")
        with open(path) as f:
            doc = json.load(f)
        for r in doc["results"]:
            groups.setdefault((variant(path), r["backing"], r["case"], r["config"]),
                              []).append(r)
    variants = sorted({k[0] for k in groups})
    for kind, case in sorted({(k[1], k[2]) for k in groups}):
        print(f"== {kind} {case}")
        for v in variants:
            row, meds = f"{v:10s}", {}
            for c in ("native", "rf-dev", "rf-ring", "rf-ring-pt", "sys"):
                rs = groups.get((v, kind, case, c))
                if not rs:
                    continue
                vals = [r["value"] for r in rs]
                meds[c] = (statistics.median(vals), min(vals), max(vals))
                row += f" {c}={fmt(meds[c][0])} ({fmt(meds[c][1])}-{fmt(meds[c][2])}) n={len(vals)}"
                cpu = [r["daemon_cpu_us_per_op"] for r in rs
                       if r.get("daemon_cpu_us_per_op") is not None]
                idle = [r["sched_idle_threads"] for r in rs
                        if r.get("sched_idle_threads") is not None]
                if cpu:
                    row += f" cpu={statistics.median(cpu):.1f}us"
                if idle:
                    row += f" idle={statistics.median(idle):.2f}"
            if "rf-dev" in meds and "rf-ring" in meds and meds["rf-dev"][1]:
                a, b = meds["rf-ring"], meds["rf-dev"]
                row += f"  ring/dev={a[0] / b[0]:.2f}x ({a[1] / b[2]:.2f}-{a[2] / b[1]:.2f})"
            if len(meds):
                print(row)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
