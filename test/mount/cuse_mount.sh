#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The cuse_dev example against the kernel: create /dev/NAME, write, read back, ioctl size.
# These kernels have no CUSE (/dev/cuse absent): then this is the one skip CI allows.
set -u
bin=$1
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -c /dev/cuse ] || modprobe cuse 2>/dev/null
[ -c /dev/cuse ] || { echo "SKIP: no /dev/cuse on this kernel (CUSE not built)"; exit 77; }
name=ringfuse-cuse-$$
"$bin" -f --name="$name" & pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -c /dev/$name ] && break; sleep 0.1; done
[ -c /dev/$name ] || { echo "FAIL: /dev/$name did not appear"; exit 1; }
printf 'hello cuse' > /dev/$name || { echo "FAIL: write"; exit 1; }
got=$(head -c 10 /dev/$name)
[ "$got" = "hello cuse" ] || { echo "FAIL: read back '$got'"; exit 1; }
echo "ok cuse device"
