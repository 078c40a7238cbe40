#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds lttng-modules 2.13.9 (Debian source, vmflow patch) for the Debian
# cloud kernel that the TCG lab boots, and caches the stripped .ko files in
# $VMFLOW_VMTESTS_CACHE/modules-<kver>/ (skipped when the cache is current).
# Nothing is installed: the debs are downloaded with apt-get and unpacked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$here/../lib/common.sh"

usage() { echo "usage: ${0##*/} [--dry-run] [--force] [--stock]"; }
# --stock: only the build fix (timer.h) and the KVM headers, NOT the KVM
# event fixes: reproduces the silent defects of Debian's package, for the
# defect-detection test traces.
force=0 stock=0
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) VT_DRY_RUN=1 ;;
    --force) force=1 ;;
    --stock) stock=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

patch_file=$here/../lttng-modules/0001-kvm-x86-and-hrtimer-for-debian-6.1.patch
kpkg=$(vt_kernel_pkg)
[ -n "$kpkg" ] || vt_die "no linux-image-cloud-amd64 in the apt lists; run apt-get update"
kver=${kpkg#linux-image-}
kcommon=${kver%-cloud-amd64}-common
kbuild=linux-kbuild-$(echo "$kver" | cut -d. -f1-2)
ksrc=linux-source-$(echo "$kver" | cut -d. -f1-2)
out=$VT_CACHE/modules-$kver
[ "$stock" = 0 ] || out=$VT_CACHE/modules-$kver-stock
# The cache key: the patch, the mode and this recipe's version (bump it when
# a change of this script changes the modules).
recipe=1
stamp_want=$( { cat "$patch_file"; echo "recipe=$recipe stock=$stock kpkg=$kpkg"; } | sha256sum | cut -c1-16)
if [ "$force" = 0 ] && [ "$VT_DRY_RUN" = 0 ] && [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp_want" ]; then
  vt_note "modules for $kver are current in $out"
  exit 0
fi

work=$VT_CACHE/build-$kver
[ "$stock" = 0 ] || work=$VT_CACHE/build-$kver-stock
debs=$VT_CACHE/debs
root=$work/root
src=$root/usr/src/lttng-modules-2.13.9
hdr=$root/usr/src/linux-headers-$kver
common=$root/usr/src/linux-headers-$kcommon

t0=$(date +%s)
vt_run mkdir -p "$debs" "$work"
vt_sh "cd '$debs' && apt-get download $kpkg linux-headers-$kver linux-headers-$kcommon $kbuild lttng-modules-dkms $ksrc 2>&1 | grep -v '^W: Download is performed unsandboxed' || true"
vt_run rm -rf "$root"
vt_run mkdir -p "$root"
for p in "linux-headers-${kver}_" "linux-headers-${kcommon}_" "${kbuild}_" "lttng-modules-dkms_"; do
  vt_sh "dpkg-deb -x \"\$(ls '$debs'/$p*.deb | tail -1)\" '$root'"
done
# The headers' Makefile includes the common tree by absolute path.
vt_run sed -i "s#^include /usr/src/#include $root/usr/src/#" "$hdr/Makefile"
# Problem 2: Debian's headers lack the private KVM headers; take them from
# linux-source, otherwise the kvm-x86 probe is silently not built.
vt_sh "dpkg-deb --fsys-tarfile \"\$(ls '$debs'/${ksrc}_*.deb | tail -1)\" | tar -x -O ./usr/src/$ksrc.tar.xz | tar -xJ -C '$work' --wildcards '*/arch/x86/kvm/*.h' '*/virt/kvm/*.h'"
vt_sh "cd '$work/$ksrc' && find arch/x86/kvm virt/kvm -name '*.h' | while read -r f; do mkdir -p '$common'/\"\$(dirname \"\$f\")\"; cp \"\$f\" '$common'/\"\$f\"; done"
# Problems 1 and 3: the vmflow patch.
if [ "$stock" = 0 ]; then
  vt_sh "cd '$src' && sed -n '/^diff /,\$p' '$patch_file' | patch -p1 --quiet"
else
  vt_sh "cd '$src' && awk '/^diff /{keep = (\$0 ~ /timer\\.h/)} keep' '$patch_file' | patch -p1 --quiet"
fi
vt_sh "nice -n 10 make -j\"\$(nproc)\" -C '$hdr' M='$src' modules CONFIG_LTTNG=m KCFLAGS=-DLTTNG_HRTIMER_START_WAS_ARMED > '$work/make.log' 2>&1 || { tail -30 '$work/make.log'; exit 1; }"
if [ "$VT_DRY_RUN" = 0 ]; then
  if grep -q 'x86-specific is disabled' "$work/make.log"; then
    grep 'x86-specific is disabled' "$work/make.log" >&2
    vt_die "the kvm-x86 probe was not built (private KVM headers missing)"
  fi
  [ -f "$src/src/probes/lttng-probe-kvm-x86.ko" ] || vt_die "lttng-probe-kvm-x86.ko was not built; see $work/make.log"
fi
vt_run rm -rf "$out"
vt_run mkdir -p "$out"
vt_sh "find '$src' -name '*.ko' -exec cp {} '$out/' \\; && strip --strip-debug '$out'/*.ko"
vt_sh "echo $stamp_want > '$out/.stamp'"
vt_sh "rm -rf '$work/$ksrc'"
[ "$VT_DRY_RUN" = 1 ] || vt_note "built $(find "$out" -name '*.ko' | wc -l) modules for $kver in $(( $(date +%s) - t0 )) s -> $out"
