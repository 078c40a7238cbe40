#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages the vmtests need (run as root); skips apt
# when all are present. Default: what the CI part needs (QEMU for the TCG
# lab, busybox, lttng-tools and lttng-ust for the workload, babeltrace2 and
# the shell linter). --lab adds what a real lab host needs to record
# (lttng-modules-dkms and the running kernel's headers).
# The TCG lab's guest kernel, headers and lttng-modules source are downloaded
# with apt-get download and unpacked by vmtests/tcg/*.sh, never installed.
set -euo pipefail
lab=0
dry=0
for a in "$@"; do
  case $a in
    --lab) lab=1 ;;
    --dry-run) dry=1 ;;
    -h|--help) echo "usage: ${0##*/} [--lab] [--dry-run]"; exit 0 ;;
    *) echo "usage: ${0##*/} [--lab] [--dry-run]" >&2; exit 2 ;;
  esac
done
packages=(qemu-system-x86 qemu-utils busybox-static cpio e2fsprogs kmod xz-utils iproute2
  gcc libc6-dev cmake pkg-config make patch binutils bc libelf-dev
  lttng-tools liblttng-ust-dev babeltrace2 python3-bt2 shellcheck)
if [ "$lab" = 1 ]; then
  packages+=(lttng-modules-dkms "linux-headers-$(uname -r)")
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$dry" = 1 ]; then
  echo "apt-get update -qq"
  echo "apt-get install -y -qq --no-install-recommends ${missing[*]}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "vmtests/install-deps.sh: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
  exit 1
fi
echo "vmtests/install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
