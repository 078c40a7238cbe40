#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The TCG lab: on a machine without /dev/kvm, boots a QEMU/TCG guest (L0,
# -cpu max, which emulates AMD SVM) that acts as a real KVM host: kvm-amd and
# the patched lttng-modules load in it, and the project's own launcher
# (vmtests/launch-vm.sh) starts a KVM guest (L1) running the workload, and
# optionally a nested L2 (kvmtest). With --mode trace the L0 kernel trace
# (vmtests/record.sh) is copied out to --out; with --mode smoke nothing is
# traced. Serial-console markers are checked; one retry on failure.
# See docs/reproduce.md and shared docs/real-kvm-traces.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$here/../lib/common.sh"

usage() {
  cat <<'USAGE'
usage: record-tcg.sh [options]
  --mode trace|smoke   record a kernel trace (default) or only boot L1 through L0
  --out DIR            where the trace is copied (trace mode; default ./tcg-trace)
  --rounds N           workload rounds in L1 (default 40)
  --no-nested          do not run the nested L2 (kvmtest) in L1
  --l2boot             also boot a full Linux L2 inside L1 (deep nested run, 3-5x longer)
  --stock              trace with lttng-modules WITHOUT the KVM event fixes (the silent
                       defects of Debian's package), to test defect detection
  --timeout S          timeout of the L0 QEMU (default 600)
  --workdir DIR        build folder (default $VMFLOW_VMTESTS_CACHE/run)
  --dry-run            print the commands, run nothing
USAGE
}

mode=trace out=$PWD/tcg-trace rounds=40 nested=1 l2boot=0 stock=0 tmo='' workdir=''
while [ $# -gt 0 ]; do
  case $1 in
    --mode) mode=$2; shift ;;
    --out) out=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --no-nested) nested=0 ;;
    --l2boot) l2boot=1 ;;
    --stock) stock=1 ;;
    --timeout) tmo=$2; shift ;;
    --workdir) workdir=$2; shift ;;
    --dry-run) VT_DRY_RUN=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
case $mode in trace|smoke) ;; *) vt_die "--mode must be trace or smoke" ;; esac
if [ -z "$tmo" ]; then if [ "$l2boot" = 1 ]; then tmo=1200; else tmo=600; fi; fi
vt_need qemu-system-x86_64 busybox cpio gzip mkfs.ext4 debugfs gcc depmod ip
[ "$mode" = smoke ] || vt_need lttng lttng-sessiond

kpkg=$(vt_kernel_pkg)
[ -n "$kpkg" ] || vt_die "no linux-image-cloud-amd64 in the apt lists; run apt-get update"
kver=${kpkg#linux-image-}
w=${workdir:-$VT_CACHE/run}
kroot=$VT_CACHE/kroot-$kver
mods=$kroot/lib/modules/$kver
lttngko=$VT_CACHE/modules-$kver
mflags=()
if [ "$stock" = 1 ]; then lttngko=$VT_CACHE/modules-$kver-stock; mflags=(--stock); fi
t0=$(date +%s)
step() { [ "$VT_DRY_RUN" = 1 ] || vt_note "[$(( $(date +%s) - t0 )) s] $*"; }

# 1. the guest kernel (downloaded, unpacked, never installed) and the modules
if [ ! -d "$mods" ] || [ "$VT_DRY_RUN" = 1 ]; then
  vt_run mkdir -p "$VT_CACHE/debs"
  vt_sh "cd '$VT_CACHE/debs' && { ls ${kpkg}_*.deb >/dev/null 2>&1 || apt-get download $kpkg 2>&1 | grep -v '^W: Download is performed unsandboxed' || true; }"
  vt_sh "rm -rf '$kroot' && dpkg-deb -x \"\$(ls '$VT_CACHE/debs'/${kpkg}_*.deb | tail -1)\" '$kroot'"
fi
if [ "$mode" = trace ]; then
  step "lttng-modules"
  if [ "$VT_DRY_RUN" = 1 ]; then bash "$here/build-modules.sh" --dry-run "${mflags[@]}"
  else bash "$here/build-modules.sh" "${mflags[@]}"; fi
fi

# 2. guest programs
step "guest programs and images"
vt_run rm -rf "$w"
vt_run mkdir -p "$w/l1" "$w/l0" "$w/lab" "$w/outdir"
vt_run gcc -O2 -static -Wall -o "$w/l1/work" "$top/guest/work.c" -lpthread
vt_run gcc -O2 -static -Wall -o "$w/l1/kvmtest" "$top/guest/kvmtest.c"

# modname -> path in the module tree
kmod_path() { find "$mods/kernel" -name "$1.ko" | head -1; }
# in load order; the same list serves L0 (kvm-amd, vhost-net for the L1's
# virtio-net) and L1 (virtio-blk, virtio-net, kvm-amd for the nested L2)
l1mods=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk
  failover net_failover virtio_net irqbypass kvm kvm-amd tun tap vhost_iotlb vhost vhost_net)

# 3. L1 initramfs (also used as L0's initramfs, with another /init)
for d in l1 l0; do
  vt_run mkdir -p "$w/$d/bin" "$w/$d/lib/modules" "$w/$d/proc" "$w/$d/sys" "$w/$d/dev" "$w/$d/mnt"
  vt_run cp "$(command -v busybox)" "$w/$d/bin/busybox"
  vt_run ln -s busybox "$w/$d/bin/sh"
  for m in "${l1mods[@]}"; do
    if [ "$VT_DRY_RUN" = 1 ]; then echo "cp \$(find $mods/kernel -name $m.ko) $w/$d/lib/modules/"
    else cp "$(kmod_path "$m")" "$w/$d/lib/modules/"; fi
  done
done
vt_run install -m 755 "$here/l1-init.sh" "$w/l1/init"
vt_run install -m 755 "$here/l0-init.sh" "$w/l0/init"
vt_sh "cd '$w/l1' && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -1 > '$w/l1-initrd.gz'"
vt_sh "cd '$w/l0' && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -1 > '$w/l0-initrd.gz'"

# 4. the lab image L0 chroots into: busybox, bash, coreutils' timeout, QEMU,
#    lttng-tools, the kernel's module tree with the lttng modules, the lab.
lab=$w/lab
copy_bin() { # binary + its shared libraries, same absolute paths
  local b=$1 l
  vt_run install -D "$b" "$lab$b"
  for l in $(ldd "$b" | awk '/=> \//{print $3} $1 ~ /^\//{print $1}'); do
    [ -e "$lab$l" ] || vt_run install -D "$l" "$lab$l"
  done
}
vt_run mkdir -p "$lab/bin" "$lab/usr/bin" "$lab/etc" "$lab/dev/shm" "$lab/proc" "$lab/sys" "$lab/var/run" \
  "$lab/root" "$lab/run" "$lab/tmp" "$lab/out" "$lab/lab/vmtests/lib"
vt_run cp "$(command -v busybox)" "$lab/bin/busybox"
vt_sh "for a in \$(busybox --list); do [ -e '$lab/bin/'\$a ] || ln -s busybox '$lab/bin/'\$a; done"
if [ "$VT_DRY_RUN" = 1 ]; then
  echo "# copy_bin: install -D each binary and every library 'ldd' lists into $lab at the same path"
  echo "copy_bin /usr/bin/bash /usr/bin/timeout /usr/sbin/ip /usr/bin/qemu-system-x86_64 (trace mode: lttng, lttng-sessiond, lttng-consumerd)"
else
  bins=(/usr/bin/bash /usr/bin/timeout /usr/sbin/ip /usr/bin/qemu-system-x86_64)
  [ "$mode" = smoke ] || bins+=(/usr/bin/lttng /usr/bin/lttng-sessiond /usr/lib/x86_64-linux-gnu/lttng/libexec/lttng-consumerd)
  for b in "${bins[@]}"; do copy_bin "$b"; done
fi
vt_run mkdir -p "$lab/usr/share" "$lab/usr/lib"
vt_run cp -a /usr/share/qemu /usr/share/seabios "$lab/usr/share/"
vt_run cp -a /usr/lib/ipxe "$lab/usr/lib/"
vt_sh "printf 'root:x:0:0:root:/root:/bin/sh\n' > '$lab/etc/passwd'; printf 'root:x:0:\ntracing:x:999:root\n' > '$lab/etc/group'"
if [ "$mode" = trace ]; then
  vt_run install -D -m 644 /usr/share/xml/lttng/session.xsd "$lab/usr/share/xml/lttng/session.xsd"
  vt_run mkdir -p "$lab/lib/modules"
  vt_run cp -a "$mods" "$lab/lib/modules/"
  vt_run mkdir -p "$lab/lib/modules/$kver/updates/lttng"
  vt_sh "cp '$lttngko'/*.ko '$lab/lib/modules/$kver/updates/lttng/'"
  vt_run depmod -b "$lab" "$kver"
fi
vt_run install -m 755 "$here/l0-run.sh" "$lab/lab/l0-run.sh"
vt_run install -m 755 "$top/launch-vm.sh" "$top/record.sh" "$top/check-host.sh" "$lab/lab/vmtests/"
vt_run install -m 644 "$top/lib/common.sh" "$lab/lab/vmtests/lib/"
vt_run cp "$kroot/boot/vmlinuz-$kver" "$lab/lab/l1-vmlinuz"
vt_run cp "$w/l1-initrd.gz" "$lab/lab/l1-initrd.gz"
vt_run dd if=/dev/urandom of="$lab/lab/l1disk.img" bs=1M count=1 status=none
vt_sh "sz=\$(( \$(du -sm '$lab' | cut -f1) * 13 / 10 + 64 )); truncate -s \${sz}M '$w/lab.img' && mkfs.ext4 -q -F -d '$lab' '$w/lab.img'"
vt_sh "truncate -s 512M '$w/out.img' && mkfs.ext4 -q -F '$w/out.img'"

# 5. run L0 (TCG), with one retry when a marker is missing
markers=("L0: up" "pinned to CPU 1" "L1: net eth0" "WORK: done" "L1: done" "L0: done")
[ "$nested" = 0 ] || markers+=("KVMTEST: ok")
[ "$l2boot" = 0 ] || markers+=("L2: done" "L1: l2 rc=0")
run_l0() {
  vt_sh "nice -n 10 timeout --kill-after=10 $tmo qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 3072 \
-nographic -no-reboot -nic none -kernel '$kroot/boot/vmlinuz-$kver' -initrd '$w/l0-initrd.gz' \
-append 'console=ttyS0 panic=-1 quiet no_timer_check mode=$mode rounds=$rounds nested=$nested l2boot=$l2boot' \
-drive file='$w/lab.img',if=none,id=d0,format=raw,readonly=on -device virtio-blk-pci,drive=d0 \
-drive file='$w/out.img',if=none,id=d1,format=raw -device virtio-blk-pci,drive=d1 \
</dev/null > '$w/serial.log' 2>&1"
}
check_markers() {
  local m ok=0
  for m in "${markers[@]}"; do
    grep -q "$m" "$w/serial.log" || { vt_note "missing marker '$m' in $w/serial.log"; ok=1; }
  done
  return $ok
}
if [ "$VT_DRY_RUN" = 1 ]; then
  run_l0
  echo "# then: grep the markers ${markers[*]} in $w/serial.log; retry once"
else
  step "L0 boot ($mode)"
  rc=0; run_l0 || rc=$?
  if [ $rc -ne 0 ] || ! check_markers; then
    vt_note "L0 run failed (rc=$rc); last lines:"; tail -15 "$w/serial.log" >&2
    vt_note "retrying once"
    vt_sh "truncate -s 0 '$w/out.img' && truncate -s 512M '$w/out.img' && mkfs.ext4 -q -F '$w/out.img'"
    rc=0; run_l0 || rc=$?
    if [ $rc -ne 0 ] || ! check_markers; then tail -30 "$w/serial.log" >&2; vt_die "L0 run failed twice"; fi
  fi
  grep -E '^(L0|L1|WORK|KVMTEST):' "$w/serial.log" | tr -d '\r' >&2 || true
fi

# 6. copy the trace out
if [ "$mode" = trace ]; then
  step "extract trace"
  vt_run rm -rf "$out"
  vt_run mkdir -p "$out"
  vt_sh "debugfs -R 'rdump /trace $out' '$w/out.img' >/dev/null 2>&1"
  if [ "$VT_DRY_RUN" = 0 ]; then
    [ -f "$out/trace/kernel/metadata" ] || vt_die "no trace in $w/out.img"
    vt_note "trace in $out/trace ($(du -sh "$out/trace" | cut -f1))"
  fi
fi
step "done"
