#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Mount harness: run one test command against a FUSE daemon mounted for real.

It owns the life of one test mount: a unique temporary directory with src/ and mnt/, the daemon
started in the foreground (`-f`) with its stderr captured to a file, a bounded wait until the
mount shows up in /proc/self/mountinfo, the test command run as `CMD... MNT SRC`, the unmount
(umount, or fusermount3 -u for an unprivileged daemon), a bounded wait for the daemon to exit
(10 s, then SIGTERM, then SIGKILL + umount -l, which is a failure; the daemon must exit 0 and
leave no process and no mount behind), a scan of dmesg for new kernel complaints and of the
daemon's stderr for sanitizer reports, and the clean-up, which happens whatever went wrong. With `--transport uring`
it also switches /sys/module/fuse/parameters/enable_uring on (restoring it afterwards), passes
`-o io_uring`, sets RINGFUSE_STATS=1 and fails unless the daemon's `ringfuse-stats:` lines and
its `fuse-ring-*` threads prove the ring carried the requests (uring line present, one
queue line per possible CPU, requests > 0 on the queues, commit_errors=0, dev other=0; the
--queues/--min-ring-requests/--dev-other/--expect-ring-threads/--expect-fallback flags adjust
these expectations). Exit status: 0 pass, 1 fail,
77 skip (printed with the reason). The daemon's stderr is printed whenever the run fails.

Reusable pieces (import harness, or run this file with --help):
  possible_cpus()                  number of CPUs in /sys/devices/system/cpu/possible
  make_workdir(owner=None)         -> (base, src, mnt); owner = (uid, gid) chowns src and mnt
  is_mounted(path)                 whether path is a mount point in /proc/self/mountinfo
  mount_entry(path)                its mountinfo fields, or None
  start_daemon(argv, stderr_path, env=None, user=None)  -> Popen (own process group)
  wait_mounted(mnt, proc, stderr_path, timeout=10)      -> mountinfo fields; HarnessError
  ring_threads(pid)                names of the daemon's threads called fuse-ring-*
  wait_until(pred, timeout, step=0.05)  poll pred() until true or timeout; its last value
  on_every_cpu(work)               work(index, cpu) -> list of problems, run at the same time in
                                   one child pinned to each CPU; -> all problems (a crashed
                                   child is one); so requests reach every ring queue together
  unmount(mnt, user=None)          umount (root) or fusermount3 -u (as user); retries on EBUSY
  stop_daemon(proc, mnt, timeout=10)  -> (returncode, problems list)
  parse_stats(text)                ringfuse-stats lines -> dict (see check_uring_stats)
  check_uring_stats(stats, queues, min_requests=1, dev_other=0)  -> list of problems
  UringParam(value)                context manager: set enable_uring, restore the old value
  DmesgWatch()                     .start() then .problems(): new BUG:/WARNING:/fuse errors
  sanitizer_reports(text)          ASan/UBSan/TSan/LSan findings in a daemon's stderr
  run_mount_test(cfg)              the whole sequence above; cfg = parse_args([...])
  reexec_with_private_dev_fuse(argv), bind_open_dev_fuse(dir)
                                   --private-dev-fuse: a 0666 /dev/fuse in a private mount
                                   namespace, for unprivileged mounts where /dev/fuse is 0600
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
URING_PARAM = "/sys/module/fuse/parameters/enable_uring"


class HarnessError(Exception):
    """A failure of the mount machinery itself (not of the test command)."""


class Skip(Exception):
    """The test cannot run here; the message says why."""


def log(msg):
    print("harness: " + msg, flush=True)


def possible_cpus(path="/sys/devices/system/cpu/possible"):
    """Count CPUs in a list like '0-3,5,7-8' (the kernel makes one ring queue per entry)."""
    with open(path) as f:
        text = f.read().strip()
    n = 0
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            n += int(hi) - int(lo) + 1
        elif part:
            n += 1
    return n


def _unescape_mountinfo(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def mount_entry(path):
    """The mountinfo line for mount point `path` (last one wins), split into fields."""
    path = os.path.realpath(path)
    found = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 4 and _unescape_mountinfo(fields[4]) == path:
                found = fields
    return found


def is_mounted(path):
    return mount_entry(path) is not None


def make_workdir(owner=None):
    """A fresh directory with src/ and mnt/ inside; owner=(uid, gid) hands both to that user."""
    base = tempfile.mkdtemp(prefix="ringfuse-mount-")
    os.chmod(base, 0o755)
    src = os.path.join(base, "src")
    mnt = os.path.join(base, "mnt")
    os.mkdir(src, 0o755)
    os.mkdir(mnt, 0o755)
    if owner is not None:
        for d in (src, mnt):
            os.chown(d, owner[0], owner[1])
    return base, src, mnt


def _as_user(argv, user):
    """Prefix argv so it runs as (uid, gid) with no supplementary groups."""
    if user is None:
        return list(argv)
    uid, gid = user
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "--"] + list(argv)


def start_daemon(argv, stderr_path, env=None, user=None):
    """Start the daemon in its own process group with stderr to a file, stdout to the same."""
    err = open(stderr_path, "wb")
    try:
        return subprocess.Popen(_as_user(argv, user), stdin=subprocess.DEVNULL, stdout=err,
                                stderr=err, env=env, start_new_session=True)
    finally:
        err.close()


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)


def wait_mounted(mnt, proc, stderr_path, timeout=10.0):
    """Poll mountinfo until mnt is a fuse mount; fail early if the daemon exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ent = mount_entry(mnt)
        if ent is not None:
            # Fields after the " - " separator: fstype, source, super options.
            sep = ent.index("-")
            fstype = ent[sep + 1]
            if not fstype.startswith("fuse"):
                raise HarnessError("%s is mounted as %s, not fuse" % (mnt, fstype))
            return ent
        rc = proc.poll()
        if rc is not None:
            raise HarnessError("daemon exited with status %d before mounting:\n%s"
                               % (rc, read_text(stderr_path)))
        time.sleep(0.05)
    raise HarnessError("%s not mounted after %.0f s" % (mnt, timeout))


def thread_names(pid):
    names = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return names
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return names


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def on_every_cpu(work):
    kids = []
    for i, cpu in enumerate(sorted(os.sched_getaffinity(0))):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            status = 2
            try:
                os.sched_setaffinity(0, {cpu})
                os.write(w, "\n".join(work(i, cpu)).encode())
                status = 0
            finally:
                os._exit(status)
        os.close(w)
        kids.append((cpu, pid, r))
    problems = []
    for cpu, pid, r in kids:
        with os.fdopen(r, "rb") as f:
            out = f.read().decode(errors="replace")
        _, status = os.waitpid(pid, 0)
        if status != 0:
            problems.append("worker on cpu %d died (wait status %d)" % (cpu, status))
        problems += [line for line in out.split("\n") if line]
    return problems


def ring_threads(pid):
    return sorted(n for n in thread_names(pid) if n.startswith("fuse-ring-"))


def descendants(pid):
    """All live descendants of pid (children lists of every thread, recursively)."""
    out = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tids = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/children" % (p, tid)) as f:
                    kids = [int(x) for x in f.read().split()]
            except OSError:
                kids = []
            for k in kids:
                if k not in out:
                    out.append(k)
                    todo.append(k)
    return out


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def unmount(mnt, user=None, attempts=20):
    """Unmount, retrying while busy (a test process may still be closing files)."""
    if user is None:
        argv = ["umount", mnt]
    else:
        argv = _as_user(["fusermount3", "-u", mnt], user)
    last = ""
    for _ in range(attempts):
        if not is_mounted(mnt):
            return True
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        if r.returncode == 0 and not is_mounted(mnt):
            return True
        last = r.stdout.decode("utf-8", "replace").strip()
        time.sleep(0.25)
    log("unmount of %s failed: %s" % (mnt, last))
    return False


def lazy_unmount(mnt):
    subprocess.run(["umount", "-l", mnt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=30)


def stop_daemon(proc, mnt, timeout=10.0):
    """Wait for the daemon to leave after the unmount; escalate, and say what it took."""
    problems = []
    try:
        return proc.wait(timeout=timeout), problems
    except subprocess.TimeoutExpired:
        problems.append("daemon still running %.0f s after unmount; sent SIGTERM" % timeout)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
        return proc.returncode, problems
    except subprocess.TimeoutExpired:
        problems.append("daemon ignored SIGTERM for 5 s; sent SIGKILL")
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if is_mounted(mnt):
        lazy_unmount(mnt)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        problems.append("daemon survived SIGKILL (stuck in the kernel?)")
        return None, problems
    return proc.returncode, problems


_STATS_RE = re.compile(r"ringfuse-stats: (dev|uring|queue=\d+)\s+(.*)$")


def parse_stats(text):
    """Parse ringfuse-stats lines.

    Returns {'dev': {...} or None, 'uring': {...} or None, 'queues': {qid: {...}},
    'unavailable': [lines mentioning "io_uring unavailable"]}; values are ints.
    """
    stats = {"dev": None, "uring": None, "queues": {}, "unavailable": []}
    for line in text.splitlines():
        if "io_uring unavailable" in line:
            stats["unavailable"].append(line.strip())
        m = _STATS_RE.search(line)
        if not m:
            continue
        kv = {}
        for item in m.group(2).split():
            if "=" in item:
                k, v = item.split("=", 1)
                try:
                    kv[k] = int(v)
                except ValueError:
                    kv[k] = v
        kind = m.group(1)
        if kind.startswith("queue="):
            stats["queues"][int(kind.split("=")[1])] = kv
        else:
            stats[kind] = kv
    return stats


def check_uring_stats(stats, queues, min_requests=1, dev_other=0):
    """What is wrong with the stats of a run that must have used the ring (empty: fine)."""
    problems = []
    for line in stats["unavailable"]:
        problems.append("ring requested but not used: " + line)
    if stats["uring"] is None:
        problems.append("no 'ringfuse-stats: uring' line: the session did not run on io_uring")
    elif stats["uring"].get("queues") != queues:
        problems.append("uring line says queues=%s, expected %d"
                        % (stats["uring"].get("queues"), queues))
    missing = [q for q in range(queues) if q not in stats["queues"]]
    if missing:
        problems.append("no stats line for queue(s) %s" % missing)
    total = sum(q.get("requests", 0) for q in stats["queues"].values())
    if total < min_requests:
        problems.append("ring queues carried %d requests, expected at least %d"
                        % (total, min_requests))
    for qid, q in sorted(stats["queues"].items()):
        if q.get("commit_errors", 0):
            problems.append("queue %d: commit_errors=%d" % (qid, q["commit_errors"]))
    if dev_other is not None:
        if stats["dev"] is None:
            problems.append("no 'ringfuse-stats: dev' line")
        elif stats["dev"].get("other") != dev_other:
            problems.append("requests other than init/forget/interrupt/destroy came over "
                            "/dev/fuse: other=%s, expected %d" % (stats["dev"].get("other"),
                                                                  dev_other))
    return problems


class UringParam:
    """Set the fuse module's enable_uring parameter for the duration of a with-block."""

    def __init__(self, value="Y"):
        self.value = value
        self.old = None

    def __enter__(self):
        if not os.path.exists(URING_PARAM):
            raise Skip("%s does not exist: kernel without FUSE over io-uring" % URING_PARAM)
        with open(URING_PARAM) as f:
            self.old = f.read().strip()
        if self.old != self.value:
            with open(URING_PARAM, "w") as f:
                f.write(self.value)
        return self

    def __exit__(self, *exc):
        if self.old is not None and self.old != self.value:
            with open(URING_PARAM, "w") as f:
                f.write(self.old)
        return False


class DmesgWatch:
    """Kernel log lines that appeared since start() and look like trouble."""

    PATTERNS = [re.compile(p) for p in (
        r"BUG:", r"WARNING:", r"Oops", r"general protection fault", r"Call Trace:",
        r"blocked for more than", r"\bfuse\b.*(error|fail|bad|invalid|corrupt)",
        r"(io_uring|io-uring).*(error|fail|leak)")]

    def __init__(self):
        self.before = None

    @staticmethod
    def _read():
        r = subprocess.run(["dmesg"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           timeout=30)
        if r.returncode != 0:
            return None
        return r.stdout.decode("utf-8", "replace").splitlines()

    def start(self):
        self.before = self._read()

    def new_lines(self):
        after = self._read()
        if after is None or self.before is None:
            return []
        n = len(self.before)
        if after[:n] == self.before:
            return after[n:]
        seen = set(self.before)   # the ring buffer wrapped: fall back to set difference
        return [l for l in after if l not in seen]

    def problems(self):
        return [l for l in self.new_lines() if any(p.search(l) for p in self.PATTERNS)]


_PRIVATE_DEV_MARK = "RINGFUSE_HARNESS_PRIVATE_DEV_FUSE"


def reexec_with_private_dev_fuse(argv):
    """Re-run this harness in a private mount namespace (via unshare(1)); returns its status.

    /dev/fuse is 0600 root on our machines, and fusermount3 opens it with the caller's
    credentials, so an unprivileged mount cannot work there. Inside the namespace a 0666 node
    is bound over /dev/fuse, which leaves the machine's own /dev/fuse (and every other test)
    alone; the mounts made inside vanish with the namespace.
    """
    env = dict(os.environ)
    env[_PRIVATE_DEV_MARK] = "1"
    cmd = ["unshare", "--mount", "--propagation", "private", "--",
           sys.executable, os.path.abspath(__file__)] + list(argv)
    return subprocess.run(cmd, env=env).returncode


def bind_open_dev_fuse(workdir):
    """Inside the private namespace: bind a 0666 fuse device node over /dev/fuse."""
    st = os.stat("/dev/fuse")
    node = os.path.join(workdir, "fuse-dev-0666")
    os.mknod(node, 0o666 | 0o020000, st.st_rdev)
    os.chmod(node, 0o666)
    r = subprocess.run(["mount", "--bind", node, "/dev/fuse"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    if r.returncode != 0:
        raise HarnessError("bind mount over /dev/fuse failed: %s"
                           % r.stdout.decode("utf-8", "replace").strip())


def run_command(argv, timeout, user=None):
    """Run the test command in its own process group; kill the group on timeout."""
    p = subprocess.Popen(_as_user(argv, user), start_new_session=True)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise HarnessError("test command timed out after %.0f s: %s" % (timeout, " ".join(argv)))


def _daemon_argv(cfg, src, mnt):
    argv = [cfg.daemon, "-f"]
    if cfg.nofile:
        # Soft and hard limit both: the daemon may raise its soft limit to the hard one.
        argv = ["prlimit", "--nofile=%d:%d" % (cfg.nofile, cfg.nofile), "--"] + argv
    if cfg.source:
        argv += ["-o", "source=" + src]
    for o in cfg.opt:
        argv += ["-o", o]
    if cfg.transport == "uring":
        argv += ["-o", "io_uring"]
    argv += cfg.daemon_arg
    argv.append(mnt)
    return argv


def _check_mounted_state(cfg, proc, user):
    problems = []
    if cfg.transport == "uring" and cfg.expect_ring_threads != 0:
        want = cfg.expect_ring_threads if cfg.expect_ring_threads > 0 else cfg.queues
        if cfg.expect_fallback:
            want = 0
        names = ring_threads(proc.pid)
        if len(names) != want:
            problems.append("expected %d fuse-ring-* threads in the daemon, found %d: %s"
                            % (want, len(names), names))
    return problems


def _one_mount(cfg, base, src, mnt, env, user, stderr_path):
    """Mount, run the command, unmount, wait for the daemon. Returns (problems, rc_cmd)."""
    problems = []
    proc = None
    rc_cmd = None
    try:
        argv = _daemon_argv(cfg, src, mnt)
        log("daemon: " + " ".join(argv) + ("" if user is None else "  (as %d:%d)" % user))
        proc = start_daemon(argv, stderr_path, env=env, user=user)
        ent = wait_mounted(mnt, proc, stderr_path, timeout=cfg.mount_timeout)
        if user is not None and ("user_id=%d" % user[0]) not in ent[-1]:
            problems.append("mount options %s do not name user_id=%d" % (ent[-1], user[0]))
        pre_children = descendants(proc.pid)

        if cfg.command:
            cmd = list(cfg.command) + [mnt, src]
            log("test: " + " ".join(cmd))
            rc_cmd = run_command(cmd, cfg.cmd_timeout, user=user if cfg.cmd_as_user else None)
            if rc_cmd == SKIP:
                log("test command skipped")
            elif rc_cmd != 0:
                problems.append("test command exited with status %d" % rc_cmd)
        problems += _check_mounted_state(cfg, proc, user)
        if proc.poll() is not None:
            problems.append("daemon exited (status %d) while mounted" % proc.returncode)

        kids = descendants(proc.pid) + pre_children
        if not unmount(mnt, user=user):
            problems.append("could not unmount %s" % mnt)
        rc, more = stop_daemon(proc, mnt, timeout=cfg.exit_timeout)
        problems += more
        if rc is not None and rc != cfg.expect_exit:
            problems.append("daemon exited with status %s after unmount, expected %d"
                            % (rc, cfg.expect_exit))
        if is_mounted(mnt):
            problems.append("%s is still mounted after the daemon exited" % mnt)
        left = [k for k in kids if pid_alive(k)]
        if left:
            problems.append("processes left behind by the daemon: %s" % left)
        if not is_mounted(mnt) and os.listdir(mnt):
            problems.append("mountpoint %s is not empty after unmount" % mnt)
        proc = None
    except HarnessError as e:
        problems.append(str(e))
    finally:
        if proc is not None:
            if is_mounted(mnt):
                unmount(mnt, user=user, attempts=3)
            _, more = stop_daemon(proc, mnt, timeout=cfg.exit_timeout)
            problems += more
        if is_mounted(mnt):
            lazy_unmount(mnt)
    return problems, rc_cmd


_SANITIZER_RE = re.compile(r"(ERROR: (Address|Leak|Thread|Memory)Sanitizer|"
                           r"WARNING: ThreadSanitizer|runtime error: )")


def sanitizer_reports(text):
    """Sanitizer findings in a daemon's stderr (a sanitized build must not pass with them)."""
    return ["sanitizer: " + l.strip() for l in text.splitlines() if _SANITIZER_RE.search(l)]


def _check_stats(cfg, text):
    problems = []
    stats = parse_stats(text)
    for line in text.splitlines():
        if "ringfuse-stats:" in line or "io_uring unavailable" in line:
            log(line.strip())
    if cfg.expect_fallback:
        if stats["uring"] is not None:
            problems.append("ring expected to be unavailable, but the uring line is there")
        if not stats["unavailable"]:
            problems.append("no 'io_uring unavailable' line for the fallback")
    else:
        problems += check_uring_stats(stats, cfg.queues, min_requests=cfg.min_ring_requests,
                                      dev_other=None if cfg.dev_other < 0 else cfg.dev_other)
    return problems


def mount_ext4_image(base, src, mib):
    """A fresh ext4 filesystem of `mib` MiB, loop-mounted on src: a source whose inode
    numbers are handed out predictably (a deleted one is the next one given out)."""
    image = os.path.join(base, "src.ext4")
    with open(image, "wb") as f:
        f.truncate(mib << 20)
    for argv in (["mkfs.ext4", "-q", "-F", image], ["mount", "-o", "loop", image, src]):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise HarnessError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return image


def run_mount_test(cfg):
    """The whole sequence (cfg.repeat times in one work directory); returns 0, 1 or 77."""
    if os.geteuid() != 0:
        raise Skip("needs root (mounts, dmesg, enable_uring, setpriv)")
    if not os.access(cfg.daemon, os.X_OK):
        raise Skip("daemon %s is not executable" % cfg.daemon)
    user = None
    if cfg.user is not None:
        user = (cfg.user, cfg.user if cfg.group is None else cfg.group)
    if cfg.queues is None:
        cfg.queues = possible_cpus()

    env = dict(os.environ)
    env.pop("RINGFUSE_STATS", None)
    if cfg.transport == "uring":
        env["RINGFUSE_STATS"] = "1"

    param = UringParam(cfg.uring_param) if cfg.transport == "uring" else None
    if param is not None:
        param.__enter__()
    problems = []
    rc_cmd = None
    base = src_image = None
    try:
        base, src, mnt = make_workdir(owner=user)
        if cfg.source_ext4:
            src_image = mount_ext4_image(base, src, cfg.source_ext4)
        if cfg.private_dev_fuse:
            bind_open_dev_fuse(base)
        dmesg = DmesgWatch()
        dmesg.start()
        for i in range(cfg.repeat):
            stderr_path = os.path.join(base, "daemon.stderr.%d" % i)
            more, rc_cmd = _one_mount(cfg, base, src, mnt, env, user, stderr_path)
            text = read_text(stderr_path)
            more += sanitizer_reports(text)
            if cfg.transport == "uring":
                more += _check_stats(cfg, text)
            if more:
                problems += ["run %d: %s" % (i + 1, p) if cfg.repeat > 1 else p for p in more]
                log("daemon stderr (%s):" % " ".join(_daemon_argv(cfg, src, mnt)))
                sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
                sys.stdout.flush()
                break
        problems += ["kernel log: " + l for l in dmesg.problems()]
    finally:
        if param is not None:
            param.__exit__(None, None, None)
        if src_image is not None and not unmount(src):
            problems.append("could not unmount the source image at %s" % src)
        if base is not None:
            if is_mounted(os.path.join(base, "mnt")) or is_mounted(src):
                problems.append("mount still there; leaving %s in place" % base)
            else:
                shutil.rmtree(base, ignore_errors=True)

    if problems:
        for p in problems:
            log("FAIL: " + p)
        return 1
    if rc_cmd == SKIP:
        return SKIP
    log("pass")
    return 0


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Mount a FUSE daemon, run a test command as CMD... MNT SRC, unmount.")
    ap.add_argument("--transport", choices=["dev", "uring"], default="dev")
    ap.add_argument("--daemon", required=True, help="daemon executable (run with -f)")
    ap.add_argument("--no-source", dest="source", action="store_false",
                    help="do not pass -o source=SRC (for daemons without it, e.g. hello_ll)")
    ap.add_argument("-o", "--opt", action="append", default=[],
                    help="extra -o option for the daemon (repeatable)")
    ap.add_argument("--daemon-arg", action="append", default=[],
                    help="extra raw argument for the daemon, e.g. -s (repeatable)")
    ap.add_argument("--private-dev-fuse", action="store_true",
                    help="run in a private mount namespace with a 0666 /dev/fuse bound over "
                         "the real one (for --user on machines where /dev/fuse is 0600)")
    ap.add_argument("--nofile", type=int, default=0,
                    help="run the daemon with RLIMIT_NOFILE N:N (via prlimit)")
    ap.add_argument("--user", type=int, help="run daemon (and command) as this uid via setpriv")
    ap.add_argument("--group", type=int, help="gid for --user (default: same as uid)")
    ap.add_argument("--cmd-as-root", dest="cmd_as_user", action="store_false",
                    help="with --user, still run the test command as root")
    ap.add_argument("--source-ext4", type=int, default=0, metavar="MIB",
                    help="serve a fresh ext4 filesystem of this size (loop-mounted on src)")
    ap.add_argument("--mount-timeout", type=float, default=10.0)
    ap.add_argument("--exit-timeout", type=float, default=10.0)
    ap.add_argument("--cmd-timeout", type=float, default=900.0)
    ap.add_argument("--expect-exit", type=int, default=0,
                    help="daemon exit status expected after unmount (default 0)")
    ap.add_argument("--uring-param", default="Y",
                    help="value written to enable_uring in uring mode (default Y)")
    ap.add_argument("--queues", type=int, default=None,
                    help="expected ring queues (default: possible CPUs)")
    ap.add_argument("--expect-ring-threads", type=int, default=-1,
                    help="fuse-ring-* threads expected while mounted (-1: one per queue, "
                         "0: do not check)")
    ap.add_argument("--min-ring-requests", type=int, default=1,
                    help="least number of requests the ring queues must have carried")
    ap.add_argument("--dev-other", type=int, default=0,
                    help="expected 'other' count on the dev stats line (-1: do not check)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="mount, test and unmount this many times in the same directories")
    ap.add_argument("--expect-fallback", action="store_true",
                    help="uring mode: expect 'io_uring unavailable' and no uring line")
    ap.add_argument("command", nargs=argparse.REMAINDER,
                    help="-- CMD ARGS...: run as CMD ARGS... MNT SRC while mounted")
    cfg = ap.parse_args(argv)
    if cfg.command and cfg.command[0] == "--":
        cfg.command = cfg.command[1:]
    return cfg


def main(argv):
    cfg = parse_args(argv)
    if cfg.private_dev_fuse and os.environ.get(_PRIVATE_DEV_MARK) != "1":
        if os.geteuid() != 0:
            print("SKIP: needs root (private mount namespace)", flush=True)
            return SKIP
        return reexec_with_private_dev_fuse(argv)
    try:
        return run_mount_test(cfg)
    except Skip as e:
        print("SKIP: %s" % e, flush=True)
        return SKIP
    except HarnessError as e:
        log("FAIL: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
