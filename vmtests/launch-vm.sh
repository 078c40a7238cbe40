#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Launches one KVM guest (an L1 on a lab host, or an L2 inside an L1) the way
# the vmflow experiments need it: -cpu host with +vmx/+svm and enforce,
# named vCPU threads (-name ...,debug-threads=on), vCPU pinning, virtio-blk
# on an iothread, virtio-net with vhost (vhostforce=on), and a timeout.
# --dry-run prints the exact commands instead of running them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"

usage() {
  cat <<'USAGE'
usage: launch-vm.sh [options] (--kernel FILE --initrd FILE | --image FILE)
  --name NAME          VM name (default l1); vCPU threads are "CPU n/KVM"
  --smp N --mem MB     vCPUs (default 2) and memory (default 512)
  --cpu-flag F         vmx, svm, auto (from /proc/cpuinfo; default) or none
  --pin LIST           host CPUs for vCPU 0,1,... (e.g. 2,3); default: no pinning
  --image FILE         boot disk (qcow2 or raw, e.g. a Debian cloud image) on virtio-blk
                       with an iothread, instead of --kernel/--initrd
  --seed FILE          a cloud-init NoCloud seed image (cloud-localds), read-only
  --disk FILE          raw disk on virtio-blk with an iothread (aio=native,cache=none)
  --disk2 FILE         a second raw disk, read-only (e.g. the L2 image)
  --net MODE           none (default), user (restrict=on) or vhost (tap + vhost-net, vhostforce=on)
  --tap IFNAME         tap interface for --net vhost (default tap0, must exist)
  --append STRING      kernel command line (default: console=ttyS0 panic=-1 quiet)
  --timeout SECONDS    kill QEMU after this long (default 600)
  --qemu PATH          QEMU binary (default qemu-system-x86_64)
  --dry-run            print the commands, check nothing, run nothing
USAGE
}

name=l1 smp=2 mem=512 cpuflag=auto pin='' disk='' disk2='' net=none tap=tap0
kernel='' initrd='' image='' seed='' append='console=ttyS0 panic=-1 quiet' tmo=600 qemu=qemu-system-x86_64
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift ;;
    --smp) smp=$2; shift ;;
    --mem) mem=$2; shift ;;
    --cpu-flag) cpuflag=$2; shift ;;
    --pin) pin=$2; shift ;;
    --disk) disk=$2; shift ;;
    --disk2) disk2=$2; shift ;;
    --net) net=$2; shift ;;
    --tap) tap=$2; shift ;;
    --kernel) kernel=$2; shift ;;
    --image) image=$2; shift ;;
    --seed) seed=$2; shift ;;
    --initrd) initrd=$2; shift ;;
    --append) append=$2; shift ;;
    --timeout) tmo=$2; shift ;;
    --qemu) qemu=$2; shift ;;
    --dry-run) VT_DRY_RUN=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$image" ] && { [ -z "$kernel" ] || [ -z "$initrd" ]; }; then usage >&2; exit 2; fi
case $net in none|user|vhost) ;; *) vt_die "--net must be none, user or vhost" ;; esac

if [ "$cpuflag" = auto ]; then
  if grep -qw vmx /proc/cpuinfo; then cpuflag=vmx
  elif grep -qw svm /proc/cpuinfo; then cpuflag=svm
  elif [ "$VT_DRY_RUN" = 1 ]; then cpuflag=none
  else vt_die "this CPU has neither vmx nor svm: no hardware virtualization (nested guests need it)"
  fi
fi

# The checks of docs/real-kvm-traces.md section 5: fail with a clear message
# instead of QEMU's (or an assertion).
if [ "$VT_DRY_RUN" = 0 ]; then
  [ -w /dev/kvm ] || vt_die "/dev/kvm is missing or not writable: load kvm_intel or kvm_amd (vmtests/check-host.sh tells more)"
  if [ -n "$image" ]; then [ -r "$image" ] || vt_die "image '$image' not readable"
  else
    [ -r "$kernel" ] || vt_die "kernel '$kernel' not readable"
    [ -r "$initrd" ] || vt_die "initrd '$initrd' not readable"
  fi
  if [ "$net" = vhost ]; then
    [ -e /dev/vhost-net ] || vt_die "/dev/vhost-net is missing: modprobe vhost_net"
    [ -e "/sys/class/net/$tap" ] || vt_die "tap interface '$tap' does not exist: ip tuntap add $tap mode tap && ip link set $tap up"
  fi
fi

cpu=host
[ "$cpuflag" = none ] || cpu="host,+$cpuflag"
cpu+=",enforce"

cmd=(timeout --kill-after=10 "$tmo" "$qemu" -name "$name,debug-threads=on"
  -machine q35,accel=kvm -cpu "$cpu" -smp "$smp" -m "$mem"
  -nographic -no-reboot -vga none)
if [ -n "$image" ]; then
  fmt=raw
  case $image in *.qcow2) fmt=qcow2 ;; esac
  cmd+=(-object iothread,id=io1
    -drive "file=$image,if=none,id=boot,format=$fmt,cache=none,aio=native"
    -device virtio-blk-pci,drive=boot,iothread=io1,bootindex=0)
  [ -z "$seed" ] || cmd+=(-drive "file=$seed,if=none,id=seed,format=raw,readonly=on" -device virtio-blk-pci,drive=seed)
else
  cmd+=(-kernel "$kernel" -initrd "$initrd" -append "$append")
fi
if [ -n "$disk" ]; then
  cmd+=(-object iothread,id=io0
    -drive "file=$disk,if=none,id=d0,format=raw,aio=native,cache=none"
    -device virtio-blk-pci,drive=d0,iothread=io0)
fi
if [ -n "$disk2" ]; then
  cmd+=(-drive "file=$disk2,if=none,id=d1,format=raw,readonly=on"
    -device virtio-blk-pci,drive=d1)
fi
case $net in
  none) cmd+=(-nic none) ;;
  user) cmd+=(-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0) ;;
  vhost) cmd+=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=on,vhostforce=on"
                -device virtio-net-pci,netdev=n0) ;;
esac

if [ -z "$pin" ]; then
  vt_run "${cmd[@]}"
  exit $?
fi

# Pinning: QEMU names its vCPU threads "CPU n/KVM"; pin each to its host CPU
# once it exists. QEMU's pid comes from its -pidfile (timeout is its parent).
IFS=, read -r -a cpus <<<"$pin"
pidfile=${TMPDIR:-/tmp}/vmflow-$name.$$.pid
cmd+=(-pidfile "$pidfile")
if [ "$VT_DRY_RUN" = 1 ]; then
  echo "$(vt_print "${cmd[@]}") &"
  echo 'tpid=$!'
  for i in "${!cpus[@]}"; do
    echo "taskset -p -c ${cpus[$i]} \"\$(grep -l '^CPU $i/KVM\$' /proc/\$(cat $pidfile)/task/*/comm | cut -d/ -f5)\"  # once the thread exists"
  done
  echo 'wait $tpid'
  exit 0
fi
rm -f "$pidfile"
"${cmd[@]}" &
tpid=$!
qpid=''
for _ in $(seq 400); do
  [ -s "$pidfile" ] && qpid=$(cat "$pidfile") && break
  kill -0 "$tpid" 2>/dev/null || break
  sleep 0.05
done
for i in "${!cpus[@]}"; do
  tid=''
  for _ in $(seq 200); do
    [ -n "$qpid" ] || break
    for f in /proc/"$qpid"/task/*/comm; do
      if [ "$(cat "$f" 2>/dev/null)" = "CPU $i/KVM" ]; then tid=${f#/proc/"$qpid"/task/}; tid=${tid%/comm}; break; fi
    done
    [ -n "$tid" ] && break
    sleep 0.05
  done
  if [ -n "$tid" ]; then taskset -p -c "${cpus[$i]}" "$tid" >/dev/null && vt_note "vCPU $i (thread $tid) pinned to CPU ${cpus[$i]}"
  else vt_note "vCPU $i thread not found; not pinned"
  fi
done
rc=0
wait "$tpid" || rc=$?
rm -f "$pidfile"
exit "$rc"
