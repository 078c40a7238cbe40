#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that this host can run the vmflow experiments: KVM usable, vmx or
# svm, nested virtualization enabled, /dev/vhost-net, QEMU and lttng-tools
# installed, lttng-modules loadable with the kvm probes, and (with
# --probe-test, as root) that the kvm probes record sane values. Prints one
# line per check ("ok:" or "MISSING:"/"BROKEN:" with what to do) and exits 1
# when anything is missing. --dry-run prints the commands of --probe-test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"

usage() { echo "usage: ${0##*/} [--probe-test] [--kvmtest BINARY] [--dry-run]"; }
probe=0 kvmtest=''
while [ $# -gt 0 ]; do
  case $1 in
    --probe-test) probe=1 ;;
    --kvmtest) kvmtest=$2; shift ;;
    --dry-run) VT_DRY_RUN=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

bad=0
ok() { echo "ok: $*"; }
missing() { echo "MISSING: $*"; bad=1; }
broken() { echo "BROKEN: $*"; bad=1; }

if [ "$VT_DRY_RUN" = 0 ]; then
  # CPU virtualization
  vendor=''
  if grep -qw vmx /proc/cpuinfo; then vendor=intel; ok "CPU has vmx (Intel VT-x)"
  elif grep -qw svm /proc/cpuinfo; then vendor=amd; ok "CPU has svm (AMD-V)"
  else missing "CPU shows neither vmx nor svm: enable virtualization in the firmware (or, in a VM, expose it to the guest)"
  fi
  # KVM
  if [ -w /dev/kvm ]; then ok "/dev/kvm usable"
  elif [ -e /dev/kvm ]; then missing "/dev/kvm not writable by $(id -un): add the user to group kvm or run as root"
  else missing "/dev/kvm absent: modprobe kvm_${vendor:-intel} (or kvm_amd)"
  fi
  # nested
  if [ -n "$vendor" ]; then
    mod=kvm_$vendor
    np=/sys/module/$mod/parameters/nested
    if [ ! -r "$np" ]; then missing "module $mod not loaded: modprobe $mod"
    else
      case $(cat "$np") in
        Y|y|1) ok "$mod nested=$(cat "$np")" ;;
        *) missing "nested virtualization off: echo 'options $mod nested=1' > /etc/modprobe.d/kvm-nested.conf, then reload $mod" ;;
      esac
    fi
  fi
  # vhost-net
  if [ -e /dev/vhost-net ]; then ok "/dev/vhost-net present"
  else missing "/dev/vhost-net absent: modprobe vhost_net (QEMU's vhostforce=on needs it)"
  fi
  # tools
  for c in qemu-system-x86_64 lttng lttng-sessiond babeltrace2; do
    if command -v "$c" >/dev/null 2>&1; then ok "$c installed"
    else missing "$c not installed (vmtests/install-deps.sh --lab)"
    fi
  done
  # lttng-modules
  kver=$(uname -r)
  for m in lttng-tracer lttng-probe-kvm lttng-probe-kvm-x86; do
    if modinfo "$m" >/dev/null 2>&1; then ok "module $m available for $kver"
    else
      case $m in
        lttng-probe-kvm-x86) missing "module $m not built for $kver: lttng-modules was built without the private KVM headers (kvm_x86_* events missing); see docs/reproduce.md" ;;
        *) missing "module $m not available for $kver: install lttng-modules-dkms (and linux-headers-$kver)" ;;
      esac
    fi
  done
  if modinfo lttng-tracer >/dev/null 2>&1; then
    lv=$(modinfo -F version lttng-tracer 2>/dev/null || true)
    case $lv in
      2.13.[0-9]*|2.13.[0-9]*-*)
        case $kver in
          6.[1-9]*|6.1[0-9]*) echo "note: lttng-modules $lv on kernel $kver: stock 2.13 records wrong kvm_x86_* values on 6.1+ stable kernels unless patched (vmtests/lttng-modules/); --probe-test checks" ;;
        esac ;;
    esac
  fi
fi

if [ "$probe" = 1 ]; then
  # Record kvm_x86_entry/exit while a 1-vCPU KVM guest runs: vcpu_id must be
  # 0, exits must exist; a vcpu_id in the billions is a stale probe.
  d=${TMPDIR:-/tmp}/vmflow-check-host.$$
  if [ -z "$kvmtest" ]; then
    kvmtest=$d/kvmtest
    vt_run mkdir -p "$d"
    vt_run gcc -O2 -static -o "$kvmtest" "$here/guest/kvmtest.c"
  fi
  vt_run lttng create vmflow-check "--output=$d/trace"
  vt_run lttng enable-event -k kvm_x86_entry,kvm_x86_exit
  vt_run lttng start
  vt_run "$kvmtest"
  vt_run lttng destroy vmflow-check
  if [ "$VT_DRY_RUN" = 0 ]; then
    txt=$(babeltrace2 "$d/trace" 2>/dev/null || true)
    nexit=$(grep -c ' kvm_x86_exit: ' <<<"$txt" || true)
    badid=$(grep -E ' kvm_x86_(entry|exit): ' <<<"$txt" | grep -oE 'vcpu_id = [0-9]+' | awk '$3 > 4096' | head -1 || true)
    if [ "${nexit:-0}" = 0 ]; then broken "kvm probes recorded no kvm_x86_exit while a KVM guest ran (probe not loaded or tracepoint mismatch)"
    elif [ -n "$badid" ]; then broken "kvm probes record garbage ($badid): lttng-modules does not match this kernel's KVM tracepoints; apply vmtests/lttng-modules/*.patch"
    else ok "kvm probes sane ($nexit exits, vcpu_id 0)"
    fi
    rm -rf "$d"
  fi
fi
[ "$VT_DRY_RUN" = 1 ] && exit 0
if [ "$bad" = 0 ]; then echo "host ready"; else echo "host NOT ready"; fi
exit "$bad"
