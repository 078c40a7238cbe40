#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_tcg_lab.sh - records a NEW real KVM host trace on this machine and
# checks vmflow on it: vmtests/tcg/record-tcg.sh builds the patched
# lttng-modules for Debian's cloud kernel (cached), boots it under QEMU/TCG
# as a KVM host (kvm-amd), where the project's launcher starts an L1 with the
# workload and a nested L2; the kernel trace is copied out, its facts are
# counted with babeltrace2 + awk, and vmflow analyze must agree.
# Slow (about 2 min with cached modules, 4-5 min cold): runs only when
# VMFLOW_VMTESTS_TCG=1 (.ci/test.sh sets it for one build); otherwise skips.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
if [ "${VMFLOW_VMTESTS_TCG:-0}" != 1 ]; then
  echo "skipped: set VMFLOW_VMTESTS_TCG=1 to record a real trace in a TCG guest (vmtests/tcg/record-tcg.sh)"
  finish
  exit 0
fi
V=$VMFLOW_SOURCE_DIR/vmtests
t0=$(date +%s)
run_cmd bash "$V/tcg/record-tcg.sh" --out "$T/rec" --workdir "$T/work" --rounds 20
expect_eq "$rc" 0 "record-tcg.sh records a trace ($(printf '%s' "$err" | tail -3 | tr '\n' ' '))"
echo "record-tcg.sh took $(( $(date +%s) - t0 )) s"
printf '%s\n' "$err" | grep -E '^(L0|L1|WORK|KVMTEST|launch-vm.sh|record-tcg.sh):' | tr -d '\r'
[ "$rc" = 0 ] || { finish; exit 1; }
grep -q 'pinned to CPU 1' "$T/work/serial.log" && ok "the launcher pinned the vCPU threads in L0" || not_ok "vCPU pinning in L0"
expect_eq "$(grep -c 'KVMTEST: ok' "$T/work/serial.log")" 3 "three nested L2 runs in L1"
# vmtests/check-host.sh, run in L0 (a real KVM host with the lab's lttng-modules)
for m in 'CHECK: ok: CPU has svm' 'CHECK: ok: kvm_amd nested=1' 'CHECK: ok: /dev/vhost-net present' \
         'CHECK: ok: module lttng-tracer available' 'CHECK: ok: module lttng-probe-kvm-x86 available'; do
  grep -qF "$m" "$T/work/serial.log" && ok "check-host in L0: '$m'" || not_ok "check-host in L0: '$m'"
done

F=$T/facts.tsv
bash "$V/tcg/trace-facts.sh" "$T/rec/trace" > "$F"
fact() { awk -F'\t' -v k="$1" '$1 == k {print $2; exit}' "$F"; }
expect_eq "$(fact isa)" 2 "SVM exits (isa 2)"
expect_eq "$(fact vms)" 1 "one VM"
expect_eq "$(fact max_vcpu_id)" 1 "vCPU ids 0 and 1 (patched probes: no pointer bits)"

run_cmd "$VMFLOW" analyze "$T/rec/trace" -o "$T/out"
expect_eq "$rc" 0 "analyze succeeds"
S=$T/out/summary.json E=$T/out/exits.tsv
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$S"; }
expect_eq "$(js 'd["trace"]["event_count"]')" "$(fact events)" "event count = babeltrace2"
expect_eq "$(js 'len(d["vms"])')" 1 "analyze finds the VM"
expect_eq "$(js 'sorted(c["vcpu_id"] for c in d["vms"][0]["vcpus"])')" "[0, 1]" "analyze finds vCPUs 0 and 1"
expect_eq "$(js 'd["vms"][0]["pid"]')" "$(awk -F'\t' '$1 == "vm" {print $2}' "$F")" "VM pid = babeltrace2's"
bad=0
while IFS=$'\t' read -r _ pid vcpu code rname n; do
  open=$(awk -F'\t' -v p="$pid" -v c="$vcpu" -v r="$code" '$1=="open_exit" && $2==p && $3==c && $4==r' "$F" | grep -c '')
  got=$(awk -F'\t' -v p="$pid" -v c="$vcpu" -v r="$rname" '$1==p && $2==c && $3==r {print $4}' "$E")
  [ "$got" = "$((n - open))" ] || { bad=1; not_ok "vCPU $vcpu $rname: exits.tsv ${got:-none}, babeltrace2 $((n - open))"; }
done < <(grep $'^exit\t' "$F")
[ "$bad" = 1 ] || ok "exit counts per vCPU and SVM reason = babeltrace2"
for r in HLT IOIO MSR CPUID NPF INTR VMRUN; do
  awk -F'\t' -v r="$r" '$2 != "all" && $3 == r' "$E" | grep -q . && ok "SVM exit $r found" || not_ok "SVM exit $r found"
done
nv=$(awk -F'\t' '$1 == "event" && $2 == "kvm_x86_nested_vmrun" {print $3}' "$F")
[ "${nv:-0}" -gt 0 ] && ok "kvm_x86_nested_vmrun recorded ($nv)" || not_ok "kvm_x86_nested_vmrun recorded"
v236=$(awk -F'\t' '$1 == "vector" && $2 == 236 {print $3}' "$F")
[ "${v236:-0}" -gt 0 ] && ok "timer vector 0xec injected ($v236)" || not_ok "timer vector 0xec injected"
[ "$(js 'sum(v["wait_counts"]["wait_timer"] for v in d["vms"])')" -gt 0 ] && ok "timer waits found" || not_ok "timer waits found"
echo "test_tcg_lab took $(( $(date +%s) - t0 )) s"
rm -rf "$T/work"
finish
