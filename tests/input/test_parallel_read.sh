#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_parallel_read.sh - reading a CTF trace with several babeltrace2 graphs
# (input/ctf_parallel.c) gives exactly the results of one graph: every output
# file of `vmflow analyze` and `vmflow stats` byte for byte, with 1, 2, 3 and
# more parts than streams; the same one-line error on a corrupt stream.
source "$VMFLOW_SOURCE_DIR/tests/lib/assert.sh"
C=$VMFLOW_SOURCE_DIR/corpora

# discard: losses in the merge; nocontext: no pid/tid; midrun: no statedump;
# large-mixed: many VMs and streams; legacy: kvm_* names.
for name in discard nocontext midrun large-mixed legacy; do
  "$VMFLOW" synth "$C/$name.yaml" -o "$T/$name" >/dev/null || { not_ok "synth $name"; continue; }
  streams=$(ls "$T/$name"/channel0_* | wc -l)
  VMFLOW_READ_THREADS=1 "$VMFLOW" analyze "$T/$name" -o "$T/$name-1" >/dev/null ||
    not_ok "$name: analyze with one graph"
  VMFLOW_READ_THREADS=1 "$VMFLOW" stats "$T/$name" >"$T/$name-1.stats" ||
    not_ok "$name: stats with one graph"
  for parts in 2 3 $((streams + 2)); do
    if VMFLOW_READ_THREADS=$parts "$VMFLOW" analyze "$T/$name" -o "$T/$name-$parts" >/dev/null &&
       diff -r "$T/$name-1" "$T/$name-$parts" >"$T/diff" 2>&1; then
      ok "$name: $parts graphs give the outputs of one ($streams streams)"
    else
      not_ok "$name: $parts graphs differ from one: $(head -c 300 "$T/diff")"
    fi
    VMFLOW_READ_THREADS=$parts "$VMFLOW" stats "$T/$name" >"$T/$name-$parts.stats"
    expect_eq "$(cmp -s "$T/$name-1.stats" "$T/$name-$parts.stats" && echo same)" same \
      "$name: stats with $parts graphs"
  done
  rm -rf "$T/$name"-[0-9]*
done

# Many runs on a 64-VM, 16-stream trace: the parts share no libbabeltrace2 object
# (its reference counts are not atomic; a shared plugin corrupted the heap about
# once in 20 runs). Every run must succeed with the same output.
sed 's/^duration:.*/duration: 250ms/' "$VMFLOW_SOURCE_DIR/bench/scenarios/vms-64.yaml" > "$T/vms64.yaml"
"$VMFLOW" synth "$T/vms64.yaml" -o "$T/vms64" >/dev/null
VMFLOW_READ_THREADS=1 "$VMFLOW" stats "$T/vms64" >"$T/vms64-1.stats"
bad=0
for i in $(seq 1 25); do
  VMFLOW_READ_THREADS=$((2 + i % 3)) "$VMFLOW" stats "$T/vms64" >"$T/vms64-n.stats" 2>"$T/vms64.err" &&
    cmp -s "$T/vms64-1.stats" "$T/vms64-n.stats" || { bad=$((bad + 1)); head -3 "$T/vms64.err"; }
done
expect_eq "$bad" 0 "64 VMs: 25 runs with 2-4 graphs, all succeed with the one-graph output"

# The discard scenario's losses reach summary.json through the merge.
"$VMFLOW" analyze "$T/discard" -o "$T/d2" >/dev/null
expect_eq "$(grep -c '"discarded_events": [1-9]' "$T/d2/summary.json")" 1 "losses counted through the merge"

# A truncated stream: the same error, whatever the number of graphs.
cp -r "$T/discard" "$T/trunc"
f=$(ls "$T/trunc"/channel0_* | tail -n1)
truncate -s $(( $(stat -c %s "$f") / 2 + 13 )) "$f"
run_cmd env VMFLOW_READ_THREADS=1 "$VMFLOW" analyze "$T/trunc" -o "$T/t1"
err1=$err rc1=$rc
run_cmd env VMFLOW_READ_THREADS=2 "$VMFLOW" analyze "$T/trunc" -o "$T/t2"
expect_eq "$rc/$rc1" "1/1" "truncated stream: exit 1 with one and two graphs"
expect_eq "$err" "$err1" "truncated stream: the same message with one and two graphs"
expect_eq "$(ls -d "$T"/t1 "$T"/t2 "$T"/t1.vmflow-tmp-* "$T"/t2.vmflow-tmp-* 2>/dev/null | wc -l)" 0 \
  "truncated stream: nothing written"

finish
