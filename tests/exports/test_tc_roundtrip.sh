#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_tc_roundtrip.sh - the Trace Compass bundle proven with `vmflow tcxml run`: for every
# corpus scenario (corpora/*.yaml), org.vmflow.results of tracecompass/vmflow.xml run over
# tracecompass/results rebuilds states.tsv exactly (every path under VMs/, Status codes
# mapped back through the provider's definedValues, by tc_roundtrip.py). For three of them,
# vmflow.xml also validates (vmflow tcxml validate, xmllint), and the results trace reads
# in babeltrace2 with one event per interval start and per interval end not followed back
# to back, on the host trace's clock, and merges with the host trace.
# thesis-critical-path is analysed with --critical-path (its client VM's first process, from
# the truth summary): states.tsv then has the CriticalPath/ paths too (round-tripped with the
# rest), they rebuild critical_path.tsv's path rows exactly (tc_roundtrip.py critical), and
# vmflow.xml has the "Critical path" view.
# The raw-trace provider is tested by test_tc_kernel.sh. Every corpus scenario must go
# through: nothing is skipped.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
RT="python3 $VMFLOW_SOURCE_DIR/tests/exports/tc_roundtrip.py"

count=0
for scen in "$VMFLOW_SOURCE_DIR"/corpora/*.yaml; do
  name=$(basename "$scen" .yaml)
  cp_args=()
  if [ "$name" = thesis-critical-path ]; then
    "$VMFLOW" synth "$scen" -o "$T/$name-trace" --truth-summary "$T/$name-truth.json" >/dev/null || { not_ok "$name: synth"; continue; }
    cr3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vms"][0]["processes"][0]["cr3"])' "$T/$name-truth.json")
    cp_args=(--critical-path "$cr3")
  else
    "$VMFLOW" synth "$scen" -o "$T/$name-trace" >/dev/null || { not_ok "$name: synth"; continue; }
  fi
  run_cmd "$VMFLOW" analyze "$T/$name-trace" -o "$T/$name" "${cp_args[@]}"
  if [ "$rc" != 0 ]; then
    not_ok "$name: analyze (exit $rc: $err)"
    continue
  fi
  expect_eq "$rc" 0 "$name: analyze"
  od=$T/$name
  xml=$od/tracecompass/vmflow.xml
  count=$((count + 1))

  case $name in
  default | preempt-host | nested | thesis-critical-path)
    run_cmd "$VMFLOW" tcxml validate "$xml"
    expect_eq "$rc" 0 "$name: vmflow tcxml validate vmflow.xml"
    xmllint --noout --schema "$VMFLOW_SOURCE_DIR/exporter/tcxml/xsd/xmlDefinition.xsd" "$xml" 2>"$T/xmllint.err" && ok "$name: xmllint validates vmflow.xml against xmlDefinition.xsd" || not_ok "$name: xmllint: $(head -c 300 "$T/xmllint.err")"
    # (a start per interval and an end per interval, minus one end per back-to-back pair;
    # times compared as strings: they do not fit awk's doubles)
    want=$(awk -F'\t' 'NR > 1 { starts++; if (p == $1 && e "" == $2 "") joined++; p = $1; e = $3 } END { print 2 * starts - joined }' "$od/states.tsv")
    got=$(babeltrace2 "$od/tracecompass/results" 2>/dev/null | grep -c ' vmflow_')
    expect_eq "$got" "$want" "$name: babeltrace2 reads the results trace with one event per interval start and end"
    hc=$(babeltrace2 -c sink.text.details "$T/$name-trace" 2>/dev/null | grep -m1 -A8 'Default clock class:' | grep -E 'Name|Frequency|Offset|UUID' | tr -s ' ')
    rc_=$(babeltrace2 -c sink.text.details "$od/tracecompass/results" 2>/dev/null | grep -m1 -A8 'Default clock class:' | grep -E 'Name|Frequency|Offset|UUID' | tr -s ' ')
    [ -n "$hc" ] && [ "$hc" = "$rc_" ] && ok "$name: results clock = host clock ($(echo $hc | head -c 90))" || not_ok "$name: results clock = host clock ('$hc' vs '$rc_')"
    babeltrace2 "$T/$name-trace" "$od/tracecompass/results" >/dev/null 2>"$T/mux.err" && ok "$name: babeltrace2 merges the host and results traces" || not_ok "$name: babeltrace2 merges the host and results traces: $(head -c 300 "$T/mux.err")"
    ;;
  esac

  run_cmd "$VMFLOW" tcxml run "$xml" "$od/tracecompass/results" --id org.vmflow.results -o "$T/$name-tc"
  if [ "$rc" != 0 ]; then
    not_ok "$name: tcxml run org.vmflow.results (exit $rc: $err)"
  else
    res=$($RT results "$xml" "$T/$name-tc/states.tsv" "$od/states.tsv")
    case "$res" in ok*) ok "$name: tcxml run of vmflow.xml on results/ reproduces states.tsv exactly ($res)" ;; *) not_ok "$name: round trip: $res" ;; esac
    if [ ${#cp_args[@]} -gt 0 ]; then
      res=$($RT critical "$xml" "$T/$name-tc/states.tsv" "$od/critical_path.tsv")
      case "$res" in ok*) ok "$name: the bundle reproduces critical_path.tsv's path exactly ($res workers, rows)" ;; *) not_ok "$name: critical path round trip: $res" ;; esac
      grep -q '<timeGraphView id="org.vmflow.results.criticalpath">' "$xml" && ok "$name: vmflow.xml has the critical path view" || not_ok "$name: vmflow.xml lacks the critical path view"
    else
      grep -q 'criticalpath' "$xml" && not_ok "$name: a critical path view without --critical-path" || ok "$name: no critical path view without --critical-path"
    fi
  fi
  rm -rf "$T/$name-trace" "$T/$name-tc" "$T/$name-truth.json" "$od"
done
[ "$count" -ge 10 ] && ok "$count corpus scenarios round-tripped" || not_ok "only $count corpus scenarios round-tripped"
finish
