# SPDX-License-Identifier: MIT
# corpus_lib.sh - helpers of the corpus scenario tests (sourced after tests/lib/assert.sh):
# synth + babeltrace2 table + analyze, truth self-consistency, pinned agreement.
source "$VMFLOW_SOURCE_DIR/tests/lib/agreement.sh"
C=$VMFLOW_SOURCE_DIR/corpora

# bt_table TRACE: one line per event: ts cpu name tid field=value...
bt_table() {
  babeltrace2 --clock-cycles "$1" | sed -E 's/^\[([0-9]+)\] \([^)]*\) [^ ]+ ([a-z_0-9]+): \{ cpu_id = ([0-9]+) \}, \{ pid = (-?[0-9]+), tid = (-?[0-9]+) \}, \{ (.*) \}$/\1 \3 \2 \5 \6/; s/ = /=/g; s/, / /g'
}

# counts TABLE: "name count" lines sorted by name
counts() { awk '{n[$3]++} END {for (k in n) print k, n[k]}' "$1" | LC_ALL=C sort | tr '\n' ' '; }

# truth_consistent TRUTH END: intervals sorted per path, never overlapping, every Status
# line gap-free up to END; prints "ok" or the first problem.
truth_consistent() {
  # times are 19-digit ns of 2026: compared without their 8 common leading digits
  # (awk numbers are doubles)
  awk -F'\t' -v end_s="$2" 'BEGIN { pre = substr(end_s, 1, 8); end = substr(end_s, 9) + 0 }
    NR == 1 { next }
    { if (length($2) != 19 || length($3) != 19 || substr($2, 1, 8) != pre || substr($3, 1, 8) != pre) { print "unexpected time at line " NR; exit }
      s = substr($2, 9) + 0; e2 = substr($3, 9) + 0
      if (e2 <= s) { print "empty interval at line " NR; exit }
      if ($1 == p && s < e) { print "overlap at line " NR; exit }
      if ($1 == p && $1 ~ /Status$/ && s != e) { print "gap in " $1 " at line " NR; exit }
      if ($1 != p && p ~ /Status$/ && e != end) { print p " ends at " e; exit }
      p = $1; e = e2 }
    END { if (p ~ /Status$/ && e != end) { print p " ends at " e; exit }; print "ok" }' "$1" | head -n1
}

END_NS_1S=1767225601000000000
END_NS_500MS=1767225600500000000

# run_scenario NAME: synth + babeltrace2 table + analyze + truth; sets TAB, TRUTH, OUT
run_scenario() {
  local name=$1
  TAB=$T/$name.tab TRUTH=$T/$name-truth.tsv OUT=$T/$name-out
  run_cmd "$VMFLOW" synth "$C/$name.yaml" -o "$T/$name-trace" --truth "$TRUTH"
  expect_eq "$rc" 0 "$name: synth succeeds"
  bt_table "$T/$name-trace" > "$TAB" 2>"$T/bt.err" || not_ok "$name: babeltrace2 reads it ($(head -c 200 "$T/bt.err"))"
  local n
  n=$(printf '%s' "$out" | sed -nE 's/.*wrote ([0-9]+) events.*/\1/p' | head -n1)
  expect_eq "$(grep -c '' "$TAB")" "$n" "$name: babeltrace2 reads the $n events synth wrote"
  run_cmd "$VMFLOW" analyze "$T/$name-trace" -o "$OUT"
  expect_eq "$rc" 0 "$name: analyze succeeds"
}

# compare_min NAME MIN [PREFIX]: the agreement bar (outside the end-of-trace waits, which
# must be wait_unknown: tests/lib/agreement.sh)
compare_min() {
  expect_agreement "$1" "$TRUTH" "$OUT/states.tsv" "$2" ${3:+"$3"}
}

truth_time() { awk -F'\t' -v v="$2" '$4 == v && $1 ~ /Status$/ {t += $3 - $2} END {print t + 0}' "$1"; }

