#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside L0's chroot (the lab image): with mode=trace, records a kernel
# trace with lttng-modules (vmtests/record.sh) around the L1 guest started by
# the project's own launcher (vmtests/launch-vm.sh); with mode=smoke, only
# runs the launcher. The trace goes to /out/trace.
# shellcheck shell=sh
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root
mode=trace rounds=40 nested=1 l2boot=0
read -r cmdline </proc/cmdline
for a in $cmdline; do
  case $a in
    mode=*) mode=${a#mode=} ;;
    rounds=*) rounds=${a#rounds=} ;;
    nested=*) nested=${a#nested=} ;;
    l2boot=*) l2boot=${a#l2boot=} ;;
  esac
done
cp /lab/l1disk.img /out/l1disk.img
# the L1's virtio-net goes through vhost-net to a tap device of L0 (no traffic
# leaves L0); iproute2 by path: busybox sh prefers its own applets
/usr/sbin/ip tuntap add tap0 mode tap && /usr/sbin/ip link set tap0 up
# the project's host check, on a real (if emulated) KVM host
bash /lab/vmtests/check-host.sh 2>&1 | sed 's/^/CHECK: /'
# l2boot: L1 also gets this image (L0's /dev/vda, read-only) to run QEMU for a full L2
mem=256 tmo=240 extra=''
[ "$l2boot" = 1 ] && mem=768 tmo=600 extra='--disk2 /dev/vda'
# shellcheck disable=SC2086
set -- /lab/vmtests/launch-vm.sh --name l1 --smp 2 --mem $mem --cpu-flag svm --pin 0,1 $extra \
  --kernel /lab/l1-vmlinuz --initrd /lab/l1-initrd.gz --disk /out/l1disk.img --net vhost --tap tap0 \
  --append "console=ttyS0 panic=-1 quiet no_timer_check rounds=$rounds nested=$nested l2boot=$l2boot" --timeout $tmo
if [ "$mode" = trace ]; then
  bash /lab/vmtests/record.sh --output /out/trace --kmod-probes sched,irq,kvm,kvm-x86 -- bash "$@"
else
  bash "$@"
fi
echo "L0: l1 rc=$?"
rm -f /out/l1disk.img
