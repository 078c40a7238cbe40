#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the L0 initramfs of the TCG lab (L0 is the TCG guest acting as a
# KVM host): loads virtio and kvm-amd, mounts the read-only lab image and
# the output disk, and runs /lab/l0-run.sh in a chroot. Prints L0: markers.
# shellcheck shell=sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk irqbypass kvm kvm-amd tun tap vhost_iotlb vhost vhost_net; do
  insmod /lib/modules/$m.ko || echo "L0: insmod $m failed"
done
hostname l0-tcg-kvmhost
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /mnt
mount -o ro /dev/vda /mnt || { echo "L0: FAIL mount image"; poweroff -f; }
mount --bind /dev /mnt/dev
mount --bind /proc /mnt/proc
mount --bind /sys /mnt/sys
mkdir -p /dev/shm
for d in var/run root run tmp dev/shm; do mount -t tmpfs tmpfs /mnt/$d; done
mount /dev/vdb /mnt/out || { echo "L0: FAIL mount out"; poweroff -f; }
mount -t tracefs nodev /mnt/sys/kernel/tracing 2>/dev/null
echo "L0: up $(cat /proc/uptime) kvm=$([ -c /dev/kvm ] && echo yes || echo no) nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null)"
chroot /mnt /bin/sh /lab/l0-run.sh
sync
umount /mnt/out
echo "L0: done"
poweroff -f
