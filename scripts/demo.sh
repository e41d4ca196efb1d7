#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job, end to end: install dependencies, build ringfuse, mount the passthrough_ll
# example over a temporary directory with -o io_uring, do real file work through the mount,
# show that the io-uring queues carried it, and unmount.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (it mounts a filesystem)" >&2; exit 1; }
bash scripts/deps.sh
[ -d build ] || meson setup build -Dwerror=true >/dev/null
ninja -C build >/dev/null
echo Y > /sys/module/fuse/parameters/enable_uring

work=$(mktemp -d /tmp/ringfuse-demo.XXXXXX)
src=$work/src mnt=$work/mnt log=$work/daemon.log
mkdir -p "$src" "$mnt"
cleanup() {
  if mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
}
trap cleanup EXIT

RINGFUSE_STATS=1 ./build/example/passthrough_ll -f -o source="$src" -o io_uring "$mnt" 2>"$log" &
pid=$!
for _ in $(seq 100); do mountpoint -q "$mnt" && break; sleep 0.1; done
mountpoint -q "$mnt" || { cat "$log"; echo "demo.sh: mount failed" >&2; exit 1; }
echo "mounted $src on $mnt (passthrough_ll, -o io_uring, pid $pid)"
echo "ring threads: $(cat /proc/$pid/task/*/comm | grep -c '^fuse-ring-')"

# Real work: a source tree copied in, checksummed through the mount and on the backing side.
cp -r lib include "$mnt/"
dd if=/dev/urandom of="$mnt/blob" bs=1M count=64 status=none
mkdir "$mnt/dir" && for i in $(seq 1000); do echo "$i" > "$mnt/dir/f$i"; done
mv "$mnt/dir" "$mnt/renamed"
through=$(cd "$mnt" && find . -type f | sort | xargs sha256sum | sha256sum)
backing=$(cd "$src" && find . -type f | sort | xargs sha256sum | sha256sum)
echo "files: $(find "$mnt" -type f | wc -l), checksum through mount == backing: $([ "$through" = "$backing" ] && echo yes || echo NO)"
[ "$through" = "$backing" ]

umount "$mnt"
wait "$pid"
pid=
echo "--- daemon statistics (requests per io-uring queue; /dev/fuse saw only INIT/FORGET) ---"
grep '^ringfuse' "$log" || { cat "$log"; exit 1; }
grep -q '^ringfuse-stats: queue=' "$log"
rm -rf "$work"
