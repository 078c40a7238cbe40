#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_outputs_stable.sh - exporting twice gives identical files: `vmflow analyze` of one
# trace into two folders, and again over the first one (replacing it), gives the same
# bytes in every file (states.tsv, summary.json, exits.tsv, report.html, tracecompass/),
# and no temporary file is left beside or inside the output.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
"$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/preempt-host.yaml" -o "$T/trace" >/dev/null
"$VMFLOW" analyze "$T/trace" -o "$T/a" >/dev/null
"$VMFLOW" analyze "$T/trace" -o "$T/b" >/dev/null
d=$(diff -r "$T/a" "$T/b" 2>&1 | head -n 5)
expect_eq "$d" "" "two exports of one trace are byte-identical"
n=$(find "$T/a" -type f | wc -l)
[ "$n" -ge 9 ] && ok "the output has $n files to compare" || not_ok "the output has files to compare ($n)"
cp -r "$T/a" "$T/a-first"
"$VMFLOW" analyze "$T/trace" -o "$T/a" >/dev/null
d=$(diff -r "$T/a" "$T/a-first" 2>&1 | head -n 5)
expect_eq "$d" "" "exporting again over the same folder gives the same bytes"
left=$(find "$T" -maxdepth 3 -name '*vmflow-tmp*' -o -maxdepth 3 -name '*.tmp*' | head -n 3)
expect_eq "$left" "" "no temporary file or folder is left"
for f in states.tsv summary.json exits.tsv report.html tracecompass/vmflow.xml tracecompass/README.md tracecompass/results/metadata tracecompass/results/vmflow_0; do
  [ -s "$T/a/$f" ] && ok "$f written" || not_ok "$f written"
done
finish
