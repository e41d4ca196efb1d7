#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run one fuzz target for a fixed time from the committed seed corpus, as CI does.
#   fuzz/run.sh BUILDDIR TARGET SECONDS [extra libFuzzer flags...]
# TARGET is dev or uring (fuzz/fuzz_TARGET.c). New corpus entries go to a temporary
# directory (the committed seeds are read, never written); a crash, sanitizer report, leak,
# timeout or out-of-memory leaves its input in that directory as crash-*/leak-*/... and
# makes the script exit non-zero. The last lines of libFuzzer's output (-print_final_stats)
# are printed either way; on success the temporary directory is removed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1 target=$2 secs=$3
shift 3
bin="$build/fuzz/fuzz_$target"
if [ ! -x "$bin" ]; then
  echo "fuzz/run.sh: $bin is not built (CC=clang meson setup $build -Dfuzz=true)" >&2
  exit 1
fi
work=$(mktemp -d "/tmp/ringfuse-fuzz-$target.XXXXXX")
mkdir "$work/corpus"
rc=0
# -timeout: one input taking 10 s is a hang; -rss_limit_mb: the default 2 GiB, said aloud.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
  -dict="$top/fuzz/fuse.dict" -artifact_prefix="$work/" "$@" \
  "$work/corpus" "$top/fuzz/corpus/$target" >"$work/log" 2>&1 || rc=$?
grep -E '^(stat::|#[0-9]+ +DONE|Done )' "$work/log" || true
if [ "$rc" -ne 0 ] || ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* >/dev/null 2>&1; then
  grep -E 'ERROR|SUMMARY|runtime error' "$work/log" | head -20 >&2 || true
  echo "fuzz/run.sh: fuzz_$target FAILED (exit $rc); log and inputs in $work" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz/run.sh: fuzz_$target ok"
