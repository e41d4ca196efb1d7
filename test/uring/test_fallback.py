#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""With enable_uring off, asking for the ring falls back to /dev/fuse and says why.

Usage: test_fallback.py --daemon D [--source] -- CMD [ARGS]

Switches /sys/module/fuse/parameters/enable_uring to N (restored afterwards; this test must
not run beside other ring tests), then mounts the daemon twice: with -o io_uring, and with
FUSE_URING_ENABLE=1 in the environment instead. Each time the mount must work (CMD... MNT SRC
passes), carry every request over /dev/fuse (no uring stats line, no fuse-ring-* threads,
ringfuse-stats dev line counting them), and the daemon's stderr must name the reason.
"""

import argparse
import os
import sys

from lib import harness, ringtest  # test/lib (PYTHONPATH: test/meson.build)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--source", action="store_true")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    ringtest.need_root_and_param()
    dmesg = harness.DmesgWatch()
    dmesg.start()
    problems = []
    mounts = []
    with harness.UringParam("N"):
        for how in ("option", "env"):
            if how == "option":
                m = ringtest.Mount(a.daemon, source=a.source, param="N")
            else:
                m = ringtest.Mount(a.daemon, source=a.source, transport="dev", param="N",
                                   env={"FUSE_URING_ENABLE": "1"})
            mounts.append(m)
            more = []
            try:
                with m:
                    if cmd:
                        m.run(cmd)
                    # After requests were answered, so INIT (which would start them) is done.
                    os.listdir(m.mnt)
                    threads = m.ring_threads()
                    if threads:
                        more.append("ring threads exist although the ring is off: %s" % threads)
            except harness.HarnessError as e:
                more.append(str(e))
            more += m.problems
            if m.stats is not None:
                if m.stats["uring"] is not None:
                    more.append("a uring stats line although the ring cannot be on")
                if not m.stats["unavailable"]:
                    more.append("no 'io_uring unavailable' line on stderr")
                elif "enable_uring" not in " ".join(m.stats["unavailable"]):
                    more.append("the fallback line does not name enable_uring: %s"
                                % m.stats["unavailable"])
                dev = m.stats["dev"] or {}
                if not dev.get("other"):
                    more.append("the dev stats line shows no requests over /dev/fuse")
                m.print_stats()
            problems += ["%s: %s" % (how, p) for p in more]
    return ringtest.finish(problems, mounts, dmesg)


if __name__ == "__main__":
    sys.exit(main())
