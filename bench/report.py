# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/run.py's summary, table, targets and chart (kept apart so run.py stays readable)."""

import os
import statistics
import subprocess

BASELINE = "rf-dev"
BUSY = "@busy"

# The targets of issue 12, ring / ringfuse over /dev/fuse in the same run unless the reference
# is a number (an absolute floor in the case's unit). (backing, case, config, reference, factor)
# Reported as met / missed, never asserted.
TARGETS = [
    ("blk-1ms", "randread-4k-j16", "rf-ring", "rf-dev", 1.0),
    # within 10% of max_threads (10) / service time (1 ms)
    ("blk-1ms", "randread-4k-j16", "rf-ring", 10 / 1e-3, 0.9),
    ("tmpfs", "randread-4k-qd32", "rf-ring", "rf-dev", 1.3),
    ("tmpfs", "randwrite-4k-qd32", "rf-ring", "rf-dev", 1.3),
    ("tmpfs", "read-1m-qd8", "rf-ring", "rf-dev", 1.1),
    ("tmpfs", "write-1m-qd8", "rf-ring", "rf-dev", 1.1),
    ("disk", "randread-4k-qd32-cold", "rf-ring", "rf-dev", 1.0),
    ("disk", "randread-4k-qd32-cold", "rf-ring", "native", 0.8),
    ("tmpfs", "randread-4k-j1", "rf-ring", "rf-dev", 1.9),
    ("tmpfs", "create", "rf-ring", "rf-dev", 2.0),
    ("tmpfs", "randread-4k-j1", "rf-ring-pt", "native", 0.85),
]


def cases_of(summary, kind, order):
    """The cases with results for a backing, in the order they were defined (busy after idle)."""
    present = {k[1] for k in summary if k[0] == kind}
    out = [c for c in order if c in present]
    out += [c + BUSY for c in order if c + BUSY in present]
    return out


def summarize(results, status, configs, backings):
    summary = {}
    groups = {}
    for r in results:
        groups.setdefault((r["backing"], r["case"], r["config"]), []).append(r)
    for (kind, case, name), rs in groups.items():
        if kind not in backings or status.get((kind, name)):
            continue
        vals = [r["value"] for r in rs]
        cpus = [r["daemon_cpu_us_per_op"] for r in rs if r.get("daemon_cpu_us_per_op") is not None]
        csw = [r["daemon_csw_per_op"] for r in rs if r.get("daemon_csw_per_op") is not None]
        idle = [r["sched_idle_threads"] for r in rs if r.get("sched_idle_threads") is not None]
        summary[(kind, case, name)] = dict(
            median=statistics.median(vals), min=min(vals), max=max(vals), n=len(vals),
            unit=rs[0]["unit"],
            cpu_us_per_op=statistics.median(cpus) if cpus else None,
            csw_per_op=statistics.median(csw) if csw else None,
            sched_idle_threads=statistics.median(idle) if idle else None)
    return summary


def fmt(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    if v >= 1e4:
        return f"{v / 1e3:.0f}k"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.2f}"


def ratio_range(a, b):
    """Median ratio and the widest spread the samples allow (min/max against max/min)."""
    return a["median"] / b["median"], a["min"] / b["max"], a["max"] / b["min"]


def targets(summary, kind, order):
    lines = ["targets (ratio of medians, and the range the min-max samples allow)"]
    want = [t for t in TARGETS if t[0] == kind]
    # a busy machine: the ring must stay >= 0.9x /dev/fuse in every case
    want += [(kind, c, "rf-ring", BASELINE, 0.9) for c in cases_of(summary, kind, order)
             if c.endswith(BUSY)]
    # never slower than Debian's libfuse 3.14
    want += [(kind, c, "rf-ring", "sys", 1.0) for c in cases_of(summary, kind, order)
             if not c.endswith(BUSY)]
    for _k, case, cfg, ref, factor in want:
        a = summary.get((kind, case, cfg))
        if isinstance(ref, (int, float)):
            if a:
                r = a["median"] / ref
                verdict = "met" if r >= factor else "MISSED"
                lines.append(f"  {case:24s} {cfg} = {fmt(a['median'])} ({fmt(a['min'])}-"
                             f"{fmt(a['max'])}), {r:.2f}x of {fmt(ref)} (want >= {factor}x):"
                             f" {verdict}")
            continue
        b = summary.get((kind, case, ref))
        if a and b and b["median"] and b["min"]:
            r, lo, hi = ratio_range(a, b)
            verdict = "met" if r >= factor else "MISSED"
            lines.append(f"  {case:24s} {cfg} / {ref} = {r:.2f}x ({lo:.2f}-{hi:.2f})"
                         f" (want >= {factor}x): {verdict}")
        else:
            lines.append(f"  {case:24s} {cfg} / {ref}: no data (want >= {factor}x)")
    return lines


def table(summary, status, configs, backings, order):
    lines = []
    for kind in backings:
        kconf = configs.get(kind, [])
        names = [c[0] for c in kconf]
        cases = cases_of(summary, kind, order)
        lines.append(f"== backing: {kind} ==")
        for name, label, *_ in kconf:
            st = status.get((kind, name))
            hwm = status.get((kind, name, "hwm"))
            lines.append(f"  {name:11s} {label}" + (f"  FAILED: {st}" if st else "") +
                         (f"  (peak RSS {hwm} KiB)" if hwm else ""))
            for l in status.get((kind, name, "stats")) or []:
                if l.startswith("passthrough_hp-stats:"):
                    lines.append(f"  {'':11s} {l}")
        lines.append("")
        lines.append("median (min-max)".ljust(35) + "".join(f"{n:>22s}" for n in names))
        for case in cases:
            unit = next((s["unit"] for (k, c, _n), s in summary.items()
                         if k == kind and c == case), "")
            row = f"{case:25s}{unit:>10s}"
            for n in names:
                s = summary.get((kind, case, n))
                cell = "FAILED" if status.get((kind, n)) else (
                    f"{fmt(s['median'])} ({fmt(s['min'])}-{fmt(s['max'])})" if s else "-")
                row += f"{cell:>22s}"
            lines.append(row)
        for base in (BASELINE, "native"):
            if base not in names:
                continue
            lines.append("")
            lines.append(f"ratio to {base} (range)".ljust(35) + "".join(f"{n:>22s}" for n in names))
            for case in cases:
                row = f"{case:35s}"
                b = summary.get((kind, case, base))
                for n in names:
                    s = summary.get((kind, case, n))
                    if s and b and b["median"] and b["min"]:
                        r, lo, hi = ratio_range(s, b)
                        cell = f"{r:.2f}x ({lo:.2f}-{hi:.2f})"
                    else:
                        cell = "FAILED" if status.get((kind, n)) else "-"
                    row += f"{cell:>22s}"
                lines.append(row)
        lines.append("")
        lines += targets(summary, kind, order)
        for key, title in (("cpu_us_per_op", "daemon CPU us/op"),
                           ("csw_per_op", "daemon context switches/op"),
                           ("sched_idle_threads", "ring threads in SCHED_IDLE (mean)")):
            lines.append("")
            lines.append(title.ljust(35) + "".join(f"{n:>12s}" for n in names))
            for case in cases:
                row = f"{case:35s}"
                for n in names:
                    s = summary.get((kind, case, n))
                    row += f"{fmt(s[key]) if s else '-':>12s}"
                lines.append(row)
        lines.append("")
    return "\n".join(lines)


def chart(summary, configs, kind, out, order, log):
    """Bars: each configuration's median divided by ringfuse over /dev/fuse's, per case."""
    names = [c[0] for c in configs]
    cases = cases_of(summary, kind, order)
    labels = {c[0]: c[1] for c in configs}
    # without a ringfuse /dev/fuse result (e.g. the library does not build yet) the bars are
    # relative to native, and the title says so
    base = BASELINE if any((kind, c, BASELINE) in summary for c in cases) else "native"
    if not any((kind, c, base) in summary for c in cases):
        log(f"chart: no {base} results for {kind}, no chart")
        return None
    # configurations without any result (failed) get no bars; the table says why
    names = [n for n in names if any((kind, c, n) in summary for c in cases)]
    dat = os.path.join(out, f"bench-{kind}.dat")
    with open(dat, "w") as f:
        f.write("case " + " ".join(names) + "\n")
        for case in cases:
            b = summary.get((kind, case, base))
            row = [case]
            for n in names:
                s = summary.get((kind, case, n))
                row.append(f"{s['median'] / b['median']:.4f}" if s and b and b["median"]
                           else "NaN")
            f.write(" ".join(row) + "\n")
    ratios = [summary[(kind, c, n)]["median"] / summary[(kind, c, base)]["median"]
              for c in cases for n in names
              if (kind, c, n) in summary and (kind, c, base) in summary
              and summary[(kind, c, base)]["median"]]
    ymin = max(min(ratios, default=0.5) / 1.5, 1e-4)
    ymax = max(ratios, default=2) * 1.5
    png = os.path.join(out, f"bench-{kind}.png")
    plots = ", ".join(
        (f"'{dat}' using {i + 2}:xtic(1) title '{labels[n]}'" if i == 0 else
         f"'' using {i + 2} title '{labels[n]}'") for i, n in enumerate(names))
    gp = f"""
set terminal pngcairo size 1400,650 font ",10"
set output '{png}'
set title "ringfuse benchmark ({kind}): median / median of {labels.get(base, base)} (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "NaN"
set logscale y 2
set yrange [{ymin}:{ymax}]
set grid ytics
set ylabel "ratio to {labels.get(base, base)} (log2)"
set xtics rotate by -35 scale 0 noenhanced
set key outside right top vertical noenhanced
plot {plots}
"""
    gpfile = os.path.join(out, f"bench-{kind}.gp")
    with open(gpfile, "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", gpfile], timeout=60, check=False, capture_output=True,
                       text=True)
    if r.returncode != 0:
        log(f"gnuplot failed: {r.stderr.strip()}")
        return None
    return png


def markdown(summary, status, configs, backings, order):
    """The same results as table(), as Markdown tables for doc/benchmarks.md: per backing,
    median (min-max) per configuration, ring / dev with its sample range, and the daemon's
    CPU and context switches per operation for /dev/fuse, the ring and libfuse 3.14."""
    out = []
    for kind in backings:
        names = [c[0] for c in configs.get(kind, [])]
        cases = cases_of(summary, kind, order)
        if not cases:
            continue
        out.append(f"#### {kind}\n")
        cost = [n for n in ("rf-dev", "rf-ring", "sys") if n in names]
        head = ["case", "unit"] + names + ["ring ÷ dev (range)"] + \
            [f"CPU µs/op {n}" for n in cost] + [f"csw/op {n}" for n in cost]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + " --- |" * len(head))
        for case in cases:
            unit = next((s["unit"] for (k, c, _n), s in summary.items()
                         if k == kind and c == case), "")
            row = [case, unit]
            for n in names:
                s = summary.get((kind, case, n))
                row.append("FAILED" if status.get((kind, n)) else (
                    f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})" if s else "-"))
            a, b = summary.get((kind, case, "rf-ring")), summary.get((kind, case, BASELINE))
            if a and b and b["median"] and b["min"]:
                r, lo, hi = ratio_range(a, b)
                row.append(f"{r:.2f}× ({lo:.2f}–{hi:.2f})")
            else:
                row.append("-")
            for key in ("cpu_us_per_op", "csw_per_op"):
                for n in cost:
                    s = summary.get((kind, case, n))
                    row.append(fmt(s[key]) if s else "-")
            out.append("| " + " | ".join(row) + " |")
        out.append("")
        out += ["```"] + targets(summary, kind, order) + ["```", ""]
    return "\n".join(out)
