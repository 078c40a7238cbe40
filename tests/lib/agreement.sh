# SPDX-License-Identifier: MIT
# agreement.sh - the agreement bar of the corpus tests, measured outside the documented
# end-of-trace blind spot (a vCPU halted when the trace ends: its wait's cause lies after
# the end; docs/analyses.md "Measured agreement"), which must itself be wait_unknown.
# Source after assert.sh.

# expect_agreement LABEL TRUTH.tsv RESULT.tsv MIN [PATH_PREFIX]
expect_agreement() {
  local label=$1 truth=$2 result=$3 min=$4 prefix=${5:-} line pct end_ns end_ok
  line=$(python3 "$VMFLOW_SOURCE_DIR/tests/lib/end_blind_spot.py" "$truth" "$result" ${prefix:+"$prefix"}) ||
    { not_ok "$label: end_blind_spot.py failed"; return; }
  read -r pct end_ns end_ok _ <<<"$line"
  if awk -v g="$pct" -v m="$min" 'BEGIN { exit !(g != "" && g + 0 >= m + 0) }'; then
    ok "$label: agreement $pct% >= $min% ${prefix:+under $prefix }(outside the waits open at the end of the trace)"
  else
    not_ok "$label: agreement $pct% < $min% ${prefix:+under $prefix }(outside the waits open at the end of the trace)"
  fi
  expect_eq "$end_ok" 1 "$label: the waits open at the end of the trace are wait_unknown ($end_ns ns)"
}
