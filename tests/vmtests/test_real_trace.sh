#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_real_trace.sh - vmflow analyze on a REAL KVM host trace (kvm-amd and
# patched lttng-modules in a QEMU/TCG guest; L1 with 2 vCPUs running the
# workload and a nested L2): every result is checked against facts counted
# independently with babeltrace2 + awk (corpora/real/*/facts.tsv, written by
# vmtests/tcg/trace-facts.sh when the trace was recorded). A folder with a
# defects.txt holds a trace recorded with a DEFECTIVE tracer (stock
# lttng-modules): its facts must show the defect, and vmflow must warn with
# every pattern of defects.txt (one extended regex a line).
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
command -v python3 >/dev/null || { echo "python3 needed"; exit 1; }

for dir in "$VMFLOW_SOURCE_DIR"/corpora/real/*/; do
  name=$(basename "$dir")
  F=$dir/facts.tsv
  fact() { awk -F'\t' -v k="$1" '$1 == k {print $2; exit}' "$F"; }
  tar -xJf "$dir/trace.tar.xz" -C "$T"
  tr=$T/$name

  # The trace is intact: babeltrace2 sees the number of events of the facts.
  bt_events=$(babeltrace2 "$tr" 2>/dev/null | grep -c '')
  expect_eq "$bt_events" "$(fact events)" "$name: babeltrace2 reads all $(fact events) events"

  if [ -f "$dir/defects.txt" ]; then
    run_cmd "$VMFLOW" analyze "$tr" -o "$T/$name-out"
    said="$err"
    # the facts (babeltrace2) show the defect: pointer-sized vcpu ids, or VMRUN exits without nested_vmrun
    vmr=$(awk -F'\t' '$1 == "exit" && $5 == "VMRUN" {s += $6} END {print s + 0}' "$F")
    nvr=$(awk -F'\t' '$1 == "event" && $2 == "kvm_x86_nested_vmrun" {print $3}' "$F")
    if [ "$(fact bad_vcpu_id_events)" -gt 0 ] || { [ "$vmr" -gt 0 ] && [ "${nvr:-0}" = 0 ]; }; then
      ok "$name: babeltrace2 facts show the recording defect ($(fact bad_vcpu_id_events) entries with vcpu_id > 65535, VMRUN $vmr, nested_vmrun ${nvr:-0})"
    else
      not_ok "$name: babeltrace2 facts show the recording defect"
    fi
    [ -f "$T/$name-out/summary.json" ] && said+=$'\n'$(python3 -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1]))['warnings']))" "$T/$name-out/summary.json")
    while IFS= read -r pat; do
      [ -n "$pat" ] && [ "${pat#\#}" = "$pat" ] || continue
      printf '%s\n' "$said" | grep -qE -- "$pat" && ok "$name: vmflow warns /$pat/" || not_ok "$name: vmflow warns /$pat/ (said: $said)"
    done < "$dir/defects.txt"
    rm -rf "$tr" "$T/$name-out"
    continue
  fi
  run_cmd "$VMFLOW" analyze "$tr" -o "$T/$name-out"
  expect_eq "$rc" 0 "$name: analyze succeeds"
  [ "$rc" = 0 ] || { echo "$err"; continue; }
  S=$T/$name-out/summary.json
  js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$S"; }

  expect_eq "$(js 'd["trace"]["hostname"]')" "$(fact hostname)" "$name: hostname"
  expect_eq "$(js 'd["trace"]["event_count"]')" "$(fact events)" "$name: event count"
  expect_eq "$(js 'd["trace"]["discarded_events"]')" 0 "$name: no discarded events"
  expect_eq "$(js 'len(d["vms"])')" "$(fact vms)" "$name: number of VMs"
  # each VM: its QEMU pid and its vCPUs, and the exits per vCPU
  while IFS=$'\t' read -r _ pid nv; do
    expect_eq "$(js "[v['pid'] for v in d['vms']].count($pid)")" 1 "$name: VM pid $pid found"
    expect_eq "$(js "len([v for v in d['vms'] if v['pid']==$pid][0]['vcpus'])")" "$nv" "$name: VM $pid has $nv vCPUs"
  done < <(grep $'^vm\t' "$F")
  while IFS=$'\t' read -r _ pid vcpu n; do
    got=$(js "[c['exits'] for v in d['vms'] if v['pid']==$pid for c in v['vcpus'] if c['vcpu_id']==$vcpu][0]")
    expect_eq "$got" "$n" "$name: VM $pid vCPU $vcpu has $n exits"
  done < <(grep $'^vcpu\t' "$F")

  # exits.tsv: one row per (VM, vCPU, reason), counting the exits that were
  # closed by an entry (the facts' open_exit rows are the ones still open).
  E=$T/$name-out/exits.tsv
  expect_eq "$(awk -F'\t' 'NR > 1 && $2 != "all"' "$E" | grep -c '')" "$(grep -c $'^exit\t' "$F")" "$name: one exits.tsv row per (vCPU, reason) of the facts"
  bad=0
  while IFS=$'\t' read -r _ pid vcpu code rname n; do
    open=$(awk -F'\t' -v p="$pid" -v c="$vcpu" -v r="$code" '$1=="open_exit" && $2==p && $3==c && $4==r' "$F" | grep -c '')
    want=$((n - open))
    got=$(awk -F'\t' -v p="$pid" -v c="$vcpu" -v r="$rname" '$1==p && $2==c && $3==r {print $4}' "$E")
    if [ "$got" != "$want" ]; then bad=1; not_ok "$name: vCPU $vcpu $rname ($code): exits.tsv ${got:-none}, babeltrace2 $want"; fi
  done < <(grep $'^exit\t' "$F")
  [ "$bad" = 1 ] || ok "$name: every exit count per vCPU and SVM reason equals the babeltrace2 count"
  # the per-VM "all" rows: the sum over its vCPUs
  want_all=$(awk -F'\t' '$1 == "exit" {n[$2 "\t" $5] += $6} $1 == "open_exit" {o[$2 "\t" $5]++}
    END {for (k in n) print k "\t" n[k] - o[k]}' "$F" | sort)
  got_all=$(awk -F'\t' 'NR > 1 && $2 == "all" {print $1 "\t" $3 "\t" $4}' "$E" | sort)
  expect_eq "$got_all" "$want_all" "$name: per-VM exit counts per reason (the 'all' rows) equal babeltrace2's"

  # SVM: the ISA of the exits and the nested activity of L1 running L2.
  expect_eq "$(fact isa)" 2 "$name: facts say SVM (isa 2)"
  vmrun=$(awk -F'\t' '$2 != "all" && $3 == "VMRUN" {s += $4} END {print s + 0}' "$E")
  facts_vmrun=$(awk -F'\t' '$1 == "exit" && $5 == "VMRUN" {s += $6} END {print s + 0}' "$F")
  expect_eq "$vmrun" "$facts_vmrun" "$name: VMRUN exits (nested L2 runs) = babeltrace2"
  [ "$facts_vmrun" -gt 0 ] && ok "$name: the trace has nested activity" || not_ok "$name: the trace has nested activity"
  nv=$(awk -F'\t' '$1 == "event" && $2 == "kvm_x86_nested_vmrun" {print $3}' "$F")
  [ "${nv:-0}" -gt 0 ] && ok "$name: kvm_x86_nested_vmrun events present ($nv)" || not_ok "$name: kvm_x86_nested_vmrun events present"

  # The local timer vector 0xec (236): many injections in the facts, and
  # vmflow classifies HLT waits ended by it as timer waits; with another
  # timer vector those waits are no longer timer waits.
  v236=$(awk -F'\t' '$1 == "vector" && $2 == 236 {print $3}' "$F")
  [ "${v236:-0}" -gt 100 ] && ok "$name: vector 0xec injected $v236 times" || not_ok "$name: vector 0xec injected"
  timer=$(js 'sum(v["wait_counts"]["wait_timer"] for v in d["vms"])')
  [ "$timer" -gt 0 ] && ok "$name: timer waits found ($timer)" || not_ok "$name: timer waits found"
  run_cmd "$VMFLOW" analyze "$tr" -o "$T/$name-out2" --timer-vectors 1
  S=$T/$name-out2/summary.json
  expect_eq "$(js 'sum(v["wait_counts"]["wait_timer"] for v in d["vms"])')" 0 "$name: no timer waits when 0xec is not the timer vector"
  S=$T/$name-out/summary.json

  # The patched lttng-modules records sane values: small vCPU ids.
  expect_eq "$(fact max_vcpu_id)" 1 "$name: vCPU ids are 0 and 1"
  expect_eq "$(fact max_entry_vcpu_id)" 1 "$name: kvm_x86_entry vCPU ids are 0 and 1"
  # and vmflow raises none of the defect warnings on a sane trace
  expect_eq "$(js 'len([w for w in d["warnings"] if "vcpu_id" in w or "nested_vmrun" in w])')" 0 "$name: no recording-defect warning"
  rm -rf "$tr" "$T/$name-out" "$T/$name-out2"
done
finish
