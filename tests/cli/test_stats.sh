#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_stats.sh - `vmflow stats` (perf kvm stat report layout) and exits.tsv,
# cross-checked against exit/entry pairs counted independently from
# babeltrace2's text output with awk.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"

# Two VMs (one Intel, one AMD, vcpu ids repeat), a CPU-hungry host process.
scenario() {
  cat <<YAML
seed: 7
duration: 150ms
host:
  cpus: 2
  processes:
    - name: backup
      cpu_burst: {dist: exp, mean: 3ms}
      sleep: {dist: exp, mean: 3ms}
vms:
  - name: a
    pid: 5000
    vcpus: 2
  - name: b
    pid: 6000
    vcpus: 1
    isa: svm
trace:
  clock_offset: 0s
  naming: $1
  contexts: $2
YAML
}
scenario lttng-2.13 true >"$T/s.yaml"
scenario legacy true >"$T/s-legacy.yaml"
run_cmd "$VMFLOW" synth "$T/s.yaml" -o "$T/trace"
expect_eq "$rc" 0 "synth writes the trace"
run_cmd "$VMFLOW" synth "$T/s-legacy.yaml" -o "$T/trace-legacy"
expect_eq "$rc" 0 "synth writes the legacy-named trace"

# Independent count: per tid, an exit opens, the next entry closes it (perf kvm stat's rule).
# Output: pid isa code count total_ns min_ns max_ns
babeltrace2 --clock-seconds "$T/trace" | awk '
  function ns(s,   a) { split(substr(s, 2, length(s) - 2), a, "."); return a[1] * 1000000000 + a[2] }
  / kvm_x86_exit: / {
    match($0, /tid = [0-9]+/); tid = substr($0, RSTART + 6, RLENGTH - 6)
    match($0, /pid = [0-9]+/); pid[tid] = substr($0, RSTART + 6, RLENGTH - 6)
    match($0, /exit_reason = [0-9]+/); code[tid] = substr($0, RSTART + 14, RLENGTH - 14)
    match($0, /isa = [0-9]+/); isa[tid] = substr($0, RSTART + 6, RLENGTH - 6)
    open[tid] = ns($1)
  }
  / kvm_x86_entry: / {
    match($0, /tid = [0-9]+/); tid = substr($0, RSTART + 6, RLENGTH - 6)
    if (tid in open) {
      d = ns($1) - open[tid]; k = pid[tid] " " isa[tid] " " code[tid]
      n[k]++; t[k] += d
      if (!(k in mn) || d < mn[k]) mn[k] = d
      if (!(k in mx) || d > mx[k]) mx[k] = d
      delete open[tid]
    }
  }
  END { for (k in n) printf "%s %d %d %d %d\n", k, n[k], t[k], mn[k], mx[k] }' | sort >"$T/pairs.txt"
[ -s "$T/pairs.txt" ] && ok "babeltrace2 shows exit/entry pairs" || not_ok "no exit/entry pairs counted"

# Names of the codes this scenario produces (Intel SDM / AMD APM), independent of vmflow's table.
name_of() {
  case "$1 $2" in
    "1 1") echo EXTERNAL_INTERRUPT ;; "1 10") echo CPUID ;; "1 12") echo HLT ;;
    "1 30") echo IO_INSTRUCTION ;; "1 32") echo MSR_WRITE ;; "1 48") echo EPT_VIOLATION ;;
    "1 52") echo PREEMPTION_TIMER ;;
    "2 96") echo INTR ;; "2 114") echo CPUID ;; "2 120") echo HLT ;; "2 123") echo IOIO ;;
    "2 124") echo MSR ;; "2 1024") echo NPF ;;
    *) echo "UNNAMED_$1_$2" ;;
  esac
}
: >"$T/expected-vm.txt"
while read -r pid isa code count total mn mx; do
  echo "$pid $(name_of "$isa" "$code") $count $total $mn $mx" >>"$T/expected-vm.txt"
done <"$T/pairs.txt"
sort -o "$T/expected-vm.txt" "$T/expected-vm.txt"
grep -q UNNAMED "$T/expected-vm.txt" && not_ok "scenario produced an exit code the test does not name" || ok "all exit codes named"

# exits.tsv "all" rows must equal the independent counts exactly (count, total, min, max).
run_cmd "$VMFLOW" analyze "$T/trace" -o "$T/out"
expect_eq "$rc" 0 "analyze succeeds"
awk -F'\t' 'NR > 1 && $2 == "all" { print $1, $3, $4, $6, $7, $8 }' "$T/out/exits.tsv" | sort >"$T/tsv-vm.txt"
if cmp -s "$T/expected-vm.txt" "$T/tsv-vm.txt"; then
  ok "exits.tsv per-VM rows equal the babeltrace2 pair counts ($(wc -l <"$T/tsv-vm.txt") rows)"
else
  not_ok "exits.tsv differs from babeltrace2 counts: $(diff "$T/expected-vm.txt" "$T/tsv-vm.txt" | head -5)"
fi

# vmflow stats over the whole trace: samples and total time per reason (VMX and SVM separate).
run_cmd "$VMFLOW" stats "$T/trace"
expect_eq "$rc" 0 "stats succeeds"
printf '%s\n' "$out" >"$T/stats.txt"
grep -q "^Analyze events for all VMs, all VCPUs:$" "$T/stats.txt" && ok "perf header" || not_ok "perf header missing"
grep -qE '^ +VM-EXIT +Samples +Samples% +Time% +Min Time +Max Time +Avg time $' "$T/stats.txt" \
  && ok "perf column titles" || not_ok "perf column titles"
: >"$T/expected-all.txt"
while read -r pid isa code count total mn mx; do
  echo "$(name_of "$isa" "$code") $([ "$isa" = 1 ] && echo vmx || echo svm) $count $total"
done <"$T/pairs.txt" | awk '{ k = $1 " (" $2 ")"; n[k] += $3; t[k] += $4 }
  END { for (k in n) printf "%s %d %.2fus\n", k, n[k], t[k] / 1000 }' | sort >"$T/expected-all.txt"
# perf prints no total per row: check the samples per row and the total line.
awk '/^ +[A-Z_]+ \((vmx|svm)\) +[0-9]+ / { print $1, $2, $3 }' "$T/stats.txt" | sort >"$T/stats-samples.txt"
awk '{ print $1, $2, $3 }' "$T/expected-all.txt" | sort >"$T/expected-samples.txt"
if cmp -s "$T/expected-samples.txt" "$T/stats-samples.txt"; then
  ok "stats samples per reason equal the babeltrace2 pair counts"
else
  not_ok "stats samples differ: $(diff "$T/expected-samples.txt" "$T/stats-samples.txt" | head -5)"
fi
total_n=$(awk '{ n += $4 } END { print n }' "$T/pairs.txt")
total_us=$(awk '{ t += $5 } END { printf "%.2f", t / 1000 }' "$T/pairs.txt")
grep -qx "Total Samples:$total_n, Total events handled time:${total_us}us." "$T/stats.txt" \
  && ok "total line: $total_n samples, ${total_us}us" || not_ok "total line (want $total_n, ${total_us}us): $(grep Total "$T/stats.txt")"

# min / max / avg of one row, recomputed from the pairs: HLT of the Intel VM.
read -r hn ht hmn hmx < <(awk '$2 == 1 && $3 == 12 { print $4, $5, $6, $7 }' "$T/pairs.txt")
want=$(awk -v n="$hn" -v t="$ht" -v a="$hmn" -v b="$hmx" 'BEGIN { printf "%.2fus %.2fus %.2fus", a / 1000, b / 1000, t / n / 1000 }')
got=$(awk '$1 == "HLT" && $2 == "(vmx)" { print $6, $7, $8 }' "$T/stats.txt")
expect_eq "$got" "$want" "HLT (vmx) min/max/avg"

# --vm: only that VM, perf's "pid(s)" header; the samples equal that VM's pairs.
run_cmd "$VMFLOW" stats "$T/trace" --vm 6000
expect_eq "$rc" 0 "stats --vm succeeds"
printf '%s' "$out" | grep -q "^Analyze events for pid(s) 6000, all VCPUs:$" && ok "--vm header" || not_ok "--vm header"
n6000=$(awk '$1 == 6000 { n += $4 } END { print n }' "$T/pairs.txt")
printf '%s' "$out" | grep -q "^Total Samples:$n6000," && ok "--vm 6000 counts its $n6000 exits" || not_ok "--vm 6000 total"
printf '%s' "$out" | grep -q "(vmx)\| EPT_VIOLATION " && not_ok "--vm 6000 shows only SVM names" || ok "--vm 6000 shows only SVM names"

# --vcpu without --vm: one table per VM (vcpu ids repeat across VMs).
run_cmd "$VMFLOW" stats "$T/trace" --vcpu 0
tables=$(printf '%s\n' "$out" | grep -c "^Analyze events for pid(s) [0-9]*, VCPU 0:$")
expect_eq "$tables" 2 "--vcpu 0 gives one table per VM"
run_cmd "$VMFLOW" stats "$T/trace" --vm 5000 --vcpu 1
printf '%s' "$out" | grep -q "^Analyze events for pid(s) 5000, VCPU 1:$" && ok "--vm --vcpu header" || not_ok "--vm --vcpu header"
run_cmd "$VMFLOW" stats "$T/trace" --per vm
tables=$(printf '%s\n' "$out" | grep -c "^Analyze events for pid(s) [0-9]*, all VCPUs:$")
expect_eq "$tables" 2 "--per vm gives one table per VM"

# Sorting: samples descending (default), time descending, names ascending.
samples=$(awk '/^ +[A-Z_]+ \((vmx|svm)\) +[0-9]+ / { print $3 }' "$T/stats.txt")
expect_eq "$samples" "$(printf '%s\n' "$samples" | sort -rn)" "default sort is by samples, descending"
run_cmd "$VMFLOW" stats "$T/trace" --sort name
names=$(printf '%s\n' "$out" | awk '/^ +[A-Z_]+ \((vmx|svm)\) +[0-9]+ / { print $1 " " $2 }')
expect_eq "$names" "$(printf '%s\n' "$names" | LC_ALL=C sort)" "--sort name is alphabetical"
run_cmd "$VMFLOW" stats "$T/trace" --sort time
pcts=$(printf '%s\n' "$out" | awk '/^ +[A-Z_]+ \((vmx|svm)\) +[0-9]+ / { sub("%", "", $5); print $5 }')
expect_eq "$pcts" "$(printf '%s\n' "$pcts" | sort -rn)" "--sort time is by Time%, descending"
run_cmd "$VMFLOW" stats "$T/trace" --sort max_t
expect_eq "$rc" 0 "perf's sort key names are accepted"

# --isa overrides the decoding: the Intel VM's EPT_VIOLATION (48 = 0x30) reads as SVM WRITE_DR0.
run_cmd "$VMFLOW" stats "$T/trace" --vm 5000 --isa svm
ept=$(awk '$2 == 1 && $3 == 48 { print $4 }' "$T/pairs.txt")
printf '%s' "$out" | grep -qE "^ +WRITE_DR0 +$ept " && ok "--isa svm renames 48 to WRITE_DR0" || not_ok "--isa svm: $out"

# The legacy names (kvm_exit, kvm_entry): the same simulation gives the same statistics.
run_cmd "$VMFLOW" stats "$T/trace-legacy"
expect_eq "$rc" 0 "stats on a legacy-named trace"
printf '%s\n' "$out" >"$T/stats-legacy.txt"
cmp -s "$T/stats.txt" "$T/stats-legacy.txt" && ok "legacy naming: identical statistics" \
  || not_ok "legacy stats differ: $(diff "$T/stats.txt" "$T/stats-legacy.txt" | head -4)"

# Per process: no CR3 in this trace, said plainly.
run_cmd "$VMFLOW" stats "$T/trace" --per process
printf '%s' "$out" | grep -q "No completed VM exits with a known guest CR3" && ok "--per process without CR3 says so" || not_ok "--per process: $out"

# Flag bits masked (0x80000030 = VM-entry failure bit + 48) and unknown codes kept, on a
# hand-written Trace Compass XML stub trace; every figure computed by hand.
cat >"$T/host.xml" <<'XML'
<trace>
<event timestamp="1000" name="sched_switch">
<field name="cpu" value="0" type="int" />
<field name="context._pid" value="0" type="long" />
<field name="context._tid" value="0" type="long" />
<field name="prev_comm" value="swapper/0" type="string" />
<field name="prev_tid" value="0" type="long" />
<field name="prev_prio" value="20" type="long" />
<field name="prev_state" value="0" type="long" />
<field name="next_comm" value="CPU 0/KVM" type="string" />
<field name="next_tid" value="501" type="long" />
<field name="next_prio" value="20" type="long" />
</event>
<event timestamp="2000" name="kvm_entry">
<field name="cpu" value="0" type="int" />
<field name="context._pid" value="500" type="long" />
<field name="context._tid" value="501" type="long" />
<field name="vcpu_id" value="0" type="long" />
</event>
<event timestamp="3000" name="kvm_exit">
<field name="cpu" value="0" type="int" />
<field name="context._pid" value="500" type="long" />
<field name="context._tid" value="501" type="long" />
<field name="exit_reason" value="2147483696" type="long" />
<field name="guest_rip" value="0" type="long" />
<field name="isa" value="1" type="int" />
<field name="info1" value="0" type="long" />
<field name="info2" value="0" type="long" />
</event>
<event timestamp="5000" name="kvm_entry">
<field name="cpu" value="0" type="int" />
<field name="context._pid" value="500" type="long" />
<field name="context._tid" value="501" type="long" />
<field name="vcpu_id" value="0" type="long" />
</event>
<event timestamp="6000" name="kvm_exit">
<field name="cpu" value="0" type="int" />
<field name="context._pid" value="500" type="long" />
<field name="context._tid" value="501" type="long" />
<field name="exit_reason" value="99" type="long" />
<field name="guest_rip" value="0" type="long" />
<field name="isa" value="1" type="int" />
<field name="info1" value="0" type="long" />
<field name="info2" value="0" type="long" />
</event>
<event timestamp="6500" name="kvm_entry">
<field name="cpu" value="0" type="int" />
<field name="context._pid" value="500" type="long" />
<field name="context._tid" value="501" type="long" />
<field name="vcpu_id" value="0" type="long" />
</event>
</trace>
XML
run_cmd "$VMFLOW" stats "$T/host.xml"
expect_eq "$rc" 0 "stats on an XML stub trace"
expected=$(printf '%40s %10s %9s %9s %11s %11s %16s \n' VM-EXIT Samples Samples% Time% "Min Time" "Max Time" "Avg time"
  printf '\n'
  printf '%40s %10s %8s%% %8s%% %9sus %9sus %9sus ( +-%7s%% )\n' EPT_VIOLATION 1 50.00 80.00 2.00 2.00 2.00 0.00
  printf '%40s %10s %8s%% %8s%% %9sus %9sus %9sus ( +-%7s%% )\n' UNKNOWN_99 1 50.00 20.00 0.50 0.50 0.50 0.00
  printf '\nTotal Samples:2, Total events handled time:2.50us.')
got=$(printf '%s\n' "$out" | sed -n '/VM-EXIT/,/^Total/p')
expect_eq "$got" "$expected" "flag bits masked, UNKNOWN_<n> kept, perf layout byte for byte"

# Usage and input errors: one line each.
expect_fail 2 "vmflow stats: --sort wants" "bad --sort is a usage error" -- "$VMFLOW" stats "$T/trace" --sort bogus
expect_fail 2 "vmflow stats: --isa wants" "bad --isa is a usage error" -- "$VMFLOW" stats "$T/trace" --isa arm
expect_fail 2 "vmflow stats: missing TRACE" "missing trace is a usage error" -- "$VMFLOW" stats
expect_fail 1 "$T/nope" "missing trace folder is one error line" -- "$VMFLOW" stats "$T/nope"
run_cmd "$VMFLOW" stats --help
expect_eq "$rc" 0 "stats --help exits 0"

finish
