#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a user gets from `meson install`: the headers under include/fuse3/ (with the generated
libfuse_config.h), libfuse3.so.4 with the libfuse3.so development link, libfuse3.so.3 without
one, and the fuse3.pc / ringfuse.pc files. Installs the build into a scratch DESTDIR, then
builds example/hello_ll.c the way a filesystem's own build does (`cc $(pkg-config --cflags
--libs fuse3)`, pkg-config pointed at the scratch tree only) and checks that the program:
  - was compiled from our installed headers (the build fails if <ringfuse.h> is not there),
  - records the soname libfuse3.so.4 and nothing else FUSE-related (as with libfuse 3.17+),
  - runs on the installed library (`-V` prints ringfuse's version line), and
  - that ringfuse.pc names the same headers and library.
It also builds hello_ll for the 3.14 ABI (-DRINGFUSE_ABI=314, -l:libfuse3.so.3), which must
record libfuse3.so.3 and run on it.
Usage: check_install.py BUILD_DIR SOURCE_ROOT CC...
"""
import os
import shutil
import subprocess
import sys
import tempfile


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300, **kw)


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 1
    build, src, cc = sys.argv[1], sys.argv[2], sys.argv[3:]
    problems = []
    tmp = tempfile.mkdtemp(prefix="ringfuse-install-")
    try:
        dest = os.path.join(tmp, "root")
        r = run(["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild",
                 "--quiet"])
        if r.returncode != 0:
            print("meson install failed:\n" + r.stdout)
            return 1
        pcs = []
        for dirpath, _, names in os.walk(dest):
            pcs += [os.path.join(dirpath, n) for n in names if n in ("fuse3.pc", "ringfuse.pc")]
        pcdirs = sorted({os.path.dirname(p) for p in pcs})
        if sorted(os.path.basename(p) for p in pcs) != ["fuse3.pc", "ringfuse.pc"]:
            print("installed .pc files: %s (want fuse3.pc and ringfuse.pc)" % pcs)
            return 1
        env = dict(os.environ, PKG_CONFIG_LIBDIR=":".join(pcdirs),
                   PKG_CONFIG_SYSROOT_DIR=dest)
        env.pop("PKG_CONFIG_PATH", None)

        flags = {}
        for pc in ("fuse3", "ringfuse"):
            r = run(["pkg-config", "--cflags", "--libs", pc], env=env)
            if r.returncode != 0:
                problems.append("pkg-config %s: %s" % (pc, r.stdout.strip()))
                continue
            flags[pc] = r.stdout.split()
        if problems:
            print("\n".join(problems))
            return 1
        if sorted(flags["fuse3"]) != sorted(f for f in flags["ringfuse"]):
            problems.append("fuse3.pc and ringfuse.pc differ: %s vs %s" %
                            (flags["fuse3"], flags["ringfuse"]))
        incdirs = [f[2:] for f in flags["fuse3"] if f.startswith("-I")]
        libdirs = [f[2:] for f in flags["fuse3"] if f.startswith("-L")]
        if not any(os.path.isfile(os.path.join(d, "fuse_lowlevel.h")) and
                   os.path.isfile(os.path.join(d, "ringfuse.h")) for d in incdirs):
            problems.append("no -I directory of fuse3.pc holds fuse_lowlevel.h and ringfuse.h "
                            "(%s)" % incdirs)
        for lib in ("libfuse3.so.3", "libfuse3.so.4", "libfuse3.so"):
            if not any(os.path.exists(os.path.join(d, lib)) for d in libdirs):
                problems.append("no -L directory of fuse3.pc holds %s (%s)" % (lib, libdirs))
        for d in libdirs:
            dev = os.path.join(d, "libfuse3.so")
            if os.path.islink(dev) and not os.path.realpath(dev).startswith(
                    os.path.realpath(os.path.join(d, "libfuse3.so.4"))):
                problems.append("libfuse3.so points at %s, want libfuse3.so.4's file" %
                                os.readlink(dev))
        if not any(os.path.isfile(os.path.join(d, "libfuse_config.h")) for d in incdirs):
            problems.append("libfuse_config.h is not installed next to the headers")

        # A probe that only compiles against our headers, plus the example itself.
        probe = os.path.join(tmp, "probe.c")
        with open(probe, "w") as f:
            f.write("#define FUSE_USE_VERSION 314\n#include <fuse_lowlevel.h>\n"
                    "#include <ringfuse.h>\nint main(void) { return FUSE_CAP_OVER_IO_URING ? "
                    "0 : 1; }\n")
        exe = os.path.join(tmp, "hello_ll")
        r = run(cc + ["-DFUSE_USE_VERSION=314", "-o", exe,
                      os.path.join(src, "example", "hello_ll.c")] + flags["fuse3"], env=env)
        if r.returncode != 0:
            problems.append("building hello_ll against the installed tree failed:\n" + r.stdout)
        r2 = run(cc + ["-o", probe + ".bin", probe] + flags["fuse3"], env=env)
        if r2.returncode != 0:
            problems.append("the installed headers lack ringfuse.h or the io-uring "
                            "capability:\n" + r2.stdout)
        # The 3.14 ABI: same headers, -DRINGFUSE_ABI=314, linked to the soname itself.
        exe3 = os.path.join(tmp, "hello_ll_so3")
        flags3 = [f for f in flags["fuse3"] if f != "-lfuse3"] + ["-l:libfuse3.so.3"]
        r3 = run(cc + ["-DFUSE_USE_VERSION=314", "-DRINGFUSE_ABI=314", "-o", exe3,
                       os.path.join(src, "example", "hello_ll.c")] + flags3, env=env)
        if r3.returncode != 0:
            problems.append("building hello_ll for libfuse3.so.3 failed:\n" + r3.stdout)
        built = [(exe, "libfuse3.so.4")] if r.returncode == 0 else []
        built += [(exe3, "libfuse3.so.3")] if r3.returncode == 0 else []
        for prog, soname in built:
            r = run(["readelf", "-d", prog])
            needed = [l.split("[")[1].rstrip("]") for l in r.stdout.splitlines()
                      if "(NEEDED)" in l]
            fuse_needed = [n for n in needed if "fuse" in n]
            if fuse_needed != [soname]:
                problems.append("%s needs %s, want exactly %s" % (prog, fuse_needed, soname))
            env_run = dict(os.environ, LD_LIBRARY_PATH=":".join(libdirs))
            r = run([prog, "-V"], env=env_run)
            if r.returncode != 0 or "ringfuse" not in r.stdout:
                problems.append("%s -V on the installed library (exit %d) did not name "
                                "ringfuse:\n%s" % (prog, r.returncode, r.stdout))
            else:
                print("%s -V: %s" % (soname, " | ".join(r.stdout.strip().splitlines())))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        print("\n".join("FAIL: " + p for p in problems))
        return 1
    print("install: headers, libfuse3.so.4, libfuse3.so.3, fuse3.pc and ringfuse.pc usable "
          "from a DESTDIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
