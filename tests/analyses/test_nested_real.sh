#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_nested_real.sh - nested mode without a CR3 on the REAL traces of
# corpora/real (AMD nested hosts under TCG, no addons and no kvm_x86_cr, so no
# CR3 says which L1 process runs L2): every guest_l2 interval of states.tsv
# equals the L2 intervals counted from babeltrace2's text by
# l2_intervals.awk (nested_vmrun .. nested_vmexit_inject, entry .. exit), the
# per-vCPU guest_l2 time of summary.json is their sum, no Nested/<h> path is
# written, and the values measured when this test was written are pinned.
# The stock-lttng trace (no kvm_x86_nested_vmrun recorded) falls back to the
# VMRUN exit alone, and vmflow says so in its warnings.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
command -v python3 >/dev/null || { echo "python3 needed"; exit 1; }
AWK=$VMFLOW_SOURCE_DIR/tests/analyses/l2_intervals.awk

# name, awk rule (0: nested_vmrun, 1: VMRUN exit), pinned interval count, pinned guest_l2 ns
while read -r name by_exit want_n want_ns; do
  R=$VMFLOW_SOURCE_DIR/corpora/real/$name
  tar -xJf "$R/trace.tar.xz" -C "$T"
  run_cmd "$VMFLOW" analyze "$T/$name" -o "$T/$name-out"
  expect_eq "$rc" 0 "$name: analyze succeeds"
  babeltrace2 --clock-seconds "$T/$name" 2>/dev/null | awk -v by_exit="$by_exit" -f "$AWK" > "$T/bt.txt"
  cut -d' ' -f2- "$T/bt.txt" | sort > "$T/bt-sorted.txt"
  awk -F'\t' '$1 ~ /^VMs\/[0-9]+\/vCPUs\/[0-9]+\/Status$/ && $4 == "guest_l2" {print $2, $3}' \
    "$T/$name-out/states.tsv" | sort > "$T/vf.txt"
  n=$(grep -c '' "$T/bt.txt" || true)
  expect_eq "$n" "$want_n" "$name: babeltrace2 + awk count $want_n L2 intervals"
  if cmp -s "$T/bt-sorted.txt" "$T/vf.txt"; then
    ok "$name: states.tsv guest_l2 intervals = the babeltrace2 L2 intervals ($(grep -c '' "$T/vf.txt"))"
  else
    not_ok "$name: guest_l2 intervals differ: $(diff "$T/bt-sorted.txt" "$T/vf.txt" | head -5 | tr '\n' ' ')"
  fi
  # guest_l2 time per vCPU thread, exact integer sums (python: no float rounding)
  bt_ns=$(python3 -c "
import sys
s = {}
for l in open(sys.argv[1]):
    tid, a, b = l.split()
    s[tid] = s.get(tid, 0) + int(b) - int(a)
print(sum(s.values()), ' '.join(str(s[k]) for k in sorted(s, key=int)))" "$T/bt.txt")
  expect_eq "${bt_ns%% *}" "$want_ns" "$name: babeltrace2 L2 time $want_ns ns"
  vf_ns=$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
per = [c['states_ns']['guest_l2'] for v in d['vms'] for c in v['vcpus'] if c['states_ns']['guest_l2']]
print(sum(per), ' '.join(map(str, per)))" "$T/$name-out/summary.json")
  expect_eq "$vf_ns" "$bt_ns" "$name: summary.json guest_l2 ns per vCPU = babeltrace2 ($vf_ns)"
  expect_eq "$(cut -f1 "$T/$name-out/states.tsv" | grep -c '/Nested/' || true)" 0 \
    "$name: no Nested/<h> paths without a CR3"
  warned=$(python3 -c "import json,sys; print(sum('kvm_x86_nested_vmrun' in w for w in json.load(open(sys.argv[1]))['warnings']))" "$T/$name-out/summary.json")
  expect_eq "$warned" "$by_exit" "$name: nested_vmrun recording-defect warning only without nested_vmrun events"
  rm -rf "$T/$name" "$T/$name-out"
done <<'LIST'
tcg-svm-nested 0 19 1507930
tcg-svm-l2-linux 0 2476 1006793490
tcg-svm-stock-lttng 1 18 2118350
LIST
finish
