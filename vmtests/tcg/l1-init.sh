#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the L1 (and L2) busybox initramfs of the TCG lab: loads virtio and
# kvm, runs the workload, and with nested=1 on the kernel command line runs
# kvmtest (a nested L2 KVM guest) three times; with l2boot=1 it also boots a
# full Linux L2 (same kernel and initramfs, level=2) through the project's
# launcher, from the lab image given as its second disk. Prints
# L<level>:/WORK:/KVMTEST: markers.
# shellcheck shell=sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk failover net_failover virtio_net; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
rounds=40
nested=0
l2boot=0
level=1
read -r cmdline </proc/cmdline
for a in $cmdline; do
  case $a in
    rounds=*) rounds=${a#rounds=} ;;
    nested=*) nested=${a#nested=} ;;
    l2boot=*) l2boot=${a#l2boot=} ;;
    level=*) level=${a#level=} ;;
  esac
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "L$level: up $(cat /proc/uptime)"
n=''
for i in /sys/class/net/*; do [ "${i##*/}" = lo ] || n="$n ${i##*/}"; done
echo "L$level: net$n"
/work "$rounds" /dev/vda
if [ "$nested" = 1 ] || [ "$l2boot" = 1 ]; then
  insmod /lib/modules/irqbypass.ko
  insmod /lib/modules/kvm.ko
  insmod /lib/modules/kvm-amd.ko
fi
if [ "$nested" = 1 ]; then
  for _ in 1 2 3; do /kvmtest; done
fi
if [ "$l2boot" = 1 ]; then
  mkdir -p /mnt
  if mount -o ro /dev/vdb /mnt; then
    mount --bind /dev /mnt/dev
    mount --bind /proc /mnt/proc
    mount --bind /sys /mnt/sys
    for d in tmp var/run run root; do mount -t tmpfs tmpfs /mnt/$d; done
    # GNU timeout and bash of the image, not busybox's applets
    chroot /mnt /bin/env PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root /usr/bin/bash /lab/vmtests/launch-vm.sh --name l2 --smp 1 --mem 160 --cpu-flag none \
      --kernel /lab/l1-vmlinuz --initrd /lab/l1-initrd.gz --timeout 400 \
      --append "console=ttyS0 panic=-1 quiet no_timer_check rounds=$rounds nested=0 level=2"
    echo "L1: l2 rc=$?"
  else
    echo "L1: FAIL no lab image on /dev/vdb"
  fi
fi
echo "L$level: done"
poweroff -f
