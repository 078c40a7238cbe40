#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_analyze_waits.sh - `vmflow analyze` wait options end to end on a
# synthesized trace: configurable vector classes (--timer-vectors ...), the
# wait totals in summary.json, features.tsv, and the measured agreement with
# the synthesizer's truth (pinned; see docs/analyses.md).
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"

cat >"$T/s.yaml" <<'YAML'
seed: 11
duration: 300ms
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
    guest:
      timer_vector: 236
  - name: b
    pid: 6000
    vcpus: 1
YAML
run_cmd "$VMFLOW" synth "$T/s.yaml" -o "$T/trace" --truth "$T/truth.tsv"
expect_eq "$rc" 0 "synth"
run_cmd "$VMFLOW" analyze "$T/trace" -o "$T/out"
expect_eq "$rc" 0 "analyze with the default vector classes"

# Agreement with the truth on the vCPU Status paths (end-of-trace waits are the only loss).
grep -P '^(path|VMs/\d+/vCPUs/\d+/Status)\t' "$T/truth.tsv" >"$T/truth.status"
grep -P '^(path|VMs/\d+/vCPUs/\d+/Status)\t' "$T/out/states.tsv" >"$T/out.status"
run_cmd "$VMFLOW" compare "$T/truth.status" "$T/out.status" --min 99.0
expect_eq "$rc" 0 "Status agreement >= 99.0% ($(printf '%s' "$out" | grep -m1 agreement:))"
# Every disagreement is a wait open at the end of the trace (truth: its cause; analysis: unknown).
end=$(awk -F'\t' 'NR > 1 && $3 > m { m = $3 } END { print m }' "$T/truth.status")
bad=$(join -t $'\t' <(awk -F'\t' 'NR > 1 { print $1 ":" $2 "\t" $4 "\t" $3 }' "$T/truth.status" | sort) \
                    <(awk -F'\t' 'NR > 1 { print $1 ":" $2 "\t" $4 }' "$T/out.status" | sort) \
      | awk -F'\t' -v end="$end" '$2 != $4 && !($4 == "wait_unknown" && $3 == end)' | wc -l)
expect_eq "$bad" 0 "the only disagreements are waits still open at the end of the trace"

# summary.json: wait totals per class per vCPU and per VM.
python3 - "$T/out/summary.json" "$T/out/states.tsv" <<'PY' && ok "summary.json wait totals equal states.tsv" || not_ok "summary.json wait totals"
import json, sys, collections
s = json.load(open(sys.argv[1]))
ns = collections.Counter(); cnt = collections.Counter()
for line in open(sys.argv[2]).read().splitlines()[1:]:
    path, a, b, v = line.split("\t")
    p = path.split("/")
    if len(p) == 5 and p[2] == "vCPUs" and p[4] == "Status" and v.startswith("wait_"):
        ns[(int(p[1]), v)] += int(b) - int(a); cnt[(int(p[1]), v)] += 1
for vm in s["vms"]:
    for cls, v in vm["wait_ns_by_class"].items():
        assert v == ns[(vm["pid"], cls)], (vm["pid"], cls, v, ns[(vm["pid"], cls)])
        assert vm["wait_counts"][cls] == cnt[(vm["pid"], cls)]
    assert sum(c["wait_counts"]["wait_timer"] for c in vm["vcpus"]) == vm["wait_counts"]["wait_timer"]
assert sum(vm["wait_counts"]["wait_timer"] for vm in s["vms"]) > 10
PY

# features.tsv: one row per vCPU, exits equal to exits.tsv.
rows=$(awk -F'\t' 'NR > 1 && $1 == "vcpu"' "$T/out/features.tsv" | wc -l)
expect_eq "$rows" 3 "features.tsv has one row per vCPU"
f_exits=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "exits") c = i } NR > 1 && $1 == "vcpu" { n += $c } END { print n }' "$T/out/features.tsv")
t_exits=$(awk -F'\t' 'NR > 1 && $2 != "all" { n += $4 } END { print n }' "$T/out/exits.tsv")
expect_eq "$f_exits" "$t_exits" "features.tsv exits equal exits.tsv ($t_exits)"

# Vector classes from the command line: declaring 238 the only timer vector loses the timer waits.
run_cmd "$VMFLOW" analyze "$T/trace" -o "$T/out2" --timer-vectors 238,239
expect_eq "$rc" 0 "analyze --timer-vectors 238,239"
t1=$(grep -c $'\twait_timer$' "$T/out/states.tsv")
t2=$(grep -c $'\twait_timer$' "$T/out2/states.tsv")
u2=$(grep -c $'\twait_unknown$' "$T/out2/states.tsv")
[ "$t1" -gt 10 ] && [ "$t2" = 0 ] && [ "$u2" -ge "$t1" ] && ok "--timer-vectors reclassifies ($t1 timer waits -> unknown)" \
  || not_ok "--timer-vectors: $t1 $t2 $u2"
run_cmd "$VMFLOW" analyze "$T/trace" -o "$T/out3" --timer-vectors 238 --ipi-vectors 236
t3=$(grep -c $'\twait_task$' "$T/out3/states.tsv")
expect_eq "$t3" "$t1" "--timer-vectors 238 --ipi-vectors 236 makes the timer waits wait_task"
expect_fail 2 "vmflow analyze: --timer-vectors wants comma-separated vectors" "bad vector list" -- \
  "$VMFLOW" analyze "$T/trace" -o "$T/out4" --timer-vectors 236,256
expect_fail 2 "vmflow analyze: --disk-vectors wants" "non-numeric vector" -- \
  "$VMFLOW" analyze "$T/trace" -o "$T/out4" --disk-vectors x

finish
