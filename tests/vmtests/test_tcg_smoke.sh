#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_tcg_smoke.sh - smoke test of the project's own L1 command line on a
# machine without KVM hardware: a QEMU/TCG guest (L0, kvm-amd loaded) runs
# vmtests/launch-vm.sh (-enable-kvm -cpu host,+svm,enforce, named and pinned
# vCPU threads, virtio-blk on an iothread, virtio-net with vhost-net and
# vhostforce=on); the L1 runs the workload and a nested L2 (kvmtest).
# vmtests/check-host.sh runs in L0 too (its ok: lines are checked).
# Serial markers are checked. No tracing, no module build.
# Runs only when VMFLOW_VMTESTS_TCG=1 (.ci/test.sh sets it for one build).
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
if [ "${VMFLOW_VMTESTS_TCG:-0}" != 1 ]; then
  echo "skipped: set VMFLOW_VMTESTS_TCG=1 to boot the L1 launcher inside a TCG guest"
  finish
  exit 0
fi
t0=$(date +%s)
run_cmd bash "$VMFLOW_SOURCE_DIR/vmtests/tcg/record-tcg.sh" --mode smoke --workdir "$T/work" --rounds 10
expect_eq "$rc" 0 "L0 boots and runs the L1 launcher ($(printf '%s' "$err" | tail -2 | tr '\n' ' '))"
S=$T/work/serial.log
for m in 'CHECK: ok: CPU has svm' 'CHECK: ok: /dev/kvm usable' 'CHECK: ok: kvm_amd nested=1' \
         'CHECK: ok: /dev/vhost-net present' 'CHECK: ok: qemu-system-x86_64 installed' \
         'L0: up' 'kvm=yes nested=1' 'vCPU 0 (thread' 'pinned to CPU 1' 'L1: net eth0' 'WORK: done' 'L1: done' 'L0: l1 rc=0' 'L0: done'; do
  grep -qF "$m" "$S" && ok "marker '$m'" || not_ok "marker '$m'"
done
expect_eq "$(grep -c 'KVMTEST: ok' "$S")" 3 "three nested L2 runs"
grep -q 'requires KVM\|failed to initialize kvm\|vhost.*failed' "$S" && not_ok "no KVM/vhost error from QEMU in L0" || ok "no KVM/vhost error from QEMU in L0"
echo "smoke took $(( $(date +%s) - t0 )) s (about 25-30 s on an idle 2-core machine)"
rm -rf "$T/work"
finish
