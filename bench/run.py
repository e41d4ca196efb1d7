#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ringfuse's benchmark driver (not a test: it asserts nothing about time).

Mounts one backing directory several ways at once -- native (no FUSE), example/passthrough_hp on
ringfuse over /dev/fuse, over io-uring, over io-uring with FUSE passthrough, and
passthrough_hp-sys on the system's libfuse 3.14 -- then runs fio (4k random and 128k/1M
sequential, direct=1, psync with 1-16 jobs and libaio at queue depth 8 and 32; on the disk
backing also 4k random reads with the page cache dropped) and bench/metabench (create, stat,
statx FORCE_SYNC, rename, unlink, readdir) against every mount. The blocking-backend cases mount
bench/blockfs (every LOOKUP, READ and WRITE waits 100 us or 1 ms) on ringfuse over /dev/fuse,
over io-uring, and on libfuse 3.14. With --busy every case runs a second time with two CPU-bound
processes beside it. Configurations alternate and repeat; the daemon's CPU time and context
switches per operation and its peak RSS are recorded; medians with min-max and ratios are
printed, and results.json, table.txt, table.md and a gnuplot PNG per backing are written
into --out.

A configuration whose daemon does not mount, or (for io-uring ones) whose log shows that the
ring was not used, is reported as FAILED with the reason, never as a number.

    python3 bench/run.py [--quick|--full] --build BUILDDIR --out DIR [--cases PATTERNS]
"""

import argparse
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import report

HERE = os.path.dirname(os.path.abspath(__file__))
ENABLE_URING = "/sys/module/fuse/parameters/enable_uring"
DROP_CACHES = "/proc/sys/vm/drop_caches"
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
# the blocking-backend filesystem: no backing directory, no native, no passthrough
BLK_CONFIGS = [
    ("rf-dev", "ringfuse /dev/fuse", "blk", [], False),
    ("rf-ring", "ringfuse io-uring", "blk", ["-o", "io_uring"], True),
    ("sys", "libfuse 3.14 /dev/fuse", "blk-sys", [], False),
]
BLK_DELAYS = {"blk-100us": 100, "blk-1ms": 1000}


def fio(name, rw, bs, jobs=1, qd=1, cold=False, quick=False, only=None):
    """One fio case: psync with `jobs` jobs, or libaio at iodepth `qd` (one job)."""
    return dict(name=name, rw=rw, bs=bs, jobs=jobs, qd=qd, cold=cold, quick=quick, only=only,
                unit="IOPS" if bs == "4k" else "MiB/s")


# passthrough_hp over tmpfs and the disk; quick=True: part of --quick; only: backings it runs on
FIO_CASES = [
    fio("randread-4k-j1", "randread", "4k", quick=True),
    fio("randread-4k-j2", "randread", "4k", jobs=2),
    fio("randread-4k-j4", "randread", "4k", jobs=4),
    fio("randread-4k-j16", "randread", "4k", jobs=16),
    fio("randwrite-4k-j1", "randwrite", "4k", quick=True),
    fio("randwrite-4k-j2", "randwrite", "4k", jobs=2),
    fio("read-128k", "read", "128k"),
    fio("write-128k", "write", "128k"),
    fio("read-1m", "read", "1m", quick=True),
    fio("write-1m", "write", "1m", quick=True),
    fio("randread-4k-qd32", "randread", "4k", qd=32, quick=True),
    fio("randwrite-4k-qd32", "randwrite", "4k", qd=32),
    fio("read-1m-qd8", "read", "1m", qd=8, quick=True),
    fio("write-1m-qd8", "write", "1m", qd=8),
    # the page cache is dropped before every run of it (and its backing files are read by the
    # daemon through that cache), so its first pass reads the disk
    fio("randread-4k-qd32-cold", "randread", "4k", qd=32, cold=True, only=("disk",)),
]
# blockfs: up to max_threads (10) handlers can wait at once over /dev/fuse
BLK_CASES = [
    fio("randread-4k-j1", "randread", "4k"),
    fio("randread-4k-j16", "randread", "4k", jobs=16, quick=True),
    fio("randread-4k-qd8", "randread", "4k", qd=8),
    fio("randread-4k-qd32", "randread", "4k", qd=32),
    fio("randwrite-4k-qd32", "randwrite", "4k", qd=32),
]
META_CASES = ["create", "stat", "statx_sync", "rename", "unlink", "readdir"]
META_UNITS = {"readdir": "entries/s"}
CASE_ORDER = list(dict.fromkeys([c["name"] for c in FIO_CASES + BLK_CASES] + META_CASES))

MODES = {
    # fio seconds per case, repetitions, metabench files, readdir entries, readdir seconds
    "quick": dict(runtime=1, reps=3, meta_n=2000, rd_entries=10000, rd_secs=0.5,
                  backings=["tmpfs", "blk-1ms"], busy=False),
    "full": dict(runtime=5, reps=3, meta_n=20000, rd_entries=10000, rd_secs=2.0,
                 backings=["tmpfs", "disk", "blk-100us", "blk-1ms"], busy=True),
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


def proc_ctxsw(pid):
    """Voluntary + involuntary context switches summed over the live threads of pid, or None.
    Threads that exited during a case take theirs with them (the /dev/fuse pool reaps idle
    workers), so this is a lower bound for pools that shrink."""
    total, seen = 0, False
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:",
                                        "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
                        seen = True
        except (OSError, ValueError):
            continue
    return total if seen else None


class PolicySampler:
    """Samples, every 50 ms while a case runs, how many of the daemon's threads are SCHED_IDLE
    (field 41 of /proc/PID/task/TID/stat is the policy; 5 is SCHED_IDLE). The ring's queue
    threads switch between SCHED_IDLE and SCHED_OTHER by themselves; this shows which of the
    two a run got."""

    def __init__(self, pid):
        self.pid, self.samples, self.stop_ev = pid, [], threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop_ev.wait(0.05):
            n = 0
            try:
                tids = os.listdir(f"/proc/{self.pid}/task")
            except OSError:
                return
            for tid in tids:
                try:
                    with open(f"/proc/{self.pid}/task/{tid}/stat") as f:
                        data = f.read()
                    if int(data[data.rindex(")") + 2:].split()[38]) == 5:
                        n += 1
                except (OSError, ValueError, IndexError):
                    continue
            self.samples.append(n)

    def __enter__(self):
        if self.pid:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.pid:
            self.stop_ev.set()
            self.thread.join(timeout=5)
        return False

    def mean(self):
        return sum(self.samples) / len(self.samples) if self.samples else None


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

    def __init__(self, name, argv, src, mnt, logpath, ring, env=None):
        self.name, self.argv, self.src, self.mnt = name, argv, src, mnt
        self.logpath, self.ring, self.env = logpath, ring, env or {}
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
        env = dict(os.environ, RINGFUSE_STATS="1", **self.env)
        logf = open(self.logpath, "w")
        paths = [self.src, self.mnt] if self.src else [self.mnt]
        try:
            self.proc = subprocess.Popen(self.argv + paths, stdout=logf,
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

    def csw(self):
        return proc_ctxsw(self.proc.pid) if self.proc and self.proc.poll() is None else None

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


def fio_case(case, path, runtime, out_json, client_cpus=None):
    cmd = ["fio", "--output-format=json", f"--output={out_json}", f"--name={case['name']}",
           f"--filename={path}", f"--size={DATA_SIZE}", f"--rw={case['rw']}",
           f"--bs={case['bs']}", f"--numjobs={case['jobs']}", "--direct=1",
           "--group_reporting", "--time_based", f"--runtime={runtime}", "--norandommap",
           "--randrepeat=0", "--allow_file_create=0"]
    if case["qd"] > 1:
        cmd += ["--ioengine=libaio", f"--iodepth={case['qd']}",
                f"--iodepth_batch_submit={max(1, case['qd'] // 4)}",
                f"--iodepth_batch_complete_min=1"]
    else:
        cmd += ["--ioengine=psync"]
    if client_cpus:
        cmd += [f"--cpus_allowed={client_cpus}"]
    r = run(cmd, runtime + 120, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"fio {case['name']}: {r.stderr.strip()[-300:]}")
    with open(out_json) as f:
        text = f.read()
    job = json.loads(text[text.index("{"):])["jobs"][0]
    ios = job["read"]["total_ios"] + job["write"]["total_ios"]
    side = job["read"] if case["rw"] in ("read", "randread") else job["write"]
    return {"iops": side["iops"], "mib_s": side["bw_bytes"] / (1 << 20), "ios": ios,
            "clat_us": side["clat_ns"]["mean"] / 1000.0}


def drop_caches():
    """Write back and drop the page cache, so the next read goes to the disk."""
    os.sync()
    with open(DROP_CACHES, "w") as f:
        f.write("3\n")


class Busy:
    """Two CPU-bound processes (shell `while :` loops) for the life of the block: a busy
    machine. They are killed by their own pids on the way out."""

    def __init__(self, on):
        self.on, self.procs = on, []

    def __enter__(self):
        if self.on:
            for _ in range(2):
                self.procs.append(subprocess.Popen(["sh", "-c", "while :; do :; done"],
                                                   stdin=subprocess.DEVNULL))
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait(timeout=10)
        self.procs = []
        return False


def metabench(binary, target_dir, rd_dir, pid, opts):
    cmd = (["taskset", "-c", opts["client_cpus"]] if opts.get("client_cpus") else []) + \
        [binary, "-n", str(opts["meta_n"]), "--readdir-secs", str(opts["rd_secs"]),
           "--readdir-dir", rd_dir]
    if pid:
        cmd += ["--pid", str(pid)]
    r = run(cmd + [target_dir], 600, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"metabench: {r.stderr.strip()[-300:]}")
    return json.loads(r.stdout)


def find_binaries(build, out):
    bins = {"hp": os.path.join(build, "example", "passthrough_hp"),
            "hp-sys": os.path.join(build, "example", "passthrough_hp-sys"),
            "blk": os.path.join(build, "bench", "blockfs"),
            "blk-sys": os.path.join(build, "bench", "blockfs-sys")}
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


def start_daemons(kind, root, mnt_root, out, bins, opts, configs, status, daemons):
    """Mount every configuration of a backing; returns {config: directory to test in}."""
    targets = {}
    blk = kind in BLK_DELAYS
    for name, label, binkey, args, ring in configs:
        src = None
        if not blk:
            src = os.path.join(root, name)
            os.makedirs(src)
            write_data_file(os.path.join(src, "fio.dat"))
            if opts["meta"]:
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
        if blk:
            argv = [binary, "-f", "-o", f"delay_us={BLK_DELAYS[kind]},size_mib={DATA_SIZE >> 20}"]
        else:
            # --stats: the daemon prints its counters (GETXATTRs received, ring reads) at exit
            argv = [binary, "--stats"]
        d = Daemon(name, argv + args, src, mnt, os.path.join(out, "logs", f"{kind}-{name}.log"),
                   ring, opts.get("daemon_env"))
        daemons[name] = d
        if d.start():
            targets[name] = mnt
            status[(kind, name)] = None
        else:
            status[(kind, name)] = d.failed
            log(f"[{kind}] {name}: FAILED: {d.failed}")
    return targets


def run_fio(kind, rep, case, load, name, path, d, opts, out, results, status):
    if case["cold"]:
        drop_caches()
    c0, s0 = (d.cpu(), d.csw()) if d else (None, None)
    try:
        with PolicySampler(d.proc.pid if d and d.ring else None) as sampler:
            res = fio_case(case, path, opts["runtime"],
                           os.path.join(out, "logs", "fio-last.json"), opts.get("client_cpus"))
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
        log(f"[{kind}] {name} {case['name']}: error: {e}")
        status[(kind, name)] = status.get((kind, name)) or f"fio error: {e}"
        return
    c1, s1 = (d.cpu(), d.csw()) if d else (None, None)
    value = res["iops"] if case["unit"] == "IOPS" else res["mib_s"]
    ios = res["ios"]
    cpu = (c1 - c0) * 1e6 / ios if c0 is not None and c1 is not None and ios else None
    csw = (s1 - s0) / ios if s0 is not None and s1 is not None and ios else None
    cname = case["name"] + (report.BUSY if load else "")
    results.append(dict(backing=kind, config=name, case=cname, rep=rep, value=value,
                        unit=case["unit"], clat_us=res["clat_us"], daemon_cpu_us_per_op=cpu,
                        daemon_csw_per_op=csw, sched_idle_threads=sampler.mean()))
    idle = sampler.mean()
    log(f"[{kind}] rep {rep} {cname:26s} {name:11s} {value:12.1f} {case['unit']}" +
        (f"  (SCHED_IDLE threads: {idle:.2f} on average)" if idle is not None else ""))


def run_meta(kind, rep, load, name, path, d, bins, opts, results, status):
    try:
        mb = metabench(bins["metabench"], path, os.path.join(path, "rd"),
                       d.proc.pid if d else None, opts)
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
        log(f"[{kind}] {name} metabench: error: {e}")
        status[(kind, name)] = status.get((kind, name)) or f"metabench error: {e}"
        return
    sfx = report.BUSY if load else ""
    for op in META_CASES:
        ph = mb[op]
        results.append(dict(backing=kind, config=name, case=op + sfx, rep=rep,
                            value=ph["ops_per_s"], unit=META_UNITS.get(op, "ops/s"),
                            daemon_cpu_us_per_op=ph.get("daemon_cpu_us_per_op")))
    log(f"[{kind}] rep {rep} metabench{sfx} {name:11s} create {mb['create']['ops_per_s']:.0f}/s"
        f" statx {mb['statx_sync']['ops_per_s']:.0f}/s")


def bench_backing(kind, work, out, bins, opts, configs, results, status):
    blk = kind in BLK_DELAYS
    cases = [c for c in (BLK_CASES if blk else FIO_CASES)
             if opts["want"](c) and (c["only"] is None or kind in c["only"])]
    opts = dict(opts, meta=not blk and opts["want_meta"])
    if not cases and not opts["meta"]:
        return
    root = None if blk else setup_backing(kind, work)
    mnt_root = os.path.join(work, f"mnt-{kind}")
    daemons = {}
    loads = opts["loads"]
    try:
        targets = start_daemons(kind, root, mnt_root, out, bins, opts, configs, status, daemons)
        alive = [c[0] for c in configs if c[0] in targets]
        for rep in range(opts["reps"]):
            # the order rotates so that slow drifts of the machine hit every configuration
            order = alive[rep % len(alive):] + alive[:rep % len(alive)] if alive else []
            for case in cases:
                path_of = (lambda n: os.path.join(targets[n], "data")) if blk else \
                    (lambda n: os.path.join(targets[n], "fio.dat"))
                for load in loads:
                    with Busy(load):
                        for name in order:
                            run_fio(kind, rep, case, load, name, path_of(name),
                                    daemons.get(name), opts, out, results, status)
            if opts["meta"]:
                for load in loads:
                    with Busy(load):
                        for name in order:
                            run_meta(kind, rep, load, name, targets[name], daemons.get(name),
                                     bins, opts, results, status)
    finally:
        for name, d in daemons.items():
            d.stop()
            if d.failed and not status.get((kind, name)):
                status[(kind, name)] = d.failed
            status[(kind, name, "hwm")] = d.hwm
            status[(kind, name, "stats")] = [l.strip() for l in d.log_text().splitlines()
                                             if "-stats:" in l]
        if root:
            teardown_backing(kind, root)
        shutil.rmtree(mnt_root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true",
                      help="one second per case, a subset of the cases (default)")
    mode.add_argument("--full", action="store_true",
                      help="every case, 5 s each, all backings, idle and busy")
    ap.add_argument("--build", required=True, help="meson build directory")
    ap.add_argument("--out", required=True, help="directory for results")
    ap.add_argument("--reps", type=int, help="repetitions (at least 3 recommended)")
    ap.add_argument("--runtime", type=int, help="fio seconds per case")
    ap.add_argument("--configs", help="comma-separated subset of: " +
                    ",".join(c[0] for c in CONFIGS))
    ap.add_argument("--backings", help="comma-separated subset of: tmpfs,disk," +
                    ",".join(BLK_DELAYS))
    ap.add_argument("--cases", help="comma-separated case names or shell patterns (e.g. "
                    "'randread-4k-*,metabench'); overrides the mode's choice of cases")
    ap.add_argument("--busy", choices=["no", "also", "only"],
                    help="run each case beside two CPU-bound processes: no, also (full's "
                    "default), only")
    ap.add_argument("--client-cpus", help="CPU list for fio (cpus_allowed) and metabench "
                    "(taskset), e.g. 0 or 1")
    ap.add_argument("--daemon-env", action="append", default=[], metavar="VAR=VALUE",
                    help="extra environment for every daemon (e.g. RINGFUSE_RING_SCHED_IDLE=0)")
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
    busy = a.busy or ("also" if opts["busy"] else "no")
    opts["loads"] = {"no": [False], "also": [False, True], "only": [True]}[busy]
    opts["client_cpus"] = a.client_cpus
    opts["daemon_env"] = dict(e.split("=", 1) for e in a.daemon_env)
    patterns = a.cases.split(",") if a.cases else None
    if patterns:
        opts["want"] = lambda c: any(fnmatch.fnmatch(c["name"], p) for p in patterns)
        opts["want_meta"] = any(fnmatch.fnmatch(n, p) for p in patterns
                                for n in META_CASES + ["metabench"])
    else:
        opts["want"] = (lambda c: True) if modename == "full" else (lambda c: c["quick"])
        opts["want_meta"] = True
    want_cfg = a.configs.split(",") if a.configs else None
    configs = {}
    for kind in opts["backings"]:
        if kind not in ("tmpfs", "disk") and kind not in BLK_DELAYS:
            sys.exit(f"run.py: unknown backing {kind}")
        base = BLK_CONFIGS if kind in BLK_DELAYS else CONFIGS
        configs[kind] = [c for c in base if want_cfg is None or c[0] in want_cfg]
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
            bench_backing(kind, work, out, bins, opts, configs[kind], results, status)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if old_uring is not None:
            try:
                with open(ENABLE_URING, "w") as f:
                    f.write(old_uring)
            except OSError:
                pass

    load_after = os.getloadavg()
    summary = report.summarize(results, status, configs, opts["backings"])
    text = report.table(summary, status, configs, opts["backings"], CASE_ORDER)
    # the run itself keeps about two CPUs busy, so only the load found at the start tells
    # whether something else was running
    text = (f"load average (1 min) at start {load_before[0]:.1f}, at end {load_after[0]:.1f}"
            f" (the run itself adds about 2) on {os.cpu_count()} CPUs" +
            ("  -- WARNING: the machine was busy with other work at the start; numbers are noisy"
             if load_before[0] > 0.5 * (os.cpu_count() or 1) else "") + "\n" +
            f"command: {' '.join(sys.argv)}\n\n" + text)
    print(text)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(report.markdown(summary, status, configs, opts["backings"], CASE_ORDER))
    uname = os.uname()
    jopts = {k: v for k, v in opts.items() if not callable(v)}
    doc = {
        "meta": {"mode": modename, "opts": jopts, "kernel": uname.release,
                 "cpus": os.cpu_count(), "loadavg_before": load_before,
                 "loadavg_after": load_after, "started": time.strftime(
                     "%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                 "seconds": round(time.time() - started, 1),
                 "command": " ".join(sys.argv), "baseline": report.BASELINE},
        "configs": {k: [{"name": c[0], "label": c[1], "binary": c[2], "args": c[3],
                         "ring": c[4]} for c in v] for k, v in configs.items()},
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
        if not any(k[0] == kind for k in summary):
            continue
        png = report.chart(summary, configs[kind], kind, out, CASE_ORDER, log)
        if png:
            log(f"chart: {png}")
        else:
            missing.append(kind)
    log(f"results: {os.path.join(out, 'results.json')}")
    # failed configurations are reported in the table; only a run that produced nothing to
    # compare (no chart) is an error of the benchmark itself
    return 1 if missing or not summary else 0


if __name__ == "__main__":
    sys.exit(main())
