#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_end_to_end.sh - the first path, end to end, for every shipped scenario:
# synth -> babeltrace2 reads the trace (counts checked against the truth) ->
# analyze -> compare with the ground truth at >= 99.9 % agreement (outside the waits open
# at the end of the trace, which must be wait_unknown: tests/lib/agreement.sh).
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
source "$VMFLOW_SOURCE_DIR/tests/lib/agreement.sh"
C=$VMFLOW_SOURCE_DIR/corpora

for name in default preempt-host preempt-vm; do
  scen=$C/$name.yaml
  run_cmd "$VMFLOW" synth "$scen" -o "$T/$name-trace" --truth "$T/$name-truth.tsv"
  expect_eq "$rc" 0 "$name: synth succeeds"
  [ "$rc" = 0 ] || { echo "$err"; continue; }

  # babeltrace2 must read it: the event count is the one synth reports writing.
  bt=$(babeltrace2 "$T/$name-trace" 2>"$T/bt.err") || not_ok "$name: babeltrace2 reads the trace ($(head -c 300 "$T/bt.err"))"
  bt_events=$(printf '%s\n' "$bt" | grep -c '' )
  synth_events=$(printf '%s' "$out" | sed -nE 's/.* ([0-9]+) events.*/\1/p' | head -n1)
  expect_eq "$bt_events" "$synth_events" "$name: babeltrace2 sees the $synth_events events synth wrote"
  # Each kvm_x86_entry starts one guest interval of the truth; each kvm_x86_exit starts one Exit interval
  # or is followed by an entry in the same hypervisor interval: count entries independently.
  bt_entries=$(printf '%s\n' "$bt" | grep -c ' kvm_x86_entry: ')
  truth_guest=$(awk -F'\t' '$4 == "guest"' "$T/$name-truth.tsv" | wc -l)
  expect_eq "$bt_entries" "$truth_guest" "$name: one truth guest interval per kvm_x86_entry"
  # The trace declares itself as an lttng-modules 2.13 kernel trace.
  meta=$(babeltrace2 --output-format=ctf-metadata "$T/$name-trace" 2>/dev/null)
  for kv in 'domain = "kernel"' 'tracer_name = "lttng-modules"' 'tracer_major = 2' 'tracer_minor = 13'; do
    printf '%s' "$meta" | grep -qF "$kv" && ok "$name: metadata has $kv" || not_ok "$name: metadata has $kv"
  done

  run_cmd "$VMFLOW" analyze "$T/$name-trace" -o "$T/$name-out"
  expect_eq "$rc" 0 "$name: analyze succeeds"
  [ "$rc" = 0 ] || { echo "$err"; continue; }
  for f in states.tsv summary.json exits.tsv report.html tracecompass/vmflow.xml tracecompass/README.md tracecompass/results/metadata; do
    [ -s "$T/$name-out/$f" ] && ok "$name: analyze wrote $f" || not_ok "$name: analyze wrote $f"
  done
  run_cmd "$VMFLOW" compare "$T/$name-truth.tsv" "$T/$name-out/states.tsv"
  expect_eq "$rc" 0 "$name: vmflow compare runs"
  expect_agreement "$name" "$T/$name-truth.tsv" "$T/$name-out/states.tsv" 99.9
done

# Same scenario + seed => byte-identical trace and truth; another seed => a different trace.
"$VMFLOW" synth "$C/default.yaml" -o "$T/again-trace" --truth "$T/again-truth.tsv" >/dev/null
sum() { (cd "$1" && find . -type f ! -name '.vmflow-output' | LC_ALL=C sort | xargs sha256sum | sha256sum); }
expect_eq "$(sum "$T/again-trace")" "$(sum "$T/default-trace")" "same scenario and seed: byte-identical trace"
expect_eq "$(sha256sum < "$T/again-truth.tsv")" "$(sha256sum < "$T/default-truth.tsv")" "same scenario and seed: byte-identical truth"
"$VMFLOW" synth "$C/default.yaml" --seed 12345 -o "$T/seed-trace" --truth "$T/seed-truth.tsv" >/dev/null
[ "$(sum "$T/seed-trace")" != "$(sum "$T/default-trace")" ] && ok "another seed gives another trace" || not_ok "another seed gives another trace"

# Analysing twice gives identical files.
"$VMFLOW" analyze "$T/default-trace" -o "$T/default-out2" >/dev/null
for f in states.tsv summary.json exits.tsv report.html tracecompass/vmflow.xml; do
  cmp -s "$T/default-out/$f" "$T/default-out2/$f" && ok "analyze twice: identical $f" || not_ok "analyze twice: identical $f"
done

# The Trace Compass bundle: the XML validates against Trace Compass' own schema,
# and the results trace opens in babeltrace2.
# The project ships byte-identical copies of the schemas (checked here when shared/ is present).
xsd_dir=$VMFLOW_SOURCE_DIR/exporter/tcxml/xsd
if [ -d "$VMFLOW_SHARED_DIR/tracecompass-xsd" ]; then
  for f in "$VMFLOW_SHARED_DIR"/tracecompass-xsd/*.xsd; do
    cmp -s "$f" "$xsd_dir/$(basename "$f")" && ok "shipped $(basename "$f") equals Trace Compass' copy" || not_ok "shipped $(basename "$f") differs"
  done
  xsd_dir=$VMFLOW_SHARED_DIR/tracecompass-xsd
fi
xmllint --noout --schema "$xsd_dir/xmlDefinition.xsd" "$T/default-out/tracecompass/vmflow.xml" 2>"$T/xmllint.err" \
  && ok "vmflow.xml validates against Trace Compass' xmlDefinition.xsd" || not_ok "vmflow.xml validates: $(cat "$T/xmllint.err")"
babeltrace2 "$T/default-out/tracecompass/results" >/dev/null 2>&1 && ok "results trace reads in babeltrace2" || not_ok "results trace reads in babeltrace2"

finish
