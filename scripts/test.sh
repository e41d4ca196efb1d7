#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test run, as CI does it: install dependencies, build with warnings as errors,
# run every meson suite (unit, compat, mount, uring, highlevel), run the io-uring, mount and
# unit suites again under AddressSanitizer+UBSan and again under ThreadSanitizer, compile a
# build without io-uring, run each fuzz target for a minute and the teardown stress once,
# run the benchmark's quick mode as a smoke check, and fail if any test was skipped (a skip is not a
# pass; the only allowed skip is the CUSE mount test: these kernels have no /dev/cuse).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: run as root: the mount and io-uring suites mount filesystems" >&2
  exit 1
fi
bash scripts/deps.sh

# The suites switch FUSE-over-io-uring on themselves; so does this script, for the benchmark.
if [ -w /sys/module/fuse/parameters/enable_uring ]; then
  echo Y > /sys/module/fuse/parameters/enable_uring
fi

# meson names a test 'project:suite / name'.
allowed_skips='(^| )cuse-mount$'
passed=0; failed=0; skipped=0; bad_skips=()

# Count results from meson's JSON test log; remember skips that are not allowed.
tally() {
  local log=$1 counts
  counts=$(python3 - "$log" "$allowed_skips" <<'PY'
import json, re, sys
log, allowed = sys.argv[1], re.compile(sys.argv[2])
p = f = s = 0
bad = []
for line in open(log):
    t = json.loads(line)
    r = t["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
        if not allowed.search(t["name"]):
            bad.append(t["name"])
    else:
        f += 1
print(p, f, s, " ".join(bad))
PY
)
  read -r p f s rest <<<"$counts"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ -n "${rest:-}" ]; then bad_skips+=($rest); fi
}

run_suites() {
  local dir=$1; shift
  local rc=0
  meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || rc=$?
  tally "$dir/meson-logs/testlog.json"
  return $rc
}

status=0
meson setup build-ci --wipe -Dwerror=true -Dbuildtype=debugoptimized >/dev/null 2>&1 ||
  meson setup build-ci -Dwerror=true -Dbuildtype=debugoptimized
ninja -C build-ci
# Tests that depend on something found at configure time (the system libfuse3, clang, Debian's
# high-level binaries) must be registered: a test that was never defined cannot even skip.
required_tests=(headers-clang passthrough_ll-sys syscalls-passthrough_ll-depth1
  notify-store-retrieve-sys testfs-sys hp-sys hp-uring squashfuse-uring sshfs-uring
  squashfuse-uring-opt sshfs-uring-opt serial-loop late-handlers-uring
  unprivileged-fusermount-sys cuse-path memory-bound-passthrough_ll
  fuse-overlayfs-dev fuse-overlayfs-uring
  passthrough_ll-so4-dev passthrough_ll-so4-uring so4-features-uring side-by-side
  uring_engine)
listed=$(meson test -C build-ci --list 2>/dev/null)
for t in "${required_tests[@]}"; do
  if ! grep -q " / $t\$" <<<"$listed"; then
    echo "test.sh: test '$t' is not defined in this build (a configure-time dependency is missing)" >&2
    status=1
  fi
done
run_suites build-ci || status=1

# The ring threads and their teardown, and the examples mounted over /dev/fuse, again under
# ASan+UBSan (leaks included).
meson setup build-asan --wipe -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
  >/dev/null 2>&1 || meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_suites build-asan --suite uring --suite mount --suite unit || status=1

# The same threaded suites under ThreadSanitizer: ring threads, foreign replies, the worker
# pool and INTERRUPT lookups. lib/tsan_i.h tells it about the kernel's reply-before-request
# ordering, which it cannot see through io_uring. (Debian's own binaries cannot load an
# instrumented library, so the highlevel suite is not run here.)
meson setup build-tsan --wipe -Dwerror=true -Db_sanitize=thread -Db_lundef=false \
  >/dev/null 2>&1 || meson setup build-tsan -Dwerror=true -Db_sanitize=thread -Db_lundef=false
ninja -C build-tsan
TSAN_OPTIONS=second_deadlock_stack=1 \
  run_suites build-tsan --suite uring --suite mount --suite unit || status=1

# The release build (-O3 warns about more than -O2) must also compile with warnings as errors.
meson setup build-release --wipe -Dwerror=true -Dbuildtype=release >/dev/null 2>&1 ||
  meson setup build-release -Dwerror=true -Dbuildtype=release
if ninja -C build-release; then
  passed=$((passed + 1)); echo "release build (-Werror): ok"
else
  failed=$((failed + 1)); status=1; echo "release build (-Werror): FAILED" >&2
fi

# Without liburing the library must still build and fall back cleanly.
meson setup build-nouring --wipe -Dwerror=true -Dio_uring=disabled >/dev/null 2>&1 ||
  meson setup build-nouring -Dwerror=true -Dio_uring=disabled
ninja -C build-nouring
run_suites build-nouring --suite unit || status=1

# Fuzzing and teardown stress (doc/fuzzing.md, doc/teardown.md). Each libFuzzer target runs
# 60 s from its committed seed corpus (a crash, sanitizer report or leak fails it); then every
# way of ending a loaded session, once each over /dev/fuse and the ring, on the ASan build.
CC=clang meson setup build-fuzz --wipe -Dfuzz=true -Dwerror=true >/dev/null 2>&1 ||
  CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=true
if ninja -C build-fuzz fuzz/fuzz_dev fuzz/fuzz_uring; then
  for t in dev uring; do
    if fuzz/run.sh build-fuzz "$t" 60; then
      passed=$((passed + 1)); echo "fuzz $t (60 s): ok"
    else
      failed=$((failed + 1)); status=1; echo "fuzz $t (60 s): FAILED" >&2
    fi
  done
else
  failed=$((failed + 1)); status=1; echo "fuzz build: FAILED" >&2
fi
if timeout 600 python3 scripts/teardown_stress.py --build build-asan --rounds 1 --load-seconds 3; then
  passed=$((passed + 1)); echo "teardown stress (ASan, 1 round): ok"
else
  failed=$((failed + 1)); status=1; echo "teardown stress (ASan, 1 round): FAILED" >&2
fi

# Benchmark smoke: must complete and write its JSON and PNG; no time is asserted.
if [ -f bench/run.py ]; then
  out=$(mktemp -d /tmp/ringfuse-bench.XXXXXX)
  if python3 bench/run.py --quick --build build-ci --out "$out" &&
     ls "$out"/*.json >/dev/null 2>&1 && ls "$out"/*.png >/dev/null 2>&1; then
    passed=$((passed + 1)); echo "bench smoke: ok ($out)"
  else
    failed=$((failed + 1)); status=1; echo "bench smoke: FAILED" >&2
  fi
fi

if [ "${#bad_skips[@]}" -gt 0 ]; then
  echo "test.sh: these tests skipped but must run on this machine: ${bad_skips[*]}" >&2
  status=1
fi
echo "ringfuse: $passed passed, $failed failed, $skipped skipped"
exit $status
