#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_tc_kernel.sh - org.vmflow.kernel, the provider of vmflow.xml that reads the raw
# LTTng kernel trace of the host, run by `vmflow tcxml run` on corpus scenarios: its
# VMs/<pid>/vCPUs/<n>/Status agrees with vmflow's own states.tsv (classes compared by
# tc_roundtrip.py: waits with a known cause count as wait_unknown, nested guest code as
# guest) at a pinned time-weighted agreement, and its exit counts per VM and reason match
# exits.tsv within a pinned difference (exits still open at the end: at most one per vCPU).
# Pins are the measured values (seeded scenarios give the same traces every time):
#   default 100.000, legacy 99.995 (kvm_entry/kvm_exit names),
#   preempt-host 99.978, processes 99.993: vmflow back-fills `hypervisor` before a thread's
#     first kvm event, and a state system ends at the last event, states.tsv at the end
#     of the trace (preempt-host: two vCPUs preempted for the last 0.2 ms);
#   preempt-vm 99.923: a vCPU preempted by a vCPU thread that has not entered its guest
#     yet looks preempted by the host;
#   discard 98.647: after lost events vmflow says `unknown`, the raw provider keeps going
#     (13.5 ms over the three windows);
#   midrun 99.705 and 31 exits: the trace starts mid-run, before the raw provider knows
#     the threads.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
RT="python3 $VMFLOW_SOURCE_DIR/tests/exports/tc_roundtrip.py"

while read -r name pin maxdiff; do
  "$VMFLOW" synth "$VMFLOW_SOURCE_DIR/corpora/$name.yaml" -o "$T/$name-trace" >/dev/null || { not_ok "$name: synth"; continue; }
  "$VMFLOW" analyze "$T/$name-trace" -o "$T/$name" >/dev/null || { not_ok "$name: analyze"; continue; }
  run_cmd "$VMFLOW" tcxml run "$T/$name/tracecompass/vmflow.xml" "$T/$name-trace" --id org.vmflow.kernel -o "$T/$name-k"
  expect_eq "$rc" 0 "$name: tcxml run org.vmflow.kernel on the raw trace"
  read -r agree diff vcpus < <($RT kernel "$T/$name-k/states.tsv" "$T/$name/states.tsv" "$T/$name/exits.tsv")
  awk -v a="$agree" -v p="$pin" 'BEGIN { exit !(a >= p) }' && ok "$name: raw-trace provider agrees with vmflow on $agree% of vCPU time (>= $pin)" || not_ok "$name: raw-trace provider agreement $agree% < $pin"
  [ "$maxdiff" = vcpus ] && maxdiff=$vcpus
  [ "$diff" -le "$maxdiff" ] && ok "$name: raw exit counts per VM and reason within $diff of exits.tsv (<= $maxdiff)" || not_ok "$name: raw exit counts differ by $diff (> $maxdiff)"
  rm -rf "$T/$name-trace" "$T/$name" "$T/$name-k"
done <<'PINS'
default 100.000 vcpus
preempt-host 99.978 vcpus
preempt-vm 99.923 vcpus
legacy 99.995 vcpus
processes 99.993 vcpus
discard 98.647 vcpus
midrun 99.705 31
PINS
finish
