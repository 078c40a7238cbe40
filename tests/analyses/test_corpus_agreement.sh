#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_corpus_agreement.sh - every corpus scenario that exercises a host-only
# analysis, synthesized, analysed and compared with its ground truth; the
# time-weighted agreement is pinned (docs/analyses.md, "Measured agreement").
# Clean scenarios must reach 99.9 %; the pins of the blind spots are the
# measured values rounded down.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"

check() { # SCENARIO MIN_PERCENT [PATH_PREFIX]
  local s=$1 min=$2 prefix=${3:-}
  if [ -d "$T/$s.out" ]; then :
  elif ! "$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/$s.yaml" -o "$T/$s.trace" --truth "$T/$s.truth" >/dev/null 2>"$T/$s.err"; then
    not_ok "$s: synth failed: $(head -1 "$T/$s.err")"; return
  fi
  if [ ! -d "$T/$s.out" ] && ! "$VMFLOW" analyze "$T/$s.trace" -o "$T/$s.out" >/dev/null 2>"$T/$s.err"; then
    not_ok "$s: analyze failed: $(head -1 "$T/$s.err")"; return
  fi
  if [ -n "$prefix" ]; then
    run_cmd "$VMFLOW" compare "$T/$s.truth" "$T/$s.out/states.tsv" --min "$min" --path-prefix "$prefix"
  else
    run_cmd "$VMFLOW" compare "$T/$s.truth" "$T/$s.out/states.tsv" --min "$min"
  fi
  local got extra
  got=$(printf '%s\n' "$out" | awk '/^agreement:/ { print $2 }')
  extra=$(printf '%s\n' "$out" | awk -F': ' '/^extra paths/ { split($2, a, " "); print a[1] }')
  [ "$rc" = 0 ] && ok "$s${prefix:+ ($prefix)}: agreement $got >= $min%" || not_ok "$s${prefix:+ ($prefix)}: agreement $got < $min%"
  [ -n "$prefix" ] || expect_eq "$extra" 0 "$s: no result path the truth lacks"
}

check default 99.9
check preempt-host 99.9
check preempt-vm 99.9
check ipi 99.9
check disk-net 99.9
check wait-host 99.9
check apicv 99.9                 # APICv fallback (accept_irq, silent wake-up = timer); measured 99.934 %
check processes 99.9             # guest processes from addons_vcpu_enter_guest
check processes-kvm-cr 99.9      # guest processes from kvm_x86_cr CR3 writes
check nested 99.9                # VMX nesting (VMLAUNCH / VMRESUME, addons)
check nested-svm 99.9            # SVM nesting (VMRUN, nested_vmrun, kvm_x86_cr)
check nested 99.9 VMs/1000/Nested/
check nested-svm 99.9 VMs/1000/Nested/

# critical_path.tsv of one guest process: one edge per interval of its Status path.
p=$(awk -F'\t' '$1 ~ /^VMs\/[0-9]+\/Processes\/0x[0-9a-f]+\/Status$/ { print $1; exit }' "$T/processes.out/states.tsv")
cr3=$(printf '%s' "$p" | cut -d/ -f4)
run_cmd "$VMFLOW" analyze "$T/processes.trace" -o "$T/cp.out" --critical-path "$cr3"
expect_eq "$rc" 0 "analyze --critical-path $cr3"
want=$(awk -F'\t' -v p="$p" '$1 == p' "$T/processes.out/states.tsv" | wc -l)
got=$(awk -F'\t' -v c="$cr3" 'NR > 1 && $2 == "-" && $3 == c' "$T/cp.out/critical_path.tsv" | wc -l)
expect_eq "$got" "$want" "critical_path.tsv has one edge per interval of $p"
bad=$(awk -F'\t' 'NR > 1 && $7 !~ /^(RUNNING|PREEMPTED|TIMER|BLOCK_DEVICE|NETWORK|IPI|BLOCKED|UNKNOWN)$/' "$T/cp.out/critical_path.tsv" | wc -l)
expect_eq "$bad" 0 "critical_path.tsv edges are of the documented types"
[ "$(awk 'NR > 1' "$T/processes.out/wakers.tsv" | wc -l)" -gt 0 ] && ok "wakers.tsv has wake-up pairs" || not_ok "wakers.tsv is empty"
[ "$(awk -F'\t' 'NR > 1 && $1 == "process"' "$T/processes.out/features.tsv" | wc -l)" -gt 0 ] && ok "features.tsv has process rows" || not_ok "features.tsv has no process rows"

# vmflow stats --per process: one table per guest process; its samples equal the process
# rows' exit counts in features.tsv.
run_cmd "$VMFLOW" stats "$T/processes.trace" --per process
tables=$(printf '%s\n' "$out" | grep -c '^Analyze events for pid(s) [0-9]*, process cr3 0x[0-9a-f]*, all VCPUs:$')
rows=$(awk -F'\t' 'NR > 1 && $1 == "process"' "$T/processes.out/features.tsv" | wc -l)
expect_eq "$tables" "$rows" "stats --per process: one table per process ($rows)"
s_total=$(printf '%s\n' "$out" | sed -n 's/^Total Samples:\([0-9]*\),.*/\1/p' | awk '{ n += $1 } END { print n }')
f_total=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "exits") c = i } NR > 1 && $1 == "process" { n += $c } END { print n }' "$T/processes.out/features.tsv")
expect_eq "$s_total" "$f_total" "stats --per process samples equal features.tsv process exits"

finish
