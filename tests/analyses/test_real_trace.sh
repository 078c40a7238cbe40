#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_real_trace.sh - the analyses on a real LTTng trace (corpora/real/tcg-svm-nested:
# an AMD nested-virtualisation host emulated by TCG) against its facts, counted with
# babeltrace2 and awk by vmtests/tcg/trace-facts.sh (facts.tsv), not by vmflow.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"

R="$VMFLOW_SOURCE_DIR/corpora/real/tcg-svm-nested"
tar -xJf "$R/trace.tar.xz" -C "$T"
run_cmd "$VMFLOW" analyze "$T/tcg-svm-nested" -o "$T/out"
expect_eq "$rc" 0 "analyze the real trace"

# Exits: facts count every kvm_x86_exit; exits.tsv the completed ones (perf's rule), so
# facts = exits.tsv + the exits still open at the end (listed as open_exit in the facts).
bad=$(awk -F'\t' '
  FNR == NR && $1 == "exit" { want[$2 "/" $3 "/" $5] = $6; next }
  FNR == NR && $1 == "open_exit" { open[$2 "/" $3 "/" $5]++; next }
  FNR == NR { next }
  FNR > 1 && $2 != "all" { got[$1 "/" $2 "/" $3] = $4 }
  END {
    for (k in want) if (want[k] != got[k] + open[k]) print k ": facts " want[k] ", exits.tsv " got[k] ", open " open[k] + 0
    for (k in got) if (!(k in want)) print k ": not in the facts"
  }' "$R/facts.tsv" "$T/out/exits.tsv")
expect_eq "$bad" "" "exits.tsv + open exits equal the facts per (VM, vCPU, reason)"
open_facts=$(grep -c '^open_exit' "$R/facts.tsv")
grep -q "\"$open_facts exits still open at end of trace\"" "$T/out/summary.json" \
  && ok "summary.json warns of the $open_facts open exits" || not_ok "open exits warning"

# SVM nesting without CR3 events: VMRUN + kvm_x86_nested_vmrun put the vCPU in guest_l2.
l2=$(awk -F'\t' '$1 ~ /^VMs\/214\/vCPUs\/[01]\/Status$/ && $4 == "guest_l2"' "$T/out/states.tsv" | wc -l)
[ "$l2" -ge 17 ] && ok "guest_l2 intervals seen ($l2, facts: 17 nested_vmrun)" || not_ok "guest_l2 intervals: $l2"
nested=$(cut -f1 "$T/out/states.tsv" | grep -c '/Nested/' || true)
expect_eq "$nested" 0 "no Nested/<h> paths without a CR3 to name h"

# vmflow stats agrees with exits.tsv on the totals.
run_cmd "$VMFLOW" stats "$T/tcg-svm-nested" --vm 214
total=$(awk -F'\t' 'NR > 1 && $2 == "all" { n += $4 } END { print n }' "$T/out/exits.tsv")
printf '%s' "$out" | grep -q "^Total Samples:$total," && ok "stats --vm 214: $total samples" || not_ok "stats total (want $total)"

finish
