#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian 12 packages ringfuse builds, tests and benchmarks with. Idempotent:
# apt-get skips what is already there. Needs root (CI and our machines run as root).
set -euo pipefail

pkgs=(
  build-essential pkg-config meson ninja-build
  liburing-dev libnuma-dev          # the io-uring transport, NUMA placement of ring buffers
  libfuse3-dev fuse3                # the baseline we build our examples against; fusermount3
  python3 fio util-linux procps kmod psmisc attr  # test harness, load, mount tools
  e2fsprogs                         # a fresh ext4 source for the reused-inode tests
  squashfuse squashfs-tools sshfs openssh-sftp-server socat fuse-overlayfs  # Debian binaries run on ringfuse
  gnuplot-nox                       # benchmark chart
  clang libclang-rt-14-dev          # sanitizer builds
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
