#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ringfuse's benchmark driver (not a test: it asserts nothing about time).

Mounts one backing directory several ways at once -- native (no FUSE), example/passthrough_hp on
ringfuse over /dev/fuse, over io-uring, over io-uring with FUSE passthrough, and
passthrough_hp-sys on the system's libfuse 3.14 -- then runs fio (4k random, 128k and 1M
sequential, direct=1, psync) and bench/metabench (create, stat, statx FORCE_SYNC, rename,
unlink, readdir) against every mount, interleaving configurations and repeating. It records the
daemon's CPU time per operation and its peak RSS, prints medians with min-max and ratios, and
writes results.json, table.txt and a gnuplot PNG per backing into --out.

A configuration whose daemon does not mount, or (for io-uring ones) whose log shows that the
ring was not used, is reported as FAILED with the reason, never as a number.

    python3 bench/run.py [--quick|--full] --build BUILDDIR --out DIR
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENABLE_URING = "/sys/module/fuse/parameters/enable_uring"
DATA_SIZE = 256 << 20

# name, label, binary ("hp" = ringfuse build, "hp-sys" = system libfuse build), daemon args,
# whether the ring must carry the requests
CONFIGS = [
    ("native", "native (no FUSE)", None, [], False),
    ("rf-dev", "ringfuse /dev/fuse", "hp", [], False),
    ("rf-ring", "ringfuse io-uring", "hp", ["-o", "io_uring"], True),
    ("rf-ring-pt", "ringfuse io-uring + passthrough", "hp", ["-o", "io_uring", "--passthrough"],
     True),
    ("sys", "libfuse 3.14 /dev/fuse", "hp-sys", [], False),
]
BASELINE = "rf-dev"

# name, fio rw, block size, numjobs, reported unit
FIO_CASES = [
    ("randread-4k-j1", "randread", "4k", 1, "IOPS"),
    ("randread-4k-j2", "randread", "4k", 2, "IOPS"),
    ("randwrite-4k-j1", "randwrite", "4k", 1, "IOPS"),
    ("randwrite-4k-j2", "randwrite", "4k", 2, "IOPS"),
    ("read-128k", "read", "128k", 1, "MiB/s"),
    ("write-128k", "write", "128k", 1, "MiB/s"),
    ("read-1m", "read", "1m", 1, "MiB/s"),
    ("write-1m", "write", "1m", 1, "MiB/s"),
]
META_CASES = ["create", "stat", "statx_sync", "rename", "unlink", "readdir"]
META_UNITS = {"readdir": "entries/s"}

MODES = {
    # fio seconds per case, repetitions, metabench files, readdir entries, readdir seconds
    "quick": dict(runtime=1, reps=3, meta_n=2000, rd_entries=10000, rd_secs=0.5,
                  backings=["tmpfs"]),
    "full": dict(runtime=5, reps=3, meta_n=20000, rd_entries=10000, rd_secs=2.0,
                 backings=["tmpfs", "disk"]),
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, timeout, **kw):
    return subprocess.run(cmd, timeout=timeout, check=False, **kw)


def is_mounted(path, fuse_only=True):
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                parts = line.split()
                sep = parts.index("-")
                if parts[4] == path and (not fuse_only or parts[sep + 1].startswith("fuse")):
                    return True
    except OSError:
        pass
    return False


def proc_cpu(pid):
    """utime + stime of pid in seconds, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Daemon:
    """One passthrough_hp mount; stop() always unmounts and reaps, with bounded waits."""

    def __init__(self, name, argv, src, mnt, logpath, ring):
        self.name, self.argv, self.src, self.mnt = name, argv, src, mnt
        self.logpath, self.ring = logpath, ring
        self.proc = None
        self.failed = None
        self.hwm = None

    def log_text(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        env = dict(os.environ, RINGFUSE_STATS="1")
        logf = open(self.logpath, "w")
        try:
            self.proc = subprocess.Popen(self.argv + [self.src, self.mnt], stdout=logf,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=env)
        except OSError as e:
            self.failed = f"cannot start: {e}"
            return False
        finally:
            logf.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if is_mounted(self.mnt):
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not is_mounted(self.mnt):
            tail = self.log_text().strip().splitlines()[-3:]
            self.failed = "did not mount: " + (" | ".join(tail) or f"exit {self.proc.poll()}")
            self.stop()
            return False
        if self.ring:
            time.sleep(0.2)
            if "io_uring unavailable" in self.log_text():
                self.failed = "fell back to /dev/fuse (io_uring unavailable)"
                self.stop()
                return False
        return True

    def cpu(self):
        return proc_cpu(self.proc.pid) if self.proc and self.proc.poll() is None else None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.hwm = proc_hwm_kib(self.proc.pid)
        if is_mounted(self.mnt):
            r = run(["umount", self.mnt], 30, capture_output=True)
            if r.returncode != 0:
                run(["umount", "-l", self.mnt], 30, capture_output=True)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.ring and self.failed is None:
            text = self.log_text()
            if "io_uring unavailable" in text:
                self.failed = "fell back to /dev/fuse (io_uring unavailable)"
            elif "ringfuse-stats: queue=" not in text:
                self.failed = "no ringfuse-stats queue lines at exit: ring use not shown"
        self.proc_done = True


def write_data_file(path):
    block = (bytes(range(256)) * 4096)  # 1 MiB, not all zeros
    with open(path, "wb") as f:
        for _ in range(DATA_SIZE // len(block)):
            f.write(block)


def prepare_readdir_dir(path, entries):
    os.makedirs(path, exist_ok=True)
    for i in range(entries):
        with open(os.path.join(path, f"e{i:07d}"), "w"):
            pass


def fio_case(case, target_dir, runtime, out_json):
    name, rw, bs, jobs, _unit = case
    cmd = ["fio", "--output-format=json", f"--output={out_json}", f"--name={name}",
           f"--filename={target_dir}/fio.dat", f"--size={DATA_SIZE}", f"--rw={rw}",
           f"--bs={bs}", f"--numjobs={jobs}", "--ioengine=psync", "--direct=1",
           "--group_reporting", "--time_based", f"--runtime={runtime}", "--norandommap",
           "--randrepeat=0", "--allow_file_create=0"]
    r = run(cmd, runtime + 120, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"fio {name}: {r.stderr.strip()[-300:]}")
    with open(out_json) as f:
        text = f.read()
    job = json.loads(text[text.index("{"):])["jobs"][0]
    ios = job["read"]["total_ios"] + job["write"]["total_ios"]
    side = job["read"] if rw in ("read", "randread") else job["write"]
    return {"iops": side["iops"], "mib_s": side["bw_bytes"] / (1 << 20), "ios": ios,
            "clat_us": side["clat_ns"]["mean"] / 1000.0}


def metabench(binary, target_dir, rd_dir, pid, opts):
    cmd = [binary, "-n", str(opts["meta_n"]), "--readdir-secs", str(opts["rd_secs"]),
           "--readdir-dir", rd_dir]
    if pid:
        cmd += ["--pid", str(pid)]
    r = run(cmd + [target_dir], 600, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"metabench: {r.stderr.strip()[-300:]}")
    return json.loads(r.stdout)


def find_binaries(build, out):
    bins = {"hp": os.path.join(build, "example", "passthrough_hp"),
            "hp-sys": os.path.join(build, "example", "passthrough_hp-sys")}
    mb = os.path.join(build, "bench", "metabench")
    if not os.access(mb, os.X_OK):
        mb = os.path.join(out, "metabench")
        cc = shutil.which("cc") or shutil.which("gcc")
        r = run([cc, "-O2", "-Wall", "-o", mb, os.path.join(HERE, "metabench.c")], 120,
                capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"run.py: cannot build metabench: {r.stderr}")
    bins["metabench"] = mb
    return bins


def setup_backing(kind, work):
    root = os.path.join(work, kind)
    os.makedirs(root, exist_ok=True)
    if kind == "tmpfs":
        r = run(["mount", "-t", "tmpfs", "-o", "size=8g,mode=0755", "rfbench", root], 30,
                capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"mount tmpfs: {r.stderr.strip()}")
    return root


def teardown_backing(kind, root):
    if kind == "tmpfs":
        if is_mounted(root, fuse_only=False):
            if run(["umount", root], 60, capture_output=True).returncode != 0:
                run(["umount", "-l", root], 60, capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def bench_backing(kind, work, out, bins, opts, configs, results, status):
    root = setup_backing(kind, work)
    mnt_root = os.path.join(work, f"mnt-{kind}")
    daemons = {}
    try:
        targets = {}
        for name, label, binkey, args, ring in configs:
            src = os.path.join(root, name)
            os.makedirs(src)
            write_data_file(os.path.join(src, "fio.dat"))
            prepare_readdir_dir(os.path.join(src, "rd"), opts["rd_entries"])
            if binkey is None:
                targets[name] = src
                status[(kind, name)] = None
                continue
            binary = bins[binkey]
            mnt = os.path.join(mnt_root, name)
            os.makedirs(mnt)
            if not os.access(binary, os.X_OK):
                status[(kind, name)] = f"binary missing: {binary}"
                continue
            # --stats: the daemon prints its counters (GETXATTRs received, ring reads) at exit
            d = Daemon(name, [binary, "--stats"] + args, src, mnt,
                       os.path.join(out, "logs", f"{kind}-{name}.log"), ring)
            daemons[name] = d
            if d.start():
                targets[name] = mnt
                status[(kind, name)] = None
            else:
                status[(kind, name)] = d.failed
                log(f"[{kind}] {name}: FAILED: {d.failed}")
        alive = [c[0] for c in configs if c[0] in targets]
        for rep in range(opts["reps"]):
            order = alive[rep % len(alive):] + alive[:rep % len(alive)] if alive else []
            for case in FIO_CASES:
                for name in order:
                    d = daemons.get(name)
                    c0 = d.cpu() if d else None
                    try:
                        res = fio_case(case, targets[name], opts["runtime"],
                                       os.path.join(out, "logs", "fio-last.json"))
                    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                        log(f"[{kind}] {name} {case[0]}: error: {e}")
                        status[(kind, name)] = status.get((kind, name)) or f"fio error: {e}"
                        continue
                    c1 = d.cpu() if d else None
                    value = res["iops"] if case[4] == "IOPS" else res["mib_s"]
                    cpu = (c1 - c0) * 1e6 / res["ios"] if c0 is not None and c1 is not None \
                        and res["ios"] else None
                    results.append(dict(backing=kind, config=name, case=case[0], rep=rep,
                                        value=value, unit=case[4], clat_us=res["clat_us"],
                                        daemon_cpu_us_per_op=cpu))
                    log(f"[{kind}] rep {rep} {case[0]:16s} {name:11s} {value:12.1f} {case[4]}")
            for name in order:
                d = daemons.get(name)
                try:
                    mb = metabench(bins["metabench"], targets[name],
                                   os.path.join(targets[name], "rd"),
                                   d.proc.pid if d else None, opts)
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                    log(f"[{kind}] {name} metabench: error: {e}")
                    status[(kind, name)] = status.get((kind, name)) or f"metabench error: {e}"
                    continue
                for op in META_CASES:
                    ph = mb[op]
                    results.append(dict(backing=kind, config=name, case=op, rep=rep,
                                        value=ph["ops_per_s"], unit=META_UNITS.get(op, "ops/s"),
                                        daemon_cpu_us_per_op=ph.get("daemon_cpu_us_per_op")))
                log(f"[{kind}] rep {rep} metabench {name:11s} create {mb['create']['ops_per_s']:.0f}/s"
                    f" statx {mb['statx_sync']['ops_per_s']:.0f}/s")
    finally:
        for name, d in daemons.items():
            d.stop()
            if d.failed and not status.get((kind, name)):
                status[(kind, name)] = d.failed
            status[(kind, name, "hwm")] = d.hwm
            status[(kind, name, "stats")] = [l.strip() for l in d.log_text().splitlines()
                                             if "-stats:" in l]
        teardown_backing(kind, root)
        shutil.rmtree(mnt_root, ignore_errors=True)


def summarize(results, status, configs, backings):
    summary = {}
    for kind in backings:
        for case in [c[0] for c in FIO_CASES] + META_CASES:
            for name, *_ in configs:
                if status.get((kind, name)):
                    continue
                vals = [r["value"] for r in results
                        if r["backing"] == kind and r["case"] == case and r["config"] == name]
                cpus = [r["daemon_cpu_us_per_op"] for r in results
                        if r["backing"] == kind and r["case"] == case and r["config"] == name
                        and r.get("daemon_cpu_us_per_op") is not None]
                if not vals:
                    continue
                summary[(kind, case, name)] = dict(
                    median=statistics.median(vals), min=min(vals), max=max(vals), n=len(vals),
                    cpu_us_per_op=statistics.median(cpus) if cpus else None)
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


# The project's goals for the ring (reported, never asserted): (case, config, reference, factor)
TARGETS = [
    ("randread-4k-j1", "rf-ring", "rf-dev", 1.5),
    ("create", "rf-ring", "rf-dev", 2.5),
    ("statx_sync", "rf-ring", "rf-dev", 2.5),
    ("write-1m", "rf-ring", "rf-dev", 1.0),
    ("read-1m", "rf-ring", "rf-dev", 1.0),
    ("randread-4k-j1", "rf-ring-pt", "native", 0.85),
    ("read-128k", "rf-ring-pt", "native", 0.85),
    ("read-1m", "rf-ring-pt", "native", 0.85),
] + [(c, "rf-ring", "sys", 1.0) for c in [f[0] for f in FIO_CASES] + META_CASES]


def targets(summary, kind):
    lines = ["targets (median ratio, informational)"]
    for case, cfg, ref, factor in TARGETS:
        a, b = summary.get((kind, case, cfg)), summary.get((kind, case, ref))
        if a and b and b["median"]:
            r = a["median"] / b["median"]
            verdict = "met" if r >= factor else "NOT met"
            lines.append(f"  {case:16s} {cfg} / {ref} = {r:.2f}x (want >= {factor}x): {verdict}")
        else:
            lines.append(f"  {case:16s} {cfg} / {ref}: no data (want >= {factor}x)")
    return lines


def table(summary, status, configs, backings):
    lines = []
    names = [c[0] for c in configs]
    units = {c[0]: c[4] for c in FIO_CASES}
    cases = [c[0] for c in FIO_CASES] + META_CASES
    for kind in backings:
        lines.append(f"== backing: {kind} ==")
        for name, label, *_ in configs:
            st = status.get((kind, name))
            hwm = status.get((kind, name, "hwm"))
            lines.append(f"  {name:11s} {label}" + (f"  FAILED: {st}" if st else "") +
                         (f"  (peak RSS {hwm} KiB)" if hwm else ""))
            for l in status.get((kind, name, "stats")) or []:
                if l.startswith("passthrough_hp-stats:"):
                    lines.append(f"  {'':11s} {l}")
        lines.append("")
        lines.append("median (min-max)".ljust(28) + "".join(f"{n:>22s}" for n in names))
        for case in cases:
            unit = units.get(case, META_UNITS.get(case, "ops/s"))
            row = f"{case:17s}{unit:>10s} "
            for n in names:
                s = summary.get((kind, case, n))
                cell = "FAILED" if status.get((kind, n)) else (
                    f"{fmt(s['median'])} ({fmt(s['min'])}-{fmt(s['max'])})" if s else "missing")
                row += f"{cell:>22s}"
            lines.append(row)
        for base in (BASELINE, "native"):
            lines.append("")
            lines.append(f"ratio to {base}".ljust(28) + "".join(f"{n:>12s}" for n in names))
            for case in cases:
                row = f"{case:28s}"
                b = summary.get((kind, case, base))
                for n in names:
                    s = summary.get((kind, case, n))
                    cell = f"{s['median'] / b['median']:.2f}x" if s and b and b["median"] else (
                        "FAILED" if status.get((kind, n)) else "-")
                    row += f"{cell:>12s}"
                lines.append(row)
        lines.append("")
        lines += targets(summary, kind)
        lines.append("")
        lines.append("daemon CPU us/op".ljust(28) + "".join(f"{n:>12s}" for n in names))
        for case in cases:
            row = f"{case:28s}"
            for n in names:
                s = summary.get((kind, case, n))
                row += f"{fmt(s['cpu_us_per_op']) if s else '-':>12s}"
            lines.append(row)
        lines.append("")
    return "\n".join(lines)


def chart(summary, configs, kind, out):
    """Bars: each configuration's median divided by ringfuse over /dev/fuse's, per case."""
    names = [c[0] for c in configs]
    cases = [c[0] for c in FIO_CASES] + META_CASES
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
set title "ringfuse benchmark ({kind} backing): median / median of {labels.get(base, base)} (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "NaN"
set logscale y 2
set yrange [{ymin}:{ymax}]
set grid ytics
set ylabel "ratio to {labels.get(base, base)} (log2)"
set xtics rotate by -35 scale 0
set key outside right top vertical
plot {plots}
"""
    gpfile = os.path.join(out, f"bench-{kind}.gp")
    with open(gpfile, "w") as f:
        f.write(gp)
    r = run(["gnuplot", gpfile], 60, capture_output=True, text=True)
    if r.returncode != 0:
        log(f"gnuplot failed: {r.stderr.strip()}")
        return None
    return png


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="a few seconds per case (default)")
    mode.add_argument("--full", action="store_true", help="long runs, tmpfs and disk")
    ap.add_argument("--build", required=True, help="meson build directory")
    ap.add_argument("--out", required=True, help="directory for results")
    ap.add_argument("--reps", type=int, help="repetitions (at least 3 recommended)")
    ap.add_argument("--runtime", type=int, help="fio seconds per case")
    ap.add_argument("--configs", help="comma-separated subset of: " +
                    ",".join(c[0] for c in CONFIGS))
    ap.add_argument("--backings", help="comma-separated subset of: tmpfs,disk")
    a = ap.parse_args()

    if os.geteuid() != 0:
        sys.exit("run.py: must run as root (mounts tmpfs and FUSE filesystems)")
    if shutil.which("fio") is None:
        sys.exit("run.py: fio not found")
    modename = "full" if a.full else "quick"
    opts = dict(MODES[modename])
    if a.reps:
        opts["reps"] = a.reps
    if a.runtime:
        opts["runtime"] = a.runtime
    if a.backings:
        opts["backings"] = a.backings.split(",")
    configs = CONFIGS
    if a.configs:
        want = a.configs.split(",")
        configs = [c for c in CONFIGS if c[0] in want]
    out = os.path.abspath(a.out)
    build = os.path.abspath(a.build)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    bins = find_binaries(build, out)

    old_uring = None
    try:
        with open(ENABLE_URING) as f:
            old_uring = f.read().strip()
        with open(ENABLE_URING, "w") as f:
            f.write("Y")
    except OSError as e:
        log(f"run.py: cannot enable FUSE over io-uring ({e}); ring configurations will fail")

    # the disk backing must live on the root filesystem, not on a tmpfs /tmp
    load_before = os.getloadavg()
    work = tempfile.mkdtemp(prefix="ringfuse-bench.", dir="/var/tmp")
    results, status = [], {}
    started = time.time()
    try:
        for kind in opts["backings"]:
            bench_backing(kind, work, out, bins, opts, configs, results, status)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if old_uring is not None:
            try:
                with open(ENABLE_URING, "w") as f:
                    f.write(old_uring)
            except OSError:
                pass

    load_after = os.getloadavg()
    summary = summarize(results, status, configs, opts["backings"])
    text = table(summary, status, configs, opts["backings"])
    # the run itself keeps about two CPUs busy, so only the load found at the start tells
    # whether something else was running
    text = (f"load average (1 min) at start {load_before[0]:.1f}, at end {load_after[0]:.1f}"
            f" (the run itself adds about 2) on {os.cpu_count()} CPUs" +
            ("  -- WARNING: the machine was busy with other work at the start; numbers are noisy"
             if load_before[0] > 0.5 * (os.cpu_count() or 1) else "") + "\n\n" + text)
    print(text)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(text + "\n")
    uname = os.uname()
    doc = {
        "meta": {"mode": modename, "opts": opts, "kernel": uname.release,
                 "cpus": os.cpu_count(), "loadavg_before": load_before,
                 "loadavg_after": load_after, "started": time.strftime(
                     "%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                 "seconds": round(time.time() - started, 1),
                 "command": " ".join(sys.argv), "baseline": BASELINE},
        "configs": [{"name": c[0], "label": c[1], "binary": c[2], "args": c[3], "ring": c[4]}
                    for c in configs],
        "status": [{"backing": k[0], "config": k[1], "failed": v}
                   for k, v in status.items() if len(k) == 2],
        "peak_rss_kib": [{"backing": k[0], "config": k[1], "vmhwm_kib": v}
                         for k, v in status.items() if len(k) == 3 and k[2] == "hwm"],
        "daemon_stats": [{"backing": k[0], "config": k[1], "lines": v}
                         for k, v in status.items() if len(k) == 3 and k[2] == "stats"],
        "summary": [dict(backing=k[0], case=k[1], config=k[2], **v)
                    for k, v in summary.items()],
        "results": results,
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    missing = []
    for kind in opts["backings"]:
        png = chart(summary, configs, kind, out)
        if png:
            log(f"chart: {png}")
        else:
            missing.append(kind)
    log(f"results: {os.path.join(out, 'results.json')}")
    # failed configurations are reported in the table; only a run that produced nothing to
    # compare (no chart) is an error of the benchmark itself
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
