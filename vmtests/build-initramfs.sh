#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the busybox initramfs of the vmflow guests: busybox-static, the
# statically linked workload (vmtests/workload, markers on the serial
# console), optional kernel modules, and an /init that runs the workload with
# the arguments given on the kernel command line (vmflow.workload=a+b+c:
# plus signs become spaces) and powers off. Used for smoke tests and simple
# experiments; docs/reproduce.md describes the cloud-image path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"

usage() { echo "usage: ${0##*/} --output FILE [--modules DIR] [--module NAME]... [--dry-run]"; }
out='' moddir='' mods=()
while [ $# -gt 0 ]; do
  case $1 in
    --output) out=$2; shift ;;
    --modules) moddir=$2; shift ;;
    --module) mods+=("$2"); shift ;;
    --dry-run) VT_DRY_RUN=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out" ] || { usage >&2; exit 2; }
vt_need busybox cpio gzip gcc
if [ "$VT_DRY_RUN" = 1 ]; then d=${TMPDIR:-/tmp}/vmflow-initramfs.XXXXXX
else d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; fi
vt_run mkdir -p "$d/bin" "$d/proc" "$d/sys" "$d/dev" "$d/lib/modules"
vt_run cp "$(command -v busybox)" "$d/bin/busybox"
vt_run ln -s busybox "$d/bin/sh"
vt_run gcc -O2 -static -o "$d/bin/vmflow-workload" "$here/workload/workload.c" -lpthread
for m in "${mods[@]}"; do
  # modules may be shipped compressed (.ko.xz, .ko.zst)
  vt_sh "f=\$(find '$moddir' -name '$m.ko*' | head -1); [ -n \"\$f\" ] || { echo 'module $m not found in $moddir' >&2; exit 1; }; case \$f in *.xz) xz -dc \"\$f\" ;; *.zst) zstd -dc \"\$f\" ;; *) cat \"\$f\" ;; esac > '$d/lib/modules/$m.ko'"
done
init=$d/init
if [ "$VT_DRY_RUN" = 1 ]; then echo "cat > $init <<'INIT' ... (busybox --install, mounts, insmod ${mods[*]}, vmflow-workload \$args, poweroff)"
else
  {
    echo '#!/bin/sh'
    echo '/bin/busybox --install -s /bin; export PATH=/bin'
    echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev'
    for m in "${mods[@]}"; do echo "insmod /lib/modules/$m.ko"; done
    cat <<'INIT'
args=''
read -r cmdline </proc/cmdline
for a in $cmdline; do
  case $a in vmflow.workload=*) args=$(echo "${a#vmflow.workload=}" | tr '+' ' ') ;; esac
done
ip link set lo up 2>/dev/null
echo "GUEST: up $(cat /proc/uptime)"
# shellcheck disable=SC2086
/bin/vmflow-workload $args
echo "GUEST: done"
poweroff -f
INIT
  } > "$init"
  chmod 755 "$init"
fi
vt_sh "cd '$d' && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -1 > '$out'"
