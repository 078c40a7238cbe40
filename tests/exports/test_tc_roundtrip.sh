#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_tc_roundtrip.sh - the Trace Compass bundle proven with `vmflow tcxml run`, for every
# corpus scenario:
#   - org.vmflow.results over tracecompass/results rebuilds states.tsv exactly (Status
#     codes mapped back through the provider's definedValues);
#   - org.vmflow.kernel over the raw host trace agrees with vmflow's own vCPU states
#     (pinned agreement) and counts the exits per VM and reason as exits.tsv does (up to
#     the exits still open at the end, at most one per vCPU);
#   - the results trace reads in babeltrace2 with one event per interval start and per
#     interval end not followed back to back, on the host trace's clock.
# While the tcxml engine cannot run (it answers "not implemented yet", or cannot read a
# non-kernel CTF trace yet), the tcxml parts are skipped with a message saying so.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
RT="python3 $VMFLOW_SOURCE_DIR/tests/exports/tc_roundtrip.py"
C=$VMFLOW_SOURCE_DIR/corpora

skip() { echo "ok - SKIPPED: $1"; }

for name in default preempt-host preempt-vm; do
  "$VMFLOW" synth "$C/$name.yaml" -o "$T/$name-trace" >/dev/null || { not_ok "$name: synth"; continue; }
  "$VMFLOW" analyze "$T/$name-trace" -o "$T/$name" >/dev/null || { not_ok "$name: analyze"; continue; }
  od=$T/$name
  xml=$od/tracecompass/vmflow.xml

  # babeltrace2: the expected event count, the host's clock.
  # (a start per interval and an end per interval, minus one end per back-to-back pair)
  want=$(awk -F'\t' 'NR > 1 { starts++; if (p == $1 && e "" == $2 "") joined++; p = $1; e = $3 } END { print 2 * starts - joined }' "$od/states.tsv")
  got=$(babeltrace2 "$od/tracecompass/results" 2>/dev/null | grep -c ' vmflow_')
  expect_eq "$got" "$want" "$name: babeltrace2 reads the results trace with one event per interval start and end"
  hc=$(babeltrace2 -c sink.text.details "$T/$name-trace" 2>/dev/null | grep -m1 -A8 'Default clock class:' | grep -E 'Name|Frequency|Offset' | tr -s ' ')
  rc_=$(babeltrace2 -c sink.text.details "$od/tracecompass/results" 2>/dev/null | grep -m1 -A8 'Default clock class:' | grep -E 'Name|Frequency|Offset' | tr -s ' ')
  [ -n "$hc" ] && [ "$hc" = "$rc_" ] && ok "$name: results clock = host clock ($(echo $hc | head -c 80))" || not_ok "$name: results clock = host clock ('$hc' vs '$rc_')"
  babeltrace2 "$T/$name-trace" "$od/tracecompass/results" >/dev/null 2>"$T/mux.err" && ok "$name: babeltrace2 merges the host and results traces" || not_ok "$name: babeltrace2 merges the host and results traces: $(head -c 300 "$T/mux.err")"

  # org.vmflow.results over the results trace: states.tsv exactly.
  run_cmd "$VMFLOW" tcxml run "$xml" "$od/tracecompass/results" --id org.vmflow.results -o "$T/$name-tc"
  if [ "$rc" != 0 ] && printf '%s' "$err" | grep -qE 'not implemented yet|needs a kernel trace'; then
    skip "$name: tcxml run cannot read the results trace yet ($err)"
  elif [ "$rc" != 0 ]; then
    not_ok "$name: tcxml run org.vmflow.results (exit $rc: $err)"
  else
    res=$($RT results "$xml" "$T/$name-tc/states.tsv" "$od/states.tsv")
    case "$res" in ok*) ok "$name: tcxml run of vmflow.xml on results/ reproduces states.tsv exactly ($res)" ;; *) not_ok "$name: round trip: $res" ;; esac
  fi

  # org.vmflow.kernel over the raw host trace.
  run_cmd "$VMFLOW" tcxml run "$xml" "$T/$name-trace" --id org.vmflow.kernel -o "$T/$name-k"
  if [ "$rc" != 0 ] && printf '%s' "$err" | grep -q 'not implemented yet'; then
    skip "$name: tcxml run is not implemented yet"
    continue
  fi
  expect_eq "$rc" 0 "$name: tcxml run org.vmflow.kernel on the raw trace"
  read -r agree maxdiff maxvcpus < <($RT kernel "$T/$name-k/states.tsv" "$od/states.tsv" "$od/exits.tsv")
  # Pinned (measured 100.000, 99.999, 99.905): the raw provider differs from vmflow where
  # vmflow back-fills `hypervisor` before a thread's first kvm event, after the last event
  # (a state system ends at the last event, states.tsv at the end of the trace), and, in
  # preempt-vm, where a vCPU is preempted by a vCPU thread that has not entered its guest
  # yet (raw: preempted_host; vmflow: preempted_vm), about 3 ms.
  case $name in preempt-vm) pin=99.90 ;; *) pin=99.99 ;; esac
  awk -v a="$agree" -v p="$pin" 'BEGIN { exit !(a >= p) }' && ok "$name: raw-trace provider agrees with vmflow on $agree% of vCPU time (>= $pin)" || not_ok "$name: raw-trace provider agreement $agree% < $pin"
  [ "$maxdiff" -le "$maxvcpus" ] && ok "$name: raw exit counts per VM and reason within $maxdiff of exits.tsv (open exits, <= $maxvcpus vCPUs)" || not_ok "$name: raw exit counts differ by $maxdiff (> $maxvcpus)"
done
finish
